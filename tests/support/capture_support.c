/* capture_support.c - shared helpers of the capture tests (see capture_support.h). */
#include "tests/support/capture_support.h"

#include "harness/decode/packet.h"
#include "harness/decode/pcap_io.h"
#include "harness/servers/certs.h"
#include "harness/servers/proc.h"
#include "tests/support/testutil.h"

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

int cs_certs(const char *dir, const char *const names[])
{
	char err[256], file[64];
	struct certs *set = certs_open(dir, err, sizeof err);
	int rc = 0;

	if (!set) {
		fprintf(stderr, "cs_certs: %s\n", err);
		return -1;
	}
	for (int i = 0; rc == 0 && names[i]; i++) {
		snprintf(file, sizeof file, "%s.key", names[i]); /* the key, then its certificate */
		if (!certs_path(set, file, err, sizeof err))
			rc = -1;
		snprintf(file, sizeof file, "%s.pem", names[i]);
		if (rc == 0 && !certs_path(set, file, err, sizeof err))
			rc = -1;
	}
	if (rc != 0)
		fprintf(stderr, "cs_certs: %s\n", err);
	certs_close(set);
	return rc;
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

off_t cs_log_size(const char *log)
{
	struct stat st;

	return lstat(log, &st) == 0 ? st.st_size : 0;
}

int cs_accept_port(struct proc *p, const char *log, off_t from, uint16_t *port, long long ms)
{
	static const char tag[] = "ACCEPT 127.0.0.1:";
	long long end = now_ms() + ms;

	do {
		char buf[4096];
		int fd = open(log, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, from) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			const char *at = strstr(buf, tag);
			char *stop;
			long v = at ? strtol(at + sizeof tag - 1, &stop, 10) : 0;
			/* Only a whole line: the number may still be half written. */
			if (at && *stop == '\n' && v > 0 && v < 65536) {
				*port = (uint16_t)v;
				return 0;
			}
		}
		if (!proc_alive(p))
			return -1;
		poll(NULL, 0, 10); /* the log is a file: nothing to wait on but time */
	} while (now_ms() < end);
	return -1;
}

/*
 * s_server through servers/proc.h on 127.0.0.1:0: the kernel picks the
 * port while s_server binds it, and s_server names it ("ACCEPT
 * 127.0.0.1:N", printed after listen()), so no other process can take it
 * in between.  Then readiness as before: the port accepts.
 */
int cs_s_server(struct cs_server *s, const char *dir, const char *name, const char *log, const char *const extra[])
{
	char cert[512], key[512], err[256];
	char *argv[32];
	int n = 0;
	struct proc_opts po = { .log_path = s->log, .log_append = true }; /* a suite's tests may share one log */

	memset(s, 0, sizeof *s);
	snprintf(cert, sizeof cert, "%s/%s.pem", dir, name);
	snprintf(key, sizeof key, "%s/%s.key", dir, name);
	if (log)
		snprintf(s->log, sizeof s->log, "%s", log);
	else
		snprintf(s->log, sizeof s->log, "%s/s_server.log", dir);
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
	off_t from = cs_log_size(s->log); /* a log shared with an earlier server: only what this one writes */
	if (proc_spawn(&s->proc, argv, &po, err, sizeof err) != 0) {
		fprintf(stderr, "cs_s_server: %s\n", err);
		return -1;
	}
	if (cs_accept_port(&s->proc, s->log, from, &s->port, tu_bound_ms(15000)) != 0) {
		fprintf(stderr, "cs_s_server: no ACCEPT line (log %s)\n", s->log);
		proc_stop(&s->proc, 2000);
		return -1;
	}
	if (proc_wait_port(&s->proc, "127.0.0.1", s->port, (int)tu_bound_ms(15000), err, sizeof err) != 0) {
		fprintf(stderr, "cs_s_server: %s (log %s)\n", err, s->log);
		proc_stop(&s->proc, 2000);
		return -1;
	}
	return 0;
}

void cs_s_server_stop(struct cs_server *s)
{
	proc_stop(&s->proc, 2000);
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

/* --- Reading a capture back: pcap_io + packet_decode, as the decoder does. --- */

struct tuple {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
};

static void add_event(struct cs_pcap *p, int dir, uint8_t flags)
{
	size_t n = strlen(p->events);
	char f[32] = "";

	if (flags & TCP_SYN)
		snprintf(f + strlen(f), sizeof f - strlen(f), "%sSYN", f[0] ? "+" : "");
	if ((flags & TCP_SYN) && (flags & TCP_ACK))
		snprintf(f + strlen(f), sizeof f - strlen(f), "+ACK");
	if (flags & TCP_FIN)
		snprintf(f + strlen(f), sizeof f - strlen(f), "%sFIN", f[0] ? "+" : "");
	if (flags & TCP_RST)
		snprintf(f + strlen(f), sizeof f - strlen(f), "%sRST", f[0] ? "+" : "");
	if (f[0] && n < sizeof p->events)
		snprintf(p->events + n, sizeof p->events - n, "%s%c:%s", n ? " " : "", dir ? 'S' : 'C', f);
}

static void add_payload(struct cs_dir *d, uint32_t *next, bool *started, const struct packet *t,
			const uint8_t *pl, size_t n)
{
	uint8_t *grown;

	if (t->flags & TCP_SYN) {
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
	if (t->flags & TCP_FIN) {
		d->fin++;
		*next += 1;
	}
	if (t->flags & TCP_RST)
		d->rst++;
}

int cs_pcap_read(const char *path, struct cs_pcap *out, char *err, size_t errlen)
{
	struct pcap_reader *r = NULL;
	struct pcap_frame f;
	uint32_t next[2] = { 0, 0 };
	bool started[2] = { false, false }, have = false;
	struct tuple tuples[16];
	int rc = -1, got;

	memset(out, 0, sizeof *out);
	out->dir[0].in_order = out->dir[1].in_order = true;
	if (pcap_io_open_offline(path, &r, err, errlen) != PCAP_IO_OK)
		return -1;
	out->linktype = pcap_io_link(r);
	while ((got = pcap_io_next(r, &f, err, errlen)) == 1) {
		struct packet t;
		int dir = -1, i;

		out->frames++;
		packet_decode(out->linktype, f.data, f.caplen, f.len, &t);
		if (t.kind != PKT_TCP)
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
		if (!have && (t.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
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
		add_payload(&out->dir[dir], &next[dir], &started[dir], &t, t.payload, t.payload_len);
	}
	if (got < 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		cs_pcap_free(out);
	pcap_io_close(r);
	return rc;
}

void cs_pcap_free(struct cs_pcap *p)
{
	free(p->dir[0].data);
	free(p->dir[1].data);
	p->dir[0].data = p->dir[1].data = NULL;
}

bool cs_first_conn_only(void *ctx, const struct pcap_frame *f)
{
	struct cs_first_conn *fc = ctx;
	struct packet p;

	packet_decode(fc->link, f->data, f->caplen, f->len, &p);
	if (p.kind != PKT_TCP)
		return false;
	if (!fc->client_port && (p.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		fc->client_port = p.sport;
	return fc->client_port && (p.sport == fc->client_port || p.dport == fc->client_port);
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
