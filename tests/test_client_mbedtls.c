/*
 * test_client_mbedtls.c - the mbedTLS 2.28 engine (client_mbedtls.c) against
 * real `openssl s_server` processes on 127.0.0.1, each result asserted with
 * mbedTLS's own code.  The equivalents rows for mbedTLS are checked against
 * what the engine really returned, one assertion per kind it covers.
 *
 * Built without mbedTLS (MBEDTLS=no), every case is skipped by the engine:
 * the suite then checks exactly that, and nothing else passes.
 */
#include "harness/client/client.h"
#include "harness/client/device.h"
#include "harness/core/json.h"
#include "harness/explain/explain.h"
#include "harness/servers/proc.h"
#include "tests/support/engine_check.h"
#include "tests/support/testutil.h"
#include "tests/support/tls_fixture.h"

#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct client_caps caps;

static void setup(void)
{
	ec_start();
	client_engine_caps(ENGINE_MBEDTLS, &caps);
}

static void teardown(void)
{
	ec_stop();
}

/* An ESP32-like case (esp-tls: mbedtls_x509_crt_parse, VERIFY_REQUIRED, hostname set). */
static void case_for(struct client_case *cc, int i)
{
	client_case_init(cc);
	cc->engine = ENGINE_MBEDTLS;
	cc->host = "127.0.0.1";
	cc->port = ec_port(i);
	cc->method = METHOD_TLS12;
	cc->ca_path = tf_path(2, "ca.pem");
	cc->ca_format = CA_AUTO;
	cc->check_name = "localhost";
	cc->timeout_ms = (int)tu_bound_ms(5000);
}

static void run_case(const struct client_case *cc, struct client_result *r)
{
	char err[256] = "";
	ck_assert_msg(client_run(cc, r, err, sizeof err) == 0, "client_run: %s", err);
	ck_assert_int_eq(r->engine, ENGINE_MBEDTLS);
}

#ifdef TLSDIAG_HAVE_MBEDTLS
START_TEST(connects_and_gets_the_answer)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_str_eq(r.version, "TLSv1.2");
	ck_assert_str_eq(r.suite, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	ck_assert_uint_eq(r.suite_id, 0xC02F);
	ck_assert_int_eq(r.chain_len, 1);
	ck_assert_int_eq(r.engine_err.code, 0);
	ck_assert(r.request_sent);
	ck_assert_msg(strncmp(r.response_line, "HTTP/1.0 200", 12) == 0, "%s", r.response_line);
	ck_assert_int_eq(r.post_alert, -1);
	ck_assert_ptr_nonnull(strstr(r.trace, "> client_hello < server_hello certificate server_key_exchange"));
}
END_TEST

START_TEST(unknown_ca_is_verify_failed_not_trusted)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.ca_path = tf_path(2, "other.pem");
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_uint_eq(r.engine_err.verify_flags, 0x08);
	ck_assert_int_eq(r.alert_sent, 48); /* ssl_tls.c: NOT_TRUSTED -> unknown_ca */
	ck_assert_str_eq(r.stage, "certificate");
	ck_assert_ptr_nonnull(strstr(r.detail, "mbedtls_ssl_handshake returned -0x2700"));
	ec_assert_equiv("unknown_ca", "mbedtls", -0x2700);
	ec_assert_equiv("unknown_ca", "mbedtls-verify", 0x08);
	/* What the ESP32 prints comes from this real result, not from a mapping. */
	struct device_verdict v;
	device_terms(device_find("esp32-mbedtls"), &r, &v);
	ck_assert(!v.ok);
	ck_assert_int_eq(v.code, -0x2700);
	ck_assert_str_eq(v.text, "mbedtls_ssl_handshake returned -0x2700; verify flags 0x8 (NOT_TRUSTED)");
	ck_assert_str_eq(v.code_name, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	/* The result as reports carry it. */
	struct jv *j = client_result_json(&r);
	const struct jv *e = jv_get(j, "engine_error");
	ck_assert_str_eq(jv_str(jv_get(j, "engine")), "mbedtls");
	ck_assert_int_eq(jv_intval(jv_get(e, "code")), -9984);
	ck_assert_str_eq(jv_str(jv_get(e, "name")), "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_int_eq(jv_intval(jv_get(e, "verify_flags")), 8);
	jv_free(j);
}
END_TEST

START_TEST(expired_by_the_device_clock)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.clock = time(NULL) + 90L * 86400; /* the certificates live 30 days */
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_uint_eq(r.engine_err.verify_flags, 0x01);
	ck_assert_int_eq(r.alert_sent, 45); /* certificate_expired */
	ec_assert_equiv("expired", "mbedtls", -0x2700);
	ec_assert_equiv("expired", "mbedtls-verify", 0x01);
}
END_TEST

