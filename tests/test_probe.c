/*
 * test_probe.c - 'tlsdiag probe' against servers no tlsdiag profile
 * describes, started here with their own flags and certificates made by the
 * openssl CLI (tests/probe/pki.sh): openssl s_server ECDSA-only TLS 1.2,
 * gnutls-serv TLS 1.3-only, nginx that requires SNI, an RSA-4096 server
 * whose chain makes records over 4 KB, one whose chain lacks its
 * intermediate.  Each asserts the devices' verdicts, the server summary and
 * the exit status; and the command's errors (exit 2) for bad usage, an
 * unreachable target and an unwritable report.
 *
 * gnutls-serv has no listen-address option: it runs in a network namespace
 * of its own (unshare(CLONE_NEWNET) in the test's process, where only lo
 * exists), and the probe with it.  Everything else binds 127.0.0.1.
 */
#include "harness/core/json.h"
#include "harness/servers/proc.h"
#include "tests/support/capture_support.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tlsdiag[4096];
static char pki[256]; /* made once for the suite (unchecked fixture) */
static char tmp[256]; /* per test */

static void pki_setup(void)
{
	char out[2048];
	ck_assert_int_eq(cs_tmpdir(pki, sizeof pki), 0);
	char *argv[] = { "sh", "tests/probe/pki.sh", pki, NULL };
	ck_assert_msg(cs_run(argv, NULL, out, sizeof out, (int)tu_bound_ms(120000)) == 0, "pki.sh: %s", out);
}

static void pki_teardown(void)
{
	cs_rmtree(pki);
}

static void setup(void)
{
	ck_assert_int_eq(cs_tmpdir(tmp, sizeof tmp), 0);
}

static void teardown(void)
{
	cs_rmtree(tmp);
}

static void in_pki(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", pki, name);
}

/* Runs 'tlsdiag probe TARGET --sni probe.test --ca root.pem --json ... EXTRA'; its exit status, JSON and output. */
static int probe(const char *target, const char *const extra[], struct jv **json, char *out, size_t outlen)
{
	static int n;
	char ca[512], jpath[512], odir[512], err[256], secs[24];
	const char *argv[32];
	size_t k = 0;
	in_pki(ca, sizeof ca, "root.pem");
	snprintf(jpath, sizeof jpath, "%s/probe-%d.json", tmp, n);
	snprintf(odir, sizeof odir, "%s/out-%d", tmp, n++);
	/* The probe's per-connection timeout is a bound like any other: it scales. */
	snprintf(secs, sizeof secs, "%lld", tu_bound_ms(5000) / 1000);
	const char *base[] = { tlsdiag, "probe", target, "--sni", "probe.test", "--ca", ca, "--out", odir,
			       "--timeout", secs, "--json", jpath };
	for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
		argv[k++] = base[i];
	for (size_t i = 0; extra && extra[i]; i++)
		argv[k++] = extra[i];
	argv[k] = NULL;
	int rc = cs_run((char *const *)argv, NULL, out, outlen, (int)tu_bound_ms(180000));
	*json = jv_parse_file(jpath, err, sizeof err);
	/* Every report against the schema that ships (docs/schema/probe.schema.json). */
	char *why = NULL;
	if (*json)
		ck_assert_msg(tu_json_valid("docs/schema/probe.schema.json", jpath, &why) == 0, "probe JSON vs schema: %s",
			      why ? why : "");
	free(why);
	return rc;
}

static const struct jv *result(const struct jv *rep, const char *name)
{
	const struct jv *res = jv_get(rep, "results");
	for (size_t i = 0; i < jv_len(res); i++)
		if (strcmp(jv_str(jv_get(jv_at(res, i), "device")) ? jv_str(jv_get(jv_at(res, i), "device")) : "", name) == 0)
			return jv_at(res, i);
	ck_abort_msg("no result for %s", name);
	return NULL;
}

static bool connected(const struct jv *rep, const char *name)
{
	const struct jv *c = jv_get(result(rep, name), "connected");
	ck_assert_msg(c && jv_is_bool(c), "%s: no 'connected'", name);
	return jv_boolval(c);
}

