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
#include <stdint.h>
#ifdef TLSDIAG_HAVE_MBEDTLS
#include <mbedtls/x509.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void teardown(void)
{
	explain_free();
}

/*
 * The two oracle tests need mbedTLS's own flag values: only where the
 * Makefile found its headers (MBEDTLS=yes passes -DTLSDIAG_HAVE_MBEDTLS).
 */
#ifdef TLSDIAG_HAVE_MBEDTLS
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
#endif /* TLSDIAG_HAVE_MBEDTLS */

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


static bool lists(const char *key, const char *stack, long code)
{
	const struct explain_equiv *eq = explain_equiv_find(key);
	ck_assert_msg(eq != NULL, "no [%s]", key);
	for (size_t i = 0; i < eq->nrows; i++)
		if (strcmp(eq->rows[i]->stack, stack) == 0 && eq->rows[i]->code == code)
			return true;
	return false;
}

static size_t position(const char *key, const char *stack, long code)
{
	const struct explain_equiv *eq = explain_equiv_find(key);
	for (size_t i = 0; eq && i < eq->nrows; i++)
		if (strcmp(eq->rows[i]->stack, stack) == 0 && eq->rows[i]->code == code)
			return i;
	return SIZE_MAX;
}

/* F2: 3.x reuses six numbers for other names, and removed six; each lookup names its version. */
START_TEST(F2_mbedtls3_reused_and_removed)
{
	static const struct {
		long code;
		const char *v2, *v3;
	} reused[] = {
		{ -0x7300, "MBEDTLS_ERR_SSL_UNKNOWN_CIPHER", "MBEDTLS_ERR_SSL_DECODE_ERROR" },
		{ -0x7580, "MBEDTLS_ERR_SSL_CERTIFICATE_REQUIRED", "MBEDTLS_ERR_SSL_NO_APPLICATION_PROTOCOL" },
		{ -0x7B00, "MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE", "MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET" },
		{ -0x7B80, "MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO_DONE", "MBEDTLS_ERR_SSL_CANNOT_READ_EARLY_DATA" },
		{ -0x7C00, "MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE", "MBEDTLS_ERR_SSL_RECEIVED_EARLY_DATA" },
		{ -0x7E80, "MBEDTLS_ERR_SSL_BAD_HS_FINISHED", "MBEDTLS_ERR_SSL_CACHE_ENTRY_NOT_FOUND" },
		{ -0x7800, "MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED", "MBEDTLS_ERR_SSL_UNRECOGNIZED_NAME" },
	};
	static const long removed[] = { -0x6F00, -0x7900, -0x7980, -0x7A80, -0x7D80, -0x7E00 };
	struct explain_hit hits[8];
	for (size_t i = 0; i < sizeof reused / sizeof reused[0]; i++) {
		const struct explain_row *a = explain_find("mbedtls@2.28", reused[i].code);
		const struct explain_row *b = explain_find("mbedtls@3.6.0", reused[i].code);
		ck_assert_str_eq(a->name, reused[i].v2);
		ck_assert_str_eq(b->name, reused[i].v3);
		ck_assert_str_eq(a->version, "mbedTLS 2.x");
		ck_assert_str_eq(b->version, "mbedTLS 3.x");
		ck_assert_ptr_eq(explain_find("mbedtls", reused[i].code), a); /* the default is 2.x */
	}
	for (size_t i = 0; i < sizeof removed / sizeof removed[0]; i++) {
		ck_assert_ptr_nonnull(explain_find("mbedtls@2", removed[i]));
		ck_assert_ptr_null(explain_find("mbedtls@3", removed[i]));
	}
	/* 3.x also dropped the hardware-acceleration codes of PK, RSA, ECP and cipher */
	ck_assert_ptr_null(explain_find("mbedtls@3", -0x4580));
	ck_assert_str_eq(explain_find("mbedtls@2", -0x4580)->name, "MBEDTLS_ERR_RSA_HW_ACCEL_FAILED");
	/* unknown which: both candidates; --stack mbedtls@3: one */
	ck_assert_uint_eq(explain_query("-0x7300", NULL, hits, 8), 2);
	ck_assert_uint_eq(explain_query("-0x7300", "mbedtls@3", hits, 8), 1);
	ck_assert_str_eq(hits[0].row->name, "MBEDTLS_ERR_SSL_DECODE_ERROR");
	ck_assert_ptr_null(explain_table_find("mbedtls@1")); /* older than the first version */
	ck_assert_ptr_null(explain_table_find("axtls@2")); /* a table without versions */
	/* dh_too_small: 2.28 -0x7B00, 3.6 -0x6600 */
	ck_assert(lists("kind:dh_too_small", "mbedtls", -0x7B00));
	ck_assert_str_eq(explain_equiv_find("kind:dh_too_small")->rows[1]->name, "MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER");
	{
		char line[1024];
		explain_equiv_line(explain_equiv_find("kind:dh_too_small"), line, sizeof line);
		ck_assert_msg(strstr(line, "on mbedTLS: -0x7B00 MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE, -0x6600 "
					   "MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER (mbedTLS 3.x)"),
			      "%s", line);
	}
}
END_TEST

