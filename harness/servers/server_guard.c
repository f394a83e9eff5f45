/*
 * server_guard.c - the emergency stop of the servers this process started
 * (see server_guard.h): on a fatal signal or exit(), their process groups
 * are SIGKILLed and their private keys unlinked, with async-signal-safe
 * calls only, then the signal goes on (to ASan's handler, or the default).
 */
#include "harness/servers/server_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SERVER_GUARDS 32


struct server_guard {
	volatile pid_t owner; /* the process that started it; 0: a free slot */
	volatile pid_t pgid;
	char certs[PATH_MAX + 8];
};

static struct server_guard guards[SERVER_GUARDS];
static const int guard_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction guard_old[sizeof guard_signals / sizeof guard_signals[0]];
static pid_t guard_installed; /* the pid that installed the handlers */
/* The shared run dir of server_rundir_make(), removed whole on the emergency path. */
static volatile pid_t guard_rundir_owner;
static char guard_rundir[PATH_MAX];

#define GUARD_RM_DEPTH 4 /* run dir / server dir / logs / file */

/*
 * Unlinks entries of the directory open as fd and closes fd; async-signal-
 * safe (no malloc, no stdio: getdents64).  keys_only: just its *.key files;
 * else everything, depth levels of subdirectories down (none followed
 * through a symlink: O_NOFOLLOW).
 */
static void server_guard_clear(int fd, bool keys_only, int depth)
{
	_Alignas(struct dirent64) char buf[2048];
	/* Unlinking while reading may skip entries: again until a pass removes none. */
	for (int pass = 0, removed = 1; removed && pass < 8; pass++) {
		removed = 0;
		lseek(fd, 0, SEEK_SET);
		for (ssize_t n; (n = getdents64(fd, buf, sizeof buf)) > 0;)
			for (ssize_t off = 0; off < n;) {
				const struct dirent64 *d = (const struct dirent64 *)(buf + off);
				size_t l = strlen(d->d_name);
				off += d->d_reclen;
				if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
				    (keys_only && !(l > 4 && memcmp(d->d_name + l - 4, ".key", 4) == 0)))
					continue;
				if (unlinkat(fd, d->d_name, 0) == 0) {
					removed = 1;
					continue;
				}
				int sub = keys_only || depth <= 0
						  ? -1
						  : openat(fd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub < 0)
					continue;
				server_guard_clear(sub, false, depth - 1);
				removed |= unlinkat(fd, d->d_name, AT_REMOVEDIR) == 0;
			}
	}
	close(fd);
}

/* Opens dir for server_guard_clear; -1 when it cannot. */
static int server_guard_open(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void server_guard_fire(void)
{
	pid_t me = getpid();
	for (size_t i = 0; i < SERVER_GUARDS; i++) {
		if (guards[i].owner != me || guards[i].pgid <= 0)
			continue;
		kill(-guards[i].pgid, SIGKILL);
		int fd = server_guard_open(guards[i].certs);
		if (fd >= 0)
			server_guard_clear(fd, true, 0);
		guards[i].owner = 0;
	}
	if (guard_rundir_owner == me) {
		int fd = server_guard_open(guard_rundir);
		if (fd >= 0) {
			server_guard_clear(fd, false, GUARD_RM_DEPTH);
			rmdir(guard_rundir);
		}
		guard_rundir_owner = 0;
	}
}

static void server_guard_on_signal(int sig)
{
	server_guard_fire();
	for (size_t i = 0; i < sizeof guard_signals / sizeof guard_signals[0]; i++)
		if (guard_signals[i] == sig)
			sigaction(sig, &guard_old[i], NULL);
	raise(sig); /* blocked until we return; then the old action (a fault also recurs) */
}

static void server_guard_install(void)
{
	pid_t me = getpid();
	if (guard_installed != me) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = server_guard_on_signal;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof guard_signals / sizeof guard_signals[0]; i++)
			sigaction(guard_signals[i], &sa, &guard_old[i]);
		if (guard_installed == 0)
			atexit(server_guard_fire);
		guard_installed = me;
	}
}

int server_guard_add(pid_t pgid, const char *workdir)
{
	pid_t me = getpid();
	server_guard_install();
	for (size_t i = 0; i < SERVER_GUARDS; i++)
		if (guards[i].owner == 0 || guards[i].owner != me) {
			snprintf(guards[i].certs, sizeof guards[i].certs, "%s/certs", workdir);
			guards[i].pgid = pgid;
			guards[i].owner = me;
			return (int)i;
		}
	return -1;
}

void server_guard_remove(int slot)
{
	if (slot >= 0 && slot < SERVER_GUARDS && guards[slot].owner == getpid())
		guards[slot].owner = 0;
}

int server_guard_rundir(const char *dir)
{
	if (strlen(dir) >= sizeof guard_rundir)
		return -1;
	server_guard_install();
	guard_rundir_owner = 0;
	snprintf(guard_rundir, sizeof guard_rundir, "%s", dir);
	guard_rundir_owner = getpid();
	return 0;
}

void server_guard_rundir_forget(const char *dir)
{
	if (guard_rundir_owner == getpid() && strcmp(guard_rundir, dir) == 0)
		guard_rundir_owner = 0;
}