static const char *str_at(const struct jv *o, const char *a, const char *b)
{
	const struct jv *v = jv_get(o, a);
	const char *s = jv_str(b ? jv_get(v, b) : v);
	return s ? s : "";
}

static bool finding(const struct jv *rep, const char *needle)
{
	const struct jv *f = jv_get(jv_get(rep, "server"), "findings");
	for (size_t i = 0; i < jv_len(f); i++)
		if (strstr(str_at(jv_at(f, i), "text", NULL), needle))
			return true;
	return false;
}

static int alert_of(const struct jv *rep, const char *name)
{
	const struct jv *d = jv_get(jv_get(result(rep, name), "alert"), "description");
	return d && jv_is_int(d) ? (int)jv_intval(d) : -1;
}

static void s_server(struct cs_server *srv, const char *cert, const char *const extra[])
{
	const char *args[24];
	size_t k = 0;
	/* cs_s_server serves dir/<cert>.pem and .key: the pki dir is that dir. */
	for (size_t i = 0; extra && extra[i]; i++)
		args[k++] = extra[i];
	args[k] = NULL;
	char log[512];
	snprintf(log, sizeof log, "%s/s_server.log", tmp);
	ck_assert_int_eq(cs_s_server(srv, pki, cert, log, args), 0);
}

START_TEST(ecdsa_only_tls12)
{
	struct cs_server srv;
	char chain[512], target[64], out[65536];
	struct jv *rep;
	in_pki(chain, sizeof chain, "rsa-chain.pem");
	const char *extra[] = { "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
				"-cert_chain", chain, "-www", NULL };
	s_server(&srv, "ec", extra);
	snprintf(target, sizeof target, "127.0.0.1:%u", srv.port);
	int rc = probe(target, NULL, &rep, out, sizeof out);
	ck_assert_msg(rep != NULL, "no JSON report: %s", out);
	ck_assert_int_eq(rc, 1); /* not every device connects */
	/* The CC3200 and axTLS offer no ECDHE-ECDSA GCM suite: the server refuses the hello with alert 40. */
	ck_assert(!connected(rep, "cc3200"));
	ck_assert(!connected(rep, "esp8266-axtls"));
	ck_assert_int_eq(alert_of(rep, "esp8266-axtls"), 40);
	ck_assert_str_eq(str_at(result(rep, "esp8266-axtls"), "alert", "from"), "server");
	ck_assert(connected(rep, "esp8266-bearssl"));
	ck_assert(connected(rep, "esp32-mbedtls"));
	ck_assert_str_eq(str_at(result(rep, "esp32-mbedtls"), "version", NULL), "TLSv1.2");
	ck_assert(connected(rep, "openssl"));
	ck_assert(connected(rep, "python3"));
	ck_assert(connected(rep, "curl"));
	const struct jv *s = jv_get(rep, "server");
	ck_assert_str_eq(str_at(s, "versions", NULL), "TLSv1.2");
	const struct jv *suites = jv_get(jv_get(s, "tls1.2"), "suites");
	ck_assert_int_eq((int)jv_len(suites), 2);
	ck_assert_str_eq(str_at(jv_at(jv_get(s, "chain"), 0), "key_type", NULL), "EC");
	ck_assert_int_eq((int)jv_len(jv_get(s, "chain")), 2);
	ck_assert(finding(rep, "ECDSA certificate"));
	jv_free(rep);

	/* --require names what must connect: the two ECDHE-ECDSA devices do. */
	const char *req[] = { "--require", "esp32-mbedtls,esp8266-bearssl", "--no-survey", NULL };
	ck_assert_int_eq(probe(target, req, &rep, out, sizeof out), 0);
	ck_assert(jv_get(rep, "server") == NULL);
	jv_free(rep);
	cs_s_server_stop(&srv);
}
END_TEST

