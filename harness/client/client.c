/*
 * client.c - the client module's library-free part: case defaults, the names
 * scenario files use, the result as JSON and the caps listing.  Everything
 * that touches wolfSSL is in client_wolfssl.c.
 */
#include "harness/client/client.h"

#include "harness/core/json.h"

#include <string.h>

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

void client_print_caps(FILE *out)
{
	struct client_caps c;
	client_caps_get(&c);
	fprintf(out, "wolfSSL %s (%s)\n", c.version,
		c.full_build ? "full build from 'make wolfssl-full'" : "Debian's libwolfssl; 'make wolfssl-full' adds the rest");
	fprintf(out, "  SSLv3 %s, TLS 1.0 %s, TLS 1.1 %s, TLS 1.2 %s, TLS 1.3 %s\n", yes(c.sslv3), yes(c.tls10),
		yes(c.tls11), yes(c.tls12), yes(c.tls13));
	fprintf(out, "  static RSA suites %s, max fragment %s, SNI %s\n", yes(c.static_rsa), yes(c.max_fragment),
		yes(c.sni));
	fprintf(out, "  key log TLS 1.2 %s, TLS 1.3 %s, device clock (time override) %s\n", yes(c.keylog_tls12),
		yes(c.keylog_tls13), yes(c.time_override));
	fprintf(out, "  cipher suites:\n");
	const char *p = c.ciphers;
	while (*p) {
		size_t n = strcspn(p, ":");
		fprintf(out, "    %.*s\n", (int)n, p);
		p += n;
		p += *p == ':';
	}
}
