/*
 * tls_handshake.h - handshake messages (RFC 8446 section 4, RFC 5246
 * section 7.4): reassembly of messages across records, and decoders for the
 * messages a diagnosis needs.
 *
 * Reassembly: a message may span several records and a record may hold
 * several messages.  A message that arrives whole inside one chunk is
 * decoded in place; only a split one is buffered, and never more than
 * TLS_HS_MAX_MSG bytes (OpenSSL's default limit on a certificate chain is
 * 100 KiB; a bigger message is skipped and reported, not buffered).
 *
 * Decoders take a cursor over one complete message body.  Every vector is
 * a sub-cursor that must end empty: a short or overlong length is
 * DECODE_MALFORMED with a one-line reason in `why`.
 */
#ifndef TLSDIAG_DECODE_TLS_HANDSHAKE_H
#define TLSDIAG_DECODE_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/cursor.h"
#include "harness/core/err.h"
#include "harness/decode/x509_wolfssl.h"

#define TLS_HS_MAX_MSG (128u * 1024u)
#define TLS_HS_HDR_LEN 4
#define TLS_LIST_MAX 128
#define TLS_WHY_LEN 128

/* ------------------------------------------------------------------ */
/* Reassembly */

struct tls_hs_msg {
	uint8_t type;
	uint32_t len; /* as the header says */
	bool sslv2; /* an SSLv2 CLIENT-HELLO (no 4-byte header) */
	bool too_big; /* over TLS_HS_MAX_MSG: body is empty, the bytes are skipped */
	struct cursor body;
};

struct tls_hs_reasm {
	uint8_t hdr[TLS_HS_HDR_LEN];
	size_t hdr_have;
	bool raw; /* collecting an SSLv2 hello of raw_len bytes, no header */
	uint8_t type;
	uint32_t len;
	uint8_t *buf; /* allocated for a split message only */
	size_t have;
	bool buffering;
	uint32_t skip_left; /* of a message too big to keep */
};

enum tls_hs_event {
	TLS_HS_NEED_MORE = 0,
	TLS_HS_MESSAGE, /* *m is a complete message (or a too_big one's header) */
};

void tls_hs_reasm_init(struct tls_hs_reasm *r);
void tls_hs_reasm_free(struct tls_hs_reasm *r);
/* The next len bytes are an SSLv2 CLIENT-HELLO (RFC 5246 E.2), without a handshake header. */
void tls_hs_reasm_expect_sslv2(struct tls_hs_reasm *r, uint16_t len);
/* The next complete message from in (in moves on).  m->body is valid until the next call. */
enum tls_hs_event tls_hs_reasm_next(struct tls_hs_reasm *r, struct cursor *in, struct tls_hs_msg *m);
/* A message is partly there; *type, *have and *want say which and how much. */
bool tls_hs_reasm_partial(const struct tls_hs_reasm *r, uint8_t *type, size_t *have, uint32_t *want);

/* ------------------------------------------------------------------ */
/* Messages */

/* A list of 16-bit values, the first TLS_LIST_MAX kept, all counted. */
struct tls_list16 {
	uint16_t v[TLS_LIST_MAX];
	size_t n;
	size_t total;
};

