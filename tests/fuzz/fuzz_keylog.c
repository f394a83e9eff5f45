/*
 * fuzz_keylog.c - libFuzzer target for the NSS key log parser: any bytes
 * as a key log (a file or a pcapng DSB), then a lookup of every label for
 * the first 32 bytes as a client random.  Seeds: tests/corpus/keylog/
 * (the key logs of tests/data/tls_decrypt).
 */
#include <stdint.h>
#include <string.h>

#include "harness/decode/keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t random[32] = { 0 };
	size_t len;
	struct keylog *kl = keylog_new();
	if (!kl)
		return 0;
	keylog_add_text(kl, data, size, "fuzz");
	memcpy(random, data, size < 32 ? size : 32);
	for (int l = 0; l < KEYLOG_LABELS; l++)
		keylog_find(kl, (enum keylog_label)l, random, &len);
	for (size_t i = 0; keylog_problem(kl, i); i++)
		(void)strlen(keylog_problem(kl, i));
	keylog_free(kl);
	return 0;
}
