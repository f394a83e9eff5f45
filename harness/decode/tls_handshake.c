/*
 * tls_handshake.c - handshake message reassembly and decoders (RFC 8446
 * section 4, RFC 5246 section 7.4, RFC 6066, RFC 8422, RFC 7301).
 *
 * Every decoder reads through one cursor; each vector gets a sub-cursor
 * and must end empty, as BearSSL's handshake code checks its remaining
 * length at every close (STYLE.md section 2).  A decoder always sees a
 * whole message, so a short read inside it is the peer's lie (MALFORMED),
 * never a cut capture.
 */
#include "harness/decode/tls_handshake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/decode/tls_names.h"

/* s2n-style guard: on failure, say why and return MALFORMED. */
#define GUARD(expr)                             \
	do {                                    \
		enum decode_status st_ = (expr); \
		if (st_ != DECODE_OK)           \
			return st_;             \
	} while (0)

const uint8_t tls_hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* ------------------------------------------------------------------ */
/* Reassembly */

void tls_hs_reasm_init(struct tls_hs_reasm *r)
{
	memset(r, 0, sizeof *r);
}

void tls_hs_reasm_free(struct tls_hs_reasm *r)
{
	free(r->buf);
	memset(r, 0, sizeof *r);
}

void tls_hs_reasm_expect_sslv2(struct tls_hs_reasm *r, uint16_t len)
{
	r->raw = true;
	r->type = TLS_HS_CLIENT_HELLO;
	r->len = len;
	r->hdr_have = TLS_HS_HDR_LEN;
}

static void msg_ready(struct tls_hs_reasm *r, struct tls_hs_msg *m, const uint8_t *body)
{
	memset(m, 0, sizeof *m);
	m->type = r->type;
	m->len = r->len;
	m->sslv2 = r->raw;
	m->body = cursor_make(body, r->len);
	r->hdr_have = 0;
	r->raw = false;
}

enum tls_hs_event tls_hs_reasm_next(struct tls_hs_reasm *r, struct cursor *in, struct tls_hs_msg *m)
{
	const uint8_t *p;
	size_t n;

	if (r->buf && !r->buffering) {
		/* The message handed out last time is done with. */
		free(r->buf);
		r->buf = NULL;
	}
	if (r->skip_left) {
		n = cursor_left(in) < r->skip_left ? cursor_left(in) : r->skip_left;
		cursor_skip(in, n);
		r->skip_left -= (uint32_t)n;
		if (r->skip_left)
			return TLS_HS_NEED_MORE;
	}
	if (r->buffering) {
		n = r->len - r->have;
		if (n > cursor_left(in))
			n = cursor_left(in);
		cursor_copy(in, r->buf + r->have, n);
		r->have += n;
		if (r->have < r->len)
			return TLS_HS_NEED_MORE;
		r->buffering = false;
		msg_ready(r, m, r->buf);
		return TLS_HS_MESSAGE;
	}
	while (r->hdr_have < TLS_HS_HDR_LEN) {
		if (!cursor_u8(in, &r->hdr[r->hdr_have]))
			return TLS_HS_NEED_MORE;
		if (++r->hdr_have == TLS_HS_HDR_LEN) {
			r->type = r->hdr[0];
			r->len = ((uint32_t)r->hdr[1] << 16) | ((uint32_t)r->hdr[2] << 8) | r->hdr[3];
		}
	}
	if (r->len > TLS_HS_MAX_MSG) {
		msg_ready(r, m, NULL);
		m->too_big = true;
		m->body = cursor_make(NULL, 0);
		r->skip_left = r->len;
		n = cursor_left(in) < r->skip_left ? cursor_left(in) : r->skip_left;
		cursor_skip(in, n);
		r->skip_left -= (uint32_t)n;
		return TLS_HS_MESSAGE;
	}
	if (cursor_bytes(in, r->len, &p)) {
		/* Whole in this chunk: decode in place, no copy. */
		msg_ready(r, m, p);
		return TLS_HS_MESSAGE;
	}
	r->buf = malloc(r->len);
	if (!r->buf) {
		/* Out of memory: skip the message rather than crash on a capture. */
		r->skip_left = r->len;
		r->hdr_have = 0;
		return tls_hs_reasm_next(r, in, m);
	}
	r->have = cursor_left(in);
	cursor_copy(in, r->buf, r->have);
	r->buffering = true;
	return TLS_HS_NEED_MORE;
}

