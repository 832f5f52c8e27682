/*
 * The Carrier API calls over the transfer layer: get, create, update and
 * delete of one trunk (alone or many at once), the paged list, the probe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_private.h"
#include "trunkctl/api.h"
#include "trunkctl/jsonapi.h"

#define MAX_LIST_PAGES 100000UL

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
		tc_trunk_destroy(copy);
		return tc_error_set(&r->err, TC_NOMEM, NULL);
	}
	enum tc_status s = tc_jsonapi_encode_update_fields(copy, fields, body, &r->err);
	tc_trunk_destroy(copy);
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
	return api_xfer_prepare(x, op_method(r->op), &r->err);
}

static void request_finish(struct tc_api_request *r, struct xfer *x)
{
	enum tc_status s;
	switch (r->op) {
	case TC_API_CREATE:
		s = api_check_answer(x, 201, 200, true, &r->err);
		break;
	case TC_API_DELETE:
		s = api_check_answer(x, 204, 200, false, &r->err);
		break;
	default:
		s = api_check_answer(x, 200, 200, true, &r->err);
		break;
	}
	if (s == TC_OK && r->op != TC_API_DELETE)
		s = api_answer_decoded(
		    x->api, tc_jsonapi_decode_resource(x->resp, x->resp_len, &r->result, &r->err),
		    &r->err);
	if (s == TC_OK && r->result && r->op != TC_API_CREATE && strcmp(r->result->id, r->id) != 0)
		s = tc_error_set(
		    &r->err, TC_PROTOCOL,
		    "the Carrier API answered with another trunk than the one asked for");
	if (s != TC_OK) {
		tc_trunk_destroy(r->result);
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
	api_xfer_release(x);
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
	enum tc_status rc = api_run_xfers(api, ready, nready, done ? &early : NULL, err);
	for (size_t i = 0; i < n; i++) {
		if (xs[i].reported)
			continue;
		if (reqs[i].status == TC_OK) {
			if (xs[i].done)
				request_finish(&reqs[i], &xs[i]);
			else
				reqs[i].status = tc_error_set(&reqs[i].err, rc, NULL);
		}
		api_xfer_release(&xs[i]);
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
		tc_trunk_destroy(r->result);
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

/* Takes x out of the multi, finished or not, and frees it. */
static void xfer_abandon(struct tc_api *api, struct xfer *x)
{
	if (x->easy && !x->done)
		curl_multi_remove_handle(api->multi, x->easy);
	api_xfer_release(x);
	x->done = false;
}

/* A fresh GET of url (taken) on the multi; its request goes out before this returns. */
static enum tc_status list_request(struct tc_api *api, char *url, struct xfer *x,
                                   struct tc_error *err)
{
	*x = (struct xfer){.api = api, .url = url};
	enum tc_status rc = api_xfer_prepare(x, "GET", err);
	if (rc == TC_OK)
		rc = api_xfers_add(api, &x, 1, err);
	int running;
	if (rc == TC_OK && curl_multi_perform(api->multi, &running) != CURLM_OK) {
		curl_multi_remove_handle(api->multi, x->easy);
		rc = tc_error_set(err, TC_NOMEM, "libcurl failed");
	}
	if (rc != TC_OK)
		api_xfer_release(x);
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
                      struct xfer *ahead, char **guess, struct tc_jsonapi_outline *outline)
{
	*guess = NULL;
	char *next = NULL, *url = NULL;
	if (!tc_jsonapi_peek_next_outlined(x->resp, x->resp_len, &next, outline))
		return;
	struct tc_error e;
	tc_error_init(&e);
	if (api_next_url(api, next, &url, &e) == TC_OK && seen_has(&run->urls, url)) {
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
		rc = api_xfers_drive(api, &x, 1, NULL, err);
		if (rc == TC_OK)
			rc = api_check_answer(x, 200, 200, true, err);
		char *guess = NULL;
		struct tc_jsonapi_outline outline, *peeked = NULL;
		/* A server that keeps linking to more pages past any sane count is broken. */
		if (rc == TC_OK && run.pages < MAX_LIST_PAGES) {
			ask_ahead(api, &run, x, ahead, &guess, &outline);
			peeked = &outline;
		}
		struct tc_jsonapi_page page = {0};
		if (rc == TC_OK)
			rc = api_answer_decoded(api,
			                        tc_jsonapi_decode_collection_outlined(
			                            x->resp, x->resp_len, peeked, &page, err),
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
				rc = api_next_url(api, page.next, &url, err);
			if (rc == TC_OK && more)
				rc = list_visit(&run, url, err);
			if (rc == TC_OK && more)
				rc = list_request(api, url, x, err);
			else
				free(url);
		}
		free(guess);
		tc_jsonapi_page_finish(&page);
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
	enum tc_status rc = api_xfer_prepare(&x, "GET", err);
	if (rc == TC_OK)
		rc = api_run_xfers(api, &px, 1, NULL, err);
	if (rc == TC_OK) {
		rc = api_check_answer(&x, 200, 200, true, err);
		out->http_status = err->http_status;
		out->have_date = x.date_ms > 0;
		out->server_date_ms = x.date_ms;
	}
	if (rc == TC_OK) {
		struct tc_jsonapi_page page = {0};
		rc = api_answer_decoded(
		    api, tc_jsonapi_decode_collection(x.resp, x.resp_len, &page, err), err);
		tc_jsonapi_page_finish(&page);
	}
	api_xfer_release(&x);
	return rc;
}
