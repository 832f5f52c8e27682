/*
 * The HTTP transfer layer of the Carrier API client over libcurl: the handle
 * and its settings, transfers on the multi handle, the judgement of each
 * answer (status, content type, transport errors), retry timing, and the
 * redaction of the token from whatever an answer or a trace could show.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_private.h"
#include "trunkctl/api.h"
#include "trunkctl/jsonapi.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_LOW_SPEED_TIME_S 20L
#define DEFAULT_LOW_SPEED_LIMIT 100L
#define DEFAULT_MAX_BODY ((size_t)32 << 20)
#define DEFAULT_MAX_LIST_TRUNKS ((size_t)1000000)
#define DEFAULT_MAX_LIST_BYTES ((uint64_t)2 << 30)
#define POLL_SLICE_MS 200

#define BACKOFF_BASE_MS 1000LL
#define BACKOFF_CAP_MS (5LL * 60 * 1000)
#define RETRY_AFTER_CAP_S (60L * 60)

#define REDACTED "[redacted]"

/* ---------------------------------------------------------------- retries */

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
		tc_wipe_free(pair);
		if (!cred)
			return NULL;
		scheme = "Basic";
	}
	const char *value = cred ? cred : token;
	size_t n = strlen("Authorization: ") + strlen(scheme) + 1 + strlen(value) + 1;
	char *h = malloc(n);
	if (h)
		snprintf(h, n, "Authorization: %s %s", scheme, value);
	tc_wipe_free(cred);
	return h;
}

static bool token_is_header_safe(const char *token)
{
	for (const unsigned char *p = (const unsigned char *)token; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return *token != '\0';
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
		const char *why = tc_curl_load_error();
		tc_error_set(err, why ? TC_IO : TC_NOMEM, "%s",
		             why ? why : "libcurl could not be initialised");
		return NULL;
	}
	struct tc_api *api = calloc(1, sizeof(*api));
	if (!api) {
		curl_global_cleanup();
		tc_error_set(err, TC_NOMEM, NULL);
		return NULL;
	}
	if (api_check_base(cfg, err) != TC_OK) {
		tc_api_destroy(api);
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
			tc_api_destroy(api);
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
	tc_api_destroy(api);
	return NULL;
}

void tc_api_destroy(struct tc_api *api)
{
	if (!api)
		return;
	if (api->multi)
		curl_multi_cleanup(api->multi);
	if (api->share)
		curl_share_cleanup(api->share);
	curl_slist_free_all(api->resolve);
	free(api->base);
	tc_wipe_free(api->token);
	tc_wipe_free(api->auth_header);
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

static bool header_name_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	/* The cap lives here: curl 7.88 ignores MAXFILESIZE on chunked bodies. */
	if (x->resp_len + n > x->api->max_body) {
		x->too_large = true;
		return 0;
	}
	char *p = tc_grow(x->resp, &x->resp_cap, x->resp_len + n + 1, 1, 16384);
	if (!p)
		return 0;
	x->resp = p;
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

void api_xfer_release(struct xfer *x)
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

enum tc_status api_xfer_prepare(struct xfer *x, const char *method, struct tc_error *err)
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

enum tc_status api_xfers_add(struct tc_api *api, struct xfer **xs, size_t n, struct tc_error *err)
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
 * Drives xs to completion, of which the first added are on the multi; each
 * answer lets the next one on. Handing libcurl more transfers than it has
 * connections queues them inside it, where the wait counts against each
 * one's timeout: a push longer than the timeout failed its last requests.
 */
static enum tc_status drive(struct tc_api *api, struct xfer **xs, size_t n, size_t added,
                            const struct xfer_done *done, struct tc_error *err)
{
	size_t left = n;
	enum tc_status rc = TC_OK;
	while (left > 0 && rc == TC_OK) {
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
			if (added < n && rc == TC_OK &&
			    (rc = api_xfers_add(api, &xs[added], 1, err)) == TC_OK)
				added++;
		}
		if (left == 0 || rc != TC_OK)
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
		for (size_t i = 0; i < added; i++)
			if (!xs[i]->done)
				curl_multi_remove_handle(api->multi, xs[i]->easy);
	return rc;
}

enum tc_status api_xfers_drive(struct tc_api *api, struct xfer **xs, size_t n,
                               const struct xfer_done *done, struct tc_error *err)
{
	return drive(api, xs, n, n, done, err);
}

enum tc_status api_run_xfers(struct tc_api *api, struct xfer **xs, size_t n,
                             const struct xfer_done *done, struct tc_error *err)
{
	size_t first = n < api->max_connections ? n : api->max_connections;
	enum tc_status rc = api_xfers_add(api, xs, first, err);
	return rc == TC_OK ? drive(api, xs, n, first, done, err) : rc;
}

/* ---------------------------------------------------------------- answers */

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

enum tc_status api_check_answer(struct xfer *x, long expect, long also, bool want_body,
                                struct tc_error *err)
{
	redact_error_body(x, expect, also, want_body);
	enum tc_status s = judge_answer(x, expect, also, want_body, err);
	redact_error(x->api, err);
	return s;
}

enum tc_status api_answer_decoded(const struct tc_api *api, enum tc_status s, struct tc_error *err)
{
	if (s != TC_OK)
		redact_error(api, err);
	if (s != TC_PARSE)
		return s;
	if (err)
		err->status = TC_PROTOCOL;
	return TC_PROTOCOL;
}
