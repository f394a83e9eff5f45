/*
 * probe_survey.c - the server summary of 'tlsdiag probe': what the target
 * accepts, measured with a few more connections (wolfSSL, verification off:
 * the question is what the server does, not whether we trust it), each
 * captured under survey-* like the attempts.
 *
 *   versions   one connection per version, offering only it;
 *   suites     offer every suite of a version, note the pick, take it out
 *              and offer the rest again (the server's order); the same
 *              offer reversed tells the server's preference from ours;
 *   groups     TLS 1.3 (else 1.2) offering one group at a time;
 *   SNI        without SNI: refused, the same certificate, or another;
 *   chain      as sent in clear (TLS 1.2; TLS 1.3 encrypts it);
 *   records    a 4 KB receive buffer, with and without max_fragment_length;
 *   tickets    a NewSessionTicket in a TLS 1.2 handshake.
 *
 * Then findings, each with the devices it hurts: those whose attempt
 * failed for that reason, or whose profile says it will (32-bit time_t).
 */
#include "harness/probe/probe.h"

#include "harness/client/device.h"
#include "harness/core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY_SUITE_ROUNDS 24
#define SURVEY_SMALL_BUFFER 4096

struct survey_try {
	enum client_method method;
	const char *ciphers;
	const char *groups;
	bool no_sni;
	int max_fragment;
	int rx_record_limit;
};

static bool survey_connect(const struct probe_opts *o, const char *name, const char *label,
			   const struct survey_try *t, struct probe_attempt *a, struct client_result *cr)
{
	struct client_case cc;
	client_case_init(&cc);
	memset(a, 0, sizeof *a);
	cc.method = t->method;
	cc.ciphers = t->ciphers;
	cc.groups = t->groups;
	cc.verify = false;
	cc.check_name = NULL;
	cc.sni = t->no_sni ? SNI_OFF : SNI_OTHER;
	cc.sni_name = name;
	cc.max_fragment = t->max_fragment;
	cc.rx_record_limit = t->rx_record_limit;
	probe_connect(o, label, &cc, cr, a);
	return a->ran && a->connected;
}

static void survey_drop(struct probe_attempt *a)
{
	jv_free(a->decoded);
	a->decoded = NULL;
}

/* The linked wolfSSL's suites of one family: TLS 1.3 ones ("TLS13-") or the others. */
static void survey_suites_of(bool tls13, char *out, size_t len)
{
	struct client_caps caps;
	size_t used = 0;
	client_caps_get(&caps);
	out[0] = '\0';
	for (char *tok = strtok(caps.ciphers, ":"); tok; tok = strtok(NULL, ":")) {
		bool is13 = strncmp(tok, "TLS13-", 6) == 0;
		if (is13 != tls13)
			continue;
		int n = snprintf(out + used, len - used, "%s%s", used ? ":" : "", tok);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* Removes name from the ':'-list, in place. */
static void survey_remove(char *list, const char *name)
{
	size_t nl = strlen(name);
	for (char *p = list; *p;) {
		char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == nl && strncmp(p, name, nl) == 0) {
			if (e)
				memmove(p, e + 1, strlen(e + 1) + 1);
			else if (p > list)
				p[-1] = '\0';
			else
				*p = '\0';
			return;
		}
		p = e ? e + 1 : p + l;
	}
}

/* The ':'-list reversed into out. */
static void survey_reverse(const char *list, char *out, size_t len)
{
	size_t used = 0, n = strlen(list);
	out[0] = '\0';
	for (size_t end = n; end > 0;) {
		size_t start = end;
		while (start > 0 && list[start - 1] != ':')
			start--;
		int w = snprintf(out + used, len - used, "%s%.*s", used ? ":" : "", (int)(end - start), list + start);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
		end = start ? start - 1 : 0;
	}
}

static void survey_suites(const struct probe_opts *o, const char *name, bool tls13, struct probe_suite_list *sl)
{
	static char offer[8192], reversed[8192];
	char label[48], lib[80];
	struct probe_attempt a;
	struct client_result cr;
	struct survey_try t = { .method = tls13 ? METHOD_TLS13 : METHOD_TLS12, .ciphers = offer };

	survey_suites_of(tls13, offer, sizeof offer);
	survey_reverse(offer, reversed, sizeof reversed);
	for (size_t round = 0; round < SURVEY_SUITE_ROUNDS && offer[0]; round++) {
		snprintf(label, sizeof label, "survey-%s-suite-%02zu", tls13 ? "tls13" : "tls12", round + 1);
		bool ok = survey_connect(o, name, label, &t, &a, &cr);
		survey_drop(&a);
		if (!ok || !cr.suite[0] || client_suite_library_name(cr.suite_id, lib, sizeof lib) != 0)
			break;
		snprintf(sl->names[sl->n++], sizeof sl->names[0], "%s", cr.suite);
		sl->known = true;
		survey_remove(offer, lib);
		if (sl->n == sizeof sl->names / sizeof sl->names[0])
			break;
	}
	if (sl->n < 2)
		return;
	/* Our whole list reversed: the server's own order gives its first pick again. */
	t.ciphers = reversed;
	snprintf(label, sizeof label, "survey-%s-order", tls13 ? "tls13" : "tls12");
	if (survey_connect(o, name, label, &t, &a, &cr))
		sl->server_order = strcmp(cr.suite, sl->names[0]) == 0;
	survey_drop(&a);
}

static void survey_versions(const struct probe_opts *o, const char *name, struct probe_server *s)
{
	static const struct {
		enum client_method m;
		const char *name;
	} versions[] = {
		{ METHOD_SSLV3, "SSLv3" }, { METHOD_TLS10, "TLSv1.0" }, { METHOD_TLS11, "TLSv1.1" },
		{ METHOD_TLS12, "TLSv1.2" }, { METHOD_TLS13, "TLSv1.3" },
	};
	size_t used = 0;
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
		char label[48];
		struct probe_attempt a;
		struct client_result cr;
		struct survey_try t = { .method = versions[i].m };
		snprintf(label, sizeof label, "survey-version-%s", versions[i].name);
		s->version_ok[i] = survey_connect(o, name, label, &t, &a, &cr);
		survey_drop(&a);
		if (!s->version_ok[i])
			continue;
		int n = snprintf(s->versions + used, sizeof s->versions - used, "%s%s", used ? " " : "", versions[i].name);
		if (n > 0 && (size_t)n < sizeof s->versions - used)
			used += (size_t)n;
	}
	if (!used)
		snprintf(s->versions, sizeof s->versions, "none that the linked wolfSSL offers");
}

