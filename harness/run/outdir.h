/*
 * outdir.h - the run's output directory, written safely.
 *
 * Names that come from scenario files become file names only through
 * outdir_sanitize(); directories are made 0700 (key logs are secrets);
 * every report is written to a temporary file in the same directory and
 * renamed into place, so an interrupted run never leaves half a file.
 */
#ifndef TLSDIAG_RUN_OUTDIR_H
#define TLSDIAG_RUN_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

/* Maps name to [A-Za-z0-9._-] (others become '_'), never "", "." or "..", at most outlen-1 bytes. */
void outdir_sanitize(const char *name, char *out, size_t outlen);

/* mkdir -p with mode 0700 for the directories it makes.  0 or -1 with err set. */
int outdir_mkdirs(const char *path, char *err, size_t errlen);

/* A new directory captures/runs/<YYYYmmdd-HHMMSS>[-N] under base; path gets its name. */
int outdir_new_run(const char *base, char *path, size_t pathlen, char *err, size_t errlen);

struct outdir_file {
	FILE *f;
	char path[4096];
	char tmp[4096];
};

/* Opens a temporary file beside path (mode 0600).  NULL with err set. */
FILE *outdir_open(struct outdir_file *of, const char *path, char *err, size_t errlen);
/* Flushes, closes and renames it into place.  0 or -1 (the temporary is removed). */
int outdir_commit(struct outdir_file *of, char *err, size_t errlen);
/* Closes and removes the temporary. */
void outdir_abort(struct outdir_file *of);

/*
 * After a case's worker was killed (timeout, SIGINT/SIGTERM): removes the
 * temporaries it left in dir and keeps a capture it had begun as
 * capture.incomplete.pcap.  Returns 1 when such a capture was kept, else 0.
 */
int outdir_settle_cut(const char *dir);

/* Writes text to path through outdir_open/commit. */
int outdir_write_text(const char *path, const char *text, size_t len, char *err, size_t errlen);

#endif
