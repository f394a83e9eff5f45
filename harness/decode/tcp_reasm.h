/*
 * tcp_reasm.h - one direction of a TCP connection put back in order.
 *
 * Fed segments in capture order, it calls ops->data with the stream's
 * bytes in sequence order, ops->gap where the capture lost bytes, and
 * ops->fin once the FIN is reached.  See tcp_reasm.c for how.
 */
#ifndef TLSDIAG_DECODE_TCP_REASM_H
#define TLSDIAG_DECODE_TCP_REASM_H

#include "harness/decode/tls_conn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tcp_gap_reason {
	TCP_GAP_LOST, /* never captured (seen at FIN or at the end) */
	TCP_GAP_SNAPLEN, /* the capture cut the segment's payload */
	TCP_GAP_OVERFLOW, /* out-of-order data passed the buffer bound: the hole was given up */
};

struct tcp_reasm_ops {
	void (*data)(void *ctx, const uint8_t *p, size_t n, const struct pkt_meta *m);
	void (*gap)(void *ctx, uint64_t missing, enum tcp_gap_reason why, const struct pkt_meta *m);
	void (*fin)(void *ctx, const struct pkt_meta *m);
};

struct tcp_seg;

struct tcp_reasm {
	const struct tcp_reasm_ops *ops;
	void *ctx;
	bool started; /* base_seq is known */
	bool syn; /* started from a SYN (else mid-stream, from the first segment seen) */
	bool fin; /* a FIN was seen at fin_off */
	bool fin_done; /* ...and reached */
	uint32_t base_seq; /* sequence number of stream offset 0 */
	uint64_t next; /* stream offset of the next byte to deliver */
	uint64_t fin_off;
	struct tcp_seg *ooo; /* out-of-order data pieces: a treap by offset, not overlapping */
	struct tcp_seg *cuts; /* snaplen-cut markers past a hole: a treap by offset */
	size_t buffered, max_buffered;
	/* What happened, for notes and tests. */
	uint64_t delivered, retransmitted, gaps, gap_bytes, conflicts;
};

void tcp_reasm_init(struct tcp_reasm *r, size_t max_buffered, const struct tcp_reasm_ops *ops, void *ctx);
/*
 * One segment: seq and flags from its TCP header, the payload captured
 * (p, n) and its length on the wire (wire >= n when snaplen cut it).
 */
void tcp_reasm_segment(struct tcp_reasm *r, uint32_t seq, uint8_t flags, const uint8_t *p, size_t n, size_t wire,
		       const struct pkt_meta *m);
/* The stream is over (connection closed or capture ended): holes become gaps, then the FIN. */
void tcp_reasm_finish(struct tcp_reasm *r, const struct pkt_meta *m);
/* Frees what is buffered without delivering it. */
void tcp_reasm_free(struct tcp_reasm *r);

#endif
