/*
 * pcap_writer.h - TEMPORARY home of the libpcap writer and live-capture
 * functions the capture module needs.  They belong in decode/pcap_io.{c,h}
 * (the one file that owns libpcap, STYLE.md section 6) and move there once
 * that file is in main:
 *   - pcap_io_writer_*: added to pcap_io as they are;
 *   - pcapw_live_*: map onto pcap_io's struct pcap_live, which needs two
 *     small additions: the descriptor to poll, and a per-frame "tap"
 *     callback that sees each frame and decides whether it is written.
 * The pcapw_ prefix keeps these apart from pcap_io's own pcap_io_live_*.
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
struct pcapw_live;

enum pcapw_live_fail {
	PCAPW_LIVE_FAIL_NONE = 0,
	PCAPW_LIVE_FAIL_PERM, /* not permitted: not root and no CAP_NET_RAW */
	PCAPW_LIVE_FAIL_IFACE, /* no such interface */
	PCAPW_LIVE_FAIL_FILTER, /* the filter does not compile */
	PCAPW_LIVE_FAIL_OTHER,
};

/*
 * Opens iface in immediate, non-blocking mode and installs filter; when it
 * returns, packets matching the filter are being kept for the caller.
 * NULL with *why and err set on failure.
 */
struct pcapw_live *pcapw_live_open(const char *iface, const char *filter, enum pcapw_live_fail *why,
				       char *err, size_t errlen);
/* A descriptor to poll() for readability before pcapw_live_dispatch(). */
int pcapw_live_fd(const struct pcapw_live *l);
int pcapw_live_linktype(const struct pcapw_live *l);

typedef void (*pcap_io_packet_fn)(void *ctx, const struct timeval *ts, const uint8_t *p, size_t caplen,
				  size_t wirelen);
/* Hands every packet already waiting to fn; the count, or -1 on error (err set). Never blocks. */
int pcapw_live_dispatch(struct pcapw_live *l, pcap_io_packet_fn fn, void *ctx, char *err, size_t errlen);
/* Packets the kernel passed the filter and packets it dropped (buffer full, interface). 0 or -1. */
int pcapw_live_stats(struct pcapw_live *l, uint64_t *received, uint64_t *dropped);
void pcapw_live_close(struct pcapw_live *l);

#endif
