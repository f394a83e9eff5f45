/* capture_support.c - shared helpers of the capture tests (see capture_support.h). */
#include "tests/support/capture_support.h"

#include "harness/capture/frame.h"
#include "harness/core/cursor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cs_tmpdir(char *out, size_t outlen)
{
	if (snprintf(out, outlen, "/tmp/tlsdiag-capture-XXXXXX") >= (int)outlen || !mkdtemp(out))
		return -1;
	return chmod(out, 0700);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void cs_rmtree(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* fork+exec with stdin from a pipe and stdout+stderr into another; the child leads its own group. */
static pid_t spawn(char *const argv[], int *in_fd, int *out_fd)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return -1;
	}
	*in_fd = in[1];
	*out_fd = out[0];
	return pid;
}

static void kill_reap(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

pid_t cs_spawn(char *const argv[], int *out_fd)
{
	int in_fd;
	pid_t pid = spawn(argv, &in_fd, out_fd);

	if (pid > 0)
		close(in_fd);
	return pid;
}

int cs_read_until(int fd, const char *needle, char *buf, size_t buflen, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	size_t used = strlen(buf);

	while (!strstr(buf, needle)) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = end - now_ms();
		ssize_t r;

		if (left <= 0 || used + 1 >= buflen || poll(&p, 1, (int)left) != 1)
			return -1;
		r = read(fd, buf + used, buflen - used - 1);
		if (r <= 0)
			return -1;
		used += (size_t)r;
		buf[used] = '\0';
	}
	return 0;
}

int cs_run(char *const argv[], const char *stdin_data, char *out, size_t outlen, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	int in_fd, out_fd;
	size_t used = 0;
	char sink[4096];
	pid_t pid = spawn(argv, &in_fd, &out_fd);

	if (outlen)
		out[0] = '\0';
	if (pid < 0)
		return -1;
	if (stdin_data)
		(void)!write(in_fd, stdin_data, strlen(stdin_data));
	close(in_fd);
	for (;;) {
		struct pollfd p = { out_fd, POLLIN, 0 };
		long long left = end - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			close(out_fd);
			kill_reap(pid);
			return -1;
		}
		if (used + 1 < outlen)
			n = read(out_fd, out + used, outlen - used - 1);
		else
			n = read(out_fd, sink, sizeof sink);
		if (n <= 0)
			break;
		if (used + 1 < outlen) {
			used += (size_t)n;
			out[used] = '\0';
		}
	}
	close(out_fd);
	/* Its output closed, so it is exiting. */
	return cs_wait(pid, (int)(end - now_ms()));
}

int cs_wait(pid_t pid, int timeout_ms)
{
	/* A pidfd turns "wait for the exit, with a bound" into a poll(); never a fixed sleep. */
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), status;
	struct pollfd p = { pfd, POLLIN, 0 };

	if (pfd >= 0 && (timeout_ms <= 0 || poll(&p, 1, timeout_ms) != 1)) {
		close(pfd);
		kill_reap(pid);
		return -1;
	}
	if (pfd >= 0)
		close(pfd);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool cs_have(const char *argv0)
{
	char *const argv[] = { (char *)"sh", (char *)"-c", NULL, NULL };
	char cmd[256], out[64];
	char **a = (char **)argv;

	snprintf(cmd, sizeof cmd, "command -v %s", argv0);
	a[2] = cmd;
	return cs_run(argv, NULL, out, sizeof out, 5000) == 0;
}

int cs_make_cert(const char *dir)
{
	char cert[512], key[512], out[2048];
	char *const argv[] = { (char *)"openssl", (char *)"req", (char *)"-x509", (char *)"-newkey", (char *)"ec",
			       (char *)"-pkeyopt", (char *)"ec_paramgen_curve:P-256", (char *)"-nodes",
			       (char *)"-keyout", key, (char *)"-out", cert, (char *)"-subj",
			       (char *)"/CN=127.0.0.1", (char *)"-days", (char *)"2", NULL };

	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	if (cs_run(argv, NULL, out, sizeof out, 20000) != 0)
		return -1;
	return chmod(key, 0600);
}

