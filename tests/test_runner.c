/*
 * test_runner.c - the runner against real servers.
 *
 * "mechanics": the runner's own machinery with a stand-in case body (the
 * runner's exec hook) but real server processes: a crashing case, a hanging
 * case, SIGTERM in the middle of a run, one run dir for all servers (and
 * none left after), skips, the filter, the files left.
 * "cases": real runs of tests/data/scenarios/ (wolfSSL client, openssl
 * s_server and Apache, captures): each asserts the outcome, the alert seen
 * in the capture and the diagnosis.  Run from the repository root.
 */
#include "harness/run/runner.h"

#include "harness/core/json.h"
#include "harness/servers/server.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];
static char servers_tmp[96]; /* the TMPDIR of the runs: where their servers' run dirs go */
static char outdir[128];
static struct scenario_set set;

static void setup(void)
{
	static int n;
	snprintf(outdir, sizeof outdir, "%s/run%d", tmpdir, ++n);
	scenario_set_init(&set);
}

static void teardown(void)
{
	scenario_set_free(&set);
}

static void load(const char *text)
{
	char err[512];
	ck_assert_msg(scenario_load_string(&set, "t.ini", text, err, sizeof err) == 0, "%s", err);
}

static void load_file(const char *path)
{
	char err[512];
	ck_assert_msg(scenario_load_file(&set, path, err, sizeof err) == 0, "%s", err);
}

/* Removes dir and everything under it; counts files whose name holds ".tmp." on the way. */
static size_t rm_tree(const char *dir)
{
	size_t tmps = 0;
	char path[4096];
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0)
			continue;
		tmps += strstr(e->d_name, ".tmp.") != NULL;
		if (S_ISDIR(st.st_mode))
			tmps += rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
	return tmps;
}



/* Run dirs (tlsdiag-*) left in the runs' TMPDIR: none once a run is over. */
static size_t run_dirs_left(void)
{
	size_t n = 0;
	DIR *d = opendir(servers_tmp);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));)
		if (strncmp(e->d_name, "tlsdiag-", 8) == 0) {
			fprintf(stderr, "left: %s/%s\n", servers_tmp, e->d_name);
			n++;
		}
	closedir(d);
	return n;
}

static FILE *quiet(void)
{
	FILE *f = fopen("/dev/null", "w");
	ck_assert_ptr_nonnull(f);
	return f;
}

static int run(struct runner_opts *o)
{
	FILE *out = quiet();
	o->out_dir = outdir;
	int rc = runner_run(&set, o, out);
	fclose(out);
	return rc;
}

static const char *slurp(const char *path);

/* ---- mechanics: a stand-in case body, real servers ---- */

static void fake_exec(const struct case_job *job, struct case_result *out)
{
	const char *n = job->spec->base;
	if (strcmp(n, "boom") == 0)
		abort();
	if (strcmp(n, "hang") == 0)
		for (;;)
			pause();
	if (strcmp(n, "stop") == 0) {
		kill(getppid(), SIGTERM);
		for (;;)
			pause();
	}
	if (strcmp(n, "skip") == 0) {
		out->status = CASE_SKIP;
		snprintf(out->skip_reason, sizeof out->skip_reason, "no SSLv3 here");
		return;
	}
	out->got.connected = true;
	out->status = CASE_FAIL;
}

static const char mech[] = "[scenario]\nname = mech\nservers = tls12-only\n"
			   "[case ok1]\nexpect = connected\n"
			   "[case boom]\nexpect = connected\n"
			   "[case hang]\nexpect = connected\n"
			   "[case ok2]\nmethod = tls1.2, tls1.3\nexpect = connected\n";

START_TEST(crash_and_hang_cost_only_themselves)
{
	load(mech);
	struct runner_opts o = { .jobs = 2, .exec = fake_exec, .capture = CAPTURE_OFF, .case_timeout_ms = 700 };
	ck_assert_int_eq(run(&o), 1);
	struct jv *j = tu_report_json(outdir);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "pass")), 3);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "error")), 2);
	const struct jv *boom = tu_find_case(j, "boom");
	ck_assert_str_eq(jv_str(jv_get(boom, "status")), "ERROR");
	ck_assert_str_eq(jv_str(jv_get(boom, "error")), "crashed (signal 6)");
	ck_assert_int_eq(jv_intval(jv_get(boom, "signal")), 6);
	ck_assert_str_eq(jv_str(jv_get(tu_find_case(j, "hang"), "error")), "timed out after 0.7 s (killed)");
	tu_assert_status(j, "ok2[method=tls1.3]", "PASS");
	jv_free(j);

	char path[256];
	snprintf(path, sizeof path, "%s/junit.xml", outdir);
	ck_assert_int_eq(tu_xmllint(path), 0);
	snprintf(path, sizeof path, "%s/mech/002-boom/result.json", outdir);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof path, "%s/mech/005-ok2_method_tls1.3_/server.log", outdir);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof path, "%s/report.txt", outdir);
	ck_assert_int_eq(access(path, R_OK), 0);
	ck_assert_uint_eq(rm_tree(outdir), 0);
}
END_TEST

