/*
 * profile.c - server profiles: servers/<name>.ini, compiled into the
 * binary, parsed with inih (the only file here that includes <ini.h>).
 *
 * Keys are data: profile_keys[] maps "section.key" to a field of struct
 * profile and a type, so a new key is one table line.  After parsing,
 * profile_check() rejects what a server could not run (an unknown
 * certificate, a protocol word Apache would refuse, an option the server
 * kind lacks) so a bad profile fails at load time with its file named.
 */
#include "harness/servers/profile.h"

#include "harness/core/embedded.h"
#include "harness/core/tok.h"
#include "harness/servers/certs.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum profile_type { PT_STR, PT_BOOL, PT_INT, PT_TOK, PT_DIRECTIVE };

struct profile_key {
	const char *section, *key;
	enum profile_type type;
	size_t off, size;
	const struct tok *tok;
};

static const struct tok profile_kinds[] = {
	{ PROFILE_APACHE, "apache" },
	{ PROFILE_S_SERVER, "s_server" },
	{ 0, NULL },
};

static const struct tok profile_snis[] = {
	{ PROFILE_SNI_SINGLE, "single" },
	{ PROFILE_SNI_VHOSTS, "vhosts" },
	{ 0, NULL },
};

static const struct tok profile_client_auths[] = {
	{ PROFILE_CLIENT_NONE, "none" },
	{ PROFILE_CLIENT_OPTIONAL, "optional" },
	{ PROFILE_CLIENT_REQUIRE, "require" },
	{ 0, NULL },
};

/* Apache's SSLProtocol words (mod_ssl ssl_cmd_protocol_parse); "SSLv2" is accepted and means nothing. */
static const struct tok profile_protocol_words[] = {
	{ 0, "SSLv2" },
	{ PROFILE_SSL3, "SSLv3" },
	{ PROFILE_TLS10, "TLSv1" },
	{ PROFILE_TLS11, "TLSv1.1" },
	{ PROFILE_TLS12, "TLSv1.2" },
	{ PROFILE_TLS13, "TLSv1.3" },
	{ PROFILE_TLS10 | PROFILE_TLS11 | PROFILE_TLS12 | PROFILE_TLS13, "all" },
	{ 0, NULL },
};

#define FIELD(f) offsetof(struct profile, f), sizeof(((struct profile *)0)->f)

static const struct profile_key profile_keys[] = {
	{ "profile", "description", PT_STR, FIELD(description), NULL },
	{ "profile", "server", PT_TOK, FIELD(kind), profile_kinds },
	{ "profile", "report", PT_STR, FIELD(report), NULL },
	{ "tls", "protocols", PT_STR, FIELD(protocols), NULL },
	{ "tls", "ciphers", PT_STR, FIELD(ciphers), NULL },
	{ "tls", "ciphersuites", PT_STR, FIELD(ciphersuites), NULL },
	{ "tls", "groups", PT_STR, FIELD(groups), NULL },
	{ "tls", "security_level", PT_INT, FIELD(security_level), NULL },
	{ "tls", "honor_cipher_order", PT_BOOL, FIELD(honor_cipher_order), NULL },
	{ "tls", "max_fragment", PT_INT, FIELD(max_fragment), NULL },
	{ "tls", "dh_params", PT_STR, FIELD(dh_params), NULL },
	{ "certificate", "leaf", PT_STR, FIELD(leaf), NULL },
	{ "certificate", "chain", PT_STR, FIELD(chain), NULL },
	{ "certificate", "anchor", PT_STR, FIELD(anchor), NULL },
	{ "certificate", "host", PT_STR, FIELD(host), NULL },
	{ "certificate", "cert_file", PT_STR, FIELD(cert_file), NULL },
	{ "certificate", "key_file", PT_STR, FIELD(key_file), NULL },
	{ "certificate", "ca_file", PT_STR, FIELD(ca_file), NULL },
	{ "sni", "policy", PT_TOK, FIELD(sni), profile_snis },
	{ "sni", "default_leaf", PT_STR, FIELD(default_leaf), NULL },
	{ "sni", "aliases", PT_STR, FIELD(aliases), NULL },
	{ "sni", "strict", PT_BOOL, FIELD(strict_sni), NULL },
	{ "client_auth", "policy", PT_TOK, FIELD(client_auth), profile_client_auths },
	{ "client_auth", "ca", PT_STR, FIELD(client_ca), NULL },
	{ "apache", "directive", PT_DIRECTIVE, 0, 0, NULL },
	{ NULL, NULL, PT_STR, 0, 0, NULL },
};

