/*
 * scenario.c - reads scenario files (see scenario.h, docs/runner.md).
 *
 * How this works.  inih does the INI syntax; it is fed through our own
 * reader (ini_parse_stream) because Debian's libinih is built without
 * INI_HANDLER_LINENO and INI_CALL_HANDLER_ON_NEW_SECTION: the reader counts
 * lines, rejects lines longer than inih's INI_MAX_LINE (200: inih would
 * silently split them), and notes section headers itself (inih truncates
 * section names at 49 bytes and never reports an empty section).  A value
 * may go on over indented lines (inih's multi-line mode); the pieces are
 * joined with one space.
 *
 * The raw sections are then checked field by field against fixed
 * vocabularies, each field's comma-separated values are expanded into a
 * matrix (the first field varies slowest), and the expectation of each
 * combination is chosen: the override expect[...] with the most conditions
 * that holds, else the plain expect.  Two overrides of the same weight that
 * hold for one combination and disagree are an error: the file must say.
 */
#include "harness/run/scenario.h"

#include "harness/capture/fault.h"
#include "harness/client/device.h"
#include "harness/core/tok.h"
#include "harness/explain/explain.h"
#include "harness/servers/server.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCN_MAX_FILE (1024 * 1024)
#define SCN_MAX_NAME 64
#define SCN_MAX_VALUES 32
#define SCN_MAX_COMBOS 4096
#define SCN_MAX_CONDS 8

static const char *const field_names[SCN_NFIELDS] = {
	[SCN_SERVER] = "server",
	[SCN_DEVICE] = "device",
	[SCN_METHOD] = "method",
	[SCN_CIPHERS] = "ciphers",
	[SCN_GROUPS] = "groups",
	[SCN_CA] = "ca",
	[SCN_CA_FORMAT] = "ca_format",
	[SCN_VERIFY] = "verify",
	[SCN_SNI] = "sni",
	[SCN_CHECK_NAME] = "check_name",
	[SCN_CLOCK] = "clock",
	[SCN_MAX_FRAGMENT] = "max_fragment",
	[SCN_CLIENT_CERT] = "client_cert",
	[SCN_MIN_RSA_BITS] = "min_rsa_bits",
	[SCN_MIN_DH_BITS] = "min_dh_bits",
	[SCN_REJECT_SHA1] = "reject_sha1",
	[SCN_RX_RECORD_LIMIT] = "rx_record_limit",
	[SCN_ENGINE] = "engine",
	[SCN_REQUEST] = "request",
};

const char *scenario_field_name(enum scn_field f)
{
	return (unsigned)f < SCN_NFIELDS ? field_names[f] : "?";
}

static int field_find(const char *key)
{
	for (int f = 0; f < SCN_NFIELDS; f++)
		if (strcmp(field_names[f], key) == 0)
			return f;
	return -1;
}

/* ---- value vocabularies ---- */

/*
 * Methods: the client's names (client_method_names: "tls1.2", ...), plus
 * "any>=VERSION" (the highest both support, at least VERSION) and
 * "cc3200-default" (SSLv3 up to TLS 1.2, SL_SO_SEC_METHOD_SSLv3_TLSV1_2).
 */
int scenario_method(const char *v, enum client_method *method, enum client_method *min_version,
		    enum client_method *max_version)
{
	unsigned int m;
	*min_version = METHOD_ANY;
	*max_version = METHOD_ANY;
	if (strcmp(v, "cc3200-default") == 0) {
		*method = METHOD_SSLV3_TLS12;
		return 0;
	}
	if (strncmp(v, "any>=", 5) == 0) {
		if (tok_value(client_method_names, v + 5, &m) != 0 || m == METHOD_ANY || m == METHOD_SSLV3_TLS12)
			return -1;
		*method = METHOD_ANY;
		*min_version = (enum client_method)m;
		return 0;
	}
	if (tok_value(client_method_names, v, &m) != 0)
		return -1;
	*method = (enum client_method)m;
	return 0;
}

int scenario_ca_format(const char *v, enum ca_format *f)
{
	unsigned int x;
	/* "none" is said with ca = none. */
	if (strcmp(v, "none") == 0 || tok_value(client_ca_format_names, v, &x) != 0)
		return -1;
	*f = (enum ca_format)x;
	return 0;
}

int scenario_bool(const char *v, bool *b)
{
	if (strcmp(v, "yes") == 0)
		*b = true;
	else if (strcmp(v, "no") == 0)
		*b = false;
	else
		return -1;
	return 0;
}

int scenario_max_fragment(const char *v, int *len)
{
	static const char *const ok[] = { "512", "1024", "2048", "4096" };
	if (strcmp(v, "none") == 0) {
		*len = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(ok[i], v) == 0) {
			*len = (int)strtol(v, NULL, 10);
			return 0;
		}
	return -1;
}

