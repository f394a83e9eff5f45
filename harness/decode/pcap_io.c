/*
 * pcap_io.c - the one file that includes libpcap (see pcap_io.h).
 *
 * Offline reading is not libpcap's (pcap_read.c says why); libpcap only
 * names the link types we do not read, for messages.
 *
 * Live: pcap_create + immediate mode + non-blocking, waited on with poll()
 * over pcap_get_selectable_fd(), so a drain is bounded in time and never
 * blocks in libpcap.  Frames go to a pcap_dump file, past an optional tap
 * that sees each one first.  On Linux libpcap opens a PF_PACKET socket with
 * a TPACKET_V3 ring; immediate mode makes each packet readable as soon as it
 * is in the ring, libpcap drops the loopback copies marked PACKET_OUTGOING
 * so each packet on "lo" is seen once, and pcap_setfilter() flushes what
 * came in before the filter, so once open returns only matching packets
 * are kept.
 *
 * Writer: pcap_open_dead() gives a handle of the wanted link type with no
 * interface behind it, and pcap_dump() writes the frames we build.
 */
#include "harness/decode/pcap_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pcap_dumper_t *pcap_io_dump_create(pcap_t *p, const char *path);

#define PCAP_IO_SNAPLEN 262144 /* whole frames up to 256 KiB, live and written */

#define LIVE_BUFFER (8 * 1024 * 1024)

struct pcap_live {
	pcap_t *p;
	pcap_dumper_t *d;
	int fd;
	enum link_type link;
	uint64_t seen, written;
	pcap_io_live_tap tap;
	void *tap_ctx;
	char err[256];
};

struct pcap_io_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
};

/* libpcap's DLT_ values and our link types, both ways. */
static const struct {
	int dlt;
	enum link_type link;
} dlt_links[] = {
	{ DLT_EN10MB, LINK_EN10MB },
	{ DLT_LINUX_SLL, LINK_LINUX_SLL },
#ifdef DLT_LINUX_SLL2
	{ DLT_LINUX_SLL2, LINK_LINUX_SLL2 },
#endif
	{ DLT_RAW, LINK_RAW },
#ifdef DLT_IPV4
	{ DLT_IPV4, LINK_IPV4 },
#endif
#ifdef DLT_IPV6
	{ DLT_IPV6, LINK_IPV6 },
#endif
	{ DLT_NULL, LINK_NULL },
#ifdef DLT_LOOP
	{ DLT_LOOP, LINK_LOOP },
#endif
};

static enum link_type link_from_dlt(int dlt)
{
	for (size_t i = 0; i < sizeof dlt_links / sizeof dlt_links[0]; i++)
		if (dlt_links[i].dlt == dlt)
			return dlt_links[i].link;
	return LINK_UNSUPPORTED;
}

static int dlt_from_link(enum link_type lt)
{
	for (size_t i = 0; i < sizeof dlt_links / sizeof dlt_links[0]; i++)
		if (dlt_links[i].link == lt)
			return dlt_links[i].dlt;
	return -1;
}

/* --- Reading a capture file: pcap_read.c; only the names of link types come from libpcap --- */

const char *pcap_io_linktype_name(uint32_t linktype)
{
	const char *name = pcap_datalink_val_to_name((int)(linktype & 0xffff));
	return name ? name : "unknown";
}

/* --- Live capture --- */

enum pcap_io_err pcap_io_live_open(const char *ifname, const char *filter, const char *dump_path,
				   struct pcap_live **out, char *err, size_t errlen)
{
	return pcap_io_live_open_buffer(ifname, filter, dump_path, LIVE_BUFFER, out, err, errlen);
}

