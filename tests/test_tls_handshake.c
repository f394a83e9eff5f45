/* test_tls_handshake.c - message reassembly and the ClientHello/ServerHello/... decoders. */
#include "harness/decode/tls_handshake.h"
#include "harness/decode/tls_names.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* A tiny writer for building messages; vectors are opened and closed with a length prefix. */
struct wbuf {
	uint8_t b[4096];
	size_t n;
	size_t open[8];
	int width[8];
	int depth;
};

static void w8(struct wbuf *w, unsigned v) { w->b[w->n++] = (uint8_t)v; }
static void w16(struct wbuf *w, unsigned v) { w8(w, v >> 8); w8(w, v); }
static void wbytes(struct wbuf *w, const void *p, size_t n) { memcpy(w->b + w->n, p, n); w->n += n; }
static void vopen(struct wbuf *w, int width)
{
	w->open[w->depth] = w->n;
	w->width[w->depth++] = width;
	for (int i = 0; i < width; i++)
		w8(w, 0);
}
static void vclose(struct wbuf *w)
{
	size_t at = w->open[--w->depth], len = w->n - at - (size_t)w->width[w->depth];
	for (int i = w->width[w->depth] - 1; i >= 0; i--, len >>= 8)
		w->b[at + (size_t)i] = (uint8_t)len;
}

/* A TLS 1.2/1.3 ClientHello body like OpenSSL's, with SNI "device.example". */
static void client_hello(struct wbuf *w, bool extra_byte_in_sni)
{
	static const uint8_t rnd[32] = { 1 };
	w16(w, 0x0303);
	wbytes(w, rnd, 32);
	vopen(w, 1); vclose(w);
	vopen(w, 2); w16(w, 0x0a0a); w16(w, 0x1301); w16(w, 0xc02f); w16(w, 0x002f); w16(w, 0x00ff); vclose(w);
	vopen(w, 1); w8(w, 0); vclose(w);
	vopen(w, 2);
	w16(w, 0); vopen(w, 2); vopen(w, 2); w8(w, 0); vopen(w, 2); wbytes(w, "device.example", 14); vclose(w); vclose(w);
	if (extra_byte_in_sni)
		w8(w, 0);
	vclose(w);
	w16(w, 1); vopen(w, 2); w8(w, 1); vclose(w); /* max_fragment_length 2^9 */
	w16(w, 10); vopen(w, 2); vopen(w, 2); w16(w, 29); w16(w, 23); vclose(w); vclose(w);
	w16(w, 11); vopen(w, 2); vopen(w, 1); w8(w, 0); vclose(w); vclose(w);
	w16(w, 13); vopen(w, 2); vopen(w, 2); w16(w, 0x0804); w16(w, 0x0403); w16(w, 0x0201); vclose(w); vclose(w);
	w16(w, 16); vopen(w, 2); vopen(w, 2); vopen(w, 1); wbytes(w, "h2", 2); vclose(w); vopen(w, 1); wbytes(w, "http/1.1", 8); vclose(w); vclose(w); vclose(w);
	w16(w, 43); vopen(w, 2); vopen(w, 1); w16(w, 0x0304); w16(w, 0x0303); vclose(w); vclose(w);
	w16(w, 51); vopen(w, 2); vopen(w, 2); w16(w, 29); vopen(w, 2); w8(w, 9); vclose(w); vclose(w); vclose(w);
	vclose(w);
}

