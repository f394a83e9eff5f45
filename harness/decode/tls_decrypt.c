/*
 * tls_decrypt.c - record decryption with known secrets (see tls_decrypt.h).
 * The only file that uses libcrypto's EVP ciphers, MACs and KDFs for it;
 * no cipher is written by hand.
 *
 * How this works: a suite's registry name ("TLS_ECDHE_RSA_WITH_AES_128_
 * GCM_SHA256") names its bulk cipher after "_WITH_" (TLS 1.3: after
 * "TLS_"); bulk_table[] gives the EVP cipher, the mode, the MAC and the
 * PRF hash for it.  Each direction keeps its key, IV, MAC key and record
 * sequence number (RFC 5246 6.1: it starts at 0 with each new key).
 *
 *   AEAD TLS 1.2 (RFC 5288, 6655, 7905): GCM and CCM take a 4-byte fixed
 *     IV and an 8-byte explicit nonce from the record; ChaCha20-Poly1305 a
 *     12-byte IV XORed with the sequence number; the additional data is
 *     seq || type || version || plaintext length.
 *   CBC (RFC 5246 6.2.3.2, RFC 7366): TLS >= 1.1 sends the IV first in
 *     each record, TLS 1.0 chains it from the last ciphertext block; the
 *     MAC is HMAC over seq || type || version || length || data, of the
 *     plaintext (MAC-then-encrypt) or of IV || ciphertext (encrypt-then-MAC).
 *   TLS 1.3 (RFC 8446 5.2, 5.3, 7.3): key and IV by HKDF-Expand-Label, the
 *     nonce is the IV XOR seq, the additional data the record header, the
 *     inner content type is the last non-zero byte of the plaintext.
 */
#include "harness/decode/tls_decrypt.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/decode/tls_names.h"

enum bulk_mode { M_GCM, M_CCM, M_CHACHA, M_CBC };

struct bulk {
	const char *name; /* the registry name's tail */
	const char *evp; /* EVP cipher name */
	enum bulk_mode mode;
	unsigned key_len;
	unsigned tag_len; /* AEAD tag */
	const char *mac; /* CBC: the HMAC hash */
	const char *prf; /* TLS 1.2 PRF hash; TLS 1.3 the suite hash */
	bool tls13;
};

static const struct bulk bulk_table[] = {
	{ "AES_128_GCM_SHA256", "AES-128-GCM", M_GCM, 16, 16, NULL, "SHA256", false },
	{ "AES_256_GCM_SHA384", "AES-256-GCM", M_GCM, 32, 16, NULL, "SHA384", false },
	{ "CHACHA20_POLY1305_SHA256", "ChaCha20-Poly1305", M_CHACHA, 32, 16, NULL, "SHA256", false },
	{ "AES_128_CCM", "AES-128-CCM", M_CCM, 16, 16, NULL, "SHA256", false },
	{ "AES_256_CCM", "AES-256-CCM", M_CCM, 32, 16, NULL, "SHA256", false },
	{ "AES_128_CCM_8", "AES-128-CCM", M_CCM, 16, 8, NULL, "SHA256", false },
	{ "AES_256_CCM_8", "AES-256-CCM", M_CCM, 32, 8, NULL, "SHA256", false },
	{ "ARIA_128_GCM_SHA256", "ARIA-128-GCM", M_GCM, 16, 16, NULL, "SHA256", false },
	{ "ARIA_256_GCM_SHA384", "ARIA-256-GCM", M_GCM, 32, 16, NULL, "SHA384", false },
	{ "AES_128_CBC_SHA", "AES-128-CBC", M_CBC, 16, 0, "SHA1", "SHA256", false },
	{ "AES_256_CBC_SHA", "AES-256-CBC", M_CBC, 32, 0, "SHA1", "SHA256", false },
	{ "AES_128_CBC_SHA256", "AES-128-CBC", M_CBC, 16, 0, "SHA256", "SHA256", false },
	{ "AES_256_CBC_SHA256", "AES-256-CBC", M_CBC, 32, 0, "SHA256", "SHA256", false },
	{ "AES_256_CBC_SHA384", "AES-256-CBC", M_CBC, 32, 0, "SHA384", "SHA384", false },
	{ "CAMELLIA_128_CBC_SHA", "CAMELLIA-128-CBC", M_CBC, 16, 0, "SHA1", "SHA256", false },
	{ "CAMELLIA_256_CBC_SHA", "CAMELLIA-256-CBC", M_CBC, 32, 0, "SHA1", "SHA256", false },
	{ "CAMELLIA_128_CBC_SHA256", "CAMELLIA-128-CBC", M_CBC, 16, 0, "SHA256", "SHA256", false },
	{ "CAMELLIA_256_CBC_SHA256", "CAMELLIA-256-CBC", M_CBC, 32, 0, "SHA256", "SHA256", false },
	{ "3DES_EDE_CBC_SHA", "DES-EDE3-CBC", M_CBC, 24, 0, "SHA1", "SHA256", false },
	/* TLS 1.3 (RFC 8446 B.4) */
	{ "AES_128_GCM_SHA256", "AES-128-GCM", M_GCM, 16, 16, NULL, "SHA256", true },
	{ "AES_256_GCM_SHA384", "AES-256-GCM", M_GCM, 32, 16, NULL, "SHA384", true },
	{ "CHACHA20_POLY1305_SHA256", "ChaCha20-Poly1305", M_CHACHA, 32, 16, NULL, "SHA256", true },
	{ "AES_128_CCM_SHA256", "AES-128-CCM", M_CCM, 16, 16, NULL, "SHA256", true },
	{ "AES_128_CCM_8_SHA256", "AES-128-CCM", M_CCM, 16, 8, NULL, "SHA256", true },
};

