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

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A FILE whose bytes reach another through err_write_safe: the text report streamed, escaped as it passes. */
static ssize_t report_files_safe_write(void *cookie, const char *buf, size_t n)
{
	FILE *to = cookie;
	err_write_safe(to, buf, n);
	return ferror(to) ? -1 : (ssize_t)n;
}

/* The text report with the control bytes of scenario files and server logs escaped (err_write_safe). */
void report_files_text(FILE *f, const struct run_report *rep)
{
	cookie_io_functions_t io = { .write = report_files_safe_write };
	FILE *s = fopencookie(f, "w", io);
	if (!s) {
		fputs("(out of memory for the report)\n", f);
		return;
	}
	setvbuf(s, NULL, _IOFBF, 1 << 16);
	report_write_text(s, rep);
	fclose(s);
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
		struct jw *w = jw_open_file(f);
		report_json_write(w, rep);
		(void)jw_close_file(w); /* a write error stays on f: outdir_commit sees it */
	} else {
		junit_write(f, rep);
	}
	if (outdir_commit(&of, err, sizeof err) != 0)
		return err_report(ERR_IO, "%s", err);
	return EXIT_OK;
}

/* A report written once, copied whole to its other place (--json, --junit, the text on out). */
static int report_files_copy(const char *from, FILE *to)
{
	char buf[1 << 16];
	size_t n;
	FILE *in = fopen(from, "re");
	if (!in)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			break;
	int bad = ferror(in) || ferror(to);
	fclose(in);
	return bad ? -1 : 0;
}

static int report_files_copy_to(const char *from, const char *path)
{
	char err[512];
	struct outdir_file of;
	FILE *f = outdir_open(&of, path, err, sizeof err);
	if (!f)
		return err_report(ERR_IO, "%s", err);
	if (report_files_copy(from, f) != 0) {
		outdir_abort(&of);
		return err_report(ERR_IO, "cannot copy %s to %s: %s", from, path, strerror(errno ? errno : EIO));
	}
	if (outdir_commit(&of, err, sizeof err) != 0)
		return err_report(ERR_IO, "%s", err);
	return EXIT_OK;
}

int report_files_write(const struct run_report *rep, const char *out_dir, const char *json_path,
		       const char *junit_path, FILE *out)
{
	char path[3][4200], written[512] = "";
	bool ok[3];
	int rc = EXIT_OK;
	static const char *const names[] = { "report.txt", "report.json", "junit.xml" };
	const char *copies[3] = { NULL, json_path, junit_path };
	for (int k = 0; k < 3; k++) {
		snprintf(path[k], sizeof path[k], "%s/%s", out_dir, names[k]);
		ok[k] = report_files_one(path[k], k, rep) == EXIT_OK;
		if (!ok[k]) {
			rc = EXIT_UNUSABLE;
			continue;
		}
		size_t n = strlen(written);
		snprintf(written + n, sizeof written - n, "%s%s", n ? ", " : "", names[k]);
	}
	/* Each report is made once: a copy is the file's bytes, or made again when the file could not be written. */
	for (int k = 1; k < 3; k++)
		if (copies[k] && (ok[k] ? report_files_copy_to(path[k], copies[k]) : report_files_one(copies[k], k, rep)) !=
					 EXIT_OK)
			rc = EXIT_UNUSABLE;
	if (!ok[0] || report_files_copy(path[0], out) != 0)
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
