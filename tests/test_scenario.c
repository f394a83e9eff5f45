/* test_scenario.c - scenario files: parsing, matrix expansion, expectations per combination, and
 * every error a bad file gets, with its file and line. */
#include "harness/run/scenario.h"
#include "harness/client/device.h"

#include "harness/servers/server.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct scenario_set set;
static char err[512];

/* Scenario text with @S1@/@S2@ replaced by the first two server profiles (whatever they are named). */
static char *subst(const char *text)
{
	const char *const *p = server_profiles();
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(p[0]);
	ck_assert_ptr_nonnull(p[1]);
	size_t cap = strlen(text) * 2 + 256, n = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	for (const char *s = text; *s;) {
		if (strncmp(s, "@S1@", 4) == 0 || strncmp(s, "@S2@", 4) == 0) {
			n += (size_t)snprintf(out + n, cap - n, "%s", p[s[2] - '1']);
			s += 4;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	return out;
}

static int load(const char *text)
{
	char *t = subst(text);
	err[0] = '\0';
	int rc = scenario_load_string(&set, "t.ini", t, err, sizeof err);
	free(t);
	return rc;
}

static void setup(void)
{
	scenario_set_init(&set);
}

static void teardown(void)
{
	scenario_set_free(&set);
}

/* The load fails with exactly this message. */
#define BAD(text, msg)                                  \
	do {                                            \
		size_t before_ = set.ncases;            \
		ck_assert_int_eq(load(text), -1);       \
		ck_assert_str_eq(err, msg);             \
		ck_assert_uint_eq(set.ncases, before_); \
	} while (0)

static const char *const header = "[scenario]\nname = s\nservers = @S1@\n";

static char *with_header(const char *rest)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s%s", header, rest);
	return buf;
}

START_TEST(minimal_file)
{
	ck_assert_int_eq(load("; a comment\n[scenario]\nname = founding\ndescription = the first one\n"
			      "reproduces = docs/reports.md#x\nservers = @S1@\n\n"
			      "[case plain]\nmethod = tls1.2\nverify = no\nexpect = connected\nnote = just works\n"),
			 0);
	ck_assert_uint_eq(set.nscenarios, 1);
	ck_assert_uint_eq(set.ncases, 1);
	const struct scenario *sc = set.scenarios[0];
	ck_assert_str_eq(sc->name, "founding");
	ck_assert_str_eq(sc->description, "the first one");
	ck_assert_str_eq(sc->reproduces, "docs/reports.md#x");
	ck_assert_str_eq(sc->servers[0], server_profiles()[0]);
	ck_assert_ptr_null(sc->servers[1]);
	const struct scenario_case *c = &set.cases[0];
	ck_assert_ptr_eq(c->scenario, sc);
	ck_assert_str_eq(c->name, "plain");
	ck_assert_str_eq(c->combo, "");
	ck_assert_int_eq(c->line, 8);
	ck_assert_int_eq(c->expect_line, 11);
	ck_assert_str_eq(c->value[SCN_METHOD], "tls1.2");
	ck_assert_str_eq(c->value[SCN_VERIFY], "no");
	ck_assert_str_eq(c->value[SCN_SERVER], server_profiles()[0]);
	ck_assert_ptr_null(c->value[SCN_CA]);
	ck_assert_int_eq(c->expect.kind, EXPECT_CONNECTED);
	ck_assert_str_eq(c->note, "just works");
}
END_TEST

START_TEST(matrix_with_override)
{
	ck_assert_int_eq(load(with_header("[case methods]\nmethod = tls1.0, tls1.1, tls1.2, tls1.3\n"
					  "expect = alert:protocol_version@server\n"
					  "expect[method is tls1.2 or tls1.3] = connected\n")),
			 0);
	ck_assert_uint_eq(set.ncases, 4);
	ck_assert_str_eq(set.cases[0].name, "methods[method=tls1.0]");
	ck_assert_str_eq(set.cases[0].combo, "method=tls1.0");
	ck_assert_str_eq(set.cases[0].base, "methods");
	ck_assert_str_eq(set.cases[3].value[SCN_METHOD], "tls1.3");
	ck_assert_int_eq(set.cases[0].expect.kind, EXPECT_ALERT);
	ck_assert_int_eq(set.cases[0].expect.alert, 70);
	ck_assert_int_eq(set.cases[0].expect.by, SENDER_SERVER);
	ck_assert_int_eq(set.cases[0].expect_line, 6);
	ck_assert_int_eq(set.cases[1].expect.kind, EXPECT_ALERT);
	ck_assert_int_eq(set.cases[2].expect.kind, EXPECT_CONNECTED);
	ck_assert_int_eq(set.cases[2].expect_line, 7);
	ck_assert_int_eq(set.cases[3].expect.kind, EXPECT_CONNECTED);
	ck_assert_uint_eq(set.scenarios[0]->first_case, 0);
	ck_assert_uint_eq(set.scenarios[0]->ncases, 4);
}
END_TEST

START_TEST(two_dimensions_first_slowest_and_most_specific_wins)
{
	ck_assert_int_eq(load(with_header("[case m]\nmethod = tls1.2, tls1.3\nca = root, other\n"
					  "expect = connected\n"
					  "expect[ca is other] = alert:unknown_ca@client\n"
					  "expect[ca is other and method is tls1.3] = alert:48\n"
					  "note[method is tls1.3] = the newest\n")),
			 0);
	ck_assert_uint_eq(set.ncases, 4);
	ck_assert_str_eq(set.cases[0].name, "m[method=tls1.2,ca=root]");
	ck_assert_str_eq(set.cases[1].name, "m[method=tls1.2,ca=other]");
	ck_assert_str_eq(set.cases[2].name, "m[method=tls1.3,ca=root]");
	ck_assert_str_eq(set.cases[3].name, "m[method=tls1.3,ca=other]");
	ck_assert_int_eq(set.cases[0].expect.kind, EXPECT_CONNECTED);
	ck_assert_int_eq(set.cases[1].expect.kind, EXPECT_ALERT);
	ck_assert_int_eq(set.cases[1].expect.by, SENDER_CLIENT);
	ck_assert_int_eq(set.cases[3].expect.kind, EXPECT_ALERT);
	ck_assert_int_eq(set.cases[3].expect.alert, 48);
	ck_assert_int_eq(set.cases[3].expect.by, SENDER_ANY);
	ck_assert_ptr_null(set.cases[0].note);
	ck_assert_str_eq(set.cases[2].note, "the newest");
}
END_TEST

START_TEST(scenario_defaults_and_server_matrix)
{
	ck_assert_int_eq(load("[scenario]\nname = s\nservers = @S1@, @S2@\ndevice = esp8266-axtls\nmethod = tls1.2\n"
			      "[case a]\nexpect = connected\n"
			      "[case b]\nserver = @S2@\nmethod = tls1.0\nexpect = error:MATCH_SUITE_ERROR\n"),
			 0);
	ck_assert_uint_eq(set.ncases, 3);
	char name[128];
	snprintf(name, sizeof name, "a[server=%s]", server_profiles()[1]);
	ck_assert_str_eq(set.cases[1].name, name);
	ck_assert_str_eq(set.cases[0].value[SCN_DEVICE], "esp8266-axtls");
	ck_assert_str_eq(set.cases[0].value[SCN_METHOD], "tls1.2");
	ck_assert_str_eq(set.cases[2].name, "b");
	ck_assert_str_eq(set.cases[2].value[SCN_SERVER], server_profiles()[1]);
	ck_assert_str_eq(set.cases[2].value[SCN_METHOD], "tls1.0");
	ck_assert_int_eq(set.cases[2].expect.kind, EXPECT_ERROR);
	ck_assert_int_eq(set.cases[2].expect.error, -501);
	ck_assert_str_eq(set.cases[2].expect.error_name, "MATCH_SUITE_ERROR");
}
END_TEST

START_TEST(multiline_values_and_index_conditions)
{
	ck_assert_int_eq(load("[scenario]\nname = s\ndescription = one\n  two = three\nservers = @S1@\n"
			      "[case c]\nmethod = tls1.0,\n  tls1.2\nciphers = AES128-SHA, ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA\n"
			      "expect = connected\nexpect[ciphers is #1] = alert:handshake_failure@server ; why\n"),
			 0);
	ck_assert_str_eq(set.scenarios[0]->description, "one two = three");
	ck_assert_uint_eq(set.ncases, 4);
	ck_assert_str_eq(set.cases[0].value[SCN_METHOD], "tls1.0");
	ck_assert_str_eq(set.cases[2].value[SCN_METHOD], "tls1.2");
	ck_assert_str_eq(set.cases[1].value[SCN_CIPHERS], "ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA");
	ck_assert_int_eq(set.cases[0].expect.kind, EXPECT_ALERT);
	ck_assert_int_eq(set.cases[1].expect.kind, EXPECT_CONNECTED);
}
END_TEST

START_TEST(every_field_value_accepted)
{
	ck_assert_int_eq(load(with_header("[case all]\ndevice = cc3200\nmethod = cc3200-default\n"
					  "ciphers = AES128-SHA\ngroups = P-256:X25519\nca = other\nca_format = pem-as-der\n"
					  "verify = yes\nsni = tlsdiag.servicebus.test\ncheck_name = 127.0.0.1\n"
					  "clock = 2000-01-01T00:00:00Z\nmax_fragment = 512\nclient_cert = yes\n"
					  "min_rsa_bits = 2048\nmin_dh_bits = none\nreject_sha1 = yes\nrx_record_limit = 4096\n"
					  "expect = error:-322\n")),
			 0);
	ck_assert_str_eq(set.cases[0].value[SCN_MIN_RSA_BITS], "2048");
	ck_assert_str_eq(set.cases[0].value[SCN_MIN_DH_BITS], "none");
	ck_assert_str_eq(set.cases[0].value[SCN_REJECT_SHA1], "yes");
	ck_assert_str_eq(set.cases[0].value[SCN_RX_RECORD_LIMIT], "4096");
	ck_assert_str_eq(scenario_field_name(SCN_RX_RECORD_LIMIT), "rx_record_limit");
	ck_assert_int_eq(set.cases[0].expect.error, -322);
	ck_assert_str_eq(set.cases[0].expect.error_name, "DOMAIN_NAME_MISMATCH");
	/* Typed once at load: what the worker runs. */
	const struct case_config *k = &set.cases[0].cfg;
	ck_assert_ptr_eq(k->device, device_find("cc3200"));
	ck_assert_int_eq(k->engine, ENGINE_WOLFSSL);
	ck_assert(k->has_method);
	ck_assert_int_eq(k->method, METHOD_SSLV3_TLS12);
	ck_assert_str_eq(k->ciphers, "AES128-SHA");
	ck_assert_str_eq(k->groups, "P-256:X25519");
	ck_assert_int_eq(k->ca, CASE_CA_OTHER);
	ck_assert(k->has_ca_format);
	ck_assert_int_eq(k->ca_format, CA_PEM_AS_DER);
	ck_assert(k->has_verify && k->verify);
	ck_assert(k->has_sni);
	ck_assert_int_eq(k->sni, SNI_OTHER);
	ck_assert_str_eq(k->sni_name, "tlsdiag.servicebus.test");
	ck_assert_int_eq(k->check, CASE_CHECK_GIVEN);
	ck_assert_str_eq(k->check_name, "127.0.0.1");
	ck_assert_int_eq(k->clock, 946684800);
	ck_assert_int_eq(k->max_fragment, 512);
	ck_assert(k->client_cert);
	ck_assert(k->has_min_rsa_bits);
	ck_assert_int_eq(k->min_rsa_bits, 2048);
	ck_assert(k->has_min_dh_bits);
	ck_assert_int_eq(k->min_dh_bits, 0);
	ck_assert(k->has_reject_sha1 && k->reject_sha1);
	ck_assert_int_eq(k->rx_record_limit, 4096);
	ck_assert_ptr_null(k->request);
}
END_TEST

START_TEST(engine_request_and_engine_error_names)
{
	ck_assert_int_eq(load(with_header("[case m]\ndevice = esp32-mbedtls\nengine = mbedtls, wolfssl\nrequest = wait:250\n"
					  "expect[engine is mbedtls] = error:MBEDTLS_ERR_X509_CERT_VERIFY_FAILED\n"
					  "expect[engine is wolfssl] = error:ASN_NO_SIGNER_E\n"
					  "[case b]\nengine = bearssl\nrequest = HEAD / HTTP/1.0\\r\\n\\r\\n\n"
					  "expect = error:BR_ERR_RECV_FATAL_ALERT\n"
					  "[case n]\nrequest = none\nexpect = error:BR_ERR_X509_NOT_TRUSTED\n")),
			 0);
	ck_assert_uint_eq(set.ncases, 4);
	ck_assert_str_eq(set.cases[0].value[SCN_ENGINE], "mbedtls");
	ck_assert_str_eq(set.cases[0].value[SCN_REQUEST], "wait:250");
	ck_assert_str_eq(set.cases[0].expect.error_name, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
	ck_assert_int_eq(set.cases[0].expect.error, 0); /* other engines' names match by name */
	ck_assert_str_eq(set.cases[1].expect.error_name, "ASN_NO_SIGNER_E");
	ck_assert_int_eq(set.cases[1].expect.error, -188);
	ck_assert_str_eq(set.cases[2].value[SCN_REQUEST], "HEAD / HTTP/1.0\\r\\n\\r\\n");
	ck_assert_str_eq(set.cases[2].expect.error_name, "BR_ERR_RECV_FATAL_ALERT");
	ck_assert_str_eq(set.cases[3].expect.error_name, "BR_ERR_X509_NOT_TRUSTED");
	/* The engine: the case's, else the device profile's, else wolfSSL. */
	ck_assert_int_eq(set.cases[0].cfg.engine, ENGINE_MBEDTLS);
	ck_assert_str_eq(set.cases[0].cfg.request, "wait:250");
	ck_assert_int_eq(set.cases[1].cfg.engine, ENGINE_WOLFSSL);
	ck_assert_ptr_eq(set.cases[1].cfg.device, device_find("esp32-mbedtls"));
	ck_assert_int_eq(set.cases[2].cfg.engine, ENGINE_BEARSSL);
	ck_assert_int_eq(set.cases[3].cfg.engine, ENGINE_WOLFSSL);
	ck_assert_int_eq(set.cases[3].cfg.check, CASE_CHECK_HOST);
	ck_assert_int_eq(set.cases[3].cfg.ca, CASE_CA_ROOT);
	enum client_engine e;
	ck_assert_int_eq(scenario_engine("bearssl", &e), 0);
	ck_assert_int_eq(e, ENGINE_BEARSSL);
	ck_assert_int_eq(scenario_engine("openssl", &e), -1);
	ck_assert_int_eq(scenario_request("wait:600001"), -1);
	ck_assert_int_eq(scenario_request("wait:"), -1);
	ck_assert_int_eq(scenario_request(""), -1);
}
END_TEST

START_TEST(two_files_and_duplicate_scenario)
{
	ck_assert_int_eq(load(with_header("[case a]\nexpect = connected\n")), 0);
	ck_assert_int_eq(load("[scenario]\nname = other\nservers = @S1@\n[case a]\nexpect = connected\n"), 0);
	ck_assert_uint_eq(set.nscenarios, 2);
	ck_assert_uint_eq(set.ncases, 2);
	ck_assert_uint_eq(set.scenarios[1]->first_case, 1);
	ck_assert_int_eq(load(with_header("[case z]\nexpect = connected\n")), -1);
	ck_assert_str_eq(err, "t.ini:1: scenario 's' is also defined in t.ini:1");
	ck_assert_uint_eq(set.ncases, 2);
	ck_assert_uint_eq(set.nscenarios, 2);
}
END_TEST

START_TEST(value_conversions)
{
	enum client_method m, min, max;
	enum ca_format f;
	time_t t;
	bool b;
	int n;
	ck_assert_int_eq(scenario_method("any>=tls1.2", &m, &min, &max), 0);
	ck_assert_int_eq(m, METHOD_ANY);
	ck_assert_int_eq(min, METHOD_TLS12);
	ck_assert_int_eq(max, METHOD_ANY);
	ck_assert_int_eq(scenario_method("any>=any", &m, &min, &max), -1);
	ck_assert_int_eq(scenario_method("tls1.3", &m, &min, &max), 0);
	ck_assert_int_eq(m, METHOD_TLS13);
	ck_assert_int_eq(scenario_method("cc3200-default", &m, &min, &max), 0);
	ck_assert_int_eq(m, METHOD_SSLV3_TLS12);
	ck_assert_int_eq(scenario_method("tls1.4", &m, &min, &max), -1);
	ck_assert_int_eq(scenario_ca_format("der-as-pem", &f), 0);
	ck_assert_int_eq(f, CA_DER_AS_PEM);
	ck_assert_int_eq(scenario_clock("now", &t), 0);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(scenario_clock("2000-01-01", &t), 0);
	ck_assert_int_eq(t, 946684800);
	ck_assert_int_eq(scenario_clock("2038-01-19T03:14:08Z", &t), 0);
	ck_assert_int_eq((long long)t, 2147483648LL);
	ck_assert_int_eq(scenario_clock("2023-02-30", &t), -1);
	ck_assert_int_eq(scenario_clock("1970-01-01", &t), -1);
	ck_assert_int_eq(scenario_clock("2000-1-01", &t), -1);
	ck_assert_int_eq(scenario_clock("2000-01-01T00:00:00", &t), -1);
	ck_assert_int_eq(scenario_bool("no", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(scenario_bool("true", &b), -1);
	ck_assert_int_eq(scenario_max_fragment("none", &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(scenario_max_fragment("1024", &n), 0);
	ck_assert_int_eq(n, 1024);
	ck_assert_int_eq(scenario_max_fragment("1000", &n), -1);
	ck_assert_int_eq(scenario_key_bits("none", &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(scenario_key_bits("2048", &n), 0);
	ck_assert_int_eq(n, 2048);
	ck_assert_int_eq(scenario_key_bits("16000", &n), 0);
	ck_assert_int_eq(scenario_key_bits("16008", &n), -1);
	ck_assert_int_eq(scenario_key_bits("2047", &n), -1);
	ck_assert_int_eq(scenario_key_bits("128", &n), -1);
	ck_assert_int_eq(scenario_key_bits("+2048", &n), -1);
	ck_assert_int_eq(scenario_key_bits("2048 ", &n), -1);
	ck_assert_int_eq(scenario_key_bits("", &n), -1);
	ck_assert_int_eq(scenario_record_limit("none", &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(scenario_record_limit("1024", &n), 0);
	ck_assert_int_eq(n, 1024);
	ck_assert_int_eq(scenario_record_limit("18432", &n), 0);
	ck_assert_int_eq(scenario_record_limit("18433", &n), -1);
	ck_assert_int_eq(scenario_record_limit("63", &n), -1);
	ck_assert_int_eq(scenario_record_limit("99999999999999999999", &n), -1);
	ck_assert_int_eq(scenario_record_limit("1k", &n), -1);
}
END_TEST

/* ---- bad files: each error, with its line ---- */

/* network: one list of faults per case (its commas are not a matrix), checked at load. */
START_TEST(network_faults)
{
	ck_assert_int_eq(load(with_header("[case a]\nnetwork = reset-after:client_hello, latency:300ms\nexpect = "
					  "error:SOCKET_ERROR_E\n[case b]\nexpect = connected\n"
					  "[case c]\nnetwork = none\nexpect = connected\n")),
			 0);
	ck_assert_uint_eq(set.ncases, 3);
	ck_assert_str_eq(set.cases[0].name, "a");
	ck_assert_str_eq(set.cases[0].network, "reset-after:client_hello, latency:300ms");
	ck_assert_ptr_null(set.cases[1].network);
	ck_assert_ptr_null(set.cases[2].network);
	scenario_set_free(&set);
	scenario_set_init(&set);
	BAD(with_header("[case a]\nexpect = connected\nnetwork = reset-after:hello\n"),
	    "t.ini:6: bad network fault 'reset-after:hello': a point is connect, a byte count N[@client|@server], or "
	    "a message: client_hello, server_hello, certificate, server_key_exchange, server_hello_done, finished, ... "
	    "(docs/capture.md)");
	BAD(with_header("[case a]\nnetwork = latency:5ms,,segments:1\nexpect = connected\n"),
	    "t.ini:5: empty fault in 'latency:5ms,,segments:1'");
	BAD(with_header("[case a]\nnetwork = latency:5ms,latency:6ms\nexpect = connected\n"),
	    "t.ini:5: bad network fault 'latency:6ms': latency is given twice for one direction");
	BAD(with_header("[case a]\nnetwork[method is tls1.2] = stall-after:connect\nexpect = connected\n"),
	    "t.ini:5: unknown key 'network[method is tls1.2]' in [case a]");
}
END_TEST

START_TEST(bad_structure)
{
	BAD("name = x\n[scenario]\n", "t.ini:1: 'name' outside any section: a file starts with [scenario]");
	BAD("[case a]\nexpect = connected\n", "t.ini:1: no [scenario] section");
	BAD("[scenario]\nname = s\n[scenario]\n", "t.ini:3: second [scenario] section (first at line 1)");
	BAD(with_header("[cases a]\n"), "t.ini:4: unknown section [cases a] (expected [scenario] or [case NAME])");
	BAD(with_header("[case]\n"), "t.ini:4: a case needs a name: [case NAME]");
	BAD(with_header("[case a]\nexpect = connected\n[case a]\nexpect = connected\n"),
	    "t.ini:6: duplicate case 'a' (first at line 4)");
	BAD(with_header("[case a]\nexpect = connected\nexpect = connected\n"),
	    "t.ini:6: duplicate key 'expect' (first at line 5)");
	BAD(with_header("[case a]\njust words\n"),
	    "t.ini:5: syntax error: expected 'key = value', '[section]' or a comment");
	BAD(with_header("[case a\n"), "t.ini:4: section header without ']'");
	BAD(with_header("[case a] x\n"), "t.ini:4: text after the section header");
	BAD(with_header("[case a]\nexpect = connected\n  [case b]\n"),
	    "t.ini:6: indented section header (inih would read it as the previous value)");
	BAD(with_header("[case a]\nmethod = tls1.2\n  expect = connected\n"),
	    "t.ini:6: indented 'expect = connected' reads as more of 'method': start each key in the first column");
	BAD(header, "t.ini:1: no [case NAME] sections");
	BAD("[scenario]\nservers = @S1@\n[case a]\nexpect = connected\n", "t.ini:1: [scenario] has no name");
	BAD("[scenario]\nname = s\n[case a]\nexpect = connected\n",
	    "t.ini:1: [scenario] has no servers (the server profiles its cases run against)");
}
END_TEST

START_TEST(bad_long_line_and_bytes)
{
	char text[1024];
	char longv[300];
	memset(longv, 'a', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	snprintf(text, sizeof text, "%s[case a]\nnote = %s\nexpect = connected\n", header, longv);
	BAD(text, "t.ini:5: line longer than 198 characters: go on over an indented next line");
	/* Exactly at the limit is fine. */
	memset(longv, 'b', 191);
	longv[191] = '\0';
	snprintf(text, sizeof text, "%s[case a]\nnote = %s\nexpect = connected\n", header, longv);
	ck_assert_int_eq(load(text), 0);
	ck_assert_uint_eq(strlen(set.cases[0].note), 191);

	BAD(with_header("[case b]\nnote = bell\a\nexpect = connected\n"),
	    "t.ini:5: control character in the value of 'note'");
}
END_TEST

START_TEST(bad_keys_and_values)
{
	BAD(with_header("[case a]\nmethd = tls1.2\nexpect = connected\n"), "t.ini:5: unknown key 'methd' in [case a]");
	BAD("[scenario]\nname = s\nservers = @S1@\ncolour = red\n", "t.ini:4: unknown key 'colour' in [scenario]");
	BAD(with_header("[case a]\nmethod = tls1.4\nexpect = connected\n"),
	    "t.ini:5: bad method 'tls1.4' (sslv3, tls1.0, tls1.1, tls1.2, tls1.3, any, any>=VERSION, cc3200-default)");
	BAD(with_header("[case a]\nmethod = tls1.2, , tls1.3\nexpect = connected\n"),
	    "t.ini:5: empty value in 'method'");
	BAD(with_header("[case a]\nmethod = tls1.2, tls1.2\nexpect = connected\n"),
	    "t.ini:5: value 'tls1.2' listed twice in 'method'");
	BAD(with_header("[case a]\nmethod =\nexpect = connected\n"), "t.ini:5: empty value for 'method'");
	BAD(with_header("[case a]\nca = mine\nexpect = connected\n"), "t.ini:5: bad ca 'mine' (root, other or none)");
	BAD(with_header("[case a]\nca_format = base64\nexpect = connected\n"),
	    "t.ini:5: bad ca_format 'base64' (pem, der, pem-as-der or der-as-pem)");
	BAD(with_header("[case a]\nverify = maybe\nexpect = connected\n"), "t.ini:5: bad verify 'maybe' (yes or no)");
	BAD(with_header("[case a]\nsni = a b\nexpect = connected\n"), "t.ini:5: bad sni 'a b' (on, off or a host name)");
	BAD(with_header("[case a]\ncheck_name = $(id)\nexpect = connected\n"),
	    "t.ini:5: bad check_name '$(id)' (host, ip, none or a host name)");
	BAD(with_header("[case a]\nciphers = AES128-SHA;rm\nexpect = connected\n"),
	    "t.ini:5: bad ciphers list 'AES128-SHA;rm' (names joined by ':', no spaces)");
	BAD(with_header("[case a]\nclock = 2023-02-30\nexpect = connected\n"),
	    "t.ini:5: bad clock '2023-02-30' (now, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, from 1970-01-01T00:00:01Z)");
	BAD(with_header("[case a]\nmax_fragment = 100\nexpect = connected\n"),
	    "t.ini:5: bad max_fragment '100' (none, 512, 1024, 2048 or 4096)");
	BAD(with_header("[case a]\nmin_rsa_bits = 1000.5\nexpect = connected\n"),
	    "t.ini:5: bad min_rsa_bits '1000.5' (none, or 256 to 16000 bits, a multiple of 8)");
	BAD(with_header("[case a]\nmin_dh_bits = -1\nexpect = connected\n"),
	    "t.ini:5: bad min_dh_bits '-1' (none, or 256 to 16000 bits, a multiple of 8)");
	BAD(with_header("[case a]\nreject_sha1 = on\nexpect = connected\n"), "t.ini:5: bad reject_sha1 'on' (yes or no)");
	BAD(with_header("[case a]\nrx_record_limit = 16k\nexpect = connected\n"),
	    "t.ini:5: bad rx_record_limit '16k' (none, or 64 to 18432 bytes)");
	BAD(with_header("[case a]\nengine = openssl\nexpect = connected\n"),
	    "t.ini:5: bad engine 'openssl' (wolfssl, mbedtls or bearssl)");
	BAD(with_header("[case a]\nrequest = wait:soon\nexpect = connected\n"),
	    "t.ini:5: bad request 'wait:soon' (none, wait:MS up to 600000, or printable text with \\r\\n escapes)");
	BAD(with_header("[case a]\ndevice = esp9000\nexpect = connected\n"),
	    "t.ini:5: unknown device profile 'esp9000' (esp8266-axtls, esp8266-bearssl, esp32-mbedtls, esp-idf-4.4, esp-idf-5, "
	    "esp8266-bearssl-mfln; 26 profiles in docs/devices.md)");
	BAD("[scenario]\nname = s\nservers = no-such-profile\n[case a]\nexpect = connected\n",
	    "t.ini:3: unknown server profile 'no-such-profile' ('tlsdiag servers' lists them)");
}
END_TEST

START_TEST(compare_and_reported)
{
	ck_assert_int_eq(load(with_header("[case dev]\nexpect = alert:40@server\ncompare = browser\n"
					   "reported = connection_dropped\n"
					   "[case browser]\ndevice = browser\nexpect = connected\n")),
			 0);
	ck_assert_uint_eq(set.ncases, 2);
	ck_assert_str_eq(set.cases[0].compare, "browser");
	ck_assert_str_eq(set.cases[0].reported, "connection_dropped");
	ck_assert_ptr_null(set.cases[1].compare);
	ck_assert_ptr_null(set.cases[1].reported);
	BAD("[scenario]\nname = s2\nservers = @S1@\n[case a]\nexpect = connected\ncompare = nobody\n",
	    "t.ini:4: case 'a' compares with 'nobody', which is not a [case] of this file");
	BAD("[scenario]\nname = s3\nservers = @S1@\n[case a]\nexpect = connected\ncompare = a\n",
	    "t.ini:6: case 'a' compares with itself");
	BAD("[scenario]\nname = s4\nservers = @S1@\n[case a]\nexpect = connected\ncompare[method is tls1.2] = a\n",
	    "t.ini:6: unknown key 'compare[method is tls1.2]' in [case a]");
	ck_assert_int_eq(load("[scenario]\nname = s5\nservers = @S1@\n[case a]\nexpect = connected\nreported = gone\n"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "t.ini:6: unknown failure kind 'gone' in 'reported' (unknown_ca, "));
}
END_TEST

START_TEST(bad_server_not_listed)
{
	char msg[256];
	snprintf(msg, sizeof msg, "t.ini:5: server '%s' is not in the [scenario]'s servers", server_profiles()[1]);
	BAD(with_header("[case a]\nserver = @S2@\nexpect = connected\n"), msg);
	BAD("[scenario]\nname = a/b\nservers = @S1@\n", "t.ini:2: bad scenario name 'a/b' (no brackets or '/', at most 64 characters)");
}
END_TEST

START_TEST(bad_expectations)
{
	BAD(with_header("[case a]\nmethod = tls1.2\n"), "t.ini:4: case 'a' has no expect");
	BAD(with_header("[case a]\nmethod = tls1.2, tls1.3\nexpect[method is tls1.2] = connected\n"),
	    "t.ini:4: case 'a' has no expect for method=tls1.3");
	BAD(with_header("[case a]\nexpect = skip\n"),
	    "t.ini:5: 'skip' is not an expectation: a case that cannot run is reported as SKIP by itself");
	BAD(with_header("[case a]\nexpect = alert:handshake_failiure@server\n"),
	    "t.ini:5: unknown alert 'handshake_failiure' (use a name such as handshake_failure, or a number 0-255)");
	BAD(with_header("[case a]\nexpect = alert:40@device\n"), "t.ini:5: alert sender '@device' is neither @client nor @server");
	BAD(with_header("[case a]\nexpect = alert:256\n"),
	    "t.ini:5: unknown alert '256' (use a name such as handshake_failure, or a number 0-255)");
	BAD(with_header("[case a]\nexpect = alert:\n"),
	    "t.ini:5: 'alert:' needs an alert name or number, e.g. alert:handshake_failure@server");
	BAD(with_header("[case a]\nexpect = error:NO_SUCH_ERROR\n"),
	    "t.ini:5: unknown error 'NO_SUCH_ERROR' (a wolfSSL, mbedTLS or BearSSL name such as MATCH_SUITE_ERROR, "
	    "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, BR_ERR_X509_NOT_TRUSTED, or a negative number)");
	BAD(with_header("[case a]\nexpect = fine\n"),
	    "t.ini:5: bad expectation 'fine' (connected, alert:NAME[@client|@server] or error:NAME)");
}
END_TEST

START_TEST(bad_conditions)
{
	const char *m = "[case a]\nmethod = tls1.2, tls1.3\nca = root, other\nexpect = connected\n";
	char text[1024];
#define COND(line, msg)                                                           \
	snprintf(text, sizeof text, "%s%s%s\n", header, m, line);                 \
	BAD(text, msg)
	COND("expect[] = connected", "t.ini:8: empty condition in 'expect[]': write expect[FIELD is VALUE]");
	COND("expect[colour is red] = connected", "t.ini:8: 'colour' in 'expect[colour is red]' is not a case field");
	COND("expect[method is tls1.1] = connected",
	     "t.ini:8: 'tls1.1' in 'expect[method is tls1.1]' is not one of the case's method values");
	COND("expect[method tls1.2] = connected",
	     "t.ini:8: bad condition in 'expect[method tls1.2]': write FIELD is VALUE [or VALUE] [and FIELD is VALUE]");
	COND("expect[method is tls1.2 ca is root] = connected",
	     "t.ini:8: bad condition in 'expect[method is tls1.2 ca is root]': expected 'and' or 'or' at 'ca'");
	COND("expect[method is tls1.2 and method is tls1.3] = connected",
	     "t.ini:8: field 'method' named twice in 'expect[method is tls1.2 and method is tls1.3]'");
	COND("expect[verify is yes] = connected", "t.ini:8: 'verify' in 'expect[verify is yes]' has no values in this case");
	COND("expect[method is #3] = connected",
	     "t.ini:8: '#3' in 'expect[method is #3]' is not one of the case's method values");
	COND("expect[method is tls1.2] = alert:40\nexpect[ca is other] = alert:48",
	     "t.ini:9: 'expect[ca is other]' and 'expect[method is tls1.2]' (line 8) both apply to method=tls1.2,ca=other: make one more specific");
	COND("expect[method is tls1.2] = alert:nope", "t.ini:8: unknown alert 'nope' (use a name such as handshake_failure, or a number 0-255)");
	COND("expect[method is tls1.2 = connected", "t.ini:8: unknown key 'expect[method is tls1.2' in [case a]");
#undef COND
}
END_TEST

START_TEST(missing_file)
{
	ck_assert_int_eq(scenario_load_file(&set, "/nonexistent/x.ini", err, sizeof err), -1);
	ck_assert_str_eq(err, "/nonexistent/x.ini: No such file or directory");
}
END_TEST

START_TEST(file_on_disk)
{
	char dir[] = "/tmp/tlsdiag-test-scenario-XXXXXX", path[128];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/a.ini", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	char *t = subst("\xef\xbb\xbf[scenario]\r\nname = bom\r\nservers = @S1@\r\n[case a]\r\nexpect = connected\r\n");
	fputs(t, f);
	free(t);
	fclose(f);
	ck_assert_int_eq(scenario_load_file(&set, path, err, sizeof err), 0);
	ck_assert_str_eq(set.scenarios[0]->name, "bom");
	ck_assert_str_eq(set.scenarios[0]->file, path);
	ck_assert_int_eq(set.cases[0].line, 4);
	/* A NUL byte: not a text file. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite("[scenario]\n\0x\n", 1, 14, f);
	fclose(f);
	ck_assert_int_eq(scenario_load_file(&set, path, err, sizeof err), -1);
	char want[200];
	snprintf(want, sizeof want, "%s:1: a NUL byte: not a text file", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* From bytes in memory: not NUL-terminated (read to len, not past it), a NUL inside, nothing at all. */
START_TEST(buffer_bytes_to_len)
{
	char *t = subst("[scenario]\nname = buf\nservers = @S1@\n[case a]\nexpect = connected");
	size_t n = strlen(t);
	char *exact = malloc(n); /* no terminator: ASan sees any read past the end */
	ck_assert_ptr_nonnull(exact);
	memcpy(exact, t, n);
	ck_assert_int_eq(scenario_load_buffer(&set, "b.ini", exact, n, err, sizeof err), 0);
	ck_assert_uint_eq(set.ncases, 1);
	ck_assert_int_eq(set.cases[0].line, 4);
	ck_assert_int_eq(set.cases[0].expect.kind, EXPECT_CONNECTED);
	free(exact);
	free(t);
	ck_assert_int_eq(scenario_load_buffer(&set, "n.ini", "[scenario]\n\0x\n", 14, err, sizeof err), -1);
	ck_assert_str_eq(err, "n.ini:1: a NUL byte: not a text file");
	ck_assert_int_eq(scenario_load_buffer(&set, "e.ini", NULL, 0, err, sizeof err), -1);
	ck_assert_str_eq(err, "e.ini:1: no [scenario] section");
	ck_assert_uint_eq(set.ncases, 1);
}
END_TEST

/* regress_longest_line_counted_once: a line of exactly 199 characters (inih's whole buffer)
 * had its newline read as one more line, so every later error named the line after. */
START_TEST(regress_longest_line_counted_once)
{
	char text[1024], longv[200];
	memset(longv, 'c', 192);
	longv[192] = '\0';
	snprintf(text, sizeof text, "%s[case a]\nnote = %s\nmethd = tls1.2\nexpect = connected\n", header, longv);
	BAD(text, "t.ini:6: unknown key 'methd' in [case a]");
	snprintf(text, sizeof text, "%s[case a]\nnote = %s\nexpect = connected\n", header, longv);
	ck_assert_int_eq(load(text), 0);
	ck_assert_uint_eq(strlen(set.cases[0].note), 192);
	ck_assert_int_eq(set.cases[0].expect_line, 6);
}
END_TEST

/* regress_condition_words_cut: a condition of more than 64 words was cut at the 64th and the
 * error named the word there ("expected 'and' or 'or' at 'or'"); now it is refused as too long. */
START_TEST(regress_condition_words_cut)
{
	char text[1024], cond[200], want[512];
	size_t n = (size_t)snprintf(cond, sizeof cond, "ciphers is A");
	for (int i = 0; i < 31; i++) /* 3 + 62 = 65 words */
		n += (size_t)snprintf(cond + n, sizeof cond - n, " or A");
	ck_assert_uint_lt(n, sizeof cond);
	snprintf(text, sizeof text, "%s[case a]\nciphers = A\nexpect = connected\nexpect[%s] = alert:48\n", header,
		 cond);
	snprintf(want, sizeof want, "t.ini:7: too many words in 'expect[%s]' (at most 64)", cond);
	BAD(text, want);
	/* 63 words still read. */
	cond[n - 10] = '\0';
	snprintf(text, sizeof text, "%s[case a]\nciphers = A\nexpect = connected\nexpect[%s] = alert:48\n", header,
		 cond);
	ck_assert_int_eq(load(text), 0);
	ck_assert_int_eq(set.cases[0].expect.kind, EXPECT_ALERT);
}
END_TEST

/* Appends "KEY = V1, V2, ..." over indented lines of 4 values. */
static size_t put_values(char *buf, size_t cap, size_t used, const char *key, size_t n, const char *const *v)
{
	used += (size_t)snprintf(buf + used, cap - used, "%s =", key);
	for (size_t i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s", i == 0 ? " " : i % 4 == 0 ? ",\n  " : ", ",
					 v[i]);
	if (used < cap)
		used += (size_t)snprintf(buf + used, cap - used, "\n");
	ck_assert_uint_lt(used, cap);
	return used;
}

/* 32 values PREFIX(base + i * step)SUFFIX. */
static const char *const *numbered(const char *prefix, long base, long step, const char *suffix)
{
	static char store[9][32][24];
	static const char *v[9][32];
	static int k;
	ck_assert_int_lt(k, 9);
	for (int i = 0; i < 32; i++) {
		snprintf(store[k][i], sizeof store[k][i], "%s%ld%s", prefix, base + i * step, suffix);
		v[k][i] = store[k][i];
	}
	return v[k++];
}

/* regress_combinations_wrap: the combination count was multiplied without a bound, so a case
 * whose fields' value counts multiply to 2^64 counted 0 combinations and silently vanished. */
START_TEST(regress_combinations_wrap)
{
	static char text[16384];
	const char *devices[16], *const *servers = server_profiles();
	/* The any>= values first: the later lines of a list are indented, and there '=' is refused. */
	static const char *const methods[] = { "any>=tls1.0", "any>=tls1.1", "any>=tls1.2", "any",
					       "sslv3", "tls1.0", "tls1.1", "tls1.2" };
	static const char *const formats[] = { "pem", "der", "pem-as-der", "der-as-pem" };
	static const char *const yesno[] = { "yes", "no" };
	static const char *const frags[] = { "512", "1024", "2048", "4096" };
	static const char *const engines[] = { "wolfssl", "mbedtls" };
	size_t used = 0, cap = sizeof text;
	for (size_t i = 0; i < 16; i++) {
		ck_assert_ptr_nonnull(device_profiles[i].name);
		ck_assert_ptr_nonnull(servers[i]);
		devices[i] = device_profiles[i].name;
	}
	used += (size_t)snprintf(text, cap, "[scenario]\nname = wrap\n");
	used = put_values(text, cap, used, "servers", 16, servers);
	used += (size_t)snprintf(text + used, cap - used, "[case a]\n");
	/* 2^64 = 32^9 (nine free-form fields) * 16 * 16 * 8 * 4 * 2 * 2 * 2 * 4 * 2 */
	used = put_values(text, cap, used, "ciphers", 32, numbered("C", 1, 1, ""));
	used = put_values(text, cap, used, "groups", 32, numbered("G", 1, 1, ""));
	used = put_values(text, cap, used, "sni", 32, numbered("h", 1, 1, ".test"));
	used = put_values(text, cap, used, "check_name", 32, numbered("n", 1, 1, ".test"));
	used = put_values(text, cap, used, "clock", 32, numbered("", 2000, 1, "-01-01"));
	used = put_values(text, cap, used, "min_rsa_bits", 32, numbered("", 1024, 8, ""));
	used = put_values(text, cap, used, "min_dh_bits", 32, numbered("", 1024, 8, ""));
	used = put_values(text, cap, used, "rx_record_limit", 32, numbered("", 1000, 1, ""));
	used = put_values(text, cap, used, "request", 32, numbered("r", 1, 1, ""));
	used = put_values(text, cap, used, "device", 16, devices);
	used = put_values(text, cap, used, "server", 16, servers);
	used = put_values(text, cap, used, "method", 8, methods);
	used = put_values(text, cap, used, "ca_format", 4, formats);
	used = put_values(text, cap, used, "verify", 2, yesno);
	used = put_values(text, cap, used, "client_cert", 2, yesno);
	used = put_values(text, cap, used, "reject_sha1", 2, yesno);
	used = put_values(text, cap, used, "max_fragment", 4, frags);
	used = put_values(text, cap, used, "engine", 2, engines);
	used += (size_t)snprintf(text + used, cap - used, "expect = connected\n[case b]\nexpect = connected\n");
	ck_assert_uint_lt(used, cap);
	BAD(text, "t.ini:7: case 'a' expands to more than 18446744073709551615 combinations (at most 4096)");
}
END_TEST

static Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("ok");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, minimal_file);
	tcase_add_test(tc, compare_and_reported);
	tcase_add_test(tc, network_faults);
	tcase_add_test(tc, matrix_with_override);
	tcase_add_test(tc, two_dimensions_first_slowest_and_most_specific_wins);
	tcase_add_test(tc, scenario_defaults_and_server_matrix);
	tcase_add_test(tc, multiline_values_and_index_conditions);
	tcase_add_test(tc, every_field_value_accepted);
	tcase_add_test(tc, engine_request_and_engine_error_names);
	tcase_add_test(tc, two_files_and_duplicate_scenario);
	tcase_add_test(tc, value_conversions);
	tcase_add_test(tc, file_on_disk);
	tcase_add_test(tc, buffer_bytes_to_len);
	suite_add_tcase(s, tc);
	TCase *bad = tcase_create("malformed");
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, bad_structure);
	tcase_add_test(bad, bad_long_line_and_bytes);
	tcase_add_test(bad, bad_keys_and_values);
	tcase_add_test(bad, bad_server_not_listed);
	tcase_add_test(bad, bad_expectations);
	tcase_add_test(bad, bad_conditions);
	tcase_add_test(bad, missing_file);
	tcase_add_test(bad, regress_longest_line_counted_once);
	tcase_add_test(bad, regress_condition_words_cut);
	tcase_add_test(bad, regress_combinations_wrap);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(scenario_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
