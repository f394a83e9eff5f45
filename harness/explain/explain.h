/*
 * explain.h - what an alert or an embedded stack's error code means, its
 * usual causes in a device-versus-server setting, how to confirm it and
 * how to fix it.  The rows live in data files (explain/tables/<stack>.ini),
 * compiled into the binary; every cause is written there once and the
 * decoder, the runner and 'tlsdiag explain' all read it from here.
 *
 * Tables are loaded on first use and stay until explain_free().  Every
 * pointer handed out stays valid until then.
 *
 * Stacks: "tls-alert" (the IANA registry), "cc3200", "axtls", "bearssl",
 * "mbedtls", "mbedtls-verify" (the X.509 verify flags), "wolfssl",
 * "openssl" (reasons a server logs) and "openssl-get-error" (SSL_get_error()).  Device stacks are cc3200, axtls,
 * bearssl, mbedtls and wolfssl.
 */
#ifndef TLSDIAG_EXPLAIN_EXPLAIN_H
#define TLSDIAG_EXPLAIN_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct jv;
struct jw;

struct explain_row {
	const char *stack; /* "tls-alert", "wolfssl", "cc3200", "axtls", "bearssl", "mbedtls", "openssl", ... */
	long code;
	const char *name; /* symbolic name */
	const char *meaning;
	const char *causes; /* "" when the table leaves it to the alert's row */
	const char *confirm;
	const char *fix;
	const char *source; /* source keys of docs/sources.md, e.g. "WS: wolfssl/error-ssl.h" */
	const char *shows; /* how a device or server prints it, "" when not known */
	int alert; /* the TLS alert that goes with this code, -1 for none */
	bool alert_sent; /* the stack reporting the code sent the alert (else it received it) */
	bool composed; /* decoded from a composed number (axTLS -N, BearSSL 256+a, ...), not a table row */
	const char *version; /* "" in every version of the library, else which: "mbedTLS 3.x" */
	bool other_version; /* not a row of the table's default version (lines of equivalents name its version) */
};

/*
 * A stack may be named with a library version, "mbedtls@3" or
 * "mbedtls@2.28.3": the rows of the newest of the table's versions that is
 * not newer (see [table] versions).  Without one, a lookup answers for the
 * table's default version; explain_query() lists every version's row.
 *
 * The row of stack for code, or NULL.  Composed numbers are decoded too:
 * axTLS -1..-255 (a received alert), BearSSL 256+a / 512+a, mbedTLS
 * high-level + low-level codes, SimpleLink -(300+a), OpenSSL reason
 * 1000+a and sums of mbedTLS verify flags.
 */
const struct explain_row *explain_find(const char *stack, long code);
/* The row of stack named name (symbolic, case-insensitive), or NULL.  stack NULL: any stack. */
const struct explain_row *explain_find_name(const char *stack, const char *name);
/* Shorthand for the TLS alert registry. */
const struct explain_row *explain_alert(int alert);

/*
 * How a failure shows up on each device stack.  For a TLS alert received
 * (received = 1) or sent (received = 0) by the device, fills rows (at most
 * max) with the equivalent code of each stack, most faithful first, and
 * returns how many it wrote.  The mapping is explain/tables/equivalents.ini.
 */
size_t explain_equivalents(int alert, int received, const struct explain_row **rows, size_t max);
/*
 * The same for a kind of failure: "unknown_ca", "expired", "not_yet_valid",
 * "hostname_mismatch", "bad_ca_file", "connection_dropped",
 * "no_shared_cipher", "protocol_version" (explain_kinds() lists them all).
 */
size_t explain_equivalents_kind(const char *kind, const struct explain_row **rows, size_t max);
/* The kind names, NULL-terminated; valid until explain_free(). */
const char *const *explain_kinds(void);

