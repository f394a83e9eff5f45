/* test_report.c - the run's reports: text lines and failure details, JSON (read back), JUnit XML
 * validated by xmllint against tests/data/junit.xsd, escaping of hostile wire text, exit codes,
 * and the output directory's safety (sanitised names, atomic files). */
#include "harness/run/case_store.h"
#include "harness/run/outdir.h"
#include "harness/run/report.h"

#include "harness/core/json.h"
#include "harness/servers/server.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct scenario_set set;
static struct case_result res[4];
static struct run_report rep;
static char tmpdir[64];

/* Wire text with everything XML and terminals dislike: markup, a control byte, invalid UTF-8. */
static const char hostile[] = "no shared cipher <b>&\"'</b> ]]> \x01\x1b[31m \xff\xfe \xed\xa0\x80 caf\xc3\xa9";

/* The reports read cases from a store (run/case_store.h): res[first..first+n) into a fresh one, in memory. */
static void use_results(size_t first, size_t n)
{
	const struct scenario_case *specs[4];
	char err[256];
	case_store_free(rep.store);
	for (size_t i = 0; i < n; i++)
		specs[i] = res[first + i].spec;
	rep.store = case_store_new(NULL, specs, n, err, sizeof err);
	ck_assert_msg(rep.store != NULL, "%s", err);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(case_store_put(rep.store, i, &res[first + i], err, sizeof err), 0);
	rep.n = n;
}

static void setup(void)
{
	char err[256], text[1024];
	const char *const *p = server_profiles();
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(p[0]);
	scenario_set_init(&set);
	snprintf(text, sizeof text,
		 "[scenario]\nname = esp8266 <&>\nreproduces = reports/esp.txt\nservers = %s\ndevice = esp8266-axtls\n"
		 "[case ok]\nexpect = connected\n"
		 "[case ciphers]\nmethod = tls1.2\nexpect = connected\nnote = see \"the tutorial\"\n"
		 "[case old]\nmethod = sslv3\nexpect = alert:protocol_version@server\n"
		 "[case crash]\nexpect = connected\n",
		 p[0]);
	ck_assert_int_eq(scenario_load_string(&set, "s.ini", text, err, sizeof err), 0);
	ck_assert_uint_eq(set.ncases, 4);
	for (size_t i = 0; i < 4; i++)
		case_result_init(&res[i], &set.cases[i]);
	res[0].got.connected = true;
	snprintf(res[0].version, sizeof res[0].version, "TLSv1.2");
	res[0].duration_ms = 12;
	report_judge(&res[0]);

	res[1].got.alert_by_server = 40;
	res[1].got.error = -313;
	snprintf(res[1].got.error_name, sizeof res[1].got.error_name, "FATAL_ERROR");
	snprintf(res[1].stage, sizeof res[1].stage, "server_hello");
	snprintf(res[1].detail, sizeof res[1].detail, "%s", hostile);
	res[1].capture.present = true;
	snprintf(res[1].capture.mode, sizeof res[1].capture.mode, "live");
	snprintf(res[1].capture.status, sizeof res[1].capture.status, "ok");
	res[1].capture.alert = 40;
	snprintf(res[1].capture.alert_from, sizeof res[1].capture.alert_from, "server");
	snprintf(res[1].capture.alert_after, sizeof res[1].capture.alert_after, "ClientHello");
	snprintf(res[1].diag.code, sizeof res[1].diag.code, "no_shared_cipher");
	snprintf(res[1].diag.summary, sizeof res[1].diag.summary, "the server shares no cipher suite");
	snprintf(res[1].diag.from, sizeof res[1].diag.from, "capture");
	res[1].device.present = true;
	snprintf(res[1].device.text, sizeof res[1].device.text, "Error: SSL error 40");
	snprintf(res[1].device.debug_text, sizeof res[1].device.debug_text, "Alert: handshake failure");
	snprintf(res[1].trace, sizeof res[1].trace, "> client_hello < alert(40)");
	res[1].server_log = strdup(hostile);
	snprintf(res[1].dir, sizeof res[1].dir, "esp8266___/002-ciphers");
	res[1].duration_ms = 1234;
	report_judge(&res[1]);

	res[2].status = CASE_SKIP;
	snprintf(res[2].skip_reason, sizeof res[2].skip_reason, "the linked wolfSSL has no SSLv3");

	res[3].status = CASE_ERROR;
	res[3].signal = 11;
	snprintf(res[3].error, sizeof res[3].error, "crashed (signal 11)");

	memset(&rep, 0, sizeof rep);
	rep.out_dir = "captures/runs/x";
	snprintf(rep.started, sizeof rep.started, "2024-05-01T10:00:00Z");
	rep.duration_ms = 2500;
	rep.capture_mode = "live";
	use_results(0, 4);
}

