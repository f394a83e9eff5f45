/*
 * test_malformed.c - the whole decoder (decode_run: libpcap's reader, link
 * layers, IP, TCP reassembly, flows, TLS, diagnosis) against a corpus of
 * malformed captures derived, at test time, from the real captures of
 * tests/data/captures (openssl s_server/s_client on 127.0.0.1, made by
 * make_captures.sh).  Deriving them here keeps the corpus from going
 * stale: a remade capture remakes every case.
 *
 * Each real capture is read into a trace (its TCP segments: direction,
 * flags, time, payload), changed, and written back as a pcap or pcapng
 * with sequence numbers laid out again.  Classes and what each must give:
 *
 *   file cut mid-frame        0, note "capture truncated after frame N"
 *   stream cut at each record boundary / mid-record
 *                             0, outcome "incomplete" until the deciding
 *                             frame, a "stream ended inside" note when mid-record
 *   snaplen-cut packets       0, note "cut by the capture's snaplen"
 *   bogus record length       0, malformed note "record_overflow: ..."
 *   bogus handshake length    0, malformed note of the ClientHello decoder
 *   zero-length records       0, malformed note "zero-length handshake record"
 *                             (application data may be empty: no note)
 *   2^14+ records             0, 16385..18432-byte ciphertext is fine,
 *                             18433 is "record_overflow"
 *   interleaved connections   0, each connection as alone
 *   out-of-order, duplicated  0, as the original; differing copies noted
 *   pcapng, unknown blocks    0, as the original
 *   not a capture             2 (ERR_INPUT), one line saying why
 *
 * Everywhere: never a crash (make check runs this under ASan+UBSan and
 * valgrind), and a cut-off stream is never reported as the peer's error
 * (no alert, no malformed note, outcome not "failed"/"malformed").
 * Regression cases found by the fuzzers are named after their bug.
 */
#include "harness/cmd.h"
#include "harness/core/cursor.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "tests/support/capbuild.h"
#include "tests/support/capture_support.h"
#include "tests/support/testutil.h"

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SEGS 96
#define CAPTURES "tests/data/captures/"

/* ---------------------------------------------------------------- */
/* Traces: a capture's TCP segments, to change and write back */

struct seg {
	int dir; /* 0: from the client (the SYN sender), 1: from the server */
	uint8_t flags;
	uint32_t sec, usec;
	uint32_t seq;
	uint8_t *p;
	size_t n; /* payload bytes on the wire */
	size_t keep; /* of which captured (less: a snaplen cut) */
};

struct trace {
	char ip[2][INET_ADDRSTRLEN];
	uint16_t port[2];
	uint32_t isn[2];
	struct seg s[MAX_SEGS];
	size_t n;
	/* The original file, for cuts of the file itself. */
	uint8_t *file;
	size_t file_len;
	size_t frame_off[MAX_SEGS]; /* where each frame's record header starts */
};

/*
 * What the real capture decodes to, and the point from which on it does:
 * a server record of frame `decided`, seen whole or up to its header.
 */
enum decided_by {
	DEC_FIRST_WHOLE, /* the frame's first record, whole (the alert 40) */
	DEC_FIRST_HEADER, /* its first record's header (TLS 1.3: the server's data after the client Finished) */
	DEC_LAST_HEADER, /* its last record's header (TLS 1.2: the server's encrypted Finished) */
};

struct real {
	const char *name;
	const char *outcome, *diag;
	size_t decided; /* frame number */
	enum decided_by by;
};

static const struct real reals[] = {
	{ "alert40", "failed", "no_shared_cipher", 6, DEC_FIRST_WHOLE },
	{ "ok_tls12", "handshake_complete", "ok", 9, DEC_LAST_HEADER },
	{ "ok_tls13", "handshake_complete", "ok", 9, DEC_FIRST_HEADER },
};
#define N_REALS (sizeof reals / sizeof reals[0])

static char dir[PATH_MAX], path[PATH_MAX + 32];


static uint32_t le32(struct cursor *c)
{
	uint32_t v = 0;
	ck_assert(cursor_copy(c, &v, 4)); /* written by libpcap on this (little-endian) host */
	return v;
}

/* Reads a real capture: Ethernet, IPv4, TCP, one connection. */
static void trace_load(struct trace *t, const char *name)
{
	char file[256];
	memset(t, 0, sizeof *t);
	snprintf(file, sizeof file, CAPTURES "%s.pcap", name);
	t->file = (uint8_t *)tu_slurp(file, &t->file_len);
	ck_assert_msg(t->file != NULL, "cannot read %s (run from the repository root)", file);
	struct cursor c = cursor_make(t->file, t->file_len);
	ck_assert_uint_eq(le32(&c), 0xa1b2c3d4);
	ck_assert(cursor_skip(&c, 16));
	ck_assert_uint_eq(le32(&c), CB_LINKTYPE_EN10MB);
	while (!cursor_empty(&c)) {
		ck_assert_uint_lt(t->n, MAX_SEGS);
		struct seg *s = &t->s[t->n];
		struct cursor fr, ip, tcp;
		uint8_t vihl, proto, off, a[4], b[4];
		uint16_t etype, total, sport, dport;
		t->frame_off[t->n] = c.off;
		s->sec = le32(&c);
		s->usec = le32(&c);
		uint32_t caplen = le32(&c), len = le32(&c);
		ck_assert_uint_eq(caplen, len);
		ck_assert(cursor_sub(&c, caplen, &fr));
		ck_assert(cursor_skip(&fr, 12) && cursor_u16(&fr, &etype));
		ck_assert_uint_eq(etype, 0x0800);
		ck_assert(cursor_peek_u8(&fr, 0, &vihl));
		ck_assert(cursor_skip(&fr, 2) && cursor_u16(&fr, &total) && cursor_skip(&fr, 5));
		ck_assert(cursor_u8(&fr, &proto) && cursor_skip(&fr, 2));
		ck_assert(cursor_copy(&fr, a, 4) && cursor_copy(&fr, b, 4));
		ck_assert_uint_eq(proto, 6);
		ck_assert(cursor_skip(&fr, (size_t)(vihl & 15) * 4 - 20));
		ck_assert(cursor_sub(&fr, total - (size_t)(vihl & 15) * 4, &ip));
		ck_assert(cursor_u16(&ip, &sport) && cursor_u16(&ip, &dport) && cursor_u32(&ip, &s->seq));
		ck_assert(cursor_skip(&ip, 4) && cursor_u8(&ip, &off) && cursor_u8(&ip, &s->flags));
		ck_assert(cursor_sub(&ip, 0, &tcp) && cursor_skip(&ip, (size_t)(off >> 4) * 4 - 14));
		if (t->n == 0) { /* the SYN: its sender is the client */
			ck_assert_uint_eq(s->flags & (TCP_SYN | TCP_ACK), TCP_SYN);
			inet_ntop(AF_INET, a, t->ip[0], sizeof t->ip[0]);
			inet_ntop(AF_INET, b, t->ip[1], sizeof t->ip[1]);
			t->port[0] = sport;
			t->port[1] = dport;
		}
		s->dir = sport == t->port[0] ? 0 : 1;
		if (s->flags & TCP_SYN)
			t->isn[s->dir] = s->seq;
		s->n = s->keep = cursor_left(&ip);
		s->p = malloc(s->n + 1);
		ck_assert_ptr_nonnull(s->p);
		memcpy(s->p, ip.p + ip.off, s->n);
		t->n++;
	}
}