struct profile_parse_state {
	struct profile *p;
	char *err;
	size_t errlen;
	bool failed;
};

static int profile_set(struct profile_parse_state *st, const struct profile_key *k, const char *value)
{
	char *field = (char *)st->p + k->off, *end;
	long n;
	switch (k->type) {
	case PT_STR:
		if (strlen(value) >= k->size)
			return -1;
		memcpy(field, value, strlen(value) + 1);
		return 0;
	case PT_BOOL:
		if (strcasecmp(value, "on") == 0 || strcasecmp(value, "yes") == 0 || strcmp(value, "1") == 0)
			*(bool *)field = true;
		else if (strcasecmp(value, "off") == 0 || strcasecmp(value, "no") == 0 || strcmp(value, "0") == 0)
			*(bool *)field = false;
		else
			return -1;
		return 0;
	case PT_INT:
		if (!*value)
			return 0; /* empty: keep the default */
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || *end || n < 0 || n > 65535)
			return -1;
		*(int *)field = (int)n;
		return 0;
	case PT_TOK:
		return tok_value(k->tok, value, (unsigned int *)field);
	case PT_DIRECTIVE:
		if (st->p->n_directives >= PROFILE_MAX_DIRECTIVES ||
		    strlen(value) >= sizeof st->p->directives[0])
			return -1;
		memcpy(st->p->directives[st->p->n_directives++], value, strlen(value) + 1);
		return 0;
	default:
		return -1;
	}
}

static int profile_handler(void *user, const char *section, const char *name, const char *value)
{
	struct profile_parse_state *st = user;
	for (const struct profile_key *k = profile_keys; k->section; k++) {
		if (strcmp(k->section, section) != 0 || strcmp(k->key, name) != 0)
			continue;
		if (profile_set(st, k, value) == 0)
			return 1;
		snprintf(st->err, st->errlen, "[%s] %s = '%s': bad value", section, name, value);
		st->failed = true;
		return 0;
	}
	snprintf(st->err, st->errlen, "[%s] %s: unknown key", section, name);
	st->failed = true;
	return 0;
}

int profile_versions(const char *protocols, unsigned int *bits)
{
	char buf[128], *save = NULL, *w;
	unsigned int mask = 0, v;
	if (snprintf(buf, sizeof buf, "%s", protocols) >= (int)sizeof buf)
		return -1;
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char action = 0;
		bool found = false;
		if (*w == '+' || *w == '-')
			action = *w++;
		/* Apache compares the words case-insensitively */
		for (const struct tok *t = profile_protocol_words; t->s; t++)
			if (strcasecmp(t->s, w) == 0) {
				v = t->v;
				found = true;
			}
		if (!found)
			return -1;
		if (action == '-')
			mask &= ~v;
		else if (action == '+')
			mask |= v;
		else
			mask = v; /* a word without a sign replaces, as in mod_ssl */
	}
	*bits = mask;
	return 0;
}

/* Every space-separated word of list names a factory certificate. */
static int profile_check_certs(const char *list, const char **bad)
{
	char buf[128], *save = NULL, *w;
	snprintf(buf, sizeof buf, "%s", list);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (!certs_info(w)) {
			*bad = strstr(list, w);
			return -1;
		}
	return 0;
}

const char *profile_kind_name(const struct profile *p)
{
	return tok_name(profile_kinds, p->kind);
}

const char *profile_sni_name(const struct profile *p)
{
	return tok_name(profile_snis, p->sni);
}

const char *profile_client_auth_name(const struct profile *p)
{
	return tok_name(profile_client_auths, p->client_auth);
}

bool profile_own_chain(const struct profile *p)
{
	return p->cert_file[0] != '\0';
}

