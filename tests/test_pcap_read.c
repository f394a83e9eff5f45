/*
 * test_pcap_read.c - the offline reader (pcap_read.c): real pcapng files
 * from Wireshark's tools (two link types in one file, a Decryption Secrets
 * Block), and hand-built pcapng in both byte orders: IDB options, EPB/SPB/
 * OPB, new sections, secrets in file order, lengths that lie.
 */
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "harness/decode/packet.h"
#include "harness/decode/pcap_io.h"
#include "tests/support/capbuild.h"
#include "tests/support/capture_support.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CAPTURES "tests/data/captures/"

static char dir[PATH_MAX];
static char path[PATH_MAX + 32];

static void setup(void)
{
	snprintf(path, sizeof path, "%s/r.pcapng", dir);
}

static void teardown(void)
{
	unlink(path);
}

/* --- a pcapng builder in either byte order --- */
struct ng {
	uint8_t b[8192];
	size_t n;
	bool be;
};

static void put16(struct ng *g, uint16_t v)
{
	g->b[g->n++] = (uint8_t)(g->be ? v >> 8 : v);
	g->b[g->n++] = (uint8_t)(g->be ? v : v >> 8);
}

static void put32(struct ng *g, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		g->b[g->n++] = (uint8_t)(g->be ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void put(struct ng *g, const void *p, size_t n)
{
	memcpy(g->b + g->n, p, n);
	g->n += n;
	while (g->n % 4)
		g->b[g->n++] = 0;
}

/* Opens a block; ng_end writes its length at both ends. */
static size_t ng_begin(struct ng *g, uint32_t type)
{
	size_t at = g->n;
	put32(g, type);
	put32(g, 0);
	return at;
}

static void ng_end(struct ng *g, size_t at)
{
	uint32_t total = (uint32_t)(g->n + 4 - at);
	size_t save = g->n;
	g->n = at + 4;
	put32(g, total);
	g->n = save;
	put32(g, total);
}

static void ng_shb(struct ng *g)
{
	size_t at = ng_begin(g, 0x0a0d0d0a);
	put32(g, 0x1a2b3c4d);
	put16(g, 1);
	put16(g, 0);
	put32(g, 0xffffffff);
	put32(g, 0xffffffff);
	ng_end(g, at);
}

/* An IDB; tsresol < 0: no option. */
static void ng_idb(struct ng *g, uint16_t linktype, int tsresol)
{
	size_t at = ng_begin(g, 1);
	put16(g, linktype);
	put16(g, 0);
	put32(g, 0);
	if (tsresol >= 0) {
		uint8_t r = (uint8_t)tsresol;
		put16(g, 9);
		put16(g, 1);
		put(g, &r, 1);
		put16(g, 0);
		put16(g, 0);
	}
	ng_end(g, at);
}

static void ng_epb(struct ng *g, uint32_t ifid, uint64_t ts, const uint8_t *p, size_t n)
{
	size_t at = ng_begin(g, 6);
	put32(g, ifid);
	put32(g, (uint32_t)(ts >> 32));
	put32(g, (uint32_t)ts);
	put32(g, (uint32_t)n);
	put32(g, (uint32_t)n);
	put(g, p, n);
	ng_end(g, at);
}

static void ng_dsb(struct ng *g, const char *s)
{
	size_t at = ng_begin(g, 10);
	put32(g, 0x544c534b);
	put32(g, (uint32_t)strlen(s));
	put(g, s, strlen(s));
	ng_end(g, at);
}

static void ng_write(const struct ng *g, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(g->b, 1, n, f), n);
	fclose(f);
}

static const struct cb_seg hello = { 4, "127.0.0.1", "127.0.0.1", 50000, 4433, 7, 9, 0x18, "\x16\x03\x01hi", 5 };

static size_t hello_frame(uint32_t linktype, uint8_t *fr, size_t cap)
{
	uint8_t ip[256];
	size_t il = cb_ip_tcp(&hello, ip, sizeof ip);
	return cb_frame(linktype, 0, ip, il, fr, cap);
}

static struct pcap_reader *open_ok(const char *p)
{
	struct pcap_reader *r;
	char err[256];
	ck_assert_msg(pcap_io_open_offline(p, &r, err, sizeof err) == PCAP_IO_OK, "%s", err);
	return r;
}

static void assert_hello(const struct pcap_frame *f, enum link_type want)
{
	struct packet p;
	ck_assert_int_eq(f->link, want);
	ck_assert_int_eq(packet_decode(f->link, f->data, f->caplen, f->len, &p), DECODE_OK);
	ck_assert_int_eq(p.kind, PKT_TCP);
	ck_assert_uint_eq(p.dport, 4433);
	ck_assert_uint_eq(p.payload_len, 5);
}

/* dumpcap -i lo -i any: EN10MB frames on interface 0, LINUX_SLL on 1, the same connection on both. */
START_TEST(real_lo_and_any_two_link_types)
{
	struct pcap_reader *r = open_ok(CAPTURES "lo_any.pcapng");
	struct pcap_frame f;
	struct packet p;
	char err[256];
	int n[2] = { 0, 0 }, syn[2] = { 0, 0 };
	ck_assert_int_eq(pcap_io_link(r), LINK_EN10MB);
	while (pcap_io_next(r, &f, err, sizeof err) == 1) {
		int i = f.link == LINK_LINUX_SLL;
		ck_assert_msg(f.link == LINK_EN10MB || f.link == LINK_LINUX_SLL, "frame %llu: link %d",
			      (unsigned long long)f.frame, f.link);
		ck_assert_int_eq(packet_decode(f.link, f.data, f.caplen, f.len, &p), DECODE_OK);
		ck_assert_int_eq(p.kind, PKT_TCP);
		n[i]++;
		syn[i] += (p.flags & TCP_SYN) != 0;
	}
	ck_assert_int_eq(n[0], 18);
	ck_assert_int_eq(n[1], 18);
	ck_assert_int_eq(syn[0], 2);
	ck_assert_int_eq(syn[1], 2);
	pcap_io_close(r);
}
END_TEST

/* editcap --inject-secrets: the key log's client random is the ClientHello's. */
START_TEST(real_dsb_key_log)
{
	struct pcap_reader *r = open_ok(CAPTURES "dsb_tls13.pcapng");
	struct pcap_frame f;
	struct packet p;
	const uint8_t *data;
	uint32_t type;
	size_t len;
	char err[256], random_hex[65] = "", want[128];
	ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 1);
	ck_assert_uint_eq(type, PCAP_IO_SECRETS_TLS);
	ck_assert_uint_eq(len, 987);
	ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 0);
	char *log = strndup((const char *)data, len);
	while (pcap_io_next(r, &f, err, sizeof err) == 1) {
		ck_assert_int_eq(packet_decode(f.link, f.data, f.caplen, f.len, &p), DECODE_OK);
		if (p.payload_len > 43 && p.payload[0] == 0x16 && p.payload[5] == 1 && !random_hex[0])
			for (int i = 0; i < 32; i++)
				snprintf(random_hex + 2 * i, 3, "%02x", p.payload[11 + i]);
	}
	ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 0);
	ck_assert_uint_eq(strlen(random_hex), 64);
	snprintf(want, sizeof want, "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s ", random_hex);
	ck_assert_msg(strstr(log, want) != NULL, "no %s in the DSB", want);
	snprintf(want, sizeof want, "SERVER_TRAFFIC_SECRET_0 %s ", random_hex);
	ck_assert_msg(strstr(log, want) != NULL, "no %s in the DSB", want);
	free(log);
	pcap_io_close(r);
}
END_TEST

