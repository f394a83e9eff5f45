/*
 * capbuild.h - test support: TCP/IP frames and pcap/pcapng files built by
 * hand, byte by byte (not through libpcap, so the reader is tested against
 * the file formats themselves).
 */
#ifndef TLSDIAG_TESTS_CAPBUILD_H
#define TLSDIAG_TESTS_CAPBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* On-file link type numbers (tcpdump.org/linktypes.html). */
#define CB_LINKTYPE_NULL 0
#define CB_LINKTYPE_EN10MB 1
#define CB_LINKTYPE_RAW 101
#define CB_LINKTYPE_LOOP 108
#define CB_LINKTYPE_LINUX_SLL 113
#define CB_LINKTYPE_IPV4 228
#define CB_LINKTYPE_IPV6 229
#define CB_LINKTYPE_LINUX_SLL2 276

/* One TCP segment; ver 4 or 6, addresses in text. */
struct cb_seg {
	int ver;
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const void *data;
	size_t n;
};

/* The IP datagram carrying s; returns its length (0 if cap is too small). */
size_t cb_ip_tcp(const struct cb_seg *s, uint8_t *out, size_t cap);
/* ip prefixed by the link header of linktype (VLAN-tagged Ethernet when vlan). */
size_t cb_frame(uint32_t linktype, int vlan, const uint8_t *ip, size_t iplen, uint8_t *out, size_t cap);

/* Capture file writers.  Frames: caplen bytes of p are written, len is the wire length. */
FILE *cb_pcap_open(const char *path, uint32_t linktype, uint32_t snaplen);
FILE *cb_pcapng_open(const char *path, uint16_t linktype, uint32_t snaplen);
void cb_pcap_frame(FILE *f, uint32_t sec, uint32_t usec, const uint8_t *p, size_t caplen, size_t len);
void cb_pcapng_frame(FILE *f, uint32_t sec, uint32_t usec, const uint8_t *p, size_t caplen, size_t len);
/* One raw pcapng block of any type: the body is padded to 4 bytes and framed by its total length. */
void cb_pcapng_block(FILE *f, uint32_t type, const uint8_t *body, size_t n);

/* Convenience: one segment as a complete Ethernet frame appended to a pcap file. */
void cb_pcap_seg(FILE *f, uint32_t sec, const struct cb_seg *s);

#endif
