#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/api.h"

Test(url, collection_item_and_query)
{
	char *u = tc_api_build_url("https://api.somleng.org", NULL, NULL);
	cr_assert_str_eq(u, "https://api.somleng.org/carrier/v1/sip_trunks");
	free(u);
	u = tc_api_build_url("https://api.somleng.org//", "5f0c7a3e-8d2b", NULL);
	cr_assert_str_eq(u, "https://api.somleng.org/carrier/v1/sip_trunks/5f0c7a3e-8d2b");
	free(u);
	u = tc_api_build_url("http://api.fake.test:8080/prefix/", NULL, "page%5Bsize%5D=100");
	cr_assert_str_eq(
	    u, "http://api.fake.test:8080/prefix/carrier/v1/sip_trunks?page%5Bsize%5D=100");
	free(u);
	u = tc_api_build_url("https://api.somleng.org", NULL, "");
	cr_assert_str_eq(u, "https://api.somleng.org/carrier/v1/sip_trunks");
	free(u);
}

Test(url, ids_are_escaped_so_they_cannot_change_the_path)
{
	char *u = tc_api_build_url("https://api.somleng.org", "../accounts?x=1#y", NULL);
	cr_assert_str_eq(u,
	                 "https://api.somleng.org/carrier/v1/sip_trunks/..%2Faccounts%3Fx%3D1%23y");
	free(u);
}

Test(resolve, parses_host_port_and_address)
{
	char host[64], addr[64];
	int port = 0;
	cr_assert_eq(tc_api_parse_resolve("api.fake.test:8080:127.0.0.1", host, sizeof(host), &port,
	                                  addr, sizeof(addr)),
	             TC_OK);
	cr_assert_str_eq(host, "api.fake.test");
	cr_assert_eq(port, 8080);
	cr_assert_str_eq(addr, "127.0.0.1");
	cr_assert_eq(tc_api_parse_resolve("api.example.com:443:[::1]", host, sizeof(host), &port,
	                                  addr, sizeof(addr)),
	             TC_OK);
	cr_assert_str_eq(addr, "::1");
	cr_assert_eq(port, 443);
}

Test(resolve, refuses_malformed_entries)
{
	static const char *const bad[] = {
	    "",           "api.x.test",     "api.x.test:80",     ":80:127.0.0.1",
	    "h::1.2.3.4", "h:0:127.0.0.1",  "h:65536:127.0.0.1", "h:8a:127.0.0.1",
	    "h:80:",      "h:80:not-an-ip", "h:80:127.0.0.1.5",  "h:80:[::1",
	};
	char host[64], addr[64];
	int port;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(
		    tc_api_parse_resolve(bad[i], host, sizeof(host), &port, addr, sizeof(addr)),
		    TC_CONFIG, "accepted \"%s\"", bad[i]);
	cr_assert_eq(tc_api_parse_resolve(NULL, host, sizeof(host), &port, addr, sizeof(addr)),
	             TC_CONFIG);
	/* A host that does not fit the caller's buffer is refused, not truncated. */
	cr_assert_eq(tc_api_parse_resolve("api.example.com:80:127.0.0.1", host, 8, &port, addr,
	                                  sizeof(addr)),
	             TC_CONFIG);
}

