/*
 * test_capture.c - the per-case capture API and 'tlsdiag capture': frames
 * built and read back with packet_decode() (the ok / truncated / malformed
 * reading itself is test_packet.c's), key log paths, live
 * capture filtered to one of two parallel connections (each with a capture
 * of its own, and through the run's shared capture, hub.h), auto falling
 * back to the relay for an unprivileged user, the hub's wire format on its
 * real socket (a malformed request, a malformed reply), and the command end
 * to end.
 */
#include "harness/capture/capture.h"
#include "harness/capture/frame.h"
#include "harness/capture/hub.h"
#include "harness/capture/hub_wire.h"
#include "harness/decode/packet.h"
#include "harness/cmd.h"
#include "harness/core/err.h"
#include "tests/support/capture_support.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmp[256];
static char tlsdiag_bin[512];

/* Unchecked: the parent makes and removes the dir, so a failing test leaves nothing behind. */
static void setup(void)
{
	ck_assert_int_eq(cs_tmpdir(tmp, sizeof tmp), 0);
}

static void teardown(void)
{
	cs_rmtree(tmp);
}

/* --- frame: built, then read back with packet_decode() (decode/packet.c) --- */

static size_t sample_frame(uint8_t *buf, size_t cap, uint8_t flags, const char *payload)
{
	struct packet t = { .ipver = 4, .sport = 40001, .dport = 4433, .seq = 7, .ack = 9, .flags = flags,
			    .payload = (const uint8_t *)payload, .payload_len = strlen(payload) };

	inet_pton(AF_INET, "127.0.0.1", t.src);
	inet_pton(AF_INET, "127.0.0.2", t.dst);
	return frame_build_tcp4(buf, cap, &t, 1);
}

