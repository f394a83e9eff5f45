/*
 * test_explain.c - the error tables: every table loads and is complete, the
 * loader refuses broken tables (naming file, line and section), lookups by
 * number, name, hex and message text, composed codes, the cross-stack
 * equivalents, and golden outputs of 'tlsdiag explain' (the real binary:
 * $TLSDIAG, else the tlsdiag next to this test's build directory).
 *
 * TLSDIAG_UPDATE_GOLDEN=1 rewrites tests/golden/explain/ from the binary.
 */
#include "harness/core/json.h"
#include "harness/explain/explain.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GOLDEN_DIR "tests/golden/explain"

static const char *argv0;

static void teardown(void)
{
	explain_free();
}

/* ---- loading and table checks ---- */

START_TEST(every_table_loads)
{
	static const char *const stacks[] = { "tls-alert", "cc3200", "axtls", "bearssl", "mbedtls",
					      "mbedtls-verify", "wolfssl", "openssl", "openssl-get-error", NULL };
	char err[512] = "";
	ck_assert_msg(explain_load(err, sizeof err) == 0, "load failed: %s", err);
	for (size_t i = 0; stacks[i]; i++) {
		const struct explain_table_info *t = explain_table_find(stacks[i]);
		ck_assert_msg(t != NULL, "no table %s", stacks[i]);
		ck_assert_msg(t->nrows > 0, "table %s is empty", stacks[i]);
		ck_assert(t->title && *t->title);
	}
	ck_assert_ptr_null(explain_table_find("nosuchstack"));
	/* equivalents.ini and diagnosis.ini are not stack tables */
	for (size_t i = 0; explain_table(i); i++)
		ck_assert(strcmp(explain_table(i)->stack, "diagnosis") != 0);
	ck_assert_ptr_nonnull(explain_diagnosis_find("unknown_ca"));
	ck_assert(explain_stack_is_device("bearssl"));
	ck_assert(!explain_stack_is_device("openssl"));
	ck_assert(!explain_stack_is_device("tls-alert"));
}
END_TEST

START_TEST(every_row_has_meaning_and_source)
{
	const struct explain_table_info *t;
	size_t total = 0;
	for (size_t i = 0; (t = explain_table(i)); i++) {
		const struct explain_row *r;
		for (size_t j = 0; (r = explain_row_at(t->stack, j)); j++, total++) {
			ck_assert_msg(r->name && *r->name, "%s row %zu has no name", t->stack, j);
			ck_assert_msg(r->meaning && *r->meaning, "%s %ld has no meaning", t->stack, r->code);
			ck_assert_msg(r->source && *r->source, "%s %ld has no source", t->stack, r->code);
			ck_assert_str_eq(r->stack, t->stack);
			ck_assert(!r->composed);
			/* no two rows of a table share a code, but for rows of different library versions */
			for (size_t k = 0; k < j; k++) {
				const struct explain_row *o = explain_row_at(t->stack, k);
				ck_assert_msg(o->code != r->code || (*o->version && *r->version &&
								     strcmp(o->version, r->version) != 0),
					      "%s %ld twice", t->stack, r->code);
			}
		}
	}
	ck_assert_uint_gt(total, 300);
	/* the IANA registry, deprecated values included */
	ck_assert_str_eq(explain_alert(21)->name, "decryption_failed");
	ck_assert_str_eq(explain_alert(41)->name, "no_certificate");
	ck_assert_str_eq(explain_alert(116)->name, "certificate_required");
}
END_TEST

static const char *const good_table = "[table]\n"
				      "stack = demo\n"
				      "title = Demo\n"
				      "\n"
				      "[-313]\n"
				      "name = FATAL_ERROR\n"
				      "meaning = first line\n"
				      "  continued\n"
				      "source = WS: wolfssl/error-ssl.h\n";

