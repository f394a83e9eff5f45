/*
 * fuzz_scenario.c - libFuzzer target for scenario files (run/scenario*.c):
 * 'tlsdiag run FILE' reads a file a user wrote or was sent with a bug
 * report, so the parser meets untrusted text.
 *
 * Input: the file's bytes.  They are loaded from memory
 * (scenario_load_buffer, what the path loader calls too) and, written to a
 * temporary file, by path (scenario_load_file: its read and size bound).
 * Besides the sanitizers it checks the loader's promises: a refused file
 * leaves the set as it was with a "NAME:LINE: " message; a loaded one has
 * one scenario with servers and at least one case, every case names its
 * scenario and is named BASE or BASE[COMBO], its values type again
 * (case_config_parse) and its compare names a case of the file; loading the
 * same text a second time is refused (the scenario is defined twice).
 * Seeds: tests/corpus/scenario (shipped and test scenarios, small).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/run/scenario.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool base_of_file(const struct scenario_set *set, const char *base)
{
	for (size_t i = 0; i < set->ncases; i++)
		if (strcmp(set->cases[i].base, base) == 0)
			return true;
	return false;
}

static void check_case(const struct scenario_set *set, const struct scenario_case *c)
{
	char name[512], why[256];
	struct case_config cfg;
	if (c->scenario != set->scenarios[0] || !c->name || !c->base || !c->combo || c->line < 1)
		abort();
	if (c->combo[0])
		snprintf(name, sizeof name, "%s[%s]", c->base, c->combo);
	else
		snprintf(name, sizeof name, "%s", c->base);
	if (strcmp(name, c->name) != 0)
		abort();
	if (case_config_parse(c->value, &cfg, why, sizeof why) != 0)
		abort();
	if (c->compare && (strcmp(c->compare, c->base) == 0 || !base_of_file(set, c->compare)))
		abort();
}

/* A refusal: the set unchanged (nscenarios, ncases) and the message names the file. */
static void check_refused(const struct scenario_set *set, size_t nsc, size_t ncases, const char *name,
			  const char *err)
{
	size_t n = strlen(name);
	if (set->nscenarios != nsc || set->ncases != ncases || strncmp(err, name, n) != 0 || err[n] != ':')
		abort();
}

static void load_and_check(const char *name, const uint8_t *data, size_t size, const char *path)
{
	struct scenario_set set;
	char err[512] = "";
	scenario_set_init(&set);
	int rc = path ? scenario_load_file(&set, path, err, sizeof err)
		      : scenario_load_buffer(&set, name, data, size, err, sizeof err);
	if (rc != 0) {
		check_refused(&set, 0, 0, path ? path : name, err);
		goto out;
	}
	const struct scenario *sc = set.scenarios[0];
	if (set.nscenarios != 1 || !sc->name || !sc->servers || !sc->servers[0] || sc->ncases == 0 ||
	    sc->first_case != 0 || sc->ncases != set.ncases)
		abort();
	for (size_t i = 0; i < set.ncases; i++)
		check_case(&set, &set.cases[i]);
	err[0] = '\0';
	if (scenario_load_buffer(&set, "again", data, size, err, sizeof err) == 0)
		abort();
	check_refused(&set, 1, sc->ncases, "again", err);
out:
	scenario_set_free(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_and_check("fuzz", data, size, NULL);
	const char *path = fuzz_file_write("scenario", "user.ini", data, size);
	if (path)
		load_and_check(NULL, data, size, path);
	unlink(fuzz_path);
	return 0;
}
