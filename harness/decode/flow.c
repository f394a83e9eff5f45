/*
 * flow.c - TCP connections of a capture and their TLS (see flow.h).
 *
 * How this works.  A connection's key is its 4-tuple with the lower
 * (address, port) endpoint first, so both directions find one entry; its
 * two sides are indexed 0 (the lower endpoint sends) and 1.  Entries live
 * in a chained hash table that doubles when full.
 *
 * States: DETECT (waiting for the first payload byte, which
 * tls_looks_like_tls() judges), TLS (fed to a tls_conn), IGNORED (not TLS:
 * only the key is kept, so later packets are not judged again), CLOSED (a
 * tombstone: late retransmissions and the last ACK of a finished
 * connection are dropped instead of starting a bogus mid-stream one).
 * Tombstones are kept in a FIFO of bounded length.  A SYN on a known key
 * that is not a copy of the connection's own SYN is port reuse: the old
 * connection is closed and a new one starts.
 *
 * Memory.  Every flow is charged what it holds (the flow, its tls_conn's
 * footprint, both directions' out-of-order buffers), recomputed after each
 * of its packets, against one budget for the table.  Past the budget the
 * least recently active open flows (a second list, in order of their last
 * packet) are evicted: reported as they stand (holes become gaps), then
 * kept as tombstones like closed ones, so their late packets are counted
 * and dropped instead of starting a mid-stream connection.  decode.c turns
 * the counts into a note.  The flow that brought the packet is never the
 * one evicted.
 *
 * Which side is the client (RFC 9293 section 3.5: the side that sends the
 * first SYN): the SYN sender; without a SYN, the side whose first bytes
 * are a ClientHello; then the side not on --port; last, the higher port
 * (clients use ephemeral ports).
 */
#include "harness/decode/flow.h"

#include "harness/core/cursor.h"
#include "harness/decode/tcp_reasm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_BUFFERED (1024 * 1024)
#define DEFAULT_MAX_CLOSED 4096
#define INITIAL_BUCKETS 256

enum flow_state {
	FLOW_DETECT,
	FLOW_TLS,
	FLOW_IGNORED,
	FLOW_CLOSED,
};

struct flow_key {
	uint8_t ver;
	uint8_t addr[2][16];
	uint16_t port[2];
};

struct flow;

struct flow_side {
	struct flow *f;
	uint8_t idx;
	bool syn, fin;
	uint32_t syn_seq;
	struct tcp_reasm rs;
};

struct flow {
	struct flow *hnext; /* hash chain */
	struct flow *prev, *next; /* the open list (by age) or the tombstone FIFO */
	struct flow *lru_prev, *lru_next; /* open flows by last activity, least recent first */
	size_t charged; /* bytes counted against the budget for this flow */
	struct flow_table *t;
	struct flow_key key;
	enum flow_state state;
	int client; /* side index, -1 while unknown */
	struct flow_side side[2];
	struct tls_conn *conn;
	bool substantive; /* a SYN or a payload byte seen: more than the tail of an older connection */
};

struct flow_list {
	struct flow *head, *tail;
	size_t n;
};

struct flow_table {
	struct flow_opts o;
	void (*emit)(void *ctx, struct tls_conn *c);
	void *ctx;
	struct flow **buckets;
	size_t nbuckets, count;
	struct flow_list open, closed;
	struct flow *lru_head, *lru_tail;
	size_t mem; /* bytes charged, all flows */
	struct flow_stats st;
};

static void side_data(void *ctx, const uint8_t *p, size_t n, const struct pkt_meta *m);
static void side_gap(void *ctx, uint64_t missing, enum tcp_gap_reason why, const struct pkt_meta *m);
static void side_fin(void *ctx, const struct pkt_meta *m);

static const struct tcp_reasm_ops side_ops = { side_data, side_gap, side_fin };

/* FNV-1a over the key's bytes (padding is zeroed when a key is built). */
static size_t key_hash(const struct flow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < sizeof *k; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 32));
}

/* The key of pkt's connection; *side is the index of pkt's sender. */
static void key_make(const struct packet *pkt, struct flow_key *k, int *side)
{
	size_t alen = pkt->ipver == 6 ? 16 : 4;
	int c = memcmp(pkt->src, pkt->dst, alen);
	bool src_low = c < 0 || (c == 0 && pkt->sport <= pkt->dport);
	memset(k, 0, sizeof *k);
	k->ver = pkt->ipver;
	*side = src_low ? 0 : 1;
	memcpy(k->addr[*side], pkt->src, alen);
	memcpy(k->addr[!*side], pkt->dst, alen);
	k->port[*side] = pkt->sport;
	k->port[!*side] = pkt->dport;
}