START_TEST(sigterm_stops_and_keeps_partial_reports)
{
	load("[scenario]\nname = mech\nservers = tls12-only\n"
	     "[case ok1]\nexpect = connected\n[case stop]\nexpect = connected\n[case after]\nexpect = connected\n");
	struct runner_opts o = { .jobs = 1, .exec = fake_exec, .capture = CAPTURE_OFF };
	struct sigaction before, after;
	sigaction(SIGTERM, NULL, &before);
	ck_assert_int_eq(run(&o), 2);
	struct jv *j = tu_report_json(outdir);
	ck_assert(jv_boolval(jv_get(j, "incomplete")));
	ck_assert_str_eq(jv_str(jv_get(j, "incomplete_reason")), "interrupted by SIGTERM");
	tu_assert_status(j, "ok1", "PASS");
	tu_assert_status(j, "stop", "NOT-RUN");
	tu_assert_status(j, "after", "NOT-RUN");
	ck_assert_int_eq(jv_intval(jv_get(j, "exit_code")), 2);
	jv_free(j);
	char path[256];
	snprintf(path, sizeof path, "%s/junit.xml", outdir);
	ck_assert_int_eq(tu_xmllint(path), 0);
	ck_assert_uint_eq(rm_tree(outdir), 0);
	ck_assert_uint_eq(run_dirs_left(), 0);
	/* The runner put the signal dispositions back. */
	sigaction(SIGTERM, NULL, &after);
	ck_assert_ptr_eq(after.sa_handler, before.sa_handler);
}
END_TEST

/* The stand-in case notes where its server's CA file is, then passes. */
static void where_exec(const struct case_job *job, struct case_result *out)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/where.txt", job->dir);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s", server_ca_pem(job->server));
		fclose(f);
	}
	out->got.connected = true;
	out->status = CASE_FAIL;
}

/* Two profiles, one run dir: the certificates (and keys) are made once; nothing is left after. */
START_TEST(servers_share_one_run_dir)
{
	load("[scenario]\nname = share\nservers = tls12-only, modern\n[case c]\nexpect = connected\n");
	struct runner_opts o = { .jobs = 2, .exec = where_exec, .capture = CAPTURE_OFF };
	ck_assert_int_eq(run(&o), 0);
	char path[256], ca[2][512];
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/share/00%d-c_server_%s_/where.txt", outdir, i + 1,
			 i ? "modern" : "tls12-only");
		snprintf(ca[i], sizeof ca[i], "%s", slurp(path));
	}
	ck_assert_str_eq(ca[0], ca[1]);
	size_t l = strlen(servers_tmp);
	ck_assert_msg(strncmp(ca[0], servers_tmp, l) == 0 && strncmp(ca[0] + l, "/tlsdiag-", 9) == 0 &&
			      strstr(ca[0], "/certs/root.pem"),
		      "%s", ca[0]);
	ck_assert_int_eq(access(ca[0], F_OK), -1);
	ck_assert_uint_eq(run_dirs_left(), 0);
	ck_assert_uint_eq(rm_tree(outdir), 0);
}
END_TEST

START_TEST(skips_fail_the_run_unless_allowed)
{
	load("[scenario]\nname = mech\nservers = tls12-only\n"
	     "[case ok1]\nexpect = connected\n[case skip]\nexpect = connected\n");
	struct runner_opts o = { .jobs = 2, .exec = fake_exec, .capture = CAPTURE_OFF };
	ck_assert_int_eq(run(&o), 1);
	ck_assert_uint_eq(rm_tree(outdir), 0);
	o.allow_skip = true;
	ck_assert_int_eq(run(&o), 0);
	struct jv *j = tu_report_json(outdir);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "skip")), 1);
	ck_assert_str_eq(jv_str(jv_get(tu_find_case(j, "skip"), "skip_reason")), "no SSLv3 here");
	jv_free(j);
	ck_assert_uint_eq(rm_tree(outdir), 0);
}
END_TEST

