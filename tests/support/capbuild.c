/* capbuild.c - frames and capture files built by hand for the tests (see capbuild.h). */
#include "tests/support/capbuild.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

size_t cb_ip_tcp(const struct cb_seg *s, uint8_t *out, size_t cap)
{
	size_t ih = s->ver == 6 ? 40 : 20, len = ih + 20 + s->n;
	if (len > cap)
		return 0;
	memset(out, 0, ih + 20);
	if (s->ver == 6) {
		out[0] = 0x60;
		be16(out + 4, (uint16_t)(20 + s->n));
		out[6] = 6;
		out[7] = 64;
		inet_pton(AF_INET6, s->src, out + 8);
		inet_pton(AF_INET6, s->dst, out + 24);
	} else {
		out[0] = 0x45;
		be16(out + 2, (uint16_t)len);
		out[6] = 0x40; /* don't fragment */
		out[8] = 64;
		out[9] = 6;
		inet_pton(AF_INET, s->src, out + 12);
		inet_pton(AF_INET, s->dst, out + 16);
	}
	uint8_t *t = out + ih;
	be16(t, s->sport);
	be16(t + 2, s->dport);
	be32(t + 4, s->seq);
	be32(t + 8, s->ack);
	t[12] = 5 << 4;
	t[13] = s->flags;
	be16(t + 14, 65535);
	if (s->n)
		memcpy(t + 20, s->data, s->n);
	return len;
}

size_t cb_frame(uint32_t linktype, int vlan, const uint8_t *ip, size_t iplen, uint8_t *out, size_t cap)
{
	uint8_t h[32];
	size_t hl = 0;
	int v6 = iplen && ip[0] >> 4 == 6;
	uint16_t etype = v6 ? 0x86dd : 0x0800;
	memset(h, 0, sizeof h);
	switch (linktype) {
	case CB_LINKTYPE_EN10MB:
		memcpy(h, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
		hl = 12;
		if (vlan) {
			be16(h + hl, 0x8100);
			be16(h + hl + 2, 42);
			hl += 4;
		}
		be16(h + hl, etype);
		hl += 2;
		break;
	case CB_LINKTYPE_LINUX_SLL:
		be16(h + 2, 772); /* ARPHRD_LOOPBACK */
		be16(h + 4, 6);
		be16(h + 14, etype);
		hl = 16;
		break;
	case CB_LINKTYPE_LINUX_SLL2:
		be16(h, etype);
		be32(h + 4, 1);
		be16(h + 8, 772);
		h[11] = 6;
		hl = 20;
		break;
	case CB_LINKTYPE_NULL: /* host order: little-endian here */
		h[0] = v6 ? 30 : 2;
		hl = 4;
		break;
	case CB_LINKTYPE_LOOP:
		h[3] = v6 ? 24 : 2;
		hl = 4;
		break;
	default: /* RAW, IPV4, IPV6 */
		break;
	}
	if (hl + iplen > cap)
		return 0;
	memcpy(out, h, hl);
	memcpy(out + hl, ip, iplen);
	return hl + iplen;
}

FILE *cb_pcap_open(const char *path, uint32_t linktype, uint32_t snaplen)
{
	FILE *f = fopen(path, "wb");
	uint32_t h[6] = { 0xa1b2c3d4, 2 | (4u << 16), 0, 0, snaplen, linktype };
	if (f)
		fwrite(h, sizeof h, 1, f); /* host order, as libpcap writes */
	return f;
}

void cb_pcap_frame(FILE *f, uint32_t sec, uint32_t usec, const uint8_t *p, size_t caplen, size_t len)
{
	uint32_t h[4] = { sec, usec, (uint32_t)caplen, (uint32_t)len };
	fwrite(h, sizeof h, 1, f);
	fwrite(p, 1, caplen, f);
}

/* pcapng (draft-ietf-opsawg-pcapng): blocks of type, total length, body, total length again. */
void cb_pcapng_block(FILE *f, uint32_t type, const uint8_t *body, size_t n)
{
	static const uint8_t pad[4];
	uint32_t total = (uint32_t)(12 + ((n + 3) & ~(size_t)3));
	fwrite(&type, 4, 1, f);
	fwrite(&total, 4, 1, f);
	fwrite(body, 1, n, f);
	fwrite(pad, 1, ((n + 3) & ~(size_t)3) - n, f);
	fwrite(&total, 4, 1, f);
}

FILE *cb_pcapng_open(const char *path, uint16_t linktype, uint32_t snaplen)
{
	FILE *f = fopen(path, "wb");
	uint8_t shb[16], idb[8];
	uint32_t magic = 0x1a2b3c4d;
	uint16_t major = 1, minor = 0, reserved = 0;
	int64_t seclen = -1;
	if (!f)
		return NULL;
	memcpy(shb, &magic, 4);
	memcpy(shb + 4, &major, 2);
	memcpy(shb + 6, &minor, 2);
	memcpy(shb + 8, &seclen, 8);
	cb_pcapng_block(f, 0x0a0d0d0a, shb, sizeof shb);
	memcpy(idb, &linktype, 2);
	memcpy(idb + 2, &reserved, 2);
	memcpy(idb + 4, &snaplen, 4);
	cb_pcapng_block(f, 1, idb, sizeof idb);
	return f;
}

void cb_pcapng_frame(FILE *f, uint32_t sec, uint32_t usec, const uint8_t *p, size_t caplen, size_t len)
{
	uint8_t body[20 + 65536];
	uint64_t ts = (uint64_t)sec * 1000000 + usec; /* default resolution: microseconds */
	uint32_t v[5] = { 0, (uint32_t)(ts >> 32), (uint32_t)ts, (uint32_t)caplen, (uint32_t)len };
	if (caplen > 65536)
		return;
	memcpy(body, v, sizeof v);
	memcpy(body + 20, p, caplen);
	cb_pcapng_block(f, 6, body, 20 + caplen);
}

void cb_pcap_seg(FILE *f, uint32_t sec, const struct cb_seg *s)
{
	uint8_t ip[2048], fr[2100];
	size_t n = cb_ip_tcp(s, ip, sizeof ip);
	size_t fl = cb_frame(CB_LINKTYPE_EN10MB, 0, ip, n, fr, sizeof fr);
	cb_pcap_frame(f, sec, 0, fr, fl, fl);
}
