/*
 * client_bearssl.c - the client engine on BearSSL 0.6 (Debian's libbearssl,
 * the library the ESP8266 Arduino core builds BearSSL::WiFiClientSecure on
 * since 2.5).  The only file that includes BearSSL; it sets BearSSL up the
 * way that core does and reports what BearSSL itself returned.
 *
 * How a case runs (as WiFiClientSecure::connect() over BearSSL):
 *   1. br_ssl_client_init_full() (the ESP8266 core's suite list is that
 *      function's, copied verbatim), then the case's restrictions: versions
 *      (br_ssl_engine_set_versions, TLS 1.0-1.2 by default) and suites by
 *      IANA name (br_ssl_engine_set_suites).
 *   2. Trust anchors as X509List makes them: each certificate (PEM decoded
 *      with br_pem_decoder first, or DER) through br_x509_decoder into a
 *      br_x509_trust_anchor; a file that yields none leaves the list empty
 *      and the handshake fails where the device's does
 *      (BR_ERR_X509_NOT_TRUSTED).
 *   3. The device clock: br_x509_minimal_set_time (days since 0000-01-01).
 *      Verification off is setInsecure(): the chain is still run through
 *      x509_minimal (its error becomes verify_error) but accepted, and the
 *      server key is taken from the leaf as the core's insecure validator does.
 *   4. Buffers: br_ssl_engine_set_buffers_bidi with the device's sizes (the
 *      ESP8266 default is 16384 bytes in, 512 out; BearSSL adds its record
 *      overhead, BR_SSL_BUFSIZE_INPUT - 16384 and BR_SSL_BUFSIZE_OUTPUT -
 *      16384).  BearSSL asks for max_fragment_length by itself when the
 *      output buffer is small, and a record larger than the input buffer is
 *      BearSSL's own BR_ERR_TOO_LARGE: no emulation here.
 *   5. SNI and the checked name are one argument of br_ssl_client_reset().
 *   6. The I/O loop is the core's _run_until(): a transport failure (close,
 *      reset, timeout) returns without failing the engine, so the error
 *      BearSSL reports afterwards (getLastSSLError()) stays 0 - what an
 *      ESP8266 shows after a TCP drop.
 *   7. The key log: the session's master secret with the client random.
 *
 * Errors: br_ssl_engine_last_error(); 256 + N is a fatal alert N received,
 * 512 + N one sent (BearSSL as a client sends none: it closes).
 */
#include "harness/client/client.h"
#include "harness/client/client_io.h"

#include <stdio.h>
#include <string.h>

#ifdef TLSDIAG_HAVE_BEARSSL

#include <bearssl.h>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* BearSSL's error names (bearssl_ssl.h, bearssl_x509.h). */
#define BE(x) { (unsigned int)(x), #x }
static const struct tok bearssl_errors[] = {

	BE(BR_ERR_OK), BE(BR_ERR_BAD_PARAM), BE(BR_ERR_BAD_STATE),
	BE(BR_ERR_UNSUPPORTED_VERSION), BE(BR_ERR_BAD_VERSION), BE(BR_ERR_BAD_LENGTH),
	BE(BR_ERR_TOO_LARGE), BE(BR_ERR_BAD_MAC), BE(BR_ERR_NO_RANDOM),
	BE(BR_ERR_UNKNOWN_TYPE), BE(BR_ERR_UNEXPECTED), BE(BR_ERR_BAD_CCS),
	BE(BR_ERR_BAD_ALERT), BE(BR_ERR_BAD_HANDSHAKE), BE(BR_ERR_OVERSIZED_ID),
	BE(BR_ERR_BAD_CIPHER_SUITE), BE(BR_ERR_BAD_COMPRESSION), BE(BR_ERR_BAD_FRAGLEN),
	BE(BR_ERR_BAD_SECRENEG), BE(BR_ERR_EXTRA_EXTENSION), BE(BR_ERR_BAD_SNI),
	BE(BR_ERR_BAD_HELLO_DONE), BE(BR_ERR_LIMIT_EXCEEDED), BE(BR_ERR_BAD_FINISHED),
	BE(BR_ERR_RESUME_MISMATCH), BE(BR_ERR_INVALID_ALGORITHM), BE(BR_ERR_BAD_SIGNATURE),
	BE(BR_ERR_WRONG_KEY_USAGE), BE(BR_ERR_NO_CLIENT_AUTH), BE(BR_ERR_IO),
	BE(BR_ERR_RECV_FATAL_ALERT), BE(BR_ERR_SEND_FATAL_ALERT), BE(BR_ERR_X509_OK),
	BE(BR_ERR_X509_INVALID_VALUE), BE(BR_ERR_X509_TRUNCATED), BE(BR_ERR_X509_EMPTY_CHAIN),
	BE(BR_ERR_X509_INNER_TRUNC), BE(BR_ERR_X509_BAD_TAG_CLASS), BE(BR_ERR_X509_BAD_TAG_VALUE),
	BE(BR_ERR_X509_INDEFINITE_LENGTH), BE(BR_ERR_X509_EXTRA_ELEMENT), BE(BR_ERR_X509_UNEXPECTED),
	BE(BR_ERR_X509_NOT_CONSTRUCTED), BE(BR_ERR_X509_NOT_PRIMITIVE), BE(BR_ERR_X509_PARTIAL_BYTE),
	BE(BR_ERR_X509_BAD_BOOLEAN), BE(BR_ERR_X509_OVERFLOW), BE(BR_ERR_X509_BAD_DN),
	BE(BR_ERR_X509_BAD_TIME), BE(BR_ERR_X509_UNSUPPORTED), BE(BR_ERR_X509_LIMIT_EXCEEDED),
	BE(BR_ERR_X509_WRONG_KEY_TYPE), BE(BR_ERR_X509_BAD_SIGNATURE), BE(BR_ERR_X509_TIME_UNKNOWN),
	BE(BR_ERR_X509_EXPIRED), BE(BR_ERR_X509_DN_MISMATCH), BE(BR_ERR_X509_BAD_SERVER_NAME),
	BE(BR_ERR_X509_CRITICAL_EXTENSION), BE(BR_ERR_X509_NOT_CA), BE(BR_ERR_X509_FORBIDDEN_KEY_USAGE),
	BE(BR_ERR_X509_WEAK_PUBLIC_KEY), BE(BR_ERR_X509_NOT_TRUSTED),
	{ 0, NULL },
};
#undef BE

