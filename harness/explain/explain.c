/*
 * explain.c - the error tables: loading, lookup, composed codes and the
 * cross-stack equivalents.
 *
 * How this works.  Each harness/explain/tables/<stack>.ini is compiled into
 * the binary (core/embedded.h).  On first use every table is checked line
 * by line (prescan: line length, inline ';', duplicate sections and keys,
 * empty sections), then parsed with inih: a [table] section describes the
 * stack, every other section is one code.  A row that names an alert and
 * leaves causes/confirm/fix empty takes them from the alert's row.
 * equivalents.ini is read last: its (stack, code) references must all
 * resolve, composed codes included.
 *
 * Composed numbers are not rows: they are decoded on lookup (decoders[])
 * into rows built once and kept with the tables until explain_free(), so a
 * caller holds every row by the same kind of pointer.
 */
#include "harness/explain/explain.h"

#include "harness/core/embedded.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TABLE_DIR "harness/explain/tables/"
#define EQUIV_FILE TABLE_DIR "equivalents.ini"
#define DIAG_FILE TABLE_DIR "diagnosis.ini"
/* inih reads lines of at most INI_MAX_LINE - 3 characters; longer lines would be split silently. */
#define LINE_MAX_CHARS (INI_MAX_LINE - 4)

struct table {
	struct explain_table_info info;
	char *file;
	long order;
	bool inherit; /* rows with an alert and no causes/confirm/fix take the alert's */
	struct explain_row *rows;
	int *lines; /* line of each row's section */
	size_t nrows, cap;
};

struct equiv {
	struct explain_equiv pub;
	const struct explain_row **rows;
	size_t nrows, cap;
	char **ref_stack; /* unresolved references, in file order */
	long *ref_code;
	size_t nrefs, capref;
	int line;
};

/* A section of diagnosis.ini. */
struct diag_row {
	struct explain_diagnosis pub;
	char **equiv; /* "alert", "kind:..", "received:N", "sent:N"; none: empty */
	size_t nequiv;
	char **stands;
	size_t nstands;
	bool has_equiv;
	int line;
};

static struct {
	bool loaded, failed;
	struct table *tables;
	size_t ntables;
	struct equiv *equivs;
	size_t nequivs;
	struct explain_row **synth; /* composed rows built on lookup */
	size_t nsynth, capsynth;
	const char **kinds;
	struct diag_row *diags; /* diagnosis.ini */
	size_t ndiags;
} g;

/* ---- small helpers ---- */

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		abort();
	return q;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = xrealloc(NULL, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Appends a continuation line: "- " starts a new line (a list item), anything else joins with a space. */
static void text_append(char **dst, const char *more)
{
	char *old = *dst;
	const char *sep = "";
	if (old && *old)
		sep = strncmp(more, "- ", 2) == 0 ? "\n" : " ";
	*dst = xprintf("%s%s%s", old ? old : "", sep, more);
	free(old);
}

int explain_parse_number(const char *s, long *v)
{
	const char *p = s;
	bool neg = false;
	int base = 10;
	char *end;
	unsigned long u;
	if (!s)
		return -1;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!isxdigit((unsigned char)*p))
			return -1;
	} else if (!isdigit((unsigned char)*p) || (p[0] == '0' && p[1] != '\0')) {
		return -1; /* no octal, no empty number */
	}
	errno = 0;
	u = strtoul(p, &end, base);
	if (errno || *end != '\0' || u > (unsigned long)LONG_MAX)
		return -1;
	*v = neg ? -(long)u : (long)u;
	return 0;
}

const char *explain_code_str(const struct explain_row *row, char *buf, size_t len)
{
	const struct explain_table_info *t = row ? explain_table_find(row->stack) : NULL;
	if (!row) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (t && t->hex) {
		unsigned long mag = row->code < 0 ? 0UL - (unsigned long)row->code : (unsigned long)row->code;
		snprintf(buf, len, "%s0x%04lX", row->code < 0 ? "-" : "", mag);
	} else {
		snprintf(buf, len, "%ld", row->code);
	}
	return buf;
}

static void row_free_strings(struct explain_row *r)
{
	free((char *)r->stack);
	free((char *)r->name);
	free((char *)r->meaning);
	free((char *)r->causes);
	free((char *)r->confirm);
	free((char *)r->fix);
	free((char *)r->source);
	free((char *)r->shows);
}

static void row_init(struct explain_row *r, const char *stack, long code)
{
	memset(r, 0, sizeof *r);
	r->stack = xstrdup(stack);
	r->code = code;
	r->alert = -1;
}

/* ---- prescan: the checks inih cannot make ---- */

struct prescan {
	char **sections; /* section names in order */
	int *lines;
	size_t n;
};

static void prescan_free(struct prescan *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->sections[i]);
	free(ps->sections);
	free(ps->lines);
	memset(ps, 0, sizeof *ps);
}

