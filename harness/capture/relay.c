/*
 * relay.c - a recording TCP relay (see relay.h).
 *
 * How this works.  One thread per relay runs three stages:
 *   accept   wait for ONE client on the listening socket (or a command);
 *   connect  connect to the real server; a failure resets the client, as a
 *            refused connection would have;
 *   forward  a poll() loop over both sockets and the command pipe.
 * Each direction has one buffer: it is read into only when empty, and
 * written out to the other socket as that socket accepts bytes, so neither
 * peer can block the other direction and no byte is reordered or changed.
 * A read of 0 (the peer's FIN) becomes shutdown(SHUT_WR) on the other socket
 * once the buffer is empty: half-closes pass through (RFC 9293 section
 * 3.6).  A reset (ECONNRESET on read, EPIPE/ECONNRESET on write, or a
 * pending socket error) becomes a reset of the other socket: close() with
 * SO_LINGER {1, 0} sends RST.
 *
 * The capture is what a tap between the two real endpoints would have shown:
 * a three-way handshake when the client was accepted, every read as data
 * segments (at most FRAME_MAX_PAYLOAD bytes each) with the time it was read,
 * FIN and RST when they were seen.  Each side's sequence number counts the
 * bytes it sent (plus one for SYN and FIN) and every segment acknowledges
 * all the other side has sent so far, so the TCP stream is consistent for
 * any reassembler.  Pure ACKs are not synthesised: they carry no data.
 */
#include "harness/capture/relay.h"

#include "harness/capture/frame.h"
#include "harness/capture/worker.h"
#include "harness/core/tok.h"
#include "harness/decode/pcap_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define RELAY_BUF (256 * 1024)
/* Initial sequence numbers of the synthesised connection; any value is valid. */
#define CLIENT_ISN 0x10000000u
#define SERVER_ISN 0x20000000u

enum { CLIENT = 0, SERVER = 1 };

struct side {
	int fd;
	uint8_t addr[16]; /* IPv4 in the first 4 bytes, network order (as struct packet) */
	uint16_t port;
	uint32_t seq; /* next sequence number this side sends, in the capture */
	uint16_t ip_id;
	bool eof; /* this side sent FIN */
	bool fin_passed; /* ... and it was passed on: shutdown(other, SHUT_WR) */
	uint8_t *buf; /* bytes from this side not yet written to the other */
	size_t len, off;
};

struct relay {
	struct worker w;
	int lfd;
	uint16_t port;
	struct sockaddr_in server;
	struct pcap_io_writer *pw;
	bool pcap_failed;
	int accept_ms, idle_ms, connect_ms;
	struct side s[2];
	uint8_t *frame;
	struct relay_stats st;
};

static const struct tok relay_end_names[] = {
	{ RELAY_END_RUNNING, "running" },
	{ RELAY_END_CLOSED, "closed by both sides (FIN both ways)" },
	{ RELAY_END_CLIENT_RST, "reset by the client" },
	{ RELAY_END_SERVER_RST, "reset by the server" },
	{ RELAY_END_REFUSED, "the server could not be reached" },
	{ RELAY_END_NO_CLIENT, "no client connected" },
	{ RELAY_END_IDLE, "idle bound passed with the connection open" },
	{ RELAY_END_STOPPED, "stopped with the connection open" },
	{ RELAY_END_ERROR, "socket error" },
	{ 0, NULL },
};

const char *relay_end_name(enum relay_end e)
{
	const char *s = tok_name(relay_end_names, e);

	return s ? s : "unknown";
}

