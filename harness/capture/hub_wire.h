/*
 * hub_wire.h - the capture hub's messages as bytes (hub.c): a case's
 * request and the hub's reply, each one SOCK_SEQPACKET message.
 *
 * Both sides are forks of one binary, yet the bytes come from a socket, so
 * they are read as any untrusted bytes are: through struct cursor, every
 * length checked against its destination, and a message is valid only when
 * it is read to its last byte.  A message arrives whole or not at all
 * (SOCK_SEQPACKET), so a short one is MALFORMED, never TRUNCATED.  All
 * integers are big-endian.
 *
 * Request (a case to the hub), HUB_WIRE_REQUEST_MAX bytes at most:
 *
 *   u32  magic            HUB_WIRE_MAGIC
 *   u8   kind             1 BEGIN, 2 END
 *   u16  server port
 *   u16  client port
 *   u32  drain_ms         (END: how long to wait for the connection's end)
 *   u16  path length      1..PATH_MAX-1, then the pcap path: no NUL inside
 *
 * Every request names the case's pcap: BEGIN opens it, END repeats it.
 *
 * Reply (the hub to a case), HUB_WIRE_REPLY_MAX bytes at most:
 *
 *   u32  magic            HUB_WIRE_MAGIC
 *   u8   ok               0 or 1
 *   u64  packets, bytes, received, dropped
 *   u8   flags            HUB_WIRE_F_*; the other bits are 0
 *   u8   length, then client, server, filter, error (struct live_stats)
 *                         and err (the reply's own), each shorter than its
 *                         array and without NUL: a longer one is MALFORMED,
 *                         not cut
 */
#ifndef TLSDIAG_CAPTURE_HUB_WIRE_H
#define TLSDIAG_CAPTURE_HUB_WIRE_H

#include "harness/capture/live.h"
#include "harness/core/cursor.h"
#include "harness/core/err.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUB_WIRE_MAGIC 0x74644875u /* "tdHu" */

enum hub_wire_kind { HUB_WIRE_BEGIN = 1, HUB_WIRE_END = 2 };

enum hub_wire_flag {
	HUB_WIRE_F_CONNECTED = 0x01,
	HUB_WIRE_F_CLOSED = 0x02,
	HUB_WIRE_F_CLIENT_FIN = 0x04,
	HUB_WIRE_F_SERVER_FIN = 0x08,
	HUB_WIRE_F_CLIENT_RST = 0x10,
	HUB_WIRE_F_SERVER_RST = 0x20,
};

struct hub_request {
	enum hub_wire_kind kind;
	uint16_t server_port, client_port;
	uint32_t drain_ms;
	char path[PATH_MAX];
};

struct hub_reply {
	bool ok;
	struct live_stats st; /* BEGIN's and a refusal's: all zero */
	char err[256]; /* !ok: why */
};

/*
 * The largest encodings (a string takes its length byte and at most its
 * array's size less one).  A buffer one byte longer receives whatever a
 * peer sends and, when it was more, holds a message too long to be valid.
 */
#define HUB_WIRE_REQUEST_MAX (4 + 1 + 2 + 2 + 4 + 2 + (PATH_MAX - 1))
#define HUB_WIRE_REPLY_MAX                                                                                \
	(4 + 1 + 4 * 8 + 1 + sizeof ((struct live_stats *)0)->client + sizeof ((struct live_stats *)0)->server + \
	 sizeof ((struct live_stats *)0)->filter + sizeof ((struct live_stats *)0)->error +               \
	 sizeof ((struct hub_reply *)0)->err)

/*
 * Encodes into buf (cap bytes); the length, or 0 when it does not fit or
 * cannot be said on the wire (a kind not BEGIN/END, a path empty or of
 * PATH_MAX bytes and more, a string not terminated inside its array).
 */
size_t hub_wire_encode_request(const struct hub_request *rq, uint8_t *buf, size_t cap);
size_t hub_wire_encode_reply(const struct hub_reply *r, uint8_t *buf, size_t cap);

/*
 * Decodes the whole of c into *out.  DECODE_OK, or DECODE_MALFORMED with
 * *out all zero and a one-line reason in why ("request: path: a NUL inside").
 */
enum decode_status hub_wire_decode_request(struct cursor *c, struct hub_request *out, char *why, size_t whylen);
enum decode_status hub_wire_decode_reply(struct cursor *c, struct hub_reply *out, char *why, size_t whylen);

#endif
