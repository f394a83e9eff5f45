/*
 * hub.c - one live capture shared by the cases of a run (see hub.h).
 *
 * Why.  A live capture of its own costs a case a packet socket: ring
 * allocation, filter, close (each with an RCU grace period in the kernel)
 * and a thread, which measured as the largest part of a case's time
 * (docs/performance.md, "Runner matrix").  The hub opens lo once per run.
 *
 * How this works.  hub_start() forks the hub process, which opens the
 * capture (pcap_io, no dump file: a tap sees every frame) with a filter on
 * the run's server ports, binds a SOCK_SEQPACKET socket in the run's
 * private dir (0700; peers must have our uid) and reports on a pipe that it
 * is ready.  Its loop polls the capture, the listening socket, one socket
 * per case, and a pipe from the runner whose EOF ends it.  A case sends
 * BEGIN (server port, client port, pcap path): the hub opens a pcap writer
 * there and answers; from then on each frame between those two ports goes
 * to that writer and through follow.c (SYN, FIN, RST).  When the client is
 * done the case sends END (drain_ms, and its pcap path again: an END for
 * another pcap, or before BEGIN, is refused): as live.c does, the hub
 * first reads everything the kernel holds (on loopback a packet is in the
 * ring by the time the sending system call returns), so a connection never
 * seen is known at once; otherwise it waits, at most drain_ms, for the
 * connection's end.  It then closes the pcap and answers with the stats.
 * A case whose worker dies is dropped when its socket closes.  The hub
 * asks for SIGKILL when the runner dies (PR_SET_PDEATHSIG) and leaves only
 * through _exit (no atexit handlers of the runner run in it).
 *
 * Messages.  Both ends are forks of one binary, yet the bytes come from a
 * socket: each message is a small wire format of its own (hub_wire.h:
 * big-endian fields, length-prefixed strings), encoded by a bounded writer
 * and read through struct cursor only, never a struct copied in or out.
 * A request not read whole and exactly (wrong magic, short, bytes after
 * its end, a string too long or with a NUL) is answered with the reason
 * and its case dropped; a malformed reply fails the case's begin or end.
 */
#include "harness/capture/hub.h"

#include "harness/capture/follow.h"
#include "harness/capture/hub_wire.h"
#include "harness/decode/packet.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Frames not yet read, for all parallel cases together: each ring slot
 * takes 128 KiB on lo (a frame may be 64 KiB and more), so 32 MiB is about
 * 256 frames.  A case's handshake is 10 to 30 frames.
 */
#define HUB_BUFFER (32 * 1024 * 1024)
#define HUB_MAX_CASES 512
#define HUB_START_MS 20000 /* the hub is ready, or says why not, within this */
#define HUB_REPLY_MS 10000 /* beyond a case's drain_ms, how long it waits for an answer */
#define HUB_STOP_MS 2000 /* then the hub is killed */

struct hub_status {
	int32_t why; /* enum pcap_io_err */
	char err[256];
};

struct hub {
	pid_t pid;
	int ctl; /* its EOF ends the hub */
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
	char filter[1024];
};

struct hub_case {
	int fd;
	char filter[96];
	char path[PATH_MAX]; /* the pcap: BEGIN opens it, END repeats it */
};

static long long hub_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the hub process ---- */

struct hub_conn {
	int fd;
	bool begun, ending;
	uint16_t server_port, client_port;
	char path[PATH_MAX]; /* BEGIN's, which END must repeat */
	struct follow f;
	struct pcap_io_writer *w;
	bool write_failed;
	uint64_t written, dropped0;
	long long deadline;
};

struct hub_proc {
	struct pcap_live *cap;
	enum link_type link;
	int lfd, ctl;
	struct hub_conn conns[HUB_MAX_CASES];
	size_t n;
};

static uint64_t hub_dropped(struct hub_proc *h)
{
	struct pcap_live_stats ps;
	return pcap_io_live_stats(h->cap, &ps) == 0 ? ps.dropped + ps.if_dropped : 0;
}

/* The tap: each frame to the case whose pair of ports it carries, if any. */
static bool hub_frame(void *ctx, const struct pcap_frame *fr)
{
	struct hub_proc *h = ctx;
	struct packet t;

	packet_decode(h->link, fr->data, fr->caplen, fr->len, &t);
	if (t.kind != PKT_TCP)
		return false;
	for (size_t i = 0; i < h->n; i++) {
		struct hub_conn *c = &h->conns[i];
		if (!c->begun || !((t.sport == c->server_port && t.dport == c->client_port) ||
				   (t.sport == c->client_port && t.dport == c->server_port)))
			continue;
		if (pcap_io_writer_write(c->w, fr) == 0)
			c->written++;
		else
			c->write_failed = true;
		follow_segment(&c->f, &t);
		break;
	}
	return false; /* nothing to pcap_io's own dump: there is none */
}

