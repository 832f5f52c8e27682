/* A trunk's row: its versions encoded as JSON, loaded, saved and deleted. */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "store_sql.h"
#include "trunk_json.h"

/* A trunk is a narrow row in trunks (scanned by lists) and its documents in trunk_docs. */
#define ROW_SELECT                                                                                 \
	"SELECT t.id, d.base, d.local, t.state, t.pending_op, t.seen_gen, t.last_seen_ms, "        \
	"t.edited_ms, d.errors, d.last_error, d.conflict FROM trunks AS t "                        \
	"JOIN trunk_docs AS d ON d.id = t.id"
#define DOCS_SAVE                                                                                  \
	"INSERT INTO trunk_docs(id, base, local, errors, last_error, conflict) "                   \
	"VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET base = excluded.base, "            \
	"local = excluded.local, errors = excluded.errors, last_error = excluded.last_error, "     \
	"conflict = excluded.conflict"

/* ---- trunk encoding ---- */

char *tc_store_encode_base(const struct tc_trunk *t)
{
	return tc_trunk_to_flat_json(t, TRUNK_JSON);
}

enum tc_status store_encode(const struct tc_trunk *t, char **out, struct tc_error *err)
{
	*out = NULL;
	if (!t)
		return TC_OK;
	*out = tc_store_encode_base(t);
	return *out ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

/* Stored JSON that does not decode means the file was changed behind our back. */
enum tc_status store_decode(struct tc_store *s, const char *json, const char *id,
                            struct tc_trunk **out, struct tc_error *err)
{
	*out = NULL;
	if (!json)
		return TC_OK;
	struct tc_error local;
	tc_error_init(&local);
	enum tc_status rc = tc_trunk_from_flat_json(json, strlen(json), out, &local);
	tc_error_clear(&local);
	if (rc == TC_NOMEM)
		return tc_error_set(err, TC_NOMEM, NULL);
	if (rc != TC_OK) {
		tc_trunk_destroy(*out);
		*out = NULL;
		return tc_error_set(err, TC_CORRUPT, "%s holds an unreadable trunk %s", s->path,
		                    id ? id : "");
	}
	if (id && tc_trunk_set_id(*out, id) != TC_OK) {
		tc_trunk_destroy(*out);
		*out = NULL;
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	return TC_OK;
}

enum tc_status store_decode_col(struct tc_store *s, sqlite3_stmt *st, int col, const char *id,
                                struct tc_trunk **out, struct tc_error *err)
{
	return store_decode(s, (const char *)sqlite3_column_text(st, col), id, out, err);
}

/* ---- trunk rows ---- */

void store_row_clear(struct row *r)
{
	free(r->id);
	tc_trunk_destroy(r->base);
	tc_trunk_destroy(r->local);
	free(r->errors);
	free(r->last_error);
	free(r->conflict);
	free(r->base_json);
	memset(r, 0, sizeof(*r));
}

static enum tc_status row_load(struct tc_store *s, const char *id, bool keep_base_json,
                               struct row *r, struct tc_error *err)
{
	memset(r, 0, sizeof(*r));
	sqlite3_stmt *st;
	enum tc_status rc = store_cached(s, STMT_ROW_LOAD, ROW_SELECT " WHERE t.id = ?", &st, err);
	if (rc != TC_OK)
		return rc;
	store_bind_text(st, 1, id);
	int r0 = store_step(s, st);
	if (r0 == SQLITE_DONE) {
		store_release(st);
		return tc_error_set(err, TC_NOT_FOUND, "no trunk %s in the local store", id);
	}
	if (r0 != SQLITE_ROW) {
		rc = store_db_fail(s, r0, err, "read trunk");
		store_release(st);
		return rc;
	}
	r->id = store_col_dup(st, 0);
	r->state = (enum tc_sync_state)sqlite3_column_int(st, 3);
	r->pending_op = (enum tc_outbox_op)sqlite3_column_int(st, 4);
	r->seen_gen = sqlite3_column_int64(st, 5);
	r->last_seen_ms = sqlite3_column_int64(st, 6);
	r->edited_ms = sqlite3_column_int64(st, 7);
	r->errors = store_col_dup(st, 8);
	r->last_error = store_col_dup(st, 9);
	r->conflict = store_col_dup(st, 10);
	rc = r->id ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK && keep_base_json && sqlite3_column_type(st, 1) != SQLITE_NULL &&
	    !(r->base_json = store_col_dup(st, 1)))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK)
		rc = store_decode_col(s, st, 1, id, &r->base, err);
	if (rc == TC_OK)
		rc = store_decode_col(s, st, 2, id, &r->local, err);
	store_release(st);
	if (rc != TC_OK)
		store_row_clear(r);
	return rc;
}

