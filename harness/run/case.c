/*
 * case.c - one case, run inside its worker process (see case.h).
 *
 * Values are layered: the client's defaults, then the device profile
 * (device_apply_engine, on the case's engine), then what the scenario says,
 * as typed when the file was loaded (case_config.h): nothing is parsed here.  File names come from the
 * server's run (its CA, the other CA, the client certificate), never from
 * the scenario.  The capture starts before the client connects and ends
 * after it; the pcap is then decoded (decoded.txt, decoded.json) and the
 * first connection's alert and diagnosis are kept for the report.
 */
#include "harness/run/case.h"

#include "harness/capture/capture.h"
#include "harness/capture/fault.h"
#include "harness/capture/pcapng_dsb.h"
#include "harness/client/device.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "harness/decode/diagnose.h"
#include "harness/decode/x509_wolfssl.h"
#include "harness/explain/explain.h"
#include "harness/run/outdir.h"
#include "harness/servers/profile.h"
#include "harness/servers/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint16_t case_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	uint16_t port = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int case_client_socket(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A file of the server's run, or an error naming it. */
static const char *server_path(struct server *s, const char *name, char *err, size_t errlen)
{
	const char *p = server_file(s, name);
	if (!p)
		snprintf(err, errlen, "server profile %s has no %s", server_profile(s), name);
	return p;
}

/* The CA file and the loader: the scenario's format, else the device's, else PEM. */
static int resolve_ca(const struct case_job *job, const struct case_config *k, struct client_case *cc, char *err,
		      size_t errlen)
{
	enum ca_format f = k->has_ca_format ? k->ca_format : k->device ? k->device->ca_format : CA_PEM;
	/* pem-as-der hands the PEM file to a DER loader: the file's format is the first word. */
	bool der_file = f == CA_DER || f == CA_DER_AS_PEM;
	switch (k->ca) {
	case CASE_CA_NONE:
		cc->ca_format = CA_NONE;
		cc->ca_path = NULL;
		return 0;
	case CASE_CA_OTHER:
		cc->ca_path = server_path(job->server, der_file ? "other-root.der" : "other-root.pem", err, errlen);
		break;
	case CASE_CA_ROOT:
	default:
		cc->ca_path = der_file ? server_ca_der(job->server) : server_ca_pem(job->server);
		if (!cc->ca_path)
			snprintf(err, errlen, "server profile %s has no CA file", server_profile(job->server));
		break;
	}
	cc->ca_format = f;
	return cc->ca_path ? 0 : -1;
}

