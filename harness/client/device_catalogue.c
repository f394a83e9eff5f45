/*
 * device_catalogue.c - the device profiles (data only; device.c turns results
 * into each stack's words).  Every row names its engine, the SDK or firmware
 * it stands for, and its sources as short keys that docs/devices.md expands
 * (repository, file, commit or manual and version); what could not be read
 * is said in the row's limits and in the doc, never silently.
 *
 * Engines: mbedTLS-based stacks run on mbedTLS 2.28, BearSSL-based on BearSSL
 * 0.6; axTLS, the TI and Microchip network processors and the modems on
 * wolfSSL standing in, with suites in wolfSSL's names ('tlsdiag client-caps').
 */
#include "harness/client/device.h"

/* Suites, in wolfSSL's names. */
/* SL1: SL_SEC_MASK_SECURE_DEFAULT = the ten masks, no GCM, no AES128-SHA. */
#define CC3200_SUITES                                                                                   \
	"RC4-SHA:RC4-MD5:AES256-SHA:DHE-RSA-AES256-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-RC4-SHA:"        \
	"AES128-SHA256:AES256-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256"
/* AX / Arduino 2.4.1: RSA key exchange only. */
#define AXTLS_SUITES "AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256"
/* BR: br_ssl_client_init_full's list (ECDHE GCM/ChaCha/CBC, then RSA kx), 3DES last. */
#define BEARSSL_SUITES                                                                                  \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"      \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"        \
	"ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:"                  \
	"ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"   \
	"ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:"         \
	"AES128-SHA:AES256-SHA:DES-CBC3-SHA"
/* MB 2.28 default preference (ssl_ciphersuites.c), the suites wolfSSL also has. */
#define MBEDTLS_SUITES                                                                                  \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"      \
	"ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"        \
	"ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:"                  \
	"ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA:"   \
	"ECDHE-RSA-AES128-SHA:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:"                     \
	"DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA256:AES256-GCM-SHA384:AES128-GCM-SHA256:"              \
	"AES256-SHA256:AES128-SHA256:AES256-SHA:AES128-SHA"
/* A current browser: TLS 1.3 suites, then ECDHE AEAD and CBC (its few RSA-kx suites left out). */
#define BROWSER_SUITES                                                                                  \
	"TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"               \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"      \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"        \
	"ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA"
/* SL2 (Gen2 sl_socket.h): SL_SEC_MASK_SECURE_DEFAULT = all 23 masks, bit order. */
#define CC3220_SUITES                                                                                   \
	"RC4-SHA:RC4-MD5:AES256-SHA:DHE-RSA-AES256-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-RC4-SHA:"        \
	"AES128-SHA256:AES256-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256:"                \
	"ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:"           \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"             \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"     \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-CHACHA20-POLY1305"
/* W101 socket.h: SSL_NON_ECC_CIPHERS_AES_128, "the default active group after startup". */
#define WINC1500_SUITES                                                                                 \
	"AES128-SHA:AES128-SHA256:DHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA256:AES128-GCM-SHA256:"         \
	"DHE-RSA-AES128-GCM-SHA256"
/* NRF: the modem's list without its PSK suites. */
#define NRF9160_SUITES                                                                                  \
	"ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:" \
	"ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256:" \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"
/* BG96 / EC2X: ciphersuite 0xFFFF ("all of the list"), as remembered (docs/devices.md). */
#define QUECTEL_SUITES                                                                                  \
	"AES256-SHA:AES128-SHA:RC4-SHA:RC4-MD5:DES-CBC3-SHA:AES256-SHA256:ECDHE-RSA-RC4-SHA:"           \
	"ECDHE-RSA-DES-CBC3-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA256:"      \
	"ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-GCM-SHA256"
/* SIM7K: assumed (RSA key exchange list). */
#define SIM7000_SUITES "AES256-SHA:AES128-SHA:RC4-SHA:RC4-MD5:DES-CBC3-SHA:AES256-SHA256"
/* UBX: USECPRF op 2's RSA suites, as remembered. */
#define UBLOX_SUITES "AES128-SHA:AES128-SHA256:AES256-SHA:AES256-SHA256:DES-CBC3-SHA"