int cs_s_server(struct cs_server *s, const char *dir, const char *const extra[])
{
	char cert[512], key[512], line[4096];
	char *argv[32];
	size_t used = 0;
	int n = 0, in_fd;
	long long end = now_ms() + 15000;
	const char *hit;

	memset(s, 0, sizeof *s);
	s->out_fd = -1;
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	argv[n++] = (char *)"openssl";
	argv[n++] = (char *)"s_server";
	argv[n++] = (char *)"-accept";
	argv[n++] = (char *)"127.0.0.1:0";
	argv[n++] = (char *)"-cert";
	argv[n++] = cert;
	argv[n++] = (char *)"-key";
	argv[n++] = key;
	for (int i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	s->pid = spawn(argv, &in_fd, &s->out_fd);
	if (s->pid < 0)
		return -1;
	close(in_fd); /* s_server reads no stdin from us; EOF there is harmless */
	/* Readiness: its "ACCEPT 127.0.0.1:<port>" line. */
	line[0] = '\0';
	while (!(hit = strstr(line, "ACCEPT 127.0.0.1:")) || !strchr(hit, '\n')) {
		struct pollfd p = { s->out_fd, POLLIN, 0 };
		long long left = end - now_ms();
		ssize_t r;

		if (left <= 0 || used + 1 >= sizeof line || poll(&p, 1, (int)left) <= 0)
			goto fail;
		r = read(s->out_fd, line + used, sizeof line - used - 1);
		if (r <= 0)
			goto fail;
		used += (size_t)r;
		line[used] = '\0';
	}
	s->port = (uint16_t)strtol(hit + strlen("ACCEPT 127.0.0.1:"), NULL, 10);
	return s->port ? 0 : -1;
fail:
	cs_s_server_stop(s);
	return -1;
}

void cs_s_server_stop(struct cs_server *s)
{
	if (s->pid > 0) {
		kill(-s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->out_fd >= 0)
		close(s->out_fd);
	s->out_fd = -1;
}

static int bound_socket(uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

int cs_listen(uint16_t *port)
{
	int fd = bound_socket(port);

	if (fd >= 0 && listen(fd, 8) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int cs_client_socket(uint16_t *port)
{
	return bound_socket(port);
}

int cs_connect(int fd, const char *host, uint16_t port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -1;
	return connect(fd, (struct sockaddr *)&sa, sizeof sa);
}

int cs_accept(int lfd, int timeout_ms)
{
	struct pollfd p = { lfd, POLLIN, 0 };

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

int cs_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t cs_read_all(int fd, void *buf, size_t cap, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	size_t used = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = end - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return -1;
		r = recv(fd, (uint8_t *)buf + used, cap - used, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || used + (size_t)r == cap)
			return (ssize_t)(used + (size_t)r);
		used += (size_t)r;
	}
}

/* --- A pcap reader for the tests: classic format, either byte order. --- */

static uint32_t rd32(struct cursor *c, bool swap, bool *ok)
{
	uint32_t v = 0;

	if (!cursor_u32(c, &v))
		*ok = false;
	return swap ? __builtin_bswap32(v) : v;
}

struct tuple {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
};

static void add_event(struct cs_pcap *p, int dir, uint8_t flags)
{
	size_t n = strlen(p->events);
	char f[32] = "";

	if (flags & FRAME_SYN)
		snprintf(f + strlen(f), sizeof f - strlen(f), "%sSYN", f[0] ? "+" : "");
	if ((flags & FRAME_SYN) && (flags & FRAME_ACK))
		snprintf(f + strlen(f), sizeof f - strlen(f), "+ACK");
	if (flags & FRAME_FIN)
		snprintf(f + strlen(f), sizeof f - strlen(f), "%sFIN", f[0] ? "+" : "");
	if (flags & FRAME_RST)
		snprintf(f + strlen(f), sizeof f - strlen(f), "%sRST", f[0] ? "+" : "");
	if (f[0] && n < sizeof p->events)
		snprintf(p->events + n, sizeof p->events - n, "%s%c:%s", n ? " " : "", dir ? 'S' : 'C', f);
}

static void add_payload(struct cs_dir *d, uint32_t *next, bool *started, const struct frame_tcp *t,
			const uint8_t *pl, size_t n)
{
	uint8_t *grown;

	if (t->flags & FRAME_SYN) {
		*next = t->seq + 1;
		*started = true;
		d->syn++;
	}
	if (n) {
		uint32_t skip = 0;

		d->segs++;
		if (n > d->max_seg)
			d->max_seg = n;
		if (*started && t->seq != *next) {
			if ((int32_t)(t->seq - *next) > 0)
				d->in_order = false; /* a gap */
			else
				skip = *next - t->seq; /* a retransmission overlapping what we have */
		}
		if (skip < n) {
			grown = realloc(d->data, d->len + n - skip);
			if (grown) {
				d->data = grown;
				memcpy(d->data + d->len, pl + skip, n - skip);
				d->len += n - skip;
			}
		}
		*next = t->seq + (uint32_t)n;
	}
	if (t->flags & FRAME_FIN) {
		d->fin++;
		*next += 1;
	}
	if (t->flags & FRAME_RST)
		d->rst++;
}

int cs_pcap_read(const char *path, struct cs_pcap *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;
	struct cursor c;
	uint32_t magic, next[2] = { 0, 0 };
	bool swap, ok = true, started[2] = { false, false }, have = false;
	struct tuple tuples[16];
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->dir[0].in_order = out->dir[1].in_order = true;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)size + 1)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, errlen, "%s: cannot read", path);
		goto out;
	}
	c = cursor_make(buf, (size_t)size);
	if (!cursor_u32(&c, &magic)) {
		snprintf(err, errlen, "%s: no pcap header", path);
		goto out;
	}
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		snprintf(err, errlen, "%s: not a classic pcap (magic %08x)", path, magic);
		goto out;
	}
	cursor_skip(&c, 4 + 4 + 4 + 4);
	out->linktype = (int)rd32(&c, swap, &ok);
	while (ok && !cursor_empty(&c)) {
		uint32_t caplen;
		const uint8_t *frame;
		struct frame_tcp t;
		int dir = -1, i;

		rd32(&c, swap, &ok);
		rd32(&c, swap, &ok);
		caplen = rd32(&c, swap, &ok);
		rd32(&c, swap, &ok);
		if (!ok || !cursor_bytes(&c, caplen, &frame)) {
			snprintf(err, errlen, "%s: frame %u is cut", path, out->frames + 1);
			goto out;
		}
		out->frames++;
		if (frame_peek_tcp(out->linktype, frame, caplen, &t) != DECODE_OK)
			continue;
		for (i = 0; i < (int)out->conns; i++)
			if ((tuples[i].pa == t.sport && tuples[i].pb == t.dport && !memcmp(tuples[i].a, t.src, 16) &&
			     !memcmp(tuples[i].b, t.dst, 16)) ||
			    (tuples[i].pa == t.dport && tuples[i].pb == t.sport && !memcmp(tuples[i].a, t.dst, 16) &&
			     !memcmp(tuples[i].b, t.src, 16)))
				break;
		if (i == (int)out->conns && out->conns < 16) {
			memcpy(tuples[i].a, t.src, 16);
			memcpy(tuples[i].b, t.dst, 16);
			tuples[i].pa = t.sport;
			tuples[i].pb = t.dport;
			out->conns++;
		}
		if (!have && (t.flags & (FRAME_SYN | FRAME_ACK)) == FRAME_SYN) {
			have = true;
			out->client_port = t.sport;
			out->server_port = t.dport;
		}
		if (have && t.sport == out->client_port && t.dport == out->server_port)
			dir = 0;
		else if (have && t.sport == out->server_port && t.dport == out->client_port)
			dir = 1;
		if (dir < 0)
			continue;
		add_event(out, dir, t.flags);
		{
			size_t n = t.payload_off <= caplen ? caplen - t.payload_off : 0;

			if (n > t.payload_len)
				n = t.payload_len;
			add_payload(&out->dir[dir], &next[dir], &started[dir], &t, frame + t.payload_off, n);
		}
	}
	if (!ok) {
		snprintf(err, errlen, "%s: a record header is cut", path);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		cs_pcap_free(out);
	free(buf);
	fclose(f);
	return rc;
}

void cs_pcap_free(struct cs_pcap *p)
{
	free(p->dir[0].data);
	free(p->dir[1].data);
	p->dir[0].data = p->dir[1].data = NULL;
}

int cs_tshark_messages(const char *pcap, uint16_t server_port, char *out, size_t outlen)
{
	char buf[65536], cside[2048] = "", sside[2048] = "";
	char *const argv[] = { (char *)"tshark", (char *)"-n", (char *)"-r", (char *)pcap, (char *)"-Y", (char *)"tls",
			       (char *)"-T", (char *)"fields", (char *)"-E", (char *)"separator=/t",
			       (char *)"-e", (char *)"tcp.srcport", (char *)"-e", (char *)"tls.handshake.type",
			       (char *)"-e", (char *)"tls.alert_message.desc", NULL };
	char *line, *save = NULL;

	if (cs_run(argv, NULL, buf, sizeof buf, 60000) != 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f1 = line, *f2, *f3, *tok, *s2 = NULL;
		char *side;
		long sport;

		if (strncmp(line, "Running as", 10) == 0)
			continue;
		f2 = strchr(f1, '\t');
		if (!f2)
			continue;
		*f2++ = '\0';
		f3 = strchr(f2, '\t');
		if (f3)
			*f3++ = '\0';
		sport = strtol(f1, NULL, 10);
		side = sport == server_port ? sside : cside;
		for (tok = strtok_r(f2, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2))
			snprintf(side + strlen(side), 2048 - strlen(side), " hs%s", tok);
		s2 = NULL;
		for (tok = f3 ? strtok_r(f3, ",", &s2) : NULL; tok; tok = strtok_r(NULL, ",", &s2))
			snprintf(side + strlen(side), 2048 - strlen(side), " alert%s", tok);
	}
	snprintf(out, outlen, "C:%s | S:%s", cside, sside);
	return 0;
}

int cs_tshark_problems(const char *pcap, char *out, size_t outlen)
{
	char *const argv[] = { (char *)"tshark", (char *)"-n", (char *)"-r", (char *)pcap, (char *)"-o",
			       (char *)"ip.check_checksum:TRUE", (char *)"-o", (char *)"tcp.check_checksum:TRUE",
			       (char *)"-Y",
			       (char *)"ip.checksum.status==0 || tcp.checksum.status==0 || "
				       "(tcp.analysis.flags && !tcp.analysis.window_update)",
			       NULL };
	int n = 0;
	char *line, *save = NULL;

	if (cs_run(argv, NULL, out, outlen, 60000) != 0)
		return -1;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "Running as", 10) != 0)
			n++;
	return n;
}
