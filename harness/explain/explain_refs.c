/*
 * explain_refs.c - the two files that refer to the stack tables:
 * equivalents.ini (one failure as each stack reports it) and
 * diagnosis.ini (the words of every diagnosis code).  Both are read after
 * the tables, and every reference must resolve (composed codes included).
 */
#include "harness/explain/explain_int.h"

#include "harness/core/embedded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- equivalents.ini ---- */

struct equiv_ctx {
	const char *name;
	struct prescan ps;
	size_t sec_index;
	struct equiv *cur;
	char *err;
	size_t errlen;
	bool failed;
};

static int equiv_fail(struct equiv_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int equiv_fail(struct equiv_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ex_table_error(c->err, c->errlen, &c->failed, c->name, c->cur ? c->cur->line : 0, c->cur ? c->cur->pub.key : "",
		    fmt, ap);
	va_end(ap);
	return 0;
}

bool ex_equiv_key_ok(const char *key)
{
	long a;
	if (strncmp(key, "received:", 9) == 0)
		return explain_parse_number(key + 9, &a) == 0 && a >= 0 && a <= 255;
	if (strncmp(key, "sent:", 5) == 0)
		return explain_parse_number(key + 5, &a) == 0 && a >= 0 && a <= 255;
	if (strncmp(key, "kind:", 5) == 0)
		return key[5] != '\0';
	return false;
}

static int equiv_handler(void *user, const char *section, const char *key, const char *value)
{
	struct equiv_ctx *c = user;
	if (c->failed)
		return 1;
	if (!c->cur || strcmp(section, c->cur->pub.key) != 0) {
		c->sec_index = c->cur ? c->sec_index + 1 : 0;
		ex_g.equivs = ex_xrealloc(ex_g.equivs, (ex_g.nequivs + 1) * sizeof *ex_g.equivs);
		c->cur = &ex_g.equivs[ex_g.nequivs++];
		memset(c->cur, 0, sizeof *c->cur);
		c->cur->pub.key = ex_xstrdup(section);
		c->cur->line = c->sec_index < c->ps.n ? c->ps.lines[c->sec_index] : 0;
		if (!ex_equiv_key_ok(section))
			return equiv_fail(c, "section must be received:N, sent:N or kind:NAME");
	}
	if (strcmp(key, "title") == 0) {
		ex_text_append((char **)&c->cur->pub.title, value);
	} else if (strcmp(key, "note") == 0) {
		ex_text_append((char **)&c->cur->pub.note, value);
	} else {
		/* A stack: its codes, most faithful first, separated by spaces. */
		char buf[256];
		char *save = NULL;
		if (strlen(value) >= sizeof buf)
			return equiv_fail(c, "too many codes for %s", key);
		memcpy(buf, value, strlen(value) + 1);
		for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			long code;
			struct equiv *e = c->cur;
			if (explain_parse_number(tok, &code) != 0)
				return equiv_fail(c, "%s: '%s' is not a code", key, tok);
			if (e->nrefs == e->capref) {
				e->capref = e->capref ? e->capref * 2 : 8;
				e->ref_stack = ex_xrealloc(e->ref_stack, e->capref * sizeof *e->ref_stack);
				e->ref_code = ex_xrealloc(e->ref_code, e->capref * sizeof *e->ref_code);
			}
			e->ref_stack[e->nrefs] = ex_xstrdup(key);
			e->ref_code[e->nrefs++] = code;
		}
	}
	return 1;
}

void ex_equiv_free_all(void)
{
	for (size_t i = 0; i < ex_g.nequivs; i++) {
		struct equiv *e = &ex_g.equivs[i];
		free((char *)e->pub.key);
		free((char *)e->pub.title);
		free((char *)e->pub.note);
		free(e->rows);
		for (size_t j = 0; j < e->nrefs; j++)
			free(e->ref_stack[j]);
		free(e->ref_stack);
		free(e->ref_code);
	}
	free(ex_g.equivs);
	ex_g.equivs = NULL;
	ex_g.nequivs = 0;
	free(ex_g.kinds);
	ex_g.kinds = NULL;
}

