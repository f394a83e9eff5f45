/*
 * test_flow.c - the connection table: who is the client, TLS detection,
 * --port, close on FIN/RST with immediate emission, port reuse, late
 * packets, reordering, gaps, IPv6, and memory that follows open connections.
 * The connections are real tls_conn objects; the checks read their JSON.
 */
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "harness/decode/flow.h"
#include "harness/decode/packet.h"
#include "tests/support/capbuild.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* A minimal TLS 1.2 ClientHello record (RFC 5246 7.4.1.2): one suite, no extensions. */
static const uint8_t client_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x2d, /* handshake record, 45 bytes */
	0x01, 0x00, 0x00, 0x29, /* ClientHello, 41 bytes */
	0x03, 0x03, /* TLS 1.2 */
	1,    2,    3,	  4,	5,    6,    7,	  8,	9,    10,   11,	  12,	13,   14,   15,	  16,
	17,   18,   19,	  20,	21,   22,   23,	  24,	25,   26,   27,	  28,	29,   30,   31,	  32, /* random */
	0x00, /* no session id */
	0x00, 0x02, 0xc0, 0x2f, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x01, 0x00, /* null compression */
};
/* A fatal handshake_failure alert (RFC 5246 7.2). */
static const uint8_t alert40[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };

static struct jv *emitted;
static struct flow_table *ft;
static uint64_t frame;

static void collect(void *ctx, struct tls_conn *c)
{
	(void)ctx;
	jv_push(emitted, tls_conn_to_json(c));
}

static void start_budget(uint16_t port, size_t budget)
{
	struct flow_opts o = { .port = port, .memory_budget = budget };
	emitted = jv_array();
	frame = 0;
	ft = flow_table_new(&o, collect, NULL);
	ck_assert_ptr_nonnull(ft);
}

static void start(uint16_t port)
{
	start_budget(port, 0);
}

/* The capture ends. */
static void finish(void)
{
	struct pkt_meta m = { frame, 0, 0 };
	flow_table_finish(ft, &m);
}

static void stop(void)
{
	flow_table_free(ft);
	jv_free(emitted);
}

/* Sends one segment through packet_decode (Ethernet framing) into the table. */
static void send_seg(int ver, const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t seq,
		     uint8_t flags, const void *data, size_t n)
{
	struct cb_seg s = { ver, src, dst, sport, dport, seq, 0, flags, data, n };
	uint8_t ip[2048], fr[2100];
	struct packet p;
	struct pkt_meta m = { ++frame, 1700000000, (int32_t)frame };
	size_t il = cb_ip_tcp(&s, ip, sizeof ip);
	size_t fl = cb_frame(CB_LINKTYPE_EN10MB, 0, ip, il, fr, sizeof fr);
	ck_assert_int_eq(packet_decode(LINK_EN10MB, fr, fl, fl, &p), DECODE_OK);
	flow_table_packet(ft, &p, &m);
}

#define C4 "10.0.0.1"
#define S4 "10.0.0.2"

/* The usual failure: handshake, ClientHello, the server's alert 40, FIN both ways. */
static void failed_conn(uint16_t cport, uint32_t cseq)
{
	send_seg(4, C4, cport, S4, 443, cseq, TCP_SYN, NULL, 0);
	send_seg(4, S4, 443, C4, cport, 9000, TCP_SYN | TCP_ACK, NULL, 0);
	send_seg(4, C4, cport, S4, 443, cseq + 1, TCP_ACK, NULL, 0);
	send_seg(4, C4, cport, S4, 443, cseq + 1, TCP_ACK | TCP_PSH, client_hello, sizeof client_hello);
	send_seg(4, S4, 443, C4, cport, 9001, TCP_ACK | TCP_PSH, alert40, sizeof alert40);
	send_seg(4, S4, 443, C4, cport, 9001 + sizeof alert40, TCP_ACK | TCP_FIN, NULL, 0);
	send_seg(4, C4, cport, S4, 443, cseq + 1 + sizeof client_hello, TCP_ACK | TCP_FIN, NULL, 0);
}