#define SECRET_MAX 64

struct dir_keys {
	bool set;
	const struct bulk *b;
	EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *ctx;
	EVP_MAC *mac; /* CBC suites: HMAC, fetched once */
	EVP_MAC_CTX *mctx;
	uint8_t key[32];
	uint8_t iv[16]; /* AEAD: fixed IV (4 or 12 bytes); CBC TLS 1.0: the chained IV */
	size_t iv_len;
	uint8_t mac_key[48];
	size_t mac_len;
	size_t block;
	uint64_t seq;
	uint16_t version;
	bool etm;
	uint8_t secret[SECRET_MAX]; /* TLS 1.3: the current traffic secret */
	size_t secret_len;
};

struct tls_decrypt {
	struct dir_keys cur[2];
	struct dir_keys pending[2]; /* TLS <= 1.2: until the side's ChangeCipherSpec */
};

static void keys_clear(struct dir_keys *k)
{
	EVP_CIPHER_CTX_free(k->ctx);
	EVP_CIPHER_free(k->cipher);
	EVP_MAC_CTX_free(k->mctx);
	EVP_MAC_free(k->mac);
	OPENSSL_cleanse(k, sizeof *k);
}

struct tls_decrypt *tls_decrypt_new(void)
{
	return calloc(1, sizeof(struct tls_decrypt));
}

size_t tls_decrypt_footprint(void)
{
	/* Four cipher contexts at most (current and pending per side), about 1 KiB each in libcrypto. */
	return sizeof(struct tls_decrypt) + 4 * 1024;
}

void tls_decrypt_free(struct tls_decrypt *td)
{
	if (!td)
		return;
	for (int i = 0; i < 2; i++) {
		keys_clear(&td->cur[i]);
		keys_clear(&td->pending[i]);
	}
	free(td);
}

static const struct bulk *bulk_of(uint16_t suite, uint16_t version)
{
	char nb[96];
	const char *name = tls_name16(tls_cipher_suite_names, suite, nb, sizeof nb);
	const char *with = strstr(name, "_WITH_");
	bool tls13 = version >= TLS_V_TLS13;
	const char *tail = with ? with + 6 : (strncmp(name, "TLS_", 4) == 0 ? name + 4 : NULL);
	/* TLS <= 1.2 names say "_WITH_"; TLS 1.3 names never do (RFC 8446 B.4). */
	if (!tail || tls13 == (with != NULL))
		return NULL;
	for (size_t i = 0; i < sizeof bulk_table / sizeof bulk_table[0]; i++)
		if (bulk_table[i].tls13 == tls13 && strcmp(bulk_table[i].name, tail) == 0)
			return &bulk_table[i];
	return NULL;
}