/* "none" (0) or a plain decimal number in [lo, hi]: 0, or -1. */
static int none_or_number(const char *v, long lo, long hi, int *out)
{
	char *end = NULL;
	if (strcmp(v, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

int scenario_key_bits(const char *v, int *bits)
{
	int n;
	if (none_or_number(v, 256, 16000, &n) != 0 || n % 8 != 0)
		return -1;
	*bits = n;
	return 0;
}

int scenario_engine(const char *v, enum client_engine *e)
{
	unsigned int n;
	if (tok_value(client_engine_names, v, &n) != 0)
		return -1;
	*e = (enum client_engine)n;
	return 0;
}

int scenario_request(const char *v)
{
	if (strncmp(v, "wait:", 5) == 0) {
		char *end;
		errno = 0;
		long ms = strtol(v + 5, &end, 10);
		return errno == 0 && end != v + 5 && *end == '\0' && ms >= 0 && ms <= 600000 ? 0 : -1;
	}
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return -1;
	return *v ? 0 : -1;
}

int scenario_record_limit(const char *v, int *len)
{
	return none_or_number(v, 64, 16384 + 2048, len);
}

/* n decimal digits at s, no sign, no space. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int scenario_clock(const char *v, time_t *t)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, s = 0;
	size_t n = strlen(v);
	if (strcmp(v, "now") == 0) {
		*t = 0;
		return 0;
	}
	if ((n != 10 && n != 20) || digits(v, 4, &y) || v[4] != '-' || digits(v + 5, 2, &mo) || v[7] != '-' ||
	    digits(v + 8, 2, &d))
		return -1;
	if (n == 20 && (v[10] != 'T' || digits(v + 11, 2, &h) || v[13] != ':' || digits(v + 14, 2, &mi) ||
			v[16] != ':' || digits(v + 17, 2, &s) || v[19] != 'Z'))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	time_t r = timegm(&tm);
	/* timegm normalises 02-30 to 03-02: a date that moved did not exist. */
	if (r <= 0 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	*t = r;
	return 0;
}

/* A DNS name or an IP literal: letters, digits, '.', '-', ':' (IPv6). */
static bool is_host_name(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 253)
		return false;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != ':')
			return false;
	return true;
}

/* OpenSSL-style cipher and group lists: no spaces, no quotes, nothing a shell would read. */
static bool is_list_text(const char *v)
{
	if (!*v)
		return false;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_:+!.@=-", *p))
			return false;
	return true;
}

static bool in_list(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(*list, v) == 0)
			return true;
	return false;
}

/* "cc3200, esp8266-axtls, ..." */
/* The profiles whose name starts like v (the catalogue is too long to list whole), and how many there are. */
static const char *device_list(const char *v, char *buf, size_t len)
{
	size_t used = 0, total = 0, like = 0;
	buf[0] = '\0';
	for (const struct device_profile *d = device_profiles; d->name; d++, total++)
		if (strncmp(d->name, v, 3) == 0 && used < len) {
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", d->name);
			like++;
		}
	if (used < len)
		snprintf(buf + used, len - used, "%s%zu profiles in docs/devices.md", like ? "; " : "", total);
	return buf;
}

static bool server_known(const char *v)
{
	const char *const *p = server_profiles();
	return p && in_list(v, p);
}

/* Checks one value of field f; on error writes what is allowed. */
static int value_check(enum scn_field f, const char *v, char *why, size_t whylen)
{
	static const char *const ca[] = { "root", "other", "none", NULL };
	enum client_method m1, m2, m3;
	enum ca_format cf;
	char list[200];
	bool b;
	int n;
	time_t t;
	switch (f) {
	case SCN_SERVER:
		if (server_known(v))
			return 0;
		snprintf(why, whylen, "unknown server profile '%s' ('tlsdiag servers' lists them)", v);
		return -1;
	case SCN_DEVICE:
		if (device_find(v))
			return 0;
		snprintf(why, whylen, "unknown device profile '%s' (%s)", v, device_list(v, list, sizeof list));
		return -1;
	case SCN_METHOD:
		if (scenario_method(v, &m1, &m2, &m3) == 0)
			return 0;
		snprintf(why, whylen,
			 "bad method '%s' (sslv3, tls1.0, tls1.1, tls1.2, tls1.3, any, any>=VERSION, cc3200-default)", v);
		return -1;
	case SCN_CIPHERS:
	case SCN_GROUPS:
		if (is_list_text(v))
			return 0;
		snprintf(why, whylen, "bad %s list '%s' (names joined by ':', no spaces)", field_names[f], v);
		return -1;
	case SCN_CA:
		if (in_list(v, ca))
			return 0;
		snprintf(why, whylen, "bad ca '%s' (root, other or none)", v);
		return -1;
	case SCN_CA_FORMAT:
		if (scenario_ca_format(v, &cf) == 0)
			return 0;
		snprintf(why, whylen, "bad ca_format '%s' (pem, der, pem-as-der or der-as-pem)", v);
		return -1;
	case SCN_VERIFY:
	case SCN_CLIENT_CERT:
	case SCN_REJECT_SHA1:
		if (scenario_bool(v, &b) == 0)
			return 0;
		snprintf(why, whylen, "bad %s '%s' (yes or no)", field_names[f], v);
		return -1;
	case SCN_SNI:
		if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0 || is_host_name(v))
			return 0;
		snprintf(why, whylen, "bad sni '%s' (on, off or a host name)", v);
		return -1;
	case SCN_CHECK_NAME:
		if (is_host_name(v))
			return 0;
		snprintf(why, whylen, "bad check_name '%s' (host, ip, none or a host name)", v);
		return -1;
	case SCN_CLOCK:
		if (scenario_clock(v, &t) == 0)
			return 0;
		snprintf(why, whylen, "bad clock '%s' (now, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, from 1970-01-01T00:00:01Z)",
			 v);
		return -1;
	case SCN_MAX_FRAGMENT:
		if (scenario_max_fragment(v, &n) == 0)
			return 0;
		snprintf(why, whylen, "bad max_fragment '%s' (none, 512, 1024, 2048 or 4096)", v);
		return -1;
	case SCN_MIN_RSA_BITS:
	case SCN_MIN_DH_BITS:
		if (scenario_key_bits(v, &n) == 0)
			return 0;
		snprintf(why, whylen, "bad %s '%s' (none, or 256 to 16000 bits, a multiple of 8)", field_names[f], v);
		return -1;
	case SCN_RX_RECORD_LIMIT:
		if (scenario_record_limit(v, &n) == 0)
			return 0;
		snprintf(why, whylen, "bad rx_record_limit '%s' (none, or 64 to 18432 bytes)", v);
		return -1;
	case SCN_ENGINE: {
		enum client_engine e;
		if (scenario_engine(v, &e) == 0)
			return 0;
		snprintf(why, whylen, "bad engine '%s' (wolfssl, mbedtls or bearssl)", v);
		return -1;
	}
	case SCN_REQUEST:
		if (scenario_request(v) == 0)
			return 0;
		snprintf(why, whylen, "bad request '%s' (none, wait:MS up to 600000, or printable text with \\r\\n escapes)", v);
		return -1;
	case SCN_NFIELDS:
	default:
		snprintf(why, whylen, "internal: no such field");
		return -1;
	}
}

