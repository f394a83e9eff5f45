/* cmd_decode.c - 'tlsdiag decode FILE': the TLS handshakes in a capture, explained. */
#include "harness/cmd.h"
#include "harness/core/err.h"
#include "harness/decode/decode.h"
#include "harness/decode/keylog.h"
#include "harness/core/json.h"
#include "harness/run/outdir.h"
#include "harness/run/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlsdiag decode FILE|- [--format text|json] [--port N] [--verbose]\n"
		"                      [--keylog KEYLOG] [--memory-budget MB] [--html OUT]\n"
		"                      [--server-log TEXT] [--client-error TEXT]\n"
		"\n"
		"Reads a pcap or pcapng capture, finds the TLS connections in it, and\n"
		"shows for each the handshake ladder, the alerts (who sent which), the\n"
		"outcome and a diagnosis of why it failed.\n"
		"\n"
		"options:\n"
		"  --format text|json  report format (default text); JSON is one object\n"
		"                      {\"file\", \"connections\": [...], \"summary\", \"notes\"}\n"
		"  --port N            only connections to or from TCP port N, all read as\n"
		"                      TLS (default: any connection whose first bytes look\n"
		"                      like TLS); the side on port N is the server\n"
		"  --verbose           text: absolute timestamps and the full lists the\n"
		"                      diagnosis weighs (suites, groups, signature\n"
		"                      algorithms, ALPN, extensions, every certificate\n"
		"                      with its SANs and dates)\n"
		"  --server-log TEXT   the server's log line for the failure, weighed with\n"
		"                      the capture (e.g. \"version too low\")\n"
		"  --client-error TEXT the client's own error, weighed the same way\n"
		"  --keylog KEYLOG     decrypt with the session secrets in KEYLOG (NSS key log\n"
		"                      format, as written by a client run with\n"
		"                      SSLKEYLOGFILE=KEYLOG or openssl s_client -keylogfile):\n"
		"                      the ladder then shows the encrypted handshake messages\n"
		"                      (TLS 1.3 certificates, Finished, ...), every alert and\n"
		"                      application data sizes\n"
		"  --memory-budget MB  memory for the whole decode (default 64): past it\n"
		"                      the least recently active open connections are\n"
		"                      reported early, with a note saying how many\n"
		"  --html OUT          also write a self-contained HTML page to OUT: per\n"
		"                      connection a ladder diagram, alerts, diagnosis, fix\n"
		"  --help              this text\n"
		"\n"
		"FILE - reads the capture from standard input (tcpdump -w - | tlsdiag decode -).\n"
		"\n"
		"Link types: Ethernet (with a VLAN tag), Linux cooked v1/v2, raw IP,\n"
		"BSD loopback.  A capture cut short is decoded as far as it goes.\n"
		"\n"
		"examples:\n"
		"  tlsdiag decode device.pcap\n"
		"  tlsdiag decode --port 8883 --format json mqtt.pcapng\n"
		"  tlsdiag decode --verbose --server-log \"no suitable key share\" device.pcap\n"
		"  tlsdiag decode --keylog keys.log device.pcapng\n"
		"\n"
		"exit status: 0 decoded (even when handshakes failed), 2 unusable input.\n");
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* The HTML page, written beside its final name and renamed into place (run/outdir.h). */
static enum err_category decode_write_html(const char *html, const char *pcap, const struct jv *conns,
					   const struct decode_stats *st, char *err, size_t errlen)
{
	struct outdir_file of;
	FILE *f = outdir_open(&of, html, err, errlen);
	if (!f)
		return ERR_IO;
	struct jv *notes = decode_notes(st);
	int w = report_html_decode(f, pcap, conns, notes);
	jv_free(notes);
	if (w != 0) {
		outdir_abort(&of);
		snprintf(err, errlen, "%s: write error", html);
		return ERR_IO;
	}
	return outdir_commit(&of, err, errlen) == 0 ? ERR_NONE : ERR_IO;
}

/*
 * The key log, its problems on stderr (line by line): decoding goes on with
 * what parsed.  A key log asked for that yields no secret at all (a binary
 * file, the wrong file) is bad input, not a decode without keys.
 */
