/*
 * report_files.c - the run's report files (report.txt, report.json,
 * junit.xml and the --json/--junit copies), each written to a temporary
 * beside its place and renamed when whole (run/outdir.c), and the text
 * report with the control bytes of scenario files and logs escaped.
 */
#include "harness/run/report_files.h"

#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/run/outdir.h"

#include <stdlib.h>
#include <string.h>

/* The text report with the control bytes of scenario files and server logs escaped (err_write_safe). */
void report_files_text(FILE *f, const struct run_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m) {
		fputs("(out of memory for the report)\n", f);
		return;
	}
	report_write_text(m, rep);
	fclose(m);
	err_write_safe(f, buf, len);
	free(buf);
}

static int report_files_one(const char *path, int kind, const struct run_report *rep)
{
	char err[512];
	struct outdir_file of;
	FILE *f = outdir_open(&of, path, err, sizeof err);
	if (!f)
		return err_report(ERR_IO, "%s", err);
	if (kind == 0) {
		report_files_text(f, rep);
	} else if (kind == 1) {
		struct jv *j = report_to_json(rep);
		jv_write(f, j, true);
		jv_free(j);
	} else {
		junit_write(f, rep);
	}
	if (outdir_commit(&of, err, sizeof err) != 0)
		return err_report(ERR_IO, "%s", err);
	return EXIT_OK;
}

int report_files_write(const struct run_report *rep, const char *out_dir, const char *json_path,
		       const char *junit_path, FILE *out)
{
	char path[4200], written[512] = "";
	int rc = EXIT_OK;
	static const char *const names[] = { "report.txt", "report.json", "junit.xml" };
	for (int k = 0; k < 3; k++) {
		snprintf(path, sizeof path, "%s/%s", out_dir, names[k]);
		if (report_files_one(path, k, rep) != EXIT_OK) {
			rc = EXIT_UNUSABLE;
			continue;
		}
		size_t n = strlen(written);
		snprintf(written + n, sizeof written - n, "%s%s", n ? ", " : "", names[k]);
	}
	if (json_path && report_files_one(json_path, 1, rep) != EXIT_OK)
		rc = EXIT_UNUSABLE;
	if (junit_path && report_files_one(junit_path, 2, rep) != EXIT_OK)
		rc = EXIT_UNUSABLE;
	report_files_text(out, rep);
	if (written[0])
		fprintf(out, "reports: %s/%s\n", out_dir, written);
	return rc;
}

int report_files_check(const char *json_path, const char *junit_path)
{
	char err[512];
	const char *paths[] = { json_path, junit_path };
	for (size_t i = 0; i < 2; i++)
		if (paths[i] && outdir_check_writable(paths[i], err, sizeof err) != 0)
			return err_report(ERR_IO, "cannot write %s: %s", i == 0 ? "--json" : "--junit", err);
	return EXIT_OK;
}
