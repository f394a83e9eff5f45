/*
 * test_servers_cmd.c - 'tlsdiag servers' as a user meets it: the list and
 * one profile's settings and chain (text and JSON), a user's own profile
 * file with their own certificate chain (made here by the openssl CLI)
 * served by real Apache and openssl s_server and verified by a real
 * 'openssl s_client', broken user profiles refused with their reason, and
 * every JSON report (servers, decode, run) validated against the schemas
 * in docs/schema/ (python3-jsonschema).
 */
#include "tests/support/testutil.h"

#include "harness/core/json.h"

#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *argv0;
static char tl[PATH_MAX]; /* the tlsdiag binary, absolute */
static char tmp[PATH_MAX / 2]; /* this suite's directory: the user's own chain and profiles */

/* Runs tlsdiag with up to four arguments (NULL ends them early) in cwd; stdout in *out, stderr in *err. */
static int tlsdiag(const char *cwd, char **out, char **err, const char *a0, const char *a1, const char *a2,
		   const char *a3)
{
	const char *const args[] = { tl, a0, a1, a2, a3, NULL };
	return tu_run(args, cwd, out, err);
}

/* Writes text to tmp/name; its path in path. */
static void write_file(const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", tmp, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* JSON text to a file under tmp, validated against docs/schema/<schema>; why not on stderr unless quiet. */
static int valid_as(const char *schema, const char *json, const char *name, bool quiet)
{
	char path[PATH_MAX], sch[PATH_MAX], *err = NULL;
	write_file(name, json, path, sizeof path);
	snprintf(sch, sizeof sch, "docs/schema/%s", schema);
	int rc = tu_json_valid(sch, path, &err);
	if (rc != 0 && !quiet)
		fprintf(stderr, "%s against %s: %s\n", name, schema, err);
	free(err);
	return rc;
}

static int valid(const char *schema, const char *json, const char *name)
{
	return valid_as(schema, json, name, false);
}

START_TEST(test_list)
{
	char *out = NULL, err[256];
	ck_assert_int_eq(tlsdiag(NULL, &out, NULL, "servers", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "\nselfsigned-apache  apache    "));
	free(out);
	ck_assert_int_eq(tlsdiag(NULL, &out, NULL, "servers", "--json", NULL, NULL), 0);
	ck_assert_int_eq(valid("servers.schema.json", out, "list.json"), 0);
	struct jv *j = jv_parse_string(out, err, sizeof err);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(jv_intval(jv_get(j, "format_version")), 1);
	/* every servers/NAME.ini, and nothing else */
	const struct jv *p = jv_get(j, "profiles");
	ck_assert_uint_eq(jv_len(p), 18);
	ck_assert_str_eq(jv_str(jv_get(jv_at(p, 0), "name")), "apache-default");
	jv_free(j);
	free(out);
}
END_TEST

START_TEST(test_show_selfsigned)
{
	char *out = NULL, err[256];
	ck_assert_int_eq(tlsdiag(NULL, &out, NULL, "servers", "--show", "selfsigned-apache", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "  ciphers            EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH\n"));
	ck_assert_ptr_nonnull(strstr(out, "valid     2018-06-11 10:30:37 UTC .. 2118-05-18 10:30:37 UTC\n"));
	ck_assert_ptr_nonnull(strstr(out, "(self-signed)"));
	free(out);
	ck_assert_int_eq(tlsdiag(NULL, &out, NULL, "servers", "--show", "selfsigned-apache", "--json"), 0);
	ck_assert_int_eq(valid("servers.schema.json", out, "selfsigned.json"), 0);
	struct jv *j = jv_parse_string(out, err, sizeof err);
	ck_assert_ptr_nonnull(j);
	const struct jv *chain = jv_get(j, "chain");
	ck_assert_uint_eq(jv_len(chain), 2); /* the leaf is its own anchor */
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 0), "role")), "leaf");
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 0), "not_after")), "2118-05-18 10:30:37 UTC");
	ck_assert(jv_boolval(jv_get(jv_at(chain, 0), "self_signed")));
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 0), "names")), "");
	ck_assert_str_eq(jv_str(jv_get(jv_get(j, "tls"), "versions")), "TLS 1.0, TLS 1.1, TLS 1.2, TLS 1.3");
	jv_free(j);
	free(out);
}
END_TEST

