/*
 * test_decrypt_live.c - `decode --keylog` against real sessions: openssl
 * s_server on 127.0.0.1 (ephemeral port), a real client writing its key log
 * (openssl s_client -keylogfile, gnutls-cli and curl with SSLKEYLOGFILE),
 * captured live on lo by pcap_io, decoded with the key log, and every
 * handshake message and alert compared with tshark given the same key log
 * (-o tls.keylog_file:F) as the oracle.  One case per suite family and
 * version, KeyUpdate, resumption, HelloRetryRequest, a TLS 1.3 server that
 * requires a client certificate, wrong keys and a corrupt record.  Needs
 * root or CAP_NET_RAW for the capture, and tshark.
 */
#include "harness/capture/pcapng_dsb.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "harness/decode/keylog.h"
#include "harness/decode/pcap_io.h"
#include "harness/decode/tls_names.h"
#include "tests/support/capture_support.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[PATH_MAX];
static char tlsdiag[PATH_MAX]; /* the binary beside this test's build */
static const char *const run_certs[] = { "selfsigned", "other-root", NULL };

/*
 * One turn of a dialogue with s_client: wait until its output (stdout and
 * stderr) shows wait after the previous turn's match, then write line (NULL:
 * nothing).  Each line goes alone, after the effect of the one before, so
 * lines never coalesce into one read and the record sequence is exact.
 */
struct step {
	const char *wait;
	const char *line;
};

struct dcase {
	const char *name;
	const char *server[10]; /* s_server options; "-www" unless "-rev" is given */
	const char *client[24]; /* argv; @KEYLOG @CONNECT @PORT @URL are filled in */
	const char *stdin_data;
	bool all_conns; /* keep every connection after the first SYN (a client that connects twice) */
	const struct step *steps; /* non-NULL: the client's stdin is written line by line (see talk()) */
};

struct dresult {
	char cap[PATH_MAX + 32];
	char keylog[PATH_MAX + 32];
	uint16_t port;
	struct jv *conns;
};

/* A tap keeping every connection whose SYN the capture saw (not the readiness probe's tail). */
struct syn_conns {
	enum link_type link;
	uint16_t server;
	uint16_t ports[8];
	size_t n;
};

