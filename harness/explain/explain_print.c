/*
 * explain_print.c - rows and equivalents as text (wrapped at 78 columns,
 * labels in a left column) and as JSON values.
 */
#include "harness/explain/explain.h"

#include "harness/core/json.h"

#include <stdarg.h>
#include <string.h>

#define WRAP 78
#define LABEL_COL 12

/* Writes words from s[0..n) wrapped at WRAP, every line after the first indented by indent. */
static void wrap_line(FILE *out, const char *s, size_t n, size_t indent, size_t hang)
{
	size_t col = indent;
	bool first_word = true;
	const char *e = s + n;
	while (s < e) {
		const char *w;
		size_t wl;
		while (s < e && *s == ' ')
			s++;
		if (s == e)
			break;
		w = s;
		while (s < e && *s != ' ')
			s++;
		wl = (size_t)(s - w);
		if (!first_word && col + 1 + wl > WRAP) {
			fprintf(out, "\n%*s", (int)(indent + hang), "");
			col = indent + hang;
		} else if (!first_word) {
			fputc(' ', out);
			col++;
		}
		fwrite(w, 1, wl, out);
		col += wl;
		first_word = false;
	}
	fputc('\n', out);
}

/* One labelled field: lines of text ("- " items each on their own line), wrapped. */
static void field(FILE *out, const char *label, const char *text, const char *split)
{
	const char *p = text;
	bool first = true;
	if (!text || !*text)
		return;
	while (*p) {
		const char *end = split ? strstr(p, split) : NULL;
		const char *nl = strchr(p, '\n');
		size_t n;
		if (!end || (nl && nl < end))
			end = nl;
		n = end ? (size_t)(end - p) : strlen(p);
		if (first)
			fprintf(out, "  %-*s", LABEL_COL - 2, label);
		else
			fprintf(out, "%*s", LABEL_COL, "");
		wrap_line(out, p, n, LABEL_COL, strncmp(p, "- ", 2) == 0 ? 2 : 0);
		first = false;
		if (!end)
			break;
		p = end + (*end == '\n' ? 1 : strlen(split));
	}
}

static void print_row(FILE *out, const struct explain_row *r, const char *side)
{
	const struct explain_table_info *t = explain_table_find(r->stack);
	char code[32], line[256];
	explain_code_str(r, code, sizeof code);
	snprintf(line, sizeof line, "%s %s  %s", t ? t->label : r->stack, code, r->name);
	fprintf(out, "%s\n", line);
	if (t)
		field(out, "stack", t->title, NULL);
	if (side && *side)
		field(out, "side", side, NULL);
	if (r->version && *r->version) {
		snprintf(line, sizeof line, "%s only", r->version);
		field(out, "version", line, NULL);
	}
	field(out, "shows as", r->shows, " | ");
	field(out, "meaning", r->meaning, NULL);
	if (r->alert >= 0) {
		const struct explain_row *a = explain_alert(r->alert);
		bool device = strcmp(r->stack, "openssl") != 0 && strcmp(r->stack, "tls-alert") != 0;
		snprintf(line, sizeof line, "%s %d %s (%s)", r->alert_sent ? "sends" : "received", r->alert,
			 a ? a->name : "?",
			 device ? (r->alert_sent ? "the device sends it" : "the server sent it")
				: (r->alert_sent ? "the server sends it" : "the device sent it"));
		if (strcmp(r->stack, "tls-alert") != 0)
			field(out, "alert", line, NULL);
	}
	field(out, "causes", r->causes, NULL);
	field(out, "confirm", r->confirm, NULL);
	field(out, "fix", r->fix, NULL);
	field(out, "source", r->source, NULL);
}

void explain_print_row(FILE *out, const struct explain_row *r)
{
	print_row(out, r, NULL);
}

void explain_print_hit(FILE *out, const struct explain_hit *hit)
{
	print_row(out, hit->row, hit->side);
}

void explain_print_equiv(FILE *out, const struct explain_equiv *eq, const char *indent)
{
	size_t i = 0;
	char head[512];
	snprintf(head, sizeof head, "same failure on each stack: %s", eq->title);
	fputs(indent, out);
	wrap_line(out, head, strlen(head), strlen(indent), 4);
	while (i < eq->nrows) {
		const char *stack = eq->rows[i]->stack;
		const struct explain_table_info *t = explain_table_find(stack);
		char line[512];
		size_t n = 0;
		n += (size_t)snprintf(line + n, sizeof line - n, "on %s: ", t ? t->label : stack);
		for (bool first = true; i < eq->nrows && strcmp(eq->rows[i]->stack, stack) == 0; i++) {
			char code[32];
			if (n < sizeof line)
				n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %s%s%s%s", first ? "" : ", ",
						      explain_code_str(eq->rows[i], code, sizeof code), eq->rows[i]->name,
						      eq->rows[i]->other_version ? " (" : "",
						      eq->rows[i]->other_version ? eq->rows[i]->version : "",
						      eq->rows[i]->other_version ? ")" : "");
			first = false;
		}
		fprintf(out, "%s  ", indent);
		wrap_line(out, line, strnlen(line, sizeof line), strlen(indent) + 2, 4);
	}
	if (eq->note && *eq->note) {
		fprintf(out, "%s  note: ", indent);
		wrap_line(out, eq->note, strlen(eq->note), strlen(indent) + 8, 0);
	}
}

