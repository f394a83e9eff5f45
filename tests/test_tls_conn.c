/*
 * test_tls_conn.c - whole connections: real openssl s_server/s_client byte
 * streams (tests/data/tls_conn/NAME.tlsf, made by make_fixtures.sh) fed as the
 * capture side would, plus hand-made truncated and malformed streams.  The
 * JSON report is checked field by field.
 */
#include "harness/decode/tls_conn.h"
#include "harness/core/cursor.h"
#include "harness/core/json.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t fx[1 << 16];

/*
 * Feeds a .tlsf fixture ({kind, u16 length, data}) into c, one capture frame
 * per record, split further into chunks of `chunk` bytes (0: whole).
 */
static void feed_fixture_n(struct tls_conn *c, const char *name, size_t chunk, size_t limit)
{
	char path[256];
	FILE *f;
	size_t n;
	uint64_t frame = 4;
	snprintf(path, sizeof path, "tests/data/tls_conn/%s.tlsf", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repository root)", path);
	n = fread(fx, 1, sizeof fx, f);
	fclose(f);
	struct cursor cur = cursor_make(fx, n);
	uint8_t kind;
	uint16_t len;
	const uint8_t *p;
	size_t fed = 0;
	while (fed++ < limit && cursor_u8(&cur, &kind) && cursor_u16(&cur, &len) && cursor_bytes(&cur, len, &p)) {
		struct pkt_meta m = { frame, 1700000000, (int32_t)(frame * 100) };
		enum tls_dir dir = (kind == 'C' || kind == 'c' || kind == 'r') ? TLS_FROM_CLIENT : TLS_FROM_SERVER;
		if (kind == 'C' || kind == 'S') {
			size_t step = chunk ? chunk : len;
			for (size_t off = 0; off < len; off += step)
				tls_conn_data(c, dir, p + off, len - off < step ? len - off : step, &m);
		} else {
			tls_conn_tcp_event(c, dir, (kind == 'r' || kind == 'R') ? TCP_EV_RST : TCP_EV_FIN, &m);
		}
		frame++;
	}
	ck_assert(limit != SIZE_MAX || cursor_empty(&cur));
}

static void feed_fixture(struct tls_conn *c, const char *name, size_t chunk)
{
	feed_fixture_n(c, name, chunk, SIZE_MAX);
}

/*
 * The report written straight to a file (as decode streams it) must be the
 * tree's text byte for byte: every fixture below checks both writers.
 */
static void assert_streamed_is_tree(const struct tls_conn *c, const struct jv *j)
{
	char *streamed = NULL, *tree = NULL;
	size_t slen = 0, tlen = 0;
	FILE *f = open_memstream(&streamed, &slen);
	struct jw *w = jw_open_file(f);
	tls_conn_write_json(w, NULL, c);
	ck_assert_int_eq(jw_close_file(w), 0);
	fclose(f);
	f = open_memstream(&tree, &tlen);
	ck_assert_int_eq(jv_write(f, j, false), 0);
	fputc('\n', f);
	fclose(f);
	ck_assert_str_eq(streamed, tree);
	free(streamed);
	free(tree);
}

/* Runs a fixture and returns its JSON report. */
static struct jv *run(const char *name, size_t chunk)
{
	struct tls_conn *c = tls_conn_new("127.0.0.1:50000", "127.0.0.1:4433");
	struct jv *j;
	ck_assert_ptr_nonnull(c);
	feed_fixture(c, name, chunk);
	tls_conn_finish(c);
	j = tls_conn_to_json(c);
	assert_streamed_is_tree(c, j);
	tls_conn_free(c);
	return j;
}

static const char *str_at(const struct jv *j, const char *a, const char *b)
{
	const struct jv *v = jv_get(j, a);
	if (b)
		v = v ? jv_get(v, b) : NULL;
	return v ? jv_str(v) : NULL;
}

static const struct jv *alert(const struct jv *j, size_t i)
{
	return jv_at(jv_get(j, "alerts"), i);
}

static const char *msg_type(const struct jv *j, size_t i)
{
	return jv_str(jv_get(jv_at(jv_get(j, "messages"), i), "type"));
}

