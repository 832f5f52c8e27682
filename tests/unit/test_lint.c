/* Every lint rule fires on the hazard it names (doc/routing.md, "Lint
 * rules") and stays quiet on a fleet without it. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "file_fixture.h"
#include "lint_private.h"
#include "trunk_fixture.h"
#include "trunkctl/lint.h"

#define IP_MODE "authentication_mode=ip_address"
#define HOST "outbound_host=sip.example.com"

struct lint_run {
	struct tc_trunk *t[6];
	size_t n;
	struct tc_route_trunk v[6]; /* what the index reads of t */
	struct tc_route_table *tb;
	struct tc_lint_report report;
};

static void run(struct lint_run *r)
{
	fx_views(r->t, r->n, r->v);
	cr_assert_eq(tc_route_table_build(r->v, r->n, &r->tb, NULL), TC_OK);
	cr_assert_eq(tc_lint_run(r->tb, NULL, &r->report, NULL), TC_OK);
}

static void finish(struct lint_run *r)
{
	tc_lint_report_finish(&r->report);
	tc_route_table_destroy(r->tb);
	for (size_t i = 0; i < r->n; i++)
		tc_trunk_destroy(r->t[i]);
}

static const struct tc_lint_finding *find(const struct lint_run *r, enum tc_lint_rule_id rule)
{
	for (size_t i = 0; i < r->report.count; i++)
		if (r->report.items[i].rule == rule)
			return &r->report.items[i];
	return NULL;
}

static size_t count(const struct lint_run *r, enum tc_lint_rule_id rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->report.count; i++)
		n += r->report.items[i].rule == rule;
	return n;
}

Test(lint_table, ids_are_unique_and_complete)
{
	for (int i = 0; i < TC_LINT_RULE_COUNT; i++) {
		const struct tc_lint_rule *rule = tc_lint_rule((enum tc_lint_rule_id)i);
		cr_assert_not_null(rule);
		cr_expect_eq(rule->rule, (enum tc_lint_rule_id)i);
		cr_expect_eq(tc_lint_rule_find(rule->id), rule, "%s", rule->id);
		cr_expect_gt(strlen(rule->meaning), 10);
		cr_expect_gt(strlen(rule->hint), 10);
	}
	cr_expect_null(tc_lint_rule_find("no-such-rule"));
	cr_expect_null(tc_lint_rule_find(NULL));
	cr_expect_null(tc_lint_rule(TC_LINT_RULE_COUNT));
	cr_expect_str_eq(tc_lint_severity_name(TC_LINT_ERROR), "error");
	tc_lint_report_finish(NULL);
}

/* trunkctl(1) and doc/routing.md list every rule by id with its severity. */
Test(lint_table, every_rule_is_documented)
{
	size_t len;
	char *man = read_all(TC_FIXTURES "/../../man/trunkctl.1", &len);
	char *doc = read_all(TC_FIXTURES "/../../doc/routing.md", &len);
	for (int i = 0; i < TC_LINT_RULE_COUNT; i++) {
		const struct tc_lint_rule *rule = tc_lint_rule((enum tc_lint_rule_id)i);
		const char *sev = tc_lint_severity_name(rule->severity);
		char want[128];
		snprintf(want, sizeof(want), ".It Cm %s No (%s)\n", rule->id, sev);
		cr_expect(strstr(man, want), "trunkctl(1) lacks: %s", want);
		snprintf(want, sizeof(want), "| %s | %s |", rule->id, sev);
		cr_expect(strstr(doc, want), "doc/routing.md lacks: %s", want);
	}
	free(man);
	free(doc);
}

Test(lint, a_clean_fleet_has_no_findings)
{
	struct lint_run r = {
	    .t = {fx_trunk("KH", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	                   "outbound_route_prefixes=855", "outbound_national_dialing=true",
	                   "inbound_source_ips=10.0.0.1", "inbound_country=KH", (char *)NULL),
	          fx_trunk("rest", "2026-01-02T00:00:00Z", IP_MODE, HOST,
	                   "inbound_source_ips=10.0.0.2", (char *)NULL)},
	    .n = 2};
	run(&r);
	for (size_t i = 0; i < r.report.count; i++)
		cr_expect_fail("unexpected %s: %s", tc_lint_rule(r.report.items[i].rule)->id,
		               r.report.items[i].message);
	finish(&r);
}

