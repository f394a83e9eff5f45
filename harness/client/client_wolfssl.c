/*
 * client_wolfssl.c - the embedded client: one TLS case with wolfSSL.  The only
 * file of the client side that includes wolfSSL; it translates wolfSSL's
 * settings and codes into client.h's types in one place, as curl's
 * lib/vtls/wolfssl.c does.
 *
 * How a case runs
 *   1. Build a WOLFSSL_CTX: the CA first, loaded from memory with the loader
 *      the case names (a PEM file given to the DER loader fails there, as the
 *      CC3200's 456 does, whatever else the case asks), the client
 *      certificate, then method and version bounds, suites, groups, the
 *      verify callback and the key-log callback.
 *   2. Check the case against what the linked wolfSSL was built with (SSLv3,
 *      TLS 1.0, static-RSA suites...): a missing feature makes the case
 *      skipped, with the reason and "run `make wolfssl-full`", never a pass.
 *   3. TCP: bind to bind_port (SO_REUSEADDR), non-blocking connect, poll()
 *      with the per-stage timeout.
 *   4. The handshake runs through our own I/O callbacks: each waits at most
 *      timeout_ms for the peer (so a server that never answers gives "timed
 *      out after ClientHello", not a hang) and feeds the bytes to a small
 *      record/handshake tracker (struct flow, read through struct cursor) that
 *      writes the trace and gives the stage reached.
 *   5. Outcome: version, IANA suite and chain length, or wolfSSL's error
 *      number and name, the alerts from wolfSSL_get_alert_history(), and the
 *      certificate error the verify callback saw.  A connected case ends with
 *      close_notify (wolfSSL_shutdown).
 *
 * The device clock (clock != 0) is wolfCrypt's time callback, wc_SetTimeCb():
 * wolfSSL's own date checks of the server's chain then run against it and fail
 * with ASN_BEFORE_DATE_E (-150) exactly where a device with an unset RTC does.
 * The CA is loaded before the clock is applied: the loader would otherwise
 * reject the CA file itself at load time, which is not what devices report.
 *
 * Name checks (wolfSSL_check_domain_name), as wolfSSL 5.5.4 does them
 * (src/internal.c CheckHostName/CheckForAltNames): the name is compared, case-
 * insensitively and with "*." wildcards, against each subjectAltName; IP SANs
 * are compared in their text form ("127.0.0.1", OPENSSL_ALL builds) so an IP
 * address matches an iPAddress SAN; the subject CN is tried only when the
 * certificate has no SAN at all.  Checks happen only with verification on
 * (or recorded in verify_error when verification is off).
 */
#include "harness/client/client.h"
#include "harness/client/client_io.h"
#include <string.h>

#include "harness/core/cursor.h"
#include "harness/core/tok.h"

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What this build of wolfSSL has (wolfssl/options.h of the linked library). */
#if defined(WOLFSSL_ALLOW_SSLV3) && !defined(NO_OLD_TLS)
#define HAVE_CLIENT_SSLV3 1
#endif
#if defined(WOLFSSL_ALLOW_TLSV10) && !defined(NO_OLD_TLS)
#define HAVE_CLIENT_TLS10 1
#endif
#if !defined(NO_OLD_TLS)
#define HAVE_CLIENT_TLS11 1
#endif
#if defined(HAVE_SECRET_CALLBACK) && defined(OPENSSL_EXTRA)
#define HAVE_CLIENT_KEYLOG_CB 1
#endif


/* wolfSSL's error names, from wolfssl/error-ssl.h and wolfcrypt/error-crypt.h
 * (5.5.4), stored as positive values: the codes are negative. */
