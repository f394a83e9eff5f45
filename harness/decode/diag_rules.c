/*
 * diag_rules.c - the rules that weigh what a connection showed and name a
 * cause (see diagnose.h for the facts, diagnosis.ini for the words).
 *
 * Rows are tried in order and the first match wins, so the plainest facts
 * come first (nothing answered the SYN, the peer spoke HTTP), then what a
 * server refuses at the hello (version, suite, group, signature, name),
 * then what a client refuses in the server's chain (dates, CA, name, key),
 * then generic alerts and closes.  A rule that cannot decide between
 * causes names the most likely one, lists the others with dx_also() and
 * says with dx_apart() what would tell them apart: a diagnosis is never
 * more certain than its evidence.  A cut capture is named before "never
 * finished": TRUNCATED is never blamed on a peer (STYLE.md section 3).
 *
 * Alert semantics: RFC 8446 6.2 and RFC 5246 7.2.2.  What servers send
 * when: OpenSSL's "no shared cipher" and "no suitable key share" are 40,
 * "unsupported protocol"/"version too low" 70, "no suitable signature
 * algorithm" 40 (TLS 1.2+) or 80 (TLS 1.0/1.1 at security level 1+, whose
 * MD5+SHA-1 signatures it refuses); docs/explain.md, "Diagnoses".
 */
#include "harness/decode/diag_rules.h"

#include <stdio.h>
#include <string.h>

#include "harness/decode/tls_conn.h"
#include "harness/decode/tls_names.h"

/* Silence worth naming when the client did not give up itself: a second with the hello unanswered. */
#define DIAG_SILENCE_MS 1000

static const char *after(const struct diag_facts *f)
{
	return f->alert_after ? f->alert_after : "the start";
}

/* "the server sent alert 40 handshake_failure after ClientHello" */
void dx_ev_alert(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	const char *who = f->alert_from_server ? "server" : "client";
	dx_use(x, "alert");
	if (f->alert_encrypted)
		dx_ev(x, "the %s sent an encrypted alert after %s", who, after(f));
	else
		dx_ev(x, "the %s sent alert %d %s after %s", who, f->alert_desc, dx_alert_name(f->alert_desc),
		      after(f));
}

bool dx_alert_is(const struct diag_facts *f, bool from_server, int desc)
{
	return f->has_alert && !f->alert_encrypted && f->alert_from_server == from_server && f->alert_desc == desc;
}

static bool alert_any(const struct diag_facts *f, int desc)
{
	return f->has_alert && !f->alert_encrypted && f->alert_desc == desc;
}

/* The offer's real suites by key exchange, e.g. "; the client offered 4 cipher suites (4 RSA; 0 AEAD)". */
static void ev_suites(struct dctx *x)
{
	const struct diag_offer *o = &x->o;
	size_t kx[TLS_KX_SCSV + 1] = { 0 };
	bool first = true;
	if (!x->have_offer)
		return;
	dx_use(x, "client_hello");
	for (size_t i = 0; i < x->f->ch->suites.n; i++) {
		struct tls_suite_info si;
		if (tls_suite_info(x->f->ch->suites.v[i], &si) && si.kx != TLS_KX_SCSV)
			kx[si.kx]++;
	}
	dx_ev(x, "; the client offered %zu cipher suite%s%s (", o->suites, o->suites == 1 ? "" : "s",
	      o->scsv ? " and a signalling value (SCSV, not counted)" : "");
	for (int k = TLS_KX_NULL; k < TLS_KX_SCSV; k++)
		if (kx[k]) {
			dx_ev(x, "%s%zu %s", first ? "" : ", ", kx[k], tls_kx_name((enum tls_kx)k));
			first = false;
		}
	dx_ev(x, "; %zu AEAD)", o->aead);
	if (o->suites && o->rsa_kx == o->suites)
		dx_ev(x, ": only static-RSA key exchange, no ECDHE/DHE, which servers configured for forward "
			 "secrecy refuse");
	else if (o->suites && o->aead == 0)
		dx_ev(x, ": no AEAD (GCM/CCM/ChaCha20) suite, which modern server configurations require");
}