START_TEST(test_show_azure_chain)
{
	char *out = NULL, err[256];
	ck_assert_int_eq(tlsdiag(NULL, &out, NULL, "servers", "--show", "azure-like", "--json"), 0);
	struct jv *j = jv_parse_string(out, err, sizeof err);
	ck_assert_ptr_nonnull(j);
	const struct jv *chain = jv_get(j, "chain");
	ck_assert_uint_eq(jv_len(chain), 3);
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 1), "role")), "intermediate");
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 1), "subject")), "O = tlsdiag, CN = tlsdiag Test Intermediate CA");
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 0), "names")),
			 "DNS:*.servicebus.tlsdiag.test, DNS:servicebus.tlsdiag.test");
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 2), "role")), "anchor");
	ck_assert_str_eq(jv_str(jv_get(j, "host")), "ns1.servicebus.tlsdiag.test");
	ck_assert_str_eq(jv_str(jv_get(jv_get(j, "sni"), "policy")), "vhosts");
	jv_free(j);
	free(out);
	char *e = NULL;
	ck_assert_int_eq(tlsdiag(NULL, NULL, &e, "servers", "--show", "no-such-profile", NULL), 2);
	ck_assert_ptr_nonnull(strstr(e, "unknown profile 'no-such-profile'"));
	free(e);
}
END_TEST

/* ---- a user's own chain ---- */

static void openssl(const char *const *args)
{
	char *err = NULL;
	int rc = tu_run(args, tmp, NULL, &err);
	ck_assert_msg(rc == 0, "openssl %s: %s", args[1], err);
	free(err);
}

/* root -> inter -> leaf for device.example, made by the openssl CLI in tmp; fullchain.pem = leaf + inter. */
static void make_own_chain(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/fullchain.pem", tmp);
	if (access(path, F_OK) == 0)
		return; /* an earlier case of this run made it */
	write_file("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n", path,
		   sizeof path);
	write_file("leaf.ext", "basicConstraints=CA:FALSE\nsubjectAltName=DNS:device.example\n"
			       "extendedKeyUsage=serverAuth\n", path, sizeof path);
	const char *const root[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key",
				     "-out", "root.pem", "-subj", "/CN=My Own Root", "-days", "30", "-addext",
				     "basicConstraints=critical,CA:TRUE", NULL };
	const char *const ireq[] = { "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "inter.key",
				     "-out", "inter.csr", "-subj", "/CN=My Own Intermediate", NULL };
	const char *const isign[] = { "openssl", "x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey",
				      "root.key", "-CAcreateserial", "-out", "inter.pem", "-days", "30", "-extfile",
				      "ca.ext", NULL };
	const char *const lreq[] = { "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out",
				     "leaf.csr", "-subj", "/CN=device.example", NULL };
	const char *const lsign[] = { "openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "inter.pem", "-CAkey",
				      "inter.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "30", "-extfile",
				      "leaf.ext", NULL };
	openssl(root);
	openssl(ireq);
	openssl(isign);
	openssl(lreq);
	openssl(lsign);
	char leafp[PATH_MAX], interp[PATH_MAX];
	snprintf(leafp, sizeof leafp, "%s/leaf.pem", tmp);
	snprintf(interp, sizeof interp, "%s/inter.pem", tmp);
	char *l = tu_slurp(leafp, NULL), *i = tu_slurp(interp, NULL), both[16384];
	ck_assert(l && i);
	snprintf(both, sizeof both, "%s%s", l, i);
	write_file("fullchain.pem", both, path, sizeof path);
	free(l);
	free(i);
}

