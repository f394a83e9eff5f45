/*
 * runner.c - runs a scenario set (see runner.h).
 *
 * How this works.
 * - Servers: every profile the selected cases name is started once, before
 *   any case, and shared by its cases; one that does not start ends the run
 *   (exit 2, its error quoted).  They share one private run dir
 *   (servers/server.h server_rundir_make: $TMPDIR/tlsdiag-XXXXXX, 0700), so
 *   the certificates and their keys are made once per run; it is removed
 *   when the run ends, by the fatal-signal/exit() path of server.c, and,
 *   if tlsdiag is SIGKILLed, by the reaper (servers/reaper.c).
 * - Workers: each case runs in a fork of the runner (no exec), so a case
 *   that crashes or hangs costs only itself: a worker killed by a signal is
 *   reported as "crashed (signal N)", one past its deadline is killed and
 *   reported as timed out.  Up to -j workers run at once, and no more on
 *   one server than it serves at once (server_capacity: one on openssl
 *   s_server): a case waits for its server rather than time out in its
 *   backlog.  Each case's line is printed on out as the case ends.  A worker sends
 *   its result back as one JSON object (report_case_to_json) on a pipe and
 *   exits; the runner reads the pipes with poll() and reaps each worker
 *   once its pipe reaches EOF.  Workers ask for SIGKILL if the runner dies
 *   (PR_SET_PDEATHSIG), as servers do (servers/proc.c).
 * - Capture: with --capture live or auto the runner starts one live
 *   capture for the whole run once the servers are up (capture/hub.h), and
 *   each case's worker has the hub write its connection to the case's pcap;
 *   opening a capture per case cost more than the handshake.  When the hub
 *   cannot start (not permitted, say) each case captures as before: live
 *   of its own, or the relay under auto.
 * - Server logs: the runner notes the server log's offset before it forks a
 *   case and copies the lines written since when it reaps it; lines naming
 *   another client port (Apache's "[client 127.0.0.1:PORT]") are dropped.
 * - SIGINT/SIGTERM/SIGHUP/SIGQUIT set a flag; the loop stops starting
 *   cases, kills the running workers, stops the servers and writes the
 *   reports marked incomplete, the cases that did not finish as not run.
 *   A signal that comes while the reports are written makes the exit 2.
 * - Out dir: resolved, checked and locked for the run (run/outdir.h
 *   outdir_lock_run); a file that cannot be written makes the run exit 2,
 *   a case whose files cannot be written a harness error (never a verdict).
 * - Every file is written to a temporary name and renamed (run/outdir.c);
 *   the capture goes to capture.pcap.part until whole (run/case.c).  A
 *   worker killed mid-case (timeout, signal) leaves neither: the runner
 *   removes its temporaries and keeps its capture as
 *   capture.incomplete.pcap, the case's capture marked "incomplete".
 */
#include "harness/run/runner.h"

#include "harness/capture/hub.h"
#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/run/case_store.h"
#include "harness/run/outdir.h"
#include "harness/run/report_files.h"
#include "harness/servers/reaper.h"
#include "harness/servers/server.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_DEFAULT_TIMEOUT_MS 120000
#define RUN_MAX_MESSAGE (16 * 1024 * 1024)
#define RUN_TICK_MS 200

static volatile sig_atomic_t run_stop_signal;

static void run_on_signal(int sig)
{
	run_stop_signal = sig;
}

struct run_server {
	const char *profile;
	struct server *s;
};

struct worker {
	pid_t pid;
	int fd;
	size_t idx; /* into the run's cases */
	struct case_result res; /* its result while it runs (the store keeps it after) */
	char *buf;
	size_t len, cap;
	bool overflow;
	long long deadline;
	long log_off;
	struct server *server; /* the one its case runs against */
};