static int prescan(const char *name, const char *text, struct prescan *ps, char *err, size_t errlen)
{
	char keys[64][40];
	size_t nkeys = 0;
	bool section_has_key = true;
	int lineno = 0;
	const char *p = text;
	memset(ps, 0, sizeof *ps);
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *s = p, *e = p + len;
		lineno++;
		if (len > LINE_MAX_CHARS) {
			snprintf(err, errlen, "%s:%d: line longer than %d characters (continue it on an indented line)",
				 name, lineno, LINE_MAX_CHARS);
			return -1;
		}
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s == e || *s == ';' || *s == '#') {
			/* blank or comment */
		} else if (*s == '[' && s != p) {
			snprintf(err, errlen, "%s:%d: an indented line starting with '[' is read as a section", name,
				 lineno);
			return -1;
		} else if (*s == '[') {
			const char *close = memchr(s, ']', (size_t)(e - s));
			if (!close || close == s + 1) {
				snprintf(err, errlen, "%s:%d: bad section header", name, lineno);
				return -1;
			}
			if (!section_has_key) {
				snprintf(err, errlen, "%s:%d: section [%s] has no keys", name, ps->lines[ps->n - 1],
					 ps->sections[ps->n - 1]);
				return -1;
			}
			char *sec = strndup(s + 1, (size_t)(close - s - 1));
			if (!sec)
				abort();
			for (size_t i = 0; i < ps->n; i++)
				if (strcmp(ps->sections[i], sec) == 0) {
					snprintf(err, errlen, "%s:%d: duplicate section [%s] (first at line %d)", name,
						 lineno, sec, ps->lines[i]);
					free(sec);
					return -1;
				}
			ps->sections = xrealloc(ps->sections, (ps->n + 1) * sizeof *ps->sections);
			ps->lines = xrealloc(ps->lines, (ps->n + 1) * sizeof *ps->lines);
			ps->sections[ps->n] = sec;
			ps->lines[ps->n++] = lineno;
			nkeys = 0;
			section_has_key = false;
		} else {
			/* A value line: inih would cut it at " ;" as an inline comment. */
			for (const char *q = s; q + 1 < e; q++)
				if ((q[0] == ' ' || q[0] == '\t') && q[1] == ';') {
					snprintf(err, errlen,
						 "%s:%d: ' ;' would be read as a comment (write ',' or '.')", name,
						 lineno);
					return -1;
				}
			if (s == p) { /* a key line, not a continuation */
				const char *eq = memchr(s, '=', (size_t)(e - s));
				size_t klen;
				if (!eq) {
					snprintf(err, errlen, "%s:%d: expected 'key = value'", name, lineno);
					return -1;
				}
				if (ps->n == 0) {
					snprintf(err, errlen, "%s:%d: key before any section", name, lineno);
					return -1;
				}
				klen = (size_t)(eq - s);
				while (klen && (s[klen - 1] == ' ' || s[klen - 1] == '\t'))
					klen--;
				if (klen == 0 || klen >= sizeof keys[0]) {
					snprintf(err, errlen, "%s:%d: bad key", name, lineno);
					return -1;
				}
				for (size_t i = 0; i < nkeys; i++)
					if (strlen(keys[i]) == klen && memcmp(keys[i], s, klen) == 0) {
						snprintf(err, errlen, "%s:%d: key '%.*s' twice in section [%s]", name,
							 lineno, (int)klen, s, ps->sections[ps->n - 1]);
						return -1;
					}
				if (nkeys < sizeof keys / sizeof keys[0]) {
					memcpy(keys[nkeys], s, klen);
					keys[nkeys++][klen] = '\0';
				}
				section_has_key = true;
			}
		}
		p = eol ? eol + 1 : e;
	}
	if (!section_has_key) {
		snprintf(err, errlen, "%s:%d: section [%s] has no keys", name, ps->lines[ps->n - 1],
			 ps->sections[ps->n - 1]);
		return -1;
	}
	return 0;
}

/*
 * The prescan, then inih with handler.  0, or -1 with err set: by the
 * prescan, by the handler (which sets *failed and its own message), or
 * "not an INI line".
 */
static int ini_run(const char *name, const char *text, struct prescan *ps, ini_handler handler, void *ctx,
		   const bool *failed, char *err, size_t errlen)
{
	int rc;
	if (prescan(name, text, ps, err, errlen) != 0)
		return -1;
	rc = ini_parse_string(text, handler, ctx);
	if (*failed)
		return -1;
	if (rc != 0) {
		snprintf(err, errlen, "%s:%d: not an INI line", name, rc);
		return -1;
	}
	return 0;
}

/* ---- table parsing ---- */

/*
 * A table's first error wins: "name:line: [section]: message", or
 * "name: message" for the table as a whole (section NULL).
 */
static void table_error(char *err, size_t errlen, bool *failed, const char *name, int line, const char *section,
			const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));
static void table_error(char *err, size_t errlen, bool *failed, const char *name, int line, const char *section,
			const char *fmt, va_list ap)
{
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (!*failed && section)
		snprintf(err, errlen, "%s:%d: [%s]: %s", name, line, section, msg);
	else if (!*failed)
		snprintf(err, errlen, "%s: %s", name, msg);
	*failed = true;
}

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
	table_error(c->err, c->errlen, &c->failed, c->name, line, c->cur_section ? c->cur_section : "", fmt, ap);
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

