/*
 * test_install.c - 'make install' into a temporary tree (DESTDIR + PREFIX),
 * the installed binary used from another directory with no source tree in
 * sight (run of a shipped scenario, serve, decode, explain, help, man -l of
 * every page), then 'make uninstall' leaves no file behind.  Also: the
 * docs are self-contained (no path outside the repository, every
 * scenario's reproduces = names an anchor that exists).
 *
 * The cases run in order on one tree: each forks (Check), the files stay.
 */
#include "tests/support/testutil.h"

#include "harness/core/json.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *argv0;
static char dest[PATH_MAX / 2]; /* DESTDIR */
static char work[PATH_MAX / 2]; /* the user's directory, outside the source tree */
static char bin[PATH_MAX]; /* the installed tlsdiag */
static char share[PATH_MAX]; /* its share/ */

static const char *const man_pages[] = { "tlsdiag",	      "tlsdiag-capture", "tlsdiag-client-caps",
					 "tlsdiag-decode",    "tlsdiag-devices", "tlsdiag-explain",
					 "tlsdiag-probe",     "tlsdiag-run",	 "tlsdiag-serve",
					 "tlsdiag-servers" };
#define N_MAN (sizeof man_pages / sizeof man_pages[0])

static int make_target(const char *target)
{
	char build[PATH_MAX], tl[PATH_MAX], bvar[PATH_MAX + 8], dvar[PATH_MAX + 8], *err = NULL;
	tu_tlsdiag_path(argv0, tl, sizeof tl);
	ck_assert_msg(realpath(tl, build) != NULL, "%s: build tlsdiag first", tl);
	*strrchr(build, '/') = '\0';
	snprintf(bvar, sizeof bvar, "BUILD=%s", build);
	snprintf(dvar, sizeof dvar, "DESTDIR=%s", dest);
	const char *const args[] = { "make", "-s", "--no-print-directory", target, bvar, "PREFIX=/usr", dvar, NULL };
	int rc = tu_run(args, NULL, NULL, &err);
	ck_assert_msg(rc == 0, "make %s: exit %d: %s", target, rc, err);
	free(err);
	return rc;
}

START_TEST(test_install_tree)
{
	char path[PATH_MAX + 64];
	make_target("install-files");
	ck_assert_int_eq(access(bin, X_OK), 0);
	static const char *const want[] = {
		"tlsdiag/scenarios/esp8266-apache-selfsigned.ini", "tlsdiag/scenarios/wipy-azure-servicebus.ini",
		"tlsdiag/scenarios/common-failures.ini", "tlsdiag/servers/selfsigned-apache.ini",
		"bash-completion/completions/tlsdiag", "zsh/vendor-completions/_tlsdiag",
		"doc/tlsdiag/README.md", "doc/tlsdiag/reports.md", "doc/tlsdiag/schema/run.schema.json",
		"doc/tlsdiag/schema/decode.schema.json", "doc/tlsdiag/schema/servers.schema.json",
		"doc/tlsdiag/schema/serve.schema.json",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", share, want[i]);
		ck_assert_msg(access(path, R_OK) == 0, "%s not installed", path);
	}
	for (size_t i = 0; i < N_MAN; i++) {
		snprintf(path, sizeof path, "%s/man/man1/%s.1", share, man_pages[i]);
		ck_assert_msg(access(path, R_OK) == 0, "%s not installed", path);
	}
	/* the completions parse */
	snprintf(path, sizeof path, "%s/bash-completion/completions/tlsdiag", share);
	const char *const bash[] = { "bash", "-n", path, NULL };
	ck_assert_int_eq(tu_run(bash, NULL, NULL, NULL), 0);
	snprintf(path, sizeof path, "%s/zsh/vendor-completions/_tlsdiag", share);
	const char *const zsh[] = { "zsh", "-n", path, NULL };
	ck_assert_int_eq(tu_run(zsh, NULL, NULL, NULL), 0);
}
END_TEST

