/*
 * cursor.h - the one bounds-checked reader for untrusted bytes.
 *
 * Every byte from a capture or a socket is read through a struct cursor,
 * as s2n reads through its stuffer.  A read that would pass the end fails
 * and leaves the cursor unchanged; the caller decides whether that means
 * TRUNCATED (the capture ended) or MALFORMED (a length field lied).
 */
#ifndef TLSDIAG_CORE_CURSOR_H
#define TLSDIAG_CORE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
};

struct cursor cursor_make(const uint8_t *p, size_t len);
size_t cursor_left(const struct cursor *c);
bool cursor_empty(const struct cursor *c);

bool cursor_u8(struct cursor *c, uint8_t *out);
bool cursor_u16(struct cursor *c, uint16_t *out);
bool cursor_u24(struct cursor *c, uint32_t *out);
bool cursor_u32(struct cursor *c, uint32_t *out);
bool cursor_u64(struct cursor *c, uint64_t *out);
bool cursor_skip(struct cursor *c, size_t n);
/* Points *out at the next n bytes without copying them. */
bool cursor_bytes(struct cursor *c, size_t n, const uint8_t **out);
bool cursor_copy(struct cursor *c, void *dst, size_t n);
/* Peeks without consuming. */
bool cursor_peek_u8(const struct cursor *c, size_t at, uint8_t *out);

/* A sub-cursor over the next n bytes; the parent moves past them. */
bool cursor_sub(struct cursor *c, size_t n, struct cursor *sub);
/* Vectors with an 8/16/24-bit length prefix (RFC 8446 section 3.4). */
bool cursor_vec8(struct cursor *c, struct cursor *sub);
bool cursor_vec16(struct cursor *c, struct cursor *sub);
bool cursor_vec24(struct cursor *c, struct cursor *sub);

#endif
