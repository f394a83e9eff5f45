/*
 * pcap_writer.c - TEMPORARY: the libpcap writer and live capture used by the
 * capture module, until decode/pcap_io.c (the one file owning libpcap) is in
 * main; then these functions move there unchanged.  See pcap_writer.h.
 *
 * Live capture on Linux: libpcap opens a PF_PACKET socket with a TPACKET_V3
 * ring.  Immediate mode makes each packet readable as soon as it is in the
 * ring (no block timeout), and libpcap drops the loopback copies marked
 * PACKET_OUTGOING so each packet on "lo" is seen once.  pcap_setfilter()
 * attaches the BPF program to the socket and flushes what came in before it,
 * so once open() returns only matching packets are kept.
 */
#include "harness/capture/pcap_writer.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pcap_io_writer {
	pcap_t *dead;
	pcap_dumper_t *dumper;
};

struct pcap_io_writer *pcap_io_writer_open(const char *path, int linktype, char *err, size_t errlen)
{
	struct pcap_io_writer *w = calloc(1, sizeof *w);

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->dead = pcap_open_dead(linktype, PCAP_IO_SNAPLEN);
	if (!w->dead) {
		snprintf(err, errlen, "pcap_open_dead(%d) failed", linktype);
		goto fail;
	}
	w->dumper = pcap_dump_open(w->dead, path);
	if (!w->dumper) {
		snprintf(err, errlen, "cannot write %s: %s", path, pcap_geterr(w->dead));
		goto fail;
	}
	return w;
fail:
	if (w->dead)
		pcap_close(w->dead);
	free(w);
	return NULL;
}

int pcap_io_writer_write(struct pcap_io_writer *w, const struct timeval *ts, const uint8_t *p, size_t caplen,
			 size_t wirelen)
{
	struct pcap_pkthdr h;

	if (caplen > PCAP_IO_SNAPLEN || wirelen < caplen || wirelen > UINT32_MAX)
		return -1;
	memset(&h, 0, sizeof h);
	h.ts = *ts;
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)wirelen;
	pcap_dump((u_char *)w->dumper, &h, p);
	return 0;
}

int pcap_io_writer_close(struct pcap_io_writer *w, char *err, size_t errlen)
{
	int rc = 0;

	if (!w)
		return 0;
	if (pcap_dump_flush(w->dumper) != 0 || ferror(pcap_dump_file(w->dumper))) {
		snprintf(err, errlen, "writing the capture file failed");
		rc = -1;
	}
	pcap_dump_close(w->dumper);
	pcap_close(w->dead);
	free(w);
	return rc;
}

struct pcapw_live {
	pcap_t *p;
	int fd;
};

static enum pcapw_live_fail live_fail_of(int status)
{
	switch (status) {
	case PCAP_ERROR_PERM_DENIED:
		return PCAPW_LIVE_FAIL_PERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return PCAPW_LIVE_FAIL_IFACE;
	default:
		return PCAPW_LIVE_FAIL_OTHER;
	}
}

struct pcapw_live *pcapw_live_open(const char *iface, const char *filter, enum pcapw_live_fail *why,
				       char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct pcapw_live *l = calloc(1, sizeof *l);
	int rc;

	*why = PCAPW_LIVE_FAIL_OTHER;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->p = pcap_create(iface, ebuf);
	if (!l->p) {
		snprintf(err, errlen, "pcap_create(%s): %s", iface, ebuf);
		goto fail;
	}
	/* Whole frames; immediate delivery; a ring big enough for a bulk transfer. */
	if (pcap_set_snaplen(l->p, PCAP_IO_SNAPLEN) != 0 || pcap_set_immediate_mode(l->p, 1) != 0 ||
	    pcap_set_buffer_size(l->p, 8 << 20) != 0 || pcap_set_timeout(l->p, 100) != 0) {
		snprintf(err, errlen, "cannot configure capture on %s", iface);
		goto fail;
	}
	rc = pcap_activate(l->p);
	if (rc < 0) {
		*why = live_fail_of(rc);
		snprintf(err, errlen, "capture on %s: %s", iface, pcap_geterr(l->p));
		goto fail;
	}
	if (pcap_compile(l->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		*why = PCAPW_LIVE_FAIL_FILTER;
		snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(l->p));
		goto fail;
	}
	rc = pcap_setfilter(l->p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		*why = PCAPW_LIVE_FAIL_FILTER;
		snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(l->p));
		goto fail;
	}
	if (pcap_setnonblock(l->p, 1, ebuf) != 0) {
		snprintf(err, errlen, "non-blocking capture: %s", ebuf);
		goto fail;
	}
	l->fd = pcap_get_selectable_fd(l->p);
	if (l->fd < 0) {
		snprintf(err, errlen, "capture on %s offers no descriptor to poll", iface);
		goto fail;
	}
	*why = PCAPW_LIVE_FAIL_NONE;
	return l;
fail:
	if (l->p)
		pcap_close(l->p);
	free(l);
	return NULL;
}

int pcapw_live_fd(const struct pcapw_live *l)
{
	return l->fd;
}

int pcapw_live_linktype(const struct pcapw_live *l)
{
	return pcap_datalink(l->p);
}

struct live_cb {
	pcap_io_packet_fn fn;
	void *ctx;
};

static void live_trampoline(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	const struct live_cb *cb = (const struct live_cb *)user;

	cb->fn(cb->ctx, &h->ts, bytes, h->caplen, h->len);
}

int pcapw_live_dispatch(struct pcapw_live *l, pcap_io_packet_fn fn, void *ctx, char *err, size_t errlen)
{
	struct live_cb cb = { fn, ctx };
	int n = pcap_dispatch(l->p, -1, live_trampoline, (u_char *)&cb);

	if (n < 0) {
		snprintf(err, errlen, "capture: %s", pcap_geterr(l->p));
		return -1;
	}
	return n;
}

int pcapw_live_stats(struct pcapw_live *l, uint64_t *received, uint64_t *dropped)
{
	struct pcap_stat st;

	if (pcap_stats(l->p, &st) != 0)
		return -1;
	*received = st.ps_recv;
	*dropped = (uint64_t)st.ps_drop + st.ps_ifdrop;
	return 0;
}

void pcapw_live_close(struct pcapw_live *l)
{
	if (!l)
		return;
	pcap_close(l->p);
	free(l);
}
