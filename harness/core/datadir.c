/* datadir.c - the installed data directory and the default run directory (see datadir.h). */
#include "harness/core/datadir.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool datadir_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory of the running binary, resolved. */
static int datadir_exe_dir(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return snprintf(buf, len, "%s", exe[0] ? exe : "/") < (int)len ? 0 : -1;
}

int datadir_find(char *buf, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], real[PATH_MAX];
	if (datadir_exe_dir(dir, sizeof dir) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/../share/tlsdiag", dir);
	/* A tree that holds scenarios is ours; a bare share/tlsdiag of something else is not. */
	if (!realpath(path, real) || !datadir_is_dir(real))
		return -1;
	snprintf(path, sizeof path, "%s/scenarios", real);
	if (!datadir_is_dir(path))
		return -1;
	return snprintf(buf, len, "%s", real) < (int)len ? 0 : -1;
}

int datadir_scenarios(char *buf, size_t len)
{
	char dir[PATH_MAX];
	if (datadir_is_dir("scenarios"))
		return snprintf(buf, len, "scenarios") < (int)len ? 0 : -1;
	if (datadir_find(dir, sizeof dir) != 0)
		return -1;
	return snprintf(buf, len, "%s/scenarios", dir) < (int)len ? 0 : -1;
}

/* Is path the directory under or equal to root? */
static bool datadir_under(const char *path, const char *root)
{
	size_t n = strlen(root);
	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/' || (n == 1 && root[0] == '/'));
}

int datadir_runs_base(char *buf, size_t len, char *err, size_t errlen)
{
	char cwd[PATH_MAX], share[PATH_MAX], bin[PATH_MAX];
	/* A source tree: its Makefile builds harness/main.c, and captures/ is git-ignored there. */
	if (access("harness/main.c", F_OK) == 0 && datadir_is_dir("scenarios"))
		return snprintf(buf, len, "captures/runs") < (int)len ? 0 : -1;
	if (getcwd(cwd, sizeof cwd) && datadir_find(share, sizeof share) == 0 &&
	    datadir_exe_dir(bin, sizeof bin) == 0 && (datadir_under(cwd, share) || datadir_under(cwd, bin))) {
		snprintf(err, errlen,
			 "the current directory %s is inside tlsdiag's installed tree: run from another "
			 "directory or give --out DIR",
			 cwd);
		return -1;
	}
	return snprintf(buf, len, "tlsdiag-runs") < (int)len ? 0 : -1;
}
