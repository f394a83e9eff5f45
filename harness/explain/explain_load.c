/*
 * explain_load.c - reads the stack tables (harness/explain/tables/<stack>.ini)
 * and loads or frees everything (the INI machinery is explain_ini.c).
 *
 * How this works.  Each table is compiled into the binary (core/embedded.h).
 * On first use every table is checked line by line (the prescan: line
 * length, inline ';', duplicate sections and keys, empty sections), then
 * parsed with inih: a [table] section describes the stack, every other
 * section is one code, [CODE@VERSION] a code of one library version only.
 * A row that names an alert and leaves causes/confirm/fix empty takes them
 * from the alert's row.  equivalents.ini and diagnosis.ini are read last
 * (explain_refs.c): their references must all resolve.
 */
#include "harness/explain/explain_int.h"

#include "harness/core/embedded.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct explain_state ex_g;

struct parse_ctx {
	const char *name;
	struct table *t;
	struct prescan ps;
	size_t sec_index; /* index into ps of the current section; SIZE_MAX before the first */
	const char *cur_section;
	struct explain_row *cur; /* the row being filled, NULL in [table] */
	char *err;
	size_t errlen;
	bool failed;
};

static int ctx_fail(struct parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ctx_fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int line = c->sec_index < c->ps.n ? c->ps.lines[c->sec_index] : 0;
	va_start(ap, fmt);
	ex_table_error(c->err, c->errlen, &c->failed, c->name, line, c->cur_section ? c->cur_section : "", fmt, ap);
	va_end(ap);
	return 0;
}

static bool yesno(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return false;
	return true;
}

static int parse_alert_field(struct parse_ctx *c, const char *v)
{
	char dir[16];
	long a;
	const char *sp = strchr(v, ' ');
	if (!sp || (size_t)(sp - v) >= sizeof dir)
		return ctx_fail(c, "alert must be 'sent N' or 'received N', not '%s'", v);
	memcpy(dir, v, (size_t)(sp - v));
	dir[sp - v] = '\0';
	if (explain_parse_number(sp + 1, &a) != 0 || a < 0 || a > 255)
		return ctx_fail(c, "alert number '%s' is not 0..255", sp + 1);
	if (strcmp(dir, "sent") == 0)
		c->cur->alert_sent = true;
	else if (strcmp(dir, "received") == 0)
		c->cur->alert_sent = false;
	else
		return ctx_fail(c, "alert must be 'sent N' or 'received N', not '%s'", v);
	c->cur->alert = (int)a;
	return 1;
}

/* The index of version tag v in t, or -1. */
static int version_index(const struct table *t, const char *v)
{
	for (size_t i = 0; i < t->info.nversions; i++)
		if (strcmp(t->vtags[i], v) == 0)
			return (int)i;
	return -1;
}

/* "mbedTLS 3.x", or "mbedTLS 2.x, 3.x" for several (the names alone without a version_label); "" for every version. */
static char *version_text(const struct table *t, unsigned mask)
{
	const char *label = t->info.version_label;
	char *s = NULL;
	if (!mask)
		return ex_xstrdup("");
	for (size_t i = 0; i < t->info.nversions; i++) {
		char *next;
		if (!(mask & (1u << i)))
			continue;
		if (s)
			next = ex_xprintf("%s, %s", s, t->vnames[i]);
		else
			next = label && *label ? ex_xprintf("%s %s", label, t->vnames[i]) : ex_xstrdup(t->vnames[i]);
		free(s);
		s = next;
	}
	return s ? s : ex_xstrdup("");
}

