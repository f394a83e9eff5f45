/*
 * client.h - one embedded-client TLS case over a real socket.  The client is
 * wolfSSL (client/client_wolfssl.c is the only file that includes it for the
 * client side); this header speaks only the project's own types.
 */
#ifndef TLSDIAG_CLIENT_CLIENT_H
#define TLSDIAG_CLIENT_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum client_method {
	METHOD_ANY = 0, /* highest both support, at least min_version */
	METHOD_SSLV3,
	METHOD_TLS10,
	METHOD_TLS11,
	METHOD_TLS12,
	METHOD_TLS13,
	METHOD_SSLV3_TLS12, /* the CC3200 default: SSLv3 up to TLS 1.2 */
};

enum ca_format {
	CA_NONE = 0,
	CA_PEM, /* loaded as PEM */
	CA_DER, /* loaded as DER */
	CA_PEM_AS_DER, /* a PEM file handed to a DER loader (the CC3200's 456) */
	CA_DER_AS_PEM,
};

enum sni_mode {
	SNI_HOST = 0, /* send the name that is verified (default) */
	SNI_OFF,
	SNI_OTHER, /* send sni_name */
};

struct client_case {
	const char *host; /* where to connect: a loopback address */
	uint16_t port;
	uint16_t bind_port; /* local port to bind (so a capture can filter on it); 0: any */
	enum client_method method;
	enum client_method min_version; /* with METHOD_ANY */
	const char *ciphers; /* wolfSSL/OpenSSL-style list; NULL: library default */
	const char *groups; /* e.g. "P-256:X25519"; NULL: default */
	const char *ca_path;
	enum ca_format ca_format;
	bool verify;
	enum sni_mode sni;
	const char *sni_name;
	const char *check_name; /* name or IP checked against the certificate; NULL: none */
	time_t clock; /* the device's clock for certificate dates; 0: now */
	int max_fragment; /* 512, 1024, 2048, 4096; 0: not requested */
	const char *cert_path, *key_path; /* client certificate; NULL: none */
	const char *keylog_path; /* NSS key log; NULL: none */
	int timeout_ms; /* per stage; 0: 5000 */
};

struct client_result {
	bool connected;
	char version[16]; /* "TLSv1.2" */
	char suite[64]; /* IANA name */
	int chain_len;
	int error; /* wolfSSL error number, 0 when connected */
	char error_name[64]; /* "MATCH_SUITE_ERROR" */
	int alert_received; /* -1: none */
	int alert_sent; /* -1: none */
	char stage[32]; /* how far it got: "connect", "client_hello", "server_hello", "certificate", "finished", "done" */
	char detail[256]; /* one line for people */
	bool skipped; /* the linked wolfSSL lacks a feature the case needs */
	char skip_reason[160];
};

/* Runs the case; returns 0 when it ran (connected or not), -1 when it could not run (err set). */
int client_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen);
/* Prints what the linked wolfSSL can do (tlsdiag client-caps). */
void client_print_caps(FILE *out);

#endif