static void ev_versions(struct dctx *x)
{
	char b[40];
	if (!x->have_offer)
		return;
	dx_use(x, "client_hello");
	dx_ev(x, "; the client offers %s", diag_offer_range(&x->o, b, sizeof b));
	if (x->o.vmax <= TLS_V_TLS11)
		dx_ev(x, " (OpenSSL 3 and most servers refuse TLS 1.1 and older)");
}

static void ev_list(struct dctx *x, const char *label, const struct tls_list16 *l, const struct tok *t)
{
	char b[48];
	dx_use(x, "client_hello");
	dx_ev(x, "; the client's %s: ", label);
	if (!l->n)
		dx_ev(x, "none");
	for (size_t i = 0; i < l->n && i < 8; i++)
		dx_ev(x, "%s%s", i ? ", " : "", tls_name16(t, l->v[i], b, sizeof b));
	if (l->n > 8)
		dx_ev(x, " (+%zu)", l->n - 8);
}

/* "; the server's certificate (2 in the chain) is "/CN=x", issued by "/CN=ca" (self-signed)" */
void dx_ev_leaf(struct dctx *x)
{
	const struct x509_info *c = x->f->leaf;
	if (!c)
		return;
	dx_use(x, "certificate");
	dx_ev(x, "; the server's certificate (%zu in the chain) is \"%s\", issued by \"%s\"", x->f->n_server_certs,
	      c->subject, c->issuer);
	if (c->self_issued)
		dx_ev(x, " (self-signed)");
}

void dx_ev_names(struct dctx *x)
{
	const struct x509_info *c = x->f->leaf;
	dx_ev(x, "CN \"%s\"", c->common_name);
	for (size_t i = 0; i < c->n_san; i++)
		dx_ev(x, "%s%s", i ? ", " : " and SAN ", c->san[i]);
}

/* ---- TCP and what the peer said ---- */

static bool m_refused(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (f->any_data || !f->tcp_syn || f->tcp_synack || !f->closed_rst || !f->closed_by_server)
		return false;
	dx_use(x, "tcp");
	dx_ev(x, "the client's SYN to %s was answered by an RST: nothing listens on that port", f->server_addr);
	return true;
}

static bool m_syn_unanswered(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (f->any_data || !f->tcp_syn || f->tcp_synack || f->closed_by_server)
		return false;
	dx_use(x, "tcp");
	dx_ev(x, "the client's SYN to %s got no answer (no SYN-ACK, no RST): a firewall drops it or the host is "
		 "down",
	      f->server_addr);
	return true;
}

static bool m_no_data(struct dctx *x)
{
	if (x->f->any_data)
		return false;
	dx_use(x, "tcp");
	dx_ev(x, "the TCP connection carried no payload in either direction");
	return true;
}

static void ev_plain(struct dctx *x, int dir)
{
	char line[72];
	const char *kind = diag_plaintext_kind(x->f->head[dir], x->f->head_len[dir], line, sizeof line);
	dx_use(x, "payload");
	dx_ev(x, "%s sent %llu bytes that are not TLS", dir ? "the server" : "the client",
	      (unsigned long long)x->f->bytes[dir]);
	if (kind)
		dx_ev(x, ": %s, starting \"%s\"", kind, line);
}

/* Bytes that are not even a malformed TLS record (an oversize record is still TLS). */
static bool plain(const struct diag_facts *f, int dir)
{
	const uint8_t *h = f->head[dir];
	if (!h || !f->head_len[dir])
		return false; /* its first bytes looked like a TLS record: kept only when they do not */
	bool tlsish = f->head_len[dir] >= 1 && h[0] >= 20 && h[0] <= 24 && (f->head_len[dir] < 2 || h[1] == 3);
	return f->bytes[dir] && !f->valid_record[dir] && !tlsish && !tls_looks_like_tls(h, f->head_len[dir]);
}

