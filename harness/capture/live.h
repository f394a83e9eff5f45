/*
 * live.h - live capture of one TCP connection with libpcap (through
 * pcap_io), written to a pcap as it happens, in its own thread.
 *
 * The BPF filter is installed before live_start() returns, so a client that
 * connects afterwards is captured from its SYN.  The "followed" connection
 * is the first new one (a SYN without ACK) to server_port, from client_port
 * when that is given; its FIN and RST segments tell when it is over.
 */
#ifndef TLSDIAG_CAPTURE_LIVE_H
#define TLSDIAG_CAPTURE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/decode/pcap_io.h"

struct live;

struct live_opts {
	const char *iface; /* NULL: "lo" */
	uint16_t server_port;
	uint16_t client_port; /* the client's bound local port; 0: any */
	const char *pcap_path;
	bool only_conn; /* write only the followed connection (the filter admits others) */
};

struct live_stats {
	uint64_t packets; /* frames written */
	uint64_t bytes; /* TCP payload bytes of the followed connection, both ways */
	uint64_t received, dropped; /* libpcap's counters: passed the filter, dropped */
	bool connected; /* the followed connection's SYN was seen */
	bool closed; /* ... and its end: FIN both ways, or a RST */
	bool client_fin, server_fin, client_rst, server_rst;
	char client[64], server[64]; /* "ip:port" of the followed connection */
	char filter[96];
	char error[200];
};

/* NULL on failure, with *why (PCAP_IO_PERM: not permitted, the caller may use the relay) and err set. */
struct live *live_start(const struct live_opts *o, enum pcap_io_err *why, char *err, size_t errlen);
/* The BPF filter in use: "tcp port 4433 and tcp port 40001". */
const char *live_filter(const struct live *l);
/* Waits up to timeout_ms (<0: no bound) for the followed connection to close; true when it has. */
bool live_wait_closed(struct live *l, int timeout_ms);
/*
 * The client is done: catches up with what the kernel holds and, when no
 * connection was seen, returns at once; otherwise waits up to timeout_ms for
 * its close.  True when nothing is left to wait for.
 */
bool live_drain(struct live *l, int timeout_ms);
/* Stops, drains what is pending, completes the pcap and frees l.  0, or -1 (err set). */
int live_stop(struct live *l, struct live_stats *st, char *err, size_t errlen);

#endif
