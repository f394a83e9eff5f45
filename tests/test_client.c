/*
 * test_client.c - the wolfSSL client against real `openssl s_server` processes
 * on 127.0.0.1.  Certificates are made with `openssl req`/`openssl x509` in a
 * mkdtemp() directory (0700, keys 0600) removed at the end.
 *
 * The servers are started once with servers/proc.h, in the unchecked fixture
 * (the parent process), so a failing test (a forked child) cannot orphan them;
 * each has a free port and is waited for by proc_wait_port() (connect
 * polling).  The one-shot openssl commands run through tf_run() (tests/support/tls_fixture.c).
 */
#include "harness/client/client.h"
#include "harness/client/device.h"
#include "harness/servers/proc.h"
#include "tests/support/testutil.h"
#include "tests/support/tls_fixture.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { SRV_TLS12, SRV_TLS13, SRV_MTLS, SRV_SNI, SRV_RSA1024, SRV_SHA1, SRV_DH1024, SRV_MTLS13, SRV_COUNT };

static struct {
	struct proc proc;
	uint16_t port;
} srv[SRV_COUNT];
static struct client_caps caps;

/* A one-connection server in a child: reads the ClientHello, writes reply (len bytes), closes. */
static pid_t reply_server(uint16_t *port, const char *reply, size_t len)
{
	int lfd = tf_silent_listener(port);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		char buf[512];
		int afd = accept(lfd, NULL, NULL);
		if (afd >= 0 && read(afd, buf, sizeof buf) > 0 && (len == 0 || write(afd, reply, len) == (ssize_t)len))
			close(afd);
		_exit(0);
	}
	close(lfd);
	return child;
}

static void setup(void)
{
	tf_make_certs();

	const char *tls12[] = { "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", NULL };
	const char *tls13[] = { "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", NULL };
	const char *mtls[] = { "-tls1_2", "-Verify", "1", "-CAfile", "ca.pem", NULL };
	tf_server_start(&srv[SRV_TLS12].proc, &srv[SRV_TLS12].port, tls12);
	tf_server_start(&srv[SRV_TLS13].proc, &srv[SRV_TLS13].port, tls13);
	tf_server_start(&srv[SRV_MTLS].proc, &srv[SRV_MTLS].port, mtls);
	const char *mtls13[] = { "-tls1_3", "-Verify", "1", "-CAfile", "ca.pem", NULL };
	tf_server_start(&srv[SRV_MTLS13].proc, &srv[SRV_MTLS13].port, mtls13);
	/* SNI other than "localhost" gets a fatal unrecognized_name (s_server's -servername_fatal). */
	const char *sni[] = { "-tls1_2", "-servername", "localhost", "-servername_fatal", "-cert2", "srv.pem",
			      "-key2", "srv.key", NULL };
	tf_server_start(&srv[SRV_SNI].proc, &srv[SRV_SNI].port, sni);
	/* Security level 0: OpenSSL 3 would refuse to use these itself. */
	const char *rsa1024[] = { "-cert", "weak.pem", "-key", "weak.key", "-tls1_2", "-cipher",
				  "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", NULL };
	const char *sha1[] = { "-cert", "sha1.pem", "-key", "srv.key", "-tls1_2", "-cipher",
			       "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", NULL };
	const char *dh1024[] = { "-tls1_2", "-dhparam", "dh1024.pem", "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
				 NULL };
	tf_server_start(&srv[SRV_RSA1024].proc, &srv[SRV_RSA1024].port, rsa1024);
	tf_server_start(&srv[SRV_SHA1].proc, &srv[SRV_SHA1].port, sha1);
	tf_server_start(&srv[SRV_DH1024].proc, &srv[SRV_DH1024].port, dh1024);
	client_caps_get(&caps);
}

static void teardown(void)
{
	for (int i = 0; i < SRV_COUNT; i++)
		proc_stop(&srv[i].proc, 2000);
	tf_cleanup();
}