/* A server's plain-text answer that says it wanted TLS (nginx: "The plain HTTP request was sent to HTTPS port"). */
static bool wants_tls(const struct diag_facts *f)
{
	static const char *const says[] = { "HTTPS port", "plain HTTP", "SSL", "TLS", NULL };
	for (size_t i = 0; says[i] && f->head[1]; i++)
		if (memmem(f->head[1], f->head_len[1], says[i], strlen(says[i])))
			return true;
	return false;
}

static bool m_plaintext_server(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!plain(f, 1) || !f->valid_record[0])
		return false;
	ev_plain(x, 1);
	dx_ev(x, "; the client had sent a TLS %s", f->ch ? "ClientHello" : "record");
	return true;
}

static bool m_plaintext_client(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!plain(f, 0) || !diag_plaintext_kind(f->head[0], f->head_len[0], NULL, 0))
		return false;
	/* The server must have shown it wanted TLS: an alert, a close, or words saying so. */
	if (!f->valid_record[1] && !(f->closed && f->closed_by_server && !f->bytes[1]) && !wants_tls(f))
		return false;
	ev_plain(x, 0);
	if (f->valid_record[1] && f->has_alert)
		dx_ev(x, "; the server answered with alert %d %s", f->alert_desc, dx_alert_name(f->alert_desc));
	else if (f->bytes[1])
		dx_ev(x, "; the server answered with %llu bytes", (unsigned long long)f->bytes[1]);
	return true;
}

static bool m_not_tls(struct dctx *x)
{
	if (!x->f->not_tls)
		return false;
	dx_use(x, "payload");
	dx_ev(x, "%s", x->f->malformed_what[0] ? x->f->malformed_what : "no TLS record was seen");
	return true;
}

static bool m_ok(struct dctx *x)
{
	char b[16], s[64];
	const struct diag_facts *f = x->f;
	if (!f->complete)
		return false;
	dx_ev(x, "both sides finished the handshake");
	if (f->sh)
		dx_ev(x, " with %s and %s", tls_version_short(f->sh->version, b, sizeof b),
		      tls_name16(tls_cipher_suite_names, f->sh->suite, s, sizeof s));
	return true;
}

/* ---- what a server refuses at the hello ---- */

static bool server_refused_hello(const struct diag_facts *f)
{
	return f->has_alert && !f->alert_encrypted && f->alert_from_server && f->alert_before_server_hello;
}

/* A version the server does not do: from the server's alert 70 and the client's range. */
static bool m_version(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	char b[16];
	if (!x->have_offer)
		return false;
	if (dx_alert_is(f, true, TLS_AD_PROTOCOL_VERSION) && f->alert_before_server_hello) {
		dx_ev_alert(x);
		ev_versions(x);
		if (x->o.vmin >= TLS_V_TLS13) {
			x->code = "version_too_high";
			dx_ev(x, "; a server without TLS 1.3 has nothing to offer a client that accepts only 1.3");
		} else {
			x->code = "version_too_low";
			if (x->o.vmax >= TLS_V_TLS12) {
				dx_also(x, "version_too_high");
				dx_apart(x, "the server's log (OpenSSL: \"version too low\" or \"unsupported protocol\"), "
					    "or its MinProtocol/MaxProtocol");
			}
		}
		return true;
	}
	/* The server chose a version the client does not accept: the client said so. */
	if (dx_alert_is(f, false, TLS_AD_PROTOCOL_VERSION) && f->sh) {
		dx_ev_alert(x);
		ev_versions(x);
		dx_ev(x, "; the server chose %s", tls_version_short(f->sh->version, b, sizeof b));
		x->code = f->sh->version < x->o.vmin ? "version_too_high" : "no_shared_version";
		return true;
	}
	return false;
}

