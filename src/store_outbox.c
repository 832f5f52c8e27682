/*
 * The outbox: the queued entries behind every local edit, the state of a
 * trunk recomputed from them, and what the sync engine records after each
 * request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

/* ---- outbox entries ---- */

static void entry_clear(struct tc_outbox_entry *e)
{
	free(e->trunk_id);
	tc_trunk_destroy(e->payload);
	tc_trunk_destroy(e->base);
	free(e->last_error);
}

void tc_outbox_list_finish(struct tc_outbox_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		entry_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* A base_shared entry's base is its trunk's (store_schema.c, version 6). */
#define ENTRY_COLUMNS                                                                              \
	"seq, trunk_id, op, state, payload, CASE WHEN base_shared THEN (SELECT d.base FROM "       \
	"trunk_docs AS d WHERE d.id = trunk_id) ELSE base END, attempts, next_attempt_ms, "        \
	"created_ms, last_error"

/*
 * In a write of an entry, with ?1 its trunk's id and ?5 its base as flat
 * JSON: true when that is the trunk's base in trunk_docs, kept there, so the
 * entry shares it rather than copy it.
 */
#define BASE_SHARED                                                                                \
	"(?5 IS NOT NULL AND ?5 IS (SELECT d.base FROM trunk_docs AS d WHERE d.id = ?1))"
#define BASE_OWN "CASE WHEN " BASE_SHARED " THEN NULL ELSE ?5 END"

/* Runs a SELECT of ENTRY_COLUMNS (already bound) into out. */
static enum tc_status entries_read(struct tc_store *s, sqlite3_stmt *st, struct tc_outbox_list *out,
                                   struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0;
	enum tc_status rc = TC_OK;
	int r;
	while (rc == TC_OK && (r = store_step(s, st)) == SQLITE_ROW) {
		struct tc_outbox_entry *n =
		    tc_grow(out->items, &cap, out->count + 1, sizeof(*n), 8);
		if (!n) {
			rc = tc_error_set(err, TC_NOMEM, NULL);
			break;
		}
		out->items = n;
		struct tc_outbox_entry *e = &out->items[out->count++];
		memset(e, 0, sizeof(*e));
		e->seq = sqlite3_column_int64(st, 0);
		e->trunk_id = store_col_dup(st, 1);
		e->op = (enum tc_outbox_op)sqlite3_column_int(st, 2);
		e->state = (enum tc_outbox_state)sqlite3_column_int(st, 3);
		e->attempts = (unsigned)sqlite3_column_int(st, 6);
		e->next_attempt_ms = sqlite3_column_int64(st, 7);
		e->created_ms = sqlite3_column_int64(st, 8);
		e->last_error = store_col_dup(st, 9);
		if (!e->trunk_id)
			rc = tc_error_set(err, TC_NOMEM, NULL);
		if (rc == TC_OK)
			rc = store_decode_col(s, st, 4, e->trunk_id, &e->payload, err);
		if (rc == TC_OK)
			rc = store_decode_col(s, st, 5, e->trunk_id, &e->base, err);
	}
	if (rc == TC_OK && r != SQLITE_DONE)
		rc = store_db_fail(s, r, err, "read outbox");
	if (rc != TC_OK)
		tc_outbox_list_finish(out);
	return rc;
}

enum tc_status store_entries_of(struct tc_store *s, const char *trunk_id,
                                struct tc_outbox_list *out, struct tc_error *err)
{
	sqlite3_stmt *st;
	memset(out, 0, sizeof(*out));
	enum tc_status rc = store_cached(
	    s, STMT_ENTRIES_OF,
	    "SELECT " ENTRY_COLUMNS " FROM outbox WHERE trunk_id = ? ORDER BY seq", &st, err);
	if (rc != TC_OK)
		return rc;
	store_bind_text(st, 1, trunk_id);
	rc = entries_read(s, st, out, err);
	store_release(st);
	return rc;
}

static enum tc_status entry_load(struct tc_store *s, int64_t seq, struct tc_outbox_list *out,
                                 struct tc_error *err)
{
	sqlite3_stmt *st;
	memset(out, 0, sizeof(*out));
	enum tc_status rc =
	    store_prepare(s, "SELECT " ENTRY_COLUMNS " FROM outbox WHERE seq = ?", &st, err);
	if (rc != TC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	rc = entries_read(s, st, out, err);
	sqlite3_finalize(st);
	if (rc == TC_OK && out->count == 0)
		rc = tc_error_set(err, TC_NOT_FOUND, "no outbox entry %lld", (long long)seq);
	return rc;
}

enum tc_status store_entry_insert_json(struct tc_store *s, const char *trunk_id,
                                       enum tc_outbox_op op, const struct tc_trunk *payload,
                                       const char *base_json, struct tc_error *err)
{
	char *p = NULL;
	sqlite3_stmt *st = NULL;
	enum tc_status rc = store_encode(payload, &p, err);
	if (rc == TC_OK)
		rc = store_cached(
		    s, STMT_ENTRY_INSERT,
		    "INSERT INTO outbox(trunk_id, op, state, payload, base, base_shared, "
		    "created_ms) VALUES(?1, ?2, ?3, ?4, " BASE_OWN ", " BASE_SHARED ", ?6)",
		    &st, err);
	if (rc == TC_OK) {
		store_bind_text(st, 1, trunk_id);
		sqlite3_bind_int(st, 2, op);
		sqlite3_bind_int(st, 3, TC_OUTBOX_QUEUED);
		store_bind_text(st, 4, p);
		store_bind_text(st, 5, base_json);
		sqlite3_bind_int64(st, 6, tc_store_now(s));
		rc = store_run(s, st, err);
	}
	store_release(st);
	free(p);
	return rc;
}

enum tc_status store_entry_insert(struct tc_store *s, const char *trunk_id, enum tc_outbox_op op,
                                  const struct tc_trunk *payload, const struct tc_trunk *base,
                                  struct tc_error *err)
{
	char *b = NULL;
	enum tc_status rc = store_encode(base, &b, err);
	if (rc == TC_OK)
		rc = store_entry_insert_json(s, trunk_id, op, payload, b, err);
	free(b);
	return rc;
}

enum tc_status store_entry_save(struct tc_store *s, const struct tc_outbox_entry *e,
                                struct tc_error *err)
{
	char *p = NULL, *b = NULL;
	sqlite3_stmt *st = NULL;
	enum tc_status rc = store_encode(e->payload, &p, err);
	if (rc == TC_OK)
		rc = store_encode(e->base, &b, err);
	if (rc == TC_OK)
		rc = store_cached(
		    s, STMT_ENTRY_SAVE,
		    "UPDATE outbox SET trunk_id = ?1, op = ?2, state = ?3, payload = ?4, "
		    "base = " BASE_OWN ", base_shared = " BASE_SHARED ", attempts = ?6, "
		    "next_attempt_ms = ?7, last_error = ?8 WHERE seq = ?9",
		    &st, err);
	if (rc == TC_OK) {
		store_bind_text(st, 1, e->trunk_id);
		sqlite3_bind_int(st, 2, e->op);
		sqlite3_bind_int(st, 3, e->state);
		store_bind_text(st, 4, p);
		store_bind_text(st, 5, b);
		sqlite3_bind_int(st, 6, (int)e->attempts);
		sqlite3_bind_int64(st, 7, e->next_attempt_ms);
		store_bind_text(st, 8, e->last_error);
		sqlite3_bind_int64(st, 9, e->seq);
		rc = store_run(s, st, err);
	}
	store_release(st);
	free(p);
	free(b);
	return rc;
}

enum tc_status store_entry_delete(struct tc_store *s, int64_t seq, struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc =
	    store_cached(s, STMT_ENTRY_DELETE, "DELETE FROM outbox WHERE seq = ?", &st, err);
	if (rc != TC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	rc = store_run(s, st, err);
	store_release(st);
	return rc;
}

void store_entries_drop_last(struct tc_outbox_list *l)
{
	if (l->count == 0)
		return;
	entry_clear(&l->items[--l->count]);
}

bool store_entries_add_queued(struct tc_outbox_list *l, enum tc_outbox_op op)
{
	struct tc_outbox_entry *m = realloc(l->items, (l->count + 1) * sizeof(*m));
	if (!m)
		return false;
	l->items = m;
	memset(&m[l->count], 0, sizeof(*m));
	m[l->count].op = op;
	m[l->count].state = TC_OUTBOX_QUEUED;
	l->count++;
	return true;
}

bool store_has_in_flight(const struct tc_outbox_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].state == TC_OUTBOX_IN_FLIGHT)
			return true;
	return false;
}

/*
 * An entry sent without an answer (in flight now, or queued again after a
 * lost answer, a cancelled sync or a crash) may be on the server already: its
 * values there are ours, and an edit folded into it would make them look
 * like another operator's (a conflict), or, edited back, never be sent. A
 * rejected entry was answered: nothing of it landed.
 */
bool store_entry_may_have_landed(const struct tc_outbox_entry *e)
{
	return e->state == TC_OUTBOX_IN_FLIGHT || (e->state == TC_OUTBOX_QUEUED && e->attempts > 0);
}

/* Drops every entry of the list that is not in flight. */
enum tc_status store_drop_unsent(struct tc_store *s, const struct tc_outbox_list *l,
                                 struct tc_error *err)
{
	enum tc_status rc = TC_OK;
	for (size_t i = 0; rc == TC_OK && i < l->count; i++)
		if (l->items[i].state != TC_OUTBOX_IN_FLIGHT)
			rc = store_entry_delete(s, l->items[i].seq, err);
	return rc;
}

/* Drops every entry of the list that cannot have reached the server; true if any is kept. */
enum tc_status store_drop_unlanded(struct tc_store *s, const struct tc_outbox_list *l, bool *kept,
                                   struct tc_error *err)
{
	enum tc_status rc = TC_OK;
	*kept = false;
	for (size_t i = 0; rc == TC_OK && i < l->count; i++) {
		if (store_entry_may_have_landed(&l->items[i]))
			*kept = true;
		else
			rc = store_entry_delete(s, l->items[i].seq, err);
	}
	return rc;
}

/*
 * The fields of want to send so that the server, holding have, ends up with
 * want: the sendable fields that differ (all set ones when have is NULL).
 * Returns a new trunk (no id) or NULL on NOMEM; *count says how many.
 */
struct tc_trunk *store_changed_fields(const struct tc_trunk *want, const struct tc_trunk *have,
                                      unsigned send_flag, size_t *count)
{
	struct tc_trunk *p = tc_trunk_new();
	*count = 0;
	if (!p)
		return NULL;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		const struct tc_value *v = &want->values[f];
		if (!(fi->flags & send_flag) || v->state == TC_V_ABSENT)
			continue;
		if (have && tc_value_equal(v, &have->values[f], fi->type))
			continue;
		if (tc_value_copy(&p->values[f], v, fi->type) != TC_OK) {
			tc_trunk_destroy(p);
			return NULL;
		}
		(*count)++;
	}
	const char *we = want->extra_json, *he = have ? have->extra_json : NULL;
	if (we && (!he || strcmp(we, he) != 0)) {
		if (!(p->extra_json = strdup(we))) {
			tc_trunk_destroy(p);
			return NULL;
		}
		(*count)++;
	}
	return p;
}