static void trace_free(struct trace *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i].p);
	free(t->file);
	t->n = 0;
}

/* Sequence numbers laid out again in list order (after payloads changed size). */
static void trace_renumber(struct trace *t)
{
	uint32_t next[2] = { t->isn[0], t->isn[1] };
	for (size_t i = 0; i < t->n; i++) {
		struct seg *s = &t->s[i];
		s->seq = next[s->dir];
		next[s->dir] += (uint32_t)s->n + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
	}
}

/* Inserts a copy of s at position at (payload copied). */
static struct seg *trace_insert(struct trace *t, size_t at, const struct seg *s)
{
	ck_assert_uint_lt(t->n, MAX_SEGS);
	memmove(&t->s[at + 1], &t->s[at], (t->n - at) * sizeof t->s[0]);
	t->n++;
	t->s[at] = *s;
	t->s[at].p = malloc(s->n + 1);
	ck_assert_ptr_nonnull(t->s[at].p);
	if (s->n)
		memcpy(t->s[at].p, s->p, s->n);
	return &t->s[at];
}

static void trace_drop_from(struct trace *t, size_t from)
{
	for (size_t i = from; i < t->n; i++)
		free(t->s[i].p);
	t->n = from;
}

/* Replaces bytes [off, off+del) of segment i's payload by ins[0..ins_n). */
static void seg_splice(struct seg *s, size_t off, size_t del, const uint8_t *ins, size_t ins_n)
{
	ck_assert_uint_le(off + del, s->n);
	uint8_t *p = malloc(s->n - del + ins_n + 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, s->p, off);
	if (ins_n)
		memcpy(p + off, ins, ins_n);
	memcpy(p + off + ins_n, s->p + off + del, s->n - off - del);
	free(s->p);
	s->p = p;
	s->n = s->keep = s->n - del + ins_n;
}

static size_t frame_of(const struct trace *t, const struct seg *s, uint8_t *fr, size_t cap, size_t *caplen)
{
	uint8_t ip[20000];
	struct cb_seg cs = { 4, t->ip[s->dir], t->ip[!s->dir], t->port[s->dir], t->port[!s->dir], s->seq, 0,
			     s->flags, s->p, s->n };
	size_t n = cb_ip_tcp(&cs, ip, sizeof ip);
	ck_assert_uint_gt(n, 0);
	size_t fl = cb_frame(CB_LINKTYPE_EN10MB, 0, ip, n, fr, cap);
	ck_assert_uint_gt(fl, 0);
	*caplen = fl - (s->n - s->keep);
	return fl;
}

/* Writes traces[0..k) to path, their frames interleaved one by one. */
static void traces_write(struct trace **ts, size_t k, bool pcapng)
{
	static uint8_t fr[20100];
	FILE *f = pcapng ? cb_pcapng_open(path, CB_LINKTYPE_EN10MB, 262144) : cb_pcap_open(path, CB_LINKTYPE_EN10MB, 262144);
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0;; i++) {
		bool any = false;
		for (size_t j = 0; j < k; j++) {
			if (i >= ts[j]->n)
				continue;
			const struct seg *s = &ts[j]->s[i];
			size_t caplen, len = frame_of(ts[j], s, fr, sizeof fr, &caplen);
			if (pcapng)
				cb_pcapng_frame(f, s->sec, s->usec, fr, caplen, len);
			else
				cb_pcap_frame(f, s->sec, s->usec, fr, caplen, len);
			any = true;
		}
		if (!any)
			break;
	}
	ck_assert_int_eq(fclose(f), 0);
}

static void trace_write(struct trace *t)
{
	traces_write(&t, 1, false);
}

/* Where each record of direction d starts: (segment, offset) pairs, in stream order. */
struct rec_at {
	size_t seg, off, len;
};

static size_t records_of(const struct trace *t, int d, struct rec_at *out, size_t max)
{
	size_t n = 0, need = 0; /* bytes of the current record still to come */
	uint8_t hdr[5];
	size_t have = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct seg *s = &t->s[i];
		if (s->dir != d)
			continue;
		for (size_t o = 0; o < s->n;) {
			if (need) {
				size_t k = s->n - o < need ? s->n - o : need;
				o += k;
				need -= k;
				continue;
			}
			if (have == 0 && n < max)
				out[n] = (struct rec_at){ i, o, 0 };
			hdr[have++] = s->p[o++];
			if (have == 5) {
				need = (size_t)hdr[3] << 8 | hdr[4];
				if (n < max)
					out[n].len = need;
				n++;
				have = 0;
			}
		}
	}
	return n < max ? n : max;
}

/* ---------------------------------------------------------------- */
/* Decoding and what came out */

struct result {
	enum err_category rc;
	struct decode_stats st;
	struct jv *conns; /* each connection's JSON report */
	struct jv *notes; /* the capture's notes */
	char err[512];
};

static void collect(void *ctx, struct tls_conn *c)
{
	jv_push(ctx, tls_conn_to_json(c));
}

