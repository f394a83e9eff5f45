/*
 * tls_fixture.h - what the client suites share: a private directory of test
 * certificates made with `openssl req`/`openssl x509` (0700, keys 0600,
 * removed by tf_cleanup), and `openssl s_server -www` processes on free
 * loopback ports, started with servers/proc.h and waited for by readiness.
 *
 * Files made in the directory (the process chdir()s there):
 *   ca.pem ca.der ca.key        the test CA ("tlsdiag test CA")
 *   other.pem                   a second CA that signed nothing we serve
 *   srv.pem srv.key             server leaf, DNS:localhost + IP:127.0.0.1, 30 days
 *   cli.pem cli.key             a client certificate signed by the CA
 *   weak.pem weak.key           an RSA-1024 leaf
 *   sha1.pem                    srv.key's leaf signed with SHA-1
 *   dh1024.pem                  1024-bit DH parameters
 */
#ifndef TLSDIAG_TESTS_TLS_FIXTURE_H
#define TLSDIAG_TESTS_TLS_FIXTURE_H

#include "harness/servers/proc.h"

#include <stdint.h>
#include <sys/types.h>

/* Makes the directory and the certificates; the process chdir()s there. */
void tf_make_certs(void);
/* The directory's file name (slot: one of 16 buffers, so several can be held at once). */
const char *tf_path(int slot, const char *name);
/*
 * A TCP socket bound to 127.0.0.1 on a port the kernel picked, never
 * listening; its fd, *port set.  While it is open the port is ours: no other
 * socket can bind it (on 127.0.0.1 or the wildcard) without SO_REUSEADDR on
 * both, and this one has none, nor SO_REUSEPORT; and a connect to it is
 * refused (no listener).  Hand it to a client as sock_fd, or hold it to keep
 * a port closed.  (A port found free and bound later could be taken by a
 * parallel suite in between.)
 */
int tf_bound_socket(uint16_t *port);
/* openssl s_server -www on 127.0.0.1, srv.pem unless extra starts with -cert; *port set. */
void tf_server_start(struct proc *p, uint16_t *port, const char *const extra[]);
/* A listener that accepts nothing by itself; its fd, *port set. */
int tf_silent_listener(uint16_t *port);
/* Runs a one-shot command to its end, output to /dev/null: its exit status, or -1. */
int tf_run(char *const argv[]);
/* Leaves and removes the directory. */
void tf_cleanup(void);

#endif