static void teardown(void)
{
	case_store_free(rep.store);
	rep.store = NULL;
	for (size_t i = 0; i < 4; i++)
		case_result_release(&res[i]);
	scenario_set_free(&set);
}

static char *render(void (*fn)(FILE *, const struct run_report *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(m);
	fn(m, &rep);
	fclose(m);
	return buf;
}

static void text_fn(FILE *f, const struct run_report *r)
{
	report_write_text(f, r);
}

START_TEST(statuses_and_exit_codes)
{
	struct report_counts c;
	ck_assert_int_eq(res[0].status, CASE_PASS);
	ck_assert_int_eq(res[1].status, CASE_FAIL);
	report_count(&rep, &c);
	ck_assert_uint_eq(c.pass, 1);
	ck_assert_uint_eq(c.fail, 1);
	ck_assert_uint_eq(c.skip, 1);
	ck_assert_uint_eq(c.error, 1);
	ck_assert_int_eq(report_exit_code(&rep), 1);
	/* Only passes and skips: skips fail the run unless allowed. */
	use_results(0, 1);
	ck_assert_int_eq(report_exit_code(&rep), 0);
	use_results(2, 1);
	ck_assert_int_eq(report_exit_code(&rep), 1);
	rep.allow_skip = true;
	ck_assert_int_eq(report_exit_code(&rep), 0);
	rep.incomplete = true;
	ck_assert_int_eq(report_exit_code(&rep), 2);
}
END_TEST

START_TEST(text_report)
{
	char *t = render(text_fn);
	ck_assert_ptr_nonnull(strstr(t, "PASS  esp8266 <&>/ok  expect=connected got=connected\n"));
	ck_assert_ptr_nonnull(
		strstr(t, "FAIL  esp8266 <&>/ciphers  expect=connected got=alert:handshake_failure@server error:FATAL_ERROR\n"));
	ck_assert_ptr_nonnull(strstr(t, "SKIP  esp8266 <&>/old  expect=alert:protocol_version@server got=skipped "
					"(the linked wolfSSL has no SSLv3)\n"));
	ck_assert_ptr_nonnull(strstr(t, "FAIL  esp8266 <&>/crash  expect=connected got=crashed (signal 11)\n"));
	ck_assert_ptr_nonnull(strstr(t, "--- FAIL esp8266 <&>/ciphers  (s.ini:8)\n"));
	ck_assert_ptr_nonnull(strstr(t, "  expected   connected  (line 10)\n"));
	ck_assert_ptr_nonnull(strstr(t, "  alert      handshake_failure (40) sent by the server after ClientHello (seen in the capture)\n"));
	ck_assert_ptr_nonnull(strstr(t, "  wolfSSL    FATAL_ERROR (-313)"));
	ck_assert_ptr_nonnull(strstr(t, "  diagnosis  the server shares no cipher suite\n"));
	ck_assert_ptr_nonnull(strstr(t, "  device     esp8266-axtls would print: Error: SSL error 40\n"
					"             with debugging on also: Alert: handshake failure\n"));
	ck_assert_ptr_nonnull(strstr(t, "  handshake  > client_hello < alert(40)\n"));
	ck_assert_ptr_nonnull(strstr(t, "  note       see \"the tutorial\"\n"));
	ck_assert_ptr_nonnull(strstr(t, "  server log:\n    | no shared cipher"));
	ck_assert_ptr_nonnull(strstr(t, "  files      captures/runs/x/esp8266___/002-ciphers/  (capture.pcap + capture.keys: "
					"Wireshark decrypts with the key log)\n"));
	ck_assert_ptr_nonnull(strstr(t, "--- ERROR esp8266 <&>/crash"));
	ck_assert_ptr_nonnull(strstr(t, "--- SKIPPED (not verified)\n  esp8266 <&>/old: the linked wolfSSL has no SSLv3\n"));
	ck_assert_ptr_nonnull(strstr(t, "esp8266 <&>      1     2     1     4\n"));
	ck_assert_ptr_nonnull(strstr(t, "!! 1 case SKIPPED: not run, so not verified (they fail the run; --allow-skip accepts them)\n"));
	ck_assert_ptr_nonnull(strstr(t, "result: FAILED (1 failed, 1 harness errors, 1 skipped)\n"));
	ck_assert_ptr_null(strstr(t, "--- FAIL esp8266 <&>/ok"));
	free(t);

	char diag[512];
	report_case_diagnosis(&res[1], diag, sizeof diag);
	ck_assert_str_eq(diag, "expected connected, got alert:handshake_failure@server error:FATAL_ERROR: the server shares no cipher suite");
	report_case_diagnosis(&res[3], diag, sizeof diag);
	ck_assert_str_eq(diag, "crashed (signal 11)");
}
END_TEST

START_TEST(json_report_reads_back)
{
	char err[128];
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct jv *j = report_to_json(&rep);
	ck_assert_int_eq(jv_write(m, j, true), 0);
	fclose(m);
	jv_free(j);
	j = jv_parse_string(buf, err, sizeof err);
	free(buf);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(jv_intval(jv_get(j, "exit_code")), 1);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "skip")), 1);
	ck_assert(!jv_boolval(jv_get(j, "incomplete")));
	ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(j, "scenarios"), 0), "reproduces")), "reports/esp.txt");
	const struct jv *c1 = jv_at(jv_get(j, "cases"), 1);
	ck_assert_str_eq(jv_str(jv_get(c1, "status")), "FAIL");
	ck_assert_str_eq(jv_str(jv_get(c1, "case")), "ciphers");
	ck_assert_str_eq(jv_str(jv_get(c1, "got")), "alert:handshake_failure@server error:FATAL_ERROR");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c1, "settings"), "method")), "tls1.2");
	ck_assert(jv_is_null(jv_get(jv_get(c1, "settings"), "ca")));
	ck_assert_str_eq(jv_str(jv_get(jv_get(jv_get(c1, "capture"), "alert"), "after")), "ClientHello");
	/* Invalid UTF-8 from the wire cannot be JSON text: each bad byte becomes U+FFFD. */
	const char *log = jv_str(jv_get(c1, "server_log"));
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_nonnull(strstr(log, "\x01\x1b[31m \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9"));

	/* The pipe from a case's child: to JSON and back gives the same result. */
	struct case_result back;
	case_result_init(&back, &set.cases[1]);
	report_case_from_json(&back, c1);
	ck_assert_int_eq(back.status, CASE_FAIL);
	ck_assert_int_eq(back.got.alert_by_server, 40);
	ck_assert_int_eq(back.got.alert_by_client, -1);
	ck_assert_int_eq(back.got.error, -313);
	ck_assert_str_eq(back.got.error_name, "FATAL_ERROR");
	ck_assert_str_eq(back.stage, "server_hello");
	ck_assert(back.capture.present);
	ck_assert_int_eq(back.capture.alert, 40);
	ck_assert_str_eq(back.diag.code, "no_shared_cipher");
	ck_assert_str_eq(back.diag.from, "capture");
	ck_assert_str_eq(back.capture.alert_from, "server");
	ck_assert_int_eq(back.duration_ms, 1234);
	ck_assert(back.device.present);
	ck_assert_str_eq(back.device.text, "Error: SSL error 40");
	ck_assert_str_eq(back.trace, "> client_hello < alert(40)");
	ck_assert_str_eq(back.dir, "esp8266___/002-ciphers");
	case_result_release(&back);
	const struct jv *c3 = jv_at(jv_get(j, "cases"), 3);
	case_result_init(&back, &set.cases[3]);
	report_case_from_json(&back, c3);
	ck_assert_int_eq(back.status, CASE_ERROR);
	ck_assert_int_eq(back.signal, 11);
	ck_assert(!back.capture.present);
	case_result_release(&back);
	jv_free(j);
}
END_TEST

