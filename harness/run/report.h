/*
 * report.h - the results of a run and the three reports made from them:
 * text for people (report.c), JSON with every detail (report_json.c) and
 * JUnit XML for CI (junit.c).
 *
 * SKIP is never a pass.  A skipped case (the linked wolfSSL lacks what it
 * needs) is counted apart and printed in its own block; the run exits 1
 * when any case was skipped unless --allow-skip was given, so a CI job
 * cannot go green on cases that did not run.
 */
#ifndef TLSDIAG_RUN_REPORT_H
#define TLSDIAG_RUN_REPORT_H

#include "harness/run/expect.h"
#include "harness/run/scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct jv;
struct jw;
struct hello_compare;
struct case_store;
struct case_brief;

/* "format_version" of report.json: bumped when a key changes meaning or goes away (docs/schema/run.schema.json). */
#define REPORT_FORMAT_VERSION 1

enum case_status {
	CASE_NOT_RUN = 0, /* the run was interrupted first */
	CASE_PASS,
	CASE_FAIL, /* ran; the expectation was not met */
	CASE_SKIP, /* could not run here: the client lacks a feature */
	CASE_ERROR, /* the harness failed: crashed, timed out, could not start */
};

const char *case_status_name(enum case_status s); /* "PASS" ... */

/* What the decoded capture says about the case. */
struct case_capture {
	bool present; /* a capture was made and decoded */
	char mode[8]; /* "live", "relay", "off" */
	char status[16]; /* decode status: "ok", "truncated", "malformed" */
	int alert; /* first fatal alert on the wire, -1: none */
	char alert_from[8]; /* "client" / "server" */
	char alert_after[48]; /* the last handshake message before it: "ClientHello" */
	long long packets; /* frames in the pcap (capture_stats) */
	long long dropped; /* frames libpcap dropped (live): nonzero means the pcap misses some */
	char fault[200]; /* the network fault that acted and where (capture/fault.h); "" none did */
};

/* Why: the decoded capture's diagnosis, else one made from the outcome (decode/diagnose.h). */
struct case_diagnosis {
	char code[48]; /* stable: "no_shared_cipher" */
	char summary[512];
	char fix[512];
	char from[8]; /* "capture" or "outcome" */
};

/* What the case's device would have reported (client/device.h). */
struct case_device {
	bool present; /* the case names a device profile */
	bool ok;
	char text[200]; /* "Error: SSL error 40" */
	char debug_text[96]; /* printed only with debugging on */
	char code_name[64];
};

/* How the case's failure shows up on each device stack (explain/tables/equivalents.ini). */
struct case_equiv {
	char key[48]; /* the section: "received:40", "kind:bad_ca_file"; "" when none applies */
	char title[160];
	char line[1024]; /* "on CC3200: -456 SL_ESECBADCAFILE [OSError: 456]; on wolfSSL: ..." */
};

/* The server's leaf certificate: as the capture saw it, else as the profile serves it. */
struct case_cert {
	bool present;
	char from[8]; /* "capture" or "server" */
	char name[128]; /* its subject CN, else its subject */
	char not_after[24]; /* as written in the DER: "21180518103037Z" */
	long long not_after_epoch; /* UTC seconds */
};

/* The client engine's own error (client.h struct client_engine_error). */
struct case_engine_error {
	long code; /* 0: none */
	char name[64];
	int alert; /* -1: none */
	unsigned long verify_flags;
};

/* What came after the handshake (client_case.request). */
struct case_post {
	bool request_sent;
	long response_bytes;
	char response_line[96];
	int alert; /* a fatal alert the server sent after the handshake; -1: none */
	char detail[160];
};

struct case_result {
	const struct scenario_case *spec;
	enum case_status status;
	struct outcome got;
	char engine[12]; /* "wolfssl", "mbedtls", "bearssl" */
	struct case_engine_error engine_error;
	struct case_post post;
	/* from the client */
	char version[16];
	char suite[64];
	char stage[32];
	char detail[256];
	char trace[256]; /* the handshake messages the client saw */
	char verify_error[64]; /* a certificate problem found with verify off */
	char skip_reason[256];
	struct case_device device;
	/* from the harness */
	char error[256]; /* CASE_ERROR: "crashed (signal 11)", "timed out after 60 s", ... */
	/*
	 * CASE_ERROR of the harness itself, not of the case: a file that could
	 * not be written (disk full), a server or port overloaded.  The run then
	 * exits 2 and the case line says ERROR, never FAIL.
	 */
	bool harness_error;
	int signal;
	long duration_ms;
	/* where duration_ms went: capture set up, client handshake, capture closed and decoded */
	long capture_start_ms, handshake_ms, decode_ms;
	int client_port; /* the client's local port (0: unknown), to pick its lines from server logs */
	struct case_capture capture;
	struct case_diagnosis diag;
	struct case_equiv equiv;
	struct case_cert cert;
	struct jv *decoded; /* the decoded connection (owned); NULL without a capture */
	char *server_log; /* the server's log lines of this connection (owned); NULL: none */
	char dir[512]; /* the case's files, relative to the run's directory */
};

