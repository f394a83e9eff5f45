/*
 * report_html.c - a run (or a decoded capture) as one self-contained HTML
 * page: inline CSS and SVG, no script, nothing fetched, so it opens from a
 * CI artifact or a mail attachment as it is.
 *
 * The page: the summary grid (a row per case, a column per server profile,
 * each cell coloured by the case's status), then per case its expectation
 * and outcome, the diagnosis and fix, a ladder diagram of the decoded
 * connection (client and server columns, one arrow per message in capture
 * order, alerts red with their names, the TCP FIN/RST of each side), the
 * server's log lines, and links to the pcap and key log.
 *
 * Every string that reaches the page goes through html_text() (junit.c's
 * XML escaper: & < > " ' as entities, invalid UTF-8 and control characters
 * as U+FFFD), whether it came from a scenario file, the wire or a log.
 */
#include "harness/run/report.h"

#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/run/case_store.h"
#include "harness/run/outdir.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define html_text junit_escape

/* Colours: one per status, and the ladder's. */
#define HTML_RED "#c62828"
#define HTML_RST "#e65100"
#define HTML_GREY "#616161" /* an encrypted alert: most often close_notify, its name unknown without keys */

static const char html_css[] =
	"body{font:14px/1.45 'DejaVu Sans',sans-serif;margin:24px;color:#212121;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ccc}"
	"h3{font-size:15px;margin:0 0 6px}.meta{color:#555;margin:0 0 12px}"
	"table.grid{border-collapse:collapse}table.grid th,table.grid td{border:1px solid #bbb;padding:4px 8px;"
	"text-align:left;vertical-align:top}table.grid td.st{font-weight:bold;text-align:center;min-width:70px}"
	"table.grid td.st a{color:inherit;text-decoration:none}"
	".PASS{background:#c8e6c9;color:#1b5e20}.FAIL{background:#ffcdd2;color:#b71c1c}"
	".ERROR{background:#ffe0b2;color:#e65100}.SKIP{background:#e0e0e0;color:#424242}"
	".NOT-RUN{background:#fafafa;color:#757575}.none{background:#fff}"
	"section.case{border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:14px 0}"
	".badge{display:inline-block;padding:1px 8px;border-radius:4px;margin-right:8px}"
	"dl{display:grid;grid-template-columns:110px 1fr;gap:2px 12px;margin:8px 0}dt{color:#555}dd{margin:0}"
	"pre{background:#f5f5f5;padding:8px;overflow-x:auto;font-size:12px;white-space:pre-wrap}"
	"svg{display:block;margin:8px 0}.files a{margin-right:14px}";

static void html_head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>",
	      out);
	html_text(out, title);
	fprintf(out, "</title>\n<style>%s</style></head>\n<body>\n", html_css);
}

/* A term and its text, when there is text. */
static void html_row(FILE *out, const char *term, const char *text)
{
	if (!text || !*text)
		return;
	fprintf(out, "<dt>%s</dt><dd>", term);
	html_text(out, text);
	fputs("</dd>\n", out);
}

static const char *html_jstr(const struct jv *o, const char *key)
{
	const char *s = o ? jv_str(jv_get(o, key)) : NULL;
	return s ? s : "";
}

/* ---- the ladder ---- */

#define LAD_W 760
#define LAD_CX 150 /* the client's column */
#define LAD_SX 610 /* the server's */
#define LAD_TOP 46
#define LAD_ROW 30

/* One arrow: from the client (to_server) or the server, its label above it. */
static void html_arrow(FILE *out, int y, bool to_server, const char *colour, bool dashed, const char *label,
		       const char *time)
{
	int x1 = to_server ? LAD_CX : LAD_SX, x2 = to_server ? LAD_SX - 8 : LAD_CX + 8;
	fprintf(out,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>"
		"<polygon points=\"%d,%d %d,%d %d,%d\" fill=\"%s\"/>",
		x1, y, x2, y, colour, dashed ? " stroke-dasharray=\"6 4\"" : "", to_server ? LAD_SX : LAD_CX, y, x2,
		y - 5, x2, y + 5, colour);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\" fill=\"%s\">",
		(LAD_CX + LAD_SX) / 2, y - 5, colour);
	html_text(out, label);
	fputs("</text>", out);
	if (time && *time) {
		fprintf(out, "<text x=\"8\" y=\"%d\" font-size=\"10\" fill=\"#777\">+", y + 4);
		html_text(out, time);
		fputs(" s</text>", out);
	}
	fputc('\n', out);
}

