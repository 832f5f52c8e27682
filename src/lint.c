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

/* One run of the rules: what they read and where they write. */
struct lint {
	const struct tc_route_table *tb;
	lint_sink_fn sink;
	void *ctx;
	/*
	 * Calling codes have at most three digits, so a prefix's code follows
	 * from its first three: looked up once per three digits, not per prefix.
	 * known[k]: 0 not yet, 1 cc[k] holds it, -1 the digits span several.
	 */
	signed char known[1000];
	char cc[1000][4];
	/* country_effect per inbound_country "AA".."ZZ", plus one: 0 not yet */
	signed char effect[26 * 26];
};

const char *lint_label(const struct tc_route_trunk *t)
{
	return t->name ? t->name : t->id ? t->id : "(unnamed trunk)";
}

static enum tc_status add(struct lint *l, enum tc_lint_rule_id rule, const size_t *idx, size_t n,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A finding about the trunks idx[0..n) (table indexes, repeats in a row dropped). */
static enum tc_status add(struct lint *l, enum tc_lint_rule_id rule, const size_t *idx, size_t n,
                          const char *fmt, ...)
{
	struct tc_lint_finding f = {.rule = rule};
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	f.message = len >= 0 ? malloc((size_t)len + 1) : NULL;
	f.trunks = malloc((n ? n : 1) * sizeof(*f.trunks));
	if (!f.message || !f.trunks) {
		free(f.message);
		free(f.trunks);
		return TC_NOMEM;
	}
	if ((size_t)len < sizeof(small)) {
		memcpy(f.message, small, (size_t)len + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(f.message, (size_t)len + 1, fmt, ap);
		va_end(ap);
	}
	/* the rules hand a trunk's repeats in a row (prefixes sort by trunk) */
	for (size_t i = 0; i < n; i++)
		if (f.ntrunks == 0 || f.trunks[f.ntrunks - 1] != l->tb->trunks[idx[i]])
			f.trunks[f.ntrunks++] = l->tb->trunks[idx[i]];
	return l->sink(l->ctx, &f);
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

/* A finding about one trunk. */
#define ADD1(l, rule, i, ...) add(l, rule, &(size_t){i}, 1, __VA_ARGS__)

static void ip_text(uint32_t ip, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255u, (ip >> 8) & 255u,
	         ip & 255u);
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

/* The trunk indexes of ips [first, end), oldest first; free the result. */
static size_t *ip_group_trunks(const struct tc_route_table *tb, size_t first, size_t end)
{
	size_t *idx = malloc((end - first) * sizeof(*idx));
	for (size_t i = first; idx && i < end; i++)
		idx[i - first] = tb->ips[i].trunk;
	return idx;
}

static enum tc_status shared_ip_group(struct lint *l, size_t first, size_t end)
{
	const struct tc_route_table *tb = l->tb;
	size_t *idx = ip_group_trunks(tb, first, end);
	if (!idx)
		return TC_NOMEM;
	char ip[16];
	ip_text(tb->ips[first].ip, ip, sizeof(ip));
	enum tc_status rc;
	if (route_age_cmp(tb->trunks[idx[0]], tb->trunks[idx[1]]) == 0)
		rc = add(l, TC_LINT_SHARED_INBOUND_IP, idx, end - first,
		         "%s is on %zu trunks and the oldest of them cannot be told apart: which "
		         "one receives calls from it is undefined",
		         ip, end - first);
	else
		rc =
		    add(l, TC_LINT_SHARED_INBOUND_IP, idx, end - first,
		        "%s is on %zu trunks: %s, created first, receives every call from it; %s%s "
		        "never does, nor does its inbound_country apply",
		        ip, end - first, lint_label(tb->trunks[idx[0]]),
		        lint_label(tb->trunks[idx[1]]), end - first > 2 ? " and the others" : "");
	free(idx);
	return rc;
}

static enum tc_status rule_shared_inbound_ip(struct lint *l)
{
	return each_shared_ip(l, shared_ip_group);
}

static enum tc_status ip_region_group(struct lint *l, size_t first, size_t end)
{
	const struct tc_route_table *tb = l->tb;
	const char *region = tb->trunks[tb->ips[first].trunk]->region;
	const char *other = NULL;
	for (size_t i = first + 1; i < end && !other; i++) {
		const char *r = tb->trunks[tb->ips[i].trunk]->region;
		if (r && (!region || strcmp(r, region) != 0))
			other = r;
	}
	if (!other || !region)
		return TC_OK;
	size_t *idx = ip_group_trunks(tb, first, end);
	if (!idx)
		return TC_NOMEM;
	char ip[16];
	ip_text(tb->ips[first].ip, ip, sizeof(ip));
	enum tc_status rc = add(l, TC_LINT_SHARED_IP_REGION, idx, end - first,
	                        "%s is on trunks in %s and %s: it is allowed in the region of the "
	                        "trunk that registered it first",
	                        ip, region, other);
	free(idx);
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
		size_t end = i + 1;
		while (end < tb->nprefixes && tb->prefixes[end].head == tb->prefixes[i].head &&
		       tb->prefixes[end].len == tb->prefixes[i].len &&
		       strcmp(tb->prefixes[end].text, tb->prefixes[i].text) == 0)
			end++;
		/* sorted by trunk within a prefix: several trunks iff first and last differ */
		if (tb->prefixes[i].trunk != tb->prefixes[end - 1].trunk) {
			size_t *idx = malloc((end - i) * sizeof(*idx));
			if (!idx)
				return TC_NOMEM;
			for (size_t k = i; k < end; k++)
				idx[k - i] = tb->prefixes[k].trunk;
			enum tc_status rc = add(l, TC_LINT_DUPLICATE_ROUTE_PREFIX, idx, end - i,
			                        "route prefix %s is on several outbound trunks",
			                        tb->prefixes[i].text);
			free(idx);
			if (rc != TC_OK)
				return rc;
		}
		i = end;
	}
	return TC_OK;
}

static enum tc_status rule_route_prefix_not_digits(struct lint *l)
{
	for (size_t k = 0; k < l->tb->nodd; k++) {
		const struct route_prefix *p = &l->tb->odd[k];
		enum tc_status rc = ADD1(l, TC_LINT_ROUTE_PREFIX_NOT_DIGITS, p->trunk,
		                         "route prefix \"%s\" of %s is not digits", p->text,
		                         lint_label(l->tb->trunks[p->trunk]));
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_empty_route_prefix(struct lint *l)
{
	/* "" sorts first */
	for (size_t k = 0; k < l->tb->nprefixes && l->tb->prefixes[k].len == 0; k++) {
		size_t i = l->tb->prefixes[k].trunk;
		enum tc_status rc =
		    ADD1(l, TC_LINT_EMPTY_ROUTE_PREFIX, i,
		         "%s has an empty route prefix: it takes every destination no "
		         "longer prefix matches",
		         lint_label(l->tb->trunks[i]));
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_dial_prefix_not_digits(struct lint *l)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		const struct tc_route_trunk *t = l->tb->trunks[i];
		const char *p = t->dial_string_prefix;
		if (!p || route_all_digits(p, strlen(p)) ||
		    l->tb->trunks[i]->mode == TC_MODE_OUTBOUND_REGISTRATION)
			continue;
		enum tc_status rc = ADD1(
		    l, TC_LINT_DIAL_PREFIX_NOT_DIGITS, i,
		    "dial-string prefix \"%s\" of %s is not digits%s", p, lint_label(t),
		    t->plus_prefix && p[0] == '+' ? ": with the plus prefix it dials \"++…\"" : "");
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_ambiguous_fallback(struct lint *l)
{
	if (l->tb->nfallbacks < 2)
		return TC_OK;
	return add(l, TC_LINT_AMBIGUOUS_FALLBACK, l->tb->fallbacks, l->tb->nfallbacks,
	           "%zu outbound trunks have no route prefix: %s, %s%s", l->tb->nfallbacks,
	           lint_label(l->tb->trunks[l->tb->fallbacks[0]]),
	           lint_label(l->tb->trunks[l->tb->fallbacks[1]]),
	           l->tb->nfallbacks > 2 ? " and more" : "");
}

static enum tc_status rule_no_fallback(struct lint *l)
{
	size_t outbound = 0;
	for (size_t i = 0; i < l->tb->count; i++)
		outbound += l->tb->outbound[i];
	if (outbound == 0 || l->tb->nfallbacks > 0)
		return TC_OK;
	return add(l, TC_LINT_NO_FALLBACK, NULL, 0,
	           "all %zu outbound trunks have route prefixes: destinations none of them "
	           "matches fail",
	           outbound);
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

/* Why trunk i's national dialing loses country codes, or NULL. */
static const char *national_spread(struct lint *l, size_t i, char *buf, size_t size)
{
	const struct tc_route_trunk *t = l->tb->trunks[i];
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

static enum tc_status rule_national_multi_country(struct lint *l)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		const struct tc_route_trunk *t = l->tb->trunks[i];
		if (!l->tb->outbound[i] || !t->national_dialing)
			continue;
		char buf[160];
		const char *why = national_spread(l, i, buf, sizeof(buf));
		if (!why)
			continue;
		enum tc_status rc =
		    ADD1(l, TC_LINT_NATIONAL_MULTI_COUNTRY, i,
		         "%s dials national numbers but %s: the country code is dropped",
		         lint_label(t), why);
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

/* Trunks the plus prefix applies to: they dial out, and not through a registration. */
static bool plus_applies(const struct lint *l, size_t i)
{
	const struct tc_route_trunk *t = l->tb->trunks[i];
	return l->tb->outbound[i] && l->tb->trunks[i]->mode != TC_MODE_OUTBOUND_REGISTRATION &&
	       t->plus_prefix;
}

static enum tc_status rule_plus_with_national(struct lint *l)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		const struct tc_route_trunk *t = l->tb->trunks[i];
		if (!plus_applies(l, i) || !t->national_dialing)
			continue;
		enum tc_status rc = ADD1(
		    l, TC_LINT_PLUS_WITH_NATIONAL, i,
		    "%s has plus prefix and national dialing: it dials \"+0…\"", lint_label(t));
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_plus_short_codes(struct lint *l)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		if (!plus_applies(l, i))
			continue;
		enum tc_status rc = ADD1(l, TC_LINT_PLUS_SHORT_CODES, i,
		                         "%s puts '+' before short codes too (\"+1393\")",
		                         lint_label(l->tb->trunks[i]));
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_registration_ignores_prefix(struct lint *l)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		const struct tc_route_trunk *t = l->tb->trunks[i];
		if (l->tb->trunks[i]->mode != TC_MODE_OUTBOUND_REGISTRATION)
			continue;
		bool prefix = t->dial_string_prefix != NULL;
		bool plus = t->plus_prefix;
		if (!prefix && !plus)
			continue;
		enum tc_status rc =
		    ADD1(l, TC_LINT_REGISTRATION_IGNORES_PREFIX, i,
		         "%s registers outbound: its %s%s%s never dialled", lint_label(t),
		         prefix ? "dial-string prefix" : "", prefix && plus ? " and " : "",
		         plus ? "plus prefix are" : "is");
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_registration_drops_port(struct lint *l)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		const struct tc_route_trunk *t = l->tb->trunks[i];
		if (l->tb->trunks[i]->mode != TC_MODE_OUTBOUND_REGISTRATION)
			continue;
		const char *host = t->outbound_host;
		if (!host || !strchr(host, ':'))
			continue;
		enum tc_status rc =
		    ADD1(l, TC_LINT_REGISTRATION_DROPS_PORT, i,
		         "%s registers outbound: its Request-URI has %s without the "
		         "port",
		         lint_label(t), host);
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_client_credentials_fallback(struct lint *l)
{
	for (size_t k = 0; k < l->tb->nfallbacks; k++) {
		size_t i = l->tb->fallbacks[k];
		const struct tc_route_trunk *t = l->tb->trunks[i];
		if (l->tb->trunks[i]->mode != TC_MODE_CLIENT_CREDENTIALS)
			continue;
		enum tc_status rc =
		    ADD1(l, TC_LINT_CLIENT_CREDENTIALS_FALLBACK, i,
		         "%s (client_credentials, no route prefixes) takes destinations "
		         "no prefix matches",
		         lint_label(t));
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_prefixes_not_outbound(struct lint *l)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		const struct tc_route_trunk *t = l->tb->trunks[i];
		if (l->tb->outbound[i] || t->nroute_prefixes == 0)
			continue;
		enum tc_status rc =
		    ADD1(l, TC_LINT_PREFIXES_NOT_OUTBOUND, i,
		         "%s has route prefixes but no outbound_host", lint_label(t));
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
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

static enum tc_status inbound_country_rule(struct lint *l, int effect)
{
	for (size_t i = 0; i < l->tb->count; i++) {
		const struct tc_route_trunk *t = l->tb->trunks[i];
		const char *country = t->inbound_country, *cc, *np;
		if (!country || effect_of(l, country) != effect ||
		    !tc_route_country(country, &cc, &np))
			continue;
		enum tc_status rc =
		    effect == 0
		        ? ADD1(l, TC_LINT_INBOUND_COUNTRY_NO_OP, i,
		               "%s: inbound country %s has national prefix \"%s\", which "
		               "normalises no number",
		               lint_label(t), country, np)
		        : ADD1(l, TC_LINT_INBOUND_COUNTRY_PREPENDS, i,
		               "%s: inbound country %s has national prefix \"%s\": %s is put "
		               "before every number",
		               lint_label(t), country, np ? np : "", cc);
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status rule_inbound_country_no_op(struct lint *l)
{
	return inbound_country_rule(l, 0);
}

static enum tc_status rule_inbound_country_prepends(struct lint *l)
{
	return inbound_country_rule(l, 2);
}

static enum tc_status (*const checks[TC_LINT_RULE_COUNT])(struct lint *) = {
    [TC_LINT_SHARED_INBOUND_IP] = rule_shared_inbound_ip,
    [TC_LINT_SHARED_IP_REGION] = rule_shared_ip_region,
    [TC_LINT_DUPLICATE_ROUTE_PREFIX] = rule_duplicate_route_prefix,
    [TC_LINT_ROUTE_PREFIX_NOT_DIGITS] = rule_route_prefix_not_digits,
    [TC_LINT_EMPTY_ROUTE_PREFIX] = rule_empty_route_prefix,
    [TC_LINT_DIAL_PREFIX_NOT_DIGITS] = rule_dial_prefix_not_digits,
    [TC_LINT_AMBIGUOUS_FALLBACK] = rule_ambiguous_fallback,
    [TC_LINT_NO_FALLBACK] = rule_no_fallback,
    [TC_LINT_NATIONAL_MULTI_COUNTRY] = rule_national_multi_country,
    [TC_LINT_PLUS_WITH_NATIONAL] = rule_plus_with_national,
    [TC_LINT_PLUS_SHORT_CODES] = rule_plus_short_codes,
    [TC_LINT_REGISTRATION_IGNORES_PREFIX] = rule_registration_ignores_prefix,
    [TC_LINT_REGISTRATION_DROPS_PORT] = rule_registration_drops_port,
    [TC_LINT_CLIENT_CREDENTIALS_FALLBACK] = rule_client_credentials_fallback,
    [TC_LINT_PREFIXES_NOT_OUTBOUND] = rule_prefixes_not_outbound,
    [TC_LINT_INBOUND_COUNTRY_NO_OP] = rule_inbound_country_no_op,
    [TC_LINT_INBOUND_COUNTRY_PREPENDS] = rule_inbound_country_prepends,
};

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
		enum tc_status rc = cancel && atomic_load(cancel) ? TC_CANCELLED : checks[r](&l);
		if (rc != TC_OK)
			return tc_error_set(err, rc, NULL);
	}
	return TC_OK;
}
