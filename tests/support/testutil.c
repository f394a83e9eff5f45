/* testutil.c - helpers shared by several suites (see testutil.h). */
#include "tests/support/testutil.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
