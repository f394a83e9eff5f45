/*
 * report_json.c - the run as JSON, every detail (through core/json.h only).
 * The same case object carries each case's result from its child process
 * back to the runner (report_case_from_json reads it).
 */
#include "harness/run/report.h"

#include "harness/core/json.h"
#include "harness/explain/explain.h"
#include "harness/run/case_store.h"
#include "harness/run/compare.h"
#include "harness/run/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strings may hold wire text: invalid UTF-8 becomes U+FFFD (jansson refuses it). */
static void set_str_or_null(struct jv *o, const char *key, const char *s)
{
	if (!s || !*s) {
		jv_set(o, key, jv_null());
		return;
	}
	char *clean = utf8_clean(s);
	jv_set(o, key, jv_string(clean));
	free(clean);
}

static struct jv *alert_json(int alert)
{
	char buf[32];
	if (alert < 0)
		return jv_null();
	struct jv *a = jv_object();
	jv_set_int(a, "code", alert);
	jv_set_str(a, "name", expect_alert_name(alert, buf, sizeof buf));
	return a;
}

static struct jv *settings_json(const struct scenario_case *c)
{
	struct jv *s = jv_object();
	for (int f = 0; f < SCN_NFIELDS; f++)
		set_str_or_null(s, scenario_field_name((enum scn_field)f), c->value[f]);
	return s;
}

static struct jv *capture_json(const struct case_capture *cap)
{
	if (!cap->present)
		return jv_null();
	struct jv *o = jv_object();
	set_str_or_null(o, "mode", cap->mode);
	set_str_or_null(o, "status", cap->status);
	struct jv *a = alert_json(cap->alert);
	if (cap->alert >= 0) {
		set_str_or_null(a, "from", cap->alert_from);
		set_str_or_null(a, "after", cap->alert_after);
	}
	jv_set(o, "alert", a);
	jv_set_int(o, "packets", cap->packets);
	jv_set_int(o, "dropped", cap->dropped);
	set_str_or_null(o, "fault", cap->fault);
	return o;
}

/* How a failure shows up on each device stack (explain/tables/equivalents.ini). */
static struct jv *equiv_json(const char *key, const char *title, const char *line)
{
	if (!key || !key[0])
		return jv_null();
	struct jv *o = jv_object();
	set_str_or_null(o, "key", key);
	set_str_or_null(o, "title", title);
	set_str_or_null(o, "line", line);
	return o;
}

/* What the bug report's device saw (reported = KIND), with its codes on each stack. */
static struct jv *reported_json(const char *kind)
{
	char key[64], line[1024] = "";
	if (!kind)
		return jv_null();
	snprintf(key, sizeof key, "kind:%s", kind);
	const struct explain_equiv *eq = explain_equiv_find(key);
	if (eq)
		explain_equiv_line_devices(eq, line, sizeof line);
	struct jv *o = equiv_json(key, eq ? eq->title : kind, line);
	jv_set_str(o, "kind", kind);
	jv_set(o, "codes", eq ? explain_equiv_devices_json(eq) : jv_array());
	return o;
}

static struct jv *cert_json(const struct case_cert *c)
{
	char note[200];
	if (!c->present)
		return jv_null();
	struct jv *o = jv_object();
	set_str_or_null(o, "from", c->from);
	set_str_or_null(o, "name", c->name);
	set_str_or_null(o, "not_after", c->not_after);
	jv_set_int(o, "not_after_epoch", c->not_after_epoch);
	bool past = report_time32_note(c->not_after_epoch, note, sizeof note);
	jv_set_bool(o, "not_after_past_2038", past);
	set_str_or_null(o, "time32_note", past ? note : NULL);
	return o;
}

