/*
 * client.c - the client module's library-free part: case defaults, the names
 * scenario files use, the choice of engine, the result as JSON and the caps
 * listing.  Everything that touches a TLS library is in that library's one
 * file (client_wolfssl.c, client_mbedtls.c, client_bearssl.c).
 */
#include "harness/client/client.h"
#include "harness/client/client_io.h"

#include "harness/core/json.h"

#include <string.h>
#include <unistd.h>

const struct tok client_method_names[] = {
	{ METHOD_ANY, "any" }, { METHOD_SSLV3, "sslv3" }, { METHOD_TLS10, "tls1.0" },
	{ METHOD_TLS11, "tls1.1" }, { METHOD_TLS12, "tls1.2" }, { METHOD_TLS13, "tls1.3" },
	{ METHOD_SSLV3_TLS12, "sslv3-tls1.2" }, { 0, NULL },
};

const struct tok client_ca_format_names[] = {
	{ CA_NONE, "none" }, { CA_PEM, "pem" }, { CA_DER, "der" },
	{ CA_PEM_AS_DER, "pem-as-der" }, { CA_DER_AS_PEM, "der-as-pem" }, { CA_AUTO, "auto" }, { 0, NULL },
};

const struct tok client_sni_names[] = {
	{ SNI_HOST, "host" }, { SNI_OFF, "off" }, { SNI_OTHER, "other" }, { 0, NULL },
};

const struct tok client_engine_names[] = {
	{ ENGINE_WOLFSSL, "wolfssl" }, { ENGINE_MBEDTLS, "mbedtls" }, { ENGINE_BEARSSL, "bearssl" }, { 0, NULL },
};

int client_run(const struct client_case *cc, struct client_result *out, char *err, size_t errlen)
{
	switch (cc->engine) {
	case ENGINE_WOLFSSL:
		return client_wolfssl_run(cc, out, err, errlen);
	case ENGINE_MBEDTLS:
		return client_mbedtls_run(cc, out, err, errlen);
	case ENGINE_BEARSSL:
		return client_bearssl_run(cc, out, err, errlen);
	case ENGINE_COUNT:
	default:
		if (cc->sock_fd >= 0)
			close(cc->sock_fd);
		snprintf(err, errlen, "unknown client engine %d", (int)cc->engine);
		return -1;
	}
}

const char *client_engine_error_name(enum client_engine e, long code)
{
	switch (e) {
	case ENGINE_MBEDTLS:
		return client_engine_error_name_mbedtls(code);
	case ENGINE_BEARSSL:
		return client_engine_error_name_bearssl(code);
	case ENGINE_WOLFSSL:
		return client_engine_error_name_wolfssl(code);
	case ENGINE_COUNT:
	default:
		return NULL;
	}
}

void client_engine_caps(enum client_engine e, struct client_caps *caps)
{
	switch (e) {
	case ENGINE_MBEDTLS:
		client_mbedtls_caps(caps);
		break;
	case ENGINE_BEARSSL:
		client_bearssl_caps(caps);
		break;
	case ENGINE_WOLFSSL:
	case ENGINE_COUNT:
	default:
		client_caps_get(caps);
		break;
	}
	caps->engine = e;
}

void client_case_init(struct client_case *cc)
{
	memset(cc, 0, sizeof *cc);
	cc->method = METHOD_ANY;
	cc->ca_format = CA_NONE;
	cc->verify = true;
	cc->sni = SNI_HOST;
	cc->sock_fd = -1;
}

/* -1 (none) as JSON null. */
static void set_alert(struct jv *o, const char *key, int alert)
{
	if (alert < 0)
		jv_set(o, key, jv_null());
	else
		jv_set_int(o, key, alert);
}