/* A case against server i with the test CA (PEM) and the name "localhost". */
static void case_for(struct client_case *cc, int i)
{
	client_case_init(cc);
	cc->host = "127.0.0.1";
	cc->port = srv[i].port;
	cc->ca_path = tf_path(2, "ca.pem");
	cc->ca_format = CA_PEM;
	cc->check_name = "localhost";
	cc->timeout_ms = (int)tu_bound_ms(5000);
}

static void run_case(const struct client_case *cc, struct client_result *r)
{
	char err[256] = "";
	ck_assert_msg(client_run(cc, r, err, sizeof err) == 0, "client_run: %s", err);
}

/* The case failed with wolfSSL error code (and its name). */
static void assert_failed(const struct client_result *r, int code, const char *name)
{
	ck_assert_msg(!r->connected, "connected, expected %s", name);
	ck_assert_int_eq(r->error, code);
	ck_assert_str_eq(r->error_name, name);
}

START_TEST(tls12_connects)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.method = METHOD_TLS12;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_str_eq(r.version, "TLSv1.2");
	ck_assert_str_eq(r.suite, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	ck_assert_uint_eq(r.suite_id, 0xC02F);
	ck_assert_int_eq(r.chain_len, 1);
	ck_assert_int_eq(r.error, 0);
	ck_assert_str_eq(r.stage, "done");
	ck_assert_int_eq(r.verify_error, 0);
	ck_assert_ptr_nonnull(strstr(r.trace, "> client_hello < server_hello certificate server_key_exchange server_hello_done"));
}
END_TEST

START_TEST(tls13_connects)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS13);
	cc.method = METHOD_TLS13;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_str_eq(r.version, "TLSv1.3");
	ck_assert_str_eq(r.suite, "TLS_AES_128_GCM_SHA256");
	ck_assert_uint_eq(r.suite_id, 0x1301);
	ck_assert_int_eq(r.chain_len, 1);
}
END_TEST

START_TEST(der_ca_connects)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.ca_path = tf_path(2, "ca.der");
	cc.ca_format = CA_DER;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_str_eq(r.version, "TLSv1.2");
}
END_TEST

START_TEST(method_mismatch_gets_alert_70)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.method = METHOD_TLS11;
	run_case(&cc, &r);
	ck_assert(!r.skipped);
	ck_assert_int_eq(r.alert_received, 70);
	assert_failed(&r, -313, "FATAL_ERROR");
	ck_assert_str_eq(r.stage, "client_hello");
	ck_assert_ptr_nonnull(strstr(r.trace, "> client_hello < alert(70)"));
}
END_TEST

START_TEST(cipher_mismatch_gets_alert_40)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.method = METHOD_TLS12;
	cc.ciphers = "ECDHE-RSA-AES256-SHA:ECDHE-RSA-CHACHA20-POLY1305";
	run_case(&cc, &r);
	ck_assert_int_eq(r.alert_received, 40);
	assert_failed(&r, -313, "FATAL_ERROR");
	ck_assert_ptr_nonnull(strstr(r.detail, "received alert 40 after ClientHello"));
}
END_TEST

START_TEST(wrong_ca_is_no_signer)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.ca_path = tf_path(2, "other.pem");
	run_case(&cc, &r);
	assert_failed(&r, -188, "ASN_NO_SIGNER_E");
	ck_assert_int_eq(r.verify_error, -188);
	ck_assert_str_eq(r.stage, "certificate");
	ck_assert_int_ge(r.alert_sent, 0);
}
END_TEST

START_TEST(no_ca_without_verify_connects_and_tells)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.ca_format = CA_NONE;
	cc.verify = false;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.verify_error, -188);
	ck_assert_str_eq(r.verify_error_name, "ASN_NO_SIGNER_E");
}
END_TEST

START_TEST(pem_ca_to_der_loader_fails_to_load)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.ca_format = CA_PEM_AS_DER;
	run_case(&cc, &r);
	ck_assert_str_eq(r.stage, "load_ca");
	assert_failed(&r, -140, "ASN_PARSE_E");
	ck_assert_str_eq(r.trace, "");
}
END_TEST

