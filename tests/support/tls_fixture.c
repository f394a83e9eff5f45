/* tls_fixture.c - test certificates and openssl s_server processes (see tls_fixture.h). */
#include "tests/support/tls_fixture.h"
#include "tests/support/capture_support.h"
#include "tests/support/testutil.h"

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static char path_buf[16][160];
static pid_t owner; /* the process that made dir: only it removes it (Check's forked tests inherit atexit) */

const char *tf_path(int slot, const char *name)
{
	snprintf(path_buf[slot & 15], sizeof path_buf[0], "%s/%s", dir, name);
	return path_buf[slot & 15];
}

int tf_run(char *const argv[])
{
	int status;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int tf_bound_socket(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	/* No SO_REUSEADDR: a bind that shares the port needs it on both sockets (tls_fixture.h). */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

int tf_silent_listener(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

void tf_server_start(struct proc *p, uint16_t *port, const char *const extra[])
{
	static int serial;
	char log[32];
	char *argv[40];
	int n = 0;
	snprintf(log, sizeof log, "server%d.log", serial++);
	argv[n++] = "openssl";
	argv[n++] = "s_server";
	argv[n++] = "-www"; /* no stdin reading: EOF on stdin would stop the server */
	argv[n++] = "-accept";
	argv[n++] = "127.0.0.1:0"; /* s_server binds and names the port: no other suite can take it first */
	if (!extra[0] || strcmp(extra[0], "-cert") != 0) {
		argv[n++] = "-cert";
		argv[n++] = "srv.pem";
		argv[n++] = "-key";
		argv[n++] = "srv.key";
	}
	for (int k = 0; extra[k] && n < 38; k++)
		argv[n++] = (char *)extra[k];
	argv[n] = NULL;
	char err[256] = "";
	/* Each forked test counts from 0 again: the same log, appended to and read from its old end. */
	struct proc_opts o = { .log_path = tf_path(1, log), .log_append = true };
	off_t from = cs_log_size(o.log_path);
	ck_assert_msg(proc_spawn(p, argv, &o, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(cs_accept_port(p, o.log_path, from, port, tu_bound_ms(10000)) == 0, "openssl s_server: no ACCEPT line in %s",
		      o.log_path);
	ck_assert_msg(proc_wait_port(p, "127.0.0.1", *port, (int)tu_bound_ms(10000), err, sizeof err) == 0,
		      "openssl s_server: %s", err);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void gen(const char *const args[])
{
	char *argv[40];
	int n = 0;
	for (; args[n]; n++)
		argv[n] = (char *)args[n];
	argv[n] = NULL;
	ck_assert_msg(tf_run(argv) == 0, "openssl %s failed", args[1]);
}

/* A failing unchecked setup skips its teardown: the directory still goes at exit. */
static void cleanup_at_exit(void)
{
	if (getpid() == owner)
		tf_cleanup();
}

void tf_make_certs(void)
{
	static bool registered;
	snprintf(dir, sizeof dir, "/tmp/tlsdiag-client-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	owner = getpid();
	if (!registered && atexit(cleanup_at_exit) == 0)
		registered = true;
	ck_assert_int_eq(chdir(dir), 0);
	FILE *f = fopen("ext.cnf", "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
	fclose(f);
	const char *ca[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
			     "-out", "ca.pem", "-subj", "/CN=tlsdiag test CA", "-days", "30", NULL };
	const char *other[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key",
				"-out", "other.pem", "-subj", "/CN=tlsdiag other CA", "-days", "30", NULL };
	const char *srv_req[] = { "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key",
				  "-out", "srv.csr", "-subj", "/CN=localhost", NULL };
	const char *srv_sign[] = { "openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
				   "-set_serial", "2", "-days", "30", "-extfile", "ext.cnf", "-out", "srv.pem", NULL };
	const char *cli_req[] = { "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "cli.key",
				  "-out", "cli.csr", "-subj", "/CN=device", NULL };
	const char *cli_sign[] = { "openssl", "x509", "-req", "-in", "cli.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
				   "-set_serial", "3", "-days", "30", "-out", "cli.pem", NULL };
	const char *der[] = { "openssl", "x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der", NULL };
	/* The strictness cases: an RSA 1024 leaf, a SHA-1 signed leaf, 1024-bit DH parameters. */
	const char *weak_req[] = { "openssl", "req", "-newkey", "rsa:1024", "-nodes", "-keyout", "weak.key",
				   "-out", "weak.csr", "-subj", "/CN=localhost", NULL };
	const char *weak_sign[] = { "openssl", "x509", "-req", "-in", "weak.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
				    "-set_serial", "4", "-days", "30", "-extfile", "ext.cnf", "-out", "weak.pem", NULL };
	const char *sha1_sign[] = { "openssl", "x509", "-req", "-sha1", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey",
				    "ca.key", "-set_serial", "5", "-days", "30", "-extfile", "ext.cnf", "-out", "sha1.pem",
				    NULL };
	const char *dh[] = { "openssl", "dhparam", "-out", "dh1024.pem", "1024", NULL };
	gen(ca);
	gen(other);
	gen(srv_req);
	gen(srv_sign);
	gen(cli_req);
	gen(cli_sign);
	gen(der);
	gen(weak_req);
	gen(weak_sign);
	gen(sha1_sign);
	gen(dh);
	const char *keys[] = { "ca.key", "other.key", "srv.key", "cli.key", "weak.key" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_int_eq(chmod(keys[i], 0600), 0);
}

void tf_cleanup(void)
{
	if (dir[0] && chdir("/") == 0)
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}
