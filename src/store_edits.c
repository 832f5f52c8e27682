/* Local edits: create, update, delete and discard, each one transaction with its outbox entry. */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "sync.h"

/* ---- local edits ---- */

bool store_is_local_id(const char *id)
{
	return id && strncmp(id, TC_LOCAL_ID_PREFIX, strlen(TC_LOCAL_ID_PREFIX)) == 0;
}

enum tc_status store_create_in_tx(struct tc_store *s, const char *local_id,
                                  const struct tc_trunk *trunk, struct tc_error *err)
{
	struct row r = {0};
	enum tc_status rc = store_row_load(s, local_id, &r, err);
	if (rc == TC_OK) {
		store_row_clear(&r);
		return tc_error_set(err, TC_USAGE, "the id %s is already taken", local_id);
	}
	if (rc != TC_NOT_FOUND)
		return rc;
	tc_error_clear(err);
	r.id = strdup(local_id);
	r.local = tc_trunk_dup(trunk);
	if (!r.id || !r.local || tc_trunk_set_id(r.local, local_id) != TC_OK)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	else
		rc = TC_OK;
	r.edited_ms = tc_store_now(s);
	if (rc == TC_OK)
		rc = store_entry_insert(s, local_id, TC_OP_CREATE, r.local, NULL, err);
	if (rc == TC_OK)
		rc = store_row_settle(s, &r, err);
	store_row_clear(&r);
	return rc;
}

enum tc_status tc_store_create_local(struct tc_store *s, const char *local_id,
                                     const struct tc_trunk *trunk, struct tc_error *err)
{
	if (!store_is_local_id(local_id) || !trunk)
		return tc_error_set(err, TC_USAGE, "a local trunk needs an id starting with %s",
		                    TC_LOCAL_ID_PREFIX);
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	rc = store_create_in_tx(s, local_id, trunk, err);
	return store_write_end(s, own, rc, err);
}

/*
 * The entry a new local change may be folded into: the last one, unless it
 * is in flight or is an update that may have landed (the new change goes
 * behind it and is rebased on the server's answer). A create that may have
 * landed takes the change: it is looked for on the server before it is sent
 * again, under every name it was sent with (sync_recover.c).
 */
static struct tc_outbox_entry *coalesce_tail(struct tc_outbox_list *l)
{
	if (l->count == 0)
		return NULL;
	struct tc_outbox_entry *e = &l->items[l->count - 1];
	if (e->state != TC_OUTBOX_QUEUED && e->state != TC_OUTBOX_REJECTED)
		return NULL;
	if (e->op == TC_OP_UPDATE && store_entry_may_have_landed(e))
		return NULL;
	return e;
}

static void requeue_entry(struct tc_outbox_entry *e)
{
	e->state = TC_OUTBOX_QUEUED;
	e->next_attempt_ms = 0;
	free(e->last_error);
	e->last_error = NULL;
}

/*
 * Folds want (the new local version) into the trunk's outbox, whose entries
 * l holds; l is kept as the outbox now is, for store_row_settle_entries.
 */
static enum tc_status queue_update(struct tc_store *s, struct row *r, struct tc_outbox_list *l,
                                   const struct tc_trunk *want, struct tc_error *err)
{
	struct tc_outbox_entry *tail = coalesce_tail(l);
	enum tc_status rc = TC_OK;
	size_t n = 0;
	if (tail && tail->op == TC_OP_CREATE) {
		struct tc_trunk *p = tc_trunk_dup(want);
		if (!p) {
			rc = tc_error_set(err, TC_NOMEM, NULL);
		} else {
			tc_trunk_destroy(tail->payload);
			tail->payload = p;
			requeue_entry(tail);
			rc = store_entry_save(s, tail, err);
		}
	} else if (tail && tail->op == TC_OP_UPDATE) {
		struct tc_trunk *p = store_changed_fields(want, tail->base, TC_FF_SEND_UPDATE, &n);
		if (!p) {
			rc = tc_error_set(err, TC_NOMEM, NULL);
		} else if (n == 0) {
			tc_trunk_destroy(p);
			rc = store_entry_delete(s, tail->seq, err);
			if (rc == TC_OK)
				store_entries_drop_last(l);
		} else {
			tc_trunk_destroy(tail->payload);
			tail->payload = p;
			/* a rejection was an answer: the attempts so far landed nothing */
			if (tail->state == TC_OUTBOX_REJECTED)
				tail->attempts = 0;
			requeue_entry(tail);
			rc = store_entry_save(s, tail, err);
		}
	} else {
		/*
		 * Behind an entry in flight the server version is not known yet;
		 * the entry is rebased when that one is done (tc_store_outbox_done).
		 */
		const struct tc_trunk *have = r->local ? r->local : r->base;
		struct tc_trunk *p = store_changed_fields(want, have, TC_FF_SEND_UPDATE, &n);
		if (!p)
			rc = tc_error_set(err, TC_NOMEM, NULL);
		else if (n > 0 && r->base_json)
			rc = store_entry_insert_json(s, r->id, TC_OP_UPDATE, p, r->base_json, err);
		else if (n > 0)
			rc = store_entry_insert(s, r->id, TC_OP_UPDATE, p, r->base, err);
		if (rc == TC_OK && n > 0 && !store_entries_add_queued(l, TC_OP_UPDATE))
			rc = tc_error_set(err, TC_NOMEM, NULL);
		tc_trunk_destroy(p);
	}
	return rc;
}

