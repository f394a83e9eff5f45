/*
 * test_diag_corpus.c - the diagnosis against failures made at test time
 * between real, independent implementations: OpenSSL (s_server, s_client,
 * nginx, curl, Python's ssl), GnuTLS (gnutls-cli), NSS (tstclnt), mbedTLS
 * (lighttpd's mod_mbedtls) and wolfSSL (our own client).
 *
 * How it works: one fixture, run once, captures lo with dumpcap (a port
 * filter on a block of 200 free ports), lets tests/diag_corpus/make_captures.sh
 * run the external cases (servers and clients in parallel, each on its own
 * port, the manifest naming them), runs our own client's cases, stops the
 * capture and decodes it once with the project's decoder.  Each case then
 * checks the exact diagnosis code (and variant) of its connection, the
 * evidence that must be named, and the other causes listed when the
 * evidence cannot decide.  Nothing is committed: every capture is made here.
 * Cases named regress_* are the wrong diagnoses of issue 15.
 */
#include "harness/client/client.h"
#include "harness/core/json.h"
#include "harness/decode/decode.h"
#include "harness/explain/explain.h"
#include "tests/support/capture_support.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#define SPAN 200
#define MAX_CONNS 512
#define MAX_CASES 128

struct expect {
	const char *name;
	const char *key; /* the diagnosis.ini section: code or code/variant */
	const char *ev[3]; /* substrings of the evidence, NULL-ended */
	const char *also; /* the first other cause listed, NULL: none must be, "*": either (timing decides) */
	bool by_port; /* decoded with --port (its first bytes do not look like TLS) */
};

/* Our own client (wolfSSL) against openssl s_server: what make_captures.sh cannot run. */
struct own_case {
	const char *name;
	const char *cert; /* the server's leaf */
	const char *server_args[6];
	void (*set)(struct client_case *cc);
	bool hint; /* weigh the client's own error (its detail line) with the capture */
};

static void own_sslv3(struct client_case *cc)
{
	cc->method = METHOD_SSLV3;
	cc->verify = false;
}

static void own_no_sni(struct client_case *cc)
{
	cc->sni = SNI_OFF;
	cc->check_name = "tlsdiag.test";
}

static void own_rtc(struct client_case *cc)
{
	cc->clock = 946684800; /* 2000-01-01: the RTC never set */
}

static void own_ip_sni(struct client_case *cc)
{
	cc->sni = SNI_OTHER;
	cc->sni_name = "127.0.0.1";
	cc->check_name = "127.0.0.1";
}

static void own_weak_key(struct client_case *cc)
{
	cc->min_rsa_bits = 2048;
}

static void own_sha1(struct client_case *cc)
{
	cc->reject_sha1 = true;
}

/* A device with a 1 KiB receive buffer that does not ask for max_fragment_length (axTLS, small mbedTLS builds). */
static void own_small_buffer(struct client_case *cc)
{
	cc->rx_record_limit = 1024;
}

static void own_ok(struct client_case *cc)
{
	(void)cc;
}

static const struct own_case own_cases[] = {
	{ "regress_sslv3_vs_tls12_is_version_not_suite", "valid", { NULL }, own_sslv3, false },
	{ "regress_no_sni_wrong_host_own_client", "wrong-host", { NULL }, own_no_sni, false },
	{ "regress_rtc_never_set_is_expired_alert_45", "valid", { NULL }, own_rtc, false },
	{ "name_own_client_ip_in_sni", "wrong-host", { NULL }, own_ip_sni, false },
	{ "weakkey_own_client_min_2048", "rsa1024", { "-cipher", "DEFAULT@SECLEVEL=0", NULL }, own_weak_key, false },
	{ "weaksig_own_client_rejects_sha1", "sha1", { "-cipher", "DEFAULT@SECLEVEL=0", NULL }, own_sha1, false },
	{ "record_too_large_own_client_1k_buffer", "valid", { NULL }, own_small_buffer, true },
	{ "ok_own_client", "valid", { NULL }, own_ok, false },
};
#define N_OWN (sizeof own_cases / sizeof own_cases[0])