static void decode(struct result *r, uint16_t port)
{
	struct decode_opts o = { .format = DECODE_FORMAT_JSON, .port = port };
	memset(r, 0, sizeof *r);
	r->conns = jv_array();
	r->rc = decode_run(path, &o, collect, r->conns, &r->st, r->err, sizeof r->err);
	r->notes = r->rc == ERR_NONE ? decode_notes(&r->st) : jv_array();
	if (getenv("TLSDIAG_MALFORMED_DUMP")) {
		fprintf(stderr, "--- rc %d err '%s'\n", r->rc, r->err);
		jv_write(stderr, r->conns, true);
		jv_write(stderr, r->notes, true);
	}
}

static void result_free(struct result *r)
{
	jv_free(r->conns);
	jv_free(r->notes);
}

static const struct jv *conn(const struct result *r, size_t i)
{
	ck_assert_uint_gt(jv_len(r->conns), i);
	return jv_at(r->conns, i);
}

static const char *outcome(const struct result *r, size_t i)
{
	return jv_str(jv_get(conn(r, i), "outcome"));
}

static const char *diag(const struct result *r, size_t i)
{
	return jv_str(jv_get(jv_get(conn(r, i), "diagnosis"), "code"));
}

/* The first note of connection i of kind (NULL: any) whose text holds what; NULL if none. */
static const char *conn_note(const struct result *r, size_t i, const char *kind, const char *what)
{
	const struct jv *notes = jv_get(conn(r, i), "notes");
	for (size_t k = 0; k < jv_len(notes); k++) {
		const struct jv *n = jv_at(notes, k);
		const char *text = jv_str(jv_get(n, "text"));
		if ((!kind || strcmp(jv_str(jv_get(n, "kind")), kind) == 0) && text && strstr(text, what))
			return text;
	}
	return NULL;
}

static bool capture_note(const struct result *r, const char *what)
{
	for (size_t k = 0; k < jv_len(r->notes); k++)
		if (strstr(jv_str(jv_at(r->notes, k)), what))
			return true;
	return false;
}

static size_t n_alerts(const struct result *r, size_t i)
{
	return jv_len(jv_get(conn(r, i), "alerts"));
}

/* How many payload bytes of frame re->decided settle the outcome. */
static size_t decided_bytes(const struct trace *t, const struct real *re)
{
	struct rec_at recs[64];
	size_t n = records_of(t, 1, recs, 64), first = SIZE_MAX, last = 0;
	for (size_t k = 0; k < n; k++) {
		if (recs[k].seg != re->decided - 1)
			continue;
		if (first == SIZE_MAX)
			first = k;
		last = k;
	}
	ck_assert_uint_ne(first, SIZE_MAX);
	switch (re->by) {
	case DEC_FIRST_WHOLE: return recs[first].off + 5 + recs[first].len;
	case DEC_FIRST_HEADER: return recs[first].off + 5;
	case DEC_LAST_HEADER:
	default: return recs[last].off + 5;
	}
}

/*
 * The rule for a capture that ends early: once the deciding point is in,
 * the real outcome; before, "incomplete" - never a failure, an alert or a
 * malformed note, which would blame the peer for the capture's end.
 * frames_whole frames are there, and `partial` payload bytes of the next.
 */
static void assert_cut(const struct result *r, const struct real *re, const struct trace *t, size_t frames_whole,
		       size_t partial, const char *where)
{
	ck_assert_int_eq(r->rc, ERR_NONE);
	ck_assert_uint_eq(jv_len(r->conns), 1);
	ck_assert_ptr_null(conn_note(r, 0, "malformed", ""));
	if (frames_whole >= re->decided || (frames_whole == re->decided - 1 && partial >= decided_bytes(t, re))) {
		ck_assert_msg(strcmp(outcome(r, 0), re->outcome) == 0, "%s %s: outcome %s", re->name, where,
			      outcome(r, 0));
		ck_assert_str_eq(diag(r, 0), re->diag);
	} else {
		ck_assert_msg(strcmp(outcome(r, 0), "incomplete") == 0, "%s %s: outcome %s", re->name, where,
			      outcome(r, 0));
		ck_assert_msg(strcmp(diag(r, 0), "capture_truncated") == 0 ||
				      strcmp(diag(r, 0), "handshake_incomplete") == 0,
			      "%s %s: diagnosis %s", re->name, where, diag(r, 0));
		ck_assert_uint_eq(n_alerts(r, 0), 0);
	}
}

/* A cut before the first payload byte: at most a connection with no data (--port), never a failure. */
static void assert_no_data(const struct result *r)
{
	ck_assert_int_eq(r->rc, ERR_NONE);
	ck_assert_uint_le(jv_len(r->conns), 1);
	if (jv_len(r->conns))
		ck_assert_str_eq(outcome(r, 0), "no_data");
}

/* ---------------------------------------------------------------- */
/* The cases */

/* The real captures as they are: the baseline every change is measured against. */
START_TEST(real_captures_decode)
{
	const struct real *re = &reals[_i];
	struct trace t;
	struct result r;
	trace_load(&t, re->name);
	trace_renumber(&t); /* rewritten by capbuild: the same result */
	trace_write(&t);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_uint_eq(jv_len(r.conns), 1);
	ck_assert_str_eq(outcome(&r, 0), re->outcome);
	ck_assert_str_eq(diag(&r, 0), re->diag);
	ck_assert_ptr_null(conn_note(&r, 0, NULL, ""));
	ck_assert_uint_eq(jv_len(r.notes), 0);
	result_free(&r);
	trace_free(&t);
}
END_TEST

/* The file itself cut inside each frame's record header and inside its data (libpcap's "truncated dump file"). */
START_TEST(file_cut_mid_frame)
{
	const struct real *re = &reals[_i];
	struct trace t;
	trace_load(&t, re->name);
	for (size_t i = 0; i < t.n; i++) {
		size_t cuts[2] = { t.frame_off[i] + 8, t.frame_off[i] + 16 + 20 };
		for (int k = 0; k < 2; k++) {
			struct result r;
			char where[64], want[64];
			FILE *f = fopen(path, "wb");
			ck_assert_ptr_nonnull(f);
			ck_assert_uint_eq(fwrite(t.file, 1, cuts[k], f), cuts[k]);
			fclose(f);
			decode(&r, t.port[1]);
			snprintf(where, sizeof where, "file cut in frame %zu", i + 1);
			ck_assert_uint_eq(r.st.frames, i);
			ck_assert(r.st.truncated);
			snprintf(want, sizeof want, "capture truncated after frame %zu", i);
			ck_assert_msg(capture_note(&r, want), "%s: no note '%s'", where, want);
			if (i >= 4) /* the handshake's first byte is in frame 4 */
				assert_cut(&r, re, &t, i, 0, where);
			else
				assert_no_data(&r);
			result_free(&r);
		}
	}
	trace_free(&t);
}
END_TEST