static void list_push(struct flow_list *l, struct flow *f)
{
	f->next = NULL;
	f->prev = l->tail;
	if (l->tail)
		l->tail->next = f;
	else
		l->head = f;
	l->tail = f;
	l->n++;
}

static void list_remove(struct flow_list *l, struct flow *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		l->head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NULL;
	l->n--;
}

static void lru_remove(struct flow_table *t, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else if (t->lru_head == f)
		t->lru_head = f->lru_next;
	else
		return; /* not on the list */
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_touch(struct flow_table *t, struct flow *f)
{
	if (t->lru_tail == f)
		return;
	lru_remove(t, f);
	f->lru_prev = t->lru_tail;
	if (t->lru_tail)
		t->lru_tail->lru_next = f;
	else
		t->lru_head = f;
	t->lru_tail = f;
}

/* What f holds now, charged against the budget. */
static void flow_charge(struct flow_table *t, struct flow *f)
{
	size_t now = sizeof *f + f->side[0].rs.buffered + f->side[1].rs.buffered;
	if (f->conn)
		now += tls_conn_footprint(f->conn);
	t->mem = t->mem - f->charged + now;
	f->charged = now;
	if (t->mem > t->st.memory_peak)
		t->st.memory_peak = t->mem;
}

static struct flow *table_find(const struct flow_table *t, const struct flow_key *k)
{
	for (struct flow *f = t->buckets[key_hash(k) & (t->nbuckets - 1)]; f; f = f->hnext)
		if (memcmp(&f->key, k, sizeof *k) == 0)
			return f;
	return NULL;
}

static void table_unlink(struct flow_table *t, struct flow *f)
{
	struct flow **pp = &t->buckets[key_hash(&f->key) & (t->nbuckets - 1)];
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp) {
		*pp = f->hnext;
		t->count--;
	}
}

