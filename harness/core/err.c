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

void err_write_safe(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		/* C0 controls but newline and tab, and DEL: a terminal would act on them (ESC [ ...). */
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
}

int err_report(enum err_category c, const char *fmt, ...)
{
	va_list ap;
	char msg[4096];
	fprintf(stderr, "tlsdiag: %s error: ", err_category_name(c));
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Messages quote scenario files and server logs: their control bytes are shown, not obeyed. */
	err_write_safe(stderr, msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	fputc('\n', stderr);
	return err_exit_code(c);
}