START_TEST(time32_note)
{
	char buf[200];
	/* The ESP8266 report: notAfter 2118-05-18 10:30:37Z printed as "Sun Apr 11 04:02:21 1982". */
	ck_assert(report_time32_note(4682313037LL, buf, sizeof buf));
	ck_assert_str_eq(buf, "a device with a 32-bit time_t reads notAfter 2118-05-18 10:30:37 as Sun 1982-04-11 "
			      "04:02:21 (wraps by 2^32 s)");
	/* The last second a signed 32-bit time_t holds, and the first it does not. */
	ck_assert(!report_time32_note(2147483647LL, buf, sizeof buf));
	ck_assert_str_eq(buf, "");
	ck_assert(report_time32_note(2147483648LL, buf, sizeof buf));
	ck_assert_str_eq(buf, "a device with a 32-bit time_t reads notAfter 2038-01-19 03:14:08 as Fri 1901-12-13 "
			      "20:45:52 (wraps by 2^32 s)");
	/* 2300-01-01: two wraps. */
	ck_assert(report_time32_note(10413792000LL, buf, sizeof buf));
	ck_assert_str_eq(buf, "a device with a 32-bit time_t reads notAfter 2300-01-01 00:00:00 as Mon 2027-10-18 "
			      "11:03:28 (wraps by 2 x 2^32 s)");
	ck_assert(!report_time32_note(0, buf, sizeof buf));
}
END_TEST

