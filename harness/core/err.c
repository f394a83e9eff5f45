/* err.c - error categories and their exit codes (see err.h). */
#include "harness/core/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *decode_status_name(enum decode_status s)
{
	switch (s) {
	case DECODE_OK:
		return "ok";
	case DECODE_TRUNCATED:
		return "truncated";
	case DECODE_MALFORMED:
		return "malformed";
	default:
		return "unknown";
	}
}

const char *err_category_name(enum err_category c)
{
	switch (c) {
	case ERR_NONE:
		return "ok";
	case ERR_USAGE:
		return "usage";
	case ERR_INPUT:
		return "input";
	case ERR_ENV:
		return "environment";
	case ERR_IO:
		return "io";
	case ERR_INTERNAL:
		return "internal";
	default:
		return "unknown";
	}
}

int err_exit_code(enum err_category c)
{
	return c == ERR_NONE ? EXIT_OK : EXIT_UNUSABLE;
}

int err_report(enum err_category c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "tlsdiag: %s error: ", err_category_name(c));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return err_exit_code(c);
}
