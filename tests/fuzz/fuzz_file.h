/*
 * fuzz_file.h - the fuzz input as a file a user gave, for targets whose
 * loader takes a path (fuzz_profile, fuzz_scenario).  The file is written
 * afresh for each input in a private directory made once (mkdtemp), never
 * through a link (O_NOFOLLOW|O_EXCL), and both are removed at exit.
 */
#ifndef TLSDIAG_TESTS_FUZZ_FILE_H
#define TLSDIAG_TESTS_FUZZ_FILE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_dir[64], fuzz_path[96];

static void fuzz_file_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

/* Writes the input as DIR/leaf, DIR /tmp/tlsdiag-fuzz-TAG-XXXXXX: its path, or NULL (unlink it after the run). */
static const char *fuzz_file_write(const char *tag, const char *leaf, const uint8_t *data, size_t size)
{
	if (!fuzz_dir[0]) {
		snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/tlsdiag-fuzz-%s-XXXXXX", tag);
		if (!mkdtemp(fuzz_dir)) {
			fuzz_dir[0] = '\0';
			return NULL;
		}
		snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzz_dir, leaf);
		atexit(fuzz_file_cleanup);
	}
	int fd = open(fuzz_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	ssize_t w = write(fd, data, size);
	close(fd);
	return w == (ssize_t)size ? fuzz_path : NULL;
}

#endif
