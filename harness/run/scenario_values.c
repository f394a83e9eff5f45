/*
 * scenario_values.c - the case fields' names and the fixed vocabularies
 * every value of a scenario file is checked against (see scenario.h,
 * docs/runner.md).  The conversions are public: the runner's case config
 * (case_config.c) types the same strings with them.
 */
#include "harness/run/scenario_int.h"

#include "harness/client/device.h"
#include "harness/core/tok.h"
#include "harness/servers/profile.h"
#include "harness/servers/server.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int scn_field_find(const char *key)
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

bool scn_in_list(const char *v, const char *const *list)
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
	return p && scn_in_list(v, p);
}

/* A profile file of the user's (scenario_matrix.c made the value its path): it must load now. */
static int server_file_check(const char *v, char *why, size_t whylen)
{
	struct profile prof;
	char err[200];
	if (profile_load(v, &prof, err, sizeof err) == 0)
		return 0;
	snprintf(why, whylen, "server %s", err);
	return -1;
}

/* Checks one value of field f; on error writes what is allowed. */
int scn_value_check(enum scn_field f, const char *v, char *why, size_t whylen)
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
		if (strchr(v, '/'))
			return server_file_check(v, why, whylen);
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
		if (scn_in_list(v, ca))
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
