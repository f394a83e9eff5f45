/*
 * fuzz_tls_conn.c - libFuzzer target for the TLS side of the decoder: the
 * record parser, handshake reassembly and decoders, X.509 through wolfSSL,
 * the diagnosis and both report writers.
 *
 * Input: byte 0 is the chunk size the data is split into (0: whole
 * records), then the .tlsf format of tests/data/tls_conn (record.py):
 * { u8 kind; u16 big-endian length; data }, kind 'C'/'S' data from the
 * client/server, 'c'/'s' FIN, 'r'/'R' RST, 'g'/'G' a gap of `length`
 * bytes (no data follows), 'n'/'N' a snaplen cut.  The seed corpus is the
 * real handshakes of tests/data/tls_conn with a chunk byte in front.
 */
#include <stdint.h>
#include <stdio.h>

#include "harness/core/cursor.h"
#include "harness/core/json.h"
#include "harness/decode/tls_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor in = cursor_make(data, size);
	struct tls_conn *c;
	struct jv *j;
	uint8_t chunk, kind;
	uint16_t len;
	uint64_t frame = 1;
	FILE *null;

	if (!cursor_u8(&in, &chunk))
		return 0;
	c = tls_conn_new("127.0.0.1:1", "127.0.0.1:2");
	if (!c)
		return 0;
	while (cursor_u8(&in, &kind) && cursor_u16(&in, &len)) {
		struct pkt_meta m = { frame, (int64_t)frame, (int32_t)(frame * 7 % 1000000) };
		enum tls_dir dir = (kind >= 'a') ? TLS_FROM_CLIENT : TLS_FROM_SERVER;
		const uint8_t *p;
		size_t n;
		frame++;
		switch (kind | 0x20) {
		case 'c':
		case 's':
			if (kind == 'C' || kind == 'S') {
				dir = kind == 'C' ? TLS_FROM_CLIENT : TLS_FROM_SERVER;
				n = len < cursor_left(&in) ? len : cursor_left(&in);
				cursor_bytes(&in, n, &p);
				for (size_t off = 0; off < n; off += chunk ? chunk : n)
					tls_conn_data(c, dir, p + off,
						      chunk && n - off > chunk ? chunk : n - off, &m);
			} else {
				tls_conn_tcp_event(c, kind == 'c' ? TLS_FROM_CLIENT : TLS_FROM_SERVER,
						   TCP_EV_FIN, &m);
			}
			break;
		case 'r':
			tls_conn_tcp_event(c, dir, TCP_EV_RST, &m);
			break;
		case 'g':
			tls_conn_gap(c, dir, len, &m);
			break;
		case 'n':
			tls_conn_snaplen_cut(c, dir, &m);
			break;
		default:
			break;
		}
	}
	tls_conn_tcp_seen(c, chunk & 1, chunk & 2, NULL);
	tls_conn_finish(c);
	/* Outside evidence weighed with whatever the bytes showed (the top bit of the chunk byte). */
	if (chunk & 0x80)
		tls_conn_hints(c, "SSL routines::no suitable key share", "certificate has expired");
	j = tls_conn_to_json(c);
	null = fopen("/dev/null", "w");
	if (null) {
		jv_write(null, j, false);
		tls_conn_print_text_ex(null, c, true);
		fclose(null);
	}
	jv_free(j);
	tls_conn_free(c);
	(void)tls_looks_like_tls(data, size);
	return 0;
}
