/* test_packet.c - link layers, IPv4/IPv6 and TCP headers: ok, truncated, malformed. */
#include "harness/decode/packet.h"
#include "tests/support/capbuild.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t hello[] = "\x16\x03\x01\x00\x05hello";

static struct cb_seg seg4(void)
{
	struct cb_seg s = { 4, "10.0.0.1", "10.0.0.2", 40000, 443, 1000, 2000, 0x18, hello, 10 };
	return s;
}

static struct cb_seg seg6(void)
{
	struct cb_seg s = { 6, "2001:db8::1", "2001:db8::2", 40000, 443, 1000, 2000, 0x18, hello, 10 };
	return s;
}

/* Frames s with linktype's header and decodes it as lt, whole. */
static enum decode_status decode_as(uint32_t linktype, enum link_type lt, int vlan, const struct cb_seg *s,
				    struct packet *p)
{
	static uint8_t ip[2048], fr[2100];
	size_t n = cb_ip_tcp(s, ip, sizeof ip);
	size_t fl = cb_frame(linktype, vlan, ip, n, fr, sizeof fr);
	return packet_decode(lt, fr, fl, fl, p);
}

static void assert_tcp(const struct packet *p, int ver)
{
	ck_assert_int_eq(p->kind, PKT_TCP);
	ck_assert_uint_eq(p->ipver, ver);
	ck_assert_uint_eq(p->sport, 40000);
	ck_assert_uint_eq(p->dport, 443);
	ck_assert_uint_eq(p->seq, 1000);
	ck_assert_uint_eq(p->ack, 2000);
	ck_assert_uint_eq(p->flags, TCP_ACK | TCP_PSH);
	ck_assert_uint_eq(p->payload_len, 10);
	ck_assert_uint_eq(p->payload_wire, 10);
	ck_assert(memcmp(p->payload, hello, 10) == 0);
}

START_TEST(each_link_type_ipv4_and_ipv6)
{
	static const struct {
		uint32_t file;
		enum link_type lt;
		int vlan;
	} links[] = {
		{ CB_LINKTYPE_EN10MB, LINK_EN10MB, 0 },
		{ CB_LINKTYPE_EN10MB, LINK_EN10MB, 1 },
		{ CB_LINKTYPE_LINUX_SLL, LINK_LINUX_SLL, 0 },
		{ CB_LINKTYPE_LINUX_SLL2, LINK_LINUX_SLL2, 0 },
		{ CB_LINKTYPE_RAW, LINK_RAW, 0 },
		{ CB_LINKTYPE_NULL, LINK_NULL, 0 },
		{ CB_LINKTYPE_LOOP, LINK_LOOP, 0 },
	};
	struct packet p;
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		struct cb_seg s4 = seg4(), s6 = seg6();
		ck_assert_int_eq(decode_as(links[i].file, links[i].lt, links[i].vlan, &s4, &p), DECODE_OK);
		assert_tcp(&p, 4);
		ck_assert_int_eq(decode_as(links[i].file, links[i].lt, links[i].vlan, &s6, &p), DECODE_OK);
		assert_tcp(&p, 6);
	}
	struct cb_seg s4 = seg4(), s6 = seg6();
	ck_assert_int_eq(decode_as(CB_LINKTYPE_IPV4, LINK_IPV4, 0, &s4, &p), DECODE_OK);
	assert_tcp(&p, 4);
	ck_assert_int_eq(decode_as(CB_LINKTYPE_IPV6, LINK_IPV6, 0, &s6, &p), DECODE_OK);
	assert_tcp(&p, 6);
}
END_TEST

START_TEST(bsd_loopback_af_values_both_orders)
{
	static const uint8_t afs[] = { 2, 24, 28, 30 };
	uint8_t ip[256], fr[300];
	struct packet p;
	for (size_t i = 0; i < sizeof afs; i++) {
		struct cb_seg s = afs[i] == 2 ? seg4() : seg6();
		size_t n = cb_ip_tcp(&s, ip, sizeof ip);
		memcpy(fr + 4, ip, n);
		for (int order = 0; order < 2; order++) {
			memset(fr, 0, 4);
			fr[order ? 3 : 0] = afs[i];
			ck_assert_int_eq(packet_decode(LINK_NULL, fr, n + 4, n + 4, &p), DECODE_OK);
			assert_tcp(&p, afs[i] == 2 ? 4 : 6);
			ck_assert_int_eq(packet_decode(LINK_LOOP, fr, n + 4, n + 4, &p), DECODE_OK);
			assert_tcp(&p, afs[i] == 2 ? 4 : 6);
		}
	}
	memset(fr, 0, 4);
	fr[3] = 7; /* another family: skipped */
	ck_assert_int_eq(packet_decode(LINK_LOOP, fr, 40, 40, &p), DECODE_OK);
	ck_assert_int_eq(p.kind, PKT_OTHER);
}
END_TEST

