/* Pull writes: a generation per pull, its pages, and the trunks the server no longer has. */
#include <stdlib.h>

#include "store_private.h"
#include "store_sql.h"

/* ---- pulls ---- */

#define PULL_DOCS_ADD                                                                              \
	"INSERT INTO trunk_docs(id, base, document) VALUES(?1, ?2, ?3) ON CONFLICT(id) DO NOTHING"
#define PULL_DOCS_UPDATE                                                                           \
	"UPDATE trunk_docs SET base = ?2, document = ?3 WHERE id = ?1"                             \
	" AND (base IS NOT ?2 OR document IS NOT ?3)"

enum tc_status tc_store_pull_begin(struct tc_store *s, int64_t *generation, struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	int64_t gen = 0;
	rc = store_meta_get_int(s, "pull_gen", &gen, err);
	gen++;
	if (rc == TC_OK)
		rc = store_meta_set(s, "pull_gen", NULL, &gen, err);
	rc = store_write_end(s, own, rc, err);
	*generation = rc == TC_OK ? gen : 0;
	s->pull_changed = 0;
	return rc;
}

enum tc_status tc_store_pull_page(struct tc_store *s, int64_t generation,
                                  struct tc_trunk *const *trunks, size_t count,
                                  struct tc_error *err)
{
	return tc_store_pull_page_encoded(s, generation, trunks, NULL, count, err);
}

/* bases NULL: each trunk's base is encoded here. */
enum tc_status tc_store_pull_page_encoded(struct tc_store *s, int64_t generation,
                                          struct tc_trunk *const *trunks, char *const *bases,
                                          size_t count, struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	/* what the caller's transaction owes so far is not this page's to drop */
	if (rc == TC_OK && !own)
		rc = store_upkeep_flush(s, err);
	if (rc == TC_OK && !own)
		rc = store_exec(s, "SAVEPOINT pull_page", err);
	if (rc != TC_OK)
		return rc;
	sqlite3_stmt *st = NULL, *add = NULL, *update = NULL;
	rc = store_derived_ready(s, err);
	if (rc == TC_OK)
		rc = store_cached(s, STMT_PULL_ROW, s->sql_pull, &st, err);
	/*
	 * Not one upsert: its DO UPDATE fires trunk_docs' update trigger, so
	 * every row opened a statement journal, a new trunk's included.
	 */
	if (rc == TC_OK)
		rc = store_cached(s, STMT_PULL_DOCS_ADD, PULL_DOCS_ADD, &add, err);
	if (rc == TC_OK)
		rc = store_cached(s, STMT_PULL_DOCS_UPDATE, PULL_DOCS_UPDATE, &update, err);
	int64_t now = tc_store_now(s);
	for (size_t i = 0; rc == TC_OK && i < count; i++) {
		const struct tc_trunk *t = trunks[i];
		if (!t || !t->id || !*t->id || store_is_local_id(t->id)) {
			rc = tc_error_set(err, TC_USAGE, "a pulled trunk has no server id");
			break;
		}
		char *json = bases ? bases[i] : NULL;
		if (!bases)
			rc = store_encode(t, &json, err);
		int64_t rowid = 0;
		bool edited = false;
		char *before = NULL, *after = NULL;
		if (rc == TC_OK)
			rc = store_trunk_find(s, t->id, &rowid, &edited, &before, err);
		if (rc == TC_OK) {
			sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, generation);
			sqlite3_bind_int64(st, 3, now);
			if (tc_store_bind_derived(st, 4, t->id, t, &after) < 0)
				rc = tc_error_set(err, TC_NOMEM, NULL);
			else
				rc = store_run(s, st, err);
		}
		/* a row with a local version keeps its search text (sql_pull) */
		if (rc == TC_OK)
			rc = store_trunk_written(s, rowid, before, edited ? before : after, err);
		/* json and the trunk outlive the steps: bound without a copy */
		if (rc == TC_OK) {
			sqlite3_bind_text(add, 1, t->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(add, 2, json, -1, SQLITE_STATIC);
			sqlite3_bind_text(add, 3, t->document, -1, SQLITE_STATIC);
			rc = store_run(s, add, err);
		}
		/* a trunk the server sent as it was last time writes nothing */
		if (rc == TC_OK && sqlite3_changes(s->db) == 0) {
			sqlite3_bind_text(update, 1, t->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(update, 2, json, -1, SQLITE_STATIC);
			sqlite3_bind_text(update, 3, t->document, -1, SQLITE_STATIC);
			rc = store_run(s, update, err);
		}
		if (rc == TC_OK)
			s->pull_changed += (size_t)sqlite3_changes(s->db);
		/* reset, and no statement keeps a pointer into what is freed */
		store_release(st);
		store_release(add);
		store_release(update);
		free(before);
		free(after);
		if (!bases)
			free(json);
	}
	store_release(st);
	store_release(add);
	store_release(update);
	if (!own && rc == TC_OK)
		rc = store_exec(s, "RELEASE pull_page", err);
	else if (!own && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK TO pull_page; RELEASE pull_page", NULL, NULL, NULL);
	if (!own && rc != TC_OK)
		store_upkeep_drop(s);
	return store_write_end(s, own, rc, err);
}

/* A server trunk missing from a complete pull. */
static enum tc_status vanished(struct tc_store *s, const char *id, struct tc_pull_result *res,
                               struct tc_error *err)
{
	struct row r;
	enum tc_status rc = store_row_load(s, id, &r, err);
	if (rc != TC_OK)
		return rc;
	struct tc_outbox_list l;
	rc = store_entries_of(s, id, &l, err);
	if (rc == TC_OK && store_has_in_flight(&l)) {
		/* the push that owns it will learn the outcome from the server */
	} else if (rc == TC_OK && (l.count == 0 || r.pending_op == TC_OP_DELETE)) {
		rc = store_row_delete(s, id, err);
		res->removed++;
	} else if (rc == TC_OK) {
		rc = store_mark_conflict(s, &r, l.items[0].base ? l.items[0].base : r.base, false,
		                         NULL, NULL, err);
		res->conflicts++;
	}
	tc_outbox_list_finish(&l);
	store_row_clear(&r);
	return rc;
}

enum tc_status tc_store_pull_finish(struct tc_store *s, int64_t generation,
                                    struct tc_pull_result *result, struct tc_error *err)
{
	struct tc_pull_result res = {0};
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	sqlite3_stmt *st;
	rc = store_prepare(s,
	                   "SELECT t.id FROM trunks AS t JOIN trunk_docs AS d ON d.id = t.id "
	                   "WHERE t.seen_gen < ? AND t.on_server = 1 "
	                   "AND NOT (t.state = 2 AND json_type(d.conflict, '$.theirs') = 'null')",
	                   &st, err);
	char **ids = NULL;
	size_t n = 0;
	if (rc == TC_OK) {
		sqlite3_bind_int64(st, 1, generation);
		rc = store_collect_ids(s, st, "find vanished trunks", &ids, &n, err);
		sqlite3_finalize(st);
	}
	for (size_t i = 0; i < n; i++) {
		if (rc == TC_OK)
			rc = vanished(s, ids[i], &res, err);
		free(ids[i]);
	}
	free(ids);
	int64_t now = tc_store_now(s);
	if (rc == TC_OK)
		rc = store_meta_set(s, "last_pull_ms", NULL, &now, err);
	rc = store_write_end(s, own, rc, err);
	res.changed = s->pull_changed;
	if (result)
		*result = rc == TC_OK ? res : (struct tc_pull_result){0};
	return rc;
}
