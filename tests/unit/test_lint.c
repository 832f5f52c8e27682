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

/* ---- the marks the list shows: each trunk's worst finding, by id ---- */

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
	struct tc_lint_marks *m = NULL;
	cr_assert_eq(tc_lint_marks_build(&r.report, &m, NULL), TC_OK);
	enum tc_lint_severity sev = TC_LINT_INFO;
	cr_assert(tc_lint_marks_find(m, "new", &sev));
	cr_expect_eq(sev, TC_LINT_ERROR, "shared-inbound-ip outranks shared-ip-region");
	cr_assert(tc_lint_marks_find(m, "old", &sev));
	cr_expect_eq(sev, TC_LINT_ERROR);
	cr_assert(tc_lint_marks_find(m, "plus", &sev));
	cr_expect_eq(sev, TC_LINT_WARNING);
	cr_expect_not(tc_lint_marks_find(m, "clean", &sev));
	cr_expect_not(tc_lint_marks_find(m, "nobody", NULL));
	cr_expect_not(tc_lint_marks_find(m, "", NULL));

	size_t n = 0;
	struct tc_lint_mark_finding *f = NULL;
	cr_assert_eq(tc_lint_marks_findings(m, "new", &f, &n, NULL), TC_OK);
	cr_assert_eq(n, 2);
	cr_expect_eq(f[0].rule, TC_LINT_SHARED_INBOUND_IP, "in rule order");
	cr_expect_eq(f[1].rule, TC_LINT_SHARED_IP_REGION);
	cr_expect(strstr(f[0].message, "198.51.0.7"), "%s", f[0].message);
	free(f);
	cr_expect_eq(tc_lint_marks_findings(m, "clean", &f, &n, NULL), TC_OK);
	cr_expect_null(f);
	cr_expect_eq(n, 0);

	cr_expect_eq(tc_lint_marks_count(m, TC_LINT_ERROR), 2);
	cr_expect_eq(tc_lint_marks_count(m, TC_LINT_WARNING), 1);
	/* the report and its trunks go; the marks keep their own copies */
	finish(&r);
	cr_assert(tc_lint_marks_find(m, "plus", &sev));
	cr_assert_eq(tc_lint_marks_findings(m, "plus", &f, &n, NULL), TC_OK);
	bool plus_national = false;
	for (size_t i = 0; i < n; i++)
		plus_national |= f[i].rule == TC_LINT_PLUS_WITH_NATIONAL &&
		                 strstr(f[i].message, "plus prefix") != NULL;
	cr_expect(plus_national);
	free(f);
	tc_lint_marks_destroy(m);
}

/* The list looks every row up: the ids are found whatever order the report named them in. */
Test(lint_marks, many_trunks_are_found_by_binary_search)
{
	enum { N = 300 };
	struct tc_trunk *t[N];
	char id[32];
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "t%03d", (i * 7919) % N);
		/* every trunk shares 10.0.0.1: one finding naming all of them */
		t[i] = fx_trunk(id, "2026-01-01T00:00:00Z", IP_MODE, "inbound_source_ips=10.0.0.1",
		                (char *)NULL);
	}
	struct tc_route_trunk v[N];
	fx_views(t, N, v);
	struct tc_route_table *tb = NULL;
	cr_assert_eq(tc_route_table_build(v, N, &tb, NULL), TC_OK);
	struct tc_lint_report report;
	cr_assert_eq(tc_lint_run(tb, NULL, &report, NULL), TC_OK);
	struct tc_lint_marks *m = NULL;
	cr_assert_eq(tc_lint_marks_build(&report, &m, NULL), TC_OK);
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "t%03d", i);
		enum tc_lint_severity sev;
		cr_expect(tc_lint_marks_find(m, id, &sev), "%s", id);
		cr_expect_eq(sev, TC_LINT_ERROR);
	}
	cr_expect_eq(tc_lint_marks_count(m, TC_LINT_ERROR), N);
	tc_lint_marks_destroy(m);
	tc_lint_report_finish(&report);
	tc_route_table_destroy(tb);
	for (int i = 0; i < N; i++)
		tc_trunk_destroy(t[i]);
}