static int finish_row(struct parse_ctx *c)
{
	struct explain_row *r = c->cur;
	struct table *t = c->t;
	size_t me;
	if (!r)
		return 1;
	me = (size_t)(r - t->rows);
	if (!r->name || !*r->name)
		return ctx_fail(c, "row has no name");
	if (!r->meaning || !*r->meaning)
		return ctx_fail(c, "row has no meaning");
	if (!r->source || !*r->source)
		return ctx_fail(c, "row has no source");
	/* one row per code and version: [-0x7300] (2.x) and [-0x7300@3] may both be there */
	for (size_t i = 0; i < me; i++)
		if (t->rows[i].code == r->code &&
		    (!t->vmask[i] || !t->vmask[me] || (t->vmask[i] & t->vmask[me])))
			return ctx_fail(c, "duplicate code %ld (first in section at line %d)", r->code, t->lines[i]);
	if (!r->causes)
		r->causes = ex_xstrdup("");
	if (!r->confirm)
		r->confirm = ex_xstrdup("");
	if (!r->fix)
		r->fix = ex_xstrdup("");
	if (!r->shows)
		r->shows = ex_xstrdup("");
	r->version = version_text(t, t->vmask[me]);
	r->other_version = t->vmask[me] && !(t->vmask[me] & (1u << t->vdefault));
	return 1;
}

static int start_section(struct parse_ctx *c, const char *section)
{
	struct table *t = c->t;
	char num[64];
	const char *at;
	long code;
	int vi = -1;
	if (c->cur && !finish_row(c))
		return 0;
	c->cur = NULL;
	c->sec_index = c->sec_index == SIZE_MAX ? 0 : c->sec_index + 1;
	c->cur_section = c->sec_index < c->ps.n ? c->ps.sections[c->sec_index] : section;
	if (c->sec_index >= c->ps.n || strcmp(c->ps.sections[c->sec_index], section) != 0)
		return ctx_fail(c, "internal: section order differs from the prescan");
	if (strcmp(section, "table") == 0) {
		if (c->sec_index != 0)
			return ctx_fail(c, "[table] must come first");
		return 1;
	}
	if (c->sec_index == 0)
		return ctx_fail(c, "the file must start with a [table] section");
	at = strchr(section, '@');
	snprintf(num, sizeof num, "%.*s", (int)(at ? (size_t)(at - section) : strlen(section)), section);
	if (explain_parse_number(num, &code) != 0)
		return ctx_fail(c, "section name is not a code");
	if (at && (vi = version_index(t, at + 1)) < 0)
		return ctx_fail(c, "'%s' is not one of the table's versions", at + 1);
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->rows = ex_xrealloc(t->rows, t->cap * sizeof *t->rows);
		t->lines = ex_xrealloc(t->lines, t->cap * sizeof *t->lines);
		t->vmask = ex_xrealloc(t->vmask, t->cap * sizeof *t->vmask);
	}
	c->cur = &t->rows[t->nrows];
	ex_row_init(c->cur, t->info.stack ? t->info.stack : "", code);
	t->vmask[t->nrows] = vi >= 0 ? 1u << vi : 0;
	t->lines[t->nrows++] = c->ps.lines[c->sec_index];
	return 1;
}

/* "0x100 0x04 ...": the flags in the order the library tests them (ssl_tls.c for mbedTLS). */
static int table_alert_order(struct parse_ctx *c, const char *v)
{
	struct table *t = c->t;
	char *copy = ex_xstrdup(v), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		long f;
		if (explain_parse_number(w, &f) != 0 || f <= 0) {
			free(copy);
			return ctx_fail(c, "alert_order: '%s' is not a flag", w);
		}
		t->alert_order = ex_xrealloc(t->alert_order, (t->nalert_order + 1) * sizeof *t->alert_order);
		t->alert_order[t->nalert_order++] = f;
	}
	free(copy);
	return 1;
}

/* "2 3": the tags, oldest first; each a dotted number. */
static int table_versions(struct parse_ctx *c, const char *v)
{
	struct table *t = c->t;
	char *copy = ex_xstrdup(v), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (t->info.nversions == EX_MAX_VERSIONS) {
			free(copy);
			return ctx_fail(c, "more than %d versions", EX_MAX_VERSIONS);
		}
		for (const char *q = w; *q; q++)
			if (!isdigit((unsigned char)*q) && *q != '.') {
				free(copy);
				return ctx_fail(c, "version '%s' is not a dotted number", w);
			}
		t->vnames[t->info.nversions] = ex_xprintf("%s.x", w);
		t->vtags[t->info.nversions++] = ex_xstrdup(w);
	}
	free(copy);
	t->info.versions = (const char *const *)t->vtags;
	return 1;
}

