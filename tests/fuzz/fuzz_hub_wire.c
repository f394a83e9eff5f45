/*
 * fuzz_hub_wire.c - libFuzzer target for the capture hub's wire format
 * (capture/hub_wire.c): the bytes a case or the hub reads from its socket.
 *
 * Input: byte 0 picks the message (even: a request, odd: a reply), the
 * rest is the message.  Besides the sanitizers, it checks the decoders'
 * promises: a MALFORMED one leaves its output all zero, and the format is
 * canonical, so what decodes OK encodes back to the very same bytes.  The
 * seed corpus (tests/corpus/hub_wire) holds one valid request and reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/capture/hub_wire.h"
#include "harness/core/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hub_request rq;
	static struct hub_reply r;
	static uint8_t out[HUB_WIRE_REQUEST_MAX + HUB_WIRE_REPLY_MAX];
	struct cursor in = cursor_make(data, size);
	const uint8_t *msg;
	uint8_t which;
	char why[128];
	size_t n;

	if (!cursor_u8(&in, &which))
		return 0;
	n = cursor_left(&in);
	cursor_bytes(&in, n, &msg);
	struct cursor c = cursor_make(msg, n);
	if (which % 2 == 0) {
		if (hub_wire_decode_request(&c, &rq, why, sizeof why) != DECODE_OK) {
			check_zero(&rq, sizeof rq);
			return 0;
		}
		if (hub_wire_encode_request(&rq, out, sizeof out) != n || memcmp(out, msg, n) != 0)
			abort();
	} else {
		if (hub_wire_decode_reply(&c, &r, why, sizeof why) != DECODE_OK) {
			check_zero(&r, sizeof r);
			return 0;
		}
		if (hub_wire_encode_reply(&r, out, sizeof out) != n || memcmp(out, msg, n) != 0)
			abort();
	}
	return 0;
}