/* A path of the user's profile, made absolute against the profile file's directory; must be readable. */
static int profile_own_path(const struct profile *p, char *path, const char *key, char *err, size_t errlen)
{
	char buf[PROFILE_PATH_MAX];
	const char *slash = strrchr(p->file, '/');
	if (!path[0]) {
		snprintf(err, errlen, "[certificate] cert_file needs key_file and ca_file as well (%s missing)", key);
		return -1;
	}
	if (path[0] != '/' && slash) {
		if (snprintf(buf, sizeof buf, "%.*s/%s", (int)(slash - p->file), p->file, path) >= (int)sizeof buf) {
			snprintf(err, errlen, "[certificate] %s: path too long", key);
			return -1;
		}
		memcpy(path, buf, strlen(buf) + 1);
	}
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "[certificate] %s = %s: %s", key, path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The user's chain: leaf and anchor become names of the files the server
 * imports (certs_import), tagged by the profile file's path so two user
 * profiles in one run never share them.
 */
static int profile_check_own(struct profile *p, char *err, size_t errlen)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	if (p->leaf[0] || p->anchor[0] || p->chain[0]) {
		snprintf(err, errlen, "[certificate] cert_file replaces leaf, chain and anchor: give one or the other");
		return -1;
	}
	if (profile_own_path(p, p->cert_file, "cert_file", err, errlen) != 0 ||
	    profile_own_path(p, p->key_file, "key_file", err, errlen) != 0 ||
	    profile_own_path(p, p->ca_file, "ca_file", err, errlen) != 0)
		return -1;
	for (const char *c = p->file; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	snprintf(p->leaf, sizeof p->leaf, "own-%08x", (unsigned)h);
	snprintf(p->anchor, sizeof p->anchor, "own-%08x-ca", (unsigned)h);
	if (!p->host[0])
		snprintf(p->host, sizeof p->host, "127.0.0.1");
	return 0;
}

static int profile_check(struct profile *p, char *err, size_t errlen)
{
	const char *bad = NULL;
	const struct certs_info *leaf;
	if (p->cert_file[0] || p->key_file[0] || p->ca_file[0]) {
		if (!p->file[0]) {
			snprintf(err, errlen, "[certificate] cert_file is for a user's profile file");
			return -1;
		}
		if (!p->cert_file[0]) {
			snprintf(err, errlen, "[certificate] key_file and ca_file need cert_file");
			return -1;
		}
	}
	if (p->kind && p->description[0] && p->cert_file[0] && profile_check_own(p, err, errlen) != 0)
		return -1;
	if (!p->kind || !p->description[0] || !p->leaf[0] || !p->anchor[0]) {
		snprintf(err, errlen, "needs [profile] server, description and [certificate] leaf, anchor");
		return -1;
	}
	if (profile_versions(p->protocols[0] ? p->protocols : "all", &p->versions) != 0 || !p->versions) {
		snprintf(err, errlen, "[tls] protocols = '%s': use Apache's SSLProtocol words "
				      "(all, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 with + or -)", p->protocols);
		return -1;
	}
	if ((!profile_own_chain(p) && (profile_check_certs(p->leaf, &bad) || profile_check_certs(p->chain, &bad) ||
				       profile_check_certs(p->anchor, &bad))) ||
	    profile_check_certs(p->default_leaf, &bad) ||
	    profile_check_certs(p->client_ca, &bad)) {
		snprintf(err, errlen, "'%.40s' is not a certificate of the factory (docs/servers.md)", bad);
		return -1;
	}
	if (p->dh_params[0] && strcmp(p->dh_params, "dh1024.pem") != 0) {
		snprintf(err, errlen, "[tls] dh_params: the factory has only dh1024.pem");
		return -1;
	}
	if (p->sni == PROFILE_SNI_VHOSTS && (p->kind != PROFILE_APACHE || !p->default_leaf[0])) {
		snprintf(err, errlen, "[sni] policy = vhosts needs server = apache and a default_leaf");
		return -1;
	}
	if (p->max_fragment && p->kind != PROFILE_S_SERVER) {
		snprintf(err, errlen, "[tls] max_fragment needs server = s_server (Apache has no such setting)");
		return -1;
	}
	if (p->client_auth != PROFILE_CLIENT_NONE && !p->client_ca[0]) {
		snprintf(err, errlen, "[client_auth] policy = %s needs a ca", tok_name(profile_client_auths, p->client_auth));
		return -1;
	}
	if (p->n_directives && p->kind != PROFILE_APACHE) {
		snprintf(err, errlen, "[apache] directive needs server = apache");
		return -1;
	}
	leaf = certs_info(p->leaf);
	if (!p->host[0])
		snprintf(p->host, sizeof p->host, "%s", leaf->host ? leaf->host : "127.0.0.1");
	return 0;
}

/* Parses text as profile name; file is the user's profile file ("" when compiled in), for messages and paths. */
static int profile_parse_as(const char *name, const char *file, const char *text, struct profile *p, char *err,
			    size_t errlen)
{
	struct profile_parse_state st = { p, err, errlen, false };
	char why[256] = "", label[PROFILE_PATH_MAX + 16];
	int line;
	memset(p, 0, sizeof *p);
	p->security_level = -1;
	p->sni = PROFILE_SNI_SINGLE;
	p->client_auth = PROFILE_CLIENT_NONE;
	if (snprintf(p->name, sizeof p->name, "%s", name) >= (int)sizeof p->name ||
	    snprintf(p->file, sizeof p->file, "%s", file) >= (int)sizeof p->file) {
		snprintf(err, errlen, "profile name too long");
		return -1;
	}
	if (file[0])
		snprintf(label, sizeof label, "%s", file);
	else
		snprintf(label, sizeof label, "servers/%s.ini", name);
	st.err = why;
	st.errlen = sizeof why;
	line = ini_parse_string(text, profile_handler, &st);
	if (line != 0 || st.failed) {
		snprintf(err, errlen, "%s:%d: %s", label, line, why[0] ? why : "syntax error");
		return -1;
	}
	if (profile_check(p, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", label, why);
		return -1;
	}
	return 0;
}

int profile_parse(const char *name, const char *text, struct profile *p, char *err, size_t errlen)
{
	return profile_parse_as(name, "", text, p, err, errlen);
}

#define PROFILE_FILE_MAX (64 * 1024)

/* A user's profile file: a regular file of at most 64 KiB, its name from the file name. */
static int profile_load_file(const char *path, struct profile *p, char *err, size_t errlen)
{
	char name[64], *text = NULL;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t blen = strlen(base);
	struct stat st;
	ssize_t got = 0;
	/* O_NONBLOCK: a FIFO named as a profile is refused below, never waited on */
	int rc = -1, fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (blen > 4 && strcmp(base + blen - 4, ".ini") == 0)
		blen -= 4;
	snprintf(name, sizeof name, "%.*s", (int)(blen < sizeof name ? blen : sizeof name - 1), base);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "profile %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > PROFILE_FILE_MAX) {
		snprintf(err, errlen, "profile %s: not a regular file of at most 64 KiB", path);
		goto out;
	}
	if (!(text = malloc((size_t)st.st_size + 1))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (got < st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)(st.st_size - got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "profile %s: %s", path, r < 0 ? strerror(errno) : "shorter than it was");
			goto out;
		}
		got += r;
	}
	text[got] = '\0';
	if (memchr(text, '\0', (size_t)got)) {
		snprintf(err, errlen, "profile %s: not a text file", path);
		goto out;
	}
	rc = profile_parse_as(name, path, text, p, err, errlen);
out:
	free(text);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int profile_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define PROFILE_MAX 64

const char *const *profile_names(void)
{
	static char names[PROFILE_MAX][64];
	static const char *list[PROFILE_MAX + 1];
	static bool done;
	size_t n = 0;
	if (done)
		return list;
	for (const struct embedded_file *f = embedded_files; f->name && n < PROFILE_MAX; f++) {
		size_t len = strlen(f->name);
		if (strncmp(f->name, "servers/", 8) != 0 || len < 13 || strcmp(f->name + len - 4, ".ini") != 0 ||
		    len - 12 >= sizeof names[0])
			continue;
		memcpy(names[n], f->name + 8, len - 12);
		names[n][len - 12] = '\0';
		list[n] = names[n];
		n++;
	}
	qsort(list, n, sizeof list[0], profile_cmp);
	list[n] = NULL;
	done = true;
	return list;
}

int profile_load(const char *name, struct profile *p, char *err, size_t errlen)
{
	char path[128];
	const struct embedded_file *f = NULL;
	if (strchr(name, '/'))
		return profile_load_file(name, p, err, errlen);
	if (snprintf(path, sizeof path, "servers/%s.ini", name) < (int)sizeof path)
		f = embedded_find(path);
	if (!f) {
		size_t off = 0;
		int w = snprintf(err, errlen, "unknown profile '%s' (known:", name);
		off = w > 0 && (size_t)w < errlen ? (size_t)w : errlen;
		for (const char *const *n = profile_names(); *n && off < errlen; n++) {
			w = snprintf(err + off, errlen - off, " %s", *n);
			off += w > 0 ? (size_t)w : 0;
		}
		if (off < errlen)
			snprintf(err + off, errlen - off, ")");
		return -1;
	}
	return profile_parse(name, (const char *)f->data, p, err, errlen);
}
