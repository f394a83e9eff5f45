/*
 * packet.c - link layer, IPv4 (RFC 791), IPv6 (RFC 8200) and TCP (RFC 9293)
 * headers of one captured frame, read through struct cursor.
 *
 * How lengths are judged, as tcpdump does: every layer knows two sizes,
 * what the capture holds (the cursor) and what was on the wire (the frame's
 * original length minus the headers before).  A header that the capture
 * holds only partly, but the wire had whole, was cut by snaplen: TRUNCATED.
 * A length field that points past what was on the wire is a lie: MALFORMED.
 * Bytes past the IP total length (Ethernet padding) are ignored.
 */
#include "harness/decode/packet.h"

#include "harness/core/cursor.h"
#include "harness/core/tok.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100 /* IEEE 802.1Q */
#define ETHERTYPE_QINQ 0x88a8 /* IEEE 802.1ad */
#define IPPROTO_TCP_ 6

/* IPv6 extension headers we step over (RFC 8200 section 4). */
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_DSTOPTS 60

enum net_proto {
	NET_OTHER,
	NET_IPV4,
	NET_IPV6,
	NET_BY_VERSION, /* raw IP: look at the version nibble */
};

/* Bytes of the frame, captured and on the wire, that follow what the cursor has read. */
struct span {
	struct cursor c;
	size_t wire;
};

static const struct tok link_names[] = {
	{ LINK_EN10MB, "EN10MB" },
	{ LINK_LINUX_SLL, "LINUX_SLL" },
	{ LINK_LINUX_SLL2, "LINUX_SLL2" },
	{ LINK_RAW, "RAW" },
	{ LINK_IPV4, "IPV4" },
	{ LINK_IPV6, "IPV6" },
	{ LINK_NULL, "NULL" },
	{ LINK_LOOP, "LOOP" },
	{ 0, NULL },
};

const char *link_type_name(enum link_type lt)
{
	const char *s = tok_name(link_names, lt);
	return s ? s : "unsupported";
}

/* A header of `need` bytes is not all in the capture: cut by snaplen, or never sent whole. */
static enum decode_status short_header(struct packet *pkt, const struct span *s, size_t need, const char *why)
{
	pkt->why = why;
	return s->wire >= need ? DECODE_TRUNCATED : DECODE_MALFORMED;
}

static bool span_skip(struct span *s, size_t n)
{
	if (!cursor_skip(&s->c, n))
		return false;
	s->wire = s->wire > n ? s->wire - n : 0;
	return true;
}

/* h becomes the next n captured bytes (a header) and s moves past them; false when they are not all there. */
static bool span_header(struct span *s, size_t n, struct cursor *h)
{
	if (!cursor_sub(&s->c, n, h))
		return false;
	s->wire = s->wire > n ? s->wire - n : 0;
	return true;
}

static enum net_proto ethertype_proto(uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4:
		return NET_IPV4;
	case ETHERTYPE_IPV6:
		return NET_IPV6;
	default:
		return NET_OTHER;
	}
}

/* AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
static enum net_proto af_proto(uint32_t af)
{
	switch (af) {
	case 2:
		return NET_IPV4;
	case 24:
	case 28:
	case 30:
		return NET_IPV6;
	default:
		return NET_OTHER;
	}
}

/* A fixed-size link header of hlen bytes with a 16-bit EtherType at type_at. */
static enum decode_status link_fixed(struct span *s, struct packet *pkt, size_t hlen, size_t type_at, const char *why,
				     uint16_t *type)
{
	struct cursor h;
	if (!span_header(s, hlen, &h))
		return short_header(pkt, s, hlen, why);
	cursor_skip(&h, type_at);
	cursor_u16(&h, type);
	return DECODE_OK;
}

/*
 * Ethernet II, with one 802.1Q tag or an 802.1ad outer tag and an 802.1Q
 * inner one (IEEE 802.3 length frames are not IP: NET_OTHER).
 */
static enum decode_status link_ethernet(struct span *s, struct packet *pkt, enum net_proto *np)
{
	uint16_t type = 0;
	enum decode_status st = link_fixed(s, pkt, 14, 12, "Ethernet header cut", &type);
	for (int tags = 0; st == DECODE_OK && tags < 2 && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); tags++)
		st = link_fixed(s, pkt, 4, 2, "VLAN tag cut", &type);
	*np = ethertype_proto(type);
	return st;
}

/*
 * Linux cooked captures: v1 is packet type, ARPHRD, address length, 8
 * address bytes, then the protocol (16 bytes); v2 puts the protocol first
 * (20 bytes).
 */
static enum decode_status link_sll(struct span *s, struct packet *pkt, enum net_proto *np, bool v2)
{
	uint16_t type = 0;
	enum decode_status st = v2 ? link_fixed(s, pkt, 20, 0, "Linux cooked v2 header cut", &type)
				   : link_fixed(s, pkt, 16, 14, "Linux cooked header cut", &type);
	*np = ethertype_proto(type);
	return st;
}