/* Both byte orders; interfaces of two link types; if_tsresol 10^-9 and 2^-10; secrets in file order. */
START_TEST(built_both_orders_links_resolutions_secrets)
{
	uint8_t en[300], sll[300];
	size_t enl = hello_frame(CB_LINKTYPE_EN10MB, en, sizeof en), slll = hello_frame(CB_LINKTYPE_LINUX_SLL, sll, sizeof sll);
	for (int be = 0; be < 2; be++) {
		struct ng g = { .n = 0, .be = be };
		struct pcap_frame f;
		const uint8_t *data;
		uint32_t type;
		size_t len;
		char err[256];
		ng_shb(&g);
		ng_idb(&g, CB_LINKTYPE_EN10MB, 9); /* nanoseconds */
		ng_idb(&g, CB_LINKTYPE_LINUX_SLL, 0x80 | 10); /* 1/1024 s */
		ng_dsb(&g, "first");
		ng_epb(&g, 0, 1700000000ULL * 1000000000 + 123456789, en, enl);
		ng_dsb(&g, "second");
		ng_dsb(&g, "third");
		ng_epb(&g, 1, 1700000001ULL * 1024 + 512, sll, slll);
		ng_write(&g, g.n);

		struct pcap_reader *r = open_ok(path);
		ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 0); /* the DSB is after the IDBs */
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
		assert_hello(&f, LINK_EN10MB);
		ck_assert_int_eq(f.ts_sec, 1700000000);
		ck_assert_int_eq(f.ts_usec, 123456);
		ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 1);
		ck_assert_uint_eq(type, PCAP_IO_SECRETS_TLS);
		ck_assert_uint_eq(len, 5);
		ck_assert_mem_eq(data, "first", 5);
		ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 0);
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
		assert_hello(&f, LINK_LINUX_SLL);
		ck_assert_uint_eq(f.frame, 2);
		ck_assert_int_eq(f.ts_sec, 1700000001);
		ck_assert_int_eq(f.ts_usec, 500000);
		ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 1);
		ck_assert_mem_eq(data, "second", 6);
		ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 1);
		ck_assert_mem_eq(data, "third", 5);
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 0);
		ck_assert_int_eq(pcap_io_next_secrets(r, &type, &data, &len), 0);
		pcap_io_close(r);
	}
}
END_TEST