enum pcap_io_err pcap_io_live_open_buffer(const char *ifname, const char *filter, const char *dump_path,
					  size_t buffer, struct pcap_live **out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct pcap_live *l;
	enum pcap_io_err rc = PCAP_IO_FAILED;
	int st;

	*out = NULL;
	l = calloc(1, sizeof *l);
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return PCAP_IO_FAILED;
	}
	l->p = pcap_create(ifname, ebuf);
	if (!l->p) {
		snprintf(err, errlen, "cannot capture on %s: %s", ifname, ebuf);
		goto out;
	}
	pcap_set_snaplen(l->p, PCAP_IO_SNAPLEN);
	pcap_set_promisc(l->p, 0);
	pcap_set_immediate_mode(l->p, 1);
	pcap_set_buffer_size(l->p, buffer > 0 && buffer <= INT_MAX ? (int)buffer : LIVE_BUFFER);
	st = pcap_activate(l->p);
	if (st < 0) {
		bool perm = st == PCAP_ERROR_PERM_DENIED || strstr(pcap_geterr(l->p), "not permitted");
		snprintf(err, errlen, "cannot capture on %s%s: %s (%s)", ifname,
			 perm ? " (needs root or CAP_NET_RAW)" : "", pcap_statustostr(st), pcap_geterr(l->p));
		rc = perm ? PCAP_IO_PERM : PCAP_IO_FAILED;
		goto out;
	}
	if (pcap_setnonblock(l->p, 1, ebuf) < 0) {
		snprintf(err, errlen, "cannot make the capture on %s non-blocking: %s", ifname, ebuf);
		goto out;
	}
	if (pcap_compile(l->p, &prog, filter ? filter : "", 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "bad capture filter '%s': %s", filter ? filter : "", pcap_geterr(l->p));
		goto out;
	}
	st = pcap_setfilter(l->p, &prog);
	pcap_freecode(&prog);
	if (st < 0) {
		snprintf(err, errlen, "cannot set capture filter '%s': %s", filter ? filter : "", pcap_geterr(l->p));
		goto out;
	}
	l->fd = pcap_get_selectable_fd(l->p);
	if (l->fd < 0) {
		snprintf(err, errlen, "capture on %s cannot be polled", ifname);
		goto out;
	}
	l->link = link_from_dlt(pcap_datalink(l->p));
	l->d = dump_path ? pcap_io_dump_create(l->p, dump_path) : NULL;
	if (dump_path && !l->d) {
		snprintf(err, errlen, "cannot write %s: %s", dump_path, strerror(errno));
		goto out;
	}
	*out = l;
	l = NULL;
	rc = PCAP_IO_OK;
out:
	if (l) {
		if (l->p)
			pcap_close(l->p);
		free(l);
	}
	return rc;
}

static void live_write(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct pcap_live *l = (struct pcap_live *)user;
	struct pcap_frame f = {
		.frame = ++l->seen,
		.ts_sec = h->ts.tv_sec,
		.ts_usec = (int32_t)h->ts.tv_usec,
		.caplen = h->caplen,
		.len = h->len,
		.data = data,
		.link = l->link,
	};

	if ((l->tap && !l->tap(l->tap_ctx, &f)) || !l->d)
		return;
	pcap_dump((u_char *)l->d, h, data);
	l->written++;
}

/* Writes every frame libpcap has ready, without blocking. */
static int live_dispatch(struct pcap_live *l)
{
	uint64_t before = l->written;
	int n;

	while ((n = pcap_dispatch(l->p, -1, live_write, (u_char *)l)) > 0)
		;
	if (n < 0) {
		snprintf(l->err, sizeof l->err, "capture: %s", pcap_geterr(l->p));
		return -1;
	}
	if (l->d && pcap_dump_flush(l->d) < 0) {
		snprintf(l->err, sizeof l->err, "writing the capture file: %s", strerror(errno));
		return -1;
	}
	return (int)(l->written - before);
}

/* poll() for up to timeout_ms: 1 readable, 0 timed out, -1 error. */
static int live_wait(struct pcap_live *l, int timeout_ms)
{
	struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);
	if (n < 0 && errno != EINTR)
		snprintf(l->err, sizeof l->err, "poll: %s", strerror(errno));
	if (n < 0)
		return errno == EINTR ? 1 : -1;
	return n > 0 ? 1 : 0;
}

