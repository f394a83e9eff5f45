/*
 * client_mbedtls.c - the client engine on mbed TLS 2.28 (Debian's
 * libmbedtls, the line ESP-IDF 4.x and Arduino-ESP32 2.x build on).  The only
 * file that includes mbedTLS; it configures mbedTLS the way ESP-IDF's esp-tls
 * does and reports what mbedTLS itself returned.
 *
 * How a case runs (as esp_tls_conn_new() over mbedTLS):
 *   1. mbedtls_ssl_config_defaults(CLIENT, STREAM, PRESET_DEFAULT); versions
 *      from the case (mbedtls_ssl_conf_min/max_version); suites by mbedTLS's
 *      own names (mbedtls_ssl_get_ciphersuite_id; IANA names are accepted,
 *      '_' read as '-'); groups (mbedtls_ssl_conf_curves); no list: the
 *      library's default preference, which is what ESP-IDF offers.
 *   2. The CA loaded as the device's API loads it: mbedtls_x509_crt_parse
 *      (PEM or DER by content: esp_tls_cfg_t.cacert_buf), or _parse_der
 *      (PEM handed to it gives MBEDTLS_ERR_X509_INVALID_FORMAT -0x2180).
 *   3. Verification REQUIRED, or OPTIONAL with verify off (the flags are
 *      still computed and reported).  The device clock: the verify
 *      callback recomputes each certificate's validity against the case's
 *      clock (mbedTLS checks dates with the host's time(), every certificate
 *      of the chain, the trusted root included: x509_crt_verify_chain).
 *   4. SNI and the checked name are one call, mbedtls_ssl_set_hostname(), as
 *      in esp-tls: mbedTLS cannot check a name without sending it.  mbedTLS
 *      2.28 compares names with dNSName SANs (or the CN) only, so an IP
 *      address never matches an iPAddress SAN there (CN_MISMATCH).
 *   5. Buffers: MBEDTLS_SSL_IN_CONTENT_LEN is a compile-time constant
 *      (16384 in Debian's build); rx_record_limit emulates a device built
 *      with a smaller one: a record longer than it fails as mbedTLS's own
 *      record-header check does (ssl_parse_record_header: "bad message
 *      length", MBEDTLS_ERR_SSL_INVALID_RECORD -0x7200, no alert sent).
 *      max_fragment asks for RFC 6066 max_fragment_length
 *      (mbedtls_ssl_conf_max_frag_len).
 *   6. The key log: mbedtls_ssl_conf_export_keys_ext_cb hands the master
 *      secret with the client random (a CLIENT_RANDOM line).
 */
#include "harness/client/client.h"
#include "harness/client/client_io.h"

#include <stdio.h>
#include <string.h>

#ifdef TLSDIAG_HAVE_MBEDTLS

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pem.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/version.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/cipher.h>
#include <mbedtls/dhm.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* mbedTLS's error names, from its own headers (2.28: ssl.h, x509.h, net_sockets.h, pem.h,
 * asn1.h, pk.h, rsa.h, ecp.h, dhm.h, bignum.h, md.h, cipher.h, ctr_drbg.h, entropy.h, oid.h,
 * gcm.h, chachapoly.h, base64.h), as positive values: the codes are negative. */