/* Generated from a run, then read case by case: each code is what the evidence supports. */
static const struct expect expects[] = {
	{ "regress_tls13_no_shared_group_is_group_not_cipher", "no_shared_group", { "the server sent alert 40 handshake_failure after ClientHello", "the client's groups: x25519 (a single group" }, "version_too_high", false },
	{ "regress_tls13_no_shared_sigalg_is_sigalg_not_cipher", "no_shared_sigalg", { "the server sent alert 40 handshake_failure after ClientHello", "rsa_pkcs1_sha512, ecdsa_secp521r1_sha512", "RFC 8446 9.1" }, "version_too_high", false },
	{ "regress_tls10_vs_openssl3_is_version_not_peer_alert", "version_too_low", { "the server sent alert 80 internal_error after ClientHello", "MD5+SHA-1" }, "no_shared_sigalg", false },
	{ "regress_plain_http_is_plaintext_peer_not_closed", "plaintext_peer", { "the server sent 173 bytes that are not TLS: HTTP, starting \"HTTP/1.1 400 Bad Request\"" }, NULL, false },
	{ "regress_refused_is_connection_refused_not_no_data", "connection_refused", { "was answered by an RST: nothing listens on that port" }, NULL, false },
	{ "regress_silent_server_is_silence_client_gave_up", "server_silent", { "after the client's ClientHello the server's side sent nothing for 1.", "then the client closed the connection (FIN)" }, NULL, false },
	{ "regress_no_sni_wrong_host_is_hostname_mismatch", "hostname_mismatch/no_sni", { "the client sent alert 42 bad_certificate after ServerHelloDone", "no SNI", "wrong.tlsdiag.test" }, NULL, false },
	{ "vlow_openssl_tls12_vs_tls13_only", "version_too_low", { "the server sent alert 70 protocol_version after ClientHello" }, "version_too_high", false },
	{ "vlow_gnutls_tls11_vs_openssl", "version_too_low", { "the server sent alert 80 internal_error after ClientHello" }, "no_shared_sigalg", false },
	{ "vlow_nss_tls10_vs_nginx", "version_too_low", { "the server sent alert 70 protocol_version after ClientHello" }, NULL, false },
	{ "vlow_python_tls11_vs_nginx", "version_too_low", { "the server sent alert 70 protocol_version after ClientHello" }, NULL, false },
	{ "vlow_curl_tls11_vs_lighttpd", "version_too_low", { "the server sent alert 70 protocol_version after ClientHello" }, NULL, false },
	{ "vhigh_openssl_tls13_vs_tls12_server", "version_too_high", { "the server sent alert 70 protocol_version after ClientHello" }, NULL, false },
	{ "vhigh_gnutls_tls13_vs_tls12_server", "version_too_high", { "the server sent alert 70 protocol_version after ClientHello" }, NULL, false },
	{ "vhigh_python_tls13_vs_mbedtls", "version_too_high", { "the server sent alert 40 handshake_failure after ClientHello" }, NULL, false },
	{ "vhigh_curl_tls13_vs_mbedtls", "version_too_high", { "the server sent alert 40 handshake_failure after ClientHello" }, NULL, false },
	{ "cipher_static_rsa_openssl", "no_shared_cipher/static_rsa", { "the server sent alert 40 handshake_failure after ClientHello", "only static-RSA" }, NULL, false },
	{ "cipher_curl_cbc_vs_nginx_gcm", "no_shared_cipher", { "the server sent alert 40 handshake_failure after ClientHello", "no AEAD" }, NULL, false },
	{ "cipher_gnutls_cbc_vs_openssl_gcm", "no_shared_cipher", { "the server sent alert 40 handshake_failure after ClientHello", "no AEAD" }, NULL, false },
	{ "group_gnutls_x25519_vs_openssl_p384", "no_shared_group", { "the server sent alert 40 handshake_failure after ClientHello" }, "version_too_high", false },
	{ "group_tls12_ecdhe_openssl", "no_shared_group", { "the server sent alert 40 handshake_failure after ClientHello", "a single group" }, NULL, false },
	{ "group_curl_x25519_vs_nginx_p384", "no_shared_group", { "the server sent alert 40 handshake_failure after ClientHello" }, "version_too_high", false },
	{ "sigalg_tls12_sha1_only", "no_shared_sigalg", { "the server sent alert 40 handshake_failure after ClientHello", "rsa_pkcs1_sha1", "no SHA-256+" }, NULL, false },
	{ "sigalg_gnutls_tls13_sha512_only", "no_shared_sigalg", { "the server sent alert 40 handshake_failure after ClientHello" }, "version_too_high", false },
	{ "keytype_tls13_ecdsa_sigalgs_vs_rsa", "unsupported_certificate", { "the server sent alert 40 handshake_failure after ClientHello", "only verify ECDSA", "ecdsa_secp256r1_sha256" }, "version_too_high", false },
	{ "keytype_tls12_ecdsa_suites_vs_rsa", "unsupported_certificate", { "the server sent alert 40 handshake_failure after ClientHello", "only verify ECDSA" }, NULL, false },
	{ "keytype_curl_ecdsa_vs_nginx_rsa", "unsupported_certificate", { "the server sent alert 40 handshake_failure after ClientHello", "only verify ECDSA" }, NULL, false },
	{ "ccreq_openssl", "client_cert_required", { "the server sent alert 40 handshake_failure after Finished" }, NULL, false },
	{ "ccreq_python", "client_cert_required", { "the server sent alert 40 handshake_failure after Finished" }, NULL, false },
	{ "ccreq_gnutls", "client_cert_required", { "the server sent alert 40 handshake_failure after Finished" }, NULL, false },
	{ "ccrej_openssl_other_root", "client_cert_rejected", { "the server sent alert 48 unknown_ca after Finished", "the client sent its certificate" }, NULL, false },
	{ "ccrej_gnutls_other_root", "client_cert_rejected", { "the server sent alert 48 unknown_ca after Finished", "the client sent its certificate" }, NULL, false },
	{ "sni_required_openssl_vs_nginx", "missing_sni", { "the server sent alert 112 unrecognized_name after ClientHello" }, NULL, false },
	{ "sni_required_curl_by_ip_vs_nginx", "missing_sni", { "the server sent alert 112 unrecognized_name after ClientHello" }, NULL, false },
	{ "sni_required_python_vs_nginx", "missing_sni", { "the server sent alert 112 unrecognized_name after ClientHello" }, NULL, false },
	{ "sni_unknown_openssl", "unrecognized_name", { "the server sent alert 112 unrecognized_name after ClientHello" }, NULL, false },
	{ "sni_unknown_curl_vs_nginx", "unrecognized_name", { "the server sent alert 112 unrecognized_name after ClientHello" }, NULL, false },
	{ "sni_unknown_gnutls_vs_nginx", "unrecognized_name", { "the server sent alert 112 unrecognized_name after ClientHello" }, NULL, false },
	{ "name_openssl_wrong_host", "hostname_mismatch/wrong_vhost", { "the client sent alert 42 bad_certificate after ServerHelloDone" }, NULL, false },
	{ "name_python_wrong_host", "hostname_mismatch/wrong_vhost", { "the client sent alert 42 bad_certificate after ServerHelloDone" }, NULL, false },
	{ "name_curl_wrong_host_vs_nginx", "ok", { "the handshake completed, but the connection closed with no data sent either way", "wrong.tlsdiag.test" }, "hostname_mismatch", false },
	{ "name_gnutls_wrong_host", "hostname_mismatch/wrong_vhost", { "the client sent alert 42 bad_certificate after ServerHelloDone" }, NULL, false },
	{ "ca_openssl_other_root", "unknown_ca", { "the client sent alert 48 unknown_ca after EncryptedRecords" }, NULL, false },
	{ "ca_python_selfsigned", "unknown_ca", { "the client sent alert 48 unknown_ca after EncryptedRecords" }, NULL, false },
	{ "ca_gnutls_vs_nginx", "bad_certificate", { "the client sent alert 42 bad_certificate after ServerHelloDone" }, "unknown_ca", false },
	{ "ca_curl_vs_lighttpd", "unknown_ca", { "the client sent alert 48 unknown_ca after " }, NULL, false },
	{ "expired_openssl", "certificate_expired", { "the client sent alert 45 certificate_expired after EncryptedRecords" }, NULL, false },
	{ "expired_python_vs_nginx", "certificate_expired", { "the client sent alert 45 certificate_expired after ServerHelloDone", "had expired when the capture was taken" }, NULL, false },
	{ "expired_gnutls", "certificate_expired", { "the client sent alert 42 bad_certificate after ServerHelloDone", "had expired when the capture was taken" }, NULL, false },
	{ "not_yet_valid_openssl", "certificate_expired/not_yet_valid", { "the client sent alert 42 bad_certificate after ServerHelloDone", "not yet valid when the capture was taken" }, NULL, false },
	{ "weakkey_openssl_level2", "weak_key", { "the client sent alert 42 bad_certificate after ServerHelloDone", "RSA 1024-bit key" }, NULL, false },
	{ "weaksig_openssl_level2", "weak_signature", { "the client sent alert 42 bad_certificate after ServerHelloDone", "sha1WithRSAEncryption" }, NULL, false },
	{ "plain_http_vs_curl", "plaintext_peer", { "the server sent 173 bytes that are not TLS: HTTP, starting \"HTTP/1.1 400 Bad Request\"" }, NULL, false },
	{ "refused_curl", "connection_refused", { "was answered by an RST: nothing listens on that port" }, NULL, false },
	{ "refused_gnutls", "connection_refused", { "was answered by an RST: nothing listens on that port" }, NULL, false },
	{ "silent_openssl_client_killed", "server_silent", { "sent nothing", "(FIN)" }, NULL, false }, /* 1.5 s: either side of the 1 s line */
	{ "silent_python_timeout", "server_silent", { "the server's side sent nothing for 1.", "then the client closed the connection (FIN)" }, NULL, false },
	{ "closed_fin_after_hello", "server_closed_without_alert", { "the server closed the connection (FIN) after the ClientHello without a ServerHello or an alert" }, NULL, false },
	{ "closed_rst_after_hello", "server_closed_without_alert/reset", { "the server closed the connection (RST) after the ClientHello without a ServerHello or an alert" }, NULL, false },
	{ "tls13_name_openssl_hidden_chain", "bad_certificate", { "the client sent alert 42 bad_certificate after EncryptedRecords", "encrypted, so its names" }, "hostname_mismatch", false },
	{ "tls13_expired_python_hidden_chain", "certificate_expired", { "the client sent alert 45 certificate_expired after EncryptedRecords" }, NULL, false },
	{ "tls13_client_cert_openssl_encrypted_alert", "encrypted_alert", { "a TLS 1.3 server alert after the client's second flight" }, "client_cert_required", false },
	{ "vlow_openssl_tls11_vs_lighttpd", "version_too_low", { "the server sent alert 70 protocol_version after ClientHello" }, NULL, false },
	{ "ok_python_static_rsa_vs_nginx", "ok", { "both sides finished the handshake with TLS1.2 and TLS_RSA_WITH_AES_128_CBC_SHA" }, NULL, false },
	{ "ccreq_curl_vs_openssl", "client_cert_required", { "the server sent alert 40 handshake_failure after Finished" }, NULL, false },
	{ "expired_curl_vs_lighttpd", "certificate_expired", { "the client sent alert 45 certificate_expired after ", "had expired when the capture was taken" }, NULL, false },
	{ "refused_python", "connection_refused", { "was answered by an RST: nothing listens on that port" }, NULL, false },
	{ "plain_http_vs_python", "plaintext_peer", { "the server sent 173 bytes that are not TLS: HTTP, starting \"HTTP/1.1 400 Bad Request\"" }, NULL, false },
	{ "unknown_ca_openssl_tls12", "unknown_ca", { "the client sent alert 48 unknown_ca after ServerHelloDone" }, NULL, false },
	{ "ok_openssl_vs_nginx", "ok", { "both sides finished the handshake with TLS1.3 and TLS_AES_256_GCM_SHA384" }, NULL, false },
	{ "ok_curl_vs_lighttpd", "ok", { "both sides finished the handshake with TLS1.2 and TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" }, NULL, false },
	{ "ok_gnutls_vs_openssl", "ok", { "both sides finished the handshake with TLS1.3 and TLS_AES_256_GCM_SHA384" }, NULL, false },
	{ "ok_nss_vs_openssl", "ok", { "both sides finished the handshake with TLS1.3 and TLS_AES_128_GCM_SHA256" }, NULL, false },
	{ "regress_sslv3_vs_tls12_is_version_not_suite", "version_too_low", { "the server sent alert 40 handshake_failure after ClientHello", "only SSLv3", "RFC 7568" }, NULL, false },
	{ "regress_no_sni_wrong_host_own_client", "hostname_mismatch/no_sni", { "the client sent alert 42 bad_certificate after ServerHelloDone", "no SNI", "wrong.tlsdiag.test" }, NULL, false },
	{ "regress_rtc_never_set_is_expired_alert_45", "certificate_expired/device_clock", { "the client sent alert 45 certificate_expired after ServerHelloDone", "device's clock is wrong" }, NULL, false },
	{ "name_own_client_ip_in_sni", "hostname_mismatch/ip", { "the client sent alert 42 bad_certificate after ServerHelloDone", "\"127.0.0.1\"", "IP SAN" }, NULL, false },
	{ "weakkey_own_client_min_2048", "weak_key", { "the client sent alert 42 bad_certificate after ServerHelloDone", "RSA 1024-bit key" }, NULL, false },
	{ "weaksig_own_client_rejects_sha1", "weak_signature", { "the client sent alert 42 bad_certificate after ServerHelloDone", "sha1WithRSAEncryption" }, NULL, false },
	{ "record_too_large_own_client_1k_buffer", "record_overflow", { "the client sent alert 22 record_overflow after ServerHelloDone", "longest record was" }, NULL, false },
	{ "ok_own_client", "ok", { "both sides finished the handshake with TLS1.2 and TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" }, NULL, false },
	{ "plain_ssh_banner", "plaintext_peer", { "the server sent 32 bytes that are not TLS", "SSH, starting \"SSH-2.0-OpenSSH" }, NULL, true },
	{ "plain_client_http_to_nginx", "plaintext_peer/client", { "the client sent", "HTTP, starting \"GET / HTTP/1.1\"" }, NULL, true },
	{ "plain_client_mqtt_to_openssl", "plaintext_peer/client", { "the client sent", "MQTT" }, NULL, true },
};
#define N_EXPECT (sizeof expects / sizeof expects[0])