START_TEST(gnutls_tls13_only)
{
	char crt[512], key[512], target[64], portstr[8], out[65536];
	struct proc p = { 0 };
	struct jv *rep;
	uint16_t port;
	/* A network of our own: gnutls-serv listens on every address it has, and here that is lo alone. */
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s (the test needs root)", strerror(errno));
	char *up[] = { "ip", "link", "set", "lo", "up", NULL };
	ck_assert_int_eq(cs_run(up, NULL, out, sizeof out, (int)tu_bound_ms(10000)), 0);
	int fd = cs_listen(&port);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(portstr, sizeof portstr, "%u", port);
	in_pki(crt, sizeof crt, "rsa-fullchain.pem");
	in_pki(key, sizeof key, "rsa.key");
	char log[512], err[256];
	snprintf(log, sizeof log, "%s/gnutls-serv.log", tmp);
	char *argv[] = { "gnutls-serv", "--port", portstr, "--x509certfile", crt, "--x509keyfile", key,
			 "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3", "--http", NULL };
	struct proc_opts po = { .log_path = log };
	ck_assert_msg(proc_spawn(&p, argv, &po, err, sizeof err) == 0, "gnutls-serv: %s", err);
	ck_assert_msg(proc_wait_port(&p, "127.0.0.1", port, (int)tu_bound_ms(10000), err, sizeof err) == 0,
		      "gnutls-serv not ready: %s", err);
	snprintf(target, sizeof target, "127.0.0.1:%u", port);
	int rc = probe(target, NULL, &rep, out, sizeof out);
	proc_stop(&p, 1000);
	ck_assert_msg(rep != NULL, "no JSON report: %s", out);
	ck_assert_int_eq(rc, 1);
	/* The device profiles stop at TLS 1.2: a TLS 1.3-only server refuses them all. */
	ck_assert(!connected(rep, "cc3200"));
	ck_assert(!connected(rep, "esp8266-axtls"));
	ck_assert(!connected(rep, "esp8266-bearssl"));
	ck_assert(!connected(rep, "esp32-mbedtls"));
	ck_assert(connected(rep, "browser"));
	ck_assert_str_eq(str_at(result(rep, "browser"), "version", NULL), "TLSv1.3");
	ck_assert(connected(rep, "openssl"));
	ck_assert(connected(rep, "python3"));
	const struct jv *s = jv_get(rep, "server");
	ck_assert_str_eq(str_at(s, "versions", NULL), "TLSv1.3");
	ck_assert(jv_get(s, "tls1.2") == NULL);
	ck_assert_int_ge((int)jv_len(jv_get(jv_get(s, "tls1.3"), "suites")), 3);
	ck_assert(finding(rep, "TLS 1.3 only"));
	jv_free(rep);
}
END_TEST

