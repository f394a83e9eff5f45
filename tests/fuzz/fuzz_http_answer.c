/*
 * fuzz_http_answer.c - libFuzzer target for cio_http_whole() (client_io.c):
 * the server's answer after the handshake, read to decide whether an HTTP
 * response is whole (headers, Content-Length).  Input: the answer's bytes
 * as the engine read them.  The seed corpus (tests/corpus/http_answer)
 * holds answers of Apache and openssl s_server -www.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/client/client_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so a read past them is caught. */
	unsigned char *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);
	(void)cio_http_whole(p, size);
	free(p);
	return 0;
}