bool tls_decrypt_supported(uint16_t suite, uint16_t version, const char **name)
{
	const struct bulk *b = bulk_of(suite, version);
	if (name)
		*name = b ? b->evp : NULL;
	return b != NULL;
}

static int keys_cipher(struct dir_keys *k, const struct bulk *b, char *why, size_t whylen)
{
	k->b = b;
	k->cipher = EVP_CIPHER_fetch(NULL, b->evp, NULL);
	k->ctx = EVP_CIPHER_CTX_new();
	if (!k->cipher || !k->ctx) {
		snprintf(why, whylen, "libcrypto has no %s", b->evp);
		return -1;
	}
	k->block = (size_t)EVP_CIPHER_get_block_size(k->cipher);
	if (b->mac && (!(k->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) || !(k->mctx = EVP_MAC_CTX_new(k->mac)))) {
		snprintf(why, whylen, "libcrypto has no HMAC");
		return -1;
	}
	return 0;
}

/* TLS1-PRF (RFC 5246 5; TLS 1.0/1.1: the MD5-SHA1 form of RFC 2246 5). */
static int prf(const char *md, const uint8_t *secret, size_t slen, const uint8_t *seed, size_t seedlen, uint8_t *out,
	       size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seedlen),
		OSSL_PARAM_construct_end(),
	};
	int rc = kc && EVP_KDF_derive(kc, out, outlen, p) > 0 ? 0 : -1;
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	return rc;
}

/* HKDF-Expand-Label(secret, label, "", len) (RFC 8446 7.1). */
static int expand_label(const char *md, const uint8_t *secret, size_t slen, const char *label, uint8_t *out,
			size_t len)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = 6 + strlen(label), n = 0;
	if (ll > 255)
		return -1;
	info[n++] = (uint8_t)(len >> 8);
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)ll;
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, ll - 6);
	n += ll;
	info[n++] = 0; /* empty context */
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, "EXPAND_ONLY", 0),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
		OSSL_PARAM_construct_end(),
	};
	int rc = kc && EVP_KDF_derive(kc, out, len, p) > 0 ? 0 : -1;
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	return rc;
}

int tls_decrypt_init12(struct tls_decrypt *td, uint16_t version, uint16_t suite, bool etm, const uint8_t master[48],
		       const uint8_t client_random[32], const uint8_t server_random[32], char *why, size_t whylen)
{
	const struct bulk *b = bulk_of(suite, version);
	uint8_t seed[13 + 64], kb[2 * 48 + 2 * 32 + 2 * 16];
	size_t mac_len = 0, iv_len, need;
	int rc = -1;

	if (!b || version < TLS_V_TLS10 || version > TLS_V_TLS12) {
		snprintf(why, whylen, "the cipher suite is not one tlsdiag decrypts");
		return -1;
	}
	if (b->mac) {
		const EVP_MD *md = EVP_get_digestbyname(b->mac);
		if (!md || EVP_MD_get_size(md) <= 0 || EVP_MD_get_size(md) > 48) {
			snprintf(why, whylen, "libcrypto has no %s", b->mac);
			return -1;
		}
		mac_len = (size_t)EVP_MD_get_size(md);
	}
	/* RFC 5246 6.3: the IVs are in the key block for implicit nonces (AEAD) and TLS 1.0 CBC. */
	iv_len = b->mode == M_CHACHA ? 12 : 4;
	if (b->mode == M_CBC) {
		EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, b->evp, NULL);
		iv_len = c ? (size_t)EVP_CIPHER_get_block_size(c) : 16;
		EVP_CIPHER_free(c);
	}
	need = 2 * mac_len + 2 * b->key_len + 2 * iv_len;
	memcpy(seed, "key expansion", 13);
	memcpy(seed + 13, server_random, 32);
	memcpy(seed + 45, client_random, 32);
	if (prf(version == TLS_V_TLS12 ? b->prf : "MD5-SHA1", master, 48, seed, sizeof seed, kb, need) < 0) {
		snprintf(why, whylen, "the TLS PRF failed in libcrypto");
		goto out;
	}
	for (int d = 0; d < 2; d++) {
		struct dir_keys *k = &td->pending[d];
		keys_clear(k);
		if (keys_cipher(k, b, why, whylen) < 0)
			goto out;
		/* client_write_MAC, server_write_MAC, client_write_key, server_write_key, then the IVs. */
		memcpy(k->mac_key, kb + (size_t)d * mac_len, mac_len);
		memcpy(k->key, kb + 2 * mac_len + (size_t)d * b->key_len, b->key_len);
		k->iv_len = iv_len;
		memcpy(k->iv, kb + 2 * mac_len + 2 * b->key_len + (size_t)d * iv_len, k->iv_len);
		k->mac_len = mac_len;
		k->version = version;
		k->etm = etm && b->mode == M_CBC;
		k->set = true;
	}
	rc = 0;
