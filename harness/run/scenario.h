/*
 * scenario.h - scenario files: INI files (read with inih) that name the
 * servers of a bug report and list its cases, each case a set of client
 * settings and the outcome expected.  A field that lists several values
 * expands the case into a matrix, one case per combination; expectations
 * may differ per combination (docs/runner.md has the format).
 *
 * Everything in a scenario file is data: values are checked against fixed
 * vocabularies here and are never executed, passed to a shell or used as a
 * path (case names are sanitised by run/outdir.c before they name a file).
 */
#ifndef TLSDIAG_RUN_SCENARIO_H
#define TLSDIAG_RUN_SCENARIO_H

#include "harness/client/client.h"
#include "harness/run/case_config.h"
#include "harness/run/expect.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The case fields that take values (and may expand a matrix), in file order. */
enum scn_field {
	SCN_SERVER = 0,
	SCN_DEVICE,
	SCN_METHOD,
	SCN_CIPHERS,
	SCN_GROUPS,
	SCN_CA,
	SCN_CA_FORMAT,
	SCN_VERIFY,
	SCN_SNI,
	SCN_CHECK_NAME,
	SCN_CLOCK,
	SCN_MAX_FRAGMENT,
	SCN_CLIENT_CERT,
	SCN_MIN_RSA_BITS,
	SCN_MIN_DH_BITS,
	SCN_REJECT_SHA1,
	SCN_RX_RECORD_LIMIT,
	SCN_ENGINE, /* wolfssl, mbedtls, bearssl: the client library; default the device profile's */
	SCN_REQUEST, /* after the handshake: none, wait:MS, or the bytes to send; default a GET */
	SCN_NFIELDS,
};

/* The field's key in a file ("check_name"). */
const char *scenario_field_name(enum scn_field f);

struct scenario {
	char *name;
	char *description; /* NULL when absent */
	char *reproduces; /* NULL when absent */
	char *file; /* as given to scenario_load_file() */
	int line; /* of [scenario] */
	char **servers; /* server profiles, NULL-terminated */
	size_t first_case, ncases; /* its cases in the set's flat list */
};

/* One case after matrix expansion: every value is a single value. */
struct scenario_case {
	const struct scenario *scenario;
	char *name; /* "methods" or "methods[method=tls1.0,ca=other]" */
	char *base; /* the [case NAME] it came from */
	char *combo; /* "method=tls1.0,ca=other"; "" when not a matrix */
	int line; /* of [case NAME] */
	const char *value[SCN_NFIELDS]; /* NULL: the default (device profile, then built-in) */
	struct case_config cfg; /* the same, parsed once at load (what the worker runs) */
	struct expectation expect;
	int expect_line; /* where the expectation that applies was written */
	const char *note; /* NULL when absent */
	/* The case of the same scenario whose ClientHello the report sets beside this one's (NULL: none). */
	const char *compare;
	/* What the device of the bug report saw, as a failure kind of the explain tables
	 * ("connection_dropped"), when the local reproduction cannot show it (NULL: none). */
	const char *reported;
	/* Network faults between the client and the server (capture/fault.h), as written; NULL: none. */
	const char *network;
};

struct scenario_set {
	struct scenario **scenarios;
	size_t nscenarios;
	struct scenario_case *cases;
	size_t ncases;
	/* private: strings owned by the set */
	char **strings;
	size_t nstrings, capstrings;
	size_t capscenarios, capcases;
};

void scenario_set_init(struct scenario_set *set);
void scenario_set_free(struct scenario_set *set);

/*
 * Parses one scenario file into set.  0 on success; -1 with err set to
 * "FILE:LINE: what is wrong" (the set keeps only earlier files' scenarios).
 */
int scenario_load_file(struct scenario_set *set, const char *path, char *err, size_t errlen);
/* The same from len bytes in memory (any bytes: a NUL is an error); name stands for the file in messages. */
int scenario_load_buffer(struct scenario_set *set, const char *name, const void *data, size_t len, char *err,
			 size_t errlen);
/* The same from a NUL-terminated text. */
int scenario_load_string(struct scenario_set *set, const char *name, const char *text, char *err,
			 size_t errlen);

/* Value conversions for the runner (the vocabularies scenario files are checked against). */
int scenario_method(const char *v, enum client_method *method, enum client_method *min_version,
		    enum client_method *max_version);
int scenario_ca_format(const char *v, enum ca_format *f);
/* "2000-01-01", "2000-01-01T12:00:00Z" or "now" (0). */
int scenario_clock(const char *v, time_t *t);
int scenario_bool(const char *v, bool *b);
int scenario_max_fragment(const char *v, int *len);
/* min_rsa_bits, min_dh_bits: "none" (0) or 256..16000 bits, a multiple of 8 (what wolfSSL takes). */
int scenario_key_bits(const char *v, int *bits);
/* engine: "wolfssl", "mbedtls", "bearssl". */
int scenario_engine(const char *v, enum client_engine *e);
/* request: "none", "wait:MS" (0..600000) or printable text (escapes \r \n \t \\ \xHH). */
int scenario_request(const char *v);
/* rx_record_limit: "none" (0) or 64..18432 bytes (2^14 + 2048, RFC 5246 section 6.2.3's largest record). */
int scenario_record_limit(const char *v, int *len);

#endif
