/*
 * test_diagnose.c - the diagnosis rules take their words from
 * explain/tables/diagnosis.ini: every rule has its section, the loader
 * refuses a broken diagnosis table (naming file, line and section), the
 * cross-stack equivalents of a diagnosis, and diagnose_outcome() for the
 * runner (an alert and who sent it, a failure kind, a wolfSSL code).
 */
#include "harness/decode/diagnose.h"
#include "harness/core/embedded.h"
#include "harness/core/json.h"
#include "harness/explain/explain.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIAG_FILE "harness/explain/tables/diagnosis.ini"

static void teardown(void)
{
	explain_free();
}

/* ---- every rule has its words ---- */

START_TEST(every_rule_has_words)
{
	char err[512] = "";
	const struct explain_diagnosis *d;
	size_t n = 0;
	ck_assert_msg(diagnose_check(err, sizeof err) == 0, "%s", err);
	for (size_t i = 0; (d = explain_diagnosis_at(i)); i++, n++) {
		ck_assert_msg(d->summary && *d->summary, "%s has no summary", d->key);
		ck_assert_msg(d->fix && *d->fix, "%s has no fix", d->key);
		ck_assert_uint_eq(strlen(d->code), strcspn(d->key, "/"));
		ck_assert_int_eq(strncmp(d->code, d->key, strlen(d->code)), 0);
	}
	ck_assert_uint_eq(n, 37);
	ck_assert_str_eq(diagnose_summary("no_shared_cipher"), "Client and server have no cipher suite in common.");
	ck_assert_str_eq(diagnose_summary("unknown_ca"),
			 "The client does not trust the CA that issued the server's certificate.");
	ck_assert_str_eq(explain_diagnosis_find("no_shared_cipher/static_rsa")->code, "no_shared_cipher");
	/* continuation lines are joined with a space */
	ck_assert_str_eq(explain_diagnosis_find("not_tls")->fix,
			 "Make sure both ends speak TLS on this port (plain HTTP, MQTT or STARTTLS traffic sent to "
			 "a TLS port looks like this).");
	ck_assert_ptr_null(diagnose_summary("no_such_code"));
}
END_TEST

START_TEST(missing_row_is_an_error)
{
	char err[512] = "";
	ck_assert_ptr_null(explain_diagnosis_require("no_such_code", err, sizeof err));
	ck_assert_str_eq(err, DIAG_FILE ": no section [no_such_code] for the diagnosis rule 'no_such_code'");
	ck_assert_ptr_nonnull(explain_diagnosis_require("ok", err, sizeof err));
}
END_TEST

/* A table that covers every kind, to which each case adds one broken section. */
static const char *const kinds_ok = "[a]\n"
				    "summary = S.\n"
				    "fix = F.\n"
				    "equivalents = none\n"
				    "stands_for = kind:unknown_ca kind:expired kind:not_yet_valid kind:hostname_mismatch\n"
				    "  kind:bad_ca_file kind:connection_dropped kind:no_shared_cipher kind:protocol_version"
				    " kind:weak_key kind:weak_signature kind:dh_too_small\n";

static void expect_refused(const char *extra, const char *msg)
{
	char text[2048], err[512] = "";
	snprintf(text, sizeof text, "%s\n%s", kinds_ok, extra);
	ck_assert_int_eq(explain_check_diagnosis_text(text, err, sizeof err), -1);
	ck_assert_str_eq(err, msg);
}

