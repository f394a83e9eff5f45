/*
 * frame.c - build an Ethernet/IPv4/TCP frame (RFC 791, RFC 9293).
 *
 * Building writes our own bytes into our own buffer.  Reading captured
 * (untrusted) frames is decode/packet.c's job (packet_decode), through the
 * cursor.
 */
#include "harness/capture/frame.h"

#include <string.h>

enum {
	ETHERTYPE_IPV4 = 0x0800,
	IPPROTO_TCP_NUM = 6,
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

size_t frame_build_tcp4(uint8_t *buf, size_t cap, const struct packet *t, uint16_t ip_id)
{
	const uint8_t *payload = t->payload;
	const size_t n = t->payload_len;
	const size_t ip = FRAME_ETH_LEN, tcp = FRAME_ETH_LEN + FRAME_IP4_LEN;
	const size_t total = FRAME_HDRS_LEN + n;
	uint8_t pseudo[12];
	uint32_t sum;
	size_t at;

	if (t->ipver != 4 || n > FRAME_MAX_PAYLOAD || total > cap)
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
	at = put32(buf, at, (t->flags & TCP_ACK) ? t->ack : 0);
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