/* SPB and OPB; a second section in the other byte order starts its own interfaces. */
START_TEST(built_spb_opb_and_a_second_section)
{
	uint8_t en[300], raw[300];
	size_t enl = hello_frame(CB_LINKTYPE_EN10MB, en, sizeof en), rawl = hello_frame(CB_LINKTYPE_RAW, raw, sizeof raw);
	struct ng g = { .n = 0, .be = false };
	struct pcap_frame f;
	char err[256];
	size_t at;
	ng_shb(&g);
	ng_idb(&g, CB_LINKTYPE_EN10MB, -1);
	at = ng_begin(&g, 3); /* SPB: original length, then the frame */
	put32(&g, (uint32_t)enl);
	put(&g, en, enl);
	ng_end(&g, at);
	at = ng_begin(&g, 2); /* OPB: if 16, drops 16, ts, caplen, len */
	put16(&g, 0);
	put16(&g, 0);
	put32(&g, 0);
	put32(&g, 5000000);
	put32(&g, (uint32_t)enl);
	put32(&g, (uint32_t)enl);
	put(&g, en, enl);
	ng_end(&g, at);
	g.be = true;
	ng_shb(&g);
	ng_idb(&g, CB_LINKTYPE_RAW, -1);
	ng_epb(&g, 0, 7000000, raw, rawl);
	ng_write(&g, g.n);

	struct pcap_reader *r = open_ok(path);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
	ck_assert_uint_eq(f.len, enl);
	ck_assert_uint_ge(f.caplen, enl);
	ck_assert_int_eq(f.link, LINK_EN10MB);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
	assert_hello(&f, LINK_EN10MB);
	ck_assert_int_eq(f.ts_sec, 5);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
	assert_hello(&f, LINK_RAW);
	ck_assert_int_eq(f.ts_sec, 7);
	ck_assert_uint_eq(f.frame, 3);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 0);
	pcap_io_close(r);
}
END_TEST

