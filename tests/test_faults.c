/*
 * test_faults.c - the runner under faults, each a test with real processes:
 * a missing server binary, a taken port, an Apache configuration error, a
 * server that accepts and never answers, a server that dies (during a run
 * and in the middle of a handshake), a case that crashes, a runner that
 * crashes while serving (with its own run dirs, and with one shared run dir,
 * which the crash path removes whole), SIGTERM/SIGINT in the middle of a
 * real run (SIGTERM with the run's shared live capture), a finished run (no
 * run dir left), and scenario files that try to write outside --out or run
 * a shell.
 *
 * After every fault: no process of the run is left (a process whose command
 * line or working directory lies under the test's dir: servers are started
 * with their dir as cwd and name their files in argv) and the test's dir
 * holds no private key.  Each test gets its own dir and TMPDIR inside it, so
 * the servers' run dirs (and their certs/) are made there.
 * Run from the repository root; the binary is found from argv[0] (or $TLSDIAG).
 */
#include "harness/client/client.h"
#include "harness/core/json.h"
#include "harness/run/runner.h"
#include "harness/servers/server.h"

#include "tests/support/runutil.h"
#include "tests/support/testutil.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *argv0;
static char base[64]; /* this run of the suite */
static char root[128]; /* this test's dir */
static char tmp[192]; /* its TMPDIR: the servers' run dirs */
static char out[192]; /* --out */
static struct scenario_set set;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void setup(void)
{
	ru_test_dirs(base, root, sizeof root, tmp, sizeof tmp, out, sizeof out, NULL, 0);
	scenario_set_init(&set);
}

static void teardown(void)
{
	scenario_set_free(&set);
}

/* ---- what a run leaves ---- */

static size_t is_tmp(const char *path, const struct stat *st)
{
	(void)st;
	return strstr(path, ".tmp.") != NULL;
}

/* Files and dirs outside --out and TMPDIR, and anything group/other may read. */
static size_t is_stray(const char *path, const struct stat *st)
{
	size_t lo = strlen(out), lt = strlen(tmp);
	bool inside = (strncmp(path, out, lo) == 0 && (path[lo] == '/' || path[lo] == '\0')) ||
		      (strncmp(path, tmp, lt) == 0 && (path[lt] == '/' || path[lt] == '\0'));
	bool scenario = strstr(path, ".ini") != NULL && strchr(path + strlen(root) + 1, '/') == NULL;
	bool open_mode = S_ISREG(st->st_mode) ? (st->st_mode & 077) != 0 : S_ISDIR(st->st_mode) && (st->st_mode & 077) != 0;
	if ((!inside && !scenario && strcmp(path, out) != 0) || (inside && open_mode && strncmp(path, out, lo) == 0)) {
		fprintf(stderr, "stray: %s (mode %o)\n", path, (unsigned)(st->st_mode & 07777));
		return 1;
	}
	return 0;
}

/*
 * No process of the run left, and no private key: processes killed as the
 * run ended may take a moment to go, so this waits (checking every 20 ms, up
 * to 5 s) for the condition rather than for a time.
 */
static void assert_clean(void)
{
	long long t0 = now_ms();
	while (ru_procs_under(root, false) != 0 && now_ms() - t0 < tu_bound_ms(5000))
		poll(NULL, 0, 20);
	ck_assert_uint_eq(ru_procs_under(root, true), 0);
	ck_assert_uint_eq(ru_keys_under(root), 0);
	ck_assert_uint_eq(ru_walk(root, is_tmp), 0);
}

/* The servers' run dirs (TMPDIR/tlsdiag-*): none left once the run is over. */
static void assert_no_run_dir(void)
{
	glob_t g;
	char pattern[PATH_MAX];
	snprintf(pattern, sizeof pattern, "%s/tlsdiag-*", tmp);
	int rc = glob(pattern, 0, NULL, &g);
	ck_assert_msg(rc == GLOB_NOMATCH, "left: %s", rc == 0 ? g.gl_pathv[0] : "(glob failed)");
	globfree(&g);
}

/* ---- the binary ---- */