static void survey_groups(const struct probe_opts *o, const char *name, struct probe_server *s)
{
	static const char *const groups[] = { "X25519", "P-256", "P-384", "P-521", "X448" };
	bool tls13 = s->version_ok[4];
	size_t used = 0;
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		char label[48];
		struct probe_attempt a;
		struct client_result cr;
		struct survey_try t = { .method = tls13 ? METHOD_TLS13 : METHOD_TLS12, .groups = groups[i] };
		snprintf(label, sizeof label, "survey-group-%s", groups[i]);
		bool ok = survey_connect(o, name, label, &t, &a, &cr);
		survey_drop(&a);
		if (!ok)
			continue;
		int n = snprintf(s->groups + used, sizeof s->groups - used, "%s%s", used ? " " : "", groups[i]);
		if (n > 0 && (size_t)n < sizeof s->groups - used)
			used += (size_t)n;
	}
	if (!used)
		snprintf(s->groups, sizeof s->groups, "%s", tls13 ? "none of X25519, P-256, P-384, P-521, X448"
								  : "none with ECDHE (RSA or DHE key exchange only?)");
}

/* The leaf's subject of a decoded connection, or "". */
static const char *survey_leaf(const struct jv *conn)
{
	const char *s = jv_str(jv_get(jv_at(jv_get(conn, "certificates"), 0), "subject"));
	return s ? s : "";
}

/* A NewSessionTicket message in the decoded ladder. */
static bool survey_has_ticket(const struct jv *conn)
{
	const struct jv *msgs = jv_get(jv_get(conn, "handshake"), "messages");
	if (!msgs)
		msgs = jv_get(conn, "messages");
	for (size_t i = 0; i < jv_len(msgs); i++) {
		const char *t = jv_str(jv_get(jv_at(msgs, i), "type"));
		if (t && strstr(t, "NewSessionTicket"))
			return true;
	}
	return false;
}

