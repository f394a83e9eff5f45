/*
 * explain.h - what an alert or an embedded stack's error code means, its
 * usual causes in a device-versus-server setting, how to confirm it and
 * how to fix it.  The rows live in data files (explain/tables/<stack>.ini),
 * compiled into the binary; every cause is written there once and the
 * decoder, the runner and 'tlsdiag explain' all read it from here.
 */
#ifndef TLSDIAG_EXPLAIN_EXPLAIN_H
#define TLSDIAG_EXPLAIN_EXPLAIN_H

#include <stddef.h>
#include <stdio.h>

struct explain_row {
	const char *stack; /* "tls-alert", "wolfssl", "cc3200", "axtls", "bearssl", "mbedtls", "openssl" */
	long code;
	const char *name; /* symbolic name */
	const char *meaning;
	const char *causes;
	const char *confirm;
	const char *fix;
	const char *source;
};

/* The row of stack for code, or NULL. */
const struct explain_row *explain_find(const char *stack, long code);
/* The row of stack named name (symbolic, case-insensitive), or NULL. */
const struct explain_row *explain_find_name(const char *stack, const char *name);
/* Shorthand for the TLS alert registry. */
const struct explain_row *explain_alert(int alert);

/*
 * How a failure shows up on each device stack.  For a TLS alert received
 * (received = 1) or sent (received = 0) by the device, fills rows (at most
 * max) with the equivalent code of each stack, most faithful first.
 */
size_t explain_equivalents(int alert, int received, const struct explain_row **rows, size_t max);

#endif
