#include "sync_private.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_CREATE_WINDOW_MS (10LL * 60 * 1000)
#define MAX_NAME_MATCHES 32
/* Journal rows searched for the names an unanswered create was sent under. */
#define JOURNAL_LOOKBACK 2000

static bool claimed(const struct sync_run *r, const char *id)
{
	for (size_t i = 0; i < r->nmatched; i++)
		if (strcmp(r->matched[i], id) == 0)
			return true;
	return false;
}

/*
 * Among the trunks now named name: on the server, nothing queued, created no
 * earlier than since, not claimed by another recovered create. Keeps the
 * earliest such trunk in *found (which may already hold a candidate).
 */
static enum tc_status find_named(struct sync_run *r, const char *name, int64_t since,
                                 struct tc_trunk_record **found, int64_t *best_time,
                                 struct tc_error *err)
{
	char *ids[MAX_NAME_MATCHES];
	size_t n = 0;
	enum tc_status s =
	    tc_store_find_by_name(r->ctx->store, name, ids, MAX_NAME_MATCHES, &n, err);
	if (s != TC_OK)
		return s;
	for (size_t i = 0; i < n; i++) {
		struct tc_trunk_record *rec = NULL;
		bool ok = s == TC_OK &&
		          strncmp(ids[i], TC_LOCAL_ID_PREFIX, strlen(TC_LOCAL_ID_PREFIX)) != 0 &&
		          !claimed(r, ids[i]);
		if (ok) {
			s = tc_store_get(r->ctx->store, ids[i], &rec, err);
			if (s == TC_NOT_FOUND) {
				tc_error_clear(err);
				s = TC_OK;
			}
		}
		int64_t created =
		    rec && rec->base
		        ? tc_sync_parse_time(tc_trunk_string(rec->base, TC_F_CREATED_AT))
		        : -1;
		if (rec && rec->pending == TC_OP_NONE && created >= since &&
		    (!*found || created < *best_time)) {
			tc_trunk_record_destroy(*found);
			*found = rec;
			*best_time = created;
			rec = NULL;
		}
		tc_trunk_record_destroy(rec);
		free(ids[i]);
	}
	return s;
}

/*
 * Looks in the freshly pulled store for the trunk a create of ours may have
 * made: under the name queued now or, since an edit made after a failed
 * attempt is folded into the queued create, under any name an earlier POST
 * of this trunk carried (the journal has them), created no earlier than the
 * edit less a margin for clock skew. *found is a new record or NULL.
 */
static enum tc_status find_created(struct sync_run *r, const struct tc_outbox_entry *en,
                                   struct tc_trunk_record **found, struct tc_error *err)
{
	*found = NULL;
	int64_t window =
	    r->ctx->create_window_ms > 0 ? r->ctx->create_window_ms : DEFAULT_CREATE_WINDOW_MS;
	int64_t since = en->created_ms - window;
	int64_t best_time = 0;
	const char *name = tc_trunk_string(en->payload, TC_F_NAME);
	enum tc_status s = name ? find_named(r, name, since, found, &best_time, err) : TC_OK;
	struct tc_journal_list j = {0};
	if (s == TC_OK && !*found)
		s = tc_store_journal(r->ctx->store, JOURNAL_LOOKBACK, &j, err);
	for (size_t i = 0; s == TC_OK && !*found && i < j.count; i++) {
		const struct tc_journal_entry *je = &j.items[i];
		const char *sent = je->changes ? tc_trunk_string(je->changes, TC_F_NAME) : NULL;
		if (je->trunk_id && strcmp(je->trunk_id, en->trunk_id) == 0 && je->method &&
		    strcmp(je->method, "POST") == 0 && sent && (!name || strcmp(sent, name) != 0))
			s = find_named(r, sent, since, found, &best_time, err);
	}
	tc_journal_list_finish(&j);
	if (s != TC_OK) {
		tc_trunk_record_destroy(*found);
		*found = NULL;
	}
	return s;
}

static enum tc_status claim(struct sync_run *r, const char *id)
{
	char **m = tc_grow(r->matched, &r->matched_cap, r->nmatched + 1, sizeof(*m), 8);
	if (!m)
		return TC_NOMEM;
	r->matched = m;
	m[r->nmatched] = strdup(id);
	if (!m[r->nmatched])
		return TC_NOMEM;
	r->nmatched++;
	return TC_OK;
}

/*
 * Settles create en with the server's trunk rec, in one transaction. Edits
 * folded into the create after the lost attempt (a rename, say) are not on
 * the server yet: they are applied as an edit from the server's version, so
 * they are queued as an update of what still differs. A field that a later
 * local edit changed again (queued behind the create) keeps that newer value.
 */