START_TEST(not_yet_valid_by_an_unset_clock)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.clock = 946684800; /* 2000-01-01: an RTC never set */
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_uint_eq(r.engine_err.verify_flags, 0x200);
	ck_assert_int_eq(r.alert_sent, 46); /* certificate_unknown for FUTURE */
	ec_assert_equiv("not_yet_valid", "mbedtls", -0x2700);
	ec_assert_equiv("not_yet_valid", "mbedtls-verify", 0x200);
	/* The next case is back on real time. */
	case_for(&cc, EC_TLS12);
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
}
END_TEST

START_TEST(name_mismatch_and_no_ip_san_in_2_28)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.check_name = "wrong.example";
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_uint_eq(r.engine_err.verify_flags, 0x04);
	ck_assert_int_eq(r.alert_sent, 42);
	ec_assert_equiv("hostname_mismatch", "mbedtls", -0x2700);
	ec_assert_equiv("hostname_mismatch", "mbedtls-verify", 0x04);
	/* mbedTLS 2.28 matches dNSName SANs and the CN only: an IP address never matches IP:127.0.0.1. */
	cc.check_name = "127.0.0.1";
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_uint_eq(r.engine_err.verify_flags, 0x04);
}
END_TEST

START_TEST(verify_off_connects_and_tells)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.ca_path = tf_path(2, "other.pem");
	cc.verify = false;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.verify_error, -0x2700);
	ck_assert_str_eq(r.verify_error_name, "MBEDTLS_X509_BADCERT_NOT_TRUSTED");
}
END_TEST

START_TEST(no_shared_suite_gets_alert_40)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.ciphers = "TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA:TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x7780, "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
	ck_assert_int_eq(r.alert_received, 40);
	ck_assert_int_eq(r.engine_err.alert, 40);
	ck_assert_str_eq(r.stage, "client_hello");
	ec_assert_equiv("no_shared_cipher", "mbedtls", -0x7780);
}
END_TEST

START_TEST(tls13_only_server_gets_alert_70)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS13);
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x7780, "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
	ck_assert_int_eq(r.alert_received, 70);
	ec_assert_equiv("protocol_version", "mbedtls", -0x7780);
	/* And a TLS 1.3 case is skipped: mbedTLS 2.28 has no TLS 1.3 client. */
	cc.method = METHOD_TLS13;
	run_case(&cc, &r);
	ck_assert(r.skipped);
	ck_assert_ptr_nonnull(strstr(r.skip_reason, "TLS 1.3"));
}
END_TEST

START_TEST(record_larger_than_in_content_len)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.rx_record_limit = 512;
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x7200, "MBEDTLS_ERR_SSL_INVALID_RECORD");
	ck_assert_int_gt(r.oversized_record, 512);
	ck_assert_int_eq(r.alert_sent, -1); /* mbedTLS sends no alert for a bad record header */
	ck_assert_ptr_nonnull(strstr(r.trace, "oversized("));
	/* With max_fragment_length 512 the server keeps its records within it, but mbedTLS 2.28
	 * cannot reassemble a handshake message split over records (the ~900-byte Certificate):
	 * ssl_prepare_handshake_record() "handshake fragmentation not supported". */
	cc.max_fragment = 512;
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x7080, "MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE");
	ck_assert_str_eq(r.stage, "certificate");
	/* 2048 holds the whole Certificate message: connected. */
	cc.rx_record_limit = 2048;
	cc.max_fragment = 2048;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
}
END_TEST

START_TEST(ca_loaders_as_the_device_api)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.ca_format = CA_PEM_AS_DER; /* PEM to mbedtls_x509_crt_parse_der */
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x2180, "MBEDTLS_ERR_X509_INVALID_FORMAT");
	ck_assert_str_eq(r.stage, "load_ca");
	ck_assert_str_eq(r.trace, "");
	ec_assert_equiv("bad_ca_file", "mbedtls", -0x2180);
	/* DER to mbedtls_x509_crt_parse is accepted (it parses DER when there is no PEM header). */
	cc.ca_path = tf_path(2, "ca.der");
	cc.ca_format = CA_DER_AS_PEM;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	cc.ca_format = CA_DER;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
}
END_TEST

START_TEST(weak_key_and_sha1_by_the_default_profile)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_RSA1024);
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_uint_eq(r.engine_err.verify_flags, 0x10000);
	ec_assert_equiv("weak_key", "mbedtls", -0x2700);
	ec_assert_equiv("weak_key", "mbedtls-verify", 0x10000);
	case_for(&cc, EC_SHA1);
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_uint_eq(r.engine_err.verify_flags, 0x4000);
	ec_assert_equiv("weak_signature", "mbedtls-verify", 0x4000);
}
END_TEST