static bool syn_conns_only(void *ctx, const struct pcap_frame *f)
{
	struct syn_conns *sc = ctx;
	struct packet p;
	packet_decode(sc->link, f->data, f->caplen, f->len, &p);
	if (p.kind != PKT_TCP)
		return false;
	uint16_t client = p.sport == sc->server ? p.dport : p.sport;
	if ((p.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && sc->n < sizeof sc->ports / sizeof sc->ports[0])
		sc->ports[sc->n++] = client;
	for (size_t i = 0; i < sc->n; i++)
		if (sc->ports[i] == client)
			return true;
	return false;
}

/* arg with @KEYLOG, @CONNECT, @PORT and @URL replaced. */
static void subst(const char *arg, const struct dresult *r, char *out, size_t outlen)
{
	static const char *const keys[] = { "@KEYLOG", "@CONNECT", "@PORT", "@URL", "@OTHER_CA" };
	char vals[5][PATH_MAX + 64];
	size_t o = 0;
	snprintf(vals[0], sizeof vals[0], "%s", r->keylog);
	snprintf(vals[1], sizeof vals[1], "127.0.0.1:%u", r->port);
	snprintf(vals[2], sizeof vals[2], "%u", r->port);
	snprintf(vals[3], sizeof vals[3], "https://127.0.0.1:%u/", r->port);
	snprintf(vals[4], sizeof vals[4], "%s/other-root.pem", dir);
	while (*arg && o + 1 < outlen) {
		int k = -1;
		for (int i = 0; i < 5; i++)
			if (strncmp(arg, keys[i], strlen(keys[i])) == 0)
				k = i;
		if (k < 0) {
			out[o++] = *arg++;
			continue;
		}
		o += (size_t)snprintf(out + o, outlen - o, "%s", vals[k]);
		arg += strlen(keys[k]);
		if (o >= outlen)
			o = outlen - 1;
	}
	out[o] = '\0';
}

static void collect(void *ctx, struct tls_conn *c)
{
	jv_push(ctx, tls_conn_to_json(c));
}

/* Decodes r->cap with key log file kl (NULL: without keys): the connections' JSON. */
static struct jv *decode_with(const char *cap, const char *kl)
{
	struct decode_opts o = { .format = DECODE_FORMAT_JSON };
	struct decode_stats ds;
	char err[512];
	struct jv *conns = jv_array();
	if (kl) {
		o.keylog = keylog_new();
		ck_assert_ptr_nonnull(o.keylog);
		ck_assert_int_eq(keylog_load_file(o.keylog, kl, err, sizeof err), ERR_NONE);
		ck_assert_uint_eq(keylog_problem_count(o.keylog), 0);
	}
	ck_assert_int_eq(decode_run(cap, &o, collect, conns, &ds, err, sizeof err), ERR_NONE);
	keylog_free(o.keylog);
	ck_assert(!ds.truncated);
	return conns;
}

/* Runs argv as a dialogue (dc->steps), then closes its stdin and waits for it to end; its output in out. */
static void talk(char *const argv[], const struct step *steps, char *out, size_t outlen)
{
	int in[2], from[2], status;
	size_t n = 0, mark = 0;
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(from, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(from[1], 1) < 0 || dup2(from[1], 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	/* Should an assertion end this test, the pipes close with it: s_client sees EOF and ends too. */
	close(in[0]);
	close(from[1]);
	out[0] = '\0';
	for (const struct step *st = steps; st->wait || st->line; st++) {
		if (st->wait) {
			size_t rel = n - mark;
			ck_assert_msg(tu_read_until(from[0], out + mark, outlen - mark, &rel, st->wait, tu_bound_ms(10000)),
				      "%s: no '%s' after offset %zu:\n%s", argv[0], st->wait, mark, out);
			n = mark + rel;
			mark = (size_t)(strstr(out + mark, st->wait) - out) + strlen(st->wait);
		}
		if (st->line) {
			size_t len = strlen(st->line);
			ck_assert_int_eq(write(in[1], st->line, len), (ssize_t)len);
		}
	}
	close(in[1]);
	/* The rest of its output until it exits (EOF on the pipe). */
	size_t rel = n - mark;
	(void)tu_read_until(from[0], out + mark, outlen - mark, &rel, "\x01never", tu_bound_ms(20000));
	close(from[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "%s did not exit:\n%s", argv[0], out);
}

/* Starts the server, captures the client's session on lo, decodes it with the key log. */
static void run(const struct dcase *dc, struct dresult *r)
{
	char slog[PATH_MAX + 32], filter[64], out[16384], err[512], args[24][PATH_MAX + 64];
	const char *sargs[16];
	char *cargv[24];
	struct cs_server srv;
	struct pcap_live *l;
	int n = 0;
	bool rev = false;

	static unsigned runs; /* captures are new files (O_EXCL): one name per run (each test is its own process) */
	memset(r, 0, sizeof *r);
	runs++;
	snprintf(slog, sizeof slog, "%s/%s-%d-%u.server.log", dir, dc->name, (int)getpid(), runs);
	snprintf(r->cap, sizeof r->cap, "%s/%s-%d-%u.pcap", dir, dc->name, (int)getpid(), runs);
	snprintf(r->keylog, sizeof r->keylog, "%s/%s-%d-%u.keys", dir, dc->name, (int)getpid(), runs);
	for (int i = 0; dc->server[i]; i++)
		rev |= strcmp(dc->server[i], "-rev") == 0;
	if (!rev)
		sargs[n++] = "-www";
	for (int i = 0; dc->server[i]; i++)
		sargs[n++] = dc->server[i];
	sargs[n] = NULL;
	ck_assert_msg(cs_s_server(&srv, dir, "selfsigned", slog, sargs) == 0, "s_server did not start (see %s)", slog);
	r->port = srv.port;
	snprintf(filter, sizeof filter, "tcp port %u", r->port);
	/* A large ring: under valgrind this process reads slowly, and a dropped frame would void the comparison. */
	enum pcap_io_err e = pcap_io_live_open_buffer("lo", filter, r->cap, (size_t)128 << 20, &l, err, sizeof err);
	if (e != PCAP_IO_OK)
		cs_s_server_stop(&srv);
	ck_assert_msg(e == PCAP_IO_OK, "live capture on lo (needs root or CAP_NET_RAW): %s", err);
	struct cs_first_conn fc = { .link = pcap_io_live_link(l) };
	struct syn_conns sc = { .link = pcap_io_live_link(l), .server = r->port };
	if (dc->all_conns)
		pcap_io_live_set_tap(l, syn_conns_only, &sc);
	else
		pcap_io_live_set_tap(l, cs_first_conn_only, &fc);

	for (n = 0; dc->client[n]; n++) {
		subst(dc->client[n], r, args[n], sizeof args[n]);
		cargv[n] = args[n];
	}
	cargv[n] = NULL;
	if (dc->steps)
		talk(cargv, dc->steps, out, sizeof out);
	else
		ck_assert_msg(cs_run(cargv, dc->stdin_data, out, sizeof out, 60000) >= 0, "%s did not run or end:\n%s",
			      cargv[0], out);
	ck_assert_int_ge(pcap_io_live_drain(l, 300, 5000), 0);
	struct pcap_live_stats ls;
	ck_assert_int_eq(pcap_io_live_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.dropped, 0);
	ck_assert_int_eq(pcap_io_live_close(l), 0);
	cs_s_server_stop(&srv);
	ck_assert_msg(access(r->keylog, R_OK) == 0, "%s wrote no key log:\n%s", cargv[0], out);
	r->conns = decode_with(r->cap, r->keylog);
}

/* A handshake type name of the ladder as tshark numbers it (HelloRetryRequest is a ServerHello). */
static int hs_number(const char *name)
{
	if (strcmp(name, "HelloRetryRequest") == 0)
		return TLS_HS_SERVER_HELLO;
	for (const struct tok *t = tls_handshake_type_names; t->s; t++)
		if (strcmp(t->s, name) == 0)
			return (int)t->v;
	return -1;
}

static void add(char *out, size_t outlen, const char *fmt_side, long v)
{
	size_t u = strlen(out);
	snprintf(out + u, outlen - u, "%s%s%ld", u ? " " : "", fmt_side, v);
}

/* Our view: "C1 S2 S8 ..." (handshake messages) and "S0 C0" (alerts), every connection in order. */
static void ours(const struct jv *conns, char *hs, size_t hslen, char *al, size_t allen)
{
	hs[0] = al[0] = '\0';
	for (size_t k = 0; k < jv_len(conns); k++) {
		const struct jv *c = jv_at(conns, k), *m = jv_get(c, "messages"), *a = jv_get(c, "alerts");
		for (size_t i = 0; i < jv_len(m); i++) {
			const struct jv *e = jv_at(m, i);
			int t = hs_number(jv_str(jv_get(e, "type")));
			bool enc = jv_boolval(jv_get(e, "encrypted")), dec = jv_boolval(jv_get(e, "decrypted"));
			if (t >= 0 && (!enc || dec))
				add(hs, hslen, strcmp(jv_str(jv_get(e, "from")), "client") == 0 ? "C" : "S", t);
		}
		for (size_t i = 0; i < jv_len(a); i++) {
			const struct jv *d = jv_get(jv_at(a, i), "description");
			add(al, allen, strcmp(jv_str(jv_get(jv_at(a, i), "from")), "client") == 0 ? "C" : "S",
			    jv_is_int(d) ? (long)jv_intval(d) : -1);
		}
	}
}

/* tshark's view with the same key log, in the same form. */
static void theirs(const struct dresult *r, char *hs, size_t hslen, char *al, size_t allen)
{
	char buf[32768], decode_as[64], klopt[PATH_MAX + 64], port[8], *line, *save = NULL;
	snprintf(decode_as, sizeof decode_as, "tcp.port==%u,tls", r->port);
	snprintf(klopt, sizeof klopt, "tls.keylog_file:%s", r->keylog);
	snprintf(port, sizeof port, "%u", r->port);
	char *argv[] = { "tshark", "-n", "-r", (char *)r->cap, "-o", klopt, "-d", decode_as, "-Y", "tls", "-T", "fields",
			 "-E", "separator=;", "-e", "tcp.srcport", "-e", "tls.handshake.type", "-e",
			 "tls.alert_message.desc", NULL };
	ck_assert_msg(cs_run(argv, NULL, buf, sizeof buf, 60000) == 0, "tshark failed:\n%s", buf);
	hs[0] = al[0] = '\0';
	for (line = strtok_r(buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		char *f1 = strchr(line, ';'), *f2 = f1 ? strchr(f1 + 1, ';') : NULL, *tok, *s2 = NULL;
		if (!f1 || !f2 || strspn(line, "0123456789") != (size_t)(f1 - line))
			continue; /* tshark's own warnings */
		*f1++ = '\0';
		*f2++ = '\0';
		const char *side = strcmp(line, port) == 0 ? "S" : "C";
		for (tok = strtok_r(f1, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2))
			add(hs, hslen, side, strtol(tok, NULL, 10));
		for (tok = strtok_r(f2, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2))
			add(al, allen, side, strtol(tok, NULL, 10));
	}
}

static const struct jv *side(const struct jv *c, const char *s)
{
	return jv_get(jv_get(c, "decryption"), s);
}

/*
 * The case's one connection: outcome, diagnosis, suite, every record of
 * both sides decrypted, the exact handshake and alert sequences, and the
 * same sequences from tshark.
 */
static void check(const struct dcase *dc, const char *outcome, const char *code, const char *suite, const char *alpn,
		  const char *want_hs, const char *want_alerts)
{
	struct dresult r;
	char hs[1024], al[256], ths[1024], tal[256];
	run(dc, &r);
	ck_assert_uint_eq(jv_len(r.conns), 1);
	const struct jv *c = jv_at(r.conns, 0);
	ours(r.conns, hs, sizeof hs, al, sizeof al);
	theirs(&r, ths, sizeof ths, tal, sizeof tal);
	ck_assert_msg(strcmp(hs, ths) == 0, "%s: handshake messages: ours '%s', tshark '%s'", dc->name, hs, ths);
	ck_assert_msg(strcmp(al, tal) == 0, "%s: alerts: ours '%s', tshark '%s'", dc->name, al, tal);
	ck_assert_msg(strcmp(hs, want_hs) == 0, "%s: handshake messages '%s', want '%s'", dc->name, hs, want_hs);
	if (want_alerts) /* NULL: who closes first is up to the client's timing; tshark's view is checked */
		ck_assert_msg(strcmp(al, want_alerts) == 0, "%s: alerts '%s', want '%s'", dc->name, al, want_alerts);
	ck_assert_str_eq(jv_str(jv_get(c, "outcome")), outcome);
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), code);
	ck_assert_str_eq(jv_str(jv_get(c, "cipher_suite")), suite);
	if (alpn)
		ck_assert_str_eq(jv_str(jv_get(c, "alpn")), alpn);
	else
		ck_assert(jv_is_null(jv_get(c, "alpn")));
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "decryption"), "keys")), "found");
	for (int i = 0; i < 2; i++) {
		const struct jv *s = side(c, i ? "server" : "client");
		ck_assert_msg(jv_intval(jv_get(s, "records_decrypted")) > 0, "%s: nothing decrypted", dc->name);
		ck_assert_int_eq(jv_intval(jv_get(s, "records_unread")), 0);
		ck_assert(jv_is_null(jv_get(s, "failed")));
	}
	jv_free(r.conns);
}

