/*
 * explain_lookup.c - answers the lookups of explain.h: a code of a stack
 * (and of one library version: "mbedtls@3"), a name, a table, the
 * equivalents of a row, the words of a diagnosis.
 */
#include "harness/explain/explain_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int explain_parse_number(const char *s, long *v)
{
	const char *p = s;
	bool neg = false;
	int base = 10;
	char *end;
	unsigned long u;
	if (!s)
		return -1;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!isxdigit((unsigned char)*p))
			return -1;
	} else if (!isdigit((unsigned char)*p) || (p[0] == '0' && p[1] != '\0')) {
		return -1; /* no octal, no empty number */
	}
	errno = 0;
	u = strtoul(p, &end, base);
	if (errno || *end != '\0' || u > (unsigned long)LONG_MAX)
		return -1;
	*v = neg ? -(long)u : (long)u;
	return 0;
}

const char *explain_code_str(const struct explain_row *row, char *buf, size_t len)
{
	const struct explain_table_info *t = row ? explain_table_find(row->stack) : NULL;
	if (!row) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (t && t->hex) {
		unsigned long mag = row->code < 0 ? 0UL - (unsigned long)row->code : (unsigned long)row->code;
		snprintf(buf, len, "%s0x%04lX", row->code < 0 ? "-" : "", mag);
	} else {
		snprintf(buf, len, "%ld", row->code);
	}
	return buf;
}

/* ---- lookup ---- */

struct table *ex_table_of(const char *stack)
{
	for (size_t i = 0; i < ex_g.ntables; i++)
		if (strcmp(ex_g.tables[i].info.stack, stack) == 0)
			return &ex_g.tables[i];
	return NULL;
}

/* Compares dotted numbers: "3" < "3.6" < "3.10"; <0, 0, >0. */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		char *ea, *eb;
		unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (ea == a && eb == b)
			break;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if (!*a && *b)
			return -1;
		if (*a && !*b)
			return 1;
	}
	return 0;
}

struct table *ex_table_spec(const char *spec, int *version)
{
	char name[64];
	const char *at = strchr(spec, '@');
	struct table *t;
	int best = -1;
	snprintf(name, sizeof name, "%.*s", (int)(at ? (size_t)(at - spec) : strlen(spec)), spec);
	if (!(t = ex_table_of(name)))
		return NULL;
	if (!at) {
		*version = t->info.nversions ? (int)t->vdefault : -1;
		return t;
	}
	for (const char *q = at + 1; *q; q++)
		if (!isdigit((unsigned char)*q) && *q != '.')
			return NULL;
	if (!at[1] || !t->info.nversions)
		return NULL;
	/* the newest version of the table that is not newer than the one asked for */
	for (size_t i = 0; i < t->info.nversions; i++)
		if (version_cmp(t->vtags[i], at + 1) <= 0)
			best = (int)i;
	*version = best;
	return best < 0 ? NULL : t;
}

bool ex_row_in_version(const struct table *t, size_t i, int version)
{
	return version < 0 || !t->vmask[i] || (t->vmask[i] & (1u << version));
}

const struct explain_row *ex_table_row(const struct table *t, long code, int version)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].code == code && ex_row_in_version(t, i, version))
			return &t->rows[i];
	return NULL;
}

const struct explain_row *explain_find(const char *stack, long code)
{
	struct table *t;
	const struct explain_row *r;
	int version;
	if (!stack || !ex_ensure_loaded() || !(t = ex_table_spec(stack, &version)))
		return NULL;
	if ((r = ex_table_row(t, code, version)))
		return r;
	/* a code this version removed is not composed from its parts either */
	if (version >= 0 && ex_table_row(t, code, -1))
		return NULL;
	return ex_compose(t, code, version);
}

