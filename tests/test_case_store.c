/* test_case_store.c - a run's results kept out of memory (run/case_store.h): what goes in comes back
 * whole, the spool is never under a name, briefs answer the summaries, a case never put is NOT-RUN,
 * and a spool that cannot be read gives a harness error, counted, never a made-up result. */
#include "harness/run/case_store.h"

#include "harness/core/json.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NCASES 300

static struct scenario_set set;
static char tmpdir[64];

static void setup(void)
{
	char err[256];
	scenario_set_init(&set);
	ck_assert_int_eq(scenario_load_string(&set, "s.ini",
					      "[scenario]\nname = s\nservers = tls12-only\n"
					      "[case m]\nmethod = tls1.2, tls1.3\nca = root, other\nexpect = connected\n",
					      err, sizeof err),
			 0);
	ck_assert_uint_eq(set.ncases, 4);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tlsdiag-test-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	scenario_set_free(&set);
	rmdir(tmpdir);
}

/* Case i's result: a decoded connection of its own, a log line, numbers that differ per case. */
static void make_result(struct case_result *r, size_t i)
{
	char err[128], json[256];
	case_result_init(r, &set.cases[i % set.ncases]);
	r->status = i % 3 ? CASE_FAIL : CASE_PASS;
	r->got.connected = i % 3 == 0;
	r->got.alert_by_server = i % 3 ? 40 : -1;
	r->duration_ms = (long)i;
	snprintf(r->detail, sizeof r->detail, "case %zu says \"hi\"\n", i);
	snprintf(json, sizeof json, "{\"client_hello\": {\"suites\": [%zu, 4865]}, \"frames\": %zu}", i, i * 7);
	r->decoded = jv_parse_string(json, err, sizeof err);
	ck_assert_ptr_nonnull(r->decoded);
	r->server_log = strdup("127.0.0.1:4433 handshake failure");
	snprintf(r->dir, sizeof r->dir, "s/%03zu-m", i + 1);
}

static char *json_of(const struct case_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct jv *j = report_case_to_json(r);
	ck_assert_int_eq(jv_write(m, j, false), 0);
	jv_free(j);
	fclose(m);
	return buf;
}

static size_t entries(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(results_come_back_whole)
{
	const struct scenario_case *specs[NCASES];
	char err[256];
	for (size_t i = 0; i < NCASES; i++)
		specs[i] = &set.cases[i % set.ncases];
	struct case_store *s = case_store_new(_i ? tmpdir : NULL, specs, NCASES, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(case_store_count(s), NCASES);
	/* Put in another order than the cases' (workers end as they end); the last one never. */
	for (size_t k = 0; k < NCASES - 1; k++) {
		size_t i = (k * 7) % (NCASES - 1);
		struct case_result r;
		make_result(&r, i);
		ck_assert_int_eq(case_store_put(s, i, &r, err, sizeof err), 0);
		case_result_release(&r);
	}
	/* On disk, yet nothing under a name: a run killed now leaves no file behind. */
	ck_assert_uint_eq(entries(tmpdir), 0);
	for (size_t i = 0; i < NCASES - 1; i++) {
		struct case_result want, got;
		make_result(&want, i);
		const struct case_brief *b = case_store_brief(s, i);
		ck_assert_int_eq(b->status, want.status);
		ck_assert_int_eq(b->connected, want.got.connected);
		ck_assert(b->has_hello);
		ck_assert_int_eq(b->duration_ms, (long)i);
		char line[1024];
		report_case_line_text(&want, line, sizeof line);
		ck_assert_str_eq(b->line, line);
		ck_assert_int_eq(case_store_get(s, i, &got, err, sizeof err), 0);
		char *a = json_of(&want), *c = json_of(&got);
		ck_assert_str_eq(c, a);
		free(a);
		free(c);
		size_t len;
		char *raw = case_store_json(s, i, &len, err, sizeof err);
		ck_assert_ptr_nonnull(raw);
		ck_assert_uint_eq(strlen(raw), len);
		ck_assert_ptr_nonnull(strstr(raw, ",\"compare\":null}"));
		free(raw);
		case_result_release(&want);
		case_result_release(&got);
	}
	/* Never put: not run, and nothing made up. */
	struct case_result none;
	ck_assert_int_eq(case_store_get(s, NCASES - 1, &none, err, sizeof err), 0);
	ck_assert_int_eq(none.status, CASE_NOT_RUN);
	ck_assert_ptr_null(none.decoded);
	ck_assert_ptr_null(case_store_brief(s, NCASES - 1)->line);
	size_t len = 1;
	ck_assert_ptr_null(case_store_json(s, NCASES - 1, &len, err, sizeof err));
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(case_store_lost(s), 0);
	case_result_release(&none);
	case_store_free(s);
	ck_assert_uint_eq(entries(tmpdir), 0);
}
END_TEST

/* A spool that cannot be read back (here: its descriptor taken away) is a harness error, counted. */
START_TEST(unreadable_spool_is_a_harness_error)
{
	const struct scenario_case *specs[1] = { &set.cases[0] };
	char err[256];
	struct case_store *s = case_store_new(tmpdir, specs, 1, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	struct case_result r, got;
	make_result(&r, 0);
	ck_assert_int_eq(case_store_put(s, 0, &r, err, sizeof err), 0);
	case_result_release(&r);
	/* The store's spool is its only descriptor above the suite's: find it by its O_TMPFILE name. */
	int fd = -1;
	for (int k = 3; k < 256 && fd < 0; k++) {
		char link[64], target[512];
		snprintf(link, sizeof link, "/proc/self/fd/%d", k);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n > 0) {
			target[n] = '\0';
			if (strncmp(target, tmpdir, strlen(tmpdir)) == 0 && strstr(target, "(deleted)"))
				fd = k;
		}
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 0), 0); /* the bytes are gone */
	ck_assert_int_eq(case_store_get(s, 0, &got, err, sizeof err), -1);
	ck_assert_int_eq(got.status, CASE_ERROR);
	ck_assert(got.harness_error);
	ck_assert_ptr_nonnull(strstr(got.error, "cannot read back the result of case 1"));
	ck_assert_uint_eq(case_store_lost(s), 1);
	case_result_release(&got);
	case_store_free(s);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("case_store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, results_come_back_whole, 0, 2); /* 0: memfd, 1: O_TMPFILE in a dir */
	tcase_add_test(tc, unreadable_spool_is_a_harness_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