START_TEST(der_ca_to_pem_loader_fails_to_load)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.ca_path = tf_path(2, "ca.der");
	cc.ca_format = CA_DER_AS_PEM;
	run_case(&cc, &r);
	ck_assert_str_eq(r.stage, "load_ca");
	assert_failed(&r, -162, "ASN_NO_PEM_HEADER");
}
END_TEST

START_TEST(wrong_hostname_is_domain_mismatch)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.check_name = "wrong.example";
	run_case(&cc, &r);
	assert_failed(&r, -322, "DOMAIN_NAME_MISMATCH");
}
END_TEST

START_TEST(ip_address_matches_ip_san)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.check_name = "127.0.0.1";
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	cc.check_name = "127.0.0.2";
	run_case(&cc, &r);
	ck_assert_int_eq(r.error, -322);
}
END_TEST

START_TEST(unset_clock_is_before_date)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.clock = 946684800; /* 2000-01-01T00:00:00Z: an RTC never set */
	run_case(&cc, &r);
	if (!caps.time_override) {
		ck_assert(r.skipped);
		ck_assert_ptr_nonnull(strstr(r.skip_reason, "make wolfssl-full"));
		return;
	}
	assert_failed(&r, -150, "ASN_BEFORE_DATE_E");
	ck_assert_str_eq(r.stage, "certificate");
	/* The clock is the case's only: the next case uses real time again. */
	cc.clock = 0;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
}
END_TEST

START_TEST(client_certificate_required)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_MTLS);
	run_case(&cc, &r);
	ck_assert(!r.connected);
	ck_assert_int_eq(r.alert_received, 40);
	ck_assert_int_eq(r.error, -313);
	ck_assert_ptr_nonnull(strstr(r.trace, "certificate_request"));
	cc.cert_path = tf_path(3, "cli.pem");
	cc.key_path = tf_path(4, "cli.key");
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_str_eq(r.version, "TLSv1.2");
}
END_TEST

/* INTERFACES.md item 3: what comes after the handshake. */
START_TEST(tls13_certificate_required_after_the_handshake)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_MTLS13);
	cc.method = METHOD_TLS13;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail); /* the client's Finished ends its handshake */
	ck_assert(r.request_sent);
	ck_assert_int_eq(r.post_alert, 116); /* certificate_required, read with the answer */
	ck_assert_str_eq(r.stage, "after_handshake");
	ck_assert_ptr_nonnull(strstr(r.post_detail, "fatal alert 116 after the handshake"));
	cc.request = "none";
	run_case(&cc, &r);
	ck_assert(r.connected);
	ck_assert(!r.request_sent);
	ck_assert_int_eq(r.post_alert, -1);
	cc.request = "wait:3000"; /* send nothing: the alert comes by itself */
	run_case(&cc, &r);
	ck_assert(!r.request_sent);
	ck_assert_int_eq(r.post_alert, 116);
	cc.request = NULL;
	cc.cert_path = tf_path(3, "cli.pem");
	cc.key_path = tf_path(4, "cli.key");
	run_case(&cc, &r);
	ck_assert_int_eq(r.post_alert, -1);
	ck_assert_msg(strncmp(r.response_line, "HTTP/1.0 200", 12) == 0, "%s", r.response_line);
	ck_assert_int_gt(r.response_bytes, 100);
	/* Raw bytes with escapes: not HTTP, s_server -www answers nothing useful but stays TLS. */
	cc.request = "HEAD / HTTP/1.0\\r\\n\\r\\n";
	run_case(&cc, &r);
	ck_assert(r.request_sent);
	ck_assert_int_eq(r.post_alert, -1);
}
END_TEST

