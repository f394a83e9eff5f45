/*
 * diag_chain.c - the rules about the server's certificate chain: what a
 * client refuses in it (dates and the device's clock, CA, name and why,
 * key size, signature hash, key type), told from its alert, its close, or
 * a check it made after the handshake.  The chain's faults are weighed
 * against the capture's clock and the ClientHello's name; an alert that
 * names no reason (42, 46) lists every fault found, most telling first.
 * Names: RFC 6125 (IP addresses match only IP SANs), RFC 6066 3 (no IP
 * literal in SNI); key sizes: OpenSSL security level 2 (RSA 2048, EC 224).
 */
#include "harness/decode/diag_rules.h"

#include <stdio.h>
#include <string.h>

#include "harness/decode/tls_names.h"

/* ---- what a client refuses in the server's chain ---- */

/* A client check failing: its alert after the server's Certificate, or its close right after it. */
/* TLS 1.3: the client's plaintext alert after the server's encrypted flight (OpenSSL sends it before its CCS). */
static bool refused_hidden_chain(const struct diag_facts *f)
{
	return f->has_alert && !f->alert_from_server && !f->alert_encrypted && !f->leaf && f->sh &&
	       f->sh->version >= TLS_V_TLS13 && f->alert_after && strcmp(f->alert_after, "EncryptedRecords") == 0;
}

static bool client_refused_chain(const struct diag_facts *f)
{
	/* TLS <= 1.2: a client alert encrypted after its Finished still follows the visible chain (NSS checks late). */
	if (f->has_alert && f->alert_encrypted)
		return !f->alert_from_server && f->leaf && f->alert_after_certificate;
	if (f->has_alert)
		return !f->alert_from_server && (f->alert_after_certificate || refused_hidden_chain(f));
	/* A bare close while the server still owed its flight is a stall (server_silent), not a verdict. */
	return f->leaf && f->closed && !f->closed_by_server && !f->truncated && f->closed_after && !f->server_owed &&
	       (strcmp(f->closed_after, "Certificate") == 0 || strcmp(f->closed_after, "ServerHelloDone") == 0 ||
		strcmp(f->closed_after, "ServerKeyExchange") == 0 || strcmp(f->closed_after, "CertificateRequest") == 0);
}

static void ev_refusal(struct dctx *x)
{
	if (x->f->has_alert)
		dx_ev_alert(x);
	else
		dx_ev(x, "the client closed the connection (%s) after the server's %s without an alert",
		      x->f->closed_rst ? "RST" : "FIN", x->f->closed_after);
}

/* A capture's clock worth comparing with: after 2000-01-01 (synthetic and 1970 stamps are not). */
static bool clock_known(const struct diag_facts *f)
{
	return f->capture_sec > INT64_C(946684800);
}

static bool time_bad(const struct diag_facts *f, const struct x509_info *c)
{
	return c->times_ok && clock_known(f) && (f->capture_sec > c->not_after_epoch || f->capture_sec < c->not_before_epoch);
}

/* The first certificate of the chain invalid by the capture's clock, or NULL. */
static const struct x509_info *dated_out(const struct diag_facts *f)
{
	for (size_t i = 0; f->chain && i < f->chain->n_kept; i++)
		if (f->chain->cert_status[i] == DECODE_OK && time_bad(f, &f->chain->certs[i]))
			return &f->chain->certs[i];
	return NULL;
}

static void ev_dates(struct dctx *x, const struct x509_info *c)
{
	const struct diag_facts *f = x->f;
	dx_use(x, "certificate");
	dx_ev(x, "; \"%s\" is valid from %s to %s", c->common_name[0] ? c->common_name : c->subject, c->not_before,
	      c->not_after);
	if (!clock_known(f))
		dx_ev(x, " (the capture's clock is not usable to judge it)");
	else if (f->capture_sec > c->not_after_epoch)
		dx_ev(x, ": it had expired when the capture was taken");
	else if (f->capture_sec < c->not_before_epoch)
		dx_ev(x, ": it was not yet valid when the capture was taken");
	else
		dx_ev(x, ": valid by the capture's clock, so the device's clock is wrong (unset RTC, or a 32-bit "
			 "time_t that wraps after 2038)");
}

