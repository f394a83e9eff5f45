/*
 * front.c - network faults in front of a served profile (see front.h).
 *
 * How this works.  One thread polls the listening socket and the worker's
 * command pipe.  Each accepted connection goes to a relay of its own
 * (relay_opts.client_fd: the relay owns it from then on), so a stalled
 * connection never holds up the next one; at most FRONT_MAX run at once and
 * a connection beyond that is closed at once.  Every FRONT_REAP_MS the
 * thread stops the relays that have ended and logs what their fault did.
 * Stopping ends the relays still running (their sockets are closed) and
 * joins the thread.  Nothing is recorded: 'tlsdiag capture' records a
 * device's connection.
 */
#include "harness/capture/front.h"

#include "harness/capture/fault.h"
#include "harness/capture/relay.h"
#include "harness/capture/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRONT_MAX 16
#define FRONT_REAP_MS 200

struct front {
	struct worker w;
	int lfd;
	uint16_t port;
	char server_host[64];
	uint16_t server_port;
	struct fault_set faults;
	FILE *log;
	int idle_ms;
	struct relay *r[FRONT_MAX];
	unsigned id[FRONT_MAX];
	unsigned taken;
};

/* Stops relay k and logs how its connection went. */
static void front_reap(struct front *f, size_t k)
{
	struct relay_stats st;
	char err[256];

	relay_stop(f->r[k], &st, err, sizeof err);
	f->r[k] = NULL;
	if (f->log) {
		fprintf(f->log, "connection %u from %s: %s; %s\n", f->id[k], st.client[0] ? st.client : "?",
			st.fault[0] ? st.fault : "no fault acted", relay_end_name(st.end));
		fflush(f->log);
	}
}

static void front_take(struct front *f, int fd)
{
	struct relay_opts ro = { .server_host = f->server_host, .server_port = f->server_port,
				 .faults = &f->faults, .client_fd = fd, .idle_ms = f->idle_ms };
	char err[256];
	size_t k = 0;

	while (k < FRONT_MAX && f->r[k])
		k++;
	if (k == FRONT_MAX) {
		close(fd);
		if (f->log)
			fprintf(f->log, "connection refused: %d already open\n", FRONT_MAX);
		return;
	}
	f->id[k] = ++f->taken; /* counted before its relay runs: the relay may end the connection at once */
	f->r[k] = relay_start(&ro, err, sizeof err); /* owns fd, even when it fails */
	if (!f->r[k] && f->log)
		fprintf(f->log, "connection %u: %s\n", f->id[k], err);
}

static void *front_main(void *arg)
{
	struct front *f = arg;
	struct pollfd pfd[2];

	for (;;) {
		int n, fd;

		pfd[0] = (struct pollfd){ .fd = f->lfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = f->w.ctl[0], .events = POLLIN };
		n = poll(pfd, 2, FRONT_REAP_MS);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && pfd[1].revents && worker_next_command(&f->w) == WORKER_STOP)
			break;
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				front_take(f, fd);
		}
		for (size_t k = 0; k < FRONT_MAX; k++)
			if (f->r[k] && relay_wait(f->r[k], 0))
				front_reap(f, k);
	}
	for (size_t k = 0; k < FRONT_MAX; k++)
		if (f->r[k])
			front_reap(f, k);
	worker_lock(&f->w);
	f->w.done = true;
	worker_unlock_notify(&f->w);
	return NULL;
}

static void front_free(struct front *f)
{
	worker_destroy(&f->w);
	if (f->lfd >= 0)
		close(f->lfd);
	free(f);
}

struct front *front_start(const struct front_opts *o, char *err, size_t errlen)
{
	struct front *f = calloc(1, sizeof *f);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof sa;
	int one = 1;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->lfd = -1;
	f->w.ctl[0] = f->w.ctl[1] = -1;
	snprintf(f->server_host, sizeof f->server_host, "%s", o->server_host);
	f->server_port = o->server_port;
	if (o->faults)
		f->faults = *o->faults;
	f->log = o->log;
	f->idle_ms = o->idle_ms > 0 ? o->idle_ms : 60000;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only: a device reaches it through a forward */
	sa.sin_port = htons(o->listen_port);
	if (bind(f->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(f->lfd, 16) != 0 ||
	    getsockname(f->lfd, (struct sockaddr *)&sa, &salen) != 0) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1:%u: %s", (unsigned)o->listen_port, strerror(errno));
		goto fail;
	}
	f->port = ntohs(sa.sin_port);
	if (worker_init(&f->w, err, errlen) != 0 || worker_start(&f->w, front_main, f, err, errlen) != 0)
		goto fail;
	return f;
fail:
	front_free(f);
	return NULL;
}

uint16_t front_port(const struct front *f)
{
	return f->port;
}

unsigned front_stop(struct front *f)
{
	worker_destroy(&f->w); /* sends WORKER_STOP and joins: the thread reaps every relay */
	unsigned n = f->taken; /* read once the thread that counts is gone */
	front_free(f);
	return n;
}
