/*
 * tls_conn.h - one TLS connection seen on the wire: fed the reassembled,
 * in-order bytes of each direction, it builds the message ladder, the alert
 * list, the outcome and the diagnosis.  Pure: no I/O but the report writers.
 *
 * The capture side (decode/decode.c) owns packets, flows and TCP
 * reassembly; this side owns everything TLS.
 */
#ifndef TLSDIAG_DECODE_TLS_CONN_H
#define TLSDIAG_DECODE_TLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jv;
struct jw;
struct tls_conn;

enum tls_dir {
	TLS_FROM_CLIENT = 0,
	TLS_FROM_SERVER = 1,
};

/* Where bytes came from: the capture frame (1-based, as Wireshark counts) and its time. */
struct pkt_meta {
	uint64_t frame;
	int64_t ts_sec;
	int32_t ts_usec;
};

enum tcp_event {
	TCP_EV_FIN,
	TCP_EV_RST,
};

/* client and server are "ip:port" ("[v6]:port" for IPv6). */
struct tls_conn *tls_conn_new(const char *client, const char *server);
/*
 * Secrets to decrypt with (NSS key log, decode/keylog.h); kl must outlive
 * c and may grow while c is fed (a pcapng DSB read mid-file): a
 * connection looks its keys up at its ServerHello.  Without a key log the
 * report says what stayed encrypted and how to get the keys.
 */
struct keylog;
void tls_conn_set_keylog(struct tls_conn *c, const struct keylog *kl);
void tls_conn_free(struct tls_conn *c);

/* In-order stream bytes of one direction. */
void tls_conn_data(struct tls_conn *c, enum tls_dir dir, const uint8_t *p, size_t n,
		   const struct pkt_meta *m);
/* The capture lost `missing` bytes of this direction (a TCP gap). */
void tls_conn_gap(struct tls_conn *c, enum tls_dir dir, uint64_t missing, const struct pkt_meta *m);
/*
 * A packet was cut by the capture's snaplen: its payload is incomplete.  The
 * direction is not decoded further (how much is missing is unknown); the
 * connection is reported TRUNCATED, never as a peer's error.  A gap inside
 * an application-data record keeps the direction in step instead.
 */
void tls_conn_snaplen_cut(struct tls_conn *c, enum tls_dir dir, const struct pkt_meta *m);
void tls_conn_tcp_event(struct tls_conn *c, enum tls_dir dir, enum tcp_event ev,
			const struct pkt_meta *m);
/* The capture ended, or the connection closed: settle outcome and diagnosis. */
void tls_conn_finish(struct tls_conn *c);

/*
 * Report writers; call after tls_conn_finish().  tls_conn_write_json writes
 * the connection's JSON object through a writer (key NULL in an array or at
 * the top): straight to a file when decode streams a capture's report.
 * tls_conn_to_json is the same object as a tree.
 */
void tls_conn_write_json(struct jw *w, const char *key, const struct tls_conn *c);
struct jv *tls_conn_to_json(const struct tls_conn *c);
void tls_conn_print_text(FILE *out, const struct tls_conn *c);
/*
 * After tls_conn_finish(): whether the connection failed (outcome "failed"
 * or "malformed"; "incomplete" is not a failure) and whether it carried an
 * alert worth a look (not close_notify, not an encrypted alert after a
 * complete handshake).  No report is built: the summary of a text report
 * costs no JSON.
 */
void tls_conn_facts(const struct tls_conn *c, bool *failed, bool *alerts);
/* Bytes the connection holds on the heap now (the decoder's memory budget counts them). */
size_t tls_conn_footprint(const struct tls_conn *c);

/* Whether the first bytes of a stream look like TLS (a record or an SSLv2 ClientHello). */
bool tls_looks_like_tls(const uint8_t *p, size_t n);

#endif