#define S_CLIENT "openssl", "s_client", "-connect", "@CONNECT", "-servername", "localhost", "-keylogfile", "@KEYLOG", \
		 "-ign_eof"
#define GET "GET / HTTP/1.0\r\n\r\n"

static const char TLS12_HS[] = "C1 S2 S11 S12 S14 C16 C20 S4 S20";
static const char TLS12_RSA_HS[] = "C1 S2 S11 S14 C16 C20 S4 S20";
static const char TLS13_HS[] = "C1 S2 S8 S11 S15 S20 C20 S4 S4";
static const char CLOSE[] = "S0 C0";

START_TEST(tls12_aead)
{
	static const char *const suites[] = { "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
					      "ECDHE-RSA-CHACHA20-POLY1305" };
	static const char *const names[] = { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
					     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
					     "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" };
	struct dcase dc = { "tls12_aead", { NULL }, { S_CLIENT, "-tls1_2", "-cipher", suites[_i], NULL }, GET, false, NULL };
	check(&dc, "handshake_complete", "ok", names[_i], NULL, TLS12_HS, CLOSE);
}
END_TEST

START_TEST(tls12_ccm)
{
	/* Static RSA: OpenSSL's CCM suites with ECDHE need an ECDSA key. */
	static const char *const suites[] = { "AES128-CCM", "AES256-CCM8" };
	static const char *const names[] = { "TLS_RSA_WITH_AES_128_CCM", "TLS_RSA_WITH_AES_256_CCM_8" };
	struct dcase dc = { "tls12_ccm", { "-cipher", "ALL", NULL }, { S_CLIENT, "-tls1_2", "-cipher", suites[_i], NULL },
			    GET, false, NULL };
	check(&dc, "handshake_complete", "ok", names[_i], NULL, TLS12_RSA_HS, CLOSE);
}
END_TEST

