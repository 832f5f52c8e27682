/*
 * The fleet lint: one function per rule of include/trunkctl/lint.h, each a
 * pass over the route index (the sorted prefixes and IPs make the
 * duplicates neighbours) or over the trunks. doc/routing.md says which
 * platform behaviour each rule follows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_private.h"
#include "route_private.h"
#include "trunkctl/lint.h"
#include "trunkctl/phony.h"

static const struct tc_lint_rule rules[TC_LINT_RULE_COUNT] = {
#define TC_LINT_RULE_ROW(e, id, sev, meaning, hint)                                                \
	[TC_LINT_##e] = {TC_LINT_##e, id, TC_LINT_##sev, meaning, hint},
    TC_LINT_RULE_LIST(TC_LINT_RULE_ROW)
#undef TC_LINT_RULE_ROW
};

const struct tc_lint_rule *tc_lint_rule(enum tc_lint_rule_id rule)
{
	return rule >= 0 && rule < TC_LINT_RULE_COUNT ? &rules[rule] : NULL;
}

const struct tc_lint_rule *tc_lint_rule_find(const char *id)
{
	for (size_t i = 0; id && i < TC_LINT_RULE_COUNT; i++)
		if (strcmp(rules[i].id, id) == 0)
			return &rules[i];
	return NULL;
}

const char *tc_lint_severity_name(enum tc_lint_severity severity)
{
	switch (severity) {
	case TC_LINT_ERROR:
		return "error";
	case TC_LINT_WARNING:
		return "warning";
	case TC_LINT_INFO:
		break;
	}
	return "info";
}

void tc_lint_report_finish(struct tc_lint_report *report)
{
	if (!report)
		return;
	for (size_t i = 0; i < report->count; i++) {
		free(report->items[i].trunks);
		free(report->items[i].message);
	}
	free(report->items);
	memset(report, 0, sizeof(*report));
}

size_t tc_lint_report_count(const struct tc_lint_report *report, enum tc_lint_severity severity)
{
	size_t n = 0;
	for (size_t i = 0; i < report->count; i++)
		n += rules[report->items[i].rule].severity == severity;
	return n;
}

const char *lint_label(const struct tc_route_trunk *t)
{
	return t->name ? t->name : t->id ? t->id : "(unnamed trunk)";
}

static char *vmessage(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* fmt's message in a new allocation; NULL when out of memory. */
static char *vmessage(const char *fmt, va_list ap)
{
	char small[512];
	va_list again;
	va_copy(again, ap);
	int len = vsnprintf(small, sizeof(small), fmt, ap);
	char *message = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (message && (size_t)len < sizeof(small))
		memcpy(message, small, (size_t)len + 1);
	else if (message)
		vsnprintf(message, (size_t)len + 1, fmt, again);
	va_end(again);
	return message;
}

char *lint_message(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *message = vmessage(fmt, ap);
	va_end(ap);
	return message;
}

/*
 * A finding about trunks[0..n) (repeats in a row dropped) with message, a
 * lint_message the finding takes (NULL: out of memory). In a worst-only run
 * the rule's severity is all that is kept.
 */
static enum tc_status add(struct lint *l, enum tc_lint_rule_id rule,
                          const struct tc_route_trunk *const *trunks, size_t n, char *message)
{
	struct tc_lint_finding f = {.rule = rule, .message = message};
	f.trunks = message ? malloc((n ? n : 1) * sizeof(*f.trunks)) : NULL;
	if (!f.trunks) {
		free(message);
		return TC_NOMEM;
	}
	/* the rules hand a trunk's repeats in a row (prefixes sort by trunk) */
	for (size_t i = 0; i < n; i++)
		if (f.ntrunks == 0 || f.trunks[f.ntrunks - 1] != trunks[i])
			f.trunks[f.ntrunks++] = trunks[i];
	return l->sink(l->ctx, &f);
}

