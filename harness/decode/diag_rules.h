/*
 * diag_rules.h - inside the diagnosis: the rule table of diag_rules.c and
 * the helpers its match functions write evidence with.  diagnose.c runs
 * the table; nothing else includes this.
 */
#ifndef TLSDIAG_DECODE_DIAG_RULES_H
#define TLSDIAG_DECODE_DIAG_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/decode/diag_offer.h"
#include "harness/decode/diagnose.h"

struct dctx {
	const struct diag_facts *f;
	struct diag_result *r;
	bool have_offer;
	struct diag_offer o; /* of f->ch, when have_offer */
	/* A match may name its code (and variant) itself: several causes share one weighing. */
	const char *code;
	const char *variant;
};

typedef bool (*diag_match_fn)(struct dctx *x);

struct diag_rule {
	const char *code; /* stable */
	const char *variant; /* NULL, or a variant with its own words */
	diag_match_fn match;
};

extern const struct diag_rule diag_rules[];
extern const size_t diag_n_rules;
/* Codes a match may name besides its row's (diagnose_check() wants their words too). */
extern const char *const diag_named_codes[];

void dx_ev(struct dctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dx_apart(struct dctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Evidence of this kind was weighed ("alert", "client_hello", "certificate", "tcp", "server_log", ...). */
void dx_use(struct dctx *x, const char *kind);
/* Another cause the evidence leaves open (in order, once each, never the code itself). */
void dx_also(struct dctx *x, const char *code);
/* Evidence every rule file writes the same way (diag_rules.c). */
void dx_ev_alert(struct dctx *x); /* "the server sent alert 40 handshake_failure after ClientHello" */
bool dx_alert_is(const struct diag_facts *f, bool from_server, int desc);
void dx_ev_leaf(struct dctx *x); /* the server's certificate, its issuer, self-signed */
void dx_ev_names(struct dctx *x); /* the certificate's CN and SANs */

/* diag_chain.c: the server's chain as the client judged it. */
bool diag_m_expired(struct dctx *x);
bool diag_m_chain(struct dctx *x);
bool diag_m_complete_then_refused(struct dctx *x);

/* The alert's name, "unknown" for a value no table has. */
const char *dx_alert_name(int desc);

#endif