/*
 * The capture ends at each record boundary of each direction, and inside
 * each record (in its header, right after it, in its body): the segment
 * holding that point is shortened, later ones are gone.
 */
START_TEST(stream_cut_at_every_record_boundary_and_mid_record)
{
	const struct real *re = &reals[_i];
	struct trace t;
	struct rec_at recs[64];
	trace_load(&t, re->name);
	for (int d = 0; d < 2; d++) {
		size_t nrec = records_of(&t, d, recs, 64);
		ck_assert_uint_gt(nrec, 0);
		for (size_t k = 0; k < nrec; k++) {
			size_t deltas[5] = { 0, 1, 3, 5, 5 + recs[k].len / 2 };
			for (int di = 0; di < 5; di++) {
				struct trace u;
				struct result r;
				char where[96];
				size_t at = recs[k].off + deltas[di];
				if (di == 4 && recs[k].len < 2)
					continue;
				trace_load(&u, re->name);
				ck_assert_uint_le(at, u.s[recs[k].seg].n); /* records do not straddle segments here */
				if (at == 0) {
					trace_drop_from(&u, recs[k].seg);
				} else {
					struct seg *s = &u.s[recs[k].seg];
					s->n = s->keep = at;
					s->flags &= (uint8_t)~TCP_FIN;
					trace_drop_from(&u, recs[k].seg + 1);
				}
				trace_renumber(&u);
				trace_write(&u);
				/* --port: a few bytes are too few to tell TLS by (see the no-port case below). */
				decode(&r, u.port[1]);
				snprintf(where, sizeof where, "%s record %zu +%zu", d ? "server" : "client", k, deltas[di]);
				if (d == 0 && k == 0 && at == 0) { /* not one byte of TLS */
					assert_no_data(&r);
					result_free(&r);
					trace_free(&u);
					continue;
				}
				assert_cut(&r, re, &t, recs[k].seg, at, where);
				ck_assert(!r.st.truncated);
				if (deltas[di] == 0)
					ck_assert_msg(!conn_note(&r, 0, "truncated", "ended inside"), "%s: a note", where);
				else
					ck_assert_msg(conn_note(&r, 0, "truncated", "the stream ended inside") != NULL,
						      "%s: no 'ended inside' note", where);
				result_free(&r);
				trace_free(&u);
			}
		}
	}
	trace_free(&t);
}
END_TEST

/* One packet cut by the snaplen at each record boundary; the packets after it are whole. */
START_TEST(snaplen_cut_packet)
{
	const struct real *re = &reals[_i];
	struct trace t;
	struct rec_at recs[64];
	trace_load(&t, re->name);
	for (int d = 0; d < 2; d++) {
		size_t nrec = records_of(&t, d, recs, 64);
		for (size_t k = 0; k < nrec; k++) {
			struct trace u;
			struct result r;
			trace_load(&u, re->name);
			u.s[recs[k].seg].keep = recs[k].off + 1;
			trace_renumber(&u);
			trace_write(&u);
			decode(&r, u.port[1]);
			ck_assert_int_eq(r.rc, ERR_NONE);
			ck_assert_uint_eq(r.st.payload_cut, 1);
			ck_assert(capture_note(&r, "1 TCP segments were cut by the capture's snaplen"));
			ck_assert_uint_eq(jv_len(r.conns), 1);
			ck_assert_ptr_null(conn_note(&r, 0, "malformed", ""));
			ck_assert(conn_note(&r, 0, "truncated", "snaplen") != NULL ||
				  conn_note(&r, 0, "truncated", "inside an encrypted record") != NULL);
			/*
			 * A cut never makes a failure: a complete handshake stays one or
			 * becomes incomplete; the alert 40 stays (it was sent) unless its
			 * own frame is cut.
			 */
			if (strcmp(re->outcome, "failed") != 0 || recs[k].seg + 1 == re->decided)
				ck_assert_str_ne(outcome(&r, 0), "failed");
			result_free(&r);
			trace_free(&u);
		}
	}
	trace_free(&t);
}
END_TEST

/* tcpdump -s 96 and -s 60: every big packet cut; too short for the TCP header. */
START_TEST(snaplen_whole_capture)
{
	const struct real *re = &reals[_i];
	struct trace t;
	struct result r;
	size_t big = 0;
	trace_load(&t, re->name);
	for (size_t i = 0; i < t.n; i++) {
		t.s[i].keep = t.s[i].n < 42 ? t.s[i].n : 42; /* 54 + 42 = 96 bytes a frame */
		big += t.s[i].n > 42;
	}
	trace_renumber(&t);
	trace_write(&t);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_uint_eq(r.st.payload_cut, big);
	ck_assert(capture_note(&r, "capture with a larger snaplen"));
	ck_assert_uint_eq(jv_len(r.conns), 1);
	ck_assert_ptr_null(conn_note(&r, 0, "malformed", ""));
	if (strcmp(re->outcome, "failed") == 0) {
		/* The server's 7-byte alert is whole: it was sent, whatever else was cut. */
		ck_assert_str_eq(outcome(&r, 0), "failed");
		ck_assert_uint_eq(n_alerts(&r, 0), 1);
		ck_assert_int_eq(jv_intval(jv_get(jv_at(jv_get(conn(&r, 0), "alerts"), 0), "description")), 40);
	} else {
		ck_assert_str_eq(outcome(&r, 0), "incomplete");
		ck_assert_str_eq(diag(&r, 0), "capture_truncated");
	}
	result_free(&r);
	trace_free(&t);

	/* 60 bytes: not even the TCP header. */
	trace_load(&t, re->name);
	FILE *f = cb_pcap_open(path, CB_LINKTYPE_EN10MB, 60);
	for (size_t i = 0; i < t.n; i++) {
		uint8_t fr[20100];
		size_t caplen, len = frame_of(&t, &t.s[i], fr, sizeof fr, &caplen);
		cb_pcap_frame(f, t.s[i].sec, t.s[i].usec, fr, 50, len);
	}
	fclose(f);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_uint_eq(r.st.header_cut, t.n);
	ck_assert_uint_eq(jv_len(r.conns), 0);
	ck_assert(capture_note(&r, "were cut by the snaplen before their TCP header"));
	ck_assert(capture_note(&r, "no TLS connection found"));
	result_free(&r);
	trace_free(&t);
}
END_TEST