static void append(char *buf, size_t len, size_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;
	if (*n >= len)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (w > 0)
		*n = *n + (size_t)w < len ? *n + (size_t)w : len;
}

static const char *equiv_line(const struct explain_equiv *eq, bool devices, char *buf, size_t len)
{
	size_t n = 0;
	const struct explain_row *prev = NULL;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < eq->nrows; i++) {
		const struct explain_row *r = eq->rows[i];
		const struct explain_table_info *t = explain_table_find(r->stack);
		char code[32];
		if (devices && !explain_stack_is_device(r->stack))
			continue;
		if (prev && strcmp(prev->stack, r->stack) == 0)
			append(buf, len, &n, ", ");
		else
			append(buf, len, &n, "%son %s: ", prev ? "; " : "", t ? t->label : r->stack);
		append(buf, len, &n, "%s %s", explain_code_str(r, code, sizeof code), r->name);
		if (r->other_version)
			append(buf, len, &n, " (%s)", r->version);
		if (devices && r->shows && *r->shows) { /* the first print form of "a | b" */
			size_t k = strcspn(r->shows, "|");
			while (k && r->shows[k - 1] == ' ')
				k--;
			append(buf, len, &n, " [%.*s]", (int)k, r->shows);
		}
		prev = r;
	}
	return buf;
}

const char *explain_equiv_line(const struct explain_equiv *eq, char *buf, size_t len)
{
	return equiv_line(eq, false, buf, len);
}

const char *explain_equiv_line_devices(const struct explain_equiv *eq, char *buf, size_t len)
{
	return equiv_line(eq, true, buf, len);
}

struct jv *explain_equiv_devices_json(const struct explain_equiv *eq)
{
	struct jw *w = jw_open_tree();
	explain_equiv_devices_write(w, NULL, eq);
	return jw_close_tree(w);
}

void explain_equiv_devices_write(struct jw *w, const char *key, const struct explain_equiv *eq)
{
	jw_array(w, key);
	for (size_t i = 0; eq && i < eq->nrows; i++) {
		const struct explain_row *r = eq->rows[i];
		char code[32];
		if (!explain_stack_is_device(r->stack))
			continue;
		jw_object(w, NULL);
		jw_str(w, "stack", r->stack);
		jw_str(w, "code", explain_code_str(r, code, sizeof code));
		jw_str(w, "name", r->name);
		jw_str(w, "shows", r->shows);
		jw_end(w);
	}
	jw_end(w);
}

struct jv *explain_row_json(const struct explain_row *r)
{
	struct jv *o = jv_object();
	char code[32];
	jv_set_str(o, "stack", r->stack);
	jv_set_int(o, "code", r->code);
	jv_set_str(o, "code_text", explain_code_str(r, code, sizeof code));
	jv_set_str(o, "name", r->name);
	jv_set_str(o, "meaning", r->meaning);
	jv_set_str(o, "causes", r->causes);
	jv_set_str(o, "confirm", r->confirm);
	jv_set_str(o, "fix", r->fix);
	jv_set_str(o, "source", r->source);
	jv_set_str(o, "shows", r->shows);
	jv_set_str(o, "version", r->version);
	if (r->alert >= 0) {
		jv_set_int(o, "alert", r->alert);
		jv_set_str(o, "alert_direction", r->alert_sent ? "sent" : "received");
	} else {
		jv_set(o, "alert", jv_null());
	}
	jv_set_bool(o, "composed", r->composed);
	return o;
}

struct jv *explain_equiv_json(const struct explain_equiv *eq)
{
	struct jv *o = jv_object(), *rows = jv_array();
	jv_set_str(o, "key", eq->key);
	jv_set_str(o, "title", eq->title);
	jv_set_str(o, "note", eq->note);
	for (size_t i = 0; i < eq->nrows; i++) {
		struct jv *r = jv_object();
		char code[32];
		jv_set_str(r, "stack", eq->rows[i]->stack);
		jv_set_int(r, "code", eq->rows[i]->code);
		jv_set_str(r, "code_text", explain_code_str(eq->rows[i], code, sizeof code));
		jv_set_str(r, "name", eq->rows[i]->name);
		jv_push(rows, r);
	}
	jv_set(o, "rows", rows);
	return o;
}
