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
 * Streaming a report whose one array may be long, with flat memory:
 * jv_stream_begin writes '{', head's members and '"key":[';
 * jv_stream_item writes one element (compact, one per line);
 * jv_stream_end writes ']', tail's members (tail may be NULL) and '}',
 * and frees the stream.  The result is one JSON object.  Write errors
 * make jv_stream_end return -1.
 */
struct jv_stream;
struct jv_stream *jv_stream_begin(FILE *out, const struct jv *head, const char *key);
void jv_stream_item(struct jv_stream *s, const struct jv *item);
int jv_stream_end(struct jv_stream *s, const struct jv *tail);

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
