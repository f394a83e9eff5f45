/*
 * tls_verbose.c - the lists behind a diagnosis, printed in full (see
 * tls_verbose.h).  Names come from the tok tables of tls_names.c; unknown
 * values print as unknown(0x....), GREASE as GREASE (RFC 8701).
 */
#include "harness/decode/tls_verbose.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "harness/decode/tls_handshake.h"
#include "harness/decode/tls_names.h"

const char *tls_verbose_time(const struct pkt_meta *m, char *buf, size_t buflen)
{
	time_t t = (time_t)m->ts_sec;
	struct tm tm;
	char day[32];
	if ((int64_t)t != m->ts_sec || !gmtime_r(&t, &tm) || strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, buflen, "?");
		return buf;
	}
	snprintf(buf, buflen, "%s.%06" PRId32 "Z", day, m->ts_usec);
	return buf;
}

/* "    label (n): a, b, c" wrapped at about 100 columns. */
static void list16(FILE *out, const char *label, const struct tls_list16 *l, const struct tok *table, bool hex)
{
	char b[80];
	size_t col;
	if (l->n == 0) {
		fprintf(out, "    %s: none\n", label);
		return;
	}
	col = (size_t)fprintf(out, "    %s (%zu%s):", label, l->total, l->total > l->n ? ", first listed" : "");
	for (size_t i = 0; i < l->n; i++) {
		const char *name = tls_name16(table, l->v[i], b, sizeof b);
		size_t w = strlen(name) + (hex ? 9 : 1) + 1;
		if (col + w > 100) {
			fprintf(out, "\n      ");
			col = 6;
		}
		if (hex)
			col += (size_t)fprintf(out, " 0x%04x %s%s", l->v[i], name, i + 1 < l->n ? "," : "");
		else
			col += (size_t)fprintf(out, " %s%s", name, i + 1 < l->n ? "," : "");
	}
	fputc('\n', out);
}

static void versions(FILE *out, const struct tls_client_hello *ch)
{
	static const uint16_t all[] = { TLS_V_TLS13, TLS_V_TLS12, TLS_V_TLS11, TLS_V_TLS10, TLS_V_SSL3 };
	char b[16];
	if (ch->has_versions) {
		list16(out, "versions (supported_versions)", &ch->versions, tls_version_names, false);
		return;
	}
	fprintf(out, "    versions (from client_version %s):", tls_version_short(ch->legacy_version, b, sizeof b));
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (tls_client_hello_offers(ch, all[i]))
			fprintf(out, " %s", tls_version_short(all[i], b, sizeof b));
	fputc('\n', out);
}

static void client_hello(FILE *out, const struct tls_client_hello *ch)
{
	char b[16];
	fprintf(out, "  ClientHello%s: client_version %s, SNI %s, ALPN %s, max_fragment_length %s\n",
		ch->sslv2 ? " (SSLv2 format)" : "", tls_version_short(ch->legacy_version, b, sizeof b),
		ch->has_sni ? ch->sni : "none", ch->alpn[0] ? ch->alpn : "none",
		ch->max_fragment_length >= 1 && ch->max_fragment_length <= 4
			? (const char *[]){ "", "512", "1024", "2048", "4096" }[ch->max_fragment_length]
			: "none");
	versions(out, ch);
	list16(out, "cipher suites", &ch->suites, tls_cipher_suite_names, true);
	list16(out, "supported groups", &ch->groups, tls_group_names, false);
	list16(out, "key shares", &ch->key_share_groups, tls_group_names, false);
	if (ch->has_sigalgs)
		list16(out, "signature algorithms", &ch->sigalgs, tls_sigscheme_names, false);
	else
		fprintf(out, "    signature algorithms: no extension (TLS 1.2 then assumes SHA-1, RFC 5246 7.4.1.4.1)\n");
	list16(out, "extensions", &ch->extensions, tls_extension_names, false);
}

