/*
 * server.c - a real local TLS server from a profile (see server.h).
 *
 * How this works
 * - Dirs: the run dir (opts.workdir, e.g. one from server_rundir_make(),
 *   or a fresh $TMPDIR/tlsdiag-XXXXXX, 0700) holds certs/ (the factory,
 *   shared by every server of the run: keys are made once per run) and one
 *   private dir per server (<profile>-XXXXXX) with its configuration and
 *   logs.  server_stop removes the server's dir, and the run dir when it
 *   made it, unless opts.keep; server_rundir_remove() removes a shared one.
 * - Port: with opts.port 0, bind 127.0.0.1:0 to learn a free port, start
 *   the server on it, and if the server reports "Address already in use"
 *   (another process took the port in between) try again with a new one.
 *   A fixed port that is taken is an error at once.
 * - Readiness: the port accepts (proc_wait_port), and for Apache its
 *   PidFile exists too (written once mod_ssl has loaded the certificates).
 *   No sleeps: a dead server is noticed at once and its log line quoted.
 * - Only 127.0.0.1 is ever bound, by us or by the servers.
 * - Emergency stop (server_guard.c): servers die with tlsdiag through PR_SET_PDEATHSIG
 *   (proc.c), except Apache started as root, whose switch to nobody clears
 *   it.  So each running server is also listed in guards[] (its process
 *   group and its certs dir), and a fatal signal (SIGSEGV, SIGBUS, SIGILL,
 *   SIGFPE, SIGABRT) or exit() in the process that started it SIGKILLs the
 *   groups and unlinks the private keys with async-signal-safe calls only,
 *   then lets the signal go on (to ASan's handler, or the default).  A run
 *   dir from server_rundir_make() is removed whole on that path too.  Forks
 *   (the runner's workers) inherit the list, not the ownership: only the
 *   starting pid acts.  SIGKILL cannot be caught: after it, an Apache
 *   started as root would outlive tlsdiag: the reaper (reaper.c) covers
 *   that, having learnt every server's group and run dir as they came.
 */
#include "harness/servers/server.h"

#include "harness/run/outdir.h"
#include "harness/servers/backend.h"
#include "harness/servers/certs.h"
#include "harness/servers/proc.h"
#include "harness/servers/profile.h"
#include "harness/servers/reaper.h"
#include "harness/servers/server_guard.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SERVER_START_MS 20000
#define SERVER_STOP_GRACE_MS 3000
#define SERVER_PORT_TRIES 5
#define CERTS_MAKE_MAX 64

struct server {
	struct profile prof;
	struct proc proc;
	struct certs *certs;
	struct backend_cmd cmd;
	char workdir[PATH_MAX];
	char dir[PATH_MAX];
	char out_path[PATH_MAX]; /* the server's stdout and stderr */
	bool own_workdir, keep;
	uint16_t port;
	const char *ca_pem, *ca_der;
	int guard; /* slot in guards[]; -1: none */
};

/* --- helpers for the backends (backend.h) --- */

int backend_arg(struct backend_cmd *c, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (c->argc >= BACKEND_MAX_ARGS || c->used >= sizeof c->buf)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(c->buf + c->used, sizeof c->buf - c->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof c->buf - c->used)
		return -1;
	c->argv[c->argc++] = c->buf + c->used;
	c->argv[c->argc] = NULL;
	c->used += (size_t)n + 1;
	return 0;
}

const char *backend_cert(const struct backend_env *e, const char *file, char *err, size_t errlen)
{
	return certs_path(e->certs, file, err, errlen);
}

static int server_append_file(FILE *out, const char *path)
{
	char buf[4096];
	size_t n;
	FILE *in = fopen(path, "r");
	if (!in)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return 0;
}

