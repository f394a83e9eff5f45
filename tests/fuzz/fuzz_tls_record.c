/*
 * fuzz_tls_record.c - libFuzzer target for the TLS record parser alone
 * (tls_record.c): header gathering across chunks, the SSLv2 hello, body
 * hand-out in place, and tls_record_skip() for capture gaps.
 *
 * Input: byte 0 is the chunk size (0: all at once), byte 1 a gap position
 * (0: none; else a gap of byte 2 bytes before chunk number byte1), then the
 * stream bytes of one direction.  The seed corpus (tests/corpus/tls_record)
 * holds the real client and server streams of tests/data/tls_conn.
 *
 * Besides the sanitizers, it checks the parser's promises: every DATA event
 * lies inside the chunk given (an SSLv2 hello's first 3 body bytes come from
 * the parser's header buffer), a record's DATA adds up to its header length,
 * and after a lost framing nothing but NEED_MORE comes out.
 */
#include <stdint.h>
#include <stdlib.h>

#include "harness/core/cursor.h"
#include "harness/decode/tls_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor in = cursor_make(data, size);
	struct tls_record_parser rp;
	uint8_t chunk, gap_at, gap_len;
	uint64_t body = 0, want = 0;
	bool in_rec = false, skipped = false;
	size_t k = 0;

	if (!cursor_u8(&in, &chunk) || !cursor_u8(&in, &gap_at) || !cursor_u8(&in, &gap_len))
		return 0;
	tls_record_init(&rp);
	(void)tls_record_plausible(in.p, cursor_left(&in));
	while (cursor_left(&in)) {
		size_t n = chunk && cursor_left(&in) > chunk ? chunk : cursor_left(&in);
		const uint8_t *p;
		struct tls_rec_ev ev;
		enum tls_rec_event e;
		cursor_bytes(&in, n, &p);
		if (gap_at && ++k == gap_at) {
			if (!tls_record_skip(&rp, gap_len))
				in_rec = false;
			skipped = true;
		}
		struct cursor c = cursor_make(p, n);
		while ((e = tls_record_next(&rp, &c, &ev)) != TLS_REC_NEED_MORE) {
			if (rp.lost && e != TLS_REC_MALFORMED)
				abort();
			switch (e) {
			case TLS_REC_BEGIN:
				in_rec = true;
				body = 0;
				want = ev.hdr.length;
				break;
			case TLS_REC_DATA:
				/* In place, but for the 3 body bytes an SSLv2 header held. */
				if (!in_rec || (ev.hdr.sslv2 && ev.data == rp.hdr + 2 ? ev.len != 3
							: ev.data < p || ev.data + ev.len > p + n))
					abort();
				body += ev.len;
				break;
			case TLS_REC_END:
				/* A gap inside the body shortens what is handed out. */
				if (!skipped && body != want)
					abort();
				in_rec = false;
				break;
			case TLS_REC_MALFORMED:
			case TLS_REC_NEED_MORE:
			default:
				break;
			}
		}
		(void)tls_record_partial(&rp);
	}
	return 0;
}
