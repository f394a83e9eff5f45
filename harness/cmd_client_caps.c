/* cmd_client_caps.c - 'tlsdiag client-caps'.  Placeholder until its issue lands. */
#include "harness/cmd.h"
#include "harness/core/err.h"

int cmd_client_caps(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return err_report(ERR_INTERNAL, "'client-caps' is not built yet");
}
