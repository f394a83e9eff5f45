/*
 * x509_wolfssl.c - X.509 certificates (RFC 5280) through wolfSSL's parser.
 * The only file of the decoder that includes wolfSSL (STYLE.md section 6):
 * it turns a WOLFSSL_X509 into the project's struct x509_info at once, so
 * no wolfSSL type or code leaves this file.
 *
 * The outer SEQUENCE is checked with our own cursor first, so a DER whose
 * length disagrees with the TLS vector around it is MALFORMED even where
 * wolfSSL would read past or stop short silently.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/openssl/objects.h>

#include "harness/decode/x509_wolfssl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The outer SEQUENCE header (X.690 8.1.3): the certificate must fill der exactly. */
static bool der_outer_ok(struct cursor c, char *why, size_t whylen)
{
	uint8_t tag, l0, b;
	size_t len = 0;

	if (!cursor_u8(&c, &tag) || !cursor_u8(&c, &l0)) {
		snprintf(why, whylen, "certificate shorter than a DER header");
		return false;
	}
	if (tag != 0x30) {
		snprintf(why, whylen, "certificate does not start with a DER SEQUENCE (tag 0x%02x)", tag);
		return false;
	}
	if (l0 < 0x80) {
		len = l0;
	} else {
		unsigned n = l0 & 0x7f;
		if (n == 0 || n > 4) {
			snprintf(why, whylen, "certificate DER length of %u bytes is not supported", n);
			return false;
		}
		for (unsigned i = 0; i < n; i++) {
			if (!cursor_u8(&c, &b)) {
				snprintf(why, whylen, "certificate DER length cut short");
				return false;
			}
			len = (len << 8) | b;
		}
	}
	if (len != cursor_left(&c)) {
		snprintf(why, whylen, "certificate DER says %zu bytes, the TLS vector holds %zu", len,
			 cursor_left(&c));
		return false;
	}
	return true;
}