START_TEST(filter_selects_cases)
{
	load(mech);
	struct runner_opts o = { .jobs = 2, .exec = fake_exec, .capture = CAPTURE_OFF, .filter = "mech/ok*" };
	ck_assert_int_eq(run(&o), 0);
	struct jv *j = tu_report_json(outdir);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "total")), 3);
	jv_free(j);
	ck_assert_uint_eq(rm_tree(outdir), 0);
	o.filter = "nothing/*";
	ck_assert_int_eq(run(&o), 2);
	ck_assert_int_eq(access(outdir, F_OK), -1);
}
END_TEST

/* ---- cases: real client, real servers, real captures ---- */

struct want {
	const char *name; /* scenario/case */
	const char *alert; /* seen in the capture; NULL: none */
	const char *from, *after;
	const char *diagnosis; /* the diagnosis code */
	bool decoded; /* a connection was decoded from the capture (else the outcome gave the diagnosis) */
};

static const struct want wants[] = {
	{ "ca-format/formats[ca_format=der]", NULL, NULL, NULL, "ok", true },
	{ "ca-format/formats[ca_format=pem]", NULL, NULL, NULL, "ok", true },
	{ "ca-format/formats[ca_format=pem-as-der]", NULL, NULL, NULL, "bad_ca_file", false },
	{ "ca-format/formats[ca_format=der-as-pem]", NULL, NULL, NULL, "bad_ca_file", false },
	{ "ca-format/other-ca", "unknown_ca", "client", "ServerHelloDone", "unknown_ca", true },
	{ "ciphers/axtls", "handshake_failure", "server", "ClientHello", "no_shared_cipher", true },
	{ "ciphers/browser", NULL, NULL, NULL, "ok", true },
	{ "client-cert/without[method=tls1.2]", "handshake_failure", "server", "Finished", "client_cert_required", true },
	{ "client-cert/with[method=tls1.3]", NULL, NULL, NULL, "ok", true },
	{ "dates/unset-clock", "certificate_expired", "client", "ServerHelloDone", "certificate_expired", true },
	{ "dates/expired", "certificate_expired", "client", "ServerHelloDone", "certificate_expired", true },
	{ "methods/versions[method=sslv3]", "handshake_failure", "server", "ClientHello", "version_too_low", true },
	{ "methods/versions[method=tls1.0]", "protocol_version", "server", "ClientHello", "version_too_low", true },
	{ "methods/versions[method=tls1.3]", "protocol_version", "server", "ClientHello", "version_too_high", true },
	{ "methods/versions[method=tls1.2]", NULL, NULL, NULL, "ok", true },
	{ "names/wrong-host", "bad_certificate", "client", "ServerHelloDone", "hostname_mismatch", true },
	{ "names/ip-vs-name[check_name=ip]", NULL, NULL, NULL, "ok", true },
	{ "names/ip-vs-name[check_name=other.tlsdiag.test]", "bad_certificate", "client", "ServerHelloDone",
	  "hostname_mismatch", true },
};

static void check_case(const struct jv *rep, const struct want *w, const char *mode)
{
	const struct jv *cases = jv_get(rep, "cases"), *c = NULL;
	char full[256];
	for (size_t i = 0; i < jv_len(cases) && !c; i++) {
		snprintf(full, sizeof full, "%s/%s", jv_str(jv_get(jv_at(cases, i), "scenario")),
			 jv_str(jv_get(jv_at(cases, i), "case")));
		if (strcmp(full, w->name) == 0)
			c = jv_at(cases, i);
	}
	ck_assert_msg(c != NULL, "no case %s", w->name);
	ck_assert_msg(strcmp(jv_str(jv_get(c, "status")), "PASS") == 0, "%s: %s, got %s", w->name,
		      jv_str(jv_get(c, "status")), jv_str(jv_get(c, "got")));
	const struct jv *cap = jv_get(c, "capture");
	ck_assert_msg(cap && !jv_is_null(cap), "%s: no capture", w->name);
	ck_assert_str_eq(jv_str(jv_get(cap, "mode")), mode);
	/* Every case got its own packets, none lost (live: through the run's shared capture). */
	ck_assert_int_eq(jv_intval(jv_get(cap, "dropped")), 0);
	if (w->decoded)
		ck_assert_int_gt(jv_intval(jv_get(cap, "packets")), 0);
	const struct jv *a = jv_get(cap, "alert");
	if (!w->alert) {
		ck_assert_msg(jv_is_null(a), "%s: an alert in the capture", w->name);
	} else {
		ck_assert_msg(a && !jv_is_null(a), "%s: no alert in the capture", w->name);
		ck_assert_str_eq(jv_str(jv_get(a, "name")), w->alert);
		ck_assert_str_eq(jv_str(jv_get(a, "from")), w->from);
		ck_assert_str_eq(jv_str(jv_get(a, "after")), w->after);
	}
	const struct jv *dec = jv_get(c, "decoded"), *diag = jv_get(c, "diagnosis");
	if (!w->decoded) {
		ck_assert_msg(jv_is_null(dec), "%s: a connection was decoded", w->name);
	} else {
		ck_assert_msg(dec && !jv_is_null(dec), "%s: nothing decoded", w->name);
		ck_assert_str_eq(jv_str(jv_get(jv_get(dec, "diagnosis"), "code")), w->diagnosis);
	}
	ck_assert_msg(diag && !jv_is_null(diag), "%s: no diagnosis", w->name);
	ck_assert_str_eq(jv_str(jv_get(diag, "code")), w->diagnosis);
	ck_assert_str_eq(jv_str(jv_get(diag, "from")), w->decoded ? "capture" : "outcome");
}