Test(lint, empty_fleet)
{
	struct lint_run r = {.t = {NULL}, .n = 0};
	run(&r);
	cr_expect_eq(r.report.count, 0);
	finish(&r);
}

Test(lint, shared_ip_names_the_oldest_first)
{
	struct lint_run r = {
	    .t = {fx_trunk("new", "2026-01-02T00:00:00Z", IP_MODE, "inbound_source_ips=198.51.0.7",
	                   "region=helium", (char *)NULL),
	          fx_trunk("old", "2026-01-01T00:00:00Z", IP_MODE, "inbound_source_ips=198.51.0.7",
	                   "region=hydrogen", (char *)NULL)},
	    .n = 2};
	run(&r);
	const struct tc_lint_finding *f = find(&r, TC_LINT_SHARED_INBOUND_IP);
	cr_assert_not_null(f);
	cr_assert_eq(f->ntrunks, 2);
	cr_expect_eq(f->trunks[0], &r.v[1]);
	cr_expect(strstr(f->message, "198.51.0.7") && strstr(f->message, "old"), "%s", f->message);
	cr_expect_not_null(find(&r, TC_LINT_SHARED_IP_REGION));
	cr_expect_eq(tc_lint_report_count(&r.report, TC_LINT_ERROR), 1);
	finish(&r);
}

Test(lint, outbound_prefix_hazards)
{
	struct lint_run r = {
	    {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	              "outbound_route_prefixes=85571,+855, ", "outbound_dial_string_prefix=+1",
	              "outbound_plus_prefix=true", (char *)NULL),
	     fx_trunk("B", "2026-01-02T00:00:00Z", IP_MODE, HOST, "outbound_route_prefixes=85571",
	              (char *)NULL),
	     fx_trunk("no-host", "2026-01-03T00:00:00Z", IP_MODE, "outbound_route_prefixes=61",
	              (char *)NULL)},
	    .n = 3};
	run(&r);
	const struct tc_lint_finding *dup = find(&r, TC_LINT_DUPLICATE_ROUTE_PREFIX);
	cr_assert_not_null(dup);
	cr_expect_eq(dup->ntrunks, 2);
	cr_expect_eq(count(&r, TC_LINT_ROUTE_PREFIX_NOT_DIGITS), 1); /* "+855" */
	cr_expect_eq(count(&r, TC_LINT_EMPTY_ROUTE_PREFIX), 1);      /* " " trims to "" */
	cr_expect_not_null(find(&r, TC_LINT_DIAL_PREFIX_NOT_DIGITS));
	cr_expect_not_null(find(&r, TC_LINT_NO_FALLBACK));
	cr_expect_not_null(find(&r, TC_LINT_PLUS_SHORT_CODES));
	cr_expect_not_null(find(&r, TC_LINT_PREFIXES_NOT_OUTBOUND));
	finish(&r);
}

Test(lint, fallbacks)
{
	struct lint_run r = {
	    {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST, "outbound_national_dialing=true",
	              "outbound_plus_prefix=true", (char *)NULL),
	     fx_trunk("C", "2026-01-02T00:00:00Z", "authentication_mode=client_credentials",
	              (char *)NULL)},
	    .n = 2};
	run(&r);
	const struct tc_lint_finding *f = find(&r, TC_LINT_AMBIGUOUS_FALLBACK);
	cr_assert_not_null(f);
	cr_expect_eq(f->ntrunks, 2);
	cr_expect_not_null(find(&r, TC_LINT_CLIENT_CREDENTIALS_FALLBACK));
	cr_expect_not_null(find(&r, TC_LINT_NATIONAL_MULTI_COUNTRY));
	cr_expect_not_null(find(&r, TC_LINT_PLUS_WITH_NATIONAL));
	cr_expect_null(find(&r, TC_LINT_NO_FALLBACK));
	finish(&r);
}

Test(lint, national_dialing_over_prefixes)
{
	struct lint_run r = {
	    {fx_trunk("two-countries", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	              "outbound_route_prefixes=855,856", "outbound_national_dialing=true",
	              (char *)NULL),
	     fx_trunk("short", "2026-01-02T00:00:00Z", IP_MODE, HOST, "outbound_route_prefixes=8",
	              "outbound_national_dialing=true", (char *)NULL),
	     fx_trunk("one", "2026-01-03T00:00:00Z", IP_MODE, HOST,
	              "outbound_route_prefixes=85571,85597", "outbound_national_dialing=true",
	              (char *)NULL)},
	    .n = 3};
	run(&r);
	cr_expect_eq(count(&r, TC_LINT_NATIONAL_MULTI_COUNTRY), 2);
	for (size_t i = 0; i < r.report.count; i++)
		if (r.report.items[i].rule == TC_LINT_NATIONAL_MULTI_COUNTRY)
			cr_expect_neq(r.report.items[i].trunks[0], &r.v[2]);
	finish(&r);
}