/* Sets the length of the first record of the client (its ClientHello). */
static void set_first_record_len(struct trace *t, uint16_t len)
{
	struct rec_at rec;
	ck_assert_uint_eq(records_of(t, 0, &rec, 1), 1);
	t->s[rec.seg].p[rec.off + 3] = (uint8_t)(len >> 8);
	t->s[rec.seg].p[rec.off + 4] = (uint8_t)len;
}

/* A record length over 2^14+2048 is the peer's garbage: MALFORMED, and the direction's framing is gone. */
START_TEST(bogus_record_length)
{
	const struct real *re = &reals[_i];
	struct trace t;
	struct result r;
	trace_load(&t, re->name);
	set_first_record_len(&t, 0xffff);
	trace_write(&t);
	/* Found by content, the connection is not TLS at all: ignored, with a note. */
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_uint_eq(jv_len(r.conns), 0);
	ck_assert(capture_note(&r, "1 TCP connections without TLS were ignored"));
	result_free(&r);
	/* Taken as TLS by --port: the peer's garbage. */
	decode(&r, t.port[1]);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_str_eq(conn_note(&r, 0, "malformed", "record_overflow"),
			 "record_overflow: a record of 65535 bytes exceeds 2^14+2048 (RFC 5246 6.2.3)");
	ck_assert_ptr_null(conn_note(&r, 0, "truncated", ""));
	ck_assert_str_eq(outcome(&r, 0), strcmp(re->outcome, "failed") == 0 ? "failed" : "malformed");
	result_free(&r);
	trace_free(&t);

	/* One byte short: the next "header" is the ClientHello's last byte and what follows. */
	trace_load(&t, re->name);
	struct rec_at rec;
	records_of(&t, 0, &rec, 1);
	set_first_record_len(&t, (uint16_t)(rec.len - 1));
	trace_write(&t);
	decode(&r, t.port[1]);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_ptr_nonnull(conn_note(&r, 0, "malformed", ""));
	ck_assert_str_ne(outcome(&r, 0), "handshake_complete");
	result_free(&r);
	trace_free(&t);
}
END_TEST

/* The ClientHello's handshake length lies: too long for its record, too short for its body. */
START_TEST(bogus_handshake_length)
{
	const struct real *re = &reals[_i];
	struct rec_at rec;
	for (int k = 0; k < 3; k++) {
		static const int32_t delta[3] = { -1, 1, 0x10000 };
		struct trace t;
		struct result r;
		trace_load(&t, re->name);
		records_of(&t, 0, &rec, 1);
		uint8_t *h = t.s[rec.seg].p + rec.off + 5;
		ck_assert_uint_eq(h[0], 1);
		uint32_t len = (uint32_t)((int32_t)((uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3]) + delta[k]);
		h[1] = (uint8_t)(len >> 16);
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		trace_write(&t);
		decode(&r, 0);
		ck_assert_int_eq(r.rc, ERR_NONE);
		ck_assert_uint_eq(jv_len(r.conns), 1);
		/* Too short: the ClientHello decoder's complaint; too long: the client closed inside it. */
		static const char fin[] = "the connection was closed (FIN) inside a ", ch[] = "ClientHello: ";
		const char *note = conn_note(&r, 0, "malformed", "");
		ck_assert_msg(note && (strncmp(note, ch, strlen(ch)) == 0 ||
				       (delta[k] > 0 && strncmp(note, fin, strlen(fin)) == 0)),
			      "%s delta %d: note '%s'", re->name, delta[k], note ? note : "(none)");
		/* The handshake on the wire went on as it did (the change is ours, not the peers'). */
		ck_assert_str_eq(outcome(&r, 0), re->outcome);
		result_free(&r);
		trace_free(&t);
	}
}
END_TEST

/* A zero-length handshake record before the ClientHello is MALFORMED (RFC 5246 6.2.1); an empty application-data record is not. */
START_TEST(zero_length_records)
{
	const struct real *re = &reals[_i];
	static const uint8_t empty_hs[] = { 0x16, 0x03, 0x01, 0x00, 0x00 };
	static const uint8_t empty_app[] = { 0x17, 0x03, 0x03, 0x00, 0x00 };
	struct trace t;
	struct result r;
	struct rec_at rec;
	trace_load(&t, re->name);
	records_of(&t, 0, &rec, 1);
	seg_splice(&t.s[rec.seg], rec.off, 0, empty_hs, sizeof empty_hs);
	trace_renumber(&t);
	trace_write(&t);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_str_eq(conn_note(&r, 0, "malformed", "zero-length"), "zero-length handshake record (RFC 5246 6.2.1)");
	ck_assert_str_eq(outcome(&r, 0), strcmp(re->outcome, "failed") == 0 ? "failed" : re->outcome);
	result_free(&r);
	trace_free(&t);

	/* After the handshake (the last client record), an empty application-data record. */
	struct rec_at recs[64];
	trace_load(&t, re->name);
	size_t n = records_of(&t, 0, recs, 64);
	seg_splice(&t.s[recs[n - 1].seg], recs[n - 1].off, 0, empty_app, sizeof empty_app);
	trace_renumber(&t);
	trace_write(&t);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_str_eq(outcome(&r, 0), re->outcome);
	ck_assert_str_eq(diag(&r, 0), re->diag);
	ck_assert_ptr_null(conn_note(&r, 0, "malformed", ""));
	result_free(&r);
	trace_free(&t);
}
END_TEST

