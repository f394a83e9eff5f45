/*
 * tls_outcome.c - settling a connection when it ends: unfinished messages,
 * TLS 1.3 alerts told by size, the alert that ended the handshake, the
 * facts for diagnose() and the outcome.
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

static void note_partial(struct tls_conn *c, enum tls_dir dir)
{
	struct dir_state *d = &c->d[dir];
	uint8_t type;
	size_t have;
	uint32_t want;
	char hb[24];

	if (d->stopped)
		return;
	/*
	 * A FIN reaches tls_conn only once every byte before it was seen (a
	 * hole stops the direction), so a side that closed with FIN inside a
	 * record or message sent it unfinished: its fault (MALFORMED).  With no
	 * FIN the capture ended there: TRUNCATED, never the peer's error.
	 */
	bool fin = d->closed && d->how == TCP_EV_FIN;
	enum note_kind kind = fin ? NOTE_MALFORMED : NOTE_TRUNCATED;
	const char *how = fin ? "the connection was closed (FIN)" : "the stream ended";
	/* A message split across records can be cut at a record boundary. */
	if (tls_hs_reasm_partial(&d->hs, &type, &have, &want) && want)
		tls_note_add(c, kind, dir, "%s inside a %s (%zu of %" PRIu32 " bytes)", how,
			 tls_hs_name(type, hb, sizeof hb), have, want);
	else if (tls_record_partial(&d->rp))
		tls_note_add(c, kind, dir, "%s inside a record", how);
}

/* TLS 1.3: the last record of a side that then closed, if alert-sized, was an alert. */
static void infer_tls13_alerts(struct tls_conn *c)
{
	for (int i = 0; i < 2; i++) {
		struct dir_state *d = &c->d[i];
		if (!c->tls13 || !d->last_maybe_alert || !d->closed || d->last_entry == SIZE_MAX ||
		    d->last_entry >= c->n_ladder || c->ladder[d->last_entry].count != 1)
			continue;
		tls_alert_record(c, (enum tls_dir)i, -1, -1, true, d->last_entry);
	}
}

/*
 * The alert that ended the handshake: first fatal or encrypted, not after
 * completion, unless decrypted and fatal (a TLS 1.3 server rejects the
 * client's certificate after the client's Finished: never "ok").
 */
static const struct alert_entry *failing_alert(const struct tls_conn *c)
{
	const struct alert_entry *warn = NULL;
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_entry *a = &c->alerts[i];
		bool fatal_read = a->decrypted && a->level == TLS_ALERT_FATAL;
		if ((a->after_complete && !fatal_read) || (!a->encrypted && a->desc == TLS_AD_CLOSE_NOTIFY))
			continue;
		/*
		 * An encrypted alert once a direction is no longer decoded (a gap, a
		 * snaplen cut, lost framing) may well be the close_notify after a
		 * handshake that completed unseen: it is not the peer's error.
		 */
		if (a->encrypted && (c->d[TLS_FROM_CLIENT].stopped || c->d[TLS_FROM_SERVER].stopped))
			continue;
		if (a->encrypted || a->level != TLS_ALERT_WARNING)
			return a;
		if (!warn)
			warn = a;
	}
	return c->complete ? NULL : warn;
}

static long long meta_ms(const struct pkt_meta *from, const struct pkt_meta *to)
{
	return (to->ts_sec - from->ts_sec) * 1000 + (to->ts_usec - from->ts_usec) / 1000;
}

/*
 * Who the handshake waited on at the first close (FIN or RST; entries after
 * it are what came too late): the server owed the next message when the
 * client's ClientHello or Finished was the last thing sent, or the server's
 * flight had not ended (TLS <= 1.2: it ends with ServerHelloDone, or
 * Finished when resuming; a TLS 1.3 flight is encrypted, so only a lone
 * ServerHello counts), or the server's stream stopped inside a record
 * without a close and without a gap.  Also how long it had been quiet and
 * whether the server's answer came after the close.
 */
static void fill_waiting(const struct tls_conn *c, struct diag_facts *f)
{
	const struct dir_state *sv = &c->d[TLS_FROM_SERVER];
	/* close_m is a side's first close (a RST after its FIN is noted apart, tls_conn.c). */
	const struct pkt_meta *cm = c->first_closer >= 0 ? &c->d[c->first_closer].close_m : NULL;
	const struct ladder_entry *e = NULL;
	size_t k = c->ladder_dropped ? 0 : c->n_ladder;
	uint8_t type;
	size_t have;
	uint32_t want;

	f->silent_ms = f->late_ms = -1;
	while (cm && k > 0 && c->ladder[k - 1].m.frame > cm->frame)
		k--;
	if (cm && k < c->n_ladder && !c->ladder_dropped && c->ladder[k].dir == TLS_FROM_SERVER)
		f->late_ms = meta_ms(cm, &c->ladder[k].m);
	f->server_stopped_inside = !sv->stopped && !sv->closed &&
				   (tls_record_partial(&sv->rp) || tls_hs_reasm_partial(&sv->hs, &type, &have, &want));
	for (size_t i = k; f->server_stopped_inside && i > 0 && !e; i--)
		if (c->ladder[i - 1].dir == TLS_FROM_SERVER)
			e = &c->ladder[i - 1];
	if (!e && k > 0)
		e = &c->ladder[k - 1];
	if (!e || c->complete)
		return;
	f->last_message = tls_entry_type(e);
	f->last_from_server = e->dir == TLS_FROM_SERVER;
	if (f->server_stopped_inside)
		f->server_owed = true;
	else if (e->dir == TLS_FROM_CLIENT)
		f->server_owed = (e->kind == E_HANDSHAKE && e->hs_type == TLS_HS_CLIENT_HELLO) ||
				 e->kind == E_SSLV2_HELLO || e->kind == E_ENC_FINISHED ||
				 (e->kind == E_ENCRYPTED && c->tls13);
	else if (e->kind == E_HANDSHAKE)
		f->server_owed = e->hs_type != TLS_HS_SERVER_HELLO_DONE && e->hs_type != TLS_HS_HELLO_REQUEST &&
				 e->hs_type != TLS_HS_FINISHED && !(e->hs_type == TLS_HS_SERVER_HELLO && c->hrr);
	else
		f->server_owed = e->kind == E_CCS;
	if (cm)
		f->silent_ms = meta_ms(&e->m, cm);
}