/* Runs tlsdiag to the end; its stderr into err. */
static int run_tlsdiag(const char *const *args, char *err, size_t errlen)
{
	int fd;
	pid_t pid = ru_spawn(argv0, args, NULL, &fd);
	ru_read_all(fd, err, errlen);
	return ru_wait_exit(pid);
}

static void write_scenario(char *path, size_t len, const char *text)
{
	snprintf(path, len, "%s/s.ini", root);
	ru_write_file(path, text, 0600);
}




/* ---- environment faults: the run does not start, says why, leaves nothing ---- */

START_TEST(missing_server_binary)
{
	char ini[PATH_MAX], err[4096];
	const char *args[] = { "run", ini, "--out", out, "--capture", "off", NULL };
	write_scenario(ini, sizeof ini, "[scenario]\nname = m\nservers = tls12-only\n[case a]\nexpect = connected\n");
	setenv("TLSDIAG_OPENSSL", "/nonexistent/openssl", 1);
	ck_assert_int_eq(run_tlsdiag(args, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "server profile tls12-only did not start: openssl not found: install the Debian "
				  "package openssl"),
		      "%s", err);
	unsetenv("TLSDIAG_OPENSSL");
	assert_clean();

	write_scenario(ini, sizeof ini, "[scenario]\nname = m\nservers = selfsigned-apache\n[case a]\nexpect = connected\n");
	setenv("TLSDIAG_APACHE", "/nonexistent/apache2", 1);
	ck_assert_int_eq(run_tlsdiag(args, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "Apache httpd not found: install the Debian package apache2"), "%s", err);
	unsetenv("TLSDIAG_APACHE");
	/* No report claims anything about cases that never ran. */
	snprintf(ini, sizeof ini, "%s/report.json", out);
	ck_assert_int_eq(access(ini, F_OK), -1);
	assert_clean();
}
END_TEST