static enum tc_status refuse_busy_states(const struct row *r, struct tc_error *err)
{
	if (r->state == TC_SYNC_CONFLICT)
		return tc_error_set(err, TC_CONFLICT,
		                    "trunk %s is in conflict with the server; resolve it first",
		                    r->id);
	if (r->pending_op == TC_OP_DELETE)
		return tc_error_set(err, TC_NOT_FOUND, "trunk %s is deleted (the delete is queued)",
		                    r->id);
	return TC_OK;
}

/*
 * The record edit makes of cur (read in this transaction), into *want; the
 * fields another writer changed since edit->from go to result instead.
 */
static enum tc_status apply_edit(const char *id, const struct tc_store_edit *edit,
                                 const struct tc_trunk *cur, struct tc_trunk **want,
                                 struct tc_edit_result *result, struct tc_error *err)
{
	*want = tc_trunk_dup(cur);
	struct tc_trunk *mine = tc_trunk_new();
	enum tc_status rc = *want && mine ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++) {
		const struct tc_value *v = &edit->changes->values[f];
		if ((tc_field(f)->flags & TC_FF_READONLY) || v->state == TC_V_ABSENT ||
		    (edit->from && tc_field_same_value(f, v, &edit->from->values[f])))
			continue;
		if (tc_trunk_set_value(mine, f, v) != TC_OK)
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	struct tc_merge m = {0};
	if (rc == TC_OK && edit->from)
		tc_sync_merge(edit->from, mine, cur, &m);
	if (rc == TC_OK && m.nconflict) {
		memcpy(result->conflict, m.conflict, sizeof(result->conflict));
		result->nconflict = m.nconflict;
		if (!(result->theirs = tc_trunk_dup(cur)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
		char keys[400];
		tc_field_keys(m.conflict, keys, sizeof(keys));
		if (rc == TC_OK)
			rc = tc_error_set(err, TC_CONFLICT,
			                  "trunk %s was changed by another save while it was being "
			                  "edited (%s); nothing saved",
			                  id, keys);
	}
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++) {
		const struct tc_value *v = &mine->values[f];
		/* a blind edit sets what it names; one from a version, what differs */
		if (v->state == TC_V_ABSENT || (edit->from && !m.send[f]))
			continue;
		if (tc_value_equal(v, &cur->values[f], tc_field(f)->type))
			continue;
		if (tc_trunk_set_value(*want, f, v) != TC_OK) {
			rc = tc_error_set(err, TC_NOMEM, NULL);
			break;
		}
		result->changed[f] = true;
		result->nchanged++;
	}
	tc_trunk_destroy(mine);
	if (rc != TC_OK) {
		tc_trunk_destroy(*want);
		*want = NULL;
	}
	return rc;
}

static enum tc_status update_in_tx(struct tc_store *s, const char *id,
                                   const struct tc_store_edit *edit, struct tc_edit_result *result,
                                   struct tc_error *err)
{
	struct row r;
	enum tc_status rc = store_row_load_for_edit(s, id, &r, err);
	if (rc != TC_OK)
		return rc;
	rc = refuse_busy_states(&r, err);
	const struct tc_trunk *cur = r.local ? r.local : r.base;
	struct tc_trunk *want = NULL;
	if (rc == TC_OK)
		rc = apply_edit(r.id, edit, cur, &want, result, err);
	if (rc == TC_OK && tc_trunk_set_id(want, r.id) != TC_OK)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK && edit->check)
		rc = edit->check(edit->check_ctx, want, cur, r.base != NULL, err);
	if (rc == TC_OK && store_same_record(cur, want) && r.state != TC_SYNC_REJECTED) {
		tc_trunk_destroy(want);
		store_row_clear(&r);
		return TC_OK;
	}
	/* read once: queue_update keeps it as the outbox becomes, and the settle reads it */
	struct tc_outbox_list l = {0};
	if (rc == TC_OK)
		rc = store_entries_of(s, r.id, &l, err);
	if (rc == TC_OK)
		rc = queue_update(s, &r, &l, want, err);
	if (rc == TC_OK) {
		tc_trunk_destroy(r.local);
		r.local = want;
		want = NULL;
		r.edited_ms = tc_store_now(s);
		free(r.errors);
		r.errors = NULL;
		rc = store_row_settle_entries(s, &r, &l, err);
	}
	tc_outbox_list_finish(&l);
	tc_trunk_destroy(want);
	store_row_clear(&r);
	return rc;
}