static void fill_facts(const struct tls_conn *c, struct diag_facts *f)
{
	const struct alert_entry *a = failing_alert(c);
	const struct dir_state *cl = &c->d[TLS_FROM_CLIENT], *sv = &c->d[TLS_FROM_SERVER];

	memset(f, 0, sizeof *f);
	f->any_data = cl->any_bytes || sv->any_bytes;
	f->not_tls = f->any_data && !cl->valid_record && !sv->valid_record && c->malformed;
	f->truncated = c->truncated;
	f->malformed = c->malformed;
	tls_copy_str(f->malformed_what, sizeof f->malformed_what, c->malformed_what);
	f->record_overflow_seen = c->record_overflow;
	f->complete = c->complete && !c->fatal_decrypted;
	f->capture_ended_open = !cl->closed && !sv->closed;
	f->ch = c->have_ch ? &c->ch : NULL;
	f->sh = c->have_sh ? &c->sh : NULL;
	if (c->server_cert && c->server_cert->n_kept && c->server_cert->cert_status[0] == DECODE_OK)
		f->leaf = &c->server_cert->certs[0];
	f->n_server_certs = c->server_cert ? c->server_cert->n_certs : 0;
	f->cert_request = c->cert_request;
	f->client_cert_empty = c->client_cert && c->client_cert_empty;
	f->dh_bits = c->have_ske ? c->ske.dh_p_bits : 0;
	f->capture_sec = c->have_first ? c->first.ts_sec : 0;
	if (a) {
		f->has_alert = true;
		f->alert_from_server = a->from == TLS_FROM_SERVER;
		f->alert_encrypted = a->encrypted;
		f->alert_desc = a->desc;
		f->alert_after = a->after;
		f->alert_before_server_hello = a->before_server_hello;
		f->alert_after_certificate = a->after_certificate;
		f->alert_after_ske = a->after_ske;
	}
	if (c->first_closer >= 0) {
		const struct dir_state *d = &c->d[c->first_closer];
		f->closed = true;
		f->closed_by_server = c->first_closer == TLS_FROM_SERVER;
		f->closed_rst = d->how == TCP_EV_RST;
		f->closed_before_server_hello = !c->have_sh && !c->hrr;
	}
	fill_waiting(c, f);
}

static const char *outcome_of(const struct tls_conn *c, const struct diag_facts *f)
{
	bool valid = c->d[0].valid_record || c->d[1].valid_record;
	if (!f->any_data)
		return "no_data";
	if (f->not_tls)
		return "not_tls";
	if (!valid)
		return "incomplete";
	if (f->complete)
		return "handshake_complete";
	if (f->has_alert)
		return "failed";
	if (c->malformed)
		return "malformed";
	if (c->truncated || f->capture_ended_open)
		return "incomplete";
	return "failed";
}

void tls_conn_finish(struct tls_conn *c)
{
	struct diag_facts f;
	if (c->finished_called)
		return;
	note_partial(c, TLS_FROM_CLIENT);
	note_partial(c, TLS_FROM_SERVER);
	if (c->tls13 && !(c->finished_seen[TLS_FROM_CLIENT] && c->finished_seen[TLS_FROM_SERVER])) {
		/*
		 * Without both Finished decrypted: alert-sized records left out of
		 * the running check may complete it; a server whose only answer to
		 * the client's flight is an alert-sized record before it closes
		 * rejected it (a TLS 1.3 server checks the client's certificate
		 * after the client's Finished): not complete, whatever the client
		 * sent after.
		 */
		const struct dir_state *sv = &c->d[TLS_FROM_SERVER];
		bool rejected = sv->last_maybe_alert && sv->closed && sv->enc_real_after_peer == 0;
		c->complete = (c->complete || tls13_complete_now(c)) && !rejected;
	}
	infer_tls13_alerts(c);
	c->finished_called = true;
	fill_facts(c, &f);
	c->outcome = outcome_of(c, &f);
	diagnose(&f, &c->diag);
}

void tls_conn_facts(const struct tls_conn *c, bool *failed, bool *alerts)
{
	const char *outcome = c->outcome ? c->outcome : "incomplete";
	bool complete = strcmp(outcome, "handshake_complete") == 0;
	*failed = strcmp(outcome, "failed") == 0 || strcmp(outcome, "malformed") == 0;
	*alerts = false;
	/* close_notify (0) is how a session ends, not a problem; so is an encrypted alert after a complete handshake. */
	for (size_t i = 0; i < c->n_alerts; i++)
		if (c->alerts[i].encrypted ? !complete : c->alerts[i].desc != 0)
			*alerts = true;
}

bool tls_looks_like_tls(const uint8_t *p, size_t n)
{
	return tls_record_plausible(p, n);
}