Test(loopback, only_this_machine)
{
	static const char *const yes[] = {
	    "127.0.0.1",     "127.3.4.5",        "::1",
	    "[::1]",         "localhost",        "LOCALHOST",
	    "api.localhost", "::ffff:127.0.0.1", "[::ffff:127.9.9.9]"};
	static const char *const no[] = {"10.0.0.1",
	                                 "128.0.0.1",
	                                 "::2",
	                                 "",
	                                 "api.somleng.org",
	                                 "localhost.example.com",
	                                 "0.0.0.0",
	                                 "::ffff:8.8.8.8",
	                                 "127.0.0.1.nip.io",
	                                 "::ffff:128.0.0.1",
	                                 "::127.0.0.1"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		cr_assert(tc_api_is_loopback(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		cr_assert_not(tc_api_is_loopback(no[i]), "%s", no[i]);
	cr_assert_not(tc_api_is_loopback(NULL));
}

static void redact(const char *line, const char *token, char *out, size_t size)
{
	tc_api_redact_line(line, strlen(line), token, out, size);
}

Test(redaction, credentials_never_survive)
{
	char out[256];
	redact("Authorization: Bearer s3cr3t-token", "s3cr3t-token", out, sizeof(out));
	cr_assert_str_eq(out, "Authorization: [redacted]");
	redact("authorization: Basic OnMzY3IzdC10b2tlbg==", "s3cr3t-token", out, sizeof(out));
	cr_assert_str_eq(out, "Authorization: [redacted]");
	redact("Cookie: session=abc", NULL, out, sizeof(out));
	cr_assert_str_eq(out, "Cookie: [redacted]");
	redact("X-Echo: was s3cr3t-token and s3cr3t-token again\r\n", "s3cr3t-token", out,
	       sizeof(out));
	cr_assert_str_eq(out, "X-Echo: was [redacted] and [redacted] again");
	redact("Host: api.somleng.org", "s3cr3t-token", out, sizeof(out));
	cr_assert_str_eq(out, "Host: api.somleng.org");
	/* A header merely starting with the word is not a credential header. */
	redact("Authorization-Hint: none", "tok", out, sizeof(out));
	cr_assert_str_eq(out, "Authorization-Hint: none");
}

Test(redaction, small_buffers_truncate_without_leaking)
{
	char out[12];
	redact("X: aaaa s3cr3t-token", "s3cr3t-token", out, sizeof(out));
	cr_assert_null(strstr(out, "s3cr3t"));
	cr_assert_lt(strlen(out), sizeof(out));
	/* Control characters from a hostile server do not reach the terminal. */
	char out2[64];
	redact("X-Evil: \x1b[2Jboom", NULL, out2, sizeof(out2));
	cr_assert_str_eq(out2, "X-Evil: ?[2Jboom");
}

Test(content_type, json_api_and_json_only)
{
	cr_assert(tc_api_content_type_is_json("application/vnd.api+json; charset=utf-8"));
	cr_assert(tc_api_content_type_is_json("application/vnd.api+json"));
	cr_assert(tc_api_content_type_is_json("Application/JSON;charset=utf-8"));
	cr_assert_not(tc_api_content_type_is_json("text/html"));
	cr_assert_not(tc_api_content_type_is_json("application/jsonp"));
	cr_assert_not(tc_api_content_type_is_json("application/vnd.api+json2"));
	cr_assert_not(tc_api_content_type_is_json(NULL));
	cr_assert_not(tc_api_content_type_is_json(""));
}

Test(backoff, grows_with_equal_jitter_up_to_the_cap)
{
	int64_t prev_floor = 0;
	for (unsigned attempt = 1; attempt <= 20; attempt++) {
		int64_t lo = tc_api_backoff_ms(attempt, 0, 0);
		int64_t hi = tc_api_backoff_ms(attempt, 0, UINT32_MAX);
		int64_t step = 1000LL << (attempt - 1 < 20 ? attempt - 1 : 20);
		if (step > 300000)
			step = 300000;
		cr_assert_eq(lo, step / 2, "attempt %u", attempt);
		cr_assert_leq(hi, step, "attempt %u", attempt);
		cr_assert_geq(hi, lo);
		cr_assert_geq(lo, prev_floor);
		prev_floor = lo;
		for (uint32_t r = 1; r < 4000000000u; r += 777777777u) {
			int64_t d = tc_api_backoff_ms(attempt, 0, r);
			cr_assert(d >= lo && d <= step);
		}
	}
	cr_assert_eq(tc_api_backoff_ms(0, 0, 0), tc_api_backoff_ms(1, 0, 0));
	cr_assert_eq(tc_api_backoff_ms(60, 0, 0), 150000);
}

Test(backoff, retry_after_is_honoured_and_capped)
{
	cr_assert_eq(tc_api_backoff_ms(1, 30, 0), 30000);
	/* Never sooner than our own schedule, even when the server asks for 1 s. */
	cr_assert_eq(tc_api_backoff_ms(5, 1, 0), 8000);
	cr_assert_eq(tc_api_backoff_ms(1, 86400 * 365, 0), 3600000);
	cr_assert_eq(tc_api_backoff_ms(1, -5, 0), 500);
}

Test(retryable, only_transient_failures)
{
	cr_assert(tc_api_status_retryable(TC_UNREACHABLE));
	cr_assert(tc_api_status_retryable(TC_TIMEOUT));
	cr_assert(tc_api_status_retryable(TC_RATE_LIMITED));
	cr_assert(tc_api_status_retryable(TC_SERVER));
	cr_assert_not(tc_api_status_retryable(TC_AUTH));
	cr_assert_not(tc_api_status_retryable(TC_FORBIDDEN));
	cr_assert_not(tc_api_status_retryable(TC_REJECTED));
	cr_assert_not(tc_api_status_retryable(TC_NOT_FOUND));
	cr_assert_not(tc_api_status_retryable(TC_PROTOCOL));
	cr_assert_not(tc_api_status_retryable(TC_OK));
}

static struct tc_api *make(const char *base, const char *const *resolve, size_t nres, bool allow,
                           struct tc_error *err)
{
	struct tc_api_config cfg = {
	    .base_url = base,
	    .token = "t0ken",
	    .resolve = resolve,
	    .resolve_count = nres,
	    .allow_insecure_http = allow,
	};
	return tc_api_new(&cfg, err);
}

static void expect_made(const char *base, const char *const *resolve, size_t nres, bool allow)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_api *api = make(base, resolve, nres, allow, &err);
	cr_assert_not_null(api, "%s: %s", base, err.message);
	tc_api_destroy(api);
	tc_error_clear(&err);
}

/* Leaves the error in err for the caller to check further and clear. */
static void expect_refused(const char *base, const char *const *resolve, size_t nres, bool allow,
                           enum tc_status status, struct tc_error *err)
{
	cr_assert_null(make(base, resolve, nres, allow, err), "%s", base);
	cr_assert_eq(err->status, status, "%s: %s", base, err->message);
}

Test(config, plain_http_only_to_loopback_unless_allowed)
{
	struct tc_error err;
	tc_error_init(&err);
	expect_made("https://api.somleng.org", NULL, 0, false);
	expect_made("http://127.0.0.1:3000", NULL, 0, false);

	expect_refused("http://api.somleng.org", NULL, 0, false, TC_SECURITY, &err);
	cr_assert_not_null(strstr(err.message, "api.somleng.org"));
	cr_assert_not_null(strstr(err.message, "--allow-http"), "%s", err.message);
	cr_assert_not_null(strstr(err.message, "allow_http = true"), "%s", err.message);
	cr_assert_null(strstr(err.message, "t0ken"));
	tc_error_clear(&err);

	static const char *const to_lo[] = {"api.fake.test:8080:127.0.0.1"};
	expect_made("http://api.fake.test:8080", to_lo, 1, false);
	/* Resolved to loopback on another port does not count. */
	expect_refused("http://api.fake.test:9090", to_lo, 1, false, TC_SECURITY, &err);
	tc_error_clear(&err);
	static const char *const to_lan[] = {"api.fake.test:80:192.168.1.5"};
	expect_refused("http://api.fake.test", to_lan, 1, false, TC_SECURITY, &err);
	tc_error_clear(&err);

	expect_made("http://api.somleng.org", NULL, 0, true);
}

Test(config, bad_urls_tokens_and_resolve_entries)
{
	struct tc_error err;
	tc_error_init(&err);
	static const char *const bad_urls[] = {"", "ftp://api.somleng.org", "api.somleng.org",
	                                       "https://api.somleng.org?x=1",
	                                       "https://user@api.somleng.org"};
	for (size_t i = 0; i < sizeof(bad_urls) / sizeof(*bad_urls); i++) {
		expect_refused(bad_urls[i], NULL, 0, false, TC_CONFIG, &err);
		tc_error_clear(&err);
	}
	static const char *const bad_res[] = {"api.fake.test:80"};
	expect_refused("https://api.fake.test", bad_res, 1, false, TC_CONFIG, &err);
	tc_error_clear(&err);

	struct tc_api_config cfg = {.base_url = "https://api.somleng.org", .token = "a b"};
	cr_assert_null(tc_api_new(&cfg, &err));
	cr_assert_eq(err.status, TC_CONFIG);
	cr_assert_null(strstr(err.message, "a b"));
	tc_error_clear(&err);
	cfg.token = NULL;
	cr_assert_null(tc_api_new(&cfg, &err));
	cr_assert_eq(err.status, TC_CONFIG);
	tc_error_clear(&err);
	tc_api_destroy(NULL);
}