struct run {
	const struct runner_opts *o;
	FILE *out; /* the text report, and each case's line as it ends */
	int lock_fd; /* out_dir's lock (outdir_lock_run); -1: none */
	bool io_failed; /* a file of the run could not be written: exit 2 */
	struct run_report rep;
	const struct scenario_case **specs; /* the selected cases, in order */
	char out_dir[4096];
	char **dirs; /* each case's directory, relative to out_dir */
	char run_dir[4096]; /* the servers' shared dir; "" before it is made */
	struct run_server *servers;
	size_t nservers;
	struct hub *hub; /* the run's shared live capture; NULL: each case captures by itself */
	enum pcap_io_err hub_why; /* why there is none (PCAP_IO_PERM: not permitted) */
	char hub_err[512];
	struct worker *workers;
	size_t nworkers, maxworkers;
	bool *started; /* per case: its worker was started (or it could not be) */
	size_t nstarted;
	size_t done;
	bool progress_shown;
};

static long long run_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool run_selected(const struct scenario_case *c, const char *filter)
{
	char full[512], base[512];
	if (!filter)
		return true;
	snprintf(full, sizeof full, "%s/%s", c->scenario->name, c->name);
	snprintf(base, sizeof base, "%s/%s", c->scenario->name, c->base);
	return fnmatch(filter, full, 0) == 0 || fnmatch(filter, base, 0) == 0;
}

static struct server *run_server_of(struct run *r, const char *profile)
{
	for (size_t i = 0; i < r->nservers; i++)
		if (strcmp(r->servers[i].profile, profile) == 0)
			return r->servers[i].s;
	return NULL;
}

/* The profile a case runs against: its own value (the scenario's servers are the default). */
static const char *run_profile(const struct scenario_case *c)
{
	return c->value[SCN_SERVER] ? c->value[SCN_SERVER] : c->scenario->servers[0];
}

static int run_start_servers(struct run *r)
{
	char err[512];
	r->servers = calloc(r->rep.n, sizeof *r->servers);
	if (!r->servers)
		return err_report(ERR_INTERNAL, "out of memory");
	if (server_rundir_make(r->run_dir, sizeof r->run_dir, err, sizeof err) != 0)
		return err_report(ERR_ENV, "cannot make the servers' run dir: %s", err);
	for (size_t i = 0; i < r->rep.n; i++) {
		const char *profile = run_profile(r->specs[i]);
		bool have = false;
		for (size_t k = 0; k < r->nservers; k++)
			have |= strcmp(r->servers[k].profile, profile) == 0;
		if (have)
			continue;
		if (run_stop_signal)
			return EXIT_UNUSABLE;
		struct server_opts so = { .port = 0, .workdir = r->run_dir };
		/* The wrong-CA cases' root, made with the server's chain rather than by the first such case. */
		for (size_t k = 0; k < r->rep.n; k++)
			if (r->specs[k]->cfg.ca == CASE_CA_OTHER && strcmp(run_profile(r->specs[k]), profile) == 0) {
				so.also_make[0] = "other-root";
				break;
			}
		struct server *s = server_start(profile, &so, err, sizeof err);
		if (!s)
			return err_report(ERR_ENV, "server profile %s did not start: %s", profile, err);
		r->servers[r->nservers].profile = profile;
		r->servers[r->nservers++].s = s;
	}
	return EXIT_OK;
}

/* The shared live capture, on the ports of the run's servers (live and auto only). */
static void run_start_hub(struct run *r)
{
	uint16_t ports[64];
	size_t n = 0;
	if (r->o->capture != CAPTURE_LIVE && r->o->capture != CAPTURE_AUTO)
		return;
	for (size_t i = 0; i < r->nservers && n < sizeof ports / sizeof ports[0]; i++)
		ports[n++] = server_port(r->servers[i].s);
	if (n < r->nservers)
		return;
	struct hub_opts ho = { .server_ports = ports, .nports = n, .dir = r->run_dir };
	r->hub_why = PCAP_IO_OK;
	r->hub = hub_start(&ho, &r->hub_why, r->hub_err, sizeof r->hub_err);
	/* Not permitted or not possible: each case says why when it captures by itself. */
	r->rep.capture_shared = r->hub != NULL;
}

static void run_stop_servers(struct run *r)
{
	hub_stop(r->hub);
	r->hub = NULL;
	for (size_t i = 0; i < r->nservers; i++)
		server_stop(r->servers[i].s);
	free(r->servers);
	r->servers = NULL;
	r->nservers = 0;
	server_rundir_remove(r->run_dir); /* the certificates and keys of the run */
	r->run_dir[0] = '\0';
}