/* F3: PEM to mbedtls_x509_crt_parse_der is -0x2180, not -0x21E2; DER to _parse is accepted. */
START_TEST(F3_mbedtls_pem_der)
{
	const struct explain_row *r = explain_find("mbedtls", -0x2180);
	ck_assert_ptr_nonnull(strstr(r->causes, "mbedtls_x509_crt_parse_der(): -0x2180 alone"));
	ck_assert_ptr_nonnull(strstr(explain_find("mbedtls", -0x1080)->meaning, "DER given to it is accepted"));
	ck_assert(lists("kind:bad_ca_file", "mbedtls", -0x2180));
	ck_assert(!lists("kind:bad_ca_file", "mbedtls", -0x21E2));
	ck_assert(!lists("kind:bad_ca_file", "mbedtls", -0x1080));
}
END_TEST

/* F4: CERTIFICATE_REQUIRED and NO_CIPHER_CHOSEN are a server's codes. */
START_TEST(F4_mbedtls_server_only_codes)
{
	ck_assert_ptr_nonnull(strstr(explain_find("mbedtls", -0x7580)->meaning, "Only the server branch"));
	ck_assert_ptr_nonnull(strstr(explain_find("mbedtls", -0x7380)->meaning, "Only a server"));
	ck_assert(!lists("kind:no_shared_cipher", "mbedtls", -0x7380));
	ck_assert(lists("kind:no_shared_cipher", "mbedtls", -0x7780));
}
END_TEST

/* F5, F6: CC3200 Gen1 codes are CyaSSL 2.x numbers; "wolfSSL minus 100" fails for -225 and -272. */
START_TEST(F5_F6_cc3200_cyassl_numbers)
{
	const struct explain_row *r = explain_find("cc3200", -225);
	ck_assert_ptr_nonnull(strstr(r->meaning, "IPADDR_MISMATCH"));
	r = explain_find("cc3200", -272);
	ck_assert_ptr_nonnull(strstr(r->meaning, "SSL-layer SSL_NO_PEM_HEADER"));
	ck_assert_ptr_nonnull(strstr(r->meaning, "not wolfCrypt's -162"));
	ck_assert_ptr_nonnull(strstr(explain_equiv_find("kind:connection_dropped")->note, "CyaSSL 2.x"));
	/* CyaSSL 2.x vs wolfSSL: the same number is another code, or none */
	ck_assert_str_eq(explain_find("wolfssl@2", -208)->name, "SOCKET_ERROR_E");
	ck_assert_ptr_null(explain_find("wolfssl", -208)); /* wolfSSL: -308 */
	ck_assert_str_eq(explain_find("wolfssl@2", -229)->name, "VERIFY_CERT_ERROR");
	ck_assert_str_eq(explain_find("wolfssl@5.5.4", -229)->name, "SIG_VERIFY_E");
	ck_assert_ptr_null(explain_find("wolfssl@2", -308));
	ck_assert_str_eq(explain_find("wolfssl@2", -188)->name, "ASN_NO_SIGNER_E"); /* wolfCrypt kept its numbers */
	ck_assert_str_eq(explain_find("wolfssl@2", -225)->name, "PMS_VERSION_ERROR");
	ck_assert_int_eq(explain_find_name("wolfssl", "SOCKET_ERROR_E")->code, -308); /* the default version's */
	ck_assert_int_eq(explain_find_name("wolfssl@2", "SOCKET_ERROR_E")->code, -208);
	ck_assert_ptr_null(explain_find("wolfssl", -225));
}
END_TEST

