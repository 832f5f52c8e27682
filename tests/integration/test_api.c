/*
 * The Carrier API client against the fake server on 127.0.0.1: pagination
 * over one connection, every error kind, every fault, and the secrecy of
 * the token.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fake_proc.h"
#include "trunkctl/api.h"

static struct fake fk;

static void stop_fake(void)
{
	fake_destroy(&fk);
}

TestSuite(api, .fini = stop_fake, .timeout = 120);

static struct tc_trunk *new_trunk(const char *name)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_eq(tc_trunk_set_string(t, TC_F_NAME, name), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "ip_address"), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, "hydrogen"), TC_OK);
	const char *ips[] = {"203.0.113.7"};
	cr_assert_eq(tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 1), TC_OK);
	return t;
}

struct counter {
	size_t trunks;
	size_t pages;
	char first_id[64];
};

static enum tc_status count_page(void *ud, struct tc_trunk **trunks, size_t n, struct tc_error *err)
{
	struct counter *c = ud;
	if (c->pages == 0 && n)
		snprintf(c->first_id, sizeof(c->first_id), "%s", trunks[0]->id);
	c->trunks += n;
	c->pages++;
	return TC_OK;
}

/* The 10,000-trunk pull is in test_sync.c; here the pages' mechanics, cheaply. */
Test(api, lists_every_page_over_one_connection)
{
	const char *args[] = {"--sample", "1050", NULL};
	fake_start(&fk, args);
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	long long gets_before = fake_stat(&fk, "requests.GET");
	long long conns_before = fake_stat(&fk, "connections.total");
	struct counter c = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_api_list(api, count_page, &c, &err), TC_OK, "%s", err.message);
	cr_assert_eq(c.trunks, 1050);
	cr_assert_eq(c.pages, 11);
	struct tc_api_stats st;
	tc_api_get_stats(api, &st);
	cr_assert_eq(st.connects, 1, "%lu connections", st.connects);
	cr_assert_eq(st.requests, 11);
	/* The fake counts the list's one connection and the next stats request's own. */
	long long conns = fake_stat(&fk, "connections.total") - conns_before;
	cr_assert_eq(conns, 2, "%lld connections", conns);
	/* Control requests are not counted as API requests. */
	cr_assert_eq(fake_stat(&fk, "requests.GET") - gets_before, 11);
	tc_api_destroy(api);
}

Test(api, create_get_update_delete_round_trip)
{
	fake_start(&fk, NULL);
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *t = new_trunk("edge-1");
	struct tc_trunk *made = NULL;
	cr_assert_eq(tc_api_create(api, t, &made, &err), TC_OK, "%s", err.message);
	cr_assert_eq(err.http_status, 201);
	cr_assert_eq(strlen(made->id), 36);
	cr_assert_str_eq(tc_trunk_string(made, TC_F_NAME), "edge-1");
	cr_assert_str_eq(tc_trunk_string(made, TC_F_REGION), "hydrogen");
	cr_assert_not_null(tc_trunk_string(made, TC_F_CREATED_AT));
	cr_assert(err.request_id[0], "no X-Request-Id captured");

	/* Only the flagged attributes travel; the rest stays as it is. */
	struct tc_trunk *edit = tc_trunk_dup(made);
	cr_assert_eq(tc_trunk_set_string(edit, TC_F_NAME, "edge-renamed"), TC_OK);
	cr_assert_eq(tc_trunk_set_int(edit, TC_F_MAX_CHANNELS, 7), TC_OK);
	bool fields[TC_FIELD_COUNT] = {false};
	fields[TC_F_MAX_CHANNELS] = true;
	struct tc_trunk *after = NULL;
	cr_assert_eq(tc_api_update(api, made->id, edit, fields, &after, &err), TC_OK, "%s",
	             err.message);
	cr_assert_str_eq(tc_trunk_string(after, TC_F_NAME), "edge-1");
	cr_assert_eq(after->values[TC_F_MAX_CHANNELS].i, 7);

	struct tc_trunk *got = NULL;
	cr_assert_eq(tc_api_get(api, made->id, &got, &err), TC_OK, "%s", err.message);
	cr_assert_eq(got->values[TC_F_MAX_CHANNELS].i, 7);

	cr_assert_eq(tc_api_delete(api, made->id, &err), TC_OK, "%s", err.message);
	cr_assert_eq(err.http_status, 204);
	cr_assert_eq(tc_api_delete(api, made->id, &err), TC_NOT_FOUND);
	cr_assert_eq(err.http_status, 404);
	tc_error_clear(&err);
	cr_assert_eq(tc_api_get(api, made->id, NULL, &err), TC_NOT_FOUND);
	tc_error_clear(&err);
	tc_trunk_destroy(t);
	tc_trunk_destroy(made);
	tc_trunk_destroy(edit);
	tc_trunk_destroy(after);
	tc_trunk_destroy(got);
	tc_api_destroy(api);
}

