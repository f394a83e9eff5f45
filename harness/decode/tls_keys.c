/*
 * tls_keys.c - a connection's keys from the key log, and its encrypted
 * records decrypted (through tls_decrypt.c) and decoded like plaintext.
 *
 * How this works: at the ServerHello the connection looks its client
 * random up in the key log.  TLS <= 1.2: the master secret gives both
 * sides' keys, each taking effect at that side's ChangeCipherSpec (a
 * renegotiation's ServerHello, decrypted, prepares the next ones).  TLS
 * 1.3: the handshake traffic secrets take effect at once; a side's
 * Finished moves it to its application secret, a KeyUpdate to the next
 * generation.  A record to decrypt is gathered whole (at most 2^14+2048
 * bytes), opened at its end, and its plaintext goes where a plaintext
 * record of its inner type would go, so the ladder, alerts and facts are
 * built by the same code.  A record that does not open stops decryption
 * on that side: the first one means the keys are not this connection's,
 * a later one a corrupt record.  The rest is read as without keys.
 */
#include "harness/decode/tls_conn_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/decode/keylog.h"
#include "harness/decode/tls_decrypt.h"
#include "harness/decode/tls_names.h"

#define TLS_EXT_ENCRYPT_THEN_MAC 22 /* RFC 7366 */

static bool list_has16(const struct tls_list16 *l, uint16_t v)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return true;
	return false;
}

/* The first bytes of the client random, to name the connection in the key log. */
static const char *random_hex(const struct tls_conn *c, char out[17])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 8; i++) {
		out[2 * i] = digits[c->ch.random[i] >> 4];
		out[2 * i + 1] = digits[c->ch.random[i] & 15];
	}
	out[16] = '\0';
	return out;
}

static void not_in_log(struct tls_conn *c, const char *what)
{
	char rh[17];
	c->keys = KEYS_NOT_IN_LOG;
	tls_note_add(c, NOTE_INFO, -1,
		     "the key log has no %s for this connection (client random %s...): its encrypted records stay unread",
		     what, random_hex(c, rh));
}

