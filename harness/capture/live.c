/*
 * live.c - live capture of one TCP connection (see live.h).
 *
 * How this works.  live_start() opens the interface through pcap_io with a
 * BPF filter ("tcp port S", or "tcp port S and tcp port C" when the
 * client's port is known) and starts a thread that polls the capture
 * descriptor and the command pipe.  pcap_io hands every frame to a tap,
 * live_frame(), which reads its TCP header with packet_decode() and says
 * whether it is written (with only_conn, just the followed connection's).
 * The first SYN to the server port names the followed connection; its FIN
 * from each side, or a RST from either, closes it.  On Linux loopback a
 * packet is in the capture ring by the time the sending system call
 * returns, so when the client is done a KICK (read everything pending, then
 * report) tells for sure whether its connection was ever seen; only the
 * server's answer to the client's FIN can still be on its way, and that is
 * waited for with a bound, never a sleep.
 */
#include "harness/capture/live.h"

#include "harness/capture/follow.h"
#include "harness/capture/worker.h"
#include "harness/decode/packet.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct live {
	struct worker w;
	struct pcap_live *cap;
	enum link_type link;
	bool only_conn;
	bool failed;
	unsigned kicks_asked, kicks_done; /* under w.mu */
	struct follow f; /* the followed connection; f.st under w.mu */
};

/* pcap_io's tap: follows the connection, notes its end; true writes the frame. */
static bool live_frame(void *ctx, const struct pcap_frame *fr)
{
	struct live *l = ctx;
	struct packet t;
	enum follow_dir dir;

	/* A segment whose payload the snaplen cut is still usable (kind stays PKT_TCP). */
	packet_decode(l->link, fr->data, fr->caplen, fr->len, &t);
	worker_lock(&l->w);
	dir = follow_segment(&l->f, &t);
	worker_unlock_notify(&l->w);
	return dir != FOLLOW_OTHER || !l->only_conn;
}

/* Everything the kernel holds now; -1 when the capture failed. */
static int live_catch_up(struct live *l)
{
	int n = pcap_io_live_poll(l->cap, 0);

	if (n < 0) {
		snprintf(l->f.st.error, sizeof l->f.st.error, "%s", pcap_io_live_error(l->cap));
		l->failed = true;
	}
	return n;
}

static void *live_main(void *arg)
{
	struct live *l = arg;
	struct pollfd pfd[2] = { { pcap_io_live_fd(l->cap), POLLIN, 0 }, { l->w.ctl[0], POLLIN, 0 } };
	int cmd, n;

	for (;;) {
		n = poll(pfd, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(l->f.st.error, sizeof l->f.st.error, "poll: %s", strerror(errno));
			l->failed = true;
			break;
		}
		if (pfd[0].revents && live_catch_up(l) < 0)
			break;
		if (!pfd[1].revents)
			continue;
		cmd = worker_next_command(&l->w);
		if (cmd == WORKER_STOP) {
			live_catch_up(l);
			break;
		}
		if (cmd == WORKER_KICK) {
			if (live_catch_up(l) < 0)
				break;
			worker_lock(&l->w);
			l->kicks_done++;
			worker_unlock_notify(&l->w);
		}
	}
	worker_finish(&l->w);
	return NULL;
}

static void live_free(struct live *l)
{
	worker_destroy(&l->w);
	pcap_io_live_close(l->cap);
	free(l);
}

struct live *live_start(const struct live_opts *o, enum pcap_io_err *why, char *err, size_t errlen)
{
	struct live *l = calloc(1, sizeof *l);

	*why = PCAP_IO_FAILED;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->w.ctl[0] = l->w.ctl[1] = -1;
	follow_init(&l->f, o->server_port, o->client_port);
	l->only_conn = o->only_conn;
	/* Only this connection's packets: parallel cases against one server each get their own. */
	if (o->client_port)
		snprintf(l->f.st.filter, sizeof l->f.st.filter, "tcp port %u and tcp port %u", (unsigned)o->server_port,
			 (unsigned)o->client_port);
	else
		snprintf(l->f.st.filter, sizeof l->f.st.filter, "tcp port %u", (unsigned)o->server_port);
	*why = pcap_io_live_open(o->iface ? o->iface : "lo", l->f.st.filter, o->pcap_path, &l->cap, err, errlen);
	if (*why != PCAP_IO_OK)
		goto fail;
	l->link = pcap_io_live_link(l->cap);
	pcap_io_live_set_tap(l->cap, live_frame, l);
	if (worker_init(&l->w, err, errlen) != 0 || worker_start(&l->w, live_main, l, err, errlen) != 0) {
		*why = PCAP_IO_FAILED;
		goto fail;
	}
	return l;
fail:
	live_free(l);
	return NULL;
}

const char *live_filter(const struct live *l)
{
	return l->f.st.filter;
}

static bool live_closed(void *arg)
{
	const struct live *l = arg;

	return l->f.st.closed || l->w.done;
}

bool live_wait_closed(struct live *l, int timeout_ms)
{
	return worker_wait(&l->w, live_closed, l, timeout_ms);
}

static bool live_settled(void *arg)
{
	const struct live *l = arg;

	return live_closed(arg) || (!l->f.st.connected && l->kicks_done >= l->kicks_asked);
}

bool live_drain(struct live *l, int timeout_ms)
{
	worker_lock(&l->w);
	l->kicks_asked++;
	worker_unlock_notify(&l->w);
	worker_command(&l->w, WORKER_KICK);
	return worker_wait(&l->w, live_settled, l, timeout_ms);
}

int live_stop(struct live *l, struct live_stats *st, char *err, size_t errlen)
{
	struct pcap_live_stats ps;
	int rc = 0;

	worker_destroy(&l->w); /* WORKER_STOP: the thread drains, then ends */
	if (pcap_io_live_stats(l->cap, &ps) == 0) {
		l->f.st.received = ps.received;
		l->f.st.dropped = ps.dropped + ps.if_dropped;
	}
	l->f.st.packets = ps.written; /* filled even when pcap_stats() failed */
	if (pcap_io_live_close(l->cap) != 0 && !l->failed) {
		l->failed = true;
		snprintf(l->f.st.error, sizeof l->f.st.error, "completing the capture file failed");
	}
	l->cap = NULL;
	*st = l->f.st;
	if (l->failed) {
		snprintf(err, errlen, "live capture failed: %s", l->f.st.error);
		rc = -1;
	}
	live_free(l);
	return rc;
}