Test(api, validation_errors_come_back_per_field)
{
	fake_start(&fk, NULL);
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *t = new_trunk("x");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, "ap-southeast-1"), TC_OK);
	cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 0), TC_OK);
	cr_assert_eq(tc_api_create(api, t, NULL, &err), TC_REJECTED);
	cr_assert_eq(err.http_status, 422);
	const struct tc_field_error *fe =
	    tc_field_errors_find(&err.fields, TC_F_REGION, TC_SEV_ERROR);
	cr_assert_not_null(fe);
	cr_assert_str_eq(fe->title, "is invalid");
	fe = tc_field_errors_find(&err.fields, TC_F_MAX_CHANNELS, TC_SEV_ERROR);
	cr_assert_not_null(fe);
	cr_assert_str_eq(fe->title, "must be greater than 0");
	tc_error_clear(&err);
	tc_trunk_destroy(t);
	tc_api_destroy(api);
}

static void collect_trace(void *ud, const char *line)
{
	size_t *n = ud;
	cr_assert_null(strstr(line, FAKE_TOKEN), "token in trace: %s", line);
	cr_assert_null(strstr(line, FAKE_UNSCOPED_TOKEN), "token in trace: %s", line);
	if (strstr(line, "Authorization: [redacted]"))
		(*n)++;
}

Test(api, tokens_are_refused_clearly_and_never_repeated)
{
	fake_start(&fk, NULL);
	size_t redacted = 0;
	struct tc_api_config cfg = {.trace = collect_trace, .trace_ud = &redacted};
	struct tc_error err;
	tc_error_init(&err);
	struct tc_api *api = fake_client(&fk, "not-the-token", &cfg);
	cr_assert_eq(tc_api_list(api, count_page, &(struct counter){0}, &err), TC_AUTH);
	cr_assert_eq(err.http_status, 401);
	cr_assert_not_null(strstr(err.message, "401"));
	cr_assert_null(strstr(err.message, "not-the-token"));
	tc_error_clear(&err);
	tc_api_destroy(api);

	api = fake_client(&fk, FAKE_UNSCOPED_TOKEN, &cfg);
	cr_assert_eq(tc_api_get(api, "5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10", NULL, &err),
	             TC_FORBIDDEN);
	cr_assert_not_null(strstr(err.message, "carrier_api scope"));
	cr_assert_null(strstr(err.message, FAKE_UNSCOPED_TOKEN));
	tc_error_clear(&err);
	tc_api_destroy(api);

	/* Basic auth carries the token as the password; the trace still hides it. */
	cfg.auth = TC_API_AUTH_BASIC;
	api = fake_client(&fk, FAKE_TOKEN, &cfg);
	cr_assert_eq(tc_api_list(api, count_page, &(struct counter){0}, &err), TC_OK, "%s",
	             err.message);
	cr_assert_geq(redacted, 3);
	tc_error_clear(&err);
	tc_api_destroy(api);
}

Test(api, a_host_that_is_not_the_api_subdomain_is_named_as_the_cause)
{
	fake_start(&fk, NULL);
	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", fk.port);
	struct tc_api_config cfg = {.base_url = base, .token = FAKE_TOKEN};
	struct tc_error err;
	tc_error_init(&err);
	struct tc_api *api = tc_api_new(&cfg, &err);
	cr_assert_not_null(api, "%s", err.message);
	/* A router 404 must never pass for "already deleted". */
	cr_assert_eq(tc_api_delete(api, "5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10", &err), TC_CONFIG);
	cr_assert_not_null(strstr(err.message, "api subdomain"), "%s", err.message);
	tc_error_clear(&err);
	tc_api_destroy(api);
}

