/* cmd_client_caps.c - 'tlsdiag client-caps': what each client engine (wolfSSL, mbedTLS, BearSSL) can do. */
#include "harness/cmd.h"

#include "harness/client/client.h"
#include "harness/core/err.h"
#include "harness/core/json.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: tlsdiag client-caps [--json]\n\n"
		     "Shows what each client engine linked into tlsdiag can do: wolfSSL (and\n"
		     "whether it is the full build of 'make wolfssl-full'), mbedTLS and BearSSL\n"
		     "(or why this build has none): its version, the protocol versions (SSLv3 ...\n"
		     "TLS 1.3), static-RSA suites, max fragment length, SNI, key log, the device\n"
		     "clock, and its cipher suites in its own names.  Cases that need something\n"
		     "missing are reported skipped, never passed.\n\n"
		     "  --json   one JSON object instead of text\n"
		     "  --help   this text\n");
}

/* {"wolfssl_version", "full_build" (as before engines), "engines": [one object per engine]}. */
static int print_json(void)
{
	struct client_caps c;
	client_caps_get(&c);
	struct jv *o = jv_object();
	jv_set_int(o, "format_version", 1);
	jv_set_str(o, "wolfssl_version", c.version);
	jv_set_bool(o, "full_build", c.full_build);
	jv_set(o, "engines", client_caps_json());
	int rc = jv_write(stdout, o, true);
	jv_free(o);
	return rc == 0 ? EXIT_OK : err_report(ERR_IO, "cannot write to stdout");
}

int cmd_client_caps(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else {
			err_report(ERR_USAGE, "client-caps: unknown option '%s' (try --help)", argv[i]);
			return EXIT_UNUSABLE;
		}
	}
	if (json)
		return print_json();
	client_print_caps(stdout);
	return fflush(stdout) == 0 ? EXIT_OK : err_report(ERR_IO, "cannot write to stdout");
}
