/*
 * watch.c - live decode of one port (see watch.h).
 *
 * The frames come from pcap_io's tap, in this thread, inside
 * pcap_io_live_poll(); each goes through packet_decode() and the flow table
 * exactly as a capture file's frames do in decode.c, so a connection seen
 * live is decoded and diagnosed as 'tlsdiag decode' would decode its pcap.
 */
#include "harness/decode/watch.h"

#include "harness/decode/flow.h"
#include "harness/decode/packet.h"

#include <stdio.h>
#include <stdlib.h>

struct watch {
	struct pcap_live *live;
	struct flow_table *flows;
	enum link_type link;
	struct pkt_meta last;
};

static bool watch_tap(void *ctx, const struct pcap_frame *f)
{
	struct watch *w = ctx;
	struct packet pkt;
	w->last.frame = f->frame;
	w->last.ts_sec = f->ts_sec;
	w->last.ts_usec = f->ts_usec;
	packet_decode(w->link, f->data, f->caplen, f->len, &pkt);
	flow_table_packet(w->flows, &pkt, &w->last);
	return true;
}

struct watch *watch_start(const struct watch_opts *o, enum pcap_io_err *why, char *err, size_t errlen)
{
	struct flow_opts fo = { .port = o->port };
	char filter[32];
	struct watch *w = calloc(1, sizeof *w);
	*why = PCAP_IO_FAILED;
	if (!w || !(w->flows = flow_table_new(&fo, o->emit, o->ctx))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	snprintf(filter, sizeof filter, "tcp port %u", o->port);
	/* 8 MiB of ring: a burst of about 128 frames of lo's size waits unread without a drop */
	*why = pcap_io_live_open_buffer(o->iface ? o->iface : "lo", filter, o->pcap_path, 8u << 20, &w->live, err,
					errlen);
	if (*why != PCAP_IO_OK)
		goto fail;
	w->link = pcap_io_live_link(w->live);
	pcap_io_live_set_tap(w->live, watch_tap, w);
	return w;
fail:
	if (w)
		flow_table_free(w->flows);
	free(w);
	return NULL;
}

int watch_fd(const struct watch *w)
{
	return pcap_io_live_fd(w->live);
}

int watch_poll(struct watch *w, char *err, size_t errlen)
{
	if (pcap_io_live_poll(w->live, 0) < 0) {
		snprintf(err, errlen, "live capture failed: %s", pcap_io_live_error(w->live));
		return -1;
	}
	return 0;
}

void watch_stop(struct watch *w)
{
	if (!w)
		return;
	/* what the kernel still holds, then the connections still open */
	pcap_io_live_drain(w->live, 50, 500);
	flow_table_finish(w->flows, &w->last);
	pcap_io_live_close(w->live);
	flow_table_free(w->flows);
	free(w);
}
