/*
 * What marks and bulk edits cost at fleet scale, each next to its peer in
 * the same run (issue: fleet operations):
 *
 *   bulk_bench DIR N EDITS [REPEAT]
 *
 * fills DIR with N generated trunks, then times (medians of REPEAT):
 *   mark_all_ms    the TUI's "mark every trunk the filter shows": the list
 *                  walked with each id and name copied out, as the marks take them;
 *   walk_ms        its peer: the same walk copying nothing;
 *   bulk_ms        one bulk edit of the first EDITS trunks (tc_service_update_many,
 *                  one transaction);
 *   single_ms      its peer: the same edit saved trunk by trunk (tc_service_update,
 *                  a transaction each), as a loop over `trunkctl update` would.
 * Output: one line of key=value pairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_store.h"
#include "benchutil.h"
#include "lib/clock.h"
#include "trunkctl/service.h"

#define REPEAT_MAX 20

static void die(const char *what, const struct tc_error *err)
{
	fprintf(stderr, "bulk_bench: %s: %s\n", what, err->message);
	exit(1);
}

struct ids {
	char **id, **name;
	size_t n, cap;
	bool copy;
};

static enum tc_status take(void *ctx, const struct tc_trunk_row *row, struct tc_error *err)
{
	struct ids *x = ctx;
	if (!x->copy) {
		x->n++;
		return TC_OK;
	}
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 1024;
		x->id = realloc(x->id, x->cap * sizeof(*x->id));
		x->name = realloc(x->name, x->cap * sizeof(*x->name));
		if (!x->id || !x->name)
			return tc_error_set(err, TC_NOMEM, NULL);
	}
	const char *name = tc_trunk_string(row->trunk, TC_F_NAME);
	x->id[x->n] = strdup(row->trunk->id);
	x->name[x->n] = strdup(name ? name : "");
	x->n++;
	return TC_OK;
}

static void ids_free(struct ids *x)
{
	for (size_t i = 0; x->copy && i < x->n; i++) {
		free(x->id[i]);
		free(x->name[i]);
	}
	free(x->id);
	free(x->name);
	memset(x, 0, sizeof(*x));
}

static double walk(struct tc_service *svc, bool copy, struct ids *keep)
{
	struct tc_list_query q = {.sort = TC_F_NAME};
	struct ids x = {.copy = copy};
	struct tc_error err;
	tc_error_init(&err);
	double t0 = tl_now_ms();
	if (tc_service_list_each(svc, &q, take, &x, &err) != TC_OK)
		die("walk", &err);
	double dt = tl_now_ms() - t0;
	if (keep)
		*keep = x;
	else
		ids_free(&x);
	return dt;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fputs("usage: bulk_bench DIR N EDITS [REPEAT]\n", stderr);
		return 2;
	}
	const char *dir = argv[1];
	size_t n = strtoul(argv[2], NULL, 10), edits = strtoul(argv[3], NULL, 10);
	int repeat = argc > 4 ? atoi(argv[4]) : 5;
	if (repeat < 1 || repeat > REPEAT_MAX)
		repeat = 5;
	if (edits > n)
		edits = n;
	struct tc_error err;
	tc_error_init(&err);
	struct tc_store_options so = {.dir = dir};
	struct tc_store *store;
	if (tc_store_open(&so, &store, &err) != TC_OK)
		die("open", &err);
	bench_fill_store(store, n);
	tc_store_close(store);
	struct tc_service_options o = {.data_dir = dir, .offline = true};
	struct tc_service *svc;
	if (tc_service_open(&o, &svc, &err) != TC_OK)
		die("service", &err);

	double mark[REPEAT_MAX], plain[REPEAT_MAX], bulk[REPEAT_MAX], single[REPEAT_MAX];
	struct ids all = {0};
	for (int r = 0; r < repeat; r++) {
		plain[r] = walk(svc, false, NULL);
		ids_free(&all);
		mark[r] = walk(svc, true, &all);
	}
	if (all.n < edits)
		edits = all.n;
	/* Each round sets a value no trunk has yet, so every save changes and queues something. */
	for (int r = 0; r < repeat; r++) {
		struct tc_trunk *changes = tc_trunk_new();
		tc_trunk_set_int(changes, TC_F_MAX_CHANNELS, 1000 + 2 * r);
		size_t failed = 0, saved = 0;
		double t0 = tl_now_ms();
		if (tc_service_update_many(svc, (const char *const *)all.id, edits, changes, NULL,
		                           &failed, &saved, &err) != TC_OK)
			die("update_many", &err);
		bulk[r] = tl_now_ms() - t0;
		tc_trunk_set_int(changes, TC_F_MAX_CHANNELS, 1001 + 2 * r);
		t0 = tl_now_ms();
		for (size_t i = 0; i < edits; i++)
			if (tc_service_update(svc, all.id[i], changes, NULL, NULL, &err) != TC_OK)
				die("update", &err);
		single[r] = tl_now_ms() - t0;
		tc_trunk_destroy(changes);
	}
	printf("trunks=%zu marked=%zu edits=%zu mark_all_ms=%.1f walk_ms=%.1f bulk_ms=%.1f "
	       "single_ms=%.1f\n",
	       n, all.n, edits, bench_quantile(mark, repeat, 0.5),
	       bench_quantile(plain, repeat, 0.5), bench_quantile(bulk, repeat, 0.5),
	       bench_quantile(single, repeat, 0.5));
	ids_free(&all);
	tc_service_close(svc);
	return 0;
}