START_TEST(ok_tls12)
{
	struct jv *j = run("ok_tls12", 0);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "handshake_complete");
	ck_assert_str_eq(str_at(j, "version", NULL), "TLS1.2");
	ck_assert_str_eq(str_at(j, "cipher_suite", NULL), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), "ok");
	ck_assert_str_eq(msg_type(j, 0), "ClientHello");
	ck_assert_str_eq(msg_type(j, 1), "ServerHello");
	ck_assert_str_eq(msg_type(j, 2), "Certificate");
	ck_assert_str_eq(msg_type(j, 3), "ServerKeyExchange");
	ck_assert_str_eq(msg_type(j, 4), "ServerHelloDone");
	ck_assert_str_eq(msg_type(j, 5), "ClientKeyExchange");
	ck_assert_str_eq(msg_type(j, 6), "ChangeCipherSpec");
	ck_assert_str_eq(msg_type(j, 7), "Finished");
	ck_assert(jv_boolval(jv_get(jv_at(jv_get(j, "messages"), 7), "encrypted")));
	ck_assert_str_eq(str_at(j, "client_hello", "sni"), "localhost");
	ck_assert_int_eq(jv_intval(jv_get(jv_get(j, "client_hello"), "cipher_suites_total")), 28);
	ck_assert_str_eq(str_at(j, "server_key_exchange", "group"), "x25519");
	const struct jv *cert = jv_at(jv_get(j, "certificates"), 0);
	ck_assert_str_eq(jv_str(jv_get(cert, "common_name")), "localhost");
	ck_assert_str_eq(jv_str(jv_get(cert, "issuer")), "/CN=tlsdiag test CA");
	ck_assert_str_eq(jv_str(jv_get(cert, "not_after_type")), "UTCTime");
	ck_assert_int_eq(jv_intval(jv_get(cert, "key_bits")), 2048);
	/* Both close_notify alerts are encrypted: reported as such, no number. */
	ck_assert_uint_eq(jv_len(jv_get(j, "alerts")), 2);
	ck_assert(jv_boolval(jv_get(alert(j, 0), "encrypted")));
	ck_assert(jv_is_null(jv_get(alert(j, 0), "description")));
	ck_assert_str_eq(jv_str(jv_get(alert(j, 0), "from")), "client");
	ck_assert_str_eq(jv_str(jv_get(alert(j, 0), "after")), "Finished");
	ck_assert_str_eq(str_at(j, "end", "by"), "client");
	ck_assert_str_eq(str_at(j, "end", "how"), "FIN");
	jv_free(j);
}
END_TEST

START_TEST(ok_tls13)
{
	struct jv *j = run("ok_tls13", 0);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "handshake_complete");
	ck_assert_str_eq(str_at(j, "version", NULL), "TLS1.3");
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), "ok");
	ck_assert_str_eq(msg_type(j, 2), "ChangeCipherSpec");
	ck_assert_str_eq(msg_type(j, 3), "EncryptedRecords");
	ck_assert_int_eq(jv_intval(jv_get(jv_at(jv_get(j, "messages"), 3), "records")), 4);
	ck_assert_str_eq(str_at(j, "server_hello", "selected_version"), "TLS1.3");
	ck_assert_str_eq(str_at(j, "server_hello", "key_share"), "x25519");
	/* The client's close_notify is told by its size, as the last record before its FIN. */
	ck_assert(jv_boolval(jv_get(alert(j, 0), "encrypted")));
	ck_assert(jv_boolval(jv_get(alert(j, 0), "inferred_from_size")));
	ck_assert_uint_eq(jv_len(jv_get(j, "certificates")), 0); /* encrypted in TLS 1.3 */
	jv_free(j);
}
END_TEST

START_TEST(same_result_byte_by_byte)
{
	static const char *const names[] = { "ok_tls12", "ok_tls13", "client_cert_required", "no_shared_cipher" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct jv *a = run(names[i], 0), *b = run(names[i], 1), *c3 = run(names[i], 7);
		ck_assert_str_eq(str_at(a, "outcome", NULL), str_at(b, "outcome", NULL));
		ck_assert_str_eq(str_at(a, "diagnosis", "code"), str_at(b, "diagnosis", "code"));
		ck_assert_str_eq(str_at(a, "diagnosis", "code"), str_at(c3, "diagnosis", "code"));
		ck_assert_uint_eq(jv_len(jv_get(a, "messages")), jv_len(jv_get(b, "messages")));
		ck_assert_uint_eq(jv_len(jv_get(a, "alerts")), jv_len(jv_get(c3, "alerts")));
		ck_assert_uint_eq(jv_len(jv_get(b, "notes")), 0);
		jv_free(a);
		jv_free(b);
		jv_free(c3);
	}
}
END_TEST