/* ---- the set's strings ---- */

static char *set_keep(struct scenario_set *set, char *s)
{
	if (!s)
		abort(); /* out of memory: nothing sensible to report a scenario error with */
	if (set->nstrings == set->capstrings) {
		size_t cap = set->capstrings ? set->capstrings * 2 : 64;
		char **n = realloc(set->strings, cap * sizeof *n);
		if (!n)
			abort();
		set->strings = n;
		set->capstrings = cap;
	}
	set->strings[set->nstrings++] = s;
	return s;
}

static char *set_strdup(struct scenario_set *set, const char *s)
{
	return set_keep(set, strdup(s));
}

static void *xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n ? n : 1);
	if (!r)
		abort();
	return r;
}

void scenario_set_init(struct scenario_set *set)
{
	memset(set, 0, sizeof *set);
}

void scenario_set_free(struct scenario_set *set)
{
	for (size_t i = 0; i < set->nscenarios; i++) {
		free(set->scenarios[i]->servers);
		free(set->scenarios[i]);
	}
	free(set->scenarios);
	free(set->cases);
	for (size_t i = 0; i < set->nstrings; i++)
		free(set->strings[i]);
	free(set->strings);
	memset(set, 0, sizeof *set);
}

/* ---- stage 1: raw sections through inih ---- */

struct raw_entry {
	char *key;
	char *value;
	int line;
};

struct raw_section {
	char *name; /* "scenario" or the case's name */
	bool is_case;
	int line;
	struct raw_entry *e;
	size_t n;
};

struct parse {
	const char *file;
	const char *text; /* the whole file */
	size_t len, off;
	int lineno;
	bool indented; /* the line just read starts with blanks */
	struct raw_section *secs;
	size_t nsecs;
	struct raw_section *cur;
	bool failed;
	char err[400];
};

