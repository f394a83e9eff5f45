/*
 * hub_wire.c - the capture hub's request and reply as bytes (see
 * hub_wire.h for the format).
 *
 * Encoding goes through a bounded writer that stops at its buffer's end;
 * decoding reads through one cursor, each string through a sub-cursor
 * whose length is checked against its destination before a byte is
 * copied, and a message must end exactly where its last field does
 * (STYLE.md sections 1 and 2).
 */
#include "harness/capture/hub_wire.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* A u8 length says any string of a 256-byte array; a u16 one any path. */
_Static_assert(sizeof ((struct live_stats *)0)->client <= 256 && sizeof ((struct live_stats *)0)->server <= 256 &&
		       sizeof ((struct live_stats *)0)->filter <= 256 &&
		       sizeof ((struct live_stats *)0)->error <= 256 && sizeof ((struct hub_reply *)0)->err <= 256,
	       "a reply string is said behind a u8 length");
_Static_assert(PATH_MAX <= 65536, "the path is said behind a u16 length");

/* s2n-style guard: on failure, say why and return MALFORMED. */
/* The flags byte: which bit says which of live_stats' booleans. */
static const struct {
	uint8_t bit;
	size_t off;
} wire_flags[] = {
	{ HUB_WIRE_F_CONNECTED, offsetof(struct live_stats, connected) },
	{ HUB_WIRE_F_CLOSED, offsetof(struct live_stats, closed) },
	{ HUB_WIRE_F_CLIENT_FIN, offsetof(struct live_stats, client_fin) },
	{ HUB_WIRE_F_SERVER_FIN, offsetof(struct live_stats, server_fin) },
	{ HUB_WIRE_F_CLIENT_RST, offsetof(struct live_stats, client_rst) },
	{ HUB_WIRE_F_SERVER_RST, offsetof(struct live_stats, server_rst) },
};
#define WIRE_NFLAGS (sizeof wire_flags / sizeof wire_flags[0])

/* ---- the writer ---- */

struct wire_buf {
	uint8_t *p;
	size_t cap, len;
	bool bad; /* past the end, or a value the format cannot say: the encoding fails */
};

