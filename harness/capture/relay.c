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
 * The capture is what a tap on the client's side would have shown: a
 * three-way handshake when the client was accepted, the client's data as
 * it was read and the server's as it was written to the client, in data
 * segments (at most FRAME_MAX_PAYLOAD bytes each, one per write), FIN and
 * RST as the client saw them.  Without faults that is what a tap between
 * the two real endpoints shows.
 *
 * Network faults (fault.h) sit between the two sockets: each read is
 * scanned for the fault's point and cut there (the rest is not passed on);
 * once the cut bytes are delivered the fault acts (reset both, FIN both,
 * stall: pass nothing more either way, drop: pass nothing more of one
 * side's data).  After it has acted the relay ends when the client has
 * closed (or on the idle bound), so the capture shows how the client
 * reacted.  Shaping delays each read (latency), paces writes (bandwidth),
 * writes at most N bytes at a time with TCP_NODELAY (segments) and delays
 * passing a FIN on (slow-close).  Each side's sequence number counts the
 * bytes it sent (plus one for SYN and FIN) and every segment acknowledges
 * all the other side has sent so far, so the TCP stream is consistent for
 * any reassembler.  Pure ACKs are not synthesised: they carry no data.
 */
#include "harness/capture/relay.h"

#include "harness/capture/fault.h"
#include "harness/capture/frame.h"
#include "harness/capture/worker.h"
#include "harness/core/tok.h"
#include "harness/decode/pcap_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
	struct fault_shaping sh; /* how this side's data is passed on */
	long long due; /* latency: buf is passed on from this time */
	long long next_ok; /* bandwidth: the next write not before this time */
	long long eof_at; /* slow-close: when the FIN was read */
	bool drop; /* a fault: this side's data is no longer passed on */
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
	struct fault_set faults; /* a copy of relay_opts.faults */
	struct fault_state *fst; /* follows the framing; NULL without trigger faults */
	struct fault_hit hit;
	bool pending; /* a fault fired: it acts once hit.side's buffer is delivered */
	bool acted; /* ... and it has acted */
	bool fin_to_client; /* a FIN was passed on (or sent) to the client */
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
	{ RELAY_END_FAULT, "ended by a network fault" },
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

	if (a->len > a->off && b->fd >= 0 && !a->drop) {
		ssize_t n = send(b->fd, a->buf + a->off, a->len - a->off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0 && i == SERVER)
			relay_record_data(r, SERVER, a->buf + a->off, (size_t)n);
	}
	relay_record_now(r, i, TCP_RST | TCP_ACK);
	abort_fd(&b->fd);
	close_fd(&a->fd);
	return i == CLIENT ? RELAY_END_CLIENT_RST : RELAY_END_SERVER_RST;
}

/* The fault acts (its cut bytes are delivered).  RUNNING, or how the relay ended. */
static enum relay_end relay_fault_act(struct relay *r)
{
	struct side *c = &r->s[CLIENT], *s = &r->s[SERVER];

	r->pending = false;
	r->acted = true;
	snprintf(r->st.fault, sizeof r->st.fault, "%s", r->hit.what);
	switch (r->hit.f->kind) {
	case FAULT_RESET:
		/* What the client sees: a RST from the server's side, no alert. */
		relay_record_now(r, SERVER, TCP_RST | TCP_ACK);
		r->st.fault_reset = true;
		abort_fd(&c->fd);
		abort_fd(&s->fd);
		return RELAY_END_FAULT;
	case FAULT_CLOSE:
		/* FIN both ways; the server's later bytes are read and dropped, the client's too. */
		if (!s->fin_passed) {
			shutdown(c->fd, SHUT_WR);
			relay_record_now(r, SERVER, TCP_FIN | TCP_ACK);
			r->fin_to_client = true;
		}
		if (!c->fin_passed)
			shutdown(s->fd, SHUT_WR);
		/* The client's own FIN is still read (and recorded): its reaction ends the relay. */
		s->fin_passed = true;
		c->drop = s->drop = true;
		break;
	case FAULT_STALL:
		c->drop = s->drop = true;
		break;
	case FAULT_DROP:
		r->s[r->hit.side].drop = true;
		break;
	case FAULT_LATENCY:
	case FAULT_BANDWIDTH:
	case FAULT_SEGMENTS:
	case FAULT_SLOW_CLOSE:
	default:
		break;
	}
	if (c->drop)
		c->len = c->off = 0;
	if (s->drop)
		s->len = s->off = 0;
	return RELAY_END_RUNNING;
}

