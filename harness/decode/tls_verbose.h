/*
 * tls_verbose.h - the full lists of 'tlsdiag decode --verbose': every suite,
 * group, signature scheme, ALPN protocol and extension the ClientHello
 * offered, what the server chose, every certificate of the server's chain
 * with its names and dates, and absolute timestamps.  These are what the
 * explanations and diagnoses refer to ("the client offers no ECDHE suite").
 */
#ifndef TLSDIAG_DECODE_TLS_VERBOSE_H
#define TLSDIAG_DECODE_TLS_VERBOSE_H

#include <stddef.h>
#include <stdio.h>

#include "harness/decode/tls_conn.h"

/* "2026-12-01T21:35:32.123456Z" (UTC) into buf; "?" for a time gmtime cannot show. */
const char *tls_verbose_time(const struct pkt_meta *m, char *buf, size_t buflen);
/* The decoded messages of v, indented under a connection's ladder. */
void tls_verbose_print(FILE *out, const struct tls_conn_view *v);

#endif
