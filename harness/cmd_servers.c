/* cmd_servers.c - 'tlsdiag servers'.  Placeholder until its issue lands. */
#include "harness/cmd.h"
#include "harness/core/err.h"

int cmd_servers(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return err_report(ERR_INTERNAL, "'servers' is not built yet");
}