static const struct jv *conn(size_t i)
{
	ck_assert_uint_gt(jv_len(emitted), i);
	return jv_at(emitted, i);
}

static const char *str(const struct jv *c, const char *key)
{
	const char *s = jv_str(jv_get(c, key));
	return s ? s : "(null)";
}

static void assert_alert(const struct jv *c, const char *from, long long desc)
{
	const struct jv *a = jv_at(jv_get(c, "alerts"), 0);
	ck_assert_uint_eq(jv_len(jv_get(c, "alerts")), 1);
	ck_assert_str_eq(jv_str(jv_get(a, "from")), from);
	ck_assert_int_eq(jv_intval(jv_get(a, "description")), desc);
}

START_TEST(closed_connection_is_emitted_at_once)
{
	start(0);
	failed_conn(50000, 100);
	/* emitted on the last FIN, before the capture ends */
	ck_assert_uint_eq(jv_len(emitted), 1);
	ck_assert_uint_eq(flow_table_open(ft), 0);
	const struct jv *c = conn(0);
	ck_assert_str_eq(str(c, "client"), "10.0.0.1:50000");
	ck_assert_str_eq(str(c, "server"), "10.0.0.2:443");
	ck_assert_str_eq(str(c, "outcome"), "failed");
	assert_alert(c, "server", 40);
	ck_assert_str_eq(str(jv_get(c, "end"), "how"), "FIN");
	finish();
	ck_assert_uint_eq(jv_len(emitted), 1);
	ck_assert_uint_eq(flow_table_stats(ft)->connections, 1);
	stop();
}
END_TEST

START_TEST(client_without_syn_is_the_client_hello_sender)
{
	start(0);
	/* mid-stream, and the client has the LOWER port: the ClientHello decides, not the ports */
	send_seg(4, C4, 1000, S4, 5000, 700, TCP_ACK | TCP_PSH, client_hello, sizeof client_hello);
	send_seg(4, S4, 5000, C4, 1000, 800, TCP_ACK | TCP_PSH, alert40, sizeof alert40);
	finish();
	ck_assert_str_eq(str(conn(0), "client"), "10.0.0.1:1000");
	assert_alert(conn(0), "server", 40);
	stop();
}
END_TEST

START_TEST(client_without_syn_or_hello_is_the_higher_port)
{
	start(0);
	send_seg(4, S4, 443, C4, 50001, 800, TCP_ACK | TCP_PSH, alert40, sizeof alert40);
	finish();
	ck_assert_str_eq(str(conn(0), "client"), "10.0.0.1:50001");
	assert_alert(conn(0), "server", 40);
	stop();
}
END_TEST

START_TEST(syn_ack_alone_names_the_client)
{
	start(0);
	send_seg(4, S4, 60000, C4, 2000, 9000, TCP_SYN | TCP_ACK, NULL, 0); /* the client's SYN was not captured */
	send_seg(4, C4, 2000, S4, 60000, 101, TCP_ACK | TCP_PSH, client_hello, sizeof client_hello);
	finish();
	ck_assert_str_eq(str(conn(0), "client"), "10.0.0.1:2000");
	stop();
}
END_TEST

