/*
 * runner.h - runs the cases of a scenario set: each server profile started
 * once and shared by its cases, cases in parallel worker processes, the
 * results judged against their expectations, and the reports written.
 */
#ifndef TLSDIAG_RUN_RUNNER_H
#define TLSDIAG_RUN_RUNNER_H

#include "harness/run/case.h"
#include "harness/run/scenario.h"

#include <stdbool.h>
#include <stdio.h>

/* Runs one case in the worker; the default is case_execute. */
typedef void (*runner_exec_fn)(const struct case_job *job, struct case_result *out);

struct runner_opts {
	int jobs; /* parallel cases; 0: the number of CPUs */
	const char *filter; /* fnmatch glob on "scenario/case"; NULL: all */
	const char *out_dir; /* NULL: a new <runs_base>/<timestamp> */
	const char *runs_base; /* NULL: captures/runs (core/datadir.h picks it for the command) */
	const char *json_path; /* extra copies of the reports; NULL: none */
	const char *junit_path;
	const char *html_path; /* the HTML page (report_html.c); NULL: none */
	enum capture_mode capture;
	bool allow_skip;
	bool explain; /* the text report explains every case (report.h) */
	bool progress; /* a single updating line on stderr (a terminal) */
	int case_timeout_ms; /* a worker still running after this is killed; 0: 120 s */
	runner_exec_fn exec; /* NULL: case_execute (tests replace it) */
};

/*
 * Runs the set and prints the text report on out.  Returns the exit code:
 * 0 every case met its expectation, 1 not, 2 unusable input or environment
 * (a server did not start, nothing matched the filter, interrupted).
 */
int runner_run(const struct scenario_set *set, const struct runner_opts *o, FILE *out);

#endif