Test(lint, outbound_registration)
{
	struct lint_run r = {.t = {fx_trunk("reg", "2026-01-01T00:00:00Z",
	                                    "authentication_mode=outbound_registration",
	                                    "outbound_host=pbx.example.com:5060",
	                                    "outbound_dial_string_prefix=99", (char *)NULL)},
	                     .n = 1};
	run(&r);
	cr_expect_not_null(find(&r, TC_LINT_REGISTRATION_IGNORES_PREFIX));
	cr_expect_not_null(find(&r, TC_LINT_REGISTRATION_DROPS_PORT));
	finish(&r);
}

Test(lint, inbound_countries)
{
	struct lint_run r = {
	    .t = {fx_trunk("ES", "2026-01-01T00:00:00Z", "inbound_country=ES", (char *)NULL),
	          fx_trunk("US", "2026-01-02T00:00:00Z", "inbound_country=US", (char *)NULL),
	          fx_trunk("GE", "2026-01-03T00:00:00Z", "inbound_country=GE", (char *)NULL),
	          fx_trunk("JE", "2026-01-04T00:00:00Z", "inbound_country=JE", (char *)NULL),
	          fx_trunk("KH", "2026-01-05T00:00:00Z", "inbound_country=KH", (char *)NULL)},
	    .n = 5};
	run(&r);
	cr_expect_eq(count(&r, TC_LINT_INBOUND_COUNTRY_NO_OP), 2);
	cr_expect_eq(count(&r, TC_LINT_INBOUND_COUNTRY_PREPENDS), 2);
	finish(&r);
}

Test(lint, one_rule_only)
{
	struct lint_run r = {
	    .t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST, "outbound_plus_prefix=true",
	                   "outbound_national_dialing=true", (char *)NULL)},
	    .n = 1};
	fx_views(r.t, r.n, r.v);
	cr_assert_eq(tc_route_table_build(r.v, r.n, &r.tb, NULL), TC_OK);
	enum tc_lint_rule_id only = TC_LINT_PLUS_WITH_NATIONAL;
	cr_assert_eq(tc_lint_run(r.tb, &only, &r.report, NULL), TC_OK);
	cr_assert_eq(r.report.count, 1);
	cr_expect_eq(r.report.items[0].rule, TC_LINT_PLUS_WITH_NATIONAL);
	finish(&r);
}

/* ---- the marks the list shows: each trunk's worst finding, by row ---- */

/*
 * The findings the report has for trunk t, most severe first, then in the
 * report's order, against what the marks say again of t: rule and message,
 * byte for byte.
 */
static void expect_marks_of(const struct tc_lint_report *r, const struct tc_lint_marks *m,
                            const struct tc_route_trunk *t)
{
	size_t n = 0, k = 0;
	struct tc_lint_mark_finding *f = NULL;
	cr_assert_eq(tc_lint_marks_findings(m, t, &f, &n, NULL), TC_OK);
	enum tc_lint_severity worst = TC_LINT_INFO;
	bool any = false;
	for (int sev = TC_LINT_ERROR; sev <= TC_LINT_INFO; sev++)
		for (size_t i = 0; i < r->count; i++) {
			bool names = false;
			for (size_t x = 0; x < r->items[i].ntrunks; x++)
				names |= r->items[i].trunks[x] == t;
			if (!names || (int)tc_lint_rule(r->items[i].rule)->severity != sev)
				continue;
			if (!any)
				worst = (enum tc_lint_severity)sev;
			any = true;
			cr_assert_lt(k, n, "%s: the report's \"%s\" is missing", t->id,
			             r->items[i].message);
			cr_expect_eq(f[k].rule, r->items[i].rule, "%s", t->id);
			cr_expect_str_eq(f[k].message, r->items[i].message, "%s", t->id);
			k++;
		}
	cr_expect_eq(k, n, "%s: %zu findings where the report has %zu", t->id, n, k);
	enum tc_lint_severity sev = TC_LINT_INFO;
	cr_expect_eq(tc_lint_marks_find(m, t->row, &sev), any, "%s", t->id);
	if (any)
		cr_expect_eq(sev, worst, "%s", t->id);
	free(f);
}