static uint16_t fold(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

START_TEST(frame_round_trip)
{
	uint8_t buf[256], pseudo[12] = { 127, 0, 0, 1, 127, 0, 0, 2, 0, 6, 0, 25 };
	struct packet t;
	size_t n = sample_frame(buf, sizeof buf, TCP_PSH | TCP_ACK, "hello");
	char ep[64];

	ck_assert_uint_eq(n, FRAME_HDRS_LEN + 5);
	ck_assert_int_eq(packet_decode(LINK_EN10MB, buf, n, n, &t), DECODE_OK);
	ck_assert_int_eq(t.kind, PKT_TCP);
	ck_assert_uint_eq(t.ipver, 4);
	ck_assert_uint_eq(t.sport, 40001);
	ck_assert_uint_eq(t.dport, 4433);
	ck_assert_uint_eq(t.seq, 7);
	ck_assert_uint_eq(t.ack, 9);
	ck_assert_uint_eq(t.flags, TCP_PSH | TCP_ACK);
	ck_assert_uint_eq(t.payload_len, 5);
	ck_assert_mem_eq(t.payload, "hello", 5);
	packet_format_endpoint(t.ipver, t.dst, t.dport, ep, sizeof ep);
	ck_assert_str_eq(ep, "127.0.0.2:4433");
	/* Both checksums verify: the one's complement sum over what they cover is 0xffff (RFC 1071). */
	ck_assert_uint_eq(fold(buf + FRAME_ETH_LEN, FRAME_IP4_LEN, 0), 0xffff);
	ck_assert_uint_eq(fold(buf + FRAME_ETH_LEN + FRAME_IP4_LEN, FRAME_TCP_LEN + 5, fold(pseudo, 12, 0)), 0xffff);
}
END_TEST

START_TEST(frame_build_refuses_what_does_not_fit)
{
	static uint8_t big[FRAME_HDRS_LEN + FRAME_MAX_PAYLOAD + 2], payload[FRAME_MAX_PAYLOAD + 1];
	struct packet t = { .ipver = 4, .payload = payload, .payload_len = FRAME_MAX_PAYLOAD + 1 };

	/* Too small a buffer; too big a payload for one IPv4 datagram; not IPv4. */
	ck_assert_uint_eq(sample_frame(big, 40, TCP_ACK, "x"), 0);
	ck_assert_uint_eq(frame_build_tcp4(big, sizeof big, &t, 1), 0);
	t.payload_len = FRAME_MAX_PAYLOAD;
	ck_assert_uint_eq(frame_build_tcp4(big, sizeof big, &t, 1), FRAME_HDRS_LEN + FRAME_MAX_PAYLOAD);
	t.ipver = 6;
	ck_assert_uint_eq(frame_build_tcp4(big, sizeof big, &t, 1), 0);
}
END_TEST

/* --- the API's small parts --- */

START_TEST(keylog_path_sits_next_to_the_capture)
{
	char out[64];

	ck_assert_int_eq(capture_keylog_path("case.pcap", out, sizeof out), 0);
	ck_assert_str_eq(out, "case.keys");
	ck_assert_int_eq(capture_keylog_path("/r/run.1/case-3.pcapng", out, sizeof out), 0);
	ck_assert_str_eq(out, "/r/run.1/case-3.keys");
	ck_assert_int_eq(capture_keylog_path("dir.d/case", out, sizeof out), 0);
	ck_assert_str_eq(out, "dir.d/case.keys");
	ck_assert_int_eq(capture_keylog_path(".pcap", out, sizeof out), 0);
	ck_assert_str_eq(out, ".pcap.keys");
	ck_assert_int_eq(capture_keylog_path("a-rather-long-name.pcap", out, 10), -1);
}
END_TEST

START_TEST(modes_by_name)
{
	enum capture_mode m;

	ck_assert_int_eq(capture_mode_parse("relay", &m), 0);
	ck_assert_int_eq(m, CAPTURE_RELAY);
	ck_assert_int_eq(capture_mode_parse("auto", &m), 0);
	ck_assert_int_eq(m, CAPTURE_AUTO);
	ck_assert_int_eq(capture_mode_parse("Live", &m), -1);
	ck_assert_int_eq(capture_mode_parse(NULL, &m), -1);
	ck_assert_str_eq(capture_mode_name(CAPTURE_LIVE), "live");
	ck_assert_str_eq(capture_mode_name((enum capture_mode)42), "unknown");
}
END_TEST

START_TEST(off_connects_straight_to_the_server)
{
	struct capture_opts o = { .mode = CAPTURE_OFF, .server_host = "127.0.0.1", .server_port = 4433 };
	struct capture_stats st;
	struct capture *c;
	char err[256];

	c = capture_begin(&o, err, sizeof err);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(capture_connect_host(c), "127.0.0.1");
	ck_assert_uint_eq(capture_connect_port(c), 4433);
	ck_assert_int_eq(capture_mode_used(c), CAPTURE_OFF);
	ck_assert_int_eq(capture_end(c, &st, err, sizeof err), 0);
	ck_assert_str_eq(st.ended, "not captured");
	/* Any other mode needs a file. */
	o.mode = CAPTURE_RELAY;
	ck_assert_ptr_null(capture_begin(&o, err, sizeof err));
	ck_assert_msg(strstr(err, "needs a pcap path"), "%s", err);
}
END_TEST

/* --- live capture --- */

static void need_root(void)
{
	ck_assert_msg(geteuid() == 0, "this test needs root: live capture (CAP_NET_RAW) and dropping to nobody");
}

struct conn {
	int cfd, sfd;
	uint16_t cport;
	struct capture *cap;
	char pcap[300];
};

/* The run's shared capture on port (its socket in tmp); the hub's own checks of its start. */
static struct hub *start_hub(uint16_t port)
{
	struct hub_opts ho = { .server_ports = &port, .nports = 1, .dir = tmp };
	enum pcap_io_err why;
	char err[256], want[64];
	struct hub *h = hub_start(&ho, &why, err, sizeof err);

	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_int_eq(why, PCAP_IO_OK);
	snprintf(want, sizeof want, "tcp port %u", (unsigned)port);
	ck_assert_str_eq(hub_filter(h), want);
	ck_assert_int_eq(access(hub_path(h), F_OK), 0);
	return h;
}

/*
 * Two parallel connections to one server, each with its own capture begun
 * before it connects (through the hub when hub is set): each pcap holds
 * exactly its own connection.
 */
static void two_parallel_connections(bool use_hub)
{
	struct capture_opts o = { .mode = CAPTURE_LIVE, .server_host = "127.0.0.1", .drain_ms = 3000 };
	struct hub *hub = NULL;
	struct conn k[2];
	uint16_t sport;
	int lfd, i;
	char err[256], buf[64];

	lfd = cs_listen(&sport);
	ck_assert_int_ge(lfd, 0);
	o.server_port = sport;
	if (use_hub) {
		hub = start_hub(sport);
		o.hub = hub_path(hub);
	}
	/* Two clients with known ports, each with its own capture started before it connects. */
	for (i = 0; i < 2; i++) {
		k[i].cfd = cs_client_socket(&k[i].cport);
		ck_assert_int_ge(k[i].cfd, 0);
		snprintf(k[i].pcap, sizeof k[i].pcap, "%s/conn%d.pcap", tmp, i);
		unlink(k[i].pcap); /* a capture is created new (O_EXCL): the other variant's file goes first */
		o.client_port = k[i].cport;
		o.pcap_path = k[i].pcap;
		k[i].cap = capture_begin(&o, err, sizeof err);
		ck_assert_msg(k[i].cap != NULL, "%s", err);
		ck_assert_int_eq(capture_mode_used(k[i].cap), CAPTURE_LIVE);
		ck_assert_msg(strstr(capture_reason(k[i].cap), "filter 'tcp port"), "%s", capture_reason(k[i].cap));
		ck_assert_msg(!hub == !strstr(capture_reason(k[i].cap), "(shared by the run)"), "%s",
			      capture_reason(k[i].cap));
	}
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(cs_connect(k[i].cfd, capture_connect_host(k[i].cap), capture_connect_port(k[i].cap)), 0);
		k[i].sfd = cs_accept(lfd, 5000);
		ck_assert_int_ge(k[i].sfd, 0);
	}
	/* Interleaved traffic on both. */
	ck_assert_int_eq(cs_write_all(k[0].cfd, "first", 5), 0);
	ck_assert_int_eq(cs_write_all(k[1].cfd, "second", 6), 0);
	ck_assert_int_eq(cs_write_all(k[1].sfd, "reply-2", 7), 0);
	ck_assert_int_eq(cs_write_all(k[0].sfd, "reply-1", 7), 0);
	for (i = 0; i < 2; i++) {
		/* Read the reply first: closing with unread bytes would send RST, not FIN. */
		ck_assert_int_eq(cs_read_all(k[i].cfd, buf, 7, 5000), 7);
		close(k[i].cfd);
		ck_assert_int_eq(cs_read_all(k[i].sfd, buf, sizeof buf, 5000), i ? 6 : 5);
		close(k[i].sfd);
	}
	for (i = 0; i < 2; i++) {
		struct capture_stats st;
		struct cs_pcap cap;

		ck_assert_msg(capture_end(k[i].cap, &st, err, sizeof err) == 0, "%s", err);
		ck_assert_int_eq(st.mode, CAPTURE_LIVE);
		ck_assert_msg(st.connected && st.closed, "%s", st.ended);
		ck_assert_str_eq(st.ended, "client FIN, server FIN");
		ck_assert_uint_eq(st.dropped, 0);
		ck_assert_uint_eq(st.bytes, i ? 13 : 12);
		ck_assert_msg(cs_pcap_read(k[i].pcap, &cap, err, sizeof err) == 0, "%s", err);
		ck_assert_int_eq(cap.conns, 1);
		ck_assert_uint_eq(cap.client_port, k[i].cport);
		ck_assert_uint_eq(cap.server_port, sport);
		ck_assert_uint_eq(cap.dir[0].len, i ? 6 : 5);
		ck_assert_int_eq(memcmp(cap.dir[0].data, i ? "second" : "first", cap.dir[0].len), 0);
		ck_assert_int_eq(memcmp(cap.dir[1].data, i ? "reply-2" : "reply-1", 7), 0);
		ck_assert_msg(strstr(cap.events, "C:SYN S:SYN+ACK") == cap.events && strstr(cap.events, "C:FIN") &&
				      strstr(cap.events, "S:FIN"),
			      "%s", cap.events);
		cs_pcap_free(&cap);
	}
	close(lfd);
	hub_stop(hub);
}

