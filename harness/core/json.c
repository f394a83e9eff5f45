/* json.c - the one file that owns jansson (see json.h). */
#include "harness/core/json.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Dumped whole, then one fwrite: json_dumpf makes an fwrite of every token. */
int jv_write(FILE *out, const struct jv *v, bool pretty)
{
	size_t flags = JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
	char *text = json_dumps(CJ(v), flags);
	if (!text)
		return -1;
	size_t n = strlen(text);
	int rc = fwrite(text, 1, n, out) == n ? 0 : -1;
	free(text);
	return rc;
}

struct jv *jv_share(const struct jv *v)
{
	return V(json_incref((json_t *)CJ(v)));
}

/*
 * The writer.  How it works: a stack of open containers, each knowing
 * whether it is an object (members need a key), whether it already holds
 * a value (the next needs a comma) and, for a tree, its node.  A FILE
 * writer appends to its own 64 KiB buffer and hands the FILE whole
 * buffers; a tree writer turns each call into jv_set/jv_push.
 *
 * String escaping is jansson's (so both writers agree byte for byte) and
 * RFC 8259 section 7's: '"', '\' and the control characters below U+0020
 * are escaped, as \b \f \n \r \t or \u00XX; everything else, U+007F and
 * all non-ASCII included, is written as it is.  Text must be UTF-8 (RFC
 * 8259 section 8.1) as RFC 3629 defines it: no overlong forms, no
 * surrogates, nothing past U+10FFFF; other text becomes a marker.
 */
#define JW_DEPTH 32
#define JW_BUF 65536
#define JW_INVALID "<invalid UTF-8>"

struct jw_level {
	struct jv *node; /* tree writer only */
	bool object;
	bool lines; /* jw_array_lines */
	bool any;   /* holds a value: the next one needs a comma */
};

struct jw {
	FILE *out; /* NULL for a tree writer */
	struct jv *root; /* tree writer only */
	bool top;        /* the top-level value is placed */
	size_t depth;
	struct jw_level lv[JW_DEPTH];
	bool failed;
	size_t used;
	char buf[];
};

static void misuse(const char *what)
{
	fprintf(stderr, "tlsdiag: internal error: JSON writer: %s\n", what);
	abort();
}

static void jw_flush(struct jw *w)
{
	if (w->used && fwrite(w->buf, 1, w->used, w->out) != w->used)
		w->failed = true;
	w->used = 0;
}

void jw_flush_out(struct jw *w)
{
	if (!w->out)
		return;
	jw_flush(w);
	if (fflush(w->out) != 0)
		w->failed = true;
}

static void jw_put(struct jw *w, const char *p, size_t n)
{
	if (n > JW_BUF - w->used) {
		jw_flush(w);
		if (n > JW_BUF) {
			if (fwrite(p, 1, n, w->out) != n)
				w->failed = true;
			return;
		}
	}
	memcpy(w->buf + w->used, p, n);
	w->used += n;
}

#define JW_PUTS(w, lit) jw_put((w), (lit), sizeof(lit) - 1)

/* Bytes of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid (RFC 3629 section 4). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp, min;
	if (p[0] < 0xc2 || p[0] > 0xf4) /* continuation bytes, C0/C1 (always overlong), F5.. (past U+10FFFF) */
		return 0;
	if (p[0] < 0xe0)
		len = 2, cp = p[0] & 0x1fu, min = 0x80;
	else if (p[0] < 0xf0)
		len = 3, cp = p[0] & 0x0fu, min = 0x800;
	else
		len = 4, cp = p[0] & 0x07u, min = 0x10000;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	return cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : len;
}

