/*
 * test_fault.c - network fault specs (capture/fault.c) and where they cut a
 * byte stream: every fault's syntax and its exact error, canonical forms,
 * shaping per direction, and the framing follower on real TLS record bytes,
 * fed whole and one byte at a time (the cut must not depend on how the
 * relay's reads fall).  The faults against real servers are
 * tests/test_fault_relay.c.
 */
#include "harness/capture/fault.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fault_set fs;
static char why[256];

static void parse_ok(const char *spec)
{
	why[0] = '\0';
	ck_assert_msg(fault_parse(spec, &fs, why, sizeof why) == 0, "%s: %s", spec, why);
}

static void parse_bad(const char *spec, const char *want)
{
	struct fault_set bad;

	ck_assert_msg(fault_parse(spec, &bad, why, sizeof why) == -1, "%s was accepted", spec);
	ck_assert_msg(strstr(why, want) != NULL, "%s: '%s' does not say '%s'", spec, why, want);
	ck_assert_uint_eq(bad.n, 0);
}

START_TEST(triggers_parse)
{
	parse_ok("reset-after:client_hello");
	ck_assert_uint_eq(fs.n, 1);
	ck_assert_int_eq(fs.f[0].kind, FAULT_RESET);
	ck_assert_int_eq(fs.f[0].point, POINT_MESSAGE);
	ck_assert_uint_eq(fs.f[0].msg, 1);
	ck_assert_int_eq(fs.f[0].side, FAULT_CLIENT);
	ck_assert(!fs.f[0].on);

	parse_ok("close-after:server_hello");
	ck_assert_int_eq(fs.f[0].kind, FAULT_CLOSE);
	ck_assert_int_eq(fs.f[0].side, FAULT_SERVER);

	parse_ok("stall-after:certificate");
	ck_assert_int_eq(fs.f[0].kind, FAULT_STALL);
	ck_assert_uint_eq(fs.f[0].msg, 11);
	ck_assert_int_eq(fs.f[0].side, FAULT_EITHER);
	parse_ok("stall-after:certificate@client");
	ck_assert_int_eq(fs.f[0].side, FAULT_CLIENT);

	parse_ok("drop-after:1200");
	ck_assert_int_eq(fs.f[0].kind, FAULT_DROP);
	ck_assert_int_eq(fs.f[0].point, POINT_BYTES);
	ck_assert_uint_eq(fs.f[0].n, 1200);
	ck_assert_int_eq(fs.f[0].side, FAULT_SERVER);
	parse_ok("close-after:7@client");
	ck_assert_int_eq(fs.f[0].side, FAULT_CLIENT);

	parse_ok("reset-after:connect");
	ck_assert_int_eq(fs.f[0].point, POINT_CONNECT);
	parse_ok("reset-after:change_cipher_spec");
	ck_assert_uint_eq(fs.f[0].msg, FAULT_MSG_CCS);
	parse_ok("close-after:application_data@server");
	ck_assert_uint_eq(fs.f[0].msg, FAULT_MSG_APPDATA);

	parse_ok("reset-on:sslv3-hello");
	ck_assert(fs.f[0].on);
	ck_assert_int_eq(fs.f[0].point, POINT_SSLV3_HELLO);
	ck_assert_int_eq(fs.f[0].side, FAULT_CLIENT);

	parse_ok("close-on:hex:16030A@server");
	ck_assert_int_eq(fs.f[0].point, POINT_HEX);
	ck_assert_uint_eq(fs.f[0].patlen, 3);
	ck_assert_uint_eq(fs.f[0].pat[2], 0x0a);
	ck_assert_int_eq(fs.f[0].side, FAULT_SERVER);
	ck_assert(fault_has_trigger(&fs));
}
END_TEST

