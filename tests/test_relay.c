/*
 * test_relay.c - the recording relay: a real TLS handshake (openssl s_server
 * and s_client) passes through it unchanged, its pcap reads back (our reader
 * and tshark) with consistent TCP, half-closes and resets pass through, and a
 * large transfer both ways at once arrives byte for byte; live and relay
 * captures of the same case read alike to tshark and to our decoder
 * (decode_run: alerts, outcome, diagnosis).
 */
#include "harness/capture/capture.h"
#include "harness/capture/frame.h"
#include "harness/capture/relay.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "tests/support/capture_support.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char tmp[256];

/* Unchecked: the parent makes and removes the dir, so a failing test leaves nothing behind. */
static void setup(void)
{
	ck_assert_int_eq(cs_tmpdir(tmp, sizeof tmp), 0);
}

static void teardown(void)
{
	cs_rmtree(tmp);
}

static void path_in_tmp(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmp, name);
}

static struct relay *start_relay(uint16_t server_port, const char *pcap)
{
	struct relay_opts o = { .server_host = "127.0.0.1", .server_port = server_port, .pcap_path = pcap,
				.accept_ms = 10000, .idle_ms = 10000 };
	char err[256];
	struct relay *r = relay_start(&o, err, sizeof err);

	ck_assert_msg(r != NULL, "relay_start: %s", err);
	return r;
}

static void stop_relay(struct relay *r, struct relay_stats *st)
{
	char err[256];

	ck_assert_msg(relay_stop(r, st, err, sizeof err) == 0, "relay_stop: %s", err);
}

/* s_client to port with extra args, asking s_server -www for its status page; its output in out; the exit status. */
static int s_client(uint16_t port, const char *const extra[], char *out, size_t outlen)
{
	char target[32];
	char *argv[24];
	int n = 0;

	snprintf(target, sizeof target, "127.0.0.1:%u", (unsigned)port);
	argv[n++] = (char *)"openssl";
	argv[n++] = (char *)"s_client";
	argv[n++] = (char *)"-connect";
	argv[n++] = target;
	argv[n++] = (char *)"-ign_eof"; /* stdin's EOF does not end it: the server's close does */
	for (int i = 0; extra && extra[i] && n < 22; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	return cs_run(argv, "GET / HTTP/1.0\r\n\r\n", out, outlen, 30000);
}

static void need_tools(void)
{
	static const char *const certs[] = { "selfsigned", NULL };

	ck_assert_msg(cs_have("openssl"), "openssl is not installed: this test cannot run its real part");
	ck_assert_int_eq(cs_certs(tmp, certs), 0);
}

START_TEST(tls_handshake_passes_and_is_recorded)
{
	static const char *const srv_args[] = { "-www", NULL };
	struct cs_server srv;
	struct relay_stats st;
	struct cs_pcap cap;
	struct relay *r;
	char pcap[300], out[16384], err[256];

	need_tools();
	ck_assert_int_eq(cs_s_server(&srv, tmp, "selfsigned", NULL, srv_args), 0);
	path_in_tmp(pcap, sizeof pcap, "tls.pcap");
	r = start_relay(srv.port, pcap);
	ck_assert_int_eq(s_client(relay_port(r), NULL, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "New, TLSv1.3, Cipher is"), "handshake through the relay failed:\n%s", out);
	ck_assert(relay_wait(r, 10000));
	stop_relay(r, &st);
	cs_s_server_stop(&srv);
	ck_assert_msg(st.end == RELAY_END_CLOSED || st.end == RELAY_END_CLIENT_RST || st.end == RELAY_END_SERVER_RST,
		      "ended %s", relay_end_name(st.end));
	ck_assert(st.bytes_c2s > 0 && st.bytes_s2c > 0);

	/* The pcap: real endpoints, the handshake, every byte in order. */
	ck_assert_msg(cs_pcap_read(pcap, &cap, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(cap.linktype, LINK_EN10MB);
	ck_assert_int_eq(cap.conns, 1);
	ck_assert_uint_eq(cap.server_port, srv.port);
	{
		char want[32];

		snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)srv.port);
		ck_assert_str_eq(st.server, want);
		snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)cap.client_port);
		ck_assert_str_eq(st.client, want);
	}
	ck_assert_msg(strncmp(cap.events, "C:SYN S:SYN+ACK", 15) == 0, "events: %s", cap.events);
	ck_assert_uint_eq(cap.dir[0].len, st.bytes_c2s);
	ck_assert_uint_eq(cap.dir[1].len, st.bytes_s2c);
	ck_assert(cap.dir[0].in_order && cap.dir[1].in_order);
	ck_assert_uint_eq(cap.frames, st.packets);
	/* A TLS handshake record starts the client's stream: type 22, version 3.x. */
	ck_assert_uint_eq(cap.dir[0].data[0], 22);
	ck_assert_uint_eq(cap.dir[0].data[1], 3);
	cs_pcap_free(&cap);

	ck_assert_msg(cs_have("tshark"), "tshark is not installed");
	{
		char msgs[4096], probs[8192];

		ck_assert_int_eq(cs_tshark_messages(pcap, srv.port, msgs, sizeof msgs), 0);
		ck_assert_msg(strstr(msgs, "C: hs1") && strstr(msgs, "S: hs2"), "tshark sees: %s", msgs);
		ck_assert_msg(cs_tshark_problems(pcap, probs, sizeof probs) == 0, "tshark finds problems:\n%s",
			      probs);
	}
}
END_TEST