static void keys13(struct tls_conn *c)
{
	static const enum keylog_label hs[2] = { KEYLOG_CLIENT_HANDSHAKE_TRAFFIC, KEYLOG_SERVER_HANDSHAKE_TRAFFIC };
	char why[128];
	for (int d = 0; d < 2; d++) {
		size_t len;
		const uint8_t *s = keylog_find(c->keylog, hs[d], c->ch.random, &len);
		if (!s) {
			not_in_log(c, d ? "SERVER_HANDSHAKE_TRAFFIC_SECRET" : "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
			return;
		}
		if (tls_decrypt_init13(c->dec, d, c->sh.suite, s, len, why, sizeof why) < 0) {
			tls_note_add(c, NOTE_INFO, d, "cannot use the key log's secret: %s", why);
			c->d[d].dec_failed = true;
			return;
		}
	}
	c->keys = KEYS_FOUND;
}

static void keys12(struct tls_conn *c)
{
	char why[128];
	size_t len;
	const uint8_t *ms = keylog_find(c->keylog, KEYLOG_CLIENT_RANDOM, c->ch.random, &len);
	/* RFC 7366 3: encrypt-then-MAC only when both hellos carry the extension. */
	bool etm = list_has16(&c->ch.extensions, TLS_EXT_ENCRYPT_THEN_MAC) &&
		   list_has16(&c->sh.extensions, TLS_EXT_ENCRYPT_THEN_MAC);
	if (!ms) {
		not_in_log(c, "CLIENT_RANDOM line");
		return;
	}
	if (tls_decrypt_init12(c->dec, c->sh.version, c->sh.suite, etm, ms, c->ch.random, c->sh.random, why,
			       sizeof why) < 0) {
		tls_note_add(c, NOTE_INFO, -1, "cannot use the key log's master secret: %s", why);
		return;
	}
	c->keys = KEYS_FOUND;
}

/* A key log given (--keylog) or read from the capture (a DSB): an empty one made for DSBs that never came is none. */
bool tls_keys_have_log(const struct tls_conn *c)
{
	return c->keylog && keylog_sources(c->keylog) > 0;
}

void tls_keys_server_hello(struct tls_conn *c)
{
	char sb[64];
	const char *name;
	if (!tls_keys_have_log(c) || !c->have_ch)
		return;
	if (!tls_decrypt_supported(c->sh.suite, c->sh.version, &name)) {
		c->keys = KEYS_UNSUPPORTED;
		tls_note_add(c, NOTE_INFO, -1, "%s is not a cipher suite tlsdiag decrypts: its records stay unread",
			     tls_name16(tls_cipher_suite_names, c->sh.suite, sb, sizeof sb));
		return;
	}
	if (!c->dec && !(c->dec = tls_decrypt_new()))
		return;
	if (c->tls13)
		keys13(c);
	else
		keys12(c);
}

void tls_keys_ccs(struct tls_conn *c, enum tls_dir dir)
{
	if (c->dec)
		tls_decrypt_activate(c->dec, dir);
	c->d[dir].epoch_records = 0;
}

void tls_keys_finished(struct tls_conn *c, enum tls_dir dir)
{
	static const enum keylog_label app[2] = { KEYLOG_CLIENT_TRAFFIC_0, KEYLOG_SERVER_TRAFFIC_0 };
	char why[128];
	size_t len;
	if (!c->dec || !c->tls13 || !c->decrypting)
		return;
	const uint8_t *s = keylog_find(c->keylog, app[dir], c->ch.random, &len);
	if (!s) {
		tls_note_add(c, NOTE_INFO, dir, "the key log has no %s: the %s's application data stays unread",
			     dir ? "SERVER_TRAFFIC_SECRET_0" : "CLIENT_TRAFFIC_SECRET_0", tls_dir_name(dir));
		c->d[dir].dec_failed = true;
		return;
	}
	if (tls_decrypt_init13(c->dec, dir, c->sh.suite, s, len, why, sizeof why) < 0) {
		tls_note_add(c, NOTE_INFO, dir, "cannot use the key log's secret: %s", why);
		c->d[dir].dec_failed = true;
	}
	c->d[dir].epoch_records = 0;
}

void tls_keys_key_update(struct tls_conn *c, enum tls_dir dir)
{
	char why[128];
	if (!c->dec || !c->decrypting)
		return;
	if (tls_decrypt_key_update(c->dec, dir, why, sizeof why) < 0) {
		tls_note_add(c, NOTE_INFO, dir, "after KeyUpdate: %s", why);
		c->d[dir].dec_failed = true;
	}
	c->d[dir].epoch_records = 0;
}

bool tls_keys_wants(const struct tls_conn *c, enum tls_dir dir, const struct tls_record_hdr *h)
{
	/* TLS 1.3 protects records as type 23 only; the compatibility CCS stays plaintext (RFC 8446 5). */
	return c->dec && !c->d[dir].dec_failed && tls_decrypt_active(c->dec, dir) &&
	       (!c->tls13 || h->type == TLS_CT_APPLICATION_DATA);
}

void tls_keys_gather(struct tls_conn *c, enum tls_dir dir, const uint8_t *p, size_t n)
{
	struct dir_state *d = &c->d[dir];
	if (!d->rec && !(d->rec = malloc(TLS_RECORD_MAX_LEN)))
		return;
	if (n > TLS_RECORD_MAX_LEN - d->rec_have)
		n = TLS_RECORD_MAX_LEN - d->rec_have;
	memcpy(d->rec + d->rec_have, p, n);
	d->rec_have += n;
}

/* A decrypted record's plaintext, where a plaintext record of its type would go. */
static void plain_content(struct tls_conn *c, enum tls_dir dir, uint8_t type, const uint8_t *p, size_t n)
{
	struct dir_state *d = &c->d[dir];
	struct cursor in;
	struct tls_hs_msg m;
	struct ladder_entry *e;

	switch (type) {
	case TLS_CT_HANDSHAKE:
		in = cursor_make(p, n);
		while (tls_hs_reasm_next(&d->hs, &in, &m) == TLS_HS_MESSAGE)
			tls_conn_message(c, dir, &m);
		break;
	case TLS_CT_ALERT:
		tls_alert_bytes(c, dir, p, n);
		break;
	case TLS_CT_CHANGE_CIPHER_SPEC:
		/* A renegotiation's CCS, sent under the current keys: the next ones start after it. */
		e = tls_ladder_add(c, dir, E_CCS);
		if (e)
			e->len = (uint32_t)n;
		if (c->tls13 || n != 1 || p[0] != 1)
			tls_note_add(c, NOTE_MALFORMED, dir, "a decrypted ChangeCipherSpec that is not the single byte 1%s",
				     c->tls13 ? " or inside TLS 1.3 protection (RFC 8446 5)" : "");
		else
			tls_keys_ccs(c, dir);
		break;
	case TLS_CT_APPLICATION_DATA:
		d->app_records++;
		d->app_bytes += n;
		tls_ladder_count(c, dir, E_APPDATA, n, false);
		break;
	case TLS_CT_HEARTBEAT:
	default:
		tls_ladder_count(c, dir, E_HEARTBEAT, n, false);
		break;
	}
}

void tls_keys_record_end(struct tls_conn *c, enum tls_dir dir)
{
	struct dir_state *d = &c->d[dir];
	const struct tls_record_hdr *h = &d->rec_hdr;
	enum tls_dec_status st = TLS_DEC_BAD;
	size_t n = 0;
	uint8_t inner = 0;

	if (!c->plain)
		c->plain = malloc(TLS_RECORD_MAX_LEN);
	if (d->rec && c->plain && d->rec_have == h->length)
		st = tls_decrypt_record(c->dec, dir, h->type, h->version, d->rec, d->rec_have, c->plain, &n, &inner);
	if (st != TLS_DEC_OK) {
		d->dec_failed = true;
		d->dec_fail = d->epoch_records == 0 ? DEC_WRONG_KEYS : DEC_CORRUPT;
		d->dec_fail_frame = tls_meta_now(c).frame;
		if (d->dec_fail == DEC_WRONG_KEYS)
			tls_note_add(c, NOTE_INFO, dir,
				     "the %s's first record under %s keys does not decrypt with the key log's secrets: wrong keys "
				     "(the key log is not from this session)", tls_dir_name(dir),
				     d->dec_records ? "its new" : "its");
		else
			tls_note_add(c, NOTE_MALFORMED, dir,
				     "record %" PRIu64 " of the %s under these keys does not decrypt after %" PRIu64
				     " did: the record is corrupt", d->epoch_records + 1, tls_dir_name(dir), d->epoch_records);
		tls_conn_record_plain(c, dir, h);
		d->route = R_IGNORE;
		return;
	}
	d->dec_records++;
	d->epoch_records++;
	c->decrypting = true;
	plain_content(c, dir, inner, c->plain, n);
	c->decrypting = false;
}

bool tls_keys_hint(const struct tls_conn *c, char *out, size_t outlen)
{
	uint64_t unread = c->d[0].unread + c->d[1].unread;
	if (tls_keys_have_log(c) || !unread)
		return false;
	snprintf(out, outlen,
		 "%" PRIu64 " encrypted record%s not read (%s): run the client with SSLKEYLOGFILE=FILE "
		 "(openssl s_client -keylogfile FILE) and decode with --keylog FILE",
		 unread, unread == 1 ? "" : "s",
		 c->tls13 ? "certificates, the client's certificate, Finished and every alert after the ServerHello"
			  : "Finished and every alert after ChangeCipherSpec");
	return true;
}

size_t tls_keys_footprint(const struct tls_conn *c)
{
	return (c->plain ? TLS_RECORD_MAX_LEN : 0) + (c->dec ? tls_decrypt_footprint() : 0);
}

void tls_keys_free(struct tls_conn *c)
{
	tls_decrypt_free(c->dec);
	c->dec = NULL;
	for (int i = 0; i < 2; i++) {
		free(c->d[i].rec);
		c->d[i].rec = NULL;
	}
	free(c->plain);
	c->plain = NULL;
}