START_TEST(sni_is_sent_as_asked)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_SNI);
	cc.sni = SNI_OTHER;
	cc.sni_name = "other.example";
	run_case(&cc, &r);
	ck_assert(!r.connected);
	ck_assert_int_eq(r.alert_received, 112);
	ck_assert_int_eq(r.error, -313);
	case_for(&cc, SRV_SNI); /* SNI_HOST: sends check_name */
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	cc.check_name = "wrong.example";
	run_case(&cc, &r);
	ck_assert_int_eq(r.alert_received, 112);
	cc.check_name = "127.0.0.1"; /* an IP literal is never sent as SNI */
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	case_for(&cc, SRV_SNI);
	cc.sni = SNI_OFF;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
}
END_TEST

static int count_prefix(const char *file, const char *prefix)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(file, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(f);
	return n;
}

START_TEST(keylog_has_client_random)
{
	struct client_case cc;
	struct client_result r;
	struct stat st;
	case_for(&cc, SRV_TLS12);
	cc.keylog_path = tf_path(5, "keys.log");
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.keylog_lines, 1);
	ck_assert_int_eq(count_prefix(cc.keylog_path, "CLIENT_RANDOM "), 1);
	ck_assert_int_eq(stat(cc.keylog_path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(keylog_tls13_secrets)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS13);
	cc.keylog_path = tf_path(5, "keys13.log");
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	if (caps.keylog_tls13) {
		ck_assert_int_ge(r.keylog_lines, 4);
		ck_assert_int_eq(count_prefix(cc.keylog_path, "CLIENT_HANDSHAKE_TRAFFIC_SECRET "), 1);
		ck_assert_int_eq(count_prefix(cc.keylog_path, "SERVER_TRAFFIC_SECRET_0 "), 1);
	} else {
		ck_assert_int_eq(r.keylog_lines, 0);
		ck_assert_ptr_nonnull(strstr(r.note, "make wolfssl-full"));
	}
}
END_TEST

START_TEST(silent_server_times_out_after_client_hello)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port;
	int lfd = tf_silent_listener(&port);
	case_for(&cc, SRV_TLS12);
	cc.port = port;
	/* The timeout is what is tested: it and the bounds that check it scale together. */
	cc.timeout_ms = (int)tu_bound_ms(300);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_case(&cc, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	close(lfd);
	ck_assert(!r.connected);
	ck_assert(r.timed_out);
	ck_assert_str_eq(r.stage, "client_hello");
	ck_assert_ptr_nonnull(strstr(r.detail, "timed out after ClientHello"));
	ck_assert_int_eq(r.error, -308);
	/* Gave up near its own timeout, not at the socket's or never. */
	ck_assert_int_lt(ms, tu_bound_ms(2000));
	ck_assert_int_ge(ms, tu_bound_ms(250));
}
END_TEST

/*
 * The client binds bind_port itself when it is given no socket.  That port
 * is held by a socket of ours (tf_bound_socket, no SO_REUSEADDR) for the
 * whole run, so the client's bind must fail on exactly that port, naming
 * it, and nothing reaches the listener: no port is found free and bound
 * later, which a parallel suite could take in between.
 */
