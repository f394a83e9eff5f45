/*
 * pcap_writer.h - TEMPORARY home of the libpcap writer and live-capture
 * functions the capture module needs.  They belong in decode/pcap_io.{c,h}
 * (the one file that owns libpcap, STYLE.md section 6); they live here only
 * until that file is in main, and move there unchanged (same names).
 */
#ifndef TLSDIAG_CAPTURE_PCAP_WRITER_H
#define TLSDIAG_CAPTURE_PCAP_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* Link-layer types, as pcap_datalink() returns them (tcpdump.org/linktypes.html). */
enum {
	PCAP_IO_DLT_EN10MB = 1, /* Ethernet; also Linux "lo" */
	PCAP_IO_DLT_RAW = 12, /* raw IPv4/IPv6 (DLT_RAW on Linux) */
	PCAP_IO_DLT_LINUX_SLL = 113, /* Linux "any", cooked v1 */
	PCAP_IO_DLT_LINUX_SLL2 = 276, /* Linux "any", cooked v2 */
};

/* The snapshot length of files and live handles: whole frames up to 256 KiB. */
#define PCAP_IO_SNAPLEN 262144

/* --- Writing a pcap file (pcap_open_dead + pcap_dump_open). --- */
struct pcap_io_writer;

struct pcap_io_writer *pcap_io_writer_open(const char *path, int linktype, char *err, size_t errlen);
/* One frame: caplen bytes at p, of a frame that was wirelen long. 0 or -1. */
int pcap_io_writer_write(struct pcap_io_writer *w, const struct timeval *ts, const uint8_t *p, size_t caplen,
			 size_t wirelen);
/* Flushes and closes; 0, or -1 when a write failed at any point (err set). NULL is a no-op. */
int pcap_io_writer_close(struct pcap_io_writer *w, char *err, size_t errlen);

/* --- Live capture (pcap_create + pcap_activate + a BPF filter). --- */
struct pcap_io_live;

enum pcap_io_live_fail {
	PCAP_IO_LIVE_FAIL_NONE = 0,
	PCAP_IO_LIVE_FAIL_PERM, /* not permitted: not root and no CAP_NET_RAW */
	PCAP_IO_LIVE_FAIL_IFACE, /* no such interface */
	PCAP_IO_LIVE_FAIL_FILTER, /* the filter does not compile */
	PCAP_IO_LIVE_FAIL_OTHER,
};

/*
 * Opens iface in immediate, non-blocking mode and installs filter; when it
 * returns, packets matching the filter are being kept for the caller.
 * NULL with *why and err set on failure.
 */
struct pcap_io_live *pcap_io_live_open(const char *iface, const char *filter, enum pcap_io_live_fail *why,
				       char *err, size_t errlen);
/* A descriptor to poll() for readability before pcap_io_live_dispatch(). */
int pcap_io_live_fd(const struct pcap_io_live *l);
int pcap_io_live_linktype(const struct pcap_io_live *l);

typedef void (*pcap_io_packet_fn)(void *ctx, const struct timeval *ts, const uint8_t *p, size_t caplen,
				  size_t wirelen);
/* Hands every packet already waiting to fn; the count, or -1 on error (err set). Never blocks. */
int pcap_io_live_dispatch(struct pcap_io_live *l, pcap_io_packet_fn fn, void *ctx, char *err, size_t errlen);
/* Packets the kernel passed the filter and packets it dropped (buffer full, interface). 0 or -1. */
int pcap_io_live_stats(struct pcap_io_live *l, uint64_t *received, uint64_t *dropped);
void pcap_io_live_close(struct pcap_io_live *l);

#endif