/* The message's label: its type and the decoder's summary, cut to fit the arrow. */
static void html_label(const struct jv *m, char *buf, size_t len)
{
	const char *type = html_jstr(m, "type"), *sum = html_jstr(m, "summary");
	bool enc = jv_boolval(jv_get(m, "encrypted"));
	snprintf(buf, len, "%s%s%s%s", type, *sum ? " " : "", sum, enc && !*sum ? " (encrypted)" : "");
	if (strlen(buf) > 72 && len > 72)
		memcpy(buf + 69, "...", 4);
}

/* How one side closed: "FIN", "RST" or NULL (not seen). */
static const char *html_closed(const struct jv *end, const char *side)
{
	char key[32];
	snprintf(key, sizeof key, "%s_closed", side);
	const char *s = jv_str(jv_get(end, key));
	return s && (strcmp(s, "FIN") == 0 || strcmp(s, "RST") == 0) ? s : NULL;
}

static void html_ladder(FILE *out, const struct jv *conn)
{
	const struct jv *msgs = jv_get(conn, "messages"), *end = jv_get(conn, "end");
	const char *first = html_jstr(end, "by");
	const char *order[2] = { strcmp(first, "server") == 0 ? "server" : "client",
				 strcmp(first, "server") == 0 ? "client" : "server" };
	size_t rows = jv_len(msgs) + (html_closed(end, "client") != NULL) + (html_closed(end, "server") != NULL);
	int h = LAD_TOP + (int)(rows ? rows : 1) * LAD_ROW + 16, y = LAD_TOP + LAD_ROW - 8;
	char label[160];
	fprintf(out, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		     "role=\"img\" class=\"ladder\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		LAD_W, h, LAD_W, h);
	fprintf(out, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">client</text>", LAD_CX);
	fprintf(out, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">server</text>\n", LAD_SX);
	fprintf(out, "<text x=\"%d\" y=\"33\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">", LAD_CX);
	html_text(out, html_jstr(conn, "client"));
	fprintf(out, "</text><text x=\"%d\" y=\"33\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">", LAD_SX);
	html_text(out, html_jstr(conn, "server"));
	fputs("</text>\n", out);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9e9e9e\" stroke-width=\"3\"/>", LAD_CX,
		LAD_TOP - 6, LAD_CX, h - 8);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9e9e9e\" stroke-width=\"3\"/>\n", LAD_SX,
		LAD_TOP - 6, LAD_SX, h - 8);
	for (size_t i = 0; i < jv_len(msgs); i++, y += LAD_ROW) {
		const struct jv *m = jv_at(msgs, i);
		bool alert = strcmp(html_jstr(m, "type"), "Alert") == 0, enc = jv_boolval(jv_get(m, "encrypted"));
		html_label(m, label, sizeof label);
		html_arrow(out, y, strcmp(html_jstr(m, "from"), "client") == 0,
			   alert ? (enc ? HTML_GREY : HTML_RED) : "#1565c0", false, label, html_jstr(m, "time"));
	}
	/* the TCP end: the side that closed first, then the other */
	for (int k = 0; k < 2; k++) {
		const char *how = html_closed(end, order[k]);
		if (!how)
			continue;
		snprintf(label, sizeof label, "TCP %s from the %s", how, order[k]);
		html_arrow(out, y, strcmp(order[k], "client") == 0, strcmp(how, "RST") == 0 ? HTML_RST : "#616161", true,
			   label, NULL);
		y += LAD_ROW;
	}
	if (!rows)
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\">no TLS message seen</text>\n",
			(LAD_CX + LAD_SX) / 2, y);
	fputs("</svg>\n", out);
}