struct jv *report_case_to_json(const struct case_result *r)
{
	const struct scenario_case *c = r->spec;
	char buf[320];
	struct jv *o = jv_object();
	set_str_or_null(o, "scenario", c->scenario->name);
	set_str_or_null(o, "case", c->name);
	set_str_or_null(o, "base", c->base);
	jv_set_str(o, "combination", c->combo);
	set_str_or_null(o, "file", c->scenario->file);
	jv_set_int(o, "line", c->line);
	jv_set_str(o, "status", case_status_name(r->status));
	expect_format(&c->expect, buf, sizeof buf);
	jv_set_str(o, "expect", buf);
	jv_set_int(o, "expect_line", c->expect_line);
	expect_format_outcome(&r->got, buf, sizeof buf);
	jv_set_str(o, "got", r->status == CASE_PASS || r->status == CASE_FAIL ? buf : case_status_name(r->status));
	jv_set(o, "settings", settings_json(c));
	set_str_or_null(o, "note", c->note);

	struct jv *out = jv_object();
	jv_set_bool(out, "connected", r->got.connected);
	jv_set(out, "alert_by_server", alert_json(r->got.alert_by_server));
	jv_set(out, "alert_by_client", alert_json(r->got.alert_by_client));
	jv_set(out, "error", r->got.error ? jv_int(r->got.error) : jv_null());
	set_str_or_null(out, "error_name", r->got.error_name);
	set_str_or_null(out, "version", r->version);
	set_str_or_null(out, "suite", r->suite);
	set_str_or_null(out, "stage", r->stage);
	set_str_or_null(out, "detail", r->detail);
	set_str_or_null(out, "trace", r->trace);
	set_str_or_null(out, "verify_error", r->verify_error);
	set_str_or_null(out, "engine", r->engine);
	if (r->engine_error.code) {
		struct jv *e = jv_object();
		jv_set_int(e, "code", r->engine_error.code);
		jv_set_str(e, "name", r->engine_error.name);
		jv_set(e, "alert", alert_json(r->engine_error.alert));
		if (r->engine_error.verify_flags)
			jv_set_int(e, "verify_flags", (long long)r->engine_error.verify_flags);
		jv_set(out, "engine_error", e);
	} else {
		jv_set(out, "engine_error", jv_null());
	}
	struct jv *post = jv_object();
	jv_set_bool(post, "request_sent", r->post.request_sent);
	jv_set_int(post, "response_bytes", r->post.response_bytes);
	set_str_or_null(post, "response_line", r->post.response_line);
	jv_set(post, "alert", alert_json(r->post.alert));
	set_str_or_null(post, "detail", r->post.detail);
	jv_set(out, "after_handshake", post);
	jv_set(o, "outcome", out);
	if (r->device.present) {
		struct jv *d = jv_object();
		jv_set_bool(d, "ok", r->device.ok);
		set_str_or_null(d, "text", r->device.text);
		set_str_or_null(d, "debug_text", r->device.debug_text);
		set_str_or_null(d, "code_name", r->device.code_name);
		jv_set(o, "device", d);
	} else {
		jv_set(o, "device", jv_null());
	}

	set_str_or_null(o, "skip_reason", r->skip_reason);
	set_str_or_null(o, "error", r->error);
	jv_set(o, "harness_error", jv_bool(r->harness_error));
	jv_set(o, "signal", r->signal ? jv_int(r->signal) : jv_null());
	jv_set_int(o, "duration_ms", r->duration_ms);
	jv_set_int(o, "capture_start_ms", r->capture_start_ms);
	jv_set_int(o, "handshake_ms", r->handshake_ms);
	jv_set_int(o, "decode_ms", r->decode_ms);
	jv_set(o, "client_port", r->client_port ? jv_int(r->client_port) : jv_null());
	jv_set(o, "capture", capture_json(&r->capture));
	if (r->diag.code[0] || r->diag.summary[0]) {
		struct jv *d = jv_object();
		set_str_or_null(d, "code", r->diag.code);
		set_str_or_null(d, "summary", r->diag.summary);
		set_str_or_null(d, "fix", r->diag.fix);
		set_str_or_null(d, "from", r->diag.from);
		jv_set(o, "diagnosis", d);
	} else {
		jv_set(o, "diagnosis", jv_null());
	}
	jv_set(o, "equivalents", equiv_json(r->equiv.key, r->equiv.title, r->equiv.line));
	jv_set(o, "reported", reported_json(c->reported));
	set_str_or_null(o, "network", c->network ? c->network : "");
	jv_set(o, "server_certificate", cert_json(&r->cert));
	jv_set(o, "decoded", r->decoded ? jv_share(r->decoded) : jv_null());
	set_str_or_null(o, "server_log", r->server_log);
	set_str_or_null(o, "dir", r->dir);
	return o;
}