Test(api, a_closed_port_is_unreachable)
{
	fake_start(&fk, NULL);
	fake_stop(&fk); /* nobody listens there now */
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_api_get(api, "5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10", NULL, &err),
	             TC_UNREACHABLE);
	cr_assert_eq(err.http_status, 0);
	cr_assert(tc_api_status_retryable(err.status));
	tc_error_clear(&err);
	tc_api_destroy(api);
}

/* Each fault, once, on a list request: the kind of failure, then a clean retry. */
static void fault_once(const char *kind, enum tc_status want, const struct tc_api_config *cfg)
{
	char doc[160];
	snprintf(doc, sizeof(doc), "{\"%s\":{\"count\":1}}", kind);
	fake_faults(&fk, doc);
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, cfg);
	struct tc_error err;
	tc_error_init(&err);
	struct counter c = {0};
	enum tc_status s = tc_api_list(api, count_page, &c, &err);
	cr_assert_eq(s, want, "%s: got %s (%s)", kind, tc_status_name(s), err.message);
	cr_assert_eq(c.pages, 0, "%s: a broken page was delivered", kind);
	cr_assert_null(strstr(err.message, FAKE_TOKEN));
	if (strcmp(kind, "hang") == 0) {
		fake_control(&fk, "POST", "reset", NULL, NULL); /* releases the hung request */
		/* The short timeout was for the hang; what must succeed gets the default. */
		tc_api_destroy(api);
		api = fake_client(&fk, FAKE_TOKEN,
		                  &(struct tc_api_config){.max_body = cfg->max_body});
	}
	tc_error_clear(&err);
	c = (struct counter){0};
	cr_assert_eq(tc_api_list(api, count_page, &c, &err), TC_OK, "%s then: %s", kind,
	             err.message);
	cr_assert_eq(c.trunks, 3);
	tc_error_clear(&err);
	tc_api_destroy(api);
}

Test(api, every_fault_is_a_clean_error)
{
	const char *args[] = {"--sample", "3", NULL};
	fake_start(&fk, args);
	struct tc_api_config small = {.max_body = 64 * 1024};
	fault_once("error", TC_SERVER, &small);
	fault_once("close", TC_UNREACHABLE, &small);
	fault_once("truncate", TC_PROTOCOL, &small);
	fault_once("malformed", TC_PROTOCOL, &small);
	fault_once("oversize", TC_PROTOCOL, &small);
	/* Only the hang needs a short timeout: nothing else may depend on the machine's speed. */
	fault_once("hang", TC_TIMEOUT,
	           &(struct tc_api_config){.max_body = 64 * 1024, .timeout_ms = 1500});
}

static bool holds(const char *text, const char *secret)
{
	return text && strstr(text, secret) != NULL;
}

/* Every piece of server text a tc_error keeps, for the secret (and the marker that replaced it). */
static void expect_redacted(const struct tc_error *err, const char *secret, const char *what)
{
	bool marked = holds(err->message, "[redacted]");
	cr_expect(!holds(err->message, secret), "%s: message \"%s\"", what, err->message);
	cr_expect(!holds(err->request_id, secret), "%s: request id \"%s\"", what, err->request_id);
	for (size_t i = 0; i < err->fields.count; i++) {
		const struct tc_field_error *e = &err->fields.items[i];
		cr_expect(!holds(e->title, secret) && !holds(e->pointer, secret),
		          "%s: field error %s \"%s\"", what, e->pointer, e->title);
		marked = marked || holds(e->title, "[redacted]");
	}
	cr_expect(marked, "%s: the echo was not seen: \"%s\"", what, err->message);
}

/* -v's lines that hold the token or Basic's credential, base64(":" FAKE_TOKEN). */
static void count_leaks(void *ud, const char *line)
{
	if (holds(line, FAKE_TOKEN) || holds(line, "Oml0ZXN0LXRva2VuLTVlM2M="))
		(*(size_t *)ud)++;
}