START_TEST(loader_accepts_the_real_table)
{
	const struct embedded_file *f = embedded_find(DIAG_FILE);
	char err[512] = "";
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(explain_check_diagnosis_text((const char *)f->data, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(explain_check_diagnosis_text(kinds_ok, err, sizeof err) == 0, "%s", err);
}
END_TEST

START_TEST(loader_refuses_broken_rows)
{
	char err[512] = "";
	expect_refused("[b]\nsummary = S.\nequivalents = none\n", DIAG_FILE ":8: [b]: no fix");
	expect_refused("[b]\nfix = F.\nequivalents = none\n", DIAG_FILE ":8: [b]: no summary");
	expect_refused("[b]\nsummary = S.\nfix = F.\n",
		       DIAG_FILE ":8: [b]: no equivalents (write 'none' when no stack shows it)");
	expect_refused("[b]\nsummary = S.\nfix = F.\nequivalents = kind:nope\n",
		       DIAG_FILE ":8: [b]: equivalents: no section [kind:nope] in harness/explain/tables/equivalents.ini");
	expect_refused("[b]\nsummary = S.\nfix = F.\nequivalents = none alert\n",
		       DIAG_FILE ":8: [b]: equivalents: 'none' must stand alone");
	expect_refused("[b]\nsummary = S.\nfix = F.\nequivalents = none\nstands_for = kind:unknown_ca\n",
		       DIAG_FILE ":8: [b]: stands_for: kind:unknown_ca is already [a]'s");
	expect_refused("[b]\nsummary = S.\nfix = F.\nequivalents = none\nstands_for = received:40 received:40\n",
		       DIAG_FILE ":8: [b]: stands_for: received:40 twice");
	expect_refused("[b]\nsummary = S.\nfix = F.\nequivalents = none\nstands_for = alert:40\n",
		       DIAG_FILE ":8: [b]: stands_for: 'alert:40' is not received:N, sent:N or kind:NAME");
	expect_refused("[b]\nsummary = S.\nfix = F.\nequivalents = none\ncolour = red\n",
		       DIAG_FILE ":8: [b]: unknown key 'colour'");
	expect_refused("[Bad Code]\nsummary = S.\n",
		       DIAG_FILE ":8: [Bad Code]: section must be CODE or CODE/VARIANT (a-z, 0-9, _)");
	expect_refused("[a]\nsummary = again\n", DIAG_FILE ":8: duplicate section [a] (first at line 1)");
	/* every failure kind of equivalents.ini needs a row for the runner */
	ck_assert_int_eq(explain_check_diagnosis_text("[a]\nsummary = S.\nfix = F.\nequivalents = none\n", err,
						      sizeof err),
			 -1);
	ck_assert_str_eq(err, DIAG_FILE ": no row stands for [kind:unknown_ca] of harness/explain/tables/equivalents.ini");
}
END_TEST

/* ---- the decoder's diagnosis and its equivalents ---- */

static struct diag_facts alert_facts(int desc, bool from_server)
{
	struct diag_facts f;
	memset(&f, 0, sizeof f);
	f.any_data = true;
	f.has_alert = true;
	f.alert_from_server = from_server;
	f.alert_desc = desc;
	f.alert_after = "ClientHello";
	f.alert_before_server_hello = from_server;
	f.closed = true;
	return f;
}

/*
 * Reset, stall and silence apart (the network faults' cases): a RST after the
 * ClientHello, the client giving up on a server that owed an answer, the
 * answer arriving after the client gave up, data stopped inside a record.
 */
START_TEST(reset_stall_and_silence_apart)
{
	static const struct tls_client_hello ch;
	struct diag_facts f;
	struct diag_result r;

	memset(&f, 0, sizeof f);
	f.any_data = f.closed = f.closed_by_server = f.closed_before_server_hello = true;
	f.ch = &ch;
	f.silent_ms = f.late_ms = -1;
	f.closed_rst = true;
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "server_closed_without_alert");
	ck_assert_str_eq(r.key, "server_closed_without_alert/reset");
	f.closed_rst = false;
	diagnose(&f, &r);
	ck_assert_str_eq(r.key, "server_closed_without_alert");

	/* The client closed after 1.5 s with the server owing the next message. */
	memset(&f, 0, sizeof f);
	f.any_data = f.closed = true;
	f.ch = &ch;
	f.server_owed = true;
	f.last_message = "ClientHello";
	f.silent_ms = 1500;
	f.late_ms = -1;
	diagnose(&f, &r);
	ck_assert_str_eq(r.key, "server_silent");
	ck_assert_str_eq(r.evidence, "after the client's ClientHello the server's side sent nothing for 1.500 s; then "
				     "the client closed the connection (FIN) without an alert");
	f.last_from_server = true;
	f.last_message = "Certificate";
	diagnose(&f, &r);
	ck_assert_str_eq(r.key, "server_silent/stalled");
	f.last_from_server = false;
	f.last_message = "ClientHello";
	f.late_ms = 480;
	diagnose(&f, &r);
	ck_assert_str_eq(r.key, "server_silent/late");
	/* A quick close is the client's own doing, not a timeout. */
	f.late_ms = -1;
	f.silent_ms = 999;
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "handshake_incomplete");
	/* Nothing owed (the server's flight ended): not a stall. */
	f.silent_ms = 1500;
	f.server_owed = false;
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "handshake_incomplete");

	/* The server's data stopped inside a record; the client's alert came after the wait. */
	f.server_owed = f.server_stopped_inside = f.last_from_server = f.truncated = true;
	f.last_message = "ServerHello";
	f.has_alert = true;
	f.alert_desc = 20;
	f.alert_after = "ServerHello";
	diagnose(&f, &r);
	ck_assert_str_eq(r.key, "server_silent/mid_record");
	/* The same alert from the server is its answer: no stall. */
	f.alert_from_server = true;
	diagnose(&f, &r);
	ck_assert_str_ne(r.code, "server_silent");
}
END_TEST