/* Resolves every reference to a row; the loader holds ex_g.loaded so explain_find works. */
static int equiv_resolve(const char *name, char *err, size_t errlen)
{
	size_t nkinds = 0;
	for (size_t i = 0; i < ex_g.nequivs; i++) {
		struct equiv *e = &ex_g.equivs[i];
		if (!e->pub.title || !*e->pub.title) {
			snprintf(err, errlen, "%s:%d: [%s]: no title", name, e->line, e->pub.key);
			return -1;
		}
		if (!e->pub.note)
			e->pub.note = ex_xstrdup("");
		e->rows = ex_xrealloc(NULL, (e->nrefs ? e->nrefs : 1) * sizeof *e->rows);
		for (size_t j = 0; j < e->nrefs; j++) {
			const struct explain_row *r;
			int version;
			if (!ex_table_spec(e->ref_stack[j], &version)) {
				snprintf(err, errlen, "%s:%d: [%s]: no table for stack '%s'", name, e->line, e->pub.key,
					 e->ref_stack[j]);
				return -1;
			}
			r = explain_find(e->ref_stack[j], e->ref_code[j]);
			if (!r) {
				snprintf(err, errlen, "%s:%d: [%s]: %s has no code %ld", name, e->line, e->pub.key,
					 e->ref_stack[j], e->ref_code[j]);
				return -1;
			}
			e->rows[e->nrows++] = r;
		}
		e->pub.rows = e->rows;
		e->pub.nrows = e->nrows;
		if (strncmp(e->pub.key, "kind:", 5) == 0)
			nkinds++;
	}
	ex_g.kinds = ex_xrealloc(NULL, (nkinds + 1) * sizeof *ex_g.kinds);
	nkinds = 0;
	for (size_t i = 0; i < ex_g.nequivs; i++)
		if (strncmp(ex_g.equivs[i].pub.key, "kind:", 5) == 0)
			ex_g.kinds[nkinds++] = ex_g.equivs[i].pub.key + 5;
	ex_g.kinds[nkinds] = NULL;
	return 0;
}

int ex_equiv_load(char *err, size_t errlen)
{
	const struct embedded_file *f = embedded_find(EX_EQUIV_FILE);
	struct equiv_ctx c = { .name = EX_EQUIV_FILE, .err = err, .errlen = errlen };
	int rc = -1;
	if (!f) {
		snprintf(err, errlen, "%s is not compiled in", EX_EQUIV_FILE);
		return -1;
	}
	if (ex_ini_run(EX_EQUIV_FILE, (const char *)f->data, &c.ps, equiv_handler, &c, &c.failed, err, errlen) != 0)
		goto out;
	rc = equiv_resolve(EX_EQUIV_FILE, err, errlen);
out:
	ex_prescan_free(&c.ps);
	return rc;
}

/* ---- diagnosis.ini ---- */

struct diag_ctx {
	const char *name;
	struct prescan ps;
	size_t sec_index;
	struct diag_row *rows;
	size_t nrows;
	char *err;
	size_t errlen;
	bool failed;
};

void ex_diag_free_all(struct diag_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct diag_row *d = &rows[i];
		free((char *)d->pub.key);
		free((char *)d->pub.code);
		free((char *)d->pub.summary);
		free((char *)d->pub.fix);
		for (size_t j = 0; j < d->nequiv; j++)
			free(d->equiv[j]);
		free(d->equiv);
		for (size_t j = 0; j < d->nstands; j++)
			free(d->stands[j]);
		free(d->stands);
	}
	free(rows);
}

static int diag_fail(struct diag_ctx *c, const struct diag_row *d, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int diag_fail(struct diag_ctx *c, const struct diag_row *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ex_table_error(c->err, c->errlen, &c->failed, c->name, d ? d->line : 0, d ? d->pub.key : NULL, fmt, ap);
	va_end(ap);
	return 0;
}

/* CODE or CODE/VARIANT, each [a-z0-9_]+. */
static bool diag_key_ok(const char *s)
{
	size_t parts = 0, len = 0;
	for (const char *p = s;; p++) {
		if (*p == '/' || *p == '\0') {
			if (len == 0 || ++parts > 2)
				return false;
			if (*p == '\0')
				return true;
			len = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_') {
			len++;
		} else {
			return false;
		}
	}
}

/* Appends the space-separated words of value to a list (a value may go on over several lines). */
static void words_append(char ***list, size_t *n, const char *value)
{
	char *copy = ex_xstrdup(value), *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		*list = ex_xrealloc(*list, (*n + 1) * sizeof **list);
		(*list)[(*n)++] = ex_xstrdup(w);
	}
	free(copy);
}

static int diag_handler(void *user, const char *section, const char *key, const char *value)
{
	struct diag_ctx *c = user;
	struct diag_row *d = c->nrows ? &c->rows[c->nrows - 1] : NULL;
	if (c->failed)
		return 1;
	if (!d || strcmp(section, d->pub.key) != 0) {
		c->sec_index = d ? c->sec_index + 1 : 0;
		c->rows = ex_xrealloc(c->rows, (c->nrows + 1) * sizeof *c->rows);
		d = &c->rows[c->nrows++];
		memset(d, 0, sizeof *d);
		d->pub.key = ex_xstrdup(section);
		d->pub.code = strndup(section, strcspn(section, "/"));
		if (!d->pub.code)
			abort();
		d->line = c->sec_index < c->ps.n ? c->ps.lines[c->sec_index] : 0;
		if (!diag_key_ok(section))
			return diag_fail(c, d, "section must be CODE or CODE/VARIANT (a-z, 0-9, _)");
	}
	if (strcmp(key, "summary") == 0) {
		ex_text_append((char **)&d->pub.summary, value);
	} else if (strcmp(key, "fix") == 0) {
		ex_text_append((char **)&d->pub.fix, value);
	} else if (strcmp(key, "equivalents") == 0) {
		d->has_equiv = true;
		words_append(&d->equiv, &d->nequiv, value);
	} else if (strcmp(key, "stands_for") == 0) {
		words_append(&d->stands, &d->nstands, value);
	} else {
		return diag_fail(c, d, "unknown key '%s'", key);
	}
	return 1;
}

