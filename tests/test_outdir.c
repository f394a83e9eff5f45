/*
 * test_outdir.c - where a run writes, under attack and under faults, with
 * the real binary, real servers and real captures: planted symlinks in a
 * tree another user (nobody) owns, links planted under our own names, a
 * reused --out (an earlier run's files, a key log never appended to, the
 * lock), a foreign non-empty dir, a disk that fills up (a tmpfs mounted
 * here), a full stdout (/dev/full) and --json/--junit targets that cannot
 * be written (refused before any case runs).
 * Needs root (chown to nobody, mount).  Run from the repository root.
 */
#include "harness/client/client.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "harness/decode/pcap_io.h"
#include "harness/run/outdir.h"

#include "tests/support/runutil.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *argv0;
static char base[64];
static char root[128], tmp[192], out[192], ini[256];

static void setup(void)
{
	ru_test_dirs(base, root, sizeof root, tmp, sizeof tmp, out, sizeof out, ini, sizeof ini);
}

static void need_root(void)
{
	ck_assert_msg(geteuid() == 0, "this test needs root (chown to nobody, mount a tmpfs)");
}

static uid_t nobody(void)
{
	struct passwd *pw = getpwnam("nobody");
	ck_assert_ptr_nonnull(pw);
	return pw->pw_uid;
}

/* Runs tlsdiag; stderr into err, stdout into sout when not NULL.  Its exit status. */
static int run(const char *const *args, char *sout, size_t soutlen, char *err, size_t errlen)
{
	int efd, ofd;
	pid_t pid = ru_spawn(argv0, args, sout ? &ofd : NULL, &efd);
	if (sout)
		ru_read_all(ofd, sout, soutlen);
	ru_read_all(efd, err, errlen);
	return ru_wait_exit(pid);
}

static const char one_case[] = "[scenario]\nname = s\nservers = tls12-only\n[case a]\nexpect = connected\n";

/* A file with known content that an attack would overwrite or append to. */
static void victim(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", root, name);
	ru_write_file(path, "precious\n", 0600);
}

static void assert_victim(const char *path)
{
	char *t = tu_slurp(path, NULL);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t, "precious\n");
	free(t);
}

/* ---- symlinks ---- */

/*
 * Root runs into a tree that nobody owns, where nobody planted the links the
 * issue found followed (capture.pcap.part truncating a root file, capture.keys
 * appended to): refused with a clear error, nothing followed.
 */
START_TEST(symlink_attack_in_a_tree_nobody_owns)
{
	char tree[256], dir[320], link[400], v1[300], v2[300], err[4096];
	need_root();
	victim(v1, sizeof v1, "victim-pcap");
	victim(v2, sizeof v2, "victim-keys");
	snprintf(tree, sizeof tree, "%s/nobody", root);
	ck_assert_int_eq(mkdir(tree, 0755), 0);
	ck_assert_int_eq(chown(tree, nobody(), nobody()), 0);
	ck_assert_int_eq(chmod(root, 0755), 0); /* as /tmp or a home would be */
	/* nobody's --out, with the case dir and its planted links made ahead of the run */
	snprintf(dir, sizeof dir, "%s/out/s/001-a", tree);
	ck_assert_int_eq(outdir_mkdirs(dir, err, sizeof err), 0);
	snprintf(link, sizeof link, "%s/capture.pcap.part", dir);
	ck_assert_int_eq(symlink(v1, link), 0);
	snprintf(link, sizeof link, "%s/capture.keys", dir);
	ck_assert_int_eq(symlink(v2, link), 0);
	for (char *p = dir + strlen(tree); p; p = strchr(p + 1, '/')) {
		char c = *p;
		*p = '\0';
		ck_assert_int_eq(chown(dir, nobody(), nobody()), 0);
		*p = c;
	}
	ck_assert_int_eq(chown(dir, nobody(), nobody()), 0);
	ru_write_file(ini, one_case, 0600);

	char target[300];
	snprintf(target, sizeof target, "%s/out", tree);
	const char *args[] = { "run", ini, "--out", target, "--capture", "relay", NULL };
	ck_assert_int_eq(run(args, NULL, 0, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "environment error: refusing to write under") && strstr(err, "belongs to another user"),
		      "%s", err);
	assert_victim(v1);
	assert_victim(v2);
	/* A new --out under nobody's dir: nobody could swap it for a link after we made it. */
	snprintf(target, sizeof target, "%s/fresh", tree);
	ck_assert_int_eq(run(args, NULL, 0, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "belongs to another user, who could replace what is under it"), "%s", err);
	ck_assert_int_eq(access(target, F_OK), -1); /* refused before anything was made there */
	/* A root dir anyone may write (no sticky bit): links could be planted in it. */
	snprintf(target, sizeof target, "%s/open", root);
	ck_assert_int_eq(mkdir(target, 0777), 0);
	ck_assert_int_eq(chmod(target, 0777), 0);
	ck_assert_int_eq(run(args, NULL, 0, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "is writable by group or others, who could plant links in it"), "%s", err);
	ck_assert_int_eq(ru_keys_under(root), 0);
}
END_TEST

