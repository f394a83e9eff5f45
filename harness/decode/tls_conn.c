/*
 * tls_conn.c - one TLS connection seen on the wire (see tls_conn.h).
 *
 * How this works: each direction has a record parser (tls_record.c) and a
 * handshake reassembler (tls_handshake.c).  Records become ladder entries:
 * one per handshake message, ChangeCipherSpec or alert, and coalesced
 * entries for runs of encrypted records and application data, so a 1 GB
 * transfer costs a counter, not memory.  Handshake messages are decoded
 * as they complete; ClientHello, ServerHello, the server's certificates
 * and key exchange are kept for the report and the diagnosis.
 *
 * What is encrypted (RFC 5246 7.1, RFC 8446 5): in TLS <= 1.2 everything a
 * side sends after its ChangeCipherSpec; the first such handshake record is
 * its Finished (RFC 5246 7.4.9), an alert record is an encrypted alert
 * whose level and description cannot be read.  In TLS 1.3 every record
 * after the ServerHello is application_data (23) on the outside except the
 * compatibility CCS (RFC 8446 D.4); an encrypted alert can only be told
 * by its size (2 bytes + content type + AEAD tag) when it is the last
 * thing a side sends before closing, and only then is it reported.
 *
 * The capture side reports gaps and snaplen cuts: they make the stream
 * TRUNCATED, which is noted and never blamed on a peer.
 */
#include "harness/decode/tls_conn_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/decode/tls_names.h"
#include "harness/explain/explain.h"

static void see_meta(struct tls_conn *c, const struct pkt_meta *m)
{
	c->cur = m;
	if (m && !c->have_first) {
		c->first = *m;
		c->have_first = true;
	}
}
/* ---------------------------------------------------------------- */
/* Handshake messages */

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

static void on_message(struct tls_conn *c, enum tls_dir dir, struct tls_hs_msg *m)
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
	default:
		/* ClientKeyExchange, CertificateVerify, ...: named, not decoded. */
		break;
	}
	return;
wrong_side:
	tls_note_add(c, NOTE_MALFORMED, dir, "%s sent by the %s", tls_hs_name(m->type, hb, sizeof hb),
		 tls_dir_name(dir));
}

/* ---------------------------------------------------------------- */
/* Records */

bool tls13_complete_now(const struct tls_conn *c)
{
	const struct dir_state *cl = &c->d[TLS_FROM_CLIENT], *sv = &c->d[TLS_FROM_SERVER];
	/*
	 * The client's first encrypted flight ends with its Finished; the
	 * handshake is done when the server answers it (NewSessionTicket or
	 * data) or the client goes on sending data.
	 */
	return cl->enc_real >= 1 && (sv->enc_real_after_peer >= 1 || cl->enc_real >= 2);
}

static void tls13_record(struct tls_conn *c, enum tls_dir dir, size_t len)
{
	struct dir_state *d = &c->d[dir];
	bool alert_sized = len == c->tls13_alert_len;
	bool peer_started = c->d[tls_peer_of(dir)].enc_records > 0;
	enum entry_kind kind;

	if (dir == TLS_FROM_CLIENT)
		kind = d->enc_records == 0 ? E_ENCRYPTED : E_APPDATA;
	else
		kind = c->d[TLS_FROM_CLIENT].enc_records == 0 ? E_ENCRYPTED : E_APPDATA;
	d->enc_records++;
	if (!alert_sized) {
		d->enc_real++;
		if (peer_started)
			d->enc_real_after_peer++;
	}
	if (kind == E_APPDATA) {
		d->app_records++;
		d->app_bytes += len;
	}
	tls_ladder_count(c, dir, kind, len, alert_sized);
	d->last_maybe_alert = alert_sized;
}

static void check_plain_size(struct tls_conn *c, enum tls_dir dir, const struct tls_record_hdr *h)
{
	if (h->length > TLS_RECORD_MAX_PLAIN) {
		c->record_overflow = true;
		tls_note_add(c, NOTE_MALFORMED, dir,
			 "record_overflow: a plaintext record of %u bytes exceeds 2^14 (RFC 5246 6.2.1)",
			 h->length);
	}
}