/* Cipher suites by IANA name (bearssl_ssl.h BR_TLS_* constants). */
#define BS(x) { BR_##x, #x }
static const struct tok suite_names[] = {
	BS(TLS_NULL_WITH_NULL_NULL), BS(TLS_RSA_WITH_NULL_MD5),
	BS(TLS_RSA_WITH_NULL_SHA), BS(TLS_RSA_WITH_NULL_SHA256),
	BS(TLS_RSA_WITH_RC4_128_MD5), BS(TLS_RSA_WITH_RC4_128_SHA),
	BS(TLS_RSA_WITH_3DES_EDE_CBC_SHA), BS(TLS_RSA_WITH_AES_128_CBC_SHA),
	BS(TLS_RSA_WITH_AES_256_CBC_SHA), BS(TLS_RSA_WITH_AES_128_CBC_SHA256),
	BS(TLS_RSA_WITH_AES_256_CBC_SHA256), BS(TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA),
	BS(TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA), BS(TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA),
	BS(TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA), BS(TLS_DH_DSS_WITH_AES_128_CBC_SHA),
	BS(TLS_DH_RSA_WITH_AES_128_CBC_SHA), BS(TLS_DHE_DSS_WITH_AES_128_CBC_SHA),
	BS(TLS_DHE_RSA_WITH_AES_128_CBC_SHA), BS(TLS_DH_DSS_WITH_AES_256_CBC_SHA),
	BS(TLS_DH_RSA_WITH_AES_256_CBC_SHA), BS(TLS_DHE_DSS_WITH_AES_256_CBC_SHA),
	BS(TLS_DHE_RSA_WITH_AES_256_CBC_SHA), BS(TLS_DH_DSS_WITH_AES_128_CBC_SHA256),
	BS(TLS_DH_RSA_WITH_AES_128_CBC_SHA256), BS(TLS_DHE_DSS_WITH_AES_128_CBC_SHA256),
	BS(TLS_DHE_RSA_WITH_AES_128_CBC_SHA256), BS(TLS_DH_DSS_WITH_AES_256_CBC_SHA256),
	BS(TLS_DH_RSA_WITH_AES_256_CBC_SHA256), BS(TLS_DHE_DSS_WITH_AES_256_CBC_SHA256),
	BS(TLS_DHE_RSA_WITH_AES_256_CBC_SHA256), BS(TLS_ECDH_ECDSA_WITH_NULL_SHA),
	BS(TLS_ECDH_ECDSA_WITH_RC4_128_SHA), BS(TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA),
	BS(TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA), BS(TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA),
	BS(TLS_ECDHE_ECDSA_WITH_NULL_SHA), BS(TLS_ECDHE_ECDSA_WITH_RC4_128_SHA),
	BS(TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA), BS(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA),
	BS(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA), BS(TLS_ECDH_RSA_WITH_NULL_SHA),
	BS(TLS_ECDH_RSA_WITH_RC4_128_SHA), BS(TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA),
	BS(TLS_ECDH_RSA_WITH_AES_128_CBC_SHA), BS(TLS_ECDH_RSA_WITH_AES_256_CBC_SHA),
	BS(TLS_ECDHE_RSA_WITH_NULL_SHA), BS(TLS_ECDHE_RSA_WITH_RC4_128_SHA),
	BS(TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA), BS(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA),
	BS(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA), BS(TLS_RSA_WITH_AES_128_GCM_SHA256),
	BS(TLS_RSA_WITH_AES_256_GCM_SHA384), BS(TLS_DHE_RSA_WITH_AES_128_GCM_SHA256),
	BS(TLS_DHE_RSA_WITH_AES_256_GCM_SHA384), BS(TLS_DH_RSA_WITH_AES_128_GCM_SHA256),
	BS(TLS_DH_RSA_WITH_AES_256_GCM_SHA384), BS(TLS_DHE_DSS_WITH_AES_128_GCM_SHA256),
	BS(TLS_DHE_DSS_WITH_AES_256_GCM_SHA384), BS(TLS_DH_DSS_WITH_AES_128_GCM_SHA256),
	BS(TLS_DH_DSS_WITH_AES_256_GCM_SHA384), BS(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256),
	BS(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384), BS(TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256),
	BS(TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384), BS(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256),
	BS(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384), BS(TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256),
	BS(TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384), BS(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
	BS(TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384), BS(TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256),
	BS(TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384), BS(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
	BS(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), BS(TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256),
	BS(TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384), BS(TLS_RSA_WITH_AES_128_CCM),
	BS(TLS_RSA_WITH_AES_256_CCM), BS(TLS_RSA_WITH_AES_128_CCM_8),
	BS(TLS_RSA_WITH_AES_256_CCM_8), BS(TLS_ECDHE_ECDSA_WITH_AES_128_CCM),
	BS(TLS_ECDHE_ECDSA_WITH_AES_256_CCM), BS(TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8),
	BS(TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8), BS(TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
	BS(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256), BS(TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
	BS(TLS_PSK_WITH_CHACHA20_POLY1305_SHA256), BS(TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256),
	BS(TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256), BS(TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256),
	{ 0, NULL },
};
#undef BS

enum { MAX_TAS = 16, MAX_CHAIN = 4, DN_MAX = 1024, KEY_MAX = 1200, RX_OVERHEAD = BR_SSL_BUFSIZE_INPUT - 16384,
       TX_OVERHEAD = BR_SSL_BUFSIZE_OUTPUT - 16384, ESP8266_RX = 16384, ESP8266_TX = 512 };

/* One trust anchor and the bytes it points into. */
struct anchor {
	unsigned char dn[DN_MAX];
	size_t dn_len;
	unsigned char key[KEY_MAX]; /* RSA n then e, or the EC point */
	bool overflow;
};

/* The validator the engine sees: x509_minimal under it, always run; off means accept (setInsecure). */
struct validator {
	const br_x509_class *vtable;
	br_x509_minimal_context minimal;
	struct run *r;
	int certs; /* certificates the server sent */
	br_x509_decoder_context leaf; /* the leaf's key, for insecure mode */
	unsigned char leaf_key[KEY_MAX];
	br_x509_pkey leaf_pkey;
	unsigned err; /* x509_minimal's verdict */
};

struct run {
	struct cio io;
	const struct client_case *cc;
	struct client_result *out;
	br_ssl_client_context sc;
	struct validator v;
	br_x509_trust_anchor tas[MAX_TAS];
	struct anchor anchors[MAX_TAS];
	size_t ntas;
	uint16_t suites[64];
	unsigned char *iobuf;
	/* the client certificate */
	br_x509_certificate chain[MAX_CHAIN];
	size_t chain_len;
	unsigned char *chain_der[MAX_CHAIN];
	br_skey_decoder_context skey;
	bool transport_failed; /* the core's _run_until() returned on a socket failure */
};

static void error_name(unsigned code, int *alert, char *buf, size_t len)
{
	const char *s = tok_name(bearssl_errors, code);
	*alert = -1;
	if (code >= BR_ERR_SEND_FATAL_ALERT && code < BR_ERR_SEND_FATAL_ALERT + 256) {
		*alert = (int)(code - BR_ERR_SEND_FATAL_ALERT);
		s = "BR_ERR_SEND_FATAL_ALERT";
	} else if (code >= BR_ERR_RECV_FATAL_ALERT && code < BR_ERR_RECV_FATAL_ALERT + 256) {
		*alert = (int)(code - BR_ERR_RECV_FATAL_ALERT);
		s = "BR_ERR_RECV_FATAL_ALERT";
	}
	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "unknown(%u)", code);
}

const char *client_engine_error_name_bearssl(long code)
{
	if (code >= BR_ERR_SEND_FATAL_ALERT && code < BR_ERR_SEND_FATAL_ALERT + 256)
		return "BR_ERR_SEND_FATAL_ALERT";
	if (code >= BR_ERR_RECV_FATAL_ALERT && code < BR_ERR_RECV_FATAL_ALERT + 256)
		return "BR_ERR_RECV_FATAL_ALERT";
	return code >= 0 ? tok_name(bearssl_errors, (unsigned int)code) : NULL;
}

/* ---- trust anchors, as X509List builds them ---- */

static void dn_append(void *ctx, const void *buf, size_t len)
{
	struct anchor *a = ctx;
	if (a->dn_len + len > sizeof a->dn) {
		a->overflow = true;
		return;
	}
	memcpy(a->dn + a->dn_len, buf, len);
	a->dn_len += len;
}

/* Copies a decoded public key into dst (its bytes into buf): false when it does not fit. */
static bool pkey_copy(br_x509_pkey *dst, const br_x509_pkey *src, unsigned char *buf, size_t cap)
{
	*dst = *src;
	if (src->key_type == BR_KEYTYPE_RSA) {
		if (src->key.rsa.nlen + src->key.rsa.elen > cap)
			return false;
		memcpy(buf, src->key.rsa.n, src->key.rsa.nlen);
		memcpy(buf + src->key.rsa.nlen, src->key.rsa.e, src->key.rsa.elen);
		dst->key.rsa.n = buf;
		dst->key.rsa.e = buf + src->key.rsa.nlen;
		return true;
	}
	if (src->key_type == BR_KEYTYPE_EC && src->key.ec.qlen <= cap) {
		memcpy(buf, src->key.ec.q, src->key.ec.qlen);
		dst->key.ec.q = buf;
		return true;
	}
	return false;
}

/* One DER certificate to a trust anchor: false when it does not decode (X509List then holds nothing). */
static bool anchor_add(struct run *r, const unsigned char *der, size_t len)
{
	if (r->ntas == MAX_TAS)
		return false;
	struct anchor *a = &r->anchors[r->ntas];
	br_x509_decoder_context dc;
	memset(a, 0, sizeof *a);
	br_x509_decoder_init(&dc, dn_append, a);
	br_x509_decoder_push(&dc, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	br_x509_trust_anchor *ta = &r->tas[r->ntas];
	if (!pk || a->overflow || !pkey_copy(&ta->pkey, pk, a->key, sizeof a->key))
		return false;
	ta->dn.data = a->dn;
	ta->dn.len = a->dn_len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	r->ntas++;
	return true;
}

/* The DER bytes of each PEM object named name (br_pem_decoder), handed to each(). */
struct pem_sink {
	unsigned char *buf;
	size_t len, cap;
};

static void pem_dest(void *ctx, const void *src, size_t len)
{
	struct pem_sink *s = ctx;
	if (s->len + len <= s->cap) {
		memcpy(s->buf + s->len, src, len);
		s->len += len;
	} else {
		s->cap = 0; /* too large: dropped */
	}
}

/* Decodes PEM text: calls each(r, der, len, kind) per object; the count of objects. */
static int pem_each(struct run *r, const unsigned char *text, size_t len,
		    bool (*each)(struct run *r, const unsigned char *der, size_t len, const char *name))
{
	br_pem_decoder_context pc;
	static unsigned char der[16384];
	struct pem_sink sink = { der, 0, sizeof der };
	char name[64] = "";
	int count = 0;
	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, text, len);
		text += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			snprintf(name, sizeof name, "%.63s", br_pem_decoder_name(&pc));
			sink = (struct pem_sink){ der, 0, sizeof der };
			br_pem_decoder_setdest(&pc, pem_dest, &sink);
			break;
		case BR_PEM_END_OBJ:
			if (sink.cap && each(r, der, sink.len, name))
				count++;
			break;
		case BR_PEM_ERROR:
			return count;
		default:
			break;
		}
	}
	return count;
}

static bool each_anchor(struct run *r, const unsigned char *der, size_t len, const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 && anchor_add(r, der, len);
}

/* X509List(pem) or X509List(der, len): trust anchors from the CA file (0, or -1 harness error). */
static int load_ca(struct run *r, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	unsigned char *buf = NULL;
	size_t len = 0;
	if (cc->ca_format == CA_NONE)
		return 0;
	if (!cc->ca_path) {
		snprintf(err, errlen, "a CA format is set but no CA file");
		return -1;
	}
	if (cio_read_file(cc->ca_path, &buf, &len, err, errlen) != 0)
		return -1;
	bool pem_api = cc->ca_format == CA_PEM || cc->ca_format == CA_DER_AS_PEM ||
		       (cc->ca_format == CA_AUTO && cio_is_pem(buf, len));
	if (pem_api)
		pem_each(r, buf, len, each_anchor);
	else
		anchor_add(r, buf, len);
	if (r->ntas == 0)
		snprintf(r->out->note, sizeof r->out->note, "X509List(%s) holds no trust anchor: %s is not %s",
			 pem_api ? "PEM" : "DER", cc->ca_path, pem_api ? "PEM certificates" : "one DER certificate");
	free(buf);
	return 0;
}

/* ---- the validator: x509_minimal, always run ---- */

static void v_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct validator *v = (struct validator *)(void *)ctx;
	v->certs = 0;
	v->minimal.vtable->start_chain(&v->minimal.vtable, server_name);
}