/* F7: after a TCP drop getLastSSLError() is 0 on the ESP8266: 31 is not its code for it. */
START_TEST(F7_bearssl_io_not_after_tcp_drop)
{
	ck_assert(!lists("kind:connection_dropped", "bearssl", 31));
	ck_assert_ptr_nonnull(strstr(explain_find("bearssl", 31)->meaning, "getLastSSLError() is 0"));
	ck_assert_ptr_nonnull(explain_find("bearssl", -1000)); /* WiFiClientSecure's out of memory */
}
END_TEST

/* F8: BR_ERR_NO_CLIENT_AUTH is a server's. */
START_TEST(F8_bearssl_no_client_auth_server_side)
{
	ck_assert_ptr_nonnull(strstr(explain_find("bearssl", 29)->meaning, "Server side"));
}
END_TEST

/* F9: -453 before and after MicroPython 1.9.2. */
START_TEST(F9_cc3200_453_by_micropython_version)
{
	const struct explain_row *old = explain_find("cc3200@1.9.1", -453);
	const struct explain_row *now = explain_find("cc3200@1.12", -453);
	struct explain_hit hits[8];
	ck_assert_ptr_nonnull(strstr(old->meaning, "ignores it unless"));
	ck_assert_ptr_nonnull(strstr(now->meaning, "raises OSError 453"));
	ck_assert_ptr_eq(explain_find("cc3200", -453), now); /* the default: current MicroPython */
	ck_assert_str_eq(old->version, "MicroPython up to 1.9.1");
	ck_assert_uint_eq(explain_query("OSError 453", "cc3200", hits, 8), 2);
}
END_TEST

/* F10: axTLS CONN_LOST sends no alert. */
START_TEST(F10_axtls_conn_lost_no_alert)
{
	const struct explain_row *r = explain_find("axtls", -256);
	ck_assert_int_eq(r->alert, -1);
	ck_assert_ptr_nonnull(strstr(r->meaning, "sends no alert"));
	ck_assert_ptr_null(strstr(explain_alert(0)->causes, "axTLS"));
}
END_TEST

/* F11, F12: unknown_ca lists -188 as possible; no_shared_cipher puts the received alert first. */
START_TEST(F11_F12_equivalents_order)
{
	ck_assert(lists("kind:unknown_ca", "cc3200", -188));
	ck_assert_uint_lt(position("kind:no_shared_cipher", "cc3200", -340),
			  position("kind:no_shared_cipher", "cc3200", -291));
	ck_assert_uint_lt(position("kind:no_shared_cipher", "wolfssl", -313),
			  position("kind:no_shared_cipher", "wolfssl", -501));
	ck_assert_ptr_nonnull(strstr(explain_find("wolfssl", -501)->meaning, "did not offer"));
}
END_TEST

/* F13: alerts 111 and 114 are cited from OpenSSL's tls1.h, not mbedTLS's ssl.h. */
START_TEST(F13_alert_sources)
{
	ck_assert_ptr_nonnull(strstr(explain_alert(111)->source, "tls1.h:75"));
	ck_assert_ptr_nonnull(strstr(explain_alert(114)->source, "tls1.h:78"));
	ck_assert_ptr_null(strstr(explain_alert(111)->source, "MB: ssl.h ("));
}
END_TEST

