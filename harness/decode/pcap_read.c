/*
 * pcap_read.c - reading capture files (the offline half of pcap_io.h),
 * pcap and pcapng, without libpcap.
 *
 * Why not libpcap: it cannot hand over pcapng Decryption Secrets Blocks,
 * refuses a pcapng whose interfaces have different link types (Wireshark
 * writes those when capturing on "lo" and "any" at once), and copies every
 * frame twice (kernel to stdio buffer, stdio buffer to its own).
 *
 * How it reads: a regular file is mapped whole (MAP_PRIVATE, read only,
 * MADV_SEQUENTIAL) and frames point into the mapping, no copy at all; the
 * pages already read are given back every few MiB (MADV_DONTNEED: they stay
 * in the page cache), so the file never shows in our RSS.  Anything else (a
 * pipe) is read in large read()s into a buffer that grows to the largest
 * block.  (A mapped file that another process truncates while we read it
 * would fault; captures are written once, not cut in place.)  Either way every header and block body is parsed through struct
 * cursor, in the byte order the file was written in.
 *
 * Formats: the classic pcap file (tcpdump's pcap-savefile(5): usec and nsec
 * magic, both byte orders, Kuznetzov's modified records) and pcapng
 * (draft-ietf-opsawg-pcapng: SHB in both byte orders and new sections, IDB
 * with its link type, snaplen, if_tsresol and if_tsoffset, EPB, SPB, OPB,
 * DSB; NRB, ISB, custom and unknown blocks are skipped).  Limits follow
 * libpcap's: a frame of at most 256 KiB captured (a larger caplen is a
 * damaged file), longer frames cut to the snaplen, a block of at most
 * 16 MiB (a DSB: 64 MiB, and at most the caller's secrets budget copied).  A damaged or cut record ends the frames: the
 * caller gets "capture truncated after frame N (why)".
 */
#include "harness/decode/pcap_io.h"

#include "harness/core/cursor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CAPLEN 262144u /* libpcap's max_snaplen_for_dlt() for the link types we read */
#define MAX_BLOCK (16u * 1024 * 1024)
#define MAX_DSB (64u * 1024 * 1024)
#define MAX_SECRETS_READ ((size_t)64 * 1024 * 1024) /* DSB bytes read from one file, unless the caller sets less */
#define READ_CHUNK (1024 * 1024)
#define DROP_EVERY (1024u * 1024) /* mapped bytes read before they are given back (the peak RSS: see docs/performance.md) */
#define MAX_IFACES 4096

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_MAGIC_KUZNETZOV 0xa1b2cd34u
#define NG_SHB 0x0a0d0d0au
#define NG_BOM 0x1a2b3c4du
#define NG_IDB 1u
#define NG_OPB 2u /* obsolete Packet Block */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_DSB 10u
#define OPT_END 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

/* LINKTYPE_ values as written in files (tcpdump.org/linktypes.html), and ours. */
static const struct {
	uint32_t linktype;
	enum link_type link;
} file_links[] = {
	{ 0, LINK_NULL },	 { 1, LINK_EN10MB }, { 101, LINK_RAW },	 { 108, LINK_LOOP },
	{ 113, LINK_LINUX_SLL }, { 228, LINK_IPV4 }, { 229, LINK_IPV6 }, { 276, LINK_LINUX_SLL2 },
};

struct iface {
	enum link_type link;
	uint16_t linktype; /* as in the file, for messages */
	uint32_t snaplen;
	bool binary; /* if_tsresol: units of 2^-exp s, else 10^-exp s */
	uint8_t exp;
	int64_t offset; /* if_tsoffset, seconds */
};

struct secret {
	uint32_t type;
	uint8_t *data;
	size_t len;
};

struct pcap_reader {
	int fd;
	bool mapped;
	const uint8_t *base; /* the mapping, or buf */
	size_t size; /* bytes at base: the file, or what buf holds */
	size_t pos; /* next unread byte, from base */
	size_t dropped; /* mapped bytes before this were given back */
	size_t consumed; /* read mode: bytes dropped off buf's front, for messages */
	uint8_t *buf;
	size_t cap;
	bool eof;
	bool ng, le; /* pcapng; the current section is little-endian */
	/* classic pcap */
	enum link_type link;
	uint32_t snaplen;
	bool nsec, kuznetzov;
	/* pcapng: the current section's interfaces */
	struct iface *ifs;
	size_t n_ifs, cap_ifs;
	struct secret *sec;
	size_t n_sec, sec_taken;
	size_t sec_read, sec_budget; /* DSB bytes copied so far, and the most we copy (the caller's memory) */
	uint64_t secrets_dropped, secrets_dropped_bytes; /* DSBs refused past sec_budget, and their bytes */
	uint64_t frames;
};

