/* main.c - tlsdiag: explains why a TLS handshake fails.  Dispatches subcommands. */
#include "harness/cmd.h"
#include "harness/core/err.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "decode", cmd_decode, "decode the TLS handshakes in a pcap/pcapng file and diagnose failures" },
	{ "run", cmd_run, "run scenario files: embedded client cases against local servers" },
	{ "probe", cmd_probe, "every device profile against your own server: who connects, and why not" },
	{ "explain", cmd_explain, "explain an alert or an embedded stack's error code" },
	{ "servers", cmd_servers, "list the local server profiles" },
	{ "serve", cmd_serve, "start one server profile in the foreground" },
	{ "capture", cmd_capture, "capture one connection to a local port into a pcap" },
	{ "devices", cmd_devices, "list the device profiles: engine, versions, sources" },
	{ "client-caps", cmd_client_caps, "show what each client engine (wolfSSL, mbedTLS, BearSSL) can do" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: tlsdiag COMMAND [OPTIONS...]\n\n"
		     "Tells why a TLS handshake between an embedded device and a server fails.\n\n"
		     "commands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fprintf(out, "\n'tlsdiag help COMMAND' (or 'tlsdiag COMMAND --help') shows a command's options;\n"
		     "'man tlsdiag-COMMAND' its manual page.\n"
		     "exit status: 0 ok, 1 an expectation was missed, 2 bad input or environment.\n");
}

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(name, c->name) == 0)
			return c;
	return NULL;
}

/* 'tlsdiag help COMMAND' is 'tlsdiag COMMAND --help'. */
static int help(int argc, char **argv)
{
	if (argc < 3) {
		usage(stdout);
		return EXIT_OK;
	}
	const struct command *c = find_command(argv[2]);
	if (!c) {
		err_report(ERR_USAGE, "no command '%s'", argv[2]);
		usage(stderr);
		return EXIT_UNUSABLE;
	}
	char *args[] = { argv[2], (char *)"--help", NULL };
	return c->run(2, args);
}

int main(int argc, char **argv)
{
	/* Each line reaches a pipe (a CI log) as it is printed, not when a 4 kB buffer fills. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return EXIT_UNUSABLE;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc, argv);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tlsdiag %s\n", TLSDIAG_VERSION);
		return EXIT_OK;
	}
	const struct command *c = find_command(argv[1]);
	if (c)
		return c->run(argc - 1, argv + 1);
	err_report(ERR_USAGE, "unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_UNUSABLE;
}
