/*
 * cmd_capture.c - 'tlsdiag capture': capture one connection to a local port
 * into a pcap, for a user who points their own device (or any client) at
 * 'tlsdiag serve'.  Live capture when permitted; otherwise, or when asked,
 * a recording relay the client connects to instead (capture/relay.h).
 */
#include "harness/capture/capture.h"
#include "harness/cmd.h"
#include "harness/core/err.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT_S_DEFAULT 120

static volatile sig_atomic_t capture_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	capture_interrupted = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlsdiag capture --port N --out FILE [--mode auto|live|relay] [--listen-port M]\n"
		"                       [--timeout S] [--iface IF]\n\n"
		"Captures ONE TCP connection to the local port N (a server such as 'tlsdiag serve')\n"
		"into the pcap FILE, from its SYN to its FIN/RST, for 'tlsdiag decode FILE' or Wireshark.\n\n"
		"  --port N         the server's port on 127.0.0.1 (required)\n"
		"  --out FILE       the pcap to write (required)\n"
		"  --mode MODE      live: capture the first new connection to port N on the interface\n"
		"                   (root or CAP_NET_RAW); relay: listen on 127.0.0.1:M, forward every\n"
		"                   byte to 127.0.0.1:N unchanged and record the connection; auto (default):\n"
		"                   live when permitted, else relay\n"
		"  --listen-port M  relay: the port to listen on (default: a free one, printed)\n"
		"  --timeout S      give up after S seconds (default %d)\n"
		"  --iface IF       live: the interface (default lo)\n"
		"  --help           this text\n\n"
		"examples:\n"
		"  tlsdiag capture --port 8443 --out device.pcap\n"
		"  tlsdiag capture --port 8443 --out device.pcap --mode relay --listen-port 9443\n\n"
		"exit status: 0 a connection was captured, 1 none came before the timeout,\n"
		"2 bad usage, or the capture could not be made or written.\n",
		TIMEOUT_S_DEFAULT);
}

/* A decimal in [lo, hi]; -1 when s is anything else. */
static long parse_num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

static void report(const struct capture_stats *st, const char *out)
{
	printf("captured %llu packets, %llu bytes of TCP payload", (unsigned long long)st->packets,
	       (unsigned long long)st->bytes);
	if (st->connected)
		printf(", connection %s -> %s", st->client, st->server);
	printf("\nended: %s\n", st->ended);
	if (st->mode == CAPTURE_LIVE)
		printf("libpcap dropped %llu packets%s\n", (unsigned long long)st->dropped,
		       st->dropped ? ": the capture has gaps" : "");
	printf("wrote %s; next: tlsdiag decode %s\n", out, out);
}

int cmd_capture(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },   { "out", required_argument, NULL, 'o' },
		{ "mode", required_argument, NULL, 'm' },   { "listen-port", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' }, { "iface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
	};
	struct capture_opts o = { .mode = CAPTURE_AUTO, .server_host = "127.0.0.1", .first_only = true };
	struct capture_stats st;
	struct sigaction sa;
	struct capture *c;
	long port = 0, listen_port = 0, timeout_s = TIMEOUT_S_DEFAULT, left_ms;
	char err[320];
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if ((port = parse_num(optarg, 1, 65535)) < 0)
				return err_report(ERR_USAGE, "--port wants a port number 1-65535, not '%s'", optarg);
			break;
		case 'o':
			o.pcap_path = optarg;
			break;
		case 'm':
			if (capture_mode_parse(optarg, &o.mode) != 0 || o.mode == CAPTURE_OFF)
				return err_report(ERR_USAGE, "--mode wants auto, live or relay, not '%s'", optarg);
			break;
		case 'l':
			if ((listen_port = parse_num(optarg, 1, 65535)) < 0)
				return err_report(ERR_USAGE, "--listen-port wants a port number 1-65535, not '%s'",
						  optarg);
			break;
		case 't':
			if ((timeout_s = parse_num(optarg, 1, 86400)) < 0)
				return err_report(ERR_USAGE, "--timeout wants seconds 1-86400, not '%s'", optarg);
			break;
		case 'i':
			o.iface = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return err_report(ERR_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return err_report(ERR_USAGE, "unexpected argument '%s' (see tlsdiag capture --help)", argv[optind]);
	if (!port || !o.pcap_path)
		return err_report(ERR_USAGE, "--port and --out are required (see tlsdiag capture --help)");
	if (listen_port == port)
		return err_report(ERR_USAGE, "--listen-port must differ from --port");
	o.server_port = (uint16_t)port;
	o.listen_port = (uint16_t)listen_port;
	o.accept_ms = (int)timeout_s * 1000;
	o.idle_ms = (int)timeout_s * 1000;

	c = capture_begin(&o, err, sizeof err);
	if (!c)
		return err_report(ERR_ENV, "%s", err);
	printf("%s\n", capture_reason(c));
	if (capture_mode_used(c) == CAPTURE_RELAY)
		printf("relay listening on 127.0.0.1:%u, forwarding to 127.0.0.1:%ld: point the client at port %u\n",
		       (unsigned)capture_connect_port(c), port, (unsigned)capture_connect_port(c));
	else
		printf("waiting for the first new connection to 127.0.0.1:%ld\n", port);
	printf("(up to %lds; Ctrl-C ends early)\n", timeout_s);
	fflush(stdout);

	/* Ctrl-C ends the wait and still completes the file. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (left_ms = timeout_s * 1000; left_ms > 0 && !capture_interrupted; left_ms -= 250)
		if (capture_wait(c, 250))
			break;
	rc = capture_end(c, &st, err, sizeof err);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (rc != 0)
		return err_report(ERR_IO, "%s", err);
	report(&st, o.pcap_path);
	if (!st.connected) {
		fprintf(stderr, "tlsdiag: no connection to port %ld came %s\n", port,
			capture_interrupted ? "before the interrupt" : "before the timeout");
		return EXIT_MISSED;
	}
	return EXIT_OK;
}