/* Each case's directory: <scenario>/<NNN>-<case>, names sanitised, made 0700. */
static int run_make_dirs(struct run *r)
{
	char err[512], sdir[128], cdir[128];
	const struct scenario *last = NULL;
	size_t k = 0, nsc = 0;
	r->dirs = calloc(r->rep.n, sizeof *r->dirs);
	if (!r->dirs)
		return err_report(ERR_INTERNAL, "out of memory");
	for (size_t i = 0; i < r->rep.n; i++) {
		const struct scenario_case *c = r->specs[i];
		if (c->scenario != last) {
			last = c->scenario;
			k = 0;
			nsc++;
			outdir_sanitize(c->scenario->name, sdir, sizeof sdir);
			/* Two names may sanitise alike: the second gets its number. */
			for (size_t j = 0; j < i; j++)
				if (strncmp(r->dirs[j], sdir, strlen(sdir)) == 0 && r->dirs[j][strlen(sdir)] == '/') {
					size_t l = strlen(sdir);
					snprintf(sdir + (l > 100 ? 100 : l), sizeof sdir - (l > 100 ? 100 : l), "-%zu", nsc);
					break;
				}
		}
		outdir_sanitize(c->name, cdir, 100);
		size_t n = strlen(sdir) + strlen(cdir) + 8;
		r->dirs[i] = malloc(n);
		if (!r->dirs[i])
			return err_report(ERR_INTERNAL, "out of memory");
		snprintf(r->dirs[i], n, "%s/%03zu-%s", sdir, ++k, cdir);
		if (outdir_mkdirs_under(r->out_dir, r->dirs[i], err, sizeof err) != 0)
			return err_report(ERR_IO, "%s", err);
	}
	return EXIT_OK;
}

/* ---- progress ---- */

static void run_progress(struct run *r, const char *what)
{
	struct report_counts c;
	if (!r->o->progress)
		return;
	report_count(&r->rep, &c);
	fprintf(stderr, "\r\033[K[%zu/%zu] pass %zu fail %zu skip %zu running %zu  %.60s", r->done, r->rep.n, c.pass,
		c.fail + c.error, c.skip, r->nworkers, what ? what : "");
	fflush(stderr);
	r->progress_shown = true;
}

static void run_progress_clear(struct run *r)
{
	if (r->progress_shown)
		fputs("\r\033[K", stderr);
	r->progress_shown = false;
}

/* ---- workers ---- */

/* The job of case idx; path holds its directory. */
static struct case_job run_job(struct run *r, size_t idx, char *path, size_t pathlen)
{
	const struct scenario_case *spec = r->specs[idx];
	snprintf(path, pathlen, "%s/%s", r->out_dir, r->dirs[idx]);
	struct case_job job = {
		.spec = spec,
		.server = run_server_of(r, run_profile(spec)),
		.dir = path,
		.rel_dir = r->dirs[idx],
		.capture = r->o->capture,
		.capture_hub = r->hub ? hub_path(r->hub) : NULL,
	};
	return job;
}

static void run_worker_main(struct run *r, size_t idx, struct case_result *res, int fd)
{
	char path[8192];
	struct case_job job = run_job(r, idx, path, sizeof path);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	reaper_forget(); /* the runner's death alone must close the reaper's pipe */
	if (getppid() == 1)
		_exit(3);
	(r->o->exec ? r->o->exec : case_execute)(&job, res);
	FILE *f = fdopen(fd, "w");
	struct jv *j = report_case_to_json(res);
	int bad = !f || jv_write(f, j, false) != 0 || fflush(f) != 0;
	jv_free(j);
	_exit(bad ? 4 : 0); /* no atexit handlers, no flushing of the runner's stdio in the worker */
}