static void expired_variant(struct dctx *x, const struct x509_info *c);

bool diag_m_expired(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	const struct x509_info *c = dated_out(f);
	if (!dx_alert_is(f, false, TLS_AD_CERTIFICATE_EXPIRED))
		return false;
	ev_refusal(x);
	if (!c)
		c = f->leaf;
	if (c && c->times_ok)
		ev_dates(x, c);
	expired_variant(x, c);
	return true;
}

/* The variant by the capture's clock: not yet valid, or valid (so the device's clock is wrong). */
static void expired_variant(struct dctx *x, const struct x509_info *c)
{
	const struct diag_facts *f = x->f;
	if (c && c->times_ok) {
		if (clock_known(f) && f->capture_sec < c->not_before_epoch)
			x->variant = "not_yet_valid";
		else if (clock_known(f) && f->capture_sec <= c->not_after_epoch)
			x->variant = "device_clock";
	}
}

/* RSA under 2048 bits or EC under 224 (OpenSSL security level 2, NIST SP 800-131A). */
static const struct x509_info *weak_key(const struct diag_facts *f)
{
	for (size_t i = 0; f->chain && i < f->chain->n_kept; i++) {
		const struct x509_info *c = &f->chain->certs[i];
		if (f->chain->cert_status[i] != DECODE_OK || !c->key_bits)
			continue;
		if ((strncmp(c->key_type, "RSA", 3) == 0 && c->key_bits < 2048) ||
		    (strcmp(c->key_type, "EC") == 0 && c->key_bits < 224) ||
		    (strcmp(c->key_type, "DSA") == 0 && c->key_bits < 2048))
			return c;
	}
	return NULL;
}

/* A SHA-1 or MD5 signature on a certificate that is not self-issued (a root's own signature is not checked). */
static const struct x509_info *weak_sig(const struct diag_facts *f)
{
	for (size_t i = 0; f->chain && i < f->chain->n_kept; i++) {
		const struct x509_info *c = &f->chain->certs[i];
		if (f->chain->cert_status[i] == DECODE_OK && !(c->self_issued && f->chain->n_kept > 1 && i > 0) &&
		    (strstr(c->sig_alg, "sha1") || strstr(c->sig_alg, "SHA1") || strstr(c->sig_alg, "md5") ||
		     strstr(c->sig_alg, "MD5")))
			return c;
	}
	return NULL;
}

/* The name check: what the client asked for, against the certificate's names. */
/* The server's address without the port: "127.0.0.1" of "127.0.0.1:4433", "::1" of "[::1]:443". */
static void server_ip(const struct diag_facts *f, char *out, size_t outlen)
{
	const char *a = f->server_addr ? f->server_addr : "";
	const char *colon = strrchr(a, ':');
	size_t n = colon ? (size_t)(colon - a) : strlen(a);
	if (n && a[0] == '[' && a[n - 1] == ']') {
		a++;
		n -= 2;
	}
	snprintf(out, outlen, "%.*s", (int)n, a);
}

/*
 * The name check: what the client asked for, against the certificate's
 * names.  Without SNI the name checked is unknown: a certificate naming
 * the address the client connected to passes for a client that checks it.
 */
static bool name_fails(const struct diag_facts *f)
{
	char ip[64];
	if (!f->leaf || !f->ch)
		return false;
	if (f->ch->has_sni)
		return !x509_matches_host(f->leaf, f->ch->sni);
	server_ip(f, ip, sizeof ip);
	return !ip[0] || !x509_matches_host(f->leaf, ip);
}

