/*
 * cmd_serve.c - 'tlsdiag serve PROFILE': one server profile in the
 * foreground until Ctrl-C or SIGTERM, each connection a client makes
 * printed as it closes: who, what its ClientHello offered, how it ended,
 * the server's log lines and the diagnosis (text, or one JSON object per
 * line with --json).
 *
 * The connections are seen through a live capture of the port the device
 * connects to (decode/watch.h: the decoder's own flow table, so a line says
 * what 'tlsdiag decode' would say of the pcap): the server's, or with
 * --network the fault relay's in front of it (capture/front.h), so a reset
 * the faults make is seen as the device sees it.  Without capture rights
 * the server still runs and the banner says why connections are not shown.
 *
 * The handlers only set a flag.  The signals (and SIGCHLD, to notice a
 * server that dies) stay blocked except inside ppoll(), so none can arrive
 * between the check and the wait.  Then server_stop() stops the server's
 * process group and removes the temp dir (unless --keep).
 */
#include "harness/capture/fault.h"
#include "harness/capture/front.h"
#include "harness/cmd.h"
#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/decode/watch.h"
#include "harness/servers/profile.h"
#include "harness/servers/server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "format_version" of the per-connection JSON lines (docs/schema/serve.schema.json). */
#define SERVE_FORMAT_VERSION 1

static volatile sig_atomic_t serve_stop_signal;

static void serve_on_signal(int sig)
{
	if (sig != SIGCHLD)
		serve_stop_signal = sig;
}

static void serve_usage(FILE *out)
{
	fprintf(out,
		"usage: tlsdiag serve PROFILE|FILE [--port N] [--network FAULTS] [--keep] [--json] [--help]\n\n"
		"Starts server profile PROFILE (see 'tlsdiag servers'; a path with a '/' is a profile\n"
		"file of your own) on 127.0.0.1 in the foreground, prints its address and CA files,\n"
		"then each connection as it closes: the client, what its ClientHello offered, the\n"
		"outcome (version and suite, or who sent which alert), the server's log lines and\n"
		"the diagnosis.  Runs until Ctrl-C or SIGTERM.\n\n"
		"  --port N   listen on 127.0.0.1:N (default: a free port)\n"
		"  --network FAULTS\n"
		"             put network faults between the device and the server (on --port; the\n"
		"             server moves to a free port): e.g. reset-on:sslv3-hello, stall-after:certificate,\n"
		"             latency:300ms,bandwidth:2kbps (docs/capture.md, \"Network faults\")\n"
		"  --keep     keep the temp dir (certificates, keys, config, logs, serve.pcap)\n"
		"  --json     one JSON object per connection on stdout, one per line (the banner\n"
		"             goes to stderr)\n"
		"  --help     this text\n\n"
		"Connections are seen through a live capture of the port (root or CAP_NET_RAW);\n"
		"without it the server runs and says so.  Only 127.0.0.1 is bound.  exit status:\n"
		"0 stopped cleanly, 2 bad usage or the server could not start (or died).\n");
}

struct serve_args {
	const char *profile;
	struct server_opts server;
	struct fault_set faults; /* --network; n == 0: none */
	bool json;
};

static int serve_port(const char *s, unsigned long *port)
{
	char *end;
	errno = 0;
	*port = strtoul(s, &end, 10);
	return errno || end == s || *end || *port > 65535 ? -1 : 0;
}

/* -1: go on; else the exit code (help shown, or bad usage). */
static int serve_parse(int argc, char **argv, struct serve_args *a)
{
	unsigned long port;
	char err[512];
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			serve_usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--keep") == 0) {
			a->server.keep = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			a->json = true;
		} else if (strcmp(argv[i], "--port") == 0) {
			if (i + 1 >= argc || serve_port(argv[++i], &port) != 0)
				return err_report(ERR_USAGE, "--port wants a number from 0 to 65535");
			a->server.port = (uint16_t)port;
		} else if (strcmp(argv[i], "--network") == 0) {
			if (i + 1 >= argc)
				return err_report(ERR_USAGE, "--network wants faults, e.g. reset-after:client_hello");
			if (fault_parse(argv[++i], &a->faults, err, sizeof err) != 0)
				return err_report(ERR_USAGE, "--network: %s", err);
		} else if (argv[i][0] == '-') {
			err_report(ERR_USAGE, "unknown option '%s'", argv[i]);
			serve_usage(stderr);
			return EXIT_UNUSABLE;
		} else if (!a->profile) {
			a->profile = argv[i];
		} else {
			return err_report(ERR_USAGE, "one profile at a time ('%s' and '%s')", a->profile, argv[i]);
		}
	}
	if (!a->profile) {
		serve_usage(stderr);
		return err_report(ERR_USAGE, "which profile? ('tlsdiag servers' lists them)");
	}
	return -1;
}

