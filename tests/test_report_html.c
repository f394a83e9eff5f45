/*
 * test_report_html.c - the HTML report in a real browser.  A run of a
 * scenario with one case against two real servers (one FAIL, one PASS, a
 * hostile note) writes --html; headless Chromium (Debian's chromium)
 * renders it: the screenshot is not blank and shows the grid's PASS green
 * and FAIL red, and the DOM holds every case, its SVG ladder with the alert
 * in red, and no element the note tried to inject.  'decode --html' of a
 * capture the same way, and 'probe --html' against an openssl s_server.
 * Nothing on the page is fetched from a network.
 */
#include "tests/support/capture_support.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tl[PATH_MAX];
static char tmp[PATH_MAX / 2];

static const char scenario[] =
	"[scenario]\n"
	"name = html-check\n"
	"description = <b>bold?</b> & \"quotes\"\n"
	"servers = selfsigned-apache, apache-default\n"
	"device = esp8266-axtls\n"
	"check_name = ip\n\n"
	"[case matrix]\n"
	"server = selfsigned-apache, apache-default\n"
	"verify = no\n"
	"expect = connected\n"
	"note = <script>alert(\"x\")</script> & 'hostile' <img src=x onerror=alert(1)>\n";

/* Renders page with headless Chromium: a screenshot to png (when not NULL) or the DOM into *dom. */
static void chromium(const char *page, const char *png, char **dom)
{
	char udd[PATH_MAX], url[PATH_MAX + 8], shot[PATH_MAX + 16], *err = NULL;
	snprintf(udd, sizeof udd, "%s/chromium-XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(udd));
	char uddarg[PATH_MAX + 20];
	snprintf(uddarg, sizeof uddarg, "--user-data-dir=%s", udd);
	snprintf(url, sizeof url, "file://%s", page);
	snprintf(shot, sizeof shot, "--screenshot=%s", png ? png : "");
	const char *const args[] = { "chromium", "--headless", "--no-sandbox", "--disable-gpu",
				     "--disable-background-networking", "--disable-component-update", "--disable-sync",
				     "--no-first-run", uddarg, "--window-size=1200,1200",
				     png ? shot : "--dump-dom", url, NULL };
	int rc = tu_run(args, tmp, dom, &err);
	ck_assert_msg(rc == 0, "chromium: %d: %s", rc, err);
	free(err);
	tu_rm_tree(udd);
}

/* The screenshot's counts: "total N nonwhite N c8e6c9 N ffcdd2 N c62828 N". */
static void colours(const char *png, long *nonwhite, long *pass, long *fail)
{
	char *out = NULL, *err = NULL;
	const char *const args[] = { "/usr/bin/python3", "tests/support/png_colours.py", png, "c8e6c9", "ffcdd2", NULL };
	ck_assert_msg(tu_run(args, NULL, &out, &err) == 0, "png_colours: %s", err);
	const char *a = strstr(out, " nonwhite "), *b = strstr(out, " c8e6c9 "), *c = strstr(out, " ffcdd2 ");
	ck_assert_msg(a && b && c, "png_colours said: %s", out);
	*nonwhite = strtol(a + 10, NULL, 10);
	*pass = strtol(b + 8, NULL, 10);
	*fail = strtol(c + 8, NULL, 10);
	free(out);
	free(err);
}

/* Nothing the page would fetch, and nothing injected. */
static void assert_self_contained(const char *html)
{
	static const char *const bad[] = { "http://", "https://", "<link", "<script", "url(", "@import", "<img",
					   "<iframe", NULL };
	for (const char *const *b = bad; *b; b++)
		ck_assert_msg(strstr(html, *b) == NULL, "the page holds '%s'", *b);
}

START_TEST(test_run_html_in_chromium)
{
	char ini[PATH_MAX], out_dir[PATH_MAX], page[PATH_MAX], png[PATH_MAX], *out = NULL, *dom = NULL;
	snprintf(ini, sizeof ini, "%s/html-check.ini", tmp);
	snprintf(out_dir, sizeof out_dir, "%s/run", tmp);
	snprintf(page, sizeof page, "%s/run/report.html", tmp);
	snprintf(png, sizeof png, "%s/run.png", tmp);
	FILE *f = fopen(ini, "w");
	ck_assert_ptr_nonnull(f);
	fputs(scenario, f);
	ck_assert_int_eq(fclose(f), 0);
	const char *const args[] = { tl, "run", ini, "--out", out_dir, "--html", page, NULL };
	/* one case fails (the axTLS device against the forward-secret-only Apache): exit 1 */
	ck_assert_int_eq(tu_run(args, NULL, &out, NULL), 1);
	free(out);
	char *html = tu_slurp(page, NULL);
	ck_assert_ptr_nonnull(html);
	assert_self_contained(html);
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;hostile&apos;"));
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"st FAIL\""));
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"st PASS\""));
	ck_assert_ptr_nonnull(
		strstr(html, "<a href=\"html-check/001-matrix_server_selfsigned-apache_/capture.pcap\">capture.pcap</a>"));
	free(html);

	chromium(page, png, NULL);
	long nonwhite, pass, fail;
	colours(png, &nonwhite, &pass, &fail);
	ck_assert_msg(nonwhite > 20000, "the screenshot is (nearly) blank: %ld pixels not white", nonwhite);
	ck_assert_msg(pass > 500 && fail > 500, "the grid's colours: %ld PASS green, %ld FAIL red pixels", pass, fail);

	chromium(page, NULL, &dom);
	ck_assert_ptr_nonnull(strstr(dom, "data-case=\"html-check/matrix[server=selfsigned-apache]\""));
	ck_assert_ptr_nonnull(strstr(dom, "data-case=\"html-check/matrix[server=apache-default]\""));
	ck_assert_ptr_nonnull(strstr(dom, "fill=\"#c62828\">Alert (fatal handshake_failure, 40)</text>"));
	ck_assert_ptr_nonnull(strstr(dom, ">TCP FIN from the "));
	ck_assert_ptr_nonnull(strstr(dom, "<svg width="));
	/* the parsed page has no element the note tried to inject */
	ck_assert_ptr_null(strstr(dom, "<script"));
	ck_assert_ptr_null(strstr(dom, "<img"));
	free(dom);
}
END_TEST