/* ---- reading it back ---- */

static void get_str(const struct jv *o, const char *key, char *buf, size_t len)
{
	const char *s = jv_str(jv_get(o, key));
	snprintf(buf, len, "%s", s ? s : "");
}

static int get_alert(const struct jv *o, const char *key)
{
	const struct jv *a = jv_get(o, key);
	const struct jv *code = a ? jv_get(a, "code") : NULL;
	return code && jv_is_int(code) ? (int)jv_intval(code) : -1;
}

static enum case_status status_from(const char *s)
{
	static const enum case_status all[] = { CASE_PASS, CASE_FAIL, CASE_SKIP, CASE_ERROR, CASE_NOT_RUN };
	for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, case_status_name(all[i])) == 0)
			return all[i];
	return CASE_ERROR;
}

void report_case_from_json(struct case_result *r, const struct jv *j)
{
	const struct jv *out = jv_get(j, "outcome"), *cap = jv_get(j, "capture"), *v;
	r->status = status_from(jv_str(jv_get(j, "status")));
	if (out) {
		r->got.connected = jv_is_bool(jv_get(out, "connected")) && jv_boolval(jv_get(out, "connected"));
		r->got.alert_by_server = get_alert(out, "alert_by_server");
		r->got.alert_by_client = get_alert(out, "alert_by_client");
		v = jv_get(out, "error");
		r->got.error = v && jv_is_int(v) ? (long)jv_intval(v) : 0;
		get_str(out, "error_name", r->got.error_name, sizeof r->got.error_name);
		get_str(out, "version", r->version, sizeof r->version);
		get_str(out, "suite", r->suite, sizeof r->suite);
		get_str(out, "stage", r->stage, sizeof r->stage);
		get_str(out, "detail", r->detail, sizeof r->detail);
		get_str(out, "trace", r->trace, sizeof r->trace);
		get_str(out, "verify_error", r->verify_error, sizeof r->verify_error);
		get_str(out, "engine", r->engine, sizeof r->engine);
		const struct jv *e = jv_get(out, "engine_error"), *post = jv_get(out, "after_handshake");
		if (e && !jv_is_null(e)) {
			v = jv_get(e, "code");
			r->engine_error.code = v && jv_is_int(v) ? (long)jv_intval(v) : 0;
			get_str(e, "name", r->engine_error.name, sizeof r->engine_error.name);
			r->engine_error.alert = get_alert(e, "alert");
			v = jv_get(e, "verify_flags");
			r->engine_error.verify_flags = v && jv_is_int(v) ? (unsigned long)jv_intval(v) : 0;
		}
		if (post && !jv_is_null(post)) {
			r->post.request_sent = jv_is_bool(jv_get(post, "request_sent")) && jv_boolval(jv_get(post, "request_sent"));
			v = jv_get(post, "response_bytes");
			r->post.response_bytes = v && jv_is_int(v) ? (long)jv_intval(v) : 0;
			get_str(post, "response_line", r->post.response_line, sizeof r->post.response_line);
			r->post.alert = get_alert(post, "alert");
			get_str(post, "detail", r->post.detail, sizeof r->post.detail);
		}
	}
	const struct jv *dev = jv_get(j, "device");
	if (dev && !jv_is_null(dev)) {
		r->device.present = true;
		r->device.ok = jv_boolval(jv_get(dev, "ok"));
		get_str(dev, "text", r->device.text, sizeof r->device.text);
		get_str(dev, "debug_text", r->device.debug_text, sizeof r->device.debug_text);
		get_str(dev, "code_name", r->device.code_name, sizeof r->device.code_name);
	}
	get_str(j, "skip_reason", r->skip_reason, sizeof r->skip_reason);
	get_str(j, "error", r->error, sizeof r->error);
	r->harness_error = jv_boolval(jv_get(j, "harness_error"));
	v = jv_get(j, "signal");
	r->signal = v && jv_is_int(v) ? (int)jv_intval(v) : 0;
	v = jv_get(j, "duration_ms");
	r->duration_ms = v && jv_is_int(v) ? (long)jv_intval(v) : 0;
	v = jv_get(j, "capture_start_ms");
	r->capture_start_ms = v && jv_is_int(v) ? (long)jv_intval(v) : 0;
	v = jv_get(j, "handshake_ms");
	r->handshake_ms = v && jv_is_int(v) ? (long)jv_intval(v) : 0;
	v = jv_get(j, "decode_ms");
	r->decode_ms = v && jv_is_int(v) ? (long)jv_intval(v) : 0;
	v = jv_get(j, "client_port");
	r->client_port = v && jv_is_int(v) && jv_intval(v) > 0 && jv_intval(v) < 65536 ? (int)jv_intval(v) : 0;
	if (cap && !jv_is_null(cap)) {
		const struct jv *a = jv_get(cap, "alert");
		r->capture.present = true;
		get_str(cap, "mode", r->capture.mode, sizeof r->capture.mode);
		get_str(cap, "status", r->capture.status, sizeof r->capture.status);
		get_str(cap, "fault", r->capture.fault, sizeof r->capture.fault);
		r->capture.alert = get_alert(cap, "alert");
		v = jv_get(cap, "packets");
		r->capture.packets = v && jv_is_int(v) ? jv_intval(v) : 0;
		v = jv_get(cap, "dropped");
		r->capture.dropped = v && jv_is_int(v) ? jv_intval(v) : 0;
		if (a && !jv_is_null(a)) {
			get_str(a, "from", r->capture.alert_from, sizeof r->capture.alert_from);
			get_str(a, "after", r->capture.alert_after, sizeof r->capture.alert_after);
		}
	}
	const struct jv *diag = jv_get(j, "diagnosis");
	if (diag && !jv_is_null(diag)) {
		get_str(diag, "code", r->diag.code, sizeof r->diag.code);
		get_str(diag, "summary", r->diag.summary, sizeof r->diag.summary);
		get_str(diag, "fix", r->diag.fix, sizeof r->diag.fix);
		get_str(diag, "from", r->diag.from, sizeof r->diag.from);
	}
	const struct jv *eq = jv_get(j, "equivalents");
	if (eq && !jv_is_null(eq)) {
		get_str(eq, "key", r->equiv.key, sizeof r->equiv.key);
		get_str(eq, "title", r->equiv.title, sizeof r->equiv.title);
		get_str(eq, "line", r->equiv.line, sizeof r->equiv.line);
	}
	const struct jv *cert = jv_get(j, "server_certificate");
	if (cert && !jv_is_null(cert) && jv_is_int(jv_get(cert, "not_after_epoch"))) {
		r->cert.present = true;
		get_str(cert, "from", r->cert.from, sizeof r->cert.from);
		get_str(cert, "name", r->cert.name, sizeof r->cert.name);
		get_str(cert, "not_after", r->cert.not_after, sizeof r->cert.not_after);
		r->cert.not_after_epoch = jv_intval(jv_get(cert, "not_after_epoch"));
	}
	v = jv_get(j, "decoded");
	jv_free(r->decoded);
	r->decoded = v && !jv_is_null(v) ? jv_share(v) : NULL;
	free(r->server_log);
	const char *log = jv_str(jv_get(j, "server_log"));
	r->server_log = log ? strdup(log) : NULL;
	get_str(j, "dir", r->dir, sizeof r->dir);
}

