/*
 * client_io.c - the engines' shared socket, tracker, key log and request
 * after the handshake (see client_io.h).  No TLS library here.
 *
 * The tracker follows each direction of the byte stream record by record
 * (RFC 5246 section 6.2.1: type, version, 16-bit length) and, inside
 * handshake records sent in the clear, message by message (type, 24-bit
 * length), all through struct cursor.  It only names what passes; it never
 * judges it, and bytes it cannot follow stop it.  The same records are where
 * the device's receive buffer is emulated (rx_record_limit): a server record
 * longer than the buffer fails the read that brought its header, whatever
 * the engine.
 */
#include "harness/client/client_io.h"

#include "harness/core/cursor.h"
#include "harness/core/tok.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Handshake message types (RFC 8446 section 4, RFC 5246 section 7.4) as stages and as people say them. */
static const struct tok hs_stage_names[] = {
	{ 0, "hello_request" }, { 1, "client_hello" }, { 2, "server_hello" },
	{ 4, "new_session_ticket" }, { 8, "encrypted_extensions" }, { 11, "certificate" },
	{ 12, "server_key_exchange" }, { 13, "certificate_request" }, { 14, "server_hello_done" },
	{ 15, "certificate_verify" }, { 16, "client_key_exchange" }, { 20, "finished" },
	{ 0, NULL },
};
static const struct tok hs_display_names[] = {
	{ 0, "HelloRequest" }, { 1, "ClientHello" }, { 2, "ServerHello" },
	{ 4, "NewSessionTicket" }, { 8, "EncryptedExtensions" }, { 11, "Certificate" },
	{ 12, "ServerKeyExchange" }, { 13, "CertificateRequest" }, { 14, "ServerHelloDone" },
	{ 15, "CertificateVerify" }, { 16, "ClientKeyExchange" }, { 20, "Finished" },
	{ 0, NULL },
};

void cio_init(struct cio *io, const struct client_case *cc, struct client_result *out)
{
	memset(io, 0, sizeof *io);
	memset(out, 0, sizeof *out);
	io->cc = cc;
	io->out = out;
	io->fd = -1;
	io->last_hs = -1;
	io->alert_by_client = io->alert_by_server = -1;
	io->emulate_rx_limit = true;
	io->to_server.is_client = true;
	io->timeout_ms = cc->timeout_ms > 0 ? cc->timeout_ms : CIO_DEFAULT_TIMEOUT_MS;
	out->engine = cc->engine;
	out->alert_received = out->alert_sent = out->post_alert = -1;
	out->engine_err.alert = -1;
	snprintf(out->stage, sizeof out->stage, "setup");
}

void cio_close(struct cio *io)
{
	if (io->fd >= 0)
		close(io->fd);
	else if (io->cc->sock_fd >= 0)
		close(io->cc->sock_fd); /* owned from client_run() on, even when it never connected */
	io->fd = -1;
	/* A key log cut short (disk full) must not pass for the run's secrets: the caller removes it. */
	if (io->keylog && (ferror(io->keylog) | fclose(io->keylog)) != 0)
		io->out->keylog_failed = true;
	io->keylog = NULL;
}

static void trace_add(struct cio *io, bool from_client, const char *what)
{
	struct client_result *o = io->out;
	size_t len = strlen(o->trace);
	if (io->handshake_done)
		return;
	bool dir_change = len == 0 || io->last_from_client != from_client;
	snprintf(o->trace + len, sizeof o->trace - len, "%s%s%s", len ? " " : "",
		 dir_change ? (from_client ? "> " : "< ") : "", what);
	io->last_from_client = from_client;
}

static void flow_handshake(struct cio *io, struct cio_flow *f, struct cursor *body)
{
	while (!cursor_empty(body)) {
		if (f->hs_left > 0) {
			size_t n = cursor_left(body) < f->hs_left ? cursor_left(body) : f->hs_left;
			cursor_skip(body, n);
			f->hs_left -= n;
			continue;
		}
		if (!cursor_u8(body, &f->hs[f->hs_have]))
			return;
		if (++f->hs_have < sizeof f->hs)
			continue;
		struct cursor h = cursor_make(f->hs, sizeof f->hs);
		uint8_t type = 0;
		uint32_t len = 0;
		cursor_u8(&h, &type);
		cursor_u24(&h, &len);
		f->hs_have = 0;
		f->hs_left = len;
		char buf[24];
		trace_add(io, f->is_client, tok2str(hs_stage_names, type, buf, sizeof buf));
		if (!io->handshake_done) {
			io->last_hs = type;
			io->encrypted_seen = false;
		}
	}
}