#define WE(x) { (unsigned int)-(x), #x }
static const struct tok wolfssl_errors[] = {
	WE(OPEN_RAN_E), WE(READ_RAN_E), WE(WINCRYPT_E),
	WE(CRYPTGEN_E), WE(RAN_BLOCK_E), WE(BAD_MUTEX_E),
	WE(WC_TIMEOUT_E), WE(WC_PENDING_E), WE(WC_NOT_PENDING_E),
	WE(MP_INIT_E), WE(MP_READ_E), WE(MP_EXPTMOD_E),
	WE(MP_TO_E), WE(MP_SUB_E), WE(MP_ADD_E),
	WE(MP_MUL_E), WE(MP_MULMOD_E), WE(MP_MOD_E),
	WE(MP_INVMOD_E), WE(MP_CMP_E), WE(MP_ZERO_E),
	WE(MEMORY_E), WE(VAR_STATE_CHANGE_E), WE(RSA_WRONG_TYPE_E),
	WE(RSA_BUFFER_E), WE(BUFFER_E), WE(ALGO_ID_E),
	WE(PUBLIC_KEY_E), WE(DATE_E), WE(SUBJECT_E),
	WE(ISSUER_E), WE(CA_TRUE_E), WE(EXTENSIONS_E),
	WE(ASN_PARSE_E), WE(ASN_VERSION_E), WE(ASN_GETINT_E),
	WE(ASN_RSA_KEY_E), WE(ASN_OBJECT_ID_E), WE(ASN_TAG_NULL_E),
	WE(ASN_EXPECT_0_E), WE(ASN_BITSTR_E), WE(ASN_UNKNOWN_OID_E),
	WE(ASN_DATE_SZ_E), WE(ASN_BEFORE_DATE_E), WE(ASN_AFTER_DATE_E),
	WE(ASN_SIG_OID_E), WE(ASN_TIME_E), WE(ASN_INPUT_E),
	WE(ASN_SIG_CONFIRM_E), WE(ASN_SIG_HASH_E), WE(ASN_SIG_KEY_E),
	WE(ASN_DH_KEY_E), WE(ASN_CRIT_EXT_E), WE(ASN_ALT_NAME_E),
	WE(ASN_NO_PEM_HEADER), WE(ECC_BAD_ARG_E), WE(ASN_ECC_KEY_E),
	WE(ECC_CURVE_OID_E), WE(BAD_FUNC_ARG), WE(NOT_COMPILED_IN),
	WE(UNICODE_SIZE_E), WE(NO_PASSWORD), WE(ALT_NAME_E),
	WE(BAD_OCSP_RESPONDER), WE(CRL_CERT_DATE_ERR), WE(AES_GCM_AUTH_E),
	WE(AES_CCM_AUTH_E), WE(ASYNC_INIT_E), WE(COMPRESS_INIT_E),
	WE(COMPRESS_E), WE(DECOMPRESS_INIT_E), WE(DECOMPRESS_E),
	WE(BAD_ALIGN_E), WE(ASN_NO_SIGNER_E), WE(ASN_CRL_CONFIRM_E),
	WE(ASN_CRL_NO_SIGNER_E), WE(ASN_OCSP_CONFIRM_E), WE(BAD_STATE_E),
	WE(BAD_PADDING_E), WE(REQ_ATTRIBUTE_E), WE(PKCS7_OID_E),
	WE(PKCS7_RECIP_E), WE(FIPS_NOT_ALLOWED_E), WE(ASN_NAME_INVALID_E),
	WE(RNG_FAILURE_E), WE(HMAC_MIN_KEYLEN_E), WE(RSA_PAD_E),
	WE(LENGTH_ONLY_E), WE(IN_CORE_FIPS_E), WE(AES_KAT_FIPS_E),
	WE(DES3_KAT_FIPS_E), WE(HMAC_KAT_FIPS_E), WE(RSA_KAT_FIPS_E),
	WE(DRBG_KAT_FIPS_E), WE(DRBG_CONT_FIPS_E), WE(AESGCM_KAT_FIPS_E),
	WE(THREAD_STORE_KEY_E), WE(THREAD_STORE_SET_E), WE(MAC_CMP_FAILED_E),
	WE(IS_POINT_E), WE(ECC_INF_E), WE(ECC_PRIV_KEY_E),
	WE(ECC_OUT_OF_RANGE_E), WE(SRP_CALL_ORDER_E), WE(SRP_VERIFY_E),
	WE(SRP_BAD_KEY_E), WE(ASN_NO_SKID), WE(ASN_NO_AKID),
	WE(ASN_NO_KEYUSAGE), WE(SKID_E), WE(AKID_E),
	WE(KEYUSAGE_E), WE(CERTPOLICIES_E), WE(WC_INIT_E),
	WE(SIG_VERIFY_E), WE(BAD_COND_E), WE(SIG_TYPE_E),
	WE(HASH_TYPE_E), WE(WC_KEY_SIZE_E), WE(ASN_COUNTRY_SIZE_E),
	WE(MISSING_RNG_E), WE(ASN_PATHLEN_SIZE_E), WE(ASN_PATHLEN_INV_E),
	WE(BAD_KEYWRAP_ALG_E), WE(BAD_KEYWRAP_IV_E), WE(WC_CLEANUP_E),
	WE(ECC_CDH_KAT_FIPS_E), WE(DH_CHECK_PUB_E), WE(BAD_PATH_ERROR),
	WE(ASYNC_OP_E), WE(ECC_PRIVATEONLY_E), WE(EXTKEYUSAGE_E),
	WE(WC_HW_E), WE(WC_HW_WAIT_E), WE(PSS_SALTLEN_E),
	WE(PRIME_GEN_E), WE(BER_INDEF_E), WE(RSA_OUT_OF_RANGE_E),
	WE(RSAPSS_PAT_FIPS_E), WE(ECDSA_PAT_FIPS_E), WE(DH_KAT_FIPS_E),
	WE(AESCCM_KAT_FIPS_E), WE(SHA3_KAT_FIPS_E), WE(ECDHE_KAT_FIPS_E),
	WE(AES_GCM_OVERFLOW_E), WE(AES_CCM_OVERFLOW_E), WE(RSA_KEY_PAIR_E),
	WE(DH_CHECK_PRIV_E), WE(WC_AFALG_SOCK_E), WE(WC_DEVCRYPTO_E),
	WE(ZLIB_INIT_ERROR), WE(ZLIB_COMPRESS_ERROR), WE(ZLIB_DECOMPRESS_ERROR),
	WE(PKCS7_NO_SIGNER_E), WE(WC_PKCS7_WANT_READ_E), WE(CRYPTOCB_UNAVAILABLE),
	WE(PKCS7_SIGNEEDS_CHECK), WE(PSS_SALTLEN_RECOVER_E), WE(CHACHA_POLY_OVERFLOW),
	WE(ASN_SELF_SIGNED_E), WE(SAKKE_VERIFY_FAIL_E), WE(MISSING_IV),
	WE(MISSING_KEY), WE(BAD_LENGTH_E), WE(ECDSA_KAT_FIPS_E),
	WE(RSA_PAT_FIPS_E), WE(KDF_TLS12_KAT_FIPS_E), WE(KDF_TLS13_KAT_FIPS_E),
	WE(KDF_SSH_KAT_FIPS_E), WE(DHE_PCT_E), WE(ECC_PCT_E),
	WE(FIPS_PRIVATE_KEY_LOCKED_E), WE(PROTOCOLCB_UNAVAILABLE), WE(AES_SIV_AUTH_E),
	WE(NO_VALID_DEVID), WE(IO_FAILED_E), WE(SYSLIB_FAILED_E),
	WE(USE_HW_PSK), WE(ENTROPY_RT_E), WE(ENTROPY_APT_E),
	WE(INPUT_CASE_ERROR), WE(PREFIX_ERROR), WE(MEMORY_ERROR),
	WE(VERIFY_FINISHED_ERROR), WE(VERIFY_MAC_ERROR), WE(PARSE_ERROR),
	WE(UNKNOWN_HANDSHAKE_TYPE), WE(SOCKET_ERROR_E), WE(SOCKET_NODATA),
	WE(INCOMPLETE_DATA), WE(UNKNOWN_RECORD_TYPE), WE(DECRYPT_ERROR),
	WE(FATAL_ERROR), WE(ENCRYPT_ERROR), WE(FREAD_ERROR),
	WE(NO_PEER_KEY), WE(NO_PRIVATE_KEY), WE(RSA_PRIVATE_ERROR),
	WE(NO_DH_PARAMS), WE(BUILD_MSG_ERROR), WE(BAD_HELLO),
	WE(DOMAIN_NAME_MISMATCH), WE(WANT_READ), WE(NOT_READY_ERROR),
	WE(IPADDR_MISMATCH), WE(VERSION_ERROR), WE(WANT_WRITE),
	WE(BUFFER_ERROR), WE(VERIFY_CERT_ERROR), WE(VERIFY_SIGN_ERROR),
	WE(CLIENT_ID_ERROR), WE(SERVER_HINT_ERROR), WE(PSK_KEY_ERROR),
	WE(GETTIME_ERROR), WE(GETITIMER_ERROR), WE(SIGACT_ERROR),
	WE(SETITIMER_ERROR), WE(LENGTH_ERROR), WE(PEER_KEY_ERROR),
	WE(ZERO_RETURN), WE(SIDE_ERROR), WE(NO_PEER_CERT),
	WE(ECC_CURVETYPE_ERROR), WE(ECC_CURVE_ERROR), WE(ECC_PEERKEY_ERROR),
	WE(ECC_MAKEKEY_ERROR), WE(ECC_EXPORT_ERROR), WE(ECC_SHARED_ERROR),
	WE(NOT_CA_ERROR), WE(BAD_CERT_MANAGER_ERROR), WE(OCSP_CERT_REVOKED),
	WE(CRL_CERT_REVOKED), WE(CRL_MISSING), WE(MONITOR_SETUP_E),
	WE(THREAD_CREATE_E), WE(OCSP_NEED_URL), WE(OCSP_CERT_UNKNOWN),
	WE(OCSP_LOOKUP_FAIL), WE(MAX_CHAIN_ERROR), WE(COOKIE_ERROR),
	WE(SEQUENCE_ERROR), WE(SUITES_ERROR), WE(OUT_OF_ORDER_E),
	WE(BAD_KEA_TYPE_E), WE(SANITY_CIPHER_E), WE(RECV_OVERFLOW_E),
	WE(GEN_COOKIE_E), WE(NO_PEER_VERIFY), WE(FWRITE_ERROR),
	WE(CACHE_MATCH_ERROR), WE(UNKNOWN_SNI_HOST_NAME_E), WE(UNKNOWN_MAX_FRAG_LEN_E),
	WE(KEYUSE_SIGNATURE_E), WE(KEYUSE_ENCIPHER_E), WE(EXTKEYUSE_AUTH_E),
	WE(SEND_OOB_READ_E), WE(SECURE_RENEGOTIATION_E), WE(SESSION_TICKET_LEN_E),
	WE(SESSION_TICKET_EXPECT_E), WE(SCR_DIFFERENT_CERT_E), WE(SESSION_SECRET_CB_E),
	WE(NO_CHANGE_CIPHER_E), WE(SANITY_MSG_E), WE(DUPLICATE_MSG_E),
	WE(SNI_UNSUPPORTED), WE(SOCKET_PEER_CLOSED_E), WE(BAD_TICKET_KEY_CB_SZ),
	WE(BAD_TICKET_MSG_SZ), WE(BAD_TICKET_ENCRYPT), WE(DH_KEY_SIZE_E),
	WE(SNI_ABSENT_ERROR), WE(RSA_SIGN_FAULT), WE(HANDSHAKE_SIZE_ERROR),
	WE(UNKNOWN_ALPN_PROTOCOL_NAME_E), WE(BAD_CERTIFICATE_STATUS_ERROR), WE(OCSP_INVALID_STATUS),
	WE(OCSP_WANT_READ), WE(RSA_KEY_SIZE_E), WE(ECC_KEY_SIZE_E),
	WE(DTLS_EXPORT_VER_E), WE(INPUT_SIZE_E), WE(CTX_INIT_MUTEX_E),
	WE(EXT_MASTER_SECRET_NEEDED_E), WE(DTLS_POOL_SZ_E), WE(DECODE_E),
	WE(HTTP_TIMEOUT), WE(WRITE_DUP_READ_E), WE(WRITE_DUP_WRITE_E),
	WE(INVALID_CERT_CTX_E), WE(BAD_KEY_SHARE_DATA), WE(MISSING_HANDSHAKE_DATA),
	WE(BAD_BINDER), WE(EXT_NOT_ALLOWED), WE(INVALID_PARAMETER),
	WE(MCAST_HIGHWATER_CB_E), WE(ALERT_COUNT_E), WE(EXT_MISSING),
	WE(UNSUPPORTED_EXTENSION), WE(PRF_MISSING), WE(DTLS_RETX_OVER_TX),
	WE(DH_PARAMS_NOT_FFDHE_E), WE(TCA_INVALID_ID_TYPE), WE(TCA_ABSENT_ERROR),
	WE(TSIP_MAC_DIGSZ_E), WE(CLIENT_CERT_CB_ERROR), WE(SSL_SHUTDOWN_ALREADY_DONE_E),
	WE(TLS13_SECRET_CB_E), WE(DTLS_SIZE_ERROR), WE(NO_CERT_ERROR),
	WE(APP_DATA_READY), WE(TOO_MUCH_EARLY_DATA), WE(SOCKET_FILTERED_E),
	WE(HTTP_RECV_ERR), WE(HTTP_HEADER_ERR), WE(HTTP_PROTO_ERR),
	WE(HTTP_STATUS_ERR), WE(HTTP_VERSION_ERR), WE(HTTP_APPSTR_ERR),
	WE(UNSUPPORTED_PROTO_VERSION), WE(FALCON_KEY_SIZE_E), WE(QUIC_TP_MISSING_E),
	WE(DILITHIUM_KEY_SIZE_E), WE(DTLS_CID_ERROR), WE(DTLS_TOO_MANY_FRAGMENTS_E),
	WE(QUIC_WRONG_ENC_LEVEL), WE(DUPLICATE_TLS_EXT_E), WE(UNSUPPORTED_SUITE),
	WE(MATCH_SUITE_ERROR), WE(COMPRESSION_ERROR), WE(KEY_SHARE_ERROR),
	WE(POST_HAND_AUTH_ERROR), WE(HRR_COOKIE_ERROR),
	{ 0, NULL },
};
#undef WE

