/*
 * HTTP layer of the fake Carrier API: routing, authentication, the
 * controller actions, pagination, conditional GET, fault injection and the
 * loopback-only control endpoints (README.md).
 *
 * libmicrohttpd runs a thread per connection, so a hung or delayed request
 * only blocks its own connection. Everything shared sits behind one mutex.
 */
#include "fake.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (16u << 20)
#define JSON_MAX_NESTING 100

enum fault_kind {
	F_HANG,
	F_RATE_LIMIT,
	F_ERROR,
	F_CLOSE,
	F_TRUNCATE,
	F_MALFORMED,
	F_OVERSIZE,
	F_COUNT,
	F_NONE = F_COUNT,
};

static const char *const fault_names[F_COUNT] = {
    [F_HANG] = "hang",         [F_RATE_LIMIT] = "rate_limit", [F_ERROR] = "error",
    [F_CLOSE] = "close",       [F_TRUNCATE] = "truncate",     [F_MALFORMED] = "malformed",
    [F_OVERSIZE] = "oversize",
};

enum method {
	M_GET,
	M_HEAD,
	M_POST,
	M_PUT,
	M_PATCH,
	M_DELETE,
	M_OTHER,
	M_COUNT,
};

static const char *const method_names[M_COUNT] = {"GET",   "HEAD",   "POST", "PUT",
                                                  "PATCH", "DELETE", "OTHER"};

struct faults {
	long latency_ms;
	long long count[F_COUNT];
	double rate[F_COUNT];
	int statuses[8];
	size_t nstatuses;
	int retry_after;
	unsigned methods; /* bit per enum method; 0 = every method */
};

struct stats {
	unsigned long long requests[M_COUNT];
	unsigned long long total;
	unsigned long long statuses[600];
	unsigned long long injected[F_COUNT];
};

struct fake_server {
	struct MHD_Daemon *daemon;
	const struct fake_options *opt;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* hangs and delays wait here; reset and shutdown broadcast */
	struct fake_store store;
	struct faults faults;
	struct fake_rng fault_rng;
	struct fake_rng request_id_rng;
	struct stats stats;
	unsigned long long hang_generation;
	unsigned long hung;
	atomic_bool stopping;
	atomic_ulong conn_open;
	atomic_ulong conn_total;
	bool clock_frozen;
	long long clock_value; /* frozen: the time; else: offset added to the real time */
	int port;
};

struct request {
	char *uri; /* raw request target, before libmicrohttpd decodes it */
	bool started;
	char *body;
	size_t len, cap;
	bool too_big;
};

struct reply {
	int status;
	char *body; /* owned */
	size_t len;
	const char *ctype; /* NULL: no Content-Type */
	char *headers[8][2];
	size_t nheaders;
	bool app; /* an answer from the application: gets the Rails default headers */
};

/* ---- small helpers ---- */

static long long now_locked(const struct fake_server *srv)
{
	return srv->clock_frozen ? srv->clock_value : (long long)time(NULL) + srv->clock_value;
}

static void reply_header(struct reply *r, const char *name, const char *value)
{
	if (r->nheaders >= sizeof(r->headers) / sizeof(*r->headers))
		return;
	r->headers[r->nheaders][0] = strdup(name);
	r->headers[r->nheaders][1] = strdup(value);
	r->nheaders++;
}

static void reply_free(struct reply *r)
{
	free(r->body);
	for (size_t i = 0; i < r->nheaders; i++) {
		free(r->headers[i][0]);
		free(r->headers[i][1]);
	}
	memset(r, 0, sizeof(*r));
}

static void reply_text(struct reply *r, int status, const char *ctype, const char *text)
{
	free(r->body);
	r->status = status;
	r->body = strdup(text);
	r->len = strlen(text);
	r->ctype = ctype;
}

static const char *const JSONAPI = "application/vnd.api+json; charset=utf-8";

static void reply_json(struct reply *r, int status, json_t *doc)
{
	free(r->body);
	r->status = status;
	r->body = fake_json_dump(doc);
	r->len = r->body ? strlen(r->body) : 0;
	r->ctype = JSONAPI;
	json_decref(doc);
}

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* A JSON:API body built in b (taken over); a 500 if building it ran out of memory. */
static void reply_owned(struct reply *r, int status, struct buf *b)
{
	free(r->body);
	r->body = NULL;
	if (b->failed) {
		free(b->p);
		reply_text(r, 500, JSONAPI, "{\"status\":500,\"error\":\"Internal Server Error\"}");
		return;
	}
	r->status = status;
	r->body = b->p;
	r->len = b->len;
	r->ctype = JSONAPI;
}

/* The production exceptions app's body for json-format requests. */
static void reply_exception(struct reply *r, int status, const char *error)
{
	reply_json(r, status, json_pack("{s:i,s:s}", "status", status, "error", error));
}

static bool loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return false;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

static enum method method_of(const char *m)
{
	for (int i = 0; i < M_OTHER; i++)
		if (strcmp(m, method_names[i]) == 0)
			return (enum method)i;
	return M_OTHER;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* URI.decode_www_form_component: '+' is a space, a bad '%' sequence is an error. */
static char *form_decode(const char *s, size_t n, bool plus)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
			continue;
		}
		out[o++] = plus && s[i] == '+' ? ' ' : s[i];
	}
	out[o] = '\0';
	return out;
}

/* CGI.escape, which ActiveSupport's to_query uses. */
static void cgi_escape(const char *s, char **buf, size_t *len, size_t *cap)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[4];
		size_t n;
		if (isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~') {
			tmp[0] = (char)c;
			n = 1;
		} else if (c == ' ') {
			tmp[0] = '+';
			n = 1;
		} else {
			snprintf(tmp, sizeof(tmp), "%%%02X", c);
			n = 3;
		}
		if (*len + n + 1 > *cap) {
			size_t ncap = (*cap + n + 1) * 2;
			char *nb = realloc(*buf, ncap);
			if (!nb)
				return;
			*buf = nb;
			*cap = ncap;
		}
		memcpy(*buf + *len, tmp, n);
		*len += n;
		(*buf)[*len] = '\0';
	}
}

static char *escaped(const char *s)
{
	size_t len = 0, cap = strlen(s) * 3 + 1;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	buf[0] = '\0';
	cgi_escape(s, &buf, &len, &cap);
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_parts(char **parts, size_t n, bool sort)
{
	if (sort)
		qsort(parts, n, sizeof(*parts), cmp_str);
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += strlen(parts[i]) + 1;
	char *out = malloc(total);
	if (!out)
		return NULL;
	out[0] = '\0';
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);
		if (i)
			out[o++] = '&';
		memcpy(out + o, parts[i], l);
		o += l;
		out[o] = '\0';
	}
	return out;
}

