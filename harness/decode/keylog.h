/*
 * keylog.h - the NSS key log format (what SSLKEYLOGFILE and
 * `openssl s_client -keylogfile` write, and what a pcapng Decryption
 * Secrets Block of type TLS key log carries): one secret per line,
 *
 *	<LABEL> <client_random, 64 hex> <secret, hex>
 *
 * CLIENT_RANDOM gives the 48-byte TLS <= 1.2 master secret; the TLS 1.3
 * labels give traffic secrets (CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET,
 * CLIENT/SERVER_TRAFFIC_SECRET_0; later generations after a KeyUpdate are
 * derived from _0, RFC 8446 7.2).  Comments (#) and blank lines are
 * skipped; other labels (EXPORTER_SECRET, RSA, ...) are counted and not
 * used.  A line that does not parse is a problem with its line number,
 * never a crash; the rest of the file still counts.
 */
#ifndef TLSDIAG_DECODE_KEYLOG_H
#define TLSDIAG_DECODE_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/err.h"

enum keylog_label {
	KEYLOG_CLIENT_RANDOM = 0, /* TLS <= 1.2 master secret */
	KEYLOG_CLIENT_EARLY_TRAFFIC,
	KEYLOG_CLIENT_HANDSHAKE_TRAFFIC,
	KEYLOG_SERVER_HANDSHAKE_TRAFFIC,
	KEYLOG_CLIENT_TRAFFIC_0,
	KEYLOG_SERVER_TRAFFIC_0,
	KEYLOG_LABELS,
};

#define KEYLOG_SECRET_MAX 64
#define KEYLOG_PROBLEMS_KEPT 8
/* A key log bigger than this is not read (a run writes a few hundred bytes per connection). */
#define KEYLOG_FILE_MAX (64u << 20)

struct keylog;

struct keylog *keylog_new(void);
void keylog_free(struct keylog *kl);

/*
 * Adds the lines of p (a file's or a DSB's bytes; the last line may lack
 * its newline).  source names it in problems ("keys.log", "pcapng DSB").
 * Returns the number of secrets added; -1 only when memory ran out.
 */
long keylog_add_text(struct keylog *kl, const uint8_t *p, size_t n, const char *source);
/* Reads a file (not following a final symlink is not needed: it is only read). ERR_NONE, or ERR_INPUT with err. */
enum err_category keylog_load_file(struct keylog *kl, const char *path, char *err, size_t errlen);

/* The secret for label and client random, or NULL; *len its length. */
const uint8_t *keylog_find(const struct keylog *kl, enum keylog_label label, const uint8_t client_random[32],
			   size_t *len);

size_t keylog_count(const struct keylog *kl); /* secrets kept */
size_t keylog_sources(const struct keylog *kl); /* texts added (files, DSBs): 0 is no key log at all */
size_t keylog_ignored(const struct keylog *kl); /* lines with a label not used here */
size_t keylog_problem_count(const struct keylog *kl);
/* Problem i (< KEYLOG_PROBLEMS_KEPT): "keys.log line 3: secret is not hex". */
const char *keylog_problem(const struct keylog *kl, size_t i);

#endif
