/*
 * cmd_servers.c - 'tlsdiag servers': the server profiles, one line each
 * (or JSON); '--show PROFILE': one profile's settings and the certificate
 * chain it serves.  For a compiled-in profile the chain is made by the
 * certificate factory in a private temporary dir (removed at once), so what
 * is shown is what 'serve' would present; a user's profile file shows its
 * own files (docs/servers.md, "Your own profile").
 */
#include "harness/cmd.h"
#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/core/tok.h"
#include "harness/servers/certs.h"
#include "harness/servers/profile.h"
#include "harness/servers/server.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Bumped when a key changes meaning or goes away; new keys keep it (docs/schema/servers.schema.json). */
#define SERVERS_FORMAT_VERSION 1
#define SERVERS_CHAIN_MAX 8

static void servers_usage(FILE *out)
{
	fprintf(out, "usage: tlsdiag servers [--json]\n"
		     "       tlsdiag servers --show PROFILE [--json]\n\n"
		     "Lists the local server profiles (servers/<name>.ini, compiled in): name, server, description.\n"
		     "--show prints one profile's settings and the certificate chain it serves (subject, issuer,\n"
		     "key, validity, names); PROFILE may be a file of your own (a path with a '/', e.g. ./my.ini).\n"
		     "Start one with 'tlsdiag serve PROFILE'; docs/servers.md describes them.\n\n"
		     "  --json         JSON (with format_version) instead of text\n"
		     "  --show PROFILE one profile in detail\n"
		     "  --help         this text\n\n"
		     "exit status: 0 ok, 2 bad usage or an unknown or broken profile.\n");
}

static const struct tok servers_versions[] = {
	{ PROFILE_SSL3, "SSLv3" },	{ PROFILE_TLS10, "TLS 1.0" }, { PROFILE_TLS11, "TLS 1.1" },
	{ PROFILE_TLS12, "TLS 1.2" }, { PROFILE_TLS13, "TLS 1.3" }, { 0, NULL },
};

static int servers_list(bool json)
{
	struct profile p;
	char err[512];
	int rc = EXIT_OK;
	struct jv *o = jv_object(), *arr = jv_array();
	for (const char *const *n = profile_names(); *n; n++) {
		if (profile_load(*n, &p, err, sizeof err) != 0) {
			rc = err_report(ERR_INTERNAL, "%s", err);
			continue;
		}
		if (!json) {
			printf("%-18s %-9s %s\n", p.name, profile_kind_name(&p), p.description);
			continue;
		}
		struct jv *e = jv_object();
		jv_set_str(e, "name", p.name);
		jv_set_str(e, "server", profile_kind_name(&p));
		jv_set_str(e, "description", p.description);
		jv_push(arr, e);
	}
	if (json) {
		jv_set_int(o, "format_version", SERVERS_FORMAT_VERSION);
		jv_set_str(o, "tool", "tlsdiag servers");
		jv_set(o, "profiles", arr);
		jv_write(stdout, o, true);
		fputc('\n', stdout);
	} else {
		jv_free(arr);
	}
	jv_free(o);
	return rc;
}

/* One certificate file of the chain: where it is from, and what it holds. */
struct servers_cert {
	char role[16]; /* "leaf", "intermediate", "anchor" */
	char name[48]; /* the factory name, or the user's file */
	char summary[160];
	struct certs_desc d;
};