/* Whether some row stands for outcome; the row, or NULL. */
const struct diag_row *ex_diag_standing(const struct diag_row *rows, size_t n, const char *outcome)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < rows[i].nstands; j++)
			if (strcmp(rows[i].stands[j], outcome) == 0)
				return &rows[i];
	return NULL;
}

/* What inih cannot check: required keys, references into equivalents.ini, one row per outcome. */
static void diag_validate(struct diag_ctx *c)
{
	for (size_t i = 0; i < c->nrows && !c->failed; i++) {
		struct diag_row *d = &c->rows[i];
		if (!d->pub.summary || !*d->pub.summary) {
			diag_fail(c, d, "no summary");
			break;
		}
		if (!d->pub.fix || !*d->pub.fix) {
			diag_fail(c, d, "no fix");
			break;
		}
		if (!d->has_equiv || d->nequiv == 0) {
			diag_fail(c, d, "no equivalents (write 'none' when no stack shows it)");
			break;
		}
		for (size_t j = 0; j < d->nequiv && !c->failed; j++) {
			const char *w = d->equiv[j];
			if (strcmp(w, "none") == 0) {
				if (d->nequiv != 1)
					diag_fail(c, d, "equivalents: 'none' must stand alone");
			} else if (strcmp(w, "alert") != 0 && !ex_equiv_by_key(w)) {
				diag_fail(c, d, "equivalents: no section [%s] in %s", w, EX_EQUIV_FILE);
			}
		}
		for (size_t j = 0; j < d->nstands && !c->failed; j++) {
			const char *w = d->stands[j];
			const struct diag_row *other = ex_diag_standing(c->rows, i, w);
			if (!ex_equiv_key_ok(w))
				diag_fail(c, d, "stands_for: '%s' is not received:N, sent:N or kind:NAME", w);
			else if (strncmp(w, "kind:", 5) == 0 && !ex_equiv_by_key(w))
				diag_fail(c, d, "stands_for: no section [%s] in %s", w, EX_EQUIV_FILE);
			else if (other)
				diag_fail(c, d, "stands_for: %s is already [%s]'s", w, other->pub.key);
			for (size_t k = 0; k < j && !c->failed; k++)
				if (strcmp(d->stands[k], w) == 0)
					diag_fail(c, d, "stands_for: %s twice", w);
		}
	}
	for (size_t i = 0; !c->failed && ex_g.kinds && ex_g.kinds[i]; i++) {
		char key[80];
		snprintf(key, sizeof key, "kind:%s", ex_g.kinds[i]);
		if (!ex_diag_standing(c->rows, c->nrows, key))
			diag_fail(c, NULL, "no row stands for [%s] of %s", key, EX_EQUIV_FILE);
	}
}

/* Parses diagnosis.ini text against the loaded equivalents; rows and count, or -1 with err. */
static int diag_parse(const char *name, const char *text, struct diag_row **rows, size_t *nrows, char *err,
		      size_t errlen)
{
	struct diag_ctx c = { .name = name, .err = err, .errlen = errlen };
	if (ex_ini_run(name, text, &c.ps, diag_handler, &c, &c.failed, err, errlen) != 0)
		goto fail;
	if (c.nrows == 0)
		diag_fail(&c, NULL, "no diagnosis");
	if (!c.failed)
		diag_validate(&c);
	if (c.failed)
		goto fail;
	ex_prescan_free(&c.ps);
	*rows = c.rows;
	*nrows = c.nrows;
	return 0;
fail:
	ex_prescan_free(&c.ps);
	ex_diag_free_all(c.rows, c.nrows);
	return -1;
}

int ex_diag_load(char *err, size_t errlen)
{
	const struct embedded_file *f = embedded_find(EX_DIAG_FILE);
	if (!f) {
		snprintf(err, errlen, "%s is not compiled in", EX_DIAG_FILE);
		return -1;
	}
	return diag_parse(EX_DIAG_FILE, (const char *)f->data, &ex_g.diags, &ex_g.ndiags, err, errlen);
}

int explain_check_diagnosis_text(const char *text, char *err, size_t errlen)
{
	struct diag_row *rows = NULL;
	size_t n = 0;
	if (!ex_ensure_loaded()) {
		snprintf(err, errlen, "the tables do not load");
		return -1;
	}
	if (diag_parse(EX_DIAG_FILE, text, &rows, &n, err, errlen) != 0)
		return -1;
	ex_diag_free_all(rows, n);
	return 0;
}

