/*
 * test_serve.c - 'tlsdiag serve' shows each connection as it happens: the
 * real Apache of the ESP8266 report's profile (selfsigned-apache), a real
 * 'openssl s_client' that connects (an ECDHE-GCM suite) and one that fails
 * (only AES128-SHA, as axTLS offers), and the per-connection lines read
 * back: text, and JSON lines validated against docs/schema/serve.schema.json.
 * Live capture needs root or CAP_NET_RAW (make check runs as root).
 */
#include "tests/support/testutil.h"

#include "harness/core/json.h"

#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *argv0;
static char tl[PATH_MAX];

struct served {
	pid_t pid;
	int fd;
	char buf[65536];
	size_t n;
	char connect[32];
};

static void serve_start(struct served *s, const char *mode)
{
	const char *const args[] = { tl, "serve", "selfsigned-apache", mode, NULL };
	memset(s, 0, sizeof *s);
	s->pid = tu_spawn(args, NULL, &s->fd);
	int up = tu_read_until(s->fd, s->buf, sizeof s->buf, &s->n, "Ctrl-C stops the server", tu_bound_ms(30000));
	ck_assert_msg(up, "no banner:\n%s", s->buf);
	ck_assert_msg(strstr(s->buf, "  connections:     each one below as it closes") != NULL,
		      "not watching (needs root or CAP_NET_RAW):\n%s", s->buf);
	const char *p = strstr(s->buf, "serving on 127.0.0.1:");
	ck_assert_ptr_nonnull(p);
	snprintf(s->connect, sizeof s->connect, "127.0.0.1:%ld", strtol(p + strlen("serving on 127.0.0.1:"), NULL, 10));
}

static void serve_stop(struct served *s)
{
	int st;
	kill(s->pid, SIGTERM);
	ck_assert_int_eq(waitpid(s->pid, &st, 0), s->pid);
	close(s->fd);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}

/* s_client with a cipher list, TLS 1.2 only, SNI tlsdiag.test; its exit status. */
static int s_client(const struct served *s, const char *cipher)
{
	const char *const args[] = { "openssl", "s_client", "-connect", s->connect, "-servername", "tlsdiag.test",
				     "-tls1_2", "-cipher", cipher, NULL };
	return tu_run(args, NULL, NULL, NULL);
}

START_TEST(test_serve_text_lines)
{
	struct served s;
	serve_start(&s, NULL);
	ck_assert_int_eq(s_client(&s, "ECDHE-RSA-AES128-GCM-SHA256"), 0);
	ck_assert_int_ne(s_client(&s, "AES128-SHA"), 0);
	/* The fix is the last line of the connection's block: reading only up to the diagnosis raced
	 * it under valgrind (the fix line came after the check). */
	int got = tu_read_until(s.fd, s.buf, sizeof s.buf, &s.n, "  fix        Offer an ECDHE suite", tu_bound_ms(20000));
	serve_stop(&s);
	ck_assert_msg(got, "no second connection:\n%s", s.buf);
	const char *one = strstr(s.buf, "] #1 127.0.0.1:"), *two = strstr(s.buf, "] #2 127.0.0.1:");
	ck_assert_ptr_nonnull(one);
	ck_assert_ptr_nonnull(two);
	ck_assert_ptr_nonnull(strstr(one, "  offered    TLS1.2 TLS1.1 TLS1.0 SSLv3, 2 suites, SNI tlsdiag.test\n"));
	ck_assert_ptr_nonnull(strstr(one, "  connected  TLS1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"));
	ck_assert_ptr_nonnull(strstr(one, "  diagnosis  ok: "));
	ck_assert(strstr(one, "  diagnosis  ok: ") < two);
	ck_assert_ptr_nonnull(strstr(two, "  outcome    failed: no handshake completed\n"));
	ck_assert_ptr_nonnull(strstr(two, "  alert      server sent fatal handshake_failure (40) after ClientHello\n"));
	/* Apache's own lines of that connection: they name the client's port */
	char port[16];
	snprintf(port, sizeof port, ":%ld]", strtol(two + strlen("] #2 127.0.0.1:"), NULL, 10));
	const char *log = strstr(two, "  server log ");
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, port) != NULL, "no log line of %s:\n%s", port, two);
	ck_assert_ptr_nonnull(strstr(two, "  fix        Offer an ECDHE suite"));
}
END_TEST

