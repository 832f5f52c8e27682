/*
 * explicit_bzero, outside POSIX (glibc, the BSDs): a wipe of the secret that
 * the compiler may not drop as a store to memory about to be freed.
 */
#define _DEFAULT_SOURCE
#include "trunkctl/api.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "trunkctl/jsonapi.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_LOW_SPEED_TIME_S 20L
#define DEFAULT_LOW_SPEED_LIMIT 100L
#define DEFAULT_MAX_BODY ((size_t)32 << 20)
#define DEFAULT_MAX_LIST_TRUNKS ((size_t)1000000)
#define DEFAULT_MAX_LIST_BYTES ((uint64_t)2 << 30)
#define MAX_LIST_PAGES 100000UL
#define POLL_SLICE_MS 200

#define BACKOFF_BASE_MS 1000LL
#define BACKOFF_CAP_MS (5LL * 60 * 1000)
#define RETRY_AFTER_CAP_S (60L * 60)

#define REDACTED "[redacted]"

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

/* ---------------------------------------------------------------- pure helpers */

bool tc_api_status_retryable(enum tc_status status)
{
	switch (status) {
	case TC_UNREACHABLE:
	case TC_TIMEOUT:
	case TC_RATE_LIMITED:
	case TC_SERVER:
		return true;
	default:
		return false;
	}
}

int64_t tc_api_backoff_ms(unsigned attempt, long retry_after_s, uint32_t rnd)
{
	if (attempt < 1)
		attempt = 1;
	int64_t ceiling = BACKOFF_BASE_MS;
	for (unsigned i = 1; i < attempt && ceiling < BACKOFF_CAP_MS; i++)
		ceiling *= 2;
	if (ceiling > BACKOFF_CAP_MS)
		ceiling = BACKOFF_CAP_MS;
	/* Equal jitter: never retry sooner than half the step, spread the rest. */
	int64_t half = ceiling / 2;
	int64_t delay = half + (int64_t)(rnd % (uint32_t)(half + 1));
	int64_t asked = tc_api_retry_after_ms(retry_after_s);
	return asked > delay ? asked : delay;
}

int64_t tc_api_retry_after_ms(long retry_after_s)
{
	if (retry_after_s <= 0)
		return 0;
	long ra = retry_after_s > RETRY_AFTER_CAP_S ? RETRY_AFTER_CAP_S : retry_after_s;
	return (int64_t)ra * 1000;
}

char *tc_api_build_url(const char *base, const char *id, const char *query)
{
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	char *escaped = NULL;
	if (id) {
		escaped = curl_easy_escape(NULL, id, 0);
		if (!escaped)
			return NULL;
	}
	size_t len = blen + strlen(TC_API_COLLECTION_PATH) + (escaped ? 1 + strlen(escaped) : 0) +
	             (query && *query ? 1 + strlen(query) : 0) + 1;
	char *url = malloc(len);
	if (url)
		snprintf(url, len, "%.*s%s%s%s%s%s", (int)blen, base, TC_API_COLLECTION_PATH,
		         escaped ? "/" : "", escaped ? escaped : "", query && *query ? "?" : "",
		         query && *query ? query : "");
	curl_free(escaped);
	return url;
}

enum tc_status tc_api_parse_resolve(const char *spec, char *host, size_t host_size, int *port,
                                    char *addr, size_t addr_size)
{
	if (!spec)
		return TC_CONFIG;
	const char *c1 = strchr(spec, ':');
	if (!c1 || c1 == spec || (size_t)(c1 - spec) >= host_size)
		return TC_CONFIG;
	const char *c2 = strchr(c1 + 1, ':');
	if (!c2 || c2 == c1 + 1)
		return TC_CONFIG;
	long p = 0;
	for (const char *s = c1 + 1; s < c2; s++) {
		if (!isdigit((unsigned char)*s))
			return TC_CONFIG;
		p = p * 10 + (*s - '0');
		if (p > 65535)
			return TC_CONFIG;
	}
	if (p == 0)
		return TC_CONFIG;
	const char *a = c2 + 1;
	size_t alen = strlen(a);
	if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
		a++;
		alen -= 2;
	}
	if (alen == 0 || alen >= addr_size)
		return TC_CONFIG;
	char tmp[64];
	if (alen >= sizeof(tmp))
		return TC_CONFIG;
	memcpy(tmp, a, alen);
	tmp[alen] = '\0';
	unsigned char buf[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, tmp, buf) != 1 && inet_pton(AF_INET6, tmp, buf) != 1)
		return TC_CONFIG;
	memcpy(host, spec, (size_t)(c1 - spec));
	host[c1 - spec] = '\0';
	*port = (int)p;
	memcpy(addr, tmp, alen + 1);
	return TC_OK;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