/* A shipped scenario, found by the installed binary; the outputs land in ./tlsdiag-runs, not the tree. */
START_TEST(test_installed_run)
{
	char *out = NULL, runs[PATH_MAX + 16];
	int before = tu_count_files(dest);
	const char *const args[] = { bin, "run", "--filter", "esp8266-apache-selfsigned/as-reported", "--html",
				     "report.html", NULL };
	int rc = tu_run(args, work, &out, NULL);
	ck_assert_msg(rc == 0, "run: exit %d:\n%s", rc, out);
	char page[PATH_MAX];
	snprintf(page, sizeof page, "%s/report.html", work);
	char *html = tu_slurp(page, NULL);
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(strstr(html, "data-case=\"esp8266-apache-selfsigned/as-reported\""));
	free(html);
	ck_assert_ptr_nonnull(strstr(out, "PASS  esp8266-apache-selfsigned/as-reported"));
	char want[PATH_MAX];
	snprintf(want, sizeof want, "reports: %s/tlsdiag-runs/", work);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
	ck_assert_int_eq(tu_count_files(dest), before);
	snprintf(runs, sizeof runs, "%s/tlsdiag-runs", work);
	DIR *d = opendir(runs);
	ck_assert_ptr_nonnull(d);
	char stamp[256] = "";
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			snprintf(stamp, sizeof stamp, "%s", e->d_name);
	closedir(d);
	ck_assert_str_ne(stamp, "");
	/* the run's dir name is printed, and its report is there */
	char dir[PATH_MAX + 300];
	snprintf(dir, sizeof dir, "%s/%s", runs, stamp);
	struct jv *rep = tu_report_json(dir);
	tu_assert_status(rep, "as-reported", "PASS");
	jv_free(rep);
	free(out);
}
END_TEST

/* Refused inside the installed tree: outputs never go there. */
START_TEST(test_installed_run_not_in_tree)
{
	char *err = NULL, dir[PATH_MAX + 32];
	snprintf(dir, sizeof dir, "%s/tlsdiag", share);
	int before = tu_count_files(dest);
	const char *const args[] = { bin, "run", "--filter", "esp8266-apache-selfsigned/as-reported", NULL };
	ck_assert_int_eq(tu_run(args, dir, NULL, &err), 2);
	ck_assert_msg(strstr(err, "environment") && strstr(err, "installed tree"), "%s", err);
	ck_assert_int_eq(tu_count_files(dest), before);
	free(err);
}
END_TEST

