/* test_expect.c - expectations: parsing, canonical text, and checking them against outcomes. */
#include "harness/run/expect.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static char err[256], buf[256];

START_TEST(parses_each_form)
{
	struct expectation e;
	ck_assert_int_eq(expect_parse("connected", &e, err, sizeof err), 0);
	ck_assert_int_eq(e.kind, EXPECT_CONNECTED);
	ck_assert_int_eq(expect_parse("alert:handshake_failure@server", &e, err, sizeof err), 0);
	ck_assert_int_eq(e.kind, EXPECT_ALERT);
	ck_assert_int_eq(e.alert, 40);
	ck_assert_int_eq(e.by, SENDER_SERVER);
	ck_assert_int_eq(expect_parse("alert:HANDSHAKE_FAILURE", &e, err, sizeof err), 0);
	ck_assert_int_eq(e.by, SENDER_ANY);
	ck_assert_int_eq(expect_parse("alert:70@client", &e, err, sizeof err), 0);
	ck_assert_int_eq(e.alert, 70);
	ck_assert_int_eq(e.by, SENDER_CLIENT);
	ck_assert_int_eq(expect_parse("error:MATCH_SUITE_ERROR", &e, err, sizeof err), 0);
	ck_assert_int_eq(e.kind, EXPECT_ERROR);
	ck_assert_int_eq(e.error, -501);
	ck_assert_str_eq(e.error_name, "MATCH_SUITE_ERROR");
	ck_assert_int_eq(expect_parse("error:-313", &e, err, sizeof err), 0);
	ck_assert_int_eq(e.error, -313);
	ck_assert_str_eq(e.error_name, "FATAL_ERROR");
}
END_TEST

START_TEST(formats_canonically)
{
	struct expectation e;
	ck_assert_int_eq(expect_parse("alert:40@server", &e, err, sizeof err), 0);
	expect_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "alert:handshake_failure@server");
	ck_assert_int_eq(expect_parse("alert:200", &e, err, sizeof err), 0);
	expect_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "alert:alert(200)");
	ck_assert_int_eq(expect_parse("error:-322", &e, err, sizeof err), 0);
	expect_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "error:DOMAIN_NAME_MISMATCH");
	ck_assert_int_eq(expect_parse("connected", &e, err, sizeof err), 0);
	expect_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "connected");
}
END_TEST

START_TEST(rejects_bad_text)
{
	struct expectation e;
	ck_assert_int_eq(expect_parse("skip", &e, err, sizeof err), -1);
	ck_assert_str_eq(err, "'skip' is not an expectation: a case that cannot run is reported as SKIP by itself");
	ck_assert_int_eq(expect_parse("alert:40@", &e, err, sizeof err), -1);
	ck_assert_str_eq(err, "alert sender '@' is neither @client nor @server");
	ck_assert_int_eq(expect_parse("alert:-1", &e, err, sizeof err), -1);
	ck_assert_int_eq(expect_parse("alert:40x", &e, err, sizeof err), -1);
	ck_assert_int_eq(expect_parse("error:", &e, err, sizeof err), -1);
	ck_assert_int_eq(expect_parse("error:313", &e, err, sizeof err), -1);
	ck_assert_int_eq(expect_parse("Connected", &e, err, sizeof err), -1);
	ck_assert_int_eq(expect_parse("", &e, err, sizeof err), -1);
}
END_TEST

START_TEST(checks_outcomes)
{
	struct expectation e;
	struct outcome o;
	outcome_init(&o);
	ck_assert_int_eq(o.alert_by_server, -1);
	o.alert_by_server = 40;
	o.error = -313;
	snprintf(o.error_name, sizeof o.error_name, "FATAL_ERROR");
	ck_assert_int_eq(expect_parse("alert:handshake_failure@server", &e, err, sizeof err), 0);
	ck_assert(expect_met(&e, &o));
	ck_assert_int_eq(expect_parse("alert:handshake_failure", &e, err, sizeof err), 0);
	ck_assert(expect_met(&e, &o));
	ck_assert_int_eq(expect_parse("alert:handshake_failure@client", &e, err, sizeof err), 0);
	ck_assert(!expect_met(&e, &o));
	ck_assert_int_eq(expect_parse("error:FATAL_ERROR", &e, err, sizeof err), 0);
	ck_assert(expect_met(&e, &o));
	ck_assert_int_eq(expect_parse("error:MATCH_SUITE_ERROR", &e, err, sizeof err), 0);
	ck_assert(!expect_met(&e, &o));
	ck_assert_int_eq(expect_parse("connected", &e, err, sizeof err), 0);
	ck_assert(!expect_met(&e, &o));
	expect_format_outcome(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "alert:handshake_failure@server error:FATAL_ERROR");

	outcome_init(&o);
	o.connected = true;
	ck_assert(expect_met(&e, &o));
	expect_format_outcome(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "connected");

	outcome_init(&o);
	expect_format_outcome(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "not-connected");
	o.alert_by_client = 48;
	o.error = -188;
	expect_format_outcome(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "alert:unknown_ca@client error:-188");
	/* Truncation is safe. */
	char small[10];
	expect_format_outcome(&o, small, sizeof small);
	ck_assert_str_eq(small, "alert:unk");
}
END_TEST

static Suite *expect_suite(void)
{
	Suite *s = suite_create("expect");
	TCase *tc = tcase_create("ok");
	tcase_add_test(tc, parses_each_form);
	tcase_add_test(tc, formats_canonically);
	tcase_add_test(tc, checks_outcomes);
	suite_add_tcase(s, tc);
	TCase *bad = tcase_create("malformed");
	tcase_add_test(bad, rejects_bad_text);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(expect_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