/* Group names for client_case.groups (IANA TLS Supported Groups registry). */
static const struct tok group_names[] = {
	{ 23, "P-256" }, { 23, "secp256r1" }, { 23, "prime256v1" },
	{ 24, "P-384" }, { 24, "secp384r1" }, { 25, "P-521" }, { 25, "secp521r1" },
	{ 29, "X25519" }, { 29, "x25519" }, { 30, "X448" }, { 30, "x448" },
	{ 256, "ffdhe2048" }, { 257, "ffdhe3072" }, { 258, "ffdhe4096" },
	{ 0, NULL },
};

struct run {
	struct cio io;
	const struct client_case *cc;
	struct client_result *out;
	bool lowered; /* min version raised to what the library has */
	int sha1_depth; /* reject_sha1: depth of the SHA-1 signed certificate; -1: none */
	time_t clock_base, real_base;
	WOLFSSL *ssl;
	bool hello_sent; /* the first record (the ClientHello) has gone */
};

/* wolfCrypt's time callback and the key-log callback have no user pointer. */
static struct run *current_run;

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct run *r = ctx;
	(void)ssl;
	ssize_t n = cio_recv(&r->io, buf, (size_t)sz);
	if (n > 0)
		return (int)n;
	if (n == CIO_CLOSED)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	if (n == CIO_ERROR && r->io.reset)
		return WOLFSSL_CBIO_ERR_CONN_RST;
	return WOLFSSL_CBIO_ERR_GENERAL;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct run *r = ctx;
	(void)ssl;
	/*
	 * The CC3200 default (SSLv3 up to TLS 1.2) puts its lowest version in the
	 * ClientHello's record header, as wolfSSL built with WOLFSSL_ALTERNATIVE_DOWNGRADE
	 * does (src/internal.c AddRecordHeader: pvMinor = minDowngrade); the linked
	 * build lacks that option.  The record header is not part of the handshake
	 * transcript, so nothing else changes.
	 */
	if (!r->hello_sent && r->cc->method == METHOD_SSLV3_TLS12 && sz > 5 && (uint8_t)buf[0] == 22 &&
	    (uint8_t)buf[1] == 3 && (uint8_t)buf[5] == 1)
		buf[2] = 0;
	ssize_t n = cio_send(&r->io, buf, (size_t)sz);
	if (n > 0)
		r->hello_sent = true;
	if (n >= 0)
		return (int)n;
	if (n == CIO_ERROR && r->io.peer_closed)
		return WOLFSSL_CBIO_ERR_CONN_RST;
	return WOLFSSL_CBIO_ERR_GENERAL;
}