/* nginx with a default server that rejects every handshake: only a client sending SNI probe.test gets through. */
START_TEST(nginx_requires_sni)
{
	char conf[512], text[4096], crt[512], key[512], target[64], out[65536], err[256], log[512];
	struct proc p = { 0 };
	struct jv *rep;
	uint16_t port;
	int fd = cs_listen(&port);
	ck_assert_int_ge(fd, 0);
	close(fd);
	in_pki(crt, sizeof crt, "rsa-fullchain.pem");
	in_pki(key, sizeof key, "rsa.key");
	/* nginx's own dir: it hands its temp paths to its worker user, and the probe's --out must stay ours. */
	char ng[300];
	snprintf(ng, sizeof ng, "%s/nginx", tmp);
	ck_assert_int_eq(mkdir(ng, 0700), 0);
	snprintf(conf, sizeof conf, "%s/nginx.conf", ng);
	snprintf(text, sizeof text,
		 "daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\n"
		 "error_log %s/nginx-error.log info;\nevents { worker_connections 64; }\n"
		 "http {\n  access_log off;\n  client_body_temp_path %s;\n  proxy_temp_path %s;\n"
		 "  fastcgi_temp_path %s;\n  uwsgi_temp_path %s;\n  scgi_temp_path %s;\n"
		 "  server { listen 127.0.0.1:%u ssl default_server; ssl_reject_handshake on; }\n"
		 "  server { listen 127.0.0.1:%u ssl; server_name probe.test;\n"
		 "    ssl_certificate %s; ssl_certificate_key %s;\n    location / { return 200 \"ok\\n\"; } }\n}\n",
		 ng, ng, ng, ng, ng, ng, ng, port, port, crt, key);
	FILE *f = fopen(conf, "w");
	ck_assert(f != NULL);
	fputs(text, f);
	fclose(f);
	snprintf(log, sizeof log, "%s/nginx.log", ng);
	char *argv[] = { "nginx", "-c", conf, "-p", ng, "-e", log, NULL };
	struct proc_opts po = { .log_path = log };
	ck_assert_msg(proc_spawn(&p, argv, &po, err, sizeof err) == 0, "nginx: %s", err);
	ck_assert_msg(proc_wait_port(&p, "127.0.0.1", port, (int)tu_bound_ms(10000), err, sizeof err) == 0,
		      "nginx not ready: %s", err);
	snprintf(target, sizeof target, "127.0.0.1:%u", port);
	int rc = probe(target, NULL, &rep, out, sizeof out);
	ck_assert_msg(rep != NULL, "no JSON report: %s", out);
	ck_assert_int_eq(rc, 1);
	/* The CC3200 sends no SNI: nginx's default server rejects the handshake with unrecognized_name (112). */
	ck_assert(!connected(rep, "cc3200"));
	ck_assert_int_eq(alert_of(rep, "cc3200"), 112);
	ck_assert(connected(rep, "esp8266-axtls"));
	ck_assert(connected(rep, "esp32-mbedtls"));
	ck_assert(connected(rep, "curl"));
	const struct jv *s = jv_get(rep, "server");
	ck_assert_msg(strncmp(str_at(s, "sni", NULL), "required", 8) == 0, "sni: %s", str_at(s, "sni", NULL));
	ck_assert(finding(rep, "requires SNI"));
	jv_free(rep);
	const char *req[] = { "--require", "esp32-mbedtls", "--no-survey", NULL };
	ck_assert_int_eq(probe(target, req, &rep, out, sizeof out), 0);
	jv_free(rep);
	proc_stop(&p, 2000);
}
END_TEST

START_TEST(rsa4096_large_records)
{
	struct cs_server srv;
	char chain[512], target[64], out[65536];
	struct jv *rep;
	in_pki(chain, sizeof chain, "big-chain.pem");
	const char *extra[] = { "-cert_chain", chain, "-www", NULL };
	s_server(&srv, "big", extra);
	snprintf(target, sizeof target, "127.0.0.1:%u", srv.port);
	int rc = probe(target, NULL, &rep, out, sizeof out);
	cs_s_server_stop(&srv);
	ck_assert_msg(rep != NULL, "no JSON report: %s", out);
	/* Zephyr's 1500-byte MBEDTLS_SSL_MAX_CONTENT_LEN cannot take the Certificate record: the real mbedTLS says so. */
	ck_assert_int_eq(rc, 1);
	ck_assert(!connected(rep, "zephyr-mbedtls"));
	ck_assert_str_eq(str_at(result(rep, "zephyr-mbedtls"), "error", "name"), "MBEDTLS_ERR_SSL_INVALID_RECORD");
	ck_assert_int_gt((int)jv_intval(jv_get(result(rep, "zephyr-mbedtls"), "oversized_record")), 4096);
	ck_assert(connected(rep, "esp32-mbedtls"));
	ck_assert(connected(rep, "esp8266-bearssl"));
	ck_assert(connected(rep, "cc3200"));
	const struct jv *s = jv_get(rep, "server");
	ck_assert_int_eq((int)jv_len(jv_get(s, "chain")), 4);
	const struct jv *bits = jv_get(jv_at(jv_get(s, "chain"), 0), "key_bits");
	ck_assert(bits && jv_is_int(bits));
	ck_assert_int_eq((int)jv_intval(bits), 4096);
	/* The Certificate record is over 4 KB; OpenSSL honours max_fragment_length (RFC 6066 4). */
	ck_assert_msg(strstr(str_at(s, "records", NULL), "larger than 4 KB") != NULL, "%s", str_at(s, "records", NULL));
	ck_assert_msg(strstr(str_at(s, "records", NULL), "4096: honoured") != NULL, "%s", str_at(s, "records", NULL));
	ck_assert(finding(rep, "RSA-4096 leaf"));
	ck_assert(finding(rep, "records larger than 4 KB"));
	const struct jv *f = jv_get(s, "findings");
	bool zephyr_hurt = false;
	for (size_t i = 0; i < jv_len(f); i++)
		if (strstr(str_at(jv_at(f, i), "text", NULL), "records larger than 4 KB") &&
		    strstr(str_at(jv_at(f, i), "hurts", NULL), "zephyr-mbedtls"))
			zephyr_hurt = true;
	ck_assert_msg(zephyr_hurt, "the records finding does not name zephyr-mbedtls");
	jv_free(rep);
}
END_TEST

