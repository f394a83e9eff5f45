/*
 * probe.c - the attempts of 'tlsdiag probe' (see probe.h).
 *
 * How one attempt works: a recording relay listens on 127.0.0.1 and
 * forwards to the target; the client connects to the relay, so the pcap
 * holds exactly that client's connection (and its key log beside it),
 * whatever the target's address.  The pcap is decoded like any capture:
 * the alert and who sent it after which message, and the diagnosis, come
 * from the wire; the client's own error comes from the client.
 *
 * Devices trust what --ca names, loaded by content (PEM or DER): the probe
 * tests the server, not how a device's CA file was written.  Without --ca a
 * device has no CA: it runs with verification off, and the report says the
 * certificate was not checked, never that it was good.
 */
#include "harness/probe/probe.h"

#include "harness/capture/capture.h"
#include "harness/capture/pcapng_dsb.h"
#include "harness/client/device.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "harness/decode/diagnose.h"
#include "harness/run/outdir.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Debian's bundle of the system's trusted roots (ca-certificates). */
#define PROBE_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

/* The first decoded connection of a capture. */
static void probe_keep_first(void *ctx, struct tls_conn *c)
{
	struct jv **first = ctx;
	if (!*first)
		*first = tls_conn_to_json(c);
}

static void probe_copy(const struct jv *o, const char *key, char *buf, size_t len)
{
	const char *s = o ? jv_str(jv_get(o, key)) : NULL;
	snprintf(buf, len, "%s", s ? s : "");
}

/* What the wire says: the first alert in clear, the version and suite chosen, the diagnosis. */
static void probe_from_capture(struct probe_attempt *a)
{
	const struct jv *conn = a->decoded, *alerts = jv_get(conn, "alerts");
	const struct jv *sh = jv_get(conn, "server_hello"), *diag = jv_get(conn, "diagnosis");
	for (size_t i = 0; i < jv_len(alerts); i++) {
		const struct jv *al = jv_at(alerts, i), *d = jv_get(al, "description");
		if (!d || !jv_is_int(d))
			continue;
		a->alert = (int)jv_intval(d);
		probe_copy(al, "from", a->alert_from, sizeof a->alert_from);
		probe_copy(al, "name", a->alert_name, sizeof a->alert_name);
		if (!a->stage[0])
			probe_copy(al, "after", a->stage, sizeof a->stage);
		break;
	}
	if (!a->version[0]) {
		/* The decoder's "TLS1.3" as the clients spell it, "TLSv1.3". */
		char v[12];
		probe_copy(sh, "selected_version", v, sizeof v);
		if (!v[0])
			probe_copy(conn, "version", v, sizeof v);
		if (strncmp(v, "TLS1", 4) == 0)
			snprintf(a->version, sizeof a->version, "TLSv%s", v + 3);
		else
			snprintf(a->version, sizeof a->version, "%s", v);
	}
	if (!a->suite[0])
		probe_copy(sh, "cipher_suite", a->suite, sizeof a->suite);
	if (!a->connected && diag) {
		probe_copy(diag, "code", a->diag_code, sizeof a->diag_code);
		probe_copy(diag, "summary", a->diag_summary, sizeof a->diag_summary);
		probe_copy(diag, "fix", a->diag_fix, sizeof a->diag_fix);
	}
}

/* Without a diagnosis from the wire: from the client's outcome (diagnose.h). */
static void probe_from_outcome(const struct client_result *cr, struct probe_attempt *a)
{
	struct diag_outcome o = { .alert = cr->alert_received >= 0 ? cr->alert_received : cr->alert_sent };
	struct diag_result d;
	o.alert_from_device = cr->alert_received < 0 && cr->alert_sent >= 0;
	o.has_wolfssl = cr->error != 0;
	o.wolfssl = cr->error;
	if (diagnose_outcome(&o, &d) != 0 || !d.code)
		return;
	snprintf(a->diag_code, sizeof a->diag_code, "%s", d.code);
	snprintf(a->diag_summary, sizeof a->diag_summary, "%s", d.summary ? d.summary : "");
	snprintf(a->diag_fix, sizeof a->diag_fix, "%s", d.fix ? d.fix : "");
}

