/*
 * The routing replay at fleet scale (issue 13), each figure next to its peer
 * in the same run:
 *
 *   route_bench [N [QUERIES [REPEAT]]]
 *
 * generates N trunks in memory (defaults 100,000), then times: building the
 * route index; an outbound query through it against a plain scan of every
 * (trunk, prefix) pair; an inbound query through it against a plain scan of
 * every IP; the whole lint against one plain pass reading the same fields of
 * every trunk. Medians of REPEAT runs (default 9); one "key=value" line.
 * The scans must give the answers the index gives: mismatches counts those
 * that do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "lib/clock.h"
#include "trunkctl/lint.h"
#include "trunkctl/route.h"

static const char *const codes[] = {"855", "856", "61", "1", "44", "33", "49", "234", "27", "52"};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static void die(const char *what)
{
	fprintf(stderr, "route_bench: %s\n", what);
	exit(1);
}

static struct tc_trunk *gen_trunk(size_t i)
{
	char id[64], name[40], host[48], ip[48], ts[64], p1[40], p2[40];
	snprintf(id, sizeof(id), "%08zx-4e2a-4b1c-9d3e-%012zx", i * 2654435761u % 0xffffffffu, i);
	snprintf(name, sizeof(name), "trunk %zu", i);
	snprintf(host, sizeof(host), "sip%zu.example.net:5060", i % 997);
	/* every 500th trunk shares its IP with the one before it */
	size_t n = i % 500 == 0 && i > 0 ? i - 1 : i;
	snprintf(ip, sizeof(ip), "10.%zu.%zu.%zu", (n >> 16) & 255, (n >> 8) & 255, n & 255);
	snprintf(ts, sizeof(ts), "2026-%02zu-%02zuT%02zu:%02zu:%02zuZ", 1 + i / 40000 % 12,
	         1 + i / 1440 % 28, i / 60 % 24, i % 60, i % 59);
	snprintf(p1, sizeof(p1), "%s%zu", codes[i % NCODES], 1000 + i);
	snprintf(p2, sizeof(p2), "%s%zu", codes[(i + 3) % NCODES], 70000 + i);
	const char *prefixes[] = {p1, p2};
	const char *ips[] = {ip};
	struct tc_trunk *t = tc_trunk_new();
	if (!t || tc_trunk_set_id(t, id) || tc_trunk_set_string(t, TC_F_NAME, name) ||
	    tc_trunk_set_string(t, TC_F_CREATED_AT, ts) ||
	    tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "ip_address") ||
	    tc_trunk_set_string(t, TC_F_REGION, "hydrogen") ||
	    tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, host) ||
	    tc_trunk_set_bool(t, TC_F_OUTBOUND_NATIONAL_DIALING, i % 3 == 0) ||
	    tc_trunk_set_bool(t, TC_F_OUTBOUND_PLUS_PREFIX, i % 5 == 0) ||
	    tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 1) ||
	    tc_trunk_set_string(t, TC_F_INBOUND_COUNTRY, i % 2 ? "KH" : "GB") ||
	    /* one fallback trunk, without prefixes */
	    tc_trunk_set_list(t, TC_F_OUTBOUND_ROUTE_PREFIXES, prefixes, i == 7 ? 0 : 1 + i % 2))
		die("out of memory");
	return t;
}

/* The peer: every (trunk, prefix) pair looked at, the longest match kept. */
static const struct tc_route_trunk *scan_route(const struct tc_route_trunk *t, size_t n,
                                               const char *digits, bool *ambiguous)
{
	const struct tc_route_trunk *best = NULL, *fallback = NULL;
	size_t best_len = 0, nfallbacks = 0;
	*ambiguous = false;
	for (size_t i = 0; i < n; i++) {
		if (!tc_route_outbound_capable(&t[i]))
			continue;
		if (t[i].nroute_prefixes == 0) {
			fallback = &t[i];
			nfallbacks++;
		}
		for (size_t k = 0; k < t[i].nroute_prefixes; k++) {
			const char *prefix = t[i].route_prefixes[k];
			size_t len = strlen(prefix);
			if (strncmp(prefix, digits, len) != 0 || (best && len < best_len))
				continue;
			*ambiguous = best && len == best_len && best != &t[i];
			best = &t[i];
			best_len = len;
		}
	}
	if (best)
		return *ambiguous ? NULL : best;
	*ambiguous = nfallbacks > 1;
	return nfallbacks == 1 ? fallback : NULL;
}

/* The peer: every IP of every trunk compared, the oldest holder kept. */
static const struct tc_route_trunk *scan_inbound(const struct tc_route_trunk *t, size_t n,
                                                 const char *ip)
{
	const struct tc_route_trunk *best = NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < t[i].ninbound_ips; k++)
			if (strcmp(t[i].inbound_ips[k], ip) == 0 &&
			    (!best || strcmp(t[i].created_at, best->created_at) < 0))
				best = &t[i];
	return best;
}

