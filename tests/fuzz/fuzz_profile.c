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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/servers/profile.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct profile *p)
{
	if (!p->kind || !p->description[0] || !p->versions || !p->leaf[0] || !p->anchor[0])
		abort();
	if (profile_own_chain(p) && strncmp(p->leaf, "own-", 4) != 0)
		abort();
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
	const char *path = fuzz_file_write("profile", "user.ini", data, size);
	if (path && profile_load(path, &p, err, sizeof err) == 0)
		check(&p);
	unlink(fuzz_path);
	return 0;
}
