/*
 * test_scenarios.c - the shipped scenarios (every .ini in scenarios/) end to end: the
 * real tlsdiag binary ($TLSDIAG, else the one beside this test's build
 * directory) runs them against real local servers with --explain, --json and
 * --junit into a temporary directory.  Every case must PASS (a SKIP fails:
 * the runner exits 1 on it), and the reports must carry the key facts of the
 * two founding bug reports: alert 40 from the server after the ClientHello,
 * the CC3200's 456 and 208, the 2118 -> 1982 date of a 32-bit time_t, and the
 * ClientHellos side by side.
 *
 * The run happens once, in main(); the tests read its outputs.
 */
#define _XOPEN_SOURCE 700
#include "harness/core/json.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *argv0;
static char tmpdir[64];
static char scenarios[PATH_MAX];
static int run_status = -1;
static char *text; /* tlsdiag run's stdout */
static struct jv *report; /* --json */
static char *junit; /* --junit */

/* scenarios/ of the source tree: $TLSDIAG_SCENARIOS, ./scenarios, or up from this test. */
static int find_scenarios(void)
{
	const char *env = getenv("TLSDIAG_SCENARIOS");
	char dir[PATH_MAX / 2];
	struct stat st;
	if (env && *env) {
		snprintf(scenarios, sizeof scenarios, "%s", env);
		return stat(scenarios, &st) == 0 ? 0 : -1;
	}
	snprintf(scenarios, sizeof scenarios, "scenarios");
	if (stat("scenarios/demo.sh", &st) == 0)
		return 0;
	const char *slash = strrchr(argv0, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".");
	for (int up = 0; up < 4; up++) {
		size_t n = strlen(dir);
		snprintf(dir + n, sizeof dir - n, "/..");
		snprintf(scenarios, sizeof scenarios, "%.*s/scenarios", (int)(sizeof dir - 1), dir);
		char probe[PATH_MAX + 16];
		snprintf(probe, sizeof probe, "%s/demo.sh", scenarios);
		if (stat(probe, &st) == 0)
			return 0;
	}
	return -1;
}


