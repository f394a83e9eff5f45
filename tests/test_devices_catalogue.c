/*
 * test_devices_catalogue.c - the device catalogue (client/device_catalogue.c):
 * every profile is complete and in range, has its section and its source keys
 * in docs/devices.md, and runs on its own engine against one real
 * `openssl s_server -cipher ALL:@SECLEVEL=0` (RSA-2048, TLS 1.0-1.3) on
 * 127.0.0.1 with the outcome its profile predicts: the version, a suite from
 * the profile's own list, or the failure its buffers predict; then a TLS
 * 1.3-only server (every TLS 1.2 device refused with protocol_version) and an
 * ECDSA server (refused exactly by the profiles without an ECDSA suite).
 */
#include "harness/client/client.h"
#include "harness/client/device.h"
#include "harness/servers/proc.h"
#include "tests/support/testutil.h"
#include "tests/support/tls_fixture.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The repository root, taken before the fixture chdir()s into its certificate directory. */
static char root[PATH_MAX];
static struct proc srv, srv13, srvec;
static uint16_t srv_port, srv13_port, srvec_port;
/* `openssl ciphers -stdname`: IANA name, then OpenSSL's (= wolfSSL's) name, one pair a line. */
static char stdnames[32768];

/* What a profile predicts against a server that offers everything. */
enum want {
	W_CONNECT, /* handshake and the HTTP answer */
	W_ANSWER_TOO_LARGE, /* handshake done, the first answer record is over the device's receive buffer */
};

struct prediction {
	const char *name;
	enum want want;
	const char *version;
};

/* One row per profile: the catalogue test fails when a profile has none. */
static const struct prediction predictions[] = {
	{ "cc3200", W_CONNECT, "TLSv1.2" },
	{ "esp8266-axtls", W_CONNECT, "TLSv1.2" },
	{ "esp8266-bearssl", W_CONNECT, "TLSv1.2" },
	{ "esp32-mbedtls", W_CONNECT, "TLSv1.2" },
	{ "esp-idf-4.4", W_CONNECT, "TLSv1.2" },
	{ "esp-idf-5", W_CONNECT, "TLSv1.2" },
	{ "arduino-esp32-1", W_CONNECT, "TLSv1.2" },
	{ "arduino-esp32-2", W_CONNECT, "TLSv1.2" },
	{ "arduino-esp32-3", W_CONNECT, "TLSv1.2" },
	{ "esp8266-bearssl-mfln", W_CONNECT, "TLSv1.2" }, /* s_server honours max_fragment_length 512 */
	{ "micropython-esp32", W_CONNECT, "TLSv1.2" },
	{ "micropython-esp8266", W_CONNECT, "TLSv1.2" },
	{ "micropython-picow", W_CONNECT, "TLSv1.2" },
	{ "pico-w-sdk", W_CONNECT, "TLSv1.2" },
	{ "cc3220", W_CONNECT, "TLSv1.2" },
	{ "winc1500", W_CONNECT, "TLSv1.2" },
	{ "nina-w10", W_CONNECT, "TLSv1.2" },
	{ "sara-u201", W_CONNECT, "TLSv1.2" },
	{ "nrf9160", W_CONNECT, "TLSv1.2" },
	{ "quectel-bg96", W_CONNECT, "TLSv1.2" },
	{ "quectel-eg91", W_CONNECT, "TLSv1.2" },
	{ "simcom-sim7000", W_CONNECT, "TLSv1.2" },
	/* 1500-byte buffers, no max_fragment_length: s_server's -www page comes in one larger record */
	{ "zephyr-mbedtls", W_ANSWER_TOO_LARGE, "TLSv1.2" },
	{ "aws-iot-c-sdk", W_CONNECT, "TLSv1.2" },
	{ "azure-iot-c-sdk", W_CONNECT, "TLSv1.2" },
	{ "browser", W_CONNECT, "TLSv1.3" },
	{ NULL, W_CONNECT, NULL },
};

