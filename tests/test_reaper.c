/*
 * test_reaper.c - processes of a run under the faults that used to leak
 * them, with the real binary and real servers: tlsdiag SIGKILLed in the
 * middle of a run (Apache running as nobody, s_server), SIGHUP and SIGQUIT,
 * a dead run's leftovers swept by the next one, a SIGTERM while the
 * reports are written; and what a CI sees: case lines through a pipe as
 * they happen, -j 40 against one openssl s_server (no FAIL), --capture live
 * without the permission (exit 2 before any case), an Apache profile that
 * answers GET / with 200 from a TMPDIR with a space, control bytes of a
 * hostile scenario file escaped.
 * After each: no process of the run is left, no private key.
 * Run from the repository root, as root (Apache drops to nobody).
 */
#include "harness/core/json.h"
#include "harness/run/runner.h"
#include "harness/servers/reaper.h"
#include "harness/servers/server.h"

#include "tests/support/runutil.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *argv0;
static char base[64];
static char root[128], tmp[192], out[192], ini[256];

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void setup(void)
{
	ru_test_dirs(base, root, sizeof root, tmp, sizeof tmp, out, sizeof out, ini, sizeof ini);
}

/* The servers' run dirs left in TMPDIR. */
static size_t run_dirs(void)
{
	glob_t g;
	char pattern[PATH_MAX];
	snprintf(pattern, sizeof pattern, "%s/tlsdiag-*", tmp);
	int rc = glob(pattern, 0, NULL, &g);
	size_t n = rc == 0 ? g.gl_pathc : 0;
	if (n)
		fprintf(stderr, "left: %s\n", g.gl_pathv[0]);
	globfree(&g);
	return n;
}

/* No process of the run, no run dir, no private key: waited for (every 20 ms, up to 5 s), not slept on. */
static void assert_clean(void)
{
	long long t0 = now_ms();
	while ((ru_procs_under(root, false) != 0 || run_dirs() != 0) && now_ms() - t0 < tu_bound_ms(5000))
		poll(NULL, 0, 20);
	ck_assert_uint_eq(ru_procs_under(root, true), 0);
	ck_assert_uint_eq(run_dirs(), 0);
	ck_assert_uint_eq(ru_keys_under(root), 0);
}

static const char many[] = "[scenario]\nname = many\nservers = selfsigned-apache, tls12-only\nverify = no\n"
			   "[case web]\nserver = selfsigned-apache\nexpect = connected\n"
			   "[case c]\nserver = tls12-only\n"
			   "sni = n01.test, n02.test, n03.test, n04.test, n05.test, n06.test, n07.test, n08.test, "
			   "n09.test, n10.test, n11.test, n12.test, n13.test, n14.test, n15.test, n16.test, n17.test,\n"
			   "  n18.test, n19.test, n20.test\n"
			   "expect = connected\n";


/* The Apache of the run, as ps shows it: running as nobody when we are root. */
static bool apache_as_nobody(void)
{
	char cmd[512], line[512];
	snprintf(cmd, sizeof cmd, "ps -o user=,args= -u nobody");
	FILE *p = popen(cmd, "r");
	bool found = false;
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof line, p))
		found |= strstr(line, "apache2") && strstr(line, tmp);
	pclose(p);
	return found;
}

START_TEST(sigkill_mid_run_leaves_nothing)
{
	char err[8192];
	ck_assert_msg(geteuid() == 0, "needs root: Apache must drop to nobody, which clears PDEATHSIG");
	ru_write_file(ini, many, 0600);
	const char *args[] = { "run", ini, "--out", out, "-j", "1", "--capture", "relay", NULL };
	int fd;
	pid_t pid = ru_spawn(argv0, args, NULL, &fd);
	ru_wait_first_result(pid, out);
	ck_assert(apache_as_nobody()); /* the case PDEATHSIG cannot cover */
	glob_t g;
	char pattern[PATH_MAX];
	snprintf(pattern, sizeof pattern, "%s/tlsdiag-*/certs/*.key", tmp);
	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0); /* the run's private keys, there to be removed */
	globfree(&g);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ru_read_all(fd, err, sizeof err);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_clean(); /* the reaper saw its socket close: servers killed, run dir and keys gone */
	ck_assert(!apache_as_nobody());
}
END_TEST