static void hub_send(int fd, const struct hub_reply *r)
{
	uint8_t buf[HUB_WIRE_REPLY_MAX];
	size_t n = hub_wire_encode_reply(r, buf, sizeof buf);

	/* n is 0 only for a string not terminated in its array: none of ours (all snprintf). */
	while (n && send(fd, buf, n, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

static void hub_refuse(int fd, const char *why)
{
	struct hub_reply r;
	memset(&r, 0, sizeof r);
	snprintf(r.err, sizeof r.err, "%s", why);
	hub_send(fd, &r);
}

/* Drops case i (its worker is gone, or it is answered): pcap closed, socket closed. */
static void hub_drop(struct hub_proc *h, size_t i)
{
	char err[256];
	pcap_io_writer_close(h->conns[i].w, err, sizeof err);
	close(h->conns[i].fd);
	h->conns[i] = h->conns[--h->n];
}

/* END settled: the pcap completed, the stats sent, the case dropped. */
static void hub_finish(struct hub_proc *h, size_t i)
{
	struct hub_conn *c = &h->conns[i];
	struct hub_reply r;
	char err[256] = "";
	int rc = pcap_io_writer_close(c->w, err, sizeof err);

	c->w = NULL;
	memset(&r, 0, sizeof r);
	r.st = c->f.st;
	r.st.packets = r.st.received = c->written;
	r.st.dropped = hub_dropped(h) - c->dropped0;
	r.ok = rc == 0 && !c->write_failed;
	if (!r.ok)
		snprintf(r.err, sizeof r.err, "%s", err[0] ? err : "writing the capture file failed");
	hub_send(c->fd, &r);
	hub_drop(h, i);
}

static void hub_on_begin(struct hub_proc *h, struct hub_conn *c, const struct hub_request *m)
{
	struct hub_reply r;
	char err[256];

	if (c->begun || m->server_port == 0 || m->client_port == 0) {
		hub_refuse(c->fd, "bad BEGIN");
		return;
	}
	c->w = pcap_io_writer_open(m->path, h->link, err, sizeof err);
	if (!c->w) {
		hub_refuse(c->fd, err);
		return;
	}
	c->begun = true;
	c->server_port = m->server_port;
	c->client_port = m->client_port;
	snprintf(c->path, sizeof c->path, "%s", m->path);
	follow_init(&c->f, m->server_port, m->client_port);
	c->dropped0 = hub_dropped(h);
	memset(&r, 0, sizeof r);
	r.ok = true;
	hub_send(c->fd, &r);
}

/* Reads one message of case i; false when the case was dropped. */
static bool hub_on_message(struct hub_proc *h, size_t i)
{
	struct hub_conn *c = &h->conns[i];
	uint8_t buf[HUB_WIRE_REQUEST_MAX + 1]; /* one byte more: a longer message is seen as such */
	struct hub_request m;
	struct cursor cur;
	char why[128], msg[192];
	ssize_t n;

	do
		n = recv(c->fd, buf, sizeof buf, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return true;
	if (n <= 0) {
		hub_drop(h, i); /* EOF: the worker is gone */
		return false;
	}
	cur = cursor_make(buf, (size_t)n);
	if (hub_wire_decode_request(&cur, &m, why, sizeof why) != DECODE_OK) {
		/* Not one of ours, or one gone wrong: it is told why, then dropped. */
		snprintf(msg, sizeof msg, "capture hub: malformed request (%s)", why);
		hub_refuse(c->fd, msg);
		hub_drop(h, i);
		return false;
	}
	if (m.kind == HUB_WIRE_BEGIN) {
		hub_on_begin(h, c, &m);
		return true;
	}
	if (!c->begun || c->ending || strcmp(m.path, c->path) != 0) {
		hub_refuse(c->fd, "bad END");
		return true;
	}
	/* Everything the kernel holds now; the client's segments are all in it. */
	if (pcap_io_live_poll(h->cap, 0) < 0)
		_exit(4);
	if (!c->f.st.connected || c->f.st.closed) {
		hub_finish(h, i);
		return false;
	}
	c->ending = true;
	c->deadline = hub_now_ms() + (long long)m.drain_ms;
	return true;
}

static void hub_accept(struct hub_proc *h)
{
	for (;;) {
		struct ucred cr;
		socklen_t len = sizeof cr;
		int fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (h->n == HUB_MAX_CASES || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
		    cr.uid != geteuid()) {
			close(fd);
			continue;
		}
		memset(&h->conns[h->n], 0, sizeof h->conns[h->n]);
		h->conns[h->n++].fd = fd;
	}
}

static int hub_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0) {
		snprintf(err, errlen, "capture socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The hub's loop; returns when the runner closes ctl (or dies). */
static void hub_loop(struct hub_proc *h)
{
	static struct pollfd pfd[HUB_MAX_CASES + 3];

	for (;;) {
		long long now = hub_now_ms(), wait = -1;
		pfd[0] = (struct pollfd){ .fd = pcap_io_live_fd(h->cap), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = h->lfd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = h->ctl, .events = POLLIN };
		for (size_t i = 0; i < h->n; i++) {
			pfd[3 + i] = (struct pollfd){ .fd = h->conns[i].fd, .events = POLLIN };
			if (h->conns[i].ending && (wait < 0 || h->conns[i].deadline - now < wait))
				wait = h->conns[i].deadline > now ? h->conns[i].deadline - now : 0;
		}
		size_t n = h->n;
		if (poll(pfd, 3 + n, (int)wait) < 0 && errno != EINTR)
			return;
		if (pfd[2].revents)
			return;
		if (pfd[0].revents && pcap_io_live_poll(h->cap, 0) < 0)
			return;
		now = hub_now_ms();
		/* Backwards: dropping moves the last case into the dropped one's place. */
		for (size_t i = n; i-- > 0;) {
			if (pfd[3 + i].revents && !hub_on_message(h, i))
				continue;
			struct hub_conn *c = &h->conns[i];
			if (c->ending && (c->f.st.closed || now >= c->deadline))
				hub_finish(h, i);
		}
		if (pfd[1].revents)
			hub_accept(h);
	}
}

static void hub_main(const struct hub_opts *o, struct hub *hub, int status_fd, int ctl, pid_t parent)
{
	static struct hub_proc h;
	struct hub_status st;
	enum pcap_io_err why;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
	memset(&st, 0, sizeof st);
	h.ctl = ctl;
	h.lfd = -1;
	why = pcap_io_live_open_buffer(o->iface ? o->iface : "lo", hub->filter, NULL, HUB_BUFFER, &h.cap, st.err,
				       sizeof st.err);
	if (why == PCAP_IO_OK && (h.lfd = hub_listen(hub->path, st.err, sizeof st.err)) < 0)
		why = PCAP_IO_FAILED;
	st.why = (int32_t)why;
	if (write(status_fd, &st, sizeof st) != (ssize_t)sizeof st || why != PCAP_IO_OK)
		_exit(2);
	close(status_fd);
	h.link = pcap_io_live_link(h.cap);
	pcap_io_live_set_tap(h.cap, hub_frame, &h);
	hub_loop(&h);
	while (h.n)
		hub_drop(&h, h.n - 1);
	_exit(0);
}

/* ---- the runner's side ---- */

static void hub_reap(struct hub *h)
{
	int pidfd = (int)syscall(SYS_pidfd_open, h->pid, 0);
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		while (poll(&p, 1, HUB_STOP_MS) < 0 && errno == EINTR)
			;
		close(pidfd);
		if (!p.revents)
			kill(h->pid, SIGKILL);
	} else {
		kill(h->pid, SIGKILL);
	}
	while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

struct hub *hub_start(const struct hub_opts *o, enum pcap_io_err *why, char *err, size_t errlen)
{
	struct hub *h = calloc(1, sizeof *h);
	struct hub_status st;
	int sp[2] = { -1, -1 }, cp[2] = { -1, -1 };
	size_t used = 0;

	*why = PCAP_IO_FAILED;
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->pid = -1;
	h->ctl = -1;
	if (snprintf(h->path, sizeof h->path, "%s/capture.sock", o->dir) >= (int)sizeof h->path) {
		snprintf(err, errlen, "%s: too long a path for the capture socket", o->dir);
		goto fail;
	}
	for (size_t i = 0; i < o->nports && used < sizeof h->filter; i++)
		used += (size_t)snprintf(h->filter + used, sizeof h->filter - used, "%stcp port %u", i ? " or " : "",
					 (unsigned)o->server_ports[i]);
	if (o->nports == 0 || used >= sizeof h->filter) {
		snprintf(err, errlen, "capture hub: %s server ports", o->nports ? "too many" : "no");
		goto fail;
	}
	if (pipe2(sp, O_CLOEXEC) != 0 || pipe2(cp, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	pid_t parent = getpid();
	fflush(NULL);
	h->pid = fork();
	if (h->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (h->pid == 0) {
		close(sp[0]);
		close(cp[1]);
		hub_main(o, h, sp[1], cp[0], parent);
	}
	close(sp[1]);
	close(cp[0]);
	sp[1] = cp[0] = -1;
	h->ctl = cp[1];
	cp[1] = -1;
	struct pollfd p = { .fd = sp[0], .events = POLLIN };
	ssize_t n = -1;
	if (poll(&p, 1, HUB_START_MS) == 1)
		n = read(sp[0], &st, sizeof st);
	if (n != (ssize_t)sizeof st) {
		snprintf(err, errlen, "the capture hub did not start");
		goto fail;
	}
	if (st.why != PCAP_IO_OK) {
		st.err[sizeof st.err - 1] = '\0';
		*why = (enum pcap_io_err)st.why;
		snprintf(err, errlen, "%s", st.err);
		goto fail;
	}
	close(sp[0]);
	*why = PCAP_IO_OK;
	return h;
fail:
	for (int i = 0; i < 2; i++) {
		if (sp[i] >= 0)
			close(sp[i]);
		if (cp[i] >= 0)
			close(cp[i]);
	}
	hub_stop(h);
	return NULL;
}

const char *hub_path(const struct hub *h)
{
	return h->path;
}

const char *hub_filter(const struct hub *h)
{
	return h->filter;
}

void hub_stop(struct hub *h)
{
	if (!h)
		return;
	if (h->ctl >= 0)
		close(h->ctl);
	if (h->pid > 0)
		hub_reap(h);
	if (h->path[0])
		unlink(h->path);
	free(h);
}

/* ---- a case's side ---- */

/*
 * Sends m and waits up to timeout_ms for the answer; 0, or -1 with err set.
 * *r holds the answer when one was read whole, even a refusal (an END's
 * stats); else it is all zero.
 */
static int hub_ask(int fd, const struct hub_request *m, int timeout_ms, struct hub_reply *r, char *err,
		   size_t errlen)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t out[HUB_WIRE_REQUEST_MAX], in[HUB_WIRE_REPLY_MAX + 1]; /* one byte more: see hub_on_message() */
	size_t len = hub_wire_encode_request(m, out, sizeof out);
	struct cursor cur;
	char why[128];
	ssize_t n;
	int rc;

	memset(r, 0, sizeof *r);
	if (len == 0) {
		snprintf(err, errlen, "capture hub: the pcap path is empty or too long");
		return -1;
	}
	while ((n = send(fd, out, len, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)len) {
		snprintf(err, errlen, "capture hub: %s", n < 0 ? strerror(errno) : "short send");
		return -1;
	}
	while ((rc = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (rc != 1) {
		snprintf(err, errlen, "capture hub: no answer within %d ms", timeout_ms);
		return -1;
	}
	while ((n = recv(fd, in, sizeof in, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0) {
		snprintf(err, errlen, "capture hub: %s", n == 0 ? "it went away" : strerror(errno));
		return -1;
	}
	cur = cursor_make(in, (size_t)n);
	if (hub_wire_decode_reply(&cur, r, why, sizeof why) != DECODE_OK) {
		snprintf(err, errlen, "capture hub: malformed reply (%s)", why);
		return -1;
	}
	if (!r->ok) {
		snprintf(err, errlen, "%s", r->err);
		return -1;
	}
	return 0;
}

struct hub_case *hub_case_begin(const char *hub_path, uint16_t server_port, uint16_t client_port,
				const char *pcap_path, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct hub_case *c = calloc(1, sizeof *c);
	struct hub_request m = { .kind = HUB_WIRE_BEGIN, .server_port = server_port, .client_port = client_port };
	struct hub_reply r;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (snprintf(c->path, sizeof c->path, "%s", pcap_path) >= (int)sizeof c->path ||
	    snprintf(a.sun_path, sizeof a.sun_path, "%s", hub_path) >= (int)sizeof a.sun_path) {
		snprintf(err, errlen, "capture hub: path too long");
		free(c);
		return NULL;
	}
	memcpy(m.path, c->path, sizeof m.path);
	snprintf(c->filter, sizeof c->filter, "tcp port %u and tcp port %u", (unsigned)server_port,
		 (unsigned)client_port);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
		snprintf(err, errlen, "capture hub %s: %s", hub_path, strerror(errno));
		goto fail;
	}
	if (hub_ask(c->fd, &m, HUB_REPLY_MS, &r, err, errlen) != 0)
		goto fail;
	return c;
fail:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

int hub_case_end(struct hub_case *c, int drain_ms, struct live_stats *st, char *err, size_t errlen)
{
	struct hub_request m = { .kind = HUB_WIRE_END, .drain_ms = drain_ms > 0 ? (uint32_t)drain_ms : 0 };
	struct hub_reply r;
	int rc;

	memcpy(m.path, c->path, sizeof m.path);
	rc = hub_ask(c->fd, &m, drain_ms + HUB_REPLY_MS, &r, err, errlen);
	/* Zero unless an answer was read (then its stats, even with an error). */
	*st = r.st;
	snprintf(st->filter, sizeof st->filter, "%s", c->filter);
	close(c->fd);
	free(c);
	return rc;
}