static void perr(struct parse *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(struct parse *p, int line, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	if (p->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, sizeof p->err, "%s:%d: %s", p->file, line, msg);
	p->failed = true;
}

static void raw_free(struct parse *p)
{
	for (size_t i = 0; i < p->nsecs; i++) {
		for (size_t j = 0; j < p->secs[i].n; j++) {
			free(p->secs[i].e[j].key);
			free(p->secs[i].e[j].value);
		}
		free(p->secs[i].e);
		free(p->secs[i].name);
	}
	free(p->secs);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static char *trim_copy(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	char *r = malloc(n + 1);
	if (!r)
		abort();
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* A section header seen by the reader: "[scenario]" or "[case NAME]". */
static void section_open(struct parse *p, const char *s)
{
	const char *end = strchr(s, ']');
	if (!end) {
		perr(p, p->lineno, "section header without ']'");
		return;
	}
	for (const char *q = end + 1; *q && *q != ';' && *q != '#'; q++)
		if (!isspace((unsigned char)*q)) {
			perr(p, p->lineno, "text after the section header");
			return;
		}
	char *inner = trim_copy(s + 1, (size_t)(end - s - 1));
	struct raw_section sec = { .line = p->lineno };
	if (strcmp(inner, "scenario") == 0) {
		sec.name = inner;
	} else if (strncmp(inner, "case", 4) == 0 && (inner[4] == '\0' || isspace((unsigned char)inner[4]))) {
		sec.is_case = true;
		sec.name = trim_copy(inner + 4, strlen(inner + 4));
		free(inner);
		if (!sec.name[0]) {
			perr(p, p->lineno, "a case needs a name: [case NAME]");
			free(sec.name);
			return;
		}
		if (strlen(sec.name) > SCN_MAX_NAME || !printable(sec.name) || strpbrk(sec.name, "[]")) {
			perr(p, p->lineno, "bad case name '%s' (printable, no brackets, at most %d characters)",
			     sec.name, SCN_MAX_NAME);
			free(sec.name);
			return;
		}
	} else {
		perr(p, p->lineno, "unknown section [%s] (expected [scenario] or [case NAME])", inner);
		free(inner);
		return;
	}
	for (size_t i = 0; i < p->nsecs; i++) {
		if (p->secs[i].is_case != sec.is_case || strcmp(p->secs[i].name, sec.name) != 0)
			continue;
		if (sec.is_case)
			perr(p, p->lineno, "duplicate case '%s' (first at line %d)", sec.name, p->secs[i].line);
		else
			perr(p, p->lineno, "second [scenario] section (first at line %d)", p->secs[i].line);
		free(sec.name);
		return;
	}
	p->secs = xrealloc(p->secs, (p->nsecs + 1) * sizeof *p->secs);
	p->secs[p->nsecs] = sec;
	p->cur = &p->secs[p->nsecs++];
}

/* fgets over the file's text, counting lines (see the top of this file). */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0, max = (size_t)num - 1;
	if (p->off >= p->len || num < 2)
		return NULL;
	while (p->off < p->len && n < max) {
		char ch = p->text[p->off++];
		str[n++] = ch;
		if (ch == '\n')
			break;
	}
	str[n] = '\0';
	p->lineno++;
	if (n == max && str[n - 1] != '\n' && p->off < p->len && p->text[p->off] != '\n') {
		perr(p, p->lineno, "line longer than %d characters: go on over an indented next line", num - 2);
		while (p->off < p->len && p->text[p->off] != '\n')
			p->off++;
	}
	const char *s = str;
	if (p->lineno == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb && (unsigned char)s[2] == 0xbf)
		s += 3; /* a UTF-8 byte order mark, which inih skips too */
	const char *t = s;
	while (*t == ' ' || *t == '\t')
		t++;
	p->indented = t != s && *t && *t != '\n' && *t != '\r';
	if (*t == '[') {
		if (t != s)
			perr(p, p->lineno, "indented section header (inih would read it as the previous value)");
		else
			section_open(p, t);
	}
	return str;
}

/* Keys whose values are prose and may hold any text. */
static bool free_text_key(const char *key)
{
	return strcmp(key, "description") == 0 || strcmp(key, "note") == 0 || strncmp(key, "note[", 5) == 0 ||
	       strcmp(key, "reproduces") == 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	(void)section; /* inih's copy is truncated at 49 bytes: ours is p->cur */
	if (p->failed)
		return 1;
	if (!p->cur) {
		perr(p, p->lineno, "'%s' outside any section: a file starts with [scenario]", name);
		return 1;
	}
	if (!printable(value)) {
		perr(p, p->lineno, "control character in the value of '%s'", name);
		return 1;
	}
	struct raw_section *sec = p->cur;
	if (p->indented && sec->n > 0) {
		/* inih's multi-line value: an indented line goes on with the previous key. */
		struct raw_entry *e = &sec->e[sec->n - 1];
		if (!free_text_key(e->key) && strchr(value, '=')) {
			perr(p, p->lineno, "indented '%s' reads as more of '%s': start each key in the first column",
			     value, e->key);
			return 1;
		}
		size_t a = strlen(e->value), b = strlen(value);
		e->value = xrealloc(e->value, a + b + 2);
		e->value[a] = ' ';
		memcpy(e->value + a + 1, value, b + 1);
		return 1;
	}
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->e[i].key, name) == 0) {
			perr(p, p->lineno, "duplicate key '%s' (first at line %d)", name, sec->e[i].line);
			return 1;
		}
	sec->e = xrealloc(sec->e, (sec->n + 1) * sizeof *sec->e);
	sec->e[sec->n].key = trim_copy(name, strlen(name));
	sec->e[sec->n].value = trim_copy(value, strlen(value));
	sec->e[sec->n].line = p->lineno;
	sec->n++;
	return 1;
}

/* ---- stage 2: checking and expansion ---- */

/* A field's values: one or more, comma-separated in the file. */
struct values {
	char *v[SCN_MAX_VALUES];
	size_t n;
	int line; /* 0: not given */
};

static void values_free(struct values *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i]);
	vs->n = 0;
}

static int values_split(struct parse *p, enum scn_field f, const struct raw_entry *e, struct values *out)
{
	char why[240];
	const char *s = e->value;
	memset(out, 0, sizeof *out);
	out->line = e->line;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		char *item = trim_copy(s, n);
		if (!item[0]) {
			free(item);
			perr(p, e->line, "empty value in '%s'", e->key);
			goto fail;
		}
		if (out->n == SCN_MAX_VALUES) {
			free(item);
			perr(p, e->line, "more than %d values in '%s'", SCN_MAX_VALUES, e->key);
			goto fail;
		}
		for (size_t i = 0; i < out->n; i++)
			if (strcmp(out->v[i], item) == 0) {
				perr(p, e->line, "value '%s' listed twice in '%s'", item, e->key);
				free(item);
				goto fail;
			}
		if (value_check(f, item, why, sizeof why) != 0) {
			perr(p, e->line, "%s", why);
			free(item);
			goto fail;
		}
		out->v[out->n++] = item;
		if (!comma)
			return 0;
		s = comma + 1;
	}
