/* tok.c - value-to-name tables (see tok.h). */
#include "harness/core/tok.h"

#include <stdio.h>
#include <string.h>

const char *tok_name(const struct tok *table, unsigned int v)
{
	for (const struct tok *t = table; t->s; t++)
		if (t->v == v)
			return t->s;
	return NULL;
}

const char *tok2str(const struct tok *table, unsigned int v, char *buf, size_t buflen)
{
	const char *s = tok_name(table, v);
	if (s)
		return s;
	snprintf(buf, buflen, "unknown(0x%x)", v);
	return buf;
}

int tok_value(const struct tok *table, const char *s, unsigned int *v)
{
	for (const struct tok *t = table; t->s; t++)
		if (strcmp(t->s, s) == 0) {
			*v = t->v;
			return 0;
		}
	return -1;
}
