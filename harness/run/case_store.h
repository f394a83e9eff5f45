/*
 * case_store.h - every case's result of a run, kept out of the runner's
 * memory until the reports are written.
 *
 * A run of 10,000 cases cannot hold 10,000 results (each carries its
 * decoded connection: about 160 kB as a tree), and the workers are forks
 * of the runner, so a large heap also costs every case its copy-on-write
 * faults.  So a case's result lives in memory only while its worker runs;
 * when it ends the store keeps a brief of it (what the summaries, the
 * counts and the text report's case lines need) and spools the whole
 * result as one line of JSON (report_case_to_json) into an unlinked file
 * of the run, read back one case at a time by the report writers.
 *
 * The spool is an O_TMPFILE in the given directory (the run's out dir),
 * so it is on disk, never under a name, and gone however the run ends;
 * with no directory it is a memfd (tests, small reports).
 */
#ifndef TLSDIAG_RUN_CASE_STORE_H
#define TLSDIAG_RUN_CASE_STORE_H

#include "harness/run/report.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What the reports need of a case without reading it back. */
struct case_brief {
	const struct scenario_case *spec;
	enum case_status status;
	bool harness_error;
	bool connected; /* got.connected */
	bool has_hello; /* its decoded capture holds a ClientHello (report_case_compare) */
	long duration_ms;
	char *line; /* report_case_line_text(), owned; NULL before it ran */
	off_t at; /* its JSON in the spool */
	size_t len; /* 0: nothing spooled (not run) */
};

struct case_store;

/* A store for n cases, every one CASE_NOT_RUN until put.  dir: where the spool goes (NULL: memory).
 * NULL with err set. */
struct case_store *case_store_new(const char *dir, const struct scenario_case *const *specs, size_t n, char *err,
				  size_t errlen);
void case_store_free(struct case_store *s);
size_t case_store_count(const struct case_store *s);

/* Case i's result, whole (r keeps it): briefed and spooled.  0, or -1 with err set (a write error). */
int case_store_put(struct case_store *s, size_t i, const struct case_result *r, char *err, size_t errlen);
const struct case_brief *case_store_brief(const struct case_store *s, size_t i);
/*
 * Case i's result read back into out (case_result_init'ed here; release it
 * with case_result_release).  A case never put comes back as its brief
 * says (not run).  0, or -1 with err set: the spool could not be read (the
 * case then comes back CASE_ERROR, harness_error, saying so).
 */
int case_store_get(struct case_store *s, size_t i, struct case_result *out, char *err, size_t errlen);
/*
 * Case i's result as spooled: report_case_to_json's object (with
 * "compare": null), one line of JSON, in a buffer the caller frees; *len
 * its length.  NULL when it was never put (*len 0) or could not be read
 * (err set, counted as lost).
 */
char *case_store_json(struct case_store *s, size_t i, size_t *len, char *err, size_t errlen);
/* How many case_store_get calls could not read back a result (the run then exits 2). */
size_t case_store_lost(const struct case_store *s);

#endif
