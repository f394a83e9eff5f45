/*
 * test_servers.c - integration: every profile started for real (Apache
 * httpd, openssl s_server on 127.0.0.1), probed with `openssl s_client`
 * with settings that must work and settings that must fail, asserting the
 * negotiated version, cipher, certificate chain, the client's error and
 * the server's log line; then stopped, with no process of its group left,
 * its dir gone, and only loopback ever bound.
 *
 * The test makes itself a child subreaper so that anything a server left
 * behind would come back to it (and be seen), not vanish under PID 1.
 */
#include "harness/servers/proc.h"
#include "harness/servers/server.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char rundir[] = "/tmp/tlsdiag-test-servers-XXXXXX";

/* One s_client run against a profile. */
struct client_case {
	const char *args; /* extra s_client arguments; "@file" is server_file(file) */
	const char *sni; /* NULL: the profile's name; "": no SNI; else this name */
	const char *verify; /* name to verify; NULL: the profile's name */
	bool ok; /* handshake and verification succeed */
	const char *version; /* "TLSv1.2"; NULL: not checked */
	const char *cipher; /* prefix of the cipher name; NULL: not checked */
	int chain; /* certificates the server sent; 0: not checked */
	const char *cn; /* depth-0 subject holds "CN = <cn>"; NULL: not checked */
	const char *out_has; /* s_client's output holds this */
	const char *log_has; /* the server's log holds this afterwards */
	int max_record; /* server handshake records are at most this long (needs -msg); 0: not checked */
};

struct profile_case {
	const char *profile;
	struct client_case c[5];
};

#define AXTLS_SUITES "-tls1_2 -cipher AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256"
#define SEC0 "-cipher DEFAULT:@SECLEVEL=0"
#define WILD "CN = *.servicebus.tlsdiag.test"

