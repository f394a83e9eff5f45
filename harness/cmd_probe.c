/*
 * cmd_probe.c - 'tlsdiag probe HOST[:PORT]': which devices can connect to
 * the user's own server, and why the others cannot (harness/probe/).
 */
#include "harness/cmd.h"
#include "harness/core/datadir.h"
#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/explain/explain.h"
#include "harness/probe/probe.h"
#include "harness/run/outdir.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void probe_usage(FILE *out)
{
	fputs("usage: tlsdiag probe HOST[:PORT] [OPTIONS]\n\n"
	      "Connects to HOST (a name or an address; port 443 by default) as every embedded device\n"
	      "profile does, with full handshakes, and as reference clients (a browser profile,\n"
	      "openssl s_client, curl, Python's ssl); then measures the server (versions, suites in\n"
	      "its order, groups, SNI, chain, record sizes, tickets) and says which device each\n"
	      "finding hurts.  Every attempt is captured through a relay on 127.0.0.1 (no root\n"
	      "needed), with its key log, under --out.\n\n"
	      "  -d, --device LIST    devices to try, comma-separated, or 'all' (default: all)\n"
	      "      --sni NAME       the name sent (SNI) and checked (default: HOST when it is a name)\n"
	      "      --ca FILE        the CA every client trusts, PEM or DER (default: devices have none\n"
	      "                       and do not verify; reference clients use the system store)\n"
	      "      --require LIST   exit 0 only when these connect (default: every device)\n"
	      "      --json FILE      also write the report as JSON (format_version 1, docs/probe.md)\n"
	      "      --junit FILE     also write JUnit XML (one testcase per client)\n"
	      "      --html FILE      also write a self-contained HTML page (grid, summary, ladders)\n"
	      "  -o, --out DIR        where captures go (default: ./tlsdiag-runs/<time>/; in a\n"
	      "                       source tree captures/runs/<time>/)\n"
	      "      --timeout SEC    per stage of each attempt (default 10)\n"
	      "      --no-survey      skip the server summary (its extra connections)\n"
	      "      --no-references  skip the reference clients\n"
	      "  -h, --help           this text\n\n"
	      "exit status: 0 every required device connected, 1 one did not, 2 bad usage or the\n"
	      "target could not be reached at all.\n",
	      out);
}

/* "host", "host:port", "[v6]:port". */
static int probe_parse_target(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon = NULL, *start = s, *end;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return -1;
		start = s + 1;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -1;
	} else {
		colon = strrchr(s, ':');
		end = colon ? colon : s + strlen(s);
	}
	if (end == start || (size_t)(end - start) >= hostlen)
		return -1;
	snprintf(host, hostlen, "%.*s", (int)(end - start), start);
	*port = 443;
	if (colon) {
		char *e;
		errno = 0;
		unsigned long p = strtoul(colon + 1, &e, 10);
		if (errno || e == colon + 1 || *e || p == 0 || p > 65535)
			return -1;
		*port = (uint16_t)p;
	}
	return 0;
}

/* On a terminal one line redrawn; in a CI log a line per attempt, as it ends. */
static void probe_progress(void *ctx, const char *what, size_t done, size_t total)
{
	bool tty = ctx != NULL;
	if (tty)
		fprintf(stderr, "\rprobe: %zu/%zu %-24s%s", done, total, what, done == total ? "\n" : "");
	else
		fprintf(stderr, "probe: %zu/%zu %s done\n", done, total, what);
	fflush(stderr);
}

enum probe_file { PROBE_FILE_JSON, PROBE_FILE_JUNIT, PROBE_FILE_HTML };

/* Writes a report file atomically (outdir.h); 0 or -1 with a message. */
static int probe_write_file(const char *path, const struct probe_report *rep, enum probe_file kind)
{
	struct outdir_file of;
	char err[256];
	FILE *f = outdir_open(&of, path, err, sizeof err);
	if (!f) {
		err_report(ERR_IO, "%s", err);
		return -1;
	}
	int rc;
	switch (kind) {
	case PROBE_FILE_JUNIT:
		rc = probe_write_junit(f, rep);
		break;
	case PROBE_FILE_HTML:
		rc = probe_write_html(f, rep);
		break;
	case PROBE_FILE_JSON:
	default: {
		struct jv *j = probe_to_json(rep);
		rc = jv_write(f, j, true);
		jv_free(j);
		break;
	}
	}
	if (rc != 0) {
		outdir_abort(&of);
		err_report(ERR_IO, "cannot write %s", path);
		return -1;
	}
	if (outdir_commit(&of, err, sizeof err) != 0) {
		err_report(ERR_IO, "%s", err);
		return -1;
	}
	return 0;
}

/* Where a report file will go can be written: checked before any connection. */
static int probe_check_target_file(const char *path)
{
	char err[512];
	if (outdir_check_writable(path, err, sizeof err) != 0) {
		err_report(ERR_IO, "%s", err);
		return -1;
	}
	return 0;
}