/* "2.x (2.28 LTS) | 3.x": one name per version, in the same order. */
static int table_version_names(struct parse_ctx *c, const char *v)
{
	struct table *t = c->t;
	size_t n = 0;
	for (const char *p = v; *p && n < EX_MAX_VERSIONS;) {
		size_t len = strcspn(p, "|");
		const char *e = p + len;
		while (*p == ' ')
			p++;
		while (e > p && e[-1] == ' ')
			e--;
		free(t->vnames[n]);
		t->vnames[n++] = ex_xprintf("%.*s", (int)(e - p), p);
		p += strcspn(p, "|");
		if (*p == '|')
			p++;
	}
	if (n != t->info.nversions)
		return ctx_fail(c, "version_names must name each of the %zu versions (after 'versions')",
				t->info.nversions);
	return 1;
}

static int table_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct table *t = c->t;
	if (strcmp(key, "stack") == 0) {
		free((char *)t->info.stack);
		t->info.stack = ex_xstrdup(v);
	} else if (strcmp(key, "title") == 0) {
		ex_text_append((char **)&t->info.title, v);
	} else if (strcmp(key, "label") == 0) {
		ex_text_append((char **)&t->info.label, v);
	} else if (strcmp(key, "about") == 0) {
		ex_text_append((char **)&t->info.about, v);
	} else if (strcmp(key, "order") == 0) {
		if (explain_parse_number(v, &t->order) != 0)
			return ctx_fail(c, "order '%s' is not a number", v);
	} else if (strcmp(key, "range") == 0) {
		char a[32], b[32];
		if (sscanf(v, "%31s %31s", a, b) != 2 || explain_parse_number(a, &t->info.range_min) != 0 ||
		    explain_parse_number(b, &t->info.range_max) != 0 || t->info.range_min > t->info.range_max)
			return ctx_fail(c, "range must be 'MIN MAX', not '%s'", v);
	} else if (strcmp(key, "hex") == 0) {
		if (!yesno(v, &t->info.hex))
			return ctx_fail(c, "hex must be yes or no");
	} else if (strcmp(key, "inherit") == 0) {
		if (!yesno(v, &t->inherit))
			return ctx_fail(c, "inherit must be yes or no");
	} else if (strcmp(key, "implicit") == 0) {
		if (!yesno(v, &t->info.implicit))
			return ctx_fail(c, "implicit must be yes or no");
	} else if (strcmp(key, "alert_order") == 0) {
		return table_alert_order(c, v);
	} else if (strcmp(key, "alert_otherwise") == 0) {
		long a;
		if (explain_parse_number(v, &a) != 0 || a < 0 || a > 255)
			return ctx_fail(c, "alert_otherwise '%s' is not 0..255", v);
		t->alert_otherwise = (int)a;
	} else if (strcmp(key, "versions") == 0) {
		return table_versions(c, v);
	} else if (strcmp(key, "version_names") == 0) {
		return table_version_names(c, v);
	} else if (strcmp(key, "version_label") == 0) {
		ex_text_append((char **)&t->info.version_label, v);
	} else if (strcmp(key, "version_default") == 0) {
		int vi = version_index(t, v);
		if (vi < 0)
			return ctx_fail(c, "version_default '%s' is not one of the versions", v);
		t->vdefault = (size_t)vi;
		t->info.version_default = t->vdefault;
	} else {
		return ctx_fail(c, "unknown key '%s'", key);
	}
	return 1;
}

/* A row's "versions = 2" (of an unsuffixed section): the versions it exists in. */
static int row_versions(struct parse_ctx *c, const char *v)
{
	struct table *t = c->t;
	size_t me = (size_t)(c->cur - t->rows);
	char *copy = ex_xstrdup(v), *save = NULL;
	unsigned mask = 0;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		int vi = version_index(t, w);
		if (vi < 0) {
			free(copy);
			return ctx_fail(c, "'%s' is not one of the table's versions", w);
		}
		mask |= 1u << vi;
	}
	free(copy);
	if (t->vmask[me] && t->vmask[me] != mask)
		return ctx_fail(c, "versions contradicts the section's @VERSION");
	t->vmask[me] = mask;
	return 1;
}

