/*
 * The trunks routing sees (doc/routing.md), read from the store once and
 * indexed: by default as they will be after the next sync (queued local
 * changes applied, queued deletes gone), or as the server last sent them.
 * The CLI's route and lint, the TUI's routing screen and the lint thread
 * (lint_job.c, on a store connection of its own) share it. Each trunk is
 * kept as the few fields routing reads (struct tc_route_trunk), their text
 * packed in one arena, read in the one walk of the store: whole trunks, a
 * malloc per field, made the lint of a large fleet hold ten times more.
 */
#include <stdlib.h>
#include <string.h>

#include "lint_private.h"
#include "service_private.h"
#include "trunkctl/route.h"
#include "util.h"

/* Slots of the cache that interns texts many trunks repeat (regions, countries, hosts). */
#define INTERN_SLOTS 1024

struct tc_routing {
	/*
	 * Every text and list the records point to: only the fields routing
	 * reads, packed, where a whole trunk took a malloc per field.
	 */
	struct tc_arena arena;
	const char *interned[INTERN_SLOTS]; /* the last text of each hash, in the arena */
	struct tc_route_trunk *records;
	size_t count, cap;
	/* server_only: the rows with local changes, read after the walk into records[at] */
	struct changed {
		char *id;
		int64_t row;
		size_t at;
		bool gone; /* a create not pushed yet: no server version */
	} * changed;
	size_t nchanged, changed_cap;
	struct tc_route_table *table;
};

void tc_routing_destroy(struct tc_routing *r)
{
	if (!r)
		return;
	tc_route_table_destroy(r->table);
	free(r->records);
	tc_arena_free(&r->arena);
	for (size_t i = 0; i < r->nchanged; i++)
		free(r->changed[i].id);
	free(r->changed);
	free(r);
}

/* s in the arena, shared with an equal text met before when the cache still holds it. */
static const char *intern(struct tc_routing *r, const char *s, bool *ok)
{
	if (!s)
		return NULL;
	size_t h = 5381;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = h * 33 + *p;
	const char **slot = &r->interned[h % INTERN_SLOTS];
	if (*slot && strcmp(*slot, s) == 0)
		return *slot;
	const char *copy = tc_arena_strdup(&r->arena, s, ok);
	return copy ? (*slot = copy) : NULL;
}