static void serve_banner(FILE *out, struct server *s, const struct profile *p, const char *watching)
{
	const char *name = server_cert_name(s);
	bool ip = strcmp(name, "127.0.0.1") == 0;
	fprintf(out, "tlsdiag: profile %s (%s) serving on %s:%u\n", p->name,
		p->kind == PROFILE_APACHE ? "Apache httpd" : "openssl s_server", server_host(s), server_port(s));
	fprintf(out, "  %s\n", p->description);
	fprintf(out, "  certificate for: %s%s\n", name,
		p->sni == PROFILE_SNI_VHOSTS ? " (only with SNI; without it: the default vhost's)" : "");
	fprintf(out, "  CA to trust:     %s\n", server_ca_pem(s));
	fprintf(out, "  CA as DER:       %s   (e.g. the CC3200's /flash/cert/ca.pem must be DER)\n", server_ca_der(s));
	if (p->client_auth != PROFILE_CLIENT_NONE)
		fprintf(out, "  client cert:     %s  key: %s\n", server_file(s, "client.pem"), server_file(s, "client.key"));
	fprintf(out, "  server dir:      %s\n", server_dir(s));
	fprintf(out, "  connections:     %s\n\n", watching);
	/* -verify_hostname also accepts a CN-only 127.0.0.1; -verify_ip would want an IP SAN */
	fprintf(out, "Try it:\n  openssl s_client -connect %s:%u %s%s -CAfile %s -verify_return_error -verify_hostname %s\n",
		server_host(s), server_port(s), ip ? "-noservername" : "-servername ", ip ? "" : name, server_ca_pem(s),
		name);
	fprintf(out, "A device on your network cannot reach 127.0.0.1: forward a port to it yourself\n"
		     "(e.g. 'ssh -R' or socat on a host it can reach); tlsdiag binds loopback only.\n"
		     "Ctrl-C stops the server.\n");
	fflush(out);
}

/* ---- one connection ---- */

struct serve_ctx {
	struct server *s;
	long log_off; /* the server log up to here has been read */
	char *pending; /* read, and not yet given to a connection */
	size_t npending;
	bool apache; /* its log names each line's client */
	bool json;
	unsigned long n;
};

/* Log lines that name another client wait for their connection, up to this much text. */
#define SERVE_LOG_KEEP (64 * 1024)
/* How long a connection waits for Apache to write its line (it may log after the FIN is seen). */
#define SERVE_LOG_WAIT_MS 300

/* Appends what the server logged since the last read to x->pending. */
static void serve_log_read(struct serve_ctx *x)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return;
	x->log_off = server_log_since(x->s, x->log_off, m);
	fclose(m);
	char *grown = len ? realloc(x->pending, x->npending + len + 1) : NULL;
	if (grown) {
		memcpy(grown + x->npending, buf, len);
		x->npending += len;
		grown[x->npending] = '\0';
		x->pending = grown;
	}
	free(buf);
}

/*
 * Takes the pending lines of this connection: those naming its address as
 * Apache does ("[client 127.0.0.1:54321]"), and those naming no client at
 * all (s_server's, Apache's own).  Lines naming another client stay for
 * theirs.  *named: some line named this one.
 */
