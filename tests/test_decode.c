/*
 * test_decode.c - a capture file to a report: the JSON is one valid object
 * streamed with its summary and notes, byte for byte the connections' trees
 * in a fixed shape, a write error is reported; the text ends with the
 * summary line, a cut file is decoded as far as it goes, an unusable one
 * writes nothing; and the 'decode' command's options and exit codes.
 */
#include "harness/cmd.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "tests/support/capbuild.h"
#include "tests/support/capture_support.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[PATH_MAX], path[PATH_MAX + 32];
static char tlsdiag[PATH_MAX]; /* the binary beside this test's build */

static const uint8_t client_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29, 0x03, 0x03, 1,  2,  3,  4,    5,	  6,	7,    8,
	9,    10,   11,	  12,	13,   14,   15,	  16,	17,   18,   19,	  20, 21, 22, 23,   24,	  25,	26,   27,
	28,   29,   30,	  31,	32,   0x00, 0x00, 0x02, 0xc0, 0x2f, 0x01, 0x00,
};
static const uint8_t alert40[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };

static void seg(FILE *f, const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t seq, uint8_t flags,
		const void *data, size_t n)
{
	struct cb_seg s = { 4, src, dst, sport, dport, seq, 0, flags, data, n };
	cb_pcap_seg(f, 1700000000, &s);
}

/* Two failed connections (alert 40), one HTTP connection, one UDP-ish frame. */
static void write_capture(void)
{
	FILE *f = cb_pcap_open(path, CB_LINKTYPE_EN10MB, 65535);
	for (uint16_t i = 0; i < 2; i++) {
		uint16_t cp = (uint16_t)(50000 + i);
		seg(f, "10.0.0.1", cp, "10.0.0.2", 443, 100, TCP_SYN, NULL, 0);
		seg(f, "10.0.0.2", 443, "10.0.0.1", cp, 900, TCP_SYN | TCP_ACK, NULL, 0);
		seg(f, "10.0.0.1", cp, "10.0.0.2", 443, 101, TCP_ACK, client_hello, sizeof client_hello);
		seg(f, "10.0.0.2", 443, "10.0.0.1", cp, 901, TCP_ACK, alert40, sizeof alert40);
		seg(f, "10.0.0.2", 443, "10.0.0.1", cp, 908, TCP_ACK | TCP_FIN, NULL, 0);
		seg(f, "10.0.0.1", cp, "10.0.0.2", 443, 101 + sizeof client_hello, TCP_ACK | TCP_FIN, NULL, 0);
	}
	seg(f, "10.0.0.1", 40000, "10.0.0.2", 80, 1, TCP_ACK, "GET / HTTP/1.0\r\n\r\n", 18);
	uint8_t arp[60] = { [12] = 0x08, [13] = 0x06 };
	cb_pcap_frame(f, 1700000001, 0, arp, sizeof arp, sizeof arp);
	fclose(f);
}

/* Runs decode_file into a string; the caller frees it. */
static char *decode_to_string(enum decode_format fmt, uint16_t port, enum err_category *rc, struct decode_stats *st)
{
	struct decode_opts o = { .format = fmt, .port = port };
	char *buf = NULL, err[256] = "";
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	*rc = decode_file(path, &o, out, st, err, sizeof err);
	fclose(out);
	return buf;
}

static void setup(void)
{
	snprintf(path, sizeof path, "%s/t.pcap", dir);
}

static void teardown(void)
{
	unlink(path);
}

