/*
 * Statements against the store: SQLite's result codes as statuses, retries
 * while another process holds a lock, transactions, and the meta table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_private.h"

/* ---- errors and statements ---- */

enum tc_status store_db_fail(struct tc_store *s, int rc, struct tc_error *err, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return tc_error_set(err, TC_NOMEM, NULL);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return tc_error_set(err, TC_BUSY,
		                    "the local store %s is busy (another trunkctl is writing): %s",
		                    s->path, what);
	case SQLITE_NOTADB:
		return tc_error_set(
		    err, TC_CORRUPT,
		    "%s is not a trunkctl store (not an SQLite database); it was left "
		    "as it is",
		    s->path);
	case SQLITE_READONLY:
		if (s->read_only_why[0])
			return tc_error_set(err, TC_READ_ONLY, "nothing was saved: %s",
			                    s->read_only_why);
		return tc_error_set(err, TC_READ_ONLY,
		                    "nothing was saved: the local store %s cannot be written (%s)",
		                    s->path, sqlite3_errstr(rc));
	case SQLITE_CORRUPT:
		return tc_error_set(
		    err, TC_CORRUPT,
		    "%s is damaged or is not a trunkctl store (%s); it was left as it "
		    "is",
		    s->path, sqlite3_errstr(rc));
	default:
		return tc_error_set(err, TC_STORE, "local store %s: %s: %s", s->path, what,
		                    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	}
}

/*
 * SQLite's busy handler does not cover every case (setting WAL mode, a
 * deadlock it detects between a reader and a writer), so statements that take
 * locks are retried here until the same timeout, with short real naps. This
 * waits for another process; tests never depend on it.
 */
static bool busy_again(struct tc_store *s, int rc, int64_t started)
{
	if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
		return false;
	if (tc_monotonic_ms() - started > s->busy_timeout_ms)
		return false;
	struct timespec nap = {0, 2 * 1000 * 1000};
	nanosleep(&nap, NULL);
	return true;
}

enum tc_status store_exec(struct tc_store *s, const char *sql, struct tc_error *err)
{
	int64_t started = tc_monotonic_ms();
	int rc;
	while ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		if (!busy_again(s, rc, started))
			return store_db_fail(s, rc, err, sql);
	return TC_OK;
}

static enum tc_status prepare(struct tc_store *s, const char *sql, unsigned flags,
                              sqlite3_stmt **st, struct tc_error *err)
{
	int64_t started = tc_monotonic_ms();
	int rc;
	while ((rc = sqlite3_prepare_v3(s->db, sql, -1, flags, st, NULL)) != SQLITE_OK)
		if (!busy_again(s, rc, started))
			return store_db_fail(s, rc, err, "prepare");
	return TC_OK;
}

enum tc_status store_prepare(struct tc_store *s, const char *sql, sqlite3_stmt **st,
                             struct tc_error *err)
{
	return prepare(s, sql, 0, st, err);
}

enum tc_status store_cached(struct tc_store *s, enum store_stmt which, const char *sql,
                            sqlite3_stmt **st, struct tc_error *err)
{
	enum tc_status rc = TC_OK;
	if (!s->cached[which])
		rc = prepare(s, sql, SQLITE_PREPARE_PERSISTENT, &s->cached[which], err);
	*st = s->cached[which];
	return rc;
}

void store_release(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

void store_cache_clear(struct tc_store *s)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(s->cached[i]);
		s->cached[i] = NULL;
	}
}

/* sqlite3_step; SQLITE_ROW and SQLITE_DONE are success. */
int store_step(struct tc_store *s, sqlite3_stmt *st)
{
	int64_t started = tc_monotonic_ms();
	int rc;
	while ((rc = sqlite3_step(st)) != SQLITE_ROW && rc != SQLITE_DONE) {
		if (!busy_again(s, rc, started))
			break;
		sqlite3_reset(st);
	}
	return rc;
}

/* Runs a statement to completion. */
enum tc_status store_run(struct tc_store *s, sqlite3_stmt *st, struct tc_error *err)
{
	int rc = store_step(s, st);
	while (rc == SQLITE_ROW)
		rc = store_step(s, st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, rc, err, sqlite3_sql(st));
	return TC_OK;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

char *store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? strdup((const char *)t) : NULL;
}
enum tc_status store_pragma_int(struct tc_store *s, const char *sql, int64_t *out,
                                struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql, &st, err);
	if (rc != TC_OK)
		return rc;
	int r = store_step(s, st);
	*out = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_db_fail(s, r, err, sql);
	return TC_OK;
}