/* ActiveSupport Object#to_query / Hash#to_query / Array#to_query. */
static char *to_query(const json_t *v, const char *ns)
{
	if (json_is_object(v)) {
		size_t n = 0, cap = json_object_size(v);
		char **parts = calloc(cap + 1, sizeof(*parts));
		const char *k;
		json_t *m;
		if (!parts)
			return NULL;
		json_object_foreach((json_t *)v, k, m)
		{
			if ((json_is_object(m) && json_object_size(m) == 0) ||
			    (json_is_array(m) && json_array_size(m) == 0))
				continue;
			char *sub;
			if (ns) {
				size_t l = strlen(ns) + strlen(k) + 3;
				char *name = malloc(l);
				if (!name)
					continue;
				snprintf(name, l, "%s[%s]", ns, k);
				sub = to_query(m, name);
				free(name);
			} else {
				sub = to_query(m, k);
			}
			if (sub)
				parts[n++] = sub;
		}
		char *out = join_parts(parts, n, !(ns && strstr(ns, "[]")));
		for (size_t i = 0; i < n; i++)
			free(parts[i]);
		free(parts);
		return out;
	}
	if (json_is_array(v)) {
		size_t l = strlen(ns) + 3;
		char *name = malloc(l);
		if (!name)
			return NULL;
		snprintf(name, l, "%s[]", ns);
		size_t n = json_array_size(v);
		char **parts = calloc(n + 1, sizeof(*parts));
		size_t i, k = 0;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			char *sub = parts ? to_query(e, name) : NULL;
			if (sub)
				parts[k++] = sub;
		}
		char *out = parts ? join_parts(parts, k, false) : NULL;
		for (i = 0; parts && i < k; i++)
			free(parts[i]);
		free(parts);
		free(name);
		return out;
	}
	char *ek = escaped(ns);
	char *ev = escaped(json_is_string(v) ? json_string_value(v) : "");
	char *out = NULL;
	if (ek && ev) {
		size_t l = strlen(ek) + strlen(ev) + 2;
		out = malloc(l);
		if (out)
			snprintf(out, l, "%s=%s", ek, ev);
	}
	free(ek);
	free(ev);
	return out;
}

/*
 * Rack's nested query parser, '&' only (Rails 8.1). Returns 0, or -1 for an
 * undecodable '%' sequence or a key that is used both as a scalar and as a
 * hash (both 400 in Rails).
 */
static int parse_query(const char *q, json_t *params)
{
	while (q && *q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', n);
		size_t kn = eq ? (size_t)(eq - q) : n;
		char *key = form_decode(q, kn, true);
		char *val = eq ? form_decode(eq + 1, n - kn - 1, true) : NULL;
		int rc = 0;
		if (!key || (eq && !val)) {
			rc = -1;
		} else if (*key) {
			/* name[seg][seg]... */
			char *br = strchr(key, '[');
			json_t *node = params;
			char *name = key;
			if (br == key)
				br = NULL;
			if (br)
				*br = '\0';
			char *rest = br ? br + 1 : NULL;
			json_t *leaf = val ? json_string(val) : json_null();
			while (rc == 0 && rest) {
				char *close = strchr(rest, ']');
				if (!close)
					break;
				*close = '\0';
				json_t *child = json_object_get(node, name);
				if (*rest == '\0') {
					/* name[] : an array of scalars */
					if (!child) {
						child = json_array();
						json_object_set_new(node, name, child);
					}
					if (!json_is_array(child))
						rc = -1;
					else
						json_array_append(child, leaf);
					json_decref(leaf);
					leaf = NULL;
					break;
				}
				if (!child) {
					child = json_object();
					json_object_set_new(node, name, child);
				}
				if (!json_is_object(child)) {
					rc = -1;
					break;
				}
				node = child;
				name = rest;
				rest = close[1] == '[' ? close + 2 : NULL;
			}
			if (rc == 0 && leaf) {
				json_t *cur = json_object_get(node, name);
				if (cur && (json_is_object(cur) || json_is_array(cur)))
					rc = -1;
				else
					json_object_set(node, name, leaf);
			}
			json_decref(leaf);
		}
		free(key);
		free(val);
		if (rc != 0)
			return -1;
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* Ruby's String#to_i, saturated. */
static long long ruby_to_i(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	int sign = 1;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	long long v = 0;
	for (; *s; s++) {
		if (*s == '_' && isdigit((unsigned char)s[1]) && s[-1] != '_')
			continue;
		if (!isdigit((unsigned char)*s))
			break;
		if (v < 1000000000LL)
			v = v * 10 + (*s - '0');
	}
	return sign * v;
}

/* Ruby JSON's max_nesting (100) counts arrays and objects. */
static bool too_deep(const char *s, size_t n)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_NESTING)
				return true;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return false;
}

static void new_request_id(struct fake_server *srv, char out[37])
{
	pthread_mutex_lock(&srv->lock);
	fake_uuid(&srv->request_id_rng, out);
	pthread_mutex_unlock(&srv->lock);
}

static void http_date(long long epoch, char out[40])
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static bool parse_http_date(const char *s, long long *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return false;
	*out = (long long)timegm(&tm);
	return true;
}

static void weak_etag(const char *body, size_t len, char out[40])
{
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
	for (size_t i = 0; i < len; i++) {
		h1 = (h1 ^ (unsigned char)body[i]) * 0x100000001b3ULL;
		h2 = (h2 ^ (unsigned char)body[len - 1 - i]) * 0x100000001b3ULL;
	}
	snprintf(out, 40, "W/\"%016llx%016llx\"", (unsigned long long)h1, (unsigned long long)h2);
}

/* ---- the API ---- */

struct call {
	struct fake_server *srv;
	struct MHD_Connection *conn;
	enum method method;
	const char *path; /* raw path, as in the request target */
	const char *query;
	const char *host;
	struct request *req;
};

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static bool accepts_json(struct MHD_Connection *conn)
{
	const char *accept = header(conn, "Accept");
	return accept &&
	       (strstr(accept, "application/json") || strstr(accept, "application/vnd.api+json") ||
	        strstr(accept, "text/x-json"));
}

