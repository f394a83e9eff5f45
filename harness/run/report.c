/*
 * report.c - results of a run and the text report for people (see report.h).
 *
 * A failure is explained from three places, most concrete first: what the
 * decoded capture saw (who sent which alert after which message, and the
 * decoder's diagnosis), the explain tables (meaning, causes and fix of the
 * alert and of the wolfSSL error), and how the device in the case would
 * have shown it in its own stack's terms.
 */
#include "harness/run/report.h"

#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/explain/explain.h"
#include "harness/run/case_store.h"
#include "harness/run/compare.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *case_status_name(enum case_status s)
{
	switch (s) {
	case CASE_PASS:
		return "PASS";
	case CASE_FAIL:
		return "FAIL";
	case CASE_SKIP:
		return "SKIP";
	case CASE_ERROR:
		return "ERROR";
	case CASE_NOT_RUN:
	default:
		return "NOT-RUN";
	}
}

void case_result_init(struct case_result *r, const struct scenario_case *spec)
{
	memset(r, 0, sizeof *r);
	r->spec = spec;
	r->status = CASE_NOT_RUN;
	outcome_init(&r->got);
	r->capture.alert = -1;
	r->engine_error.alert = -1;
	r->post.alert = -1;
}

void case_result_release(struct case_result *r)
{
	jv_free(r->decoded);
	r->decoded = NULL;
	free(r->server_log);
	r->server_log = NULL;
}

void report_judge(struct case_result *r)
{
	if (r->status == CASE_SKIP || r->status == CASE_ERROR)
		return;
	r->status = expect_met(&r->spec->expect, &r->got) ? CASE_PASS : CASE_FAIL;
}

const struct case_brief *report_brief(const struct run_report *rep, size_t i)
{
	return case_store_brief(rep->store, i);
}

const struct case_result *report_case(const struct run_report *rep, size_t i, struct case_result *tmp)
{
	char err[256];
	if (case_store_get(rep->store, i, tmp, err, sizeof err) != 0)
		err_report(ERR_IO, "%s", err);
	return tmp;
}

void report_count(const struct run_report *rep, struct report_counts *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < rep->n; i++)
		switch (report_brief(rep, i)->status) {
		case CASE_PASS:
			c->pass++;
			break;
		case CASE_FAIL:
			c->fail++;
			break;
		case CASE_SKIP:
			c->skip++;
			break;
		case CASE_ERROR:
			c->error++;
			break;
		case CASE_NOT_RUN:
		default:
			c->not_run++;
			break;
		}
}

int report_exit_code(const struct run_report *rep)
{
	struct report_counts c;
	report_count(rep, &c);
	if (rep->incomplete || c.not_run)
		return 2;
	for (size_t i = 0; i < rep->n; i++)
		if (report_brief(rep, i)->status == CASE_ERROR && report_brief(rep, i)->harness_error)
			return 2;
	if (c.fail || c.error || (c.skip && !rep->allow_skip))
		return 1;
	return 0;
}

/* The status word of a case line: harness errors are failures too. */
static const char *line_word(const struct case_result *r)
{
	switch (r->status) {
	case CASE_ERROR:
		return r->harness_error ? "ERR" : "FAIL";
	case CASE_NOT_RUN:
		return "----";
	default:
		return case_status_name(r->status);
	}
}

static void got_text(const struct case_result *r, char *buf, size_t len)
{
	switch (r->status) {
	case CASE_ERROR:
		snprintf(buf, len, "%s", r->error[0] ? r->error : "harness error");
		break;
	case CASE_SKIP:
		snprintf(buf, len, "skipped");
		break;
	case CASE_NOT_RUN:
		snprintf(buf, len, "not run");
		break;
	default:
		expect_format_outcome(&r->got, buf, len);
		break;
	}
}

void report_case_line_text(const struct case_result *r, char *buf, size_t len)
{
	char ex[96], got[300];
	expect_format(&r->spec->expect, ex, sizeof ex);
	got_text(r, got, sizeof got);
	if (r->status == CASE_SKIP && r->skip_reason[0])
		snprintf(buf, len, "%-4s  %s/%s  expect=%s got=skipped (%s)", line_word(r),
			 r->spec->scenario->name, r->spec->name, ex, r->skip_reason);
	else
		snprintf(buf, len, "%-4s  %s/%s  expect=%s got=%s", line_word(r), r->spec->scenario->name,
			 r->spec->name, ex, got);
}

