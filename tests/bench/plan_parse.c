/*
 * The fleet plan against its peer, parsing the file: N trunks written as
 * the YAML export writes them, then (a) read back alone and (b) read back
 * and planned against N stored trunks (a tenth of them changed, a tenth
 * matched by name only). Prints "k=v" figures for tests/bench/run.
 * usage: plan_parse [N [REPS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "trunkctl/fleet_file.h"
#include "trunkctl/plan.h"

static struct tc_trunk *make(size_t i, bool stored)
{
	struct tc_trunk *t = tc_trunk_new();
	char id[64], name[64], ip[32];
	snprintf(id, sizeof(id), "%08zx-0000-4000-8000-%012zx", i, i);
	snprintf(name, sizeof(name), "Trunk %zu", i);
	snprintf(ip, sizeof(ip), "10.%zu.%zu.%zu", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	const char *ips[] = {ip};
	/* a tenth known by name only: the file carries another carrier's ids */
	if (stored || i % 10 != 3)
		tc_trunk_set_id(t, id);
	tc_trunk_set_string(t, TC_F_NAME, name);
	tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "ip_address");
	tc_trunk_set_string(t, TC_F_REGION, "hydrogen");
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, stored && i % 10 == 7 ? 5 : 10);
	tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 1);
	tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, "pbx.example.com:5060");
	tc_trunk_set_bool(t, TC_F_OUTBOUND_PLUS_PREFIX, i % 2);
	return t;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	if (reps < 1 || reps > 100)
		reps = 5;
	struct tl_buf file = {0};
	struct tc_trunk **stored = calloc(n ? n : 1, sizeof(*stored));
	struct tc_error err;
	tc_error_init(&err);
	for (size_t i = 0; i < n; i++) {
		struct tc_trunk *t = make(i, false);
		char *text;
		size_t len;
		if (tc_fleet_yaml_item(t, false, &text, &len, &err) != TC_OK)
			return 1;
		tl_buf_collect(text, 1, len, &file);
		free(text);
		tc_trunk_destroy(t);
		stored[i] = make(i, true);
	}
	double parse[100], plan[100];
	size_t changes = 0;
	for (int r = 0; r < reps; r++) {
		struct tc_fleet f;
		double t0 = tl_now_ms();
		if (tc_fleet_read_yaml(file.p, file.len, "bench", &f, &err) != TC_OK) {
			fprintf(stderr, "plan_parse: %s\n", err.message);
			return 1;
		}
		double t1 = tl_now_ms();
		struct tc_plan_input in = {.desired = (const struct tc_trunk *const *)f.trunks,
		                           .lines = f.lines,
		                           .desired_count = f.count,
		                           .file_name = "bench",
		                           .stored = (const struct tc_trunk *const *)stored,
		                           .stored_count = n};
		struct tc_plan p;
		if (tc_plan_make(&in, &p, &err) != TC_OK) {
			fprintf(stderr, "plan_parse: %s\n", err.message);
			return 1;
		}
		double t2 = tl_now_ms();
		changes = p.updates;
		tc_plan_finish(&p);
		tc_fleet_finish(&f);
		parse[r] = t1 - t0;
		plan[r] = t2 - t0;
	}
	qsort(parse, (size_t)reps, sizeof(double), by_double);
	qsort(plan, (size_t)reps, sizeof(double), by_double);
	printf("trunks=%zu bytes=%zu updates=%zu parse_ms_median=%.1f parse_plan_ms_median=%.1f\n",
	       n, file.len, changes, parse[reps / 2], plan[reps / 2]);
	for (size_t i = 0; i < n; i++)
		tc_trunk_destroy(stored[i]);
	free(stored);
	free(file.p);
	return 0;
}
