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

#include "harness/decode/tls_names.h"
#include "harness/explain/explain.h"

typedef bool (*diag_match_fn)(const struct diag_facts *f, char *ev, size_t evlen);

struct diag_rule {
	const char *code; /* stable */
	const char *variant; /* NULL, or a variant with its own words */
	diag_match_fn match;
};

static void evf(char *ev, size_t evlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void evf(char *ev, size_t evlen, const char *fmt, ...)
{
	size_t used = strlen(ev);
	va_list ap;
	if (used >= evlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ev + used, evlen - used, fmt, ap);
	va_end(ap);
}

static const char *alert_name(int desc)
{
	const char *s = desc >= 0 ? tok_name(tls_alert_names, (unsigned)desc) : NULL;
	return s ? s : "unknown";
}

/* "the server sent fatal alert 40 handshake_failure after ClientHello" */
static void ev_alert(const struct diag_facts *f, char *ev, size_t evlen)
{
	const char *who = f->alert_from_server ? "server" : "client";
	if (f->alert_encrypted)
		evf(ev, evlen, "the %s sent an encrypted alert after %s", who,
		    f->alert_after ? f->alert_after : "the start");
	else
		evf(ev, evlen, "the %s sent alert %d %s after %s", who, f->alert_desc,
		    alert_name(f->alert_desc), f->alert_after ? f->alert_after : "the start");
}

static bool alert_is(const struct diag_facts *f, bool from_server, int desc)
{
	return f->has_alert && !f->alert_encrypted && f->alert_from_server == from_server &&
	       f->alert_desc == desc;
}

/* What kinds of key exchange the ClientHello offers, e.g. "4 suites: RSA only". */
static void ev_suites(const struct diag_facts *f, char *ev, size_t evlen)
{
	size_t kx[TLS_KX_SCSV + 1] = { 0 };
	size_t real = 0, aead = 0;
	struct tls_suite_info si;
	bool first = true;

	if (!f->ch)
		return;
	for (size_t i = 0; i < f->ch->suites.n; i++)
		if (tls_suite_info(f->ch->suites.v[i], &si) && si.kx != TLS_KX_SCSV) {
			kx[si.kx]++;
			real++;
			aead += si.aead;
		}
	evf(ev, evlen, "; the client offered %zu cipher suite%s (", real, real == 1 ? "" : "s");
	for (int k = TLS_KX_NULL; k < TLS_KX_SCSV; k++)
		if (kx[k]) {
			evf(ev, evlen, "%s%zu %s", first ? "" : ", ", kx[k], tls_kx_name((enum tls_kx)k));
			first = false;
		}
	evf(ev, evlen, "; %zu AEAD)", aead);
	if (real && kx[TLS_KX_RSA] == real)
		evf(ev, evlen, ": only static-RSA key exchange, no ECDHE/DHE, which servers "
			       "configured for forward secrecy refuse");
	else if (real && aead == 0)
		evf(ev, evlen, ": no AEAD (GCM/CCM/ChaCha20) suite, which modern server "
			       "configurations require");
}

static void ev_versions(const struct diag_facts *f, char *ev, size_t evlen)
{
	char b[16];
	if (!f->ch)
		return;
	evf(ev, evlen, "; the client's highest version is %s",
	    tls_version_short(tls_client_hello_max_version(f->ch), b, sizeof b));
	if (tls_client_hello_max_version(f->ch) <= TLS_V_TLS11)
		evf(ev, evlen, " (OpenSSL 3 and most servers refuse TLS 1.1 and older)");
}

/* ---- match functions, one per row ---- */

static bool m_no_data(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (f->any_data)
		return false;
	evf(ev, evlen, "the TCP connection carried no payload in either direction");
	return true;
}

static bool m_not_tls(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->not_tls)
		return false;
	evf(ev, evlen, "%s", f->malformed_what[0] ? f->malformed_what : "no TLS record was seen");
	return true;
}

static bool m_ok(const struct diag_facts *f, char *ev, size_t evlen)
{
	char b[16], s[64];
	if (!f->complete)
		return false;
	evf(ev, evlen, "both sides finished the handshake");
	if (f->sh)
		evf(ev, evlen, " with %s and %s", tls_version_short(f->sh->version, b, sizeof b),
		    tls_name16(tls_cipher_suite_names, f->sh->suite, s, sizeof s));
	return true;
}

static bool m_no_shared_version(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->has_alert || f->alert_encrypted || f->alert_desc != TLS_AD_PROTOCOL_VERSION)
		return false;
	ev_alert(f, ev, evlen);
	ev_versions(f, ev, evlen);
	return true;
}

