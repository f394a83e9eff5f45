/*
 * frame.h - building an Ethernet/IPv4/TCP frame: the relay synthesises its
 * capture.  A TCP segment is described with decode/packet.h's struct packet,
 * the same type packet_decode() fills when reading one back (live capture
 * and the tests read frames only through packet_decode()).
 */
#ifndef TLSDIAG_CAPTURE_FRAME_H
#define TLSDIAG_CAPTURE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "harness/decode/packet.h"

#define FRAME_ETH_LEN 14
#define FRAME_IP4_LEN 20
#define FRAME_TCP_LEN 20
#define FRAME_HDRS_LEN (FRAME_ETH_LEN + FRAME_IP4_LEN + FRAME_TCP_LEN)
/* The largest TCP payload one IPv4 datagram carries: 65535 - 20 - 20 (RFC 791 total length). */
#define FRAME_MAX_PAYLOAD 65495

/*
 * Builds Ethernet (zero MACs, as Linux "lo" shows them) + IPv4 + TCP + n
 * payload bytes into buf, with correct IP and TCP checksums.  Of t it uses
 * ipver (must be 4), src, dst, sport, dport, seq, ack (sent only with
 * TCP_ACK), flags, payload and payload_len (at most FRAME_MAX_PAYLOAD).
 * Returns the frame length, or 0 when it does not fit in cap.
 */
size_t frame_build_tcp4(uint8_t *buf, size_t cap, const struct packet *t, uint16_t ip_id);

#endif