START_TEST(client_hello_ok)
{
	struct wbuf w = { .n = 0 };
	struct tls_client_hello ch;
	char why[TLS_WHY_LEN] = "";
	struct cursor c;
	client_hello(&w, false);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_client_hello(&c, &ch, why, sizeof why), DECODE_OK);
	ck_assert_uint_eq(ch.legacy_version, 0x0303);
	ck_assert_uint_eq(ch.suites.n, 5);
	ck_assert_uint_eq(ch.suites.v[1], 0x1301);
	ck_assert(ch.renegotiation_info);
	ck_assert(ch.has_sni);
	ck_assert_str_eq(ch.sni, "device.example");
	ck_assert_uint_eq(ch.max_fragment_length, 1);
	ck_assert_uint_eq(ch.groups.n, 2);
	ck_assert_uint_eq(ch.groups.v[0], 29);
	ck_assert_uint_eq(ch.sigalgs.n, 3);
	ck_assert_str_eq(ch.alpn, "h2,http/1.1");
	ck_assert(ch.has_versions);
	ck_assert_uint_eq(ch.versions.n, 2);
	ck_assert_uint_eq(tls_client_hello_max_version(&ch), 0x0304);
	ck_assert(tls_client_hello_offers(&ch, 0x0303));
	ck_assert(!tls_client_hello_offers(&ch, 0x0302));
	ck_assert_uint_eq(ch.key_share_groups.n, 1);
	ck_assert_uint_eq(ch.n_ec_point_formats, 1);
	ck_assert_uint_eq(ch.extensions.n, 8);
	ck_assert(cursor_empty(&c));
}
END_TEST

START_TEST(client_hello_leftover_in_extension)
{
	struct wbuf w = { .n = 0 };
	struct tls_client_hello ch;
	char why[TLS_WHY_LEN] = "";
	struct cursor c;
	client_hello(&w, true);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_client_hello(&c, &ch, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "1 bytes left after the server_name list");
}
END_TEST

