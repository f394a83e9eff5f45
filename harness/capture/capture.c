/*
 * capture.c - one capture per case: choose live or relay, start it before
 * the client connects, end it when the connection has ended (see capture.h).
 */
#include "harness/capture/capture.h"

#include "harness/capture/fault.h"
#include "harness/capture/hub.h"
#include "harness/capture/live.h"
#include "harness/capture/relay.h"
#include "harness/core/tok.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DRAIN_MS_DEFAULT 2000

struct capture {
	enum capture_mode mode;
	char reason[320];
	char host[64];
	uint16_t port;
	int drain_ms;
	struct live *live;
	struct hub_case *hub; /* live through the run's shared capture */
	struct relay *relay;
};

static const struct tok capture_modes[] = {
	{ CAPTURE_AUTO, "auto" },
	{ CAPTURE_LIVE, "live" },
	{ CAPTURE_RELAY, "relay" },
	{ CAPTURE_OFF, "off" },
	{ 0, NULL },
};

const char *capture_mode_name(enum capture_mode m)
{
	const char *s = tok_name(capture_modes, m);

	return s ? s : "unknown";
}

int capture_mode_parse(const char *s, enum capture_mode *out)
{
	unsigned int v;

	if (!s || tok_value(capture_modes, s, &v) != 0)
		return -1;
	*out = (enum capture_mode)v;
	return 0;
}

