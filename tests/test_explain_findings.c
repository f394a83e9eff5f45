/*
 * test_explain_findings.c - one regression case per finding of the audit of
 * the explain tables against each stack's own source (F1..F15 and the minor
 * ones; docs/explain.md, "Audit findings"), and every combination of two
 * mbedTLS verify flags against the alert mbedTLS's own order gives.
 *
 * The flag values come from the installed mbedTLS headers (libmbedtls-dev),
 * so the oracle below is written in mbedTLS's names, in the order of
 * ssl_tls.c (2.28.0 lines 2748-2769, the same in 3.6.0), independently of
 * the table's alert_order.
 */
#include "harness/explain/explain.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <mbedtls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void teardown(void)
{
	explain_free();
}

/* What mbedTLS's ssl_parse_certificate() sends for a verify result (the client side). */
static int mbedtls_alert_for(unsigned long f)
{
	if (f & MBEDTLS_X509_BADCERT_OTHER)
		return 49; /* MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED */
	if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH)
		return 42; /* BAD_CERT */
	if (f & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE | MBEDTLS_X509_BADCERT_NS_CERT_TYPE |
		 MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY))
		return 43; /* UNSUPPORTED_CERT */
	if (f & MBEDTLS_X509_BADCERT_EXPIRED)
		return 45; /* CERT_EXPIRED */
	if (f & MBEDTLS_X509_BADCERT_REVOKED)
		return 44; /* CERT_REVOKED */
	if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		return 48; /* UNKNOWN_CA */
	return 46; /* CERT_UNKNOWN */
}

static const unsigned long verify_flags[] = {
	MBEDTLS_X509_BADCERT_EXPIRED,	  MBEDTLS_X509_BADCERT_REVOKED,	      MBEDTLS_X509_BADCERT_CN_MISMATCH,
	MBEDTLS_X509_BADCERT_NOT_TRUSTED, MBEDTLS_X509_BADCRL_NOT_TRUSTED,    MBEDTLS_X509_BADCRL_EXPIRED,
	MBEDTLS_X509_BADCERT_MISSING,	  MBEDTLS_X509_BADCERT_SKIP_VERIFY,   MBEDTLS_X509_BADCERT_OTHER,
	MBEDTLS_X509_BADCERT_FUTURE,	  MBEDTLS_X509_BADCRL_FUTURE,	      MBEDTLS_X509_BADCERT_KEY_USAGE,
	MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, MBEDTLS_X509_BADCERT_NS_CERT_TYPE, MBEDTLS_X509_BADCERT_BAD_MD,
	MBEDTLS_X509_BADCERT_BAD_PK,	  MBEDTLS_X509_BADCERT_BAD_KEY,	      MBEDTLS_X509_BADCRL_BAD_MD,
	MBEDTLS_X509_BADCRL_BAD_PK,	  MBEDTLS_X509_BADCRL_BAD_KEY,
};
#define NFLAGS (sizeof verify_flags / sizeof verify_flags[0])

/* Every flag of the header is a row of the table, with the alert mbedTLS sends for it alone. */
START_TEST(mbedtls_verify_every_flag)
{
	const struct explain_table_info *t = explain_table_find("mbedtls-verify");
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nrows, NFLAGS);
	for (size_t i = 0; i < NFLAGS; i++) {
		const struct explain_row *r = explain_find("mbedtls-verify", (long)verify_flags[i]);
		ck_assert_msg(r && !r->composed, "no row 0x%lX", verify_flags[i]);
		ck_assert_msg(r->alert == mbedtls_alert_for(verify_flags[i]), "0x%lX: alert %d, mbedTLS sends %d",
			      verify_flags[i], r->alert, mbedtls_alert_for(verify_flags[i]));
		ck_assert(r->alert_sent);
	}
}
END_TEST

/* F1: every pair of two flags gives the alert of mbedTLS's order, not of the lowest flag. */
START_TEST(F1_mbedtls_verify_every_pair)
{
	size_t pairs = 0;
	for (size_t i = 0; i < NFLAGS; i++)
		for (size_t j = i + 1; j < NFLAGS; j++) {
			unsigned long f = verify_flags[i] | verify_flags[j];
			const struct explain_row *r = explain_find("mbedtls-verify", (long)f);
			ck_assert_msg(r != NULL, "flags 0x%lX do not decode", f);
			ck_assert(r->composed);
			ck_assert_msg(r->alert == mbedtls_alert_for(f), "flags 0x%lX: alert %d, mbedTLS sends %d", f,
				      r->alert, mbedtls_alert_for(f));
			ck_assert(r->alert_sent);
			pairs++;
		}
	ck_assert_uint_eq(pairs, NFLAGS * (NFLAGS - 1) / 2);
}
END_TEST

/* F1: the audit's three examples, as a user types them. */
START_TEST(F1_mbedtls_verify_audit_examples)
{
	static const struct {
		const char *q;
		int alert;
	} cases[] = { { "flags 0x05", 42 }, { "flags 0x108", 49 }, { "flags 0x801", 43 }, { "flags 0x0C", 42 },
		      { "flags 0x208", 48 }, { "flags 0x209", 45 }, { "flags 0x4200", 46 } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct explain_hit hits[4];
		size_t n = explain_query(cases[i].q, NULL, hits, 4);
		ck_assert_msg(n >= 1, "%s: no match", cases[i].q);
		ck_assert_str_eq(hits[0].row->stack, "mbedtls-verify");
		ck_assert_msg(hits[0].row->alert == cases[i].alert, "%s: alert %d, want %d", cases[i].q,
			      hits[0].row->alert, cases[i].alert);
	}
}
END_TEST

/* F1: the table's own order is checked by the loader: a flag outside alert_order must send 46. */
START_TEST(F1_loader_checks_alert_order)
{
	char err[256] = "";
	const char *bad = "[table]\nstack = f\ntitle = F\nalert_order = 0x1\nalert_otherwise = 46\n"
			  "[0x1]\nname = A\nmeaning = m\nsource = s\nalert = sent 45\n"
			  "[0x2]\nname = B\nmeaning = m\nsource = s\nalert = sent 44\n";
	ck_assert_int_eq(explain_check_text("f.ini", bad, err, sizeof err), -1);
	ck_assert_str_eq(err, "f.ini:11: [0x2]: not in alert_order, so its alert must be alert_otherwise 46");
	const char *missing = "[table]\nstack = f\ntitle = F\nalert_order = 0x4\nalert_otherwise = 46\n"
			      "[0x1]\nname = A\nmeaning = m\nsource = s\nalert = sent 46\n";
	ck_assert_int_eq(explain_check_text("f.ini", missing, err, sizeof err), -1);
	ck_assert_str_eq(err, "f.ini: alert_order: no row 0x4");
}
END_TEST

static Suite *findings_suite(void)
{
	Suite *s = suite_create("explain_findings");
	TCase *verify = tcase_create("mbedtls_verify");
	tcase_add_checked_fixture(verify, NULL, teardown);
	tcase_add_test(verify, mbedtls_verify_every_flag);
	tcase_add_test(verify, F1_mbedtls_verify_every_pair);
	tcase_add_test(verify, F1_mbedtls_verify_audit_examples);
	tcase_add_test(verify, F1_loader_checks_alert_order);
	suite_add_tcase(s, verify);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(findings_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