/* SIGHUP (a closed terminal) and SIGQUIT end a run as SIGTERM does: reports marked, exit 2, clean. */
static void stopped_by(int sig, const char *name)
{
	char err[8192], reason[64];
	ru_write_file(ini, many, 0600);
	const char *args[] = { "run", ini, "--out", out, "-j", "1", "--capture", "relay", NULL };
	int fd;
	pid_t pid = ru_spawn(argv0, args, NULL, &fd);
	ru_wait_first_result(pid, out);
	ck_assert_int_eq(kill(pid, sig), 0);
	ru_read_all(fd, err, sizeof err);
	ck_assert_int_eq(ru_wait_exit(pid), 2);
	struct jv *j = tu_report_json(out);
	snprintf(reason, sizeof reason, "interrupted by %s", name);
	ck_assert(jv_boolval(jv_get(j, "incomplete")));
	ck_assert_str_eq(jv_str(jv_get(j, "incomplete_reason")), reason);
	tu_assert_status(j, "c[sni=n20.test]", "NOT-RUN");
	jv_free(j);
	assert_clean();
}

START_TEST(sighup_ends_a_run_like_sigterm)
{
	stopped_by(SIGHUP, "SIGHUP");
}
END_TEST

START_TEST(sigquit_ends_a_run_like_sigterm)
{
	stopped_by(SIGQUIT, "SIGQUIT");
}
END_TEST

/* A dead run's dir (its pid gone) with a key and a process still working in it: the next run removes both. */
START_TEST(next_run_sweeps_a_dead_runs_leftovers)
{
	char dead[300], live[300], key[400], err[8192];
	pid_t gone = fork();
	ck_assert_int_ge(gone, 0);
	if (gone == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(gone, NULL, 0), gone); /* its pid is free now */
	snprintf(dead, sizeof dead, "%s/tlsdiag-%ld-AbCdEf", tmp, (long)gone);
	snprintf(live, sizeof live, "%s/tlsdiag-%ld-GhIjKl", tmp, (long)getpid());
	ck_assert_int_eq(mkdir(dead, 0700), 0);
	ck_assert_int_eq(mkdir(live, 0700), 0);
	snprintf(key, sizeof key, "%s/server.key", dead);
	ru_write_file(key, "-----BEGIN PRIVATE KEY-----\n", 0600);
	/* An orphan "server" of the dead run: it works in the dir, as servers do (cwd). */
	pid_t orphan = fork();
	ck_assert_int_ge(orphan, 0);
	if (orphan == 0) {
		if (chdir(dead) != 0)
			_exit(1);
		for (;;)
			pause();
	}
	long long t0 = now_ms();
	char cwd[64], got[PATH_MAX];
	snprintf(cwd, sizeof cwd, "/proc/%ld/cwd", (long)orphan);
	for (ssize_t r = 0; (r = readlink(cwd, got, sizeof got - 1)) <= 0 || (got[r] = '\0', strcmp(got, dead) != 0);)
		ck_assert_msg(now_ms() - t0 < tu_bound_ms(5000), "the orphan did not start");

	ru_write_file(ini, "[scenario]\nname = s\nservers = tls12-only\n[case a]\nexpect = connected\n", 0600);
	const char *args[] = { "run", ini, "--out", out, "--capture", "off", NULL };
	int fd;
	pid_t pid = ru_spawn(argv0, args, NULL, &fd);
	ru_read_all(fd, err, sizeof err);
	ck_assert_msg(ru_wait_exit(pid) == 0, "%s", err);
	int st;
	ck_assert_int_eq(waitpid(orphan, &st, 0), orphan);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ck_assert_int_eq(access(dead, F_OK), -1);
	ck_assert_int_eq(access(live, F_OK), 0); /* a live process's dir is kept */
	ck_assert_int_eq(rmdir(live), 0);
	assert_clean();
}
END_TEST

/* ---- signals while the reports are written ---- */