static int row_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct explain_row *r = c->cur;
	char **field = NULL;
	if (strcmp(key, "name") == 0)
		field = (char **)&r->name;
	else if (strcmp(key, "meaning") == 0)
		field = (char **)&r->meaning;
	else if (strcmp(key, "causes") == 0)
		field = (char **)&r->causes;
	else if (strcmp(key, "confirm") == 0)
		field = (char **)&r->confirm;
	else if (strcmp(key, "fix") == 0)
		field = (char **)&r->fix;
	else if (strcmp(key, "source") == 0)
		field = (char **)&r->source;
	else if (strcmp(key, "shows") == 0)
		field = (char **)&r->shows;
	else if (strcmp(key, "alert") == 0)
		return parse_alert_field(c, v);
	else if (strcmp(key, "versions") == 0)
		return row_versions(c, v);
	else
		return ctx_fail(c, "unknown key '%s'", key);
	ex_text_append(field, v);
	return 1;
}

static int table_handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *c = user;
	if (c->failed)
		return 1;
	if (!c->cur_section || strcmp(section, c->cur_section) != 0)
		if (!start_section(c, section))
			return 1;
	if (c->failed)
		return 1;
	return c->cur ? row_key(c, key, value) : table_key(c, key, value);
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		ex_row_free_strings(&t->rows[i]);
	free(t->rows);
	free(t->lines);
	free(t->vmask);
	for (size_t i = 0; t->vtags && i < EX_MAX_VERSIONS; i++) {
		free(t->vtags[i]);
		free(t->vnames[i]);
	}
	free(t->vtags);
	free(t->vnames);
	free(t->alert_order);
	free((char *)t->info.version_label);
	free((char *)t->info.stack);
	free((char *)t->info.title);
	free((char *)t->info.about);
	free((char *)t->info.label);
	free(t->file);
	memset(t, 0, sizeof *t);
}

/* Every flag of alert_order is a row; every other row sends alert_otherwise (else the order would lie). */
static int check_alert_order(const char *name, const struct table *t, char *err, size_t errlen)
{
	for (size_t k = 0; k < t->nalert_order; k++) {
		bool found = false;
		for (size_t i = 0; i < t->nrows; i++)
			found |= t->rows[i].code == t->alert_order[k];
		if (!found) {
			snprintf(err, errlen, "%s: alert_order: no row 0x%lX", name, (unsigned long)t->alert_order[k]);
			return -1;
		}
	}
	for (size_t i = 0; i < t->nrows; i++) {
		bool listed = false;
		for (size_t k = 0; k < t->nalert_order; k++)
			listed |= t->rows[i].code == t->alert_order[k];
		if (!listed && t->rows[i].alert != t->alert_otherwise) {
			snprintf(err, errlen, "%s:%d: [0x%lX]: not in alert_order, so its alert must be alert_otherwise %d",
				 name, t->lines[i], (unsigned long)t->rows[i].code, t->alert_otherwise);
			return -1;
		}
	}
	return 0;
}

static int table_parse(const char *name, const char *text, struct table *t, char *err, size_t errlen)
{
	struct parse_ctx c = { .name = name, .t = t, .sec_index = SIZE_MAX, .err = err, .errlen = errlen };
	memset(t, 0, sizeof *t);
	t->file = ex_xstrdup(name);
	t->vtags = ex_xrealloc(NULL, EX_MAX_VERSIONS * sizeof *t->vtags);
	t->vnames = ex_xrealloc(NULL, EX_MAX_VERSIONS * sizeof *t->vnames);
	memset(t->vtags, 0, EX_MAX_VERSIONS * sizeof *t->vtags);
	memset(t->vnames, 0, EX_MAX_VERSIONS * sizeof *t->vnames);
	t->info.implicit = true;
	t->inherit = true;
	if (ex_ini_run(name, text, &c.ps, table_handler, &c, &c.failed, err, errlen) != 0)
		goto fail;
	finish_row(&c);
	if (c.failed)
		goto fail;
	if (!t->info.stack || !*t->info.stack) {
		snprintf(err, errlen, "%s: [table] has no stack", name);
		goto fail;
	}
	if (!t->info.title || !*t->info.title) {
		snprintf(err, errlen, "%s: [table] has no title", name);
		goto fail;
	}
	if (!t->info.label)
		t->info.label = ex_xstrdup(t->info.stack);
	if (!t->info.about)
		t->info.about = ex_xstrdup("");
	for (size_t i = 0; i < t->nrows; i++) { /* rows were started before 'stack' may have been read */
		free((char *)t->rows[i].stack);
		t->rows[i].stack = ex_xstrdup(t->info.stack);
	}
	if (t->nalert_order && check_alert_order(name, t, err, errlen) != 0)
		goto fail;
	t->info.nrows = t->nrows;
	ex_prescan_free(&c.ps);
	return 0;
fail:
	ex_prescan_free(&c.ps);
	table_free(t);
	return -1;
}

