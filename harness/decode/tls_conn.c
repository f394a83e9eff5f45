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
#include "harness/decode/tls_conn.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/decode/diagnose.h"
#include "harness/decode/tls_handshake.h"
#include "harness/decode/tls_names.h"
#include "harness/decode/tls_record.h"
#include "harness/explain/explain.h"

#define LADDER_MAX 512
#define ALERTS_MAX 16
#define NOTES_MAX 32

enum entry_kind {
	E_HANDSHAKE,
	E_ENC_FINISHED, /* TLS <= 1.2: the encrypted handshake record after CCS */
	E_ENC_HANDSHAKE, /* a later encrypted handshake record (renegotiation) */
	E_CCS,
	E_ALERT,
	E_ENCRYPTED, /* TLS 1.3 encrypted handshake flight */
	E_APPDATA,
	E_HEARTBEAT,
	E_SSLV2_HELLO,
};

struct ladder_entry {
	enum tls_dir dir;
	enum entry_kind kind;
	struct pkt_meta m;
	uint8_t hs_type;
	uint32_t len; /* handshake message or record body bytes */
	uint64_t count; /* coalesced records */
	uint64_t bytes;
	bool maybe_alert; /* TLS 1.3: an alert-sized encrypted record, kept apart */
	int alert; /* index in alerts[], or -1 */
	char detail[160];
};

struct alert_entry {
	enum tls_dir from;
	int level; /* -1 when encrypted */
	int desc; /* -1 when encrypted */
	bool encrypted;
	bool inferred; /* TLS 1.3: told by size and position */
	struct pkt_meta m;
	char after[32];
	bool before_server_hello;
	bool after_certificate;
	bool after_ske;
	bool after_complete;
};

enum note_kind { NOTE_TRUNCATED, NOTE_MALFORMED, NOTE_INFO };

struct note {
	enum note_kind kind;
	int dir; /* -1 when about the connection */
	uint64_t frame;
	char text[160];
};

struct dir_state {
	struct tls_record_parser rp;
	struct tls_hs_reasm hs;
	bool any_bytes;
	bool valid_record; /* at least one record header passed */
	bool stopped; /* not decoded further (gap, snaplen, lost framing) */
	bool ccs; /* TLS <= 1.2: sent ChangeCipherSpec, all later records are encrypted */
	bool finished; /* sent its (encrypted) Finished */
	uint8_t ccs_byte;
	size_t ccs_have;
	uint8_t alert_buf[2];
	size_t alert_have;
	uint16_t record_version; /* of the current record */
	enum { R_IGNORE, R_HANDSHAKE, R_ALERT, R_CCS } route; /* where the current body goes */
	uint64_t enc_records; /* TLS 1.3 type-23 records */
	uint64_t enc_real; /* ... of them not alert-sized */
	uint64_t enc_real_after_peer; /* not alert-sized, after the peer's first encrypted record */
	size_t last_entry; /* ladder index of the last record entry, SIZE_MAX if none */
	bool last_maybe_alert;
	bool closed;
	enum tcp_event how;
	struct pkt_meta close_m;
	bool close_notify;
	uint64_t app_records, app_bytes;
};

struct tls_conn {
	char client[64];
	char server[64];
	struct dir_state d[2];
	bool have_first;
	struct pkt_meta first;
	const struct pkt_meta *cur; /* meta of the call in progress */

	struct ladder_entry *ladder;
	size_t n_ladder, cap_ladder;
	uint64_t ladder_dropped;
	struct alert_entry alerts[ALERTS_MAX];
	size_t n_alerts;
	uint64_t alerts_dropped;
	struct note *notes; /* heap, grown on the first notes: most connections have none (5.6 KB each saved) */
	size_t n_notes, cap_notes;
	uint64_t notes_dropped;

	bool have_ch;
	uint16_t ch_record_version;
	unsigned n_client_hellos;
	struct tls_client_hello ch;
	bool have_sh;
	struct tls_server_hello sh;
	bool hrr;
	bool tls13;
	size_t tls13_alert_len; /* record length of an encrypted alert under sh.suite */
	struct tls_certificate *server_cert; /* heap: several KiB, only when sent */
	bool client_cert;
	bool client_cert_empty;
	size_t client_cert_count;
	bool cert_request;
	struct tls_certificate_request cr;
	bool have_ske;
	struct tls_server_key_exchange ske;
	bool truncated;
	bool malformed;
	bool record_overflow;
	char malformed_what[192];
	bool complete;
	int first_closer; /* -1 none */
	bool finished_called;
	const char *outcome;
	struct diag_result diag;
};

static const char *dir_name(int d)
{
	return d == TLS_FROM_CLIENT ? "client" : "server";
}

