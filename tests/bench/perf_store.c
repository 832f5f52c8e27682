/*
 * Times the store's phases at a given size, for profiling (not a test):
 *
 *   perf_store DIR N [REPEAT]
 *
 * fills DIR with N generated server trunks through tc_store_pull_page in pages
 * of 100 (as a pull does), then reopens the store and times what the TUI's
 * first paint and its filter keystrokes ask of it. Medians of REPEAT runs
 * (default 9), in milliseconds, one line each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_store.h"
#include "benchutil.h"
#include "lib/clock.h"
#include "trunkctl/records.h"
#include "trunkctl/store.h"
#include "trunkctl/trunk.h"

static void die(const char *what, const struct tc_error *err)
{
	fprintf(stderr, "perf_store: %s: %s\n", what, err->message);
	exit(1);
}

typedef void (*phase_fn)(struct tc_store *s, const void *arg);

static void time_phase(const char *label, struct tc_store *s, phase_fn fn, const void *arg,
                       int repeat)
{
	double t[64];
	for (int i = 0; i < repeat; i++) {
		double t0 = tl_now_ms();
		fn(s, arg);
		t[i] = tl_now_ms() - t0;
	}
	double first = t[0];
	double median = bench_quantile(t, repeat, 0.5);
	printf("%-44s median %8.3f ms  min %8.3f  max %8.3f  first %8.3f\n", label, median, t[0],
	       t[repeat - 1], first);
}

static void list_phase(struct tc_store *s, const void *arg)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk_page page;
	if (tc_store_list(s, arg, &page, &err) != TC_OK)
		die("list", &err);
	tc_trunk_page_finish(&page);
}

static void count_phase(struct tc_store *s, const void *arg)
{
	struct tc_error err;
	tc_error_init(&err);
	size_t n;
	if (tc_store_count(s, arg, &n, &err) != TC_OK)
		die("count", &err);
}

static void counts_phase(struct tc_store *s, const void *arg)
{
	(void)arg;
	struct tc_error err;
	tc_error_init(&err);
	struct tc_store_counts c;
	if (tc_store_counts(s, &c, &err) != TC_OK)
		die("counts", &err);
}

static const struct tc_store_options *g_opts;

static void open_phase(struct tc_store *s, const void *arg)
{
	(void)s;
	(void)arg;
	struct tc_error err;
	tc_error_init(&err);
	struct tc_store *o;
	if (tc_store_open(g_opts, &o, &err) != TC_OK)
		die("open", &err);
	tc_store_close(o);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: perf_store DIR N [REPEAT]\n", stderr);
		return 2;
	}
	size_t n = strtoul(argv[2], NULL, 10);
	int repeat = argc > 3 ? atoi(argv[3]) : 9;
	if (repeat < 1 || repeat > 64)
		repeat = 9;
	struct tc_store_options o = {.dir = argv[1]};
	g_opts = &o;
	struct tc_error err;
	tc_error_init(&err);
	struct tc_store *s;
	double t0 = tl_now_ms();
	if (tc_store_open(&o, &s, &err) != TC_OK)
		die("open", &err);
	printf("first open: %.2f ms\n", tl_now_ms() - t0);
	struct tc_store_counts c;
	if (tc_store_counts(s, &c, &err) != TC_OK)
		die("counts", &err);
	if (c.trunks < n)
		bench_fill_store(s, n);
	tc_store_close(s);

	time_phase("open", NULL, open_phase, NULL, repeat);
	if (tc_store_open(&o, &s, &err) != TC_OK)
		die("open", &err);
	time_phase("counts", s, counts_phase, NULL, repeat);
	static const struct {
		const char *label, *filter;
		int sort;
		size_t offset;
	} qs[] = {
	    {"window 58 by name", NULL, TC_FIELD_NONE, 0},
	    {"window 58 by name at 50%", NULL, TC_FIELD_NONE, 50000},
	    {"window 58 by created_at", NULL, TC_F_CREATED_AT, 0},
	    {"window 58 by created_at at 50%", NULL, TC_F_CREATED_AT, 50000},
	    {"window 58 by created_at, the last", NULL, TC_F_CREATED_AT, 99942},
	    {"window 58 by outbound_host", NULL, TC_F_OUTBOUND_HOST, 0},
	    {"window 58 by sync state", NULL, TC_SORT_SYNC_STATE, 0},
	    {"filter 'p' by name", "p", TC_FIELD_NONE, 0},
	    {"filter 'pb' by name", "pb", TC_FIELD_NONE, 0},
	    {"filter 'pbx' by name", "pbx", TC_FIELD_NONE, 0},
	    {"filter 'pbx-lima' by name", "pbx-lima", TC_FIELD_NONE, 0},
	    {"filter 'zq9' (rare) by name", "zq9", TC_FIELD_NONE, 0},
	    {"filter 'qzx7' (none) by name", "qzx7", TC_FIELD_NONE, 0},
	    {"filter '10.3' by name", "10.3", TC_FIELD_NONE, 0},
	    {"filter '7' by name", "7", TC_FIELD_NONE, 0},
	    {"filter '7a' by name", "7a", TC_FIELD_NONE, 0},
	    {"filter 'oslo' by outbound_host", "oslo", TC_F_OUTBOUND_HOST, 0},
	};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		struct tc_list_query q = {
		    .filter = qs[i].filter,
		    .sort = qs[i].sort,
		    .offset = qs[i].offset * n / 100000,
		    .limit = 58,
		};
		time_phase(qs[i].label, s, list_phase, &q, repeat);
		if (q.filter) {
			char label[64];
			snprintf(label, sizeof(label), "  its count alone");
			time_phase(label, s, count_phase, &q, repeat);
		}
	}
	tc_store_close(s);
	return 0;
}