/* TLS 1.1 and older against a server that refuses them, whatever alert it chose. */
static bool m_version_old(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!x->have_offer || x->o.vmax > TLS_V_TLS11 || x->o.vmax < TLS_V_SSL3)
		return false;
	bool refused = server_refused_hello(f) &&
		       (f->alert_desc == TLS_AD_HANDSHAKE_FAILURE || f->alert_desc == TLS_AD_INSUFFICIENT_SECURITY ||
			f->alert_desc == 80 || f->alert_desc == TLS_AD_ILLEGAL_PARAMETER);
	bool dropped = !f->has_alert && f->closed && f->closed_by_server && f->closed_before_server_hello &&
		       !f->truncated;
	if (!refused && !dropped)
		return false;
	x->code = "version_too_low";
	if (refused)
		dx_ev_alert(x);
	else
		dx_ev(x, "the server closed the connection (%s) after the ClientHello without an alert",
		      f->closed_rst ? "RST" : "FIN");
	dx_use(x, "tcp");
	ev_versions(x);
	if (x->o.vmax <= TLS_V_SSL3) {
		dx_ev(x, "; no current server speaks SSLv3 (RFC 7568)");
		return true;
	}
	if (f->alert_desc == 80)
		dx_ev(x, "; TLS 1.0/1.1 sign the key exchange with MD5+SHA-1, which OpenSSL 3 refuses at security "
			 "level 1 and above, answering internal_error (\"no suitable signature algorithm\")");
	dx_also(x, refused && f->alert_desc == 80 ? "no_shared_sigalg" : "no_shared_cipher");
	dx_apart(x, "the server's log (OpenSSL: \"version too low\", \"no suitable signature algorithm\", \"no "
		    "shared cipher\"), or the same client with TLS 1.2 enabled");
	return true;
}

static bool m_static_rsa(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!server_refused_hello(f) || f->alert_desc != TLS_AD_HANDSHAKE_FAILURE || !x->have_offer ||
	    !x->o.suites || x->o.rsa_kx != x->o.suites)
		return false;
	dx_ev_alert(x);
	ev_suites(x);
	return true;
}

static bool m_sigalg_tls12_none(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!server_refused_hello(f) || f->alert_desc != TLS_AD_HANDSHAKE_FAILURE || !f->ch || f->ch->has_sigalgs ||
	    x->o.vmax != TLS_V_TLS12)
		return false;
	dx_ev_alert(x);
	dx_use(x, "client_hello");
	dx_ev(x, "; the TLS 1.2 ClientHello has no signature_algorithms extension, so the server must assume "
		 "SHA-1 (RFC 5246 7.4.1.4.1)");
	return true;
}

/*
 * handshake_failure (or insufficient_security, or internal_error) at the
 * hello: no suite, group or signature scheme in common, or a certificate
 * of a kind the offer cannot use.  The alert is the same for all; the
 * offer tells which is odd, the server's log which it was.
 */