START_TEST(ipv6_extension_headers_are_skipped)
{
	struct cb_seg s = seg6();
	uint8_t ip[256], x[300];
	struct packet p;
	size_t n = cb_ip_tcp(&s, ip, sizeof ip);
	/* fixed header, then hop-by-hop (8 bytes) and destination options (16 bytes), then TCP */
	memcpy(x, ip, 40);
	memset(x + 40, 0, 24);
	x[6] = 0; /* next: hop-by-hop */
	x[40] = 60; /* next: destination options */
	x[41] = 0;
	x[48] = 6; /* next: TCP */
	x[49] = 1;
	memcpy(x + 64, ip + 40, n - 40);
	x[4] = (uint8_t)((n - 40 + 24) >> 8);
	x[5] = (uint8_t)(n - 40 + 24);
	ck_assert_int_eq(packet_decode(LINK_IPV6, x, n + 24, n + 24, &p), DECODE_OK);
	assert_tcp(&p, 6);
	/* a fragment header: noted, skipped */
	x[48] = 44;
	ck_assert_int_eq(packet_decode(LINK_IPV6, x, n + 24, n + 24, &p), DECODE_OK);
	ck_assert_int_eq(p.kind, PKT_FRAGMENT);
	/* an extension header longer than the payload */
	x[49] = 200;
	ck_assert_int_eq(packet_decode(LINK_IPV6, x, n + 24, n + 24, &p), DECODE_MALFORMED);
}
END_TEST

START_TEST(ipv4_fragments_and_other_protocols_skipped)
{
	struct cb_seg s = seg4();
	uint8_t ip[256];
	struct packet p;
	size_t n = cb_ip_tcp(&s, ip, sizeof ip);
	ip[6] = 0x20; /* more fragments */
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_OK);
	ck_assert_int_eq(p.kind, PKT_FRAGMENT);
	ip[6] = 0x00;
	ip[7] = 0x10; /* a fragment offset */
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_OK);
	ck_assert_int_eq(p.kind, PKT_FRAGMENT);
	ip[7] = 0;
	ip[9] = 17; /* UDP */
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_OK);
	ck_assert_int_eq(p.kind, PKT_OTHER);
	/* ARP over Ethernet */
	uint8_t arp[60] = { 0 };
	arp[12] = 0x08;
	arp[13] = 0x06;
	ck_assert_int_eq(packet_decode(LINK_EN10MB, arp, 60, 60, &p), DECODE_OK);
	ck_assert_int_eq(p.kind, PKT_OTHER);
}
END_TEST

START_TEST(ethernet_padding_and_tso_lengths)
{
	struct cb_seg s = seg4();
	s.n = 0;
	uint8_t ip[256], fr[300];
	struct packet p;
	size_t n = cb_ip_tcp(&s, ip, sizeof ip);
	size_t fl = cb_frame(CB_LINKTYPE_EN10MB, 0, ip, n, fr, sizeof fr);
	memset(fr + fl, 0xee, 60 - fl); /* padded to the Ethernet minimum */
	ck_assert_int_eq(packet_decode(LINK_EN10MB, fr, 60, 60, &p), DECODE_OK);
	ck_assert_uint_eq(p.payload_len, 0);
	/* total length 0 (segmentation offload): the frame's length is used */
	s = seg4();
	n = cb_ip_tcp(&s, ip, sizeof ip);
	ip[2] = ip[3] = 0;
	ck_assert_int_eq(packet_decode(LINK_RAW, ip, n, n, &p), DECODE_OK);
	assert_tcp(&p, 4);
}
END_TEST

