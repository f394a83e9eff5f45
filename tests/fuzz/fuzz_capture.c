/*
 * fuzz_capture.c - libFuzzer target for the capture side of the decoder:
 * link layers, IPv4/IPv6, TCP (packet.c), reassembly (tcp_reasm.c) and the
 * connection table (flow.c) feeding real tls_conn objects and their reports.
 *
 * Input: byte 0 picks the link type (mod 9, see enum link_type) and byte 1
 * the --port option (0: detection by content; else 443); then frames
 * { u16 big-endian captured length; u8 bytes the wire had beyond them;
 * captured bytes }.  The seed corpus (tests/corpus/capture) holds real
 * handshakes over Ethernet in this form.
 */
#include <stdint.h>
#include <stdio.h>

#include "harness/core/cursor.h"
#include "harness/core/json.h"
#include "harness/decode/flow.h"
#include "harness/decode/packet.h"
#include "harness/decode/tls_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void emit(void *ctx, struct tls_conn *c)
{
	struct jv *j = tls_conn_to_json(c);
	jv_write(ctx, j, false);
	tls_conn_print_text(ctx, c);
	jv_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor in = cursor_make(data, size);
	struct pkt_meta m = { 0, 0, 0 };
	uint8_t link, port, extra;
	uint16_t len;
	const uint8_t *frame;
	struct packet pkt;
	FILE *null;

	if (!cursor_u8(&in, &link) || !cursor_u8(&in, &port))
		return 0;
	null = fopen("/dev/null", "w");
	if (!null)
		return 0;
	/* A small buffer bound so overflow handling is reached too. */
	struct flow_opts o = { .port = port ? 443 : 0, .max_buffered = 4096, .max_closed = 8 };
	struct flow_table *t = flow_table_new(&o, emit, null);
	while (t && cursor_u16(&in, &len) && cursor_u8(&in, &extra)) {
		size_t n = len < cursor_left(&in) ? len : cursor_left(&in);
		cursor_bytes(&in, n, &frame);
		m.frame++;
		m.ts_sec = (int64_t)m.frame;
		packet_decode((enum link_type)(link % 9), frame, n, n + extra, &pkt);
		flow_table_packet(t, &pkt, &m);
	}
	if (t)
		flow_table_finish(t, &m);
	flow_table_free(t);
	fclose(null);
	return 0;
}
