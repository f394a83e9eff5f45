/* test_pcap_io.c - capture files of each link type and format, damaged files, live capture on lo (with a tap), the writer. */
#include "harness/decode/packet.h"
#include "harness/decode/pcap_io.h"
#include "tests/support/capbuild.h"
#include "tests/support/capture_support.h"

#include <arpa/inet.h>
#include <check.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[PATH_MAX];
static char path[PATH_MAX + 32];

/* The private dir is made and removed by main() (the parent), so a failing test leaves nothing behind. */
static void setup(void)
{
	snprintf(path, sizeof path, "%s/c.pcap", dir);
}

static void teardown(void)
{
	unlink(path);
}

static const struct cb_seg hello = { 4, "127.0.0.1", "127.0.0.1", 50000, 4433, 7, 9, 0x18, "\x16\x03\x01hi", 5 };

/* Writes n copies of hello framed for linktype, in pcap or pcapng. */
static void write_file(uint32_t linktype, int ng, int n)
{
	uint8_t ip[256], fr[300];
	size_t il = cb_ip_tcp(&hello, ip, sizeof ip);
	size_t fl = cb_frame(linktype, 0, ip, il, fr, sizeof fr);
	FILE *f = ng ? cb_pcapng_open(path, (uint16_t)linktype, 65535) : cb_pcap_open(path, linktype, 65535);
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < n; i++) {
		if (ng)
			cb_pcapng_frame(f, 1700000000 + (uint32_t)i, 250, fr, fl, fl);
		else
			cb_pcap_frame(f, 1700000000 + (uint32_t)i, 250, fr, fl, fl);
	}
	fclose(f);
}

/* Reads the file back: every frame must decode to hello. */
static void read_back(enum link_type want, int n)
{
	struct pcap_reader *r;
	struct pcap_frame f;
	struct packet p;
	char err[256];
	ck_assert_int_eq(pcap_io_open_offline(path, &r, err, sizeof err), PCAP_IO_OK);
	ck_assert_int_eq(pcap_io_link(r), want);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
		ck_assert_uint_eq(f.frame, (uint64_t)i + 1);
		ck_assert_int_eq(f.ts_sec, 1700000000 + i);
		ck_assert_int_eq(f.ts_usec, 250);
		ck_assert_uint_eq(f.caplen, f.len);
		ck_assert_int_eq(packet_decode(want, f.data, f.caplen, f.len, &p), DECODE_OK);
		ck_assert_int_eq(p.kind, PKT_TCP);
		ck_assert_uint_eq(p.dport, 4433);
		ck_assert_uint_eq(p.payload_len, 5);
	}
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 0);
	pcap_io_close(r);
}

START_TEST(each_link_type_pcap_and_pcapng)
{
	static const struct {
		uint32_t file;
		enum link_type lt;
	} links[] = {
		{ CB_LINKTYPE_EN10MB, LINK_EN10MB },	  { CB_LINKTYPE_LINUX_SLL, LINK_LINUX_SLL },
		{ CB_LINKTYPE_LINUX_SLL2, LINK_LINUX_SLL2 }, { CB_LINKTYPE_RAW, LINK_RAW },
		{ CB_LINKTYPE_IPV4, LINK_IPV4 },	  { CB_LINKTYPE_NULL, LINK_NULL },
		{ CB_LINKTYPE_LOOP, LINK_LOOP },
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		for (int ng = 0; ng < 2; ng++) {
			write_file(links[i].file, ng, 3);
			read_back(links[i].lt, 3);
		}
	}
}
END_TEST

static enum pcap_io_err open_err(char *err, size_t errlen)
{
	struct pcap_reader *r = (struct pcap_reader *)&r; /* must be reset to NULL */
	enum pcap_io_err e = pcap_io_open_offline(path, &r, err, errlen);
	ck_assert_ptr_null(r);
	return e;
}

