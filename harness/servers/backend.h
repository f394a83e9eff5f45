/*
 * backend.h - what server.c asks of each server kind (apache.c, s_server.c):
 * write its configuration into the server's private dir and say how to
 * start it.  server.c owns the lifecycle (dir, port, process, readiness).
 */
#ifndef TLSDIAG_SERVERS_BACKEND_H
#define TLSDIAG_SERVERS_BACKEND_H

#include "harness/servers/certs.h"
#include "harness/servers/profile.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define BACKEND_MAX_ARGS 48

struct backend_cmd {
	char *argv[BACKEND_MAX_ARGS + 1]; /* NULL-terminated, strings in buf */
	int argc;
	char buf[8192];
	size_t used;
	char log_path[PATH_MAX]; /* the server's log (server_log_since) */
	char ready_path[PATH_MAX]; /* a file that exists once it is ready (Apache's PidFile); empty: none */
};

struct backend_env {
	const struct profile *prof;
	struct certs *certs;
	const char *dir; /* the server's private dir */
	uint16_t port;
};

/* Appends one argument (printf-style) to c->argv.  0 or -1 when full. */
int backend_arg(struct backend_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The factory file (certs_path), or NULL with err set. */
const char *backend_cert(const struct backend_env *e, const char *file, char *err, size_t errlen);
/*
 * Writes dir/out: the PEM certificates leaf (if not NULL) then each name of
 * the space-separated list, in order.  0 or -1 with err set.
 */
int backend_concat(const struct backend_env *e, const char *out, const char *leaf, const char *list, char *err,
		   size_t errlen);
/* The program to run: env (if set), else the first of names found in PATH or dirs.  0 or -1. */
int backend_find_program(const char *env, const char *const *names, char *out, size_t outlen);
/* "TLSv1.2" for a PROFILE_TLS* bit. */
const char *backend_version_name(unsigned int bit);

/* apache.c and s_server.c: fill cmd (and write config files).  0 or -1 with err set. */
int apache_prepare(const struct backend_env *e, struct backend_cmd *cmd, char *err, size_t errlen);
int s_server_prepare(const struct backend_env *e, struct backend_cmd *cmd, char *err, size_t errlen);

#endif
