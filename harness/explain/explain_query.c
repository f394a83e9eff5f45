/*
 * explain_query.c - reads what a developer typed ("SSL error 40",
 * "OSError 208", "-0x7780", "0A000418", "handshake_failure", an OpenSSL
 * log line) into rows of the error tables, most likely first.
 *
 * The ranking: a stack-specific form or an exact symbolic name (rank 0) >
 * a number in the stack's own range (1) > a number read with its sign
 * flipped, as MicroPython and axTLS print negative codes (2) > anything
 * else (3).  Ties keep the tables' display order.
 */
#include "harness/explain/explain.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct hits {
	struct explain_hit *h;
	size_t n, max;
	const char *only; /* --stack, or NULL */
	size_t *order; /* table index of each hit, for sorting */
};

static size_t table_index(const char *stack)
{
	const struct explain_table_info *t;
	for (size_t i = 0; (t = explain_table(i)); i++)
		if (strcmp(t->stack, stack) == 0)
			return i;
	return SIZE_MAX;
}

static void hit_add(struct hits *l, const struct explain_row *r, int rank, const char *why)
{
	if (!r || (l->only && strcmp(l->only, r->stack) != 0))
		return;
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].row == r) {
			if (rank < l->h[i].rank) {
				l->h[i].rank = rank;
				l->h[i].why = why;
			}
			return;
		}
	if (l->n == l->max)
		return;
	l->h[l->n].row = r;
	l->h[l->n].rank = rank;
	l->h[l->n].why = why;
	l->n++;
}

static void hit_code(struct hits *l, const char *stack, long code, int rank, const char *why)
{
	if (l->only && strcmp(l->only, stack) != 0)
		return;
	hit_add(l, explain_find(stack, code), rank, why);
}

static bool in_range(const struct explain_table_info *t, long v)
{
	return v >= t->range_min && v <= t->range_max;
}

/* A bare number: every table (or the one of --stack), with the sign as typed and flipped. */
static void number_everywhere(struct hits *l, long n)
{
	const struct explain_table_info *t;
	for (size_t i = 0; (t = explain_table(i)); i++) {
		if (l->only ? strcmp(l->only, t->stack) != 0 : !t->implicit)
			continue;
		hit_add(l, explain_find(t->stack, n), in_range(t, n) ? 1 : 3,
			in_range(t, n) ? "a code of this stack" : "outside this stack's usual range");
		if (n > 0 && t->range_max <= 0)
			hit_add(l, explain_find(t->stack, -n), in_range(t, -n) ? 2 : 3,
				"read as negative: this stack's codes are negative and are often printed without the sign");
	}
}

/* The first integer (decimal or 0x hex, with sign) at or after p; 0 on success. */
static int number_after(const char *p, long *v)
{
	char buf[32];
	size_t n = 0;
	while (*p && !isdigit((unsigned char)*p) && *p != '-' && *p != '+')
		p++;
	if (*p == '-' || *p == '+')
		buf[n++] = *p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		buf[n++] = *p++;
		buf[n++] = *p++;
		while (isxdigit((unsigned char)*p) && n < sizeof buf - 1)
			buf[n++] = *p++;
	} else {
		while (isdigit((unsigned char)*p) && n < sizeof buf - 1)
			buf[n++] = *p++;
		/* strip leading zeros: explain_parse_number refuses octal */
	}
	buf[n] = '\0';
	{
		char *d = buf + (buf[0] == '-' || buf[0] == '+');
		if (d[0] == '0' && isdigit((unsigned char)d[1])) {
			size_t z = 0;
			while (d[z] == '0' && isdigit((unsigned char)d[z + 1]))
				z++;
			memmove(d, d + z, strlen(d + z) + 1);
		}
	}
	return explain_parse_number(buf, v);
}

