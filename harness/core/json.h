/*
 * json.h - JSON values for reports, over jansson (the only file that
 * includes it is core/json.c).  A struct jv is opaque.  Setters take
 * ownership of child values; a NULL string is written as null.
 */
#ifndef TLSDIAG_CORE_JSON_H
#define TLSDIAG_CORE_JSON_H

#include <stdbool.h>
#include <stdio.h>

struct jv;

struct jv *jv_object(void);
struct jv *jv_array(void);
/* NULL when s is not valid UTF-8; jv_set/jv_push then write "<invalid UTF-8>". */
struct jv *jv_string(const char *s);
struct jv *jv_int(long long v);
struct jv *jv_bool(bool v);
struct jv *jv_null(void);
void jv_free(struct jv *v);
/*
 * Another reference to v, no copy: for a tree nobody changes any more (a
 * case's decoded connection, held by its result and by its report at
 * once).  Each reference is given back with jv_free.
 */
struct jv *jv_share(const struct jv *v);

/* Object members; each replaces an earlier member of the same key. */
void jv_set(struct jv *obj, const char *key, struct jv *child);
void jv_set_str(struct jv *obj, const char *key, const char *s);
void jv_set_int(struct jv *obj, const char *key, long long v);
void jv_set_bool(struct jv *obj, const char *key, bool v);
/* Array elements. */
void jv_push(struct jv *arr, struct jv *child);
void jv_push_str(struct jv *arr, const char *s);
void jv_push_int(struct jv *arr, long long v);

/* Writes v to out; pretty indents by 2.  Returns 0 or -1 on a write error. */
int jv_write(FILE *out, const struct jv *v, bool pretty);

/*
 * Writing without a tree.  A struct jw writes JSON straight to a FILE
 * (jw_open_file) or builds a struct jv (jw_open_tree), so one function can
 * describe a report for both: decode streams thousands of connections with
 * flat memory and no allocation per value, the runner keeps a tree.
 *
 * Every value call takes the member's key inside an object and NULL inside
 * an array or at the top; jw_object/jw_array open a container that jw_end
 * closes.  Strings are taken as jv_string() takes them: NULL is written as
 * null and text that is not UTF-8 as "<invalid UTF-8>".  A FILE writer
 * writes what jv_write(out, tree, false) writes for the tree the same calls
 * build (members in call order); a key given twice is written twice.
 * Misuse (a key missing in an object, jw_end with nothing open, nesting
 * past 32) is a bug and aborts.
 */
struct jw;

struct jw *jw_open_file(FILE *out);
/* Ends the top-level value with a newline, flushes; 0, or -1 if a write failed. */
int jw_close_file(struct jw *w);
/* What a FILE writer holds, written to its FILE and flushed (a streamed report read as it comes). */
void jw_flush_out(struct jw *w);
struct jw *jw_open_tree(void);
/* The value written (NULL when none), owned by the caller. */
struct jv *jw_close_tree(struct jw *w);

void jw_object(struct jw *w, const char *key);
void jw_array(struct jw *w, const char *key);
/* An array written one element a line ("[\n", ",\n" between, "\n]"): long streamed lists. */
void jw_array_lines(struct jw *w, const char *key);
void jw_end(struct jw *w);

void jw_str(struct jw *w, const char *key, const char *s);
void jw_int(struct jw *w, const char *key, long long v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
/* A value built as a tree, written as it is (a copy of it in a tree writer). */
void jw_value(struct jw *w, const char *key, const struct jv *v);
/* A value already written as JSON text by jv_write (ours, never input: a tree writer aborts on bad text). */
void jw_raw(struct jw *w, const char *key, const char *text, size_t len);

/* Reading (tests and tools): NULL when absent or of another type. */
struct jv *jv_parse_file(const char *path, char *err, size_t errlen);
struct jv *jv_parse_string(const char *text, char *err, size_t errlen);
const struct jv *jv_get(const struct jv *obj, const char *key);
const struct jv *jv_at(const struct jv *arr, size_t i);
size_t jv_len(const struct jv *arr);
const char *jv_str(const struct jv *v);
bool jv_is_null(const struct jv *v);
bool jv_is_int(const struct jv *v);
long long jv_intval(const struct jv *v);
bool jv_is_bool(const struct jv *v);
bool jv_boolval(const struct jv *v);

#endif
