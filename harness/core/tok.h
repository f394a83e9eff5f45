/*
 * tok.h - value-to-name tables, as tcpdump's struct tok and tok2str().
 * Unknown values print as "unknown(0x..)", never as a guess.
 */
#ifndef TLSDIAG_CORE_TOK_H
#define TLSDIAG_CORE_TOK_H

#include <stddef.h>

struct tok {
	unsigned int v;
	const char *s; /* NULL ends a table */
};

/* The name of v, or NULL when the table does not have it. */
const char *tok_name(const struct tok *table, unsigned int v);
/* The name of v, or "unknown(0x..)" written into buf. */
const char *tok2str(const struct tok *table, unsigned int v, char *buf, size_t buflen);
/* The value named s (exact match); returns 0 and sets *v on success, -1 otherwise. */
int tok_value(const struct tok *table, const char *s, unsigned int *v);

#endif
