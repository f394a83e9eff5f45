/*
 * tls_conn_int.h - the state of one TLS connection, shared by the files
 * that implement tls_conn.h: tls_conn.c (records, messages, the public
 * feed), tls_ladder.c (notes, ladder, alerts), tls_outcome.c (outcome and
 * diagnosis) and tls_report.c (JSON and text).  Not for other modules.
 */
#ifndef TLSDIAG_DECODE_TLS_CONN_INT_H
#define TLSDIAG_DECODE_TLS_CONN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/decode/diagnose.h"
#include "harness/decode/tls_conn.h"
#include "harness/decode/tls_handshake.h"
#include "harness/decode/tls_record.h"

struct keylog;
struct tls_decrypt;

#define LADDER_MAX 512
#define ALERTS_MAX 16
#define NOTES_MAX 32

enum entry_kind {
	E_HANDSHAKE,
	E_ENC_FINISHED, /* TLS <= 1.2: the encrypted handshake record after CCS */
	E_ENC_HANDSHAKE, /* a later encrypted handshake record (renegotiation) */
	E_CCS,
	E_ALERT,
	E_ENCRYPTED, /* TLS 1.3 encrypted handshake flight */
	E_APPDATA,
	E_HEARTBEAT,
	E_SSLV2_HELLO,
};

struct ladder_entry {
	enum tls_dir dir;
	enum entry_kind kind;
	struct pkt_meta m;
	uint8_t hs_type;
	uint32_t len; /* handshake message or record body bytes */
	uint64_t count; /* coalesced records */
	uint64_t bytes;
	bool maybe_alert; /* TLS 1.3: an alert-sized encrypted record, kept apart */
	int alert; /* index in alerts[], or -1 */
	bool decrypted; /* read from a record decrypted with the key log */
	char detail[160];
};

struct alert_entry {
	enum tls_dir from;
	int level; /* -1 when encrypted */
	int desc; /* -1 when encrypted */
	bool encrypted;
	bool inferred; /* TLS 1.3: told by size and position */
	bool decrypted; /* encrypted on the wire, read with the key log */
	struct pkt_meta m;
	char after[32];
	bool before_server_hello;
	bool after_certificate;
	bool after_ske;
	bool after_complete;
};

enum note_kind { NOTE_TRUNCATED, NOTE_MALFORMED, NOTE_INFO };

struct note {
	enum note_kind kind;
	int dir; /* -1 when about the connection */
	uint64_t frame;
	char text[256];
};

struct dir_state {
	struct tls_record_parser rp;
	struct tls_hs_reasm hs;
	bool any_bytes;
	bool valid_record; /* at least one record header passed */
	bool stopped; /* not decoded further (gap, snaplen, lost framing) */
	bool ccs; /* TLS <= 1.2: sent ChangeCipherSpec, all later records are encrypted */
	bool finished; /* sent its (encrypted) Finished */
	uint8_t ccs_byte;
	size_t ccs_have;
	uint8_t alert_buf[2];
	size_t alert_have;
	uint16_t record_version; /* of the current record */
	enum { R_IGNORE, R_HANDSHAKE, R_ALERT, R_CCS, R_DECRYPT } route; /* where the current body goes */
	/* Decryption (tls_keys.c): the current record gathered whole, then opened. */
	uint8_t *rec;
	size_t rec_have;
	struct tls_record_hdr rec_hdr;
	uint64_t dec_records; /* decrypted so far */
	uint64_t epoch_records; /* ... under the current keys */
	bool dec_failed; /* stopped decrypting: the rest of this side is read as without keys */
	enum { DEC_NONE, DEC_WRONG_KEYS, DEC_CORRUPT } dec_fail; /* why a record did not decrypt */
	uint64_t dec_fail_frame;
	uint64_t unread; /* encrypted records that could not be read (no keys) */
	uint64_t enc_records; /* TLS 1.3 type-23 records */
	uint64_t enc_real; /* ... of them not alert-sized */
	uint64_t enc_real_after_peer; /* not alert-sized, after the peer's first encrypted record */
	size_t last_entry; /* ladder index of the last record entry, SIZE_MAX if none */
	bool last_maybe_alert;
	bool closed;
	enum tcp_event how;
	struct pkt_meta close_m;
	bool rst_after_fin; /* a RST came after this side's FIN */
	struct pkt_meta rst_m;
	bool close_notify;
	uint64_t app_records, app_bytes;
};

struct tls_conn {
	char client[64];
	char server[64];
	struct dir_state d[2];
	bool have_first;
	struct pkt_meta first;
	const struct pkt_meta *cur; /* meta of the call in progress */

	struct ladder_entry *ladder;
	size_t n_ladder, cap_ladder;
	uint64_t ladder_dropped;
	struct alert_entry alerts[ALERTS_MAX];
	size_t n_alerts;
	uint64_t alerts_dropped;
	struct note *notes; /* heap, grown on the first notes: most connections have none (5.6 KB each saved) */
	size_t n_notes, cap_notes;
	uint64_t notes_dropped;