/* F14: weak key -> 43, weak signature -> 46, as the flags' rows say. */
START_TEST(F14_weak_key_and_signature_alerts)
{
	ck_assert_ptr_nonnull(strstr(explain_equiv_find("kind:weak_key")->note, "alert 43"));
	ck_assert_ptr_nonnull(strstr(explain_equiv_find("kind:weak_signature")->note, "alert 46"));
	ck_assert_int_eq(explain_find("mbedtls-verify", 0x10000)->alert, 43);
	ck_assert_int_eq(explain_find("mbedtls-verify", 0x4000)->alert, 46);
}
END_TEST

/* F15: a BearSSL client sends no alert: no 512 + N in [sent:*]. */
START_TEST(F15_bearssl_client_sends_no_alert)
{
	static const int sent[] = { 10, 20, 22, 40, 42, 43, 45, 46, 48, 51, 70 };
	for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
		char key[16];
		snprintf(key, sizeof key, "sent:%d", sent[i]);
		ck_assert_msg(!lists(key, "bearssl", 512 + sent[i]), "[%s] lists bearssl", key);
	}
	ck_assert_ptr_nonnull(strstr(explain_find("bearssl", 552)->meaning, "Only BearSSL's server code"));
}
END_TEST

/* The minor findings. */
START_TEST(minor_findings)
{
	ck_assert(lists("sent:43", "mbedtls", -0x7A00));
	ck_assert_ptr_nonnull(strstr(explain_find("wolfssl", -310)->meaning, "complete task"));
	ck_assert_ptr_nonnull(strstr(explain_find("mbedtls", -0x7780)->confirm, "type: [2:N]"));
	ck_assert_ptr_nonnull(strstr(explain_table_find("wolfssl")->about, "-101..-295"));
}
END_TEST

