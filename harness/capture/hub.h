/*
 * hub.h - one live capture on lo shared by all the cases of a run, so a
 * case does not open (and close) a capture of its own.
 *
 * The runner starts the hub once its servers are up: a process that opens
 * lo with a filter on the servers' ports and listens on a Unix socket in the
 * run's private dir.  A case (in its worker) asks it, through
 * hub_case_begin(), to write the connection between its server port and
 * client port to the case's pcap; hub_case_end() waits, as live_drain()
 * does, for the connection's end and returns the same stats as a live
 * capture of its own (live_stats), the pcap complete.  Parallel cases each
 * get exactly their own connection: frames are told apart by the pair of
 * ports, as the per-case filter "tcp port S and tcp port C" does.
 */
#ifndef TLSDIAG_CAPTURE_HUB_H
#define TLSDIAG_CAPTURE_HUB_H

#include "harness/capture/live.h"
#include "harness/decode/pcap_io.h"

#include <stddef.h>
#include <stdint.h>

struct hub;
struct hub_case;

struct hub_opts {
	const char *iface; /* NULL: "lo" */
	const uint16_t *server_ports; /* the run's servers */
	size_t nports;
	const char *dir; /* a private dir (0700) for the socket: the servers' run dir */
};

/*
 * Starts the hub process and waits until it captures and listens.  NULL
 * with *why (PCAP_IO_PERM: live capture not permitted) and err set.
 */
struct hub *hub_start(const struct hub_opts *o, enum pcap_io_err *why, char *err, size_t errlen);
/* The socket cases connect to ("<dir>/capture.sock"). */
const char *hub_path(const struct hub *h);
/* The filter: "tcp port 4433 or tcp port 4434". */
const char *hub_filter(const struct hub *h);
/* Ends the process (a case still open is cut), removes the socket, frees h.  NULL: no-op. */
void hub_stop(struct hub *h);

/*
 * Case side: from now on the hub writes the connection between server_port
 * and client_port to pcap_path.  NULL with err set (no hub there, the file
 * cannot be written).
 */
struct hub_case *hub_case_begin(const char *hub_path, uint16_t server_port, uint16_t client_port,
				const char *pcap_path, char *err, size_t errlen);
/*
 * The client is done: the hub reads everything the kernel holds and, when
 * the connection was seen, waits up to drain_ms for its end; then completes
 * the pcap.  Fills st (dropped: frames the shared capture lost meanwhile,
 * which may be this case's).  0, or -1 (err set: the pcap may be incomplete).
 * Always frees c.
 */
int hub_case_end(struct hub_case *c, int drain_ms, struct live_stats *st, char *err, size_t errlen);

#endif