/* The alerts, as words (the SVG says the same; this is what a reader searches for). */
static void html_alerts(FILE *out, const struct jv *conn)
{
	const struct jv *alerts = jv_get(conn, "alerts");
	for (size_t i = 0; i < jv_len(alerts); i++) {
		const struct jv *a = jv_at(alerts, i);
		char line[256];
		bool enc = jv_boolval(jv_get(a, "encrypted"));
		if (enc)
			snprintf(line, sizeof line, "an encrypted alert from the %s (most often close_notify)",
				 html_jstr(a, "from"));
		else
			snprintf(line, sizeof line, "%s %s (%lld) sent by the %s%s%s", html_jstr(a, "level"),
				 html_jstr(a, "name"), jv_intval(jv_get(a, "description")), html_jstr(a, "from"),
				 *html_jstr(a, "after") ? " after " : "", html_jstr(a, "after"));
		fprintf(out, "<dt>alert</dt><dd style=\"color:%s\">", enc ? HTML_GREY : HTML_RED);
		html_text(out, line);
		fputs("</dd>\n", out);
	}
}

/* A link to a file of the run (when it is there), relative when the page is in the run's directory. */
static void html_link(FILE *out, const char *out_dir, const char *base, const char *dir, const char *file,
		      const char *text)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/%s/%s", out_dir ? out_dir : ".", dir, file);
	if (access(path, R_OK) != 0)
		return;
	snprintf(path, sizeof path, "%s%s%s/%s", base, *base ? "/" : "", dir, file);
	fputs("<a href=\"", out);
	html_text(out, path);
	fputs("\">", out);
	html_text(out, text);
	fputs("</a>", out);
}

/* ---- a run ---- */

/* The grid's row of a case: its scenario, base name and combination without the server. */
static void html_row_key(const struct scenario_case *c, char *buf, size_t len)
{
	char combo[256] = "", *save = NULL, copy[256];
	snprintf(copy, sizeof copy, "%s", c->combo ? c->combo : "");
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (strncmp(w, "server=", 7) == 0)
			continue;
		size_t n = strlen(combo);
		snprintf(combo + n, sizeof combo - n, "%s%s", n ? "," : "", w);
	}
	snprintf(buf, len, "%s/%s%s%s%s", c->scenario->name, c->base, combo[0] ? "[" : "", combo, combo[0] ? "]" : "");
}

static const char *html_server(const struct scenario_case *c)
{
	const char *s = c->value[SCN_SERVER];
	return s ? s : "";
}

/* Rows by case, columns by server; each cell links to the case's section "case-N" (N: its place in the
 * run, as names may hold anything).  From the cases' briefs: nothing is read back. */
