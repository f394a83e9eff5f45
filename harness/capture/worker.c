/* worker.c - a background thread with a command pipe and a bounded wait (see worker.h). */
#include "harness/capture/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

long long worker_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int worker_init(struct worker *w, char *err, size_t errlen)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof *w);
	w->ctl[0] = w->ctl[1] = -1;
	if (pipe2(w->ctl, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

int worker_start(struct worker *w, void *(*fn)(void *), void *arg, char *err, size_t errlen)
{
	int rc = pthread_create(&w->thread, NULL, fn, arg);

	if (rc != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
		return -1;
	}
	w->started = true;
	return 0;
}

void worker_command(struct worker *w, enum worker_cmd cmd)
{
	char c = (char)cmd;

	/* The pipe holds far more commands than anyone sends; a full pipe already wakes the thread. */
	while (write(w->ctl[1], &c, 1) < 0 && errno == EINTR)
		;
}

bool worker_wait(struct worker *w, bool (*done)(void *arg), void *arg, int timeout_ms)
{
	long long end = worker_now_ms() + timeout_ms;
	struct timespec ts;
	bool ok;

	pthread_mutex_lock(&w->mu);
	while (!(ok = done(arg))) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		if (worker_now_ms() >= end)
			break;
		ts.tv_sec = (time_t)(end / 1000);
		ts.tv_nsec = (long)(end % 1000) * 1000000;
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

void worker_destroy(struct worker *w)
{
	if (w->started) {
		worker_command(w, WORKER_STOP);
		pthread_join(w->thread, NULL);
		w->started = false;
	}
	if (w->ctl[0] >= 0) {
		close(w->ctl[0]);
		close(w->ctl[1]);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		w->ctl[0] = w->ctl[1] = -1;
	}
}

int worker_next_command(struct worker *w)
{
	char c;
	ssize_t n;

	do
		n = read(w->ctl[0], &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? (unsigned char)c : 0;
}

void worker_lock(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
}

void worker_unlock_notify(struct worker *w)
{
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void worker_finish(struct worker *w)
{
	worker_lock(w);
	w->done = true;
	worker_unlock_notify(w);
}
