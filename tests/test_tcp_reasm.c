/* test_tcp_reasm.c - one TCP direction put in order: every case the capture side meets. */
#include "harness/decode/packet.h"
#include "harness/decode/tcp_reasm.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* What the reassembler handed over: bytes, with each gap written as '#' per missing byte. */
struct sink {
	char out[4096];
	size_t n;
	int gaps, snaplen_gaps, overflow_gaps, fins;
	uint64_t fin_frame;
	uint64_t last_frame;
};

static void on_data(void *ctx, const uint8_t *p, size_t n, const struct pkt_meta *m)
{
	struct sink *s = ctx;
	ck_assert(s->fins == 0);
	ck_assert(s->n + n < sizeof s->out);
	memcpy(s->out + s->n, p, n);
	s->n += n;
	s->last_frame = m->frame;
}

static void on_gap(void *ctx, uint64_t missing, enum tcp_gap_reason why, const struct pkt_meta *m)
{
	struct sink *s = ctx;
	(void)m;
	ck_assert(s->n + missing < sizeof s->out);
	memset(s->out + s->n, '#', (size_t)missing);
	s->n += (size_t)missing;
	s->gaps++;
	s->snaplen_gaps += why == TCP_GAP_SNAPLEN;
	s->overflow_gaps += why == TCP_GAP_OVERFLOW;
}

static void on_fin(void *ctx, const struct pkt_meta *m)
{
	struct sink *s = ctx;
	s->fins++;
	s->fin_frame = m->frame;
}

static const struct tcp_reasm_ops ops = { on_data, on_gap, on_fin };

static struct tcp_reasm r;
static struct sink sk;
static uint64_t frame;

static void start(size_t max)
{
	memset(&sk, 0, sizeof sk);
	frame = 0;
	tcp_reasm_init(&r, max, &ops, &sk);
}

static void seg(uint32_t seq, uint8_t flags, const char *data)
{
	struct pkt_meta m = { ++frame, 0, 0 };
	size_t n = data ? strlen(data) : 0;
	tcp_reasm_segment(&r, seq, flags, (const uint8_t *)data, n, n, &m);
}

static void finish(void)
{
	struct pkt_meta m = { ++frame, 0, 0 };
	tcp_reasm_finish(&r, &m);
	tcp_reasm_free(&r);
	ck_assert_uint_eq(r.buffered, 0);
	sk.out[sk.n] = 0;
}

START_TEST(in_order_after_syn)
{
	start(1 << 16);
	seg(100, TCP_SYN, NULL);
	seg(101, TCP_ACK, "hello ");
	seg(107, TCP_ACK, "world");
	ck_assert_uint_eq(sk.last_frame, 3);
	seg(112, TCP_ACK | TCP_FIN, NULL);
	ck_assert_int_eq(sk.fins, 1);
	finish();
	ck_assert_str_eq(sk.out, "hello world");
	ck_assert_int_eq(sk.gaps, 0);
	ck_assert_int_eq(sk.fins, 1);
	ck_assert(r.syn);
}
END_TEST

START_TEST(out_of_order_is_buffered_then_delivered)
{
	start(1 << 16);
	seg(100, TCP_SYN, NULL);
	seg(107, TCP_ACK, "world");
	seg(112, TCP_ACK, "!");
	ck_assert_uint_eq(sk.n, 0);
	ck_assert_uint_gt(r.buffered, 0);
	seg(101, TCP_ACK, "hello ");
	ck_assert_uint_eq(sk.n, 12);
	ck_assert_uint_eq(r.buffered, 0);
	finish();
	ck_assert_str_eq(sk.out, "hello world!");
	ck_assert_int_eq(sk.gaps, 0);
}
END_TEST

START_TEST(retransmission_and_overlap_first_copy_wins)
{
	start(1 << 16);
	seg(100, TCP_SYN, NULL);
	seg(101, TCP_ACK, "abcdef");
	seg(101, TCP_ACK, "abcdef"); /* retransmitted whole */
	seg(104, TCP_ACK, "defghi"); /* overlaps 3 bytes */
	finish();
	ck_assert_str_eq(sk.out, "abcdefghi");
	ck_assert_uint_eq(r.retransmitted, 9);
	ck_assert_uint_eq(r.conflicts, 0);
}
END_TEST

START_TEST(conflicting_overlap_is_noted)
{
	start(1 << 16);
	seg(100, TCP_SYN, NULL);
	seg(105, TCP_ACK, "EFGH"); /* waits */
	seg(107, TCP_ACK, "xyIJ"); /* overlaps the waiting piece with other bytes */
	seg(101, TCP_ACK, "abcdZZ"); /* in order, overlapping the waiting piece too */
	finish();
	ck_assert_str_eq(sk.out, "abcdEFGHIJ");
	ck_assert_uint_eq(r.conflicts, 2);
}
END_TEST

