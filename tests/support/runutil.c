/* runutil.c - running tlsdiag as a process and checking what it leaves (see runutil.h). */
#include "tests/support/runutil.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Removes dir and everything under it. */
void ru_rm_tree(const char *dir)
{
	char path[PATH_MAX];
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			ru_rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Calls fn on every file under dir (not dirs); sums what it returns. */
size_t ru_walk(const char *dir, size_t (*fn)(const char *path, const struct stat *st))
{
	char path[PATH_MAX];
	size_t n = 0;
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
		n += S_ISDIR(st.st_mode) ? fn(path, &st) + ru_walk(path, fn) : fn(path, &st);
	}
	closedir(d);
	return n;
}

static size_t is_key(const char *path, const struct stat *st)
{
	size_t l = strlen(path);
	bool key = S_ISREG(st->st_mode) && l > 4 && strcmp(path + l - 4, ".key") == 0;
	if (key)
		fprintf(stderr, "left: %s\n", path);
	return key;
}

size_t ru_keys_under(const char *dir)
{
	return ru_walk(dir, is_key);
}

/* Live processes (not zombies) whose command line or working directory names dir. */
size_t ru_procs_under(const char *dir, bool verbose)
{
	size_t n = 0, dl = strlen(dir);
	DIR *d = opendir("/proc");
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));) {
		char path[64], buf[8192], stat_line[512];
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, stat_line, sizeof stat_line - 1);
		close(fd);
		if (r <= 0)
			continue;
		stat_line[r] = '\0';
		const char *rp = strrchr(stat_line, ')');
		if (rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'))
			continue;
		bool hit = false;
		snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			r = read(fd, buf, sizeof buf - 1);
			close(fd);
			for (ssize_t i = 0; i < r; i++)
				if (buf[i] == '\0')
					buf[i] = ' ';
			buf[r > 0 ? r : 0] = '\0';
			hit = memmem(buf, strlen(buf), dir, dl) != NULL;
		}
		snprintf(path, sizeof path, "/proc/%ld/cwd", pid);
		r = readlink(path, buf, sizeof buf - 1);
		if (r > 0) {
			buf[r] = '\0';
			hit |= strncmp(buf, dir, dl) == 0;
		}
		if (hit && verbose)
			fprintf(stderr, "left: pid %ld %s\n", pid, stat_line);
		n += hit;
	}
	closedir(d);
	return n;
}

pid_t ru_spawn(const char *argv0, const char *const *args, int *outfd, int *errfd)
{
	char path[PATH_MAX];
	char *argv[32];
	int p[2], o[2] = { -1, -1 };
	size_t k = 1;
	tu_tlsdiag_path(argv0, path, sizeof path);
	ck_assert_msg(access(path, X_OK) == 0, "%s is not executable (build it, or set TLSDIAG)", path);
	argv[0] = path;
	for (; args[k - 1] && k < 31; k++)
		argv[k] = (char *)args[k - 1];
	argv[k] = NULL;
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	if (outfd)
		ck_assert_int_eq(pipe2(o, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(outfd ? o[1] : null, 1);
		dup2(p[1], 2);
		execv(path, argv);
		_exit(127);
	}
	close(p[1]);
	*errfd = p[0];
	if (outfd) {
		close(o[1]);
		*outfd = o[0];
	}
	return pid;
}

void ru_wait_first_result(pid_t pid, const char *out)
{
	char pattern[PATH_MAX];
	long long waited = 0;
	snprintf(pattern, sizeof pattern, "%s/many/*/result.json", out);
	for (;;) {
		glob_t g;
		int rc = glob(pattern, 0, NULL, &g);
		globfree(&g);
		if (rc == 0)
			return;
		ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0, "tlsdiag ended before a case finished");
		ck_assert_msg(waited < tu_bound_ms(30000), "no case finished in %lld s", tu_bound_ms(30));
		poll(NULL, 0, 10);
		waited += 10;
	}
}

void ru_read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, len - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n + 1 == len)
			break;
	}
	buf[n] = '\0';
	close(fd);
}

int ru_wait_exit(pid_t pid)
{
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "tlsdiag died of signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return WEXITSTATUS(st);
}

void ru_write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}


void ru_test_dirs(const char *base, char *root, size_t rootlen, char *tmp, size_t tmplen, char *out, size_t outlen,
		  char *ini, size_t inilen)
{
	static int n;
	snprintf(root, rootlen, "%s/t%d-%d", base, getpid(), ++n);
	ck_assert_int_eq(mkdir(root, 0700), 0);
	snprintf(tmp, tmplen, "%s/tmp", root);
	ck_assert_int_eq(mkdir(tmp, 0700), 0);
	snprintf(out, outlen, "%s/out", root);
	if (ini)
		snprintf(ini, inilen, "%s/s.ini", root);
	setenv("TMPDIR", tmp, 1); /* for the servers this process starts, and for tlsdiag's */
}

int ru_main(const char *arg0, const char *name, Suite *(*make)(void), const char **argv0, char *base, size_t baselen)
{
	static char abs[PATH_MAX];
	*argv0 = realpath(arg0, abs) ? abs : arg0;
	snprintf(base, baselen, "/tmp/tlsdiag-test-%s-XXXXXX", name);
	if (!mkdtemp(base))
		return EXIT_FAILURE;
	SRunner *sr = srunner_create(make());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	ru_rm_tree(base);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