static int finish_row(struct parse_ctx *c)
{
	struct explain_row *r = c->cur;
	if (!r)
		return 1;
	if (!r->name || !*r->name)
		return ctx_fail(c, "row has no name");
	if (!r->meaning || !*r->meaning)
		return ctx_fail(c, "row has no meaning");
	if (!r->source || !*r->source)
		return ctx_fail(c, "row has no source");
	if (!r->causes)
		r->causes = xstrdup("");
	if (!r->confirm)
		r->confirm = xstrdup("");
	if (!r->fix)
		r->fix = xstrdup("");
	if (!r->shows)
		r->shows = xstrdup("");
	return 1;
}

static int start_section(struct parse_ctx *c, const char *section)
{
	struct table *t = c->t;
	long code;
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
	if (explain_parse_number(section, &code) != 0)
		return ctx_fail(c, "section name is not a code");
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].code == code)
			return ctx_fail(c, "duplicate code %ld (first in section at line %d)", code, t->lines[i]);
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
		t->lines = xrealloc(t->lines, t->cap * sizeof *t->lines);
	}
	c->cur = &t->rows[t->nrows];
	row_init(c->cur, t->info.stack ? t->info.stack : "", code);
	t->lines[t->nrows++] = c->ps.lines[c->sec_index];
	return 1;
}

static int table_key(struct parse_ctx *c, const char *key, const char *v)
{
	struct table *t = c->t;
	if (strcmp(key, "stack") == 0) {
		free((char *)t->info.stack);
		t->info.stack = xstrdup(v);
	} else if (strcmp(key, "title") == 0) {
		text_append((char **)&t->info.title, v);
	} else if (strcmp(key, "label") == 0) {
		text_append((char **)&t->info.label, v);
	} else if (strcmp(key, "about") == 0) {
		text_append((char **)&t->info.about, v);
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
	} else {
		return ctx_fail(c, "unknown key '%s'", key);
	}
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
	else
		return ctx_fail(c, "unknown key '%s'", key);
	text_append(field, v);
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
		row_free_strings(&t->rows[i]);
	free(t->rows);
	free(t->lines);
	free((char *)t->info.stack);
	free((char *)t->info.title);
	free((char *)t->info.about);
	free((char *)t->info.label);
	free(t->file);
	memset(t, 0, sizeof *t);
}

static int table_parse(const char *name, const char *text, struct table *t, char *err, size_t errlen)
{
	struct parse_ctx c = { .name = name, .t = t, .sec_index = SIZE_MAX, .err = err, .errlen = errlen };
	memset(t, 0, sizeof *t);
	t->file = xstrdup(name);
	t->info.implicit = true;
	t->inherit = true;
	if (ini_run(name, text, &c.ps, table_handler, &c, &c.failed, err, errlen) != 0)
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
		t->info.label = xstrdup(t->info.stack);
	if (!t->info.about)
		t->info.about = xstrdup("");
	for (size_t i = 0; i < t->nrows; i++) { /* rows were started before 'stack' may have been read */
		free((char *)t->rows[i].stack);
		t->rows[i].stack = xstrdup(t->info.stack);
	}
	t->info.nrows = t->nrows;
	prescan_free(&c.ps);
	return 0;
fail:
	prescan_free(&c.ps);
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

/* ---- lookup ---- */

static struct table *table_of(const char *stack)
{
	for (size_t i = 0; i < g.ntables; i++)
		if (strcmp(g.tables[i].info.stack, stack) == 0)
			return &g.tables[i];
	return NULL;
}

static const struct explain_row *table_row(const struct table *t, long code)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].code == code)
			return &t->rows[i];
	return NULL;
}

static const struct explain_row *synth_find(const char *stack, long code)
{
	for (size_t i = 0; i < g.nsynth; i++)
		if (g.synth[i]->code == code && strcmp(g.synth[i]->stack, stack) == 0)
			return g.synth[i];
	return NULL;
}

static struct explain_row *synth_new(const char *stack, long code)
{
	struct explain_row *r = xrealloc(NULL, sizeof *r);
	row_init(r, stack, code);
	r->composed = true;
	if (g.nsynth == g.capsynth) {
		g.capsynth = g.capsynth ? g.capsynth * 2 : 16;
		g.synth = xrealloc(g.synth, g.capsynth * sizeof *g.synth);
	}
	g.synth[g.nsynth++] = r;
	return r;
}

/* Fills empty causes/confirm/fix from another row (the alert's, or a part's). */
static void inherit(struct explain_row *r, const struct explain_row *from)
{
	if (!from)
		return;
	if (!r->causes || !*r->causes) {
		free((char *)r->causes);
		r->causes = xstrdup(from->causes);
	}
	if (!r->confirm || !*r->confirm) {
		free((char *)r->confirm);
		r->confirm = xstrdup(from->confirm);
	}
	if (!r->fix || !*r->fix) {
		free((char *)r->fix);
		r->fix = xstrdup(from->fix);
	}
}

static void finish_synth(struct explain_row *r)
{
	if (!r->causes)
		r->causes = xstrdup("");
	if (!r->confirm)
		r->confirm = xstrdup("");
	if (!r->fix)
		r->fix = xstrdup("");
	if (!r->shows)
		r->shows = xstrdup("");
}

