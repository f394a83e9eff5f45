/*
 * client_io.h - what every client engine shares and no TLS library owns: the
 * TCP socket (made here, or the caller's pre-bound sock_fd), reads and writes
 * bounded by the per-stage timeout, the record/handshake tracker that writes
 * the trace and the stage, the key log file, the device's emulated receive
 * buffer, the request after the handshake and the common result texts.
 *
 * Only client_wolfssl.c, client_mbedtls.c and client_bearssl.c include this;
 * each hands its library callbacks that end in cio_recv()/cio_send().
 */
#ifndef TLSDIAG_CLIENT_CLIENT_IO_H
#define TLSDIAG_CLIENT_CLIENT_IO_H

#include "harness/client/client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum { CIO_DEFAULT_TIMEOUT_MS = 5000, CIO_MAX_FILE_BYTES = 1 << 20 };

/* One direction of the TLS byte stream, tracked record by record (client_io.c). */
struct cio_flow {
	uint8_t hdr[5];
	size_t hdr_have;
	size_t rec_left;
	uint8_t rec_type;
	bool encrypted; /* after ChangeCipherSpec, or application_data records (TLS 1.3) */
	bool lost; /* not TLS records: stop following */
	uint8_t hs[4];
	size_t hs_have;
	size_t hs_left;
	uint8_t alert[2];
	size_t alert_have;
	bool is_client;
};

struct cio {
	const struct client_case *cc;
	struct client_result *out;
	int fd;
	int timeout_ms;
	struct cio_flow to_server, to_client;
	int last_hs; /* last handshake message seen either way; -1: none */
	bool last_from_client;
	bool encrypted_seen; /* the last thing seen was an encrypted flight */
	bool timed_out, peer_closed, reset;
	bool handshake_done; /* after it, the tracker stops and reads are the answer's */
	uint16_t oversized_version; /* rx_record_limit: the record version of the record that did not fit */
	FILE *keylog;
	bool client_random_logged;
	int alert_by_client, alert_by_server; /* the last alert seen in the clear each way; -1: none */
	bool emulate_rx_limit; /* rx_record_limit checked here (true); BearSSL's real buffer does it itself */
};

/* Fills out's defaults (alerts -1, stage "setup", the engine) and io's. */
void cio_init(struct cio *io, const struct client_case *cc, struct client_result *out);
/* Closes what io holds (the socket, the key log). */
void cio_close(struct cio *io);

/*
 * TCP to host:port within the timeout: from cc->sock_fd when >= 0 (pre-bound,
 * not connected; io owns it from here), else a new socket bound to bind_port.
 * 0 connected, 1 failed (an outcome: detail set), -1 the harness could not (err).
 */
int cio_connect(struct cio *io, char *err, size_t errlen);

/* Read/write results of cio_recv/cio_send besides a byte count. */
enum { CIO_CLOSED = 0, CIO_ERROR = -1, CIO_TIMEOUT = -2, CIO_OVERSIZED = -3 };
/* At most n bytes within the timeout, tracked; CIO_OVERSIZED when a record exceeds rx_record_limit. */
ssize_t cio_recv(struct cio *io, void *buf, size_t n);
/* Some of the n bytes within the timeout, tracked (a count, or CIO_ERROR/CIO_TIMEOUT). */
ssize_t cio_send(struct cio *io, const void *buf, size_t n);

/*
 * For engines where SNI and the checked name are one setting (mbedTLS's
 * set_hostname, BearSSL's client_reset): that name, NULL for none, or NULL
 * with out skipped when the case wants them apart (engine names the call).
 */
const char *cio_single_name(const struct client_case *cc, struct client_result *out, const char *engine);
/* The SNI to send for the case (NULL: none): check_name when it is a DNS name, or sni_name. */
const char *cio_sni(const struct client_case *cc);
bool cio_is_ip_literal(const char *s);

/*
 * The next name of a ':'/','/' '-separated list (ciphers, groups) into name,
 * with from turned into to ('_' and '-' of suite names; 0: as is); advances
 * *list.  false at the end.
 */
bool cio_next_name(const char **list, char *name, size_t len, char from, char to);

/* A whole small file (malloc'd, caller frees): 0, or -1 with err set. */
int cio_read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen);
bool cio_is_pem(const unsigned char *p, size_t len);
/*
 * The case's client certificate and key, read whole (caller frees both): 1 when the case
 * has none, 0 read, -1 with err set (one path without the other, or a file unreadable).
 */
int cio_read_client_pair(const struct client_case *cc, unsigned char **cert, size_t *cert_len, unsigned char **key,
			 size_t *key_len, char *err, size_t errlen);

/* Creates cc->keylog_path (a new file, 0600, no link followed): 0, or -1 with err set. */
int cio_keylog_open(struct cio *io, char *err, size_t errlen);
/* Appends one NSS key log line, counting it. */
void cio_keylog_line(struct cio *io, const char *line);
/* "CLIENT_RANDOM <random> <master>" (TLS <= 1.2). */
void cio_keylog_master(struct cio *io, const unsigned char random[32], const unsigned char master[48]);

/* Marks out skipped with the reason (stage "setup"). */
void cio_skip(struct client_result *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The stage reached (out->stage) and, in last, the message people would name ("ServerHello"). */
void cio_stage(struct cio *io, char *last, size_t len);
/*
 * The common failure line in out->detail, from what the tracker saw and the
 * engine's own words (e.g. "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE -0x7780").
 */
void cio_failed_detail(struct cio *io, const char *last, const char *engine_words);
/* The "connected: ..." line. */
void cio_connected_detail(struct cio *io);

/*
 * rx_record_limit: after CIO_OVERSIZED, sends a fatal record_overflow alert
 * in the clear while neither side encrypts (what the engine would send for a
 * record over its buffer); returns the clause for the detail.
 */
const char *cio_oversized_alert(struct cio *io, bool send_alert);

/*
 * The request after the handshake (client_case.request).  The engine gives
 * its application-data calls: write returns bytes written or < 0; read
 * returns bytes, 0 on a clean close, CIO_TIMEOUT, or another value < 0 for
 * the engine's error, after filling *alert with a received fatal alert
 * (-1: none).  Fills out->response_* and out->post_alert.
 */
struct cio_app {
	void *ctx;
	int (*write)(void *ctx, const unsigned char *p, size_t n);
	int (*read)(void *ctx, unsigned char *p, size_t n, int *alert);
};
void cio_after_handshake(struct cio *io, const struct cio_app *app);

/* Each engine's name for one of its codes, NULL when unknown (client_engine_error_name()). */
const char *client_engine_error_name_wolfssl(long code);
const char *client_engine_error_name_mbedtls(long code);
const char *client_engine_error_name_bearssl(long code);

/* The server's answer so far (n bytes) is a whole HTTP response: headers and Content-Length bytes. */
bool cio_http_whole(const unsigned char *p, size_t n);

/* An engine error for out->engine_err. */
void cio_engine_error(struct client_result *o, long code, const char *name, int alert);

#endif