static enum link_type link_from_file(uint32_t lt)
{
	for (size_t i = 0; i < sizeof file_links / sizeof file_links[0]; i++)
		if (file_links[i].linktype == lt)
			return file_links[i].link;
	return LINK_UNSUPPORTED;
}

uint32_t pcap_io_linktype_of(enum link_type link)
{
	for (size_t i = 0; i < sizeof file_links / sizeof file_links[0]; i++)
		if (file_links[i].link == link)
			return file_links[i].linktype;
	return UINT32_MAX;
}

static uint32_t swap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* Integers in the file's byte order, through the cursor. */
static bool rd_u32(struct cursor *c, bool le, uint32_t *out)
{
	if (!cursor_u32(c, out))
		return false;
	if (le)
		*out = swap32(*out);
	return true;
}

static bool rd_u16(struct cursor *c, bool le, uint16_t *out)
{
	if (!cursor_u16(c, out))
		return false;
	if (le)
		*out = (uint16_t)((*out >> 8) | (*out << 8));
	return true;
}

/* --- The window over the file --- */

/*
 * Makes n bytes from pos readable; false when the file has fewer left
 * (errno 0) or a read failed (errno set).
 */
static bool win_need(struct pcap_reader *r, size_t n)
{
	errno = 0;
	if (r->size - r->pos >= n)
		return true;
	if (r->mapped || r->eof)
		return false;
	size_t keep = r->size - r->pos;
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, keep);
		r->consumed += r->pos;
		r->pos = 0;
		r->size = keep;
	}
	if (n > r->cap) {
		size_t cap = n > READ_CHUNK ? n : READ_CHUNK;
		uint8_t *b = realloc(r->buf, cap);
		if (!b)
			return false;
		r->buf = b;
		r->cap = cap;
	}
	r->base = r->buf;
	while (r->size < n) {
		ssize_t got = read(r->fd, r->buf + r->size, r->cap - r->size);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r->eof = true;
			return false;
		}
		r->size += (size_t)got;
	}
	errno = 0;
	return true;
}

/* The file offset of pos, for messages. */
static unsigned long long win_offset(const struct pcap_reader *r)
{
	return (unsigned long long)(r->consumed + r->pos);
}

/* Gives back the mapped pages read so far (the frames handed out before are no longer valid). */
static void win_release(struct pcap_reader *r)
{
	long page = sysconf(_SC_PAGESIZE);
	if (!r->mapped || page <= 0 || r->pos - r->dropped < DROP_EVERY)
		return;
	size_t upto = r->pos & ~((size_t)page - 1);
	madvise((void *)(r->base + r->dropped), upto - r->dropped, MADV_DONTNEED);
	r->dropped = upto;
}

/* --- Opening --- */

static enum pcap_io_err open_source(struct pcap_reader *r, const char *path, char *err, size_t errlen)
{
	struct stat st;

	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return PCAP_IO_MISSING;
	}
	if (fstat(r->fd, &st) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return PCAP_IO_MISSING;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is a directory, not a capture file", path);
		return PCAP_IO_MISSING;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "%s is empty, not a capture file", path);
		return PCAP_IO_NOT_CAPTURE;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size <= SIZE_MAX) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, r->fd, 0);
		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			r->mapped = true;
			r->base = m;
			r->size = (size_t)st.st_size;
		}
	}
	return PCAP_IO_OK;
}

/* The classic header (pcap-savefile(5)): magic, version, zone, sigfigs, snaplen, linktype. */
static enum pcap_io_err open_pcap(struct pcap_reader *r, uint32_t magic, const char *path, char *err, size_t errlen)
{
	struct cursor c;
	uint16_t major, minor;
	uint32_t zone, sigfigs, lt;