START_TEST(chain_without_intermediate)
{
	struct cs_server srv;
	char target[64], out[65536];
	struct jv *rep;
	const char *extra[] = { "-www", NULL };
	s_server(&srv, "rsa", extra);
	snprintf(target, sizeof target, "127.0.0.1:%u", srv.port);
	int rc = probe(target, NULL, &rep, out, sizeof out);
	cs_s_server_stop(&srv);
	ck_assert_msg(rep != NULL, "no JSON report: %s", out);
	ck_assert_int_eq(rc, 1);
	static const char *const all[] = { "cc3200", "esp8266-axtls", "esp8266-bearssl", "esp32-mbedtls",
					   "openssl", "curl", "python3" };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ck_assert_msg(!connected(rep, all[i]), "%s connected without the intermediate", all[i]);
	ck_assert_int_eq(alert_of(rep, "esp32-mbedtls"), 48); /* unknown_ca, sent by the client */
	ck_assert_str_eq(str_at(result(rep, "esp32-mbedtls"), "alert", "from"), "client");
	ck_assert_msg(strstr(str_at(result(rep, "curl"), "error", "text"), "unable to get local issuer certificate"),
		      "%s", str_at(result(rep, "curl"), "error", "text"));
	const struct jv *s = jv_get(rep, "server");
	ck_assert_int_eq((int)jv_len(jv_get(s, "chain")), 1);
	ck_assert(strstr(str_at(s, "chain_note", NULL), "sends only its leaf") != NULL);
	ck_assert(finding(rep, "intermediate is missing"));
	jv_free(rep);
}
END_TEST

START_TEST(junit_one_testcase_per_client)
{
	struct cs_server srv;
	char target[64], out[65536], junit[512];
	struct jv *rep;
	const char *extra[] = { "-www", NULL };
	s_server(&srv, "rsa", extra);
	snprintf(target, sizeof target, "127.0.0.1:%u", srv.port);
	snprintf(junit, sizeof junit, "%s/probe.xml", tmp);
	const char *args[] = { "--junit", junit, "--no-survey", "-d", "esp32-mbedtls,cc3200", NULL };
	int rc = probe(target, args, &rep, out, sizeof out);
	cs_s_server_stop(&srv);
	ck_assert_int_eq(rc, 1);
	ck_assert_int_eq(tu_xmllint(junit), 0);
	size_t len;
	char *xml = tu_slurp(junit, &len);
	ck_assert(xml != NULL);
	size_t cases = 0;
	for (const char *p = xml; (p = strstr(p, "<testcase ")); p++)
		cases++;
	/* two devices and the four reference clients */
	ck_assert_int_eq((int)cases, 6);
	ck_assert(strstr(xml, "name=\"esp32-mbedtls\"><failure") != NULL);
	free(xml);
	ck_assert_int_eq((int)jv_len(jv_get(rep, "results")), 6);
	ck_assert_int_eq((int)jv_intval(jv_get(rep, "format_version")), 1);
	jv_free(rep);
}
END_TEST