static void v_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct validator *v = (struct validator *)(void *)ctx;
	if (v->certs == 0)
		br_x509_decoder_init(&v->leaf, NULL, NULL);
	v->certs++;
	v->minimal.vtable->start_cert(&v->minimal.vtable, length);
}

static void v_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct validator *v = (struct validator *)(void *)ctx;
	if (v->certs == 1)
		br_x509_decoder_push(&v->leaf, buf, len);
	v->minimal.vtable->append(&v->minimal.vtable, buf, len);
}

static void v_end_cert(const br_x509_class **ctx)
{
	struct validator *v = (struct validator *)(void *)ctx;
	v->minimal.vtable->end_cert(&v->minimal.vtable);
}

static unsigned v_end_chain(const br_x509_class **ctx)
{
	struct validator *v = (struct validator *)(void *)ctx;
	v->err = v->minimal.vtable->end_chain(&v->minimal.vtable);
	if (v->err == 0 || v->r->cc->verify)
		return v->err;
	/* setInsecure(): accept, with the leaf's key (the core's insecure validator decodes it too). */
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&v->leaf);
	if (!pk || !pkey_copy(&v->leaf_pkey, pk, v->leaf_key, sizeof v->leaf_key))
		return BR_ERR_X509_UNSUPPORTED;
	return 0;
}