static void router_404(struct call *c, struct reply *r)
{
	if (accepts_json(c->conn)) {
		reply_exception(r, 404, "Not Found");
		return;
	}
	reply_text(r, 404, "text/html; charset=utf-8",
	           "<!doctype html>\n<html>\n<head><title>The page you were looking for doesn't "
	           "exist (404)</title></head>\n<body><h1>The page you were looking for doesn't "
	           "exist.</h1></body>\n</html>\n");
}

/* request.subdomain == "api" with tld_length 1: exactly api.<domain>.<tld>, not an IP. */
static bool api_host(const char *host)
{
	if (!host || !*host)
		return false;
	size_t n = strcspn(host, ":");
	if (host[0] == '[')
		return false;
	int dots = 0;
	bool all_ip = true;
	for (size_t i = 0; i < n; i++) {
		if (host[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)host[i]))
			all_ip = false;
	}
	if (all_ip && dots == 3)
		return false;
	return dots == 2 && n > 4 && strncmp(host, "api.", 4) == 0;
}

static int base64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Ruby's Base64.decode64: lenient, skips what is not in the alphabet. */
static char *base64_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (; *s && *s != '='; s++) {
		int v = base64_value((unsigned char)*s);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* Returns 0 (carrier set), 401 or 403; *description for the 401 header. */
static int authenticate(struct call *c, enum fake_carrier *carrier, const char **description)
{
	const struct fake_options *opt = c->srv->opt;
	const char *h = header(c->conn, "Authorization");
	char *decoded = NULL;
	const char *token = NULL;
	*description = "The access token is invalid";
	if (h && strncasecmp(h, "Bearer ", 7) == 0) {
		token = h + 7;
	} else if (h && strncasecmp(h, "Basic ", 6) == 0) {
		decoded = base64_decode(h + 6);
		if (decoded && *decoded) {
			const char *colon = strchr(decoded, ':');
			token = colon ? colon + 1 : decoded;
		}
	}
	int rc = 401;
	if (token && *token) {
		for (size_t i = 0; i < opt->token_count; i++)
			if (strcmp(token, opt->tokens[i]) == 0) {
				*carrier = FAKE_CARRIER_MAIN;
				rc = 0;
			}
		if (rc && opt->foreign_token && strcmp(token, opt->foreign_token) == 0) {
			*carrier = FAKE_CARRIER_FOREIGN;
			rc = 0;
		}
		if (rc && opt->unscoped_token && strcmp(token, opt->unscoped_token) == 0)
			rc = 403;
		if (rc && opt->revoked_token && strcmp(token, opt->revoked_token) == 0)
			*description = "The access token was revoked";
		if (rc && opt->expired_token && strcmp(token, opt->expired_token) == 0)
			*description = "The access token expired";
	}
	free(decoded);
	return rc;
}

static bool json_content_type(struct MHD_Connection *conn)
{
	const char *ct = header(conn, "Content-Type");
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	static const char *const types[] = {"application/vnd.api+json", "application/json",
	                                    "text/x-json"};
	for (size_t i = 0; i < 3; i++)
		if (strlen(types[i]) == n && strncasecmp(ct, types[i], n) == 0)
			return true;
	return false;
}

/* The request parameters Rails would see. 0, or -1 for a body Rails cannot parse (400). */
static int request_params(struct call *c, json_t **out)
{
	*out = NULL;
	if (!json_content_type(c->conn) || c->req->len == 0)
		return 0;
	if (too_deep(c->req->body, c->req->len))
		return -1;
	json_error_t err;
	json_t *doc = json_loadb(c->req->body, c->req->len, JSON_DECODE_ANY, &err);
	if (!doc)
		return -1;
	if (!json_is_object(doc)) {
		/* A non-object body becomes params["_json"]; there is no "data". */
		json_decref(doc);
		return 0;
	}
	fake_deep_munge(doc);
	*out = doc;
	return 0;
}

/*
 * JSONAPIResponder splits ?include= on commas and the serializer rejects
 * blank names, then any name left is an unknown relationship (500). A
 * valueless or nested include has no #split (500 too).
 */
static bool include_given(const json_t *query)
{
	const json_t *inc = json_object_get(query, "include");
	if (!inc)
		return false;
	if (!json_is_string(inc))
		return true;
	char *list = strdup(json_string_value(inc));
	char *save = NULL;
	bool named = false;
	for (char *tok = list ? strtok_r(list, ",", &save) : NULL; tok && !named;
	     tok = strtok_r(NULL, ",", &save))
		named = fake_present(tok);
	free(list);
	return named;
}

static void location_for(struct call *c, const char *id, char *out, size_t n)
{
	snprintf(out, n, "http://%s/carrier/v1/sip_trunks/%s", c->host, id);
}

static void set_resource(struct reply *r, int status, struct fake_store *st,
                         const struct fake_trunk *t, const json_t *ips)
{
	reply_json(r, status, json_pack("{s:o}", "data", fake_trunk_render(st, t, ips)));
}

static char *page_link(struct call *c, const json_t *query, const char *cursor, const char *id)
{
	json_t *q = json_deep_copy(query);
	json_t *page = json_object_get(q, "page");
	if (!json_is_object(page)) {
		page = json_object();
		json_object_set_new(q, "page", page);
	}
	/* page_params.merge(cursor).compact: the other cursor and any nil go. */
	json_object_del(page, "before");
	json_object_del(page, "after");
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(page, tmp, k, v) if (json_is_null(v)) json_object_del(page, k);
	json_object_set_new(page, cursor, json_string(id));
	char *qs = to_query(q, NULL);
	json_decref(q);
	if (!qs)
		return NULL;
	size_t n = strlen(c->host) + strlen(c->path) + strlen(qs) + 16;
	char *url = malloc(n);
	if (url)
		snprintf(url, n, "http://%s%s?%s", c->host, c->path, qs);
	free(qs);
	return url;
}

static json_t *link_or_null(char *url)
{
	json_t *v = url ? json_string(url) : json_null();
	free(url);
	return v;
}

/*
 * cursor_paginator 0.2.1 over sequence numbers. The cursor's sub-select is
 * not scoped to the carrier: any existing trunk id positions the page. An id
 * that is not a UUID casts to NULL and matches nothing.
 */
static void action_index(struct call *c, const json_t *query, enum fake_carrier carrier,
                         struct reply *r)
{
	struct fake_store *st = &c->srv->store;
	const json_t *page = json_object_get(query, "page");
	long long size = 10;
	const char *before = NULL, *after = NULL;
	if (json_is_object(page)) {
		const json_t *sz = json_object_get(page, "size");
		if (json_is_object(sz) || json_is_array(sz)) {
			reply_exception(r, 500, "Internal Server Error"); /* no #to_i */
			return;
		}
		if (sz)
			size = json_is_string(sz) ? ruby_to_i(json_string_value(sz)) : 0;
		before = json_string_value(json_object_get(page, "before"));
		after = json_string_value(json_object_get(page, "after"));
		if (!fake_present(before))
			before = NULL;
		if (!fake_present(after))
			after = NULL;
	}
	size = size < 1 ? 1 : size > 100 ? 100 : size;

	/* The carrier's trunks, newest first. */
	struct fake_trunk **mine = malloc((st->count + 1) * sizeof(*mine));
	size_t n = 0;
	for (size_t i = st->count; mine && i-- > 0;)
		if (st->items[i]->carrier == carrier)
			mine[n++] = st->items[i];
	size_t from = 0, to = 0; /* [from, to) of mine */
	bool more_newer = false, more_older = false, cursor_found = true;
	const char *cursor = before ? before : after;
	if (cursor) {
		const struct fake_trunk *ct = fake_store_find(st, cursor, FAKE_CARRIER_MAIN);
		if (!ct)
			ct = fake_store_find(st, cursor, FAKE_CARRIER_FOREIGN);
		/* at: the first of mine older than the cursor. */
		size_t at = 0;
		while (ct && at < n && mine[at]->seq >= ct->seq)
			at++;
		if (!ct) {
			cursor_found = false;
		} else if (before) {
			size_t newer = at;
			while (newer > 0 && mine[newer - 1]->seq == ct->seq)
				newer--;
			to = newer;
			from = to > (size_t)size ? to - (size_t)size : 0;
			more_newer = from > 0;
		} else {
			from = at;
			to = from + (size_t)size < n ? from + (size_t)size : n;
			more_older = to < n;
		}
	} else {
		to = (size_t)size < n ? (size_t)size : n;
		more_older = to < n;
	}
	/* Pages are concatenated from cached renderings: this is the fake's hot path. */
	struct buf b = {0};
	bool empty = !cursor_found || from >= to;
	buf_add(&b, "{\"data\":[", 9);
	for (size_t i = from; !empty && i < to; i++) {
		size_t len;
		const char *one = fake_trunk_json(st, mine[i], &len);
		if (i > from)
			buf_add(&b, ",", 1);
		buf_add(&b, one ? one : "null", one ? len : 4);
	}
	char *prev = NULL, *next = NULL;
	if (!empty && (!before || more_newer))
		prev = page_link(c, query, "before", mine[from]->id);
	if (!empty && (before || more_older))
		next = page_link(c, query, "after", mine[to - 1]->id);
	free(mine);
	json_t *links =
	    json_pack("{s:o,s:o}", "prev", link_or_null(prev), "next", link_or_null(next));
	char *ltext = fake_json_dump(links);
	json_decref(links);
	buf_add(&b, "],\"links\":", 10);
	buf_add(&b, ltext ? ltext : "null", ltext ? strlen(ltext) : 4);
	buf_add(&b, "}", 1);
	free(ltext);
	reply_owned(r, 200, &b);
}

static void show_resource(struct reply *r, struct fake_store *st, struct fake_trunk *t)
{
	struct buf b = {0};
	size_t len;
	const char *one = fake_trunk_json(st, t, &len);
	buf_add(&b, "{\"data\":", 8);
	buf_add(&b, one ? one : "null", one ? len : 4);
	buf_add(&b, "}", 1);
	reply_owned(r, 200, &b);
}

static void save_state(struct fake_server *srv)
{
	fake_store_save(&srv->store);
}

/* The request schema; false when it answered (422, or 500 where the real service raises). */
static bool validate(const json_t *params, enum fake_op op, const char *id,
                     const struct fake_store *st, bool json_format, struct reply *r)
{
	json_t *errors = NULL;
	switch (fake_schema_check(params, op, id, st->register_transport, &errors)) {
	case FAKE_CRASH:
		reply_exception(r, 500, "Internal Server Error");
		return false;
	case FAKE_INVALID:
		if (json_format)
			reply_json(r, 422, errors);
		else
			json_decref(errors);
		return false;
	case FAKE_VALID:
		break;
	}
	return true;
}

static void action_create(struct call *c, const json_t *params, const json_t *query,
                          enum fake_carrier carrier, bool json_format, struct reply *r)
{
	struct fake_store *st = &c->srv->store;
	if (!validate(params, FAKE_OP_CREATE, NULL, st, json_format, r))
		return;
	json_t *stored = fake_trunk_defaults(st);
	json_t *ips = NULL;
	if (fake_apply(st, params, FAKE_OP_CREATE, stored, NULL, &ips) != FAKE_VALID) {
		json_decref(stored);
		reply_exception(r, 500, "Internal Server Error");
		return;
	}
	json_decref(ips);
	struct fake_trunk *t = fake_store_add(st, carrier, stored, now_locked(c->srv));
	if (!t) {
		reply_exception(r, 500, "Internal Server Error");
		return;
	}
	save_state(c->srv);
	if (!json_format)
		return;
	if (include_given(query)) {
		reply_exception(r, 500, "Internal Server Error");
		return;
	}
	set_resource(r, 201, st, t, NULL);
	char loc[160];
	location_for(c, t->id, loc, sizeof(loc));
	reply_header(r, "Location", loc);
}

static void action_update(struct call *c, struct fake_trunk *t, const json_t *params,
                          const json_t *query, bool json_format, struct reply *r)
{
	struct fake_store *st = &c->srv->store;
	if (!validate(params, FAKE_OP_UPDATE, t->id, st, json_format, r))
		return;
	json_t *stored = json_deep_copy(t->attrs);
	json_t *ips = NULL;
	if (fake_apply(st, params, FAKE_OP_UPDATE, stored, t, &ips) != FAKE_VALID) {
		json_decref(stored);
		reply_exception(r, 500, "Internal Server Error");
		return;
	}
	/* The virtual inbound_source_ips attribute is always dirty when sent. */
	if (ips || !json_equal(stored, t->attrs)) {
		json_decref(t->attrs);
		t->attrs = stored;
		t->updated_at = now_locked(c->srv);
		fake_trunk_changed(t);
		save_state(c->srv);
	} else {
		json_decref(stored);
	}
	if (json_format && include_given(query))
		reply_exception(r, 500, "Internal Server Error");
	else if (json_format)
		set_resource(r, 200, st, t, ips);
	json_decref(ips);
}

/* Rack::ConditionalGet and the responders' HttpCacheResponder. */
static bool fresh(struct call *c, const char *etag, long long last_modified, bool has_lm)
{
	const char *inm = header(c->conn, "If-None-Match");
	const char *ims = header(c->conn, "If-Modified-Since");
	if (!inm && !ims)
		return false;
	if (inm) {
		bool match = false;
		char *list = strdup(inm);
		char *save = NULL;
		for (char *tok = list ? strtok_r(list, ",", &save) : NULL; tok;
		     tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ' || *tok == '\t')
				tok++;
			size_t l = strlen(tok);
			while (l && (tok[l - 1] == ' ' || tok[l - 1] == '\t'))
				tok[--l] = '\0';
			if (strcmp(tok, etag) == 0 || strcmp(tok, "*") == 0)
				match = true;
		}
		free(list);
		if (!match)
			return false;
	}
	if (ims) {
		long long since;
		if (!has_lm || !parse_http_date(ims, &since) || since < last_modified)
			return false;
	}
	return true;
}

static void cache_headers(struct call *c, struct reply *r, const struct fake_trunk *t)
{
	char etag[40], lm[40];
	weak_etag(r->body, r->len, etag);
	reply_header(r, "ETag", etag);
	reply_header(r, "Cache-Control", "max-age=0, private, must-revalidate");
	if (t) {
		http_date(t->updated_at, lm);
		reply_header(r, "Last-Modified", lm);
	}
	if ((c->method == M_GET || c->method == M_HEAD) && r->status == 200 &&
	    fresh(c, etag, t ? t->updated_at : 0, t != NULL)) {
		free(r->body);
		r->body = NULL;
		r->len = 0;
		r->ctype = NULL;
		r->status = 304;
	}
}

static void not_acceptable(struct reply *r, const char *format)
{
	if (strcmp(format, "xml") == 0)
		reply_text(
		    r, 406, "application/xml; charset=utf-8",
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hash>\n  <status "
		    "type=\"integer\">406</status>\n  <error>Not Acceptable</error>\n</hash>\n");
	else
		reply_text(r, 406, NULL, "");
}

/* Journey's normalize_path: no doubled or trailing slashes. */
static char *normalize_path(const char *raw)
{
	char *p = malloc(strlen(raw) + 2);
	if (!p)
		return NULL;
	size_t o = 0;
	for (const char *s = raw; *s; s++) {
		if (*s == '/' && o && p[o - 1] == '/')
			continue;
		p[o++] = *s;
	}
	while (o > 1 && p[o - 1] == '/')
		o--;
	p[o] = '\0';
	return p;
}

static void api(struct call *c, struct reply *r)
{
	static const char prefix[] = "/carrier/v1/sip_trunks";
	struct fake_server *srv = c->srv;
	char *decoded = form_decode(c->path, strlen(c->path), false);
	char *path = decoded ? normalize_path(decoded) : NULL;
	free(decoded);
	if (!path) {
		reply_exception(r, 400, "Bad Request");
		return;
	}
	/* Routing: host constraint, then /carrier/v1/sip_trunks(/:id)(.:format). */
	char id[256] = "", format[64] = "json";
	bool member = false, routed = false;
	if ((srv->opt->any_host || api_host(c->host)) &&
	    strncmp(path, prefix, sizeof(prefix) - 1) == 0) {
		const char *rest = path + sizeof(prefix) - 1;
		if (*rest == '/') {
			rest++;
			size_t n = strcspn(rest, "/.");
			if (n > 0 && n < sizeof(id)) {
				memcpy(id, rest, n);
				id[n] = '\0';
				member = true;
				rest += n;
			} else {
				rest = "/";
			}
		}
		if (*rest == '.') {
			size_t n = strcspn(rest + 1, "/.");
			if (n > 0 && n < sizeof(format) && rest[1 + n] == '\0') {
				memcpy(format, rest + 1, n);
				format[n] = '\0';
				rest += 1 + n;
			}
		}
		routed = *rest == '\0';
	}
	free(path);
	enum method m = c->method == M_HEAD ? M_GET : c->method;
	if (routed && member)
		routed = m == M_GET || m == M_PATCH || m == M_PUT || m == M_DELETE;
	else if (routed)
		routed = m == M_GET || m == M_POST;
	if (!routed) {
		router_404(c, r);
		return;
	}

	json_t *query = json_object();
	if (parse_query(c->query, query) != 0) {
		json_decref(query);
		reply_exception(r, 400, "Bad Request");
		return;
	}

	enum fake_carrier carrier = FAKE_CARRIER_MAIN;
	const char *description;
	int auth = authenticate(c, &carrier, &description);
	if (auth != 0) {
		json_decref(query);
		reply_text(r, auth, "text/html", "");
		reply_header(r, "Cache-Control", "no-store, no-cache");
		if (auth == 401) {
			char www[160];
			snprintf(www, sizeof(www),
			         "Bearer realm=\"Twilio API\", error=\"invalid_token\", "
			         "error_description=\"%s\"",
			         description);
			reply_header(r, "WWW-Authenticate", www);
		}
		return;
	}

	json_t *params = NULL;
	if (request_params(c, &params) != 0) {
		json_decref(query);
		reply_exception(r, 400, "Bad Request");
		return;
	}
	bool json_format = strcmp(format, "json") == 0;

	pthread_mutex_lock(&srv->lock);
	struct fake_trunk *t = member ? fake_store_find(&srv->store, id, carrier) : NULL;
	if (member && !t) {
		reply_exception(r, 404, "Not Found");
	} else if (!member && m == M_GET) {
		if (!json_format)
			not_acceptable(r, format);
		else if (include_given(query))
			reply_exception(r, 500, "Internal Server Error");
		else {
			action_index(c, query, carrier, r);
			cache_headers(c, r, NULL);
		}
	} else if (!member) {
		action_create(c, params, query, carrier, json_format, r);
	} else if (m == M_GET) {
		if (!json_format)
			not_acceptable(r, format);
		else if (include_given(query))
			reply_exception(r, 500, "Internal Server Error");
		else {
			show_resource(r, &srv->store, t);
			cache_headers(c, r, t);
		}
	} else if (m == M_DELETE) {
		fake_store_remove(&srv->store, t);
		save_state(srv);
		reply_text(r, 204, NULL, "");
	} else {
		action_update(c, t, params, query, json_format, r);
	}
	pthread_mutex_unlock(&srv->lock);
	if (!json_format && r->status != 404 && r->status != 500)
		not_acceptable(r, format);
	/* Rack::ETag tags every 200/201 body; the GET actions did it already. */
	if ((r->status == 200 || r->status == 201) && m != M_GET) {
		char etag[40];
		weak_etag(r->body, r->len, etag);
		reply_header(r, "ETag", etag);
		reply_header(r, "Cache-Control", "max-age=0, private, must-revalidate");
	}
	json_decref(params);
	json_decref(query);
}

/* ---- faults ---- */

static enum fault_kind pick_fault(struct fake_server *srv, enum method m, int *status,
                                  long *latency)
{
	struct faults *f = &srv->faults;
	enum fault_kind kind = F_NONE;
	*latency = 0;
	if (f->methods && !(f->methods & (1u << m)))
		return F_NONE;
	*latency = f->latency_ms;
	for (int k = 0; k < F_COUNT && kind == F_NONE; k++) {
		if (f->count[k] > 0) {
			f->count[k]--;
			kind = (enum fault_kind)k;
		} else if (f->rate[k] > 0 && fake_rng_unit(&srv->fault_rng) < f->rate[k]) {
			kind = (enum fault_kind)k;
		}
	}
	if (kind == F_ERROR)
		*status = f->statuses[fake_rng_below(&srv->fault_rng, f->nstatuses)];
	if (kind != F_NONE)
		srv->stats.injected[kind]++;
	return kind;
}

static json_t *faults_to_json(const struct faults *f)
{
	json_t *doc = json_pack("{s:I}", "latency_ms", (json_int_t)f->latency_ms);
	for (int k = 0; k < F_COUNT; k++) {
		json_t *o =
		    json_pack("{s:I,s:f}", "count", (json_int_t)f->count[k], "rate", f->rate[k]);
		if (k == F_ERROR) {
			json_t *st = json_array();
			for (size_t i = 0; i < f->nstatuses; i++)
				json_array_append_new(st, json_integer(f->statuses[i]));
			json_object_set_new(o, "statuses", st);
		}
		if (k == F_RATE_LIMIT)
			json_object_set_new(o, "retry_after", json_integer(f->retry_after));
		json_object_set_new(doc, fault_names[k], o);
	}
	json_t *methods = json_array();
	for (int m = 0; m < M_COUNT; m++)
		if (f->methods & (1u << m))
			json_array_append_new(methods, json_string(method_names[m]));
	json_object_set_new(doc, "methods", methods);
	return doc;
}

static void faults_clear(struct faults *f)
{
	memset(f, 0, sizeof(*f));
	f->statuses[0] = 500;
	f->statuses[1] = 502;
	f->statuses[2] = 503;
	f->nstatuses = 3;
	f->retry_after = 1;
}

/* Parses the POST /_fake/faults document into f. NULL on success, else a static message. */
static const char *faults_from_json(const json_t *doc, struct faults *f)
{
	if (!json_is_object(doc))
		return "the body must be a JSON object";
	faults_clear(f);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)doc, key, v)
	{
		if (strcmp(key, "latency_ms") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return "latency_ms must be a non-negative integer";
			f->latency_ms = (long)json_integer_value(v);
			continue;
		}
		if (strcmp(key, "methods") == 0) {
			size_t i;
			json_t *e;
			if (!json_is_array(v))
				return "methods must be an array of method names";
			json_array_foreach(v, i, e)
			{
				const char *name = json_string_value(e);
				enum method m = name ? method_of(name) : M_OTHER;
				if (!name || (m == M_OTHER && strcmp(name, "OTHER") != 0))
					return "methods must be an array of method names";
				f->methods |= 1u << m;
			}
			continue;
		}
		int k = 0;
		while (k < F_COUNT && strcmp(fault_names[k], key) != 0)
			k++;
		if (k == F_COUNT)
			return "unknown fault";
		if (!json_is_object(v))
			return "each fault is an object: {\"count\": N} or {\"rate\": 0..1}";
		const char *sub;
		json_t *sv;
		json_object_foreach(v, sub, sv)
		{
			if (strcmp(sub, "count") == 0) {
				if (!json_is_integer(sv) || json_integer_value(sv) < 0)
					return "count must be a non-negative integer";
				f->count[k] = json_integer_value(sv);
			} else if (strcmp(sub, "rate") == 0) {
				double rate = json_number_value(sv);
				if (!json_is_number(sv) || rate < 0 || rate > 1)
					return "rate must be a number from 0 to 1";
				f->rate[k] = rate;
			} else if (k == F_ERROR && strcmp(sub, "statuses") == 0) {
				size_t i;
				json_t *e;
				if (!json_is_array(sv) || json_array_size(sv) == 0 ||
				    json_array_size(sv) > 8)
					return "statuses must be 1 to 8 status codes";
				f->nstatuses = 0;
				json_array_foreach(sv, i, e)
				{
					json_int_t s = json_integer_value(e);
					if (!json_is_integer(e) || s < 500 || s > 599)
						return "statuses must be 5xx codes";
					f->statuses[f->nstatuses++] = (int)s;
				}
			} else if (k == F_RATE_LIMIT && strcmp(sub, "retry_after") == 0) {
				if (!json_is_integer(sv) || json_integer_value(sv) < 0)
					return "retry_after must be a non-negative integer";
				f->retry_after = (int)json_integer_value(sv);
			} else {
				return "unknown fault setting";
			}
		}
	}
	return NULL;
}

