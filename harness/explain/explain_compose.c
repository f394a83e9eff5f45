/*
 * explain_compose.c - numbers that are not rows but sums: axTLS -N (a
 * received alert N), BearSSL 256 + a / 512 + a, SimpleLink -(300 + a),
 * OpenSSL reason 1000 + a, mbedTLS high-level + low-level codes and sums of
 * mbedTLS verify flags.  Each is decoded on lookup into a row built once
 * and kept with the tables until explain_free(), so a caller holds every
 * row by the same kind of pointer.
 */
#include "harness/explain/explain_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The composed row of (stack, code) decoded for version, or NULL. */
static const struct explain_row *synth_find(const char *stack, long code, int version)
{
	for (size_t i = 0; i < ex_g.nsynth; i++)
		if (ex_g.synth[i].row->code == code && ex_g.synth[i].version == version &&
		    strcmp(ex_g.synth[i].row->stack, stack) == 0)
			return ex_g.synth[i].row;
	return NULL;
}

static struct explain_row *synth_new(const char *stack, long code, int version)
{
	struct explain_row *r = ex_xrealloc(NULL, sizeof *r);
	ex_row_init(r, stack, code);
	r->composed = true;
	if (ex_g.nsynth == ex_g.capsynth) {
		ex_g.capsynth = ex_g.capsynth ? ex_g.capsynth * 2 : 16;
		ex_g.synth = ex_xrealloc(ex_g.synth, ex_g.capsynth * sizeof *ex_g.synth);
	}
	ex_g.synth[ex_g.nsynth].row = r;
	ex_g.synth[ex_g.nsynth++].version = version;
	return r;
}

void ex_synth_free_all(void)
{
	for (size_t i = 0; i < ex_g.nsynth; i++) {
		ex_row_free_strings(ex_g.synth[i].row);
		free(ex_g.synth[i].row);
	}
	free(ex_g.synth);
	ex_g.synth = NULL;
	ex_g.nsynth = ex_g.capsynth = 0;
}

/* Fills empty causes/confirm/fix from another row (the alert's, or a part's). */
void ex_inherit(struct explain_row *r, const struct explain_row *from)
{
	if (!from)
		return;
	if (!r->causes || !*r->causes) {
		free((char *)r->causes);
		r->causes = ex_xstrdup(from->causes);
	}
	if (!r->confirm || !*r->confirm) {
		free((char *)r->confirm);
		r->confirm = ex_xstrdup(from->confirm);
	}
	if (!r->fix || !*r->fix) {
		free((char *)r->fix);
		r->fix = ex_xstrdup(from->fix);
	}
}

static void finish_synth(struct explain_row *r)
{
	if (!r->causes)
		r->causes = ex_xstrdup("");
	if (!r->confirm)
		r->confirm = ex_xstrdup("");
	if (!r->fix)
		r->fix = ex_xstrdup("");
	if (!r->shows)
		r->shows = ex_xstrdup("");
	if (!r->version)
		r->version = ex_xstrdup("");
}

const struct explain_row *ex_alert_row(long a)
{
	struct table *t = ex_table_of("tls-alert");
	return t && a >= 0 && a <= 255 ? ex_table_row(t, a, -1) : NULL;
}

/* A row for "alert a received/sent", as stack reports it. */
static const struct explain_row *compose_alert(const char *stack, long code, int version, long a, bool sent,
					       const char *name,
					       const char *how, const char *shows, const char *source)
{
	const struct explain_row *ar = ex_alert_row(a);
	struct explain_row *r;
	if (!ar)
		return NULL;
	r = synth_new(stack, code, version);
	r->alert = (int)a;
	r->alert_sent = sent;
	r->name = ex_xprintf("%s%ld (%s)", name, a, ar->name);
	r->meaning = ex_xprintf("%s %s alert %ld %s. %s", how, sent ? "sent" : "received", a, ar->name, ar->meaning);
	r->shows = ex_xstrdup(shows);
	r->source = ex_xprintf("%s. Alert: %s", source, ar->source);
	ex_inherit(r, ar);
	finish_synth(r);
	return r;
}

typedef const struct explain_row *(*decode_fn)(const struct table *t, long code, int version);

