/*
 * proc.h - child processes (servers, and the tools tests drive): the one
 * module that forks, signals and reaps.  Each child leads its own process
 * group so a stop reaches everything it started.
 */
#ifndef TLSDIAG_SERVERS_PROC_H
#define TLSDIAG_SERVERS_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc {
	pid_t pid; /* 0 when not running */
	int status; /* wait status once reaped */
	bool reaped;
};

struct proc_opts {
	/*
	 * stdout and stderr go here; NULL: /dev/null.  Made 0600 as a new file
	 * (O_EXCL), never through a symlink; an existing one is refused (spawn
	 * fails with err naming why) unless log_append.
	 */
	const char *log_path;
	/* log_path may exist (a regular file of ours, one link, no symlink): appended to, as a reused test log. */
	bool log_append;
	const char *stdin_path; /* NULL: /dev/null */
	const char *cwd; /* NULL: inherit */
	char *const *envp; /* NULL: inherit */
};

/* Starts argv (argv[0] searched in PATH); no shell is involved.  0 or -1 with err set. */
int proc_spawn(struct proc *p, char *const argv[], const struct proc_opts *o, char *err, size_t errlen);
/*
 * Waits until host:port accepts a TCP connection (readiness, never a sleep),
 * failing at once if the process exits first.  0 ready, -1 died or timed out.
 */
int proc_wait_port(struct proc *p, const char *host, uint16_t port, int timeout_ms, char *err, size_t errlen);
/*
 * Waits up to timeout_ms for the child to exit on its own (a tool that runs
 * to completion) and reaps it.  0 exited (status in p->status), -1 still running.
 */
int proc_wait(struct proc *p, int timeout_ms);
/* True while the child runs (reaps it if it has exited). */
bool proc_alive(struct proc *p);
/* SIGTERM to the process group, SIGKILL after grace_ms, then reap.  Idempotent. */
void proc_stop(struct proc *p, int grace_ms);

#endif
