/*
 * x509_wolfssl.h - what the decoder reports about one X.509 certificate
 * (RFC 5280) seen in a TLS Certificate message.  x509_wolfssl.c is the only
 * file of the decoder that includes wolfSSL; everything else sees this
 * struct.
 */
#ifndef TLSDIAG_DECODE_X509_WOLFSSL_H
#define TLSDIAG_DECODE_X509_WOLFSSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/cursor.h"
#include "harness/core/err.h"

#define X509_INFO_NAME_MAX 256
#define X509_INFO_SAN_MAX 8
#define X509_INFO_SAN_LEN 128

struct x509_info {
	char subject[X509_INFO_NAME_MAX]; /* "/C=TW/O=.../CN=host" */
	char issuer[X509_INFO_NAME_MAX];
	char common_name[X509_INFO_SAN_LEN]; /* the subject's CN, or "" */
	/* Validity as written in the DER (RFC 5280 4.1.2.5): "YYMMDDHHMMSSZ" or "YYYYMMDDHHMMSSZ". */
	char not_before[24];
	char not_after[24];
	bool not_before_generalized; /* GeneralizedTime, else UTCTime */
	bool not_after_generalized;
	int64_t not_before_epoch; /* seconds since 1970 (UTC); valid when times_ok */
	int64_t not_after_epoch;
	bool times_ok;
	char san[X509_INFO_SAN_MAX][X509_INFO_SAN_LEN]; /* DNS names, IP addresses, e-mail */
	size_t n_san; /* kept */
	size_t n_san_total; /* in the certificate */
	char key_type[16]; /* "RSA", "EC", "Ed25519", "Ed448", "DSA", "RSA-PSS", "unknown" */
	int key_bits; /* 0 when unknown */
	bool has_basic_constraints;
	bool is_ca;
	int path_len; /* -1 when absent */
	char sig_alg[48]; /* "sha256WithRSAEncryption" */
	bool self_issued; /* subject == issuer */
};

/*
 * Decodes the DER certificate under der (all of it: bytes after the outer
 * SEQUENCE are MALFORMED).  why gets a one-line reason on failure.
 */
enum decode_status x509_decode(const struct cursor *der, struct x509_info *out, char *why,
			       size_t whylen);

/*
 * The UTC seconds of an X.509 time as written ("YYMMDDHHMMSSZ" for UTCTime,
 * with YY >= 50 meaning 19YY as RFC 5280 4.1.2.5.1 says, or
 * "YYYYMMDDHHMMSSZ").  Returns false when the text is not such a time.
 */
bool x509_time_epoch(const char *s, bool generalized, int64_t *out);

/* Whether host matches one of the certificate's names (SAN DNS/IP, else CN; RFC 6125 wildcards). */
bool x509_matches_host(const struct x509_info *x, const char *host);

#endif
