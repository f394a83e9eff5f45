/*
 * test_explain_sources.c - every code and name of the tables against the
 * installed headers of the library it belongs to: mbedTLS (libmbedtls-dev,
 * 2.28: every row of 2.x, and the mbedtls_strerror() text in 'shows'),
 * the mbedTLS verify flags, wolfSSL (libwolfssl-dev 5.5.4: error-ssl.h and
 * wolfcrypt/error-crypt.h), OpenSSL (sslerr.h reasons, ssl.h SSL_ERROR_*).
 *
 * The headers are found the way the compiler finds them: 'cc -M' on a
 * file including them lists their paths, so nothing here names a
 * directory.  A table row the headers contradict, or do not define, fails.
 */
#include "harness/explain/explain.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct def {
	char name[96];
	long value;
	char text[256]; /* the header's one-line comment, "" when none */
};

struct defs {
	struct def *d;
	size_t n;
};

static void teardown(void)
{
	explain_free();
}

static const struct def *def_find(const struct defs *ds, const char *name)
{
	for (size_t i = 0; i < ds->n; i++)
		if (strcmp(ds->d[i].name, name) == 0)
			return &ds->d[i];
	return NULL;
}

static void def_add(struct defs *ds, const char *name, size_t nl, long v, const char *text)
{
	struct def *d;
	if (nl >= sizeof d->name)
		return;
	ds->d = realloc(ds->d, (ds->n + 1) * sizeof *ds->d);
	ck_assert_ptr_nonnull(ds->d);
	d = &ds->d[ds->n++];
	memcpy(d->name, name, nl);
	d->name[nl] = '\0';
	d->value = v;
	snprintf(d->text, sizeof d->text, "%s", text ? text : "");
}

/* A doc comment on a line of its own, or one after a define (slash-star-star, optional "<"): the text, trimmed. */
static void comment_text(const char *line, char *out, size_t len)
{
	const char *a = strstr(line, "/**"), *e;
	out[0] = '\0';
	if (!a)
		return;
	a += 3;
	if (*a == '<')
		a++;
	while (*a == ' ')
		a++;
	e = strstr(a, "*/");
	if (!e)
		return;
	while (e > a && e[-1] == ' ')
		e--;
	snprintf(out, len, "%.*s", (int)(e - a), a);
}

/*
 * Reads one header: "#define PREFIXNAME VALUE" (mbedTLS, OpenSSL) and enum
 * entries "PREFIXNAME = VALUE," (wolfSSL), with the comment on the line
 * before or after.
 */
static void read_header(const char *path, const char *prefix, struct defs *ds)
{
	FILE *f = fopen(path, "r");
	char line[1024], prev[256] = "";
	size_t pl = strlen(prefix);
	ck_assert_msg(f != NULL, "cannot read %s", path);
	while (fgets(line, sizeof line, f)) {
		const char *p = line, *name;
		char *end, own[256];
		size_t nl;
		long v;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "#", 1) == 0) {
			for (p++; *p == ' '; p++)
				;
			if (strncmp(p, "define", 6) != 0) {
				prev[0] = '\0';
				continue;
			}
			for (p += 6; *p == ' ' || *p == '\t'; p++)
				;
		}
		if (strncmp(p, prefix, pl) != 0) {
			if (strncmp(p, "/**", 3) == 0 && strstr(p, "*/"))
				comment_text(p, prev, sizeof prev);
			else if (*p != '\n')
				prev[0] = '\0';
			continue;
		}
		name = p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		nl = (size_t)(p - name);
		while (*p == ' ' || *p == '\t' || *p == '=' || *p == '(')
			p++;
		v = strtol(p, &end, 0);
		if (end != p) {
			comment_text(end, own, sizeof own);
			def_add(ds, name, nl, v, *own ? own : prev);
		}
		prev[0] = '\0';
	}
	fclose(f);
}

/* The headers a C file including `includes` pulls in whose path contains `part`, read for prefix. */
static void read_headers(const char *includes, const char *part, const char *prefix, struct defs *ds)
{
	char cmd[1024], tok[1024];
	FILE *p;
	size_t nfiles = 0;
	snprintf(cmd, sizeof cmd, "printf '%s' | cc -M -x c - 2>/dev/null", includes);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fscanf(p, "%1023s", tok) == 1) {
		size_t n = strlen(tok);
		if (n > 2 && strcmp(tok + n - 2, ".h") == 0 && strstr(tok, part)) {
			read_header(tok, prefix, ds);
			nfiles++;
		}
	}
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(nfiles > 0, "cc -M found no %s headers (install the -dev package)", part);
}

static const char *const mbedtls_includes = "#include <mbedtls/error.h>\\n#include <mbedtls/ssl.h>\\n"
					    "#include <mbedtls/x509.h>\\n#include <mbedtls/pem.h>\\n"
					    "#include <mbedtls/pk.h>\\n#include <mbedtls/asn1.h>\\n"
					    "#include <mbedtls/net_sockets.h>\\n#include <mbedtls/bignum.h>\\n"
					    "#include <mbedtls/rsa.h>\\n#include <mbedtls/ecp.h>\\n"
					    "#include <mbedtls/cipher.h>\\n";

/* mbedtls_strerror()'s text of a define: "MODULE - text" (error.c, generated from the headers). */
static void strerror_text(const struct def *d, char *out, size_t len)
{
	char mod[32];
	const char *m = d->name + strlen("MBEDTLS_ERR_");
	size_t ml = strcspn(m, "_"), tl = strlen(d->text);
	snprintf(mod, sizeof mod, "%.*s", (int)ml, m);
	if (strcmp(mod, "MPI") == 0)
		snprintf(mod, sizeof mod, "BIGNUM");
	if (tl && d->text[tl - 1] == '.')
		tl--;
	snprintf(out, len, "%s - %.*s", mod, (int)tl, d->text);
}