START_TEST(errors_exit_2)
{
	char out[8192];
	uint16_t port;
	int fd = cs_listen(&port);
	ck_assert_int_ge(fd, 0);
	close(fd); /* nothing listens there now */
	char target[64];
	snprintf(target, sizeof target, "127.0.0.1:%u", port);
	char *refused[] = { tlsdiag, "probe", target, "--no-survey", "-d", "cc3200", "--out", tmp, NULL };
	ck_assert_int_eq(cs_run(refused, NULL, out, sizeof out, (int)tu_bound_ms(60000)), 2);
	ck_assert_msg(strstr(out, "no attempt reached the server") != NULL, "%s", out);
	char *badport[] = { tlsdiag, "probe", "127.0.0.1:99999", NULL };
	ck_assert_int_eq(cs_run(badport, NULL, out, sizeof out, (int)tu_bound_ms(10000)), 2);
	char *nodev[] = { tlsdiag, "probe", target, "-d", "esp9999", "--out", tmp, NULL };
	ck_assert_int_eq(cs_run(nodev, NULL, out, sizeof out, (int)tu_bound_ms(10000)), 2);
	ck_assert_msg(strstr(out, "unknown device 'esp9999'") != NULL, "%s", out);
	char *nojson[] = { tlsdiag, "probe", target, "--json", "/nonexistent-dir/p.json", NULL };
	ck_assert_int_eq(cs_run(nojson, NULL, out, sizeof out, (int)tu_bound_ms(10000)), 2);
	ck_assert_msg(strstr(out, "/nonexistent-dir/p.json") != NULL, "%s", out);
	char *help[] = { tlsdiag, "probe", "--help", NULL };
	ck_assert_int_eq(cs_run(help, NULL, out, sizeof out, (int)tu_bound_ms(10000)), 0);
	ck_assert(strstr(out, "--require LIST") != NULL);
}
END_TEST

/* 'tlsdiag devices --json' lists every profile with its engine and sources. */
START_TEST(devices_listed)
{
	char out[65536], err[256];
	char *argv[] = { tlsdiag, "devices", "--json", NULL };
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, (int)tu_bound_ms(10000)), 0);
	struct jv *j = jv_parse_string(out, err, sizeof err);
	ck_assert_msg(j != NULL, "%s", err);
	const struct jv *d = jv_get(j, "devices");
	ck_assert_int_eq((int)jv_intval(jv_get(j, "format_version")), 1);
	ck_assert_int_ge((int)jv_len(d), 21); /* 20 embedded profiles at least, and the browser */
	bool cc3200 = false;
	for (size_t i = 0; i < jv_len(d); i++) {
		const struct jv *x = jv_at(d, i);
		ck_assert(strlen(str_at(x, "engine", NULL)) > 0);
		ck_assert(strlen(str_at(x, "sources", NULL)) > 0);
		ck_assert(strlen(str_at(x, "versions", NULL)) > 0);
		if (strcmp(str_at(x, "name", NULL), "cc3200") == 0) {
			cc3200 = true;
			ck_assert_str_eq(str_at(x, "versions", NULL), "sslv3-tls1.2");
			ck_assert_str_eq(str_at(x, "sni", NULL), "off");
			ck_assert_int_eq((int)jv_intval(jv_get(x, "time_t_bits")), 32);
		}
	}
	ck_assert(cc3200);
	jv_free(j);
}
END_TEST

static Suite *probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("probe");
	tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, ecdsa_only_tls12);
	tcase_add_test(tc, gnutls_tls13_only);
	tcase_add_test(tc, nginx_requires_sni);
	tcase_add_test(tc, rsa4096_large_records);
	tcase_add_test(tc, chain_without_intermediate);
	tcase_add_test(tc, junit_one_testcase_per_client);
	tcase_add_test(tc, errors_exit_2);
	tcase_add_test(tc, devices_listed);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	tu_tlsdiag_path(argv[0], tlsdiag, sizeof tlsdiag);
	SRunner *sr = srunner_create(probe_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
