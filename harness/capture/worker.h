/*
 * worker.h - the background thread behind a relay or a live capture.
 *
 * The owner talks to the thread through a pipe of one-byte commands (the
 * thread polls its read end next to its sockets, so a command wakes it at
 * once) and waits for the thread's progress on a condition variable, with
 * a bound, never a sleep.
 */
#ifndef TLSDIAG_CAPTURE_WORKER_H
#define TLSDIAG_CAPTURE_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

enum worker_cmd {
	WORKER_KICK = 'k', /* catch up with what is pending, then report */
	WORKER_STOP = 's', /* finish now */
};

struct worker {
	pthread_t thread;
	bool started;
	int ctl[2]; /* the owner writes to ctl[1]; the thread polls ctl[0] (non-blocking) */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* on CLOCK_MONOTONIC */
	bool done; /* the thread has finished its work */
};

int worker_init(struct worker *w, char *err, size_t errlen);
int worker_start(struct worker *w, void *(*fn)(void *), void *arg, char *err, size_t errlen);
/* Owner side. */
void worker_command(struct worker *w, enum worker_cmd cmd);
/*
 * Waits until done(arg) is true (evaluated with the lock held) or timeout_ms
 * passes (<0: no bound).  Returns the last value of done(arg).
 */
bool worker_wait(struct worker *w, bool (*done)(void *arg), void *arg, int timeout_ms);
/* Joins the thread (if started) and releases everything.  Idempotent. */
void worker_destroy(struct worker *w);

/* Thread side: the next pending command, or 0 when none. */
int worker_next_command(struct worker *w);
void worker_lock(struct worker *w);
/* Unlocks and wakes the waiters: call after changing what done() looks at. */
void worker_unlock_notify(struct worker *w);
void worker_finish(struct worker *w);

/* Milliseconds on CLOCK_MONOTONIC, for bounds. */
long long worker_now_ms(void);

#endif