/* A loopback listener on a free port (never accepted from). */
static int listener(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

START_TEST(port_taken)
{
	char err[512], want[128], portstr[8];
	uint16_t port;
	int fd = listener(&port);
	struct server_opts so = { .port = port };
	ck_assert_ptr_null(server_start("tls12-only", &so, err, sizeof err));
	snprintf(want, sizeof want, "port %u on 127.0.0.1 is taken", port);
	ck_assert_msg(strstr(err, want), "%s", err);
	ck_assert_ptr_null(server_start("selfsigned-apache", &so, err, sizeof err));
	ck_assert_msg(strstr(err, want), "%s", err);
	/* The same through 'tlsdiag serve --port'. */
	snprintf(portstr, sizeof portstr, "%u", port);
	const char *args[] = { "serve", "tls12-only", "--port", portstr, NULL };
	char msg[4096];
	ck_assert_int_eq(run_tlsdiag(args, msg, sizeof msg), 2);
	ck_assert_msg(strstr(msg, want), "%s", msg);
	close(fd);
	assert_clean();
}
END_TEST

START_TEST(apache_config_error)
{
	char ini[PATH_MAX], err[4096], wrapper[PATH_MAX], script[PATH_MAX + 128];
	const char *args[] = { "run", ini, "--out", out, "--capture", "off", NULL };
	/* Apache as found, with a directive it does not know appended to its configuration. */
	ck_assert_int_eq(access("/usr/sbin/apache2", X_OK), 0);
	snprintf(wrapper, sizeof wrapper, "%s/apache2-bad", root);
	snprintf(script, sizeof script, "#!/bin/sh\nexec /usr/sbin/apache2 -c 'NoSuchDirective on' \"$@\"\n");
	ru_write_file(wrapper, script, 0700);
	setenv("TLSDIAG_APACHE", wrapper, 1);
	write_scenario(ini, sizeof ini, "[scenario]\nname = m\nservers = selfsigned-apache\n[case a]\nexpect = connected\n");
	ck_assert_int_eq(run_tlsdiag(args, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "server profile selfsigned-apache did not start: ") &&
			      strstr(err, "Invalid command 'NoSuchDirective'"),
		      "%s", err);
	unsetenv("TLSDIAG_APACHE");
	assert_clean();
}
END_TEST

/* ---- faults during cases: the runner API, real servers, real client ---- */

static int run_set(struct runner_opts *o)
{
	FILE *f = fopen("/dev/null", "w");
	ck_assert_ptr_nonnull(f);
	o->out_dir = out;
	int rc = runner_run(&set, o, f);
	fclose(f);
	return rc;
}

static void load(const char *text)
{
	char err[512];
	ck_assert_msg(scenario_load_string(&set, "t.ini", text, err, sizeof err) == 0, "%s", err);
}

/* The server stops answering (SIGSTOP: the kernel still accepts) while the case runs. */
static void exec_frozen_server(const struct case_job *job, struct case_result *res)
{
	struct case_job j = *job;
	pid_t pid = server_pid(job->server);
	j.timeout_ms = 400;
	if (strcmp(job->spec->base, "frozen") == 0)
		kill(pid, SIGSTOP);
	case_execute(&j, res);
	kill(pid, SIGCONT);
}

START_TEST(server_never_answers_in_a_run)
{
	load("[scenario]\nname = f\nservers = tls12-only\n"
	     "[case frozen]\nexpect = connected\n[case after]\nexpect = connected\n");
	struct runner_opts o = { .jobs = 1, .exec = exec_frozen_server, .capture = CAPTURE_RELAY };
	long long t0 = now_ms();
	ck_assert_int_eq(run_set(&o), 1);
	ck_assert_int_lt(now_ms() - t0, tu_bound_ms(15000));
	struct jv *j = tu_report_json(out);
	const struct jv *c = tu_find_case(j, "frozen");
	ck_assert_str_eq(jv_str(jv_get(c, "status")), "FAIL");
	const char *detail = jv_str(jv_get(jv_get(c, "outcome"), "detail"));
	ck_assert_msg(strncmp(detail, "timed out after ClientHello: no answer within 400 ms", 52) == 0, "%s", detail);
	ck_assert_int_lt(jv_intval(jv_get(c, "duration_ms")), tu_bound_ms(3000));
	/* The capture shows the ClientHello that got no answer. */
	ck_assert_str_eq(jv_str(jv_get(jv_get(c, "capture"), "mode")), "relay");
	tu_assert_status(j, "after", "PASS");
	jv_free(j);
	assert_clean();
}
END_TEST

/* A client case to 127.0.0.1:port without verification, with a per-stage timeout. */
static void plain_case(struct client_case *cc, uint16_t port, int timeout_ms)
{
	client_case_init(cc);
	cc->host = "127.0.0.1";
	cc->port = port;
	cc->verify = false;
	cc->timeout_ms = timeout_ms;
}

/* A plain listener that never accepts: the client's per-stage timeout, not a hang. */
START_TEST(listener_never_answers)
{
	uint16_t port;
	int fd = listener(&port);
	struct client_case cc;
	struct client_result r;
	char err[256];
	plain_case(&cc, port, 300);
	long long t0 = now_ms();
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), 0);
	long long took = now_ms() - t0;
	ck_assert(!r.connected);
	ck_assert(r.timed_out);
	ck_assert_msg(strncmp(r.detail, "timed out after ClientHello: no answer within 300 ms", 52) == 0, "%s", r.detail);
	ck_assert_int_ge(took, 300);
	ck_assert_int_lt(took, tu_bound_ms(2000));
	close(fd);
}
END_TEST

/* A server that reads the ClientHello and then dies: its socket is reset. */
START_TEST(server_dies_mid_handshake)
{
	uint16_t port;
	int fd = listener(&port);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char buf[5];
		int c = accept(fd, NULL, NULL);
		size_t n = 0;
		while (c >= 0 && n < sizeof buf) {
			ssize_t r = read(c, buf + n, sizeof buf - n);
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		struct linger l = { 1, 0 }; /* close -> RST, as a process killed mid-handshake with unread data */
		setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
		_exit(n == sizeof buf && buf[0] == 22 ? 0 : 1); /* a handshake record */
	}
	close(fd);
	struct client_case cc;
	struct client_result r;
	char err[256];
	plain_case(&cc, port, 3000);
	long long t0 = now_ms();
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), 0);
	ck_assert_int_lt(now_ms() - t0, tu_bound_ms(2500)); /* noticed at once, not by the timeout */
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert(!r.connected);
	ck_assert(r.peer_closed);
	ck_assert(!r.timed_out);
	ck_assert_int_eq(r.error, -308); /* SOCKET_ERROR_E */
	ck_assert_msg(strncmp(r.detail, "the server closed the connection after ClientHello", 50) == 0, "%s", r.detail);
}
END_TEST

