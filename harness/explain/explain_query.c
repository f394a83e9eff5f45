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
	if (!r || (l->only && !explain_row_in_stack(r, l->only)))
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
	l->h[l->n].side[0] = '\0';
	l->h[l->n].equiv[0] = '\0';
	l->n++;
}

/* Whether table t is the one of --stack (or there is no --stack). */
static bool only_table(const struct hits *l, const struct explain_table_info *t)
{
	return !l->only || explain_table_find(l->only) == t;
}

/*
 * code of stack: with --stack NAME@VERSION that version's row; else the row
 * of every version the table has (a number 3.x reused is two candidates).
 */
static void hit_code(struct hits *l, const char *stack, long code, int rank, const char *why)
{
	const struct explain_table_info *t = explain_table_find(stack);
	if (!t || !only_table(l, t))
		return;
	if (l->only && strchr(l->only, '@')) {
		hit_add(l, explain_find(l->only, code), rank, why);
		return;
	}
	const struct explain_row *first = explain_find(stack, code);
	hit_add(l, first, rank, why);
	for (size_t v = 0; v < t->nversions; v++) {
		char spec[96];
		const struct explain_row *r;
		snprintf(spec, sizeof spec, "%s@%s", stack, t->versions[v]);
		r = explain_find(spec, code);
		/* a code composed alike in every version is one candidate, not one per version */
		if (r && first && r->composed && !*r->version && strcmp(r->name, first->name) == 0)
			continue;
		hit_add(l, r, rank, why);
	}
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
		if (l->only ? !only_table(l, t) : !t->implicit)
			continue;
		hit_code(l, t->stack, n, in_range(t, n) ? 1 : 3,
			 in_range(t, n) ? "a code of this stack" : "outside this stack's usual range");
		if (n > 0 && t->range_max <= 0)
			hit_code(l, t->stack, -n, in_range(t, -n) ? 2 : 3,
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

/*
 * Input containing a row's printed form (OpenSSL reason strings and the
 * like): rank 0, or rank 1 when a stack's own form already matched (the
 * Python line names its reason; the words "certificate verify failed"
 * are printed by other stacks too).
 */
static void text_matches(struct hits *l, const char *canon, int rank)
{
	const struct explain_table_info *t;
	for (size_t i = 0; (t = explain_table(i)); i++) {
		const struct explain_row *r;
		if (!only_table(l, t))
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
					hit_add(l, r, rank, "the message this code prints");
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
		if (!only_table(l, t))
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

/*
 * The row of --stack's (or mbedTLS's) table whose print form is text or
 * begins with it: mbedtls_strerror() texts are pasted whole or cut short
 * ("X509 - Certificate verification failed").  text is normalized.
 */
static const struct explain_row *strerror_row(const struct hits *l, const char *text)
{
	const struct explain_row *r;
	size_t tl = strlen(text);
	if (tl < 10)
		return NULL;
	for (size_t j = 0; (r = explain_row_at(l->only && strncmp(l->only, "mbedtls@", 8) == 0 ? l->only : "mbedtls", j));
	     j++) {
		char shows[512], *save = NULL;
		normalize(r->shows, shows, sizeof shows);
		for (char *alt = strtok_r(shows, "|", &save); alt; alt = strtok_r(NULL, "|", &save)) {
			char *e;
			while (*alt == ' ')
				alt++;
			e = alt + strlen(alt);
			while (e > alt && e[-1] == ' ')
				*--e = '\0';
			if (strchr(alt, ':')) /* a composed print form, not one module's text */
				continue;
			if (strncmp(alt, text, tl) == 0 || (strlen(alt) >= 10 && strncmp(text, alt, strlen(alt)) == 0))
				return r;
		}
	}
	return NULL;
}

/*
 * mbedtls_strerror() output: "MODULE - text", or for a composed code
 * "HIGH - text : LOW - text" (error.c joins the two with " : ").
 */
static void strerror_matches(struct hits *l, const char *in)
{
	const char *sep = strstr(in, " : ");
	const char *dash = strstr(in, " - ");
	const char *start = in;
	char high[256], low[256];
	const struct explain_row *h, *lo;
	if (!dash)
		return;
	/* the text starts at the module word before " - " (a log line may come first) */
	for (start = dash; start > in && start[-1] != ' ' && start[-1] != ']' && start[-1] != ')'; start--)
		;
	snprintf(high, sizeof high, "%.*s", (int)(sep && sep > start ? (size_t)(sep - start) : strlen(start)), start);
	h = strerror_row(l, high);
	if (sep && sep > dash) {
		snprintf(low, sizeof low, "%s", sep + 3);
		lo = strerror_row(l, low);
		if (h && lo && h->code <= -0x80 && lo->code > -0x80) {
			hit_code(l, "mbedtls", h->code + lo->code, 0,
				 "mbedtls_strerror() text of a high-level plus a low-level code");
			return;
		}
		hit_add(l, lo, 0, "mbedtls_strerror() text");
	}
	hit_add(l, h, 0, "mbedtls_strerror() text");
}

/*
 * An mbedTLS code as a log printed it: -0x2700, 0x2700 (the sign dropped)
 * or 0xffffd900 (a negative int through "%x").
 */
static long mbedtls_code(long v)
{
	if (v > 0x7FFFFFFFL && v <= 0xFFFFFFFFL)
		v -= 0x100000000L;
	return v < 0 ? v : -v;
}

/* Whether the text is an mbedTLS program's log line: ESP-IDF esp-tls, Arduino-ESP32 ssl_client. */
static bool mbedtls_log(const char *in)
{
	return strstr(in, "mbedtls") || strstr(in, "esp-tls") || strstr(in, "ssl_client") ||
	       strstr(in, "_handle_error");
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

/*
 * The alert an OpenSSL client sends when the server's chain fails to
 * verify, by the X509_V_ERR text Python prints after "certificate verify
 * failed: " (OpenSSL 3.0 ssl/statem/statem_lib.c ssl_x509err2alert()).
 */
static const struct {
	const char *text;
	int alert;
} verify_alerts[] = {
	{ "unable to get local issuer certificate", 48 }, { "unable to get issuer certificate", 48 },
	{ "self-signed certificate in certificate chain", 48 }, { "self signed certificate in certificate chain", 48 },
	{ "self-signed certificate", 48 }, { "self signed certificate", 48 },
	{ "unable to verify the first certificate", 48 }, { "certificate chain too long", 48 },
	{ "certificate has expired", 45 }, { "certificate is not yet valid", 42 },
	{ "hostname mismatch", 42 }, { "certificate revoked", 44 },
};

static void side_set(struct hits *l, const struct explain_row *r, const char *text, const char *equiv)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].row == r) {
			snprintf(l->h[i].side, sizeof l->h[i].side, "%s", text);
			snprintf(l->h[i].equiv, sizeof l->h[i].equiv, "%s", equiv);
		}
}

/*
 * Python's ssl.SSLError: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate
 * verify failed: ... (_ssl.c:1006)".  Python's ssl is (nearly always) an
 * OpenSSL client, while the openssl table reads a server's log: an alert
 * reason is one the client received from the server, a verify failure is
 * the client's own rejection of the server's chain.
 */
static void client_line(struct hits *l, const char *p)
{
	static const char who[] = "Python's ssl is an OpenSSL client (read as one; a Python server sees it reversed)";
	char name[80] = "SSL_R_", text[320], key[24];
	size_t n = 6;
	const struct explain_row *r, *a;
	for (p = strchr(p, ':') + 1; *p == ' '; p++)
		;
	for (; *p && *p != ']' && n + 1 < sizeof name; p++)
		name[n++] = (char)toupper((unsigned char)*p);
	name[n] = '\0';
	r = explain_find_name("openssl", name);
	if (!r)
		return;
	if (r->code > 1000 && r->alert >= 0 && (a = explain_alert(r->alert))) {
		snprintf(text, sizeof text, "%s: it received fatal alert %d %s from the server; the server refused the handshake%s",
			 who, r->alert, a->name,
			 r->alert == 48 ? " (the server does not trust the client's certificate or its CA)" : "");
		snprintf(key, sizeof key, "received:%d", r->alert);
		/* The alert's own row; with --stack, that stack's row (a hit is always of the stack asked)
		 * read the client's way by the side text: the openssl row alone is the server's view. */
		const struct explain_row *row = l->only ? r : a;
		hit_add(l, row, 0, "Python's ssl.SSLError names the alert the client received in [SSL: ...]");
		side_set(l, row, text, key);
		return;
	}
	hit_add(l, r, 0, "Python's ssl.SSLError names the OpenSSL reason in [SSL: ...]");
	if (strcmp(r->name, "SSL_R_WRONG_VERSION_NUMBER") == 0) {
		snprintf(text, sizeof text,
			 "%s: the server's answer is not TLS (plain HTTP on the TLS port, a proxy's own answer, "
			 "a port that speaks plain text); the client sends no alert", who);
		side_set(l, r, text, "");
	} else if (strcmp(r->name, "SSL_R_CERTIFICATE_VERIFY_FAILED") == 0) {
		int alert = -1;
		for (size_t i = 0; i < sizeof verify_alerts / sizeof verify_alerts[0] && alert < 0; i++)
			if (strstr(p, verify_alerts[i].text))
				alert = verify_alerts[i].alert;
		a = alert >= 0 ? explain_alert(alert) : NULL;
		if (a) {
			snprintf(text, sizeof text,
				 "%s: the client rejected the server's certificate chain itself and sends fatal "
				 "alert %d %s to the server", who, alert, a->name);
			snprintf(key, sizeof key, "sent:%d", alert);
		} else {
			snprintf(text, sizeof text,
				 "%s: the client rejected the server's certificate chain itself; the alert it "
				 "sends depends on the verify error after \"certificate verify failed:\" "
				 "(48 unknown_ca for a missing issuer, 45 expired, 42 bad_certificate)", who);
			key[0] = '\0';
		}
		side_set(l, r, text, key);
	} else {
		snprintf(text, sizeof text, "%s: the reason is the client's own, not a server's log", who);
		side_set(l, r, text, "");
	}
}

size_t explain_hit_equivs(const struct explain_hit *hit, const struct explain_equiv **out, size_t max)
{
	const struct explain_equiv *e;
	if (hit->equiv[0]) {
		e = explain_equiv_find(hit->equiv);
		if (!e || max == 0)
			return 0;
		out[0] = e;
		return 1;
	}
	if (hit->side[0])
		return 0;
	return explain_equiv_for_row(hit->row, out, max);
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
	if (mbedtls_log(in)) {
		/* "E (12345) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700";
		   "[E][ssl_client.cpp:36] _handle_error(): [start_ssl_client():273]: (-9984) X509 - ..." */
		if ((p = strstr(in, "returned ")) && number_after(p + 9, &v) == 0)
			hit_code(&l, "mbedtls", mbedtls_code(v), 0, "an mbedTLS call's return value in a log line");
		else if ((p = strstr(in, "mbedtls failure: ")) && number_after(p + 17, &v) == 0)
			/* ESP-IDF's HTTP client: "Last mbedtls failure: 0x%x" of esp_tls_get_and_clear_last_error() */
			hit_code(&l, "mbedtls", mbedtls_code(v), 0, "ESP-IDF's last mbedTLS failure of a connection");
		else if ((p = strstr(in, "(-")) && number_after(p + 1, &v) == 0)
			hit_code(&l, "mbedtls", v, 0, "Arduino-ESP32's ssl_client prints the mbedTLS code as (-N)");
		else if ((p = strstr(in, "]: code ")) && number_after(p + 8, &v) == 0) /* without MBEDTLS_ERROR_C */
			hit_code(&l, "mbedtls", v, 0, "Arduino-ESP32's ssl_client prints \"code N\" without mbedtls_strerror()");
	}
	strerror_matches(&l, in);
	size_t before_client = l.n;
	if ((p = strstr(in, "[ssl: ")) || (p = strstr(in, "[ssl:")))
		client_line(&l, p);
	bool client = l.n > before_client;
	if ((p = strstr(in, "flags")) && number_after(p + 5, &v) == 0)
		hit_code(&l, "mbedtls-verify", v, 0, "mbedTLS X.509 verify flags (mbedtls_ssl_get_verify_result)");
	if (explain_parse_number(in, &v) == 0) {
		number_everywhere(&l, v);
	} else if (!client) { /* the [SSL: X] reason is the line's own word: its text also matches server-side rows */
		size_t specific = l.n; /* hits of a stack's own print form so far */
		name_matches(&l, in);
		text_matches(&l, canon, specific ? 1 : 0);
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