START_TEST(bind_port_is_honoured)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port, held;
	char err[256] = "", want[64];
	int lfd = tf_silent_listener(&port);
	int hfd = tf_bound_socket(&held);
	case_for(&cc, SRV_TLS12);
	cc.port = port;
	cc.timeout_ms = (int)tu_bound_ms(200);
	cc.bind_port = held;
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), -1);
	snprintf(want, sizeof want, "bind to local port %u: %s", held, strerror(EADDRINUSE));
	ck_assert_msg(strstr(err, want), "%s", err);
	ck_assert(!r.connected);
	ck_assert_int_eq(fcntl(lfd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(accept(lfd, NULL, NULL), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(hfd);
	close(lfd);
}
END_TEST

/*
 * A socket handed over (sock_fd, as the runner does: case_client_socket) is
 * the one that connects: the server sees its port.  It was bound before the
 * run and held since, so the port cannot have been taken by anyone else.
 */
START_TEST(handed_socket_is_the_connection)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port, local;
	int lfd = tf_silent_listener(&port);
	int fd = tf_bound_socket(&local);
	case_for(&cc, SRV_TLS12);
	cc.port = port;
	cc.timeout_ms = (int)tu_bound_ms(200);
	cc.sock_fd = fd;
	cc.bind_port = local;
	run_case(&cc, &r);
	/* The client closed it (client.h); checked before accept() takes the lowest free number. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	int afd = accept(lfd, (struct sockaddr *)&peer, &len);
	ck_assert_int_ge(afd, 0);
	ck_assert_uint_eq(ntohs(peer.sin_port), local);
	close(afd);
	close(lfd);
	ck_assert(r.timed_out);
}
END_TEST

START_TEST(server_dropping_the_hello_is_peer_closed)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port;
	/* Reads the ClientHello and closes, as the Azure front end did to the CC3200. */
	pid_t child = reply_server(&port, NULL, 0);
	case_for(&cc, SRV_TLS12);
	cc.port = port;
	run_case(&cc, &r);
	waitpid(child, NULL, 0);
	ck_assert(r.peer_closed);
	ck_assert(!r.timed_out);
	assert_failed(&r, -308, "SOCKET_ERROR_E");
	ck_assert_ptr_nonnull(strstr(r.detail, "the server closed the connection after ClientHello"));
	ck_assert_str_eq(r.stage, "client_hello");
}
END_TEST

START_TEST(refused_connect_is_an_outcome)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port;
	/*
	 * A port bound by us and never listened on, held through the run: the
	 * connect is refused (RST) and no other process can bind it meanwhile
	 * (tf_bound_socket).  A port merely found free could be a parallel
	 * suite's listener by the time the client connects.
	 */
	int hfd = tf_bound_socket(&port);
	case_for(&cc, SRV_TLS12);
	cc.port = port;
	run_case(&cc, &r);
	close(hfd);
	ck_assert(!r.connected);
	ck_assert_str_eq(r.stage, "connect");
	ck_assert_ptr_nonnull(strstr(r.detail, "Connection refused"));
}
END_TEST

START_TEST(old_methods_need_the_full_build)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.method = METHOD_SSLV3;
	run_case(&cc, &r);
	if (!caps.sslv3) {
		ck_assert(r.skipped);
		ck_assert_ptr_nonnull(strstr(r.skip_reason, "run `make wolfssl-full`"));
		ck_assert(!r.connected);
	} else {
		/* OpenSSL 3.0 has no SSLv3: the server refuses the hello. */
		ck_assert(!r.skipped);
		ck_assert(!r.connected);
		ck_assert_ptr_nonnull(strstr(r.trace, "> client_hello"));
	}
	case_for(&cc, SRV_TLS12);
	cc.method = METHOD_TLS12;
	cc.ciphers = "AES128-SHA";
	run_case(&cc, &r);
	if (!caps.static_rsa) {
		ck_assert(r.skipped);
		ck_assert_ptr_nonnull(strstr(r.skip_reason, "AES128-SHA"));
	} else {
		ck_assert(!r.skipped);
		ck_assert_int_eq(r.alert_received, 40);
	}
}
END_TEST

START_TEST(bad_input_is_an_error)
{
	struct client_case cc;
	struct client_result r;
	char err[256] = "";
	case_for(&cc, SRV_TLS12);
	cc.host = "localhost"; /* names are not resolved */
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "numeric"));
	case_for(&cc, SRV_TLS12);
	cc.ca_path = tf_path(2, "missing.pem");
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing.pem"));
	case_for(&cc, SRV_TLS12);
	cc.groups = "P-999";
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "P-999"));
	case_for(&cc, SRV_TLS12);
	cc.max_fragment = 1000;
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), -1);
}
END_TEST

START_TEST(max_fragment_and_groups_connect)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS13);
	cc.max_fragment = 1024;
	cc.groups = "X25519:P-256";
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_str_eq(r.version, "TLSv1.3");
}
END_TEST

/* wolfSSL's own numbers (wolfssl/error-ssl.h, wolfcrypt/error-crypt.h 5.5.4). */
enum { RSA_KEY_SIZE = -409, DH_KEY_SIZE = -401, VERIFY_CERT = -329, ASN_SIG_HASH = -156, LENGTH = -341 };