START_TEST(json_report_is_one_object)
{
	enum err_category rc;
	struct decode_stats st;
	char err[256];
	write_capture();
	char *text = decode_to_string(DECODE_FORMAT_JSON, 0, &rc, &st);
	ck_assert_int_eq(rc, ERR_NONE);
	struct jv *j = jv_parse_string(text, err, sizeof err);
	ck_assert_msg(j != NULL, "%s: %s", err, text);
	ck_assert_str_eq(jv_str(jv_get(j, "file")), path);
	ck_assert_uint_eq(jv_len(jv_get(j, "connections")), 2);
	const struct jv *s = jv_get(j, "summary");
	ck_assert_int_eq(jv_intval(jv_get(s, "connections")), 2);
	ck_assert_int_eq(jv_intval(jv_get(s, "failed")), 2);
	ck_assert_int_eq(jv_intval(jv_get(s, "with_alerts")), 2);
	ck_assert_int_eq(jv_intval(jv_get(s, "frames")), 14);
	ck_assert(!jv_boolval(jv_get(s, "truncated")));
	const struct jv *notes = jv_get(j, "notes");
	ck_assert_uint_eq(jv_len(notes), 1);
	ck_assert_str_eq(jv_str(jv_at(notes, 0)), "1 TCP connections without TLS were ignored");
	ck_assert_uint_eq(st.frames, 14);
	ck_assert_uint_eq(st.not_tcp, 1);
	jv_free(j);
	free(text);
}
END_TEST

/* Each connection's tree, as decode_run() hands it over, dumped compactly and joined by ",\n". */
static void join_tree(void *ctx, struct tls_conn *c)
{
	FILE *f = ctx;
	struct jv *j = tls_conn_to_json(c);
	if (ftell(f) > 0)
		fputs(",\n", f);
	ck_assert_int_eq(jv_write(f, j, false), 0);
	jv_free(j);
}

/*
 * The streamed report's exact shape: one object, the connections one a line,
 * each the same text as its tree (the report as it was before streaming
 * wrote it without a tree), then the summary and the notes.
 */
START_TEST(json_stream_shape_is_exact)
{
	enum err_category rc;
	struct decode_stats st;
	struct decode_opts o = { .format = DECODE_FORMAT_JSON };
	char err[256], *conns = NULL, *want = NULL;
	size_t clen = 0, wlen = 0;
	write_capture();
	FILE *f = open_memstream(&conns, &clen);
	ck_assert_int_eq(decode_run(path, &o, join_tree, f, &st, err, sizeof err), ERR_NONE);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(conns, "},\n{")); /* two connections */
	f = open_memstream(&want, &wlen);
	fprintf(f,
		"{\"format_version\":1,\"file\":\"%s\",\"connections\":[\n%s\n],\"summary\":{\"frames\":14,\"connections\":2,\"failed\":2,"
		"\"with_alerts\":2,\"truncated\":false},\"notes\":[\"1 TCP connections without TLS were ignored\"]}\n",
		path, conns);
	fclose(f);
	char *text = decode_to_string(DECODE_FORMAT_JSON, 0, &rc, &st);
	ck_assert_int_eq(rc, ERR_NONE);
	ck_assert_str_eq(text, want);
	free(text);
	free(want);
	free(conns);
	/* No connection: the array still opens and closes on lines of its own. */
	text = decode_to_string(DECODE_FORMAT_JSON, 8443, &rc, &st);
	ck_assert_ptr_nonnull(strstr(text, "\"connections\":[\n],\"summary\":{"));
	free(text);
}
END_TEST

START_TEST(json_write_error_is_reported)
{
	struct decode_opts o = { .format = DECODE_FORMAT_JSON };
	struct decode_stats st;
	char err[256] = "";
	write_capture();
	FILE *full = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(full);
	ck_assert_int_eq(decode_file(path, &o, full, &st, err, sizeof err), ERR_IO);
	ck_assert_str_eq(err, "cannot write the report: write error");
	fclose(full);
}
END_TEST