#define ME(x) { (unsigned int)-(x), #x }
static const struct tok mbedtls_errors[] = {

	ME(MBEDTLS_ERR_ASN1_ALLOC_FAILED), ME(MBEDTLS_ERR_ASN1_BUF_TOO_SMALL), ME(MBEDTLS_ERR_ASN1_INVALID_DATA),
	ME(MBEDTLS_ERR_ASN1_INVALID_LENGTH), ME(MBEDTLS_ERR_ASN1_LENGTH_MISMATCH), ME(MBEDTLS_ERR_ASN1_OUT_OF_DATA),
	ME(MBEDTLS_ERR_ASN1_UNEXPECTED_TAG), ME(MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL), ME(MBEDTLS_ERR_BASE64_INVALID_CHARACTER),
	ME(MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED), ME(MBEDTLS_ERR_CHACHAPOLY_BAD_STATE), ME(MBEDTLS_ERR_CIPHER_ALLOC_FAILED),
	ME(MBEDTLS_ERR_CIPHER_AUTH_FAILED), ME(MBEDTLS_ERR_CIPHER_BAD_INPUT_DATA), ME(MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE),
	ME(MBEDTLS_ERR_CIPHER_FULL_BLOCK_EXPECTED), ME(MBEDTLS_ERR_CIPHER_HW_ACCEL_FAILED), ME(MBEDTLS_ERR_CIPHER_INVALID_CONTEXT),
	ME(MBEDTLS_ERR_CIPHER_INVALID_PADDING), ME(MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED), ME(MBEDTLS_ERR_CTR_DRBG_FILE_IO_ERROR),
	ME(MBEDTLS_ERR_CTR_DRBG_INPUT_TOO_BIG), ME(MBEDTLS_ERR_CTR_DRBG_REQUEST_TOO_BIG), ME(MBEDTLS_ERR_DHM_ALLOC_FAILED),
	ME(MBEDTLS_ERR_DHM_BAD_INPUT_DATA), ME(MBEDTLS_ERR_DHM_CALC_SECRET_FAILED), ME(MBEDTLS_ERR_DHM_FILE_IO_ERROR),
	ME(MBEDTLS_ERR_DHM_HW_ACCEL_FAILED), ME(MBEDTLS_ERR_DHM_INVALID_FORMAT), ME(MBEDTLS_ERR_DHM_MAKE_PARAMS_FAILED),
	ME(MBEDTLS_ERR_DHM_MAKE_PUBLIC_FAILED), ME(MBEDTLS_ERR_DHM_READ_PARAMS_FAILED), ME(MBEDTLS_ERR_DHM_READ_PUBLIC_FAILED),
	ME(MBEDTLS_ERR_DHM_SET_GROUP_FAILED), ME(MBEDTLS_ERR_ECP_ALLOC_FAILED), ME(MBEDTLS_ERR_ECP_BAD_INPUT_DATA),
	ME(MBEDTLS_ERR_ECP_BUFFER_TOO_SMALL), ME(MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE), ME(MBEDTLS_ERR_ECP_HW_ACCEL_FAILED),
	ME(MBEDTLS_ERR_ECP_INVALID_KEY), ME(MBEDTLS_ERR_ECP_IN_PROGRESS), ME(MBEDTLS_ERR_ECP_RANDOM_FAILED),
	ME(MBEDTLS_ERR_ECP_SIG_LEN_MISMATCH), ME(MBEDTLS_ERR_ECP_VERIFY_FAILED), ME(MBEDTLS_ERR_ENTROPY_FILE_IO_ERROR),
	ME(MBEDTLS_ERR_ENTROPY_MAX_SOURCES), ME(MBEDTLS_ERR_ENTROPY_NO_SOURCES_DEFINED), ME(MBEDTLS_ERR_ENTROPY_NO_STRONG_SOURCE),
	ME(MBEDTLS_ERR_ENTROPY_SOURCE_FAILED), ME(MBEDTLS_ERR_GCM_AUTH_FAILED), ME(MBEDTLS_ERR_GCM_BAD_INPUT),
	ME(MBEDTLS_ERR_GCM_HW_ACCEL_FAILED), ME(MBEDTLS_ERR_MD_ALLOC_FAILED), ME(MBEDTLS_ERR_MD_BAD_INPUT_DATA),
	ME(MBEDTLS_ERR_MD_FEATURE_UNAVAILABLE), ME(MBEDTLS_ERR_MD_FILE_IO_ERROR), ME(MBEDTLS_ERR_MD_HW_ACCEL_FAILED),
	ME(MBEDTLS_ERR_MPI_ALLOC_FAILED), ME(MBEDTLS_ERR_MPI_BAD_INPUT_DATA), ME(MBEDTLS_ERR_MPI_BUFFER_TOO_SMALL),
	ME(MBEDTLS_ERR_MPI_DIVISION_BY_ZERO), ME(MBEDTLS_ERR_MPI_FILE_IO_ERROR), ME(MBEDTLS_ERR_MPI_INVALID_CHARACTER),
	ME(MBEDTLS_ERR_MPI_NEGATIVE_VALUE), ME(MBEDTLS_ERR_MPI_NOT_ACCEPTABLE), ME(MBEDTLS_ERR_NET_ACCEPT_FAILED),
	ME(MBEDTLS_ERR_NET_BAD_INPUT_DATA), ME(MBEDTLS_ERR_NET_BIND_FAILED), ME(MBEDTLS_ERR_NET_BUFFER_TOO_SMALL),
	ME(MBEDTLS_ERR_NET_CONNECT_FAILED), ME(MBEDTLS_ERR_NET_CONN_RESET), ME(MBEDTLS_ERR_NET_INVALID_CONTEXT),
	ME(MBEDTLS_ERR_NET_LISTEN_FAILED), ME(MBEDTLS_ERR_NET_POLL_FAILED), ME(MBEDTLS_ERR_NET_RECV_FAILED),
	ME(MBEDTLS_ERR_NET_SEND_FAILED), ME(MBEDTLS_ERR_NET_SOCKET_FAILED), ME(MBEDTLS_ERR_NET_UNKNOWN_HOST),
	ME(MBEDTLS_ERR_OID_BUF_TOO_SMALL), ME(MBEDTLS_ERR_OID_NOT_FOUND), ME(MBEDTLS_ERR_PEM_ALLOC_FAILED),
	ME(MBEDTLS_ERR_PEM_BAD_INPUT_DATA), ME(MBEDTLS_ERR_PEM_FEATURE_UNAVAILABLE), ME(MBEDTLS_ERR_PEM_INVALID_DATA),
	ME(MBEDTLS_ERR_PEM_INVALID_ENC_IV), ME(MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT), ME(MBEDTLS_ERR_PEM_PASSWORD_MISMATCH),
	ME(MBEDTLS_ERR_PEM_PASSWORD_REQUIRED), ME(MBEDTLS_ERR_PEM_UNKNOWN_ENC_ALG), ME(MBEDTLS_ERR_PK_ALLOC_FAILED),
	ME(MBEDTLS_ERR_PK_BAD_INPUT_DATA), ME(MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE), ME(MBEDTLS_ERR_PK_FILE_IO_ERROR),
	ME(MBEDTLS_ERR_PK_HW_ACCEL_FAILED), ME(MBEDTLS_ERR_PK_INVALID_ALG), ME(MBEDTLS_ERR_PK_INVALID_PUBKEY),
	ME(MBEDTLS_ERR_PK_KEY_INVALID_FORMAT), ME(MBEDTLS_ERR_PK_KEY_INVALID_VERSION), ME(MBEDTLS_ERR_PK_PASSWORD_MISMATCH),
	ME(MBEDTLS_ERR_PK_PASSWORD_REQUIRED), ME(MBEDTLS_ERR_PK_SIG_LEN_MISMATCH), ME(MBEDTLS_ERR_PK_TYPE_MISMATCH),
	ME(MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE), ME(MBEDTLS_ERR_PK_UNKNOWN_PK_ALG), ME(MBEDTLS_ERR_RSA_BAD_INPUT_DATA),
	ME(MBEDTLS_ERR_RSA_HW_ACCEL_FAILED), ME(MBEDTLS_ERR_RSA_INVALID_PADDING), ME(MBEDTLS_ERR_RSA_KEY_CHECK_FAILED),
	ME(MBEDTLS_ERR_RSA_KEY_GEN_FAILED), ME(MBEDTLS_ERR_RSA_OUTPUT_TOO_LARGE), ME(MBEDTLS_ERR_RSA_PRIVATE_FAILED),
	ME(MBEDTLS_ERR_RSA_PUBLIC_FAILED), ME(MBEDTLS_ERR_RSA_RNG_FAILED), ME(MBEDTLS_ERR_RSA_UNSUPPORTED_OPERATION),
	ME(MBEDTLS_ERR_RSA_VERIFY_FAILED), ME(MBEDTLS_ERR_SSL_ALLOC_FAILED), ME(MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS),
	ME(MBEDTLS_ERR_SSL_BAD_CONFIG), ME(MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE), ME(MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE_REQUEST),
	ME(MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE_VERIFY), ME(MBEDTLS_ERR_SSL_BAD_HS_CHANGE_CIPHER_SPEC), ME(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO),
	ME(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE), ME(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE_CS), ME(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE_RP),
	ME(MBEDTLS_ERR_SSL_BAD_HS_FINISHED), ME(MBEDTLS_ERR_SSL_BAD_HS_NEW_SESSION_TICKET), ME(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION),
	ME(MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO), ME(MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO_DONE), ME(MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE),
	ME(MBEDTLS_ERR_SSL_BAD_INPUT_DATA), ME(MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL), ME(MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED),
	ME(MBEDTLS_ERR_SSL_CERTIFICATE_REQUIRED), ME(MBEDTLS_ERR_SSL_CERTIFICATE_TOO_LARGE), ME(MBEDTLS_ERR_SSL_CLIENT_RECONNECT),
	ME(MBEDTLS_ERR_SSL_COMPRESSION_FAILED), ME(MBEDTLS_ERR_SSL_CONN_EOF), ME(MBEDTLS_ERR_SSL_CONTINUE_PROCESSING),
	ME(MBEDTLS_ERR_SSL_COUNTER_WRAPPING), ME(MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS), ME(MBEDTLS_ERR_SSL_EARLY_MESSAGE),
	ME(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE), ME(MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE), ME(MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED),
	ME(MBEDTLS_ERR_SSL_HW_ACCEL_FAILED), ME(MBEDTLS_ERR_SSL_HW_ACCEL_FALLTHROUGH), ME(MBEDTLS_ERR_SSL_INTERNAL_ERROR),
	ME(MBEDTLS_ERR_SSL_INVALID_MAC), ME(MBEDTLS_ERR_SSL_INVALID_RECORD), ME(MBEDTLS_ERR_SSL_INVALID_VERIFY_HASH),
	ME(MBEDTLS_ERR_SSL_NON_FATAL), ME(MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN), ME(MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE),
	ME(MBEDTLS_ERR_SSL_NO_RNG), ME(MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE), ME(MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY),
	ME(MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED), ME(MBEDTLS_ERR_SSL_PK_TYPE_MISMATCH), ME(MBEDTLS_ERR_SSL_PRIVATE_KEY_REQUIRED),
	ME(MBEDTLS_ERR_SSL_SESSION_TICKET_EXPIRED), ME(MBEDTLS_ERR_SSL_TIMEOUT), ME(MBEDTLS_ERR_SSL_UNEXPECTED_CID),
	ME(MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE), ME(MBEDTLS_ERR_SSL_UNEXPECTED_RECORD), ME(MBEDTLS_ERR_SSL_UNKNOWN_CIPHER),
	ME(MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY), ME(MBEDTLS_ERR_SSL_VERSION_MISMATCH), ME(MBEDTLS_ERR_SSL_WAITING_SERVER_HELLO_RENEGO),
	ME(MBEDTLS_ERR_SSL_WANT_READ), ME(MBEDTLS_ERR_SSL_WANT_WRITE), ME(MBEDTLS_ERR_X509_ALLOC_FAILED),
	ME(MBEDTLS_ERR_X509_BAD_INPUT_DATA), ME(MBEDTLS_ERR_X509_BUFFER_TOO_SMALL), ME(MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT),
	ME(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED), ME(MBEDTLS_ERR_X509_FATAL_ERROR), ME(MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE),
	ME(MBEDTLS_ERR_X509_FILE_IO_ERROR), ME(MBEDTLS_ERR_X509_INVALID_ALG), ME(MBEDTLS_ERR_X509_INVALID_DATE),
	ME(MBEDTLS_ERR_X509_INVALID_EXTENSIONS), ME(MBEDTLS_ERR_X509_INVALID_FORMAT), ME(MBEDTLS_ERR_X509_INVALID_NAME),
	ME(MBEDTLS_ERR_X509_INVALID_SERIAL), ME(MBEDTLS_ERR_X509_INVALID_SIGNATURE), ME(MBEDTLS_ERR_X509_INVALID_VERSION),
	ME(MBEDTLS_ERR_X509_SIG_MISMATCH), ME(MBEDTLS_ERR_X509_UNKNOWN_OID), ME(MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG),
	ME(MBEDTLS_ERR_X509_UNKNOWN_VERSION),
	{ 0, NULL },
};
#undef ME

