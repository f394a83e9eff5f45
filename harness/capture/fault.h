/*
 * fault.h - network faults for the recording relay (relay.h), after
 * toxiproxy's toxics (latency, bandwidth, slicer, slow_close, reset_peer,
 * limit_data, timeout): a spec such as
 *
 *   reset-after:client_hello,latency:300ms
 *
 * is parsed once (scenario load, 'serve --network') into a fault_set; the
 * relay then asks a fault_state, per connection, where each chunk it read
 * must be cut and what happens there, and how each direction is shaped.
 *
 *   ACTION-after:POINT   reset | close | stall | drop, once POINT has been
 *                        passed on: connect, a handshake message
 *                        (client_hello, server_hello, certificate, ...),
 *                        or N bytes of one side's data ("1200", "1200@client")
 *   ACTION-on:PATTERN    the same, instead of passing on the bytes that
 *                        match: sslv3-hello (a ClientHello in a record whose
 *                        version is SSLv3, 0x0300), hex:160300[@server]
 *   latency:DUR, bandwidth:RATE, segments:N, slow-close:DUR   [@client|@server]
 *
 * docs/capture.md ("Network faults") has the whole grammar.
 */
#ifndef TLSDIAG_CAPTURE_FAULT_H
#define TLSDIAG_CAPTURE_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAULT_MAX 8
#define FAULT_PATTERN_MAX 32
#define FAULT_SPEC_MAX 400 /* the longest spec accepted, in characters */

enum fault_kind {
	FAULT_RESET = 0, /* RST both ways (close() with SO_LINGER {1, 0}) */
	FAULT_CLOSE, /* FIN both ways, without an alert */
	FAULT_STALL, /* nothing more passes either way; the connection stays open */
	FAULT_DROP, /* the named side's data stops passing; the rest goes on */
	FAULT_LATENCY,
	FAULT_BANDWIDTH,
	FAULT_SEGMENTS,
	FAULT_SLOW_CLOSE,
};

enum fault_side {
	FAULT_EITHER = -1, /* messages: whichever side sends it first; shaping: both directions */
	FAULT_CLIENT = 0, /* the client's data (client to server) */
	FAULT_SERVER = 1,
};

enum fault_point {
	POINT_CONNECT = 0, /* as soon as the connection is up */
	POINT_MESSAGE, /* after a handshake message (or pseudo-message) ends */
	POINT_BYTES, /* after n bytes of a side's data */
	POINT_SSLV3_HELLO, /* on: a ClientHello in an SSLv3 (0x0300) record */
	POINT_HEX, /* on: a byte string */
};

/* Pseudo-message numbers beside the handshake types (0..255). */
#define FAULT_MSG_CCS 0x100 /* change_cipher_spec: the end of the record */
#define FAULT_MSG_APPDATA 0x101 /* application_data: the first type-23 record (TLS 1.3: the first encrypted one) */

struct fault {
	enum fault_kind kind;
	enum fault_point point; /* trigger faults (RESET..DROP) */
	bool on; /* -on: the matching bytes are not passed on */
	enum fault_side side;
	unsigned msg; /* POINT_MESSAGE: a handshake type or FAULT_MSG_* */
	uint64_t n; /* POINT_BYTES; bandwidth: bits per second; segments: bytes; latency, slow-close: ms */
	uint8_t pat[FAULT_PATTERN_MAX];
	size_t patlen;
	char text[96]; /* as written, canonical: "reset-after:client_hello" */
};

struct fault_set {
	struct fault f[FAULT_MAX];
	size_t n;
};

/* How one direction is shaped (see fault_shape). */
struct fault_shaping {
	long latency_ms; /* each read is passed on this much later; 0: none */
	uint64_t bps; /* bits per second; 0: unlimited */
	size_t segment; /* at most this many bytes per write (one TCP segment each); 0: any */
	long slow_close_ms; /* the FIN is passed on this much later; 0: at once */
};

/* What a trigger did when it fired. */
struct fault_hit {
	const struct fault *f;
	int side; /* whose data it was counted in (FAULT_CLIENT / FAULT_SERVER) */
	uint64_t at; /* stream offset of the cut in that side's data */
	char what[200]; /* for people: "reset-after:client_hello at byte 517 of the client's data" */
};

struct fault_state;

/*
 * Parses "FAULT[,FAULT...]" into fs.  0, or -1 with why set to one line
 * naming the bad fault and what is allowed.  "none" is the empty set.
 */
int fault_parse(const char *spec, struct fault_set *fs, char *why, size_t whylen);
/* The canonical spec ("none" for an empty set). */
void fault_format(const struct fault_set *fs, char *buf, size_t len);
/* True when fs has a trigger (reset, close, stall, drop): the relay must follow the TLS framing. */
bool fault_has_trigger(const struct fault_set *fs);
/* The shaping of the data side sends (FAULT_CLIENT or FAULT_SERVER). */
void fault_shape(const struct fault_set *fs, int side, struct fault_shaping *out);

/* Per connection.  NULL: out of memory.  fs must outlive it. */
struct fault_state *fault_state_new(const struct fault_set *fs);
void fault_state_free(struct fault_state *st);
/* A fault at "connect": 1 and hit filled, else 0. */
int fault_on_connect(struct fault_state *st, struct fault_hit *hit);
/*
 * Scans n bytes just read from side (FAULT_CLIENT or FAULT_SERVER).  Returns
 * 1 when a trigger fires in them (hit filled; *cut is how many of the n
 * bytes are still passed on), else 0 (*cut = n).  Only the first fire of a
 * connection counts: later calls return 0.
 */
int fault_scan(struct fault_state *st, int side, const uint8_t *p, size_t n, size_t *cut, struct fault_hit *hit);

const char *fault_kind_name(enum fault_kind k);

#endif