/* A stream that raises SIGTERM when the run writes its "reports:" line: mid-way through the reports. */
static ssize_t term_on_reports(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	if (memmem(buf, n, "reports: ", 9))
		raise(SIGTERM);
	return (ssize_t)n;
}

START_TEST(sigterm_while_writing_reports_is_not_swallowed)
{
	struct scenario_set set;
	char err[512];
	scenario_set_init(&set);
	ck_assert_msg(scenario_load_string(&set, "t.ini", "[scenario]\nname = s\nservers = tls12-only\n"
							  "[case a]\nexpect = connected\n",
					   err, sizeof err) == 0,
		      "%s", err);
	cookie_io_functions_t io = { .write = term_on_reports };
	FILE *f = fopencookie(NULL, "w", io);
	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IONBF, 0); /* each write reaches term_on_reports as the runner makes it */
	struct runner_opts o = { .jobs = 1, .capture = CAPTURE_OFF, .out_dir = out };
	ck_assert_int_eq(runner_run(&set, &o, f), 2); /* the case passed, yet the run was asked to stop */
	fclose(f);
	scenario_set_free(&set);
	assert_clean();
}
END_TEST

/* ---- what a CI sees ---- */

/* Each case's line reaches a pipe as the case ends, long before the run does. */
START_TEST(case_lines_reach_a_pipe_as_they_happen)
{
	char line[512], err[8192], rest[65536];
	ru_write_file(ini, many, 0600);
	const char *args[] = { "run", ini, "--out", out, "-j", "1", "--capture", "relay", NULL };
	int ofd, efd;
	pid_t pid = ru_spawn(argv0, args, &ofd, &efd);
	size_t n = 0;
	while (n + 1 < sizeof line) {
		ssize_t r = read(ofd, line + n, 1);
		ck_assert_int_eq(r, 1);
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	/* The first line is there while 20 more cases are still to run. */
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);
	ck_assert_msg(strncmp(line, "[1/21] PASS  many/", 18) == 0, "%s", line);
	ru_read_all(ofd, rest, sizeof rest);
	ru_read_all(efd, err, sizeof err);
	ck_assert_msg(ru_wait_exit(pid) == 0, "%s", err);
	ck_assert_msg(strstr(rest, "[21/21] PASS  many/"), "%s", rest);
	assert_clean();
}
END_TEST

/*
 * -j 40 against one openssl s_server, which serves one connection at a
 * time: with a client that waits at most 1 s per stage, 40 at once would
 * time out in its backlog ("no answer within 1000 ms").  The runner queues
 * them per server instead: every case passes.
 */
static void exec_impatient(const struct case_job *job, struct case_result *res)
{
	struct case_job j = *job;
	j.timeout_ms = (int)tu_bound_ms(1000); /* scaled under valgrind, as every bound */
	case_execute(&j, res);
}

START_TEST(overload_of_one_s_server_is_no_failure)
{
	char text[4096], err[512];
	struct scenario_set set;
	size_t k = (size_t)snprintf(text, sizeof text, "[scenario]\nname = load\nservers = tls12-only\nverify = no\n");
	/* Two cases of 20 names each (a list holds up to 32), ten names a line. */
	for (int i = 1; i <= 40; i++)
		k += (size_t)snprintf(text + k, sizeof text - k, "%sn%02d.test%s",
				      i % 20 == 1 ? (i == 1 ? "[case c]\nsni = " : "[case d]\nsni = ") : i % 10 == 1 ? "  " : "",
				      i, i % 20 == 0 ? "\nexpect = connected\n" : i % 10 == 0 ? ",\n" : ", ");
	scenario_set_init(&set);
	ck_assert_msg(scenario_load_string(&set, "load.ini", text, err, sizeof err) == 0, "%s", err);
	FILE *null = fopen("/dev/null", "w");
	struct runner_opts o = { .jobs = 40, .capture = CAPTURE_RELAY, .out_dir = out, .exec = exec_impatient };
	ck_assert_int_eq(runner_run(&set, &o, null), 0);
	fclose(null);
	struct jv *j = tu_report_json(out);
	const struct jv *cases = jv_get(j, "cases");
	ck_assert_int_eq(jv_len(cases), 40);
	for (size_t i = 0; i < 40; i++) {
		const struct jv *c = jv_at(cases, i);
		tu_assert_status(j, jv_str(jv_get(c, "case")), "PASS");
	}
	jv_free(j);
	scenario_set_free(&set);
	assert_clean();
}
END_TEST