/* set_str_or_null for a streamed report. */
static void jw_str_or_null(struct jw *w, const char *key, const char *s)
{
	if (!s || !*s) {
		jw_null(w, key);
		return;
	}
	char *clean = utf8_clean(s);
	jw_str(w, key, clean);
	free(clean);
}

/*
 * Case by case: each is read back from the run's store, written and
 * released, so a run of any size is written in the memory of one case.
 */
void report_json_write(struct jw *w, const struct run_report *rep)
{
	struct report_counts c;
	report_count(rep, &c);
	jw_object(w, NULL);
	jw_int(w, "format_version", REPORT_FORMAT_VERSION);
	jw_str(w, "tool", "tlsdiag run");
	jw_str(w, "version", TLSDIAG_VERSION);
	jw_str(w, "started", rep->started);
	jw_int(w, "duration_ms", rep->duration_ms);
	jw_int(w, "servers_ms", rep->servers_ms);
	jw_int(w, "capture_setup_ms", rep->capture_setup_ms);
	jw_int(w, "cases_ms", rep->cases_ms);
	jw_bool(w, "capture_shared", rep->capture_shared);
	jw_str_or_null(w, "out_dir", rep->out_dir);
	jw_str_or_null(w, "capture_mode", rep->capture_mode);
	jw_bool(w, "incomplete", rep->incomplete || c.not_run);
	jw_str_or_null(w, "incomplete_reason", rep->incomplete_reason);
	jw_bool(w, "allow_skip", rep->allow_skip);
	jw_object(w, "counts");
	jw_int(w, "pass", (long long)c.pass);
	jw_int(w, "fail", (long long)c.fail);
	jw_int(w, "skip", (long long)c.skip);
	jw_int(w, "error", (long long)c.error);
	jw_int(w, "not_run", (long long)c.not_run);
	jw_int(w, "total", (long long)rep->n);
	jw_end(w);
	jw_int(w, "exit_code", report_exit_code(rep));
	jw_array(w, "scenarios");
	for (size_t i = 0; i < rep->n;) {
		const struct scenario *sc = report_brief(rep, i)->spec->scenario;
		jw_object(w, NULL);
		jw_str_or_null(w, "name", sc->name);
		jw_str_or_null(w, "file", sc->file);
		jw_str_or_null(w, "description", sc->description);
		jw_str_or_null(w, "reproduces", sc->reproduces);
		jw_array(w, "servers");
		for (char **p = sc->servers; p && *p; p++)
			jw_str_or_null(w, NULL, *p);
		jw_end(w);
		jw_end(w);
		while (i < rep->n && report_brief(rep, i)->spec->scenario == sc)
			i++;
	}
	jw_end(w);
	jw_array_lines(w, "cases");
	for (size_t i = 0; i < rep->n; i++) {
		/* As the store has it, unless it is compared with another case. */
		if (!report_brief(rep, i)->spec->compare) {
			char err[256];
			size_t len;
			char *text = case_store_json(rep->store, i, &len, err, sizeof err);
			if (text) {
				jw_raw(w, NULL, text, len);
				free(text);
				continue;
			}
			/* Not there, or unreadable: report_case below says so as a harness error. */
		}
		struct case_result tmp;
		const struct case_result *r = report_case(rep, i, &tmp);
		struct jv *cj = report_case_to_json(r);
		struct hello_compare hc;
		char a[64], b[64];
		bool cmp = report_case_compare(rep, r, &hc, a, b, sizeof a);
		jv_set(cj, "compare", cmp ? compare_to_json(&hc, a, b) : jv_null());
		jw_value(w, NULL, cj);
		jv_free(cj);
		case_result_release(&tmp);
	}
	jw_end(w);
	jw_end(w);
}

struct jv *report_to_json(const struct run_report *rep)
{
	struct jw *w = jw_open_tree();
	report_json_write(w, rep);
	return jw_close_tree(w);
}