bool tc_api_is_loopback(const char *host_or_addr)
{
	if (!host_or_addr || !*host_or_addr)
		return false;
	char tmp[64];
	size_t len = strlen(host_or_addr);
	const char *h = host_or_addr;
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
	}
	if (len >= sizeof(tmp))
		return false;
	memcpy(tmp, h, len);
	tmp[len] = '\0';
	if (strcasecmp(tmp, "localhost") == 0 || ends_with_ci(tmp, ".localhost"))
		return true;
	struct in_addr v4;
	if (inet_pton(AF_INET, tmp, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	struct in6_addr v6;
	if (inet_pton(AF_INET6, tmp, &v6) == 1)
		/* a dual-stack resolver reports 127.0.0.1 as ::ffff:127.0.0.1 */
		return IN6_IS_ADDR_LOOPBACK(&v6) ||
		       (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
	return false;
}

static bool header_name_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

void tc_api_redact_line(const char *line, size_t len, const char *token, char *out, size_t out_size)
{
	if (!out_size)
		return;
	static const char *const secret_headers[] = {"Authorization", "Proxy-Authorization",
	                                             "Cookie", "Set-Cookie"};
	for (size_t i = 0; i < sizeof(secret_headers) / sizeof(*secret_headers); i++) {
		if (header_name_is(line, len, secret_headers[i])) {
			snprintf(out, out_size, "%s: " REDACTED, secret_headers[i]);
			return;
		}
	}
	size_t tlen = token ? strlen(token) : 0;
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < out_size;) {
		if (tlen && i + tlen <= len && memcmp(line + i, token, tlen) == 0) {
			size_t r = strlen(REDACTED);
			if (o + r >= out_size)
				break;
			memcpy(out + o, REDACTED, r);
			o += r;
			i += tlen;
			continue;
		}
		unsigned char ch = (unsigned char)line[i++];
		if (ch == '\r' || ch == '\n')
			continue;
		out[o++] = (ch < 0x20 && ch != '\t') ? '?' : (char)ch;
	}
	out[o] = '\0';
}

bool tc_api_content_type_is_json(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	static const char *const types[] = {"application/vnd.api+json", "application/json"};
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(types[i]);
		if (strncasecmp(ct, types[i], n) == 0 &&
		    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------- setup */

static char *base64(const char *in)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(in);
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

void tc_api_wipe_free(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

static char *make_auth_header(const char *token, enum tc_api_auth auth)
{
	char *cred = NULL;
	const char *scheme = "Bearer";
	if (auth == TC_API_AUTH_BASIC) {
		size_t n = strlen(token) + 2;
		char *pair = malloc(n);
		if (!pair)
			return NULL;
		snprintf(pair, n, ":%s", token);
		cred = base64(pair);
		tc_api_wipe_free(pair);
		if (!cred)
			return NULL;
		scheme = "Basic";
	}
	const char *value = cred ? cred : token;
	size_t n = strlen("Authorization: ") + strlen(scheme) + 1 + strlen(value) + 1;
	char *h = malloc(n);
	if (h)
		snprintf(h, n, "Authorization: %s %s", scheme, value);
	tc_api_wipe_free(cred);
	return h;
}

static bool token_is_header_safe(const char *token)
{
	for (const unsigned char *p = (const unsigned char *)token; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return *token != '\0';
}

/*
 * The base URL must be http(s) with a host and nothing after the path; plain
 * http must stay on this machine unless the operator said otherwise.
 */
static enum tc_status check_base(const struct tc_api_config *cfg, struct tc_error *err)
{
	CURLU *u = curl_url();
	if (!u)
		return tc_error_set(err, TC_NOMEM, NULL);
	char *scheme = NULL, *host = NULL, *port = NULL, *query = NULL, *frag = NULL, *user = NULL;
	enum tc_status rc = TC_OK;
	if (curl_url_set(u, CURLUPART_URL, cfg->base_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = tc_error_set(err, TC_CONFIG, "the API base URL \"%s\" is not a valid URL",
		                  cfg->base_url);
		goto out;
	}
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	if (query || frag || user) {
		rc = tc_error_set(err, TC_CONFIG,
		                  "the API base URL must not carry a query, fragment or user name");
		goto out;
	}
	bool https = strcasecmp(scheme, "https") == 0;
	if (!https && strcasecmp(scheme, "http") != 0) {
		rc = tc_error_set(err, TC_CONFIG, "the API base URL must start with https://");
		goto out;
	}
	if (https || cfg->allow_insecure_http)
		goto out;
	long portnum = 80;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
		portnum = strtol(port, NULL, 10);
	bool loop = tc_api_is_loopback(host);
	for (size_t i = 0; !loop && i < cfg->resolve_count; i++) {
		char rhost[256], raddr[64];
		int rport;
		if (tc_api_parse_resolve(cfg->resolve[i], rhost, sizeof(rhost), &rport, raddr,
		                         sizeof(raddr)) == TC_OK &&
		    strcasecmp(rhost, host) == 0 && rport == portnum && tc_api_is_loopback(raddr))
			loop = true;
	}
	if (!loop)
		rc = tc_error_set(err, TC_SECURITY,
		                  "plain http to %s would send the token unencrypted; use https, "
		                  "or pass --allow-http / set allow_http = true if you accept "
		                  "sending the token in clear",
		                  host);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(query);
	curl_free(frag);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

struct tc_api *tc_api_new(const struct tc_api_config *cfg, struct tc_error *err)
{
	if (!cfg || !cfg->base_url || !*cfg->base_url) {
		tc_error_set(err, TC_CONFIG, "no API base URL is configured");
		return NULL;
	}
	if (!cfg->token || !token_is_header_safe(cfg->token)) {
		tc_error_set(err, TC_CONFIG,
		             cfg->token ? "the API token contains spaces or control characters"
		                        : "no API token is configured");
		return NULL;
	}
	/*
	 * Reference-counted and thread-safe in libcurl >= 7.84 built "threadsafe"
	 * (Debian's is): each handle holds one reference, so nothing global is ours.
	 */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		tc_error_set(err, TC_NOMEM, "libcurl could not be initialised");
		return NULL;
	}
	struct tc_api *api = calloc(1, sizeof(*api));
	if (!api) {
		curl_global_cleanup();
		tc_error_set(err, TC_NOMEM, NULL);
		return NULL;
	}
	if (check_base(cfg, err) != TC_OK) {
		tc_api_free(api);
		return NULL;
	}
	for (size_t i = 0; i < cfg->resolve_count; i++) {
		char h[256], a[64];
		int p;
		if (tc_api_parse_resolve(cfg->resolve[i], h, sizeof(h), &p, a, sizeof(a)) !=
		    TC_OK) {
			tc_error_set(err, TC_CONFIG,
			             "resolve override \"%s\" is not HOST:PORT:ADDRESS",
			             cfg->resolve[i]);
			tc_api_free(api);
			return NULL;
		}
		struct curl_slist *n = curl_slist_append(api->resolve, cfg->resolve[i]);
		if (!n)
			goto nomem;
		api->resolve = n;
	}
	size_t blen = strlen(cfg->base_url);
	while (blen > 0 && cfg->base_url[blen - 1] == '/')
		blen--;
	api->base = strndup(cfg->base_url, blen);
	api->token = strdup(cfg->token);
	api->auth_header = make_auth_header(cfg->token, cfg->auth);
	api->user_agent = strdup(cfg->user_agent ? cfg->user_agent : "trunkctl");
	api->ca_file = cfg->ca_file ? strdup(cfg->ca_file) : NULL;
	if (!api->base || !api->token || !api->auth_header || !api->user_agent ||
	    (cfg->ca_file && !api->ca_file))
		goto nomem;
	api->connect_timeout_ms =
	    cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
	api->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	api->low_speed_time_s =
	    cfg->low_speed_time_s > 0 ? cfg->low_speed_time_s : DEFAULT_LOW_SPEED_TIME_S;
	api->low_speed_limit =
	    cfg->low_speed_limit > 0 ? cfg->low_speed_limit : DEFAULT_LOW_SPEED_LIMIT;
	api->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
	api->max_list_trunks =
	    cfg->max_list_trunks ? cfg->max_list_trunks : DEFAULT_MAX_LIST_TRUNKS;
	api->max_list_bytes = cfg->max_list_bytes ? cfg->max_list_bytes : DEFAULT_MAX_LIST_BYTES;
	api->max_connections =
	    cfg->max_connections ? cfg->max_connections : TC_API_DEFAULT_CONNECTIONS;
	if (api->max_connections > TC_API_MAX_CONNECTIONS)
		api->max_connections = TC_API_MAX_CONNECTIONS;
	api->page_size = cfg->page_size ? cfg->page_size : TC_API_PAGE_SIZE;
	if (api->page_size > TC_API_PAGE_SIZE)
		api->page_size = TC_API_PAGE_SIZE;
	api->trace = cfg->trace;
	api->trace_ud = cfg->trace_ud;
	api->cancel = cfg->cancel;
	api->multi = curl_multi_init();
	api->share = curl_share_init();
	if (!api->multi || !api->share)
		goto nomem;
	curl_share_setopt(api->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(api->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	/* One host: a handful of connections, each kept alive for the next request. */
	curl_multi_setopt(api->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)api->max_connections);
	curl_multi_setopt(api->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)api->max_connections);
	curl_multi_setopt(api->multi, CURLMOPT_MAXCONNECTS, (long)api->max_connections);
	return api;
nomem:
	tc_error_set(err, TC_NOMEM, NULL);
	tc_api_free(api);
	return NULL;
}

void tc_api_free(struct tc_api *api)
{
	if (!api)
		return;
	if (api->multi)
		curl_multi_cleanup(api->multi);
	if (api->share)
		curl_share_cleanup(api->share);
	curl_slist_free_all(api->resolve);
	free(api->base);
	tc_api_wipe_free(api->token);
	tc_api_wipe_free(api->auth_header);
	free(api->ca_file);
	free(api->user_agent);
	free(api);
	curl_global_cleanup();
}

void tc_api_get_stats(const struct tc_api *api, struct tc_api_stats *out)
{
	*out = api->stats;
}

/* ---------------------------------------------------------------- transfers */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	/* The cap lives here: curl 7.88 ignores MAXFILESIZE on chunked bodies. */
	if (x->resp_len + n > x->api->max_body) {
		x->too_large = true;
		return 0;
	}
	if (x->resp_len + n + 1 > x->resp_cap) {
		size_t cap = x->resp_cap ? x->resp_cap : 16384;
		while (cap < x->resp_len + n + 1)
			cap *= 2;
		char *p = realloc(x->resp, cap);
		if (!p)
			return 0;
		x->resp = p;
		x->resp_cap = cap;
	}
	memcpy(x->resp + x->resp_len, data, n);
	x->resp_len += n;
	x->resp[x->resp_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new answer (after 100 Continue, say). */
		x->request_id[0] = '\0';
		x->date_ms = 0;
		x->announced = -1;
	} else if (header_name_is(data, n, "Content-Length")) {
		x->announced = strtoll(data + strlen("Content-Length:"), NULL, 10);
	} else if (header_name_is(data, n, "Date")) {
		char date[64];
		size_t len = n - strlen("Date:");
		if (len >= sizeof(date))
			len = sizeof(date) - 1;
		memcpy(date, data + strlen("Date:"), len);
		date[len] = '\0';
		time_t t = curl_getdate(date, NULL);
		x->date_ms = t > 0 ? (int64_t)t * 1000 : 0;
	} else if (header_name_is(data, n, "X-Request-Id")) {
		const char *v = data + strlen("X-Request-Id:");
		const char *end = data + n;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && isspace((unsigned char)end[-1]))
			end--;
		size_t len = (size_t)(end - v);
		if (len >= sizeof(x->request_id))
			len = sizeof(x->request_id) - 1;
		size_t o = 0;
		for (size_t i = 0; i < len; i++)
			if (isprint((unsigned char)v[i]))
				x->request_id[o++] = v[i];
		x->request_id[o] = '\0';
	}
	return n;
}

static char *redacted_copy(const struct tc_api *api, const char *s, size_t len, size_t *out_len);

static void trace_lines(struct tc_api *api, const char *prefix, const char *data, size_t size)
{
	char line[1024], out[1100];
	const char *p = data, *end = data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* an echo of Basic's base64 credential, which tc_api_redact_line does not know */
		size_t clean_len = 0;
		char *clean = redacted_copy(api, p, len, &clean_len);
		line[0] = '\0';
		if (clean)
			tc_api_redact_line(clean, clean_len, api->token, line, sizeof(line));
		free(clean);
		if (line[0]) {
			snprintf(out, sizeof(out), "%s %s", prefix, line);
			api->trace(api->trace_ud, out);
		}
		p = nl ? nl + 1 : end;
	}
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *ud)
{
	struct tc_api *api = ud;
	char msg[96];
	(void)easy;
	switch (type) {
	case CURLINFO_TEXT:
		trace_lines(api, "*", data, size);
		break;
	case CURLINFO_HEADER_OUT:
		trace_lines(api, ">", data, size);
		break;
	case CURLINFO_HEADER_IN:
		trace_lines(api, "<", data, size);
		break;
	/* Bodies carry SIP passwords: only their size is traced. */
	case CURLINFO_DATA_OUT:
		snprintf(msg, sizeof(msg), "> [%zu bytes of body]", size);
		api->trace(api->trace_ud, msg);
		break;
	case CURLINFO_DATA_IN:
		snprintf(msg, sizeof(msg), "< [%zu bytes of body]", size);
		api->trace(api->trace_ud, msg);
		break;
	default:
		break;
	}
	return 0;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const struct tc_api *api = ud;
	(void)dt, (void)dn, (void)ut, (void)un;
	return api->cancel && atomic_load(api->cancel) ? 1 : 0;
}

static void xfer_release(struct xfer *x)
{
	if (x->easy) {
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	free(x->url);
	x->url = NULL;
	free(x->body);
	x->body = NULL;
	free(x->resp);
	x->resp = NULL;
	x->resp_len = x->resp_cap = 0;
}

static bool add_header(struct xfer *x, const char *h)
{
	struct curl_slist *n = curl_slist_append(x->headers, h);
	if (!n)
		return false;
	x->headers = n;
	return true;
}

/* Prepares x->easy for x->url with method and optional JSON body. */
static enum tc_status xfer_prepare(struct xfer *x, const char *method, struct tc_error *err)
{
	struct tc_api *api = x->api;
	CURL *e = curl_easy_init();
	if (!e)
		return tc_error_set(err, TC_NOMEM, NULL);
	x->easy = e;
	/*
	 * No Accept header asking for JSON: the API's routes answer JSON anyway,
	 * and only without it does the router's 404 stay HTML, which is how a
	 * wrong host is told apart from a trunk that is gone.
	 */
	if (!add_header(x, api->auth_header) || !add_header(x, "Expect:") ||
	    (x->body && !add_header(x, "Content-Type: application/vnd.api+json")))
		return tc_error_set(err, TC_NOMEM, NULL);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_SHARE, api->share);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* A redirect would carry the token to wherever it points: never follow. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, api->user_agent);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, api->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, api->timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, api->low_speed_time_s);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, api->low_speed_limit);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (api->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, api->ca_file);
	if (api->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, api->resolve);
	/* An announced Content-Length over the cap is refused before any of it is read. */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)api->max_body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_msg);
	if (api->cancel) {
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, api);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	}
	if (api->trace) {
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(e, CURLOPT_DEBUGDATA, api);
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	}
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (x->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(x->body));
	}
	return TC_OK;
}

