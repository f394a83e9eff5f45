/*
 * keylog.c - the NSS key log format (see keylog.h).
 *
 * Every byte goes through the cursor: a line is the bytes up to '\n'
 * (a '\r' before it is dropped), split at single spaces into label, client
 * random and secret.  The secrets are kept in one array sorted by
 * (client random, label, order read), so a connection finds its keys by
 * halves and the first line given for a key wins, as in Wireshark.
 */
#include "harness/decode/keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/core/cursor.h"
#include "harness/core/tok.h"

#define KEYLOG_LINE_MAX 1024

struct keylog_entry {
	uint8_t random[32];
	uint8_t label;
	uint8_t len;
	uint8_t secret[KEYLOG_SECRET_MAX];
	size_t seq;
};

struct keylog {
	struct keylog_entry *e;
	size_t n, cap;
	size_t seq;
	size_t sources;
	size_t ignored;
	size_t n_problems;
	char problems[KEYLOG_PROBLEMS_KEPT][160];
};

/* The labels used, with the secret length each allows (0: 32 or 48, a TLS 1.3 hash). */
static const struct tok keylog_label_names[] = {
	{ KEYLOG_CLIENT_RANDOM, "CLIENT_RANDOM" },
	{ KEYLOG_CLIENT_EARLY_TRAFFIC, "CLIENT_EARLY_TRAFFIC_SECRET" },
	{ KEYLOG_CLIENT_HANDSHAKE_TRAFFIC, "CLIENT_HANDSHAKE_TRAFFIC_SECRET" },
	{ KEYLOG_SERVER_HANDSHAKE_TRAFFIC, "SERVER_HANDSHAKE_TRAFFIC_SECRET" },
	{ KEYLOG_CLIENT_TRAFFIC_0, "CLIENT_TRAFFIC_SECRET_0" },
	{ KEYLOG_SERVER_TRAFFIC_0, "SERVER_TRAFFIC_SECRET_0" },
	{ 0, NULL },
};

/* Labels of the format that carry nothing this decoder uses (RFC 8446 7.5 exporters, RSA pre-master keys). */
static const char *const keylog_unused[] = { "EXPORTER_SECRET", "EARLY_EXPORTER_SECRET", "RSA", NULL };

struct keylog *keylog_new(void)
{
	return calloc(1, sizeof(struct keylog));
}

void keylog_free(struct keylog *kl)
{
	if (!kl)
		return;
	free(kl->e);
	free(kl);
}

