/*
 * case.c - one case, run inside its worker process (see case.h).
 *
 * Values are layered: built-in defaults, then the device profile, then
 * what the scenario says.  File names come from the server's run (its CA,
 * the other CA, the client certificate), never from the scenario.
 */
#include "harness/run/case.h"

#include "harness/servers/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const char *run_capture_name(enum run_capture c)
{
	switch (c) {
	case RUN_CAPTURE_LIVE:
		return "live";
	case RUN_CAPTURE_RELAY:
		return "relay";
	case RUN_CAPTURE_OFF:
		return "off";
	case RUN_CAPTURE_AUTO:
	default:
		return "auto";
	}
}

int run_capture_parse(const char *s, enum run_capture *c)
{
	static const enum run_capture all[] = { RUN_CAPTURE_AUTO, RUN_CAPTURE_LIVE, RUN_CAPTURE_RELAY, RUN_CAPTURE_OFF };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, run_capture_name(all[i])) == 0) {
			*c = all[i];
			return 0;
		}
	return -1;
}

uint16_t case_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	uint16_t port = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static const char *val(const struct case_job *job, enum scn_field f, const char *dflt)
{
	const char *v = job->spec->value[f];
	return v ? v : dflt;
}

/* A file of the server's run, or an error naming it. */
static const char *server_path(struct server *s, const char *name, char *err, size_t errlen)
{
	const char *p = server_file(s, name);
	if (!p)
		snprintf(err, errlen, "server profile %s has no %s", server_profile(s), name);
	return p;
}

static int resolve_ca(const struct case_job *job, struct client_case *cc, char *err, size_t errlen)
{
	const char *ca = val(job, SCN_CA, "root");
	if (scenario_ca_format(val(job, SCN_CA_FORMAT, "pem"), &cc->ca_format) != 0) {
		snprintf(err, errlen, "bad ca_format");
		return -1;
	}
	/* pem-as-der hands the PEM file to a DER loader: the file's format is the first word. */
	bool der_file = cc->ca_format == CA_DER || cc->ca_format == CA_DER_AS_PEM;
	if (strcmp(ca, "none") == 0) {
		cc->ca_format = CA_NONE;
		cc->ca_path = NULL;
	} else if (strcmp(ca, "other") == 0) {
		cc->ca_path = server_path(job->server, der_file ? "other-root.der" : "other-root.pem", err, errlen);
	} else {
		cc->ca_path = der_file ? server_ca_der(job->server) : server_ca_pem(job->server);
		if (!cc->ca_path)
			snprintf(err, errlen, "server profile %s has no CA file", server_profile(job->server));
	}
	return cc->ca_format == CA_NONE || cc->ca_path ? 0 : -1;
}

int case_resolve(const struct case_job *job, struct client_case *cc, struct case_paths *paths, char *err,
		 size_t errlen)
{
	const char *v;
	memset(cc, 0, sizeof *cc);
	cc->host = server_host(job->server);
	cc->port = server_port(job->server);
	cc->timeout_ms = job->timeout_ms;
	/* TODO(device.h): the device profile's defaults go here, under the scenario's values. */
	if (scenario_method(val(job, SCN_METHOD, "any"), &cc->method, &cc->min_version) != 0) {
		snprintf(err, errlen, "bad method");
		return -1;
	}
	cc->ciphers = job->spec->value[SCN_CIPHERS];
	cc->groups = job->spec->value[SCN_GROUPS];
	if (resolve_ca(job, cc, err, errlen) != 0)
		return -1;
	if (scenario_bool(val(job, SCN_VERIFY, "yes"), &cc->verify) != 0)
		return -1;

	v = val(job, SCN_CHECK_NAME, "host");
	if (strcmp(v, "none") == 0)
		cc->check_name = NULL;
	else {
		const char *name = strcmp(v, "host") == 0 ? server_cert_name(job->server)
				   : strcmp(v, "ip") == 0 ? server_host(job->server)
							  : v;
		snprintf(paths->check_name, sizeof paths->check_name, "%s", name ? name : "");
		cc->check_name = paths->check_name;
	}
	v = val(job, SCN_SNI, "on");
	if (strcmp(v, "on") == 0) {
		cc->sni = SNI_HOST;
	} else if (strcmp(v, "off") == 0) {
		cc->sni = SNI_OFF;
	} else {
		cc->sni = SNI_OTHER;
		snprintf(paths->sni_name, sizeof paths->sni_name, "%s", v);
		cc->sni_name = paths->sni_name;
	}
	if (scenario_clock(val(job, SCN_CLOCK, "now"), &cc->clock) != 0 ||
	    scenario_max_fragment(val(job, SCN_MAX_FRAGMENT, "none"), &cc->max_fragment) != 0) {
		snprintf(err, errlen, "bad clock or max_fragment");
		return -1;
	}
	bool cert;
	if (scenario_bool(val(job, SCN_CLIENT_CERT, "no"), &cert) != 0)
		return -1;
	if (cert) {
		cc->cert_path = server_path(job->server, "client.pem", err, errlen);
		cc->key_path = cc->cert_path ? server_path(job->server, "client.key", err, errlen) : NULL;
		if (!cc->key_path)
			return -1;
	}
	int w = snprintf(paths->keylog, sizeof paths->keylog, "%s/keylog.txt", job->dir);
	if (w < 0 || (size_t)w >= sizeof paths->keylog) {
		snprintf(err, errlen, "case directory path too long");
		return -1;
	}
	cc->keylog_path = paths->keylog;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The client's view of the outcome. */
static void outcome_from_client(const struct client_result *cr, struct case_result *out)
{
	out->got.connected = cr->connected;
	out->got.alert_by_server = cr->alert_received;
	out->got.alert_by_client = cr->alert_sent;
	out->got.error = cr->error;
	snprintf(out->got.error_name, sizeof out->got.error_name, "%s", cr->error_name);
	snprintf(out->version, sizeof out->version, "%s", cr->version);
	snprintf(out->suite, sizeof out->suite, "%s", cr->suite);
	snprintf(out->stage, sizeof out->stage, "%s", cr->stage);
	snprintf(out->detail, sizeof out->detail, "%s", cr->detail);
}

void case_execute(const struct case_job *job, struct case_result *out)
{
	struct client_case cc;
	struct client_result cr;
	struct case_paths paths;
	char err[200];
	long long t0 = now_ms();

	memset(&cr, 0, sizeof cr);
	cr.alert_received = cr.alert_sent = -1;
	if (case_resolve(job, &cc, &paths, err, sizeof err) != 0) {
		out->status = CASE_ERROR;
		snprintf(out->error, sizeof out->error, "could not set up: %s", err);
		goto out;
	}
	cc.bind_port = case_free_port();
	out->client_port = cc.bind_port;
	if (client_run(&cc, &cr, err, sizeof err) != 0) {
		out->status = CASE_ERROR;
		snprintf(out->error, sizeof out->error, "could not run: %s", err);
		goto out;
	}
	outcome_from_client(&cr, out);
	if (cr.skipped) {
		out->status = CASE_SKIP;
		snprintf(out->skip_reason, sizeof out->skip_reason, "%s", cr.skip_reason);
		goto out;
	}
	out->status = CASE_FAIL; /* judged by the runner, which has the expectation */
out:
	snprintf(out->capture.mode, sizeof out->capture.mode, "%s", run_capture_name(job->capture));
	out->duration_ms = (long)(now_ms() - t0);
}
