/*
 * HTTP layer of the fake Carrier API: routing, authentication, the
 * controller actions, pagination, conditional GET, fault injection and the
 * loopback-only control endpoints (README.md).
 *
 * libmicrohttpd runs a thread per connection, so a hung or delayed request
 * only blocks its own connection. Everything shared sits behind one mutex.
 */
#include "fake.h"
#include "lib/buf.h"

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

struct stats {
	unsigned long long requests[FAKE_METHOD_COUNT];
	unsigned long long total;
	unsigned long long statuses[600];
	unsigned long long injected[FAULT_COUNT];
};

struct fake_server {
	struct MHD_Daemon *daemon;
	const struct fake_options *opt;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* hangs and delays wait here; reset and shutdown broadcast */
	struct fake_store store;
	struct fake_faults faults;
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
	atomic_int port;       /* known once listening; requests may arrive before it is stored */
};

struct request {
	char *uri; /* raw request target, before libmicrohttpd decodes it */
	bool started;
	char *body;
	size_t len, cap;
	bool too_big;
};

/* Who answers decides the headers Rails adds. */
enum origin {
	ORIGIN_OUTSIDE,    /* the control API, or a proxy in front of the app (faults) */
	ORIGIN_MIDDLEWARE, /* the exceptions app: only the RequestId middleware's header */
	ORIGIN_CONTROLLER, /* a controller response: ActionDispatch's default headers too */
};