static enum tls_dir peer_of(enum tls_dir d)
{
	return d == TLS_FROM_CLIENT ? TLS_FROM_SERVER : TLS_FROM_CLIENT;
}

static void copy_str(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src ? src : "");
}

static struct pkt_meta meta_now(const struct tls_conn *c)
{
	struct pkt_meta z = { 0, 0, 0 };
	return c->cur ? *c->cur : z;
}

static void see_meta(struct tls_conn *c, const struct pkt_meta *m)
{
	c->cur = m;
	if (m && !c->have_first) {
		c->first = *m;
		c->have_first = true;
	}
}

static void note_add(struct tls_conn *c, enum note_kind kind, int dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void note_add(struct tls_conn *c, enum note_kind kind, int dir, const char *fmt, ...)
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
	n->frame = meta_now(c).frame;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof n->text, fmt, ap);
	va_end(ap);
	if (kind == NOTE_MALFORMED && !c->malformed_what[0])
		snprintf(c->malformed_what, sizeof c->malformed_what, "%s: %s", dir_name(dir), n->text);
}

/* ---------------------------------------------------------------- */
/* Ladder */

static struct ladder_entry *ladder_add(struct tls_conn *c, enum tls_dir dir, enum entry_kind kind)
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
	e->m = meta_now(c);
	e->alert = -1;
	e->count = 1;
	c->d[dir].last_entry = c->n_ladder - 1;
	return e;
}

/* Adds a record to a run of the same kind from the same side, or starts one. */
static void ladder_count(struct tls_conn *c, enum tls_dir dir, enum entry_kind kind, size_t bytes,
			 bool apart)
{
	struct ladder_entry *last = c->n_ladder ? &c->ladder[c->n_ladder - 1] : NULL;
	if (!apart && last && last->dir == dir && last->kind == kind && !last->maybe_alert &&
	    c->ladder_dropped == 0) {
		last->count++;
		last->bytes += bytes;
		c->d[dir].last_entry = c->n_ladder - 1;
		return;
	}
	last = ladder_add(c, dir, kind);
	if (last) {
		last->bytes = bytes;
		last->len = (uint32_t)bytes;
		last->maybe_alert = apart;
	}
}