/* Reads from side i when its buffer is empty.  1 progress, 0 nothing, -1 the side reset. */
static int relay_read(struct relay *r, int i)
{
	struct side *a = &r->s[i];
	ssize_t n;
	size_t cut;

	do
		n = recv(a->fd, a->buf, RELAY_BUF, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		a->len = (size_t)n;
		a->off = 0;
		a->due = a->sh.latency_ms ? worker_now_ms() + a->sh.latency_ms : 0;
		if (i == CLIENT) {
			r->st.bytes_c2s += (uint64_t)n;
			relay_record_data(r, CLIENT, a->buf, a->len); /* the client's side: as it sent them */
		} else {
			r->st.bytes_s2c += (uint64_t)n;
		}
		if (a->drop) {
			a->len = 0;
		} else if (r->fst && fault_scan(r->fst, i, a->buf, a->len, &cut, &r->hit)) {
			a->len = cut;
			r->pending = true;
		}
		return 1;
	}
	if (n == 0) {
		a->eof = true;
		a->eof_at = worker_now_ms();
		if (i == CLIENT)
			relay_record_now(r, CLIENT, TCP_FIN | TCP_ACK);
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return -1;
}

/* When side a's next write (or FIN) may go; 0: now. */
static long long side_ready_at(const struct side *a)
{
	long long t = a->due > a->next_ok ? a->due : a->next_ok;

	if (a->len == 0 && a->eof && !a->fin_passed && a->sh.slow_close_ms)
		t = a->eof_at + a->sh.slow_close_ms;
	return t;
}

/* How many of side a's pending bytes one write may carry (segments, bandwidth). */
static size_t side_write_len(const struct side *a)
{
	size_t n = a->len - a->off;

	if (a->sh.segment && n > a->sh.segment)
		n = a->sh.segment;
	if (a->sh.bps) {
		/* About 20 ms of the rate per write, so the pacing is smooth; at least one byte. */
		uint64_t cap = a->sh.bps / 8 / 50;

		if (cap == 0)
			cap = 1;
		if (n > cap)
			n = (size_t)cap;
	}
	return n;
}

/* Writes side i's pending bytes to the other side.  1 progress, 0 nothing, -1 the OTHER side reset. */
static int relay_write(struct relay *r, int i)
{
	struct side *a = &r->s[i], *b = &r->s[!i];
	long long now = worker_now_ms();
	ssize_t n;

	if (side_ready_at(a) > now)
		return 0;
	if (a->len > a->off) {
		do
			n = send(b->fd, a->buf + a->off, side_write_len(a), MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
		if (i == SERVER)
			relay_record_data(r, SERVER, a->buf + a->off, (size_t)n); /* as the client got them */
		if (a->sh.bps)
			a->next_ok = (a->next_ok > now ? a->next_ok : now) + (long long)((uint64_t)n * 8000 / a->sh.bps);
		a->off += (size_t)n;
		if (a->off == a->len)
			a->len = a->off = 0;
	}
	if (a->len == 0 && a->eof && !a->fin_passed && !a->drop) {
		shutdown(b->fd, SHUT_WR);
		a->fin_passed = true;
		if (i == SERVER) {
			relay_record_now(r, SERVER, TCP_FIN | TCP_ACK);
			r->fin_to_client = true;
		}
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

/* The poll timeout: the idle bound, or sooner when a delayed write or FIN is due. */
static int relay_timeout(const struct relay *r, long long last)
{
	long long now = worker_now_ms(), wake = last + r->idle_ms;

	for (int i = 0; i < 2; i++) {
		const struct side *a = &r->s[i];
		long long t = side_ready_at(a);

		if ((a->len > a->off || (a->eof && !a->fin_passed && a->len == 0)) && t > now && t < wake)
			wake = t;
	}
	return wake > now ? (int)(wake - now) : 0;
}

static enum relay_end relay_forward(struct relay *r)
{
	long long last = worker_now_ms();
	struct pollfd pfd[3];
	enum relay_end end;
	int i, n, rc;

	if (r->fst && fault_on_connect(r->fst, &r->hit) && (end = relay_fault_act(r)) != RELAY_END_RUNNING)
		return end;
	for (;;) {
		struct side *c = &r->s[CLIENT], *s = &r->s[SERVER];
		long long now = worker_now_ms();

		if (r->pending && r->s[r->hit.side].len == 0 && (end = relay_fault_act(r)) != RELAY_END_RUNNING)
			return end;
		if (c->fin_passed && s->fin_passed)
			return r->acted ? RELAY_END_FAULT : RELAY_END_CLOSED;
		/* After a fault the client's end is all the capture still needs. */
		if (r->acted && c->eof && (c->fin_passed || c->drop))
			return RELAY_END_FAULT;
		for (i = 0; i < 2; i++) {
			struct side *a = &r->s[i], *b = &r->s[!i];

			pfd[i].fd = a->fd;
			pfd[i].events = 0;
			pfd[i].revents = 0;
			if (!a->eof && a->len == 0)
				pfd[i].events |= POLLIN;
			if (b->len > b->off && side_ready_at(b) <= now)
				pfd[i].events |= POLLOUT;
			/*
			 * Nothing to do on this socket now (finished both ways, or its bytes wait for
			 * the other side or for a delay): it would only report POLLHUP, over and over.
			 * A reset meanwhile is seen at its next read or write.
			 */
			if (pfd[i].events == 0)
				pfd[i].fd = -1;
		}
		pfd[2].fd = r->w.ctl[0];
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		if (now - last >= r->idle_ms)
			return RELAY_END_IDLE;
		n = poll(pfd, 3, relay_timeout(r, last));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(r->st.error, sizeof r->st.error, "poll: %s", strerror(errno));
			return RELAY_END_ERROR;
		}
		if (pfd[2].revents && worker_next_command(&r->w) == WORKER_STOP)
			return RELAY_END_STOPPED;
		for (i = 0; i < 2; i++) {
			short re = pfd[i].revents;

			if (!re)
				continue;
			/* Read first: bytes a peer sent before its RST are still delivered. */
			if ((pfd[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR))) {
				rc = relay_read(r, i);
				if (rc < 0 && r->acted && i == SERVER && s->drop) {
					/* A cut path passes no RST on: the server is gone, the client waits on. */
					close_fd(&s->fd);
					s->eof = s->fin_passed = c->drop = true;
					continue;
				}
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
		/* A FIN read with an empty buffer is passed on at once (slow-close: when due). */
		for (i = 0; i < 2; i++)
			if (r->s[i].eof && !r->s[i].fin_passed && r->s[i].len == 0)
				relay_write(r, i);
	}
}

/* segments: each write its own TCP segment (no Nagle coalescing on the socket it goes out of). */
static void relay_nodelay(struct relay *r)
{
	int one = 1;

	if (r->s[SERVER].sh.segment && r->s[CLIENT].fd >= 0)
		setsockopt(r->s[CLIENT].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (r->s[CLIENT].sh.segment && r->s[SERVER].fd >= 0)
		setsockopt(r->s[SERVER].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	enum relay_end end = r->s[CLIENT].fd >= 0 ? RELAY_END_RUNNING : relay_accept(r);
	char err[200];

	if (end == RELAY_END_RUNNING)
		end = relay_connect(r);
	relay_nodelay(r);
	if (end == RELAY_END_RUNNING)
		end = relay_forward(r);
	r->st.client_fin = r->s[CLIENT].eof;
	r->st.server_fin = r->fin_to_client;
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
	fault_state_free(r->fst);
	free(r);
}

static int relay_listen(struct relay *r, const struct relay_opts *o, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	int one = 1;

	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->lfd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
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
		return -1;
	}
	r->port = ntohs(sa.sin_port);
	return 0;
}

/* A client accepted by the owner (relay_opts.client_fd): its address, non-blocking. */
static int relay_adopt(struct relay *r, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	int fl = fcntl(r->s[CLIENT].fd, F_GETFL);

	if (fl < 0 || fcntl(r->s[CLIENT].fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    getpeername(r->s[CLIENT].fd, (struct sockaddr *)&sa, &salen) != 0 || sa.sin_family != AF_INET) {
		snprintf(err, errlen, "the accepted client is not an IPv4 TCP socket");
		return -1;
	}
	side_set(&r->s[CLIENT], &sa);
	packet_format_endpoint(4, r->s[CLIENT].addr, r->s[CLIENT].port, r->st.client, sizeof r->st.client);
	return 0;
}

struct relay *relay_start(const struct relay_opts *o, char *err, size_t errlen)
{
	struct relay *r = calloc(1, sizeof *r);

	if (!r) {
		snprintf(err, errlen, "out of memory");
		if (o->client_fd > 0)
			close(o->client_fd);
		return NULL;
	}
	r->lfd = r->s[SERVER].fd = -1;
	r->s[CLIENT].fd = o->client_fd > 0 ? o->client_fd : -1; /* ours from here on */
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
	if (o->faults && o->faults->n) {
		r->faults = *o->faults;
		fault_shape(&r->faults, CLIENT, &r->s[CLIENT].sh);
		fault_shape(&r->faults, SERVER, &r->s[SERVER].sh);
		if (fault_has_trigger(&r->faults) && !(r->fst = fault_state_new(&r->faults))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (r->s[CLIENT].fd >= 0) {
		if (relay_adopt(r, err, errlen) != 0)
			goto fail;
	} else if (relay_listen(r, o, err, errlen) != 0) {
		goto fail;
	}
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
