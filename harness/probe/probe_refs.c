/*
 * probe_refs.c - the reference clients of 'tlsdiag probe': real desktop
 * programs (openssl s_client, curl, Python's ssl), each run through its own
 * relay so its connection is captured like a device's, with its key log
 * (SSLKEYLOGFILE, or s_client's -keylogfile).
 *
 * They trust --ca when given, else the system store: a device that fails
 * where these connect is the device's problem, one that fails with them too
 * is the server's.  A program that is not installed is reported as skipped.
 * The programs run through proc.c (no shell); nothing of the target's goes
 * on a command line but the name and port the user gave.
 */
#include "harness/probe/probe.h"

#include "harness/core/json.h"
#include "harness/run/outdir.h"
#include "harness/servers/proc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Python's ssl as an application uses it: the default context, SNI and hostname check on. */
static const char probe_python[] =
	"import socket, ssl, sys\n"
	"host, port, name, ca, t = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])\n"
	"ctx = ssl.create_default_context(cafile=ca or None)\n"
	"try:\n"
	"    with socket.create_connection((host, port), timeout=t) as s:\n"
	"        with ctx.wrap_socket(s, server_hostname=name) as c:\n"
	"            print('connected', c.version(), c.cipher()[0])\n"
	"            c.sendall(b'GET / HTTP/1.1\\r\\nHost: ' + name.encode() + b'\\r\\nConnection: close\\r\\n\\r\\n')\n"
	"            c.recv(1)\n"
	"except (ssl.SSLError, ssl.CertificateError) as e:\n"
	"    print('error', 'ssl.SSLError:', e); sys.exit(1)\n"
	"except OSError as e:\n"
	"    print('error', 'OSError:', e); sys.exit(1)\n";

enum probe_ref { REF_OPENSSL, REF_CURL, REF_PYTHON, REF_COUNT };

static const char *const probe_ref_names[REF_COUNT] = { "openssl", "curl", "python3" };
static const char *const probe_ref_programs[REF_COUNT] = { "openssl", "curl", "python3" };

size_t probe_reference_count(void)
{
	return REF_COUNT;
}

static bool probe_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int n = snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, prog);
		if (n > 0 && (size_t)n < sizeof buf && access(buf, X_OK) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static bool probe_is_ip(const char *name)
{
	struct in_addr a;
	struct in6_addr a6;
	return inet_pton(AF_INET, name, &a) == 1 || inet_pton(AF_INET6, name, &a6) == 1;
}

/* The environment with SSLKEYLOGFILE set (curl and Python write their key logs there). */
static char **probe_env(const char *keylog, char *kv, size_t kvlen)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof *env);
	if (!env)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "SSLKEYLOGFILE=", 14) != 0)
			env[j++] = environ[i];
	snprintf(kv, kvlen, "SSLKEYLOGFILE=%s", keylog);
	env[j++] = kv;
	env[j] = NULL;
	return env;
}

/* The last line of the log that begins with prefix (its rest), or NULL. */
static const char *probe_log_line(const char *log, const char *prefix, char *buf, size_t len)
{
	const char *found = NULL;
	size_t pl = strlen(prefix);
	for (const char *p = log; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l >= pl && strncmp(p, prefix, pl) == 0) {
			snprintf(buf, len, "%.*s", (int)(l - pl), p + pl);
			found = buf;
		}
		p = e ? e + 1 : NULL;
	}
	return found;
}

/* The program's log, NUL-terminated, at most len - 1 bytes; control bytes shown as '?'. */
static void probe_read_log(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
			buf[i] = '?';
}

/* The reading of each program's log: connected, and its error as it printed it. */
static void probe_ref_judge(enum probe_ref r, int status, const char *log, struct probe_attempt *a)
{
	char line[256];
	const char *s;
	a->connected = status == 0;
	switch (r) {
	case REF_OPENSSL:
		a->connected = a->connected && strstr(log, "CONNECTION ESTABLISHED") != NULL;
		if ((s = probe_log_line(log, "Protocol version: ", line, sizeof line)))
			snprintf(a->version, sizeof a->version, "%s", s);
		if (!a->connected && ((s = probe_log_line(log, "verify error:", line, sizeof line)) ||
				      (s = strstr(log, ":error:"))))
			snprintf(a->error, sizeof a->error, "s_client: %.180s", s == line ? line : s + 1);
		break;
	case REF_CURL:
		if (!a->connected && (s = probe_log_line(log, "curl: ", line, sizeof line)))
			snprintf(a->error, sizeof a->error, "curl: %s", s);
		break;
	case REF_PYTHON:
		if (!a->connected && (s = probe_log_line(log, "error ", line, sizeof line)))
			snprintf(a->error, sizeof a->error, "%s", s);
		break;
	case REF_COUNT:
	default:
		break;
	}
	if (!a->connected && !a->error[0])
		snprintf(a->error, sizeof a->error, "exit status %d", status);
	char *nl = strchr(a->error, '\n');
	if (nl)
		*nl = '\0';
}