static void expect_alert(const char *fixture, const char *code, const char *from, int desc, const char *after)
{
	struct jv *j = run(fixture, 0);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "failed");
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), code);
	ck_assert_str_eq(jv_str(jv_get(alert(j, 0), "from")), from);
	ck_assert_int_eq(jv_intval(jv_get(alert(j, 0), "description")), desc);
	ck_assert_str_eq(jv_str(jv_get(alert(j, 0), "level")), "fatal");
	ck_assert(!jv_boolval(jv_get(alert(j, 0), "encrypted")));
	ck_assert_str_eq(jv_str(jv_get(alert(j, 0), "after")), after);
	jv_free(j);
}

START_TEST(failures_from_real_servers)
{
	expect_alert("no_shared_cipher", "no_shared_cipher", "server", 40, "ClientHello");
	expect_alert("protocol_version", "no_shared_version", "server", 70, "ClientHello");
	expect_alert("unknown_ca_tls12", "unknown_ca", "client", 48, "ServerHelloDone");
	expect_alert("unknown_ca_tls13", "unknown_ca", "client", 48, "EncryptedRecords");
	expect_alert("hostname_mismatch", "hostname_mismatch", "client", 42, "ServerHelloDone");
	expect_alert("client_cert_required", "client_cert_required", "server", 40, "Finished");
	expect_alert("unrecognized_name", "missing_sni", "server", 112, "ClientHello");
}
END_TEST

/* The diagnosis's equivalents in the JSON report: {stack, code, name, shows} of each device stack. */
static const struct jv *equiv_of(const struct jv *j, const char *stack, const char *code)
{
	const struct jv *a = jv_get(jv_get(j, "diagnosis"), "equivalents");
	for (size_t i = 0; i < jv_len(a); i++)
		if (strcmp(jv_str(jv_get(jv_at(a, i), "stack")), stack) == 0 &&
		    strcmp(jv_str(jv_get(jv_at(a, i), "code")), code) == 0)
			return jv_at(a, i);
	return NULL;
}

START_TEST(diagnosis_equivalents_in_json)
{
	struct jv *j = run("no_shared_cipher", 0);
	const struct jv *e;
	ck_assert_uint_eq(jv_len(jv_get(jv_get(j, "diagnosis"), "equivalents")), 9); /* no -0x7380: a server's (F4) */
	ck_assert_ptr_nonnull(e = equiv_of(j, "axtls", "-40"));
	ck_assert_str_eq(jv_str(jv_get(e, "name")), "received alert 40 (handshake_failure)");
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(e, "shows")), "Error: SSL error 40"));
	ck_assert_ptr_nonnull(e = equiv_of(j, "bearssl", "296"));
	ck_assert_str_eq(jv_str(jv_get(e, "name")), "BR_ERR_RECV_FATAL_ALERT + 40 (handshake_failure)");
	ck_assert_ptr_nonnull(e = equiv_of(j, "mbedtls", "-0x7780"));
	ck_assert_str_eq(jv_str(jv_get(e, "name")), "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
	ck_assert_ptr_null(equiv_of(j, "openssl", "193"));
	jv_free(j);

	j = run("unknown_ca_tls12", 0);
	ck_assert_ptr_nonnull(e = equiv_of(j, "bearssl", "62"));
	ck_assert_str_eq(jv_str(jv_get(e, "name")), "BR_ERR_X509_NOT_TRUSTED");
	ck_assert_ptr_nonnull(e = equiv_of(j, "wolfssl", "-188"));
	ck_assert_str_eq(jv_str(jv_get(e, "name")), "ASN_NO_SIGNER_E");
	jv_free(j);

	j = run("ok_tls12", 0);
	ck_assert_uint_eq(jv_len(jv_get(jv_get(j, "diagnosis"), "equivalents")), 0);
	jv_free(j);
}
END_TEST

