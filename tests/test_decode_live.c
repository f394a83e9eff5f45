/*
 * test_decode_live.c - the decoder against real handshakes: openssl
 * s_server and s_client on 127.0.0.1 (ephemeral ports), captured live on
 * lo by pcap_io, decoded by decode.c, and the alerts compared with tshark's
 * where tshark is installed.  Needs root or CAP_NET_RAW: without it the
 * test fails (it cannot run its real part).
 */
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "harness/decode/pcap_io.h"
#include "tests/support/capture_support.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[PATH_MAX];

/* Made once per run in dir by main() (cs_certs): the server's certificate, and a CA that did not issue it. */
static const char *const run_certs[] = { "selfsigned", "other-root", NULL };

struct live_case {
	const char *name;
	const char *server_args[8];
	const char *client_args[12];
};

static void collect(void *ctx, struct tls_conn *c)
{
	jv_push(ctx, tls_conn_to_json(c));
}

/*
 * Starts s_server with the case's options, captures one s_client run on lo
 * filtered on the server's port, and decodes it: the connections' JSON.
 */
static struct jv *run_case(const struct live_case *lc, char *cap, size_t caplen, uint16_t *portp)
{
	char slog[PATH_MAX + 32], other[PATH_MAX + 32], connect[64], filter[64], out[8192];
	const char *sargs[16];
	char *cargv[24], err[512];
	struct cs_server srv;
	struct pcap_live *l;
	int n = 0;

	snprintf(slog, sizeof slog, "%s/%s.server.log", dir, lc->name);
	snprintf(other, sizeof other, "%s/other-root.pem", dir);
	snprintf(cap, caplen, "%s/%s.pcap", dir, lc->name);
	sargs[n++] = "-www"; /* serves connection after connection, never reading its stdin (/dev/null) */
	for (int i = 0; lc->server_args[i]; i++)
		sargs[n++] = lc->server_args[i];
	sargs[n] = NULL;
	/* Ready (accepting) when it returns: the probe connection is over before the capture starts. */
	ck_assert_msg(cs_s_server(&srv, dir, "selfsigned", slog, sargs) == 0, "openssl s_server did not start (see %s)",
		      slog);
	uint16_t port = srv.port;
	*portp = port;

	snprintf(filter, sizeof filter, "tcp port %u", port);
	enum pcap_io_err e = pcap_io_live_open("lo", filter, cap, &l, err, sizeof err);
	if (e != PCAP_IO_OK)
		cs_s_server_stop(&srv);
	ck_assert_msg(e == PCAP_IO_OK, "live capture on lo (needs root or CAP_NET_RAW): %s", err);
	struct cs_first_conn fc = { .link = pcap_io_live_link(l) };
	pcap_io_live_set_tap(l, cs_first_conn_only, &fc);

	snprintf(connect, sizeof connect, "127.0.0.1:%u", port);
	n = 0;
	cargv[n++] = "openssl";
	cargv[n++] = "s_client";
	cargv[n++] = "-connect";
	cargv[n++] = connect;
	cargv[n++] = "-servername";
	cargv[n++] = "localhost";
	for (int i = 0; lc->client_args[i]; i++)
		cargv[n++] = strcmp(lc->client_args[i], "OTHER_CA") == 0 ? other : (char *)lc->client_args[i];
	cargv[n] = NULL;
	ck_assert_msg(cs_run(cargv, NULL, out, sizeof out, 60000) >= 0, "s_client did not run or did not end:\n%s", out);
	ck_assert_int_ge(pcap_io_live_drain(l, 300, 5000), 0);
	struct pcap_live_stats ls;
	ck_assert_int_eq(pcap_io_live_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.dropped, 0);
	ck_assert_int_eq(pcap_io_live_close(l), 0);
	cs_s_server_stop(&srv);

	struct decode_opts o = { .format = DECODE_FORMAT_JSON };
	struct decode_stats ds;
	struct jv *conns = jv_array();
	ck_assert_int_eq(decode_run(cap, &o, collect, conns, &ds, err, sizeof err), ERR_NONE);
	ck_assert(!ds.truncated);
	ck_assert_uint_eq(ds.flows.connections, 1);
	ck_assert_uint_eq(jv_len(conns), 1);
	return conns;
}