/*
 * BSD loopback: a 4-byte address family.  DLT_NULL writes it in the
 * capturing host's order and DLT_LOOP in network order, but files from
 * either are seen written both ways, so both orders are tried.
 */
static enum decode_status link_loopback(struct span *s, struct packet *pkt, enum net_proto *np, bool net_order)
{
	struct cursor h;
	uint8_t b[4];
	if (!span_header(s, 4, &h))
		return short_header(pkt, s, 4, "loopback header cut");
	cursor_copy(&h, b, 4);
	uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	uint32_t le = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
	*np = af_proto(net_order ? be : le);
	if (*np == NET_OTHER)
		*np = af_proto(net_order ? le : be);
	if (*np == NET_OTHER)
		pkt->why = "loopback frame of another address family";
	return DECODE_OK;
}

static enum decode_status link_decode(enum link_type lt, struct span *s, struct packet *pkt, enum net_proto *np)
{
	switch (lt) {
	case LINK_EN10MB:
		return link_ethernet(s, pkt, np);
	case LINK_LINUX_SLL:
		return link_sll(s, pkt, np, false);
	case LINK_LINUX_SLL2:
		return link_sll(s, pkt, np, true);
	case LINK_NULL:
		return link_loopback(s, pkt, np, false);
	case LINK_LOOP:
		return link_loopback(s, pkt, np, true);
	case LINK_RAW:
		*np = NET_BY_VERSION;
		return DECODE_OK;
	case LINK_IPV4:
		*np = NET_IPV4;
		return DECODE_OK;
	case LINK_IPV6:
		*np = NET_IPV6;
		return DECODE_OK;
	case LINK_UNSUPPORTED:
	default:
		pkt->why = "unsupported link type";
		return DECODE_MALFORMED;
	}
}

/* The TCP header (RFC 9293 section 3.1) and payload of a segment of seg_wire bytes. */
static enum decode_status tcp_decode(struct span *s, struct packet *pkt)
{
	uint16_t off_flags;
	size_t hlen;
	if (cursor_left(&s->c) < 20)
		return short_header(pkt, s, 20, "TCP header cut");
	cursor_u16(&s->c, &pkt->sport);
	cursor_u16(&s->c, &pkt->dport);
	cursor_u32(&s->c, &pkt->seq);
	cursor_u32(&s->c, &pkt->ack);
	cursor_u16(&s->c, &off_flags);
	cursor_skip(&s->c, 6); /* window, checksum, urgent pointer */
	hlen = (size_t)(off_flags >> 12) * 4;
	pkt->flags = (uint8_t)(off_flags & 0xff);
	if (hlen < 20 || hlen > s->wire) {
		pkt->why = "TCP data offset out of range";
		return DECODE_MALFORMED;
	}
	if (!cursor_skip(&s->c, hlen - 20)) {
		pkt->why = "TCP options cut";
		return DECODE_TRUNCATED;
	}
	pkt->kind = PKT_TCP;
	pkt->payload_wire = s->wire - hlen;
	pkt->payload_len = cursor_left(&s->c);
	cursor_bytes(&s->c, pkt->payload_len, &pkt->payload);
	if (pkt->payload_len < pkt->payload_wire) {
		pkt->why = "TCP payload cut by snaplen";
		return DECODE_TRUNCATED;
	}
	return DECODE_OK;
}

/*
 * Narrows s, which starts at an IP header, to the `len` bytes the IP
 * length fields give, dropping what follows (link-layer padding).
 */
static enum decode_status ip_datagram(struct span *s, struct packet *pkt, size_t len, const char *why)
{
	struct cursor sub;
	if (len > s->wire) {
		pkt->why = why;
		return DECODE_MALFORMED;
	}
	size_t have = cursor_left(&s->c) < len ? cursor_left(&s->c) : len;
	cursor_sub(&s->c, have, &sub);
	s->c = sub;
	s->wire = len;
	return DECODE_OK;
}

/* The transport after the IP headers: TCP, or a reason to skip. */
static enum decode_status ip_transport(struct span *s, struct packet *pkt, uint8_t proto)
{
	if (proto != IPPROTO_TCP_) {
		pkt->why = "not TCP";
		return DECODE_OK;
	}
	return tcp_decode(s, pkt);
}