static char dir[256], pcap[320], tlsdiag[512];
static uint16_t base_port;
static struct {
	uint16_t cport, sport;
	bool by_port; /* from a --port decode */
	struct jv *j;
} conns[MAX_CONNS];
static bool decoding_by_port;
static size_t n_conns;
static struct {
	char name[96];
	uint16_t port;
	char hint[256];
} cases[MAX_CASES];
static size_t n_cases;
static bool fixture_ok;
static char fixture_err[512];

static uint16_t port_of(const char *endpoint)
{
	const char *colon = strrchr(endpoint, ':');
	long v = colon ? strtol(colon + 1, NULL, 10) : 0;
	return v > 0 && v < 65536 ? (uint16_t)v : 0;
}

static void on_conn(void *ctx, struct tls_conn *c)
{
	struct jv *j;
	(void)ctx;
	j = tls_conn_to_json(c);
	uint16_t cp = port_of(jv_str(jv_get(j, "client"))), sp = port_of(jv_str(jv_get(j, "server")));
	for (size_t i = 0; i < n_cases; i++)
		if (cases[i].hint[0] && (cases[i].port == cp || cases[i].port == sp)) {
			tls_conn_hints(c, NULL, cases[i].hint);
			jv_free(j);
			j = tls_conn_to_json(c);
		}
	if (n_conns == MAX_CONNS) {
		jv_free(j);
		return;
	}
	conns[n_conns].cport = cp;
	conns[n_conns].sport = sp;
	conns[n_conns].by_port = decoding_by_port;
	conns[n_conns++].j = j;
}