START_TEST(shaping_parses_per_direction)
{
	struct fault_shaping c, s;

	parse_ok("latency:300ms, bandwidth:2kbps@server, segments:16@client ,slow-close:2s");
	ck_assert_uint_eq(fs.n, 4);
	ck_assert(!fault_has_trigger(&fs));
	fault_shape(&fs, FAULT_CLIENT, &c);
	fault_shape(&fs, FAULT_SERVER, &s);
	ck_assert_int_eq(c.latency_ms, 300);
	ck_assert_int_eq(s.latency_ms, 300);
	ck_assert_uint_eq(c.bps, 0);
	ck_assert_uint_eq(s.bps, 2000);
	ck_assert_uint_eq(c.segment, 16);
	ck_assert_uint_eq(s.segment, 0);
	ck_assert_int_eq(c.slow_close_ms, 2000);
	ck_assert_int_eq(s.slow_close_ms, 2000);

	parse_ok("bandwidth:9600bps,latency:1s@client,latency:20ms@server,segments:1");
	fault_shape(&fs, FAULT_CLIENT, &c);
	fault_shape(&fs, FAULT_SERVER, &s);
	ck_assert_uint_eq(c.bps, 9600);
	ck_assert_int_eq(c.latency_ms, 1000);
	ck_assert_int_eq(s.latency_ms, 20);
	ck_assert_uint_eq(s.segment, 1);
	parse_ok("bandwidth:1mbps");
	ck_assert_uint_eq(fs.f[0].n, 1000000);
}
END_TEST

START_TEST(canonical_text)
{
	char buf[256];

	parse_ok(" reset-after:client_hello , latency:300ms ");
	fault_format(&fs, buf, sizeof buf);
	ck_assert_str_eq(buf, "reset-after:client_hello,latency:300ms");
	ck_assert_str_eq(fs.f[1].text, "latency:300ms");
	parse_ok("none");
	ck_assert_uint_eq(fs.n, 0);
	fault_format(&fs, buf, sizeof buf);
	ck_assert_str_eq(buf, "none");
}
END_TEST