static void collect(void *ctx, struct tls_conn *c)
{
	jv_push(ctx, tls_conn_to_json(c));
}

/*
 * What our decoder makes of a capture: "alerts=[server:70] outcome=...
 * diagnosis=...", of its one TLS connection.  Only what both capture modes
 * must agree on: frame numbers and times differ.
 */
static void decoded(const char *pcap, uint16_t port, char *out, size_t outlen)
{
	struct decode_opts o = { .format = DECODE_FORMAT_JSON, .port = port };
	struct decode_stats ds;
	struct jv *conns = jv_array();
	const struct jv *c, *a;
	char err[256], alerts[256] = "";

	ck_assert_msg(decode_run(pcap, &o, collect, conns, &ds, err, sizeof err) == ERR_NONE, "%s: %s", pcap, err);
	ck_assert_msg(!ds.truncated, "%s: %s", pcap, ds.truncated_why);
	ck_assert_uint_eq(jv_len(conns), 1);
	c = jv_at(conns, 0);
	a = jv_get(c, "alerts");
	for (size_t i = 0; i < jv_len(a); i++) {
		const struct jv *al = jv_at(a, i), *d = jv_get(al, "description");
		size_t n = strlen(alerts);

		/* An encrypted alert (TLS 1.3 after the handshake) has no readable number: "?". */
		if (jv_is_int(d))
			snprintf(alerts + n, sizeof alerts - n, "%s%s:%lld", i ? " " : "", jv_str(jv_get(al, "from")),
				 jv_intval(d));
		else
			snprintf(alerts + n, sizeof alerts - n, "%s%s:?", i ? " " : "", jv_str(jv_get(al, "from")));
	}
	snprintf(out, outlen, "alerts=[%s] outcome=%s diagnosis=%s", alerts, jv_str(jv_get(c, "outcome")),
		 jv_str(jv_get(jv_get(c, "diagnosis"), "code")));
	jv_free(conns);
}

/*
 * One TLS case, captured in mode m against a fresh s_server; tshark's
 * message list in msgs, our decoder's reading in dec.
 */
static void run_case(enum capture_mode m, const char *const srv_args[], const char *const cli_args[], char *msgs,
		     size_t msgslen, char *dec, size_t declen, const char *name)
{
	/*
	 * first_only, as 'tlsdiag capture' does: s_server's readiness probe may
	 * still be closing when the live capture starts, and its last FIN would
	 * be a second connection to the decoder.
	 */
	struct capture_opts o = { .mode = m, .server_host = "127.0.0.1", .drain_ms = 3000, .first_only = true };
	struct capture_stats st;
	struct cs_server srv;
	struct capture *c;
	char pcap[300], out[16384], err[256];

	ck_assert_int_eq(cs_s_server(&srv, tmp, "selfsigned", NULL, srv_args), 0);
	path_in_tmp(pcap, sizeof pcap, name);
	o.server_port = srv.port;
	o.pcap_path = pcap;
	c = capture_begin(&o, err, sizeof err);
	ck_assert_msg(c != NULL, "capture_begin(%s): %s", capture_mode_name(m), err);
	ck_assert_int_eq(capture_mode_used(c), m);
	s_client(capture_connect_port(c), cli_args, out, sizeof out);
	ck_assert_msg(capture_end(c, &st, err, sizeof err) == 0, "capture_end: %s", err);
	cs_s_server_stop(&srv);
	ck_assert_msg(st.connected && st.closed, "%s: %s", capture_mode_name(m), st.ended);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_int_eq(cs_tshark_messages(pcap, srv.port, msgs, msgslen), 0);
	decoded(pcap, srv.port, dec, declen);
}

