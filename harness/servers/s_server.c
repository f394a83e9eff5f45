/*
 * s_server.c - `openssl s_server` as a profile's server.
 *
 * Builds the command line from the profile: -accept 127.0.0.1:PORT (so it
 * binds loopback only), -www (answers an HTTP GET with a status page, and
 * keeps serving one connection after another), the certificate with its
 * chain (-cert_chain), versions as -min_protocol/-max_protocol (and -no_*
 * for a hole), -cipher with @SECLEVEL=N when the profile lowers the
 * security level, -ciphersuites, -groups, -serverpref, -max_send_frag,
 * -dhparam, and -Verify/-verify with -CAfile for client certificates.
 * s_server loads its certificates before it listens, so accepting on the
 * port is the readiness sign.
 */
#include "harness/servers/backend.h"

#include <stdio.h>
#include <string.h>

/* s_server's -no_* flag for a version hole between min and max. */
static const char *s_server_no_flag(unsigned int bit)
{
	switch (bit) {
	case PROFILE_SSL3:
		return "-no_ssl3";
	case PROFILE_TLS10:
		return "-no_tls1";
	case PROFILE_TLS11:
		return "-no_tls1_1";
	case PROFILE_TLS12:
		return "-no_tls1_2";
	case PROFILE_TLS13:
		return "-no_tls1_3";
	default:
		return NULL;
	}
}

static int s_server_versions(const struct profile *p, struct backend_cmd *c)
{
	unsigned int lo = 0, hi = 0;
	int rc = 0;
	if (!p->protocols[0])
		return 0; /* OpenSSL's defaults */
	for (unsigned int b = PROFILE_SSL3; b <= PROFILE_TLS13; b <<= 1)
		if (p->versions & b) {
			if (!lo)
				lo = b;
			hi = b;
		}
	rc |= backend_arg(c, "-min_protocol") | backend_arg(c, "%s", backend_version_name(lo));
	rc |= backend_arg(c, "-max_protocol") | backend_arg(c, "%s", backend_version_name(hi));
	for (unsigned int b = lo; b < hi; b <<= 1)
		if (!(p->versions & b))
			rc |= backend_arg(c, "%s", s_server_no_flag(b));
	return rc;
}

int s_server_prepare(const struct backend_env *e, struct backend_cmd *cmd, char *err, size_t errlen)
{
	static const char *const programs[] = { "openssl", NULL };
	const struct profile *p = e->prof;
	char openssl[PATH_MAX], file[64];
	const char *cert, *key, *path;
	int rc = 0;

	if (backend_find_program("TLSDIAG_OPENSSL", programs, openssl, sizeof openssl) != 0) {
		snprintf(err, errlen, "openssl not found: install the Debian package openssl "
				      "(or set TLSDIAG_OPENSSL to its binary)");
		return -1;
	}
	snprintf(file, sizeof file, "%s.pem", p->leaf);
	if (!(cert = backend_cert(e, file, err, errlen)))
		return -1;
	snprintf(file, sizeof file, "%s.key", p->leaf);
	if (!(key = backend_cert(e, file, err, errlen)))
		return -1;
	snprintf(cmd->log_path, sizeof cmd->log_path, "%s/s_server.log", e->dir);
	cmd->ready_path[0] = '\0';
	rc |= backend_arg(cmd, "%s", openssl) | backend_arg(cmd, "s_server");
	rc |= backend_arg(cmd, "-accept") | backend_arg(cmd, "127.0.0.1:%u", e->port);
	rc |= backend_arg(cmd, "-www");
	rc |= backend_arg(cmd, "-cert") | backend_arg(cmd, "%s", cert) | backend_arg(cmd, "-key") |
	      backend_arg(cmd, "%s", key);
	if (p->chain[0]) {
		if (backend_concat(e, "chain.pem", NULL, p->chain, err, errlen) != 0)
			return -1;
		rc |= backend_arg(cmd, "-cert_chain") | backend_arg(cmd, "%s/chain.pem", e->dir);
	}
	rc |= s_server_versions(p, cmd);
	if (p->security_level >= 0)
		rc |= backend_arg(cmd, "-cipher") |
		      backend_arg(cmd, "%s:@SECLEVEL=%d", p->ciphers[0] ? p->ciphers : "DEFAULT", p->security_level);
	else if (p->ciphers[0])
		rc |= backend_arg(cmd, "-cipher") | backend_arg(cmd, "%s", p->ciphers);
	if (p->ciphersuites[0])
		rc |= backend_arg(cmd, "-ciphersuites") | backend_arg(cmd, "%s", p->ciphersuites);
	if (p->groups[0])
		rc |= backend_arg(cmd, "-groups") | backend_arg(cmd, "%s", p->groups);
	if (p->honor_cipher_order)
		rc |= backend_arg(cmd, "-serverpref");
	if (p->max_fragment)
		rc |= backend_arg(cmd, "-max_send_frag") | backend_arg(cmd, "%d", p->max_fragment);
	if (p->dh_params[0]) {
		if (!(path = backend_cert(e, p->dh_params, err, errlen)))
			return -1;
		rc |= backend_arg(cmd, "-dhparam") | backend_arg(cmd, "%s", path);
	}
	if (p->client_auth != PROFILE_CLIENT_NONE) {
		snprintf(file, sizeof file, "%s.pem", p->client_ca);
		if (!(path = backend_cert(e, file, err, errlen)))
			return -1;
		/*
		 * -Verify: a client without a certificate fails; -verify: asked, not
		 * required.  -verify_return_error: without it s_server only logs a
		 * client certificate that does not verify, and carries on.
		 */
		rc |= backend_arg(cmd, "%s", p->client_auth == PROFILE_CLIENT_REQUIRE ? "-Verify" : "-verify") |
		      backend_arg(cmd, "3") | backend_arg(cmd, "-verify_return_error") | backend_arg(cmd, "-CAfile") |
		      backend_arg(cmd, "%s", path);
	}
	if (rc) {
		snprintf(err, errlen, "s_server: too many arguments");
		return -1;
	}
	return 0;
}
