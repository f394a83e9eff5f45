/*
 * scenario_read.c - stage 1 of reading a scenario file: its bytes into raw
 * sections of keys and values (see scenario_int.h).
 *
 * How this works.  inih does the INI syntax; it is fed through our own
 * reader (ini_parse_stream) because Debian's libinih is built without
 * INI_HANDLER_LINENO and INI_CALL_HANDLER_ON_NEW_SECTION: the reader takes
 * the file's bytes through the cursor (core/cursor.h), counts lines, rejects
 * lines longer than inih's INI_MAX_LINE (200: inih would silently split
 * them), and notes section headers itself (inih truncates section names at
 * 49 bytes and never reports an empty section).  A value may go on over
 * indented lines (inih's multi-line mode); the pieces are joined with one
 * space.  Everything after this stage reads our own NUL-terminated copies.
 */
#include "harness/run/scenario_int.h"

#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scn_perr(struct parse *p, int line, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	if (p->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, sizeof p->err, "%s:%d: %s", p->file, line, msg);
	p->failed = true;
}

void scn_raw_free(struct parse *p)
{
	for (size_t i = 0; i < p->nsecs; i++) {
		for (size_t j = 0; j < p->secs[i].n; j++) {
			free(p->secs[i].e[j].key);
			free(p->secs[i].e[j].value);
		}
		free(p->secs[i].e);
		free(p->secs[i].name);
	}
	free(p->secs);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

char *scn_trim_copy(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	char *r = malloc(n + 1);
	if (!r)
		abort();
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* A section header seen by the reader: "[scenario]" or "[case NAME]"; line is at its '['. */
static void section_open(struct parse *p, struct cursor *line)
{
	const uint8_t *hdr;
	size_t n = 1; /* the bytes before ']' */
	uint8_t ch;
	while (cursor_peek_u8(line, n, &ch) && ch != ']')
		n++;
	if (!cursor_bytes(line, n + 1, &hdr)) {
		scn_perr(p, p->lineno, "section header without ']'");
		return;
	}
	while (cursor_u8(line, &ch) && ch != ';' && ch != '#')
		if (!isspace(ch)) {
			scn_perr(p, p->lineno, "text after the section header");
			return;
		}
	char *inner = scn_trim_copy((const char *)hdr + 1, n - 1);
	struct raw_section sec = { .line = p->lineno };
	if (strcmp(inner, "scenario") == 0) {
		sec.name = inner;
	} else if (strncmp(inner, "case", 4) == 0 && (inner[4] == '\0' || isspace((unsigned char)inner[4]))) {
		sec.is_case = true;
		sec.name = scn_trim_copy(inner + 4, strlen(inner + 4));
		free(inner);
		if (!sec.name[0]) {
			scn_perr(p, p->lineno, "a case needs a name: [case NAME]");
			free(sec.name);
			return;
		}
		if (strlen(sec.name) > SCN_MAX_NAME || !printable(sec.name) || strpbrk(sec.name, "[]")) {
			scn_perr(p, p->lineno, "bad case name '%s' (printable, no brackets, at most %d characters)",
				 sec.name, SCN_MAX_NAME);
			free(sec.name);
			return;
		}
	} else {
		scn_perr(p, p->lineno, "unknown section [%s] (expected [scenario] or [case NAME])", inner);
		free(inner);
		return;
	}
	for (size_t i = 0; i < p->nsecs; i++) {
		if (p->secs[i].is_case != sec.is_case || strcmp(p->secs[i].name, sec.name) != 0)
			continue;
		if (sec.is_case)
			scn_perr(p, p->lineno, "duplicate case '%s' (first at line %d)", sec.name, p->secs[i].line);
		else
			scn_perr(p, p->lineno, "second [scenario] section (first at line %d)", p->secs[i].line);
		free(sec.name);
		return;
	}
	p->secs = scn_xrealloc(p->secs, (p->nsecs + 1) * sizeof *p->secs);
	p->secs[p->nsecs] = sec;
	p->cur = &p->secs[p->nsecs++];
}

/* fgets over the file's bytes, counting lines (see the top of this file). */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0, max = (size_t)num - 1;
	uint8_t ch, bom[3];
	if (cursor_empty(&p->in) || num < 2)
		return NULL;
	while (n < max && cursor_u8(&p->in, &ch)) {
		str[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	str[n] = '\0';
	p->lineno++;
	if (n == max && str[n - 1] != '\n' && cursor_peek_u8(&p->in, 0, &ch)) {
		if (ch == '\n') {
			/* The line filled the buffer to its last byte: its newline is not a line of its own. */
			cursor_skip(&p->in, 1);
		} else {
			scn_perr(p, p->lineno, "line longer than %d characters: go on over an indented next line",
				 num - 2);
			while (cursor_peek_u8(&p->in, 0, &ch) && ch != '\n')
				cursor_skip(&p->in, 1);
		}
	}
	struct cursor line = cursor_make((const uint8_t *)str, n), after_bom = line;
	/* A UTF-8 byte order mark on line 1, which inih skips too. */
	if (p->lineno == 1 && cursor_copy(&after_bom, bom, sizeof bom) && bom[0] == 0xef && bom[1] == 0xbb &&
	    bom[2] == 0xbf)
		line = after_bom;
	size_t start = line.off;
	while (cursor_peek_u8(&line, 0, &ch) && (ch == ' ' || ch == '\t'))
		cursor_skip(&line, 1);
	bool more = cursor_peek_u8(&line, 0, &ch);
	p->indented = line.off != start && more && ch != '\n' && ch != '\r';
	if (more && ch == '[') {
		if (line.off != start)
			scn_perr(p, p->lineno, "indented section header (inih would read it as the previous value)");
		else
			section_open(p, &line);
	}
	return str;
}

/* Keys whose values are prose and may hold any text. */
static bool free_text_key(const char *key)
{
	return strcmp(key, "description") == 0 || strcmp(key, "note") == 0 || strncmp(key, "note[", 5) == 0 ||
	       strcmp(key, "reproduces") == 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	(void)section; /* inih's copy is truncated at 49 bytes: ours is p->cur */
	if (p->failed)
		return 1;
	if (!p->cur) {
		scn_perr(p, p->lineno, "'%s' outside any section: a file starts with [scenario]", name);
		return 1;
	}
	if (!printable(value)) {
		scn_perr(p, p->lineno, "control character in the value of '%s'", name);
		return 1;
	}
	struct raw_section *sec = p->cur;
	if (p->indented && sec->n > 0) {
		/* inih's multi-line value: an indented line goes on with the previous key. */
		struct raw_entry *e = &sec->e[sec->n - 1];
		if (!free_text_key(e->key) && strchr(value, '=')) {
			scn_perr(p, p->lineno, "indented '%s' reads as more of '%s': start each key in the first column",
				 value, e->key);
			return 1;
		}
		size_t a = strlen(e->value), b = strlen(value);
		e->value = scn_xrealloc(e->value, a + b + 2);
		e->value[a] = ' ';
		memcpy(e->value + a + 1, value, b + 1);
		return 1;
	}
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->e[i].key, name) == 0) {
			scn_perr(p, p->lineno, "duplicate key '%s' (first at line %d)", name, sec->e[i].line);
			return 1;
		}
	sec->e = scn_xrealloc(sec->e, (sec->n + 1) * sizeof *sec->e);
	sec->e[sec->n].key = scn_trim_copy(name, strlen(name));
	sec->e[sec->n].value = scn_trim_copy(value, strlen(value));
	sec->e[sec->n].line = p->lineno;
	sec->n++;
	return 1;
}

int scn_read(struct parse *p)
{
	/* memchr stays inside the cursor's bytes; inih would end the line at a NUL and read on. */
	if (cursor_left(&p->in) && memchr(p->in.p + p->in.off, '\0', cursor_left(&p->in))) {
		scn_perr(p, 1, "a NUL byte: not a text file");
		return -1;
	}
	int r = ini_parse_stream(reader, p, handler, p);
	if (p->failed)
		return -1;
	if (r == -2) {
		scn_perr(p, 0, "out of memory");
		return -1;
	}
	if (r > 0) {
		scn_perr(p, r, "syntax error: expected 'key = value', '[section]' or a comment");
		return -1;
	}
	return 0;
}
