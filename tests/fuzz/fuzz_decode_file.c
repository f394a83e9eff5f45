/*
 * fuzz_decode_file.c - libFuzzer target for the whole decode path: the
 * input is written to a memfd and given, as /proc/self/fd/N, to
 * decode_file() - libpcap's pcap/pcapng reader (pcap_io.c), link layers,
 * IP, TCP reassembly, the flow table, TLS, the diagnosis and the JSON and
 * text reports, exactly as 'tlsdiag decode FILE' runs them.
 *
 * Input: byte 0 bit 0 picks JSON or text, bit 1 --port 443 or detection by
 * content; the rest is the file.  The seed corpus (tests/corpus/decode_file)
 * holds the real captures of tests/data/captures as pcap and pcapng.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness/decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decode_opts o = { .format = DECODE_FORMAT_TEXT };
	struct decode_stats st;
	char err[512], path[64];
	FILE *null = NULL;
	int fd;

	if (size < 1)
		return 0;
	o.format = data[0] & 1 ? DECODE_FORMAT_JSON : DECODE_FORMAT_TEXT;
	o.port = data[0] & 2 ? 443 : 0;
	o.max_buffered = data[0] & 4 ? 4096 : 0;
	fd = memfd_create("fuzz_decode_file", 0);
	if (fd < 0)
		return 0;
	for (size_t off = 1; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	null = fopen("/dev/null", "w");
	if (!null)
		goto out;
	(void)decode_file(path, &o, null, &st, err, sizeof err);
out:
	if (null)
		fclose(null);
	close(fd);
	return 0;
}