/* The marks of r's table, checked trunk by trunk against its report. */
static struct tc_lint_marks *marks_of(const struct lint_run *r)
{
	struct tc_lint_marks *m = NULL;
	cr_assert_eq(tc_lint_marks_of_table(r->tb, NULL, &m, NULL), TC_OK);
	for (size_t i = 0; i < r->n; i++)
		expect_marks_of(&r->report, m, &r->v[i]);
	return m;
}

Test(lint_marks, each_trunk_gets_its_worst_severity_and_its_findings_in_order)
{
	struct lint_run r = {
	    .t = {fx_trunk("new", "2026-01-02T00:00:00Z", IP_MODE, "inbound_source_ips=198.51.0.7",
	                   "region=helium", (char *)NULL),
	          fx_trunk("old", "2026-01-01T00:00:00Z", IP_MODE, "inbound_source_ips=198.51.0.7",
	                   "region=hydrogen", (char *)NULL),
	          fx_trunk("plus", "2026-01-03T00:00:00Z", IP_MODE, HOST,
	                   "outbound_route_prefixes=855", "outbound_plus_prefix=true",
	                   "outbound_national_dialing=true", (char *)NULL),
	          fx_trunk("clean", "2026-01-04T00:00:00Z", IP_MODE, "inbound_source_ips=10.0.0.9",
	                   (char *)NULL)},
	    .n = 4};
	run(&r);
	struct tc_lint_marks *m = marks_of(&r);
	enum tc_lint_severity sev = TC_LINT_INFO;
	cr_assert(tc_lint_marks_find(m, r.v[0].row, &sev));
	cr_expect_eq(sev, TC_LINT_ERROR, "shared-inbound-ip outranks shared-ip-region");
	cr_assert(tc_lint_marks_find(m, r.v[1].row, &sev));
	cr_expect_eq(sev, TC_LINT_ERROR);
	cr_assert(tc_lint_marks_find(m, r.v[2].row, &sev));
	cr_expect_eq(sev, TC_LINT_WARNING);
	cr_expect_not(tc_lint_marks_find(m, r.v[3].row, &sev));
	cr_expect_not(tc_lint_marks_find(m, 0, NULL), "a row the store never had");
	cr_expect_not(tc_lint_marks_find(m, 99, NULL));
	cr_expect_not(tc_lint_marks_find(m, -1, NULL));

	size_t n = 0;
	struct tc_lint_mark_finding *f = NULL;
	cr_assert_eq(tc_lint_marks_findings(m, &r.v[0], &f, &n, NULL), TC_OK);
	cr_assert_eq(n, 2);
	cr_expect_eq(f[0].rule, TC_LINT_SHARED_INBOUND_IP, "in rule order");
	cr_expect_eq(f[1].rule, TC_LINT_SHARED_IP_REGION);
	cr_expect(strstr(f[0].message, "198.51.0.7"), "%s", f[0].message);
	cr_expect_str_eq(f[1].message,
	                 "198.51.0.7 is on trunks in hydrogen and helium: it is allowed in the "
	                 "region of the trunk that registered it first");
	free(f);
	cr_expect_eq(tc_lint_marks_findings(m, &r.v[3], &f, &n, NULL), TC_OK);
	cr_expect_null(f);
	cr_expect_eq(n, 0);

	cr_expect_eq(tc_lint_marks_count(m, TC_LINT_ERROR), 2);
	cr_expect_eq(tc_lint_marks_count(m, TC_LINT_WARNING), 1);
	/* the table and its trunks go; the marks keep what the fleet's rules found */
	struct tc_route_trunk again = r.v[1];
	finish(&r);
	struct tc_trunk *old =
	    fx_trunk("old", "2026-01-01T00:00:00Z", IP_MODE, "inbound_source_ips=198.51.0.7",
	             "region=hydrogen", (char *)NULL);
	tc_route_trunk_view(old, &again);
	again.row = 2;
	cr_assert_eq(tc_lint_marks_findings(m, &again, &f, &n, NULL), TC_OK);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(f[0].message,
	                 "198.51.0.7 is on 2 trunks: old, created first, receives every call from "
	                 "it; new never does, nor does its inbound_country apply");
	free(f);
	tc_trunk_destroy(old);
	tc_lint_marks_destroy(m);
}

