/*
 * server_guard.h - the servers' emergency stop (server.c).  Servers die
 * with tlsdiag through PR_SET_PDEATHSIG (proc.c), except Apache started as
 * root, whose switch to nobody clears it; so each running server is listed
 * here (its process group and its certs dir), and a fatal signal (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT) or exit() in the process that started it
 * SIGKILLs the groups and unlinks the private keys, and removes a shared run
 * dir whole.  Forks (the runner's workers) inherit the list, not the
 * ownership: only the starting pid acts.
 */
#ifndef TLSDIAG_SERVERS_SERVER_GUARD_H
#define TLSDIAG_SERVERS_SERVER_GUARD_H

#include <sys/types.h>

/* Lists a started server (its group, its run dir holding certs/): its slot, or -1 when the list is full. */
int server_guard_add(pid_t pgid, const char *workdir);
/* Drops slot (stopped by us); -1 is no slot. */
void server_guard_remove(int slot);
/* The shared run dir, removed whole on the emergency path.  0, or -1 when its path is too long. */
int server_guard_rundir(const char *dir);
/* It is being removed by its owner: no longer the emergency path's. */
void server_guard_rundir_forget(const char *dir);

#endif
