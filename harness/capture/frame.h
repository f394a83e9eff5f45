/*
 * frame.h - the few TCP/IP frame operations capture needs: build an
 * Ethernet/IPv4/TCP frame (the relay synthesises its capture) and peek at
 * the TCP endpoints and flags of a captured frame (live capture watches for
 * the connection's SYN, FIN and RST).  Full decoding is decode/'s job.
 */
#ifndef TLSDIAG_CAPTURE_FRAME_H
#define TLSDIAG_CAPTURE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "harness/core/err.h"

/* TCP flags (RFC 9293 section 3.1). */
enum {
	FRAME_FIN = 0x01,
	FRAME_SYN = 0x02,
	FRAME_RST = 0x04,
	FRAME_PSH = 0x08,
	FRAME_ACK = 0x10,
};

#define FRAME_ETH_LEN 14
#define FRAME_IP4_LEN 20
#define FRAME_TCP_LEN 20
#define FRAME_HDRS_LEN (FRAME_ETH_LEN + FRAME_IP4_LEN + FRAME_TCP_LEN)
/* The largest TCP payload one IPv4 datagram carries: 65535 - 20 - 20 (RFC 791 total length). */
#define FRAME_MAX_PAYLOAD 65495

/* One TCP segment's endpoints and header fields; addresses in network order. */
struct frame_tcp {
	int family; /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	size_t payload_len; /* as the IP length says, even when the capture cut it */
	size_t payload_off; /* where the payload starts in the frame (may be past caplen) */
};

/*
 * Builds Ethernet (zero MACs, as Linux "lo" shows them) + IPv4 + TCP + n
 * payload bytes into buf, with correct IP and TCP checksums.  t->family must
 * be AF_INET and n at most FRAME_MAX_PAYLOAD.  Returns the frame length, or
 * 0 when it does not fit in cap.
 */
size_t frame_build_tcp4(uint8_t *buf, size_t cap, const struct frame_tcp *t, uint16_t ip_id, const uint8_t *payload,
			size_t n);

/*
 * Reads the TCP header of a captured frame of the given link type (the
 * PCAP_IO_DLT_* values).  OK; TRUNCATED when the capture cut the headers;
 * MALFORMED when it is not IPv4/IPv6 + TCP or a header lies.
 */
enum decode_status frame_peek_tcp(int linktype, const uint8_t *p, size_t caplen, struct frame_tcp *out);

/* "ip:port", or "[v6]:port", into buf; returns buf. */
const char *frame_endpoint(int family, const uint8_t *addr, uint16_t port, char *buf, size_t len);

#endif
