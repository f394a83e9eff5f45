/*
 * runutil.h - helpers for suites that run tlsdiag as a process and check
 * what it leaves: spawning it with pipes, the processes and keys left under
 * a dir, small file helpers.
 */
#ifndef TLSDIAG_TESTS_RUNUTIL_H
#define TLSDIAG_TESTS_RUNUTIL_H

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
/* Reads fd to EOF into buf (NUL-terminated) and closes it. */
void ru_read_all(int fd, char *buf, size_t len);
/* Waits for pid; fails the test unless it exited; its exit status. */
int ru_wait_exit(pid_t pid);
/* Creates path with text (mode), failing the test on any error. */
void ru_write_file(const char *path, const char *text, mode_t mode);

#endif
