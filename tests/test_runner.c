/*
 * test_runner.c - the runner against real servers.
 *
 * "mechanics": the runner's own machinery with a stand-in case body (the
 * runner's exec hook) but real server processes: a crashing case, a hanging
 * case, SIGTERM in the middle of a run, skips, the filter, the files left.
 * "cases": real runs of tests/data/scenarios/ (wolfSSL client, openssl
 * s_server and Apache, captures): each asserts the outcome, the alert seen
 * in the capture and the diagnosis.  Run from the repository root.
 */
#include "harness/run/runner.h"

#include "harness/core/json.h"

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];
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

static __attribute__((unused)) void load_file(const char *path)
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

static struct jv *report_json(void)
{
	char path[256], err[256];
	snprintf(path, sizeof path, "%s/report.json", outdir);
	struct jv *j = jv_parse_file(path, err, sizeof err);
	ck_assert_msg(j != NULL, "%s: %s", path, err);
	return j;
}

/* The case named name in a report. */
static const struct jv *find_case(const struct jv *rep, const char *name)
{
	const struct jv *cases = jv_get(rep, "cases");
	for (size_t i = 0; i < jv_len(cases); i++)
		if (strcmp(jv_str(jv_get(jv_at(cases, i), "case")), name) == 0)
			return jv_at(cases, i);
	ck_abort_msg("no case %s in the report", name);
	return NULL;
}

static int xmllint(const char *path)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execlp("xmllint", "xmllint", "--noout", "--schema", "tests/data/junit.xsd", path, (char *)NULL);
		_exit(127);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
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
	o->capture = RUN_CAPTURE_OFF;
	int rc = runner_run(&set, o, out);
	fclose(out);
	return rc;
}

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
	struct runner_opts o = { .jobs = 2, .exec = fake_exec, .case_timeout_ms = 700 };
	ck_assert_int_eq(run(&o), 1);
	struct jv *j = report_json();
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "pass")), 3);
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "error")), 2);
	const struct jv *boom = find_case(j, "boom");
	ck_assert_str_eq(jv_str(jv_get(boom, "status")), "ERROR");
	ck_assert_str_eq(jv_str(jv_get(boom, "error")), "crashed (signal 6)");
	ck_assert_int_eq(jv_intval(jv_get(boom, "signal")), 6);
	ck_assert_str_eq(jv_str(jv_get(find_case(j, "hang"), "error")), "timed out after 0.7 s (killed)");
	ck_assert_str_eq(jv_str(jv_get(find_case(j, "ok2[method=tls1.3]"), "status")), "PASS");
	jv_free(j);

	char path[256];
	snprintf(path, sizeof path, "%s/junit.xml", outdir);
	ck_assert_int_eq(xmllint(path), 0);
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
	struct runner_opts o = { .jobs = 1, .exec = fake_exec };
	struct sigaction before, after;
	sigaction(SIGTERM, NULL, &before);
	ck_assert_int_eq(run(&o), 2);
	struct jv *j = report_json();
	ck_assert(jv_boolval(jv_get(j, "incomplete")));
	ck_assert_str_eq(jv_str(jv_get(j, "incomplete_reason")), "interrupted by SIGTERM");
	ck_assert_str_eq(jv_str(jv_get(find_case(j, "ok1"), "status")), "PASS");
	ck_assert_str_eq(jv_str(jv_get(find_case(j, "stop"), "status")), "NOT-RUN");
	ck_assert_str_eq(jv_str(jv_get(find_case(j, "after"), "status")), "NOT-RUN");
	ck_assert_int_eq(jv_intval(jv_get(j, "exit_code")), 2);
	jv_free(j);
	char path[256];
	snprintf(path, sizeof path, "%s/junit.xml", outdir);
	ck_assert_int_eq(xmllint(path), 0);
	ck_assert_uint_eq(rm_tree(outdir), 0);
	/* The runner put the signal dispositions back. */
	sigaction(SIGTERM, NULL, &after);
	ck_assert_ptr_eq(after.sa_handler, before.sa_handler);
}
END_TEST

START_TEST(skips_fail_the_run_unless_allowed)
{
	load("[scenario]\nname = mech\nservers = tls12-only\n"
	     "[case ok1]\nexpect = connected\n[case skip]\nexpect = connected\n");
	struct runner_opts o = { .jobs = 2, .exec = fake_exec };
	ck_assert_int_eq(run(&o), 1);
	ck_assert_uint_eq(rm_tree(outdir), 0);
	o.allow_skip = true;
	ck_assert_int_eq(run(&o), 0);
	struct jv *j = report_json();
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "skip")), 1);
	ck_assert_str_eq(jv_str(jv_get(find_case(j, "skip"), "skip_reason")), "no SSLv3 here");
	jv_free(j);
	ck_assert_uint_eq(rm_tree(outdir), 0);
}
END_TEST

START_TEST(filter_selects_cases)
{
	load(mech);
	struct runner_opts o = { .jobs = 2, .exec = fake_exec, .filter = "mech/ok*" };
	ck_assert_int_eq(run(&o), 0);
	struct jv *j = report_json();
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "counts"), "total")), 3);
	jv_free(j);
	ck_assert_uint_eq(rm_tree(outdir), 0);
	o.filter = "nothing/*";
	ck_assert_int_eq(run(&o), 2);
	ck_assert_int_eq(access(outdir, F_OK), -1);
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
	tcase_add_test(tc, skips_fail_the_run_unless_allowed);
	tcase_add_test(tc, filter_selects_cases);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tlsdiag-test-runner-XXXXXX");
	if (!mkdtemp(tmpdir))
		return EXIT_FAILURE;
	SRunner *sr = srunner_create(runner_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rm_tree(tmpdir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
