/*
 * follow.h - following one TCP connection through captured segments: the
 * first new connection (a SYN without ACK) to the server port, from the
 * client port when one is given, is "followed"; its FIN from each side, or
 * a RST from either, ends it.  Shared by the per-case live capture (live.c)
 * and the run's shared capture (hub.c).  Takes segments already read by
 * packet_decode(); reads no byte itself.
 */
#ifndef TLSDIAG_CAPTURE_FOLLOW_H
#define TLSDIAG_CAPTURE_FOLLOW_H

#include "harness/capture/live.h"
#include "harness/decode/packet.h"

#include <stdbool.h>
#include <stdint.h>

enum follow_dir { FOLLOW_OTHER = -1, FOLLOW_FROM_CLIENT = 0, FOLLOW_FROM_SERVER = 1 };

struct follow {
	uint16_t server_port, client_port; /* client_port 0: any */
	uint8_t ipver, caddr[16], saddr[16];
	uint16_t cport;
	/* connected, closed, the FIN/RST flags, client, server and bytes of the followed connection */
	struct live_stats st;
};

void follow_init(struct follow *f, uint16_t server_port, uint16_t client_port);
/*
 * Notes segment t (kind PKT_TCP): the SYN that starts the followed
 * connection, its bytes, its FIN and RST.  Which way t goes on the followed
 * connection, or FOLLOW_OTHER for any other segment.
 */
enum follow_dir follow_segment(struct follow *f, const struct packet *t);

#endif