START_TEST(live_gets_only_its_own_connection)
{
	need_root();
	two_parallel_connections(false);
}
END_TEST

START_TEST(hub_gives_each_case_only_its_own_connection)
{
	need_root();
	two_parallel_connections(true);
}
END_TEST

/* A case whose worker dies between begin and end costs the hub nothing; an end with no connection is at once. */
START_TEST(hub_outlives_a_dead_case_and_leaves_no_socket)
{
	struct capture_opts o = { .mode = CAPTURE_LIVE, .server_host = "127.0.0.1", .client_port = 9,
				  .drain_ms = 20000 };
	struct capture_stats st;
	struct timespec a, b;
	char pcap[300], sock[300], err[256];
	uint16_t sport;
	int status, lfd;

	need_root();
	lfd = cs_listen(&sport);
	ck_assert_int_ge(lfd, 0);
	struct hub *h = start_hub(sport);
	snprintf(sock, sizeof sock, "%s", hub_path(h));
	snprintf(pcap, sizeof pcap, "%s/dead.pcap", tmp);
	o.server_port = sport;
	o.pcap_path = pcap;
	o.hub = hub_path(h);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static struct capture *volatile dead; /* static (and kept): a dying worker holds it */
		dead = capture_begin(&o, err, sizeof err);
		_exit(dead ? 0 : 1); /* gone without capture_end */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(pcap, sizeof pcap, "%s/none.pcap", tmp);
	unlink(pcap); /* created new (O_EXCL): another test may have left one */
	struct capture *c = capture_begin(&o, err, sizeof err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_msg(strstr(capture_reason(c), "(shared by the run)"), "%s", capture_reason(c));
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_msg(capture_end(c, &st, err, sizeof err) == 0, "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_msg(b.tv_sec - a.tv_sec < 5, "capture_end waited for its drain bound with no connection");
	ck_assert(!st.connected);
	ck_assert_str_eq(st.ended, "no connection seen");
	ck_assert_uint_eq(st.packets, 0);
	ck_assert_int_eq(access(pcap, F_OK), 0);
	hub_stop(h);
	close(lfd);
	ck_assert_int_eq(access(sock, F_OK), -1);
	/* No hub there any more: a case captures by itself (into a new file: O_EXCL). */
	o.hub = sock;
	unlink(pcap);
	c = capture_begin(&o, err, sizeof err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_msg(!strstr(capture_reason(c), "(shared by the run)"), "%s", capture_reason(c));
	ck_assert_int_eq(capture_end(c, &st, err, sizeof err), 0);
}
END_TEST

/* --- the hub's wire format on its socket (the encoding itself is test_hub_wire.c's) --- */

/* A raw connection to a hub's socket, as a case's is. */
static int hub_raw_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "%s: %s", path, strerror(errno));
	return fd;
}

/* The next message on fd within 5 s, decoded; its length, 0 at EOF. */
static ssize_t hub_raw_reply(int fd, struct hub_reply *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t in[HUB_WIRE_REPLY_MAX + 1];
	struct cursor c;
	char why[128];
	ssize_t n;

	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	n = recv(fd, in, sizeof in, 0);
	ck_assert_int_ge(n, 0);
	c = cursor_make(in, (size_t)n);
	if (n > 0)
		ck_assert_msg(hub_wire_decode_reply(&c, r, why, sizeof why) == DECODE_OK, "%s", why);
	return n;
}

/* Sends rq, with extra bytes of 0 after it. */
static void hub_raw_send(int fd, const struct hub_request *rq, size_t extra)
{
	static uint8_t out[HUB_WIRE_REQUEST_MAX + 8];
	size_t n = hub_wire_encode_request(rq, out, HUB_WIRE_REQUEST_MAX);

	ck_assert_uint_gt(n, 0);
	memset(out + n, 0, extra);
	ck_assert_int_eq(send(fd, out, n + extra, MSG_NOSIGNAL), (ssize_t)(n + extra));
}

/*
 * A request with a byte too many is answered with the reason and its
 * connection dropped, nothing opened; an END that does not repeat BEGIN's
 * pcap is refused; the hub goes on serving.
 */
START_TEST(hub_answers_a_malformed_request_and_drops_it)
{
	static struct hub_request rq;
	struct hub_reply r;
	char pcap[300];
	uint16_t sport;
	int fd, lfd;

	need_root();
	lfd = cs_listen(&sport);
	ck_assert_int_ge(lfd, 0);
	struct hub *h = start_hub(sport);
	rq = (struct hub_request){ .kind = HUB_WIRE_BEGIN, .server_port = sport, .client_port = 9 };
	snprintf(pcap, sizeof pcap, "%s/raw.pcap", tmp);
	snprintf(rq.path, sizeof rq.path, "%s", pcap);

	fd = hub_raw_connect(hub_path(h));
	hub_raw_send(fd, &rq, 1);
	ck_assert_int_gt(hub_raw_reply(fd, &r), 0);
	ck_assert(!r.ok);
	ck_assert_str_eq(r.err, "capture hub: malformed request (request: 1 bytes after its end)");
	ck_assert_int_eq(hub_raw_reply(fd, &r), 0); /* dropped */
	ck_assert_int_eq(access(pcap, F_OK), -1);
	close(fd);

	fd = hub_raw_connect(hub_path(h));
	hub_raw_send(fd, &rq, 0);
	ck_assert_int_gt(hub_raw_reply(fd, &r), 0);
	ck_assert_msg(r.ok, "%s", r.err);
	ck_assert_int_eq(access(pcap, F_OK), 0);
	rq.kind = HUB_WIRE_END;
	snprintf(rq.path, sizeof rq.path, "%s/other.pcap", tmp);
	hub_raw_send(fd, &rq, 0);
	ck_assert_int_gt(hub_raw_reply(fd, &r), 0);
	ck_assert(!r.ok);
	ck_assert_str_eq(r.err, "bad END");
	snprintf(rq.path, sizeof rq.path, "%s", pcap);
	hub_raw_send(fd, &rq, 0);
	ck_assert_int_gt(hub_raw_reply(fd, &r), 0); /* no connection seen: at once */
	ck_assert_msg(r.ok, "%s", r.err);
	ck_assert(!r.st.connected);
	ck_assert_uint_eq(r.st.packets, 0);
	close(fd);
	hub_stop(h);
	close(lfd);
}
END_TEST

/* A hub's reply with a byte too many fails the case's begin with a clear error. */
START_TEST(a_malformed_reply_fails_the_case)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char sock[300], pcap[300], err[256];
	int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sock, sizeof sock, "%s/fake.sock", tmp);
	snprintf(pcap, sizeof pcap, "%s/fake.pcap", tmp);
	ck_assert_int_lt(snprintf(a.sun_path, sizeof a.sun_path, "%s", sock), (int)sizeof a.sun_path);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* A fake hub: reads the BEGIN through the decoder, says yes with one byte too many. */
		static uint8_t in[HUB_WIRE_REQUEST_MAX + 1], out[HUB_WIRE_REPLY_MAX + 1];
		static struct hub_request rq;
		struct hub_reply r = { .ok = true };
		char why[128];
		int fd = accept(lfd, NULL, NULL);
		ssize_t n = fd < 0 ? -1 : recv(fd, in, sizeof in, 0);
		struct cursor c = cursor_make(in, n > 0 ? (size_t)n : 0);

		if (hub_wire_decode_request(&c, &rq, why, sizeof why) != DECODE_OK || rq.kind != HUB_WIRE_BEGIN ||
		    rq.server_port != 4433 || rq.client_port != 40001 || strcmp(rq.path, pcap) != 0)
			_exit(1);
		n = (ssize_t)hub_wire_encode_reply(&r, out, HUB_WIRE_REPLY_MAX);
		out[n++] = 0;
		_exit(send(fd, out, (size_t)n, MSG_NOSIGNAL) == n ? 0 : 2);
	}
	struct hub_case *c = hub_case_begin(sock, 4433, 40001, pcap, err, sizeof err);
	ck_assert(c == NULL);
	ck_assert_str_eq(err, "capture hub: malformed reply (reply: 1 bytes after its end)");
	ck_assert_int_eq(cs_wait(pid, 5000), 0);
	close(lfd);
}
END_TEST

