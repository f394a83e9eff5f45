/*
 * tls_names.c - TLS protocol value names (IANA "Transport Layer Security
 * (TLS) Parameters" and "TLS Extensions" registries, RFC 8447) and what a
 * cipher suite implies.  The big cipher suite table is tls_names_data.c.
 */
#include "harness/decode/tls_names.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

const struct tok tls_version_names[] = {
	{ TLS_V_SSL2, "SSLv2" },
	{ TLS_V_SSL3, "SSLv3" },
	{ TLS_V_TLS10, "TLS1.0" },
	{ TLS_V_TLS11, "TLS1.1" },
	{ TLS_V_TLS12, "TLS1.2" },
	{ TLS_V_TLS13, "TLS1.3" },
	/* TLS 1.3 drafts 18-28 (0x7f00 | draft) still answer in old captures. */
	{ 0x7f12, "TLS1.3-draft18" },
	{ 0x7f13, "TLS1.3-draft19" },
	{ 0x7f14, "TLS1.3-draft20" },
	{ 0x7f15, "TLS1.3-draft21" },
	{ 0x7f16, "TLS1.3-draft22" },
	{ 0x7f17, "TLS1.3-draft23" },
	{ 0x7f18, "TLS1.3-draft24" },
	{ 0x7f19, "TLS1.3-draft25" },
	{ 0x7f1a, "TLS1.3-draft26" },
	{ 0x7f1b, "TLS1.3-draft27" },
	{ 0x7f1c, "TLS1.3-draft28" },
	{ 0, NULL },
};

const struct tok tls_content_type_names[] = {
	{ TLS_CT_CHANGE_CIPHER_SPEC, "change_cipher_spec" },
	{ TLS_CT_ALERT, "alert" },
	{ TLS_CT_HANDSHAKE, "handshake" },
	{ TLS_CT_APPLICATION_DATA, "application_data" },
	{ TLS_CT_HEARTBEAT, "heartbeat" }, /* RFC 6520 */
	{ 25, "tls12_cid" }, /* RFC 9146 */
	{ 26, "ack" }, /* RFC 9147 */
	{ 0, NULL },
};

/* Ladder names, in Wireshark's and the RFCs' message spelling. */
const struct tok tls_handshake_type_names[] = {
	{ TLS_HS_HELLO_REQUEST, "HelloRequest" },
	{ TLS_HS_CLIENT_HELLO, "ClientHello" },
	{ TLS_HS_SERVER_HELLO, "ServerHello" },
	{ 3, "HelloVerifyRequest" },
	{ TLS_HS_NEW_SESSION_TICKET, "NewSessionTicket" },
	{ TLS_HS_END_OF_EARLY_DATA, "EndOfEarlyData" },
	{ TLS_HS_HELLO_RETRY_REQUEST, "HelloRetryRequest" },
	{ TLS_HS_ENCRYPTED_EXTENSIONS, "EncryptedExtensions" },
	{ 9, "RequestConnectionId" },
	{ 10, "NewConnectionId" },
	{ TLS_HS_CERTIFICATE, "Certificate" },
	{ TLS_HS_SERVER_KEY_EXCHANGE, "ServerKeyExchange" },
	{ TLS_HS_CERTIFICATE_REQUEST, "CertificateRequest" },
	{ TLS_HS_SERVER_HELLO_DONE, "ServerHelloDone" },
	{ TLS_HS_CERTIFICATE_VERIFY, "CertificateVerify" },
	{ TLS_HS_CLIENT_KEY_EXCHANGE, "ClientKeyExchange" },
	{ 17, "ClientCertificateRequest" },
	{ TLS_HS_FINISHED, "Finished" },
	{ 21, "CertificateURL" },
	{ TLS_HS_CERTIFICATE_STATUS, "CertificateStatus" },
	{ 23, "SupplementalData" },
	{ TLS_HS_KEY_UPDATE, "KeyUpdate" },
	{ 25, "CompressedCertificate" },
	{ 26, "EktKey" },
	{ 254, "MessageHash" },
	{ 0, NULL },
};

const struct tok tls_alert_level_names[] = {
	{ TLS_ALERT_WARNING, "warning" },
	{ TLS_ALERT_FATAL, "fatal" },
	{ 0, NULL },
};

