/*
 * proc.c - child processes: spawn, readiness, stop, reap (see proc.h).
 *
 * The one file of tlsdiag that forks, signals and reaps.
 *
 * How this works
 * - Spawn: argv[0] is resolved against PATH in the parent (so "not found"
 *   is a clear error, not a child that dies at once), then fork().  The
 *   child makes itself the leader of a new process group (setpgid(0, 0);
 *   the parent does the same for it, so neither order of scheduling leaves
 *   a window where a signal to the group misses it), restores default
 *   signal dispositions and an empty mask, asks the kernel for SIGKILL if
 *   tlsdiag dies (PR_SET_PDEATHSIG: a crashed harness leaves no server
 *   behind), marks every inherited descriptor above 2 close-on-exec (no
 *   capture handle or listening socket leaks into Apache), redirects
 *   stdio, and execs.  Only async-signal-safe calls run between fork and
 *   exec.  A close-on-exec pipe carries errno back if exec fails: the
 *   parent reads EOF on success, or the child's errno.
 * - Readiness: connect() polling on the numeric address given.  Between
 *   attempts the parent sleeps in poll() on a pidfd of the child, so a
 *   child that dies wakes it at once; the interval is a poll period, never
 *   a fixed sleep that stands in for readiness.
 * - Stop: SIGTERM to the group; wait up to grace_ms for the leader to exit
 *   WITHOUT reaping it (waitid WNOWAIT).  While the leader is an unreaped
 *   zombie its pid, and so the group id, cannot be reused, so the SIGKILL
 *   that follows to the whole group can only reach our own stragglers.
 *   Then reap.  proc_alive() does the same when it finds the leader dead.
 */
#include "harness/servers/proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Poll period of the readiness and stop loops. */
#define PROC_POLL_MS 10

static long long proc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Finds an executable for name: itself when it has a '/', else the first hit in PATH. */
static int proc_resolve(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	if (strchr(name, '/')) {
		if (access(name, X_OK) != 0)
			return -1;
		return snprintf(out, outlen, "%s", name) < (int)outlen ? 0 : -1;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	while (*path) {
		size_t n = strcspn(path, ":");
		int w = snprintf(out, outlen, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", name);
		struct stat st;
		if (w > 0 && (size_t)w < outlen && stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return -1;
}

/*
 * The child's stdout and stderr (see proc.h): never through a symlink
 * (O_NOFOLLOW), a new file unless o->log_append (O_EXCL), and only a
 * regular file of ours with one name (a hard link would be another file's
 * content).  O_NONBLOCK so a FIFO planted there fails (ENXIO) rather than
 * hangs us; it is cleared before the child inherits the descriptor.
 */
static int proc_open_log(const struct proc_opts *o, char *err, size_t errlen)
{
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (o->log_append ? 0 : O_EXCL);
	struct stat st;
	int fd, e;
	if (!o->log_path) {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		return fd;
	}
	fd = open(o->log_path, flags, 0600);
	e = errno;
	if (fd < 0 && (e == ELOOP || (e == EEXIST && lstat(o->log_path, &st) == 0 && S_ISLNK(st.st_mode)))) {
		snprintf(err, errlen, "refusing the log %s: it is a symbolic link, which would send the output elsewhere",
			 o->log_path);
		return -1;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot create the log %s: %s%s", o->log_path, strerror(e),
			 e == EEXIST ? " (a log must be a new file)" : "");
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1) {
		snprintf(err, errlen, "refusing the log %s: not a regular file of ours with one name", o->log_path);
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, O_APPEND) != 0) {
		snprintf(err, errlen, "log %s: %s", o->log_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Child side of proc_spawn: async-signal-safe calls only, never returns. */
static void proc_child(const char *exe, char *const argv[], char *const envp[], int in_fd, int out_fd,
		       const char *cwd, int errfd, pid_t parent)
{
	sigset_t none;
	int e;
	setpgid(0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* the parent died before the prctl */
		_exit(127);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		goto fail;
#ifdef SYS_close_range
	/* CLOSE_RANGE_CLOEXEC (4): keep errfd open until exec, drop everything else then. */
	syscall(SYS_close_range, 3u, ~0u, 4u);
#endif
	if (cwd && chdir(cwd) != 0)
		goto fail;
	execve(exe, argv, envp);
fail:
	e = errno;
	if (write(errfd, &e, sizeof e) < 0) {
		/* nothing more to tell */
	}
	_exit(127);
}

int proc_spawn(struct proc *p, char *const argv[], const struct proc_opts *o, char *err, size_t errlen)
{
	static const struct proc_opts none = { 0 };
	char exe[PATH_MAX];
	int in_fd = -1, out_fd = -1, pipefd[2] = { -1, -1 }, rc = -1, child_errno = 0;
	pid_t pid, parent = getpid();
	ssize_t n;

	memset(p, 0, sizeof *p);
	if (!o)
		o = &none;
	if (!argv || !argv[0]) {
		snprintf(err, errlen, "no program to start");
		return -1;
	}
	if (proc_resolve(argv[0], exe, sizeof exe) != 0) {
		snprintf(err, errlen, "%s: not found or not executable (PATH=%s)", argv[0],
			 getenv("PATH") ? getenv("PATH") : "");
		return -1;
	}
	in_fd = open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (in_fd < 0) {
		snprintf(err, errlen, "%s: %s", o->stdin_path ? o->stdin_path : "/dev/null", strerror(errno));
		goto out;
	}
	if ((out_fd = proc_open_log(o, err, errlen)) < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		proc_child(exe, argv, o->envp ? o->envp : environ, in_fd, out_fd, o->cwd, pipefd[1], parent);
	setpgid(pid, pid); /* EACCES once it has exec'd: the child did it already */
	close(pipefd[1]);
	pipefd[1] = -1;
	do
		n = read(pipefd[0], &child_errno, sizeof child_errno);
	while (n < 0 && errno == EINTR);
	p->pid = pid;
	if (n > 0) {
		proc_stop(p, 0);
		snprintf(err, errlen, "%s: cannot start: %s", exe, strerror(child_errno));
		goto out;
	}
	rc = 0;
out:
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	return rc;
}

/* Leader exited?  Does not reap: the zombie keeps the group id ours. */
static bool proc_exited(struct proc *p)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return errno == ECHILD;
	return si.si_pid == p->pid;
}

/* Kills what is left of the group and reaps the (exited or killed) leader. */
static void proc_reap(struct proc *p)
{
	pid_t r;
	kill(-p->pid, SIGKILL);
	do
		r = waitpid(p->pid, &p->status, 0);
	while (r < 0 && errno == EINTR);
	p->reaped = true;
	p->pid = 0;
}

bool proc_alive(struct proc *p)
{
	if (p->pid <= 0 || p->reaped)
		return false;
	if (!proc_exited(p))
		return true;
	proc_reap(p);
	return false;
}

/* Sleeps up to ms, waking early when the child exits (pidfd) where the kernel has one. */
static void proc_nap(int pidfd, int ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	poll(pidfd >= 0 ? &pfd : NULL, pidfd >= 0 ? 1 : 0, ms);
}

static int proc_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* Fills a sockaddr from a numeric IPv4 or IPv6 address (no name lookups). */
static int proc_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*sl = sizeof *in4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*sl = sizeof *in6;
		return 0;
	}
	return -1;
}

/* One connect attempt: 1 accepted, 0 not yet (refused or no answer within ms), -1 hard error. */
static int proc_try_connect(const struct sockaddr_storage *ss, socklen_t sl, int ms)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), rc = 0, soerr = 0;
	socklen_t el = sizeof soerr;
	struct pollfd pfd;
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)ss, sl) == 0) {
		rc = 1;
		goto out;
	}
	if (errno != EINPROGRESS)
		goto out;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) == 0 && soerr == 0)
		rc = 1;