int capture_keylog_path(const char *pcap_path, char *out, size_t outlen)
{
	const char *slash = strrchr(pcap_path, '/');
	const char *base = slash ? slash + 1 : pcap_path;
	const char *dot = strrchr(base, '.');
	size_t stem = (dot && dot != base) ? (size_t)(dot - pcap_path) : strlen(pcap_path);
	int n = snprintf(out, outlen, "%.*s.keys", (int)stem, pcap_path);

	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

static void capture_free(struct capture *c)
{
	free(c);
}

static int capture_begin_live(struct capture *c, const struct capture_opts *o, char *err, size_t errlen)
{
	struct live_opts lo = {
		.iface = o->iface,
		.server_port = o->server_port,
		.client_port = o->client_port,
		.pcap_path = o->pcap_path,
		.only_conn = o->first_only,
	};
	enum pcap_io_err why;
	char lerr[256];

	/* The run's shared capture when there is one (a case that cannot use it captures by itself). */
	if (o->hub && o->client_port &&
	    (c->hub = hub_case_begin(o->hub, o->server_port, o->client_port, o->pcap_path, lerr, sizeof lerr))) {
		c->mode = CAPTURE_LIVE;
		snprintf(c->host, sizeof c->host, "%s", o->server_host);
		c->port = o->server_port;
		snprintf(c->reason, sizeof c->reason,
			 "live capture on %s (shared by the run), filter 'tcp port %u and tcp port %u'",
			 o->iface ? o->iface : "lo", (unsigned)o->server_port, (unsigned)o->client_port);
		return 0;
	}
	c->live = live_start(&lo, &why, lerr, sizeof lerr);
	if (c->live) {
		c->mode = CAPTURE_LIVE;
		snprintf(c->host, sizeof c->host, "%s", o->server_host);
		c->port = o->server_port;
		snprintf(c->reason, sizeof c->reason, "live capture on %s, filter '%s'", o->iface ? o->iface : "lo",
			 live_filter(c->live));
		return 0;
	}
	if (why == PCAP_IO_PERM)
		snprintf(c->reason, sizeof c->reason, "live capture not permitted (%s): using the relay",
			 geteuid() == 0 ? "no CAP_NET_RAW" : "not root, no CAP_NET_RAW");
	else
		snprintf(c->reason, sizeof c->reason, "live capture unavailable (%s): using the relay", lerr);
	if (o->mode == CAPTURE_LIVE) {
		if (why == PCAP_IO_PERM)
			snprintf(err, errlen, "%s; run as root or with CAP_NET_RAW, or use the relay mode", lerr);
		else
			snprintf(err, errlen, "%s", lerr);
		return -1;
	}
	return 1; /* auto: fall back */
}

static int capture_begin_relay(struct capture *c, const struct capture_opts *o, char *err, size_t errlen)
{
	struct relay_opts ro = {
		.server_host = o->server_host,
		.server_port = o->server_port,
		.pcap_path = o->pcap_path,
		.accept_ms = o->accept_ms,
		.idle_ms = o->idle_ms,
		.listen_port = o->listen_port,
		.faults = o->faults,
	};
	char spec[160];

	c->relay = relay_start(&ro, err, errlen);
	if (!c->relay)
		return -1;
	c->mode = CAPTURE_RELAY;
	snprintf(c->host, sizeof c->host, "127.0.0.1");
	c->port = relay_port(c->relay);
	if (o->faults && o->faults->n) {
		fault_format(o->faults, spec, sizeof spec);
		snprintf(c->reason, sizeof c->reason,
			 "recording relay on 127.0.0.1:%u with network faults '%s' (the client's side of them)",
			 (unsigned)c->port, spec);
	} else if (o->mode == CAPTURE_RELAY) {
		snprintf(c->reason, sizeof c->reason, "recording relay on 127.0.0.1:%u (asked for)", (unsigned)c->port);
	}
	return 0;
}

struct capture *capture_begin(const struct capture_opts *o, char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof *c);
	int rc = 0;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->drain_ms = o->drain_ms > 0 ? o->drain_ms : DRAIN_MS_DEFAULT;
	if (o->mode != CAPTURE_OFF && !o->pcap_path) {
		snprintf(err, errlen, "capture mode %s needs a pcap path", capture_mode_name(o->mode));
		goto fail;
	}
	if (o->faults && o->faults->n) {
		/* The relay injects the faults, so it records too (a live capture would see both legs); off: it only injects. */
		struct capture_opts ro = *o;

		if (o->mode == CAPTURE_OFF)
			ro.pcap_path = NULL;
		if (capture_begin_relay(c, &ro, err, errlen) != 0)
			goto fail;
		return c;
	}
	switch (o->mode) {
	case CAPTURE_OFF:
		c->mode = CAPTURE_OFF;
		snprintf(c->host, sizeof c->host, "%s", o->server_host);
		c->port = o->server_port;
		snprintf(c->reason, sizeof c->reason, "capture off");
		break;
	case CAPTURE_LIVE:
	case CAPTURE_AUTO:
		rc = capture_begin_live(c, o, err, errlen);
		if (rc == 1)
			rc = capture_begin_relay(c, o, err, errlen);
		break;
	case CAPTURE_RELAY:
		rc = capture_begin_relay(c, o, err, errlen);
		break;
	default:
		snprintf(err, errlen, "unknown capture mode %d", (int)o->mode);
		rc = -1;
		break;
	}
	if (rc != 0)
		goto fail;
	return c;
fail:
	capture_free(c);
	return NULL;
}

const char *capture_connect_host(const struct capture *c)
{
	return c->host;
}

uint16_t capture_connect_port(const struct capture *c)
{
	return c->port;
}

enum capture_mode capture_mode_used(const struct capture *c)
{
	return c->mode;
}

const char *capture_reason(const struct capture *c)
{
	return c->reason;
}

bool capture_wait(struct capture *c, int timeout_ms)
{
	switch (c->mode) {
	case CAPTURE_LIVE:
		/* Through the hub only capture_end() asks: nothing to wait for here. */
		return c->hub ? true : live_wait_closed(c->live, timeout_ms);
	case CAPTURE_RELAY:
		return relay_wait(c->relay, timeout_ms);
	default:
		return true;
	}
}