/* Every trunk is found by its row, whatever order the rows and the walk are in. */
Test(lint_marks, many_trunks_are_found_by_row)
{
	enum { N = 300 };
	struct tc_trunk *t[N];
	char id[32];
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "t%03d", i);
		/* every trunk shares 10.0.0.1, all created at once: their order cannot be told */
		t[i] = fx_trunk(id, "2026-01-01T00:00:00Z", IP_MODE, "inbound_source_ips=10.0.0.1",
		                (char *)NULL);
	}
	struct tc_route_trunk v[N];
	fx_views(t, N, v);
	for (int i = 0; i < N; i++)
		v[i].row = 1000 + (i * 7919) % N * 3; /* far from 1, gaps between */
	struct tc_route_table *tb = NULL;
	cr_assert_eq(tc_route_table_build(v, N, &tb, NULL), TC_OK);
	struct tc_lint_report report;
	cr_assert_eq(tc_lint_run(tb, NULL, &report, NULL), TC_OK);
	struct tc_lint_marks *m = NULL;
	cr_assert_eq(tc_lint_marks_of_table(tb, NULL, &m, NULL), TC_OK);
	for (int i = 0; i < N; i++) {
		enum tc_lint_severity sev;
		cr_expect(tc_lint_marks_find(m, v[i].row, &sev), "%s", v[i].id);
		cr_expect_eq(sev, TC_LINT_ERROR);
		cr_expect_not(tc_lint_marks_find(m, v[i].row + 1, NULL), "a gap between rows");
	}
	for (int i = 0; i < N; i += 37)
		expect_marks_of(&report, m, &v[i]);
	cr_expect_eq(tc_lint_marks_count(m, TC_LINT_ERROR), N);
	tc_lint_marks_destroy(m);
	tc_lint_report_finish(&report);
	tc_route_table_destroy(tb);
	for (int i = 0; i < N; i++)
		tc_trunk_destroy(t[i]);
}

Test(lint_marks, an_empty_fleet_and_no_marks)
{
	struct tc_route_table *tb = NULL;
	cr_assert_eq(tc_route_table_build(NULL, 0, &tb, NULL), TC_OK);
	struct tc_lint_marks *m = NULL;
	cr_assert_eq(tc_lint_marks_of_table(tb, NULL, &m, NULL), TC_OK);
	cr_expect_not(tc_lint_marks_find(m, 1, NULL));
	cr_expect_eq(tc_lint_marks_count(m, TC_LINT_ERROR), 0);
	tc_lint_marks_destroy(m);
	tc_route_table_destroy(tb);
	/* before the first lint the UI has no marks at all */
	cr_expect_not(tc_lint_marks_find(NULL, 1, NULL));
	size_t n = 1;
	struct tc_lint_mark_finding *f = NULL;
	struct tc_route_trunk t = {.id = "x", .row = 1};
	cr_expect_eq(tc_lint_marks_findings(NULL, &t, &f, &n, NULL), TC_OK);
	cr_expect_null(f);
	cr_expect_eq(n, 0);
	cr_expect_eq(tc_lint_marks_count(NULL, TC_LINT_ERROR), 0);
	tc_lint_marks_destroy(NULL);
}

Test(lint_marks, two_trunks_at_one_row_are_refused)
{
	struct lint_run r = {.t = {fx_trunk("a", "2026-01-01T00:00:00Z", IP_MODE, (char *)NULL),
	                           fx_trunk("b", "2026-01-02T00:00:00Z", IP_MODE, (char *)NULL)},
	                     .n = 2};
	run(&r);
	r.v[1].row = r.v[0].row;
	struct tc_lint_marks *m = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_expect_eq(tc_lint_marks_of_table(r.tb, NULL, &m, &err), TC_USAGE);
	cr_expect_null(m);
	tc_error_clear(&err);
	finish(&r);
}

