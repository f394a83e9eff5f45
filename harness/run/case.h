/*
 * case.h - one case of a run, executed in its own worker process: the
 * scenario's values resolved against the running server into a client
 * case, the capture around it, the client itself, the decode of the
 * capture, and the case's files in its directory.
 */
#ifndef TLSDIAG_RUN_CASE_H
#define TLSDIAG_RUN_CASE_H

#include "harness/capture/capture.h"
#include "harness/client/client.h"
#include "harness/run/report.h"

#include <stddef.h>
#include <stdint.h>

struct server;

struct case_job {
	const struct scenario_case *spec;
	struct server *server;
	const char *dir; /* the case's directory (made by the runner) */
	const char *rel_dir; /* the same, relative to the run's directory */
	enum capture_mode capture; /* auto: live when permitted, else the relay */
	const char *capture_hub; /* live/auto: the run's shared capture (capture/hub.h); NULL: the case's own */
	int timeout_ms; /* per client stage; 0: the client's default */
};

/* The strings a resolved client case points into. */
struct case_paths {
	char pcap[4096]; /* <dir>/capture.pcap */
	char part[4096]; /* <dir>/capture.pcap.part: written there, renamed to pcap once whole */
	char keylog[4096]; /* <dir>/capture.keys */
	char sni_name[256];
	char check_name[256];
};

/*
 * Fills cc from the case's values, the device profile and the server.
 * 0, or -1 with err set (a file of the server missing, a bad value).
 */
int case_resolve(const struct case_job *job, struct client_case *cc, struct case_paths *paths, char *err,
		 size_t errlen);

/* Runs the case (in the worker) and fills out; out->spec is set by the caller. */
void case_execute(const struct case_job *job, struct case_result *out);

/* A free loopback port to bind the client to, so a capture can filter on it. */
uint16_t case_free_port(void);
/*
 * A TCP socket bound to 127.0.0.1 on a free port (into *port), not yet
 * connected: the client connects it (client.h sock_fd), so the port is never
 * free between the choice and the connect.  The fd, or -1 with errno set.
 */
int case_client_socket(uint16_t *port);

#endif