/* In a dir of ours, a link under the name of a capture or a key log is never followed (O_NOFOLLOW|O_EXCL). */
START_TEST(planted_links_are_not_followed)
{
	char v[300], link[300], err[256];
	victim(v, sizeof v, "victim");
	snprintf(link, sizeof link, "%s/capture.pcap.part", root);
	ck_assert_int_eq(symlink(v, link), 0);
	ck_assert_ptr_null(pcap_io_writer_open(link, LINK_EN10MB, err, sizeof err));
	ck_assert_msg(strstr(err, "File exists"), "%s", err);
	assert_victim(v);

	/* The key log: client_run refuses it before it connects anywhere. */
	struct client_case cc;
	struct client_result r;
	snprintf(link, sizeof link, "%s/capture.keys", root);
	ck_assert_int_eq(symlink(v, link), 0);
	client_case_init(&cc);
	cc.host = "127.0.0.1";
	cc.port = 9; /* never reached */
	cc.verify = false;
	cc.keylog_path = link;
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "cannot open key log") && strstr(err, "File exists"), "%s", err);
	assert_victim(v);
	/* A plain file of that name is not appended to either: a key log holds one run's secrets. */
	ck_assert_int_eq(unlink(link), 0);
	ru_write_file(link, "CLIENT_RANDOM old\n", 0600);
	ck_assert_int_eq(client_run(&cc, &r, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "File exists"), "%s", err);
}
END_TEST

/* ---- a reused --out ---- */

static size_t count_lines(const char *path)
{
	size_t n = 0;
	char *t = tu_slurp(path, NULL);
	ck_assert_msg(t != NULL, "%s: %s", path, strerror(errno));
	for (char *p = t; *p; p++)
		n += *p == '\n';
	free(t);
	return n;
}