/* SPAN consecutive ports, none in use now, below the ephemeral range. */
static uint16_t free_block(void)
{
	for (int attempt = 0; attempt < 40; attempt++) {
		uint16_t b = (uint16_t)(20000 + (unsigned)(getpid() * 7919 + attempt * 977) % 11000);
		bool ok = true;
		for (uint16_t p = b; ok && p < b + SPAN; p++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p) };
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
			if (fd >= 0)
				close(fd);
		}
		if (ok)
			return b;
	}
	return 0;
}

static void run_own(const struct own_case *oc, uint16_t bind_port)
{
	struct cs_server s;
	struct client_case cc;
	struct client_result r;
	char err[256], log[300], ca[300], inter[300];
	/* -www: s_server answers without reading its stdin (EOF there ends it) */
	const char *extra[10] = { "-www", "-tls1_2", "-cert_chain", inter, NULL };
	size_t k = 4;
	snprintf(inter, sizeof inter, "%s/inter.pem", dir);
	for (size_t i = 0; oc->server_args[i] && k < 9; i++)
		extra[k++] = oc->server_args[i];
	extra[k] = NULL;
	snprintf(log, sizeof log, "%s/%s.server.log", dir, oc->name);
	if (cs_s_server(&s, dir, oc->cert, log, extra) != 0)
		return;
	client_case_init(&cc);
	snprintf(ca, sizeof ca, "%s/root.pem", dir);
	cc.host = "127.0.0.1";
	cc.port = s.port;
	cc.bind_port = bind_port;
	cc.ca_path = ca;
	cc.ca_format = CA_PEM;
	cc.check_name = "tlsdiag.test";
	cc.timeout_ms = (int)tu_bound_ms(3000);
	oc->set(&cc);
	if (client_run(&cc, &r, err, sizeof err) == 0 && oc->hint && n_cases < MAX_CASES)
		snprintf(cases[n_cases - 1].hint, sizeof cases[n_cases - 1].hint, "%s", r.detail);
	cs_s_server_stop(&s);
}

