/*
 * certs_catalogue.c - what each certificate of the factory is: its issuer,
 * key type, digest, subject, subjectAltName and validity, each made for
 * exactly one odd property (see certs.c for how they are made).
 */
#include "harness/servers/certs_int.h"

#include <stdbool.h>
#include <string.h>

#define HOST "tlsdiag.test"
#define HOST_SAN "DNS:tlsdiag.test,DNS:localhost,IP:127.0.0.1"
#define WILDCARD_HOST "ns1.servicebus.tlsdiag.test"
/* The ESP8266 report's certificate: notBefore 2018-06-11 10:30:37Z, notAfter 2118-05-18 10:30:37Z. */
#define ESP_NOT_BEFORE "180611103037Z"

const struct certs_spec certs_specs[CERTS_N] = {
	{ { "root", NULL, NULL, true, "test root CA (RSA 2048, SHA-256, 10 years)" }, KEY_RSA2048, "SHA256",
	  USE_CA, "/O=tlsdiag/CN=tlsdiag Test Root CA", NULL, VAL_CA, NULL, NULL },
	{ { "inter", "root", NULL, true, "intermediate CA under root (pathlen 0)" }, KEY_RSA2048, "SHA256", USE_CA,
	  "/O=tlsdiag/CN=tlsdiag Test Intermediate CA", NULL, VAL_CA, NULL, NULL },
	{ { "other-root", NULL, NULL, true, "a second, unrelated root CA (wrong-CA cases)" }, KEY_RSA2048, "SHA256",
	  USE_CA, "/O=tlsdiag other/CN=tlsdiag Other Root CA", NULL, VAL_CA, NULL, NULL },
	{ { "valid", "inter", HOST, false, "valid leaf: SAN tlsdiag.test, localhost, 127.0.0.1" }, KEY_RSA2048,
	  "SHA256", USE_SERVER, "/CN=" HOST, HOST_SAN, VAL_LEAF, NULL, NULL },
	{ { "expired", "inter", HOST, false, "expired a year ago" }, KEY_RSA2048, "SHA256", USE_SERVER,
	  "/CN=" HOST, HOST_SAN, VAL_EXPIRED, NULL, NULL },
	{ { "not-yet-valid", "inter", HOST, false, "valid only from a year from now" }, KEY_RSA2048, "SHA256",
	  USE_SERVER, "/CN=" HOST, HOST_SAN, VAL_NOT_YET, NULL, NULL },
	{ { "wrong-host", "inter", HOST, false, "issued for wrong.tlsdiag.test only" }, KEY_RSA2048, "SHA256",
	  USE_SERVER, "/CN=wrong.tlsdiag.test", "DNS:wrong.tlsdiag.test", VAL_LEAF, NULL, NULL },
	{ { "cn-only", "inter", HOST, false, "CN tlsdiag.test and no subjectAltName" }, KEY_RSA2048, "SHA256",
	  USE_SERVER, "/CN=" HOST, NULL, VAL_LEAF, NULL, NULL },
	{ { "ip-san", "inter", "127.0.0.1", false, "subjectAltName IP:127.0.0.1 only" }, KEY_RSA2048, "SHA256",
	  USE_SERVER, "/CN=127.0.0.1", "IP:127.0.0.1", VAL_LEAF, NULL, NULL },
	{ { "wildcard", "inter", WILDCARD_HOST, false, "*.servicebus.tlsdiag.test (the Azure Service Bus shape)" },
	  KEY_RSA2048, "SHA256", USE_SERVER, "/O=tlsdiag/CN=*.servicebus.tlsdiag.test",
	  "DNS:*.servicebus.tlsdiag.test,DNS:servicebus.tlsdiag.test", VAL_LEAF, NULL, NULL },
	{ { "gentime-2118", "inter", HOST, false, "notAfter 2118-05-18 10:30:37Z as GeneralizedTime" }, KEY_RSA2048,
	  "SHA256", USE_SERVER, "/CN=" HOST, HOST_SAN, VAL_UNTIL_2118, NULL, NULL },
	{ { "selfsigned", NULL, "127.0.0.1", true,
	    "the ESP8266 report's: self-signed, CA:TRUE, CN=127.0.0.1, no SAN, notAfter 2118 (GeneralizedTime)" },
	  KEY_RSA2048, "SHA256", USE_SELFSIGNED, "/C=JP/ST=Japan/L=Tokyo/O=BestMe CO./OU=MIS/CN=127.0.0.1", NULL,
	  VAL_FIXED, ESP_NOT_BEFORE, ESP_NOT_AFTER },
	{ { "ecdsa", "inter", HOST, false, "ECDSA P-256 key (signed by the RSA intermediate)" }, KEY_P256, "SHA256",
	  USE_SERVER, "/CN=" HOST, HOST_SAN, VAL_LEAF, NULL, NULL },
	{ { "rsa1024", "inter", HOST, false, "RSA 1024 key" }, KEY_RSA1024, "SHA256", USE_SERVER, "/CN=" HOST,
	  HOST_SAN, VAL_LEAF, NULL, NULL },
	{ { "rsa4096", "inter", HOST, false, "RSA 4096 key (slow: made only when asked)" }, KEY_RSA4096, "SHA256",
	  USE_SERVER, "/CN=" HOST, HOST_SAN, VAL_LEAF, NULL, NULL },
	{ { "sha1", "inter", HOST, false, "signed with SHA-1 (sha1WithRSAEncryption)" }, KEY_RSA2048, "SHA1",
	  USE_SERVER, "/CN=" HOST, HOST_SAN, VAL_LEAF, NULL, NULL },
	{ { "other-leaf", "other-root", HOST, false, "valid names, but issued by other-root" }, KEY_RSA2048, "SHA256",
	  USE_SERVER, "/CN=" HOST, HOST_SAN, VAL_LEAF, NULL, NULL },
	{ { "client", "root", NULL, false, "client certificate (clientAuth) issued by root" }, KEY_RSA2048, "SHA256",
	  USE_CLIENT, "/O=tlsdiag/CN=tlsdiag-device", NULL, VAL_LEAF, NULL, NULL },
	{ { "other-client", "other-root", NULL, false, "client certificate issued by other-root" }, KEY_RSA2048,
	  "SHA256", USE_CLIENT, "/O=tlsdiag other/CN=tlsdiag-device", NULL, VAL_LEAF, NULL, NULL },
};

_Static_assert(sizeof certs_specs / sizeof certs_specs[0] == CERTS_N, "CERTS_N counts the catalogue");

static struct certs_info certs_infos[CERTS_N + 1];

const struct certs_info *certs_catalogue(void)
{
	if (!certs_infos[0].name)
		for (size_t i = 0; i < CERTS_N; i++)
			certs_infos[i] = certs_specs[i].info;
	return certs_infos;
}

int certs_index(const char *name, size_t len)
{
	for (size_t i = 0; i < CERTS_N; i++)
		if (strlen(certs_specs[i].info.name) == len && strncmp(certs_specs[i].info.name, name, len) == 0)
			return (int)i;
	return -1;
}

const struct certs_info *certs_info(const char *name)
{
	int i = certs_index(name, strlen(name));
	return i < 0 ? NULL : &certs_specs[i].info;
}