bool explain_row_in_stack(const struct explain_row *row, const char *spec)
{
	struct table *t;
	int version;
	if (!row || !spec || !ex_ensure_loaded() || !(t = ex_table_spec(spec, &version)) ||
	    strcmp(t->info.stack, row->stack) != 0)
		return false;
	if (!strchr(spec, '@'))
		return true;
	if (row->composed)
		return explain_find(spec, row->code) == row;
	for (size_t i = 0; i < t->nrows; i++)
		if (&t->rows[i] == row)
			return ex_row_in_version(t, i, version);
	return false;
}

const struct explain_row *explain_find_name(const char *stack, const char *name)
{
	if (!name || !ex_ensure_loaded())
		return NULL;
	/* a row of the table's default version first: CyaSSL 2.x's SOCKET_ERROR_E is -208, wolfSSL's -308 */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ex_g.ntables; i++) {
			struct table *t = &ex_g.tables[i];
			for (size_t j = 0; j < t->nrows; j++)
				if (t->rows[j].other_version == (pass == 1) && strcasecmp(t->rows[j].name, name) == 0 &&
				    (!stack || explain_row_in_stack(&t->rows[j], stack)))
					return &t->rows[j];
		}
	return NULL;
}

const struct explain_row *explain_alert(int alert)
{
	return explain_find("tls-alert", alert);
}

const struct explain_table_info *explain_table(size_t i)
{
	if (!ex_ensure_loaded() || i >= ex_g.ntables)
		return NULL;
	return &ex_g.tables[i].info;
}

const struct explain_table_info *explain_table_find(const char *stack)
{
	struct table *t;
	int version;
	if (!stack || !ex_ensure_loaded() || !(t = ex_table_spec(stack, &version)))
		return NULL;
	return &t->info;
}

const struct explain_row *explain_row_at(const char *stack, size_t i)
{
	struct table *t;
	int version;
	if (!stack || !ex_ensure_loaded() || !(t = ex_table_spec(stack, &version)))
		return NULL;
	if (!strchr(stack, '@'))
		version = -1; /* every row, whatever its version */
	for (size_t j = 0; j < t->nrows; j++)
		if (ex_row_in_version(t, j, version) && i-- == 0)
			return &t->rows[j];
	return NULL;
}

const struct equiv *ex_equiv_by_key(const char *key)
{
	for (size_t i = 0; i < ex_g.nequivs; i++)
		if (strcmp(ex_g.equivs[i].pub.key, key) == 0)
			return &ex_g.equivs[i];
	return NULL;
}

const struct explain_equiv *explain_equiv_find(const char *key)
{
	const struct equiv *e;
	if (!key || !ex_ensure_loaded() || !(e = ex_equiv_by_key(key)))
		return NULL;
	return &e->pub;
}

static size_t copy_rows(const struct equiv *e, const struct explain_row **rows, size_t max)
{
	size_t n = 0;
	for (; e && n < e->nrows && n < max; n++)
		rows[n] = e->rows[n];
	return n;
}

size_t explain_equivalents(int alert, int received, const struct explain_row **rows, size_t max)
{
	char key[32];
	if (!ex_ensure_loaded())
		return 0;
	snprintf(key, sizeof key, "%s:%d", received ? "received" : "sent", alert);
	return copy_rows(ex_equiv_by_key(key), rows, max);
}

size_t explain_equivalents_kind(const char *kind, const struct explain_row **rows, size_t max)
{
	char key[64];
	if (!kind || !ex_ensure_loaded())
		return 0;
	snprintf(key, sizeof key, "kind:%s", kind);
	return copy_rows(ex_equiv_by_key(key), rows, max);
}

const char *const *explain_kinds(void)
{
	static const char *const none[] = { NULL };
	if (!ex_ensure_loaded())
		return none;
	return ex_g.kinds;
}

bool ex_table_role_device(const char *stack)
{
	return strcmp(stack, "tls-alert") != 0 && strcmp(stack, "openssl") != 0;
}

