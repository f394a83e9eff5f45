/*
 * test_client_bearssl.c - the BearSSL 0.6 engine (client_bearssl.c) against
 * real `openssl s_server` processes on 127.0.0.1, each result asserted with
 * BearSSL's own code (br_ssl_engine_last_error).  The equivalents rows for
 * BearSSL are checked against what the engine really returned, one
 * assertion per kind it covers.
 *
 * Built without BearSSL (BEARSSL=no), every case is skipped by the engine:
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
	client_engine_caps(ENGINE_BEARSSL, &caps);
}

static void teardown(void)
{
	ec_stop();
}

/* An ESP8266-like case (X509List from PEM, setTrustAnchors, connect(host)). */
static void case_for(struct client_case *cc, int i)
{
	client_case_init(cc);
	cc->engine = ENGINE_BEARSSL;
	cc->host = "127.0.0.1";
	cc->port = ec_port(i);
	cc->method = METHOD_ANY;
	cc->min_version = METHOD_TLS10;
	cc->max_version = METHOD_TLS12;
	cc->ca_path = tf_path(2, "ca.pem");
	cc->ca_format = CA_AUTO;
	cc->check_name = "localhost";
	cc->timeout_ms = (int)tu_bound_ms(5000);
}

static void run_case(const struct client_case *cc, struct client_result *r)
{
	char err[256] = "";
	ck_assert_msg(client_run(cc, r, err, sizeof err) == 0, "client_run: %s", err);
	ck_assert_int_eq(r->engine, ENGINE_BEARSSL);
}

#ifdef TLSDIAG_HAVE_BEARSSL
START_TEST(connects_with_the_esp8266_buffers)
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
	ck_assert(r.request_sent);
	ck_assert_msg(strncmp(r.response_line, "HTTP/1.0 200", 12) == 0, "%s", r.response_line);
}
END_TEST

START_TEST(unknown_ca_is_not_trusted_and_no_alert_sent)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.ca_path = tf_path(2, "other.pem");
	run_case(&cc, &r);
	ec_assert_failed(&r, 62, "BR_ERR_X509_NOT_TRUSTED");
	ck_assert_int_eq(r.alert_sent, -1); /* a BearSSL client closes, it sends no alert */
	ck_assert_str_eq(r.stage, "certificate");
	ec_assert_equiv("unknown_ca", "bearssl", 62);
}
END_TEST

START_TEST(dates_by_the_device_clock)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.clock = time(NULL) + 90L * 86400;
	run_case(&cc, &r);
	ec_assert_failed(&r, 54, "BR_ERR_X509_EXPIRED");
	ec_assert_equiv("expired", "bearssl", 54);
	cc.clock = 946684800; /* 2000-01-01: BearSSL has one code for both dates */
	run_case(&cc, &r);
	ec_assert_failed(&r, 54, "BR_ERR_X509_EXPIRED");
	ec_assert_equiv("not_yet_valid", "bearssl", 54);
	cc.clock = 0;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
}
END_TEST

START_TEST(name_mismatch_is_bad_server_name)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.check_name = "wrong.example";
	run_case(&cc, &r);
	ec_assert_failed(&r, 56, "BR_ERR_X509_BAD_SERVER_NAME");
	ec_assert_equiv("hostname_mismatch", "bearssl", 56);
}
END_TEST

START_TEST(insecure_connects_and_tells)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.ca_path = tf_path(2, "other.pem");
	cc.verify = false; /* setInsecure() */
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.verify_error, 62);
	ck_assert_str_eq(r.verify_error_name, "BR_ERR_X509_NOT_TRUSTED");
}
END_TEST

START_TEST(no_shared_suite_is_received_alert_40)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.ciphers = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:TLS_RSA_WITH_AES_128_CBC_SHA";
	run_case(&cc, &r);
	ec_assert_failed(&r, 256 + 40, "BR_ERR_RECV_FATAL_ALERT");
	ck_assert_int_eq(r.engine_err.alert, 40);
	ck_assert_int_eq(r.alert_received, 40);
	ec_assert_equiv("no_shared_cipher", "bearssl", 296);
}
END_TEST

START_TEST(tls13_only_server_is_received_alert_70)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS13);
	run_case(&cc, &r);
	ec_assert_failed(&r, 256 + 70, "BR_ERR_RECV_FATAL_ALERT");
	ck_assert_int_eq(r.engine_err.alert, 70);
	ec_assert_equiv("protocol_version", "bearssl", 326);
	/* What the ESP8266 prints comes from this real result, not from a mapping. */
	struct device_verdict v;
	device_terms(device_find("esp8266-bearssl"), &r, &v);
	ck_assert_int_eq(v.code, 326);
	ck_assert_str_eq(v.text, "getLastSSLError() = 326: Unknown error code. (received alert 70)");
	struct jv *j = client_result_json(&r);
	const struct jv *e = jv_get(j, "engine_error");
	ck_assert_str_eq(jv_str(jv_get(j, "engine")), "bearssl");
	ck_assert_int_eq(jv_intval(jv_get(e, "code")), 326);
	ck_assert_str_eq(jv_str(jv_get(e, "name")), "BR_ERR_RECV_FATAL_ALERT");
	ck_assert_int_eq(jv_intval(jv_get(e, "alert")), 70);
	jv_free(j);
}
END_TEST