START_TEST(no_shared_cipher_names_rsa_only)
{
	struct jv *j = run("no_shared_cipher", 0);
	const struct jv *kinds = jv_get(jv_get(j, "client_hello"), "key_exchange_kinds");
	ck_assert_int_eq(jv_intval(jv_get(kinds, "RSA")), 4);
	ck_assert_ptr_nonnull(strstr(str_at(j, "diagnosis", "evidence"), "only static-RSA key exchange"));
	ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(jv_get(j, "client_hello"), "cipher_suites"), 0), "name")),
			 "TLS_RSA_WITH_AES_128_CBC_SHA");
	jv_free(j);
}
END_TEST

/* A record header with a handshake header: the first bytes of a ClientHello. */
static const uint8_t ch_start[] = { 0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03 };

START_TEST(capture_ended_inside_client_hello)
{
	struct tls_conn *c = tls_conn_new("10.0.0.1:1", "10.0.0.2:443");
	struct pkt_meta m = { 4, 1, 0 };
	struct jv *j;
	tls_conn_data(c, TLS_FROM_CLIENT, ch_start, sizeof ch_start, &m);
	tls_conn_finish(c);
	j = tls_conn_to_json(c);
	assert_streamed_is_tree(c, j);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "incomplete");
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), "capture_truncated");
	ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(j, "notes"), 0), "kind")), "truncated");
	ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(j, "notes"), 0), "text")),
			 "the stream ended inside a ClientHello (2 of 60 bytes)");
	ck_assert_str_eq(str_at(j, "end", "how"), "capture_ended");
	jv_free(j);
	tls_conn_free(c);
}
END_TEST

START_TEST(gap_is_truncated_not_a_peer_error)
{
	struct tls_conn *c = tls_conn_new("10.0.0.1:1", "10.0.0.2:443");
	struct pkt_meta m = { 4, 1, 0 };
	struct jv *j;
	tls_conn_data(c, TLS_FROM_CLIENT, ch_start, sizeof ch_start, &m);
	m.frame = 6;
	tls_conn_gap(c, TLS_FROM_CLIENT, 1400, &m);
	m.frame = 7;
	tls_conn_tcp_event(c, TLS_FROM_SERVER, TCP_EV_FIN, &m);
	tls_conn_finish(c);
	j = tls_conn_to_json(c);
	assert_streamed_is_tree(c, j);
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), "capture_truncated");
	ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(j, "notes"), 0), "text")),
			 "the capture lost 1400 bytes; the rest of this direction is not decoded");
	jv_free(j);
	tls_conn_free(c);
}
END_TEST

START_TEST(http_to_tls_port_is_not_tls)
{
	static const uint8_t get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct tls_conn *c = tls_conn_new("10.0.0.1:1", "10.0.0.2:443");
	struct pkt_meta m = { 4, 1, 0 };
	struct jv *j;
	tls_conn_data(c, TLS_FROM_CLIENT, get, sizeof get - 1, &m);
	tls_conn_finish(c);
	j = tls_conn_to_json(c);
	assert_streamed_is_tree(c, j);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "not_tls");
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), "not_tls");
	ck_assert(!tls_looks_like_tls(get, sizeof get - 1));
	jv_free(j);
	tls_conn_free(c);
}
END_TEST

START_TEST(server_closed_without_alert_and_oversize)
{
	static const uint8_t huge[] = { 0x16, 0x03, 0x03, 0x50, 0x00 };
	struct tls_conn *c = tls_conn_new("10.0.0.1:1", "10.0.0.2:443");
	struct pkt_meta m = { 4, 1, 0 };
	struct jv *j;
	feed_fixture(c, "no_shared_cipher", 0); /* only to get a ClientHello in */
	tls_conn_free(c);

	c = tls_conn_new("10.0.0.1:1", "10.0.0.2:443");
	/* the ClientHello record of the fixture is its first entry: 3 bytes in */
	tls_conn_data(c, TLS_FROM_CLIENT, fx + 3, (size_t)((fx[1] << 8) | fx[2]), &m);
	m.frame = 5;
	tls_conn_tcp_event(c, TLS_FROM_SERVER, TCP_EV_RST, &m);
	tls_conn_finish(c);
	j = tls_conn_to_json(c);
	assert_streamed_is_tree(c, j);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "failed");
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), "server_closed_without_alert");
	ck_assert_str_eq(str_at(j, "end", "how"), "RST");
	jv_free(j);
	tls_conn_free(c);

	c = tls_conn_new("10.0.0.1:1", "10.0.0.2:443");
	tls_conn_data(c, TLS_FROM_CLIENT, fx + 3, (size_t)((fx[1] << 8) | fx[2]), &m);
	tls_conn_data(c, TLS_FROM_SERVER, huge, sizeof huge, &m);
	tls_conn_finish(c);
	j = tls_conn_to_json(c);
	assert_streamed_is_tree(c, j);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "malformed");
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), "record_overflow");
	ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(j, "notes"), 0), "kind")), "malformed");
	jv_free(j);
	tls_conn_free(c);
}
END_TEST