static const struct prediction *prediction_for(const char *name)
{
	for (const struct prediction *w = predictions; w->name; w++)
		if (strcmp(w->name, name) == 0)
			return w;
	return NULL;
}

static size_t profile_count(void)
{
	size_t n = 0;
	while (device_profiles[n].name)
		n++;
	return n;
}

/* The whole of docs/devices.md (malloc'd, NUL-terminated). */
static char *read_doc(void)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/docs/devices.md", root);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *buf = malloc(262144);
	ck_assert_ptr_nonnull(buf);
	size_t n = fread(buf, 1, 262143, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_msg(n > 0 && n < 262143, "docs/devices.md: %zu bytes", n);
	return buf;
}

/* Is name one of the ':'-separated entries of list? */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ":");
		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* OpenSSL's name for an IANA suite name, from `openssl ciphers -stdname` ("IANA  - NAME  TLSv1 ..."); NULL if none. */
static const char *openssl_name(const char *iana, char *buf, size_t len)
{
	size_t n = strlen(iana);
	for (const char *line = stdnames; *line;) {
		size_t l = strcspn(line, "\n");
		if (l > n && strncmp(line, iana, n) == 0 && line[n] == ' ') {
			const char *q = line + n + strspn(line + n, " ");
			if (q[0] == '-' && q[1] == ' ') {
				q += 1 + strspn(q + 1, " ");
				snprintf(buf, len, "%.*s", (int)strcspn(q, " \n"), q);
				return buf;
			}
		}
		line += l + (line[l] == '\n');
	}
	return NULL;
}