START_TEST(client_hello_bad_lengths)
{
	struct wbuf w = { .n = 0 };
	struct tls_client_hello ch;
	char why[TLS_WHY_LEN] = "";
	struct cursor c;
	client_hello(&w, false);
	/* Cut inside the extensions: the block length now lies. */
	c = cursor_make(w.b, w.n - 3);
	ck_assert_int_eq(tls_hs_decode_client_hello(&c, &ch, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "extensions length exceeds the ClientHello");
	/* Trailing byte after the extensions block. */
	w.b[w.n] = 0;
	c = cursor_make(w.b, w.n + 1);
	ck_assert_int_eq(tls_hs_decode_client_hello(&c, &ch, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "1 bytes left after the ClientHello extensions");
	/* Odd cipher suite vector. */
	w.b[2 + 32 + 1 + 1] = 9;
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_client_hello(&c, &ch, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "cipher_suites list has an odd length of 9 bytes");
	c = cursor_make(w.b, 10);
	ck_assert_int_eq(tls_hs_decode_client_hello(&c, &ch, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "ClientHello too short for random");
}
END_TEST

START_TEST(client_hello_duplicate_extension)
{
	struct wbuf w = { .n = 0 };
	static const uint8_t rnd[32] = { 0 };
	struct tls_client_hello ch;
	char why[TLS_WHY_LEN] = "";
	struct cursor c;
	w16(&w, 0x0303); wbytes(&w, rnd, 32); vopen(&w, 1); vclose(&w);
	vopen(&w, 2); w16(&w, 0x002f); vclose(&w); vopen(&w, 1); w8(&w, 0); vclose(&w);
	vopen(&w, 2); w16(&w, 23); w16(&w, 0); w16(&w, 23); w16(&w, 0); vclose(&w);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_client_hello(&c, &ch, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "duplicate extension extended_master_secret");
	/* No extensions at all is fine before TLS 1.3 (RFC 5246 7.4.1.2). */
	c = cursor_make(w.b, w.n - 10);
	ck_assert_int_eq(tls_hs_decode_client_hello(&c, &ch, why, sizeof why), DECODE_OK);
	ck_assert(!ch.has_extensions);
	ck_assert_uint_eq(tls_client_hello_max_version(&ch), 0x0303);
	ck_assert(tls_client_hello_offers(&ch, 0x0301));
	ck_assert(!tls_client_hello_offers(&ch, 0x0304));
}
END_TEST

START_TEST(sslv2_hello)
{
	static const uint8_t v2[] = {
		0x01, 0x03, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10,
		0x00, 0x00, 0x2f, 0x07, 0x00, 0xc0, 0x00, 0x00, 0xff,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	};
	struct tls_client_hello ch;
	char why[TLS_WHY_LEN] = "";
	struct cursor c = cursor_make(v2, sizeof v2);
	ck_assert_int_eq(tls_hs_decode_sslv2_hello(&c, &ch, why, sizeof why), DECODE_OK);
	ck_assert(ch.sslv2);
	ck_assert_uint_eq(ch.legacy_version, 0x0301);
	ck_assert_uint_eq(ch.suites.n, 2); /* the SSLv2-only spec 0x0700c0 is not a TLS suite */
	ck_assert_uint_eq(ch.suites.v[0], 0x002f);
	ck_assert(ch.renegotiation_info);
	ck_assert_uint_eq(ch.random[16], 1);
	c = cursor_make(v2, sizeof v2 - 1);
	ck_assert_int_eq(tls_hs_decode_sslv2_hello(&c, &ch, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "SSLv2 CLIENT-HELLO lengths exceed the record");
}
END_TEST

static void server_hello(struct wbuf *w, const uint8_t *rnd, uint16_t version_ext)
{
	w16(w, 0x0303);
	wbytes(w, rnd, 32);
	vopen(w, 1); vclose(w);
	w16(w, version_ext ? 0x1301 : 0xc02f);
	w8(w, 0);
	vopen(w, 2);
	if (version_ext) {
		w16(w, 43); vopen(w, 2); w16(w, version_ext); vclose(w);
		w16(w, 51); vopen(w, 2); w16(w, 29);
		if (memcmp(rnd, tls_hrr_random, 32) != 0) { vopen(w, 2); w8(w, 7); vclose(w); }
		vclose(w);
	} else {
		w16(w, 0xff01); vopen(w, 2); vopen(w, 1); vclose(w); vclose(w);
	}
	vclose(w);
}

START_TEST(server_hello_versions_and_hrr)
{
	static const uint8_t rnd[32] = { 5 };
	struct wbuf w = { .n = 0 };
	struct tls_server_hello sh;
	char why[TLS_WHY_LEN] = "";
	struct cursor c;

	server_hello(&w, rnd, 0);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_server_hello(&c, &sh, why, sizeof why), DECODE_OK);
	ck_assert_uint_eq(sh.version, 0x0303);
	ck_assert_uint_eq(sh.suite, 0xc02f);
	ck_assert(sh.renegotiation_info);
	ck_assert(!sh.hrr);

	w.n = 0;
	server_hello(&w, rnd, 0x0304);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_server_hello(&c, &sh, why, sizeof why), DECODE_OK);
	ck_assert_uint_eq(sh.version, 0x0304);
	ck_assert_uint_eq(sh.legacy_version, 0x0303);
	ck_assert_uint_eq(sh.key_share_group, 29);

	w.n = 0;
	server_hello(&w, tls_hrr_random, 0x0304);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_server_hello(&c, &sh, why, sizeof why), DECODE_OK);
	ck_assert(sh.hrr);
	ck_assert_uint_eq(sh.key_share_group, 29);

	/* An extension with a byte left inside. */
	w.n = 0;
	server_hello(&w, rnd, 0x0304);
	w.b[2 + 32 + 1 + 3 + 2 + 3] = 3; /* supported_versions data length 2 -> 3, eats into the next */
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_server_hello(&c, &sh, why, sizeof why), DECODE_MALFORMED);
}
END_TEST

