/*
 * The fleet lint: settings the platform accepts without a word and then
 * routes wrongly (doc/routing.md, "Lint rules"). One rule table; each rule
 * is one function in src/lint.c over the route index of one carrier's
 * trunks. Rule ids are stable: scripts and `trunkctl lint --rule` name them.
 */
#ifndef TRUNKCTL_LINT_H
#define TRUNKCTL_LINT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/error.h"
#include "trunkctl/route.h"
#include "trunkctl/trunk.h"

enum tc_lint_severity {
	TC_LINT_ERROR,   /* calls fail or go somewhere undefined */
	TC_LINT_WARNING, /* calls go somewhere the settings do not suggest */
	TC_LINT_INFO,    /* the platform does something surprising but defined */
};

/* _(ENUM, id, severity, meaning, fix hint) */
#define TC_LINT_RULE_LIST(_)                                                                       \
	_(SHARED_INBOUND_IP, "shared-inbound-ip", ERROR,                                           \
	  "an inbound IP is on several trunks: only the oldest ever receives calls from it",       \
	  "keep the IP on one trunk: remove it from the newer ones, or move the inbound settings " \
	  "to the oldest")                                                                         \
	_(SHARED_IP_REGION, "shared-ip-region", WARNING,                                           \
	  "trunks sharing an inbound IP are in different regions: the IP keeps the region of "     \
	  "the trunk that registered it first",                                                    \
	  "put the trunks that share the IP in one region, or give each its own IP")               \
	_(DUPLICATE_ROUTE_PREFIX, "duplicate-route-prefix", ERROR,                                 \
	  "a route prefix is on several outbound trunks: which one the platform takes is "         \
	  "undefined",                                                                             \
	  "keep the prefix on one trunk, or make one of them longer")                              \
	_(ROUTE_PREFIX_NOT_DIGITS, "route-prefix-not-digits", ERROR,                               \
	  "a route prefix has non-digits: destinations are matched as digits, so it never "        \
	  "matches, or acts as a regular expression",                                              \
	  "write the prefix as digits only, without '+' or spaces")                                \
	_(EMPTY_ROUTE_PREFIX, "empty-route-prefix", WARNING,                                       \
	  "an empty route prefix matches every destination no longer prefix takes",                \
	  "remove the empty prefix; leave a trunk without prefixes to make it the fallback")       \
	_(DIAL_PREFIX_NOT_DIGITS, "dial-prefix-not-digits", ERROR,                                 \
	  "the dial-string prefix has non-digits: it is dialled as is (with the plus prefix, "     \
	  "\"+1\" dials \"++1…\")",                                                                \
	  "write the dial-string prefix as digits only; use outbound_plus_prefix for a '+'")       \
	_(AMBIGUOUS_FALLBACK, "ambiguous-fallback", ERROR,                                         \
	  "several outbound trunks have no route prefix: which one takes unmatched "               \
	  "destinations is undefined",                                                             \
	  "give all but one of these trunks route prefixes")                                       \
	_(NO_FALLBACK, "no-fallback", WARNING,                                                     \
	  "every outbound trunk has route prefixes: a destination none of them matches fails",     \
	  "leave one outbound trunk without route prefixes if unmatched destinations should be "   \
	  "dialled")                                                                               \
	_(NATIONAL_MULTI_COUNTRY, "national-multi-country", WARNING,                               \
	  "national dialing on a trunk that takes destinations of several country codes: the "     \
	  "country code is dropped, so they cannot be told apart",                                 \
	  "turn national dialing off, or limit the trunk's prefixes to one country code")          \
	_(PLUS_WITH_NATIONAL, "plus-with-national", WARNING,                                       \
	  "plus prefix with national dialing: the platform dials \"+0…\"",                         \
	  "turn one of outbound_plus_prefix and outbound_national_dialing off")                    \
	_(PLUS_SHORT_CODES, "plus-short-codes", INFO,                                              \
	  "the plus prefix is put before every destination, short codes too (\"+1393\")",          \
	  "turn outbound_plus_prefix off if the trunk dials short codes")                          \
	_(REGISTRATION_IGNORES_PREFIX, "registration-ignores-prefix", WARNING,                     \
	  "an outbound_registration trunk ignores its dial-string prefix and plus prefix",         \
	  "clear outbound_dial_string_prefix and outbound_plus_prefix, or use an ip_address "      \
	  "trunk")                                                                                 \
	_(REGISTRATION_DROPS_PORT, "registration-drops-port", INFO,                                \
	  "an outbound_registration trunk's Request-URI has the host without its port",            \
	  "make sure the registrar answers on its default port for the Request-URI host")          \
	_(CLIENT_CREDENTIALS_FALLBACK, "client-credentials-fallback", WARNING,                     \
	  "a client_credentials trunk without route prefixes can dial out, so it is a fallback "   \
	  "for every destination no prefix matches",                                               \
	  "give the trunk route prefixes unless it should take unmatched destinations")            \
	_(PREFIXES_NOT_OUTBOUND, "prefixes-not-outbound", WARNING,                                 \
	  "route prefixes on a trunk that cannot dial out (no outbound_host) are never used",      \
	  "set outbound_host, or clear the route prefixes")                                        \
	_(INBOUND_COUNTRY_NO_OP, "inbound-country-no-op", INFO,                                    \
	  "the inbound country's national prefix never applies: numbers are not normalised",       \
	  "send numbers in international format from this trunk's peer")                           \
	_(INBOUND_COUNTRY_PREPENDS, "inbound-country-prepends", WARNING,                           \
	  "the inbound country's national prefix matches nothing at all: its calling code is put " \
	  "before every number, international ones too",                                           \
	  "clear inbound_country, or make sure the peer sends national numbers only")