START_TEST(unusable_files_are_told_apart)
{
	char err[256];
	FILE *f;
	ck_assert_int_eq(open_err(err, sizeof err), PCAP_IO_MISSING);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));

	f = fopen(path, "w");
	fputs("GET / HTTP/1.1\r\nHost: example\r\n\r\n", f);
	fclose(f);
	ck_assert_int_eq(open_err(err, sizeof err), PCAP_IO_NOT_CAPTURE);
	ck_assert_ptr_nonnull(strstr(err, "not a pcap or pcapng"));

	f = fopen(path, "w");
	fclose(f);
	ck_assert_int_eq(open_err(err, sizeof err), PCAP_IO_NOT_CAPTURE);
	ck_assert_ptr_nonnull(strstr(err, "empty"));

	write_file(CB_LINKTYPE_EN10MB, 0, 1);
	ck_assert_int_eq(truncate(path, 10), 0);
	ck_assert_int_eq(open_err(err, sizeof err), PCAP_IO_TRUNCATED);

	f = cb_pcap_open(path, 105, 65535); /* IEEE 802.11 */
	fclose(f);
	ck_assert_int_eq(open_err(err, sizeof err), PCAP_IO_UNSUPPORTED_LINK);
	ck_assert_ptr_nonnull(strstr(err, "unsupported link type 105"));

	snprintf(path, sizeof path, "%s", dir);
	ck_assert_int_eq(open_err(err, sizeof err), PCAP_IO_MISSING);
}
END_TEST

START_TEST(cut_file_ends_after_last_whole_frame)
{
	for (int ng = 0; ng < 2; ng++) {
		struct pcap_reader *r;
		struct pcap_frame f;
		struct stat st;
		char err[256];
		write_file(CB_LINKTYPE_EN10MB, ng, 3);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_eq(truncate(path, st.st_size - 20), 0);
		ck_assert_int_eq(pcap_io_open_offline(path, &r, err, sizeof err), PCAP_IO_OK);
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), -1);
		ck_assert_msg(strncmp(err, "capture truncated after frame 2", 31) == 0, "%s", err);
		pcap_io_close(r);
	}
}
END_TEST

START_TEST(snaplen_cut_frame_reads_as_truncated_packet)
{
	uint8_t ip[256], fr[300];
	size_t il = cb_ip_tcp(&hello, ip, sizeof ip);
	size_t fl = cb_frame(CB_LINKTYPE_EN10MB, 0, ip, il, fr, sizeof fr);
	FILE *fp = cb_pcap_open(path, CB_LINKTYPE_EN10MB, 56);
	cb_pcap_frame(fp, 1, 0, fr, 56, fl);
	fclose(fp);
	struct pcap_reader *r;
	struct pcap_frame f;
	struct packet p;
	char err[256];
	ck_assert_int_eq(pcap_io_open_offline(path, &r, err, sizeof err), PCAP_IO_OK);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
	ck_assert_uint_eq(f.caplen, 56);
	ck_assert_uint_eq(f.len, fl);
	ck_assert_int_eq(packet_decode(pcap_io_link(r), f.data, f.caplen, f.len, &p), DECODE_TRUNCATED);
	ck_assert_int_eq(p.kind, PKT_TCP);
	ck_assert_uint_eq(p.payload_len, 2);
	ck_assert_uint_eq(p.payload_wire, 5);
	pcap_io_close(r);
}
END_TEST

/* A listening socket on 127.0.0.1 with an ephemeral port. */
static int listen_local(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return s;
}

/* One connection to the listener ls: "ping" one way, "pong" back, closed; ls closed too. */
static void ping_pong(int ls, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char buf[8];
	int c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&a, sizeof a), 0);
	int s = accept(ls, NULL, NULL);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(write(c, "ping", 4), 4);
	ck_assert_int_eq(read(s, buf, 4), 4);
	ck_assert_int_eq(write(s, "pong", 4), 4);
	ck_assert_int_eq(read(c, buf, 4), 4);
	close(c);
	close(s);
	close(ls);
}

