/*
 * explain_int.h - what the explain files share and nobody else sees: the
 * loaded tables, the cross-reference files (equivalents.ini,
 * diagnosis.ini) and the helpers of the loader.
 *
 * explain_ini.c      the prescan, the inih run, error messages and string helpers
 * explain_load.c     reads and checks the stack tables, loads and frees all
 * explain_refs.c     reads equivalents.ini and diagnosis.ini and resolves their references
 * explain_lookup.c   answers lookups: by code (and library version), by name, equivalents, diagnoses
 * explain_compose.c  decodes composed numbers (an offset plus an alert, high + low level, flag sums)
 */
#ifndef TLSDIAG_EXPLAIN_EXPLAIN_INT_H
#define TLSDIAG_EXPLAIN_EXPLAIN_INT_H

#include "harness/explain/explain.h"

#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define EX_TABLE_DIR "harness/explain/tables/"
#define EX_EQUIV_FILE EX_TABLE_DIR "equivalents.ini"
#define EX_DIAG_FILE EX_TABLE_DIR "diagnosis.ini"
/* Library versions a table may key its rows by ([table] versions = 2 3). */
#define EX_MAX_VERSIONS 8

struct table {
	struct explain_table_info info;
	char *file;
	long order;
	bool inherit; /* rows with an alert and no causes/confirm/fix take the alert's */
	struct explain_row *rows;
	int *lines; /* line of each row's section */
	unsigned *vmask; /* each row's versions: bit i = info.versions[i]; 0 = every version */
	size_t nrows, cap;
	char **vtags; /* EX_MAX_VERSIONS entries (info.versions points here: the table moves, they do not) */
	char **vnames; /* "3.x (3.6 LTS, ESP-IDF 5.x)" */
	size_t vdefault; /* the version a lookup without @VERSION answers for */
	long *alert_order; /* flag tables: the order the library tests flags in to pick its alert */
	size_t nalert_order;
	int alert_otherwise; /* the alert when none of alert_order is set */
};

struct equiv {
	struct explain_equiv pub;
	const struct explain_row **rows;
	size_t nrows, cap;
	char **ref_stack; /* unresolved references, in file order */
	long *ref_code;
	size_t nrefs, capref;
	int line;
};

/* A section of diagnosis.ini. */
struct diag_row {
	struct explain_diagnosis pub;
	char **equiv; /* "alert", "kind:..", "received:N", "sent:N"; none: empty */
	size_t nequiv;
	char **stands;
	size_t nstands;
	bool has_equiv;
	int line;
};

/* A composed row, built on lookup, kept until explain_free(). */
struct synth {
	struct explain_row *row;
	int version; /* the version index it was decoded for, -1 for a table without versions */
};

struct explain_state {
	bool loaded, failed;
	struct table *tables;
	size_t ntables;
	struct equiv *equivs;
	size_t nequivs;
	struct synth *synth;
	size_t nsynth, capsynth;
	const char **kinds;
	struct diag_row *diags; /* diagnosis.ini */
	size_t ndiags;
};
extern struct explain_state ex_g;

/* The prescan's record of a file: its sections in order, with their lines. */
struct prescan {
	char **sections;
	int *lines;
	size_t n;
};

/* explain_ini.c */
char *ex_xstrdup(const char *s);
void *ex_xrealloc(void *p, size_t n);
char *ex_xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ex_text_append(char **dst, const char *more);
void ex_row_init(struct explain_row *r, const char *stack, long code);
void ex_row_free_strings(struct explain_row *r);
void ex_table_error(char *err, size_t errlen, bool *failed, const char *name, int line, const char *section,
		    const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));
void ex_prescan_free(struct prescan *ps);
int ex_ini_run(const char *name, const char *text, struct prescan *ps, ini_handler handler, void *ctx,
	       const bool *failed, char *err, size_t errlen);

/* explain_load.c */
bool ex_ensure_loaded(void);

/* explain_lookup.c */
/*
 * The table of a stack spec, "mbedtls" or "mbedtls@3.6", and the version
 * index it asks for (*version: the table's default without '@', -1 for a
 * table without versions).  NULL for an unknown stack or a version older
 * than the table's first.
 */
struct table *ex_table_spec(const char *spec, int *version);
struct table *ex_table_of(const char *stack);
/* The row of code in version (an index, -1: any), or NULL. */
const struct explain_row *ex_table_row(const struct table *t, long code, int version);
/* Whether row i of t exists in version (-1: any). */
bool ex_row_in_version(const struct table *t, size_t i, int version);
const struct equiv *ex_equiv_by_key(const char *key);
bool ex_table_role_device(const char *stack);

/* explain_compose.c */
const struct explain_row *ex_alert_row(long a);
void ex_inherit(struct explain_row *r, const struct explain_row *from);
/* The composed row of code in t (version as for ex_table_row), built once; NULL when code is not composed. */
const struct explain_row *ex_compose(const struct table *t, long code, int version);
void ex_synth_free_all(void);

/* explain_refs.c */
int ex_equiv_load(char *err, size_t errlen);
void ex_equiv_free_all(void);
bool ex_equiv_key_ok(const char *key);
int ex_diag_load(char *err, size_t errlen);
void ex_diag_free_all(struct diag_row *rows, size_t n);
const struct diag_row *ex_diag_standing(const struct diag_row *rows, size_t n, const char *outcome);

#endif