struct run_report {
	const char *out_dir;
	char started[32]; /* ISO 8601 UTC */
	long duration_ms;
	long servers_ms; /* starting every server profile of the run, once each */
	long capture_setup_ms; /* starting the run's shared live capture (capture/hub.h); 0: none */
	long cases_ms; /* from the first case started to the last one settled */
	bool capture_shared; /* live cases captured through it */
	bool incomplete; /* interrupted: NOT_RUN cases remain */
	char incomplete_reason[64];
	bool allow_skip;
	bool explain; /* the text report explains every case, not only those that did not pass */
	const char *capture_mode;
	/* Every case: its brief, and its whole result read back one at a time (run/case_store.h). */
	struct case_store *store;
	size_t n;
};

struct report_counts {
	size_t pass, fail, skip, error, not_run;
};

void case_result_init(struct case_result *r, const struct scenario_case *spec);
void case_result_release(struct case_result *r);

/* After a case ran: PASS or FAIL from its outcome, unless it was skipped or errored. */
void report_judge(struct case_result *r);
void report_count(const struct run_report *rep, struct report_counts *c);
/* Case i's brief (status, line: run/case_store.h). */
const struct case_brief *report_brief(const struct run_report *rep, size_t i);
/*
 * Case i's whole result, read back into tmp: release it with
 * case_result_release.  A result that cannot be read back comes as a
 * harness error saying so, and the store counts it (case_store_lost).
 */
const struct case_result *report_case(const struct run_report *rep, size_t i, struct case_result *tmp);
/* 0 all passed (skips only with allow_skip), 1 any FAIL/ERROR/SKIP, 2 incomplete. */
int report_exit_code(const struct run_report *rep);

/* "PASS  scenario/case  expect=... got=..." (with a newline; the _text form without). */
void report_case_line(FILE *out, const struct case_result *r);
void report_case_line_text(const struct case_result *r, char *buf, size_t len);
/* One line: why the case did not pass ("expected ..., got ...: <diagnosis>"). */
void report_case_diagnosis(const struct case_result *r, char *buf, size_t len);
/* The detail block of a case that did not pass (the text report prints it for each). */
void report_case_details(FILE *out, const struct run_report *rep, const struct case_result *r);
/*
 * The 32-bit time_t note for a notAfter past 2038-01-19T03:14:07Z: "a device
 * with a 32-bit time_t reads notAfter 2118-05-18 10:30:37 as Sun 1982-04-11
 * 04:02:21 (wraps by 2^32 s)".  Returns false (buf empty) for earlier dates.
 */
bool report_time32_note(long long not_after_epoch, char *buf, size_t len);
/*
 * The comparison a case asks for (compare = CASE in its scenario): its
 * ClientHello beside that of the first case of that name with a decoded
 * ClientHello, preferring one whose outcome differs; the side that did not
 * connect comes first.  a_name and b_name get the sides' names (the device,
 * else the case).  false when either side has no decoded ClientHello.
 */
bool report_case_compare(const struct run_report *rep, const struct case_result *r, struct hello_compare *hc,
			 char *a_name, char *b_name, size_t namelen);
/* The whole text report: case lines, failure details, skips, summary table. */
void report_write_text(FILE *out, const struct run_report *rep);

/* JSON of one case and of the run (report_json.c). */
struct jv *report_case_to_json(const struct case_result *r);
/* Reads back what report_case_to_json wrote (the runner's pipe from each case). */
void report_case_from_json(struct case_result *r, const struct jv *j);
/* The run's report.json: streamed case by case (report_json_write), or as a tree (tests). */
void report_json_write(struct jw *w, const struct run_report *rep);
struct jv *report_to_json(const struct run_report *rep);

/*
 * A self-contained HTML page (report_html.c): the summary grid, per case the
 * ladder diagram, diagnosis and fix, links to its pcap and key log (relative
 * when the page is in the run's directory).  html_path: where the page goes.
 * 0, or -1 on a write error.
 */
int report_html_write(FILE *out, const struct run_report *rep, const char *html_path);
/* Whether path can be written (before the run); then the page written there whole, "html: PATH" on out.
 * EXIT_OK, or EXIT_UNUSABLE (said why). */
int report_html_check(const char *path);
int report_html_file(const struct run_report *rep, const char *path, FILE *out);
/* The same for 'decode --html': conns is the array of decoded connections (tls_conn_to_json), notes strings. */
int report_html_decode(FILE *out, const char *pcap_path, const struct jv *conns, const struct jv *notes);
/* The page's pieces, for other pages (probe): head with the shared style, a term row, a decoded
 * connection's alerts (dl rows) and ladder (SVG), and escaped text. */
void report_html_head(FILE *out, const char *title);
void report_html_row(FILE *out, const char *term, const char *text);
void report_html_alerts(FILE *out, const struct jv *conn);
void report_html_ladder(FILE *out, const struct jv *conn);
void report_html_text(FILE *out, const char *s);

/* JUnit XML (junit.c).  0 or -1 on a write error. */
int junit_write(FILE *out, const struct run_report *rep);
/* Writes s as XML character data or attribute text: escaped, invalid UTF-8 and
 * characters XML 1.0 forbids replaced by U+FFFD. */
void junit_escape(FILE *out, const char *s);

#endif