Test(lint_marks, an_empty_report_and_no_marks)
{
	struct tc_lint_report report = {0};
	struct tc_lint_marks *m = NULL;
	cr_assert_eq(tc_lint_marks_build(&report, &m, NULL), TC_OK);
	cr_expect_not(tc_lint_marks_find(m, "x", NULL));
	cr_expect_eq(tc_lint_marks_count(m, TC_LINT_ERROR), 0);
	tc_lint_marks_destroy(m);
	/* before the first lint the UI has no marks at all */
	cr_expect_not(tc_lint_marks_find(NULL, "x", NULL));
	size_t n = 1;
	struct tc_lint_mark_finding *f = NULL;
	cr_expect_eq(tc_lint_marks_findings(NULL, "x", &f, &n, NULL), TC_OK);
	cr_expect_null(f);
	cr_expect_eq(n, 0);
	cr_expect_eq(tc_lint_marks_count(NULL, TC_LINT_ERROR), 0);
	tc_lint_marks_destroy(NULL);
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
	struct tc_lint_marks *m = NULL;
	cr_assert_eq(tc_lint_marks_build(&r.report, &m, NULL), TC_OK);
	size_t n = 0;
	struct tc_lint_mark_finding *f = NULL;
	cr_assert_eq(tc_lint_marks_findings(m, "x", &f, &n, NULL), TC_OK);
	cr_assert_geq(n, 2);
	cr_expect_eq(f[0].rule, TC_LINT_DIAL_PREFIX_NOT_DIGITS);
	for (size_t i = 1; i < n; i++)
		cr_expect_geq(tc_lint_rule(f[i].rule)->severity,
		              tc_lint_rule(f[i - 1].rule)->severity, "finding %zu", i);
	free(f);
	tc_lint_marks_destroy(m);
	finish(&r);
}

/* Every finding the report has for trunk id, the messages as the CLI prints them. */
static void expect_marks_of(const struct tc_lint_report *r, const struct tc_lint_marks *m,
                            const char *id)
{
	size_t n = 0, k = 0;
	struct tc_lint_mark_finding *f = NULL;
	cr_assert_eq(tc_lint_marks_findings(m, id, &f, &n, NULL), TC_OK);
	for (int sev = TC_LINT_ERROR; sev <= TC_LINT_INFO; sev++)
		for (size_t i = 0; i < r->count; i++) {
			bool names = false;
			for (size_t t = 0; t < r->items[i].ntrunks; t++)
				names |= strcmp(r->items[i].trunks[t]->id, id) == 0;
			if (!names || (int)tc_lint_rule(r->items[i].rule)->severity != sev)
				continue;
			cr_assert_lt(k, n, "%s: finding %zu missing", id, i);
			cr_expect_eq(f[k].rule, r->items[i].rule, "%s", id);
			cr_expect_str_eq(f[k].message, r->items[i].message, "%s", id);
			k++;
		}
	cr_expect_eq(k, n, "%s", id);
	free(f);
}

/* What lint_marks_run lints, freed when it says it no longer reads it. */
struct released {
	struct tc_trunk *t[6];
	size_t n;
	struct tc_route_trunk v[6];
	struct tc_route_table *tb;
	bool released;
};

static void release(void *ctx)
{
	struct released *r = ctx;
	tc_route_table_destroy(r->tb);
	for (size_t i = 0; i < r->n; i++)
		tc_trunk_destroy(r->t[i]);
	/* what the trunks said is gone from memory too */
	memset(r->v, 0, sizeof(r->v));
	r->released = true;
}

/*
 * The lint thread's marks come straight from the rules, their messages put
 * together when asked: each is the report's, byte for byte.
 */