/* The file's text, valid until the next call (tests read one report at a time). */
static const char *slurp(const char *path)
{
	static char *last;
	free(last);
	last = tu_slurp(path, NULL);
	ck_assert_msg(last != NULL, "%s: %s", path, strerror(errno));
	return last;
}

START_TEST(scenarios_against_real_servers)
{
	static const char *const files[] = { "methods", "ciphers", "ca-format", "names", "dates", "client-cert" };
	char path[256];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "tests/data/scenarios/%s.ini", files[i]);
		load_file(path);
	}
	struct runner_opts o = { .jobs = 4 };
	o.capture = CAPTURE_LIVE;
	ck_assert_int_eq(run(&o), 0);
	struct jv *j = tu_report_json(outdir);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "pass")), 23);
	ck_assert(jv_boolval(jv_get(j, "capture_shared")));
	for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++)
		check_case(j, &wants[i], "live");
	const struct jv *ax = tu_find_case(j, "axtls");
	ck_assert_str_eq(jv_str(jv_get(jv_get(ax, "device"), "text")), "Error: SSL error 40");
	jv_free(j);

	/* The case's files. */
	snprintf(path, sizeof path, "%s/ciphers/001-axtls/decoded.txt", outdir);
	ck_assert_ptr_nonnull(strstr(slurp(path), "handshake_failure"));
	snprintf(path, sizeof path, "%s/ciphers/001-axtls/server.log", outdir);
	ck_assert_ptr_nonnull(strstr(slurp(path), "no shared cipher"));
	snprintf(path, sizeof path, "%s/ciphers/001-axtls/capture.pcap", outdir);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof path, "%s/ciphers/001-axtls/capture.keys", outdir);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof path, "%s/junit.xml", outdir);
	ck_assert_int_eq(tu_xmllint(path), 0);
	snprintf(path, sizeof path, "%s/report.txt", outdir);
	const char *t = slurp(path);
	ck_assert_ptr_nonnull(strstr(t, "PASS  ciphers/axtls  expect=alert:handshake_failure@server "
					"got=alert:handshake_failure@server error:FATAL_ERROR\n"));
	ck_assert_ptr_nonnull(strstr(t, "result: PASSED (23 passed)"));
	ck_assert_uint_eq(rm_tree(outdir), 0);
	ck_assert_uint_eq(run_dirs_left(), 0);
}
END_TEST

/* The same cases through the recording relay (what an unprivileged run uses). */
START_TEST(relay_capture_sees_the_same)
{
	load_file("tests/data/scenarios/methods.ini");
	load_file("tests/data/scenarios/names.ini");
	struct runner_opts o = { .jobs = 4 };
	o.capture = CAPTURE_RELAY;
	ck_assert_int_eq(run(&o), 0);
	struct jv *j = tu_report_json(outdir);
	ck_assert(!jv_boolval(jv_get(j, "capture_shared")));
	for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++)
		if (strncmp(wants[i].name, "methods/", 8) == 0 || strncmp(wants[i].name, "names/", 6) == 0)
			check_case(j, &wants[i], "relay");
	jv_free(j);
	ck_assert_uint_eq(rm_tree(outdir), 0);
}
END_TEST

