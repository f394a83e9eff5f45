/*
 * probe_report.c - the reports of 'tlsdiag probe': a table for people,
 * JSON for tools (docs/probe.md has the format, format_version 1) and
 * JUnit XML with one testcase per client.
 *
 * Strings from the wire and from the target's programs (alert names, the
 * clients' error lines, certificate subjects) reach these reports: JSON
 * escapes them itself, JUnit through junit_escape(), and the text table
 * replaces control bytes.
 */
#include "harness/probe/probe.h"

#include "harness/core/json.h"
#include "harness/run/report.h"

#include <stdio.h>
#include <string.h>

#define PROBE_FORMAT_VERSION 1

static const char *probe_kind_name(enum probe_kind k)
{
	switch (k) {
	case PROBE_DEVICE:
		return "device";
	case PROBE_REFERENCE:
		return "reference";
	default:
		return "?";
	}
}

/* A string for the terminal: control bytes become '?'. */
static void probe_print_clean(FILE *out, const char *s, int width)
{
	char buf[800];
	snprintf(buf, sizeof buf, "%s", s ? s : "");
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (width > 0)
		fprintf(out, "%-*s", width, buf);
	else
		fputs(buf, out);
}

static void probe_outcome(const struct probe_attempt *a, char *buf, size_t len)
{
	if (!a->ran)
		snprintf(buf, len, "not run: %s", a->error);
	else if (a->skipped)
		snprintf(buf, len, "%s", a->error);
	else if (a->connected)
		snprintf(buf, len, "connected %s %s%s", a->version, a->suite, a->verified ? "" : " (certificate not checked)");
	else if (a->alert >= 0)
		snprintf(buf, len, "failed at %s: %s alert %d %s; %s", a->stage[0] ? a->stage : "?", a->alert_from,
			 a->alert, a->alert_name, a->error[0] ? a->error : a->error_name);
	else
		snprintf(buf, len, "failed at %s: %s", a->stage[0] ? a->stage : "?", a->error[0] ? a->error : a->error_name);
}

static void probe_write_server_text(FILE *out, const struct probe_report *rep)
{
	const struct probe_server *s = &rep->server;
	fprintf(out, "\nserver %s\n", rep->target);
	fprintf(out, "  versions    %s\n", s->versions);
	const struct probe_suite_list *lists[2] = { &s->tls12, &s->tls13 };
	const char *names[2] = { "TLS 1.2", "TLS 1.3" };
	for (int l = 0; l < 2; l++) {
		if (!lists[l]->known)
			continue;
		fprintf(out, "  %s suites (%s order):\n", names[l],
			lists[l]->n < 2 ? "one" : lists[l]->server_order ? "the server's" : "the client's");
		for (size_t i = 0; i < lists[l]->n; i++)
			fprintf(out, "    %zu. %s\n", i + 1, lists[l]->names[i]);
	}
	fprintf(out, "  groups      %s\n", s->groups);
	fprintf(out, "  SNI         ");
	probe_print_clean(out, s->sni, 0);
	fprintf(out, "\n");
	for (size_t i = 0; s->chain && i < jv_len(jv_get(s->chain, "certificates")); i++) {
		const struct jv *c = jv_at(jv_get(s->chain, "certificates"), i);
		const struct jv *bits = jv_get(c, "key_bits");
		fprintf(out, "  chain[%zu]    ", i);
		probe_print_clean(out, jv_str(jv_get(c, "subject")), 0);
		fprintf(out, "\n              %s %lld, %s, until %s%s\n",
			jv_str(jv_get(c, "key_type")) ? jv_str(jv_get(c, "key_type")) : "?",
			bits && jv_is_int(bits) ? jv_intval(bits) : 0LL,
			jv_str(jv_get(c, "signature_algorithm")) ? jv_str(jv_get(c, "signature_algorithm")) : "?",
			jv_str(jv_get(c, "not_after")) ? jv_str(jv_get(c, "not_after")) : "?",
			jv_is_bool(jv_get(c, "not_after_past_2038")) && jv_boolval(jv_get(c, "not_after_past_2038"))
				? " (after 2038: wraps on a 32-bit time_t)"
				: "");
	}
	if (s->chain_note[0])
		fprintf(out, "  chain       %s\n", s->chain_note);
	fprintf(out, "  records     %s\n", s->records);
	fprintf(out, "  tickets     %s\n", s->tickets);
	for (size_t i = 0; i < s->nfindings; i++) {
		fprintf(out, "  finding     %s\n", s->findings[i].text);
		if (s->findings[i].hurts[0])
			fprintf(out, "              hurts: %s\n", s->findings[i].hurts);
	}
}

