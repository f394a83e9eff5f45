/*
 * scenario_matrix.c - stage 2 of reading a scenario file: a [case]'s keys
 * are checked field by field (scenario_values.c), each field's
 * comma-separated values are expanded into a matrix (the first field varies
 * slowest), and the expectation of each combination is chosen: the override
 * expect[...] with the most conditions that holds, else the plain expect.
 * Two overrides of the same weight that hold for one combination and
 * disagree are an error: the file must say.
 */
#include "harness/run/scenario_int.h"

#include "harness/capture/fault.h"
#include "harness/explain/explain.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A server value naming a profile file of the user's ("./my-server.ini",
 * "lab/tls.ini": a '/' or ".ini") is read from the scenario file's
 * directory, as the profile's own relative paths are from its; the value
 * becomes that path, so a case's server = and the [scenario]'s servers =
 * name it alike.  The item, or a new string in its place.
 */
static char *server_path_of(const struct parse *p, char *item)
{
	size_t n = strlen(item);
	if (!strchr(item, '/') && !(n > 4 && strcmp(item + n - 4, ".ini") == 0))
		return item;
	const char *slash = strrchr(p->file, '/');
	size_t dl = item[0] == '/' ? 0 : slash ? (size_t)(slash - p->file) : 1;
	char *path = malloc(dl + 1 + n + 1);
	if (!path)
		return item;
	if (item[0] == '/')
		snprintf(path, n + 1, "%s", item);
	else
		snprintf(path, dl + 1 + n + 1, "%.*s/%s", (int)dl, slash ? p->file : ".", item);
	free(item);
	/* One spelling per file ("./lab.ini" and "lab.ini" alike): its real path, when it has one. */
	char *real = realpath(path, NULL);
	if (real) {
		free(path);
		return real;
	}
	return path;
}

void scn_values_free(struct values *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i]);
	vs->n = 0;
}

int scn_values_split(struct parse *p, enum scn_field f, const struct raw_entry *e, struct values *out)
{
	char why[240];
	const char *s = e->value;
	memset(out, 0, sizeof *out);
	out->line = e->line;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		char *item = scn_trim_copy(s, n);
		if (f == SCN_SERVER && item[0])
			item = server_path_of(p, item);
		if (!item[0]) {
			free(item);
			scn_perr(p, e->line, "empty value in '%s'", e->key);
			goto fail;
		}
		if (out->n == SCN_MAX_VALUES) {
			free(item);
			scn_perr(p, e->line, "more than %d values in '%s'", SCN_MAX_VALUES, e->key);
			goto fail;
		}
		for (size_t i = 0; i < out->n; i++)
			if (strcmp(out->v[i], item) == 0) {
				scn_perr(p, e->line, "value '%s' listed twice in '%s'", item, e->key);
				free(item);
				goto fail;
			}
		if (scn_value_check(f, item, why, sizeof why) != 0) {
			scn_perr(p, e->line, "%s", why);
			free(item);
			goto fail;
		}
		out->v[out->n++] = item;
		if (!comma)
			return 0;
		s = comma + 1;
	}
fail:
	scn_values_free(out);
	return -1;
}

/* One condition of an override: field is value (or value...). */
struct cond {
	enum scn_field f;
	bool ok[SCN_MAX_VALUES]; /* which of the field's values it accepts */
};

struct override {
	struct cond c[SCN_MAX_CONDS];
	size_t n;
	const char *text; /* the value: an expectation or a note */
	int line;
	const char *key;
};

/* Whitespace-separated words of s into w (copies into buf); maxw + 1 when there are more (never cut short). */
static size_t split_words(const char *s, char *buf, size_t buflen, char **w, size_t maxw)
{
	size_t n = 0;
	if ((size_t)snprintf(buf, buflen, "%s", s) >= buflen)
		return maxw + 1;
	for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == maxw)
			return maxw + 1;
		w[n++] = t;
	}
	return n;
}

/*
 * Parses "FIELD is V [or V...] [and FIELD is V...]" (a value may be "#N",
 * the Nth of the field's list, for values holding ':' or '=' that an INI
 * key cannot).
 */