/* The capture of the installed run, decoded by the installed binary. */
START_TEST(test_installed_decode)
{
	char runs[PATH_MAX + 16], pcap[PATH_MAX * 2], *out = NULL;
	snprintf(runs, sizeof runs, "%s/tlsdiag-runs", work);
	DIR *d = opendir(runs);
	ck_assert_ptr_nonnull(d);
	pcap[0] = '\0';
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			snprintf(pcap, sizeof pcap, "%s/%s/esp8266-apache-selfsigned/001-as-reported/capture.pcap", runs,
				 e->d_name);
	closedir(d);
	const char *const args[] = { bin, "decode", pcap, NULL };
	int rc = tu_run(args, work, &out, NULL);
	ck_assert_msg(rc == 0, "decode %s: exit %d", pcap, rc);
	ck_assert_msg(strstr(out, "handshake_failure") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(test_installed_explain_help)
{
	char *out = NULL;
	const char *const ex[] = { bin, "explain", "SSL error 40", NULL };
	ck_assert_int_eq(tu_run(ex, work, &out, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "axTLS -40"));
	free(out);
	const char *const help[] = { bin, "help", "serve", NULL };
	ck_assert_int_eq(tu_run(help, work, &out, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: tlsdiag serve PROFILE"));
	free(out);
	const char *const bad[] = { bin, "help", "nope", NULL };
	ck_assert_int_eq(tu_run(bad, work, NULL, NULL), 2);
}
END_TEST

/* serve from the installed binary: the banner, then a clean stop on SIGTERM. */
START_TEST(test_installed_serve)
{
	char buf[16384];
	size_t n = 0;
	int fd, st;
	const char *const args[] = { bin, "serve", "openssl-default", NULL };
	pid_t pid = tu_spawn(args, work, &fd);
	int up = tu_read_until(fd, buf, sizeof buf, &n, "Ctrl-C stops the server", tu_bound_ms(20000));
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	tu_read_until(fd, buf, sizeof buf, &n, "stopped", tu_bound_ms(2000));
	close(fd);
	ck_assert_msg(up, "no banner:\n%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "serving on 127.0.0.1:"));
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

/* The installed bash completion completes commands, profiles (from the installed binary) and option words. */
START_TEST(test_installed_bash_completion)
{
	char comp[PATH_MAX + 64], path[PATH_MAX + 16], *out = NULL;
	static const char script[] =
		"[ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion\n"
		". \"$1\"\n"
		"COMP_WORDS=(tlsdiag ser); COMP_CWORD=1; _tlsdiag; echo \"1:${COMPREPLY[*]}\"\n"
		"COMPREPLY=(); COMP_WORDS=(tlsdiag serve selfs); COMP_CWORD=2; _tlsdiag; echo \"2:${COMPREPLY[*]}\"\n"
		"COMPREPLY=(); COMP_WORDS=(tlsdiag run --capture l); COMP_CWORD=3; _tlsdiag; echo \"3:${COMPREPLY[*]}\"\n";
	snprintf(comp, sizeof comp, "%s/bash-completion/completions/tlsdiag", share);
	snprintf(path, sizeof path, "PATH=%.*s:/usr/bin:/bin", (int)(strrchr(bin, '/') - bin), bin);
	const char *const args[] = { "env", path, "bash", "-c", script, "bash", comp, NULL };
	ck_assert_int_eq(tu_run(args, work, &out, NULL), 0);
	ck_assert_msg(strstr(out, "1:servers serve\n") && strstr(out, "2:selfsigned-apache\n") && strstr(out, "3:live\n"),
		      "%s", out);
	free(out);
}
END_TEST

/* man -l renders every page without a warning; mandoc's lint too when it is there.  Every command has one. */
START_TEST(test_installed_man)
{
	char path[PATH_MAX + 64], *out = NULL, *err = NULL;
	const char *const help[] = { bin, "--help", NULL };
	ck_assert_int_eq(tu_run(help, work, &out, NULL), 0);
	const char *cmds = strstr(out, "commands:\n");
	ck_assert_ptr_nonnull(cmds);
	int ncmd = 0;
	for (const char *l = strchr(cmds, '\n') + 1; strncmp(l, "  ", 2) == 0; l = strchr(l, '\n') + 1, ncmd++) {
		char page[64];
		int n = (int)strcspn(l + 2, " ");
		snprintf(page, sizeof page, "tlsdiag-%.*s", n, l + 2);
		bool found = false;
		for (size_t i = 0; i < N_MAN; i++)
			found |= strcmp(man_pages[i], page) == 0;
		ck_assert_msg(found, "command %.*s has no man page", n, l + 2);
	}
	ck_assert_int_eq(ncmd, (int)N_MAN - 1);
	free(out);
	for (size_t i = 0; i < N_MAN; i++) {
		snprintf(path, sizeof path, "%s/man/man1/%s.1", share, man_pages[i]);
		const char *const man[] = { "man", "-l", path, NULL };
		ck_assert_int_eq(tu_run(man, work, &out, &err), 0);
		ck_assert_msg(strstr(out, "NAME") && strstr(out, "SYNOPSIS"), "%s renders no NAME/SYNOPSIS", path);
		ck_assert_msg(err[0] == '\0', "man -l %s: %s", path, err);
		free(out);
		free(err);
		const char *const groff[] = { "groff", "-ww", "-mandoc", "-z", path, NULL };
		ck_assert_int_eq(tu_run(groff, work, NULL, &err), 0);
		ck_assert_msg(err[0] == '\0', "groff -ww %s: %s", path, err);
		free(err);
		if (access("/usr/bin/mandoc", X_OK) == 0) {
			const char *const lint[] = { "mandoc", "-T", "lint", "-W", "warning", path, NULL };
			ck_assert_int_eq(tu_run(lint, work, &out, &err), 0);
			ck_assert_msg(out[0] == '\0' && err[0] == '\0', "mandoc lint %s: %s%s", path, out, err);
			free(out);
			free(err);
		}
	}
}
END_TEST

START_TEST(test_uninstall_leaves_nothing)
{
	make_target("uninstall");
	ck_assert_int_eq(tu_count_files(dest), 0);
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/tlsdiag", share);
	ck_assert_int_ne(access(path, F_OK), 0);
	snprintf(path, sizeof path, "%s/doc/tlsdiag", share);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* ---- the docs are the repository's own ---- */

static void assert_no_outside_path(const char *path)
{
	char *text = tu_slurp(path, NULL);
	ck_assert_msg(text != NULL, "%s unreadable", path);
	/* spelt in two pieces, so that this file passes the same check (git grep) */
	ck_assert_msg(!strstr(text, "../" "shared/") && !strstr(text, "/" "work/"), "%s names a path outside the repository",
		      path);
	/* nor a merge left half done (a README once kept both sides of one) */
	ck_assert_msg(strncmp(text, "<<<<<<< ", 8) != 0 && !strstr(text, "\n<<<<<<< ") && !strstr(text, "\n>>>>>>> "),
		      "%s holds a merge conflict marker", path);
	free(text);
}

/* Every text file under dir (sources, docs, scenarios, profiles, scripts); how many were read. */
static int check_tree(const char *dir)
{
	static const char *const exts[] = { ".c", ".h", ".md", ".ini", ".in", ".sh", ".py", ".json", ".1", ".bash", NULL };
	char path[PATH_MAX];
	int n = 0;
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "%s", dir);
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			n += check_tree(path);
			continue;
		}
		size_t l = strlen(e->d_name);
		for (const char *const *x = exts; *x; x++)
			if (l > strlen(*x) && strcmp(e->d_name + l - strlen(*x), *x) == 0) {
				assert_no_outside_path(path);
				n++;
				break;
			}
	}
	closedir(d);
	return n;
}

/* README, docs, sources, comments, tests and scenarios name nothing outside the repository (and hold no
 * conflict markers). */
START_TEST(test_docs_self_contained)
{
	assert_no_outside_path("README.md");
	assert_no_outside_path("Makefile");
	assert_no_outside_path("completions/_tlsdiag");
	int n = 0;
	static const char *const dirs[] = { "docs", "harness", "scenarios", "servers", "tests", "man", "completions" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		n += check_tree(dirs[i]);
	ck_assert_int_ge(n, 150);
}
END_TEST

/* Every shipped scenario's reproduces = names docs/reports.md#ANCHOR, and the anchor is there. */
START_TEST(test_reproduces_anchors)
{
	static const char *const files[] = { "scenarios/esp8266-apache-selfsigned.ini",
					     "scenarios/wipy-azure-servicebus.ini" };
	char *reports = tu_slurp("docs/reports.md", NULL), want[160];
	ck_assert_ptr_nonnull(reports);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *text = tu_slurp(files[i], NULL);
		ck_assert_ptr_nonnull(text);
		const char *r = strstr(text, "\nreproduces = docs/reports.md#");
		ck_assert_msg(r != NULL, "%s: no reproduces = docs/reports.md#...", files[i]);
		r += strlen("\nreproduces = docs/reports.md#");
		size_t len = strcspn(r, " \n");
		snprintf(want, sizeof want, "<a id=\"%.*s\"></a>", (int)len, r);
		ck_assert_msg(strstr(reports, want) != NULL, "%s: docs/reports.md has no %s", files[i], want);
		free(text);
	}
	free(reports);
}
END_TEST

static Suite *install_suite(void)
{
	Suite *s = suite_create("install");
	TCase *t = tcase_create("installed");
	tcase_set_timeout(t, 300);
	tcase_add_test(t, test_install_tree);
	tcase_add_test(t, test_installed_run);
	tcase_add_test(t, test_installed_run_not_in_tree);
	tcase_add_test(t, test_installed_decode);
	tcase_add_test(t, test_installed_explain_help);
	tcase_add_test(t, test_installed_serve);
	tcase_add_test(t, test_installed_man);
	tcase_add_test(t, test_installed_bash_completion);
	tcase_add_test(t, test_uninstall_leaves_nothing);
	suite_add_tcase(s, t);
	TCase *docs = tcase_create("docs");
	tcase_add_test(docs, test_docs_self_contained);
	tcase_add_test(docs, test_reproduces_anchors);
	suite_add_tcase(s, docs);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	char base[] = "/tmp/tlsdiag-install-XXXXXX";
	if (!mkdtemp(base))
		return 2;
	snprintf(dest, sizeof dest, "%s/dest", base);
	snprintf(work, sizeof work, "%s/work", base);
	snprintf(bin, sizeof bin, "%s/usr/bin/tlsdiag", dest);
	snprintf(share, sizeof share, "%s/usr/share", dest);
	if (mkdir(dest, 0700) != 0 || mkdir(work, 0700) != 0)
		return 2;
	SRunner *sr = srunner_create(install_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_rm_tree(base);
	return failed ? 1 : 0;
}