/* The attempt's directory under out_dir and its pcap/key log names. */
static int probe_dir(const struct probe_opts *o, const char *label, struct probe_attempt *a, char *dir,
		     size_t dirlen)
{
	char safe[64], err[256];
	outdir_sanitize(label, safe, sizeof safe);
	int n = snprintf(dir, dirlen, "%s/%s", o->out_dir, safe);
	/* Under the checked, locked out_dir; a level that is a link or not ours is refused (outdir.h). */
	if (n < 0 || (size_t)n >= dirlen || outdir_mkdirs_under(o->out_dir, safe, err, sizeof err) != 0) {
		snprintf(a->error, sizeof a->error, "cannot make the attempt's directory: %s", err);
		return -1;
	}
	snprintf(a->pcap, sizeof a->pcap, "%s/capture.pcap", safe);
	snprintf(a->keylog, sizeof a->keylog, "%s/capture.keys", safe);
	return 0;
}

int probe_leg_begin(const struct probe_opts *o, const char *label, struct probe_leg *leg, struct probe_attempt *a)
{
	char err[256];
	memset(leg, 0, sizeof *leg);
	a->alert = -1;
	if (probe_dir(o, label, a, leg->dir, sizeof leg->dir) != 0)
		return -1;
	snprintf(leg->part, sizeof leg->part, "%s/capture.pcap.part", leg->dir);
	snprintf(leg->pcap, sizeof leg->pcap, "%s/capture.pcap", leg->dir);
	if (capture_keylog_path(leg->pcap, leg->keylog, sizeof leg->keylog) != 0) {
		snprintf(a->error, sizeof a->error, "attempt directory path too long");
		return -1;
	}
	struct capture_opts co = {
		.mode = CAPTURE_RELAY,
		.server_host = o->host,
		.server_port = o->port,
		.pcap_path = leg->part,
		.idle_ms = o->timeout_ms,
		.accept_ms = o->timeout_ms,
	};
	leg->cap = capture_begin(&co, err, sizeof err);
	if (!leg->cap) {
		snprintf(a->error, sizeof a->error, "could not start the relay: %s", err);
		return -1;
	}
	leg->host = capture_connect_host(leg->cap);
	leg->port = capture_connect_port(leg->cap);
	return 0;
}

void probe_leg_end(struct probe_leg *leg, struct probe_attempt *a)
{
	struct capture_stats st;
	char err[256];
	int ended = capture_end(leg->cap, &st, err, sizeof err);
	leg->cap = NULL;
	if (rename(leg->part, leg->pcap) != 0)
		ended = -1;
	if (ended != 0)
		return;
	/* With the key log in the capture (a DSB), TLS 1.3's encrypted alerts and certificates decode too. */
	char ng[4400];
	const char *src = leg->pcap;
	int w = snprintf(ng, sizeof ng, "%s/capture.pcapng", leg->dir);
	if (w > 0 && (size_t)w < sizeof ng && access(leg->keylog, R_OK) == 0 &&
	    pcapng_dsb_write(leg->pcap, leg->keylog, ng, err, sizeof err) == 0) {
		src = ng;
		size_t l = strlen(a->pcap);
		if (l > 5 && strcmp(a->pcap + l - 5, ".pcap") == 0 && l + 2 < sizeof a->pcap)
			snprintf(a->pcap + l, sizeof a->pcap - l, "ng");
	}
	struct decode_opts dopt = { .format = DECODE_FORMAT_JSON };
	struct decode_stats ds;
	if (decode_run(src, &dopt, probe_keep_first, &a->decoded, &ds, err, sizeof err) == ERR_NONE && a->decoded)
		probe_from_capture(a);
}

void probe_connect(const struct probe_opts *o, const char *label, struct client_case *cc,
		   struct client_result *cr, struct probe_attempt *a)
{
	struct probe_leg leg;
	char err[256];