struct jv *client_result_json(const struct client_result *r)
{
	struct jv *o = jv_object();
	const char *engine = tok_name(client_engine_names, (unsigned int)r->engine);
	jv_set_str(o, "engine", engine ? engine : "?");
	if (r->skipped) {
		jv_set_str(o, "outcome", "skipped");
		jv_set_str(o, "skip_reason", r->skip_reason);
		return o;
	}
	jv_set_str(o, "outcome", r->connected ? "connected" : "failed");
	jv_set_str(o, "stage", r->stage);
	jv_set_str(o, "detail", r->detail);
	if (r->connected) {
		jv_set_str(o, "version", r->version);
		jv_set_str(o, "suite", r->suite);
		jv_set_int(o, "suite_id", r->suite_id);
	} else {
		jv_set_int(o, "error", r->error);
		jv_set_str(o, "error_name", r->error_name);
	}
	if (r->engine_err.code) {
		struct jv *e = jv_object();
		jv_set_int(e, "code", r->engine_err.code);
		jv_set_str(e, "name", r->engine_err.name);
		if (r->engine_err.alert >= 0)
			jv_set_int(e, "alert", r->engine_err.alert);
		if (r->engine_err.verify_flags)
			jv_set_int(e, "verify_flags", (long long)r->engine_err.verify_flags);
		jv_set(o, "engine_error", e);
	}
	if (r->connected) {
		jv_set_bool(o, "request_sent", r->request_sent);
		jv_set_int(o, "response_bytes", r->response_bytes);
		jv_set_str(o, "response_line", r->response_line);
		set_alert(o, "post_handshake_alert", r->post_alert);
		if (r->post_detail[0])
			jv_set_str(o, "post_handshake", r->post_detail);
	}
	jv_set_int(o, "chain_len", r->chain_len);
	set_alert(o, "alert_received", r->alert_received);
	set_alert(o, "alert_sent", r->alert_sent);
	jv_set_bool(o, "timed_out", r->timed_out);
	jv_set_bool(o, "peer_closed", r->peer_closed);
	if (r->verify_error) {
		jv_set_int(o, "verify_error", r->verify_error);
		jv_set_str(o, "verify_error_name", r->verify_error_name);
	}
	if (r->oversized_record)
		jv_set_int(o, "oversized_record", r->oversized_record);
	jv_set_str(o, "trace", r->trace);
	jv_set_int(o, "keylog_lines", r->keylog_lines);
	if (r->note[0])
		jv_set_str(o, "note", r->note);
	return o;
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

static void print_one(FILE *out, const struct client_caps *c)
{
	const char *engine = tok_name(client_engine_names, (unsigned int)c->engine);
	if (!c->available) {
		fprintf(out, "%s: not built in (%s)\n", engine ? engine : "?", c->why_not);
		return;
	}
	switch (c->engine) {
	case ENGINE_WOLFSSL:
		fprintf(out, "wolfssl: wolfSSL %s (%s)\n", c->version,
			c->full_build ? "full build from 'make wolfssl-full'" : "Debian's libwolfssl; 'make wolfssl-full' adds the rest");
		break;
	case ENGINE_MBEDTLS:
		fprintf(out, "mbedtls: mbed TLS %s\n", c->version);
		break;
	case ENGINE_BEARSSL:
	case ENGINE_COUNT:
	default:
		fprintf(out, "bearssl: BearSSL %s\n", c->version);
		break;
	}
	fprintf(out, "  SSLv3 %s, TLS 1.0 %s, TLS 1.1 %s, TLS 1.2 %s, TLS 1.3 %s\n", yes(c->sslv3), yes(c->tls10),
		yes(c->tls11), yes(c->tls12), yes(c->tls13));
	fprintf(out, "  static RSA suites %s, max fragment %s, SNI %s\n", yes(c->static_rsa), yes(c->max_fragment),
		yes(c->sni));
	fprintf(out, "  key log TLS 1.2 %s, TLS 1.3 %s, device clock (time override) %s\n", yes(c->keylog_tls12),
		yes(c->keylog_tls13), yes(c->time_override));
	fprintf(out, "  cipher suites:\n");
	const char *p = c->ciphers;
	while (*p) {
		size_t n = strcspn(p, ":");
		fprintf(out, "    %.*s\n", (int)n, p);
		p += n;
		p += *p == ':';
	}
}

void client_print_caps(FILE *out)
{
	static struct client_caps c;
	for (int e = 0; e < ENGINE_COUNT; e++) {
		client_engine_caps((enum client_engine)e, &c);
		print_one(out, &c);
	}
}

struct jv *client_caps_json(void)
{
	static struct client_caps c;
	struct jv *all = jv_array();
	for (int e = 0; e < ENGINE_COUNT; e++) {
		client_engine_caps((enum client_engine)e, &c);
		struct jv *o = jv_object(), *versions = jv_array(), *suites = jv_array();
		const char *engine = tok_name(client_engine_names, (unsigned int)e);
		jv_set_str(o, "engine", engine ? engine : "?");
		jv_set_bool(o, "available", c.available);
		if (!c.available) {
			jv_set_str(o, "why_not", c.why_not);
			jv_push(all, o);
			jv_free(versions);
			jv_free(suites);
			continue;
		}
		jv_set_str(o, "version", c.version);
		if (e == ENGINE_WOLFSSL)
			jv_set_bool(o, "full_build", c.full_build);
		const struct {
			bool on;
			const char *name;
		} v[] = { { c.sslv3, "SSLv3" }, { c.tls10, "TLSv1.0" }, { c.tls11, "TLSv1.1" }, { c.tls12, "TLSv1.2" },
			  { c.tls13, "TLSv1.3" } };
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
			if (v[i].on)
				jv_push_str(versions, v[i].name);
		jv_set(o, "versions", versions);
		jv_set_bool(o, "static_rsa", c.static_rsa);
		jv_set_bool(o, "max_fragment", c.max_fragment);
		jv_set_bool(o, "sni", c.sni);
		jv_set_bool(o, "keylog_tls12", c.keylog_tls12);
		jv_set_bool(o, "keylog_tls13", c.keylog_tls13);
		jv_set_bool(o, "time_override", c.time_override);
		char buf[96];
		for (const char *p = c.ciphers; *p;) {
			size_t n = strcspn(p, ":");
			snprintf(buf, sizeof buf, "%.*s", (int)n, p);
			jv_push_str(suites, buf);
			p += n;
			p += *p == ':';
		}
		jv_set(o, "ciphers", suites);
		jv_push(all, o);
	}
	return all;
}
