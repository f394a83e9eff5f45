/* cmd_servers.c - 'tlsdiag servers': the server profiles, one line each. */
#include "harness/cmd.h"
#include "harness/core/err.h"
#include "harness/servers/profile.h"

#include <stdio.h>
#include <string.h>

static void servers_usage(FILE *out)
{
	fprintf(out, "usage: tlsdiag servers [--help]\n\n"
		     "Lists the local server profiles (servers/<name>.ini, compiled in): name, server, description.\n"
		     "Start one with 'tlsdiag serve PROFILE'; docs/servers.md describes them.\n");
}

int cmd_servers(int argc, char **argv)
{
	struct profile p;
	char err[512];
	int rc = EXIT_OK;
	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			servers_usage(stdout);
			return EXIT_OK;
		}
		err_report(ERR_USAGE, "'servers' takes no argument ('%s')", argv[1]);
		servers_usage(stderr);
		return EXIT_UNUSABLE;
	}
	for (const char *const *n = profile_names(); *n; n++) {
		if (profile_load(*n, &p, err, sizeof err) != 0) {
			rc = err_report(ERR_INTERNAL, "%s", err);
			continue;
		}
		printf("%-18s %-9s %s\n", p.name, p.kind == PROFILE_APACHE ? "apache" : "s_server", p.description);
	}
	return rc;
}