static void html_grid(FILE *out, const struct run_report *rep)
{
	const char **servers = calloc(rep->n + 1, sizeof *servers);
	char (*rows)[320] = calloc(rep->n + 1, sizeof *rows);
	size_t *cell = NULL, ns = 0, nr = 0;
	size_t *row_of = calloc(rep->n + 1, sizeof *row_of), *col_of = calloc(rep->n + 1, sizeof *col_of);
	if (!servers || !rows || !row_of || !col_of)
		goto out;
	for (size_t i = 0; i < rep->n; i++) {
		const struct scenario_case *c = report_brief(rep, i)->spec;
		const char *s = html_server(c);
		char key[320];
		size_t k;
		for (k = 0; k < ns && strcmp(servers[k], s) != 0; k++)
			;
		if (k == ns)
			servers[ns++] = s;
		col_of[i] = k;
		html_row_key(c, key, sizeof key);
		for (k = nr; k-- > 0 && strcmp(rows[k], key) != 0;) /* from the last: a matrix's rows come in runs */
			;
		if (k == (size_t)-1) {
			k = nr;
			memcpy(rows[nr++], key, sizeof key);
		}
		row_of[i] = k;
	}
	/* The first case of each (row, server); rep->n: none. */
	cell = malloc((nr * ns + 1) * sizeof *cell);
	if (!cell)
		goto out;
	for (size_t j = 0; j < nr * ns; j++)
		cell[j] = rep->n;
	for (size_t i = rep->n; i-- > 0;)
		cell[row_of[i] * ns + col_of[i]] = i;
	fputs("<table class=\"grid\" id=\"grid\">\n<tr><th>case</th>", out);
	for (size_t k = 0; k < ns; k++) {
		fputs("<th>", out);
		html_text(out, servers[k]);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (size_t j = 0; j < nr; j++) {
		fputs("<tr><td>", out);
		html_text(out, rows[j]);
		fputs("</td>", out);
		for (size_t k = 0; k < ns; k++) {
			size_t at = cell[j * ns + k];
			if (at == rep->n) {
				fputs("<td class=\"none\"></td>", out);
				continue;
			}
			const struct case_brief *hit = report_brief(rep, at);
			fprintf(out, "<td class=\"st %s\" title=\"", case_status_name(hit->status));
			html_text(out, hit->line ? hit->line : case_status_name(hit->status));
			fprintf(out, "\"><a href=\"#case-%zu\">%s</a></td>", at + 1, case_status_name(hit->status));
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
out:
	free(servers);
	free(rows);
	free(row_of);
	free(col_of);
	free(cell);
}

static void html_case(FILE *out, const struct run_report *rep, const struct case_result *r, size_t idx,
		      const char *base)
{
	const struct scenario_case *c = r->spec;
	char ex[96], why[1024], title[300];
	const char *st = case_status_name(r->status);
	snprintf(title, sizeof title, "%s/%s", c->scenario->name, c->name);
	fprintf(out, "<section class=\"case\" id=\"case-%zu\" data-case=\"", idx + 1);
	html_text(out, title);
	fprintf(out, "\">\n<h3><span class=\"badge %s\">%s</span>", st, st);
	html_text(out, title);
	fputs("</h3>\n<dl>\n", out);
	expect_format(&c->expect, ex, sizeof ex);
	html_row(out, "server", html_server(r->spec));
	html_row(out, "device", c->value[SCN_DEVICE]);
	html_row(out, "expected", ex);
	report_case_diagnosis(r, why, sizeof why);
	html_row(out, "result", why);
	if (r->got.connected && r->version[0]) {
		char s[96];
		snprintf(s, sizeof s, "%s %s", r->version, r->suite);
		html_row(out, "session", s);
	}
	if (r->decoded)
		html_alerts(out, r->decoded);
	html_row(out, "diagnosis", r->diag.summary);
	html_row(out, "fix", r->diag.fix);
	if (r->device.present)
		html_row(out, "device saw", r->device.text);
	html_row(out, "on devices", r->equiv.line);
	html_row(out, "note", c->note);
	html_row(out, "scenario", c->scenario->description);
	html_row(out, "reproduces", c->scenario->reproduces);
	fputs("</dl>\n", out);
	if (r->decoded)
		html_ladder(out, r->decoded);
	else if (r->capture.present)
		fputs("<p>the capture holds no TLS connection</p>\n", out);
	if (r->server_log && *r->server_log) {
		fputs("<details><summary>server log</summary><pre>", out);
		html_text(out, r->server_log);
		fputs("</pre></details>\n", out);
	}
	if (r->dir[0]) {
		char dir[600];
		snprintf(dir, sizeof dir, "%s", r->dir);
		fputs("<p class=\"files\">", out);
		html_link(out, rep->out_dir, base, dir, "capture.pcap", "capture.pcap");
		html_link(out, rep->out_dir, base, dir, "capture.keys", "key log (capture.keys)");
		html_link(out, rep->out_dir, base, dir, "decoded.txt", "decoded.txt");
		fputs("</p>\n", out);
	}
	fputs("</section>\n", out);
}

/* Where the page's links start: the run dir as seen from the page (relative when the page is in it). */
static void html_base(const char *out_dir, const char *html_path, char *buf, size_t len)
{
	char run[PATH_MAX], page[PATH_MAX], dir[PATH_MAX];
	const char *slash = html_path ? strrchr(html_path, '/') : NULL;
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - html_path) : 1, slash ? html_path : ".");
	if (out_dir && realpath(out_dir, run) && realpath(dir[0] ? dir : "/", page) && strcmp(run, page) == 0)
		snprintf(buf, len, "%s", "");
	else if (out_dir && realpath(out_dir, run))
		snprintf(buf, len, "%s", run);
	else
		snprintf(buf, len, "%s", out_dir ? out_dir : ".");
}

int report_html_write(FILE *out, const struct run_report *rep, const char *html_path)
{
	struct report_counts n;
	char base[PATH_MAX];
	report_count(rep, &n);
	html_base(rep->out_dir, html_path, base, sizeof base);
	html_head(out, "tlsdiag run report");
	fputs("<h1>tlsdiag run report</h1>\n<p class=\"meta\">", out);
	fprintf(out, "started %s, %ld ms; %zu cases: %zu passed, %zu failed, %zu harness errors, %zu skipped%s; "
		     "files in ",
		rep->started, rep->duration_ms, rep->n, n.pass, n.fail, n.error, n.skip,
		rep->incomplete || n.not_run ? ", INCOMPLETE" : "");
	html_text(out, rep->out_dir ? rep->out_dir : ".");
	fputs("</p>\n<h2>Summary: cases by server</h2>\n", out);
	html_grid(out, rep);
	fputs("<h2>Cases</h2>\n", out);
	for (size_t i = 0; i < rep->n; i++) {
		struct case_result tmp;
		html_case(out, rep, report_case(rep, i, &tmp), i, base);
		case_result_release(&tmp);
	}
	fputs("</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}

int report_html_check(const char *path)
{
	char err[512];
	if (outdir_check_writable(path, err, sizeof err) != 0)
		return err_report(ERR_IO, "cannot write --html: %s", err);
	return EXIT_OK;
}

int report_html_file(const struct run_report *rep, const char *path, FILE *out)
{
	char err[512];
	struct outdir_file of;
	FILE *f = outdir_open(&of, path, err, sizeof err);
	if (!f)
		return err_report(ERR_IO, "%s", err);
	if (report_html_write(f, rep, path) != 0) {
		outdir_abort(&of);
		return err_report(ERR_IO, "%s: write error", path);
	}
	if (outdir_commit(&of, err, sizeof err) != 0)
		return err_report(ERR_IO, "%s", err);
	fprintf(out, "html: %s\n", path);
	return EXIT_OK;
}

/* ---- a decoded capture ---- */

int report_html_decode(FILE *out, const char *pcap_path, const struct jv *conns, const struct jv *notes)
{
	char abs[PATH_MAX];
	const char *href = realpath(pcap_path, abs) ? abs : pcap_path;
	html_head(out, "tlsdiag decode");
	fputs("<h1>tlsdiag decode</h1>\n<p class=\"meta\">", out);
	html_text(out, pcap_path);
	fprintf(out, ": %zu TLS connection%s; <a href=\"", jv_len(conns), jv_len(conns) == 1 ? "" : "s");
	html_text(out, href);
	fputs("\">the capture</a></p>\n", out);
	for (size_t i = 0; i < jv_len(notes); i++) {
		fputs("<p class=\"meta\">note: ", out);
		html_text(out, jv_str(jv_at(notes, i)));
		fputs("</p>\n", out);
	}
	for (size_t i = 0; i < jv_len(conns); i++) {
		const struct jv *c = jv_at(conns, i), *d = jv_get(c, "diagnosis");
		bool ok = strcmp(html_jstr(c, "outcome"), "handshake_complete") == 0;
		char title[200];
		snprintf(title, sizeof title, "%s -> %s", html_jstr(c, "client"), html_jstr(c, "server"));
		fprintf(out, "<section class=\"case\" id=\"conn-%zu\" data-case=\"", i + 1);
		html_text(out, title);
		fprintf(out, "\">\n<h3><span class=\"badge %s\">", ok ? "PASS" : "FAIL");
		html_text(out, html_jstr(c, "outcome"));
		fputs("</span>", out);
		html_text(out, title);
		fputs("</h3>\n<dl>\n", out);
		if (ok) {
			char s[128];
			snprintf(s, sizeof s, "%s %s", html_jstr(c, "version"), html_jstr(c, "cipher_suite"));
			html_row(out, "session", s);
		}
		html_alerts(out, c);
		html_row(out, "diagnosis", html_jstr(d, "summary"));
		html_row(out, "evidence", html_jstr(d, "evidence"));
		html_row(out, "fix", html_jstr(d, "fix"));
		fputs("</dl>\n", out);
		html_ladder(out, c);
		fputs("</section>\n", out);
	}
	fputs("</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}

/* ---- pieces other pages share (probe/probe_html.c) ---- */

void report_html_head(FILE *out, const char *title)
{
	html_head(out, title);
}

void report_html_row(FILE *out, const char *term, const char *text)
{
	html_row(out, term, text);
}

void report_html_alerts(FILE *out, const struct jv *conn)
{
	html_alerts(out, conn);
}

void report_html_ladder(FILE *out, const struct jv *conn)
{
	html_ladder(out, conn);
}

void report_html_text(FILE *out, const char *s)
{
	html_text(out, s);
}
