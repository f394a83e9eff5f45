/*
 * test_certs.c - the certificate factory: each certificate has exactly the
 * property it is named for.
 *
 * Checked with the `openssl` command (x509 -text, asn1parse, verify,
 * dhparam), not libcrypto: certs.c is the only file that may include
 * libcrypto, and an independent reader is the better witness anyway.
 * The factory dir is made once in main(); each forked test opens it again,
 * so later tests also exercise loading a run's existing files.
 */
#include "harness/servers/certs.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[] = "/tmp/tlsdiag-test-certs-XXXXXX";
static char dir[64];
static struct certs *set;

static void setup(void)
{
	char err[256];
	set = certs_open(dir, err, sizeof err);
	ck_assert_msg(set != NULL, "%s", err);
}

static void teardown(void)
{
	certs_close(set);
}

static const char *path(const char *file)
{
	char err[256];
	const char *p = certs_path(set, file, err, sizeof err);
	ck_assert_msg(p != NULL, "%s: %s", file, err);
	return p;
}

/* Runs a shell command; returns its output (static buffer) and sets *rc to its exit status. */
static const char *run(int *rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *run(int *rc, const char *fmt, ...)
{
	static char out[65536];
	char cmd[2048];
	va_list ap;
	size_t n;
	FILE *p;
	int st;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	st = pclose(p);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

static const char *text(const char *name)
{
	char file[64];
	int rc;
	const char *out;
	snprintf(file, sizeof file, "%s.pem", name);
	out = run(&rc, "openssl x509 -noout -text -in '%s' 2>&1", path(file));
	ck_assert_msg(rc == 0, "openssl x509 failed (is openssl installed?): %s", out);
	return out;
}

/* openssl verify leaf against root (+ inter as untrusted), with extra options; returns output. */
static const char *verify(int *rc, const char *root, const char *leaf, const char *opts)
{
	char r[64], l[64];
	snprintf(r, sizeof r, "%s.pem", root);
	snprintf(l, sizeof l, "%s.pem", leaf);
	return run(rc, "openssl verify %s -CAfile '%s' -untrusted '%s' '%s' 2>&1", opts, path(r), path("inter.pem"),
		   path(l));
}

#define HAS(hay, needle) ck_assert_msg(strstr((hay), (needle)) != NULL, "no '%s' in:\n%.1500s", (needle), (hay))
#define HASNT(hay, needle) ck_assert_msg(strstr((hay), (needle)) == NULL, "'%s' in:\n%.1500s", (needle), (hay))

START_TEST(root_and_intermediate_are_cas)
{
	const char *t = text("root");
	HAS(t, "Issuer: O = tlsdiag, CN = tlsdiag Test Root CA");
	HAS(t, "Subject: O = tlsdiag, CN = tlsdiag Test Root CA");
	HAS(t, "CA:TRUE");
	HAS(t, "Certificate Sign, CRL Sign");
	HAS(t, "Public-Key: (2048 bit)");
	HAS(t, "sha256WithRSAEncryption");
	t = text("inter");
	HAS(t, "Issuer: O = tlsdiag, CN = tlsdiag Test Root CA");
	HAS(t, "CA:TRUE, pathlen:0");
}
END_TEST

START_TEST(valid_chain_verifies)
{
	int rc;
	const char *t = text("valid"), *out;
	HAS(t, "DNS:tlsdiag.test, DNS:localhost, IP Address:127.0.0.1");
	HAS(t, "CA:FALSE");
	HAS(t, "TLS Web Server Authentication");
	out = verify(&rc, "root", "valid", "-verify_hostname tlsdiag.test -purpose sslserver");
	ck_assert_msg(rc == 0, "%s", out);
	out = verify(&rc, "other-root", "valid", "");
	ck_assert_int_ne(rc, 0);
	HAS(out, "unable to get local issuer certificate");
}
END_TEST

START_TEST(expired_and_not_yet_valid)
{
	int rc;
	const char *out = verify(&rc, "root", "expired", "");
	ck_assert_int_ne(rc, 0);
	HAS(out, "certificate has expired");
	out = verify(&rc, "root", "not-yet-valid", "");
	ck_assert_int_ne(rc, 0);
	HAS(out, "certificate is not yet valid");
}
END_TEST

START_TEST(names)
{
	int rc;
	const char *t, *out;
	out = verify(&rc, "root", "wrong-host", "-verify_hostname tlsdiag.test");
	ck_assert_int_ne(rc, 0);
	HAS(out, "hostname mismatch");
	t = text("cn-only");
	HAS(t, "Subject: CN = tlsdiag.test");
	HASNT(t, "Subject Alternative Name");
	t = text("ip-san");
	HAS(t, "IP Address:127.0.0.1");
	HASNT(t, "DNS:");
	out = verify(&rc, "root", "ip-san", "-verify_ip 127.0.0.1");
	ck_assert_msg(rc == 0, "%s", out);
	t = text("wildcard");
	HAS(t, "DNS:*.servicebus.tlsdiag.test");
	out = verify(&rc, "root", "wildcard", "-verify_hostname ns1.servicebus.tlsdiag.test");
	ck_assert_msg(rc == 0, "%s", out);
}
END_TEST

START_TEST(generalized_time_2118)
{
	int rc;
	const char *out = run(&rc, "openssl asn1parse -inform DER -in '%s' 2>&1", path("gentime-2118.der"));
	ck_assert_int_eq(rc, 0);
	HAS(out, "UTCTIME"); /* notBefore: now, UTCTime as RFC 5280 wants before 2050 */
	HAS(out, "GENERALIZEDTIME   :21180518103037Z");
}
END_TEST

START_TEST(selfsigned_is_the_esp8266_certificate)
{
	int rc;
	const char *t = text("selfsigned"), *out;
	HAS(t, "Issuer: C = JP, ST = Japan, L = Tokyo, O = BestMe CO., OU = MIS, CN = 127.0.0.1");
	HAS(t, "Subject: C = JP, ST = Japan, L = Tokyo, O = BestMe CO., OU = MIS, CN = 127.0.0.1");
	HAS(t, "X509v3 Basic Constraints: critical\n                CA:TRUE\n");
	HASNT(t, "Subject Alternative Name");
	HASNT(t, "Key Usage");
	HAS(t, "Public-Key: (2048 bit)");
	HAS(t, "Signature Algorithm: sha256WithRSAEncryption");
	out = run(&rc, "openssl asn1parse -inform DER -in '%s' 2>&1", path("selfsigned.der"));
	HAS(out, "UTCTIME           :180611103037Z");
	HAS(out, "GENERALIZEDTIME   :21180518103037Z");
	out = run(&rc, "openssl verify -CAfile '%s' '%s' 2>&1", path("selfsigned.pem"), path("selfsigned.pem"));
	ck_assert_msg(rc == 0, "%s", out);
}
END_TEST

START_TEST(keys_and_signatures)
{
	const char *t = text("ecdsa");
	HAS(t, "id-ecPublicKey");
	HAS(t, "NIST CURVE: P-256");
	HAS(t, "Digital Signature"); /* and no Key Encipherment: an EC key cannot */
	HASNT(t, "Key Encipherment");
	HAS(text("rsa1024"), "Public-Key: (1024 bit)");
	HAS(text("rsa4096"), "Public-Key: (4096 bit)");
	t = text("sha1");
	HAS(t, "Signature Algorithm: sha1WithRSAEncryption");
	HASNT(t, "sha256");
}
END_TEST

/* Leaves of one key type share one key (made once per set); CAs each have their own. */
START_TEST(leaves_share_a_key_cas_do_not)
{
	char sub[96], err[256];
	const char *certs_named[] = { "valid", "expired", "client", "root", "inter", "rsa1024" };
	char *key[sizeof certs_named / sizeof certs_named[0]];
	snprintf(sub, sizeof sub, "%s/fresh", dir);
	struct certs *fresh = certs_open(sub, err, sizeof err);
	ck_assert_msg(fresh != NULL, "%s", err);
	for (size_t i = 0; i < sizeof certs_named / sizeof certs_named[0]; i++) {
		char file[64];
		snprintf(file, sizeof file, "%s.key", certs_named[i]);
		const char *p = certs_path(fresh, file, err, sizeof err);
		ck_assert_msg(p != NULL, "%s: %s", file, err);
		key[i] = tu_slurp(p, NULL);
		ck_assert_ptr_nonnull(key[i]);
	}
	certs_close(fresh);
	for (size_t i = 1; i < 3; i++) /* the RSA 2048 leaves */
		ck_assert_msg(strcmp(key[0], key[i]) == 0, "%s has a key of its own", certs_named[i]);
	for (size_t i = 3; i < 6; i++) /* the CAs, the RSA 1024 leaf */
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(key[i], key[j]) != 0, "%s and %s share a key", certs_named[i], certs_named[j]);
	for (size_t i = 0; i < 6; i++)
		free(key[i]);
}
END_TEST

/* What a server asks for at once (certs_make_all): made with keys generated together, none shared
 * between CAs, every chain verifying with openssl; a name not in the catalogue is an error. */
START_TEST(made_at_once_with_keys_of_their_own)
{
	char sub[96], err[256], r[160], l[160], in[160];
	const char *want[] = { "valid", "root", "other-root" };
	const char *named[] = { "valid", "inter", "root", "other-root" };
	char *key[4];
	int rc;
	snprintf(sub, sizeof sub, "%s/at-once", dir);
	struct certs *fresh = certs_open(sub, err, sizeof err);
	ck_assert_msg(fresh != NULL, "%s", err);
	ck_assert_msg(certs_make_all(fresh, want, 3, err, sizeof err) == 0, "%s", err);
	for (size_t i = 0; i < 4; i++) {
		char file[192];
		snprintf(file, sizeof file, "%s/%s.key", sub, named[i]);
		key[i] = tu_slurp(file, NULL); /* on disk already: made, not on first use */
		ck_assert_msg(key[i] != NULL, "%s not made", file);
	}
	for (size_t i = 1; i < 4; i++)
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(key[i], key[j]) != 0, "%s and %s share a key", named[i], named[j]);
	for (size_t i = 0; i < 4; i++)
		free(key[i]);
	snprintf(r, sizeof r, "%s/root.pem", sub);
	snprintf(in, sizeof in, "%s/inter.pem", sub);
	snprintf(l, sizeof l, "%s/valid.pem", sub);
	const char *out = run(&rc, "openssl verify -CAfile '%s' -untrusted '%s' '%s' 2>&1", r, in, l);
	ck_assert_msg(rc == 0, "%s", out);
	snprintf(r, sizeof r, "%s/other-root.pem", sub);
	out = run(&rc, "openssl verify -CAfile '%s' -untrusted '%s' '%s' 2>&1", r, in, l);
	ck_assert_int_ne(rc, 0); /* the other root signed nothing of this chain */
	const char *bad[] = { "valid", "no-such-cert" };
	ck_assert_int_eq(certs_make_all(fresh, bad, 2, err, sizeof err), -1);
	HAS(err, "no-such-cert");
	certs_close(fresh);
}
END_TEST