/* "client FIN, server RST" from what was seen; "still open after N ms" when the end was not. */
static void capture_describe(struct capture_stats *st, bool cfin, bool sfin, bool crst, bool srst, int drain_ms)
{
	size_t n = 0;
	int i;
	const struct {
		bool on;
		const char *s;
	} ev[] = { { cfin, "client FIN" }, { sfin, "server FIN" }, { crst, "client RST" }, { srst, "server RST" } };

	st->ended[0] = '\0';
	if (!st->connected) {
		snprintf(st->ended, sizeof st->ended, "no connection seen");
		return;
	}
	for (i = 0; i < 4; i++)
		if (ev[i].on && n < sizeof st->ended)
			n += (size_t)snprintf(st->ended + n, sizeof st->ended - n, "%s%s", n ? ", " : "", ev[i].s);
	if (!st->closed && n < sizeof st->ended)
		snprintf(st->ended + n, sizeof st->ended - n, "%sstill open after %d ms", n ? "; " : "", drain_ms);
}

static int capture_end_live(struct capture *c, struct capture_stats *st, char *err, size_t errlen)
{
	struct live_stats ls;
	int rc;

	if (c->hub) {
		rc = hub_case_end(c->hub, c->drain_ms, &ls, err, errlen);
		c->hub = NULL;
	} else {
		live_drain(c->live, c->drain_ms);
		rc = live_stop(c->live, &ls, err, errlen);
		c->live = NULL;
	}
	st->packets = ls.packets;
	st->bytes = ls.bytes;
	st->dropped = ls.dropped;
	st->connected = ls.connected;
	st->closed = ls.closed;
	snprintf(st->client, sizeof st->client, "%s", ls.client);
	snprintf(st->server, sizeof st->server, "%s", ls.server);
	capture_describe(st, ls.client_fin, ls.server_fin, ls.client_rst, ls.server_rst, c->drain_ms);
	return rc;
}

static int capture_end_relay(struct capture *c, struct capture_stats *st, char *err, size_t errlen)
{
	struct relay_stats rs;
	int rc;

	relay_drain(c->relay, c->drain_ms);
	rc = relay_stop(c->relay, &rs, err, errlen);
	c->relay = NULL;
	st->packets = rs.packets;
	st->bytes = rs.bytes_c2s + rs.bytes_s2c;
	st->connected = rs.client[0] != '\0';
	st->closed = rs.end == RELAY_END_CLOSED || rs.end == RELAY_END_CLIENT_RST ||
		     rs.end == RELAY_END_SERVER_RST || rs.end == RELAY_END_REFUSED || rs.end == RELAY_END_FAULT;
	snprintf(st->client, sizeof st->client, "%s", rs.client);
	snprintf(st->server, sizeof st->server, "%s", rs.server);
	snprintf(st->fault, sizeof st->fault, "%s", rs.fault);
	capture_describe(st, rs.client_fin, rs.server_fin, rs.end == RELAY_END_CLIENT_RST,
			 rs.end == RELAY_END_SERVER_RST || rs.end == RELAY_END_REFUSED || rs.fault_reset, c->drain_ms);
	if (rs.end == RELAY_END_REFUSED || rs.end == RELAY_END_ERROR || rs.end == RELAY_END_IDLE) {
		size_t n = strlen(st->ended);

		snprintf(st->ended + n, sizeof st->ended - n, " (relay: %s%s%s)", relay_end_name(rs.end),
			 rs.error[0] ? ": " : "", rs.error);
	}
	return rc;
}

int capture_end(struct capture *c, struct capture_stats *st, char *err, size_t errlen)
{
	int rc = 0;

	memset(st, 0, sizeof *st);
	st->mode = c->mode;
	switch (c->mode) {
	case CAPTURE_LIVE:
		rc = capture_end_live(c, st, err, errlen);
		break;
	case CAPTURE_RELAY:
		rc = capture_end_relay(c, st, err, errlen);
		break;
	case CAPTURE_OFF:
		snprintf(st->ended, sizeof st->ended, "not captured");
		break;
	default:
		snprintf(err, errlen, "capture in unknown mode %d", (int)c->mode);
		rc = -1;
		break;
	}
	capture_free(c);
	return rc;
}