static bool m_hello_refused(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	const struct diag_offer *o = &x->o;
	const char *cand[4];
	size_t n = 0;
	if (!server_refused_hello(f) ||
	    !(f->alert_desc == TLS_AD_HANDSHAKE_FAILURE || f->alert_desc == TLS_AD_INSUFFICIENT_SECURITY ||
	      f->alert_desc == 80))
		return false;
	if (!x->have_offer) {
		if (f->alert_desc == 80)
			return false;
		dx_ev_alert(x);
		x->code = "no_shared_cipher";
		return true;
	}
	/*
	 * TLS 1.3 offers are judged against the set every 1.3 server has
	 * (RFC 8446 9.1): a single group, or none of P-256, is the odd part
	 * far more often than the suite.
	 */
	bool only13 = o->vmin >= TLS_V_TLS13;
	bool group_odd = o->tls13 ? (!o->mti_group || o->n_groups == 1) : o->needs_group && (!o->common_group || o->n_groups == 1);
	bool suite_odd = only13 ? !o->mti_suite : !o->mainstream_suite;
	bool sig_odd = f->ch->has_sigalgs && (o->tls13 ? !o->mti_sig : !o->sig_modern);
	bool key_odd = (o->auth_ecdsa && !o->auth_rsa && !o->tls13) ||
		       (o->tls13 && f->ch->has_sigalgs && o->sig_ecdsa + o->sig_rsa + o->sig_eddsa == 1);
	/* internal_error names nothing: only an odd offer makes it a refusal of the offer. */
	if (f->alert_desc == 80 && !group_odd && !suite_odd && !sig_odd && !key_odd)
		return false;
	dx_ev_alert(x);
	dx_use(x, "client_hello");
	if (group_odd) {
		cand[n++] = "no_shared_group";
		ev_list(x, "groups", &f->ch->groups, tls_group_names);
		if (o->n_groups == 1)
			dx_ev(x, " (a single group");
		else
			dx_ev(x, " (%zu groups", o->n_groups);
		if (o->tls13 && !o->mti_group)
			dx_ev(x, ", without secp256r1, the group every TLS 1.3 server implements, RFC 8446 9.1)");
		else
			dx_ev(x, ", and every suite offered needs one in common)");
	}
	if (f->hrr)
		dx_ev(x, "; the server had asked for another key share (HelloRetryRequest) first");
	if (sig_odd) {
		cand[n++] = "no_shared_sigalg";
		ev_list(x, "signature algorithms", &f->ch->sigalgs, tls_sigscheme_names);
		if (o->tls13)
			dx_ev(x, " (none of rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ecdsa_secp256r1_sha256, which every "
				 "TLS 1.3 server implements, RFC 8446 9.1)");
		else
			dx_ev(x, " (no SHA-256+ scheme for RSA or ECDSA)");
	}
	if (key_odd) {
		cand[n++] = "unsupported_certificate";
		if (o->tls13)
			ev_list(x, "signature algorithms", &f->ch->sigalgs, tls_sigscheme_names);
		dx_ev(x, "; the offer can only verify %s certificates",
		      (o->auth_ecdsa && !o->auth_rsa) || (o->tls13 && o->sig_ecdsa) ? "ECDSA"
		      : o->sig_eddsa                                               ? "EdDSA"
										   : "RSA");
	}
	/* A client that accepts only TLS 1.3: a server without it refuses at the hello too. */
	if (only13 && n == 0)
		cand[n++] = "version_too_high";
	if (suite_odd || n == 0) {
		cand[n++] = "no_shared_cipher";
		ev_suites(x);
	}
	if (only13 && strcmp(cand[0], "version_too_high") != 0 && n < 4)
		cand[n++] = "version_too_high";
	if (only13)
		ev_versions(x);
	x->code = cand[0];
	for (size_t i = 1; i < n; i++)
		dx_also(x, cand[i]);
	if (!suite_odd && !group_odd && !sig_odd && !key_odd && !only13) {
		/* A mainstream offer refused: the server is configured narrower; every cause stays open. */
		dx_ev(x, "; the offer looks mainstream, so the server's configuration is narrower");
		dx_also(x, "no_shared_group");
		dx_also(x, "no_shared_sigalg");
	}
	if (x->r->also[0])
		dx_apart(x, "the server's log (OpenSSL: \"no shared cipher\", \"no suitable key share\", \"no suitable "
			    "signature algorithm\"; GnuTLS: \"No common key share with peer\"), or run the case with a "
			    "mainstream offer and change one list at a time");
	return true;
}

static bool m_sni(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!alert_any(f, TLS_AD_UNRECOGNIZED_NAME))
		return false;
	dx_ev_alert(x);
	if (!f->ch)
		return true;
	dx_use(x, "client_hello");
	if (f->ch->has_sni) {
		x->code = "unrecognized_name";
		dx_ev(x, "; the client asked for \"%s\"", f->ch->sni);
	} else {
		x->code = "missing_sni";
		dx_ev(x, "; the ClientHello has no server_name (SNI) extension");
	}
	return true;
}

static bool m_client_cert_required(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (dx_alert_is(f, true, TLS_AD_CERTIFICATE_REQUIRED)) {
		dx_ev_alert(x);
		return true;
	}
	if (!f->cert_request || f->client_cert_sent || !f->has_alert || !f->alert_from_server || f->alert_encrypted)
		return false;
	dx_ev_alert(x);
	dx_use(x, "certificate_request");
	dx_ev(x, "; the server sent a CertificateRequest and the client answered with %s",
	      f->client_cert_empty ? "an empty Certificate" : "no Certificate");
	return true;
}

