/*
 * test_compare.c - run/compare.c: two decoded ClientHellos side by side and
 * the difference that decided the outcome (the ESP8266 report's axTLS
 * against a browser, the CC3200's TLS 1.0 against its default method).
 */
#include "harness/run/compare.h"

#include "harness/core/json.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Decoded connections as tls_conn_to_json() writes them (the members compare.c reads). */
static const char axtls[] =
	"{\"version\":null,\"cipher_suite\":null,\"client_hello\":{"
	"\"versions\":[\"TLS1.2\",\"TLS1.1\",\"TLS1.0\"],"
	"\"cipher_suites\":[{\"id\":\"0x002f\",\"name\":\"TLS_RSA_WITH_AES_128_CBC_SHA\"},"
	"{\"id\":\"0x0035\",\"name\":\"TLS_RSA_WITH_AES_256_CBC_SHA\"}],"
	"\"supported_groups\":[],\"signature_algorithms\":[\"rsa_pkcs1_sha256\"],\"sni\":null}}";
static const char browser[] =
	"{\"version\":\"TLS1.3\",\"cipher_suite\":\"TLS_AES_128_GCM_SHA256\",\"client_hello\":{"
	"\"versions\":[\"TLS1.3\",\"TLS1.2\"],"
	"\"cipher_suites\":[{\"id\":\"0x1301\",\"name\":\"TLS_AES_128_GCM_SHA256\"},"
	"{\"id\":\"0xc02f\",\"name\":\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"}],"
	"\"supported_groups\":[\"x25519\",\"secp256r1\"],\"signature_algorithms\":[\"rsa_pkcs1_sha256\"],"
	"\"sni\":\"host.test\"}}";
/* The CC3200: TLS 1.0 refused, its default method (same suites, up to TLS 1.2) accepted. */
static const char tls10[] = "{\"version\":null,\"cipher_suite\":null,\"client_hello\":{"
			    "\"versions\":[\"TLS1.0\"],\"cipher_suites\":[{\"name\":\"TLS_RSA_WITH_AES_256_CBC_SHA\"}],"
			    "\"supported_groups\":[],\"signature_algorithms\":[],\"sni\":null}}";
static const char tls12[] = "{\"version\":\"TLS1.2\",\"cipher_suite\":\"TLS_RSA_WITH_AES_256_CBC_SHA\",\"client_hello\":{"
			    "\"versions\":[\"TLS1.2\",\"TLS1.1\",\"TLS1.0\"],"
			    "\"cipher_suites\":[{\"name\":\"TLS_RSA_WITH_AES_256_CBC_SHA\"}],"
			    "\"supported_groups\":[],\"signature_algorithms\":[],\"sni\":null}}";

static struct jv *parse(const char *text)
{
	char err[128];
	struct jv *j = jv_parse_string(text, err, sizeof err);
	ck_assert_msg(j != NULL, "%s", err);
	return j;
}

START_TEST(no_shared_cipher_decided_by_suites)
{
	struct jv *a = parse(axtls), *b = parse(browser);
	struct hello_compare c;
	ck_assert_int_eq(compare_hellos(a, b, "no_shared_cipher", "esp8266-axtls", "browser", &c), 0);
	ck_assert_uint_eq(c.n, 6);
	ck_assert_str_eq(c.rows[0].label, "versions");
	ck_assert_str_eq(c.rows[0].a, "TLS1.2, TLS1.1, TLS1.0");
	ck_assert_str_eq(c.rows[0].b, "TLS1.3, TLS1.2");
	ck_assert_str_eq(c.rows[1].label, "cipher suites");
	ck_assert_str_eq(c.rows[1].a, "2 (RSA x2): TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA");
	ck_assert_str_eq(c.rows[1].b,
			 "2 (TLS1.3 x1, ECDHE x1): TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	ck_assert_str_eq(c.rows[2].a, "(none)");
	ck_assert(c.rows[2].differs);
	ck_assert(!c.rows[3].differs); /* the same signature algorithms */
	ck_assert_str_eq(c.rows[4].label, "SNI");
	ck_assert_str_eq(c.rows[4].a, "(none)");
	ck_assert_str_eq(c.rows[4].b, "host.test");
	ck_assert_str_eq(c.decided, "cipher suites");
	ck_assert_str_eq(c.why, "no cipher suite in common: the server chose TLS_AES_128_GCM_SHA256 for browser, which "
				"esp8266-axtls does not offer; none of esp8266-axtls's suites is one the server accepts");

	struct jv *j = compare_to_json(&c, "esp8266-axtls", "browser");
	ck_assert_str_eq(jv_str(jv_get(j, "decided_by")), "cipher suites");
	ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(j, "rows"), 4), "connected")), "host.test");
	ck_assert(jv_boolval(jv_get(jv_at(jv_get(j, "rows"), 1), "differs")));
	jv_free(j);
	jv_free(a);
	jv_free(b);
}
END_TEST