/* A strictness refusal: the exact wolfSSL error, the alert the client sent, the stage reached. */
static void assert_refused(const struct client_result *r, int error, const char *name, int alert, const char *stage)
{
	assert_failed(r, error, name);
	ck_assert_int_eq(r->alert_sent, alert);
	ck_assert_str_eq(r->stage, stage);
}

START_TEST(weak_rsa_key_passes_by_default)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_RSA1024);
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail); /* wolfSSL's default minimum is 1024 bits */
}
END_TEST

START_TEST(min_rsa_bits_refuses_rsa1024)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_RSA1024);
	cc.min_rsa_bits = 2048;
	run_case(&cc, &r);
	assert_refused(&r, RSA_KEY_SIZE, "RSA_KEY_SIZE_E", 42 /* bad_certificate */, "certificate");
	ck_assert_ptr_nonnull(strstr(r.detail, "under the device's 2048 bits"));
}
END_TEST

START_TEST(min_dh_bits_refuses_dh1024)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_DH1024);
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail); /* wolfSSL's default minimum is 1024 bits */
	ck_assert_str_eq(r.suite, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	case_for(&cc, SRV_DH1024);
	cc.min_dh_bits = 2048;
	run_case(&cc, &r);
	assert_refused(&r, DH_KEY_SIZE, "DH_KEY_SIZE_E", 40 /* handshake_failure */, "server_key_exchange");
	ck_assert_ptr_nonnull(strstr(r.detail, "under the device's 2048 bits"));
}
END_TEST

START_TEST(reject_sha1_refuses_sha1_leaf)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_SHA1);
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail); /* wolfSSL accepts SHA-1 */
	ck_assert_int_eq(r.verify_error, 0);
	case_for(&cc, SRV_SHA1);
	cc.reject_sha1 = true;
	run_case(&cc, &r);
	assert_refused(&r, VERIFY_CERT, "VERIFY_CERT_ERROR", 42 /* bad_certificate */, "certificate");
	ck_assert_int_eq(r.verify_error, ASN_SIG_HASH);
	ck_assert_str_eq(r.verify_error_name, "ASN_SIG_HASH_E");
	ck_assert_ptr_nonnull(strstr(r.detail, "depth 0 is signed with SHA-1"));
	/* Verification off: connects and tells. */
	cc.verify = false;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.verify_error, ASN_SIG_HASH);
	/* A SHA-256 chain passes; so does the self-signed (SHA-256) CA's own signature. */
	case_for(&cc, SRV_TLS12);
	cc.reject_sha1 = true;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.verify_error, 0);
}
END_TEST

START_TEST(rx_record_limit_overflows_on_certificate)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.method = METHOD_TLS12;
	cc.rx_record_limit = 512;
	run_case(&cc, &r);
	assert_refused(&r, LENGTH, "LENGTH_ERROR", 22 /* record_overflow */, "server_hello");
	ck_assert_int_eq(r.alert_received, -1);
	/* The Certificate record: one RSA 2048 certificate, more than 512 bytes and less than 2 KB. */
	ck_assert_msg(r.oversized_record > 512 && r.oversized_record < 2048, "%d", r.oversized_record);
	char want[96];
	snprintf(want, sizeof want, "record of %d bytes exceeds the device's 512-byte buffer", r.oversized_record);
	ck_assert_msg(strstr(r.detail, want) != NULL, "%s", r.detail);
	ck_assert_ptr_nonnull(strstr(r.detail, "sent alert 22 record_overflow: LENGTH_ERROR -341"));
	snprintf(want, sizeof want, "< server_hello oversized(%d) > alert(22)", r.oversized_record);
	ck_assert_msg(strstr(r.trace, want) != NULL, "%s", r.trace);
	/* A limit the records fit in connects. */
	cc.rx_record_limit = 4096;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.oversized_record, 0);
}
END_TEST