/* A server that echoes the Authorization header and the token in a 422, a 500 and a 400. */
Test(api, an_echoed_token_is_redacted_from_every_error)
{
	fake_start(&fk, NULL);
	static const struct {
		const char *faults;
		enum tc_api_auth auth;
		enum tc_status want;
	} cases[] = {
	    {"{\"echo_auth\":{\"count\":1,\"status\":422}}", TC_API_AUTH_BEARER, TC_REJECTED},
	    {"{\"echo_auth\":{\"count\":1,\"status\":500}}", TC_API_AUTH_BEARER, TC_SERVER},
	    {"{\"echo_auth\":{\"count\":1,\"status\":400}}", TC_API_AUTH_BEARER, TC_PROTOCOL},
	    /* Basic sends base64(":token"): the echo of the header holds that, not the token */
	    {"{\"echo_auth\":{\"count\":1,\"status\":422}}", TC_API_AUTH_BASIC, TC_REJECTED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_faults(&fk, cases[i].faults);
		size_t traced_leaks = 0;
		struct tc_api_config cfg = {
		    .auth = cases[i].auth, .trace = count_leaks, .trace_ud = &traced_leaks};
		struct tc_api *api = fake_client(&fk, FAKE_TOKEN, &cfg);
		struct tc_trunk *t = new_trunk("echo");
		struct tc_error err;
		tc_error_init(&err);
		enum tc_status s = tc_api_create(api, t, NULL, &err);
		cr_expect_eq(s, cases[i].want, "case %zu: %s (%s)", i, tc_status_name(s),
		             err.message);
		expect_redacted(&err, FAKE_TOKEN, cases[i].faults);
		/* ":token" in base64, as the Basic header carries it */
		if (cases[i].auth == TC_API_AUTH_BASIC)
			expect_redacted(&err, "Oml0ZXN0LXRva2VuLTVlM2M=", "basic");
		cr_expect_eq(traced_leaks, 0, "case %zu: -v traced the credential", i);
		tc_error_clear(&err);
		tc_trunk_destroy(t);
		tc_api_destroy(api);
	}
}

/* The redaction is for echoes: trunk data that happens to hold the token is the operator's. */
Test(api, a_name_holding_the_token_stays_exact)
{
	fake_start(&fk, NULL);
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct tc_trunk *t = new_trunk("pbx " FAKE_TOKEN);
	struct tc_trunk *made = NULL, *got = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_api_create(api, t, &made, &err), TC_OK, "%s", err.message);
	cr_expect_str_eq(tc_trunk_string(made, TC_F_NAME), "pbx " FAKE_TOKEN);
	cr_assert_eq(tc_api_get(api, made->id, &got, &err), TC_OK, "%s", err.message);
	cr_expect_str_eq(tc_trunk_string(got, TC_F_NAME), "pbx " FAKE_TOKEN);
	tc_error_clear(&err);
	tc_trunk_destroy(got);
	tc_trunk_destroy(made);
	tc_trunk_destroy(t);
	tc_api_destroy(api);
}

Test(api, rate_limits_carry_retry_after)
{
	const char *args[] = {"--retry-after", "7", NULL};
	fake_start(&fk, args);
	fake_faults(&fk, "{\"rate_limit\":{\"count\":1,\"retry_after\":7}}");
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_api_get(api, "5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10", NULL, &err),
	             TC_RATE_LIMITED);
	cr_assert_eq(err.http_status, 429);
	cr_assert_eq(err.retry_after, 7);
	cr_assert_geq(tc_api_backoff_ms(1, err.retry_after, 0), 7000);
	tc_error_clear(&err);
	tc_api_destroy(api);
}