bool tls_hs_reasm_partial(const struct tls_hs_reasm *r, uint8_t *type, size_t *have, uint32_t *want)
{
	if (r->buffering) {
		*type = r->type;
		*have = r->have;
		*want = r->len;
	} else if (r->skip_left) {
		*type = r->type;
		*have = r->len - r->skip_left;
		*want = r->len;
	} else if (r->raw) {
		*type = TLS_HS_CLIENT_HELLO;
		*have = 0;
		*want = r->len;
	} else if (r->hdr_have > 0) {
		*type = r->hdr[0];
		*have = r->hdr_have;
		*want = 0; /* the length is not known yet */
	} else {
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Helpers */

static void list_add(struct tls_list16 *l, uint16_t v)
{
	if (l->n < TLS_LIST_MAX)
		l->v[l->n++] = v;
	l->total++;
}

static bool list_has(const struct tls_list16 *l, uint16_t v)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return true;
	return false;
}

/* A vector of uint16 values (cipher suites, groups, schemes, versions). */
static enum decode_status list16(struct cursor *vec, struct tls_list16 *out, const char *what,
				 char *why, size_t whylen)
{
	uint16_t v;
	DECODE_ENSURE(cursor_left(vec) % 2 == 0, "%s list has an odd length of %zu bytes", what,
	       cursor_left(vec));
	while (cursor_u16(vec, &v))
		list_add(out, v);
	return DECODE_OK;
}

/* Printable ASCII of untrusted text, '?' for anything else. */
static void copy_printable(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
	size_t i = 0;
	if (!dstlen)
		return;
	for (; i < n && i + 1 < dstlen; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}

static void append_printable(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
	size_t used = strlen(dst);
	if (used && used + 1 < dstlen) {
		dst[used++] = ',';
		dst[used] = '\0';
	}
	if (used < dstlen)
		copy_printable(dst + used, dstlen - used, src, n);
}

/* ALPN ProtocolNameList (RFC 7301 section 3.1): names of 1..255 bytes. */
static enum decode_status alpn_list(struct cursor *d, char *out, size_t outlen, char *why,
				    size_t whylen)
{
	struct cursor list, name;
	DECODE_ENSURE(cursor_vec16(d, &list), "ALPN list length exceeds the extension");
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left after the ALPN list", cursor_left(d));
	DECODE_ENSURE(!cursor_empty(&list), "empty ALPN list");
	while (!cursor_empty(&list)) {
		DECODE_ENSURE(cursor_vec8(&list, &name), "ALPN name length exceeds the list");
		DECODE_ENSURE(!cursor_empty(&name), "empty ALPN protocol name");
		append_printable(out, outlen, name.p + name.off, cursor_left(&name));
	}
	return DECODE_OK;
}

/* ------------------------------------------------------------------ */
/* ClientHello extensions (RFC 8446 section 4.2) */

typedef enum decode_status (*ch_ext_fn)(struct cursor *d, struct tls_client_hello *ch, char *why,
					size_t whylen);

/* server_name (RFC 6066 section 3). */
static enum decode_status ch_sni(struct cursor *d, struct tls_client_hello *ch, char *why,
				 size_t whylen)
{
	struct cursor list, name;
	uint8_t type;
	DECODE_ENSURE(cursor_vec16(d, &list), "server_name list length exceeds the extension");
	DECODE_ENSURE(!cursor_empty(&list), "empty server_name list");
	while (!cursor_empty(&list)) {
		DECODE_ENSURE(cursor_u8(&list, &type) && cursor_vec16(&list, &name),
		       "server_name entry length exceeds the list");
		if (type == 0 && !ch->has_sni) {
			DECODE_ENSURE(!cursor_empty(&name), "empty host_name in server_name");
			ch->has_sni = true;
			copy_printable(ch->sni, sizeof ch->sni, name.p + name.off, cursor_left(&name));
		}
	}
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left after the server_name list", cursor_left(d));
	return DECODE_OK;
}

static enum decode_status ch_mfl(struct cursor *d, struct tls_client_hello *ch, char *why,
				 size_t whylen)
{
	DECODE_ENSURE(cursor_u8(d, &ch->max_fragment_length), "empty max_fragment_length");
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left in max_fragment_length", cursor_left(d));
	return DECODE_OK;
}

static enum decode_status ch_groups(struct cursor *d, struct tls_client_hello *ch, char *why,
				    size_t whylen)
{
	struct cursor v;
	DECODE_ENSURE(cursor_vec16(d, &v), "supported_groups length exceeds the extension");
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left after supported_groups", cursor_left(d));
	return list16(&v, &ch->groups, "supported_groups", why, whylen);
}

static enum decode_status ch_point_formats(struct cursor *d, struct tls_client_hello *ch, char *why,
					   size_t whylen)
{
	struct cursor v;
	uint8_t f;
	DECODE_ENSURE(cursor_vec8(d, &v), "ec_point_formats length exceeds the extension");
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left after ec_point_formats", cursor_left(d));
	while (cursor_u8(&v, &f))
		if (ch->n_ec_point_formats < sizeof ch->ec_point_formats)
			ch->ec_point_formats[ch->n_ec_point_formats++] = f;
	return DECODE_OK;
}

static enum decode_status ch_sigalgs(struct cursor *d, struct tls_client_hello *ch, char *why,
				     size_t whylen)
{
	struct cursor v;
	DECODE_ENSURE(cursor_vec16(d, &v), "signature_algorithms length exceeds the extension");
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left after signature_algorithms", cursor_left(d));
	ch->has_sigalgs = true;
	return list16(&v, &ch->sigalgs, "signature_algorithms", why, whylen);
}

static enum decode_status ch_alpn(struct cursor *d, struct tls_client_hello *ch, char *why,
				  size_t whylen)
{
	return alpn_list(d, ch->alpn, sizeof ch->alpn, why, whylen);
}

static enum decode_status ch_versions(struct cursor *d, struct tls_client_hello *ch, char *why,
				      size_t whylen)
{
	struct cursor v;
	DECODE_ENSURE(cursor_vec8(d, &v), "supported_versions length exceeds the extension");
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left after supported_versions", cursor_left(d));
	ch->has_versions = true;
	return list16(&v, &ch->versions, "supported_versions", why, whylen);
}

/* key_share (RFC 8446 section 4.2.8): KeyShareClientHello. */
static enum decode_status ch_key_share(struct cursor *d, struct tls_client_hello *ch, char *why,
				       size_t whylen)
{
	struct cursor list, key;
	uint16_t group;
	DECODE_ENSURE(cursor_vec16(d, &list), "key_share list length exceeds the extension");
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left after key_share", cursor_left(d));
	while (!cursor_empty(&list)) {
		DECODE_ENSURE(cursor_u16(&list, &group) && cursor_vec16(&list, &key),
		       "key_share entry length exceeds the list");
		DECODE_ENSURE(!cursor_empty(&key), "empty key_exchange for group 0x%04x", group);
		list_add(&ch->key_share_groups, group);
	}
	return DECODE_OK;
}

static enum decode_status ch_flag(struct cursor *d, bool *flag)
{
	(void)d;
	*flag = true;
	return DECODE_OK;
}

static enum decode_status ch_reneg(struct cursor *d, struct tls_client_hello *ch, char *why,
				   size_t whylen)
{
	struct cursor v;
	DECODE_ENSURE(cursor_vec8(d, &v), "renegotiation_info length exceeds the extension");
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left after renegotiation_info", cursor_left(d));
	return ch_flag(d, &ch->renegotiation_info);
}

static enum decode_status ch_ems(struct cursor *d, struct tls_client_hello *ch, char *why,
				 size_t whylen)
{
	/* RFC 7627 section 5.1: the extension_data is empty. */
	DECODE_ENSURE(cursor_empty(d), "extended_master_secret carries %zu bytes", cursor_left(d));
	return ch_flag(d, &ch->extended_master_secret);
}

static enum decode_status ch_ticket(struct cursor *d, struct tls_client_hello *ch, char *why,
				    size_t whylen)
{
	(void)why;
	(void)whylen;
	cursor_skip(d, cursor_left(d));
	return ch_flag(d, &ch->session_ticket);
}

static const struct {
	uint16_t type;
	ch_ext_fn fn;
} ch_exts[] = {
	{ TLS_EXT_SERVER_NAME, ch_sni },
	{ TLS_EXT_MAX_FRAGMENT_LENGTH, ch_mfl },
	{ TLS_EXT_SUPPORTED_GROUPS, ch_groups },
	{ TLS_EXT_EC_POINT_FORMATS, ch_point_formats },
	{ TLS_EXT_SIGNATURE_ALGORITHMS, ch_sigalgs },
	{ TLS_EXT_ALPN, ch_alpn },
	{ 23, ch_ems },
	{ 35, ch_ticket },
	{ TLS_EXT_SUPPORTED_VERSIONS, ch_versions },
	{ TLS_EXT_KEY_SHARE, ch_key_share },
	{ 0xff01, ch_reneg },
};

static enum decode_status ch_extensions(struct cursor *c, struct tls_client_hello *ch, char *why,
					size_t whylen)
{
	struct cursor block, data;
	uint16_t type;
	char nb[24];

	DECODE_ENSURE(cursor_vec16(c, &block), "extensions length exceeds the ClientHello");
	ch->has_extensions = true;
	while (!cursor_empty(&block)) {
		DECODE_ENSURE(cursor_u16(&block, &type) && cursor_vec16(&block, &data),
		       "extension length exceeds the extensions block (%zu bytes left)",
		       cursor_left(&block));
		/* RFC 8446 4.2: no more than one extension of the same type. */
		DECODE_ENSURE(!list_has(&ch->extensions, type), "duplicate extension %s",
		       tls_name16(tls_extension_names, type, nb, sizeof nb));
		list_add(&ch->extensions, type);
		for (size_t i = 0; i < sizeof ch_exts / sizeof ch_exts[0]; i++)
			if (ch_exts[i].type == type) {
				enum decode_status st = ch_exts[i].fn(&data, ch, why, whylen);
				if (st != DECODE_OK)
					return st;
				break;
			}
	}
	return DECODE_OK;
}

/* ------------------------------------------------------------------ */
/* ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2) */

static void ch_note_suites(struct tls_client_hello *ch)
{
	if (list_has(&ch->suites, 0x00ff))
		ch->renegotiation_info = true;
	if (list_has(&ch->suites, 0x5600))
		ch->fallback_scsv = true;
}

enum decode_status tls_hs_decode_client_hello(struct cursor *body, struct tls_client_hello *ch,
					      char *why, size_t whylen)
{
	struct cursor sid, suites, comp;
	uint8_t m;

	memset(ch, 0, sizeof *ch);
	DECODE_ENSURE(cursor_u16(body, &ch->legacy_version), "ClientHello too short for a version");
	DECODE_ENSURE(cursor_copy(body, ch->random, sizeof ch->random), "ClientHello too short for random");
	DECODE_ENSURE(cursor_vec8(body, &sid), "session_id length exceeds the ClientHello");
	DECODE_ENSURE(cursor_left(&sid) <= 32, "session_id of %zu bytes (at most 32)", cursor_left(&sid));
	ch->session_id_len = (uint8_t)cursor_left(&sid);
	DECODE_ENSURE(cursor_vec16(body, &suites), "cipher_suites length exceeds the ClientHello");
	DECODE_ENSURE(cursor_left(&suites) >= 2, "no cipher suites offered");
	GUARD(list16(&suites, &ch->suites, "cipher_suites", why, whylen));
	ch_note_suites(ch);
	DECODE_ENSURE(cursor_vec8(body, &comp), "compression_methods length exceeds the ClientHello");
	DECODE_ENSURE(!cursor_empty(&comp), "no compression methods");
	while (cursor_u8(&comp, &m)) {
		ch->n_compression++;
		if (m == 0)
			ch->null_compression = true;
	}
	/* RFC 5246 7.4.1.2: extensions may be absent entirely. */
	if (cursor_empty(body))
		return DECODE_OK;
	GUARD(ch_extensions(body, ch, why, whylen));
	DECODE_ENSURE(cursor_empty(body), "%zu bytes left after the ClientHello extensions",
	       cursor_left(body));
	return DECODE_OK;
}

enum decode_status tls_hs_decode_sslv2_hello(struct cursor *body, struct tls_client_hello *ch,
					     char *why, size_t whylen)
{
	uint8_t type;
	uint16_t spec_len, sid_len, chal_len;
	struct cursor specs, sid, chal;

	memset(ch, 0, sizeof *ch);
	ch->sslv2 = true;
	DECODE_ENSURE(cursor_u8(body, &type) && type == 1, "SSLv2 message is not a CLIENT-HELLO");
	DECODE_ENSURE(cursor_u16(body, &ch->legacy_version) && cursor_u16(body, &spec_len) &&
		       cursor_u16(body, &sid_len) && cursor_u16(body, &chal_len),
	       "SSLv2 CLIENT-HELLO too short");
	DECODE_ENSURE(spec_len % 3 == 0 && spec_len > 0, "SSLv2 cipher_spec_length %u is not a multiple of 3",
	       spec_len);
	/* RFC 5246 E.2: session_id_length 0 or 16, challenge 16..32 bytes. */
	DECODE_ENSURE(sid_len == 0 || sid_len == 16, "SSLv2 session_id_length %u", sid_len);
	DECODE_ENSURE(chal_len >= 16 && chal_len <= 32, "SSLv2 challenge_length %u", chal_len);
	DECODE_ENSURE(cursor_sub(body, spec_len, &specs) && cursor_sub(body, sid_len, &sid) &&
		       cursor_sub(body, chal_len, &chal),
	       "SSLv2 CLIENT-HELLO lengths exceed the record");
	DECODE_ENSURE(cursor_empty(body), "%zu bytes left after the SSLv2 CLIENT-HELLO", cursor_left(body));
	ch->session_id_len = (uint8_t)sid_len;
	while (!cursor_empty(&specs)) {
		uint8_t hi;
		uint16_t lo;
		cursor_u8(&specs, &hi);
		cursor_u16(&specs, &lo);
		if (hi == 0)
			list_add(&ch->suites, lo); /* a TLS suite in V2CipherSpec form */
	}
	ch_note_suites(ch);
	/* The challenge is right-aligned into the 32-byte random (RFC 5246 E.2). */
	cursor_copy(&chal, ch->random + 32 - chal_len, chal_len);
	ch->n_compression = 1;
	ch->null_compression = true;
	return DECODE_OK;
}

uint16_t tls_client_hello_max_version(const struct tls_client_hello *ch)
{
	uint16_t best = 0;
	if (!ch->has_versions)
		return ch->legacy_version;
	for (size_t i = 0; i < ch->versions.n; i++) {
		uint16_t v = ch->versions.v[i];
		if (!tls_is_grease(v) && (v >> 8) == 3 && v > best)
			best = v;
	}
	return best ? best : ch->legacy_version;
}

bool tls_client_hello_offers(const struct tls_client_hello *ch, uint16_t v)
{
	if (ch->has_versions)
		return list_has(&ch->versions, v);
	/* Without supported_versions the client accepts anything up to client_version
	 * (RFC 5246 E.1), but never TLS 1.3 (RFC 8446 4.2.1). */
	return v <= ch->legacy_version && v >= TLS_V_SSL3 && v < TLS_V_TLS13;
}

/* ------------------------------------------------------------------ */
/* ServerHello (RFC 8446 4.1.3, RFC 5246 7.4.1.3) */

static enum decode_status sh_extension(uint16_t type, struct cursor *d, struct tls_server_hello *sh,
				       char *why, size_t whylen)
{
	struct cursor key, v;
	switch (type) {
	case TLS_EXT_SUPPORTED_VERSIONS:
		DECODE_ENSURE(cursor_u16(d, &sh->selected_version), "empty supported_versions");
		break;
	case TLS_EXT_KEY_SHARE:
		DECODE_ENSURE(cursor_u16(d, &sh->key_share_group), "empty key_share");
		/* A HelloRetryRequest names only the group (RFC 8446 4.2.8). */
		if (!sh->hrr) {
			DECODE_ENSURE(cursor_vec16(d, &key), "key_share length exceeds the extension");
			DECODE_ENSURE(!cursor_empty(&key), "empty server key_exchange");
		}
		break;
	case TLS_EXT_MAX_FRAGMENT_LENGTH:
		DECODE_ENSURE(cursor_u8(d, &sh->max_fragment_length), "empty max_fragment_length");
		break;
	case TLS_EXT_ALPN:
		return alpn_list(d, sh->alpn, sizeof sh->alpn, why, whylen);
	case TLS_EXT_EC_POINT_FORMATS:
		DECODE_ENSURE(cursor_vec8(d, &v), "ec_point_formats length exceeds the extension");
		break;
	case 23:
		sh->extended_master_secret = true;
		break;
	case 0xff01:
		DECODE_ENSURE(cursor_vec8(d, &v), "renegotiation_info length exceeds the extension");
		sh->renegotiation_info = true;
		break;
	default:
		cursor_skip(d, cursor_left(d));
		break;
	}
	DECODE_ENSURE(cursor_empty(d), "%zu bytes left in ServerHello extension 0x%04x", cursor_left(d), type);
	return DECODE_OK;
}

enum decode_status tls_hs_decode_server_hello(struct cursor *body, struct tls_server_hello *sh,
					      char *why, size_t whylen)
{
	struct cursor sid, block, data;
	uint16_t type;
	char nb[24];

	memset(sh, 0, sizeof *sh);
	DECODE_ENSURE(cursor_u16(body, &sh->legacy_version), "ServerHello too short for a version");
	DECODE_ENSURE(cursor_copy(body, sh->random, sizeof sh->random), "ServerHello too short for random");
	sh->hrr = memcmp(sh->random, tls_hrr_random, sizeof sh->random) == 0;
	sh->downgrade_sentinel = memcmp(sh->random + 24, "DOWNGRD", 7) == 0 &&
				 (sh->random[31] == 0 || sh->random[31] == 1);
	DECODE_ENSURE(cursor_vec8(body, &sid), "session_id length exceeds the ServerHello");
	DECODE_ENSURE(cursor_left(&sid) <= 32, "session_id of %zu bytes (at most 32)", cursor_left(&sid));
	sh->session_id_len = (uint8_t)cursor_left(&sid);
	DECODE_ENSURE(cursor_u16(body, &sh->suite) && cursor_u8(body, &sh->compression),
	       "ServerHello too short for cipher_suite and compression");
	if (!cursor_empty(body)) {
		DECODE_ENSURE(cursor_vec16(body, &block), "extensions length exceeds the ServerHello");
		DECODE_ENSURE(cursor_empty(body), "%zu bytes left after the ServerHello extensions",
		       cursor_left(body));
		while (!cursor_empty(&block)) {
			DECODE_ENSURE(cursor_u16(&block, &type) && cursor_vec16(&block, &data),
			       "extension length exceeds the extensions block (%zu bytes left)",
			       cursor_left(&block));
			DECODE_ENSURE(!list_has(&sh->extensions, type), "duplicate extension %s",
			       tls_name16(tls_extension_names, type, nb, sizeof nb));
			list_add(&sh->extensions, type);
			GUARD(sh_extension(type, &data, sh, why, whylen));
		}
	}
	sh->version = sh->selected_version ? sh->selected_version : sh->legacy_version;
	return DECODE_OK;
}

/* ------------------------------------------------------------------ */
/* Certificate (RFC 5246 7.4.2, RFC 8446 4.4.2) */

enum decode_status tls_hs_decode_certificate(struct cursor *body, bool tls13,
					     struct tls_certificate *cm, char *why, size_t whylen)
{
	struct cursor ctx, list, cert, exts;

	memset(cm, 0, sizeof *cm);
	if (tls13)
		DECODE_ENSURE(cursor_vec8(body, &ctx), "certificate_request_context exceeds the message");
	DECODE_ENSURE(cursor_vec24(body, &list), "certificate_list length exceeds the message");
	DECODE_ENSURE(cursor_empty(body), "%zu bytes left after certificate_list", cursor_left(body));
	while (!cursor_empty(&list)) {
		DECODE_ENSURE(cursor_vec24(&list, &cert), "certificate length exceeds certificate_list");
		DECODE_ENSURE(!cursor_empty(&cert), "empty certificate in certificate_list");
		if (tls13)
			DECODE_ENSURE(cursor_vec16(&list, &exts), "CertificateEntry extensions exceed the list");
		if (cm->n_kept < TLS_CERTS_MAX) {
			size_t i = cm->n_kept++;
			cm->cert_status[i] = x509_decode(&cert, &cm->certs[i], cm->cert_why[i],
							 sizeof cm->cert_why[i]);
		}
		cm->n_certs++;
	}
	return DECODE_OK;
}

/* ------------------------------------------------------------------ */
/* ServerKeyExchange (RFC 5246 7.4.3, RFC 8422 5.4, RFC 4279 2/3/4, RFC 5489) */

static unsigned bits_of(struct cursor v)
{
	uint8_t b = 0;
	unsigned bits;
	while (cursor_peek_u8(&v, 0, &b) && b == 0)
		cursor_skip(&v, 1);
	if (cursor_empty(&v))
		return 0;
	bits = (unsigned)(cursor_left(&v) - 1) * 8;
	for (; b; b >>= 1)
		bits++;
	return bits;
}

static enum decode_status ske_signature(struct cursor *body, uint16_t version,
					struct tls_server_key_exchange *ske, char *why,
					size_t whylen)
{
	struct cursor sig;
	if (ske->anonymous) {
		DECODE_ENSURE(cursor_empty(body), "%zu bytes after anonymous key exchange parameters",
		       cursor_left(body));
		return DECODE_OK;
	}
	/* TLS 1.2 adds SignatureAndHashAlgorithm before the signature (RFC 5246 4.7). */
	if (version >= TLS_V_TLS12) {
		DECODE_ENSURE(cursor_u16(body, &ske->sigalg), "ServerKeyExchange ends before the signature");
		ske->has_sigalg = true;
	}
	DECODE_ENSURE(cursor_vec16(body, &sig), "signature length exceeds the ServerKeyExchange");
	DECODE_ENSURE(!cursor_empty(&sig), "empty ServerKeyExchange signature");
	DECODE_ENSURE(cursor_empty(body), "%zu bytes left after the ServerKeyExchange signature",
	       cursor_left(body));
	return DECODE_OK;
}

enum decode_status tls_hs_decode_server_key_exchange(struct cursor *body, uint16_t suite,
						     uint16_t version,
						     struct tls_server_key_exchange *ske,
						     char *why, size_t whylen)
{
	struct tls_suite_info si;
	struct cursor hint, p, g, ys, point, mod, exp;

	memset(ske, 0, sizeof *ske);
	if (!tls_suite_info(suite, &si))
		return DECODE_OK;
	ske->anonymous = si.auth == TLS_AUTH_NONE || si.auth == TLS_AUTH_PSK;
	if (si.psk)
		DECODE_ENSURE(cursor_vec16(body, &hint), "psk_identity_hint exceeds the ServerKeyExchange");
	switch (si.kx) {
	case TLS_KX_DHE:
		DECODE_ENSURE(cursor_vec16(body, &p) && cursor_vec16(body, &g) && cursor_vec16(body, &ys),
		       "ServerDHParams exceed the ServerKeyExchange");
		DECODE_ENSURE(!cursor_empty(&p) && !cursor_empty(&g) && !cursor_empty(&ys),
		       "empty DH parameter");
		ske->dh_p_bits = bits_of(p);
		ske->dh_g_bits = bits_of(g);
		break;
	case TLS_KX_ECDHE:
		DECODE_ENSURE(cursor_u8(body, &ske->curve_type), "ServerKeyExchange too short for ECParameters");
		if (ske->curve_type != 3) {
			/* explicit_prime/explicit_char2 (deprecated by RFC 8422 5.4): not decoded. */
			cursor_skip(body, cursor_left(body));
			return DECODE_OK;
		}
		DECODE_ENSURE(cursor_u16(body, &ske->group) && cursor_vec8(body, &point),
		       "ServerECDHParams exceed the ServerKeyExchange");
		DECODE_ENSURE(!cursor_empty(&point), "empty ECDH public point");
		break;
	case TLS_KX_RSA:
		if (si.psk) {
			DECODE_ENSURE(cursor_empty(body), "%zu bytes after psk_identity_hint", cursor_left(body));
			ske->decoded = true;
			return DECODE_OK;
		}
		/* RSA_EXPORT: a temporary key (RFC 2246 7.4.3). */
		DECODE_ENSURE(cursor_vec16(body, &mod) && cursor_vec16(body, &exp),
		       "ServerRSAParams exceed the ServerKeyExchange");
		ske->rsa_bits = bits_of(mod);
		break;
	case TLS_KX_PSK:
		DECODE_ENSURE(cursor_empty(body), "%zu bytes after psk_identity_hint", cursor_left(body));
		ske->decoded = true;
		return DECODE_OK;
	default:
		cursor_skip(body, cursor_left(body));
		return DECODE_OK;
	}
	GUARD(ske_signature(body, version, ske, why, whylen));
	ske->decoded = true;
	return DECODE_OK;
}

/* ------------------------------------------------------------------ */
/* CertificateRequest (RFC 5246 7.4.4, RFC 8446 4.3.2) */

enum decode_status tls_hs_decode_certificate_request(struct cursor *body, uint16_t version,
						     struct tls_certificate_request *cr,
						     char *why, size_t whylen)
{
	struct cursor types, algs, cas, dn, ctx, exts;
	uint8_t t;

	memset(cr, 0, sizeof *cr);
	if (version >= TLS_V_TLS13) {
		DECODE_ENSURE(cursor_vec8(body, &ctx) && cursor_vec16(body, &exts),
		       "CertificateRequest lengths exceed the message");
		DECODE_ENSURE(cursor_empty(body), "%zu bytes left after the CertificateRequest",
		       cursor_left(body));
		return DECODE_OK;
	}
	DECODE_ENSURE(cursor_vec8(body, &types), "certificate_types exceed the CertificateRequest");
	DECODE_ENSURE(!cursor_empty(&types), "empty certificate_types");
	while (cursor_u8(&types, &t))
		if (cr->n_cert_types < sizeof cr->cert_types)
			cr->cert_types[cr->n_cert_types++] = t;
	if (version >= TLS_V_TLS12) {
		DECODE_ENSURE(cursor_vec16(body, &algs), "supported_signature_algorithms exceed the message");
		DECODE_ENSURE(!cursor_empty(&algs), "empty supported_signature_algorithms");
		GUARD(list16(&algs, &cr->sigalgs, "supported_signature_algorithms", why, whylen));
	}
	DECODE_ENSURE(cursor_vec16(body, &cas), "certificate_authorities exceed the CertificateRequest");
	while (!cursor_empty(&cas)) {
		DECODE_ENSURE(cursor_vec16(&cas, &dn), "DistinguishedName exceeds certificate_authorities");
		cr->n_cas++;
	}
	DECODE_ENSURE(cursor_empty(body), "%zu bytes left after the CertificateRequest", cursor_left(body));
	return DECODE_OK;
}

/* ------------------------------------------------------------------ */
/* NewSessionTicket (RFC 5077 3.3, RFC 8446 4.6.1) */

enum decode_status tls_hs_decode_new_session_ticket(struct cursor *body, uint16_t version,
						    struct tls_new_session_ticket *t,
						    char *why, size_t whylen)
{
	struct cursor nonce, ticket, exts;
	uint32_t age_add;

	memset(t, 0, sizeof *t);
	DECODE_ENSURE(cursor_u32(body, &t->lifetime), "NewSessionTicket too short");
	if (version >= TLS_V_TLS13) {
		DECODE_ENSURE(cursor_u32(body, &age_add) && cursor_vec8(body, &nonce),
		       "NewSessionTicket too short");
	}
	DECODE_ENSURE(cursor_vec16(body, &ticket), "ticket length exceeds the NewSessionTicket");
	t->ticket_len = cursor_left(&ticket);
	if (version >= TLS_V_TLS13)
		DECODE_ENSURE(cursor_vec16(body, &exts), "extensions exceed the NewSessionTicket");
	DECODE_ENSURE(cursor_empty(body), "%zu bytes left after the NewSessionTicket", cursor_left(body));
	return DECODE_OK;
}

/* ------------------------------------------------------------------ */
/* TLS 1.3 EncryptedExtensions, CertificateVerify, KeyUpdate (RFC 8446 4.3.1, 4.4.3, 4.6.3) */

enum decode_status tls_hs_decode_encrypted_extensions(struct cursor *body, struct tls_encrypted_extensions *ee,
						      char *why, size_t whylen)
{
	struct cursor block, data;
	uint16_t type;
	char nb[24];

	memset(ee, 0, sizeof *ee);
	DECODE_ENSURE(cursor_vec16(body, &block) && cursor_empty(body), "extensions length does not match the message");
	while (!cursor_empty(&block)) {
		DECODE_ENSURE(cursor_u16(&block, &type) && cursor_vec16(&block, &data),
			      "extension length exceeds the extensions block");
		DECODE_ENSURE(!list_has(&ee->extensions, type), "duplicate extension %s",
			      tls_name16(tls_extension_names, type, nb, sizeof nb));
		list_add(&ee->extensions, type);
		if (type == TLS_EXT_ALPN)
			GUARD(alpn_list(&data, ee->alpn, sizeof ee->alpn, why, whylen));
		else if (type == TLS_EXT_MAX_FRAGMENT_LENGTH)
			DECODE_ENSURE(cursor_u8(&data, &ee->max_fragment_length) && cursor_empty(&data),
				      "max_fragment_length is not one byte");
		else if (type == 42)
			ee->early_data = true;
	}
	return DECODE_OK;
}

enum decode_status tls_hs_decode_certificate_verify(struct cursor *body, uint16_t version,
						    struct tls_certificate_verify *cv, char *why, size_t whylen)
{
	struct cursor sig;
	memset(cv, 0, sizeof *cv);
	if (version >= TLS_V_TLS12) {
		DECODE_ENSURE(cursor_u16(body, &cv->sigalg), "CertificateVerify too short");
		cv->has_sigalg = true;
	}
	DECODE_ENSURE(cursor_vec16(body, &sig), "signature length exceeds the CertificateVerify");
	DECODE_ENSURE(cursor_empty(body), "%zu bytes left after the CertificateVerify", cursor_left(body));
	cv->sig_len = cursor_left(&sig);
	return DECODE_OK;
}

enum decode_status tls_hs_decode_key_update(struct cursor *body, bool *requested, char *why, size_t whylen)
{
	uint8_t v;
	DECODE_ENSURE(cursor_u8(body, &v) && cursor_empty(body), "KeyUpdate is not one byte");
	DECODE_ENSURE(v <= 1, "KeyUpdate request_update %u is neither 0 nor 1", v);
	*requested = v == 1;
	return DECODE_OK;
}

enum decode_status tls_hs_decode_empty(struct cursor *body, char *why, size_t whylen)
{
	DECODE_ENSURE(cursor_empty(body), "%zu bytes in a message that must be empty", cursor_left(body));
	return DECODE_OK;
}