/* Every alert IANA lists, with the deprecated ones (RFC 8446 section 6, RFC 5246, RFC 6101). */
const struct tok tls_alert_names[] = {
	{ 0, "close_notify" },
	{ 1, "end_of_early_data" }, /* TLS 1.3 drafts only */
	{ 10, "unexpected_message" },
	{ 20, "bad_record_mac" },
	{ 21, "decryption_failed" }, /* deprecated (RFC 5246) */
	{ 22, "record_overflow" },
	{ 30, "decompression_failure" }, /* deprecated (RFC 8446) */
	{ 40, "handshake_failure" },
	{ 41, "no_certificate" }, /* SSLv3 only (RFC 6101) */
	{ 42, "bad_certificate" },
	{ 43, "unsupported_certificate" },
	{ 44, "certificate_revoked" },
	{ 45, "certificate_expired" },
	{ 46, "certificate_unknown" },
	{ 47, "illegal_parameter" },
	{ 48, "unknown_ca" },
	{ 49, "access_denied" },
	{ 50, "decode_error" },
	{ 51, "decrypt_error" },
	{ 52, "too_many_cids_requested" }, /* RFC 9147 */
	{ 60, "export_restriction" }, /* deprecated (RFC 4346) */
	{ 70, "protocol_version" },
	{ 71, "insufficient_security" },
	{ 80, "internal_error" },
	{ 86, "inappropriate_fallback" }, /* RFC 7507 */
	{ 90, "user_canceled" },
	{ 100, "no_renegotiation" }, /* deprecated (RFC 8446) */
	{ 109, "missing_extension" },
	{ 110, "unsupported_extension" },
	{ 111, "certificate_unobtainable" }, /* deprecated (RFC 6066) */
	{ 112, "unrecognized_name" },
	{ 113, "bad_certificate_status_response" },
	{ 114, "bad_certificate_hash_value" }, /* deprecated (RFC 6066) */
	{ 115, "unknown_psk_identity" },
	{ 116, "certificate_required" },
	{ 120, "no_application_protocol" },
	{ 121, "ech_required" },
	{ 0, NULL },
};

const struct tok tls_extension_names[] = {
	{ 0, "server_name" },
	{ 1, "max_fragment_length" },
	{ 2, "client_certificate_url" },
	{ 3, "trusted_ca_keys" },
	{ 4, "truncated_hmac" },
	{ 5, "status_request" },
	{ 6, "user_mapping" },
	{ 7, "client_authz" },
	{ 8, "server_authz" },
	{ 9, "cert_type" },
	{ 10, "supported_groups" },
	{ 11, "ec_point_formats" },
	{ 12, "srp" },
	{ 13, "signature_algorithms" },
	{ 14, "use_srtp" },
	{ 15, "heartbeat" },
	{ 16, "application_layer_protocol_negotiation" },
	{ 17, "status_request_v2" },
	{ 18, "signed_certificate_timestamp" },
	{ 19, "client_certificate_type" },
	{ 20, "server_certificate_type" },
	{ 21, "padding" },
	{ 22, "encrypt_then_mac" },
	{ 23, "extended_master_secret" },
	{ 24, "token_binding" },
	{ 25, "cached_info" },
	{ 26, "tls_lts" },
	{ 27, "compress_certificate" },
	{ 28, "record_size_limit" },
	{ 29, "pwd_protect" },
	{ 30, "pwd_clear" },
	{ 31, "password_salt" },
	{ 32, "ticket_pinning" },
	{ 33, "tls_cert_with_extern_psk" },
	{ 34, "delegated_credential" },
	{ 35, "session_ticket" },
	{ 36, "TLMSP" },
	{ 37, "TLMSP_proxying" },
	{ 38, "TLMSP_delegate" },
	{ 39, "supported_ekt_ciphers" },
	{ 41, "pre_shared_key" },
	{ 42, "early_data" },
	{ 43, "supported_versions" },
	{ 44, "cookie" },
	{ 45, "psk_key_exchange_modes" },
	{ 47, "certificate_authorities" },
	{ 48, "oid_filters" },
	{ 49, "post_handshake_auth" },
	{ 50, "signature_algorithms_cert" },
	{ 51, "key_share" },
	{ 52, "transparency_info" },
	{ 53, "connection_id_deprecated" },
	{ 54, "connection_id" },
	{ 55, "external_id_hash" },
	{ 56, "external_session_id" },
	{ 57, "quic_transport_parameters" },
	{ 58, "ticket_request" },
	{ 59, "dnssec_chain" },
	{ 60, "sequence_number_encryption_algorithms" },
	{ 61, "rrc" },
	{ 0x3374, "next_protocol_negotiation" }, /* not IANA: Google's NPN draft */
	{ 0x4469, "application_settings" }, /* not IANA: ALPS draft */
	{ 0xfd00, "ech_outer_extensions" },
	{ 0xfe0d, "encrypted_client_hello" },
	{ 0xff01, "renegotiation_info" }, /* RFC 5746 */
	{ 0, NULL },
};

