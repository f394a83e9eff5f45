/*
 * expect.h - what a case expects and what it got.
 *
 *   connected                      the handshake completed
 *   alert:NAME|NUMBER[@client|@server]
 *                                  a fatal alert was sent (by that side; by
 *                                  either side without @)
 *   error:NAME|NUMBER              the client's engine returned that error: a wolfSSL
 *                                  name or number, an mbedTLS name
 *                                  (MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) or a BearSSL
 *                                  name (BR_ERR_X509_NOT_TRUSTED, BR_ERR_RECV_FATAL_ALERT)
 *
 * Alert names come from the TLS alert registry and error names from the
 * wolfSSL, mbedTLS and BearSSL tables, all in explain/ (one place for every name).  "skip" is not
 * an expectation: a case that cannot run is reported as SKIP, never as met.
 */
#ifndef TLSDIAG_RUN_EXPECT_H
#define TLSDIAG_RUN_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

enum expect_kind {
	EXPECT_CONNECTED = 0,
	EXPECT_ALERT,
	EXPECT_ERROR,
};

enum expect_sender {
	SENDER_ANY = 0,
	SENDER_CLIENT,
	SENDER_SERVER,
};

struct expectation {
	enum expect_kind kind;
	int alert; /* EXPECT_ALERT: 0..255 */
	enum expect_sender by;
	long error; /* EXPECT_ERROR: the wolfSSL number (negative) */
	char error_name[64];
};

/* What a case got, from the client's result and the decoded capture. */
struct outcome {
	bool connected;
	int alert_by_server; /* -1: none */
	int alert_by_client; /* -1: none */
	long error; /* wolfSSL error, 0: none */
	char error_name[64];
};

void outcome_init(struct outcome *o);

/* 0, or -1 with err saying what is wrong with text. */
int expect_parse(const char *text, struct expectation *e, char *err, size_t errlen);
/* The canonical text: "alert:handshake_failure@server". */
void expect_format(const struct expectation *e, char *buf, size_t len);
bool expect_met(const struct expectation *e, const struct outcome *o);
/* What was got, in the expectation syntax: "alert:handshake_failure@server error:FATAL_ERROR". */
void expect_format_outcome(const struct outcome *o, char *buf, size_t len);

/* "handshake_failure" for 40, "alert(200)" for a number not in the registry. */
const char *expect_alert_name(int alert, char *buf, size_t len);
const char *expect_sender_name(enum expect_sender s);

#endif