/* X.509 verify flags (x509.h), for verify_error_name and the device's text. */
static const struct tok badcert_names[] = {
	{ MBEDTLS_X509_BADCERT_EXPIRED, "EXPIRED" }, { MBEDTLS_X509_BADCERT_REVOKED, "REVOKED" },
	{ MBEDTLS_X509_BADCERT_CN_MISMATCH, "CN_MISMATCH" }, { MBEDTLS_X509_BADCERT_NOT_TRUSTED, "NOT_TRUSTED" },
	{ MBEDTLS_X509_BADCERT_MISSING, "MISSING" }, { MBEDTLS_X509_BADCERT_SKIP_VERIFY, "SKIP_VERIFY" },
	{ MBEDTLS_X509_BADCERT_OTHER, "OTHER" }, { MBEDTLS_X509_BADCERT_FUTURE, "FUTURE" },
	{ MBEDTLS_X509_BADCERT_KEY_USAGE, "KEY_USAGE" }, { MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "EXT_KEY_USAGE" },
	{ MBEDTLS_X509_BADCERT_NS_CERT_TYPE, "NS_CERT_TYPE" }, { MBEDTLS_X509_BADCERT_BAD_MD, "BAD_MD" },
	{ MBEDTLS_X509_BADCERT_BAD_PK, "BAD_PK" }, { MBEDTLS_X509_BADCERT_BAD_KEY, "BAD_KEY" }, { 0, NULL },
};

