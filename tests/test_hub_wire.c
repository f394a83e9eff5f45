/*
 * test_hub_wire.c - the capture hub's request and reply as bytes
 * (capture/hub_wire.c): the exact encoding, round trips, and every way a
 * message can be wrong (each prefix of a valid one, a byte after its end,
 * a string too long or with a NUL, a wrong magic, an unknown kind, ok or
 * flag) rejected as DECODE_MALFORMED with the output all zero.  The hub
 * itself, talking this format over its socket, is test_capture.c's.
 */
#include "harness/capture/hub_wire.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reply's fixed part: magic, ok, four u64 counters, flags; its strings follow. */
#define REPLY_FIXED (4 + 1 + 4 * 8 + 1)
#define REQUEST_FIXED (4 + 1 + 2 + 2 + 4)

static uint8_t buf[HUB_WIRE_REQUEST_MAX + HUB_WIRE_REPLY_MAX + 16];
static char why[128];

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static enum decode_status decode_request(const uint8_t *p, size_t n, struct hub_request *out)
{
	struct cursor c = cursor_make(p, n);
	why[0] = '\0';
	return hub_wire_decode_request(&c, out, why, sizeof why);
}

static enum decode_status decode_reply(const uint8_t *p, size_t n, struct hub_reply *out)
{
	struct cursor c = cursor_make(p, n);
	why[0] = '\0';
	return hub_wire_decode_reply(&c, out, why, sizeof why);
}

static void sample_request(struct hub_request *rq)
{
	memset(rq, 0, sizeof *rq);
	rq->kind = HUB_WIRE_BEGIN;
	rq->server_port = 4433;
	rq->client_port = 40001;
	rq->drain_ms = 3000;
	snprintf(rq->path, sizeof rq->path, "/tmp/run/case-1.pcap");
}

/* Every field set, every string as long as its array allows, counters past 32 bits. */
static void sample_reply(struct hub_reply *r)
{
	struct live_stats *st = &r->st;
	memset(r, 0, sizeof *r);
	r->ok = true;
	st->packets = 0x0102030405060708ull;
	st->bytes = UINT64_MAX;
	st->received = 1ull << 40;
	st->dropped = 3;
	st->connected = st->closed = st->server_fin = st->client_rst = true;
	memset(st->client, 'c', sizeof st->client - 1);
	memset(st->server, 's', sizeof st->server - 1);
	memset(st->filter, 'f', sizeof st->filter - 1);
	memset(st->error, 'e', sizeof st->error - 1);
	memset(r->err, 'r', sizeof r->err - 1);
}

static void assert_stats_eq(const struct live_stats *a, const struct live_stats *b)
{
	ck_assert_uint_eq(a->packets, b->packets);
	ck_assert_uint_eq(a->bytes, b->bytes);
	ck_assert_uint_eq(a->received, b->received);
	ck_assert_uint_eq(a->dropped, b->dropped);
	ck_assert_int_eq(a->connected, b->connected);
	ck_assert_int_eq(a->closed, b->closed);
	ck_assert_int_eq(a->client_fin, b->client_fin);
	ck_assert_int_eq(a->server_fin, b->server_fin);
	ck_assert_int_eq(a->client_rst, b->client_rst);
	ck_assert_int_eq(a->server_rst, b->server_rst);
	ck_assert_str_eq(a->client, b->client);
	ck_assert_str_eq(a->server, b->server);
	ck_assert_str_eq(a->filter, b->filter);
	ck_assert_str_eq(a->error, b->error);
}

/* Where the length byte of reply string k (0 client .. 4 err) sits in an encoded reply. */
static size_t reply_string_at(const uint8_t *p, int k)
{
	size_t off = REPLY_FIXED;
	for (int i = 0; i < k; i++)
		off += 1 + p[off];
	return off;
}

/* ---- the exact bytes ---- */