static bool hs_failure_at_hello(const struct diag_facts *f)
{
	return f->has_alert && !f->alert_encrypted && f->alert_from_server &&
	       f->alert_before_server_hello &&
	       (f->alert_desc == TLS_AD_HANDSHAKE_FAILURE ||
		f->alert_desc == TLS_AD_INSUFFICIENT_SECURITY);
}

static bool only_static_rsa(const struct tls_client_hello *ch)
{
	struct tls_suite_info si;
	size_t real = 0, rsa = 0;
	for (size_t i = 0; i < ch->suites.n; i++)
		if (tls_suite_info(ch->suites.v[i], &si) && si.kx != TLS_KX_SCSV) {
			real++;
			rsa += si.kx == TLS_KX_RSA;
		}
	return real && rsa == real;
}

static bool m_no_shared_cipher_rsa(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!hs_failure_at_hello(f) || !f->ch || !only_static_rsa(f->ch))
		return false;
	ev_alert(f, ev, evlen);
	ev_suites(f, ev, evlen);
	return true;
}

static bool m_no_shared_sigalg(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!hs_failure_at_hello(f) || !f->ch || f->ch->has_sigalgs ||
	    tls_client_hello_max_version(f->ch) != TLS_V_TLS12)
		return false;
	ev_alert(f, ev, evlen);
	evf(ev, evlen, "; the TLS 1.2 ClientHello has no signature_algorithms extension, so the "
		       "server must assume SHA-1 (RFC 5246 7.4.1.4.1)");
	return true;
}

static bool m_no_shared_cipher(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!hs_failure_at_hello(f))
		return false;
	ev_alert(f, ev, evlen);
	ev_suites(f, ev, evlen);
	return true;
}

static bool m_missing_sni(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->has_alert || f->alert_encrypted || f->alert_desc != TLS_AD_UNRECOGNIZED_NAME)
		return false;
	ev_alert(f, ev, evlen);
	if (f->ch && f->ch->has_sni)
		evf(ev, evlen, "; the client asked for \"%s\"", f->ch->sni);
	else if (f->ch)
		evf(ev, evlen, "; the ClientHello has no server_name (SNI) extension");
	return true;
}

static bool m_client_cert_required(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (alert_is(f, true, TLS_AD_CERTIFICATE_REQUIRED)) {
		ev_alert(f, ev, evlen);
		return true;
	}
	if (!f->cert_request || !f->client_cert_empty || !f->has_alert || !f->alert_from_server ||
	    f->alert_encrypted)
		return false;
	ev_alert(f, ev, evlen);
	evf(ev, evlen, "; the server sent a CertificateRequest and the client answered with an "
		       "empty Certificate");
	return true;
}

static void ev_leaf(const struct diag_facts *f, char *ev, size_t evlen)
{
	const struct x509_info *x = f->leaf;
	if (!x)
		return;
	evf(ev, evlen, "; the server's certificate (%zu in the chain) is \"%s\", issued by \"%s\"",
	    f->n_server_certs, x->subject, x->issuer);
	if (x->self_issued)
		evf(ev, evlen, " (self-signed)");
}

static bool m_certificate_expired(const struct diag_facts *f, char *ev, size_t evlen)
{
	const struct x509_info *x = f->leaf;
	if (!alert_is(f, false, TLS_AD_CERTIFICATE_EXPIRED))
		return false;
	ev_alert(f, ev, evlen);
	if (!x || !x->times_ok)
		return true;
	evf(ev, evlen, "; notBefore %s, notAfter %s", x->not_before, x->not_after);
	if (f->capture_sec && f->capture_sec > x->not_after_epoch)
		evf(ev, evlen, ": the certificate had expired when the capture was taken");
	else if (f->capture_sec && f->capture_sec < x->not_before_epoch)
		evf(ev, evlen, ": the certificate was not yet valid when the capture was taken");
	else
		evf(ev, evlen, ": valid by the capture's clock, so the device's clock is wrong "
			       "(unset RTC, or a 32-bit time_t that wraps after 2038)");
	return true;
}

/* Before the capture's notBefore: the device's clock is behind, the not_yet_valid variant. */
static bool m_certificate_not_yet_valid(const struct diag_facts *f, char *ev, size_t evlen)
{
	const struct x509_info *x = f->leaf;
	if (!alert_is(f, false, TLS_AD_CERTIFICATE_EXPIRED) || !x || !x->times_ok || !f->capture_sec ||
	    f->capture_sec >= x->not_before_epoch)
		return false;
	return m_certificate_expired(f, ev, evlen);
}