/*
 * Records at and past 2^14: a ciphertext may be up to 2^14+2048 bytes
 * (RFC 5246 6.2.3); one byte more is record_overflow.  Sent by the client
 * after its last record, in segments of 1400 bytes.
 */
static void big_record(struct trace *t, uint16_t len)
{
	struct rec_at recs[64];
	size_t n = records_of(t, 0, recs, 64);
	size_t at = recs[n - 1].seg + 1; /* after the segment of the client's last record */
	uint8_t *rec = calloc(1, 5u + len);
	ck_assert_ptr_nonnull(rec);
	rec[0] = 0x17;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (uint8_t)(len >> 8);
	rec[4] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		rec[5 + i] = (uint8_t)(i * 7 + 1);
	for (size_t off = 0; off < 5u + len; off += 1400) {
		struct seg s = t->s[recs[n - 1].seg];
		s.flags = TCP_ACK;
		s.p = rec + off;
		s.n = s.keep = 5u + len - off < 1400 ? 5u + len - off : 1400;
		trace_insert(t, at++, &s);
	}
	free(rec);
	trace_renumber(t);
}

START_TEST(records_past_2_14)
{
	const struct real *re = &reals[_i];
	static const uint16_t ok_lens[] = { 16384, 16385, 18432 };
	struct trace t;
	struct result r;
	for (size_t k = 0; k < 3; k++) {
		trace_load(&t, re->name);
		big_record(&t, ok_lens[k]);
		trace_write(&t);
		decode(&r, 0);
		ck_assert_int_eq(r.rc, ERR_NONE);
		ck_assert_ptr_null(conn_note(&r, 0, "malformed", ""));
		if (strcmp(re->outcome, "handshake_complete") == 0) {
			ck_assert_str_eq(outcome(&r, 0), re->outcome);
			const struct jv *app = jv_get(jv_get(conn(&r, 0), "application_data"), "client");
			ck_assert_int_ge(jv_intval(jv_get(app, "bytes")), ok_lens[k]);
		}
		result_free(&r);
		trace_free(&t);
	}
	trace_load(&t, re->name);
	big_record(&t, 18433);
	trace_write(&t);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_str_eq(conn_note(&r, 0, "malformed", "record_overflow"),
			 "record_overflow: a record of 18433 bytes exceeds 2^14+2048 (RFC 5246 6.2.3)");
	ck_assert_ptr_null(conn_note(&r, 0, "truncated", ""));
	result_free(&r);
	trace_free(&t);
}
END_TEST

/* A plaintext handshake record over 2^14 (RFC 5246 6.2.1) - the ClientHello padded. */
START_TEST(plaintext_record_past_2_14)
{
	const struct real *re = &reals[_i];
	struct trace t;
	struct result r;
	struct rec_at rec;
	uint8_t *pad = calloc(1, 16385);
	ck_assert_ptr_nonnull(pad);
	trace_load(&t, re->name);
	records_of(&t, 0, &rec, 1);
	size_t len = rec.len + 16385 - rec.len; /* the record becomes 16385 bytes */
	seg_splice(&t.s[rec.seg], rec.off + 5 + rec.len, 0, pad, 16385 - rec.len);
	set_first_record_len(&t, (uint16_t)len);
	trace_renumber(&t);
	trace_write(&t);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_ptr_nonnull(conn_note(&r, 0, "malformed", "16385"));
	ck_assert_ptr_null(conn_note(&r, 0, "truncated", ""));
	ck_assert_str_eq(outcome(&r, 0), re->outcome);
	free(pad);
	result_free(&r);
	trace_free(&t);
}
END_TEST

/* The three real connections in one file, their frames interleaved: each as alone. */
START_TEST(interleaved_connections)
{
	struct trace t[N_REALS], *tp[N_REALS];
	struct result r;
	for (size_t i = 0; i < N_REALS; i++) {
		trace_load(&t[i], reals[i].name);
		t[i].port[0] = (uint16_t)(40000 + i); /* distinct 4-tuples whatever the captures used */
		trace_renumber(&t[i]);
		tp[i] = &t[i];
	}
	for (int ng = 0; ng < 2; ng++) {
		traces_write(tp, N_REALS, ng);
		decode(&r, 0);
		ck_assert_int_eq(r.rc, ERR_NONE);
		ck_assert_uint_eq(jv_len(r.conns), N_REALS);
		ck_assert_uint_eq(r.st.flows.open_max, N_REALS);
		for (size_t i = 0; i < N_REALS; i++) {
			const char *client = jv_str(jv_get(conn(&r, i), "client"));
			char want[64];
			for (size_t j = 0; j < N_REALS; j++) {
				snprintf(want, sizeof want, "127.0.0.1:%u", 40000 + (unsigned)j);
				if (strcmp(client, want) == 0) {
					ck_assert_str_eq(outcome(&r, i), reals[j].outcome);
					ck_assert_str_eq(diag(&r, i), reals[j].diag);
				}
			}
			ck_assert_ptr_null(conn_note(&r, i, NULL, ""));
		}
		result_free(&r);
	}
	for (size_t i = 0; i < N_REALS; i++)
		trace_free(&t[i]);
}
END_TEST