/* The device's clock: starts at cc->clock and runs with real time. */
static time_t device_time(time_t *t)
{
	time_t now = time(NULL);
	if (current_run)
		now = current_run->clock_base + (now - current_run->real_base);
	if (t)
		*t = now;
	return now;
}

#ifdef HAVE_CLIENT_KEYLOG_CB
static void keylog_cb(const WOLFSSL *ssl, const char *line)
{
	(void)ssl;
	if (current_run)
		cio_keylog_line(&current_run->io, line);
}
#endif

/*
 * The TLS <= 1.2 line, read after the handshake: the only way without the
 * secret callback, and a fallback with it - wolfSSL 5.5.4's
 * SessionSecret_callback() tests only the first byte of the master secret
 * for "has a value", so it skips one TLS 1.2 handshake in 256.
 */
static void keylog_master_secret(struct run *r, WOLFSSL *ssl)
{
	unsigned char random[32], master[48];
	WOLFSSL_SESSION *s = wolfSSL_get_session(ssl);
	if (!s || wolfSSL_get_client_random(ssl, random, sizeof random) != sizeof random ||
	    wolfSSL_SESSION_get_master_key(s, master, sizeof master) != sizeof master)
		return;
	cio_keylog_master(&r->io, random, master);
}

const char *client_engine_error_name_wolfssl(long code)
{
	return code < 0 ? tok_name(wolfssl_errors, (unsigned int)-code) : NULL;
}

static void error_name(int code, char *buf, size_t len)
{
	const char *s = code < 0 ? tok_name(wolfssl_errors, (unsigned int)-code) : NULL;
	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "unknown(%d)", code);
}

/*
 * OPENSSL_COMPATIBLE_DEFAULTS builds (Debian's and the full one) hand the
 * verify callback OpenSSL's X509_V_ERR numbers (GetX509Error() in wolfSSL's
 * src/x509_str.c); this undoes that mapping so reports speak wolfSSL's codes.
 */
static int native_verify_error(int e)
{
#ifdef OPENSSL_COMPATIBLE_DEFAULTS
	static const struct {
		int x509, wolf;
	} map[] = {
		{ X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, ASN_BEFORE_DATE_E },
		{ X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, ASN_AFTER_DATE_E },
		{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, ASN_NO_SIGNER_E },
		{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, ASN_SELF_SIGNED_E },
		{ X509_V_ERR_PATH_LENGTH_EXCEEDED, ASN_PATHLEN_INV_E },
		{ X509_V_ERR_CERT_SIGNATURE_FAILURE, ASN_SIG_CONFIRM_E },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].x509 == e)
			return map[i].wolf;
#endif
	return e;
}

/* Signature algorithms over SHA-1 (RFC 3279 section 2.2, RFC 5758 section 3.2 has none). */
static bool signed_with_sha1(WOLFSSL_X509 *x)
{
	switch (wolfSSL_X509_get_signature_nid(x)) {
	case NID_sha1WithRSAEncryption:
	case NID_ecdsa_with_SHA1:
	case NID_dsaWithSHA1:
		return true;
	default:
		return false;
	}
}

/*
 * reject_sha1, as mbedTLS's default X.509 profile (no SHA-1 in allowed_mds:
 * MBEDTLS_X509_BADCERT_BAD_MD) and browsers do: a certificate whose signature
 * uses SHA-1 fails.  A self-signed certificate is skipped: its own signature
 * protects nothing, and mbedTLS does not check a trusted root's either.
 * wolfSSL has no such check; the reason recorded is ASN_SIG_HASH_E, wolfCrypt's
 * "unsupported hash type" for a signature, and the handshake fails as any
 * verify-callback refusal does (VERIFY_CERT_ERROR).
 */
static bool refuse_sha1(struct run *r, WOLFSSL_X509_STORE_CTX *store)
{
	WOLFSSL_X509 *x = wolfSSL_X509_STORE_CTX_get_current_cert(store);
	if (!r->cc->reject_sha1 || !x || !signed_with_sha1(x) ||
	    wolfSSL_X509_NAME_cmp(wolfSSL_X509_get_subject_name(x), wolfSSL_X509_get_issuer_name(x)) == 0)
		return false;
	if (r->out->verify_error == 0) {
		r->out->verify_error = ASN_SIG_HASH_E;
		error_name(ASN_SIG_HASH_E, r->out->verify_error_name, sizeof r->out->verify_error_name);
		r->sha1_depth = store->error_depth;
	}
	return true;
}