out:
	OPENSSL_cleanse(kb, sizeof kb);
	return rc;
}

void tls_decrypt_activate(struct tls_decrypt *td, int dir)
{
	if (!td->pending[dir].set)
		return;
	keys_clear(&td->cur[dir]);
	td->cur[dir] = td->pending[dir];
	memset(&td->pending[dir], 0, sizeof td->pending[dir]);
}

static int keys13(struct dir_keys *k, char *why, size_t whylen)
{
	if (expand_label(k->b->prf, k->secret, k->secret_len, "key", k->key, k->b->key_len) < 0 ||
	    expand_label(k->b->prf, k->secret, k->secret_len, "iv", k->iv, 12) < 0) {
		snprintf(why, whylen, "HKDF-Expand-Label failed in libcrypto");
		return -1;
	}
	k->iv_len = 12;
	k->seq = 0;
	return 0;
}

int tls_decrypt_init13(struct tls_decrypt *td, int dir, uint16_t suite, const uint8_t *secret, size_t len, char *why,
		       size_t whylen)
{
	const struct bulk *b = bulk_of(suite, TLS_V_TLS13);
	struct dir_keys *k = &td->cur[dir];
	keys_clear(k);
	if (!b) {
		snprintf(why, whylen, "the cipher suite is not one tlsdiag decrypts");
		return -1;
	}
	if (len != (size_t)EVP_MD_get_size(EVP_get_digestbyname(b->prf)) || len > sizeof k->secret) {
		snprintf(why, whylen, "the key log's secret is %zu bytes, the suite's hash %s needs %d", len, b->prf,
			 EVP_MD_get_size(EVP_get_digestbyname(b->prf)));
		return -1;
	}
	if (keys_cipher(k, b, why, whylen) < 0)
		return -1;
	memcpy(k->secret, secret, len);
	k->secret_len = len;
	k->version = TLS_V_TLS13;
	if (keys13(k, why, whylen) < 0)
		return -1;
	k->set = true;
	return 0;
}

int tls_decrypt_key_update(struct tls_decrypt *td, int dir, char *why, size_t whylen)
{
	struct dir_keys *k = &td->cur[dir];
	uint8_t next[SECRET_MAX];
	if (!k->set || k->version != TLS_V_TLS13) {
		snprintf(why, whylen, "KeyUpdate without TLS 1.3 traffic keys");
		return -1;
	}
	if (expand_label(k->b->prf, k->secret, k->secret_len, "traffic upd", next, k->secret_len) < 0) {
		snprintf(why, whylen, "HKDF-Expand-Label failed in libcrypto");
		return -1;
	}
	memcpy(k->secret, next, k->secret_len);
	OPENSSL_cleanse(next, sizeof next);
	return keys13(k, why, whylen);
}

bool tls_decrypt_active(const struct tls_decrypt *td, int dir)
{
	return td && td->cur[dir].set;
}

static void put_seq(uint8_t out[8], uint64_t seq)
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		out[i] = (uint8_t)seq;
}