/* Starts case idx in the next worker slot; -1: it could not start (the slot's res says why). */
static int run_spawn(struct run *r, size_t idx)
{
	int p[2];
	struct worker *w = &r->workers[r->nworkers];
	struct case_result *res = &w->res;
	memset(w, 0, sizeof *w);
	case_result_init(res, r->specs[idx]);
	snprintf(res->dir, sizeof res->dir, "%s", r->dirs[idx]);
	w->idx = idx;
	if (pipe2(p, O_CLOEXEC) != 0) {
		res->status = CASE_ERROR;
		res->harness_error = true; /* out of processes or descriptors: an overloaded harness */
		snprintf(res->error, sizeof res->error, "could not start: pipe: %s", strerror(errno));
		return -1;
	}
	w->fd = p[0];
	w->server = run_server_of(r, run_profile(res->spec));
	w->log_off = server_log_since(w->server, 0, NULL);
	/*
	 * The server's certificate files are made on first use: resolve the
	 * case here, so parallel workers find them made rather than race to
	 * make them.  A failure is the worker's to report.
	 */
	char path[8192], err[256];
	struct client_case cc;
	struct case_paths paths;
	struct case_job job = run_job(r, idx, path, sizeof path);
	(void)case_resolve(&job, &cc, &paths, err, sizeof err);
	int timeout = r->o->case_timeout_ms > 0 ? r->o->case_timeout_ms : RUN_DEFAULT_TIMEOUT_MS;
	w->deadline = run_now_ms() + timeout;
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		res->status = CASE_ERROR;
		res->harness_error = true; /* out of processes or descriptors: an overloaded harness */
		snprintf(res->error, sizeof res->error, "could not start: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (w->pid == 0) {
		close(p[0]);
		run_worker_main(r, idx, res, p[1]);
	}
	close(p[1]);
	r->nworkers++;
	return 0;
}

/* Keeps the lines of this connection: those naming no other client port. */
static char *run_filter_log(const char *text, int port)
{
	static const char marker[] = "127.0.0.1:";
	size_t n = strlen(text), o = 0;
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	for (const char *p = text; *p;) {
		size_t l = strcspn(p, "\n");
		bool other = false;
		if (port > 0)
			for (const char *m = p; (m = memmem(m, (size_t)(p + l - m), marker, sizeof marker - 1));) {
				m += sizeof marker - 1;
				char *end;
				long v = strtol(m, &end, 10);
				if (end != m && v != port)
					other = true;
			}
		if (!other) {
			memcpy(out + o, p, l);
			o += l;
			out[o++] = '\n';
		}
		p += l;
		if (*p == '\n')
			p++;
	}
	out[o] = '\0';
	return out;
}

static void run_collect_log(struct run *r, struct worker *w)
{
	struct case_result *res = &w->res;
	struct server *s = run_server_of(r, run_profile(res->spec));
	char *buf = NULL, path[8192], err[512];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!s || !m) {
		if (m)
			fclose(m);
		free(buf);
		return;
	}
	server_log_since(s, w->log_off, m);
	fclose(m);
	free(res->server_log);
	res->server_log = run_filter_log(buf, res->client_port);
	free(buf);
	if (res->server_log) {
		snprintf(path, sizeof path, "%s/%s/server.log", r->out_dir, r->dirs[w->idx]);
		if (outdir_write_text(path, res->server_log, strlen(res->server_log), err, sizeof err) != 0) {
			err_report(ERR_IO, "%s", err);
			r->io_failed = true;
		}
	}
}

static void run_write_case(struct run *r, size_t idx, const struct case_result *res)
{
	char path[8192], err[512];
	struct outdir_file of;
	snprintf(path, sizeof path, "%s/%s/result.json", r->out_dir, r->dirs[idx]);
	FILE *f = outdir_open(&of, path, err, sizeof err);
	if (!f) {
		err_report(ERR_IO, "%s", err);
		r->io_failed = true;
		return;
	}
	struct jv *j = report_case_to_json(res);
	jv_write(f, j, true);
	jv_free(j);
	if (outdir_commit_unsynced(&of, err, sizeof err) != 0) {
		err_report(ERR_IO, "%s", err);
		r->io_failed = true;
	}
}

/* The case's line on the report's stream as the case ends (a CI log shows it then, not at the end). */
static void run_announce(struct run *r, const struct case_result *res)
{
	char line[1024];
	run_progress_clear(r);
	report_case_line_text(res, line, sizeof line);
	fprintf(r->out, "[%zu/%zu] ", r->done, r->rep.n);
	err_write_safe(r->out, line, strlen(line)); /* names from a scenario file: shown, never obeyed */
	fputc('\n', r->out);
	fflush(r->out);
}

