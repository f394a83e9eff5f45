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

/* Milliseconds from a to b (saturated; -1 when b is before a). */
static int64_t ms_between(const struct pkt_meta *a, const struct pkt_meta *b)
{
	int64_t s;
	if (__builtin_sub_overflow(b->ts_sec, a->ts_sec, &s) || s > INT64_C(1000000000) || s < -1)
		return -1;
	int64_t ms = s * 1000 + ((int64_t)b->ts_usec - a->ts_usec) / 1000;
	return ms < 0 ? -1 : ms;
}

/* The last ladder entry at or before frame (the message a close came after). */
static const char *entry_before(const struct tls_conn *c, uint64_t frame)
{
	const char *t = NULL;
	for (size_t i = 0; i < c->n_ladder && c->ladder[i].m.frame <= frame; i++)
		t = tls_entry_type(&c->ladder[i]);
	return t;
}

/* What the diagnosis weighs besides the alert: bytes, TCP set-up, silence, the chain, outside evidence. */
static void fill_facts_more(const struct tls_conn *c, const struct alert_entry *a, struct diag_facts *f)
{
	const struct dir_state *cl = &c->d[TLS_FROM_CLIENT], *sv = &c->d[TLS_FROM_SERVER];
	for (int i = 0; i < 2; i++) {
		f->bytes[i] = c->d[i].bytes;
		f->head[i] = c->d[i].head;
		f->head_len[i] = c->d[i].head_len;
		f->valid_record[i] = c->d[i].valid_record;
		f->max_record[i] = c->d[i].max_record;
	}
	f->tcp_syn = c->tcp_syn;
	f->tcp_synack = c->tcp_synack;
	f->hrr = c->hrr;
	f->hrr_group = c->hrr_group;
	f->client_cert_sent = c->client_cert && !c->client_cert_empty;
	f->chain = c->server_cert;
	f->server_addr = c->server;
	f->server_log = c->server_log;
	f->client_error = c->client_error;
	f->wait_ms = -1;
	if (cl->any_bytes && !sv->any_bytes) {
		if (cl->closed) {
			f->wait_ms = ms_between(&cl->last_m, &cl->close_m);
			f->client_gave_up = true;
		} else if (c->have_last) {
			f->wait_ms = ms_between(&cl->last_m, &c->last);
		}
	}
	if (c->first_closer >= 0)
		f->closed_after = entry_before(c, c->d[c->first_closer].close_m.frame);
	f->app_bytes[0] = cl->app_bytes;
	f->app_bytes[1] = sv->app_bytes;
	f->reaction_alert = -1;
	/* An alert sent after the peer closed answers the close: the close is what happened. */
	if (a && c->d[tls_peer_of(a->from)].closed && c->d[tls_peer_of(a->from)].close_m.frame < a->m.frame) {
		f->reaction_alert = a->encrypted ? -1 : a->desc;
		f->has_alert = false;
	}
	if (a && c->client_cert)
		for (size_t i = 0; i < c->n_ladder && c->ladder[i].m.frame <= a->m.frame; i++)
			if (c->ladder[i].dir == TLS_FROM_CLIENT && c->ladder[i].kind == E_HANDSHAKE &&
			    c->ladder[i].hs_type == TLS_HS_CERTIFICATE)
				f->alert_after_client_cert = true;
}

/*
 * Alerts told at the end (TLS 1.3, by size) join the list last: put the
 * list in frame order, keeping the ladder's indexes into it right.
 */
static void alerts_in_time_order(struct tls_conn *c)
{
	for (size_t i = 1; i < c->n_alerts; i++)
		for (size_t j = i; j > 0 && c->alerts[j - 1].m.frame > c->alerts[j].m.frame; j--) {
			struct alert_entry t = c->alerts[j];
			c->alerts[j] = c->alerts[j - 1];
			c->alerts[j - 1] = t;
			for (size_t k = 0; k < c->n_ladder; k++)
				if (c->ladder[k].alert == (int)j)
					c->ladder[k].alert = (int)j - 1;
				else if (c->ladder[k].alert == (int)j - 1)
					c->ladder[k].alert = (int)j;
		}
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
	fill_facts_more(c, a, f);
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
	alerts_in_time_order(c);
	c->finished_called = true;
	fill_facts(c, &f);
	c->outcome = outcome_of(c, &f);
	diagnose(&f, &c->diag);
}

void tls_conn_tcp_seen(struct tls_conn *c, bool syn, bool synack, const struct pkt_meta *last)
{
	c->tcp_syn = syn;
	c->tcp_synack = synack;
	if (last) {
		c->last = *last;
		c->have_last = true;
	}
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

void tls_conn_hints(struct tls_conn *c, const char *server_log, const char *client_error)
{
	struct diag_facts f;
	free(c->server_log);
	free(c->client_error);
	c->server_log = dup_or_null(server_log);
	c->client_error = dup_or_null(client_error);
	if (!c->finished_called)
		return;
	fill_facts(c, &f);
	diagnose(&f, &c->diag);
}

void tls_conn_view(const struct tls_conn *c, struct tls_conn_view *v)
{
	memset(v, 0, sizeof *v);
	v->ch = c->have_ch ? &c->ch : NULL;
	v->sh = c->have_sh ? &c->sh : NULL;
	v->hrr = c->hrr;
	v->hrr_group = c->hrr_group;
	v->server_cert = c->server_cert;
	v->ske = c->have_ske ? &c->ske : NULL;
	v->first = c->first;
	for (int i = 0; i < 2; i++) {
		v->head[i] = c->d[i].head;
		v->head_len[i] = c->d[i].head_len;
	}
}

void tls_conn_facts(const struct tls_conn *c, bool *failed, bool *alerts)
{
	const char *outcome = c->outcome ? c->outcome : "incomplete";
	*failed = strcmp(outcome, "failed") == 0 || strcmp(outcome, "malformed") == 0;
	*alerts = false;
	/*
	 * close_notify (0) is how a session ends, not a problem.  Encrypted
	 * alerts count: their reason is unknown, not absent (a client's
	 * bad_certificate after the handshake is one).
	 */
	for (size_t i = 0; i < c->n_alerts; i++)
		if (c->alerts[i].encrypted || c->alerts[i].desc != 0)
			*alerts = true;
}

bool tls_looks_like_tls(const uint8_t *p, size_t n)
{
	return tls_record_plausible(p, n);
}