/* "TLS Supported Groups" (RFC 8422, RFC 7919, RFC 8446 section 4.2.7). */
const struct tok tls_group_names[] = {
	{ 1, "sect163k1" },
	{ 2, "sect163r1" },
	{ 3, "sect163r2" },
	{ 4, "sect193r1" },
	{ 5, "sect193r2" },
	{ 6, "sect233k1" },
	{ 7, "sect233r1" },
	{ 8, "sect239k1" },
	{ 9, "sect283k1" },
	{ 10, "sect283r1" },
	{ 11, "sect409k1" },
	{ 12, "sect409r1" },
	{ 13, "sect571k1" },
	{ 14, "sect571r1" },
	{ 15, "secp160k1" },
	{ 16, "secp160r1" },
	{ 17, "secp160r2" },
	{ 18, "secp192k1" },
	{ 19, "secp192r1" },
	{ 20, "secp224k1" },
	{ 21, "secp224r1" },
	{ 22, "secp256k1" },
	{ 23, "secp256r1" },
	{ 24, "secp384r1" },
	{ 25, "secp521r1" },
	{ 26, "brainpoolP256r1" },
	{ 27, "brainpoolP384r1" },
	{ 28, "brainpoolP512r1" },
	{ 29, "x25519" },
	{ 30, "x448" },
	{ 31, "brainpoolP256r1tls13" },
	{ 32, "brainpoolP384r1tls13" },
	{ 33, "brainpoolP512r1tls13" },
	{ 34, "GC256A" },
	{ 35, "GC256B" },
	{ 36, "GC256C" },
	{ 37, "GC256D" },
	{ 38, "GC512A" },
	{ 39, "GC512B" },
	{ 40, "GC512C" },
	{ 41, "curveSM2" },
	{ 256, "ffdhe2048" },
	{ 257, "ffdhe3072" },
	{ 258, "ffdhe4096" },
	{ 259, "ffdhe6144" },
	{ 260, "ffdhe8192" },
	{ 512, "MLKEM512" },
	{ 513, "MLKEM768" },
	{ 514, "MLKEM1024" },
	{ 4587, "SecP256r1MLKEM768" },
	{ 4588, "X25519MLKEM768" },
	{ 4589, "SecP384r1MLKEM1024" },
	{ 25497, "X25519Kyber768Draft00" },
	{ 25498, "SecP256r1Kyber768Draft00" },
	{ 0xff01, "arbitrary_explicit_prime_curves" },
	{ 0xff02, "arbitrary_explicit_char2_curves" },
	{ 0, NULL },
};

/*
 * "TLS SignatureScheme" (RFC 8446 section 4.2.3), with the TLS 1.2
 * HashAlgorithm/SignatureAlgorithm pairs of RFC 5246 section 7.4.1.4.1 that
 * have no TLS 1.3 name (hash byte: 1 md5 .. 6 sha512; signature byte: 1 rsa,
 * 2 dsa, 3 ecdsa).
 */