fail:
	values_free(out);
	return -1;
}

/* One condition of an override: field is value (or value...). */
struct cond {
	enum scn_field f;
	bool ok[SCN_MAX_VALUES]; /* which of the field's values it accepts */
};

struct override {
	struct cond c[SCN_MAX_CONDS];
	size_t n;
	const char *text; /* the value: an expectation or a note */
	int line;
	const char *key;
};

/* Whitespace-separated words of s into w (copies into buf). */
static size_t split_words(const char *s, char *buf, size_t buflen, char **w, size_t maxw)
{
	size_t n = 0;
	snprintf(buf, buflen, "%s", s);
	for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t && n < maxw; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

/*
 * Parses "FIELD is V [or V...] [and FIELD is V...]" (a value may be "#N",
 * the Nth of the field's list, for values holding ':' or '=' that an INI
 * key cannot).
 */
static int override_parse(struct parse *p, const struct raw_entry *e, const char *cond,
			  const struct values *vals, struct override *o)
{
	char buf[256], *w[64];
	size_t nw = split_words(cond, buf, sizeof buf, w, 64), i = 0;
	memset(o, 0, sizeof *o);
	o->text = e->value;
	o->line = e->line;
	o->key = e->key;
	if (nw == 0) {
		perr(p, e->line, "empty condition in '%s': write %.*s[FIELD is VALUE]", e->key,
		     (int)strcspn(e->key, "["), e->key);
		return -1;
	}
	while (i < nw) {
		if (o->n == SCN_MAX_CONDS) {
			perr(p, e->line, "too many conditions in '%s'", e->key);
			return -1;
		}
		int f = field_find(w[i]);
		if (f < 0) {
			perr(p, e->line, "'%s' in '%s' is not a case field", w[i], e->key);
			return -1;
		}
		for (size_t k = 0; k < o->n; k++)
			if ((int)o->c[k].f == f) {
				perr(p, e->line, "field '%s' named twice in '%s'", w[i], e->key);
				return -1;
			}
		const struct values *vs = &vals[f];
		if (vs->n == 0) {
			perr(p, e->line, "'%s' in '%s' has no values in this case", w[i], e->key);
			return -1;
		}
		if (i + 2 >= nw || strcmp(w[i + 1], "is") != 0) {
			perr(p, e->line, "bad condition in '%s': write FIELD is VALUE [or VALUE] [and FIELD is VALUE]",
			     e->key);
			return -1;
		}
		struct cond *c = &o->c[o->n++];
		c->f = (enum scn_field)f;
		i += 2;
		for (;;) {
			size_t idx = vs->n;
			char *end;
			if (w[i][0] == '#') {
				errno = 0;
				long k = strtol(w[i] + 1, &end, 10);
				if (!errno && *end == '\0' && end != w[i] + 1 && k >= 1 && (size_t)k <= vs->n)
					idx = (size_t)k - 1;
			} else {
				for (size_t k = 0; k < vs->n; k++)
					if (strcmp(vs->v[k], w[i]) == 0)
						idx = k;
			}
			if (idx == vs->n) {
				perr(p, e->line, "'%s' in '%s' is not one of the case's %s values", w[i], e->key,
				     field_names[f]);
				return -1;
			}
			c->ok[idx] = true;
			i++;
			if (i + 1 < nw && strcmp(w[i], "or") == 0) {
				i++;
				continue;
			}
			break;
		}
		if (i < nw) {
			if (strcmp(w[i], "and") != 0 || i + 1 >= nw) {
				perr(p, e->line, "bad condition in '%s': expected 'and' or 'or' at '%s'", e->key, w[i]);
				return -1;
			}
			i++;
		}
	}
	return 0;
}

static bool override_holds(const struct override *o, const size_t *pick)
{
	for (size_t k = 0; k < o->n; k++)
		if (!o->c[k].ok[pick[o->c[k].f]])
			return false;
	return true;
}

/* Which text applies to a combination: see the top of the file. NULL: none. */
static const struct override *override_pick(struct parse *p, const struct override *ov, size_t nov,
					    const size_t *pick, const char *combo)
{
	const struct override *best = NULL;
	for (size_t i = 0; i < nov; i++) {
		if (!override_holds(&ov[i], pick))
			continue;
		if (!best || ov[i].n > best->n) {
			best = &ov[i];
		} else if (ov[i].n == best->n && strcmp(ov[i].text, best->text) != 0) {
			perr(p, ov[i].line, "'%s' and '%s' (line %d) both apply to %s: make one more specific",
			     ov[i].key, best->key, best->line, combo);
			return NULL;
		}
	}
	return best;
}

struct case_build {
	struct values vals[SCN_NFIELDS];
	const char *compare, *reported, *network; /* single-valued case keys, NULL when absent */
	struct override *expects, *notes;
	size_t nexpects, nnotes;
};

/* Appends one expanded case to the set. */
static int case_emit(struct parse *p, struct scenario_set *set, struct scenario *sc, const struct raw_section *sec,
		     struct case_build *b, const size_t *pick)
{
	char combo[512] = "", why[240];
	size_t used = 0;
	for (int f = 0; f < SCN_NFIELDS; f++)
		if (b->vals[f].n > 1 && used < sizeof combo)
			used += (size_t)snprintf(combo + used, sizeof combo - used, "%s%s=%s", used ? "," : "",
						 field_names[f], b->vals[f].v[pick[f]]);
	if (used >= sizeof combo) {
		perr(p, sec->line, "case '%s': its combination names are too long", sec->name);
		return -1;
	}
	const struct override *ex = override_pick(p, b->expects, b->nexpects, pick, combo);
	const struct override *no = override_pick(p, b->notes, b->nnotes, pick, combo);
	if (p->failed)
		return -1;
	if (!ex) {
		if (combo[0])
			perr(p, sec->line, "case '%s' has no expect for %s", sec->name, combo);
		else
			perr(p, sec->line, "case '%s' has no expect", sec->name);
		return -1;
	}
	struct scenario_case c = { .scenario = sc, .line = sec->line, .expect_line = ex->line };
	if (expect_parse(ex->text, &c.expect, why, sizeof why) != 0) {
		perr(p, ex->line, "%s", why);
		return -1;
	}
	for (int f = 0; f < SCN_NFIELDS; f++)
		if (b->vals[f].n)
			c.value[f] = set_strdup(set, b->vals[f].v[pick[f]]);
	/* Typed once, here: the worker never parses the file's strings again. */
	if (case_config_parse(c.value, &c.cfg, why, sizeof why) != 0) {
		perr(p, sec->line, "case '%s': %s", sec->name, why);
		return -1;
	}
	c.base = set_strdup(set, sec->name);
	c.combo = set_strdup(set, combo);
	if (combo[0]) {
		size_t n = strlen(sec->name) + strlen(combo) + 3;
		char *name = malloc(n);
		if (!name)
			abort();
		snprintf(name, n, "%s[%s]", sec->name, combo);
		c.name = set_keep(set, name);
	} else {
		c.name = c.base;
	}
	c.note = no ? set_strdup(set, no->text) : NULL;
	c.compare = b->compare ? set_strdup(set, b->compare) : NULL;
	c.reported = b->reported ? set_strdup(set, b->reported) : NULL;
	c.network = b->network ? set_strdup(set, b->network) : NULL;
	if (set->ncases == set->capcases) {
		set->capcases = set->capcases ? set->capcases * 2 : 32;
		set->cases = xrealloc(set->cases, set->capcases * sizeof *set->cases);
	}
	set->cases[set->ncases++] = c;
	return 0;
}

/* Splits "expect[COND]" into its base and condition; base alone returns cond = NULL. */
static int key_split(const char *key, char *base, size_t baselen, const char **cond, size_t *condlen)
{
	const char *br = strchr(key, '[');
	size_t n = br ? (size_t)(br - key) : strlen(key);
	if (n >= baselen)
		return -1;
	memcpy(base, key, n);
	base[n] = '\0';
	*cond = NULL;
	if (br) {
		size_t kl = strlen(key);
		if (key[kl - 1] != ']')
			return -1;
		*cond = br + 1;
		*condlen = (size_t)(key + kl - 1 - (br + 1));
	}
	return 0;
}

/*
 * compare = CASE names another [case] of the same file (checked once all are
 * read: compare_check); reported = KIND one of the explain tables' failure kinds.
 */
static int single_key_check(struct parse *p, const struct raw_section *sec, const struct raw_entry *e)
{
	char list[400] = "";
	size_t n = 0;
	if (e->key[0] == 'c') {
		if (strcmp(e->value, sec->name) == 0) {
			perr(p, e->line, "case '%s' compares with itself", sec->name);
			return -1;
		}
		return 0;
	}
	for (const char *const *k = explain_kinds(); k && *k; k++) {
		if (strcmp(*k, e->value) == 0)
			return 0;
		if (n < sizeof list)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *k);
	}
	perr(p, e->line, "unknown failure kind '%s' in 'reported' (%s)", e->value, list);
	return -1;
}

