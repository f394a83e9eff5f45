/*
 * test_front.c - network faults in front of a served profile
 * (capture/front.c, 'tlsdiag serve PROFILE --network'): every connection
 * gets its own relay with the faults, a connection that stays open does not
 * hold up the next, each one is logged with what its fault did, and stopping
 * leaves no descriptor; the command end to end as a real process in front
 * of a real s_server profile.
 */
#include "harness/capture/fault.h"
#include "harness/capture/front.h"
#include "harness/client/client.h"
#include "tests/support/capture_support.h"

#include <check.h>
#include <dirent.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOCKET_ERROR_E (-308)

static char tmp[256], tlsdiag_bin[512];
static const char *const www[] = { "-www", NULL };

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

static void setup(void)
{
	static const char *const certs[] = { "selfsigned", NULL };

	ck_assert_int_eq(cs_tmpdir(tmp, sizeof tmp), 0);
	ck_assert_msg(cs_have("openssl"), "openssl is not installed: this test cannot run its real part");
	ck_assert_int_eq(cs_certs(tmp, certs), 0);
}

static void teardown(void)
{
	cs_rmtree(tmp);
}

static void handshake(uint16_t port, struct client_result *res)
{
	struct client_case cc;
	char err[256];

	client_case_init(&cc);
	cc.host = "127.0.0.1";
	cc.port = port;
	cc.method = METHOD_TLS12;
	cc.verify = false;
	cc.timeout_ms = 5000;
	ck_assert_msg(client_run(&cc, res, err, sizeof err) == 0, "%s", err);
}

static struct front *start_front(const char *spec, uint16_t server_port, struct fault_set *fs, FILE *log)
{
	struct front_opts o = { .server_host = "127.0.0.1", .server_port = server_port, .faults = fs, .log = log };
	char err[256];
	struct front *f;

	ck_assert_msg(fault_parse(spec, fs, err, sizeof err) == 0, "%s", err);
	f = front_start(&o, err, sizeof err);
	ck_assert_msg(f != NULL, "front_start: %s", err);
	return f;
}

START_TEST(each_connection_gets_the_faults)
{
	struct cs_server srv;
	struct fault_set fs;
	struct client_result res;
	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *log;
	struct front *f;
	int fds;

	ck_assert_int_eq(cs_s_server(&srv, tmp, "selfsigned", NULL, www), 0);
	fds = fd_count();
	log = open_memstream(&logbuf, &loglen);
	f = start_front("reset-after:client_hello", srv.port, &fs, log);
	for (int i = 0; i < 2; i++) {
		handshake(front_port(f), &res);
		ck_assert_int_eq(res.error, SOCKET_ERROR_E);
		ck_assert(res.peer_closed);
	}
	ck_assert_uint_eq(front_stop(f), 2);
	fclose(log);
	ck_assert_int_eq(fd_count(), fds);
	ck_assert_msg(strstr(logbuf, "connection 1 from 127.0.0.1:") && strstr(logbuf, "connection 2 from 127.0.0.1:"),
		      "%s", logbuf);
	ck_assert_msg(strstr(logbuf, ": reset-after:client_hello fired at byte "), "%s", logbuf);
	ck_assert_msg(strstr(logbuf, "of the client's data; ended by a network fault\n"), "%s", logbuf);
	free(logbuf);
	cs_s_server_stop(&srv);
}
END_TEST

