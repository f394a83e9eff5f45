/*
 * decode.c - a capture file to a report (see decode.h).
 *
 * One pass over the frames, in file order: each frame is decoded to a
 * packet, each TCP packet goes to the flow table, and each connection is
 * reported the moment it is finished.  The JSON report is streamed
 * (struct jw, straight to the file, no tree), so memory stays flat and
 * nothing is allocated per value whatever the file's size.
 */
#include "harness/decode/decode.h"

#include "harness/core/json.h"
#include "harness/decode/keylog.h"
#include "harness/decode/packet.h"
#include "harness/decode/pcap_io.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DECODE_FIXED_MEMORY ((size_t)10 * 1024 * 1024)

/* The whole decode's budget (see run_frames). */
static size_t decode_budget(const struct decode_opts *o)
{
	return o->memory_budget ? o->memory_budget : FLOW_DEFAULT_BUDGET;
}

/*
 * The budget's share for the capture's Decryption Secrets Blocks: the bytes
 * copied from the file.  Their peak costs about 2.5 times that (the copy, the
 * key-log entries parsed from it and kept to the end, the mapped pages read:
 * a 4 MB DSB peaks at 10.7 MB over the process), so three shares are taken
 * off the connections': a hostile capture's DSBs cost at most 3/16 of it.
 */
static size_t decode_secrets_share(const struct decode_opts *o)
{
	return decode_budget(o) / 16;
}

static enum err_category decode_open(const char *path, const struct decode_opts *o, struct pcap_reader **r, char *err,
				     size_t errlen)
{
	if (pcap_io_open_offline_budget(path, decode_secrets_share(o), r, err, errlen) != PCAP_IO_OK)
		return ERR_INPUT;
	return ERR_NONE;
}

struct report {
	const char *path;
	const struct decode_opts *o;
	FILE *text; /* NULL: no text report */
	struct jw *jw; /* NULL: no JSON report */
	const struct decode_outputs *outs;
	struct decode_stats *st;
};

static void count_packet(struct decode_stats *st, enum decode_status ds, const struct packet *pkt, uint64_t frame)
{
	if (pkt->kind == PKT_TCP) {
		if (ds == DECODE_TRUNCATED)
			st->payload_cut++;
		return;
	}
	switch (ds) {
	case DECODE_MALFORMED:
		if (!st->malformed++) {
			st->first_malformed_frame = frame;
			st->first_malformed_why = pkt->why;
		}
		break;
	case DECODE_TRUNCATED:
		st->header_cut++;
		break;
	case DECODE_OK:
	default:
		if (pkt->kind == PKT_FRAGMENT)
			st->fragments++;
		else
			st->not_tcp++;
		break;
	}
}

/* The TLS key logs of the pcapng DSBs read so far into kl (the connections look their keys up at their ServerHello). */
static void take_secrets(struct pcap_reader *r, struct keylog *kl, struct decode_stats *st)
{
	const uint8_t *data;
	uint32_t type;
	size_t len;
	while (pcap_io_next_secrets(r, &type, &data, &len) == 1) {
		if (type != PCAP_IO_SECRETS_TLS)
			continue;
		size_t before = keylog_problem_count(kl);
		long added = keylog_add_text(kl, data, len, "the capture's DSB");
		st->dsb_blocks++;
		st->dsb_secrets += added > 0 ? (uint64_t)added : 0;
		st->dsb_problems += keylog_problem_count(kl) - before;
		if (!st->dsb_problem[0] && keylog_problem(kl, before))
			snprintf(st->dsb_problem, sizeof st->dsb_problem, "%s", keylog_problem(kl, before));
	}
}

