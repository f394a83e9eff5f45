/*
 * tls_ladder.c - what a connection's report lists: notes, the message
 * ladder (one entry per message, runs of records coalesced) and the alert
 * list, with the names they are printed by.
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

const char *tls_dir_name(int d)
{
	return d == TLS_FROM_CLIENT ? "client" : "server";
}

enum tls_dir tls_peer_of(enum tls_dir d)
{
	return d == TLS_FROM_CLIENT ? TLS_FROM_SERVER : TLS_FROM_CLIENT;
}

void tls_copy_str(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src ? src : "");
}

struct pkt_meta tls_meta_now(const struct tls_conn *c)
{
	struct pkt_meta z = { 0, 0, 0 };
	return c->cur ? *c->cur : z;
}


void tls_note_add(struct tls_conn *c, enum note_kind kind, int dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void tls_note_add(struct tls_conn *c, enum note_kind kind, int dir, const char *fmt, ...)
{
	struct note *n;
	va_list ap;
	if (kind == NOTE_MALFORMED) {
		c->malformed = true;
	}
	if (kind == NOTE_TRUNCATED)
		c->truncated = true;
	if (c->n_notes == c->cap_notes) {
		size_t cap = c->cap_notes ? c->cap_notes * 2 : 4;
		struct note *grown = cap <= NOTES_MAX ? realloc(c->notes, cap * sizeof *grown) : NULL;
		if (!grown) {
			c->notes_dropped++;
			return;
		}
		c->notes = grown;
		c->cap_notes = cap;
	}
	n = &c->notes[c->n_notes++];
	n->kind = kind;
	n->dir = dir;
	n->frame = tls_meta_now(c).frame;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof n->text, fmt, ap);
	va_end(ap);
	if (kind == NOTE_MALFORMED && !c->malformed_what[0])
		snprintf(c->malformed_what, sizeof c->malformed_what, "%s: %.180s", tls_dir_name(dir), n->text);
}

/* ---------------------------------------------------------------- */
/* Ladder */

struct ladder_entry *tls_ladder_add(struct tls_conn *c, enum tls_dir dir, enum entry_kind kind)
{
	struct ladder_entry *e;
	if (c->n_ladder == c->cap_ladder) {
		size_t cap = c->cap_ladder ? c->cap_ladder * 2 : 4; /* most failures have a few entries */
		struct ladder_entry *n;
		if (c->n_ladder >= LADDER_MAX || !(n = realloc(c->ladder, cap * sizeof *n))) {
			c->ladder_dropped++;
			return NULL;
		}
		c->ladder = n;
		c->cap_ladder = cap;
	}
	e = &c->ladder[c->n_ladder++];
	memset(e, 0, sizeof *e);
	e->dir = dir;
	e->kind = kind;
	e->m = tls_meta_now(c);
	e->alert = -1;
	e->count = 1;
	e->decrypted = c->decrypting;
	c->d[dir].last_entry = c->n_ladder - 1;
	return e;
}

/* Adds a record to a run of the same kind from the same side, or starts one. */
void tls_ladder_count(struct tls_conn *c, enum tls_dir dir, enum entry_kind kind, size_t bytes,
			 bool apart)
{
	struct ladder_entry *last = c->n_ladder ? &c->ladder[c->n_ladder - 1] : NULL;
	if (!apart && last && last->dir == dir && last->kind == kind && !last->maybe_alert &&
	    last->decrypted == c->decrypting && c->ladder_dropped == 0) {
		last->count++;
		last->bytes += bytes;
		c->d[dir].last_entry = c->n_ladder - 1;
		return;
	}
	last = tls_ladder_add(c, dir, kind);
	if (last) {
		last->bytes = bytes;
		last->len = (uint32_t)bytes;
		last->maybe_alert = apart;
	}
}

const char *tls_entry_type(const struct ladder_entry *e)
{
	switch (e->kind) {
	case E_HANDSHAKE:
		return tok_name(tls_handshake_type_names, e->hs_type) ? tok_name(tls_handshake_type_names, e->hs_type)
								     : "UnknownHandshake";
	case E_SSLV2_HELLO: return "ClientHello";
	case E_ENC_FINISHED: return "Finished";
	case E_ENC_HANDSHAKE: return "EncryptedHandshake";
	case E_CCS: return "ChangeCipherSpec";
	case E_ALERT: return "Alert";
	case E_ENCRYPTED: return "EncryptedRecords";
	case E_APPDATA: return "ApplicationData";
	case E_HEARTBEAT: return "Heartbeat";
	default: return "unknown";
	}
}