/* Hands the prepared transfers to the multi; on failure none of them stays there. */
static enum tc_status xfers_add(struct tc_api *api, struct xfer **xs, size_t n,
                                struct tc_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (curl_multi_add_handle(api->multi, xs[i]->easy) != CURLM_OK) {
			for (size_t j = 0; j < i; j++)
				curl_multi_remove_handle(api->multi, xs[j]->easy);
			return tc_error_set(err, TC_NOMEM, "libcurl refused a transfer");
		}
	}
	return TC_OK;
}

/*
 * Drives the added transfers to completion, at most max_connections at once
 * (the multi's connection limits hold the rest back). Per-transfer results
 * land in each xfer; a finished transfer leaves the multi, and on failure
 * the unfinished ones leave it too.
 */
static enum tc_status xfers_drive(struct tc_api *api, struct xfer **xs, size_t n,
                                  const struct xfer_done *done, struct tc_error *err)
{
	size_t left = n;
	enum tc_status rc = TC_OK;
	while (left > 0) {
		int running = 0;
		if (curl_multi_perform(api->multi, &running) != CURLM_OK) {
			rc = tc_error_set(err, TC_NOMEM, "libcurl failed");
			break;
		}
		CURLMsg *msg;
		int queued;
		while ((msg = curl_multi_info_read(api->multi, &queued))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct xfer *x = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			x->result = msg->data.result;
			x->done = true;
			long connects = 0;
			curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &connects);
			api->stats.connects += (unsigned long)connects;
			curl_multi_remove_handle(api->multi, x->easy);
			left--;
			if (done)
				done->fn(done->ud, x);
		}
		if (left == 0)
			break;
		if (api->cancel && atomic_load(api->cancel)) {
			rc = tc_error_set(err, TC_CANCELLED, "sync cancelled");
			break;
		}
		if (curl_multi_poll(api->multi, NULL, 0, POLL_SLICE_MS, NULL) != CURLM_OK) {
			rc = tc_error_set(err, TC_NOMEM, "libcurl failed");
			break;
		}
	}
	if (rc != TC_OK)
		for (size_t i = 0; i < n; i++)
			if (!xs[i]->done)
				curl_multi_remove_handle(api->multi, xs[i]->easy);
	return rc;
}