START_TEST(request_bytes_are_the_documented_format)
{
	static const uint8_t want[] = { 0x74, 0x64, 0x48, 0x75, /* magic */
					0x02, /* END */
					0x11, 0x51, /* 4433 */
					0x9c, 0x41, /* 40001 */
					0x00, 0x00, 0x0b, 0xb8, /* 3000 ms */
					0x00, 0x05, '/', 'a', '.', 'p', 'c' };
	struct hub_request rq = { .kind = HUB_WIRE_END, .server_port = 4433, .client_port = 40001, .drain_ms = 3000 };

	snprintf(rq.path, sizeof rq.path, "/a.pc");
	ck_assert_uint_eq(hub_wire_encode_request(&rq, buf, sizeof buf), sizeof want);
	ck_assert_int_eq(memcmp(buf, want, sizeof want), 0);
}
END_TEST

START_TEST(reply_bytes_are_the_documented_format)
{
	static const uint8_t want[] = { 0x74, 0x64, 0x48, 0x75, /* magic */
					0x00, /* not ok */
					0, 0, 0, 0, 0, 0, 0, 9, /* packets */
					0, 0, 0, 1, 0, 0, 0, 0, /* bytes */
					0, 0, 0, 0, 0, 0, 0, 9, /* received */
					0, 0, 0, 0, 0, 0, 0, 0, /* dropped */
					0x25, /* connected, client FIN, server RST */
					1, 'c', /* client */
					0, /* server */
					0, /* filter */
					2, 'e', '!', /* error */
					1, 'x' /* err */ };
	struct hub_reply r = { .ok = false };

	r.st.packets = r.st.received = 9;
	r.st.bytes = 1ull << 32;
	r.st.connected = r.st.client_fin = r.st.server_rst = true;
	snprintf(r.st.client, sizeof r.st.client, "c");
	snprintf(r.st.error, sizeof r.st.error, "e!");
	snprintf(r.err, sizeof r.err, "x");
	ck_assert_uint_eq(hub_wire_encode_reply(&r, buf, sizeof buf), sizeof want);
	ck_assert_int_eq(memcmp(buf, want, sizeof want), 0);
}
END_TEST

/* ---- round trips ---- */

START_TEST(request_round_trip)
{
	struct hub_request rq, out;

	sample_request(&rq);
	for (int kind = HUB_WIRE_BEGIN; kind <= HUB_WIRE_END; kind++) {
		rq.kind = (enum hub_wire_kind)kind;
		size_t n = hub_wire_encode_request(&rq, buf, sizeof buf);
		ck_assert_uint_eq(n, REQUEST_FIXED + 2 + strlen(rq.path));
		ck_assert_int_eq(decode_request(buf, n, &out), DECODE_OK);
		ck_assert_int_eq(out.kind, kind);
		ck_assert_uint_eq(out.server_port, 4433);
		ck_assert_uint_eq(out.client_port, 40001);
		ck_assert_uint_eq(out.drain_ms, 3000);
		ck_assert_str_eq(out.path, rq.path);
	}
}
END_TEST

START_TEST(request_round_trip_with_the_longest_path)
{
	static struct hub_request rq, out;

	sample_request(&rq);
	rq.drain_ms = UINT32_MAX;
	memset(rq.path, 'p', sizeof rq.path - 1);
	size_t n = hub_wire_encode_request(&rq, buf, sizeof buf);
	ck_assert_uint_eq(n, HUB_WIRE_REQUEST_MAX);
	ck_assert_int_eq(decode_request(buf, n, &out), DECODE_OK);
	ck_assert_uint_eq(out.drain_ms, UINT32_MAX);
	ck_assert_str_eq(out.path, rq.path);
}
END_TEST

START_TEST(reply_round_trip)
{
	struct hub_reply r, out;

	sample_reply(&r);
	size_t n = hub_wire_encode_reply(&r, buf, sizeof buf);
	ck_assert_uint_eq(n, HUB_WIRE_REPLY_MAX);
	ck_assert_int_eq(decode_reply(buf, n, &out), DECODE_OK);
	ck_assert(out.ok);
	assert_stats_eq(&out.st, &r.st);
	ck_assert_str_eq(out.err, r.err);

	/* Empty strings, not ok, and each flag alone. */
	memset(&r, 0, sizeof r);
	n = hub_wire_encode_reply(&r, buf, sizeof buf);
	ck_assert_uint_eq(n, REPLY_FIXED + 5);
	ck_assert_int_eq(decode_reply(buf, n, &out), DECODE_OK);
	ck_assert(!out.ok);
	ck_assert(all_zero(&out.st, sizeof out.st) && all_zero(out.err, sizeof out.err));
	bool *flags[] = { &r.st.connected,  &r.st.closed,     &r.st.client_fin,
			  &r.st.server_fin, &r.st.client_rst, &r.st.server_rst };
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		memset(&r, 0, sizeof r);
		*flags[i] = true;
		n = hub_wire_encode_reply(&r, buf, sizeof buf);
		ck_assert_uint_eq(buf[REPLY_FIXED - 1], 1u << i);
		ck_assert_int_eq(decode_reply(buf, n, &out), DECODE_OK);
		assert_stats_eq(&out.st, &r.st);
	}
}
END_TEST