static bool is_ip_literal(const char *s)
{
	size_t digits = 0, dots = 0;
	for (; *s; s++) {
		if (*s == '.')
			dots++;
		else if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != ':' && !((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	}
	return digits && (dots == 3 || dots == 0);
}

static bool server_acked_sni(const struct diag_facts *f)
{
	for (size_t i = 0; f->sh && i < f->sh->extensions.n; i++)
		if (f->sh->extensions.v[i] == TLS_EXT_SERVER_NAME)
			return true;
	return false;
}

static void ev_mismatch(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	dx_use(x, "certificate");
	dx_use(x, "client_hello");
	if (!f->ch->has_sni) {
		x->variant = "no_sni";
		dx_ev(x, "; the ClientHello has no SNI, so the server sent its default certificate, ");
		dx_ev_names(x);
		dx_ev(x, "; a device that connects by IP address sends no SNI and needs the IP in the certificate");
		return;
	}
	dx_ev(x, "; the client asked for \"%s\" but the certificate names ", f->ch->sni);
	dx_ev_names(x);
	if (is_ip_literal(f->ch->sni)) {
		x->variant = "ip";
		dx_ev(x, "; an IP address matches only an IP SAN (RFC 6125), and SNI must not carry one (RFC 6066 3)");
	} else if (f->sh && f->sh->version <= TLS_V_TLS12 && !server_acked_sni(f)) {
		x->variant = "wrong_vhost";
		dx_ev(x, "; the ServerHello does not acknowledge the name, so the server did not select a virtual host "
			 "by it");
	}
}

/*
 * The client refused the chain with an alert that names a reason (45, 48,
 * 43), or one that does not (42, 46, 40, 80, a bare close): the chain's
 * own faults are weighed, most telling first.
 */
bool diag_m_chain(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	const struct x509_info *wk, *ws, *dated;
	const char *cand[7];
	size_t n = 0;
	int desc = f->has_alert && !f->alert_encrypted ? f->alert_desc : -1;
	/* Alerts a certificate check sends (RFC 5246 7.2.2), or none at all. */
	bool cert_alert = desc < 0 || (desc >= TLS_AD_BAD_CERTIFICATE && desc <= TLS_AD_UNKNOWN_CA) ||
			  desc == TLS_AD_HANDSHAKE_FAILURE || desc == 80 || desc == TLS_AD_INSUFFICIENT_SECURITY;
	if (!cert_alert || (!client_refused_chain(f) && !dx_alert_is(f, false, TLS_AD_UNKNOWN_CA) &&
			    !dx_alert_is(f, false, TLS_AD_UNSUPPORTED_CERTIFICATE)))
		return false;
	wk = weak_key(f);
	ws = weak_sig(f);
	dated = dated_out(f);
	bool names = name_fails(f);
	if (desc == TLS_AD_UNKNOWN_CA)
		cand[n++] = "unknown_ca";
	if (desc == TLS_AD_UNSUPPORTED_CERTIFICATE)
		cand[n++] = "unsupported_certificate";
	if (wk)
		cand[n++] = "weak_key";
	if (ws)
		cand[n++] = "weak_signature";
	if (names && desc != TLS_AD_UNKNOWN_CA)
		cand[n++] = "hostname_mismatch";
	if (dated)
		cand[n++] = "certificate_expired";
	if (f->leaf && f->leaf->self_issued && desc != TLS_AD_UNKNOWN_CA)
		cand[n++] = "unknown_ca";
	/* A refused chain with no fault the capture shows: the trust anchor is what remains. */
	bool no_fault = n == 0;
	if (no_fault && f->has_alert && f->alert_encrypted)
		return false; /* an encrypted alert with a clean chain: nothing to weigh it with */
	if (n == 0)
		cand[n++] = desc == TLS_AD_BAD_CERTIFICATE	     ? "bad_certificate"
			    : desc == TLS_AD_CERTIFICATE_UNKNOWN ? "certificate_unknown"
			    : desc < 0				     ? "client_closed_without_alert"
								     : "peer_alert";
	ev_refusal(x);
	x->code = cand[0];
	if (strcmp(cand[0], "hostname_mismatch") == 0)
		ev_mismatch(x);
	else
		dx_ev_leaf(x);
	if (dated) {
		ev_dates(x, dated);
		if (strcmp(cand[0], "certificate_expired") == 0)
			expired_variant(x, dated);
	}
	if (wk)
		dx_ev(x, "; \"%s\" has a %s %d-bit key", wk->common_name[0] ? wk->common_name : wk->subject,
		      wk->key_type, wk->key_bits);
	if (ws)
		dx_ev(x, "; \"%s\" is signed with %s", ws->common_name[0] ? ws->common_name : ws->subject,
		      ws->sig_alg);
	if (desc == TLS_AD_UNSUPPORTED_CERTIFICATE && f->leaf)
		dx_ev(x, "; the server's key is %s %d-bit, signed with %s", f->leaf->key_type, f->leaf->key_bits,
		      f->leaf->sig_alg);
	if (names && strcmp(cand[0], "hostname_mismatch") != 0) {
		dx_ev(x, "; the certificate does not name ");
		if (f->ch->has_sni)
			dx_ev(x, "\"%s\"", f->ch->sni);
		else
			dx_ev(x, "anything the ClientHello asked for (no SNI)");
	}
	for (size_t i = 1; i < n; i++)
		dx_also(x, cand[i]);
	if (no_fault && f->leaf)
		dx_also(x, "unknown_ca");
	if (refused_hidden_chain(f)) {
		dx_ev(x, "; in TLS 1.3 the server's certificate is encrypted, so its names and dates are not in the "
			 "capture");
		if (desc == TLS_AD_UNKNOWN_CA || desc == TLS_AD_UNSUPPORTED_CERTIFICATE)
			return true;
		dx_also(x, "hostname_mismatch");
		dx_also(x, "unknown_ca");
		dx_also(x, "certificate_expired");
		dx_apart(x, "the device's verify error, or the certificate itself: decode again with the session's key "
			    "log, or run the case with TLS 1.2");
		return true;
	}
	if (desc != TLS_AD_UNKNOWN_CA && desc != TLS_AD_UNSUPPORTED_CERTIFICATE && (n > 1 || desc < 0))
		dx_apart(x, "the device's verify error (wolfSSL DOMAIN_NAME_MISMATCH / ASN_NO_SIGNER_E, mbedTLS "
			    "flags, OpenSSL's verify result), since alert %d does not say which check failed",
			 desc < 0 ? 0 : desc);
	if (desc < 0)
		dx_use(x, "tcp");
	return true;
}


/*
 * The handshake completed, yet no byte of data followed before the close,
 * and the certificate has a fault a client checks: clients that verify
 * after the handshake (curl's name check, NSS's tstclnt) look like this.
 */
bool diag_m_complete_then_refused(struct dctx *x)
{
	const struct diag_facts *f = x->f;
	const struct x509_info *dated = dated_out(f);
	if (!f->complete || !f->leaf || !f->ch || !f->closed || f->app_bytes[0] || f->app_bytes[1])
		return false;
	bool names = f->ch->has_sni && name_fails(f);
	if (!names && !dated)
		return false;
	dx_ev(x, "the handshake completed, but the connection closed with no data sent either way");
	dx_use(x, "tcp");
	/* The handshake did complete: that stays the code, the faults a late check would find are listed. */
	x->code = "ok";
	if (names) {
		ev_mismatch(x);
		x->variant = NULL; /* the mismatch's variant belongs to hostname_mismatch, not to ok */
		dx_also(x, "hostname_mismatch");
	}
	if (dated)
		dx_also(x, "certificate_expired");
	if (dated)
		ev_dates(x, dated);
	dx_apart(x, "the client's error (curl: \"no alternative certificate subject name matches\", NSS: "
		    "SSL_ERROR_BAD_CERT_DOMAIN), since the check came after the handshake");
	return true;
}
