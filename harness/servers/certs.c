/*
 * certs.c - the per-run certificate factory (see certs.h).
 *
 * This is the only file of tlsdiag that includes OpenSSL's libcrypto.
 * Why libcrypto and not the `openssl req/x509` commands: the certificates
 * must have exactly one odd property each, and some of those cannot be
 * asked of the commands reliably across versions: the validity encoding
 * chosen per field (UTCTime 2018 beside GeneralizedTime 2118, RFC 5280
 * section 4.1.2.5), SHA-1 signatures, RSA 1024 keys, a self-signed leaf
 * with CA:TRUE and a CN but no subjectAltName (the ESP8266 report), a
 * not-yet-valid leaf.  Building them with X509_* gives full control and
 * no dependence on openssl.cnf.  (wolfSSL stays the client's library; the
 * servers are OpenSSL-based anyway.)
 *
 * How this works: the catalogue (certs_catalogue.c) says, per certificate, its issuer,
 * key type, digest, subject, subjectAltName and validity.  certs_path()
 * makes a certificate on first use, after its issuer (recursively), keeps
 * cert and key in memory for issuing, and writes .pem, .der, .key (0600)
 * and .chain.pem.  Files already present are loaded instead, so servers
 * sharing one run dir share one root.
 */
#include "harness/servers/certs.h"

#include "harness/servers/certs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>



#define CERTS_OWN_MAX 20

enum certs_file { FILE_PEM, FILE_DER, FILE_KEY, FILE_CHAIN, FILE_N };

static const char *const certs_ext[FILE_N] = { "pem", "der", "key", "chain.pem" };

#define CERTS_AHEAD 8 /* keys made ahead at once: a run's CAs and one leaf key per type */

struct certs_entry {
	X509 *cert;
	EVP_PKEY *key;
	char *path[FILE_N];
};

struct certs {
	char *dir;
	struct certs_entry e[CERTS_N];
	EVP_PKEY *leaf_key[KEY_N]; /* one key per type for all leaves of the set */
	EVP_PKEY *ready[KEY_N][CERTS_AHEAD]; /* made ahead by certs_make_keys_ahead, taken by certs_keygen */
	unsigned nready[KEY_N];
	unsigned pool_used[KEY_N]; /* keys taken from $TLSDIAG_KEY_POOL, per type */
	char *dh_path;
	/* a user's imported files (certs_import): file name -> path */
	char *own_file[CERTS_OWN_MAX], *own_path[CERTS_OWN_MAX];
	size_t n_own;
};

/* Puts OpenSSL's first queued error (or what) into err; returns -1. */
static int certs_fail(char *err, size_t errlen, const char *what, const char *name)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	snprintf(err, errlen, "certificate %s: %s%s%s", name, what, e ? ": " : "", buf);
	return -1;
}

struct certs *certs_open(const char *dir, char *err, size_t errlen)
{
	struct certs *set;
	struct stat st;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: not a private directory of this user (want mode 0700)", dir);
		return NULL;
	}
	set = calloc(1, sizeof *set);
	if (!set || !(set->dir = strdup(dir))) {
		free(set);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return set;
}

void certs_close(struct certs *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < CERTS_N; i++) {
		X509_free(set->e[i].cert);
		EVP_PKEY_free(set->e[i].key);
		for (int f = 0; f < FILE_N; f++)
			free(set->e[i].path[f]);
	}
	for (int k = 0; k < KEY_N; k++) {
		EVP_PKEY_free(set->leaf_key[k]);
		for (unsigned r = 0; r < set->nready[k]; r++)
			EVP_PKEY_free(set->ready[k][r]);
	}
	for (size_t i = 0; i < set->n_own; i++) {
		free(set->own_file[i]);
		free(set->own_path[i]);
	}
	free(set->dh_path);
	free(set->dir);
	free(set);
}

const char *certs_dir(const struct certs *set)
{
	return set->dir;
}

/*
 * Writes a memory BIO's bytes to path with mode (0600 for keys, 0644
 * otherwise), as a new file: never through a link planted at path, never
 * into a file that is there (EEXIST fails, see certs_write_file).
 */