static const struct explain_row *alert_row(long a)
{
	struct table *t = table_of("tls-alert");
	return t && a >= 0 && a <= 255 ? table_row(t, a) : NULL;
}

/* A row for "alert a received/sent", as stack reports it. */
static const struct explain_row *compose_alert(const char *stack, long code, long a, bool sent, const char *name,
					       const char *how, const char *shows, const char *source)
{
	const struct explain_row *ar = alert_row(a);
	struct explain_row *r;
	if (!ar)
		return NULL;
	r = synth_new(stack, code);
	r->alert = (int)a;
	r->alert_sent = sent;
	r->name = xprintf("%s%ld (%s)", name, a, ar->name);
	r->meaning = xprintf("%s %s alert %ld %s. %s", how, sent ? "sent" : "received", a, ar->name, ar->meaning);
	r->shows = xstrdup(shows);
	r->source = xprintf("%s. Alert: %s", source, ar->source);
	inherit(r, ar);
	finish_synth(r);
	return r;
}

typedef const struct explain_row *(*decode_fn)(const struct table *t, long code);

static const struct explain_row *decode_axtls(const struct table *t, long code)
{
	char shows[160];
	(void)t;
	if (code > -1 || code < -255)
		return NULL;
	snprintf(shows, sizeof shows,
		 "Error: SSL error %ld | ssl_handshake_status: %ld (MicroPython up to 1.12) | OSError(%ld) (MicroPython 1.13 on)",
		 -code, code, code);
	return compose_alert("axtls", code, -code, false, "received alert ",
			     "axTLS returns -N for a fatal alert N from the peer (ret = -buf[1]):", shows,
			     "AX: ssl/tls1.c (process of a received alert), ssl_display_error() flips the sign");
}

static const struct explain_row *decode_bearssl(const struct table *t, long code)
{
	(void)t;
	if (code >= 256 && code < 512)
		return compose_alert("bearssl", code, code - 256, false, "BR_ERR_RECV_FATAL_ALERT + ",
				     "BearSSL reports 256 + alert for a fatal alert from the peer:",
				     "getLastSSLError() prints \"Unknown error code.\" for it",
				     "BR: bearssl_ssl.h BR_ERR_RECV_FATAL_ALERT = 256");
	if (code >= 512 && code < 768)
		return compose_alert("bearssl", code, code - 512, true, "BR_ERR_SEND_FATAL_ALERT + ",
				     "BearSSL reports 512 + alert for a fatal alert it sent:",
				     "getLastSSLError() prints \"Unknown error code.\" for it",
				     "BR: bearssl_ssl.h BR_ERR_SEND_FATAL_ALERT = 512");
	return NULL;
}

static const struct explain_row *decode_cc3200(const struct table *t, long code)
{
	char shows[96];
	(void)t;
	if (code > -300 || code < -555)
		return NULL;
	snprintf(shows, sizeof shows, "OSError: %ld (MicroPython raises OSError(-sl_errno))", -code);
	return compose_alert("cc3200", code, -code - 300, false, "SimpleLink alert ",
			     "SimpleLink reports a TLS alert as -(300 + alert). The header does not say whether it was "
			     "received or sent (inferred: received, as wolfSSL's FATAL_ERROR):",
			     shows,
			     "SL1: drivers/cc3100/inc/socket.h (\"ssl/tls security start with -300 offset\")");
}

static const struct explain_row *decode_openssl(const struct table *t, long code)
{
	char shows[96];
	(void)t;
	if (code < 1000 || code > 1255)
		return NULL;
	snprintf(shows, sizeof shows, "error:0A%06lX ... SSL alert number %ld", (unsigned long)code, code - 1000);
	return compose_alert("openssl", code, code - 1000, false, "SSL_AD_REASON_OFFSET + ",
			     "OpenSSL's reason 1000 + alert: the server", shows,
			     "OS: include/openssl/sslerr.h, ssl3.h SSL_AD_REASON_OFFSET 1000");
}

/* mbedTLS: -(high | low), high in 0x1000..0x7F80 (steps of 0x80), low in 0x01..0x7F. */
static const struct explain_row *decode_mbedtls(const struct table *t, long code)
{
	long mag, high, low;
	const struct explain_row *h, *l;
	struct explain_row *r;
	if (code >= 0 || code < -0x7FFF)
		return NULL;
	mag = -code;
	high = mag & 0x7F80;
	low = mag & 0x7F;
	if (!high || !low)
		return NULL;
	h = table_row(t, -high);
	l = table_row(t, -low);
	if (!h || !l)
		return NULL;
	r = synth_new("mbedtls", code);
	r->name = xprintf("%s + %s", h->name, l->name);
	r->meaning = xprintf("A high-level code plus a low-level one (-0x%04lX = -0x%04lX + -0x%04lX): %s Low level: %s",
			     mag, high, low, h->meaning, l->meaning);
	r->source = xprintf("MB: include/mbedtls/error.h (error codes are high + low level). %s", h->source);
	r->alert = h->alert;
	r->alert_sent = h->alert_sent;
	inherit(r, h);
	inherit(r, l);
	finish_synth(r);
	return r;
}