Test(lint, a_set_cancel_flag_stops_the_rules)
{
	struct lint_run r = {.t = {fx_trunk("a", "2026-01-01T00:00:00Z", IP_MODE,
	                                    "inbound_source_ips=10.0.0.1", (char *)NULL)},
	                     .n = 1};
	fx_views(r.t, r.n, r.v);
	cr_assert_eq(tc_route_table_build(r.v, r.n, &r.tb, NULL), TC_OK);
	atomic_bool cancel = true;
	cr_expect_eq(tc_lint_run_cancellable(r.tb, NULL, &cancel, &r.report, NULL), TC_CANCELLED);
	cr_expect_eq(r.report.count, 0);
	struct tc_lint_marks *m = NULL;
	cr_expect_eq(tc_lint_marks_of_table(r.tb, &cancel, &m, NULL), TC_CANCELLED);
	cr_expect_null(m);
	atomic_store(&cancel, false);
	cr_expect_eq(tc_lint_run_cancellable(r.tb, NULL, &cancel, &r.report, NULL), TC_OK);
	finish(&r);
}

/* The detail view lists a trunk's errors before its warnings, whatever the rules' order. */
Test(lint_marks, a_trunks_findings_come_most_severe_first)
{
	struct lint_run r = {
	    .t = {fx_trunk("x", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	                   "outbound_route_prefixes=855, ", "outbound_dial_string_prefix=+1",
	                   (char *)NULL),
	          fx_trunk("rest", "2026-01-02T00:00:00Z", IP_MODE, HOST, (char *)NULL)},
	    .n = 2};
	run(&r);
	/* the rule table lists empty-route-prefix (a warning) before dial-prefix-not-digits */
	cr_assert_lt(TC_LINT_EMPTY_ROUTE_PREFIX, TC_LINT_DIAL_PREFIX_NOT_DIGITS);
	cr_assert_not_null(find(&r, TC_LINT_EMPTY_ROUTE_PREFIX));
	struct tc_lint_marks *m = marks_of(&r);
	size_t n = 0;
	struct tc_lint_mark_finding *f = NULL;
	cr_assert_eq(tc_lint_marks_findings(m, &r.v[0], &f, &n, NULL), TC_OK);
	cr_assert_geq(n, 2);
	cr_expect_eq(f[0].rule, TC_LINT_DIAL_PREFIX_NOT_DIGITS);
	for (size_t i = 1; i < n; i++)
		cr_expect_geq(tc_lint_rule(f[i].rule)->severity,
		              tc_lint_rule(f[i - 1].rule)->severity, "finding %zu", i);
	free(f);
	tc_lint_marks_destroy(m);
	finish(&r);
}

/* Every rule at once: the marks say each trunk's findings as the report does. */
Test(lint_marks, the_marks_say_what_the_report_says)
{
	struct lint_run r = {
	    .t = {fx_trunk("a", "2026-01-01T00:00:00Z", IP_MODE, "inbound_source_ips=10.0.0.1",
	                   "region=helium", "name=alpha", (char *)NULL),
	          fx_trunk("b", "2026-01-02T00:00:00Z", IP_MODE, "inbound_source_ips=10.0.0.1",
	                   "region=hydrogen", HOST, "outbound_plus_prefix=true",
	                   "outbound_national_dialing=true", "outbound_route_prefixes=855, 1",
	                   (char *)NULL),
	          fx_trunk("c", "2026-01-03T00:00:00Z", IP_MODE, HOST, "name=c c c",
	                   "outbound_dial_string_prefix=+1", "outbound_route_prefixes=855, +44",
	                   "inbound_country=US", (char *)NULL),
	          fx_trunk("d", "2026-01-04T00:00:00Z", "authentication_mode=outbound_registration",
	                   "outbound_host=reg.example.com:5080", "outbound_plus_prefix=true",
	                   "outbound_dial_string_prefix=99", (char *)NULL),
	          fx_trunk("e", "2026-01-05T00:00:00Z", IP_MODE, HOST, "outbound_plus_prefix=true",
	                   "inbound_country=ES", (char *)NULL),
	          fx_trunk("f", "2026-01-06T00:00:00Z", "authentication_mode=client_credentials",
	                   HOST, "outbound_route_prefixes=1", (char *)NULL)},
	    .n = 6};
	fx_views(r.t, r.n, r.v);
	r.v[4].name = NULL; /* labelled by its id */
	cr_assert_eq(tc_route_table_build(r.v, r.n, &r.tb, NULL), TC_OK);
	cr_assert_eq(tc_lint_run(r.tb, NULL, &r.report, NULL), TC_OK);
	cr_assert_gt(r.report.count, 8);
	tc_lint_marks_destroy(marks_of(&r));
	finish(&r);
}

