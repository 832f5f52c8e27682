/* A trunk's row: its versions encoded as JSON, loaded, saved and deleted. */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "store_sql.h"
#include "trunk_json.h"

/* A trunk is a narrow row in trunks (scanned by lists) and its documents in trunk_docs. */
#define ROW_SELECT                                                                                 \
	"SELECT t.id, d.base, l.local, t.state, t.pending_op, t.seen_gen, t.last_seen_ms, "        \
	"t.edited_ms, d.errors, d.last_error, d.conflict, t.n_name, t.rowid FROM trunks AS t "     \
	"JOIN trunk_docs AS d ON d.id = t.id LEFT JOIN trunk_local AS l ON l.id = t.id"
/*
 * An edit changes none of these (the base it passes through unchanged as
 * base_json): the WHERE leaves the row, and its page, alone.
 */
#define DOCS_SAVE                                                                                  \
	"INSERT INTO trunk_docs(id, base, errors, last_error, conflict) "                          \
	"VALUES(?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET base = excluded.base, "               \
	"errors = excluded.errors, last_error = excluded.last_error, "                             \
	"conflict = excluded.conflict WHERE base IS NOT excluded.base "                            \
	"OR errors IS NOT excluded.errors OR last_error IS NOT excluded.last_error "               \
	"OR conflict IS NOT excluded.conflict"
#define LOCAL_SAVE                                                                                 \
	"INSERT INTO trunk_local(id, local) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET "           \
	"local = excluded.local WHERE local IS NOT excluded.local"
#define LOCAL_DELETE "DELETE FROM trunk_local WHERE id = ?"

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
	free(r->stored_name_key);
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
	r->rowid = sqlite3_column_int64(st, 12);
	rc = r->id ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK && keep_base_json && sqlite3_column_type(st, 1) != SQLITE_NULL &&
	    !(r->base_json = store_col_dup(st, 1)))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK && keep_base_json) {
		r->stored = true;
		r->stored_state = r->state;
		if (sqlite3_column_type(st, 11) != SQLITE_NULL &&
		    !(r->stored_name_key = store_col_dup(st, 11)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
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

/* Which of the row's indexed columns hold already what saving r writes (SAVE_SAME_*). */
static int save_variant(const struct row *r, struct tc_error *err, bool *nomem)
{
	*nomem = false;
	if (!r->stored)
		return 0;
	int v = r->state == r->stored_state ? SAVE_SAME_STATE : 0;
	const struct tc_trunk *t = r->local ? r->local : r->base;
	const struct tc_value *name = t ? &t->values[TC_F_NAME] : NULL;
	char *key = NULL;
	if (name && name->state == TC_V_SET && !(key = store_natural_key(name->s ? name->s : ""))) {
		*nomem = true;
		tc_error_set(err, TC_NOMEM, NULL);
		return 0;
	}
	bool same = key && r->stored_name_key ? strcmp(key, r->stored_name_key) == 0
	                                      : key == r->stored_name_key;
	free(key);
	return same ? v | SAVE_SAME_NAME_KEY : v;
}

enum tc_status store_row_save(struct tc_store *s, const struct row *r, struct tc_error *err)
{
	char *base = NULL, *local = NULL;
	enum tc_status rc = r->base_json ? TC_OK : store_encode(r->base, &base, err);
	if (rc == TC_OK)
		rc = store_encode(r->local, &local, err);
	sqlite3_stmt *st = NULL, *docs = NULL, *loc = NULL;
	bool nomem = false;
	int variant = rc == TC_OK ? save_variant(r, err, &nomem) : 0;
	if (nomem)
		rc = TC_NOMEM;
	int64_t rowid = 0;
	bool edited;
	char *before = NULL, *after = NULL;
	if (rc == TC_OK)
		rc = store_trunk_find(s, r->id, &rowid, &edited, &before, err);
	if (rc == TC_OK)
		rc = store_derived_ready(s, err);
	if (rc == TC_OK)
		rc = store_cached(s, STMT_ROW_SAVE + variant, s->sql_save[variant], &st, err);
	if (rc == TC_OK)
		rc = store_cached(s, STMT_DOCS_SAVE, DOCS_SAVE, &docs, err);
	if (rc == TC_OK)
		rc = local ? store_cached(s, STMT_LOCAL_SAVE, LOCAL_SAVE, &loc, err)
		           : store_cached(s, STMT_LOCAL_DELETE, LOCAL_DELETE, &loc, err);
	if (rc == TC_OK) {
		store_bind_text(st, 1, r->id);
		sqlite3_bind_int(st, 2, r->state);
		sqlite3_bind_int(st, 3, r->pending_op);
		sqlite3_bind_int64(st, 4, r->seen_gen);
		sqlite3_bind_int64(st, 5, r->last_seen_ms);
		sqlite3_bind_int64(st, 6, r->edited_ms);
		sqlite3_bind_int(st, 7, r->base != NULL);
		sqlite3_bind_int(st, 8, r->local != NULL);
		if (tc_store_bind_derived(st, 9, r->id, r->local ? r->local : r->base, &after) < 0)
			rc = tc_error_set(err, TC_NOMEM, NULL);
		else
			rc = store_run(s, st, err);
	}
	if (rc == TC_OK)
		rc = store_trunk_written(s, rowid, before, after, err);
	if (rc == TC_OK) {
		store_bind_text(docs, 1, r->id);
		store_bind_text(docs, 2, r->base_json ? r->base_json : base);
		store_bind_text(docs, 3, r->errors);
		store_bind_text(docs, 4, r->last_error);
		store_bind_text(docs, 5, r->conflict);
		rc = store_run(s, docs, err);
	}
	if (rc == TC_OK) {
		store_bind_text(loc, 1, r->id);
		if (local)
			store_bind_text(loc, 2, local);
		rc = store_run(s, loc, err);
	}
	store_release(st);
	store_release(docs);
	store_release(loc);
	free(before);
	free(after);
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
		rc = store_trunk_delete(s, id, err);
	if (rc == TC_OK)
		rc = store_delete_where_id(s, "DELETE FROM trunk_docs WHERE id = ?", id, err);
	if (rc == TC_OK)
		rc = store_delete_where_id(s, LOCAL_DELETE, id, err);
	return rc;
}