START_TEST(loader_accepts_a_minimal_table)
{
	char err[256] = "";
	ck_assert_int_eq(explain_check_text("demo.ini", good_table, err, sizeof err), 0);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(loader_refuses_duplicate_code)
{
	/* the same code spelled two ways: only a check on the parsed number catches it */
	const char *text = "[table]\nstack = demo\ntitle = Demo\n"
			   "[-313]\nname = A\nmeaning = m\nsource = s\n"
			   "\n"
			   "[-0x139]\nname = B\nmeaning = m\nsource = s\n";
	char err[256] = "";
	ck_assert_int_eq(explain_check_text("demo.ini", text, err, sizeof err), -1);
	ck_assert_str_eq(err, "demo.ini:9: [-0x139]: duplicate code -313 (first in section at line 4)");
}
END_TEST

START_TEST(loader_refuses_duplicate_section)
{
	const char *text = "[table]\nstack = demo\ntitle = Demo\n"
			   "[40]\nname = A\nmeaning = m\nsource = s\n"
			   "[40]\nname = B\nmeaning = m\nsource = s\n";
	char err[256] = "";
	ck_assert_int_eq(explain_check_text("demo.ini", text, err, sizeof err), -1);
	ck_assert_str_eq(err, "demo.ini:8: duplicate section [40] (first at line 4)");
}
END_TEST

START_TEST(loader_refuses_incomplete_rows)
{
	char err[256] = "";
	ck_assert_int_eq(explain_check_text("demo.ini",
					    "[table]\nstack = demo\ntitle = Demo\n[1]\nname = A\nsource = s\n", err,
					    sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:4: [1]: row has no meaning");
	ck_assert_int_eq(explain_check_text("demo.ini",
					    "[table]\nstack = demo\ntitle = Demo\n[1]\nname = A\nmeaning = m\n", err,
					    sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:4: [1]: row has no source");
	ck_assert_int_eq(explain_check_text("demo.ini", "[table]\nstack = demo\ntitle = Demo\n[x1]\nname = A\n", err,
					    sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:4: [x1]: section name is not a code");
	ck_assert_int_eq(explain_check_text("demo.ini", "[1]\nname = A\nmeaning = m\nsource = s\n", err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:1: [1]: the file must start with a [table] section");
	ck_assert_int_eq(explain_check_text("demo.ini", "[table]\nstack = demo\ntitle = Demo\n[1]\nname = A\n"
							"meaning = m\nsource = s\nbogus = 1\n",
					    err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:4: [1]: unknown key 'bogus'");
}
END_TEST

START_TEST(loader_refuses_what_inih_would_misread)
{
	char err[256] = "", text[512];
	/* inih cuts " ;" as an inline comment */
	ck_assert_int_eq(explain_check_text("demo.ini",
					    "[table]\nstack = demo\ntitle = Demo\n[1]\nname = A\nmeaning = a ; b\n", err,
					    sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:6: ' ;' would be read as a comment (write ',' or '.')");
	/* an indented '[' is a section header to inih */
	ck_assert_int_eq(explain_check_text("demo.ini",
					    "[table]\nstack = demo\ntitle = Demo\n[1]\nname = A\nmeaning = a\n  [b]\n",
					    err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:7: an indented line starting with '[' is read as a section");
	/* inih splits long lines silently */
	snprintf(text, sizeof text, "[table]\nstack = demo\ntitle = %0*d\n", 250, 0);
	ck_assert_int_eq(explain_check_text("demo.ini", text, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "demo.ini:3: line longer than"));
	/* a key twice in one section */
	ck_assert_int_eq(explain_check_text("demo.ini", "[table]\nstack = a\nstack = b\ntitle = T\n", err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:3: key 'stack' twice in section [table]");
	/* an empty section would desynchronise the section count */
	ck_assert_int_eq(explain_check_text("demo.ini", "[table]\nstack = a\ntitle = T\n[1]\n[2]\nname = x\n", err,
					    sizeof err),
			 -1);
	ck_assert_str_eq(err, "demo.ini:4: section [1] has no keys");
}
END_TEST

/* ---- lookups ---- */

START_TEST(lookup_by_number)
{
	const struct explain_row *r = explain_find("wolfssl", -313);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->name, "FATAL_ERROR");
	ck_assert_str_eq(explain_find("wolfssl", -308)->name, "SOCKET_ERROR_E");
	ck_assert_str_eq(explain_find("wolfssl", -150)->name, "ASN_BEFORE_DATE_E");
	ck_assert_str_eq(explain_find("wolfssl", -151)->name, "ASN_AFTER_DATE_E");
	ck_assert_str_eq(explain_find("wolfssl", -188)->name, "ASN_NO_SIGNER_E");
	ck_assert_str_eq(explain_find("wolfssl", -501)->name, "MATCH_SUITE_ERROR");
	ck_assert_str_eq(explain_find("cc3200", -456)->name, "SL_ESECBADCAFILE");
	ck_assert_str_eq(explain_find("cc3200", -208)->name, "SL_ESEC_SOCKET_ERROR_E");
	ck_assert_str_eq(explain_find("axtls", -256)->name, "SSL_ERROR_CONN_LOST");
	ck_assert_str_eq(explain_find("bearssl", 62)->name, "BR_ERR_X509_NOT_TRUSTED");
	ck_assert_str_eq(explain_find("mbedtls", -0x7780)->name, "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
	ck_assert_str_eq(explain_find("openssl", 193)->name, "SSL_R_NO_SHARED_CIPHER");
	ck_assert_str_eq(explain_alert(40)->name, "handshake_failure");
	ck_assert_ptr_null(explain_find("wolfssl", 12345));
	ck_assert_ptr_null(explain_find("nosuchstack", 40));
	ck_assert_ptr_null(explain_find(NULL, 40));
	ck_assert_ptr_null(explain_alert(255));
}
END_TEST

START_TEST(lookup_by_name)
{
	const struct explain_row *r = explain_find_name(NULL, "br_err_x509_not_trusted");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->stack, "bearssl");
	ck_assert_int_eq(r->code, 62);
	ck_assert_int_eq(explain_find_name("cc3200", "SL_ESECBADCAFILE")->code, -456);
	ck_assert_ptr_null(explain_find_name("wolfssl", "SL_ESECBADCAFILE"));
	ck_assert_ptr_null(explain_find_name(NULL, "NO_SUCH_NAME"));
}
END_TEST

START_TEST(composed_codes_decode)
{
	const struct explain_row *r = explain_find("axtls", -40);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->composed);
	ck_assert_int_eq(r->alert, 40);
	ck_assert(!r->alert_sent);
	ck_assert_ptr_nonnull(strstr(r->shows, "Error: SSL error 40"));
	ck_assert_ptr_eq(explain_find("axtls", -40), r); /* built once */
	r = explain_find("bearssl", 296);
	ck_assert_int_eq(r->alert, 40);
	ck_assert(!r->alert_sent);
	r = explain_find("bearssl", 512 + 48);
	ck_assert_int_eq(r->alert, 48);
	ck_assert(r->alert_sent);
	r = explain_find("mbedtls", -0x21E2);
	ck_assert_str_eq(r->name, "MBEDTLS_ERR_X509_INVALID_FORMAT + MBEDTLS_ERR_ASN1_UNEXPECTED_TAG");
	r = explain_find("openssl", 1048);
	ck_assert_str_eq(r->name, "SSL_R_TLSV1_ALERT_UNKNOWN_CA"); /* a row; 1000 + alert for the others */
	r = explain_find("openssl", 1052);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->composed);
	ck_assert_int_eq(r->alert, 52);
	r = explain_find("cc3200", -416); /* -(300 + 116), not in the Gen1 header */
	ck_assert_int_eq(r->alert, 116);
	r = explain_find("mbedtls-verify", 0x0C);
	ck_assert_str_eq(r->name, "MBEDTLS_X509_BADCERT_CN_MISMATCH | MBEDTLS_X509_BADCERT_NOT_TRUSTED");
	ck_assert_int_eq(r->alert, 42); /* the first flag in ssl_tls.c's order */
	ck_assert_ptr_null(explain_find("axtls", -300)); /* no alert 44 + 256 */
	ck_assert_ptr_null(explain_find("axtls", -13)); /* no alert 13 */
	ck_assert_ptr_null(explain_find("mbedtls-verify", 0x100000));
	ck_assert_ptr_null(explain_find("mbedtls", -0x2101)); /* low part 0x01 is no row */
}
END_TEST

START_TEST(parse_number_is_strict)
{
	long v;
	ck_assert_int_eq(explain_parse_number("-0x7780", &v), 0);
	ck_assert_int_eq(v, -0x7780);
	ck_assert_int_eq(explain_parse_number("40", &v), 0);
	ck_assert_int_eq(v, 40);
	ck_assert_int_eq(explain_parse_number("0", &v), 0);
	ck_assert_int_eq(explain_parse_number("010", &v), -1);
	ck_assert_int_eq(explain_parse_number("12abc", &v), -1);
	ck_assert_int_eq(explain_parse_number("", &v), -1);
	ck_assert_int_eq(explain_parse_number("-", &v), -1);
	ck_assert_int_eq(explain_parse_number("0x", &v), -1);
	ck_assert_int_eq(explain_parse_number("99999999999999999999999", &v), -1);
	ck_assert_int_eq(explain_parse_number(NULL, &v), -1);
}
END_TEST

/* ---- reading what a user typed ---- */

static const struct explain_row *first_hit(const char *q, const char *stack, size_t *n)
{
	static struct explain_hit hits[32];
	*n = explain_query(q, stack, hits, 32);
	return *n ? hits[0].row : NULL;
}

static void assert_first(const char *q, const char *stack, const char *want_stack, long want_code)
{
	size_t n;
	const struct explain_row *r = first_hit(q, stack, &n);
	ck_assert_msg(r != NULL, "'%s': no match", q);
	ck_assert_msg(strcmp(r->stack, want_stack) == 0 && r->code == want_code, "'%s': first is %s %ld, want %s %ld",
		      q, r->stack, r->code, want_stack, want_code);
}

START_TEST(query_forms)
{
	assert_first("40", NULL, "tls-alert", 40);
	assert_first("alert:40", NULL, "tls-alert", 40);
	assert_first("alert 112", NULL, "tls-alert", 112);
	assert_first("handshake_failure", NULL, "tls-alert", 40);
	assert_first("456", "cc3200", "cc3200", -456);
	assert_first("-0x7780", NULL, "mbedtls", -0x7780);
	assert_first("-0X7780", NULL, "mbedtls", -0x7780);
	assert_first("SSL error 40", NULL, "axtls", -40);
	assert_first("Error: SSL error 40", NULL, "axtls", -40);
	assert_first("OSError 208", NULL, "cc3200", -208);
	assert_first("OSError: 456", NULL, "cc3200", -456);
	assert_first("OSError(-456)", NULL, "cc3200", -456);
	assert_first("ssl_handshake_status: -40", NULL, "axtls", -40);
	assert_first("ssl_handshake_status:-256", NULL, "axtls", -256);
	assert_first("BR_ERR_X509_NOT_TRUSTED", NULL, "bearssl", 62);
	assert_first("X509_NOT_TRUSTED", NULL, "bearssl", 62);
	assert_first("-313", NULL, "wolfssl", -313);
	assert_first("0A000418", NULL, "openssl", 1048);
	assert_first("error:0A0000C1:SSL routines::no shared cipher", NULL, "openssl", 193);
	assert_first("296", "bearssl", "bearssl", 296);
	assert_first("-0x21E2", NULL, "mbedtls", -0x21E2);
	assert_first("flags 0x08", NULL, "mbedtls-verify", 0x08);
	assert_first("no shared cipher", NULL, "openssl", 193);
	assert_first("sslv3 alert handshake failure", NULL, "openssl", 1040);
	/* the three spellings of OpenSSL 3.0, 3.2+ and 4.0 */
	assert_first("tlsv1 alert unknown ca", NULL, "openssl", 1048);
	assert_first("ssl/tls alert unknown ca", NULL, "openssl", 1048);
	assert_first("tls alert unknown ca", NULL, "openssl", 1048);
	assert_first("SSL alert number 48", NULL, "openssl", 1048);
	assert_first("Alert: handshake failure", NULL, "tls-alert", 40);
}
END_TEST

START_TEST(query_ranks_every_stack)
{
	struct explain_hit hits[32];
	size_t n = explain_query("40", NULL, hits, 32);
	bool axtls = false, bearssl = false;
	ck_assert_uint_ge(n, 3);
	ck_assert_str_eq(hits[0].row->stack, "tls-alert");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_int_ge(hits[i].rank, hits[i - 1].rank);
		axtls |= strcmp(hits[i].row->stack, "axtls") == 0 && hits[i].row->code == -40;
		bearssl |= strcmp(hits[i].row->stack, "bearssl") == 0 && hits[i].row->code == 40;
	}
	ck_assert(axtls);
	ck_assert(bearssl);
	/* the verify flags are not searched for bare numbers */
	n = explain_query("8", NULL, hits, 32);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_ne(hits[i].row->stack, "mbedtls-verify");
	/* max is respected */
	ck_assert_uint_eq(explain_query("40", NULL, hits, 1), 1);
}
END_TEST

START_TEST(query_unknown_is_empty)
{
	struct explain_hit hits[8];
	ck_assert_uint_eq(explain_query("nonsense words", NULL, hits, 8), 0);
	ck_assert_uint_eq(explain_query("", NULL, hits, 8), 0);
	ck_assert_uint_eq(explain_query("   ", NULL, hits, 8), 0);
	ck_assert_uint_eq(explain_query(NULL, NULL, hits, 8), 0);
	ck_assert_uint_eq(explain_query("999999", "wolfssl", hits, 8), 0);
	ck_assert_uint_eq(explain_query("40", "nosuchstack", hits, 8), 0);
	ck_assert_uint_eq(explain_query("40", NULL, hits, 0), 0);
}
END_TEST

/* ---- equivalents ---- */

static bool has_row(const struct explain_row **rows, size_t n, const char *stack, long code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i]->stack, stack) == 0 && rows[i]->code == code)
			return true;
	return false;
}

START_TEST(equivalents_of_received_alerts)
{
	static const int alerts[] = { 40, 42, 45, 46, 48, 70, 112 };
	for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++) {
		const struct explain_row *rows[32];
		int a = alerts[i];
		size_t n = explain_equivalents(a, 1, rows, 32);
		ck_assert_msg(n >= 5, "received:%d has %zu rows", a, n);
		ck_assert_msg(has_row(rows, n, "cc3200", -(300 + a)), "received:%d: no cc3200", a);
		ck_assert_msg(has_row(rows, n, "axtls", -a), "received:%d: no axtls", a);
		ck_assert_msg(has_row(rows, n, "bearssl", 256 + a), "received:%d: no bearssl", a);
		ck_assert_msg(has_row(rows, n, "mbedtls", -0x7780), "received:%d: no mbedtls", a);
		ck_assert_msg(has_row(rows, n, "wolfssl", -313), "received:%d: no wolfssl", a);
		ck_assert_int_eq(explain_find("axtls", -a)->alert, a);
	}
	{
		const struct explain_row *rows[32];
		size_t n = explain_equivalents(40, 1, rows, 32);
		ck_assert(has_row(rows, n, "openssl", 193)); /* the server's log line for it */
		ck_assert_uint_eq(explain_equivalents(40, 1, rows, 2), 2);
		ck_assert_uint_eq(explain_equivalents(99, 1, rows, 32), 0);
	}
}
END_TEST

START_TEST(equivalents_of_sent_alerts)
{
	const struct explain_row *rows[32];
	size_t n = explain_equivalents(48, 0, rows, 32);
	ck_assert(has_row(rows, n, "axtls", -514));
	ck_assert(!has_row(rows, n, "bearssl", 560)); /* a BearSSL client sends no alert (F15) */
	ck_assert(has_row(rows, n, "mbedtls-verify", 0x08));
	ck_assert(has_row(rows, n, "openssl", 1048));
	n = explain_equivalents(42, 0, rows, 32);
	ck_assert(has_row(rows, n, "mbedtls-verify", 0x04));
	ck_assert(has_row(rows, n, "axtls", -515));
	n = explain_equivalents(45, 0, rows, 32);
	ck_assert(has_row(rows, n, "axtls", -517));
	n = explain_equivalents(46, 0, rows, 32);
	ck_assert(has_row(rows, n, "mbedtls-verify", 0x200));
	n = explain_equivalents(70, 0, rows, 32);
	ck_assert(has_row(rows, n, "axtls", -263));
	n = explain_equivalents(40, 0, rows, 32);
	ck_assert(has_row(rows, n, "axtls", -266));
}
END_TEST

START_TEST(equivalents_of_cc3200_cases)
{
	const struct explain_row *rows[32];
	const struct explain_equiv *eqs[8];
	size_t n = explain_equivalents_kind("bad_ca_file", rows, 32);
	ck_assert_uint_ge(n, 3);
	ck_assert_str_eq(rows[0]->stack, "cc3200");
	ck_assert_int_eq(rows[0]->code, -456);
	ck_assert(has_row(rows, n, "wolfssl", -140));
	ck_assert(has_row(rows, n, "wolfssl", -162));
	ck_assert(has_row(rows, n, "mbedtls", -0x2180)); /* F3: not -0x21E2 */
	ck_assert(!has_row(rows, n, "mbedtls", -0x21E2));
	n = explain_equivalents_kind("connection_dropped", rows, 32);
	ck_assert_int_eq(rows[0]->code, -208);
	ck_assert(has_row(rows, n, "wolfssl", -308));
	ck_assert(has_row(rows, n, "axtls", -256));
	ck_assert(!has_row(rows, n, "bearssl", 31)); /* F7: getLastSSLError() is 0 after a TCP drop */
	ck_assert(has_row(rows, n, "mbedtls", -0x7280));
	ck_assert_uint_eq(explain_equivalents_kind("no_such_kind", rows, 32), 0);
	/* a row finds the sections that list it */
	n = explain_equiv_for_row(explain_find("cc3200", -456), eqs, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(eqs[0]->key, "kind:bad_ca_file");
	n = explain_equiv_for_row(explain_find("cc3200", -208), eqs, 8);
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(eqs[0]->key, "kind:connection_dropped");
	/* a code that stands for every alert is not tied to one */
	n = explain_equiv_for_row(explain_find("mbedtls", -0x7780), eqs, 8);
	ck_assert_uint_eq(n, 0);
	/* an alert row: both directions */
	n = explain_equiv_for_row(explain_alert(48), eqs, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(eqs[0]->key, "received:48");
	ck_assert_str_eq(eqs[1]->key, "sent:48");
	/* the OpenSSL server received 48: the device sent it */
	n = explain_equiv_for_row(explain_find("openssl", 1048), eqs, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(eqs[0]->key, "sent:48");
	ck_assert_str_eq(eqs[1]->key, "kind:unknown_ca");
}
END_TEST

START_TEST(equivalents_kinds_listed)
{
	const char *const *k = explain_kinds();
	static const char *const want[] = { "unknown_ca", "expired", "not_yet_valid", "hostname_mismatch",
					    "bad_ca_file", "connection_dropped", NULL };
	for (size_t i = 0; want[i]; i++) {
		bool found = false;
		for (size_t j = 0; k[j]; j++)
			found |= strcmp(k[j], want[i]) == 0;
		ck_assert_msg(found, "kind %s missing", want[i]);
	}
}
END_TEST

START_TEST(equivalents_line_for_reports)
{
	char buf[1024];
	const struct explain_equiv *eq = explain_equiv_find("received:40");
	ck_assert_ptr_nonnull(eq);
	explain_equiv_line(eq, buf, sizeof buf);
	ck_assert_msg(strncmp(buf, "on CC3200: -340 SL_ESEC_HANDSHAKE_FAILURE, -213 SL_ESEC_FATAL_ERROR; on axTLS: -40 ",
			      83) == 0,
		      "got: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "; on mbedTLS: -0x7780 MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE; "));
	explain_equiv_line(eq, buf, 20); /* truncates, stays terminated */
	ck_assert_uint_eq(strlen(buf), 19);
}
END_TEST

/* ---- the binary: golden outputs ---- */

/* Runs tlsdiag with args; returns its exit status and its stdout in a malloc'd string. */
static int run_tlsdiag(const char *const *args, char **out)
{
	char path[PATH_MAX];
	char *argv[16];
	int fds[2], status = -1;
	size_t n = 0, cap = 4096;
	pid_t pid;
	tu_tlsdiag_path(argv0, path, sizeof path);
	ck_assert_msg(access(path, X_OK) == 0, "%s is not executable (build it, or set TLSDIAG)", path);
	argv[0] = path;
	argv[1] = (char *)"explain";
	size_t k = 2;
	for (; args[k - 2] && k < 15; k++)
		argv[k] = (char *)args[k - 2];
	argv[k] = NULL;
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 2); /* the usage errors are expected: keep the test log clean */
		close(fds[0]);
		close(fds[1]);
		execv(path, argv);
		_exit(127);
	}
	close(fds[1]);
	*out = malloc(cap);
	ck_assert_ptr_nonnull(*out);
	for (;;) {
		ssize_t r;
		if (n + 1 == cap) {
			cap *= 2;
			*out = realloc(*out, cap);
			ck_assert_ptr_nonnull(*out);
		}
		r = read(fds[0], *out + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	(*out)[n] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}


static void check_golden(const char *name, const char *const *args)
{
	char path[512], *got = NULL, *want;
	int rc = run_tlsdiag(args, &got);
	snprintf(path, sizeof path, "%s/%s.txt", GOLDEN_DIR, name);
	ck_assert_int_eq(rc, 0);
	if (getenv("TLSDIAG_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");
		ck_assert_msg(f != NULL, "cannot write %s", path);
		fputs(got, f);
		fclose(f);
	}
	want = tu_slurp(path, NULL);
	ck_assert_msg(want != NULL, "no golden file %s (run from the source root)", path);
	ck_assert_msg(strcmp(got, want) == 0, "'tlsdiag explain' output differs from %s:\n%s", path, got);
	free(got);
	free(want);
}

START_TEST(golden_alert_40)
{
	static const char *const args[] = { "40", NULL };
	check_golden("40", args);
}
END_TEST

START_TEST(golden_cc3200_456)
{
	static const char *const args[] = { "456", "--stack", "cc3200", NULL };
	check_golden("456-stack-cc3200", args);
}
END_TEST

START_TEST(golden_mbedtls_7780)
{
	static const char *const args[] = { "-0x7780", NULL };
	check_golden("neg-0x7780", args);
}
END_TEST

START_TEST(golden_axtls_ssl_error_40)
{
	static const char *const args[] = { "SSL error 40", NULL };
	check_golden("ssl-error-40", args);
}
END_TEST

START_TEST(golden_bearssl_not_trusted)
{
	static const char *const args[] = { "BR_ERR_X509_NOT_TRUSTED", NULL };
	check_golden("BR_ERR_X509_NOT_TRUSTED", args);
}
END_TEST

START_TEST(cli_exit_codes_and_json)
{
	char *out = NULL;
	char err[128];
	struct jv *doc;
	const struct jv *m;
	static const char *const unknown[] = { "999999", "--stack", "wolfssl", NULL };
	static const char *const badopt[] = { "--bogus", NULL };
	static const char *const badstack[] = { "40", "--stack", "nope", NULL };
	static const char *const none[] = { NULL };
	static const char *const help[] = { "--help", NULL };
	static const char *const json[] = { "--json", "OSError", "456", NULL };
	static const char *const list[] = { "--list", "--stack", "axtls", NULL };
	static const char *const list_code[] = { "--list", "40", NULL };
	static const char *const dashdash[] = { "--", "-0x2700", NULL };
	static const char *const v3[] = { "--stack", "mbedtls@3", "--", "-0x7300", NULL };
	static const char *const v3list[] = { "--list", "--stack", "mbedtls@3", NULL };
	ck_assert_int_eq(run_tlsdiag(unknown, &out), 2);
	free(out);
	ck_assert_int_eq(run_tlsdiag(badopt, &out), 2);
	free(out);
	ck_assert_int_eq(run_tlsdiag(badstack, &out), 2);
	free(out);
	ck_assert_int_eq(run_tlsdiag(none, &out), 2);
	free(out);
	ck_assert_int_eq(run_tlsdiag(help, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "exit status: 0 explained, 2"));
	free(out);
	ck_assert_int_eq(run_tlsdiag(list, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "SSL_ERROR_CONN_LOST"));
	free(out);
	ck_assert_int_eq(run_tlsdiag(list_code, &out), 2); /* not silently ignored */
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_int_eq(run_tlsdiag(dashdash, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "mbedTLS -0x2700  MBEDTLS_ERR_X509_CERT_VERIFY_FAILED\n"));
	free(out);
	ck_assert_int_eq(run_tlsdiag(v3, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "mbedTLS -0x7300  MBEDTLS_ERR_SSL_DECODE_ERROR\n"));
	ck_assert_ptr_nonnull(strstr(out, "  version   mbedTLS 3.x only\n"));
	ck_assert_ptr_null(strstr(out, "UNKNOWN_CIPHER"));
	free(out);
	ck_assert_int_eq(run_tlsdiag(v3list, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "MBEDTLS_ERR_SSL_CACHE_ENTRY_NOT_FOUND"));
	ck_assert_ptr_null(strstr(out, "MBEDTLS_ERR_SSL_BAD_HS_FINISHED"));
	free(out);
	ck_assert_int_eq(run_tlsdiag(json, &out), 0);
	doc = jv_parse_string(out, err, sizeof err);
	ck_assert_msg(doc != NULL, "bad JSON: %s", err);
	m = jv_at(jv_get(doc, "matches"), 0);
	ck_assert_str_eq(jv_str(jv_get(jv_get(m, "row"), "name")), "SL_ESECBADCAFILE");
	ck_assert_int_eq(jv_intval(jv_get(jv_get(m, "row"), "code")), -456);
	ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(m, "equivalents"), 0), "key")), "kind:bad_ca_file");
	jv_free(doc);
	free(out);
}
END_TEST

static Suite *explain_suite(void)
{
	Suite *s = suite_create("explain");
	TCase *tables = tcase_create("tables");
	TCase *lookup = tcase_create("lookup");
	TCase *equiv = tcase_create("equivalents");
	TCase *cli = tcase_create("cli");
	tcase_add_checked_fixture(tables, NULL, teardown);
	tcase_add_test(tables, every_table_loads);
	tcase_add_test(tables, every_row_has_meaning_and_source);
	tcase_add_test(tables, loader_accepts_a_minimal_table);
	tcase_add_test(tables, loader_refuses_duplicate_code);
	tcase_add_test(tables, loader_refuses_duplicate_section);
	tcase_add_test(tables, loader_refuses_incomplete_rows);
	tcase_add_test(tables, loader_refuses_what_inih_would_misread);
	suite_add_tcase(s, tables);
	tcase_add_checked_fixture(lookup, NULL, teardown);
	tcase_add_test(lookup, lookup_by_number);
	tcase_add_test(lookup, lookup_by_name);
	tcase_add_test(lookup, composed_codes_decode);
	tcase_add_test(lookup, parse_number_is_strict);
	tcase_add_test(lookup, query_forms);
	tcase_add_test(lookup, query_ranks_every_stack);
	tcase_add_test(lookup, query_unknown_is_empty);
	suite_add_tcase(s, lookup);
	tcase_add_checked_fixture(equiv, NULL, teardown);
	tcase_add_test(equiv, equivalents_of_received_alerts);
	tcase_add_test(equiv, equivalents_of_sent_alerts);
	tcase_add_test(equiv, equivalents_of_cc3200_cases);
	tcase_add_test(equiv, equivalents_kinds_listed);
	tcase_add_test(equiv, equivalents_line_for_reports);
	suite_add_tcase(s, equiv);
	tcase_set_timeout(cli, 30);
	tcase_add_test(cli, golden_alert_40);
	tcase_add_test(cli, golden_cc3200_456);
	tcase_add_test(cli, golden_mbedtls_7780);
	tcase_add_test(cli, golden_axtls_ssl_error_40);
	tcase_add_test(cli, golden_bearssl_not_trusted);
	tcase_add_test(cli, cli_exit_codes_and_json);
	suite_add_tcase(s, cli);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(explain_suite());
	int failed;
	(void)argc;
	argv0 = argv[0];
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