START_TEST(text_report_ends_with_summary)
{
	enum err_category rc;
	struct decode_stats st;
	write_capture();
	char *text = decode_to_string(DECODE_FORMAT_TEXT, 0, &rc, &st);
	ck_assert_int_eq(rc, ERR_NONE);
	ck_assert_ptr_nonnull(strstr(text, "TLS 10.0.0.1:50000 -> 10.0.0.2:443"));
	ck_assert_ptr_nonnull(strstr(text, "TLS 10.0.0.1:50001 -> 10.0.0.2:443"));
	ck_assert_ptr_nonnull(strstr(text, "\n2 connections, 2 failed, 2 with alerts\n"));
	free(text);
	/* --port 80: the HTTP connection only */
	text = decode_to_string(DECODE_FORMAT_TEXT, 80, &rc, &st);
	ck_assert_ptr_nonnull(strstr(text, "1 connection, "));
	free(text);
}
END_TEST

START_TEST(cut_file_is_decoded_as_far_as_it_goes)
{
	enum err_category rc;
	struct decode_stats st;
	struct stat sb;
	char err[256];
	write_capture();
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(truncate(path, sb.st_size - 100), 0); /* past the ARP frame (76 bytes), into the HTTP one */
	char *text = decode_to_string(DECODE_FORMAT_JSON, 0, &rc, &st);
	ck_assert_int_eq(rc, ERR_NONE);
	struct jv *j = jv_parse_string(text, err, sizeof err);
	ck_assert_ptr_nonnull(j);
	ck_assert(jv_boolval(jv_get(jv_get(j, "summary"), "truncated")));
	ck_assert_uint_eq(jv_len(jv_get(j, "connections")), 2);
	ck_assert_ptr_nonnull(strstr(jv_str(jv_at(jv_get(j, "notes"), 0)), "capture truncated after frame 12"));
	jv_free(j);
	free(text);
	text = decode_to_string(DECODE_FORMAT_TEXT, 0, &rc, &st);
	ck_assert_ptr_nonnull(strstr(text, "2 connections, 2 failed, 2 with alerts (capture truncated)\n"));
	free(text);
}
END_TEST