/* One frame from side `from` into the pcap; advances from's sequence number. */
static void relay_record(struct relay *r, int from, uint8_t flags, const uint8_t *p, size_t n,
			 const struct timeval *ts)
{
	struct side *a = &r->s[from], *b = &r->s[!from];
	struct packet t;
	struct pcap_frame f;
	size_t len;

	memset(&t, 0, sizeof t);
	t.ipver = 4;
	memcpy(t.src, a->addr, 4);
	memcpy(t.dst, b->addr, 4);
	t.sport = a->port;
	t.dport = b->port;
	t.seq = a->seq;
	t.ack = b->seq;
	t.flags = flags;
	t.payload = p;
	t.payload_len = n;
	a->seq += (uint32_t)n + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
	if (!r->pw || r->pcap_failed)
		return;
	len = frame_build_tcp4(r->frame, FRAME_HDRS_LEN + FRAME_MAX_PAYLOAD, &t, a->ip_id++);
	f = (struct pcap_frame){ .ts_sec = ts->tv_sec, .ts_usec = (int32_t)ts->tv_usec, .caplen = (uint32_t)len,
				 .len = (uint32_t)len, .data = r->frame };
	if (len == 0 || pcap_io_writer_write(r->pw, &f) != 0) {
		r->pcap_failed = true;
		snprintf(r->st.error, sizeof r->st.error, "cannot record a %zu-byte segment", n);
		return;
	}
	r->st.packets++;
}

static void relay_record_now(struct relay *r, int from, uint8_t flags)
{
	struct timeval ts;

	gettimeofday(&ts, NULL);
	relay_record(r, from, flags, NULL, 0, &ts);
}

/* Data as it was read: one segment per FRAME_MAX_PAYLOAD bytes, all with the read's time. */
static void relay_record_data(struct relay *r, int from, const uint8_t *p, size_t n)
{
	struct timeval ts;
	size_t chunk;

	gettimeofday(&ts, NULL);
	while (n > 0) {
		chunk = n < FRAME_MAX_PAYLOAD ? n : FRAME_MAX_PAYLOAD;
		relay_record(r, from, TCP_PSH | TCP_ACK, p, chunk, &ts);
		p += chunk;
		n -= chunk;
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* close() with a zero linger time sends RST instead of FIN (RFC 9293 section 3.6.1). */
static void abort_fd(int *fd)
{
	struct linger lg = { 1, 0 };

	if (*fd < 0)
		return;
	setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close_fd(fd);
}

static void side_set(struct side *sd, const struct sockaddr_in *sa)
{
	memcpy(sd->addr, &sa->sin_addr, 4);
	sd->port = ntohs(sa->sin_port);
}

/* Waits for fd (events) or a command; remaining <0: no bound.  1 fd ready, 0 timeout, 'k'/'s' a command, -1 error. */
static int relay_poll1(struct relay *r, int fd, short events, int remaining)
{
	struct pollfd pfd[2] = { { fd, events, 0 }, { r->w.ctl[0], POLLIN, 0 } };
	int n;

	do
		n = poll(pfd, 2, remaining);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (pfd[0].revents)
		return 1;
	if (pfd[1].revents)
		return worker_next_command(&r->w);
	return 0;
}

static enum relay_end relay_accept(struct relay *r)
{
	long long end = worker_now_ms() + r->accept_ms;
	struct sockaddr_in sa;
	socklen_t salen;
	int rc, fd;

	for (;;) {
		long long left = end - worker_now_ms();

		rc = relay_poll1(r, r->lfd, POLLIN, r->accept_ms < 0 ? -1 : (int)(left > 0 ? left : 0));
		/* "Your client is done connecting": accept it if it is there, else there is none. */
		if (rc == WORKER_KICK)
			rc = relay_poll1(r, r->lfd, POLLIN, 0) == 1 ? 1 : WORKER_STOP;
		if (rc == 0 || rc == WORKER_STOP)
			return RELAY_END_NO_CLIENT;
		if (rc < 0) {
			snprintf(r->st.error, sizeof r->st.error, "poll: %s", strerror(errno));
			return RELAY_END_ERROR;
		}
		if (rc != 1)
			continue;
		salen = sizeof sa;
		fd = accept4(r->lfd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0 && sa.sin_family == AF_INET)
			break;
		if (fd >= 0)
			close(fd);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			snprintf(r->st.error, sizeof r->st.error, "accept: %s", strerror(errno));
			return RELAY_END_ERROR;
		}
	}
	/* ONE client per relay: later connections are refused. */
	close_fd(&r->lfd);
	r->s[CLIENT].fd = fd;
	side_set(&r->s[CLIENT], &sa);
	packet_format_endpoint(4, r->s[CLIENT].addr, r->s[CLIENT].port, r->st.client, sizeof r->st.client);
	return RELAY_END_RUNNING;
}

static enum relay_end relay_connect(struct relay *r)
{
	int fd, rc, soerr = 0;
	socklen_t len = sizeof soerr;

	relay_record_now(r, CLIENT, TCP_SYN);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(r->st.error, sizeof r->st.error, "socket: %s", strerror(errno));
		abort_fd(&r->s[CLIENT].fd);
		return RELAY_END_ERROR;
	}
	r->s[SERVER].fd = fd;
	if (connect(fd, (const struct sockaddr *)&r->server, sizeof r->server) != 0) {
		if (errno != EINPROGRESS) {
			soerr = errno;
		} else {
			long long end = worker_now_ms() + r->connect_ms, left;

			do {
				left = end - worker_now_ms();
				rc = relay_poll1(r, fd, POLLOUT, (int)(left > 0 ? left : 0));
			} while (rc == WORKER_KICK);
			if (rc == WORKER_STOP || rc == 0)
				soerr = ETIMEDOUT;
			else if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
				soerr = errno;
		}
	}
	if (soerr != 0) {
		/* What the client would have seen without the relay: its SYN answered by RST. */
		snprintf(r->st.error, sizeof r->st.error, "connecting to %s: %s", r->st.server, strerror(soerr));
		if (soerr == ECONNREFUSED)
			relay_record_now(r, SERVER, TCP_RST | TCP_ACK);
		abort_fd(&r->s[CLIENT].fd);
		return RELAY_END_REFUSED;
	}
	relay_record_now(r, SERVER, TCP_SYN | TCP_ACK);
	relay_record_now(r, CLIENT, TCP_ACK);
	return RELAY_END_RUNNING;
}

