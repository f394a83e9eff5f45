/*
 * certs.h - the per-run certificate factory: test CAs and leaves with
 * exactly the property each is named for (expired, CN-only, GeneralizedTime
 * 2118, SHA-1 signed, RSA 1024, ...), written as files in a private dir.
 *
 * Files are named "<cert>.<ext>": .pem (certificate, PEM), .der
 * (certificate, DER: the CC3200 wants DER), .key (private key, PKCS#8 PEM,
 * mode 0600), and "<cert>.chain.pem" (the certificate followed by its
 * issuers up to, not including, the self-signed root).  "dh1024.pem" holds
 * 1024-bit DH parameters (RFC 2409 group 2) for the dh-small profile.
 * A certificate and its issuers are made on first use, so a run that never
 * asks for rsa4096 never pays for it; files already in the dir (a kept or
 * shared run dir) are loaded instead of made again.
 */
#ifndef TLSDIAG_SERVERS_CERTS_H
#define TLSDIAG_SERVERS_CERTS_H

#include <stdbool.h>
#include <stddef.h>

struct certs;

/* One certificate of the catalogue. */
struct certs_info {
	const char *name; /* "valid", "expired", "root", ... */
	const char *issuer; /* NULL: self-signed */
	const char *host; /* the name a client should expect (SNI and check); NULL for CAs/clients */
	bool ca;
	const char *summary; /* one line: the property it is named for */
};

/* Opens (making it, mode 0700, if missing) the factory dir.  NULL with err set. */
struct certs *certs_open(const char *dir, char *err, size_t errlen);
/* Frees the set; its files stay (the dir belongs to the caller). */
void certs_close(struct certs *set);
const char *certs_dir(const struct certs *set);

/*
 * The path of file ("root.der", "valid.key", "wildcard.chain.pem",
 * "dh1024.pem"), made on first use.  The pointer lives as long as the set.
 * NULL with err set for an unknown name or a failure.
 */
const char *certs_path(struct certs *set, const char *file, char *err, size_t errlen);
/*
 * Certificates names[0..n) ("valid", "root", "other-root") and their
 * issuers, made now, the new keys they need generated at once (a thread
 * each): what a server will serve and its run's cases will ask for.
 * 0, or -1 with err set (an unknown name, a failure).
 */
int certs_make_all(struct certs *set, const char *const *names, size_t n, char *err, size_t errlen);

/*
 * Imports a user's own chain into the set under name: cert_file (PEM: the
 * leaf, then its intermediates), key_file (PEM) and ca_file (PEM: the CA a
 * client should trust) become name.pem and name.der, name.key (0600), name-chain.pem
 * (the intermediates; only when there are any: *has_chain) and
 * name-ca.pem / name-ca.der, found by certs_path() from then on.  The key
 * must match the leaf.  0, or -1 with err set.
 */
int certs_import(struct certs *set, const char *name, const char *cert_file, const char *key_file,
		 const char *ca_file, int *has_chain, char *err, size_t errlen);

/* One certificate, described for people (servers --show). */
struct certs_desc {
	char subject[256];
	char issuer[256];
	char not_before[32]; /* "2026-12-01 21:00:00 UTC" */
	char not_after[32];
	char key[64]; /* "RSA 2048", "EC prime256v1" */
	char signature[48]; /* "sha256WithRSAEncryption" */
	char names[256]; /* subjectAltName, "" when none */
	int ca; /* basicConstraints CA:TRUE */
	int self_signed;
};

/* Describes the PEM certificates of path, in file order, at most max; *n gets the count.  0 or -1 with err. */
int certs_describe(const char *path, struct certs_desc *d, size_t max, size_t *n, char *err, size_t errlen);

/* The catalogue, ended by an entry with name NULL; certs_info(name) finds one (or NULL). */
const struct certs_info *certs_catalogue(void);
const struct certs_info *certs_info(const char *name);

#endif
