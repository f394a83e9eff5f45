/*
 * tls_record.h - the TLS record layer of one direction, as a streaming
 * parser (RFC 5246 section 6.2, RFC 8446 section 5.1).
 *
 * The parser is fed whatever bytes TCP delivered, in order, in chunks of
 * any size.  It gathers the 5-byte header across chunk boundaries, checks
 * it, and then hands the record body out in place, as pointers into the
 * caller's chunk: nothing is copied, so application data costs only a
 * count.  It also accepts an SSLv2-compatible ClientHello (RFC 5246
 * Appendix E.2) as the first record.
 *
 *	struct cursor in = cursor_make(p, n);
 *	while ((e = tls_record_next(&rp, &in, &ev)) != TLS_REC_NEED_MORE)
 *		switch (e) { ... }
 */
#ifndef TLSDIAG_DECODE_TLS_RECORD_H
#define TLSDIAG_DECODE_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/cursor.h"

/* TLSCiphertext.length MUST NOT exceed 2^14 + 2048 (RFC 5246 section 6.2.3). */
#define TLS_RECORD_MAX_LEN (16384 + 2048)
/* TLSPlaintext.length MUST NOT exceed 2^14 (RFC 5246 section 6.2.1). */
#define TLS_RECORD_MAX_PLAIN 16384
#define TLS_RECORD_HDR_LEN 5

struct tls_record_hdr {
	uint8_t type; /* ContentType; TLS_CT_HANDSHAKE for an SSLv2 hello */
	uint16_t version; /* 0x0002 for an SSLv2 hello */
	uint16_t length; /* body bytes */
	bool sslv2; /* an SSLv2 CLIENT-HELLO: the body starts at msg_type */
};

enum tls_rec_event {
	TLS_REC_NEED_MORE = 0, /* the input is used up */
	TLS_REC_BEGIN, /* a header is complete and valid: ev->hdr */
	TLS_REC_DATA, /* ev->data, ev->len: the next bytes of the body, in place */
	TLS_REC_END, /* the body is complete */
	TLS_REC_MALFORMED, /* ev->why; if ev->lost, the framing is gone and later input is ignored */
};

struct tls_rec_ev {
	struct tls_record_hdr hdr;
	const uint8_t *data;
	size_t len;
	bool lost;
	char why[112];
};

struct tls_record_parser {
	uint8_t hdr[TLS_RECORD_HDR_LEN];
	size_t hdr_have;
	struct tls_record_hdr cur;
	size_t body_left;
	bool in_body;
	bool sslv2_pending; /* the 3 header bytes past an SSLv2 length are still to hand out */
	bool lost; /* framing lost: malformed header or a gap outside a body */
	uint64_t records; /* complete headers seen */
};

void tls_record_init(struct tls_record_parser *rp);

/* The next event from in; in moves past what it consumed. */
enum tls_rec_event tls_record_next(struct tls_record_parser *rp, struct cursor *in,
				   struct tls_rec_ev *ev);

/*
 * The capture lost `missing` bytes.  When they fall inside the body of the
 * current record the parser stays in step (the body shrinks) and this
 * returns true; otherwise the framing is lost and it returns false.
 */
bool tls_record_skip(struct tls_record_parser *rp, uint64_t missing);

/* Inside a header or a body: the stream stopped in the middle of a record. */
bool tls_record_partial(const struct tls_record_parser *rp);

/* Whether p starts like a TLS record header or an SSLv2 ClientHello. */
bool tls_record_plausible(const uint8_t *p, size_t n);

#endif
