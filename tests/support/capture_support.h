/*
 * capture_support.h - what the capture tests share: private temp dirs, real
 * tools run with a bound (openssl, tshark), a real 'openssl s_server' waited
 * for through servers/proc.h, plain loopback sockets, and a small pcap
 * reader that reassembles one TCP connection per direction (pcap_io and
 * packet_decode, as the decoder reads) so a test can check every byte and
 * flag.
 */
#ifndef TLSDIAG_TESTS_CAPTURE_SUPPORT_H
#define TLSDIAG_TESTS_CAPTURE_SUPPORT_H

#include "harness/decode/packet.h"
#include "harness/servers/proc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A 0700 directory under /tmp; removed with everything in it by cs_rmtree(). */
int cs_tmpdir(char *out, size_t outlen);
void cs_rmtree(const char *dir);

/*
 * Runs argv (PATH searched) with stdin_data on its stdin, stdout+stderr into
 * out (NUL-terminated, cut to outlen), killing it after timeout_ms.  Returns
 * the exit status (0-255), or -1 when it could not run or was killed.
 */
int cs_run(char *const argv[], const char *stdin_data, char *out, size_t outlen, int timeout_ms);
/* Starts argv with stdout+stderr on *out_fd (stdin empty), leading its own process group. */
pid_t cs_spawn(char *const argv[], int *out_fd);
/* Reads from fd into buf (NUL-terminated) until needle appears; 0 found, -1 EOF or timeout. */
int cs_read_until(int fd, const char *needle, char *buf, size_t buflen, int timeout_ms);
/* Waits for pid with a bound (killing it after); its exit status, or -1. */
int cs_wait(pid_t pid, int timeout_ms);
/* Whether argv0 is on PATH. */
bool cs_have(const char *argv0);

/*
 * Certificates from the project's factory (servers/certs.h) in dir, made on
 * first use and kept for the next test: names[] are catalogue entries
 * ("selfsigned", "other-root", ...), giving dir/<name>.pem and
 * dir/<name>.key (0600).  0, or -1 with the reason on stderr.
 */
int cs_certs(const char *dir, const char *const names[]);

struct cs_server {
	struct proc proc;
	uint16_t port;
	char log[512]; /* its stdout+stderr */
};
/*
 * openssl s_server on 127.0.0.1:<ephemeral> serving dir/<cert>.pem (key
 * dir/<cert>.key, see cs_certs) with the extra args, its output in log
 * (NULL: dir/s_server.log); ready when it returns 0.  Readiness is a
 * connection to its port, which s_server counts as one accept: do not pass
 * "-naccept 1".
 */
/*
 * The port of an s_server started with "-accept 127.0.0.1:0" and its output
 * in log: read from the "ACCEPT 127.0.0.1:N" line it prints once it listens
 * (OpenSSL 3.0), in what the log gained past offset from (cs_log_size()
 * before the spawn: logs append).  0, or -1 when p exits or ms pass first.
 */
off_t cs_log_size(const char *log);
int cs_accept_port(struct proc *p, const char *log, off_t from, uint16_t *port, long long ms);
int cs_s_server(struct cs_server *s, const char *dir, const char *cert, const char *log, const char *const extra[]);
void cs_s_server_stop(struct cs_server *s);

/* Loopback sockets: a listener on 127.0.0.1:0 (port in *port); a client bound to 127.0.0.1:0 (port in *port). */
int cs_listen(uint16_t *port);
int cs_client_socket(uint16_t *port);
int cs_connect(int fd, const char *host, uint16_t port);
/* accept() with a bound; -1 on timeout. */
int cs_accept(int lfd, int timeout_ms);
/* Writes all, reads until EOF: with a bound; 0 or -1. */
int cs_write_all(int fd, const void *p, size_t n);
ssize_t cs_read_all(int fd, void *buf, size_t cap, int timeout_ms);

/*
 * A pcap_io live tap that writes only the connection the first SYN opens:
 * a readiness probe's own connection may still be closing when a capture
 * starts, and its last FIN or RST would otherwise count as a second one.
 */
struct cs_first_conn {
	enum link_type link;
	uint16_t client_port; /* 0 until the SYN */
};
struct pcap_frame;
bool cs_first_conn_only(void *ctx, const struct pcap_frame *f);

/* One direction of the capture's first TCP connection. */
struct cs_dir {
	uint8_t *data; /* the reassembled payload */
	size_t len;
	unsigned syn, fin, rst, segs;
	size_t max_seg; /* the largest payload of one frame */
	bool in_order; /* every payload segment started at the next expected sequence number */
};

struct cs_pcap {
	enum link_type linktype;
	unsigned frames;
	unsigned conns; /* distinct TCP connections (4-tuples) seen */
	uint16_t client_port, server_port; /* of the first connection (its SYN's sender is the client) */
	struct cs_dir dir[2]; /* 0: client to server, 1: server to client */
	char events[256]; /* "C:SYN S:SYN+ACK C:FIN S:RST" in frame order (data segments left out) */
};
/* Reads a pcap or pcapng file. 0, or -1 with err set. */
int cs_pcap_read(const char *path, struct cs_pcap *out, char *err, size_t errlen);
void cs_pcap_free(struct cs_pcap *p);

/* The TLS messages tshark sees per direction, "C: hs1 hs2 alert70 | S: hs2 ..."; 0 or -1. */
int cs_tshark_messages(const char *pcap, uint16_t server_port, char *out, size_t outlen);
/* Frames tshark finds with a wrong IP/TCP checksum or a TCP analysis problem; -1 on failure. */
int cs_tshark_problems(const char *pcap, char *out, size_t outlen);

#endif