static bool m_client_cert_rejected(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!f->client_cert_sent || !f->alert_after_client_cert || !f->has_alert || !f->alert_from_server ||
	    f->alert_encrypted)
		return false;
	dx_ev_alert(x);
	dx_use(x, "certificate_request");
	dx_ev(x, "; the client sent its certificate after the server's CertificateRequest, and the server refused "
		 "it");
	return true;
}

static bool m_dh_too_small(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!f->has_alert || f->alert_from_server || f->alert_encrypted || !f->alert_after_ske || !f->dh_bits ||
	    f->dh_bits >= 2048)
		return false;
	dx_ev_alert(x);
	dx_use(x, "server_key_exchange");
	dx_ev(x, "; the server's DHE prime has %u bits", f->dh_bits);
	return true;
}

static bool m_record_overflow(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	bool alert = alert_any(f, TLS_AD_RECORD_OVERFLOW);
	if (!alert && !f->record_overflow_seen)
		return false;
	if (alert)
		dx_ev_alert(x);
	else
		dx_ev(x, "%s", f->malformed_what);
	if (f->ch && f->ch->max_fragment_length >= 1 && f->ch->max_fragment_length <= 4) {
		dx_use(x, "client_hello");
		dx_ev(x, "; the client asked for max_fragment_length %u bytes", 256u << f->ch->max_fragment_length);
		if (f->sh && !f->sh->max_fragment_length)
			dx_ev(x, " and the server did not acknowledge it");
	} else if (f->ch) {
		dx_ev(x, "; the client did not ask for max_fragment_length");
	}
	if (f->max_record[1])
		dx_ev(x, "; the server's longest record was %u bytes", f->max_record[1]);
	return true;
}

static bool alert_rule(struct dctx *x, int desc)
{
	if (!alert_any(x->f, desc))
		return false;
	dx_ev_alert(x);
	return true;
}

static bool m_decode_error(struct dctx *x)
{
	return alert_rule(x, TLS_AD_DECODE_ERROR);
}

static bool m_illegal_parameter(struct dctx *x)
{
	return alert_rule(x, TLS_AD_ILLEGAL_PARAMETER);
}

static bool m_unexpected_message(struct dctx *x)
{
	return alert_rule(x, TLS_AD_UNEXPECTED_MESSAGE);
}

static bool m_bad_record_mac(struct dctx *x)
{
	return alert_rule(x, 20) || alert_rule(x, 51);
}

static bool m_encrypted_alert(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!f->has_alert || !f->alert_encrypted)
		return false;
	dx_ev_alert(x);
	if (!f->alert_from_server && f->sh && f->sh->version >= TLS_V_TLS13) {
		dx_ev(x, "; in TLS 1.3 the server's certificate is encrypted, and a client alert right after it is "
			 "most often a certificate check failing");
		dx_also(x, "unknown_ca");
		dx_also(x, "hostname_mismatch");
		dx_also(x, "certificate_expired");
		dx_apart(x, "the device's error code, or the alert itself: decode again with the session's key log");
	} else if (f->alert_from_server && f->sh && f->sh->version >= TLS_V_TLS13) {
		dx_ev(x, "; a TLS 1.3 server alert after the client's second flight is most often about the client's "
			 "certificate");
		dx_also(x, "client_cert_required");
		dx_also(x, "client_cert_rejected");
		dx_apart(x, "the server's log, or the alert itself: decode again with the session's key log");
	}
	return true;
}

static bool m_other_alert(struct dctx *x)
{
	if (!x->f->has_alert)
		return false;
	dx_ev_alert(x);
	return true;
}

/* The ClientHello went out and the server sent nothing at all. */
static bool m_silent(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!f->ch || f->bytes[1] || f->closed_by_server || f->truncated)
		return false;
	/* A capture that simply stopped right after the hello is not a silent server. */
	if (!f->client_gave_up && f->wait_ms < DIAG_SILENCE_MS)
		return false;
	dx_use(x, "tcp");
	dx_ev(x, "the server sent nothing after the ClientHello");
	if (f->wait_ms >= 0 && f->client_gave_up)
		dx_ev(x, "; the client gave up after %lld.%03lld s and closed (%s)", (long long)(f->wait_ms / 1000),
		      (long long)(f->wait_ms % 1000), f->closed_rst ? "RST" : "FIN");
	else if (f->wait_ms >= 0)
		dx_ev(x, "; the capture ended %lld.%03lld s later with the connection open",
		      (long long)(f->wait_ms / 1000), (long long)(f->wait_ms % 1000));
	if (!f->tcp_synack && f->tcp_syn)
		dx_ev(x, "; the TCP handshake itself was not seen complete");
	ev_versions(x);
	return true;
}

