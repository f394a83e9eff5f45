/*
 * device.c - device profiles and their error terms (see device.h).
 *
 * Everything here is data (the profiles themselves are in device_catalogue.c): the rules
 * that turn a wolfSSL stand-in's outcome into a stack's number (used only
 * where no real engine runs: the CC3200, axTLS, a browser, or a profile run
 * with engine = wolfssl), and each stack's names and printed texts.
 * The numbers come from the sources in docs/sources.md; their
 * keys are kept in the comments:
 *   SL1  micropython drivers/cc3100/inc/socket.h (TI Gen1 host driver)
 *   MPC  micropython ports/cc3200/mods/{modsocket,modssl}.c
 *   AX   igrr/axtls-8266 @24af415 ssl/{tls1.c,x509.c,tls1.h}
 *   BR   esp8266/Arduino tools/sdk/include/bearssl/bearssl_{ssl,x509}.h
 *   MB   Mbed-TLS/mbedtls v2.28 include/mbedtls/ headers, library/ssl_tls.c
 *   CR   chromium net/base/net_error_list.h
 * wolfSSL's own numbers are written as numbers here (this file does not
 * include wolfSSL): -308 SOCKET_ERROR_E, -313 FATAL_ERROR, -322
 * DOMAIN_NAME_MISMATCH, -326 VERSION_ERROR, -397 SOCKET_PEER_CLOSED_E, -500
 * UNSUPPORTED_SUITE, -501 MATCH_SUITE_ERROR, -150/-151 ASN_BEFORE/AFTER_DATE_E,
 * -155 ASN_SIG_CONFIRM_E, -188 ASN_NO_SIGNER_E; the strictness fields'
 * -409 RSA_KEY_SIZE_E, -401 DH_KEY_SIZE_E, -341 LENGTH_ERROR (rx_record_limit),
 * -156 ASN_SIG_HASH_E (reject_sha1's verify error).
 */
#include "harness/client/device.h"

#include <stdio.h>
#include <string.h>

/* When a rule applies. */
enum rule_when {
	WHEN_OK, /* connected, no certificate error */
	WHEN_OK_VERIFY, /* connected (verification off) though verify_error is in [lo, hi] */
	WHEN_STAGE, /* stopped at the setup stage named */
	WHEN_REFUSED, /* TCP connect failed */
	WHEN_TIMEOUT, /* a handshake stage got no answer (or the TCP connect, at stage "connect") */
	WHEN_ALERT, /* received an alert in [lo, hi] */
	WHEN_ERROR, /* wolfSSL error in [lo, hi] */
	WHEN_VERIFY, /* failed, the certificate error found (verify_error) in [lo, hi] */
	WHEN_CLOSED, /* the server closed or reset TCP during the handshake */
	WHEN_FAILED, /* any other failure */
};

/* code = base + scale * value, value being the alert or the wolfSSL error. */
struct code_rule {
	enum device_codes codes;
	enum rule_when when;
	int lo, hi;
	const char *stage;
	long base;
	int scale;
	bool ok; /* the device reports success */
	unsigned long flags; /* mbedTLS verify flags */
	const char *text; /* what the device prints instead of its code's usual form; NULL: usual */
};

