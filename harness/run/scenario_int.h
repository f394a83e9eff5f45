/*
 * scenario_int.h - what the scenario files share and nobody else sees: the
 * raw sections read from a file, the parse state, a field's values and the
 * helpers each stage takes from another.
 *
 * scenario_read.c    stage 1: the file's bytes through a cursor into inih, raw sections
 * scenario_values.c  field names and the vocabularies every value is checked against
 * scenario_matrix.c  stage 2: a [case]'s keys checked, its matrix expanded, expectations picked
 * scenario.c         the set, the [scenario] section, the load entry points
 */
#ifndef TLSDIAG_RUN_SCENARIO_INT_H
#define TLSDIAG_RUN_SCENARIO_INT_H

#include "harness/core/cursor.h"
#include "harness/run/scenario.h"

#include <stdbool.h>
#include <stddef.h>

#define SCN_MAX_FILE (1024 * 1024)
#define SCN_MAX_NAME 64
#define SCN_MAX_VALUES 32
#define SCN_MAX_COMBOS 4096
#define SCN_MAX_CONDS 8
#define SCN_MAX_WORDS 64 /* in one expect[...] or note[...] condition */

/* ---- stage 1: raw sections ---- */

struct raw_entry {
	char *key;
	char *value;
	int line;
};

struct raw_section {
	char *name; /* "scenario" or the case's name */
	bool is_case;
	int line;
	struct raw_entry *e;
	size_t n;
};

struct parse {
	const char *file;
	struct cursor in; /* the whole file: every byte is read through it */
	int lineno;
	bool indented; /* the line just read starts with blanks */
	struct raw_section *secs;
	size_t nsecs;
	struct raw_section *cur;
	bool failed;
	char err[400];
};

/* Notes the first error only, as "FILE:LINE: what". */
void scn_perr(struct parse *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Runs inih over p->in into p->secs: 0, or -1 with the error noted. */
int scn_read(struct parse *p);
void scn_raw_free(struct parse *p);
/* A malloc'd copy of s[0..n) without leading and trailing blanks (aborts when out of memory). */
char *scn_trim_copy(const char *s, size_t n);

/* ---- values ---- */

/* A field's values: one or more, comma-separated in the file. */
struct values {
	char *v[SCN_MAX_VALUES];
	size_t n;
	int line; /* 0: not given */
};

/* The field whose key is key, or -1. */
int scn_field_find(const char *key);
/* Checks one value of field f; on error writes what is allowed. */
int scn_value_check(enum scn_field f, const char *v, char *why, size_t whylen);
bool scn_in_list(const char *v, const char *const *list);
int scn_values_split(struct parse *p, enum scn_field f, const struct raw_entry *e, struct values *out);
void scn_values_free(struct values *vs);

/* ---- stage 2 and the set ---- */

/* Expands one [case] into the set's cases (defaults: the [scenario]'s case fields). */
int scn_case_build(struct parse *p, struct scenario_set *set, struct scenario *sc, const struct raw_section *sec,
		   const struct values *defaults);
/* Strings owned by the set until scenario_set_free (s malloc'd; aborts when out of memory). */
char *scn_keep(struct scenario_set *set, char *s);
char *scn_strdup(struct scenario_set *set, const char *s);
void *scn_xrealloc(void *p, size_t n);

#endif