static void write_profile(const char *name, const char *server, const char *key, char *path, size_t len)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "[profile]\ndescription = my device's server, my own chain\nserver = %s\n\n"
		 "[tls]\nprotocols = -all +TLSv1.2\n\n"
		 "[certificate]\ncert_file = fullchain.pem\nkey_file = %s\nca_file = root.pem\nhost = device.example\n",
		 server, key);
	write_file(name, text, path, len);
}

START_TEST(test_show_own_profile)
{
	char path[PATH_MAX], *out = NULL, err[256];
	make_own_chain();
	write_profile("mine.ini", "s_server", "leaf.key", path, sizeof path);
	ck_assert_int_eq(tlsdiag(tmp, &out, NULL, "servers", "--show", "./mine.ini", "--json"), 0);
	ck_assert_int_eq(valid("servers.schema.json", out, "mine.json"), 0);
	struct jv *j = jv_parse_string(out, err, sizeof err);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(jv_str(jv_get(j, "name")), "mine");
	ck_assert_str_eq(jv_str(jv_get(j, "file")), "./mine.ini");
	const struct jv *chain = jv_get(j, "chain");
	ck_assert_uint_eq(jv_len(chain), 3);
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 0), "subject")), "CN = device.example");
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 1), "subject")), "CN = My Own Intermediate");
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 2), "role")), "anchor");
	ck_assert_str_eq(jv_str(jv_get(jv_at(chain, 2), "subject")), "CN = My Own Root");
	jv_free(j);
	free(out);
}
END_TEST

/* Serves the user's profile and verifies it with s_client against the user's own root. */
static void serve_own(const char *server)
{
	char path[PATH_MAX], buf[16384], *out = NULL, *port;
	size_t n = 0;
	int fd, st;
	make_own_chain();
	write_profile("served.ini", server, "leaf.key", path, sizeof path);
	const char *const args[] = { tl, "serve", "./served.ini", NULL };
	pid_t pid = tu_spawn(args, tmp, &fd);
	int up = tu_read_until(fd, buf, sizeof buf, &n, "Ctrl-C stops the server", tu_bound_ms(30000));
	ck_assert_msg(up, "no banner:\n%s", buf);
	port = strstr(buf, "serving on 127.0.0.1:");
	ck_assert_ptr_nonnull(port);
	char connect[32];
	snprintf(connect, sizeof connect, "127.0.0.1:%ld", strtol(port + strlen("serving on 127.0.0.1:"), NULL, 10));
	const char *const s_client[] = { "openssl", "s_client", "-connect", connect, "-servername", "device.example",
					 "-CAfile", "root.pem", "-verify_return_error", "-verify_hostname",
					 "device.example", "-showcerts", NULL };
	int rc = tu_run(s_client, tmp, &out, NULL);
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	close(fd);
	ck_assert_msg(rc == 0, "s_client: %d\n%s", rc, out);
	ck_assert_ptr_nonnull(strstr(out, "Verify return code: 0 (ok)"));
	/* the intermediate is sent: the chain has depth 0 and 1 */
	ck_assert_ptr_nonnull(strstr(out, " 1 s:CN = My Own Intermediate"));
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(out);
}

START_TEST(test_serve_own_s_server)
{
	serve_own("s_server");
}
END_TEST

START_TEST(test_serve_own_apache)
{
	serve_own("apache");
}
END_TEST