START_TEST(rx_record_limit_with_max_fragment_connects)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, SRV_TLS12);
	cc.method = METHOD_TLS12;
	cc.rx_record_limit = 512 + 256; /* 512 bytes of plaintext plus the AEAD's overhead */
	cc.max_fragment = 512;
	run_case(&cc, &r);
	if (!caps.max_fragment) {
		ck_assert(r.skipped);
		return;
	}
	ck_assert_msg(r.connected, "%s", r.detail);
}
END_TEST

START_TEST(http_answer_is_not_tls)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port;
	static const char http[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
	pid_t child = reply_server(&port, http, sizeof http - 1);
	case_for(&cc, SRV_TLS12);
	cc.port = port;
	run_case(&cc, &r);
	waitpid(child, NULL, 0);
	ck_assert_ptr_nonnull(strstr(r.trace, "> client_hello < non-tls"));
	/* "HTTP/1.0 ..." read as a record header: length "P/" = 20527 > 2^14 + 2048. */
	assert_failed(&r, -341, "LENGTH_ERROR");
}
END_TEST

START_TEST(truncated_server_hello_is_peer_closed)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port;
	/* A handshake record announcing 100 bytes, a ServerHello header, then the end. */
	static const char cut[] = { 0x16, 0x03, 0x03, 0x00, 0x64, 0x02, 0x00, 0x00, 0x60, 0x03, 0x03 };
	pid_t child = reply_server(&port, cut, sizeof cut);
	case_for(&cc, SRV_TLS12);
	cc.port = port;
	run_case(&cc, &r);
	waitpid(child, NULL, 0);
	ck_assert(!r.connected);
	ck_assert(r.peer_closed);
	ck_assert_msg(strncmp(r.trace, "> client_hello < server_hello", 29) == 0, "%s | %s", r.trace, r.detail);
	ck_assert_str_eq(r.stage, "server_hello");
	ck_assert_int_eq(r.error, -308);
}
END_TEST