static void setup(void)
{
	tf_make_certs();
	const char *extra[] = { "-cipher", "ALL:@SECLEVEL=0", NULL };
	tf_server_start(&srv, &srv_port, extra);
	const char *only13[] = { "-tls1_3", NULL };
	tf_server_start(&srv13, &srv13_port, only13);
	/* An ECDSA P-256 leaf signed by the same CA (ext.cnf: the fixture's SAN line). */
	char *ec_req[] = { "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
			   "-keyout", "ec.key", "-out", "ec.csr", "-subj", "/CN=localhost", NULL };
	char *ec_sign[] = { "openssl", "x509", "-req", "-in", "ec.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
			    "9", "-days", "30", "-extfile", "ext.cnf", "-out", "ec.pem", NULL };
	ck_assert_int_eq(tf_run(ec_req), 0);
	ck_assert_int_eq(chmod("ec.key", 0600), 0);
	ck_assert_int_eq(tf_run(ec_sign), 0);
	const char *ecdsa[] = { "-cert", "ec.pem", "-key", "ec.key", "-cipher", "ALL:@SECLEVEL=0", NULL };
	tf_server_start(&srvec, &srvec_port, ecdsa);
	FILE *p = popen("openssl ciphers -stdname 'ALL:@SECLEVEL=0' 2>/dev/null", "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(stdnames, 1, sizeof stdnames - 1, p);
	stdnames[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	char name[64];
	ck_assert_msg(openssl_name("TLS_RSA_WITH_AES_128_CBC_SHA", name, sizeof name) && strcmp(name, "AES128-SHA") == 0,
		      "openssl ciphers -stdname");
}

static void teardown(void)
{
	proc_stop(&srv, 2000);
	proc_stop(&srv13, 2000);
	proc_stop(&srvec, 2000);
	tf_cleanup();
}

START_TEST(catalogue_is_complete_and_in_range)
{
	size_t n = profile_count(), embedded = 0;
	for (size_t i = 0; i < n; i++) {
		const struct device_profile *p = &device_profiles[i];
		ck_assert_msg(p->stack && *p->stack && p->limits && *p->limits, "%s: stack and limits", p->name);
		ck_assert_msg(p->sources && *p->sources, "%s: sources", p->name);
		ck_assert_msg(p->engine >= ENGINE_WOLFSSL && p->engine < ENGINE_COUNT, "%s: engine %d", p->name, p->engine);
		ck_assert_str_eq(device_engine_name(p), p->engine == ENGINE_MBEDTLS	 ? "mbedtls"
							: p->engine == ENGINE_BEARSSL ? "bearssl"
										      : "wolfssl");
		ck_assert_msg(p->ciphers && *p->ciphers, "%s: wolfSSL suites for engine = wolfssl", p->name);
		ck_assert_msg(p->method >= METHOD_ANY && p->method <= METHOD_SSLV3_TLS12, "%s: method", p->name);
		if (p->method == METHOD_ANY)
			ck_assert_msg(p->min_version >= METHOD_TLS10 && p->max_version <= METHOD_TLS13 &&
					      p->min_version <= p->max_version,
				      "%s: %d..%d", p->name, p->min_version, p->max_version);
		else
			ck_assert_msg(p->min_version == METHOD_ANY && p->max_version == METHOD_ANY, "%s: bounds without any",
				      p->name);
		if (p->engine != ENGINE_WOLFSSL) /* mbedTLS 2.28 and BearSSL 0.6 stop at TLS 1.2 */
			ck_assert_msg(p->method == METHOD_TLS12 || (p->method == METHOD_ANY && p->max_version == METHOD_TLS12),
				      "%s: above TLS 1.2 on %s", p->name, device_engine_name(p));
		ck_assert_msg(p->time_t_bits == 0 || p->time_t_bits == 32 || p->time_t_bits == 64, "%s: time_t", p->name);
		ck_assert_msg(p->rx_buffer == 0 || (p->rx_buffer >= 512 && p->rx_buffer <= 16384), "%s: rx", p->name);
		ck_assert_msg(p->tx_buffer == 0 || (p->tx_buffer >= 512 && p->tx_buffer <= 16384), "%s: tx", p->name);
		ck_assert_msg(p->max_fragment == 0 || p->max_fragment == 512 || p->max_fragment == 1024 ||
				      p->max_fragment == 2048 || p->max_fragment == 4096,
			      "%s: max_fragment %d", p->name, p->max_fragment);
		ck_assert_msg(p->engine_ciphers == NULL || p->engine != ENGINE_WOLFSSL, "%s: engine_ciphers on wolfSSL", p->name);
		ck_assert_msg(prediction_for(p->name) != NULL, "%s has no prediction in this test", p->name);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(device_profiles[j].name, p->name);
		embedded += p->codes != CODES_NONE;
	}
	ck_assert_uint_eq(n, 26);
	ck_assert_uint_eq(embedded, 25); /* all but the browser */
	ck_assert_uint_ge(embedded, 20); /* issue 20's floor */
	ck_assert_uint_eq(n, sizeof predictions / sizeof predictions[0] - 1);
}
END_TEST

START_TEST(every_profile_has_its_docs_section_and_sources)
{
	char *doc = read_doc();
	char heading[96], key[64], row[80];
	for (const struct device_profile *p = device_profiles; p->name; p++) {
		snprintf(heading, sizeof heading, "\n## `%s`", p->name);
		ck_assert_msg(strstr(doc, heading) != NULL, "docs/devices.md has no section '## `%s`'", p->name);
		size_t keys = 0;
		for (const char *s = p->sources; *s;) {
			size_t n = strcspn(s, ", ");
			ck_assert_msg(n > 0 && n < sizeof key, "%s: bad source key list '%s'", p->name, p->sources);
			snprintf(key, sizeof key, "%.*s", (int)n, s);
			snprintf(row, sizeof row, "\n| `%s` |", key);
			ck_assert_msg(strstr(doc, row) != NULL, "%s: source key %s is not in docs/devices.md's table", p->name, key);
			keys++;
			s += n;
			s += strspn(s, ", ");
		}
		ck_assert_uint_ge(keys, 1);
	}
	free(doc);
}
END_TEST

START_TEST(apply_copies_buffers_and_engine_suites)
{
	struct client_case cc;
	const struct device_profile *z = device_find("zephyr-mbedtls");
	ck_assert_ptr_nonnull(z);
	client_case_init(&cc);
	device_apply(z, &cc);
	ck_assert_int_eq(cc.engine, ENGINE_MBEDTLS);
	ck_assert_int_eq(cc.rx_record_limit, 1500);
	ck_assert_str_eq(cc.ciphers, z->engine_ciphers);
	device_apply_engine(z, ENGINE_WOLFSSL, &cc); /* the stand-in takes the wolfSSL list */
	ck_assert_str_eq(cc.ciphers, "AES256-SHA256:AES256-SHA:AES128-SHA256:AES128-SHA");
	ck_assert_int_eq(cc.rx_record_limit, 1500);

	const struct device_profile *e = device_find("esp-idf-4.4");
	client_case_init(&cc);
	device_apply(e, &cc);
	ck_assert_ptr_null(cc.ciphers); /* mbedTLS's default list is ESP-IDF's */
	ck_assert_int_eq(cc.rx_record_limit, 0); /* 16384: the engine's own buffer, nothing emulated */
	ck_assert_int_eq(cc.tx_buffer, 4096);

	const struct device_profile *m = device_find("esp8266-bearssl-mfln");
	client_case_init(&cc);
	device_apply(m, &cc);
	ck_assert_int_eq(cc.engine, ENGINE_BEARSSL);
	ck_assert_int_eq(cc.rx_record_limit, 512);
	ck_assert_int_eq(cc.tx_buffer, 512);
	ck_assert_int_eq(cc.max_fragment, 512);
	ck_assert_int_eq(device_find("aws-iot-c-sdk")->max_fragment, 4096);
	ck_assert_int_eq(device_find("sara-u201")->sni, SNI_OFF);
}
END_TEST

/* A case as the device makes it: its CA file in the format its loader wants, the server's name checked. */
static void run_profile_on(const struct device_profile *p, uint16_t port, struct client_result *r)
{
	struct client_case cc;
	char err[256] = "";
	client_case_init(&cc);
	cc.host = "127.0.0.1";
	cc.port = port;
	cc.check_name = "localhost";
	cc.timeout_ms = (int)tu_bound_ms(5000);
	cc.ca_path = p->ca_format == CA_NONE ? NULL : tf_path(0, p->ca_format == CA_DER ? "ca.der" : "ca.pem");
	device_apply(p, &cc);
	ck_assert_msg(client_run(&cc, r, err, sizeof err) == 0, "%s: client_run: %s", p->name, err);
	ck_assert_msg(!r->skipped, "%s: skipped: %s", p->name, r->skip_reason);
}

static void run_profile(const struct device_profile *p, struct client_result *r)
{
	run_profile_on(p, srv_port, r);
}

/* The negotiated suite is one the profile offers, in its engine's names. */
static void assert_suite_offered(const struct device_profile *p, const struct client_result *r)
{
	char ossl[64], mb[80];
	if (p->engine == ENGINE_WOLFSSL && strcmp(r->version, "TLSv1.3") == 0) {
		/* wolfSSL's TLS 1.3 names: TLS_AES_128_GCM_SHA256 is TLS13-AES128-GCM-SHA256 */
		char w[64] = "TLS13-";
		size_t k = strlen(w);
		for (const char *c = r->suite + 4; *c && k + 1 < sizeof w; c++)
			if (!(*c == '_' && strncmp(c - 3, "AES", 3) == 0))
				w[k++] = *c == '_' ? '-' : *c;
		w[k] = '\0';
		ck_assert_msg(in_list(p->ciphers, w), "%s: negotiated %s (%s), not in its list", p->name, r->suite, w);
		return;
	}
	if (p->engine == ENGINE_WOLFSSL) {
		ck_assert_msg(openssl_name(r->suite, ossl, sizeof ossl) != NULL, "%s: %s unknown to openssl", p->name, r->suite);
		ck_assert_msg(in_list(p->ciphers, ossl), "%s: negotiated %s (%s), not in its list", p->name, r->suite, ossl);
		return;
	}
	if (!p->engine_ciphers)
		return; /* the library's default list is the device's: any suite the engine has */
	snprintf(mb, sizeof mb, "%s", r->suite);
	for (char *c = mb; *c; c++)
		if (*c == '_')
			*c = '-';
	ck_assert_msg(in_list(p->engine_ciphers, mb), "%s: negotiated %s, not in its engine list", p->name, mb);
}

START_TEST(every_profile_against_a_server_offering_everything)
{
	struct client_result r;
	struct device_verdict v;
	for (const struct device_profile *p = device_profiles; p->name; p++) {
		const struct prediction *w = prediction_for(p->name);
		ck_assert_ptr_nonnull(w);
		run_profile(p, &r);
		device_terms(p, &r, &v);
		ck_assert_int_eq(r.engine, p->engine);
		switch (w->want) {
		case W_CONNECT:
			ck_assert_msg(r.connected, "%s: %s / %s", p->name, r.detail, v.text);
			ck_assert_msg(v.ok, "%s: the device's words: %s", p->name, v.text);
			ck_assert_str_eq(r.version, w->version);
			assert_suite_offered(p, &r);
			ck_assert_msg(r.post_alert == -1 && r.response_bytes > 0 && strncmp(r.response_line, "HTTP/1.0 200", 12) == 0,
				      "%s: after the handshake: %s (%ld bytes)", p->name, r.post_detail, r.response_bytes);
			break;
		case W_ANSWER_TOO_LARGE:
			ck_assert_msg(r.connected, "%s: %s", p->name, r.detail);
			ck_assert_str_eq(r.version, w->version);
			assert_suite_offered(p, &r);
			ck_assert_msg(r.oversized_record > p->rx_buffer, "%s: oversized %d, detail %s / %s", p->name,
				      r.oversized_record, r.detail, r.post_detail);
			ck_assert_int_eq(r.response_bytes, 0);
			ck_assert_msg(strstr(r.post_detail, "read failed") != NULL, "%s: %s", p->name, r.post_detail);
			break;
		default:
			ck_abort_msg("%s: no prediction", p->name);
		}
	}
}
END_TEST

/* The BearSSL profile with 512-byte buffers really negotiated max_fragment_length: every server
 * record it read fits 512 bytes of payload (what rx_record_limit 512 checks on BearSSL is its real
 * buffer), and the -www page, several KB, arrived in full. */
START_TEST(bearssl_mfln_profile_reads_a_large_answer_in_512_byte_records)
{
	struct client_result r;
	const struct device_profile *p = device_find("esp8266-bearssl-mfln");
	run_profile(p, &r);
	ck_assert_msg(r.connected, "%s", r.detail);
	ck_assert_int_eq(r.oversized_record, 0);
	ck_assert_int_gt(r.response_bytes, 512);
}
END_TEST

/* A TLS 1.3-only server: every profile that stops at TLS 1.2 hears protocol_version (70), each in
 * its engine's terms; the browser connects with TLS 1.3. */
START_TEST(tls13_only_server_refuses_every_tls12_device)
{
	struct client_result r;
	size_t refused = 0;
	for (const struct device_profile *p = device_profiles; p->name; p++) {
		run_profile_on(p, srv13_port, &r);
		bool tls13 = p->method == METHOD_TLS13 || (p->method == METHOD_ANY && p->max_version == METHOD_TLS13);
		if (tls13) {
			ck_assert_msg(r.connected, "%s: %s", p->name, r.detail);
			ck_assert_str_eq(r.version, "TLSv1.3");
			continue;
		}
		ck_assert_msg(!r.connected, "%s connected to a TLS 1.3-only server", p->name);
		ck_assert_msg(r.alert_received == 70, "%s: alert %d, %s", p->name, r.alert_received, r.detail);
		switch (p->engine) {
		case ENGINE_MBEDTLS:
			ck_assert_int_eq(r.error, -0x7780); /* MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE */
			break;
		case ENGINE_BEARSSL:
			ck_assert_int_eq(r.error, 256 + 70); /* BR_ERR_RECV_FATAL_ALERT + 70 */
			break;
		case ENGINE_WOLFSSL:
		default:
			ck_assert_int_eq(r.error, -313); /* FATAL_ERROR, the alert received */
			break;
		}
		refused++;
	}
	ck_assert_uint_eq(refused, 25);
}
END_TEST

/* Does the list the profile runs with offer an ECDSA suite?  NULL on its own engine is the library's
 * default list, which has them (mbedTLS 2.28, BearSSL's init_full). */
static bool offers_ecdsa(const struct device_profile *p)
{
	const char *list = p->engine == ENGINE_WOLFSSL ? p->ciphers : p->engine_ciphers;
	return !list || strstr(list, "ECDSA") != NULL;
}

/* A server with an ECDSA certificate: the profiles whose suite list has no ECDSA suite (the RSA
 * key-exchange stacks: axTLS, the WINC's default group, the modems, Zephyr's defaults) hear
 * handshake_failure (40) from it; the others connect, with an ECDSA suite. */
START_TEST(ecdsa_server_splits_the_catalogue_by_suite_list)
{
	struct client_result r;
	size_t refused = 0, connected = 0;
	for (const struct device_profile *p = device_profiles; p->name; p++) {
		run_profile_on(p, srvec_port, &r);
		if (offers_ecdsa(p)) {
			ck_assert_msg(r.connected, "%s: %s", p->name, r.detail);
			ck_assert_msg(strstr(r.suite, "ECDSA") || strcmp(r.version, "TLSv1.3") == 0, "%s: %s", p->name, r.suite);
			connected++;
			continue;
		}
		ck_assert_msg(!r.connected, "%s connected with %s", p->name, r.suite);
		ck_assert_msg(r.alert_received == 40, "%s: alert %d, %s", p->name, r.alert_received, r.detail);
		ck_assert_int_eq(r.error, p->engine == ENGINE_MBEDTLS ? -0x7780 : -313);
		refused++;
	}
	/* esp8266-axtls, micropython-esp8266, winc1500, sara-u201, quectel-bg96, quectel-eg91,
	 * simcom-sim7000, zephyr-mbedtls */
	ck_assert_uint_eq(refused, 8);
	ck_assert_uint_eq(connected, 18);
}
END_TEST

static Suite *catalogue_suite(void)
{
	Suite *s = suite_create("devices_catalogue");
	TCase *tc = tcase_create("catalogue");
	tcase_add_test(tc, catalogue_is_complete_and_in_range);
	tcase_add_test(tc, every_profile_has_its_docs_section_and_sources);
	tcase_add_test(tc, apply_copies_buffers_and_engine_suites);
	suite_add_tcase(s, tc);
	TCase *live = tcase_create("live");
	tcase_add_unchecked_fixture(live, setup, teardown);
	tcase_set_timeout(live, 120);
	tcase_add_test(live, every_profile_against_a_server_offering_everything);
	tcase_add_test(live, bearssl_mfln_profile_reads_a_large_answer_in_512_byte_records);
	tcase_add_test(live, tls13_only_server_refuses_every_tls12_device);
	tcase_add_test(live, ecdsa_server_splits_the_catalogue_by_suite_list);
	suite_add_tcase(s, live);
	return s;
}

int main(void)
{
	if (!getcwd(root, sizeof root))
		return EXIT_FAILURE;
	SRunner *sr = srunner_create(catalogue_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