static enum tc_status add1(struct lint *l, enum tc_lint_rule_id rule,
                           const struct tc_route_trunk *t, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A finding about trunk t alone. */
static enum tc_status add1(struct lint *l, enum tc_lint_rule_id rule,
                           const struct tc_route_trunk *t, const char *fmt, ...)
{
	if (!l->sink) {
		/* worst-only: ERROR is 0, so the most severe is the least */
		if (!l->found || rules[rule].severity < l->worst)
			l->worst = rules[rule].severity;
		l->found = true;
		return TC_OK;
	}
	va_list ap;
	va_start(ap, fmt);
	char *message = vmessage(fmt, ap);
	va_end(ap);
	return add(l, rule, &t, 1, message);
}

/* The report's sink: the finding joins the report. */
static enum tc_status to_report(void *ctx, struct tc_lint_finding *f)
{
	struct tc_lint_report *r = ctx;
	if (r->count == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct tc_lint_finding *items = realloc(r->items, cap * sizeof(*items));
		if (!items) {
			free(f->trunks);
			free(f->message);
			return TC_NOMEM;
		}
		r->items = items;
		r->cap = cap;
	}
	r->items[r->count++] = *f;
	return TC_OK;
}

void lint_ip_text(uint32_t ip, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255u, (ip >> 8) & 255u,
	         ip & 255u);
}

char *lint_shared_ip_message(uint32_t ip, size_t n, const char *oldest, const char *second,
                             bool tie)
{
	char text[16];
	lint_ip_text(ip, text, sizeof(text));
	if (tie)
		return lint_message(
		    "%s is on %zu trunks and the oldest of them cannot be told apart: "
		    "which one receives calls from it is undefined",
		    text, n);
	return lint_message("%s is on %zu trunks: %s, created first, receives every call from it; "
	                    "%s%s never does, nor does its inbound_country apply",
	                    text, n, oldest, second, n > 2 ? " and the others" : "");
}

char *lint_ip_region_message(uint32_t ip, const char *region, const char *other)
{
	char text[16];
	lint_ip_text(ip, text, sizeof(text));
	return lint_message("%s is on trunks in %s and %s: it is allowed in the region of the "
	                    "trunk that registered it first",
	                    text, region, other);
}

char *lint_duplicate_prefix_message(const char *prefix)
{
	return lint_message("route prefix %s is on several outbound trunks", prefix);
}

char *lint_ambiguous_fallback_message(size_t n, const char *first, const char *second)
{
	return lint_message("%zu outbound trunks have no route prefix: %s, %s%s", n, first, second,
	                    n > 2 ? " and more" : "");
}

/* Calls fn for each IP on more than one trunk: entries [first, end) of tb->ips. */
typedef enum tc_status (*ip_group_fn)(struct lint *l, size_t first, size_t end);

static enum tc_status each_shared_ip(struct lint *l, ip_group_fn fn)
{
	const struct tc_route_table *tb = l->tb;
	for (size_t i = 0; i < tb->nips;) {
		size_t end = i + 1;
		while (end < tb->nips && tb->ips[end].ip == tb->ips[i].ip)
			end++;
		if (end - i > 1) {
			enum tc_status rc = fn(l, i, end);
			if (rc != TC_OK)
				return rc;
		}
		i = end;
	}
	return TC_OK;
}

/* The trunks of ips [first, end), oldest first; free the result. */
static const struct tc_route_trunk **ip_group_trunks(const struct tc_route_table *tb, size_t first,
                                                     size_t end)
{
	const struct tc_route_trunk **trunks = malloc((end - first) * sizeof(*trunks));
	for (size_t i = first; trunks && i < end; i++)
		trunks[i - first] = tb->trunks[tb->ips[i].trunk];
	return trunks;
}

static enum tc_status shared_ip_group(struct lint *l, size_t first, size_t end)
{
	const struct tc_route_trunk **trunks = ip_group_trunks(l->tb, first, end);
	if (!trunks)
		return TC_NOMEM;
	char *message =
	    lint_shared_ip_message(l->tb->ips[first].ip, end - first, lint_label(trunks[0]),
	                           lint_label(trunks[1]), route_age_cmp(trunks[0], trunks[1]) == 0);
	enum tc_status rc = add(l, TC_LINT_SHARED_INBOUND_IP, trunks, end - first, message);
	free(trunks);
	return rc;
}

static enum tc_status rule_shared_inbound_ip(struct lint *l)
{
	return each_shared_ip(l, shared_ip_group);
}

const char *lint_other_region(const char *region, const struct tc_route_trunk *t)
{
	return t->region && (!region || strcmp(t->region, region) != 0) ? t->region : NULL;
}

