/*
 * flow.h - the TCP connections of a capture: a table keyed by the 4-tuple
 * that feeds each TLS connection's two directions, put in order by
 * tcp_reasm, to a struct tls_conn.
 *
 * A connection is emitted (the callback) as soon as it closes (FIN both
 * ways, or RST) and then freed, so memory follows the connections open at
 * one time, not the size of the file.  flow_table_finish() emits the rest.
 */
#ifndef TLSDIAG_DECODE_FLOW_H
#define TLSDIAG_DECODE_FLOW_H

#include "harness/decode/packet.h"
#include "harness/decode/tls_conn.h"

#include <stddef.h>
#include <stdint.h>

struct keylog;

struct flow_opts {
	uint16_t port; /* nonzero: only connections to or from this port, all taken as TLS */
	size_t max_buffered; /* per direction: out-of-order bytes waiting for a hole; 0: a default */
	size_t max_closed; /* closed connections remembered to drop their late packets; 0: a default */
	const struct keylog *keylog; /* secrets for every connection (tls_conn_set_keylog), or NULL */
	size_t memory_budget; /* bytes for all flows, their TLS state and buffers; 0: FLOW_DEFAULT_BUDGET */
};

#define FLOW_DEFAULT_BUDGET ((size_t)64 * 1024 * 1024)

struct flow_stats {
	uint64_t connections; /* TLS connections emitted */
	uint64_t not_tls; /* TCP connections dropped: not TLS, or no payload */
	uint64_t open_max; /* most connections open at once */
	uint64_t late_packets; /* packets of connections already closed */
	uint64_t tails; /* bare FIN/ACK/RST ends of connections begun before the capture */
	uint64_t conflicts; /* retransmitted bytes that differ from the first copy */
	uint64_t gaps, gap_bytes; /* bytes the capture lost inside TLS streams */
	uint64_t evicted; /* open connections reported early and forgotten: the budget was reached */
	uint64_t evicted_bytes; /* what they held */
	uint64_t evicted_first_frame; /* the frame at which the first was evicted */
	size_t memory_peak; /* most bytes held at once (as counted against the budget) */
	size_t memory_budget; /* the budget in force */
};

struct flow_table;

/* emit gets each finished connection; the table frees it when emit returns. */
struct flow_table *flow_table_new(const struct flow_opts *o, void (*emit)(void *ctx, struct tls_conn *c),
				  void *ctx);
/* One packet; only PKT_TCP ones matter (a snaplen-cut payload is fine). */
void flow_table_packet(struct flow_table *t, const struct packet *pkt, const struct pkt_meta *m);
/* The capture ended: finish and emit every open connection, oldest first.  m: the last frame. */
void flow_table_finish(struct flow_table *t, const struct pkt_meta *m);
const struct flow_stats *flow_table_stats(const struct flow_table *t);
size_t flow_table_open(const struct flow_table *t);
void flow_table_free(struct flow_table *t);

#endif