/* AEAD open: nonce, aad, ciphertext || tag.  0 when the tag checks. */
static int aead_open(struct dir_keys *k, const uint8_t *nonce, size_t nlen, const uint8_t *aad, size_t alen,
		     const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	EVP_CIPHER_CTX *x = k->ctx;
	const uint8_t *tag = ct + ctlen;
	size_t tl = k->b->tag_len;
	int ol = 0, fl = 0;

	if (EVP_CIPHER_CTX_reset(x) != 1 || EVP_DecryptInit_ex(x, k->cipher, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, (int)nlen, NULL) != 1)
		return -1;
	if (k->b->mode == M_CCM) {
		/* CCM (RFC 3610 via EVP): the tag before the key, the total length before the AAD. */
		if (EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)tl, (void *)tag) != 1 ||
		    EVP_DecryptInit_ex(x, NULL, NULL, k->key, nonce) != 1 ||
		    EVP_DecryptUpdate(x, NULL, &ol, NULL, (int)ctlen) != 1 ||
		    EVP_DecryptUpdate(x, NULL, &ol, aad, (int)alen) != 1)
			return -1;
		return EVP_DecryptUpdate(x, out, &ol, ct, (int)ctlen) == 1 ? 0 : -1;
	}
	if (EVP_DecryptInit_ex(x, NULL, NULL, k->key, nonce) != 1 || EVP_DecryptUpdate(x, NULL, &ol, aad, (int)alen) != 1 ||
	    EVP_DecryptUpdate(x, out, &ol, ct, (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)tl, (void *)tag) != 1)
		return -1;
	return EVP_DecryptFinal_ex(x, out + ol, &fl) == 1 ? 0 : -1;
}

static enum tls_dec_status open12_aead(struct dir_keys *k, uint8_t type, uint16_t version, const uint8_t *body,
				       size_t len, uint8_t *out, size_t *out_len)
{
	uint8_t nonce[12], aad[13];
	size_t explicit_len = k->b->mode == M_CHACHA ? 0 : 8, tl = k->b->tag_len;
	if (len < explicit_len + tl)
		return TLS_DEC_SHORT;
	size_t pl = len - explicit_len - tl;
	if (k->b->mode == M_CHACHA) {
		/* RFC 7905 2: the IV XOR the sequence number, left-padded. */
		memcpy(nonce, k->iv, 12);
		uint8_t s[8];
		put_seq(s, k->seq);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= s[i];
	} else {
		memcpy(nonce, k->iv, 4);
		memcpy(nonce + 4, body, 8);
	}
	put_seq(aad, k->seq);
	aad[8] = type;
	aad[9] = (uint8_t)(version >> 8);
	aad[10] = (uint8_t)version;
	aad[11] = (uint8_t)(pl >> 8);
	aad[12] = (uint8_t)pl;
	if (aead_open(k, nonce, 12, aad, sizeof aad, body + explicit_len, pl, out) < 0)
		return TLS_DEC_BAD;
	*out_len = pl;
	return TLS_DEC_OK;
}

static int hmac(struct dir_keys *k, const uint8_t hdr[13], const uint8_t *data, size_t n, uint8_t *mac)
{
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)k->b->mac, 0),
			   OSSL_PARAM_construct_end() };
	size_t ol = 0;
	return EVP_MAC_init(k->mctx, k->mac_key, k->mac_len, p) == 1 && EVP_MAC_update(k->mctx, hdr, 13) == 1 &&
			       EVP_MAC_update(k->mctx, data, n) == 1 && EVP_MAC_final(k->mctx, mac, &ol, 64) == 1 &&
			       ol == k->mac_len
		       ? 0
		       : -1;
}