/* The server process is killed in the middle of a run: its cases fail, the run ends. */
/* True once pid has exited (a zombie of the runner's, or gone): its sockets are closed then. */
static bool exited(pid_t pid)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	bool z = fgets(line, sizeof line, f) && strrchr(line, ')') && strrchr(line, ')')[2] == 'Z';
	fclose(f);
	return z;
}

static void exec_kill_server(const struct case_job *job, struct case_result *res)
{
	if (strcmp(job->spec->base, "kill") == 0) {
		pid_t pid = server_pid(job->server);
		long long t0 = now_ms();
		kill(pid, SIGKILL);
		/* SIGKILL is delivered, not done: until it exits its listener still completes handshakes. */
		while (!exited(pid) && now_ms() - t0 < tu_bound_ms(5000))
			poll(NULL, 0, 5);
	}
	case_execute(job, res);
}

START_TEST(server_dies_during_a_run)
{
	load("[scenario]\nname = d\nservers = tls12-only\n"
	     "[case first]\nexpect = connected\n[case kill]\nexpect = connected\n[case after]\nexpect = connected\n");
	struct runner_opts o = { .jobs = 1, .exec = exec_kill_server, .capture = CAPTURE_OFF };
	ck_assert_int_eq(run_set(&o), 1);
	struct jv *j = tu_report_json(out);
	tu_assert_status(j, "first", "PASS");
	const struct jv *k = tu_find_case(j, "kill");
	ck_assert_str_eq(jv_str(jv_get(k, "status")), "FAIL");
	ck_assert_str_eq(jv_str(jv_get(jv_get(k, "outcome"), "stage")), "connect");
	tu_assert_status(j, "after", "FAIL");
	jv_free(j);
	assert_clean();
}
END_TEST

/* A case whose worker crashes (SIGILL: not caught by the sanitizers): reported, the rest runs. */
static void exec_crash(const struct case_job *job, struct case_result *res)
{
	if (strcmp(job->spec->base, "crash") == 0)
		__builtin_trap();
	case_execute(job, res);
}

START_TEST(case_crash_is_reported)
{
	load("[scenario]\nname = c\nservers = tls12-only, selfsigned-apache\n"
	     "[case before]\nserver = tls12-only\nexpect = connected\n"
	     "[case crash]\nserver = selfsigned-apache\nexpect = connected\n"
	     "[case after]\nserver = selfsigned-apache\ndevice = browser\ncheck_name = ip\nexpect = connected\n");
	struct runner_opts o = { .jobs = 2, .exec = exec_crash, .capture = CAPTURE_OFF };
	ck_assert_int_eq(run_set(&o), 1);
	struct jv *j = tu_report_json(out);
	tu_assert_status(j, "before", "PASS");
	const struct jv *c = tu_find_case(j, "crash");
	ck_assert_str_eq(jv_str(jv_get(c, "status")), "ERROR");
	ck_assert_str_eq(jv_str(jv_get(c, "error")), "crashed (signal 4)");
	tu_assert_status(j, "after", "PASS");
	jv_free(j);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/junit.xml", out);
	ck_assert_int_eq(tu_xmllint(path), 0);
	assert_clean();
}
END_TEST

/*
 * The process that started the servers crashes.  Started as root, Apache
 * switches to nobody, which clears PR_SET_PDEATHSIG: only the fatal-signal
 * path of servers/server.c stops it (and removes the private keys).  With
 * shared, the servers share a run dir, as the runner starts them: that path
 * then removes the whole run dir.
 */