/* Group names of client_case.groups (as the wolfSSL engine takes them) to mbedTLS's curves. */
static const struct tok curve_names[] = {
	{ MBEDTLS_ECP_DP_SECP256R1, "P-256" }, { MBEDTLS_ECP_DP_SECP256R1, "secp256r1" },
	{ MBEDTLS_ECP_DP_SECP256R1, "prime256v1" }, { MBEDTLS_ECP_DP_SECP384R1, "P-384" },
	{ MBEDTLS_ECP_DP_SECP384R1, "secp384r1" }, { MBEDTLS_ECP_DP_SECP521R1, "P-521" },
	{ MBEDTLS_ECP_DP_SECP521R1, "secp521r1" }, { MBEDTLS_ECP_DP_CURVE25519, "X25519" },
	{ MBEDTLS_ECP_DP_CURVE25519, "x25519" }, { MBEDTLS_ECP_DP_CURVE448, "X448" },
	{ MBEDTLS_ECP_DP_CURVE448, "x448" }, { MBEDTLS_ECP_DP_BP256R1, "brainpoolP256r1" },
	{ MBEDTLS_ECP_DP_BP384R1, "brainpoolP384r1" }, { MBEDTLS_ECP_DP_BP512R1, "brainpoolP512r1" },
	{ 0, NULL },
};

enum { MAX_SUITES = 128, MAX_CURVES = 16 };

struct run {
	struct cio io;
	const struct client_case *cc;
	struct client_result *out;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	int suites[MAX_SUITES + 1];
	mbedtls_ecp_group_id curves[MAX_CURVES + 1];
	uint32_t flags; /* what verification found (also with verify off) */
	int depth_flagged; /* the depth of the first certificate with flags; -1: none */
	time_t clock_base, real_base;
};

/* "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE", or high+low parts ("X509_INVALID_FORMAT+ASN1_OUT_OF_DATA"). */
static void error_name(long code, char *buf, size_t len)
{
	const char *s = code < 0 ? tok_name(mbedtls_errors, (unsigned int)-code) : NULL;
	if (s) {
		snprintf(buf, len, "%s", s);
		return;
	}
	/* mbedTLS composes a high-level and a low-level code (error.h: "-0x" high | low). */
	long hi = code < 0 ? -((-code) & 0xFF80) : 0, lo = code < 0 ? -((-code) & 0x7F) : 0;
	const char *h = hi ? tok_name(mbedtls_errors, (unsigned int)-hi) : NULL;
	const char *l = lo ? tok_name(mbedtls_errors, (unsigned int)-lo) : NULL;
	if (h && l)
		snprintf(buf, len, "%s+%s", h, l + 7);
	else
		snprintf(buf, len, "unknown(-0x%04lx)", code < 0 ? -code : code);
}

const char *client_engine_error_name_mbedtls(long code)
{
	return code < 0 ? tok_name(mbedtls_errors, (unsigned int)-code) : NULL;
}

static void flags_name(uint32_t flags, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "MBEDTLS_X509_BADCERT");
	for (const struct tok *t = badcert_names; t->s && used < len; t++)
		if (flags & t->v)
			used += (size_t)snprintf(buf + used, len - used, "_%s", t->s);
}

/* ---- I/O: mbedTLS's bio callbacks over the shared socket ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct run *r = ctx;
	ssize_t n = cio_send(&r->io, buf, len);
	if (n >= 0)
		return (int)n;
	if (n == CIO_TIMEOUT)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	return r->io.peer_closed ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct run *r = ctx;
	ssize_t n = cio_recv(&r->io, buf, len);
	switch (n) {
	case CIO_CLOSED:
		return 0; /* mbedTLS: MBEDTLS_ERR_SSL_CONN_EOF */
	case CIO_TIMEOUT:
		return MBEDTLS_ERR_SSL_TIMEOUT; /* as mbedtls_net_recv_timeout() */
	case CIO_OVERSIZED:
		return MBEDTLS_ERR_SSL_INVALID_RECORD; /* the record-length check of a smaller IN_CONTENT_LEN */
	case CIO_ERROR:
		return r->io.reset ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
	default:
		return (int)n;
	}
}

