/*
 * pcap_io.h - reading capture files and capturing live: the one module
 * that includes libpcap (STYLE.md section 6).  Everything else sees frames
 * as bytes with a frame number and a link type of our own (packet.h).
 */
#ifndef TLSDIAG_DECODE_PCAP_IO_H
#define TLSDIAG_DECODE_PCAP_IO_H

#include "harness/decode/packet.h"

#include <stddef.h>
#include <stdint.h>

enum pcap_io_err {
	PCAP_IO_OK = 0,
	PCAP_IO_MISSING, /* the file does not exist or cannot be read */
	PCAP_IO_NOT_CAPTURE, /* neither pcap nor pcapng, or a damaged file header */
	PCAP_IO_TRUNCATED, /* the file ends inside its header */
	PCAP_IO_UNSUPPORTED_LINK, /* a capture of a link type packet.c does not read */
	PCAP_IO_PERM, /* live capture needs root or CAP_NET_RAW: the caller may fall back */
	PCAP_IO_FAILED, /* anything else; the message says what */
};

/* One captured frame.  data holds caplen bytes and is valid until the next read. */
struct pcap_frame {
	uint64_t frame; /* 1-based, as Wireshark numbers them */
	int64_t ts_sec;
	int32_t ts_usec;
	uint32_t caplen; /* bytes in the file */
	uint32_t len; /* bytes on the wire */
	const uint8_t *data;
};

struct pcap_reader;

/* Opens a pcap or pcapng file.  On failure *out is NULL and err holds one line. */
enum pcap_io_err pcap_io_open_offline(const char *path, struct pcap_reader **out, char *err, size_t errlen);
enum link_type pcap_io_link(const struct pcap_reader *r);
/*
 * The next frame: 1 read, 0 end of file, -1 the file is damaged or cut
 * after the frames read so far; err then says "capture truncated after
 * frame N (...)" and the frames before stay valid.
 */
int pcap_io_next(struct pcap_reader *r, struct pcap_frame *f, char *err, size_t errlen);
void pcap_io_close(struct pcap_reader *r);

/* Live capture into a pcap file. */
struct pcap_live;

struct pcap_live_stats {
	uint64_t written; /* frames written to the dump file */
	uint64_t received; /* pcap_stats ps_recv */
	uint64_t dropped; /* ps_drop: the buffer was full */
	uint64_t if_dropped; /* ps_ifdrop: the interface dropped them */
};

/*
 * Starts capturing on ifname (e.g. "lo") with a BPF filter (e.g.
 * "tcp port 4433"; NULL or "" for all) into dump_path.  The capture is
 * running when this returns: traffic sent afterwards is seen.
 * PCAP_IO_PERM when the process may not capture.
 */
enum pcap_io_err pcap_io_live_open(const char *ifname, const char *filter, const char *dump_path,
				   struct pcap_live **out, char *err, size_t errlen);
/* Waits up to timeout_ms for frames and writes all that are ready.  Frames written, or -1. */
int pcap_io_live_poll(struct pcap_live *l, int timeout_ms);
/*
 * Writes frames until none has come for quiet_ms, or max_ms passed.
 * Frames written, or -1.  Call after the traffic of interest is over.
 */
int pcap_io_live_drain(struct pcap_live *l, int quiet_ms, int max_ms);
int pcap_io_live_stats(struct pcap_live *l, struct pcap_live_stats *st);
/* Flushes and closes the dump file; 0 or -1 on a write error.  Always frees l. */
int pcap_io_live_close(struct pcap_live *l);

#endif
