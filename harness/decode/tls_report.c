/*
 * tls_report.c - a connection's report: the JSON object (written once,
 * through a struct jw) and the text form.
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
	jw_str(w, "from", tls_dir_name(a->from));
	if (a->encrypted) {
		jw_null(w, "level");
		jw_null(w, "description");
		jw_str(w, "name", "encrypted_alert");
	} else {
		jw_str(w, "level", tok2str(tls_alert_level_names, (unsigned)a->level, b, sizeof b));
		jw_int(w, "description", a->desc);
		jw_str(w, "name", tok2str(tls_alert_names, (unsigned)a->desc, b, sizeof b));
	}
	jw_bool(w, "encrypted", a->encrypted || a->decrypted);
	if (a->decrypted)
		jw_bool(w, "decrypted", true);
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
	jw_str(w, "by", first ? tls_dir_name(c->first_closer) : NULL);
	jw_str(w, "how", first ? (first->how == TCP_EV_RST ? "RST" : "FIN") : "capture_ended");
	if (first)
		jw_int(w, "frame", (long long)first->close_m.frame);
	else
		jw_null(w, "frame");
	if (first && first->rst_after_fin) {
		jw_bool(w, "rst_after_fin", true);
		jw_int(w, "rst_frame", (long long)first->rst_m.frame);
	}
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

/* The protocol the server selected: ServerHello (TLS <= 1.2) or EncryptedExtensions (TLS 1.3). */
static const char *alpn_of(const struct tls_conn *c)
{
	if (c->have_sh && c->sh.alpn[0])
		return c->sh.alpn;
	return c->have_ee && c->ee.alpn[0] ? c->ee.alpn : NULL;
}

static const char *keys_name(const struct tls_conn *c)
{
	if (!tls_keys_have_log(c))
		return "no_key_log";
	switch (c->keys) {
	case KEYS_FOUND: return "found";
	case KEYS_NOT_IN_LOG: return "not_in_key_log";
	case KEYS_UNSUPPORTED: return "cipher_not_supported";
	case KEYS_NONE:
	default: return "not_looked_up";
	}
}

static const char *dec_fail_name(int f)
{
	switch (f) {
	case DEC_WRONG_KEYS: return "wrong_keys";
	case DEC_CORRUPT: return "corrupt_record";
	case DEC_NONE:
	default: return NULL;
	}
}

static void decryption_json(struct jw *w, const struct tls_conn *c)
{
	char hint[320];
	jw_object(w, "decryption");
	jw_str(w, "keys", keys_name(c));
	jw_str(w, "hint", tls_keys_hint(c, hint, sizeof hint) ? hint : NULL);
	for (int i = 0; i < 2; i++) {
		const struct dir_state *d = &c->d[i];
		jw_object(w, tls_dir_name(i));
		jw_int(w, "records_decrypted", (long long)d->dec_records);
		jw_int(w, "records_unread", (long long)d->unread);
		jw_str(w, "failed", dec_fail_name(d->dec_fail));
		if (d->dec_fail)
			jw_int(w, "failed_frame", (long long)d->dec_fail_frame);
		else
			jw_null(w, "failed_frame");
		jw_end(w);
	}
	jw_end(w);
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
		jw_str(w, "from", tls_dir_name(e->dir));
		jw_int(w, "frame", (long long)e->m.frame);
		rel_time(c, &e->m, t, sizeof t);
		jw_str(w, "time", t);
		jw_str(w, "type", tls_entry_type(e));
		if (e->kind == E_ENCRYPTED || e->kind == E_APPDATA || e->kind == E_HEARTBEAT) {
			jw_int(w, "records", (long long)e->count);
			jw_int(w, "bytes", (long long)e->bytes);
		} else {
			jw_int(w, "length", e->len);
		}
		jw_bool(w, "encrypted", e->decrypted || e->kind == E_ENC_FINISHED || e->kind == E_ENC_HANDSHAKE ||
						e->kind == E_ENCRYPTED ||
						(e->kind == E_ALERT && e->alert >= 0 && c->alerts[e->alert].encrypted));
		if (e->decrypted)
			jw_bool(w, "decrypted", true);
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
	if (c->alerts_dropped)
		jw_int(w, "alerts_not_listed", (long long)c->alerts_dropped);
	jw_str(w, "alpn", alpn_of(c));
	decryption_json(w, c);
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
		jw_object(w, tls_dir_name(i));
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
		jw_str(w, "from", n->dir >= 0 ? tls_dir_name(n->dir) : NULL);
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
		fprintf(out, "  #%-4" PRIu64 " %s  %s -> %s  ", e->m.frame, t, tls_dir_name(e->dir),
			tls_dir_name(tls_peer_of(e->dir)));
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
			fprintf(out, "%s", tls_entry_type(e));
			if (e->detail[0])
				fprintf(out, " %s", e->detail);
			break;
		}
		if (e->decrypted)
			fputs(" [decrypted]", out);
		fputc('\n', out);
	}
	if (c->ladder_dropped)
		fprintf(out, "  ... %" PRIu64 " more records not listed\n", c->ladder_dropped);
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_entry *a = &c->alerts[i];
		if (a->encrypted)
			fprintf(out, "  alert: %s sent an encrypted alert (level and description unknown)%s, #%" PRIu64 ", after %s\n",
				tls_dir_name(a->from), a->inferred ? " [told by its size]" : "", a->m.frame, a->after);
		else
			fprintf(out, "  alert: %s sent %s %s (%d)%s, #%" PRIu64 ", after %s\n", tls_dir_name(a->from),
				tok2str(tls_alert_level_names, (unsigned)a->level, b, sizeof b),
				tok2str(tls_alert_names, (unsigned)a->desc, b + 24, sizeof b - 24), a->desc,
				a->decrypted ? " [decrypted]" : "", a->m.frame, a->after);
	}
	if (c->alerts_dropped)
		fprintf(out, "  ... %" PRIu64 " more alerts not listed (the first and the last are)\n", c->alerts_dropped);
	if (alpn_of(c))
		fprintf(out, "  alpn: %s\n", alpn_of(c));
	char hint[320];
	if (tls_keys_hint(c, hint, sizeof hint))
		fprintf(out, "  keys: %s\n", hint);
	if (c->first_closer >= 0) {
		const struct dir_state *d = &c->d[c->first_closer];
		fprintf(out, "  end: %s sent %s, #%" PRIu64, tls_dir_name(c->first_closer),
			d->how == TCP_EV_RST ? "RST" : "FIN", d->close_m.frame);
		if (d->rst_after_fin)
			fprintf(out, " (then RST, #%" PRIu64 ", answering what arrived after its FIN)", d->rst_m.frame);
		fputc('\n', out);
	} else {
		fprintf(out, "  end: the capture ended with the connection open\n");
	}
	for (size_t i = 0; i < c->n_notes; i++)
		fprintf(out, "  note (%s%s%s): %s\n", note_kind_name(c->notes[i].kind),
			c->notes[i].dir >= 0 ? ", " : "", c->notes[i].dir >= 0 ? tls_dir_name(c->notes[i].dir) : "",
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