	if (!win_need(r, 24)) {
		snprintf(err, errlen, "%s is truncated: it ends inside its pcap file header (%zu of 24 bytes)", path,
			 r->size - r->pos);
		return PCAP_IO_TRUNCATED;
	}
	r->le = swap32(magic) == PCAP_MAGIC_USEC || swap32(magic) == PCAP_MAGIC_NSEC ||
		swap32(magic) == PCAP_MAGIC_KUZNETZOV;
	magic = r->le ? swap32(magic) : magic;
	r->nsec = magic == PCAP_MAGIC_NSEC;
	r->kuznetzov = magic == PCAP_MAGIC_KUZNETZOV;
	c = cursor_make(r->base + r->pos + 4, 20);
	if (!rd_u16(&c, r->le, &major) || !rd_u16(&c, r->le, &minor) || !rd_u32(&c, r->le, &zone) ||
	    !rd_u32(&c, r->le, &sigfigs) || !rd_u32(&c, r->le, &r->snaplen) || !rd_u32(&c, r->le, &lt))
		return PCAP_IO_FAILED; /* cannot happen: 24 bytes are there */
	if (major != 2) {
		snprintf(err, errlen, "%s is not a pcap or pcapng capture file (pcap version %u.%u)", path, major,
			 minor);
		return PCAP_IO_NOT_CAPTURE;
	}
	r->pos += 24;
	if (r->snaplen == 0 || r->snaplen > MAX_CAPLEN)
		r->snaplen = MAX_CAPLEN;
	r->link = link_from_file(lt & 0xffff);
	if (r->link == LINK_UNSUPPORTED) {
		snprintf(err, errlen, "%s: unsupported link type %u (%s)", path, lt & 0xffff,
			 pcap_io_linktype_name(lt & 0xffff));
		return PCAP_IO_UNSUPPORTED_LINK;
	}
	return PCAP_IO_OK;
}

enum ng_rc {
	NG_MORE = 2, /* a block that is not a packet: read on */
	NG_FRAME = 1,
	NG_END = 0, /* the end of the file, between blocks */
	NG_BAD = -1,
};

static enum ng_rc ng_block(struct pcap_reader *r, struct pcap_frame *f, char *why, size_t whylen);

/* pcapng: the SHB, then blocks up to the first IDB, which names the file's link type. */
static enum pcap_io_err open_pcapng(struct pcap_reader *r, const char *path, char *err, size_t errlen)
{
	char why[160] = "";

	r->ng = true;
	if (!win_need(r, 28)) {
		snprintf(err, errlen, "%s is truncated: it ends inside its pcapng Section Header Block (%zu of 28 bytes)", path,
			 r->size - r->pos);
		return PCAP_IO_TRUNCATED;
	}
	while (r->n_ifs == 0) {
		enum ng_rc rc = ng_block(r, NULL, why, sizeof why);
		if (rc == NG_BAD && strstr(why, "ends inside")) {
			snprintf(err, errlen, "%s is truncated: %s, before any packet", path, why);
			return PCAP_IO_TRUNCATED;
		}
		if (rc == NG_BAD) {
			snprintf(err, errlen, "%s is not a pcap or pcapng capture file (damaged header: %s)", path, why);
			return PCAP_IO_NOT_CAPTURE;
		}
		if (rc == NG_END) {
			snprintf(err, errlen, "%s is not a usable pcapng capture file (no Interface Description Block)",
				 path);
			return PCAP_IO_NOT_CAPTURE;
		}
	}
	r->link = r->ifs[0].link;
	if (r->link == LINK_UNSUPPORTED) {
		snprintf(err, errlen, "%s: unsupported link type %u (%s)", path, r->ifs[0].linktype,
			 pcap_io_linktype_name(r->ifs[0].linktype));
		return PCAP_IO_UNSUPPORTED_LINK;
	}
	return PCAP_IO_OK;
}

enum pcap_io_err pcap_io_open_offline(const char *path, struct pcap_reader **out, char *err, size_t errlen)
{
	return pcap_io_open_offline_budget(path, MAX_SECRETS_READ, out, err, errlen);
}

