/*
 * tls_decrypt.h - record decryption for a connection whose secrets are
 * known (a key log): the one file that uses libcrypto's EVP ciphers, MACs
 * and KDFs for it.  Speaks the decoder's types only.
 *
 * TLS <= 1.2 (RFC 5246 6.3): the key block comes from the master secret
 * (TLS1-PRF) and takes effect at each side's ChangeCipherSpec.  TLS 1.3
 * (RFC 8446 7.3): each traffic secret gives a key and an IV
 * (HKDF-Expand-Label) and takes effect at once; a KeyUpdate moves a side
 * to the next generation of its secret (RFC 8446 7.2).
 */
#ifndef TLSDIAG_DECODE_TLS_DECRYPT_H
#define TLSDIAG_DECODE_TLS_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_decrypt;

enum tls_dec_status {
	TLS_DEC_OK = 0,
	TLS_DEC_BAD, /* the tag, MAC or padding does not check: not these keys, or a corrupt record */
	TLS_DEC_SHORT, /* shorter than the cipher's overhead */
};

struct tls_decrypt *tls_decrypt_new(void);
void tls_decrypt_free(struct tls_decrypt *td);
/* Heap bytes of one (libcrypto's contexts estimated), for the decoder's memory budget. */
size_t tls_decrypt_footprint(void);

/* Whether suite can be decrypted here (version picks the TLS 1.3 table); *name its bulk cipher. */
bool tls_decrypt_supported(uint16_t suite, uint16_t version, const char **name);

/*
 * TLS <= 1.2: the keys of both sides from the 48-byte master secret, kept
 * pending until tls_decrypt_activate(dir) (that side's ChangeCipherSpec).
 * etm: encrypt_then_mac was in both hellos (RFC 7366; CBC suites only).
 * 0, or -1 with why.
 */
int tls_decrypt_init12(struct tls_decrypt *td, uint16_t version, uint16_t suite, bool etm, const uint8_t master[48],
		       const uint8_t client_random[32], const uint8_t server_random[32], char *why, size_t whylen);
void tls_decrypt_activate(struct tls_decrypt *td, int dir);
/* TLS 1.3: dir's records are protected by this traffic secret from now on (sequence 0). */
int tls_decrypt_init13(struct tls_decrypt *td, int dir, uint16_t suite, const uint8_t *secret, size_t len, char *why,
		       size_t whylen);
/* TLS 1.3 KeyUpdate from dir: application_traffic_secret_N+1 (RFC 8446 7.2). */
int tls_decrypt_key_update(struct tls_decrypt *td, int dir, char *why, size_t whylen);
bool tls_decrypt_active(const struct tls_decrypt *td, int dir);

/*
 * One record of dir (its header: type, version, body length = len).  The
 * plaintext goes to out (cap >= len); *out_len its length, *inner the
 * content type (TLS 1.3: the inner type, padding removed).
 */
enum tls_dec_status tls_decrypt_record(struct tls_decrypt *td, int dir, uint8_t type, uint16_t version,
				       const uint8_t *body, size_t len, uint8_t *out, size_t *out_len, uint8_t *inner);

#endif