START_TEST(live_end_without_a_connection_does_not_wait)
{
	struct capture_opts o = { .mode = CAPTURE_LIVE, .server_host = "127.0.0.1", .server_port = 9,
				  .client_port = 9, .drain_ms = 20000 };
	struct capture_stats st;
	struct capture *c;
	struct timespec a, b;
	char pcap[300], err[256];

	need_root();
	snprintf(pcap, sizeof pcap, "%s/none.pcap", tmp);
	unlink(pcap); /* created new (O_EXCL): another test may have left one */
	o.pcap_path = pcap;
	c = capture_begin(&o, err, sizeof err);
	ck_assert_msg(c != NULL, "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(capture_end(c, &st, err, sizeof err), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_msg(b.tv_sec - a.tv_sec < 5, "capture_end waited for its drain bound with no connection");
	ck_assert(!st.connected);
	ck_assert_str_eq(st.ended, "no connection seen");
	ck_assert_uint_eq(st.packets, 0);
}
END_TEST

/* The unprivileged child's checks; a message on failure, NULL when all held. */
static const char *unprivileged_case(const char *dir)
{
	static char msg[512];
	struct capture_opts o = { .mode = CAPTURE_AUTO, .server_host = "127.0.0.1", .drain_ms = 3000 };
	struct capture_stats st;
	struct capture *c;
	struct stat sb;
	uint16_t sport;
	int lfd, cfd, sfd;
	char pcap[400], err[256], buf[16];

	lfd = cs_listen(&sport);
	if (lfd < 0)
		return "cannot listen";
	/* The run's shared capture is refused too, as not permitted (the runner then lets each case choose). */
	struct hub_opts ho = { .server_ports = &sport, .nports = 1, .dir = dir };
	enum pcap_io_err why;
	struct hub *h = hub_start(&ho, &why, err, sizeof err);
	if (h || why != PCAP_IO_PERM) {
		snprintf(msg, sizeof msg, "hub as nobody: %s", h ? "was permitted" : err);
		return msg;
	}
	snprintf(pcap, sizeof pcap, "%s/auto.pcap", dir);
	o.server_port = sport;
	o.pcap_path = pcap;
	/* live is refused outright, with the cause. */
	o.mode = CAPTURE_LIVE;
	c = capture_begin(&o, err, sizeof err);
	if (c || !strstr(err, "CAP_NET_RAW")) {
		snprintf(msg, sizeof msg, "live as nobody: %s", c ? "was permitted" : err);
		return msg;
	}
	o.mode = CAPTURE_AUTO;
	c = capture_begin(&o, err, sizeof err);
	if (!c) {
		snprintf(msg, sizeof msg, "auto as nobody: %s", err);
		return msg;
	}
	if (capture_mode_used(c) != CAPTURE_RELAY ||
	    strcmp(capture_reason(c), "live capture not permitted (not root, no CAP_NET_RAW): using the relay") != 0) {
		snprintf(msg, sizeof msg, "auto chose %s: %s", capture_mode_name(capture_mode_used(c)),
			 capture_reason(c));
		return msg;
	}
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cs_connect(cfd, capture_connect_host(c), capture_connect_port(c)) != 0)
		return "cannot connect to the relay";
	sfd = cs_accept(lfd, 5000);
	if (sfd < 0)
		return "the relay did not connect to the server";
	if (cs_write_all(cfd, "ping", 4) != 0 || cs_read_all(sfd, buf, 4, 5000) != 4)
		return "bytes did not pass";
	close(cfd);
	if (cs_read_all(sfd, buf, sizeof buf, 5000) != 0)
		return "the client's FIN did not pass";
	close(sfd);
	close(lfd);
	if (capture_end(c, &st, err, sizeof err) != 0) {
		snprintf(msg, sizeof msg, "capture_end: %s", err);
		return msg;
	}
	if (st.mode != CAPTURE_RELAY || !st.closed || stat(pcap, &sb) != 0 || sb.st_size <= 24) {
		snprintf(msg, sizeof msg, "relay capture: closed=%d ended=%s pcap size %lld", st.closed, st.ended,
			 (long long)sb.st_size);
		return msg;
	}
	return NULL;
}

