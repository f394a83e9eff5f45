/*
 * fuzz_fault.c - libFuzzer target for network fault specs and the framing
 * follower (capture/fault.c): a scenario's `network =` value or
 * 'serve --network', then bytes as the relay reads them from a socket.
 *
 * Input: up to the first NUL, the spec; after it, the stream: byte 0 says
 * which side (even: client, odd: server) and byte 1 the read size (1..256),
 * the rest is the data, scanned in reads of that size.  Besides the
 * sanitizers it checks fault_parse()'s promises: a refused spec leaves the
 * set empty with a reason, an accepted one formats back to text that parses
 * to the same set; and fault_scan()'s: the cut is never past the read, and
 * once a trigger fired nothing fires again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/capture/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fault_set fs, again;
	char spec[FAULT_SPEC_MAX + 2], text[1024], why[256];
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	struct fault_state *st;
	struct fault_hit hit;
	size_t off, step, cut;
	int side, fired = 0;

	if (n >= sizeof spec)
		return 0;
	memcpy(spec, data, n);
	spec[n] = '\0';
	why[0] = '\0';
	if (fault_parse(spec, &fs, why, sizeof why) != 0) {
		if (fs.n != 0 || !why[0])
			abort();
		return 0;
	}
	fault_format(&fs, text, sizeof text);
	if (fault_parse(text, &again, why, sizeof why) != 0 || again.n != fs.n)
		abort();
	for (size_t i = 0; i < fs.n; i++)
		if (again.f[i].kind != fs.f[i].kind || again.f[i].point != fs.f[i].point || again.f[i].n != fs.f[i].n ||
		    again.f[i].side != fs.f[i].side || again.f[i].patlen != fs.f[i].patlen)
			abort();
	if (!nul || size - n < 3)
		return 0;
	data = nul + 1;
	size -= n + 1;
	side = data[0] & 1;
	step = (size_t)data[1] + 1;
	if (!(st = fault_state_new(&fs)))
		return 0;
	fired = fault_on_connect(st, &hit);
	for (off = 2; off < size; off += step) {
		size_t len = size - off < step ? size - off : step;

		if (fault_scan(st, side, data + off, len, &cut, &hit)) {
			if (fired || cut > len || !hit.f)
				abort();
			fired = 1;
		} else if (cut != len) {
			abort();
		}
	}
	fault_state_free(st);
	return 0;
}