void probe_reference_run(const struct probe_opts *o, size_t i, const char *name, struct probe_attempt *a)
{
	enum probe_ref r = (enum probe_ref)i;
	struct probe_leg leg;
	struct proc p = { 0 };
	char label[64], log[4400], req[4400], err[256], conn[300], to[600], url[600], secs[16], ports[8];
	char kv[4500], out[4096];
	const char *argv[24];
	size_t n = 0;
	bool ip = probe_is_ip(name);

	snprintf(a->name, sizeof a->name, "%s", probe_ref_names[r]);
	snprintf(a->engine, sizeof a->engine, "%s", probe_ref_programs[r]);
	a->kind = PROBE_REFERENCE;
	a->alert = -1;
	snprintf(a->ca, sizeof a->ca, "%s", o->ca_path ? "given (--ca)" : "system store");
	if (!probe_in_path(probe_ref_programs[r])) {
		a->ran = a->skipped = true;
		snprintf(a->error, sizeof a->error, "skipped: %s is not installed", probe_ref_programs[r]);
		return;
	}
	snprintf(label, sizeof label, "reference-%s", probe_ref_names[r]);
	if (probe_leg_begin(o, label, &leg, a) != 0)
		return;
	snprintf(log, sizeof log, "%s/client.log", leg.dir);
	snprintf(req, sizeof req, "%s/request.txt", leg.dir);
	snprintf(conn, sizeof conn, "%s:%u", leg.host, leg.port);
	snprintf(secs, sizeof secs, "%d", (o->timeout_ms + 999) / 1000);
	snprintf(ports, sizeof ports, "%u", leg.port);
	switch (r) {
	case REF_OPENSSL: {
		char text[600];
		int tl = snprintf(text, sizeof text, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", name);
		if (tl > 0 && (size_t)tl < sizeof text)
			outdir_write_text(req, text, (size_t)tl, err, sizeof err);
		const char *base[] = { "openssl", "s_client", "-connect", conn, "-brief", "-no_ign_eof", "-verify_return_error",
				       "-keylogfile", leg.keylog };
		for (size_t k = 0; k < sizeof base / sizeof base[0]; k++)
			argv[n++] = base[k];
		argv[n++] = ip ? "-noservername" : "-servername";
		if (!ip)
			argv[n++] = name;
		argv[n++] = ip ? "-verify_ip" : "-verify_hostname";
		argv[n++] = name;
		argv[n++] = o->ca_path ? "-CAfile" : "-CApath";
		argv[n++] = o->ca_path ? o->ca_path : "/etc/ssl/certs";
		break;
	}
	case REF_CURL:
		snprintf(to, sizeof to, "%s%s%s:%u:%s:%u", ip && strchr(name, ':') ? "[" : "", name,
			 ip && strchr(name, ':') ? "]" : "", o->port, leg.host, leg.port);
		snprintf(url, sizeof url, "https://%s%s%s:%u/", ip && strchr(name, ':') ? "[" : "", name,
			 ip && strchr(name, ':') ? "]" : "", o->port);
		argv[n++] = "curl";
		argv[n++] = "-sS";
		argv[n++] = "-o";
		argv[n++] = "/dev/null";
		argv[n++] = "--max-time";
		argv[n++] = secs;
		argv[n++] = "--connect-to";
		argv[n++] = to;
		if (o->ca_path) {
			argv[n++] = "--cacert";
			argv[n++] = o->ca_path;
		}
		argv[n++] = url;
		break;
	case REF_PYTHON:
		argv[n++] = "python3";
		argv[n++] = "-c";
		argv[n++] = probe_python;
		argv[n++] = leg.host;
		argv[n++] = ports;
		argv[n++] = name;
		argv[n++] = o->ca_path ? o->ca_path : "";
		argv[n++] = secs;
		break;
	case REF_COUNT:
	default:
		break;
	}
	argv[n] = NULL;
	char **env = probe_env(leg.keylog, kv, sizeof kv);
	struct proc_opts po = { .log_path = log, .stdin_path = r == REF_OPENSSL ? req : NULL, .envp = env };
	if (!env || proc_spawn(&p, (char *const *)argv, &po, err, sizeof err) != 0) {
		snprintf(a->error, sizeof a->error, "could not start %s: %s", probe_ref_programs[r],
			 env ? err : "out of memory");
	} else {
		int waited = proc_wait(&p, o->timeout_ms * 3);
		if (waited != 0) {
			proc_stop(&p, 500);
			snprintf(a->error, sizeof a->error, "%s gave no answer within %d ms", probe_ref_programs[r],
				 o->timeout_ms * 3);
		}
		a->ran = true;
		probe_read_log(log, out, sizeof out);
		if (waited == 0)
			probe_ref_judge(r, WIFEXITED(p.status) ? WEXITSTATUS(p.status) : 128 + WTERMSIG(p.status), out, a);
	}
	free(env);
	probe_leg_end(&leg, a);
	/* The capture knows the version and suite the program chose; connected ones need no diagnosis. */
	if (a->connected)
		a->diag_code[0] = a->diag_summary[0] = a->diag_fix[0] = '\0';
	a->verified = a->connected;
}
