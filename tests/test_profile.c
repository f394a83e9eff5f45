/* test_profile.c - server profiles: every shipped INI parses; bad ones fail with the key named. */
#include "harness/servers/profile.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define MIN_OK "[profile]\ndescription = d\nserver = s_server\n[certificate]\nleaf = valid\nanchor = root\n"

START_TEST(shipped_profiles_parse)
{
	struct profile p;
	char err[512];
	int n = 0;
	for (const char *const *name = profile_names(); *name; name++, n++)
		ck_assert_msg(profile_load(*name, &p, err, sizeof err) == 0, "%s", err);
	ck_assert_int_ge(n, 10);
	ck_assert_int_eq(profile_load("selfsigned-apache", &p, err, sizeof err), 0);
	ck_assert_uint_eq(p.kind, PROFILE_APACHE);
	ck_assert_str_eq(p.ciphers, "EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH");
	ck_assert_str_eq(p.protocols, "All -SSLv2 -SSLv3");
	ck_assert_uint_eq(p.versions, PROFILE_TLS10 | PROFILE_TLS11 | PROFILE_TLS12 | PROFILE_TLS13);
	ck_assert(p.honor_cipher_order);
	ck_assert_str_eq(p.host, "127.0.0.1");
	ck_assert_int_eq(p.n_directives, 4);
	ck_assert_int_eq(profile_load("azure-like", &p, err, sizeof err), 0);
	ck_assert_uint_eq(p.sni, PROFILE_SNI_VHOSTS);
	ck_assert_str_eq(p.host, "ns1.servicebus.tlsdiag.test");
	ck_assert_int_eq(profile_load("small-records", &p, err, sizeof err), 0);
	ck_assert_int_eq(p.max_fragment, 512);
	ck_assert_int_eq(p.security_level, -1);
}
END_TEST

START_TEST(protocol_words_as_mod_ssl)
{
	unsigned int v;
	ck_assert_int_eq(profile_versions("All -SSLv2 -SSLv3", &v), 0);
	ck_assert_uint_eq(v, PROFILE_TLS10 | PROFILE_TLS11 | PROFILE_TLS12 | PROFILE_TLS13);
	ck_assert_int_eq(profile_versions("-all +TLSv1.2 +TLSv1.3", &v), 0);
	ck_assert_uint_eq(v, PROFILE_TLS12 | PROFILE_TLS13);
	ck_assert_int_eq(profile_versions("TLSv1.2 TLSv1.3", &v), 0); /* a bare word replaces */
	ck_assert_uint_eq(v, PROFILE_TLS13);
	ck_assert_int_eq(profile_versions("tlsv1.1", &v), 0);
	ck_assert_uint_eq(v, PROFILE_TLS11);
	ck_assert_int_eq(profile_versions("+TLSv1.4", &v), -1);
	ck_assert_int_eq(profile_versions("", &v), 0);
	ck_assert_uint_eq(v, 0);
}
END_TEST

static void bad(const char *text, const char *why)
{
	struct profile p;
	char err[512] = "";
	ck_assert_int_eq(profile_parse("t", text, &p, err, sizeof err), -1);
	ck_assert_msg(strstr(err, why) != NULL, "'%s' not in '%s'", why, err);
	ck_assert_msg(strncmp(err, "servers/t.ini", 13) == 0, "%s", err);
}

START_TEST(bad_profiles_rejected)
{
	struct profile p;
	char err[512];
	ck_assert_int_eq(profile_parse("t", MIN_OK, &p, err, sizeof err), 0);
	ck_assert_str_eq(p.host, "tlsdiag.test");
	bad(MIN_OK "[tls]\nbogus = 1\n", "[tls] bogus: unknown key");
	bad(MIN_OK "[tls]\nhonor_cipher_order = maybe\n", "bad value");
	bad(MIN_OK "[tls]\nmax_fragment = -5\n", "bad value");
	bad(MIN_OK "[tls]\nprotocols = TLSv9\n", "SSLProtocol words");
	bad("[profile]\ndescription = d\nserver = iis\n", "bad value");
	bad("[profile]\ndescription = d\nserver = apache\n", "needs [profile] server");
	bad(MIN_OK "[certificate]\nchain = inter nope\n", "'nope' is not a certificate");
	bad(MIN_OK "[sni]\npolicy = vhosts\ndefault_leaf = wrong-host\n", "needs server = apache");
	bad(MIN_OK "[client_auth]\npolicy = require\n", "needs a ca");
	bad(MIN_OK "[apache]\ndirective = SSLCompression off\n", "needs server = apache");
	bad(MIN_OK "[tls]\ndh_params = dh512.pem\n", "only dh1024.pem");
	bad("[profile\n", "syntax error");
}
END_TEST

START_TEST(unknown_profile_lists_known)
{
	struct profile p;
	char err[1024];
	ck_assert_int_eq(profile_load("nope", &p, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown profile 'nope' (known: apache-default azure-2015"));
	ck_assert_int_eq(profile_load("../servers/azure-like", &p, err, sizeof err), -1);
	ck_assert_int_eq(profile_load("azure-like", &p, err, 40), 0);
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, shipped_profiles_parse);
	tcase_add_test(tc, protocol_words_as_mod_ssl);
	tcase_add_test(tc, bad_profiles_rejected);
	tcase_add_test(tc, unknown_profile_lists_known);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(profile_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
