/*
 * search_blocks and the trunk count, kept by the store's writers (schema 7
 * dropped the triggers that kept them: each row a pull wrote opened a
 * statement journal). A write notes the block of a row whose search text
 * changed; store_upkeep_flush makes each noted block again before the
 * commit, or before a search or count inside the transaction reads them.
 */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "store_sql.h"

/* A block's text from its rows, in rowid order as tc_store_search_rebuild_sql makes it; NULL: no
 * rows. */
#define BLOCK_TEXT                                                                                 \
	"SELECT group_concat(e, '') FROM (SELECT " SEARCH_ENTRY(                                   \
	    "trunks") " AS e FROM trunks"                                                          \
	              " WHERE rowid >= ?1 << " BLOCK_SHIFT " AND rowid < (?1 + 1) << " BLOCK_SHIFT \
	              " ORDER BY rowid)"

enum tc_status store_trunk_find(struct tc_store *s, const char *id, int64_t *rowid, bool *edited,
                                char **search, struct tc_error *err)
{
	*rowid = 0;
	*edited = false;
	*search = NULL;
	sqlite3_stmt *st;
	enum tc_status rc = store_cached(
	    s, STMT_TRUNK_FIND, "SELECT rowid, edited, search FROM trunks WHERE id = ?", &st, err);
	if (rc != TC_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int r = store_step(s, st);
	if (r == SQLITE_ROW) {
		*rowid = sqlite3_column_int64(st, 0);
		*edited = sqlite3_column_int(st, 1) != 0;
		if (!(*search = store_col_dup(st, 2)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
	} else if (r != SQLITE_DONE) {
		rc = store_db_fail(s, r, err, "find a trunk");
	}
	store_release(st);
	return rc;
}

/* Notes the block of rowid, unless it is the block noted last (a pull's rows come in order). */
static enum tc_status touch(struct tc_store *s, int64_t rowid, struct tc_error *err)
{
	int64_t block = rowid >> 5;
	if (s->upkeep_n && s->upkeep_blocks[s->upkeep_n - 1] == block)
		return TC_OK;
	if (s->upkeep_n == s->upkeep_cap) {
		size_t cap = s->upkeep_cap ? 2 * s->upkeep_cap : 16;
		int64_t *b = realloc(s->upkeep_blocks, cap * sizeof(*b));
		if (!b)
			return tc_error_set(err, TC_NOMEM, NULL);
		s->upkeep_blocks = b;
		s->upkeep_cap = cap;
	}
	s->upkeep_blocks[s->upkeep_n++] = block;
	/* a write outside a transaction has committed already: no commit would flush it */
	return sqlite3_get_autocommit(s->db) ? store_upkeep_flush(s, err) : TC_OK;
}

enum tc_status store_trunk_written(struct tc_store *s, int64_t rowid, const char *before,
                                   const char *after, struct tc_error *err)
{
	if (rowid == 0) {
		s->upkeep_count++;
		return touch(s, sqlite3_last_insert_rowid(s->db), err);
	}
	bool same = before && after ? strcmp(before, after) == 0 : before == after;
	return same ? TC_OK : touch(s, rowid, err);
}

enum tc_status store_trunk_delete(struct tc_store *s, const char *id, struct tc_error *err)
{
	int64_t rowid;
	bool edited;
	char *search;
	enum tc_status rc = store_trunk_find(s, id, &rowid, &edited, &search, err);
	free(search);
	if (rc != TC_OK || rowid == 0)
		return rc;
	sqlite3_stmt *st;
	rc = store_cached(s, STMT_TRUNK_DELETE, "DELETE FROM trunks WHERE rowid = ?", &st, err);
	if (rc == TC_OK) {
		sqlite3_bind_int64(st, 1, rowid);
		rc = store_run(s, st, err);
	}
	store_release(st);
	if (rc == TC_OK) {
		s->upkeep_count--;
		rc = touch(s, rowid, err);
	}
	return rc;
}

static int block_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Writes a block's text again from its rows, or deletes it when it has none. */
static enum tc_status rebuild_block(struct tc_store *s, int64_t block, struct tc_error *err)
{
	sqlite3_stmt *st, *w = NULL;
	enum tc_status rc = store_cached(s, STMT_BLOCK_TEXT, BLOCK_TEXT, &st, err);
	if (rc != TC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, block);
	int r = store_step(s, st);
	const char *text = r == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (r != SQLITE_ROW)
		rc = store_db_fail(s, r, err, "read a search block");
	else if (!text)
		rc = store_cached(s, STMT_BLOCK_DELETE, "DELETE FROM search_blocks WHERE block = ?",
		                  &w, err);
	else
		rc = store_cached(s, STMT_BLOCK_UPDATE,
		                  "UPDATE search_blocks SET text = ?2 WHERE block = ?1", &w, err);
	/* text stays valid until st is reset, after w's steps */
	if (rc == TC_OK) {
		sqlite3_bind_int64(w, 1, block);
		if (text)
			sqlite3_bind_text(w, 2, text, sqlite3_column_bytes(st, 0), SQLITE_STATIC);
		rc = store_run(s, w, err);
	}
	store_release(w);
	/* not a conflict clause: an upsert with one would open a statement journal */
	if (rc == TC_OK && text && sqlite3_changes(s->db) == 0) {
		rc = store_cached(s, STMT_BLOCK_INSERT,
		                  "INSERT INTO search_blocks(block, text) VALUES(?1, ?2)", &w, err);
		if (rc == TC_OK) {
			sqlite3_bind_int64(w, 1, block);
			sqlite3_bind_text(w, 2, text, sqlite3_column_bytes(st, 0), SQLITE_STATIC);
			rc = store_run(s, w, err);
		}
		store_release(w);
	}
	store_release(st);
	return rc;
}

enum tc_status store_upkeep_flush(struct tc_store *s, struct tc_error *err)
{
	enum tc_status rc = TC_OK;
	if (s->upkeep_count) {
		sqlite3_stmt *st;
		rc = store_cached(s, STMT_COUNT_ADD,
		                  "UPDATE meta SET value = value + ? WHERE key = 'trunk_count'",
		                  &st, err);
		if (rc == TC_OK) {
			sqlite3_bind_int64(st, 1, s->upkeep_count);
			rc = store_run(s, st, err);
		}
		store_release(st);
	}
	if (s->upkeep_n > 1)
		qsort(s->upkeep_blocks, s->upkeep_n, sizeof(*s->upkeep_blocks), block_cmp);
	for (size_t i = 0; rc == TC_OK && i < s->upkeep_n; i++)
		if (i == 0 || s->upkeep_blocks[i] != s->upkeep_blocks[i - 1])
			rc = rebuild_block(s, s->upkeep_blocks[i], err);
	/* on failure the caller rolls back what these were owed for */
	store_upkeep_drop(s);
	return rc;
}

void store_upkeep_drop(struct tc_store *s)
{
	s->upkeep_n = 0;
	s->upkeep_count = 0;
}