enum tc_status tc_store_update_local(struct tc_store *s, const char *id,
                                     const struct tc_store_edit *edit,
                                     struct tc_edit_result *result, struct tc_error *err)
{
	return tc_store_update_many_local(s, &id, edit, 1, NULL, result, NULL, err);
}

/*
 * A bulk edit dirties a few pages per trunk (its row, its documents, its
 * outbox entry) spread over the whole store; past the page cache SQLite
 * spills them to the WAL in the middle of the transaction and reads some
 * back. The connection's cache grows for the transaction, within a
 * ceiling, and is set back to what it was after (a TUI that filters has
 * grown its own).
 */
#define BULK_CACHE_KIB_PER_EDIT 8
#define BULK_CACHE_MAX_KIB (64 * 1024)

static int64_t grow_cache(struct tc_store *s, size_t n)
{
	int64_t was = 0;
	int64_t kib = (int64_t)n * BULK_CACHE_KIB_PER_EDIT;
	if (kib <= DEFAULT_CACHE_KIB ||
	    store_pragma_int(s, "PRAGMA cache_size", &was, NULL) != TC_OK)
		return 0;
	/* a negative size is in KiB, a positive one in pages (4 KiB, see store_schema.c) */
	int64_t was_kib = was < 0 ? -was : was * 4;
	if (kib > BULK_CACHE_MAX_KIB)
		kib = BULK_CACHE_MAX_KIB;
	if (kib <= was_kib || store_set_cache_kib(s, kib, NULL) != TC_OK)
		return 0;
	return was_kib;
}

enum tc_status tc_store_update_many_local(struct tc_store *s, const char *const *ids,
                                          const struct tc_store_edit *edits, size_t n,
                                          size_t *failed, struct tc_edit_result *result,
                                          size_t *changed, struct tc_error *err)
{
	struct tc_edit_result dummy;
	if (!result)
		result = &dummy;
	memset(result, 0, sizeof(*result));
	if (changed)
		*changed = 0;
	for (size_t i = 0; i < n; i++)
		if (!edits || !edits[i].changes)
			return tc_error_set(err, TC_USAGE, "no changes to save");
	bool own;
	/* BEGIN IMMEDIATE: the write lock is held before the trunks are read */
	enum tc_status rc = store_write_begin(s, &own, err);
	int64_t cache_was = rc == TC_OK ? grow_cache(s, n) : 0;
	for (size_t i = 0; rc == TC_OK && i < n; i++) {
		/* result tells of the last trunk tried: the one that failed, or the last saved */
		tc_edit_result_finish(result);
		rc = update_in_tx(s, ids[i], &edits[i], result, err);
		if (rc != TC_OK && failed)
			*failed = i;
		if (rc == TC_OK && result->nchanged && changed)
			(*changed)++;
	}
	rc = store_write_end(s, own, rc, err);
	if (cache_was)
		store_set_cache_kib(s, cache_was, NULL);
	if (result == &dummy)
		tc_edit_result_finish(&dummy);
	else if (rc != TC_OK && rc != TC_CONFLICT)
		tc_edit_result_finish(result);
	return rc;
}