int probe_write_text(FILE *out, const struct probe_report *rep)
{
	char outcome[700];
	size_t ok = 0, devices = 0;
	fprintf(out, "probe %s (name checked: %s)\n\n", rep->target, rep->sni);
	fprintf(out, "%-21s %-10s %-8s %s\n", "client", "kind", "engine", "outcome");
	for (size_t i = 0; i < rep->nattempts; i++) {
		const struct probe_attempt *a = &rep->attempts[i];
		probe_outcome(a, outcome, sizeof outcome);
		fprintf(out, "%-21s %-10s %-8s ", a->name, probe_kind_name(a->kind), a->engine);
		probe_print_clean(out, outcome, 0);
		fprintf(out, "\n");
		if (!a->connected && a->diag_summary[0]) {
			fprintf(out, "%-41s diagnosis: %s: ", "", a->diag_code);
			probe_print_clean(out, a->diag_summary, 0);
			fprintf(out, "\n");
			if (a->diag_fix[0]) {
				fprintf(out, "%-41s fix: ", "");
				probe_print_clean(out, a->diag_fix, 0);
				fprintf(out, "\n");
			}
		}
		if (a->kind == PROBE_DEVICE) {
			devices++;
			ok += a->connected;
		}
	}
	fprintf(out, "\n%zu of %zu devices connected; captures and key logs under %s\n", ok, devices, rep->out_dir);
	if (rep->surveyed)
		probe_write_server_text(out, rep);
	fflush(out);
	return ferror(out) ? -1 : 0;
}

static struct jv *probe_attempt_json(const struct probe_attempt *a)
{
	struct jv *o = jv_object();
	jv_set_str(o, "device", a->name);
	jv_set_str(o, "kind", probe_kind_name(a->kind));
	jv_set_str(o, "engine", a->engine);
	jv_set_str(o, "ca", a->ca);
	jv_set_bool(o, "ran", a->ran);
	jv_set_bool(o, "skipped", a->skipped);
	jv_set_bool(o, "connected", a->connected);
	jv_set_bool(o, "verified", a->verified);
	if (a->version[0])
		jv_set_str(o, "version", a->version);
	if (a->suite[0])
		jv_set_str(o, "suite", a->suite);
	if (a->stage[0])
		jv_set_str(o, "stage", a->stage);
	if (!a->connected && (a->error[0] || a->error_name[0])) {
		struct jv *e = jv_object();
		jv_set_str(e, "text", a->error);
		if (a->error_name[0])
			jv_set_str(e, "name", a->error_name);
		if (a->error_code)
			jv_set_int(e, "code", a->error_code);
		jv_set(o, "error", e);
	}
	if (a->alert >= 0) {
		struct jv *al = jv_object();
		jv_set_int(al, "description", a->alert);
		jv_set_str(al, "name", a->alert_name);
		jv_set_str(al, "from", a->alert_from);
		jv_set(o, "alert", al);
	}
	if (a->diag_code[0]) {
		struct jv *d = jv_object();
		jv_set_str(d, "code", a->diag_code);
		jv_set_str(d, "summary", a->diag_summary);
		jv_set_str(d, "fix", a->diag_fix);
		jv_set(o, "diagnosis", d);
	}
	if (a->oversized_record)
		jv_set_int(o, "oversized_record", a->oversized_record);
	if (a->pcap[0]) {
		jv_set_str(o, "pcap", a->pcap);
		jv_set_str(o, "keylog", a->keylog);
	}
	return o;
}

