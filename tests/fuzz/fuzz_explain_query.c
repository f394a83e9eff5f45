/*
 * fuzz_explain_query.c - libFuzzer target for what 'tlsdiag explain' reads
 * from a user (explain_query.c): pasted log lines, mbedtls_strerror()
 * texts, numbers in every form, with or without --stack (and a library
 * version).
 *
 * Input: byte 0 picks the --stack (0: none), the rest is the text.  Besides
 * the sanitizers it checks the query's promises: hits come best rank first,
 * every hit is a row of the stack asked for, and a lookup by the hit's own
 * code finds a row of that stack.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/explain/explain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const stacks[] = { NULL,	     "mbedtls",	     "mbedtls@3",   "mbedtls@2.28.3", "cc3200",
				      "cc3200@1.9.1", "wolfssl@2",    "axtls",	     "bearssl",	      "openssl",
				      "mbedtls-verify", "openssl-get-error", "tls-alert", "mbedtls@0" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[700];
	struct explain_hit hits[32];
	const char *stack;
	size_t n;
	if (size < 1)
		return 0;
	stack = stacks[data[0] % (sizeof stacks / sizeof stacks[0])];
	size--;
	if (size >= sizeof text)
		size = sizeof text - 1;
	memcpy(text, data + 1, size);
	text[size] = '\0';
	n = explain_query(text, stack, hits, 32);
	if (n > 32)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!hits[i].row || !hits[i].why)
			abort();
		if (i && hits[i].rank < hits[i - 1].rank)
			abort();
		if (stack && !explain_row_in_stack(hits[i].row, stack))
			abort();
		if (!hits[i].row->other_version && !explain_find(hits[i].row->stack, hits[i].row->code))
			abort();
	}
	/* The tables and the composed rows stay loaded across inputs (reachable: no leak to LSan);
	   freeing and reloading them per input made the target 40 times slower. */
	return 0;
}