/* ---- the same against many generated fleets ---- */

/* Small pools, so that values repeat: shared IPs and prefixes, ties of age, regions. */
static const char *const gen_ips[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "300.1.1.1", "10.0.0.1 "};
static const char *const gen_prefixes[] = {"855",
                                           "85",
                                           "8551",
                                           "",
                                           "+44",
                                           "1",
                                           "44",
                                           "1234567890123456789",
                                           "12345678901234567890123",
                                           "12345678901234567890124",
                                           "0855",
                                           "85 5"};
static const char *const gen_created[] = {"2026-01-01T00:00:00Z", "2026-01-01T00:00:00.5Z",
                                          "2026-01-02T00:00:00Z", "2026-01-01T00:00:00.50Z", NULL};
static const char *const gen_regions[] = {"helium", "hydrogen", "lithium", NULL};
static const char *const gen_hosts[] = {"sip.example.com", "reg.example.com:5080", NULL};
static const char *const gen_countries[] = {"US", "ES", "KH", "GB", NULL};
static const char *const gen_dial[] = {"99", "+1", NULL};
static const enum tc_mode gen_modes[] = {TC_MODE_IP_ADDRESS, TC_MODE_CLIENT_CREDENTIALS,
                                         TC_MODE_OUTBOUND_REGISTRATION};

#define PICK(rng, pool) (pool)[next_rand(rng) % (sizeof(pool) / sizeof((pool)[0]))]

static unsigned next_rand(unsigned long long *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(*state >> 33);
}

Test(lint_marks, generated_fleets_say_what_the_report_says)
{
	enum { FLEETS = 300, MAX = 24 };
	static char ids[MAX][16], names[MAX][16];
	static const char *prefixes[MAX][3], *ips[MAX][3];
	unsigned long long rng = 7;
	for (int fleet = 0; fleet < FLEETS; fleet++) {
		size_t n = 1 + next_rand(&rng) % MAX;
		struct tc_route_trunk v[MAX];
		for (size_t i = 0; i < n; i++) {
			/* in id order, as the store's walk hands them */
			snprintf(ids[i], sizeof(ids[i]), "id-%02zu", i);
			snprintf(names[i], sizeof(names[i]), "trunk %zu", i);
			v[i] = (struct tc_route_trunk){
			    .id = ids[i],
			    .name = next_rand(&rng) % 4 ? names[i] : NULL,
			    .created_at = PICK(&rng, gen_created),
			    .region = PICK(&rng, gen_regions),
			    .outbound_host = PICK(&rng, gen_hosts),
			    .dial_string_prefix = PICK(&rng, gen_dial),
			    .inbound_country = PICK(&rng, gen_countries),
			    .mode = PICK(&rng, gen_modes),
			    .plus_prefix = next_rand(&rng) % 2,
			    .national_dialing = next_rand(&rng) % 3 == 0,
			    .row = 5 + (int64_t)((i * 11) % n) * 2,
			};
			v[i].nroute_prefixes = next_rand(&rng) % 4;
			for (size_t k = 0; k < v[i].nroute_prefixes; k++)
				prefixes[i][k] = PICK(&rng, gen_prefixes);
			v[i].route_prefixes = prefixes[i];
			v[i].ninbound_ips = next_rand(&rng) % 4;
			for (size_t k = 0; k < v[i].ninbound_ips; k++)
				ips[i][k] = PICK(&rng, gen_ips);
			v[i].inbound_ips = ips[i];
		}
		/* rows distinct: i * 11 mod n is a permutation when n is not a multiple of 11 */
		if (n % 11 == 0)
			for (size_t i = 0; i < n; i++)
				v[i].row = 5 + (int64_t)i * 2;
		struct tc_route_table *tb = NULL;
		cr_assert_eq(tc_route_table_build(v, n, &tb, NULL), TC_OK);
		struct tc_lint_report report;
		cr_assert_eq(tc_lint_run(tb, NULL, &report, NULL), TC_OK);
		struct tc_lint_marks *m = NULL;
		cr_assert_eq(tc_lint_marks_of_table(tb, NULL, &m, NULL), TC_OK, "fleet %d", fleet);
		for (size_t i = 0; i < n; i++)
			expect_marks_of(&report, m, &v[i]);
		tc_lint_marks_destroy(m);
		tc_lint_report_finish(&report);
		tc_route_table_destroy(tb);
	}
}
