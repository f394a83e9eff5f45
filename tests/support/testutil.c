/* testutil.c - helpers shared by several suites (see testutil.h). */
#include "tests/support/testutil.h"

#include "harness/core/json.h"

#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void tu_tlsdiag_path(const char *argv0, char *out, size_t len)
{
	const char *env = getenv("TLSDIAG");
	const char *slash = strrchr(argv0, '/');
	if (env && *env)
		snprintf(out, len, "%s", env);
	else if (slash)
		snprintf(out, len, "%.*s/../tlsdiag", (int)(slash - argv0), argv0);
	else
		snprintf(out, len, "../tlsdiag");
}

int tu_tlsdiag_abs(const char *argv0, char *out, size_t len)
{
	char rel[4096], abs[PATH_MAX];
	tu_tlsdiag_path(argv0, rel, sizeof rel);
	if (!realpath(rel, abs) || snprintf(out, len, "%s", abs) >= (int)len) {
		fprintf(stderr, "%s: build tlsdiag first\n", rel);
		return -1;
	}
	return 0;
}

char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;
	FILE *m = f ? open_memstream(&buf, &n) : NULL;
	char chunk[8192];
	size_t got;
	bool bad = !m;
	while (!bad && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
		bad = fwrite(chunk, 1, got, m) != got;
	bad |= f && ferror(f);
	if (f)
		fclose(f);
	if (m && fclose(m) != 0)
		bad = true;
	if (bad) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

long long tu_bound_ms(long long ms)
{
	const char *env = getenv("TLSDIAG_TEST_SLOWDOWN");
	char *end;
	long f = env ? strtol(env, &end, 10) : 1;
	if (!env || *end || f < 1 || f > 100)
		f = 1;
	return ms * f;
}

struct jv *tu_report_json(const char *dir)
{
	char path[4096], err[256];
	snprintf(path, sizeof path, "%s/report.json", dir);
	struct jv *j = jv_parse_file(path, err, sizeof err);
	ck_assert_msg(j != NULL, "%s: %s", path, err);
	return j;
}

const struct jv *tu_find_case(const struct jv *rep, const char *name)
{
	const struct jv *cases = jv_get(rep, "cases");
	for (size_t i = 0; i < jv_len(cases); i++)
		if (strcmp(jv_str(jv_get(jv_at(cases, i), "case")), name) == 0)
			return jv_at(cases, i);
	ck_abort_msg("no case %s in the report", name);
	return NULL;
}

void tu_assert_status(const struct jv *rep, const char *name, const char *want)
{
	const struct jv *c = tu_find_case(rep, name);
	const char *got = jv_str(jv_get(c, "status"));
	const char *error = jv_str(jv_get(c, "error"));
	const char *detail = jv_str(jv_get(jv_get(c, "outcome"), "detail"));
	ck_assert_msg(got && strcmp(got, want) == 0, "case %s: %s, expected %s (error: %s; detail: %s)", name,
		      got ? got : "no status", want, error ? error : "-", detail ? detail : "-");
}

int tu_xmllint(const char *path)
{
	int st;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execlp("xmllint", "xmllint", "--noout", "--schema", "tests/data/junit.xsd", path, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Everything fd gives until EOF, NUL-terminated (malloc'd). */
static char *tu_drain(int fd)
{
	char *buf = NULL, chunk[8192];
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	ck_assert_ptr_nonnull(m);
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		fwrite(chunk, 1, (size_t)r, m);
	}
	ck_assert_int_eq(fclose(m), 0);
	return buf;
}

static void tu_child(const char *const *argv, const char *cwd)
{
	int null = open("/dev/null", O_RDONLY);
	if (null > 0) {
		dup2(null, 0); /* e.g. openssl s_client: ends after the handshake instead of reading the terminal */
		close(null);
	}
	if (cwd && chdir(cwd) != 0)
		_exit(126);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

int tu_run(const char *const *argv, const char *cwd, char **out, char **err)
{
	int po[2], pe[2], st;
	ck_assert_int_eq(pipe2(po, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		tu_child(argv, cwd);
	}
	close(po[1]);
	close(pe[1]);
	/* stderr is small (messages); read stdout first, then stderr: no deadlock below a pipe's 64 KiB. */
	char *o = tu_drain(po[0]), *e = tu_drain(pe[0]);
	close(po[0]);
	close(pe[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "%s did not exit (signal %d)", argv[0], WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return WEXITSTATUS(st);
}

int tu_spawn(const char *const *argv, const char *cwd, int *fd)
{
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		tu_child(argv, cwd);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

static long long tu_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tu_read_until(int fd, char *buf, size_t cap, size_t *n, const char *want, long long ms)
{
	long long end = tu_now_ms() + ms;
	buf[*n] = '\0';
	while (!strstr(buf, want)) {
		long long left = end - tu_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (left <= 0 || *n + 1 >= cap || poll(&pfd, 1, (int)left) <= 0)
			return 0;
		ssize_t r = read(fd, buf + *n, cap - *n - 1);
		if (r <= 0)
			return 0;
		*n += (size_t)r;
		buf[*n] = '\0';
	}
	return 1;
}

static int tu_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rm_tree(const char *dir)
{
	nftw(dir, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int tu_count_files(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		char path[4096];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0)
			n += S_ISDIR(st.st_mode) ? tu_count_files(path) : 1;
	}
	closedir(d);
	return n;
}

int tu_json_valid(const char *schema, const char *instance, char **err)
{
	static const char *const check =
		"import json, sys, jsonschema\n"
		"jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])),\n"
		"                    cls=jsonschema.Draft202012Validator)\n";
	/* Debian's python3 with python3-jsonschema (harness/tools/deps.sh), not whatever is first on PATH */
	const char *const args[] = { "/usr/bin/python3", "-c", check, schema, instance, NULL };
	return tu_run(args, NULL, NULL, err);
}
