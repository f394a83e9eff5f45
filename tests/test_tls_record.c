/* test_tls_record.c - the streaming record parser: headers across chunks, checks, SSLv2 hello. */
#include "harness/decode/tls_record.h"
#include "harness/decode/tls_names.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Runs the parser over p in chunks of `step` bytes and tallies the events. */
struct tally {
	int begins, ends, malformed;
	size_t data;
	struct tls_record_hdr last;
	char why[112];
	bool lost;
};

static void feed(struct tls_record_parser *rp, const uint8_t *p, size_t n, size_t step, struct tally *t)
{
	for (size_t off = 0; off < n; off += step) {
		size_t k = n - off < step ? n - off : step;
		struct cursor in = cursor_make(p + off, k);
		struct tls_rec_ev ev;
		enum tls_rec_event e;
		while ((e = tls_record_next(rp, &in, &ev)) != TLS_REC_NEED_MORE) {
			switch (e) {
			case TLS_REC_BEGIN: t->begins++; t->last = ev.hdr; break;
			case TLS_REC_DATA: t->data += ev.len; break;
			case TLS_REC_END: t->ends++; break;
			case TLS_REC_MALFORMED:
				t->malformed++;
				t->lost = ev.lost;
				memcpy(t->why, ev.why, sizeof t->why);
				break;
			default: break;
			}
		}
	}
}

/* handshake record (4 bytes) + CCS + 3 bytes application data */
static const uint8_t three[] = {
	0x16, 0x03, 0x01, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00,
	0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
	0x17, 0x03, 0x03, 0x00, 0x03, 0xaa, 0xbb, 0xcc,
};

START_TEST(records_whole_and_byte_by_byte)
{
	for (size_t step = 1; step <= sizeof three; step++) {
		struct tls_record_parser rp;
		struct tally t = { 0 };
		tls_record_init(&rp);
		feed(&rp, three, sizeof three, step, &t);
		ck_assert_int_eq(t.begins, 3);
		ck_assert_int_eq(t.ends, 3);
		ck_assert_int_eq(t.malformed, 0);
		ck_assert_uint_eq(t.data, 8);
		ck_assert_uint_eq(t.last.type, TLS_CT_APPLICATION_DATA);
		ck_assert_uint_eq(t.last.version, 0x0303);
		ck_assert_uint_eq(t.last.length, 3);
		ck_assert(!tls_record_partial(&rp));
	}
}
END_TEST

START_TEST(truncated_needs_more)
{
	struct tls_record_parser rp;
	struct tally t = { 0 };
	tls_record_init(&rp);
	feed(&rp, three, 3, 3, &t); /* half a header */
	ck_assert_int_eq(t.begins, 0);
	ck_assert(tls_record_partial(&rp));
	feed(&rp, three + 3, 4, 4, &t); /* header done, 2 of 4 body bytes */
	ck_assert_int_eq(t.begins, 1);
	ck_assert_int_eq(t.ends, 0);
	ck_assert_uint_eq(t.data, 2);
	ck_assert(tls_record_partial(&rp));
	ck_assert_int_eq(t.malformed, 0);
}
END_TEST

START_TEST(oversize_record_is_malformed)
{
	static const uint8_t big[] = { 0x17, 0x03, 0x03, 0x48, 0x01, 0x00 }; /* 18433 bytes */
	static const uint8_t max[] = { 0x17, 0x03, 0x03, 0x48, 0x00 }; /* 18432: allowed */
	struct tls_record_parser rp;
	struct tally t = { 0 };
	tls_record_init(&rp);
	feed(&rp, big, sizeof big, sizeof big, &t);
	ck_assert_int_eq(t.malformed, 1);
	ck_assert(t.lost);
	ck_assert_str_eq(t.why, "record_overflow: a record of 18433 bytes exceeds 2^14+2048 (RFC 5246 6.2.3)");
	/* Framing is lost: later bytes are ignored. */
	feed(&rp, three, sizeof three, sizeof three, &t);
	ck_assert_int_eq(t.begins, 0);
	tls_record_init(&rp);
	memset(&t, 0, sizeof t);
	feed(&rp, max, sizeof max, sizeof max, &t);
	ck_assert_int_eq(t.malformed, 0);
	ck_assert_int_eq(t.begins, 1);
}
END_TEST