static const struct explain_row *decode_axtls(const struct table *t, long code, int version)
{
	char shows[160];
	(void)t;
	if (code > -1 || code < -255)
		return NULL;
	snprintf(shows, sizeof shows,
		 "Error: SSL error %ld | ssl_handshake_status: %ld (MicroPython up to 1.12) | OSError(%ld) (MicroPython 1.13 on)",
		 -code, code, code);
	return compose_alert("axtls", code, version, -code, false, "received alert ",
			     "axTLS returns -N for a fatal alert N from the peer (ret = -buf[1]):", shows,
			     "AX: ssl/tls1.c (process of a received alert), ssl_display_error() flips the sign");
}

static const struct explain_row *decode_bearssl(const struct table *t, long code, int version)
{
	(void)t;
	if (code >= 256 && code < 512)
		return compose_alert("bearssl", code, version, code - 256, false, "BR_ERR_RECV_FATAL_ALERT + ",
				     "BearSSL reports 256 + alert for a fatal alert from the peer:",
				     "getLastSSLError() prints \"Unknown error code.\" for it",
				     "BR: bearssl_ssl.h BR_ERR_RECV_FATAL_ALERT = 256");
	if (code >= 512 && code < 768)
		return compose_alert("bearssl", code, version, code - 512, true, "BR_ERR_SEND_FATAL_ALERT + ",
				     "BearSSL reports 512 + alert for a fatal alert it sent. Only BearSSL's server code "
				     "sends one (fail-alert): a BearSSL client, such as the ESP8266's, sends no alert "
				     "and reports the engine or X.509 error instead:",
				     "getLastSSLError() prints \"Unknown error code.\" for it",
				     "BR: bearssl_ssl.h BR_ERR_SEND_FATAL_ALERT = 512");
	return NULL;
}

static const struct explain_row *decode_cc3200(const struct table *t, long code, int version)
{
	char shows[96];
	(void)t;
	if (code > -300 || code < -555)
		return NULL;
	snprintf(shows, sizeof shows, "OSError: %ld (MicroPython raises OSError(-sl_errno))", -code);
	return compose_alert("cc3200", code, version, -code - 300, false, "SimpleLink alert ",
			     "SimpleLink reports a TLS alert as -(300 + alert). The header does not say whether it was "
			     "received or sent (inferred: received, as wolfSSL's FATAL_ERROR):",
			     shows,
			     "SL1: drivers/cc3100/inc/socket.h (\"ssl/tls security start with -300 offset\")");
}

static const struct explain_row *decode_openssl(const struct table *t, long code, int version)
{
	char shows[96];
	(void)t;
	if (code < 1000 || code > 1255)
		return NULL;
	snprintf(shows, sizeof shows, "error:0A%06lX ... SSL alert number %ld", (unsigned long)code, code - 1000);
	return compose_alert("openssl", code, version, code - 1000, false, "SSL_AD_REASON_OFFSET + ",
			     "OpenSSL's reason 1000 + alert: the server", shows,
			     "OS: include/openssl/sslerr.h, ssl3.h SSL_AD_REASON_OFFSET 1000");
}

/* mbedTLS: -(high | low), high in 0x1000..0x7F80 (steps of 0x80), low in 0x01..0x7F (error.h). */
static const struct explain_row *decode_mbedtls(const struct table *t, long code, int version)
{
	long mag, high, low;
	const struct explain_row *h, *l;
	struct explain_row *r;
	if (code >= 0 || code < -0x7FFF)
		return NULL;
	mag = -code;
	high = mag & 0x7F80;
	low = mag & 0x7F;
	if (!high || !low)
		return NULL;
	h = ex_table_row(t, -high, version);
	l = ex_table_row(t, -low, version);
	if (!h || !l)
		return NULL;
	r = synth_new("mbedtls", code, version);
	r->name = ex_xprintf("%s + %s", h->name, l->name);
	r->meaning = ex_xprintf("A high-level code plus a low-level one (-0x%04lX = -0x%04lX + -0x%04lX): %s Low level: %s",
				mag, high, low, h->meaning, l->meaning);
	r->source = ex_xprintf("MB: include/mbedtls/error.h (error codes are high + low level). %s", h->source);
	if (*h->shows && *l->shows) /* mbedtls_strerror() joins the two texts with " : " */
		r->shows = ex_xprintf("%.*s : %.*s", (int)strcspn(h->shows, "|"), h->shows, (int)strcspn(l->shows, "|"),
				      l->shows);
	r->version = ex_xstrdup(*h->version ? h->version : l->version);
	r->other_version = h->other_version || l->other_version;
	r->alert = h->alert;
	r->alert_sent = h->alert_sent;
	ex_inherit(r, h);
	ex_inherit(r, l);
	finish_synth(r);
	return r;
}