const struct tok tls_sigscheme_names[] = {
	{ 0x0101, "rsa_md5" },
	{ 0x0102, "dsa_md5" },
	{ 0x0103, "ecdsa_md5" },
	{ 0x0201, "rsa_pkcs1_sha1" },
	{ 0x0202, "dsa_sha1" },
	{ 0x0203, "ecdsa_sha1" },
	{ 0x0301, "rsa_sha224" },
	{ 0x0302, "dsa_sha224" },
	{ 0x0303, "ecdsa_sha224" },
	{ 0x0401, "rsa_pkcs1_sha256" },
	{ 0x0402, "dsa_sha256" },
	{ 0x0403, "ecdsa_secp256r1_sha256" },
	{ 0x0420, "rsa_pkcs1_sha256_legacy" },
	{ 0x0501, "rsa_pkcs1_sha384" },
	{ 0x0502, "dsa_sha384" },
	{ 0x0503, "ecdsa_secp384r1_sha384" },
	{ 0x0520, "rsa_pkcs1_sha384_legacy" },
	{ 0x0601, "rsa_pkcs1_sha512" },
	{ 0x0602, "dsa_sha512" },
	{ 0x0603, "ecdsa_secp521r1_sha512" },
	{ 0x0620, "rsa_pkcs1_sha512_legacy" },
	{ 0x0704, "eccsi_sha256" },
	{ 0x0705, "iso_ibs1" },
	{ 0x0706, "iso_ibs2" },
	{ 0x0707, "iso_chinese_ibs" },
	{ 0x0708, "sm2sig_sm3" },
	{ 0x0709, "gostr34102012_256a" },
	{ 0x070a, "gostr34102012_256b" },
	{ 0x070b, "gostr34102012_256c" },
	{ 0x070c, "gostr34102012_256d" },
	{ 0x070d, "gostr34102012_512a" },
	{ 0x070e, "gostr34102012_512b" },
	{ 0x070f, "gostr34102012_512c" },
	{ 0x0804, "rsa_pss_rsae_sha256" },
	{ 0x0805, "rsa_pss_rsae_sha384" },
	{ 0x0806, "rsa_pss_rsae_sha512" },
	{ 0x0807, "ed25519" },
	{ 0x0808, "ed448" },
	{ 0x0809, "rsa_pss_pss_sha256" },
	{ 0x080a, "rsa_pss_pss_sha384" },
	{ 0x080b, "rsa_pss_pss_sha512" },
	{ 0x081a, "ecdsa_brainpoolP256r1tls13_sha256" },
	{ 0x081b, "ecdsa_brainpoolP384r1tls13_sha384" },
	{ 0x081c, "ecdsa_brainpoolP512r1tls13_sha512" },
	{ 0, NULL },
};

/* ECPointFormat (RFC 8422 section 5.1.2). */
const struct tok tls_ec_point_format_names[] = {
	{ 0, "uncompressed" },
	{ 1, "ansiX962_compressed_prime" },
	{ 2, "ansiX962_compressed_char2" },
	{ 0, NULL },
};

/* ClientCertificateType (RFC 5246 section 7.4.4, RFC 8422 section 5.5). */
const struct tok tls_cert_type_names[] = {
	{ 1, "rsa_sign" },
	{ 2, "dss_sign" },
	{ 3, "rsa_fixed_dh" },
	{ 4, "dss_fixed_dh" },
	{ 5, "rsa_ephemeral_dh" },
	{ 6, "dss_ephemeral_dh" },
	{ 20, "fortezza_dms" },
	{ 64, "ecdsa_sign" },
	{ 65, "rsa_fixed_ecdh" },
	{ 66, "ecdsa_fixed_ecdh" },
	{ 67, "gost_sign256" },
	{ 68, "gost_sign512" },
	{ 0, NULL },
};

bool tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/*
 * A cipher suite's registry name.  The registry is long (about 400 rows) and
 * looked up for every suite a ClientHello offers, so it is searched by
 * halves: tls_names_data.c keeps it sorted by value (test_tls_names checks).
 */
/* The registry row of a suite, or tls_cipher_suite_count when it has none. */
static size_t suite_row(uint16_t suite)
{
	size_t lo = 0, hi = tls_cipher_suite_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tls_cipher_suite_names[mid].v == suite)
			return mid;
		if (tls_cipher_suite_names[mid].v < suite)
			lo = mid + 1;
		else
			hi = mid;
	}
	return tls_cipher_suite_count;
}

static const char *suite_name(uint16_t suite)
{
	size_t row = suite_row(suite);
	return row < tls_cipher_suite_count ? tls_cipher_suite_names[row].s : NULL;
}

const char *tls_name16(const struct tok *table, uint16_t v, char *buf, size_t buflen)
{
	const char *s;
	if (tls_is_grease(v))
		return "GREASE";
	s = table == tls_cipher_suite_names ? suite_name(v) : tok_name(table, v);
	if (s)
		return s;
	snprintf(buf, buflen, "unknown(0x%04x)", v);
	return buf;
}