struct reply {
	int status;
	char *body; /* owned */
	size_t len;
	const char *ctype; /* NULL: no Content-Type */
	char *headers[8][2];
	size_t nheaders;
	enum origin origin;
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
	if (!b->failed && !tl_append(&b->p, &b->len, &b->cap, s, n))
		b->failed = true;
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
	r->origin = ORIGIN_MIDDLEWARE;
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

static void new_request_id(struct fake_server *srv, char out[37])
{
	pthread_mutex_lock(&srv->lock);
	fake_uuid(&srv->request_id_rng, out);
	pthread_mutex_unlock(&srv->lock);
}

struct call {
	struct fake_server *srv;
	struct MHD_Connection *conn;
	enum fake_method method;
	const char *path; /* raw path, as in the request target */
	const char *query;
	const char *host;
	struct request *req;
	enum fake_fault fault; /* the one drawn for this request, FAULT_NONE for none */
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
	r->origin = ORIGIN_MIDDLEWARE;
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
		decoded = fake_base64_decode(h + 6);
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
	if (fake_json_too_deep(c->req->body, c->req->len))
		return -1;
	json_error_t err;
	size_t clamped_len = 0;
	char *clamped = fake_json_clamp_integers(c->req->body, c->req->len, &clamped_len);
	json_t *doc = clamped ? json_loadb(clamped, clamped_len, JSON_DECODE_ANY, &err)
	                      : json_loadb(c->req->body, c->req->len, JSON_DECODE_ANY, &err);
	free(clamped);
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
	char *qs = fake_to_query(q, NULL);
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

/* This request's own URL, as a link back to it. */
static char *self_link(const struct call *c)
{
	size_t n = strlen(c->host) + strlen(c->path) + (c->query ? strlen(c->query) : 0) + 16;
	char *url = malloc(n);
	if (url)
		snprintf(url, n, "http://%s%s%s%s", c->host, c->path, c->query ? "?" : "",
		         c->query ? c->query : "");
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
			size = json_is_string(sz) ? fake_ruby_to_i(json_string_value(sz)) : 0;
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
	if (c->fault == FAULT_REPEAT_IDS && !empty) /* a cursor that moves one trunk, not a page */
		next = page_link(c, query, "after", mine[from]->id);
	else if (c->fault == FAULT_NEXT_LOOP)
		next = self_link(c);
	else if (!empty && (before || more_older))
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
		if (!has_lm || !fake_parse_http_date(ims, &since) || since < last_modified)
			return false;
	}
	return true;
}

static void cache_headers(struct call *c, struct reply *r, const struct fake_trunk *t)
{
	char etag[40], lm[40];
	fake_weak_etag(r->body, r->len, etag);
	reply_header(r, "ETag", etag);
	reply_header(r, "Cache-Control", "max-age=0, private, must-revalidate");
	if (t) {
		fake_format_time(t->updated_at, FAKE_HTTP_DATE, lm, sizeof(lm));
		reply_header(r, "Last-Modified", lm);
	}
	if ((c->method == FAKE_GET || c->method == FAKE_HEAD) && r->status == 200 &&
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
	r->origin = ORIGIN_MIDDLEWARE;
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

struct route {
	bool member;
	char id[256];
	char format[64];
};

/* The router: host constraint, then /carrier/v1/sip_trunks(/:id)(.:format) and the method. */
static bool route(struct call *c, const char *path, struct route *rt)
{
	static const char prefix[] = "/carrier/v1/sip_trunks";
	memset(rt, 0, sizeof(*rt));
	strcpy(rt->format, "json");
	if (!(c->srv->opt->any_host || api_host(c->host)) ||
	    strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return false;
	const char *rest = path + sizeof(prefix) - 1;
	if (*rest == '/') {
		size_t n = strcspn(rest + 1, "/.");
		if (n == 0 || n >= sizeof(rt->id))
			return false;
		memcpy(rt->id, rest + 1, n);
		rt->member = true;
		rest += 1 + n;
	}
	if (*rest == '.') {
		size_t n = strcspn(rest + 1, "/.");
		if (n == 0 || n >= sizeof(rt->format) || rest[1 + n] != '\0')
			return false;
		memcpy(rt->format, rest + 1, n);
		rt->format[n] = '\0';
		rest += 1 + n;
	}
	if (*rest)
		return false;
	enum fake_method m = c->method == FAKE_HEAD ? FAKE_GET : c->method;
	if (rt->member)
		return m == FAKE_GET || m == FAKE_PATCH || m == FAKE_PUT || m == FAKE_DELETE;
	return m == FAKE_GET || m == FAKE_POST;
}

/* doorkeeper_authorize!: false after filling the 401/403 reply. */
static bool authorized(struct call *c, struct reply *r, enum fake_carrier *carrier)
{
	const char *description;
	int auth = authenticate(c, carrier, &description);
	if (auth == 0)
		return true;
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
	return false;
}

/* The controller actions, after the record lookup. Lock held. */
static void dispatch(struct call *c, const struct route *rt, const json_t *params,
                     const json_t *query, enum fake_carrier carrier, struct reply *r)
{
	struct fake_store *st = &c->srv->store;
	bool json_format = strcmp(rt->format, "json") == 0;
	bool get = c->method == FAKE_GET || c->method == FAKE_HEAD;
	struct fake_trunk *t = rt->member ? fake_store_find(st, rt->id, carrier) : NULL;
	if (rt->member && !t) {
		reply_exception(r, 404, "Not Found");
	} else if (get && !json_format) {
		return; /* respond_with raises UnknownFormat */
	} else if (get && include_given(query)) {
		reply_exception(r, 500, "Internal Server Error");
	} else if (get && !t) {
		action_index(c, query, carrier, r);
		cache_headers(c, r, NULL);
	} else if (get) {
		show_resource(r, st, t);
		cache_headers(c, r, t);
	} else if (!t) {
		action_create(c, params, query, carrier, json_format, r);
	} else if (c->method == FAKE_DELETE) {
		fake_store_remove(st, t);
		save_state(c->srv);
		reply_text(r, 204, NULL, "");
	} else {
		action_update(c, t, params, query, json_format, r);
	}
}

static void api(struct call *c, struct reply *r)
{
	char *decoded = fake_form_decode(c->path, strlen(c->path), false);
	char *path = decoded ? normalize_path(decoded) : NULL;
	free(decoded);
	if (!path) {
		reply_exception(r, 400, "Bad Request");
		return;
	}
	struct route rt;
	bool routed = route(c, path, &rt);
	free(path);
	if (!routed) {
		router_404(c, r);
		return;
	}
	json_t *query = json_object();
	json_t *params = NULL;
	enum fake_carrier carrier = FAKE_CARRIER_MAIN;
	if (fake_parse_query(c->query, query) != 0) {
		reply_exception(r, 400, "Bad Request");
	} else if (authorized(c, r, &carrier)) {
		if (request_params(c, &params) != 0) {
			reply_exception(r, 400, "Bad Request");
		} else {
			pthread_mutex_lock(&c->srv->lock);
			dispatch(c, &rt, params, query, carrier, r);
			pthread_mutex_unlock(&c->srv->lock);
			if (strcmp(rt.format, "json") != 0 && r->status != 404 && r->status != 500)
				not_acceptable(r, rt.format);
		}
		/* Rack::ETag tags every 200/201 body; the GET actions did it already. */
		if ((r->status == 200 || r->status == 201) && c->method != FAKE_GET &&
		    c->method != FAKE_HEAD) {
			char etag[40];
			fake_weak_etag(r->body, r->len, etag);
			reply_header(r, "ETag", etag);
			reply_header(r, "Cache-Control", "max-age=0, private, must-revalidate");
		}
	}
	json_decref(params);
	json_decref(query);
}

/* ---- faults ---- */

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

/* What big_page announces: far past any client's cap for one answer. */
#define BIG_PAGE_BYTES ((uint64_t)1 << 30)

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

/*
 * A server that repeats the request's credentials back, as a careless error
 * handler or proxy does: the Authorization header and its bare token in
 * titles, a pointer, an error string and a request id, with terminal
 * controls around them.
 */
static void reply_echo_auth(struct call *c, struct reply *r, int status)
{
	const char *auth = header(c->conn, "Authorization");
	auth = auth ? auth : "";
	const char *space = strrchr(auth, ' ');
	const char *token = space ? space + 1 : auth;
	char said[600], pointer[300];
	/* led by a C1 CSI and a right-to-left override: server text a terminal must not obey */
	snprintf(said, sizeof(said),
	         "\xc2\x9b"
	         "2J\xe2\x80\xae"
	         "Authorization: %s was not expected",
	         auth);
	snprintf(pointer, sizeof(pointer), "/data/attributes/%s", token);
	if (status == 422)
		reply_json(r, 422,
		           json_pack("{s:[{s:s,s:s,s:{s:s}},{s:s,s:{s:s}}]}", "errors", "title",
		                     said, "detail", token, "source", "pointer",
		                     "/data/attributes/name", "title", token, "source", "pointer",
		                     pointer));
	else
		reply_json(r, status,
		           json_pack("{s:i,s:s}", "status", status, "error",
		                     status == 400 ? token : said));
	r->origin = ORIGIN_OUTSIDE;
	reply_header(r, "X-Request-Id", token);
}

/* ---- glue ---- */

static void add_rails_headers(struct call *c, struct MHD_Response *resp, bool controller)
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
	if (!controller)
		return;
	MHD_add_response_header(resp, "X-Frame-Options", "SAMEORIGIN");
	MHD_add_response_header(resp, "X-XSS-Protection", "0");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Permitted-Cross-Domain-Policies", "none");
	MHD_add_response_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
}

static enum MHD_Result send_reply(struct call *c, struct reply *r, enum fake_fault fault)
{
	struct MHD_Response *resp = NULL;
	if (fault == FAULT_CLOSE || fault == FAULT_OVERSIZE || fault == FAULT_BIG_PAGE) {
		struct stream *s = calloc(1, sizeof(*s));
		if (!s)
			return MHD_NO;
		s->srv = c->srv;
		s->body = r->body;
		s->len = r->len;
		s->limit = r->len / 2;
		s->endless = fault == FAULT_OVERSIZE || fault == FAULT_BIG_PAGE;
		r->body = NULL;
		if (s->endless)
			r->ctype = JSONAPI;
		uint64_t size = fault == FAULT_BIG_PAGE ? BIG_PAGE_BYTES
		                : s->endless            ? MHD_SIZE_UNKNOWN
		                                        : (s->len ? s->len : 64);
		resp = MHD_create_response_from_callback(size, 16384, stream_read, s, stream_free);
		if (!resp) {
			stream_free(s);
			return MHD_NO;
		}
	} else {
		if (fault == FAULT_TRUNCATE)
			r->len /= 2;
		if (fault == FAULT_MALFORMED) {
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
	if (r->origin != ORIGIN_OUTSIDE)
		add_rails_headers(c, resp, r->origin == ORIGIN_CONTROLLER);
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
	for (int m = 0; m < FAKE_METHOD_COUNT; m++)
		json_object_set_new(req, fake_method_name((enum fake_method)m),
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
	for (int k = 0; k < FAULT_COUNT; k++)
		json_object_set_new(inj, fake_fault_name((enum fake_fault)k),
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
	bool get = c->method == FAKE_GET, post = c->method == FAKE_POST;
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
		struct fake_faults f = srv->faults;
		const char *err = post ? fake_faults_from_json(body, &f) : NULL;
		if (err) {
			reply_text(r, 422, "text/plain; charset=utf-8", err);
		} else {
			srv->faults = f;
			reply_json(r, 200, fake_faults_to_json(&srv->faults));
		}
	} else if (strcmp(what, "reset") == 0 && post) {
		fake_faults_clear(&srv->faults);
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
	struct call c = {srv,    conn,      fake_method_parse(method),
	                 target, qmark,     header(conn, "Host"),
	                 req,    FAULT_NONE};
	char fallback_host[80];
	if (!c.host || !*c.host) {
		/* HTTP/1.0 without Host: name this server as the client reached it. */
		bool v6 = strchr(srv->opt->bind, ':') != NULL;
		snprintf(fallback_host, sizeof(fallback_host), "%s%s%s:%d", v6 ? "[" : "",
		         srv->opt->bind, v6 ? "]" : "", atomic_load(&srv->port));
		c.host = fallback_host;
	}
	struct reply r = {0};
	enum MHD_Result ret;
	if (strncmp(target, "/_fake/", 7) == 0) {
		if (!loopback(conn))
			reply_text(&r, 403, "text/plain; charset=utf-8", "loopback only\n");
		else
			control(&c, &r);
		ret = send_reply(&c, &r, FAULT_NONE);
		reply_free(&r);
		free(target);
		return ret;
	}

	int status = 500;
	long latency;
	char retry_after[24];
	pthread_mutex_lock(&srv->lock);
	snprintf(retry_after, sizeof(retry_after), "%d", srv->faults.retry_after);
	srv->stats.total++;
	srv->stats.requests[c.method]++;
	enum fake_fault fault =
	    fake_faults_pick(&srv->faults, &srv->fault_rng, c.method, &status, &latency);
	if (fault != FAULT_NONE)
		srv->stats.injected[fault]++;
	c.fault = fault;
	if (latency > 0)
		wait_locked(srv, latency, false);
	if (fault == FAULT_HANG) {
		srv->hung++;
		wait_locked(srv, 0, true);
		srv->hung--;
	}
	pthread_mutex_unlock(&srv->lock);
	if (fault == FAULT_HANG || atomic_load(&srv->stopping)) {
		free(target);
		return MHD_NO;
	}

	r.origin = ORIGIN_CONTROLLER;
	if (req->too_big) {
		r.origin = ORIGIN_OUTSIDE;
		reply_text(&r, 413, "text/html",
		           "<html><body><h1>413 Request Entity Too Large</h1></body></html>\n");
	} else if (fault == FAULT_RATE_LIMIT) {
		reply_text(&r, 429, "text/plain; charset=utf-8", "Retry later\n");
		r.origin = ORIGIN_OUTSIDE;
		reply_header(&r, "Retry-After", retry_after);
	} else if (fault == FAULT_ERROR && status == 500) {
		reply_exception(&r, 500, "Internal Server Error");
	} else if (fault == FAULT_ECHO_AUTH) {
		reply_echo_auth(&c, &r, status);
	} else if (fault == FAULT_ERROR) {
		char html[160];
		snprintf(html, sizeof(html),
		         "<html>\r\n<head><title>%d</title></head>\r\n<body>\r\n<center><h1>%d</h1>"
		         "</center>\r\n</body>\r\n</html>\r\n",
		         status, status);
		reply_text(&r, status, "text/html", html);
		r.origin = ORIGIN_OUTSIDE;
		/* A redirect back to this very request: a client that follows it gets a 200. */
		char *self = status < 400 ? self_link(&c) : NULL;
		if (self)
			reply_header(&r, "Location", self);
		free(self);
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
		if (!tl_append(&req->body, &req->len, &req->cap, upload_data, n))
			return MHD_NO;
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
	fake_faults_clear(&srv->faults);
	if (opt->faults) {
		const char *err = fake_faults_from_json(opt->faults, &srv->faults);
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
	atomic_store(&srv->port, di ? di->port : opt->port);
	*port_out = atomic_load(&srv->port);
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