enum pcap_io_err pcap_io_open_offline_budget(const char *path, size_t secrets_budget, struct pcap_reader **out,
					     char *err, size_t errlen)
{
	enum pcap_io_err rc;
	struct cursor c;
	uint32_t magic = 0;

	*out = NULL;
	struct pcap_reader *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return PCAP_IO_FAILED;
	}
	r->fd = -1;
	r->sec_budget = secrets_budget < MAX_SECRETS_READ ? secrets_budget : MAX_SECRETS_READ;
	rc = open_source(r, path, err, errlen);
	if (rc != PCAP_IO_OK)
		goto out;
	if (!win_need(r, 4)) {
		snprintf(err, errlen, "%s is truncated: it ends inside its capture file header (%zu bytes)", path, r->size);
		rc = r->size ? PCAP_IO_TRUNCATED : PCAP_IO_NOT_CAPTURE;
		if (!r->size)
			snprintf(err, errlen, "%s is empty, not a capture file", path);
		goto out;
	}
	c = cursor_make(r->base + r->pos, 4);
	(void)cursor_u32(&c, &magic);
	if (magic == NG_SHB)
		rc = open_pcapng(r, path, err, errlen);
	else if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC || magic == PCAP_MAGIC_KUZNETZOV ||
		 swap32(magic) == PCAP_MAGIC_USEC || swap32(magic) == PCAP_MAGIC_NSEC ||
		 swap32(magic) == PCAP_MAGIC_KUZNETZOV)
		rc = open_pcap(r, magic, path, err, errlen);
	else {
		snprintf(err, errlen, "%s is not a pcap or pcapng capture file (unknown magic number 0x%08x)", path,
			 magic);
		rc = PCAP_IO_NOT_CAPTURE;
	}
	if (rc == PCAP_IO_OK && r->ng && r->link == LINK_UNSUPPORTED)
		rc = PCAP_IO_UNSUPPORTED_LINK;
out:
	if (rc != PCAP_IO_OK) {
		pcap_io_close(r);
		return rc;
	}
	*out = r;
	return PCAP_IO_OK;
}

enum link_type pcap_io_link(const struct pcap_reader *r)
{
	return r->link;
}

/* --- Classic pcap records --- */

static int pcap_record(struct pcap_reader *r, struct pcap_frame *f, char *why, size_t whylen)
{
	size_t hlen = r->kuznetzov ? 24 : 16;
	uint32_t sec, frac, caplen, len;
	struct cursor c;

	if (!win_need(r, 1))
		return errno ? (snprintf(why, whylen, "read: %s", strerror(errno)), -1) : 0;
	if (!win_need(r, hlen)) {
		snprintf(why, whylen, "the file ends inside the record header of frame %llu",
			 (unsigned long long)r->frames + 1);
		return -1;
	}
	c = cursor_make(r->base + r->pos, hlen);
	if (!rd_u32(&c, r->le, &sec) || !rd_u32(&c, r->le, &frac) || !rd_u32(&c, r->le, &caplen) ||
	    !rd_u32(&c, r->le, &len))
		return -1;
	if (caplen > MAX_CAPLEN) {
		snprintf(why, whylen, "frame %llu claims %u bytes captured, more than %u",
			 (unsigned long long)r->frames + 1, caplen, MAX_CAPLEN);
		return -1;
	}
	if (!win_need(r, hlen + caplen)) {
		snprintf(why, whylen, "the file ends inside frame %llu", (unsigned long long)r->frames + 1);
		return -1;
	}
	c = cursor_make(r->base + r->pos + hlen, caplen);
	r->pos += hlen + caplen;
	if (!cursor_bytes(&c, caplen, &f->data))
		return -1;
	f->ts_sec = sec;
	f->ts_usec = (int32_t)(r->nsec ? frac / 1000 : frac);
	f->caplen = caplen > r->snaplen ? r->snaplen : caplen; /* libpcap cuts to the header's snaplen */
	f->len = len;
	f->link = r->link;
	return 1;
}

/* --- pcapng blocks --- */

