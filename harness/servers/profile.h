/*
 * profile.h - a server profile: the readable definition in
 * servers/<name>.ini (compiled in, see core/embedded.h), parsed with inih.
 * docs/servers.md describes every key.
 */
#ifndef TLSDIAG_SERVERS_PROFILE_H
#define TLSDIAG_SERVERS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

enum profile_kind { PROFILE_APACHE = 1, PROFILE_S_SERVER };
enum profile_sni { PROFILE_SNI_SINGLE = 1, PROFILE_SNI_VHOSTS };
enum profile_client_auth { PROFILE_CLIENT_NONE = 1, PROFILE_CLIENT_OPTIONAL, PROFILE_CLIENT_REQUIRE };

/* Protocol version bits (profile.versions). */
#define PROFILE_SSL3 0x01u
#define PROFILE_TLS10 0x02u
#define PROFILE_TLS11 0x04u
#define PROFILE_TLS12 0x08u
#define PROFILE_TLS13 0x10u

#define PROFILE_MAX_DIRECTIVES 12

#define PROFILE_PATH_MAX 512

struct profile {
	char name[64];
	char file[PROFILE_PATH_MAX]; /* a user's profile file; "" for a compiled-in one */
	char description[200];
	char report[64]; /* the founding report it reproduces, if any */
	unsigned int kind; /* enum profile_kind */
	/* [tls] */
	char protocols[128]; /* Apache SSLProtocol syntax, for both kinds */
	unsigned int versions; /* PROFILE_TLS* bits it enables */
	char ciphers[256]; /* OpenSSL cipher string, TLS 1.2 and below */
	char ciphersuites[256]; /* TLS 1.3 suites; empty: OpenSSL's default */
	char groups[128]; /* empty: OpenSSL's default */
	int security_level; /* -1: OpenSSL's default; else appended as @SECLEVEL=N */
	bool honor_cipher_order;
	int max_fragment; /* s_server -max_send_frag; 0: default */
	char dh_params[32]; /* a factory file ("dh1024.pem"); empty: none */
	/* [certificate] */
	char leaf[32]; /* factory certificate presented */
	char chain[96]; /* intermediates sent after it, space separated */
	char anchor[32]; /* the CA a client should trust */
	char host[128]; /* the name a client should use; default: the leaf's */
	/* A user's own chain (absolute paths): the leaf then its intermediates, its key, the CA to trust.
	 * With them, leaf and anchor name the imported files ("own-<hash>", "own-<hash>-ca"). */
	char cert_file[PROFILE_PATH_MAX];
	char key_file[PROFILE_PATH_MAX];
	char ca_file[PROFILE_PATH_MAX];
	/* [sni] */
	unsigned int sni; /* enum profile_sni */
	char default_leaf[32]; /* vhosts: what a client without SNI gets */
	char aliases[128]; /* vhosts: ServerAlias of the named vhost */
	bool strict_sni; /* SSLStrictSNIVHostCheck */
	/* [client_auth] */
	unsigned int client_auth; /* enum profile_client_auth */
	char client_ca[32];
	/* [apache] directive = ... (repeatable; @DIR@ is the server's dir) */
	char directives[PROFILE_MAX_DIRECTIVES][160];
	int n_directives;
};

/*
 * Loads servers/<name>.ini, or when name holds a '/' the user's profile
 * file at that path (its name: the file name without .ini; relative
 * cert_file/key_file/ca_file are read from the file's directory).
 * 0, or -1 with err set (unknown profile: lists the known ones).
 */
int profile_load(const char *name, struct profile *p, char *err, size_t errlen);
/* Parses an INI text (tests use it directly). */
int profile_parse(const char *name, const char *text, struct profile *p, char *err, size_t errlen);
/* The words of the profile file for its server, sni policy and client_auth policy ("apache", "vhosts", ...). */
const char *profile_kind_name(const struct profile *p);
const char *profile_sni_name(const struct profile *p);
const char *profile_client_auth_name(const struct profile *p);
/* True for a profile with the user's own certificate chain (cert_file). */
bool profile_own_chain(const struct profile *p);
/* Known profile names, NULL-terminated, sorted. */
const char *const *profile_names(void);
/* Apache SSLProtocol syntax to PROFILE_TLS* bits; -1 on an unknown word. */
int profile_versions(const char *protocols, unsigned int *bits);

#endif