/* --explain: every case explained, with its stacks' codes and the certificate's dates. */
static void equip_explained(void)
{
	rep.explain = true;
	snprintf(res[1].equiv.key, sizeof res[1].equiv.key, "kind:no_shared_cipher");
	snprintf(res[1].equiv.title, sizeof res[1].equiv.title, "no cipher suite in common");
	snprintf(res[1].equiv.line, sizeof res[1].equiv.line, "on CC3200: -340 SL_ESEC_HANDSHAKE_FAILURE");
	res[0].cert.present = true;
	snprintf(res[0].cert.from, sizeof res[0].cert.from, "capture");
	snprintf(res[0].cert.name, sizeof res[0].cert.name, "127.0.0.1");
	snprintf(res[0].cert.not_after, sizeof res[0].cert.not_after, "21180518103037Z");
	res[0].cert.not_after_epoch = 4682313037LL;
	use_results(0, 4);
}

START_TEST(explain_every_case)
{
	equip_explained();
	char *t = render(text_fn);
	ck_assert_ptr_nonnull(strstr(t, "\n--- PASS esp8266 <&>/ok  (s.ini:"));
	ck_assert_ptr_nonnull(strstr(t, "\n  validity   127.0.0.1: notAfter 21180518103037Z (seen in the capture)\n"
					"  time_t     a device with a 32-bit time_t reads notAfter 2118-05-18 10:30:37 as "
					"Sun 1982-04-11 04:02:21 (wraps by 2^32 s)\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n  on devices no cipher suite in common\n"
					"             on CC3200: -340 SL_ESEC_HANDSHAKE_FAILURE\n"));
	free(t);
	rep.explain = false;
	t = render(text_fn);
	ck_assert_ptr_null(strstr(t, "--- PASS"));
	free(t);

	/* The same facts in the JSON, and through the worker's pipe. */
	rep.explain = true;
	struct jv *j = report_to_json(&rep);
	const struct jv *c0 = jv_at(jv_get(j, "cases"), 0), *c1 = jv_at(jv_get(j, "cases"), 1);
	const struct jv *cert = jv_get(c0, "server_certificate");
	ck_assert(jv_boolval(jv_get(cert, "not_after_past_2038")));
	ck_assert_str_eq(jv_str(jv_get(cert, "time32_note")),
			 "a device with a 32-bit time_t reads notAfter 2118-05-18 10:30:37 as Sun 1982-04-11 04:02:21 "
			 "(wraps by 2^32 s)");
	ck_assert_str_eq(jv_str(jv_get(jv_get(c1, "equivalents"), "key")), "kind:no_shared_cipher");
	ck_assert(jv_is_null(jv_get(c1, "server_certificate")));
	ck_assert(jv_is_null(jv_get(c1, "compare")));
	ck_assert(jv_is_null(jv_get(c1, "reported")));
	struct case_result back;
	case_result_init(&back, &set.cases[0]);
	report_case_from_json(&back, c0);
	ck_assert(back.cert.present);
	ck_assert_int_eq(back.cert.not_after_epoch, 4682313037LL);
	ck_assert_str_eq(back.cert.not_after, "21180518103037Z");
	ck_assert_str_eq(back.cert.from, "capture");
	case_result_release(&back);
	case_result_init(&back, &set.cases[1]);
	report_case_from_json(&back, c1);
	ck_assert_str_eq(back.equiv.line, "on CC3200: -340 SL_ESEC_HANDSHAKE_FAILURE");
	ck_assert_str_eq(back.equiv.title, "no cipher suite in common");
	case_result_release(&back);
	jv_free(j);
}
END_TEST

