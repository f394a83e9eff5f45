/*
 * cmd_explain.c - 'tlsdiag explain': what an alert or an embedded stack's
 * error code means, its usual causes, how to confirm it and how to fix it,
 * with the same failure's code on every other stack.
 */
#include "harness/cmd.h"
#include "harness/core/err.h"
#include "harness/core/json.h"
#include "harness/explain/explain.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_HITS 32

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlsdiag explain [--stack NAME[@VERSION]] [--json] [--] CODE...\n"
		"       tlsdiag explain --list [--stack NAME[@VERSION]] [--json]\n"
		"       tlsdiag explain --kind KIND [--json]\n\n"
		"Explains a TLS alert or an embedded TLS stack's error code: what it means on that\n"
		"stack, what usually causes it between a device and a server, how to confirm it\n"
		"(which case to run, what to look for in the capture) and how to fix it, and how\n"
		"the same failure shows up on the other stacks.\n\n"
		"CODE is what the device or the server printed, e.g.\n"
		"  40  alert:40  handshake_failure  -313  -0x7780  BR_ERR_X509_NOT_TRUSTED\n"
		"  \"SSL error 40\"  \"OSError 208\"  \"ssl_handshake_status: -40\"  0A000418\n"
		"  \"tlsv1 alert unknown ca\"  \"no shared cipher\"  \"flags 0x0C\"\n"
		"  \"E (12345) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700\"\n"
		"  \"X509 - Certificate verification failed\"  SSL_ERROR_SYSCALL\n"
		"  \"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ... (_ssl.c:1006)\"\n"
		"Several words are read as one CODE; after \"--\" every word is (-0x2700 too).\n"
		"Without --stack every stack's meaning is shown, most likely first: an exact\n"
		"name or a stack's own print form, then a number in the stack's own range, then\n"
		"the number with its sign flipped; a number two library versions name\n"
		"differently is shown for each.\n\n"
		"options:\n"
		"  --stack NAME  only this stack (see --list): tls-alert, cc3200, axtls, bearssl,\n"
		"                mbedtls, mbedtls-verify, wolfssl, openssl, openssl-get-error;\n"
		"                NAME@VERSION picks a library version: mbedtls@3, mbedtls@2.28,\n"
		"                wolfssl@2 (CyaSSL 2.x), cc3200@1.9.1 (MicroPython's version)\n"
		"  --list        list the stacks, or with --stack every code of one stack\n"
		"  --kind KIND   one failure on every stack: unknown_ca, expired, not_yet_valid,\n"
		"                hostname_mismatch, bad_ca_file, connection_dropped, ...\n"
		"  --json        JSON instead of text\n"
		"  --help        this text\n\n"
		"exit status: 0 explained, 2 bad usage or a code no table knows.\n");
}

static int list_tables(bool json)
{
	const struct explain_table_info *t;
	struct jv *arr = json ? jv_array() : NULL;
	for (size_t i = 0; (t = explain_table(i)); i++) {
		if (json) {
			struct jv *o = jv_object();
			jv_set_str(o, "stack", t->stack);
			jv_set_str(o, "label", t->label);
			jv_set_str(o, "title", t->title);
			jv_set_int(o, "rows", (long long)t->nrows);
			jv_set_int(o, "range_min", t->range_min);
			jv_set_int(o, "range_max", t->range_max);
			jv_push(arr, o);
		} else {
			printf("%-17s %4zu codes  %s\n", t->stack, t->nrows, t->title);
		}
	}
	if (json) {
		jv_write(stdout, arr, true);
		jv_free(arr);
	}
	return EXIT_OK;
}

static int list_stack(const char *stack, bool json)
{
	const struct explain_row *r;
	struct jv *arr = json ? jv_array() : NULL;
	for (size_t i = 0; (r = explain_row_at(stack, i)); i++) {
		char code[32];
		if (json)
			jv_push(arr, explain_row_json(r));
		else
			printf("%10s  %s\n", explain_code_str(r, code, sizeof code), r->name);
	}
	if (json) {
		jv_write(stdout, arr, true);
		jv_free(arr);
	}
	return EXIT_OK;
}

static int show_kind(const char *kind, bool json)
{
	char key[80];
	const struct explain_equiv *eq;
	snprintf(key, sizeof key, "kind:%s", kind);
	eq = explain_equiv_find(key);
	if (!eq) {
		char list[512];
		size_t n = 0;
		list[0] = '\0';
		for (const char *const *k = explain_kinds(); *k && n < sizeof list; k++) {
			int w = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *k);
			if (w < 0)
				break;
			n += (size_t)w;
		}
		return err_report(ERR_USAGE, "unknown kind '%s' (kinds: %s)", kind, list);
	}
	if (json) {
		struct jv *o = explain_equiv_json(eq);
		jv_write(stdout, o, true);
		jv_free(o);
	} else {
		explain_print_equiv(stdout, eq, "");
	}
	return EXIT_OK;
}