START_TEST(test_own_profile_refused)
{
	char path[PATH_MAX], *e = NULL;
	make_own_chain();
	/* the key of another certificate */
	write_profile("wrongkey.ini", "s_server", "inter.key", path, sizeof path);
	ck_assert_int_eq(tlsdiag(tmp, NULL, &e, "serve", "./wrongkey.ini", NULL, NULL), 2);
	ck_assert_msg(strstr(e, "inter.key does not match the first certificate of") != NULL, "%s", e);
	free(e);
	/* a file that is not there */
	write_file("nokey.ini",
		   "[profile]\ndescription = x\nserver = s_server\n[certificate]\ncert_file = fullchain.pem\n"
		   "key_file = missing.key\nca_file = root.pem\n",
		   path, sizeof path);
	ck_assert_int_eq(tlsdiag(tmp, NULL, &e, "servers", "--show", "./nokey.ini", NULL), 2);
	ck_assert_msg(strstr(e, "key_file = ") && strstr(e, "missing.key: No such file or directory"), "%s", e);
	free(e);
	/* both a factory leaf and a file */
	write_file("both.ini",
		   "[profile]\ndescription = x\nserver = s_server\n[certificate]\nleaf = valid\nanchor = root\n"
		   "cert_file = fullchain.pem\nkey_file = leaf.key\nca_file = root.pem\n",
		   path, sizeof path);
	ck_assert_int_eq(tlsdiag(tmp, NULL, &e, "servers", "--show", "./both.ini", NULL), 2);
	ck_assert_msg(strstr(e, "cert_file replaces leaf, chain and anchor") != NULL, "%s", e);
	free(e);
	/* not a regular file */
	ck_assert_int_eq(tlsdiag(tmp, NULL, &e, "serve", "/dev/null", NULL, NULL), 2);
	ck_assert_msg(strstr(e, "not a regular file") != NULL, "%s", e);
	free(e);
}
END_TEST

/* ---- the schemas ---- */

START_TEST(test_schema_decode)
{
	char *out = NULL;
	ck_assert_int_eq(tlsdiag(NULL, &out, NULL, "decode", "tests/data/captures/alert40.pcap", "--format", "json"), 0);
	ck_assert_int_eq(valid("decode.schema.json", out, "decode.json"), 0);
	ck_assert(strncmp(out, "{\"format_version\":1,", 20) == 0);
	/* the schema holds a report to its version: another fails */
	char *v2 = strdup(out);
	v2[18] = '2';
	ck_assert_int_ne(valid_as("decode.schema.json", v2, "decode2.json", true), 0);
	free(v2);
	free(out);
}
END_TEST

START_TEST(test_schema_run)
{
	char out_dir[PATH_MAX], path[PATH_MAX + 16], *out = NULL, *err = NULL;
	snprintf(out_dir, sizeof out_dir, "%s/run", tmp);
	const char *const args[] = { tl, "run", "--filter", "esp8266-apache-selfsigned/*", "--out", out_dir, NULL };
	int rc = tu_run(args, NULL, &out, NULL);
	ck_assert_msg(rc == 0, "run: %d\n%s", rc, out);
	snprintf(path, sizeof path, "%s/report.json", out_dir);
	ck_assert_int_eq(tu_json_valid("docs/schema/run.schema.json", path, &err), 0);
	struct jv *j = tu_report_json(out_dir);
	ck_assert_int_eq(jv_intval(jv_get(j, "format_version")), 1);
	jv_free(j);
	free(err);
	free(out);
}
END_TEST

static Suite *servers_cmd_suite(void)
{
	Suite *s = suite_create("servers_cmd");
	TCase *t = tcase_create("servers");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_list);
	tcase_add_test(t, test_show_selfsigned);
	tcase_add_test(t, test_show_azure_chain);
	tcase_add_test(t, test_show_own_profile);
	tcase_add_test(t, test_serve_own_s_server);
	tcase_add_test(t, test_serve_own_apache);
	tcase_add_test(t, test_own_profile_refused);
	suite_add_tcase(s, t);
	TCase *sch = tcase_create("schemas");
	tcase_set_timeout(sch, 120);
	tcase_add_test(sch, test_schema_decode);
	tcase_add_test(sch, test_schema_run);
	suite_add_tcase(s, sch);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	if (tu_tlsdiag_abs(argv0, tl, sizeof tl) != 0)
		return 2;
	snprintf(tmp, sizeof tmp, "/tmp/tlsdiag-servers-XXXXXX");
	if (!mkdtemp(tmp))
		return 2;
	SRunner *sr = srunner_create(servers_cmd_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_rm_tree(tmp);
	return failed ? 1 : 0;
}