/* mbedTLS verify flags: a sum of the table's single-bit rows; the alert is the first flag's (table order). */
static const struct explain_row *decode_flags(const struct table *t, long code)
{
	unsigned long rest = (unsigned long)code;
	struct explain_row *r;
	const struct explain_row *first = NULL;
	char *names = NULL, *meanings = NULL, *causes = NULL;
	if (code <= 0)
		return NULL;
	for (size_t i = 0; i < t->nrows; i++) {
		unsigned long bit = (unsigned long)t->rows[i].code;
		if (t->rows[i].code > 0 && (rest & bit) == bit) {
			rest &= ~bit;
			if (!first)
				first = &t->rows[i];
			if (names)
				text_append(&names, "|");
			text_append(&names, t->rows[i].name);
			char *item = xprintf("- 0x%lX %s: %s", bit, t->rows[i].name, t->rows[i].meaning);
			text_append(&meanings, item);
			free(item);
			if (*t->rows[i].causes) {
				item = xprintf("- %s: %s", t->rows[i].name, t->rows[i].causes);
				text_append(&causes, item);
				free(item);
			}
		}
	}
	if (rest || !first) {
		free(names);
		free(meanings);
		free(causes);
		return NULL;
	}
	r = synth_new(t->info.stack, code);
	r->name = names;
	r->meaning = xprintf("Several verify flags are set. The alert the client sends is the first one's:\n%s", meanings);
	free(meanings);
	r->source = xstrdup(first->source);
	r->alert = first->alert;
	r->alert_sent = first->alert_sent;
	r->causes = causes;
	inherit(r, first);
	finish_synth(r);
	return r;
}

static const struct {
	const char *stack;
	decode_fn fn;
} decoders[] = {
	{ "axtls", decode_axtls },	 { "bearssl", decode_bearssl },	       { "cc3200", decode_cc3200 },
	{ "openssl", decode_openssl }, { "mbedtls", decode_mbedtls }, { "mbedtls-verify", decode_flags },
	{ NULL, NULL },
};

static bool ensure_loaded(void);

const struct explain_row *explain_find(const char *stack, long code)
{
	struct table *t;
	const struct explain_row *r;
	if (!stack || !ensure_loaded() || !(t = table_of(stack)))
		return NULL;
	if ((r = table_row(t, code)) || (r = synth_find(stack, code)))
		return r;
	for (size_t i = 0; decoders[i].stack; i++)
		if (strcmp(decoders[i].stack, stack) == 0)
			return decoders[i].fn(t, code);
	return NULL;
}

const struct explain_row *explain_find_name(const char *stack, const char *name)
{
	if (!name || !ensure_loaded())
		return NULL;
	for (size_t i = 0; i < g.ntables; i++) {
		struct table *t = &g.tables[i];
		if (stack && strcmp(t->info.stack, stack) != 0)
			continue;
		for (size_t j = 0; j < t->nrows; j++)
			if (strcasecmp(t->rows[j].name, name) == 0)
				return &t->rows[j];
	}
	return NULL;
}

const struct explain_row *explain_alert(int alert)
{
	return explain_find("tls-alert", alert);
}

const struct explain_table_info *explain_table(size_t i)
{
	if (!ensure_loaded() || i >= g.ntables)
		return NULL;
	return &g.tables[i].info;
}

const struct explain_table_info *explain_table_find(const char *stack)
{
	struct table *t;
	if (!stack || !ensure_loaded() || !(t = table_of(stack)))
		return NULL;
	return &t->info;
}

const struct explain_row *explain_row_at(const char *stack, size_t i)
{
	struct table *t;
	if (!stack || !ensure_loaded() || !(t = table_of(stack)) || i >= t->nrows)
		return NULL;
	return &t->rows[i];
}

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
	table_error(c->err, c->errlen, &c->failed, c->name, c->cur ? c->cur->line : 0, c->cur ? c->cur->pub.key : "",
		    fmt, ap);
	va_end(ap);
	return 0;
}

static bool equiv_key_ok(const char *key)
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
		g.equivs = xrealloc(g.equivs, (g.nequivs + 1) * sizeof *g.equivs);
		c->cur = &g.equivs[g.nequivs++];
		memset(c->cur, 0, sizeof *c->cur);
		c->cur->pub.key = xstrdup(section);
		c->cur->line = c->sec_index < c->ps.n ? c->ps.lines[c->sec_index] : 0;
		if (!equiv_key_ok(section))
			return equiv_fail(c, "section must be received:N, sent:N or kind:NAME");
	}
	if (strcmp(key, "title") == 0) {
		text_append((char **)&c->cur->pub.title, value);
	} else if (strcmp(key, "note") == 0) {
		text_append((char **)&c->cur->pub.note, value);
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
				e->ref_stack = xrealloc(e->ref_stack, e->capref * sizeof *e->ref_stack);
				e->ref_code = xrealloc(e->ref_code, e->capref * sizeof *e->ref_code);
			}
			e->ref_stack[e->nrefs] = xstrdup(key);
			e->ref_code[e->nrefs++] = code;
		}
	}
	return 1;
}