static int load_keylog(const char *path, struct keylog **out)
{
	char err[512];
	struct keylog *kl = keylog_new();
	if (!kl)
		return err_report(ERR_INTERNAL, "out of memory");
	enum err_category rc = keylog_load_file(kl, path, err, sizeof err);
	if (rc != ERR_NONE) {
		keylog_free(kl);
		return err_report(rc, "%s", err);
	}
	if (!keylog_count(kl)) {
		int ex = err_report(ERR_INPUT, "the key log %s holds no usable secret (%s%s)", path,
				    keylog_problem(kl, 0) ? "first problem: " : "",
				    keylog_problem(kl, 0) ? keylog_problem(kl, 0) : "no NSS key log line in it");
		keylog_free(kl);
		return ex;
	}
	for (size_t i = 0; keylog_problem(kl, i); i++)
		fprintf(stderr, "tlsdiag: input: %s (skipped)\n", keylog_problem(kl, i));
	if (keylog_problem_count(kl) > KEYLOG_PROBLEMS_KEPT)
		fprintf(stderr, "tlsdiag: input: %zu more key log lines skipped\n",
			keylog_problem_count(kl) - KEYLOG_PROBLEMS_KEPT);
	*out = kl;
	return EXIT_OK;
}

int cmd_decode(int argc, char **argv)
{
	struct decode_opts o = { .format = DECODE_FORMAT_TEXT };
	struct decode_stats st;
	const char *path = NULL, *keylog = NULL, *html = NULL;
	char err[512] = "";
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--format") == 0) {
			if (!val)
				return err_report(ERR_USAGE, "--format needs a value: text or json");
			if (strcmp(val, "text") == 0)
				o.format = DECODE_FORMAT_TEXT;
			else if (strcmp(val, "json") == 0)
				o.format = DECODE_FORMAT_JSON;
			else
				return err_report(ERR_USAGE, "--format must be text or json, not '%s'", val);
			i++;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			o.verbose = true;
		} else if (strcmp(a, "--server-log") == 0 || strcmp(a, "--client-error") == 0) {
			if (!val)
				return err_report(ERR_USAGE, "%s needs a text", a);
			if (a[2] == 's')
				o.server_log = val;
			else
				o.client_error = val;
			i++;
		} else if (strcmp(a, "--port") == 0) {
			if (!val || parse_port(val, &o.port) < 0)
				return err_report(ERR_USAGE, "--port needs a TCP port number from 1 to 65535");
			i++;
		} else if (strcmp(a, "-") == 0 && !path) {
			path = "-";
		} else if (strcmp(a, "--keylog") == 0) {
			if (!val)
				return err_report(ERR_USAGE, "--keylog needs a key log file (NSS format, SSLKEYLOGFILE)");
			keylog = val;
			i++;
		} else if (strcmp(a, "--memory-budget") == 0) {
			char *end;
			errno = 0;
			long mb = val ? strtol(val, &end, 10) : 0;
			if (!val || errno || end == val || *end || mb < 1 || mb > 1024 * 1024)
				return err_report(ERR_USAGE, "--memory-budget needs a size in MB from 1 to 1048576");
			o.memory_budget = (size_t)mb * 1024 * 1024;
			i++;
		} else if (strcmp(a, "--html") == 0) {
			if (!val)
				return err_report(ERR_USAGE, "--html needs a file to write");
			html = val;
			i++;
		} else if (a[0] == '-' && a[1]) {
			err_report(ERR_USAGE, "unknown option '%s' (see 'tlsdiag decode --help')", a);
			return EXIT_UNUSABLE;
		} else if (path) {
			return err_report(ERR_USAGE, "one capture file at a time ('%s' and '%s')", path, a);
		} else {
			path = a;
		}
	}
	if (!path) {
		usage(stderr);
		return err_report(ERR_USAGE, "no capture file given");
	}
	if (keylog && (rc = load_keylog(keylog, &o.keylog)) != EXIT_OK)
		return rc;
	if (html)
		o.collect = jv_array();
	/*
	 * A file's report goes out in 64 kB writes, not a line at a time (main.c's line
	 * buffering was a write(2) per line: 12% of a decode); a capture read from a pipe
	 * (tcpdump -w - | tlsdiag decode -) shows each connection the moment it ends.
	 */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	o.flush_each = strcmp(path, "-") == 0;
	/* libpcap reads a pipe as well as a file: the stream is read once, front to back. */
	enum err_category ec = decode_file(strcmp(path, "-") == 0 ? "/dev/stdin" : path, &o, stdout, &st, err, sizeof err);
	if (ec == ERR_NONE && html)
		ec = decode_write_html(html, path, o.collect, &st, err, sizeof err);
	jv_free(o.collect);
	keylog_free(o.keylog);
	if (ec != ERR_NONE)
		return err_report(ec, "%s", err);
	return EXIT_OK;
}