size_t explain_equiv_for_row(const struct explain_row *row, const struct explain_equiv **out, size_t max)
{
	size_t n = 0;
	const struct equiv *listing[64];
	size_t nlisting = 0;
	if (!row || !ex_ensure_loaded())
		return 0;
	for (size_t i = 0; i < ex_g.nequivs && nlisting < sizeof listing / sizeof listing[0]; i++)
		for (size_t j = 0; j < ex_g.equivs[i].nrows; j++)
			if (ex_g.equivs[i].rows[j] == row) {
				listing[nlisting++] = &ex_g.equivs[i];
				break;
			}
	/* A code listed for many alerts (mbedTLS FATAL_ALERT_MESSAGE) stands for none in particular. */
	if (nlisting <= 2)
		for (size_t i = 0; i < nlisting && n < max; i++)
			out[n++] = &listing[i]->pub;
	int alert = strcmp(row->stack, "tls-alert") == 0 ? (int)row->code : row->alert;
	if (alert >= 0) {
		/* Seen from the device: a server-side or wire row is turned around where needed. */
		const char *stack = row->stack;
		char key[32];
		const struct equiv *e;
		if (strcmp(stack, "tls-alert") == 0) {
			const char *dirs[] = { "received", "sent" };
			for (size_t d = 0; d < 2; d++) {
				snprintf(key, sizeof key, "%s:%d", dirs[d], alert);
				e = ex_equiv_by_key(key);
				bool dup = false;
				for (size_t k = 0; k < n; k++)
					dup |= out[k] == &e->pub;
				if (e && !dup && n < max)
					out[n++] = &e->pub;
			}
			return n;
		}
		bool device_received = ex_table_role_device(stack) ? !row->alert_sent : row->alert_sent;
		snprintf(key, sizeof key, "%s:%d", device_received ? "received" : "sent", alert);
		e = ex_equiv_by_key(key);
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= e && out[k] == &e->pub;
		if (e && !dup && n < max)
			out[n++] = &e->pub;
	}
	return n;
}

const struct explain_diagnosis *explain_diagnosis_find(const char *key)
{
	if (!key || !ex_ensure_loaded())
		return NULL;
	for (size_t i = 0; i < ex_g.ndiags; i++)
		if (strcmp(ex_g.diags[i].pub.key, key) == 0)
			return &ex_g.diags[i].pub;
	return NULL;
}

const struct explain_diagnosis *explain_diagnosis_require(const char *key, char *err, size_t errlen)
{
	const struct explain_diagnosis *d;
	char lerr[512];
	if (explain_load(lerr, sizeof lerr) != 0) {
		snprintf(err, errlen, "%s", lerr);
		return NULL;
	}
	d = explain_diagnosis_find(key);
	if (!d)
		snprintf(err, errlen, "%s: no section [%s] for the diagnosis rule '%s'", EX_DIAG_FILE, key ? key : "",
			 key ? key : "");
	return d;
}

const struct explain_diagnosis *explain_diagnosis_at(size_t i)
{
	if (!ex_ensure_loaded() || i >= ex_g.ndiags)
		return NULL;
	return &ex_g.diags[i].pub;
}

const struct explain_diagnosis *explain_diagnosis_for(const char *outcome)
{
	const struct diag_row *d;
	if (!outcome || !ex_ensure_loaded() || !(d = ex_diag_standing(ex_g.diags, ex_g.ndiags, outcome)))
		return NULL;
	return &d->pub;
}

const struct explain_equiv *explain_diagnosis_equiv(const struct explain_diagnosis *pub, int alert, int received)
{
	const struct diag_row *d = (const struct diag_row *)pub; /* pub is the first member */
	const struct equiv *e;
	if (!pub || !ex_ensure_loaded())
		return NULL;
	for (size_t i = 0; i < d->nequiv; i++) {
		char key[32];
		const char *w = d->equiv[i];
		if (strcmp(w, "alert") == 0) {
			if (alert < 0)
				continue;
			snprintf(key, sizeof key, "%s:%d", received ? "received" : "sent", alert);
			w = key;
		}
		if ((e = ex_equiv_by_key(w)))
			return &e->pub;
	}
	return NULL;
}

bool explain_stack_is_device(const char *stack)
{
	return stack && ex_table_role_device(stack);
}