static void crash_with_servers(bool shared)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char err[512], dir[PATH_MAX];
		struct server_opts so = { .workdir = shared ? dir : NULL };
		if (shared && server_rundir_make(dir, sizeof dir, err, sizeof err) != 0)
			_exit(4);
		struct server *a = server_start("selfsigned-apache", &so, err, sizeof err);
		struct server *b = a ? server_start("tls12-only", &so, err, sizeof err) : NULL;
		pid_t pids[2] = { a ? server_pid(a) : 0, b ? server_pid(b) : 0 };
		if (write(p[1], pids, sizeof pids) != (ssize_t)sizeof pids)
			_exit(3);
		if (!b)
			_exit(2);
		__builtin_trap();
	}
	close(p[1]);
	pid_t pids[2];
	ck_assert_int_eq(read(p[0], pids, sizeof pids), (ssize_t)sizeof pids);
	close(p[0]);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	/* SIGILL from the trap; valgrind, emulating it, ends the process with SIGSEGV. */
	ck_assert_msg(WIFSIGNALED(st) && (WTERMSIG(st) == SIGILL || WTERMSIG(st) == SIGSEGV),
		      "the child did not crash (status %d)", st);
	ck_assert_int_gt(pids[0], 0);
	ck_assert_int_gt(pids[1], 0);
	assert_clean();
	if (shared)
		assert_no_run_dir();
}

START_TEST(runner_crash_stops_servers)
{
	crash_with_servers(false);
}
END_TEST

START_TEST(runner_crash_removes_the_run_dir)
{
	crash_with_servers(true);
}
END_TEST

/* ---- SIGTERM / SIGINT in the middle of a real run ---- */

static const char many[] = "[scenario]\nname = many\nservers = tls12-only\nverify = no\n"
			   "[case c]\nsni = n01.test, n02.test, n03.test, n04.test, n05.test, n06.test, n07.test, "
			   "n08.test, n09.test, n10.test, n11.test,\n"
			   "  n12.test, n13.test, n14.test, n15.test, n16.test, n17.test, n18.test, n19.test, "
			   "n20.test, n21.test, n22.test\n"
			   "expect = connected\n";


static void interrupted_run(int sig, const char *name, const char *capture)
{
	char ini[PATH_MAX], json[PATH_MAX], junit[PATH_MAX], err[8192], path[PATH_MAX];
	snprintf(json, sizeof json, "%s/extra.json", root);
	snprintf(junit, sizeof junit, "%s/extra.xml", root);
	write_scenario(ini, sizeof ini, many);
	const char *args[] = { "run", ini, "--out", out, "-j", "1", "--capture", capture,
			       "--json", json, "--junit", junit, NULL };
	int fd;
	pid_t pid = ru_spawn(argv0, args, NULL, &fd);
	ru_wait_first_result(pid, out);
	ck_assert_int_eq(kill(pid, sig), 0);
	ru_read_all(fd, err, sizeof err);
	ck_assert_int_eq(ru_wait_exit(pid), 2);

	/* The reports: complete, parseable, marked incomplete, finished cases kept. */
	struct jv *j = tu_report_json(out);
	char reason[64];
	snprintf(reason, sizeof reason, "interrupted by %s", name);
	ck_assert(jv_boolval(jv_get(j, "incomplete")));
	ck_assert_str_eq(jv_str(jv_get(j, "incomplete_reason")), reason);
	tu_assert_status(j, "c[sni=n01.test]", "PASS");
	tu_assert_status(j, "c[sni=n22.test]", "NOT-RUN");
	ck_assert_int_eq(jv_intval(jv_get(j, "exit_code")), 2);
	jv_free(j);
	ck_assert_int_eq(tu_xmllint(junit), 0);
	snprintf(path, sizeof path, "%s/junit.xml", out);
	ck_assert_int_eq(tu_xmllint(path), 0);
	char jerr[256];
	j = jv_parse_file(json, jerr, sizeof jerr);
	ck_assert_msg(j != NULL, "%s", jerr);
	ck_assert(jv_boolval(jv_get(j, "incomplete")));
	jv_free(j);
	/* The first case's capture is kept whole. */
	glob_t g;
	snprintf(path, sizeof path, "%s/many/001-*/capture.pcap", out);
	ck_assert_int_eq(glob(path, 0, NULL, &g), 0);
	globfree(&g);
	/* No capture is left half-written under the final name: an interrupted one is marked. */
	snprintf(path, sizeof path, "%s/many/*/capture.pcap.part", out);
	ck_assert_int_eq(glob(path, 0, NULL, &g), GLOB_NOMATCH);
	globfree(&g);
	assert_clean(); /* with live capture: the run's capture process is gone too */
	assert_no_run_dir();
}

