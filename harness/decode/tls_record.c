/*
 * tls_record.c - streaming TLS record parser (RFC 5246 section 6.2,
 * RFC 8446 section 5.1, SSLv2-compatible hello of RFC 5246 Appendix E.2).
 *
 * How this works: the parser is a two-state machine, "in a header" (up to
 * five bytes gathered in rp->hdr, because a header can straddle two TCP
 * segments) and "in a body" (rp->body_left bytes still to hand out).  Body
 * bytes are never copied: TLS_REC_DATA points into the caller's chunk.  A
 * header that cannot be TLS loses the framing for good: after it nothing
 * in the direction can be trusted to start on a record boundary.
 */
#include "harness/decode/tls_record.h"

#include <stdio.h>
#include <string.h>

#include "harness/decode/tls_names.h"

/* An SSLv2 CLIENT-HELLO holds at least msg_type, version and three lengths (RFC 6101 E.2). */
#define SSLV2_HELLO_MIN 9

void tls_record_init(struct tls_record_parser *rp)
{
	memset(rp, 0, sizeof *rp);
}

static bool content_type_known(uint8_t t)
{
	return t >= TLS_CT_CHANGE_CIPHER_SPEC && t <= TLS_CT_HEARTBEAT;
}

/*
 * An SSLv2 record with a 2-byte header (msb set) whose message is a
 * CLIENT-HELLO (1) offering SSLv2, SSLv3 or TLS (RFC 5246 E.2).
 */
static bool sslv2_hello(const uint8_t *h)
{
	return (h[0] & 0x80) && h[2] == 1 && (h[3] == 0x00 || h[3] == 0x03) &&
	       (((size_t)(h[0] & 0x7f) << 8) | h[1]) >= SSLV2_HELLO_MIN;
}

bool tls_record_plausible(const uint8_t *p, size_t n)
{
	uint16_t len;
	if (n < TLS_RECORD_HDR_LEN)
		return false;
	if (sslv2_hello(p))
		return true;
	len = (uint16_t)((p[3] << 8) | p[4]);
	return content_type_known(p[0]) && p[1] == 3 && p[2] <= 4 && len <= TLS_RECORD_MAX_LEN;
}

static enum tls_rec_event malformed(struct tls_record_parser *rp, struct tls_rec_ev *ev, bool lost)
{
	ev->lost = lost;
	if (lost)
		rp->lost = true;
	return TLS_REC_MALFORMED;
}

/* Checks a complete header; sets up the body. */
static enum tls_rec_event header_done(struct tls_record_parser *rp, struct tls_rec_ev *ev)
{
	const uint8_t *h = rp->hdr;
	struct tls_record_hdr *r = &rp->cur;

	rp->hdr_have = 0;
	memset(r, 0, sizeof *r);
	if (rp->records == 0 && sslv2_hello(h)) {
		r->sslv2 = true;
		r->type = TLS_CT_HANDSHAKE;
		r->version = TLS_V_SSL2;
		r->length = (uint16_t)(((h[0] & 0x7f) << 8) | h[1]);
		/* Bytes 2..4 already read belong to the body. */
		rp->body_left = r->length;
		rp->sslv2_pending = true;
		rp->in_body = true;
		rp->records++;
		ev->hdr = *r;
		return TLS_REC_BEGIN;
	}
	r->type = h[0];
	r->version = (uint16_t)((h[1] << 8) | h[2]);
	r->length = (uint16_t)((h[3] << 8) | h[4]);
	ev->hdr = *r;
	if (!content_type_known(r->type)) {
		snprintf(ev->why, sizeof ev->why, "unknown record content type %u (0x%02x%02x%02x%02x%02x)",
			 r->type, h[0], h[1], h[2], h[3], h[4]);
		return malformed(rp, ev, true);
	}
	if (h[1] != 3) {
		snprintf(ev->why, sizeof ev->why, "record version 0x%04x is not SSLv3/TLS", r->version);
		return malformed(rp, ev, true);
	}
	if (r->length > TLS_RECORD_MAX_LEN) {
		snprintf(ev->why, sizeof ev->why,
			 "record_overflow: a record of %u bytes exceeds 2^14+2048 (RFC 5246 6.2.3)",
			 r->length);
		return malformed(rp, ev, true);
	}
	rp->records++;
	rp->body_left = r->length;
	rp->in_body = true;
	return TLS_REC_BEGIN;
}

enum tls_rec_event tls_record_next(struct tls_record_parser *rp, struct cursor *in,
				   struct tls_rec_ev *ev)
{
	memset(ev, 0, sizeof *ev);
	if (rp->lost) {
		cursor_skip(in, cursor_left(in));
		return TLS_REC_NEED_MORE;
	}
	if (rp->in_body) {
		size_t n;
		ev->hdr = rp->cur;
		if (rp->sslv2_pending) {
			rp->sslv2_pending = false;
			ev->data = rp->hdr + 2;
			ev->len = 3;
			rp->body_left -= 3;
			return TLS_REC_DATA;
		}
		if (rp->body_left == 0) {
			rp->in_body = false;
			/* RFC 5246 6.2.1: no zero-length fragments of handshake, alert or CCS. */
			if (rp->cur.length == 0 && rp->cur.type != TLS_CT_APPLICATION_DATA) {
				snprintf(ev->why, sizeof ev->why,
					 "zero-length %s record (RFC 5246 6.2.1)",
					 tok_name(tls_content_type_names, rp->cur.type));
				return malformed(rp, ev, false);
			}
			return TLS_REC_END;
		}
		n = cursor_left(in);
		if (n == 0)
			return TLS_REC_NEED_MORE;
		if (n > rp->body_left)
			n = rp->body_left;
		cursor_bytes(in, n, &ev->data);
		ev->len = n;
		rp->body_left -= n;
		return TLS_REC_DATA;
	}
	while (rp->hdr_have < TLS_RECORD_HDR_LEN) {
		if (!cursor_u8(in, &rp->hdr[rp->hdr_have]))
			return TLS_REC_NEED_MORE;
		rp->hdr_have++;
	}
	return header_done(rp, ev);
}

bool tls_record_skip(struct tls_record_parser *rp, uint64_t missing)
{
	if (rp->lost)
		return false;
	if (rp->in_body && !rp->sslv2_pending && missing <= rp->body_left) {
		rp->body_left -= (size_t)missing;
		return true;
	}
	rp->lost = true;
	return false;
}

bool tls_record_partial(const struct tls_record_parser *rp)
{
	return !rp->lost && (rp->hdr_have > 0 || rp->in_body);
}
