/*
 * reaper.c - cleans up after a tlsdiag that died, even by SIGKILL (see reaper.h).
 *
 * How this works
 * - Why: servers die with tlsdiag through PR_SET_PDEATHSIG (proc.c), but
 *   Apache started as root switches to nobody, which clears it; and the
 *   fatal-signal path of server.c cannot run on SIGKILL.  A process that
 *   outlives tlsdiag can: it learns what to clean while tlsdiag runs and
 *   acts when tlsdiag is gone.
 * - Start: on the first reaper_watch_* of a process, it forks the reaper
 *   with one end of a socketpair (a socket rather than a pipe: send() with
 *   MSG_NOSIGNAL, no SIGPIPE if the reaper is gone).  The reaper makes its
 *   own session (a Ctrl-C or a hangup of tlsdiag's terminal does not reach
 *   it), ignores the stop signals, closes every other descriptor (it must
 *   not hold tlsdiag's stdout pipe or its --out lock) and reads messages.
 *   Our end is close-on-exec, so servers do not inherit it; forks that do
 *   not exec (a runner's workers) call reaper_forget().  Only the process
 *   that forked the reaper talks to it: a fork starts its own.
 * - Messages: one line each, sent with one send() (shorter than PIPE_BUF):
 *   "G pgid" / "g pgid" watch / unwatch a server's process group, "D dir" /
 *   "d dir" a run dir.
 * - End: read() returns 0 when the last holder of our end has closed it:
 *   tlsdiag exited, normally or killed.  The reaper SIGKILLs the groups
 *   still watched, kills any process still working in a watched dir (its
 *   cwd under it), removes the dirs whole (keys first as they come, never
 *   through a symlink) and exits.  After a normal exit nothing is left to
 *   watch: tlsdiag unwatched each thing as it stopped or removed it.
 * - A watched group is unwatched only once its leader is reaped (proc.c),
 *   and while a group has members its id is not handed out again, so the
 *   SIGKILL can reach only our servers.
 * - Sweep: run dirs are named tlsdiag-<pid>-XXXXXX, so a later run can tell
 *   a dead run's dir (its pid gone) from a live one and remove it.
 */
#include "harness/servers/reaper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REAPER_DIRS 16
#define REAPER_GROUPS 64
#define REAPER_MSG 4096 /* <= PIPE_BUF: one send() is one message */

static int reaper_fd = -1;
static pid_t reaper_owner; /* the process that forked the reaper */
static pid_t reaper_child;

/* ---- removal, shared with server.c ---- */