/* Each data segment split in two halves sent second half first; then every segment twice. */
START_TEST(out_of_order_and_duplicated_segments)
{
	const struct real *re = &reals[_i];
	struct trace t;
	struct result r;
	trace_load(&t, re->name);
	for (size_t i = 0; i < t.n; i++) {
		if (t.s[i].n < 2 || (t.s[i].flags & TCP_FIN))
			continue;
		struct seg *a = &t.s[i];
		size_t half = a->n / 2;
		struct seg b = *a;
		b.p = a->p + half;
		b.n = b.keep = a->n - half;
		trace_insert(&t, i + 1, &b);
		a = &t.s[i];
		a->n = a->keep = half;
		i++;
	}
	trace_renumber(&t);
	for (size_t i = 0; i + 1 < t.n; i++) {
		if (t.s[i].n && t.s[i + 1].n && t.s[i].dir == t.s[i + 1].dir) {
			struct seg x = t.s[i];
			t.s[i] = t.s[i + 1];
			t.s[i + 1] = x;
			i++;
		}
	}
	trace_write(&t);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_str_eq(outcome(&r, 0), re->outcome);
	ck_assert_str_eq(diag(&r, 0), re->diag);
	ck_assert_ptr_null(conn_note(&r, 0, NULL, ""));
	ck_assert_uint_eq(r.st.flows.gaps, 0);
	result_free(&r);

	/* Every segment twice (a retransmission of each): the same; copies that differ are noted. */
	for (size_t i = 0; i < t.n; i += 2)
		trace_insert(&t, i + 1, &t.s[i]);
	trace_write(&t);
	decode(&r, 0);
	ck_assert_str_eq(outcome(&r, 0), re->outcome);
	ck_assert_str_eq(diag(&r, 0), re->diag);
	ck_assert_uint_eq(r.st.flows.conflicts, 0);
	result_free(&r);
	for (size_t i = 1; i < t.n; i += 2)
		if (t.s[i].n)
			t.s[i].p[0] ^= 0xff;
	trace_write(&t);
	decode(&r, 0);
	ck_assert_str_eq(outcome(&r, 0), re->outcome);
	ck_assert_uint_gt(r.st.flows.conflicts, 0);
	ck_assert(capture_note(&r, "retransmissions carried bytes that differ from the first copy"));
	result_free(&r);
	trace_free(&t);
}
END_TEST

/* pcapng with blocks libpcap does not know (custom, reserved, NRB, ISB): skipped, the same result. */
START_TEST(pcapng_unknown_blocks)
{
	const struct real *re = &reals[_i];
	static const uint8_t body[] = "tlsdiag: a block nobody knows";
	struct trace t;
	struct result r;
	trace_load(&t, re->name);
	FILE *f = cb_pcapng_open(path, CB_LINKTYPE_EN10MB, 262144);
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < t.n; i++) {
		uint8_t fr[20100];
		size_t caplen, len = frame_of(&t, &t.s[i], fr, sizeof fr, &caplen);
		static const uint32_t types[] = { 0x00000bad, 0x40000bad, 0x80000bad, 4, 5 };
		uint8_t nrb[4] = { 0, 0, 0, 0 }; /* an empty name-resolution list: nrb_record_end */
		uint32_t type = types[i % 5];
		if (type == 4)
			cb_pcapng_block(f, type, nrb, sizeof nrb);
		else if (type != 5)
			cb_pcapng_block(f, type, body, sizeof body - 1);
		cb_pcapng_frame(f, t.s[i].sec, t.s[i].usec, fr, caplen, len);
	}
	fclose(f);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_uint_eq(r.st.frames, t.n);
	ck_assert_str_eq(outcome(&r, 0), re->outcome);
	ck_assert_str_eq(diag(&r, 0), re->diag);
	ck_assert_uint_eq(jv_len(r.notes), 0);
	result_free(&r);
	trace_free(&t);
}
END_TEST

/* A pcapng block whose length lies: decoded up to it, then "capture truncated". */
START_TEST(pcapng_bogus_block_length)
{
	struct trace t;
	struct result r;
	trace_load(&t, "alert40");
	FILE *f = cb_pcapng_open(path, CB_LINKTYPE_EN10MB, 262144);
	for (size_t i = 0; i < t.n; i++) {
		uint8_t fr[20100];
		size_t caplen, len = frame_of(&t, &t.s[i], fr, sizeof fr, &caplen);
		cb_pcapng_frame(f, t.s[i].sec, t.s[i].usec, fr, caplen, len);
	}
	uint32_t bad[3] = { 0x00000bad, 0x7ffffff0, 0 };
	fwrite(bad, sizeof bad, 1, f);
	fclose(f);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_uint_eq(r.st.frames, t.n);
	ck_assert(r.st.truncated);
	ck_assert(capture_note(&r, "capture truncated after frame"));
	ck_assert_str_eq(outcome(&r, 0), "failed");
	ck_assert_str_eq(diag(&r, 0), "no_shared_cipher");
	result_free(&r);
	trace_free(&t);
}
END_TEST

/* Files that are not captures: ERR_INPUT (exit 2) and one line saying why, no report. */
struct not_capture {
	const char *name;
	const uint8_t *bytes;
	size_t n;
	const char *why;
};

START_TEST(not_a_capture)
{
	static const uint8_t text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0 };
	static const uint8_t gzip[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
	static const uint8_t pcap_head_cut[] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0 };
	static const uint8_t pcapng_shb_cut[] = { 0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a };
	static const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00 };
	static const struct not_capture cases[] = {
		{ "text", text, sizeof text - 1, "not a pcap or pcapng capture" },
		{ "elf", elf, sizeof elf, "not a pcap or pcapng capture" },
		{ "gzip", gzip, sizeof gzip, "not a pcap or pcapng capture" },
		{ "raw TLS bytes", tls, sizeof tls, "not a pcap or pcapng capture" },
		{ "pcap header cut", pcap_head_cut, sizeof pcap_head_cut, "truncated" },
		{ "pcapng header cut", pcapng_shb_cut, sizeof pcapng_shb_cut, "truncated" },
		{ "empty", text, 0, "is empty, not a capture file" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct result r;
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		fwrite(cases[i].bytes, 1, cases[i].n, f);
		fclose(f);
		decode(&r, 0);
		ck_assert_msg(r.rc == ERR_INPUT, "%s: rc %d", cases[i].name, r.rc);
		ck_assert_msg(strstr(r.err, cases[i].why) != NULL, "%s: '%s'", cases[i].name, r.err);
		ck_assert_ptr_null(strchr(r.err, '\n'));
		ck_assert_uint_eq(jv_len(r.conns), 0);
		result_free(&r);
	}
	struct result r;
	snprintf(path, sizeof path, "%s", dir);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_INPUT);
	ck_assert_ptr_nonnull(strstr(r.err, "is a directory, not a capture file"));
	result_free(&r);
	snprintf(path, sizeof path, "%s/m.pcap", dir);
}
END_TEST

/* A pcap header and no frames is a capture: 0, with a note. */
START_TEST(no_frames)
{
	struct result r;
	FILE *f = cb_pcap_open(path, CB_LINKTYPE_EN10MB, 65535);
	fclose(f);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_uint_eq(jv_len(r.conns), 0);
	ck_assert(capture_note(&r, "no TLS connection found in 0 frames"));
	result_free(&r);
}
END_TEST

