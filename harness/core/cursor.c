/* cursor.c - bounds-checked reads over untrusted bytes (see cursor.h). */
#include "harness/core/cursor.h"

#include <string.h>

struct cursor cursor_make(const uint8_t *p, size_t len)
{
	struct cursor c = { p, p ? len : 0, 0 };
	return c;
}

size_t cursor_left(const struct cursor *c)
{
	return c->len - c->off;
}

bool cursor_empty(const struct cursor *c)
{
	return c->off == c->len;
}

bool cursor_bytes(struct cursor *c, size_t n, const uint8_t **out)
{
	if (n > cursor_left(c))
		return false;
	*out = c->p + c->off;
	c->off += n;
	return true;
}

bool cursor_skip(struct cursor *c, size_t n)
{
	const uint8_t *ignored;
	return cursor_bytes(c, n, &ignored);
}

bool cursor_copy(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *src;
	if (!cursor_bytes(c, n, &src))
		return false;
	if (n)
		memcpy(dst, src, n);
	return true;
}

static bool cursor_be(struct cursor *c, size_t n, uint32_t *out)
{
	const uint8_t *b;
	uint32_t v = 0;
	if (!cursor_bytes(c, n, &b))
		return false;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | b[i];
	*out = v;
	return true;
}

bool cursor_u8(struct cursor *c, uint8_t *out)
{
	uint32_t v;
	if (!cursor_be(c, 1, &v))
		return false;
	*out = (uint8_t)v;
	return true;
}

bool cursor_u16(struct cursor *c, uint16_t *out)
{
	uint32_t v;
	if (!cursor_be(c, 2, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

bool cursor_u24(struct cursor *c, uint32_t *out)
{
	return cursor_be(c, 3, out);
}

bool cursor_u32(struct cursor *c, uint32_t *out)
{
	return cursor_be(c, 4, out);
}

bool cursor_u64(struct cursor *c, uint64_t *out)
{
	uint32_t hi, lo;
	/* Checked first, so a short read leaves the cursor where it was. */
	if (cursor_left(c) < 8 || !cursor_u32(c, &hi) || !cursor_u32(c, &lo))
		return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}

bool cursor_peek_u8(const struct cursor *c, size_t at, uint8_t *out)
{
	if (at >= cursor_left(c))
		return false;
	*out = c->p[c->off + at];
	return true;
}

bool cursor_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	const uint8_t *b;
	if (!cursor_bytes(c, n, &b))
		return false;
	*sub = cursor_make(b, n);
	return true;
}

static bool cursor_vec(struct cursor *c, size_t width, struct cursor *sub)
{
	struct cursor save = *c;
	uint32_t n;
	if (!cursor_be(c, width, &n) || !cursor_sub(c, n, sub)) {
		*c = save;
		return false;
	}
	return true;
}

bool cursor_vec8(struct cursor *c, struct cursor *sub)
{
	return cursor_vec(c, 1, sub);
}

bool cursor_vec16(struct cursor *c, struct cursor *sub)
{
	return cursor_vec(c, 2, sub);
}

bool cursor_vec24(struct cursor *c, struct cursor *sub)
{
	return cursor_vec(c, 3, sub);
}
