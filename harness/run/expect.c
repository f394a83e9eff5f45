/*
 * expect.c - parses expectations and checks them against an outcome
 * (see expect.h).  Names are looked up in the explain tables, so a typo
 * such as "alert:handshake_failiure" is a scenario error, not a FAIL.
 */
#include "harness/run/expect.h"

#include "harness/explain/explain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void outcome_init(struct outcome *o)
{
	memset(o, 0, sizeof *o);
	o->alert_by_server = -1;
	o->alert_by_client = -1;
}

const char *expect_sender_name(enum expect_sender s)
{
	switch (s) {
	case SENDER_CLIENT:
		return "client";
	case SENDER_SERVER:
		return "server";
	case SENDER_ANY:
	default:
		return "any";
	}
}

const char *expect_alert_name(int alert, char *buf, size_t len)
{
	const struct explain_row *r = explain_alert(alert);
	if (r && r->name)
		return r->name;
	snprintf(buf, len, "alert(%d)", alert);
	return buf;
}

/* A whole decimal number in [lo, hi]; no sign games, no trailing text. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	if (!*s)
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_alert(const char *s, struct expectation *e, char *err, size_t errlen)
{
	char what[96];
	const char *at = strchr(s, '@');
	size_t n = at ? (size_t)(at - s) : strlen(s);
	if (n == 0 || n >= sizeof what) {
		snprintf(err, errlen, "'alert:' needs an alert name or number, e.g. alert:handshake_failure@server");
		return -1;
	}
	memcpy(what, s, n);
	what[n] = '\0';
	e->by = SENDER_ANY;
	if (at) {
		if (strcmp(at + 1, "server") == 0)
			e->by = SENDER_SERVER;
		else if (strcmp(at + 1, "client") == 0)
			e->by = SENDER_CLIENT;
		else {
			snprintf(err, errlen, "alert sender '@%s' is neither @client nor @server", at + 1);
			return -1;
		}
	}
	long num;
	if (parse_long(what, 0, 255, &num) == 0) {
		e->alert = (int)num;
		return 0;
	}
	const struct explain_row *r = explain_find_name("tls-alert", what);
	if (!r) {
		snprintf(err, errlen, "unknown alert '%s' (use a name such as handshake_failure, or a number 0-255)",
			 what);
		return -1;
	}
	e->alert = (int)r->code;
	return 0;
}

static int parse_error(const char *s, struct expectation *e, char *err, size_t errlen)
{
	long num;
	if (parse_long(s, -100000, -1, &num) == 0) {
		const struct explain_row *r = explain_find("wolfssl", num);
		e->error = num;
		snprintf(e->error_name, sizeof e->error_name, "%s", r && r->name ? r->name : "");
		return 0;
	}
	const struct explain_row *r = explain_find_name("wolfssl", s);
	if (r) {
		e->error = r->code;
		snprintf(e->error_name, sizeof e->error_name, "%s", r->name);
		return 0;
	}
	/* The other engines' names (mbedTLS, BearSSL) are matched by name: BearSSL's composed
	 * codes (256 + alert) share one name, BR_ERR_RECV_FATAL_ALERT. */
	if ((r = explain_find_name("mbedtls", s)) || (r = explain_find_name("bearssl", s)) ||
	    strcmp(s, "BR_ERR_RECV_FATAL_ALERT") == 0 || strcmp(s, "BR_ERR_SEND_FATAL_ALERT") == 0) {
		e->error = 0;
		snprintf(e->error_name, sizeof e->error_name, "%s", r ? r->name : s);
		return 0;
	}
	snprintf(err, errlen,
		 "unknown error '%s' (a wolfSSL, mbedTLS or BearSSL name such as MATCH_SUITE_ERROR, "
		 "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, BR_ERR_X509_NOT_TRUSTED, or a negative number)", s);
	return -1;
}

int expect_parse(const char *text, struct expectation *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	if (strcmp(text, "connected") == 0) {
		e->kind = EXPECT_CONNECTED;
		return 0;
	}
	if (strncmp(text, "alert:", 6) == 0) {
		e->kind = EXPECT_ALERT;
		return parse_alert(text + 6, e, err, errlen);
	}
	if (strncmp(text, "error:", 6) == 0) {
		e->kind = EXPECT_ERROR;
		return parse_error(text + 6, e, err, errlen);
	}
	if (strcmp(text, "skip") == 0) {
		snprintf(err, errlen, "'skip' is not an expectation: a case that cannot run is reported as SKIP by itself");
		return -1;
	}
	snprintf(err, errlen, "bad expectation '%s' (connected, alert:NAME[@client|@server] or error:NAME)",
		 text);
	return -1;
}

void expect_format(const struct expectation *e, char *buf, size_t len)
{
	char tmp[32];
	switch (e->kind) {
	case EXPECT_ALERT:
		if (e->by == SENDER_ANY)
			snprintf(buf, len, "alert:%s", expect_alert_name(e->alert, tmp, sizeof tmp));
		else
			snprintf(buf, len, "alert:%s@%s", expect_alert_name(e->alert, tmp, sizeof tmp),
				 expect_sender_name(e->by));
		break;
	case EXPECT_ERROR:
		if (e->error_name[0])
			snprintf(buf, len, "error:%s", e->error_name);
		else
			snprintf(buf, len, "error:%ld", e->error);
		break;
	case EXPECT_CONNECTED:
	default:
		snprintf(buf, len, "connected");
		break;
	}
}

static bool error_matches(const struct expectation *e, const struct outcome *o)
{
	if (o->error != 0 && e->error != 0)
		return o->error == e->error;
	return e->error_name[0] && strcasecmp(e->error_name, o->error_name) == 0;
}

bool expect_met(const struct expectation *e, const struct outcome *o)
{
	switch (e->kind) {
	case EXPECT_CONNECTED:
		return o->connected;
	case EXPECT_ALERT:
		if (e->by != SENDER_CLIENT && o->alert_by_server == e->alert)
			return true;
		return e->by != SENDER_SERVER && o->alert_by_client == e->alert;
	case EXPECT_ERROR:
		return !o->connected && error_matches(e, o);
	default:
		return false;
	}
}

void expect_format_outcome(const struct outcome *o, char *buf, size_t len)
{
	char a1[32], a2[32];
	size_t used = 0;
	buf[0] = '\0';
	if (o->connected) {
		snprintf(buf, len, "connected");
		return;
	}
	if (o->alert_by_server >= 0)
		used += (size_t)snprintf(buf + used, len - used, "alert:%s@server",
					 expect_alert_name(o->alert_by_server, a1, sizeof a1));
	if (o->alert_by_client >= 0 && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%salert:%s@client", used ? " " : "",
					 expect_alert_name(o->alert_by_client, a2, sizeof a2));
	if (o->error != 0 && used < len) {
		if (o->error_name[0])
			used += (size_t)snprintf(buf + used, len - used, "%serror:%s", used ? " " : "",
						 o->error_name);
		else
			used += (size_t)snprintf(buf + used, len - used, "%serror:%ld", used ? " " : "", o->error);
	}
	if (used == 0)
		snprintf(buf, len, "not-connected");
}