/* ---- truncated, trailing, wrong magic: the same for both messages ---- */

static size_t sample_request_bytes(void)
{
	static struct hub_request rq;
	sample_request(&rq);
	return hub_wire_encode_request(&rq, buf, sizeof buf);
}

static size_t sample_reply_bytes(void)
{
	struct hub_reply r;
	sample_reply(&r);
	return hub_wire_encode_reply(&r, buf, sizeof buf);
}

/* Each message's sample, the prefix of its reasons, and two cuts with the reason each gives. */
static const struct {
	size_t (*sample)(void);
	const char *name;
	size_t mid;
	const char *mid_why, *last_why; /* cut at mid; one byte short */
} kinds[] = {
	{ sample_request_bytes, "request", 3, "request: ends inside the magic",
	  "request: path: ends inside it or its length" },
	{ sample_reply_bytes, "reply", 20, "reply: ends inside the counters", "reply: err: ends inside it or its length" },
};

/* buf[0..n) decoded as message k; the output must be all zero unless it is OK. */
static enum decode_status decode_as(int k, size_t n)
{
	static struct hub_request rq;
	static struct hub_reply r;
	enum decode_status st = k == 0 ? decode_request(buf, n, &rq) : decode_reply(buf, n, &r);

	if (st != DECODE_OK)
		ck_assert(k == 0 ? all_zero(&rq, sizeof rq) : all_zero(&r, sizeof r));
	ck_assert_msg(st == DECODE_OK || strncmp(why, kinds[k].name, strlen(kinds[k].name)) == 0, "%s", why);
	return st;
}

START_TEST(every_prefix_is_malformed)
{
	size_t n = kinds[_i].sample();

	ck_assert_int_eq(decode_as(_i, n), DECODE_OK);
	for (size_t len = 0; len < n; len++)
		ck_assert_msg(decode_as(_i, len) == DECODE_MALFORMED, "%s: prefix of %zu bytes", kinds[_i].name, len);
	ck_assert_int_eq(decode_as(_i, kinds[_i].mid), DECODE_MALFORMED);
	ck_assert_str_eq(why, kinds[_i].mid_why);
	ck_assert_int_eq(decode_as(_i, n - 1), DECODE_MALFORMED);
	ck_assert_str_eq(why, kinds[_i].last_why);
}
END_TEST

START_TEST(bytes_after_the_end_are_malformed)
{
	char want[64];

	for (size_t extra = 1; extra <= 7; extra += 6) {
		size_t n = kinds[_i].sample();
		memset(buf + n, extra == 1 ? 0 : 0xff, extra);
		ck_assert_int_eq(decode_as(_i, n + extra), DECODE_MALFORMED);
		snprintf(want, sizeof want, "%s: %zu bytes after its end", kinds[_i].name, extra);
		ck_assert_str_eq(why, want);
	}
}
END_TEST

START_TEST(a_wrong_magic_is_malformed)
{
	char want[64];
	size_t n = kinds[_i].sample();

	buf[3] ^= 1;
	ck_assert_int_eq(decode_as(_i, n), DECODE_MALFORMED);
	snprintf(want, sizeof want, "%s: wrong magic 0x74644874", kinds[_i].name);
	ck_assert_str_eq(why, want);
	buf[3] ^= 1;
	buf[0] = 0;
	ck_assert_int_eq(decode_as(_i, n), DECODE_MALFORMED);
	snprintf(want, sizeof want, "%s: wrong magic 0x00644875", kinds[_i].name);
	ck_assert_str_eq(why, want);
}
END_TEST

