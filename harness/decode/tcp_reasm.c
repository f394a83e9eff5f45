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
 * past `next` waits, copied, until the hole before it fills: pieces of
 * data in a treap ordered by offset (non-overlapping, so their ends are
 * ordered too and "the first piece ending past x" is one descent), and
 * snaplen-cut markers (zero bytes, a count of cut bytes) in a second treap,
 * since a marker may lie inside a data piece's range.  Every operation is
 * O(log n) expected, so n shuffled one-byte segments cost O(n log n), not
 * the O(n^2) of a sorted list walked from its head.  Where two copies of the same bytes
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
	struct tcp_seg *l, *r; /* treap children; heap order by seg_prio() */
	uint64_t off;
	uint32_t len; /* bytes in data[] (a frame's payload: at most 256 KiB) */
	uint32_t cut; /* bytes after data[] that the capture cut (at most an IP datagram) */
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

/* --- the treaps --- */

/*
 * A node's heap priority, computed rather than stored (the node stays the
 * size it had as a list node): its address mixed (splitmix64's finaliser),
 * unrelated to the offsets a capture chooses.
 */
static uint64_t seg_prio(const struct tcp_seg *s)
{
	uint64_t x = (uint64_t)(uintptr_t)s;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* Inserts s by offset (equal offsets: after the ones there). */
static struct tcp_seg *treap_insert(struct tcp_seg *t, struct tcp_seg *s)
{
	if (!t)
		return s;
	if (s->off < t->off) {
		t->l = treap_insert(t->l, s);
		if (seg_prio(t->l) > seg_prio(t)) {
			struct tcp_seg *x = t->l;
			t->l = x->r;
			x->r = t;
			return x;
		}
	} else {
		t->r = treap_insert(t->r, s);
		if (seg_prio(t->r) > seg_prio(t)) {
			struct tcp_seg *x = t->r;
			t->r = x->l;
			x->l = t;
			return x;
		}
	}
	return t;
}

static struct tcp_seg *treap_min(struct tcp_seg *t)
{
	while (t && t->l)
		t = t->l;
	return t;
}

/* Unlinks the smallest node (it has no left child: its right subtree takes its place). */
static struct tcp_seg *treap_pop_min(struct tcp_seg **root)
{
	struct tcp_seg **pp = root;
	if (!*pp)
		return NULL;
	while ((*pp)->l)
		pp = &(*pp)->l;
	struct tcp_seg *s = *pp;
	*pp = s->r;
	s->r = NULL;
	return s;
}

/* The first data piece ending past pos (pieces do not overlap: ends grow with offsets). */
static struct tcp_seg *data_ending_after(struct tcp_seg *t, uint64_t pos)
{
	struct tcp_seg *best = NULL;
	while (t) {
		if (t->off + t->len > pos) {
			best = t;
			t = t->l;
		} else {
			t = t->r;
		}
	}
	return best;
}

/* The first waiting piece, data or marker (data first at equal offsets, as they were inserted). */
static struct tcp_seg *ooo_first(const struct tcp_reasm *r, bool *is_data)
{
	struct tcp_seg *d = treap_min(r->ooo), *c = treap_min(r->cuts);
	*is_data = d && (!c || d->off <= c->off);
	return *is_data ? d : c;
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
	bool is_data;
	while ((h = ooo_first(r, &is_data)) && h->off <= r->next) {
		treap_pop_min(is_data ? &r->ooo : &r->cuts);
		uint64_t dend = h->off + h->len;
		if (dend > r->next) {
			size_t skip = (size_t)(r->next - h->off);
			deliver(r, h->data + skip, h->len - skip, &h->meta);
		}
		if (h->cut && dend + h->cut > r->next)
			gap(r, dend + h->cut - r->next, TCP_GAP_SNAPLEN, &h->meta);
		seg_free(r, h);
	}
}

/* Gives up the hole before the first waiting piece. */
static void flush_first_hole(struct tcp_reasm *r, enum tcp_gap_reason why)
{
	bool is_data;
	struct tcp_seg *h = ooo_first(r, &is_data);
	if (h->off > r->next)
		gap(r, h->off - r->next, why, &h->meta);
	pull(r);
}

/* Counts waiting pieces whose bytes differ from p's for the same offsets. */
static void compare_buffered(struct tcp_reasm *r, uint64_t start, const uint8_t *p, size_t n)
{
	for (struct tcp_seg *h = data_ending_after(r->ooo, start); h && h->off < start + n;
	     h = data_ending_after(r->ooo, h->off + h->len)) {
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
	s->l = s->r = NULL;
	s->off = off;
	s->len = (uint32_t)n;
	s->cut = cut > UINT32_MAX ? UINT32_MAX : (uint32_t)cut;
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
	uint64_t pos = start, end = start + n;
	while (pos < end) {
		/* h: NULL or the first piece ending past pos; if it starts at or before pos, its bytes win. */
		struct tcp_seg *h = data_ending_after(r->ooo, pos);
		if (h && h->off <= pos) {
			pos = h->off + h->len < end ? h->off + h->len : end;
			continue;
		}
		uint64_t stop = h && h->off < end ? h->off : end;
		struct tcp_seg *s = seg_new(r, pos, p + (pos - start), (size_t)(stop - pos), 0, m);
		if (!s)
			return; /* out of memory: these bytes will be a gap */
		r->ooo = treap_insert(r->ooo, s);
		pos = stop;
	}
	if (cut) {
		struct tcp_seg *s = seg_new(r, end, NULL, 0, cut, m);
		if (s)
			r->cuts = treap_insert(r->cuts, s);
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
			bool is_data;
			const struct tcp_seg *first = ooo_first(r, &is_data);
			uint64_t lim = first ? first->off : UINT64_MAX;
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
		if (r->ooo || r->cuts)
			flush_first_hole(r, TCP_GAP_OVERFLOW);
		else
			gap(r, (uint64_t)start - r->next, TCP_GAP_OVERFLOW, m);
	}
	fin_check(r, m);
}

void tcp_reasm_finish(struct tcp_reasm *r, const struct pkt_meta *m)
{
	while (r->ooo || r->cuts)
		flush_first_hole(r, TCP_GAP_LOST);
	if (r->fin && r->next < r->fin_off)
		gap(r, r->fin_off - r->next, TCP_GAP_LOST, m);
	fin_check(r, m);
}

void tcp_reasm_free(struct tcp_reasm *r)
{
	struct tcp_seg *s;
	while ((s = treap_pop_min(&r->ooo)) != NULL)
		seg_free(r, s);
	while ((s = treap_pop_min(&r->cuts)) != NULL)
		seg_free(r, s);
}