/* SNI, the chain and tickets, from one TLS 1.2 connection with SNI and one without. */
static void survey_sni_chain(const struct probe_opts *o, const char *name, struct probe_server *s)
{
	struct probe_attempt with, without;
	struct client_result cr;
	struct survey_try t = { .method = s->version_ok[3] ? METHOD_TLS12 : METHOD_ANY };
	bool ok = survey_connect(o, name, "survey-sni-on", &t, &with, &cr);
	if (ok && with.decoded && jv_len(jv_get(with.decoded, "certificates"))) {
		s->chain = with.decoded;
		with.decoded = NULL;
		const char *ver = jv_str(jv_get(s->chain, "version"));
		if (survey_has_ticket(s->chain))
			snprintf(s->tickets, sizeof s->tickets, "sends a session ticket (%s NewSessionTicket)",
				 ver ? ver : "?");
		else
			snprintf(s->tickets, sizeof s->tickets, "%s", "none seen by a client that asks for none; see the "
								      "reference clients' captures");
	} else {
		snprintf(s->chain_note, sizeof s->chain_note, "%s",
			 s->version_ok[3] ? "no certificate was seen in clear"
					  : "the server speaks only TLS 1.3, which encrypts the Certificate: decode the "
					    "attempts' captures with their key logs (decode --keylog) to see it");
		snprintf(s->tickets, sizeof s->tickets, "not measured (no TLS 1.2 handshake)");
	}
	survey_drop(&with);
	t.no_sni = true;
	bool ok2 = survey_connect(o, name, "survey-sni-off", &t, &without, &cr);
	if (!ok2 && ok)
		snprintf(s->sni, sizeof s->sni, "required: without SNI the handshake fails%s%s",
			 without.alert >= 0 ? " with alert " : "", without.alert >= 0 ? without.alert_name : "");
	else if (ok2 && s->chain && without.decoded && strcmp(survey_leaf(without.decoded), survey_leaf(s->chain)) != 0)
		snprintf(s->sni, sizeof s->sni, "not required, but without SNI it serves another certificate: %.130s",
			 survey_leaf(without.decoded));
	else if (ok2)
		snprintf(s->sni, sizeof s->sni, "not required (the same certificate without SNI)");
	else
		snprintf(s->sni, sizeof s->sni, "unknown: no handshake succeeded with or without SNI");
	survey_drop(&without);
}

static void survey_records(const struct probe_opts *o, const char *name, struct probe_server *s)
{
	struct probe_attempt a;
	struct client_result cr;
	struct survey_try t = { .method = METHOD_ANY, .rx_record_limit = SURVEY_SMALL_BUFFER + 256 };
	bool plain = survey_connect(o, name, "survey-records-4k", &t, &a, &cr);
	int big = cr.oversized_record;
	survey_drop(&a);
	t.max_fragment = SURVEY_SMALL_BUFFER;
	bool mfln = survey_connect(o, name, "survey-records-mfln-4k", &t, &a, &cr);
	int big_mfln = cr.oversized_record;
	survey_drop(&a);
	snprintf(s->records, sizeof s->records, "%s; with max_fragment_length 4096: %s",
		 plain ? "every record fits a 4 KB buffer"
		 : big ? "sends records larger than 4 KB"
		       : "the 4 KB-buffer handshake failed for another reason",
		 mfln ? "honoured (records fit)"
		 : big_mfln ? "ignored (records still larger than 4 KB)"
			    : "the handshake failed");
	(void)big_mfln;
}

static void survey_add(struct probe_server *s, const char *hurts, const char *text)
{
	if (s->nfindings == sizeof s->findings / sizeof s->findings[0])
		return;
	struct probe_finding *f = &s->findings[s->nfindings++];
	snprintf(f->text, sizeof f->text, "%s", text);
	snprintf(f->hurts, sizeof f->hurts, "%s", hurts ? hurts : "");
}

static void survey_join(char *buf, size_t len, const char *name)
{
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

/* The devices whose attempt failed with a diagnosis code containing one of the ','-separated keys. */
static void survey_failed_with(const struct probe_report *rep, const char *keys, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < rep->nattempts; i++) {
		const struct probe_attempt *a = &rep->attempts[i];
		if (a->kind != PROBE_DEVICE || a->connected || !a->ran || !a->diag_code[0])
			continue;
		for (const char *k = keys; k && *k;) {
			const char *e = strchr(k, ',');
			size_t kl = e ? (size_t)(e - k) : strlen(k);
			char key[48];
			snprintf(key, sizeof key, "%.*s", (int)(kl < sizeof key ? kl : sizeof key - 1), k);
			if (strstr(a->diag_code, key)) {
				survey_join(buf, len, a->name);
				break;
			}
			k = e ? e + 1 : NULL;
		}
	}
}

