/*
 * reaper.h - what tlsdiag leaves behind is cleaned up even when tlsdiag is
 * SIGKILLed: a small process of its own (forked once per process, on first
 * use) holds the other end of a pipe from tlsdiag and, when that pipe
 * closes, kills the server process groups and removes the run dirs (with
 * their private keys) still registered.  See reaper.c for how.
 */
#ifndef TLSDIAG_SERVERS_REAPER_H
#define TLSDIAG_SERVERS_REAPER_H

#include <sys/types.h>

/* dir (a run dir of ours) is removed whole if this process dies before reaper_unwatch_dir.  0 or -1. */
int reaper_watch_dir(const char *dir);
void reaper_unwatch_dir(const char *dir);
/* Process group pgid (a server) is SIGKILLed if this process dies before reaper_unwatch_group.  0 or -1. */
int reaper_watch_group(pid_t pgid);
void reaper_unwatch_group(pid_t pgid);
/*
 * In a fork that does not exec (a runner's worker): drops the inherited end
 * of the parent's pipe, so that only the parent's death closes it.
 */
void reaper_forget(void);
/* The reaper's pid (tests); 0 when none runs for this process. */
pid_t reaper_pid(void);

/* rm -rf dir, never through a symlink. */
void reaper_rmtree(const char *dir);

/*
 * Removes what dead runs left under tmpdir: dirs "tlsdiag-<pid>-*" of ours
 * whose pid is gone (processes still working in them are killed first).
 * Returns how many were removed.
 */
int reaper_sweep(const char *tmpdir);

#endif