START_TEST(tls12_cbc)
{
	/* OpenSSL offers encrypt_then_mac by default (RFC 7366); -no_etm is MAC-then-encrypt. */
	static const char *const suites[] = { "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA" };
	static const char *const names[] = { "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
					     "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" };
	struct dcase dc = { "tls12_cbc", { NULL },
			    { S_CLIENT, "-tls1_2", "-cipher", suites[_i], _i == 2 ? "-no_etm" : NULL, NULL }, GET, false, NULL };
	check(&dc, "handshake_complete", "ok", names[_i], NULL, TLS12_HS, CLOSE);
}
END_TEST

START_TEST(tls10_cbc_chained_iv)
{
	/* TLS 1.0 CBC chains the IV from record to record (RFC 2246 6.2.3.2); OpenSSL 3 needs security level 0. */
	struct dcase dc = { "tls10", { "-cipher", "ALL:@SECLEVEL=0", NULL },
			    { S_CLIENT, "-tls1", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0", NULL }, GET, false, NULL };
	check(&dc, "handshake_complete", "ok", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", NULL, TLS12_HS, CLOSE);
}
END_TEST

START_TEST(tls13_suites)
{
	static const char *const suites[] = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
					      "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256",
					      "TLS_AES_128_CCM_8_SHA256" };
	struct dcase dc = { "tls13", { "-ciphersuites", suites[_i], NULL },
			    { S_CLIENT, "-tls1_3", "-ciphersuites", suites[_i], NULL }, GET, false, NULL };
	check(&dc, "handshake_complete", "ok", suites[_i], NULL, TLS13_HS, CLOSE);
}
END_TEST

START_TEST(tls13_key_update)
{
	/* s_client sends a KeyUpdate for a line "K" (update_requested: the server answers with its own). */
	/* s_server -rev answers each line reversed; s_client says KEYUPDATE when it took a K line alone. */
	static const struct step steps[] = { { "Verify return code", "hello\n" }, { "olleh", "K\n" },
					     { "KEYUPDATE", "again\n" },	     { "niaga", "k\n" },
					     { "KEYUPDATE", "bye\n" },	     { "eyb", NULL },
					     { NULL, NULL } };
	struct dcase dc = { "keyupdate", { "-rev", "-num_tickets", "0", NULL },
			    { "openssl", "s_client", "-connect", "@CONNECT", "-keylogfile", "@KEYLOG", "-tls1_3", NULL },
			    NULL, false, steps };
	struct dresult r;
	char hs[1024], al[256], ths[1024], tal[256];
	run(&dc, &r);
	ours(r.conns, hs, sizeof hs, al, sizeof al);
	theirs(&r, ths, sizeof ths, tal, sizeof tal);
	ck_assert_msg(strcmp(hs, ths) == 0, "ours '%s', tshark '%s'", hs, ths);
	ck_assert_msg(strcmp(al, tal) == 0, "ours '%s', tshark '%s'", al, tal);
	/* Two KeyUpdates from the client, the server's answer to update_requested somewhere after the first. */
	ck_assert_msg(strncmp(hs, "C1 S2 S8 S11 S15 S20 C20 C24 ", 29) == 0, "%s", hs);
	ck_assert_msg(strstr(hs, "C24") && strstr(strstr(hs, "C24") + 3, "C24") && strstr(hs, "S24"), "%s", hs);
	/* Every application record after the key updates decrypted: the client's 3 lines, the server's 3 answers. */
	const struct jv *c = jv_at(r.conns, 0);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(jv_get(c, "application_data"), "client"), "records")), 3);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(jv_get(c, "application_data"), "server"), "records")), 3);
	ck_assert(jv_is_null(jv_get(side(c, "client"), "failed")));
	ck_assert(jv_is_null(jv_get(side(c, "server"), "failed")));
	jv_free(r.conns);
}
END_TEST

