/*
 * fuzz_tls_handshake.c - libFuzzer target for the handshake layer alone
 * (tls_handshake.c): message reassembly across records and every message
 * decoder, X.509 parsing through wolfSSL included.
 *
 * Input: byte 0 is the chunk size the stream is fed in (0: all at once),
 * byte 1 picks the version context the decoders get (bit 0: TLS 1.3, bit 1:
 * start with an SSLv2 hello of the first two bytes' length), bytes 2-3 the
 * cipher suite for ServerKeyExchange, then handshake messages as they
 * travel inside handshake records.  The seed corpus
 * (tests/corpus/tls_handshake) holds the plaintext handshake streams of
 * real connections.  Each whole input is also given to every decoder as
 * one message body.
 */
#include <stdint.h>
#include <stdlib.h>

#include "harness/core/cursor.h"
#include "harness/decode/tls_handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decoder call on a copy of body: each gets its own cursor. */
static void decode_all(struct cursor body, uint8_t type, bool tls13, uint16_t suite)
{
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;
	static struct tls_certificate cm;
	static struct tls_server_key_exchange ske;
	static struct tls_certificate_request cr;
	static struct tls_new_session_ticket nst;
	char why[TLS_WHY_LEN];
	uint16_t v = tls13 ? 0x0304 : 0x0303;
	struct cursor b = body;

	switch (type) {
	case 1: (void)tls_hs_decode_client_hello(&b, &ch, why, sizeof why); break;
	case 2: (void)tls_hs_decode_server_hello(&b, &sh, why, sizeof why); break;
	case 4: (void)tls_hs_decode_new_session_ticket(&b, v, &nst, why, sizeof why); break;
	case 11: (void)tls_hs_decode_certificate(&b, tls13, &cm, why, sizeof why); break;
	case 12: (void)tls_hs_decode_server_key_exchange(&b, suite, v, &ske, why, sizeof why); break;
	case 13: (void)tls_hs_decode_certificate_request(&b, v, &cr, why, sizeof why); break;
	case 0:
	case 14: (void)tls_hs_decode_empty(&b, why, sizeof why); break;
	case 0xff: (void)tls_hs_decode_sslv2_hello(&b, &ch, why, sizeof why); break;
	default: break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor in = cursor_make(data, size);
	struct tls_hs_reasm r;
	struct tls_hs_msg m;
	uint8_t chunk, flags;
	uint16_t suite;

	if (!cursor_u8(&in, &chunk) || !cursor_u8(&in, &flags) || !cursor_u16(&in, &suite))
		return 0;
	bool tls13 = flags & 1;
	static const uint8_t types[] = { 0, 1, 2, 4, 11, 12, 13, 14, 0xff };
	for (size_t i = 0; i < sizeof types; i++)
		decode_all(in, types[i], tls13, suite);

	tls_hs_reasm_init(&r);
	if ((flags & 2) && cursor_left(&in) >= 2)
		tls_hs_reasm_expect_sslv2(&r, (uint16_t)(in.p[0] << 8 | in.p[1]));
	while (cursor_left(&in)) {
		size_t n = chunk && cursor_left(&in) > chunk ? chunk : cursor_left(&in);
		const uint8_t *p;
		cursor_bytes(&in, n, &p);
		struct cursor c = cursor_make(p, n);
		while (tls_hs_reasm_next(&r, &c, &m) == TLS_HS_MESSAGE) {
			if (m.too_big ? cursor_left(&m.body) != 0 : (!m.sslv2 && cursor_left(&m.body) != m.len))
				abort();
			if (!m.too_big)
				decode_all(m.body, m.sslv2 ? 0xff : m.type, tls13, suite);
		}
		if (cursor_left(&c))
			abort(); /* reassembly takes every byte it is given */
	}
	uint8_t t;
	size_t have;
	uint32_t want;
	(void)tls_hs_reasm_partial(&r, &t, &have, &want);
	tls_hs_reasm_free(&r);
	return 0;
}