struct tls_client_hello {
	bool sslv2; /* came as an SSLv2-compatible hello */
	uint16_t legacy_version; /* client_version */
	uint8_t random[32];
	uint8_t session_id_len;
	struct tls_list16 suites; /* SSLv2 hellos: only the 0x00XXYY specs that are TLS suites */
	uint8_t n_compression;
	bool null_compression;
	bool has_extensions;
	struct tls_list16 extensions; /* types, in order */
	bool has_versions; /* supported_versions */
	struct tls_list16 versions;
	struct tls_list16 groups;
	struct tls_list16 sigalgs;
	bool has_sigalgs;
	struct tls_list16 key_share_groups;
	uint8_t ec_point_formats[8];
	size_t n_ec_point_formats;
	bool has_sni;
	char sni[256]; /* the first host_name, printable ASCII ('?' for others) */
	char alpn[128]; /* protocols joined by ',' */
	uint8_t max_fragment_length; /* 0 absent, 1..4 = 2^9..2^12 (RFC 6066 section 4) */
	bool renegotiation_info; /* the extension or TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
	bool extended_master_secret;
	bool session_ticket;
	bool fallback_scsv;
};

/* The highest version a ClientHello offers (supported_versions, else client_version). */
uint16_t tls_client_hello_max_version(const struct tls_client_hello *ch);
/* Whether ch offers version v. */
bool tls_client_hello_offers(const struct tls_client_hello *ch, uint16_t v);

struct tls_server_hello {
	uint16_t legacy_version;
	uint16_t selected_version; /* supported_versions, 0 when absent */
	uint16_t version; /* the negotiated one */
	uint8_t random[32];
	uint8_t session_id_len;
	uint16_t suite;
	uint8_t compression;
	bool hrr; /* HelloRetryRequest (RFC 8446 4.1.3) */
	bool downgrade_sentinel; /* "DOWNGRD" in the random (RFC 8446 4.1.3) */
	struct tls_list16 extensions;
	uint16_t key_share_group; /* 0 when absent */
	uint8_t max_fragment_length;
	char alpn[64];
	bool extended_master_secret;
	bool renegotiation_info;
};

#define TLS_CERTS_MAX 8
struct tls_certificate {
	size_t n_certs; /* in the message */
	size_t n_kept; /* decoded into certs[] */
	struct x509_info certs[TLS_CERTS_MAX];
	enum decode_status cert_status[TLS_CERTS_MAX]; /* OK or MALFORMED per certificate */
	char cert_why[TLS_CERTS_MAX][64];
};

struct tls_server_key_exchange {
	bool decoded; /* false: a key exchange not decoded here (still OK) */
	uint8_t curve_type; /* 3 named_curve (RFC 8422 5.4) */
	uint16_t group; /* ECDHE named curve */
	unsigned dh_p_bits; /* DHE prime size */
	unsigned dh_g_bits;
	unsigned rsa_bits; /* RSA_EXPORT temporary key */
	bool has_sigalg;
	uint16_t sigalg;
	bool anonymous; /* no signature */
};

struct tls_certificate_request {
	uint8_t cert_types[16];
	size_t n_cert_types;
	struct tls_list16 sigalgs;
	size_t n_cas; /* certificate_authorities */
};

struct tls_new_session_ticket {
	uint32_t lifetime;
	size_t ticket_len;
};

enum decode_status tls_hs_decode_client_hello(struct cursor *body, struct tls_client_hello *ch,
					      char *why, size_t whylen);
/* The CLIENT-HELLO of an SSLv2-compatible hello (RFC 5246 E.2), from msg_type on. */
enum decode_status tls_hs_decode_sslv2_hello(struct cursor *body, struct tls_client_hello *ch,
					     char *why, size_t whylen);
enum decode_status tls_hs_decode_server_hello(struct cursor *body, struct tls_server_hello *sh,
					      char *why, size_t whylen);
/* tls13: the RFC 8446 4.4.2 form with a context and per-certificate extensions. */
enum decode_status tls_hs_decode_certificate(struct cursor *body, bool tls13,
					     struct tls_certificate *cm, char *why, size_t whylen);
/* suite and version pick the ServerKeyExchange form (RFC 5246 7.4.3, RFC 8422 5.4, RFC 4279). */
enum decode_status tls_hs_decode_server_key_exchange(struct cursor *body, uint16_t suite,
						     uint16_t version,
						     struct tls_server_key_exchange *ske,
						     char *why, size_t whylen);
enum decode_status tls_hs_decode_certificate_request(struct cursor *body, uint16_t version,
						     struct tls_certificate_request *cr,
						     char *why, size_t whylen);
enum decode_status tls_hs_decode_new_session_ticket(struct cursor *body, uint16_t version,
						    struct tls_new_session_ticket *t,
						    char *why, size_t whylen);
/* TLS 1.3 EncryptedExtensions (RFC 8446 4.3.1): what the server answered to the ClientHello's extensions. */
struct tls_encrypted_extensions {
	struct tls_list16 extensions;
	char alpn[64]; /* the selected protocol */
	uint8_t max_fragment_length;
	bool early_data;
};
struct tls_certificate_verify {
	bool has_sigalg; /* TLS >= 1.2 */
	uint16_t sigalg;
	size_t sig_len;
};
enum decode_status tls_hs_decode_encrypted_extensions(struct cursor *body, struct tls_encrypted_extensions *ee,
						      char *why, size_t whylen);
enum decode_status tls_hs_decode_certificate_verify(struct cursor *body, uint16_t version,
						    struct tls_certificate_verify *cv, char *why, size_t whylen);
/* KeyUpdate (RFC 8446 4.6.3): *requested is update_requested (1), else update_not_requested (0). */
enum decode_status tls_hs_decode_key_update(struct cursor *body, bool *requested, char *why, size_t whylen);

/* ServerHelloDone and HelloRequest: the body must be empty. */
enum decode_status tls_hs_decode_empty(struct cursor *body, char *why, size_t whylen);

/* The HelloRetryRequest random, SHA-256("HelloRetryRequest") (RFC 8446 4.1.3). */
extern const uint8_t tls_hrr_random[32];

#endif