static enum tc_status run_xfers(struct tc_api *api, struct xfer **xs, size_t n,
                                const struct xfer_done *done, struct tc_error *err)
{
	enum tc_status rc = xfers_add(api, xs, n, err);
	return rc == TC_OK ? xfers_drive(api, xs, n, done, err) : rc;
}

/* ---------------------------------------------------------------- answers */

static enum tc_status transport_error(struct xfer *x, struct tc_error *err)
{
	const char *detail = x->curl_msg[0] ? x->curl_msg : curl_easy_strerror(x->result);
	switch (x->result) {
	case CURLE_OPERATION_TIMEDOUT:
		return tc_error_set(err, TC_TIMEOUT, "the Carrier API did not answer in time (%s)",
		                    detail);
	case CURLE_ABORTED_BY_CALLBACK:
		return tc_error_set(err, TC_CANCELLED, "sync cancelled");
	case CURLE_WRITE_ERROR:
		if (x->too_large)
			return tc_error_set(
			    err, TC_PROTOCOL,
			    "the Carrier API answer is larger than %zu bytes; refused",
			    x->api->max_body);
		return tc_error_set(err, TC_NOMEM, NULL);
	case CURLE_FILESIZE_EXCEEDED:
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API announces an answer of %lld bytes, larger "
		                    "than %zu bytes; refused before reading it",
		                    x->announced, x->api->max_body);
	case CURLE_OUT_OF_MEMORY:
		return tc_error_set(err, TC_NOMEM, NULL);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return tc_error_set(err, TC_SECURITY,
		                    "the Carrier API's TLS certificate could not be verified (%s)",
		                    detail);
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return tc_error_set(err, TC_CONFIG, "the API URL is not usable (%s)", detail);
	/*
	 * The server was reached and may have acted on the request: "cannot be
	 * reached" would tell the operator that nothing happened.
	 */
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
		return tc_error_set(err, TC_UNREACHABLE,
		                    "the connection to the Carrier API broke before its answer "
		                    "was complete (%s)",
		                    detail);
	case CURLE_GOT_NOTHING:
		return tc_error_set(err, TC_UNREACHABLE,
		                    "the Carrier API closed the connection without answering (%s)",
		                    detail);
	case CURLE_BAD_CONTENT_ENCODING:
		return tc_error_set(err, TC_PROTOCOL, "the Carrier API answer is garbled (%s)",
		                    detail);
	default:
		return tc_error_set(err, TC_UNREACHABLE, "the Carrier API cannot be reached (%s)",
		                    detail);
	}
}

/* ---------------------------------------------------------- redaction */

/*
 * Server text enters the core through an answer's body and headers. A server
 * or proxy that echoes the request's Authorization header or the token (in a
 * 422 title, a 500 page, a request id) must not get it into a message, the
 * store, the journal or onto a screen: every occurrence of the token, and of
 * the credential the header carries (Basic's base64), becomes [redacted]
 * before anything else reads the answer. The trunks of an expected answer are
 * the operator's data and stay exact: a name that merely contains the token
 * is no echo, and rewriting it would corrupt the store.
 */
/* Where the first secret in s[0..len) starts (len when none); *n is its length. */
static size_t next_secret(const struct tc_api *api, const char *s, size_t len, size_t *n)
{
	const char *cred = strrchr(api->auth_header, ' ');
	const char *secrets[] = {api->token, cred ? cred + 1 : NULL};
	size_t first = len;
	*n = 0;
	for (size_t k = 0; k < sizeof(secrets) / sizeof(*secrets); k++) {
		size_t sl = secrets[k] ? strlen(secrets[k]) : 0;
		/* memchr skips ahead fast: a pull's bodies are megabytes */
		for (const char *p = s; sl && p < s + first;) {
			p = memchr(p, secrets[k][0], (size_t)(s + first - p));
			if (!p)
				break;
			size_t at = (size_t)(p - s);
			if (sl <= len - at && memcmp(p, secrets[k], sl) == 0) {
				first = at;
				*n = sl;
				break;
			}
			p++;
		}
	}
	return first;
}