static void equiv_free_all(void)
{
	for (size_t i = 0; i < g.nequivs; i++) {
		struct equiv *e = &g.equivs[i];
		free((char *)e->pub.key);
		free((char *)e->pub.title);
		free((char *)e->pub.note);
		free(e->rows);
		for (size_t j = 0; j < e->nrefs; j++)
			free(e->ref_stack[j]);
		free(e->ref_stack);
		free(e->ref_code);
	}
	free(g.equivs);
	g.equivs = NULL;
	g.nequivs = 0;
	free(g.kinds);
	g.kinds = NULL;
}

/* Resolves every reference to a row; the loader holds g.loaded so explain_find works. */
static int equiv_resolve(const char *name, char *err, size_t errlen)
{
	size_t nkinds = 0;
	for (size_t i = 0; i < g.nequivs; i++) {
		struct equiv *e = &g.equivs[i];
		if (!e->pub.title || !*e->pub.title) {
			snprintf(err, errlen, "%s:%d: [%s]: no title", name, e->line, e->pub.key);
			return -1;
		}
		if (!e->pub.note)
			e->pub.note = xstrdup("");
		e->rows = xrealloc(NULL, (e->nrefs ? e->nrefs : 1) * sizeof *e->rows);
		for (size_t j = 0; j < e->nrefs; j++) {
			const struct explain_row *r;
			if (!table_of(e->ref_stack[j])) {
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
	g.kinds = xrealloc(NULL, (nkinds + 1) * sizeof *g.kinds);
	nkinds = 0;
	for (size_t i = 0; i < g.nequivs; i++)
		if (strncmp(g.equivs[i].pub.key, "kind:", 5) == 0)
			g.kinds[nkinds++] = g.equivs[i].pub.key + 5;
	g.kinds[nkinds] = NULL;
	return 0;
}

static int equiv_load(char *err, size_t errlen)
{
	const struct embedded_file *f = embedded_find(EQUIV_FILE);
	struct equiv_ctx c = { .name = EQUIV_FILE, .err = err, .errlen = errlen };
	int rc = -1;
	if (!f) {
		snprintf(err, errlen, "%s is not compiled in", EQUIV_FILE);
		return -1;
	}
	if (ini_run(EQUIV_FILE, (const char *)f->data, &c.ps, equiv_handler, &c, &c.failed, err, errlen) != 0)
		goto out;
	rc = equiv_resolve(EQUIV_FILE, err, errlen);
out:
	prescan_free(&c.ps);
	return rc;
}

static const struct equiv *equiv_by_key(const char *key)
{
	for (size_t i = 0; i < g.nequivs; i++)
		if (strcmp(g.equivs[i].pub.key, key) == 0)
			return &g.equivs[i];
	return NULL;
}

const struct explain_equiv *explain_equiv_find(const char *key)
{
	const struct equiv *e;
	if (!key || !ensure_loaded() || !(e = equiv_by_key(key)))
		return NULL;
	return &e->pub;
}

static size_t copy_rows(const struct equiv *e, const struct explain_row **rows, size_t max)
{
	size_t n = 0;
	for (; e && n < e->nrows && n < max; n++)
		rows[n] = e->rows[n];
	return n;
}

size_t explain_equivalents(int alert, int received, const struct explain_row **rows, size_t max)
{
	char key[32];
	if (!ensure_loaded())
		return 0;
	snprintf(key, sizeof key, "%s:%d", received ? "received" : "sent", alert);
	return copy_rows(equiv_by_key(key), rows, max);
}

size_t explain_equivalents_kind(const char *kind, const struct explain_row **rows, size_t max)
{
	char key[64];
	if (!kind || !ensure_loaded())
		return 0;
	snprintf(key, sizeof key, "kind:%s", kind);
	return copy_rows(equiv_by_key(key), rows, max);
}

const char *const *explain_kinds(void)
{
	static const char *const none[] = { NULL };
	if (!ensure_loaded())
		return none;
	return g.kinds;
}

static bool table_role_device(const char *stack)
{
	return strcmp(stack, "tls-alert") != 0 && strcmp(stack, "openssl") != 0;
}

size_t explain_equiv_for_row(const struct explain_row *row, const struct explain_equiv **out, size_t max)
{
	size_t n = 0;
	const struct equiv *listing[64];
	size_t nlisting = 0;
	if (!row || !ensure_loaded())
		return 0;
	for (size_t i = 0; i < g.nequivs && nlisting < sizeof listing / sizeof listing[0]; i++)
		for (size_t j = 0; j < g.equivs[i].nrows; j++)
			if (g.equivs[i].rows[j] == row) {
				listing[nlisting++] = &g.equivs[i];
				break;
			}
	/* A code listed for many alerts (mbedTLS FATAL_ALERT_MESSAGE) stands for none in particular. */
	if (nlisting <= 2)
		for (size_t i = 0; i < nlisting && n < max; i++)
			out[n++] = &listing[i]->pub;
	int alert = strcmp(row->stack, "tls-alert") == 0 ? (int)row->code : row->alert;
	if (alert >= 0) {
		/* Seen from the device: a server-side or wire row is turned around where needed. */
		const char *stack = row->stack;
		char key[32];
		const struct equiv *e;
		if (strcmp(stack, "tls-alert") == 0) {
			const char *dirs[] = { "received", "sent" };
			for (size_t d = 0; d < 2; d++) {
				snprintf(key, sizeof key, "%s:%d", dirs[d], alert);
				e = equiv_by_key(key);
				bool dup = false;
				for (size_t k = 0; k < n; k++)
					dup |= out[k] == &e->pub;
				if (e && !dup && n < max)
					out[n++] = &e->pub;
			}
			return n;
		}
		bool device_received = table_role_device(stack) ? !row->alert_sent : row->alert_sent;
		snprintf(key, sizeof key, "%s:%d", device_received ? "received" : "sent", alert);
		e = equiv_by_key(key);
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= e && out[k] == &e->pub;
		if (e && !dup && n < max)
			out[n++] = &e->pub;
	}
	return n;
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

static void diag_free_all(struct diag_row *rows, size_t n)
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
	table_error(c->err, c->errlen, &c->failed, c->name, d ? d->line : 0, d ? d->pub.key : NULL, fmt, ap);
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
	char *copy = xstrdup(value), *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		*list = xrealloc(*list, (*n + 1) * sizeof **list);
		(*list)[(*n)++] = xstrdup(w);
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
		c->rows = xrealloc(c->rows, (c->nrows + 1) * sizeof *c->rows);
		d = &c->rows[c->nrows++];
		memset(d, 0, sizeof *d);
		d->pub.key = xstrdup(section);
		d->pub.code = strndup(section, strcspn(section, "/"));
		if (!d->pub.code)
			abort();
		d->line = c->sec_index < c->ps.n ? c->ps.lines[c->sec_index] : 0;
		if (!diag_key_ok(section))
			return diag_fail(c, d, "section must be CODE or CODE/VARIANT (a-z, 0-9, _)");
	}
	if (strcmp(key, "summary") == 0) {
		text_append((char **)&d->pub.summary, value);
	} else if (strcmp(key, "fix") == 0) {
		text_append((char **)&d->pub.fix, value);
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
static const struct diag_row *diag_standing(const struct diag_row *rows, size_t n, const char *outcome)
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
			} else if (strcmp(w, "alert") != 0 && !equiv_by_key(w)) {
				diag_fail(c, d, "equivalents: no section [%s] in %s", w, EQUIV_FILE);
			}
		}
		for (size_t j = 0; j < d->nstands && !c->failed; j++) {
			const char *w = d->stands[j];
			const struct diag_row *other = diag_standing(c->rows, i, w);
			if (!equiv_key_ok(w))
				diag_fail(c, d, "stands_for: '%s' is not received:N, sent:N or kind:NAME", w);
			else if (strncmp(w, "kind:", 5) == 0 && !equiv_by_key(w))
				diag_fail(c, d, "stands_for: no section [%s] in %s", w, EQUIV_FILE);
			else if (other)
				diag_fail(c, d, "stands_for: %s is already [%s]'s", w, other->pub.key);
			for (size_t k = 0; k < j && !c->failed; k++)
				if (strcmp(d->stands[k], w) == 0)
					diag_fail(c, d, "stands_for: %s twice", w);
		}
	}
	for (size_t i = 0; !c->failed && g.kinds && g.kinds[i]; i++) {
		char key[80];
		snprintf(key, sizeof key, "kind:%s", g.kinds[i]);
		if (!diag_standing(c->rows, c->nrows, key))
			diag_fail(c, NULL, "no row stands for [%s] of %s", key, EQUIV_FILE);
	}
}