START_TEST(non_tls_is_dropped_and_port_option_selects)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	start(0);
	send_seg(4, C4, 40000, S4, 80, 1, TCP_SYN, NULL, 0);
	send_seg(4, C4, 40000, S4, 80, 2, TCP_ACK | TCP_PSH, http, sizeof http - 1);
	send_seg(4, C4, 40000, S4, 80, 2 + sizeof http - 1, TCP_ACK | TCP_PSH, client_hello, sizeof client_hello);
	failed_conn(50000, 100);
	finish();
	ck_assert_uint_eq(jv_len(emitted), 1);
	ck_assert_uint_eq(flow_table_stats(ft)->not_tls, 1);
	stop();

	/* --port 80: that connection only, read as TLS whatever it holds */
	start(80);
	send_seg(4, C4, 40000, S4, 80, 1, TCP_SYN, NULL, 0);
	send_seg(4, C4, 40000, S4, 80, 2, TCP_ACK | TCP_PSH, http, sizeof http - 1);
	failed_conn(50000, 100);
	finish();
	ck_assert_uint_eq(jv_len(emitted), 1);
	ck_assert_str_eq(str(conn(0), "server"), "10.0.0.2:80");
	ck_assert_str_eq(str(conn(0), "outcome"), "not_tls");
	stop();

	/* --port: a refused connection (SYN, RST) is still reported */
	start(443);
	send_seg(4, C4, 50002, S4, 443, 5, TCP_SYN, NULL, 0);
	send_seg(4, S4, 443, C4, 50002, 0, TCP_RST | TCP_ACK, NULL, 0);
	ck_assert_uint_eq(jv_len(emitted), 1);
	ck_assert_str_eq(str(conn(0), "outcome"), "no_data");
	ck_assert_str_eq(str(jv_get(conn(0), "end"), "how"), "RST");
	stop();
}
END_TEST

START_TEST(port_reuse_starts_a_new_connection)
{
	start(0);
	failed_conn(50000, 100);
	failed_conn(50000, 777777); /* same 4-tuple, new SYN */
	ck_assert_uint_eq(jv_len(emitted), 2);
	/* reuse without a clean close: a new SYN ends the old connection */
	send_seg(4, C4, 50003, S4, 443, 10, TCP_SYN, NULL, 0);
	send_seg(4, C4, 50003, S4, 443, 11, TCP_ACK | TCP_PSH, client_hello, sizeof client_hello);
	send_seg(4, C4, 50003, S4, 443, 10, TCP_SYN, NULL, 0); /* a copy of the SYN: same connection */
	ck_assert_uint_eq(jv_len(emitted), 2);
	send_seg(4, C4, 50003, S4, 443, 5000, TCP_SYN, NULL, 0);
	ck_assert_uint_eq(jv_len(emitted), 3);
	finish();
	ck_assert_uint_eq(jv_len(emitted), 3); /* the last SYN's connection never sent a byte */
	ck_assert_uint_eq(flow_table_stats(ft)->not_tls, 1);
	stop();
}
END_TEST

START_TEST(late_packets_of_a_closed_connection_are_dropped)
{
	start(0);
	failed_conn(50000, 100);
	send_seg(4, S4, 443, C4, 50000, 9001, TCP_ACK | TCP_PSH, alert40, sizeof alert40); /* retransmission */
	send_seg(4, C4, 50000, S4, 443, 200, TCP_ACK, NULL, 0); /* last ACK */
	finish();
	ck_assert_uint_eq(jv_len(emitted), 1);
	ck_assert_uint_eq(flow_table_stats(ft)->late_packets, 2);
	stop();
}
END_TEST

START_TEST(reordered_and_retransmitted_hello_is_whole)
{
	start(0);
	send_seg(4, C4, 50000, S4, 443, 100, TCP_SYN, NULL, 0);
	send_seg(4, S4, 443, C4, 50000, 9000, TCP_SYN | TCP_ACK, NULL, 0);
	/* the ClientHello in three pieces: last, first, first again, middle */
	send_seg(4, C4, 50000, S4, 443, 101 + 30, TCP_ACK, client_hello + 30, sizeof client_hello - 30);
	send_seg(4, C4, 50000, S4, 443, 101, TCP_ACK, client_hello, 10);
	send_seg(4, C4, 50000, S4, 443, 101, TCP_ACK, client_hello, 10);
	send_seg(4, C4, 50000, S4, 443, 111, TCP_ACK, client_hello + 10, 20);
	send_seg(4, S4, 443, C4, 50000, 9001, TCP_ACK | TCP_PSH, alert40, sizeof alert40);
	send_seg(4, S4, 443, C4, 50000, 9008, TCP_ACK | TCP_RST, NULL, 0);
	ck_assert_uint_eq(jv_len(emitted), 1);
	const struct jv *c = conn(0);
	ck_assert_str_eq(str(jv_at(jv_get(c, "messages"), 0), "type"), "ClientHello");
	ck_assert_uint_eq(jv_len(jv_get(jv_get(c, "client_hello"), "cipher_suites")), 1);
	ck_assert_str_eq(str(jv_get(c, "end"), "how"), "RST");
	assert_alert(c, "server", 40);
	stop();
}
END_TEST

