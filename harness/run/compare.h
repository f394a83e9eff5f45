/*
 * compare.h - two ClientHellos side by side: a device's that did not get a
 * session and another client's that did, against the same server (the
 * "the browser works" question of both founding reports).  The inputs are
 * decoded connections as tls_conn_to_json() writes them; the rows and the
 * rules that say which difference decided the outcome are tables in
 * compare.c.
 */
#ifndef TLSDIAG_RUN_COMPARE_H
#define TLSDIAG_RUN_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct jv;

#define COMPARE_ROWS 6

struct compare_row {
	const char *label; /* "versions", "cipher suites", "groups", "signature algs", "SNI" */
	char a[320]; /* the failing side, summarised */
	char b[320]; /* the connecting side */
	bool differs;
};

struct hello_compare {
	struct compare_row rows[COMPARE_ROWS];
	size_t n;
	const char *decided; /* the label of the row that decided the outcome, NULL: not known */
	char why[400]; /* one sentence on it */
};

/*
 * Compares the ClientHello of failed (a decoded connection that did not
 * complete) with that of ok (one that did).  diag_code is failed's
 * diagnosis code ("no_shared_cipher") or NULL; a_name and b_name name the
 * two sides in the sentence of why.  Returns 0, or -1 when
 * either connection has no ClientHello.
 */
int compare_hellos(const struct jv *failed, const struct jv *ok, const char *diag_code, const char *a_name,
		   const char *b_name, struct hello_compare *out);

/* The comparison as a table under "  compare    ", naming both sides. */
void compare_print(FILE *out, const struct hello_compare *c, const char *a_name, const char *b_name);
struct jv *compare_to_json(const struct hello_compare *c, const char *a_name, const char *b_name);

#endif