/* Parses diagnosis.ini text against the loaded equivalents; rows and count, or -1 with err. */
static int diag_parse(const char *name, const char *text, struct diag_row **rows, size_t *nrows, char *err,
		      size_t errlen)
{
	struct diag_ctx c = { .name = name, .err = err, .errlen = errlen };
	if (ini_run(name, text, &c.ps, diag_handler, &c, &c.failed, err, errlen) != 0)
		goto fail;
	if (c.nrows == 0)
		diag_fail(&c, NULL, "no diagnosis");
	if (!c.failed)
		diag_validate(&c);
	if (c.failed)
		goto fail;
	prescan_free(&c.ps);
	*rows = c.rows;
	*nrows = c.nrows;
	return 0;
fail:
	prescan_free(&c.ps);
	diag_free_all(c.rows, c.nrows);
	return -1;
}

static int diag_load(char *err, size_t errlen)
{
	const struct embedded_file *f = embedded_find(DIAG_FILE);
	if (!f) {
		snprintf(err, errlen, "%s is not compiled in", DIAG_FILE);
		return -1;
	}
	return diag_parse(DIAG_FILE, (const char *)f->data, &g.diags, &g.ndiags, err, errlen);
}

int explain_check_diagnosis_text(const char *text, char *err, size_t errlen)
{
	struct diag_row *rows = NULL;
	size_t n = 0;
	if (!ensure_loaded()) {
		snprintf(err, errlen, "the tables do not load");
		return -1;
	}
	if (diag_parse(DIAG_FILE, text, &rows, &n, err, errlen) != 0)
		return -1;
	diag_free_all(rows, n);
	return 0;
}

