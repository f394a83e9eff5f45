/*
 * test_proc.c - child processes: spawn, readiness by connect, stop that
 * reaches the whole process group, no orphans, no leaked descriptors.
 *
 * Real processes only (sh, sleep, openssl s_server on 127.0.0.1).  The test
 * makes itself a child subreaper so grandchildren orphaned by a stop come
 * back to it and can be checked dead and reaped, not left to PID 1.
 */
#include "harness/servers/proc.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tlsdiag-test-proc-XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A free loopback port, learnt by binding port 0. */
static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Pids whose process group is pgid and that are not zombies (from /proc/PID/stat). */
static int group_members(pid_t pgid, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512], state;
		long pg;
		FILE *f;
		char *rp;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof buf, f)) {
			fclose(f);
			continue;
		}
		fclose(f);
		rp = strrchr(buf, ')'); /* comm may hold spaces */
		if (!rp || sscanf(rp + 1, " %c %*d %ld", &state, &pg) != 2)
			continue;
		if (pg == pgid && state != 'Z' && n < max)
			out[n++] = (pid_t)strtol(e->d_name, NULL, 10);
	}
	closedir(d);
	return n;
}

START_TEST(spawn_runs_and_reaps)
{
	char err[256] = "";
	struct proc p;
	char *argv[] = { "sh", "-c", "exit 7", NULL };
	ck_assert_int_eq(proc_spawn(&p, argv, NULL, err, sizeof err), 0);
	ck_assert_int_gt(p.pid, 0);
	proc_stop(&p, 2000);
	ck_assert(p.reaped);
	ck_assert_int_eq(p.pid, 0);
	ck_assert(!proc_alive(&p));
	proc_stop(&p, 0); /* idempotent */
}
END_TEST

START_TEST(spawn_missing_program_fails_clearly)
{
	char err[512] = "";
	struct proc p;
	char *argv[] = { "tlsdiag-no-such-program", NULL };
	ck_assert_int_eq(proc_spawn(&p, argv, NULL, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "tlsdiag-no-such-program: not found"));
	ck_assert_int_eq(p.pid, 0);
}
END_TEST