START_TEST(sigterm_during_a_real_run)
{
	interrupted_run(SIGTERM, "SIGTERM", "live");
}
END_TEST

START_TEST(sigint_during_a_real_run)
{
	interrupted_run(SIGINT, "SIGINT", "relay");
}
END_TEST

/* A run that ends normally leaves no run dir either (and the shared capture is gone). */
START_TEST(finished_run_leaves_no_run_dir)
{
	load("[scenario]\nname = f\nservers = tls12-only, modern\n"
	     "[case a]\nserver = tls12-only\nexpect = connected\n[case b]\nserver = modern\nexpect = connected\n");
	struct runner_opts o = { .jobs = 2, .capture = CAPTURE_LIVE };
	ck_assert_int_eq(run_set(&o), 0);
	struct jv *j = tu_report_json(out);
	ck_assert(jv_boolval(jv_get(j, "capture_shared")));
	jv_free(j);
	assert_clean();
	assert_no_run_dir();
}
END_TEST

/* ---- security ---- */

/* One case names an absolute path (in this test's dir, not a fixed /tmp name another run could own). */
static const char evil_fmt[] = "[scenario]\nname = evil\nservers = tls12-only\ndescription = $(touch PWNED2)\n"
			       "[case ../../../etc/x]\nexpect = connected\n"
			       "[case $(touch %s)]\nexpect = connected\n"
			       "[case a/b;touch PWNED3 `touch PWNED4` | x > y]\n"
			       "note = `touch PWNED5`\nexpect = connected\n";

START_TEST(scenario_cannot_escape_or_execute)
{
	char ini[PATH_MAX], err[8192], pwned_abs[PATH_MAX], evil[1024];
	snprintf(pwned_abs, sizeof pwned_abs, "%s/pwned", root);
	ck_assert_int_lt(snprintf(evil, sizeof evil, evil_fmt, pwned_abs), (int)sizeof evil);
	unlink(pwned_abs);
	ck_assert_int_eq(chdir(root), 0); /* the PWNED files would land here */
	char abs_ini[PATH_MAX];
	write_scenario(abs_ini, sizeof abs_ini, evil);
	snprintf(ini, sizeof ini, "%s", abs_ini);
	const char *args[] = { "run", ini, "--out", out, "--capture", "off", NULL };
	char cwd_tlsdiag[PATH_MAX];
	tu_tlsdiag_path(argv0, cwd_tlsdiag, sizeof cwd_tlsdiag);
	ck_assert_msg(cwd_tlsdiag[0] == '/' || getenv("TLSDIAG"), "run the suite with an absolute path");
	int rc = run_tlsdiag(args, err, sizeof err);
	ck_assert_msg(rc == 0 || rc == 1, "exit %d: %s", rc, err);
	ck_assert_int_eq(access(pwned_abs, F_OK), -1);
	static const char *const pwned[] = { "PWNED2", "PWNED3", "PWNED4", "PWNED5", "etc", "../etc", "../../etc" };
	for (size_t i = 0; i < sizeof pwned / sizeof pwned[0]; i++)
		ck_assert_msg(access(pwned[i], F_OK) == -1, "%s exists", pwned[i]);
	ck_assert_uint_eq(ru_walk(root, is_stray), 0);
	struct jv *j = tu_report_json(out);
	ck_assert_int_eq(jv_len(jv_get(j, "cases")), 3);
	const struct jv *c = tu_find_case(j, "../../../etc/x");
	ck_assert_str_eq(jv_str(jv_get(c, "dir")), "evil/001-_._.._.._etc_x");
	jv_free(j);
	assert_clean();
}
END_TEST