/* Without a diagnosis that names a field: what the server chose for the other side decides. */
START_TEST(decided_by_what_the_server_chose)
{
	struct jv *a = parse(tls10), *b = parse(tls12);
	struct hello_compare c;
	ck_assert_int_eq(compare_hellos(a, b, NULL, "tls1.0", "default", &c), 0);
	ck_assert(c.rows[0].differs);
	ck_assert(!c.rows[1].differs);
	ck_assert_str_eq(c.decided, "versions");
	ck_assert_str_eq(c.why, "the server chose TLS1.2 for default, which tls1.0 does not offer");
	/* A diagnosis whose field does not differ is not taken: the facts decide. */
	ck_assert_int_eq(compare_hellos(a, b, "no_shared_cipher", "tls1.0", "default", &c), 0);
	ck_assert_str_eq(c.decided, "versions");
	/* The same hello on both sides: nothing is claimed. */
	ck_assert_int_eq(compare_hellos(b, b, NULL, "x", "y", &c), 0);
	ck_assert_ptr_null(c.decided);
	struct jv *j = compare_to_json(&c, "x", "y");
	ck_assert(jv_is_null(jv_get(j, "decided_by")));
	jv_free(j);
	jv_free(a);
	jv_free(b);
}
END_TEST

START_TEST(long_lists_are_cut_with_an_ellipsis)
{
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text, "{\"client_hello\":{\"versions\":[\"TLS1.2\"],\"cipher_suites\":[");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s{\"name\":\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"}",
				      i ? "," : "");
	snprintf(text + n, sizeof text - n, "],\"sni\":null}}");
	struct jv *a = parse(text), *b = parse(browser);
	struct hello_compare c;
	ck_assert_int_eq(compare_hellos(a, b, NULL, "a", "b", &c), 0);
	ck_assert_uint_eq(strlen(c.rows[1].a), sizeof c.rows[1].a - 1);
	ck_assert_str_eq(c.rows[1].a + strlen(c.rows[1].a) - 3, "...");
	ck_assert_int_eq(strncmp(c.rows[1].a, "60 (ECDHE x60): ", 16), 0);
	ck_assert_str_eq(c.rows[2].a, "(none)"); /* an absent member */
	jv_free(a);
	jv_free(b);
}
END_TEST

/* A side without a decoded ClientHello (the client failed before sending one): no comparison. */
START_TEST(missing_client_hello)
{
	struct jv *a = parse("{\"client_hello\":null}"), *b = parse(browser), *e = parse("{}");
	struct hello_compare c;
	ck_assert_int_eq(compare_hellos(a, b, NULL, "a", "b", &c), -1);
	ck_assert_int_eq(compare_hellos(b, a, NULL, "a", "b", &c), -1);
	ck_assert_int_eq(compare_hellos(e, b, NULL, "a", "b", &c), -1);
	ck_assert_uint_eq(c.n, 0);
	jv_free(a);
	jv_free(b);
	jv_free(e);
}
END_TEST

static Suite *compare_suite(void)
{
	Suite *s = suite_create("compare");
	TCase *ok = tcase_create("ok");
	tcase_add_test(ok, no_shared_cipher_decided_by_suites);
	tcase_add_test(ok, decided_by_what_the_server_chose);
	suite_add_tcase(s, ok);
	TCase *trunc = tcase_create("truncated");
	tcase_add_test(trunc, long_lists_are_cut_with_an_ellipsis);
	suite_add_tcase(s, trunc);
	TCase *bad = tcase_create("malformed");
	tcase_add_test(bad, missing_client_hello);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(compare_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
