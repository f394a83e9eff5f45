/*
 * probe.h - 'tlsdiag probe': every device profile, and a few reference
 * clients, against a server the user names (not one tlsdiag starts).
 *
 * Each attempt is a full handshake as that client does it, through a
 * recording relay on 127.0.0.1 in front of the target (so no root is
 * needed and every attempt leaves a pcap and its key log), then decoded
 * and diagnosed like any capture.  A few more connections with chosen
 * offers make the server summary (probe_survey.c): versions, suites in
 * the server's order, groups, SNI, the chain, record sizes, tickets.
 *
 * The attempts run one after another: the wolfSSL client's device clock
 * is process-wide (client.h), and a probe is a handful of connections.
 */
#ifndef TLSDIAG_PROBE_PROBE_H
#define TLSDIAG_PROBE_PROBE_H

#include "harness/client/client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jv;
struct capture;

enum probe_kind {
	PROBE_DEVICE = 0, /* a device profile (client/device.c) */
	PROBE_REFERENCE, /* a desktop client: a real program (openssl, curl, python3) or the browser profile */
};

struct probe_opts {
	const char *host; /* the target: a name or an IPv4 address */
	uint16_t port;
	const char *sni; /* the name sent and checked; NULL: host when it is a name, none for an IP */
	const char *ca_path; /* the CA the clients trust (PEM or DER); NULL: see probe_attempt.ca */
	const char *out_dir; /* where attempts leave their files (made by the caller, ours) */
	int timeout_ms; /* per stage of each attempt */
	const char *devices; /* "cc3200,esp32-mbedtls", "all" or NULL: every device profile */
	bool references; /* also run the reference clients */
	bool survey; /* also make the server summary */
	/* Called after each attempt (progress on a terminal); may be NULL. */
	void (*progress)(void *ctx, const char *what, size_t done, size_t total);
	void *progress_ctx;
};

/* One client's attempt, in that client's own terms. */
struct probe_attempt {
	char name[48]; /* "esp32-mbedtls", "openssl" */
	enum probe_kind kind;
	char engine[24]; /* "wolfssl", or the program: "openssl", "curl", "python3" */
	char ca[32]; /* "given", "system store", "none (not verified)" */
	bool ran; /* false: it could not run at all (error says why) */
	bool skipped; /* the engine or program lacks what the attempt needs */
	bool connected;
	bool verified; /* connected with the certificate checked against the CA */
	char version[16]; /* "TLSv1.2" */
	char suite[64]; /* IANA name */
	char stage[32]; /* how far it got */
	char error[400]; /* the client's own error as it prints it: "OSError: 456", "curl: (60) ..." */
	char error_name[64]; /* the client library's name of it: "ASN_NO_SIGNER_E" */
	long error_code;
	int alert; /* -1: none */
	char alert_from[8]; /* "server", "client" */
	char alert_name[40];
	char diag_code[48], diag_summary[320], diag_fix[320];
	int oversized_record; /* a server record longer than the client's receive buffer (bytes); 0: none */
	char pcap[512], keylog[512]; /* relative to out_dir */
	struct jv *decoded; /* the attempt's connection as decoded (owned), NULL when none */
};

/* The server as the attempts saw it (probe_survey.c). */
struct probe_suite_list {
	char names[32][64];
	size_t n;
	bool server_order; /* the server chose by its own preference (a reversed offer got the same first pick) */
	bool known; /* the list was measured */
};

struct probe_finding {
	char text[400];
	char hurts[256]; /* device names it hurts, ", "-separated; "" when none found */
};

struct probe_server {
	char versions[64]; /* "TLSv1.2 TLSv1.3" */
	bool version_ok[6]; /* SSLv3, TLS 1.0, 1.1, 1.2, 1.3 (index = client_method - METHOD_SSLV3) */
	struct probe_suite_list tls12, tls13;
	char groups[160]; /* "X25519 P-256" */
	char sni[200]; /* "required", "not required, same certificate", "not required: without SNI it serves CN=..." */
	struct jv *chain; /* the certificates as decoded (owned), NULL when none was seen in clear */
	char chain_note[400];
	char records[200]; /* "largest record > 4096 bytes; max_fragment_length 4096 honoured" */
	char tickets[120];
	struct probe_finding findings[16];
	size_t nfindings;
};

struct probe_report {
	char target[300]; /* "host:port" */
	char sni[256];
	struct probe_attempt *attempts;
	size_t nattempts;
	struct probe_server server;
	bool surveyed;
	char out_dir[4096];
};

/*
 * Runs every attempt (and the survey) against the target.  0, or -1 when
 * the probe could not run at all (an unknown device name; the target
 * refuses every connection: err says which, the caller exits 2).
 */
int probe_run(const struct probe_opts *o, struct probe_report *rep, char *err, size_t errlen);
void probe_report_free(struct probe_report *rep);

/* A relay in front of the target for one attempt, with the attempt's files (probe.c). */
struct probe_leg {
	struct capture *cap;
	const char *host; /* where the client connects: the relay */
	uint16_t port;
	char dir[4200], part[4300], pcap[4300], keylog[4400];
};
int probe_leg_begin(const struct probe_opts *o, const char *label, struct probe_leg *leg, struct probe_attempt *a);
/* Ends the relay, keeps the pcap and decodes it into a. */
void probe_leg_end(struct probe_leg *leg, struct probe_attempt *a);
/* One attempt of a client case through a recording relay in front of the target (probe.c). */
void probe_connect(const struct probe_opts *o, const char *label, struct client_case *cc,
		   struct client_result *cr, struct probe_attempt *a);
/* The reference clients that are real programs (probe_refs.c): openssl, curl, python3. */
size_t probe_reference_count(void);
void probe_reference_run(const struct probe_opts *o, size_t i, const char *name_to_check,
			 struct probe_attempt *a);
/* The server summary (probe_survey.c), from extra connections and the attempts. */
void probe_survey(const struct probe_opts *o, const char *name_to_check, struct probe_report *rep);

/* Reports (probe_report.c).  0, or -1 when the output could not be written. */
int probe_write_text(FILE *out, const struct probe_report *rep);
struct jv *probe_to_json(const struct probe_report *rep);
int probe_write_junit(FILE *out, const struct probe_report *rep);
int probe_write_html(FILE *out, const struct probe_report *rep); /* probe_html.c */
/* True when the named device connected; names "a,b"; NULL: every device attempt. */
bool probe_required_ok(const struct probe_report *rep, const char *require, char *missing, size_t len);

#endif