START_TEST(exec_failure_reported)
{
	char err[512] = "", path[300];
	struct proc p;
	int fd;
	snprintf(path, sizeof path, "%s/notabinary", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT, 0700);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\x7f" "ELFgarbage", 11), 11);
	close(fd);
	char *argv[] = { path, NULL };
	ck_assert_int_eq(proc_spawn(&p, argv, NULL, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot start: Exec format error"));
	ck_assert_int_eq(p.pid, 0);
}
END_TEST

START_TEST(log_and_cwd)
{
	char err[256] = "", log[300], buf[512] = "";
	struct proc p;
	struct proc_opts o = { .cwd = tmpdir };
	FILE *f;
	snprintf(log, sizeof log, "%s/out.log", tmpdir);
	o.log_path = log;
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; pwd", NULL };
	ck_assert_int_eq(proc_spawn(&p, argv, &o, err, sizeof err), 0);
	while (proc_alive(&p))
		usleep(1000);
	ck_assert(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0);
	f = fopen(log, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(buf, 1, sizeof buf - 1, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "out\n"));
	ck_assert_ptr_nonnull(strstr(buf, "err\n"));
	ck_assert_ptr_nonnull(strstr(buf, tmpdir));
}
END_TEST

/* The whole of path (NUL-terminated into buf); its length. */
static size_t read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* path written whole with text (a fresh file, 0600). */
static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A link planted at the log path is refused, in both modes; the child never starts and the target is untouched. */
START_TEST(log_symlink_refused)
{
	char err[256], log[300], target[300], dangling[300], buf[64];
	struct proc p;
	struct proc_opts o = { 0 };
	struct stat st;
	char *argv[] = { "sh", "-c", "echo planted", NULL };
	snprintf(target, sizeof target, "%s/target.txt", tmpdir);
	snprintf(log, sizeof log, "%s/server.log", tmpdir);
	write_file(target, "keep\n");
	ck_assert_int_eq(symlink(target, log), 0);
	o.log_path = log;
	for (int append = 0; append < 2; append++) {
		o.log_append = append;
		err[0] = '\0';
		ck_assert_int_eq(proc_spawn(&p, argv, &o, err, sizeof err), -1);
		ck_assert_int_eq(p.pid, 0);
		ck_assert_msg(strstr(err, "refusing the log") && strstr(err, "symbolic link") && strstr(err, log), "%s", err);
		ck_assert_uint_eq(read_file(target, buf, sizeof buf), 5);
		ck_assert_str_eq(buf, "keep\n");
	}
	/* A link to nothing yet: following it would create the file it names. */
	snprintf(dangling, sizeof dangling, "%s/made-through-link", tmpdir);
	snprintf(log, sizeof log, "%s/dangling.log", tmpdir);
	ck_assert_int_eq(symlink(dangling, log), 0);
	for (int append = 0; append < 2; append++) {
		o.log_append = append;
		ck_assert_int_eq(proc_spawn(&p, argv, &o, err, sizeof err), -1);
		ck_assert_msg(strstr(err, "symbolic link"), "%s", err);
		ck_assert_int_eq(lstat(dangling, &st), -1);
		ck_assert_int_eq(errno, ENOENT);
	}
}
END_TEST

/* Without log_append a log must be new; with it, an existing file of ours is appended to, a hard link is not. */
START_TEST(log_new_unless_append)
{
	char err[256], log[300], other[300], buf[64];
	struct proc p;
	struct proc_opts o = { 0 };
	char *argv[] = { "sh", "-c", "echo two", NULL };
	snprintf(log, sizeof log, "%s/old.log", tmpdir);
	write_file(log, "one\n");
	o.log_path = log;
	ck_assert_int_eq(proc_spawn(&p, argv, &o, err, sizeof err), -1);
	ck_assert_int_eq(p.pid, 0);
	ck_assert_msg(strstr(err, "cannot create the log") && strstr(err, "a log must be a new file"), "%s", err);
	read_file(log, buf, sizeof buf);
	ck_assert_str_eq(buf, "one\n");

	o.log_append = true;
	ck_assert_msg(proc_spawn(&p, argv, &o, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(proc_wait(&p, (int)tu_bound_ms(10000)), 0);
	ck_assert(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0);
	read_file(log, buf, sizeof buf);
	ck_assert_str_eq(buf, "one\ntwo\n");

	/* A second name of another file: appending would write into that file. */
	snprintf(other, sizeof other, "%s/other.txt", tmpdir);
	write_file(other, "x\n");
	snprintf(log, sizeof log, "%s/hard.log", tmpdir);
	ck_assert_int_eq(link(other, log), 0);
	ck_assert_int_eq(proc_spawn(&p, argv, &o, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not a regular file of ours with one name"), "%s", err);
	read_file(other, buf, sizeof buf);
	ck_assert_str_eq(buf, "x\n");

	/* A FIFO there fails at once rather than blocking the open. */
	snprintf(log, sizeof log, "%s/fifo.log", tmpdir);
	ck_assert_int_eq(mkfifo(log, 0600), 0);
	ck_assert_int_eq(proc_spawn(&p, argv, &o, err, sizeof err), -1);
	ck_assert_msg(strstr(err, log), "%s", err);
}
END_TEST

/* A new log is made 0600 whatever the umask lets through otherwise. */
START_TEST(log_created_private)
{
	char err[256] = "", log[300];
	struct proc p;
	struct proc_opts o = { 0 };
	struct stat st;
	char *argv[] = { "true", NULL };
	mode_t old = umask(0);
	snprintf(log, sizeof log, "%s/new.log", tmpdir);
	o.log_path = log;
	ck_assert_msg(proc_spawn(&p, argv, &o, err, sizeof err) == 0, "%s", err);
	umask(old);
	ck_assert_int_eq(proc_wait(&p, (int)tu_bound_ms(10000)), 0);
	ck_assert_int_eq(lstat(log, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

/* The child's stdout is appending and blocking (O_NONBLOCK was only for the open), as the kernel tells it. */
START_TEST(log_descriptor_flags)
{
	char err[256] = "", log[300], buf[512];
	struct proc p;
	struct proc_opts o = { 0 };
	char *argv[] = { "grep", "^flags:", "/proc/self/fdinfo/1", NULL };
	snprintf(log, sizeof log, "%s/flags.log", tmpdir);
	o.log_path = log;
	ck_assert_msg(proc_spawn(&p, argv, &o, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(proc_wait(&p, (int)tu_bound_ms(10000)), 0);
	ck_assert(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0);
	read_file(log, buf, sizeof buf);
	char *end = NULL;
	ck_assert_msg(strncmp(buf, "flags:", 6) == 0, "%s", buf);
	long flags = strtol(buf + 6, &end, 8);
	ck_assert_ptr_ne(end, buf + 6);
	ck_assert_int_eq(flags & O_NONBLOCK, 0);
	ck_assert_int_eq(flags & O_APPEND, O_APPEND);
	ck_assert_int_eq(flags & O_ACCMODE, O_WRONLY);
}
END_TEST

START_TEST(no_descriptor_leaks_into_child)
{
	char err[256] = "", log[300], buf[512] = "";
	struct proc p;
	struct proc_opts o = { 0 };
	FILE *f;
	int fd = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 57), 57);
	snprintf(log, sizeof log, "%s/fds.log", tmpdir);
	o.log_path = log;
	char *argv[] = { "sh", "-c", "if [ -e /proc/$$/fd/57 ]; then echo leaked; else echo clean; fi", NULL };
	ck_assert_int_eq(proc_spawn(&p, argv, &o, err, sizeof err), 0);
	while (proc_alive(&p))
		usleep(1000);
	close(57);
	close(fd);
	f = fopen(log, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(buf, 1, sizeof buf - 1, f), 0);
	fclose(f);
	ck_assert_str_eq(buf, "clean\n");
}
END_TEST

START_TEST(wait_port_ready)
{
	char err[256] = "", addr[64], log[300];
	struct proc p;
	struct proc_opts o = { 0 };
	uint16_t port = free_port();
	snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
	snprintf(log, sizeof log, "%s/s_server.log", tmpdir);
	o.log_path = log;
	char *argv[] = { "openssl", "s_server", "-nocert", "-accept", addr, "-quiet", NULL };
	ck_assert_msg(proc_spawn(&p, argv, &o, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(proc_wait_port(&p, "127.0.0.1", port, 10000, err, sizeof err) == 0, "%s", err);
	ck_assert(proc_alive(&p));
	proc_stop(&p, 2000);
	ck_assert(p.reaped);
	ck_assert(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGTERM);
}
END_TEST

START_TEST(wait_port_child_dies_first)
{
	char err[256] = "";
	struct proc p;
	long long t0 = now_ms();
	char *argv[] = { "sh", "-c", "exit 3", NULL };
	ck_assert_int_eq(proc_spawn(&p, argv, NULL, err, sizeof err), 0);
	ck_assert_int_eq(proc_wait_port(&p, "127.0.0.1", free_port(), 20000, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "exited with status 3 before accepting"));
	ck_assert_int_lt(now_ms() - t0, tu_bound_ms(5000)); /* noticed at once, not at the timeout */
}
END_TEST

START_TEST(wait_port_times_out)
{
	char err[256] = "";
	struct proc p;
	char *argv[] = { "sleep", "300", NULL };
	ck_assert_int_eq(proc_spawn(&p, argv, NULL, err, sizeof err), 0);
	ck_assert_int_eq(proc_wait_port(&p, "127.0.0.1", free_port(), 150, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "did not accept within 150 ms"));
	ck_assert_int_eq(proc_wait_port(&p, "localhost", 1, 150, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a numeric IP address"));
	proc_stop(&p, 2000);
}
END_TEST

/* Spawns a shell with two background sleeps and waits until all three are in its group. */
static void spawn_family(struct proc *p, const char *script, int want, pid_t *members, int *n)
{
	char err[256] = "";
	long long deadline = now_ms() + 10000;
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	ck_assert_int_eq(proc_spawn(p, argv, NULL, err, sizeof err), 0);
	while ((*n = group_members(p->pid, members, 16)) < want && now_ms() < deadline)
		usleep(2000);
	ck_assert_int_eq(*n, want);
}

/* After a stop, every member is gone: reaped by us (subreaper) and no longer exists. */
static void assert_family_gone(pid_t pgid, const pid_t *members, int n)
{
	pid_t left[16];
	for (int i = 0; i < n; i++) {
		if (members[i] == pgid)
			continue;
		/* orphans were reparented to this subreaper; they are dead or dying
		 * (ECHILD: the shell reaped it itself before it died) */
		pid_t r = waitpid(members[i], NULL, 0);
		ck_assert(r == members[i] || (r == -1 && errno == ECHILD));
	}
	for (int i = 0; i < n; i++)
		ck_assert(kill(members[i], 0) == -1 && errno == ESRCH);
	ck_assert_int_eq(group_members(pgid, left, 16), 0);
}

START_TEST(stop_kills_whole_group)
{
	struct proc p;
	pid_t members[16], pgid;
	int n = 0;
	spawn_family(&p, "sleep 300 & sleep 300 & wait", 3, members, &n);
	pgid = p.pid;
	ck_assert_int_eq(getpgid(pgid), pgid); /* leads its own group */
	proc_stop(&p, 2000);
	ck_assert(p.reaped);
	assert_family_gone(pgid, members, n);
}
END_TEST

START_TEST(stop_escalates_to_sigkill)
{
	struct proc p;
	pid_t members[16], pgid;
	int n = 0;
	long long t0;
	spawn_family(&p, "trap '' TERM; sleep 300 & sleep 300 & wait", 3, members, &n);
	pgid = p.pid;
	t0 = now_ms();
	proc_stop(&p, 200);
	ck_assert_int_ge(now_ms() - t0, 190);
	ck_assert(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGKILL);
	assert_family_gone(pgid, members, n);
}
END_TEST

START_TEST(alive_reaps_and_kills_stragglers)
{
	struct proc p;
	pid_t members[16], pgid;
	int n = 0;
	long long deadline = now_ms() + 10000;
	/* The leader exits on its own after a while; its two children stay behind. */
	spawn_family(&p, "sleep 300 & sleep 300 & sleep 1; exit 5", 4, members, &n);
	pgid = p.pid;
	while (proc_alive(&p) && now_ms() < deadline)
		usleep(2000);
	ck_assert(p.reaped);
	ck_assert(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 5);
	assert_family_gone(pgid, members, n);
}
END_TEST

static Suite *proc_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, spawn_runs_and_reaps);
	tcase_add_test(tc, spawn_missing_program_fails_clearly);
	tcase_add_test(tc, exec_failure_reported);
	tcase_add_test(tc, log_and_cwd);
	tcase_add_test(tc, log_symlink_refused);
	tcase_add_test(tc, log_new_unless_append);
	tcase_add_test(tc, log_created_private);
	tcase_add_test(tc, log_descriptor_flags);
	tcase_add_test(tc, no_descriptor_leaks_into_child);
	tcase_add_test(tc, wait_port_ready);
	tcase_add_test(tc, wait_port_child_dies_first);
	tcase_add_test(tc, wait_port_times_out);
	tcase_add_test(tc, stop_kills_whole_group);
	tcase_add_test(tc, stop_escalates_to_sigkill);
	tcase_add_test(tc, alive_reaps_and_kills_stragglers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(proc_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