static void survey_findings(struct probe_report *rep)
{
	struct probe_server *s = &rep->server;
	char hurts[256];
	if (!s->version_ok[3] && s->version_ok[4]) {
		hurts[0] = '\0';
		for (size_t i = 0; i < rep->nattempts; i++)
			if (rep->attempts[i].kind == PROBE_DEVICE && !rep->attempts[i].connected)
				survey_join(hurts, sizeof hurts, rep->attempts[i].name);
		survey_add(s, hurts, "TLS 1.3 only: devices without TLS 1.3 cannot connect");
	}
	if (s->version_ok[0] || s->version_ok[1] || s->version_ok[2])
		survey_add(s, "", "accepts versions below TLS 1.2 (legacy devices connect; audits flag it)");
	if (strstr(s->sni, "required:")) {
		survey_failed_with(rep, "sni,unrecognized_name", hurts, sizeof hurts);
		survey_add(s, hurts, "requires SNI: devices that send none fail");
	}
	if (strstr(s->records, "larger than 4 KB")) {
		survey_failed_with(rep, "record,fragment", hurts, sizeof hurts);
		/* The devices whose receive buffer a record overflowed, whatever the capture's diagnosis. */
		for (size_t i = 0; i < rep->nattempts; i++)
			if (rep->attempts[i].kind == PROBE_DEVICE && rep->attempts[i].oversized_record > 0 &&
			    !strstr(hurts, rep->attempts[i].name))
				survey_join(hurts, sizeof hurts, rep->attempts[i].name);
		survey_add(s, hurts, strstr(s->records, "ignored") || strstr(s->records, "failed")
					    ? "records larger than 4 KB and max_fragment_length not honoured: devices with "
					      "small receive buffers (BearSSL 512-4096, mbedTLS IN_CONTENT_LEN < 16384) fail"
					    : "records larger than 4 KB unless the client asks for max_fragment_length");
	}
	for (size_t i = 0; s->chain && i < jv_len(jv_get(s->chain, "certificates")); i++) {
		const struct jv *c = jv_at(jv_get(s->chain, "certificates"), i);
		const struct jv *past = jv_get(c, "not_after_past_2038");
		if (past && jv_is_bool(past) && jv_boolval(past)) {
			hurts[0] = '\0';
			for (const struct device_profile *d = device_profiles; d->name; d++)
				if (d->time_t_bits == 32)
					survey_join(hurts, sizeof hurts, d->name);
			char text[300];
			snprintf(text, sizeof text, "certificate %.120s expires after 2038-01-19 (%.40s): a 32-bit time_t "
				 "reads its notAfter as a date in the past (1901-1970 wrap)",
				 jv_str(jv_get(c, "subject")) ? jv_str(jv_get(c, "subject")) : "?",
				 jv_str(jv_get(c, "not_after")) ? jv_str(jv_get(c, "not_after")) : "?");
			survey_add(s, hurts, text);
		}
		const char *kt = jv_str(jv_get(c, "key_type"));
		const struct jv *bits = jv_get(c, "key_bits");
		if (i == 0 && kt && strcmp(kt, "RSA") == 0 && bits && jv_is_int(bits) && jv_intval(bits) > 2048) {
			char text[120];
			snprintf(text, sizeof text, "an RSA-%lld leaf: slow on small devices (watchdog resets during the "
				 "handshake) and too big for some", jv_intval(bits));
			survey_failed_with(rep, "weak", hurts, sizeof hurts);
			survey_add(s, "", text);
		}
		if (i == 0 && kt && strncmp(kt, "EC", 2) == 0) {
			survey_failed_with(rep, "suite,cipher", hurts, sizeof hurts);
			survey_add(s, hurts, "an ECDSA certificate: devices offering only RSA suites cannot use it");
		}
	}
	/* A leaf alone is normal when a root signed it; it is a finding only when clients could not verify it. */
	survey_failed_with(rep, "unknown_ca,ca", hurts, sizeof hurts);
	bool refs_failed = false;
	for (size_t i = 0; i < rep->nattempts; i++)
		if (rep->attempts[i].kind == PROBE_REFERENCE && rep->attempts[i].ran && !rep->attempts[i].skipped &&
		    !rep->attempts[i].connected && strstr(rep->attempts[i].error, "issuer"))
			refs_failed = true;
	if (s->chain && jv_len(jv_get(s->chain, "certificates")) == 1 && (hurts[0] || refs_failed)) {
		const struct jv *leaf = jv_at(jv_get(s->chain, "certificates"), 0);
		const struct jv *self = jv_get(leaf, "self_issued");
		if (!(self && jv_is_bool(self) && jv_boolval(self))) {
			snprintf(s->chain_note, sizeof s->chain_note,
				 "the server sends only its leaf (issued by %.100s) and clients could not verify it: "
				 "either the intermediate is missing from the server's chain, or the CA given is not "
				 "the leaf's issuer; compare the issuer with the CA",
				 jv_str(jv_get(leaf, "issuer")) ? jv_str(jv_get(leaf, "issuer")) : "?");
			survey_add(s, hurts, s->chain_note);
		}
	}
}

void probe_survey(const struct probe_opts *o, const char *name, struct probe_report *rep)
{
	struct probe_server *s = &rep->server;
	survey_versions(o, name, s);
	if (s->version_ok[3])
		survey_suites(o, name, false, &s->tls12);
	if (s->version_ok[4])
		survey_suites(o, name, true, &s->tls13);
	survey_groups(o, name, s);
	survey_sni_chain(o, name, s);
	survey_records(o, name, s);
	survey_findings(rep);
}