/*
 * Case idx has ended, res whole: its result.json, its line, and into the
 * run's store (the reports read it back from there); res is released, so
 * the runner holds no finished case.  A case not run (interrupted) is only
 * stored: the reports list it as such.
 */
static void run_settle(struct run *r, size_t idx, struct case_result *res)
{
	char err[512];
	if (res->status != CASE_NOT_RUN) {
		run_write_case(r, idx, res);
		r->done++;
		run_announce(r, res);
	}
	if (case_store_put(r->rep.store, idx, res, err, sizeof err) != 0) {
		err_report(ERR_IO, "%s", err);
		r->io_failed = true;
	}
	case_result_release(res);
}

/* The worker has ended (status st): read its message and settle the case. */
static void run_finish(struct run *r, struct worker *w, int st, bool timed_out)
{
	struct case_result *res = &w->res;
	char err[256];
	if (timed_out) {
		res->status = CASE_ERROR;
		int ms = r->o->case_timeout_ms > 0 ? r->o->case_timeout_ms : RUN_DEFAULT_TIMEOUT_MS;
		snprintf(res->error, sizeof res->error, "timed out after %d.%d s (killed)", ms / 1000, ms % 1000 / 100);
	} else if (run_stop_signal) {
		res->status = CASE_NOT_RUN;
		snprintf(res->error, sizeof res->error, "interrupted");
	} else if (WIFSIGNALED(st)) {
		res->status = CASE_ERROR;
		res->signal = WTERMSIG(st);
		snprintf(res->error, sizeof res->error, "crashed (signal %d)", res->signal);
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || w->overflow || w->len == 0) {
		res->status = CASE_ERROR;
		snprintf(res->error, sizeof res->error, "worker failed (exit %d) without a result",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	} else {
		w->buf[w->len] = '\0';
		struct jv *j = jv_parse_string(w->buf, err, sizeof err);
		if (!j) {
			res->status = CASE_ERROR;
			snprintf(res->error, sizeof res->error, "unreadable result from the worker: %.200s", err);
		} else {
			report_case_from_json(res, j);
			jv_free(j);
			report_judge(res);
		}
	}
	if (timed_out || run_stop_signal) {
		/* Killed mid-case: no temporaries left; a capture begun is kept, marked. */
		char dir[8192];
		snprintf(dir, sizeof dir, "%s/%s", r->out_dir, r->dirs[w->idx]);
		if (outdir_settle_cut(dir)) {
			res->capture.present = true;
			snprintf(res->capture.status, sizeof res->capture.status, "incomplete");
		}
	}
	if (res->status != CASE_NOT_RUN)
		run_collect_log(r, w);
	run_settle(r, w->idx, res);
	free(w->buf);
	*w = r->workers[--r->nworkers];
}

/* Reads what a worker sent; true at EOF. */
static bool run_read(struct worker *w)
{
	char chunk[65536];
	ssize_t n = read(w->fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0)
		return true;
	if (w->len + (size_t)n + 1 > RUN_MAX_MESSAGE) {
		w->overflow = true;
		return false;
	}
	if (w->len + (size_t)n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 65536;
		while (cap < w->len + (size_t)n + 1)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b) {
			w->overflow = true;
			return false;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, chunk, (size_t)n);
	w->len += (size_t)n;
	return false;
}

static void run_reap(struct run *r, size_t i, bool timed_out)
{
	struct worker *w = &r->workers[i];
	int st = 0;
	if (timed_out)
		kill(w->pid, SIGKILL);
	close(w->fd);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	run_finish(r, w, st, timed_out);
}

/*
 * The next case to start: the first not started whose server has room.
 * A server serves only so many connections at once (openssl s_server one:
 * server_capacity); more workers on it would only time out in its backlog,
 * an overload of the harness that is not the case's failure.  rep.n: none now.
 */
static size_t run_next(struct run *r)
{
	for (size_t i = 0; i < r->rep.n; i++) {
		if (r->started[i])
			continue;
		struct server *s = run_server_of(r, run_profile(r->specs[i]));
		int busy = 0;
		for (size_t k = 0; k < r->nworkers; k++)
			busy += r->workers[k].server == s;
		if (!s || busy < server_capacity(s))
			return i;
	}
	return r->rep.n;
}

static void run_loop(struct run *r)
{
	struct pollfd *pfd = calloc(r->maxworkers, sizeof *pfd);
	if (!pfd)
		return;
	while (!run_stop_signal && (r->nstarted < r->rep.n || r->nworkers)) {
		size_t next;
		while (!run_stop_signal && r->nworkers < r->maxworkers && (next = run_next(r)) < r->rep.n) {
			char what[512];
			snprintf(what, sizeof what, "%s/%s", r->specs[next]->scenario->name, r->specs[next]->name);
			r->started[next] = true;
			r->nstarted++;
			if (run_spawn(r, next) != 0)
				run_settle(r, next, &r->workers[r->nworkers].res);
			run_progress(r, what);
		}
		long long now = run_now_ms(), wait = RUN_TICK_MS;
		for (size_t i = 0; i < r->nworkers; i++) {
			pfd[i].fd = r->workers[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			if (r->workers[i].deadline - now < wait)
				wait = r->workers[i].deadline - now > 0 ? r->workers[i].deadline - now : 0;
		}
		int n = poll(pfd, r->nworkers, (int)wait);
		if (n < 0 && errno != EINTR)
			break;
		now = run_now_ms();
		/* Backwards: run_finish moves the last worker into the finished one's place. */
		for (size_t i = r->nworkers; i-- > 0;) {
			bool eof = false;
			if (n > 0 && pfd[i].revents)
				eof = run_read(&r->workers[i]);
			if (eof)
				run_reap(r, i, false);
			else if (now >= r->workers[i].deadline)
				run_reap(r, i, true);
		}
		run_progress(r, NULL);
	}
	/* Interrupted: the running cases are not run. */
	for (size_t i = r->nworkers; i-- > 0;) {
		kill(r->workers[i].pid, SIGKILL);
		run_reap(r, i, false);
	}
	free(pfd);
}

/* The signals that end a run as SIGTERM does (a closed terminal, Ctrl-\\). */
static const int run_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define RUN_NSIGNALS (sizeof run_signals / sizeof run_signals[0])

static const char *run_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	case SIGQUIT:
		return "SIGQUIT";
	default:
		return "a signal";
	}
}