const struct device_profile device_profiles[] = {
	{
		.name = "cc3200",
		.stack = "TI CC3200/CC3100 SimpleLink (WiPy 1.0, MicroPython), the network processor's TLS",
		.sources = "SL1, MPC",
		.method = METHOD_SSLV3_TLS12, /* SL1: default SL_SO_SEC_METHOD_SSLv3_TLSV1_2 */
		.ciphers = CC3200_SUITES,
		.ca_format = CA_DER, /* TI: "CC3100 requires certificates to be in der format" */
		.sni = SNI_OFF, /* no SNI option in the Gen1 host driver (assumption) */
		.verify = true,
		.time_t_bits = 32,
		.limits = "the NWP stack is wolfSSL/CyaSSL-derived (inference); extensions and their order are "
			  "wolfSSL 5.5.4's; MicroPython after 2015-11-06 forces TLSv1 (method tls1.0)",
		.codes = CODES_SIMPLELINK,
	},
	{
		.name = "esp8266-axtls",
		.stack = "ESP8266 Arduino core 2.4.1, WiFiClientSecure over axTLS (igrr/axtls-8266 @24af415)",
		.sources = "AX, ARD241",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10, /* offers TLS 1.2, accepts 1.0 to 1.2 */
		.max_version = METHOD_TLS12,
		.ciphers = AXTLS_SUITES,
		.ca_format = CA_DER, /* setCACert(der, len) */
		.sni = SNI_HOST, /* sends SNI (and an IP literal as given: use sni=other) */
		.verify = false, /* SSL_SERVER_VERIFY_LATER: verifyCertChain() after connect() */
		.time_t_bits = 32, /* notAfter 2118 reads as 1982 (32-bit time_t) */
		.limits = "signature_algorithms and extension order are wolfSSL's; the 32-bit time_t date wrap "
			  "is explained, not emulated",
		.codes = CODES_AXTLS,
	},
	{
		.name = "esp8266-bearssl",
		.engine = ENGINE_BEARSSL,
		.stack = "ESP8266 Arduino core >= 2.5, BearSSL::WiFiClientSecure",
		.sources = "BR, E8266-BSSL",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10,
		.max_version = METHOD_TLS12,
		.ciphers = BEARSSL_SUITES,
		.groups = "P-256:P-384:P-521:X25519",
		.ca_format = CA_AUTO, /* X509List takes PEM or DER */
		.sni = SNI_HOST,
		.verify = true,
		.time_t_bits = 32,
		.rx_buffer = 16384, /* E8266-BSSL: setBufferSizes(16384, 512) in _clear() */
		.tx_buffer = 512,
		.limits = "BearSSL's static-ECDH and CCM suites are left out (wolfSSL client lacks them)",
		.codes = CODES_BEARSSL,
	},
	{
		.name = "esp32-mbedtls",
		.engine = ENGINE_MBEDTLS,
		.stack = "ESP32 ESP-IDF esp-tls over mbedTLS 2.28 defaults",
		.sources = "MB, IDF-KC",
		.method = METHOD_TLS12, /* ESP-IDF builds without TLS 1.0/1.1 and, in 2.28, without 1.3 */
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_AUTO, /* mbedtls_x509_crt_parse: PEM if it finds "-----BEGIN", else DER */
		.sni = SNI_HOST,
		.verify = true,
		.time_t_bits = 64,
		/* MB x509_crt.c mbedtls_x509_crt_profile_default: allowed_mds SHA-224 and up (SHA-1
		 * only with MBEDTLS_TLS_DEFAULT_ALLOW_SHA1_IN_CERTIFICATES), rsa_min_bitlen 2048.
		 * The DHM minimum (dhm_min_bitlen 1024) is wolfSSL's default already. */
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.rx_buffer = 16384, /* IDF-KC: MBEDTLS_ASYMMETRIC_CONTENT_LEN y, IN 16384, OUT 4096 */
		.tx_buffer = 4096,
		.limits = "mbedTLS's CCM/ARIA/Camellia suites and brainpool curves are left out",
		.codes = CODES_MBEDTLS,
	},
	/* ---- ESP32: ESP-IDF and the SDKs built on it (mbedTLS) ---- */
	{
		.name = "esp-idf-4.4",
		.engine = ENGINE_MBEDTLS,
		.stack = "ESP-IDF v4.4 esp-tls over mbedTLS 2.28 (Kconfig defaults: asymmetric buffers, certificate bundle)",
		.sources = "IDF-KC, MB, IDF44",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10, /* assumed: v4.4's MBEDTLS_SSL_PROTO_TLS1 default y (not re-read) */
		.max_version = METHOD_TLS12,
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_AUTO, /* esp_tls_cfg_t.cacert_buf goes to mbedtls_x509_crt_parse; or the bundle */
		.sni = SNI_HOST,
		.verify = true,
		.time_t_bits = 32, /* IDF44: 64-bit time_t arrived with v5.0 */
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.rx_buffer = 16384, /* IDF-KC: MBEDTLS_SSL_IN_CONTENT_LEN default 16384 */
		.tx_buffer = 4096, /* IDF-KC: MBEDTLS_SSL_OUT_CONTENT_LEN default 4096 */
		.limits = "assumed: TLS 1.0/1.1 enabled as in v4.4's Kconfig; the certificate bundle is the user's --ca; "
			  "OUT 4096 is not emulated (client records are small)",
		.codes = CODES_MBEDTLS,
	},
	{
		.name = "esp-idf-5",
		.engine = ENGINE_MBEDTLS,
		.stack = "ESP-IDF v5.x esp-tls over mbedTLS 3.x (TLS 1.2; TLS 1.3 off by default); mbedTLS 2.28 runs it",
		.sources = "IDF-KC, MB, IDF5",
		.method = METHOD_TLS12, /* mbedTLS 3 has no TLS 1.0/1.1; IDF-KC: MBEDTLS_SSL_PROTO_TLS1_3 default n */
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_AUTO,
		.sni = SNI_HOST,
		.verify = true,
		.time_t_bits = 64, /* IDF5: time_t is 64-bit from v5.0 */
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.rx_buffer = 16384,
		.tx_buffer = 4096,
		.limits = "mbedTLS 2.28 stands in for 3.x: same TLS 1.2 suites and checks, but 3.x's default suite order and "
			  "its TLS 1.3 (when CONFIG_MBEDTLS_SSL_PROTO_TLS1_3=y) are not reproduced",
		.codes = CODES_MBEDTLS,
	},
	{
		.name = "arduino-esp32-1",
		.engine = ENGINE_MBEDTLS,
		.stack = "Arduino-ESP32 1.0.x WiFiClientSecure (ESP-IDF 3.x, mbedTLS 2.16); mbedTLS 2.28 runs it",
		.sources = "AE-SSL, MB",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10, /* mbedTLS 2.x PRESET_DEFAULT: TLS 1.0 up (assumed enabled in the core's build) */
		.max_version = METHOD_TLS12,
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_PEM, /* AE-SSL: mbedtls_x509_crt_parse(rootCABuff, strlen + 1): PEM text only */
		.sni = SNI_HOST, /* AE-SSL: mbedtls_ssl_set_hostname(host) */
		.verify = true, /* with a CA; AE-SSL's comment: VERIFY_NONE when no CA was given (1.0.x) */
		.time_t_bits = 32,
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.limits = "mbedTLS 2.28 stands in for 2.16; assumed: 16384-byte symmetric buffers (IDF 3.x); 1.0.x without "
			  "setCACert() does not verify at all (not a separate case here)",
		.codes = CODES_MBEDTLS,
	},
	{
		.name = "arduino-esp32-2",
		.engine = ENGINE_MBEDTLS,
		.stack = "Arduino-ESP32 2.0.x WiFiClientSecure (ESP-IDF 4.4, mbedTLS 2.28)",
		.sources = "AE-SSL, IDF-KC, MB, IDF44",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10, /* as esp-idf-4.4 (assumed) */
		.max_version = METHOD_TLS12,
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_PEM, /* AE-SSL: setCACert() text through strlen + 1; setCACertBundle() the bundle */
		.sni = SNI_HOST,
		.verify = true, /* AE-SSL: no CA, no bundle, no PSK and no setInsecure(): connect returns -1 */
		.time_t_bits = 32,
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.rx_buffer = 16384, /* assumed: the core's sdkconfig keeps IDF-KC's defaults */
		.tx_buffer = 4096,
		.limits = "assumed: the core's prebuilt sdkconfig keeps the Kconfig buffer and protocol defaults",
		.codes = CODES_MBEDTLS,
	},
	{
		.name = "arduino-esp32-3",
		.engine = ENGINE_MBEDTLS,
		.stack = "Arduino-ESP32 3.x NetworkClientSecure/WiFiClientSecure (ESP-IDF 5.1+, mbedTLS 3.x); mbedTLS 2.28 runs it",
		.sources = "AE-SSL, IDF-KC, MB, IDF5",
		.method = METHOD_TLS12,
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_PEM,
		.sni = SNI_HOST,
		.verify = true,
		.time_t_bits = 64,
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.rx_buffer = 16384,
		.tx_buffer = 4096,
		.limits = "mbedTLS 2.28 stands in for 3.x (see esp-idf-5); assumed: ssl_client.cpp's CA logic is 2.0.x's",
		.codes = CODES_MBEDTLS,
	},
	/* ---- ESP8266 ---- */
	{
		.name = "esp8266-bearssl-mfln",
		.engine = ENGINE_BEARSSL,
		.stack = "ESP8266 Arduino core >= 2.5 BearSSL::WiFiClientSecure after probeMaxFragmentLength(): setBufferSizes(512, 512)",
		.sources = "BR, E8266-BSSL",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10,
		.max_version = METHOD_TLS12,
		.ciphers = BEARSSL_SUITES,
		.groups = "P-256:P-384:P-521:X25519",
		.ca_format = CA_AUTO,
		.sni = SNI_HOST,
		.verify = true,
		.time_t_bits = 32, /* as esp8266-bearssl */
		.rx_buffer = 512, /* E8266-BSSL: setBufferSizes clamps to 512..16384 and adds 325 / 85 overhead */
		.tx_buffer = 512,
		.max_fragment = 512,
		.limits = "a server that ignores max_fragment_length and sends a record over 512 bytes fails it (BR_ERR_TOO_LARGE); "
			  "probeMaxFragmentLength() itself (a separate probe connection) is not run",
		.codes = CODES_BEARSSL,
	},
	/* ---- MicroPython ---- */
	{
		.name = "micropython-esp32",
		.engine = ENGINE_MBEDTLS,
		.stack = "MicroPython (esp32 port) ssl.wrap_socket / SSLContext over ESP-IDF's mbedTLS, default cert_reqs",
		.sources = "MPY, IDF-KC, MB",
		.method = METHOD_TLS12,
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_DER, /* MPY: cadata is "a single DER-encoded certificate" */
		.sni = SNI_HOST, /* server_hostname= sets mbedtls_ssl_set_hostname */
		.verify = false, /* MPY: cert_reqs=CERT_NONE by default; on mbedTLS ports NONE and OPTIONAL validate nothing */
		.time_t_bits = 64, /* assumed: recent releases build on ESP-IDF 5.x */
		.limits = "assumed: TLS 1.2 only, an IDF-5 based build; the engine runs verify off as VERIFY_OPTIONAL (the same "
			  "outcome); MicroPython raises OSError(code, text), not esp-tls's log",
		.codes = CODES_MBEDTLS,
	},
	{
		.name = "micropython-esp8266",
		.stack = "MicroPython (esp8266 port) ssl over axTLS: RSA key exchange, no certificate verification",
		.sources = "MPY, AX",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10,
		.max_version = METHOD_TLS12,
		.ciphers = AXTLS_SUITES,
		.ca_format = CA_NONE,
		.sni = SNI_HOST, /* server_hostname= (axTLS ssl_ext_set_host_name) */
		.verify = false,
		.time_t_bits = 32,
		.limits = "axTLS is not packaged: wolfSSL stands in with axTLS's suite list; assumed: the port's axTLS offers "
			  "igrr/axtls-8266's suites; MPY (v1.8.7 esp8266 docs): it does not validate server certificates; its receive "
			  "buffer size is not known; the error is the stand-in's",
		.codes = CODES_STANDIN,
	},
	{
		.name = "micropython-picow",
		.engine = ENGINE_MBEDTLS,
		.stack = "MicroPython (rp2 port, Pico W) ssl over mbedTLS, default cert_reqs",
		.sources = "MPY, MB",
		.method = METHOD_TLS12,
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_DER, /* MPY: one DER certificate */
		.sni = SNI_HOST,
		.verify = false, /* MPY: CERT_NONE default, as micropython-esp32 */
		.limits = "assumed: the port's mbedtls config keeps 16384-byte buffers and TLS 1.2 only; RTC not set after boot "
			  "unless ntptime runs (clock is the case's); time_t width not known",
		.codes = CODES_MBEDTLS,
	},
	/* ---- Raspberry Pi Pico W C SDK ---- */
	{
		.name = "pico-w-sdk",
		.engine = ENGINE_MBEDTLS,
		.stack = "Raspberry Pi Pico W C SDK: lwIP altcp_tls over mbedTLS (pico-examples tls_client)",
		.sources = "PICO, LWIP, MB",
		.method = METHOD_TLS12,
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_AUTO, /* altcp_tls_create_config_client(cert, len): mbedtls_x509_crt_parse */
		.sni = SNI_HOST, /* PICO: mbedtls_ssl_set_hostname(altcp_tls_context(pcb), hostname) */
		.verify = false, /* LWIP: ALTCP_MBEDTLS_AUTHMODE defaults to MBEDTLS_SSL_VERIFY_OPTIONAL */
		.limits = "assumed: the example's mbedtls_config.h buffer sizes (not read: 16384 used) and TLS 1.2 only; "
			  "VERIFY_OPTIONAL finishes the handshake whatever the chain (the flags are reported)",
		.codes = CODES_MBEDTLS,
	},
	/* ---- Network processors and Wi-Fi modules ---- */
	{
		.name = "cc3220",
		.stack = "TI CC3220/CC3235 SimpleLink Gen2 network processor TLS (SL_SEC_MASK_SECURE_DEFAULT)",
		.sources = "SL2",
		.method = METHOD_SSLV3_TLS12, /* SL2: SL_SO_SEC_METHOD_SSLv3_TLSV1_2 (4): highest of SSLv3-TLS 1.2 */
		.ciphers = CC3220_SUITES,
		.ca_format = CA_AUTO, /* assumed: Gen2 takes PEM or DER files */
		.sni = SNI_HOST, /* assumed */
		.verify = true,
		.limits = "wolfSSL stands in (Gen1 was CyaSSL-derived: inference); assumed: default method SSLv3-TLS 1.2, SNI "
			  "sent, PEM or DER accepted; the suite order is the mask bit order; Gen2 error numbers are not mapped",
		.codes = CODES_STANDIN,
	},
	{
		.name = "winc1500",
		.stack = "Microchip ATWINC1500 firmware 19.x TLS (Arduino WiFi101): default AES-128 suites, SNI, flash root store",
		.sources = "W101",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10, /* assumed */
		.max_version = METHOD_TLS12,
		.ciphers = WINC1500_SUITES,
		.ca_format = CA_AUTO, /* the firmware updater writes the roots into the module's flash; --ca stands for them */
		.sni = SNI_HOST, /* W101: WiFiClient sets SO_SSL_SNI when connecting by name */
		.verify = true, /* W101: SO_SSL_BYPASS_X509_VERIF is off unless set */
		.limits = "wolfSSL stands in; assumed: TLS 1.0-1.2; ECC suites are off unless the host enables them "
			  "(SSL_ECC_ONLY_CIPHERS need an ATECC508); the root store size limit is not modelled",
		.codes = CODES_STANDIN,
	},
	{
		.name = "nina-w10",
		.engine = ENGINE_MBEDTLS,
		.stack = "u-blox NINA-W10 with Arduino nina-fw (MKR WiFi 1010, Nano 33 IoT): mbedTLS on ESP32, roots from the certs partition",
		.sources = "NINA, MB",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10, /* mbedTLS 2.x PRESET_DEFAULT (assumed enabled) */
		.max_version = METHOD_TLS12,
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_PEM, /* NINA: mbedtls_x509_crt_parse(certs partition, strlen + 1) */
		.sni = SNI_HOST, /* NINA: mbedtls_ssl_set_hostname(host) */
		.verify = true, /* NINA: MBEDTLS_SSL_VERIFY_REQUIRED always */
		.time_t_bits = 32, /* assumed: ESP-IDF 3.x based firmware */
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.limits = "mbedTLS 2.28 stands in for the firmware's 2.16; the host sees only connect() = 0, not the code",
		.codes = CODES_MBEDTLS,
	},
	/* ---- Cellular modems (their own TLS stacks, driven by AT commands) ---- */
	{
		.name = "sara-u201",
		.stack = "u-blox SARA-U201 (Arduino MKR GSM 1400) AT+USECPRF security profile: no SNI",
		.sources = "UBX, MKRGSM",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS10, /* UBX: op 1 minimum version 0 = any */
		.max_version = METHOD_TLS12,
		.ciphers = UBLOX_SUITES,
		.ca_format = CA_AUTO, /* AT+USECMNG imports the root */
		.sni = SNI_OFF, /* MKRGSM: SARA-U2 firmware sends no SNI (Cloudflare and load balancers refuse it) */
		.verify = true, /* assumed: MKRGSM sets validation level 1 with its imported roots */
		.limits = "wolfSSL stands in; assumed: the suite list (USECPRF op 2 table as remembered) and validation level 1 "
			  "(roots only: the real level 1 checks no name, the case still checks it); the modem's codes are not mapped",
		.codes = CODES_STANDIN,
	},
	{
		.name = "nrf9160",
		.stack = "Nordic nRF9160 modem firmware TLS (nRF Connect SDK offloaded sockets): TLS 1.2, ECDHE suites",
		.sources = "NRF",
		.method = METHOD_TLS12,
		.ciphers = NRF9160_SUITES,
		.ca_format = CA_PEM, /* credentials written with AT%CMNG / modem_key_mgmt in PEM */
		.sni = SNI_HOST, /* NRF: NRF_SO_SEC_HOSTNAME is the name checked; that it is also sent as SNI is assumed */
		.verify = true, /* assumed: peer verification required */
		.limits = "wolfSSL stands in; PSK suites of the list are left out (no PSK here); assumed: the hostname option also "
			  "sends SNI, verification on (NRF_SO_SEC_PEER_VERIFY); the modem's receive buffer and date handling are not known",
		.codes = CODES_STANDIN,
	},
	{
		.name = "quectel-bg96",
		.stack = "Quectel BG96 SSL context defaults (AT+QSSLCFG: sslversion 4 all, ciphersuite 0xFFFF, seclevel 0, no SNI)",
		.sources = "BG96, QFIELD",
		.method = METHOD_SSLV3_TLS12, /* sslversion 4: SSL 3.0 to TLS 1.2 */
		.ciphers = QUECTEL_SUITES,
		.ca_format = CA_PEM, /* cacert: a PEM file in the module's file system */
		.sni = SNI_OFF, /* "sni" off unless set (later firmware) */
		.verify = false, /* seclevel 0: no authentication */
		.limits = "wolfSSL stands in; assumed: the 0xFFFF list and the defaults as remembered from the manual "
			  "(sslversion 4, seclevel 0, sni 0, ignorelocaltime); the modem's +QSSLOPEN codes are not mapped",
		.codes = CODES_STANDIN,
	},
	{
		.name = "quectel-eg91",
		.stack = "Quectel EC2x/EG9x SSL context defaults (AT+QSSLCFG, same parameters as the BG96)",
		.sources = "EC2X",
		.method = METHOD_SSLV3_TLS12,
		.ciphers = QUECTEL_SUITES,
		.ca_format = CA_PEM,
		.sni = SNI_OFF,
		.verify = false,
		.limits = "as quectel-bg96: the defaults and the 0xFFFF list are assumed from the EC2x&EG9x&EM05 manual's "
			  "parameter table (not re-read); later firmware adds SNI",
		.codes = CODES_STANDIN,
	},
	{
		.name = "simcom-sim7000",
		.stack = "SIMCom SIM7000 SSL context (AT+CSSLCFG: sslversion, ciphersuites, ignorertctime; no SNI unless set)",
		.sources = "SIM7K, QFIELD",
		.method = METHOD_SSLV3_TLS12, /* assumed: sslversion 4 = all */
		.ciphers = SIM7000_SUITES,
		.ca_format = CA_PEM,
		.sni = SNI_OFF,
		.verify = false, /* assumed: no server authentication unless a CA is configured */
		.limits = "wolfSSL stands in; assumed throughout (SIMCom's SSL application note was not available to read): "
			  "versions, suites, no SNI, ignorertctime; the modem's codes are not mapped",
		.codes = CODES_STANDIN,
	},
	/* ---- RTOS and cloud SDKs on mbedTLS ---- */
	{
		.name = "zephyr-mbedtls",
		.engine = ENGINE_MBEDTLS,
		.stack = "Zephyr native TLS sockets over mbedTLS with config-tls-generic.h defaults (1500-byte buffers, RSA key exchange)",
		.sources = "ZK, ZKG, MB",
		.method = METHOD_TLS12, /* ZKG: MBEDTLS_TLS_VERSION_1_2 default y, 1.0/1.1 off */
		.ciphers = "AES256-SHA256:AES256-SHA:AES128-SHA256:AES128-SHA",
		/* ZKG defaults: KEY_EXCHANGE_RSA only (no ECP_C), AES CBC, no GCM; 3DES is on but mbedTLS 2.28 drops it. */
		.engine_ciphers = "TLS-RSA-WITH-AES-256-CBC-SHA256:TLS-RSA-WITH-AES-256-CBC-SHA:TLS-RSA-WITH-AES-128-CBC-SHA256:"
				  "TLS-RSA-WITH-AES-128-CBC-SHA",
		.ca_format = CA_DER, /* ZKG: MBEDTLS_PEM_CERTIFICATE_FORMAT default n: DER only */
		.sni = SNI_HOST, /* see limits */
		.verify = true,
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.rx_buffer = 1500, /* ZK: MBEDTLS_SSL_MAX_CONTENT_LEN default 1500, both directions */
		.tx_buffer = 1500,
		.limits = "the default config has no SNI extension (MBEDTLS_SERVER_NAME_INDICATION n), but mbedTLS cannot check a "
			  "name without sending it, so SNI is sent; the 1500-byte buffer is emulated on record length",
		.codes = CODES_MBEDTLS,
	},
	{
		.name = "aws-iot-c-sdk",
		.engine = ENGINE_MBEDTLS,
		.stack = "AWS IoT Device SDK for Embedded C, mbedTLS transport (mbedtls_pkcs11_posix.c): MFLN 4096, SNI, ALPN on 443",
		.sources = "AWS, MB",
		.method = METHOD_TLS12, /* assumed */
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_AUTO, /* root CA file through mbedtls_x509_crt_parse_file */
		.sni = SNI_HOST,
		.verify = true,
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.max_fragment = 4096, /* AWS: mbedtls_ssl_conf_max_frag_len(MBEDTLS_SSL_MAX_FRAG_LEN_4096) */
		.limits = "assumed: TLS 1.2 only, the mbedTLS defaults otherwise; ALPN (x-amzn-mqtt-ca on port 443) is not sent "
			  "by the engine; the private key in PKCS #11 is a file here",
		.codes = CODES_MBEDTLS,
	},
	{
		.name = "azure-iot-c-sdk",
		.engine = ENGINE_MBEDTLS,
		.stack = "Azure IoT C SDK tlsio_mbedtls (azure-c-shared-utility): TLS 1.2 minimum, VERIFY_REQUIRED, SNI, PEM trusted certs",
		.sources = "AZ, MB",
		.method = METHOD_TLS12, /* AZ: mbedtls_ssl_conf_min_version 3,3; 2.28's maximum is TLS 1.2 */
		.ciphers = MBEDTLS_SUITES,
		.groups = "P-521:P-384:P-256:X25519",
		.ca_format = CA_PEM, /* AZ: OPTION_TRUSTED_CERT through mbedtls_x509_crt_parse(value, strlen + 1) */
		.sni = SNI_HOST, /* AZ: mbedtls_ssl_set_hostname(hostname) */
		.verify = true, /* AZ: MBEDTLS_SSL_VERIFY_REQUIRED */
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.limits = "the mbedTLS version and buffers are the platform's (the 2.28 defaults here); the SDK's own "
			  "IO_OPEN_ERROR callbacks are not reproduced",
		.codes = CODES_MBEDTLS,
	},
	{
		.name = "browser",
		.stack = "a current browser (TLS 1.2-1.3, ECDHE AEAD suites, SNI): the 'browser works' comparison",
		.sources = "CR, CABF",
		.method = METHOD_ANY,
		.min_version = METHOD_TLS12,
		.max_version = METHOD_TLS13,
		.ciphers = BROWSER_SUITES,
		.groups = "X25519:P-256:P-384",
		.ca_format = CA_AUTO,
		.sni = SNI_HOST,
		.verify = true,
		.time_t_bits = 64,
		/* CA/Browser Forum baseline requirements: RSA >= 2048; Chrome 57 and Firefox 51 (2017)
		 * refuse SHA-1 signed server certificates. */
		.min_rsa_bits = 2048,
		.reject_sha1 = true,
		.limits = "GREASE, ECH, ALPN and the exact extension order are not reproduced",
		.codes = CODES_NONE,
	},
	{ .name = NULL },
};
