/*
 * compare.c - two ClientHellos side by side (see compare.h).
 *
 * How the deciding difference is found, most specific first:
 *  1. the failing side's diagnosis names a ClientHello field
 *     (decide_by_diagnosis[]: no_shared_cipher -> the suites), if that row differs;
 *  2. what the server chose for the side that connected (RFC 8446 4.1.3 /
 *     RFC 5246 7.4.1.3: the ServerHello's version and suite are picked from
 *     the client's offer) is missing from the failing side's offer;
 *  3. otherwise nothing is claimed: the rows are shown and decided stays NULL.
 */
#include "harness/run/compare.h"

#include "harness/core/json.h"

#include <stdio.h>
#include <string.h>

enum row_id { ROW_VERSIONS, ROW_SUITES, ROW_GROUPS, ROW_SIGALGS, ROW_SNI, ROW_RECORD };

/* The rows, in order; key is the client_hello member (tls_conn.c's client_hello_json). */
static const struct row_def {
	enum row_id id;
	const char *label;
	const char *key;
} row_defs[COMPARE_ROWS] = {
	{ ROW_VERSIONS, "versions", "versions" },
	{ ROW_SUITES, "cipher suites", "cipher_suites" },
	{ ROW_GROUPS, "groups", "supported_groups" },
	{ ROW_SIGALGS, "signature algs", "signature_algorithms" },
	{ ROW_SNI, "SNI", "sni" },
	/* The ClientHello's record header: what a middlebox rule may key on (the CC3200's SSLv3). */
	{ ROW_RECORD, "record version", "record_version" },
};

/* Diagnosis codes (explain/tables/diagnosis.ini) that name a ClientHello field. */
static const struct {
	const char *code;
	enum row_id row;
	const char *why;
} decide_by_diagnosis[] = {
	{ "no_shared_cipher", ROW_SUITES, "no cipher suite in common" },
	{ "no_shared_version", ROW_VERSIONS, "no protocol version in common" },
	{ "no_shared_sigalg", ROW_SIGALGS, "no signature algorithm in common" },
	{ "missing_sni", ROW_SNI, "the server needs SNI to pick its certificate" },
};

/* Key exchange of a suite, from its IANA name (RFC 8446 B.4 suites have none in the name). */
static const struct {
	const char *prefix;
	const char *kx;
} kx_by_prefix[] = {
	{ "TLS_ECDHE_", "ECDHE" }, { "TLS_DHE_", "DHE" },   { "TLS_ECDH_", "ECDH" }, { "TLS_DH_", "DH" },
	{ "TLS_RSA_", "RSA" },     { "TLS_PSK_", "PSK" },   { "TLS_AES_", "TLS1.3" }, { "TLS_CHACHA20_", "TLS1.3" },
	{ "TLS_EMPTY_", "SCSV" },  { "TLS_FALLBACK_", "SCSV" },
};

static const char *suite_kx(const char *name)
{
	for (size_t i = 0; name && i < sizeof kx_by_prefix / sizeof kx_by_prefix[0]; i++)
		if (strncmp(name, kx_by_prefix[i].prefix, strlen(kx_by_prefix[i].prefix)) == 0)
			return kx_by_prefix[i].kx;
	return "other";
}

/* The string of an array item: a plain string, or a suite object's "name". */
static const char *item_str(const struct jv *v)
{
	const char *s = jv_str(v);
	return s ? s : jv_str(jv_get(v, "name"));
}

/* Appends to buf; an ellipsis marks what did not fit. */
static void cat(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);
	if (n + 1 >= len)
		return;
	if (n + strlen(s) + 1 > len) {
		snprintf(buf + n, len - n, "%s", s);
		if (len >= 4)
			memcpy(buf + len - 4, "...", 4);
		return;
	}
	memcpy(buf + n, s, strlen(s) + 1);
}

/* "4 (RSA x4): TLS_RSA_WITH_AES_128_CBC_SHA, ..." */
static void summarise_suites(const struct jv *a, char *buf, size_t len)
{
	const char *kinds[16];
	size_t counts[16], nk = 0, n = jv_len(a);
	char t[64];
	for (size_t i = 0; i < n; i++) {
		const char *k = suite_kx(item_str(jv_at(a, i)));
		size_t j = 0;
		while (j < nk && strcmp(kinds[j], k) != 0)
			j++;
		if (j == nk && nk < 16) {
			kinds[nk] = k;
			counts[nk++] = 0;
		}
		if (j < nk)
			counts[j]++;
	}
	snprintf(buf, len, "%zu (", n);
	for (size_t j = 0; j < nk; j++) {
		snprintf(t, sizeof t, "%s%s x%zu", j ? ", " : "", kinds[j], counts[j]);
		cat(buf, len, t);
	}
	cat(buf, len, "):");
	for (size_t i = 0; i < n; i++) {
		cat(buf, len, i ? ", " : " ");
		cat(buf, len, item_str(jv_at(a, i)) ? item_str(jv_at(a, i)) : "?");
	}
}