int cmd_probe(int argc, char **argv)
{
	enum { OPT_SNI = 256, OPT_CA, OPT_REQUIRE, OPT_JSON, OPT_JUNIT, OPT_HTML, OPT_TIMEOUT, OPT_NO_SURVEY, OPT_NO_REFS };
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "sni", required_argument, NULL, OPT_SNI },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "require", required_argument, NULL, OPT_REQUIRE },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "out", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "no-survey", no_argument, NULL, OPT_NO_SURVEY },
		{ "no-references", no_argument, NULL, OPT_NO_REFS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts o = { .timeout_ms = 10000, .references = true, .survey = true };
	const char *require = NULL, *json_path = NULL, *junit_path = NULL, *html_path = NULL, *out = NULL;
	char host[256], err[512], dir[4096], missing[512], runs_base[64];
	struct probe_report rep;
	int c;

	optind = 1;
	opterr = 0; /* the message below, in the project's words ("usage error") */
	while ((c = getopt_long(argc, argv, "d:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.devices = optarg;
			break;
		case OPT_SNI:
			o.sni = optarg;
			break;
		case OPT_CA:
			o.ca_path = optarg;
			break;
		case OPT_REQUIRE:
			require = optarg;
			break;
		case OPT_JSON:
			json_path = optarg;
			break;
		case OPT_JUNIT:
			junit_path = optarg;
			break;
		case OPT_HTML:
			html_path = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case OPT_TIMEOUT: {
			char *e;
			errno = 0;
			long s = strtol(optarg, &e, 10);
			if (errno || e == optarg || *e || s < 1 || s > 600)
				return err_report(ERR_USAGE, "--timeout takes seconds from 1 to 600, not '%s'", optarg);
			o.timeout_ms = (int)s * 1000;
			break;
		}
		case OPT_NO_SURVEY:
			o.survey = false;
			break;
		case OPT_NO_REFS:
			o.references = false;
			break;
		case 'h':
			probe_usage(stdout);
			return EXIT_OK;
		default:
			probe_usage(stderr);
			return err_report(ERR_USAGE, "unknown or incomplete option '%s' (see 'tlsdiag probe --help')",
					  argv[optind - 1]);
		}
	}
	if (optind != argc - 1) {
		probe_usage(stderr);
		return err_report(ERR_USAGE, "probe takes one HOST[:PORT]");
	}
	if (probe_parse_target(argv[optind], host, sizeof host, &o.port) != 0)
		return err_report(ERR_USAGE, "'%s' is not HOST, HOST:PORT or [IPv6]:PORT", argv[optind]);
	o.host = host;
	if (o.ca_path && access(o.ca_path, R_OK) != 0)
		return err_report(ERR_INPUT, "cannot read --ca %s: %s", o.ca_path, strerror(errno));
	if ((json_path && probe_check_target_file(json_path) != 0) ||
	    (junit_path && probe_check_target_file(junit_path) != 0) ||
	    (html_path && probe_check_target_file(html_path) != 0))
		return EXIT_UNUSABLE;
	if (explain_load(err, sizeof err) != 0)
		return err_report(ERR_ENV, "%s", err);
	if (out) {
		snprintf(dir, sizeof dir, "%s", out);
		if (outdir_mkdirs(dir, err, sizeof err) != 0)
			return err_report(ERR_IO, "%s", err);
	} else if (datadir_runs_base(runs_base, sizeof runs_base, err, sizeof err) != 0) {
		return err_report(ERR_ENV, "%s", err);
	} else if (outdir_new_run(runs_base, dir, sizeof dir, err, sizeof err) != 0) {
		return err_report(ERR_IO, "%s", err);
	}
	/* The probe writes only under the resolved, checked and locked directory, as 'run' does. */
	char real[4096];
	int lock_fd = outdir_lock_run(dir, real, sizeof real, err, sizeof err);
	if (lock_fd < 0)
		return err_report(ERR_ENV, "%s", err);
	o.out_dir = real;
	o.progress = probe_progress;
	o.progress_ctx = isatty(STDERR_FILENO) ? (void *)&o : NULL;
	if (probe_run(&o, &rep, err, sizeof err) != 0) {
		probe_report_free(&rep);
		close(lock_fd);
		return err_report(strstr(err, "unknown device") ? ERR_USAGE : ERR_ENV, "%s", err);
	}
	int rc = probe_write_text(stdout, &rep) == 0 ? EXIT_OK : EXIT_UNUSABLE;
	/* The attempts' captures are written without an fsync each (as a run's): made durable here, once. */
	if (outdir_sync(real, err, sizeof err) != 0) {
		err_report(ERR_IO, "%s", err);
		rc = EXIT_UNUSABLE;
	}
	if (json_path && probe_write_file(json_path, &rep, PROBE_FILE_JSON) != 0)
		rc = EXIT_UNUSABLE;
	if (junit_path && probe_write_file(junit_path, &rep, PROBE_FILE_JUNIT) != 0)
		rc = EXIT_UNUSABLE;
	if (html_path && probe_write_file(html_path, &rep, PROBE_FILE_HTML) != 0)
		rc = EXIT_UNUSABLE;
	if (rc == EXIT_OK && !probe_required_ok(&rep, require, missing, sizeof missing)) {
		printf("required but did not connect: %s\n", missing);
		rc = EXIT_MISSED;
	}
	fflush(stdout);
	if (ferror(stdout))
		rc = EXIT_UNUSABLE;
	probe_report_free(&rep);
	close(lock_fd);
	return rc;
}
