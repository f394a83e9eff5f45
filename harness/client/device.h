/*
 * device.h - device profiles: documented approximations of real embedded TLS
 * stacks (their ClientHello settings and checks) for the wolfSSL client, and
 * the translation of a client_result into what that device would print.
 *
 * A profile is data (client/device_catalogue.c, each row's sources expanded in
 * docs/devices.md): a scenario names one, device_apply()
 * copies its settings (and its engine: esp32-mbedtls runs mbedTLS,
 * esp8266-bearssl BearSSL) into a client_case, and the scenario then
 * overrides any field.  device_terms() takes the real engine's result when
 * there is one, and otherwise maps the stand-in's with the stack's own numbers
 * (sources: docs/sources.md, keys SL1 MPC AX BR MB).
 */
#ifndef TLSDIAG_CLIENT_DEVICE_H
#define TLSDIAG_CLIENT_DEVICE_H

#include "harness/client/client.h"

#include <stdbool.h>
#include <stddef.h>

enum device_codes {
	CODES_NONE = 0, /* a browser: Chromium's net errors */
	CODES_SIMPLELINK, /* TI CC3100/CC3200 Gen1 host driver, as MicroPython raises them */
	CODES_AXTLS, /* axTLS in ESP8266 Arduino <= 2.4.x */
	CODES_BEARSSL, /* BearSSL in ESP8266 Arduino >= 2.5 (getLastSSLError) */
	CODES_MBEDTLS, /* mbedTLS 2.28 (ESP-IDF esp-tls) */
	CODES_STANDIN, /* a stack whose own numbers are not mapped: the stand-in's words, said as such */
};

struct device_profile {
	const char *name; /* "cc3200" */
	/* The engine that is the device's own stack (mbedTLS, BearSSL), else wolfSSL standing in
	 * (the CC3200's stack is CyaSSL-derived; axTLS is not packaged; a browser). */
	enum client_engine engine;
	const char *stack; /* what it approximates, one line */
	const char *sources; /* where the facts come from */
	enum client_method method, min_version, max_version;
	const char *ciphers; /* wolfSSL names of the suites the device offers (on the wolfSSL engine) */
	/* On its own engine (mbedTLS, BearSSL): the suites in that engine's names when the device's
	 * build offers fewer than the library's default list; NULL: the library's default is the device's. */
	const char *engine_ciphers;
	const char *groups; /* NULL: wolfSSL's default */
	enum ca_format ca_format; /* the loader the device uses for its CA file */
	enum sni_mode sni;
	bool verify; /* false: the handshake goes on and the certificate is judged later */
	int time_t_bits; /* 32: dates after 2038-01-19 wrap on the device (not emulated); 0: not known */
	int min_rsa_bits; /* the stack's default minimum server RSA key; 0: wolfSSL's (1024) */
	bool reject_sha1; /* the stack's default X.509 profile refuses SHA-1 signatures */
	/* Buffers (docs/devices.md says where each figure comes from; 0: not known, or the 16384 a TLS
	 * record may carry).  rx_buffer below 16384 becomes the case's rx_record_limit. */
	int rx_buffer; /* plaintext bytes one received record may carry (mbedTLS IN_CONTENT_LEN, BearSSL's input buffer) */
	int tx_buffer; /* the transmit buffer (mbedTLS OUT_CONTENT_LEN, BearSSL's output buffer: the case's tx_buffer) */
	int max_fragment; /* the max_fragment_length the device asks for (512-4096); 0: none */
	const char *limits; /* what the approximation does not reproduce */
	enum device_codes codes;
};

/* What the device reports for a result. */
struct device_verdict {
	bool ok; /* the device would report success */
	long code; /* the device's number (0 when ok); see has_code */
	bool has_code;
	char code_name[64]; /* "SL_ESECBADCAFILE" */
	unsigned long verify_flags; /* mbedTLS X509 verify flags, 0 if none */
	char text[200]; /* what it prints: "OSError: 456", "Error: SSL error 40" */
	char debug_text[96]; /* printed only with debugging on: axTLS "Alert: handshake failure" */
};

/* The profile named name, or NULL. */
const struct device_profile *device_find(const char *name);
/* All profiles, NULL-terminated by name. */
extern const struct device_profile device_profiles[];
/* The name of the engine the profile's handshakes run on ("mbedtls"). */
const char *device_engine_name(const struct device_profile *p);
/*
 * Copies the profile's settings into cc (engine, method, bounds, suites, groups, CA
 * loader, SNI, verify, min_rsa_bits, reject_sha1, buffers and max_fragment); host, port,
 * paths, names and the clock are the case's.
 * A case without a CA file keeps CA_NONE.
 */
void device_apply(const struct device_profile *p, struct client_case *cc);
/*
 * The same on a chosen engine: on the profile's own engine (mbedTLS, BearSSL)
 * the suites are engine_ciphers (NULL: the library's default list), groups and
 * strictness the library's, which are the device's; on wolfSSL standing in, the
 * profile's wolfSSL lists and stand-ins.
 */
void device_apply_engine(const struct device_profile *p, enum client_engine e, struct client_case *cc);
/*
 * Fills v with what the device would report for r: from the engine's real
 * result when r ran on the profile's own engine, else by the mapping rules
 * from wolfSSL's result; a skipped r gives ok=false, text "skipped".
 */
void device_terms(const struct device_profile *p, const struct client_result *r, struct device_verdict *v);

#endif
