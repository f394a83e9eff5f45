/* engine_check.c - shared assertions of the engine suites (see engine_check.h). */
#include "tests/support/engine_check.h"

#include "harness/capture/capture.h"
#include "harness/explain/explain.h"
#include "tests/support/tls_fixture.h"

#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
	struct proc proc;
	uint16_t port;
} servers[EC_COUNT];

static pid_t owner;
static bool running;

/* A failing unchecked setup skips its teardown: the servers still stop at exit (in the owner only). */
static void stop_at_exit(void)
{
	if (running && getpid() == owner)
		ec_stop();
}

void ec_start(void)
{
	static bool registered;
	owner = getpid();
	running = true;
	if (!registered && atexit(stop_at_exit) == 0)
		registered = true;
	tf_make_certs();
	const char *tls12[] = { "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", NULL };
	const char *tls13[] = { "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", NULL };
	const char *mtls[] = { "-tls1_2", "-Verify", "1", "-CAfile", "ca.pem", NULL };
	const char *rsa1024[] = { "-cert", "weak.pem", "-key", "weak.key", "-tls1_2", "-cipher",
				  "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", NULL };
	const char *sha1[] = { "-cert", "sha1.pem", "-key", "srv.key", "-tls1_2", "-cipher",
			       "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", NULL };
	/* A DHE-only server with a 1024-bit group (OpenSSL 3 itself refuses smaller ones). */
	const char *dh1024[] = { "-tls1_2", "-dhparam", "dh1024.pem", "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
				 NULL };
	const char *const *extra[EC_COUNT] = { tls12, tls13, mtls, rsa1024, sha1, dh1024 };
	for (int i = 0; i < EC_COUNT; i++)
		tf_server_start(&servers[i].proc, &servers[i].port, extra[i]);
	char err[256];
	ck_assert_msg(explain_load(err, sizeof err) == 0, "%s", err);
}

void ec_stop(void)
{
	running = false;
	for (int i = 0; i < EC_COUNT; i++)
		proc_stop(&servers[i].proc, 2000);
	tf_cleanup();
	explain_free();
}

uint16_t ec_port(int server)
{
	return servers[server].port;
}

pid_t ec_dropping_server(uint16_t *port)
{
	int lfd = tf_silent_listener(port);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		char buf[512];
		int afd = accept(lfd, NULL, NULL);
		if (afd >= 0 && read(afd, buf, sizeof buf) > 0)
			close(afd);
		_exit(0);
	}
	close(lfd);
	return child;
}

void ec_assert_failed(const struct client_result *r, long code, const char *name)
{
	ck_assert_msg(!r->connected, "connected, expected %s", name);
	ck_assert_msg(!r->skipped, "skipped: %s", r->skip_reason);
	ck_assert_msg(r->error == code, "error %d (%s), expected %ld %s: %s", r->error, r->error_name, code, name,
		      r->detail);
	ck_assert_str_eq(r->error_name, name);
	ck_assert_int_eq(r->engine_err.code, code);
	ck_assert_str_eq(r->engine_err.name, name);
}

static const struct explain_equiv *equiv_of(const char *kind)
{
	char key[64];
	snprintf(key, sizeof key, "kind:%s", kind);
	const struct explain_equiv *eq = explain_equiv_find(key);
	ck_assert_msg(eq != NULL, "no [%s] in equivalents.ini", key);
	return eq;
}

void ec_assert_not_equiv(const char *kind, const char *stack, long code)
{
	const struct explain_equiv *eq = equiv_of(kind);
	for (size_t i = 0; i < eq->nrows; i++)
		ck_assert_msg(!(strcmp(eq->rows[i]->stack, stack) == 0 && eq->rows[i]->code == code),
			      "[kind:%s] lists %s %ld, which the real engine contradicts", kind, stack, code);
}

void ec_assert_equiv(const char *kind, const char *stack, long code)
{
	const struct explain_equiv *eq = equiv_of(kind);
	for (size_t i = 0; i < eq->nrows; i++)
		if (strcmp(eq->rows[i]->stack, stack) == 0 && eq->rows[i]->code == code)
			return;
	ck_abort_msg("[kind:%s] does not list %s %ld, which the real engine gave", kind, stack, code);
}

/* tshark's output for argv (first line), at most len bytes. */
static void tshark_line(char *const argv[], char *out, size_t len)
{
	int fds[2];
	out[0] = '\0';
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(fds[1], 1) < 0 || dup2(null, 2) < 0 || dup2(null, 0) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t have = 0;
	ssize_t n;
	while (have + 1 < len && (n = read(fds[0], out + have, len - 1 - have)) > 0)
		have += (size_t)n;
	out[have] = '\0';
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	out[strcspn(out, "\r\n")] = '\0';
}

const char *ec_keylog_decrypts(struct client_case *cc, struct client_result *r, const char *name)
{
	static char line[256];
	char pcap[200], keys[220], err[256] = "", rel[64], srv[64], keyopt[260];
	snprintf(pcap, sizeof pcap, "%s", tf_path(3, name));
	ck_assert_int_eq(capture_keylog_path(pcap, keys, sizeof keys), 0);
	struct capture_opts o = { .mode = CAPTURE_RELAY, .server_host = cc->host, .server_port = cc->port,
				  .pcap_path = pcap };
	struct capture *cap = capture_begin(&o, err, sizeof err);
	ck_assert_msg(cap != NULL, "capture: %s", err);
	uint16_t server_port = cc->port;
	cc->host = capture_connect_host(cap);
	cc->port = capture_connect_port(cap);
	cc->keylog_path = keys;
	ck_assert_msg(client_run(cc, r, err, sizeof err) == 0, "client_run: %s", err);
	struct capture_stats st;
	ck_assert_msg(capture_end(cap, &st, err, sizeof err) == 0, "capture_end: %s", err);
	ck_assert_msg(r->connected, "%s", r->detail);
	ck_assert_int_ge(r->keylog_lines, 1);
	snprintf(rel, sizeof rel, "tcp.port==%u,tls", (unsigned int)cc->port);
	snprintf(srv, sizeof srv, "tcp.port==%u,tls", (unsigned int)server_port);
	snprintf(keyopt, sizeof keyopt, "tls.keylog_file:%s", keys);
	char *argv[] = { "tshark", "-n", "-r", pcap, "-o", keyopt, "-d", rel, "-d", srv, "-Y", "http.request",
			 "-T", "fields", "-e", "http.request.method", NULL };
	tshark_line(argv, line, sizeof line);
	return line;
}
