/*
 * tcp_reasm.c - one direction of a TCP stream, in order (RFC 9293).
 *
 * How this works.  Sequence numbers are 32 bits and wrap; we map each to
 * a 64-bit stream offset relative to the byte we expect next
 * (offset = next + (int32_t)(seq - seq_of(next))), so wraparound needs no
 * special case and offsets only grow.  Offset 0 is the byte after the SYN
 * (a SYN takes one sequence number, RFC 9293 section 3.4), or, when the
 * capture started mid-stream, the first segment seen.
 *
 * A segment that starts at `next` is handed to ops->data in place: no
 * copy.  Bytes before `next` were delivered already (a retransmission or
 * an overlap) and are trimmed: the first copy wins.  A segment that starts
 * past `next` waits, copied, in a sorted list of non-overlapping pieces
 * until the hole before it fills.  Where two copies of the same bytes
 * differ, `conflicts` counts it (only copies still buffered can be
 * compared: delivered bytes are not kept).
 *
 * Holes are given up, and reported with their size as a gap, when the
 * stream moves on: at the end (tcp_reasm_finish: the connection closed or
 * the capture ended) and when the waiting pieces would pass max_buffered,
 * which bounds memory per direction.  A segment the capture cut (snaplen)
 * delivers what it holds, then a TCP_GAP_SNAPLEN gap for the rest.  The
 * FIN is reported once every byte before it was delivered or given up.
 */
#include "harness/decode/tcp_reasm.h"

#include "harness/decode/packet.h"

#include <stdlib.h>
#include <string.h>

struct tcp_seg {
	struct tcp_seg *next;
	uint64_t off;
	size_t len; /* bytes in data[] */
	uint64_t cut; /* bytes after data[] that the capture cut */
	struct pkt_meta meta;
	uint8_t data[];
};

void tcp_reasm_init(struct tcp_reasm *r, size_t max_buffered, const struct tcp_reasm_ops *ops, void *ctx)
{
	memset(r, 0, sizeof *r);
	r->ops = ops;
	r->ctx = ctx;
	r->max_buffered = max_buffered;
}

static void deliver(struct tcp_reasm *r, const uint8_t *p, size_t n, const struct pkt_meta *m)
{
	if (!n)
		return;
	r->delivered += n;
	r->next += n;
	r->ops->data(r->ctx, p, n, m);
}

static void gap(struct tcp_reasm *r, uint64_t missing, enum tcp_gap_reason why, const struct pkt_meta *m)
{
	if (!missing)
		return;
	r->gaps++;
	r->gap_bytes += missing;
	r->next += missing;
	r->ops->gap(r->ctx, missing, why, m);
}

static void seg_free(struct tcp_reasm *r, struct tcp_seg *s)
{
	r->buffered -= sizeof *s + s->len;
	free(s);
}

/* Delivers the waiting pieces that the stream has reached. */
static void pull(struct tcp_reasm *r)
{
	struct tcp_seg *h;
	while ((h = r->ooo) && h->off <= r->next) {
		uint64_t dend = h->off + h->len;
		if (dend > r->next) {
			size_t skip = (size_t)(r->next - h->off);
			deliver(r, h->data + skip, h->len - skip, &h->meta);
		}
		if (h->cut && dend + h->cut > r->next)
			gap(r, dend + h->cut - r->next, TCP_GAP_SNAPLEN, &h->meta);
		r->ooo = h->next;
		seg_free(r, h);
	}
}

/* Gives up the hole before the first waiting piece. */
static void flush_first_hole(struct tcp_reasm *r, enum tcp_gap_reason why)
{
	struct tcp_seg *h = r->ooo;
	if (h->off > r->next)
		gap(r, h->off - r->next, why, &h->meta);
	pull(r);
}

/* Counts waiting pieces whose bytes differ from p's for the same offsets. */
static void compare_buffered(struct tcp_reasm *r, uint64_t start, const uint8_t *p, size_t n)
{
	for (struct tcp_seg *h = r->ooo; h && h->off < start + n; h = h->next) {
		uint64_t a = h->off > start ? h->off : start;
		uint64_t b = h->off + h->len < start + n ? h->off + h->len : start + n;
		if (a < b && memcmp(h->data + (a - h->off), p + (a - start), (size_t)(b - a)) != 0)
			r->conflicts++;
	}
}

static struct tcp_seg *seg_new(struct tcp_reasm *r, uint64_t off, const uint8_t *p, size_t n, uint64_t cut,
			       const struct pkt_meta *m)
{
	struct tcp_seg *s = malloc(sizeof *s + n);
	if (!s)
		return NULL;
	s->next = NULL;
	s->off = off;
	s->len = n;
	s->cut = cut;
	s->meta = *m;
	if (n)
		memcpy(s->data, p, n);
	r->buffered += sizeof *s + n;
	return s;
}

/*
 * Stores [start, start+n) where no waiting piece has bytes yet (the first
 * copy wins), plus a zero-length marker for a snaplen cut after it.
 */