/* ---- strings: longer than their array, empty, or with a NUL ---- */

/* One byte more in the string whose length field is at off (width bytes): n grows by one. */
static size_t grow_string(uint8_t *p, size_t n, size_t off, size_t width)
{
	size_t len = width == 1 ? p[off] : (size_t)p[off] << 8 | p[off + 1];
	memmove(p + off + width + 1, p + off + width, n - off - width);
	p[off + width] = 'X';
	len++;
	if (width == 1) {
		p[off] = (uint8_t)len;
	} else {
		p[off] = (uint8_t)(len >> 8);
		p[off + 1] = (uint8_t)len;
	}
	return n + 1;
}

START_TEST(a_path_of_path_max_bytes_is_malformed)
{
	static struct hub_request rq, out;

	sample_request(&rq);
	memset(rq.path, 'p', sizeof rq.path - 1);
	size_t n = hub_wire_encode_request(&rq, buf, sizeof buf);
	ck_assert_uint_eq(n, HUB_WIRE_REQUEST_MAX);
	n = grow_string(buf, n, REQUEST_FIXED, 2);
	ck_assert_int_eq(decode_request(buf, n, &out), DECODE_MALFORMED);
	snprintf(rq.path, sizeof rq.path, "request: path: too long (%d bytes, at most %d)", PATH_MAX, PATH_MAX - 1);
	ck_assert_str_eq(why, rq.path);
	ck_assert(all_zero(&out, sizeof out));
}
END_TEST

START_TEST(reply_strings_longer_than_their_array_are_malformed)
{
	static const char *const names[] = { "client", "server", "filter", "error" };
	struct hub_reply r, out;
	char want[128];

	/* err has 256 bytes: a u8 length cannot say more than it holds. */
	for (int k = 0; k < 4; k++) {
		sample_reply(&r);
		size_t n = hub_wire_encode_reply(&r, buf, sizeof buf);
		size_t at = reply_string_at(buf, k);
		size_t size = buf[at] + 1u; /* filled up: the array's size */
		n = grow_string(buf, n, at, 1);
		ck_assert_int_eq(decode_reply(buf, n, &out), DECODE_MALFORMED);
		snprintf(want, sizeof want, "reply: %s: too long (%zu bytes, at most %zu)", names[k], size, size - 1);
		ck_assert_str_eq(why, want);
		ck_assert(all_zero(&out, sizeof out));
	}
}
END_TEST

START_TEST(an_empty_path_is_malformed)
{
	static const uint8_t b[] = { 0x74, 0x64, 0x48, 0x75, 1, 0x11, 0x51, 0x9c, 0x41, 0, 0, 0, 0, 0, 0 };
	struct hub_request out;

	ck_assert_int_eq(decode_request(b, sizeof b, &out), DECODE_MALFORMED);
	ck_assert_str_eq(why, "request: path: empty");
}
END_TEST

START_TEST(a_nul_inside_a_string_is_malformed)
{
	struct hub_request rq, rq_out;
	struct hub_reply r, r_out;

	sample_request(&rq);
	size_t n = hub_wire_encode_request(&rq, buf, sizeof buf);
	for (size_t at = REQUEST_FIXED + 2; at < n; at++) {
		uint8_t was = buf[at];
		buf[at] = 0;
		ck_assert_int_eq(decode_request(buf, n, &rq_out), DECODE_MALFORMED);
		ck_assert_str_eq(why, "request: path: a NUL inside");
		ck_assert(all_zero(&rq_out, sizeof rq_out));
		buf[at] = was;
	}
	ck_assert_int_eq(decode_request(buf, n, &rq_out), DECODE_OK);

	sample_reply(&r);
	n = hub_wire_encode_reply(&r, buf, sizeof buf);
	buf[reply_string_at(buf, 2) + 5] = 0; /* in filter */
	ck_assert_int_eq(decode_reply(buf, n, &r_out), DECODE_MALFORMED);
	ck_assert_str_eq(why, "reply: filter: a NUL inside");
	ck_assert(all_zero(&r_out, sizeof r_out));
}
END_TEST

/* ---- fixed fields out of range ---- */