START_TEST(record_larger_than_the_input_buffer)
{
	struct client_case cc;
	struct client_result r;
	/* setBufferSizes(512, 16384): BearSSL asks for max_fragment_length by itself (its buffers
	 * bound it), and s_server honours it: connected, where an emulation would have failed. */
	case_for(&cc, EC_TLS12);
	cc.rx_record_limit = 512;
	cc.tx_buffer = 16384;
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.oversized_record, 0); /* no emulation on this engine */
	/* The answer (s_server's HTML page, over 512 bytes) came in records within the fragment length. */
	ck_assert_int_gt(r.response_bytes, 512);
	/* BearSSL also streams records sent in the clear through a small buffer (the ~900-byte
	 * Certificate): BR_ERR_TOO_LARGE needs an encrypted record over the buffer from a server
	 * that ignores max_fragment_length, which OpenSSL never does. */
}
END_TEST

START_TEST(trust_anchors_as_x509list)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	cc.ca_path = tf_path(2, "ca.der");
	cc.ca_format = CA_DER; /* X509List(der, len) */
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	/* PEM bytes to the DER constructor: no trust anchor, and the handshake fails as NOT_TRUSTED. */
	cc.ca_path = tf_path(2, "ca.pem");
	cc.ca_format = CA_PEM_AS_DER;
	run_case(&cc, &r);
	ec_assert_failed(&r, 62, "BR_ERR_X509_NOT_TRUSTED");
	ck_assert_ptr_nonnull(strstr(r.note, "holds no trust anchor"));
}
END_TEST

START_TEST(weak_key_and_sha1_are_accepted)
{
	struct client_case cc;
	struct client_result r;
	/* x509_minimal's RSA minimum is 128 bytes (1024 bits), and init_full installs SHA-1: the
	 * ESP8266 accepts both, where mbedTLS's default profile refuses them. */
	case_for(&cc, EC_RSA1024);
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.verify_error, 0);
	case_for(&cc, EC_SHA1);
	run_case(&cc, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.verify_error, 0);
}
END_TEST

START_TEST(dhe_only_server_has_no_shared_suite)
{
	struct client_case cc;
	struct client_result r;
	/* BearSSL has no DHE suites at all: a DHE-only server refuses the ClientHello. */
	case_for(&cc, EC_DH1024);
	run_case(&cc, &r);
	ec_assert_failed(&r, 256 + 40, "BR_ERR_RECV_FATAL_ALERT");
	ck_assert_str_eq(r.stage, "client_hello");
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
	ec_assert_failed(&r, 256 + 40, "BR_ERR_RECV_FATAL_ALERT");
}
END_TEST

START_TEST(dropped_connection_leaves_last_error_0)
{
	struct client_case cc;
	struct client_result r;
	uint16_t port;
	pid_t child = ec_dropping_server(&port);
	case_for(&cc, EC_TLS12);
	cc.port = port;
	run_case(&cc, &r);
	waitpid(child, NULL, 0);
	ck_assert(!r.connected);
	ck_assert(r.peer_closed);
	ck_assert_int_eq(r.error, 0);
	ck_assert_str_eq(r.error_name, "BR_ERR_OK");
	/* The row lists no BearSSL code (getLastSSLError() stays 0), and above all not 31. */
	ec_assert_not_equiv("connection_dropped", "bearssl", 31);
}
END_TEST

START_TEST(key_log_decrypts_in_tshark)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	const char *code = ec_keylog_decrypts(&cc, &r, "bearssl.pcap");
	ck_assert_int_eq(r.keylog_lines, 1);
	ck_assert_str_eq(code, "GET");
}
END_TEST

START_TEST(caps_list_bearssl)
{
	ck_assert(caps.available);
	ck_assert_str_eq(caps.version, "0.6");
	ck_assert(caps.tls12);
	ck_assert(!caps.tls13);
	ck_assert_ptr_nonnull(strstr(caps.ciphers, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
}
END_TEST
#else
START_TEST(without_bearssl_every_case_is_skipped)
{
	struct client_case cc;
	struct client_result r;
	case_for(&cc, EC_TLS12);
	run_case(&cc, &r);
	ck_assert(r.skipped);
	ck_assert(!r.connected);
	ck_assert_ptr_nonnull(strstr(r.skip_reason, "without BearSSL"));
	ck_assert(!caps.available);
}
END_TEST
#endif

static Suite *bearssl_suite(void)
{
	Suite *s = suite_create("client_bearssl");
	TCase *tc = tcase_create("openssl_s_server");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
#ifdef TLSDIAG_HAVE_BEARSSL
	tcase_add_test(tc, connects_with_the_esp8266_buffers);
	tcase_add_test(tc, unknown_ca_is_not_trusted_and_no_alert_sent);
	tcase_add_test(tc, dates_by_the_device_clock);
	tcase_add_test(tc, name_mismatch_is_bad_server_name);
	tcase_add_test(tc, insecure_connects_and_tells);
	tcase_add_test(tc, no_shared_suite_is_received_alert_40);
	tcase_add_test(tc, tls13_only_server_is_received_alert_70);
	tcase_add_test(tc, record_larger_than_the_input_buffer);
	tcase_add_test(tc, trust_anchors_as_x509list);
	tcase_add_test(tc, weak_key_and_sha1_are_accepted);
	tcase_add_test(tc, dhe_only_server_has_no_shared_suite);
	tcase_add_test(tc, client_certificate);
	tcase_add_test(tc, dropped_connection_leaves_last_error_0);
	tcase_add_test(tc, key_log_decrypts_in_tshark);
	tcase_add_test(tc, caps_list_bearssl);
#else
	tcase_add_test(tc, without_bearssl_every_case_is_skipped);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bearssl_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