/* The lint's peer: one pass reading the fields the rules read. */
static size_t plain_pass(const struct tc_trunk *const *t, size_t n)
{
	size_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		for (int f = 0; f < TC_FIELD_COUNT; f++) {
			const struct tc_value *v = &t[i]->values[f];
			if (v->state != TC_V_SET)
				continue;
			if (tc_field(f)->type == TC_T_STRING)
				sum += strlen(v->s);
			for (size_t k = 0; tc_field(f)->type == TC_T_LIST && k < v->list.count; k++)
				sum += strlen(v->list.items[k]);
			sum += v->b;
		}
	}
	return sum;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	int queries = argc > 2 ? atoi(argv[2]) : 10000;
	int reps = argc > 3 ? atoi(argv[3]) : 9;
	if (n < 10 || queries < 10 || reps < 1)
		die("usage: route_bench [N>=10 [QUERIES>=10 [REPEAT>=1]]]");
	struct tc_trunk **trunks = malloc(n * sizeof(*trunks));
	char(*dest)[32] = malloc((size_t)queries * sizeof(*dest));
	char(*ips)[24] = malloc((size_t)queries * sizeof(*ips));
	double *t_idx = malloc((size_t)reps * sizeof(double) * 6);
	if (!trunks || !dest || !ips || !t_idx)
		die("out of memory");
	double *t_scan = t_idx + reps, *t_in = t_scan + reps, *t_in_scan = t_in + reps,
	       *t_lint = t_in_scan + reps, *t_pass = t_lint + reps;
	for (size_t i = 0; i < n; i++)
		trunks[i] = gen_trunk(i);
	const struct tc_trunk *const *all = (const struct tc_trunk *const *)trunks;
	unsigned seed = 7;
	for (int q = 0; q < queries; q++) {
		size_t i = (size_t)rand_r(&seed) % n;
		/* most under a trunk's prefix, some under none (the fallback) */
		if (q % 10 == 9)
			snprintf(dest[q], sizeof(dest[q]), "998%09d", rand_r(&seed) % 1000000000);
		else
			snprintf(dest[q], sizeof(dest[q]), "%s%zu%04d", codes[i % NCODES], 1000 + i,
			         rand_r(&seed) % 10000);
		size_t k = (size_t)rand_r(&seed) % n;
		snprintf(ips[q], sizeof(ips[q]), "10.%zu.%zu.%zu", (k >> 16) & 255, (k >> 8) & 255,
		         k & 255);
	}

	double b0 = tl_now_ms();
	/* what routing reads of each trunk (the store's reader copies the same fields) */
	struct tc_route_trunk *views = malloc(n * sizeof(*views));
	if (!views)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		tc_route_trunk_view(trunks[i], &views[i]);
	struct tc_route_table *tb;
	if (tc_route_table_build(views, n, &tb, NULL) != TC_OK)
		die("build failed");
	double build_ms = tl_now_ms() - b0;

	int scan_queries = queries < 200 ? queries : 200;
	size_t mismatches = 0, findings = 0, pass_sum = 0;
	for (int r = 0; r < reps; r++) {
		double t0 = tl_now_ms();
		for (int q = 0; q < queries; q++) {
			struct tc_route_query query = {.to = dest[q]};
			struct tc_route_answer a;
			if (tc_route_select(tb, &query, &a, NULL) != TC_OK)
				die("query failed");
			if (r == 0 && q < scan_queries) {
				bool amb;
				const struct tc_route_trunk *s =
				    scan_route(views, n, dest[q], &amb);
				mismatches +=
				    s != a.trunk || amb != (a.match == TC_ROUTE_AMBIGUOUS);
			}
			tc_route_answer_finish(&a);
		}
		t_idx[r] = (tl_now_ms() - t0) * 1000.0 / queries;
		t0 = tl_now_ms();
		for (int q = 0; q < scan_queries; q++) {
			bool amb;
			pass_sum += scan_route(views, n, dest[q], &amb) != NULL;
		}
		t_scan[r] = (tl_now_ms() - t0) * 1000.0 / scan_queries;

		t0 = tl_now_ms();
		for (int q = 0; q < queries; q++) {
			struct tc_inbound_answer a;
			if (tc_route_inbound(tb, ips[q], &a, NULL) != TC_OK)
				die("inbound failed");
			if (r == 0 && q < scan_queries)
				mismatches += scan_inbound(views, n, ips[q]) != a.trunk;
			tc_inbound_answer_finish(&a);
		}
		t_in[r] = (tl_now_ms() - t0) * 1000.0 / queries;
		t0 = tl_now_ms();
		for (int q = 0; q < scan_queries; q++)
			pass_sum += scan_inbound(views, n, ips[q]) != NULL;
		t_in_scan[r] = (tl_now_ms() - t0) * 1000.0 / scan_queries;

		t0 = tl_now_ms();
		struct tc_lint_report report;
		if (tc_lint_run(tb, NULL, &report, NULL) != TC_OK)
			die("lint failed");
		t_lint[r] = tl_now_ms() - t0;
		findings = report.count;
		tc_lint_report_finish(&report);
		t0 = tl_now_ms();
		pass_sum += plain_pass(all, n);
		t_pass[r] = tl_now_ms() - t0;
	}
	printf("trunks=%zu build_ms=%.2f route_us_median=%.3f route_scan_us_median=%.1f "
	       "inbound_us_median=%.3f inbound_scan_us_median=%.1f lint_ms_median=%.1f "
	       "pass_ms_median=%.1f findings=%zu mismatches=%zu checksum=%zu\n",
	       n, build_ms, bench_quantile(t_idx, reps, 0.5), bench_quantile(t_scan, reps, 0.5),
	       bench_quantile(t_in, reps, 0.5), bench_quantile(t_in_scan, reps, 0.5),
	       bench_quantile(t_lint, reps, 0.5), bench_quantile(t_pass, reps, 0.5), findings,
	       mismatches, pass_sum);
	tc_route_table_destroy(tb);
	free(views);
	for (size_t i = 0; i < n; i++)
		tc_trunk_destroy(trunks[i]);
	free(trunks);
	free(dest);
	free(ips);
	free(t_idx);
	return mismatches ? 1 : 0;
}