static void ooo_insert(struct tcp_reasm *r, uint64_t start, const uint8_t *p, size_t n, uint64_t cut,
		       const struct pkt_meta *m)
{
	struct tcp_seg **pp = &r->ooo;
	uint64_t pos = start, end = start + n;
	while (pos < end) {
		while (*pp && (*pp)->off + (*pp)->len <= pos)
			pp = &(*pp)->next;
		/* Now *pp is NULL or ends past pos; if it starts at or before pos, its bytes win. */
		struct tcp_seg *h = *pp;
		if (h && h->off <= pos) {
			pos = h->off + h->len < end ? h->off + h->len : end;
			pp = &h->next;
			continue;
		}
		uint64_t stop = h && h->off < end ? h->off : end;
		struct tcp_seg *s = seg_new(r, pos, p + (pos - start), (size_t)(stop - pos), 0, m);
		if (!s)
			return; /* out of memory: these bytes will be a gap */
		s->next = *pp;
		*pp = s;
		pp = &s->next;
		pos = stop;
	}
	if (cut) {
		while (*pp && (*pp)->off <= end)
			pp = &(*pp)->next;
		struct tcp_seg *s = seg_new(r, end, NULL, 0, cut, m);
		if (s) {
			s->next = *pp;
			*pp = s;
		}
	}
}

static void fin_check(struct tcp_reasm *r, const struct pkt_meta *m)
{
	if (r->fin && !r->fin_done && r->next >= r->fin_off) {
		r->fin_done = true;
		r->ops->fin(r->ctx, m);
	}
}

void tcp_reasm_segment(struct tcp_reasm *r, uint32_t seq, uint8_t flags, const uint8_t *p, size_t n, size_t wire,
		       const struct pkt_meta *m)
{
	if (!r->started) {
		r->started = true;
		r->syn = flags & TCP_SYN;
		r->base_seq = r->syn ? seq + 1 : seq;
	}
	if (flags & TCP_SYN)
		seq++;
	if (wire < n)
		wire = n;

	uint32_t next_seq = r->base_seq + (uint32_t)r->next;
	int64_t start = (int64_t)r->next + (int32_t)(seq - next_seq);
	int64_t end = start + (int64_t)wire;
	size_t avail = n;
	uint64_t cut = wire - n;

	if ((flags & TCP_FIN) && !r->fin && end >= 0) {
		r->fin = true;
		r->fin_off = (uint64_t)end;
	}
	/* Nothing is sent after a FIN (RFC 9293 section 3.6): bytes past it are ignored. */
	if (r->fin && end > (int64_t)r->fin_off) {
		int64_t keep = (int64_t)r->fin_off - start;
		keep = keep < 0 ? 0 : keep;
		if ((uint64_t)keep < avail) {
			avail = (size_t)keep;
			cut = 0;
		} else {
			cut = (uint64_t)keep - avail;
		}
	}

	for (bool compared = false;; compared = true) {
		/* Bytes before next were delivered (or given up) already: the first copy wins. */
		if (start < (int64_t)r->next) {
			uint64_t skip = (uint64_t)((int64_t)r->next - start);
			if (skip >= avail + cut) {
				r->retransmitted += avail + cut;
				avail = 0;
				cut = 0;
			} else if (skip <= avail) {
				r->retransmitted += skip;
				p += skip;
				avail -= (size_t)skip;
			} else {
				r->retransmitted += skip;
				cut -= skip - avail;
				p += avail;
				avail = 0;
			}
			start = (int64_t)r->next;
		}
		if (!avail && !cut)
			break;
		if (avail && !compared)
			compare_buffered(r, (uint64_t)start, p, avail);
		if (start == (int64_t)r->next) {
			/* In order: deliver in place up to the first waiting piece (which lies past next). */
			uint64_t lim = r->ooo ? r->ooo->off : UINT64_MAX;
			size_t take = (uint64_t)start + avail <= lim ? avail : (size_t)(lim - (uint64_t)start);
			deliver(r, p, take, m);
			p += take;
			avail -= take;
			start += (int64_t)take;
			if (!avail && cut && (uint64_t)start < lim) {
				uint64_t c = cut < lim - (uint64_t)start ? cut : lim - (uint64_t)start;
				gap(r, c, TCP_GAP_SNAPLEN, m);
				cut -= c;
				start += (int64_t)c;
			}
			pull(r);
			continue;
		}
		/* Past a hole: wait for it, within the bound. */
		if (r->buffered + avail + 2 * sizeof(struct tcp_seg) <= r->max_buffered) {
			ooo_insert(r, (uint64_t)start, p, avail, cut, m);
			break;
		}
		if (r->ooo)
			flush_first_hole(r, TCP_GAP_OVERFLOW);
		else
			gap(r, (uint64_t)start - r->next, TCP_GAP_OVERFLOW, m);
	}
	fin_check(r, m);
}

void tcp_reasm_finish(struct tcp_reasm *r, const struct pkt_meta *m)
{
	while (r->ooo)
		flush_first_hole(r, TCP_GAP_LOST);
	if (r->fin && r->next < r->fin_off)
		gap(r, r->fin_off - r->next, TCP_GAP_LOST, m);
	fin_check(r, m);
}

void tcp_reasm_free(struct tcp_reasm *r)
{
	while (r->ooo) {
		struct tcp_seg *s = r->ooo;
		r->ooo = s->next;
		seg_free(r, s);
	}
}