/* Every frame of r through packet_decode and the flow table; closes r. */
static enum err_category run_frames(struct pcap_reader *r, const struct decode_opts *o,
				    void (*emit)(void *ctx, struct tls_conn *c), void *ctx, struct decode_stats *st,
				    char *err, size_t errlen)
{
	/*
	 * The budget is for the whole decode, as its peak RSS shows it: the process itself
	 * (code, libraries, the file's mapped window, the report's buffers: about 9 MB
	 * measured) is taken off before the connections get the rest.
	 */
	size_t budget = decode_budget(o);
	size_t flows = budget > 2 * DECODE_FIXED_MEMORY ? budget - DECODE_FIXED_MEMORY : budget / 2;
	/* Without --keylog, a log of our own for the capture's DSBs (none read: still no key log). */
	struct keylog *own = o->keylog ? NULL : keylog_new();
	struct flow_opts fo = { .port = o->port,
				.max_buffered = o->max_buffered,
				.memory_budget = flows - 3 * decode_secrets_share(o),
				.keylog = o->keylog ? o->keylog : own };
	struct pkt_meta m = { 0, 0, 0 };
	struct pcap_frame f;
	struct packet pkt;
	int n;

	struct flow_table *ft = fo.keylog ? flow_table_new(&fo, emit, ctx) : NULL;
	if (!ft) {
		snprintf(err, errlen, "out of memory");
		keylog_free(own);
		pcap_io_close(r);
		return ERR_INTERNAL;
	}
	take_secrets(r, o->keylog ? o->keylog : own, st);
	while ((n = pcap_io_next(r, &f, st->truncated_why, sizeof st->truncated_why)) == 1) {
		take_secrets(r, o->keylog ? o->keylog : own, st);
		st->frames++;
		if (f.link == LINK_UNSUPPORTED) { /* a pcapng interface of a link type we do not read */
			st->other_link++;
			continue;
		}
		m.frame = f.frame;
		m.ts_sec = f.ts_sec;
		m.ts_usec = f.ts_usec;
		enum decode_status ds = packet_decode(f.link, f.data, f.caplen, f.len, &pkt);
		count_packet(st, ds, &pkt, f.frame);
		flow_table_packet(ft, &pkt, &m);
	}
	st->truncated = n < 0;
	take_secrets(r, o->keylog ? o->keylog : own, st);
	pcap_io_secrets_refused(r, &st->dsb_refused_blocks, &st->dsb_refused_bytes);
	flow_table_finish(ft, &m);
	st->flows = *flow_table_stats(ft);
	st->memory_budget = budget;
	flow_table_free(ft);
	keylog_free(own);
	pcap_io_close(r);
	return ERR_NONE;
}

enum err_category decode_run(const char *path, const struct decode_opts *o,
			     void (*emit)(void *ctx, struct tls_conn *c), void *ctx, struct decode_stats *st,
			     char *err, size_t errlen)
{
	struct pcap_reader *r;
	memset(st, 0, sizeof *st);
	if (decode_open(path, o, &r, err, errlen) != ERR_NONE)
		return ERR_INPUT;
	return run_frames(r, o, emit, ctx, st, err, errlen);
}

static void note(struct jv *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct jv *notes, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	jv_push_str(notes, buf);
}

struct jv *decode_notes(const struct decode_stats *st)
{
	struct jv *notes = jv_array();
	const struct flow_stats *fs = &st->flows;
	if (st->truncated)
		note(notes, "%s: connections open at that point are cut short, not failed", st->truncated_why);
	if (!fs->connections)
		note(notes, "no TLS connection found in %llu frames", (unsigned long long)st->frames);
	if (st->payload_cut)
		note(notes, "%llu TCP segments were cut by the capture's snaplen: their missing bytes are gaps "
			    "(capture with a larger snaplen, e.g. tcpdump -s 0)",
		     (unsigned long long)st->payload_cut);
	if (st->header_cut)
		note(notes, "%llu frames were cut by the snaplen before their TCP header and were skipped",
		     (unsigned long long)st->header_cut);
	if (st->other_link)
		note(notes, "%llu frames from interfaces of a link type tlsdiag does not read were skipped",
		     (unsigned long long)st->other_link);
	if (st->fragments)
		note(notes, "%llu IP fragments were skipped (fragmented TCP is not reassembled)",
		     (unsigned long long)st->fragments);
	if (st->malformed)
		note(notes, "%llu malformed frames were skipped (first: frame %llu, %s)",
		     (unsigned long long)st->malformed, (unsigned long long)st->first_malformed_frame,
		     st->first_malformed_why ? st->first_malformed_why : "?");
	if (fs->gaps)
		note(notes, "the capture lost %llu bytes in %llu gaps inside TLS streams",
		     (unsigned long long)fs->gap_bytes, (unsigned long long)fs->gaps);
	if (fs->conflicts)
		note(notes, "%llu retransmissions carried bytes that differ from the first copy (the first was used)",
		     (unsigned long long)fs->conflicts);
	if (st->dsb_blocks)
		note(notes, "the capture carries %llu TLS secrets in %llu Decryption Secrets Block%s: used to decrypt",
		     (unsigned long long)st->dsb_secrets, (unsigned long long)st->dsb_blocks, st->dsb_blocks == 1 ? "" : "s");
	if (st->dsb_refused_blocks)
		note(notes,
		     "%llu bytes of Decryption Secrets Blocks beyond the memory budget were not read (%llu of %llu "
		     "blocks; raise it with --memory-budget)",
		     (unsigned long long)st->dsb_refused_bytes, (unsigned long long)st->dsb_refused_blocks,
		     (unsigned long long)(st->dsb_refused_blocks + st->dsb_blocks));
	if (st->dsb_problems)
		note(notes, "%llu lines of the capture's key log did not parse (first: %s)",
		     (unsigned long long)st->dsb_problems, st->dsb_problem);
	if (fs->not_tls)
		note(notes, "%llu TCP connections without TLS were ignored", (unsigned long long)fs->not_tls);
	if (fs->evicted)
		note(notes,
		     "memory budget of %zu MB reached (from frame %llu): %llu idle connections (%llu kB) were "
		     "reported before they ended, least recently active first, and their later packets ignored "
		     "(raise it with --memory-budget)",
		     (st->memory_budget ? st->memory_budget : fs->memory_budget) / (1024 * 1024),
		     (unsigned long long)fs->evicted_first_frame,
		     (unsigned long long)fs->evicted, (unsigned long long)(fs->evicted_bytes / 1024));
	return notes;
}