/* Feeds `msgs` in records of `rec` bytes; returns the messages seen. */
static int reasm_count(const uint8_t *msgs, size_t n, size_t rec, uint8_t *types)
{
	struct tls_hs_reasm r;
	struct tls_hs_msg m;
	int k = 0;
	tls_hs_reasm_init(&r);
	for (size_t off = 0; off < n; off += rec) {
		struct cursor in = cursor_make(msgs + off, n - off < rec ? n - off : rec);
		while (tls_hs_reasm_next(&r, &in, &m) == TLS_HS_MESSAGE) {
			types[k++] = m.type;
			ck_assert_uint_eq(cursor_left(&m.body), m.len);
		}
	}
	tls_hs_reasm_free(&r);
	return k;
}

START_TEST(reassembly_split_and_packed)
{
	/* ServerHelloDone, a 5-byte Certificate-typed blob, another ServerHelloDone */
	static const uint8_t msgs[] = { 14, 0, 0, 0, 11, 0, 0, 5, 1, 2, 3, 4, 5, 14, 0, 0, 0 };
	uint8_t types[8];
	for (size_t rec = 1; rec <= sizeof msgs; rec++) {
		ck_assert_int_eq(reasm_count(msgs, sizeof msgs, rec, types), 3);
		ck_assert_uint_eq(types[0], 14);
		ck_assert_uint_eq(types[1], 11);
		ck_assert_uint_eq(types[2], 14);
	}
}
END_TEST

START_TEST(reassembly_partial_and_too_big)
{
	static const uint8_t part[] = { 11, 0, 1, 0, 1, 2, 3 };
	static const uint8_t big[] = { 11, 0x03, 0x00, 0x00, 9, 9, 9 }; /* claims 192 KiB */
	struct tls_hs_reasm r;
	struct tls_hs_msg m;
	struct cursor in = cursor_make(part, sizeof part);
	uint8_t type;
	size_t have;
	uint32_t want;

	tls_hs_reasm_init(&r);
	ck_assert_int_eq(tls_hs_reasm_next(&r, &in, &m), TLS_HS_NEED_MORE);
	ck_assert(tls_hs_reasm_partial(&r, &type, &have, &want));
	ck_assert_uint_eq(type, 11);
	ck_assert_uint_eq(have, 3);
	ck_assert_uint_eq(want, 256);
	tls_hs_reasm_free(&r);

	tls_hs_reasm_init(&r);
	in = cursor_make(big, sizeof big);
	ck_assert_int_eq(tls_hs_reasm_next(&r, &in, &m), TLS_HS_MESSAGE);
	ck_assert(m.too_big);
	ck_assert_uint_eq(m.len, 0x30000);
	ck_assert(cursor_empty(&in));
	ck_assert(tls_hs_reasm_partial(&r, &type, &have, &want));
	ck_assert_uint_eq(have, 3);
	tls_hs_reasm_free(&r);
}
END_TEST

START_TEST(server_key_exchange_dhe_and_ecdhe)
{
	struct wbuf w = { .n = 0 };
	struct tls_server_key_exchange ske;
	char why[TLS_WHY_LEN] = "";
	struct cursor c;
	uint8_t p[128];

	memset(p, 0xff, sizeof p);
	p[0] = 0x00; /* a leading zero byte does not count */
	vopen(&w, 2); wbytes(&w, p, sizeof p); vclose(&w); /* 127 bytes of 0xff: 1016 bits */
	vopen(&w, 2); w8(&w, 2); vclose(&w);
	vopen(&w, 2); w8(&w, 7); vclose(&w);
	w16(&w, 0x0401); vopen(&w, 2); w8(&w, 1); vclose(&w);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_server_key_exchange(&c, 0x009e, 0x0303, &ske, why, sizeof why), DECODE_OK);
	ck_assert(ske.decoded);
	ck_assert_uint_eq(ske.dh_p_bits, 1016);
	ck_assert_uint_eq(ske.dh_g_bits, 2);
	ck_assert_uint_eq(ske.sigalg, 0x0401);
	/* TLS 1.0 has no SignatureAndHashAlgorithm: the same bytes leave 2 over. */
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_server_key_exchange(&c, 0x0033, 0x0301, &ske, why, sizeof why),
			 DECODE_MALFORMED);

	w.n = 0;
	w8(&w, 3); w16(&w, 23); vopen(&w, 1); w8(&w, 4); vclose(&w);
	w16(&w, 0x0403); vopen(&w, 2); w8(&w, 1); vclose(&w);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_server_key_exchange(&c, 0xc02f, 0x0303, &ske, why, sizeof why), DECODE_OK);
	ck_assert_uint_eq(ske.group, 23);
	c = cursor_make(w.b, w.n - 1);
	ck_assert_int_eq(tls_hs_decode_server_key_exchange(&c, 0xc02f, 0x0303, &ske, why, sizeof why),
			 DECODE_MALFORMED);
	ck_assert_str_eq(why, "signature length exceeds the ServerKeyExchange");
}
END_TEST