static enum decode_status ipv4_decode(struct span *s, struct packet *pkt)
{
	struct cursor h = s->c;
	uint8_t vihl, proto;
	uint16_t total, frag;
	if (cursor_left(&h) < 20)
		return short_header(pkt, s, 20, "IPv4 header cut");
	cursor_u8(&h, &vihl);
	cursor_skip(&h, 1);
	cursor_u16(&h, &total);
	cursor_skip(&h, 2);
	cursor_u16(&h, &frag);
	cursor_skip(&h, 1);
	cursor_u8(&h, &proto);
	cursor_skip(&h, 2);
	cursor_copy(&h, pkt->src, 4);
	cursor_copy(&h, pkt->dst, 4);
	pkt->ipver = 4;
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || hlen < 20) {
		pkt->why = "bad IPv4 version or header length";
		return DECODE_MALFORMED;
	}
	/* A total length of 0 is what TCP segmentation offload leaves in locally captured packets. */
	size_t tlen = total ? total : s->wire;
	if (tlen < hlen) {
		pkt->why = "IPv4 total length shorter than its header";
		return DECODE_MALFORMED;
	}
	enum decode_status st = ip_datagram(s, pkt, tlen, "IPv4 total length past the frame");
	if (st != DECODE_OK)
		return st;
	if (!span_skip(s, hlen))
		return short_header(pkt, s, hlen, "IPv4 options cut");
	/* More-fragments flag or a fragment offset (RFC 791 section 3.1). */
	if (frag & 0x3fff) {
		pkt->kind = PKT_FRAGMENT;
		pkt->why = "IPv4 fragment";
		return DECODE_OK;
	}
	return ip_transport(s, pkt, proto);
}

static enum decode_status ipv6_decode(struct span *s, struct packet *pkt)
{
	struct cursor h = s->c;
	uint8_t v, nh;
	uint16_t plen;
	if (cursor_left(&h) < 40)
		return short_header(pkt, s, 40, "IPv6 header cut");
	cursor_u8(&h, &v);
	cursor_skip(&h, 3);
	cursor_u16(&h, &plen);
	cursor_u8(&h, &nh);
	cursor_skip(&h, 1);
	cursor_copy(&h, pkt->src, 16);
	cursor_copy(&h, pkt->dst, 16);
	pkt->ipver = 6;
	if (v >> 4 != 6) {
		pkt->why = "bad IPv6 version";
		return DECODE_MALFORMED;
	}
	/* 0: a jumbogram (RFC 2675) or segmentation offload; take what the frame holds. */
	size_t len = plen ? (size_t)plen + 40 : s->wire;
	enum decode_status st = ip_datagram(s, pkt, len, "IPv6 payload length past the frame");
	if (st != DECODE_OK)
		return st;
	span_skip(s, 40);
	/* Every extension header is at least 8 bytes, so this loop ends. */
	while (nh == IP6_HOPOPTS || nh == IP6_ROUTING || nh == IP6_DSTOPTS) {
		uint8_t len8;
		if (!cursor_peek_u8(&s->c, 1, &len8))
			return short_header(pkt, s, 2, "IPv6 extension header cut");
		cursor_peek_u8(&s->c, 0, &nh);
		size_t xlen = ((size_t)len8 + 1) * 8;
		if (!span_header(s, xlen, &h))
			return short_header(pkt, s, xlen, "IPv6 extension header cut");
	}
	if (nh == IP6_FRAGMENT) {
		pkt->kind = PKT_FRAGMENT;
		pkt->why = "IPv6 fragment";
		return DECODE_OK;
	}
	return ip_transport(s, pkt, nh);
}

enum decode_status packet_decode(enum link_type lt, const uint8_t *frame, size_t caplen, size_t wirelen,
				 struct packet *pkt)
{
	struct span s = { cursor_make(frame, caplen), wirelen > caplen ? wirelen : caplen };
	enum net_proto np = NET_OTHER;
	uint8_t v;

	memset(pkt, 0, sizeof *pkt);
	enum decode_status st = link_decode(lt, &s, pkt, &np);
	if (st != DECODE_OK)
		return st;
	if (np == NET_BY_VERSION) {
		if (!cursor_peek_u8(&s.c, 0, &v))
			return short_header(pkt, &s, 1, "raw IP frame empty");
		np = v >> 4 == 4 ? NET_IPV4 : v >> 4 == 6 ? NET_IPV6 : NET_OTHER;
	}
	switch (np) {
	case NET_IPV4:
		return ipv4_decode(&s, pkt);
	case NET_IPV6:
		return ipv6_decode(&s, pkt);
	case NET_OTHER:
	case NET_BY_VERSION:
	default:
		if (!pkt->why)
			pkt->why = "not IP";
		return DECODE_OK;
	}
}

void packet_format_endpoint(uint8_t ipver, const uint8_t addr[16], uint16_t port, char *buf, size_t buflen)
{
	char ip[INET6_ADDRSTRLEN];
	if (ipver == 6 && inet_ntop(AF_INET6, addr, ip, sizeof ip))
		snprintf(buf, buflen, "[%s]:%u", ip, (unsigned)port);
	else if (ipver == 4 && inet_ntop(AF_INET, addr, ip, sizeof ip))
		snprintf(buf, buflen, "%s:%u", ip, (unsigned)port);
	else
		snprintf(buf, buflen, "?:%u", (unsigned)port);
}