static bool m_server_closed(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!f->closed || !f->closed_by_server || !f->ch || f->truncated || f->complete)
		return false;
	dx_use(x, "tcp");
	dx_ev(x, "the server closed the connection (%s) after the %s without %s", f->closed_rst ? "RST" : "FIN",
	      f->closed_after ? f->closed_after : "ClientHello",
	      f->closed_before_server_hello ? "a ServerHello or an alert" : "an alert");
	if (f->reaction_alert >= 0)
		dx_ev(x, "; the client's alert %d %s came after that close", f->reaction_alert,
		      dx_alert_name(f->reaction_alert));
	if (f->closed_before_server_hello) {
		ev_versions(x);
		ev_suites(x);
	}
	return true;
}

/* The path (or whatever answers for the server) reset the ClientHello: no TLS byte came back. */
static bool m_server_reset(struct dctx *x)
{
	return x->f->closed_rst && m_server_closed(x);
}

/*
 * Nothing came back, the server's side closed nothing, and the client closed
 * after waiting at least NO_ANSWER_MS: a stalled path, the client timed out.
 * A capture that merely ends open says nothing about how long anyone waited
 * (m_silent judges that case by the capture's own length).
 */
#define NO_ANSWER_MS 1000
static bool no_answer(const struct diag_facts *f)
{
	return f->ch && f->server_owed && f->last_message && f->closed && !f->closed_by_server &&
	       f->silent_ms >= NO_ANSWER_MS && !(f->has_alert && f->alert_from_server);
}

static void ev_no_answer(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	dx_use(x, "tcp");
	dx_ev(x, "after the %s's %s the server's side sent nothing%s for %lld.%03lld s; then the client closed the "
		 "connection (%s)",
	      f->last_from_server ? "server" : "client", f->last_message,
	      f->server_stopped_inside ? " more (its data stopped inside a record)"
	      : f->last_from_server    ? " more (its flight was not finished)"
				       : "",
	      f->silent_ms / 1000, f->silent_ms % 1000, f->closed_rst ? "RST" : "FIN");
	if (f->has_alert)
		dx_ev(x, ", after sending alert %d (its reaction to the wait, not the cause)", f->alert_desc);
	else
		dx_ev(x, " without an alert");
	if (f->late_ms >= 0)
		dx_ev(x, "; the server's answer arrived %lld.%03lld s after that", f->late_ms / 1000, f->late_ms % 1000);
}

/* The server's data stopped inside a record: the client's alert is its reaction, checked before the alert rules. */
static bool m_no_answer_mid_record(struct dctx *x)
{
	if (!x->f->server_stopped_inside || !no_answer(x->f))
		return false;
	ev_no_answer(x);
	return true;
}

/* The answer came, but after the client had given up: slower than its timeout. */
static bool m_no_answer_late(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (f->has_alert || f->truncated || f->late_ms < 0 || !no_answer(f))
		return false;
	ev_no_answer(x);
	return true;
}

/* Part of the server's flight came, then nothing. */
static bool m_no_answer_stalled(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (f->has_alert || f->truncated || !f->last_from_server || !no_answer(f))
		return false;
	ev_no_answer(x);
	return true;
}

/* Nothing at all after the client's ClientHello (or its Finished). */
static bool m_no_answer(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (f->has_alert || f->truncated || f->last_from_server || !no_answer(f))
		return false;
	ev_no_answer(x);
	return true;
}

