/*
 * embedded.h - data files compiled into the binary by harness/tools/embed.c:
 * the explain tables (harness/explain/tables/), the server profiles and the
 * Apache template (servers/).  Each is named by its path in the source tree.
 */
#ifndef TLSDIAG_CORE_EMBEDDED_H
#define TLSDIAG_CORE_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* e.g. "servers/selfsigned-apache.ini" */
	const unsigned char *data; /* NUL-terminated */
	size_t len; /* without the NUL */
};

extern const struct embedded_file embedded_files[];

/* The file named name, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