static enum tc_status ip_region_group(struct lint *l, size_t first, size_t end)
{
	const struct tc_route_table *tb = l->tb;
	const char *region = tb->trunks[tb->ips[first].trunk]->region;
	const char *other = NULL;
	for (size_t i = first + 1; i < end && !other; i++)
		other = lint_other_region(region, tb->trunks[tb->ips[i].trunk]);
	if (!other || !region)
		return TC_OK;
	const struct tc_route_trunk **trunks = ip_group_trunks(tb, first, end);
	if (!trunks)
		return TC_NOMEM;
	enum tc_status rc = add(l, TC_LINT_SHARED_IP_REGION, trunks, end - first,
	                        lint_ip_region_message(tb->ips[first].ip, region, other));
	free(trunks);
	return rc;
}

static enum tc_status rule_shared_ip_region(struct lint *l)
{
	return each_shared_ip(l, ip_region_group);
}

static enum tc_status rule_duplicate_route_prefix(struct lint *l)
{
	const struct tc_route_table *tb = l->tb;
	for (size_t i = 0; i < tb->nprefixes;) {
		size_t end = route_prefix_run_end(tb, i);
		/* sorted by trunk within a prefix: several trunks iff first and last differ */
		if (tb->prefixes[i].trunk != tb->prefixes[end - 1].trunk) {
			const struct tc_route_trunk **trunks = malloc((end - i) * sizeof(*trunks));
			if (!trunks)
				return TC_NOMEM;
			for (size_t k = i; k < end; k++)
				trunks[k - i] = tb->trunks[tb->prefixes[k].trunk];
			enum tc_status rc =
			    add(l, TC_LINT_DUPLICATE_ROUTE_PREFIX, trunks, end - i,
			        lint_duplicate_prefix_message(tb->prefixes[i].text));
			free(trunks);
			if (rc != TC_OK)
				return rc;
		}
		i = end;
	}
	return TC_OK;
}