START_TEST(bad_specs_say_why)
{
	parse_bad("", "empty fault");
	parse_bad("latency:300ms,", "empty fault");
	parse_bad("reset", "expected NAME:VALUE");
	parse_bad("explode-after:client_hello", "the action is reset, close, stall or drop");
	parse_bad("latency-after:client_hello", "the action is reset, close, stall or drop");
	parse_bad("jitter:5ms", "unknown fault 'jitter'");
	parse_bad("reset-after:hello", "a point is connect");
	parse_bad("reset-after:server_hello@client", "only the server sends server_hello");
	parse_bad("reset-after:client_hello@server", "only the client sends client_hello");
	parse_bad("reset-after:client_hello@proxy", "a side is @client or @server");
	parse_bad("reset-after:connect@client", "a point is connect");
	parse_bad("drop-after:0", "a byte count is 1 to 4294967295");
	parse_bad("drop-after:4294967296", "a byte count is 1 to");
	parse_bad("drop-after:12x", "a byte count is 1 to");
	parse_bad("reset-on:client_hello", "a pattern is sslv3-hello or hex:");
	parse_bad("reset-on:sslv3-hello@server", "a pattern is sslv3-hello");
	parse_bad("reset-on:hex:123", "a pattern is");
	parse_bad("reset-on:hex:zz", "a pattern is");
	parse_bad("reset-on:hex:", "a pattern is");
	parse_bad("reset-on:hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "a pattern is");
	parse_bad("latency:300", "a duration is Nms or Ns");
	parse_bad("latency:0ms", "a duration is");
	parse_bad("latency:601s", "a duration is");
	parse_bad("latency:-5ms", "a duration is");
	parse_bad("bandwidth:2kb", "a rate is Nbps");
	parse_bad("bandwidth:7bps", "a rate is");
	parse_bad("bandwidth:11000mbps", "a rate is");
	parse_bad("segments:0", "segments is the largest segment in bytes, 1 to 65535");
	parse_bad("segments:65536", "segments is");
	parse_bad("latency:10ms,latency:20ms", "latency is given twice for one direction");
	parse_bad("latency:10ms@client,latency:20ms", "latency is given twice");
	parse_bad("a,b,c,d,e,f,g,h,i", "expected NAME:VALUE");
	parse_bad("latency:1ms@client,latency:1ms@server,segments:1@client,segments:2@server,bandwidth:8bps@client,"
		  "bandwidth:9bps@server,slow-close:1ms@client,slow-close:2ms@server,reset-after:connect",
		  "more than 8 faults");
	{
		char longer[FAULT_SPEC_MAX + 2];

		memset(longer, 'a', sizeof longer - 1);
		longer[sizeof longer - 1] = '\0';
		parse_bad(longer, "longer than 400 characters");
	}
	parse_bad("reset-after:client_hello_and_then_some_more_words_to_pass_ninety_five_characters_in_all_of_it_and_more_still",
		  "longer than 95 characters");
	/* The message names the fault that is wrong among good ones. */
	parse_bad("latency:5ms,close-after:server_helo", "bad network fault 'close-after:server_helo'");
}
END_TEST

/* ---- the framing follower ---- */

/* A record: type, version, body. */
static size_t rec(uint8_t *out, uint8_t type, uint16_t ver, const uint8_t *body, size_t n)
{
	out[0] = type;
	out[1] = (uint8_t)(ver >> 8);
	out[2] = (uint8_t)ver;
	out[3] = (uint8_t)(n >> 8);
	out[4] = (uint8_t)n;
	memcpy(out + 5, body, n);
	return n + 5;
}

/* A handshake message of type t with n body bytes of 0xAB. */
static size_t hs(uint8_t *out, uint8_t t, size_t n)
{
	out[0] = t;
	out[1] = (uint8_t)(n >> 16);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	memset(out + 4, 0xab, n);
	return n + 4;
}

/*
 * Scans stream (from side) with spec, in reads of `step` bytes (0: whole).
 * Returns the stream offset where the fault cut, or -1 when nothing fired.
 */
static long long cut_at(const char *spec, int side, const uint8_t *stream, size_t len, size_t step)
{
	struct fault_set set;
	struct fault_state *st;
	struct fault_hit hit;
	size_t off = 0, cut;
	long long at = -1;

	ck_assert_msg(fault_parse(spec, &set, why, sizeof why) == 0, "%s", why);
	st = fault_state_new(&set);
	ck_assert_ptr_nonnull(st);
	while (off < len) {
		size_t n = step && len - off > step ? step : len - off;

		if (fault_scan(st, side, stream + off, n, &cut, &hit)) {
			ck_assert_uint_le(cut, n);
			/* Where the fault cuts; bytes an earlier read already passed on stay passed. */
			at = (long long)hit.at;
			ck_assert_uint_eq(off + cut, hit.at > off ? hit.at : off);
			ck_assert_ptr_eq(hit.f, &set.f[0]);
			break;
		}
		ck_assert_uint_eq(cut, n);
		off += n;
	}
	/* Only the first fire counts. */
	if (at >= 0)
		ck_assert_int_eq(fault_scan(st, side, stream, len, &cut, &hit), 0);
	fault_state_free(st);
	return at;
}

/* Same answer whole, byte by byte and in 7-byte reads. */
static long long cut_all_ways(const char *spec, int side, const uint8_t *stream, size_t len)
{
	long long whole = cut_at(spec, side, stream, len, 0);

	ck_assert_int_eq(cut_at(spec, side, stream, len, 1), whole);
	ck_assert_int_eq(cut_at(spec, side, stream, len, 7), whole);
	return whole;
}

/* The server's TLS 1.2 flight: ServerHello, Certificate, ServerHelloDone in one record, then CCS and Finished. */
static size_t server_flight(uint8_t *out, size_t *sh_end, size_t *cert_end, size_t *done_end, size_t *ccs_end)
{
	uint8_t body[600];
	size_t n = 0, b = 0;

	b += hs(body + b, 2, 70);
	*sh_end = 5 + b;
	b += hs(body + b, 11, 400);
	*cert_end = 5 + b;
	b += hs(body + b, 14, 0);
	*done_end = 5 + b;
	n += rec(out + n, 22, 0x0303, body, b);
	n += rec(out + n, 20, 0x0303, (const uint8_t *)"\x01", 1);
	*ccs_end = n;
	memset(body, 0x55, 40);
	n += rec(out + n, 22, 0x0303, body, 40); /* the encrypted Finished */
	return n;
}

START_TEST(messages_cut_where_they_end)
{
	uint8_t s[2048];
	size_t sh, cert, done, ccs, n = server_flight(s, &sh, &cert, &done, &ccs);

	ck_assert_int_eq(cut_all_ways("close-after:server_hello", FAULT_SERVER, s, n), (long long)sh);
	ck_assert_int_eq(cut_all_ways("stall-after:certificate", FAULT_SERVER, s, n), (long long)cert);
	ck_assert_int_eq(cut_all_ways("reset-after:server_hello_done", FAULT_SERVER, s, n), (long long)done);
	ck_assert_int_eq(cut_all_ways("reset-after:change_cipher_spec", FAULT_SERVER, s, n), (long long)ccs);
	ck_assert_int_eq(cut_all_ways("reset-after:finished@server", FAULT_SERVER, s, n), (long long)n);
	ck_assert_int_eq(cut_all_ways("drop-after:100", FAULT_SERVER, s, n), 100);
	/* The server's messages are not the client's. */
	ck_assert_int_eq(cut_all_ways("reset-after:certificate@client", FAULT_SERVER, s, n), -1);
	ck_assert_int_eq(cut_all_ways("reset-after:client_hello", FAULT_SERVER, s, n), -1);
	ck_assert_int_eq(cut_all_ways("drop-after:100@client", FAULT_SERVER, s, n), -1);
	ck_assert_int_eq(cut_all_ways("drop-after:5000", FAULT_SERVER, s, n), -1);
	/* A byte pattern, matched across reads: the bytes from its start on are not passed. */
	ck_assert_int_eq(cut_all_ways("reset-on:hex:0e000000@server", FAULT_SERVER, s, n), (long long)done - 4);
	ck_assert_int_eq(cut_all_ways("reset-on:hex:0e000000", FAULT_SERVER, s, n), -1);
}
END_TEST

START_TEST(sslv3_hello_is_the_record_version)
{
	uint8_t ch[300], s[400];
	size_t chn = hs(ch, 1, 120);
	size_t n = rec(s, 22, 0x0300, ch, chn);

	ck_assert_int_eq(cut_all_ways("reset-on:sslv3-hello", FAULT_CLIENT, s, n), 0);
	ck_assert_int_eq(cut_all_ways("reset-after:client_hello", FAULT_CLIENT, s, n), (long long)n);
	/* The same hello in a TLS 1.0 or 1.2 record passes; so does an SSLv3 record of another message. */
	n = rec(s, 22, 0x0301, ch, chn);
	ck_assert_int_eq(cut_all_ways("reset-on:sslv3-hello", FAULT_CLIENT, s, n), -1);
	n = rec(s, 22, 0x0303, ch, chn);
	ck_assert_int_eq(cut_all_ways("reset-on:sslv3-hello", FAULT_CLIENT, s, n), -1);
	chn = hs(ch, 16, 60);
	n = rec(s, 22, 0x0300, ch, chn);
	ck_assert_int_eq(cut_all_ways("reset-on:sslv3-hello", FAULT_CLIENT, s, n), -1);
	/* A second SSLv3 record after a TLS 1.2 one still counts, at its own start. */
	{
		size_t a = rec(s, 23, 0x0303, (const uint8_t *)"abc", 3);

		chn = hs(ch, 1, 50);
		n = a + rec(s + a, 22, 0x0300, ch, chn);
		ck_assert_int_eq(cut_all_ways("reset-on:sslv3-hello", FAULT_CLIENT, s, n), (long long)a);
	}
}
END_TEST

START_TEST(a_message_split_over_records)
{
	uint8_t s[600], part[300];
	size_t m = hs(part, 11, 200), n = 0;

	/* One Certificate message in three records (RFC 5246 section 6.2.1: messages may span records). */
	n += rec(s + n, 22, 0x0303, part, 50);
	n += rec(s + n, 22, 0x0303, part + 50, 100);
	n += rec(s + n, 22, 0x0303, part + 150, m - 150);
	ck_assert_int_eq(cut_all_ways("close-after:certificate", FAULT_SERVER, s, n), (long long)n);
}
END_TEST

START_TEST(not_tls_stops_following_but_counts_bytes)
{
	const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t n = strlen(http);

	ck_assert_int_eq(cut_all_ways("reset-after:client_hello", FAULT_CLIENT, (const uint8_t *)http, n), -1);
	ck_assert_int_eq(cut_all_ways("reset-after:10@client", FAULT_CLIENT, (const uint8_t *)http, n), 10);
	ck_assert_int_eq(cut_all_ways("close-on:hex:0d0a0d0a", FAULT_CLIENT, (const uint8_t *)http, n),
			 (long long)n - 4);
	/* A record claiming more than 2^14 + 2048 bytes is not followed either. */
	{
		uint8_t s[10] = { 22, 3, 3, 0x48, 0x01, 1, 0, 0, 0, 0 };

		ck_assert_int_eq(cut_all_ways("reset-after:client_hello", FAULT_CLIENT, s, sizeof s), -1);
	}
}
END_TEST

START_TEST(connect_fires_once)
{
	struct fault_set set;
	struct fault_state *st;
	struct fault_hit hit;
	size_t cut;

	ck_assert_int_eq(fault_parse("stall-after:connect", &set, why, sizeof why), 0);
	st = fault_state_new(&set);
	ck_assert_int_eq(fault_on_connect(st, &hit), 1);
	ck_assert_ptr_eq(hit.f, &set.f[0]);
	ck_assert_str_eq(hit.what, "stall-after:connect fired as the connection came up");
	ck_assert_int_eq(fault_on_connect(st, &hit), 0);
	ck_assert_int_eq(fault_scan(st, FAULT_CLIENT, (const uint8_t *)"x", 1, &cut, &hit), 0);
	ck_assert_uint_eq(cut, 1);
	fault_state_free(st);
	ck_assert_int_eq(fault_parse("reset-after:client_hello", &set, why, sizeof why), 0);
	st = fault_state_new(&set);
	ck_assert_int_eq(fault_on_connect(st, &hit), 0);
	fault_state_free(st);
}
END_TEST

START_TEST(hit_says_where)
{
	uint8_t s[2048];
	size_t sh, cert, done, ccs, n = server_flight(s, &sh, &cert, &done, &ccs), cut;
	struct fault_set set;
	struct fault_state *st;
	struct fault_hit hit;
	char want[128];

	ck_assert_int_eq(fault_parse("close-after:server_hello", &set, why, sizeof why), 0);
	st = fault_state_new(&set);
	ck_assert_int_eq(fault_scan(st, FAULT_SERVER, s, n, &cut, &hit), 1);
	ck_assert_uint_eq(cut, sh);
	ck_assert_int_eq(hit.side, FAULT_SERVER);
	snprintf(want, sizeof want, "close-after:server_hello fired at byte %zu of the server's data", sh);
	ck_assert_str_eq(hit.what, want);
	fault_state_free(st);
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *t = tcase_create("spec");

	tcase_add_test(t, triggers_parse);
	tcase_add_test(t, shaping_parses_per_direction);
	tcase_add_test(t, canonical_text);
	tcase_add_test(t, bad_specs_say_why);
	suite_add_tcase(s, t);
	t = tcase_create("scan");
	tcase_add_test(t, messages_cut_where_they_end);
	tcase_add_test(t, sslv3_hello_is_the_record_version);
	tcase_add_test(t, a_message_split_over_records);
	tcase_add_test(t, not_tls_stops_following_but_counts_bytes);
	tcase_add_test(t, connect_fires_once);
	tcase_add_test(t, hit_says_where);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fault_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