/* Until the capture file stops growing (dumpcap writes what the ring holds), at most 5 s. */
static void drain(const char *path)
{
	off_t last = -1;
	int stable = 0;
	for (int i = 0; i < 100 && stable < 6; i++) {
		struct stat sb;
		off_t now = stat(path, &sb) == 0 ? sb.st_size : -1;
		stable = now == last ? stable + 1 : 0;
		last = now;
		usleep(50000);
	}
}

static void read_manifest(void)
{
	char path[320], line[160];
	snprintf(path, sizeof path, "%s/manifest", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (n_cases < MAX_CASES && fgets(line, sizeof line, f)) {
		char name[96];
		unsigned port;
		if (sscanf(line, "%95s %u", name, &port) == 2 && port < 65536) {
			snprintf(cases[n_cases].name, sizeof cases[n_cases].name, "%s", name);
			cases[n_cases++].port = (uint16_t)port;
		}
	}
	fclose(f);
}

static void make_corpus(void)
{
	static const char *const certs[] = { "root", "inter", "other-root", "valid", "expired", "not-yet-valid",
					     "wrong-host", "selfsigned", "rsa1024", "sha1", "other-leaf", "client",
					     "other-client", NULL };
	char filter[64], bport[16], out[8192], buf[4096] = "";
	int fd = -1;
	pid_t dc;
	struct decode_opts o = { .format = DECODE_FORMAT_JSON };
	struct decode_stats st;

	if (cs_tmpdir(dir, sizeof dir) != 0 || cs_certs(dir, certs) != 0) {
		snprintf(fixture_err, sizeof fixture_err, "environment: no temp dir or certificates");
		return;
	}
	if (!(base_port = free_block())) {
		snprintf(fixture_err, sizeof fixture_err, "environment: no block of %d free ports", SPAN);
		return;
	}
	snprintf(pcap, sizeof pcap, "%s/corpus.pcapng", dir);
	snprintf(filter, sizeof filter, "tcp portrange %u-%u", base_port, base_port + SPAN - 1);
	char *dargv[] = { "dumpcap", "-i", "lo", "-f", filter, "-w", pcap, NULL };
	if ((dc = cs_spawn(dargv, &fd)) < 0 || cs_read_until(fd, "Capturing on", buf, sizeof buf, (int)tu_bound_ms(10000)) != 0) {
		snprintf(fixture_err, sizeof fixture_err, "environment: dumpcap did not start: %.400s", buf);
		return;
	}
	snprintf(bport, sizeof bport, "%u", base_port);
	char *sargv[] = { "bash", "tests/diag_corpus/make_captures.sh", dir, bport, NULL };
	int rc = cs_run(sargv, NULL, out, sizeof out, (int)tu_bound_ms(170000));
	read_manifest();
	for (size_t i = 0; i < N_OWN && n_cases < MAX_CASES; i++) {
		uint16_t p = (uint16_t)(base_port + SPAN - 1 - i);
		snprintf(cases[n_cases].name, sizeof cases[n_cases].name, "%s", own_cases[i].name);
		cases[n_cases++].port = p;
		run_own(&own_cases[i], p);
	}
	drain(pcap);
	kill(dc, SIGINT);
	cs_wait(dc, (int)tu_bound_ms(10000));
	close(fd);
	if (rc != 0) {
		snprintf(fixture_err, sizeof fixture_err, "make_captures.sh exited %d: %.400s", rc, out);
		return;
	}
	if (decode_run(pcap, &o, on_conn, NULL, &st, buf, sizeof buf) != ERR_NONE) {
		snprintf(fixture_err, sizeof fixture_err, "decode: %.400s", buf);
		return;
	}
	/* What a user decodes with --port: connections whose first bytes are not TLS. */
	decoding_by_port = true;
	for (size_t i = 0; i < N_EXPECT; i++)
		for (size_t k = 0; expects[i].by_port && k < n_cases; k++)
			if (strcmp(cases[k].name, expects[i].name) == 0) {
				o.port = cases[k].port;
				if (decode_run(pcap, &o, on_conn, NULL, &st, buf, sizeof buf) != ERR_NONE) {
					snprintf(fixture_err, sizeof fixture_err, "decode --port: %.400s", buf);
					return;
				}
			}
	fixture_ok = true;
	if (getenv("TLSDIAG_CORPUS_DUMP"))
		for (size_t i = 0; i < n_cases; i++)
			for (size_t k = 0; k < n_conns; k++)
				if (conns[k].sport == cases[i].port || conns[k].cport == cases[i].port) {
					const struct jv *d = jv_get(conns[k].j, "diagnosis");
					const struct jv *a = jv_get(d, "also_possible");
					const char *v = jv_str(jv_get(d, "variant"));
					fprintf(stderr, "%-56s %s%s%-36s %s | also %s\n  %s\n", cases[i].name,
						jv_str(jv_get(d, "code")), v ? "/" : "", v ? v : "", jv_str(jv_get(conns[k].j, "outcome")),
						jv_len(a) ? jv_str(jv_at(a, 0)) : "-", jv_str(jv_get(d, "evidence")));
					break;
				}
}

static void corpus_setup(void)
{
	make_corpus();
}

static void corpus_teardown(void)
{
	for (size_t i = 0; i < n_conns; i++)
		jv_free(conns[i].j);
	n_conns = 0;
	if (dir[0] && !getenv("TLSDIAG_CORPUS_KEEP"))
		cs_rmtree(dir);
	explain_free();
}

static const struct jv *conn_of(const char *name, bool by_port)
{
	for (size_t i = 0; i < n_cases; i++)
		if (strcmp(cases[i].name, name) == 0)
			for (size_t k = 0; k < n_conns; k++)
				if (conns[k].by_port == by_port &&
				    (conns[k].sport == cases[i].port || conns[k].cport == cases[i].port))
					return conns[k].j;
	return NULL;
}

START_TEST(corpus_case)
{
	const struct expect *e = &expects[_i];
	ck_assert_msg(fixture_ok, "%s", fixture_err);
	const struct jv *c = conn_of(e->name, e->by_port);
	ck_assert_msg(c, "%s: no connection in the capture", e->name);
	const struct jv *d = jv_get(c, "diagnosis");
	const char *code = jv_str(jv_get(d, "code")), *ev = jv_str(jv_get(d, "evidence"));
	const struct jv *also = jv_get(d, "also_possible");
	size_t n = strcspn(e->key, "/");
	ck_assert_msg(strlen(code) == n && strncmp(code, e->key, n) == 0, "%s: diagnosis %s (evidence: %s)", e->name,
		      code, ev);
	if (e->key[n]) {
		const struct explain_diagnosis *row = explain_diagnosis_find(e->key);
		ck_assert_ptr_nonnull(row);
		ck_assert_msg(strcmp(jv_str(jv_get(d, "summary")), row->summary) == 0, "%s: not the %s variant: %s",
			      e->name, e->key, jv_str(jv_get(d, "summary")));
	}
	for (size_t i = 0; i < 3 && e->ev[i]; i++)
		ck_assert_msg(strstr(ev, e->ev[i]), "%s: evidence lacks \"%s\": %s", e->name, e->ev[i], ev);
	if (e->also && strcmp(e->also, "*") == 0)
		return;
	if (e->also)
		ck_assert_msg(jv_len(also) && strcmp(jv_str(jv_at(also, 0)), e->also) == 0, "%s: also %s expected",
			      e->name, e->also);
	else
		ck_assert_msg(jv_len(also) == 0, "%s: unexpected also %s", e->name, jv_str(jv_at(also, 0)));
}
END_TEST

static uint16_t case_port(const char *name)
{
	for (size_t i = 0; i < n_cases; i++)
		if (strcmp(cases[i].name, name) == 0)
			return cases[i].port;
	return 0;
}

/* decode --verbose prints the lists and names the diagnosis refers to, with absolute times. */
START_TEST(verbose_prints_what_the_diagnosis_names)
{
	static char out[65536];
	char port[16];
	ck_assert_msg(fixture_ok, "%s", fixture_err);
	snprintf(port, sizeof port, "%u", case_port("group_tls12_ecdhe_openssl"));
	char *argv[] = { tlsdiag, "decode", "--verbose", "--port", port, pcap, NULL };
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, (int)tu_bound_ms(20000)), 0);
	ck_assert_msg(strstr(out, "    supported groups (1): x25519\n"), "%s", out);
	ck_assert_msg(strstr(out, "    cipher suites (2): 0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,\n"), "%s", out);
	ck_assert_msg(strstr(out, " 0x00ff TLS_EMPTY_RENEGOTIATION_INFO_SCSV\n"), "%s", out);
	ck_assert_msg(strstr(out, "    signature algorithms ("), "%s", out);
	ck_assert_msg(strstr(out, "    extensions ("), "%s", out);
	ck_assert_msg(strstr(out, "  first packet at 20"), "%s", out);
	ck_assert_msg(strstr(out, "Z  client -> server  ClientHello (TLS1.2, 1 suite + SCSV"), "%s", out);
	ck_assert_msg(strstr(out, "diagnosis: no_shared_group - "), "%s", out);
	ck_assert_msg(strstr(out, "  evidence used: alert, client_hello\n"), "%s", out);

	snprintf(port, sizeof port, "%u", case_port("name_openssl_wrong_host"));
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, (int)tu_bound_ms(20000)), 0);
	ck_assert_msg(strstr(out, "  server certificates (2):\n    [0] subject /CN=wrong.tlsdiag.test\n"), "%s", out);
	ck_assert_msg(strstr(out, "        SAN: wrong.tlsdiag.test\n"), "%s", out);
	ck_assert_msg(strstr(out, "        key RSA 2048 bits, signed with sha256WithRSAEncryption, CA no\n"), "%s", out);
	ck_assert_msg(strstr(out, "    [1] subject /O=tlsdiag/CN=tlsdiag Test Intermediate CA\n"), "%s", out);
	ck_assert_msg(strstr(out, "diagnosis: hostname_mismatch - "), "%s", out);
	ck_assert_msg(strstr(out, "  server -> client  Certificate (2 certs, wrong.tlsdiag.test, notAfter "), "%s", out);

	/* what a plain-text server said, byte by byte (explain's "the server's first bytes are not 16 03 0x") */
	snprintf(port, sizeof port, "%u", case_port("regress_plain_http_is_plaintext_peer_not_closed"));
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, (int)tu_bound_ms(20000)), 0);
	ck_assert_msg(strstr(out, "  server's first bytes (not TLS, 173 kept): 48 54 54 50 2f 31 2e 31 20 34 30 30 20 42 "
				  "61 64 \"HTTP/1.1 400 Bad\"\n"),
		      "%s", out);
	ck_assert_msg(strstr(out, "Z  client -> server  ClientHello (TLS1.3, "), "%s", out);
	ck_assert_msg(strstr(out, "    extensions ("), "%s", out);
}
END_TEST

