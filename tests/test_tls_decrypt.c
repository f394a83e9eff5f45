/*
 * test_tls_decrypt.c - decryption on recorded real sessions
 * (tests/data/tls_decrypt/NAME.tlsf with the client's key log NAME.keys,
 * made by make_fixtures.sh): the decrypted ladder message by message, the
 * alerts, the diagnosis, wrong keys and a corrupt record told apart, a key
 * log that does not hold the connection, and the cipher table.  The live
 * comparison with tshark is test_decrypt_live.
 */
#include "harness/core/cursor.h"
#include "harness/core/json.h"
#include "harness/decode/keylog.h"
#include "harness/decode/tls_conn.h"
#include "harness/decode/tls_decrypt.h"
#include "harness/decode/tls_names.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fixture's records into c; `flip` (>= 0) changes that byte of the stream of the server. */
static void feed(struct tls_conn *c, const char *name, long flip)
{
	char path[256];
	size_t n;
	long server_off = 0;
	snprintf(path, sizeof path, "tests/data/tls_decrypt/%s.tlsf", name);
	uint8_t *fx = (uint8_t *)tu_slurp(path, &n);
	ck_assert_msg(fx != NULL, "cannot open %s (run from the repository root)", path);
	struct cursor cur = cursor_make(fx, n);
	uint8_t kind;
	uint16_t len;
	const uint8_t *p;
	uint64_t frame = 4;
	while (cursor_u8(&cur, &kind) && cursor_u16(&cur, &len) && cursor_bytes(&cur, len, &p)) {
		struct pkt_meta m = { frame++, 1700000000, 0 };
		enum tls_dir dir = (kind == 'C' || kind == 'c' || kind == 'r') ? TLS_FROM_CLIENT : TLS_FROM_SERVER;
		if (kind == 'S' && flip >= server_off && flip < server_off + len)
			((uint8_t *)p)[flip - server_off] ^= 0x5a;
		if (kind == 'S')
			server_off += len;
		if (kind == 'C' || kind == 'S')
			tls_conn_data(c, dir, p, len, &m);
		else
			tls_conn_tcp_event(c, dir, (kind == 'r' || kind == 'R') ? TCP_EV_RST : TCP_EV_FIN, &m);
	}
	ck_assert(cursor_empty(&cur));
	free(fx);
}

static struct keylog *load(const char *name)
{
	char path[256], err[512];
	struct keylog *kl = keylog_new();
	snprintf(path, sizeof path, "tests/data/tls_decrypt/%s.keys", name);
	ck_assert_int_eq(keylog_load_file(kl, path, err, sizeof err), ERR_NONE);
	return kl;
}

/* The fixture decoded with kl: its JSON report. */
static struct jv *decode(const char *name, const struct keylog *kl, long flip)
{
	struct tls_conn *c = tls_conn_new("127.0.0.1:50000", "127.0.0.1:4433");
	ck_assert_ptr_nonnull(c);
	if (kl)
		tls_conn_set_keylog(c, kl);
	feed(c, name, flip);
	tls_conn_finish(c);
	struct jv *j = tls_conn_to_json(c);
	tls_conn_free(c);
	return j;
}

/* "Type[d]" per ladder entry ([d]: decrypted), space separated. */
static void ladder(const struct jv *j, char *out, size_t outlen)
{
	const struct jv *m = jv_get(j, "messages");
	out[0] = '\0';
	for (size_t i = 0; i < jv_len(m); i++) {
		const struct jv *e = jv_at(m, i);
		size_t u = strlen(out);
		snprintf(out + u, outlen - u, "%s%s%s", u ? " " : "", jv_str(jv_get(e, "type")),
			 jv_boolval(jv_get(e, "decrypted")) ? "[d]" : "");
	}
}

static const char *dstr(const struct jv *j, const char *side, const char *key)
{
	return jv_str(jv_get(jv_get(jv_get(j, "decryption"), side), key));
}

static long long dint(const struct jv *j, const char *side, const char *key)
{
	return jv_intval(jv_get(jv_get(jv_get(j, "decryption"), side), key));
}

static void expect(const char *name, const char *want_ladder, const char *outcome, const char *code)
{
	char got[2048];
	struct keylog *kl = load(name);
	struct jv *j = decode(name, kl, -1);
	ladder(j, got, sizeof got);
	ck_assert_msg(strcmp(got, want_ladder) == 0, "%s:\n got  %s\n want %s", name, got, want_ladder);
	ck_assert_str_eq(jv_str(jv_get(j, "outcome")), outcome);
	ck_assert_str_eq(jv_str(jv_get(jv_get(j, "diagnosis"), "code")), code);
	ck_assert_str_eq(jv_str(jv_get(jv_get(j, "decryption"), "keys")), "found");
	ck_assert_int_eq(dint(j, "client", "records_unread"), 0);
	ck_assert_int_eq(dint(j, "server", "records_unread"), 0);
	jv_free(j);
	keylog_free(kl);
}