static enum tc_status delete_in_tx(struct tc_store *s, const char *id, struct tc_error *err)
{
	struct row r;
	enum tc_status rc = store_row_load(s, id, &r, err);
	if (rc != TC_OK)
		return rc;
	rc = refuse_busy_states(&r, err);
	struct tc_outbox_list l = {0};
	if (rc == TC_OK)
		rc = store_entries_of(s, id, &l, err);
	/*
	 * What may be on the server stays queued ahead of the delete, which is
	 * rebased on its answer (a create found there is deleted, not left
	 * behind to come back with the next pull).
	 */
	bool landed = false;
	if (rc == TC_OK)
		rc = store_drop_unlanded(s, &l, &landed, err);
	if (rc == TC_OK && !r.base && !landed) {
		rc = store_row_delete(s, id, err);
	} else if (rc == TC_OK) {
		rc = store_entry_insert(s, id, TC_OP_DELETE, NULL, r.base, err);
		if (rc == TC_OK) {
			r.edited_ms = tc_store_now(s);
			rc = store_row_settle(s, &r, err);
		}
	}
	tc_outbox_list_finish(&l);
	store_row_clear(&r);
	return rc;
}

enum tc_status tc_store_delete_local(struct tc_store *s, const char *id, struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	rc = delete_in_tx(s, id, err);
	return store_write_end(s, own, rc, err);
}

/* base with the set and null fields of payload applied. */
static struct tc_trunk *apply_payload(const struct tc_trunk *base, const struct tc_trunk *payload)
{
	struct tc_trunk *t = base ? tc_trunk_dup(base) : tc_trunk_new();
	if (!t || !payload)
		return t;
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if (payload->values[f].state != TC_V_ABSENT &&
		    tc_trunk_set_value(t, f, &payload->values[f]) != TC_OK) {
			tc_trunk_destroy(t);
			return NULL;
		}
	return t;
}

static enum tc_status discard_in_tx(struct tc_store *s, const char *id, bool *in_flight,
                                    struct tc_error *err)
{
	struct row r;
	enum tc_status rc = store_row_load(s, id, &r, err);
	if (rc != TC_OK)
		return rc;
	struct tc_outbox_list l;
	rc = store_entries_of(s, id, &l, err);
	bool busy = false;
	if (rc == TC_OK)
		rc = store_drop_unsent(s, &l, err);
	if (rc == TC_OK) {
		/* an entry in flight may already have reached the server: show what it sends */
		struct tc_trunk *keep = NULL;
		for (size_t i = 0; i < l.count; i++) {
			const struct tc_outbox_entry *e = &l.items[i];
			if (e->state != TC_OUTBOX_IN_FLIGHT || e->op == TC_OP_DELETE)
				continue;
			busy = true;
			tc_trunk_destroy(keep);
			keep = apply_payload(e->op == TC_OP_CREATE ? NULL : r.base, e->payload);
			if (!keep || tc_trunk_set_id(keep, id) != TC_OK) {
				rc = tc_error_set(err, TC_NOMEM, NULL);
				break;
			}
		}
		busy = busy || store_has_in_flight(&l);
		if (rc == TC_OK && busy) {
			if (keep) {
				tc_trunk_destroy(r.local);
				r.local = keep;
				keep = NULL;
			}
		}
		tc_trunk_destroy(keep);
		free(r.conflict);
		free(r.errors);
		r.conflict = r.errors = NULL;
		if (rc == TC_OK)
			rc = store_row_settle(s, &r, err);
	}
	tc_outbox_list_finish(&l);
	store_row_clear(&r);
	*in_flight = busy;
	return rc;
}

enum tc_status tc_store_discard(struct tc_store *s, const char *id, struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	bool in_flight = false;
	rc = store_write_end(s, own, discard_in_tx(s, id, &in_flight, err), err);
	/* what could be dropped is dropped (and committed); the rest is reported */
	if (rc == TC_OK && in_flight)
		return tc_error_set(err, TC_BUSY,
		                    "a change of trunk %s is being sent right now and cannot be "
		                    "discarded; the rest was discarded",
		                    id);
	return rc;
}