static bool has_equiv(const struct explain_equiv *eq, const char *stack, const char *code, const char *name)
{
	struct jv *a = explain_equiv_devices_json(eq);
	bool found = false;
	for (size_t i = 0; i < jv_len(a); i++) {
		const struct jv *o = jv_at(a, i);
		found |= strcmp(jv_str(jv_get(o, "stack")), stack) == 0 && strcmp(jv_str(jv_get(o, "code")), code) == 0 &&
			 (!name || strcmp(jv_str(jv_get(o, "name")), name) == 0);
	}
	jv_free(a);
	return found;
}

START_TEST(no_shared_cipher_on_every_stack)
{
	struct diag_facts f = alert_facts(40, true);
	struct diag_result r;
	char line[2048];
	struct jv *a;
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "no_shared_cipher");
	ck_assert_str_eq(r.key, "no_shared_cipher");
	ck_assert_str_eq(r.summary, "Client and server have no cipher suite in common.");
	ck_assert_str_eq(r.evidence, "the server sent alert 40 handshake_failure after ClientHello");
	ck_assert_ptr_nonnull(r.equiv);
	ck_assert_str_eq(r.equiv->key, "kind:no_shared_cipher");
	ck_assert(has_equiv(r.equiv, "axtls", "-40", NULL));
	ck_assert(has_equiv(r.equiv, "bearssl", "296", NULL));
	ck_assert(has_equiv(r.equiv, "mbedtls", "-0x7780", "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE"));
	ck_assert(has_equiv(r.equiv, "wolfssl", "-501", "MATCH_SUITE_ERROR"));
	ck_assert(!has_equiv(r.equiv, "openssl", "193", NULL)); /* the server's log is not a device stack */
	a = explain_equiv_devices_json(r.equiv);
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(jv_at(a, 3), "shows")), "SSL error 40"));
	ck_assert_str_eq(jv_str(jv_get(jv_at(a, 3), "stack")), "axtls");
	jv_free(a);
	explain_equiv_line_devices(r.equiv, line, sizeof line);
	ck_assert_msg(strncmp(line, "on CC3200: -340 ", 16) == 0, "%s", line);
	ck_assert_msg(strstr(line, "; on axTLS: -40 received alert 40 (handshake_failure) [Error: SSL error 40], -266 "),
		      "%s", line);
	ck_assert_msg(strstr(line, "; on BearSSL: 296 "), "%s", line);
	ck_assert_msg(strstr(line, "; on mbedTLS: -0x7780 MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE"), "%s", line);
	ck_assert_msg(strstr(line, "; on wolfSSL: -313 FATAL_ERROR [wolfSSL_get_error() = -313], -501 MATCH_SUITE_ERROR"), "%s", line);
	ck_assert_msg(!strstr(line, "OpenSSL"), "%s", line);
}
END_TEST

START_TEST(unknown_ca_on_every_stack)
{
	struct diag_facts f = alert_facts(48, false);
	struct diag_result r;
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "unknown_ca");
	ck_assert_str_eq(r.equiv->key, "kind:unknown_ca");
	ck_assert(has_equiv(r.equiv, "bearssl", "62", "BR_ERR_X509_NOT_TRUSTED"));
	ck_assert(has_equiv(r.equiv, "wolfssl", "-188", "ASN_NO_SIGNER_E"));
	ck_assert(has_equiv(r.equiv, "axtls", "-514", NULL));
	ck_assert(has_equiv(r.equiv, "mbedtls", "-0x2700", NULL));
	ck_assert(has_equiv(r.equiv, "cc3200", "-155", NULL));
}
END_TEST