static int override_parse(struct parse *p, const struct raw_entry *e, const char *cond,
			  const struct values *vals, struct override *o)
{
	char buf[256], *w[SCN_MAX_WORDS];
	size_t nw = split_words(cond, buf, sizeof buf, w, SCN_MAX_WORDS), i = 0;
	memset(o, 0, sizeof *o);
	o->text = e->value;
	o->line = e->line;
	o->key = e->key;
	if (nw > SCN_MAX_WORDS) {
		scn_perr(p, e->line, "too many words in '%s' (at most %d)", e->key, SCN_MAX_WORDS);
		return -1;
	}
	if (nw == 0) {
		scn_perr(p, e->line, "empty condition in '%s': write %.*s[FIELD is VALUE]", e->key,
			 (int)strcspn(e->key, "["), e->key);
		return -1;
	}
	while (i < nw) {
		if (o->n == SCN_MAX_CONDS) {
			scn_perr(p, e->line, "too many conditions in '%s'", e->key);
			return -1;
		}
		int f = scn_field_find(w[i]);
		if (f < 0) {
			scn_perr(p, e->line, "'%s' in '%s' is not a case field", w[i], e->key);
			return -1;
		}
		for (size_t k = 0; k < o->n; k++)
			if ((int)o->c[k].f == f) {
				scn_perr(p, e->line, "field '%s' named twice in '%s'", w[i], e->key);
				return -1;
			}
		const struct values *vs = &vals[f];
		if (vs->n == 0) {
			scn_perr(p, e->line, "'%s' in '%s' has no values in this case", w[i], e->key);
			return -1;
		}
		if (i + 2 >= nw || strcmp(w[i + 1], "is") != 0) {
			scn_perr(p, e->line, "bad condition in '%s': write FIELD is VALUE [or VALUE] [and FIELD is VALUE]",
				 e->key);
			return -1;
		}
		struct cond *c = &o->c[o->n++];
		c->f = (enum scn_field)f;
		i += 2;
		for (;;) {
			size_t idx = vs->n;
			char *end;
			if (w[i][0] == '#') {
				errno = 0;
				long k = strtol(w[i] + 1, &end, 10);
				if (!errno && *end == '\0' && end != w[i] + 1 && k >= 1 && (size_t)k <= vs->n)
					idx = (size_t)k - 1;
			} else {
				for (size_t k = 0; k < vs->n; k++)
					if (strcmp(vs->v[k], w[i]) == 0)
						idx = k;
			}
			if (idx == vs->n) {
				scn_perr(p, e->line, "'%s' in '%s' is not one of the case's %s values", w[i], e->key,
					 scenario_field_name((enum scn_field)f));
				return -1;
			}
			c->ok[idx] = true;
			i++;
			if (i + 1 < nw && strcmp(w[i], "or") == 0) {
				i++;
				continue;
			}
			break;
		}
		if (i < nw) {
			if (strcmp(w[i], "and") != 0 || i + 1 >= nw) {
				scn_perr(p, e->line, "bad condition in '%s': expected 'and' or 'or' at '%s'", e->key, w[i]);
				return -1;
			}
			i++;
		}
	}
	return 0;
}

static bool override_holds(const struct override *o, const size_t *pick)
{
	for (size_t k = 0; k < o->n; k++)
		if (!o->c[k].ok[pick[o->c[k].f]])
			return false;
	return true;
}

/* Which text applies to a combination: see the top of the file. NULL: none. */
static const struct override *override_pick(struct parse *p, const struct override *ov, size_t nov,
					    const size_t *pick, const char *combo)
{
	const struct override *best = NULL;
	for (size_t i = 0; i < nov; i++) {
		if (!override_holds(&ov[i], pick))
			continue;
		if (!best || ov[i].n > best->n) {
			best = &ov[i];
		} else if (ov[i].n == best->n && strcmp(ov[i].text, best->text) != 0) {
			scn_perr(p, ov[i].line, "'%s' and '%s' (line %d) both apply to %s: make one more specific",
				 ov[i].key, best->key, best->line, combo);
			return NULL;
		}
	}
	return best;
}

struct case_build {
	struct values vals[SCN_NFIELDS];
	const char *compare, *reported, *network; /* single-valued case keys, NULL when absent */
	struct override *expects, *notes;
	size_t nexpects, nnotes;
};

