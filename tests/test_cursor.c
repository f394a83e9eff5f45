/* test_cursor.c - the bounds-checked reader: every read fails cleanly at the end. */
#include "harness/core/cursor.h"

#include <check.h>
#include <stdlib.h>

START_TEST(reads_big_endian)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct cursor c = cursor_make(b, sizeof b);
	uint8_t u8;
	uint16_t u16;
	uint32_t u24, u32;
	ck_assert(cursor_u8(&c, &u8));
	ck_assert_uint_eq(u8, 1);
	ck_assert(cursor_u16(&c, &u16));
	ck_assert_uint_eq(u16, 0x0203);
	ck_assert(cursor_u24(&c, &u24));
	ck_assert_uint_eq(u24, 0x040506);
	ck_assert(cursor_u32(&c, &u32));
	ck_assert_uint_eq(u32, 0x0708090a);
	ck_assert(cursor_empty(&c));
}
END_TEST

START_TEST(short_read_fails_and_keeps_offset)
{
	static const uint8_t b[] = { 1, 2, 3 };
	struct cursor c = cursor_make(b, sizeof b);
	uint32_t v;
	uint8_t u8;
	ck_assert(cursor_u8(&c, &u8));
	ck_assert(!cursor_u24(&c, &v));
	ck_assert_uint_eq(c.off, 1);
	ck_assert(!cursor_skip(&c, 3));
	ck_assert(cursor_skip(&c, 2));
	ck_assert(!cursor_u8(&c, &u8));
	ck_assert(!cursor_peek_u8(&c, 0, &u8));
}
END_TEST

START_TEST(reads_u64_big_endian_and_fails_short_without_moving)
{
	static const uint8_t b[] = { 0x81, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct cursor c = cursor_make(b, sizeof b);
	uint64_t v = 42;
	ck_assert(cursor_u64(&c, &v));
	ck_assert_uint_eq(v, 0x8102030405060708ull);
	/* 7 bytes left: the read fails, the cursor and the output stay as they were. */
	ck_assert(!cursor_u64(&c, &v));
	ck_assert_uint_eq(c.off, 8);
	ck_assert_uint_eq(v, 0x8102030405060708ull);
	ck_assert_uint_eq(cursor_left(&c), 7);
}
END_TEST

START_TEST(vector_gives_sub_cursor)
{
	static const uint8_t b[] = { 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0xdd };
	struct cursor c = cursor_make(b, sizeof b), sub;
	uint8_t u8;
	ck_assert(cursor_vec16(&c, &sub));
	ck_assert_uint_eq(cursor_left(&sub), 3);
	ck_assert(cursor_u8(&sub, &u8));
	ck_assert_uint_eq(u8, 0xaa);
	ck_assert_uint_eq(cursor_left(&c), 1);
}
END_TEST

START_TEST(lying_vector_length_fails_without_moving)
{
	static const uint8_t b[] = { 0x00, 0x09, 0xaa };
	struct cursor c = cursor_make(b, sizeof b), sub;
	ck_assert(!cursor_vec16(&c, &sub));
	ck_assert_uint_eq(c.off, 0);
	ck_assert(!cursor_vec24(&c, &sub));
}
END_TEST

START_TEST(null_buffer_is_empty)
{
	struct cursor c = cursor_make(NULL, 42);
	uint8_t u8;
	ck_assert(cursor_empty(&c));
	ck_assert(!cursor_u8(&c, &u8));
}
END_TEST

static Suite *cursor_suite(void)
{
	Suite *s = suite_create("cursor");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, reads_big_endian);
	tcase_add_test(tc, short_read_fails_and_keeps_offset);
	tcase_add_test(tc, reads_u64_big_endian_and_fails_short_without_moving);
	tcase_add_test(tc, vector_gives_sub_cursor);
	tcase_add_test(tc, lying_vector_length_fails_without_moving);
	tcase_add_test(tc, null_buffer_is_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cursor_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