/* Lengths that lie end the frames after the last good one, with the frame number. */
START_TEST(built_lying_lengths_truncate)
{
	uint8_t en[300];
	size_t enl = hello_frame(CB_LINKTYPE_EN10MB, en, sizeof en);
	static const char *const why[] = { "a length of 13", "says", "interface 7", "more than its block holds",
					   "ends inside a block" };
	for (int k = 0; k < 5; k++) {
		struct ng g = { .n = 0, .be = false };
		struct pcap_frame f;
		char err[256];
		ng_shb(&g);
		ng_idb(&g, CB_LINKTYPE_EN10MB, -1);
		ng_epb(&g, 0, 1, en, enl);
		size_t bad = g.n;
		ng_epb(&g, k == 2 ? 7 : 0, 2, en, enl);
		size_t end = g.n;
		g.n = bad + 4;
		if (k == 0)
			put32(&g, 13); /* not a multiple of 4 */
		else if (k == 1)
			g.n = end - 4, put32(&g, 4); /* the trailer disagrees */
		else if (k == 3)
			g.n = bad + 20, put32(&g, 5000); /* caplen past the block */
		g.n = end;
		ng_write(&g, k == 4 ? end - 8 : end);
		struct pcap_reader *r = open_ok(path);
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
		ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), -1);
		ck_assert_msg(strncmp(err, "capture truncated after frame 1 (", 33) == 0, "%d: %s", k, err);
		ck_assert_msg(strstr(err, why[k]) != NULL, "%d: %s", k, err);
		pcap_io_close(r);
	}
}
END_TEST

/* Opening: no IDB, a packet before the IDB, an unsupported first interface, a pipe. */
START_TEST(built_open_errors_and_a_pipe)
{
	uint8_t en[300];
	size_t enl = hello_frame(CB_LINKTYPE_EN10MB, en, sizeof en);
	struct ng g = { .n = 0, .be = false };
	struct pcap_reader *r;
	char err[256];
	ng_shb(&g);
	ng_write(&g, g.n);
	ck_assert_int_eq(pcap_io_open_offline(path, &r, err, sizeof err), PCAP_IO_NOT_CAPTURE);
	ck_assert_ptr_nonnull(strstr(err, "no Interface Description Block"));
	ng_epb(&g, 0, 1, en, enl);
	ng_write(&g, g.n);
	ck_assert_int_eq(pcap_io_open_offline(path, &r, err, sizeof err), PCAP_IO_NOT_CAPTURE);
	ck_assert_ptr_nonnull(strstr(err, "a packet before any Interface Description Block"));
	g.n = 0;
	ng_shb(&g);
	ng_idb(&g, 105, -1);
	ng_write(&g, g.n);
	ck_assert_int_eq(pcap_io_open_offline(path, &r, err, sizeof err), PCAP_IO_UNSUPPORTED_LINK);
	ck_assert_ptr_nonnull(strstr(err, "unsupported link type 105 (IEEE802_11)"));

	/* The same reader over a pipe: large read()s instead of the mapping. */
	g.n = 0;
	ng_shb(&g);
	ng_idb(&g, CB_LINKTYPE_EN10MB, -1);
	for (int i = 0; i < 20; i++)
		ng_epb(&g, 0, (uint64_t)i * 1000000, en, enl);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], g.b, g.n), (ssize_t)g.n);
	close(fds[1]);
	char pp[64];
	snprintf(pp, sizeof pp, "/proc/self/fd/%d", fds[0]);
	r = open_ok(pp);
	struct pcap_frame f;
	int n = 0;
	while (pcap_io_next(r, &f, err, sizeof err) == 1) {
		assert_hello(&f, LINK_EN10MB);
		ck_assert_int_eq(f.ts_sec, n);
		n++;
	}
	ck_assert_int_eq(n, 20);
	pcap_io_close(r);
	close(fds[0]);
}
END_TEST