/* The case's typed settings (case_config, parsed at load) over the device profile and the defaults. */
int case_resolve(const struct case_job *job, struct client_case *cc, struct case_paths *paths, char *err,
		 size_t errlen)
{
	const struct case_config *k = &job->spec->cfg;
	client_case_init(cc);
	if (resolve_ca(job, k, cc, err, errlen) != 0)
		return -1;
	enum ca_format f = cc->ca_format;
	if (k->device)
		device_apply_engine(k->device, k->engine, cc);
	cc->engine = k->engine;
	cc->ca_format = f;
	cc->request = k->request;
	cc->host = server_host(job->server);
	cc->port = server_port(job->server);
	cc->timeout_ms = job->timeout_ms;
	if (k->has_method) {
		cc->method = k->method;
		cc->min_version = k->min_version;
		cc->max_version = k->max_version;
	}
	if (k->ciphers)
		cc->ciphers = k->ciphers;
	if (k->groups)
		cc->groups = k->groups;
	if (k->has_verify)
		cc->verify = k->verify;
	if (k->check != CASE_CHECK_NONE) {
		const char *name = k->check == CASE_CHECK_HOST ? server_cert_name(job->server)
				   : k->check == CASE_CHECK_IP ? server_host(job->server)
							       : k->check_name;
		snprintf(paths->check_name, sizeof paths->check_name, "%s", name ? name : "");
		cc->check_name = paths->check_name;
	}
	if (k->has_sni) {
		cc->sni = k->sni;
		if (k->sni == SNI_OTHER) {
			snprintf(paths->sni_name, sizeof paths->sni_name, "%s", k->sni_name);
			cc->sni_name = paths->sni_name;
		}
	}
	cc->clock = k->clock;
	cc->max_fragment = k->max_fragment;
	/* The device profile's strictness stays unless the case says. */
	if (k->has_min_rsa_bits)
		cc->min_rsa_bits = k->min_rsa_bits;
	if (k->has_min_dh_bits)
		cc->min_dh_bits = k->min_dh_bits;
	if (k->has_reject_sha1)
		cc->reject_sha1 = k->reject_sha1;
	if (k->has_rx_record_limit)
		cc->rx_record_limit = k->rx_record_limit;
	if (k->client_cert) {
		cc->cert_path = server_path(job->server, "client.pem", err, errlen);
		cc->key_path = cc->cert_path ? server_path(job->server, "client.key", err, errlen) : NULL;
		if (!cc->key_path)
			return -1;
	}
	int w1 = snprintf(paths->pcap, sizeof paths->pcap, "%s/capture.pcap", job->dir);
	int w2 = snprintf(paths->part, sizeof paths->part, "%s/capture.pcap.part", job->dir);
	if (w1 < 0 || (size_t)w1 >= sizeof paths->pcap || w2 < 0 || (size_t)w2 >= sizeof paths->part ||
	    capture_keylog_path(paths->pcap, paths->keylog, sizeof paths->keylog) != 0) {
		snprintf(err, errlen, "case directory path too long");
		return -1;
	}
	cc->keylog_path = paths->keylog;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The client's view of the outcome. */
static void outcome_from_client(const struct client_result *cr, struct case_result *out)
{
	const char *engine = tok_name(client_engine_names, (unsigned int)cr->engine);
	snprintf(out->engine, sizeof out->engine, "%s", engine ? engine : "");
	out->engine_error.code = cr->engine_err.code;
	snprintf(out->engine_error.name, sizeof out->engine_error.name, "%s", cr->engine_err.name);
	out->engine_error.alert = cr->engine_err.alert;
	out->engine_error.verify_flags = cr->engine_err.verify_flags;
	out->post.request_sent = cr->request_sent;
	out->post.response_bytes = cr->response_bytes;
	snprintf(out->post.response_line, sizeof out->post.response_line, "%s", cr->response_line);
	out->post.alert = cr->post_alert;
	snprintf(out->post.detail, sizeof out->post.detail, "%s", cr->post_detail);
	out->got.connected = cr->connected;
	out->got.alert_by_server = cr->alert_received;
	out->got.alert_by_client = cr->alert_sent;
	out->got.error = cr->error;
	snprintf(out->got.error_name, sizeof out->got.error_name, "%s", cr->error_name);
	snprintf(out->version, sizeof out->version, "%s", cr->version);
	snprintf(out->suite, sizeof out->suite, "%s", cr->suite);
	snprintf(out->stage, sizeof out->stage, "%s", cr->stage);
	snprintf(out->detail, sizeof out->detail, "%s", cr->detail);
	snprintf(out->trace, sizeof out->trace, "%s", cr->trace);
	snprintf(out->verify_error, sizeof out->verify_error, "%s", cr->verify_error ? cr->verify_error_name : "");
	if (cr->connected && cr->post_alert > 0) {
		/* A fatal alert after the handshake (TLS 1.3 client authentication...): the outcome
		 * is alert:NAME@server, not connected. */
		out->got.connected = false;
		out->got.alert_by_server = cr->post_alert;
		snprintf(out->stage, sizeof out->stage, "after_handshake");
		snprintf(out->detail, sizeof out->detail, "handshake done, then %.200s", cr->post_detail);
	}
}

static void device_from_client(const struct case_job *job, const struct client_result *cr, struct case_result *out)
{
	struct device_verdict v;
	const struct device_profile *dev = job->spec->cfg.device;
	if (!dev)
		return;
	memset(&v, 0, sizeof v);
	device_terms(dev, cr, &v);
	out->device.present = true;
	out->device.ok = v.ok;
	snprintf(out->device.text, sizeof out->device.text, "%s", v.text);
	snprintf(out->device.debug_text, sizeof out->device.debug_text, "%s", v.debug_text);
	snprintf(out->device.code_name, sizeof out->device.code_name, "%s", v.code_name);
}

/* ---- the decoded capture ---- */

static void keep_first(void *ctx, struct tls_conn *c)
{
	struct jv **first = ctx;
	if (!*first)
		*first = tls_conn_to_json(c);
}

static void copy_str(const struct jv *o, const char *key, char *buf, size_t len)
{
	const char *s = o ? jv_str(jv_get(o, key)) : NULL;
	snprintf(buf, len, "%s", s ? s : "");
}

/* The alert, who sent it after what, and the diagnosis of a decoded connection. */
static void capture_summarise(const struct jv *conn, struct case_capture *cap, struct case_diagnosis *dg)
{
	const struct jv *alerts = jv_get(conn, "alerts"), *notes = jv_get(conn, "notes");
	const struct jv *diag = jv_get(conn, "diagnosis");
	snprintf(cap->status, sizeof cap->status, "ok");
	for (size_t i = 0; i < jv_len(notes); i++) {
		const char *kind = jv_str(jv_get(jv_at(notes, i), "kind"));
		if (kind && (strcmp(kind, "truncated") == 0 || strcmp(kind, "malformed") == 0))
			snprintf(cap->status, sizeof cap->status, "%s", kind);
	}
	/* The first alert with its number in clear (TLS 1.3 alerts after the ServerHello are encrypted). */
	for (size_t i = 0; i < jv_len(alerts); i++) {
		const struct jv *a = jv_at(alerts, i), *d = jv_get(a, "description");
		if (!d || !jv_is_int(d) || jv_intval(d) == 0)
			continue;
		cap->alert = (int)jv_intval(d);
		copy_str(a, "from", cap->alert_from, sizeof cap->alert_from);
		copy_str(a, "after", cap->alert_after, sizeof cap->alert_after);
		break;
	}
	copy_str(diag, "code", dg->code, sizeof dg->code);
	copy_str(diag, "summary", dg->summary, sizeof dg->summary);
	copy_str(diag, "fix", dg->fix, sizeof dg->fix);
	snprintf(dg->from, sizeof dg->from, "capture");
}

/* The case's outcome as diagnose_outcome() takes it. */
static int outcome_diagnosis(const struct case_result *out, struct diag_result *d)
{
	struct diag_outcome o = { .alert = -1 };
	if (out->got.alert_by_server >= 0) {
		o.alert = out->got.alert_by_server;
	} else if (out->got.alert_by_client >= 0) {
		o.alert = out->got.alert_by_client;
		o.alert_from_device = true;
	}
	o.has_wolfssl = out->got.error != 0 && strcmp(out->engine, "wolfssl") == 0;
	o.wolfssl = out->got.error;
	return diagnose_outcome(&o, d) == 0 && d->code ? 0 : -1;
}

/* Without a decoded connection (no capture, or the client never connected): from the outcome. */
static void diagnose_from_outcome(struct case_result *out)
{
	struct diag_result d;
	if (outcome_diagnosis(out, &d) != 0)
		return;
	snprintf(out->diag.code, sizeof out->diag.code, "%s", d.code);
	snprintf(out->diag.summary, sizeof out->diag.summary, "%s", d.summary ? d.summary : "");
	snprintf(out->diag.fix, sizeof out->diag.fix, "%s", d.fix ? d.fix : "");
	snprintf(out->diag.from, sizeof out->diag.from, "outcome");
}

/* The failure kind (a "kind:" section) that lists the certificate problem named name, or NULL:
 * a wolfSSL code, an mbedTLS verify flag (MBEDTLS_X509_BADCERT_...) or a BearSSL X.509 code. */
static const struct explain_equiv *kind_of_verify_error(const char *name)
{
	static const char *const stacks[] = { "wolfssl", "mbedtls-verify", "bearssl" };
	const struct explain_equiv *eqs[8];
	for (size_t s = 0; s < sizeof stacks / sizeof stacks[0] && name[0]; s++) {
		const struct explain_row *row = explain_find_name(stacks[s], name);
		size_t n = row ? explain_equiv_for_row(row, eqs, sizeof eqs / sizeof eqs[0]) : 0;
		for (size_t i = 0; i < n; i++)
			if (strncmp(eqs[i]->key, "kind:", 5) == 0)
				return eqs[i];
	}
	return NULL;
}

/*
 * How the failure shows up on every device stack (explain/tables/equivalents.ini),
 * most precise first: the kind of the certificate problem the client found
 * (ASN_BEFORE_DATE_E under a final ASN_NO_SIGNER_E), the capture's diagnosis
 * for the alert seen, else what diagnose_outcome() gives for the outcome.
 */
static void equiv_fill(struct case_result *out)
{
	const struct explain_equiv *eq = kind_of_verify_error(out->verify_error);
	struct diag_result d;
	if (!eq && strcmp(out->diag.from, "capture") == 0 && out->diag.code[0]) {
		const struct explain_diagnosis *row = explain_diagnosis_find(out->diag.code);
		bool received = strcmp(out->capture.alert_from, "server") == 0;
		if (row)
			eq = explain_diagnosis_equiv(row, out->capture.alert, received);
	}
	if (!eq && outcome_diagnosis(out, &d) == 0)
		eq = d.equiv;
	if (!eq)
		return;
	snprintf(out->equiv.key, sizeof out->equiv.key, "%s", eq->key);
	snprintf(out->equiv.title, sizeof out->equiv.title, "%s", eq->title ? eq->title : "");
	explain_equiv_line_devices(eq, out->equiv.line, sizeof out->equiv.line);
}

static void cert_set(struct case_cert *c, const char *from, const char *name, const char *not_after, int64_t epoch)
{
	c->present = true;
	snprintf(c->from, sizeof c->from, "%s", from);
	snprintf(c->name, sizeof c->name, "%.*s", (int)sizeof c->name - 1, name);
	snprintf(c->not_after, sizeof c->not_after, "%.*s", (int)sizeof c->not_after - 1, not_after);
	c->not_after_epoch = (long long)epoch;
}

/* The server's leaf certificate: the first one of the decoded capture. */
static bool cert_from_capture(const struct jv *conn, struct case_cert *c)
{
	const struct jv *x = jv_at(jv_get(conn, "certificates"), 0);
	const char *na = jv_str(jv_get(x, "not_after")), *type = jv_str(jv_get(x, "not_after_type"));
	const char *cn = jv_str(jv_get(x, "common_name")), *subject = jv_str(jv_get(x, "subject"));
	int64_t epoch;
	if (!na || !type || !x509_time_epoch(na, strcmp(type, "GeneralizedTime") == 0, &epoch))
		return false;
	cert_set(c, "capture", cn ? cn : subject ? subject : "", na, epoch);
	return true;
}

/* Else the certificate the profile serves (TLS 1.3 encrypts it; a failure may come before it). */
static void cert_from_server(struct server *s, struct case_cert *c)
{
	struct profile p;
	char err[256], name[64], why[128];
	static uint8_t der[16384];
	struct x509_info x;
	if (profile_load(server_profile(s), &p, err, sizeof err) != 0 || !p.leaf[0])
		return;
	snprintf(name, sizeof name, "%s.der", p.leaf);
	const char *path = server_file(s, name);
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return;
	size_t n = fread(der, 1, sizeof der, f);
	fclose(f);
	struct cursor cur = cursor_make(der, n);
	if (n == 0 || n == sizeof der || x509_decode(&cur, &x, why, sizeof why) != DECODE_OK || !x.times_ok)
		return;
	cert_set(c, "server", x.common_name[0] ? x.common_name : x.subject, x.not_after, x.not_after_epoch);
}

/* A file of the case could not be written (disk full...): the harness failed, there is no verdict. */
static void harness_failed(struct case_result *out, const char *what, const char *err)
{
	out->status = CASE_ERROR;
	out->harness_error = true;
	snprintf(out->error, sizeof out->error, "%s: %.*s", what, (int)(sizeof out->error / 2), err);
}

/*
 * capture.pcapng beside capture.pcap: the same frames with the key log in a
 * Decryption Secrets Block, so Wireshark opens it decrypted with no options
 * and the case's decode reads the keys from it.  Its path, or NULL (no key
 * log: a handshake that never started; or it could not be written).
 */
static const char *capture_with_keys(const struct case_job *job, const struct case_paths *paths, char *ng,
				     size_t nglen)
{
	char err[256];
	int w = snprintf(ng, nglen, "%s/capture.pcapng", job->dir);
	if (w < 0 || (size_t)w >= nglen || access(paths->keylog, R_OK) != 0)
		return NULL;
	return pcapng_dsb_write(paths->pcap, paths->keylog, ng, err, sizeof err) == 0 ? ng : NULL;
}

/*
 * decoded.txt and decoded.json beside the pcap, each written atomically, and
 * the first connection kept for the verdict: one read of the capture for
 * the three.  TLS is found by content: with the relay the pcap's server
 * port is the relay's.  -1: a file not written.
 */
static int capture_decode(const struct case_job *job, const struct case_paths *paths, struct case_result *out)
{
	char path[4200], err[256], why[256], ng[4200];
	struct decode_opts o = { .port = 0 };
	struct decode_stats st;
	struct jv *first = NULL;
	struct outdir_file txt = { 0 }, json = { 0 };
	const char *src = capture_with_keys(job, paths, ng, sizeof ng);
	if (!src)
		src = paths->pcap;
	snprintf(path, sizeof path, "%s/decoded.txt", job->dir);
	FILE *tf = outdir_open(&txt, path, err, sizeof err);
	snprintf(path, sizeof path, "%s/decoded.json", job->dir);
	FILE *jf = tf ? outdir_open(&json, path, err, sizeof err) : NULL;
	if (!tf || !jf) {
		outdir_abort(&txt);
		harness_failed(out, "could not write the decoded capture", err);
		return -1;
	}
	struct decode_outputs outs = { .text = tf, .json = jf, .emit = keep_first, .ctx = &first };
	enum err_category rc = decode_file_to(src, &o, &outs, &st, why, sizeof why);
	if (rc == ERR_INPUT) { /* an unusable file: each report says why */
		fprintf(tf, "%s\n", why);
		fprintf(jf, "%s\n", why);
	}
	int w = outdir_commit_unsynced(&txt, err, sizeof err);
	if (w == 0)
		w = outdir_commit_unsynced(&json, err, sizeof err);
	else
		outdir_abort(&json);
	if (w != 0) {
		jv_free(first);
		harness_failed(out, "could not write the decoded capture", err);
		return -1;
	}
	if (rc != ERR_NONE || !first) {
		snprintf(out->capture.status, sizeof out->capture.status, "%s", first ? "unreadable" : "empty");
		jv_free(first);
		return 0;
	}
	capture_summarise(first, &out->capture, &out->diag);
	if (st.truncated)
		snprintf(out->capture.status, sizeof out->capture.status, "truncated");
	out->decoded = first;
	return 0;
}

/*
 * The client's line says which alert it sent as the library reports it
 * (wolfSSL names its last one: 48 after 45 for a certificate not yet
 * valid); only the first reached the wire.  The line takes the capture's.
 */
static void detail_alert_from_capture(struct case_result *out, int reported, int seen)
{
	char said[32], rest[sizeof out->detail];
	snprintf(said, sizeof said, "sent alert %d", reported);
	char *at = reported == seen ? NULL : strstr(out->detail, said);
	if (!at)
		return;
	snprintf(rest, sizeof rest, "%s", at + strlen(said));
	*at = '\0';
	size_t used = strlen(out->detail);
	snprintf(out->detail + used, sizeof out->detail - used, "sent alert %d (the capture's; the library reported %d)%s",
		 seen, reported, rest);
}

void case_execute(const struct case_job *job, struct case_result *out)
{
	struct client_case cc;
	struct client_result cr;
	struct case_paths paths;
	struct capture *cap = NULL;
	struct fault_set faults = { .n = 0 };
	char err[200];
	long long t0 = now_ms();

	memset(&cr, 0, sizeof cr);
	cr.alert_received = cr.alert_sent = -1;
	if (case_resolve(job, &cc, &paths, err, sizeof err) != 0) {
		out->status = CASE_ERROR;
		snprintf(out->error, sizeof out->error, "could not set up: %s", err);
		goto out;
	}
	long long t1 = now_ms();
	/* Bound now and handed to the client (client.h sock_fd): no other process can take the port. */
	cc.sock_fd = case_client_socket(&cc.bind_port);
	if (cc.sock_fd < 0) {
		harness_failed(out, "could not bind a client port on 127.0.0.1", strerror(errno));
		goto out;
	}
	out->client_port = cc.bind_port;
	/* Checked at load; a case with network faults is always captured (the relay injects them). */
	if (job->spec->network && fault_parse(job->spec->network, &faults, err, sizeof err) != 0) {
		out->status = CASE_ERROR;
		snprintf(out->error, sizeof out->error, "network: %s", err);
		goto out;
	}
	if (job->capture != CAPTURE_OFF || faults.n) {
		struct capture_opts co = {
			.mode = job->capture == CAPTURE_OFF ? CAPTURE_RELAY : job->capture,
			.faults = &faults,
			.server_host = cc.host,
			.server_port = cc.port,
			.client_port = cc.bind_port,
			.pcap_path = paths.part, /* renamed to paths.pcap once whole (runner.c marks a cut one) */
			.hub = job->capture_hub,
		};
		cap = capture_begin(&co, err, sizeof err);
		if (!cap) {
			close(cc.sock_fd);
			harness_failed(out, "could not capture", err);
			goto out;
		}
		cc.host = capture_connect_host(cap);
		cc.port = capture_connect_port(cap);
		snprintf(out->capture.mode, sizeof out->capture.mode, "%s", capture_mode_name(capture_mode_used(cap)));
	}
	long long t2 = now_ms();
	int ran = client_run(&cc, &cr, err, sizeof err);
	long long t3 = now_ms();
	if (cr.keylog_failed)
		unlink(paths.keylog); /* cut short: never left under its name */
	out->capture_start_ms = (long)(t2 - t1);
	out->handshake_ms = (long)(t3 - t2);
	if (cap) {
		struct capture_stats st;
		char cerr[200];
		/* Only a capture written whole gets the final name; a failed write is the harness's failure. */
		if (capture_end(cap, &st, cerr, sizeof cerr) != 0 ||
		    (rename(paths.part, paths.pcap) != 0 && snprintf(cerr, sizeof cerr, "%s", strerror(errno)) > 0)) {
			unlink(paths.part);
			harness_failed(out, "could not write the capture", cerr);
			goto out;
		}
		out->capture.present = true;
		out->capture.packets = (long long)st.packets;
		out->capture.dropped = (long long)st.dropped;
		snprintf(out->capture.fault, sizeof out->capture.fault, "%s", st.fault);
		if (capture_decode(job, &paths, out) != 0)
			goto out;
		out->decode_ms = (long)(now_ms() - t3);
	}
	if (cr.keylog_failed) {
		harness_failed(out, "could not write the key log", paths.keylog);
		goto out;
	}
	if (ran != 0) {
		/* The client could not even try (a socket, a file, the library): the harness's failure. */
		harness_failed(out, "could not run", err);
		goto out;
	}
	outcome_from_client(&cr, out);
	device_from_client(job, &cr, out);
	if (cr.skipped) {
		out->status = CASE_SKIP;
		snprintf(out->skip_reason, sizeof out->skip_reason, "%s", cr.skip_reason);
		goto out;
	}
	/*
	 * An alert seen in clear on the wire is the truth for its direction:
	 * a client library may only guess which alert it sent from its error.
	 */
	if (out->capture.alert >= 0) {
		if (strcmp(out->capture.alert_from, "server") == 0)
			out->got.alert_by_server = out->capture.alert;
		else
			out->got.alert_by_client = out->capture.alert;
		if (strcmp(out->capture.alert_from, "client") == 0 && cr.alert_sent >= 0)
			detail_alert_from_capture(out, cr.alert_sent, out->capture.alert);
	}
	if (!out->diag.summary[0] && !out->got.connected)
		diagnose_from_outcome(out);
	if (!out->got.connected)
		equiv_fill(out);
	if (!(out->decoded && cert_from_capture(out->decoded, &out->cert)))
		cert_from_server(job->server, &out->cert);
	out->status = CASE_FAIL; /* judged by the runner against the expectation */
out:
	if (!out->capture.mode[0])
		snprintf(out->capture.mode, sizeof out->capture.mode, "%s", capture_mode_name(job->capture));
	out->duration_ms = (long)(now_ms() - t0);
}