static int reaper_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void reaper_rmtree(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, reaper_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* SIGKILLs every process whose working directory lies under dir (servers run with cwd = their dir). */
static int reaper_kill_in(const char *dir)
{
	size_t dl = strlen(dir);
	int n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		char path[64], cwd[PATH_MAX];
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%ld/cwd", pid);
		ssize_t r = readlink(path, cwd, sizeof cwd - 1);
		if (r <= 0)
			continue;
		cwd[r] = '\0';
		if (strncmp(cwd, dir, dl) == 0 && (cwd[dl] == '/' || cwd[dl] == '\0') && kill((pid_t)pid, SIGKILL) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* ---- the reaper process ---- */

struct reaper_state {
	char dirs[REAPER_DIRS][PATH_MAX];
	pid_t groups[REAPER_GROUPS];
};

static void reaper_apply(struct reaper_state *st, const char *line)
{
	char op = line[0];
	const char *arg = line[0] && line[1] == ' ' ? line + 2 : "";
	if (op == 'G' || op == 'g') {
		char *end;
		long v = strtol(arg, &end, 10);
		if (end == arg || *end || v <= 1)
			return;
		for (size_t i = 0; i < REAPER_GROUPS; i++)
			if (op == 'g' ? st->groups[i] == (pid_t)v : st->groups[i] == 0) {
				st->groups[i] = op == 'G' ? (pid_t)v : 0;
				return;
			}
	} else if ((op == 'D' || op == 'd') && arg[0] == '/') {
		for (size_t i = 0; i < REAPER_DIRS; i++)
			if (op == 'd' ? strcmp(st->dirs[i], arg) == 0 : st->dirs[i][0] == '\0') {
				snprintf(st->dirs[i], sizeof st->dirs[i], "%s", op == 'D' ? arg : "");
				return;
			}
	}
}

static void reaper_cleanup(struct reaper_state *st)
{
	for (size_t i = 0; i < REAPER_GROUPS; i++)
		if (st->groups[i] > 1)
			kill(-st->groups[i], SIGKILL);
	for (size_t i = 0; i < REAPER_DIRS; i++)
		if (st->dirs[i][0]) {
			reaper_kill_in(st->dirs[i]);
			reaper_rmtree(st->dirs[i]);
		}
}

static void reaper_main(int fd)
{
	static struct reaper_state st;
	static char buf[2 * REAPER_MSG];
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU };
	size_t len = 0;
	setsid();
	if (chdir("/") != 0) {
		/* still works: nothing here is relative */
	}
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		signal(ignored[i], SIG_IGN);
	/* Keep only our end (as fd 3) and /dev/null on 0-2. */
	if (fd != 3) {
		dup2(fd, 3);
		close(fd);
	}
	int null = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3 && null >= 0; i++)
		if (null != i)
			dup2(null, i);
#ifdef SYS_close_range
	syscall(SYS_close_range, 4u, ~0u, 0u);
#else
	for (int i = 4; i < 1024; i++)
		close(i);
#endif
	for (;;) {
		ssize_t n = read(3, buf + len, sizeof buf - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		char *p = buf, *nl;
		while ((nl = memchr(p, '\n', len - (size_t)(p - buf)))) {
			*nl = '\0';
			reaper_apply(&st, p);
			p = nl + 1;
		}
		len -= (size_t)(p - buf);
		memmove(buf, p, len);
		if (len == sizeof buf - 1) /* no newline in a whole buffer: not one of ours */
			len = 0;
	}
	reaper_cleanup(&st);
	_exit(0);
}

/* ---- the tlsdiag side ---- */

static int reaper_start(void)
{
	int sv[2];
	pid_t me = getpid();
	if (reaper_fd >= 0 && reaper_owner == me)
		return 0;
	reaper_forget(); /* a parent's reaper is not ours */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		reaper_main(sv[1]);
	}
	close(sv[1]);
	reaper_fd = sv[0];
	reaper_owner = me;
	reaper_child = pid;
	return 0;
}

static int reaper_send(char op, const char *arg)
{
	char msg[REAPER_MSG];
	int n = snprintf(msg, sizeof msg, "%c %s\n", op, arg);
	if (n < 0 || (size_t)n >= sizeof msg || strchr(arg, '\n'))
		return -1;
	if ((op == 'G' || op == 'D') && reaper_start() != 0)
		return -1;
	if (reaper_fd < 0 || reaper_owner != getpid())
		return -1;
	for (;;) {
		ssize_t w = send(reaper_fd, msg, (size_t)n, MSG_NOSIGNAL);
		if (w == n)
			return 0;
		if (w < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

int reaper_watch_dir(const char *dir)
{
	return reaper_send('D', dir);
}

void reaper_unwatch_dir(const char *dir)
{
	reaper_send('d', dir);
}

int reaper_watch_group(pid_t pgid)
{
	char v[24];
	snprintf(v, sizeof v, "%ld", (long)pgid);
	return reaper_send('G', v);
}

void reaper_unwatch_group(pid_t pgid)
{
	char v[24];
	snprintf(v, sizeof v, "%ld", (long)pgid);
	reaper_send('g', v);
}

void reaper_forget(void)
{
	if (reaper_fd >= 0 && reaper_owner != getpid()) {
		close(reaper_fd);
		reaper_fd = -1;
		reaper_owner = 0;
		reaper_child = 0;
	}
}

pid_t reaper_pid(void)
{
	return reaper_fd >= 0 && reaper_owner == getpid() ? reaper_child : 0;
}

int reaper_sweep(const char *tmpdir)
{
	static const char prefix[] = "tlsdiag-";
	char path[PATH_MAX];
	int removed = 0;
	DIR *d = opendir(tmpdir);
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		char *end;
		if (strncmp(e->d_name, prefix, sizeof prefix - 1) != 0)
			continue;
		long pid = strtol(e->d_name + sizeof prefix - 1, &end, 10);
		/* tlsdiag-<pid>-XXXXXX, ours, a real dir, its pid gone (a live pid may be a run: kept) */
		if (end == e->d_name + sizeof prefix - 1 || *end != '-' || pid <= 0 || pid == getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name) >= (int)sizeof path ||
		    lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		reaper_kill_in(path);
		reaper_rmtree(path);
		removed++;
	}
	closedir(d);
	return removed;
}
