/*
 * junit.c - the run as JUnit XML for CI (the Ant/Jenkins dialect; schema in
 * tests/data/junit.xsd).  One <testsuite> per scenario with its file and
 * report as <properties>, one <testcase> per case (classname = scenario):
 * <failure> when the expectation was missed (message = the diagnosis),
 * <error> when the harness failed, <skipped> when the case could not run.
 *
 * Text from the wire (alert details, server log lines, wolfSSL messages)
 * reaches this file, so every string goes through junit_escape(): markup
 * characters become entities and anything XML 1.0 cannot hold (control
 * characters, invalid UTF-8, U+FFFE/U+FFFF) becomes U+FFFD.
 */
#include "harness/run/report.h"

#include "harness/run/case_store.h"
#include "harness/run/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* XML 1.0 section 2.2: Char. */
static int xml_char_ok(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	       (c >= 0x10000 && c <= 0x10ffff);
}

void junit_escape(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		uint32_t cp = 0;
		size_t n = utf8_next(p, &cp);
		if (n == 0 || !xml_char_ok(cp)) {
			fputs("\xef\xbf\xbd", out);
			p += n ? n : 1;
			continue;
		}
		switch (cp) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		case '\t':
		case '\n':
		case '\r':
			/* As references they survive attribute-value normalisation. */
			fprintf(out, "&#%u;", (unsigned)cp);
			break;
		default:
			fwrite(p, 1, n, out);
			break;
		}
		p += n;
	}
}

static void attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	junit_escape(out, value);
	fputc('"', out);
}

static void property(FILE *out, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	fprintf(out, "      <property");
	attr(out, "name", name);
	attr(out, "value", value);
	fputs("/>\n", out);
}

/* The text report's details of a case, escaped. */
static void escaped_details(FILE *out, const struct run_report *rep, const struct case_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return;
	report_case_details(m, rep, r);
	fclose(m);
	junit_escape(out, buf);
	free(buf);
}

/* Case i; only a case that did not pass is read back from the store (its details go in). */
static void testcase(FILE *out, const struct run_report *rep, size_t i)
{
	const struct case_brief *br = report_brief(rep, i);
	struct case_result tmp;
	char msg[1024];
	fputs("    <testcase", out);
	attr(out, "name", br->spec->name);
	attr(out, "classname", br->spec->scenario->name);
	fprintf(out, " time=\"%ld.%03ld\"", br->duration_ms / 1000, br->duration_ms % 1000);
	fputs(">\n", out);
	if (br->status == CASE_PASS && br->line) {
		fputs("      <system-out>", out);
		junit_escape(out, br->line);
		fputs("</system-out>\n    </testcase>\n", out);
		return;
	}
	const struct case_result *r = report_case(rep, i, &tmp);
	report_case_diagnosis(r, msg, sizeof msg);
	switch (r->status) {
	case CASE_SKIP:
		fputs("      <skipped", out);
		attr(out, "message", r->skip_reason[0] ? r->skip_reason : "the client cannot run this case");
		fputs("/>\n", out);
		break;
	case CASE_FAIL:
	case CASE_ERROR:
	case CASE_NOT_RUN:
		fprintf(out, "      <%s", r->status == CASE_FAIL ? "failure" : "error");
		attr(out, "message", msg);
		attr(out, "type", r->status == CASE_FAIL ? "expectation" : r->status == CASE_ERROR ? "harness" : "not-run");
		fputs(">", out);
		escaped_details(out, rep, r);
		fprintf(out, "</%s>\n", r->status == CASE_FAIL ? "failure" : "error");
		break;
	case CASE_PASS:
	default:
		break;
	}
	report_case_line_text(r, msg, sizeof msg);
	fputs("      <system-out>", out);
	junit_escape(out, msg);
	fputs("</system-out>\n", out);
	fputs("    </testcase>\n", out);
	case_result_release(&tmp);
}

int junit_write(FILE *out, const struct run_report *rep)
{
	struct report_counts all;
	char stamp[20];
	report_count(rep, &all);
	snprintf(stamp, sizeof stamp, "%.19s", rep->started);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", out);
	attr(out, "name", "tlsdiag run");
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%ld.%03ld\">\n", rep->n,
		all.fail, all.error + all.not_run, all.skip, rep->duration_ms / 1000, rep->duration_ms % 1000);
	for (size_t i = 0, id = 0; i < rep->n; id++) {
		const struct scenario *sc = report_brief(rep, i)->spec->scenario;
		size_t j = i, f = 0, e = 0, s = 0;
		long ms = 0;
		for (; j < rep->n && report_brief(rep, j)->spec->scenario == sc; j++) {
			enum case_status st = report_brief(rep, j)->status;
			f += st == CASE_FAIL;
			e += st == CASE_ERROR || st == CASE_NOT_RUN;
			s += st == CASE_SKIP;
			ms += report_brief(rep, j)->duration_ms;
		}
		fputs("  <testsuite", out);
		attr(out, "name", sc->name);
		fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%ld.%03ld\"", j - i,
			f, e, s, ms / 1000, ms % 1000);
		if (stamp[0])
			attr(out, "timestamp", stamp);
		attr(out, "hostname", "localhost");
		fprintf(out, " id=\"%zu\"", id);
		attr(out, "package", "tlsdiag");
		fputs(">\n    <properties>\n", out);
		property(out, "file", sc->file);
		property(out, "description", sc->description);
		property(out, "reproduces", sc->reproduces);
		for (char **p = sc->servers; p && *p; p++)
			property(out, "server", *p);
		property(out, "capture", rep->capture_mode);
		property(out, "out_dir", rep->out_dir);
		fputs("    </properties>\n", out);
		for (; i < j; i++)
			testcase(out, rep, i);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	return ferror(out) ? -1 : 0;
}
