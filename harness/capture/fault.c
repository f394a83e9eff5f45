/*
 * fault.c - network fault specs and where they cut a connection (see fault.h).
 *
 * How this works.  fault_parse() reads a comma-separated spec against
 * fixed vocabularies (nothing in it is executed or used as a path).  Per
 * connection, a fault_state follows each direction's TLS framing as the
 * relay reads it, byte by byte through the cursor: the 5-byte record
 * header (RFC 8446 section 5.1, RFC 5246 section 6.2.1), then in handshake
 * records the 4-byte message headers (type, u24 length), across record
 * boundaries.  A message "ends" when its last byte has been read; after a
 * side's ChangeCipherSpec its next handshake record is its (encrypted)
 * Finished, so only TLS 1.2 and earlier show messages after the
 * ServerHello: TLS 1.3 encrypts them (byte counts and application_data
 * still work there).  Bytes that are not TLS records stop the following
 * (byte counts and hex patterns go on).  Each trigger gives the stream
 * offset where it cuts; the earliest in a chunk wins and only the first
 * trigger of a connection fires.
 */
#include "harness/capture/fault.h"

#include "harness/core/cursor.h"
#include "harness/core/tok.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_HDR 5
#define HS_HDR 4
#define TLS_MAX_RECORD (16384 + 2048) /* RFC 5246 section 6.2.3 */
#define LATENCY_MAX_MS 600000L
#define BPS_MIN 8u
#define BPS_MAX 10000000000ull

static const struct tok fault_kind_names[] = {
	{ FAULT_RESET, "reset" },
	{ FAULT_CLOSE, "close" },
	{ FAULT_STALL, "stall" },
	{ FAULT_DROP, "drop" },
	{ FAULT_LATENCY, "latency" },
	{ FAULT_BANDWIDTH, "bandwidth" },
	{ FAULT_SEGMENTS, "segments" },
	{ FAULT_SLOW_CLOSE, "slow-close" },
	{ 0, NULL },
};

/* The handshake messages a point may name (RFC 8446 section 4, RFC 5246 section 7.4). */
static const struct tok fault_msg_names[] = {
	{ 1, "client_hello" },
	{ 2, "server_hello" },
	{ 4, "new_session_ticket" },
	{ 11, "certificate" },
	{ 12, "server_key_exchange" },
	{ 13, "certificate_request" },
	{ 14, "server_hello_done" },
	{ 15, "certificate_verify" },
	{ 16, "client_key_exchange" },
	{ 20, "finished" },
	{ 22, "certificate_status" },
	{ FAULT_MSG_CCS, "change_cipher_spec" },
	{ FAULT_MSG_APPDATA, "application_data" },
	{ 0, NULL },
};

/* Who sends a message: the one side that can, else FAULT_EITHER (the first seen). */
static const struct tok fault_msg_client[] = {
	{ 1, "client_hello" },
	{ 15, "certificate_verify" },
	{ 16, "client_key_exchange" },
	{ 0, NULL },
};
static const struct tok fault_msg_server[] = {
	{ 2, "server_hello" },	      { 4, "new_session_ticket" },  { 12, "server_key_exchange" },
	{ 13, "certificate_request" }, { 14, "server_hello_done" }, { 22, "certificate_status" },
	{ 0, NULL },
};

const char *fault_kind_name(enum fault_kind k)
{
	const char *s = tok_name(fault_kind_names, k);

	return s ? s : "unknown";
}

/* ---- parsing ---- */