/* Seconds and microseconds from a timestamp in the interface's units. */
static void ng_time(const struct iface *ifc, uint64_t t, struct pcap_frame *f)
{
	uint64_t sec, frac, usec;
	if (ifc->binary) {
		sec = ifc->exp >= 64 ? 0 : t >> ifc->exp;
		frac = ifc->exp >= 64 ? t : t & ((UINT64_C(1) << ifc->exp) - 1);
		if (ifc->exp <= 44)
			usec = (frac * 1000000) >> ifc->exp;
		else
			usec = ((frac >> (ifc->exp - 44)) * 1000000) >> 44;
	} else {
		uint64_t ups = 1;
		for (uint8_t i = 0; i < ifc->exp; i++)
			ups *= 10;
		sec = t / ups;
		frac = t % ups;
		if (ifc->exp >= 6) {
			uint64_t d = 1;
			for (uint8_t i = 6; i < ifc->exp; i++)
				d *= 10;
			usec = frac / d;
		} else {
			usec = frac * (1000000 / ups);
		}
	}
	if (sec > (uint64_t)INT64_MAX / 2) /* past any real time; keeps the offset's sum in range */
		sec = (uint64_t)INT64_MAX / 2;
	f->ts_sec = (int64_t)sec + ifc->offset;
	f->ts_usec = (int32_t)usec;
}

/* The IDB's options: if_tsresol and if_tsoffset matter to us. */
static bool ng_idb_options(struct cursor *c, bool le, struct iface *ifc, char *why, size_t whylen)
{
	while (!cursor_empty(c)) {
		uint16_t code, len;
		struct cursor v;
		if (!rd_u16(c, le, &code) || !rd_u16(c, le, &len) || !cursor_sub(c, len, &v) ||
		    !cursor_skip(c, (4 - len % 4) % 4)) {
			snprintf(why, whylen, "an Interface Description Block's options are cut");
			return false;
		}
		if (code == OPT_END)
			break;
		if (code == OPT_IF_TSRESOL && len == 1) {
			uint8_t b = 0;
			(void)cursor_u8(&v, &b);
			ifc->binary = (b & 0x80) != 0;
			ifc->exp = b & 0x7f;
			if ((!ifc->binary && ifc->exp > 19) || (ifc->binary && ifc->exp > 63)) {
				snprintf(why, whylen, "if_tsresol 0x%02x is out of range", b);
				return false;
			}
		} else if (code == OPT_IF_TSOFFSET && len == 8) {
			uint32_t a, b;
			(void)rd_u32(&v, le, &a);
			(void)rd_u32(&v, le, &b);
			int64_t off = (int64_t)(le ? ((uint64_t)b << 32 | a) : ((uint64_t)a << 32 | b));
			/* seconds, signed; a value past 2^32 s is not a clock offset and is left out */
			ifc->offset = off >= -(INT64_C(1) << 32) && off <= (INT64_C(1) << 32) ? off : 0;
		}
	}
	return true;
}

static bool ng_idb(struct pcap_reader *r, struct cursor *c, char *why, size_t whylen)
{
	struct iface ifc = { .exp = 6 };
	uint16_t lt, reserved;

	if (!rd_u16(c, r->le, &lt) || !rd_u16(c, r->le, &reserved) || !rd_u32(c, r->le, &ifc.snaplen)) {
		snprintf(why, whylen, "an Interface Description Block is too short");
		return false;
	}
	if (!ng_idb_options(c, r->le, &ifc, why, whylen))
		return false;
	if (ifc.snaplen == 0 || ifc.snaplen > MAX_CAPLEN)
		ifc.snaplen = MAX_CAPLEN;
	ifc.link = link_from_file(lt);
	ifc.linktype = lt;
	if (r->n_ifs == r->cap_ifs) {
		size_t cap = r->cap_ifs ? r->cap_ifs * 2 : 4;
		struct iface *n = r->n_ifs < MAX_IFACES ? realloc(r->ifs, cap * sizeof *n) : NULL;
		if (!n) {
			snprintf(why, whylen, "more than %d interfaces", MAX_IFACES);
			return false;
		}
		r->ifs = n;
		r->cap_ifs = cap;
	}
	r->ifs[r->n_ifs++] = ifc;
	return true;
}

/* A new section: its byte order from the byte-order magic, and no interfaces yet. */
static bool ng_shb(struct pcap_reader *r, struct cursor *c, char *why, size_t whylen)
{
	uint32_t bom;
	uint16_t major, minor;
	if (!cursor_u32(c, &bom) || (bom != NG_BOM && swap32(bom) != NG_BOM)) {
		snprintf(why, whylen, "a Section Header Block without its byte-order magic");
		return false;
	}
	r->le = bom != NG_BOM;
	if (!rd_u16(c, r->le, &major) || !rd_u16(c, r->le, &minor) || major != 1) {
		snprintf(why, whylen, "pcapng version %u is not 1", major);
		return false;
	}
	r->n_ifs = 0;
	return true;
}