START_TEST(gap_reported_at_finish_with_its_size)
{
	start(1 << 16);
	seg(100, TCP_SYN, NULL);
	seg(101, TCP_ACK, "abc");
	seg(110, TCP_ACK, "xyz"); /* 6 bytes never captured */
	ck_assert_uint_eq(sk.n, 3);
	finish();
	ck_assert_str_eq(sk.out, "abc######xyz");
	ck_assert_int_eq(sk.gaps, 1);
	ck_assert_uint_eq(r.gap_bytes, 6);
}
END_TEST

START_TEST(gap_before_fin)
{
	start(1 << 16);
	seg(100, TCP_SYN, NULL);
	seg(101, TCP_ACK, "abc");
	seg(108, TCP_ACK | TCP_FIN, NULL); /* FIN after 4 lost bytes */
	ck_assert_int_eq(sk.fins, 0);
	seg(200, TCP_ACK, "after the FIN"); /* ignored */
	finish();
	ck_assert_str_eq(sk.out, "abc####");
	ck_assert_int_eq(sk.fins, 1);
}
END_TEST

START_TEST(overflow_gives_up_the_hole)
{
	/* room for about one small piece: the next one forces the first hole out */
	start(200);
	seg(100, TCP_SYN, NULL);
	seg(101, TCP_ACK, "ab");
	seg(105, TCP_ACK, "ef");
	ck_assert_uint_eq(sk.n, 2);
	seg(200, TCP_ACK, "0123456789012345678901234567890123456789012345678901234567890123456789");
	ck_assert_int_eq(sk.overflow_gaps, 1);
	ck_assert_uint_eq(sk.n, 6);
	seg(103, TCP_ACK, "cd"); /* too late: given up */
	finish();
	ck_assert_uint_eq(sk.n, 6 + 93 + 70);
	ck_assert_int_eq(memcmp(sk.out, "ab##ef#", 7), 0);
	ck_assert_uint_eq(r.gap_bytes, 2 + 93);
}
END_TEST

START_TEST(piece_larger_than_the_bound_goes_through)
{
	char big[301];
	memset(big, 'B', 300);
	big[300] = 0;
	start(200);
	seg(100, TCP_SYN, NULL);
	seg(111, TCP_ACK, big); /* 10 bytes lost before it */
	ck_assert_int_eq(sk.overflow_gaps, 1);
	ck_assert_uint_eq(sk.n, 310);
	finish();
	ck_assert_uint_eq(r.gap_bytes, 10);
}
END_TEST

START_TEST(sequence_wraparound)
{
	start(1 << 16);
	seg(0xfffffffa, TCP_SYN, NULL);
	seg(0xfffffffb, TCP_ACK, "abcd");
	seg(0x00000003, TCP_ACK, "ijkl"); /* past the wrap, out of order */
	seg(0xffffffff, TCP_ACK, "efgh"); /* spans the wrap */
	seg(0x00000007, TCP_ACK | TCP_FIN, "mn");
	finish();
	ck_assert_str_eq(sk.out, "abcdefghijklmn");
	ck_assert_int_eq(sk.gaps, 0);
	ck_assert_int_eq(sk.fins, 1);
}
END_TEST

START_TEST(no_syn_starts_at_first_segment)
{
	start(1 << 16);
	seg(5000, TCP_ACK, "middle ");
	seg(5007, TCP_ACK, "of it");
	seg(4990, TCP_ACK, "before the capture"); /* before the start: old */
	finish();
	ck_assert_str_eq(sk.out, "middle of it");
	ck_assert(!r.syn);
}
END_TEST

START_TEST(snaplen_cut_delivers_then_gaps)
{
	struct pkt_meta m = { 1, 0, 0 };
	start(1 << 16);
	seg(100, TCP_SYN, NULL);
	m.frame = 2;
	tcp_reasm_segment(&r, 101, TCP_ACK, (const uint8_t *)"abcdefgh", 3, 8, &m); /* 5 cut */
	seg(109, TCP_ACK, "ij");
	/* a cut segment out of order: waits, then its cut becomes a gap */
	m.frame = 4;
	tcp_reasm_segment(&r, 115, TCP_ACK, (const uint8_t *)"opqrst", 2, 6, &m);
	seg(111, TCP_ACK, "klmn");
	seg(121, TCP_ACK, "uv");
	finish();
	ck_assert_str_eq(sk.out, "abc#####ijklmnop####uv");
	ck_assert_int_eq(sk.snaplen_gaps, 2);
	ck_assert_int_eq(sk.gaps, 2);
}
END_TEST