/* 'tlsdiag decode' exit status over the classes: 0 for anything decodable, 2 for a non-capture. */
static int cmd(const char *file)
{
	char *argv[] = { "decode", (char *)file, "--format", "json", NULL };
	fflush(stdout);
	fflush(stderr);
	int out = dup(STDOUT_FILENO), err = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
	ck_assert(out >= 0 && err >= 0 && null >= 0);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	int rc = cmd_decode(4, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	close(out);
	close(err);
	close(null);
	return rc;
}

START_TEST(command_exit_status)
{
	struct trace t;
	trace_load(&t, "ok_tls12");
	set_first_record_len(&t, 0xffff);
	trace_write(&t);
	ck_assert_int_eq(cmd(path), 0); /* malformed TLS: decoded, exit 0 */
	FILE *f = fopen(path, "wb");
	fwrite(t.file, 1, t.file_len - 3, f);
	fclose(f);
	ck_assert_int_eq(cmd(path), 0); /* cut file: decoded as far as it goes */
	f = fopen(path, "wb");
	fputs("hello", f);
	fclose(f);
	ck_assert_int_eq(cmd(path), 2); /* not a capture */
	trace_free(&t);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Regressions found by the fuzzers (tests/fuzz), named after the bug */

/*
 * flow-tail-conn-leak (fuzz_capture): with --port, a connection seen only
 * by its closing FINs (no SYN, no payload) got a tls_conn from the FIN that
 * was never freed: it is a "tail", not reported.
 */
START_TEST(regress_flow_tail_conn_leak)
{
	struct result r;
	FILE *f = cb_pcap_open(path, CB_LINKTYPE_EN10MB, 65535);
	struct cb_seg a = { 4, "127.0.0.1", "127.0.0.1", 50000, 443, 1000, 1, TCP_FIN | TCP_ACK, NULL, 0 };
	struct cb_seg b = { 4, "127.0.0.1", "127.0.0.1", 443, 50000, 2000, 1001, TCP_FIN | TCP_ACK, NULL, 0 };
	cb_pcap_seg(f, 1700000000, &a);
	cb_pcap_seg(f, 1700000000, &b);
	fclose(f);
	decode(&r, 443);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_uint_eq(jv_len(r.conns), 0);
	ck_assert_uint_eq(r.st.flows.tails, 1);
	result_free(&r); /* LeakSanitizer / valgrind: nothing left */
}
END_TEST

/*
 * rel-time-overflow-ubsan (fuzz_decode_file): pcapng timestamps are 64-bit;
 * two frames 1.7e13 s apart overflowed the microsecond difference
 * (signed overflow, UB).  The time is now printed from seconds and
 * microseconds apart.
 */
START_TEST(regress_rel_time_overflow)
{
	struct trace t;
	struct result r;
	trace_load(&t, "alert40");
	FILE *f = cb_pcapng_open(path, CB_LINKTYPE_EN10MB, 262144);
	for (size_t i = 0; i < t.n; i++) {
		uint8_t fr[20100], body[20 + 20100];
		size_t caplen, len = frame_of(&t, &t.s[i], fr, sizeof fr, &caplen);
		/* Frame 6 (the alert) 17654110539292 s after the others. */
		uint64_t ts = (uint64_t)t.s[i].sec * 1000000 + t.s[i].usec + (i == 5 ? 17654110539292ULL * 1000000 : 0);
		uint32_t v[5] = { 0, (uint32_t)(ts >> 32), (uint32_t)ts, (uint32_t)caplen, (uint32_t)len };
		memcpy(body, v, sizeof v);
		memcpy(body + 20, fr, caplen);
		cb_pcapng_block(f, 6, body, 20 + caplen);
	}
	fclose(f);
	decode(&r, 0);
	ck_assert_int_eq(r.rc, ERR_NONE);
	ck_assert_str_eq(outcome(&r, 0), "failed");
	const struct jv *msgs = jv_get(conn(&r, 0), "messages");
	ck_assert_uint_eq(jv_len(msgs), 2);
	const char *time = jv_str(jv_get(jv_at(msgs, 1), "time"));
	ck_assert_ptr_nonnull(time);
	ck_assert_int_eq(strncmp(time, "17654110539292.", 15), 0);
	result_free(&r);
	trace_free(&t);
}
END_TEST

static void setup(void)
{
	snprintf(path, sizeof path, "%s/m.pcap", dir);
}

static void teardown(void)
{
	unlink(path);
}

static Suite *malformed_suite(void)
{
	Suite *s = suite_create("malformed");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120); /* valgrind */
	tcase_add_loop_test(tc, real_captures_decode, 0, N_REALS);
	tcase_add_loop_test(tc, file_cut_mid_frame, 0, N_REALS);
	tcase_add_loop_test(tc, stream_cut_at_every_record_boundary_and_mid_record, 0, N_REALS);
	tcase_add_loop_test(tc, snaplen_cut_packet, 0, N_REALS);
	tcase_add_loop_test(tc, snaplen_whole_capture, 0, N_REALS);
	tcase_add_loop_test(tc, bogus_record_length, 0, N_REALS);
	tcase_add_loop_test(tc, bogus_handshake_length, 0, N_REALS);
	tcase_add_loop_test(tc, zero_length_records, 0, N_REALS);
	tcase_add_loop_test(tc, records_past_2_14, 1, N_REALS); /* after a handshake */
	tcase_add_loop_test(tc, plaintext_record_past_2_14, 0, N_REALS);
	tcase_add_test(tc, interleaved_connections);
	tcase_add_loop_test(tc, out_of_order_and_duplicated_segments, 0, N_REALS);
	tcase_add_loop_test(tc, pcapng_unknown_blocks, 0, N_REALS);
	tcase_add_test(tc, pcapng_bogus_block_length);
	tcase_add_test(tc, not_a_capture);
	tcase_add_test(tc, no_frames);
	tcase_add_test(tc, command_exit_status);
	tcase_add_test(tc, regress_flow_tail_conn_leak);
	tcase_add_test(tc, regress_rel_time_overflow);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (cs_tmpdir(dir, sizeof dir) < 0) {
		perror("test_malformed: mkdtemp");
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(malformed_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	cs_rmtree(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