static char *serve_log_take(struct serve_ctx *x, const char *client, bool *named)
{
	char tag[80], *mine = NULL, *rest = NULL;
	size_t nmine = 0, nrest = 0;
	FILE *a = open_memstream(&mine, &nmine), *b = open_memstream(&rest, &nrest);
	*named = false;
	snprintf(tag, sizeof tag, "[client %s]", client);
	for (char *line = x->pending, *nl; a && b && line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		bool ours = memmem(line, n, tag, strlen(tag)) != NULL;
		*named |= ours;
		fprintf(ours || !memmem(line, n, "[client ", 8) ? a : b, "%.*s\n", (int)n, line);
	}
	if (a)
		fclose(a);
	if (b)
		fclose(b);
	free(x->pending);
	/* the oldest of the others go first when they pile up (their connection never came) */
	if (rest && nrest > SERVE_LOG_KEEP) {
		memmove(rest, rest + nrest - SERVE_LOG_KEEP, SERVE_LOG_KEEP + 1);
		nrest = SERVE_LOG_KEEP;
	}
	x->pending = rest;
	x->npending = rest ? nrest : 0;
	return mine;
}

/* The server's log lines of this connection (see serve_log_take), waiting briefly for Apache's. */
static char *serve_log_lines(struct serve_ctx *x, const char *client)
{
	bool named = false;
	char *mine = NULL;
	serve_log_read(x);
	for (int waited = 0;; waited += 10) {
		char *more = serve_log_take(x, client, &named);
		size_t a = mine ? strlen(mine) : 0, b = more ? strlen(more) : 0;
		char *both = realloc(mine, a + b + 1);
		if (both) {
			memcpy(both + a, more ? more : "", b + 1);
			mine = both;
		}
		free(more);
		if (named || !x->apache || waited >= SERVE_LOG_WAIT_MS)
			break;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		serve_log_read(x);
	}
	return mine;
}

static const char *serve_str(const struct jv *o, const char *key)
{
	const char *s = jv_str(jv_get(o, key));
	return s ? s : "";
}

/* "TLS1.2 TLS1.1 TLS1.0, 4 suites, SNI x" from the decoded ClientHello. */
static void serve_offered(const struct jv *ch, char *buf, size_t len)
{
	size_t off = 0;
	const struct jv *v = jv_get(ch, "versions");
	buf[0] = '\0';
	for (size_t i = 0; i < jv_len(v) && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? " " : "", jv_str(jv_at(v, i)));
		off += w > 0 ? (size_t)w : 0;
	}
	const char *sni = jv_str(jv_get(ch, "sni"));
	if (off < len)
		snprintf(buf + off, len - off, ", %lld suites, %s%s", jv_intval(jv_get(ch, "cipher_suites_total")),
			 sni ? "SNI " : "no SNI", sni ? sni : "");
}