/* A plain decimal number in [lo, hi] taking all of s[0..n). */
static int num_parse(const char *s, size_t n, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* How many digits s starts with. */
static size_t digits_len(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* A number with a unit suffix, scaled, in [lo, hi]. */
struct unit {
	const char *suffix;
	uint64_t scale;
};
static const struct unit dur_units[] = { { "ms", 1 }, { "s", 1000 }, { NULL, 0 } };
static const struct unit rate_units[] = { { "bps", 1 }, { "kbps", 1000 }, { "mbps", 1000000 }, { "Mbps", 1000000 },
					  { NULL, 0 } };

static int unit_parse(const char *s, const struct unit *u, uint64_t lo, uint64_t hi, uint64_t *out)
{
	size_t n = digits_len(s);
	uint64_t v;

	while (u->suffix && strcmp(s + n, u->suffix) != 0)
		u++;
	if (!u->suffix || num_parse(s, n, 1, hi, &v) != 0 || v > hi / u->scale || v * u->scale < lo)
		return -1;
	*out = v * u->scale;
	return 0;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex_parse(const char *s, struct fault *f)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 != 0 || n / 2 > FAULT_PATTERN_MAX)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_val(s[i]), lo = hex_val(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		f->pat[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	f->patlen = n / 2;
	return 0;
}

/* Cuts "@client" / "@server" off arg (in place).  0, or -1 for another side name. */
static int side_parse(char *arg, enum fault_side *side)
{
	char *at = strrchr(arg, '@');

	*side = FAULT_EITHER;
	if (!at)
		return 0;
	if (strcmp(at + 1, "client") == 0)
		*side = FAULT_CLIENT;
	else if (strcmp(at + 1, "server") == 0)
		*side = FAULT_SERVER;
	else
		return -1;
	*at = '\0';
	return 0;
}

static int point_parse(char *arg, struct fault *f, char *why, size_t whylen)
{
	unsigned v;

	if (side_parse(arg, &f->side) != 0) {
		snprintf(why, whylen, "a side is @client or @server");
		return -1;
	}
	if (f->on) {
		if (strcmp(arg, "sslv3-hello") == 0 && f->side != FAULT_SERVER) {
			f->point = POINT_SSLV3_HELLO;
			f->side = FAULT_CLIENT;
			return 0;
		}
		if (strncmp(arg, "hex:", 4) == 0 && hex_parse(arg + 4, f) == 0) {
			f->point = POINT_HEX;
			if (f->side == FAULT_EITHER)
				f->side = FAULT_CLIENT;
			return 0;
		}
		snprintf(why, whylen, "a pattern is sslv3-hello or hex:BYTES (1 to %d bytes, e.g. hex:160300)[@client|@server]",
			 FAULT_PATTERN_MAX);
		return -1;
	}
	if (strcmp(arg, "connect") == 0 && f->side == FAULT_EITHER) {
		f->point = POINT_CONNECT;
		return 0;
	}
	if (isdigit((unsigned char)arg[0])) {
		if (num_parse(arg, strlen(arg), 1, UINT32_MAX, &f->n) != 0) {
			snprintf(why, whylen, "a byte count is 1 to %u", (unsigned)UINT32_MAX);
			return -1;
		}
		f->point = POINT_BYTES;
		if (f->side == FAULT_EITHER)
			f->side = FAULT_SERVER;
		return 0;
	}
	if (tok_value(fault_msg_names, arg, &v) != 0) {
		snprintf(why, whylen,
			 "a point is connect, a byte count N[@client|@server], or a message: client_hello, "
			 "server_hello, certificate, server_key_exchange, server_hello_done, finished, ... (docs/capture.md)");
		return -1;
	}
	enum fault_side only = tok_name(fault_msg_client, v) ? FAULT_CLIENT
			       : tok_name(fault_msg_server, v) ? FAULT_SERVER
							       : FAULT_EITHER;
	if (only != FAULT_EITHER && f->side != FAULT_EITHER && f->side != only) {
		snprintf(why, whylen, "only the %s sends %s", only == FAULT_CLIENT ? "client" : "server", arg);
		return -1;
	}
	if (f->side == FAULT_EITHER)
		f->side = only;
	f->point = POINT_MESSAGE;
	f->msg = v;
	return 0;
}

/* A shaping fault's value: "300ms", "2kbps", "16" with an optional side. */
static int shape_parse(char *arg, struct fault *f, char *why, size_t whylen)
{
	int rc = -1;

	if (side_parse(arg, &f->side) != 0) {
		snprintf(why, whylen, "a side is @client or @server");
		return -1;
	}
	switch (f->kind) {
	case FAULT_LATENCY:
	case FAULT_SLOW_CLOSE:
		rc = unit_parse(arg, dur_units, 1, LATENCY_MAX_MS, &f->n); /* "300ms", "2s" */
		if (rc)
			snprintf(why, whylen, "a duration is Nms or Ns, 1 ms to %ld s", LATENCY_MAX_MS / 1000);
		break;
	case FAULT_BANDWIDTH:
		rc = unit_parse(arg, rate_units, BPS_MIN, BPS_MAX, &f->n); /* "2kbps": bits per second */
		if (rc)
			snprintf(why, whylen, "a rate is Nbps, Nkbps or Nmbps (bits per second), 8 bps to 10 Gbps");
		break;
	case FAULT_SEGMENTS:
		rc = num_parse(arg, strlen(arg), 1, 65535, &f->n);
		if (rc)
			snprintf(why, whylen, "segments is the largest segment in bytes, 1 to 65535");
		break;
	case FAULT_RESET:
	case FAULT_CLOSE:
	case FAULT_STALL:
	case FAULT_DROP:
	default:
		snprintf(why, whylen, "internal: not a shaping fault");
		break;
	}
	return rc;
}

static int one_parse(const char *item, struct fault *f, char *why, size_t whylen)
{
	char buf[sizeof f->text], *colon, *dash;
	unsigned v;

	size_t len = strlen(item);

	memset(f, 0, sizeof *f);
	if (len >= sizeof buf) {
		snprintf(why, whylen, "longer than %zu characters", sizeof buf - 1);
		return -1;
	}
	memcpy(buf, item, len + 1);
	colon = strchr(buf, ':');
	if (!colon) {
		snprintf(why, whylen, "expected NAME:VALUE (reset-after:client_hello, latency:300ms, ...)");
		return -1;
	}
	*colon = '\0';
	dash = strrchr(buf, '-');
	if (dash && (strcmp(dash, "-after") == 0 || strcmp(dash, "-on") == 0)) {
		f->on = dash[1] == 'o';
		*dash = '\0';
		if (tok_value(fault_kind_names, buf, &v) != 0 || v > FAULT_DROP) {
			snprintf(why, whylen, "the action is reset, close, stall or drop");
			return -1;
		}
		f->kind = (enum fault_kind)v;
		return point_parse(colon + 1, f, why, whylen);
	}
	if (tok_value(fault_kind_names, buf, &v) != 0 || v < FAULT_LATENCY) {
		snprintf(why, whylen, "unknown fault '%.40s' (reset-, close-, stall-, drop-after:POINT or -on:PATTERN; "
				      "latency, bandwidth, segments, slow-close)", buf);
		return -1;
	}
	f->kind = (enum fault_kind)v;
	return shape_parse(colon + 1, f, why, whylen);
}

/* Two shaping faults of one kind on one direction would leave which applies unsaid. */
static bool shape_clash(const struct fault_set *fs, const struct fault *f)
{
	for (size_t i = 0; i < fs->n; i++) {
		const struct fault *g = &fs->f[i];

		if (g->kind == f->kind && (g->side == f->side || g->side == FAULT_EITHER || f->side == FAULT_EITHER))
			return true;
	}
	return false;
}

int fault_parse(const char *spec, struct fault_set *fs, char *why, size_t whylen)
{
	const char *s = spec;
	char item[FAULT_SPEC_MAX + 1], reason[200];

	memset(fs, 0, sizeof *fs);
	if (strlen(spec) > FAULT_SPEC_MAX) {
		snprintf(why, whylen, "network faults longer than %d characters", FAULT_SPEC_MAX);
		return -1;
	}
	if (strcmp(spec, "none") == 0)
		return 0;
	for (;;) {
		size_t n = strcspn(s, ","), a = 0, b = n;
		struct fault f;

		while (a < b && isspace((unsigned char)s[a]))
			a++;
		while (b > a && isspace((unsigned char)s[b - 1]))
			b--;
		snprintf(item, sizeof item, "%.*s", (int)(b - a), s + a);
		if (!item[0]) {
			snprintf(why, whylen, "empty fault in '%.80s'", spec);
			goto fail;
		}
		if (fs->n == FAULT_MAX) {
			snprintf(why, whylen, "more than %d faults", FAULT_MAX);
			goto fail;
		}
		if (one_parse(item, &f, reason, sizeof reason) != 0) {
			snprintf(why, whylen, "bad network fault '%.60s': %s", item, reason);
			goto fail;
		}
		if (f.kind >= FAULT_LATENCY && shape_clash(fs, &f)) {
			snprintf(why, whylen, "bad network fault '%.60s': %s is given twice for one direction", item,
				 fault_kind_name(f.kind));
			goto fail;
		}
		snprintf(f.text, sizeof f.text, "%.*s", (int)sizeof f.text - 1, item);
		fs->f[fs->n++] = f;
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
fail:
	memset(fs, 0, sizeof *fs);
	return -1;
}

void fault_format(const struct fault_set *fs, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (fs->n == 0) {
		snprintf(buf, len, "none");
		return;
	}
	for (size_t i = 0; i < fs->n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", fs->f[i].text);
}

bool fault_has_trigger(const struct fault_set *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->f[i].kind <= FAULT_DROP)
			return true;
	return false;
}

void fault_shape(const struct fault_set *fs, int side, struct fault_shaping *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < fs->n; i++) {
		const struct fault *f = &fs->f[i];

		if (f->side != FAULT_EITHER && (int)f->side != side)
			continue;
		switch (f->kind) {
		case FAULT_LATENCY:
			out->latency_ms = (long)f->n;
			break;
		case FAULT_BANDWIDTH:
			out->bps = f->n;
			break;
		case FAULT_SEGMENTS:
			out->segment = (size_t)f->n;
			break;
		case FAULT_SLOW_CLOSE:
			out->slow_close_ms = (long)f->n;
			break;
		case FAULT_RESET:
		case FAULT_CLOSE:
		case FAULT_STALL:
		case FAULT_DROP:
		default:
			break;
		}
	}
}

/* ---- following the framing ---- */

struct track {
	uint64_t off; /* bytes of this side's data scanned */
	bool lost; /* not TLS records (any more): no more message events */
	uint8_t hdr[REC_HDR];
	size_t hdr_have;
	uint8_t rec_type;
	uint16_t rec_ver;
	uint32_t rec_left;
	uint64_t rec_start;
	bool rec_first; /* the next body byte is the record's first */
	uint8_t hs[HS_HDR];
	size_t hs_have;
	uint32_t hs_left;
	bool ccs; /* sent ChangeCipherSpec: its handshake records are encrypted */
	bool appdata;
	uint8_t win[FAULT_PATTERN_MAX]; /* the last bytes, for patterns that span reads */
	size_t win_have;
};

struct fault_state {
	const struct fault_set *fs;
	struct track t[2];
	bool fired;
};

struct fault_state *fault_state_new(const struct fault_set *fs)
{
	struct fault_state *st = calloc(1, sizeof *st);

	if (st)
		st->fs = fs;
	return st;
}

void fault_state_free(struct fault_state *st)
{
	free(st);
}

static const char *side_name(int side)
{
	return side == FAULT_CLIENT ? "client" : "server";
}

static void hit_fill(struct fault_hit *hit, const struct fault *f, int side, uint64_t at)
{
	hit->f = f;
	hit->side = side;
	hit->at = at;
	if (f->point == POINT_CONNECT)
		snprintf(hit->what, sizeof hit->what, "%s fired as the connection came up", f->text);
	else
		snprintf(hit->what, sizeof hit->what, "%s fired at byte %llu of the %s's data", f->text,
			 (unsigned long long)at, side_name(side));
}

int fault_on_connect(struct fault_state *st, struct fault_hit *hit)
{
	for (size_t i = 0; i < st->fs->n && !st->fired; i++) {
		const struct fault *f = &st->fs->f[i];

		if (f->kind <= FAULT_DROP && f->point == POINT_CONNECT) {
			st->fired = true;
			hit_fill(hit, f, FAULT_SERVER, 0);
			return 1;
		}
	}
	return 0;
}

/* The earliest trigger of side's at a message event (msg ends at `at`, or a record starts there). */
static const struct fault *match_event(const struct fault_set *fs, int side, enum fault_point point, unsigned msg)
{
	for (size_t i = 0; i < fs->n; i++) {
		const struct fault *f = &fs->f[i];

		if (f->kind > FAULT_DROP || f->point != point)
			continue;
		if (f->side != FAULT_EITHER && (int)f->side != side)
			continue;
		if (point == POINT_MESSAGE && f->msg != msg)
			continue;
		return f;
	}
	return NULL;
}

/* The end of a record: ChangeCipherSpec, an encrypted Finished, the first application_data. */
static const struct fault *record_end(struct track *t, const struct fault_set *fs, int side)
{
	const struct fault *f = NULL;

	if (t->rec_type == 20) {
		t->ccs = true;
		f = match_event(fs, side, POINT_MESSAGE, FAULT_MSG_CCS);
	} else if (t->rec_type == 22 && t->ccs) {
		f = match_event(fs, side, POINT_MESSAGE, 20);
	} else if (t->rec_type == 23 && !t->appdata) {
		t->appdata = true;
		f = match_event(fs, side, POINT_MESSAGE, FAULT_MSG_APPDATA);
	}
	t->hdr_have = 0;
	return f;
}

/* One handshake-record body byte: message headers and ends.  The fault whose event it completes, or NULL. */
static const struct fault *hs_byte(struct track *t, const struct fault_set *fs, int side, uint8_t b, bool *on_start)
{
	const struct fault *f = NULL;

	if (t->rec_first) {
		t->rec_first = false;
		/* An SSLv3 record version with a ClientHello in it: the CC3200's default hello. */
		if (side == FAULT_CLIENT && t->rec_ver == 0x0300 && t->hs_have == 0 && b == 1 &&
		    (f = match_event(fs, side, POINT_SSLV3_HELLO, 0))) {
			*on_start = true;
			return f;
		}
	}
	if (t->hs_have < HS_HDR) {
		t->hs[t->hs_have++] = b;
		if (t->hs_have < HS_HDR)
			return NULL;
		t->hs_left = (uint32_t)t->hs[1] << 16 | (uint32_t)t->hs[2] << 8 | t->hs[3];
		if (t->hs_left > 0)
			return NULL;
	} else if (--t->hs_left > 0) {
		return NULL;
	}
	t->hs_have = 0;
	return match_event(fs, side, POINT_MESSAGE, t->hs[0]);
}

/* Follows the records in c; on a trigger sets *at and returns it. */
static const struct fault *track_scan(struct track *t, const struct fault_set *fs, int side, struct cursor *c,
				      uint64_t *at)
{
	const struct fault *f;
	bool on_start = false;
	uint8_t b;

	while (!t->lost && !cursor_empty(c)) {
		if (t->hdr_have < REC_HDR) {
			if (!cursor_u8(c, &b))
				break;
			t->off++;
			t->hdr[t->hdr_have++] = b;
			if (t->hdr_have < REC_HDR)
				continue;
			t->rec_type = t->hdr[0];
			t->rec_ver = (uint16_t)(t->hdr[1] << 8 | t->hdr[2]);
			t->rec_left = (uint32_t)(t->hdr[3] << 8 | t->hdr[4]);
			t->rec_start = t->off - REC_HDR;
			t->rec_first = true;
			if (t->rec_type < 20 || t->rec_type > 24 || t->hdr[1] != 3 || t->rec_left > TLS_MAX_RECORD) {
				t->lost = true;
				break;
			}
		} else if (t->rec_type == 22 && !t->ccs) {
			if (!cursor_u8(c, &b))
				break;
			t->off++;
			t->rec_left--;
			if ((f = hs_byte(t, fs, side, b, &on_start))) {
				*at = on_start ? t->rec_start : t->off;
				return f;
			}
		} else {
			size_t n = cursor_left(c) < t->rec_left ? cursor_left(c) : t->rec_left;

			cursor_skip(c, n);
			t->off += n;
			t->rec_left -= (uint32_t)n;
		}
		if (t->hdr_have == REC_HDR && t->rec_left == 0 && (f = record_end(t, fs, side))) {
			*at = t->off;
			return f;
		}
	}
	return NULL;
}

/* The first match of a hex pattern of side's in the window + chunk, by its start offset. */
static const struct fault *hex_scan(struct track *t, const struct fault_set *fs, int side, const uint8_t *p,
				    size_t n, uint64_t base, uint64_t *at)
{
	const struct fault *best = NULL;

	for (size_t i = 0; i < fs->n; i++) {
		const struct fault *f = &fs->f[i];
		size_t total = t->win_have + n;

		if (f->kind > FAULT_DROP || f->point != POINT_HEX || (int)f->side != side)
			continue;
		for (size_t k = 0; k + f->patlen <= total; k++) {
			size_t j = 0;

			while (j < f->patlen) {
				size_t q = k + j;
				uint8_t b = q < t->win_have ? t->win[q] : p[q - t->win_have];

				if (b != f->pat[j])
					break;
				j++;
			}
			if (j == f->patlen) {
				uint64_t start = base - t->win_have + k;

				if (!best || start < *at) {
					best = f;
					*at = start;
				}
				break;
			}
		}
	}
	/* Keep the last FAULT_PATTERN_MAX - 1 bytes for a pattern that goes on in the next read. */
	size_t keep = FAULT_PATTERN_MAX - 1;
	if (n >= keep) {
		memcpy(t->win, p + n - keep, keep);
		t->win_have = keep;
	} else {
		size_t old = t->win_have + n > keep ? keep - n : t->win_have;

		memmove(t->win, t->win + t->win_have - old, old);
		memcpy(t->win + old, p, n);
		t->win_have = old + n;
	}
	return best;
}

int fault_scan(struct fault_state *st, int side, const uint8_t *p, size_t n, size_t *cut, struct fault_hit *hit)
{
	struct track *t = &st->t[side == FAULT_CLIENT ? 0 : 1];
	const uint64_t base = t->off;
	const struct fault *best = NULL, *f;
	struct cursor c = cursor_make(p, n);
	uint64_t at = 0, a = 0;

	*cut = n;
	if (st->fired || n == 0)
		return 0;
	if ((f = hex_scan(t, st->fs, side, p, n, base, &a))) {
		best = f;
		at = a;
	}
	for (size_t i = 0; i < st->fs->n; i++) {
		f = &st->fs->f[i];
		if (f->kind <= FAULT_DROP && f->point == POINT_BYTES && (int)f->side == side && f->n > base &&
		    f->n <= base + n && (!best || f->n < at)) {
			best = f;
			at = f->n;
		}
	}
	if (!t->lost) {
		f = track_scan(t, st->fs, side, &c, &a);
		if (f && (!best || a < at)) {
			best = f;
			at = a;
		}
	}
	/* The framing's offset follows the bytes even when it stopped early (or was lost). */
	t->off = base + n;
	if (!best)
		return 0;
	st->fired = true;
	*cut = at > base ? (size_t)(at - base) : 0;
	hit_fill(hit, best, side, at);
	return 1;
}