static bool utf8_valid(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = utf8_seq(p + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

/*
 * Escapes s[0..n) into o, which has room for 6 n bytes; returns the bytes
 * written, or sets *bad at the first sequence that is not UTF-8.  A
 * multi-byte sequence never holds a byte that needs escaping.
 */
static size_t escape_text(const unsigned char *s, size_t n, char *o, bool *bad)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *start = o;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		if (ch >= 0x80) {
			size_t k = utf8_seq(s + i, n - i);
			if (!k) {
				*bad = true;
				return 0;
			}
			memcpy(o, s + i, k);
			o += k;
			i += k - 1;
			continue;
		}
		if (ch >= 0x20 && ch != '"' && ch != '\\') {
			*o++ = (char)ch;
			continue;
		}
		*o++ = '\\';
		switch (ch) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[ch >> 4];
			o[4] = hex[ch & 15];
			o += 5;
			break;
		}
	}
	return (size_t)(o - start);
}

/* Empties the buffer unless `need` more bytes fit (need <= JW_BUF). */
static void jw_room(struct jw *w, size_t need)
{
	if (need > JW_BUF - w->used)
		jw_flush(w);
}

/* The most text escaped into the buffer in one go: each byte may become six. */
#define JW_CHUNK ((JW_BUF - 2) / 6)

/*
 * Text as a JSON string, or the marker when it is not UTF-8.  Short text
 * (nearly all) is escaped and checked in one pass straight into the buffer
 * and taken back if a bad sequence turns up; long text is checked first,
 * then escaped a chunk at a time, never splitting a sequence.
 */
static void jw_put_text(struct jw *w, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	bool bad = false;
	if (n <= JW_CHUNK) {
		jw_room(w, 6 * n + 2);
		char *o = w->buf + w->used;
		size_t k = escape_text(s, n, o + 1, &bad);
		if (bad) {
			JW_PUTS(w, "\"" JW_INVALID "\"");
			return;
		}
		o[0] = '"';
		o[k + 1] = '"';
		w->used += k + 2;
		return;
	}
	if (!utf8_valid(s, n)) {
		JW_PUTS(w, "\"" JW_INVALID "\"");
		return;
	}
	JW_PUTS(w, "\"");
	while (n) {
		size_t take = n < JW_CHUNK ? n : JW_CHUNK;
		while (take < n && (s[take] & 0xc0) == 0x80)
			take--;
		jw_room(w, 6 * take);
		w->used += escape_text(s, take, w->buf + w->used, &bad);
		s += take;
		n -= take;
	}
	JW_PUTS(w, "\"");
}

static struct jw *jw_alloc(FILE *out)
{
	struct jw *w = calloc(1, sizeof *w + (out ? JW_BUF : 0));
	if (!w)
		must(NULL);
	w->out = out;
	return w;
}

struct jw *jw_open_file(FILE *out) { return jw_alloc(out); }
struct jw *jw_open_tree(void) { return jw_alloc(NULL); }

/* Where a value goes: the separator and key of a FILE writer, checks for both. */
static void jw_place(struct jw *w, const char *key)
{
	struct jw_level *l = w->depth ? &w->lv[w->depth - 1] : NULL;
	if (!l) {
		if (key)
			misuse("a key at the top");
		if (w->top)
			misuse("a second top-level value");
		w->top = true;
		return;
	}
	if (l->object != (key != NULL))
		misuse(l->object ? "an object member without a key" : "a key inside an array");
	if (w->out) {
		if (l->any)
			jw_put(w, ",\n", l->lines ? 2 : 1);
		if (key) {
			jw_put_text(w, key, strlen(key));
			JW_PUTS(w, ":");
		}
	}
	l->any = true;
}

/* A tree writer's value into its container (jv_set/jv_push write the marker for NULL). */
static void jw_attach(struct jw *w, const char *key, struct jv *v)
{
	struct jw_level *l = w->depth ? &w->lv[w->depth - 1] : NULL;
	if (!l)
		w->root = v;
	else if (l->object)
		jv_set(l->node, key, v);
	else
		jv_push(l->node, v);
}

static void jw_open(struct jw *w, const char *key, bool object, bool lines)
{
	struct jv *node = NULL;
	jw_place(w, key);
	if (w->depth == JW_DEPTH)
		misuse("nested too deep");
	if (w->out) {
		jw_put(w, object ? "{" : "[\n", object || !lines ? 1 : 2);
	} else {
		node = object ? jv_object() : jv_array();
		jw_attach(w, key, node);
	}
	w->lv[w->depth++] = (struct jw_level){ node, object, lines, false };
}

