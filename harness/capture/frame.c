/*
 * frame.c - build an Ethernet/IPv4/TCP frame (RFC 791, RFC 9293) and peek at
 * the TCP header of a captured frame.
 *
 * Building writes our own bytes into our own buffer; peeking reads captured
 * (untrusted) bytes, so it goes through a cursor and never indexes the frame.
 */
#include "harness/capture/frame.h"

#include "harness/capture/pcap_writer.h"
#include "harness/core/cursor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_VLAN = 0x8100,
	ETHERTYPE_QINQ = 0x88a8,
	IPPROTO_TCP_NUM = 6,
	LINKTYPE_RAW_ALT = 101, /* LINKTYPE_RAW as stored in files */
};

static size_t put16(uint8_t *b, size_t at, uint16_t v)
{
	b[at] = (uint8_t)(v >> 8);
	b[at + 1] = (uint8_t)v;
	return at + 2;
}

static size_t put32(uint8_t *b, size_t at, uint32_t v)
{
	at = put16(b, at, (uint16_t)(v >> 16));
	return put16(b, at, (uint16_t)v);
}

/* The Internet checksum's running sum (RFC 1071), folded by csum_fold(). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t frame_build_tcp4(uint8_t *buf, size_t cap, const struct frame_tcp *t, uint16_t ip_id, const uint8_t *payload,
			size_t n)
{
	const size_t ip = FRAME_ETH_LEN, tcp = FRAME_ETH_LEN + FRAME_IP4_LEN;
	const size_t total = FRAME_HDRS_LEN + n;
	uint8_t pseudo[12];
	uint32_t sum;
	size_t at;

	if (t->family != AF_INET || n > FRAME_MAX_PAYLOAD || total > cap)
		return 0;
	/* Ethernet: zero MACs as on Linux loopback, then the type. */
	memset(buf, 0, 12);
	put16(buf, 12, ETHERTYPE_IPV4);

	/* IPv4 (RFC 791 section 3.1): no options, DF set, TTL 64. */
	buf[ip] = 0x45;
	buf[ip + 1] = 0;
	at = put16(buf, ip + 2, (uint16_t)(FRAME_IP4_LEN + FRAME_TCP_LEN + n));
	at = put16(buf, at, ip_id);
	at = put16(buf, at, 0x4000);
	buf[at++] = 64;
	buf[at++] = IPPROTO_TCP_NUM;
	at = put16(buf, at, 0);
	memcpy(buf + at, t->src, 4);
	memcpy(buf + at + 4, t->dst, 4);
	put16(buf, ip + 10, csum_fold(csum_add(0, buf + ip, FRAME_IP4_LEN)));

	/* TCP (RFC 9293 section 3.1): no options, a full window. */
	at = put16(buf, tcp, t->sport);
	at = put16(buf, at, t->dport);
	at = put32(buf, at, t->seq);
	at = put32(buf, at, (t->flags & FRAME_ACK) ? t->ack : 0);
	buf[at++] = (FRAME_TCP_LEN / 4) << 4;
	buf[at++] = t->flags;
	at = put16(buf, at, 65535);
	at = put16(buf, at, 0); /* checksum, filled below */
	put16(buf, at, 0);
	if (n)
		memcpy(buf + FRAME_HDRS_LEN, payload, n);

	/* The checksum covers a pseudo-header of addresses, protocol and length (RFC 9293 3.1). */
	memcpy(pseudo, t->src, 4);
	memcpy(pseudo + 4, t->dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP_NUM;
	put16(pseudo, 10, (uint16_t)(FRAME_TCP_LEN + n));
	sum = csum_add(0, pseudo, sizeof pseudo);
	sum = csum_add(sum, buf + tcp, FRAME_TCP_LEN + n);
	put16(buf, tcp + 16, csum_fold(sum));
	return total;
}

/* Moves c past the link header; *ethertype says what follows. */
static enum decode_status peek_link(int linktype, struct cursor *c, uint16_t *ethertype)
{
	uint8_t v;
	int i;