static void serve_print_text(const struct serve_ctx *x, const struct jv *c, const char *log, const char *stamp)
{
	const struct jv *ch = jv_get(c, "client_hello"), *alerts = jv_get(c, "alerts"), *end = jv_get(c, "end");
	const struct jv *diag = jv_get(c, "diagnosis");
	char offered[512];
	printf("[%s] #%lu %s\n", stamp, x->n, serve_str(c, "client"));
	if (ch && !jv_is_null(ch)) {
		serve_offered(ch, offered, sizeof offered);
		printf("  offered    %s\n", offered);
	} else {
		printf("  offered    no ClientHello seen\n");
	}
	if (strcmp(serve_str(c, "outcome"), "handshake_complete") == 0)
		printf("  connected  %s %s\n", serve_str(c, "version"), serve_str(c, "cipher_suite"));
	else
		printf("  outcome    %s: no handshake completed\n", serve_str(c, "outcome"));
	for (size_t i = 0; i < jv_len(alerts); i++) {
		const struct jv *a = jv_at(alerts, i);
		const char *after = jv_str(jv_get(a, "after"));
		/* after the handshake an alert is encrypted: without the key log, only who sent one */
		if (jv_boolval(jv_get(a, "encrypted")))
			printf("  alert      %s: an encrypted alert%s%s (most often close_notify)\n", serve_str(a, "from"),
			       after ? " after " : "", after ? after : "");
		else
			printf("  alert      %s sent %s %s (%lld)%s%s\n", serve_str(a, "from"), serve_str(a, "level"),
			       serve_str(a, "name"), jv_intval(jv_get(a, "description")), after ? " after " : "",
			       after ? after : "");
	}
	printf("  closed     %s by the %s\n", serve_str(end, "how"), serve_str(end, "by"));
	for (const char *l = log; l && *l;) {
		size_t n = strcspn(l, "\n");
		printf("  server log %.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
	if (diag && !jv_is_null(diag)) {
		printf("  diagnosis  %s: %s\n", serve_str(diag, "code"), serve_str(diag, "summary"));
		if (strcmp(serve_str(diag, "code"), "ok") != 0 && *serve_str(diag, "fix"))
			printf("  fix        %s\n", serve_str(diag, "fix"));
	}
	fputc('\n', stdout);
}

static struct jv *serve_str_or_null(const struct jv *o, const char *key)
{
	const char *s = jv_str(jv_get(o, key));
	return s ? jv_string(s) : jv_null();
}

static void serve_print_json(const struct serve_ctx *x, const struct jv *c, const char *log, const char *stamp)
{
	const struct jv *ch = jv_get(c, "client_hello"), *alerts = jv_get(c, "alerts"), *end = jv_get(c, "end");
	const struct jv *diag = jv_get(c, "diagnosis");
	struct jv *o = jv_object(), *as = jv_array(), *lines = jv_array();
	jv_set_int(o, "format_version", SERVE_FORMAT_VERSION);
	jv_set_int(o, "connection", (long long)x->n);
	jv_set_str(o, "time", stamp);
	jv_set_str(o, "client", serve_str(c, "client"));
	jv_set_str(o, "server", serve_str(c, "server"));
	if (ch && !jv_is_null(ch)) {
		struct jv *off = jv_object(), *vs = jv_array();
		const struct jv *v = jv_get(ch, "versions");
		for (size_t i = 0; i < jv_len(v); i++)
			jv_push_str(vs, jv_str(jv_at(v, i)));
		jv_set(off, "versions", vs);
		jv_set_int(off, "cipher_suites", jv_intval(jv_get(ch, "cipher_suites_total")));
		jv_set(off, "sni", serve_str_or_null(ch, "sni"));
		jv_set(o, "offered", off);
	} else {
		jv_set(o, "offered", jv_null());
	}
	jv_set_bool(o, "connected", strcmp(serve_str(c, "outcome"), "handshake_complete") == 0);
	jv_set_str(o, "outcome", serve_str(c, "outcome"));
	jv_set(o, "version", serve_str_or_null(c, "version"));
	jv_set(o, "cipher_suite", serve_str_or_null(c, "cipher_suite"));
	for (size_t i = 0; i < jv_len(alerts); i++) {
		const struct jv *a = jv_at(alerts, i);
		struct jv *e = jv_object();
		jv_set(e, "from", serve_str_or_null(a, "from"));
		jv_set(e, "level", serve_str_or_null(a, "level"));
		jv_set(e, "name", serve_str_or_null(a, "name"));
		jv_set_int(e, "code", jv_intval(jv_get(a, "description")));
		jv_set(e, "after", serve_str_or_null(a, "after"));
		jv_push(as, e);
	}
	jv_set(o, "alerts", as);
	struct jv *e = jv_object();
	jv_set(e, "by", serve_str_or_null(end, "by"));
	jv_set(e, "how", serve_str_or_null(end, "how"));
	jv_set(o, "closed", e);
	for (const char *l = log; l && *l;) {
		size_t n = strcspn(l, "\n");
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), l);
		jv_push_str(lines, line);
		l += n + (l[n] == '\n');
	}
	jv_set(o, "server_log", lines);
	if (diag && !jv_is_null(diag)) {
		struct jv *d = jv_object();
		jv_set(d, "code", serve_str_or_null(diag, "code"));
		jv_set(d, "summary", serve_str_or_null(diag, "summary"));
		jv_set(d, "fix", serve_str_or_null(diag, "fix"));
		jv_set(o, "diagnosis", d);
	} else {
		jv_set(o, "diagnosis", jv_null());
	}
	jv_write(stdout, o, false);
	fputc('\n', stdout);
	jv_free(o);
}

static void serve_emit(void *ctx, struct tls_conn *conn)
{
	struct serve_ctx *x = ctx;
	struct jv *c = tls_conn_to_json(conn);
	char stamp[16];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
	x->n++;
	char *log = serve_log_lines(x, serve_str(c, "client"));
	if (x->json)
		serve_print_json(x, c, log, stamp);
	else
		serve_print_text(x, c, log, stamp);
	fflush(stdout);
	free(log);
	jv_free(c);
}