#define TLS12 "ClientHello ServerHello Certificate ServerKeyExchange ServerHelloDone ClientKeyExchange ChangeCipherSpec Finished[d] NewSessionTicket ChangeCipherSpec Finished[d] ApplicationData[d] ApplicationData[d] Alert[d] Alert[d]"
#define TLS12_RSA "ClientHello ServerHello Certificate ServerHelloDone ClientKeyExchange ChangeCipherSpec Finished[d] NewSessionTicket ChangeCipherSpec Finished[d] ApplicationData[d] ApplicationData[d] Alert[d] Alert[d]"
#define TLS13_START "ClientHello ServerHello ChangeCipherSpec EncryptedExtensions[d] "

START_TEST(tls13)
{
	expect("tls13_aes256gcm",
	       TLS13_START "Certificate[d] CertificateVerify[d] Finished[d] ChangeCipherSpec Finished[d] ApplicationData[d] "
			   "NewSessionTicket[d] NewSessionTicket[d] ApplicationData[d] Alert[d] Alert[d]",
	       "handshake_complete", "ok");
}
END_TEST

START_TEST(tls13_key_update)
{
	expect("tls13_keyupdate",
	       TLS13_START "Certificate[d] CertificateVerify[d] Finished[d] ChangeCipherSpec Finished[d] ApplicationData[d] "
			   "ApplicationData[d] KeyUpdate[d] ApplicationData[d] Alert[d] KeyUpdate[d] ApplicationData[d] Alert[d]",
	       "handshake_complete", "ok");
}
END_TEST

START_TEST(tls12_suites)
{
	static const char *const names[] = { "tls12_aes128gcm", "tls12_cbc_etm", "tls12_cbc_no_etm", "tls12_ccm8",
					     "tls10_cbc" };
	/* tls12_ccm8 is static RSA: no ServerKeyExchange. */
	expect(names[_i], _i == 3 ? TLS12_RSA : TLS12, "handshake_complete", "ok");
}
END_TEST

START_TEST(tls13_client_certificate_required)
{
	char got[2048];
	struct keylog *kl = load("tls13_mtls_no_cert");
	struct jv *j = decode("tls13_mtls_no_cert", kl, -1);
	ladder(j, got, sizeof got);
	ck_assert_str_eq(got, TLS13_START "CertificateRequest[d] Certificate[d] CertificateVerify[d] Finished[d] "
					  "ChangeCipherSpec Certificate[d] Finished[d] ApplicationData[d] Alert[d]");
	const struct jv *a = jv_at(jv_get(j, "alerts"), 0);
	ck_assert_str_eq(jv_str(jv_get(a, "from")), "server");
	ck_assert_str_eq(jv_str(jv_get(a, "level")), "fatal");
	ck_assert_int_eq(jv_intval(jv_get(a, "description")), TLS_AD_CERTIFICATE_REQUIRED);
	ck_assert(jv_boolval(jv_get(a, "decrypted")));
	ck_assert_str_eq(jv_str(jv_get(j, "outcome")), "failed");
	ck_assert_str_eq(jv_str(jv_get(jv_get(j, "diagnosis"), "code")), "client_cert_required");
	ck_assert_int_eq(jv_intval(jv_get(j, "client_certificates")), 0);
	ck_assert(jv_boolval(jv_get(j, "certificate_request")));
	ck_assert_uint_eq(jv_len(jv_get(j, "certificates")), 1);
	jv_free(j);
	/* Without keys: never "ok" (the server answered the client's flight with an alert-sized record only). */
	j = decode("tls13_mtls_no_cert", NULL, -1);
	ck_assert_str_eq(jv_str(jv_get(j, "outcome")), "failed");
	ck_assert_str_eq(jv_str(jv_get(jv_get(j, "diagnosis"), "code")), "encrypted_alert");
	ck_assert_str_eq(jv_str(jv_get(jv_get(j, "decryption"), "keys")), "no_key_log");
	jv_free(j);
	keylog_free(kl);
}
END_TEST