int explain_check_text(const char *name, const char *text, char *err, size_t errlen)
{
	struct table t;
	if (table_parse(name, text, &t, err, errlen) != 0)
		return -1;
	table_free(&t);
	return 0;
}

/* ---- loading ---- */

static int cmp_table(const void *a, const void *b)
{
	const struct table *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->info.stack, y->info.stack);
}

/* After all tables: empty causes/confirm/fix of a row with an alert come from the alert's row. */
static void inherit_alerts(void)
{
	for (size_t i = 0; i < ex_g.ntables; i++) {
		struct table *t = &ex_g.tables[i];
		if (strcmp(t->info.stack, "tls-alert") == 0 || !t->inherit)
			continue;
		for (size_t j = 0; j < t->nrows; j++)
			if (t->rows[j].alert >= 0)
				ex_inherit(&t->rows[j], ex_alert_row(t->rows[j].alert));
	}
}

int explain_load(char *err, size_t errlen)
{
	size_t plen = strlen(EX_TABLE_DIR);
	if (ex_g.loaded)
		return 0;
	explain_free();
	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		size_t n = strlen(f->name);
		struct table t;
		if (strncmp(f->name, EX_TABLE_DIR, plen) != 0 || n < 4 || strcmp(f->name + n - 4, ".ini") != 0 ||
		    strcmp(f->name, EX_EQUIV_FILE) == 0 || strcmp(f->name, EX_DIAG_FILE) == 0)
			continue;
		if (table_parse(f->name, (const char *)f->data, &t, err, errlen) != 0)
			goto fail;
		for (size_t i = 0; i < ex_g.ntables; i++)
			if (strcmp(ex_g.tables[i].info.stack, t.info.stack) == 0) {
				snprintf(err, errlen, "%s: stack '%s' is also %s", f->name, t.info.stack,
					 ex_g.tables[i].file);
				table_free(&t);
				goto fail;
			}
		ex_g.tables = ex_xrealloc(ex_g.tables, (ex_g.ntables + 1) * sizeof *ex_g.tables);
		ex_g.tables[ex_g.ntables++] = t;
	}
	if (!ex_table_of("tls-alert")) {
		snprintf(err, errlen, "%stls-alert.ini is not compiled in", EX_TABLE_DIR);
		goto fail;
	}
	qsort(ex_g.tables, ex_g.ntables, sizeof *ex_g.tables, cmp_table);
	inherit_alerts();
	ex_g.loaded = true; /* explain_find() is needed to resolve composed references */
	if (ex_equiv_load(err, errlen) != 0 || ex_diag_load(err, errlen) != 0)
		goto fail;
	return 0;
fail:
	explain_free();
	return -1;
}

bool ex_ensure_loaded(void)
{
	char err[512];
	if (ex_g.loaded)
		return true;
	if (ex_g.failed)
		return false;
	if (explain_load(err, sizeof err) != 0) {
		fprintf(stderr, "tlsdiag: internal: explain tables: %s\n", err);
		ex_g.failed = true;
		return false;
	}
	return true;
}

void explain_free(void)
{
	for (size_t i = 0; i < ex_g.ntables; i++)
		table_free(&ex_g.tables[i]);
	free(ex_g.tables);
	ex_synth_free_all();
	ex_equiv_free_all();
	ex_diag_free_all(ex_g.diags, ex_g.ndiags);
	memset(&ex_g, 0, sizeof ex_g);
}