/*
 * The harness itself out of resources (the worker cannot open one more
 * descriptor: RLIMIT_NOFILE at what it holds) is a harness error, exit 2,
 * never a FAIL of the case.
 */
static void exec_no_fds(const struct case_job *job, struct case_result *res)
{
	int probe = open("/dev/null", O_RDONLY | O_CLOEXEC); /* the lowest free descriptor */
	if (probe >= 0) {
		close(probe);
		struct rlimit rl = { .rlim_cur = (rlim_t)probe, .rlim_max = (rlim_t)probe };
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Under valgrind setrlimit leaves RLIMIT_NOFILE alone (it keeps the top for itself): take what is left. */
	while (open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0)
		;
	case_execute(job, res);
}

START_TEST(harness_out_of_descriptors_is_an_error_not_a_fail)
{
	struct scenario_set set;
	char err[512], line[1024];
	scenario_set_init(&set);
	ck_assert_msg(scenario_load_string(&set, "t.ini", "[scenario]\nname = s\nservers = tls12-only\n"
							  "[case a]\nexpect = connected\n",
					   err, sizeof err) == 0,
		      "%s", err);
	FILE *null = fopen("/dev/null", "w");
	struct runner_opts o = { .jobs = 1, .capture = CAPTURE_RELAY, .out_dir = out, .exec = exec_no_fds };
	ck_assert_int_eq(runner_run(&set, &o, null), 2);
	fclose(null);
	struct jv *j = tu_report_json(out);
	const struct jv *c = tu_find_case(j, "a");
	ck_assert_str_eq(jv_str(jv_get(c, "status")), "ERROR");
	ck_assert(jv_boolval(jv_get(c, "harness_error")));
	ck_assert_str_eq(jv_str(jv_get(c, "error")), "could not bind a client port on 127.0.0.1: Too many open files");
	ck_assert_int_eq(jv_intval(jv_get(j, "exit_code")), 2);
	jv_free(j);
	char path[300];
	snprintf(path, sizeof path, "%s/report.txt", out);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	bool err_line = false;
	while (fgets(line, sizeof line, f))
		err_line |= strncmp(line, "ERR   s/a  expect=connected got=could not bind", 46) == 0;
	fclose(f);
	ck_assert(err_line);
	scenario_set_free(&set);
	assert_clean();
}
END_TEST

/* --capture live without CAP_NET_RAW: exit 2 before any case (setpriv drops the capability). */
START_TEST(capture_live_without_permission_exits_2_up_front)
{
	char path[PATH_MAX], err[8192];
	int p[2];
	ck_assert_int_eq(access("/usr/bin/setpriv", X_OK), 0);
	ru_write_file(ini, "[scenario]\nname = s\nservers = tls12-only\n[case a]\nexpect = connected\n", 0600);
	tu_tlsdiag_path(argv0, path, sizeof path);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(p[1], 2);
		execl("/usr/bin/setpriv", "setpriv", "--inh-caps=-net_raw,-net_admin", "--bounding-set=-net_raw,-net_admin",
		      path, "run", ini, "--out", out, "--capture", "live", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ru_read_all(p[0], err, sizeof err);
	ck_assert_int_eq(ru_wait_exit(pid), 2);
	ck_assert_msg(strstr(err, "environment error: --capture live: ") && strstr(err, "needs root or CAP_NET_RAW"), "%s",
		      err);
	char result[300];
	snprintf(result, sizeof result, "%s/s/001-a/result.json", out);
	ck_assert_int_eq(access(result, F_OK), -1); /* no case ran */
	assert_clean();
}
END_TEST

/* GET / after the handshake: 200 and the page, from a TMPDIR with a space (curl, a real client). */
START_TEST(apache_serves_a_page_from_a_tmpdir_with_a_space)
{
	char spaced[256], err[512], url[64], body[4096];
	snprintf(spaced, sizeof spaced, "%s/tmp dir", root);
	ck_assert_int_eq(mkdir(spaced, 0711), 0);
	/* Apache as nobody must traverse to its htdocs: the dirs above ours let it (0711, as /tmp's 1777). */
	ck_assert_int_eq(chmod(base, 0711), 0);
	ck_assert_int_eq(chmod(root, 0711), 0);
	setenv("TMPDIR", spaced, 1);
	struct server *s = server_start("selfsigned-apache", NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/", server_port(s));
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		execl("/usr/bin/curl", "curl", "-sk", "-w", "\nstatus %{http_code}\n", url, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ru_read_all(p[0], body, sizeof body);
	ck_assert_int_eq(ru_wait_exit(pid), 0);
	ck_assert_msg(strstr(body, "tlsdiag test server") && strstr(body, "status 200"), "%s", body);
	/* The keys stay unreadable to nobody: 0600 in a 0700 dir. */
	struct stat st;
	const char *key = server_file(s, "client.key");
	ck_assert_int_eq(stat(key, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	server_stop(s);
	ck_assert_int_eq(chmod(root, 0700), 0);
	ck_assert_int_eq(chmod(base, 0700), 0);
	setenv("TMPDIR", tmp, 1);
	assert_clean();
}
END_TEST

/*
 * Control bytes in a scenario file are shown escaped, never sent to the
 * terminal (the parser refuses them in values; names it quotes back).
 */
START_TEST(hostile_scenario_bytes_are_escaped)
{
	char sout[4096], err[8192];
	ru_write_file(ini, "[scenario]\nname = evil\nservers = tls12-only\n"
			   "[case a]\nexpect = connected\nbogus\x1b]0;owned\x07 = 1\n",
		      0600);
	const char *args[] = { "run", ini, "--out", out, "--capture", "off", NULL };
	int ofd, efd;
	pid_t pid = ru_spawn(argv0, args, &ofd, &efd);
	ru_read_all(ofd, sout, sizeof sout);
	ru_read_all(efd, err, sizeof err);
	ck_assert_int_eq(ru_wait_exit(pid), 2);
	ck_assert_msg(!strchr(err, '\x1b') && !strchr(err, '\x07'), "raw control bytes on stderr");
	ck_assert_msg(strstr(err, "usage error: ") && strstr(err, "s.ini:6: unknown key 'bogus\\x1b]0;owned\\x07'"), "%s",
		      err);
	ck_assert_str_eq(sout, "");
	assert_clean();
}
END_TEST

static Suite *reaper_suite(void)
{
	Suite *s = suite_create("reaper");
	TCase *kill = tcase_create("signals");
	tcase_add_checked_fixture(kill, setup, NULL);
	tcase_set_timeout(kill, 180);
	tcase_add_test(kill, sigkill_mid_run_leaves_nothing);
	tcase_add_test(kill, sighup_ends_a_run_like_sigterm);
	tcase_add_test(kill, sigquit_ends_a_run_like_sigterm);
	tcase_add_test(kill, next_run_sweeps_a_dead_runs_leftovers);
	tcase_add_test(kill, sigterm_while_writing_reports_is_not_swallowed);
	suite_add_tcase(s, kill);
	TCase *ci = tcase_create("ci");
	tcase_add_checked_fixture(ci, setup, NULL);
	tcase_set_timeout(ci, 180);
	tcase_add_test(ci, case_lines_reach_a_pipe_as_they_happen);
	tcase_add_test(ci, overload_of_one_s_server_is_no_failure);
	tcase_add_test(ci, harness_out_of_descriptors_is_an_error_not_a_fail);
	tcase_add_test(ci, capture_live_without_permission_exits_2_up_front);
	tcase_add_test(ci, apache_serves_a_page_from_a_tmpdir_with_a_space);
	tcase_add_test(ci, hostile_scenario_bytes_are_escaped);
	suite_add_tcase(s, ci);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	return ru_main(argv[0], "reaper", reaper_suite, &argv0, base, sizeof base);
}