/* ---- the server, watched ---- */

static void serve_signals(sigset_t *old)
{
	struct sigaction sa;
	sigset_t block;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
}

/* Starts watching the device's port; NULL (with why filled for the banner) when it cannot. */
static struct watch *serve_watch(struct serve_ctx *x, uint16_t port, char *why, size_t len)
{
	struct watch_opts wo = { .port = port, .emit = serve_emit, .ctx = x };
	char pcap[4200], err[512];
	enum pcap_io_err e;
	snprintf(pcap, sizeof pcap, "%s/serve.pcap", server_dir(x->s));
	wo.pcap_path = pcap;
	struct watch *w = watch_start(&wo, &e, err, sizeof err);
	if (w)
		snprintf(why, len, "each one below as it closes (capture: %s)", pcap);
	else if (e == PCAP_IO_PERM)
		snprintf(why, len, "not shown: live capture needs root or CAP_NET_RAW (%s)", err);
	else
		snprintf(why, len, "not shown: %s", err);
	return w;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_args a;
	struct serve_ctx x = { 0 };
	struct front *front = NULL;
	uint16_t front_listen = 0;
	struct profile p;
	sigset_t old;
	char err[1024], watching[4800];
	bool died = false;
	int rc = serve_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (profile_load(a.profile, &p, err, sizeof err) != 0)
		return err_report(ERR_USAGE, "%s", err);
	if (a.faults.n) {
		/* The device talks to the faults on --port; the server takes a free port behind them. */
		front_listen = a.server.port;
		a.server.port = 0;
	}

	serve_signals(&old);
	x.s = server_start(a.profile, &a.server, err, sizeof err);
	if (!x.s) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return err_report(ERR_ENV, "%s", err);
	}
	FILE *info = a.json ? stderr : stdout; /* with --json stdout holds only the connections */
	if (a.faults.n) {
		struct front_opts fo = { .server_host = server_host(x.s), .server_port = server_port(x.s),
					 .listen_port = front_listen, .faults = &a.faults, .log = info };
		char spec[FAULT_SPEC_MAX + 1];
		if (!(front = front_start(&fo, err, sizeof err))) {
			server_stop(x.s);
			sigprocmask(SIG_SETMASK, &old, NULL);
			return err_report(ERR_ENV, "%s", err);
		}
		fault_format(&a.faults, spec, sizeof spec);
		fprintf(info, "tlsdiag: network faults '%s' on 127.0.0.1:%u, in front of the server: point the device there\n",
			spec, front_port(front));
	}
	x.json = a.json;
	x.apache = p.kind == PROFILE_APACHE;
	x.log_off = server_log_since(x.s, 0, NULL);
	struct watch *w = serve_watch(&x, front ? front_port(front) : server_port(x.s), watching, sizeof watching);
	serve_banner(info, x.s, &p, watching);
	if (front) {
		fprintf(info, "Through the faults: port %u instead of %u.\n", front_port(front), server_port(x.s));
		fflush(info);
	}
	while (!serve_stop_signal) {
		if (!server_running(x.s)) {
			died = true;
			break;
		}
		struct pollfd pfd = { .fd = w ? watch_fd(w) : -1, .events = POLLIN };
		/* the old mask inside ppoll: a signal can only arrive while it waits */
		int n = ppoll(&pfd, 1, NULL, &old);
		if (n > 0 && w && watch_poll(w, err, sizeof err) != 0) {
			fprintf(stderr, "tlsdiag: %s; connections are no longer shown\n", err);
			watch_stop(w);
			w = NULL;
		}
	}
	watch_stop(w);
	if (front)
		front_stop(front);
	if (died)
		server_log_since(x.s, 0, stderr);
	server_stop(x.s);
	free(x.pending);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (died)
		return err_report(ERR_ENV, "%s stopped unexpectedly (log above)", a.profile);
	fprintf(a.json ? stderr : stdout, "tlsdiag: %s stopped%s\n", a.profile, a.server.keep ? " (files kept)" : "");
	return EXIT_OK;
}
