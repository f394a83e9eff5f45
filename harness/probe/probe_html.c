/*
 * probe_html.c - 'tlsdiag probe --html FILE': the probe as one
 * self-contained page (the run report's style and ladder, report_html.c):
 * a grid of the clients coloured by outcome, the server summary with its
 * findings, then per client its outcome, error, diagnosis and fix, the
 * ladder of its decoded connection and links to its capture and key log.
 *
 * Everything from the wire or the target's programs goes through
 * report_html_text() (escaped, invalid UTF-8 and control bytes replaced).
 */
#include "harness/probe/probe.h"

#include "harness/core/json.h"
#include "harness/run/report.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *probe_html_status(const struct probe_attempt *a)
{
	if (!a->ran || a->skipped)
		return "SKIP";
	return a->connected ? "PASS" : "FAIL";
}

/* A link to one of the attempt's files, by absolute path (the page may be anywhere). */
static void probe_html_link(FILE *out, const char *out_dir, const char *rel, const char *text)
{
	char path[PATH_MAX * 2], abs[PATH_MAX];
	if (!rel[0])
		return;
	snprintf(path, sizeof path, "%s/%s", out_dir, rel);
	if (!realpath(path, abs))
		return;
	fputs("<a href=\"", out);
	report_html_text(out, abs);
	fputs("\">", out);
	report_html_text(out, text);
	fputs("</a>", out);
}

static void probe_html_grid(FILE *out, const struct probe_report *rep)
{
	fputs("<table class=\"grid\"><tr><th>client</th><th>kind</th><th>engine</th><th>outcome</th>"
	      "<th>version, suite or error</th></tr>\n",
	      out);
	for (size_t i = 0; i < rep->nattempts; i++) {
		const struct probe_attempt *a = &rep->attempts[i];
		char what[480];
		if (a->connected)
			snprintf(what, sizeof what, "%s %s%s", a->version, a->suite,
				 a->verified ? "" : " (certificate not checked)");
		else
			snprintf(what, sizeof what, "%s", a->error[0] ? a->error : a->error_name);
		fprintf(out, "<tr data-client=\"");
		report_html_text(out, a->name);
		fputs("\"><td>", out);
		report_html_text(out, a->name);
		fprintf(out, "</td><td>%s</td><td>", a->kind == PROBE_DEVICE ? "device" : "reference");
		report_html_text(out, a->engine);
		fprintf(out, "</td><td class=\"st %s\"><a href=\"#client-%zu\">%s</a></td><td>", probe_html_status(a), i + 1,
			probe_html_status(a));
		report_html_text(out, what);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void probe_html_server(FILE *out, const struct probe_report *rep)
{
	const struct probe_server *s = &rep->server;
	fputs("<h2>The server</h2>\n<dl>\n", out);
	report_html_row(out, "versions", s->versions);
	report_html_row(out, "groups", s->groups);
	report_html_row(out, "SNI", s->sni);
	report_html_row(out, "records", s->records);
	report_html_row(out, "tickets", s->tickets);
	report_html_row(out, "chain", s->chain_note);
	for (size_t i = 0; s->chain && i < jv_len(jv_get(s->chain, "certificates")); i++) {
		const struct jv *c = jv_at(jv_get(s->chain, "certificates"), i);
		char line[400];
		const char *subj = jv_str(jv_get(c, "subject")), *kt = jv_str(jv_get(c, "key_type"));
		const char *na = jv_str(jv_get(c, "not_after"));
		snprintf(line, sizeof line, "%.200s, %s %lld, until %s", subj ? subj : "?", kt ? kt : "?",
			 jv_is_int(jv_get(c, "key_bits")) ? jv_intval(jv_get(c, "key_bits")) : 0LL, na ? na : "?");
		report_html_row(out, "certificate", line);
	}
	for (size_t i = 0; i < s->nfindings; i++) {
		char line[720];
		snprintf(line, sizeof line, "%s%s%s", s->findings[i].text, s->findings[i].hurts[0] ? "; hurts: " : "",
			 s->findings[i].hurts);
		report_html_row(out, "finding", line);
	}
	fputs("</dl>\n", out);
}

static void probe_html_attempt(FILE *out, const struct probe_report *rep, const struct probe_attempt *a, size_t i)
{
	fprintf(out, "<section class=\"case\" id=\"client-%zu\" data-case=\"", i + 1);
	report_html_text(out, a->name);
	fprintf(out, "\">\n<h3><span class=\"badge %s\">%s</span>", probe_html_status(a), probe_html_status(a));
	report_html_text(out, a->name);
	fputs("</h3>\n<dl>\n", out);
	report_html_row(out, "engine", a->engine);
	report_html_row(out, "trusts", a->ca);
	if (a->connected) {
		char s[128];
		snprintf(s, sizeof s, "%s %s", a->version, a->suite);
		report_html_row(out, "session", s);
	} else {
		report_html_row(out, "stage", a->stage);
		report_html_row(out, "error", a->error);
		report_html_row(out, "library", a->error_name);
	}
	if (a->decoded)
		report_html_alerts(out, a->decoded);
	report_html_row(out, "diagnosis", a->diag_summary);
	report_html_row(out, "fix", a->diag_fix);
	fputs("</dl>\n", out);
	if (a->decoded)
		report_html_ladder(out, a->decoded);
	fputs("<p class=\"files\">", out);
	probe_html_link(out, rep->out_dir, a->pcap, "capture");
	probe_html_link(out, rep->out_dir, a->keylog, "key log");
	fputs("</p>\n</section>\n", out);
}

int probe_write_html(FILE *out, const struct probe_report *rep)
{
	char title[400];
	size_t ok = 0, devices = 0;
	for (size_t i = 0; i < rep->nattempts; i++)
		if (rep->attempts[i].kind == PROBE_DEVICE) {
			devices++;
			ok += rep->attempts[i].connected;
		}
	snprintf(title, sizeof title, "tlsdiag probe %s", rep->target);
	report_html_head(out, title);
	fputs("<h1>", out);
	report_html_text(out, title);
	fprintf(out, "</h1>\n<p class=\"meta\">name checked: ");
	report_html_text(out, rep->sni);
	fprintf(out, "; %zu of %zu devices connected</p>\n", ok, devices);
	probe_html_grid(out, rep);
	if (rep->surveyed)
		probe_html_server(out, rep);
	fputs("<h2>Clients</h2>\n", out);
	for (size_t i = 0; i < rep->nattempts; i++)
		probe_html_attempt(out, rep, &rep->attempts[i], i);
	fputs("</body></html>\n", out);
	fflush(out);
	return ferror(out) ? -1 : 0;
}
