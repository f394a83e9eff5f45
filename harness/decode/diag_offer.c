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
	char b[96];
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
		const char *name = tls_name16(tls_cipher_suite_names, s, b, sizeof b);
		bool strong = strstr(name, "AES_128_GCM") || strstr(name, "AES_256_GCM") || strstr(name, "CHACHA20");
		if (strong && (si.kx == TLS_KX_TLS13 || si.kx == TLS_KX_ECDHE || si.kx == TLS_KX_DHE) && !si.psk)
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

static bool starts(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && memcmp(p, s, k) == 0;
}

const char *diag_plaintext_kind(const uint8_t *p, size_t n, char *line, size_t linelen)
{
	size_t printable = 0, k = 0;
	const char *kind = NULL;
	for (size_t i = 0; i < n; i++)
		printable += (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\r' || p[i] == '\n' || p[i] == '\t';
	if (linelen) {
		for (size_t i = 0; i < n && p[i] != '\r' && p[i] != '\n' && k + 1 < linelen && k < 60; i++)
			line[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
		line[k] = '\0';
	}
	if (starts(p, n, "HTTP/") || starts(p, n, "GET ") || starts(p, n, "POST ") || starts(p, n, "HEAD ") ||
	    starts(p, n, "PUT ") || starts(p, n, "CONNECT ") || starts(p, n, "OPTIONS ") || starts(p, n, "<html") ||
	    starts(p, n, "<!DOCTYPE") || starts(p, n, "<HTML"))
		kind = "HTTP";
	else if (starts(p, n, "SSH-"))
		kind = "SSH";
	/* MQTT (OASIS MQTT 3.1.1 2.2): CONNECT 0x10 or CONNACK 0x20 with remaining length 2. */
	else if (n >= 2 && ((p[0] == 0x20 && p[1] == 2) || (p[0] == 0x10 && n >= 8 && memcmp(p + 4, "MQ", 2) == 0)))
		kind = "MQTT";
	else if (n >= 4 && (starts(p, n, "220 ") || starts(p, n, "220-") || starts(p, n, "+OK") || starts(p, n, "* OK")))
		kind = "SMTP/FTP/POP3/IMAP banner";
	else if (n && printable == n)
		kind = "text";
	if (kind && strcmp(kind, "MQTT") == 0 && linelen)
		snprintf(line, linelen, "%s", p[0] == 0x20 ? "CONNACK" : "CONNECT");
	return kind;
}
