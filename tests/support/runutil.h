/*
 * runutil.h - helpers for suites that run tlsdiag as a process and check
 * what it leaves: spawning it with pipes, the processes and keys left under
 * a dir, small file helpers.
 */
#ifndef TLSDIAG_TESTS_RUNUTIL_H
#define TLSDIAG_TESTS_RUNUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Removes dir and everything under it (no symlink followed). */
void ru_rm_tree(const char *dir);
/* Calls fn on every entry under dir (dirs too, then their content); sums what it returns. */
size_t ru_walk(const char *dir, size_t (*fn)(const char *path, const struct stat *st));
/* Regular files named *.key under dir (each printed on stderr). */
size_t ru_keys_under(const char *dir);
/* Live processes (not zombies) whose command line or working directory names dir. */
size_t ru_procs_under(const char *dir, bool verbose);
/*
 * Starts tlsdiag (found from argv0, see tu_tlsdiag_path) with args
 * (NULL-terminated).  Its stdout goes to *outfd's pipe when outfd is not
 * NULL, else to /dev/null; its stderr to *errfd's pipe.
 */
pid_t ru_spawn(const char *argv0, const char *const *args, int *outfd, int *errfd);
/*
 * Waits (checking every 10 ms, up to 30 s) until a case of the run of pid
 * into out has its result.json (out/many/<case>/result.json); fails the test
 * if pid ends first.
 */
void ru_wait_first_result(pid_t pid, const char *out);
/* Reads fd to EOF into buf (NUL-terminated) and closes it. */
void ru_read_all(int fd, char *buf, size_t len);
/* Waits for pid; fails the test unless it exited; its exit status. */
int ru_wait_exit(pid_t pid);
/* Creates path with text (mode), failing the test on any error. */
void ru_write_file(const char *path, const char *text, mode_t mode);

/*
 * A test's dirs under base: root (0700, numbered per process), root/tmp
 * (0700, made TMPDIR: the servers' run dirs go there), and the names
 * root/out and root/s.ini (ini may be NULL).
 */
void ru_test_dirs(const char *base, char *root, size_t rootlen, char *tmp, size_t tmplen, char *out, size_t outlen,
		  char *ini, size_t inilen);
/*
 * A suite's main: *argv0 the binary's absolute path (tests chdir), base a
 * new /tmp/tlsdiag-test-<name>-XXXXXX, the suite run, base removed.  The
 * exit status.
 */
int ru_main(const char *arg0, const char *name, Suite *(*make)(void), const char **argv0, char *base, size_t baselen);

#endif