/* Waits until the deadline, a reset (for hangs) or shutdown. Lock held. */
static void wait_locked(struct fake_server *srv, long ms, bool until_reset)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	unsigned long long gen = srv->hang_generation;
	while (!atomic_load(&srv->stopping)) {
		if (until_reset) {
			if (gen != srv->hang_generation)
				break;
			pthread_cond_wait(&srv->wake, &srv->lock);
		} else if (pthread_cond_timedwait(&srv->wake, &srv->lock, &deadline) == ETIMEDOUT) {
			break;
		}
	}
}

struct stream {
	struct fake_server *srv;
	char *body;
	size_t len;
	size_t limit; /* bytes to send before failing (close) */
	bool endless;
	uint64_t sent;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	if (atomic_load(&s->srv->stopping))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->endless) {
		static const char head[] = "{\"data\":[";
		static const char item[] =
		    "{\"id\":\"00000000-0000-4000-8000-000000000000\",\"type\":\"sip_trunk\","
		    "\"attributes\":{\"name\":\"padding\"}},";
		size_t n = 0;
		while (n < max) {
			uint64_t p = pos + n;
			char c = p < sizeof(head) - 1
			             ? head[p]
			             : item[(p - (sizeof(head) - 1)) % (sizeof(item) - 1)];
			buf[n++] = c;
		}
		return (ssize_t)n;
	}
	if (pos >= s->limit)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t n = s->limit - (size_t)pos < max ? s->limit - (size_t)pos : max;
	memcpy(buf, s->body + pos, n);
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	free(s->body);
	free(s);
}