void jw_object(struct jw *w, const char *key) { jw_open(w, key, true, false); }
void jw_array(struct jw *w, const char *key) { jw_open(w, key, false, false); }
void jw_array_lines(struct jw *w, const char *key) { jw_open(w, key, false, true); }

void jw_end(struct jw *w)
{
	if (!w->depth)
		misuse("jw_end with nothing open");
	const struct jw_level *l = &w->lv[--w->depth];
	if (!w->out)
		return;
	if (l->object)
		JW_PUTS(w, "}");
	else if (l->lines && l->any)
		JW_PUTS(w, "\n]");
	else
		JW_PUTS(w, "]");
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_place(w, key);
	if (!w->out) {
		jw_attach(w, key, jv_string(s));
		return;
	}
	if (!s) {
		JW_PUTS(w, "null");
		return;
	}
	jw_put_text(w, s, strlen(s));
}

void jw_int(struct jw *w, const char *key, long long v)
{
	char digits[24], *p = digits + sizeof digits;
	/* Through unsigned: -LLONG_MIN does not fit a long long. */
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	jw_place(w, key);
	if (!w->out) {
		jw_attach(w, key, jv_int(v));
		return;
	}
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	jw_put(w, p, (size_t)(digits + sizeof digits - p));
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_place(w, key);
	if (!w->out)
		jw_attach(w, key, jv_bool(v));
	else if (v)
		JW_PUTS(w, "true");
	else
		JW_PUTS(w, "false");
}

void jw_null(struct jw *w, const char *key)
{
	jw_place(w, key);
	if (!w->out)
		jw_attach(w, key, jv_null());
	else
		JW_PUTS(w, "null");
}

void jw_raw(struct jw *w, const char *key, const char *text, size_t len)
{
	if (!w->out) {
		json_error_t e;
		jw_place(w, key);
		jw_attach(w, key, V(must(json_loadb(text, len, 0, &e))));
		return;
	}
	jw_place(w, key);
	jw_put(w, text, len);
}

void jw_value(struct jw *w, const char *key, const struct jv *v)
{
	const char *k;
	json_t *m;
	size_t i;
	if (!w->out) {
		jw_place(w, key);
		jw_attach(w, key, V(must(json_deep_copy(CJ(v)))));
		return;
	}
	switch (json_typeof(CJ(v))) {
	case JSON_OBJECT:
		jw_object(w, key);
		json_object_foreach (J(v), k, m)
			jw_value(w, k, V(m));
		jw_end(w);
		break;
	case JSON_ARRAY:
		jw_array(w, key);
		json_array_foreach (CJ(v), i, m)
			jw_value(w, NULL, V(m));
		jw_end(w);
		break;
	case JSON_STRING:
		jw_place(w, key);
		jw_put_text(w, json_string_value(CJ(v)), json_string_length(CJ(v)));
		break;
	case JSON_INTEGER:
		jw_int(w, key, json_integer_value(CJ(v)));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jw_bool(w, key, json_is_true(CJ(v)));
		break;
	case JSON_NULL:
		jw_null(w, key);
		break;
	case JSON_REAL:
	default: {
		/* No report writes reals; jansson's own text keeps them exact if one ever does. */
		char *text = json_dumps(CJ(v), JSON_ENCODE_ANY);
		jw_place(w, key);
		if (text)
			jw_put(w, text, strlen(text));
		else
			w->failed = true;
		free(text);
		break;
	}
	}
}

int jw_close_file(struct jw *w)
{
	if (w->depth)
		misuse("closed with a value still open");
	if (w->top)
		JW_PUTS(w, "\n");
	jw_flush(w);
	int rc = w->failed || fflush(w->out) == EOF ? -1 : 0;
	free(w);
	return rc;
}

struct jv *jw_close_tree(struct jw *w)
{
	if (w->depth)
		misuse("closed with a value still open");
	struct jv *root = w->root;
	free(w);
	return root;
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