START_TEST(mbedtls_rows_match_the_headers)
{
	struct defs ds = { 0 };
	const struct explain_row *r;
	size_t checked = 0, texts = 0, v3 = 0;
	read_headers(mbedtls_includes, "mbedtls/", "MBEDTLS_ERR_", &ds);
	ck_assert_uint_gt(ds.n, 150);
	/* the reader itself: a define with its comment on the line before */
	ck_assert_int_eq(def_find(&ds, "MBEDTLS_ERR_SSL_CONN_EOF")->value, -0x7280);
	ck_assert_str_eq(def_find(&ds, "MBEDTLS_ERR_SSL_CONN_EOF")->text, "The connection indicated an EOF.");
	for (size_t i = 0; (r = explain_row_at("mbedtls", i)); i++) {
		const struct def *d;
		char want[320];
		if (strcmp(r->version, "mbedTLS 3.x") == 0) {
			v3++; /* 3.x names: read from v3.6.0 (docs/sources.md), not installed here */
			continue;
		}
		d = def_find(&ds, r->name);
		ck_assert_msg(d != NULL, "mbedtls %s: not defined by the installed headers", r->name);
		ck_assert_msg(d->value == r->code, "%s: the headers say -0x%04lX, the table -0x%04lX", r->name, -d->value,
			      -r->code);
		checked++;
		if (strstr(r->shows, " - ")) {
			strerror_text(d, want, sizeof want);
			ck_assert_msg(strstr(r->shows, want) != NULL, "%s: shows '%s', mbedtls_strerror() prints '%s'",
				      r->name, r->shows, want);
			texts++;
		}
	}
	/* every row was checked (or is a 3.x row), and every 2.x row carries its strerror() text */
	ck_assert_uint_eq(checked + v3, explain_table_find("mbedtls")->nrows);
	ck_assert_msg(texts == checked, "%zu of %zu rows carry their mbedtls_strerror() text", texts, checked);
	ck_assert_uint_ge(v3, 10);
	free(ds.d);
}
END_TEST

/* Every row of spec is a define of a (or of b) with the row's value; returns the row count. */
static size_t check_table(const char *spec, const struct defs *a, const struct defs *b, const char *where)
{
	const struct explain_row *r;
	size_t n = 0;
	for (; (r = explain_row_at(spec, n)); n++) {
		const struct def *d = def_find(a, r->name);
		if (!d && b)
			d = def_find(b, r->name);
		ck_assert_msg(d != NULL, "%s %s: not in %s", spec, r->name, where);
		ck_assert_msg(d->value == r->code, "%s: %s says %ld (0x%lX), the table %ld", r->name, where, d->value,
			      d->value, r->code);
	}
	return n;
}

START_TEST(mbedtls_verify_flags_match_the_headers)
{
	struct defs ds = { 0 }, crl = { 0 };
	read_headers("#include <mbedtls/x509.h>\\n", "mbedtls/", "MBEDTLS_X509_BADCERT_", &ds);
	read_headers("#include <mbedtls/x509.h>\\n", "mbedtls/", "MBEDTLS_X509_BADCRL_", &crl);
	/* and no flag of the header is missing */
	ck_assert_uint_eq(check_table("mbedtls-verify", &ds, &crl, "x509.h"), ds.n + crl.n);
	free(ds.d);
	free(crl.d);
}
END_TEST

START_TEST(wolfssl_rows_match_the_headers)
{
	struct defs ds = { 0 };
	/* every enum entry of the two error headers: names are upper case, values negative */
	read_headers("#include <wolfssl/options.h>\\n#include <wolfssl/error-ssl.h>\\n"
		     "#include <wolfssl/wolfcrypt/error-crypt.h>\\n",
		     "error-", "", &ds);
	ck_assert_uint_gt(ds.n, 200);
	ck_assert_int_eq(def_find(&ds, "FATAL_ERROR")->value, -313);
	ck_assert_int_eq(def_find(&ds, "ASN_NO_SIGNER_E")->value, -188);
	ck_assert_uint_ge(check_table("wolfssl@3", &ds, NULL, "error-ssl.h or error-crypt.h"), 90);
	free(ds.d);
}
END_TEST

START_TEST(openssl_rows_match_the_headers)
{
	struct defs reasons = { 0 }, errs = { 0 };
	read_headers("#include <openssl/ssl.h>\\n", "openssl/sslerr.h", "SSL_R_", &reasons);
	read_headers("#include <openssl/ssl.h>\\n", "openssl/ssl.h", "SSL_ERROR_", &errs);
	ck_assert_int_eq(def_find(&reasons, "SSL_R_NO_SHARED_CIPHER")->value, 193);
	ck_assert_int_eq(def_find(&errs, "SSL_ERROR_SYSCALL")->value, 5);
	ck_assert_uint_ge(check_table("openssl", &reasons, NULL, "sslerr.h"), 30);
	ck_assert_uint_eq(check_table("openssl-get-error", &errs, NULL, "ssl.h"), errs.n);
	free(reasons.d);
	free(errs.d);
}
END_TEST

static Suite *sources_suite(void)
{
	Suite *s = suite_create("explain_sources");
	TCase *tc = tcase_create("headers");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mbedtls_rows_match_the_headers);
	tcase_add_test(tc, mbedtls_verify_flags_match_the_headers);
	tcase_add_test(tc, wolfssl_rows_match_the_headers);
	tcase_add_test(tc, openssl_rows_match_the_headers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sources_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