/* Appends one expanded case to the set. */
static int case_emit(struct parse *p, struct scenario_set *set, struct scenario *sc, const struct raw_section *sec,
		     struct case_build *b, const size_t *pick)
{
	char combo[512] = "", why[240];
	size_t used = 0;
	for (int f = 0; f < SCN_NFIELDS; f++)
		if (b->vals[f].n > 1 && used < sizeof combo)
			used += (size_t)snprintf(combo + used, sizeof combo - used, "%s%s=%s", used ? "," : "",
						 scenario_field_name((enum scn_field)f), b->vals[f].v[pick[f]]);
	if (used >= sizeof combo) {
		scn_perr(p, sec->line, "case '%s': its combination names are too long", sec->name);
		return -1;
	}
	const struct override *ex = override_pick(p, b->expects, b->nexpects, pick, combo);
	const struct override *no = override_pick(p, b->notes, b->nnotes, pick, combo);
	if (p->failed)
		return -1;
	if (!ex) {
		if (combo[0])
			scn_perr(p, sec->line, "case '%s' has no expect for %s", sec->name, combo);
		else
			scn_perr(p, sec->line, "case '%s' has no expect", sec->name);
		return -1;
	}
	struct scenario_case c = { .scenario = sc, .line = sec->line, .expect_line = ex->line };
	if (expect_parse(ex->text, &c.expect, why, sizeof why) != 0) {
		scn_perr(p, ex->line, "%s", why);
		return -1;
	}
	for (int f = 0; f < SCN_NFIELDS; f++)
		if (b->vals[f].n)
			c.value[f] = scn_strdup(set, b->vals[f].v[pick[f]]);
	/* Typed once, here: the worker never parses the file's strings again. */
	if (case_config_parse(c.value, &c.cfg, why, sizeof why) != 0) {
		scn_perr(p, sec->line, "case '%s': %s", sec->name, why);
		return -1;
	}
	c.base = scn_strdup(set, sec->name);
	c.combo = scn_strdup(set, combo);
	if (combo[0]) {
		size_t n = strlen(sec->name) + strlen(combo) + 3;
		char *name = malloc(n);
		if (!name)
			abort();
		snprintf(name, n, "%s[%s]", sec->name, combo);
		c.name = scn_keep(set, name);
	} else {
		c.name = c.base;
	}
	c.note = no ? scn_strdup(set, no->text) : NULL;
	c.compare = b->compare ? scn_strdup(set, b->compare) : NULL;
	c.reported = b->reported ? scn_strdup(set, b->reported) : NULL;
	c.network = b->network ? scn_strdup(set, b->network) : NULL;
	if (set->ncases == set->capcases) {
		set->capcases = set->capcases ? set->capcases * 2 : 32;
		set->cases = scn_xrealloc(set->cases, set->capcases * sizeof *set->cases);
	}
	set->cases[set->ncases++] = c;
	return 0;
}

/* Splits "expect[COND]" into its base and condition; base alone returns cond = NULL. */
static int key_split(const char *key, char *base, size_t baselen, const char **cond, size_t *condlen)
{
	const char *br = strchr(key, '[');
	size_t n = br ? (size_t)(br - key) : strlen(key);
	if (n >= baselen)
		return -1;
	memcpy(base, key, n);
	base[n] = '\0';
	*cond = NULL;
	if (br) {
		size_t kl = strlen(key);
		if (key[kl - 1] != ']')
			return -1;
		*cond = br + 1;
		*condlen = (size_t)(key + kl - 1 - (br + 1));
	}
	return 0;
}

/*
 * compare = CASE names another [case] of the same file (checked once all are
 * read: compare_check); reported = KIND one of the explain tables' failure kinds.
 */
static int single_key_check(struct parse *p, const struct raw_section *sec, const struct raw_entry *e)
{
	char list[400] = "";
	size_t n = 0;
	if (e->key[0] == 'c') {
		if (strcmp(e->value, sec->name) == 0) {
			scn_perr(p, e->line, "case '%s' compares with itself", sec->name);
			return -1;
		}
		return 0;
	}
	for (const char *const *k = explain_kinds(); k && *k; k++) {
		if (strcmp(*k, e->value) == 0)
			return 0;
		if (n < sizeof list)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *k);
	}
	scn_perr(p, e->line, "unknown failure kind '%s' in 'reported' (%s)", e->value, list);
	return -1;
}