/* ---- the device clock in the verify callback ---- */

static int time_cmp(const mbedtls_x509_time *a, const struct tm *b)
{
	const int av[] = { a->year, a->mon, a->day, a->hour, a->min, a->sec };
	const int bv[] = { b->tm_year + 1900, b->tm_mon + 1, b->tm_mday, b->tm_hour, b->tm_min, b->tm_sec };
	for (size_t i = 0; i < sizeof av / sizeof av[0]; i++)
		if (av[i] != bv[i])
			return av[i] < bv[i] ? -1 : 1;
	return 0;
}

/* Called for each certificate of the chain, the root first; flags as mbedTLS found them. */
static int verify_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct run *r = p;
	if (r->cc->clock) {
		/* The dates again, against the device's clock (x509_crt_verify_chain's checks). */
		time_t now = r->clock_base + (time(NULL) - r->real_base);
		struct tm tm;
		gmtime_r(&now, &tm);
		*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
		if (time_cmp(&crt->valid_to, &tm) < 0)
			*flags |= MBEDTLS_X509_BADCERT_EXPIRED;
		if (time_cmp(&crt->valid_from, &tm) > 0)
			*flags |= MBEDTLS_X509_BADCERT_FUTURE;
	}
	if (*flags && r->depth_flagged < 0)
		r->depth_flagged = depth;
	r->flags |= *flags;
	return 0;
}

static int export_keys(void *p, const unsigned char *ms, const unsigned char *kb, size_t maclen, size_t keylen,
		       size_t ivlen, const unsigned char client_random[32], const unsigned char server_random[32],
		       mbedtls_tls_prf_types prf)
{
	struct run *r = p;
	(void)kb;
	(void)maclen;
	(void)keylen;
	(void)ivlen;
	(void)server_random;
	(void)prf;
	cio_keylog_master(&r->io, client_random, ms);
	return 0;
}

/* ---- settings ---- */

static const struct {
	enum client_method m;
	int minor;
	const char *label;
} versions[] = {
	{ METHOD_TLS10, MBEDTLS_SSL_MINOR_VERSION_1, "tls1.0" },
	{ METHOD_TLS11, MBEDTLS_SSL_MINOR_VERSION_2, "tls1.1" },
	{ METHOD_TLS12, MBEDTLS_SSL_MINOR_VERSION_3, "tls1.2" },
};

/* The minor version of m in this build; -1 when mbedTLS 2.28 lacks it (SSLv3, TLS 1.3). */
static int minor_of(enum client_method m)
{
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (versions[i].m == m)
			return versions[i].minor;
	return -1;
}

static int set_versions(struct run *r)
{
	const struct client_case *cc = r->cc;
	enum client_method lo = cc->min_version, hi = cc->max_version;
	if (cc->method == METHOD_SSLV3_TLS12) {
		lo = METHOD_SSLV3;
		hi = METHOD_TLS12;
	} else if (cc->method != METHOD_ANY) {
		lo = hi = cc->method;
	}
	if (cc->method == METHOD_TLS13 || cc->method == METHOD_SSLV3) {
		cio_skip(r->out, "mbedTLS %s has no %s client (ESP-IDF 4.x neither)", MBEDTLS_VERSION_STRING,
			 cc->method == METHOD_TLS13 ? "TLS 1.3" : "SSLv3");
		return 0;
	}
	if (hi == METHOD_TLS13) {
		hi = METHOD_TLS12;
		snprintf(r->out->note, sizeof r->out->note, "mbedTLS %s offers TLS 1.2 at most", MBEDTLS_VERSION_STRING);
	}
	if (lo == METHOD_SSLV3) {
		lo = METHOD_TLS10;
		snprintf(r->out->note, sizeof r->out->note, "mbedTLS %s has no SSLv3: lowest version offered is TLS 1.0",
			 MBEDTLS_VERSION_STRING);
	}
	if (lo != METHOD_ANY && minor_of(lo) >= 0)
		mbedtls_ssl_conf_min_version(&r->conf, MBEDTLS_SSL_MAJOR_VERSION_3, minor_of(lo));
	if (hi != METHOD_ANY && minor_of(hi) >= 0)
		mbedtls_ssl_conf_max_version(&r->conf, MBEDTLS_SSL_MAJOR_VERSION_3, minor_of(hi));
	return 0;
}

/* Suites by mbedTLS name (or IANA name, '_' as '-'); keywords of OpenSSL lists are not mbedTLS's. */
static int set_suites(struct run *r, char *err, size_t errlen)
{
	int n = 0;
	char name[96];
	for (const char *p = r->cc->ciphers; cio_next_name(&p, name, sizeof name, '_', '-');) {
		int id = mbedtls_ssl_get_ciphersuite_id(name);
		if (id == 0) {
			snprintf(err, errlen, "cipher suite '%s' unknown to mbedTLS %s (its names: TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256...; "
				 "'tlsdiag client-caps' lists them)", name, MBEDTLS_VERSION_STRING);
			return -1;
		}
		if (n < MAX_SUITES)
			r->suites[n++] = id;
	}
	r->suites[n] = 0;
	if (n)
		mbedtls_ssl_conf_ciphersuites(&r->conf, r->suites);
	return 0;
}

