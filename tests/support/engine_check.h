/*
 * engine_check.h - what the engine suites (test_client_mbedtls.c,
 * test_client_bearssl.c) assert alike: an engine's exact error, that the
 * equivalents row of a failure kind lists the code the real engine gave,
 * and that a key log decrypts the capture in tshark.
 */
#ifndef TLSDIAG_TESTS_ENGINE_CHECK_H
#define TLSDIAG_TESTS_ENGINE_CHECK_H

#include "harness/client/client.h"

#include <stdint.h>
#include <sys/types.h>

/* The servers both engine suites run against (openssl s_server, tls_fixture certificates). */
enum { EC_TLS12, EC_TLS13, EC_MTLS, EC_RSA1024, EC_SHA1, EC_DH1024, EC_COUNT };
/* Makes the certificates, starts the servers, loads the explain tables. */
void ec_start(void);
void ec_stop(void);
uint16_t ec_port(int server);
/* A one-connection peer in a child: reads the ClientHello, then closes; its pid, *port set. */
pid_t ec_dropping_server(uint16_t *port);

/* The case failed with the engine's code and name (result and engine_error agree). */
void ec_assert_failed(const struct client_result *r, long code, const char *name);
/* [kind:KIND] does not list code for stack (a code the real engine contradicts). */
void ec_assert_not_equiv(const char *kind, const char *stack, long code);
/* explain/tables/equivalents.ini [kind:KIND] lists code for stack ("mbedtls", "bearssl", "mbedtls-verify"). */
void ec_assert_equiv(const char *kind, const char *stack, long code);
/*
 * Runs cc through the relay capture into DIR/name.pcap with its key log
 * beside it, then asks tshark (-o tls.keylog_file) for the method of the
 * decrypted HTTP request: fills r, returns "GET", or "" when tshark could not
 * decrypt (static buffer).  (s_server -www answers HTTP/1.0 without a length:
 * tshark reassembles that answer until the end, so the request is the check.)
 */
const char *ec_keylog_decrypts(struct client_case *cc, struct client_result *r, const char *name);

#endif