/* ---- glue ---- */

static void add_app_headers(struct call *c, struct MHD_Response *resp)
{
	const char *incoming = header(c->conn, "X-Request-Id");
	char rid[256];
	if (incoming && fake_present(incoming)) {
		size_t o = 0;
		for (const char *p = incoming; *p && o < 255; p++)
			if (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '@')
				rid[o++] = *p;
		rid[o] = '\0';
	} else {
		new_request_id(c->srv, rid);
	}
	MHD_add_response_header(resp, "X-Request-Id", rid);
	MHD_add_response_header(resp, "X-Frame-Options", "SAMEORIGIN");
	MHD_add_response_header(resp, "X-XSS-Protection", "0");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Permitted-Cross-Domain-Policies", "none");
	MHD_add_response_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
}

static enum MHD_Result send_reply(struct call *c, struct reply *r, enum fault_kind fault)
{
	struct MHD_Response *resp = NULL;
	if (fault == F_CLOSE || fault == F_OVERSIZE) {
		struct stream *s = calloc(1, sizeof(*s));
		if (!s)
			return MHD_NO;
		s->srv = c->srv;
		s->body = r->body;
		s->len = r->len;
		s->limit = r->len / 2;
		s->endless = fault == F_OVERSIZE;
		r->body = NULL;
		if (s->endless)
			r->ctype = JSONAPI;
		resp = MHD_create_response_from_callback(s->endless ? MHD_SIZE_UNKNOWN
		                                                    : (s->len ? s->len : 64),
		                                         16384, stream_read, s, stream_free);
		if (!resp) {
			stream_free(s);
			return MHD_NO;
		}
	} else {
		if (fault == F_TRUNCATE)
			r->len /= 2;
		if (fault == F_MALFORMED) {
			char *colon = r->body ? memchr(r->body, ':', r->len) : NULL;
			if (colon)
				*colon = ';';
			else
				reply_text(r, r->status, JSONAPI, "{\"data\":[");
		}
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			return MHD_NO;
		r->body = NULL;
	}
	if (r->app)
		add_app_headers(c, resp);
	if (r->ctype)
		MHD_add_response_header(resp, "Content-Type", r->ctype);
	for (size_t i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
	if (strncmp(c->path, "/_fake/", 7) != 0) {
		pthread_mutex_lock(&c->srv->lock);
		if (r->status > 0 && r->status < 600)
			c->srv->stats.statuses[r->status]++;
		pthread_mutex_unlock(&c->srv->lock);
	}
	enum MHD_Result ret = MHD_queue_response(c->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static json_t *stats_to_json(struct fake_server *srv)
{
	json_t *req = json_pack("{s:I}", "total", (json_int_t)srv->stats.total);
	for (int m = 0; m < M_COUNT; m++)
		json_object_set_new(req, method_names[m],
		                    json_integer((json_int_t)srv->stats.requests[m]));
	json_t *resp = json_object();
	for (int s = 0; s < 600; s++) {
		if (!srv->stats.statuses[s])
			continue;
		char key[8];
		snprintf(key, sizeof(key), "%d", s);
		json_object_set_new(resp, key, json_integer((json_int_t)srv->stats.statuses[s]));
	}
	json_t *inj = json_object();
	for (int k = 0; k < F_COUNT; k++)
		json_object_set_new(inj, fault_names[k],
		                    json_integer((json_int_t)srv->stats.injected[k]));
	return json_pack("{s:o,s:o,s:o,s:{s:I,s:I},s:I,s:I}", "requests", req, "responses", resp,
	                 "faults", inj, "connections", "open",
	                 (json_int_t)atomic_load(&srv->conn_open), "total",
	                 (json_int_t)atomic_load(&srv->conn_total), "hung", (json_int_t)srv->hung,
	                 "trunks", (json_int_t)srv->store.count);
}

static void control(struct call *c, struct reply *r)
{
	struct fake_server *srv = c->srv;
	const char *what = c->path + strlen("/_fake/");
	bool get = c->method == M_GET, post = c->method == M_POST;
	json_t *body = NULL;
	if (post && c->req->len) {
		body = json_loadb(c->req->body, c->req->len, 0, NULL);
		if (!body) {
			reply_text(r, 400, "text/plain; charset=utf-8", "malformed JSON\n");
			return;
		}
	}
	pthread_mutex_lock(&srv->lock);
	if (strcmp(what, "stats") == 0 && get) {
		reply_json(r, 200, stats_to_json(srv));
	} else if (strcmp(what, "faults") == 0 && (get || post)) {
		struct faults f = srv->faults;
		const char *err = post ? faults_from_json(body, &f) : NULL;
		if (err) {
			reply_text(r, 422, "text/plain; charset=utf-8", err);
		} else {
			srv->faults = f;
			reply_json(r, 200, faults_to_json(&srv->faults));
		}
	} else if (strcmp(what, "reset") == 0 && post) {
		faults_clear(&srv->faults);
		memset(&srv->stats, 0, sizeof(srv->stats));
		srv->hang_generation++;
		pthread_cond_broadcast(&srv->wake);
		reply_text(r, 204, NULL, "");
	} else if (strcmp(what, "clock") == 0 && (get || post)) {
		const json_t *set = json_object_get(body, "set");
		const json_t *adv = json_object_get(body, "advance");
		if (json_is_integer(set)) {
			srv->clock_frozen = true;
			srv->clock_value = json_integer_value(set);
		} else if (json_is_integer(adv)) {
			srv->clock_value += json_integer_value(adv);
		} else if (json_is_true(json_object_get(body, "real"))) {
			srv->clock_frozen = false;
			srv->clock_value = 0;
		} else if (post) {
			reply_text(r, 422, "text/plain; charset=utf-8",
			           "expected {\"set\": EPOCH}, {\"advance\": SECONDS} or "
			           "{\"real\": true}");
		}
		if (!r->status)
			reply_json(r, 200,
			           json_pack("{s:I,s:b}", "now", (json_int_t)now_locked(srv),
			                     "frozen", srv->clock_frozen));
	} else {
		reply_text(r, 404, "text/plain; charset=utf-8", "unknown control endpoint\n");
	}
	pthread_mutex_unlock(&srv->lock);
	json_decref(body);
}

static enum MHD_Result handle(struct fake_server *srv, struct MHD_Connection *conn,
                              const char *method, struct request *req)
{
	char *target = strdup(req->uri ? req->uri : "/");
	if (!target)
		return MHD_NO;
	char *qmark = strchr(target, '?');
	if (qmark)
		*qmark++ = '\0';
	struct call c = {srv, conn, method_of(method), target, qmark, header(conn, "Host"), req};
	char fallback_host[80];
	if (!c.host || !*c.host) {
		snprintf(fallback_host, sizeof(fallback_host), "127.0.0.1:%d", srv->port);
		c.host = fallback_host;
	}
	struct reply r = {0};
	enum MHD_Result ret;
	if (strncmp(target, "/_fake/", 7) == 0) {
		if (!loopback(conn))
			reply_text(&r, 403, "text/plain; charset=utf-8", "loopback only\n");
		else
			control(&c, &r);
		ret = send_reply(&c, &r, F_NONE);
		reply_free(&r);
		free(target);
		return ret;
	}

	int status = 500;
	long latency;
	pthread_mutex_lock(&srv->lock);
	srv->stats.total++;
	srv->stats.requests[c.method]++;
	enum fault_kind fault = pick_fault(srv, c.method, &status, &latency);
	if (latency > 0)
		wait_locked(srv, latency, false);
	if (fault == F_HANG) {
		srv->hung++;
		wait_locked(srv, 0, true);
		srv->hung--;
	}
	pthread_mutex_unlock(&srv->lock);
	if (fault == F_HANG || atomic_load(&srv->stopping)) {
		free(target);
		return MHD_NO;
	}

	r.app = true;
	if (req->too_big) {
		reply_text(&r, 413, "text/html",
		           "<html><body><h1>413 Request Entity Too Large</h1></body></html>\n");
	} else if (fault == F_RATE_LIMIT) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%d", srv->faults.retry_after);
		reply_text(&r, 429, "text/plain; charset=utf-8", "Retry later\n");
		reply_header(&r, "Retry-After", ra);
	} else if (fault == F_ERROR && status == 500) {
		reply_exception(&r, 500, "Internal Server Error");
	} else if (fault == F_ERROR) {
		char html[160];
		snprintf(html, sizeof(html),
		         "<html>\r\n<head><title>%d</title></head>\r\n<body>\r\n<center><h1>%d</h1>"
		         "</center>\r\n</body>\r\n</html>\r\n",
		         status, status);
		reply_text(&r, status, "text/html", html);
		r.app = false;
	} else {
		api(&c, &r);
	}
	ret = send_reply(&c, &r, fault);
	reply_free(&r);
	free(target);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct fake_server *srv = cls;
	struct request *req = *con_cls;
	(void)url;
	(void)version;
	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		*con_cls = req;
	}
	/* Answering on the first call makes libmicrohttpd close the connection. */
	if (!req->started) {
		req->started = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (req->too_big || req->len + n > MAX_BODY) {
			req->too_big = true;
			return MHD_YES;
		}
		if (req->len + n + 1 > req->cap) {
			size_t cap = (req->len + n + 1) * 2;
			char *b = realloc(req->body, cap);
			if (!b)
				return MHD_NO;
			req->body = b;
			req->cap = cap;
		}
		memcpy(req->body + req->len, upload_data, n);
		req->len += n;
		req->body[req->len] = '\0';
		return MHD_YES;
	}
	return handle(srv, conn, method, req);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	struct request *req = calloc(1, sizeof(*req));
	if (req)
		req->uri = strdup(uri);
	return req;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct request *req = *con_cls;
	if (!req)
		return;
	free(req->uri);
	free(req->body);
	free(req);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct fake_server *srv = cls;
	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&srv->conn_open, 1);
		atomic_fetch_add(&srv->conn_total, 1);
	} else {
		atomic_fetch_sub(&srv->conn_open, 1);
	}
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