/* Every compare = CASE names a [case] of the file. */
static int compare_check(struct parse *p, const struct scenario_set *set, const struct scenario *sc)
{
	for (size_t i = sc->first_case; i < set->ncases; i++) {
		const struct scenario_case *c = &set->cases[i];
		bool found = false;
		if (!c->compare)
			continue;
		for (size_t k = sc->first_case; k < set->ncases && !found; k++)
			found = strcmp(set->cases[k].base, c->compare) == 0;
		if (!found) {
			perr(p, c->line, "case '%s' compares with '%s', which is not a [case] of this file", c->base,
			     c->compare);
			return -1;
		}
	}
	return 0;
}

static int case_build(struct parse *p, struct scenario_set *set, struct scenario *sc, const struct raw_section *sec,
		      const struct values *defaults)
{
	struct case_build b;
	int rc = -1;
	memset(&b, 0, sizeof b);
	/* Pass 1: the field values (overrides refer to them). */
	for (size_t i = 0; i < sec->n; i++) {
		const struct raw_entry *e = &sec->e[i];
		char base[32];
		const char *cond;
		size_t condlen;
		if (key_split(e->key, base, sizeof base, &cond, &condlen) != 0) {
			perr(p, e->line, "unknown key '%s' in [case %s]", e->key, sec->name);
			goto out;
		}
		if (!e->value[0]) {
			perr(p, e->line, "empty value for '%s'", e->key);
			goto out;
		}
		int f = field_find(base);
		if (f >= 0 && !cond) {
			if (values_split(p, (enum scn_field)f, e, &b.vals[f]) != 0)
				goto out;
		} else if (!cond && (strcmp(base, "compare") == 0 || strcmp(base, "reported") == 0)) {
			if (single_key_check(p, sec, e) != 0)
				goto out;
			*(base[0] == 'c' ? &b.compare : &b.reported) = e->value;
		} else if (!cond && strcmp(base, "network") == 0) {
			/* One list of faults for the case (its commas are not a matrix). */
			struct fault_set fs;
			char why[240];
			if (fault_parse(e->value, &fs, why, sizeof why) != 0) {
				perr(p, e->line, "%s", why);
				goto out;
			}
			b.network = fs.n ? e->value : NULL;
		} else if (strcmp(base, "expect") != 0 && strcmp(base, "note") != 0) {
			perr(p, e->line, "unknown key '%s' in [case %s]", e->key, sec->name);
			goto out;
		}
	}
	for (int f = 0; f < SCN_NFIELDS; f++) {
		if (b.vals[f].n || !defaults[f].n)
			continue;
		for (size_t k = 0; k < defaults[f].n; k++)
			b.vals[f].v[k] = trim_copy(defaults[f].v[k], strlen(defaults[f].v[k]));
		b.vals[f].n = defaults[f].n;
		b.vals[f].line = defaults[f].line;
	}
	for (size_t k = 0; k < b.vals[SCN_SERVER].n; k++)
		if (!in_list(b.vals[SCN_SERVER].v[k], (const char *const *)sc->servers)) {
			perr(p, b.vals[SCN_SERVER].line, "server '%s' is not in the [scenario]'s servers",
			     b.vals[SCN_SERVER].v[k]);
			goto out;
		}
	/* Pass 2: expect and note, plain and per combination. */
	b.expects = calloc(sec->n, sizeof *b.expects);
	b.notes = calloc(sec->n, sizeof *b.notes);
	if (!b.expects || !b.notes)
		abort();
	for (size_t i = 0; i < sec->n; i++) {
		const struct raw_entry *e = &sec->e[i];
		char base[32], condbuf[200];
		const char *cond;
		size_t condlen;
		key_split(e->key, base, sizeof base, &cond, &condlen);
		bool is_expect = strcmp(base, "expect") == 0;
		if (!is_expect && strcmp(base, "note") != 0)
			continue;
		struct override *o = is_expect ? &b.expects[b.nexpects++] : &b.notes[b.nnotes++];
		if (cond) {
			snprintf(condbuf, sizeof condbuf, "%.*s", (int)condlen, cond);
			if (override_parse(p, e, condbuf, b.vals, o) != 0)
				goto out;
		} else {
			memset(o, 0, sizeof *o);
			o->text = e->value;
			o->line = e->line;
			o->key = e->key;
		}
		if (is_expect) {
			struct expectation x;
			char why[240];
			if (expect_parse(e->value, &x, why, sizeof why) != 0) {
				perr(p, e->line, "%s", why);
				goto out;
			}
		}
	}
	/* Pass 3: every combination, the first field varying slowest. */
	size_t pick[SCN_NFIELDS] = { 0 }, total = 1;
	for (int f = 0; f < SCN_NFIELDS; f++)
		if (b.vals[f].n > 1)
			total *= b.vals[f].n;
	if (total > SCN_MAX_COMBOS) {
		perr(p, sec->line, "case '%s' expands to %zu combinations (at most %d)", sec->name, total,
		     SCN_MAX_COMBOS);
		goto out;
	}
	for (size_t k = 0; k < total; k++) {
		if (case_emit(p, set, sc, sec, &b, pick) != 0)
			goto out;
		for (int f = SCN_NFIELDS - 1; f >= 0; f--) {
			if (b.vals[f].n <= 1)
				continue;
			if (++pick[f] < b.vals[f].n)
				break;
			pick[f] = 0;
		}
	}
	rc = 0;
out:
	for (int f = 0; f < SCN_NFIELDS; f++)
		values_free(&b.vals[f]);
	free(b.expects);
	free(b.notes);
	return rc;
}

