/*
 * tls_names.h - names of TLS protocol values, as tcpdump's tok tables:
 * versions, content types, handshake types, alerts, cipher suites,
 * extensions, groups, signature schemes and EC point formats (the IANA
 * "Transport Layer Security (TLS) Parameters" and "TLS Extensions"
 * registries, RFC 8447), plus what a cipher suite implies for diagnosis.
 *
 * Unknown values print as "unknown(0x..)"; GREASE values (RFC 8701) print
 * as "GREASE" in every 16-bit table.
 */
#ifndef TLSDIAG_DECODE_TLS_NAMES_H
#define TLSDIAG_DECODE_TLS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/tok.h"

/* Protocol versions (0x0002 is SSLv2's; ClientHello.client_version of RFC 6101/5246). */
#define TLS_V_SSL2 0x0002
#define TLS_V_SSL3 0x0300
#define TLS_V_TLS10 0x0301
#define TLS_V_TLS11 0x0302
#define TLS_V_TLS12 0x0303
#define TLS_V_TLS13 0x0304

/* ContentType (RFC 8446 section 5.1, RFC 6520, RFC 9146). */
#define TLS_CT_CHANGE_CIPHER_SPEC 20
#define TLS_CT_ALERT 21
#define TLS_CT_HANDSHAKE 22
#define TLS_CT_APPLICATION_DATA 23
#define TLS_CT_HEARTBEAT 24

/* HandshakeType (RFC 8446 section 4, RFC 5246 section 7.4). */
#define TLS_HS_HELLO_REQUEST 0
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_HS_NEW_SESSION_TICKET 4
#define TLS_HS_END_OF_EARLY_DATA 5
/* Not on the wire in final TLS 1.3: a ServerHello with the special random (RFC 8446 4.1.3). */
#define TLS_HS_HELLO_RETRY_REQUEST 6
#define TLS_HS_ENCRYPTED_EXTENSIONS 8
#define TLS_HS_CERTIFICATE 11
#define TLS_HS_SERVER_KEY_EXCHANGE 12
#define TLS_HS_CERTIFICATE_REQUEST 13
#define TLS_HS_SERVER_HELLO_DONE 14
#define TLS_HS_CERTIFICATE_VERIFY 15
#define TLS_HS_CLIENT_KEY_EXCHANGE 16
#define TLS_HS_FINISHED 20
#define TLS_HS_CERTIFICATE_STATUS 22
#define TLS_HS_KEY_UPDATE 24

/* AlertLevel and the alerts the diagnosis reasons about (RFC 8446 section 6). */
#define TLS_ALERT_WARNING 1
#define TLS_ALERT_FATAL 2
#define TLS_AD_CLOSE_NOTIFY 0
#define TLS_AD_UNEXPECTED_MESSAGE 10
#define TLS_AD_RECORD_OVERFLOW 22
#define TLS_AD_HANDSHAKE_FAILURE 40
#define TLS_AD_NO_CERTIFICATE 41
#define TLS_AD_BAD_CERTIFICATE 42
#define TLS_AD_UNSUPPORTED_CERTIFICATE 43
#define TLS_AD_CERTIFICATE_EXPIRED 45
#define TLS_AD_CERTIFICATE_UNKNOWN 46
#define TLS_AD_ILLEGAL_PARAMETER 47
#define TLS_AD_UNKNOWN_CA 48
#define TLS_AD_DECODE_ERROR 50
#define TLS_AD_PROTOCOL_VERSION 70
#define TLS_AD_INSUFFICIENT_SECURITY 71
#define TLS_AD_UNRECOGNIZED_NAME 112
#define TLS_AD_CERTIFICATE_REQUIRED 116

/* ExtensionType (IANA "TLS ExtensionType Values"). */
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_MAX_FRAGMENT_LENGTH 1
#define TLS_EXT_SUPPORTED_GROUPS 10
#define TLS_EXT_EC_POINT_FORMATS 11
#define TLS_EXT_SIGNATURE_ALGORITHMS 13
#define TLS_EXT_ALPN 16
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_EXT_KEY_SHARE 51

extern const struct tok tls_version_names[];
extern const struct tok tls_content_type_names[];
extern const struct tok tls_handshake_type_names[];
extern const struct tok tls_alert_level_names[];
extern const struct tok tls_alert_names[];
extern const struct tok tls_cipher_suite_names[]; /* tls_names_data.c */
extern const size_t tls_cipher_suite_count;        /* its rows, sorted by value */
extern const struct tok tls_extension_names[];
extern const struct tok tls_group_names[];
extern const struct tok tls_sigscheme_names[];
extern const struct tok tls_ec_point_format_names[];
extern const struct tok tls_cert_type_names[];

/* A GREASE value of RFC 8701: 0x?A?A with both bytes equal. */
bool tls_is_grease(uint16_t v);

/*
 * The name of a 16-bit value in table: "GREASE" for a GREASE value, the
 * table's name, or "unknown(0x....)" written into buf.
 */
const char *tls_name16(const struct tok *table, uint16_t v, char *buf, size_t buflen);

/* Short version names for ladders: "TLS1.2", "SSLv3"; unknown as "0x....". */
const char *tls_version_short(uint16_t v, char *buf, size_t buflen);

/* What a cipher suite implies, read from its registry name. */
enum tls_kx {
	TLS_KX_UNKNOWN = 0,
	TLS_KX_NULL, /* TLS_NULL_WITH_NULL_NULL */
	TLS_KX_RSA, /* static RSA key transport (no forward secrecy) */
	TLS_KX_DH, /* static DH (DH_RSA, DH_DSS) */
	TLS_KX_DHE,
	TLS_KX_ECDH, /* static ECDH */
	TLS_KX_ECDHE,
	TLS_KX_PSK, /* PSK, DHE_PSK, ECDHE_PSK, RSA_PSK */
	TLS_KX_SRP,
	TLS_KX_TLS13, /* TLS 1.3 suites name no key exchange (RFC 8446 B.4) */
	TLS_KX_OTHER, /* GOST, KRB5, ECCPWD, ECJPAKE, ... */
	TLS_KX_SCSV, /* a signalling value, not a suite */
};

enum tls_auth {
	TLS_AUTH_UNKNOWN = 0,
	TLS_AUTH_NONE, /* anon, NULL */
	TLS_AUTH_RSA,
	TLS_AUTH_DSS,
	TLS_AUTH_ECDSA,
	TLS_AUTH_PSK,
	TLS_AUTH_CERT, /* TLS 1.3: whatever the certificate is */
	TLS_AUTH_OTHER,
};

struct tls_suite_info {
	enum tls_kx kx;
	enum tls_auth auth;
	bool psk; /* a pre-shared key takes part (PSK, DHE_PSK, ...) */
	bool aead; /* GCM, CCM, ChaCha20-Poly1305, MGM */
	bool export_grade; /* EXPORT / EXPORT1024 */
	bool forward_secret; /* DHE, ECDHE or TLS 1.3 */
	bool tls13; /* usable only with TLS 1.3 */
	bool mainstream_cipher; /* AES-128/256-GCM or ChaCha20: what every current server takes */
};

/* Fills *out from the suite's name; false for an unknown value (out zeroed). */
bool tls_suite_info(uint16_t suite, struct tls_suite_info *out);
const char *tls_kx_name(enum tls_kx kx);
const char *tls_auth_name(enum tls_auth a);

#endif