START_TEST(auto_falls_back_to_the_relay_when_unprivileged)
{
	struct passwd *pw;
	char dir[300], msg[512] = "";
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_msg(geteuid() == 0,
		      "this test must run as root: it drops to 'nobody' to check the fallback to the relay");
	pw = getpwnam("nobody");
	ck_assert_ptr_nonnull(pw);
	snprintf(dir, sizeof dir, "%s/nobody", tmp);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chown(dir, pw->pw_uid, pw->pw_gid), 0);
	/* nobody must reach the directory: the 0700 tmp dir becomes 0711 (traverse only). */
	ck_assert_int_eq(chmod(tmp, 0711), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *fail;

		close(pfd[0]);
		if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
			fail = "cannot drop to nobody";
		else
			fail = unprivileged_case(dir);
		if (fail)
			(void)!write(pfd[1], fail, strlen(fail));
		_exit(fail ? 1 : 0);
	}
	close(pfd[1]);
	n = cs_read_all(pfd[0], msg, sizeof msg - 1, 30000);
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	chmod(tmp, 0700);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "as nobody: %s",
		      n > 0 ? msg : "(no message)");
}
END_TEST

/* --- tlsdiag capture --- */

static int run_cmd(const char *const args[])
{
	char *argv[16];
	int n = 0;

	argv[n++] = (char *)"capture";
	while (args[n - 1] && n < 15) {
		argv[n] = (char *)args[n - 1];
		n++;
	}
	argv[n] = NULL;
	return cmd_capture(n, argv);
}