static bool m_unknown_ca(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!alert_is(f, false, TLS_AD_UNKNOWN_CA))
		return false;
	ev_alert(f, ev, evlen);
	ev_leaf(f, ev, evlen);
	return true;
}

static bool m_hostname_mismatch(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!(alert_is(f, false, TLS_AD_BAD_CERTIFICATE) ||
	      alert_is(f, false, TLS_AD_CERTIFICATE_UNKNOWN)) ||
	    !f->alert_after_certificate || !f->leaf || !f->ch || !f->ch->has_sni ||
	    x509_matches_host(f->leaf, f->ch->sni))
		return false;
	ev_alert(f, ev, evlen);
	evf(ev, evlen, "; the client asked for \"%s\" but the certificate names CN \"%s\"",
	    f->ch->sni, f->leaf->common_name);
	for (size_t i = 0; i < f->leaf->n_san; i++)
		evf(ev, evlen, "%s%s", i ? ", " : " and SAN ", f->leaf->san[i]);
	evf(ev, evlen, " (likely: the alert does not say why)");
	return true;
}

static bool m_bad_certificate(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!alert_is(f, false, TLS_AD_BAD_CERTIFICATE))
		return false;
	ev_alert(f, ev, evlen);
	ev_leaf(f, ev, evlen);
	return true;
}

static bool m_certificate_unknown(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!alert_is(f, false, TLS_AD_CERTIFICATE_UNKNOWN))
		return false;
	ev_alert(f, ev, evlen);
	ev_leaf(f, ev, evlen);
	return true;
}

static bool m_unsupported_certificate(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!alert_is(f, false, TLS_AD_UNSUPPORTED_CERTIFICATE))
		return false;
	ev_alert(f, ev, evlen);
	if (f->leaf)
		evf(ev, evlen, "; the server's key is %s %d-bit, signed with %s", f->leaf->key_type,
		    f->leaf->key_bits, f->leaf->sig_alg);
	return true;
}

static bool m_dh_too_small(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->has_alert || f->alert_from_server || f->alert_encrypted || !f->alert_after_ske ||
	    !f->dh_bits || f->dh_bits >= 2048)
		return false;
	ev_alert(f, ev, evlen);
	evf(ev, evlen, "; the server's DHE prime has %u bits", f->dh_bits);
	return true;
}

static bool m_record_overflow(const struct diag_facts *f, char *ev, size_t evlen)
{
	bool alert = f->has_alert && !f->alert_encrypted && f->alert_desc == TLS_AD_RECORD_OVERFLOW;
	if (!alert && !f->record_overflow_seen)
		return false;
	if (alert)
		ev_alert(f, ev, evlen);
	else
		evf(ev, evlen, "%s", f->malformed_what);
	if (f->ch && f->ch->max_fragment_length >= 1 && f->ch->max_fragment_length <= 4) {
		evf(ev, evlen, "; the client asked for max_fragment_length %u bytes",
		    256u << f->ch->max_fragment_length);
		if (f->sh && !f->sh->max_fragment_length)
			evf(ev, evlen, " and the server did not acknowledge it");
	} else if (f->ch) {
		evf(ev, evlen, "; the client did not ask for max_fragment_length");
	}
	return true;
}

static bool m_alert_is(const struct diag_facts *f, char *ev, size_t evlen, int desc)
{
	if (!f->has_alert || f->alert_encrypted || f->alert_desc != desc)
		return false;
	ev_alert(f, ev, evlen);
	return true;
}

static bool m_decode_error(const struct diag_facts *f, char *ev, size_t evlen)
{
	return m_alert_is(f, ev, evlen, TLS_AD_DECODE_ERROR);
}

static bool m_illegal_parameter(const struct diag_facts *f, char *ev, size_t evlen)
{
	return m_alert_is(f, ev, evlen, TLS_AD_ILLEGAL_PARAMETER);
}

static bool m_unexpected_message(const struct diag_facts *f, char *ev, size_t evlen)
{
	return m_alert_is(f, ev, evlen, TLS_AD_UNEXPECTED_MESSAGE);
}

static bool m_bad_record_mac(const struct diag_facts *f, char *ev, size_t evlen)
{
	return m_alert_is(f, ev, evlen, 20) || m_alert_is(f, ev, evlen, 51);
}

static bool m_encrypted_alert(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->has_alert || !f->alert_encrypted)
		return false;
	ev_alert(f, ev, evlen);
	if (!f->alert_from_server && f->sh && f->sh->version >= TLS_V_TLS13)
		evf(ev, evlen, "; in TLS 1.3 the server's certificate is encrypted, and a client "
			       "alert right after it is most often a certificate check failing");
	return true;
}