	memset(cr, 0, sizeof *cr);
	cr->alert_received = cr->alert_sent = -1;
	if (probe_leg_begin(o, label, &leg, a) != 0)
		return;
	cc->host = leg.host;
	cc->port = leg.port;
	cc->keylog_path = leg.keylog;
	cc->timeout_ms = o->timeout_ms;
	int ran = client_run(cc, cr, err, sizeof err);
	a->ran = ran == 0;
	a->skipped = cr->skipped;
	a->connected = cr->connected;
	a->verified = cr->connected && cc->verify;
	snprintf(a->version, sizeof a->version, "%s", cr->version);
	snprintf(a->suite, sizeof a->suite, "%s", cr->suite);
	snprintf(a->stage, sizeof a->stage, "%s", cr->stage);
	snprintf(a->error_name, sizeof a->error_name, "%s", cr->error_name);
	a->error_code = cr->error;
	a->oversized_record = cr->oversized_record;
	if (ran != 0)
		snprintf(a->error, sizeof a->error, "the client could not run: %s", err);
	else if (cr->skipped)
		snprintf(a->error, sizeof a->error, "skipped: %s", cr->skip_reason);
	probe_leg_end(&leg, a);
	if (a->ran && !a->connected && !a->diag_code[0])
		probe_from_outcome(cr, a);
}

/* A device attempt: the profile as it is, with the probe's name, CA and timeout. */
static void probe_device(const struct probe_opts *o, const struct device_profile *dev, const char *name,
			 struct probe_attempt *a)
{
	struct client_case cc;
	struct client_result cr;
	struct device_verdict v;
	char label[64];

	client_case_init(&cc);
	device_apply(dev, &cc);
	snprintf(a->name, sizeof a->name, "%s", dev->name);
	snprintf(a->engine, sizeof a->engine, "%s", device_engine_name(dev));
	a->kind = strcmp(dev->name, "browser") == 0 ? PROBE_REFERENCE : PROBE_DEVICE;
	cc.check_name = name;
	/* A device that sends no SNI keeps sending none; the others send the name unless it is an IP. */
	if (cc.sni != SNI_OFF)
		cc.sni = name && inet_addr(name) == INADDR_NONE ? SNI_HOST : SNI_OFF;
	if (o->ca_path) {
		cc.ca_path = o->ca_path;
		cc.ca_format = CA_AUTO;
		cc.verify = true;
		snprintf(a->ca, sizeof a->ca, "given (--ca)");
	} else if (a->kind == PROBE_REFERENCE && access(PROBE_SYSTEM_CA, R_OK) == 0) {
		/* The browser profile trusts what a desktop trusts. */
		cc.ca_path = PROBE_SYSTEM_CA;
		cc.ca_format = CA_PEM;
		cc.verify = true;
		snprintf(a->ca, sizeof a->ca, "system store");
	} else {
		cc.ca_path = NULL;
		cc.ca_format = CA_NONE;
		cc.verify = false;
		snprintf(a->ca, sizeof a->ca, "none: not verified");
	}
	snprintf(label, sizeof label, "device-%s", dev->name);
	probe_connect(o, label, &cc, &cr, a);
	if (!a->ran)
		return;
	/* Verification was off by the device's own design (axTLS checks later): judge the chain now. */
	if (cr.connected && o->ca_path && cr.verify_error) {
		a->connected = false;
		a->verified = false;
		snprintf(a->stage, sizeof a->stage, "verify_after_connect");
		snprintf(a->error_name, sizeof a->error_name, "%s", cr.verify_error_name);
	}
	memset(&v, 0, sizeof v);
	device_terms(dev, &cr, &v);
	if (!v.ok && v.text[0])
		snprintf(a->error, sizeof a->error, "%s", v.text);
	else if (!a->connected && cr.detail[0] && !a->error[0])
		snprintf(a->error, sizeof a->error, "%s", cr.detail);
}