/* Runs tlsdiag run on scenarios/ once; its stdout goes to text. */
static void run_once(void)
{
	char bin[PATH_MAX], out[128], json[128], xml[128], stdout_path[128];
	tu_tlsdiag_path(argv0, bin, sizeof bin);
	snprintf(out, sizeof out, "%s/run", tmpdir);
	snprintf(json, sizeof json, "%s/report.json", tmpdir);
	snprintf(xml, sizeof xml, "%s/junit.xml", tmpdir);
	snprintf(stdout_path, sizeof stdout_path, "%s/stdout.txt", tmpdir);
	if (access(bin, X_OK) != 0 || find_scenarios() != 0)
		return;
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		int fd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		execl(bin, bin, "run", "--explain", "--json", json, "--junit", xml, "-o", out, scenarios, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	run_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	char err[256];
	text = tu_slurp(stdout_path, NULL);
	report = jv_parse_file(json, err, sizeof err);
	junit = tu_slurp(xml, NULL);
}

static const struct jv *case_named(const char *scenario, const char *name)
{
	const struct jv *cases = jv_get(report, "cases");
	for (size_t i = 0; i < jv_len(cases); i++) {
		const struct jv *c = jv_at(cases, i);
		if (strcmp(jv_str(jv_get(c, "scenario")), scenario) == 0 && strcmp(jv_str(jv_get(c, "case")), name) == 0)
			return c;
	}
	ck_abort_msg("no case %s/%s in the JSON report", scenario, name);
	return NULL;
}

static void has(const char *needle)
{
	ck_assert_msg(text && strstr(text, needle), "the text report lacks: %s", needle);
}

START_TEST(every_case_passes)
{
	ck_assert_msg(run_status == 0, "tlsdiag run exited %d (binary or scenarios/ missing, or a case missed):\n%s",
		      run_status, text ? text : "(no output)");
	ck_assert_ptr_nonnull(report);
	const struct jv *counts = jv_get(report, "counts"), *cases = jv_get(report, "cases");
	ck_assert_int_eq(jv_intval(jv_get(counts, "fail")), 0);
	ck_assert_int_eq(jv_intval(jv_get(counts, "skip")), 0);
	ck_assert_int_eq(jv_intval(jv_get(counts, "error")), 0);
	ck_assert_int_eq(jv_intval(jv_get(report, "exit_code")), 0);
	size_t common = 0;
	for (size_t i = 0; i < jv_len(cases); i++) {
		const struct jv *c = jv_at(cases, i);
		ck_assert_msg(strcmp(jv_str(jv_get(c, "status")), "PASS") == 0, "%s/%s: %s",
			      jv_str(jv_get(c, "scenario")), jv_str(jv_get(c, "case")), jv_str(jv_get(c, "status")));
		common += strcmp(jv_str(jv_get(c, "scenario")), "common-failures") == 0;
	}
	ck_assert_uint_ge(common, 15);
	ck_assert_ptr_nonnull(junit);
	ck_assert_ptr_null(strstr(junit, "<failure"));
	ck_assert_ptr_null(strstr(junit, "<skipped"));
	has("\nresult: PASSED (");
}
END_TEST

START_TEST(esp8266_facts)
{
	ck_assert_ptr_nonnull(report);
	const struct jv *c = case_named("esp8266-apache-selfsigned", "as-reported");
	const struct jv *alert = jv_get(jv_get(c, "capture"), "alert");
	ck_assert_int_eq(jv_intval(jv_get(alert, "code")), 40);
	ck_assert_str_eq(jv_str(jv_get(alert, "from")), "server");
	ck_assert_str_eq(jv_str(jv_get(alert, "after")), "ClientHello");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "device"), "text")), "Error: SSL error 40");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), "no_shared_cipher");
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(jv_get(c, "equivalents"), "line")), "[Error: SSL error 40]"));
	const struct jv *cmp = jv_get(c, "compare");
	ck_assert_str_eq(jv_str(jv_get(cmp, "failed")), "esp8266-axtls");
	ck_assert_str_eq(jv_str(jv_get(cmp, "connected")), "browser");
	ck_assert_str_eq(jv_str(jv_get(cmp, "decided_by")), "cipher suites");
	const struct jv *cert = jv_get(c, "server_certificate");
	ck_assert(jv_boolval(jv_get(cert, "not_after_past_2038")));
	ck_assert_str_eq(jv_str(jv_get(cert, "not_after")), "21180518103037Z");
	ck_assert_str_eq(jv_str(jv_get(cert, "time32_note")),
			 "a device with a 32-bit time_t reads notAfter 2118-05-18 10:30:37 as Sun 1982-04-11 04:02:21 "
			 "(wraps by 2^32 s)");
	/* Both fixes and the browser connect. */
	ck_assert(jv_boolval(jv_get(jv_get(case_named("esp8266-apache-selfsigned", "server-side-fix"), "outcome"),
				    "connected")));
	ck_assert(jv_boolval(jv_get(jv_get(case_named("esp8266-apache-selfsigned", "client-side-fix"), "outcome"),
				    "connected")));

	has("\n  alert      handshake_failure (40) sent by the server after ClientHello (seen in the capture)\n");
	has("\n  device     esp8266-axtls would print: Error: SSL error 40\n");
	has("\n  time_t     a device with a 32-bit time_t reads notAfter 2118-05-18 10:30:37 as Sun 1982-04-11 04:02:21 "
	    "(wraps by 2^32 s)\n");
	has("\n  decided by cipher suites: no cipher suite in common: the server chose ");
	has("\n--- PASS esp8266-apache-selfsigned/browser  (");
}
END_TEST

START_TEST(client_cert_tls13_facts)
{
	/* The alert comes encrypted after the client's Finished: read from the capture decrypted with the case's key log. */
	ck_assert_ptr_nonnull(report);
	const struct jv *c = case_named("common-failures", "client-cert-required-tls13");
	const struct jv *alert = jv_get(jv_get(c, "capture"), "alert");
	ck_assert_int_eq(jv_intval(jv_get(alert, "code")), 116);
	ck_assert_str_eq(jv_str(jv_get(alert, "from")), "server");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), "client_cert_required");
}
END_TEST