/* Writes a key made by `openssl genpkey` (an independent maker) into the pool dir. */
static void pool_key(const char *pool, const char *file, const char *args)
{
	int rc;
	const char *out = run(&rc, "umask 077; openssl genpkey %s -out '%s/%s' 2>&1", args, pool, file);
	ck_assert_msg(rc == 0, "openssl genpkey: %s", out);
}

/* $TLSDIAG_KEY_POOL: keys taken in order per type, one per certificate; a wrong one is not used. */
START_TEST(key_pool_is_used_in_order)
{
	char pool[96], sub[96], err[256], file[160];
	const char *old = getenv("TLSDIAG_KEY_POOL");
	char *saved = old ? strdup(old) : NULL;
	snprintf(pool, sizeof pool, "%s/pool", dir);
	snprintf(sub, sizeof sub, "%s/pooled", dir);
	ck_assert_int_eq(mkdir(pool, 0700), 0);
	pool_key(pool, "rsa2048-1.pem", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048");
	pool_key(pool, "rsa2048-2.pem", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"); /* the wrong type */
	ck_assert_int_eq(setenv("TLSDIAG_KEY_POOL", pool, 1), 0);
	struct certs *pooled = certs_open(sub, err, sizeof err);
	ck_assert_msg(pooled != NULL, "%s", err);
	const char *inter = certs_path(pooled, "inter.key", err, sizeof err); /* makes root (key 1), then inter */
	ck_assert_msg(inter != NULL, "%s", err);
	certs_close(pooled);
	if (saved)
		setenv("TLSDIAG_KEY_POOL", saved, 1);
	else
		unsetenv("TLSDIAG_KEY_POOL");
	free(saved);
	int rc;
	snprintf(file, sizeof file, "%s/root.key", sub);
	char *root_key = strdup(run(&rc, "openssl pkey -in '%s' -pubout 2>&1", file));
	ck_assert_int_eq(rc, 0);
	snprintf(file, sizeof file, "%s/rsa2048-1.pem", pool);
	ck_assert_str_eq(run(&rc, "openssl pkey -in '%s' -pubout 2>&1", file), root_key);
	free(root_key);
	/* inter did not take the EC key filed as rsa2048-2: it has an RSA 2048 key of its own. */
	snprintf(file, sizeof file, "%s/inter.key", sub);
	HAS(run(&rc, "openssl pkey -in '%s' -text -noout 2>&1", file), "Private-Key: (2048 bit, 2 primes)");
}
END_TEST

START_TEST(client_certificates_and_other_ca)
{
	int rc;
	const char *t = text("client"), *out;
	HAS(t, "TLS Web Client Authentication");
	HAS(t, "Issuer: O = tlsdiag, CN = tlsdiag Test Root CA");
	out = verify(&rc, "root", "client", "-purpose sslclient");
	ck_assert_msg(rc == 0, "%s", out);
	out = verify(&rc, "root", "other-client", "-purpose sslclient");
	ck_assert_int_ne(rc, 0);
	out = verify(&rc, "other-root", "other-client", "-purpose sslclient");
	ck_assert_msg(rc == 0, "%s", out);
	out = verify(&rc, "other-root", "other-leaf", "");
	ck_assert_msg(rc == 0, "%s", out);
}
END_TEST

START_TEST(files_pem_der_chain_modes)
{
	int rc;
	struct stat st;
	char a[128], b[128];
	const char *out;
	/* DER and PEM are the same certificate */
	out = run(&rc, "openssl x509 -noout -fingerprint -sha256 -in '%s'", path("root.pem"));
	snprintf(a, sizeof a, "%s", out);
	out = run(&rc, "openssl x509 -noout -fingerprint -sha256 -inform DER -in '%s'", path("root.der"));
	snprintf(b, sizeof b, "%s", out);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(a, b);
	/* chain: leaf then intermediate, not the root */
	out = run(&rc, "grep -c 'BEGIN CERTIFICATE' '%s'", path("valid.chain.pem"));
	ck_assert_str_eq(out, "2\n");
	out = run(&rc, "grep -c 'BEGIN CERTIFICATE' '%s'", path("selfsigned.chain.pem"));
	ck_assert_str_eq(out, "1\n");
	ck_assert_int_eq(stat(path("valid.key"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(path("valid.pem"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	out = run(&rc, "openssl pkey -noout -in '%s' 2>&1", path("ecdsa.key"));
	ck_assert_msg(rc == 0, "%s", out);
}
END_TEST

START_TEST(dh1024_parameters)
{
	int rc;
	const char *out = run(&rc, "openssl pkeyparam -noout -text -in '%s' 2>&1", path("dh1024.pem"));
	ck_assert_msg(rc == 0, "%s", out);
	HAS(out, "(1024 bit)");
}
END_TEST

START_TEST(existing_files_are_reused)
{
	char err[256], fp[128];
	int rc;
	struct certs *again;
	const char *p;
	snprintf(fp, sizeof fp, "%s", run(&rc, "openssl x509 -noout -fingerprint -in '%s'", path("root.pem")));
	again = certs_open(dir, err, sizeof err);
	ck_assert_ptr_nonnull(again);
	p = certs_path(again, "valid.pem", err, sizeof err); /* issued by the same root */
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(run(&rc, "openssl x509 -noout -fingerprint -in '%s'", certs_path(again, "root.pem", err, sizeof err)), fp);
	certs_close(again);
}
END_TEST

START_TEST(bad_names_and_dirs)
{
	char err[256], bad[80];
	ck_assert_ptr_null(certs_path(set, "nope.pem", err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "no certificate file 'nope.pem'"));
	ck_assert_ptr_null(certs_path(set, "valid.txt", err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "ends in .pem, .der, .key or .chain.pem"));
	ck_assert_ptr_null(certs_path(set, "valid", err, sizeof err));
	ck_assert_ptr_nonnull(certs_info("wildcard"));
	ck_assert_str_eq(certs_info("wildcard")->host, "ns1.servicebus.tlsdiag.test");
	ck_assert_ptr_null(certs_info("nope"));
	/* a dir others can read is refused: keys must not land there */
	snprintf(bad, sizeof bad, "%s/open", tmp);
	ck_assert_int_eq(mkdir(bad, 0755), 0);
	ck_assert_ptr_null(certs_open(bad, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "mode 0700"));
	rmdir(bad);
}
END_TEST

/* A symbolic link planted at a key's path: certs fails, naming it, and the link's target is untouched. */
START_TEST(planted_symlink_at_a_key_path_is_refused)
{
	char err[512], d[96], target[96], link[128], buf[64] = "";
	snprintf(d, sizeof d, "%s/planted", tmp);
	snprintf(target, sizeof target, "%s/target", tmp);
	snprintf(link, sizeof link, "%s/root.key", d);
	ck_assert_int_eq(mkdir(d, 0700), 0);
	FILE *f = fopen(target, "w");
	ck_assert_ptr_nonnull(f);
	fputs("untouched\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(symlink(target, link), 0);
	struct certs *planted = certs_open(d, err, sizeof err);
	ck_assert_msg(planted != NULL, "%s", err);
	ck_assert_ptr_null(certs_path(planted, "root.pem", err, sizeof err));
	char want[256];
	snprintf(want, sizeof want, "%s: is not a regular file (a symbolic link?): refused, not written", link);
	ck_assert_str_eq(err, want);
	certs_close(planted);
	f = fopen(target, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	ck_assert_str_eq(buf, "untouched\n");
	struct stat st;
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 10);
}
END_TEST

static Suite *certs_suite(void)
{
	Suite *s = suite_create("certs");
	TCase *tc = tcase_create("factory");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, root_and_intermediate_are_cas);
	tcase_add_test(tc, valid_chain_verifies);
	tcase_add_test(tc, expired_and_not_yet_valid);
	tcase_add_test(tc, names);
	tcase_add_test(tc, generalized_time_2118);
	tcase_add_test(tc, selfsigned_is_the_esp8266_certificate);
	tcase_add_test(tc, keys_and_signatures);
	tcase_add_test(tc, leaves_share_a_key_cas_do_not);
	tcase_add_test(tc, made_at_once_with_keys_of_their_own);
	tcase_add_test(tc, key_pool_is_used_in_order);
	tcase_add_test(tc, client_certificates_and_other_ca);
	tcase_add_test(tc, files_pem_der_chain_modes);
	tcase_add_test(tc, dh1024_parameters);
	tcase_add_test(tc, existing_files_are_reused);
	tcase_add_test(tc, bad_names_and_dirs);
	tcase_add_test(tc, planted_symlink_at_a_key_path_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;
	char cmd[128];
	if (!mkdtemp(tmp)) {
		perror(tmp);
		return EXIT_FAILURE;
	}
	snprintf(dir, sizeof dir, "%s/certs", tmp);
	sr = srunner_create(certs_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