START_TEST(key_log_without_this_connection)
{
	struct keylog *kl = load("tls12_aes128gcm");
	struct jv *j = decode("tls13_aes256gcm", kl, -1);
	ck_assert_str_eq(jv_str(jv_get(jv_get(j, "decryption"), "keys")), "not_in_key_log");
	ck_assert_int_eq(dint(j, "server", "records_decrypted"), 0);
	ck_assert_str_eq(jv_str(jv_get(j, "outcome")), "handshake_complete");
	const struct jv *notes = jv_get(j, "notes");
	ck_assert_ptr_nonnull(strstr(jv_str(jv_get(jv_at(notes, 0), "text")), "the key log has no CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
	jv_free(j);
	keylog_free(kl);
}
END_TEST

START_TEST(wrong_keys_and_corrupt_record)
{
	/* The right client random with another session's secrets: the first record fails. */
	static const char *const names[] = { "tls13_aes256gcm", "tls12_aes128gcm" };
	char text[8192];
	size_t n;
	char path[256];
	snprintf(path, sizeof path, "tests/data/tls_decrypt/%s.keys", names[_i]);
	char *k = tu_slurp(path, &n);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_lt(n, sizeof text);
	memcpy(text, k, n);
	free(k);
	for (size_t i = 1; i < n; i++)
		if (text[i] == '\n' && text[i - 1] != '\n')
			text[i - 1] = text[i - 1] == '0' ? '1' : '0'; /* the last hex digit of every secret */
	struct keylog *bad = keylog_new();
	ck_assert_int_gt(keylog_add_text(bad, (const uint8_t *)text, n, "bad.keys"), 0);
	struct jv *j = decode(names[_i], bad, -1);
	ck_assert_str_eq(dstr(j, "server", "failed"), "wrong_keys");
	ck_assert_str_eq(dstr(j, "client", "failed"), "wrong_keys");
	ck_assert_int_eq(dint(j, "server", "records_decrypted"), 0);
	jv_free(j);
	keylog_free(bad);

	/* The right keys, a byte of the server's last records changed: decrypted ones before it, so corrupt. */
	struct keylog *kl = load(names[_i]);
	long long server_bytes = 0;
	snprintf(path, sizeof path, "tests/data/tls_decrypt/%s.tlsf", names[_i]);
	char *fx = tu_slurp(path, &n);
	struct cursor cur = cursor_make((const uint8_t *)fx, n);
	uint8_t kind;
	uint16_t len;
	const uint8_t *p;
	while (cursor_u8(&cur, &kind) && cursor_u16(&cur, &len) && cursor_bytes(&cur, len, &p))
		if (kind == 'S')
			server_bytes += len;
	free(fx);
	/* 40 bytes before the end: inside the server's close_notify or the data before it. */
	j = decode(names[_i], kl, (long)server_bytes - 40);
	ck_assert_str_eq(dstr(j, "server", "failed"), "corrupt_record");
	ck_assert_int_ge(dint(j, "server", "records_decrypted"), 1);
	ck_assert(jv_is_null(jv_get(jv_get(jv_get(j, "decryption"), "client"), "failed")));
	jv_free(j);
	keylog_free(kl);
}
END_TEST

START_TEST(cipher_table)
{
	const char *name;
	ck_assert(tls_decrypt_supported(0x1301, TLS_V_TLS13, &name));
	ck_assert_str_eq(name, "AES-128-GCM");
	ck_assert(tls_decrypt_supported(0x1305, TLS_V_TLS13, &name)); /* TLS_AES_128_CCM_8_SHA256 */
	ck_assert(tls_decrypt_supported(0xc02f, TLS_V_TLS12, &name));
	ck_assert(tls_decrypt_supported(0xcca8, TLS_V_TLS12, &name));
	ck_assert_str_eq(name, "ChaCha20-Poly1305");
	ck_assert(tls_decrypt_supported(0xc0a1, TLS_V_TLS12, &name)); /* TLS_RSA_WITH_AES_256_CCM_8 */
	ck_assert(!tls_decrypt_supported(0x1301, TLS_V_TLS12, &name)); /* a TLS 1.3 suite in TLS 1.2 */
	ck_assert(!tls_decrypt_supported(0x0005, TLS_V_TLS12, &name)); /* RC4: not decrypted */
	ck_assert_ptr_null(name);
	ck_assert(!tls_decrypt_supported(0x0000, TLS_V_TLS12, &name));
}
END_TEST

static Suite *tls_decrypt_suite(void)
{
	Suite *s = suite_create("tls_decrypt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, tls13);
	tcase_add_test(tc, tls13_key_update);
	tcase_add_loop_test(tc, tls12_suites, 0, 5);
	tcase_add_test(tc, tls13_client_certificate_required);
	tcase_add_test(tc, key_log_without_this_connection);
	tcase_add_loop_test(tc, wrong_keys_and_corrupt_record, 0, 2);
	tcase_add_test(tc, cipher_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tls_decrypt_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
