/* case_config.c - a case's values parsed into typed settings at load time (see case_config.h). */
#include "harness/run/case_config.h"

#include "harness/client/device.h"
#include "harness/run/scenario.h"

#include <stdio.h>
#include <string.h>

/* A bool field said or not; false on a bad value. */
static bool bool_field(const char *v, bool *has, bool *out)
{
	*has = v != NULL;
	return !v || scenario_bool(v, out) == 0;
}

static bool bits_field(const char *v, bool *has, int *out, int (*conv)(const char *, int *))
{
	*has = v != NULL;
	return !v || conv(v, out) == 0;
}

int case_config_parse(const char *const value[], struct case_config *cfg, char *err, size_t errlen)
{
	const char *v;
	enum scn_field bad = SCN_NFIELDS;
	bool cert = false, has;
	memset(cfg, 0, sizeof *cfg);
	if ((v = value[SCN_DEVICE]) && !(cfg->device = device_find(v)))
		bad = SCN_DEVICE;
	cfg->engine = cfg->device ? cfg->device->engine : ENGINE_WOLFSSL;
	if ((v = value[SCN_ENGINE]) && scenario_engine(v, &cfg->engine) != 0)
		bad = SCN_ENGINE;
	if ((cfg->has_method = (v = value[SCN_METHOD]) != NULL) &&
	    scenario_method(v, &cfg->method, &cfg->min_version, &cfg->max_version) != 0)
		bad = SCN_METHOD;
	cfg->ciphers = value[SCN_CIPHERS];
	cfg->groups = value[SCN_GROUPS];
	v = value[SCN_CA];
	cfg->ca = !v || strcmp(v, "root") == 0 ? CASE_CA_ROOT : strcmp(v, "other") == 0 ? CASE_CA_OTHER : CASE_CA_NONE;
	if ((cfg->has_ca_format = (v = value[SCN_CA_FORMAT]) != NULL) && scenario_ca_format(v, &cfg->ca_format) != 0)
		bad = SCN_CA_FORMAT;
	if (!bool_field(value[SCN_VERIFY], &cfg->has_verify, &cfg->verify))
		bad = SCN_VERIFY;
	if ((cfg->has_sni = (v = value[SCN_SNI]) != NULL)) {
		cfg->sni = strcmp(v, "on") == 0 ? SNI_HOST : strcmp(v, "off") == 0 ? SNI_OFF : SNI_OTHER;
		cfg->sni_name = cfg->sni == SNI_OTHER ? v : NULL;
	}
	v = value[SCN_CHECK_NAME];
	cfg->check = !v || strcmp(v, "host") == 0 ? CASE_CHECK_HOST
		     : strcmp(v, "ip") == 0	      ? CASE_CHECK_IP
		     : strcmp(v, "none") == 0	      ? CASE_CHECK_NONE
						      : CASE_CHECK_GIVEN;
	cfg->check_name = cfg->check == CASE_CHECK_GIVEN ? v : NULL;
	if (scenario_clock(value[SCN_CLOCK] ? value[SCN_CLOCK] : "now", &cfg->clock) != 0)
		bad = SCN_CLOCK;
	if (scenario_max_fragment(value[SCN_MAX_FRAGMENT] ? value[SCN_MAX_FRAGMENT] : "none", &cfg->max_fragment) != 0)
		bad = SCN_MAX_FRAGMENT;
	if (!bool_field(value[SCN_CLIENT_CERT], &has, &cert))
		bad = SCN_CLIENT_CERT;
	cfg->client_cert = cert;
	if (!bits_field(value[SCN_MIN_RSA_BITS], &cfg->has_min_rsa_bits, &cfg->min_rsa_bits, scenario_key_bits))
		bad = SCN_MIN_RSA_BITS;
	if (!bits_field(value[SCN_MIN_DH_BITS], &cfg->has_min_dh_bits, &cfg->min_dh_bits, scenario_key_bits))
		bad = SCN_MIN_DH_BITS;
	if (!bool_field(value[SCN_REJECT_SHA1], &cfg->has_reject_sha1, &cfg->reject_sha1))
		bad = SCN_REJECT_SHA1;
	if (!bits_field(value[SCN_RX_RECORD_LIMIT], &cfg->has_rx_record_limit, &cfg->rx_record_limit,
			scenario_record_limit))
		bad = SCN_RX_RECORD_LIMIT;
	if ((v = value[SCN_REQUEST]) && scenario_request(v) != 0)
		bad = SCN_REQUEST;
	cfg->request = value[SCN_REQUEST];
	if (bad == SCN_NFIELDS)
		return 0;
	snprintf(err, errlen, "bad %s '%s'", scenario_field_name(bad), value[bad] ? value[bad] : "");
	return -1;
}
