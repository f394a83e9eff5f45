/*
 * fuzz_tls_decrypt.c - libFuzzer target for the decryption path: a key
 * log and a connection's records, so hostile secrets, hostile ciphertext
 * and hostile plaintext after a record that did decrypt all go through
 * tls_keys.c, tls_decrypt.c (libcrypto) and the decoders behind them.
 *
 * Input: u16 big-endian key log length, the key log, a chunk-size byte,
 * then the .tlsf records of fuzz_tls_conn.c ({u8 kind; u16 length; data},
 * 'C'/'S' data, 'c'/'s' FIN, 'r'/'R' RST).  Seeds (tests/corpus/tls_decrypt/)
 * are the real sessions of tests/data/tls_decrypt with their key logs, so
 * mutations start from records that decrypt.
 */
#include <stdint.h>
#include <stdio.h>

#include "harness/core/cursor.h"
#include "harness/core/json.h"
#include "harness/decode/keylog.h"
#include "harness/decode/tls_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor in = cursor_make(data, size);
	const uint8_t *kt, *p;
	uint16_t klen, len;
	uint8_t chunk, kind;
	uint64_t frame = 1;

	if (!cursor_u16(&in, &klen) || !cursor_bytes(&in, klen, &kt) || !cursor_u8(&in, &chunk))
		return 0;
	struct keylog *kl = keylog_new();
	struct tls_conn *c = tls_conn_new("127.0.0.1:1", "127.0.0.1:2");
	if (!kl || !c)
		goto out;
	keylog_add_text(kl, kt, klen, "fuzz");
	tls_conn_set_keylog(c, kl);
	while (cursor_u8(&in, &kind) && cursor_u16(&in, &len)) {
		struct pkt_meta m = { frame, (int64_t)frame, 0 };
		enum tls_dir dir = (kind | 0x20) == 'c' ? TLS_FROM_CLIENT : TLS_FROM_SERVER;
		frame++;
		if (kind == 'C' || kind == 'S') {
			size_t n = len < cursor_left(&in) ? len : cursor_left(&in);
			cursor_bytes(&in, n, &p);
			for (size_t off = 0; off < n; off += chunk ? chunk : n)
				tls_conn_data(c, dir, p + off, chunk && n - off > chunk ? chunk : n - off, &m);
		} else if (kind == 'c' || kind == 's') {
			tls_conn_tcp_event(c, dir, TCP_EV_FIN, &m);
		} else if ((kind | 0x20) == 'r') {
			tls_conn_tcp_event(c, kind == 'r' ? TLS_FROM_CLIENT : TLS_FROM_SERVER, TCP_EV_RST, &m);
		}
	}
	tls_conn_finish(c);
	struct jv *j = tls_conn_to_json(c);
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		jv_write(null, j, false);
		tls_conn_print_text(null, c);
		fclose(null);
	}
	jv_free(j);
out:
	tls_conn_free(c);
	keylog_free(kl);
	return 0;
}