/* A record header: false when the flow stops (not TLS, or too large for the device). */
static bool flow_header(struct cio *io, struct cio_flow *f)
{
	struct cursor h = cursor_make(f->hdr, sizeof f->hdr);
	uint16_t version = 0, len = 0;
	cursor_u8(&h, &f->rec_type);
	cursor_u16(&h, &version);
	cursor_u16(&h, &len);
	f->hdr_have = 0;
	f->rec_left = len;
	if (f->rec_type < 20 || f->rec_type > 23 || (version >> 8) != 3) {
		f->lost = true;
		trace_add(io, f->is_client, "non-tls");
		return false;
	}
	if (!f->is_client && io->emulate_rx_limit && io->cc->rx_record_limit > 0 && len > io->cc->rx_record_limit) {
		/* The device's buffer cannot hold this record: cio_recv() fails the read. */
		char buf[32];
		snprintf(buf, sizeof buf, "oversized(%u)", (unsigned int)len);
		trace_add(io, false, buf);
		io->out->oversized_record = len;
		io->oversized_version = version;
		f->lost = true;
		return false;
	}
	if (f->rec_type == 20) {
		trace_add(io, f->is_client, "change_cipher_spec");
		f->encrypted = true;
	} else if (f->rec_type == 23 || (f->rec_type == 22 && f->encrypted)) {
		if (!io->encrypted_seen || io->last_from_client != f->is_client)
			trace_add(io, f->is_client, "encrypted");
		io->encrypted_seen = true;
	}
	return true;
}

static void flow_feed(struct cio *io, struct cio_flow *f, const uint8_t *p, size_t n)
{
	struct cursor c = cursor_make(p, n);
	while (!cursor_empty(&c) && !f->lost) {
		if (f->rec_left == 0) {
			if (!cursor_u8(&c, &f->hdr[f->hdr_have]) || ++f->hdr_have < sizeof f->hdr)
				continue;
			if (!flow_header(io, f))
				break;
			continue;
		}
		size_t take = cursor_left(&c) < f->rec_left ? cursor_left(&c) : f->rec_left;
		struct cursor body;
		cursor_sub(&c, take, &body);
		f->rec_left -= take;
		if (f->rec_type == 22 && !f->encrypted)
			flow_handshake(io, f, &body);
		else if (f->rec_type == 21 && !f->encrypted)
			while (f->alert_have < 2 && cursor_u8(&body, &f->alert[f->alert_have]))
				if (++f->alert_have == 2) {
					char buf[24];
					snprintf(buf, sizeof buf, "alert(%u)", f->alert[1]);
					trace_add(io, f->is_client, buf);
					if (f->alert[0] == 2 && f->is_client)
						io->alert_by_client = f->alert[1];
					else if (f->alert[0] == 2)
						io->alert_by_server = f->alert[1];
				}
		if (f->rec_left == 0)
			f->alert_have = 0;
	}
}

/* Waits until fd is ready for events, at most timeout_ms: 1 ready, 0 timed out, -1 error. */
static int io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	for (;;) {
		int n = poll(&pfd, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		return n > 0 ? 1 : 0;
	}
}

ssize_t cio_recv(struct cio *io, void *buf, size_t n)
{
	for (;;) {
		int w = io_wait(io->fd, POLLIN, io->timeout_ms);
		if (w == 0) {
			io->timed_out = true;
			return CIO_TIMEOUT;
		}
		if (w < 0)
			return CIO_ERROR;
		ssize_t got = recv(io->fd, buf, n, 0);
		if (got > 0) {
			flow_feed(io, &io->to_client, buf, (size_t)got);
			/* rx_record_limit: the bytes of the read that brought the header are not handed on. */
			return io->out->oversized_record ? CIO_OVERSIZED : got;
		}
		if (got == 0) {
			io->peer_closed = true;
			return CIO_CLOSED;
		}
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		if (errno == ECONNRESET) {
			io->peer_closed = io->reset = true;
			return CIO_ERROR;
		}
		return CIO_ERROR;
	}
}