const char *tls_version_short(uint16_t v, char *buf, size_t buflen)
{
	const char *s = tok_name(tls_version_names, v);
	if (s)
		return s;
	if (tls_is_grease(v))
		return "GREASE";
	snprintf(buf, buflen, "0x%04x", v);
	return buf;
}

/*
 * Key exchange and authentication by the words between "TLS_" and "_WITH_"
 * in the registry name (RFC 5246 Appendix A.5 naming).
 */
struct suite_prefix {
	const char *prefix;
	enum tls_kx kx;
	enum tls_auth auth;
	bool psk;
};

static const struct suite_prefix suite_prefixes[] = {
	{ "NULL", TLS_KX_NULL, TLS_AUTH_NONE, false },
	{ "RSA", TLS_KX_RSA, TLS_AUTH_RSA, false },
	{ "RSA_EXPORT", TLS_KX_RSA, TLS_AUTH_RSA, false },
	{ "RSA_EXPORT1024", TLS_KX_RSA, TLS_AUTH_RSA, false },
	{ "RSA_PSK", TLS_KX_RSA, TLS_AUTH_PSK, true },
	{ "DH_DSS", TLS_KX_DH, TLS_AUTH_DSS, false },
	{ "DH_DSS_EXPORT", TLS_KX_DH, TLS_AUTH_DSS, false },
	{ "DH_RSA", TLS_KX_DH, TLS_AUTH_RSA, false },
	{ "DH_RSA_EXPORT", TLS_KX_DH, TLS_AUTH_RSA, false },
	{ "DHE_DSS", TLS_KX_DHE, TLS_AUTH_DSS, false },
	{ "DHE_DSS_EXPORT", TLS_KX_DHE, TLS_AUTH_DSS, false },
	{ "DHE_DSS_EXPORT1024", TLS_KX_DHE, TLS_AUTH_DSS, false },
	{ "DHE_RSA", TLS_KX_DHE, TLS_AUTH_RSA, false },
	{ "DHE_RSA_EXPORT", TLS_KX_DHE, TLS_AUTH_RSA, false },
	{ "DHE_PSK", TLS_KX_DHE, TLS_AUTH_PSK, true },
	{ "PSK_DHE", TLS_KX_DHE, TLS_AUTH_PSK, true },
	{ "DH_anon", TLS_KX_DHE, TLS_AUTH_NONE, false },
	{ "DH_anon_EXPORT", TLS_KX_DHE, TLS_AUTH_NONE, false },
	{ "ECDH_ECDSA", TLS_KX_ECDH, TLS_AUTH_ECDSA, false },
	{ "ECDH_RSA", TLS_KX_ECDH, TLS_AUTH_RSA, false },
	{ "ECDHE_ECDSA", TLS_KX_ECDHE, TLS_AUTH_ECDSA, false },
	{ "ECDHE_RSA", TLS_KX_ECDHE, TLS_AUTH_RSA, false },
	{ "ECDHE_PSK", TLS_KX_ECDHE, TLS_AUTH_PSK, true },
	{ "ECDH_anon", TLS_KX_ECDHE, TLS_AUTH_NONE, false },
	{ "PSK", TLS_KX_PSK, TLS_AUTH_PSK, true },
	{ "SRP_SHA", TLS_KX_SRP, TLS_AUTH_NONE, false },
	{ "SRP_SHA_RSA", TLS_KX_SRP, TLS_AUTH_RSA, false },
	{ "SRP_SHA_DSS", TLS_KX_SRP, TLS_AUTH_DSS, false },
	{ NULL, TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, false },
};