START_TEST(relay_and_live_capture_agree)
{
	static const char *const ok_srv[] = { "-www", NULL };
	static const char *const v13_srv[] = { "-www", "-tls1_3", NULL };
	static const char *const v12_cli[] = { "-tls1_2", NULL };
	char live[4096], relay[4096], live_dec[512], relay_dec[512];

	ck_assert_msg(geteuid() == 0, "live capture needs root (or CAP_NET_RAW): run the suite as root");
	need_tools();
	ck_assert_msg(cs_have("tshark"), "tshark is not installed");

	run_case(CAPTURE_LIVE, ok_srv, NULL, live, sizeof live, live_dec, sizeof live_dec, "ok-live.pcap");
	run_case(CAPTURE_RELAY, ok_srv, NULL, relay, sizeof relay, relay_dec, sizeof relay_dec, "ok-relay.pcap");
	ck_assert_str_eq(live, relay);
	ck_assert_msg(strstr(relay, "C: hs1") && strstr(relay, "S: hs2"), "%s", relay);
	/* Our decoder reads both captures of the same case alike: alerts (from, number), outcome, diagnosis. */
	ck_assert_str_eq(live_dec, relay_dec);
	ck_assert_msg(strstr(relay_dec, "outcome=handshake_complete diagnosis=ok"), "%s", relay_dec);

	/* A failing case: the server wants TLS 1.3 only, the client offers 1.2: alert 70 (RFC 8446 6.2). */
	run_case(CAPTURE_LIVE, v13_srv, v12_cli, live, sizeof live, live_dec, sizeof live_dec, "v-live.pcap");
	run_case(CAPTURE_RELAY, v13_srv, v12_cli, relay, sizeof relay, relay_dec, sizeof relay_dec, "v-relay.pcap");
	ck_assert_str_eq(live, relay);
	ck_assert_msg(strstr(relay, "alert70"), "no protocol_version alert: %s", relay);
	ck_assert_str_eq(live_dec, relay_dec);
	ck_assert_str_eq(relay_dec, "alerts=[server:70] outcome=failed diagnosis=version_too_low"); /* a TLS 1.2 client, a TLS 1.3-only server */
}
END_TEST

/* A client connected through the relay and the server's side of it. */
struct pair {
	int lfd, cfd, sfd;
	uint16_t server_port;
	struct relay *r;
	char pcap[300];
};

static void pair_open(struct pair *p, const char *name)
{
	p->lfd = cs_listen(&p->server_port);
	ck_assert_int_ge(p->lfd, 0);
	path_in_tmp(p->pcap, sizeof p->pcap, name);
	p->r = start_relay(p->server_port, p->pcap);
	p->cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(cs_connect(p->cfd, "127.0.0.1", relay_port(p->r)), 0);
	p->sfd = cs_accept(p->lfd, 5000);
	ck_assert_int_ge(p->sfd, 0);
}

static void pair_close(struct pair *p)
{
	if (p->cfd >= 0)
		close(p->cfd);
	if (p->sfd >= 0)
		close(p->sfd);
	close(p->lfd);
}

static void reset_close(int *fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(*fd);
	*fd = -1;
}

