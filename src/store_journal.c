/* The journal of requests sent, the counts for the status line, and the last sync's result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "trunk_json.h"

/* ---- journal ---- */

enum tc_status tc_store_journal_add(struct tc_store *s, const struct tc_journal_entry *e,
                                    struct tc_error *err)
{
	char *changes = NULL, *before = NULL;
	/* masked here whatever the caller did: the journal is for reading out loud */
	if ((e->changes && !(changes = tc_trunk_to_flat_json(e->changes, TC_JSON_WITH_EXTRA))) ||
	    (e->before && !(before = tc_trunk_to_flat_json(e->before, TC_JSON_WITH_EXTRA)))) {
		free(changes);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s,
	                                  "INSERT INTO journal(time_ms, profile, method, trunk_id, "
	                                  "changes, http_status, request_id, error, before, "
	                                  "trunk_name, user, host) "
	                                  "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                                  &st, err);
	if (rc == TC_OK) {
		sqlite3_bind_int64(st, 1, e->time_ms ? e->time_ms : tc_store_now(s));
		store_bind_text(st, 2, e->profile);
		store_bind_text(st, 3, e->method);
		store_bind_text(st, 4, e->trunk_id);
		store_bind_text(st, 5, changes);
		sqlite3_bind_int(st, 6, e->http_status);
		store_bind_text(st, 7, e->request_id);
		store_bind_text(st, 8, e->error);
		store_bind_text(st, 9, before);
		store_bind_text(st, 10, e->trunk_name);
		store_bind_text(st, 11, e->user);
		store_bind_text(st, 12, e->host);
		rc = store_run(s, st, err);
		sqlite3_finalize(st);
	}
	free(changes);
	free(before);
	return rc;
}

enum tc_status tc_store_journal(struct tc_store *s, size_t limit, struct tc_journal_list *out,
                                struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st;
	enum tc_status rc =
	    store_prepare(s,
	                  "SELECT seq, time_ms, profile, method, trunk_id, changes, "
	                  "http_status, request_id, error, before, trunk_name, user, host "
	                  "FROM journal "
	                  "ORDER BY seq DESC LIMIT ?",
	                  &st, err);
	if (rc != TC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, limit ? (int64_t)limit : -1);
	size_t cap = 0;
	int r;
	while (rc == TC_OK && (r = store_step(s, st)) == SQLITE_ROW) {
		struct tc_journal_entry *m =
		    tc_grow(out->items, &cap, out->count + 1, sizeof(*m), 32);
		if (!m) {
			rc = tc_error_set(err, TC_NOMEM, NULL);
			break;
		}
		out->items = m;
		struct tc_journal_entry *e = &out->items[out->count++];
		memset(e, 0, sizeof(*e));
		e->seq = sqlite3_column_int64(st, 0);
		e->time_ms = sqlite3_column_int64(st, 1);
		e->profile = store_col_dup(st, 2);
		e->method = store_col_dup(st, 3);
		e->trunk_id = store_col_dup(st, 4);
		e->http_status = sqlite3_column_int(st, 6);
		e->request_id = store_col_dup(st, 7);
		e->error = store_col_dup(st, 8);
		e->trunk_name = store_col_dup(st, 10);
		e->user = store_col_dup(st, 11);
		e->host = store_col_dup(st, 12);
		rc = store_decode_col(s, st, 5, e->trunk_id, &e->changes, err);
		if (rc == TC_OK)
			rc = store_decode_col(s, st, 9, e->trunk_id, &e->before, err);
	}
	if (rc == TC_OK && r != SQLITE_DONE)
		rc = store_db_fail(s, r, err, "read journal");
	sqlite3_finalize(st);
	if (rc != TC_OK)
		tc_journal_list_finish(out);
	return rc;
}

/* ---- counts and sync metadata ---- */

enum tc_status tc_store_counts(struct tc_store *s, struct tc_store_counts *out,
                               struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = NULL;
	enum tc_status rc = store_upkeep_flush(s, err);
	if (rc == TC_OK)
		rc = store_prepare(s,
		                   "SELECT (SELECT value FROM meta WHERE key = 'trunk_count'), "
		                   "(SELECT count(*) FROM outbox WHERE state IN (0, 1)), "
		                   "(SELECT count(*) FROM outbox WHERE state = 1), "
		                   "(SELECT count(*) FROM trunks WHERE state = 2), "
		                   "(SELECT count(*) FROM trunks WHERE state = 3)",
		                   &st, err);
	if (rc != TC_OK)
		return rc;
	int r = store_step(s, st);
	if (r == SQLITE_ROW) {
		out->trunks = (size_t)sqlite3_column_int64(st, 0);
		out->queued = (size_t)sqlite3_column_int64(st, 1);
		out->in_flight = (size_t)sqlite3_column_int64(st, 2);
		out->conflicts = (size_t)sqlite3_column_int64(st, 3);
		out->rejected = (size_t)sqlite3_column_int64(st, 4);
	} else {
		rc = store_db_fail(s, r, err, "count");
	}
	sqlite3_finalize(st);
	return rc;
}

enum tc_status tc_store_sync_meta(struct tc_store *s, struct tc_store_sync_meta *out,
                                  struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	int64_t status = 0;
	enum tc_status rc = store_meta_get_int(s, "last_pull_ms", &out->last_pull_ms, err);
	if (rc == TC_OK)
		rc = store_meta_get_int(s, "last_sync_ms", &out->last_sync_ms, err);
	if (rc == TC_OK)
		rc = store_meta_get_int(s, "last_status", &status, err);
	if (rc == TC_OK)
		rc = store_meta_get_int(s, "retry_until_ms", &out->retry_until_ms, err);
	out->last_status = status >= 0 && status < TC_STATUS_COUNT ? (enum tc_status)status : TC_OK;
	sqlite3_stmt *st;
	if (rc == TC_OK)
		rc = store_prepare(s, "SELECT value FROM meta WHERE key = 'last_error'", &st, err);
	if (rc == TC_OK) {
		if (store_step(s, st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(out->last_error, sizeof(out->last_error), "%s",
			         (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	return rc;
}

enum tc_status tc_store_set_sync_result(struct tc_store *s, int64_t finished_ms,
                                        enum tc_status status, const char *message,
                                        int64_t retry_until_ms, struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	int64_t st = status;
	rc = store_meta_set(s, "last_sync_ms", NULL, &finished_ms, err);
	if (rc == TC_OK)
		rc = store_meta_set(s, "last_status", NULL, &st, err);
	if (rc == TC_OK)
		rc = store_meta_set(s, "last_error", message ? message : "", NULL, err);
	if (rc == TC_OK)
		rc = store_meta_set(s, "retry_until_ms", NULL, &retry_until_ms, err);
	return store_write_end(s, own, rc, err);
}