START_TEST(sslv2_hello_connection)
{
	static const uint8_t v2[] = {
		0x80, 0x2b, 0x01, 0x03, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x10,
		0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x00, 0x00, 0x0a, 0x01, 0x00, 0x80, 0x07, 0x00, 0xc0,
		0x00, 0x00, 0xff,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	};
	struct tls_conn *c = tls_conn_new("10.0.0.1:1", "10.0.0.2:443");
	struct pkt_meta m = { 4, 1, 0 };
	struct jv *j;
	tls_conn_data(c, TLS_FROM_CLIENT, v2, sizeof v2, &m);
	tls_conn_finish(c);
	j = tls_conn_to_json(c);
	assert_streamed_is_tree(c, j);
	ck_assert_str_eq(msg_type(j, 0), "ClientHello");
	ck_assert(jv_boolval(jv_get(jv_get(j, "client_hello"), "sslv2_format")));
	ck_assert_str_eq(str_at(j, "client_hello", "record_version"), "SSLv2");
	ck_assert_str_eq(str_at(j, "client_hello", "legacy_version"), "TLS1.0");
	ck_assert_uint_eq(jv_len(jv_get(jv_get(j, "client_hello"), "cipher_suites")), 4);
	ck_assert_str_eq(str_at(j, "diagnosis", "code"), "handshake_incomplete");
	ck_assert(tls_looks_like_tls(v2, sizeof v2));
	jv_free(j);
	tls_conn_free(c);
}
END_TEST

START_TEST(text_report)
{
	struct tls_conn *c = tls_conn_new("127.0.0.1:50000", "127.0.0.1:4433");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	feed_fixture(c, "no_shared_cipher", 0);
	tls_conn_finish(c);
	tls_conn_print_text(out, c);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "  #4    0.000000  client -> server  ClientHello (TLS1.2, 5 suites, SNI localhost)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "  #5    0.000100  server -> client  Alert (fatal handshake_failure, 40)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "diagnosis: no_shared_cipher - "));
	ck_assert_ptr_nonnull(strstr(buf, "  same failure on each stack: on CC3200: -340 SL_ESEC_HANDSHAKE_FAILURE "
				       "[OSError: 340], -213 SL_ESEC_FATAL_ERROR [OSError: 213], -291 "
				       "SL_ESEC_MATCH_SUITE_ERROR [OSError: 291]; on axTLS: -40 received alert 40 "
				       "(handshake_failure) [Error: SSL error 40], -266 SSL_ERROR_NO_CIPHER; on BearSSL: "
				       "296 BR_ERR_RECV_FATAL_ALERT + 40 (handshake_failure) "));
	ck_assert_ptr_nonnull(strstr(buf, "; on mbedTLS: -0x7780 MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE "
				       "[mbedtls_ssl_handshake returned -0x7780]; on wolfSSL: -313 FATAL_ERROR "
				       "[wolfSSL_get_error() = -313], -501 MATCH_SUITE_ERROR [can't match cipher suite]\n"));
	free(buf);
	tls_conn_free(c);
}
END_TEST

/* ---- regressions found by the comparison with tshark ---- */

/* One record of `type` with a body of len bytes (0xaa: ciphertext as far as the decoder knows). */
static void record(struct tls_conn *c, enum tls_dir dir, uint8_t type, const uint8_t *body, uint16_t len,
		   uint64_t frame)
{
	static uint8_t buf[5 + 512];
	struct pkt_meta m = { frame, 1700000001, 0 };
	ck_assert_uint_le(len, 512);
	buf[0] = type;
	buf[1] = 3;
	buf[2] = 3;
	buf[3] = (uint8_t)(len >> 8);
	buf[4] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		buf[5 + i] = body ? body[i] : 0xaa;
	tls_conn_data(c, dir, buf, 5u + len, &m);
}

