/*
 * case_config.h - one expanded case's settings, parsed once when the
 * scenario file is loaded (scenario.c calls case_config_parse() for every
 * case it emits), so the worker that runs the case (case.c) takes typed
 * values and never re-reads the file's strings.  A has_* flag false means
 * "not said": the device profile's value, else the built-in default, applies.
 */
#ifndef TLSDIAG_RUN_CASE_CONFIG_H
#define TLSDIAG_RUN_CASE_CONFIG_H

#include "harness/client/client.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct device_profile;

enum case_ca {
	CASE_CA_ROOT = 0, /* the server run's CA (default) */
	CASE_CA_OTHER, /* a CA that signed nothing the server sends */
	CASE_CA_NONE,
};

enum case_check {
	CASE_CHECK_HOST = 0, /* the name the server's certificate is issued for (default) */
	CASE_CHECK_IP, /* the server's address */
	CASE_CHECK_NONE,
	CASE_CHECK_GIVEN, /* check_name as written */
};

struct case_config {
	const struct device_profile *device; /* NULL: none */
	enum client_engine engine; /* the scenario's, else the device's, else wolfSSL */
	bool has_method;
	enum client_method method, min_version, max_version;
	const char *ciphers, *groups; /* NULL: the device's (or the library's) */
	enum case_ca ca;
	bool has_ca_format;
	enum ca_format ca_format;
	bool has_verify, verify;
	bool has_sni;
	enum sni_mode sni;
	const char *sni_name; /* SNI_OTHER */
	enum case_check check;
	const char *check_name; /* CASE_CHECK_GIVEN */
	time_t clock; /* 0: now */
	int max_fragment; /* 0: none */
	bool client_cert;
	bool has_min_rsa_bits, has_min_dh_bits, has_reject_sha1, has_rx_record_limit;
	int min_rsa_bits, min_dh_bits, rx_record_limit;
	bool reject_sha1;
	const char *request; /* NULL: the default GET */
};

/*
 * Fills cfg from one case's values (scenario_case.value[]; NULL: not said).
 * The strings cfg points to are values' (they live as long as the set).
 * 0, or -1 with err naming the field (values were checked already, so this
 * is an internal error when it happens).
 */
int case_config_parse(const char *const value[], struct case_config *cfg, char *err, size_t errlen);

#endif