START_TEST(lost_bytes_make_a_gap_not_an_error)
{
	start(0);
	send_seg(4, C4, 50000, S4, 443, 100, TCP_SYN, NULL, 0);
	send_seg(4, C4, 50000, S4, 443, 101, TCP_ACK, client_hello, 20);
	send_seg(4, C4, 50000, S4, 443, 101 + 30, TCP_ACK, client_hello + 30, sizeof client_hello - 30);
	finish();
	const struct flow_stats *st = flow_table_stats(ft);
	ck_assert_uint_eq(st->gaps, 1);
	ck_assert_uint_eq(st->gap_bytes, 10);
	ck_assert_str_ne(str(conn(0), "outcome"), "failed");
	ck_assert_str_ne(str(conn(0), "outcome"), "malformed");
	stop();
}
END_TEST

START_TEST(ipv6_endpoints)
{
	start(0);
	send_seg(6, "2001:db8::1", 50000, "2001:db8::2", 443, 100, TCP_SYN, NULL, 0);
	send_seg(6, "2001:db8::1", 50000, "2001:db8::2", 443, 101, TCP_ACK, client_hello, sizeof client_hello);
	send_seg(6, "2001:db8::2", 443, "2001:db8::1", 50000, 9001, TCP_ACK, alert40, sizeof alert40);
	/* the same ports over IPv4 are another connection */
	send_seg(4, C4, 50000, S4, 443, 100, TCP_SYN, NULL, 0);
	send_seg(4, C4, 50000, S4, 443, 101, TCP_ACK, client_hello, sizeof client_hello);
	finish();
	ck_assert_uint_eq(jv_len(emitted), 2);
	ck_assert_str_eq(str(conn(0), "client"), "[2001:db8::1]:50000");
	ck_assert_str_eq(str(conn(0), "server"), "[2001:db8::2]:443");
	assert_alert(conn(0), "server", 40);
	ck_assert_str_eq(str(conn(1), "client"), "10.0.0.1:50000");
	stop();
}
END_TEST

START_TEST(memory_follows_open_connections)
{
	start(0);
	for (uint32_t i = 0; i < 3000; i++)
		failed_conn((uint16_t)(20000 + i % 5000), i * 1000);
	ck_assert_uint_eq(jv_len(emitted), 3000);
	ck_assert_uint_eq(flow_table_stats(ft)->open_max, 1);
	ck_assert_uint_eq(flow_table_open(ft), 0);
	/* many open at once: the table grows, and the end emits them oldest first */
	for (uint32_t i = 0; i < 1000; i++) {
		send_seg(4, C4, (uint16_t)(30000 + i), S4, 443, 1, TCP_SYN, NULL, 0);
		send_seg(4, C4, (uint16_t)(30000 + i), S4, 443, 2, TCP_ACK, client_hello, sizeof client_hello);
	}
	ck_assert_uint_eq(flow_table_open(ft), 1000);
	finish();
	ck_assert_uint_eq(jv_len(emitted), 4000);
	ck_assert_str_eq(str(conn(3000), "client"), "10.0.0.1:30000");
	ck_assert_str_eq(str(conn(3999), "client"), "10.0.0.1:30999");
	stop();
}
END_TEST

/* A capture that starts as an earlier connection closes (a readiness probe) sees only its
 * FIN/ACK tail: no SYN, no payload, nothing to report, even with --port. */