static void report_conn(void *ctx, struct tls_conn *c)
{
	struct report *rp = ctx;
	bool failed, alerts;
	if (rp->o->server_log || rp->o->client_error)
		tls_conn_hints(c, rp->o->server_log, rp->o->client_error);
	tls_conn_facts(c, &failed, &alerts);
	rp->st->connections++;
	rp->st->failed += failed;
	rp->st->with_alerts += alerts;
	if (rp->o->collect)
		jv_push(rp->o->collect, tls_conn_to_json(c));
	if (rp->jw)
		tls_conn_write_json(rp->jw, NULL, c);
	if (rp->text) {
		if (rp->st->connections > 1)
			fputc('\n', rp->text);
		tls_conn_print_text_ex(rp->text, c, rp->o->verbose);
	}
	if (rp->outs->emit)
		rp->outs->emit(rp->outs->ctx, c);
	if (rp->o->flush_each) {
		if (rp->jw)
			jw_flush_out(rp->jw);
		if (rp->text)
			fflush(rp->text);
	}
}

static void write_summary(struct jw *w, const struct decode_stats *st)
{
	jw_object(w, "summary");
	jw_int(w, "frames", (long long)st->frames);
	jw_int(w, "connections", (long long)st->connections);
	jw_int(w, "failed", (long long)st->failed);
	jw_int(w, "with_alerts", (long long)st->with_alerts);
	jw_bool(w, "truncated", st->truncated);
	jw_end(w);
}

static void print_text_tail(FILE *out, const struct decode_stats *st, const struct jv *notes)
{
	if (st->connections)
		fputc('\n', out);
	fprintf(out, "%llu connection%s, %llu failed, %llu with alerts%s\n", (unsigned long long)st->connections,
		st->connections == 1 ? "" : "s", (unsigned long long)st->failed,
		(unsigned long long)st->with_alerts, st->truncated ? " (capture truncated)" : "");
	for (size_t i = 0; i < jv_len(notes); i++)
		fprintf(out, "note: %s\n", jv_str(jv_at(notes, i)));
}

enum err_category decode_file_to(const char *path, const struct decode_opts *o, const struct decode_outputs *outs,
				 struct decode_stats *st, char *err, size_t errlen)
{
	struct report rp = { path, o, outs->text, NULL, outs, st };
	struct pcap_reader *r;
	enum err_category rc;

	/* An unusable file writes no report at all. */
	memset(st, 0, sizeof *st);
	if (decode_open(path, o, &r, err, errlen) != ERR_NONE)
		return ERR_INPUT;
	if (outs->json) {
		rp.jw = jw_open_file(outs->json);
		jw_object(rp.jw, NULL);
		jw_int(rp.jw, "format_version", DECODE_FORMAT_VERSION);
		jw_str(rp.jw, "file", path);
		jw_array_lines(rp.jw, "connections");
	}
	rc = run_frames(r, o, report_conn, &rp, st, err, errlen);
	struct jv *notes = decode_notes(st);
	if (rp.jw) {
		jw_end(rp.jw);
		write_summary(rp.jw, st);
		jw_value(rp.jw, "notes", notes);
		jw_end(rp.jw);
		if (jw_close_file(rp.jw) < 0 && rc == ERR_NONE) {
			snprintf(err, errlen, "cannot write the report: write error");
			rc = ERR_IO;
		}
	}
	if (outs->text) {
		print_text_tail(outs->text, st, notes);
		if (fflush(outs->text) == EOF && rc == ERR_NONE) {
			snprintf(err, errlen, "cannot write the report: write error");
			rc = ERR_IO;
		}
	}
	jv_free(notes);
	return rc;
}

enum err_category decode_file(const char *path, const struct decode_opts *o, FILE *out, struct decode_stats *st,
			      char *err, size_t errlen)
{
	struct decode_outputs outs = { .text = o->format == DECODE_FORMAT_TEXT ? out : NULL,
				       .json = o->format == DECODE_FORMAT_JSON ? out : NULL };
	return decode_file_to(path, o, &outs, st, err, errlen);
}
