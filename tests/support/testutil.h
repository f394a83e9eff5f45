/* testutil.h - small helpers several suites share: where the tlsdiag binary is, xmllint. */
#ifndef TLSDIAG_TESTS_TESTUTIL_H
#define TLSDIAG_TESTS_TESTUTIL_H

#include <stddef.h>

struct jv;

/*
 * The tlsdiag binary next to the test's build: $TLSDIAG, else from argv0
 * (build/tests/test_x -> build/tlsdiag; build/asan/tests/... -> build/asan/tlsdiag).
 */
void tu_tlsdiag_path(const char *argv0, char *out, size_t len);
/* The same made absolute (for children that run elsewhere); -1 when it is not there (says so on stderr). */
int tu_tlsdiag_abs(const char *argv0, char *out, size_t len);
/*
 * The whole file, NUL-terminated (malloc'd; the caller frees), its length
 * in *len when len is not NULL.  NULL when it cannot be read (errno set).
 */
char *tu_slurp(const char *path, size_t *len);
/*
 * A test's upper time bound: ms times $TLSDIAG_TEST_SLOWDOWN (1 to 100,
 * default 1), so the bounds still hold when valgrind.sh runs everything
 * many times slower.  For bounds only: a test never sleeps on it.
 */
long long tu_bound_ms(long long ms);
/* DIR/report.json of a run, parsed (the caller frees it); fails the test when it is not there. */
struct jv *tu_report_json(const char *dir);
/* The case named name in a run's report; fails the test when there is none. */
const struct jv *tu_find_case(const struct jv *rep, const char *name);
/* Case name of the report has status want; otherwise says what the case reported instead. */
void tu_assert_status(const struct jv *rep, const char *name, const char *want);
/*
 * Runs argv (argv[0] looked up on PATH when it has no slash) in directory cwd
 * (NULL: this one), without a shell.  Its stdout goes to *out (malloc'd,
 * NUL-terminated; NULL: discarded), its stderr to *err likewise.  Returns
 * its exit status; fails the test when it did not exit normally.
 */
int tu_run(const char *const *argv, const char *cwd, char **out, char **err);
/* Starts argv in cwd with stdout (and stderr) on a pipe; *fd is its read end.  The child's pid. */
int tu_spawn(const char *const *argv, const char *cwd, int *fd);
/* Reads fd into buf (appending at *n) until want appears or ms pass; true when it did. */
int tu_read_until(int fd, char *buf, size_t cap, size_t *n, const char *want, long long ms);
/* Removes dir and everything under it (not following links). */
void tu_rm_tree(const char *dir);
/* The files (not directories) under dir, counted recursively; 0 when dir is not there. */
int tu_count_files(const char *dir);
/* Validates the JSON file instance against the JSON Schema file schema (python3-jsonschema): 0 when valid. */
int tu_json_valid(const char *schema, const char *instance, char **err);
/* Validates path against tests/data/junit.xsd with xmllint (no shell); its exit status. */
int tu_xmllint(const char *path);

#endif