START_TEST(unusable_file_writes_nothing)
{
	enum err_category rc;
	struct decode_stats st;
	FILE *f = fopen(path, "w");
	fputs("not a capture at all", f);
	fclose(f);
	char *text = decode_to_string(DECODE_FORMAT_JSON, 0, &rc, &st);
	ck_assert_int_eq(rc, ERR_INPUT);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

static int cmd(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = { "decode", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	int argc = 1;
	while (argv[argc])
		argc++;
	fflush(stdout);
	return cmd_decode(argc, argv);
}

START_TEST(command_exit_codes)
{
	write_capture();
	ck_assert_int_eq(cmd("--help", NULL, NULL, NULL), 0);
	ck_assert_int_eq(cmd(path, "--format", "json", NULL), 0);
	ck_assert_int_eq(cmd(path, "--port", "443", NULL), 0);
	ck_assert_int_eq(cmd(NULL, NULL, NULL, NULL), 2);
	ck_assert_int_eq(cmd(path, "--format", "xml", NULL), 2);
	ck_assert_int_eq(cmd(path, "--port", "0", NULL), 2);
	ck_assert_int_eq(cmd(path, "--port", "443x", NULL), 2);
	ck_assert_int_eq(cmd(path, "--port", NULL, NULL), 2);
	ck_assert_int_eq(cmd(path, "--bogus", NULL, NULL), 2);
	ck_assert_int_eq(cmd(path, "--memory-budget", "20", NULL), 0);
	ck_assert_int_eq(cmd(path, "--memory-budget", "0", NULL), 2);
	ck_assert_int_eq(cmd(path, "--memory-budget", "64MB", NULL), 2);
	ck_assert_int_eq(cmd(path, "--memory-budget", NULL, NULL), 2);
	ck_assert_int_eq(cmd(path, path, NULL, NULL), 2);
	ck_assert_int_eq(cmd("/nonexistent/x.pcap", NULL, NULL, NULL), 2);
	FILE *f = cb_pcap_open(path, 105, 65535);
	fclose(f);
	ck_assert_int_eq(cmd(path, NULL, NULL, NULL), 2); /* unsupported link type */
}
END_TEST

/*
 * decode - reads a live capture from a pipe: each connection is reported the
 * moment it ends, not when the pipe closes (the report's buffer is flushed
 * per connection).  The capture's bytes are written and the pipe kept open.
 */
START_TEST(command_stdin_reports_each_connection_at_once)
{
	int in[2], out[2];
	write_capture();
	size_t len = 0;
	char *bytes = tu_slurp(path, &len);
	ck_assert_ptr_nonnull(bytes);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(tlsdiag, tlsdiag, "decode", "-", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	ck_assert_int_eq(write(in[1], bytes, len), (ssize_t)len);
	free(bytes);
	char buf[8192];
	size_t n = 0;
	/* Both connections ended (FIN both ways) in what was written: both are told with the pipe still open. */
	int got = tu_read_until(out[0], buf, sizeof buf, &n, "10.0.0.1:50001", tu_bound_ms(10000));
	ck_assert_msg(got, "nothing reported before the end of the capture:\n%.*s", (int)n, buf);
	ck_assert_ptr_null(strstr(buf, " connections, ")); /* the summary waits for the end */
	close(in[1]);
	got = tu_read_until(out[0], buf, sizeof buf, &n, "2 connections, 2 failed", tu_bound_ms(10000));
	ck_assert_msg(got, "%.*s", (int)n, buf);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(out[0]);
}
END_TEST

static void write_file(const char *p, const void *data, size_t n)
{
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* --keylog with a file that yields no secret (binary, only bad lines, empty) is input (2), naming the first problem. */
START_TEST(command_keylog_without_a_secret_is_input)
{
	char kl[PATH_MAX + 32], out[8192], want[2 * PATH_MAX + 256];
	uint8_t bin[2048];
	write_capture();
	snprintf(kl, sizeof kl, "%s/k.log", dir);
	char *argv[] = { tlsdiag, "decode", path, "--keylog", kl, NULL };

	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (uint8_t)(i * 7 + 1) == '\n' ? 0 : (uint8_t)(i * 7 + 1); /* one line of binary */
	write_file(kl, bin, sizeof bin);
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, 60000), 2);
	snprintf(want, sizeof want,
		 "tlsdiag: input error: the key log %s holds no usable secret (first problem: k.log line 1: "
		 "longer than 1024 bytes)\n",
		 kl);
	ck_assert_str_eq(out, want);

	const char *bad = "# a comment\nCLIENT_RANDOM 00\nSERVER_HANDSHAKE_TRAFFIC_SECRET zz yy\n";
	write_file(kl, bad, strlen(bad));
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, 60000), 2);
	snprintf(want, sizeof want,
		 "tlsdiag: input error: the key log %s holds no usable secret (first problem: k.log line 2: "
		 "the client random is not 64 hex digits)\n",
		 kl);
	ck_assert_str_eq(out, want);

	write_file(kl, "", 0);
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, 60000), 2);
	snprintf(want, sizeof want,
		 "tlsdiag: input error: the key log %s holds no usable secret (no NSS key log line in it)\n", kl);
	ck_assert_str_eq(out, want);
	unlink(kl);
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, json_report_is_one_object);
	tcase_add_test(tc, json_stream_shape_is_exact);
	tcase_add_test(tc, json_write_error_is_reported);
	tcase_add_test(tc, text_report_ends_with_summary);
	tcase_add_test(tc, cut_file_is_decoded_as_far_as_it_goes);
	tcase_add_test(tc, unusable_file_writes_nothing);
	tcase_add_test(tc, command_exit_codes);
	tcase_add_test(tc, command_stdin_reports_each_connection_at_once);
	tcase_add_test(tc, command_keylog_without_a_secret_is_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	tu_tlsdiag_path(argv[0], tlsdiag, sizeof tlsdiag);
	if (cs_tmpdir(dir, sizeof dir) < 0) {
		perror("test_decode: mkdtemp");
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(decode_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	cs_rmtree(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