START_TEST(tls12_renegotiation)
{
	/*
	 * s_client renegotiates on a line "R": the second handshake runs under the first one's keys,
	 * its ChangeCipherSpec encrypted, then new keys.  tshark 4.0 does not follow it, so the
	 * sequence is checked as it must be; without keys the encrypted CCS is not malformed.
	 */
	/* -state (stderr only, the wire is the same) says when the second handshake has finished. */
	static const struct step steps[] = { { "Verify return code", "hello\n" },
					     { "olleh", "R\n" },
					     { "RENEGOTIATING", NULL },
					     { "SSL_connect:SSLv3/TLS read finished", "after\n" },
					     { "retfa", NULL },
					     { NULL, NULL } };
	struct dcase dc = { "reneg", { "-rev", "-client_renegotiation", NULL },
			    { "openssl", "s_client", "-connect", "@CONNECT", "-keylogfile", "@KEYLOG", "-tls1_2", "-state", NULL },
			    NULL, false, steps };
	struct dresult r;
	char hs[1024], al[256];
	run(&dc, &r);
	ours(r.conns, hs, sizeof hs, al, sizeof al);
	ck_assert_str_eq(hs, "C1 S2 S11 S12 S14 C16 C20 S4 S20 C1 S2 S11 S12 S14 C16 C20 S4 S20");
	ck_assert_str_eq(al, "C0 S0");
	const struct jv *c = jv_at(r.conns, 0);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(jv_get(c, "application_data"), "client"), "records")), 2);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(jv_get(c, "application_data"), "server"), "records")), 2);
	ck_assert(jv_is_null(jv_get(side(c, "client"), "failed")));
	ck_assert(jv_is_null(jv_get(side(c, "server"), "failed")));
	struct jv *plain = decode_with(r.cap, NULL);
	const struct jv *p = jv_at(plain, 0), *m = jv_get(p, "messages"), *notes = jv_get(p, "notes");
	size_t enc_ccs = 0;
	for (size_t i = 0; i < jv_len(m); i++)
		enc_ccs += strcmp(jv_str(jv_get(jv_at(m, i), "type")), "ChangeCipherSpec") == 0 &&
			   jv_str(jv_get(jv_at(m, i), "summary")) &&
			   strcmp(jv_str(jv_get(jv_at(m, i), "summary")), "(encrypted)") == 0;
	ck_assert_uint_eq(enc_ccs, 2);
	for (size_t i = 0; i < jv_len(notes); i++)
		ck_assert_str_ne(jv_str(jv_get(jv_at(notes, i), "kind")), "malformed");
	jv_free(plain);
	jv_free(r.conns);
}
END_TEST

START_TEST(tls13_hello_retry_request)
{
	/* The client's key share is X25519, the server wants P-256: a HelloRetryRequest, then a second ClientHello. */
	struct dcase dc = { "hrr", { "-groups", "P-256", NULL }, { S_CLIENT, "-tls1_3", "-groups", "X25519:P-256", NULL },
			    GET, false, NULL };
	check(&dc, "handshake_complete", "ok", "TLS_AES_256_GCM_SHA384", NULL, "C1 S2 C1 S2 S8 S11 S15 S20 C20 S4 S4", CLOSE);
}
END_TEST

START_TEST(resumption)
{
	/* A first session saves its ticket; the second resumes it (TLS 1.3 PSK, TLS 1.2 ticket): no Certificate. */
	static const char *const ver[] = { "-tls1_3", "-tls1_2" };
	char sess[PATH_MAX + 32], script[2 * PATH_MAX + 512], hs[1024], al[256], ths[1024], tal[256];
	snprintf(sess, sizeof sess, "%s/sess%d.pem", dir, _i);
	snprintf(script, sizeof script,
		 "for s in -sess_out -sess_in; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect "
		 "127.0.0.1:$1 %s $s %s -keylogfile $2 -ign_eof >/dev/null 2>&1 || exit 1; done",
		 ver[_i], sess);
	struct dcase dc = { "resume", { NULL }, { "sh", "-c", script, "sh", "@PORT", "@KEYLOG", NULL }, NULL, true, NULL };
	struct dresult r;
	run(&dc, &r);
	ck_assert_uint_eq(jv_len(r.conns), 2);
	ours(r.conns, hs, sizeof hs, al, sizeof al);
	theirs(&r, ths, sizeof ths, tal, sizeof tal);
	ck_assert_msg(strcmp(hs, ths) == 0, "ours '%s', tshark '%s'", hs, ths);
	ck_assert_msg(strcmp(al, tal) == 0, "ours '%s', tshark '%s'", al, tal);
	const struct jv *second = jv_at(r.conns, 1);
	ck_assert_int_eq(jv_len(jv_get(second, "certificates")), 0);
	ck_assert_str_eq(jv_str(jv_get(second, "outcome")), "handshake_complete");
	ck_assert_str_eq(jv_str(jv_get(jv_get(second, "decryption"), "keys")), "found");
	ck_assert(jv_is_null(jv_get(side(second, "server"), "failed")));
	ck_assert_int_gt(jv_intval(jv_get(side(second, "server"), "records_decrypted")), 0);
	jv_free(r.conns);
}
END_TEST

