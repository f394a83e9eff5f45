/*
 * watch.h - connections decoded as they happen: a live capture (pcap_io)
 * of one TCP port feeding the decoder's flow table, so each connection is
 * handed over, fully decoded and diagnosed, the moment it closes.  'tlsdiag
 * serve' prints them; the capture is also written to a pcap when asked.
 *
 *   struct watch *w = watch_start(&opts, &why, err, sizeof err);
 *   poll watch_fd(w) ... watch_poll(w);     emit runs for each closed connection
 *   watch_stop(w);                          emits those still open, frees w
 */
#ifndef TLSDIAG_DECODE_WATCH_H
#define TLSDIAG_DECODE_WATCH_H

#include "harness/decode/pcap_io.h"
#include "harness/decode/tls_conn.h"

#include <stddef.h>
#include <stdint.h>

struct watch;

struct watch_opts {
	const char *iface; /* NULL: "lo" */
	uint16_t port; /* the server's port: every connection to it is read as TLS */
	const char *pcap_path; /* NULL: none written */
	void (*emit)(void *ctx, struct tls_conn *c); /* must not keep c */
	void *ctx;
};

/* NULL with *why (PCAP_IO_PERM: capture not permitted) and err set. */
struct watch *watch_start(const struct watch_opts *o, enum pcap_io_err *why, char *err, size_t errlen);
/* Readable when frames wait: then call watch_poll. */
int watch_fd(const struct watch *w);
/* Decodes what the kernel holds, without blocking.  0, or -1 when the capture failed (err set). */
int watch_poll(struct watch *w, char *err, size_t errlen);
/* Emits every connection still open (as the capture ended), stops and frees w. */
void watch_stop(struct watch *w);

#endif
