#include "bench_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "trunkctl/trunk.h"

static void die(const char *what, const struct tc_error *err)
{
	fprintf(stderr, "bench: %s: %s\n", what, err->message);
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
		fputs("bench: out of memory\n", stderr);
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
		fputs("bench: out of memory\n", stderr);
		exit(1);
	}
	return t;
}

void bench_fill_store(struct tc_store *s, size_t n)
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
			tc_trunk_destroy(page[j]);
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
