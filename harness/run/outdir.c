/* outdir.c - the run's output directory, written safely (see outdir.h). */
#include "harness/run/outdir.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void outdir_sanitize(const char *name, char *out, size_t outlen)
{
	size_t n = 0;
	if (outlen == 0)
		return;
	for (const char *p = name; *p && n + 1 < outlen; p++) {
		unsigned char ch = (unsigned char)*p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			  ch == '.' || ch == '_' || ch == '-';
		out[n++] = ok ? (char)ch : '_';
	}
	out[n] = '\0';
	/* "", "." and ".." would name this directory or its parent; a leading '.' hides the file. */
	if (n == 0 && outlen > 1) {
		out[0] = '_';
		out[1] = '\0';
	} else if (out[0] == '.') {
		out[0] = '_';
	}
}

int outdir_mkdirs(const char *path, char *err, size_t errlen)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf) {
		snprintf(err, errlen, "bad output directory '%s'", path);
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char keep = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot make directory %s: %s", buf, strerror(errno));
			return -1;
		}
		buf[i] = keep;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", path);
		return -1;
	}
	return 0;
}

static int outdir_check_parent(const char *dir, char *err, size_t errlen);

int outdir_new_run(const char *base, char *path, size_t pathlen, char *err, size_t errlen)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	if (outdir_check_parent(base, err, errlen) != 0 || outdir_mkdirs(base, err, errlen) != 0)
		return -1;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	for (int i = 1; i < 100; i++) {
		int w = i == 1 ? snprintf(path, pathlen, "%s/%s", base, stamp)
			       : snprintf(path, pathlen, "%s/%s-%d", base, stamp, i);
		if (w < 0 || (size_t)w >= pathlen) {
			snprintf(err, errlen, "output path too long under %s", base);
			return -1;
		}
		if (mkdir(path, 0700) == 0)
			return 0;
		if (errno != EEXIST) {
			snprintf(err, errlen, "cannot make directory %s: %s", path, strerror(errno));
			return -1;
		}
	}
	snprintf(err, errlen, "too many runs named %s/%s-*", base, stamp);
	return -1;
}

FILE *outdir_open(struct outdir_file *of, const char *path, char *err, size_t errlen)
{
	memset(of, 0, sizeof *of);
	int w1 = snprintf(of->path, sizeof of->path, "%s", path);
	int w2 = snprintf(of->tmp, sizeof of->tmp, "%s.tmp.XXXXXX", path);
	if (w1 < 0 || w2 < 0 || (size_t)w2 >= sizeof of->tmp) {
		snprintf(err, errlen, "path too long: %s", path);
		return NULL;
	}
	int fd = mkstemp(of->tmp); /* O_EXCL, mode 0600 */
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", of->tmp, strerror(errno));
		return NULL;
	}
	of->f = fdopen(fd, "w");
	if (!of->f) {
		snprintf(err, errlen, "cannot open %s: %s", of->tmp, strerror(errno));
		close(fd);
		unlink(of->tmp);
		return NULL;
	}
	return of->f;
}