/* Side i reset: pass what it sent before on (best effort), record the RST, reset the other side. */
static enum relay_end relay_reset_by(struct relay *r, int i)
{
	struct side *a = &r->s[i], *b = &r->s[!i];

	if (a->len > a->off && b->fd >= 0)
		(void)!send(b->fd, a->buf + a->off, a->len - a->off, MSG_NOSIGNAL | MSG_DONTWAIT);
	relay_record_now(r, i, TCP_RST | TCP_ACK);
	abort_fd(&b->fd);
	close_fd(&a->fd);
	return i == CLIENT ? RELAY_END_CLIENT_RST : RELAY_END_SERVER_RST;
}

/* Reads from side i when its buffer is empty.  1 progress, 0 nothing, -1 the side reset. */
static int relay_read(struct relay *r, int i)
{
	struct side *a = &r->s[i];
	ssize_t n;

	do
		n = recv(a->fd, a->buf, RELAY_BUF, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		a->len = (size_t)n;
		a->off = 0;
		if (i == CLIENT)
			r->st.bytes_c2s += (uint64_t)n;
		else
			r->st.bytes_s2c += (uint64_t)n;
		relay_record_data(r, i, a->buf, a->len);
		return 1;
	}
	if (n == 0) {
		a->eof = true;
		relay_record_now(r, i, TCP_FIN | TCP_ACK);
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return -1;
}

/* Writes side i's pending bytes to the other side.  1 progress, 0 nothing, -1 the OTHER side reset. */
static int relay_write(struct relay *r, int i)
{
	struct side *a = &r->s[i], *b = &r->s[!i];
	ssize_t n;

	if (a->len > a->off) {
		do
			n = send(b->fd, a->buf + a->off, a->len - a->off, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
		a->off += (size_t)n;
		if (a->off == a->len)
			a->len = a->off = 0;
	}
	if (a->len == 0 && a->eof && !a->fin_passed) {
		shutdown(b->fd, SHUT_WR);
		a->fin_passed = true;
	}
	return 1;
}

/* The pending error of side i's socket (0: none). */
static int sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof e;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
		return errno;
	return e;
}

static enum relay_end relay_forward(struct relay *r)
{
	long long last = worker_now_ms();
	struct pollfd pfd[3];
	int i, n, rc;

	for (;;) {
		struct side *c = &r->s[CLIENT], *s = &r->s[SERVER];
		long long left;

		if (c->fin_passed && s->fin_passed)
			return RELAY_END_CLOSED;
		for (i = 0; i < 2; i++) {
			struct side *a = &r->s[i], *b = &r->s[!i];

			pfd[i].fd = a->fd;
			pfd[i].events = 0;
			pfd[i].revents = 0;
			if (!a->eof && a->len == 0)
				pfd[i].events |= POLLIN;
			if (b->len > b->off)
				pfd[i].events |= POLLOUT;
			/* Both directions of this socket are finished: it would only report POLLHUP. */
			if (pfd[i].events == 0 && a->eof && b->fin_passed)
				pfd[i].fd = -1;
		}
		pfd[2].fd = r->w.ctl[0];
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		left = r->idle_ms - (worker_now_ms() - last);
		if (left <= 0)
			return RELAY_END_IDLE;
		n = poll(pfd, 3, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(r->st.error, sizeof r->st.error, "poll: %s", strerror(errno));
			return RELAY_END_ERROR;
		}
		if (n == 0)
			return RELAY_END_IDLE;
		if (pfd[2].revents && worker_next_command(&r->w) == WORKER_STOP)
			return RELAY_END_STOPPED;
		for (i = 0; i < 2; i++) {
			short re = pfd[i].revents;

			if (!re)
				continue;
			/* Read first: bytes a peer sent before its RST are still delivered. */
			if ((pfd[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR))) {
				rc = relay_read(r, i);
				if (rc < 0)
					return relay_reset_by(r, i);
				if (rc > 0)
					last = worker_now_ms();
			}
			if ((pfd[i].events & POLLOUT) && (re & (POLLOUT | POLLHUP | POLLERR))) {
				rc = relay_write(r, !i);
				if (rc < 0)
					return relay_reset_by(r, i);
				if (rc > 0)
					last = worker_now_ms();
			}
			if ((re & POLLERR) && !(pfd[i].events & POLLIN)) {
				if (sock_error(r->s[i].fd) != 0)
					return relay_reset_by(r, i);
			}
		}
		/* A FIN read with an empty buffer is passed on at once. */
		for (i = 0; i < 2; i++)
			if (r->s[i].eof && !r->s[i].fin_passed && r->s[i].len == 0)
				relay_write(r, i);
	}
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	enum relay_end end = relay_accept(r);
	char err[200];

	if (end == RELAY_END_RUNNING)
		end = relay_connect(r);
	if (end == RELAY_END_RUNNING)
		end = relay_forward(r);
	r->st.client_fin = r->s[CLIENT].eof;
	r->st.server_fin = r->s[SERVER].eof;
	close_fd(&r->lfd);
	close_fd(&r->s[CLIENT].fd);
	close_fd(&r->s[SERVER].fd);
	if (pcap_io_writer_close(r->pw, err, sizeof err) != 0 && !r->pcap_failed) {
		r->pcap_failed = true;
		snprintf(r->st.error, sizeof r->st.error, "%s", err);
	}
	r->pw = NULL;
	worker_lock(&r->w);
	r->st.end = end;
	r->w.done = true;
	worker_unlock_notify(&r->w);
	return NULL;
}

static int resolve4(const char *host, uint16_t port, struct sockaddr_in *out, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "cannot resolve '%s' to an IPv4 address: %s", host, gai_strerror(rc));
		return -1;
	}
	memcpy(out, res->ai_addr, sizeof *out);
	out->sin_port = htons(port);
	freeaddrinfo(res);
	return 0;
}