static const char *entry_type(const struct ladder_entry *e)
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
	copy_str(out, outlen, i > 0 && i <= c->n_ladder ? entry_type(&c->ladder[i - 1]) : "nothing");
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
static void alert_record(struct tls_conn *c, enum tls_dir dir, int level, int desc, bool encrypted,
			 size_t existing)
{
	struct ladder_entry *e;
	struct alert_entry *a;
	size_t at = existing == SIZE_MAX ? c->n_ladder : existing;
	char lb[24], db[24];

	if (c->n_alerts == ALERTS_MAX) {
		c->alerts_dropped++;
		if (existing == SIZE_MAX)
			ladder_count(c, dir, E_ALERT, 2, false);
		return;
	}
	a = &c->alerts[c->n_alerts];
	memset(a, 0, sizeof *a);
	a->from = dir;
	a->level = level;
	a->desc = desc;
	a->encrypted = encrypted;
	a->m = existing == SIZE_MAX ? meta_now(c) : c->ladder[existing].m;
	after_of(c, at, a->after, sizeof a->after);
	a->before_server_hello = !c->have_sh;
	a->after_certificate = saw_server_hs(c, at, TLS_HS_CERTIFICATE);
	a->after_ske = saw_server_hs(c, at, TLS_HS_SERVER_KEY_EXCHANGE);
	a->after_complete = c->complete;
	if (!encrypted && desc == TLS_AD_CLOSE_NOTIFY)
		c->d[dir].close_notify = true;
	if (existing == SIZE_MAX) {
		e = ladder_add(c, dir, E_ALERT);
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

static void alert_add(struct tls_conn *c, enum tls_dir dir, int level, int desc, bool encrypted)
{
	alert_record(c, dir, level, desc, encrypted, SIZE_MAX);
}

/* Plaintext alert bytes: level, description pairs (RFC 5246 7.2). */
static void alert_bytes(struct tls_conn *c, enum tls_dir dir, const uint8_t *p, size_t n)
{
	struct dir_state *d = &c->d[dir];
	for (size_t i = 0; i < n; i++) {
		d->alert_buf[d->alert_have++] = p[i];
		if (d->alert_have == 2) {
			if (d->alert_buf[0] != TLS_ALERT_WARNING && d->alert_buf[0] != TLS_ALERT_FATAL)
				note_add(c, NOTE_MALFORMED, dir, "alert level %u is neither warning nor fatal",
					 d->alert_buf[0]);
			alert_add(c, dir, d->alert_buf[0], d->alert_buf[1], false);
			d->alert_have = 0;
		}
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
		note_add(c, NOTE_MALFORMED, TLS_FROM_CLIENT, "ClientHello: %s", why);
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
		note_add(c, NOTE_INFO, TLS_FROM_CLIENT, "second ClientHello after HelloRetryRequest");
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
		note_add(c, NOTE_MALFORMED, TLS_FROM_SERVER, "ServerHello: %s", why);
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
		note_add(c, NOTE_INFO, TLS_FROM_SERVER,
			 "ServerHello random carries the TLS 1.3 downgrade sentinel (RFC 8446 4.1.3)");
	if (c->have_ch && !tls_client_hello_offers(&c->ch, sh.version) && sh.version != c->ch.legacy_version)
		note_add(c, NOTE_INFO, TLS_FROM_SERVER, "the server chose %s, which the client did not offer",
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
		note_add(c, NOTE_MALFORMED, dir, "Certificate: %s", why);
		if (e)
			snprintf(e->detail, sizeof e->detail, "(malformed: %s)", why);
		free(cm);
		return;
	}
	for (size_t i = 0; i < cm->n_kept; i++)
		if (cm->cert_status[i] != DECODE_OK)
			note_add(c, NOTE_MALFORMED, dir, "certificate %zu: %s", i, cm->cert_why[i]);
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
		note_add(c, NOTE_MALFORMED, TLS_FROM_SERVER, "ServerKeyExchange before ServerHello");
		return;
	}
	if (tls_hs_decode_server_key_exchange(body, c->sh.suite, c->sh.version, &ske, why, sizeof why) !=
	    DECODE_OK) {
		note_add(c, NOTE_MALFORMED, TLS_FROM_SERVER, "ServerKeyExchange: %s", why);
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

static const char *tls2str_hs(uint8_t type, char *buf, size_t buflen)
{
	return tok2str(tls_handshake_type_names, type, buf, buflen);
}

static void on_message(struct tls_conn *c, enum tls_dir dir, struct tls_hs_msg *m)
{
	struct ladder_entry *e = ladder_add(c, dir, m->sslv2 ? E_SSLV2_HELLO : E_HANDSHAKE);
	char why[TLS_WHY_LEN] = "", hb[24];
	bool from_server = dir == TLS_FROM_SERVER;
	struct tls_new_session_ticket nst;

	if (e) {
		e->hs_type = m->type;
		e->len = m->len;
	}
	if (m->too_big) {
		note_add(c, NOTE_INFO, dir, "%s of %" PRIu32 " bytes is over the decoder's bound of %u: not decoded",
			 tls2str_hs(m->type, hb, sizeof hb), m->len, TLS_HS_MAX_MSG);
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
			note_add(c, NOTE_MALFORMED, dir, "CertificateRequest: %s", why);
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
			note_add(c, NOTE_MALFORMED, dir, "%s: %s", tls2str_hs(m->type, hb, sizeof hb), why);
		break;
	case TLS_HS_NEW_SESSION_TICKET:
		if (tls_hs_decode_new_session_ticket(&m->body, c->have_sh ? c->sh.version : TLS_V_TLS12,
						     &nst, why, sizeof why) != DECODE_OK)
			note_add(c, NOTE_MALFORMED, dir, "NewSessionTicket: %s", why);
		else if (e)
			snprintf(e->detail, sizeof e->detail, "(lifetime %" PRIu32 " s)", nst.lifetime);
		break;
	default:
		/* ClientKeyExchange, CertificateVerify, ...: named, not decoded. */
		break;
	}
	return;
wrong_side:
	note_add(c, NOTE_MALFORMED, dir, "%s sent by the %s", tls2str_hs(m->type, hb, sizeof hb),
		 dir_name(dir));
}

/* ---------------------------------------------------------------- */
/* Records */

static bool tls13_complete_now(const struct tls_conn *c)
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
	bool peer_started = c->d[peer_of(dir)].enc_records > 0;
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
	ladder_count(c, dir, kind, len, alert_sized);
	d->last_maybe_alert = alert_sized;
}

static void check_plain_size(struct tls_conn *c, enum tls_dir dir, const struct tls_record_hdr *h)
{
	if (h->length > TLS_RECORD_MAX_PLAIN) {
		c->record_overflow = true;
		note_add(c, NOTE_MALFORMED, dir,
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
		ladder_add(c, dir, E_CCS);
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
			alert_add(c, dir, -1, -1, true);
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
			e = ladder_add(c, dir, d->finished ? E_ENC_HANDSHAKE : E_ENC_FINISHED);
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
			note_add(c, NOTE_MALFORMED, dir,
				 "application data before ChangeCipherSpec (RFC 5246 7.1)");
		d->app_records++;
		d->app_bytes += h->length;
		ladder_count(c, dir, E_APPDATA, h->length, false);
		break;
	case TLS_CT_HEARTBEAT:
	default:
		ladder_count(c, dir, E_HEARTBEAT, h->length, false);
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
		alert_bytes(c, dir, p, n);
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
		note_add(c, NOTE_MALFORMED, dir, "ChangeCipherSpec body is not the single byte 1");
	d->route = R_IGNORE;
}

/* ---------------------------------------------------------------- */
/* Public API */

struct tls_conn *tls_conn_new(const char *client, const char *server)
{
	struct tls_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	copy_str(c->client, sizeof c->client, client);
	copy_str(c->server, sizeof c->server, server);
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
	free(c->notes);
	free(c);
}

size_t tls_conn_footprint(const struct tls_conn *c)
{
	size_t n = sizeof *c + c->cap_ladder * sizeof *c->ladder + c->cap_notes * sizeof *c->notes;
	if (c->server_cert)
		n += sizeof *c->server_cert;
	for (int i = 0; i < 2; i++)
		n += c->d[i].hs.buf ? c->d[i].hs.len : 0;
	return n;
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
			note_add(c, NOTE_MALFORMED, dir, "%s", ev.why);
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
		note_add(c, NOTE_TRUNCATED, dir,
			 "the capture lost %" PRIu64 " bytes inside an encrypted record; decoding goes on",
			 missing);
	} else {
		if (!d->stopped)
			note_add(c, NOTE_TRUNCATED, dir,
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
		note_add(c, NOTE_TRUNCATED, dir,
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
		d->close_m = meta_now(c);
	}
	if (c->first_closer < 0)
		c->first_closer = (int)dir;
	c->cur = NULL;
}

/* ---------------------------------------------------------------- */
/* Finishing: outcome and diagnosis */

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
		note_add(c, kind, dir, "%s inside a %s (%zu of %" PRIu32 " bytes)", how,
			 tls2str_hs(type, hb, sizeof hb), have, want);
	else if (tls_record_partial(&d->rp))
		note_add(c, kind, dir, "%s inside a record", how);
}

/* TLS 1.3: the last record of a side that then closed, if alert-sized, was an alert. */
static void infer_tls13_alerts(struct tls_conn *c)
{
	for (int i = 0; i < 2; i++) {
		struct dir_state *d = &c->d[i];
		if (!c->tls13 || !d->last_maybe_alert || !d->closed || d->last_entry == SIZE_MAX ||
		    d->last_entry >= c->n_ladder || c->ladder[d->last_entry].count != 1)
			continue;
		alert_record(c, (enum tls_dir)i, -1, -1, true, d->last_entry);
	}
}

/* The alert that ended the handshake: first fatal or encrypted, not after completion. */
static const struct alert_entry *failing_alert(const struct tls_conn *c)
{
	const struct alert_entry *warn = NULL;
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_entry *a = &c->alerts[i];
		if (a->after_complete || (!a->encrypted && a->desc == TLS_AD_CLOSE_NOTIFY))
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

static void fill_facts(const struct tls_conn *c, struct diag_facts *f)
{
	const struct alert_entry *a = failing_alert(c);
	const struct dir_state *cl = &c->d[TLS_FROM_CLIENT], *sv = &c->d[TLS_FROM_SERVER];

	memset(f, 0, sizeof *f);
	f->any_data = cl->any_bytes || sv->any_bytes;
	f->not_tls = f->any_data && !cl->valid_record && !sv->valid_record && c->malformed;
	f->truncated = c->truncated;
	f->malformed = c->malformed;
	copy_str(f->malformed_what, sizeof f->malformed_what, c->malformed_what);
	f->record_overflow_seen = c->record_overflow;
	f->complete = c->complete;
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
	if (c->complete)
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
	if (c->tls13 && !c->complete) {
		/* Alert-sized records left out of the running check may complete it. */
		c->complete = tls13_complete_now(c) &&
			      !(c->d[TLS_FROM_SERVER].last_maybe_alert && c->d[TLS_FROM_SERVER].closed &&
				c->d[TLS_FROM_SERVER].enc_real_after_peer == 0);
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

/* ---------------------------------------------------------------- */
/* Reports */

/* Seconds since the first packet, "0.000123". */
static void rel_time(const struct tls_conn *c, const struct pkt_meta *m, char *out, size_t outlen)
{
	/* Timestamps come from the file: any int64 (pcapng's are 64-bit), so no product that can overflow. */
	int64_t sec = 0, usec = 0;
	if (c->have_first)
		usec = (int64_t)m->ts_usec - c->first.ts_usec;
	if (c->have_first && (__builtin_sub_overflow(m->ts_sec, c->first.ts_sec, &sec) ||
			      __builtin_add_overflow(sec, usec / 1000000, &sec))) {
		snprintf(out, outlen, "?");
		return;
	}
	usec %= 1000000;
	if (sec > 0 && usec < 0) {
		sec--;
		usec += 1000000;
	} else if (sec < 0 && usec > 0) {
		sec++;
		usec -= 1000000;
	}
	bool neg = sec < 0 || usec < 0;
	uint64_t s = neg ? (uint64_t)0 - (uint64_t)sec : (uint64_t)sec;
	snprintf(out, outlen, "%s%" PRIu64 ".%06" PRId64, neg ? "-" : "", s, usec < 0 ? -usec : usec);
}

static void names16(struct jw *w, const char *key, const struct tls_list16 *l, const struct tok *table)
{
	char b[32];
	jw_array(w, key);
	for (size_t i = 0; i < l->n; i++)
		jw_str(w, NULL, tls_name16(table, l->v[i], b, sizeof b));
	jw_end(w);
}

static void versions_json(struct jw *w, const struct tls_client_hello *ch)
{
	static const uint16_t all[] = { TLS_V_TLS13, TLS_V_TLS12, TLS_V_TLS11, TLS_V_TLS10, TLS_V_SSL3 };
	char b[16];
	jw_array(w, "versions");
	if (ch->has_versions) {
		for (size_t i = 0; i < ch->versions.n; i++)
			jw_str(w, NULL, tls_version_short(ch->versions.v[i], b, sizeof b));
	} else {
		for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
			if (tls_client_hello_offers(ch, all[i]))
				jw_str(w, NULL, tls_version_short(all[i], b, sizeof b));
		if (ch->sslv2)
			jw_str(w, NULL, "SSLv2");
	}
	jw_end(w);
}

/* "0x%04x" without snprintf: written for every suite a ClientHello offers. */
static const char *hex16(uint16_t v, char out[7])
{
	static const char digits[] = "0123456789abcdef";
	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < 4; i++)
		out[2 + i] = digits[(v >> (12 - 4 * i)) & 15];
	out[6] = '\0';
	return out;
}

static void client_hello_json(struct jw *w, const struct tls_conn *c)
{
	const struct tls_client_hello *ch = &c->ch;
	size_t kx[TLS_KX_SCSV + 1] = { 0 };
	struct tls_suite_info si;
	char b[64], hex[8];

	jw_object(w, "client_hello");
	jw_bool(w, "sslv2_format", ch->sslv2);
	jw_str(w, "record_version", tls_version_short(c->ch_record_version, b, sizeof b));
	jw_str(w, "legacy_version", tls_version_short(ch->legacy_version, b, sizeof b));
	versions_json(w, ch);
	jw_int(w, "session_id_length", ch->session_id_len);
	jw_array(w, "cipher_suites");
	for (size_t i = 0; i < ch->suites.n; i++) {
		jw_object(w, NULL);
		jw_str(w, "id", hex16(ch->suites.v[i], hex));
		jw_str(w, "name", tls_name16(tls_cipher_suite_names, ch->suites.v[i], b, sizeof b));
		jw_end(w);
		if (tls_suite_info(ch->suites.v[i], &si))
			kx[si.kx]++;
	}
	jw_end(w);
	jw_int(w, "cipher_suites_total", (long long)ch->suites.total);
	jw_object(w, "key_exchange_kinds");
	for (int k = TLS_KX_NULL; k <= TLS_KX_SCSV; k++)
		if (kx[k])
			jw_int(w, tls_kx_name((enum tls_kx)k), (long long)kx[k]);
	jw_end(w);
	jw_int(w, "compression_methods", ch->n_compression);
	names16(w, "extensions", &ch->extensions, tls_extension_names);
	names16(w, "supported_groups", &ch->groups, tls_group_names);
	names16(w, "key_share", &ch->key_share_groups, tls_group_names);
	names16(w, "signature_algorithms", &ch->sigalgs, tls_sigscheme_names);
	jw_array(w, "ec_point_formats");
	for (size_t i = 0; i < ch->n_ec_point_formats; i++)
		jw_str(w, NULL, tok2str(tls_ec_point_format_names, ch->ec_point_formats[i], b, sizeof b));
	jw_end(w);
	jw_str(w, "sni", ch->has_sni ? ch->sni : NULL);
	jw_str(w, "alpn", ch->alpn[0] ? ch->alpn : NULL);
	if (ch->max_fragment_length >= 1 && ch->max_fragment_length <= 4)
		jw_int(w, "max_fragment_length", 256 << ch->max_fragment_length);
	else if (ch->max_fragment_length)
		jw_int(w, "max_fragment_length", -1);
	else
		jw_null(w, "max_fragment_length");
	jw_bool(w, "renegotiation_info", ch->renegotiation_info);
	jw_bool(w, "extended_master_secret", ch->extended_master_secret);
	jw_bool(w, "fallback_scsv", ch->fallback_scsv);
	jw_end(w);
}

static void server_hello_json(struct jw *w, const struct tls_conn *c)
{
	const struct tls_server_hello *sh = &c->sh;
	char b[64];
	jw_object(w, "server_hello");
	jw_str(w, "legacy_version", tls_version_short(sh->legacy_version, b, sizeof b));
	jw_str(w, "selected_version",
	       sh->selected_version ? tls_version_short(sh->selected_version, b, sizeof b) : NULL);
	jw_str(w, "cipher_suite", tls_name16(tls_cipher_suite_names, sh->suite, b, sizeof b));
	jw_int(w, "compression", sh->compression);
	names16(w, "extensions", &sh->extensions, tls_extension_names);
	jw_str(w, "key_share", sh->key_share_group ? tls_name16(tls_group_names, sh->key_share_group, b, sizeof b) : NULL);
	jw_str(w, "alpn", sh->alpn[0] ? sh->alpn : NULL);
	if (sh->max_fragment_length >= 1 && sh->max_fragment_length <= 4)
		jw_int(w, "max_fragment_length", 256 << sh->max_fragment_length);
	else
		jw_null(w, "max_fragment_length");
	jw_bool(w, "hello_retry_request", c->hrr);
	jw_bool(w, "downgrade_sentinel", sh->downgrade_sentinel);
	jw_end(w);
}

/* Past 2038-01-19 03:14:07Z a 32-bit time_t wraps (the ESP8266 2118 -> 1982 case). */
#define TIME32_MAX INT64_C(2147483647)

static void cert_json(struct jw *w, const struct x509_info *x)
{
	jw_object(w, NULL);
	jw_str(w, "subject", x->subject);
	jw_str(w, "issuer", x->issuer);
	jw_str(w, "common_name", x->common_name[0] ? x->common_name : NULL);
	jw_str(w, "not_before", x->not_before);
	jw_str(w, "not_before_type", x->not_before_generalized ? "GeneralizedTime" : "UTCTime");
	jw_str(w, "not_after", x->not_after);
	jw_str(w, "not_after_type", x->not_after_generalized ? "GeneralizedTime" : "UTCTime");
	jw_bool(w, "not_after_past_2038", x->times_ok && x->not_after_epoch > TIME32_MAX);
	jw_array(w, "san");
	for (size_t i = 0; i < x->n_san; i++)
		jw_str(w, NULL, x->san[i]);
	jw_end(w);
	jw_str(w, "key_type", x->key_type);
	jw_int(w, "key_bits", x->key_bits);
	jw_bool(w, "basic_constraints", x->has_basic_constraints);
	if (x->has_basic_constraints)
		jw_bool(w, "ca", x->is_ca);
	else
		jw_null(w, "ca");
	if (x->path_len >= 0)
		jw_int(w, "path_len", x->path_len);
	else
		jw_null(w, "path_len");
	jw_str(w, "signature_algorithm", x->sig_alg);
	jw_bool(w, "self_issued", x->self_issued);
	jw_end(w);
}

static void certs_json(struct jw *w, const struct tls_conn *c)
{
	const struct tls_certificate *cm = c->server_cert;
	jw_array(w, "certificates");
	for (size_t i = 0; cm && i < cm->n_kept; i++) {
		if (cm->cert_status[i] == DECODE_OK) {
			cert_json(w, &cm->certs[i]);
		} else {
			jw_object(w, NULL);
			jw_str(w, "malformed", cm->cert_why[i]);
			jw_end(w);
		}
	}
	jw_end(w);
}

static void alert_json(struct jw *w, const struct tls_conn *c, const struct alert_entry *a)
{
	char b[24], t[32];
	jw_object(w, NULL);
	jw_str(w, "from", dir_name(a->from));
	if (a->encrypted) {
		jw_null(w, "level");
		jw_null(w, "description");
		jw_str(w, "name", "encrypted_alert");
	} else {
		jw_str(w, "level", tok2str(tls_alert_level_names, (unsigned)a->level, b, sizeof b));
		jw_int(w, "description", a->desc);
		jw_str(w, "name", tok2str(tls_alert_names, (unsigned)a->desc, b, sizeof b));
	}
	jw_bool(w, "encrypted", a->encrypted);
	if (a->inferred)
		jw_bool(w, "inferred_from_size", true);
	jw_int(w, "frame", (long long)a->m.frame);
	rel_time(c, &a->m, t, sizeof t);
	jw_str(w, "time", t);
	jw_str(w, "after", a->after);
	jw_end(w);
}

static void end_json(struct jw *w, const struct tls_conn *c)
{
	static const char *const closed_key[2] = { "client_closed", "server_closed" };
	static const char *const notify_key[2] = { "close_notify_from_client", "close_notify_from_server" };
	const struct dir_state *first = c->first_closer >= 0 ? &c->d[c->first_closer] : NULL;
	jw_object(w, "end");
	jw_str(w, "by", first ? dir_name(c->first_closer) : NULL);
	jw_str(w, "how", first ? (first->how == TCP_EV_RST ? "RST" : "FIN") : "capture_ended");
	if (first)
		jw_int(w, "frame", (long long)first->close_m.frame);
	else
		jw_null(w, "frame");
	for (int i = 0; i < 2; i++) {
		const struct dir_state *d = &c->d[i];
		jw_str(w, closed_key[i], d->closed ? (d->how == TCP_EV_RST ? "RST" : "FIN") : NULL);
		jw_bool(w, notify_key[i], d->close_notify);
	}
	jw_end(w);
}

static const char *note_kind_name(enum note_kind k)
{
	switch (k) {
	case NOTE_TRUNCATED: return "truncated";
	case NOTE_MALFORMED: return "malformed";
	case NOTE_INFO:
	default: return "info";
	}
}

struct jv *tls_conn_to_json(const struct tls_conn *c)
{
	struct jw *w = jw_open_tree();
	tls_conn_write_json(w, NULL, c);
	return jw_close_tree(w);
}

void tls_conn_write_json(struct jw *w, const char *key, const struct tls_conn *c)
{
	char b[64], t[32];

	jw_object(w, key);
	jw_str(w, "client", c->client);
	jw_str(w, "server", c->server);
	jw_str(w, "outcome", c->outcome ? c->outcome : "incomplete");
	jw_str(w, "version", c->have_sh ? tls_version_short(c->sh.version, b, sizeof b) : NULL);
	jw_str(w, "cipher_suite", c->have_sh ? tls_name16(tls_cipher_suite_names, c->sh.suite, b, sizeof b) : NULL);
	jw_array(w, "messages");
	for (size_t i = 0; i < c->n_ladder; i++) {
		const struct ladder_entry *e = &c->ladder[i];
		jw_object(w, NULL);
		jw_str(w, "from", dir_name(e->dir));
		jw_int(w, "frame", (long long)e->m.frame);
		rel_time(c, &e->m, t, sizeof t);
		jw_str(w, "time", t);
		jw_str(w, "type", entry_type(e));
		if (e->kind == E_ENCRYPTED || e->kind == E_APPDATA || e->kind == E_HEARTBEAT) {
			jw_int(w, "records", (long long)e->count);
			jw_int(w, "bytes", (long long)e->bytes);
		} else {
			jw_int(w, "length", e->len);
		}
		jw_bool(w, "encrypted", e->kind == E_ENC_FINISHED || e->kind == E_ENC_HANDSHAKE ||
						e->kind == E_ENCRYPTED ||
						(e->kind == E_ALERT && e->alert >= 0 && c->alerts[e->alert].encrypted));
		if (e->detail[0])
			jw_str(w, "summary", e->detail);
		jw_end(w);
	}
	jw_end(w);
	if (c->ladder_dropped)
		jw_int(w, "messages_not_listed", (long long)c->ladder_dropped);
	jw_array(w, "alerts");
	for (size_t i = 0; i < c->n_alerts; i++)
		alert_json(w, c, &c->alerts[i]);
	jw_end(w);
	end_json(w, c);
	if (c->have_ch)
		client_hello_json(w, c);
	else
		jw_null(w, "client_hello");
	if (c->have_sh)
		server_hello_json(w, c);
	else
		jw_null(w, "server_hello");
	if (c->have_ske) {
		jw_object(w, "server_key_exchange");
		jw_str(w, "group", c->ske.group ? tls_name16(tls_group_names, c->ske.group, b, sizeof b) : NULL);
		if (c->ske.dh_p_bits)
			jw_int(w, "dh_bits", c->ske.dh_p_bits);
		else
			jw_null(w, "dh_bits");
		jw_str(w, "signature_algorithm",
		       c->ske.has_sigalg ? tls_name16(tls_sigscheme_names, c->ske.sigalg, b, sizeof b) : NULL);
		jw_end(w);
	}
	certs_json(w, c);
	jw_bool(w, "certificate_request", c->cert_request);
	if (c->client_cert)
		jw_int(w, "client_certificates", (long long)c->client_cert_count);
	else
		jw_null(w, "client_certificates");
	jw_object(w, "application_data");
	for (int i = 0; i < 2; i++) {
		jw_object(w, dir_name(i));
		jw_int(w, "records", (long long)c->d[i].app_records);
		jw_int(w, "bytes", (long long)c->d[i].app_bytes);
		jw_end(w);
	}
	jw_end(w);
	jw_array(w, "notes");
	for (size_t i = 0; i < c->n_notes; i++) {
		const struct note *n = &c->notes[i];
		jw_object(w, NULL);
		jw_str(w, "kind", note_kind_name(n->kind));
		jw_str(w, "from", n->dir >= 0 ? dir_name(n->dir) : NULL);
		jw_int(w, "frame", (long long)n->frame);
		jw_str(w, "text", n->text);
		jw_end(w);
	}
	jw_end(w);
	jw_object(w, "diagnosis");
	jw_str(w, "code", c->diag.code);
	jw_str(w, "summary", c->diag.summary);
	jw_str(w, "evidence", c->diag.evidence);
	jw_str(w, "fix", c->diag.fix);
	/* How the same failure shows up on each device stack: [] when it is not a stack's failure. */
	explain_equiv_devices_write(w, "equivalents", c->diag.equiv);
	jw_end(w);
	jw_end(w);
}

void tls_conn_print_text(FILE *out, const struct tls_conn *c)
{
	char b[64], t[32];
	fprintf(out, "TLS %s -> %s: %s", c->client, c->server, c->outcome ? c->outcome : "incomplete");
	if (c->have_sh)
		fprintf(out, ", %s %s", tls_version_short(c->sh.version, b, sizeof b),
			tls_name16(tls_cipher_suite_names, c->sh.suite, b + 16, sizeof b - 16));
	fputc('\n', out);
	for (size_t i = 0; i < c->n_ladder; i++) {
		const struct ladder_entry *e = &c->ladder[i];
		rel_time(c, &e->m, t, sizeof t);
		fprintf(out, "  #%-4" PRIu64 " %s  %s -> %s  ", e->m.frame, t, dir_name(e->dir),
			dir_name(peer_of(e->dir)));
		switch (e->kind) {
		case E_ENCRYPTED:
			fprintf(out, "encrypted record(s) \u00d7%" PRIu64 " (%" PRIu64 " bytes)", e->count, e->bytes);
			break;
		case E_APPDATA:
			fprintf(out, "Application data \u00d7%" PRIu64 " (%" PRIu64 " bytes)", e->count, e->bytes);
			break;
		case E_HEARTBEAT:
			fprintf(out, "Heartbeat \u00d7%" PRIu64, e->count);
			break;
		case E_HANDSHAKE:
		case E_SSLV2_HELLO:
		case E_ENC_FINISHED:
		case E_ENC_HANDSHAKE:
		case E_CCS:
		case E_ALERT:
		default:
			fprintf(out, "%s", entry_type(e));
			if (e->detail[0])
				fprintf(out, " %s", e->detail);
			break;
		}
		fputc('\n', out);
	}
	if (c->ladder_dropped)
		fprintf(out, "  ... %" PRIu64 " more records not listed\n", c->ladder_dropped);
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_entry *a = &c->alerts[i];
		if (a->encrypted)
			fprintf(out, "  alert: %s sent an encrypted alert (level and description unknown)%s, #%" PRIu64 ", after %s\n",
				dir_name(a->from), a->inferred ? " [told by its size]" : "", a->m.frame, a->after);
		else
			fprintf(out, "  alert: %s sent %s %s (%d), #%" PRIu64 ", after %s\n", dir_name(a->from),
				tok2str(tls_alert_level_names, (unsigned)a->level, b, sizeof b),
				tok2str(tls_alert_names, (unsigned)a->desc, b + 24, sizeof b - 24), a->desc,
				a->m.frame, a->after);
	}
	if (c->first_closer >= 0) {
		const struct dir_state *d = &c->d[c->first_closer];
		fprintf(out, "  end: %s sent %s, #%" PRIu64 "\n", dir_name(c->first_closer),
			d->how == TCP_EV_RST ? "RST" : "FIN", d->close_m.frame);
	} else {
		fprintf(out, "  end: the capture ended with the connection open\n");
	}
	for (size_t i = 0; i < c->n_notes; i++)
		fprintf(out, "  note (%s%s%s): %s\n", note_kind_name(c->notes[i].kind),
			c->notes[i].dir >= 0 ? ", " : "", c->notes[i].dir >= 0 ? dir_name(c->notes[i].dir) : "",
			c->notes[i].text);
	fprintf(out, "diagnosis: %s - %s\n", c->diag.code ? c->diag.code : "none",
		c->diag.summary ? c->diag.summary : "");
	if (c->diag.evidence[0])
		fprintf(out, "  evidence: %s\n", c->diag.evidence);
	if (c->diag.fix && c->diag.fix[0])
		fprintf(out, "  fix: %s\n", c->diag.fix);
	if (c->diag.equiv) {
		char line[2048];
		fprintf(out, "  same failure on each stack: %s\n",
			explain_equiv_line_devices(c->diag.equiv, line, sizeof line));
	}
}
