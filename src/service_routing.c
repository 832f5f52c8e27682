/*
 * The trunks routing sees (doc/routing.md), read from the store once and
 * indexed: by default as they will be after the next sync (queued local
 * changes applied, queued deletes gone), or as the server last sent them.
 * The CLI's route and lint, the TUI's routing screen and the lint thread
 * (lint_job.c, on a store connection of its own) share it.
 */
#include <stdlib.h>
#include <string.h>

#include "service_private.h"
#include "trunkctl/route.h"

struct tc_routing {
	struct tc_trunk **owned; /* every trunk read, routing's and not */
	size_t nowned, cap;
	/* server_only: the rows with local changes, read after the walk into owned[at] */
	struct changed {
		char *id;
		size_t at;
	} * changed;
	size_t nchanged, changed_cap;
	const struct tc_trunk **trunks;
	size_t count;
	struct tc_route_table *table;
};

void tc_routing_destroy(struct tc_routing *r)
{
	if (!r)
		return;
	tc_route_table_destroy(r->table);
	free(r->trunks);
	for (size_t i = 0; i < r->nowned; i++)
		tc_trunk_destroy(r->owned[i]);
	free(r->owned);
	for (size_t i = 0; i < r->nchanged; i++)
		free(r->changed[i].id);
	free(r->changed);
	free(r);
}

/* Keeps t as one of the trunks routing sees; NULL holds the place of one read later. */
static enum tc_status keep(struct tc_routing *r, struct tc_trunk *t, struct tc_error *err)
{
	struct tc_trunk **owned = tc_grow(r->owned, &r->cap, r->nowned + 1, sizeof(*owned), 1024);
	if (!owned) {
		tc_trunk_destroy(t);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	r->owned = owned;
	r->owned[r->nowned++] = t;
	return TC_OK;
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
	if (!w->server_only || !changed) {
		if (row->pending == TC_OP_DELETE)
			return TC_OK;
		struct tc_trunk *t = tc_trunk_dup(row->trunk);
		return t ? keep(w->r, t, err) : tc_error_set(err, TC_NOMEM, NULL);
	}
	struct tc_routing *r = w->r;
	struct changed *c = tc_grow(r->changed, &r->changed_cap, r->nchanged + 1, sizeof(*c), 64);
	if (!c)
		return tc_error_set(err, TC_NOMEM, NULL);
	r->changed = c;
	c = &r->changed[r->nchanged];
	if (!(c->id = strdup(row->trunk->id)))
		return tc_error_set(err, TC_NOMEM, NULL);
	c->at = r->nowned;
	r->nchanged++;
	return keep(r, NULL, err);
}

/* The server's version of a trunk that has local changes, or NULL (a create not pushed yet). */
static enum tc_status server_version(struct tc_store *store, const char *id, struct tc_trunk **out,
                                     struct tc_error *err)
{
	*out = NULL;
	struct tc_trunk_record *rec = NULL;
	/* the id is the store's own: no local-id mapping or name to follow */
	enum tc_status rc = tc_store_get(store, id, &rec, err);
	if (rc == TC_OK && rec->base) {
		*out = tc_trunk_dup(rec->base);
		if (*out && !(*out)->id)
			rc = tc_trunk_set_id(*out, rec->id);
		if (!*out || rc != TC_OK)
			rc = tc_error_set(err, TC_NOMEM, NULL);
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
		rc = server_version(store, r->changed[i].id, &r->owned[r->changed[i].at], err);
	if (rc != TC_OK)
		return rc;
	if (cancel && atomic_load(cancel))
		return tc_error_set(err, TC_CANCELLED, "the read was stopped");
	r->trunks = malloc((r->nowned ? r->nowned : 1) * sizeof(*r->trunks));
	if (!r->trunks)
		return tc_error_set(err, TC_NOMEM, NULL);
	/* in the walk's order; a create not pushed yet has no server version */
	for (size_t i = 0; i < r->nowned; i++)
		if (r->owned[i])
			r->trunks[r->count++] = r->owned[i];
	return tc_route_table_build(r->trunks, r->count, &r->table, err);
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

const struct tc_trunk *tc_routing_find(const struct tc_routing *r, const char *id)
{
	for (size_t i = 0; id && i < r->count; i++)
		if (r->trunks[i]->id && strcmp(r->trunks[i]->id, id) == 0)
			return r->trunks[i];
	return NULL;
}