enum tc_status store_row_load(struct tc_store *s, const char *id, struct row *r,
                              struct tc_error *err)
{
	return row_load(s, id, false, r, err);
}

enum tc_status store_row_load_for_edit(struct tc_store *s, const char *id, struct row *r,
                                       struct tc_error *err)
{
	return row_load(s, id, true, r, err);
}

enum tc_status store_row_save(struct tc_store *s, const struct row *r, struct tc_error *err)
{
	char *base = NULL, *local = NULL;
	enum tc_status rc = r->base_json ? TC_OK : store_encode(r->base, &base, err);
	if (rc == TC_OK)
		rc = store_encode(r->local, &local, err);
	sqlite3_stmt *st = NULL, *docs = NULL;
	if (rc == TC_OK)
		rc = store_derived_ready(s, err);
	if (rc == TC_OK)
		rc = store_cached(s, STMT_ROW_SAVE, s->sql_save, &st, err);
	if (rc == TC_OK)
		rc = store_cached(s, STMT_DOCS_SAVE, DOCS_SAVE, &docs, err);
	if (rc == TC_OK) {
		store_bind_text(st, 1, r->id);
		sqlite3_bind_int(st, 2, r->state);
		sqlite3_bind_int(st, 3, r->pending_op);
		sqlite3_bind_int64(st, 4, r->seen_gen);
		sqlite3_bind_int64(st, 5, r->last_seen_ms);
		sqlite3_bind_int64(st, 6, r->edited_ms);
		sqlite3_bind_int(st, 7, r->base != NULL);
		sqlite3_bind_int(st, 8, r->local != NULL);
		if (tc_store_bind_derived(st, 9, r->id, r->local ? r->local : r->base) < 0)
			rc = tc_error_set(err, TC_NOMEM, NULL);
		else
			rc = store_run(s, st, err);
	}
	if (rc == TC_OK) {
		store_bind_text(docs, 1, r->id);
		store_bind_text(docs, 2, r->base_json ? r->base_json : base);
		store_bind_text(docs, 3, local);
		store_bind_text(docs, 4, r->errors);
		store_bind_text(docs, 5, r->last_error);
		store_bind_text(docs, 6, r->conflict);
		rc = store_run(s, docs, err);
	}
	store_release(st);
	store_release(docs);
	free(base);
	free(local);
	return rc;
}

enum tc_status store_delete_where_id(struct tc_store *s, const char *sql, const char *id,
                                     struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql, &st, err);
	if (rc != TC_OK)
		return rc;
	store_bind_text(st, 1, id);
	rc = store_run(s, st, err);
	sqlite3_finalize(st);
	return rc;
}

enum tc_status store_row_delete(struct tc_store *s, const char *id, struct tc_error *err)
{
	enum tc_status rc =
	    store_delete_where_id(s, "DELETE FROM outbox WHERE trunk_id = ?", id, err);
	if (rc == TC_OK)
		rc = store_delete_where_id(s, "DELETE FROM trunks WHERE id = ?", id, err);
	if (rc == TC_OK)
		rc = store_delete_where_id(s, "DELETE FROM trunk_docs WHERE id = ?", id, err);
	return rc;
}