Test(api, independent_requests_run_together_on_a_few_connections)
{
	fake_start(&fk, NULL);
	struct tc_api_config cfg = {.max_connections = 3};
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, &cfg);
	enum { N = 12 };
	struct tc_trunk *ts[N];
	struct tc_api_request reqs[N];
	memset(reqs, 0, sizeof(reqs));
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "batch-%02d", i);
		ts[i] = new_trunk(name);
		reqs[i].op = TC_API_CREATE;
		reqs[i].trunk = ts[i];
		tc_error_init(&reqs[i].err);
	}
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_api_run(api, reqs, N, &err), TC_OK);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(reqs[i].status, TC_OK, "%d: %s", i, reqs[i].err.message);
		cr_assert_eq(reqs[i].http_status, 201);
		cr_assert_str_eq(tc_trunk_string(reqs[i].result, TC_F_NAME),
		                 tc_trunk_string(ts[i], TC_F_NAME));
		tc_trunk_destroy(reqs[i].result);
		tc_trunk_destroy(ts[i]);
	}
	struct tc_api_stats st;
	tc_api_get_stats(api, &st);
	cr_assert_leq(st.connects, 3);
	cr_assert_geq(st.connects, 1);
	struct counter c = {0};
	cr_assert_eq(tc_api_list(api, count_page, &c, &err), TC_OK);
	cr_assert_eq(c.trunks, N);
	tc_api_destroy(api);
}

/* A listing the server cannot keep going: each stops at once with TC_PROTOCOL. */
static struct tc_error hostile_list(const char *faults, const struct tc_api_config *cfg,
                                    struct counter *c, long long *gets)
{
	if (faults)
		fake_faults(&fk, faults);
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, cfg);
	long long before = fake_stat(&fk, "requests.GET");
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status s = tc_api_list(api, count_page, c, &err);
	cr_assert_eq(s, TC_PROTOCOL, "got %s (%s)", tc_status_name(s), err.message);
	*gets = fake_stat(&fk, "requests.GET") - before;
	tc_api_destroy(api);
	return err;
}

Test(api, a_next_link_back_to_a_fetched_page_stops_the_listing)
{
	const char *args[] = {"--sample", "3", NULL};
	fake_start(&fk, args);
	struct counter c = {0};
	long long gets;
	struct tc_error err = hostile_list("{\"next_loop\":{\"count\":1}}", NULL, &c, &gets);
	cr_assert_not_null(strstr(err.message, "leads back to a page already fetched"), "%s",
	                   err.message);
	cr_assert_eq(c.pages, 1);
	cr_assert_eq(gets, 1, "the page linked to again was asked for again");
	tc_error_clear(&err);
}

Test(api, a_page_repeating_trunks_stops_the_listing_before_it_is_delivered)
{
	const char *args[] = {"--sample", "5", NULL};
	fake_start(&fk, args);
	struct counter c = {0};
	long long gets;
	struct tc_error err = hostile_list("{\"repeat_ids\":{\"count\":1}}", NULL, &c, &gets);
	cr_assert_not_null(strstr(err.message, "twice in one pull"), "%s", err.message);
	cr_assert_eq(c.pages, 1, "the page with repeated trunks was delivered");
	cr_assert_eq(c.trunks, 5);
	tc_error_clear(&err);
}

Test(api, an_announced_oversized_page_is_refused_before_it_is_read)
{
	const char *args[] = {"--sample", "3", NULL};
	fake_start(&fk, args);
	struct counter c = {0};
	long long gets;
	struct tc_error err = hostile_list("{\"big_page\":{\"count\":1}}", NULL, &c, &gets);
	cr_assert_not_null(strstr(err.message, "announces an answer of 1073741824 bytes"), "%s",
	                   err.message);
	cr_assert_eq(c.pages, 0);
	tc_error_clear(&err);
}

Test(api, a_listing_stops_at_its_trunk_and_byte_limits)
{
	const char *args[] = {"--sample", "5", NULL};
	fake_start(&fk, args);
	struct counter c = {0};
	long long gets;
	struct tc_api_config few = {.page_size = 2, .max_list_trunks = 3};
	struct tc_error err = hostile_list(NULL, &few, &c, &gets);
	cr_assert_not_null(strstr(err.message, "more than 3 trunks"), "%s", err.message);
	cr_assert_eq(c.trunks, 2, "a page past the limit was delivered");
	tc_error_clear(&err);

	c = (struct counter){0};
	struct tc_api_config small = {.page_size = 2, .max_list_bytes = 64};
	err = hostile_list(NULL, &small, &c, &gets);
	cr_assert_not_null(strstr(err.message, "larger than 64 bytes"), "%s", err.message);
	cr_assert_eq(c.pages, 0);
	tc_error_clear(&err);
}