static const br_x509_pkey *v_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct validator *v = (const struct validator *)(const void *)ctx;
	if (v->err == 0 || v->r->cc->verify)
		return v->minimal.vtable->get_pkey(&v->minimal.vtable, usages);
	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return &v->leaf_pkey;
}

static const br_x509_class validator_vtable = {
	sizeof(struct validator), v_start_chain, v_start_cert, v_append, v_end_cert, v_end_chain, v_get_pkey,
};

/* ---- the client certificate ---- */

static bool each_chain_cert(struct run *r, const unsigned char *der, size_t len, const char *name)
{
	if (strcmp(name, "CERTIFICATE") != 0 || r->chain_len == MAX_CHAIN || !(r->chain_der[r->chain_len] = malloc(len)))
		return false;
	memcpy(r->chain_der[r->chain_len], der, len);
	r->chain[r->chain_len].data = r->chain_der[r->chain_len];
	r->chain[r->chain_len].data_len = len;
	r->chain_len++;
	return true;
}

static bool each_key(struct run *r, const unsigned char *der, size_t len, const char *name)
{
	(void)name;
	br_skey_decoder_push(&r->skey, der, len);
	return br_skey_decoder_last_error(&r->skey) == 0;
}

/* An outcome at a load stage: the decoder's BearSSL error. */
static int load_failed(struct run *r, const char *stage, const char *what, int code)
{
	struct client_result *o = r->out;
	int alert;
	o->error = code;
	error_name((unsigned)code, &alert, o->error_name, sizeof o->error_name);
	cio_engine_error(o, code, o->error_name, -1);
	snprintf(o->stage, sizeof o->stage, "%s", stage);
	snprintf(o->detail, sizeof o->detail, "the client %s was rejected: %s %d", what, o->error_name, code);
	return 1;
}

