/*
 * Private to the Carrier API client, shared by its three parts: api_url.c
 * (URL handling, no transfers), api_http.c (the transfer layer over libcurl)
 * and api_carrier.c (the Carrier API calls).
 */
#ifndef TRUNKCTL_SRC_API_PRIVATE_H
#define TRUNKCTL_SRC_API_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curl_lazy.h"
#include "trunkctl/api.h"
#include "trunkctl/error.h"
#include "util.h"

struct tc_api {
	char *base; /* scheme://host[:port][/prefix], no trailing slash */
	char *auth_header;
	char *token;
	struct curl_slist *resolve;
	char *ca_file;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	long low_speed_time_s;
	long low_speed_limit;
	size_t max_body;
	size_t max_list_trunks;
	uint64_t max_list_bytes;
	unsigned max_connections;
	unsigned page_size;
	tc_api_trace_fn trace;
	void *trace_ud;
	const atomic_bool *cancel;
	CURLM *multi;
	CURLSH *share;
	struct tc_api_stats stats;
};

/* One exchange in flight: its request, its answer, and where the answer goes. */
struct xfer {
	struct tc_api *api;
	CURL *easy;
	char *url;
	char *body;
	struct curl_slist *headers;
	char *resp;
	size_t resp_len;
	size_t resp_cap;
	bool too_large;
	long long announced; /* the answer's Content-Length, -1 if none */
	char request_id[80];
	int64_t date_ms; /* the answer's Date header, 0 if none */
	char curl_msg[CURL_ERROR_SIZE];
	CURLcode result;
	bool done;
	bool reported; /* handed to the caller of tc_api_run_each already */
};

/* Told of each transfer as it completes. */
struct xfer_done {
	void (*fn)(void *ud, struct xfer *x);
	void *ud;
};

/* api_url.c */

/*
 * The base URL must be http(s) with a host and nothing after the path; plain
 * http must stay on this machine unless the operator said otherwise.
 */
enum tc_status api_check_base(const struct tc_api_config *cfg, struct tc_error *err);

/*
 * links.next names the next page; only its query is used, on our own base,
 * so the token only ever goes where the operator configured it to.
 */
enum tc_status api_next_url(struct tc_api *api, const char *next, char **out, struct tc_error *err);

/* api_http.c */

/* Frees what x holds (handle, headers, URL, bodies); x itself stays. */
void api_xfer_release(struct xfer *x);

/* Prepares x->easy for x->url with method and optional JSON body. */
enum tc_status api_xfer_prepare(struct xfer *x, const char *method, struct tc_error *err);

/* Hands the prepared transfers to the multi; on failure none of them stays there. */
enum tc_status api_xfers_add(struct tc_api *api, struct xfer **xs, size_t n, struct tc_error *err);

/*
 * Drives the added transfers to completion, at most max_connections at once
 * (the multi's connection limits hold the rest back). Per-transfer results
 * land in each xfer; a finished transfer leaves the multi, and on failure
 * the unfinished ones leave it too.
 */
enum tc_status api_xfers_drive(struct tc_api *api, struct xfer **xs, size_t n,
                               const struct xfer_done *done, struct tc_error *err);

/*
 * Runs xs, adding them max_connections at a time so that none waits for a
 * connection inside libcurl, where the wait would count against its timeout.
 */
enum tc_status api_run_xfers(struct tc_api *api, struct xfer **xs, size_t n,
                             const struct xfer_done *done, struct tc_error *err);

/*
 * Common checks of a finished exchange, with whatever the answer would put
 * in err redacted. On TC_OK the status is expect or also and, when want_body,
 * the body is declared JSON and not empty.
 */
enum tc_status api_check_answer(struct xfer *x, long expect, long also, bool want_body,
                                struct tc_error *err);

/*
 * The outcome of decoding an answer. A body the server sent that does not
 * parse is the server's failure: TC_PARSE would tell the operator (and the
 * CLI's exit status) that their own input was malformed.
 */
enum tc_status api_answer_decoded(const struct tc_api *api, enum tc_status s, struct tc_error *err);

#endif
