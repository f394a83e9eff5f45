/*
 * diag_offer.c - reading a ClientHello's offer for the diagnosis (see
 * diag_offer.h).  "Mainstream" is what the servers devices meet accept by
 * default: OpenSSL 3 (DEFAULT:@SECLEVEL=2), nginx's and Apache's defaults,
 * Mozilla's intermediate profile: ECDHE or TLS 1.3 with AES-GCM or
 * ChaCha20-Poly1305 (RFC 9325 4.2), the groups x25519/P-256/P-384, and
 * SHA-256+ signatures (SHA-1 is refused at level 1 and above).
 */
#include "harness/decode/diag_offer.h"

#include <stdio.h>
#include <string.h>

#include "harness/core/cursor.h"
#include "harness/decode/tls_names.h"

static bool is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

bool diag_offer_has(const struct tls_client_hello *ch, uint16_t v)
{
	return tls_client_hello_offers(ch, v);
}

static void read_versions(const struct tls_client_hello *ch, struct diag_offer *o)
{
	static const uint16_t all[] = { TLS_V_SSL3, TLS_V_TLS10, TLS_V_TLS11, TLS_V_TLS12, TLS_V_TLS13 };
	o->vmin = 0;
	o->vmax = 0;
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (tls_client_hello_offers(ch, all[i])) {
			if (!o->vmin)
				o->vmin = all[i];
			o->vmax = all[i];
		}
	if (!o->vmax)
		o->vmin = o->vmax = tls_client_hello_max_version(ch);
}

static void read_suites(const struct tls_client_hello *ch, struct diag_offer *o)
{
	for (size_t i = 0; i < ch->suites.n; i++) {
		struct tls_suite_info si;
		uint16_t s = ch->suites.v[i];
		if (is_grease(s) || !tls_suite_info(s, &si))
			continue;
		if (si.kx == TLS_KX_SCSV) {
			o->scsv++;
			continue;
		}
		o->suites++;
		o->aead += si.aead;
		o->fs += si.forward_secret;
		o->tls13 += si.kx == TLS_KX_TLS13;
		o->ecdhe += si.kx == TLS_KX_ECDHE;
		o->dhe += si.kx == TLS_KX_DHE;
		o->rsa_kx += si.kx == TLS_KX_RSA;
		o->mti_suite |= s == 0x1301;
		o->auth_rsa += si.kx != TLS_KX_TLS13 && si.auth == TLS_AUTH_RSA;
		o->auth_ecdsa += si.kx != TLS_KX_TLS13 && si.auth == TLS_AUTH_ECDSA;
		if (si.mainstream_cipher && (si.kx == TLS_KX_TLS13 || si.kx == TLS_KX_ECDHE || si.kx == TLS_KX_DHE) && !si.psk)
			o->mainstream_suite = true;
	}
	o->needs_group = o->suites && o->ecdhe + o->tls13 == o->suites;
}

static void read_groups(const struct tls_client_hello *ch, struct diag_offer *o)
{
	for (size_t i = 0; i < ch->groups.n; i++) {
		uint16_t g = ch->groups.v[i];
		if (g == 29 || g == 23 || g == 24) /* x25519, secp256r1, secp384r1 */
			o->common_group = true;
		o->mti_group |= g == 23;
		o->n_groups += !is_grease(g);
	}
	/* A TLS <= 1.2 hello without the extension: servers assume P-256 may do (RFC 8422 4). */
	if (!ch->groups.n && !o->tls13)
		o->common_group = true;
}