START_TEST(gnutls_and_curl)
{
	/* Other clients' key logs: gnutls-cli (TLS 1.2) and curl (TLS 1.3, ALPN) with SSLKEYLOGFILE. */
	if (_i == 0) {
		struct dcase dc = { "gnutls", { NULL },
				    { "env", "SSLKEYLOGFILE=@KEYLOG", "gnutls-cli", "--insecure", "-p", "@PORT", "127.0.0.1",
				      "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL },
				    GET, false, NULL };
		check(&dc, "handshake_complete", "ok", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", NULL,
		      "C1 S2 S11 S12 S14 C16 C20 S4 S20", NULL);
		return;
	}
	struct dcase dc = { "curl", { "-alpn", "http/1.1", NULL },
			    { "env", "SSLKEYLOGFILE=@KEYLOG", "curl", "-sk", "--tlsv1.3", "-o", "/dev/null", "@URL", NULL },
			    NULL, false, NULL };
	check(&dc, "handshake_complete", "ok", "TLS_AES_256_GCM_SHA384", "http/1.1", TLS13_HS, CLOSE);
}
END_TEST

START_TEST(tls13_client_rejects_certificate_encrypted)
{
	/* gnutls-cli sends its TLS 1.3 alert encrypted: decrypted, it names who rejected whom (42 to a self-signed leaf from a CA it does not trust: unknown_ca). */
	struct dcase dc = { "gnutls_ca", { NULL },
			    { "env", "SSLKEYLOGFILE=@KEYLOG", "gnutls-cli", "--x509cafile", "@OTHER_CA", "-p", "@PORT",
			      "127.0.0.1", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL },
			    GET, false, NULL };
	check(&dc, "failed", "unknown_ca", "TLS_AES_256_GCM_SHA384", NULL, "C1 S2 S8 S11 S15 S20", "C42");
}
END_TEST

START_TEST(tls13_client_certificate_required)
{
	/* The AWS IoT / Azure X.509 failure: the server wants a certificate, the client has none. */
	struct dcase dc = { "mtls", { "-Verify", "1", "-tls1_3", NULL }, { S_CLIENT, "-tls1_3", NULL }, GET, false, NULL };
	struct dresult r;
	check(&dc, "failed", "client_cert_required", "TLS_AES_256_GCM_SHA384", NULL, "C1 S2 S8 S13 S11 S15 S20 C11 C20", "S116");
	/* Without the keys the same capture is an encrypted alert, never "ok", and says how to get the keys. */
	run(&dc, &r);
	struct jv *plain = decode_with(r.cap, NULL);
	const struct jv *c = jv_at(plain, 0);
	ck_assert_str_eq(jv_str(jv_get(c, "outcome")), "failed");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), "encrypted_alert");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "decryption"), "keys")), "no_key_log");
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(jv_get(c, "decryption"), "hint")), "SSLKEYLOGFILE"));
	const struct jv *cc = jv_get(jv_at(r.conns, 0), "client_certificates");
	ck_assert_int_eq(jv_intval(cc), 0);
	jv_free(plain);
	jv_free(r.conns);
}
END_TEST

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* The key log with one hex digit of every secret changed: same client random, wrong secrets. */
static void spoil_keylog(const char *in, const char *out)
{
	size_t n;
	char *t = tu_slurp(in, &n);
	ck_assert_ptr_nonnull(t);
	for (char *line = t; line < t + n;) {
		char *nl = memchr(line, '\n', (size_t)(t + n - line)), *end = nl ? nl : t + n, *sp = NULL;
		for (char *q = line; q < end; q++)
			if (*q == ' ')
				sp = q;
		if (line[0] != '#' && sp && sp + 1 < end)
			sp[1] = sp[1] == '0' ? '1' : '0';
		line = end + 1;
	}
	write_file(out, t, n);
	free(t);
}

START_TEST(wrong_keys)
{
	struct dcase dc = { "wrongkeys", { NULL }, { S_CLIENT, _i ? "-tls1_2" : "-tls1_3", NULL }, GET, false, NULL };
	struct dresult r;
	char bad[PATH_MAX + 48];
	run(&dc, &r);
	jv_free(r.conns);
	snprintf(bad, sizeof bad, "%s/wrong.keys", dir);
	spoil_keylog(r.keylog, bad);
	struct jv *conns = decode_with(r.cap, bad);
	const struct jv *c = jv_at(conns, 0);
	for (int i = 0; i < 2; i++) {
		const struct jv *s = side(c, i ? "server" : "client");
		ck_assert_str_eq(jv_str(jv_get(s, "failed")), "wrong_keys");
		ck_assert_int_eq(jv_intval(jv_get(s, "records_decrypted")), 0);
	}
	/* Read as without keys: the handshake still completes, nothing is invented. */
	ck_assert_str_eq(jv_str(jv_get(c, "outcome")), "handshake_complete");
	jv_free(conns);
}
END_TEST

