/*
 * relay.h - a recording TCP relay, for when live capture is not permitted.
 *
 * It listens on 127.0.0.1, accepts ONE client, connects to the real server
 * and forwards every byte both ways unchanged, passing on half-closes (FIN)
 * and resets (RST), unless network faults (fault.h) are put between them;
 * the capture is then the client's side of the fault.  What it saw is written as a standard pcap of
 * synthesised Ethernet/IPv4/TCP frames between the real client and the real
 * server endpoints, so the decoder and Wireshark read it as a live capture.
 * It runs in its own thread: a client in the same process does not block it.
 */
#ifndef TLSDIAG_CAPTURE_RELAY_H
#define TLSDIAG_CAPTURE_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct relay;

enum relay_end {
	RELAY_END_RUNNING = 0,
	RELAY_END_CLOSED, /* both sides sent FIN and every byte was delivered */
	RELAY_END_CLIENT_RST, /* the client reset; the server was reset in turn */
	RELAY_END_SERVER_RST, /* the server reset; the client was reset in turn */
	RELAY_END_REFUSED, /* the server could not be reached; the client was reset */
	RELAY_END_NO_CLIENT, /* no client connected before the relay was ended */
	RELAY_END_IDLE, /* nothing moved for the idle bound: both sides were closed */
	RELAY_END_STOPPED, /* the owner ended the relay with the connection open */
	RELAY_END_ERROR, /* a socket failed in an unexpected way (see error) */
	RELAY_END_FAULT, /* a network fault acted, then the client closed (see fault) */
};

struct fault_set;

struct relay_opts {
	const char *server_host; /* an IPv4 address or a name resolving to one */
	uint16_t server_port;
	uint16_t listen_port; /* on 127.0.0.1; 0: ephemeral */
	const char *pcap_path; /* NULL: forward without recording */
	int accept_ms; /* how long to wait for the client; 0: 30000; <0: no bound */
	int idle_ms; /* end after this long without traffic; 0: 10000 */
	int connect_ms; /* bound on connecting to the server; 0: 5000 */
	const struct fault_set *faults; /* network faults between the two (fault.h), copied; NULL: none */
	int client_fd; /* > 0: a client the owner accepted (the relay owns it, even on failure); 0: accept one */
};

struct relay_stats {
	enum relay_end end;
	uint64_t packets; /* frames written to the pcap */
	uint64_t bytes_c2s, bytes_s2c; /* payload bytes forwarded */
	bool client_fin, server_fin;
	char client[64], server[64]; /* "127.0.0.1:port" */
	char error[200]; /* set when the pcap could not be written or a socket failed */
	char fault[200]; /* the network fault that acted, where: "reset-after:client_hello fired at byte 517 ..."; "" none */
	bool fault_reset; /* ... it reset the client */
};

/* Binds, opens the pcap and starts the thread.  NULL with err set. */
struct relay *relay_start(const struct relay_opts *o, char *err, size_t errlen);
/* The port on 127.0.0.1 the client must connect to. */
uint16_t relay_port(const struct relay *r);
/* True once the relay has ended by itself; waits at most timeout_ms (<0: no bound). */
bool relay_wait(struct relay *r, int timeout_ms);
/*
 * Tells the relay its client is done connecting: with no client pending it
 * ends now (RELAY_END_NO_CLIENT); with one it keeps forwarding.  Then waits
 * like relay_wait().
 */
bool relay_drain(struct relay *r, int timeout_ms);
/*
 * Ends the relay if it still runs, joins its thread, completes the pcap and
 * frees r.  Fills st.  0, or -1 when the pcap is incomplete (err set).
 */
int relay_stop(struct relay *r, struct relay_stats *st, char *err, size_t errlen);

const char *relay_end_name(enum relay_end e);

#endif