bool store_same_record(const struct tc_trunk *a, const struct tc_trunk *b)
{
	if (!a || !b)
		return a == b;
	if (tc_trunk_diff(a, b, NULL) != 0)
		return false;
	if (!a->extra_json || !b->extra_json)
		return a->extra_json == b->extra_json;
	return strcmp(a->extra_json, b->extra_json) == 0;
}

/*
 * Recomputes a trunk's state from its entries and saves it: no entry left
 * means synced (local version dropped) or, for a trunk the server never had,
 * gone.
 */
enum tc_status store_row_settle_entries(struct tc_store *s, struct row *r,
                                        const struct tc_outbox_list *l, struct tc_error *err)
{
	if (l->count == 0) {
		if (!r->base)
			return store_row_delete(s, r->id, err);
		tc_trunk_destroy(r->local);
		r->local = NULL;
		r->state = TC_SYNC_SYNCED;
		r->pending_op = TC_OP_NONE;
		free(r->errors);
		free(r->last_error);
		free(r->conflict);
		r->errors = r->last_error = r->conflict = NULL;
		return store_row_save(s, r, err);
	}
	enum tc_sync_state state = TC_SYNC_PENDING;
	enum tc_outbox_op op = r->base ? TC_OP_UPDATE : TC_OP_CREATE;
	const char *last_error = NULL;
	for (size_t i = 0; i < l->count; i++) {
		const struct tc_outbox_entry *e = &l->items[i];
		if (e->state == TC_OUTBOX_CONFLICT)
			state = TC_SYNC_CONFLICT;
		else if (e->state == TC_OUTBOX_REJECTED && state != TC_SYNC_CONFLICT)
			state = TC_SYNC_REJECTED;
		if (e->op == TC_OP_DELETE)
			op = TC_OP_DELETE;
		if (e->last_error)
			last_error = e->last_error;
	}
	r->state = state;
	r->pending_op = op;
	if (state != TC_SYNC_CONFLICT) {
		free(r->conflict);
		r->conflict = NULL;
	}
	if (state != TC_SYNC_REJECTED) {
		free(r->errors);
		r->errors = NULL;
	}
	free(r->last_error);
	bool copied = tc_strdup_opt(&r->last_error, last_error);
	if (!copied)
		return tc_error_set(err, TC_NOMEM, NULL);
	return store_row_save(s, r, err);
}