	bool have_ch;
	uint16_t ch_record_version;
	unsigned n_client_hellos;
	struct tls_client_hello ch;
	bool have_sh;
	struct tls_server_hello sh;
	bool hrr;
	bool tls13;
	size_t tls13_alert_len; /* record length of an encrypted alert under sh.suite */
	struct tls_certificate *server_cert; /* heap: several KiB, only when sent */
	bool client_cert;
	bool client_cert_empty;
	size_t client_cert_count;
	bool cert_request;
	struct tls_certificate_request cr;
	bool have_ske;
	struct tls_server_key_exchange ske;
	bool truncated;
	bool malformed;
	bool record_overflow;
	char malformed_what[192];
	bool complete;
	/* Keys (tls_keys.c). */
	const struct keylog *keylog; /* NULL: no key log given */
	struct tls_decrypt *dec; /* NULL until the ServerHello found keys */
	enum { KEYS_NONE, KEYS_NOT_IN_LOG, KEYS_UNSUPPORTED, KEYS_FOUND } keys;
	bool decrypting; /* entries made now come from a decrypted record */
	uint8_t *plain; /* one record's plaintext */
	bool have_ee;
	struct tls_encrypted_extensions ee;
	bool finished_seen[2]; /* a decrypted Finished per side */
	bool fatal_decrypted; /* a decrypted fatal alert (not close_notify) */
	int first_closer; /* -1 none */
	bool finished_called;
	const char *outcome;
	struct diag_result diag;
};

/* tls_ladder.c: names, notes, the ladder and the alert list. */
const char *tls_dir_name(int d);
enum tls_dir tls_peer_of(enum tls_dir d);
void tls_copy_str(char *dst, size_t dstlen, const char *src);
struct pkt_meta tls_meta_now(const struct tls_conn *c);
const char *tls_hs_name(uint8_t type, char *buf, size_t buflen);
void tls_note_add(struct tls_conn *c, enum note_kind kind, int dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct ladder_entry *tls_ladder_add(struct tls_conn *c, enum tls_dir dir, enum entry_kind kind);
/* Adds a record to a run of the same kind from the same side, or starts one. */
void tls_ladder_count(struct tls_conn *c, enum tls_dir dir, enum entry_kind kind, size_t bytes, bool apart);
const char *tls_entry_type(const struct ladder_entry *e);
/* Records an alert; `existing` is its ladder index when the entry exists already (SIZE_MAX: add one). */
void tls_alert_record(struct tls_conn *c, enum tls_dir dir, int level, int desc, bool encrypted, size_t existing);
void tls_alert_add(struct tls_conn *c, enum tls_dir dir, int level, int desc, bool encrypted);
/* Plaintext alert bytes: level, description pairs (RFC 5246 7.2). */
void tls_alert_bytes(struct tls_conn *c, enum tls_dir dir, const uint8_t *p, size_t n);

/* tls_conn.c (tls_conn_set_keylog is declared in tls_conn.h) */
bool tls13_complete_now(const struct tls_conn *c);
/* The handling of a record header without decryption (what is encrypted stays unread). */
void tls_conn_record_plain(struct tls_conn *c, enum tls_dir dir, const struct tls_record_hdr *h);

/* tls_messages.c: a complete handshake message into the ladder and the connection's facts. */
void tls_conn_message(struct tls_conn *c, enum tls_dir dir, struct tls_hs_msg *m);

/* tls_keys.c: keys from the key log, and records decrypted. */
/* After the (real) ServerHello: look up the connection's secrets. */
void tls_keys_server_hello(struct tls_conn *c);
/* dir sent ChangeCipherSpec (TLS <= 1.2) / Finished / KeyUpdate (TLS 1.3): its keys change. */
void tls_keys_ccs(struct tls_conn *c, enum tls_dir dir);
void tls_keys_finished(struct tls_conn *c, enum tls_dir dir);
void tls_keys_key_update(struct tls_conn *c, enum tls_dir dir);
/* Whether the record h of dir is to be gathered and decrypted. */
bool tls_keys_wants(const struct tls_conn *c, enum tls_dir dir, const struct tls_record_hdr *h);
void tls_keys_gather(struct tls_conn *c, enum tls_dir dir, const uint8_t *p, size_t n);
/* The gathered record ended: decrypt it and decode the plaintext, or note why not. */
void tls_keys_record_end(struct tls_conn *c, enum tls_dir dir);
bool tls_keys_have_log(const struct tls_conn *c);
/* Without a key log: what could not be read and how to get the keys (false: nothing was unread). */
bool tls_keys_hint(const struct tls_conn *c, char *out, size_t outlen);
void tls_keys_free(struct tls_conn *c);
/* Heap bytes of the decryption state (tls_conn_footprint counts them). */
size_t tls_keys_footprint(const struct tls_conn *c);

#endif
