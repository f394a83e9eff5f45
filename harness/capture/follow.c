/* follow.c - following one TCP connection through captured segments (see follow.h). */
#include "harness/capture/follow.h"

#include <string.h>

void follow_init(struct follow *f, uint16_t server_port, uint16_t client_port)
{
	memset(f, 0, sizeof *f);
	f->server_port = server_port;
	f->client_port = client_port;
}

static enum follow_dir follow_dir_of(const struct follow *f, const struct packet *t)
{
	size_t n = f->ipver == 4 ? 4 : 16;

	if (!f->st.connected || t->ipver != f->ipver)
		return FOLLOW_OTHER;
	if (t->sport == f->cport && t->dport == f->server_port && !memcmp(t->src, f->caddr, n) &&
	    !memcmp(t->dst, f->saddr, n))
		return FOLLOW_FROM_CLIENT;
	if (t->dport == f->cport && t->sport == f->server_port && !memcmp(t->dst, f->caddr, n) &&
	    !memcmp(t->src, f->saddr, n))
		return FOLLOW_FROM_SERVER;
	return FOLLOW_OTHER;
}

enum follow_dir follow_segment(struct follow *f, const struct packet *t)
{
	enum follow_dir dir;
	bool fin, rst;

	if (t->kind != PKT_TCP)
		return FOLLOW_OTHER;
	if (!f->st.connected && (t->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && t->dport == f->server_port &&
	    (f->client_port == 0 || t->sport == f->client_port)) {
		f->ipver = t->ipver;
		memcpy(f->caddr, t->src, sizeof f->caddr);
		memcpy(f->saddr, t->dst, sizeof f->saddr);
		f->cport = t->sport;
		packet_format_endpoint(t->ipver, t->src, t->sport, f->st.client, sizeof f->st.client);
		packet_format_endpoint(t->ipver, t->dst, t->dport, f->st.server, sizeof f->st.server);
		f->st.connected = true;
	}
	dir = follow_dir_of(f, t);
	if (dir == FOLLOW_OTHER)
		return dir;
	f->st.bytes += t->payload_wire;
	fin = t->flags & TCP_FIN;
	rst = t->flags & TCP_RST;
	if (dir == FOLLOW_FROM_CLIENT) {
		f->st.client_fin |= fin;
		f->st.client_rst |= rst;
	} else {
		f->st.server_fin |= fin;
		f->st.server_rst |= rst;
	}
	f->st.closed = f->st.client_rst || f->st.server_rst || (f->st.client_fin && f->st.server_fin);
	return dir;
}