START_TEST(reused_out_is_cleared_never_appended)
{
	char err[8192], keys[300], stale[300];
	ru_write_file(ini, one_case, 0600);
	const char *args[] = { "run", ini, "--out", out, "--capture", "relay", NULL };
	ck_assert_msg(run(args, NULL, 0, err, sizeof err) == 0, "%s", err);
	snprintf(keys, sizeof keys, "%s/s/001-a/capture.keys", out);
	size_t first = count_lines(keys);
	ck_assert_uint_gt(first, 0);
	/* What an earlier run left beside: gone after the next run into the same dir. */
	snprintf(stale, sizeof stale, "%s/s/002-gone", out);
	ck_assert_int_eq(mkdir(stale, 0700), 0);
	ck_assert_msg(run(args, NULL, 0, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(count_lines(keys), first); /* one run's secrets, not two */
	ck_assert_int_eq(access(stale, F_OK), -1);
	struct jv *j = tu_report_json(out);
	ck_assert_int_eq(jv_len(jv_get(j, "cases")), 1);
	jv_free(j);
}
END_TEST

START_TEST(locked_out_is_refused)
{
	char err[8192], lock[300];
	ru_write_file(ini, one_case, 0600);
	const char *args[] = { "run", ini, "--out", out, "--capture", "off", NULL };
	ck_assert_msg(run(args, NULL, 0, err, sizeof err) == 0, "%s", err);
	snprintf(lock, sizeof lock, "%s/.tlsdiag.lock", out);
	int fd = open(lock, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0); /* as a run still going would hold it */
	ck_assert_int_eq(run(args, NULL, 0, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "is in use by another tlsdiag run"), "%s", err);
	close(fd);
	/* The first run's report is still there, untouched by the refused one. */
	struct jv *j = tu_report_json(out);
	jv_free(j);
}
END_TEST

START_TEST(foreign_non_empty_out_is_refused)
{
	char err[8192], mine[300];
	ck_assert_int_eq(mkdir(out, 0700), 0);
	snprintf(mine, sizeof mine, "%s/thesis.txt", out);
	ru_write_file(mine, "precious\n", 0600);
	ru_write_file(ini, one_case, 0600);
	const char *args[] = { "run", ini, "--out", out, "--capture", "off", NULL };
	ck_assert_int_eq(run(args, NULL, 0, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "holds files that no tlsdiag run wrote"), "%s", err);
	assert_victim(mine);
	char lock[300];
	snprintf(lock, sizeof lock, "%s/.tlsdiag.lock", out);
	ck_assert_int_eq(access(lock, F_OK), -1);
}
END_TEST

/* ---- targets checked before any case ---- */

START_TEST(report_targets_checked_before_any_case)
{
	char err[8192], path[300];
	ru_write_file(ini, one_case, 0600);
	const char *args[] = { "run", ini, "--out", out, "--json", "/nonexistent-dir/r.json", NULL };
	ck_assert_int_eq(run(args, NULL, 0, err, sizeof err), 2);
	ck_assert_msg(strstr(err, "io error: cannot write --json: cannot create /nonexistent-dir/r.json.tmp."), "%s", err);
	ck_assert_int_eq(access(out, F_OK), -1); /* nothing ran, nothing was made */
	const char *args2[] = { "run", ini, "--out", out, "--junit", root, NULL };
	ck_assert_int_eq(run(args2, NULL, 0, err, sizeof err), 2);
	snprintf(path, sizeof path, "cannot write --junit: %s is a directory", root);
	ck_assert_msg(strstr(err, path), "%s", err);
	ck_assert_int_eq(access(out, F_OK), -1);
	ck_assert_uint_eq(ru_procs_under(root, true), 0);
}
END_TEST

/* ---- full disks ---- */

/* Runs with stdout on /dev/full: the report is lost, so the run is not a success. */
START_TEST(full_stdout_exits_2)
{
	char path[PATH_MAX], err[8192];
	int p[2];
	ru_write_file(ini, one_case, 0600);
	tu_tlsdiag_path(argv0, path, sizeof path);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int full = open("/dev/full", O_WRONLY);
		dup2(full, 1);
		dup2(p[1], 2);
		execl(path, path, "run", ini, "--out", out, "--capture", "off", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ru_read_all(p[0], err, sizeof err);
	ck_assert_int_eq(ru_wait_exit(pid), 2);
	ck_assert_msg(strstr(err, "io error: cannot write the report to its output: No space left on device"), "%s",
		      err);
}
END_TEST

static char mnt[256];

static void unmount_full(void)
{
	if (mnt[0])
		umount2(mnt, MNT_DETACH);
	mnt[0] = '\0';
}

/* Every capture.pcap under dir decodes whole (no file got its final name half-written). */
static size_t bad_capture(const char *path, const struct stat *st)
{
	size_t l = strlen(path);
	if (!S_ISREG(st->st_mode) || l < 13 || strcmp(path + l - 13, "/capture.pcap") != 0)
		return 0;
	struct decode_opts o = { .format = DECODE_FORMAT_JSON };
	struct decode_stats ds;
	char err[256];
	FILE *null = fopen("/dev/null", "w");
	enum err_category c = decode_file(path, &o, null, &ds, err, sizeof err);
	fclose(null);
	bool bad = c != ERR_NONE || ds.truncated || st->st_size <= 24;
	if (bad)
		fprintf(stderr, "bad capture: %s (%s)\n", path, err);
	return bad;
}

/* A JSON file under a final name parses (result.json, decoded.json, report.json). */
static size_t bad_json(const char *path, const struct stat *st)
{
	size_t l = strlen(path);
	char err[256];
	if (!S_ISREG(st->st_mode) || l < 5 || strcmp(path + l - 5, ".json") != 0)
		return 0;
	struct jv *j = jv_parse_file(path, err, sizeof err);
	if (!j)
		fprintf(stderr, "bad json: %s (%s)\n", path, err);
	jv_free(j);
	return j == NULL;
}

/* A key log under its name is whole: lines of an NSS key log, the last one ended. */
static size_t bad_keylog(const char *path, const struct stat *st)
{
	size_t l = strlen(path), n = 0;
	if (!S_ISREG(st->st_mode) || l < 13 || strcmp(path + l - 13, "/capture.keys") != 0)
		return 0;
	char *t = tu_slurp(path, &n);
	bool bad = !t || n == 0 || t[n - 1] != '\n';
	for (char *p = t; !bad && p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		bad = strncmp(p, "CLIENT_", 7) != 0 && strncmp(p, "SERVER_", 7) != 0 && strncmp(p, "EXPORTER_", 9) != 0;
	if (bad)
		fprintf(stderr, "bad key log: %s\n", path);
	free(t);
	return bad;
}

START_TEST(disk_full_is_a_harness_error)
{
	char err[16384], sout[32768], text[2048];
	need_root();
	snprintf(mnt, sizeof mnt, "%s/full", root);
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	/* 96 kB: the reports of the first cases fit, the rest cannot be written. */
	ck_assert_msg(mount("tlsdiag-full", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=96k,mode=0700") == 0, "mount: %s",
		      strerror(errno));
	snprintf(text, sizeof text,
		 "[scenario]\nname = s\nservers = tls12-only\nverify = no\n"
		 "[case c]\nsni = n01.test, n02.test, n03.test, n04.test, n05.test, n06.test, n07.test, n08.test, "
		 "n09.test, n10.test, n11.test, n12.test\nexpect = connected\n");
	ru_write_file(ini, text, 0600);
	char target[300];
	snprintf(target, sizeof target, "%s/out", mnt);
	const char *args[] = { "run", ini, "--out", target, "--capture", "relay", "-j", "2", NULL };
	int rc = run(args, sout, sizeof sout, err, sizeof err);
	ck_assert_msg(rc == 2, "exit %d\n%s\n%s", rc, sout, err);
	ck_assert_msg(strstr(err, "No space left on device"), "%s", err);
	/* No case is judged FAIL for the harness's fault: each passed or is a harness error. */
	ck_assert_msg(!strstr(sout, "] FAIL"), "%s", sout);
	ck_assert_msg(strstr(sout, "] ERR   s/"), "%s", sout);
	/* Nothing under a final name is half-written. */
	ck_assert_uint_eq(ru_walk(target, bad_capture), 0);
	ck_assert_uint_eq(ru_walk(target, bad_json), 0);
	ck_assert_uint_eq(ru_walk(target, bad_keylog), 0);
	/* Only the reports written are announced. */
	const char *rep = strstr(sout, "reports: ");
	if (rep) {
		static const char *const names[] = { "report.txt", "report.json", "junit.xml" };
		for (size_t i = 0; i < 3; i++) {
			char path[400];
			snprintf(path, sizeof path, "%s/%s", target, names[i]);
			bool named = strstr(rep, names[i]) != NULL;
			ck_assert_msg(named == (access(path, F_OK) == 0), "%s: named %d\n%s", names[i], named, rep);
		}
	}
	unmount_full();
	ck_assert_uint_eq(ru_procs_under(root, true), 0);
	ck_assert_uint_eq(ru_keys_under(root), 0);
}
END_TEST

static Suite *outdir_suite(void)
{
	Suite *s = suite_create("outdir");
	TCase *sec = tcase_create("links");
	tcase_add_checked_fixture(sec, setup, NULL);
	tcase_set_timeout(sec, 120);
	tcase_add_test(sec, symlink_attack_in_a_tree_nobody_owns);
	tcase_add_test(sec, planted_links_are_not_followed);
	suite_add_tcase(s, sec);
	TCase *reuse = tcase_create("reuse");
	tcase_add_checked_fixture(reuse, setup, NULL);
	tcase_set_timeout(reuse, 120);
	tcase_add_test(reuse, reused_out_is_cleared_never_appended);
	tcase_add_test(reuse, locked_out_is_refused);
	tcase_add_test(reuse, foreign_non_empty_out_is_refused);
	tcase_add_test(reuse, report_targets_checked_before_any_case);
	suite_add_tcase(s, reuse);
	TCase *full = tcase_create("full");
	tcase_add_checked_fixture(full, setup, unmount_full);
	tcase_set_timeout(full, 180);
	tcase_add_test(full, full_stdout_exits_2);
	tcase_add_test(full, disk_full_is_a_harness_error);
	suite_add_tcase(s, full);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	return ru_main(argv[0], "outdir", outdir_suite, &argv0, base, sizeof base);
}