START_TEST(closing_tail_of_an_older_connection_is_not_a_connection)
{
	start(443);
	send_seg(4, S4, 443, C4, 50010, 900, TCP_FIN | TCP_ACK, NULL, 0);
	send_seg(4, C4, 50010, S4, 443, 77, TCP_ACK, NULL, 0);
	send_seg(4, C4, 50010, S4, 443, 77, TCP_FIN | TCP_ACK, NULL, 0);
	failed_conn(50011, 100);
	finish();
	ck_assert_uint_eq(jv_len(emitted), 1);
	ck_assert_uint_eq(flow_table_stats(ft)->tails, 1);
	ck_assert_uint_eq(flow_table_stats(ft)->connections, 1);
	stop();
}
END_TEST

/*
 * 2,000 connections left open after their ClientHello under a 1 MB budget:
 * the least recently active are reported early and become tombstones (their
 * late packets dropped), the one kept busy is not evicted, nothing is lost
 * from the report, the count stays near the budget, and the note says so.
 */
START_TEST(budget_evicts_the_least_recently_active)
{
	const size_t budget = 1024 * 1024;
	start_budget(0, budget);
	for (uint32_t i = 0; i < 2000; i++) {
		send_seg(4, C4, (uint16_t)(30000 + i), S4, 443, 1, TCP_SYN, NULL, 0);
		send_seg(4, C4, (uint16_t)(30000 + i), S4, 443, 2, TCP_ACK, client_hello, sizeof client_hello);
		send_seg(4, C4, 30000, S4, 443, 2 + sizeof client_hello, TCP_ACK, NULL, 0); /* 30000 stays busy */
	}
	const struct flow_stats *fs = flow_table_stats(ft);
	ck_assert_uint_gt(fs->evicted, 1000);
	ck_assert_uint_eq(jv_len(emitted), fs->evicted);
	ck_assert_uint_eq(flow_table_open(ft), 2000 - fs->evicted);
	ck_assert_uint_le(fs->memory_peak, budget + 16 * 1024);
	ck_assert_uint_eq(fs->memory_budget, budget);
	ck_assert_str_eq(str(conn(0), "client"), "10.0.0.1:30001");
	ck_assert_str_eq(str(conn(1), "client"), "10.0.0.1:30002");
	uint64_t late = fs->late_packets;
	send_seg(4, C4, 30001, S4, 443, 2 + sizeof client_hello, TCP_ACK | TCP_PSH, client_hello, sizeof client_hello);
	ck_assert_uint_eq(fs->late_packets, late + 1);
	uint64_t evicted = fs->evicted;
	finish();
	ck_assert_uint_eq(jv_len(emitted), 2000);
	ck_assert_uint_eq(fs->connections, 2000);
	bool kept = false;
	for (size_t i = evicted; i < 2000; i++)
		kept |= strcmp(str(conn(i), "client"), "10.0.0.1:30000") == 0;
	ck_assert_msg(kept, "the busy connection was evicted");

	struct decode_stats st = { .flows = *fs };
	struct jv *notes = decode_notes(&st);
	bool noted = false;
	for (size_t i = 0; i < jv_len(notes); i++)
		noted |= strstr(jv_str(jv_at(notes, i)), "memory budget of 1 MB reached") != NULL;
	ck_assert(noted);
	jv_free(notes);
	stop();
}
END_TEST

static Suite *flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, closed_connection_is_emitted_at_once);
	tcase_add_test(tc, client_without_syn_is_the_client_hello_sender);
	tcase_add_test(tc, client_without_syn_or_hello_is_the_higher_port);
	tcase_add_test(tc, syn_ack_alone_names_the_client);
	tcase_add_test(tc, non_tls_is_dropped_and_port_option_selects);
	tcase_add_test(tc, port_reuse_starts_a_new_connection);
	tcase_add_test(tc, late_packets_of_a_closed_connection_are_dropped);
	tcase_add_test(tc, closing_tail_of_an_older_connection_is_not_a_connection);
	tcase_add_test(tc, reordered_and_retransmitted_hello_is_whole);
	tcase_add_test(tc, lost_bytes_make_a_gap_not_an_error);
	tcase_add_test(tc, ipv6_endpoints);
	tcase_add_test(tc, memory_follows_open_connections);
	tcase_add_test(tc, budget_evicts_the_least_recently_active);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(flow_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