/* Lower case, runs of blanks made one space, trimmed. */
static void normalize(const char *in, char *out, size_t len)
{
	size_t n = 0;
	bool space = false;
	while (*in && isspace((unsigned char)*in))
		in++;
	for (; *in && n + 1 < len; in++) {
		if (isspace((unsigned char)*in)) {
			space = true;
			continue;
		}
		if (space && n + 2 < len)
			out[n++] = ' ';
		space = false;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
}

/*
 * OpenSSL spells the alert reasons "sslv3 alert x", "tlsv1 alert x" and
 * "tlsv1 x" (3.0/3.1), "ssl/tls alert x" (3.2+) and "tls alert x" (4.0):
 * all become "alert x".
 */
static void canonical_alert_words(char *s)
{
	static const char *const forms[] = { "ssl/tls alert ", "sslv3 alert ", "tlsv13 alert ", "tlsv1 alert ",
					     "tls alert ",     "tlsv1 ",	"tlsv13 ",	 NULL };
	for (size_t i = 0; forms[i]; i++) {
		size_t fl = strlen(forms[i]);
		char *p;
		while ((p = strstr(s, forms[i]))) {
			memcpy(p, "alert ", 6);
			memmove(p + 6, p + fl, strlen(p + fl) + 1);
		}
	}
}

/* Input containing a row's printed form (OpenSSL reason strings and the like). */
static void text_matches(struct hits *l, const char *canon)
{
	const struct explain_table_info *t;
	for (size_t i = 0; (t = explain_table(i)); i++) {
		const struct explain_row *r;
		if (l->only && strcmp(l->only, t->stack) != 0)
			continue;
		for (size_t j = 0; (r = explain_row_at(t->stack, j)); j++) {
			char shows[512], *save = NULL;
			if (!*r->shows)
				continue;
			normalize(r->shows, shows, sizeof shows);
			canonical_alert_words(shows);
			for (char *alt = strtok_r(shows, "|", &save); alt; alt = strtok_r(NULL, "|", &save)) {
				char *e;
				while (*alt == ' ')
					alt++;
				e = alt + strlen(alt);
				while (e > alt && e[-1] == ' ')
					*--e = '\0';
				if (strlen(alt) >= 8 && strstr(canon, alt))
					hit_add(l, r, 0, "the message this code prints");
			}
		}
	}
	/* "alert handshake failure": an alert by its words */
	const char *a = strstr(canon, "alert ");
	if (a) {
		char name[64];
		size_t n = 0;
		for (a += 6; *a && *a != ':' && n + 1 < sizeof name; a++)
			name[n++] = *a == ' ' ? '_' : *a;
		while (n && name[n - 1] == '_')
			n--;
		name[n] = '\0';
		hit_add(l, explain_find_name("tls-alert", name), 1, "an alert by its name");
		if (strcmp(name, "user_cancelled") == 0)
			hit_add(l, explain_find_name("tls-alert", "user_canceled"), 1, "an alert by its name");
	}
}

/* Symbolic names: exact (rank 0), else a '_'-bounded suffix such as X509_NOT_TRUSTED (rank 1). */
static void name_matches(struct hits *l, const char *in)
{
	char name[128];
	size_t n = 0;
	const struct explain_table_info *t;
	for (const char *p = in; *p && n + 1 < sizeof name; p++)
		name[n++] = *p == ' ' ? '_' : *p;
	name[n] = '\0';
	if (n == 0)
		return;
	for (size_t i = 0; (t = explain_table(i)); i++) {
		const struct explain_row *r;
		if (l->only && strcmp(l->only, t->stack) != 0)
			continue;
		for (size_t j = 0; (r = explain_row_at(t->stack, j)); j++) {
			size_t rl = strlen(r->name);
			if (strcasecmp(r->name, name) == 0)
				hit_add(l, r, 0, "its symbolic name");
			else if (n >= 6 && rl > n && r->name[rl - n - 1] == '_' && strcasecmp(r->name + rl - n, name) == 0)
				hit_add(l, r, 1, "the end of its symbolic name");
		}
	}
}

/* An OpenSSL 3 packed code: ERR_LIB_SSL (20) << 23 | reason, printed as 8 hex digits. */
static bool openssl_packed(const char *s, long *reason)
{
	char hex[9];
	unsigned long v;
	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	for (size_t i = 0; i < 8; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		hex[i] = s[i];
	}
	if (isxdigit((unsigned char)s[8]))
		return false;
	hex[8] = '\0';
	v = strtoul(hex, NULL, 16);
	if ((v >> 23) != 20)
		return false;
	*reason = (long)(v & 0x7FFFFF);
	return true;
}

static int cmp_hit(struct hits *l, size_t a, size_t b)
{
	if (l->h[a].rank != l->h[b].rank)
		return l->h[a].rank - l->h[b].rank;
	if (l->order[a] != l->order[b])
		return l->order[a] < l->order[b] ? -1 : 1;
	return 0;
}

static void sort_hits(struct hits *l)
{
	/* insertion sort: stable, and the lists are short */
	for (size_t i = 1; i < l->n; i++)
		for (size_t j = i; j > 0 && cmp_hit(l, j - 1, j) > 0; j--) {
			struct explain_hit t = l->h[j];
			size_t o = l->order[j];
			l->h[j] = l->h[j - 1];
			l->order[j] = l->order[j - 1];
			l->h[j - 1] = t;
			l->order[j - 1] = o;
		}
}

size_t explain_query(const char *text, const char *stack, struct explain_hit *out, size_t max)
{
	char in[512], canon[512];
	struct hits l = { .h = out, .max = max, .only = stack };
	const char *p;
	long v;
	if (!text || max == 0)
		return 0;
	normalize(text, in, sizeof in);
	if (!*in)
		return 0;
	memcpy(canon, in, sizeof canon);
	canonical_alert_words(canon);

	if ((p = strstr(in, "ssl error ")) && number_after(p + 10, &v) == 0) {
		long n = v < 0 ? -v : v;
		if (n >= 1 && n <= 255)
			hit_code(&l, "axtls", -n, 0, "axTLS prints a received alert N as \"SSL error N\" (sign flipped)");
		else
			hit_code(&l, "axtls", -n, 0, "axTLS's ssl_display_error() prints the code without its sign");
	}
	if ((p = strstr(in, "oserror")) && number_after(p + 7, &v) == 0) {
		long n = v < 0 ? -v : v;
		hit_code(&l, "cc3200", -n, 0, "MicroPython on the CC3200 raises OSError(-sl_errno): OSError N is SimpleLink -N");
		hit_code(&l, "axtls", -n, 0, "MicroPython 1.13+ on the ESP8266 raises OSError(-alert) for an axTLS error");
	}
	if ((p = strstr(in, "ssl_handshake_status")) && number_after(p + 20, &v) == 0)
		hit_code(&l, "axtls", v, 0, "MicroPython (ESP8266, up to 1.12) prints axTLS's code as ssl_handshake_status");
	if ((p = strstr(in, "ssl alert number ")) && number_after(p + 17, &v) == 0) {
		hit_code(&l, "openssl", 1000 + v, 0, "OpenSSL logs a received alert as \"SSL alert number N\"");
		hit_code(&l, "tls-alert", v, 1, "the alert number itself");
	}
	if ((p = strstr(in, "error:")) && openssl_packed(p + 6, &v))
		hit_code(&l, "openssl", v, 0, "OpenSSL 3 packs ERR_LIB_SSL (20) << 23 | reason");
	else if (openssl_packed(in, &v) && in[strlen(in) - 1] != ' ' && strlen(in) <= 10)
		hit_code(&l, "openssl", v, 0, "OpenSSL 3 packs ERR_LIB_SSL (20) << 23 | reason");
	if (strncmp(in, "alert", 5) == 0) {
		const char *rest = in + 5;
		while (*rest == ':' || *rest == ' ')
			rest++;
		if (explain_parse_number(rest, &v) == 0) {
			hit_code(&l, "tls-alert", v, 0, "a TLS alert number");
		} else {
			/* axTLS's DISPLAY_ALERT(): "Alert: handshake failure" */
			char name[64];
			size_t n = 0;
			for (; *rest && n + 1 < sizeof name; rest++)
				name[n++] = *rest == ' ' ? '_' : *rest;
			name[n] = '\0';
			hit_add(&l, explain_find_name("tls-alert", name), 0, "an alert by its name");
		}
	}
	if ((p = strstr(in, "flags")) && number_after(p + 5, &v) == 0)
		hit_code(&l, "mbedtls-verify", v, 0, "mbedTLS X.509 verify flags (mbedtls_ssl_get_verify_result)");
	if (explain_parse_number(in, &v) == 0) {
		number_everywhere(&l, v);
	} else {
		name_matches(&l, in);
		text_matches(&l, canon);
	}

	l.order = malloc((l.n ? l.n : 1) * sizeof *l.order);
	if (!l.order)
		abort();
	for (size_t i = 0; i < l.n; i++)
		l.order[i] = table_index(l.h[i].row->stack);
	sort_hits(&l);
	free(l.order);
	return l.n;
}