/* Flips the last byte of frame `frame` (1-based) of a classic pcap file. */
static void flip_frame_tail(const char *path, long long frame)
{
	size_t n, off = 24;
	uint8_t *p = (uint8_t *)tu_slurp(path, &n);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_ge(n, 24);
	ck_assert(p[0] == 0xd4 && p[1] == 0xc3); /* little-endian microsecond pcap, as pcap_io writes */
	for (long long i = 1; off + 16 <= n; i++) {
		uint32_t cap = (uint32_t)p[off + 8] | (uint32_t)p[off + 9] << 8 | (uint32_t)p[off + 10] << 16 |
			       (uint32_t)p[off + 11] << 24;
		ck_assert_uint_le(off + 16 + cap, n);
		if (i == frame) {
			p[off + 16 + cap - 1] ^= 0x5a;
			break;
		}
		off += 16 + cap;
	}
	write_file(path, p, n);
	free(p);
}

START_TEST(corrupt_record)
{
	/* The server's application data record changed on the way: earlier records decrypted, so it is corrupt. */
	struct dcase dc = { "corrupt", { NULL }, { S_CLIENT, _i ? "-tls1_2" : "-tls1_3", NULL }, GET, false, NULL };
	struct dresult r;
	long long frame = -1;
	run(&dc, &r);
	const struct jv *m = jv_get(jv_at(r.conns, 0), "messages");
	for (size_t i = 0; i < jv_len(m); i++)
		if (strcmp(jv_str(jv_get(jv_at(m, i), "type")), "ApplicationData") == 0 &&
		    strcmp(jv_str(jv_get(jv_at(m, i), "from")), "server") == 0)
			frame = jv_intval(jv_get(jv_at(m, i), "frame"));
	ck_assert_int_gt(frame, 0);
	jv_free(r.conns);
	flip_frame_tail(r.cap, frame);
	struct jv *conns = decode_with(r.cap, r.keylog);
	const struct jv *c = jv_at(conns, 0);
	ck_assert_str_eq(jv_str(jv_get(side(c, "server"), "failed")), "corrupt_record");
	ck_assert_int_eq(jv_intval(jv_get(side(c, "server"), "failed_frame")), frame);
	ck_assert(jv_is_null(jv_get(side(c, "client"), "failed")));
	jv_free(conns);
}
END_TEST

/* Frames tshark shows as a decrypted handshake message of type `type`, opened with no options. */
static int tshark_count(const char *cap, uint16_t port, int type)
{
	char buf[8192], decode_as[64], filter[64];
	int n = 0;
	snprintf(decode_as, sizeof decode_as, "tcp.port==%u,tls", port);
	snprintf(filter, sizeof filter, "tls.handshake.type==%d", type);
	char *argv[] = { "tshark", "-n", "-r", (char *)cap, "-d", decode_as, "-Y", filter, "-T", "fields", "-e",
			 "frame.number", NULL };
	ck_assert_msg(cs_run(argv, NULL, buf, sizeof buf, 60000) == 0, "tshark failed:\n%s", buf);
	for (char *line = buf; *line; line++)
		if (line[0] >= '0' && line[0] <= '9' && (line == buf || line[-1] == '\n'))
			n++;
	return n;
}

START_TEST(pcapng_with_dsb)
{
	/* A case's capture rewritten with its key log in a DSB: tshark and decode read it decrypted with no options. */
	struct dcase dc = { "dsb", { "-Verify", "1", NULL }, { S_CLIENT, "-tls1_3", NULL }, GET, false, NULL };
	struct dresult r;
	char ng[PATH_MAX + 48], err[512], ed[PATH_MAX + 48], arg[PATH_MAX + 48];
	struct stat sb;
	run(&dc, &r);
	jv_free(r.conns);
	snprintf(ng, sizeof ng, "%s/dsb-%d.pcapng", dir, (int)getpid());
	ck_assert_msg(pcapng_dsb_write(r.cap, r.keylog, ng, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(stat(ng, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600); /* it holds secrets */
	/* Finished of both sides, decrypted by tshark from the DSB alone; none without keys. */
	ck_assert_int_eq(tshark_count(ng, r.port, TLS_HS_FINISHED), 2);
	ck_assert_int_eq(tshark_count(r.cap, r.port, TLS_HS_FINISHED), 0);
	struct jv *conns = decode_with(ng, NULL);
	const struct jv *c = jv_at(conns, 0);
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "decryption"), "keys")), "found");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), "client_cert_required");
	ck_assert_int_eq(jv_intval(jv_get(jv_at(jv_get(c, "alerts"), 0), "description")), TLS_AD_CERTIFICATE_REQUIRED);
	jv_free(conns);
	/* A new file only: an existing one (or a link planted at the name) is refused and left alone. */
	ck_assert_int_eq(pcapng_dsb_write(r.cap, r.keylog, ng, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "File exists"));
	ck_assert_int_eq(stat(ng, &sb), 0);
	char link[PATH_MAX + 48];
	snprintf(link, sizeof link, "%s/link-%d.pcapng", dir, (int)getpid());
	ck_assert_int_eq(symlink("/nonexistent-target", link), 0);
	ck_assert_int_eq(pcapng_dsb_write(r.cap, r.keylog, link, err, sizeof err), -1);
	ck_assert_int_eq(access("/nonexistent-target", F_OK), -1);
	ck_assert_int_eq(pcapng_dsb_write(r.cap, "/nonexistent/keys", ng, err, sizeof err), -1);

	/* editcap --inject-secrets writes the same kind of file: decode reads its DSB too. */
	snprintf(ed, sizeof ed, "%s/editcap-%d.pcapng", dir, (int)getpid());
	snprintf(arg, sizeof arg, "tls,%s", r.keylog);
	char *argv[] = { "editcap", "--inject-secrets", arg, r.cap, ed, NULL };
	char out[4096];
	ck_assert_msg(cs_run(argv, NULL, out, sizeof out, 60000) == 0, "editcap failed:\n%s", out);
	conns = decode_with(ed, NULL);
	c = jv_at(conns, 0);
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "decryption"), "keys")), "found");
	ck_assert_int_eq(jv_intval(jv_get(jv_at(jv_get(c, "alerts"), 0), "description")), TLS_AD_CERTIFICATE_REQUIRED);
	jv_free(conns);
}
END_TEST