/* A failing case: the text report explains it from the capture, the tables and the device. */
START_TEST(failure_is_explained)
{
	load("[scenario]\nname = esp\nservers = selfsigned-apache\ndevice = esp8266-axtls\ncheck_name = ip\n"
	     "[case hoped]\nexpect = connected\n");
	struct runner_opts o = { .jobs = 1 };
	o.capture = CAPTURE_AUTO;
	ck_assert_int_eq(run(&o), 1);
	char path[256];
	snprintf(path, sizeof path, "%s/report.txt", outdir);
	const char *t = slurp(path);
	ck_assert_ptr_nonnull(strstr(t, "FAIL  esp/hoped  expect=connected got=alert:handshake_failure@server "
					"error:FATAL_ERROR\n"));
	ck_assert_ptr_nonnull(strstr(t, "  alert      handshake_failure (40) sent by the server after ClientHello "
					"(seen in the capture)\n"));
	ck_assert_ptr_nonnull(strstr(t, "  wolfSSL    FATAL_ERROR (-313)"));
	ck_assert_ptr_nonnull(strstr(t, "  diagnosis  "));
	ck_assert_ptr_nonnull(strstr(t, "  device     esp8266-axtls would print: Error: SSL error 40"));
	ck_assert_ptr_nonnull(strstr(t, "no shared cipher"));
	snprintf(path, sizeof path, "%s/junit.xml", outdir);
	ck_assert_ptr_nonnull(strstr(slurp(path), "<failure message=\"expected connected, got alert:handshake_failure@server"));
	ck_assert_int_eq(tu_xmllint(path), 0);
	ck_assert_uint_eq(rm_tree(outdir), 0);
}
END_TEST

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* A scenario's servers = may name a profile file of the user's, read from the scenario's directory. */
START_TEST(scenario_names_a_profile_file)
{
	char dir[200], path[260], ini[300], err[512], text[1024];
	snprintf(dir, sizeof dir, "%s/own-profile", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	/* An s_server profile of the user's: TLS 1.2 only, as a real user would write one. */
	snprintf(path, sizeof path, "%s/lab.ini", dir);
	write_text(path, "[profile]\ndescription = my lab server\nserver = s_server\n"
			 "[tls]\nprotocols = -all +TLSv1.2\n"
			 "[certificate]\nleaf = valid\nchain = inter\nanchor = root\n");
	snprintf(ini, sizeof ini, "%s/s.ini", dir);
	write_text(ini, "[scenario]\nname = own\nservers = ./lab.ini\n"
			"[case ok]\nexpect = connected\n"
			"[case new]\nserver = lab.ini\nmethod = tls1.3\n"
			"expect = alert:protocol_version@server\n");
	load_file(ini);
	struct runner_opts o = { .jobs = 2, .capture = CAPTURE_OFF };
	ck_assert_int_eq(run(&o), 0);
	struct jv *j = tu_report_json(outdir);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "pass")), 2);
	jv_free(j);
	ck_assert_uint_eq(rm_tree(outdir), 0);
	/* A file that is not there is the scenario file's error, with its line. */
	snprintf(text, sizeof text, "[scenario]\nname = gone\nservers = %s/missing.ini\n[case a]\nexpect = connected\n",
		 dir);
	ck_assert_int_eq(scenario_load_string(&set, "t.ini", text, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "t.ini:3: server profile ") && strstr(err, "missing.ini"), "%s", err);
	unlink(path);
	unlink(ini);
	rmdir(dir);
}
END_TEST

static Suite *runner_suite(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("mechanics");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, crash_and_hang_cost_only_themselves);
	tcase_add_test(tc, sigterm_stops_and_keeps_partial_reports);
	tcase_add_test(tc, servers_share_one_run_dir);
	tcase_add_test(tc, skips_fail_the_run_unless_allowed);
	tcase_add_test(tc, filter_selects_cases);
	suite_add_tcase(s, tc);
	TCase *real = tcase_create("cases");
	tcase_add_checked_fixture(real, setup, teardown);
	tcase_set_timeout(real, 300);
	tcase_add_test(real, scenarios_against_real_servers);
	tcase_add_test(real, relay_capture_sees_the_same);
	tcase_add_test(real, failure_is_explained);
	tcase_add_test(real, scenario_names_a_profile_file);
	suite_add_tcase(s, real);
	return s;
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tlsdiag-test-runner-XXXXXX");
	if (!mkdtemp(tmpdir))
		return EXIT_FAILURE;
	snprintf(servers_tmp, sizeof servers_tmp, "%s/tmp", tmpdir);
	if (mkdir(servers_tmp, 0700) != 0)
		return EXIT_FAILURE;
	setenv("TMPDIR", servers_tmp, 1);
	SRunner *sr = srunner_create(runner_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rm_tree(tmpdir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
