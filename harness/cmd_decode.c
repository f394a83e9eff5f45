/* cmd_decode.c - 'tlsdiag decode'.  Placeholder until its issue lands. */
#include "harness/cmd.h"
#include "harness/core/err.h"

int cmd_decode(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return err_report(ERR_INTERNAL, "'decode' is not built yet");
}
