/*
 * front.h - network faults in front of a served profile ('tlsdiag serve
 * PROFILE --network SPEC'): a listener on 127.0.0.1 that hands each
 * connection a device makes to its own relay (relay.h) with the faults
 * (fault.h) between it and the real server, and says per connection what
 * the fault did.
 */
#ifndef TLSDIAG_CAPTURE_FRONT_H
#define TLSDIAG_CAPTURE_FRONT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct fault_set;
struct front;

struct front_opts {
	const char *server_host; /* the served profile: "127.0.0.1" */
	uint16_t server_port;
	uint16_t listen_port; /* on 127.0.0.1; 0: ephemeral */
	const struct fault_set *faults; /* copied */
	FILE *log; /* one line per connection when it ends; NULL: none */
	int idle_ms; /* a connection with no traffic this long is ended; 0: 60000 */
};

/* Binds and starts the accepting thread.  NULL with err set. */
struct front *front_start(const struct front_opts *o, char *err, size_t errlen);
uint16_t front_port(const struct front *f);
/* Ends every connection, joins the thread, frees f; the number of connections it took. */
unsigned front_stop(struct front *f);

#endif