static void junit_fn(FILE *f, const struct run_report *r)
{
	ck_assert_int_eq(junit_write(f, r), 0);
}

START_TEST(junit_validates_and_escapes)
{
	char path[128], err[256];
	ck_assert_int_eq(access("tests/data/junit.xsd", R_OK), 0); /* run from the repository root */
	char *x = render(junit_fn);
	ck_assert_ptr_nonnull(strstr(x, "<testsuites name=\"tlsdiag run\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" time=\"2.500\">"));
	ck_assert_ptr_nonnull(strstr(x, "<testsuite name=\"esp8266 &lt;&amp;&gt;\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""));
	ck_assert_ptr_nonnull(strstr(x, "timestamp=\"2024-05-01T10:00:00\""));
	ck_assert_ptr_nonnull(strstr(x, "<property name=\"reproduces\" value=\"reports/esp.txt\"/>"));
	ck_assert_ptr_nonnull(strstr(x, "<testcase name=\"ciphers\" classname=\"esp8266 &lt;&amp;&gt;\" time=\"1.234\">"));
	ck_assert_ptr_nonnull(strstr(x, "<failure message=\"expected connected, got alert:handshake_failure@server "
					"error:FATAL_ERROR: the server shares no cipher suite\" type=\"expectation\">"));
	ck_assert_ptr_nonnull(strstr(x, "<skipped message=\"the linked wolfSSL has no SSLv3\"/>"));
	ck_assert_ptr_nonnull(strstr(x, "<error message=\"crashed (signal 11)\" type=\"harness\">"));
	ck_assert_ptr_nonnull(strstr(x, "no shared cipher &lt;b&gt;&amp;&quot;&apos;&lt;/b&gt; ]]&gt; \xef\xbf\xbd\xef\xbf\xbd[31m "
					"\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9"));
	ck_assert_ptr_nonnull(strstr(x, "see &quot;the tutorial&quot;&#10;"));
	snprintf(path, sizeof path, "%s/junit.xml", tmpdir);
	ck_assert_int_eq(outdir_write_text(path, x, strlen(x), err, sizeof err), 0);
	free(x);
	ck_assert_int_eq(tu_xmllint(path), 0);

	/* The schema is not a rubber stamp: a testsuite without 'tests' fails it. */
	static const char broken[] = "<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"x\"/></testsuites>\n";
	ck_assert_int_eq(outdir_write_text(path, broken, sizeof broken - 1, err, sizeof err), 0);
	ck_assert_int_ne(tu_xmllint(path), 0);
	unlink(path);
}
END_TEST

START_TEST(escape_edges)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	junit_escape(m, "\xc0\xaf"); /* overlong '/' */
	junit_escape(m, "\xf4\x90\x80\x80"); /* above U+10FFFF */
	junit_escape(m, "\xef\xbf\xbe"); /* U+FFFE: not an XML character */
	junit_escape(m, "\xe2\x82"); /* cut short */
	junit_escape(m, "\xf0\x9f\x94\x92\t"); /* a 4-byte character and a tab */
	junit_escape(m, NULL);
	fclose(m);
	ck_assert_str_eq(buf, "\xef\xbf\xbd\xef\xbf\xbd"
			      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			      "\xef\xbf\xbd"
			      "\xef\xbf\xbd\xef\xbf\xbd"
			      "\xf0\x9f\x94\x92&#9;");
	free(buf);
}
END_TEST

START_TEST(sanitised_names)
{
	char out[16];
	outdir_sanitize("methods[method=tls1.0]", out, sizeof out);
	ck_assert_str_eq(out, "methods_method_");
	outdir_sanitize("../../etc/passwd", out, sizeof out);
	ck_assert_str_eq(out, "_._.._etc_passw");
	outdir_sanitize("..", out, sizeof out);
	ck_assert_str_eq(out, "_.");
	outdir_sanitize("", out, sizeof out);
	ck_assert_str_eq(out, "_");
	outdir_sanitize(".hidden", out, sizeof out);
	ck_assert_str_eq(out, "_hidden");
	outdir_sanitize("a b/c\xff", out, sizeof out);
	ck_assert_str_eq(out, "a_b_c_");
}
END_TEST

static size_t count_entries(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(atomic_files_and_dirs)
{
	char path[160], err[256];
	struct outdir_file of;
	struct stat st;
	snprintf(path, sizeof path, "%s/a/b/c", tmpdir);
	ck_assert_int_eq(outdir_mkdirs(path, err, sizeof err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	snprintf(path, sizeof path, "%s/a/b/c/r.txt", tmpdir);
	FILE *f = outdir_open(&of, path, err, sizeof err);
	ck_assert_ptr_nonnull(f);
	fputs("half", f);
	/* Until commit, only the temporary exists. */
	ck_assert_int_eq(access(path, F_OK), -1);
	outdir_abort(&of);
	snprintf(path, sizeof path, "%s/a/b/c", tmpdir);
	ck_assert_uint_eq(count_entries(path), 0);
	snprintf(path, sizeof path, "%s/a/b/c/r.txt", tmpdir);
	ck_assert_int_eq(outdir_write_text(path, "whole\n", 6, err, sizeof err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 6);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	unlink(path);
	/* A file where a directory is wanted. */
	ck_assert_int_eq(outdir_write_text(path, "x", 1, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/a/b/c/r.txt/d", tmpdir);
	ck_assert_int_eq(outdir_mkdirs(path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot make directory"));
	snprintf(path, sizeof path, "%s/a/b/c/r.txt", tmpdir);
	unlink(path);

	char run[256];
	snprintf(path, sizeof path, "%s/runs", tmpdir);
	ck_assert_int_eq(outdir_new_run(path, run, sizeof run, err, sizeof err), 0);
	char run2[256];
	ck_assert_int_eq(outdir_new_run(path, run2, sizeof run2, err, sizeof err), 0);
	ck_assert_str_ne(run, run2);
	rmdir(run);
	rmdir(run2);
	rmdir(path);
	snprintf(path, sizeof path, "%s/a/b/c", tmpdir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/a/b", tmpdir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/a", tmpdir);
	rmdir(path);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("ok");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, statuses_and_exit_codes);
	tcase_add_test(tc, text_report);
	tcase_add_test(tc, json_report_reads_back);
	tcase_add_test(tc, junit_validates_and_escapes);
	tcase_add_test(tc, time32_note);
	tcase_add_test(tc, explain_every_case);
	suite_add_tcase(s, tc);
	TCase *bad = tcase_create("malformed");
	tcase_add_test(bad, escape_edges);
	tcase_add_test(bad, sanitised_names);
	tcase_add_test(bad, atomic_files_and_dirs);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tlsdiag-test-report-XXXXXX");
	if (!mkdtemp(tmpdir))
		return EXIT_FAILURE;
	SRunner *sr = srunner_create(report_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rmdir(tmpdir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