START_TEST(dh1024_is_at_the_dhm_minimum)
{
	struct client_case cc;
	struct client_result r;
	/* mbedTLS 2.28's dhm_min_bitlen is 1024: a 1024-bit group connects (smaller ones, which
	 * OpenSSL 3 will not serve, fail with -0x7B00); min_dh_bits is the stand-in's, not applied. */
	case_for(&cc, EC_DH1024);
	cc.min_dh_bits = 2048;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_str_eq(r.suite, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	ck_assert_ptr_nonnull(strstr(r.note, "min_dh_bits"));
}
END_TEST

START_TEST(client_certificate)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_MTLS);
	cc.cert_path = tf_path(4, "cli.pem");
	cc.key_path = tf_path(5, "cli.key");
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	cc.cert_path = cc.key_path = NULL;
	run_case(&cc, &r);
	ec_assert_failed(&r, -0x7780, "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
}
END_TEST

START_TEST(dropped_and_silent_servers)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port;
	pid_t child = ec_dropping_server(&port);
	case_for(&cc, EC_TLS12);
	cc.port = port;
	run_case(&cc, &r);
	waitpid(child, NULL, 0);
	ec_assert_failed(&r, -0x7280, "MBEDTLS_ERR_SSL_CONN_EOF");
	ck_assert(r.peer_closed);
	ec_assert_equiv("connection_dropped", "mbedtls", -0x7280);
	int lfd = tf_silent_listener(&port);
	cc.port = port;
	cc.timeout_ms = (int)tu_bound_ms(300);
	run_case(&cc, &r);
	close(lfd);
	ec_assert_failed(&r, -0x6800, "MBEDTLS_ERR_SSL_TIMEOUT");
	ck_assert(r.timed_out);
}
END_TEST

START_TEST(pre_bound_socket_is_connected_and_owned)
{
	struct client_case cc;
	struct client_result r;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	case_for(&cc, EC_TLS12);
	cc.sock_fd = fd;
	cc.request = "none";
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert(!r.request_sent);
	/* The engine closed it. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}
END_TEST

START_TEST(key_log_decrypts_in_tshark)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	const char *code = ec_keylog_decrypts(&cc, &r, "mbedtls.pcap");
	ck_assert_int_eq(r.keylog_lines, 1);
	ck_assert_str_eq(code, "GET");
}
END_TEST

START_TEST(caps_list_mbedtls)
{
	ck_assert(caps.available);
	ck_assert_str_eq(caps.version, "2.28.3");
	ck_assert(caps.tls12);
	ck_assert(!caps.tls13);
	ck_assert(caps.keylog_tls12);
	ck_assert_ptr_nonnull(strstr(caps.ciphers, "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256"));
}
END_TEST

#else
START_TEST(without_mbedtls_every_case_is_skipped)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	run_case(&cc, &r);
	ck_assert(r.skipped);
	ck_assert(!r.connected);
	ck_assert_ptr_nonnull(strstr(r.skip_reason, "without mbedTLS"));
	ck_assert(!caps.available);
}
END_TEST
#endif

static Suite *mbedtls_suite(void)
{
	Suite *s = suite_create("client_mbedtls");
	TCase *tc = tcase_create("openssl_s_server");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
#ifdef TLSDIAG_HAVE_MBEDTLS
	tcase_add_test(tc, connects_and_gets_the_answer);
	tcase_add_test(tc, unknown_ca_is_verify_failed_not_trusted);
	tcase_add_test(tc, expired_by_the_device_clock);
	tcase_add_test(tc, not_yet_valid_by_an_unset_clock);
	tcase_add_test(tc, name_mismatch_and_no_ip_san_in_2_28);
	tcase_add_test(tc, verify_off_connects_and_tells);
	tcase_add_test(tc, no_shared_suite_gets_alert_40);
	tcase_add_test(tc, tls13_only_server_gets_alert_70);
	tcase_add_test(tc, record_larger_than_in_content_len);
	tcase_add_test(tc, ca_loaders_as_the_device_api);
	tcase_add_test(tc, weak_key_and_sha1_by_the_default_profile);
	tcase_add_test(tc, dh1024_is_at_the_dhm_minimum);
	tcase_add_test(tc, client_certificate);
	tcase_add_test(tc, dropped_and_silent_servers);
	tcase_add_test(tc, pre_bound_socket_is_connected_and_owned);
	tcase_add_test(tc, key_log_decrypts_in_tshark);
	tcase_add_test(tc, caps_list_mbedtls);
#else
	tcase_add_test(tc, without_mbedtls_every_case_is_skipped);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mbedtls_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