/* One section of equivalents.ini: a key such as "received:40" or "kind:unknown_ca". */
struct explain_equiv {
	const char *key;
	const char *title; /* "the server sent fatal alert 40 handshake_failure" */
	const char *note; /* "" or a remark on the mapping (inferences marked) */
	const struct explain_row *const *rows; /* the codes, most faithful first */
	size_t nrows;
};
/*
 * The sections that concern row: those listing it, and the one for its
 * alert (as seen from the device).  Fills out (at most max), returns the count.
 */
size_t explain_equiv_for_row(const struct explain_row *row, const struct explain_equiv **out, size_t max);
/* The section with this key, or NULL. */
const struct explain_equiv *explain_equiv_find(const char *key);

/*
 * The words of a diagnosis: one section of explain/tables/diagnosis.ini.
 * The decoder's rules (decode/diagnose.c) and the runner's outcomes
 * (diagnose_outcome()) take their summary and fix from here only.
 */
struct explain_diagnosis {
	const char *key; /* the section: "no_shared_cipher" or a variant "no_shared_cipher/static_rsa" */
	const char *code; /* the stable code: key up to '/' */
	const char *summary;
	const char *fix;
};
/* The row with this key ("unknown_ca", "certificate_expired/not_yet_valid"), or NULL. */
const struct explain_diagnosis *explain_diagnosis_find(const char *key);
/* The same, or NULL with "…diagnosis.ini: no section [KEY] …" (or the load error) in err. */
const struct explain_diagnosis *explain_diagnosis_require(const char *key, char *err, size_t errlen);
/* Row i in file order, NULL past the end. */
const struct explain_diagnosis *explain_diagnosis_at(size_t i);
/* The row that stands for an outcome "received:N", "sent:N" or "kind:NAME" (seen from the device), or NULL. */
const struct explain_diagnosis *explain_diagnosis_for(const char *outcome);
/*
 * The equivalents section that shows d on every stack: the first of its
 * 'equivalents' list that exists.  alert is the alert seen in the run
 * (-1: none), received whether the device received it (else sent it).
 * NULL when none applies.
 */
const struct explain_equiv *explain_diagnosis_equiv(const struct explain_diagnosis *d, int alert, int received);
/* Parses a diagnosis.ini text against the loaded tables (tests): 0, or -1 with "file:line: [section]: message". */
int explain_check_diagnosis_text(const char *text, char *err, size_t errlen);
/* Whether stack is a device's (cc3200, axtls, bearssl, mbedtls, mbedtls-verify, wolfssl), not the wire's or a server's. */
bool explain_stack_is_device(const char *stack);

/* A loaded table: one file explain/tables/<stack>.ini. */
struct explain_table_info {
	const char *stack;
	const char *title; /* "TI CC3200/CC3100 SimpleLink" */
	const char *label; /* short, for "on CC3200: ..." */
	const char *about; /* a paragraph on how the stack reports errors */
	long range_min, range_max; /* the stack's own codes */
	bool hex; /* codes are written in hex (mbedTLS) */
	bool implicit; /* searched when no --stack is given */
	size_t nrows;
	const char *const *versions; /* the library versions rows are keyed by ("2", "3"), oldest first */
	size_t nversions; /* 0: the table has no versions */
	size_t version_default; /* index of the version a lookup without "@VERSION" answers for */
	const char *version_label; /* whose version it is: "mbedTLS", "MicroPython" */
};
/* The tables in display order, and their count; NULL past the end. */
const struct explain_table_info *explain_table(size_t i);
/* The table of stack (a version suffix is allowed: "mbedtls@3"), or NULL. */
const struct explain_table_info *explain_table_find(const char *stack);
/* Row i of stack's table (in file order; with "@VERSION" that version's rows only), or NULL past the end. */
const struct explain_row *explain_row_at(const char *stack, size_t i);

/* Parses "-313", "40", "-0x7780", "0x2700": 0 and *v, or -1 (no octal, no trailing text). */
int explain_parse_number(const char *s, long *v);
/* Writes code as its stack writes it ("-0x7780", "-313") into buf. */
const char *explain_code_str(const struct explain_row *row, char *buf, size_t len);

