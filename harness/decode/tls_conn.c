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

	/*
	 * The client's flight (Certificate, CertificateVerify, Finished, in
	 * one record or several) lasts until the server answers it: calling
	 * its later records application data would misname a Finished.
	 */
	if (dir == TLS_FROM_CLIENT)
		kind = d->enc_records == 0 || c->d[TLS_FROM_SERVER].enc_real_after_peer == 0 ? E_ENCRYPTED : E_APPDATA;
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

/* A record header read without decryption: what is encrypted is counted, not read. */
void tls_conn_record_plain(struct tls_conn *c, enum tls_dir dir, const struct tls_record_hdr *h)
{
	struct dir_state *d = &c->d[dir];
	struct ladder_entry *e;

	if (d->ccs || (c->tls13 && h->type == TLS_CT_APPLICATION_DATA))
		d->unread++;
	switch (h->type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		if (d->ccs) {
			/* A renegotiation's CCS under the current cipher: encrypted, its body unreadable. */
			e = tls_ladder_add(c, dir, E_CCS);
			if (e) {
				e->len = h->length;
				snprintf(e->detail, sizeof e->detail, "(encrypted)");
			}
			break;
		}
		d->ccs_have = 0;
		d->route = R_CCS;
		check_plain_size(c, dir, h);
		tls_ladder_add(c, dir, E_CCS);
		/*
		 * TLS <= 1.2: the sender's records are encrypted from here on.
		 * TLS 1.3 (known from the ServerHello or a HelloRetryRequest):
		 * a compatibility CCS that changes nothing (RFC 8446 D.4).
		 */
		if (!c->tls13 && !c->hrr) {
			d->ccs = true;
			tls_keys_ccs(c, dir);
		}
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

static void on_record_begin(struct tls_conn *c, enum tls_dir dir, const struct tls_record_hdr *h)
{
	struct dir_state *d = &c->d[dir];

	d->valid_record = true;
	d->record_version = h->version;
	d->route = R_IGNORE;
	d->last_maybe_alert = false;
	if (h->sslv2) {
		tls_hs_reasm_expect_sslv2(&d->hs, h->length);
		d->route = R_HANDSHAKE;
		return;
	}
	if (tls_keys_wants(c, dir, h)) {
		/* Gathered whole and opened at its end (tls_keys.c). */
		d->route = R_DECRYPT;
		d->rec_hdr = *h;
		d->rec_have = 0;
		return;
	}
	tls_conn_record_plain(c, dir, h);
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
			tls_conn_message(c, dir, &m);
		break;
	case R_ALERT:
		tls_alert_bytes(c, dir, p, n);
		break;
	case R_DECRYPT:
		tls_keys_gather(c, dir, p, n);
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
	if (d->route == R_DECRYPT) {
		d->route = R_IGNORE;
		tls_keys_record_end(c, dir);
		return;
	}
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

void tls_conn_set_keylog(struct tls_conn *c, const struct keylog *kl)
{
	c->keylog = kl;
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++)
		tls_hs_reasm_free(&c->d[i].hs);
	tls_keys_free(c);
	free(c->server_cert);
	free(c->ladder);
	free(c->notes);
	free(c);
}

size_t tls_conn_footprint(const struct tls_conn *c)
{
	size_t n = sizeof *c + c->cap_ladder * sizeof *c->ladder + c->cap_notes * sizeof *c->notes;
	if (c->server_cert)
		n += sizeof *c->server_cert;
	for (int i = 0; i < 2; i++) {
		n += c->d[i].hs.buf ? c->d[i].hs.len : 0;
		n += c->d[i].rec ? TLS_RECORD_MAX_LEN : 0;
	}
	return n + tls_keys_footprint(c);
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
	/*
	 * The first close counts.  A RST after a FIN answers bytes that came
	 * after the FIN (typically the peer's close_notify crossing it): the
	 * side closed with FIN, and the RST is noted, not blamed.
	 */
	if (!d->closed) {
		d->closed = true;
		d->how = ev;
		d->close_m = tls_meta_now(c);
	} else if (ev == TCP_EV_RST && d->how == TCP_EV_FIN && !d->rst_after_fin) {
		d->rst_after_fin = true;
		d->rst_m = tls_meta_now(c);
	}
	if (c->first_closer < 0)
		c->first_closer = (int)dir;
	c->cur = NULL;
}