START_TEST(test_decode_html_in_chromium)
{
	char page[PATH_MAX], png[PATH_MAX], *out = NULL, *dom = NULL;
	snprintf(page, sizeof page, "%s/decode.html", tmp);
	snprintf(png, sizeof png, "%s/decode.png", tmp);
	const char *const args[] = { tl, "decode", "tests/data/captures/alert40.pcap", "--html", page, NULL };
	ck_assert_int_eq(tu_run(args, NULL, &out, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "1 connection, 1 failed, 1 with alerts"));
	free(out);
	char *html = tu_slurp(page, NULL);
	ck_assert_ptr_nonnull(html);
	assert_self_contained(html);
	ck_assert_ptr_nonnull(strstr(html, "/tests/data/captures/alert40.pcap\">the capture</a>"));
	free(html);
	chromium(page, png, NULL);
	long nonwhite, pass, fail;
	colours(png, &nonwhite, &pass, &fail);
	ck_assert_msg(nonwhite > 5000, "the screenshot is (nearly) blank: %ld pixels not white", nonwhite);
	chromium(page, NULL, &dom);
	ck_assert_ptr_nonnull(strstr(dom, "id=\"conn-1\""));
	ck_assert_ptr_nonnull(strstr(dom, "fill=\"#c62828\">Alert (fatal handshake_failure, 40)</text>"));
	ck_assert_ptr_nonnull(strstr(dom, ">ClientHello (TLS1.2, 2 suites, SNI localhost)</text>"));
	free(dom);
}
END_TEST

/* 'probe --html': the grid of clients, their ladders, nothing fetched; in a real browser. */
START_TEST(test_probe_html_in_chromium)
{
	static const char *const certs[] = { "selfsigned", NULL };
	char page[PATH_MAX], png[PATH_MAX], outdir[PATH_MAX], target[64], ca[PATH_MAX], *out = NULL, *dom = NULL;
	struct cs_server srv;
	ck_assert_int_eq(cs_certs(tmp, certs), 0);
	const char *extra[] = { "-www", NULL };
	ck_assert_int_eq(cs_s_server(&srv, tmp, "selfsigned", NULL, extra), 0);
	snprintf(target, sizeof target, "127.0.0.1:%u", srv.port);
	snprintf(page, sizeof page, "%s/probe.html", tmp);
	snprintf(png, sizeof png, "%s/probe.png", tmp);
	snprintf(outdir, sizeof outdir, "%s/probe-out", tmp);
	snprintf(ca, sizeof ca, "%s/selfsigned.pem", tmp);
	const char *const args[] = { tl, "probe", target, "-d", "cc3200,esp32-mbedtls", "--no-survey", "--sni",
				     "localhost", "--ca", ca, "--out", outdir, "--html", page, NULL };
	int rc = tu_run(args, NULL, &out, NULL);
	cs_s_server_stop(&srv);
	ck_assert_msg(rc == 0 || rc == 1, "probe exited %d: %s", rc, out ? out : "");
	free(out);
	char *html = tu_slurp(page, NULL);
	ck_assert_ptr_nonnull(html);
	assert_self_contained(html);
	free(html);
	chromium(page, png, NULL);
	long nonwhite, pass, fail;
	colours(png, &nonwhite, &pass, &fail);
	ck_assert_msg(nonwhite > 5000, "the screenshot is (nearly) blank: %ld pixels not white", nonwhite);
	ck_assert_msg(pass + fail > 100, "no PASS or FAIL cell in the screenshot (%ld, %ld)", pass, fail);
	chromium(page, NULL, &dom);
	static const char *const clients[] = { "cc3200", "esp32-mbedtls", "browser", "openssl", "curl", "python3" };
	for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
		char want[80];
		snprintf(want, sizeof want, "data-case=\"%s\"", clients[i]);
		ck_assert_msg(strstr(dom, want) != NULL, "the page has no section for %s", clients[i]);
	}
	ck_assert_ptr_nonnull(strstr(dom, "<svg"));
	free(dom);
}
END_TEST

static Suite *report_html_suite(void)
{
	Suite *s = suite_create("report_html");
	TCase *t = tcase_create("chromium");
	tcase_set_timeout(t, 240);
	tcase_add_test(t, test_run_html_in_chromium);
	tcase_add_test(t, test_decode_html_in_chromium);
	tcase_add_test(t, test_probe_html_in_chromium);
	suite_add_tcase(s, t);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	if (tu_tlsdiag_abs(argv[0], tl, sizeof tl) != 0)
		return 2;
	snprintf(tmp, sizeof tmp, "/tmp/tlsdiag-html-XXXXXX");
	if (!mkdtemp(tmp))
		return 2;
	SRunner *sr = srunner_create(report_html_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_rm_tree(tmp);
	return failed ? 1 : 0;
}