struct fake_server *fake_server_start(const struct fake_options *opt, int *port_out)
{
	struct fake_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->opt = opt;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->wake, &ca);
	pthread_condattr_destroy(&ca);
	uint64_t seed = opt->seed;
	if (!opt->seeded) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
		       ((uint64_t)getpid() << 32);
	}
	fake_store_init(&srv->store, seed, opt->register_transport, opt->state_path);
	srv->fault_rng.state = seed ^ 0x5bd1e9955bd1e995ULL;
	srv->request_id_rng.state = seed ^ 0x2545f4914f6cdd1dULL;
	srv->clock_frozen = opt->clock_frozen;
	srv->clock_value = opt->clock_frozen ? opt->clock_start : 0;
	faults_clear(&srv->faults);
	if (opt->faults) {
		const char *err = faults_from_json(opt->faults, &srv->faults);
		if (err) {
			fprintf(stderr, "trunkctl-fake-api: faults: %s\n", err);
			goto fail;
		}
	}
	if (fake_store_load(&srv->store) != 0)
		goto fail;
	if (opt->samples > 0 &&
	    fake_store_add_samples(&srv->store, opt->samples, now_locked(srv)) != 0)
		goto fail;

	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	                 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, opt->bind, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)opt->port);
	} else if (inet_pton(AF_INET6, opt->bind, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)opt->port);
		flags |= MHD_USE_IPv6;
	} else {
		fprintf(stderr, "trunkctl-fake-api: --bind needs a numeric address: %s\n",
		        opt->bind);
		goto fail;
	}
	srv->daemon = MHD_start_daemon(
	    flags, (uint16_t)opt->port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, srv, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, srv,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_END);
	if (!srv->daemon) {
		fprintf(stderr, "trunkctl-fake-api: cannot listen on %s port %d\n", opt->bind,
		        opt->port);
		goto fail;
	}
	const union MHD_DaemonInfo *di =
	    MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : opt->port;
	*port_out = srv->port;
	return srv;
fail:
	fake_server_stop(srv);
	return NULL;
}

void fake_server_stop(struct fake_server *srv)
{
	if (!srv)
		return;
	pthread_mutex_lock(&srv->lock);
	atomic_store(&srv->stopping, true);
	pthread_cond_broadcast(&srv->wake);
	pthread_mutex_unlock(&srv->lock);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	fake_store_clear(&srv->store);
	pthread_cond_destroy(&srv->wake);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
