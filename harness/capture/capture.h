/*
 * capture.h - one capture per case, as the scenario runner uses it:
 *
 *   struct capture *cap = capture_begin(&opts, err, sizeof err);
 *   client connects to capture_connect_host(cap):capture_connect_port(cap),
 *     binding opts.client_port, with keylog_path from capture_keylog_path();
 *   capture_end(cap, &stats, err, sizeof err);   leaves the pcap at opts.pcap_path
 *
 * Modes: live captures "lo" with libpcap, filtered to the client's bound
 * port so parallel cases against one server each get only their own
 * connection; relay puts a recording relay (relay.h) between client and
 * server, for when live capture is not permitted; auto tries live and falls
 * back to relay, saying why; off captures nothing.  Network faults
 * (fault.h) always go through the relay: it is what injects them.
 */
#ifndef TLSDIAG_CAPTURE_CAPTURE_H
#define TLSDIAG_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture;
struct fault_set;

enum capture_mode {
	CAPTURE_AUTO = 0,
	CAPTURE_LIVE,
	CAPTURE_RELAY,
	CAPTURE_OFF,
};

struct capture_opts {
	enum capture_mode mode;
	const char *server_host; /* where the server listens: "127.0.0.1" */
	uint16_t server_port;
	uint16_t client_port; /* the client's bound local port (live filter); 0: filter on the server port only */
	const char *pcap_path; /* NULL only with CAPTURE_OFF */
	const char *iface; /* live: NULL: "lo" */
	int drain_ms; /* capture_end() waits at most this for the connection's end; 0: 2000 */
	int idle_ms; /* relay: end after this long without traffic; 0: 10000 */
	int accept_ms; /* relay: how long to wait for the client; 0: 30000 */
	uint16_t listen_port; /* relay: the port on 127.0.0.1; 0: ephemeral */
	bool first_only; /* live: write only the first new connection (tlsdiag capture) */
	const char *hub; /* live/auto: the run's shared capture (hub.h hub_path); NULL: one of its own */
	/* Network faults (fault.h) between client and server: the relay then, whatever the mode
	 * (off: it injects them and records nothing), and the capture is the client's side of
	 * the fault.  NULL or empty: none. */
	const struct fault_set *faults;
};

struct capture_stats {
	enum capture_mode mode; /* the mode used */
	uint64_t packets; /* frames in the pcap */
	uint64_t bytes; /* TCP payload bytes of the connection, both ways */
	uint64_t dropped; /* packets libpcap dropped (live); 0 for the relay */
	bool connected; /* the connection was seen */
	bool closed; /* its end (FIN both ways, or a RST) was seen */
	char ended[96]; /* how it ended, for people: "client FIN, server FIN", "server RST", ... */
	char client[64], server[64]; /* "ip:port" as in the capture; "" when not seen */
	char fault[200]; /* the network fault that acted and where; "" when none did */
};

/* Starts capturing before the client connects.  NULL with err set (environment or I/O). */
struct capture *capture_begin(const struct capture_opts *o, char *err, size_t errlen);
/* Where the client must connect: the server itself (live, off) or the relay. */
const char *capture_connect_host(const struct capture *c);
uint16_t capture_connect_port(const struct capture *c);
enum capture_mode capture_mode_used(const struct capture *c);
/* Why that mode: "live capture on lo, filter 'tcp port 4433 and tcp port 40001'", "live capture not permitted (...): using the relay". */
const char *capture_reason(const struct capture *c);
/* Waits up to timeout_ms (<0: no bound) for the connection to end by itself; true when it has. */
bool capture_wait(struct capture *c, int timeout_ms);
/*
 * The client is done: waits (at most drain_ms, never a fixed sleep) for the
 * connection's FIN/RST, stops, completes the pcap and frees c.  Fills st.
 * 0, or -1 when the pcap is incomplete or capture failed (err set).
 */
int capture_end(struct capture *c, struct capture_stats *st, char *err, size_t errlen);

const char *capture_mode_name(enum capture_mode m);
/* "auto", "live", "relay", "off".  0, or -1 when s names none. */
int capture_mode_parse(const char *s, enum capture_mode *out);

/*
 * The NSS key log that belongs to a capture: same directory and base name,
 * extension ".keys" ("case.pcap" -> "case.keys", "case" -> "case.keys").
 * 0, or -1 when it does not fit in out.
 */
int capture_keylog_path(const char *pcap_path, char *out, size_t outlen);

#endif