static bool ng_secret(struct pcap_reader *r, struct cursor *c, char *why, size_t whylen)
{
	uint32_t type, len;
	const uint8_t *p;
	if (!rd_u32(c, r->le, &type) || !rd_u32(c, r->le, &len) || !cursor_bytes(c, len, &p)) {
		snprintf(why, whylen, "a Decryption Secrets Block's length lies");
		return false;
	}
	/* Counted over the whole file: what the caller parses from the copies stays with it after they are freed. */
	if (len > r->sec_budget - r->sec_read) {
		r->secrets_dropped++;
		r->secrets_dropped_bytes += len;
		return true;
	}
	struct secret *n = realloc(r->sec, (r->n_sec + 1) * sizeof *n);
	if (!n)
		return false;
	r->sec = n;
	n[r->n_sec].type = type;
	n[r->n_sec].len = len;
	n[r->n_sec].data = malloc(len ? len : 1);
	if (!n[r->n_sec].data)
		return false;
	if (len)
		memcpy(n[r->n_sec].data, p, len);
	r->n_sec++;
	r->sec_read += len;
	return true;
}

/* EPB, SPB and OPB: which interface, when, how much. */
static enum ng_rc ng_packet(struct pcap_reader *r, uint32_t type, struct cursor *c, struct pcap_frame *f, char *why,
			    size_t whylen)
{
	uint32_t ifid = 0, hi = 0, lo = 0, caplen, len;
	uint16_t id16, drops;
	bool ok;

	if (type == NG_SPB) {
		ok = rd_u32(c, r->le, &len);
		caplen = ok ? (uint32_t)(cursor_left(c) < len ? cursor_left(c) : len) : 0;
	} else if (type == NG_OPB) {
		ok = rd_u16(c, r->le, &id16) && rd_u16(c, r->le, &drops) && rd_u32(c, r->le, &hi) &&
		     rd_u32(c, r->le, &lo) && rd_u32(c, r->le, &caplen) && rd_u32(c, r->le, &len);
		ifid = ok ? id16 : 0;
	} else {
		ok = rd_u32(c, r->le, &ifid) && rd_u32(c, r->le, &hi) && rd_u32(c, r->le, &lo) &&
		     rd_u32(c, r->le, &caplen) && rd_u32(c, r->le, &len);
	}
	if (!ok) {
		snprintf(why, whylen, "a packet block is too short");
		return NG_BAD;
	}
	if (ifid >= r->n_ifs) {
		snprintf(why, whylen, "a packet on interface %u, which no Interface Description Block describes",
			 ifid);
		return NG_BAD;
	}
	const struct iface *ifc = &r->ifs[ifid];
	if (caplen > MAX_CAPLEN || !cursor_bytes(c, caplen, &f->data)) {
		snprintf(why, whylen, "frame %llu claims %u bytes captured, more than its block holds",
			 (unsigned long long)r->frames + 1, caplen);
		return NG_BAD;
	}
	ng_time(ifc, (uint64_t)hi << 32 | lo, f);
	f->caplen = caplen > ifc->snaplen ? ifc->snaplen : caplen;
	f->len = len;
	f->link = ifc->link;
	return NG_FRAME;
}

/*
 * One block: its header and trailer checked, its body through a cursor.
 * f NULL (opening): a packet is refused, since no interface is known yet.
 */
static enum ng_rc ng_block(struct pcap_reader *r, struct pcap_frame *f, char *why, size_t whylen)
{
	uint32_t type, total, trailer;
	struct cursor c;
	enum ng_rc rc = NG_MORE;