START_TEST(equivalents_follow_the_rule)
{
	struct diag_facts f = alert_facts(80, true);
	struct diag_result r;
	/* a generic alert: the section of the alert itself, from the device's side */
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "peer_alert");
	ck_assert_str_eq(r.equiv->key, "received:80");
	f = alert_facts(112, true);
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "missing_sni");
	ck_assert_str_eq(r.equiv->key, "received:112");
	f = alert_facts(45, false);
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "certificate_expired");
	ck_assert_str_eq(r.key, "certificate_expired");
	ck_assert_str_eq(r.equiv->key, "kind:expired");
	/* before the certificate's notBefore by the capture's clock: the not_yet_valid variant */
	{
		struct x509_info leaf;
		memset(&leaf, 0, sizeof leaf);
		leaf.times_ok = true;
		leaf.not_before_epoch = 1700000000;
		leaf.not_after_epoch = 1800000000;
		f.leaf = &leaf;
		f.capture_sec = 1600000000;
		diagnose(&f, &r);
		ck_assert_str_eq(r.code, "certificate_expired");
		ck_assert_str_eq(r.key, "certificate_expired/not_yet_valid");
		ck_assert_str_eq(r.equiv->key, "kind:not_yet_valid");
		ck_assert_ptr_nonnull(strstr(r.evidence, ": the certificate was not yet valid when the capture was taken"));
		f.capture_sec = 1750000000;
		diagnose(&f, &r);
		ck_assert_str_eq(r.key, "certificate_expired");
		f.leaf = NULL;
	}
	/* no section for the alert: no equivalents */
	f = alert_facts(90, true);
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "peer_alert");
	ck_assert_ptr_null(r.equiv);
	/* an encrypted alert has no number */
	f = alert_facts(-1, false);
	f.alert_encrypted = true;
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "encrypted_alert");
	ck_assert_ptr_null(r.equiv);
	/* not a stack's failure */
	memset(&f, 0, sizeof f);
	diagnose(&f, &r);
	ck_assert_str_eq(r.code, "no_data");
	ck_assert_str_eq(r.fix, "Check that the server listens on this port and that the client starts TLS on it.");
	ck_assert_ptr_null(r.equiv);
}
END_TEST

/* ---- diagnose_outcome(): the runner's side ---- */

static struct diag_result outcome(int alert, bool from_device, const char *kind, bool has_ws, long ws, int want_rc)
{
	struct diag_outcome o = { .alert = alert, .alert_from_device = from_device, .kind = kind,
				  .has_wolfssl = has_ws, .wolfssl = ws };
	struct diag_result r;
	ck_assert_int_eq(diagnose_outcome(&o, &r), want_rc);
	return r;
}

START_TEST(outcome_from_an_alert)
{
	struct diag_result r = outcome(40, false, NULL, false, 0, 0);
	ck_assert_str_eq(r.code, "no_shared_cipher");
	ck_assert_str_eq(r.fix, explain_diagnosis_find("no_shared_cipher")->fix);
	ck_assert_str_eq(r.evidence, "the server sent fatal alert 40 handshake_failure");
	ck_assert_str_eq(r.equiv->key, "kind:no_shared_cipher");
	r = outcome(48, true, NULL, false, 0, 0);
	ck_assert_str_eq(r.code, "unknown_ca");
	ck_assert_str_eq(r.evidence, "the device sent fatal alert 48 unknown_ca");
	ck_assert(has_equiv(r.equiv, "bearssl", "62", "BR_ERR_X509_NOT_TRUSTED"));
	r = outcome(70, false, NULL, false, 0, 0);
	ck_assert_str_eq(r.code, "no_shared_version");
	ck_assert_str_eq(r.equiv->key, "kind:protocol_version");
	r = outcome(116, false, NULL, false, 0, 0);
	ck_assert_str_eq(r.code, "client_cert_required");
	ck_assert_str_eq(r.equiv->key, "received:116");
	/* an alert no row stands for */
	r = outcome(80, false, NULL, false, 0, 0);
	ck_assert_str_eq(r.code, "peer_alert");
	ck_assert_str_eq(r.equiv->key, "received:80");
	r = outcome(40, true, NULL, false, 0, 0);
	ck_assert_str_eq(r.code, "peer_alert");
	ck_assert_str_eq(r.equiv->key, "sent:40");
}
END_TEST