static void run_stamp(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int runner_run(const struct scenario_set *set, const struct runner_opts *o, FILE *out)
{
	struct run r;
	struct sigaction sa, old[RUN_NSIGNALS];
	char err[512];
	int rc = EXIT_UNUSABLE;
	long long t0 = run_now_ms();

	memset(&r, 0, sizeof r);
	r.o = o;
	r.out = out;
	r.lock_fd = -1;
	run_stop_signal = 0;
	r.specs = calloc(set->ncases ? set->ncases : 1, sizeof *r.specs);
	if (!r.specs)
		return err_report(ERR_INTERNAL, "out of memory");
	for (size_t i = 0; i < set->ncases; i++)
		if (run_selected(&set->cases[i], o->filter))
			r.specs[r.rep.n++] = &set->cases[i];
	if (r.rep.n == 0) {
		rc = err_report(ERR_USAGE, "no case matches --filter '%s'", o->filter ? o->filter : "");
		goto out_free;
	}
	if ((rc = report_files_check(o->json_path, o->junit_path)) != EXIT_OK)
		goto out_free;
	/* The run writes only under the resolved, checked and locked out_dir (outdir_lock_run). */
	char made[4096];
	if (!o->out_dir && outdir_new_run(o->runs_base ? o->runs_base : "captures/runs", made, sizeof made, err,
					  sizeof err) != 0) {
		rc = err_report(ERR_IO, "%s", err);
		goto out_free;
	}
	r.lock_fd = outdir_lock_run(o->out_dir ? o->out_dir : made, r.out_dir, sizeof r.out_dir, err, sizeof err);
	if (r.lock_fd < 0) {
		rc = err_report(ERR_ENV, "%s", err);
		goto out_free;
	}
	/* The finished cases wait there for the reports, out of memory (run/case_store.h). */
	r.rep.store = case_store_new(r.out_dir, r.specs, r.rep.n, err, sizeof err);
	if (!r.rep.store) {
		rc = err_report(ERR_IO, "%s", err);
		goto out_free;
	}
	/* after the run dir is there: the page may go into it */
	if (o->html_path && (rc = report_html_check(o->html_path)) != EXIT_OK)
		goto out_free;
	r.rep.out_dir = r.out_dir;
	r.rep.allow_skip = o->allow_skip;
	r.rep.explain = o->explain;
	r.rep.capture_mode = capture_mode_name(o->capture);
	run_stamp(r.rep.started, sizeof r.rep.started);
	long jobs = o->jobs > 0 ? o->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	r.maxworkers = (size_t)(jobs > 0 ? jobs : 1);
	r.workers = calloc(r.maxworkers, sizeof *r.workers);
	r.started = calloc(r.rep.n, sizeof *r.started);
	if (!r.workers || !r.started) {
		rc = err_report(ERR_INTERNAL, "out of memory");
		goto out_free;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = run_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < RUN_NSIGNALS; i++)
		sigaction(run_signals[i], &sa, &old[i]);

	long long ts = run_now_ms();
	if ((rc = run_make_dirs(&r)) != EXIT_OK || (rc = run_start_servers(&r)) != EXIT_OK)
		goto out_servers;
	r.rep.servers_ms = (long)(run_now_ms() - ts);
	ts = run_now_ms();
	run_start_hub(&r);
	if (o->capture == CAPTURE_LIVE && !r.hub && r.hub_why == PCAP_IO_PERM) {
		/* Every case would fail the same way: say so once, before any runs. */
		rc = err_report(ERR_ENV, "--capture live: %s", r.hub_err);
		goto out_servers;
	}
	r.rep.capture_setup_ms = r.hub ? (long)(run_now_ms() - ts) : 0;
	ts = run_now_ms();
	run_loop(&r);
	r.rep.cases_ms = (long)(run_now_ms() - ts);
	run_progress_clear(&r);
	rc = EXIT_OK;
out_servers:
	run_stop_servers(&r);
	if (rc == EXIT_OK || run_stop_signal) {
		int before = run_stop_signal;
		if (before) {
			r.rep.incomplete = true;
			snprintf(r.rep.incomplete_reason, sizeof r.rep.incomplete_reason, "interrupted by %s",
				 run_signal_name(before));
		}
		r.rep.duration_ms = (long)(run_now_ms() - t0);
		/* The cases' files were written without an fsync each: made durable here, once, before the reports. */
		if (outdir_sync(r.out_dir, err, sizeof err) != 0) {
			err_report(ERR_IO, "%s", err);
			r.io_failed = true;
		}
		int wr = report_files_write(&r.rep, r.out_dir, o->json_path, o->junit_path, out);
		if (o->html_path && report_html_file(&r.rep, o->html_path, out) != EXIT_OK)
			wr = EXIT_UNUSABLE;
		if (case_store_lost(r.rep.store))
			r.io_failed = true; /* a case the reports could not read back (said above) */
		rc = wr != EXIT_OK || r.io_failed ? EXIT_UNUSABLE : report_exit_code(&r.rep);
		if (r.io_failed)
			err_report(ERR_IO, "some files of the run could not be written (see above)");
		/* A report lost on the way out (a full disk, a closed pipe) is not a success either. */
		if (fflush(out) != 0 || ferror(out))
			rc = err_report(ERR_IO, "cannot write the report to its output: %s", strerror(errno ? errno : EIO));
		if (run_stop_signal && !before)
			/* The reports say complete, yet the run was asked to stop: not a success. */
			rc = err_report(ERR_ENV, "interrupted by %s while writing the reports", run_signal_name(run_stop_signal));
	}
	for (size_t i = 0; i < RUN_NSIGNALS; i++)
		sigaction(run_signals[i], &old[i], NULL);
out_free:
	if (r.lock_fd >= 0)
		close(r.lock_fd);
	free(r.started);
	for (size_t i = 0; r.dirs && i < r.rep.n; i++)
		free(r.dirs[i]);
	free(r.dirs);
	free(r.workers);
	case_store_free(r.rep.store);
	free(r.specs);
	return rc;
}