/* What a suite's registry name says (name: NULL when it has none). */
static bool suite_info_parse(const char *name, uint16_t suite, struct tls_suite_info *out)
{
	const char *with, *cipher;
	size_t plen, nlen;

	memset(out, 0, sizeof *out);
	if (!name || tls_is_grease(suite) || strncmp(name, "TLS_", 4) != 0)
		return false;
	nlen = strlen(name);
	if (nlen > 5 && strcmp(name + nlen - 5, "_SCSV") == 0) {
		out->kx = TLS_KX_SCSV;
		return true;
	}
	with = strstr(name, "_WITH_");
	if (!with) {
		/* TLS 1.3 suites name only the AEAD and hash (RFC 8446 B.4, RFC 8998, RFC 9150). */
		out->kx = TLS_KX_TLS13;
		out->auth = TLS_AUTH_CERT;
		out->tls13 = true;
		out->forward_secret = true;
		cipher = name + 4;
	} else {
		plen = (size_t)(with - (name + 4));
		out->kx = TLS_KX_OTHER;
		out->auth = TLS_AUTH_OTHER;
		for (const struct suite_prefix *sp = suite_prefixes; sp->prefix; sp++)
			if (strlen(sp->prefix) == plen && strncmp(sp->prefix, name + 4, plen) == 0) {
				out->kx = sp->kx;
				out->auth = sp->auth;
				out->psk = sp->psk;
				break;
			}
		out->export_grade = memmem(name, plen + 4, "EXPORT", 6) != NULL;
		out->forward_secret = out->kx == TLS_KX_DHE || out->kx == TLS_KX_ECDHE;
		cipher = with + 6;
	}
	out->aead = strstr(cipher, "_GCM") || strstr(cipher, "GCM_") || strstr(cipher, "_CCM") ||
		    strstr(cipher, "CCM_") || strstr(cipher, "POLY1305") || strstr(cipher, "_MGM_");
	out->mainstream_cipher = strstr(name, "AES_128_GCM") || strstr(name, "AES_256_GCM") || strstr(name, "CHACHA20");
	return true;
}

/*
 * Every row's properties, parsed once: the JSON report asks for each suite
 * of every ClientHello (key_exchange_kinds), and the parse is strstr()s over
 * the name (8% of a JSON decode).  Built whole on first use, under
 * pthread_once: a capture worker may decode in a thread of its own.
 */
#define SUITE_TABLE_MAX 1024

static struct tls_suite_info suite_infos[SUITE_TABLE_MAX];
static bool suite_known[SUITE_TABLE_MAX];
/* Every 16-bit value's row + 1 (0: none): a ClientHello's 30 to 60 suites are looked up three times each. */
static uint16_t suite_row_of[65536];
static pthread_once_t suite_once = PTHREAD_ONCE_INIT;

static void suite_table_make(void)
{
	for (size_t i = 0; i < tls_cipher_suite_count && i < SUITE_TABLE_MAX; i++) {
		suite_known[i] = suite_info_parse(tls_cipher_suite_names[i].s, tls_cipher_suite_names[i].v,
						  &suite_infos[i]);
		suite_row_of[tls_cipher_suite_names[i].v] = (uint16_t)(i + 1);
	}
}

bool tls_suite_info(uint16_t suite, struct tls_suite_info *out)
{
	if (tls_cipher_suite_count > SUITE_TABLE_MAX) { /* never with today's registry: parsed each time */
		size_t row = suite_row(suite);
		return suite_info_parse(row < tls_cipher_suite_count ? tls_cipher_suite_names[row].s : NULL, suite, out);
	}
	pthread_once(&suite_once, suite_table_make);
	size_t row = suite_row_of[suite];
	if (!row) {
		memset(out, 0, sizeof *out);
		return false;
	}
	*out = suite_infos[row - 1];
	return suite_known[row - 1];
}

const char *tls_kx_name(enum tls_kx kx)
{
	switch (kx) {
	case TLS_KX_NULL: return "NULL";
	case TLS_KX_RSA: return "RSA";
	case TLS_KX_DH: return "DH";
	case TLS_KX_DHE: return "DHE";
	case TLS_KX_ECDH: return "ECDH";
	case TLS_KX_ECDHE: return "ECDHE";
	case TLS_KX_PSK: return "PSK";
	case TLS_KX_SRP: return "SRP";
	case TLS_KX_TLS13: return "TLS13";
	case TLS_KX_OTHER: return "other";
	case TLS_KX_SCSV: return "SCSV";
	case TLS_KX_UNKNOWN:
	default: return "unknown";
	}
}

const char *tls_auth_name(enum tls_auth a)
{
	switch (a) {
	case TLS_AUTH_NONE: return "none";
	case TLS_AUTH_RSA: return "RSA";
	case TLS_AUTH_DSS: return "DSS";
	case TLS_AUTH_ECDSA: return "ECDSA";
	case TLS_AUTH_PSK: return "PSK";
	case TLS_AUTH_CERT: return "certificate";
	case TLS_AUTH_OTHER: return "other";
	case TLS_AUTH_UNKNOWN:
	default: return "unknown";
	}
}