START_TEST(snaplen_cuts_are_truncated)
{
	struct cb_seg s = seg4();
	uint8_t ip[256], fr[300];
	struct packet p;
	size_t n = cb_ip_tcp(&s, ip, sizeof ip);
	size_t fl = cb_frame(CB_LINKTYPE_EN10MB, 0, ip, n, fr, sizeof fr);
	/* payload cut: the segment is usable, 4 of 10 bytes are there */
	ck_assert_int_eq(packet_decode(LINK_EN10MB, fr, fl - 6, fl, &p), DECODE_TRUNCATED);
	ck_assert_int_eq(p.kind, PKT_TCP);
	ck_assert_uint_eq(p.payload_len, 4);
	ck_assert_uint_eq(p.payload_wire, 10);
	/* TCP header cut */
	ck_assert_int_eq(packet_decode(LINK_EN10MB, fr, 14 + 20 + 10, fl, &p), DECODE_TRUNCATED);
	ck_assert_int_eq(p.kind, PKT_OTHER);
	/* IPv4 header cut */
	ck_assert_int_eq(packet_decode(LINK_EN10MB, fr, 14 + 8, fl, &p), DECODE_TRUNCATED);
	/* Ethernet header cut */
	ck_assert_int_eq(packet_decode(LINK_EN10MB, fr, 10, fl, &p), DECODE_TRUNCATED);
	/* SLL2 header cut */
	ck_assert_int_eq(packet_decode(LINK_LINUX_SLL2, fr, 10, fl, &p), DECODE_TRUNCATED);
	/* IPv6 header cut */
	struct cb_seg s6 = seg6();
	n = cb_ip_tcp(&s6, ip, sizeof ip);
	ck_assert_int_eq(packet_decode(LINK_IPV6, ip, 30, n, &p), DECODE_TRUNCATED);
	ck_assert_int_eq(packet_decode(LINK_IPV6, ip, n - 1, n, &p), DECODE_TRUNCATED);
	ck_assert_int_eq(p.kind, PKT_TCP);
	ck_assert_uint_eq(p.payload_len, 9);
}
END_TEST

START_TEST(lying_lengths_are_malformed)
{
	struct cb_seg s = seg4();
	uint8_t ip[256];
	struct packet p;
	size_t n = cb_ip_tcp(&s, ip, sizeof ip);
	/* the frame is whole (caplen == len) but too short for a header: the sender's fault */
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, 12, 12, &p), DECODE_MALFORMED);
	ck_assert_int_eq(packet_decode(LINK_EN10MB, ip, 10, 10, &p), DECODE_MALFORMED);
	/* total length past the frame */
	ip[3] = (uint8_t)(n + 1);
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_MALFORMED);
	ip[3] = (uint8_t)n;
	/* total length shorter than the header */
	ip[3] = 10;
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_MALFORMED);
	ip[3] = (uint8_t)n;
	/* header length below 5 words */
	ip[0] = 0x44;
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_MALFORMED);
	ip[0] = 0x45;
	/* TCP data offset below 5 and past the segment */
	ip[20 + 12] = 4 << 4;
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_MALFORMED);
	ip[20 + 12] = 15 << 4;
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_MALFORMED);
	ip[20 + 12] = 5 << 4;
	ck_assert_int_eq(packet_decode(LINK_IPV4, ip, n, n, &p), DECODE_OK);
	/* IPv6 payload length past the frame */
	struct cb_seg s6 = seg6();
	n = cb_ip_tcp(&s6, ip, sizeof ip);
	ip[5] = (uint8_t)(ip[5] + 1);
	ck_assert_int_eq(packet_decode(LINK_IPV6, ip, n, n, &p), DECODE_MALFORMED);
	/* not IP at all on a raw link, and an unsupported link */
	ip[0] = 0x20;
	ck_assert_int_eq(packet_decode(LINK_RAW, ip, n, n, &p), DECODE_OK);
	ck_assert_int_eq(p.kind, PKT_OTHER);
	ck_assert_int_eq(packet_decode(LINK_UNSUPPORTED, ip, n, n, &p), DECODE_MALFORMED);
	ck_assert_int_eq(packet_decode(LINK_RAW, ip, 0, 0, &p), DECODE_MALFORMED);
}
END_TEST

START_TEST(endpoints_format)
{
	uint8_t a4[16] = { 192, 0, 2, 1 }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char buf[64];
	a6[15] = 1;
	packet_format_endpoint(4, a4, 443, buf, sizeof buf);
	ck_assert_str_eq(buf, "192.0.2.1:443");
	packet_format_endpoint(6, a6, 8443, buf, sizeof buf);
	ck_assert_str_eq(buf, "[2001:db8::1]:8443");
	ck_assert_str_eq(link_type_name(LINK_LINUX_SLL2), "LINUX_SLL2");
	ck_assert_str_eq(link_type_name(LINK_UNSUPPORTED), "unsupported");
}
END_TEST

static Suite *packet_suite(void)
{
	Suite *s = suite_create("packet");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, each_link_type_ipv4_and_ipv6);
	tcase_add_test(tc, bsd_loopback_af_values_both_orders);
	tcase_add_test(tc, ipv6_extension_headers_are_skipped);
	tcase_add_test(tc, ipv4_fragments_and_other_protocols_skipped);
	tcase_add_test(tc, ethernet_padding_and_tso_lengths);
	tcase_add_test(tc, snaplen_cuts_are_truncated);
	tcase_add_test(tc, lying_lengths_are_malformed);
	tcase_add_test(tc, endpoints_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(packet_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