/* The JSON line of connection n ("{\"format_version\":1,\"connection\":n,"), parsed. */
static struct jv *json_line(const char *buf, int n)
{
	char want[64], err[256];
	snprintf(want, sizeof want, "{\"format_version\":1,\"connection\":%d,", n);
	const char *p = strstr(buf, want);
	ck_assert_msg(p != NULL, "no JSON line for connection %d:\n%s", n, buf);
	size_t len = strcspn(p, "\n");
	char *line = strndup(p, len);
	struct jv *j = jv_parse_string(line, err, sizeof err);
	ck_assert_msg(j != NULL, "%s: %s", line, err);
	/* and it holds to the schema */
	char path[] = "/tmp/tlsdiag-serve-json-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, line, len), (ssize_t)len);
	close(fd);
	char *why = NULL;
	int rc = tu_json_valid("docs/schema/serve.schema.json", path, &why);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", why);
	free(why);
	free(line);
	return j;
}

START_TEST(test_serve_json_lines)
{
	struct served s;
	serve_start(&s, "--json");
	ck_assert_int_eq(s_client(&s, "ECDHE-RSA-AES128-GCM-SHA256"), 0);
	ck_assert_int_ne(s_client(&s, "AES128-SHA"), 0);
	int got = tu_read_until(s.fd, s.buf, sizeof s.buf, &s.n, "\"connection\":2,", tu_bound_ms(20000));
	got = got && tu_read_until(s.fd, s.buf, sizeof s.buf, &s.n, "}}\n", tu_bound_ms(5000));
	serve_stop(&s);
	ck_assert_msg(got, "no second connection:\n%s", s.buf);
	struct jv *ok = json_line(s.buf, 1), *bad = json_line(s.buf, 2);
	ck_assert(jv_boolval(jv_get(ok, "connected")));
	ck_assert_str_eq(jv_str(jv_get(ok, "version")), "TLS1.2");
	ck_assert_str_eq(jv_str(jv_get(ok, "cipher_suite")), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	ck_assert_int_eq(jv_intval(jv_get(jv_get(ok, "offered"), "cipher_suites")), 2); /* and the renegotiation SCSV */
	ck_assert_str_eq(jv_str(jv_get(jv_get(ok, "offered"), "sni")), "tlsdiag.test");
	ck_assert_str_eq(jv_str(jv_get(jv_get(ok, "diagnosis"), "code")), "ok");
	ck_assert(!jv_boolval(jv_get(bad, "connected")));
	ck_assert_str_eq(jv_str(jv_get(bad, "outcome")), "failed");
	const struct jv *a = jv_at(jv_get(bad, "alerts"), 0);
	ck_assert_str_eq(jv_str(jv_get(a, "from")), "server");
	ck_assert_str_eq(jv_str(jv_get(a, "name")), "handshake_failure");
	ck_assert_int_eq(jv_intval(jv_get(a, "code")), 40);
	ck_assert_str_eq(jv_str(jv_get(a, "after")), "ClientHello");
	ck_assert_str_eq(jv_str(jv_get(jv_get(bad, "diagnosis"), "code")), "no_shared_cipher");
	ck_assert_uint_ge(jv_len(jv_get(bad, "server_log")), 1);
	jv_free(ok);
	jv_free(bad);
}
END_TEST

static Suite *serve_suite(void)
{
	Suite *s = suite_create("serve");
	TCase *t = tcase_create("connections");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_serve_text_lines);
	tcase_add_test(t, test_serve_json_lines);
	suite_add_tcase(s, t);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	if (tu_tlsdiag_abs(argv0, tl, sizeof tl) != 0)
		return 2;
	SRunner *sr = srunner_create(serve_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