static void relay_free(struct relay *r)
{
	worker_destroy(&r->w);
	close_fd(&r->lfd);
	close_fd(&r->s[CLIENT].fd);
	close_fd(&r->s[SERVER].fd);
	if (r->pw) {
		char err[32];

		pcap_io_writer_close(r->pw, err, sizeof err);
	}
	free(r->s[CLIENT].buf);
	free(r->s[SERVER].buf);
	free(r->frame);
	free(r);
}

struct relay *relay_start(const struct relay_opts *o, char *err, size_t errlen)
{
	struct relay *r = calloc(1, sizeof *r);
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	int one = 1;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->lfd = r->s[CLIENT].fd = r->s[SERVER].fd = -1;
	r->w.ctl[0] = r->w.ctl[1] = -1;
	r->accept_ms = o->accept_ms ? o->accept_ms : 30000;
	r->idle_ms = o->idle_ms > 0 ? o->idle_ms : 10000;
	r->connect_ms = o->connect_ms > 0 ? o->connect_ms : 5000;
	r->s[CLIENT].seq = CLIENT_ISN;
	r->s[SERVER].seq = SERVER_ISN;
	r->s[CLIENT].buf = malloc(RELAY_BUF);
	r->s[SERVER].buf = malloc(RELAY_BUF);
	r->frame = malloc(FRAME_HDRS_LEN + FRAME_MAX_PAYLOAD);
	if (!r->s[CLIENT].buf || !r->s[SERVER].buf || !r->frame) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (resolve4(o->server_host, o->server_port, &r->server, err, errlen) != 0)
		goto fail;
	side_set(&r->s[SERVER], &r->server);
	packet_format_endpoint(4, r->s[SERVER].addr, r->s[SERVER].port, r->st.server, sizeof r->st.server);

	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->lfd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(o->listen_port);
	if (bind(r->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(r->lfd, 8) != 0 ||
	    getsockname(r->lfd, (struct sockaddr *)&sa, &salen) != 0) {
		snprintf(err, errlen, "relay cannot listen on 127.0.0.1:%u: %s", (unsigned)o->listen_port,
			 strerror(errno));
		goto fail;
	}
	r->port = ntohs(sa.sin_port);
	if (o->pcap_path) {
		r->pw = pcap_io_writer_open(o->pcap_path, LINK_EN10MB, err, errlen);
		if (!r->pw)
			goto fail;
	}
	if (worker_init(&r->w, err, errlen) != 0 || worker_start(&r->w, relay_main, r, err, errlen) != 0)
		goto fail;
	return r;
fail:
	relay_free(r);
	return NULL;
}

uint16_t relay_port(const struct relay *r)
{
	return r->port;
}

static bool relay_done(void *arg)
{
	return ((struct relay *)arg)->w.done;
}

bool relay_wait(struct relay *r, int timeout_ms)
{
	return worker_wait(&r->w, relay_done, r, timeout_ms);
}

bool relay_drain(struct relay *r, int timeout_ms)
{
	worker_command(&r->w, WORKER_KICK);
	return relay_wait(r, timeout_ms);
}

int relay_stop(struct relay *r, struct relay_stats *st, char *err, size_t errlen)
{
	int rc;

	worker_destroy(&r->w); /* sends WORKER_STOP, joins */
	*st = r->st;
	rc = r->pcap_failed ? -1 : 0;
	if (rc)
		snprintf(err, errlen, "the capture file is incomplete: %s", r->st.error);
	relay_free(r);
	return rc;
}