/*
 * Called for each certificate of the server's chain (WOLFSSL_ALWAYS_VERIFY_CB)
 * or on a failure.  Records the first error; keeps it fatal only when the case
 * verifies, so a case with verify off connects and still tells what was wrong.
 */
static int verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
	struct run *r = current_run;
	if (!r || !store)
		return preverify;
	if (store->error_depth + 1 > r->out->chain_len)
		r->out->chain_len = store->error_depth + 1;
	if (store->totalCerts > r->out->chain_len)
		r->out->chain_len = store->totalCerts;
	if (preverify && refuse_sha1(r, store))
		preverify = 0;
	else if (!preverify && store->error != 0 && r->out->verify_error == 0) {
		r->out->verify_error = native_verify_error(store->error);
		error_name(r->out->verify_error, r->out->verify_error_name, sizeof r->out->verify_error_name);
	}
	return r->cc->verify ? preverify : 1;
}

/* The wire version of each method, for the OpenSSL-style bound functions. */
static int wire_version(enum client_method m)
{
	static const int wire[] = {
		[METHOD_SSLV3] = 0x0300, [METHOD_TLS10] = 0x0301, [METHOD_TLS11] = 0x0302,
		[METHOD_TLS12] = 0x0303, [METHOD_TLS13] = 0x0304,
	};
	return (size_t)m < sizeof wire / sizeof wire[0] ? wire[m] : 0;
}

static bool method_compiled(enum client_method m)
{
	switch (m) {
	case METHOD_SSLV3:
#ifdef HAVE_CLIENT_SSLV3
		return true;
#else
		return false;
#endif
	case METHOD_TLS10:
#ifdef HAVE_CLIENT_TLS10
		return true;
#else
		return false;
#endif
	case METHOD_TLS11:
#ifdef HAVE_CLIENT_TLS11
		return true;
#else
		return false;
#endif
	case METHOD_TLS12:
#ifndef WOLFSSL_NO_TLS12
		return true;
#else
		return false;
#endif
	case METHOD_TLS13:
#ifdef WOLFSSL_TLS13
		return true;
#else
		return false;
#endif
	case METHOD_ANY:
	case METHOD_SSLV3_TLS12:
		return true;
	default:
		return false;
	}
}

static WOLFSSL_METHOD *method_new(enum client_method m)
{
	switch (m) {
#ifdef HAVE_CLIENT_SSLV3
	case METHOD_SSLV3:
		return wolfSSLv3_client_method();
#endif
#ifdef HAVE_CLIENT_TLS10
	case METHOD_TLS10:
		return wolfTLSv1_client_method();
#endif
#ifdef HAVE_CLIENT_TLS11
	case METHOD_TLS11:
		return wolfTLSv1_1_client_method();
#endif
#ifndef WOLFSSL_NO_TLS12
	case METHOD_TLS12:
		return wolfTLSv1_2_client_method();
#endif
#ifdef WOLFSSL_TLS13
	case METHOD_TLS13:
		return wolfTLSv1_3_client_method();
#endif
	case METHOD_ANY:
	case METHOD_SSLV3_TLS12:
		return wolfSSLv23_client_method();
	default:
		return NULL;
	}
}

static const char *method_label(enum client_method m)
{
	const char *s = tok_name(client_method_names, (unsigned int)m);
	return s ? s : "?";
}

/*
 * Version bounds for METHOD_ANY and METHOD_SSLV3_TLS12.  A lower bound the
 * library lacks is raised to its lowest version (the ClientHello, which
 * carries only the highest version, is unchanged) and noted; a result that
 * then depends on it (a version failure) is reported skipped by client_run.
 */
static int set_bounds(struct run *r, WOLFSSL_CTX *ctx, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	enum client_method lo = cc->method == METHOD_SSLV3_TLS12 ? METHOD_SSLV3 : cc->min_version;
	enum client_method hi = cc->method == METHOD_SSLV3_TLS12 ? METHOD_TLS12 : cc->max_version;
	if (hi != METHOD_ANY && !method_compiled(hi)) {
		cio_skip(r->out, "the linked wolfSSL has no %s; run `make wolfssl-full`", method_label(hi));
		return 0;
	}
	if (lo != METHOD_ANY && !method_compiled(lo)) {
		enum client_method m = lo;
		while (m < METHOD_TLS13 && !method_compiled(m))
			m = (enum client_method)(m + 1);
		snprintf(r->out->note, sizeof r->out->note,
			 "the linked wolfSSL has no %s: lowest version offered is %s (run `make wolfssl-full`)",
			 method_label(lo), method_label(m));
		r->lowered = true;
		lo = m;
	}
	if (lo != METHOD_ANY && wolfSSL_CTX_set_min_proto_version(ctx, wire_version(lo)) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "wolfSSL refused minimum version %s", method_label(lo));
		return -1;
	}
	if (hi != METHOD_ANY && wolfSSL_CTX_set_max_proto_version(ctx, wire_version(hi)) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "wolfSSL refused maximum version %s", method_label(hi));
		return -1;
	}
	return 0;
}

/* Each suite name in list must be one the library has; else skipped (or bad input on the full build). */
static int check_ciphers(struct run *r, const char *list, char *err, size_t errlen)
{
	static char have[8192], have_iana[8192];
	if (wolfSSL_get_ciphers(have, (int)sizeof have) != WOLFSSL_SUCCESS)
		have[0] = '\0';
	if (wolfSSL_get_ciphers_iana(have_iana, (int)sizeof have_iana) != WOLFSSL_SUCCESS)
		have_iana[0] = '\0';
	char missing[128] = "";
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ":, ");
		/* Keywords (ALL, HIGH, !aNULL...) have no '-' or '_'; wolfSSL handles them. */
		bool is_suite = n > 0 && p[0] != '!' && p[0] != '-' && p[0] != '+' &&
				(memchr(p, '-', n) || memchr(p, '_', n));
		if (is_suite) {
			bool found = false;
			const char *lists[2] = { have, have_iana };
			for (int i = 0; i < 2 && !found; i++)
				for (const char *q = lists[i]; *q && !found; q += strcspn(q, ":"), q += *q == ':') {
					size_t m = strcspn(q, ":");
					found = m == n && strncmp(q, p, n) == 0;
				}
			if (!found) {
				size_t len = strlen(missing);
				snprintf(missing + len, sizeof missing - len, "%s%.*s", len ? ", " : "", (int)n, p);
			}
		}
		p += n;
		p += strspn(p, ":, ");
	}
	if (!missing[0])
		return 0;
	struct client_caps caps;
	client_caps_get(&caps);
	if (caps.full_build) {
		snprintf(err, errlen, "cipher suite(s) unknown to wolfSSL: %s ('tlsdiag client-caps' lists them)",
			 missing);
		return -1;
	}
	cio_skip(r->out, "the linked wolfSSL lacks suites the case offers; run `make wolfssl-full` (missing: %s)", missing);
	return 0;
}

