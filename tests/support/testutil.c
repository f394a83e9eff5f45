/* testutil.c - helpers shared by several suites (see testutil.h). */
#include "tests/support/testutil.h"

#include "harness/core/json.h"

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
