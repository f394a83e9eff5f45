/*
 * outdir.h - the run's output directory, written safely.
 *
 * Names that come from scenario files become file names only through
 * outdir_sanitize(); directories are made 0700 (key logs are secrets);
 * every report is written to a temporary file in the same directory and
 * renamed into place, so an interrupted run never leaves half a file.
 * Files are only created (O_EXCL, never through a symlink) in directories
 * that no other user can write (outdir_check_safe); --out is locked for the
 * run and cleared of an earlier run's files (outdir_lock_run).
 */
#ifndef TLSDIAG_RUN_OUTDIR_H
#define TLSDIAG_RUN_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

/* Maps name to [A-Za-z0-9._-] (others become '_'), never "", "." or "..", at most outlen-1 bytes. */
void outdir_sanitize(const char *name, char *out, size_t outlen);

/* mkdir -p with mode 0700 for the directories it makes.  0 or -1 with err set. */
int outdir_mkdirs(const char *path, char *err, size_t errlen);

/*
 * Whether files may be created in dir without another user redirecting
 * them: every directory from / down to dir (symlinks resolved) is owned by
 * root or by us, none is writable by group or others unless sticky (/tmp),
 * and dir itself is ours and writable by no one else.  0 with the resolved
 * path in real (may be NULL), or -1 with err naming the directory at fault.
 */
int outdir_check_safe(const char *dir, char *real, size_t reallen, char *err, size_t errlen);

/*
 * outdir_check_safe, and more for a dir that will hold secrets (a server
 * run dir: private keys): dir itself is not a symbolic link and no group
 * or other may read or write it (0700; 0711 too, the search bit that a
 * server run as nobody needs to reach its own dir).  0, or -1 with err.
 */
int outdir_check_private(const char *dir, char *err, size_t errlen);

/*
 * A run's --out: made (0700) if missing, checked (outdir_check_safe), and
 * locked for the run: fd of its lock file .tlsdiag.lock holds flock(LOCK_EX).
 * An earlier run's dir (it holds .tlsdiag.lock) is cleared first; a non-empty
 * dir that no run made is refused, as is one another run holds.  real gets
 * the resolved path the run must use.  fd >= 0, or -1 with err set.
 */
int outdir_lock_run(const char *dir, char *real, size_t reallen, char *err, size_t errlen);

/*
 * mkdir -p of rel (a case's "<scenario>/<NNN>-<case>") under base, a
 * checked dir: each level made 0700 or, when it exists, a real directory
 * of ours writable by no one else (never followed through a symlink).
 */
int outdir_mkdirs_under(const char *base, const char *rel, char *err, size_t errlen);

/* Whether path (a report beside the run: --json, --junit) can be written: its dir takes a temporary. */
int outdir_check_writable(const char *path, char *err, size_t errlen);

/* A new directory captures/runs/<YYYYmmdd-HHMMSS>[-N] under base; path gets its name. */
int outdir_new_run(const char *base, char *path, size_t pathlen, char *err, size_t errlen);

struct outdir_file {
	FILE *f;
	char path[4096];
	char tmp[4096];
};

/* Opens a temporary file beside path (mode 0600).  NULL with err set. */
FILE *outdir_open(struct outdir_file *of, const char *path, char *err, size_t errlen);
/* Flushes, fsyncs, closes and renames it into place.  0 or -1 (the temporary is removed). */
int outdir_commit(struct outdir_file *of, char *err, size_t errlen);
/*
 * The same without the fsync, for the many files of a run's cases: whole
 * or absent if tlsdiag is killed (the rename), durable once the run calls
 * outdir_sync on its dir before its reports (an fsync a file cost a case
 * 5 ms of a 10 ms budget on a loaded VM).
 */
int outdir_commit_unsynced(struct outdir_file *of, char *err, size_t errlen);
/* Everything written under dir reaches the disk (syncfs of its file system).  0 or -1 with err set. */
int outdir_sync(const char *dir, char *err, size_t errlen);
/* Closes and removes the temporary. */
void outdir_abort(struct outdir_file *of);

/*
 * After a case's worker was killed (timeout, SIGINT/SIGTERM): removes the
 * temporaries it left in dir and keeps a capture it had begun as
 * capture.incomplete.pcap.  Returns 1 when such a capture was kept, else 0.
 */
int outdir_settle_cut(const char *dir);

/* Writes text to path through outdir_open/commit_unsynced (a case's file). */
int outdir_write_text(const char *path, const char *text, size_t len, char *err, size_t errlen);

#endif