const struct explain_diagnosis *explain_diagnosis_find(const char *key)
{
	if (!key || !ensure_loaded())
		return NULL;
	for (size_t i = 0; i < g.ndiags; i++)
		if (strcmp(g.diags[i].pub.key, key) == 0)
			return &g.diags[i].pub;
	return NULL;
}

const struct explain_diagnosis *explain_diagnosis_require(const char *key, char *err, size_t errlen)
{
	const struct explain_diagnosis *d;
	char lerr[512];
	if (explain_load(lerr, sizeof lerr) != 0) {
		snprintf(err, errlen, "%s", lerr);
		return NULL;
	}
	d = explain_diagnosis_find(key);
	if (!d)
		snprintf(err, errlen, "%s: no section [%s] for the diagnosis rule '%s'", DIAG_FILE, key ? key : "",
			 key ? key : "");
	return d;
}

const struct explain_diagnosis *explain_diagnosis_at(size_t i)
{
	if (!ensure_loaded() || i >= g.ndiags)
		return NULL;
	return &g.diags[i].pub;
}

const struct explain_diagnosis *explain_diagnosis_for(const char *outcome)
{
	const struct diag_row *d;
	if (!outcome || !ensure_loaded() || !(d = diag_standing(g.diags, g.ndiags, outcome)))
		return NULL;
	return &d->pub;
}

const struct explain_equiv *explain_diagnosis_equiv(const struct explain_diagnosis *pub, int alert, int received)
{
	const struct diag_row *d = (const struct diag_row *)pub; /* pub is the first member */
	const struct equiv *e;
	if (!pub || !ensure_loaded())
		return NULL;
	for (size_t i = 0; i < d->nequiv; i++) {
		char key[32];
		const char *w = d->equiv[i];
		if (strcmp(w, "alert") == 0) {
			if (alert < 0)
				continue;
			snprintf(key, sizeof key, "%s:%d", received ? "received" : "sent", alert);
			w = key;
		}
		if ((e = equiv_by_key(w)))
			return &e->pub;
	}
	return NULL;
}

bool explain_stack_is_device(const char *stack)
{
	return stack && table_role_device(stack);
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
	for (size_t i = 0; i < g.ntables; i++) {
		struct table *t = &g.tables[i];
		if (strcmp(t->info.stack, "tls-alert") == 0 || !t->inherit)
			continue;
		for (size_t j = 0; j < t->nrows; j++)
			if (t->rows[j].alert >= 0)
				inherit(&t->rows[j], alert_row(t->rows[j].alert));
	}
}

int explain_load(char *err, size_t errlen)
{
	size_t plen = strlen(TABLE_DIR);
	if (g.loaded)
		return 0;
	explain_free();
	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		size_t n = strlen(f->name);
		struct table t;
		if (strncmp(f->name, TABLE_DIR, plen) != 0 || n < 4 || strcmp(f->name + n - 4, ".ini") != 0 ||
		    strcmp(f->name, EQUIV_FILE) == 0 || strcmp(f->name, DIAG_FILE) == 0)
			continue;
		if (table_parse(f->name, (const char *)f->data, &t, err, errlen) != 0)
			goto fail;
		for (size_t i = 0; i < g.ntables; i++)
			if (strcmp(g.tables[i].info.stack, t.info.stack) == 0) {
				snprintf(err, errlen, "%s: stack '%s' is also %s", f->name, t.info.stack,
					 g.tables[i].file);
				table_free(&t);
				goto fail;
			}
		g.tables = xrealloc(g.tables, (g.ntables + 1) * sizeof *g.tables);
		g.tables[g.ntables++] = t;
	}
	if (!table_of("tls-alert")) {
		snprintf(err, errlen, "%stls-alert.ini is not compiled in", TABLE_DIR);
		goto fail;
	}
	qsort(g.tables, g.ntables, sizeof *g.tables, cmp_table);
	inherit_alerts();
	g.loaded = true; /* explain_find() is needed to resolve composed references */
	if (equiv_load(err, errlen) != 0 || diag_load(err, errlen) != 0)
		goto fail;
	return 0;
fail:
	explain_free();
	return -1;
}

static bool ensure_loaded(void)
{
	char err[512];
	if (g.loaded)
		return true;
	if (g.failed)
		return false;
	if (explain_load(err, sizeof err) != 0) {
		fprintf(stderr, "tlsdiag: internal: explain tables: %s\n", err);
		g.failed = true;
		return false;
	}
	return true;
}

void explain_free(void)
{
	for (size_t i = 0; i < g.ntables; i++)
		table_free(&g.tables[i]);
	free(g.tables);
	for (size_t i = 0; i < g.nsynth; i++) {
		row_free_strings(g.synth[i]);
		free(g.synth[i]);
	}
	free(g.synth);
	equiv_free_all();
	diag_free_all(g.diags, g.ndiags);
	memset(&g, 0, sizeof g);
}
