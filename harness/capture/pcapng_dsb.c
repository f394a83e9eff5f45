/*
 * pcapng_dsb.c - a capture rewritten as pcapng with a TLS key log in a
 * Decryption Secrets Block (see pcapng_dsb.h).
 *
 * How this works: the frames are read back with the decoder's reader
 * (pcap_io), so any capture we wrote will do.  The file is a Section
 * Header Block, then the DSB (before any packet, as editcap places it, so
 * a reader has the keys before the first record), then per frame an
 * Enhanced Packet Block, with an Interface Description Block written the
 * first time a link type appears.  Every block is written through one
 * bounded buffer; lengths are checked before anything is written, and all
 * numbers are in this host's order, which the byte-order magic declares.
 */
#include "harness/capture/pcapng_dsb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/decode/pcap_io.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BT_DSB 0x0000000Au
#define SECRETS_TLS 0x544c534bu /* "TLSK": an NSS key log */
#define KEYLOG_MAX (64u << 20)
#define IFACES_MAX 8

struct ngw {
	int fd;
	uint8_t buf[64 * 1024];
	size_t n;
	bool failed;
};

static void w_flush(struct ngw *w)
{
	size_t off = 0;
	while (!w->failed && off < w->n) {
		ssize_t k = write(w->fd, w->buf + off, w->n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			w->failed = true;
		else
			off += (size_t)k;
	}
	w->n = 0;
}

static void w_bytes(struct ngw *w, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n && !w->failed) {
		size_t room = sizeof w->buf - w->n, k = n < room ? n : room;
		memcpy(w->buf + w->n, b, k);
		w->n += k;
		b += k;
		n -= k;
		if (w->n == sizeof w->buf)
			w_flush(w);
	}
}

static void w_u32(struct ngw *w, uint32_t v)
{
	w_bytes(w, &v, sizeof v);
}

static void w_u16(struct ngw *w, uint16_t v)
{
	w_bytes(w, &v, sizeof v);
}

/* Data then zero padding to 32 bits (every block body is). */
static void w_padded(struct ngw *w, const void *p, size_t n)
{
	static const uint8_t zero[4];
	w_bytes(w, p, n);
	w_bytes(w, zero, (4 - n % 4) % 4);
}

static uint32_t padded_len(size_t n)
{
	return (uint32_t)((n + 3) & ~(size_t)3);
}

static void w_shb(struct ngw *w)
{
	w_u32(w, BT_SHB);
	w_u32(w, 28);
	w_u32(w, 0x1A2B3C4Du); /* byte-order magic */
	w_u16(w, 1);
	w_u16(w, 0);
	w_u32(w, UINT32_MAX); /* section length unknown (-1, 64 bits) */
	w_u32(w, UINT32_MAX);
	w_u32(w, 28);
}

static void w_idb(struct ngw *w, uint32_t linktype)
{
	w_u32(w, BT_IDB);
	w_u32(w, 20);
	w_u16(w, (uint16_t)linktype);
	w_u16(w, 0);
	w_u32(w, 0); /* snaplen: no limit; timestamps in microseconds, the default if_tsresol */
	w_u32(w, 20);
}

static void w_dsb(struct ngw *w, const uint8_t *keys, size_t n)
{
	uint32_t total = 20 + padded_len(n);
	w_u32(w, BT_DSB);
	w_u32(w, total);
	w_u32(w, SECRETS_TLS);
	w_u32(w, (uint32_t)n);
	w_padded(w, keys, n);
	w_u32(w, total);
}

static void w_epb(struct ngw *w, uint32_t ifc, const struct pcap_frame *f)
{
	uint32_t total = 32 + padded_len(f->caplen);
	uint64_t ts = (uint64_t)f->ts_sec * 1000000u + (uint64_t)(f->ts_usec < 0 ? 0 : f->ts_usec);
	w_u32(w, BT_EPB);
	w_u32(w, total);
	w_u32(w, ifc);
	w_u32(w, (uint32_t)(ts >> 32));
	w_u32(w, (uint32_t)ts);
	w_u32(w, f->caplen);
	w_u32(w, f->len);
	w_padded(w, f->data, f->caplen);
	w_u32(w, total);
}

/* The key log, whole (it is small: a few lines per connection). NULL with err. */
static uint8_t *read_keylog(const char *path, size_t *n, char *err, size_t errlen)
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > KEYLOG_MAX) {
		snprintf(err, errlen, "cannot read the key log %s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file of at most 64 MiB");
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	while (buf && have < (size_t)sb.st_size) {
		ssize_t k = read(fd, buf + have, (size_t)sb.st_size - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
	}
	if (!buf || have != (size_t)sb.st_size) {
		snprintf(err, errlen, "cannot read the key log %s", path);
		free(buf);
		buf = NULL;
	}
	*n = have;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

int pcapng_dsb_write(const char *pcap_path, const char *keylog_path, const char *out_path, char *err,
		     size_t errlen)
{
	struct pcap_reader *r = NULL;
	struct ngw *w = NULL;
	struct pcap_frame f;
	uint32_t ifaces[IFACES_MAX];
	size_t n_if = 0, keys_len = 0;
	char why[256] = "";
	int rc = -1, more;
	uint8_t *keys = read_keylog(keylog_path, &keys_len, err, errlen);

	if (!keys)
		return -1;
	if (pcap_io_open_offline(pcap_path, &r, err, errlen) != PCAP_IO_OK)
		goto out;
	w = malloc(sizeof *w);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	w->n = 0;
	w->failed = false;
	w->fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", out_path, strerror(errno));
		goto out;
	}
	w_shb(w);
	w_dsb(w, keys, keys_len);
	while ((more = pcap_io_next(r, &f, why, sizeof why)) == 1) {
		uint32_t lt = pcap_io_linktype_of(f.link), ifc = 0;
		while (ifc < n_if && ifaces[ifc] != lt)
			ifc++;
		if (lt == UINT32_MAX || (ifc == n_if && n_if == IFACES_MAX)) {
			snprintf(err, errlen, "%s: frame %llu has a link type pcapng_dsb does not write", pcap_path,
				 (unsigned long long)f.frame);
			goto out;
		}
		if (ifc == n_if) {
			ifaces[n_if++] = lt;
			w_idb(w, lt);
		}
		w_epb(w, ifc, &f);
	}
	if (more < 0) {
		snprintf(err, errlen, "%s", why);
		goto out;
	}
	w_flush(w);
	/* No fsync: a run, or a probe, syncs its dir once before its reports (run/outdir.h outdir_sync). */
	if (w->failed) {
		snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno ? errno : EIO));
		goto out;
	}
	rc = 0;
out:
	if (w && w->fd >= 0) {
		if (close(w->fd) != 0 && rc == 0) {
			snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(out_path);
	}
	free(w);
	if (r)
		pcap_io_close(r);
	free(keys);
	return rc;
}