int pcap_io_live_poll(struct pcap_live *l, int timeout_ms)
{
	if (live_wait(l, timeout_ms) < 0)
		return -1;
	return live_dispatch(l);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pcap_io_live_drain(struct pcap_live *l, int quiet_ms, int max_ms)
{
	long long end = now_ms() + max_ms;
	int total = 0;
	for (;;) {
		long long left = end - now_ms();
		if (left <= 0)
			break;
		int w = quiet_ms < left ? quiet_ms : (int)left;
		int ready = live_wait(l, w);
		int n = live_dispatch(l);
		if (ready < 0 || n < 0)
			return -1;
		total += n;
		if (!ready)
			break; /* quiet for quiet_ms */
	}
	return total;
}

int pcap_io_live_stats(struct pcap_live *l, struct pcap_live_stats *st)
{
	struct pcap_stat ps;
	memset(st, 0, sizeof *st);
	st->written = l->written;
	if (pcap_stats(l->p, &ps) < 0)
		return -1;
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->if_dropped = ps.ps_ifdrop;
	return 0;
}

int pcap_io_live_close(struct pcap_live *l)
{
	int rc = 0;
	if (!l)
		return 0;
	if (l->d) {
		rc = pcap_dump_flush(l->d);
		pcap_dump_close(l->d);
	}
	pcap_close(l->p);
	free(l);
	return rc < 0 ? -1 : 0;
}

void pcap_io_live_set_tap(struct pcap_live *l, pcap_io_live_tap fn, void *ctx)
{
	l->tap = fn;
	l->tap_ctx = ctx;
}

int pcap_io_live_fd(const struct pcap_live *l)
{
	return l->fd;
}

enum link_type pcap_io_live_link(const struct pcap_live *l)
{
	return l->link;
}

const char *pcap_io_live_error(const struct pcap_live *l)
{
	return l->err;
}

/* --- Writing a capture file of frames we build --- */

/*
 * A dump file for p at path: a new file (O_EXCL, 0600), never opened through
 * a symlink (O_NOFOLLOW), handed to libpcap as a FILE (pcap_dump_fopen).
 * NULL with errno set, or with p's error when libpcap refused it.
 */
static pcap_dumper_t *pcap_io_dump_create(pcap_t *p, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	pcap_dumper_t *d = f ? pcap_dump_fopen(p, f) : NULL;
	if (!d) {
		int e = errno;
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		if (fd >= 0)
			unlink(path);
		errno = e;
	}
	return d;
}

struct pcap_io_writer *pcap_io_writer_open(const char *path, enum link_type lt, char *err, size_t errlen)
{
	struct pcap_io_writer *w = NULL;
	int dlt = dlt_from_link(lt);

	if (dlt < 0) {
		snprintf(err, errlen, "cannot write a capture of link type %s", link_type_name(lt));
		return NULL;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->dead = pcap_open_dead(dlt, PCAP_IO_SNAPLEN);
	if (!w->dead) {
		snprintf(err, errlen, "pcap_open_dead(%s) failed", link_type_name(lt));
		goto fail;
	}
	w->d = pcap_io_dump_create(w->dead, path);
	if (!w->d) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	return w;
fail:
	if (w->dead)
		pcap_close(w->dead);
	free(w);
	return NULL;
}

int pcap_io_writer_write(struct pcap_io_writer *w, const struct pcap_frame *f)
{
	struct pcap_pkthdr h;

	if (f->caplen > PCAP_IO_SNAPLEN || f->len < f->caplen)
		return -1;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)f->ts_sec;
	h.ts.tv_usec = f->ts_usec;
	h.caplen = f->caplen;
	h.len = f->len;
	pcap_dump((u_char *)w->d, &h, f->data);
	return 0;
}

int pcap_io_writer_close(struct pcap_io_writer *w, char *err, size_t errlen)
{
	int rc = 0;

	if (!w)
		return 0;
	if (pcap_dump_flush(w->d) != 0 || ferror(pcap_dump_file(w->d))) {
		snprintf(err, errlen, "writing the capture file failed");
		rc = -1;
	}
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
	return rc;
}