static void mac_header(uint8_t hdr[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
	put_seq(hdr, seq);
	hdr[8] = type;
	hdr[9] = (uint8_t)(version >> 8);
	hdr[10] = (uint8_t)version;
	hdr[11] = (uint8_t)(len >> 8);
	hdr[12] = (uint8_t)len;
}

static int cbc_decrypt(struct dir_keys *k, const uint8_t *iv, const uint8_t *ct, size_t n, uint8_t *out)
{
	int ol = 0;
	return EVP_CIPHER_CTX_reset(k->ctx) == 1 && EVP_DecryptInit_ex(k->ctx, k->cipher, NULL, k->key, iv) == 1 &&
			       EVP_CIPHER_CTX_set_padding(k->ctx, 0) == 1 &&
			       EVP_DecryptUpdate(k->ctx, out, &ol, ct, (int)n) == 1 && (size_t)ol == n
		       ? 0
		       : -1;
}

static enum tls_dec_status open12_cbc(struct dir_keys *k, uint8_t type, uint16_t version, const uint8_t *body,
				      size_t len, uint8_t *out, size_t *out_len)
{
	uint8_t hdr[13], mac[64], iv[16];
	size_t ivl = k->version >= TLS_V_TLS11 ? k->block : 0, bl = k->block, ml = k->mac_len;
	if (len < ivl + bl + (k->etm ? ml : 0))
		return TLS_DEC_SHORT;
	size_t ctl = len - (k->etm ? ml : 0);
	if ((ctl - ivl) % bl)
		return TLS_DEC_BAD;
	const uint8_t *ct = body + ivl;
	size_t n = ctl - ivl;
	memcpy(iv, ivl ? body : k->iv, bl);
	if (k->etm) {
		/* RFC 7366 3: the MAC covers IV || ciphertext, checked before decrypting. */
		mac_header(hdr, k->seq, type, version, ctl);
		if (hmac(k, hdr, body, ctl, mac) < 0 || CRYPTO_memcmp(mac, body + ctl, ml) != 0)
			return TLS_DEC_BAD;
	}
	if (cbc_decrypt(k, iv, ct, n, out) < 0)
		return TLS_DEC_BAD;
	if (!ivl)
		memcpy(k->iv, ct + n - bl, bl); /* TLS 1.0: the next record's IV */
	size_t pad = out[n - 1];
	if (pad + 1 + (k->etm ? 0 : ml) > n)
		return TLS_DEC_BAD;
	for (size_t i = n - 1 - pad; i < n - 1; i++)
		if (out[i] != pad)
			return TLS_DEC_BAD;
	size_t pl = n - 1 - pad - (k->etm ? 0 : ml);
	if (!k->etm) {
		mac_header(hdr, k->seq, type, version, pl);
		if (hmac(k, hdr, out, pl, mac) < 0 || CRYPTO_memcmp(mac, out + pl, ml) != 0)
			return TLS_DEC_BAD;
	}
	*out_len = pl;
	return TLS_DEC_OK;
}

static enum tls_dec_status open13(struct dir_keys *k, uint8_t type, uint16_t version, const uint8_t *body, size_t len,
				  uint8_t *out, size_t *out_len, uint8_t *inner)
{
	uint8_t nonce[12], aad[5], s[8];
	size_t tl = k->b->tag_len;
	if (len < tl + 1)
		return TLS_DEC_SHORT;
	memcpy(nonce, k->iv, 12);
	put_seq(s, k->seq);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= s[i];
	aad[0] = type;
	aad[1] = (uint8_t)(version >> 8);
	aad[2] = (uint8_t)version;
	aad[3] = (uint8_t)(len >> 8);
	aad[4] = (uint8_t)len;
	if (aead_open(k, nonce, 12, aad, sizeof aad, body, len - tl, out) < 0)
		return TLS_DEC_BAD;
	/* RFC 8446 5.4: zero padding after the content type; all zeros is an error. */
	size_t n = len - tl;
	while (n && out[n - 1] == 0)
		n--;
	if (!n)
		return TLS_DEC_BAD;
	*inner = out[n - 1];
	*out_len = n - 1;
	return TLS_DEC_OK;
}

enum tls_dec_status tls_decrypt_record(struct tls_decrypt *td, int dir, uint8_t type, uint16_t version,
				       const uint8_t *body, size_t len, uint8_t *out, size_t *out_len, uint8_t *inner)
{
	struct dir_keys *k = &td->cur[dir];
	enum tls_dec_status st;
	if (!k->set)
		return TLS_DEC_BAD;
	*inner = type;
	if (k->version == TLS_V_TLS13)
		st = open13(k, type, version, body, len, out, out_len, inner);
	else if (k->b->mode == M_CBC)
		st = open12_cbc(k, type, version, body, len, out, out_len);
	else
		st = open12_aead(k, type, version, body, len, out, out_len);
	if (st == TLS_DEC_OK)
		k->seq++;
	return st;
}