static int set_curves(struct run *r, char *err, size_t errlen)
{
	int n = 0;
	char name[32];
	unsigned int v;
	for (const char *p = r->cc->groups; cio_next_name(&p, name, sizeof name, 0, 0);) {
		if (strncmp(name, "ffdhe", 5) == 0) {
			cio_skip(r->out, "mbedTLS %s has no named FFDHE groups (%s)", MBEDTLS_VERSION_STRING, name);
			return 0;
		}
		if (tok_value(curve_names, name, &v) != 0) {
			snprintf(err, errlen, "unknown group '%s' (P-256, P-384, P-521, X25519, X448, brainpoolP256r1...)", name);
			return -1;
		}
		if (n < MAX_CURVES)
			r->curves[n++] = (mbedtls_ecp_group_id)v;
	}
	r->curves[n] = MBEDTLS_ECP_DP_NONE;
	if (n)
		mbedtls_ssl_conf_curves(&r->conf, r->curves);
	return 0;
}

/* A loader failure as the outcome at stage (load_ca, load_cert, load_key). */
static int load_failed(struct run *r, const char *stage, const char *what, const char *path, int ret)
{
	struct client_result *o = r->out;
	o->error = ret;
	error_name(ret, o->error_name, sizeof o->error_name);
	cio_engine_error(o, ret, o->error_name, -1);
	snprintf(o->stage, sizeof o->stage, "%s", stage);
	snprintf(o->detail, sizeof o->detail, "%s rejected %s: %s -0x%04x", what, path, o->error_name, -ret);
	return 1;
}

/* The CA as the device's API loads it: 0, 1 refused (an outcome), -1 harness error. */
static int load_ca(struct run *r, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	unsigned char *buf = NULL;
	size_t len = 0;
	int ret, rc;
	if (cc->ca_format == CA_NONE)
		return 0;
	if (!cc->ca_path) {
		snprintf(err, errlen, "a CA format is set but no CA file");
		return -1;
	}
	if (cio_read_file(cc->ca_path, &buf, &len, err, errlen) != 0)
		return -1;
	bool der_loader = cc->ca_format == CA_DER || cc->ca_format == CA_PEM_AS_DER;
	/* mbedtls_x509_crt_parse takes PEM (its length counting the NUL) or DER, by content. */
	if (der_loader)
		ret = mbedtls_x509_crt_parse_der(&r->ca, buf, len);
	else
		ret = mbedtls_x509_crt_parse(&r->ca, buf, cio_is_pem(buf, len) ? len + 1 : len);
	rc = ret < 0 ? load_failed(r, "load_ca", der_loader ? "mbedtls_x509_crt_parse_der" : "mbedtls_x509_crt_parse",
				   cc->ca_path, ret)
		     : 0;
	free(buf);
	if (rc == 0)
		mbedtls_ssl_conf_ca_chain(&r->conf, &r->ca, NULL);
	return rc;
}

static int load_client_cert(struct run *r, char *err, size_t errlen)
{
	const struct client_case *cc = r->cc;
	unsigned char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	int rc = -1, ret;
	int got = cio_read_client_pair(cc, &cert, &cert_len, &key, &key_len, err, errlen);
	if (got != 0) {
		rc = got > 0 ? 0 : -1;
		goto out;
	}
	ret = mbedtls_x509_crt_parse(&r->cert, cert, cio_is_pem(cert, cert_len) ? cert_len + 1 : cert_len);
	if (ret < 0) {
		rc = load_failed(r, "load_cert", "mbedtls_x509_crt_parse", cc->cert_path, ret);
		goto out;
	}
	ret = mbedtls_pk_parse_key(&r->key, key, cio_is_pem(key, key_len) ? key_len + 1 : key_len, NULL, 0);
	if (ret < 0) {
		rc = load_failed(r, "load_key", "mbedtls_pk_parse_key", cc->key_path, ret);
		goto out;
	}
	ret = mbedtls_ssl_conf_own_cert(&r->conf, &r->cert, &r->key);
	rc = ret < 0 ? load_failed(r, "load_cert", "mbedtls_ssl_conf_own_cert", cc->cert_path, ret) : 0;
out:
	free(cert);
	free(key);
	return rc;
}

/* SNI and the checked name are one setting in mbedTLS (mbedtls_ssl_set_hostname). */
static int set_hostname(struct run *r, char *err, size_t errlen)
{
	const char *name = cio_single_name(r->cc, r->out, "mbedTLS (mbedtls_ssl_set_hostname)");
	if (name && mbedtls_ssl_set_hostname(&r->ssl, name) != 0) {
		snprintf(err, errlen, "mbedtls_ssl_set_hostname(%s) failed", name);
		return -1;
	}
	return 0;
}

static int set_max_fragment(struct run *r, char *err, size_t errlen)
{
	static const struct {
		int len;
		unsigned char code;
	} mfl[] = { { 512, MBEDTLS_SSL_MAX_FRAG_LEN_512 }, { 1024, MBEDTLS_SSL_MAX_FRAG_LEN_1024 },
		    { 2048, MBEDTLS_SSL_MAX_FRAG_LEN_2048 }, { 4096, MBEDTLS_SSL_MAX_FRAG_LEN_4096 } };
	for (size_t i = 0; i < sizeof mfl / sizeof mfl[0]; i++)
		if (mfl[i].len == r->cc->max_fragment)
			return mbedtls_ssl_conf_max_frag_len(&r->conf, mfl[i].code) == 0 ? 0 : -1;
	snprintf(err, errlen, "max_fragment must be 512, 1024, 2048 or 4096, not %d", r->cc->max_fragment);
	return -1;
}