START_TEST(half_close_passes_both_ways)
{
	struct relay_stats st;
	struct cs_pcap cap;
	struct pair p;
	char buf[64], err[256];

	pair_open(&p, "half.pcap");
	ck_assert_int_eq(cs_write_all(p.cfd, "hello", 5), 0);
	ck_assert_int_eq(shutdown(p.cfd, SHUT_WR), 0);
	/* The server reads the bytes, then EOF: the client's FIN came through... */
	ck_assert_int_eq(cs_read_all(p.sfd, buf, sizeof buf, 5000), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	/* ...and its own direction is still open. */
	ck_assert_int_eq(cs_write_all(p.sfd, "world!", 6), 0);
	ck_assert_int_eq(shutdown(p.sfd, SHUT_WR), 0);
	ck_assert_int_eq(cs_read_all(p.cfd, buf, sizeof buf, 5000), 6);
	ck_assert_int_eq(memcmp(buf, "world!", 6), 0);
	ck_assert(relay_wait(p.r, 5000));
	stop_relay(p.r, &st);
	pair_close(&p);
	ck_assert_int_eq(st.end, RELAY_END_CLOSED);
	ck_assert(st.client_fin && st.server_fin);

	ck_assert_msg(cs_pcap_read(p.pcap, &cap, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(cap.events, "C:SYN S:SYN+ACK C:FIN S:FIN");
	ck_assert_uint_eq(cap.dir[0].len, 5);
	ck_assert_uint_eq(cap.dir[1].len, 6);
	/* Frames: SYN, SYN+ACK, ACK, "hello", FIN, "world!", FIN. */
	ck_assert_uint_eq(cap.frames, 7);
	cs_pcap_free(&cap);
}
END_TEST

/* One side sends 3 bytes and then resets; the other side must see the bytes, then ECONNRESET. */
static void reset_case(bool client_resets, const char *events)
{
	struct relay_stats st;
	struct cs_pcap cap;
	struct pair p;
	char buf[64], err[256];
	int *rst_fd, peer_fd;

	pair_open(&p, client_resets ? "crst.pcap" : "srst.pcap");
	rst_fd = client_resets ? &p.cfd : &p.sfd;
	peer_fd = client_resets ? p.sfd : p.cfd;
	ck_assert_int_eq(cs_write_all(*rst_fd, "abc", 3), 0);
	ck_assert_int_eq(cs_read_all(peer_fd, buf, 3, 5000), 3);
	reset_close(rst_fd);
	ck_assert(relay_wait(p.r, 5000));
	/* The other socket was reset, not closed: recv fails with ECONNRESET. */
	ck_assert_int_eq(recv(peer_fd, buf, sizeof buf, 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	stop_relay(p.r, &st);
	pair_close(&p);
	ck_assert_int_eq(st.end, client_resets ? RELAY_END_CLIENT_RST : RELAY_END_SERVER_RST);
	ck_assert_msg(cs_pcap_read(p.pcap, &cap, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(cap.events, events);
	ck_assert_uint_eq(cap.dir[client_resets ? 0 : 1].len, 3);
	cs_pcap_free(&cap);
}

START_TEST(client_reset_resets_the_server)
{
	reset_case(true, "C:SYN S:SYN+ACK C:RST");
}
END_TEST

START_TEST(server_reset_resets_the_client)
{
	reset_case(false, "C:SYN S:SYN+ACK S:RST");
}
END_TEST

/* One endpoint of a bulk transfer: sends out[] and reads into in[] at the same time, then half-closes. */
struct pump {
	int fd;
	const uint8_t *out;
	size_t outlen;
	uint8_t *in;
	size_t incap, inlen;
	int rc;
};

static void *pump_run(void *arg)
{
	struct pump *p = arg;
	size_t sent = 0;
	bool eof = false, shut = false;

	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	p->rc = -1;
	while (!eof || !shut) {
		struct pollfd pf = { p->fd, (short)((eof ? 0 : POLLIN) | (shut ? 0 : POLLOUT)), 0 };
		ssize_t n;

		if (poll(&pf, 1, 10000) != 1)
			return NULL;
		if (!shut && (pf.revents & POLLOUT)) {
			n = send(p->fd, p->out + sent, p->outlen - sent, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN)
				return NULL;
			if (n > 0)
				sent += (size_t)n;
			if (sent == p->outlen) {
				shutdown(p->fd, SHUT_WR);
				shut = true;
			}
		}
		if (!eof && (pf.revents & (POLLIN | POLLHUP | POLLERR))) {
			n = recv(p->fd, p->in + p->inlen, p->incap - p->inlen, 0);
			if (n < 0 && errno != EAGAIN)
				return NULL;
			if (n == 0 || p->inlen == p->incap)
				eof = true;
			if (n > 0)
				p->inlen += (size_t)n;
		}
	}
	p->rc = 0;
	return NULL;
}

START_TEST(large_transfer_both_ways_arrives_unchanged)
{
	const size_t n = 8u << 20;
	uint8_t *a = malloc(n), *b = malloc(n), *a_got = malloc(n + 1), *b_got = malloc(n + 1);
	struct pump pc, ps;
	pthread_t tc, ts;
	struct relay_stats st;
	struct cs_pcap cap;
	struct pair p;
	char err[256];
	uint32_t x = 12345;

	ck_assert(a && b && a_got && b_got);
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		a[i] = (uint8_t)(x >> 16);
		b[i] = (uint8_t)(x >> 8);
	}
	pair_open(&p, "bulk.pcap");
	pc = (struct pump){ .fd = p.cfd, .out = a, .outlen = n, .in = b_got, .incap = n + 1 };
	ps = (struct pump){ .fd = p.sfd, .out = b, .outlen = n, .in = a_got, .incap = n + 1 };
	ck_assert_int_eq(pthread_create(&tc, NULL, pump_run, &pc), 0);
	ck_assert_int_eq(pthread_create(&ts, NULL, pump_run, &ps), 0);
	pthread_join(tc, NULL);
	pthread_join(ts, NULL);
	ck_assert_int_eq(pc.rc, 0);
	ck_assert_int_eq(ps.rc, 0);
	ck_assert_uint_eq(ps.inlen, n);
	ck_assert_uint_eq(pc.inlen, n);
	ck_assert_int_eq(memcmp(a, a_got, n), 0);
	ck_assert_int_eq(memcmp(b, b_got, n), 0);
	ck_assert(relay_wait(p.r, 5000));
	stop_relay(p.r, &st);
	pair_close(&p);
	ck_assert_int_eq(st.end, RELAY_END_CLOSED);
	ck_assert_uint_eq(st.bytes_c2s, n);
	ck_assert_uint_eq(st.bytes_s2c, n);

	/* The recording holds the same bytes, in segments no IPv4 datagram exceeds. */
	ck_assert_msg(cs_pcap_read(p.pcap, &cap, err, sizeof err) == 0, "%s", err);
	ck_assert(cap.dir[0].in_order && cap.dir[1].in_order);
	ck_assert_uint_eq(cap.dir[0].len, n);
	ck_assert_uint_eq(cap.dir[1].len, n);
	ck_assert_int_eq(memcmp(cap.dir[0].data, a, n), 0);
	ck_assert_int_eq(memcmp(cap.dir[1].data, b, n), 0);
	ck_assert_uint_le(cap.dir[0].max_seg, FRAME_MAX_PAYLOAD);
	ck_assert_uint_le(cap.dir[1].max_seg, FRAME_MAX_PAYLOAD);
	cs_pcap_free(&cap);
	free(a);
	free(b);
	free(a_got);
	free(b_got);
}
END_TEST

START_TEST(unreachable_server_resets_the_client)
{
	struct relay_stats st;
	struct cs_pcap cap;
	struct relay *r;
	uint16_t dead_port;
	char pcap[300], buf[8], err[256];
	int fd = cs_listen(&dead_port);

	/* A port that was just free and is closed again: connecting to it is refused. */
	ck_assert_int_ge(fd, 0);
	close(fd);
	path_in_tmp(pcap, sizeof pcap, "refused.pcap");
	r = start_relay(dead_port, pcap);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(cs_connect(fd, "127.0.0.1", relay_port(r)), 0);
	ck_assert(relay_wait(r, 5000));
	ck_assert_int_eq(recv(fd, buf, sizeof buf, 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	close(fd);
	stop_relay(r, &st);
	ck_assert_int_eq(st.end, RELAY_END_REFUSED);
	ck_assert_msg(cs_pcap_read(pcap, &cap, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(cap.events, "C:SYN S:RST");
	cs_pcap_free(&cap);
}
END_TEST

START_TEST(no_client_ends_at_once_with_an_empty_capture)
{
	struct relay_stats st;
	struct cs_pcap cap;
	struct relay *r;
	char pcap[300], err[256];

	path_in_tmp(pcap, sizeof pcap, "empty.pcap");
	r = start_relay(9, pcap);
	/* The client is done and never connected: the relay ends without waiting for its accept bound. */
	ck_assert(relay_drain(r, 2000));
	stop_relay(r, &st);
	ck_assert_int_eq(st.end, RELAY_END_NO_CLIENT);
	ck_assert_uint_eq(st.packets, 0);
	ck_assert_msg(cs_pcap_read(pcap, &cap, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(cap.frames, 0);
	cs_pcap_free(&cap);
}
END_TEST

START_TEST(bad_inputs_fail_cleanly)
{
	struct relay_opts o = { .server_host = "127.0.0.1", .server_port = 1, .pcap_path = "/nonexistent/dir/x.pcap" };
	char err[256] = "";

	ck_assert_ptr_null(relay_start(&o, err, sizeof err));
	ck_assert_msg(strstr(err, "/nonexistent/dir/x.pcap"), "%s", err);
	o.pcap_path = NULL;
	o.server_host = "no-such-host.invalid";
	ck_assert_ptr_null(relay_start(&o, err, sizeof err));
	ck_assert_msg(strstr(err, "cannot resolve"), "%s", err);
}
END_TEST

static Suite *relay_suite(void)
{
	Suite *s = suite_create("relay");
	TCase *tc = tcase_create("relay");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tls_handshake_passes_and_is_recorded);
	tcase_add_test(tc, relay_and_live_capture_agree);
	tcase_add_test(tc, half_close_passes_both_ways);
	tcase_add_test(tc, client_reset_resets_the_server);
	tcase_add_test(tc, server_reset_resets_the_client);
	tcase_add_test(tc, large_transfer_both_ways_arrives_unchanged);
	tcase_add_test(tc, unreachable_server_resets_the_client);
	tcase_add_test(tc, no_client_ends_at_once_with_an_empty_capture);
	tcase_add_test(tc, bad_inputs_fail_cleanly);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(relay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
