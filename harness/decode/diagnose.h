/*
 * diagnose.h - from what a TLS connection showed on the wire to why it
 * failed: a rule table, first match wins.  tls_conn gathers struct
 * diag_facts; the rules read only those.  The codes are stable (reports,
 * scenarios and CI match on them); the words (summary, fix) and which
 * cross-stack equivalents to show live in harness/explain/tables/diagnosis.ini
 * only.  diagnose_outcome() gives the runner the same diagnosis for a case's
 * outcome (an alert, a failure kind, a wolfSSL error code).
 */
#ifndef TLSDIAG_DECODE_DIAGNOSE_H
#define TLSDIAG_DECODE_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/decode/tls_handshake.h"

struct diag_facts {
	bool any_data; /* any payload in either direction */
	bool not_tls; /* payload, but no valid TLS record */
	bool truncated; /* a gap, a snaplen cut, or the capture ended inside a record */
	bool malformed; /* a peer sent bytes that are not valid TLS */
	char malformed_what[192]; /* the first malformed note */
	bool record_overflow_seen; /* a record over 2^14+2048 */
	bool complete; /* the handshake finished */
	bool capture_ended_open; /* neither side closed */

	const struct tls_client_hello *ch; /* NULL: none seen */
	const struct tls_server_hello *sh; /* NULL: none seen */
	const struct x509_info *leaf; /* the server's first certificate, or NULL */
	size_t n_server_certs;
	bool cert_request; /* the server asked for a client certificate */
	bool client_cert_empty; /* the client answered with an empty Certificate */
	unsigned dh_bits; /* DHE prime of the ServerKeyExchange, 0 when none */
	int64_t capture_sec; /* time of the first packet */

	/* The alert that ended the handshake: first fatal, unknown-level or encrypted one. */
	bool has_alert;
	bool alert_from_server;
	bool alert_encrypted;
	int alert_desc; /* -1 when encrypted */
	const char *alert_after; /* the message before it, e.g. "ClientHello" */
	bool alert_before_server_hello;
	bool alert_after_certificate; /* the server's Certificate came before it */
	bool alert_after_ske;

	/* How the TCP connection ended. */
	bool closed;
	bool closed_by_server;
	bool closed_rst;
	bool closed_before_server_hello; /* the first close came with no ServerHello yet */

	/* Who the handshake was waiting on when it stopped (no answer, a stalled path). */
	bool server_owed; /* the server owed the next message: the client's ClientHello or Finished was
			     the last, or the server's flight had not ended (no ServerHelloDone yet) */
	const char *last_message; /* the last message either way, e.g. "Certificate"; NULL: none */
	bool last_from_server;
	long long silent_ms; /* from that message to the first close; -1: not closed (or unknown) */
	long long late_ms; /* the server's next message came this long after the first close; -1: none */
	bool server_stopped_inside; /* the server's stream ended inside a record, without a close or a gap */
};

struct explain_equiv;

/* The pointers stay valid until explain_free(). */
struct diag_result {
	const char *code; /* stable: "no_shared_cipher" */
	const char *key; /* its diagnosis.ini section: the code, or "no_shared_cipher/static_rsa" */
	const char *summary;
	const char *fix;
	char evidence[512];
	/* How the failure shows up on each stack (explain_equiv_line_devices()), NULL: not a stack's failure. */
	const struct explain_equiv *equiv;
};

void diagnose(const struct diag_facts *f, struct diag_result *out);

/* The outcome of a runner case, as far as it is known. */
struct diag_outcome {
	int alert; /* the fatal alert that ended the handshake, -1: none */
	bool alert_from_device; /* the device (the client) sent it, else the server did */
	const char *kind; /* NULL or a failure kind of equivalents.ini: "unknown_ca", "expired", "not_yet_valid",
			     "hostname_mismatch", "bad_ca_file", "connection_dropped", "no_shared_cipher",
			     "protocol_version" */
	bool has_wolfssl;
	long wolfssl; /* wolfSSL_get_error() on the device side, e.g. -188 */
};
/*
 * The diagnosis of a case: the kind if given and known, else the wolfSSL
 * code if it names a failure (-188 is unknown_ca, -313 names none), else
 * the alert (a row of diagnosis.ini standing for received:N or sent:N,
 * else peer_alert).  Fills out (evidence lists every input) and returns 0,
 * or -1 with out->code NULL when nothing given is known.
 */
int diagnose_outcome(const struct diag_outcome *o, struct diag_result *out);

/* The summary of a code (or code/variant), for tests and explain; NULL when unknown. */
const char *diagnose_summary(const char *code);
/* Every rule has its words in diagnosis.ini: 0, or -1 with a message naming the missing section. */
int diagnose_check(char *err, size_t errlen);

#endif