static struct jv *report(struct tls_conn *c)
{
	tls_conn_finish(c);
	struct jv *j = tls_conn_to_json(c);
	assert_streamed_is_tree(c, j);
	tls_conn_free(c);
	return j;
}

static size_t notes_of_kind(const struct jv *j, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < jv_len(jv_get(j, "notes")); i++)
		n += strcmp(jv_str(jv_get(jv_at(jv_get(j, "notes"), i), "kind")), kind) == 0;
	return n;
}

START_TEST(renegotiation_ccs_under_cipher_is_encrypted)
{
	/* ok_tls12 up to both Finished, then a renegotiation's CCS, encrypted under the current keys (40 bytes). */
	struct tls_conn *c = tls_conn_new("127.0.0.1:50000", "127.0.0.1:4433");
	feed_fixture_n(c, "ok_tls12", 0, 4);
	record(c, TLS_FROM_CLIENT, 20, NULL, 40, 20);
	struct jv *j = report(c);
	size_t n = jv_len(jv_get(j, "messages"));
	const struct jv *last = jv_at(jv_get(j, "messages"), n - 1);
	ck_assert_str_eq(jv_str(jv_get(last, "type")), "ChangeCipherSpec");
	ck_assert_str_eq(jv_str(jv_get(last, "summary")), "(encrypted)");
	ck_assert_int_eq(jv_intval(jv_get(last, "length")), 40);
	ck_assert_uint_eq(notes_of_kind(j, "malformed"), 0);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "handshake_complete");
	jv_free(j);
}
END_TEST

START_TEST(alerts_past_the_bound_keep_the_last)
{
	/* 20 warnings from the client, then the server's fatal handshake_failure: the fatal one is kept. */
	static const uint8_t warn[2] = { 1, 90 }, fatal[2] = { 2, 40 };
	struct tls_conn *c = tls_conn_new("127.0.0.1:50000", "127.0.0.1:4433");
	for (int i = 0; i < 20; i++)
		record(c, TLS_FROM_CLIENT, 21, warn, 2, 4 + (uint64_t)i);
	record(c, TLS_FROM_SERVER, 21, fatal, 2, 30);
	struct jv *j = report(c);
	const struct jv *a = jv_get(j, "alerts");
	ck_assert_uint_eq(jv_len(a), 16);
	ck_assert_int_eq(jv_intval(jv_get(j, "alerts_not_listed")), 5);
	ck_assert_int_eq(jv_intval(jv_get(jv_at(a, 0), "frame")), 4);
	ck_assert_str_eq(jv_str(jv_get(jv_at(a, 15), "from")), "server");
	ck_assert_int_eq(jv_intval(jv_get(jv_at(a, 15), "description")), 40);
	ck_assert_int_eq(jv_intval(jv_get(jv_at(a, 15), "frame")), 30);
	ck_assert_str_eq(str_at(j, "outcome", NULL), "failed");
	jv_free(j);

	/* A fatal alert in the last slot is not pushed out by later warnings. */
	c = tls_conn_new("127.0.0.1:50000", "127.0.0.1:4433");
	for (int i = 0; i < 16; i++)
		record(c, TLS_FROM_CLIENT, 21, warn, 2, 4 + (uint64_t)i);
	record(c, TLS_FROM_SERVER, 21, fatal, 2, 30);
	for (int i = 0; i < 3; i++)
		record(c, TLS_FROM_CLIENT, 21, warn, 2, 31 + (uint64_t)i);
	j = report(c);
	a = jv_get(j, "alerts");
	ck_assert_uint_eq(jv_len(a), 16);
	ck_assert_int_eq(jv_intval(jv_get(j, "alerts_not_listed")), 4);
	ck_assert_int_eq(jv_intval(jv_get(jv_at(a, 15), "description")), 40);
	jv_free(j);
}
END_TEST

