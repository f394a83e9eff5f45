/*
 * fuzz_pcap_read.c - libFuzzer target for the offline reader alone
 * (pcap_read.c): the input is a pcap or pcapng file in a memfd, read
 * through /proc/self/fd/N (mapped) or, when byte 0 is odd, through a pipe
 * (the read() path); every frame is touched and every secret taken, so
 * ASan sees any pointer that leaves the file.
 *
 * Seeds (tests/corpus/pcap_read): the real captures of tests/data/captures,
 * pcap and pcapng, two link types, a DSB.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness/decode/pcap_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sink ^= p[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcap_reader *r = NULL;
	struct pcap_frame f;
	const uint8_t *sec;
	uint32_t type;
	size_t len;
	char err[512], path[64];
	int fd = -1, fds[2] = { -1, -1 };

	if (size < 1 || size > 60000)
		return 0;
	if (data[0] & 1) { /* a pipe holds 64 KiB: the whole input fits, written before reading */
		if (pipe(fds) < 0)
			return 0;
		if (write(fds[1], data + 1, size - 1) != (ssize_t)(size - 1))
			goto out;
		close(fds[1]);
		fds[1] = -1;
		fd = fds[0];
	} else {
		fd = memfd_create("fuzz_pcap_read", 0);
		if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
			goto out;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (pcap_io_open_offline(path, &r, err, sizeof err) != PCAP_IO_OK)
		goto out;
	for (;;) {
		int n = pcap_io_next(r, &f, err, sizeof err);
		while (pcap_io_next_secrets(r, &type, &sec, &len) == 1)
			touch(sec, len);
		if (n != 1)
			break;
		touch(f.data, f.caplen);
	}
out:
	pcap_io_close(r);
	if (fd >= 0)
		close(fd);
	if (fds[1] >= 0)
		close(fds[1]);
	return 0;
}
