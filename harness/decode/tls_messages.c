/*
 * tls_messages.c - a complete handshake message (plaintext, or decrypted
 * with the key log) into the ladder, with a one-line summary, and into the
 * facts the report and the diagnosis read (ClientHello, ServerHello,
 * certificates, key exchange, CertificateRequest, EncryptedExtensions).
 */
#include "harness/decode/tls_conn_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/err.h"
#include "harness/decode/tls_names.h"


static void detail_client_hello(const struct tls_client_hello *ch, char *out, size_t outlen)
{
	char vb[16];
	int n = snprintf(out, outlen, "(%s, %zu suite%s",
			 tls_version_short(tls_client_hello_max_version(ch), vb, sizeof vb),
			 ch->suites.total, ch->suites.total == 1 ? "" : "s");
	if (n < 0 || (size_t)n >= outlen)
		return;
	if (ch->sslv2)
		n += snprintf(out + n, outlen - (size_t)n, ", SSLv2 format");
	if (ch->has_sni && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, ", SNI %s", ch->sni);
	else if ((size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, ", no SNI");
	if ((size_t)n < outlen)
		snprintf(out + n, outlen - (size_t)n, ")");
}

static void on_client_hello(struct tls_conn *c, struct ladder_entry *e, struct cursor *body,
			    bool sslv2)
{
	char why[TLS_WHY_LEN] = "";
	struct tls_client_hello ch;
	enum decode_status st = sslv2 ? tls_hs_decode_sslv2_hello(body, &ch, why, sizeof why)
				      : tls_hs_decode_client_hello(body, &ch, why, sizeof why);
	if (st != DECODE_OK) {
		tls_note_add(c, NOTE_MALFORMED, TLS_FROM_CLIENT, "ClientHello: %s", why);
		if (e)
			snprintf(e->detail, sizeof e->detail, "(malformed: %s)", why);
		return;
	}
	c->n_client_hellos++;
	c->ch = ch;
	c->have_ch = true;
	c->ch_record_version = c->d[TLS_FROM_CLIENT].record_version;
	if (e)
		detail_client_hello(&c->ch, e->detail, sizeof e->detail);
	if (c->n_client_hellos == 2 && c->hrr)
		tls_note_add(c, NOTE_INFO, TLS_FROM_CLIENT, "second ClientHello after HelloRetryRequest");
}

/*
 * An encrypted alert is 2 bytes, the inner content type and the AEAD tag
 * (RFC 8446 5.2).  Set once from the ServerHello: every TLS 1.3 record is
 * compared with it, so no name lookup per record.
 */
static size_t tls13_alert_size(uint16_t suite)
{
	char b[64];
	const char *name = tls_name16(tls_cipher_suite_names, suite, b, sizeof b);
	return 2 + 1 + (strstr(name, "CCM_8") ? 8 : 16);
}

static void on_server_hello(struct tls_conn *c, struct ladder_entry *e, struct cursor *body)
{
	char why[TLS_WHY_LEN] = "", vb[16], sb[64], gb[32];
	struct tls_server_hello sh;
	if (tls_hs_decode_server_hello(body, &sh, why, sizeof why) != DECODE_OK) {
		tls_note_add(c, NOTE_MALFORMED, TLS_FROM_SERVER, "ServerHello: %s", why);
		if (e)
			snprintf(e->detail, sizeof e->detail, "(malformed: %s)", why);
		return;
	}
	if (sh.hrr) {
		c->hrr = true;
		if (e) {
			e->hs_type = TLS_HS_HELLO_RETRY_REQUEST;
			snprintf(e->detail, sizeof e->detail, "(asks for group %s)",
				 tls_name16(tls_group_names, sh.key_share_group, gb, sizeof gb));
		}
		return;
	}
	c->sh = sh;
	c->have_sh = true;
	/* TLS 1.3 and its drafts (0x7fxx): everything after this is encrypted. */
	c->tls13 = sh.version == TLS_V_TLS13 || (sh.version >> 8) == 0x7f;
	c->tls13_alert_len = tls13_alert_size(sh.suite);
	if (e)
		snprintf(e->detail, sizeof e->detail, "(%s, %s)", tls_version_short(sh.version, vb, sizeof vb),
			 tls_name16(tls_cipher_suite_names, sh.suite, sb, sizeof sb));
	if (sh.downgrade_sentinel)
		tls_note_add(c, NOTE_INFO, TLS_FROM_SERVER,
			 "ServerHello random carries the TLS 1.3 downgrade sentinel (RFC 8446 4.1.3)");
	if (c->have_ch && !tls_client_hello_offers(&c->ch, sh.version) && sh.version != c->ch.legacy_version)
		tls_note_add(c, NOTE_INFO, TLS_FROM_SERVER, "the server chose %s, which the client did not offer",
			 tls_version_short(sh.version, vb, sizeof vb));
	tls_keys_server_hello(c);
}

static void on_encrypted_extensions(struct tls_conn *c, struct ladder_entry *e, struct cursor *body)
{
	char why[TLS_WHY_LEN] = "";
	if (tls_hs_decode_encrypted_extensions(body, &c->ee, why, sizeof why) != DECODE_OK) {
		tls_note_add(c, NOTE_MALFORMED, TLS_FROM_SERVER, "EncryptedExtensions: %s", why);
		return;
	}
	c->have_ee = true;
	if (e)
		snprintf(e->detail, sizeof e->detail, "(%zu extension%s%s%s%s)", c->ee.extensions.total,
			 c->ee.extensions.total == 1 ? "" : "s", c->ee.alpn[0] ? ", ALPN " : "", c->ee.alpn,
			 c->ee.early_data ? ", early data accepted" : "");
}

/* A decrypted Finished: the side's handshake is over (TLS 1.3: its application keys start). */
static void on_finished(struct tls_conn *c, enum tls_dir dir, struct ladder_entry *e, const struct tls_hs_msg *m)
{
	if (e)
		snprintf(e->detail, sizeof e->detail, "(verify_data %" PRIu32 " bytes)", m->len);
	c->d[dir].finished = true;
	c->finished_seen[dir] = true;
	if (c->finished_seen[TLS_FROM_CLIENT] && c->finished_seen[TLS_FROM_SERVER])
		c->complete = true;
	tls_keys_finished(c, dir);
}

static void on_small(struct tls_conn *c, enum tls_dir dir, struct ladder_entry *e, struct tls_hs_msg *m)
{
	char why[TLS_WHY_LEN] = "", sb[48];
	struct tls_certificate_verify cv;
	bool requested;

	if (m->type == TLS_HS_CERTIFICATE_VERIFY) {
		if (tls_hs_decode_certificate_verify(&m->body, c->have_sh ? c->sh.version : TLS_V_TLS12, &cv, why,
						     sizeof why) != DECODE_OK)
			tls_note_add(c, NOTE_MALFORMED, dir, "CertificateVerify: %s", why);
		else if (e && cv.has_sigalg)
			snprintf(e->detail, sizeof e->detail, "(%s, %zu-byte signature)",
				 tls_name16(tls_sigscheme_names, cv.sigalg, sb, sizeof sb), cv.sig_len);
		return;
	}
	/* KeyUpdate (RFC 8446 4.6.3): the sender's next records use the next generation of its secret. */
	if (tls_hs_decode_key_update(&m->body, &requested, why, sizeof why) != DECODE_OK) {
		tls_note_add(c, NOTE_MALFORMED, dir, "KeyUpdate: %s", why);
		return;
	}
	if (e)
		snprintf(e->detail, sizeof e->detail, "(%s)", requested ? "update_requested" : "update_not_requested");
	tls_keys_key_update(c, dir);
}

static void on_certificate(struct tls_conn *c, enum tls_dir dir, struct ladder_entry *e,
			   struct cursor *body)
{
	char why[TLS_WHY_LEN] = "";
	struct tls_certificate *cm = malloc(sizeof *cm);
	if (!cm)
		return;
	if (tls_hs_decode_certificate(body, c->tls13, cm, why, sizeof why) != DECODE_OK) {
		tls_note_add(c, NOTE_MALFORMED, dir, "Certificate: %s", why);
		if (e)
			snprintf(e->detail, sizeof e->detail, "(malformed: %s)", why);
		free(cm);
		return;
	}
	for (size_t i = 0; i < cm->n_kept; i++)
		if (cm->cert_status[i] != DECODE_OK)
			tls_note_add(c, NOTE_MALFORMED, dir, "certificate %zu: %s", i, cm->cert_why[i]);
	if (e) {
		if (cm->n_kept && cm->cert_status[0] == DECODE_OK)
			snprintf(e->detail, sizeof e->detail, "(%zu cert%s, %.80s, notAfter %s)", cm->n_certs,
				 cm->n_certs == 1 ? "" : "s",
				 cm->certs[0].common_name[0] ? cm->certs[0].common_name : cm->certs[0].subject,
				 cm->certs[0].not_after);
		else
			snprintf(e->detail, sizeof e->detail, "(%zu cert%s)", cm->n_certs,
				 cm->n_certs == 1 ? "" : "s");
	}
	if (dir == TLS_FROM_CLIENT) {
		c->client_cert = true;
		c->client_cert_count = cm->n_certs;
		c->client_cert_empty = cm->n_certs == 0;
		free(cm);
		return;
	}
	free(c->server_cert);
	c->server_cert = cm;
}

static void on_server_key_exchange(struct tls_conn *c, struct ladder_entry *e, struct cursor *body)
{
	char why[TLS_WHY_LEN] = "", gb[32];
	struct tls_server_key_exchange ske;
	if (!c->have_sh) {
		tls_note_add(c, NOTE_MALFORMED, TLS_FROM_SERVER, "ServerKeyExchange before ServerHello");
		return;
	}
	if (tls_hs_decode_server_key_exchange(body, c->sh.suite, c->sh.version, &ske, why, sizeof why) !=
	    DECODE_OK) {
		tls_note_add(c, NOTE_MALFORMED, TLS_FROM_SERVER, "ServerKeyExchange: %s", why);
		if (e)
			snprintf(e->detail, sizeof e->detail, "(malformed: %s)", why);
		return;
	}
	c->ske = ske;
	c->have_ske = true;
	if (!e)
		return;
	if (ske.dh_p_bits)
		snprintf(e->detail, sizeof e->detail, "(DHE, %u-bit prime)", ske.dh_p_bits);
	else if (ske.group)
		snprintf(e->detail, sizeof e->detail, "(ECDHE %s)",
			 tls_name16(tls_group_names, ske.group, gb, sizeof gb));
	else if (ske.rsa_bits)
		snprintf(e->detail, sizeof e->detail, "(RSA, %u-bit temporary key)", ske.rsa_bits);
}

void tls_conn_message(struct tls_conn *c, enum tls_dir dir, struct tls_hs_msg *m)
{
	struct ladder_entry *e = tls_ladder_add(c, dir, m->sslv2 ? E_SSLV2_HELLO : E_HANDSHAKE);
	char why[TLS_WHY_LEN] = "", hb[24];
	bool from_server = dir == TLS_FROM_SERVER;
	struct tls_new_session_ticket nst;

	if (e) {
		e->hs_type = m->type;
		e->len = m->len;
	}
	if (m->too_big) {
		tls_note_add(c, NOTE_INFO, dir, "%s of %" PRIu32 " bytes is over the decoder's bound of %u: not decoded",
			 tls_hs_name(m->type, hb, sizeof hb), m->len, TLS_HS_MAX_MSG);
		return;
	}
	switch (m->type) {
	case TLS_HS_CLIENT_HELLO:
		if (from_server)
			goto wrong_side;
		on_client_hello(c, e, &m->body, m->sslv2);
		break;
	case TLS_HS_SERVER_HELLO:
		if (!from_server)
			goto wrong_side;
		on_server_hello(c, e, &m->body);
		break;
	case TLS_HS_CERTIFICATE:
		on_certificate(c, dir, e, &m->body);
		break;
	case TLS_HS_SERVER_KEY_EXCHANGE:
		if (!from_server)
			goto wrong_side;
		on_server_key_exchange(c, e, &m->body);
		break;
	case TLS_HS_CERTIFICATE_REQUEST:
		if (!from_server)
			goto wrong_side;
		if (tls_hs_decode_certificate_request(&m->body, c->have_sh ? c->sh.version : TLS_V_TLS12,
						      &c->cr, why, sizeof why) != DECODE_OK) {
			tls_note_add(c, NOTE_MALFORMED, dir, "CertificateRequest: %s", why);
			break;
		}
		c->cert_request = true;
		if (e)
			snprintf(e->detail, sizeof e->detail, "(%zu CA name%s)", c->cr.n_cas,
				 c->cr.n_cas == 1 ? "" : "s");
		break;
	case TLS_HS_SERVER_HELLO_DONE:
	case TLS_HS_HELLO_REQUEST:
		if (tls_hs_decode_empty(&m->body, why, sizeof why) != DECODE_OK)
			tls_note_add(c, NOTE_MALFORMED, dir, "%s: %s", tls_hs_name(m->type, hb, sizeof hb), why);
		break;
	case TLS_HS_NEW_SESSION_TICKET:
		if (tls_hs_decode_new_session_ticket(&m->body, c->have_sh ? c->sh.version : TLS_V_TLS12,
						     &nst, why, sizeof why) != DECODE_OK)
			tls_note_add(c, NOTE_MALFORMED, dir, "NewSessionTicket: %s", why);
		else if (e)
			snprintf(e->detail, sizeof e->detail, "(lifetime %" PRIu32 " s)", nst.lifetime);
		break;
	case TLS_HS_ENCRYPTED_EXTENSIONS:
		if (!from_server)
			goto wrong_side;
		on_encrypted_extensions(c, e, &m->body);
		break;
	case TLS_HS_FINISHED:
		on_finished(c, dir, e, m);
		break;
	case TLS_HS_CERTIFICATE_VERIFY:
	case TLS_HS_KEY_UPDATE:
		on_small(c, dir, e, m);
		break;
	default:
		/* ClientKeyExchange, ...: named, not decoded. */
		break;
	}
	return;
wrong_side:
	tls_note_add(c, NOTE_MALFORMED, dir, "%s sent by the %s", tls_hs_name(m->type, hb, sizeof hb),
		 tls_dir_name(dir));
}