static int certs_write(const char *path, BIO *mem, mode_t mode, char *err, size_t errlen)
{
	char *data;
	long len = BIO_get_mem_data(mem, &data);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode), rc = -1;
	if (fd < 0 || fchmod(fd, mode) != 0) {
		snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
			 fd < 0 && errno == EEXIST ? " (not overwritten)" : "");
		goto out;
	}
	while (len > 0) {
		ssize_t n = write(fd, data, (size_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		data += n;
		len -= n;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

static const char *const certs_key_names[KEY_N] = { "rsa2048", "rsa1024", "rsa4096", "p256" };
static const int certs_key_bits[KEY_N] = { 2048, 1024, 4096, 256 };

/*
 * A key from the pool $TLSDIAG_KEY_POOL names, when set: the PEM private
 * key "<type>-<n>.pem" (rsa2048-1.pem, p256-1.pem, ...), n counting from 1
 * per type and set, so no two certificates of a set share a pooled key.
 * NULL when there is no pool, no such file or a key of another type: then
 * one is generated.  Why: generating RSA keys is libcrypto's prime search,
 * minutes under valgrind with nothing of ours in it; tests/valgrind.sh
 * fills a pool natively once.
 */
static EVP_PKEY *certs_pool_key(struct certs *set, enum certs_key k)
{
	const char *pool = getenv("TLSDIAG_KEY_POOL");
	char path[PATH_MAX];
	BIO *b;
	EVP_PKEY *key;
	if (!pool || !*pool ||
	    snprintf(path, sizeof path, "%s/%s-%u.pem", pool, certs_key_names[k], ++set->pool_used[k]) >=
		    (int)sizeof path)
		return NULL;
	b = BIO_new_file(path, "r");
	key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	ERR_clear_error();
	if (key && (EVP_PKEY_get_bits(key) != certs_key_bits[k] ||
		    !EVP_PKEY_is_a(key, k == KEY_P256 ? "EC" : "RSA"))) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}

static EVP_PKEY *certs_keygen_new(enum certs_key k)
{
	switch (k) {
	case KEY_RSA2048:
		return EVP_RSA_gen(2048);
	case KEY_RSA1024:
		return EVP_RSA_gen(1024);
	case KEY_RSA4096:
		return EVP_RSA_gen(4096);
	case KEY_P256:
		return EVP_EC_gen("P-256");
	default:
		return NULL;
	}
}

static EVP_PKEY *certs_keygen(struct certs *set, enum certs_key k)
{
	EVP_PKEY *pooled = certs_pool_key(set, k);
	if (pooled)
		return pooled;
	if (set->nready[k])
		return set->ready[k][--set->nready[k]];
	return certs_keygen_new(k);
}

struct certs_ahead {
	enum certs_key type;
	EVP_PKEY *key;
	pthread_t thread;
	bool started;
};

static void *certs_ahead_main(void *arg)
{
	struct certs_ahead *a = arg;
	a->key = certs_keygen_new(a->type);
	return NULL;
}

static bool certs_on_disk(const struct certs *set, int i)
{
	char path[PATH_MAX];
	return snprintf(path, sizeof path, "%s/%s.pem", set->dir, certs_specs[i].info.name) < (int)sizeof path &&
	       access(path, F_OK) == 0;
}

/*
 * The new keys certificates want[0..n) and their issuers will need, made at
 * once, a thread each: RSA generation is a prime search (0.1 to 0.5 s a
 * 2048-bit key here), and a run's first server otherwise makes its root,
 * intermediate and leaf keys, then the wrong-CA cases' other root, one
 * after the other.  Without a key pool only (its keys are read in order,
 * and cost nothing).
 */
static void certs_make_keys_ahead(struct certs *set, const int *want, size_t nwant)
{
	struct certs_ahead a[CERTS_AHEAD];
	bool leaf[KEY_N] = { false }, seen[CERTS_N] = { false };
	size_t n = 0;
	const char *pool = getenv("TLSDIAG_KEY_POOL");
	if (pool && *pool)
		return;
	unsigned need[KEY_N] = { 0 };
	/* Up each chain until a certificate that exists: its issuers exist too (they are made first). */
	for (size_t w = 0; w < nwant; w++)
		for (int j = want[w]; j >= 0 && !seen[j] && !set->e[j].cert && !certs_on_disk(set, j);) {
			const struct certs_spec *s = &certs_specs[j];
			seen[j] = true;
			if (s->info.ca || (!set->leaf_key[s->key] && !leaf[s->key]))
				need[s->key]++;
			leaf[s->key] |= !s->info.ca;
			j = s->info.issuer ? certs_index(s->info.issuer, strlen(s->info.issuer)) : -1;
		}
	/* Only what is not made yet (a second call for the same chain makes none). */
	for (int k = 0; k < KEY_N; k++)
		for (unsigned m = set->nready[k]; m < need[k] && m < CERTS_AHEAD && n < CERTS_AHEAD; m++)
			a[n++] = (struct certs_ahead){ .type = (enum certs_key)k };
	if (n < 2)
		return;
	for (size_t k = 0; k < n; k++)
		a[k].started = pthread_create(&a[k].thread, NULL, certs_ahead_main, &a[k]) == 0;
	for (size_t k = 0; k < n; k++) {
		if (a[k].started)
			pthread_join(a[k].thread, NULL);
		/* A key that failed is made again, in line, when its certificate is. */
		if (a[k].key && set->nready[a[k].type] < CERTS_AHEAD)
			set->ready[a[k].type][set->nready[a[k].type]++] = a[k].key;
		else
			EVP_PKEY_free(a[k].key);
	}
}

/*
 * The key of a new certificate (a reference the caller frees).  CAs get
 * their own; leaves of one key type share one: no leaf is named for its
 * key's identity, and RSA generation is most of the time a run spends
 * making certificates (one key per leaf made a server's set-up several
 * times slower, and much more under valgrind).
 */
static EVP_PKEY *certs_key_for(struct certs *set, const struct certs_spec *s)
{
	EVP_PKEY **shared = &set->leaf_key[s->key];
	if (s->info.ca)
		return certs_keygen(set, s->key);
	if (!*shared && !(*shared = certs_keygen(set, s->key)))
		return NULL;
	return EVP_PKEY_up_ref(*shared) ? *shared : NULL;
}

/* "/K=V/K=V" into an X509_NAME. */
static int certs_name(X509_NAME *n, const char *subject)
{
	char buf[256], *save = NULL, *tok;
	if (snprintf(buf, sizeof buf, "%s", subject) >= (int)sizeof buf)
		return -1;
	for (tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return -1;
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8, (const unsigned char *)eq + 1, -1, -1, 0))
			return -1;
	}
	return 0;
}

static int certs_ext_add(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok = ext && X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* Sets notBefore/notAfter as the spec says; relative times take OpenSSL's RFC 5280 choice of encoding. */
static int certs_validity(X509 *x, const struct certs_spec *s)
{
	const long day = 86400, year = 365 * 86400L;
	ASN1_TIME *nb = X509_getm_notBefore(x), *na = X509_getm_notAfter(x);
	switch (s->validity) {
	case VAL_CA:
		return X509_gmtime_adj(nb, -day) && X509_gmtime_adj(na, 10 * year) ? 0 : -1;
	case VAL_LEAF:
		return X509_gmtime_adj(nb, -3600) && X509_gmtime_adj(na, year) ? 0 : -1;
	case VAL_EXPIRED:
		return X509_gmtime_adj(nb, -2 * year) && X509_gmtime_adj(na, -year) ? 0 : -1;
	case VAL_NOT_YET:
		return X509_gmtime_adj(nb, year) && X509_gmtime_adj(na, 2 * year) ? 0 : -1;
	case VAL_UNTIL_2118:
		/* 15 characters: ASN1_TIME_set_string keeps it a GeneralizedTime */
		return X509_gmtime_adj(nb, -3600) && ASN1_TIME_set_string(na, ESP_NOT_AFTER) ? 0 : -1;
	case VAL_FIXED:
		return ASN1_TIME_set_string(nb, s->not_before) && ASN1_TIME_set_string(na, s->not_after) ? 0 : -1;
	default:
		return -1;
	}
}

static int certs_extensions(X509 *x, X509 *issuer, const struct certs_spec *s)
{
	X509V3_CTX ctx;
	bool ec = s->key == KEY_P256;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if (certs_ext_add(x, &ctx, NID_subject_key_identifier, "hash") != 0 ||
	    certs_ext_add(x, &ctx, NID_authority_key_identifier, "keyid:always") != 0)
		return -1;
	switch (s->use) {
	case USE_CA:
		return certs_ext_add(x, &ctx, NID_basic_constraints,
				     s->info.issuer ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE") ||
				       certs_ext_add(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign")
			       ? -1
			       : 0;
	case USE_SELFSIGNED: /* what 'openssl req -x509' wrote in 2018: SKI, AKI, critical CA:TRUE */
		return certs_ext_add(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	case USE_SERVER:
	case USE_CLIENT:
		if (certs_ext_add(x, &ctx, NID_basic_constraints, "CA:FALSE") != 0 ||
		    certs_ext_add(x, &ctx, NID_key_usage,
				  ec ? "critical,digitalSignature" : "critical,digitalSignature,keyEncipherment") != 0 ||
		    certs_ext_add(x, &ctx, NID_ext_key_usage, s->use == USE_SERVER ? "serverAuth" : "clientAuth") != 0)
			return -1;
		return s->san ? certs_ext_add(x, &ctx, NID_subject_alt_name, s->san) : 0;
	default:
		return -1;
	}
}

static int certs_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int ok = bn && BN_rand(bn, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
		 BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? 0 : -1;
}

static int certs_ensure(struct certs *set, int i, char *err, size_t errlen);

/* Builds certificate i (its issuer is ready) in memory. */
static int certs_make(struct certs *set, int i, char *err, size_t errlen)
{
	const struct certs_spec *s = &certs_specs[i];
	struct certs_entry *e = &set->e[i];
	X509 *x = NULL, *issuer;
	EVP_PKEY *key = NULL, *ikey;
	const char *name = s->info.name;
	int rc = -1;

	if (!(key = certs_key_for(set, s))) {
		certs_fail(err, errlen, "key generation failed", name);
		goto out;
	}
	if (!(x = X509_new()) || !X509_set_version(x, 2) || certs_serial(x) != 0 ||
	    certs_name(X509_get_subject_name(x), s->subject) != 0 || !X509_set_pubkey(x, key) ||
	    certs_validity(x, s) != 0) {
		certs_fail(err, errlen, "building the certificate failed", name);
		goto out;
	}
	if (s->info.issuer) {
		int j = certs_index(s->info.issuer, strlen(s->info.issuer));
		issuer = set->e[j].cert;
		ikey = set->e[j].key;
	} else {
		issuer = x;
		ikey = key;
	}
	if (!X509_set_issuer_name(x, X509_get_subject_name(issuer)) || certs_extensions(x, issuer, s) != 0) {
		certs_fail(err, errlen, "adding extensions failed", name);
		goto out;
	}
	if (!X509_sign(x, ikey, EVP_get_digestbyname(s->md))) {
		certs_fail(err, errlen, "signing failed", name);
		goto out;
	}
	e->cert = x;
	e->key = key;
	x = NULL;
	key = NULL;
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* Loads certificate i from a previous run's files in the dir; 0 loaded, -1 not there. */
static int certs_load(struct certs *set, int i)
{
	struct certs_entry *e = &set->e[i];
	BIO *b = NULL;
	int rc = -1;
	if (!(b = BIO_new_file(e->path[FILE_PEM], "r")) || !(e->cert = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		goto out;
	BIO_free(b);
	if (!(b = BIO_new_file(e->path[FILE_KEY], "r")) ||
	    !(e->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)))
		goto out;
	/* A reused dir's leaf key becomes the shared one, so later leaves match it. */
	if (!certs_specs[i].info.ca && !set->leaf_key[certs_specs[i].key] && EVP_PKEY_up_ref(e->key))
		set->leaf_key[certs_specs[i].key] = e->key;
	rc = 0;
out:
	BIO_free(b);
	ERR_clear_error();
	if (rc != 0) {
		X509_free(e->cert);
		EVP_PKEY_free(e->key);
		e->cert = NULL;
		e->key = NULL;
	}
	return rc;
}

/*
 * certs_write where a file may be there from an earlier run: a regular file
 * is kept (keep) or removed first; anything else there (a symbolic link, even
 * a dangling one) is refused, so a key is never written where a link points.
 */
static int certs_write_file(const char *path, BIO *mem, mode_t mode, bool keep, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: is not a regular file (a symbolic link?): refused, not written", path);
			return -1;
		}
		if (keep)
			return 0;
		if (unlink(path) != 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return certs_write(path, mem, mode, err, errlen);
}

/*
 * Writes the four files of certificate i; with only_missing (it was loaded
 * from the dir) just those not there, so a file a running server may be
 * reading is never truncated and rewritten.
 */
static int certs_save(struct certs *set, int i, bool only_missing, char *err, size_t errlen)
{
	struct certs_entry *e = &set->e[i];
	const char *name = certs_specs[i].info.name;
	BIO *m[FILE_N] = { NULL, NULL, NULL, NULL };
	int rc = -1, j = i;
	for (int f = 0; f < FILE_N; f++)
		if (!(m[f] = BIO_new(BIO_s_mem())))
			goto fail;
	if (!PEM_write_bio_X509(m[FILE_PEM], e->cert) || !i2d_X509_bio(m[FILE_DER], e->cert) ||
	    !PEM_write_bio_PrivateKey(m[FILE_KEY], e->key, NULL, NULL, 0, NULL, NULL))
		goto fail;
	/* chain: this certificate, then its issuers, stopping before a self-signed one */
	while (j >= 0) {
		if (!PEM_write_bio_X509(m[FILE_CHAIN], set->e[j].cert))
			goto fail;
		if (!certs_specs[j].info.issuer)
			break;
		j = certs_index(certs_specs[j].info.issuer, strlen(certs_specs[j].info.issuer));
		if (!certs_specs[j].info.issuer)
			break;
	}
	for (int f = 0; f < FILE_N; f++)
		if (certs_write_file(e->path[f], m[f], f == FILE_KEY ? 0600 : 0644, only_missing, err, errlen) != 0)
			goto out;
	rc = 0;
	goto out;
fail:
	certs_fail(err, errlen, "encoding failed", name);
out:
	for (int f = 0; f < FILE_N; f++)
		BIO_free(m[f]);
	return rc;
}

/* Makes (or loads) certificate i and its issuers, and writes their files. */
static int certs_ensure(struct certs *set, int i, char *err, size_t errlen)
{
	const struct certs_spec *s = &certs_specs[i];
	struct certs_entry *e = &set->e[i];
	if (e->cert)
		return 0;
	if (s->info.issuer && certs_ensure(set, certs_index(s->info.issuer, strlen(s->info.issuer)), err, errlen) != 0)
		return -1;
	for (int f = 0; f < FILE_N; f++)
		if (!e->path[f] && asprintf(&e->path[f], "%s/%s.%s", set->dir, s->info.name, certs_ext[f]) < 0) {
			e->path[f] = NULL;
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	bool loaded = certs_load(set, i) == 0;
	if (!loaded && certs_make(set, i, err, errlen) != 0)
		return -1;
	return certs_save(set, i, loaded, err, errlen);
}

/*
 * dh1024.pem: the 1024-bit MODP group of RFC 2409 section 6.2 (generator 2),
 * deliberately too small (Logjam, RFC 7919's reason for ffdhe2048 and up).
 * Fixed parameters: generating safe primes per run would be slow for nothing.
 */
static int certs_dh1024(struct certs *set, char *err, size_t errlen)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *p = NULL, *g = NULL;
	BIO *mem = NULL;
	char *path = NULL;
	int rc = -1;

	if (set->dh_path)
		return 0;
	if (asprintf(&path, "%s/dh1024.pem", set->dir) < 0) {
		path = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!(p = BN_get_rfc2409_prime_1024(NULL)) || !(g = BN_new()) || !BN_set_word(g, 2) ||
	    !(bld = OSSL_PARAM_BLD_new()) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) || !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) <= 0 || !(mem = BIO_new(BIO_s_mem())) ||
	    !PEM_write_bio_Parameters(mem, pkey)) {
		certs_fail(err, errlen, "DH parameters failed", "dh1024");
		goto out;
	}
	if (certs_write_file(path, mem, 0644, false, err, errlen) != 0)
		goto out;
	set->dh_path = path;
	path = NULL;
	rc = 0;
out:
	free(path);
	BIO_free(mem);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	return rc;
}

const char *certs_path(struct certs *set, const char *file, char *err, size_t errlen)
{
	const char *dot = strchr(file, '.');
	int i;
	if (strcmp(file, "dh1024.pem") == 0)
		return certs_dh1024(set, err, errlen) == 0 ? set->dh_path : NULL;
	for (size_t k = 0; k < set->n_own; k++)
		if (strcmp(file, set->own_file[k]) == 0)
			return set->own_path[k];
	i = dot ? certs_index(file, (size_t)(dot - file)) : -1;
	if (i < 0) {
		snprintf(err, errlen, "no certificate file '%s' in the factory (see docs/servers.md)", file);
		return NULL;
	}
	for (int f = 0; f < FILE_N; f++) {
		if (strcmp(dot + 1, certs_ext[f]) != 0)
			continue;
		certs_make_keys_ahead(set, &i, 1);
		if (certs_ensure(set, i, err, errlen) != 0)
			return NULL;
		return set->e[i].path[f];
	}
	snprintf(err, errlen, "'%s': a certificate file ends in .pem, .der, .key or .chain.pem", file);
	return NULL;
}

int certs_make_all(struct certs *set, const char *const *names, size_t n, char *err, size_t errlen)
{
	int want[CERTS_N] = { 0 };
	size_t nw = 0;
	char file[96];
	for (size_t k = 0; k < n && nw < CERTS_N; k++) {
		int j = certs_index(names[k], strlen(names[k]));
		if (j >= 0)
			want[nw++] = j;
	}
	certs_make_keys_ahead(set, want, nw);
	for (size_t k = 0; k < n; k++)
		if (snprintf(file, sizeof file, "%s.pem", names[k]) >= (int)sizeof file ||
		    !certs_path(set, file, err, errlen))
			return -1;
	return 0;
}

/* ---- a user's own chain, and descriptions ---- */

/* Every certificate of a PEM file, in order; NULL (err set) when it has none or one is broken. */
static STACK_OF(X509) *certs_read_all(const char *path, char *err, size_t errlen)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO *b = BIO_new_file(path, "r");
	X509 *x;
	if (!sk || !b) {
		snprintf(err, errlen, "%s: %s", path, b ? "out of memory" : strerror(errno));
		goto fail;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto fail;
		}
	/* the loop ends on PEM_R_NO_START_LINE at the end of the file; anything else is a broken one */
	unsigned long e = ERR_peek_last_error();
	if (sk_X509_num(sk) == 0 || (e && ERR_GET_REASON(e) != PEM_R_NO_START_LINE)) {
		snprintf(err, errlen, "%s: %s", path,
			 sk_X509_num(sk) == 0 ? "no PEM certificate in it" : "a certificate in it does not parse");
		goto fail;
	}
	ERR_clear_error();
	BIO_free(b);
	return sk;
fail:
	ERR_clear_error();
	BIO_free(b);
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

/* Writes mem to the set's dir as file and registers it for certs_path. */
static int certs_own_add(struct certs *set, const char *file, BIO *mem, mode_t mode, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (set->n_own >= CERTS_OWN_MAX) {
		snprintf(err, errlen, "too many imported certificate files");
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s", set->dir, file);
	if (certs_write_file(path, mem, mode, false, err, errlen) != 0)
		return -1;
	if (!(set->own_file[set->n_own] = strdup(file)) || !(set->own_path[set->n_own] = strdup(path))) {
		free(set->own_file[set->n_own]);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	set->n_own++;
	return 0;
}

int certs_import(struct certs *set, const char *name, const char *cert_file, const char *key_file,
		 const char *ca_file, int *has_chain, char *err, size_t errlen)
{
	STACK_OF(X509) *chain = NULL, *ca = NULL;
	EVP_PKEY *key = NULL;
	BIO *b = NULL, *m[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	/* the leaf (PEM, DER), its key, the intermediates, the CA (PEM, DER) */
	static const char *const suffix[6] = { ".pem", ".der", ".key", "-chain.pem", "-ca.pem", "-ca.der" };
	char file[6][96];
	int rc = -1;
	*has_chain = 0;
	if (!(chain = certs_read_all(cert_file, err, errlen)) || !(ca = certs_read_all(ca_file, err, errlen)))
		goto out;
	if (!(b = BIO_new_file(key_file, "r")) || !(key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL))) {
		snprintf(err, errlen, "%s: no PEM private key in it (an encrypted key is not supported)", key_file);
		goto out;
	}
	if (X509_check_private_key(sk_X509_value(chain, 0), key) != 1) {
		snprintf(err, errlen, "%s does not match the first certificate of %s", key_file, cert_file);
		goto out;
	}
	for (int i = 0; i < 6; i++) {
		snprintf(file[i], sizeof file[i], "%s%s", name, suffix[i]);
		if (!(m[i] = BIO_new(BIO_s_mem())))
			goto enc;
	}
	if (!PEM_write_bio_X509(m[0], sk_X509_value(chain, 0)) || !i2d_X509_bio(m[1], sk_X509_value(chain, 0)) ||
	    !PEM_write_bio_PrivateKey(m[2], key, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_X509(m[4], sk_X509_value(ca, 0)) || !i2d_X509_bio(m[5], sk_X509_value(ca, 0)))
		goto enc;
	for (int i = 1; i < sk_X509_num(chain); i++)
		if (!PEM_write_bio_X509(m[3], sk_X509_value(chain, i)))
			goto enc;
	*has_chain = sk_X509_num(chain) > 1;
	for (int i = 0; i < 6; i++)
		if ((i != 3 || *has_chain) && certs_own_add(set, file[i], m[i], i == 2 ? 0600 : 0644, err, errlen) != 0)
			goto out;
	rc = 0;
	goto out;
enc:
	snprintf(err, errlen, "%s: encoding failed", cert_file);
out:
	for (int i = 0; i < 6; i++)
		BIO_free(m[i]);
	BIO_free(b);
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(ca, X509_free);
	ERR_clear_error();
	return rc;
}

static void certs_time(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "?");
}

static void certs_name_text(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long got;
	buf[0] = '\0';
	if (b && X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (got = BIO_get_mem_data(b, &data)) > 0)
		snprintf(buf, len, "%.*s", (int)got, data);
	BIO_free(b);
}

static void certs_describe_one(X509 *x, struct certs_desc *d)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	char group[32] = "";
	size_t glen = 0;
	memset(d, 0, sizeof *d);
	certs_name_text(X509_get_subject_name(x), d->subject, sizeof d->subject);
	certs_name_text(X509_get_issuer_name(x), d->issuer, sizeof d->issuer);
	certs_time(X509_get0_notBefore(x), d->not_before, sizeof d->not_before);
	certs_time(X509_get0_notAfter(x), d->not_after, sizeof d->not_after);
	if (k && EVP_PKEY_get_group_name(k, group, sizeof group, &glen) == 1)
		snprintf(d->key, sizeof d->key, "%s %s", EVP_PKEY_get0_type_name(k), group);
	else if (k)
		snprintf(d->key, sizeof d->key, "%s %d", EVP_PKEY_get0_type_name(k), EVP_PKEY_get_bits(k));
	snprintf(d->signature, sizeof d->signature, "%s", OBJ_nid2ln(X509_get_signature_nid(x)));
	d->ca = X509_check_ca(x) != 0 && (X509_get_extension_flags(x) & EXFLAG_CA);
	d->self_signed = X509_check_issued(x, x) == X509_V_OK;
	GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t off = 0;
	for (int i = 0; san && i < sk_GENERAL_NAME_num(san) && off + 1 < sizeof d->names; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
		const unsigned char *v = NULL;
		int w = 0;
		if (g->type == GEN_DNS) {
			v = ASN1_STRING_get0_data(g->d.dNSName);
			w = snprintf(d->names + off, sizeof d->names - off, "%sDNS:%.*s", off ? ", " : "",
				     ASN1_STRING_length(g->d.dNSName), (const char *)v);
		} else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == 4) {
			v = ASN1_STRING_get0_data(g->d.iPAddress);
			w = snprintf(d->names + off, sizeof d->names - off, "%sIP:%u.%u.%u.%u", off ? ", " : "", v[0],
				     v[1], v[2], v[3]);
		}
		off += w > 0 ? (size_t)w : 0;
	}
	GENERAL_NAMES_free(san);
	ERR_clear_error();
}

int certs_describe(const char *path, struct certs_desc *d, size_t max, size_t *n, char *err, size_t errlen)
{
	STACK_OF(X509) *sk = certs_read_all(path, err, errlen);
	*n = 0;
	if (!sk)
		return -1;
	for (int i = 0; i < sk_X509_num(sk) && *n < max; i++)
		certs_describe_one(sk_X509_value(sk, i), &d[(*n)++]);
	sk_X509_pop_free(sk, X509_free);
	return 0;
}