/* ---- the result ---- */

static void result_verify(struct run *r)
{
	struct client_result *o = r->out;
	uint32_t flags = mbedtls_ssl_get_verify_result(&r->ssl);
	if (flags == (uint32_t)-1 || flags == 0)
		flags = r->flags;
	if (!flags)
		return;
	o->verify_error = MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
	flags_name(flags, o->verify_error_name, sizeof o->verify_error_name);
	o->engine_err.verify_flags = flags;
}

static void result_connected(struct run *r)
{
	struct client_result *o = r->out;
	o->connected = true;
	snprintf(o->stage, sizeof o->stage, "done");
	snprintf(o->version, sizeof o->version, "%s", mbedtls_ssl_get_version(&r->ssl));
	const char *suite = mbedtls_ssl_get_ciphersuite(&r->ssl);
	if (suite) {
		o->suite_id = (uint16_t)mbedtls_ssl_get_ciphersuite_id(suite);
		snprintf(o->suite, sizeof o->suite, "%s", suite);
		for (char *q = o->suite; *q; q++)
			if (*q == '-')
				*q = '_'; /* mbedTLS's names are IANA's with '-' */
	}
	for (const mbedtls_x509_crt *c = mbedtls_ssl_get_peer_cert(&r->ssl); c && c->raw.len; c = c->next)
		o->chain_len++;
	result_verify(r);
	cio_connected_detail(&r->io);
}

static void result_failed(struct run *r, int ret)
{
	struct client_result *o = r->out;
	char last[48], words[256];
	o->error = ret;
	error_name(ret, o->error_name, sizeof o->error_name);
	if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && r->ssl.in_msg)
		o->alert_received = r->ssl.in_msg[1]; /* the alert mbedTLS just read */
	o->alert_sent = r->io.alert_by_client;
	result_verify(r);
	for (const mbedtls_x509_crt *c = r->ssl.session_negotiate ? r->ssl.session_negotiate->peer_cert : NULL;
	     c && c->raw.len; c = c->next)
		o->chain_len++;
	cio_stage(&r->io, last, sizeof last);
	cio_engine_error(o, ret, o->error_name, o->alert_received);
	if (o->engine_err.verify_flags)
		snprintf(words, sizeof words, "mbedtls_ssl_handshake returned -0x%04x %s, verify flags 0x%lx (%s)", -ret,
			 o->error_name, o->engine_err.verify_flags, o->verify_error_name);
	else
		snprintf(words, sizeof words, "mbedtls_ssl_handshake returned -0x%04x %s", -ret, o->error_name);
	cio_failed_detail(&r->io, last, words);
	if (o->oversized_record)
		snprintf(o->detail, sizeof o->detail,
			 "record of %d bytes exceeds the device's %d-byte MBEDTLS_SSL_IN_CONTENT_LEN (no max_fragment_length "
			 "agreed): %s: %.100s", o->oversized_record, r->cc->rx_record_limit, cio_oversized_alert(&r->io, false),
			 words);
}

/* ---- after the handshake ---- */

static int app_write(void *ctx, const unsigned char *p, size_t n)
{
	struct run *r = ctx;
	int ret;
	while ((ret = mbedtls_ssl_write(&r->ssl, p, n)) == MBEDTLS_ERR_SSL_WANT_WRITE)
		;
	return ret;
}

static int app_read(void *ctx, unsigned char *p, size_t n, int *alert)
{
	struct run *r = ctx;
	int ret;
	while ((ret = mbedtls_ssl_read(&r->ssl, p, n)) == MBEDTLS_ERR_SSL_WANT_READ)
		;
	if (ret > 0)
		return ret;
	if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		*alert = 0;
	else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && r->ssl.in_msg)
		*alert = r->ssl.in_msg[1];
	if (ret == MBEDTLS_ERR_SSL_TIMEOUT)
		return CIO_TIMEOUT;
	return ret == 0 ? 0 : -1;
}

