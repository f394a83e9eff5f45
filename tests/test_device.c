/* test_device.c - device profiles: lookup, apply/override, and each stack's terms for a result. */
#include "harness/client/device.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* A failed result as client_run() fills it. */
static struct client_result failed(int error, int alert_received, const char *stage)
{
	struct client_result r;
	memset(&r, 0, sizeof r);
	r.error = error;
	r.alert_received = alert_received;
	r.alert_sent = -1;
	snprintf(r.stage, sizeof r.stage, "%s", stage);
	snprintf(r.trace, sizeof r.trace, "> client_hello");
	return r;
}

static struct client_result connected(int verify_error)
{
	struct client_result r;
	memset(&r, 0, sizeof r);
	r.connected = true;
	r.alert_received = r.alert_sent = -1;
	r.verify_error = verify_error;
	snprintf(r.stage, sizeof r.stage, "done");
	snprintf(r.version, sizeof r.version, "TLSv1.3");
	snprintf(r.suite, sizeof r.suite, "TLS_AES_128_GCM_SHA256");
	return r;
}

static struct device_verdict terms(const char *profile, const struct client_result *r)
{
	struct device_verdict v;
	const struct device_profile *p = device_find(profile);
	ck_assert_ptr_nonnull(p);
	device_terms(p, r, &v);
	return v;
}