START_TEST(command_line_errors_and_help)
{
	static const char *const help[] = { "--help", NULL };
	static const char *const none[] = { NULL };
	static const char *const bad_port[] = { "--port", "0", "--out", "x.pcap", NULL };
	static const char *const bad_port2[] = { "--port", "12ab", "--out", "x.pcap", NULL };
	static const char *const bad_mode[] = { "--port", "80", "--out", "x.pcap", "--mode", "off", NULL };
	static const char *const bad_timeout[] = { "--port", "80", "--out", "x.pcap", "--timeout", "-1", NULL };
	static const char *const same_port[] = { "--port", "80", "--out", "x.pcap", "--listen-port", "80", NULL };
	static const char *const unknown[] = { "--port", "80", "--bogus", NULL };
	static const char *const extra[] = { "--port", "80", "--out", "x.pcap", "stray", NULL };

	ck_assert_int_eq(run_cmd(help), EXIT_OK);
	ck_assert_int_eq(run_cmd(none), EXIT_UNUSABLE);
	ck_assert_int_eq(run_cmd(bad_port), EXIT_UNUSABLE);
	ck_assert_int_eq(run_cmd(bad_port2), EXIT_UNUSABLE);
	ck_assert_int_eq(run_cmd(bad_mode), EXIT_UNUSABLE);
	ck_assert_int_eq(run_cmd(bad_timeout), EXIT_UNUSABLE);
	ck_assert_int_eq(run_cmd(same_port), EXIT_UNUSABLE);
	ck_assert_int_eq(run_cmd(unknown), EXIT_UNUSABLE);
	ck_assert_int_eq(run_cmd(extra), EXIT_UNUSABLE);
}
END_TEST

