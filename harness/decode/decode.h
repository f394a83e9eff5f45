/*
 * decode.h - a capture file to a report: frames (pcap_io) to packets
 * (packet) to connections (flow, tcp_reasm) to TLS (tls_conn).
 */
#ifndef TLSDIAG_DECODE_DECODE_H
#define TLSDIAG_DECODE_DECODE_H

/* "format_version" of the JSON report: bumped when a key changes meaning or goes away (docs/schema/decode.schema.json). */
#define DECODE_FORMAT_VERSION 1

#include "harness/core/err.h"
#include "harness/decode/flow.h"
#include "harness/decode/tls_conn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jv;

enum decode_format {
	DECODE_FORMAT_TEXT,
	DECODE_FORMAT_JSON,
};

struct decode_opts {
	enum decode_format format;
	uint16_t port; /* 0: find TLS by content */
	size_t max_buffered; /* per direction, 0: the default */
	bool verbose; /* text: absolute times and the full lists (tls_verbose.c) */
	const char *server_log; /* evidence from outside the capture, or NULL (tls_conn_hints()) */
	const char *client_error;
	struct keylog *keylog; /* secrets to decrypt with (decode/keylog.h), or NULL; a capture's DSBs add to it */
	size_t memory_budget; /* bytes for the open connections, 0: FLOW_DEFAULT_BUDGET (64 MB) */
	struct jv *collect; /* not NULL: decode_file also pushes each connection's JSON here (decode --html) */
	bool flush_each; /* the report is flushed after each connection (a live capture on a pipe) */
};

/* What the capture held besides connections; the notes are made from this. */
struct decode_stats {
	uint64_t frames;
	bool truncated;
	char truncated_why[256];
	uint64_t not_tcp, fragments, header_cut, payload_cut, malformed;
	uint64_t other_link; /* pcapng frames of an interface whose link type we do not read */
	uint64_t first_malformed_frame;
	const char *first_malformed_why;
	struct flow_stats flows;
	size_t memory_budget; /* the whole decode's, as asked (flows.memory_budget: the connections' share) */
	/* pcapng Decryption Secrets Blocks (TLS key logs) read from the file, and their lines that did not parse. */
	uint64_t dsb_blocks, dsb_secrets, dsb_problems;
	uint64_t dsb_refused_blocks, dsb_refused_bytes; /* DSBs not read: past the budget's share for secrets */
	char dsb_problem[160];
	/* Connections as reported. */
	uint64_t connections, failed, with_alerts;
};

/*
 * Decodes path, handing each finished TLS connection to emit (which must
 * not keep it).  Returns ERR_NONE, or ERR_INPUT when the file cannot be
 * used at all (err says why).  A file cut short is ERR_NONE with
 * stats->truncated set.
 */
enum err_category decode_run(const char *path, const struct decode_opts *o,
			     void (*emit)(void *ctx, struct tls_conn *c), void *ctx, struct decode_stats *stats,
			     char *err, size_t errlen);

/* decode_run writing the report (text or JSON, per o->format) to out. */
enum err_category decode_file(const char *path, const struct decode_opts *o, FILE *out, struct decode_stats *stats,
			      char *err, size_t errlen);

/*
 * One pass, every report at once: the text report on text, the JSON one on
 * json (either NULL: not made; o->format is not used) and each connection
 * handed to emit as well (NULL: none).  A run's case makes its decoded.txt,
 * decoded.json and its verdict from one read of its capture.
 */
struct decode_outputs {
	FILE *text;
	FILE *json;
	void (*emit)(void *ctx, struct tls_conn *c);
	void *ctx;
};
enum err_category decode_file_to(const char *path, const struct decode_opts *o, const struct decode_outputs *outs,
				 struct decode_stats *stats, char *err, size_t errlen);

/* The notes for stats: an array of strings. */
struct jv *decode_notes(const struct decode_stats *stats);

#endif