static void summarise(const struct row_def *d, const struct jv *ch, char *buf, size_t len)
{
	const struct jv *v = jv_get(ch, d->key);
	buf[0] = '\0';
	if (d->id == ROW_SNI || d->id == ROW_RECORD) {
		snprintf(buf, len, "%s", jv_str(v) ? jv_str(v) : "(none)");
		return;
	}
	if (jv_len(v) == 0) {
		snprintf(buf, len, "(none)");
		return;
	}
	if (d->id == ROW_SUITES) {
		summarise_suites(v, buf, len);
		return;
	}
	for (size_t i = 0; i < jv_len(v); i++) {
		cat(buf, len, i ? ", " : "");
		cat(buf, len, item_str(jv_at(v, i)) ? item_str(jv_at(v, i)) : "?");
	}
}

static bool offers(const struct jv *ch, const char *key, const char *what)
{
	const struct jv *a = jv_get(ch, key);
	for (size_t i = 0; what && i < jv_len(a); i++) {
		const char *s = item_str(jv_at(a, i));
		if (s && strcmp(s, what) == 0)
			return true;
	}
	return false;
}

static const struct compare_row *row_of(const struct hello_compare *c, enum row_id id)
{
	for (size_t i = 0; i < c->n; i++)
		if (row_defs[i].id == id)
			return &c->rows[i];
	return NULL;
}

int compare_hellos(const struct jv *failed, const struct jv *ok, const char *diag_code, const char *a_name,
		   const char *b_name, struct hello_compare *out)
{
	const struct jv *cha = jv_get(failed, "client_hello"), *chb = jv_get(ok, "client_hello");
	const char *suite = jv_str(jv_get(ok, "cipher_suite")), *version = jv_str(jv_get(ok, "version"));
	memset(out, 0, sizeof *out);
	if (!cha || jv_is_null(cha) || !chb || jv_is_null(chb))
		return -1;
	for (size_t i = 0; i < COMPARE_ROWS; i++) {
		struct compare_row *r = &out->rows[out->n++];
		r->label = row_defs[i].label;
		summarise(&row_defs[i], cha, r->a, sizeof r->a);
		summarise(&row_defs[i], chb, r->b, sizeof r->b);
		r->differs = strcmp(r->a, r->b) != 0;
	}
	for (size_t i = 0; diag_code && i < sizeof decide_by_diagnosis / sizeof decide_by_diagnosis[0]; i++) {
		const struct compare_row *r = row_of(out, decide_by_diagnosis[i].row);
		if (strcmp(diag_code, decide_by_diagnosis[i].code) != 0 || !r || !r->differs)
			continue;
		out->decided = r->label;
		if (decide_by_diagnosis[i].row == ROW_SUITES && suite)
			snprintf(out->why, sizeof out->why,
				 "%s: the server chose %s for %s, which %s does not offer; none of %s's suites is "
				 "one the server accepts",
				 decide_by_diagnosis[i].why, suite, b_name, a_name, a_name);
		else
			snprintf(out->why, sizeof out->why, "%s (%s's diagnosis): %s differ", decide_by_diagnosis[i].why,
				 a_name, r->label);
		return 0;
	}
	if (version && !offers(cha, "versions", version)) {
		out->decided = row_of(out, ROW_VERSIONS)->label;
		snprintf(out->why, sizeof out->why, "the server chose %s for %s, which %s does not offer", version,
			 b_name, a_name);
	} else if (suite && !offers(cha, "cipher_suites", suite)) {
		out->decided = row_of(out, ROW_SUITES)->label;
		snprintf(out->why, sizeof out->why, "the server chose %s for %s, which %s does not offer", suite,
			 b_name, a_name);
	}
	return 0;
}

void compare_print(FILE *out, const struct hello_compare *c, const char *a_name, const char *b_name)
{
	fprintf(out, "  %-10s the ClientHellos side by side (%s did not connect, %s did; * marks a difference):\n",
		"compare", a_name, b_name);
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		fprintf(out, "  %-10s %c %-15s %-16.16s %s\n", "", r->differs ? '*' : ' ', r->label, a_name, r->a);
		fprintf(out, "  %-10s   %-15s %-16.16s %s\n", "", "", b_name, r->b);
	}
	if (c->decided)
		fprintf(out, "  %-10s %s: %s\n", "decided by", c->decided, c->why);
	else
		fprintf(out, "  %-10s not one ClientHello field (the rows marked * differ)\n", "decided by");
}

struct jv *compare_to_json(const struct hello_compare *c, const char *a_name, const char *b_name)
{
	struct jv *o = jv_object(), *rows = jv_array();
	jv_set_str(o, "failed", a_name);
	jv_set_str(o, "connected", b_name);
	for (size_t i = 0; i < c->n; i++) {
		struct jv *r = jv_object();
		jv_set_str(r, "field", c->rows[i].label);
		jv_set_str(r, "failed", c->rows[i].a);
		jv_set_str(r, "connected", c->rows[i].b);
		jv_set_bool(r, "differs", c->rows[i].differs);
		jv_push(rows, r);
	}
	jv_set(o, "rows", rows);
	jv_set_str(o, "decided_by", c->decided);
	jv_set_str(o, "why", c->decided ? c->why : NULL);
	return o;
}
