/* cmd_run.c - 'tlsdiag run': scenario files against local servers (see run/runner.h, docs/runner.md). */
#include "harness/cmd.h"
#include "harness/core/datadir.h"
#include "harness/core/err.h"
#include "harness/run/runner.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void run_usage(FILE *out)
{
	fputs("usage: tlsdiag run [FILES|DIRS...] [OPTIONS]\n"
	      "\n"
	      "Runs the cases of scenario files (*.ini; a directory means the *.ini files in it;\n"
	      "default: ./scenarios/, else the installed ones) against local servers, one capture\n"
	      "per case, and reports PASS, FAIL or SKIP for each with the reason of every failure.\n"
	      "\n"
	      "options:\n"
	      "  -j, --jobs N         cases run in parallel (default: the number of CPUs)\n"
	      "  -f, --filter GLOB    only cases whose \"scenario/case\" matches GLOB\n"
	      "                       (e.g. 'esp8266*/*' or 'wipy/methods*')\n"
	      "  -o, --out DIR        where captures and reports go (default: ./tlsdiag-runs/<time>/;\n"
	      "                       in a tlsdiag source tree captures/runs/<time>/); locked for\n"
	      "                       the run; an earlier run's files in it are cleared, other files\n"
	      "                       refused; no other user may be able to write it\n"
	      "      --json FILE      also write the JSON report to FILE\n"
	      "      --junit FILE     also write JUnit XML to FILE (for CI)\n"
	      "      --html FILE      also write a self-contained HTML page to FILE: the grid of\n"
	      "                       cases by server, a ladder diagram, diagnosis and fix per case\n"
	      "      --capture MODE   auto (default), live (libpcap on lo), relay, or off\n"
	      "      --allow-skip     skipped cases do not fail the run (they are still reported)\n"
	      "      --explain        explain every case in the text report, also those that passed\n"
	      "                       (an expected failure is explained as a failure would be)\n"
	      "      --timeout SEC    a case still running after SEC seconds is killed (default 120)\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "exit status: 0 every case met its expectation; 1 a case failed, crashed or was\n"
	      "skipped (without --allow-skip); 2 bad scenario file, bad option, a server that\n"
	      "did not start, a harness error (a file that could not be written, an output\n"
	      "that cannot be used), or an interrupted run (SIGINT, SIGTERM, SIGHUP, SIGQUIT).\n",
	      out);
}

struct file_list {
	char **v;
	size_t n, cap;
};

static int list_add(struct file_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(path);
	return l->v[l->n] ? (int)(l->n++, 0) : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file as given, or the *.ini files of a directory in name order. */
static int collect(struct file_list *l, const char *path)
{
	struct stat st;
	char buf[4096];
	if (stat(path, &st) != 0)
		return err_report(ERR_INPUT, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return list_add(l, path) == 0 ? EXIT_OK : err_report(ERR_INTERNAL, "out of memory");
	DIR *d = opendir(path);
	if (!d)
		return err_report(ERR_INPUT, "%s: %s", path, strerror(errno));
	size_t first = l->n;
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n < 5 || strcmp(e->d_name + n - 4, ".ini") != 0)
			continue;
		snprintf(buf, sizeof buf, "%s/%s", path, e->d_name);
		if (list_add(l, buf) != 0) {
			closedir(d);
			return err_report(ERR_INTERNAL, "out of memory");
		}
	}
	closedir(d);
	qsort(l->v + first, l->n - first, sizeof *l->v, cmp_str);
	return EXIT_OK;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_JUNIT, OPT_CAPTURE, OPT_ALLOW_SKIP, OPT_TIMEOUT, OPT_EXPLAIN, OPT_HTML };
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "filter", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "capture", required_argument, NULL, OPT_CAPTURE },
		{ "allow-skip", no_argument, NULL, OPT_ALLOW_SKIP },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct runner_opts o = { .capture = CAPTURE_AUTO };
	struct file_list files = { 0 };
	struct scenario_set set;
	char err[512], scenarios[4096], runs_base[64];
	long v;
	int c, rc = EXIT_UNUSABLE;

	scenario_set_init(&set);
	optind = 1;
	opterr = 0; /* the message below, in the project's words ("usage error") */
	while ((c = getopt_long(argc, argv, "j:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (parse_int(optarg, 1, 1024, &v) != 0) {
				err_report(ERR_USAGE, "-j wants a number of jobs from 1 to 1024, not '%s'", optarg);
				goto out;
			}
			o.jobs = (int)v;
			break;
		case 'f':
			o.filter = optarg;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case OPT_JSON:
			o.json_path = optarg;
			break;
		case OPT_JUNIT:
			o.junit_path = optarg;
			break;
		case OPT_HTML:
			o.html_path = optarg;
			break;
		case OPT_CAPTURE:
			if (capture_mode_parse(optarg, &o.capture) != 0) {
				err_report(ERR_USAGE, "--capture is auto, live, relay or off, not '%s'", optarg);
				goto out;
			}
			break;
		case OPT_ALLOW_SKIP:
			o.allow_skip = true;
			break;
		case OPT_EXPLAIN:
			o.explain = true;
			break;
		case OPT_TIMEOUT:
			if (parse_int(optarg, 1, 86400, &v) != 0) {
				err_report(ERR_USAGE, "--timeout wants seconds from 1 to 86400, not '%s'", optarg);
				goto out;
			}
			o.case_timeout_ms = (int)(v * 1000);
			break;
		case 'h':
			run_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			run_usage(stderr);
			err_report(ERR_USAGE, "unknown or incomplete option '%s' (see 'tlsdiag run --help')",
				   argv[optind - 1]);
			goto out;
		}
	}
	if (optind == argc) {
		if (datadir_scenarios(scenarios, sizeof scenarios) != 0) {
			err_report(ERR_INPUT, "no scenario files given, no scenarios/ directory here and none installed");
			goto out;
		}
		if (collect(&files, scenarios) != EXIT_OK)
			goto out;
	}
	if (!o.out_dir) {
		if (datadir_runs_base(runs_base, sizeof runs_base, err, sizeof err) != 0) {
			err_report(ERR_ENV, "%s", err);
			goto out;
		}
		o.runs_base = runs_base;
	}
	for (int i = optind; i < argc; i++)
		if (collect(&files, argv[i]) != EXIT_OK)
			goto out;
	if (files.n == 0) {
		err_report(ERR_INPUT, "no scenario files found (*.ini)");
		goto out;
	}
	for (size_t i = 0; i < files.n; i++)
		if (scenario_load_file(&set, files.v[i], err, sizeof err) != 0) {
			err_report(ERR_USAGE, "%s", err);
			goto out;
		}
	o.progress = isatty(STDERR_FILENO);
	rc = runner_run(&set, &o, stdout);
out:
	scenario_set_free(&set);
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i]);
	free(files.v);
	return rc;
}
