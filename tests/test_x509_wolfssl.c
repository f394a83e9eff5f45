/* test_x509_wolfssl.c - certificates through wolfSSL: names, dates as written, SANs, keys. */
#include "harness/decode/x509_wolfssl.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t load(const char *name, uint8_t *buf, size_t cap)
{
	char path[256];
	FILE *f;
	size_t n;
	snprintf(path, sizeof path, "tests/data/x509/%s", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repository root)", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* The self-signed certificate of the ESP8266 founding report: notAfter 2118 in GeneralizedTime. */
START_TEST(report_cert_generalized_time_2118)
{
	static uint8_t der[4096];
	size_t n = load("esp8266-report-2118.der", der, sizeof der);
	struct cursor c = cursor_make(der, n);
	struct x509_info x;
	char why[128] = "";
	ck_assert_int_eq(x509_decode(&c, &x, why, sizeof why), DECODE_OK);
	ck_assert_str_eq(x.not_after, "21180518103037Z");
	ck_assert(x.not_after_generalized);
	ck_assert_str_eq(x.not_before, "180611103037Z");
	ck_assert(!x.not_before_generalized);
	ck_assert(x.times_ok);
	ck_assert_int_eq(x.not_after_epoch, INT64_C(4682313037)); /* 2118-05-18T10:30:37Z */
	/* A 32-bit time_t sees 2^32 s less: 1982-04-11 04:02:21 (the device's printout). */
	ck_assert_int_eq(x.not_after_epoch - (INT64_C(1) << 32), INT64_C(387345741));
	ck_assert_str_eq(x.common_name, "192.168.1.210");
	ck_assert_str_eq(x.subject,
			 "/C=TW/ST=Taiwan/L=Taipei/O=Bayestek CO./OU=MIS/CN=192.168.1.210/emailAddress=tommy.yang@bayestek.com");
	ck_assert(x.self_issued);
	ck_assert_str_eq(x.key_type, "RSA");
	ck_assert_int_eq(x.key_bits, 2048);
	ck_assert(x.has_basic_constraints);
	ck_assert(x.is_ca);
	ck_assert_int_eq(x.path_len, -1);
	ck_assert_str_eq(x.sig_alg, "sha256WithRSAEncryption");
	ck_assert_uint_eq(x.n_san, 0);
	ck_assert(x509_matches_host(&x, "192.168.1.210"));
	ck_assert(!x509_matches_host(&x, "192.168.1.211"));
}
END_TEST

START_TEST(ec_cert_with_sans_and_pathlen)
{
	static uint8_t der[4096];
	size_t n = load("ec-p256-san-ca.der", der, sizeof der);
	struct cursor c = cursor_make(der, n);
	struct x509_info x;
	char why[128] = "";
	ck_assert_int_eq(x509_decode(&c, &x, why, sizeof why), DECODE_OK);
	ck_assert_str_eq(x.key_type, "EC");
	ck_assert_int_eq(x.key_bits, 256);
	ck_assert_int_eq(x.path_len, 2);
	ck_assert(x.is_ca);
	ck_assert_str_eq(x.not_after, "261223091652Z");
	ck_assert(!x.not_after_generalized);
	ck_assert_uint_eq(x.n_san, 5);
	ck_assert_str_eq(x.san[1], "test.example");
	ck_assert_str_eq(x.san[2], "*.example.org");
	ck_assert_str_eq(x.san[3], "127.0.0.1");
	ck_assert(x509_matches_host(&x, "test.example"));
	ck_assert(x509_matches_host(&x, "www.example.org"));
	ck_assert(!x509_matches_host(&x, "a.b.example.org"));
	ck_assert(!x509_matches_host(&x, "example.org"));
	ck_assert(!x509_matches_host(&x, "other.example"));
	ck_assert_str_eq(x.sig_alg, "sha256WithECDSA");
}
END_TEST

START_TEST(der_length_must_match_the_vector)
{
	static uint8_t der[4096];
	size_t n = load("ec-p256-san-ca.der", der, sizeof der);
	struct cursor c = cursor_make(der, n + 1); /* one byte of trailing garbage */
	struct cursor s = cursor_make(der, n - 10); /* cut */
	struct x509_info x;
	char why[128] = "";
	ck_assert_int_eq(x509_decode(&c, &x, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "certificate DER says 492 bytes, the TLS vector holds 493");
	ck_assert_int_eq(x509_decode(&s, &x, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "certificate DER says 492 bytes, the TLS vector holds 482");
}
END_TEST

START_TEST(garbage_is_malformed)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	static const uint8_t notseq[] = { 0x04, 0x00 };
	struct cursor c = cursor_make(junk, sizeof junk);
	struct cursor d = cursor_make(notseq, sizeof notseq);
	struct cursor e = cursor_make(NULL, 0);
	struct x509_info x;
	char why[128] = "";
	ck_assert_int_eq(x509_decode(&c, &x, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "wolfSSL cannot parse the certificate");
	ck_assert_int_eq(x509_decode(&d, &x, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "certificate does not start with a DER SEQUENCE (tag 0x04)");
	ck_assert_int_eq(x509_decode(&e, &x, why, sizeof why), DECODE_MALFORMED);
}
END_TEST

START_TEST(time_epoch)
{
	int64_t t;
	ck_assert(x509_time_epoch("700101000000Z", false, &t));
	ck_assert_int_eq(t, 0);
	ck_assert(x509_time_epoch("491231235959Z", false, &t)); /* YY < 50: 20YY (RFC 5280) */
	ck_assert_int_eq(t, INT64_C(2524607999));
	ck_assert(x509_time_epoch("20380119031408Z", true, &t));
	ck_assert_int_eq(t, INT64_C(2147483648));
	ck_assert(!x509_time_epoch("2038011903140Z", true, &t));
	ck_assert(!x509_time_epoch("701301000000Z", false, &t));
	ck_assert(!x509_time_epoch("70010100000aZ", false, &t));
}
END_TEST

static Suite *x509_suite(void)
{
	Suite *s = suite_create("x509_wolfssl");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, report_cert_generalized_time_2118);
	tcase_add_test(tc, ec_cert_with_sans_and_pathlen);
	tcase_add_test(tc, der_length_must_match_the_vector);
	tcase_add_test(tc, garbage_is_malformed);
	tcase_add_test(tc, time_epoch);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(x509_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