/* Runs 'tlsdiag capture' as a real process; readiness is its own announcement line. */
static void command_end_to_end(const char *mode, const char *ready)
{
	char port[16], pcap[300], out[8192] = "", err[256];
	uint16_t sport;
	int lfd = cs_listen(&sport), ofd, cfd, sfd, old_fd, old_sfd;
	char *const argv[] = { tlsdiag_bin, (char *)"capture", (char *)"--port", port, (char *)"--out", pcap,
			       (char *)"--mode", (char *)mode, (char *)"--timeout", (char *)"20", NULL };
	struct cs_pcap cap;
	pid_t pid;
	uint16_t target = 0, old_port;
	const char *p;

	ck_assert_msg(access(tlsdiag_bin, X_OK) == 0, "%s is not built", tlsdiag_bin);
	ck_assert_int_ge(lfd, 0);
	snprintf(port, sizeof port, "%u", (unsigned)sport);
	snprintf(pcap, sizeof pcap, "%s/cmd-%s.pcap", tmp, mode);
	/* A connection that exists before the capture starts is not "the first new one". */
	old_fd = cs_client_socket(&old_port);
	ck_assert_int_eq(cs_connect(old_fd, "127.0.0.1", sport), 0);
	old_sfd = cs_accept(lfd, 5000);
	ck_assert_int_ge(old_sfd, 0);

	pid = cs_spawn(argv, &ofd);
	ck_assert_int_gt(pid, 0);
	ck_assert_msg(cs_read_until(ofd, ready, out, sizeof out, 10000) == 0, "no '%s' from tlsdiag:\n%s", ready, out);
	p = strstr(out, "point the client at port ");
	target = p ? (uint16_t)strtol(p + strlen("point the client at port "), NULL, 10) : sport;
	ck_assert_int_eq(cs_write_all(old_fd, "old", 3), 0);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(cs_connect(cfd, "127.0.0.1", target), 0);
	sfd = cs_accept(lfd, 5000);
	ck_assert_int_ge(sfd, 0);
	ck_assert_int_eq(cs_write_all(cfd, "new connection", 14), 0);
	ck_assert_int_eq(shutdown(cfd, SHUT_WR), 0);
	ck_assert_int_eq(cs_read_all(sfd, err, sizeof err, 5000), 14);
	close(sfd);
	ck_assert_int_eq(cs_read_all(cfd, err, sizeof err, 5000), 0);
	close(cfd);
	cs_read_until(ofd, "next: tlsdiag decode", out, sizeof out, 20000);
	close(ofd);
	ck_assert_int_eq(cs_wait(pid, 20000), 0);
	ck_assert_msg(strstr(out, "ended: client FIN, server FIN"), "%s", out);
	ck_assert_msg(cs_pcap_read(pcap, &cap, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(cap.conns, 1);
	ck_assert_uint_ne(cap.client_port, old_port);
	ck_assert_uint_eq(cap.server_port, sport);
	ck_assert_uint_eq(cap.dir[0].len, 14);
	cs_pcap_free(&cap);
	close(old_fd);
	close(old_sfd);
	close(lfd);
}

START_TEST(command_relay_end_to_end)
{
	command_end_to_end("relay", "point the client at port ");
}
END_TEST

START_TEST(command_live_end_to_end)
{
	need_root();
	command_end_to_end("live", "waiting for the first new connection");
}
END_TEST

static Suite *capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *fr = tcase_create("frame");
	TCase *api = tcase_create("api");
	TCase *live = tcase_create("live");
	TCase *hub = tcase_create("hub");

	tcase_add_test(fr, frame_round_trip);
	tcase_add_test(fr, frame_build_refuses_what_does_not_fit);
	suite_add_tcase(s, fr);

	tcase_add_test(api, keylog_path_sits_next_to_the_capture);
	tcase_add_test(api, modes_by_name);
	tcase_add_test(api, off_connects_straight_to_the_server);
	tcase_add_test(api, command_line_errors_and_help);
	suite_add_tcase(s, api);

	tcase_add_unchecked_fixture(live, setup, teardown);
	tcase_set_timeout(live, 60);
	tcase_add_test(live, live_gets_only_its_own_connection);
	tcase_add_test(live, hub_gives_each_case_only_its_own_connection);
	tcase_add_test(live, hub_outlives_a_dead_case_and_leaves_no_socket);
	tcase_add_test(live, live_end_without_a_connection_does_not_wait);
	tcase_add_test(live, auto_falls_back_to_the_relay_when_unprivileged);
	tcase_add_test(live, command_relay_end_to_end);
	tcase_add_test(live, command_live_end_to_end);
	suite_add_tcase(s, live);

	tcase_add_unchecked_fixture(hub, setup, teardown);
	tcase_set_timeout(hub, 60);
	tcase_add_test(hub, hub_answers_a_malformed_request_and_drops_it);
	tcase_add_test(hub, a_malformed_reply_fails_the_case);
	suite_add_tcase(s, hub);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	char self[512];
	int failed;

	/* build/tests/test_capture -> build/tlsdiag */
	(void)argc;
	snprintf(self, sizeof self, "%s", argv[0]);
	snprintf(tlsdiag_bin, sizeof tlsdiag_bin, "%s/../tlsdiag", dirname(self));
	sr = srunner_create(capture_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