/* The message before ladder index i, for an alert's `after`. */
static void after_of(const struct tls_conn *c, size_t i, char *out, size_t outlen)
{
	tls_copy_str(out, outlen, i > 0 && i <= c->n_ladder ? tls_entry_type(&c->ladder[i - 1]) : "nothing");
}

/* ---------------------------------------------------------------- */
/* Alerts */

static bool saw_server_hs(const struct tls_conn *c, size_t upto, uint8_t type)
{
	for (size_t i = 0; i < upto && i < c->n_ladder; i++)
		if (c->ladder[i].dir == TLS_FROM_SERVER && c->ladder[i].kind == E_HANDSHAKE &&
		    c->ladder[i].hs_type == type)
			return true;
	return false;
}

/* Records an alert; `at` is its ladder index when the entry exists already (SIZE_MAX: add one). */
void tls_alert_record(struct tls_conn *c, enum tls_dir dir, int level, int desc, bool encrypted,
			 size_t existing)
{
	struct ladder_entry *e;
	struct alert_entry *a;
	size_t at = existing == SIZE_MAX ? c->n_ladder : existing;
	size_t slot = c->n_alerts;
	char lb[24], db[24];

	if (c->n_alerts == ALERTS_MAX) {
		/*
		 * Full: the first ALERTS_MAX - 1 stay, the last slot holds the
		 * latest alert, so the one that ended the connection is never
		 * lost; a warning does not push out a fatal or unreadable one.
		 * The others are counted.
		 */
		slot = ALERTS_MAX - 1;
		a = &c->alerts[slot];
		c->alerts_dropped++;
		if ((a->encrypted || a->level == TLS_ALERT_FATAL) && !encrypted && level == TLS_ALERT_WARNING) {
			if (existing == SIZE_MAX)
				tls_ladder_count(c, dir, E_ALERT, 2, false);
			return;
		}
		for (size_t i = 0; i < c->n_ladder; i++)
			if (c->ladder[i].alert == (int)slot)
				c->ladder[i].alert = -1;
		c->n_alerts--;
	}
	a = &c->alerts[slot];
	memset(a, 0, sizeof *a);
	a->from = dir;
	a->level = level;
	a->desc = desc;
	a->encrypted = encrypted;
	a->m = existing == SIZE_MAX ? tls_meta_now(c) : c->ladder[existing].m;
	after_of(c, at, a->after, sizeof a->after);
	a->before_server_hello = !c->have_sh;
	a->after_certificate = saw_server_hs(c, at, TLS_HS_CERTIFICATE);
	a->after_ske = saw_server_hs(c, at, TLS_HS_SERVER_KEY_EXCHANGE);
	a->after_complete = c->complete;
	a->decrypted = c->decrypting;
	if (a->decrypted && level == TLS_ALERT_FATAL)
		c->fatal_decrypted = true;
	if (!encrypted && desc == TLS_AD_CLOSE_NOTIFY)
		c->d[dir].close_notify = true;
	if (existing == SIZE_MAX) {
		e = tls_ladder_add(c, dir, E_ALERT);
	} else {
		e = &c->ladder[existing];
		e->kind = E_ALERT;
		a->inferred = true;
	}
	if (e) {
		e->alert = (int)c->n_alerts;
		e->len = 2;
		if (encrypted)
			snprintf(e->detail, sizeof e->detail, "(encrypted)");
		else
			snprintf(e->detail, sizeof e->detail, "(%s %s, %d)",
				 tok2str(tls_alert_level_names, (unsigned)level, lb, sizeof lb),
				 tok2str(tls_alert_names, (unsigned)desc, db, sizeof db), desc);
	}
	c->n_alerts++;
}

void tls_alert_add(struct tls_conn *c, enum tls_dir dir, int level, int desc, bool encrypted)
{
	tls_alert_record(c, dir, level, desc, encrypted, SIZE_MAX);
}

/* Plaintext alert bytes: level, description pairs (RFC 5246 7.2). */
void tls_alert_bytes(struct tls_conn *c, enum tls_dir dir, const uint8_t *p, size_t n)
{
	struct dir_state *d = &c->d[dir];
	for (size_t i = 0; i < n; i++) {
		d->alert_buf[d->alert_have++] = p[i];
		if (d->alert_have == 2) {
			if (d->alert_buf[0] != TLS_ALERT_WARNING && d->alert_buf[0] != TLS_ALERT_FATAL)
				tls_note_add(c, NOTE_MALFORMED, dir, "alert level %u is neither warning nor fatal",
					 d->alert_buf[0]);
			tls_alert_add(c, dir, d->alert_buf[0], d->alert_buf[1], false);
			d->alert_have = 0;
		}
	}
}


const char *tls_hs_name(uint8_t type, char *buf, size_t buflen)
{
	return tok2str(tls_handshake_type_names, type, buf, buflen);
}
