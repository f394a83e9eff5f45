/*
 * client.h - one embedded-client TLS case over a real socket.  The case picks
 * its engine, a real TLS library each behind one file as curl's lib/vtls/
 * does: wolfSSL (client_wolfssl.c), mbedTLS 2.28 (client_mbedtls.c), BearSSL
 * 0.6 (client_bearssl.c); this header speaks only the project's own types.
 *
 * A case says what the device does (method, suites, CA and how it is loaded,
 * SNI, the name it checks, its clock...); client_run() performs the handshake
 * against host:port and fills a client_result with what happened, in the
 * engine's own terms.  device.h turns that into what a given device would
 * print.
 *
 * client_run() is not reentrant: wolfSSL's device clock is wolfCrypt's
 * process-wide time callback (wc_SetTimeCb), set for the duration of one case.
 */
#ifndef TLSDIAG_CLIENT_CLIENT_H
#define TLSDIAG_CLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "harness/core/tok.h"

struct jv;

enum client_engine {
	ENGINE_WOLFSSL = 0,
	ENGINE_MBEDTLS,
	ENGINE_BEARSSL,
	ENGINE_COUNT,
};

enum client_method {
	METHOD_ANY = 0, /* highest both support, between min_version and max_version */
	METHOD_SSLV3,
	METHOD_TLS10,
	METHOD_TLS11,
	METHOD_TLS12,
	METHOD_TLS13,
	METHOD_SSLV3_TLS12, /* the CC3200 default: SSLv3 up to TLS 1.2 (SL_SO_SEC_METHOD_SSLv3_TLSV1_2) */
};

enum ca_format {
	CA_NONE = 0,
	CA_PEM, /* loaded as PEM */
	CA_DER, /* loaded as DER */
	CA_PEM_AS_DER, /* a PEM file handed to a DER loader (the CC3200's 456) */
	CA_DER_AS_PEM,
	CA_AUTO, /* PEM or DER by content, as mbedTLS's x509_crt_parse and BearSSL's X509List do */
};

enum sni_mode {
	SNI_HOST = 0, /* send check_name when it is a DNS name (never an IP literal, RFC 6066 section 3) */
	SNI_OFF,
	SNI_OTHER, /* send sni_name, whatever it is (axTLS sends an IP literal as given) */
};

struct client_case {
	enum client_engine engine;
	const char *host; /* where to connect: a numeric address, e.g. "127.0.0.1" */
	uint16_t port;
	uint16_t bind_port; /* local port to bind (so a capture can filter on it); 0: any */
	/*
	 * >= 0: a TCP socket already bound to 127.0.0.1:bind_port, not yet
	 * connected; the engine connects it and owns it (closes it).  It closes
	 * the gap in which another process could take a port found free.
	 * -1 (client_case_init): the engine makes its own socket.
	 */
	int sock_fd;
	/* After the handshake: NULL a minimal "GET / HTTP/1.1\r\nHost: <sni>\r\n\r\n"; "none";
	 * "wait:MS" (send nothing, wait MS for the server); anything else is sent as is
	 * (\r, \n, \\ and \xHH decoded). */
	const char *request;
	enum client_method method;
	enum client_method min_version; /* with METHOD_ANY; METHOD_ANY: the library's lowest */
	enum client_method max_version; /* with METHOD_ANY; METHOD_ANY: the library's highest */
	const char *ciphers; /* wolfSSL/OpenSSL-style list; NULL: library default */
	const char *groups; /* e.g. "P-256:X25519"; NULL: default */
	const char *ca_path;
	enum ca_format ca_format;
	bool verify; /* false: the handshake goes on whatever the certificate (verify_error tells) */
	enum sni_mode sni;
	const char *sni_name;
	const char *check_name; /* name or IP checked against the certificate; NULL: none */
	time_t clock; /* the device's clock for certificate dates; 0: now */
	int max_fragment; /* 512, 1024, 2048, 4096; 0: not requested */
	const char *cert_path, *key_path; /* client certificate; NULL: none */
	const char *keylog_path; /* NSS key log, appended to (0600); NULL: none */
	int timeout_ms; /* per stage (connect, each wait for the peer); 0: 5000 */
	/* What the device refuses that wolfSSL's defaults accept (docs/client.md "Strictness"): */
	int min_rsa_bits; /* server RSA keys below this fail (wolfSSL_CTX_SetMinRsaKey_Sz, RSA_KEY_SIZE_E); 0: wolfSSL's 1024 */
	int min_dh_bits; /* DHE groups below this fail (wolfSSL_CTX_SetMinDhKey_Sz, DH_KEY_SIZE_E); 0: wolfSSL's 1024 */
	bool reject_sha1; /* a certificate signed with SHA-1 fails verification (not a self-signed anchor's own signature) */
	int rx_record_limit; /* emulated receive buffer: a server record longer than this fails the case; 0: none */
	int tx_buffer; /* BearSSL: output buffer payload bytes (ESP8266 default 512); 0: the engine's default */
};