static enum tc_status check_route_prefix_not_digits(struct lint *l, const struct tc_route_trunk *t,
                                                    bool outbound)
{
	for (size_t k = 0; outbound && k < t->nroute_prefixes; k++) {
		const char *p = t->route_prefixes[k];
		if (route_all_digits(p, strlen(p)))
			continue;
		enum tc_status rc =
		    add1(l, TC_LINT_ROUTE_PREFIX_NOT_DIGITS, t,
		         "route prefix \"%s\" of %s is not digits", p, lint_label(t));
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status check_empty_route_prefix(struct lint *l, const struct tc_route_trunk *t,
                                               bool outbound)
{
	for (size_t k = 0; outbound && k < t->nroute_prefixes; k++) {
		if (t->route_prefixes[k][0])
			continue;
		enum tc_status rc =
		    add1(l, TC_LINT_EMPTY_ROUTE_PREFIX, t,
		         "%s has an empty route prefix: it takes every destination no "
		         "longer prefix matches",
		         lint_label(t));
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status check_dial_prefix_not_digits(struct lint *l, const struct tc_route_trunk *t,
                                                   bool outbound)
{
	(void)outbound;
	const char *p = t->dial_string_prefix;
	if (!p || route_all_digits(p, strlen(p)) || t->mode == TC_MODE_OUTBOUND_REGISTRATION)
		return TC_OK;
	return add1(l, TC_LINT_DIAL_PREFIX_NOT_DIGITS, t,
	            "dial-string prefix \"%s\" of %s is not digits%s", p, lint_label(t),
	            t->plus_prefix && p[0] == '+' ? ": with the plus prefix it dials \"++…\"" : "");
}

bool lint_is_fallback(const struct tc_route_trunk *t, bool outbound)
{
	return outbound && t->nroute_prefixes == 0;
}

static enum tc_status rule_ambiguous_fallback(struct lint *l)
{
	const struct tc_route_table *tb = l->tb;
	if (tb->nfallbacks < 2)
		return TC_OK;
	const struct tc_route_trunk **trunks = malloc(tb->nfallbacks * sizeof(*trunks));
	if (!trunks)
		return TC_NOMEM;
	for (size_t k = 0; k < tb->nfallbacks; k++)
		trunks[k] = tb->trunks[tb->fallbacks[k]];
	enum tc_status rc = add(l, TC_LINT_AMBIGUOUS_FALLBACK, trunks, tb->nfallbacks,
	                        lint_ambiguous_fallback_message(
	                            tb->nfallbacks, lint_label(trunks[0]), lint_label(trunks[1])));
	free(trunks);
	return rc;
}

static enum tc_status rule_no_fallback(struct lint *l)
{
	size_t outbound = 0;
	for (size_t i = 0; i < l->tb->count; i++)
		outbound += l->tb->outbound[i];
	if (outbound == 0 || l->tb->nfallbacks > 0)
		return TC_OK;
	return add(l, TC_LINT_NO_FALLBACK, NULL, 0,
	           lint_message("all %zu outbound trunks have route prefixes: destinations none of "
	                        "them matches fail",
	                        outbound));
}

/*
 * The calling code every destination under the digits prefix has, into cc
 * (4 bytes); false when the prefix is shorter than a calling code, so that
 * it spans several.
 */
static bool digits_calling_code(const char *prefix, size_t len, char *cc)
{
	char low[16], high[16], cc2[4];
	snprintf(low, sizeof(low), "%.*s000000000000", (int)len, prefix);
	snprintf(high, sizeof(high), "%.*s999999999999", (int)len, prefix);
	if (tc_phony_split(low, cc, 4) != TC_PHONY_OK ||
	    tc_phony_split(high, cc2, sizeof(cc2)) != TC_PHONY_OK)
		return false;
	return strcmp(cc, cc2) == 0 && strlen(cc) <= len;
}

static bool prefix_calling_code(struct lint *l, const char *prefix, char *cc)
{
	size_t len = strlen(prefix);
	if (len == 0)
		return false;
	if (len < 3)
		return digits_calling_code(prefix, len, cc);
	int k = (prefix[0] - '0') * 100 + (prefix[1] - '0') * 10 + (prefix[2] - '0');
	if (l->known[k] == 0)
		l->known[k] = digits_calling_code(prefix, 3, l->cc[k]) ? 1 : -1;
	if (l->known[k] < 0)
		return false;
	memcpy(cc, l->cc[k], sizeof(l->cc[k]));
	return true;
}

/* Why trunk t's national dialing loses country codes, or NULL. */
static const char *national_spread(struct lint *l, const struct tc_route_trunk *t, char *buf,
                                   size_t size)
{
	if (t->nroute_prefixes == 0)
		return "it takes every destination no route prefix matches";
	char first[8] = "", cc[8];
	for (size_t k = 0; k < t->nroute_prefixes; k++) {
		const char *prefix = t->route_prefixes[k];
		if (!route_all_digits(prefix, strlen(prefix)))
			continue;
		if (!prefix_calling_code(l, prefix, cc)) {
			snprintf(buf, size, "route prefix \"%s\" spans several country codes",
			         prefix);
			return buf;
		}
		if (!first[0])
			memcpy(first, cc, sizeof(first));
		else if (strcmp(first, cc) != 0) {
			snprintf(buf, size, "its route prefixes cover country codes %s and %s",
			         first, cc);
			return buf;
		}
	}
	return NULL;
}

static enum tc_status check_national_multi_country(struct lint *l, const struct tc_route_trunk *t,
                                                   bool outbound)
{
	if (!outbound || !t->national_dialing)
		return TC_OK;
	char buf[160];
	const char *why = national_spread(l, t, buf, sizeof(buf));
	if (!why)
		return TC_OK;
	return add1(l, TC_LINT_NATIONAL_MULTI_COUNTRY, t,
	            "%s dials national numbers but %s: the country code is dropped", lint_label(t),
	            why);
}

/* Trunks the plus prefix applies to: they dial out, and not through a registration. */
static bool plus_applies(const struct tc_route_trunk *t, bool outbound)
{
	return outbound && t->mode != TC_MODE_OUTBOUND_REGISTRATION && t->plus_prefix;
}

static enum tc_status check_plus_with_national(struct lint *l, const struct tc_route_trunk *t,
                                               bool outbound)
{
	if (!plus_applies(t, outbound) || !t->national_dialing)
		return TC_OK;
	return add1(l, TC_LINT_PLUS_WITH_NATIONAL, t,
	            "%s has plus prefix and national dialing: it dials \"+0…\"", lint_label(t));
}

static enum tc_status check_plus_short_codes(struct lint *l, const struct tc_route_trunk *t,
                                             bool outbound)
{
	if (!plus_applies(t, outbound))
		return TC_OK;
	return add1(l, TC_LINT_PLUS_SHORT_CODES, t,
	            "%s puts '+' before short codes too (\"+1393\")", lint_label(t));
}

static enum tc_status
check_registration_ignores_prefix(struct lint *l, const struct tc_route_trunk *t, bool outbound)
{
	(void)outbound;
	if (t->mode != TC_MODE_OUTBOUND_REGISTRATION)
		return TC_OK;
	bool prefix = t->dial_string_prefix != NULL;
	bool plus = t->plus_prefix;
	if (!prefix && !plus)
		return TC_OK;
	return add1(l, TC_LINT_REGISTRATION_IGNORES_PREFIX, t,
	            "%s registers outbound: its %s%s%s never dialled", lint_label(t),
	            prefix ? "dial-string prefix" : "", prefix && plus ? " and " : "",
	            plus ? "plus prefix are" : "is");
}

static enum tc_status check_registration_drops_port(struct lint *l, const struct tc_route_trunk *t,
                                                    bool outbound)
{
	(void)outbound;
	const char *host = t->outbound_host;
	if (t->mode != TC_MODE_OUTBOUND_REGISTRATION || !host || !strchr(host, ':'))
		return TC_OK;
	return add1(l, TC_LINT_REGISTRATION_DROPS_PORT, t,
	            "%s registers outbound: its Request-URI has %s without the port", lint_label(t),
	            host);
}

static enum tc_status
check_client_credentials_fallback(struct lint *l, const struct tc_route_trunk *t, bool outbound)
{
	if (!lint_is_fallback(t, outbound) || t->mode != TC_MODE_CLIENT_CREDENTIALS)
		return TC_OK;
	return add1(l, TC_LINT_CLIENT_CREDENTIALS_FALLBACK, t,
	            "%s (client_credentials, no route prefixes) takes destinations no prefix "
	            "matches",
	            lint_label(t));
}

static enum tc_status check_prefixes_not_outbound(struct lint *l, const struct tc_route_trunk *t,
                                                  bool outbound)
{
	if (outbound || t->nroute_prefixes == 0)
		return TC_OK;
	return add1(l, TC_LINT_PREFIXES_NOT_OUTBOUND, t,
	            "%s has route prefixes but no outbound_host", lint_label(t));
}

/* What the inbound country's /\A(?:national prefix)/ does: 0 nothing, 1 normal, 2 matches "". */
static int country_effect(const char *cc, const char *np)
{
	if (!np || !*np)
		return 2;
	bool all_starred = true;
	for (const char *p = np; *p; p++) {
		if (p[1] == '*')
			p++;
		else
			all_starred = false;
	}
	if (all_starred)
		return 2;
	if (!route_all_digits(np, strlen(np)) && !strchr(np, '*'))
		return 0;
	return cc && strcmp(cc, np) == 0 ? 0 : 1;
}

/* country_effect of an inbound_country, or -1 when unknown; looked up once per country. */
static int effect_of(struct lint *l, const char *country)
{
	bool letters = country[0] >= 'A' && country[0] <= 'Z' && country[1] >= 'A' &&
	               country[1] <= 'Z' && !country[2];
	int k = letters ? (country[0] - 'A') * 26 + (country[1] - 'A') : -1;
	if (k >= 0 && l->effect[k] != 0)
		return l->effect[k] - 2;
	const char *cc, *np;
	int effect = tc_route_country(country, &cc, &np) && cc ? country_effect(cc, np) : -1;
	if (k >= 0)
		l->effect[k] = (signed char)(effect + 2);
	return effect;
}

static enum tc_status inbound_country_check(struct lint *l, const struct tc_route_trunk *t,
                                            int effect)
{
	const char *country = t->inbound_country, *cc, *np;
	if (!country || effect_of(l, country) != effect || !tc_route_country(country, &cc, &np))
		return TC_OK;
	return effect == 0 ? add1(l, TC_LINT_INBOUND_COUNTRY_NO_OP, t,
	                          "%s: inbound country %s has national prefix \"%s\", which "
	                          "normalises no number",
	                          lint_label(t), country, np)
	                   : add1(l, TC_LINT_INBOUND_COUNTRY_PREPENDS, t,
	                          "%s: inbound country %s has national prefix \"%s\": %s is put "
	                          "before every number",
	                          lint_label(t), country, np ? np : "", cc);
}

static enum tc_status check_inbound_country_no_op(struct lint *l, const struct tc_route_trunk *t,
                                                  bool outbound)
{
	(void)outbound;
	return inbound_country_check(l, t, 0);
}

static enum tc_status check_inbound_country_prepends(struct lint *l, const struct tc_route_trunk *t,
                                                     bool outbound)
{
	(void)outbound;
	return inbound_country_check(l, t, 2);
}

/* The rules over the whole fleet: the duplicates they look for are neighbours in the index. */
static enum tc_status (*const fleet_checks[TC_LINT_RULE_COUNT])(struct lint *) = {
    [TC_LINT_SHARED_INBOUND_IP] = rule_shared_inbound_ip,
    [TC_LINT_SHARED_IP_REGION] = rule_shared_ip_region,
    [TC_LINT_DUPLICATE_ROUTE_PREFIX] = rule_duplicate_route_prefix,
    [TC_LINT_AMBIGUOUS_FALLBACK] = rule_ambiguous_fallback,
    [TC_LINT_NO_FALLBACK] = rule_no_fallback,
};

/* The rules over one trunk at a time; outbound: tc_route_outbound_capable(t). */
typedef enum tc_status (*trunk_check_fn)(struct lint *l, const struct tc_route_trunk *t,
                                         bool outbound);
static const trunk_check_fn trunk_checks[TC_LINT_RULE_COUNT] = {
    [TC_LINT_ROUTE_PREFIX_NOT_DIGITS] = check_route_prefix_not_digits,
    [TC_LINT_EMPTY_ROUTE_PREFIX] = check_empty_route_prefix,
    [TC_LINT_DIAL_PREFIX_NOT_DIGITS] = check_dial_prefix_not_digits,
    [TC_LINT_NATIONAL_MULTI_COUNTRY] = check_national_multi_country,
    [TC_LINT_PLUS_WITH_NATIONAL] = check_plus_with_national,
    [TC_LINT_PLUS_SHORT_CODES] = check_plus_short_codes,
    [TC_LINT_REGISTRATION_IGNORES_PREFIX] = check_registration_ignores_prefix,
    [TC_LINT_REGISTRATION_DROPS_PORT] = check_registration_drops_port,
    [TC_LINT_CLIENT_CREDENTIALS_FALLBACK] = check_client_credentials_fallback,
    [TC_LINT_PREFIXES_NOT_OUTBOUND] = check_prefixes_not_outbound,
    [TC_LINT_INBOUND_COUNTRY_NO_OP] = check_inbound_country_no_op,
    [TC_LINT_INBOUND_COUNTRY_PREPENDS] = check_inbound_country_prepends,
};

bool lint_rule_is_per_trunk(enum tc_lint_rule_id rule)
{
	return rule >= 0 && rule < TC_LINT_RULE_COUNT && trunk_checks[rule] != NULL;
}

/* A per-trunk rule over every trunk, oldest first: the report's order. */
static enum tc_status each_trunk(struct lint *l, trunk_check_fn check)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		enum tc_status rc = check(l, l->tb->trunks[i], l->tb->outbound[i]);
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

enum tc_status lint_trunk_run(struct lint *l, const struct tc_route_trunk *t)
{
	bool outbound = tc_route_outbound_capable(t);
	for (int r = 0; r < TC_LINT_RULE_COUNT; r++) {
		enum tc_status rc = trunk_checks[r] ? trunk_checks[r](l, t, outbound) : TC_OK;
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

enum tc_status tc_lint_run(const struct tc_route_table *table, const enum tc_lint_rule_id *only,
                           struct tc_lint_report *out, struct tc_error *err)
{
	return tc_lint_run_cancellable(table, only, NULL, out, err);
}

enum tc_status tc_lint_run_cancellable(const struct tc_route_table *table,
                                       const enum tc_lint_rule_id *only, const atomic_bool *cancel,
                                       struct tc_lint_report *out, struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	enum tc_status rc = lint_run_sink(table, only, cancel, to_report, out, err);
	if (rc != TC_OK)
		tc_lint_report_finish(out);
	return rc;
}

enum tc_status lint_run_sink(const struct tc_route_table *table, const enum tc_lint_rule_id *only,
                             const atomic_bool *cancel, lint_sink_fn sink, void *ctx,
                             struct tc_error *err)
{
	struct lint l = {.tb = table, .sink = sink, .ctx = ctx};
	for (int r = 0; r < TC_LINT_RULE_COUNT; r++) {
		if (only && *only != (enum tc_lint_rule_id)r)
			continue;
		enum tc_status rc = cancel && atomic_load(cancel) ? TC_CANCELLED
		                    : fleet_checks[r]             ? fleet_checks[r](&l)
		                                                  : each_trunk(&l, trunk_checks[r]);
		if (rc != TC_OK)
			return tc_error_set(err, rc, NULL);
	}
	return TC_OK;
}