/* tshark's alert descriptions for the capture, as "70,..." (empty when none); -1 without tshark. */
static int tshark_alerts(const char *cap, uint16_t port, char *out, size_t outlen)
{
	char buf[8192], decode_as[64], *line, *save = NULL;
	if (access("/usr/bin/tshark", X_OK) != 0)
		return -1;
	snprintf(decode_as, sizeof decode_as, "tcp.port==%u,tls", port);
	char *argv[] = { "tshark", "-n", "-r", (char *)cap, "-d", decode_as, "-Y", "tls.alert_message", "-T", "fields",
			 "-e", "tls.alert_message.desc", NULL };
	ck_assert_msg(cs_run(argv, NULL, buf, sizeof buf, 60000) == 0, "tshark failed:\n%s", buf);
	out[0] = 0;
	for (line = strtok_r(buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		size_t used = strlen(out);
		if (strspn(line, "0123456789,") == strlen(line)) /* tshark's own warnings are not */
			ck_assert_int_lt(snprintf(out + used, outlen - used, "%s%s", used ? "," : "", line),
					 (int)(outlen - used));
	}
	return 0;
}

/* The connection's alerts as "from:description" (e.g. "server:70", 0); encrypted ones as "client:?". */
static void alerts_of(const struct jv *conn, char *out, size_t outlen, char *descs, size_t dlen)
{
	const struct jv *a = jv_get(conn, "alerts");
	out[0] = descs[0] = 0;
	for (size_t i = 0; i < jv_len(a); i++) {
		const struct jv *al = jv_at(a, i), *d = jv_get(al, "description");
		char one[48];
		if (jv_is_int(d))
			snprintf(one, sizeof one, "%s:%lld", jv_str(jv_get(al, "from")), jv_intval(d));
		else
			snprintf(one, sizeof one, "%s:?", jv_str(jv_get(al, "from")));
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s", i ? "," : "", one);
		if (jv_is_int(d))
			snprintf(descs + strlen(descs), dlen - strlen(descs), "%s%lld", descs[0] ? "," : "",
				 jv_intval(d));
	}
}

/* Runs the case and checks outcome, diagnosis code, the readable alerts, and tshark's view of them. */
static void check_case(const struct live_case *lc, const char *outcome, const char *code, const char *alerts,
		       int certs)
{
	char cap[PATH_MAX + 32], got[256], descs[256], shark[256];
	uint16_t port;
	struct jv *conns = run_case(lc, cap, sizeof cap, &port);
	const struct jv *c = jv_at(conns, 0);
	char *dump = NULL;
	size_t dumplen = 0;
	FILE *mf = open_memstream(&dump, &dumplen);
	jv_write(mf, c, false);
	fclose(mf);
	if (dumplen > 2000)
		memcpy(dump + 1990, "...", 4); /* Check's messages are short */
	alerts_of(c, got, sizeof got, descs, sizeof descs);
	ck_assert_msg(strcmp(jv_str(jv_get(c, "outcome")), outcome) == 0, "%s: outcome: %s", lc->name, dump);
	ck_assert_msg(strcmp(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), code) == 0, "%s: diagnosis: %s",
		      lc->name, dump);
	ck_assert_msg(strcmp(got, alerts) == 0, "%s: alerts %s, want %s: %s", lc->name, got, alerts, dump);
	ck_assert_msg(strncmp(jv_str(jv_get(c, "server")), "127.0.0.1:", 10) == 0, "%s", dump);
	ck_assert_msg(jv_len(jv_get(c, "certificates")) == (size_t)certs, "%s: certificates: %s", lc->name, dump);
	if (tshark_alerts(cap, port, shark, sizeof shark) == 0)
		ck_assert_msg(strcmp(shark, descs) == 0, "%s: tshark sees alerts '%s', we read '%s'", lc->name, shark,
			      descs);
	free(dump);
	jv_free(conns);
}

START_TEST(tls11_client_vs_tls12_only_server)
{
	/* OpenSSL 3 allows TLS 1.1 only at security level 0. */
	static const struct live_case lc = { "tls11", { "-tls1_2", NULL },
					     { "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", NULL } };
	check_case(&lc, "failed", "no_shared_version", "server:70", 0);
}
END_TEST

START_TEST(no_shared_cipher)
{
	static const struct live_case lc = { "nocipher", { "-cipher", "AES128-SHA", "-no_tls1_3", NULL },
					     { "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-no_tls1_3", NULL } };
	check_case(&lc, "failed", "no_shared_cipher", "server:40", 0);
}
END_TEST

START_TEST(client_rejects_unknown_ca)
{
	/* TLS 1.2, so the client's alert is sent before encryption starts and can be read. */
	static const struct live_case lc = { "unknownca", { NULL },
					     { "-tls1_2", "-verify_return_error", "-CAfile", "OTHER_CA", NULL } };
	check_case(&lc, "failed", "unknown_ca", "client:48", 1);
}
END_TEST

START_TEST(tls12_success)
{
	static const struct live_case lc = { "tls12", { NULL }, { "-tls1_2", NULL } };
	check_case(&lc, "handshake_complete", "ok", "client:?,server:?", 1); /* close_notify both ways */
}
END_TEST

START_TEST(tls13_success)
{
	static const struct live_case lc = { "tls13", { NULL }, { "-tls1_3", NULL } };
	check_case(&lc, "handshake_complete", "ok", "client:?,server:?", 0); /* certificate encrypted */
}
END_TEST

START_TEST(handshake_split_across_small_records)
{
	static const struct live_case lc = { "frag512", { "-max_send_frag", "512", NULL }, { "-tls1_2", NULL } };
	check_case(&lc, "handshake_complete", "ok", "client:?,server:?", 1);
}
END_TEST

static Suite *decode_live_suite(void)
{
	Suite *s = suite_create("decode_live");
	TCase *tc = tcase_create("openssl");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tls11_client_vs_tls12_only_server);
	tcase_add_test(tc, no_shared_cipher);
	tcase_add_test(tc, client_rejects_unknown_ca);
	tcase_add_test(tc, tls12_success);
	tcase_add_test(tc, tls13_success);
	tcase_add_test(tc, handshake_split_across_small_records);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (cs_tmpdir(dir, sizeof dir) < 0) {
		perror("test_decode_live: mkdtemp");
		return EXIT_FAILURE;
	}
	if (cs_certs(dir, run_certs) < 0) {
		fprintf(stderr, "test_decode_live: cannot make certificates\n");
		cs_rmtree(dir);
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(decode_live_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	cs_rmtree(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