static bool m_client_closed(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	if (!f->closed || f->closed_by_server || !f->sh || f->truncated)
		return false;
	dx_use(x, "tcp");
	dx_ev(x, "the client closed the connection (%s) after the %s during the handshake without an alert",
	      f->closed_rst ? "RST" : "FIN", f->closed_after ? f->closed_after : "ServerHello");
	dx_ev_leaf(x);
	return true;
}

static bool m_truncated(struct dctx *x)
{
	if (!x->f->truncated)
		return false;
	dx_ev(x, "the capture lost bytes of this connection, so what is missing cannot be blamed on either peer");
	return true;
}

static bool m_malformed(struct dctx *x)
{
	if (!x->f->malformed)
		return false;
	dx_ev(x, "%s", x->f->malformed_what);
	return true;
}

static bool m_incomplete(struct dctx *x)
{
	if (x->f->capture_ended_open)
		dx_ev(x, "the capture ended with the connection still open");
	else
		dx_ev(x, "the connection closed before the handshake finished");
	if (!x->f->sh)
		dx_ev(x, "; no ServerHello was seen");
	return true;
}

/*
 * First match wins.  Keep the codes stable: reports and scenarios match on
 * them.  A variant has its own words (a more specific fix) under the same
 * code.  The words of [code] or [code/variant] are in
 * harness/explain/tables/diagnosis.ini.
 */
const struct diag_rule diag_rules[] = {
	{ "connection_refused", NULL, m_refused },
	{ "server_silent", "no_synack", m_syn_unanswered },
	{ "no_data", NULL, m_no_data },
	{ "plaintext_peer", NULL, m_plaintext_server },
	{ "plaintext_peer", "client", m_plaintext_client },
	{ "not_tls", NULL, m_not_tls },
	{ "ok", NULL, diag_m_complete_then_refused },
	{ "ok", NULL, m_ok },
	{ "server_silent", "mid_record", m_no_answer_mid_record },
	{ "no_shared_version", NULL, m_version },
	{ "version_too_low", NULL, m_version_old },
	{ "no_shared_cipher", "static_rsa", m_static_rsa },
	{ "no_shared_sigalg", NULL, m_sigalg_tls12_none },
	{ "no_shared_cipher", NULL, m_hello_refused },
	{ "missing_sni", NULL, m_sni },
	{ "client_cert_required", NULL, m_client_cert_required },
	{ "client_cert_rejected", NULL, m_client_cert_rejected },
	{ "certificate_expired", NULL, diag_m_expired },
	{ "unknown_ca", NULL, diag_m_chain },
	{ "dh_too_small", NULL, m_dh_too_small },
	{ "record_overflow", NULL, m_record_overflow },
	{ "decode_error", NULL, m_decode_error },
	{ "illegal_parameter", NULL, m_illegal_parameter },
	{ "unexpected_message", NULL, m_unexpected_message },
	{ "bad_record_mac", NULL, m_bad_record_mac },
	{ "encrypted_alert", NULL, m_encrypted_alert },
	{ "peer_alert", NULL, m_other_alert },
	{ "server_silent", "late", m_no_answer_late },
	{ "server_silent", "stalled", m_no_answer_stalled },
	{ "server_silent", NULL, m_no_answer },
	{ "server_silent", NULL, m_silent },
	{ "server_closed_without_alert", "reset", m_server_reset },
	{ "server_closed_without_alert", NULL, m_server_closed },
	{ "client_closed_without_alert", NULL, m_client_closed },
	{ "capture_truncated", NULL, m_truncated },
	{ "malformed", NULL, m_malformed },
	{ "handshake_incomplete", NULL, m_incomplete },
};
const size_t diag_n_rules = sizeof diag_rules / sizeof diag_rules[0];

const char *const diag_named_codes[] = {
	"version_too_low", "version_too_high", "no_shared_group", "unsupported_certificate", "unrecognized_name",
	"weak_key", "weak_signature", "hostname_mismatch", "hostname_mismatch/no_sni", "hostname_mismatch/ip",
	"hostname_mismatch/wrong_vhost", "bad_certificate", "certificate_unknown",
	"certificate_expired/not_yet_valid", "certificate_expired/device_clock", NULL,
};