	switch (linktype) {
	case PCAP_IO_DLT_EN10MB:
		if (!cursor_skip(c, 12) || !cursor_u16(c, ethertype))
			return DECODE_TRUNCATED;
		/* Up to two VLAN tags (IEEE 802.1Q / 802.1ad). */
		for (i = 0; i < 2 && (*ethertype == ETHERTYPE_VLAN || *ethertype == ETHERTYPE_QINQ); i++)
			if (!cursor_skip(c, 2) || !cursor_u16(c, ethertype))
				return DECODE_TRUNCATED;
		return DECODE_OK;
	case PCAP_IO_DLT_LINUX_SLL: /* type, ARPHRD, address length, 8 address bytes, protocol */
		if (!cursor_skip(c, 14) || !cursor_u16(c, ethertype))
			return DECODE_TRUNCATED;
		return DECODE_OK;
	case PCAP_IO_DLT_LINUX_SLL2: /* protocol first, then 18 more bytes */
		if (!cursor_u16(c, ethertype) || !cursor_skip(c, 18))
			return DECODE_TRUNCATED;
		return DECODE_OK;
	case PCAP_IO_DLT_RAW:
	case LINKTYPE_RAW_ALT:
		if (!cursor_peek_u8(c, 0, &v))
			return DECODE_TRUNCATED;
		*ethertype = (v >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
		return DECODE_OK;
	default:
		return DECODE_MALFORMED;
	}
}

/* IPv4 (RFC 791): leaves c on the TCP header, *l4len the bytes the datagram says follow. */
static enum decode_status peek_ip4(struct cursor *c, struct frame_tcp *out, size_t *l4len)
{
	uint8_t vhl, proto;
	uint16_t total, frag;
	size_t hlen;

	if (!cursor_u8(c, &vhl) || !cursor_skip(c, 1) || !cursor_u16(c, &total) || !cursor_skip(c, 2) ||
	    !cursor_u16(c, &frag) || !cursor_skip(c, 1) || !cursor_u8(c, &proto) || !cursor_skip(c, 2) ||
	    !cursor_copy(c, out->src, 4) || !cursor_copy(c, out->dst, 4))
		return DECODE_TRUNCATED;
	hlen = (size_t)(vhl & 0x0f) * 4;
	if ((vhl >> 4) != 4 || hlen < FRAME_IP4_LEN || total < hlen)
		return DECODE_MALFORMED;
	/* A later fragment has no TCP header. */
	if (proto != IPPROTO_TCP_NUM || (frag & 0x1fff) != 0)
		return DECODE_MALFORMED;
	if (!cursor_skip(c, hlen - FRAME_IP4_LEN))
		return DECODE_TRUNCATED;
	out->family = AF_INET;
	*l4len = total - hlen;
	return DECODE_OK;
}

/* IPv6 (RFC 8200): only TCP directly after the fixed header. */
static enum decode_status peek_ip6(struct cursor *c, struct frame_tcp *out, size_t *l4len)
{
	uint32_t vtf;
	uint16_t plen;
	uint8_t next;

	if (!cursor_u32(c, &vtf) || !cursor_u16(c, &plen) || !cursor_u8(c, &next) || !cursor_skip(c, 1) ||
	    !cursor_copy(c, out->src, 16) || !cursor_copy(c, out->dst, 16))
		return DECODE_TRUNCATED;
	if ((vtf >> 28) != 6 || next != IPPROTO_TCP_NUM)
		return DECODE_MALFORMED;
	out->family = AF_INET6;
	*l4len = plen;
	return DECODE_OK;
}

enum decode_status frame_peek_tcp(int linktype, const uint8_t *p, size_t caplen, struct frame_tcp *out)
{
	struct cursor c = cursor_make(p, caplen);
	enum decode_status st;
	uint16_t ethertype = 0, offflags;
	size_t l4len = 0, thlen, tcp_start;

	memset(out, 0, sizeof *out);
	st = peek_link(linktype, &c, &ethertype);
	if (st != DECODE_OK)
		return st;
	switch (ethertype) {
	case ETHERTYPE_IPV4:
		st = peek_ip4(&c, out, &l4len);
		break;
	case ETHERTYPE_IPV6:
		st = peek_ip6(&c, out, &l4len);
		break;
	default:
		st = DECODE_MALFORMED;
		break;
	}
	if (st != DECODE_OK)
		return st;
	tcp_start = c.off;
	if (!cursor_u16(&c, &out->sport) || !cursor_u16(&c, &out->dport) || !cursor_u32(&c, &out->seq) ||
	    !cursor_u32(&c, &out->ack) || !cursor_u16(&c, &offflags))
		return DECODE_TRUNCATED;
	thlen = (size_t)(offflags >> 12) * 4;
	if (thlen < FRAME_TCP_LEN || l4len < thlen)
		return DECODE_MALFORMED;
	out->flags = (uint8_t)offflags;
	out->payload_len = l4len - thlen;
	out->payload_off = tcp_start + thlen;
	return DECODE_OK;
}

const char *frame_endpoint(int family, const uint8_t *addr, uint16_t port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, ip, sizeof ip))
		snprintf(ip, sizeof ip, "?");
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, (unsigned)port);
	return buf;
}
