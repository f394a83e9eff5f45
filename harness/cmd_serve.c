/* cmd_serve.c - 'tlsdiag serve'.  Placeholder until its issue lands. */
#include "harness/cmd.h"
#include "harness/core/err.h"

int cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return err_report(ERR_INTERNAL, "'serve' is not built yet");
}