static struct jv *probe_suites_json(const struct probe_suite_list *l)
{
	struct jv *o = jv_object(), *arr = jv_array();
	for (size_t i = 0; i < l->n; i++)
		jv_push_str(arr, l->names[i]);
	jv_set(o, "suites", arr);
	jv_set_bool(o, "server_order", l->server_order);
	return o;
}

static struct jv *probe_server_json(const struct probe_server *s)
{
	struct jv *o = jv_object(), *f = jv_array();
	jv_set_str(o, "versions", s->versions);
	if (s->tls12.known)
		jv_set(o, "tls1.2", probe_suites_json(&s->tls12));
	if (s->tls13.known)
		jv_set(o, "tls1.3", probe_suites_json(&s->tls13));
	jv_set_str(o, "groups", s->groups);
	jv_set_str(o, "sni", s->sni);
	jv_set_str(o, "chain_note", s->chain_note);
	jv_set_str(o, "records", s->records);
	jv_set_str(o, "tickets", s->tickets);
	for (size_t i = 0; i < s->nfindings; i++) {
		struct jv *x = jv_object();
		jv_set_str(x, "text", s->findings[i].text);
		jv_set_str(x, "hurts", s->findings[i].hurts);
		jv_push(f, x);
	}
	jv_set(o, "findings", f);
	return o;
}

struct jv *probe_to_json(const struct probe_report *rep)
{
	struct jv *o = jv_object(), *res = jv_array();
	jv_set_int(o, "format_version", PROBE_FORMAT_VERSION);
	jv_set_str(o, "target", rep->target);
	jv_set_str(o, "name", rep->sni);
	jv_set_str(o, "out", rep->out_dir);
	if (rep->surveyed) {
		struct jv *srv = probe_server_json(&rep->server);
		const struct jv *certs = rep->server.chain ? jv_get(rep->server.chain, "certificates") : NULL;
		if (certs) {
			/* A copy of the decoded certificates: the report owns its tree. */
			struct jw *w = jw_open_tree();
			jw_value(w, NULL, certs);
			struct jv *copy = jw_close_tree(w);
			if (copy)
				jv_set(srv, "chain", copy);
		}
		jv_set(o, "server", srv);
	}
	for (size_t i = 0; i < rep->nattempts; i++)
		jv_push(res, probe_attempt_json(&rep->attempts[i]));
	jv_set(o, "results", res);
	return o;
}

int probe_write_junit(FILE *out, const struct probe_report *rep)
{
	size_t failures = 0, skipped = 0;
	char outcome[700];
	for (size_t i = 0; i < rep->nattempts; i++) {
		failures += rep->attempts[i].ran && !rep->attempts[i].skipped && !rep->attempts[i].connected;
		skipped += !rep->attempts[i].ran || rep->attempts[i].skipped;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(out, "  <testsuite name=\"probe ");
	junit_escape(out, rep->target);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", rep->nattempts, failures,
		skipped);
	for (size_t i = 0; i < rep->nattempts; i++) {
		const struct probe_attempt *a = &rep->attempts[i];
		probe_outcome(a, outcome, sizeof outcome);
		fprintf(out, "    <testcase classname=\"probe.%s\" name=\"", probe_kind_name(a->kind));
		junit_escape(out, a->name);
		fprintf(out, "\">");
		if (!a->ran || a->skipped) {
			fprintf(out, "<skipped message=\"");
			junit_escape(out, outcome);
			fprintf(out, "\"/>");
		} else if (!a->connected) {
			fprintf(out, "<failure message=\"");
			junit_escape(out, outcome);
			fprintf(out, "\">");
			junit_escape(out, a->diag_summary);
			fprintf(out, " ");
			junit_escape(out, a->diag_fix);
			fprintf(out, "</failure>");
		}
		fprintf(out, "</testcase>\n");
	}
	fprintf(out, "  </testsuite>\n</testsuites>\n");
	fflush(out);
	return ferror(out) ? -1 : 0;
}
