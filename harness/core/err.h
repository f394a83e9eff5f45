/*
 * err.h - error categories and exit codes (STYLE.md section 4).
 *
 * A report must tell "the server sent alert 40" (a finding) apart from
 * "the harness failed to start Apache" (an environment error).  Exit codes
 * follow from the category: 0 ok, 1 expectation missed, 2 bad input or
 * environment.
 */
#ifndef TLSDIAG_CORE_ERR_H
#define TLSDIAG_CORE_ERR_H

#include <stddef.h>
#include <stdio.h>

enum exit_code {
	EXIT_OK = 0,
	EXIT_MISSED = 1, /* ran fine, but an expectation was not met */
	EXIT_UNUSABLE = 2, /* bad input, bad usage or a broken environment */
};

/* The outcome of decoding a piece of wire data (STYLE.md section 3). */
enum decode_status {
	DECODE_OK = 0,
	DECODE_TRUNCATED, /* the capture ended or has a gap: not the peer's fault */
	DECODE_MALFORMED, /* the bytes are there and they are wrong */
};

/*
 * In a decoder with `char *why, size_t whylen` parameters: unless cond
 * holds, says why (printf-style) and returns DECODE_MALFORMED.
 */
#define DECODE_ENSURE(cond, ...)                            \
	do {                                                \
		if (!(cond)) {                              \
			snprintf(why, whylen, __VA_ARGS__); \
			return DECODE_MALFORMED;            \
		}                                           \
	} while (0)

enum err_category {
	ERR_NONE = 0,
	ERR_USAGE, /* the command line or a scenario file is wrong */
	ERR_INPUT, /* an input file is missing, unreadable or not what it claims */
	ERR_ENV, /* a program, library or permission the tool needs is missing */
	ERR_IO, /* a socket or file operation failed */
	ERR_INTERNAL, /* a bug in tlsdiag */
};

const char *decode_status_name(enum decode_status s);
const char *err_category_name(enum err_category c);
int err_exit_code(enum err_category c);

/* Writes n bytes of s to out with control bytes (but newline and tab) and DEL as \xNN. */
void err_write_safe(FILE *out, const char *s, size_t n);
/*
 * Prints "tlsdiag: <category>: <message>" on stderr, one line, as every
 * fatal error of the tool is printed (control bytes escaped: err_write_safe),
 * and returns the category's exit code.
 */
int err_report(enum err_category c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