Test(lint_marks, marks_run_without_a_report_give_the_reports_messages)
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
	struct tc_lint_marks *built = NULL, *ran = NULL;
	cr_assert_eq(tc_lint_marks_build(&r.report, &built, NULL), TC_OK);
	/* the run's own copy of the trunks, gone before its marks are put together */
	struct released copy = {.n = r.n};
	for (size_t i = 0; i < r.n; i++)
		cr_assert_not_null(copy.t[i] = tc_trunk_dup(r.t[i]));
	fx_views(copy.t, copy.n, copy.v);
	copy.v[4].name = NULL;
	cr_assert_eq(tc_route_table_build(copy.v, copy.n, &copy.tb, NULL), TC_OK);
	cr_assert_eq(lint_marks_run(copy.tb, NULL, release, &copy, &ran, NULL), TC_OK);
	cr_expect(copy.released);
	const char *ids[] = {"a", "b", "c", "d", "e", "f"};
	for (int sev = TC_LINT_ERROR; sev <= TC_LINT_INFO; sev++)
		cr_expect_eq(tc_lint_marks_count(ran, (enum tc_lint_severity)sev),
		             tc_lint_marks_count(built, (enum tc_lint_severity)sev));
	for (size_t k = 0; k < 6; k++) {
		expect_marks_of(&r.report, built, ids[k]);
		expect_marks_of(&r.report, ran, ids[k]);
	}
	tc_lint_marks_destroy(built);
	tc_lint_marks_destroy(ran);
	finish(&r);
}

/* The server's ids (UUIDs) are kept packed: found and named as their text, others as they are. */
Test(lint_marks, uuid_ids_are_found_and_named_as_text)
{
	const char *ids[] = {"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
	                     "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
	                     "ffffffff-ffff-ffff-ffff-fffffffffff", "plain"};
	struct lint_run r = {.n = 4};
	for (size_t i = 0; i < r.n; i++)
		r.t[i] = fx_trunk(ids[i], "2026-01-01T00:00:00Z", IP_MODE, "inbound_country=US",
		                  "inbound_source_ips=10.0.0.1", (char *)NULL);
	fx_views(r.t, r.n, r.v);
	r.v[0].name = NULL; /* labelled by its packed id */
	cr_assert_eq(tc_route_table_build(r.v, r.n, &r.tb, NULL), TC_OK);
	cr_assert_eq(tc_lint_run(r.tb, NULL, &r.report, NULL), TC_OK);
	struct tc_lint_marks *built = NULL, *ran = NULL;
	cr_assert_eq(tc_lint_marks_build(&r.report, &built, NULL), TC_OK);
	cr_assert_eq(lint_marks_run(r.tb, NULL, NULL, NULL, &ran, NULL), TC_OK);
	for (size_t k = 0; k < r.n; k++) {
		cr_expect(tc_lint_marks_find(ran, ids[k], NULL), "%s", ids[k]);
		expect_marks_of(&r.report, built, ids[k]);
		expect_marks_of(&r.report, ran, ids[k]);
	}
	cr_expect_not(tc_lint_marks_find(ran, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1", NULL));
	cr_expect_not(tc_lint_marks_find(ran, "0f1e2d3c", NULL));
	tc_lint_marks_destroy(built);
	tc_lint_marks_destroy(ran);
	finish(&r);
}

/* Two records of one trunk, named differently: each finding keeps its own name. */
Test(lint_marks, one_id_under_two_names_keeps_each_message)
{
	struct lint_run r = {.t = {fx_trunk("x", "2026-01-01T00:00:00Z", IP_MODE,
	                                    "inbound_country=US", "name=first", (char *)NULL),
	                           fx_trunk("x", "2026-01-02T00:00:00Z", IP_MODE,
	                                    "inbound_country=US", "name=second", (char *)NULL)},
	                     .n = 2};
	run(&r);
	cr_assert_eq(count(&r, TC_LINT_INBOUND_COUNTRY_NO_OP), 2);
	struct tc_lint_marks *m = NULL;
	cr_assert_eq(tc_lint_marks_build(&r.report, &m, NULL), TC_OK);
	expect_marks_of(&r.report, m, "x");
	tc_lint_marks_destroy(m);
	finish(&r);
}