START_TEST(retransmitted_syn_and_keepalive)
{
	start(1 << 16);
	seg(100, TCP_SYN, NULL);
	seg(100, TCP_SYN, NULL);
	seg(101, TCP_ACK, "ab");
	seg(102, TCP_ACK, "b"); /* keep-alive style: one old byte */
	seg(103, TCP_ACK, "c");
	finish();
	ck_assert_str_eq(sk.out, "abc");
	ck_assert_int_eq(sk.fins, 0);
}
END_TEST

START_TEST(many_tiny_pieces_stay_bounded)
{
	start(4096);
	seg(100, TCP_SYN, NULL);
	for (uint32_t i = 0; i < 2000; i++)
		seg(102 + 2 * i, TCP_ACK, "x"); /* every other byte missing: nothing ever in order */
	ck_assert_uint_le(r.buffered, 4096);
	finish();
	ck_assert_uint_eq(sk.n, 4000);
	ck_assert_uint_eq(r.gap_bytes, 2000);
}
END_TEST

/* Delivers into a heap buffer of its own (the shuffle test's stream is larger than struct sink's). */
struct big_sink {
	uint8_t *out;
	size_t n, cap;
	int gaps;
	uint64_t frames_seen;
};

static void big_data(void *ctx, const uint8_t *p, size_t n, const struct pkt_meta *m)
{
	struct big_sink *b = ctx;
	ck_assert(b->n + n <= b->cap);
	memcpy(b->out + b->n, p, n);
	b->n += n;
	b->frames_seen += m->frame != 0;
}

static void big_gap(void *ctx, uint64_t missing, enum tcp_gap_reason why, const struct pkt_meta *m)
{
	struct big_sink *b = ctx;
	(void)missing, (void)why, (void)m;
	b->gaps++;
}

static void big_fin(void *ctx, const struct pkt_meta *m)
{
	(void)ctx, (void)m;
}

/*
 * 32,000 one-byte segments in random order after the SYN, each frame
 * numbered as it came: the stream comes out whole and in order, each byte
 * handed over with its own frame, nothing given up (the bound is large
 * enough), nothing left buffered.  (This took seconds per stream with the
 * sorted list; speed is measured in make bench, never asserted here.)
 */
START_TEST(shuffled_one_byte_segments_come_out_in_order)
{
	enum { N = 32000 };
	static const struct tcp_reasm_ops bops = { big_data, big_gap, big_fin };
	static uint32_t order[N];
	static uint8_t stream[N];
	struct big_sink b = { malloc(N), 0, N, 0, 0 };
	struct tcp_reasm rr;
	uint32_t x = 2463534242u;
	ck_assert_ptr_nonnull(b.out);
	for (uint32_t i = 0; i < N; i++) {
		order[i] = i;
		stream[i] = (uint8_t)(i * 7 + (i >> 8));
	}
	for (uint32_t i = N - 1; i > 0; i--) { /* Fisher-Yates with xorshift32 */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint32_t j = x % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	tcp_reasm_init(&rr, 16 * 1024 * 1024, &bops, &b);
	struct pkt_meta m = { 1, 0, 0 };
	tcp_reasm_segment(&rr, 4000000000u, TCP_SYN, NULL, 0, 0, &m); /* the sequence numbers wrap on the way */
	for (uint32_t i = 0; i < N; i++) {
		m.frame = i + 2;
		tcp_reasm_segment(&rr, 4000000001u + order[i], TCP_ACK, &stream[order[i]], 1, 1, &m);
	}
	ck_assert_uint_eq(rr.buffered, 0);
	tcp_reasm_finish(&rr, &m);
	ck_assert_int_eq(b.gaps, 0);
	ck_assert_uint_eq(b.n, N);
	ck_assert_uint_eq(rr.delivered, N);
	ck_assert_uint_eq(b.frames_seen, N);
	ck_assert_mem_eq(b.out, stream, N);
	tcp_reasm_free(&rr);
	free(b.out);
}
END_TEST

static Suite *tcp_reasm_suite(void)
{
	Suite *s = suite_create("tcp_reasm");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, in_order_after_syn);
	tcase_add_test(tc, out_of_order_is_buffered_then_delivered);
	tcase_add_test(tc, retransmission_and_overlap_first_copy_wins);
	tcase_add_test(tc, conflicting_overlap_is_noted);
	tcase_add_test(tc, gap_reported_at_finish_with_its_size);
	tcase_add_test(tc, gap_before_fin);
	tcase_add_test(tc, overflow_gives_up_the_hole);
	tcase_add_test(tc, piece_larger_than_the_bound_goes_through);
	tcase_add_test(tc, sequence_wraparound);
	tcase_add_test(tc, no_syn_starts_at_first_segment);
	tcase_add_test(tc, snaplen_cut_delivers_then_gaps);
	tcase_add_test(tc, retransmitted_syn_and_keepalive);
	tcase_add_test(tc, many_tiny_pieces_stay_bounded);
	tcase_add_test(tc, shuffled_one_byte_segments_come_out_in_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_reasm_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