/* Copies printable ASCII; anything else becomes '?' (names come from the wire). */
static void copy_printable(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;
	if (!dstlen)
		return;
	for (; src && src[i] && i + 1 < dstlen; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static void copy_time(const WOLFSSL_ASN1_TIME *t, char *dst, size_t dstlen, bool *generalized)
{
	char tmp[CTC_DATE_SIZE + 1];
	int n;

	*generalized = false;
	dst[0] = '\0';
	if (!t)
		return;
	n = t->length;
	if (n < 0 || n > CTC_DATE_SIZE)
		n = 0;
	memcpy(tmp, t->data, (size_t)n);
	tmp[n] = '\0';
	copy_printable(dst, dstlen, tmp);
	*generalized = t->type == V_ASN1_GENERALIZEDTIME;
}

struct key_name {
	int sum;
	const char *name;
};

static const struct key_name key_names[] = {
	{ RSAk, "RSA" }, { RSAPSSk, "RSA-PSS" }, { ECDSAk, "EC" }, { DSAk, "DSA" },
	{ ED25519k, "Ed25519" }, { ED448k, "Ed448" }, { DHk, "DH" }, { 0, NULL },
};

/*
 * The key's size from the SubjectPublicKeyInfo (RFC 5280 4.1.2.7), read
 * through the cursor.  wolfSSL_X509_get_pubkey() would build an EVP_PKEY,
 * with an RNG seeded by SHA-256 DRBG rounds, for every certificate: 37% of a
 * decode of RSA connections (docs/performance.md).
 */

/* One DER TLV (X.690 8.1): tag, definite length of up to 4 bytes, value as a sub-cursor. */
static bool der_tlv(struct cursor *c, uint8_t *tag, struct cursor *val)
{
	uint8_t l0, b;
	size_t len = 0;

	if (!cursor_u8(c, tag) || !cursor_u8(c, &l0))
		return false;
	if (l0 < 0x80) {
		len = l0;
	} else {
		unsigned n = l0 & 0x7f;
		if (n == 0 || n > 4)
			return false;
		for (unsigned i = 0; i < n; i++) {
			if (!cursor_u8(c, &b))
				return false;
			len = (len << 8) | b;
		}
	}
	return cursor_sub(c, len, val);
}

static bool der_expect(struct cursor *c, uint8_t want, struct cursor *val)
{
	uint8_t tag;
	return der_tlv(c, &tag, val) && tag == want;
}

static bool der_is(const struct cursor *c, const uint8_t *bytes, size_t n)
{
	return cursor_left(c) == n && memcmp(c->p + c->off, bytes, n) == 0;
}

/* Algorithm and curve OIDs (their DER contents) and what they mean for the key's size. */
static const struct {
	uint8_t oid[10];
	uint8_t n;
	int bits; /* 0: the size is read from the key */
} key_oids[] = {
	{ { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 }, 9, 0 }, /* rsaEncryption */
	{ { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a }, 9, 0 }, /* id-RSASSA-PSS */
	{ { 0x2b, 0x65, 0x70 }, 3, 256 }, /* id-Ed25519 (RFC 8410) */
	{ { 0x2b, 0x65, 0x71 }, 3, 456 }, /* id-Ed448 */
}, curve_oids[] = {
	{ { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }, 8, 256 }, /* secp256r1 (RFC 5480) */
	{ { 0x2b, 0x81, 0x04, 0x00, 0x22 }, 5, 384 }, /* secp384r1 */
	{ { 0x2b, 0x81, 0x04, 0x00, 0x23 }, 5, 521 }, /* secp521r1 */
	{ { 0x2b, 0x81, 0x04, 0x00, 0x21 }, 5, 224 }, /* secp224r1 */
	{ { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01 }, 8, 192 }, /* secp192r1 */
	{ { 0x2b, 0x81, 0x04, 0x00, 0x0a }, 5, 256 }, /* secp256k1 */
	{ { 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07 }, 9, 256 }, /* brainpoolP256r1 (RFC 5639) */
	{ { 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0b }, 9, 384 }, /* brainpoolP384r1 */
	{ { 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0d }, 9, 512 }, /* brainpoolP512r1 */
};

static const uint8_t oid_ec[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 }; /* id-ecPublicKey */

/* Bits of a DER INTEGER's magnitude (an RSA modulus), leading zero bytes left out. */
static int der_int_bits(struct cursor v)
{
	uint8_t b = 0;
	while (cursor_left(&v) && cursor_peek_u8(&v, 0, &b) && b == 0)
		(void)cursor_skip(&v, 1);
	size_t n = cursor_left(&v);
	if (n == 0 || n > 0x10000)
		return 0;
	int bits = (int)(n - 1) * 8;
	for (; b; b >>= 1)
		bits++;
	return bits;
}

/* The SubjectPublicKeyInfo's key size, or 0 when this reader does not know the algorithm. */
static int spki_bits(struct cursor der)
{
	struct cursor cert, tbs, v, spki, alg, oid, params, key;
	uint8_t tag, unused;

	if (!der_expect(&der, 0x30, &cert) || !der_expect(&cert, 0x30, &tbs))
		return 0;
	if (cursor_peek_u8(&tbs, 0, &tag) && tag == 0xa0 && !der_tlv(&tbs, &tag, &v)) /* [0] version */
		return 0;
	/* serialNumber, signature, issuer, validity, subject */
	for (int i = 0; i < 5; i++)
		if (!der_tlv(&tbs, &tag, &v))
			return 0;
	if (!der_expect(&tbs, 0x30, &spki) || !der_expect(&spki, 0x30, &alg) || !der_expect(&alg, 0x06, &oid))
		return 0;
	bool have_params = der_tlv(&alg, &tag, &params);
	if (!der_expect(&spki, 0x03, &key) || !cursor_u8(&key, &unused) || unused != 0)
		return 0;
	if (der_is(&oid, oid_ec, sizeof oid_ec)) {
		for (size_t i = 0; have_params && tag == 0x06 && i < sizeof curve_oids / sizeof curve_oids[0]; i++)
			if (der_is(&params, curve_oids[i].oid, curve_oids[i].n))
				return curve_oids[i].bits;
		return 0;
	}
	for (size_t i = 0; i < sizeof key_oids / sizeof key_oids[0]; i++) {
		if (!der_is(&oid, key_oids[i].oid, key_oids[i].n))
			continue;
		if (key_oids[i].bits)
			return key_oids[i].bits;
		/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1) */
		struct cursor rsa, mod;
		if (!der_expect(&key, 0x30, &rsa) || !der_expect(&rsa, 0x02, &mod))
			return 0;
		return der_int_bits(mod);
	}
	return 0;
}

static void fill_key(WOLFSSL_X509 *x, const struct cursor *der, struct x509_info *out)
{
	int type = wolfSSL_X509_get_pubkey_type(x);

	snprintf(out->key_type, sizeof out->key_type, "unknown");
	for (const struct key_name *k = key_names; k->name; k++)
		if (k->sum == type)
			snprintf(out->key_type, sizeof out->key_type, "%s", k->name);
	out->key_bits = spki_bits(*der);
	if (out->key_bits == 0) { /* DSA, DH, a curve not in the table: wolfSSL's answer, at its cost */
		WOLFSSL_EVP_PKEY *pk = wolfSSL_X509_get_pubkey(x);
		if (pk) {
			int bits = wolfSSL_EVP_PKEY_bits(pk);
			out->key_bits = bits > 0 ? bits : 0;
			wolfSSL_EVP_PKEY_free(pk);
		}
	}
}

/*
 * Certificates seen before, byte for byte: a server sends the same chain on
 * every connection, so a capture of 10,000 connections holds a handful of
 * distinct certificates.  A small table per thread, keyed by a hash of the
 * DER and confirmed by comparing the whole DER (a hash alone could be made
 * to collide), replaced round robin.  Only certificates that decoded OK and
 * fit CACHE_DER_MAX are kept.
 */
#define CACHE_SLOTS 16
#define CACHE_DER_MAX 3072

struct cert_cache_slot {
	uint64_t hash;
	size_t len; /* 0: empty */
	uint8_t der[CACHE_DER_MAX];
	struct x509_info info;
};

static _Thread_local struct cert_cache {
	struct cert_cache_slot slot[CACHE_SLOTS];
	unsigned next;
} cert_cache;

static uint64_t der_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ n, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return h ^ (h >> 29);
}