/* s[0..len) redacted into a new NUL-terminated buffer; NULL when out of memory. */
static char *redacted_copy(const struct tc_api *api, const char *s, size_t len, size_t *out_len)
{
	size_t need = 0, n;
	for (size_t i = 0, at; i < len; i = at + n) {
		at = i + next_secret(api, s + i, len - i, &n);
		need += (at - i) + (n ? strlen(REDACTED) : 0);
	}
	char *out = malloc(need + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0, at; i < len; i = at + n) {
		at = i + next_secret(api, s + i, len - i, &n);
		memcpy(out + o, s + i, at - i);
		o += at - i;
		if (n) {
			memcpy(out + o, REDACTED, strlen(REDACTED));
			o += strlen(REDACTED);
		}
	}
	out[o] = '\0';
	if (out_len)
		*out_len = o;
	return out;
}

/* Without memory for a copy: the secret's bytes are overwritten where they are. */
static void redact_in_place(const struct tc_api *api, char *s, size_t len)
{
	size_t n;
	for (size_t i = 0, at; i < len; i = at + n) {
		at = i + next_secret(api, s + i, len - i, &n);
		memset(s + at, '*', n);
	}
}

static void redact_string(const struct tc_api *api, char **s)
{
	if (!*s)
		return;
	char *copy = redacted_copy(api, *s, strlen(*s), NULL);
	if (!copy) {
		redact_in_place(api, *s, strlen(*s));
		return;
	}
	free(*s);
	*s = copy;
}

static void redact_buffer(const struct tc_api *api, char *buf, size_t size)
{
	char *copy = redacted_copy(api, buf, strlen(buf), NULL);
	if (copy)
		snprintf(buf, size, "%s", copy);
	else
		redact_in_place(api, buf, strlen(buf));
	free(copy);
}

/* The body of an answer that becomes a message instead of data. */
static void redact_error_body(struct xfer *x, long expect, long also, bool want_body)
{
	long code = 0;
	char *ctype = NULL;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
	bool data =
	    (code == expect || code == also) && (!want_body || tc_api_content_type_is_json(ctype));
	/* a transfer that failed is judged without its body; an answer with no secret stays put */
	size_t n;
	if (data || !x->resp || x->result != CURLE_OK ||
	    next_secret(x->api, x->resp, x->resp_len, &n) == x->resp_len)
		return;
	size_t len;
	char *copy = redacted_copy(x->api, x->resp, x->resp_len, &len);
	if (!copy) {
		redact_in_place(x->api, x->resp, x->resp_len);
		return;
	}
	free(x->resp);
	x->resp = copy;
	x->resp_len = len;
	x->resp_cap = len + 1;
}

/* What the answer's headers and decoded (unescaped) strings put in err. */
static void redact_error(const struct tc_api *api, struct tc_error *err)
{
	if (!err)
		return;
	redact_buffer(api, err->message, sizeof(err->message));
	redact_buffer(api, err->request_id, sizeof(err->request_id));
	for (size_t i = 0; i < err->fields.count; i++) {
		redact_string(api, &err->fields.items[i].pointer);
		redact_string(api, &err->fields.items[i].title);
	}
}