/*
 * Loads the tables now.  Returns 0, or -1 with a message naming the file,
 * line and section in err.  Every other function loads on first use and
 * prints that message once on stderr when loading fails.
 */
int explain_load(char *err, size_t errlen);
/* Frees everything; the next call loads again. */
void explain_free(void);
/*
 * Parses one table's text alone, as the loader does (tests; checking a new
 * table).  Returns 0, or -1 with "name:line: message" in err.
 */
int explain_check_text(const char *name, const char *text, char *err, size_t errlen);

/* Reading what a user typed (explain_query.c). */
struct explain_hit {
	const struct explain_row *row;
	int rank; /* 0 an exact name or a stack-specific form, 1 native range, 2 sign flipped, 3 other */
	const char *why; /* how the input was read */
	/*
	 * "" or who reported the code and which way its alert went, when the
	 * input tells more than the row: a Python ssl line comes from an
	 * OpenSSL client, while the openssl table reads a server's log.
	 */
	char side[320];
	char equiv[24]; /* "" or the equivalents section of that reading ("received:48"); see explain_hit_equivs() */
};
/*
 * Reads a code, a name or a printed message: "40", "alert:40",
 * "handshake_failure", "-0x7780", "SSL error 40", "OSError 208",
 * "ssl_handshake_status: -40", "BR_ERR_X509_NOT_TRUSTED", "0A000418",
 * "tlsv1 alert unknown ca", "no shared cipher", "flags 0x0C".  stack (or
 * NULL) limits the search to one table.  Fills hits, best first; returns
 * the count (0: nothing matches).
 */
size_t explain_query(const char *text, const char *stack, struct explain_hit *hits, size_t max);

/*
 * The equivalents sections of a hit: the one of its reading (hit->equiv),
 * none for a client-side reading without one (the row's sections are the
 * server's view), else explain_equiv_for_row().
 */
size_t explain_hit_equivs(const struct explain_hit *hit, const struct explain_equiv **out, size_t max);

/* Whether row belongs to stack spec ("mbedtls", "mbedtls@3": that version's row). */
bool explain_row_in_stack(const struct explain_row *row, const char *spec);

/* Output (explain_print.c). */
void explain_print_row(FILE *out, const struct explain_row *row);
/* The same with the hit's reading (its "side" line) when it has one. */
void explain_print_hit(FILE *out, const struct explain_hit *hit);
/* One section, one line per stack: "on CC3200 (SimpleLink): -213 SL_ESEC_FATAL_ERROR". */
void explain_print_equiv(FILE *out, const struct explain_equiv *eq, const char *indent);
/*
 * The same on one line for a report: "on CC3200: -213 SL_ESEC_FATAL_ERROR;
 * on axTLS: -40 (Error: SSL error 40); ...".  Returns buf (truncated to len).
 */
const char *explain_equiv_line(const struct explain_equiv *eq, char *buf, size_t len);
/*
 * The same for a diagnosis: device stacks only, each code with its first
 * print form: "on CC3200: -340 SL_ESEC_HANDSHAKE_FAILURE [OSError: 340],
 * -213 ...; on axTLS: -40 received alert 40 (handshake_failure) [Error: SSL error 40]; ...".
 */
const char *explain_equiv_line_devices(const struct explain_equiv *eq, char *buf, size_t len);
/* The device stacks' codes as a JSON array of {stack, code ("-0x7780"), name, shows}. */
struct jv *explain_equiv_devices_json(const struct explain_equiv *eq);
/* The same array through a writer, as the member `key` (NULL in an array). */
void explain_equiv_devices_write(struct jw *w, const char *key, const struct explain_equiv *eq);
struct jv *explain_row_json(const struct explain_row *row);
struct jv *explain_equiv_json(const struct explain_equiv *eq);

#endif