static struct cert_cache_slot *cache_find(const uint8_t *p, size_t n, uint64_t h)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		struct cert_cache_slot *s = &cert_cache.slot[i];
		if (s->len == n && s->hash == h && memcmp(s->der, p, n) == 0)
			return s;
	}
	return NULL;
}

static void cache_put(const uint8_t *p, size_t n, uint64_t h, const struct x509_info *info)
{
	if (n == 0 || n > CACHE_DER_MAX)
		return;
	struct cert_cache_slot *s = &cert_cache.slot[cert_cache.next++ % CACHE_SLOTS];
	s->hash = h;
	s->len = n;
	memcpy(s->der, p, n);
	s->info = *info;
}

enum decode_status x509_decode(const struct cursor *der, struct x509_info *out, char *why,
			       size_t whylen)
{
	enum decode_status st = DECODE_MALFORMED;
	WOLFSSL_X509 *x = NULL;
	const uint8_t *p;
	char buf[X509_INFO_NAME_MAX * 2];
	char *alt;
	int nid;
	size_t len = cursor_left(der);

	memset(out, 0, sizeof *out);
	out->path_len = -1;
	if (!der_outer_ok(*der, why, whylen))
		goto out;
	if (len > 0x7fffffff) {
		snprintf(why, whylen, "certificate too large");
		goto out;
	}
	p = der->p + der->off;
	uint64_t h = der_hash(p, len);
	const struct cert_cache_slot *hit = cache_find(p, len, h);
	if (hit) {
		*out = hit->info;
		st = DECODE_OK;
		goto out;
	}
	x = wolfSSL_X509_d2i(NULL, p, (int)len);
	if (!x) {
		snprintf(why, whylen, "wolfSSL cannot parse the certificate");
		goto out;
	}

	if (wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_subject_name(x), buf, sizeof buf))
		copy_printable(out->subject, sizeof out->subject, buf);
	if (wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_issuer_name(x), buf, sizeof buf))
		copy_printable(out->issuer, sizeof out->issuer, buf);
	copy_printable(out->common_name, sizeof out->common_name, wolfSSL_X509_get_subjectCN(x));
	out->self_issued = strcmp(out->subject, out->issuer) == 0;

	copy_time(wolfSSL_X509_get_notBefore(x), out->not_before, sizeof out->not_before,
		  &out->not_before_generalized);
	copy_time(wolfSSL_X509_get_notAfter(x), out->not_after, sizeof out->not_after,
		  &out->not_after_generalized);
	out->times_ok = x509_time_epoch(out->not_before, out->not_before_generalized,
					&out->not_before_epoch) &&
			x509_time_epoch(out->not_after, out->not_after_generalized, &out->not_after_epoch);

	while ((alt = wolfSSL_X509_get_next_altname(x)) != NULL) {
		if (out->n_san < X509_INFO_SAN_MAX)
			copy_printable(out->san[out->n_san++], X509_INFO_SAN_LEN, alt);
		out->n_san_total++;
	}

	fill_key(x, der, out);

	out->has_basic_constraints = wolfSSL_X509_ext_isSet_by_NID(x, NID_basic_constraints) == 1;
	out->is_ca = wolfSSL_X509_get_isCA(x) == 1;
	if (out->is_ca && wolfSSL_X509_get_isSet_pathLength(x) == 1)
		out->path_len = (int)wolfSSL_X509_get_pathLength(x);

	nid = wolfSSL_X509_get_signature_nid(x);
	if (nid > 0 && wolfSSL_OBJ_nid2ln(nid))
		copy_printable(out->sig_alg, sizeof out->sig_alg, wolfSSL_OBJ_nid2ln(nid));
	else
		snprintf(out->sig_alg, sizeof out->sig_alg, "unknown");
	cache_put(p, len, h, out);
	st = DECODE_OK;