static void on_record_begin(struct tls_conn *c, enum tls_dir dir, const struct tls_record_hdr *h)
{
	struct dir_state *d = &c->d[dir];
	struct ladder_entry *e;

	d->valid_record = true;
	d->record_version = h->version;
	d->route = R_IGNORE;
	d->last_maybe_alert = false;
	if (h->sslv2) {
		tls_hs_reasm_expect_sslv2(&d->hs, h->length);
		d->route = R_HANDSHAKE;
		return;
	}
	switch (h->type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		d->ccs_have = 0;
		d->route = R_CCS;
		check_plain_size(c, dir, h);
		tls_ladder_add(c, dir, E_CCS);
		/*
		 * TLS <= 1.2: the sender's records are encrypted from here on.
		 * TLS 1.3 (known from the ServerHello or a HelloRetryRequest):
		 * a compatibility CCS that changes nothing (RFC 8446 D.4).
		 */
		if (!c->tls13 && !c->hrr)
			d->ccs = true;
		break;
	case TLS_CT_ALERT:
		if (d->ccs) {
			/* RFC 5246 7.2: after CCS an alert is encrypted; its fields are unreadable. */
			tls_alert_add(c, dir, -1, -1, true);
			if (c->ladder_dropped == 0 && c->n_ladder)
				c->ladder[c->n_ladder - 1].len = h->length;
			break;
		}
		check_plain_size(c, dir, h);
		d->route = R_ALERT;
		break;
	case TLS_CT_HANDSHAKE:
		if (d->ccs) {
			/* RFC 5246 7.4.9: Finished comes right after ChangeCipherSpec. */
			e = tls_ladder_add(c, dir, d->finished ? E_ENC_HANDSHAKE : E_ENC_FINISHED);
			if (e) {
				e->len = h->length;
				snprintf(e->detail, sizeof e->detail, "(encrypted)");
			}
			d->finished = true;
			if (!c->complete && c->d[0].finished && c->d[1].finished)
				c->complete = true;
			break;
		}
		check_plain_size(c, dir, h);
		d->route = R_HANDSHAKE;
		break;
	case TLS_CT_APPLICATION_DATA:
		if (c->tls13) {
			tls13_record(c, dir, h->length);
			if (!c->complete && tls13_complete_now(c))
				c->complete = true;
			break;
		}
		if (!d->ccs && c->have_ch)
			tls_note_add(c, NOTE_MALFORMED, dir,
				 "application data before ChangeCipherSpec (RFC 5246 7.1)");
		d->app_records++;
		d->app_bytes += h->length;
		tls_ladder_count(c, dir, E_APPDATA, h->length, false);
		break;
	case TLS_CT_HEARTBEAT:
	default:
		tls_ladder_count(c, dir, E_HEARTBEAT, h->length, false);
		break;
	}
}

static void on_record_data(struct tls_conn *c, enum tls_dir dir, const uint8_t *p, size_t n)
{
	struct dir_state *d = &c->d[dir];
	struct cursor in;
	struct tls_hs_msg m;

	switch (d->route) {
	case R_HANDSHAKE:
		in = cursor_make(p, n);
		while (tls_hs_reasm_next(&d->hs, &in, &m) == TLS_HS_MESSAGE)
			on_message(c, dir, &m);
		break;
	case R_ALERT:
		tls_alert_bytes(c, dir, p, n);
		break;
	case R_CCS:
		if (d->ccs_have == 0 && n)
			d->ccs_byte = p[0];
		d->ccs_have += n;
		break;
	case R_IGNORE:
	default:
		break;
	}
}

static void on_record_end(struct tls_conn *c, enum tls_dir dir)
{
	struct dir_state *d = &c->d[dir];
	/* RFC 5246 7.1: the ChangeCipherSpec message is the single byte 1. */
	if (d->route == R_CCS && (d->ccs_have != 1 || d->ccs_byte != 1))
		tls_note_add(c, NOTE_MALFORMED, dir, "ChangeCipherSpec body is not the single byte 1");
	d->route = R_IGNORE;
}