static void problem(struct keylog *kl, const char *source, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void problem(struct keylog *kl, const char *source, size_t line, const char *fmt, ...)
{
	va_list ap;
	if (kl->n_problems < KEYLOG_PROBLEMS_KEPT) {
		char *p = kl->problems[kl->n_problems];
		size_t cap = sizeof kl->problems[0];
		int k = snprintf(p, cap, "%s line %zu: ", source, line);
		if (k > 0 && (size_t)k < cap) {
			va_start(ap, fmt);
			vsnprintf(p + k, cap - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	kl->n_problems++;
}

static int hexval(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The next field of a line: the bytes up to a space or the end. */
static struct cursor field_next(struct cursor *line)
{
	size_t start = line->off;
	uint8_t ch;
	while (cursor_peek_u8(line, 0, &ch) && ch != ' ' && ch != '\t')
		cursor_skip(line, 1);
	struct cursor f = cursor_make(line->p + start, line->off - start);
	while (cursor_peek_u8(line, 0, &ch) && (ch == ' ' || ch == '\t'))
		cursor_skip(line, 1);
	return f;
}

/* Hex of f into out (cap bytes): the byte count, or -1 when it is not hex or too long. */
static long hex_decode(struct cursor *f, uint8_t *out, size_t cap)
{
	size_t n = 0;
	uint8_t hi, lo;
	if (cursor_left(f) % 2)
		return -1;
	while (cursor_u8(f, &hi) && cursor_u8(f, &lo)) {
		int a = hexval(hi), b = hexval(lo);
		if (a < 0 || b < 0 || n == cap)
			return -1;
		out[n++] = (uint8_t)(a << 4 | b);
	}
	return (long)n;
}

static bool field_is(const struct cursor *f, const char *s)
{
	size_t n = strlen(s);
	return cursor_left(f) == n && memcmp(f->p + f->off, s, n) == 0;
}

static int label_of(const struct cursor *f)
{
	for (const struct tok *t = keylog_label_names; t->s; t++)
		if (field_is(f, t->s))
			return (int)t->v;
	return -1;
}

/* Later traffic secret generations (OpenSSL 3.0 writes "..._TRAFFIC_SECRET_N") are derived from _0 instead. */
static bool label_unused(const struct cursor *f)
{
	static const char *const later[] = { "CLIENT_TRAFFIC_SECRET_", "SERVER_TRAFFIC_SECRET_" };
	for (size_t i = 0; keylog_unused[i]; i++)
		if (field_is(f, keylog_unused[i]))
			return true;
	for (size_t i = 0; i < 2; i++)
		if (cursor_left(f) > strlen(later[i]) && memcmp(f->p + f->off, later[i], strlen(later[i])) == 0)
			return true;
	return false;
}

/* One line: 1 a secret was added, 0 nothing to add, -1 out of memory. */
static int parse_line(struct keylog *kl, struct cursor *line, const char *source, size_t lineno)
{
	struct keylog_entry e;
	uint8_t ch;
	while (cursor_peek_u8(line, 0, &ch) && (ch == ' ' || ch == '\t'))
		cursor_skip(line, 1);
	if (cursor_empty(line) || (cursor_peek_u8(line, 0, &ch) && ch == '#'))
		return 0;
	struct cursor lab = field_next(line), rnd = field_next(line), sec = field_next(line);
	int label = label_of(&lab);
	if (label < 0) {
		char name[41];
		size_t k = 0;
		uint8_t b;
		if (label_unused(&lab)) {
			kl->ignored++;
			return 0;
		}
		/* Printable only: the label goes to a terminal or a CI log. */
		while (k < sizeof name - 1 && cursor_u8(&lab, &b))
			name[k++] = b >= 0x20 && b < 0x7f ? (char)b : '?';
		name[k] = '\0';
		problem(kl, source, lineno, "unknown label '%s'", name);
		return 0;
	}
	if (!cursor_empty(line)) {
		problem(kl, source, lineno, "more than three fields");
		return 0;
	}
	memset(&e, 0, sizeof e);
	if (hex_decode(&rnd, e.random, sizeof e.random) != 32) {
		problem(kl, source, lineno, "the client random is not 64 hex digits");
		return 0;
	}
	long n = hex_decode(&sec, e.secret, sizeof e.secret);
	if (n < 0) {
		problem(kl, source, lineno, "the secret is not hex (or longer than %d bytes)", KEYLOG_SECRET_MAX);
		return 0;
	}
	/* RFC 5246 8.1: a master secret is 48 bytes; a TLS 1.3 secret is a SHA-256 or SHA-384 output. */
	if (label == KEYLOG_CLIENT_RANDOM ? n != 48 : n != 32 && n != 48) {
		problem(kl, source, lineno, "a %s secret of %ld bytes (want %s)",
			tok_name(keylog_label_names, (unsigned)label), n, label == KEYLOG_CLIENT_RANDOM ? "48" : "32 or 48");
		return 0;
	}
	e.label = (uint8_t)label;
	e.len = (uint8_t)n;
	e.seq = kl->seq++;
	if (kl->n == kl->cap) {
		size_t cap = kl->cap ? kl->cap * 2 : 16;
		struct keylog_entry *ne = realloc(kl->e, cap * sizeof *ne);
		if (!ne)
			return -1;
		kl->e = ne;
		kl->cap = cap;
	}
	kl->e[kl->n++] = e;
	return 1;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct keylog_entry *x = a, *y = b;
	int r = memcmp(x->random, y->random, sizeof x->random);
	if (r)
		return r;
	if (x->label != y->label)
		return x->label < y->label ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted, and only the first line of each (random, label) kept. */
static void settle(struct keylog *kl)
{
	size_t w = 0;
	if (!kl->n)
		return;
	qsort(kl->e, kl->n, sizeof kl->e[0], entry_cmp);
	for (size_t i = 0; i < kl->n; i++)
		if (!w || memcmp(kl->e[w - 1].random, kl->e[i].random, 32) || kl->e[w - 1].label != kl->e[i].label)
			kl->e[w++] = kl->e[i];
	kl->n = w;
}

long keylog_add_text(struct keylog *kl, const uint8_t *p, size_t n, const char *source)
{
	struct cursor in = cursor_make(p, n);
	size_t lineno = 0;
	long added = 0;
	kl->sources++;
	while (!cursor_empty(&in)) {
		size_t start = in.off, len;
		uint8_t ch = 0;
		lineno++;
		while (cursor_u8(&in, &ch) && ch != '\n')
			;
		len = in.off - start - (ch == '\n');
		if (len && p[start + len - 1] == '\r')
			len--;
		if (len > KEYLOG_LINE_MAX) {
			problem(kl, source, lineno, "longer than %d bytes", KEYLOG_LINE_MAX);
			continue;
		}
		struct cursor line = cursor_make(p + start, len);
		int r = parse_line(kl, &line, source, lineno);
		if (r < 0) {
			settle(kl);
			return -1;
		}
		added += r;
	}
	settle(kl);
	return added;
}

enum err_category keylog_load_file(struct keylog *kl, const char *path, char *err, size_t errlen)
{
	enum err_category rc = ERR_INPUT;
	uint8_t *buf = NULL;
	struct stat sb;
	size_t have = 0;
	const char *base = strrchr(path, '/');
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open the key log %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "the key log %s is not a regular file", path);
		goto out;
	}
	if ((uint64_t)sb.st_size > KEYLOG_FILE_MAX) {
		snprintf(err, errlen, "the key log %s is over %u MiB", path, KEYLOG_FILE_MAX >> 20);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory reading the key log %s", path);
		rc = ERR_INTERNAL;
		goto out;
	}
	while (have < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + have, (size_t)sb.st_size - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "cannot read the key log %s: %s", path, r < 0 ? strerror(errno) : "short read");
			goto out;
		}
		have += (size_t)r;
	}
	if (keylog_add_text(kl, buf, have, base ? base + 1 : path) < 0) {
		snprintf(err, errlen, "out of memory reading the key log %s", path);
		rc = ERR_INTERNAL;
		goto out;
	}
	rc = ERR_NONE;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

const uint8_t *keylog_find(const struct keylog *kl, enum keylog_label label, const uint8_t client_random[32],
			   size_t *len)
{
	size_t lo = 0, hi = kl ? kl->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct keylog_entry *e = &kl->e[mid];
		int r = memcmp(e->random, client_random, 32);
		if (!r)
			r = e->label < (unsigned)label ? -1 : e->label > (unsigned)label;
		if (!r) {
			*len = e->len;
			return e->secret;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t keylog_count(const struct keylog *kl)
{
	return kl->n;
}

size_t keylog_sources(const struct keylog *kl)
{
	return kl->sources;
}

size_t keylog_ignored(const struct keylog *kl)
{
	return kl->ignored;
}

size_t keylog_problem_count(const struct keylog *kl)
{
	return kl->n_problems;
}

const char *keylog_problem(const struct keylog *kl, size_t i)
{
	return i < kl->n_problems && i < KEYLOG_PROBLEMS_KEPT ? kl->problems[i] : NULL;
}