int client_mbedtls_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen)
{
	struct run *r = calloc(1, sizeof *r);
	int rc = -1, step, ret;
	if (!r) {
		snprintf(err, errlen, "out of memory");
		if (cc->sock_fd >= 0)
			close(cc->sock_fd);
		return -1;
	}
	cio_init(&r->io, cc, out);
	r->cc = cc;
	r->out = out;
	r->depth_flagged = -1;
	mbedtls_ssl_init(&r->ssl);
	mbedtls_ssl_config_init(&r->conf);
	mbedtls_x509_crt_init(&r->ca);
	mbedtls_x509_crt_init(&r->cert);
	mbedtls_pk_init(&r->key);
	mbedtls_entropy_init(&r->entropy);
	mbedtls_ctr_drbg_init(&r->drbg);
	if (!cc->host || !cc->port) {
		snprintf(err, errlen, "the case has no host or port");
		goto out;
	}
	if (mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy, (const unsigned char *)"tlsdiag", 7) != 0 ||
	    mbedtls_ssl_config_defaults(&r->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		snprintf(err, errlen, "mbedTLS setup failed");
		goto out;
	}
	mbedtls_ssl_conf_rng(&r->conf, mbedtls_ctr_drbg_random, &r->drbg);
	/* The CA first: a device that cannot load it stops there, whatever its suites. */
	step = load_ca(r, err, errlen);
	if (step == 0)
		step = load_client_cert(r, err, errlen);
	if (step != 0) {
		rc = step > 0 ? 0 : -1;
		goto out;
	}
	mbedtls_ssl_conf_authmode(&r->conf, cc->verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_OPTIONAL);
	mbedtls_ssl_conf_verify(&r->conf, verify_cb, r);
	if (cc->min_rsa_bits || cc->min_dh_bits || cc->reject_sha1)
		snprintf(out->note, sizeof out->note,
			 "mbedTLS applies its own X.509 profile and DHM minimum (min_rsa_bits, min_dh_bits, reject_sha1 are "
			 "wolfSSL's stand-ins)");
	if (set_versions(r) != 0 || (cc->ciphers && set_suites(r, err, errlen) != 0) ||
	    (!out->skipped && cc->groups && set_curves(r, err, errlen) != 0) ||
	    (cc->max_fragment && set_max_fragment(r, err, errlen) != 0))
		goto out;
	if (cc->keylog_path) {
		if (cio_keylog_open(&r->io, err, errlen) != 0)
			goto out;
		mbedtls_ssl_conf_export_keys_ext_cb(&r->conf, export_keys, r);
	}
	if (!out->skipped && (ret = mbedtls_ssl_setup(&r->ssl, &r->conf)) != 0) {
		snprintf(err, errlen, "mbedtls_ssl_setup: -0x%04x", -ret);
		goto out;
	}
	if (!out->skipped && set_hostname(r, err, errlen) != 0)
		goto out;
	if (out->skipped) {
		rc = 0;
		goto out;
	}
	step = cio_connect(&r->io, err, errlen);
	if (step != 0) {
		if (step > 0) {
			int code = r->io.timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_CONNECT_FAILED;
			out->error = code;
			error_name(code, out->error_name, sizeof out->error_name);
			cio_engine_error(out, code, out->error_name, -1);
		}
		rc = step > 0 ? 0 : -1;
		goto out;
	}
	mbedtls_ssl_set_bio(&r->ssl, r, bio_send, bio_recv, NULL);
	r->clock_base = cc->clock;
	r->real_base = time(NULL);
	while ((ret = mbedtls_ssl_handshake(&r->ssl)) == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		;
	if (ret == 0) {
		result_connected(r);
		const struct cio_app app = { .ctx = r, .write = app_write, .read = app_read };
		cio_after_handshake(&r->io, &app);
		if (out->post_alert < 0)
			mbedtls_ssl_close_notify(&r->ssl);
	} else {
		result_failed(r, ret);
	}
	rc = 0;
out:
	cio_close(&r->io);
	mbedtls_ssl_free(&r->ssl);
	mbedtls_ssl_config_free(&r->conf);
	mbedtls_x509_crt_free(&r->ca);
	mbedtls_x509_crt_free(&r->cert);
	mbedtls_pk_free(&r->key);
	mbedtls_ctr_drbg_free(&r->drbg);
	mbedtls_entropy_free(&r->entropy);
	free(r);
	return rc;
}

void client_mbedtls_caps(struct client_caps *caps)
{
	memset(caps, 0, sizeof *caps);
	caps->available = true;
	snprintf(caps->version, sizeof caps->version, "%s", MBEDTLS_VERSION_STRING);
#ifdef MBEDTLS_SSL_PROTO_TLS1
	caps->tls10 = true;
#endif
#ifdef MBEDTLS_SSL_PROTO_TLS1_1
	caps->tls11 = true;
#endif
#ifdef MBEDTLS_SSL_PROTO_TLS1_2
	caps->tls12 = true;
#endif
#ifdef MBEDTLS_KEY_EXCHANGE_RSA_ENABLED
	caps->static_rsa = true;
#endif
#ifdef MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
	caps->max_fragment = true;
#endif
#ifdef MBEDTLS_SSL_SERVER_NAME_INDICATION
	caps->sni = true;
#endif
#ifdef MBEDTLS_SSL_EXPORT_KEYS
	caps->keylog_tls12 = true;
#endif
	caps->time_override = true; /* the verify callback recomputes the dates */
	size_t used = 0;
	for (const int *id = mbedtls_ssl_list_ciphersuites(); *id && used < sizeof caps->ciphers; id++) {
		const char *name = mbedtls_ssl_get_ciphersuite_name(*id);
		used += (size_t)snprintf(caps->ciphers + used, sizeof caps->ciphers - used, "%s%s", used ? ":" : "", name);
	}
	if (used >= sizeof caps->ciphers)
		caps->ciphers[sizeof caps->ciphers - 1] = '\0';
}

#else /* no mbedTLS at build time: every case of this engine is skipped, never passed */

const char *client_engine_error_name_mbedtls(long code)
{
	(void)code;
	return NULL;
}

int client_mbedtls_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen)
{
	struct cio io;
	(void)err;
	(void)errlen;
	cio_init(&io, cc, out);
	cio_skip(out, "this tlsdiag was built without mbedTLS (install libmbedtls-dev: make deps, then rebuild)");
	cio_close(&io);
	return 0;
}

void client_mbedtls_caps(struct client_caps *caps)
{
	memset(caps, 0, sizeof *caps);
	snprintf(caps->why_not, sizeof caps->why_not, "built without libmbedtls-dev; make deps, then rebuild");
}

#endif
