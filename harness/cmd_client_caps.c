/* cmd_client_caps.c - 'tlsdiag client-caps': what the linked wolfSSL client can do. */
#include "harness/cmd.h"

#include "harness/client/client.h"
#include "harness/core/err.h"
#include "harness/core/json.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: tlsdiag client-caps [--json]\n\n"
		     "Shows what the wolfSSL linked into tlsdiag can do as an embedded client:\n"
		     "its version, whether it is the full build of 'make wolfssl-full', the\n"
		     "protocol versions (SSLv3 ... TLS 1.3), static-RSA suites, max fragment\n"
		     "length, SNI, key log, the device clock, and its cipher suites.  Cases\n"
		     "that need something missing are reported skipped, never passed.\n\n"
		     "  --json   one JSON object instead of text\n"
		     "  --help   this text\n");
}

static int print_json(void)
{
	struct client_caps c;
	client_caps_get(&c);
	struct jv *o = jv_object(), *versions = jv_array(), *suites = jv_array();
	jv_set_str(o, "wolfssl_version", c.version);
	jv_set_bool(o, "full_build", c.full_build);
	const struct {
		bool on;
		const char *name;
	} v[] = { { c.sslv3, "SSLv3" }, { c.tls10, "TLSv1.0" }, { c.tls11, "TLSv1.1" }, { c.tls12, "TLSv1.2" },
		  { c.tls13, "TLSv1.3" } };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i].on)
			jv_push_str(versions, v[i].name);
	jv_set(o, "versions", versions);
	jv_set_bool(o, "sslv3", c.sslv3);
	jv_set_bool(o, "static_rsa", c.static_rsa);
	jv_set_bool(o, "max_fragment", c.max_fragment);
	jv_set_bool(o, "sni", c.sni);
	jv_set_bool(o, "keylog_tls12", c.keylog_tls12);
	jv_set_bool(o, "keylog_tls13", c.keylog_tls13);
	jv_set_bool(o, "time_override", c.time_override);
	char buf[64];
	for (const char *p = c.ciphers; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(buf, sizeof buf, "%.*s", (int)n, p);
		jv_push_str(suites, buf);
		p += n;
		p += *p == ':';
	}
	jv_set(o, "ciphers", suites);
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