/* What people paste, whole. */
START_TEST(pasted_lines)
{
	static const struct {
		const char *q;
		const char *stack;
		long code;
	} cases[] = {
		{ "E (12345) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700", "mbedtls", -0x2700 },
		{ "E (5043) esp-tls: mbedtls_ssl_handshake returned -0x7280", "mbedtls", -0x7280 },
		{ "I (6123) HTTP_CLIENT: Last mbedtls failure: 0xffffd900", "mbedtls", -0x2700 },
		{ "I (6123) HTTP_CLIENT: Last mbedtls failure: 0x2700", "mbedtls", -0x2700 },
		{ "[E][ssl_client.cpp:36] _handle_error(): [start_ssl_client():273]: (-9984) X509 - Certificate "
		  "verification failed, e.g. CRL, CA or signature check failed",
		  "mbedtls", -0x2700 },
		{ "[E][ssl_client.cpp:37] _handle_error(): [start_ssl_client():273]: code -29312", "mbedtls", -0x7280 },
		{ "X509 - Certificate verification failed", "mbedtls", -0x2700 },
		{ "SSL - The connection indicated an EOF", "mbedtls", -0x7280 },
		{ "RSA - The public key operation failed : BIGNUM - Memory allocation failed", "mbedtls", -0x4290 },
		{ "-0x4290", "mbedtls", -0x4290 },
		{ "SSL_ERROR_SYSCALL", "openssl-get-error", 5 },
		{ "wolfSSL_connect error -322, peer subject name mismatch", "wolfssl", -322 },
		{ "err = -326, record layer version error", "wolfssl", -326 },
		{ "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
		  "certificate (_ssl.c:1006)",
		  "openssl", 134 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct explain_hit hits[8];
		size_t n = explain_query(cases[i].q, NULL, hits, 8);
		ck_assert_msg(n >= 1, "'%s': no match", cases[i].q);
		ck_assert_msg(strcmp(hits[0].row->stack, cases[i].stack) == 0 && hits[0].row->code == cases[i].code,
			      "'%s': first is %s %ld", cases[i].q, hits[0].row->stack, hits[0].row->code);
		ck_assert_int_eq(hits[0].rank, strcmp(cases[i].q, "-0x4290") == 0 ? 1 : 0); /* a bare number ranks 1 */
	}
	ck_assert_str_eq(explain_find("mbedtls", -0x4290)->name, "MBEDTLS_ERR_RSA_PUBLIC_FAILED + MBEDTLS_ERR_MPI_ALLOC_FAILED");
}
END_TEST

/* What 'tlsdiag explain' prints for hit 0 of q: the row with its reading and its equivalents. */
static char *explain_text(const char *q, struct explain_hit *hits, size_t *n)
{
	const struct explain_equiv *eqs[8];
	char *buf = NULL;
	size_t len = 0, ne;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	*n = explain_query(q, NULL, hits, 8);
	ck_assert_msg(*n >= 1, "'%s': no match", q);
	explain_print_hit(f, &hits[0]);
	ne = explain_hit_equivs(&hits[0], eqs, 8);
	for (size_t j = 0; j < ne; j++)
		explain_print_equiv(f, eqs[j], "  ");
	fclose(f);
	/* the printer wraps lines: one space between words makes phrases findable */
	for (char *r = buf, *w = buf;; r++) {
		if (*r == '\n' || *r == ' ') {
			while (r[1] == ' ' || r[1] == '\n')
				r++;
			*w++ = ' ';
			continue;
		}
		if (!(*w++ = *r))
			break;
	}
	return buf;
}

/*
 * Review finding: Python's ssl is an OpenSSL client, so its [SSL: X] lines
 * read the other way round from a server's log: an alert reason is one the
 * client received, WRONG_VERSION_NUMBER is the server's plain-text answer,
 * a verify failure is the client's own rejection (the alert it sends is
 * OpenSSL's ssl_x509err2alert(): 48 for a missing issuer, 45 expired).
 */
START_TEST(python_client_direction)
{
	struct explain_hit hits[8];
	size_t n;
	static const struct {
		const char *q;
		long alert;
		const char *equiv, *reading, *title;
	} alerts[] = {
		{ "ssl.SSLError: [SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:1006)", 48, "received:48",
		  "it received fatal alert 48 unknown_ca from the server; the server refused the handshake (the server "
		  "does not trust the client's certificate or its CA)",
		  "same failure on each stack: the server sent fatal alert 48 unknown_ca" },
		{ "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1006)", 40, "received:40",
		  "it received fatal alert 40 handshake_failure from the server",
		  "same failure on each stack: the server sent fatal alert 40 handshake_failure" },
	};
	char *t;
	for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++) {
		t = explain_text(alerts[i].q, hits, &n);
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(hits[0].row->stack, "tls-alert");
		ck_assert_int_eq(hits[0].row->code, alerts[i].alert);
		ck_assert_str_eq(hits[0].equiv, alerts[i].equiv);
		ck_assert_msg(strstr(t, alerts[i].reading) != NULL, "%s", t);
		ck_assert_msg(strstr(t, alerts[i].title) != NULL, "%s", t);
		ck_assert_msg(strstr(t, "the device sent") == NULL, "%s", t);
		free(t);
	}

	t = explain_text("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", hits, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(hits[0].row->name, "SSL_R_WRONG_VERSION_NUMBER");
	ck_assert_str_eq(hits[0].equiv, "");
	ck_assert_msg(strstr(t, "the server's answer is not TLS (plain HTTP on the TLS port, a proxy's own answer") != NULL,
		      "%s", t);
	ck_assert_msg(strstr(t, "the client's first bytes are not 16 03") == NULL, "%s", t);
	ck_assert_msg(strstr(t, "same failure on each stack") == NULL, "%s", t);
	free(t);

	t = explain_text("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
			 "certificate (_ssl.c:1006)",
			 hits, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(hits[0].row->name, "SSL_R_CERTIFICATE_VERIFY_FAILED");
	ck_assert_str_eq(hits[0].equiv, "sent:48");
	ck_assert_msg(strstr(t, "the client rejected the server's certificate chain itself and sends fatal alert 48 "
				"unknown_ca to the server") != NULL,
		      "%s", t);
	ck_assert_msg(strstr(t, "same failure on each stack: the device sent fatal alert 48 unknown_ca") != NULL, "%s", t);
	ck_assert_msg(strstr(t, "the server sent fatal alert") == NULL, "%s", t);
	free(t);

	explain_query("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)",
		      NULL, hits, 8);
	ck_assert_str_eq(hits[0].equiv, "sent:45");
	explain_query("ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
		      "Hostname mismatch, certificate is not valid for 'example.com'. (_ssl.c:1006)",
		      NULL, hits, 8);
	ck_assert_str_eq(hits[0].equiv, "sent:42"); /* X509_V_ERR_HOSTNAME_MISMATCH: SSL_AD_BAD_CERTIFICATE */
	explain_query("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:1006)", NULL, hits, 8);
	ck_assert_str_eq(hits[0].equiv, ""); /* no verify error named: no alert claimed */
	ck_assert_msg(strstr(hits[0].side, "48 unknown_ca for a missing issuer, 45 expired") != NULL, "%s", hits[0].side);

	/* --stack openssl: that stack's row (hits are of the stack asked), read the client's way */
	ck_assert_uint_eq(
		explain_query("[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:1006)", "openssl", hits, 8), 1);
	ck_assert_str_eq(hits[0].row->stack, "openssl");
	ck_assert_str_eq(hits[0].equiv, "received:48");
	ck_assert_msg(strstr(hits[0].side, "it received fatal alert 48 unknown_ca from the server") != NULL, "%s",
		      hits[0].side);
	/* another stack asked: a Python line says nothing of it (regress fuzz_explain_query crash) */
	ck_assert_uint_eq(
		explain_query("[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:1006)", "mbedtls", hits, 8), 0);

	/* a server's log keeps the server's reading: it received the alert the client sent */
	n = explain_query("error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:"
			  "ssl/record/rec_layer_s3.c:1590:SSL alert number 48",
			  NULL, hits, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(hits[0].row->name, "SSL_R_TLSV1_ALERT_UNKNOWN_CA");
	ck_assert(!hits[0].row->alert_sent);
	ck_assert_str_eq(hits[0].side, "");
	n = explain_query("SSL_R_NO_SHARED_CIPHER", NULL, hits, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(hits[0].row->stack, "openssl");
	ck_assert_str_eq(hits[0].side, "");
}
END_TEST

static Suite *findings_suite(void)
{
	Suite *s = suite_create("explain_findings");
	TCase *verify = tcase_create("mbedtls_verify");
	tcase_add_checked_fixture(verify, NULL, teardown);
#ifdef TLSDIAG_HAVE_MBEDTLS
	tcase_add_test(verify, mbedtls_verify_every_flag);
	tcase_add_test(verify, F1_mbedtls_verify_every_pair);
#else
	fprintf(stderr, "explain_findings: built without mbedTLS headers: the two flag-oracle tests are not built\n");
#endif
	tcase_add_test(verify, F1_mbedtls_verify_audit_examples);
	tcase_add_test(verify, F1_loader_checks_alert_order);
	suite_add_tcase(s, verify);
	TCase *audit = tcase_create("audit");
	tcase_add_checked_fixture(audit, NULL, teardown);
	tcase_add_test(audit, F2_mbedtls3_reused_and_removed);
	tcase_add_test(audit, F3_mbedtls_pem_der);
	tcase_add_test(audit, F4_mbedtls_server_only_codes);
	tcase_add_test(audit, F5_F6_cc3200_cyassl_numbers);
	tcase_add_test(audit, F7_bearssl_io_not_after_tcp_drop);
	tcase_add_test(audit, F8_bearssl_no_client_auth_server_side);
	tcase_add_test(audit, F9_cc3200_453_by_micropython_version);
	tcase_add_test(audit, F10_axtls_conn_lost_no_alert);
	tcase_add_test(audit, F11_F12_equivalents_order);
	tcase_add_test(audit, F13_alert_sources);
	tcase_add_test(audit, F14_weak_key_and_signature_alerts);
	tcase_add_test(audit, F15_bearssl_client_sends_no_alert);
	tcase_add_test(audit, minor_findings);
	tcase_add_test(audit, pasted_lines);
	tcase_add_test(audit, python_client_direction);
	suite_add_tcase(s, audit);
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