static int servers_add(struct servers_cert *c, size_t *n, const char *role, const char *name, const char *summary,
		       const char *path, char *err, size_t errlen)
{
	struct certs_desc d[SERVERS_CHAIN_MAX];
	size_t got = 0;
	if (certs_describe(path, d, SERVERS_CHAIN_MAX, &got, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < got && *n < SERVERS_CHAIN_MAX; i++, (*n)++) {
		snprintf(c[*n].role, sizeof c[*n].role, "%s", i == 0 ? role : "intermediate");
		snprintf(c[*n].name, sizeof c[*n].name, "%s", name);
		snprintf(c[*n].summary, sizeof c[*n].summary, "%s", summary ? summary : "");
		c[*n].d = d[i];
	}
	return 0;
}

/* The chain a compiled-in profile serves, made by the factory in a private temporary dir. */
static int servers_factory_chain(const struct profile *p, struct servers_cert *c, size_t *n, char *err,
				 size_t errlen)
{
	char dir[PATH_MAX], certs_dir[PATH_MAX + 8], file[64], words[128], *save = NULL;
	const char *path;
	struct certs *set = NULL;
	int rc = -1;
	if (server_rundir_make(dir, sizeof dir, err, errlen) != 0)
		return -1;
	snprintf(certs_dir, sizeof certs_dir, "%s/certs", dir);
	if (!(set = certs_open(certs_dir, err, errlen)))
		goto out;
	snprintf(words, sizeof words, "%s %s", p->leaf, p->chain);
	for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		const struct certs_info *info = certs_info(w);
		snprintf(file, sizeof file, "%s.pem", w);
		if (!(path = certs_path(set, file, err, errlen)) ||
		    servers_add(c, n, *n ? "intermediate" : "leaf", w, info ? info->summary : NULL, path, err, errlen))
			goto out;
	}
	snprintf(file, sizeof file, "%s.pem", p->anchor);
	const struct certs_info *a = certs_info(p->anchor);
	if (!(path = certs_path(set, file, err, errlen)) ||
	    servers_add(c, n, "anchor", p->anchor, a ? a->summary : NULL, path, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	certs_close(set);
	server_rundir_remove(dir);
	return rc;
}

static void servers_versions_text(unsigned bits, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (const struct tok *t = servers_versions; t->s && off < len; t++)
		if (bits & t->v) {
			int w = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", t->s);
			off += w > 0 ? (size_t)w : 0;
		}
}

static struct jv *servers_cert_json(const struct servers_cert *c)
{
	struct jv *o = jv_object();
	jv_set_str(o, "role", c->role);
	jv_set_str(o, "name", c->name);
	jv_set_str(o, "summary", c->summary);
	jv_set_str(o, "subject", c->d.subject);
	jv_set_str(o, "issuer", c->d.issuer);
	jv_set_str(o, "not_before", c->d.not_before);
	jv_set_str(o, "not_after", c->d.not_after);
	jv_set_str(o, "key", c->d.key);
	jv_set_str(o, "signature", c->d.signature);
	jv_set_str(o, "names", c->d.names);
	jv_set_bool(o, "ca", c->d.ca);
	jv_set_bool(o, "self_signed", c->d.self_signed);
	return o;
}

static void servers_show_json(const struct profile *p, const struct servers_cert *c, size_t n)
{
	char v[96];
	struct jv *o = jv_object(), *tls = jv_object(), *sni = jv_object(), *dirs = jv_array(), *chain = jv_array();
	jv_set_int(o, "format_version", SERVERS_FORMAT_VERSION);
	jv_set_str(o, "tool", "tlsdiag servers --show");
	jv_set_str(o, "name", p->name);
	jv_set_str(o, "server", profile_kind_name(p));
	jv_set_str(o, "description", p->description);
	jv_set(o, "file", p->file[0] ? jv_string(p->file) : jv_null());
	jv_set(o, "report", p->report[0] ? jv_string(p->report) : jv_null());
	jv_set_str(tls, "protocols", p->protocols[0] ? p->protocols : "all");
	servers_versions_text(p->versions, v, sizeof v);
	jv_set_str(tls, "versions", v);
	jv_set_str(tls, "ciphers", p->ciphers);
	jv_set_str(tls, "ciphersuites", p->ciphersuites);
	jv_set_str(tls, "groups", p->groups);
	jv_set(tls, "security_level", p->security_level >= 0 ? jv_int(p->security_level) : jv_null());
	jv_set_bool(tls, "honor_cipher_order", p->honor_cipher_order);
	jv_set_int(tls, "max_fragment", p->max_fragment);
	jv_set_str(tls, "dh_params", p->dh_params);
	jv_set(o, "tls", tls);
	jv_set_str(o, "host", p->host);
	jv_set_str(sni, "policy", profile_sni_name(p));
	jv_set_str(sni, "default_leaf", p->default_leaf);
	jv_set_str(sni, "aliases", p->aliases);
	jv_set_bool(sni, "strict", p->strict_sni);
	jv_set(o, "sni", sni);
	jv_set_str(o, "client_auth", profile_client_auth_name(p));
	for (int i = 0; i < p->n_directives; i++)
		jv_push_str(dirs, p->directives[i]);
	jv_set(o, "apache_directives", dirs);
	for (size_t i = 0; i < n; i++)
		jv_push(chain, servers_cert_json(&c[i]));
	jv_set(o, "chain", chain);
	jv_write(stdout, o, true);
	fputc('\n', stdout);
	jv_free(o);
}

static void servers_row(const char *label, const char *value)
{
	if (value && *value)
		printf("  %-18s %s\n", label, value);
}

static void servers_show_text(const struct profile *p, const struct servers_cert *c, size_t n)
{
	char v[96], buf[64];
	printf("profile %s (%s)\n", p->name, p->kind == PROFILE_APACHE ? "Apache httpd" : "openssl s_server");
	servers_row("description", p->description);
	servers_row("file", p->file[0] ? p->file : "compiled in");
	servers_row("report", p->report);
	servers_versions_text(p->versions, v, sizeof v);
	printf("  %-18s %s  (%s)\n", "protocols", p->protocols[0] ? p->protocols : "all", v);
	servers_row("ciphers", p->ciphers);
	servers_row("ciphersuites", p->ciphersuites);
	servers_row("groups", p->groups);
	if (p->security_level >= 0) {
		snprintf(buf, sizeof buf, "%d", p->security_level);
		servers_row("security level", buf);
	}
	servers_row("cipher order", p->honor_cipher_order ? "the server's" : "the client's");
	if (p->max_fragment) {
		snprintf(buf, sizeof buf, "%d bytes", p->max_fragment);
		servers_row("max fragment", buf);
	}
	servers_row("dh params", p->dh_params);
	servers_row("host", p->host);
	servers_row("sni", profile_sni_name(p));
	servers_row("default leaf", p->default_leaf);
	servers_row("aliases", p->aliases);
	servers_row("client auth", profile_client_auth_name(p));
	for (int i = 0; i < p->n_directives; i++)
		servers_row(i ? "" : "apache directives", p->directives[i]);
	printf("\ncertificate chain (sent leaf first; the anchor is what a client trusts):\n");
	for (size_t i = 0; i < n; i++) {
		const struct certs_desc *d = &c[i].d;
		printf("  %-12s %s%s%s\n", c[i].role, c[i].name, c[i].summary[0] ? ": " : "", c[i].summary);
		printf("  %-12s   subject   %s\n", "", d->subject);
		printf("  %-12s   issuer    %s%s\n", "", d->issuer, d->self_signed ? "  (self-signed)" : "");
		printf("  %-12s   key       %s, %s%s\n", "", d->key, d->signature, d->ca ? ", CA" : "");
		printf("  %-12s   valid     %s .. %s\n", "", d->not_before, d->not_after);
		printf("  %-12s   names     %s\n", "", d->names[0] ? d->names : "(no subjectAltName)");
	}
}

static int servers_show(const char *name, bool json)
{
	struct profile p;
	struct servers_cert c[SERVERS_CHAIN_MAX];
	size_t n = 0;
	char err[1024];
	if (profile_load(name, &p, err, sizeof err) != 0)
		return err_report(ERR_USAGE, "%s", err);
	if (profile_own_chain(&p)) {
		if (servers_add(c, &n, "leaf", p.cert_file, "your certificate file", p.cert_file, err, sizeof err) != 0 ||
		    servers_add(c, &n, "anchor", p.ca_file, "your CA file", p.ca_file, err, sizeof err) != 0)
			return err_report(ERR_INPUT, "%s", err);
	} else if (servers_factory_chain(&p, c, &n, err, sizeof err) != 0) {
		return err_report(ERR_ENV, "%s", err);
	}
	if (json)
		servers_show_json(&p, c, n);
	else
		servers_show_text(&p, c, n);
	return EXIT_OK;
}

int cmd_servers(int argc, char **argv)
{
	const char *show = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			servers_usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--show") == 0) {
			if (i + 1 >= argc)
				return err_report(ERR_USAGE, "--show needs a profile ('tlsdiag servers' lists them)");
			show = argv[++i];
		} else {
			err_report(ERR_USAGE, "unknown argument '%s'", argv[i]);
			servers_usage(stderr);
			return EXIT_UNUSABLE;
		}
	}
	return show ? servers_show(show, json) : servers_list(json);
}