static int set_groups(struct run *r, WOLFSSL_CTX *ctx, char *err, size_t errlen)
{
	int groups[16], n = 0;
	const char *p = r->cc->groups;
	while (*p) {
		size_t len = strcspn(p, ":, ");
		char name[32];
		unsigned int v;
		snprintf(name, sizeof name, "%.*s", (int)len, p);
		if (tok_value(group_names, name, &v) != 0) {
			snprintf(err, errlen, "unknown group '%s' (P-256, P-384, P-521, X25519, X448, ffdhe2048...)",
				 name);
			return -1;
		}
		if (n == (int)(sizeof groups / sizeof groups[0])) {
			snprintf(err, errlen, "too many groups");
			return -1;
		}
		groups[n++] = (int)v;
		p += len;
		p += strspn(p, ":, ");
	}
	if (n == 0 || wolfSSL_CTX_set_groups(ctx, groups, n) == WOLFSSL_SUCCESS)
		return 0;
	/* wolfSSL_CTX_set_groups() wants a TLS 1.3-capable method; below that,
	 * the supported_groups extension is all there is (RFC 8422 section 5.1.1). */
	for (int i = 0; i < n; i++)
		if (wolfSSL_CTX_UseSupportedCurve(ctx, (unsigned short)groups[i]) != WOLFSSL_SUCCESS) {
			cio_skip(r->out, "the linked wolfSSL refused groups '%s'", r->cc->groups);
			return 0;
		}
	return 0;
}

/* Loads the CA as the device would; a loader error is an outcome, not a harness error. */
static int load_ca(struct run *r, WOLFSSL_CTX *ctx, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	unsigned char *buf = NULL;
	size_t len = 0;
	int format, rc = -1;
	if (cc->ca_format == CA_NONE)
		return 0;
	if (!cc->ca_path) {
		snprintf(err, errlen, "a CA format is set but no CA file");
		return -1;
	}
	if (cio_read_file(cc->ca_path, &buf, &len, err, errlen) != 0)
		return -1;
	switch (cc->ca_format) {
	case CA_AUTO:
		format = cio_is_pem(buf, len) ? WOLFSSL_FILETYPE_PEM : WOLFSSL_FILETYPE_ASN1;
		break;
	case CA_PEM:
	case CA_DER_AS_PEM:
		format = WOLFSSL_FILETYPE_PEM;
		break;
	case CA_DER:
	case CA_PEM_AS_DER:
		format = WOLFSSL_FILETYPE_ASN1;
		break;
	case CA_NONE:
	default:
		snprintf(err, errlen, "bad CA format %d", (int)cc->ca_format);
		goto out;
	}
	int ret = wolfSSL_CTX_load_verify_buffer(ctx, buf, len, format);
	if (ret != WOLFSSL_SUCCESS) {
		struct client_result *o = r->out;
		o->error = ret < 0 ? ret : WOLFSSL_FATAL_ERROR;
		error_name(o->error, o->error_name, sizeof o->error_name);
		snprintf(o->stage, sizeof o->stage, "load_ca");
		snprintf(o->detail, sizeof o->detail, "the %s CA loader rejected %s (%s bytes): %s %d",
			 format == WOLFSSL_FILETYPE_PEM ? "PEM" : "DER", cc->ca_path,
			 cio_is_pem(buf, len) ? "PEM" : "binary", o->error_name, o->error);
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static int load_client_cert(struct run *r, WOLFSSL_CTX *ctx, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	unsigned char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	int rc = -1;
	int got = cio_read_client_pair(cc, &cert, &cert_len, &key, &key_len, err, errlen);
	if (got != 0) {
		rc = got > 0 ? 0 : -1;
		goto out;
	}
	int ret = wolfSSL_CTX_use_certificate_chain_buffer_format(ctx, cert, cert_len,
		cio_is_pem(cert, cert_len) ? WOLFSSL_FILETYPE_PEM : WOLFSSL_FILETYPE_ASN1);
	const char *what = "certificate";
	if (ret == WOLFSSL_SUCCESS) {
		what = "key";
		ret = wolfSSL_CTX_use_PrivateKey_buffer(ctx, key, key_len,
			cio_is_pem(key, key_len) ? WOLFSSL_FILETYPE_PEM : WOLFSSL_FILETYPE_ASN1);
	}
	if (ret != WOLFSSL_SUCCESS) {
		struct client_result *o = r->out;
		o->error = ret < 0 ? ret : WOLFSSL_FATAL_ERROR;
		error_name(o->error, o->error_name, sizeof o->error_name);
		snprintf(o->stage, sizeof o->stage, "load_%s", strcmp(what, "key") == 0 ? "key" : "cert");
		snprintf(o->detail, sizeof o->detail, "the client %s was rejected: %s %d", what, o->error_name,
			 o->error);
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	free(cert);
	free(key);
	return rc;
}

/* Per-connection settings on the WOLFSSL object. */
static int set_connection(struct run *r, WOLFSSL *ssl, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	const char *sni = cio_sni(cc);
	if (sni) {
#ifdef HAVE_SNI
		if (wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, sni, (unsigned short)strlen(sni)) != WOLFSSL_SUCCESS) {
			snprintf(err, errlen, "wolfSSL_UseSNI(%s) failed", sni);
			return -1;
		}
#else
		cio_skip(r->out, "the linked wolfSSL has no SNI; run `make wolfssl-full`");
		return 0;
#endif
	}
	if (cc->check_name && *cc->check_name &&
	    wolfSSL_check_domain_name(ssl, cc->check_name) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "wolfSSL_check_domain_name(%s) failed", cc->check_name);
		return -1;
	}
	if (cc->max_fragment) {
#ifdef HAVE_MAX_FRAGMENT
		/* RFC 6066 section 4: 2^9, 2^10, 2^11, 2^12 bytes as codes 1 to 4. */
		unsigned char code = 1;
		while (code <= 4 && cc->max_fragment != 256 << code)
			code++;
		if (code > 4) {
			snprintf(err, errlen, "max_fragment must be 512, 1024, 2048 or 4096, not %d", cc->max_fragment);
			return -1;
		}
		if (wolfSSL_UseMaxFragment(ssl, code) != WOLFSSL_SUCCESS) {
			snprintf(err, errlen, "wolfSSL_UseMaxFragment(%d) failed", cc->max_fragment);
			return -1;
		}
#else
		cio_skip(r->out, "the linked wolfSSL has no max_fragment_length; run `make wolfssl-full`");
#endif
	}
	return 0;
}

static void result_connected(struct run *r, WOLFSSL *ssl)
{
	struct client_result *o = r->out;
	o->connected = true;
	snprintf(o->stage, sizeof o->stage, "done");
	snprintf(o->version, sizeof o->version, "%s", wolfSSL_get_version(ssl));
	int id = wolfSSL_get_current_cipher_suite(ssl);
	if (id >= 0) {
		unsigned char b0 = (unsigned char)(id >> 8), b1 = (unsigned char)id;
		const char *iana = wolfSSL_get_cipher_name_iana_from_suite(b0, b1);
		o->suite_id = (uint16_t)id;
		snprintf(o->suite, sizeof o->suite, "%s", iana ? iana : "unknown");
	}
	WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(ssl);
	if (chain && wolfSSL_get_chain_count(chain) > 0)
		o->chain_len = wolfSSL_get_chain_count(chain);
	cio_connected_detail(&r->io);
}

static void result_failed(struct run *r, WOLFSSL *ssl, int ret)
{
	struct client_result *o = r->out;
	o->error = wolfSSL_get_error(ssl, ret);
	if (o->error >= 0)
		o->error = WOLFSSL_FATAL_ERROR;
	error_name(o->error, o->error_name, sizeof o->error_name);
	WOLFSSL_ALERT_HISTORY h;
	if (wolfSSL_get_alert_history(ssl, &h) == WOLFSSL_SUCCESS) {
		o->alert_received = h.last_rx.code;
		o->alert_sent = h.last_tx.code;
	}
	char last[48], words[96];
	cio_stage(&r->io, last, sizeof last);
	snprintf(words, sizeof words, "%s %d", o->error_name, o->error);
	cio_failed_detail(&r->io, last, words);
	cio_engine_error(o, o->error, o->error_name, o->alert_received);
	/* A version failure with a raised lower bound may not be what the device gets. */
	if (r->lowered && (o->error == VERSION_ERROR || o->alert_received == 70))
		cio_skip(o, "%s", r->out->note);
}

/* min_rsa_bits, min_dh_bits: wolfSSL's own checks, with wolfSSL's own errors. */
static int set_minimums(WOLFSSL_CTX *ctx, const struct client_case *cc, char *err, size_t errlen)
{
	if (cc->min_rsa_bits && wolfSSL_CTX_SetMinRsaKey_Sz(ctx, (short)cc->min_rsa_bits) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "min_rsa_bits %d refused by wolfSSL (a multiple of 8 is needed)", cc->min_rsa_bits);
		return -1;
	}
	if (cc->min_dh_bits &&
	    wolfSSL_CTX_SetMinDhKey_Sz(ctx, (unsigned short)cc->min_dh_bits) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "min_dh_bits %d refused by wolfSSL (a multiple of 8, at most 16000)",
			 cc->min_dh_bits);
		return -1;
	}
	return 0;
}

