/*
 * diag_offer.h - what a ClientHello's offer says for a diagnosis (version
 * range, which suites, groups and signature schemes, and whether a
 * mainstream server can accept any), and what non-TLS bytes look like
 * (HTTP, an SSH banner, MQTT).  Read by the rules of diagnose.c.
 */
#ifndef TLSDIAG_DECODE_DIAG_OFFER_H
#define TLSDIAG_DECODE_DIAG_OFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/decode/tls_handshake.h"

struct diag_offer {
	uint16_t vmin, vmax; /* the versions offered (supported_versions, else client_version down to SSLv3) */
	size_t suites; /* real suites, not counting signalling values (SCSV) or GREASE */
	size_t scsv;
	size_t aead, fs; /* AEAD suites; forward-secret ones (ECDHE, DHE, TLS 1.3) */
	size_t tls13, ecdhe, dhe, rsa_kx;
	size_t auth_rsa, auth_ecdsa; /* TLS <= 1.2 suites by the certificate they need */
	bool mainstream_suite; /* one a default OpenSSL/nginx/Apache server accepts: ECDHE/DHE or TLS 1.3 with AES-GCM or ChaCha20 */
	bool common_group; /* x25519, secp256r1 or secp384r1 (the groups every server enables) */
	bool needs_group; /* every usable suite is ECDHE or TLS 1.3 */
	bool sig_modern; /* a SHA-256+ RSA, RSA-PSS or ECDSA P-256/P-384 scheme (what certificates need) */
	bool sig_rsa, sig_ecdsa, sig_eddsa; /* scheme families offered */
	/* TLS 1.3's mandatory-to-implement set (RFC 8446 9.1), which every 1.3 server has */
	bool mti_suite; /* TLS_AES_128_GCM_SHA256 */
	bool mti_group; /* secp256r1 */
	bool mti_sig; /* rsa_pkcs1_sha256, rsa_pss_rsae_sha256 or ecdsa_secp256r1_sha256 */
	size_t n_groups;
};

void diag_offer_read(const struct tls_client_hello *ch, struct diag_offer *o);
/* "TLS1.0 to TLS1.2" or "only TLS1.3". */
const char *diag_offer_range(const struct diag_offer *o, char *buf, size_t buflen);
/* Whether the offer includes v (between vmin and vmax, or listed). */
bool diag_offer_has(const struct tls_client_hello *ch, uint16_t v);

/*
 * What non-TLS bytes are: "HTTP", "SSH", "MQTT", "SMTP/FTP banner", "text",
 * or NULL (binary, not recognised); line gets their first line, quoted
 * and cut, control bytes as '.'.
 */
const char *diag_plaintext_kind(const uint8_t *p, size_t n, char *line, size_t linelen);

#endif