static int load_client_cert(struct run *r, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	unsigned char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	int rc = -1;
	int got = cio_read_client_pair(cc, &cert, &cert_len, &key, &key_len, err, errlen);
	if (got != 0) {
		rc = got > 0 ? 0 : -1;
		goto out;
	}
	if (cio_is_pem(cert, cert_len))
		pem_each(r, cert, cert_len, each_chain_cert);
	else
		each_chain_cert(r, cert, cert_len, "CERTIFICATE");
	if (r->chain_len == 0) {
		rc = load_failed(r, "load_cert", "certificate", BR_ERR_X509_INVALID_VALUE);
		goto out;
	}
	br_skey_decoder_init(&r->skey);
	if (cio_is_pem(key, key_len) ? pem_each(r, key, key_len, each_key) == 0 : !each_key(r, key, key_len, "")) {
		rc = load_failed(r, "load_key", "key", br_skey_decoder_last_error(&r->skey));
		goto out;
	}
	if (br_skey_decoder_key_type(&r->skey) == BR_KEYTYPE_RSA)
		br_ssl_client_set_single_rsa(&r->sc, r->chain, r->chain_len, br_skey_decoder_get_rsa(&r->skey),
					     br_rsa_pkcs1_sign_get_default());
	else
		br_ssl_client_set_single_ec(&r->sc, r->chain, r->chain_len, br_skey_decoder_get_ec(&r->skey),
					    BR_KEYTYPE_SIGN, 0, br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
	rc = 0;
out:
	free(cert);
	free(key);
	return rc;
}

/* ---- settings ---- */

static int set_versions(struct run *r)
{
	static const struct {
		enum client_method m;
		unsigned v;
	} map[] = { { METHOD_TLS10, BR_TLS10 }, { METHOD_TLS11, BR_TLS11 }, { METHOD_TLS12, BR_TLS12 } };
	const struct client_case *cc = r->cc;
	enum client_method lo = cc->min_version, hi = cc->max_version;
	unsigned vlo = BR_TLS10, vhi = BR_TLS12;
	if (cc->method == METHOD_TLS13 || cc->method == METHOD_SSLV3) {
		cio_skip(r->out, "BearSSL 0.6 has no %s", cc->method == METHOD_TLS13 ? "TLS 1.3" : "SSLv3");
		return 0;
	}
	if (cc->method != METHOD_ANY && cc->method != METHOD_SSLV3_TLS12)
		lo = hi = cc->method;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (map[i].m == lo)
			vlo = map[i].v;
		if (map[i].m == hi)
			vhi = map[i].v;
	}
	if (hi == METHOD_TLS13 || lo == METHOD_SSLV3 || cc->method == METHOD_SSLV3_TLS12)
		snprintf(r->out->note, sizeof r->out->note, "BearSSL 0.6 offers TLS 1.0 to 1.2 only");
	br_ssl_engine_set_versions(&r->sc.eng, vlo, vhi);
	return 0;
}