void report_case_line(FILE *out, const struct case_result *r)
{
	char line[1024];
	report_case_line_text(r, line, sizeof line);
	fprintf(out, "%s\n", line);
}

void report_case_diagnosis(const struct case_result *r, char *buf, size_t len)
{
	char ex[96], got[300];
	const char *why = NULL;
	switch (r->status) {
	case CASE_ERROR:
		snprintf(buf, len, "%s", r->error[0] ? r->error : "harness error");
		return;
	case CASE_SKIP:
		snprintf(buf, len, "skipped: %s", r->skip_reason[0] ? r->skip_reason : "the client cannot run it");
		return;
	case CASE_NOT_RUN:
		snprintf(buf, len, "not run: the run was interrupted");
		return;
	case CASE_PASS:
	case CASE_FAIL:
	default:
		break;
	}
	expect_format(&r->spec->expect, ex, sizeof ex);
	got_text(r, got, sizeof got);
	if (r->diag.summary[0]) {
		why = r->diag.summary;
	} else {
		int alert = r->capture.alert >= 0 ? r->capture.alert
			    : r->got.alert_by_server >= 0 ? r->got.alert_by_server
							  : r->got.alert_by_client;
		const struct explain_row *row = alert >= 0 ? explain_alert(alert)
				: r->got.error ? explain_find("wolfssl", r->got.error) : NULL;
		why = row ? row->meaning : NULL;
	}
	if (why && *why)
		snprintf(buf, len, "expected %s, got %s: %s", ex, got, why);
	else
		snprintf(buf, len, "expected %s, got %s", ex, got);
}