static void wire_put(struct wire_buf *w, const void *b, size_t n)
{
	if (w->bad || n > w->cap - w->len) {
		w->bad = true;
		return;
	}
	if (n)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

/* v in n bytes, big-endian. */
static void wire_put_be(struct wire_buf *w, uint64_t v, size_t n)
{
	uint8_t b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	wire_put(w, b, n);
}

/* The string s of an array of size bytes, at least min long, behind a width-byte length. */
static void wire_put_str(struct wire_buf *w, const char *s, size_t size, size_t min, size_t width)
{
	size_t n = strnlen(s, size);
	if (n == size || n < min) {
		w->bad = true;
		return;
	}
	wire_put_be(w, n, width);
	wire_put(w, s, n);
}

static size_t wire_done(const struct wire_buf *w)
{
	return w->bad ? 0 : w->len;
}

size_t hub_wire_encode_request(const struct hub_request *rq, uint8_t *buf, size_t cap)
{
	struct wire_buf w = { buf, cap, 0, false };

	if (rq->kind != HUB_WIRE_BEGIN && rq->kind != HUB_WIRE_END)
		return 0;
	wire_put_be(&w, HUB_WIRE_MAGIC, 4);
	wire_put_be(&w, (uint64_t)rq->kind, 1);
	wire_put_be(&w, rq->server_port, 2);
	wire_put_be(&w, rq->client_port, 2);
	wire_put_be(&w, rq->drain_ms, 4);
	wire_put_str(&w, rq->path, sizeof rq->path, 1, 2);
	return wire_done(&w);
}

size_t hub_wire_encode_reply(const struct hub_reply *r, uint8_t *buf, size_t cap)
{
	struct wire_buf w = { buf, cap, 0, false };
	const struct live_stats *st = &r->st;
	uint8_t flags = 0;

	for (size_t i = 0; i < WIRE_NFLAGS; i++)
		if (*(const bool *)((const char *)st + wire_flags[i].off))
			flags |= wire_flags[i].bit;
	wire_put_be(&w, HUB_WIRE_MAGIC, 4);
	wire_put_be(&w, r->ok ? 1 : 0, 1);
	wire_put_be(&w, st->packets, 8);
	wire_put_be(&w, st->bytes, 8);
	wire_put_be(&w, st->received, 8);
	wire_put_be(&w, st->dropped, 8);
	wire_put_be(&w, flags, 1);
	wire_put_str(&w, st->client, sizeof st->client, 0, 1);
	wire_put_str(&w, st->server, sizeof st->server, 0, 1);
	wire_put_str(&w, st->filter, sizeof st->filter, 0, 1);
	wire_put_str(&w, st->error, sizeof st->error, 0, 1);
	wire_put_str(&w, r->err, sizeof r->err, 0, 1);
	return wire_done(&w);
}

/* ---- the reader ---- */

/*
 * A string behind a width-byte length into dst (size bytes, NUL added):
 * min..size-1 bytes, none of them NUL.  what names it in why.
 */
static enum decode_status wire_get_str(struct cursor *c, size_t width, size_t min, char *dst, size_t size,
				       const char *what, char *why, size_t whylen)
{
	struct cursor s;
	const uint8_t *b;
	size_t n;

	DECODE_ENSURE(width == 1 ? cursor_vec8(c, &s) : cursor_vec16(c, &s), "%s: ends inside it or its length", what);
	n = cursor_left(&s);
	DECODE_ENSURE(n >= min, "%s: empty", what);
	DECODE_ENSURE(n < size, "%s: too long (%zu bytes, at most %zu)", what, n, size - 1);
	DECODE_ENSURE(cursor_bytes(&s, n, &b) && cursor_empty(&s), "%s: unreadable", what);
	DECODE_ENSURE(!memchr(b, '\0', n), "%s: a NUL inside", what);
	memcpy(dst, b, n);
	dst[n] = '\0';
	return DECODE_OK;
}

/* What follows a request's magic, into p (a struct hub_request). */
static enum decode_status wire_request(struct cursor *c, void *p, char *why, size_t whylen)
{
	struct hub_request *out = p;
	uint8_t kind;

	DECODE_ENSURE(cursor_u8(c, &kind), "request: ends before the kind");
	DECODE_ENSURE(kind == HUB_WIRE_BEGIN || kind == HUB_WIRE_END, "request: unknown kind %u", (unsigned)kind);
	out->kind = (enum hub_wire_kind)kind;
	DECODE_ENSURE(cursor_u16(c, &out->server_port), "request: ends inside the server port");
	DECODE_ENSURE(cursor_u16(c, &out->client_port), "request: ends inside the client port");
	DECODE_ENSURE(cursor_u32(c, &out->drain_ms), "request: ends inside drain_ms");
	return wire_get_str(c, 2, 1, out->path, sizeof out->path, "request: path", why, whylen);
}

/* What follows a reply's magic, into p (a struct hub_reply). */
static enum decode_status wire_reply(struct cursor *c, void *p, char *why, size_t whylen)
{
	struct hub_reply *out = p;
	struct live_stats *st = &out->st;
	const struct {
		char *dst;
		size_t size;
		const char *what;
	} strs[] = {
		{ st->client, sizeof st->client, "reply: client" }, { st->server, sizeof st->server, "reply: server" },
		{ st->filter, sizeof st->filter, "reply: filter" }, { st->error, sizeof st->error, "reply: error" },
		{ out->err, sizeof out->err, "reply: err" },
	};
	uint8_t ok, flags, known = 0;

	DECODE_ENSURE(cursor_u8(c, &ok), "reply: ends before ok");
	DECODE_ENSURE(ok <= 1, "reply: ok is %u", (unsigned)ok);
	out->ok = ok;
	DECODE_ENSURE(cursor_u64(c, &st->packets) && cursor_u64(c, &st->bytes) && cursor_u64(c, &st->received) &&
		       cursor_u64(c, &st->dropped),
	       "reply: ends inside the counters");
	DECODE_ENSURE(cursor_u8(c, &flags), "reply: ends before the flags");
	for (size_t i = 0; i < WIRE_NFLAGS; i++) {
		*(bool *)((char *)st + wire_flags[i].off) = flags & wire_flags[i].bit;
		known |= wire_flags[i].bit;
	}
	DECODE_ENSURE(!(flags & ~known), "reply: unknown flags 0x%02x", (unsigned)(flags & ~known));
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (wire_get_str(c, 1, 0, strs[i].dst, strs[i].size, strs[i].what, why, whylen) != DECODE_OK)
			return DECODE_MALFORMED;
	return DECODE_OK;
}

/* The frame both messages share: the magic, the body, then nothing; out all zero unless OK. */
static enum decode_status wire_decode(struct cursor *c, const char *name,
				      enum decode_status (*body)(struct cursor *c, void *p, char *why, size_t whylen),
				      void *out, size_t size, char *why, size_t whylen)
{
	enum decode_status st = DECODE_MALFORMED;
	uint32_t magic;

	memset(out, 0, size);
	if (!cursor_u32(c, &magic))
		snprintf(why, whylen, "%s: ends inside the magic", name);
	else if (magic != HUB_WIRE_MAGIC)
		snprintf(why, whylen, "%s: wrong magic 0x%08x", name, (unsigned)magic);
	else if ((st = body(c, out, why, whylen)) == DECODE_OK && !cursor_empty(c)) {
		snprintf(why, whylen, "%s: %zu bytes after its end", name, cursor_left(c));
		st = DECODE_MALFORMED;
	}
	if (st != DECODE_OK)
		memset(out, 0, size);
	return st;
}

enum decode_status hub_wire_decode_request(struct cursor *c, struct hub_request *out, char *why, size_t whylen)
{
	return wire_decode(c, "request", wire_request, out, sizeof *out, why, whylen);
}

enum decode_status hub_wire_decode_reply(struct cursor *c, struct hub_reply *out, char *why, size_t whylen)
{
	return wire_decode(c, "reply", wire_reply, out, sizeof *out, why, whylen);
}