static const struct profile_case cases[] = {
	{ "selfsigned-apache",
	  { { "", NULL, NULL, true, "TLSv1.3", "TLS_AES_256_GCM_SHA384", 1, "127.0.0.1", NULL, NULL, 0 },
	    /* CN = 127.0.0.1 and no SAN: a client that wants an IP SAN rejects it */
	    { "-verify_ip 127.0.0.1", NULL, "", false, NULL, NULL, 0, NULL, "IP address mismatch", NULL, 0 },
	    { "-tls1_2", NULL, NULL, true, "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", 1, NULL, NULL, NULL, 0 },
	    /* the ESP8266: axTLS's four RSA suites against the tutorial's FS-only list */
	    { AXTLS_SUITES, NULL, NULL, false, NULL, NULL, 0, NULL, "alert handshake failure", "no shared cipher",
	      0 } } },
	{ "apache-default",
	  { { AXTLS_SUITES, NULL, NULL, true, "TLSv1.2", "AES128-SHA", 1, "127.0.0.1", NULL, NULL, 0 },
	    { "", NULL, NULL, true, "TLSv1.3", NULL, 1, NULL, NULL, NULL, 0 } } },
	{ "azure-like",
	  { { "", NULL, NULL, true, "TLSv1.3", NULL, 2, WILD, NULL, NULL, 0 },
	    /* no SNI: Apache completes the handshake with the default vhost's certificate */
	    { "", "", NULL, false, NULL, NULL, 0, "wrong.tlsdiag.test", "hostname mismatch", NULL, 0 },
	    { "", "other.tlsdiag.test", NULL, false, NULL, NULL, 0, "wrong.tlsdiag.test", "hostname mismatch", NULL,
	      0 },
	    { "-tls1_1 " SEC0, NULL, NULL, false, NULL, NULL, 0, NULL, "alert protocol version", NULL, 0 } } },
	{ "azure-2015",
	  { { "-tls1 " SEC0, NULL, NULL, true, "TLSv1", "ECDHE-RSA-AES", 2, WILD, NULL, NULL, 0 },
	    { "-tls1_2 -cipher AES128-SHA", NULL, NULL, true, "TLSv1.2", "AES128-SHA", 2, NULL, NULL, NULL, 0 },
	    { "-tls1_3", NULL, NULL, false, NULL, NULL, 0, NULL, "alert protocol version", NULL, 0 } } },
	{ "legacy",
	  { { "-tls1_1 -cipher AES128-SHA:@SECLEVEL=0", NULL, NULL, true, "TLSv1.1", "AES128-SHA", 2, NULL, NULL,
	      NULL, 0 },
	    /* the server answers TLS 1.1 to a TLS 1.2-only client, which gives up itself */
	    { "-tls1_2", NULL, NULL, false, NULL, NULL, 0, NULL, "unsupported protocol", NULL, 0 },
	    { "-tls1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0", NULL, NULL, false, NULL, NULL, 0, NULL,
	      "alert handshake failure", "no shared cipher", 0 } } },
	{ "modern",
	  { { "", NULL, NULL, true, "TLSv1.3", NULL, 2, "CN = tlsdiag.test", NULL, NULL, 0 },
	    { "-tls1_2", NULL, NULL, false, NULL, NULL, 0, NULL, "alert protocol version", NULL, 0 } } },
	{ "ecdsa-only",
	  { { "-tls1_2", NULL, NULL, true, "TLSv1.2", "ECDHE-ECDSA-", 2, NULL, "Server public key is 256 bit", NULL,
	      0 },
	    { "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256", NULL, NULL, false, NULL, NULL, 0, NULL,
	      "alert handshake failure", "no shared cipher", 0 } } },
	{ "mutual-tls",
	  { { "-cert @client.pem -key @client.key", NULL, NULL, true, "TLSv1.3", NULL, 2, NULL, NULL, NULL, 0 },
	    { "-tls1_2", NULL, NULL, false, NULL, NULL, 0, NULL, NULL, "peer did not return a certificate", 0 },
	    { "-tls1_2 -cert @other-client.pem -key @other-client.key", NULL, NULL, false, NULL, NULL, 0, NULL,
	      "alert unknown ca", NULL, 0 } } },
	{ "small-records",
	  { { "-tls1_2 -msg", NULL, NULL, true, "TLSv1.2", NULL, 2, NULL, NULL, NULL, 512 } } },
	{ "openssl-default", { { "", NULL, NULL, true, "TLSv1.3", NULL, 2, NULL, NULL, NULL, 0 } } },
	{ "expired",
	  { { "", NULL, NULL, false, NULL, NULL, 0, NULL, "certificate has expired", NULL, 0 } } },
	{ "not-yet-valid", { { "", NULL, NULL, false, NULL, NULL, 0, NULL, "certificate is not yet valid", NULL, 0 } } },
	{ "wrong-host",
	  { { "", NULL, NULL, false, NULL, NULL, 0, "CN = wrong.tlsdiag.test", "hostname mismatch", NULL, 0 },
	    { "", "wrong.tlsdiag.test", "wrong.tlsdiag.test", true, "TLSv1.3", NULL, 2, NULL, NULL, NULL, 0 } } },
	{ "sha1-chain",
	  { { "", NULL, NULL, false, NULL, NULL, 0, NULL, "CA signature digest algorithm too weak", NULL, 0 },
	    { SEC0, NULL, NULL, true, "TLSv1.3", NULL, 2, NULL, NULL, NULL, 0 } } },
	{ "rsa1024",
	  { { "", NULL, NULL, false, NULL, NULL, 0, NULL, "EE certificate key too weak", NULL, 0 },
	    { SEC0, NULL, NULL, true, "TLSv1.3", NULL, 2, NULL, "Server public key is 1024 bit", NULL, 0 } } },
	{ "dh-small",
	  { { "", NULL, NULL, false, NULL, NULL, 0, NULL, "dh key too small", NULL, 0 },
	    { SEC0, NULL, NULL, true, "TLSv1.2", "DHE-RSA-", 2, NULL, "Server Temp Key: DH, 1024 bits", NULL, 0 } } },
	{ "no-intermediate",
	  { { "", NULL, NULL, false, NULL, NULL, 1, NULL, "unable to get local issuer certificate", NULL, 0 } } },
	{ "tls12-only",
	  { { "", NULL, NULL, true, "TLSv1.2", NULL, 2, NULL, NULL, NULL, 0 },
	    { "-tls1_3", NULL, NULL, false, NULL, NULL, 0, NULL, "alert protocol version", NULL, 0 } } },
};