static int set_suites(struct run *r, char *err, size_t errlen)
{
	size_t n = 0;
	char name[96];
	unsigned int v;
	for (const char *p = r->cc->ciphers; cio_next_name(&p, name, sizeof name, '-', '_');) {
		if (tok_value(suite_names, name, &v) != 0) {
			snprintf(err, errlen, "cipher suite '%s' unknown to BearSSL (IANA names: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256...; "
				 "'tlsdiag client-caps' lists them)", name);
			return -1;
		}
		if (n < sizeof r->suites / sizeof r->suites[0])
			r->suites[n++] = (uint16_t)v;
	}
	if (n)
		br_ssl_engine_set_suites(&r->sc.eng, r->suites, n);
	return 0;
}

/* ---- I/O: the ESP8266 core's _run_until(), over the shared socket ---- */

/* Runs the engine until a state in target: 0, or -1 (engine failed or the socket did). */
static int run_until(struct run *r, unsigned target)
{
	br_ssl_engine_context *eng = &r->sc.eng;
	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED)
			return -1;
		if (st & BR_SSL_SENDREC) {
			size_t len;
			unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
			ssize_t n = cio_send(&r->io, buf, len);
			if (n <= 0) {
				r->transport_failed = true; /* the core returns -1 without failing the engine */
				return -1;
			}
			br_ssl_engine_sendrec_ack(eng, (size_t)n);
			continue;
		}
		if (st & target)
			return 0;
		if (st & BR_SSL_RECVAPP)
			return -1; /* application data while waiting for something else */
		if (st & BR_SSL_RECVREC) {
			size_t len;
			unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
			ssize_t n = cio_recv(&r->io, buf, len);
			if (n <= 0) {
				r->transport_failed = true;
				return -1;
			}
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
			continue;
		}
		br_ssl_engine_flush(eng, 0);
	}
}

static int app_write(void *ctx, const unsigned char *p, size_t n)
{
	struct run *r = ctx;
	br_ssl_engine_context *eng = &r->sc.eng;
	size_t done = 0;
	while (done < n) {
		if (run_until(r, BR_SSL_SENDAPP) != 0)
			return -1;
		size_t len;
		unsigned char *buf = br_ssl_engine_sendapp_buf(eng, &len);
		size_t take = n - done < len ? n - done : len;
		memcpy(buf, p + done, take);
		br_ssl_engine_sendapp_ack(eng, take);
		done += take;
	}
	br_ssl_engine_flush(eng, 0);
	return run_until(r, BR_SSL_SENDAPP | BR_SSL_RECVAPP) == 0 || !r->transport_failed ? (int)n : -1;
}