/* Servers bind 127.0.0.1 only; keys are 0600 in a 0700 dir. */
static bool listening_on(const char *table, const char *addr, uint16_t port)
{
	char line[512], want[64];
	FILE *f = fopen(table, "r");
	bool found = false;
	ck_assert_ptr_nonnull(f);
	snprintf(want, sizeof want, "%s:%04X", addr, port);
	while (fgets(line, sizeof line, f)) {
		char local[64], remote[64], state[8];
		if (sscanf(line, " %*s %63s %63s %7s", local, remote, state) == 3 && strcmp(state, "0A") == 0 &&
		    (strcmp(local, want) == 0 || (!addr[0] && strlen(local) > 5 &&
						  strtol(strrchr(local, ':') + 1, NULL, 16) == port)))
			found = true;
	}
	fclose(f);
	return found;
}

START_TEST(servers_loopback_only_keys_private)
{
	static const char *const profiles[] = { "tls12-only", "selfsigned-apache" };
	for (size_t i = 0; i < 2; i++) {
		char err[512];
		struct server *s = server_start(profiles[i], NULL, err, sizeof err);
		ck_assert_msg(s != NULL, "%s: %s", profiles[i], err);
		uint16_t port = server_port(s);
		ck_assert_msg(listening_on("/proc/net/tcp", "0100007F", port), "%s not on 127.0.0.1", profiles[i]);
		ck_assert_msg(!listening_on("/proc/net/tcp6", "", port), "%s on IPv6", profiles[i]);
		struct stat st;
		const char *key = server_file(s, "client.key");
		ck_assert_ptr_nonnull(key);
		ck_assert_int_eq(stat(key, &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, 0600);
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%s", key);
		*strrchr(dir, '/') = '\0';
		ck_assert_int_eq(stat(dir, &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, 0700);
		/* Apache serving as nobody (started as root) must traverse to its htdocs: 0711, not listable. */
		mode_t traversable = i == 1 && geteuid() == 0 ? 0711 : 0700;
		*strrchr(dir, '/') = '\0';
		ck_assert_int_eq(stat(dir, &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, traversable);
		ck_assert_int_eq(stat(server_dir(s), &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, traversable);
		server_stop(s);
	}
	assert_clean();
}
END_TEST

static Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *env = tcase_create("environment");
	tcase_add_checked_fixture(env, setup, teardown);
	tcase_set_timeout(env, 60);
	tcase_add_test(env, missing_server_binary);
	tcase_add_test(env, port_taken);
	tcase_add_test(env, apache_config_error);
	suite_add_tcase(s, env);
	TCase *cases = tcase_create("during");
	tcase_add_checked_fixture(cases, setup, teardown);
	tcase_set_timeout(cases, 120);
	tcase_add_test(cases, server_never_answers_in_a_run);
	tcase_add_test(cases, listener_never_answers);
	tcase_add_test(cases, server_dies_mid_handshake);
	tcase_add_test(cases, server_dies_during_a_run);
	tcase_add_test(cases, case_crash_is_reported);
	tcase_add_test(cases, runner_crash_stops_servers);
	tcase_add_test(cases, sigterm_during_a_real_run);
	tcase_add_test(cases, sigint_during_a_real_run);
	tcase_add_test(cases, runner_crash_removes_the_run_dir);
	tcase_add_test(cases, finished_run_leaves_no_run_dir);
	suite_add_tcase(s, cases);
	TCase *sec = tcase_create("security");
	tcase_add_checked_fixture(sec, setup, teardown);
	tcase_set_timeout(sec, 60);
	tcase_add_test(sec, scenario_cannot_escape_or_execute);
	tcase_add_test(sec, servers_loopback_only_keys_private);
	suite_add_tcase(s, sec);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	return ru_main(argv[0], "faults", faults_suite, &argv0, base, sizeof base);
}
