/*
 * scenario.c - reads scenario files (see scenario.h, docs/runner.md): the
 * set that owns what was read, the [scenario] section, and the entry points.
 *
 * A file is read in two stages: scenario_read.c turns its bytes into raw
 * sections (inih, fed through the cursor), then the [scenario] section is
 * checked here and every [case] is checked and expanded by
 * scenario_matrix.c, its values against scenario_values.c's vocabularies.
 */
#include "harness/run/scenario_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the set's strings ---- */

char *scn_keep(struct scenario_set *set, char *s)
{
	if (!s)
		abort(); /* out of memory: nothing sensible to report a scenario error with */
	if (set->nstrings == set->capstrings) {
		size_t cap = set->capstrings ? set->capstrings * 2 : 64;
		char **n = realloc(set->strings, cap * sizeof *n);
		if (!n)
			abort();
		set->strings = n;
		set->capstrings = cap;
	}
	set->strings[set->nstrings++] = s;
	return s;
}

char *scn_strdup(struct scenario_set *set, const char *s)
{
	return scn_keep(set, strdup(s));
}

void *scn_xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n ? n : 1);
	if (!r)
		abort();
	return r;
}

void scenario_set_init(struct scenario_set *set)
{
	memset(set, 0, sizeof *set);
}

void scenario_set_free(struct scenario_set *set)
{
	for (size_t i = 0; i < set->nscenarios; i++) {
		free(set->scenarios[i]->servers);
		free(set->scenarios[i]);
	}
	free(set->scenarios);
	free(set->cases);
	for (size_t i = 0; i < set->nstrings; i++)
		free(set->strings[i]);
	free(set->strings);
	memset(set, 0, sizeof *set);
}

/* Every compare = CASE names a [case] of the file. */
static int compare_check(struct parse *p, const struct scenario_set *set, const struct scenario *sc)
{
	for (size_t i = sc->first_case; i < set->ncases; i++) {
		const struct scenario_case *c = &set->cases[i];
		bool found = false;
		if (!c->compare)
			continue;
		for (size_t k = sc->first_case; k < set->ncases && !found; k++)
			found = strcmp(set->cases[k].base, c->compare) == 0;
		if (!found) {
			scn_perr(p, c->line, "case '%s' compares with '%s', which is not a [case] of this file", c->base,
				 c->compare);
			return -1;
		}
	}
	return 0;
}

static int scenario_build(struct parse *p, struct scenario_set *set, const struct raw_section *sec,
			  struct scenario *sc, struct values *defaults)
{
	for (size_t i = 0; i < sec->n; i++) {
		const struct raw_entry *e = &sec->e[i];
		int f = scn_field_find(e->key);
		if (!e->value[0]) {
			scn_perr(p, e->line, "empty value for '%s'", e->key);
			return -1;
		}
		if (strcmp(e->key, "name") == 0) {
			if (strlen(e->value) > SCN_MAX_NAME || strpbrk(e->value, "[]/")) {
				scn_perr(p, e->line, "bad scenario name '%s' (no brackets or '/', at most %d characters)",
					 e->value, SCN_MAX_NAME);
				return -1;
			}
			sc->name = scn_strdup(set, e->value);
		} else if (strcmp(e->key, "description") == 0) {
			sc->description = scn_strdup(set, e->value);
		} else if (strcmp(e->key, "reproduces") == 0) {
			sc->reproduces = scn_strdup(set, e->value);
		} else if (strcmp(e->key, "servers") == 0) {
			struct values vs;
			if (scn_values_split(p, SCN_SERVER, e, &vs) != 0)
				return -1;
			sc->servers = scn_xrealloc(NULL, (vs.n + 1) * sizeof *sc->servers);
			for (size_t k = 0; k < vs.n; k++)
				sc->servers[k] = scn_strdup(set, vs.v[k]);
			sc->servers[vs.n] = NULL;
			defaults[SCN_SERVER] = vs;
		} else if (f >= 0 && f != SCN_SERVER) {
			/* A case field here is the default of every case. */
			if (scn_values_split(p, (enum scn_field)f, e, &defaults[f]) != 0)
				return -1;
		} else {
			scn_perr(p, e->line, "unknown key '%s' in [scenario]", e->key);
			return -1;
		}
	}
	if (!sc->name) {
		scn_perr(p, sec->line, "[scenario] has no name");
		return -1;
	}
	if (!sc->servers) {
		scn_perr(p, sec->line, "[scenario] has no servers (the server profiles its cases run against)");
		return -1;
	}
	for (size_t i = 0; i < set->nscenarios; i++)
		if (strcmp(set->scenarios[i]->name, sc->name) == 0) {
			scn_perr(p, sec->line, "scenario '%s' is also defined in %s:%d", sc->name,
				 set->scenarios[i]->file, set->scenarios[i]->line);
			return -1;
		}
	return 0;
}

int scenario_load_buffer(struct scenario_set *set, const char *name, const void *data, size_t len, char *err,
			 size_t errlen)
{
	struct parse p = { .file = name, .in = cursor_make(data, len) };
	struct values defaults[SCN_NFIELDS];
	struct scenario *sc = NULL;
	size_t ncases0 = set->ncases;
	int rc = -1;
	memset(defaults, 0, sizeof defaults);
	if (scn_read(&p) != 0)
		goto out;
	const struct raw_section *scsec = NULL;
	for (size_t i = 0; i < p.nsecs; i++)
		if (!p.secs[i].is_case)
			scsec = &p.secs[i];
	if (!scsec) {
		scn_perr(&p, 1, "no [scenario] section");
		goto out;
	}
	sc = calloc(1, sizeof *sc);
	if (!sc)
		abort();
	sc->file = scn_strdup(set, name);
	sc->line = scsec->line;
	if (scenario_build(&p, set, scsec, sc, defaults) != 0)
		goto out;
	sc->first_case = set->ncases;
	for (size_t i = 0; i < p.nsecs; i++)
		if (p.secs[i].is_case && scn_case_build(&p, set, sc, &p.secs[i], defaults) != 0)
			goto out;
	sc->ncases = set->ncases - sc->first_case;
	if (compare_check(&p, set, sc) != 0)
		goto out;
	if (sc->ncases == 0) {
		scn_perr(&p, scsec->line, "no [case NAME] sections");
		goto out;
	}
	if (set->nscenarios == set->capscenarios) {
		set->capscenarios = set->capscenarios ? set->capscenarios * 2 : 8;
		set->scenarios = scn_xrealloc(set->scenarios, set->capscenarios * sizeof *set->scenarios);
	}
	set->scenarios[set->nscenarios++] = sc;
	sc = NULL;
	rc = 0;
out:
	if (rc != 0) {
		snprintf(err, errlen, "%s", p.err);
		set->ncases = ncases0; /* its strings stay in the set until it is freed */
	}
	if (sc) {
		free(sc->servers);
		free(sc);
	}
	for (int f = 0; f < SCN_NFIELDS; f++)
		scn_values_free(&defaults[f]);
	scn_raw_free(&p);
	return rc;
}

int scenario_load_string(struct scenario_set *set, const char *name, const char *text, char *err, size_t errlen)
{
	return scenario_load_buffer(set, name, text, strlen(text), err, errlen);
}

int scenario_load_file(struct scenario_set *set, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	int rc = -1;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(SCN_MAX_FILE + 1); /* one byte more than a file may hold: a larger one is seen */
	if (!buf)
		abort();
	size_t n = fread(buf, 1, SCN_MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (n > SCN_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes: not a scenario file", path, SCN_MAX_FILE);
		goto out;
	}
	rc = scenario_load_buffer(set, path, buf, n, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}