static int app_read(void *ctx, unsigned char *p, size_t n, int *alert)
{
	struct run *r = ctx;
	br_ssl_engine_context *eng = &r->sc.eng;
	if (run_until(r, BR_SSL_RECVAPP) != 0) {
		int e = br_ssl_engine_last_error(eng);
		if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_RECV_FATAL_ALERT + 256)
			*alert = e - BR_ERR_RECV_FATAL_ALERT;
		else if ((br_ssl_engine_current_state(eng) & BR_SSL_CLOSED) && e == BR_ERR_OK)
			*alert = 0; /* close_notify */
		if (r->io.timed_out)
			return CIO_TIMEOUT;
		return r->io.peer_closed && *alert < 0 ? 0 : -1;
	}
	size_t len;
	unsigned char *buf = br_ssl_engine_recvapp_buf(eng, &len);
	size_t take = n < len ? n : len;
	memcpy(p, buf, take);
	br_ssl_engine_recvapp_ack(eng, take);
	return (int)take;
}

/* ---- the result ---- */

static void result_verify(struct run *r)
{
	struct client_result *o = r->out;
	int alert;
	o->chain_len = r->v.certs;
	if (!r->v.err)
		return;
	o->verify_error = (int)r->v.err;
	error_name(r->v.err, &alert, o->verify_error_name, sizeof o->verify_error_name);
}

static void result_connected(struct run *r)
{
	struct client_result *o = r->out;
	br_ssl_session_parameters sp;
	static const struct tok version_names[] = {
		{ BR_TLS10, "TLSv1" }, { BR_TLS11, "TLSv1.1" }, { BR_TLS12, "TLSv1.2" }, { 0, NULL },
	};
	char buf[24];
	o->connected = true;
	snprintf(o->stage, sizeof o->stage, "done");
	br_ssl_engine_get_session_parameters(&r->sc.eng, &sp);
	snprintf(o->version, sizeof o->version, "%s", tok2str(version_names, sp.version, buf, sizeof buf));
	o->suite_id = sp.cipher_suite;
	const char *s = tok_name(suite_names, sp.cipher_suite);
	snprintf(o->suite, sizeof o->suite, "%s", s ? s : "unknown");
	result_verify(r);
	if (r->io.keylog)
		cio_keylog_master(&r->io, r->sc.eng.client_random, sp.master_secret);
	cio_connected_detail(&r->io);
}

static void result_failed(struct run *r)
{
	struct client_result *o = r->out;
	char last[48], words[200];
	int alert;
	unsigned e = (unsigned)br_ssl_engine_last_error(&r->sc.eng);
	o->error = (int)e;
	error_name(e, &alert, o->error_name, sizeof o->error_name);
	if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_RECV_FATAL_ALERT + 256)
		o->alert_received = alert;
	o->alert_sent = r->io.alert_by_client;
	result_verify(r);
	cio_stage(&r->io, last, sizeof last);
	cio_engine_error(o, e, o->error_name, alert);
	if (r->transport_failed && e == BR_ERR_OK)
		snprintf(words, sizeof words, "getLastSSLError() = 0 BR_ERR_OK: the socket %s, the engine was not failed",
			 r->io.timed_out ? "timed out" : r->io.peer_closed ? "was closed" : "failed");
	else
		snprintf(words, sizeof words, "getLastSSLError() = %u %s%s", e, o->error_name,
			 e == BR_ERR_TOO_LARGE ? " (a record larger than the input buffer)" : "");
	cio_failed_detail(&r->io, last, words);
}

