/*
 * pcap_io.h - reading capture files, capturing live and writing capture
 * files: the one module that includes libpcap (STYLE.md section 6).
 * Everything else sees frames as bytes with a frame number and a link type
 * of our own (packet.h).  Three sections: offline reading, live capture,
 * and the writer for frames we build ourselves (the recording relay).
 */
#ifndef TLSDIAG_DECODE_PCAP_IO_H
#define TLSDIAG_DECODE_PCAP_IO_H

#include "harness/decode/packet.h"

#include <stdbool.h>
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

/* One captured frame.  data holds caplen bytes and is valid until the next read (or the tap returns). */
struct pcap_frame {
	uint64_t frame; /* 1-based, as Wireshark numbers them */
	int64_t ts_sec;
	int32_t ts_usec;
	uint32_t caplen; /* bytes in the file */
	uint32_t len; /* bytes on the wire */
	const uint8_t *data;
	enum link_type link; /* this frame's: pcapng interfaces may differ (a capture on "lo" and "any") */
};

struct pcap_reader;

/* --- Reading a capture file --- */

/*
 * Reading is pcap_read.c (pcap and pcapng through the cursor, no libpcap).
 * Opens a pcap or pcapng file (or a pipe).  On failure *out is NULL and err holds one line.
 */
enum pcap_io_err pcap_io_open_offline(const char *path, struct pcap_reader **out, char *err, size_t errlen);
/*
 * The same, copying at most secrets_budget bytes of Decryption Secrets
 * Blocks from the whole file (pcap_io_open_offline: 64 MiB, also the most
 * here); a DSB that does not fit is skipped whole and counted
 * (pcap_io_secrets_refused), so a hostile capture costs no more than that.
 */
enum pcap_io_err pcap_io_open_offline_budget(const char *path, size_t secrets_budget, struct pcap_reader **out,
					     char *err, size_t errlen);
/* The link type of the file (pcapng: of its first interface); each frame carries its own. */
enum link_type pcap_io_link(const struct pcap_reader *r);
/*
 * The next frame: 1 read, 0 end of file, -1 the file is damaged or cut
 * after the frames read so far; err then says "capture truncated after
 * frame N (...)" and the frames before stay valid.
 */
int pcap_io_next(struct pcap_reader *r, struct pcap_frame *f, char *err, size_t errlen);
/*
 * The pcapng Decryption Secrets Blocks read so far and not yet taken, in
 * file order: 1 and *type (PCAP_IO_SECRETS_TLS = TLS key log), *data, *len
 * (valid until the next pcap_io_next); 0 when none is waiting.  Call it
 * after opening (a DSB before the first IDB is read then) and after each
 * pcap_io_next, whatever that returned: a DSB is read with the blocks
 * before the next frame (or before the end).  At most the secrets
 * budget (64 MiB) of DSB bytes is copied from a file; further DSBs are skipped.
 */
#define PCAP_IO_SECRETS_TLS 0x544c534bu
int pcap_io_next_secrets(struct pcap_reader *r, uint32_t *type, const uint8_t **data, size_t *len);
/* The DSBs skipped so far because they did not fit the secrets budget, and their bytes. */
void pcap_io_secrets_refused(const struct pcap_reader *r, uint64_t *blocks, uint64_t *bytes);
void pcap_io_close(struct pcap_reader *r);
/* The LINKTYPE_ value a file writes for link (pcapng_dsb.c writes frames read here), UINT32_MAX for none. */
uint32_t pcap_io_linktype_of(enum link_type link);
/* libpcap's name for a LINKTYPE_ value of a file ("IEEE802_11"), or "unknown"; for messages. */
const char *pcap_io_linktype_name(uint32_t linktype);

/* --- Live capture into a pcap file --- */
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
/*
 * The same with the kernel ring's size in bytes (pcap_io_live_open: 8 MiB).
 * On Linux each slot of the ring holds one frame of up to the interface's
 * largest (lo: 64 KiB and more), so the ring holds about buffer / 64 KiB
 * frames not yet read, whatever their size.  dump_path NULL: nothing is
 * written; the tap sees every frame (a caller that writes them itself).
 */
enum pcap_io_err pcap_io_live_open_buffer(const char *ifname, const char *filter, const char *dump_path,
					  size_t buffer, struct pcap_live **out, char *err, size_t errlen);
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

/*
 * For a caller that follows one connection as it happens (capture/live.c):
 * a tap sees each captured frame before it is written and returns true to
 * write it, false to leave it out.  It runs inside poll/drain, in the
 * caller's thread; f->frame counts every frame captured, written or not.
 */
typedef bool (*pcap_io_live_tap)(void *ctx, const struct pcap_frame *f);
void pcap_io_live_set_tap(struct pcap_live *l, pcap_io_live_tap fn, void *ctx);
/* A descriptor to poll() for readability; pcap_io_live_poll(l, 0) then reads what is ready. */
int pcap_io_live_fd(const struct pcap_live *l);
enum link_type pcap_io_live_link(const struct pcap_live *l);
/* One line on why the last poll or drain returned -1 ("" before any failure). */
const char *pcap_io_live_error(const struct pcap_live *l);

/* --- Writing a capture file of frames we build (pcap_open_dead + pcap_dump) --- */
struct pcap_io_writer;

/* A classic pcap file of link type lt at path; NULL with err set on failure. */
struct pcap_io_writer *pcap_io_writer_open(const char *path, enum link_type lt, char *err, size_t errlen);
/* Writes f (ts, caplen bytes of data, len on the wire; f->frame is ignored).  0, or -1 when it does not fit. */
int pcap_io_writer_write(struct pcap_io_writer *w, const struct pcap_frame *f);
/* Flushes and closes; 0, or -1 when a write failed at any point (err set).  NULL is a no-op. */
int pcap_io_writer_close(struct pcap_io_writer *w, char *err, size_t errlen);

#endif