static enum tc_status adopt(struct sync_run *r, const struct tc_outbox_entry *as_read,
                            const struct tc_trunk_record *rec, struct tc_error *err)
{
	enum tc_status s = tc_store_begin(r->ctx->store, err);
	if (s != TC_OK)
		return s;
	/*
	 * Read again inside the transaction: a rename folded into the create
	 * since this round read it must reach the server too.
	 */
	struct tc_outbox_list now = {0};
	s = tc_store_outbox_get(r->ctx->store, as_read->seq, &now, err);
	if (s == TC_NOT_FOUND) {
		/* Discarded here meanwhile: the pull brings the server's trunk in. */
		tc_error_clear(err);
		tc_store_rollback(r->ctx->store);
		return TC_OK;
	}
	const struct tc_outbox_entry *en = s == TC_OK ? &now.items[0] : NULL;
	struct tc_trunk *changes = s == TC_OK ? tc_trunk_new() : NULL;
	if (s == TC_OK && !changes)
		s = tc_error_set(err, TC_NOMEM, NULL);
	bool differs = false;
	for (int f = 0; f < TC_FIELD_COUNT && s == TC_OK; f++) {
		const struct tc_value *mine = &en->payload->values[f];
		if (!(tc_field(f)->flags & TC_FF_SEND_UPDATE) || mine->state == TC_V_ABSENT ||
		    tc_field_same_value(f, mine, &rec->base->values[f]))
			continue;
		differs = true;
		s = tc_trunk_set_value(changes, f, mine) == TC_OK
		        ? TC_OK
		        : tc_error_set(err, TC_NOMEM, NULL);
	}
	if (s == TC_OK)
		s = tc_store_outbox_done(r->ctx->store, en->seq, rec->base, err);
	struct tc_store_edit edit = {.changes = changes, .from = rec->base};
	struct tc_edit_result res = {0};
	if (s == TC_OK && differs)
		s = tc_store_update_local(r->ctx->store, rec->id, &edit, &res, err);
	if (s == TC_CONFLICT && res.nconflict) {
		for (int f = 0; f < TC_FIELD_COUNT; f++)
			if (res.conflict[f])
				tc_trunk_unset(changes, f);
		tc_edit_result_finish(&res);
		tc_error_clear(err);
		s = tc_store_update_local(r->ctx->store, rec->id, &edit, &res, err);
	}
	tc_edit_result_finish(&res);
	if (s == TC_OK)
		s = tc_store_commit(r->ctx->store, err);
	else
		tc_store_rollback(r->ctx->store);
	tc_trunk_destroy(changes);
	tc_outbox_list_finish(&now);
	return s;
}

/*
 * A create whose outcome is unknown: settled if the server has it, else
 * queued to be sent (again). *settled says which.
 */
enum tc_status sync_settle_create(struct sync_run *r, const struct tc_outbox_entry *en,
                                  bool *settled, struct tc_error *err)
{
	*settled = false;
	struct tc_trunk_record *rec = NULL;
	enum tc_status s = find_created(r, en, &rec, err);
	if (s == TC_OK && rec) {
		s = claim(r, rec->id);
		if (s == TC_OK)
			s = adopt(r, en, rec, err);
		if (s == TC_OK) {
			*settled = true;
			r->rep->pushed++;
			sync_journal(r, en, "POST", rec->id, en->payload, NULL, 0, NULL,
			             "the answer was lost; the trunk was found on the server");
			sync_emit(r, TC_EV_TRUNK_CHANGED, 0, 0, en->trunk_id);
			sync_emit(r, TC_EV_TRUNK_CHANGED, 0, 0, rec->id);
		}
	}
	tc_trunk_record_destroy(rec);
	return s == TC_NOMEM ? tc_error_set(err, s, NULL) : s;
}

/*
 * Entries left in flight belong to a sync that died (this process holds the
 * sync lock). Updates and deletes are safe to send again; creates are first
 * looked for on the server, which needs a complete pull.
 */
void sync_recover(struct sync_run *r, const struct tc_outbox_list *inflight)
{
	for (size_t i = 0; i < inflight->count && r->stop == TC_OK; i++) {
		const struct tc_outbox_entry *en = &inflight->items[i];
		struct tc_error e;
		tc_error_init(&e);
		enum tc_status s = TC_OK;
		bool settled = false;
		if (en->op == TC_OP_CREATE) {
			if (!r->pulled) {
				tc_error_clear(&e);
				continue; /* stays in flight until a pull can tell */
			}
			s = sync_settle_create(r, en, &settled, &e);
		}
		if (s == TC_OK && !settled)
			s = tc_store_outbox_requeue(r->ctx->store, en->seq, &e);
		if (s != TC_OK)
			sync_record_failure(r, &e);
		tc_error_clear(&e);
	}
}
