/*
 * The peer of a push: the same creates and updates sent one after the other,
 * each waiting for its answer, on one keep-alive connection. With server
 * latency L this costs about requests x L, which is what a push that does not
 * overlap its requests cannot beat.
 *
 * usage: push_serial URL CREATES UPDATES [HOST:PORT:ADDR]
 *   creates CREATES trunks, then sends UPDATES updates round-robin over them.
 * The token comes from TRUNKCTL_API_TOKEN, never from argv.
 * Prints "requests=R ms=M" on stdout.
 */
#include "benchhttp.h"
#include "lib/clock.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fputs("usage: push_serial URL CREATES UPDATES [HOST:PORT:ADDR]\n", stderr);
		return 2;
	}
	const char *base = argv[1];
	long creates = strtol(argv[2], NULL, 10), updates = strtol(argv[3], NULL, 10);
	if (creates <= 0 || updates < 0) {
		fputs("push_serial: CREATES must be > 0 and UPDATES >= 0\n", stderr);
		return 2;
	}
	struct bench_http http;
	if (bench_http_open(&http, argc > 4 ? argv[4] : NULL) != 0)
		return 2;
	char **ids = calloc((size_t)creates, sizeof *ids);

	double t0 = tl_now_ms();
	long sent = 0;
	int status = 0;
	char payload[512], url[1024];
	for (long i = 0; i < creates && status == 0; i++) {
		snprintf(
		    payload, sizeof payload,
		    "{\"data\":{\"type\":\"sip_trunk\",\"attributes\":{\"name\":\"serial-%ld\","
		    "\"authentication_mode\":\"ip_address\",\"region\":\"hydrogen\","
		    "\"inbound_source_ips\":[\"198.51.100.%ld\"]}}}",
		    i, i % 250 + 1);
		long code = bench_http_send(&http, "POST", base, payload);
		json_t *doc = code == 201 ? json_loadb(http.body.p, http.body.len, 0, NULL) : NULL;
		const char *id =
		    json_string_value(json_object_get(json_object_get(doc, "data"), "id"));
		if (!id) {
			fprintf(stderr, "push_serial: create %ld: HTTP %ld %s\n", i, code,
			        http.error);
			status = 1;
		} else {
			ids[i] = strdup(id);
		}
		json_decref(doc);
		sent++;
	}
	for (long i = 0; i < updates && status == 0; i++) {
		const char *id = ids[i % creates];
		snprintf(url, sizeof url, "%s/%s", base, id);
		snprintf(payload, sizeof payload,
		         "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"%s\",\"attributes\":"
		         "{\"max_channels\":%ld}}}",
		         id, i + 1);
		long code = bench_http_send(&http, "PATCH", url, payload);
		if (code != 200) {
			fprintf(stderr, "push_serial: update %ld: HTTP %ld %s\n", i, code,
			        http.error);
			status = 1;
		}
		sent++;
	}
	printf("requests=%ld ms=%.1f\n", sent, tl_now_ms() - t0);

	for (long i = 0; i < creates; i++)
		free(ids[i]);
	free(ids);
	bench_http_close(&http);
	return status;
}