/* First match wins, per stack. */
static const struct code_rule rules[] = {
	/* SimpleLink Gen1 (SL1, MPC: OSError(-code)).  TLS-layer codes are wolfSSL's + 100,
	 * negotiation codes -500/-501 are -290/-291, wolfCrypt codes are the same. */
	{ CODES_SIMPLELINK, WHEN_OK, 0, 0, NULL, 0, 0, true, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_OK_VERIFY, -151, -150, NULL, -461, 0, false, 0, NULL }, /* SL_ESECDATEERROR */
	{ CODES_SIMPLELINK, WHEN_OK_VERIFY, -999, -1, NULL, -453, 0, true, 0, NULL }, /* SL_ESECSNOVERIFY, ignored by MPC */
	{ CODES_SIMPLELINK, WHEN_STAGE, 0, 0, "load_ca", -456, 0, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_STAGE, 0, 0, "load_cert", -457, 0, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_STAGE, 0, 0, "load_key", -458, 0, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_TIMEOUT, 0, 0, "connect", -110, 0, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_TIMEOUT, 0, 0, NULL, -462, 0, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_REFUSED, 0, 0, NULL, -111, 0, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_ERROR, -397, -397, NULL, -208, 0, false, 0, NULL }, /* CyaSSL had only SOCKET_ERROR_E */
	{ CODES_SIMPLELINK, WHEN_ERROR, -399, -301, NULL, 100, 1, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_ERROR, -599, -500, NULL, 210, 1, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_ERROR, -299, -100, NULL, 0, 1, false, 0, NULL },
	{ CODES_SIMPLELINK, WHEN_FAILED, 0, 0, NULL, -450, 0, false, 0, NULL }, /* SL_ESECGENERAL */

	/* axTLS (AX): a received alert is -alert; -256 connection lost; X509 codes -512 - n. */
	{ CODES_AXTLS, WHEN_OK, 0, 0, NULL, 0, 0, true, 0, NULL },
	{ CODES_AXTLS, WHEN_OK_VERIFY, -188, -188, NULL, -514, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_OK_VERIFY, -155, -155, NULL, -515, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_OK_VERIFY, -150, -150, NULL, -516, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_OK_VERIFY, -151, -151, NULL, -517, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_OK_VERIFY, -999, -1, NULL, -513, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_STAGE, 0, 0, "load_ca", 0, 0, false, 0,
	  "setCACert() returned false (axTLS parses the CA as DER)" },
	{ CODES_AXTLS, WHEN_ALERT, 1, 255, NULL, 0, -1, false, 0, NULL },
	{ CODES_AXTLS, WHEN_CLOSED, 0, 0, NULL, -256, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_ERROR, -326, -326, NULL, -263, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_ERROR, -341, -341, NULL, -257, 0, false, 0, NULL }, /* rx_record_limit */
	{ CODES_AXTLS, WHEN_ERROR, -501, -500, NULL, -266, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_ERROR, -299, -100, NULL, -268, 0, false, 0, NULL },
	{ CODES_AXTLS, WHEN_FAILED, 0, 0, NULL, -256, 0, false, 0, NULL },

	/* BearSSL (BR): 256 + a received alert; X509 codes 32-62; 31 BR_ERR_IO. */
	{ CODES_BEARSSL, WHEN_OK, 0, 0, NULL, 0, 0, true, 0, NULL },
	{ CODES_BEARSSL, WHEN_ERROR, -151, -150, NULL, 54, 0, false, 0, NULL },
	{ CODES_BEARSSL, WHEN_ERROR, -322, -322, NULL, 56, 0, false, 0, NULL },
	{ CODES_BEARSSL, WHEN_ERROR, -188, -188, NULL, 62, 0, false, 0, NULL },
	{ CODES_BEARSSL, WHEN_ERROR, -155, -155, NULL, 62, 0, false, 0, NULL },
	{ CODES_BEARSSL, WHEN_STAGE, 0, 0, "load_ca", 62, 0, false, 0,
	  "X509List holds no trust anchor: getLastSSLError() = 62 (BR_ERR_X509_NOT_TRUSTED)" },
	{ CODES_BEARSSL, WHEN_ALERT, 1, 255, NULL, 256, 1, false, 0, NULL },
	/* A TCP drop or a timeout: the ESP8266 core's _run_until() returns without failing the
	 * engine, so getLastSSLError() stays 0 (found by the BearSSL engine; 31 BR_ERR_IO is
	 * what BearSSL's own br_sslio sets). */
	{ CODES_BEARSSL, WHEN_CLOSED, 0, 0, NULL, 0, 0, false, 0, "getLastSSLError() = 0 (BR_ERR_OK): the connection was lost" },
	{ CODES_BEARSSL, WHEN_TIMEOUT, 0, 0, NULL, 0, 0, false, 0, "getLastSSLError() = 0 (BR_ERR_OK): the connection timed out" },
	{ CODES_BEARSSL, WHEN_ERROR, -326, -326, NULL, 3, 0, false, 0, NULL },
	{ CODES_BEARSSL, WHEN_ERROR, -341, -341, NULL, 6, 0, false, 0, NULL }, /* rx_record_limit: TOO_LARGE */
	{ CODES_BEARSSL, WHEN_ERROR, -501, -500, NULL, 16, 0, false, 0, NULL },
	{ CODES_BEARSSL, WHEN_FAILED, 0, 0, NULL, 14, 0, false, 0, NULL }, /* BR_ERR_BAD_HANDSHAKE */

	/* mbedTLS 2.28 (MB): -0x2700 with verify flags, -0x7780 a received fatal alert. */
	{ CODES_MBEDTLS, WHEN_OK, 0, 0, NULL, 0, 0, true, 0, NULL },
	{ CODES_MBEDTLS, WHEN_ERROR, -150, -150, NULL, -0x2700, 0, false, 0x200, NULL }, /* FUTURE */
	{ CODES_MBEDTLS, WHEN_ERROR, -151, -151, NULL, -0x2700, 0, false, 0x01, NULL }, /* EXPIRED */
	{ CODES_MBEDTLS, WHEN_ERROR, -322, -322, NULL, -0x2700, 0, false, 0x04, NULL }, /* CN_MISMATCH */
	{ CODES_MBEDTLS, WHEN_ERROR, -188, -188, NULL, -0x2700, 0, false, 0x08, NULL }, /* NOT_TRUSTED */
	{ CODES_MBEDTLS, WHEN_ERROR, -155, -155, NULL, -0x2700, 0, false, 0x08, NULL },
	{ CODES_MBEDTLS, WHEN_ERROR, -409, -409, NULL, -0x2700, 0, false, 0x10000, NULL }, /* BAD_KEY */
	{ CODES_MBEDTLS, WHEN_VERIFY, -156, -156, NULL, -0x2700, 0, false, 0x4000, NULL }, /* BAD_MD */
	{ CODES_MBEDTLS, WHEN_ERROR, -401, -401, NULL, -0x7B00, 0, false, 0, NULL }, /* DHM prime too short */
	{ CODES_MBEDTLS, WHEN_STAGE, 0, 0, "load_ca", -0x2180, 0, false, 0, NULL },
	{ CODES_MBEDTLS, WHEN_ALERT, 1, 255, NULL, -0x7780, 0, false, 0, NULL },
	{ CODES_MBEDTLS, WHEN_TIMEOUT, 0, 0, NULL, -0x6800, 0, false, 0, NULL },
	{ CODES_MBEDTLS, WHEN_REFUSED, 0, 0, NULL, -0x0044, 0, false, 0, NULL },
	{ CODES_MBEDTLS, WHEN_ERROR, -397, -397, NULL, -0x7280, 0, false, 0, NULL },
	{ CODES_MBEDTLS, WHEN_CLOSED, 0, 0, NULL, -0x0050, 0, false, 0, NULL },
	{ CODES_MBEDTLS, WHEN_ERROR, -326, -326, NULL, -0x6E80, 0, false, 0, NULL },
	{ CODES_MBEDTLS, WHEN_ERROR, -501, -500, NULL, -0x7980, 0, false, 0, NULL },
	{ CODES_MBEDTLS, WHEN_FAILED, 0, 0, NULL, -0x7200, 0, false, 0, NULL },

	/* A stack whose own numbers are not mapped (modems, WINC, MicroPython's axTLS): the stand-in's
	 * error as it is, so nothing claims a code the device never printed. */
	{ CODES_STANDIN, WHEN_OK, 0, 0, NULL, 0, 0, true, 0, NULL },
	{ CODES_STANDIN, WHEN_OK_VERIFY, -999, -1, NULL, 0, 0, true, 0, NULL },
	{ CODES_STANDIN, WHEN_FAILED, 0, 0, NULL, 0, 1, false, 0, NULL },

	/* A browser (CR). */
	{ CODES_NONE, WHEN_OK, 0, 0, NULL, 0, 0, true, 0, NULL },
	{ CODES_NONE, WHEN_ERROR, -151, -150, NULL, -201, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_ERROR, -322, -322, NULL, -200, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_ERROR, -188, -188, NULL, -202, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_ERROR, -155, -155, NULL, -202, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_STAGE, 0, 0, "load_ca", -202, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_ALERT, 40, 40, NULL, -113, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_ALERT, 70, 71, NULL, -113, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_ALERT, 116, 116, NULL, -110, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_TIMEOUT, 0, 0, NULL, -118, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_REFUSED, 0, 0, NULL, -102, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_CLOSED, 0, 0, NULL, -100, 0, false, 0, NULL },
	{ CODES_NONE, WHEN_FAILED, 0, 0, NULL, -107, 0, false, 0, NULL },
};