ssize_t cio_send(struct cio *io, const void *buf, size_t n)
{
	for (;;) {
		int w = io_wait(io->fd, POLLOUT, io->timeout_ms);
		if (w == 0) {
			io->timed_out = true;
			return CIO_TIMEOUT;
		}
		if (w < 0)
			return CIO_ERROR;
		ssize_t sent = send(io->fd, buf, n, MSG_NOSIGNAL);
		if (sent >= 0) {
			flow_feed(io, &io->to_server, buf, (size_t)sent);
			return sent;
		}
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		if (errno == ECONNRESET || errno == EPIPE) {
			io->peer_closed = io->reset = true;
			return CIO_ERROR;
		}
		return CIO_ERROR;
	}
}

/* A socket bound to bind_port on ai's family: the fd, or -1 with err set. */
static int socket_bound(const struct client_case *cc, const struct addrinfo *ai, char *err, size_t errlen)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (!cc->bind_port)
		return fd;
	int one = 1;
	struct sockaddr_storage local;
	memset(&local, 0, sizeof local);
	memcpy(&local, ai->ai_addr, ai->ai_addrlen);
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)&local)->sin6_port = htons(cc->bind_port);
	else
		((struct sockaddr_in *)&local)->sin_port = htons(cc->bind_port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&local, ai->ai_addrlen) != 0) {
		snprintf(err, errlen, "bind to local port %u: %s", (unsigned int)cc->bind_port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int cio_connect(struct cio *io, char *err, size_t errlen)
{
	const struct client_case *cc = io->cc;
	struct client_result *o = io->out;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char port[8];
	snprintf(port, sizeof port, "%u", (unsigned int)cc->port);
	int gai = getaddrinfo(cc->host, port, &hints, &ai);
	if (gai != 0) {
		snprintf(err, errlen, "bad host '%s' (a numeric address is needed): %s", cc->host, gai_strerror(gai));
		return -1;
	}
	int rc = -1;
	if (cc->sock_fd >= 0) {
		/* The caller's pre-bound socket: non-blocking from here, ours to close. */
		int fl = fcntl(cc->sock_fd, F_GETFL);
		io->fd = cc->sock_fd;
		if (fl < 0 || fcntl(io->fd, F_SETFL, fl | O_NONBLOCK) != 0) {
			snprintf(err, errlen, "sock_fd %d: %s", cc->sock_fd, strerror(errno));
			goto out;
		}
	} else if ((io->fd = socket_bound(cc, ai, err, errlen)) < 0) {
		goto out;
	}
	snprintf(o->stage, sizeof o->stage, "connect");
	if (connect(io->fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		snprintf(o->detail, sizeof o->detail, "TCP connect to %s:%u failed: %s", cc->host,
			 (unsigned int)cc->port, strerror(errno));
		rc = 1;
		goto out;
	}
	int w = io_wait(io->fd, POLLOUT, io->timeout_ms);
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (w > 0 && getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
		rc = 0;
		goto out;
	}
	io->timed_out = o->timed_out = w == 0;
	snprintf(o->detail, sizeof o->detail, "TCP connect to %s:%u failed: %s", cc->host, (unsigned int)cc->port,
		 w == 0 ? "timed out" : strerror(soerr ? soerr : errno));
	rc = 1;
out:
	freeaddrinfo(ai);
	return rc;
}

bool cio_is_ip_literal(const char *s)
{
	unsigned char b[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

const char *cio_sni(const struct client_case *cc)
{
	const char *sni = NULL;
	if (cc->sni == SNI_OTHER)
		sni = cc->sni_name;
	else if (cc->sni == SNI_HOST && cc->check_name && !cio_is_ip_literal(cc->check_name))
		sni = cc->check_name;
	return sni && *sni ? sni : NULL;
}

const char *cio_single_name(const struct client_case *cc, struct client_result *out, const char *engine)
{
	const char *check = cc->check_name && *cc->check_name ? cc->check_name : NULL;
	if ((cc->sni == SNI_OFF && check) || (cc->sni == SNI_OTHER && check && strcmp(check, cc->sni_name) != 0)) {
		cio_skip(out, "%s sends the name it checks as SNI: it cannot check '%s' with SNI %s", engine, check,
			 cc->sni == SNI_OFF ? "off" : cc->sni_name);
		return NULL;
	}
	if (cc->sni == SNI_OFF)
		return NULL;
	return cc->sni == SNI_OTHER ? cc->sni_name : check;
}

bool cio_next_name(const char **list, char *name, size_t len, char from, char to)
{
	const char *p = *list + strspn(*list, ":, ");
	size_t n = strcspn(p, ":, ");
	if (n == 0)
		return false;
	snprintf(name, len, "%.*s", (int)n, p);
	for (char *q = name; from && *q; q++)
		if (*q == from)
			*q = to;
	*list = p + n;
	return true;
}

int cio_read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen)
{
	int rc = -1;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	/* One byte more than the bound tells a file at the bound from a larger one; +1 for a NUL
	 * (mbedTLS's PEM parser wants the terminating NUL counted). */
	unsigned char *b = malloc(CIO_MAX_FILE_BYTES + 1);
	size_t n = b ? fread(b, 1, CIO_MAX_FILE_BYTES, f) : 0;
	if (!b || ferror(f)) {
		snprintf(err, errlen, "cannot read %s", path);
		goto out;
	}
	if (n == CIO_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s is larger than %d bytes", path, CIO_MAX_FILE_BYTES - 1);
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	fclose(f);
	return rc;
}

bool cio_is_pem(const unsigned char *p, size_t len)
{
	return len >= 10 && memmem(p, len, "-----BEGIN", 10) != NULL;
}

int cio_keylog_open(struct cio *io, char *err, size_t errlen)
{
	/* A new file, never through a planted link, never appended to (one run's secrets each). */
	int fd = open(io->cc->keylog_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || !(io->keylog = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot open key log %s: %s", io->cc->keylog_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

void cio_keylog_line(struct cio *io, const char *line)
{
	if (!io->keylog)
		return;
	if (fprintf(io->keylog, "%s\n", line) > 0)
		io->out->keylog_lines++;
	fflush(io->keylog);
	if (strncmp(line, "CLIENT_RANDOM ", 14) == 0)
		io->client_random_logged = true;
}

static void hex(char *dst, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[p[i] >> 4];
		dst[2 * i + 1] = digits[p[i] & 15];
	}
	dst[2 * n] = '\0';
}

void cio_keylog_master(struct cio *io, const unsigned char random[32], const unsigned char master[48])
{
	char line[14 + 64 + 1 + 96 + 1];
	memcpy(line, "CLIENT_RANDOM ", 14);
	hex(line + 14, random, 32);
	line[14 + 64] = ' ';
	hex(line + 14 + 64 + 1, master, 48);
	cio_keylog_line(io, line);
}

void cio_skip(struct client_result *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->skip_reason, sizeof o->skip_reason, fmt, ap);
	va_end(ap);
	o->skipped = true;
	snprintf(o->stage, sizeof o->stage, "setup");
	snprintf(o->detail, sizeof o->detail, "skipped: %.240s", o->skip_reason);
}

void cio_stage(struct cio *io, char *last, size_t len)
{
	struct client_result *o = io->out;
	char buf[24];
	if (io->last_hs < 0)
		snprintf(o->stage, sizeof o->stage, "connect");
	else if (io->encrypted_seen)
		snprintf(o->stage, sizeof o->stage, "encrypted_handshake");
	else
		snprintf(o->stage, sizeof o->stage, "%s",
			 tok2str(hs_stage_names, (unsigned int)io->last_hs, buf, sizeof buf));
	if (io->encrypted_seen)
		snprintf(last, len, "the encrypted handshake");
	else if (io->last_hs < 0)
		snprintf(last, len, "TCP connect");
	else
		snprintf(last, len, "%s", tok2str(hs_display_names, (unsigned int)io->last_hs, buf, sizeof buf));
}

void cio_failed_detail(struct cio *io, const char *last, const char *words)
{
	struct client_result *o = io->out;
	o->timed_out = io->timed_out;
	o->peer_closed = io->peer_closed;
	if (io->timed_out)
		snprintf(o->detail, sizeof o->detail, "timed out after %s: no answer within %d ms (%s)", last,
			 io->timeout_ms, words);
	else if (o->alert_received >= 0)
		snprintf(o->detail, sizeof o->detail, "received alert %d after %s: %s", o->alert_received, last, words);
	else if (io->peer_closed)
		snprintf(o->detail, sizeof o->detail, "the server closed the connection after %s: %s%s", last, words,
			 io->reset ? " (reset)" : "");
	else if (o->alert_sent >= 0)
		snprintf(o->detail, sizeof o->detail, "failed after %s and sent alert %d: %s", last, o->alert_sent, words);
	else
		snprintf(o->detail, sizeof o->detail, "failed after %s: %s", last, words);
}

void cio_connected_detail(struct cio *io)
{
	struct client_result *o = io->out;
	snprintf(o->detail, sizeof o->detail, "connected: %s %s, %d certificate(s)%s%s", o->version, o->suite,
		 o->chain_len, o->verify_error ? ", unverified: " : "", o->verify_error ? o->verify_error_name : "");
}

const char *cio_oversized_alert(struct cio *io, bool send_alert)
{
	if (!send_alert)
		return "no alert (the engine sends none)";
	if (io->to_server.encrypted || io->to_client.encrypted)
		return "no alert: encryption had started";
	const uint8_t rec[] = { 21, (uint8_t)(io->oversized_version >> 8), (uint8_t)io->oversized_version, 0, 2,
				2 /* fatal */, 22 /* record_overflow */ };
	if (send(io->fd, rec, sizeof rec, MSG_NOSIGNAL) != (ssize_t)sizeof rec)
		return "the alert could not be sent";
	flow_feed(io, &io->to_server, rec, sizeof rec);
	io->out->alert_sent = 22;
	return "sent alert 22 record_overflow";
}

void cio_engine_error(struct client_result *o, long code, const char *name, int alert)
{
	o->engine_err.code = code;
	snprintf(o->engine_err.name, sizeof o->engine_err.name, "%s", name ? name : "unknown");
	o->engine_err.alert = alert;
}

/* ---- after the handshake ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The raw request with \r \n \t \\ \xHH decoded: its length. */
static size_t request_decode(const char *s, unsigned char *buf, size_t cap)
{
	size_t n = 0;
	while (*s && n < cap) {
		if (s[0] != '\\' || !s[1]) {
			buf[n++] = (unsigned char)*s++;
			continue;
		}
		char c = s[1];
		s += 2;
		if (c == 'r')
			buf[n++] = '\r';
		else if (c == 'n')
			buf[n++] = '\n';
		else if (c == 't')
			buf[n++] = '\t';
		else if (c == 'x' && hex_digit(s[0]) >= 0 && hex_digit(s[1]) >= 0) {
			buf[n++] = (unsigned char)(hex_digit(s[0]) * 16 + hex_digit(s[1]));
			s += 2;
		} else
			buf[n++] = (unsigned char)c;
	}
	return n;
}

/*
 * An HTTP answer is whole when its headers and Content-Length bytes are in
 * (else it ends at the close or the time bound).  The bytes are the
 * server's: read through the cursor, the header name case-insensitively
 * (RFC 9110 section 5.1), the length as digits only.
 */
bool cio_http_whole(const unsigned char *p, size_t n)
{
	static const char name[] = "content-length:";
	const unsigned char *end = memmem(p, n, "\r\n\r\n", 4);
	if (!end)
		return false;
	size_t head = (size_t)(end - p) + 4;
	struct cursor c = cursor_make(p, head);
	uint8_t b = 0;
	while (!cursor_empty(&c)) {
		/* At the start of a header line: does it name Content-Length? */
		size_t k = 0;
		while (k < sizeof name - 1 && cursor_u8(&c, &b) && tolower(b) == name[k])
			k++;
		if (k == sizeof name - 1) {
			unsigned long long want = 0;
			int digits = 0;
			while (cursor_u8(&c, &b) && (b == ' ' || b == '\t'))
				;
			while (b >= '0' && b <= '9' && digits < 12) {
				want = want * 10 + (unsigned long long)(b - '0');
				digits++;
				if (!cursor_u8(&c, &b))
					break;
			}
			return digits > 0 && n - head >= want;
		}
		while (b != '\n' && cursor_u8(&c, &b))
			;
		b = 0;
	}
	return false;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the answer (or an alert) for at most bound_ms: the read loop of cio_after_handshake(). */
static void read_answer(struct cio *io, const struct cio_app *app, int bound_ms, bool http)
{
	struct client_result *o = io->out;
	static unsigned char got[16384];
	size_t have = 0;
	long long end = now_ms() + bound_ms;
	for (;;) {
		long long left = end - now_ms();
		if (left <= 0) {
			snprintf(o->post_detail, sizeof o->post_detail, "%ld bytes, then nothing within %d ms",
				 o->response_bytes, bound_ms);
			return;
		}
		io->timeout_ms = (int)left;
		unsigned char buf[4096];
		int alert = -1;
		int n = app->read(app->ctx, buf, sizeof buf, &alert);
		if (n > 0) {
			size_t take = (size_t)n < sizeof got - have ? (size_t)n : sizeof got - have;
			memcpy(got + have, buf, take);
			have += take;
			o->response_bytes += n;
			if (!o->response_line[0] && memchr(got, '\n', have)) {
				size_t line = strcspn((const char *)got, "\r\n");
				snprintf(o->response_line, sizeof o->response_line, "%.*s", (int)line, (const char *)got);
			}
			if (http && cio_http_whole(got, have)) {
				snprintf(o->post_detail, sizeof o->post_detail, "answer of %ld bytes", o->response_bytes);
				return;
			}
			continue;
		}
		if (alert >= 0 && alert != 0) {
			o->post_alert = alert;
			snprintf(o->stage, sizeof o->stage, "after_handshake"); /* INTERFACES.md item 3 */
			snprintf(o->post_detail, sizeof o->post_detail, "the server sent fatal alert %d after the handshake",
				 alert);
		} else if (n == 0 || alert == 0) {
			snprintf(o->post_detail, sizeof o->post_detail, "answer of %ld bytes, then the server closed",
				 o->response_bytes);
		} else if (n == CIO_TIMEOUT) {
			snprintf(o->post_detail, sizeof o->post_detail, "%ld bytes, then nothing within %d ms",
				 o->response_bytes, bound_ms);
		} else {
			snprintf(o->post_detail, sizeof o->post_detail, "after %ld bytes the read failed (%s)",
				 o->response_bytes, io->peer_closed ? "connection closed" : "engine error");
		}
		return;
	}
}

void cio_after_handshake(struct cio *io, const struct cio_app *app)
{
	const struct client_case *cc = io->cc;
	const char *req = cc->request;
	int saved = io->timeout_ms;
	io->handshake_done = true;
	if (req && strcmp(req, "none") == 0)
		return;
	if (req && strncmp(req, "wait:", 5) == 0) {
		char *end;
		errno = 0;
		long ms = strtol(req + 5, &end, 10);
		read_answer(io, app, errno == 0 && *end == '\0' && ms >= 0 && ms <= 600000 ? (int)ms : saved, false);
		io->timeout_ms = saved;
		return;
	}
	unsigned char buf[2048];
	size_t n;
	if (!req) {
		const char *host = cio_sni(cc);
		int w = snprintf((char *)buf, sizeof buf, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host ? host : cc->host);
		n = w > 0 && (size_t)w < sizeof buf ? (size_t)w : 0;
	} else {
		n = request_decode(req, buf, sizeof buf);
	}
	if (n > 0 && app->write(app->ctx, buf, n) < 0) {
		int alert = -1;
		unsigned char b[16];
		/* The write failed: a fatal alert the server sent may be waiting (TLS 1.3 client auth). */
		io->timeout_ms = saved;
		if (app->read(app->ctx, b, sizeof b, &alert) < 0 && alert > 0) {
			io->out->post_alert = alert;
			snprintf(io->out->stage, sizeof io->out->stage, "after_handshake");
		}
		snprintf(io->out->post_detail, sizeof io->out->post_detail, "the request could not be written%s",
			 io->out->post_alert > 0 ? ": the server had sent a fatal alert" : "");
		return;
	}
	io->out->request_sent = n > 0;
	read_answer(io, app, saved, !req || strncmp(req, "GET ", 4) == 0 || strncmp(req, "HEAD ", 5) == 0);
	io->timeout_ms = saved;
}

int cio_read_client_pair(const struct client_case *cc, unsigned char **cert, size_t *cert_len, unsigned char **key,
			 size_t *key_len, char *err, size_t errlen)
{
	*cert = *key = NULL;
	*cert_len = *key_len = 0;
	if (!cc->cert_path && !cc->key_path)
		return 1;
	if (!cc->cert_path || !cc->key_path) {
		snprintf(err, errlen, "a client certificate needs both cert_path and key_path");
		return -1;
	}
	if (cio_read_file(cc->cert_path, cert, cert_len, err, errlen) != 0 ||
	    cio_read_file(cc->key_path, key, key_len, err, errlen) != 0)
		return -1;
	return 0;
}
