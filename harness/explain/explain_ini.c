/*
 * explain_ini.c - what every explain file's reading shares: the prescan
 * (the checks inih cannot make: line length, inline ';', an indented '[',
 * duplicate sections and keys, empty sections), the inih run, the
 * "file:line: [section]: message" errors and the string helpers.
 */
#include "harness/explain/explain_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* inih reads lines of at most INI_MAX_LINE - 3 characters; longer lines would be split silently. */
#define LINE_MAX_CHARS (INI_MAX_LINE - 4)

/* ---- small helpers ---- */

char *ex_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

void *ex_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		abort();
	return q;
}

char *ex_xprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = ex_xrealloc(NULL, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Appends a continuation line: "- " starts a new line (a list item), anything else joins with a space. */
void ex_text_append(char **dst, const char *more)
{
	char *old = *dst;
	const char *sep = "";
	if (old && *old)
		sep = strncmp(more, "- ", 2) == 0 ? "\n" : " ";
	*dst = ex_xprintf("%s%s%s", old ? old : "", sep, more);
	free(old);
}

void ex_row_free_strings(struct explain_row *r)
{
	free((char *)r->stack);
	free((char *)r->name);
	free((char *)r->meaning);
	free((char *)r->causes);
	free((char *)r->confirm);
	free((char *)r->fix);
	free((char *)r->source);
	free((char *)r->shows);
	free((char *)r->version);
}

void ex_row_init(struct explain_row *r, const char *stack, long code)
{
	memset(r, 0, sizeof *r);
	r->stack = ex_xstrdup(stack);
	r->code = code;
	r->alert = -1;
}

/* ---- prescan: the checks inih cannot make ---- */

void ex_prescan_free(struct prescan *ps)
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
			ps->sections = ex_xrealloc(ps->sections, (ps->n + 1) * sizeof *ps->sections);
			ps->lines = ex_xrealloc(ps->lines, (ps->n + 1) * sizeof *ps->lines);
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
int ex_ini_run(const char *name, const char *text, struct prescan *ps, ini_handler handler, void *ctx,
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
void ex_table_error(char *err, size_t errlen, bool *failed, const char *name, int line, const char *section,
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