START_TEST(bad_type_and_version_are_malformed)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";
	static const uint8_t v4[] = { 0x16, 0x04, 0x01, 0x00, 0x01, 0x00 };
	struct tls_record_parser rp;
	struct tally t = { 0 };
	tls_record_init(&rp);
	feed(&rp, http, sizeof http - 1, 16, &t);
	ck_assert_int_eq(t.malformed, 1);
	ck_assert(t.lost);
	ck_assert_str_eq(t.why, "unknown record content type 71 (0x474554202f)");
	ck_assert(!tls_record_plausible(http, sizeof http - 1));
	tls_record_init(&rp);
	memset(&t, 0, sizeof t);
	feed(&rp, v4, sizeof v4, sizeof v4, &t);
	ck_assert_int_eq(t.malformed, 1);
	ck_assert_str_eq(t.why, "record version 0x0401 is not SSLv3/TLS");
}
END_TEST

START_TEST(zero_length_handshake_record)
{
	/* RFC 5246 6.2.1: malformed, but the framing holds: the next record parses. */
	static const uint8_t z[] = { 0x16, 0x03, 0x03, 0x00, 0x00, 0x17, 0x03, 0x03, 0x00, 0x00 };
	struct tls_record_parser rp;
	struct tally t = { 0 };
	tls_record_init(&rp);
	feed(&rp, z, sizeof z, sizeof z, &t);
	ck_assert_int_eq(t.malformed, 1);
	ck_assert(!t.lost);
	ck_assert_str_eq(t.why, "zero-length handshake record (RFC 5246 6.2.1)");
	ck_assert_int_eq(t.begins, 2);
	ck_assert_int_eq(t.ends, 1); /* the empty application_data record is fine */
}
END_TEST

/* RFC 5246 E.2: 2-byte header 0x80 0x2b, CLIENT-HELLO of 43 bytes, 6 cipher specs. */
static const uint8_t v2hello[] = {
	0x80, 0x2b, 0x01, 0x03, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x10,
	0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x00, 0x00, 0x0a, 0x01, 0x00, 0x80, 0x07, 0x00, 0xc0,
	0x00, 0x00, 0xff,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

START_TEST(sslv2_client_hello_first)
{
	for (size_t step = 1; step <= sizeof v2hello; step += 5) {
		struct tls_record_parser rp;
		struct tally t = { 0 };
		tls_record_init(&rp);
		feed(&rp, v2hello, sizeof v2hello, step, &t);
		ck_assert_int_eq(t.malformed, 0);
		ck_assert_int_eq(t.begins, 1);
		ck_assert_int_eq(t.ends, 1);
		ck_assert(t.last.sslv2);
		ck_assert_uint_eq(t.last.length, 43);
		ck_assert_uint_eq(t.data, 43);
	}
	ck_assert(tls_record_plausible(v2hello, sizeof v2hello));
}
END_TEST

START_TEST(sslv2_only_as_first_record)
{
	struct tls_record_parser rp;
	struct tally t = { 0 };
	tls_record_init(&rp);
	feed(&rp, three, 9, 9, &t);
	feed(&rp, v2hello, sizeof v2hello, sizeof v2hello, &t);
	ck_assert_int_eq(t.malformed, 1);
	ck_assert(t.lost);
}
END_TEST

START_TEST(gap_inside_body_keeps_step)
{
	struct tls_record_parser rp;
	struct tally t = { 0 };
	tls_record_init(&rp);
	feed(&rp, three + 15, 6, 6, &t); /* app data header + 1 byte */
	ck_assert(tls_record_skip(&rp, 1));
	feed(&rp, three + 22, 1, 1, &t);
	feed(&rp, three, 9, 9, &t);
	ck_assert_int_eq(t.ends, 2);
	ck_assert_int_eq(t.malformed, 0);
	ck_assert(!tls_record_skip(&rp, 1)); /* between records: framing lost */
	ck_assert(!tls_record_partial(&rp));
}
END_TEST

static Suite *tls_record_suite(void)
{
	Suite *s = suite_create("tls_record");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, records_whole_and_byte_by_byte);
	tcase_add_test(tc, truncated_needs_more);
	tcase_add_test(tc, oversize_record_is_malformed);
	tcase_add_test(tc, bad_type_and_version_are_malformed);
	tcase_add_test(tc, zero_length_handshake_record);
	tcase_add_test(tc, sslv2_client_hello_first);
	tcase_add_test(tc, sslv2_only_as_first_record);
	tcase_add_test(tc, gap_inside_body_keeps_step);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tls_record_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
