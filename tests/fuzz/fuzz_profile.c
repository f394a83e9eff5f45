/*
 * fuzz_profile.c - libFuzzer target for server profile files
 * (servers/profile.c): a user's own profile is read from a file they give
 * ('tlsdiag serve ./my.ini'), so its parser meets untrusted text.
 *
 * Input: the file's bytes.  They are parsed as a compiled-in profile would
 * be (profile_parse) and, written to a temporary file, as a user's profile
 * file (profile_load with a path: the 64 KiB bound, NUL bytes, relative
 * cert_file/key_file/ca_file resolved against the file's directory).
 * Besides the sanitizers it checks the loader's promises: a profile that
 * loads has a server kind, a description, some protocol version, and a leaf
 * and anchor (the user's own files: the imported names "own-*").
 * Seeds: tests/corpus/profile (every shipped profile and an own-chain one).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/servers/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct profile *p)
{
	if (!p->kind || !p->description[0] || !p->versions || !p->leaf[0] || !p->anchor[0])
		abort();
	if (profile_own_chain(p) && strncmp(p->leaf, "own-", 4) != 0)
		abort();
}

static char dir[64], path[96];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

/* The input as a user's profile file, in a private dir made once (removed at exit). */
static int write_file(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/tlsdiag-fuzz-profile-XXXXXX");
		if (!mkdtemp(dir))
			return -1;
		snprintf(path, sizeof path, "%s/user.ini", dir);
		atexit(cleanup);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, size);
	close(fd);
	return w == (ssize_t)size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p;
	char err[512];
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (profile_parse("fuzz", text, &p, err, sizeof err) == 0)
		check(&p);
	free(text);
	if (write_file(data, size) == 0 && profile_load(path, &p, err, sizeof err) == 0)
		check(&p);
	unlink(path);
	return 0;
}
