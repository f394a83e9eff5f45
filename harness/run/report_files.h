/*
 * report_files.h - writing a run's reports: text, JSON and JUnit XML in the
 * run's directory, the optional copies elsewhere, and the text on a stream.
 */
#ifndef TLSDIAG_RUN_REPORT_FILES_H
#define TLSDIAG_RUN_REPORT_FILES_H

#include "harness/run/report.h"

#include <stdio.h>

/*
 * Whether --json FILE and --junit FILE (NULL: not asked) can be written,
 * checked before any case runs.  EXIT_OK, or EXIT_UNUSABLE (said why).
 */
int report_files_check(const char *json_path, const char *junit_path);
/*
 * out_dir/report.txt, report.json, junit.xml and the copies, each whole or
 * not at all, then the text report on out and a "reports:" line naming only
 * the files written.  EXIT_OK, or EXIT_UNUSABLE (said why on stderr).
 */
int report_files_write(const struct run_report *rep, const char *out_dir, const char *json_path,
		       const char *junit_path, FILE *out);
/* The text report on f, control bytes escaped (err_write_safe). */
void report_files_text(FILE *f, const struct run_report *rep);

#endif