static void read_sigalgs(const struct tls_client_hello *ch, struct diag_offer *o)
{
	for (size_t i = 0; i < ch->sigalgs.n; i++) {
		uint16_t s = ch->sigalgs.v[i];
		uint8_t hash = (uint8_t)(s >> 8), sig = (uint8_t)s;
		o->mti_sig |= s == 0x0401 || s == 0x0804 || s == 0x0403;
		if (s == 0x0807 || s == 0x0808) {
			o->sig_eddsa = true;
		} else if ((s >= 0x0804 && s <= 0x0806) || (s >= 0x0809 && s <= 0x080b)) {
			o->sig_rsa = true;
			o->sig_modern = true;
		} else if (sig == 1 || sig == 3) {
			/* TLS 1.2 pairs (RFC 5246 7.4.1.4.1): hash 4..6 is SHA-256..512. */
			if (sig == 1)
				o->sig_rsa = true;
			else
				o->sig_ecdsa = true;
			if (hash >= 4 && hash <= 6)
				o->sig_modern = true;
		}
	}
	/* TLS 1.2 without the extension: {sha1, the suite's signature} (RFC 5246 7.4.1.4.1). */
	if (!ch->has_sigalgs && o->vmax <= TLS_V_TLS12) {
		o->sig_rsa = o->auth_rsa > 0;
		o->sig_ecdsa = o->auth_ecdsa > 0;
	}
}

void diag_offer_read(const struct tls_client_hello *ch, struct diag_offer *o)
{
	memset(o, 0, sizeof *o);
	read_versions(ch, o);
	read_suites(ch, o);
	read_groups(ch, o);
	read_sigalgs(ch, o);
}

const char *diag_offer_range(const struct diag_offer *o, char *buf, size_t buflen)
{
	char a[16], b[16];
	if (o->vmin == o->vmax)
		snprintf(buf, buflen, "only %s", tls_version_short(o->vmax, a, sizeof a));
	else
		snprintf(buf, buflen, "%s to %s", tls_version_short(o->vmin, a, sizeof a),
			 tls_version_short(o->vmax, b, sizeof b));
	return buf;
}

/* Whether the bytes under c begin with s (peeked: c does not move). */
static bool starts(const struct cursor *c, const char *s)
{
	uint8_t b;
	for (size_t i = 0; s[i]; i++)
		if (!cursor_peek_u8(c, i, &b) || b != (uint8_t)s[i])
			return false;
	return true;
}

static bool byte_at(const struct cursor *c, size_t at, uint8_t want)
{
	uint8_t b;
	return cursor_peek_u8(c, at, &b) && b == want;
}

static bool printable(uint8_t b)
{
	return (b >= 0x20 && b < 0x7f) || b == '\r' || b == '\n' || b == '\t';
}

const char *diag_plaintext_kind(const uint8_t *p, size_t n, char *line, size_t linelen)
{
	static const char *const http[] = { "HTTP/", "GET ", "POST ", "HEAD ", "PUT ", "CONNECT ", "OPTIONS ",
					    "<html", "<HTML", "<!DOCTYPE", NULL };
	static const char *const banner[] = { "220 ", "220-", "+OK", "* OK", NULL };
	struct cursor all = cursor_make(p, n), c = all;
	const char *kind = NULL;
	size_t k = 0, text = 0;
	uint8_t b;

	while (cursor_u8(&c, &b))
		text += printable(b);
	/* The first line, control bytes as '.', cut at 60 characters. */
	c = all;
	while (linelen && k + 1 < linelen && k < 60 && cursor_u8(&c, &b) && b != '\r' && b != '\n')
		line[k++] = b >= 0x20 && b < 0x7f ? (char)b : '.';
	if (linelen)
		line[k] = '\0';
	for (size_t i = 0; !kind && http[i]; i++)
		if (starts(&all, http[i]))
			kind = "HTTP";
	if (!kind && starts(&all, "SSH-"))
		kind = "SSH";
	/* MQTT (OASIS MQTT 3.1.1 2.2): CONNACK 0x20 with remaining length 2, or CONNECT 0x10 naming "MQ..". */
	if (!kind && ((byte_at(&all, 0, 0x20) && byte_at(&all, 1, 2)) ||
		      (byte_at(&all, 0, 0x10) && byte_at(&all, 4, 'M') && byte_at(&all, 5, 'Q')))) {
		kind = "MQTT";
		if (linelen)
			snprintf(line, linelen, "%s", byte_at(&all, 0, 0x20) ? "CONNACK" : "CONNECT");
	}
	for (size_t i = 0; !kind && banner[i]; i++)
		if (starts(&all, banner[i]))
			kind = "SMTP/FTP/POP3/IMAP banner";
	if (!kind && n && text == n)
		kind = "text";
	return kind;
}