static void server_hello(FILE *out, const struct tls_conn_view *v)
{
	char b[80], g[32];
	if (v->hrr)
		fprintf(out, "  HelloRetryRequest: asks for a key share of group %s\n",
			tls_name16(tls_group_names, v->hrr_group, g, sizeof g));
	if (!v->sh)
		return;
	fprintf(out, "  ServerHello: %s, %s, key share %s, ALPN %s\n", tls_version_short(v->sh->version, g, sizeof g),
		tls_name16(tls_cipher_suite_names, v->sh->suite, b, sizeof b),
		v->sh->key_share_group ? tls_name16(tls_group_names, v->sh->key_share_group, g, sizeof g) : "none",
		v->sh->alpn[0] ? v->sh->alpn : "none");
	list16(out, "extensions", &v->sh->extensions, tls_extension_names, false);
}

static void validity(FILE *out, const char *label, const char *as_written, int64_t epoch, bool ok)
{
	struct pkt_meta m = { 0, epoch, 0 };
	char b[40];
	fprintf(out, "        %s %s", label, as_written);
	if (ok)
		fprintf(out, " (%s)", tls_verbose_time(&m, b, sizeof b));
	fputc('\n', out);
}

static void certificates(FILE *out, const struct tls_certificate *cm)
{
	fprintf(out, "  server certificates (%zu):\n", cm->n_certs);
	for (size_t i = 0; i < cm->n_kept; i++) {
		const struct x509_info *x = &cm->certs[i];
		if (cm->cert_status[i] != DECODE_OK) {
			fprintf(out, "    [%zu] malformed: %s\n", i, cm->cert_why[i]);
			continue;
		}
		fprintf(out, "    [%zu] subject %s\n        issuer %s%s\n", i, x->subject, x->issuer,
			x->self_issued ? " (self-issued)" : "");
		validity(out, "notBefore", x->not_before, x->not_before_epoch, x->times_ok);
		validity(out, "notAfter ", x->not_after, x->not_after_epoch, x->times_ok);
		fprintf(out, "        SAN:");
		for (size_t k = 0; k < x->n_san; k++)
			fprintf(out, " %s%s", x->san[k], k + 1 < x->n_san ? "," : "");
		if (!x->n_san)
			fprintf(out, " none");
		if (x->n_san_total > x->n_san)
			fprintf(out, " (+%zu more)", x->n_san_total - x->n_san);
		fprintf(out, "\n        key %s %d bits, signed with %s, CA %s\n", x->key_type, x->key_bits, x->sig_alg,
			x->has_basic_constraints ? (x->is_ca ? "yes" : "no") : "(no basicConstraints)");
	}
	if (cm->n_certs > cm->n_kept)
		fprintf(out, "    ... %zu more not decoded\n", cm->n_certs - cm->n_kept);
}

/* "  server's first bytes (not TLS): 48 54 54 50 2f 31 ... "HTTP/1...."": what a non-TLS peer sent. */
static void first_bytes(FILE *out, const char *who, const uint8_t *p, size_t n)
{
	size_t k = n < 16 ? n : 16;
	fprintf(out, "  %s's first bytes (not TLS, %zu kept):", who, n);
	for (size_t i = 0; i < k; i++)
		fprintf(out, " %02x", p[i]);
	fputs(" \"", out);
	for (size_t i = 0; i < k; i++)
		fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', out);
	fputs("\"\n", out);
}

void tls_verbose_print(FILE *out, const struct tls_conn_view *v)
{
	char b[40], g[32];
	fprintf(out, "  first packet at %s\n", tls_verbose_time(&v->first, b, sizeof b));
	for (int i = 0; i < 2; i++)
		if (v->head[i] && v->head_len[i])
			first_bytes(out, i ? "server" : "client", v->head[i], v->head_len[i]);
	if (v->ch)
		client_hello(out, v->ch);
	server_hello(out, v);
	if (v->server_cert)
		certificates(out, v->server_cert);
	if (v->ske) {
		fprintf(out, "  ServerKeyExchange:");
		if (v->ske->dh_p_bits)
			fprintf(out, " DHE, %u-bit prime", v->ske->dh_p_bits);
		else if (v->ske->group)
			fprintf(out, " ECDHE %s", tls_name16(tls_group_names, v->ske->group, g, sizeof g));
		if (v->ske->has_sigalg)
			fprintf(out, ", signed with %s", tls_name16(tls_sigscheme_names, v->ske->sigalg, g, sizeof g));
		fputc('\n', out);
	}
}