START_TEST(profiles_are_complete)
{
	const char *names[] = { "cc3200", "esp8266-axtls", "esp8266-bearssl", "esp32-mbedtls", "browser" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct device_profile *p = device_find(names[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(p->name, names[i]);
		ck_assert_ptr_nonnull(p->stack);
		ck_assert_ptr_nonnull(p->sources);
		ck_assert_ptr_nonnull(p->ciphers);
		ck_assert_ptr_nonnull(p->limits);
	}
	ck_assert_ptr_null(device_find("esp8266"));
	ck_assert_ptr_null(device_find(NULL));
	size_t n = 0;
	while (device_profiles[n].name)
		n++;
	ck_assert_uint_ge(n, 5); /* the whole catalogue's count: tests/test_devices_catalogue.c */
}
END_TEST

START_TEST(cc3200_profile_is_the_simplelink_default)
{
	const struct device_profile *p = device_find("cc3200");
	ck_assert_int_eq(p->method, METHOD_SSLV3_TLS12);
	ck_assert_int_eq(p->ca_format, CA_DER);
	ck_assert_ptr_null(strstr(p->ciphers, "GCM"));
	ck_assert_ptr_nonnull(strstr(p->ciphers, "RC4-SHA"));
	ck_assert_ptr_nonnull(strstr(p->ciphers, "ECDHE-ECDSA-AES128-SHA256"));
	const struct device_profile *ax = device_find("esp8266-axtls");
	ck_assert_str_eq(ax->ciphers, "AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256");
	ck_assert_int_eq(ax->max_version, METHOD_TLS12);
	ck_assert_int_eq(ax->min_version, METHOD_TLS10);
	ck_assert_int_eq(ax->time_t_bits, 32);
}
END_TEST

START_TEST(apply_then_override)
{
	struct client_case cc;
	client_case_init(&cc);
	cc.host = "127.0.0.1";
	cc.port = 443;
	cc.ca_path = "ca.pem";
	device_apply(device_find("cc3200"), &cc);
	ck_assert_int_eq(cc.method, METHOD_SSLV3_TLS12);
	ck_assert_int_eq(cc.ca_format, CA_DER); /* the PEM file goes to the DER loader */
	ck_assert(cc.verify);
	ck_assert_str_eq(cc.host, "127.0.0.1");
	ck_assert_uint_eq(cc.port, 443);
	cc.method = METHOD_TLS10; /* MicroPython after 2015-11-06 */
	ck_assert_int_eq(cc.method, METHOD_TLS10);
	ck_assert_str_eq(cc.ciphers, device_find("cc3200")->ciphers);

	client_case_init(&cc);
	device_apply(device_find("esp8266-axtls"), &cc);
	ck_assert_int_eq(cc.ca_format, CA_NONE); /* no CA file: nothing to load */
	ck_assert(!cc.verify);
}
END_TEST

START_TEST(profiles_name_their_engine)
{
	struct client_case cc;
	const struct device_profile *esp32 = device_find("esp32-mbedtls");
	ck_assert_int_eq(esp32->engine, ENGINE_MBEDTLS);
	ck_assert_int_eq(device_find("esp8266-bearssl")->engine, ENGINE_BEARSSL);
	ck_assert_int_eq(device_find("cc3200")->engine, ENGINE_WOLFSSL);
	ck_assert_int_eq(device_find("esp8266-axtls")->engine, ENGINE_WOLFSSL);
	ck_assert_int_eq(device_find("browser")->engine, ENGINE_WOLFSSL);
	/* On its own engine: the library's defaults (the device's suites and X.509 profile). */
	client_case_init(&cc);
	device_apply(esp32, &cc);
	ck_assert_int_eq(cc.engine, ENGINE_MBEDTLS);
	ck_assert_ptr_null(cc.ciphers);
	ck_assert_int_eq(cc.min_rsa_bits, 0);
	ck_assert(!cc.reject_sha1);
	/* On the wolfSSL stand-in: the wolfSSL lists and the strictness stand-ins. */
	device_apply_engine(esp32, ENGINE_WOLFSSL, &cc);
	ck_assert_int_eq(cc.engine, ENGINE_WOLFSSL);
	ck_assert_str_eq(cc.ciphers, esp32->ciphers);
	ck_assert_int_eq(cc.min_rsa_bits, 2048);
	ck_assert(cc.reject_sha1);
}
END_TEST

START_TEST(bearssl_stand_in_drop_is_last_error_0)
{
	struct client_result r = failed(-308, -1, "client_hello");
	r.peer_closed = true;
	struct device_verdict v = terms("esp8266-bearssl", &r);
	ck_assert(!v.ok);
	ck_assert_int_eq(v.code, 0);
	ck_assert_str_eq(v.text, "getLastSSLError() = 0 (BR_ERR_OK): the connection was lost");
}
END_TEST

START_TEST(axtls_alert_40_is_ssl_error_40)
{
	struct client_result r = failed(-313, 40, "client_hello");
	struct device_verdict v = terms("esp8266-axtls", &r);
	ck_assert(!v.ok);
	ck_assert_int_eq(v.code, -40);
	ck_assert_str_eq(v.text, "Error: SSL error 40");
	ck_assert_str_eq(v.debug_text, "Alert: handshake failure");
	r = failed(-313, 112, "client_hello");
	v = terms("esp8266-axtls", &r);
	ck_assert_str_eq(v.text, "Error: SSL error 112");
	ck_assert_str_eq(v.debug_text, "Alert: alert - (unknown 112)");
}
END_TEST

START_TEST(axtls_other_codes)
{
	struct client_result r = failed(-308, -1, "client_hello");
	r.peer_closed = true;
	struct device_verdict v = terms("esp8266-axtls", &r);
	ck_assert_int_eq(v.code, -256);
	ck_assert_str_eq(v.code_name, "SSL_ERROR_CONN_LOST");
	ck_assert_str_eq(v.text, "Error: connection lost");
	struct client_result c = connected(-188);
	v = terms("esp8266-axtls", &c);
	ck_assert(!v.ok);
	ck_assert_int_eq(v.code, -514);
	ck_assert_ptr_nonnull(strstr(v.text, "Error: No trusted cert is available"));
	c = connected(0);
	v = terms("esp8266-axtls", &c);
	ck_assert(v.ok);
	ck_assert_str_eq(v.text, "connected");
	r = failed(-140, -1, "load_ca");
	v = terms("esp8266-axtls", &r);
	ck_assert(!v.ok);
	ck_assert(!v.has_code);
	ck_assert_str_eq(v.text, "setCACert() returned false (axTLS parses the CA as DER)");
}
END_TEST

START_TEST(cc3200_tls_layer_is_wolfssl_plus_100)
{
	static const struct {
		int wolf;
		long sl;
		const char *name;
	} rows[] = {
		{ -308, -208, "SL_ESEC_SOCKET_ERROR_E" },
		{ -313, -213, "SL_ESEC_FATAL_ERROR" },
		{ -322, -222, "SL_ESEC_DOMAIN_NAME_MISMATCH" },
		{ -326, -226, "SL_ESEC_VERSION_ERROR" },
		{ -501, -291, "SL_ESEC_MATCH_SUITE_ERROR" },
		{ -150, -150, "SL_ESEC_ASN_BEFORE_DATE_E" },
		{ -151, -151, "SL_ESEC_ASN_AFTER_DATE_E" },
		{ -155, -155, "SL_ESEC_ASN_SIG_CONFIRM_E" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct client_result r = failed(rows[i].wolf, -1, "certificate");
		struct device_verdict v = terms("cc3200", &r);
		ck_assert(!v.ok);
		ck_assert_int_eq(v.code, rows[i].sl);
		ck_assert_str_eq(v.code_name, rows[i].name);
	}
	struct client_result r = failed(-308, -1, "client_hello");
	struct device_verdict v = terms("cc3200", &r);
	ck_assert_str_eq(v.text, "OSError: 208");
	r = failed(-397, -1, "client_hello");
	r.peer_closed = true;
	v = terms("cc3200", &r);
	ck_assert_int_eq(v.code, -208);
}
END_TEST

START_TEST(cc3200_setup_and_connected_codes)
{
	struct client_result r = failed(-140, -1, "load_ca");
	r.trace[0] = '\0';
	struct device_verdict v = terms("cc3200", &r);
	ck_assert_int_eq(v.code, -456);
	ck_assert_str_eq(v.code_name, "SL_ESECBADCAFILE");
	ck_assert_str_eq(v.text, "OSError: 456");
	r = failed(-308, -1, "client_hello");
	r.timed_out = true;
	v = terms("cc3200", &r);
	ck_assert_int_eq(v.code, -462);
	r = failed(0, -1, "connect");
	r.trace[0] = '\0';
	v = terms("cc3200", &r);
	ck_assert_int_eq(v.code, -111);
	struct client_result c = connected(-150);
	v = terms("cc3200", &c);
	ck_assert(!v.ok);
	ck_assert_int_eq(v.code, -461);
	ck_assert_str_eq(v.text, "OSError: 461");
	c = connected(-188);
	v = terms("cc3200", &c);
	ck_assert(v.ok);
	ck_assert_int_eq(v.code, -453);
	c = connected(0);
	v = terms("cc3200", &c);
	ck_assert(v.ok);
	ck_assert(!v.has_code);
	ck_assert_str_eq(v.text, "connected");
}
END_TEST

START_TEST(bearssl_codes)
{
	struct client_result r = failed(-313, 40, "client_hello");
	struct device_verdict v = terms("esp8266-bearssl", &r);
	ck_assert_int_eq(v.code, 296);
	ck_assert_ptr_nonnull(strstr(v.text, "Unknown error code."));
	r = failed(-188, -1, "certificate");
	v = terms("esp8266-bearssl", &r);
	ck_assert_int_eq(v.code, 62);
	ck_assert_str_eq(v.code_name, "BR_ERR_X509_NOT_TRUSTED");
	r = failed(-150, -1, "certificate");
	v = terms("esp8266-bearssl", &r);
	ck_assert_int_eq(v.code, 54);
	r = failed(-322, -1, "certificate");
	v = terms("esp8266-bearssl", &r);
	ck_assert_int_eq(v.code, 56);
}
END_TEST

START_TEST(mbedtls_codes)
{
	struct client_result r = failed(-313, 40, "client_hello");
	struct device_verdict v = terms("esp32-mbedtls", &r);
	ck_assert_int_eq(v.code, -0x7780);
	ck_assert_str_eq(v.text, "mbedtls_ssl_handshake returned -0x7780");
	r = failed(-188, -1, "certificate");
	v = terms("esp32-mbedtls", &r);
	ck_assert_int_eq(v.code, -0x2700);
	ck_assert_uint_eq(v.verify_flags, 0x08);
	ck_assert_str_eq(v.text, "mbedtls_ssl_handshake returned -0x2700; verify flags 0x8 (NOT_TRUSTED)");
	r = failed(-150, -1, "certificate");
	v = terms("esp32-mbedtls", &r);
	ck_assert_uint_eq(v.verify_flags, 0x200);
}
END_TEST

START_TEST(browser_terms)
{
	struct client_result c = connected(0);
	struct device_verdict v = terms("browser", &c);
	ck_assert(v.ok);
	ck_assert_str_eq(v.text, "connected: TLSv1.3 TLS_AES_128_GCM_SHA256");
	struct client_result r = failed(-313, 40, "client_hello");
	v = terms("browser", &r);
	ck_assert_int_eq(v.code, -113);
	ck_assert_str_eq(v.text, "net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH");
	r = failed(-188, -1, "certificate");
	v = terms("browser", &r);
	ck_assert_str_eq(v.text, "net::ERR_CERT_AUTHORITY_INVALID");
}
END_TEST

START_TEST(skipped_is_never_ok)
{
	struct client_result r;
	memset(&r, 0, sizeof r);
	r.skipped = true;
	snprintf(r.skip_reason, sizeof r.skip_reason, "the linked wolfSSL has no sslv3; run `make wolfssl-full`");
	for (const struct device_profile *p = device_profiles; p->name; p++) {
		struct device_verdict v;
		device_terms(p, &r, &v);
		ck_assert(!v.ok);
		ck_assert(!v.has_code);
		ck_assert_ptr_nonnull(strstr(v.text, "skipped: "));
	}
}
END_TEST

START_TEST(names_round_trip)
{
	unsigned int v;
	ck_assert_int_eq(tok_value(client_method_names, "sslv3-tls1.2", &v), 0);
	ck_assert_uint_eq(v, METHOD_SSLV3_TLS12);
	ck_assert_int_eq(tok_value(client_ca_format_names, "pem-as-der", &v), 0);
	ck_assert_uint_eq(v, CA_PEM_AS_DER);
	ck_assert_int_eq(tok_value(client_sni_names, "other", &v), 0);
	ck_assert_uint_eq(v, SNI_OTHER);
	ck_assert_int_eq(tok_value(client_ca_format_names, "auto", &v), 0);
	ck_assert_uint_eq(v, CA_AUTO);
	ck_assert_int_eq(tok_value(client_method_names, "tls1.4", &v), -1);
}
END_TEST

static Suite *device_suite(void)
{
	Suite *s = suite_create("device");
	TCase *tc = tcase_create("profiles");
	tcase_add_test(tc, profiles_are_complete);
	tcase_add_test(tc, cc3200_profile_is_the_simplelink_default);
	tcase_add_test(tc, apply_then_override);
	tcase_add_test(tc, profiles_name_their_engine);
	tcase_add_test(tc, bearssl_stand_in_drop_is_last_error_0);
	tcase_add_test(tc, axtls_alert_40_is_ssl_error_40);
	tcase_add_test(tc, axtls_other_codes);
	tcase_add_test(tc, cc3200_tls_layer_is_wolfssl_plus_100);
	tcase_add_test(tc, cc3200_setup_and_connected_codes);
	tcase_add_test(tc, bearssl_codes);
	tcase_add_test(tc, mbedtls_codes);
	tcase_add_test(tc, browser_terms);
	tcase_add_test(tc, skipped_is_never_ok);
	tcase_add_test(tc, names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(device_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed_n = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed_n == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
