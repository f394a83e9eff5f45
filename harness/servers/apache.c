/*
 * apache.c - Apache httpd + mod_ssl as a profile's server.
 *
 * Writes apache.conf from the template servers/apache.conf.in (compiled in)
 * and the profile, and starts `apache2 -X -f apache.conf`: -X keeps httpd in
 * the foreground as one process (event MPM threads inside it), so the
 * process group proc.c signals holds all of it.  Everything httpd writes
 * (PidFile, ErrorLog, Mutex files, session cache, DefaultRuntimeDir) goes
 * to the server's private dir; it listens on 127.0.0.1:PORT only.
 *
 * Finding httpd portably: TLSDIAG_APACHE, else apache2 (Debian) or httpd
 * in PATH and the sbin dirs.  Modules: TLSDIAG_APACHE_MODULES, else the
 * known dirs (/usr/lib/apache2/modules on Debian), else `apxs -q libexecdir`.
 * Started as root, httpd must switch to an unprivileged User/Group after
 * binding (it refuses to serve as root); as a normal user those directives
 * are left out (httpd could not switch anyway).
 */
#include "harness/servers/backend.h"

#include "harness/core/embedded.h"
#include "harness/servers/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APACHE_TEMPLATE "servers/apache.conf.in"

/* A growing text buffer for the generated blocks. */
struct apache_text {
	char s[8192];
	size_t len;
	bool overflow;
};

