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
	struct tc_trunk_page page;
	struct tc_trunk **copies; /* server versions read for server_only */
	size_t ncopies;
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
	for (size_t i = 0; i < r->ncopies; i++)
		tc_trunk_destroy(r->copies[i]);
	free(r->copies);
	tc_trunk_page_finish(&r->page);
	free(r);
}

/* The server's version of a row that has local changes, or NULL (a create not pushed yet). */
static enum tc_status server_version(struct tc_store *store, const struct tc_trunk_row *row,
                                     struct tc_trunk **out, struct tc_error *err)
{
	*out = NULL;
	struct tc_trunk_record *rec = NULL;
	/* the row's id is the store's own: no local-id mapping or name to follow */
	enum tc_status rc = tc_store_get(store, row->trunk->id, &rec, err);
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

static enum tc_status load(struct tc_store *store, bool server_only, const atomic_bool *cancel,
                           struct tc_routing *r, struct tc_error *err)
{
	/* every trunk; by id, the order the store reads fastest (the index orders by age) */
	struct tc_list_query q = {.sort = TC_SORT_ID, .cancel = cancel};
	enum tc_status rc = tc_store_list(store, &q, &r->page, err);
	if (rc != TC_OK)
		return rc;
	size_t n = r->page.count ? r->page.count : 1;
	r->trunks = malloc(n * sizeof(*r->trunks));
	r->copies = malloc(n * sizeof(*r->copies));
	if (!r->trunks || !r->copies)
		return tc_error_set(err, TC_NOMEM, NULL);
	for (size_t i = 0; i < r->page.count; i++) {
		const struct tc_trunk_row *row = &r->page.items[i];
		bool changed = row->state != TC_SYNC_SYNCED || row->pending != TC_OP_NONE;
		if (!server_only || !changed) {
			if (row->pending != TC_OP_DELETE)
				r->trunks[r->count++] = row->trunk;
			continue;
		}
		struct tc_trunk *copy;
		rc = server_version(store, row, &copy, err);
		if (rc != TC_OK)
			return rc;
		if (copy)
			r->trunks[r->count++] = r->copies[r->ncopies++] = copy;
	}
	if (cancel && atomic_load(cancel))
		return tc_error_set(err, TC_CANCELLED, "the read was stopped");
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