static bool m_other_alert(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->has_alert)
		return false;
	ev_alert(f, ev, evlen);
	return true;
}

static bool m_server_closed(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->closed || !f->closed_by_server || !f->closed_before_server_hello || !f->ch ||
	    f->truncated)
		return false;
	evf(ev, evlen, "the server closed the connection (%s) after the ClientHello without a "
		       "ServerHello or an alert",
	    f->closed_rst ? "RST" : "FIN");
	ev_versions(f, ev, evlen);
	ev_suites(f, ev, evlen);
	return true;
}

/* The path (or whatever answers for the server) reset the ClientHello: no TLS byte came back. */
static bool m_server_reset(const struct diag_facts *f, char *ev, size_t evlen)
{
	return f->closed_rst && m_server_closed(f, ev, evlen);
}

/*
 * Nothing came back, the server's side closed nothing, and the client closed
 * after waiting at least NO_ANSWER_MS: a stalled path, the client timed out.
 * A capture that merely ends open says nothing about how long anyone waited.
 */
#define NO_ANSWER_MS 1000
static bool no_answer(const struct diag_facts *f)
{
	return f->ch && f->server_owed && f->last_message && f->closed && !f->closed_by_server &&
	       f->silent_ms >= NO_ANSWER_MS && !(f->has_alert && f->alert_from_server);
}

static void ev_no_answer(const struct diag_facts *f, char *ev, size_t evlen)
{
	evf(ev, evlen, "after the %s's %s the server's side sent nothing%s for %lld.%03lld s; then the client "
		       "closed the connection (%s)",
	    f->last_from_server ? "server" : "client", f->last_message,
	    f->server_stopped_inside ? " more (its data stopped inside a record)"
	    : f->last_from_server    ? " more (its flight was not finished)"
				     : "",
	    f->silent_ms / 1000, f->silent_ms % 1000, f->closed_rst ? "RST" : "FIN");
	if (f->has_alert)
		evf(ev, evlen, ", after sending alert %d (its reaction to the wait, not the cause)", f->alert_desc);
	else
		evf(ev, evlen, " without an alert");
	if (f->late_ms >= 0)
		evf(ev, evlen, "; the server's answer arrived %lld.%03lld s after that", f->late_ms / 1000,
		    f->late_ms % 1000);
}

/* The server's data stopped inside a record: the client's alert is its reaction, checked before the alert rules. */
static bool m_no_answer_mid_record(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->server_stopped_inside || !no_answer(f))
		return false;
	ev_no_answer(f, ev, evlen);
	return true;
}

/* The answer came, but after the client had given up: slower than its timeout. */
static bool m_no_answer_late(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (f->has_alert || f->truncated || f->late_ms < 0 || !no_answer(f))
		return false;
	ev_no_answer(f, ev, evlen);
	return true;
}

/* Part of the server's flight came, then nothing. */
static bool m_no_answer_stalled(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (f->has_alert || f->truncated || !f->last_from_server || !no_answer(f))
		return false;
	ev_no_answer(f, ev, evlen);
	return true;
}

/* Nothing at all after the client's ClientHello (or its Finished). */
static bool m_no_answer(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (f->has_alert || f->truncated || f->last_from_server || !no_answer(f))
		return false;
	ev_no_answer(f, ev, evlen);
	return true;
}

static bool m_client_closed(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->closed || f->closed_by_server || !f->sh || f->truncated)
		return false;
	evf(ev, evlen, "the client closed the connection (%s) during the handshake without an "
		       "alert",
	    f->closed_rst ? "RST" : "FIN");
	ev_leaf(f, ev, evlen);
	return true;
}

static bool m_truncated(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->truncated)
		return false;
	evf(ev, evlen, "the capture lost bytes of this connection, so what is missing cannot be "
		       "blamed on either peer");
	return true;
}

static bool m_malformed(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (!f->malformed)
		return false;
	evf(ev, evlen, "%s", f->malformed_what);
	return true;
}

static bool m_incomplete(const struct diag_facts *f, char *ev, size_t evlen)
{
	if (f->capture_ended_open)
		evf(ev, evlen, "the capture ended with the connection still open");
	else
		evf(ev, evlen, "the connection closed before the handshake finished");
	if (!f->sh)
		evf(ev, evlen, "; no ServerHello was seen");
	return true;
}

/*
 * First match wins.  Keep the codes stable: reports and scenarios match on
 * them.  A variant has its own words (a more specific fix) under the same
 * code.  The words of [code] or [code/variant] are in
 * harness/explain/tables/diagnosis.ini.
 */