START_TEST(certificate_request_and_empty_messages)
{
	struct wbuf w = { .n = 0 };
	struct tls_certificate_request cr;
	struct tls_certificate cm;
	struct tls_new_session_ticket t;
	char why[TLS_WHY_LEN] = "";
	struct cursor c;
	static const uint8_t one[] = { 0 };
	static const uint8_t empty_list[] = { 0, 0, 0 };
	static const uint8_t empty_cert[] = { 0, 0, 3, 0, 0, 0 };

	vopen(&w, 1); w8(&w, 1); w8(&w, 64); vclose(&w);
	vopen(&w, 2); w16(&w, 0x0401); vclose(&w);
	vopen(&w, 2); vopen(&w, 2); w8(&w, 0x30); w8(&w, 0); vclose(&w); vclose(&w);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_certificate_request(&c, 0x0303, &cr, why, sizeof why), DECODE_OK);
	ck_assert_uint_eq(cr.n_cert_types, 2);
	ck_assert_uint_eq(cr.n_cas, 1);
	ck_assert_uint_eq(cr.sigalgs.n, 1);

	c = cursor_make(one, 1);
	ck_assert_int_eq(tls_hs_decode_empty(&c, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "1 bytes in a message that must be empty");

	c = cursor_make(empty_list, sizeof empty_list);
	ck_assert_int_eq(tls_hs_decode_certificate(&c, false, &cm, why, sizeof why), DECODE_OK);
	ck_assert_uint_eq(cm.n_certs, 0);
	c = cursor_make(empty_cert, sizeof empty_cert);
	ck_assert_int_eq(tls_hs_decode_certificate(&c, false, &cm, why, sizeof why), DECODE_MALFORMED);
	ck_assert_str_eq(why, "empty certificate in certificate_list");

	w.n = 0;
	w16(&w, 0); w16(&w, 7200); vopen(&w, 2); w8(&w, 1); w8(&w, 2); vclose(&w);
	c = cursor_make(w.b, w.n);
	ck_assert_int_eq(tls_hs_decode_new_session_ticket(&c, 0x0303, &t, why, sizeof why), DECODE_OK);
	ck_assert_uint_eq(t.lifetime, 7200);
	ck_assert_uint_eq(t.ticket_len, 2);
}
END_TEST

static Suite *tls_handshake_suite(void)
{
	Suite *s = suite_create("tls_handshake");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, client_hello_ok);
	tcase_add_test(tc, client_hello_leftover_in_extension);
	tcase_add_test(tc, client_hello_bad_lengths);
	tcase_add_test(tc, client_hello_duplicate_extension);
	tcase_add_test(tc, sslv2_hello);
	tcase_add_test(tc, server_hello_versions_and_hrr);
	tcase_add_test(tc, reassembly_split_and_packed);
	tcase_add_test(tc, reassembly_partial_and_too_big);
	tcase_add_test(tc, server_key_exchange_dhe_and_ecdhe);
	tcase_add_test(tc, certificate_request_and_empty_messages);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tls_handshake_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