static int show_query(const char *query, const char *stack, bool json)
{
	struct explain_hit hits[MAX_HITS];
	size_t n = explain_query(query, stack, hits, MAX_HITS);
	struct jv *root, *matches;
	if (n == 0) {
		if (stack)
			return err_report(ERR_USAGE, "%s has no code or name '%s' (see 'tlsdiag explain --list --stack %s')",
					  stack, query, stack);
		return err_report(ERR_USAGE, "no table knows '%s' (see 'tlsdiag explain --help')", query);
	}
	if (!json) {
		if (n > 1)
			printf("'%s': %zu meanings, most likely first.\n\n", query, n);
		for (size_t i = 0; i < n; i++) {
			const struct explain_equiv *eqs[8];
			size_t ne = explain_hit_equivs(&hits[i], eqs, 8);
			if (n > 1)
				printf("== %zu. (%s)\n", i + 1, hits[i].why);
			explain_print_hit(stdout, &hits[i]);
			for (size_t j = 0; j < ne; j++) {
				printf("\n");
				explain_print_equiv(stdout, eqs[j], "  ");
			}
			if (i + 1 < n)
				printf("\n");
		}
		return EXIT_OK;
	}
	root = jv_object();
	matches = jv_array();
	jv_set_int(root, "format_version", 1);
	jv_set_str(root, "query", query);
	jv_set_str(root, "stack", stack);
	for (size_t i = 0; i < n; i++) {
		const struct explain_equiv *eqs[8];
		size_t ne = explain_hit_equivs(&hits[i], eqs, 8);
		struct jv *m = jv_object(), *eqa = jv_array();
		jv_set_int(m, "rank", hits[i].rank);
		jv_set_str(m, "why", hits[i].why);
		if (hits[i].side[0])
			jv_set_str(m, "side", hits[i].side);
		jv_set(m, "row", explain_row_json(hits[i].row));
		for (size_t j = 0; j < ne; j++)
			jv_push(eqa, explain_equiv_json(eqs[j]));
		jv_set(m, "equivalents", eqa);
		jv_push(matches, m);
	}
	jv_set(root, "matches", matches);
	jv_write(stdout, root, true);
	jv_free(root);
	return EXIT_OK;
}

int cmd_explain(int argc, char **argv)
{
	const char *stack = NULL, *kind = NULL;
	bool json = false, list = false;
	char query[512] = "";
	size_t qlen = 0;
	bool options_done = false;
	int rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options_done) {
			/* after "--" everything is the code, "-0x2700" included */
		} else if (strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
			continue;
		} else if (strcmp(a, "--list") == 0) {
			list = true;
			continue;
		} else if (strcmp(a, "--stack") == 0 || strcmp(a, "--kind") == 0) {
			if (i + 1 >= argc)
				return err_report(ERR_USAGE, "%s needs a value", a);
			if (strcmp(a, "--stack") == 0)
				stack = argv[++i];
			else
				kind = argv[++i];
			continue;
		} else if (strncmp(a, "--", 2) == 0 && a[2] != '\0' && !(a[2] >= '0' && a[2] <= '9')) {
			return err_report(ERR_USAGE, "unknown option '%s' (see 'tlsdiag explain --help')", a);
		}
		{
			/* a code may be several words: "SSL error 40" unquoted */
			int w = snprintf(query + qlen, sizeof query - qlen, "%s%s", qlen ? " " : "", a);
			if (w < 0 || (size_t)w >= sizeof query - qlen)
				return err_report(ERR_USAGE, "the code is too long");
			qlen += (size_t)w;
		}
	}
	if (!explain_table(0)) {
		rc = err_report(ERR_INTERNAL, "the explain tables did not load");
		goto out;
	}
	if (stack && !explain_table_find(stack)) {
		rc = err_report(ERR_USAGE, "unknown stack '%s' (see 'tlsdiag explain --list')", stack);
		goto out;
	}
	if ((list || kind) && qlen) {
		rc = err_report(ERR_USAGE, "%s takes no CODE ('%s'): list one stack with --list --stack NAME",
				list ? "--list" : "--kind", query);
	} else if (list && kind) {
		rc = err_report(ERR_USAGE, "--list and --kind exclude each other");
	} else if (list) {
		rc = stack ? list_stack(stack, json) : list_tables(json);
	} else if (kind) {
		rc = show_kind(kind, json);
	} else if (qlen == 0) {
		usage(stderr);
		rc = err_report(ERR_USAGE, "explain needs a CODE, --list or --kind");
	} else {
		rc = show_query(query, stack, json);
	}
out:
	explain_free();
	return rc;
}