static void table_grow(struct flow_table *t)
{
	size_t n = t->nbuckets * 2;
	struct flow **b = calloc(n, sizeof *b);
	if (!b)
		return; /* keep the longer chains */
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct flow *f = t->buckets[i], *next;
		for (; f; f = next) {
			next = f->hnext;
			size_t h = key_hash(&f->key) & (n - 1);
			f->hnext = b[h];
			b[h] = f;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

struct flow_table *flow_table_new(const struct flow_opts *o, void (*emit)(void *ctx, struct tls_conn *c),
				  void *ctx)
{
	struct flow_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->o = *o;
	if (!t->o.memory_budget)
		t->o.memory_budget = FLOW_DEFAULT_BUDGET;
	t->st.memory_budget = t->o.memory_budget;
	if (!t->o.max_buffered)
		t->o.max_buffered = DEFAULT_MAX_BUFFERED;
	if (!t->o.max_closed)
		t->o.max_closed = DEFAULT_MAX_CLOSED;
	t->emit = emit;
	t->ctx = ctx;
	t->nbuckets = INITIAL_BUCKETS;
	t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	return t;
}

static struct flow *flow_new(struct flow_table *t, const struct flow_key *k)
{
	struct flow *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	if (t->count >= t->nbuckets)
		table_grow(t);
	f->t = t;
	f->key = *k;
	f->client = -1;
	if (!t->o.port)
		f->state = FLOW_DETECT;
	else
		f->state = k->port[0] == t->o.port || k->port[1] == t->o.port ? FLOW_TLS : FLOW_IGNORED;
	for (int i = 0; i < 2; i++) {
		f->side[i].f = f;
		f->side[i].idx = (uint8_t)i;
		tcp_reasm_init(&f->side[i].rs, t->o.max_buffered, &side_ops, &f->side[i]);
	}
	size_t h = key_hash(k) & (t->nbuckets - 1);
	f->hnext = t->buckets[h];
	t->buckets[h] = f;
	t->count++;
	list_push(&t->open, f);
	if (t->open.n > t->st.open_max)
		t->st.open_max = t->open.n;
	return f;
}

/* The first bytes of a ClientHello: a handshake record holding message type 1 (RFC 8446 section 5.1,
 * 4), or an SSLv2-format CLIENT-HELLO (RFC 5246 appendix E.2). */
static bool looks_like_client_hello(const uint8_t *p, size_t n)
{
	struct cursor c = cursor_make(p, n);
	uint8_t type, hs;
	if (!cursor_u8(&c, &type))
		return false;
	if (type & 0x80)
		return cursor_skip(&c, 1) && cursor_u8(&c, &hs) && hs == 1;
	return type == 22 && cursor_skip(&c, 4) && cursor_u8(&c, &hs) && hs == 1;
}

static enum tls_dir side_dir(const struct flow *f, int idx)
{
	return idx == f->client ? TLS_FROM_CLIENT : TLS_FROM_SERVER;
}

/* The tls_conn, created on first need once the client is settled. */
static struct tls_conn *flow_conn(struct flow *f)
{
	char a[64], b[64];
	const struct flow_key *k = &f->key;
	uint16_t port = f->t->o.port;
	if (f->conn)
		return f->conn;
	if (f->client < 0) {
		if (port && (k->port[0] == port) != (k->port[1] == port))
			f->client = k->port[0] == port ? 1 : 0;
		else
			f->client = k->port[1] > k->port[0] ? 1 : 0;
	}
	int c = f->client;
	packet_format_endpoint(k->ver, k->addr[c], k->port[c], a, sizeof a);
	packet_format_endpoint(k->ver, k->addr[!c], k->port[!c], b, sizeof b);
	f->conn = tls_conn_new(a, b);
	if (f->conn && f->t->o.keylog)
		tls_conn_set_keylog(f->conn, f->t->o.keylog);
	return f->conn;
}

static void side_data(void *ctx, const uint8_t *p, size_t n, const struct pkt_meta *m)
{
	struct flow_side *s = ctx;
	struct flow *f = s->f;
	if (f->state == FLOW_DETECT)
		f->state = tls_looks_like_tls(p, n) ? FLOW_TLS : FLOW_IGNORED;
	if (f->state != FLOW_TLS)
		return;
	if (!f->conn && f->client < 0 && looks_like_client_hello(p, n))
		f->client = s->idx;
	if (flow_conn(f))
		tls_conn_data(f->conn, side_dir(f, s->idx), p, n, m);
}

static void side_gap(void *ctx, uint64_t missing, enum tcp_gap_reason why, const struct pkt_meta *m)
{
	struct flow_side *s = ctx;
	struct flow *f = s->f;
	/* A gap before the first byte leaves nothing to detect TLS by; the next bytes decide. */
	if (f->state != FLOW_TLS || !flow_conn(f))
		return;
	f->t->st.gaps++;
	f->t->st.gap_bytes += missing;
	if (why == TCP_GAP_SNAPLEN)
		tls_conn_snaplen_cut(f->conn, side_dir(f, s->idx), m);
	tls_conn_gap(f->conn, side_dir(f, s->idx), missing, m);
}

static void side_fin(void *ctx, const struct pkt_meta *m)
{
	struct flow_side *s = ctx;
	struct flow *f = s->f;
	if (f->state == FLOW_TLS && flow_conn(f))
		tls_conn_tcp_event(f->conn, side_dir(f, s->idx), TCP_EV_FIN, m);
}

/* Settles the streams, emits the connection if it is TLS, and drops its buffers. */
static void flow_settle(struct flow *f, int rst_side, const struct pkt_meta *m)
{
	struct flow_table *t = f->t;
	if (f->state == FLOW_TLS || f->state == FLOW_DETECT) {
		int first = f->client == 1 ? 1 : 0;
		tcp_reasm_finish(&f->side[first].rs, m);
		tcp_reasm_finish(&f->side[!first].rs, m);
	}
	if (!f->substantive && f->state != FLOW_CLOSED) {
		/* Only the closing packets of a connection that began before the capture:
		 * there is nothing of it to report (seen when a capture starts right after
		 * a readiness probe). */
		t->st.tails++;
	} else if (f->state == FLOW_TLS && flow_conn(f)) {
		if (rst_side >= 0)
			tls_conn_tcp_event(f->conn, side_dir(f, rst_side), TCP_EV_RST, m);
		tls_conn_finish(f->conn);
		t->st.connections++;
		t->emit(t->ctx, f->conn);
		tls_conn_free(f->conn);
		f->conn = NULL;
	} else if (f->state != FLOW_CLOSED) {
		t->st.not_tls++;
	}
	/* A tail's FIN or gap may have made a tls_conn that is not reported. */
	if (f->conn) {
		tls_conn_free(f->conn);
		f->conn = NULL;
	}
	for (int i = 0; i < 2; i++) {
		t->st.conflicts += f->side[i].rs.conflicts;
		tcp_reasm_free(&f->side[i].rs);
	}
}

static void flow_destroy(struct flow_table *t, struct flow *f)
{
	table_unlink(t, f);
	lru_remove(t, f);
	t->mem -= f->charged;
	free(f);
}

/* A closed connection: emitted now, then kept as a tombstone. */
static void flow_close(struct flow *f, int rst_side, const struct pkt_meta *m)
{
	struct flow_table *t = f->t;
	flow_settle(f, rst_side, m);
	f->state = FLOW_CLOSED;
	lru_remove(t, f);
	flow_charge(t, f);
	list_remove(&t->open, f);
	list_push(&t->closed, f);
	if (t->closed.n > t->o.max_closed) {
		struct flow *old = t->closed.head;
		list_remove(&t->closed, old);
		flow_destroy(t, old);
	}
}

static void flow_forget(struct flow_table *t, struct flow *f)
{
	list_remove(f->state == FLOW_CLOSED ? &t->closed : &t->open, f);
	flow_destroy(t, f);
}

/* Past the budget: the least recently active open flows other than keep, reported and made tombstones. */
static void flow_evict(struct flow_table *t, const struct flow *keep, const struct pkt_meta *m)
{
	while (t->mem > t->o.memory_budget && t->lru_head && t->lru_head != keep) {
		struct flow *f = t->lru_head;
		if (!t->st.evicted)
			t->st.evicted_first_frame = m->frame;
		t->st.evicted++;
		t->st.evicted_bytes += f->charged;
		flow_close(f, -1, m);
	}
}

void flow_table_packet(struct flow_table *t, const struct packet *pkt, const struct pkt_meta *m)
{
	struct flow_key k;
	int si;
	if (pkt->kind != PKT_TCP)
		return;
	key_make(pkt, &k, &si);
	bool syn_only = (pkt->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
	struct flow *f = table_find(t, &k);
	if (f && f->state == FLOW_CLOSED) {
		if (!syn_only) {
			t->st.late_packets++;
			return;
		}
		flow_forget(t, f);
		f = NULL;
	} else if (f && syn_only && f->side[si].rs.started &&
		   !(f->side[si].syn && f->side[si].syn_seq == pkt->seq)) {
		flow_close(f, -1, m); /* the port is reused by a new connection */
		flow_forget(t, f);
		f = NULL;
	}
	if (!f && !(f = flow_new(t, &k)))
		return; /* out of memory: this packet is lost */

	struct flow_side *s = &f->side[si];
	if ((pkt->flags & TCP_SYN) || pkt->payload_wire)
		f->substantive = true;
	if ((pkt->flags & TCP_SYN) && !s->syn) {
		s->syn = true;
		s->syn_seq = pkt->seq;
		if (f->client < 0 && !f->conn)
			f->client = (pkt->flags & TCP_ACK) ? !si : si;
	}
	if (pkt->flags & TCP_FIN)
		s->fin = true;
	if (f->state == FLOW_DETECT || f->state == FLOW_TLS)
		tcp_reasm_segment(&s->rs, pkt->seq, pkt->flags, pkt->payload, pkt->payload_len, pkt->payload_wire, m);
	if (f->state == FLOW_IGNORED) {
		tcp_reasm_free(&f->side[0].rs);
		tcp_reasm_free(&f->side[1].rs);
	}
	if (pkt->flags & TCP_RST) {
		flow_close(f, si, m);
	} else if (f->side[0].fin && f->side[1].fin) {
		flow_close(f, -1, m);
	} else {
		flow_charge(t, f);
		lru_touch(t, f);
	}
	flow_evict(t, f, m);
}

void flow_table_finish(struct flow_table *t, const struct pkt_meta *m)
{
	while (t->open.head) {
		struct flow *f = t->open.head;
		flow_settle(f, -1, m);
		flow_forget(t, f);
	}
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
	return &t->st;
}

size_t flow_table_open(const struct flow_table *t)
{
	return t->open.n;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct flow *f = t->buckets[i], *next;
		for (; f; f = next) {
			next = f->hnext;
			tcp_reasm_free(&f->side[0].rs);
			tcp_reasm_free(&f->side[1].rs);
			if (f->conn)
				tls_conn_free(f->conn);
			free(f);
		}
	}
	free(t->buckets);
	free(t);
}