static int scenario_build(struct parse *p, struct scenario_set *set, const struct raw_section *sec,
			  struct scenario *sc, struct values *defaults)
{
	for (size_t i = 0; i < sec->n; i++) {
		const struct raw_entry *e = &sec->e[i];
		int f = field_find(e->key);
		if (!e->value[0]) {
			perr(p, e->line, "empty value for '%s'", e->key);
			return -1;
		}
		if (strcmp(e->key, "name") == 0) {
			if (strlen(e->value) > SCN_MAX_NAME || strpbrk(e->value, "[]/")) {
				perr(p, e->line, "bad scenario name '%s' (no brackets or '/', at most %d characters)",
				     e->value, SCN_MAX_NAME);
				return -1;
			}
			sc->name = set_strdup(set, e->value);
		} else if (strcmp(e->key, "description") == 0) {
			sc->description = set_strdup(set, e->value);
		} else if (strcmp(e->key, "reproduces") == 0) {
			sc->reproduces = set_strdup(set, e->value);
		} else if (strcmp(e->key, "servers") == 0) {
			struct values vs;
			if (values_split(p, SCN_SERVER, e, &vs) != 0)
				return -1;
			sc->servers = xrealloc(NULL, (vs.n + 1) * sizeof *sc->servers);
			for (size_t k = 0; k < vs.n; k++)
				sc->servers[k] = set_strdup(set, vs.v[k]);
			sc->servers[vs.n] = NULL;
			defaults[SCN_SERVER] = vs;
		} else if (f >= 0 && f != SCN_SERVER) {
			/* A case field here is the default of every case. */
			if (values_split(p, (enum scn_field)f, e, &defaults[f]) != 0)
				return -1;
		} else {
			perr(p, e->line, "unknown key '%s' in [scenario]", e->key);
			return -1;
		}
	}
	if (!sc->name) {
		perr(p, sec->line, "[scenario] has no name");
		return -1;
	}
	if (!sc->servers) {
		perr(p, sec->line, "[scenario] has no servers (the server profiles its cases run against)");
		return -1;
	}
	for (size_t i = 0; i < set->nscenarios; i++)
		if (strcmp(set->scenarios[i]->name, sc->name) == 0) {
			perr(p, sec->line, "scenario '%s' is also defined in %s:%d", sc->name,
			     set->scenarios[i]->file, set->scenarios[i]->line);
			return -1;
		}
	return 0;
}