enum tc_status store_row_settle(struct tc_store *s, struct row *r, struct tc_error *err)
{
	struct tc_outbox_list l;
	enum tc_status rc = store_entries_of(s, r->id, &l, err);
	if (rc == TC_OK)
		rc = store_row_settle_entries(s, r, &l, err);
	tc_outbox_list_finish(&l);
	return rc;
}

/* ---- the outbox, for the sync engine ---- */

enum tc_status tc_store_outbox(struct tc_store *s, enum tc_outbox_filter filter, int64_t now_ms,
                               struct tc_outbox_list *out, struct tc_error *err)
{
	static const char *const sql[] = {
	    [TC_OUTBOX_ALL] = "SELECT " ENTRY_COLUMNS " FROM outbox ORDER BY seq",
	    [TC_OUTBOX_DUE] = "SELECT " ENTRY_COLUMNS " FROM outbox o WHERE state = 0 AND "
	                      "next_attempt_ms <= ?1 AND NOT EXISTS (SELECT 1 FROM outbox p "
	                      "WHERE p.trunk_id = o.trunk_id AND p.seq < o.seq) ORDER BY seq",
	    [TC_OUTBOX_INFLIGHT] = "SELECT " ENTRY_COLUMNS " FROM outbox WHERE state = 1 "
	                           "ORDER BY seq",
	};
	memset(out, 0, sizeof(*out));
	if ((int)filter < 0 || filter > TC_OUTBOX_INFLIGHT)
		return tc_error_set(err, TC_USAGE, "unknown outbox filter");
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql[filter], &st, err);
	if (rc != TC_OK)
		return rc;
	if (filter == TC_OUTBOX_DUE)
		sqlite3_bind_int64(st, 1, now_ms);
	bool own;
	rc = store_read_begin(s, &own, err);
	if (rc == TC_OK) {
		rc = entries_read(s, st, out, err);
		store_read_end(s, own);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Loads entry seq and its trunk, runs fn in one transaction, then settles the trunk. */
typedef enum tc_status (*entry_fn)(struct tc_store *s, struct tc_outbox_entry *e, struct row *r,
                                   const void *arg, struct tc_error *err);

static enum tc_status with_entry(struct tc_store *s, int64_t seq, entry_fn fn, const void *arg,
                                 struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	struct tc_outbox_list l = {0};
	struct row r = {0};
	rc = entry_load(s, seq, &l, err);
	if (rc == TC_OK)
		rc = store_row_load(s, l.items[0].trunk_id, &r, err);
	if (rc == TC_OK)
		rc = fn(s, &l.items[0], &r, arg, err);
	tc_outbox_list_finish(&l);
	store_row_clear(&r);
	return store_write_end(s, own, rc, err);
}

enum tc_status tc_store_outbox_get(struct tc_store *s, int64_t seq, struct tc_outbox_list *out,
                                   struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_read_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	rc = entry_load(s, seq, out, err);
	store_read_end(s, own);
	return rc;
}

bool tc_outbox_entry_same(const struct tc_outbox_entry *a, const struct tc_outbox_entry *b)
{
	return a->seq == b->seq && a->op == b->op && a->state == b->state &&
	       strcmp(a->trunk_id, b->trunk_id) == 0 && store_same_record(a->payload, b->payload) &&
	       store_same_record(a->base, b->base);
}

static enum tc_status begin_send_fn(struct tc_store *s, struct tc_outbox_entry *e, struct row *r,
                                    const void *arg, struct tc_error *err)
{
	e->state = TC_OUTBOX_IN_FLIGHT;
	e->attempts++;
	return store_entry_save(s, e, err);
}

enum tc_status tc_store_outbox_begin_send(struct tc_store *s, int64_t seq, struct tc_error *err)
{
	return with_entry(s, seq, begin_send_fn, NULL, err);
}

static enum tc_status set_document(struct tc_store *s, const char *id, const char *document,
                                   struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc =
	    store_prepare(s, "UPDATE trunk_docs SET document = ? WHERE id = ?", &st, err);
	if (rc != TC_OK)
		return rc;
	store_bind_text(st, 1, document);
	store_bind_text(st, 2, id);
	rc = store_run(s, st, err);
	sqlite3_finalize(st);
	return rc;
}

/* Moves a trunk created here to the id the server gave it. */
static enum tc_status move_id(struct tc_store *s, struct row *r, const char *server_id,
                              struct tc_error *err)
{
	/* a pull may already have brought the new trunk in under its server id */
	enum tc_status rc = store_row_delete(s, server_id, err);
	sqlite3_stmt *st;
	/* an entry sharing the old id's base would read the new id's */
	if (rc == TC_OK)
		rc = store_prepare(s,
		                   "UPDATE outbox SET trunk_id = ?1, base = CASE WHEN base_shared "
		                   "THEN (SELECT d.base FROM trunk_docs AS d WHERE d.id = ?2) "
		                   "ELSE base END, base_shared = 0 WHERE trunk_id = ?2",
		                   &st, err);
	if (rc == TC_OK) {
		store_bind_text(st, 1, server_id);
		store_bind_text(st, 2, r->id);
		rc = store_run(s, st, err);
		sqlite3_finalize(st);
	}
	if (rc == TC_OK)
		rc = store_trunk_delete(s, r->id, err);
	if (rc == TC_OK)
		rc = store_delete_where_id(s, "DELETE FROM trunk_docs WHERE id = ?", r->id, err);
	if (rc == TC_OK)
		rc = store_delete_where_id(s, "DELETE FROM trunk_local WHERE id = ?", r->id, err);
	if (rc == TC_OK)
		rc = store_prepare(
		    s, "INSERT OR REPLACE INTO id_map(local_id, server_id) VALUES(?, ?)", &st, err);
	if (rc == TC_OK) {
		store_bind_text(st, 1, r->id);
		store_bind_text(st, 2, server_id);
		rc = store_run(s, st, err);
		sqlite3_finalize(st);
	}
	char *id = rc == TC_OK ? strdup(server_id) : NULL;
	if (rc == TC_OK && !id)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK) {
		free(r->id);
		r->id = id;
		if (r->local && tc_trunk_set_id(r->local, id) != TC_OK)
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	return rc;
}

/*
 * Later entries of the trunk were queued against an older server version.
 * A delete is rebased too: the change that just landed is ours, and its
 * re-read before the DELETE must not take it for another operator's.
 */
static enum tc_status rebase_later(struct tc_store *s, struct row *r, struct tc_error *err)
{
	struct tc_outbox_list l;
	enum tc_status rc = store_entries_of(s, r->id, &l, err);
	for (size_t i = 0; rc == TC_OK && i < l.count; i++) {
		struct tc_outbox_entry *e = &l.items[i];
		if (e->op == TC_OP_DELETE && e->state != TC_OUTBOX_IN_FLIGHT) {
			tc_trunk_destroy(e->base);
			if (!(e->base = tc_trunk_dup(r->base)))
				rc = tc_error_set(err, TC_NOMEM, NULL);
			else
				rc = store_entry_save(s, e, err);
			continue;
		}
		if (e->op != TC_OP_UPDATE || e->state == TC_OUTBOX_IN_FLIGHT || !r->local)
			continue;
		size_t n = 0;
		struct tc_trunk *p = store_changed_fields(r->local, r->base, TC_FF_SEND_UPDATE, &n);
		struct tc_trunk *b = tc_trunk_dup(r->base);
		if (!p || !b) {
			tc_trunk_destroy(p);
			tc_trunk_destroy(b);
			rc = tc_error_set(err, TC_NOMEM, NULL);
			break;
		}
		tc_trunk_destroy(e->payload);
		tc_trunk_destroy(e->base);
		e->payload = p;
		e->base = b;
		rc = n ? store_entry_save(s, e, err) : store_entry_delete(s, e->seq, err);
	}
	tc_outbox_list_finish(&l);
	return rc;
}

static enum tc_status done_fn(struct tc_store *s, struct tc_outbox_entry *e, struct row *r,
                              const void *arg, struct tc_error *err)
{
	const struct tc_trunk *server = arg;
	enum tc_status rc = store_entry_delete(s, e->seq, err);
	if (rc != TC_OK)
		return rc;
	if (e->op == TC_OP_DELETE)
		return store_row_delete(s, r->id, err);
	if (!server || (e->op == TC_OP_CREATE && (!server->id || !*server->id)))
		return tc_error_set(err, TC_USAGE, "the server's version of trunk %s is missing",
		                    r->id);
	if (e->op == TC_OP_CREATE)
		rc = move_id(s, r, server->id, err);
	if (rc != TC_OK)
		return rc;
	struct tc_trunk *base = tc_trunk_dup(server);
	if (!base || tc_trunk_set_id(base, r->id) != TC_OK) {
		tc_trunk_destroy(base);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	tc_trunk_destroy(r->base);
	r->base = base;
	r->last_seen_ms = tc_store_now(s);
	/* a pull that started before this answer must not take the trunk for deleted */
	rc = store_meta_get_int(s, "pull_gen", &r->seen_gen, err);
	if (rc == TC_OK)
		rc = rebase_later(s, r, err);
	if (rc == TC_OK)
		rc = store_row_settle(s, r, err);
	if (rc == TC_OK && server->document)
		rc = set_document(s, r->id, server->document, err);
	return rc;
}

enum tc_status tc_store_outbox_done(struct tc_store *s, int64_t seq, const struct tc_trunk *server,
                                    struct tc_error *err)
{
	return with_entry(s, seq, done_fn, server, err);
}

struct retry_arg {
	int64_t when;
	const char *message;
};

static enum tc_status retry_fn(struct tc_store *s, struct tc_outbox_entry *e, struct row *r,
                               const void *arg, struct tc_error *err)
{
	const struct retry_arg *a = arg;
	char *msg;
	if (!tc_strdup_opt(&msg, a->message))
		return tc_error_set(err, TC_NOMEM, NULL);
	e->state = TC_OUTBOX_QUEUED;
	e->next_attempt_ms = a->when;
	free(e->last_error);
	e->last_error = msg;
	enum tc_status rc = store_entry_save(s, e, err);
	return rc == TC_OK ? store_row_settle(s, r, err) : rc;
}

enum tc_status tc_store_outbox_retry_later(struct tc_store *s, int64_t seq, int64_t next_attempt_ms,
                                           const char *message, struct tc_error *err)
{
	struct retry_arg a = {next_attempt_ms, message};
	return with_entry(s, seq, retry_fn, &a, err);
}

struct reject_arg {
	const struct tc_field_errors *errors;
	const char *message;
};

static enum tc_status reject_fn(struct tc_store *s, struct tc_outbox_entry *e, struct row *r,
                                const void *arg, struct tc_error *err)
{
	const struct reject_arg *a = arg;
	char *msg;
	bool copied = tc_strdup_opt(&msg, a->message);
	char *doc = store_errors_doc(a->errors);
	if (!copied || !doc) {
		free(msg);
		free(doc);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	e->state = TC_OUTBOX_REJECTED;
	free(e->last_error);
	e->last_error = msg;
	free(r->errors);
	r->errors = doc;
	enum tc_status rc = store_entry_save(s, e, err);
	return rc == TC_OK ? store_row_settle(s, r, err) : rc;
}

enum tc_status tc_store_outbox_reject(struct tc_store *s, int64_t seq,
                                      const struct tc_field_errors *errors, const char *message,
                                      struct tc_error *err)
{
	struct reject_arg a = {errors, message};
	return with_entry(s, seq, reject_fn, &a, err);
}

struct conflict_arg {
	const struct tc_trunk *theirs;
	const bool *fields;
};

/* Marks the entry (and the trunk's other unsent entries) as in conflict. */
enum tc_status store_mark_conflict(struct tc_store *s, struct row *r, const struct tc_trunk *base,
                                   bool mine_deleted, const struct tc_trunk *theirs,
                                   const bool *fields, struct tc_error *err)
{
	const struct tc_trunk *mine = r->local ? r->local : r->base;
	char *doc = store_conflict_doc(base, mine, mine_deleted, theirs, fields, tc_store_now(s));
	if (!doc)
		return tc_error_set(err, TC_NOMEM, NULL);
	free(r->conflict);
	r->conflict = doc;
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(
	    s, "UPDATE outbox SET state = 3 WHERE trunk_id = ? AND state <> 1", &st, err);
	if (rc == TC_OK) {
		store_bind_text(st, 1, r->id);
		rc = store_run(s, st, err);
		sqlite3_finalize(st);
	}
	return rc == TC_OK ? store_row_settle(s, r, err) : rc;
}

/*
 * What a delete in conflict says in pending and show, where its fields would
 * otherwise read as an edit: a new string, or NULL when out of memory.
 */
static char *delete_conflict_text(const bool *fields)
{
	char text[512] = "delete vs modified: the server changed";
	size_t len = strlen(text);
	const char *sep = " ";
	for (int f = 0; f < TC_FIELD_COUNT && len < sizeof(text); f++) {
		if (!fields || !fields[f])
			continue;
		len +=
		    (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", sep, tc_field(f)->key);
		sep = ", ";
	}
	if (len < sizeof(text))
		snprintf(text + len, sizeof(text) - len, "%s since the delete was queued",
		         *sep == ' ' ? " the trunk" : "");
	return strdup(text);
}

static enum tc_status conflict_fn(struct tc_store *s, struct tc_outbox_entry *e, struct row *r,
                                  const void *arg, struct tc_error *err)
{
	const struct conflict_arg *a = arg;
	bool mine_deleted = e->op == TC_OP_DELETE;
	e->state = TC_OUTBOX_CONFLICT;
	if (mine_deleted) {
		free(e->last_error);
		if (!(e->last_error = delete_conflict_text(a->fields)))
			return tc_error_set(err, TC_NOMEM, NULL);
	}
	enum tc_status rc = store_entry_save(s, e, err);
	return rc == TC_OK
	           ? store_mark_conflict(s, r, e->base, mine_deleted, a->theirs, a->fields, err)
	           : rc;
}

enum tc_status tc_store_outbox_conflict(struct tc_store *s, int64_t seq,
                                        const struct tc_trunk *theirs,
                                        const bool fields[TC_FIELD_COUNT], struct tc_error *err)
{
	struct conflict_arg a = {theirs, fields};
	return with_entry(s, seq, conflict_fn, &a, err);
}

static enum tc_status requeue_fn(struct tc_store *s, struct tc_outbox_entry *e, struct row *r,
                                 const void *arg, struct tc_error *err)
{
	const bool *uncount = arg;
	if (uncount && *uncount && e->attempts > 0)
		e->attempts--;
	e->state = TC_OUTBOX_QUEUED;
	e->next_attempt_ms = 0;
	enum tc_status rc = store_entry_save(s, e, err);
	return rc == TC_OK ? store_row_settle(s, r, err) : rc;
}

enum tc_status tc_store_outbox_requeue(struct tc_store *s, int64_t seq, struct tc_error *err)
{
	return with_entry(s, seq, requeue_fn, NULL, err);
}

enum tc_status tc_store_outbox_refused(struct tc_store *s, int64_t seq, struct tc_error *err)
{
	static const bool uncount = true;
	return with_entry(s, seq, requeue_fn, &uncount, err);
}