#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* Runs s_client for one case; returns its output (caller frees) and sets *status. */
static char *run_client(struct server *s, const struct client_case *c, int *status)
{
	char addr[64], out[512], words[512], *save = NULL, *w;
	char *argv[64];
	int n = 0;
	const char *name = server_cert_name(s);
	const char *sni = c->sni ? c->sni : name, *verify = c->verify ? c->verify : name;
	struct proc p;
	struct proc_opts o = { .stdin_path = "/dev/null" };
	char err[256];

	snprintf(addr, sizeof addr, "127.0.0.1:%u", server_port(s));
	snprintf(out, sizeof out, "%s/s_client.out", rundir);
	unlink(out);
	o.log_path = out;
	argv[n++] = "openssl";
	argv[n++] = "s_client";
	argv[n++] = "-connect";
	argv[n++] = addr;
	argv[n++] = "-CAfile";
	argv[n++] = (char *)server_ca_pem(s);
	argv[n++] = "-verify_return_error";
	argv[n++] = "-showcerts";
	if (*verify) {
		/* -verify_hostname also matches a CN-only 127.0.0.1; -verify_ip wants an IP SAN */
		argv[n++] = "-verify_hostname";
		argv[n++] = (char *)verify;
	}
	if (*sni == '\0' || strcmp(sni, "127.0.0.1") == 0) {
		argv[n++] = "-noservername";
	} else {
		argv[n++] = "-servername";
		argv[n++] = (char *)sni;
	}
	snprintf(words, sizeof words, "%s", c->args);
	for (w = strtok_r(words, " ", &save); w && n < 62; w = strtok_r(NULL, " ", &save)) {
		if (*w == '@') {
			argv[n] = (char *)server_file(s, w + 1);
			ck_assert_msg(argv[n] != NULL, "no factory file %s", w + 1);
			n++;
		} else {
			argv[n++] = w;
		}
	}
	argv[n] = NULL;
	ck_assert_msg(proc_spawn(&p, argv, &o, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(proc_wait(&p, 20000) == 0, "s_client did not finish");
	*status = WIFEXITED(p.status) ? WEXITSTATUS(p.status) : 128 + WTERMSIG(p.status);
	char *text = tu_slurp(out, NULL);
	ck_assert_msg(text != NULL, "%s: %s", out, strerror(errno));
	return text;
}

/* Version and cipher from the SSL-Session block ("New, X" names the cipher's version, not the protocol). */
static void negotiated(const char *out, char *ver, char *cipher)
{
	const char *p = strstr(out, "\n    Protocol  : "), *c = strstr(out, "\n    Cipher    : ");
	ver[0] = cipher[0] = '\0';
	if (p)
		sscanf(p, "\n    Protocol  : %31s", ver);
	if (c)
		sscanf(c, "\n    Cipher    : %63s", cipher);
	/* TLS 1.3: s_client may quit before a session is printed; its suites name their version */
	if (!p && (p = strstr(out, "\nNew, TLSv1.3, Cipher is ")) != NULL)
		sscanf(p, "\nNew, %31[^,], Cipher is %63s", ver, cipher);
}

/* Certificates in -showcerts' "Certificate chain": lines " N s:". */
static int chain_len(const char *out)
{
	int n = 0;
	for (const char *l = out; (l = strstr(l, " s:")) != NULL; l += 3) {
		const char *b = l;
		while (b > out && b[-1] >= '0' && b[-1] <= '9')
			b--;
		if (b < l && b > out && b[-1] == ' ' && (b - 1 == out || b[-2] == '\n'))
			n++;
	}
	return n;
}

/* Server-to-client handshake records (type 22) from -msg: all at most max, one exactly max. */
static void check_records(const char *out, int max)
{
	int seen_max = 0, count = 0;
	for (const char *l = out; (l = strstr(l, "<<< ")) != NULL; l++) {
		unsigned int t, v1, v2, h, lo;
		const char *nl = strstr(l, "RecordHeader");
		const char *eol = strchr(l, '\n');
		if (!nl || !eol || nl > eol)
			continue;
		if (sscanf(eol + 1, " %x %x %x %x %x", &t, &v1, &v2, &h, &lo) != 5 || t != 22)
			continue;
		count++;
		ck_assert_int_le((int)(h << 8 | lo), max);
		seen_max += (int)(h << 8 | lo) == max;
	}
	ck_assert_int_gt(count, 3); /* the certificate chain alone needs several */
	ck_assert_int_gt(seen_max, 0);
}

static bool log_has(struct server *s, long mark, const char *what)
{
	char path[300];
	long long deadline = now_ms() + 5000;
	bool found = false;
	snprintf(path, sizeof path, "%s/server-log.txt", rundir);
	/* the server may write its line just after the client saw the alert */
	while (!found && now_ms() < deadline) {
		FILE *f = fopen(path, "w");
		char *text;
		ck_assert_ptr_nonnull(f);
		server_log_since(s, mark, f);
		fclose(f);
		text = tu_slurp(path, NULL);
		ck_assert_msg(text != NULL, "%s: %s", path, strerror(errno));
		found = strstr(text, what) != NULL;
		free(text);
		if (!found)
			poll(NULL, 0, 20);
	}
	unlink(path);
	return found;
}

/* Only 127.0.0.1 listens on port: /proc/net/tcp has it as 0100007F, tcp6 not at all. */
static void check_loopback_only(uint16_t port)
{
	char line[512], suffix[16], want[32];
	int found = 0;
	FILE *f = fopen("/proc/net/tcp", "r");
	ck_assert_ptr_nonnull(f);
	snprintf(suffix, sizeof suffix, ":%04X", port);
	snprintf(want, sizeof want, "0100007F:%04X", port);
	while (fgets(line, sizeof line, f)) {
		char local[80], st[8];
		size_t n;
		if (sscanf(line, " %*s %79s %*s %7s", local, st) != 2 || strcmp(st, "0A") != 0)
			continue;
		n = strlen(local);
		if (n < 5 || strcmp(local + n - 5, suffix) != 0)
			continue;
		ck_assert_str_eq(local, want);
		found++;
	}
	fclose(f);
	ck_assert_int_eq(found, 1);
	f = fopen("/proc/net/tcp6", "r");
	if (f) {
		while (fgets(line, sizeof line, f)) {
			char local[80], st[8];
			size_t n;
			if (sscanf(line, " %*s %79s %*s %7s", local, st) == 2 && strcmp(st, "0A") == 0 &&
			    (n = strlen(local)) >= 5)
				ck_assert_msg(strcmp(local + n - 5, suffix) != 0, "listens on IPv6");
		}
		fclose(f);
	}
}

/* After a stop: no process of the group, nothing left to reap, the dir gone. */
static void check_gone(pid_t pgid, const char *dir)
{
	struct stat st;
	pid_t r;
	while ((r = waitpid(-1, NULL, WNOHANG)) > 0)
		ck_abort_msg("orphan %d of the server came back to the test", (int)r);
	ck_assert(kill(-pgid, 0) == -1 && errno == ESRCH);
	ck_assert(kill(pgid, 0) == -1 && errno == ESRCH);
	ck_assert_msg(stat(dir, &st) == -1 && errno == ENOENT, "%s still there", dir);
}

static void setup(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/*
 * A failed assertion _exit()s the forked test before server_stop.  s_server
 * then dies of PR_SET_PDEATHSIG, but Apache started as root has switched to
 * 'nobody', which clears that setting: find such an Apache by the PidFile in
 * its dir (left behind, since server_stop did not run) and stop it by pid.
 * Returns how many were still running.
 */
static int stop_leftovers(void)
{
	DIR *d = opendir(rundir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		long pid = 0;
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s/apache.pid", rundir, e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fscanf(f, "%ld", &pid) == 1 && pid > 1 && kill((pid_t)pid, 0) == 0) {
			fprintf(stderr, "test_servers: Apache %ld of %s left running; killing it\n", pid, e->d_name);
			kill((pid_t)pid, SIGKILL);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

START_TEST(profile_behaves)
{
	const struct profile_case *pc = &cases[_i];
	struct server_opts o = { .workdir = rundir };
	char err[1024], dir[300];
	struct server *s = server_start(pc->profile, &o, err, sizeof err);
	pid_t pgid;
	ck_assert_msg(s != NULL, "%s: %s", pc->profile, err);
	ck_assert_str_eq(server_profile(s), pc->profile);
	ck_assert_str_eq(server_host(s), "127.0.0.1");
	check_loopback_only(server_port(s));
	for (int i = 0; i < 5 && pc->c[i].args; i++) {
		const struct client_case *c = &pc->c[i];
		char ver[32], cipher[64];
		int status;
		long mark = server_log_since(s, 0, NULL);
		char *out = run_client(s, c, &status);
		negotiated(out, ver, cipher);
		if (c->ok) {
			ck_assert_msg(status == 0 && strstr(out, "Verify return code: 0 (ok)"), "%s case %d should work:\n%.2000s",
				      pc->profile, i, out);
		} else {
			ck_assert_msg(status != 0, "%s case %d should fail:\n%.2000s", pc->profile, i, out);
		}
		if (c->version)
			ck_assert_msg(strcmp(ver, c->version) == 0, "%s case %d: version %s", pc->profile, i, ver);
		if (c->cipher)
			ck_assert_msg(strncmp(cipher, c->cipher, strlen(c->cipher)) == 0, "%s case %d: cipher %s",
				      pc->profile, i, cipher);
		if (c->chain)
			ck_assert_msg(chain_len(out) == c->chain, "%s case %d: chain of %d:\n%.2000s", pc->profile, i,
				      chain_len(out), out);
		if (c->cn) {
			const char *d0 = strstr(out, "depth=0 ");
			ck_assert_msg(d0 && strstr(d0, c->cn) && strstr(d0, c->cn) < strchr(d0, '\n'),
				      "%s case %d: depth 0 is not %s:\n%.2000s", pc->profile, i, c->cn, out);
		}
		if (c->out_has)
			ck_assert_msg(strstr(out, c->out_has), "%s case %d: no '%s' in:\n%.2000s", pc->profile, i, c->out_has,
				      out);
		if (c->log_has)
			ck_assert_msg(log_has(s, mark, c->log_has), "%s case %d: no '%s' in the server log",
				      pc->profile, i, c->log_has);
		if (c->max_record)
			check_records(out, c->max_record);
		free(out);
	}
	pgid = server_pid(s);
	ck_assert_int_gt(pgid, 0);
	ck_assert_int_eq(getpgid(pgid), pgid);
	snprintf(dir, sizeof dir, "%s", server_dir(s));
	server_stop(s);
	check_gone(pgid, dir);
}
END_TEST

START_TEST(own_run_dir_removed_unless_kept)
{
	char err[1024], dir[300], run[300], cmd[400];
	struct stat st;
	struct server_opts o = { 0 };
	struct server *s = server_start("tls12-only", &o, err, sizeof err);
	pid_t pgid;
	ck_assert_msg(s != NULL, "%s", err);
	snprintf(dir, sizeof dir, "%s", server_dir(s));
	snprintf(run, sizeof run, "%s", dir);
	*strrchr(run, '/') = '\0';
	ck_assert_int_eq(stat(run, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(stat(server_file(s, "client.key"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	pgid = server_pid(s);
	server_stop(s);
	check_gone(pgid, dir);
	ck_assert(stat(run, &st) == -1 && errno == ENOENT);

	o.keep = true;
	s = server_start("tls12-only", &o, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	snprintf(dir, sizeof dir, "%s", server_dir(s));
	server_stop(s);
	ck_assert_int_eq(stat(dir, &st), 0);
	snprintf(run, sizeof run, "%s", dir);
	*strrchr(run, '/') = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", run);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(unknown_profile_lists_known)
{
	char err[1024];
	ck_assert_ptr_null(server_start("no-such-profile", NULL, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "unknown profile 'no-such-profile'"));
	ck_assert_ptr_nonnull(strstr(err, "azure-like"));
	ck_assert_ptr_nonnull(strstr(err, "selfsigned-apache"));
}
END_TEST

static uint16_t bound_port(int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(*fd, 0);
	ck_assert_int_eq(bind(*fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(*fd, 1), 0);
	ck_assert_int_eq(getsockname(*fd, (struct sockaddr *)&a, &l), 0);
	return ntohs(a.sin_port);
}

START_TEST(fixed_port_taken_and_free)
{
	char err[1024];
	int fd;
	struct server_opts o = { .workdir = rundir };
	struct server *s;
	o.port = bound_port(&fd);
	ck_assert_ptr_null(server_start("modern", &o, err, sizeof err));
	ck_assert_msg(strstr(err, "is taken"), "%s", err);
	close(fd); /* now free: the server gets exactly that port */
	s = server_start("modern", &o, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(server_port(s), o.port);
	server_stop(s);
}
END_TEST

START_TEST(missing_programs_named)
{
	char err[1024];
	struct server_opts o = { .workdir = rundir };
	setenv("TLSDIAG_APACHE", "/nonexistent/apache2", 1);
	ck_assert_ptr_null(server_start("azure-like", &o, err, sizeof err));
	ck_assert_msg(strstr(err, "Debian package apache2"), "%s", err);
	setenv("TLSDIAG_OPENSSL", "/nonexistent/openssl", 1);
	ck_assert_ptr_null(server_start("legacy", &o, err, sizeof err));
	ck_assert_msg(strstr(err, "Debian package openssl"), "%s", err);
	unsetenv("TLSDIAG_APACHE");
	unsetenv("TLSDIAG_OPENSSL");
}
END_TEST

START_TEST(start_failure_quotes_log)
{
	char err[1024], script[300];
	struct server_opts o = { .workdir = rundir };
	FILE *f;
	snprintf(script, sizeof script, "%s/fake-httpd", rundir);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\necho \"AH00526: Syntax error on line 7 of x: Invalid command 'Bogus'\" >&2\nexit 1\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0700), 0);
	setenv("TLSDIAG_APACHE", script, 1);
	ck_assert_ptr_null(server_start("selfsigned-apache", &o, err, sizeof err));
	unsetenv("TLSDIAG_APACHE");
	ck_assert_msg(strstr(err, "exited with status 1"), "%s", err);
	ck_assert_msg(strstr(err, "Invalid command 'Bogus'"), "%s", err);
	unlink(script);
}
END_TEST

/* Entries of dir other than . and .. (-1: it cannot be opened). */
static int entries_in(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* A dir under rundir with mode (exactly: the umask plays no part), made fresh. */
static void make_dir(char *out, size_t len, const char *name, mode_t mode)
{
	snprintf(out, len, "%s/%s", rundir, name);
	ck_assert_int_eq(mkdir(out, 0700), 0);
	ck_assert_int_eq(chmod(out, mode), 0);
}

/* A workdir that is a link to a private dir of ours is refused (with or without a trailing '/'); nothing goes in. */
START_TEST(workdir_symlink_refused)
{
	char err[1024], real[300], link[300], slash[310];
	struct server_opts o = { 0 };
	make_dir(real, sizeof real, "real", 0700);
	snprintf(link, sizeof link, "%s/linked", rundir);
	ck_assert_int_eq(symlink(real, link), 0);
	o.workdir = link;
	ck_assert_ptr_null(server_start("modern", &o, err, sizeof err));
	ck_assert_msg(strstr(err, "is a symbolic link") && strstr(err, link), "%s", err);
	snprintf(slash, sizeof slash, "%s/", link);
	o.workdir = slash;
	ck_assert_ptr_null(server_start("modern", &o, err, sizeof err));
	ck_assert_msg(strstr(err, "is a symbolic link"), "%s", err);
	ck_assert_int_eq(entries_in(real), 0); /* no certs/, no server dir, no key */
	unlink(link);
	rmdir(real);
}
END_TEST

/* A workdir that others can write, or only read, or that sits in a dir others can write, is refused; nothing goes in. */
START_TEST(workdir_open_mode_refused)
{
	char err[1024], open_dir[300], readable[300], parent[300], inner[320];
	struct server_opts o = { 0 };
	make_dir(open_dir, sizeof open_dir, "world-writable", 0777);
	o.workdir = open_dir;
	ck_assert_ptr_null(server_start("modern", &o, err, sizeof err));
	ck_assert_msg(strstr(err, "writable by group or others") && strstr(err, open_dir), "%s", err);
	ck_assert_int_eq(entries_in(open_dir), 0);

	make_dir(readable, sizeof readable, "readable", 0755);
	o.workdir = readable;
	ck_assert_ptr_null(server_start("modern", &o, err, sizeof err));
	ck_assert_msg(strstr(err, "its mode is 0755; it must be 0700"), "%s", err);
	ck_assert_int_eq(entries_in(readable), 0);

	/* A private dir in a world-writable one: another user could swap it for a link. */
	make_dir(parent, sizeof parent, "open-parent", 0777);
	snprintf(inner, sizeof inner, "%s/inner", parent);
	ck_assert_int_eq(mkdir(inner, 0700), 0);
	o.workdir = inner;
	ck_assert_ptr_null(server_start("modern", &o, err, sizeof err));
	ck_assert_msg(strstr(err, "writable by group or others") && strstr(err, parent), "%s", err);
	ck_assert_int_eq(entries_in(inner), 0);

	/*
	 * The same dir made private is taken: the refusals were for the modes.
	 * 0711, as apache.c leaves a run dir as root (0700 is what every other test here uses).
	 */
	ck_assert_int_eq(chmod(readable, 0711), 0);
	o.workdir = readable;
	struct server *s = server_start("modern", &o, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	server_stop(s);
	rmdir(inner);
	rmdir(parent);
	rmdir(open_dir);
}
END_TEST

START_TEST(profiles_listed)
{
	static const char *const want[] = { "selfsigned-apache", "apache-default", "azure-like", "azure-2015",
					    "legacy", "modern", "ecdsa-only", "mutual-tls", "small-records",
					    "openssl-default", NULL };
	int n = 0;
	for (const char *const *p = server_profiles(); *p; p++)
		n++;
	ck_assert_int_eq(n, N_CASES); /* every profile has a case above */
	for (const char *const *w = want; *w; w++) {
		bool found = false;
		for (const char *const *p = server_profiles(); *p; p++)
			found |= strcmp(*p, *w) == 0;
		ck_assert_msg(found, "%s missing", *w);
	}
}
END_TEST

static Suite *servers_suite(void)
{
	Suite *s = suite_create("servers");
	TCase *tc = tcase_create("profiles");
	TCase *te = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, profiles_listed);
	tcase_add_loop_test(tc, profile_behaves, 0, N_CASES);
	tcase_add_test(tc, own_run_dir_removed_unless_kept);
	tcase_add_checked_fixture(te, setup, NULL);
	tcase_set_timeout(te, 60);
	tcase_add_test(te, unknown_profile_lists_known);
	tcase_add_test(te, fixed_port_taken_and_free);
	tcase_add_test(te, missing_programs_named);
	tcase_add_test(te, start_failure_quotes_log);
	tcase_add_test(te, workdir_symlink_refused);
	tcase_add_test(te, workdir_open_mode_refused);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;
	char cmd[128];
	if (!mkdtemp(rundir)) {
		perror(rundir);
		return EXIT_FAILURE;
	}
	sr = srunner_create(servers_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	failed += stop_leftovers();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", rundir);
	if (system(cmd) != 0)
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