START_TEST(live_capture_on_lo)
{
	struct pcap_live *l;
	struct pcap_live_stats st;
	char err[256], filter[64];
	uint16_t port;
	int ls = listen_local(&port);
	snprintf(filter, sizeof filter, "tcp port %u", port);
	enum pcap_io_err e = pcap_io_live_open("lo", filter, path, &l, err, sizeof err);
	ck_assert_msg(e == PCAP_IO_OK, "live capture needs root or CAP_NET_RAW: %s", err);

	ping_pong(ls, port);
	ck_assert_int_ge(pcap_io_live_drain(l, 200, 5000), 0);
	ck_assert_int_eq(pcap_io_live_stats(l, &st), 0);
	ck_assert_uint_ge(st.written, 8); /* 3 handshake, 2 data, 2 ACKs, 4 closing at most */
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_int_eq(pcap_io_live_close(l), 0);

	struct pcap_reader *r;
	struct pcap_frame f;
	struct packet p;
	int seen = 0, syns = 0;
	ck_assert_int_eq(pcap_io_open_offline(path, &r, err, sizeof err), PCAP_IO_OK);
	ck_assert_int_eq(pcap_io_link(r), LINK_EN10MB);
	while (pcap_io_next(r, &f, err, sizeof err) == 1) {
		ck_assert_int_eq(packet_decode(pcap_io_link(r), f.data, f.caplen, f.len, &p), DECODE_OK);
		ck_assert_int_eq(p.kind, PKT_TCP);
		ck_assert(p.sport == port || p.dport == port);
		syns += (p.flags & TCP_SYN) != 0;
		if (p.payload_len == 4)
			seen |= memcmp(p.payload, "ping", 4) == 0 ? 1 : memcmp(p.payload, "pong", 4) == 0 ? 2 : 0;
	}
	pcap_io_close(r);
	ck_assert_int_eq(seen, 3);
	ck_assert_int_eq(syns, 2);
}
END_TEST

/* A tap that keeps only frames carrying payload, counting all it saw. */
struct tap_count {
	uint64_t seen, last_frame;
	enum link_type link;
};

static bool keep_payload(void *ctx, const struct pcap_frame *f)
{
	struct tap_count *t = ctx;
	struct packet p;

	t->seen++;
	t->last_frame = f->frame;
	packet_decode(t->link, f->data, f->caplen, f->len, &p);
	return p.kind == PKT_TCP && p.payload_len > 0;
}

START_TEST(live_tap_decides_what_is_written)
{
	struct pcap_live *l;
	struct pcap_live_stats st;
	struct tap_count tc = { 0 };
	char err[256], filter[64];
	uint16_t port;
	int ls = listen_local(&port);
	snprintf(filter, sizeof filter, "tcp port %u", port);
	ck_assert_msg(pcap_io_live_open("lo", filter, path, &l, err, sizeof err) == PCAP_IO_OK,
		      "live capture needs root or CAP_NET_RAW: %s", err);
	ck_assert_int_ge(pcap_io_live_fd(l), 0);
	ck_assert_int_eq(pcap_io_live_link(l), LINK_EN10MB);
	ck_assert_str_eq(pcap_io_live_error(l), "");
	tc.link = pcap_io_live_link(l);
	pcap_io_live_set_tap(l, keep_payload, &tc);

	ping_pong(ls, port);
	ck_assert_int_ge(pcap_io_live_drain(l, 200, 5000), 0);
	ck_assert_int_eq(pcap_io_live_stats(l, &st), 0);
	ck_assert_uint_eq(st.written, 2); /* ping and pong: handshake, ACKs and FINs left out */
	ck_assert_uint_ge(tc.seen, 6);
	ck_assert_uint_eq(tc.last_frame, tc.seen); /* numbered over every frame, written or not */
	ck_assert_int_eq(pcap_io_live_close(l), 0);

	struct pcap_reader *r;
	struct pcap_frame f;
	struct packet p;
	ck_assert_int_eq(pcap_io_open_offline(path, &r, err, sizeof err), PCAP_IO_OK);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
	ck_assert_int_eq(packet_decode(LINK_EN10MB, f.data, f.caplen, f.len, &p), DECODE_OK);
	ck_assert_mem_eq(p.payload, "ping", 4);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 0);
	pcap_io_close(r);
}
END_TEST