out:
	if (x)
		wolfSSL_X509_free(x);
	return st;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool x509_time_epoch(const char *s, bool generalized, int64_t *out)
{
	size_t ylen = generalized ? 4 : 2;
	int y, mo, d, h, mi, sec;

	if (strlen(s) != ylen + 11 || s[ylen + 10] != 'Z')
		return false;
	if (!digits(s, ylen, &y) || !digits(s + ylen, 2, &mo) || !digits(s + ylen + 2, 2, &d) ||
	    !digits(s + ylen + 4, 2, &h) || !digits(s + ylen + 6, 2, &mi) ||
	    !digits(s + ylen + 8, 2, &sec))
		return false;
	if (!generalized)
		y += y >= 50 ? 1900 : 2000;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return true;
}

/* RFC 6125 6.4.3: a '*' only as the whole left-most label, matching one label. */
static bool name_matches(const char *pattern, const char *host)
{
	if (pattern[0] == '*' && pattern[1] == '.') {
		const char *dot = strchr(host, '.');
		return dot && dot != host && strcasecmp(pattern + 1, dot) == 0;
	}
	return strcasecmp(pattern, host) == 0;
}

bool x509_matches_host(const struct x509_info *x, const char *host)
{
	size_t names = 0;
	if (!host || !host[0])
		return false;
	for (size_t i = 0; i < x->n_san; i++) {
		if (strchr(x->san[i], '@'))
			continue; /* rfc822Name: not a host */
		names++;
		if (name_matches(x->san[i], host))
			return true;
	}
	/* RFC 6125 6.4.4: the CN counts only when there is no DNS/IP SAN. */
	return names == 0 && x->common_name[0] && name_matches(x->common_name, host);
}
