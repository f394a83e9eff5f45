/*
 * packet.h - one captured frame down to its TCP segment: link layer,
 * IPv4/IPv6, TCP.  Pure parsing through struct cursor; no libpcap.
 *
 * The outcome follows STYLE.md section 3: DECODE_TRUNCATED when the capture
 * cut the frame (snaplen), DECODE_MALFORMED when a length field lies.  A
 * frame whose TCP header is complete but whose payload was cut is
 * DECODE_TRUNCATED with kind PKT_TCP: the segment is usable, payload_len
 * tells what is there and payload_wire what was sent.
 */
#ifndef TLSDIAG_DECODE_PACKET_H
#define TLSDIAG_DECODE_PACKET_H

#include "harness/core/err.h"

#include <stddef.h>
#include <stdint.h>

/* Link layers we read; pcap_io maps libpcap's DLT_ values onto these. */
enum link_type {
	LINK_UNSUPPORTED = 0,
	LINK_EN10MB, /* Ethernet II, optionally one or two 802.1Q/802.1ad tags */
	LINK_LINUX_SLL, /* Linux "cooked" v1, 16-byte header */
	LINK_LINUX_SLL2, /* Linux "cooked" v2, 20-byte header */
	LINK_RAW, /* raw IP, version from the first nibble */
	LINK_IPV4,
	LINK_IPV6,
	LINK_NULL, /* BSD loopback: 4-byte AF_ value in the capturing host's order */
	LINK_LOOP, /* OpenBSD loopback: 4-byte AF_ value in network order */
};

enum pkt_kind {
	PKT_OTHER = 0, /* not IP, or IP but not TCP: skipped */
	PKT_FRAGMENT, /* an IP fragment: noted and skipped */
	PKT_TCP,
};

/* TCP flags (RFC 9293 section 3.1). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

struct packet {
	enum pkt_kind kind;
	uint8_t ipver; /* 4 or 6; 0 when not IP */
	uint8_t src[16], dst[16]; /* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *payload; /* points into the frame */
	size_t payload_len; /* bytes captured */
	size_t payload_wire; /* bytes the segment carried; > payload_len when snaplen cut it */
	const char *why; /* for TRUNCATED/MALFORMED/skipped: a short static reason */
};

/*
 * Decodes frame (caplen bytes captured of wirelen sent) of link type lt.
 * Fills *pkt as far as it got; pkt->kind says whether a TCP segment is usable.
 */
enum decode_status packet_decode(enum link_type lt, const uint8_t *frame, size_t caplen, size_t wirelen,
				 struct packet *pkt);

/* "192.0.2.1:443" or "[2001:db8::1]:443". */
void packet_format_endpoint(uint8_t ipver, const uint8_t addr[16], uint16_t port, char *buf, size_t buflen);

const char *link_type_name(enum link_type lt);

#endif
