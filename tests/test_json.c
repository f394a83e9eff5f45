/* test_json.c - the JSON wrapper: shapes, streaming, and wire text that is not UTF-8. */
#include "harness/core/json.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *dump(const struct jv *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(jv_write(f, v, false), 0);
	fclose(f);
	return buf;
}

START_TEST(object_members_in_order)
{
	struct jv *o = jv_object(), *a = jv_array();
	jv_set_str(o, "from", "server");
	jv_set_int(o, "description", 40);
	jv_set_bool(o, "encrypted", false);
	jv_set_str(o, "name", NULL);
	jv_push_int(a, 1);
	jv_push_str(a, "x");
	jv_set(o, "list", a);
	char *s = dump(o);
	ck_assert_str_eq(s, "{\"from\":\"server\",\"description\":40,\"encrypted\":false,\"name\":null,\"list\":[1,\"x\"]}");
	free(s);
	jv_free(o);
}
END_TEST

START_TEST(invalid_utf8_is_marked_not_fatal)
{
	/* An SNI from the wire with a lone continuation byte and a truncated sequence. */
	static const char bad[] = { 'a', (char)0x80, 'b', (char)0xe2, (char)0x82, 0 };
	struct jv *o = jv_object(), *a = jv_array();
	ck_assert_ptr_null(jv_string(bad));
	jv_set_str(o, "sni", bad);
	jv_push_str(a, bad);
	jv_set(o, "names", a);
	char *s = dump(o);
	ck_assert_str_eq(s, "{\"sni\":\"<invalid UTF-8>\",\"names\":[\"<invalid UTF-8>\"]}");
	free(s);
	jv_free(o);
}
END_TEST

START_TEST(parse_reads_back_types)
{
	char err[128];
	struct jv *v = jv_parse_string("{\"a\":[1,null,true],\"s\":\"t\"}", err, sizeof err);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(jv_len(jv_get(v, "a")), 3);
	ck_assert(jv_is_int(jv_at(jv_get(v, "a"), 0)));
	ck_assert(jv_is_null(jv_at(jv_get(v, "a"), 1)));
	ck_assert(jv_boolval(jv_at(jv_get(v, "a"), 2)));
	ck_assert_str_eq(jv_str(jv_get(v, "s")), "t");
	ck_assert_ptr_null(jv_get(v, "missing"));
	jv_free(v);
	ck_assert_ptr_null(jv_parse_string("{\"a\":", err, sizeof err));
	ck_assert(strstr(err, "line 1") != NULL);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, object_members_in_order);
	tcase_add_test(tc, invalid_utf8_is_marked_not_fatal);
	tcase_add_test(tc, parse_reads_back_types);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