static const struct diag_rule diag_rules[] = {
	{ "no_data", NULL, m_no_data },
	{ "not_tls", NULL, m_not_tls },
	{ "ok", NULL, m_ok },
	{ "server_silent", "mid_record", m_no_answer_mid_record },
	{ "no_shared_version", NULL, m_no_shared_version },
	{ "no_shared_cipher", "static_rsa", m_no_shared_cipher_rsa },
	{ "no_shared_sigalg", NULL, m_no_shared_sigalg },
	{ "no_shared_cipher", NULL, m_no_shared_cipher },
	{ "missing_sni", NULL, m_missing_sni },
	{ "client_cert_required", NULL, m_client_cert_required },
	{ "certificate_expired", "not_yet_valid", m_certificate_not_yet_valid },
	{ "certificate_expired", NULL, m_certificate_expired },
	{ "unknown_ca", NULL, m_unknown_ca },
	{ "hostname_mismatch", NULL, m_hostname_mismatch },
	{ "bad_certificate", NULL, m_bad_certificate },
	{ "certificate_unknown", NULL, m_certificate_unknown },
	{ "unsupported_certificate", NULL, m_unsupported_certificate },
	{ "dh_too_small", NULL, m_dh_too_small },
	{ "record_overflow", NULL, m_record_overflow },
	{ "decode_error", NULL, m_decode_error },
	{ "illegal_parameter", NULL, m_illegal_parameter },
	{ "unexpected_message", NULL, m_unexpected_message },
	{ "bad_record_mac", NULL, m_bad_record_mac },
	{ "encrypted_alert", NULL, m_encrypted_alert },
	{ "peer_alert", NULL, m_other_alert },
	{ "server_closed_without_alert", "reset", m_server_reset },
	{ "server_closed_without_alert", NULL, m_server_closed },
	{ "server_silent", "late", m_no_answer_late },
	{ "server_silent", "stalled", m_no_answer_stalled },
	{ "server_silent", NULL, m_no_answer },
	{ "client_closed_without_alert", NULL, m_client_closed },
	{ "capture_truncated", NULL, m_truncated },
	{ "malformed", NULL, m_malformed },
	{ "handshake_incomplete", NULL, m_incomplete },
};
#define N_RULES (sizeof diag_rules / sizeof diag_rules[0])

static const char *rule_key(const struct diag_rule *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", r->code, r->variant ? "/" : "", r->variant ? r->variant : "");
	return buf;
}

int diagnose_check(char *err, size_t errlen)
{
	for (size_t i = 0; i < N_RULES; i++) {
		char key[64];
		if (!explain_diagnosis_require(rule_key(&diag_rules[i], key, sizeof key), err, errlen))
			return -1;
	}
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
	const struct diag_rule *r = &diag_rules[N_RULES - 1];
	char key[64];
	check_once();
	for (size_t i = 0; i < N_RULES; i++) {
		out->evidence[0] = '\0';
		if (diag_rules[i].match(f, out->evidence, sizeof out->evidence)) {
			r = &diag_rules[i];
			break;
		}
	}
	/* The device is the client: an alert from the server is one the device received. */
	fill(out, r->code, explain_diagnosis_find(rule_key(r, key, sizeof key)),
	     f->has_alert && !f->alert_encrypted ? f->alert_desc : -1, f->alert_from_server);
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

int diagnose_outcome(const struct diag_outcome *o, struct diag_result *out)
{
	const struct explain_diagnosis *d = NULL;
	const struct explain_row *wrow = o->has_wolfssl ? explain_find("wolfssl", o->wolfssl) : NULL;
	bool received = !o->alert_from_device;
	char key[80];

	memset(out, 0, sizeof *out);
	check_once();
	if (o->kind) {
		snprintf(key, sizeof key, "kind:%s", o->kind);
		d = explain_diagnosis_for(key);
		evf(out->evidence, sizeof out->evidence, "failure kind %s", o->kind);
	}
	if (o->has_wolfssl) {
		if (!d && wrow)
			d = by_wolfssl(wrow);
		evf(out->evidence, sizeof out->evidence, "%swolfSSL error %ld %s", out->evidence[0] ? "; " : "",
		    o->wolfssl, wrow ? wrow->name : "(not in the wolfSSL table)");
	}
	if (o->alert >= 0) {
		snprintf(key, sizeof key, "%s:%d", received ? "received" : "sent", o->alert);
		if (!d)
			d = explain_diagnosis_for(key);
		if (!d)
			d = explain_diagnosis_find("peer_alert");
		evf(out->evidence, sizeof out->evidence, "%sthe %s sent fatal alert %d %s",
		    out->evidence[0] ? "; " : "", received ? "server" : "device", o->alert, alert_name(o->alert));
	}
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
