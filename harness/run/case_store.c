/*
 * case_store.c - a run's case results: briefs in memory, the whole results
 * spooled to an unlinked file (see case_store.h).
 */
#include "harness/run/case_store.h"

#include "harness/core/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A result larger than this is not read back (the runner's pipe takes 16 MB at most). */
#define STORE_MAX_CASE ((size_t)32 * 1024 * 1024)

struct case_store {
	int fd; /* the spool */
	off_t end;
	size_t n;
	size_t lost;
	struct case_brief *briefs;
};

/* The spool: never under a name, so nothing is left whatever ends the run. */
static int store_spool(const char *dir, char *err, size_t errlen)
{
	int fd;
	if (!dir) {
		fd = memfd_create("tlsdiag-results", MFD_CLOEXEC);
		if (fd < 0)
			snprintf(err, errlen, "cannot make the results' spool in memory: %s", strerror(errno));
		return fd;
	}
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) {
		if (fd < 0)
			snprintf(err, errlen, "cannot make the results' spool in %s: %s", dir, strerror(errno));
		return fd;
	}
	/* A file system without O_TMPFILE: a private name, unlinked at once (dir is ours: outdir_check_safe). */
	char path[4200];
	snprintf(path, sizeof path, "%s/.tlsdiag-results.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot make the results' spool in %s: %s", dir, strerror(errno));
		return -1;
	}
	unlink(path);
	return fd;
}

struct case_store *case_store_new(const char *dir, const struct scenario_case *const *specs, size_t n, char *err,
				  size_t errlen)
{
	struct case_store *s = calloc(1, sizeof *s);
	if (!s || !(s->briefs = calloc(n ? n : 1, sizeof *s->briefs))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->n = n;
	for (size_t i = 0; i < n; i++)
		s->briefs[i].spec = specs[i];
	s->fd = store_spool(dir, err, errlen);
	if (s->fd < 0) {
		free(s->briefs);
		free(s);
		return NULL;
	}
	return s;
}

void case_store_free(struct case_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->briefs[i].line);
	free(s->briefs);
	close(s->fd);
	free(s);
}

size_t case_store_count(const struct case_store *s)
{
	return s ? s->n : 0;
}

size_t case_store_lost(const struct case_store *s)
{
	return s ? s->lost : 0;
}

const struct case_brief *case_store_brief(const struct case_store *s, size_t i)
{
	return &s->briefs[i];
}

static int store_write_all(int fd, const char *p, size_t n, off_t at)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		at += w;
	}
	return 0;
}

int case_store_put(struct case_store *s, size_t i, const struct case_result *r, char *err, size_t errlen)
{
	struct case_brief *b = &s->briefs[i];
	char line[1024], *buf = NULL;
	size_t len = 0;
	const struct jv *ch = r->decoded ? jv_get(r->decoded, "client_hello") : NULL;

	report_case_line_text(r, line, sizeof line);
	free(b->line);
	b->line = strdup(line);
	b->status = r->status;
	b->harness_error = r->harness_error;
	b->connected = r->got.connected;
	b->has_hello = ch && !jv_is_null(ch);
	b->duration_ms = r->duration_ms;
	b->len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct jv *j = m ? report_case_to_json(r) : NULL;
	if (j)
		jv_set(j, "compare", jv_null()); /* as report.json has it; report_json_write fills the comparisons */
	int bad = !m || !j || jv_write(m, j, false) != 0;
	jv_free(j);
	if (m && fclose(m) != 0)
		bad = 1;
	if (bad || !b->line || store_write_all(s->fd, buf, len, s->end) != 0) {
		snprintf(err, errlen, "cannot keep the result of case %zu: %s", i + 1,
			 bad || !b->line ? "out of memory" : strerror(errno ? errno : EIO));
		free(buf);
		return -1;
	}
	b->at = s->end;
	b->len = len;
	s->end += (off_t)len;
	free(buf);
	return 0;
}

static int store_read_all(int fd, char *p, size_t n, off_t at)
{
	while (n) {
		ssize_t got = pread(fd, p, n, at);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
		at += got;
	}
	return 0;
}

/* Case i's spooled JSON, NUL-terminated, in a buffer the caller frees; NULL with err set. */
static char *store_text(struct case_store *s, size_t i, char *err, size_t errlen)
{
	const struct case_brief *b = &s->briefs[i];
	char *buf = b->len < STORE_MAX_CASE ? malloc(b->len + 1) : NULL;
	if (!buf || store_read_all(s->fd, buf, b->len, b->at) != 0) {
		snprintf(err, errlen, "cannot read back the result of case %zu: %s", i + 1,
			 buf ? strerror(errno ? errno : EIO) : "too large");
		free(buf);
		s->lost++;
		return NULL;
	}
	buf[b->len] = '\0';
	return buf;
}

char *case_store_json(struct case_store *s, size_t i, size_t *len, char *err, size_t errlen)
{
	*len = s->briefs[i].len;
	return *len ? store_text(s, i, err, errlen) : NULL;
}

int case_store_get(struct case_store *s, size_t i, struct case_result *out, char *err, size_t errlen)
{
	const struct case_brief *b = &s->briefs[i];
	char perr[256];
	case_result_init(out, b->spec);
	if (!b->len) {
		out->status = b->status;
		return 0;
	}
	char *buf = store_text(s, i, err, errlen);
	struct jv *j = buf ? jv_parse_string(buf, perr, sizeof perr) : NULL;
	free(buf);
	if (j) {
		report_case_from_json(out, j);
		jv_free(j);
		return 0;
	}
	if (buf) {
		snprintf(err, errlen, "cannot read back the result of case %zu: %s", i + 1, perr);
		s->lost++;
	}
	out->status = CASE_ERROR;
	out->harness_error = true;
	snprintf(out->error, sizeof out->error, "%.200s", err);
	return -1;
}