int backend_concat(const struct backend_env *e, const char *out, const char *leaf, const char *list, char *err,
		   size_t errlen)
{
	char path[PATH_MAX], names[160], file[64], *save = NULL, *w;
	const char *src;
	FILE *f;
	int rc = -1;
	snprintf(path, sizeof path, "%s/%s", e->dir, out);
	snprintf(names, sizeof names, "%s %s", leaf ? leaf : "", list);
	if (!(f = fopen(path, "w"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (w = strtok_r(names, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		snprintf(file, sizeof file, "%s.pem", w);
		if (!(src = certs_path(e->certs, file, err, errlen)))
			goto out;
		if (server_append_file(f, src) != 0) {
			snprintf(err, errlen, "%s: %s", src, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int backend_find_program(const char *env, const char *const *names, char *out, size_t outlen)
{
	/* sbin dirs too: a normal user's PATH often lacks /usr/sbin, where apache2 lives */
	static const char *const extra = "/usr/local/sbin:/usr/sbin:/sbin";
	const char *v = env ? getenv(env) : NULL, *path = getenv("PATH");
	char dirs[4096];
	if (v && *v)
		return snprintf(out, outlen, "%s", v) < (int)outlen && access(out, X_OK) == 0 ? 0 : -1;
	snprintf(dirs, sizeof dirs, "%s:%s", path ? path : "/usr/bin:/bin", extra);
	for (const char *const *n = names; *n; n++) {
		const char *d = dirs;
		while (*d) {
			size_t len = strcspn(d, ":");
			struct stat st;
			if (len && snprintf(out, outlen, "%.*s/%s", (int)len, d, *n) < (int)outlen &&
			    stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
				return 0;
			d += len;
			if (*d == ':')
				d++;
		}
	}
	return -1;
}

const char *backend_version_name(unsigned int bit)
{
	switch (bit) {
	case PROFILE_SSL3:
		return "SSLv3";
	case PROFILE_TLS10:
		return "TLSv1";
	case PROFILE_TLS11:
		return "TLSv1.1";
	case PROFILE_TLS12:
		return "TLSv1.2";
	case PROFILE_TLS13:
		return "TLSv1.3";
	default:
		return "?";
	}
}

/* --- dirs --- */

/* rm -rf dir (no symlinks followed). */
static void server_rmtree(const char *dir)
{
	reaper_rmtree(dir);
}

static const char *server_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");
	return tmp && *tmp ? tmp : "/tmp";
}

/*
 * A fresh $TMPDIR/tlsdiag-<pid>-XXXXXX (0700) into dir; 0, or -1 with err
 * set and dir "".  The pid tells a later run whether its maker is gone
 * (reaper_sweep).
 */
static int server_mkdtemp(char *dir, size_t len, char *err, size_t errlen)
{
	if (snprintf(dir, len, "%s/tlsdiag-%ld-XXXXXX", server_tmpdir(), (long)getpid()) >= (int)len || !mkdtemp(dir)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		dir[0] = '\0';
		return -1;
	}
	return 0;
}

int server_rundir_make(char *dir, size_t len, char *err, size_t errlen)
{
	reaper_sweep(server_tmpdir()); /* what runs killed by SIGKILL, or before the reaper, left */
	if (server_mkdtemp(dir, len, err, errlen) != 0)
		return -1;
	reaper_watch_dir(dir);
	if (server_guard_rundir(dir) != 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		rmdir(dir);
		dir[0] = '\0';
		return -1;
	}
	return 0;
}

void server_rundir_remove(const char *dir)
{
	if (!dir || !dir[0])
		return;
	server_guard_rundir_forget(dir);
	server_rmtree(dir);
	reaper_unwatch_dir(dir);
}

/* The run dir (given, checked; or made) and its certificate factory. */
static int server_dirs_shared(struct server *s, const struct server_opts *o, char *err, size_t errlen)
{
	char certs_dir[PATH_MAX + 8];
	if (o->workdir) {
		snprintf(s->workdir, sizeof s->workdir, "%s", o->workdir);
		if (mkdir(s->workdir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", s->workdir, strerror(errno));
			return -1;
		}
		/* Made now or there before: keys go under it only if no one else can list, write or redirect it. */
		if (outdir_check_private(s->workdir, err, errlen) != 0)
			return -1;
	} else {
		if (server_mkdtemp(s->workdir, sizeof s->workdir, err, errlen) != 0)
			return -1;
		s->own_workdir = true;
		if (!s->keep) /* kept on purpose (serve --keep): not the reaper's */
			reaper_watch_dir(s->workdir);
	}
	snprintf(certs_dir, sizeof certs_dir, "%s/certs", s->workdir);
	if (!(s->certs = certs_open(certs_dir, err, errlen)))
		return -1;
	return 0;
}

/* The run dir, its factory and the server's own private dir. */
static int server_dirs(struct server *s, const struct server_opts *o, char *err, size_t errlen)
{
	if (server_dirs_shared(s, o, err, errlen) != 0)
		return -1;
	if (snprintf(s->dir, sizeof s->dir, "%s/%s-XXXXXX", s->workdir, s->prof.name) >= (int)sizeof s->dir ||
	    !mkdtemp(s->dir)) {
		snprintf(err, errlen, "%s: %s", s->dir, strerror(errno));
		s->dir[0] = '\0';
		return -1;
	}
	return 0;
}

/* --- ports --- */

static int server_bind_probe(uint16_t port, uint16_t *got)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof a;
	int one = 1, rc = -1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	/* as the servers do: a port with only TIME_WAIT connections counts as free */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
		*got = ntohs(a.sin_port);
		rc = 0;
	}
	close(fd);
	return rc;
}

/* --- logs --- */

/* The first line of path that names why a start failed, into out; 0 when one was found. */
static int server_log_reason(const char *path, char *out, size_t outlen)
{
	static const char *const marks[] = { "Address already in use", "emerg]", "Syntax error", "AH00526",
					     "error", "Error", "unable", "Invalid", "failed", NULL };
	char line[1024];
	int rc = -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	for (const char *const *m = marks; *m && rc != 0; m++) {
		rewind(f);
		while (fgets(line, sizeof line, f)) {
			if (!strstr(line, *m))
				continue;
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(out, outlen, "%s", line);
			rc = 0;
			/*
			 * "AH00526: Syntax error on line 1 of ...:" names where;
			 * the next line says what ("Invalid command 'X', ...").
			 */
			size_t n = strlen(line), o = strlen(out);
			if (n && line[n - 1] == ':' && fgets(line, sizeof line, f) && o + 1 < outlen) {
				line[strcspn(line, "\r\n")] = '\0';
				snprintf(out + o, outlen - o, " %s", line);
			}
			break;
		}
	}
	fclose(f);
	return rc;
}

static bool server_port_conflict(const struct server *s)
{
	char line[1024];
	return (server_log_reason(s->out_path, line, sizeof line) == 0 && strstr(line, "Address already in use")) ||
	       (server_log_reason(s->cmd.log_path, line, sizeof line) == 0 && strstr(line, "Address already in use"));
}

/* --- start and stop --- */

static int server_wait_ready(struct server *s, char *err, size_t errlen)
{
	struct timespec t0, t;
	struct stat st;
	if (proc_wait_port(&s->proc, "127.0.0.1", s->port, SERVER_START_MS, err, errlen) != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (s->cmd.ready_path[0] && stat(s->cmd.ready_path, &st) != 0) {
		if (!proc_alive(&s->proc)) {
			snprintf(err, errlen, "exited before it was ready");
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > SERVER_START_MS / 1000) {
			snprintf(err, errlen, "its PidFile did not appear");
			return -1;
		}
		poll(NULL, 0, 10); /* poll period of the check, not a readiness guess */
	}
	return 0;
}

/* Spawns the server on s->port (not yet waited for).  0, or -1 with err set. */
static int server_launch(struct server *s, char *err, size_t errlen)
{
	struct backend_env env = { &s->prof, s->certs, s->dir, s->port };
	struct proc_opts po = { 0 };
	int rc;
	memset(&s->cmd, 0, sizeof s->cmd);
	rc = s->prof.kind == PROFILE_APACHE ? apache_prepare(&env, &s->cmd, err, errlen)
					    : s_server_prepare(&env, &s->cmd, err, errlen);
	if (rc != 0)
		return -1;
	if (snprintf(s->out_path, sizeof s->out_path, "%s/stdout.log", s->dir) >= (int)sizeof s->out_path) {
		snprintf(err, errlen, "%s: path too long", s->dir);
		return -1;
	}
	po.log_path = s->prof.kind == PROFILE_APACHE ? s->out_path : s->cmd.log_path;
	if (s->prof.kind != PROFILE_APACHE)
		snprintf(s->out_path, sizeof s->out_path, "%s", s->cmd.log_path);
	po.cwd = s->dir;
	/*
	 * A retry after a port conflict runs in the same dir: the last try's logs
	 * go, so the log is new (proc.h) and its "Address already in use" is not
	 * read again as this try's reason.
	 */
	unlink(s->out_path);
	unlink(s->cmd.log_path);
	if (proc_spawn(&s->proc, s->cmd.argv, &po, err, errlen) != 0)
		return -1;
	reaper_watch_group(s->proc.pid); /* from now on even a SIGKILLed tlsdiag leaves no server behind */
	return 0;
}

/* Waits for a launched server.  0 ready; -1 failed (err set, process stopped). */
static int server_settle(struct server *s, char *err, size_t errlen)
{
	char why[512], line[1024];
	pid_t pgid = s->proc.pid;
	if (server_wait_ready(s, why, sizeof why) == 0)
		return 0;
	proc_stop(&s->proc, SERVER_STOP_GRACE_MS);
	reaper_unwatch_group(pgid);
	if (server_log_reason(s->out_path, line, sizeof line) == 0 ||
	    server_log_reason(s->cmd.log_path, line, sizeof line) == 0)
		snprintf(err, errlen, "%s failed to start on 127.0.0.1:%u (%s): %s", s->cmd.argv[0], s->port, why, line);
	else
		snprintf(err, errlen, "%s failed to start on 127.0.0.1:%u: %s (log: %s)", s->cmd.argv[0], s->port, why,
			 s->cmd.log_path);
	return -1;
}

/* A free port (or the fixed one) into s->port.  0, or -1 with err set. */
static int server_pick_port(struct server *s, const struct server_opts *o, char *err, size_t errlen)
{
	if (server_bind_probe(o->port, &s->port) == 0)
		return 0;
	if (o->port)
		snprintf(err, errlen, "port %u on 127.0.0.1 is taken (or not allowed); "
				      "choose another with --port, or 0 for a free one", o->port);
	else
		snprintf(err, errlen, "cannot bind 127.0.0.1: %s", strerror(errno));
	return -1;
}

static void server_free(struct server *s)
{
	pid_t pgid = s->proc.pid;
	server_guard_remove(s->guard);
	s->guard = -1;
	proc_stop(&s->proc, SERVER_STOP_GRACE_MS);
	if (pgid > 0)
		reaper_unwatch_group(pgid); /* reaped: the group id is no longer ours to kill */
	certs_close(s->certs);
	if (!s->keep) {
		server_rmtree(s->dir);
		if (s->own_workdir) {
			server_rmtree(s->workdir);
			reaper_unwatch_dir(s->workdir);
		}
	}
	free(s);
}

#define SERVER_CERTS_MAX (2 + SERVER_ALSO_MAX)

/* The certificates a server of p serves and its cases ask for: its leaf (unless its own), its anchor,
 * opts' also_make.  Their count, at most SERVER_CERTS_MAX. */
static size_t server_cert_names(const struct profile *p, const struct server_opts *o, const char **out)
{
	size_t n = 0;
	if (!profile_own_chain(p))
		out[n++] = p->leaf;
	out[n++] = p->anchor;
	for (size_t k = 0; k < SERVER_ALSO_MAX && o->also_make[k]; k++)
		out[n++] = o->also_make[k];
	return n;
}

/* A server of profile with its dirs and certificates made, not started.  NULL with err set. */
static struct server *server_new(const char *profile, const struct server_opts *o, char *err, size_t errlen)
{
	struct server *s = calloc(1, sizeof *s);
	char file[64];
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->keep = o->keep;
	s->guard = -1;
	if (profile_load(profile, &s->prof, err, errlen) != 0 || server_dirs(s, o, err, errlen) != 0)
		goto fail;
	/* a user's own chain (profile.h): into the set under the leaf's name; the intermediates sent after it */
	int own_chain = 0;
	if (profile_own_chain(&s->prof) && certs_import(s->certs, s->prof.leaf, s->prof.cert_file, s->prof.key_file,
							 s->prof.ca_file, &own_chain, err, errlen) != 0)
		goto fail;
	if (own_chain)
		snprintf(s->prof.chain, sizeof s->prof.chain, "%s-chain", s->prof.leaf);
	/* What it serves and what its cases will ask for, made at once (the keys in parallel). */
	const char *make[SERVER_CERTS_MAX];
	if (certs_make_all(s->certs, make, server_cert_names(&s->prof, o, make), err, errlen) != 0)
		goto fail;
	snprintf(file, sizeof file, "%s.pem", s->prof.anchor);
	if (!(s->ca_pem = certs_path(s->certs, file, err, errlen)))
		goto fail;
	snprintf(file, sizeof file, "%s.der", s->prof.anchor);
	if (!(s->ca_der = certs_path(s->certs, file, err, errlen)))
		goto fail;
	return s;
fail:
	server_free(s);
	return NULL;
}

/* Starts s, after a first try that lost its port if tried (tries left): 0, or -1 with err set. */
static int server_run_tries(struct server *s, const struct server_opts *o, int tries, char *err, size_t errlen)
{
	for (int i = 0; i < tries; i++) {
		if (server_pick_port(s, o, err, errlen) != 0)
			return -1;
		if (server_launch(s, err, errlen) == 0 && server_settle(s, err, errlen) == 0) {
			s->guard = server_guard_add(s->proc.pid, s->workdir);
			return 0;
		}
		if (o->port || !server_port_conflict(s))
			return -1;
		/* someone took the port between our probe and the server's bind: another */
	}
	return -1;
}

struct server *server_start(const char *profile, const struct server_opts *o, char *err, size_t errlen)
{
	static const struct server_opts none = { 0 };
	if (!o)
		o = &none;
	struct server *s = server_new(profile, o, err, errlen);
	if (s && server_run_tries(s, o, o->port ? 1 : SERVER_PORT_TRIES, err, errlen) != 0) {
		server_free(s);
		return NULL;
	}
	return s;
}

/*
 * Servers sharing one run dir share its certificates: made here for all of
 * them at once, so the keys of every chain (an RSA 4096 leaf, an ECDSA one,
 * the CAs) are generated in parallel, not server after server.  Only an
 * optimisation: a failure here is met again, and reported, by server_new.
 */
static void server_make_shared_certs(const char *const *profiles, const struct server_opts *opts, size_t n)
{
	const char *make[CERTS_MAKE_MAX];
	struct profile *prof = calloc(n ? n : 1, sizeof *prof);
	struct server probe = { 0 };
	char err[256];
	size_t nm = 0;
	if (!prof || !opts[0].workdir)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!opts[i].workdir || strcmp(opts[i].workdir, opts[0].workdir) != 0 ||
		    profile_load(profiles[i], &prof[i], err, sizeof err) != 0)
			goto out;
		const char *names[SERVER_CERTS_MAX];
		size_t nn = server_cert_names(&prof[i], &opts[i], names);
		for (size_t k = 0; k < nn; k++) {
			size_t j = 0;
			if (!certs_info(names[k]))
				continue; /* a user's own chain is imported by its server */
			while (j < nm && strcmp(make[j], names[k]) != 0)
				j++;
			if (j == nm && nm < CERTS_MAKE_MAX)
				make[nm++] = names[k];
		}
	}
	if (server_dirs_shared(&probe, &opts[0], err, sizeof err) == 0)
		(void)certs_make_all(probe.certs, make, nm, err, sizeof err);
	certs_close(probe.certs);
out:
	free(prof);
}

int server_start_all(const char *const *profiles, const struct server_opts *opts, size_t n, struct server **out,
		     size_t *failed, char *err, size_t errlen)
{
	size_t i = 0, made = 0;
	memset(out, 0, n * sizeof *out);
	server_make_shared_certs(profiles, opts, n);
	/* Each server's own set (the files made above are loaded), then every launch at once. */
	for (i = 0; i < n; i++)
		if (!(out[i] = server_new(profiles[i], &opts[i], err, errlen)))
			goto fail;
	made = n;
	for (i = 0; i < n; i++)
		if (server_pick_port(out[i], &opts[i], err, errlen) != 0 || server_launch(out[i], err, errlen) != 0)
			goto fail;
	for (i = 0; i < n; i++) {
		if (server_settle(out[i], err, errlen) == 0) {
			out[i]->guard = server_guard_add(out[i]->proc.pid, out[i]->workdir);
			continue;
		}
		/* Its port taken in between: again alone, as server_start would. */
		if (opts[i].port || !server_port_conflict(out[i]) ||
		    server_run_tries(out[i], &opts[i], SERVER_PORT_TRIES - 1, err, errlen) != 0)
			goto fail;
	}
	return 0;
fail:
	*failed = i;
	/* The launched ones not yet waited for are stopped with the rest. */
	for (size_t k = 0; k < (made ? n : i); k++) {
		server_free(out[k]);
		out[k] = NULL;
	}
	return -1;
}

void server_stop(struct server *s)
{
	if (s)
		server_free(s);
}

uint16_t server_port(const struct server *s)
{
	return s->port;
}

const char *server_host(const struct server *s)
{
	(void)s;
	return "127.0.0.1";
}

const char *server_profile(const struct server *s)
{
	return s->prof.name;
}

const char *server_cert_name(const struct server *s)
{
	return s->prof.host;
}

const char *server_ca_pem(const struct server *s)
{
	return s->ca_pem;
}

const char *server_ca_der(const struct server *s)
{
	return s->ca_der;
}

const char *server_file(const struct server *s, const char *name)
{
	char err[256];
	return certs_path(s->certs, name, err, sizeof err);
}

const char *server_dir(const struct server *s)
{
	return s->dir;
}

/* Apache -X: one process with ThreadsPerChild (25) workers; s_server: one connection. */
#define SERVER_APACHE_CAPACITY 16

int server_capacity(const struct server *s)
{
	return s->prof.kind == PROFILE_APACHE ? SERVER_APACHE_CAPACITY : 1;
}

bool server_running(struct server *s)
{
	return proc_alive(&s->proc);
}

pid_t server_pid(const struct server *s)
{
	return s->proc.pid;
}

long server_log_since(const struct server *s, long offset, FILE *out)
{
	char buf[4096];
	size_t n;
	long end = offset;
	FILE *f = fopen(s->cmd.log_path, "r");
	if (!f)
		return offset;
	if (fseek(f, 0, SEEK_END) == 0)
		end = ftell(f);
	if (out && end > offset && fseek(f, offset, SEEK_SET) == 0)
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			fwrite(buf, 1, n, out);
	fclose(f);
	return end;
}

const char *const *server_profiles(void)
{
	return profile_names();
}