	if (!win_need(r, 1)) {
		if (errno)
			snprintf(why, whylen, "read: %s", strerror(errno));
		return errno ? NG_BAD : NG_END;
	}
	if (!win_need(r, 12)) {
		snprintf(why, whylen, "the file ends inside a block header at offset %llu", win_offset(r));
		return NG_BAD;
	}
	c = cursor_make(r->base + r->pos, 12);
	(void)cursor_u32(&c, &type);
	if (type == NG_SHB) { /* the byte order comes from the SHB's own magic, 8 bytes in */
		uint32_t bom;
		struct cursor b = cursor_make(r->base + r->pos + 8, 4);
		(void)cursor_u32(&b, &bom);
		r->le = bom != NG_BOM;
	}
	type = r->le ? swap32(type) : type;
	(void)rd_u32(&c, r->le, &total);
	if (total < 12 || total % 4 || total > (type == NG_DSB ? MAX_DSB : MAX_BLOCK)) {
		snprintf(why, whylen, "a block of type 0x%08x at offset %llu has a length of %u", type,
			 win_offset(r), total);
		return NG_BAD;
	}
	if (!win_need(r, total)) {
		snprintf(why, whylen, "the file ends inside a block of %u bytes at offset %llu", total,
			 win_offset(r));
		return NG_BAD;
	}
	c = cursor_make(r->base + r->pos + total - 4, 4);
	(void)rd_u32(&c, r->le, &trailer);
	if (trailer != total) {
		snprintf(why, whylen, "a block at offset %llu says %u bytes at its start and %u at its end",
			 win_offset(r), total, trailer);
		return NG_BAD;
	}
	c = cursor_make(r->base + r->pos + 8, total - 12);
	switch (type) {
	case NG_SHB:
		rc = ng_shb(r, &c, why, whylen) ? NG_MORE : NG_BAD;
		break;
	case NG_IDB:
		rc = ng_idb(r, &c, why, whylen) ? NG_MORE : NG_BAD;
		break;
	case NG_DSB:
		rc = ng_secret(r, &c, why, whylen) ? NG_MORE : NG_BAD;
		break;
	case NG_EPB:
	case NG_SPB:
	case NG_OPB:
		if (!f) {
			snprintf(why, whylen, "a packet before any Interface Description Block");
			rc = NG_BAD;
			break;
		}
		rc = ng_packet(r, type, &c, f, why, whylen);
		break;
	default: /* NRB, ISB, custom, and block types we do not know: skipped */
		break;
	}
	if (rc != NG_BAD)
		r->pos += total;
	return rc;
}

static int pcapng_record(struct pcap_reader *r, struct pcap_frame *f, char *why, size_t whylen)
{
	enum ng_rc rc;
	while ((rc = ng_block(r, f, why, whylen)) == NG_MORE)
		;
	return rc;
}

/* Frees the secrets already taken: their data was valid until this call. */
static void secrets_forget_taken(struct pcap_reader *r)
{
	if (!r->sec_taken)
		return;
	for (size_t i = 0; i < r->sec_taken; i++)
		free(r->sec[i].data);
	memmove(r->sec, r->sec + r->sec_taken, (r->n_sec - r->sec_taken) * sizeof *r->sec);
	r->n_sec -= r->sec_taken;
	r->sec_taken = 0;
}

int pcap_io_next(struct pcap_reader *r, struct pcap_frame *f, char *err, size_t errlen)
{
	char why[200] = "";
	int rc;

	secrets_forget_taken(r);
	win_release(r);
	memset(f, 0, sizeof *f);
	rc = r->ng ? pcapng_record(r, f, why, sizeof why) : pcap_record(r, f, why, sizeof why);
	if (rc == 1) {
		f->frame = ++r->frames;
		return 1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "capture truncated after frame %llu (%s)", (unsigned long long)r->frames,
			 why[0] ? why : "a damaged record");
		return -1;
	}
	return 0;
}

int pcap_io_next_secrets(struct pcap_reader *r, uint32_t *type, const uint8_t **data, size_t *len)
{
	if (r->sec_taken >= r->n_sec)
		return 0;
	const struct secret *s = &r->sec[r->sec_taken++];
	*type = s->type;
	*data = s->data;
	*len = s->len;
	return 1;
}

void pcap_io_secrets_refused(const struct pcap_reader *r, uint64_t *blocks, uint64_t *bytes)
{
	*blocks = r->secrets_dropped;
	*bytes = r->secrets_dropped_bytes;
}

void pcap_io_close(struct pcap_reader *r)
{
	if (!r)
		return;
	if (r->mapped)
		munmap((void *)r->base, r->size);
	if (r->fd >= 0)
		close(r->fd);
	for (size_t i = 0; i < r->n_sec; i++)
		free(r->sec[i].data);
	free(r->sec);
	free(r->ifs);
	free(r->buf);
	free(r);
}