/* decode - reads the capture from a pipe: the same connections and diagnoses as from the file. */
START_TEST(decode_reads_stdin)
{
	static char out[65536];
	char port[16], cmd[1200];
	ck_assert_msg(fixture_ok, "%s", fixture_err);
	snprintf(port, sizeof port, "%u", case_port("regress_refused_is_connection_refused_not_no_data"));
	snprintf(cmd, sizeof cmd, "cat '%s' | '%s' decode --format json --port %s -", pcap, tlsdiag, port);
	char *argv[] = { "sh", "-c", cmd, NULL };
	ck_assert_int_eq(cs_run(argv, NULL, out, sizeof out, (int)tu_bound_ms(20000)), 0);
	ck_assert_msg(strstr(out, "\"code\":\"connection_refused\""), "%.2000s", out);
	ck_assert_msg(strstr(out, "\"file\":\"/dev/stdin\""), "%.2000s", out);
}
END_TEST

/* Every case the script made or our client ran has an expectation, and every code is covered. */
START_TEST(corpus_covers_every_code)
{
	static const char *const codes[] = {
		"version_too_low", "version_too_high", "no_shared_cipher", "no_shared_group", "no_shared_sigalg",
		"unsupported_certificate", "client_cert_required", "client_cert_rejected", "missing_sni",
		"unrecognized_name", "hostname_mismatch", "unknown_ca", "certificate_expired", "weak_key",
		"weak_signature", "record_overflow", "plaintext_peer", "connection_refused",
		"server_closed_without_alert", "server_silent", "ok", NULL,
	};
	ck_assert_msg(fixture_ok, "%s", fixture_err);
	for (size_t i = 0; i < n_cases; i++) {
		bool found = false;
		for (size_t k = 0; k < N_EXPECT; k++)
			found |= strcmp(expects[k].name, cases[i].name) == 0;
		ck_assert_msg(found, "case %s has no expectation", cases[i].name);
	}
	for (size_t i = 0; codes[i]; i++) {
		bool found = false;
		for (size_t k = 0; k < N_EXPECT; k++)
			found |= strncmp(expects[k].key, codes[i], strlen(codes[i])) == 0;
		ck_assert_msg(found, "no case for %s", codes[i]);
	}
	ck_assert_uint_ge(N_EXPECT, 60);
}
END_TEST

static Suite *corpus_suite(void)
{
	Suite *s = suite_create("diag_corpus");
	TCase *tc = tcase_create("corpus");
	tcase_set_timeout(tc, (double)tu_bound_ms(30000) / 1000.0);
	tcase_add_unchecked_fixture(tc, corpus_setup, corpus_teardown);
	tcase_add_loop_test(tc, corpus_case, 0, (int)N_EXPECT);
	tcase_add_test(tc, corpus_covers_every_code);
	tcase_add_test(tc, verbose_prints_what_the_diagnosis_names);
	tcase_add_test(tc, decode_reads_stdin);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	(void)argc;
	tu_tlsdiag_path(argv[0], tlsdiag, sizeof tlsdiag);
	SRunner *sr = srunner_create(corpus_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