/*
 * rx_record_limit: the read that brought the oversized header failed (io_recv),
 * so wolfSSL says SOCKET_ERROR_E.  Reported instead as wolfSSL itself reports a
 * record over its negotiated max_fragment (src/internal.c GetRecordHeader):
 * LENGTH_ERROR and a fatal record_overflow alert (RFC 6066 section 4, RFC 5246
 * section 6.2.1).  The alert is written in the clear while neither side has
 * switched to encryption, else not sent (the reason stays in detail).
 */
static void result_oversized(struct run *r)
{
	struct client_result *o = r->out;
	int limit = r->cc->rx_record_limit;
	o->error = LENGTH_ERROR;
	error_name(o->error, o->error_name, sizeof o->error_name);
	const char *alert = cio_oversized_alert(&r->io, true);
	snprintf(o->detail, sizeof o->detail,
		 "record of %d bytes exceeds the device's %d-byte buffer (rx_record_limit, no max_fragment_length "
		 "agreed): %s: %s %d",
		 o->oversized_record, limit, alert, o->error_name, o->error);
	cio_engine_error(o, o->error, o->error_name, -1);
}

/* Why a minimum or reject_sha1 stopped the case, in detail. */
static void result_strict(struct run *r)
{
	struct client_result *o = r->out;
	const struct client_case *cc = r->cc;
	size_t len = strlen(o->detail);
	if (o->error == RSA_KEY_SIZE_E && cc->min_rsa_bits)
		snprintf(o->detail + len, sizeof o->detail - len, " (the server's RSA key is under the device's %d bits)",
			 cc->min_rsa_bits);
	else if (o->error == DH_KEY_SIZE_E && cc->min_dh_bits)
		snprintf(o->detail + len, sizeof o->detail - len, " (the server's DH group is under the device's %d bits)",
			 cc->min_dh_bits);
	else if (o->verify_error == ASN_SIG_HASH_E && r->sha1_depth >= 0)
		snprintf(o->detail + len, sizeof o->detail - len,
			 " (certificate at depth %d is signed with SHA-1, which the device refuses)", r->sha1_depth);
}

static void library_init(void)
{
	static bool done;
	if (!done) {
		wolfSSL_Init();
		done = true;
	}
}

/* Application data after the handshake, for cio_after_handshake(). */
static int app_write(void *ctx, const unsigned char *p, size_t n)
{
	struct run *r = ctx;
	return wolfSSL_write(r->ssl, p, (int)n);
}

static int app_read(void *ctx, unsigned char *p, size_t n, int *alert)
{
	struct run *r = ctx;
	int got = wolfSSL_read(r->ssl, p, (int)n);
	if (got > 0)
		return got;
	int e = wolfSSL_get_error(r->ssl, got);
	WOLFSSL_ALERT_HISTORY h;
	if (e == WOLFSSL_ERROR_ZERO_RETURN)
		*alert = 0; /* close_notify */
	else if (wolfSSL_get_alert_history(r->ssl, &h) == WOLFSSL_SUCCESS && h.last_rx.code > 0 &&
		 h.last_rx.level == alert_fatal)
		*alert = h.last_rx.code;
	if (r->io.timed_out)
		return CIO_TIMEOUT;
	return got == 0 && *alert < 0 ? 0 : -1;
}