START_TEST(unknown_kind_ok_and_flags_are_malformed)
{
	struct hub_request rq, rq_out;
	struct hub_reply r, r_out;

	sample_request(&rq);
	size_t n = hub_wire_encode_request(&rq, buf, sizeof buf);
	buf[4] = 3;
	ck_assert_int_eq(decode_request(buf, n, &rq_out), DECODE_MALFORMED);
	ck_assert_str_eq(why, "request: unknown kind 3");
	buf[4] = 0;
	ck_assert_int_eq(decode_request(buf, n, &rq_out), DECODE_MALFORMED);

	sample_reply(&r);
	n = hub_wire_encode_reply(&r, buf, sizeof buf);
	buf[4] = 2;
	ck_assert_int_eq(decode_reply(buf, n, &r_out), DECODE_MALFORMED);
	ck_assert_str_eq(why, "reply: ok is 2");
	buf[4] = 1;
	buf[REPLY_FIXED - 1] |= 0x40;
	ck_assert_int_eq(decode_reply(buf, n, &r_out), DECODE_MALFORMED);
	ck_assert_str_eq(why, "reply: unknown flags 0x40");
	ck_assert(all_zero(&r_out, sizeof r_out));
}
END_TEST

/* ---- the writer: bounded, and refuses what the format cannot say ---- */

START_TEST(encoders_refuse_what_does_not_fit)
{
	static struct hub_request rq;
	struct hub_reply r;

	sample_request(&rq);
	size_t n = hub_wire_encode_request(&rq, buf, sizeof buf);
	for (size_t cap = 0; cap < n; cap++) {
		memset(buf, 0xaa, sizeof buf);
		ck_assert_uint_eq(hub_wire_encode_request(&rq, buf, cap), 0);
		ck_assert_uint_eq(buf[cap], 0xaa); /* nothing written past cap */
	}
	sample_reply(&r);
	n = hub_wire_encode_reply(&r, buf, sizeof buf);
	for (size_t cap = 0; cap < n; cap++) {
		memset(buf, 0xaa, sizeof buf);
		ck_assert_uint_eq(hub_wire_encode_reply(&r, buf, cap), 0);
		ck_assert_uint_eq(buf[cap], 0xaa);
	}

	/* An empty path, a path filling its array without NUL, a kind of neither. */
	rq.path[0] = '\0';
	ck_assert_uint_eq(hub_wire_encode_request(&rq, buf, sizeof buf), 0);
	memset(rq.path, 'p', sizeof rq.path);
	ck_assert_uint_eq(hub_wire_encode_request(&rq, buf, sizeof buf), 0);
	sample_request(&rq);
	rq.kind = (enum hub_wire_kind)3;
	ck_assert_uint_eq(hub_wire_encode_request(&rq, buf, sizeof buf), 0);

	/* A reply string not terminated inside its array. */
	memset(r.st.server, 's', sizeof r.st.server);
	ck_assert_uint_eq(hub_wire_encode_reply(&r, buf, sizeof buf), 0);
}
END_TEST

static Suite *hub_wire_suite(void)
{
	Suite *s = suite_create("hub_wire");
	TCase *ok = tcase_create("ok");
	TCase *bad = tcase_create("malformed");

	tcase_add_test(ok, request_bytes_are_the_documented_format);
	tcase_add_test(ok, reply_bytes_are_the_documented_format);
	tcase_add_test(ok, request_round_trip);
	tcase_add_test(ok, request_round_trip_with_the_longest_path);
	tcase_add_test(ok, reply_round_trip);
	suite_add_tcase(s, ok);

	tcase_add_loop_test(bad, every_prefix_is_malformed, 0, 2);
	tcase_add_loop_test(bad, bytes_after_the_end_are_malformed, 0, 2);
	tcase_add_loop_test(bad, a_wrong_magic_is_malformed, 0, 2);
	tcase_add_test(bad, a_path_of_path_max_bytes_is_malformed);
	tcase_add_test(bad, reply_strings_longer_than_their_array_are_malformed);
	tcase_add_test(bad, an_empty_path_is_malformed);
	tcase_add_test(bad, a_nul_inside_a_string_is_malformed);
	tcase_add_test(bad, unknown_kind_ok_and_flags_are_malformed);
	tcase_add_test(bad, encoders_refuse_what_does_not_fit);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hub_wire_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