/* Classic pcap in the other byte order, nanosecond magic. */
START_TEST(classic_big_endian_nanoseconds)
{
	uint8_t en[300];
	size_t enl = hello_frame(CB_LINKTYPE_EN10MB, en, sizeof en);
	struct ng g = { .n = 0, .be = true };
	struct pcap_frame f;
	char err[256];
	put32(&g, 0xa1b23c4d);
	put16(&g, 2);
	put16(&g, 4);
	put32(&g, 0);
	put32(&g, 0);
	put32(&g, 65535);
	put32(&g, 1);
	put32(&g, 1700000000);
	put32(&g, 987654321);
	put32(&g, (uint32_t)enl);
	put32(&g, (uint32_t)enl);
	memcpy(g.b + g.n, en, enl);
	g.n += enl;
	ng_write(&g, g.n);
	struct pcap_reader *r = open_ok(path);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 1);
	assert_hello(&f, LINK_EN10MB);
	ck_assert_int_eq(f.ts_sec, 1700000000);
	ck_assert_int_eq(f.ts_usec, 987654);
	ck_assert_int_eq(pcap_io_next(r, &f, err, sizeof err), 0);
	pcap_io_close(r);
}
END_TEST

static void ignore_conn(void *ctx, struct tls_conn *c)
{
	(void)c;
	++*(int *)ctx;
}

/* A second interface of a link type we do not read: its frames are skipped and counted, the rest decoded. */
START_TEST(decode_skips_an_interface_of_another_link_type)
{
	uint8_t en[300];
	size_t enl = hello_frame(CB_LINKTYPE_EN10MB, en, sizeof en);
	struct ng g = { .n = 0, .be = false };
	struct decode_opts o = { .format = DECODE_FORMAT_TEXT, .port = 4433 };
	struct decode_stats st;
	char err[256];
	int conns = 0;
	ng_shb(&g);
	ng_idb(&g, CB_LINKTYPE_EN10MB, -1);
	ng_idb(&g, 105, -1); /* IEEE 802.11 */
	ng_epb(&g, 0, 1000000, en, enl);
	ng_epb(&g, 1, 2000000, en, enl);
	ng_epb(&g, 1, 3000000, en, enl);
	ng_write(&g, g.n);
	ck_assert_int_eq(decode_run(path, &o, ignore_conn, &conns, &st, err, sizeof err), ERR_NONE);
	ck_assert_uint_eq(st.frames, 3);
	ck_assert_uint_eq(st.other_link, 2);
	ck_assert_uint_eq(st.malformed, 0);
	ck_assert_int_eq(conns, 1);
	struct jv *notes = decode_notes(&st);
	bool noted = false;
	for (size_t i = 0; i < jv_len(notes); i++)
		noted |= strcmp(jv_str(jv_at(notes, i)),
				"2 frames from interfaces of a link type tlsdiag does not read were skipped") == 0;
	ck_assert(noted);
	jv_free(notes);
}
END_TEST

/* Appends a DSB of n key-log lines (176 bytes each, a CLIENT_RANDOM per line, randoms from first on) to f. */
#define BIG_LINE 176u
static void write_big_dsb(FILE *f, uint32_t first, uint32_t n)
{
	uint32_t len = n * BIG_LINE, total = 8 + 8 + len + 4;
	uint32_t head[4] = { 10, total, 0x544c534b, len }; /* little-endian, as ng_shb wrote the section */
	char line[BIG_LINE + 1];
	ck_assert_uint_eq(fwrite(head, 1, sizeof head, f), sizeof head);
	for (uint32_t i = 0; i < n; i++) {
		int w = snprintf(line, sizeof line, "CLIENT_RANDOM %064x %096x\n", first + i, first + i);
		ck_assert_int_eq(w, (int)BIG_LINE);
		ck_assert_uint_eq(fwrite(line, 1, BIG_LINE, f), BIG_LINE);
	}
	ck_assert_uint_eq(fwrite(&total, 1, 4, f), 4);
}

static bool has_note(const struct jv *notes, const char *want)
{
	for (size_t i = 0; i < jv_len(notes); i++)
		if (strcmp(jv_str(jv_at(notes, i)), want) == 0)
			return true;
	return false;
}

