/* cmd_run.c - 'tlsdiag run'.  Placeholder until its issue lands. */
#include "harness/cmd.h"
#include "harness/core/err.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return err_report(ERR_INTERNAL, "'run' is not built yet");
}
