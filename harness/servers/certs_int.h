/*
 * certs_int.h - between the certificate factory (certs.c, the only file
 * that includes libcrypto) and its catalogue (certs_catalogue.c, data):
 * what each certificate of the factory is.
 */
#ifndef TLSDIAG_SERVERS_CERTS_INT_H
#define TLSDIAG_SERVERS_CERTS_INT_H

#include "harness/servers/certs.h"

#include <stddef.h>

enum certs_key { KEY_RSA2048, KEY_RSA1024, KEY_RSA4096, KEY_P256, KEY_N };

enum certs_use {
	USE_CA, /* basicConstraints critical CA:TRUE, keyCertSign */
	USE_SERVER, /* CA:FALSE, serverAuth */
	USE_CLIENT, /* CA:FALSE, clientAuth */
	USE_SELFSIGNED, /* the tutorial's self-signed server cert: critical CA:TRUE, no KU/EKU */
};

enum certs_validity {
	VAL_CA, /* now - 1 day .. now + 10 years */
	VAL_LEAF, /* now - 1 hour .. now + 1 year */
	VAL_EXPIRED, /* now - 2 years .. now - 1 year */
	VAL_NOT_YET, /* now + 1 year .. now + 2 years */
	VAL_FIXED, /* not_before/not_after as ASN.1 strings (13 chars UTCTime, 15 GeneralizedTime) */
	VAL_UNTIL_2118, /* now - 1 hour .. 2118-05-18 10:30:37Z as GeneralizedTime */
};

struct certs_spec {
	struct certs_info info;
	enum certs_key key;
	const char *md; /* "SHA256", "SHA1" */
	enum certs_use use;
	const char *subject; /* "/K=V/K=V" */
	const char *san; /* NULL: no subjectAltName at all */
	enum certs_validity validity;
	const char *not_before, *not_after;
};

/* The ESP8266 report's certificate: notAfter 2118-05-18 10:30:37Z (certs_validity writes it as is). */
#define ESP_NOT_AFTER "21180518103037Z"

#define CERTS_N 19

extern const struct certs_spec certs_specs[CERTS_N];

/* The catalogue's index of the certificate named name[0..len), or -1. */
int certs_index(const char *name, size_t len);

#endif