enum tc_status tc_store_data_version(struct tc_store *s, int64_t *out, struct tc_error *err)
{
	return store_pragma_int(s, "PRAGMA data_version", out, err);
}

/* Steps st to its end, copying its first column into a growing array; on failure too the
 * caller frees the *n entries (some may be NULL) and *ids. what names the query in errors. */
enum tc_status store_collect_ids(struct tc_store *s, sqlite3_stmt *st, const char *what,
                                 char ***ids_out, size_t *n_out, struct tc_error *err)
{
	char **ids = NULL;
	size_t n = 0, cap = 0;
	enum tc_status rc = TC_OK;
	int r;
	while (rc == TC_OK && (r = store_step(s, st)) == SQLITE_ROW) {
		char **m = tc_grow(ids, &cap, n + 1, sizeof(*m), 16);
		if (!m) {
			rc = tc_error_set(err, TC_NOMEM, NULL);
			break;
		}
		ids = m;
		if (!(ids[n++] = store_col_dup(st, 0)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	if (rc == TC_OK && r != SQLITE_DONE)
		rc = store_db_fail(s, r, err, what);
	*ids_out = ids;
	*n_out = n;
	return rc;
}

/* ---- transactions ---- */

enum tc_status tc_store_begin(struct tc_store *s, struct tc_error *err)
{
	if (!sqlite3_get_autocommit(s->db))
		return tc_error_set(err, TC_USAGE, "a store transaction is already open");
	/* what an earlier one owed died with it, whoever rolled it back (SQLite may) */
	store_upkeep_drop(s);
	return store_exec(s, "BEGIN IMMEDIATE", err);
}

enum tc_status tc_store_commit(struct tc_store *s, struct tc_error *err)
{
	enum tc_status rc = store_upkeep_flush(s, err);
	if (rc == TC_OK)
		rc = store_exec(s, "COMMIT", err);
	if (rc != TC_OK)
		tc_store_rollback(s);
	return rc;
}

void tc_store_rollback(struct tc_store *s)
{
	if (s)
		store_upkeep_drop(s);
	if (s && s->db && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Joins the caller's transaction, or opens one that store_write_end closes. */
enum tc_status store_write_begin(struct tc_store *s, bool *own, struct tc_error *err)
{
	*own = sqlite3_get_autocommit(s->db) != 0;
	if (*own)
		store_upkeep_drop(s);
	return *own ? store_exec(s, "BEGIN IMMEDIATE", err) : TC_OK;
}

enum tc_status store_write_end(struct tc_store *s, bool own, enum tc_status rc,
                               struct tc_error *err)
{
	if (!own)
		return rc;
	if (rc == TC_OK)
		return tc_store_commit(s, err);
	tc_store_rollback(s);
	return rc;
}

/* A read snapshot, so a list and its count agree. */
enum tc_status store_read_begin(struct tc_store *s, bool *own, struct tc_error *err)
{
	*own = sqlite3_get_autocommit(s->db) != 0;
	return *own ? store_exec(s, "BEGIN", err) : TC_OK;
}

void store_read_end(struct tc_store *s, bool own)
{
	if (own)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
}

/* ---- meta ---- */

/* A meta value as a number (num) or as text (text, size bytes; "" when absent). */
enum tc_status store_meta_get(struct tc_store *s, const char *key, int64_t *num, char *text,
                              size_t size, struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, "SELECT value FROM meta WHERE key = ?", &st, err);
	if (rc != TC_OK)
		return rc;
	store_bind_text(st, 1, key);
	int r = store_step(s, st);
	if (num)
		*num = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (text) {
		const char *v = r == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		snprintf(text, size, "%s", v ? v : "");
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_db_fail(s, r, err, "read meta");
	return TC_OK;
}

enum tc_status store_meta_get_int(struct tc_store *s, const char *key, int64_t *out,
                                  struct tc_error *err)
{
	return store_meta_get(s, key, out, NULL, 0, err);
}

enum tc_status store_meta_set(struct tc_store *s, const char *key, const char *text,
                              const int64_t *num, struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s,
	                                  "INSERT INTO meta(key, value) VALUES(?, ?) "
	                                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	                                  &st, err);
	if (rc != TC_OK)
		return rc;
	store_bind_text(st, 1, key);
	if (num)
		sqlite3_bind_int64(st, 2, *num);
	else
		store_bind_text(st, 2, text);
	rc = store_run(s, st, err);
	sqlite3_finalize(st);
	return rc;
}