/* The writer: frames we build come back as they went in, in the link type asked for. */
START_TEST(writer_round_trip)
{
	uint8_t ip[256], fr[300];
	size_t il = cb_ip_tcp(&hello, ip, sizeof ip);
	size_t fl = cb_frame(1 /* DLT_EN10MB */, 0, ip, il, fr, sizeof fr);
	struct pcap_frame f = { .ts_sec = 1700000000, .ts_usec = 250, .caplen = (uint32_t)fl, .len = (uint32_t)fl,
				.data = fr };
	char err[256];
	struct pcap_io_writer *w = pcap_io_writer_open(path, LINK_EN10MB, err, sizeof err);
	ck_assert_msg(w != NULL, "%s", err);
	for (int i = 0; i < 3; i++) {
		f.ts_sec = 1700000000 + i;
		ck_assert_int_eq(pcap_io_writer_write(w, &f), 0);
	}
	/* A frame claiming fewer bytes on the wire than captured is refused, and nothing is written. */
	f.len = f.caplen - 1;
	ck_assert_int_eq(pcap_io_writer_write(w, &f), -1);
	ck_assert_int_eq(pcap_io_writer_close(w, err, sizeof err), 0);
	read_back(LINK_EN10MB, 3);
	ck_assert_int_eq(pcap_io_writer_close(NULL, err, sizeof err), 0);
}
END_TEST

START_TEST(writer_errors)
{
	char err[256], bad[PATH_MAX + 64];

	ck_assert_ptr_null(pcap_io_writer_open(path, LINK_UNSUPPORTED, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "cannot write a capture of link type"));
	snprintf(bad, sizeof bad, "%s/no-such-dir/c.pcap", dir);
	ck_assert_ptr_null(pcap_io_writer_open(bad, LINK_EN10MB, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "cannot write"));
}
END_TEST

START_TEST(live_capture_errors)
{
	struct pcap_live *l;
	char err[256];
	ck_assert_int_eq(pcap_io_live_open("lo", "tcp port", path, &l, err, sizeof err), PCAP_IO_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "bad capture filter"));
	ck_assert_ptr_null(l);
	ck_assert_int_eq(pcap_io_live_open("no-such-if0", "tcp", path, &l, err, sizeof err), PCAP_IO_FAILED);
	ck_assert_ptr_null(l);
}
END_TEST

/* Without privileges (a child that became 'nobody'), live capture says so distinctly. */
START_TEST(live_capture_without_privilege_is_perm)
{
	ck_assert_msg(geteuid() == 0, "this test drops root to check the EPERM path: run it as root");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct pcap_live *l;
		char err[256];
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		_exit(pcap_io_live_open("lo", "tcp", "/dev/null", &l, err, sizeof err) == PCAP_IO_PERM ? 0 : 11);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static Suite *pcap_io_suite(void)
{
	Suite *s = suite_create("pcap_io");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, each_link_type_pcap_and_pcapng);
	tcase_add_test(tc, unusable_files_are_told_apart);
	tcase_add_test(tc, cut_file_ends_after_last_whole_frame);
	tcase_add_test(tc, snaplen_cut_frame_reads_as_truncated_packet);
	tcase_add_test(tc, live_capture_on_lo);
	tcase_add_test(tc, live_tap_decides_what_is_written);
	tcase_add_test(tc, live_capture_errors);
	tcase_add_test(tc, writer_round_trip);
	tcase_add_test(tc, writer_errors);
	tcase_add_test(tc, live_capture_without_privilege_is_perm);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (cs_tmpdir(dir, sizeof dir) < 0) {
		perror("test_pcap_io: mkdtemp");
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(pcap_io_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	cs_rmtree(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
