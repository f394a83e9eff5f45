/* test_tls_names.c - TLS value names and cipher suite properties. */
#include "harness/decode/tls_names.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(suite_names_from_the_registry)
{
	char b[32];
	ck_assert_str_eq(tls_name16(tls_cipher_suite_names, 0xc02f, b, sizeof b),
			 "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	ck_assert_str_eq(tls_name16(tls_cipher_suite_names, 0x002f, b, sizeof b), "TLS_RSA_WITH_AES_128_CBC_SHA");
	ck_assert_str_eq(tls_name16(tls_cipher_suite_names, 0x1301, b, sizeof b), "TLS_AES_128_GCM_SHA256");
	ck_assert_str_eq(tls_name16(tls_cipher_suite_names, 0x00ff, b, sizeof b),
			 "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
	ck_assert_str_eq(tls_name16(tls_cipher_suite_names, 0x5600, b, sizeof b), "TLS_FALLBACK_SCSV");
	ck_assert_str_eq(tls_name16(tls_cipher_suite_names, 0xcca8, b, sizeof b),
			 "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
	ck_assert_str_eq(tls_name16(tls_cipher_suite_names, 0x0a0a, b, sizeof b), "GREASE");
	ck_assert_str_eq(tok_name(tls_cipher_suite_names, 0xfafa), "GREASE");
	ck_assert_str_eq(tls_name16(tls_cipher_suite_names, 0x1399, b, sizeof b), "unknown(0x1399)");
}
END_TEST

START_TEST(grease_values)
{
	ck_assert(tls_is_grease(0x0a0a));
	ck_assert(tls_is_grease(0xeaea));
	ck_assert(!tls_is_grease(0x0a1a));
	ck_assert(!tls_is_grease(0x1301));
	char b[32];
	ck_assert_str_eq(tls_name16(tls_group_names, 0x2a2a, b, sizeof b), "GREASE");
	ck_assert_str_eq(tls_name16(tls_extension_names, 0x3a3a, b, sizeof b), "GREASE");
}
END_TEST

START_TEST(alerts_include_deprecated)
{
	ck_assert_str_eq(tok_name(tls_alert_names, 40), "handshake_failure");
	ck_assert_str_eq(tok_name(tls_alert_names, 48), "unknown_ca");
	ck_assert_str_eq(tok_name(tls_alert_names, 116), "certificate_required");
	ck_assert_str_eq(tok_name(tls_alert_names, 21), "decryption_failed");
	ck_assert_str_eq(tok_name(tls_alert_names, 41), "no_certificate");
	ck_assert_str_eq(tok_name(tls_alert_names, 60), "export_restriction");
	ck_assert_str_eq(tok_name(tls_alert_names, 114), "bad_certificate_hash_value");
	ck_assert_str_eq(tok_name(tls_alert_names, 121), "ech_required");
	ck_assert_ptr_null(tok_name(tls_alert_names, 200));
	char b[24];
	ck_assert_str_eq(tok2str(tls_alert_names, 200, b, sizeof b), "unknown(0xc8)");
}
END_TEST

START_TEST(versions_types_groups_schemes)
{
	char b[16];
	ck_assert_str_eq(tls_version_short(0x0303, b, sizeof b), "TLS1.2");
	ck_assert_str_eq(tls_version_short(0x0300, b, sizeof b), "SSLv3");
	ck_assert_str_eq(tls_version_short(0x0002, b, sizeof b), "SSLv2");
	ck_assert_str_eq(tls_version_short(0x0304, b, sizeof b), "TLS1.3");
	ck_assert_str_eq(tls_version_short(0x0a0a, b, sizeof b), "GREASE");
	ck_assert_str_eq(tls_version_short(0x0399, b, sizeof b), "0x0399");
	ck_assert_str_eq(tok_name(tls_handshake_type_names, 1), "ClientHello");
	ck_assert_str_eq(tok_name(tls_handshake_type_names, TLS_HS_HELLO_RETRY_REQUEST), "HelloRetryRequest");
	ck_assert_str_eq(tok_name(tls_handshake_type_names, 24), "KeyUpdate");
	ck_assert_str_eq(tok_name(tls_content_type_names, 23), "application_data");
	ck_assert_str_eq(tok_name(tls_group_names, 29), "x25519");
	ck_assert_str_eq(tok_name(tls_group_names, 256), "ffdhe2048");
	ck_assert_str_eq(tok_name(tls_sigscheme_names, 0x0804), "rsa_pss_rsae_sha256");
	ck_assert_str_eq(tok_name(tls_sigscheme_names, 0x0201), "rsa_pkcs1_sha1");
	ck_assert_str_eq(tok_name(tls_extension_names, 43), "supported_versions");
	ck_assert_str_eq(tok_name(tls_extension_names, 0xff01), "renegotiation_info");
	ck_assert_str_eq(tok_name(tls_ec_point_format_names, 0), "uncompressed");
}
END_TEST

START_TEST(suite_properties)
{
	struct tls_suite_info si;
	ck_assert(tls_suite_info(0x002f, &si)); /* TLS_RSA_WITH_AES_128_CBC_SHA */
	ck_assert_int_eq(si.kx, TLS_KX_RSA);
	ck_assert_int_eq(si.auth, TLS_AUTH_RSA);
	ck_assert(!si.aead);
	ck_assert(!si.forward_secret);
	ck_assert(tls_suite_info(0xc02b, &si)); /* ECDHE_ECDSA AES128 GCM */
	ck_assert_int_eq(si.kx, TLS_KX_ECDHE);
	ck_assert_int_eq(si.auth, TLS_AUTH_ECDSA);
	ck_assert(si.aead);
	ck_assert(si.forward_secret);
	ck_assert(tls_suite_info(0x009e, &si)); /* DHE_RSA AES128 GCM */
	ck_assert_int_eq(si.kx, TLS_KX_DHE);
	ck_assert(tls_suite_info(0x1303, &si));
	ck_assert_int_eq(si.kx, TLS_KX_TLS13);
	ck_assert(si.tls13 && si.aead);
	ck_assert(tls_suite_info(0x00a8, &si)); /* TLS_PSK_WITH_AES_128_GCM_SHA256 */
	ck_assert_int_eq(si.kx, TLS_KX_PSK);
	ck_assert(si.psk);
	ck_assert(tls_suite_info(0x0003, &si)); /* RSA_EXPORT */
	ck_assert(si.export_grade);
	ck_assert(tls_suite_info(0x00ff, &si));
	ck_assert_int_eq(si.kx, TLS_KX_SCSV);
	ck_assert(tls_suite_info(0x0018, &si)); /* DH_anon RC4 */
	ck_assert_int_eq(si.auth, TLS_AUTH_NONE);
	ck_assert(!tls_suite_info(0x0a0a, &si));
	ck_assert(!tls_suite_info(0x1399, &si));
	ck_assert_str_eq(tls_kx_name(TLS_KX_ECDHE), "ECDHE");
}
END_TEST

START_TEST(suite_table_is_sorted_and_unique)
{
	size_t n = 0;
	for (const struct tok *t = tls_cipher_suite_names; t->s; t++, n++)
		if (n)
			ck_assert_uint_gt(t->v, (t - 1)->v);
	ck_assert_uint_gt(n, 350);
	ck_assert_uint_eq(n, tls_cipher_suite_count);
	/* Searched by halves, every value gets the name a row-by-row search finds. */
	for (unsigned v = 0; v <= 0xffff; v++) {
		char b[32], unknown[32];
		const char *row = tok_name(tls_cipher_suite_names, v);
		snprintf(unknown, sizeof unknown, "unknown(0x%04x)", v);
		ck_assert_str_eq(tls_name16(tls_cipher_suite_names, (uint16_t)v, b, sizeof b),
				 tls_is_grease((uint16_t)v) ? "GREASE" : row ? row : unknown);
	}
}
END_TEST

static Suite *tls_names_suite(void)
{
	Suite *s = suite_create("tls_names");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, suite_names_from_the_registry);
	tcase_add_test(tc, grease_values);
	tcase_add_test(tc, alerts_include_deprecated);
	tcase_add_test(tc, versions_types_groups_schemes);
	tcase_add_test(tc, suite_properties);
	tcase_add_test(tc, suite_table_is_sorted_and_unique);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tls_names_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