static int load(struct scenario_set *set, const char *file, const char *text, size_t len, char *err, size_t errlen)
{
	struct parse p = { .file = file, .text = text, .len = len };
	struct values defaults[SCN_NFIELDS];
	struct scenario *sc = NULL;
	size_t ncases0 = set->ncases;
	int rc = -1;
	memset(defaults, 0, sizeof defaults);
	if (memchr(text, '\0', len)) {
		perr(&p, 1, "a NUL byte: not a text file");
		goto out;
	}
	int r = ini_parse_stream(reader, &p, handler, &p);
	if (p.failed)
		goto out;
	if (r == -2) {
		perr(&p, 0, "out of memory");
		goto out;
	}
	if (r > 0) {
		perr(&p, r, "syntax error: expected 'key = value', '[section]' or a comment");
		goto out;
	}
	const struct raw_section *scsec = NULL;
	for (size_t i = 0; i < p.nsecs; i++)
		if (!p.secs[i].is_case)
			scsec = &p.secs[i];
	if (!scsec) {
		perr(&p, 1, "no [scenario] section");
		goto out;
	}
	sc = calloc(1, sizeof *sc);
	if (!sc)
		abort();
	sc->file = set_strdup(set, file);
	sc->line = scsec->line;
	if (scenario_build(&p, set, scsec, sc, defaults) != 0)
		goto out;
	sc->first_case = set->ncases;
	for (size_t i = 0; i < p.nsecs; i++)
		if (p.secs[i].is_case && case_build(&p, set, sc, &p.secs[i], defaults) != 0)
			goto out;
	sc->ncases = set->ncases - sc->first_case;
	if (compare_check(&p, set, sc) != 0)
		goto out;
	if (sc->ncases == 0) {
		perr(&p, scsec->line, "no [case NAME] sections");
		goto out;
	}
	if (set->nscenarios == set->capscenarios) {
		set->capscenarios = set->capscenarios ? set->capscenarios * 2 : 8;
		set->scenarios = xrealloc(set->scenarios, set->capscenarios * sizeof *set->scenarios);
	}
	set->scenarios[set->nscenarios++] = sc;
	sc = NULL;
	rc = 0;
out:
	if (rc != 0) {
		snprintf(err, errlen, "%s", p.err);
		set->ncases = ncases0; /* its strings stay in the set until it is freed */
	}
	if (sc) {
		free(sc->servers);
		free(sc);
	}
	for (int f = 0; f < SCN_NFIELDS; f++)
		values_free(&defaults[f]);
	raw_free(&p);
	return rc;
}

int scenario_load_string(struct scenario_set *set, const char *name, const char *text, char *err, size_t errlen)
{
	return load(set, name, text, strlen(text), err, errlen);
}

int scenario_load_file(struct scenario_set *set, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	int rc = -1;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(SCN_MAX_FILE + 1);
	if (!buf)
		abort();
	size_t n = fread(buf, 1, SCN_MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (n > SCN_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes: not a scenario file", path, SCN_MAX_FILE);
		goto out;
	}
	buf[n] = '\0';
	rc = load(set, path, buf, n, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}