/* Plain sockets behind the front: a connection that says nothing does not hold up the next one. */
START_TEST(an_open_connection_does_not_hold_up_the_next)
{
	struct fault_set fs;
	struct front *f;
	struct pollfd pfd[2];
	uint16_t sport, cport;
	char buf[16];
	int fds = fd_count(), lfd = cs_listen(&sport), idle, talk, s[2];

	f = start_front("latency:20ms", sport, &fs, NULL);
	idle = cs_client_socket(&cport);
	ck_assert_int_eq(cs_connect(idle, "127.0.0.1", front_port(f)), 0);
	talk = cs_client_socket(&cport);
	ck_assert_int_eq(cs_connect(talk, "127.0.0.1", front_port(f)), 0);
	ck_assert_int_eq(cs_write_all(talk, "hello", 5), 0);
	/* Both reach the server, each through its own relay; only one of them talks. */
	s[0] = cs_accept(lfd, 5000);
	s[1] = cs_accept(lfd, 5000);
	ck_assert(s[0] >= 0 && s[1] >= 0);
	pfd[0] = (struct pollfd){ .fd = s[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = s[1], .events = POLLIN };
	ck_assert_int_eq(poll(pfd, 2, 5000), 1);
	{
		int k = pfd[0].revents ? 0 : 1;

		ck_assert_int_eq(read(s[k], buf, sizeof buf), 5);
		ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
		ck_assert_int_eq(cs_write_all(s[k], "world", 5), 0);
		ck_assert_int_eq(shutdown(s[k], SHUT_WR), 0);
	}
	ck_assert_int_eq(shutdown(talk, SHUT_WR), 0);
	ck_assert_int_eq(cs_read_all(talk, buf, sizeof buf, 5000), 5);
	ck_assert_int_eq(memcmp(buf, "world", 5), 0);
	/* Stopping ends the open one too. */
	ck_assert_uint_eq(front_stop(f), 2);
	close(idle);
	close(talk);
	close(s[0]);
	close(s[1]);
	close(lfd);
	ck_assert_int_eq(fd_count(), fds);
}
END_TEST

START_TEST(bad_listen_port_fails_cleanly)
{
	struct fault_set fs;
	struct front_opts o = { .server_host = "127.0.0.1", .server_port = 1, .faults = &fs };
	char err[256];
	uint16_t port;
	int lfd = cs_listen(&port), fds = fd_count();

	ck_assert_int_eq(fault_parse("latency:1ms", &fs, err, sizeof err), 0);
	o.listen_port = port; /* taken */
	ck_assert_ptr_null(front_start(&o, err, sizeof err));
	ck_assert_msg(strstr(err, "cannot listen on 127.0.0.1:"), "%s", err);
	ck_assert_int_eq(fd_count(), fds);
	close(lfd);
}
END_TEST

/* 'tlsdiag serve openssl-default --network ...' as a real process; a device connects through the faults. */
START_TEST(serve_network_end_to_end)
{
	char out[16384] = "";
	char *const argv[] = { tlsdiag_bin, (char *)"serve", (char *)"openssl-default", (char *)"--network",
			       (char *)"reset-on:sslv3-hello", NULL };
	struct client_case cc;
	struct client_result res;
	char err[256];
	const char *p;
	uint16_t port;
	int ofd;
	pid_t pid;

	ck_assert_msg(access(tlsdiag_bin, X_OK) == 0, "%s is not built", tlsdiag_bin);
	pid = cs_spawn(argv, &ofd);
	ck_assert_int_gt(pid, 0);
	ck_assert_msg(cs_read_until(ofd, "Ctrl-C stops the server.", out, sizeof out, 30000) == 0, "%s", out);
	p = strstr(out, "network faults 'reset-on:sslv3-hello' on 127.0.0.1:");
	ck_assert_msg(p != NULL, "%s", out);
	port = (uint16_t)strtol(p + strlen("network faults 'reset-on:sslv3-hello' on 127.0.0.1:"), NULL, 10);
	ck_assert_uint_gt(port, 0);
	/* The CC3200's default hello is reset; TLS 1.0 forced gets through to the server. */
	client_case_init(&cc);
	cc.host = "127.0.0.1";
	cc.port = port;
	cc.method = METHOD_SSLV3_TLS12;
	cc.verify = false;
	cc.timeout_ms = 5000;
	ck_assert_int_eq(client_run(&cc, &res, err, sizeof err), 0);
	ck_assert_int_eq(res.error, SOCKET_ERROR_E);
	ck_assert_msg(cs_read_until(ofd, "ended by a network fault", out, sizeof out, 10000) == 0, "%s", out);
	ck_assert_msg(strstr(out, "connection 1 from 127.0.0.1:"), "%s", out);
	ck_assert_msg(strstr(out, "reset-on:sslv3-hello fired at byte 0 of the client's data"), "%s", out);
	cc.method = METHOD_TLS12;
	ck_assert_int_eq(client_run(&cc, &res, err, sizeof err), 0);
	ck_assert_msg(res.connected, "%s", res.detail);
	ck_assert_msg(cs_read_until(ofd, "connection 2 from", out, sizeof out, 10000) == 0, "%s", out);
	ck_assert_msg(strstr(strstr(out, "connection 2 from"), "no fault acted"), "%s", out);
	kill(pid, SIGTERM);
	cs_read_until(ofd, "stopped", out, sizeof out, 10000);
	close(ofd);
	ck_assert_int_eq(cs_wait(pid, 20000), 0);
	ck_assert_msg(strstr(out, "tlsdiag: openssl-default stopped"), "%s", out);
}
END_TEST

START_TEST(serve_network_refuses_bad_faults)
{
	char out[4096] = "";
	char *const argv[] = { tlsdiag_bin, (char *)"serve", (char *)"openssl-default", (char *)"--network",
			       (char *)"stall-after:nowhere", NULL };

	ck_assert_int_eq(cs_run(argv, "", out, sizeof out, 20000), 2);
	ck_assert_msg(strstr(out, "usage error: --network: bad network fault 'stall-after:nowhere': a point is"), "%s",
		      out);
}
END_TEST

static Suite *front_suite(void)
{
	Suite *s = suite_create("front");
	TCase *t = tcase_create("real");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 90);
	tcase_add_test(t, each_connection_gets_the_faults);
	tcase_add_test(t, an_open_connection_does_not_hold_up_the_next);
	tcase_add_test(t, bad_listen_port_fails_cleanly);
	tcase_add_test(t, serve_network_end_to_end);
	tcase_add_test(t, serve_network_refuses_bad_faults);
	suite_add_tcase(s, t);
	return s;
}

int main(int argc, char **argv)
{
	char self[512];
	SRunner *sr;
	int failed;

	(void)argc;
	snprintf(self, sizeof self, "%s", argv[0]);
	snprintf(tlsdiag_bin, sizeof tlsdiag_bin, "%s/../tlsdiag", dirname(self));
	sr = srunner_create(front_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
