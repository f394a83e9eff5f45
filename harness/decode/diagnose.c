/*
 * diagnose.c - the rule table that turns wire facts into a diagnosis.
 *
 * Each row: a stable code, a one-line summary, a fix, and a match function
 * that reads struct diag_facts and writes the evidence it relied on.  The
 * rows are tried in order and the first match wins, so specific causes
 * (no shared cipher) come before generic ones (a fatal alert), and a cut
 * capture is named before "handshake never finished": a TRUNCATED stream
 * is never blamed on a peer (STYLE.md section 3).
 *
 * Alert semantics: RFC 8446 section 6.2 and RFC 5246 section 7.2.2; what
 * servers send when (OpenSSL's "no shared cipher" -> 40, "unsupported
 * protocol" -> 70) is in shared/reference/error-codes.md section 7.
 */
#include "harness/decode/diagnose.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "harness/decode/tls_names.h"

typedef bool (*diag_match_fn)(const struct diag_facts *f, char *ev, size_t evlen);

struct diag_rule {
	const char *code;
	const char *summary;
	const char *fix;
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

/* First match wins.  Keep the codes stable: reports and scenarios match on them. */
static const struct diag_rule diag_rules[] = {
	{ "no_data", "No TLS bytes were exchanged.",
	  "Check that the server listens on this port and that the client starts TLS on it.",
	  m_no_data },
	{ "not_tls", "The bytes on this connection are not TLS.",
	  "Make sure both ends speak TLS on this port (plain HTTP, MQTT or STARTTLS traffic sent to a "
	  "TLS port looks like this).",
	  m_not_tls },
	{ "ok", "The TLS handshake completed.", "Nothing to fix.", m_ok },
	{ "no_shared_version", "Client and server have no TLS version in common.",
	  "Enable TLS 1.2 (or 1.3) on the device's stack, or allow the device's version on the server "
	  "(e.g. SSLProtocol / MinProtocol).",
	  m_no_shared_version },
	{ "no_shared_cipher", "Client and server have no cipher suite in common.",
	  "Offer an ECDHE suite with AES-GCM on the device (e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), "
	  "or allow one of the device's suites on the server (SSLCipherSuite / -cipher).",
	  m_no_shared_cipher_rsa },
	{ "no_shared_sigalg", "The server found no signature algorithm it accepts.",
	  "Send the signature_algorithms extension with SHA-256 schemes from the device, or lower the "
	  "server's security level (OpenSSL 3 @SECLEVEL=0 accepts SHA-1).",
	  m_no_shared_sigalg },
	{ "no_shared_cipher", "Client and server have no cipher suite in common.",
	  "Compare the device's suites, groups and signature algorithms with the server's "
	  "configuration and enable one that both support.",
	  m_no_shared_cipher },
	{ "missing_sni", "The server does not know the name the client asked for (or none was sent).",
	  "Send SNI with the server's host name from the device (wolfSSL_UseSNI, "
	  "mbedtls_ssl_set_hostname), or give the server a default certificate.",
	  m_missing_sni },
	{ "client_cert_required", "The server requires a client certificate and got none.",
	  "Load a client certificate and key on the device, or turn off client authentication on the "
	  "server (SSLVerifyClient none / no -Verify).",
	  m_client_cert_required },
	{ "certificate_expired", "The client rejected the server's certificate as expired or not yet valid.",
	  "Set the device's clock (NTP/RTC) before connecting; if the clock is right, renew the server "
	  "certificate.",
	  m_certificate_expired },
	{ "unknown_ca", "The client does not trust the CA that issued the server's certificate.",
	  "Load the server's root CA (and send the intermediates from the server); for a self-signed "
	  "server certificate, load that certificate itself as the CA, in the format the stack wants "
	  "(DER or PEM).",
	  m_unknown_ca },
	{ "hostname_mismatch", "The server's certificate is likely not for the name the client checks.",
	  "Connect by the name in the certificate, or issue the certificate with the device's target "
	  "name (or IP) in subjectAltName.",
	  m_hostname_mismatch },
	{ "bad_certificate", "The client rejected the server's certificate (bad_certificate).",
	  "Check the certificate's signature, name and extensions against what the device's stack "
	  "supports; see the device's verify error for the exact reason.",
	  m_bad_certificate },
	{ "certificate_unknown", "The client could not verify the server's certificate.",
	  "Check the CA, the validity dates against the device's clock, and the name; the device's "
	  "verify error says which.",
	  m_certificate_unknown },
	{ "unsupported_certificate", "The client cannot use the server's certificate type.",
	  "Give the server a certificate the device supports (e.g. RSA 2048 with SHA-256 instead of "
	  "ECDSA), or enable that key type on the device.",
	  m_unsupported_certificate },
	{ "dh_too_small", "The client rejected the server's DH parameters as too small.",
	  "Configure the server with a DH group of at least 2048 bits (or prefer ECDHE suites).",
	  m_dh_too_small },
	{ "record_overflow", "A record was larger than the receiver accepts.",
	  "Negotiate max_fragment_length (or record_size_limit) from the device and make sure the "
	  "server honours it, or enlarge the device's receive buffer.",
	  m_record_overflow },
	{ "decode_error", "A peer could not parse a handshake message (decode_error).",
	  "Compare the message before the alert with the RFC; often a stack bug or an extension the "
	  "peer does not understand.",
	  m_decode_error },
	{ "illegal_parameter", "A peer rejected a field in a handshake message (illegal_parameter).",
	  "Look at the message before the alert: a value the peer did not offer or cannot accept "
	  "(group, suite, version, extension).",
	  m_illegal_parameter },
	{ "unexpected_message", "A peer received a message it did not expect at that point.",
	  "Compare the ladder with the handshake the stacks expect; often a state-machine mismatch "
	  "or plaintext sent to a TLS port.",
	  m_unexpected_message },
	{ "bad_record_mac", "The two sides derived different keys (bad_record_mac / decrypt_error).",
	  "Check the device's implementation of the negotiated suite (and extended_master_secret), or "
	  "a middlebox altering the stream.",
	  m_bad_record_mac },
	{ "encrypted_alert", "A peer sent an alert after encryption started; its reason is not visible in "
	  "the capture.",
	  "Read the reason from the logs of the side that sent it (the device's error code or the "
	  "server's log).",
	  m_encrypted_alert },
	{ "peer_alert", "A peer aborted the handshake with an alert.",
	  "Look the alert up with 'tlsdiag explain' and check the side that sent it.", m_other_alert },
	{ "server_closed_without_alert", "The server closed the connection after the ClientHello without "
	  "answering.",
	  "Look at the server's log; servers drop hellos they cannot parse or do not accept (version, "
	  "suites, SNI) this way.",
	  m_server_closed },
	{ "client_closed_without_alert", "The client gave up during the handshake without an alert.",
	  "Look at the device's error code: stacks that fail a certificate check or run out of memory "
	  "often close without an alert.",
	  m_client_closed },
	{ "capture_truncated", "The capture is incomplete, so the handshake cannot be judged.",
	  "Capture again with a full snaplen (-s 0) and without drops.", m_truncated },
	{ "malformed", "A peer sent bytes that are not valid TLS.",
	  "Look at the malformed note: a stack bug, or not TLS at all on this connection.", m_malformed },
	{ "handshake_incomplete", "The handshake never finished.",
	  "Capture longer, or look at the side that stopped answering.", m_incomplete },
};

void diagnose(const struct diag_facts *f, struct diag_result *out)
{
	for (size_t i = 0; i < sizeof diag_rules / sizeof diag_rules[0]; i++) {
		const struct diag_rule *r = &diag_rules[i];
		out->evidence[0] = '\0';
		if (r->match(f, out->evidence, sizeof out->evidence)) {
			out->code = r->code;
			out->summary = r->summary;
			out->fix = r->fix;
			return;
		}
	}
	/* Unreachable: the last row always matches. */
	out->code = "handshake_incomplete";
	out->summary = "The handshake never finished.";
	out->fix = "";
}

const char *diagnose_summary(const char *code)
{
	for (size_t i = 0; i < sizeof diag_rules / sizeof diag_rules[0]; i++)
		if (strcmp(diag_rules[i].code, code) == 0)
			return diag_rules[i].summary;
	return NULL;
}
