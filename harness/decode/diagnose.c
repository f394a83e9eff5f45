/*
 * diagnose.c - the rule table that turns wire facts into a diagnosis.
 *
 * Each row: a stable code (and an optional variant), and a match function
 * that reads struct diag_facts and writes the evidence it relied on.  The
 * words (summary, fix) and which cross-stack equivalents to show are in
 * harness/explain/tables/diagnosis.ini, under [code] or [code/variant]:
 * a cause is written in one place, for the decoder, the runner and
 * 'tlsdiag explain' alike.  The
 * rows are tried in order and the first match wins, so specific causes
 * (no shared cipher) come before generic ones (a fatal alert), and a cut
 * capture is named before "handshake never finished": a TRUNCATED stream
 * is never blamed on a peer (STYLE.md section 3).
 *
 * Alert semantics: RFC 8446 section 6.2 and RFC 5246 section 7.2.2; what
 * servers send when (OpenSSL's "no shared cipher" -> 40, "unsupported
 * protocol" -> 70) is in docs/sources.md (OpenSSL, "what servers send").
 */
#include "harness/decode/diagnose.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "harness/decode/tls_names.h"
#include "harness/explain/explain.h"

#include "harness/decode/diag_rules.h"

static void evf(char *ev, size_t evlen, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
static void evf(char *ev, size_t evlen, const char *fmt, va_list ap)
{
	size_t used = strlen(ev);
	if (used < evlen)
		vsnprintf(ev + used, evlen - used, fmt, ap);
}

void dx_ev(struct dctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	evf(x->r->evidence, sizeof x->r->evidence, fmt, ap);
	va_end(ap);
}

void dx_apart(struct dctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	evf(x->r->tell_apart, sizeof x->r->tell_apart, fmt, ap);
	va_end(ap);
}

static void ev_append(char *ev, size_t evlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ev_append(char *ev, size_t evlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	evf(ev, evlen, fmt, ap);
	va_end(ap);
}

void dx_use(struct dctx *x, const char *kind)
{
	char *u = x->r->used;
	size_t k = strlen(kind);
	for (const char *p = u; (p = strstr(p, kind)); p += k)
		if ((p == u || p[-1] == ' ') && (p[k] == ',' || p[k] == '\0'))
			return;
	ev_append(u, sizeof x->r->used, "%s%s", u[0] ? ", " : "", kind);
}

void dx_also(struct dctx *x, const char *code)
{
	const char *self = x->code ? x->code : NULL;
	if (self && strcmp(self, code) == 0)
		return;
	for (size_t i = 0; i < DIAG_CANDIDATES; i++) {
		if (!x->r->also[i]) {
			x->r->also[i] = code;
			return;
		}
		if (strcmp(x->r->also[i], code) == 0)
			return;
	}
}

const char *dx_alert_name(int desc)
{
	const char *s = desc >= 0 ? tok_name(tls_alert_names, (unsigned)desc) : NULL;
	return s ? s : "unknown";
}

/*
 * What servers and clients write when they refuse a handshake, and the
 * cause each names.  Sources: OpenSSL 3 ssl_err.c reason strings, GnuTLS
 * gnutls_strerror(), NSS SSL_ERROR_* names, mbedTLS error names,
 * wolfSSL's error names; matched as substrings, case-insensitive.
 */
struct log_cause {
	const char *text;
	const char *code; /* a code, or code/variant */
};

static const struct log_cause log_causes[] = {
	{ "version too low", "version_too_low" },
	{ "version too high", "version_too_high" },
	{ "unsupported protocol", "no_shared_version" },
	{ "unsupported_protocol", "no_shared_version" },
	{ "SSL_ERROR_UNSUPPORTED_VERSION", "no_shared_version" },
	{ "unsupported version", "no_shared_version" },
	{ "illegal or unsupported version", "no_shared_version" },
	{ "no suitable key share", "no_shared_group" },
	{ "no common key share", "no_shared_group" },
	{ "no suitable signature algorithm", "no_shared_sigalg" },
	{ "no shared signature algorithms", "no_shared_sigalg" },
	{ "no supported signature algorithm", "no_shared_sigalg" },
	{ "no shared cipher", "no_shared_cipher" },
	{ "no supported cipher suites", "no_shared_cipher" },
	{ "could not negotiate a supported cipher suite", "no_shared_cipher" },
	{ "SSL_ERROR_NO_CYPHER_OVERLAP", "no_shared_cipher" },
	{ "NO_CIPHER_CHOSEN", "no_shared_cipher" },
	{ "peer did not return a certificate", "client_cert_required" },
	{ "did not send any certificate", "client_cert_required" },
	{ "certificate required", "client_cert_required" },
	{ "SSL_ERROR_NO_CERTIFICATE", "client_cert_required" },
	{ "http request", "plaintext_peer/client" },
	{ "wrong version number", "plaintext_peer" },
	{ "packet length too long", "plaintext_peer" },
	{ "certificate has expired", "certificate_expired" },
	{ "ASN_AFTER_DATE_E", "certificate_expired" },
	{ "SEC_ERROR_EXPIRED_CERTIFICATE", "certificate_expired" },
	{ "certificate is not yet valid", "certificate_expired/not_yet_valid" },
	{ "ASN_BEFORE_DATE_E", "certificate_expired/not_yet_valid" },
	{ "hostname mismatch", "hostname_mismatch" },
	{ "DOMAIN_NAME_MISMATCH", "hostname_mismatch" },
	{ "SSL_ERROR_BAD_CERT_DOMAIN", "hostname_mismatch" },
	{ "does not match the expected hostname", "hostname_mismatch" },
	{ "doesn't match", "hostname_mismatch" },
	{ "ee key too small", "weak_key" },
	{ "key too small", "weak_key" },
	{ "ca md too weak", "weak_signature" },
	{ "self-signed certificate", "unknown_ca" },
	{ "self signed certificate", "unknown_ca" },
	{ "unable to get local issuer certificate", "unknown_ca" },
	{ "ASN_NO_SIGNER_E", "unknown_ca" },
	{ "SEC_ERROR_UNKNOWN_ISSUER", "unknown_ca" },
	{ "issuer is unknown", "unknown_ca" },
	{ "signer not found", "unknown_ca" },
	{ "connection refused", "connection_refused" },
	{ "ECONNREFUSED", "connection_refused" },
	{ "timed out", "server_silent" },
	{ "unrecognized name", "unrecognized_name" },
};

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

const char *diagnose_server_log(const char *line)
{
	for (size_t i = 0; line && i < sizeof log_causes / sizeof log_causes[0]; i++)
		if (contains_nocase(line, log_causes[i].text))
			return log_causes[i].code;
	return NULL;
}

static bool same_code(const char *key, const char *code)
{
	size_t n = strcspn(key, "/");
	return strlen(code) == n && strncmp(key, code, n) == 0;
}

/* Codes the capture alone names only vaguely: a named cause from a log wins over them. */
static bool vague(const char *code)
{
	static const char *const v[] = { "peer_alert", "bad_certificate", "certificate_unknown", "encrypted_alert",
					 "server_closed_without_alert", "client_closed_without_alert",
					 "handshake_incomplete", "no_shared_version", NULL };
	for (size_t i = 0; v[i]; i++)
		if (strcmp(v[i], code) == 0)
			return true;
	return false;
}

/*
 * A log line that names a cause: among the candidates it decides (and is
 * moved first); over a vague code it wins; against a specific code from
 * the capture it is listed, and the disagreement said.  A version named
 * without a direction takes it from the offer.
 */
static void weigh_log(struct dctx *x, const char *who, const char *line, const char **key)
{
	const char *named = diagnose_server_log(line);
	char code[64];
	if (!named)
		return;
	if (strcmp(named, "no_shared_version") == 0 && x->have_offer)
		named = x->o.vmin >= TLS_V_TLS13 ? "version_too_high" : "version_too_low";
	/* "no suitable signature algorithm" from a TLS 1.0/1.1 client is its version (MD5+SHA-1 signatures). */
	if (strcmp(named, "no_shared_sigalg") == 0 && x->have_offer && x->o.vmax <= TLS_V_TLS11)
		named = "version_too_low";
	snprintf(code, sizeof code, "%.*s", (int)strcspn(named, "/"), named);
	dx_use(x, who[0] == 's' ? "server_log" : "client_error");
	ev_append(x->r->evidence, sizeof x->r->evidence, "; the %s says \"%.120s\"", who, line);
	bool listed = false;
	for (size_t i = 0; i < DIAG_CANDIDATES && x->r->also[i]; i++)
		listed |= strcmp(x->r->also[i], code) == 0;
	if (same_code(*key, code) || listed || vague(x->code)) {
		if (!same_code(*key, code))
			*key = named;
		memset(x->r->also, 0, sizeof x->r->also);
		x->r->tell_apart[0] = '\0';
		return;
	}
	dx_also(x, named);
	snprintf(x->r->tell_apart, sizeof x->r->tell_apart,
		 "the capture points to %s and the %s to %s: look at the side that failed first", x->code, who, code);
}

static const char *rule_key(const struct diag_rule *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", r->code, r->variant ? "/" : "", r->variant ? r->variant : "");
	return buf;
}

int diagnose_check(char *err, size_t errlen)
{
	for (size_t i = 0; i < diag_n_rules; i++) {
		char key[64];
		if (!explain_diagnosis_require(rule_key(&diag_rules[i], key, sizeof key), err, errlen))
			return -1;
	}
	for (size_t i = 0; diag_named_codes[i]; i++)
		if (!explain_diagnosis_require(diag_named_codes[i], err, errlen))
			return -1;
	for (size_t i = 0; i < sizeof log_causes / sizeof log_causes[0]; i++)
		if (!explain_diagnosis_require(log_causes[i].code, err, errlen))
			return -1;
	return 0;
}

/* Checked once per process: a rule without words is a bug, said once on stderr (as explain does). */
static void check_once(void)
{
	static bool checked;
	char err[512];
	if (checked)
		return;
	checked = true;
	if (diagnose_check(err, sizeof err) != 0)
		fprintf(stderr, "tlsdiag: internal: diagnosis: %s\n", err);
}

/* The words and equivalents of d; empty words when the tables did not load. */
static void fill(struct diag_result *out, const char *code, const struct explain_diagnosis *d, int alert,
		 bool received)
{
	out->code = code;
	out->key = d ? d->key : code;
	out->summary = d ? d->summary : "";
	out->fix = d ? d->fix : "";
	out->equiv = d ? explain_diagnosis_equiv(d, alert, received) : NULL;
}

void diagnose(const struct diag_facts *f, struct diag_result *out)
{
	const struct diag_rule *r = &diag_rules[diag_n_rules - 1];
	struct dctx x;
	char keybuf[80];
	const char *key;
	check_once();
	for (size_t i = 0; i < diag_n_rules; i++) {
		memset(out, 0, sizeof *out);
		memset(&x, 0, sizeof x);
		x.f = f;
		x.r = out;
		if (f->ch) {
			diag_offer_read(f->ch, &x.o);
			x.have_offer = true;
		}
		if (diag_rules[i].match(&x)) {
			r = &diag_rules[i];
			break;
		}
	}
	if (!x.code) {
		x.code = r->code;
		if (!x.variant)
			x.variant = r->variant;
	}
	snprintf(keybuf, sizeof keybuf, "%s%s%s", x.code, x.variant ? "/" : "", x.variant ? x.variant : "");
	key = keybuf;
	if (f->server_log)
		weigh_log(&x, "server's log", f->server_log, &key);
	if (f->client_error)
		weigh_log(&x, "client's error", f->client_error, &key);
	const struct explain_diagnosis *d = explain_diagnosis_find(key);
	if (!d)
		d = explain_diagnosis_find(x.code); /* a variant without words of its own: the code's */
	/* The device is the client: an alert from the server is one the device received. */
	fill(out, d ? d->code : x.code, d, f->has_alert && !f->alert_encrypted ? f->alert_desc : -1,
	     f->alert_from_server);
}

/*
 * The diagnosis standing for a section that lists a wolfSSL code: a kind
 * first (-322 is hostname_mismatch even though the device then sends 42),
 * then an alert.  Generic codes (-313) stand for no section.
 */
static const struct explain_diagnosis *by_wolfssl(const struct explain_row *row)
{
	const struct explain_equiv *eqs[8];
	size_t n = explain_equiv_for_row(row, eqs, sizeof eqs / sizeof eqs[0]);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const struct explain_diagnosis *d;
			if ((strncmp(eqs[i]->key, "kind:", 5) == 0) != (pass == 0))
				continue;
			if ((d = explain_diagnosis_for(eqs[i]->key)))
				return d;
		}
	return NULL;
}

/*
 * Whether d contradicts the alert seen: it stands for another alert of the
 * same direction (unknown_ca is sent:48; a capture holding sent:45 is an
 * expired certificate, whatever the device's last error code says).
 */
static bool contradicts(const struct explain_diagnosis *d, bool received, int alert)
{
	char k[32];
	snprintf(k, sizeof k, "%s:%d", received ? "received" : "sent", alert);
	if (explain_diagnosis_for(k) == d)
		return false;
	for (int n = 0; n < 256; n++) {
		snprintf(k, sizeof k, "%s:%d", received ? "received" : "sent", n);
		if (n != alert && explain_diagnosis_for(k) == d)
			return true;
	}
	return false;
}

int diagnose_outcome(const struct diag_outcome *o, struct diag_result *out)
{
	const struct explain_diagnosis *d = NULL, *from_log = NULL;
	const struct explain_row *wrow = o->has_wolfssl ? explain_find("wolfssl", o->wolfssl) : NULL;
	bool received = !o->alert_from_device;
	char key[80], akey[32] = "";

	memset(out, 0, sizeof *out);
	check_once();
	if (o->alert >= 0)
		snprintf(akey, sizeof akey, "%s:%d", received ? "received" : "sent", o->alert);
	if (o->kind) {
		snprintf(key, sizeof key, "kind:%s", o->kind);
		d = explain_diagnosis_for(key);
		ev_append(out->evidence, sizeof out->evidence, "failure kind %s", o->kind);
	}
	if (o->has_wolfssl) {
		if (!d && wrow) {
			d = by_wolfssl(wrow);
			if (d && o->alert >= 0 && contradicts(d, received, o->alert)) {
				out->also[0] = d->code;
				d = NULL;
			}
		}
		ev_append(out->evidence, sizeof out->evidence, "%swolfSSL error %ld %s", out->evidence[0] ? "; " : "",
			  o->wolfssl, wrow ? wrow->name : "(not in the wolfSSL table)");
	}
	if (o->server_log) {
		const char *named = diagnose_server_log(o->server_log);
		from_log = named ? explain_diagnosis_find(named) : NULL;
		ev_append(out->evidence, sizeof out->evidence, "%sthe server's log says \"%.120s\"",
			  out->evidence[0] ? "; " : "", o->server_log);
	}
	if (o->alert >= 0) {
		if (!d && from_log)
			d = from_log;
		if (!d)
			d = explain_diagnosis_for(akey);
		if (!d)
			d = explain_diagnosis_find("peer_alert");
		ev_append(out->evidence, sizeof out->evidence, "%sthe %s sent fatal alert %d %s",
			  out->evidence[0] ? "; " : "", received ? "server" : "device", o->alert, dx_alert_name(o->alert));
	}
	if (!d)
		d = from_log;
	if (!d)
		return -1;
	fill(out, d->code, d, o->alert, received);
	return 0;
}

const char *diagnose_summary(const char *code)
{
	const struct explain_diagnosis *d = explain_diagnosis_find(code);
	return d ? d->summary : NULL;
}