START_TEST(outcome_from_a_kind)
{
	const char *const *kinds = explain_kinds();
	struct diag_result r = outcome(-1, false, "not_yet_valid", false, 0, 0);
	ck_assert_str_eq(r.code, "certificate_expired");
	ck_assert_str_eq(r.key, "certificate_expired/not_yet_valid");
	ck_assert_str_eq(r.evidence, "failure kind not_yet_valid");
	ck_assert_str_eq(r.equiv->key, "kind:not_yet_valid");
	r = outcome(-1, false, "bad_ca_file", false, 0, 0);
	ck_assert_str_eq(r.code, "bad_ca_file");
	ck_assert(has_equiv(r.equiv, "cc3200", "-456", "SL_ESECBADCAFILE"));
	r = outcome(-1, false, "connection_dropped", false, 0, 0);
	ck_assert_str_eq(r.code, "server_closed_without_alert");
	/* the kind wins over the alert it comes with */
	r = outcome(42, true, "hostname_mismatch", false, 0, 0);
	ck_assert_str_eq(r.code, "hostname_mismatch");
	ck_assert_str_eq(r.evidence, "failure kind hostname_mismatch; the device sent fatal alert 42 bad_certificate");
	/* every kind of equivalents.ini has a diagnosis */
	for (size_t i = 0; kinds[i]; i++) {
		r = outcome(-1, false, kinds[i], false, 0, 0);
		ck_assert_ptr_nonnull(r.equiv);
	}
	r = outcome(-1, false, "no_such_kind", false, 0, -1);
	ck_assert_ptr_null(r.code);
	ck_assert_str_eq(r.evidence, "failure kind no_such_kind");
}
END_TEST

START_TEST(outcome_from_a_wolfssl_code)
{
	struct diag_result r = outcome(-1, false, NULL, true, -188, 0);
	ck_assert_str_eq(r.code, "unknown_ca");
	ck_assert_str_eq(r.evidence, "wolfSSL error -188 ASN_NO_SIGNER_E");
	r = outcome(42, true, NULL, true, -322, 0);
	ck_assert_str_eq(r.code, "hostname_mismatch");
	r = outcome(-1, false, NULL, true, -151, 0);
	ck_assert_str_eq(r.code, "certificate_expired");
	r = outcome(-1, false, NULL, true, -308, 0);
	ck_assert_str_eq(r.code, "server_closed_without_alert");
	/* -313 FATAL_ERROR stands for every received alert: the alert decides */
	r = outcome(112, false, NULL, true, -313, 0);
	ck_assert_str_eq(r.code, "missing_sni");
	ck_assert_str_eq(r.evidence,
			 "wolfSSL error -313 FATAL_ERROR; the server sent fatal alert 112 unrecognized_name");
	r = outcome(-1, false, NULL, true, -313, -1);
	ck_assert_ptr_null(r.code);
	r = outcome(-1, false, NULL, true, -99999, -1);
	ck_assert_str_eq(r.evidence, "wolfSSL error -99999 (not in the wolfSSL table)");
	r = outcome(-1, false, NULL, false, 0, -1);
	ck_assert_str_eq(r.evidence, "");
}
END_TEST

static Suite *diagnose_suite(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tables = tcase_create("tables");
	TCase *decoder = tcase_create("decoder");
	TCase *runner = tcase_create("runner");
	tcase_add_checked_fixture(tables, NULL, teardown);
	tcase_add_test(tables, every_rule_has_words);
	tcase_add_test(tables, missing_row_is_an_error);
	tcase_add_test(tables, loader_accepts_the_real_table);
	tcase_add_test(tables, loader_refuses_broken_rows);
	tcase_add_checked_fixture(decoder, NULL, teardown);
	tcase_add_test(decoder, no_shared_cipher_on_every_stack);
	tcase_add_test(decoder, unknown_ca_on_every_stack);
	tcase_add_test(decoder, equivalents_follow_the_rule);
	tcase_add_checked_fixture(runner, NULL, teardown);
	tcase_add_test(runner, outcome_from_an_alert);
	tcase_add_test(runner, reset_stall_and_silence_apart);
	tcase_add_test(runner, outcome_from_a_kind);
	tcase_add_test(runner, outcome_from_a_wolfssl_code);
	suite_add_tcase(s, tables);
	suite_add_tcase(s, decoder);
	suite_add_tcase(s, runner);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(diagnose_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