/* ---------------------------------------------------------------- */
/* Public API */

struct tls_conn *tls_conn_new(const char *client, const char *server)
{
	struct tls_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	tls_copy_str(c->client, sizeof c->client, client);
	tls_copy_str(c->server, sizeof c->server, server);
	for (int i = 0; i < 2; i++) {
		tls_record_init(&c->d[i].rp);
		tls_hs_reasm_init(&c->d[i].hs);
		c->d[i].last_entry = SIZE_MAX;
	}
	c->first_closer = -1;
	return c;
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++)
		tls_hs_reasm_free(&c->d[i].hs);
	free(c->server_cert);
	free(c->ladder);
	free(c);
}

void tls_conn_data(struct tls_conn *c, enum tls_dir dir, const uint8_t *p, size_t n,
		   const struct pkt_meta *m)
{
	struct dir_state *d = &c->d[dir];
	struct cursor in = cursor_make(p, n);
	struct tls_rec_ev ev;
	enum tls_rec_event e;

	see_meta(c, m);
	if (n)
		d->any_bytes = true;
	if (d->stopped || c->finished_called)
		goto out;
	while ((e = tls_record_next(&d->rp, &in, &ev)) != TLS_REC_NEED_MORE) {
		switch (e) {
		case TLS_REC_BEGIN:
			on_record_begin(c, dir, &ev.hdr);
			break;
		case TLS_REC_DATA:
			on_record_data(c, dir, ev.data, ev.len);
			break;
		case TLS_REC_END:
			on_record_end(c, dir);
			break;
		case TLS_REC_MALFORMED:
			if (strncmp(ev.why, "record_overflow", 15) == 0)
				c->record_overflow = true;
			tls_note_add(c, NOTE_MALFORMED, dir, "%s", ev.why);
			if (ev.lost)
				d->stopped = true;
			else
				on_record_end(c, dir);
			break;
		case TLS_REC_NEED_MORE:
		default:
			break;
		}
	}
out:
	c->cur = NULL;
}

void tls_conn_gap(struct tls_conn *c, enum tls_dir dir, uint64_t missing, const struct pkt_meta *m)
{
	struct dir_state *d = &c->d[dir];
	see_meta(c, m);
	if (!d->stopped && d->route == R_IGNORE && tls_record_skip(&d->rp, missing)) {
		tls_note_add(c, NOTE_TRUNCATED, dir,
			 "the capture lost %" PRIu64 " bytes inside an encrypted record; decoding goes on",
			 missing);
	} else {
		if (!d->stopped)
			tls_note_add(c, NOTE_TRUNCATED, dir,
				 "the capture lost %" PRIu64 " bytes; the rest of this direction is not decoded",
				 missing);
		d->stopped = true;
	}
	c->cur = NULL;
}

void tls_conn_snaplen_cut(struct tls_conn *c, enum tls_dir dir, const struct pkt_meta *m)
{
	struct dir_state *d = &c->d[dir];
	see_meta(c, m);
	if (!d->stopped)
		tls_note_add(c, NOTE_TRUNCATED, dir,
			 "a packet was cut by the capture's snaplen; the rest of this direction is not decoded");
	else
		c->truncated = true;
	d->stopped = true;
	c->cur = NULL;
}

void tls_conn_tcp_event(struct tls_conn *c, enum tls_dir dir, enum tcp_event ev,
			const struct pkt_meta *m)
{
	struct dir_state *d = &c->d[dir];
	see_meta(c, m);
	if (!d->closed || (ev == TCP_EV_RST && d->how != TCP_EV_RST)) {
		d->closed = true;
		d->how = ev;
		d->close_m = tls_meta_now(c);
	}
	if (c->first_closer < 0)
		c->first_closer = (int)dir;
	c->cur = NULL;
}

