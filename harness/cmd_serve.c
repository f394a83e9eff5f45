/*
 * cmd_serve.c - 'tlsdiag serve PROFILE': one server profile in the
 * foreground until Ctrl-C or SIGTERM.
 *
 * The handlers only set a flag.  The signals (and SIGCHLD, to notice a
 * server that dies) stay blocked except inside sigsuspend(), so none can
 * arrive between the check and the wait.  Then server_stop() stops the
 * server's process group and removes the temp dir (unless --keep).
 */
#include "harness/capture/fault.h"
#include "harness/capture/front.h"
#include "harness/cmd.h"
#include "harness/core/err.h"
#include "harness/servers/profile.h"
#include "harness/servers/server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t serve_stop_signal;

static void serve_on_signal(int sig)
{
	if (sig != SIGCHLD)
		serve_stop_signal = sig;
}

static void serve_usage(FILE *out)
{
	fprintf(out,
		"usage: tlsdiag serve PROFILE [--port N] [--network FAULTS] [--keep] [--help]\n\n"
		"Starts server profile PROFILE (see 'tlsdiag servers') on 127.0.0.1 in the foreground,\n"
		"prints its address and CA files, and runs until Ctrl-C or SIGTERM.\n\n"
		"  --port N   listen on 127.0.0.1:N (default: a free port)\n"
		"  --network FAULTS\n"
		"             put network faults between the device and the server (on --port; the\n"
		"             server moves to a free port): e.g. reset-on:sslv3-hello, stall-after:certificate,\n"
		"             latency:300ms,bandwidth:2kbps (docs/capture.md, \"Network faults\")\n"
		"  --keep     keep the temp dir (certificates, keys, config, logs) after stopping\n"
		"  --help     this text\n\n"
		"Only 127.0.0.1 is bound.  exit status: 0 stopped cleanly, 2 bad usage or the server\n"
		"could not start (or died).\n");
}

static int serve_port(const char *s, unsigned long *port)
{
	char *end;
	errno = 0;
	*port = strtoul(s, &end, 10);
	return errno || end == s || *end || *port > 65535 ? -1 : 0;
}

static void serve_banner(struct server *s, const struct profile *p)
{
	const char *name = server_cert_name(s);
	bool ip = strcmp(name, "127.0.0.1") == 0;
	printf("tlsdiag: profile %s (%s) serving on %s:%u\n", p->name,
	       p->kind == PROFILE_APACHE ? "Apache httpd" : "openssl s_server", server_host(s), server_port(s));
	printf("  %s\n", p->description);
	printf("  certificate for: %s%s\n", name, p->sni == PROFILE_SNI_VHOSTS ? " (only with SNI; without it: the default vhost's)" : "");
	printf("  CA to trust:     %s\n", server_ca_pem(s));
	printf("  CA as DER:       %s   (e.g. the CC3200's /flash/cert/ca.pem must be DER)\n", server_ca_der(s));
	if (p->client_auth != PROFILE_CLIENT_NONE)
		printf("  client cert:     %s  key: %s\n", server_file(s, "client.pem"), server_file(s, "client.key"));
	printf("  server dir:      %s\n\n", server_dir(s));
	/* -verify_hostname also accepts a CN-only 127.0.0.1; -verify_ip would want an IP SAN */
	printf("Try it:\n  openssl s_client -connect %s:%u %s%s -CAfile %s -verify_return_error -verify_hostname %s\n",
	       server_host(s), server_port(s), ip ? "-noservername" : "-servername ", ip ? "" : name, server_ca_pem(s),
	       name);
	printf("A device on your network cannot reach 127.0.0.1: forward a port to it yourself\n"
	       "(e.g. 'ssh -R' or socat on a host it can reach); tlsdiag binds loopback only.\n"
	       "Ctrl-C stops the server.\n");
	fflush(stdout);
}

int cmd_serve(int argc, char **argv)
{
	struct server_opts o = { 0 };
	struct profile p;
	struct server *s;
	struct sigaction sa;
	sigset_t block, old;
	const char *profile = NULL;
	char err[1024];
	unsigned long port;
	bool died = false;
	struct fault_set faults = { .n = 0 };
	struct front *front = NULL;
	uint16_t front_listen = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			serve_usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--keep") == 0) {
			o.keep = true;
		} else if (strcmp(argv[i], "--port") == 0) {
			if (i + 1 >= argc || serve_port(argv[++i], &port) != 0)
				return err_report(ERR_USAGE, "--port wants a number from 0 to 65535");
			o.port = (uint16_t)port;
		} else if (strcmp(argv[i], "--network") == 0) {
			if (i + 1 >= argc)
				return err_report(ERR_USAGE, "--network wants faults, e.g. reset-after:client_hello");
			if (fault_parse(argv[++i], &faults, err, sizeof err) != 0)
				return err_report(ERR_USAGE, "--network: %s", err);
		} else if (argv[i][0] == '-') {
			err_report(ERR_USAGE, "unknown option '%s'", argv[i]);
			serve_usage(stderr);
			return EXIT_UNUSABLE;
		} else if (!profile) {
			profile = argv[i];
		} else {
			return err_report(ERR_USAGE, "one profile at a time ('%s' and '%s')", profile, argv[i]);
		}
	}
	if (!profile) {
		serve_usage(stderr);
		return err_report(ERR_USAGE, "which profile? ('tlsdiag servers' lists them)");
	}
	if (profile_load(profile, &p, err, sizeof err) != 0)
		return err_report(ERR_USAGE, "%s", err);
	if (faults.n) {
		/* The device talks to the faults on --port; the server takes a free port behind them. */
		front_listen = o.port;
		o.port = 0;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);

	s = server_start(profile, &o, err, sizeof err);
	if (!s) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return err_report(ERR_ENV, "%s", err);
	}
	if (faults.n) {
		struct front_opts fo = { .server_host = server_host(s), .server_port = server_port(s),
					 .listen_port = front_listen, .faults = &faults, .log = stdout };
		char spec[FAULT_SPEC_MAX + 1];

		if (!(front = front_start(&fo, err, sizeof err))) {
			server_stop(s);
			sigprocmask(SIG_SETMASK, &old, NULL);
			return err_report(ERR_ENV, "%s", err);
		}
		fault_format(&faults, spec, sizeof spec);
		printf("tlsdiag: network faults '%s' on 127.0.0.1:%u, in front of the server: point the device there\n",
		       spec, front_port(front));
	}
	serve_banner(s, &p);
	if (front) {
		printf("Through the faults: port %u instead of %u.\n", front_port(front), server_port(s));
		fflush(stdout);
	}
	while (!serve_stop_signal) {
		if (!server_running(s)) {
			died = true;
			break;
		}
		sigsuspend(&old);
	}
	if (front)
		front_stop(front);
	if (died)
		server_log_since(s, 0, stderr);
	server_stop(s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (died)
		return err_report(ERR_ENV, "%s stopped unexpectedly (log above)", profile);
	printf("tlsdiag: %s stopped%s\n", profile, o.keep ? " (files kept)" : "");
	return EXIT_OK;
}