out:
	close(fd);
	return rc;
}

int proc_wait_port(struct proc *p, const char *host, uint16_t port, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	long long deadline = proc_now_ms() + timeout_ms;
	int pidfd = -1, rc = -1;

	if (proc_addr(host, port, &ss, &sl) != 0) {
		snprintf(err, errlen, "'%s' is not a numeric IP address", host);
		return -1;
	}
	if (p->pid > 0 && !p->reaped)
		pidfd = proc_pidfd(p->pid);
	for (;;) {
		int c;
		if (!proc_alive(p)) {
			if (WIFEXITED(p->status))
				snprintf(err, errlen, "process exited with status %d before accepting on %s:%u",
					 WEXITSTATUS(p->status), host, port);
			else if (WIFSIGNALED(p->status))
				snprintf(err, errlen, "process killed by signal %d before accepting on %s:%u",
					 WTERMSIG(p->status), host, port);
			else
				snprintf(err, errlen, "process is not running");
			goto out;
		}
		c = proc_try_connect(&ss, sl, PROC_POLL_MS * 10);
		if (c == 1) {
			rc = 0;
			goto out;
		}
		if (c < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			goto out;
		}
		if (proc_now_ms() >= deadline) {
			snprintf(err, errlen, "%s:%u did not accept within %d ms", host, port, timeout_ms);
			goto out;
		}
		proc_nap(pidfd, PROC_POLL_MS);
	}
out:
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

int proc_wait(struct proc *p, int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	int pidfd = p->pid > 0 && !p->reaped ? proc_pidfd(p->pid) : -1;
	while (proc_alive(p) && proc_now_ms() < deadline)
		proc_nap(pidfd, PROC_POLL_MS * 10);
	if (pidfd >= 0)
		close(pidfd);
	return proc_alive(p) ? -1 : 0;
}

void proc_stop(struct proc *p, int grace_ms)
{
	long long deadline;
	int pidfd;
	if (p->pid <= 0 || p->reaped)
		return;
	pidfd = proc_pidfd(p->pid);
	deadline = proc_now_ms() + (grace_ms > 0 ? grace_ms : 0);
	kill(-p->pid, SIGTERM);
	while (!proc_exited(p) && proc_now_ms() < deadline)
		proc_nap(pidfd, PROC_POLL_MS);
	if (pidfd >= 0)
		close(pidfd);
	proc_reap(p);
}