START_TEST(fin_then_rst_is_a_fin)
{
	/* The server closes with FIN; the RST after it answers the client's close_notify that crossed the FIN. */
	struct tls_conn *c = tls_conn_new("127.0.0.1:50000", "127.0.0.1:4433");
	struct pkt_meta fin = { 20, 1700000001, 0 }, rst = { 22, 1700000001, 5 };
	feed_fixture_n(c, "ok_tls12", 0, 4);
	tls_conn_tcp_event(c, TLS_FROM_SERVER, TCP_EV_FIN, &fin);
	record(c, TLS_FROM_CLIENT, 21, NULL, 26, 21);
	tls_conn_tcp_event(c, TLS_FROM_SERVER, TCP_EV_RST, &rst);
	tls_conn_finish(c);
	struct jv *j = tls_conn_to_json(c);
	const struct jv *end = jv_get(j, "end");
	ck_assert_str_eq(jv_str(jv_get(end, "by")), "server");
	ck_assert_str_eq(jv_str(jv_get(end, "how")), "FIN");
	ck_assert_str_eq(jv_str(jv_get(end, "server_closed")), "FIN");
	ck_assert(jv_boolval(jv_get(end, "rst_after_fin")));
	ck_assert_int_eq(jv_intval(jv_get(end, "rst_frame")), 22);
	char *text = NULL;
	size_t tl = 0;
	FILE *f = open_memstream(&text, &tl);
	tls_conn_print_text(f, c);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "end: server sent FIN, #20 (then RST, #22"));
	ck_assert_ptr_null(strstr(text, "sent RST"));
	free(text);
	jv_free(j);
	tls_conn_free(c);
}
END_TEST

START_TEST(tls13_client_flight_is_not_application_data)
{
	/* ok_tls13's hellos and server flight, then a client that sends Certificate, CertificateVerify, Finished. */
	struct tls_conn *c = tls_conn_new("127.0.0.1:50000", "127.0.0.1:4433");
	feed_fixture_n(c, "ok_tls13", 0, 2);
	record(c, TLS_FROM_CLIENT, 23, NULL, 400, 10);
	record(c, TLS_FROM_CLIENT, 23, NULL, 280, 10);
	record(c, TLS_FROM_CLIENT, 23, NULL, 69, 10);
	record(c, TLS_FROM_SERVER, 23, NULL, 250, 11); /* NewSessionTicket */
	record(c, TLS_FROM_CLIENT, 23, NULL, 100, 12); /* data */
	struct jv *j = report(c);
	const struct jv *m = jv_get(j, "messages");
	size_t n = jv_len(m);
	ck_assert_str_eq(jv_str(jv_get(jv_at(m, n - 3), "type")), "EncryptedRecords");
	ck_assert_str_eq(jv_str(jv_get(jv_at(m, n - 3), "from")), "client");
	ck_assert_int_eq(jv_intval(jv_get(jv_at(m, n - 3), "records")), 3);
	ck_assert_str_eq(jv_str(jv_get(jv_at(m, n - 1), "type")), "ApplicationData");
	ck_assert_int_eq(jv_intval(jv_get(jv_get(jv_get(j, "application_data"), "client"), "records")), 1);
	/* Without keys the report says what stayed unread and how to get the keys. */
	ck_assert_str_eq(str_at(j, "decryption", "keys"), "no_key_log");
	ck_assert_ptr_nonnull(strstr(str_at(j, "decryption", "hint"), "--keylog"));
	jv_free(j);
}
END_TEST

static Suite *tls_conn_suite(void)
{
	Suite *s = suite_create("tls_conn");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ok_tls12);
	tcase_add_test(tc, ok_tls13);
	tcase_add_test(tc, same_result_byte_by_byte);
	tcase_add_test(tc, failures_from_real_servers);
	tcase_add_test(tc, no_shared_cipher_names_rsa_only);
	tcase_add_test(tc, diagnosis_equivalents_in_json);
	tcase_add_test(tc, capture_ended_inside_client_hello);
	tcase_add_test(tc, gap_is_truncated_not_a_peer_error);
	tcase_add_test(tc, http_to_tls_port_is_not_tls);
	tcase_add_test(tc, server_closed_without_alert_and_oversize);
	tcase_add_test(tc, sslv2_hello_connection);
	tcase_add_test(tc, text_report);
	tcase_add_test(tc, renegotiation_ccs_under_cipher_is_encrypted);
	tcase_add_test(tc, alerts_past_the_bound_keep_the_last);
	tcase_add_test(tc, fin_then_rst_is_a_fin);
	tcase_add_test(tc, tls13_client_flight_is_not_application_data);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tls_conn_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
