/*
 * test_fault_relay.c - network faults against real servers: the project's
 * wolfSSL client (the runner's engine) through the capture with faults
 * (capture/fault.h) to a real openssl s_server.  Each test checks the
 * capture (the client's side of the fault: where the reset, FIN or silence
 * is), the client's real error, the relay's account of where the fault
 * acted, and the decoder's diagnosis (which side, when); and that nothing
 * leaks: the descriptors open before and after are the same and no child
 * is left.
 */
#include "harness/capture/capture.h"
#include "harness/capture/fault.h"
#include "harness/client/client.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "tests/support/capture_support.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#define SOCKET_ERROR_E (-308)

static char tmp[256];
static int fds_at_start;

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

static void setup(void)
{
	ck_assert_int_eq(cs_tmpdir(tmp, sizeof tmp), 0);
}

static void teardown(void)
{
	cs_rmtree(tmp);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct fault_run {
	struct client_result res;
	struct capture_stats st;
	struct cs_pcap cap;
	long long elapsed_ms; /* client_run() */
	char code[64], summary[512], evidence[512];
	int alert_from_server; /* the first clear alert the server sent, -1: none */
};

static void collect(void *ctx, struct tls_conn *c)
{
	struct jv **first = ctx;

	if (!*first)
		*first = tls_conn_to_json(c);
}

static void copy_json_str(const struct jv *o, const char *key, char *out, size_t len)
{
	const char *s = jv_str(jv_get(o, key));

	snprintf(out, len, "%s", s ? s : "");
}

/*
 * One case: s_server (srv_args) behind the faults in spec, the wolfSSL client
 * with method m and a per-stage timeout; everything it shows in fr.
 */
static void run_fault(const char *spec, const char *const srv_args[], enum client_method m, int timeout_ms,
		      struct fault_run *fr)
{
	static const char *const certs[] = { "selfsigned", NULL };
	struct fault_set fs;
	struct cs_server srv;
	struct capture *cap;
	struct client_case cc;
	char err[256], pcap[300];
	struct jv *first = NULL;
	struct decode_opts o = { .format = DECODE_FORMAT_JSON };
	struct decode_stats ds;
	long long t0;
	int status;

	memset(fr, 0, sizeof *fr);
	fr->alert_from_server = -1;
	ck_assert_msg(cs_have("openssl"), "openssl is not installed: this test cannot run its real part");
	ck_assert_int_eq(cs_certs(tmp, certs), 0);
	ck_assert_msg(fault_parse(spec, &fs, err, sizeof err) == 0, "%s", err);
	fds_at_start = fd_count();
	ck_assert_int_eq(cs_s_server(&srv, tmp, "selfsigned", NULL, srv_args), 0);
	static int nrun;

	snprintf(pcap, sizeof pcap, "%s/fault-%d.pcap", tmp, ++nrun); /* pcaps are created, never overwritten */
	{
		/* Live is asked for: the faults take the relay whatever the mode. */
		struct capture_opts co = { .mode = CAPTURE_LIVE, .server_host = "127.0.0.1", .server_port = srv.port,
					   .pcap_path = pcap, .faults = &fs, .drain_ms = 3000, .idle_ms = 8000 };

		cap = capture_begin(&co, err, sizeof err);
		ck_assert_msg(cap != NULL, "capture_begin: %s", err);
	}
	ck_assert_int_eq(capture_mode_used(cap), CAPTURE_RELAY);
	ck_assert_msg(strstr(capture_reason(cap), "with network faults"), "%s", capture_reason(cap));
	client_case_init(&cc);
	cc.host = capture_connect_host(cap);
	cc.port = capture_connect_port(cap);
	cc.method = m;
	cc.verify = false;
	cc.timeout_ms = timeout_ms;
	t0 = now_ms();
	ck_assert_msg(client_run(&cc, &fr->res, err, sizeof err) == 0, "client_run: %s", err);
	fr->elapsed_ms = now_ms() - t0;
	ck_assert_msg(capture_end(cap, &fr->st, err, sizeof err) == 0, "capture_end: %s", err);
	cs_s_server_stop(&srv);

	/* Nothing leaks: the relay's sockets and thread, s_server and its descriptors. */
	ck_assert_int_eq(fd_count(), fds_at_start);
	ck_assert_int_eq(waitpid(-1, &status, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);

	ck_assert_msg(cs_pcap_read(pcap, &fr->cap, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(fr->cap.conns, 1);
	ck_assert_uint_eq(fr->cap.server_port, srv.port); /* the real server, not the relay */
	ck_assert_msg(decode_run(pcap, &o, collect, &first, &ds, err, sizeof err) == ERR_NONE, "%s", err);
	ck_assert_msg(first != NULL, "no TLS connection decoded in %llu frames", (unsigned long long)ds.frames);
	copy_json_str(jv_get(first, "diagnosis"), "code", fr->code, sizeof fr->code);
	copy_json_str(jv_get(first, "diagnosis"), "summary", fr->summary, sizeof fr->summary);
	copy_json_str(jv_get(first, "diagnosis"), "evidence", fr->evidence, sizeof fr->evidence);
	{
		const struct jv *al = jv_get(first, "alerts");

		for (size_t i = 0; i < jv_len(al); i++) {
			const struct jv *a = jv_at(al, i), *d = jv_get(a, "description");
			const char *from = jv_str(jv_get(a, "from"));

			if (from && strcmp(from, "server") == 0 && jv_is_int(d)) {
				fr->alert_from_server = (int)jv_intval(d);
				break;
			}
		}
	}
	jv_free(first);
}

/* "... at byte N of the client's data" for the byte the capture says. */
static void assert_fault_at(const struct fault_run *fr, const char *spec, size_t byte, const char *side)
{
	char want[200];

	snprintf(want, sizeof want, "%s fired at byte %zu of the %s's data", spec, byte, side);
	ck_assert_str_eq(fr->st.fault, want);
}

/* -www: s_server answers each connection itself (without it, stdin's EOF would end it). */
static const char *const www[] = { "-www", NULL };
static const char *const tls12[] = { "-www", "-tls1_2", NULL };

START_TEST(reset_after_client_hello)
{
	struct fault_run fr;

	run_fault("reset-after:client_hello", www, METHOD_TLS12, 3000, &fr);
	/* The client: wolfSSL's real error for a reset during the handshake, no alert. */
	ck_assert_int_eq(fr.res.error, SOCKET_ERROR_E);
	ck_assert(fr.res.peer_closed);
	ck_assert(!fr.res.timed_out);
	ck_assert_int_eq(fr.res.alert_received, -1);
	/* The capture: the ClientHello went, nothing came back but a RST. */
	ck_assert_uint_gt(fr.cap.dir[0].len, 5);
	ck_assert_uint_eq(fr.cap.dir[0].data[0], 22);
	ck_assert_uint_eq(fr.cap.dir[0].data[5], 1);
	ck_assert_uint_eq(fr.cap.dir[1].len, 0);
	ck_assert_uint_eq(fr.cap.dir[1].rst, 1);
	ck_assert_uint_eq(fr.cap.dir[1].fin, 0);
	assert_fault_at(&fr, "reset-after:client_hello", fr.cap.dir[0].len, "client");
	ck_assert_msg(strstr(fr.st.ended, "server RST"), "%s", fr.st.ended);
	/* The diagnosis: the path (or the server) reset right after the ClientHello, without an alert. */
	ck_assert_str_eq(fr.code, "server_closed_without_alert");
	ck_assert_msg(strstr(fr.summary, "The connection was reset (TCP RST) right after the ClientHello") == fr.summary,
		      "%s", fr.summary);
	ck_assert_msg(strstr(fr.evidence, "(RST) after the ClientHello"), "%s", fr.evidence);
	cs_pcap_free(&fr.cap);
}
END_TEST

START_TEST(close_after_server_hello)
{
	struct fault_run fr;
	const uint8_t *d;

	run_fault("close-after:server_hello", tls12, METHOD_TLS12, 3000, &fr);
	/* wolfSSL 5.5.4 says SOCKET_ERROR_E for a FIN inside the handshake too (SOCKET_PEER_CLOSED_E is for reads after it). */
	ck_assert_int_eq(fr.res.error, SOCKET_ERROR_E);
	ck_assert(fr.res.peer_closed);
	ck_assert_msg(strstr(fr.res.detail, "the server closed the connection after ServerHello"), "%s", fr.res.detail);
	/* The client got exactly the ServerHello (header 4 bytes + its u24 length, in a record), then FIN. */
	d = fr.cap.dir[1].data;
	ck_assert_uint_ge(fr.cap.dir[1].len, 9);
	ck_assert_uint_eq(d[0], 22);
	ck_assert_uint_eq(d[5], 2);
	ck_assert_uint_eq(fr.cap.dir[1].len, 9 + ((size_t)d[6] << 16 | (size_t)d[7] << 8 | d[8]));
	ck_assert_uint_eq(fr.cap.dir[1].fin, 1);
	ck_assert_uint_eq(fr.cap.dir[1].rst, 0);
	ck_assert_uint_eq(fr.cap.dir[0].fin + fr.cap.dir[0].rst, 1); /* and the client's reaction */
	ck_assert_msg(strstr(fr.st.ended, "client "), "%s", fr.st.ended);
	assert_fault_at(&fr, "close-after:server_hello", fr.cap.dir[1].len, "server");
	/* closed without an alert after a named message (issue 15), no longer a generic "never finished" */
	ck_assert_str_eq(fr.code, "server_closed_without_alert");
	ck_assert_msg(strstr(fr.evidence, "(FIN) after the ServerHello without an alert"), "%s", fr.evidence);
	cs_pcap_free(&fr.cap);
}
END_TEST

START_TEST(stall_after_certificate_times_the_client_out)
{
	struct fault_run fr;

	run_fault("stall-after:certificate", tls12, METHOD_TLS12, 1500, &fr);
	/* wolfSSL's error when its I/O callback gives up waiting, no alert, nothing closed by the server. */
	ck_assert(fr.res.timed_out);
	ck_assert_int_eq(fr.res.error, SOCKET_ERROR_E);
	ck_assert_str_eq(fr.res.stage, "certificate");
	ck_assert_uint_eq(fr.cap.dir[1].fin + fr.cap.dir[1].rst, 0);
	ck_assert_uint_eq(fr.cap.dir[0].fin, 1); /* the client gave up */
	assert_fault_at(&fr, "stall-after:certificate", fr.cap.dir[1].len, "server");
	ck_assert_str_eq(fr.code, "server_silent");
	ck_assert_msg(strstr(fr.evidence, "after the server's Certificate the server's side sent nothing more"),
		      "%s", fr.evidence);
	ck_assert_msg(strstr(fr.evidence, "then the client closed the connection (FIN)"), "%s", fr.evidence);
	cs_pcap_free(&fr.cap);
}
END_TEST

START_TEST(drop_after_bytes_keeps_the_connection_open)
{
	struct fault_run fr;

	run_fault("drop-after:100", tls12, METHOD_TLS12, 1500, &fr);
	ck_assert(fr.res.timed_out);
	ck_assert_int_eq(fr.res.error, SOCKET_ERROR_E);
	ck_assert_uint_eq(fr.cap.dir[1].len, 100);
	ck_assert_uint_eq(fr.cap.dir[1].fin + fr.cap.dir[1].rst, 0);
	assert_fault_at(&fr, "drop-after:100", 100, "server");
	/* wolfSSL sends alert 20 when it gives up inside a record: the diagnosis does not take it for the cause. */
	ck_assert_str_eq(fr.code, "server_silent");
	ck_assert_msg(strstr(fr.summary, "The server's data stopped in the middle of a record") == fr.summary, "%s",
		      fr.summary);
	ck_assert_msg(strstr(fr.evidence, "its data stopped inside a record"), "%s", fr.evidence);
	cs_pcap_free(&fr.cap);
}
END_TEST

/* The alert case beside the reset and the stall: three different answers. */
START_TEST(a_server_alert_is_not_a_reset)
{
	struct fault_run fr;

	run_fault("latency:20ms", tls12, METHOD_TLS10, 3000, &fr);
	ck_assert_int_eq(fr.res.alert_received, 70);
	ck_assert_int_eq(fr.alert_from_server, 70);
	ck_assert_str_eq(fr.st.fault, ""); /* shaping never "acts" */
	ck_assert_str_eq(fr.code, "version_too_low"); /* a TLS 1.0 device, a TLS 1.2 server (issue 15) */
	cs_pcap_free(&fr.cap);
}
END_TEST

START_TEST(sslv3_hello_reset_and_tls10_passes)
{
	static const char *const old[] = { "-www", "-cipher", "DEFAULT:@SECLEVEL=0", NULL };
	struct fault_run fr;

	/* The CC3200 default: SSLv3 in the record header, up to TLS 1.2 in the hello. */
	run_fault("reset-on:sslv3-hello", old, METHOD_SSLV3_TLS12, 3000, &fr);
	ck_assert_uint_eq(fr.cap.dir[0].data[1], 3);
	ck_assert_uint_eq(fr.cap.dir[0].data[2], 0);
	ck_assert_int_eq(fr.res.error, SOCKET_ERROR_E);
	ck_assert_uint_eq(fr.cap.dir[1].len, 0);
	ck_assert_uint_eq(fr.cap.dir[1].rst, 1);
	assert_fault_at(&fr, "reset-on:sslv3-hello", 0, "client");
	ck_assert_str_eq(fr.code, "server_closed_without_alert");

	/* The fix, forcing TLS 1.0: its record version is 0x0301, and it gets through. */
	cs_pcap_free(&fr.cap);
	run_fault("reset-on:sslv3-hello", old, METHOD_TLS10, 3000, &fr);
	ck_assert_uint_eq(fr.cap.dir[0].data[2], 1);
	ck_assert_msg(fr.res.connected, "%s", fr.res.detail);
	ck_assert_str_eq(fr.res.version, "TLSv1");
	ck_assert_str_eq(fr.st.fault, "");
	ck_assert_str_eq(fr.code, "ok");
	cs_pcap_free(&fr.cap);
}
END_TEST

START_TEST(one_byte_segments)
{
	struct fault_run fr;

	run_fault("segments:1@server", tls12, METHOD_TLS12, 5000, &fr);
	ck_assert_msg(fr.res.connected, "%s", fr.res.detail);
	/* The capture is the client's side: every server byte its own segment; the client's as it sent them. */
	ck_assert_uint_eq(fr.cap.dir[1].max_seg, 1);
	ck_assert_uint_eq(fr.cap.dir[1].segs, fr.cap.dir[1].len);
	ck_assert_uint_gt(fr.cap.dir[0].max_seg, 100);
	ck_assert(fr.cap.dir[1].in_order);
	ck_assert_str_eq(fr.code, "ok");
	fprintf(stderr, "segments:1@server: %zu server bytes in %u segments, handshake %lld ms\n", fr.cap.dir[1].len,
		fr.cap.dir[1].segs, fr.elapsed_ms);
	cs_pcap_free(&fr.cap);
}
END_TEST

START_TEST(latency_delays_each_flight)
{
	struct fault_run fr;

	run_fault("latency:300ms", www, METHOD_TLS13, 5000, &fr);
	ck_assert_msg(fr.res.connected, "%s", fr.res.detail);
	/* TLS 1.3: the ClientHello one way and the server's flight back, each 300 ms late. */
	ck_assert_int_ge(fr.elapsed_ms, 600);
	fprintf(stderr, "latency:300ms: TLS 1.3 handshake %lld ms\n", fr.elapsed_ms);
	cs_pcap_free(&fr.cap);
}
END_TEST

START_TEST(bandwidth_paces_the_server)
{
	struct fault_run fr;

	run_fault("bandwidth:16kbps@server", www, METHOD_TLS13, 5000, &fr);
	ck_assert_msg(fr.res.connected, "%s", fr.res.detail);
	/* 16 kbit/s is 2000 bytes a second: the server's first flight alone is over a kilobyte. */
	ck_assert_uint_gt(fr.cap.dir[1].len, 1000);
	ck_assert_int_ge(fr.elapsed_ms, 400);
	ck_assert_uint_le(fr.cap.dir[1].max_seg, 40);
	fprintf(stderr, "bandwidth:16kbps@server: %zu server bytes, handshake %lld ms\n", fr.cap.dir[1].len,
		fr.elapsed_ms);
	cs_pcap_free(&fr.cap);
}
END_TEST

START_TEST(latency_past_the_client_timeout)
{
	struct fault_run fr;

	/* A slow link: each flight arrives 2 s late, the device waits 1.2 s per stage. */
	run_fault("latency:2s@server", www, METHOD_TLS12, 1200, &fr);
	ck_assert(fr.res.timed_out);
	ck_assert_int_eq(fr.res.error, SOCKET_ERROR_E);
	ck_assert_str_eq(fr.res.stage, "client_hello");
	ck_assert_uint_eq(fr.cap.dir[0].fin, 1);
	ck_assert_str_eq(fr.code, "server_silent");
	ck_assert_msg(strstr(fr.summary, "The server's answer came after the client had given up") == fr.summary, "%s",
		      fr.summary);
	ck_assert_msg(strstr(fr.evidence, "after the client's ClientHello the server's side sent nothing for 1."), "%s",
		      fr.evidence);
	ck_assert_msg(strstr(fr.evidence, "the server's answer arrived 0."), "%s", fr.evidence);
	cs_pcap_free(&fr.cap);
}
END_TEST

/* Capture off: the relay still injects the faults and records nothing. */
START_TEST(faults_without_a_capture)
{
	static const char *const certs[] = { "selfsigned", NULL };
	struct fault_set fs;
	struct cs_server srv;
	struct capture_opts co = { .mode = CAPTURE_OFF, .server_host = "127.0.0.1", .faults = &fs };
	struct capture_stats st;
	struct capture *cap;
	struct client_case cc;
	struct client_result res;
	char err[256];
	int fds;

	ck_assert_int_eq(cs_certs(tmp, certs), 0);
	ck_assert_int_eq(fault_parse("reset-after:client_hello", &fs, err, sizeof err), 0);
	fds = fd_count();
	ck_assert_int_eq(cs_s_server(&srv, tmp, "selfsigned", NULL, www), 0);
	co.server_port = srv.port;
	cap = capture_begin(&co, err, sizeof err);
	ck_assert_msg(cap != NULL, "%s", err);
	ck_assert_int_eq(capture_mode_used(cap), CAPTURE_RELAY);
	ck_assert_uint_ne(capture_connect_port(cap), srv.port);
	client_case_init(&cc);
	cc.host = capture_connect_host(cap);
	cc.port = capture_connect_port(cap);
	cc.verify = false;
	ck_assert_int_eq(client_run(&cc, &res, err, sizeof err), 0);
	ck_assert_int_eq(res.error, SOCKET_ERROR_E);
	ck_assert_int_eq(capture_end(cap, &st, err, sizeof err), 0);
	ck_assert_uint_eq(st.packets, 0);
	ck_assert_msg(strstr(st.fault, "reset-after:client_hello fired at byte "), "%s", st.fault);
	cs_s_server_stop(&srv);
	ck_assert_int_eq(fd_count(), fds);
}
END_TEST

/* slow-close: the server's FIN reaches the client 500 ms late; its bytes do not wait. */
START_TEST(slow_close_delays_the_fin)
{
	struct fault_set fs;
	struct capture_opts co = { .mode = CAPTURE_RELAY, .server_host = "127.0.0.1", .faults = &fs, .drain_ms = 3000 };
	struct capture_stats st;
	struct capture *cap;
	char err[256], buf[16], pcap[300];
	uint16_t sport, cport;
	int fds = fd_count(), lfd = cs_listen(&sport), c, s;
	long long t0, got_data, got_fin;

	ck_assert_int_eq(fault_parse("slow-close:500ms@server", &fs, err, sizeof err), 0);
	snprintf(pcap, sizeof pcap, "%s/slow-close.pcap", tmp);
	co.server_port = sport;
	co.pcap_path = pcap;
	cap = capture_begin(&co, err, sizeof err);
	ck_assert_msg(cap != NULL, "%s", err);
	c = cs_client_socket(&cport);
	ck_assert_int_eq(cs_connect(c, "127.0.0.1", capture_connect_port(cap)), 0);
	s = cs_accept(lfd, 5000);
	ck_assert_int_ge(s, 0);
	t0 = now_ms();
	ck_assert_int_eq(cs_write_all(s, "bye", 3), 0);
	close(s); /* FIN right after the bytes */
	ck_assert_int_eq(cs_read_all(c, buf, 3, 5000), 3);
	got_data = now_ms() - t0;
	ck_assert_int_eq(shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(cs_read_all(c, buf, sizeof buf, 5000), 0);
	got_fin = now_ms() - t0;
	ck_assert_int_lt(got_data, 400);
	ck_assert_int_ge(got_fin, 500);
	close(c);
	ck_assert_msg(capture_end(cap, &st, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(strstr(st.ended, "client FIN, server FIN"), "%s", st.ended);
	close(lfd);
	ck_assert_int_eq(fd_count(), fds);
	fprintf(stderr, "slow-close:500ms@server: data after %lld ms, FIN after %lld ms\n", got_data, got_fin);
}
END_TEST

static Suite *fault_relay_suite(void)
{
	Suite *s = suite_create("fault_relay");
	TCase *t = tcase_create("real");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, reset_after_client_hello);
	tcase_add_test(t, close_after_server_hello);
	tcase_add_test(t, stall_after_certificate_times_the_client_out);
	tcase_add_test(t, drop_after_bytes_keeps_the_connection_open);
	tcase_add_test(t, a_server_alert_is_not_a_reset);
	tcase_add_test(t, sslv3_hello_reset_and_tls10_passes);
	tcase_add_test(t, one_byte_segments);
	tcase_add_test(t, latency_delays_each_flight);
	tcase_add_test(t, bandwidth_paces_the_server);
	tcase_add_test(t, latency_past_the_client_timeout);
	tcase_add_test(t, slow_close_delays_the_fin);
	tcase_add_test(t, faults_without_a_capture);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fault_relay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
