/*
 * server.h - a real local TLS server (Apache httpd + mod_ssl or openssl
 * s_server) started from a named profile (servers/<profile>.ini) with
 * certificates from the factory, on loopback and an ephemeral port.
 */
#ifndef TLSDIAG_SERVERS_SERVER_H
#define TLSDIAG_SERVERS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct server;
struct certs; /* the per-run certificate set (harness/servers/certs.h) */

#define SERVER_ALSO_MAX 4

struct server_opts {
	uint16_t port; /* 0: pick a free one */
	/*
	 * Per-run private dir; NULL: make one.  Made 0700 when missing; one that
	 * exists must be a directory of ours, not a symlink, mode 0700 (or 0711),
	 * on a path no other user can write (outdir_check_private), else
	 * server_start fails.
	 */
	const char *workdir;
	bool keep; /* keep the workdir at exit */
	/* Factory certificates the run will ask for besides the server's own ("other-root"), made with them. */
	const char *also_make[SERVER_ALSO_MAX];
};

/*
 * A private run dir for servers that share one certificate set (pass it as
 * opts.workdir): $TMPDIR (or /tmp)/tlsdiag-XXXXXX, mode 0700.  Until
 * server_rundir_remove() it is also removed whole on the emergency path of
 * this process (a fatal signal or exit(), see server.c), keys first.
 * 0, or -1 with err set.  One at a time per process.
 */
int server_rundir_make(char *dir, size_t len, char *err, size_t errlen);
/* Removes dir and all under it (after server_stop of every server in it). */
void server_rundir_remove(const char *dir);

/* Starts profile and waits until it accepts.  NULL with err set (naming the cause). */
struct server *server_start(const char *profile, const struct server_opts *o, char *err, size_t errlen);
/* Stops the server (SIGTERM, then SIGKILL on its process group) and frees it. */
void server_stop(struct server *s);

uint16_t server_port(const struct server *s);
const char *server_host(const struct server *s); /* "127.0.0.1" */
const char *server_profile(const struct server *s);
/* The name the leaf certificate is issued for ("127.0.0.1", "tlsdiag.servicebus.test"). */
const char *server_cert_name(const struct server *s);
/* Paths of the CA that anchors the chain, and of other certificate files of the run. */
const char *server_ca_pem(const struct server *s);
const char *server_ca_der(const struct server *s);
const char *server_file(const struct server *s, const char *name); /* e.g. "client.pem" */
/*
 * Copies the server's log lines written since offset; returns the new offset.
 * out NULL: copies nothing, returns the current end (a mark for later).
 */
long server_log_since(const struct server *s, long offset, FILE *out);
/*
 * How many connections the server serves at once, so a runner gives it no
 * more: openssl s_server handles one at a time (the rest wait in its
 * backlog until they time out); Apache (-X, one process, the event MPM's
 * threads) a handful.
 */
int server_capacity(const struct server *s);
/* True while the server process runs. */
bool server_running(struct server *s);
/* The server's private dir (its configuration and logs), and its process (group) id. */
const char *server_dir(const struct server *s);
pid_t server_pid(const struct server *s);

/* Profiles known (embedded data), NULL-terminated. */
const char *const *server_profiles(void);

#endif