/* Prints text indented, one "  | " line per line of it. */
static void print_block(FILE *out, const char *label, const char *text)
{
	fprintf(out, "  %s\n", label);
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		fprintf(out, "    | %.*s\n", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

/* "  label      text", later lines of text indented under the first. */
static void print_row(FILE *out, const char *label, const char *text)
{
	if (!text || !*text)
		return;
	fprintf(out, "  %-10s ", label);
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(out, "%.*s\n", (int)n, p);
		p += n;
		if (*p == '\n' && *++p)
			fprintf(out, "  %-10s ", "");
	}
}

/* The explain table of the case's client engine, and how people name it. */
static const char *engine_stack(const struct case_result *r, const char **label)
{
	static const struct {
		const char *engine, *label;
	} engines[] = { { "mbedtls", "mbedTLS" }, { "bearssl", "BearSSL" } };
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
		if (strcmp(r->engine, engines[i].engine) == 0) {
			*label = engines[i].label;
			return engines[i].engine;
		}
	*label = "wolfSSL";
	return "wolfssl";
}

/* "esp8266-axtls would print: Error: SSL error 40" (client/device.h's verdict). */
static void print_device_terms(FILE *out, const struct case_result *r)
{
	const struct case_device *d = &r->device;
	if (!d->present || !d->text[0])
		return;
	fprintf(out, "  %-10s %s would print: %s", "device", r->spec->value[SCN_DEVICE], d->text);
	if (d->code_name[0])
		fprintf(out, " (%s)", d->code_name);
	fputc('\n', out);
	if (d->debug_text[0])
		fprintf(out, "  %-10s with debugging on also: %s\n", "", d->debug_text);
}

/* The alert's row of the explain tables; its fix only when the capture gave none. */
static void print_alert_explained(FILE *out, int alert, bool have_fix)
{
	const struct explain_row *row = explain_alert(alert);
	if (!row)
		return;
	print_row(out, "meaning", row->meaning);
	print_row(out, "causes", row->causes);
	print_row(out, "confirm", row->confirm);
	if (!have_fix)
		print_row(out, "fix", row->fix);
}

/* Past 2038-01-19T03:14:07Z a signed 32-bit time_t wraps (the ESP8266 report's 2118 -> 1982). */
#define TIME32_MAX INT64_C(2147483647)
#define TIME32_SPAN (INT64_C(1) << 32)

bool report_time32_note(long long not_after_epoch, char *buf, size_t len)
{
	int64_t t = (int64_t)not_after_epoch, w;
	struct tm a, b;
	char sa[32], sb[40];
	buf[0] = '\0';
	if (t <= TIME32_MAX)
		return false;
	/* What a 32-bit time_t keeps: the low 32 bits, read as signed. */
	w = t % TIME32_SPAN;
	if (w > TIME32_MAX)
		w -= TIME32_SPAN;
	time_t ta = (time_t)t, tb = (time_t)w;
	if (!gmtime_r(&ta, &a) || !gmtime_r(&tb, &b) || !strftime(sa, sizeof sa, "%Y-%m-%d %H:%M:%S", &a) ||
	    !strftime(sb, sizeof sb, "%a %Y-%m-%d %H:%M:%S", &b))
		return false;
	int64_t k = (t - w) / TIME32_SPAN;
	if (k == 1)
		snprintf(buf, len, "a device with a 32-bit time_t reads notAfter %s as %s (wraps by 2^32 s)", sa, sb);
	else
		snprintf(buf, len, "a device with a 32-bit time_t reads notAfter %s as %s (wraps by %lld x 2^32 s)", sa,
			 sb, (long long)k);
	return true;
}

/* The name of a comparison's side: its device, else its case. */
static void side_name(const struct case_result *r, const struct case_result *other, char *buf, size_t len)
{
	const char *d = r->spec->value[SCN_DEVICE], *o = other->spec->value[SCN_DEVICE];
	snprintf(buf, len, "%s", d && (!o || strcmp(d, o) != 0) ? d : r->spec->base);
}

static bool has_hello(const struct case_result *r)
{
	const struct jv *ch = r->decoded ? jv_get(r->decoded, "client_hello") : NULL;
	return ch && !jv_is_null(ch) && (r->status == CASE_PASS || r->status == CASE_FAIL);
}

static bool brief_has_hello(const struct case_brief *b)
{
	return b->has_hello && (b->status == CASE_PASS || b->status == CASE_FAIL);
}

bool report_case_compare(const struct run_report *rep, const struct case_result *r, struct hello_compare *hc,
			 char *a_name, char *b_name, size_t namelen)
{
	const struct case_brief *peer = NULL;
	size_t at = 0;
	if (!r->spec->compare || !has_hello(r))
		return false;
	for (size_t i = 0; i < rep->n; i++) {
		const struct case_brief *p = report_brief(rep, i);
		if (p->spec == r->spec || p->spec->scenario != r->spec->scenario ||
		    strcmp(p->spec->base, r->spec->compare) != 0 || !brief_has_hello(p))
			continue;
		if (!peer || (peer->connected == r->got.connected && p->connected != r->got.connected)) {
			peer = p;
			at = i;
		}
	}
	if (!peer)
		return false;
	struct case_result tmp;
	const struct case_result *pr = report_case(rep, at, &tmp);
	bool ok = false;
	if (has_hello(pr)) {
		const struct case_result *a = r->got.connected && !pr->got.connected ? pr : r;
		const struct case_result *b = a == r ? pr : r;
		side_name(a, b, a_name, namelen);
		side_name(b, a, b_name, namelen);
		ok = compare_hellos(a->decoded, b->decoded, a->diag.code[0] ? a->diag.code : NULL, a_name, b_name, hc) == 0;
	}
	case_result_release(&tmp);
	return ok;
}

/* What the bug report's device saw, when the case names it (reported = KIND). */
static void print_reported(FILE *out, const struct case_result *r)
{
	char key[64], line[1024];
	const char *kind = r->spec->reported;
	if (!kind)
		return;
	snprintf(key, sizeof key, "kind:%s", kind);
	const struct explain_equiv *eq = explain_equiv_find(key);
	fprintf(out, "  %-10s the device in the bug report saw: %s\n", "reported", eq && eq->title ? eq->title : kind);
	if (eq)
		fprintf(out, "  %-10s %s\n", "", explain_equiv_line_devices(eq, line, sizeof line));
	if (strcmp(r->equiv.key, key) != 0)
		fprintf(out, "  %-10s the real local server did otherwise (got %s): see the note\n", "",
			 r->got.connected ? "connected" : r->diag.code[0] ? r->diag.code : "another failure");
}

/* The server certificate's notAfter, and what a 32-bit time_t makes of it. */
static void print_cert_dates(FILE *out, const struct case_result *r)
{
	char note[200];
	if (!r->cert.present || !report_time32_note(r->cert.not_after_epoch, note, sizeof note))
		return;
	fprintf(out, "  %-10s %s: notAfter %s (%s)\n", "validity", r->cert.name, r->cert.not_after,
		strcmp(r->cert.from, "capture") == 0 ? "seen in the capture" : "as the server profile serves it");
	fprintf(out, "  %-10s %s\n", "time_t", note);
}

/* Everything the report adds beyond what the case got: stacks, dates, comparison. */
static void print_explained(FILE *out, const struct run_report *rep, const struct case_result *r)
{
	struct hello_compare hc;
	char a[64], b[64];
	if (r->equiv.line[0]) {
		fprintf(out, "  %-10s %s\n", "on devices", r->equiv.title);
		fprintf(out, "  %-10s %s\n", "", r->equiv.line);
	}
	print_reported(out, r);
	print_cert_dates(out, r);
	if (report_case_compare(rep, r, &hc, a, b, sizeof a))
		compare_print(out, &hc, a, b);
}

void report_case_details(FILE *out, const struct run_report *rep, const struct case_result *r)
{
	const struct scenario_case *c = r->spec;
	char ex[96], got[300], buf[64], a[32];
	expect_format(&c->expect, ex, sizeof ex);
	got_text(r, got, sizeof got);
	fprintf(out, "\n--- %s %s/%s  (%s:%d)\n", case_status_name(r->status), c->scenario->name, c->name,
		c->scenario->file, c->line);
	snprintf(buf, sizeof buf, "(line %d)", c->expect_line);
	fprintf(out, "  %-10s %s  %s\n", "expected", ex, buf);
	fprintf(out, "  %-10s %s\n", "got", got);
	if (r->got.connected && r->version[0])
		fprintf(out, "  %-10s %s %s\n", "session", r->version, r->suite);
	print_row(out, "stage", r->stage);

	/* Who sent which alert: the capture first, else what the client saw. */
	int alert = -1;
	bool from_server = false;
	if (r->capture.present && r->capture.alert >= 0) {
		alert = r->capture.alert;
		from_server = strcmp(r->capture.alert_from, "server") == 0;
		fprintf(out, "  %-10s %s (%d) sent by the %s", "alert", expect_alert_name(alert, a, sizeof a), alert,
			r->capture.alert_from);
		if (r->capture.alert_after[0])
			fprintf(out, " after %s", r->capture.alert_after);
		fputs(" (seen in the capture)\n", out);
	} else if (r->got.alert_by_server >= 0 || r->got.alert_by_client >= 0) {
		from_server = r->got.alert_by_server >= 0;
		alert = from_server ? r->got.alert_by_server : r->got.alert_by_client;
		fprintf(out, "  %-10s %s (%d) sent by the %s (as the client reports it)\n", "alert",
			expect_alert_name(alert, a, sizeof a), alert, from_server ? "server" : "client");
	}
	const char *label, *stack = engine_stack(r, &label);
	if (r->got.error || (r->engine_error.name[0] && strcmp(stack, "bearssl") == 0)) {
		char num[24];
		if (strcmp(stack, "mbedtls") == 0 && r->got.error < 0)
			snprintf(num, sizeof num, "-0x%04lx", -r->got.error); /* mbedTLS's notation */
		else
			snprintf(num, sizeof num, "%ld", r->got.error);
		const struct explain_row *w = explain_find(stack, r->got.error);
		fprintf(out, "  %-10s %s (%s)%s%s\n", label, r->got.error_name[0] ? r->got.error_name : "error", num,
			w && w->meaning ? ": " : "", w && w->meaning ? w->meaning : "");
	}
	print_row(out, "client", r->detail);
	if (c->network)
		fprintf(out, "  %-10s %s: %s\n", "network", c->network,
			r->capture.fault[0] ? r->capture.fault : "no fault acted");
	print_row(out, "handshake", r->trace);
	print_row(out, "cert", r->verify_error);
	print_row(out, "diagnosis", r->diag.summary);
	print_row(out, "fix", r->diag.fix);
	if (alert >= 0)
		print_alert_explained(out, alert, r->diag.fix[0] != '\0');
	else if (r->got.error) {
		const struct explain_row *w = explain_find(stack, r->got.error);
		if (w) {
			print_row(out, "causes", w->causes);
			print_row(out, "fix", w->fix);
		}
	}
	print_device_terms(out, r);
	print_explained(out, rep, r);
	if (r->capture.present && strcmp(r->capture.status, "ok") != 0 && r->capture.status[0])
		fprintf(out, "  %-10s the capture is %s: the decode may be partial\n", "capture", r->capture.status);
	print_row(out, "note", c->note);
	if (r->server_log && *r->server_log)
		print_block(out, "server log:", r->server_log);
	if (r->dir[0])
		fprintf(out, "  %-10s %s/%s/%s\n", "files", rep->out_dir ? rep->out_dir : ".", r->dir,
			r->capture.present ? "  (capture.pcap + capture.keys: Wireshark decrypts with the key log)" : "");
}

static void print_summary(FILE *out, const struct run_report *rep)
{
	struct report_counts all;
	size_t w = 8;
	report_count(rep, &all);
	for (size_t i = 0; i < rep->n; i++) {
		size_t l = strlen(report_brief(rep, i)->spec->scenario->name);
		if (l > w)
			w = l;
	}
	fprintf(out, "\n%-*s  %5s %5s %5s %5s\n", (int)w, "scenario", "pass", "fail", "skip", "total");
	for (size_t i = 0; i < rep->n;) {
		const struct scenario *sc = report_brief(rep, i)->spec->scenario;
		size_t p = 0, f = 0, s = 0, t = 0;
		for (; i < rep->n && report_brief(rep, i)->spec->scenario == sc; i++, t++) {
			enum case_status st = report_brief(rep, i)->status;
			p += st == CASE_PASS;
			f += st == CASE_FAIL || st == CASE_ERROR;
			s += st == CASE_SKIP;
		}
		fprintf(out, "%-*s  %5zu %5zu %5zu %5zu\n", (int)w, sc->name, p, f, s, t);
	}
	fprintf(out, "%-*s  %5zu %5zu %5zu %5zu\n", (int)w, "total", all.pass, all.fail + all.error, all.skip, rep->n);
	if (all.skip)
		fprintf(out, "\n!! %zu case%s SKIPPED: not run, so not verified%s\n", all.skip, all.skip == 1 ? "" : "s",
			rep->allow_skip ? " (--allow-skip: they do not fail the run)"
					: " (they fail the run; --allow-skip accepts them)");
	if (rep->incomplete || all.not_run)
		fprintf(out, "\n!! INCOMPLETE: %s; %zu case%s not run\n",
			rep->incomplete_reason[0] ? rep->incomplete_reason : "interrupted", all.not_run,
			all.not_run == 1 ? "" : "s");
	switch (report_exit_code(rep)) {
	case 0:
		fprintf(out, "\nresult: PASSED (%zu passed%s)\n", all.pass, all.skip ? ", skips allowed" : "");
		break;
	case 1:
		fprintf(out, "\nresult: FAILED (%zu failed, %zu harness errors, %zu skipped)\n", all.fail, all.error,
			all.skip);
		break;
	default:
		fprintf(out, "\nresult: INCOMPLETE\n");
		break;
	}
}

void report_write_text(FILE *out, const struct run_report *rep)
{
	size_t nskip = 0;
	struct case_result tmp;
	for (size_t i = 0; i < rep->n; i++) {
		const struct case_brief *b = report_brief(rep, i);
		if (b->line) {
			fprintf(out, "%s\n", b->line);
		} else { /* never ran: its line from what the store has */
			report_case_line(out, report_case(rep, i, &tmp));
			case_result_release(&tmp);
		}
	}
	/* Only the cases that did not pass are read back. */
	for (size_t i = 0; i < rep->n; i++) {
		enum case_status st = report_brief(rep, i)->status;
		if (st == CASE_FAIL || st == CASE_ERROR || (rep->explain && st == CASE_PASS)) {
			report_case_details(out, rep, report_case(rep, i, &tmp));
			case_result_release(&tmp);
		}
		nskip += st == CASE_SKIP;
	}
	if (nskip) {
		fprintf(out, "\n--- SKIPPED (not verified)\n");
		for (size_t i = 0; i < rep->n; i++) {
			if (report_brief(rep, i)->status != CASE_SKIP)
				continue;
			const struct case_result *r = report_case(rep, i, &tmp);
			fprintf(out, "  %s/%s: %s\n", r->spec->scenario->name, r->spec->name,
				r->skip_reason[0] ? r->skip_reason : "the client cannot run it");
			case_result_release(&tmp);
		}
	}
	print_summary(out, rep);
}
