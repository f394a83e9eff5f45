/*
 * cmd_devices.c - 'tlsdiag devices': the device profiles (client/device.c),
 * with the engine each runs on, its versions, SNI, CA loader, clock width
 * and where its facts come from (docs/devices.md has the sources in full).
 */
#include "harness/cmd.h"

#include "harness/client/device.h"
#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/core/tok.h"

#include <stdio.h>
#include <string.h>

static void devices_usage(FILE *out)
{
	fputs("usage: tlsdiag devices [--json]\n\n"
	      "Lists the device profiles scenarios and 'tlsdiag probe' use: name, the engine its\n"
	      "handshakes run on, the protocol versions it offers, SNI, how it loads its CA, its\n"
	      "time_t width, and the sources its settings come from (docs/devices.md).\n\n"
	      "  --json   one JSON object instead of text\n"
	      "  --help   this text\n",
	      out);
}

/* "tls1.0-tls1.2", "sslv3-tls1.2", "tls1.2". */
static void devices_versions(const struct device_profile *d, char *buf, size_t len)
{
	char a[24], b[24];
	if (d->method != METHOD_ANY) {
		snprintf(buf, len, "%s", tok2str(client_method_names, d->method, a, sizeof a));
		return;
	}
	snprintf(buf, len, "%s-%s", d->min_version ? tok2str(client_method_names, d->min_version, a, sizeof a) : "lowest",
		 d->max_version ? tok2str(client_method_names, d->max_version, b, sizeof b) : "highest");
}

static int devices_json(void)
{
	struct jv *o = jv_object(), *arr = jv_array();
	char buf[64];
	jv_set_int(o, "format_version", 1);
	for (const struct device_profile *d = device_profiles; d->name; d++) {
		struct jv *x = jv_object();
		jv_set_str(x, "name", d->name);
		jv_set_str(x, "stack", d->stack);
		jv_set_str(x, "engine", device_engine_name(d));
		devices_versions(d, buf, sizeof buf);
		jv_set_str(x, "versions", buf);
		jv_set_str(x, "sni", tok2str(client_sni_names, d->sni, buf, sizeof buf));
		jv_set_str(x, "ca_format", tok2str(client_ca_format_names, d->ca_format, buf, sizeof buf));
		jv_set_bool(x, "verify", d->verify);
		jv_set_int(x, "time_t_bits", d->time_t_bits);
		jv_set_str(x, "ciphers", d->ciphers ? d->ciphers : "");
		jv_set_str(x, "sources", d->sources);
		jv_set_str(x, "limits", d->limits ? d->limits : "");
		jv_push(arr, x);
	}
	jv_set(o, "devices", arr);
	int rc = jv_write(stdout, o, true);
	jv_free(o);
	return rc == 0 ? EXIT_OK : err_report(ERR_IO, "cannot write to stdout");
}

int cmd_devices(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			devices_usage(stdout);
			return EXIT_OK;
		} else {
			err_report(ERR_USAGE, "devices: unknown option '%s' (try --help)", argv[i]);
			return EXIT_UNUSABLE;
		}
	}
	if (json)
		return devices_json();
	char v[64], sni[16], ca[16];
	printf("%-22s %-8s %-16s %-6s %-10s %s\n", "device", "engine", "versions", "sni", "ca", "stack");
	for (const struct device_profile *d = device_profiles; d->name; d++) {
		devices_versions(d, v, sizeof v);
		printf("%-22s %-8s %-16s %-6s %-10s %s\n", d->name, device_engine_name(d), v,
		       tok2str(client_sni_names, d->sni, sni, sizeof sni),
		       tok2str(client_ca_format_names, d->ca_format, ca, sizeof ca), d->stack);
		printf("%-22s sources: %s\n", "", d->sources);
	}
	printf("\n'tlsdiag probe HOST --device NAME' tries them against a server; docs/devices.md has the sources.\n");
	return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : err_report(ERR_IO, "cannot write to stdout");
}