int client_wolfssl_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen)
{
	struct run r = { .cc = cc, .out = out, .sha1_depth = -1 };
	WOLFSSL_CTX *ctx = NULL;
	WOLFSSL *ssl = NULL;
	int rc = -1, step;

	cio_init(&r.io, cc, out);
	if (!cc->host || !cc->port) {
		snprintf(err, errlen, "the case has no host or port");
		goto out;
	}
	library_init();

	if (!method_compiled(cc->method)) {
		cio_skip(out, "the linked wolfSSL has no %s; run `make wolfssl-full`", method_label(cc->method));
		rc = 0;
		goto out;
	}
	ctx = wolfSSL_CTX_new(method_new(cc->method));
	if (!ctx) {
		snprintf(err, errlen, "wolfSSL_CTX_new failed for %s", method_label(cc->method));
		goto out;
	}
	/* The CA first: a device that cannot load it stops there, whatever its suites. */
	wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, verify_cb);
	step = load_ca(&r, ctx, err, errlen);
	if (step == 0)
		step = load_client_cert(&r, ctx, err, errlen);
	if (step != 0) {
		rc = step > 0 ? 0 : -1;
		goto out;
	}
	if ((cc->method == METHOD_ANY || cc->method == METHOD_SSLV3_TLS12) && set_bounds(&r, ctx, err, errlen) != 0)
		goto out;
	if (cc->ciphers && check_ciphers(&r, cc->ciphers, err, errlen) != 0)
		goto out;
	if (!out->skipped && cc->ciphers && wolfSSL_CTX_set_cipher_list(ctx, cc->ciphers) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "wolfSSL refused the cipher list '%s'", cc->ciphers);
		goto out;
	}
	if (!out->skipped && cc->groups && set_groups(&r, ctx, err, errlen) != 0)
		goto out;
	if (set_minimums(ctx, cc, err, errlen) != 0)
		goto out;
	if (out->skipped) {
		rc = 0;
		goto out;
	}
	if (cc->keylog_path) {
		if (cio_keylog_open(&r.io, err, errlen) != 0)
			goto out;
#ifdef HAVE_CLIENT_KEYLOG_CB
		wolfSSL_CTX_set_keylog_callback(ctx, keylog_cb);
#else
		snprintf(out->note, sizeof out->note,
			 "key log: TLS 1.3 secrets need the secret callback (run `make wolfssl-full`)");
#endif
	}
	wolfSSL_CTX_SetIORecv(ctx, io_recv);
	wolfSSL_CTX_SetIOSend(ctx, io_send);
	ssl = r.ssl = wolfSSL_new(ctx);
	if (!ssl) {
		snprintf(err, errlen, "wolfSSL_new failed");
		goto out;
	}
	if (set_connection(&r, ssl, err, errlen) != 0)
		goto out;
	if (out->skipped) {
		rc = 0;
		goto out;
	}
	step = cio_connect(&r.io, err, errlen);
	if (step != 0) {
		rc = step > 0 ? 0 : -1;
		goto out;
	}
	wolfSSL_SetIOReadCtx(ssl, &r);
	wolfSSL_SetIOWriteCtx(ssl, &r);

	current_run = &r;
	if (cc->clock) {
		r.clock_base = cc->clock;
		r.real_base = time(NULL);
		wc_SetTimeCb(device_time);
	}
	int ret = wolfSSL_connect(ssl);
	if (ret == WOLFSSL_SUCCESS) {
		result_connected(&r, ssl);
		if (r.io.keylog && !r.io.client_random_logged && wolfSSL_version(ssl) <= TLS1_2_VERSION)
			keylog_master_secret(&r, ssl);
		const struct cio_app app = { .ctx = &r, .write = app_write, .read = app_read };
		cio_after_handshake(&r.io, &app);
		if (out->post_alert < 0)
			wolfSSL_shutdown(ssl); /* close_notify; the server's answer is not awaited */
	} else {
		result_failed(&r, ssl, ret);
		if (out->oversized_record)
			result_oversized(&r);
		else
			result_strict(&r);
	}
	rc = 0;
out:
	if (cc->clock)
		wc_SetTimeCb(NULL);
	current_run = NULL;
	wolfSSL_free(ssl);
	wolfSSL_CTX_free(ctx);
	cio_close(&r.io);
	return rc;
}

void client_caps_get(struct client_caps *caps)
{
	memset(caps, 0, sizeof *caps);
	library_init();
	snprintf(caps->version, sizeof caps->version, "%s", wolfSSL_lib_version());
	caps->sslv3 = method_compiled(METHOD_SSLV3);
	caps->tls10 = method_compiled(METHOD_TLS10);
	caps->tls11 = method_compiled(METHOD_TLS11);
	caps->tls12 = method_compiled(METHOD_TLS12);
	caps->tls13 = method_compiled(METHOD_TLS13);
#ifdef WOLFSSL_STATIC_RSA
	caps->static_rsa = true;
#endif
#ifdef HAVE_MAX_FRAGMENT
	caps->max_fragment = true;
#endif
#ifdef HAVE_SNI
	caps->sni = true;
#endif
#ifdef HAVE_CLIENT_KEYLOG_CB
	caps->keylog_tls13 = true;
#endif
	caps->keylog_tls12 = true; /* the master secret is readable after the handshake in every build */
	caps->time_override = true; /* wc_SetTimeCb is in every build with ASN time */
	caps->available = true;
	caps->full_build = caps->sslv3 && caps->tls10 && caps->static_rsa && caps->keylog_tls13;
	if (wolfSSL_get_ciphers(caps->ciphers, (int)sizeof caps->ciphers) != WOLFSSL_SUCCESS)
		caps->ciphers[0] = '\0';
}

int client_suite_library_name(uint16_t id, char *buf, size_t len)
{
	const char *name = wolfSSL_get_cipher_name_from_suite((unsigned char)(id >> 8), (unsigned char)(id & 0xff));
	if (!name || !name[0] || strcmp(name, "None") == 0)
		return -1;
	snprintf(buf, len, "%s", name);
	return 0;
}
