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

static struct tc_trunk *gen_trunk(size_t i, unsigned *seed)
{
	static const char *const cities[] = {"paris", "lagos", "lima",  "oslo",  "pune",
	                                     "kyiv",  "accra", "quito", "dakar", "hanoi"};
	static const char *const kinds[] = {"pbx", "sbc", "gw", "carrier", "office"};
	char name[64], ip[32], host[64], id[40], ts[32];
	unsigned r = (unsigned)rand_r(seed);
	snprintf(name, sizeof(name), "%s-%s-%05zx%c%c", kinds[r % 5], cities[(r >> 3) % 10],
	         i * 2654435761u % 1048573u, 'a' + (int)((r >> 8) % 26),
	         'a' + (int)((r >> 13) % 26));
	snprintf(ip, sizeof(ip), "10.%u.%u.%u", (r >> 4) & 255, (r >> 12) & 255,
	         (unsigned)(i & 255));
	snprintf(host, sizeof(host), "sip%zu.%s.example.net", i % 97, cities[(r >> 17) % 10]);
	snprintf(id, sizeof(id), "%08zx-4e2a-4b1c-9d3e-%012zx", i * 2654435761u % 0xffffffffu, i);
	snprintf(ts, sizeof(ts), "2026-%02zu-%02zuT%02zu:%02zu:00Z", 1 + i % 12, 1 + i % 28, i % 24,
	         i % 60);
	struct tc_trunk *t = tc_trunk_new();
	const char *ips[] = {ip};
	if (!t || tc_trunk_set_id(t, id) || tc_trunk_set_string(t, TC_F_NAME, name) ||
	    tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "ip_address") ||
	    tc_trunk_set_string(t, TC_F_REGION, "hydrogen") ||
	    tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 1) ||
	    tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, host) ||
	    tc_trunk_set_int(t, TC_F_MAX_CHANNELS, (long long)(r % 300)) ||
	    tc_trunk_set_string(t, TC_F_CREATED_AT, ts) ||
	    tc_trunk_set_string(t, TC_F_UPDATED_AT, ts)) {
		fputs("perf_store: out of memory\n", stderr);
		exit(1);
	}
	/* a pull keeps the resource object as the server sent it: about 1 KB each */
	char doc[2048];
	snprintf(doc, sizeof(doc),
	         "{\"id\":\"%s\",\"type\":\"sip_trunk\",\"attributes\":{\"created_at\":\"%s\","
	         "\"updated_at\":\"%s\",\"name\":\"%s\",\"authentication_mode\":\"ip_address\","
	         "\"region\":{\"table\":{\"identifier\":\"ap-southeast-1\",\"alias\":"
	         "\"hydrogen\",\"group_id\":1,\"human_name\":\"South East Asia (Singapore)\","
	         "\"nat_ip\":\"13.250.230.15\"}},\"max_channels\":%u,\"default_sender\":null,"
	         "\"inbound_country\":null,\"inbound_source_ips\":[\"%s\"],\"outbound_host\":"
	         "\"%s\",\"outbound_dial_string_prefix\":null,\"outbound_national_dialing\":"
	         "false,\"outbound_plus_prefix\":false,\"outbound_route_prefixes\":[],"
	         "\"username\":null,\"password\":null}}",
	         id, ts, ts, name, r % 300, ip, host);
	if (!(t->document = strdup(doc))) {
		fputs("perf_store: out of memory\n", stderr);
		exit(1);
	}
	return t;
}

static void fill(struct tc_store *s, size_t n)
{
	struct tc_error err;
	tc_error_init(&err);
	int64_t gen;
	if (tc_store_pull_begin(s, &gen, &err) != TC_OK)
		die("pull_begin", &err);
	unsigned seed = 7;
	double worst = 0, t0 = tl_now_ms();
	for (size_t at = 0; at < n; at += 100) {
		struct tc_trunk *page[100];
		size_t k = n - at < 100 ? n - at : 100;
		for (size_t j = 0; j < k; j++)
			page[j] = gen_trunk(at + j, &seed);
		double p0 = tl_now_ms();
		if (tc_store_pull_page(s, gen, page, k, &err) != TC_OK)
			die("pull_page", &err);
		double dt = tl_now_ms() - p0;
		worst = dt > worst ? dt : worst;
		for (size_t j = 0; j < k; j++)
			tc_trunk_free(page[j]);
	}
	double pages = tl_now_ms() - t0;
	double f0 = tl_now_ms();
	struct tc_pull_result res;
	if (tc_store_pull_finish(s, gen, &res, &err) != TC_OK)
		die("pull_finish", &err);
	printf("pull %zu trunks (generation included): %.1f ms, worst page %.2f ms, finish %.1f "
	       "ms\n",
	       n, pages, worst, tl_now_ms() - f0);
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
	tc_trunk_page_free(&page);
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
		fill(s, n);
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