/* A short, printable excerpt of a body that is not what we expected. */
static void excerpt(const char *body, size_t len, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < size && i < 80; i++) {
		unsigned char c = (unsigned char)body[i];
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
	}
	if (len > 80 && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static bool body_mentions(const struct xfer *x, const char *needle)
{
	return x->resp && strstr(x->resp, needle) != NULL;
}

/*
 * Everything that is not the expected success: maps the HTTP status (and for
 * 422 the error document) to a status and a sentence.
 */
static enum tc_status http_error(struct xfer *x, long code, const char *ctype, long retry_after,
                                 struct tc_error *err)
{
	bool json = tc_api_content_type_is_json(ctype);
	err->http_status = (int)code;
	if (code == 401)
		return tc_error_set(err, TC_AUTH,
		                    "the Carrier API refused the token (401): it is unknown, "
		                    "expired or revoked");
	if (code == 403)
		return tc_error_set(err, TC_FORBIDDEN,
		                    "the token was accepted but lacks the carrier_api scope (403); "
		                    "use a carrier API token");
	if (code == 404) {
		/*
		 * The router's 404 is HTML; a missing record is JSON (or, in a
		 * development deployment, an HTML page naming RecordNotFound).
		 * Mistaking the first for the second would make a DELETE look done.
		 */
		if (json || x->resp_len == 0 || body_mentions(x, "RecordNotFound"))
			return tc_error_set(err, TC_NOT_FOUND,
			                    "the trunk is not on the server (404)");
		return tc_error_set(
		    err, TC_CONFIG,
		    "the Carrier API has no such route (404): the host must be the "
		    "api subdomain, e.g. api.example.com, and the base URL must not "
		    "carry a path");
	}
	/* Retry-After is what the operator needs to know: the sync waits that long. */
	if (code == 429 && retry_after > 0) {
		err->retry_after = retry_after;
		return tc_error_set(
		    err, TC_RATE_LIMITED,
		    "the Carrier API is limiting the request rate (429) and asks to "
		    "wait %ld s before the next try",
		    retry_after);
	}
	if (code == 408)
		return tc_error_set(err, TC_TIMEOUT,
		                    "the Carrier API timed out waiting for us (408)");
	if (code >= 300 && code < 400)
		return tc_error_set(err, TC_CONFIG,
		                    "the Carrier API redirects (HTTP %ld); check the base URL "
		                    "(https, and the api host)",
		                    code);
	err->retry_after = retry_after;
	return tc_jsonapi_error_from_response(code, x->resp, x->resp_len, err);
}
/*
 * Common checks of a finished exchange. On TC_OK the status is one of the
 * expected ones and, when a body is expected, it is declared JSON.
 */
static enum tc_status judge_answer(struct xfer *x, long expect, long also, bool want_body,
                                   struct tc_error *err)
{
	snprintf(err->request_id, sizeof(err->request_id), "%s", x->request_id);
	if (x->result != CURLE_OK)
		return transport_error(x, err);
	x->api->stats.requests++;
	x->api->stats.bytes += x->resp_len;
	long code = 0;
	char *ctype = NULL;
	curl_off_t ra = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
	err->http_status = (int)code;
	if (code != expect && code != also)
		return http_error(x, code, ctype, (long)ra, err);
	if (!want_body)
		return TC_OK;
	if (!tc_api_content_type_is_json(ctype)) {
		char ex[96];
		excerpt(x->resp ? x->resp : "", x->resp_len, ex, sizeof(ex));
		return tc_error_set(
		    err, TC_PROTOCOL,
		    "the Carrier API answered %s instead of JSON:API (HTTP %ld%s%s)",
		    ctype ? ctype : "without a content type", code, ex[0] ? ": " : "", ex);
	}
	if (x->resp_len == 0)
		return tc_error_set(err, TC_PROTOCOL, "the Carrier API answered an empty body");
	return TC_OK;
}

static enum tc_status check_answer(struct xfer *x, long expect, long also, bool want_body,
                                   struct tc_error *err)
{
	redact_error_body(x, expect, also, want_body);
	enum tc_status s = judge_answer(x, expect, also, want_body, err);
	redact_error(x->api, err);
	return s;
}

/*
 * The outcome of decoding an answer. A body the server sent that does not
 * parse is the server's failure: TC_PARSE would tell the operator (and the
 * CLI's exit status) that their own input was malformed.
 */
static enum tc_status answer_decoded(const struct tc_api *api, enum tc_status s,
                                     struct tc_error *err)
{
	if (s != TC_OK)
		redact_error(api, err);
	if (s != TC_PARSE)
		return s;
	if (err)
		err->status = TC_PROTOCOL;
	return TC_PROTOCOL;
}

/* ---------------------------------------------------------------- requests */

static const char *op_method(enum tc_api_op op)
{
	switch (op) {
	case TC_API_CREATE:
		return "POST";
	case TC_API_UPDATE:
		return "PATCH";
	case TC_API_DELETE:
		return "DELETE";
	default:
		return "GET";
	}
}

/* The PATCH body names the URL's id whatever id the caller's copy carries. */
static enum tc_status encode_update(struct tc_api_request *r, char **body)
{
	bool all[TC_FIELD_COUNT];
	const bool *fields = r->fields;
	if (!fields) {
		for (int f = 0; f < TC_FIELD_COUNT; f++)
			all[f] = (tc_field(f)->flags & TC_FF_SEND_UPDATE) != 0;
		fields = all;
	}
	if (r->trunk->id && strcmp(r->trunk->id, r->id) == 0)
		return tc_jsonapi_encode_update_fields(r->trunk, fields, body, &r->err);
	struct tc_trunk *copy = tc_trunk_dup(r->trunk);
	if (!copy || tc_trunk_set_id(copy, r->id) != TC_OK) {
		tc_trunk_free(copy);
		return tc_error_set(&r->err, TC_NOMEM, NULL);
	}
	enum tc_status s = tc_jsonapi_encode_update_fields(copy, fields, body, &r->err);
	tc_trunk_free(copy);
	return s;
}

static enum tc_status request_prepare(struct tc_api *api, struct tc_api_request *r, struct xfer *x)
{
	x->api = api;
	if (r->op != TC_API_CREATE && (!r->id || !*r->id))
		return tc_error_set(&r->err, TC_USAGE, "a trunk id is required");
	if ((r->op == TC_API_CREATE || r->op == TC_API_UPDATE) && !r->trunk)
		return tc_error_set(&r->err, TC_USAGE, "a trunk is required");
	x->url = tc_api_build_url(api->base, r->op == TC_API_CREATE ? NULL : r->id, NULL);
	if (!x->url)
		return tc_error_set(&r->err, TC_NOMEM, NULL);
	if (r->op == TC_API_CREATE || r->op == TC_API_UPDATE) {
		enum tc_status s = r->op == TC_API_CREATE
		                       ? tc_jsonapi_encode_create(r->trunk, &x->body, &r->err)
		                       : encode_update(r, &x->body);
		if (s != TC_OK)
			return s;
	}
	return xfer_prepare(x, op_method(r->op), &r->err);
}

static void request_finish(struct tc_api_request *r, struct xfer *x)
{
	enum tc_status s;
	switch (r->op) {
	case TC_API_CREATE:
		s = check_answer(x, 201, 200, true, &r->err);
		break;
	case TC_API_DELETE:
		s = check_answer(x, 204, 200, false, &r->err);
		break;
	default:
		s = check_answer(x, 200, 200, true, &r->err);
		break;
	}
	if (s == TC_OK && r->op != TC_API_DELETE)
		s = answer_decoded(
		    x->api, tc_jsonapi_decode_resource(x->resp, x->resp_len, &r->result, &r->err),
		    &r->err);
	if (s == TC_OK && r->result && r->op != TC_API_CREATE && strcmp(r->result->id, r->id) != 0)
		s = tc_error_set(
		    &r->err, TC_PROTOCOL,
		    "the Carrier API answered with another trunk than the one asked for");
	if (s != TC_OK) {
		tc_trunk_free(r->result);
		r->result = NULL;
	}
	r->status = s;
	r->http_status = r->err.http_status;
	memcpy(r->request_id, r->err.request_id, sizeof(r->request_id));
}

struct run_each {
	struct tc_api_request *reqs;
	struct xfer *xs;
	tc_api_done_fn fn;
	void *ud;
};

static void finish_early(void *ud, struct xfer *x)
{
	struct run_each *re = ud;
	size_t i = (size_t)(x - re->xs);
	request_finish(&re->reqs[i], x);
	xfer_release(x);
	x->reported = true;
	re->fn(re->ud, i);
}

enum tc_status tc_api_run_each(struct tc_api *api, struct tc_api_request *reqs, size_t n,
                               tc_api_done_fn done, void *ud, struct tc_error *err)
{
	if (n == 0)
		return TC_OK;
	struct xfer *xs = calloc(n, sizeof(*xs));
	struct xfer **ready = calloc(n, sizeof(*ready));
	if (!xs || !ready) {
		free(xs);
		free(ready);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	size_t nready = 0;
	for (size_t i = 0; i < n; i++) {
		struct tc_api_request *r = &reqs[i];
		r->result = NULL;
		r->http_status = 0;
		r->request_id[0] = '\0';
		r->status = request_prepare(api, r, &xs[i]);
		if (r->status == TC_OK)
			ready[nready++] = &xs[i];
	}
	struct run_each re = {.reqs = reqs, .xs = xs, .fn = done, .ud = ud};
	struct xfer_done early = {.fn = finish_early, .ud = &re};
	enum tc_status rc = run_xfers(api, ready, nready, done ? &early : NULL, err);
	for (size_t i = 0; i < n; i++) {
		if (xs[i].reported)
			continue;
		if (reqs[i].status == TC_OK) {
			if (xs[i].done)
				request_finish(&reqs[i], &xs[i]);
			else
				reqs[i].status = tc_error_set(&reqs[i].err, rc, NULL);
		}
		xfer_release(&xs[i]);
		if (done)
			done(ud, i);
	}
	free(xs);
	free(ready);
	return rc;
}

enum tc_status tc_api_run(struct tc_api *api, struct tc_api_request *reqs, size_t n,
                          struct tc_error *err)
{
	return tc_api_run_each(api, reqs, n, NULL, NULL, err);
}

/* Runs one request and hands its outcome to the caller's err. */
static enum tc_status run_one(struct tc_api *api, struct tc_api_request *r, struct tc_trunk **out,
                              struct tc_error *err)
{
	tc_error_init(&r->err);
	enum tc_status rc = tc_api_run(api, r, 1, err);
	if (rc == TC_OK)
		rc = r->status;
	/* Also on success: the caller's journal wants the status and X-Request-Id. */
	if (err && (r->status != TC_OK || rc == TC_OK)) {
		tc_error_clear(err);
		*err = r->err; /* moves the field errors too */
		tc_error_init(&r->err);
	}
	tc_error_clear(&r->err);
	if (out)
		*out = r->result;
	else
		tc_trunk_free(r->result);
	return rc;
}

enum tc_status tc_api_get(struct tc_api *api, const char *id, struct tc_trunk **out,
                          struct tc_error *err)
{
	struct tc_api_request r = {.op = TC_API_GET, .id = id};
	return run_one(api, &r, out, err);
}

enum tc_status tc_api_create(struct tc_api *api, const struct tc_trunk *t, struct tc_trunk **out,
                             struct tc_error *err)
{
	struct tc_api_request r = {.op = TC_API_CREATE, .trunk = t};
	return run_one(api, &r, out, err);
}

enum tc_status tc_api_update(struct tc_api *api, const char *id, const struct tc_trunk *t,
                             const bool *fields, struct tc_trunk **out, struct tc_error *err)
{
	struct tc_api_request r = {.op = TC_API_UPDATE, .id = id, .trunk = t, .fields = fields};
	return run_one(api, &r, out, err);
}

enum tc_status tc_api_delete(struct tc_api *api, const char *id, struct tc_error *err)
{
	struct tc_api_request r = {.op = TC_API_DELETE, .id = id};
	return run_one(api, &r, NULL, err);
}

/* ---------------------------------------------------------------- listing */

/*
 * links.next names the next page; only its query is used, on our own base,
 * so the token only ever goes where the operator configured it to.
 */
static enum tc_status next_url(struct tc_api *api, const char *next, char **out,
                               struct tc_error *err)
{
	*out = NULL;
	CURLU *u = curl_url();
	if (!u)
		return tc_error_set(err, TC_NOMEM, NULL);
	char *path = NULL, *query = NULL;
	enum tc_status rc = TC_OK;
	if (curl_url_set(u, CURLUPART_URL, next, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		rc =
		    tc_error_set(err, TC_PROTOCOL, "the Carrier API's next-page link is not a URL");
		goto out;
	}
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	size_t plen = strlen(path);
	const char *suffix = ends_with_ci(path, ".json") ? ".json" : "";
	if (plen < strlen(TC_API_COLLECTION_PATH) + strlen(suffix) ||
	    strncmp(path + plen - strlen(suffix) - strlen(TC_API_COLLECTION_PATH),
	            TC_API_COLLECTION_PATH, strlen(TC_API_COLLECTION_PATH)) != 0 ||
	    !query || !strstr(query, "page")) {
		rc = tc_error_set(err, TC_PROTOCOL,
		                  "the Carrier API's next-page link points outside the trunk list");
		goto out;
	}
	*out = tc_api_build_url(api->base, NULL, query);
	if (!*out)
		rc = tc_error_set(err, TC_NOMEM, NULL);
out:
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

/* Takes x out of the multi, finished or not, and frees it. */
static void xfer_abandon(struct tc_api *api, struct xfer *x)
{
	if (x->easy && !x->done)
		curl_multi_remove_handle(api->multi, x->easy);
	xfer_release(x);
	x->done = false;
}

/* A fresh GET of url (taken) on the multi; its request goes out before this returns. */
static enum tc_status list_request(struct tc_api *api, char *url, struct xfer *x,
                                   struct tc_error *err)
{
	*x = (struct xfer){.api = api, .url = url};
	enum tc_status rc = xfer_prepare(x, "GET", err);
	if (rc == TC_OK)
		rc = xfers_add(api, &x, 1, err);
	int running;
	if (rc == TC_OK && curl_multi_perform(api->multi, &running) != CURLM_OK) {
		curl_multi_remove_handle(api->multi, x->easy);
		rc = tc_error_set(err, TC_NOMEM, "libcurl failed");
	}
	if (rc != TC_OK)
		xfer_release(x);
	return rc;
}

/*
 * The pages and trunk ids one listing has met. A server whose links.next
 * comes back to a page, or whose pages repeat trunks, would otherwise keep a
 * pull going forever. Open addressing over FNV-1a; the strings are owned.
 */
struct seen_set {
	char **slots;
	size_t cap; /* a power of two, or 0 */
	size_t count;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static bool seen_has(const struct seen_set *set, const char *s)
{
	if (!set->cap)
		return false;
	for (size_t i = fnv1a(s) & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
		if (strcmp(set->slots[i], s) == 0)
			return true;
	return false;
}

static bool seen_grow(struct seen_set *set)
{
	size_t cap = set->cap ? set->cap * 2 : 256;
	char **slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t j = 0; j < set->cap; j++) {
		if (!set->slots[j])
			continue;
		size_t i = fnv1a(set->slots[j]) & (cap - 1);
		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = set->slots[j];
	}
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return true;
}

/* 1: added; 0: already there; -1: out of memory. */
static int seen_add(struct seen_set *set, const char *s)
{
	if (seen_has(set, s))
		return 0;
	if ((set->count + 1) * 2 > set->cap && !seen_grow(set))
		return -1;
	size_t i = fnv1a(s) & (set->cap - 1);
	while (set->slots[i])
		i = (i + 1) & (set->cap - 1);
	if (!(set->slots[i] = strdup(s)))
		return -1;
	set->count++;
	return 1;
}

static void seen_free(struct seen_set *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	*set = (struct seen_set){0};
}

/* What one listing has taken in, against the limits that keep a hostile server bounded. */
struct list_run {
	struct seen_set urls;
	struct seen_set ids;
	size_t trunks;
	uint64_t bytes;
	unsigned long pages;
};

/*
 * Asks for the page the answer's links.next appears to name before the
 * answer is decoded, so that the server prepares it while this page is
 * checked and handed on. Only a guess: *guess is the link it followed (NULL
 * when none was asked for), and the decoded links.next decides whether the
 * answer is used. Its failures are the decoded page's to report; a page
 * already fetched is not asked for again.
 */
static void ask_ahead(struct tc_api *api, const struct list_run *run, const struct xfer *x,
                      struct xfer *ahead, char **guess)
{
	*guess = NULL;
	char *next = NULL, *url = NULL;
	if (!tc_jsonapi_peek_next(x->resp, x->resp_len, &next))
		return;
	struct tc_error e;
	tc_error_init(&e);
	if (next_url(api, next, &url, &e) == TC_OK && seen_has(&run->urls, url)) {
		free(url);
	} else if (url && list_request(api, url, ahead, &e) == TC_OK) {
		*guess = next;
		next = NULL;
	}
	tc_error_clear(&e);
	free(next);
}

/* Refuses a page that repeats a trunk or takes the listing past its limits. */
static enum tc_status list_admit(struct tc_api *api, struct list_run *run, const struct xfer *x,
                                 const struct tc_jsonapi_page *page, struct tc_error *err)
{
	run->bytes += x->resp_len;
	if (run->bytes > api->max_list_bytes)
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API's trunk list is larger than %llu bytes; the "
		                    "pull stopped there and removed nothing",
		                    (unsigned long long)api->max_list_bytes);
	if (page->count > api->max_list_trunks - run->trunks)
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API lists more than %zu trunks; the pull stopped "
		                    "there and removed nothing",
		                    api->max_list_trunks);
	run->trunks += page->count;
	for (size_t i = 0; i < page->count; i++) {
		const char *id = page->items[i] ? page->items[i]->id : NULL;
		int added = id ? seen_add(&run->ids, id) : 1;
		if (added < 0)
			return tc_error_set(err, TC_NOMEM, NULL);
		if (added == 0)
			return tc_error_set(err, TC_PROTOCOL,
			                    "the Carrier API listed trunk %.64s twice in one pull "
			                    "(page %lu); the pull stopped and removed nothing",
			                    id, run->pages + 1);
	}
	return TC_OK;
}

/* Records url as fetched; a url fetched before in this listing stops it. */
static enum tc_status list_visit(struct list_run *run, const char *url, struct tc_error *err)
{
	int added = seen_add(&run->urls, url);
	if (added < 0)
		return tc_error_set(err, TC_NOMEM, NULL);
	if (added == 0)
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API's next-page link leads back to a page already "
		                    "fetched in this pull (%.200s); the pull stopped and removed "
		                    "nothing",
		                    url);
	return TC_OK;
}

/*
 * One page is in flight while the one before it is decoded and handed on:
 * its request goes out as soon as the answer before it has arrived, on the
 * connection that answer came on, so a pull still uses one connection.
 */
enum tc_status tc_api_list(struct tc_api *api, tc_api_page_fn on_page, void *ud,
                           struct tc_error *err)
{
	struct tc_error local;
	if (!err) {
		tc_error_init(&local);
		enum tc_status rc = tc_api_list(api, on_page, ud, &local);
		tc_error_clear(&local);
		return rc;
	}
	char query[32];
	snprintf(query, sizeof(query), "page%%5Bsize%%5D=%u", api->page_size);
	char *url = tc_api_build_url(api->base, NULL, query);
	if (!url)
		return tc_error_set(err, TC_NOMEM, NULL);
	struct list_run run = {0};
	/* xfers hold pointers to themselves (libcurl's private data): they swap by index */
	struct xfer xs[2] = {{.api = api}, {.api = api}};
	size_t cur = 0;
	enum tc_status rc = list_visit(&run, url, err);
	if (rc == TC_OK)
		rc = list_request(api, url, &xs[cur], err);
	else
		free(url);
	while (rc == TC_OK) {
		struct xfer *x = &xs[cur], *ahead = &xs[1 - cur];
		rc = xfers_drive(api, &x, 1, NULL, err);
		if (rc == TC_OK)
			rc = check_answer(x, 200, 200, true, err);
		char *guess = NULL;
		/* A server that keeps linking to more pages past any sane count is broken. */
		if (rc == TC_OK && run.pages < MAX_LIST_PAGES)
			ask_ahead(api, &run, x, ahead, &guess);
		struct tc_jsonapi_page page = {0};
		if (rc == TC_OK)
			rc = answer_decoded(
			    api, tc_jsonapi_decode_collection(x->resp, x->resp_len, &page, err),
			    err);
		if (rc == TC_OK)
			rc = list_admit(api, &run, x, &page, err);
		xfer_abandon(api, x);
		if (rc == TC_OK) {
			run.pages++;
			rc = on_page(ud, page.items, page.count, err);
		}
		bool more = rc == TC_OK && page.next;
		if (more && run.pages > MAX_LIST_PAGES)
			rc = tc_error_set(err, TC_PROTOCOL, "the Carrier API's list never ends");
		if (rc == TC_OK && more && guess && strcmp(guess, page.next) == 0) {
			rc = list_visit(&run, ahead->url, err);
			cur = 1 - cur;
		} else {
			xfer_abandon(api, ahead);
			url = NULL;
			if (rc == TC_OK && more)
				rc = next_url(api, page.next, &url, err);
			if (rc == TC_OK && more)
				rc = list_visit(&run, url, err);
			if (rc == TC_OK && more)
				rc = list_request(api, url, x, err);
			else
				free(url);
		}
		free(guess);
		tc_jsonapi_page_free(&page);
		if (!more)
			break;
	}
	xfer_abandon(api, &xs[0]);
	xfer_abandon(api, &xs[1]);
	seen_free(&run.urls);
	seen_free(&run.ids);
	return rc;
}

enum tc_status tc_api_probe(struct tc_api *api, struct tc_api_probe *out, struct tc_error *err)
{
	struct tc_error local;
	if (!err) {
		tc_error_init(&local);
		enum tc_status rc = tc_api_probe(api, out, &local);
		tc_error_clear(&local);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	struct xfer x = {.api = api};
	x.url = tc_api_build_url(api->base, NULL, "page%5Bsize%5D=1");
	if (!x.url)
		return tc_error_set(err, TC_NOMEM, NULL);
	struct xfer *px = &x;
	enum tc_status rc = xfer_prepare(&x, "GET", err);
	if (rc == TC_OK)
		rc = run_xfers(api, &px, 1, NULL, err);
	if (rc == TC_OK) {
		rc = check_answer(&x, 200, 200, true, err);
		out->http_status = err->http_status;
		out->have_date = x.date_ms > 0;
		out->server_date_ms = x.date_ms;
	}
	if (rc == TC_OK) {
		struct tc_jsonapi_page page = {0};
		rc = answer_decoded(
		    api, tc_jsonapi_decode_collection(x.resp, x.resp_len, &page, err), err);
		tc_jsonapi_page_free(&page);
	}
	xfer_release(&x);
	return rc;
}