/* The founding reports, reproduced against a forward-secret GCM-only server. */
START_TEST(seed_esp8266_axtls_gets_ssl_error_40)
{
	struct client_case cc;
	struct client_result r;
	struct device_verdict v;
	const struct device_profile *p = device_find("esp8266-axtls");
	case_for(&cc, SRV_TLS12);
	cc.ca_path = tf_path(2, "ca.der"); /* setCACert() takes DER */
	device_apply(p, &cc);
	cc.sni = SNI_OTHER;
	cc.sni_name = "127.0.0.1"; /* axTLS sends the IP literal it was given */
	run_case(&cc, &r);
	device_terms(p, &r, &v);
	if (!caps.static_rsa) {
		ck_assert(r.skipped);
		ck_assert(!v.ok);
		return;
	}
	ck_assert_msg(r.alert_received == 40, "%s | %s | %s", r.detail, r.trace, r.note);
	ck_assert_str_eq(v.text, "Error: SSL error 40");
	ck_assert_str_eq(v.debug_text, "Alert: handshake failure");
	/* The browser offers ECDHE-GCM and gets in. */
	p = device_find("browser");
	case_for(&cc, SRV_TLS12);
	device_apply(p, &cc);
	run_case(&cc, &r);
	device_terms(p, &r, &v);
	ck_assert_msg(v.ok, "%s / %s", v.text, r.detail);
	ck_assert_str_eq(v.text, "connected: TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
}
END_TEST

START_TEST(seed_cc3200_pem_ca_is_oserror_456)
{
	struct client_case cc;
	struct client_result r;
	struct device_verdict v;
	const struct device_profile *p = device_find("cc3200");
	case_for(&cc, SRV_TLS12);
	device_apply(p, &cc); /* the PEM ca.pem goes to the DER loader */
	run_case(&cc, &r);
	device_terms(p, &r, &v);
	ck_assert_msg(!r.skipped, "%s", r.skip_reason);
	ck_assert_str_eq(r.stage, "load_ca");
	ck_assert_str_eq(v.text, "OSError: 456");
	ck_assert_str_eq(v.code_name, "SL_ESECBADCAFILE");
}
END_TEST

/* Each profile against the ECDHE-RSA-AES128-GCM-only TLS 1.2 server (both CA files work: DER and auto). */
START_TEST(profiles_against_gcm_only_server)
{
	static const struct {
		const char *profile;
		const char *text; /* with the full build */
	} rows[] = {
		{ "cc3200", "OSError: 213" }, /* no GCM in SimpleLink's masks: alert 40 */
		{ "esp8266-axtls", "Error: SSL error 40" },
		{ "esp8266-bearssl", "connected" },
		{ "esp32-mbedtls", "connected" },
		{ "browser", "connected: TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct client_case cc;
		struct client_result r;
		struct device_verdict v;
		const struct device_profile *p = device_find(rows[i].profile);
		case_for(&cc, SRV_TLS12);
		cc.ca_path = tf_path(2, "ca.der");
		device_apply(p, &cc);
		run_case(&cc, &r);
		device_terms(p, &r, &v);
		if (r.skipped) {
			/* Only the static-RSA/RC4 suites of a Debian wolfSSL may be missing. */
			ck_assert_msg(!caps.full_build, "%s skipped on the full build: %s", p->name, r.skip_reason);
			ck_assert_msg(strstr(r.skip_reason, "run `make wolfssl-full`"), "%s: %s", p->name, r.skip_reason);
			ck_assert(!v.ok);
			continue;
		}
		ck_assert_msg(strcmp(v.text, rows[i].text) == 0, "%s: %s (%s)", p->name, v.text, r.detail);
	}
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("openssl_s_server");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tls12_connects);
	tcase_add_test(tc, tls13_connects);
	tcase_add_test(tc, der_ca_connects);
	tcase_add_test(tc, method_mismatch_gets_alert_70);
	tcase_add_test(tc, cipher_mismatch_gets_alert_40);
	tcase_add_test(tc, wrong_ca_is_no_signer);
	tcase_add_test(tc, no_ca_without_verify_connects_and_tells);
	tcase_add_test(tc, pem_ca_to_der_loader_fails_to_load);
	tcase_add_test(tc, der_ca_to_pem_loader_fails_to_load);
	tcase_add_test(tc, wrong_hostname_is_domain_mismatch);
	tcase_add_test(tc, ip_address_matches_ip_san);
	tcase_add_test(tc, unset_clock_is_before_date);
	tcase_add_test(tc, client_certificate_required);
	tcase_add_test(tc, sni_is_sent_as_asked);
	tcase_add_test(tc, tls13_certificate_required_after_the_handshake);
	tcase_add_test(tc, keylog_has_client_random);
	tcase_add_test(tc, keylog_tls13_secrets);
	tcase_add_test(tc, silent_server_times_out_after_client_hello);
	tcase_add_test(tc, bind_port_is_honoured);
	tcase_add_test(tc, handed_socket_is_the_connection);
	tcase_add_test(tc, server_dropping_the_hello_is_peer_closed);
	tcase_add_test(tc, refused_connect_is_an_outcome);
	tcase_add_test(tc, old_methods_need_the_full_build);
	tcase_add_test(tc, bad_input_is_an_error);
	tcase_add_test(tc, max_fragment_and_groups_connect);
	tcase_add_test(tc, http_answer_is_not_tls);
	tcase_add_test(tc, weak_rsa_key_passes_by_default);
	tcase_add_test(tc, min_rsa_bits_refuses_rsa1024);
	tcase_add_test(tc, min_dh_bits_refuses_dh1024);
	tcase_add_test(tc, reject_sha1_refuses_sha1_leaf);
	tcase_add_test(tc, rx_record_limit_overflows_on_certificate);
	tcase_add_test(tc, rx_record_limit_with_max_fragment_connects);
	tcase_add_test(tc, truncated_server_hello_is_peer_closed);
	tcase_add_test(tc, seed_esp8266_axtls_gets_ssl_error_40);
	tcase_add_test(tc, seed_cc3200_pem_ca_is_oserror_456);
	tcase_add_test(tc, profiles_against_gcm_only_server);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(client_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