/* The BearSSL buffers for the case: the device's payload sizes plus BearSSL's record overhead. */
static int set_buffers(struct run *r, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	size_t rx = (size_t)(cc->rx_record_limit ? cc->rx_record_limit : ESP8266_RX) + RX_OVERHEAD;
	size_t tx = (size_t)(cc->max_fragment ? cc->max_fragment : cc->tx_buffer ? cc->tx_buffer : ESP8266_TX) + TX_OVERHEAD;
	r->iobuf = malloc(rx + tx);
	if (!r->iobuf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	br_ssl_engine_set_buffers_bidi(&r->sc.eng, r->iobuf, rx, r->iobuf + rx, tx);
	return 0;
}

static void days_seconds(time_t t, uint32_t *days, uint32_t *secs)
{
	/* BearSSL counts days from 0000-01-01 (proleptic Gregorian): 1970-01-01 is day 719528. */
	*days = (uint32_t)(t / 86400 + 719528);
	*secs = (uint32_t)(t % 86400);
}

int client_bearssl_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen)
{
	struct run *r = calloc(1, sizeof *r);
	int rc = -1, step;
	if (!r) {
		snprintf(err, errlen, "out of memory");
		if (cc->sock_fd >= 0)
			close(cc->sock_fd);
		return -1;
	}
	cio_init(&r->io, cc, out);
	r->io.emulate_rx_limit = false; /* the real input buffer decides */
	r->cc = cc;
	r->out = out;
	if (!cc->host || !cc->port) {
		snprintf(err, errlen, "the case has no host or port");
		goto out;
	}
	if (load_ca(r, err, errlen) != 0)
		goto out;
	br_ssl_client_init_full(&r->sc, &r->v.minimal, r->tas, r->ntas);
	/* The validator in front of x509_minimal (always run, so verify off still tells). */
	r->v.vtable = &validator_vtable;
	r->v.r = r;
	br_ssl_engine_set_x509(&r->sc.eng, &r->v.vtable);
	uint32_t days, secs;
	days_seconds(cc->clock ? cc->clock : time(NULL), &days, &secs);
	br_x509_minimal_set_time(&r->v.minimal, days, secs);
	step = load_client_cert(r, err, errlen);
	if (step != 0) {
		rc = step > 0 ? 0 : -1;
		goto out;
	}
	if (cc->min_rsa_bits || cc->min_dh_bits || cc->reject_sha1)
		snprintf(out->note, sizeof out->note,
			 "BearSSL applies its own checks (min_rsa_bits, min_dh_bits, reject_sha1 are wolfSSL's stand-ins)");
	if (cc->groups)
		snprintf(out->note, sizeof out->note, "BearSSL 0.6 offers its own curve list (groups is not applied)");
	if (set_versions(r) != 0 || (cc->ciphers && set_suites(r, err, errlen) != 0) || set_buffers(r, err, errlen) != 0)
		goto out;
	const char *name = out->skipped ? NULL : cio_single_name(cc, out, "BearSSL (br_ssl_client_reset)");
	if (out->skipped) {
		rc = 0;
		goto out;
	}
	if (cc->keylog_path && cio_keylog_open(&r->io, err, errlen) != 0)
		goto out;
	if (!br_ssl_client_reset(&r->sc, name, 0)) {
		snprintf(err, errlen, "br_ssl_client_reset failed: %d", br_ssl_engine_last_error(&r->sc.eng));
		goto out;
	}
	step = cio_connect(&r->io, err, errlen);
	if (step != 0) {
		rc = step > 0 ? 0 : -1;
		goto out;
	}
	if (run_until(r, BR_SSL_SENDAPP) == 0) {
		result_connected(r);
		const struct cio_app app = { .ctx = r, .write = app_write, .read = app_read };
		cio_after_handshake(&r->io, &app);
		if (out->post_alert < 0 && !r->transport_failed) {
			br_ssl_engine_close(&r->sc.eng);
			run_until(r, BR_SSL_CLOSED);
		}
	} else {
		result_failed(r);
	}
	rc = 0;
out:
	cio_close(&r->io);
	for (size_t i = 0; i < r->chain_len; i++)
		free(r->chain_der[i]);
	free(r->iobuf);
	free(r);
	return rc;
}

void client_bearssl_caps(struct client_caps *caps)
{
	static br_ssl_client_context sc;
	static br_x509_minimal_context xc;
	memset(caps, 0, sizeof *caps);
	caps->available = true;
	snprintf(caps->version, sizeof caps->version, "0.6");
	caps->tls10 = caps->tls11 = caps->tls12 = true;
	caps->static_rsa = true;
	caps->max_fragment = true; /* asked for by itself when the output buffer is small */
	caps->sni = true;
	caps->keylog_tls12 = true;
	caps->time_override = true; /* br_x509_minimal_set_time */
	br_ssl_client_init_full(&sc, &xc, NULL, 0);
	size_t used = 0;
	for (size_t i = 0; i < sc.eng.suites_num && used < sizeof caps->ciphers; i++) {
		const char *s = tok_name(suite_names, sc.eng.suites_buf[i]);
		used += (size_t)snprintf(caps->ciphers + used, sizeof caps->ciphers - used, "%s%s", used ? ":" : "",
					 s ? s : "?");
	}
}

#else /* no BearSSL at build time: every case of this engine is skipped, never passed */

const char *client_engine_error_name_bearssl(long code)
{
	(void)code;
	return NULL;
}

int client_bearssl_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen)
{
	struct cio io;
	(void)err;
	(void)errlen;
	cio_init(&io, cc, out);
	cio_skip(out, "this tlsdiag was built without BearSSL (install libbearssl-dev: make deps, then rebuild)");
	cio_close(&io);
	return 0;
}

void client_bearssl_caps(struct client_caps *caps)
{
	memset(caps, 0, sizeof *caps);
	snprintf(caps->why_not, sizeof caps->why_not, "built without libbearssl-dev; make deps, then rebuild");
}

#endif