/* A list's items in the arena: the pointers and, interned, the texts. */
static const char *const *copy_list(struct tc_routing *r, const char *const *items, size_t n,
                                    bool *ok)
{
	if (n == 0)
		return NULL;
	const char **copy = tc_arena_alloc(&r->arena, n * sizeof(*copy), _Alignof(const char *));
	if (!copy) {
		*ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		copy[i] = intern(r, items[i], ok);
	return copy;
}

/* t's routing fields into *out, copied into the arena (the trunk is the walk's). */
static enum tc_status slim(struct tc_routing *r, const struct tc_trunk *t, int64_t row,
                           struct tc_route_trunk *out, struct tc_error *err)
{
	struct tc_route_trunk v;
	tc_route_trunk_view(t, &v);
	bool ok = true;
	/* ids, names and creation times are one per trunk: not worth a cache slot */
	*out = (struct tc_route_trunk){
	    .id = tc_arena_strdup(&r->arena, v.id, &ok),
	    .name = tc_arena_strdup(&r->arena, v.name, &ok),
	    .created_at = tc_arena_strdup(&r->arena, v.created_at, &ok),
	    .region = intern(r, v.region, &ok),
	    .outbound_host = intern(r, v.outbound_host, &ok),
	    .dial_string_prefix = intern(r, v.dial_string_prefix, &ok),
	    .inbound_country = intern(r, v.inbound_country, &ok),
	    .route_prefixes = copy_list(r, v.route_prefixes, v.nroute_prefixes, &ok),
	    .nroute_prefixes = v.nroute_prefixes,
	    .inbound_ips = copy_list(r, v.inbound_ips, v.ninbound_ips, &ok),
	    .ninbound_ips = v.ninbound_ips,
	    .mode = v.mode,
	    .plus_prefix = v.plus_prefix,
	    .national_dialing = v.national_dialing,
	    .row = row,
	};
	return ok ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

/* A new record at the end (zeroed: the place of one read later); NULL when out of memory. */
static struct tc_route_trunk *append(struct tc_routing *r)
{
	struct tc_route_trunk *recs =
	    tc_grow(r->records, &r->cap, r->count + 1, sizeof(*recs), 1024);
	if (!recs)
		return NULL;
	r->records = recs;
	recs[r->count] = (struct tc_route_trunk){.mode = TC_MODE_UNKNOWN};
	return &recs[r->count++];
}

struct walk {
	struct tc_routing *r;
	bool server_only;
	const atomic_bool *cancel;
};

/*
 * One row of the walk: the row as it will be after the next sync, or with
 * server_only, as it is unless it has local changes (those are read after
 * the walk: no second query runs inside it).
 */
static enum tc_status visit(void *ctx, const struct tc_trunk_row *row, struct tc_error *err)
{
	struct walk *w = ctx;
	if (w->cancel && atomic_load(w->cancel))
		return tc_error_set(err, TC_CANCELLED, "the read was stopped");
	bool changed = row->state != TC_SYNC_SYNCED || row->pending != TC_OP_NONE;
	struct tc_routing *r = w->r;
	if (!w->server_only || !changed) {
		if (row->pending == TC_OP_DELETE)
			return TC_OK;
		struct tc_route_trunk *rec = append(r);
		return rec ? slim(r, row->trunk, row->row, rec, err)
		           : tc_error_set(err, TC_NOMEM, NULL);
	}
	struct changed *c = tc_grow(r->changed, &r->changed_cap, r->nchanged + 1, sizeof(*c), 64);
	if (!c)
		return tc_error_set(err, TC_NOMEM, NULL);
	r->changed = c;
	c = &r->changed[r->nchanged];
	*c = (struct changed){.at = r->count, .row = row->row};
	if (!(c->id = strdup(row->trunk->id)))
		return tc_error_set(err, TC_NOMEM, NULL);
	r->nchanged++;
	return append(r) ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

/* The server's version of a changed trunk into its record; gone when there is none (a create). */
static enum tc_status server_version(struct tc_store *store, struct tc_routing *r,
                                     struct changed *c, struct tc_error *err)
{
	struct tc_trunk_record *rec = NULL;
	/* the id is the store's own: no local-id mapping or name to follow */
	enum tc_status rc = tc_store_get(store, c->id, &rec, err);
	c->gone = rc == TC_OK && !rec->base;
	if (rc == TC_OK && rec->base) {
		struct tc_route_trunk *out = &r->records[c->at];
		rc = slim(r, rec->base, c->row, out, err);
		if (rc == TC_OK && !out->id) {
			bool ok = true;
			out->id = tc_arena_strdup(&r->arena, rec->id, &ok);
			rc = ok ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
		}
	}
	tc_trunk_record_destroy(rec);
	return rc;
}

/*
 * Every trunk, walked row by row (the walk streams: a cancel is seen at
 * once, where a whole list would be sorted before its first row); by id,
 * the order the store reads fastest.
 */
static enum tc_status load(struct tc_store *store, bool server_only, const atomic_bool *cancel,
                           struct tc_routing *r, struct tc_error *err)
{
	struct tc_list_query q = {.sort = TC_SORT_ID};
	struct walk w = {r, server_only, cancel};
	enum tc_status rc = tc_store_list_each(store, &q, visit, &w, err);
	for (size_t i = 0; rc == TC_OK && i < r->nchanged; i++)
		rc = server_version(store, r, &r->changed[i], err);
	if (rc != TC_OK)
		return rc;
	if (cancel && atomic_load(cancel))
		return tc_error_set(err, TC_CANCELLED, "the read was stopped");
	/* in the walk's order, without the creates that have no server version */
	size_t kept = 0, next = 0;
	for (size_t i = 0; i < r->count; i++) {
		bool gone =
		    next < r->nchanged && r->changed[next].at == i && r->changed[next++].gone;
		if (!gone)
			r->records[kept++] = r->records[i];
	}
	r->count = kept;
	return tc_route_table_build(r->records, r->count, &r->table, err);
}

enum tc_status tc_service_routing(struct tc_service *svc, bool server_only, struct tc_routing **out,
                                  struct tc_error *err)
{
	return service_routing_read(svc->store, server_only, NULL, out, err);
}

enum tc_status service_routing_read(struct tc_store *store, bool server_only,
                                    const atomic_bool *cancel, struct tc_routing **out,
                                    struct tc_error *err)
{
	*out = NULL;
	struct tc_routing *r = calloc(1, sizeof(*r));
	if (!r)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc = load(store, server_only, cancel, r, err);
	if (rc != TC_OK) {
		tc_routing_destroy(r);
		return rc;
	}
	*out = r;
	return TC_OK;
}

const struct tc_route_table *tc_routing_table(const struct tc_routing *r)
{
	return r->table;
}

const struct tc_route_trunk *tc_routing_find(const struct tc_routing *r, const char *id)
{
	for (size_t i = 0; id && i < r->count; i++)
		if (r->records[i].id && strcmp(r->records[i].id, id) == 0)
			return &r->records[i];
	return NULL;
}

/* ---- the lint's marks, straight from the store ---- */

struct marks_walk {
	struct lint_stream *stream;
	const atomic_bool *cancel;
};

static enum tc_status marks_visit(void *ctx, const struct tc_trunk_row *row, struct tc_error *err)
{
	struct marks_walk *w = ctx;
	if (w->cancel && atomic_load(w->cancel))
		return tc_error_set(err, TC_CANCELLED, "the lint was stopped");
	/* as routing sees the store: a queued delete is gone */
	if (row->pending == TC_OP_DELETE)
		return TC_OK;
	struct tc_route_trunk v;
	tc_route_trunk_view(row->trunk, &v);
	v.row = row->row;
	return lint_stream_add(w->stream, &v, err);
}

static enum tc_status read_row(void *src, int64_t row, lint_row_fn fn, void *ctx,
                               struct tc_error *err)
{
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_store_get_row(src, row, &rec, err);
	if (rc == TC_OK) {
		struct tc_route_trunk v;
		tc_route_trunk_view(rec->current, &v);
		v.row = row;
		rc = fn(ctx, &v);
		if (rc != TC_OK)
			tc_error_set(err, rc, NULL);
	}
	tc_trunk_record_destroy(rec);
	return rc;
}

enum tc_status service_lint_marks(struct tc_store *store, const atomic_bool *cancel,
                                  struct tc_lint_marks **out, struct tc_error *err)
{
	*out = NULL;
	/* the walk and the reads of the trunks it found sharing an IP see one store */
	enum tc_status rc = tc_store_snapshot_begin(store, err);
	if (rc != TC_OK)
		return rc;
	int64_t lo, hi;
	struct marks_walk w = {.cancel = cancel};
	rc = tc_store_row_span(store, &lo, &hi, err);
	if (rc == TC_OK)
		rc = lint_stream_create(lo, hi, &w.stream, err);
	/* by id, as service_routing_read walks: ties of age fall to that order */
	struct tc_list_query q = {.sort = TC_SORT_ID};
	if (rc == TC_OK)
		rc = tc_store_list_each(store, &q, marks_visit, &w, err);
	if (rc == TC_OK)
		rc = lint_stream_finish(w.stream, read_row, store, cancel, out, err);
	lint_stream_destroy(w.stream);
	tc_store_snapshot_end(store);
	return rc;
}