START_TEST(wipy_facts)
{
	ck_assert_ptr_nonnull(report);
	const struct jv *pem = case_named("wipy-azure-servicebus", "pem-ca-file");
	ck_assert_str_eq(jv_str(jv_get(jv_get(pem, "device"), "text")), "OSError: 456");
	ck_assert_str_eq(jv_str(jv_get(jv_get(pem, "equivalents"), "key")), "kind:bad_ca_file");
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(jv_get(pem, "equivalents"), "line")), "-456 SL_ESECBADCAFILE"));

	/* Step 3 reproduced: the default hello reset by the path (network = reset-on:sslv3-hello). */
	const struct jv *dm = case_named("wipy-azure-servicebus", "default-method");
	ck_assert_str_eq(jv_str(jv_get(jv_get(dm, "device"), "text")), "OSError: 208");
	ck_assert_str_eq(jv_str(jv_get(jv_get(dm, "outcome"), "error_name")), "SOCKET_ERROR_E");
	ck_assert_str_eq(jv_str(jv_get(dm, "network")), "reset-on:sslv3-hello");
	ck_assert_str_eq(jv_str(jv_get(jv_get(dm, "capture"), "fault")),
			 "reset-on:sslv3-hello fired at byte 0 of the client's data");
	ck_assert_str_eq(jv_str(jv_get(jv_get(dm, "diagnosis"), "code")), "server_closed_without_alert");
	ck_assert_str_eq(jv_str(jv_get(jv_get(dm, "equivalents"), "key")), "kind:connection_dropped");
	const char *line = jv_str(jv_get(jv_get(dm, "equivalents"), "line"));
	ck_assert_ptr_nonnull(strstr(line, "on CC3200: -208 SL_ESEC_SOCKET_ERROR_E [OSError: 208]"));
	ck_assert_ptr_nonnull(strstr(line, "-308 SOCKET_ERROR_E"));
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(dm, "note")), "OSError 208"));
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(dm, "note")), "not documented"));
	/* The fix, TLS 1.0, through the same path. */
	const struct jv *fix = case_named("wipy-azure-servicebus", "default-method-fix");
	ck_assert(jv_boolval(jv_get(jv_get(fix, "outcome"), "connected")));
	ck_assert_ptr_null(jv_str(jv_get(jv_get(fix, "capture"), "fault")));

	ck_assert_str_eq(jv_str(jv_get(jv_get(case_named("wipy-azure-servicebus", "connect-by-ip"), "device"), "text")),
			 "OSError: 222");
	ck_assert_str_eq(
		jv_str(jv_get(jv_get(case_named("wipy-azure-servicebus", "rtc-never-set"), "equivalents"), "key")),
		"kind:not_yet_valid");
	/* regress_rtc_never_set_alert_48: the capture holds the client's 45 only; wolfSSL names its last, 48. */
	const struct jv *rtc = case_named("wipy-azure-servicebus", "rtc-never-set");
	const char *rtc_detail = jv_str(jv_get(jv_get(rtc, "outcome"), "detail"));
	ck_assert_msg(rtc_detail && strstr(rtc_detail, "sent alert 45 (the capture's; the library reported 48)"),
		      "rtc-never-set detail: %s", rtc_detail ? rtc_detail : "(none)");
	ck_assert_int_eq((int)jv_intval(jv_get(jv_get(jv_get(rtc, "capture"), "alert"), "code")), 45);
	ck_assert(jv_boolval(jv_get(jv_get(case_named("wipy-azure-servicebus", "working"), "outcome"), "connected")));

	has("\n  device     cc3200 would print: OSError: 456 (SL_ESECBADCAFILE)\n");
	has("\n  device     cc3200 would print: OSError: 208 (SL_ESEC_SOCKET_ERROR_E)\n");
	has("\n  network    reset-on:sslv3-hello: reset-on:sslv3-hello fired at byte 0 of the client's data\n");
	has("\n--- PASS wipy-azure-servicebus/default-method-fix  (");
	has("\n--- PASS wipy-azure-servicebus/pem-ca-file  (");
}
END_TEST

/* common-failures' network cases: the same reset in each stack's terms, the stall, the slow link. */
START_TEST(network_fault_facts)
{
	ck_assert_ptr_nonnull(report);
	const struct jv *c = case_named("common-failures", "dropped-on-each-stack[device=cc3200]");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "device"), "text")), "OSError: 208");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), "server_closed_without_alert");
	c = case_named("common-failures", "dropped-on-each-stack[device=esp32-mbedtls]");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "outcome"), "error_name")), "MBEDTLS_ERR_NET_CONN_RESET");
	c = case_named("common-failures", "closed-on-mbedtls");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "outcome"), "error_name")), "MBEDTLS_ERR_SSL_CONN_EOF");
	c = case_named("common-failures", "stalled-after-certificate");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), "server_silent");
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(jv_get(c, "capture"), "fault")), "stall-after:certificate fired at byte "));
	c = case_named("common-failures", "slow-link-timeout");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "device"), "text")), "OSError: 462");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "diagnosis"), "code")), "server_silent");
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(jv_get(c, "diagnosis"), "summary")),
				     "slower than the client's handshake timeout"));
}
END_TEST

static Suite *scenarios_suite(void)
{
	Suite *s = suite_create("scenarios");
	TCase *tc = tcase_create("ok");
	tcase_add_test(tc, every_case_passes);
	tcase_add_test(tc, esp8266_facts);
	tcase_add_test(tc, client_cert_tls13_facts);
	tcase_add_test(tc, wipy_facts);
	tcase_add_test(tc, network_fault_facts);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tlsdiag-test-scenarios-XXXXXX");
	if (!mkdtemp(tmpdir))
		return EXIT_FAILURE;
	run_once();
	SRunner *sr = srunner_create(scenarios_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	jv_free(report);
	free(text);
	free(junit);
	tu_rm_tree(tmpdir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