/*
 * Two DSBs of 3 MiB: the memory budget's share for secrets (a sixteenth)
 * takes the first at the default 64 MiB and neither at 8 MiB; what is not
 * read is noted, with the blocks counted.
 */
START_TEST(decode_dsbs_past_the_memory_budget_are_not_read)
{
	uint8_t en[300];
	size_t enl = hello_frame(CB_LINKTYPE_EN10MB, en, sizeof en);
	const uint32_t lines = 3u * 1024 * 1024 / BIG_LINE; /* 17873 lines, 3145648 bytes a block */
	struct ng g = { .n = 0, .be = false };
	struct decode_stats st;
	char err[256];
	int conns = 0;
	ng_shb(&g);
	ng_idb(&g, CB_LINKTYPE_EN10MB, -1);
	ng_epb(&g, 0, 1000000, en, enl);
	ng_write(&g, g.n);
	FILE *f = fopen(path, "ab");
	ck_assert_ptr_nonnull(f);
	write_big_dsb(f, 1, lines);
	write_big_dsb(f, 1 + lines, lines);
	ck_assert_int_eq(fclose(f), 0);

	struct decode_opts dflt = { .format = DECODE_FORMAT_TEXT, .port = 4433 };
	ck_assert_int_eq(decode_run(path, &dflt, ignore_conn, &conns, &st, err, sizeof err), ERR_NONE);
	ck_assert_uint_eq(st.dsb_blocks, 1);
	ck_assert_uint_eq(st.dsb_secrets, lines);
	ck_assert_uint_eq(st.dsb_refused_blocks, 1);
	ck_assert_uint_eq(st.dsb_refused_bytes, (uint64_t)lines * BIG_LINE);
	struct jv *notes = decode_notes(&st);
	ck_assert(has_note(notes, "the capture carries 17873 TLS secrets in 1 Decryption Secrets Block: used to decrypt"));
	ck_assert(has_note(notes, "3145648 bytes of Decryption Secrets Blocks beyond the memory budget were not read "
				  "(1 of 2 blocks; raise it with --memory-budget)"));
	jv_free(notes);

	struct decode_opts small = { .format = DECODE_FORMAT_TEXT, .port = 4433, .memory_budget = 8u * 1024 * 1024 };
	ck_assert_int_eq(decode_run(path, &small, ignore_conn, &conns, &st, err, sizeof err), ERR_NONE);
	ck_assert_uint_eq(st.dsb_blocks, 0);
	ck_assert_uint_eq(st.dsb_secrets, 0);
	ck_assert_uint_eq(st.dsb_refused_blocks, 2);
	ck_assert_uint_eq(st.dsb_refused_bytes, 2ull * lines * BIG_LINE);
	ck_assert_uint_eq(st.frames, 1);
	notes = decode_notes(&st);
	ck_assert(has_note(notes, "6291296 bytes of Decryption Secrets Blocks beyond the memory budget were not read "
				  "(2 of 2 blocks; raise it with --memory-budget)"));
	jv_free(notes);
}
END_TEST

static Suite *pcap_read_suite(void)
{
	Suite *s = suite_create("pcap_read");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, real_lo_and_any_two_link_types);
	tcase_add_test(tc, real_dsb_key_log);
	tcase_add_test(tc, built_both_orders_links_resolutions_secrets);
	tcase_add_test(tc, built_spb_opb_and_a_second_section);
	tcase_add_test(tc, built_lying_lengths_truncate);
	tcase_add_test(tc, built_open_errors_and_a_pipe);
	tcase_add_test(tc, classic_big_endian_nanoseconds);
	tcase_add_test(tc, decode_skips_an_interface_of_another_link_type);
	tcase_add_test(tc, decode_dsbs_past_the_memory_budget_are_not_read);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (cs_tmpdir(dir, sizeof dir) < 0) {
		perror("test_pcap_read: mkdtemp");
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(pcap_read_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	cs_rmtree(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
