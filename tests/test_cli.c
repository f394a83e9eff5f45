/*
 * test_cli.c - what every command of tlsdiag says about its own command
 * line, run as a user runs it (the real binary, no shell): an unknown
 * option is a usage error (exit 2, a "tlsdiag: usage error:" line naming
 * it, nothing on stdout) and --help (or 'tlsdiag help COMMAND') exits 0
 * with the command's usage on stdout.  The commands are read from
 * 'tlsdiag --help', so a command added to main.c is covered without an
 * edit here.
 */
#include "tests/support/testutil.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_MAX_COMMANDS 32

static char tl[PATH_MAX]; /* the tlsdiag binary, absolute */
static char commands[CLI_MAX_COMMANDS][24];
static int n_commands;

/* tlsdiag with up to two arguments (a1 may be NULL): its exit status, stdout and stderr (the caller frees). */
static int tlsdiag(const char *a0, const char *a1, char **out, char **err)
{
	const char *const args[] = { tl, a0, a1, NULL };
	return tu_run(args, NULL, out, err);
}

/* The names listed under "commands:" in 'tlsdiag --help', one "  NAME  summary" line each, up to a blank line. */
static void read_commands(void)
{
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(tlsdiag("--help", NULL, &out, &err), 0);
	const char *p = strstr(out, "\ncommands:\n");
	ck_assert_msg(p != NULL, "no command list in:\n%s", out);
	p += strlen("\ncommands:\n");
	n_commands = 0;
	while (*p == ' ') {
		size_t skip = strspn(p, " "), len = strcspn(p + skip, " \n");
		ck_assert_uint_gt(len, 0);
		ck_assert_uint_lt(len, sizeof commands[0]);
		ck_assert_int_lt(n_commands, CLI_MAX_COMMANDS);
		memcpy(commands[n_commands], p + skip, len);
		commands[n_commands][len] = '\0';
		n_commands++;
		p = strchr(p, '\n');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	free(out);
	free(err);
}

static void setup(void)
{
	read_commands();
}

START_TEST(commands_are_listed)
{
	/* The ones this suite was written against; more may come, none may go missing from the list. */
	static const char *const known[] = { "decode", "run",	  "probe",   "explain",	    "servers",
					     "serve",  "capture", "devices", "client-caps", NULL };
	for (const char *const *k = known; *k; k++) {
		int found = 0;
		for (int i = 0; i < n_commands; i++)
			found |= strcmp(commands[i], *k) == 0;
		ck_assert_msg(found, "'%s' is not in 'tlsdiag --help'", *k);
	}
	ck_assert_int_ge(n_commands, 9);
}
END_TEST

START_TEST(unknown_option_is_a_usage_error_everywhere)
{
	for (int i = 0; i < n_commands; i++) {
		char *out = NULL, *err = NULL;
		int rc = tlsdiag(commands[i], "--bogus", &out, &err);
		ck_assert_msg(rc == 2, "tlsdiag %s --bogus: exit %d, not 2; stderr:\n%s", commands[i], rc, err);
		ck_assert_msg(strstr(err, "tlsdiag: usage error: "), "tlsdiag %s --bogus: no usage error line:\n%s",
			      commands[i], err);
		ck_assert_msg(strstr(err, "'--bogus'"), "tlsdiag %s --bogus: the option is not named:\n%s", commands[i], err);
		ck_assert_msg(out[0] == '\0', "tlsdiag %s --bogus wrote to stdout:\n%s", commands[i], out);
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(help_is_usage_on_stdout_everywhere)
{
	for (int i = 0; i < n_commands; i++) {
		char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, want[64];
		snprintf(want, sizeof want, "usage: tlsdiag %.*s", (int)sizeof commands[0], commands[i]);
		int rc = tlsdiag(commands[i], "--help", &out, &err);
		ck_assert_msg(rc == 0, "tlsdiag %s --help: exit %d; stderr:\n%s", commands[i], rc, err);
		ck_assert_msg(strstr(out, want), "tlsdiag %s --help has no '%s':\n%s", commands[i], want, out);
		/* 'tlsdiag help COMMAND' is the same text. */
		ck_assert_int_eq(tlsdiag("help", commands[i], &out2, &err2), 0);
		ck_assert_str_eq(out2, out);
		free(out);
		free(err);
		free(out2);
		free(err2);
	}
}
END_TEST

START_TEST(unknown_command_is_a_usage_error)
{
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(tlsdiag("--bogus", NULL, &out, &err), 2);
	ck_assert_ptr_nonnull(strstr(err, "tlsdiag: usage error: unknown command '--bogus'"));
	ck_assert_ptr_nonnull(strstr(err, "usage: tlsdiag COMMAND"));
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
	ck_assert_int_eq(tlsdiag("help", "bogus", &out, &err), 2);
	ck_assert_ptr_nonnull(strstr(err, "tlsdiag: usage error: no command 'bogus'"));
	free(out);
	free(err);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, commands_are_listed);
	tcase_add_test(tc, unknown_option_is_a_usage_error_everywhere);
	tcase_add_test(tc, help_is_usage_on_stdout_everywhere);
	tcase_add_test(tc, unknown_command_is_a_usage_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	if (tu_tlsdiag_abs(argv[0], tl, sizeof tl) != 0)
		return 2;
	SRunner *sr = srunner_create(cli_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