static int outdir_finish(struct outdir_file *of, bool sync, char *err, size_t errlen)
{
	int bad = ferror(of->f);
	if (fflush(of->f) != 0 || (sync && fsync(fileno(of->f)) != 0))
		bad = 1;
	if (fclose(of->f) != 0)
		bad = 1;
	of->f = NULL;
	if (bad) {
		snprintf(err, errlen, "cannot write %s: %s", of->path, strerror(errno));
		unlink(of->tmp);
		return -1;
	}
	if (rename(of->tmp, of->path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", of->tmp, of->path, strerror(errno));
		unlink(of->tmp);
		return -1;
	}
	return 0;
}

int outdir_commit(struct outdir_file *of, char *err, size_t errlen)
{
	return outdir_finish(of, true, err, errlen);
}

int outdir_commit_unsynced(struct outdir_file *of, char *err, size_t errlen)
{
	return outdir_finish(of, false, err, errlen);
}

int outdir_sync(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) != 0) {
		snprintf(err, errlen, "cannot sync %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void outdir_abort(struct outdir_file *of)
{
	if (of->f) {
		fclose(of->f);
		of->f = NULL;
		unlink(of->tmp);
	}
}

int outdir_write_text(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	struct outdir_file of;
	FILE *f = outdir_open(&of, path, err, errlen);
	if (!f)
		return -1;
	if (len && fwrite(text, 1, len, f) != len) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		outdir_abort(&of);
		return -1;
	}
	return outdir_commit_unsynced(&of, err, errlen);
}

int outdir_settle_cut(const char *dir)
{
	char path[4200], to[4200];
	int kept = 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	/* The names of outdir_open's temporaries; the worker is gone, so nothing writes them now. */
	for (struct dirent *e; (e = readdir(d));)
		if (strstr(e->d_name, ".tmp.") && snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
			unlink(path);
	closedir(d);
	/* A pcap cut off is still readable up to its last whole packet: keep it, named for what it is. */
	snprintf(path, sizeof path, "%s/capture.pcap.part", dir);
	snprintf(to, sizeof to, "%s/capture.incomplete.pcap", dir);
	if (access(path, F_OK) == 0 && rename(path, to) == 0)
		kept = 1;
	return kept;
}

/* ---- safe places (see outdir.h) ---- */

/* Why st may not hold our files; NULL when it may.  last: the dir we write in, not an ancestor. */
static const char *outdir_unsafe(const struct stat *st, bool last)
{
	uid_t me = geteuid();
	if (!S_ISDIR(st->st_mode))
		return "is not a directory";
	if (last && st->st_uid != me)
		return "belongs to another user";
	if (st->st_uid != me && st->st_uid != 0)
		return "belongs to another user, who could replace what is under it";
	if ((st->st_mode & 022) && !(!last && (st->st_mode & S_ISVTX)))
		return "is writable by group or others, who could plant links in it";
	return NULL;
}

/* outdir_check_safe; mine: dir itself must be ours too (else it may be an ancestor, as /tmp). */
static int outdir_check_chain(const char *dir, bool mine, char *real, size_t reallen, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	struct stat st;
	if (!realpath(dir, buf)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	size_t n = strlen(buf);
	const char *why = n > 1 && lstat("/", &st) == 0 ? outdir_unsafe(&st, false) : NULL;
	if (why) {
		snprintf(err, errlen, "refusing to write under %s: / %s", dir, why);
		return -1;
	}
	/* Each prefix "/a", "/a/b", ... of the resolved path; the last one is dir itself. */
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char keep = buf[i];
		buf[i] = '\0';
		why = lstat(buf, &st) != 0 ? strerror(errno) : outdir_unsafe(&st, mine && i == n);
		if (why) {
			snprintf(err, errlen, "refusing to write under %s: %s %s", dir, buf, why);
			return -1;
		}
		buf[i] = keep;
	}
	if (real && snprintf(real, reallen, "%s", buf) >= (int)reallen) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	return 0;
}

int outdir_check_safe(const char *dir, char *real, size_t reallen, char *err, size_t errlen)
{
	return outdir_check_chain(dir, true, real, reallen, err, errlen);
}

int outdir_check_private(const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);
	/* "d/" would make lstat follow a link named d: the name without its trailing slashes. */
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof buf) {
		snprintf(err, errlen, "bad directory name '%s'", dir);
		return -1;
	}
	memcpy(buf, dir, n);
	buf[n] = '\0';
	if (lstat(buf, &st) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "refusing %s: it is a symbolic link; give the directory itself", dir);
		return -1;
	}
	if (outdir_check_safe(buf, NULL, 0, err, errlen) != 0)
		return -1;
	/* Search (x) for others is allowed: as root, apache.c opens the run dir to 0711 for Apache's nobody. */
	if (st.st_mode & 066) {
		snprintf(err, errlen, "refusing %s: its mode is %04o; it must be 0700 (private keys go under it)", dir,
			 (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Before making dir: the deepest part of it that exists is a safe place to make the rest in. */
static int outdir_check_parent(const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	struct stat st;
	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	while (lstat(buf, &st) != 0) {
		char *slash = strrchr(buf, '/');
		if (!slash)
			return outdir_check_chain(".", false, NULL, 0, err, errlen);
		if (slash == buf) {
			buf[1] = '\0';
			break;
		}
		*slash = '\0';
	}
	return outdir_check_chain(buf, false, NULL, 0, err, errlen);
}

/* Removes everything in the directory open as fd (not fd itself), never through a link; closes fd. */
static int outdir_clear_fd(int fd, const char *keep)
{
	int rc = 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || (keep && strcmp(e->d_name, keep) == 0))
			continue;
		if (unlinkat(fd, e->d_name, 0) == 0)
			continue;
		int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || outdir_clear_fd(sub, NULL) != 0 || unlinkat(fd, e->d_name, AT_REMOVEDIR) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

#define OUTDIR_LOCK ".tlsdiag.lock"

int outdir_lock_run(const char *dir, char *real, size_t reallen, char *err, size_t errlen)
{
	char lock[PATH_MAX + 32];
	int fd = -1, dfd = -1;
	bool ours = false, empty = true;
	if (outdir_check_parent(dir, err, errlen) != 0 || outdir_mkdirs(dir, err, errlen) != 0 ||
	    outdir_check_safe(dir, real, reallen, err, errlen) != 0)
		return -1;
	snprintf(lock, sizeof lock, "%s/" OUTDIR_LOCK, real);
	fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		ours = true;
		fd = open(lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	}
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, errlen, "cannot use the lock file %s: %s", lock, fd < 0 ? strerror(errno) : "not a file of ours");
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s is in use by another tlsdiag run (%s is locked)", dir, lock);
		goto fail;
	}
	DIR *d = opendir(real);
	for (struct dirent *e; d && (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && strcmp(e->d_name, OUTDIR_LOCK) != 0)
			empty = false;
	if (d)
		closedir(d);
	if (!empty && !ours) {
		snprintf(err, errlen, "%s holds files that no tlsdiag run wrote: give --out an empty or new directory", dir);
		unlink(lock);
		goto fail;
	}
	/* An earlier run's files (its reports would sit beside the new captures): cleared. */
	if (!empty && ((dfd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		       outdir_clear_fd(dfd, OUTDIR_LOCK) != 0)) {
		snprintf(err, errlen, "cannot clear the earlier run's files from %s: %s", dir, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int outdir_mkdirs_under(const char *base, const char *rel, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc = -1;
	if (fd < 0 || snprintf(buf, sizeof buf, "%s", rel) >= (int)sizeof buf) {
		snprintf(err, errlen, "%s: %s", base, fd < 0 ? strerror(errno) : "path too long");
		goto out;
	}
	for (char *save = NULL, *part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		struct stat st;
		if (mkdirat(fd, part, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot make directory %s/%s: %s", base, rel, strerror(errno));
			goto out;
		}
		int sub = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		const char *why = sub < 0 ? strerror(errno) : fstat(sub, &st) != 0 ? strerror(errno) : outdir_unsafe(&st, true);
		close(fd);
		fd = sub;
		if (why) {
			snprintf(err, errlen, "refusing to write in %s/%s: %s", base, rel, why);
			goto out;
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int outdir_check_writable(const char *path, char *err, size_t errlen)
{
	struct outdir_file of;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is a directory", path);
		return -1;
	}
	if (!outdir_open(&of, path, err, errlen))
		return -1;
	outdir_abort(&of);
	return 0;
}