enum tc_lint_rule_id {
#define TC_LINT_RULE_ENUM(e, id, sev, meaning, hint) TC_LINT_##e,
	TC_LINT_RULE_LIST(TC_LINT_RULE_ENUM)
#undef TC_LINT_RULE_ENUM
	    TC_LINT_RULE_COUNT
};

struct tc_lint_rule {
	enum tc_lint_rule_id rule;
	const char *id; /* stable, e.g. "shared-inbound-ip" */
	enum tc_lint_severity severity;
	const char *meaning; /* one sentence: what the platform does */
	const char *hint;    /* one sentence: how to fix it */
};

const struct tc_lint_rule *tc_lint_rule(enum tc_lint_rule_id rule); /* NULL when out of range */
const struct tc_lint_rule *tc_lint_rule_find(const char *id);       /* NULL when unknown */
const char *tc_lint_severity_name(enum tc_lint_severity severity);  /* "error", "warning", "info" */

struct tc_lint_finding {
	enum tc_lint_rule_id rule;
	size_t ntrunks;
	const struct tc_route_trunk **trunks; /* owned array; the winner first where there is one */
	char *message; /* owned; names trunks and values (server text: sanitise) */
};

struct tc_lint_report {
	size_t count, cap;
	struct tc_lint_finding *items; /* in rule order, then oldest trunk first */
};

/*
 * Runs every rule (only is NULL) or only *only over the trunks of table.
 * out is caller-owned and filled from empty. TC_NOMEM.
 */
enum tc_status tc_lint_run(const struct tc_route_table *table, const enum tc_lint_rule_id *only,
                           struct tc_lint_report *out, struct tc_error *err);
/* tc_lint_run that stops between rules with TC_CANCELLED once *cancel is set (NULL: never). */
enum tc_status tc_lint_run_cancellable(const struct tc_route_table *table,
                                       const enum tc_lint_rule_id *only, const atomic_bool *cancel,
                                       struct tc_lint_report *out, struct tc_error *err);
void tc_lint_report_finish(struct tc_lint_report *report); /* accepts NULL */
/* Findings of the given severity. */
size_t tc_lint_report_count(const struct tc_lint_report *report, enum tc_lint_severity severity);

/*
 * A lint's findings by trunk, compact enough for the TUI to keep for hours:
 * each trunk's worst severity by its row in the store (the list's marker),
 * and what the rules over the whole fleet found (shared IPs, duplicate
 * prefixes, several fallbacks), so that a trunk's findings can be said
 * again when its detail view asks.
 */
struct tc_lint_marks;

struct tc_lint_mark_finding {
	enum tc_lint_rule_id rule;
	char *message; /* in the allocation of the findings; server text: sanitise */
};

/*
 * The marks of every rule over table, whose trunks' rows (tc_route_trunk.row)
 * are distinct: the routing screen's, and the tests'. The lint thread
 * builds them from the store without a table. TC_NOMEM, TC_USAGE (two
 * trunks at one row), TC_CANCELLED once *cancel is set (NULL: never).
 */
enum tc_status tc_lint_marks_of_table(const struct tc_route_table *table, const atomic_bool *cancel,
                                      struct tc_lint_marks **out, struct tc_error *err);
void tc_lint_marks_destroy(struct tc_lint_marks *marks); /* accepts NULL */
/* The worst severity of the findings naming the trunk at row; false when none does (or NULL). */
bool tc_lint_marks_find(const struct tc_lint_marks *marks, int64_t row,
                        enum tc_lint_severity *worst);
/*
 * The findings naming trunk t (t->row set; as routing sees it), *n of them,
 * the most severe first, then in the report's order: one allocation, the
 * caller's to free(); *out NULL and *n 0 when the marks name none. Each
 * message is the report's while t is as the lint saw it. TC_NOMEM.
 */
enum tc_status tc_lint_marks_findings(const struct tc_lint_marks *marks,
                                      const struct tc_route_trunk *t,
                                      struct tc_lint_mark_finding **out, size_t *n,
                                      struct tc_error *err);
/* Trunks whose worst finding has the given severity. */
size_t tc_lint_marks_count(const struct tc_lint_marks *marks, enum tc_lint_severity worst);

#endif