/* The engine's own error, as the device's code would see it. */
struct client_engine_error {
	long code; /* wolfSSL -313, mbedTLS -0x2700, BearSSL 326; 0: none */
	char name[64]; /* "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED" */
	int alert; /* the alert that code carries (BearSSL 256+N / 512+N, mbedTLS's received alert); -1: none */
	unsigned long verify_flags; /* mbedTLS X.509 verify flags; 0: none */
};

struct client_result {
	enum client_engine engine;
	bool connected;
	char version[16]; /* "TLSv1.2" */
	char suite[64]; /* IANA name */
	uint16_t suite_id; /* IANA number, 0 when not connected */
	int chain_len; /* certificates the server sent (as far as verification saw them) */
	int error; /* the engine's error number (wolfSSL -313, mbedTLS -0x7780, BearSSL 296), 0 when connected */
	char error_name[64]; /* "MATCH_SUITE_ERROR", "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE", "BR_ERR_X509_NOT_TRUSTED" */
	struct client_engine_error engine_err;
	int alert_received; /* -1: none */
	int alert_sent; /* -1: none */
	char stage[32]; /* how far it got: "setup", "load_ca", "connect", "client_hello", "server_hello", "certificate", ..., "finished", "done", "after_handshake" */
	char detail[256]; /* one line for people */
	bool timed_out; /* a stage got no answer within timeout_ms */
	bool peer_closed; /* the server closed or reset TCP during the handshake */
	int verify_error; /* certificate error wolfSSL found (also when verify is off); 0: none */
	char verify_error_name[64];
	char trace[256]; /* handshake messages seen: "> client_hello < server_hello certificate ..." */
	int keylog_lines; /* lines written to keylog_path */
	bool keylog_failed; /* keylog_path could not be written whole (disk full): not to be kept */
	char note[160]; /* a limit of the engine (or its build) that did not stop the case */
	int oversized_record; /* rx_record_limit: length of the record that did not fit; 0: none */
	bool skipped; /* the engine (or this build of it) lacks a feature the case needs */
	char skip_reason[256];
	/* After the handshake (client_case.request): */
	bool request_sent;
	long response_bytes; /* application data read back */
	char response_line[96]; /* its first line: "HTTP/1.0 200 ok" */
	int post_alert; /* a fatal alert received after the handshake (stage then "after_handshake"); -1: none */
	char post_detail[160]; /* what happened after the handshake, one line */
};

/* What an engine can do (tlsdiag client-caps). */
struct client_caps {
	enum client_engine engine;
	bool available; /* built in (mbedTLS and BearSSL are optional at build time) */
	char why_not[128]; /* when not available */
	char version[32]; /* "5.5.4" */
	bool full_build; /* built by 'make wolfssl-full' (SSLv3, TLS 1.0, static RSA, key log) */
	bool sslv3, tls10, tls11, tls12, tls13;
	bool static_rsa; /* RSA key-exchange suites (AES128-SHA...) */
	bool max_fragment, sni, keylog_tls12, keylog_tls13, time_override;
	char ciphers[8192]; /* the engine's own suite names, ':'-separated */
};

/* Defaults: wolfSSL, verify on, SNI_HOST, METHOD_ANY, no CA, sock_fd -1; host/port must be set. */
void client_case_init(struct client_case *cc);
/* Runs the case on its engine; returns 0 when it ran (connected, failed or skipped), -1 when it
 * could not run (err set).  cc->sock_fd, when given, is closed in every case. */
int client_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen);
/* Fills caps for the linked wolfSSL. */
void client_caps_get(struct client_caps *caps);
/* Fills caps for an engine (available false when this build lacks it). */
void client_engine_caps(enum client_engine e, struct client_caps *caps);
/* Prints what every engine can do (tlsdiag client-caps). */
void client_print_caps(FILE *out);
/* Every engine as one JSON array (tlsdiag client-caps --json). */
struct jv *client_caps_json(void);
/* The linked library's own name of suite id ("ECDHE-RSA-AES128-GCM-SHA256"), for client_case.ciphers; 0 or -1. */
int client_suite_library_name(uint16_t id, char *buf, size_t len);
/* The result as a JSON object (for reports). */
struct jv *client_result_json(const struct client_result *r);

/* Names used in scenario files and reports ("tls1.2", "pem-as-der", "other"). */
extern const struct tok client_method_names[];
extern const struct tok client_ca_format_names[];
extern const struct tok client_sni_names[];
extern const struct tok client_engine_names[]; /* "wolfssl", "mbedtls", "bearssl" */

/* The engines, each in its own file (each returns as client_run does). */
int client_wolfssl_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen);
int client_mbedtls_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen);
int client_bearssl_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen);
void client_mbedtls_caps(struct client_caps *caps);
void client_bearssl_caps(struct client_caps *caps);
/* The engine's name for one of its error codes ("MBEDTLS_ERR_SSL_TIMEOUT"), NULL when unknown. */
const char *client_engine_error_name(enum client_engine e, long code);

#endif