/* Does the comma-separated list name this device? */
static bool probe_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* Every name of the list is a device profile. */
static int probe_check_devices(const char *list, char *err, size_t errlen)
{
	char name[64];
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), p);
		if (!device_find(name)) {
			snprintf(err, errlen, "unknown device '%s' ('tlsdiag devices' lists them)", name);
			return -1;
		}
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* The name clients send and check: --sni, else the host when it is a name. */
static const char *probe_name(const struct probe_opts *o)
{
	if (o->sni)
		return o->sni;
	return o->host;
}

int probe_run(const struct probe_opts *o, struct probe_report *rep, char *err, size_t errlen)
{
	bool all = !o->devices || strcmp(o->devices, "all") == 0;
	const char *name = probe_name(o);
	size_t ndev = 0, total, done = 0;

	memset(rep, 0, sizeof *rep);
	snprintf(rep->target, sizeof rep->target, "%s:%u", o->host, o->port);
	snprintf(rep->sni, sizeof rep->sni, "%s", name);
	snprintf(rep->out_dir, sizeof rep->out_dir, "%s", o->out_dir);
	if (!all && probe_check_devices(o->devices, err, errlen) != 0)
		return -1;
	for (const struct device_profile *d = device_profiles; d->name; d++)
		if (all || probe_listed(o->devices, d->name) || (o->references && strcmp(d->name, "browser") == 0))
			ndev++;
	total = ndev + (o->references ? probe_reference_count() : 0);
	rep->attempts = calloc(total ? total : 1, sizeof *rep->attempts);
	if (!rep->attempts) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (const struct device_profile *d = device_profiles; d->name; d++) {
		if (!(all || probe_listed(o->devices, d->name) || (o->references && strcmp(d->name, "browser") == 0)))
			continue;
		probe_device(o, d, name, &rep->attempts[rep->nattempts++]);
		if (o->progress)
			o->progress(o->progress_ctx, d->name, ++done, total);
	}
	for (size_t i = 0; o->references && i < probe_reference_count(); i++) {
		struct probe_attempt *a = &rep->attempts[rep->nattempts++];
		probe_reference_run(o, i, name, a);
		if (o->progress)
			o->progress(o->progress_ctx, a->name, ++done, total);
	}
	/* A target nobody reached is the environment's problem, not a device's verdict. */
	bool reached = false;
	for (size_t i = 0; i < rep->nattempts; i++) {
		/* A decoded connection without payload (a SYN answered by RST: connection_refused) reached nobody. */
		const char *outcome = jv_str(jv_get(rep->attempts[i].decoded, "outcome"));
		if ((rep->attempts[i].decoded && !(outcome && strcmp(outcome, "no_data") == 0)) || rep->attempts[i].connected)
			reached = true;
	}
	if (!reached && rep->nattempts) {
		snprintf(err, errlen, "%s: no attempt reached the server (%s)", rep->target,
			 rep->attempts[0].error[0] ? rep->attempts[0].error : "refused or unreachable");
		return -1;
	}
	if (o->survey) {
		probe_survey(o, name, rep);
		rep->surveyed = true;
	}
	return 0;
}

void probe_report_free(struct probe_report *rep)
{
	for (size_t i = 0; i < rep->nattempts; i++)
		jv_free(rep->attempts[i].decoded);
	free(rep->attempts);
	jv_free(rep->server.chain);
	memset(rep, 0, sizeof *rep);
}

bool probe_required_ok(const struct probe_report *rep, const char *require, char *missing, size_t len)
{
	bool ok = true;
	size_t used = 0;
	missing[0] = '\0';
	for (size_t i = 0; i < rep->nattempts; i++) {
		const struct probe_attempt *a = &rep->attempts[i];
		bool counts = require ? probe_listed(require, a->name) : a->kind == PROBE_DEVICE;
		if (!counts || a->connected)
			continue;
		ok = false;
		int n = snprintf(missing + used, len - used, "%s%s", used ? ", " : "", a->name);
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
	return ok;
}