static void apache_add(struct apache_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void apache_add(struct apache_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->len, sizeof t->s - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof t->s - t->len)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

static bool apache_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Asks apxs (apxs2 on Debian) for the modules dir. */
static int apache_apxs(const struct backend_env *e, char *out, size_t outlen)
{
	static const char *const names[] = { "apxs2", "apxs", NULL };
	char apxs[PATH_MAX], log[PATH_MAX], err[256];
	struct proc p;
	struct proc_opts o = { 0 };
	FILE *f;
	int rc = -1;
	if (backend_find_program(NULL, names, apxs, sizeof apxs) != 0)
		return -1;
	snprintf(log, sizeof log, "%s/apxs.out", e->dir);
	o.log_path = log;
	char *argv[] = { apxs, "-q", "libexecdir", NULL };
	if (proc_spawn(&p, argv, &o, err, sizeof err) != 0)
		goto out;
	if (proc_wait(&p, 10000) != 0) {
		proc_stop(&p, 0);
		goto out;
	}
	f = fopen(log, "r");
	if (f && fgets(out, (int)outlen, f)) {
		out[strcspn(out, "\r\n")] = '\0';
		rc = apache_is_dir(out) ? 0 : -1;
	}
	if (f)
		fclose(f);
out:
	unlink(log); /* every way out: the log must be new (proc.h), and a retry in this dir makes it again */
	return rc;
}

static int apache_modules_dir(const struct backend_env *e, char *out, size_t outlen)
{
	static const char *const dirs[] = { "/usr/lib/apache2/modules", "/usr/lib64/httpd/modules",
					    "/usr/lib/httpd/modules", "/usr/libexec/apache2",
					    "/usr/local/apache2/modules", NULL };
	const char *env = getenv("TLSDIAG_APACHE_MODULES");
	if (env && *env)
		return snprintf(out, outlen, "%s", env) < (int)outlen && apache_is_dir(out) ? 0 : -1;
	for (const char *const *d = dirs; *d; d++)
		if (apache_is_dir(*d))
			return snprintf(out, outlen, "%s", *d) < (int)outlen ? 0 : -1;
	return apache_apxs(e, out, outlen);
}

/* LoadModule lines: one MPM (event preferred, as Debian), then what the config uses. */
static int apache_modules(const char *moddir, struct apache_text *t, char *err, size_t errlen)
{
	static const char *const mpms[] = { "mpm_event", "mpm_prefork", "mpm_worker", NULL };
	static const char *const needed[] = { "authz_core", "dir", "socache_shmcb", "ssl", NULL };
	char path[PATH_MAX];
	for (const char *const *m = mpms; *m; m++) {
		if (snprintf(path, sizeof path, "%s/mod_%s.so", moddir, *m) < (int)sizeof path &&
		    access(path, R_OK) == 0) {
			apache_add(t, "LoadModule %s_module \"%s\"\n", *m, path);
			break;
		}
	}
	/* no MPM module file: it is compiled into this httpd */
	for (const char *const *m = needed; *m; m++) {
		if (snprintf(path, sizeof path, "%s/mod_%s.so", moddir, *m) >= (int)sizeof path ||
		    access(path, R_OK) != 0) {
			snprintf(err, errlen, "Apache module %s not found in %s (Debian package: apache2)", *m, moddir);
			return -1;
		}
		apache_add(t, "LoadModule %s_module \"%s\"\n", *m, path);
	}
	return 0;
}

/* User/Group when root: httpd refuses to serve as root. */
static int apache_user(struct apache_text *t, char *err, size_t errlen)
{
	if (geteuid() != 0)
		return 0;
	if (!getpwnam("nobody")) {
		snprintf(err, errlen, "started as root, but there is no user 'nobody' for Apache to switch to");
		return -1;
	}
	apache_add(t, "User nobody\nGroup %s\n", getgrnam("nogroup") ? "nogroup" : "nobody");
	return 0;
}

/* Copies s, replacing @DIR@ with dir. */
static void apache_add_dir(struct apache_text *t, const char *s, const char *dir)
{
	const char *at;
	while ((at = strstr(s, "@DIR@")) != NULL) {
		apache_add(t, "%.*s%s", (int)(at - s), s, dir);
		s = at + 5;
	}
	apache_add(t, "%s\n", s);
}

/* The profile's TLS directives, global so that every vhost inherits them. */
static int apache_ssl(const struct backend_env *e, struct apache_text *t, char *err, size_t errlen)
{
	const struct profile *p = e->prof;
	const char *path;
	if (p->protocols[0])
		apache_add(t, "SSLProtocol %s\n", p->protocols);
	if (p->security_level >= 0)
		/* OpenSSL reads @SECLEVEL=N inside the cipher string */
		apache_add(t, "SSLCipherSuite \"%s:@SECLEVEL=%d\"\n", p->ciphers[0] ? p->ciphers : "DEFAULT",
			   p->security_level);
	else if (p->ciphers[0])
		apache_add(t, "SSLCipherSuite \"%s\"\n", p->ciphers);
	if (p->ciphersuites[0])
		apache_add(t, "SSLCipherSuite TLSv1.3 \"%s\"\n", p->ciphersuites);
	if (p->groups[0])
		apache_add(t, "SSLOpenSSLConfCmd Groups \"%s\"\n", p->groups);
	apache_add(t, "SSLHonorCipherOrder %s\n", p->honor_cipher_order ? "on" : "off");
	if (p->dh_params[0]) {
		if (!(path = backend_cert(e, p->dh_params, err, errlen)))
			return -1;
		apache_add(t, "SSLOpenSSLConfCmd DHParameters \"%s\"\n", path);
	}
	if (p->client_auth != PROFILE_CLIENT_NONE) {
		char file[64];
		snprintf(file, sizeof file, "%s.pem", p->client_ca);
		if (!(path = backend_cert(e, file, err, errlen)))
			return -1;
		apache_add(t, "SSLVerifyClient %s\nSSLVerifyDepth 3\nSSLCACertificateFile \"%s\"\n",
			   p->client_auth == PROFILE_CLIENT_REQUIRE ? "require" : "optional", path);
	}
	for (int i = 0; i < p->n_directives; i++)
		apache_add_dir(t, p->directives[i], e->dir);
	return 0;
}

/* One <VirtualHost>: the certificate file holds the leaf then the chain sent (mod_ssl 2.4.8+). */
static int apache_vhost(const struct backend_env *e, struct apache_text *t, const char *server_name,
			const char *aliases, const char *leaf, char *err, size_t errlen)
{
	char file[64], chain[PATH_MAX];
	const char *key;
	snprintf(file, sizeof file, "%s.key", leaf);
	snprintf(chain, sizeof chain, "server-%s.pem", leaf);
	if (!(key = backend_cert(e, file, err, errlen)) ||
	    backend_concat(e, chain, leaf, e->prof->chain, err, errlen) != 0)
		return -1;
	apache_add(t, "<VirtualHost 127.0.0.1:%u>\n    ServerName %s\n", e->port, server_name);
	if (aliases && *aliases)
		apache_add(t, "    ServerAlias %s\n", aliases);
	apache_add(t,
		   "    SSLEngine on\n    SSLCertificateFile \"%s/%s\"\n    SSLCertificateKeyFile \"%s\"\n"
		   "</VirtualHost>\n",
		   e->dir, chain, key);
	return 0;
}

static int apache_vhosts(const struct backend_env *e, struct apache_text *t, char *err, size_t errlen)
{
	const struct profile *p = e->prof;
	if (p->sni != PROFILE_SNI_VHOSTS)
		return apache_vhost(e, t, p->host, NULL, p->leaf, err, errlen);
	/*
	 * Name-based vhosts: the first one is the default, the one a client gets
	 * without SNI or with a name no vhost has (Apache 2.4 picks it and
	 * completes the handshake with its certificate; it sends no
	 * unrecognized_name alert).
	 */
	apache_add(t, "# the default vhost: what a client without SNI gets\n");
	if (apache_vhost(e, t, "default.tlsdiag.test", NULL, p->default_leaf, err, errlen) != 0)
		return -1;
	apache_add(t, "# the named vhost: reached only with SNI %s\n", p->host);
	if (apache_vhost(e, t, p->host, p->aliases, p->leaf, err, errlen) != 0)
		return -1;
	if (p->strict_sni)
		apache_add(t, "SSLStrictSNIVHostCheck on\n");
	return 0;
}

/*
 * DIR/htdocs with index.html, readable by the user Apache serves as.  As
 * root, Apache serves as nobody: then htdocs is 0755 and DIR and the run
 * dir above it 0711 (traversable, not listable); certs/ beside stays 0700.
 */
static int apache_docroot(const char *dir, char *htdocs, size_t len, char *err, size_t errlen)
{
	static const char page[] = "<!doctype html><title>tlsdiag</title><p>tlsdiag test server\n";
	char run[PATH_MAX], index[PATH_MAX + 16];
	bool root = geteuid() == 0;
	int fd = -1, rc = -1;
	snprintf(htdocs, len, "%s/htdocs", dir);
	snprintf(run, sizeof run, "%s", dir);
	char *slash = strrchr(run, '/');
	if (slash)
		*slash = '\0';
	if ((mkdir(htdocs, root ? 0755 : 0700) != 0 && errno != EEXIST) ||
	    (root && (chmod(htdocs, 0755) != 0 || chmod(dir, 0711) != 0 || (slash && chmod(run, 0711) != 0)))) {
		snprintf(err, errlen, "%s: %s", htdocs, strerror(errno));
		return -1;
	}
	snprintf(index, sizeof index, "%s/index.html", htdocs);
	fd = open(index, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, root ? 0644 : 0600);
	if (fd < 0 && errno == EEXIST)
		return 0; /* a retry on another port: written the first time */
	if (fd < 0 || write(fd, page, sizeof page - 1) != (ssize_t)(sizeof page - 1) || fchmod(fd, root ? 0644 : 0600) != 0)
		snprintf(err, errlen, "%s: %s", index, strerror(errno));
	else
		rc = 0;
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", index, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Writes the template to path with each @NAME@ replaced. */
static int apache_write(const char *path, const char *const names[], const char *const values[], char *err,
			size_t errlen)
{
	const struct embedded_file *tpl = embedded_find(APACHE_TEMPLATE);
	const char *s, *at;
	FILE *f;
	int rc = -1;
	if (!tpl) {
		snprintf(err, errlen, "%s is not compiled in", APACHE_TEMPLATE);
		return -1;
	}
	if (!(f = fopen(path, "w"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	s = (const char *)tpl->data;
	while ((at = strchr(s, '@')) != NULL) {
		const char *end = strchr(at + 1, '@');
		int i = 0;
		fwrite(s, 1, (size_t)(at - s), f);
		for (; end && names[i]; i++)
			if (strlen(names[i]) == (size_t)(end - at - 1) && strncmp(names[i], at + 1, (size_t)(end - at - 1)) == 0)
				break;
		if (end && names[i]) {
			fputs(values[i], f);
			s = end + 1;
		} else {
			fputc('@', f);
			s = at + 1;
		}
	}
	fputs(s, f);
	if (ferror(f))
		snprintf(err, errlen, "%s: write error", path);
	else
		rc = 0;
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int apache_prepare(const struct backend_env *e, struct backend_cmd *cmd, char *err, size_t errlen)
{
	static const char *const programs[] = { "apache2", "httpd", NULL };
	struct apache_text mods, user, ssl, vhosts;
	char httpd[PATH_MAX], moddir[PATH_MAX], conf[PATH_MAX], port[8], htdocs[PATH_MAX];
	const char *names[] = { "DIR", "PORT", "USER", "MODULES", "PROFILE", "SSL", "VHOSTS", NULL };
	const char *values[7];

	memset(&mods, 0, sizeof mods);
	memset(&user, 0, sizeof user);
	memset(&ssl, 0, sizeof ssl);
	memset(&vhosts, 0, sizeof vhosts);
	if (backend_find_program("TLSDIAG_APACHE", programs, httpd, sizeof httpd) != 0) {
		snprintf(err, errlen, "Apache httpd not found: install the Debian package apache2 "
				      "(or set TLSDIAG_APACHE to its binary)");
		return -1;
	}
	if (apache_modules_dir(e, moddir, sizeof moddir) != 0) {
		snprintf(err, errlen, "Apache's modules dir not found (Debian package apache2; "
				      "or set TLSDIAG_APACHE_MODULES)");
		return -1;
	}
	if (apache_modules(moddir, &mods, err, errlen) != 0 || apache_user(&user, err, errlen) != 0 ||
	    apache_ssl(e, &ssl, err, errlen) != 0 || apache_vhosts(e, &vhosts, err, errlen) != 0)
		return -1;
	if (mods.overflow || user.overflow || ssl.overflow || vhosts.overflow) {
		snprintf(err, errlen, "apache.conf: generated text too long");
		return -1;
	}
	snprintf(port, sizeof port, "%u", e->port);
	values[0] = e->dir;
	values[1] = port;
	values[2] = user.s;
	values[3] = mods.s;
	values[4] = e->prof->name;
	values[5] = ssl.s;
	values[6] = vhosts.s;
	snprintf(conf, sizeof conf, "%s/apache.conf", e->dir);
	/* Every path goes into the configuration between double quotes. */
	if (strpbrk(e->dir, "\"\\\n\r")) {
		snprintf(err, errlen, "%s: Apache's configuration cannot hold a path with a quote, backslash or newline "
				      "(choose another TMPDIR)", e->dir);
		return -1;
	}
	if (apache_docroot(e->dir, htdocs, sizeof htdocs, err, errlen) != 0)
		return -1;
	if (apache_write(conf, names, values, err, errlen) != 0)
		return -1;
	snprintf(cmd->log_path, sizeof cmd->log_path, "%s/error.log", e->dir);
	/* httpd writes its PidFile after mod_ssl loaded the certificates: the sign it will serve */
	snprintf(cmd->ready_path, sizeof cmd->ready_path, "%s/apache.pid", e->dir);
	if (backend_arg(cmd, "%s", httpd) || backend_arg(cmd, "-X") || backend_arg(cmd, "-f") ||
	    backend_arg(cmd, "%s", conf)) {
		snprintf(err, errlen, "too many arguments");
		return -1;
	}
	return 0;
}