/* A stack's name and printed text for a code. */
struct code_name {
	enum device_codes codes;
	long code;
	const char *name;
	const char *text; /* NULL: the stack's generic form */
};

static const struct code_name code_names[] = {
	/* SL1 */
	{ CODES_SIMPLELINK, -110, "SL_ETIMEDOUT", NULL },
	{ CODES_SIMPLELINK, -111, "SL_ECONNREFUSED", NULL },
	{ CODES_SIMPLELINK, -140, "SL_ESEC_ASN_PARSE_E", NULL },
	{ CODES_SIMPLELINK, -150, "SL_ESEC_ASN_BEFORE_DATE_E", NULL },
	{ CODES_SIMPLELINK, -151, "SL_ESEC_ASN_AFTER_DATE_E", NULL },
	{ CODES_SIMPLELINK, -155, "SL_ESEC_ASN_SIG_CONFIRM_E", NULL },
	{ CODES_SIMPLELINK, -188, "ASN_NO_SIGNER_E (wolfCrypt; not in the Gen1 header, Gen2 -688)", NULL },
	{ CODES_SIMPLELINK, -204, "SL_ESEC_VERIFY_FINISHED_ERROR", NULL },
	{ CODES_SIMPLELINK, -205, "SL_ESEC_VERIFY_MAC_ERROR", NULL },
	{ CODES_SIMPLELINK, -208, "SL_ESEC_SOCKET_ERROR_E", NULL },
	{ CODES_SIMPLELINK, -211, "SL_ESEC_UNKNOWN_RECORD_TYPE", NULL },
	{ CODES_SIMPLELINK, -213, "SL_ESEC_FATAL_ERROR", NULL },
	{ CODES_SIMPLELINK, -221, "SL_ESEC_BAD_HELLO", NULL },
	{ CODES_SIMPLELINK, -222, "SL_ESEC_DOMAIN_NAME_MISMATCH", NULL },
	{ CODES_SIMPLELINK, -226, "SL_ESEC_VERSION_ERROR", NULL },
	{ CODES_SIMPLELINK, -228, "SL_ESEC_BUFFER_ERROR", NULL },
	{ CODES_SIMPLELINK, -229, "SL_ESEC_VERIFY_CERT_ERROR", NULL },
	{ CODES_SIMPLELINK, -230, "SL_ESEC_VERIFY_SIGN_ERROR", NULL },
	{ CODES_SIMPLELINK, -241, "SL_ESEC_LENGTH_ERROR", NULL },
	{ CODES_SIMPLELINK, -245, "SL_ESEC_NO_PEER_CERT", NULL },
	{ CODES_SIMPLELINK, -257, "SL_ESEC_NOT_CA_ERROR", NULL },
	{ CODES_SIMPLELINK, -268, "SL_ESEC_MAX_CHAIN_ERROR", NULL },
	{ CODES_SIMPLELINK, -273, "SL_ESEC_OUT_OF_ORDER_E", NULL },
	{ CODES_SIMPLELINK, -281, "SL_ESEC_UNKNOWN_SNI_HOST_NAME_E", NULL },
	{ CODES_SIMPLELINK, -290, "SL_ESEC_UNSUPPORTED_SUITE", NULL },
	{ CODES_SIMPLELINK, -291, "SL_ESEC_MATCH_SUITE_ERROR", NULL },
	{ CODES_SIMPLELINK, -450, "SL_ESECGENERAL", NULL },
	{ CODES_SIMPLELINK, -453, "SL_ESECSNOVERIFY", NULL },
	{ CODES_SIMPLELINK, -456, "SL_ESECBADCAFILE", NULL },
	{ CODES_SIMPLELINK, -457, "SL_ESECBADCERTFILE", NULL },
	{ CODES_SIMPLELINK, -458, "SL_ESECBADPRIVATEFILE", NULL },
	{ CODES_SIMPLELINK, -461, "SL_ESECDATEERROR", NULL },
	{ CODES_SIMPLELINK, -462, "SL_ESECHANDSHAKETIMEDOUT", NULL },
	/* AX: ssl_display_error() and x509_display_error() texts */
	{ CODES_AXTLS, -256, "SSL_ERROR_CONN_LOST", "connection lost" },
	{ CODES_AXTLS, -257, "SSL_ERROR_RECORD_OVERFLOW", NULL },
	{ CODES_AXTLS, -260, "SSL_ERROR_INVALID_HANDSHAKE", "invalid handshake" },
	{ CODES_AXTLS, -261, "SSL_ERROR_INVALID_PROT_MSG", "invalid protocol message" },
	{ CODES_AXTLS, -262, "SSL_ERROR_INVALID_HMAC", "invalid mac" },
	{ CODES_AXTLS, -263, "SSL_ERROR_INVALID_VERSION", "invalid version" },
	{ CODES_AXTLS, -266, "SSL_ERROR_NO_CIPHER", "no cipher" },
	{ CODES_AXTLS, -268, "SSL_ERROR_BAD_CERTIFICATE", "bad certificate" },
	{ CODES_AXTLS, -513, "X509_NOT_OK", "X509 not ok" },
	{ CODES_AXTLS, -514, "X509_VFY_ERROR_NO_TRUSTED_CERT", "No trusted cert is available" },
	{ CODES_AXTLS, -515, "X509_VFY_ERROR_BAD_SIGNATURE", "Bad signature" },
	{ CODES_AXTLS, -516, "X509_VFY_ERROR_NOT_YET_VALID", "Cert is not yet valid" },
	{ CODES_AXTLS, -517, "X509_VFY_ERROR_EXPIRED", "Cert has expired" },
	/* BR */
	{ CODES_BEARSSL, 3, "BR_ERR_UNSUPPORTED_VERSION", NULL },
	{ CODES_BEARSSL, 6, "BR_ERR_TOO_LARGE", NULL },
	{ CODES_BEARSSL, 14, "BR_ERR_BAD_HANDSHAKE", NULL },
	{ CODES_BEARSSL, 16, "BR_ERR_BAD_CIPHER_SUITE", NULL },
	{ CODES_BEARSSL, 31, "BR_ERR_IO", NULL },
	{ CODES_BEARSSL, 54, "BR_ERR_X509_EXPIRED", NULL },
	{ CODES_BEARSSL, 56, "BR_ERR_X509_BAD_SERVER_NAME", NULL },
	{ CODES_BEARSSL, 62, "BR_ERR_X509_NOT_TRUSTED", NULL },
	/* MB */
	{ CODES_MBEDTLS, -0x0044, "MBEDTLS_ERR_NET_CONNECT_FAILED", NULL },
	{ CODES_MBEDTLS, -0x0050, "MBEDTLS_ERR_NET_CONN_RESET", NULL },
	{ CODES_MBEDTLS, -0x2180, "MBEDTLS_ERR_X509_INVALID_FORMAT", NULL },
	{ CODES_MBEDTLS, -0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED", NULL },
	{ CODES_MBEDTLS, -0x6800, "MBEDTLS_ERR_SSL_TIMEOUT", NULL },
	{ CODES_MBEDTLS, -0x6E80, "MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION", NULL },
	{ CODES_MBEDTLS, -0x7200, "MBEDTLS_ERR_SSL_INVALID_RECORD", NULL },
	{ CODES_MBEDTLS, -0x7280, "MBEDTLS_ERR_SSL_CONN_EOF", NULL },
	{ CODES_MBEDTLS, -0x7780, "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE", NULL },
	{ CODES_MBEDTLS, -0x7980, "MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO", NULL },
	{ CODES_MBEDTLS, -0x7B00, "MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE", NULL },
	/* CR */
	{ CODES_NONE, -100, "ERR_CONNECTION_CLOSED", NULL },
	{ CODES_NONE, -102, "ERR_CONNECTION_REFUSED", NULL },
	{ CODES_NONE, -107, "ERR_SSL_PROTOCOL_ERROR", NULL },
	{ CODES_NONE, -110, "ERR_SSL_CLIENT_AUTH_CERT_NEEDED", NULL },
	{ CODES_NONE, -113, "ERR_SSL_VERSION_OR_CIPHER_MISMATCH", NULL },
	{ CODES_NONE, -118, "ERR_CONNECTION_TIMED_OUT", NULL },
	{ CODES_NONE, -200, "ERR_CERT_COMMON_NAME_INVALID", NULL },
	{ CODES_NONE, -201, "ERR_CERT_DATE_INVALID", NULL },
	{ CODES_NONE, -202, "ERR_CERT_AUTHORITY_INVALID", NULL },
};

/* AX DISPLAY_ALERT(): the alerts axTLS names; others print "alert - (unknown N)". */
static const struct tok axtls_alerts[] = {
	{ 0, "close notify" }, { 10, "unexpected message" }, { 20, "bad record mac" },
	{ 40, "handshake failure" }, { 42, "bad certificate" }, { 47, "illegal parameter" },
	{ 50, "decode error" }, { 51, "decrypt error" }, { 70, "invalid version" }, { 0, NULL },
};

/* MB x509.h verify flags (identical in 2.28 and 3.6). */
static const struct tok mbedtls_flags[] = {
	{ 0x01, "EXPIRED" }, { 0x02, "REVOKED" }, { 0x04, "CN_MISMATCH" }, { 0x08, "NOT_TRUSTED" },
	{ 0x200, "FUTURE" }, { 0x4000, "BAD_MD" }, { 0x10000, "BAD_KEY" }, { 0, NULL },
};

const struct device_profile *device_find(const char *name)
{
	for (const struct device_profile *p = device_profiles; name && p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

void device_apply(const struct device_profile *p, struct client_case *cc)
{
	device_apply_engine(p, p->engine, cc);
}

void device_apply_engine(const struct device_profile *p, enum client_engine e, struct client_case *cc)
{
	bool own = e != ENGINE_WOLFSSL && e == p->engine;
	cc->engine = e;
	cc->method = p->method;
	cc->min_version = p->min_version;
	cc->max_version = p->max_version;
	cc->ciphers = own ? p->engine_ciphers : p->ciphers; /* NULL: the library's default list is the device's */
	cc->groups = own ? NULL : p->groups;
	cc->ca_format = cc->ca_path ? p->ca_format : CA_NONE;
	cc->sni = p->sni;
	cc->verify = p->verify;
	cc->min_rsa_bits = own ? 0 : p->min_rsa_bits; /* the real stack applies its own X.509 profile */
	cc->reject_sha1 = own ? false : p->reject_sha1;
	/* 16384 is what every engine holds already; a smaller buffer is emulated (mbedTLS, wolfSSL) or
	 * real (BearSSL's input buffer). */
	cc->rx_record_limit = p->rx_buffer > 0 && p->rx_buffer < 16384 ? p->rx_buffer : 0;
	cc->tx_buffer = p->tx_buffer;
	cc->max_fragment = p->max_fragment;
}

const char *device_engine_name(const struct device_profile *p)
{
	const char *n = tok_name(client_engine_names, (unsigned int)p->engine);
	return n ? n : "unknown";
}

/*
 * The device's words from its own engine's result: mbedTLS's code (and
 * verify flags) as esp-tls logs it, BearSSL's getLastSSLError().
 */
static void terms_from_engine(const struct device_profile *p, const struct client_result *r, struct device_verdict *v)
{
	char buf[32];
	const struct client_engine_error *e = &r->engine_err;
	v->ok = r->connected;
	v->code = r->connected ? 0 : e->code;
	v->has_code = v->code != 0;
	v->verify_flags = e->verify_flags;
	snprintf(v->code_name, sizeof v->code_name, "%s", r->connected ? "" : e->name);
	if (r->connected) {
		snprintf(v->text, sizeof v->text, "connected%s%s", r->verify_error ? " (unverified: " : "",
			 r->verify_error ? r->verify_error_name : "");
		if (r->verify_error)
			snprintf(v->text + strlen(v->text), sizeof v->text - strlen(v->text), ")");
		return;
	}
	if (p->codes == CODES_MBEDTLS) {
		const char *call = strcmp(r->stage, "load_ca") == 0 ? (r->error == -0x2180 ? "mbedtls_x509_crt_parse_der"
											 : "mbedtls_x509_crt_parse")
				   : strcmp(r->stage, "connect") == 0 ? "mbedtls_net_connect"
								       : "mbedtls_ssl_handshake";
		if (v->verify_flags)
			snprintf(v->text, sizeof v->text, "%s returned -0x%lx; verify flags 0x%lx (%s)", call, -v->code,
				 v->verify_flags, tok2str(mbedtls_flags, (unsigned int)v->verify_flags, buf, sizeof buf));
		else
			snprintf(v->text, sizeof v->text, "%s returned -0x%lx", call, -v->code);
		return;
	}
	if (v->code >= 256 && v->code < 512)
		snprintf(v->text, sizeof v->text, "getLastSSLError() = %ld: Unknown error code. (received alert %ld)",
			 v->code, v->code - 256);
	else
		snprintf(v->text, sizeof v->text, "getLastSSLError() = %ld (%s)", v->code, e->name[0] ? e->name : "BR_ERR_OK");
}

static bool in(int v, int lo, int hi)
{
	return v >= lo && v <= hi;
}

static bool rule_matches(const struct code_rule *k, const struct client_result *r)
{
	bool setup = strncmp(r->stage, "load_", 5) == 0;
	switch (k->when) {
	case WHEN_OK:
		return r->connected && r->verify_error == 0;
	case WHEN_OK_VERIFY:
		return r->connected && r->verify_error != 0 && in(r->verify_error, k->lo, k->hi);
	case WHEN_STAGE:
		return !r->connected && strcmp(r->stage, k->stage) == 0;
	case WHEN_REFUSED:
		return !r->connected && !r->timed_out && strcmp(r->stage, "connect") == 0 && r->trace[0] == '\0';
	case WHEN_TIMEOUT:
		return !r->connected && r->timed_out && (!k->stage || strcmp(r->stage, k->stage) == 0);
	case WHEN_ALERT:
		return !r->connected && !setup && in(r->alert_received, k->lo, k->hi);
	case WHEN_ERROR:
		return !r->connected && !setup && in(r->error, k->lo, k->hi);
	case WHEN_VERIFY:
		return !r->connected && !setup && r->verify_error != 0 && in(r->verify_error, k->lo, k->hi);
	case WHEN_CLOSED:
		return !r->connected && r->peer_closed;
	case WHEN_FAILED:
		return !r->connected;
	default:
		return false;
	}
}

static const struct code_name *name_of(enum device_codes codes, long code)
{
	for (size_t i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
		if (code_names[i].codes == codes && code_names[i].code == code)
			return &code_names[i];
	return NULL;
}

/* The printed forms, one per stack. */
static void render(const struct device_profile *p, const struct client_result *r, struct device_verdict *v)
{
	const struct code_name *n = name_of(p->codes, v->code);
	char buf[32];
	if (n)
		snprintf(v->code_name, sizeof v->code_name, "%s", n->name);
	switch (p->codes) {
	case CODES_SIMPLELINK:
		/* MPC: OSError(-sl_errno); -453 is swallowed by MicroPython. */
		if (v->ok)
			snprintf(v->text, sizeof v->text, "connected%s", v->code ? " (SL_ESECSNOVERIFY ignored)" : "");
		else
			snprintf(v->text, sizeof v->text, "OSError: %ld", -v->code);
		break;
	case CODES_AXTLS:
		if (v->ok) {
			snprintf(v->text, sizeof v->text, "connected");
		} else if (v->code > -256 && v->code < 0) {
			/* AX ssl_display_error(): alerts print with the sign flipped. */
			snprintf(v->text, sizeof v->text, "Error: SSL error %ld", -v->code);
			const char *alert = tok_name(axtls_alerts, (unsigned int)-v->code);
			if (alert)
				snprintf(v->debug_text, sizeof v->debug_text, "Alert: %s", alert);
			else
				snprintf(v->debug_text, sizeof v->debug_text, "Alert: alert - (unknown %ld)", -v->code);
		} else {
			snprintf(v->text, sizeof v->text, "Error: %s%s", n && n->text ? n->text : "undefined as yet",
				 r->connected ? " (connect() succeeded; verifyCertChain() returns false)" : "");
		}
		break;
	case CODES_BEARSSL:
		if (v->ok)
			snprintf(v->text, sizeof v->text, "connected");
		else if (v->code >= 256 && v->code < 512)
			/* BR: 256 + alert has no string in getLastSSLError(). */
			snprintf(v->text, sizeof v->text, "getLastSSLError() = %ld: Unknown error code. (received alert %ld)",
				 v->code, v->code - 256);
		else
			snprintf(v->text, sizeof v->text, "getLastSSLError() = %ld (%s)", v->code,
				 n ? n->name : "unknown");
		break;
	case CODES_MBEDTLS:
		if (v->ok) {
			snprintf(v->text, sizeof v->text, "connected");
		} else if (v->verify_flags) {
			snprintf(v->text, sizeof v->text, "mbedtls_ssl_handshake returned -0x%lx; verify flags 0x%lx (%s)",
				 -v->code, v->verify_flags, tok2str(mbedtls_flags, (unsigned int)v->verify_flags, buf, sizeof buf));
		} else {
			snprintf(v->text, sizeof v->text, "mbedtls_ssl_handshake returned -0x%lx", -v->code);
		}
		break;
	case CODES_STANDIN:
		if (v->ok)
			snprintf(v->text, sizeof v->text, "connected: %s %s%s", r->version, r->suite,
				 r->verify_error ? " (certificate not verified)" : "");
		else
			snprintf(v->text, sizeof v->text, "failed at %s: %.60s %d (wolfSSL standing in; the device's own code is not mapped)",
				 r->stage, r->error_name[0] ? r->error_name : "error", r->error);
		break;
	case CODES_NONE:
	default:
		if (v->ok)
			snprintf(v->text, sizeof v->text, "connected: %s %s", r->version, r->suite);
		else
			snprintf(v->text, sizeof v->text, "net::%s", n ? n->name : "ERR_FAILED");
		break;
	}
}

void device_terms(const struct device_profile *p, const struct client_result *r, struct device_verdict *v)
{
	memset(v, 0, sizeof *v);
	if (r->skipped) {
		snprintf(v->text, sizeof v->text, "skipped: %.180s", r->skip_reason);
		return;
	}
	if (r->engine != ENGINE_WOLFSSL && r->engine == p->engine) {
		terms_from_engine(p, r, v);
		return;
	}
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		const struct code_rule *k = &rules[i];
		if (k->codes != p->codes || !rule_matches(k, r))
			continue;
		long value = k->when == WHEN_ALERT ? r->alert_received : r->error;
		v->ok = k->ok;
		v->code = k->base + (long)k->scale * value;
		v->has_code = v->code != 0;
		v->verify_flags = k->flags;
		render(p, r, v);
		if (k->text)
			snprintf(v->text, sizeof v->text, "%s", k->text);
		return;
	}
	render(p, r, v);
}