START_TEST(decode_command_keylog)
{
	/* The command line: --keylog decrypts; a key log of only bad lines or a missing file is input, the first bad line named. */
	struct dcase dc = { "cli", { NULL }, { S_CLIENT, "-tls1_3", NULL }, GET, false, NULL };
	struct dresult r;
	char out[65536], bad[PATH_MAX + 48], want[2 * PATH_MAX + 200];
	run(&dc, &r);
	jv_free(r.conns);
	char *argv[] = { tlsdiag, "decode", r.cap, "--keylog", r.keylog, NULL };
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, 60000), 0);
	ck_assert_ptr_nonnull(strstr(out, "Finished (verify_data 48 bytes) [decrypted]"));
	ck_assert_ptr_null(strstr(out, "\n  keys: "));
	char *plain[] = { tlsdiag, "decode", r.cap, NULL };
	ck_assert_int_eq(cs_run(plain, NULL, out, sizeof out, 60000), 0);
	ck_assert_ptr_nonnull(strstr(out, "\n  keys: "));
	ck_assert_ptr_nonnull(strstr(out, "SSLKEYLOGFILE"));
	snprintf(bad, sizeof bad, "%s/bad-%d.keys", dir, (int)getpid());
	FILE *f = fopen(bad, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# comment\nCLIENT_RANDOM zz\n", f);
	fclose(f);
	char *badv[] = { tlsdiag, "decode", r.cap, "--keylog", bad, NULL };
	ck_assert_int_eq(cs_run(badv, NULL, out, sizeof out, 60000), 2); /* a key log asked for without a secret */
	snprintf(want, sizeof want,
		 "tlsdiag: input error: the key log %s holds no usable secret (first problem: bad-%d.keys line 2: "
		 "the client random is not 64 hex digits)\n",
		 bad, (int)getpid());
	ck_assert_str_eq(out, want);
	char *missing[] = { tlsdiag, "decode", r.cap, "--keylog", "/nonexistent/keys.log", NULL };
	ck_assert_int_eq(cs_run(missing, NULL, out, sizeof out, 60000), 2);
	ck_assert_ptr_nonnull(strstr(out, "tlsdiag: input"));
	char *noval[] = { tlsdiag, "decode", r.cap, "--keylog", NULL };
	ck_assert_int_eq(cs_run(noval, NULL, out, sizeof out, 60000), 2);
	ck_assert_ptr_nonnull(strstr(out, "usage"));
}
END_TEST

static Suite *decrypt_live_suite(void)
{
	Suite *s = suite_create("decrypt_live");
	TCase *tc = tcase_create("keylog");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, tls12_aead, 0, 3);
	tcase_add_loop_test(tc, tls12_ccm, 0, 2);
	tcase_add_loop_test(tc, tls12_cbc, 0, 3);
	tcase_add_test(tc, tls10_cbc_chained_iv);
	tcase_add_loop_test(tc, tls13_suites, 0, 5);
	tcase_add_test(tc, tls13_key_update);
	tcase_add_test(tc, tls13_hello_retry_request);
	tcase_add_test(tc, tls12_renegotiation);
	tcase_add_loop_test(tc, resumption, 0, 2);
	tcase_add_loop_test(tc, gnutls_and_curl, 0, 2);
	tcase_add_test(tc, tls13_client_certificate_required);
	tcase_add_test(tc, tls13_client_rejects_certificate_encrypted);
	tcase_add_loop_test(tc, wrong_keys, 0, 2);
	tcase_add_loop_test(tc, corrupt_record, 0, 2);
	tcase_add_test(tc, pcapng_with_dsb);
	tcase_add_test(tc, decode_command_keylog);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	tu_tlsdiag_path(argv[0], tlsdiag, sizeof tlsdiag);
	if (cs_tmpdir(dir, sizeof dir) < 0) {
		perror("test_decrypt_live: mkdtemp");
		return EXIT_FAILURE;
	}
	if (cs_certs(dir, run_certs) < 0) {
		fprintf(stderr, "test_decrypt_live: cannot make certificates\n");
		cs_rmtree(dir);
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(decrypt_live_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	cs_rmtree(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