/* Where flag row i of t stands in the table's alert_order, or nalert_order when it is not listed. */
static size_t flag_rank(const struct table *t, size_t i)
{
	for (size_t k = 0; k < t->nalert_order; k++)
		if (t->alert_order[k] == t->rows[i].code)
			return k;
	return t->nalert_order;
}

/*
 * mbedTLS verify flags: a sum of the table's single-bit rows.  The alert
 * is not the first flag's in numeric order: ssl_tls.c tests the flags in
 * its own order (the table's alert_order) and sends alert_otherwise when
 * none of those is set.
 */
static const struct explain_row *decode_flags(const struct table *t, long code, int version)
{
	unsigned long rest = (unsigned long)code;
	struct explain_row *r;
	size_t decider = SIZE_MAX, best = SIZE_MAX;
	char *names = NULL, *meanings = NULL, *causes = NULL;
	if (code <= 0)
		return NULL;
	for (size_t i = 0; i < t->nrows; i++) {
		unsigned long bit = (unsigned long)t->rows[i].code;
		char *item;
		if (t->rows[i].code <= 0 || (rest & bit) != bit)
			continue;
		rest &= ~bit;
		if (decider == SIZE_MAX || flag_rank(t, i) < best) {
			decider = i;
			best = flag_rank(t, i);
		}
		if (names)
			ex_text_append(&names, "|");
		ex_text_append(&names, t->rows[i].name);
		item = ex_xprintf("- 0x%lX %s: %s", bit, t->rows[i].name, t->rows[i].meaning);
		ex_text_append(&meanings, item);
		free(item);
		if (*t->rows[i].causes) {
			item = ex_xprintf("- %s: %s", t->rows[i].name, t->rows[i].causes);
			ex_text_append(&causes, item);
			free(item);
		}
	}
	if (rest || decider == SIZE_MAX) {
		free(names);
		free(meanings);
		free(causes);
		return NULL;
	}
	r = synth_new(t->info.stack, code, version);
	r->name = names;
	r->causes = causes; /* before inheriting: only empty fields are filled */
	r->alert_sent = true;
	if (best < t->nalert_order) {
		const struct explain_row *d = &t->rows[decider];
		r->alert = d->alert;
		r->meaning = ex_xprintf("Several verify flags are set. mbedTLS tests them in its own order (OTHER, "
					"CN_MISMATCH, the usage and key flags, EXPIRED, REVOKED, NOT_TRUSTED) and "
					"sends the alert of the first it finds set: %s, alert %d.\n%s",
					d->name, d->alert, meanings);
		ex_inherit(r, d);
	} else {
		r->alert = t->alert_otherwise;
		r->meaning = ex_xprintf("Several verify flags are set, none of those mbedTLS tests one by one (OTHER, "
					"CN_MISMATCH, the usage and key flags, EXPIRED, REVOKED, NOT_TRUSTED): it sends "
					"alert %d.\n%s",
					t->alert_otherwise, meanings);
	}
	free(meanings);
	r->source = ex_xstrdup(t->rows[decider].source);
	finish_synth(r);
	return r;
}

static const struct {
	const char *stack;
	decode_fn fn;
} decoders[] = {
	{ "axtls", decode_axtls },     { "bearssl", decode_bearssl }, { "cc3200", decode_cc3200 },
	{ "openssl", decode_openssl }, { "mbedtls", decode_mbedtls }, { "mbedtls-verify", decode_flags },
	{ NULL, NULL },
};

const struct explain_row *ex_compose(const struct table *t, long code, int version)
{
	const struct explain_row *r = synth_find(t->info.stack, code, version);
	if (r)
		return r;
	for (size_t i = 0; decoders[i].stack; i++)
		if (strcmp(decoders[i].stack, t->info.stack) == 0) {
			r = decoders[i].fn(t, code, version);
			break;
		}
	return r;
}