int scn_case_build(struct parse *p, struct scenario_set *set, struct scenario *sc, const struct raw_section *sec,
		   const struct values *defaults)
{
	struct case_build b;
	int rc = -1;
	memset(&b, 0, sizeof b);
	/* Pass 1: the field values (overrides refer to them). */
	for (size_t i = 0; i < sec->n; i++) {
		const struct raw_entry *e = &sec->e[i];
		char base[32];
		const char *cond;
		size_t condlen;
		if (key_split(e->key, base, sizeof base, &cond, &condlen) != 0) {
			scn_perr(p, e->line, "unknown key '%s' in [case %s]", e->key, sec->name);
			goto out;
		}
		if (!e->value[0]) {
			scn_perr(p, e->line, "empty value for '%s'", e->key);
			goto out;
		}
		int f = scn_field_find(base);
		if (f >= 0 && !cond) {
			if (scn_values_split(p, (enum scn_field)f, e, &b.vals[f]) != 0)
				goto out;
		} else if (!cond && (strcmp(base, "compare") == 0 || strcmp(base, "reported") == 0)) {
			if (single_key_check(p, sec, e) != 0)
				goto out;
			*(base[0] == 'c' ? &b.compare : &b.reported) = e->value;
		} else if (!cond && strcmp(base, "network") == 0) {
			/* One list of faults for the case (its commas are not a matrix). */
			struct fault_set fs;
			char why[240];
			if (fault_parse(e->value, &fs, why, sizeof why) != 0) {
				scn_perr(p, e->line, "%s", why);
				goto out;
			}
			b.network = fs.n ? e->value : NULL;
		} else if (strcmp(base, "expect") != 0 && strcmp(base, "note") != 0) {
			scn_perr(p, e->line, "unknown key '%s' in [case %s]", e->key, sec->name);
			goto out;
		}
	}
	for (int f = 0; f < SCN_NFIELDS; f++) {
		if (b.vals[f].n || !defaults[f].n)
			continue;
		for (size_t k = 0; k < defaults[f].n; k++)
			b.vals[f].v[k] = scn_trim_copy(defaults[f].v[k], strlen(defaults[f].v[k]));
		b.vals[f].n = defaults[f].n;
		b.vals[f].line = defaults[f].line;
	}
	for (size_t k = 0; k < b.vals[SCN_SERVER].n; k++)
		if (!scn_in_list(b.vals[SCN_SERVER].v[k], (const char *const *)sc->servers)) {
			scn_perr(p, b.vals[SCN_SERVER].line, "server '%s' is not in the [scenario]'s servers",
				 b.vals[SCN_SERVER].v[k]);
			goto out;
		}
	/* Pass 2: expect and note, plain and per combination. */
	b.expects = calloc(sec->n, sizeof *b.expects);
	b.notes = calloc(sec->n, sizeof *b.notes);
	if (!b.expects || !b.notes)
		abort();
	for (size_t i = 0; i < sec->n; i++) {
		const struct raw_entry *e = &sec->e[i];
		char base[32], condbuf[200];
		const char *cond;
		size_t condlen;
		key_split(e->key, base, sizeof base, &cond, &condlen);
		bool is_expect = strcmp(base, "expect") == 0;
		if (!is_expect && strcmp(base, "note") != 0)
			continue;
		struct override *o = is_expect ? &b.expects[b.nexpects++] : &b.notes[b.nnotes++];
		if (cond) {
			snprintf(condbuf, sizeof condbuf, "%.*s", (int)condlen, cond);
			if (override_parse(p, e, condbuf, b.vals, o) != 0)
				goto out;
		} else {
			memset(o, 0, sizeof *o);
			o->text = e->value;
			o->line = e->line;
			o->key = e->key;
		}
		if (is_expect) {
			struct expectation x;
			char why[240];
			if (expect_parse(e->value, &x, why, sizeof why) != 0) {
				scn_perr(p, e->line, "%s", why);
				goto out;
			}
		}
	}
	/* Pass 3: every combination, the first field varying slowest. */
	size_t pick[SCN_NFIELDS] = { 0 }, total = 1;
	bool uncountable = false; /* the product passes SIZE_MAX: it must not wrap to a small count */
	for (int f = 0; f < SCN_NFIELDS; f++)
		if (b.vals[f].n > 1) {
			uncountable |= total > SIZE_MAX / b.vals[f].n;
			total = uncountable ? SIZE_MAX : total * b.vals[f].n;
		}
	if (uncountable) {
		scn_perr(p, sec->line, "case '%s' expands to more than %zu combinations (at most %d)", sec->name,
			 (size_t)SIZE_MAX, SCN_MAX_COMBOS);
		goto out;
	}
	if (total > SCN_MAX_COMBOS) {
		scn_perr(p, sec->line, "case '%s' expands to %zu combinations (at most %d)", sec->name, total,
			 SCN_MAX_COMBOS);
		goto out;
	}
	for (size_t k = 0; k < total; k++) {
		if (case_emit(p, set, sc, sec, &b, pick) != 0)
			goto out;
		for (int f = SCN_NFIELDS - 1; f >= 0; f--) {
			if (b.vals[f].n <= 1)
				continue;
			if (++pick[f] < b.vals[f].n)
				break;
			pick[f] = 0;
		}
	}
	rc = 0;
out:
	for (int f = 0; f < SCN_NFIELDS; f++)
		scn_values_free(&b.vals[f]);
	free(b.expects);
	free(b.notes);
	return rc;
}
