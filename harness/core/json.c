/* json.c - the one file that owns jansson (see json.h). */
#include "harness/core/json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#define J(v) ((json_t *)(v))
#define CJ(v) ((const json_t *)(v))
#define V(j) ((struct jv *)(j))

/* jansson returns NULL only when out of memory; a report cannot go on then. */
static json_t *must(json_t *j)
{
	if (!j) {
		fputs("tlsdiag: internal error: out of memory building JSON\n", stderr);
		abort();
	}
	return j;
}

struct jv *jv_object(void) { return V(must(json_object())); }
struct jv *jv_array(void) { return V(must(json_array())); }
/* NULL for text that is not valid UTF-8 (wire bytes); jv_set and jv_push write a marker then. */
struct jv *jv_string(const char *s) { return V(s ? json_string(s) : json_null()); }
struct jv *jv_int(long long v) { return V(must(json_integer(v))); }
struct jv *jv_bool(bool v) { return V(json_boolean(v)); }
struct jv *jv_null(void) { return V(json_null()); }

void jv_free(struct jv *v)
{
	json_decref(J(v));
}

void jv_set(struct jv *obj, const char *key, struct jv *child)
{
	/* json_string() refuses invalid UTF-8: such text came from the wire and is not ours to fix. */
	if (!child)
		child = jv_string("<invalid UTF-8>");
	json_object_set_new(J(obj), key, J(child));
}

void jv_set_str(struct jv *obj, const char *key, const char *s) { jv_set(obj, key, jv_string(s)); }
void jv_set_int(struct jv *obj, const char *key, long long v) { jv_set(obj, key, jv_int(v)); }
void jv_set_bool(struct jv *obj, const char *key, bool v) { jv_set(obj, key, jv_bool(v)); }

void jv_push(struct jv *arr, struct jv *child)
{
	if (!child)
		child = jv_string("<invalid UTF-8>");
	json_array_append_new(J(arr), J(child));
}

void jv_push_str(struct jv *arr, const char *s) { jv_push(arr, jv_string(s)); }
void jv_push_int(struct jv *arr, long long v) { jv_push(arr, jv_int(v)); }

int jv_write(FILE *out, const struct jv *v, bool pretty)
{
	size_t flags = JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
	return json_dumpf(CJ(v), out, flags) == 0 ? 0 : -1;
}

struct jv_stream {
	FILE *out;
	size_t items;
	bool members; /* a member was written: the next needs a comma */
	bool failed;
};

static void stream_put(struct jv_stream *s, const char *text)
{
	if (fputs(text, s->out) == EOF)
		s->failed = true;
}

/* Writes any value compactly (strings, numbers and keys included). */
static void stream_value(struct jv_stream *s, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (!text) {
		s->failed = true;
		return;
	}
	stream_put(s, text);
	free(text);
}

static void stream_key(struct jv_stream *s, const char *key)
{
	json_t *k = must(json_string(key));
	if (s->members)
		stream_put(s, ",");
	stream_value(s, k);
	stream_put(s, ":");
	json_decref(k);
	s->members = true;
}

static void stream_members(struct jv_stream *s, const struct jv *obj)
{
	const char *key;
	json_t *v;
	if (!obj)
		return;
	json_object_foreach(J(obj), key, v)
	{
		stream_key(s, key);
		stream_value(s, v);
	}
}

struct jv_stream *jv_stream_begin(FILE *out, const struct jv *head, const char *key)
{
	struct jv_stream *s = calloc(1, sizeof *s);
	if (!s)
		must(NULL);
	s->out = out;
	stream_put(s, "{");
	stream_members(s, head);
	stream_key(s, key);
	stream_put(s, "[\n");
	return s;
}

void jv_stream_item(struct jv_stream *s, const struct jv *item)
{
	if (s->items++)
		stream_put(s, ",\n");
	stream_value(s, CJ(item));
}

int jv_stream_end(struct jv_stream *s, const struct jv *tail)
{
	stream_put(s, s->items ? "\n]" : "]");
	stream_members(s, tail);
	stream_put(s, "}\n");
	if (fflush(s->out) == EOF)
		s->failed = true;
	int rc = s->failed ? -1 : 0;
	free(s);
	return rc;
}

static void copy_error(const json_error_t *e, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "line %d: %s", e->line, e->text);
}

struct jv *jv_parse_file(const char *path, char *err, size_t errlen)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j)
		copy_error(&e, err, errlen);
	return V(j);
}

struct jv *jv_parse_string(const char *text, char *err, size_t errlen)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		copy_error(&e, err, errlen);
	return V(j);
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
	return json_is_object(CJ(obj)) ? V(json_object_get(CJ(obj), key)) : NULL;
}

const struct jv *jv_at(const struct jv *arr, size_t i)
{
	return json_is_array(CJ(arr)) ? V(json_array_get(CJ(arr), i)) : NULL;
}

size_t jv_len(const struct jv *arr) { return json_is_array(CJ(arr)) ? json_array_size(CJ(arr)) : 0; }
const char *jv_str(const struct jv *v) { return json_is_string(CJ(v)) ? json_string_value(CJ(v)) : NULL; }
bool jv_is_null(const struct jv *v) { return v && json_is_null(CJ(v)); }
bool jv_is_int(const struct jv *v) { return v && json_is_integer(CJ(v)); }
long long jv_intval(const struct jv *v) { return json_is_integer(CJ(v)) ? json_integer_value(CJ(v)) : 0; }
bool jv_is_bool(const struct jv *v) { return v && json_is_boolean(CJ(v)); }
bool jv_boolval(const struct jv *v) { return v && json_is_true(CJ(v)); }
