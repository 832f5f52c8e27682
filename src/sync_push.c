#include "sync_private.h"

#include <stdlib.h>

/*
 * Entries are marked in flight this many to a transaction: one sync to disk
 * per chunk instead of one per entry (at about 0.5 ms each, 2,000 entries
 * cost a second), while the write lock is held briefly enough that a save
 * on the UI thread does not wait for long.
 */
#define COMMIT_CHUNK 256
/*
 * Answers are filed as they come in, this many to a transaction: small
 * enough that filing them barely delays the requests waiting for a
 * connection, large enough that the syncs to disk stay few.
 */
#define ANSWER_GROUP 32

/* What one due entry becomes in this round. */
struct job {
	struct tc_outbox_entry *en;
	struct tc_trunk *theirs; /* the re-read, for updates and deletes */
	struct tc_merge merge;
	bool send; /* a mutation goes out */
	struct tc_api_request req;
};

/*
 * Defers en by the backoff of its next attempt. count: the failed attempt
 * was not counted yet (it failed before the entry was marked in flight); it
 * is counted now, with the deferral, so the backoff keeps growing.
 */
static void retry_later(struct sync_run *r, const struct tc_outbox_entry *en,
                        const struct tc_error *why, bool count)
{
	struct tc_store *store = r->ctx->store;
	struct tc_error e;
	tc_error_init(&e);
	int64_t delay = tc_api_backoff_ms(en->attempts + 1, why->retry_after, sync_next_rand(r));
	if (count && !sync_begin_as_read(r, en))
		return; /* changed since its re-read: the next round tries it afresh */
	enum tc_status s = TC_OK;
	if (count)
		s = tc_store_outbox_begin_send(store, en->seq, &e);
	if (s == TC_OK)
		s = tc_store_outbox_retry_later(store, en->seq, sync_now_ms(r) + delay,
		                                why->message, &e);
	if (s == TC_OK && count)
		s = tc_store_commit(store, &e);
	if (s != TC_OK) {
		if (count)
			tc_store_rollback(store);
		sync_store_failed(r, &e);
	}
	tc_error_clear(&e);
}

/* A failure before anything was sent for this entry (its re-read). */
static void not_sent(struct sync_run *r, struct job *j, const struct tc_error *why)
{
	if (sync_is_stop_status(why->status)) {
		sync_record_failure(r, why);
		return; /* the entry is untouched and stays queued */
	}
	sync_record_failure(r, why);
	retry_later(r, j->en, why, true);
}

static void conflict(struct sync_run *r, struct job *j, const struct tc_trunk *theirs,
                     const bool *fields)
{
	bool none[TC_FIELD_COUNT] = {false};
	if (!sync_begin_as_read(r, j->en))
		return;
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status s =
	    tc_store_outbox_conflict(r->ctx->store, j->en->seq, theirs, fields ? fields : none, &e);
	if (sync_end_as_read(r, s, &e) != TC_OK)
		sync_store_failed(r, &e);
	else
		r->any_conflict = true;
	tc_error_clear(&e);
	sync_emit(r, TC_EV_TRUNK_CHANGED, 0, 0, j->en->trunk_id);
}

/* Fields the queued change sets: what a vanished trunk's conflict is about. */
static void changed_fields(const struct tc_trunk *payload, bool out[TC_FIELD_COUNT])
{
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		out[f] = payload && payload->values[f].state != TC_V_ABSENT;
}

/* The requests of one batch and the job each belongs to; false (sync stopped) on NOMEM. */
static bool alloc_batch(struct sync_run *r, size_t n, struct tc_api_request **reqs,
                        struct job ***owner)
{
	*reqs = calloc(n ? n : 1, sizeof(**reqs));
	*owner = calloc(n ? n : 1, sizeof(**owner));
	if (*reqs && *owner)
		return true;
	free(*reqs);
	free(*owner);
	r->stop = TC_NOMEM;
	return false;
}

/* Merges update j against j->theirs, the server's version: a conflict, or a PATCH to send. */
static void merge_job(struct sync_run *r, struct job *j)
{
	if (!j->en->base || !j->en->payload) {
		/* No base to merge against: every queued field is sent. */
		changed_fields(j->en->payload, j->merge.send);
		for (int f = 0; f < TC_FIELD_COUNT; f++)
			j->merge.nsend += j->merge.send[f];
		j->send = true;
		return;
	}
	tc_sync_merge(j->en->base, j->en->payload, j->theirs, &j->merge);
	if (j->merge.nconflict)
		conflict(r, j, j->theirs, j->merge.conflict);
	else
		j->send = true;
}

/*
 * An entry the server needs no request for: an update whose fields it
 * already holds, or a delete of a trunk it no longer has (j->theirs NULL).
 */
static void settle_unneeded(struct sync_run *r, struct job *j)
{
	if (!sync_begin_as_read(r, j->en))
		return;
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status s = tc_store_outbox_done(r->ctx->store, j->en->seq, j->theirs, &e);
	if (sync_end_as_read(r, s, &e) != TC_OK)
		sync_record_failure(r, &e);
	else
		r->rep->pushed++;
	tc_error_clear(&e);
	sync_emit(r, TC_EV_TRUNK_CHANGED, 0, 0, j->en->trunk_id);
}

/*
 * Delete j goes out only when the server's version (j->theirs) is still the
 * one it was queued against: a trunk another operator changed since is a
 * conflict (delete vs modified), never deleted unseen. A delete without a
 * base (a delete queued behind its trunk's create gets one when the create
 * lands, see tc_store_outbox_done; an older store may hold one) cannot
 * show that, so every attribute the server has counts as changed: the
 * operator confirms the delete.
 */
static void check_delete(struct sync_run *r, struct job *j)
{
	bool changed[TC_FIELD_COUNT];
	if (tc_sync_changed_since(j->en->base, j->theirs, changed))
		conflict(r, j, j->theirs, changed);
	else
		j->send = true;
}

static void check_job(struct sync_run *r, struct job *j)
{
	if (j->en->op == TC_OP_DELETE)
		check_delete(r, j);
	else
		merge_job(r, j);
}

/*
 * Checks each queued update and delete against the server's version: the
 * one this run read (see FRESH_READ_MS) or else a re-read, all re-reads at
 * once.
 */
static void reread(struct sync_run *r, struct job *jobs, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!sync_rereads(jobs[i].en))
			continue;
		const struct tc_trunk *known = sync_fresh(r, jobs[i].en->trunk_id);
		if (known && (jobs[i].theirs = tc_trunk_dup(known)))
			check_job(r, &jobs[i]);
		else
			count++;
	}
	if (!count)
		return;
	struct tc_api_request *reqs;
	struct job **owner;
	if (!alloc_batch(r, count, &reqs, &owner))
		return;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!sync_rereads(jobs[i].en) || jobs[i].theirs)
			continue;
		reqs[k].op = TC_API_GET;
		reqs[k].id = jobs[i].en->trunk_id;
		tc_error_init(&reqs[k].err);
		owner[k++] = &jobs[i];
	}
	struct tc_error e;
	tc_error_init(&e);
	if (tc_api_run(r->ctx->api, reqs, count, &e) != TC_OK)
		sync_record_failure(r, &e);
	tc_error_clear(&e);
	for (k = 0; k < count; k++) {
		struct job *j = owner[k];
		struct tc_api_request *q = &reqs[k];
		if (q->status == TC_OK) {
			j->theirs = q->result;
			q->result = NULL;
			check_job(r, j);
		} else if (q->status == TC_NOT_FOUND && j->en->op == TC_OP_DELETE) {
			settle_unneeded(r,
			                j); /* already gone, as a DELETE answered 404 would say */
		} else if (q->status == TC_NOT_FOUND) {
			bool fields[TC_FIELD_COUNT];
			changed_fields(j->en->payload, fields);
			conflict(r, j, NULL, fields);
		} else {
			not_sent(r, j, &q->err);
		}
		tc_error_clear(&q->err);
	}
	free(reqs);
	free(owner);
}

static void answer(struct sync_run *r, struct job *j)
{
	struct tc_api_request *q = &j->req;
	struct tc_outbox_entry *en = j->en;
	const char *method = en->op == TC_OP_CREATE   ? "POST"
	                     : en->op == TC_OP_UPDATE ? "PATCH"
	                                              : "DELETE";
	/* A DELETE answered 404 found the trunk already gone: that is its success. */
	bool gone = q->status == TC_NOT_FOUND && en->op == TC_OP_DELETE;
	const char *jid = q->status == TC_OK && q->result ? q->result->id : en->trunk_id;
	sync_journal(r, en, method, jid, en->op == TC_OP_DELETE ? NULL : en->payload,
	             en->op == TC_OP_UPDATE ? j->merge.send : NULL, q->http_status, q->request_id,
	             q->status == TC_OK || gone ? NULL : q->err.message);
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status s = TC_OK;
	if (q->status == TC_OK || gone) {
		s = tc_store_outbox_done(r->ctx->store, en->seq, q->result, &e);
		if (s == TC_OK)
			r->rep->pushed++;
	} else if (q->status == TC_NOT_FOUND && en->op == TC_OP_UPDATE) {
		bool fields[TC_FIELD_COUNT];
		changed_fields(en->payload, fields);
		conflict(r, j, NULL, fields);
	} else if (q->status == TC_REJECTED) {
		s = tc_store_outbox_reject(r->ctx->store, en->seq, &q->err.fields, q->err.message,
		                           &e);
		r->any_rejected = true;
		sync_note(r, &q->err);
	} else if (q->status == TC_AUTH || q->status == TC_FORBIDDEN || q->status == TC_CONFIG ||
	           q->status == TC_SECURITY) {
		/* Refused before it was applied: back to queued, untouched by backoff. */
		sync_record_failure(r, &q->err);
		s = tc_store_outbox_refused(r->ctx->store, en->seq, &e);
	} else if (sync_is_stop_status(q->status)) {
		/* Outcome unknown (cancelled mid-request): left in flight for recovery. */
		sync_record_failure(r, &q->err);
	} else {
		/*
		 * Network, 5xx, 429, garbled answers: tried again later. A create
		 * that may have landed is looked up before it is resent (its
		 * attempt count is no longer zero).
		 */
		sync_record_failure(r, &q->err);
		retry_later(r, en, &q->err, false);
	}
	if (s != TC_OK)
		sync_store_failed(r, &e);
	tc_error_clear(&e);
}

/*
 * Marks jobs[*i...] in flight, up to COMMIT_CHUNK of them, in one
 * transaction, and fills their requests from reqs[*k]. A chunk that cannot
 * be committed whole marks nothing and sends nothing: false.
 */
static bool mark_chunk(struct sync_run *r, struct job *jobs, size_t n, size_t *i,
                       struct tc_api_request *reqs, struct job **owner, size_t *k)
{
	struct tc_store *store = r->ctx->store;
	unsigned failures = r->store_failures;
	size_t first = *k;
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_begin(store, &e) != TC_OK) {
		sync_store_failed(r, &e);
		tc_error_clear(&e);
		return false;
	}
	for (size_t c = 0; *i < n && c < COMMIT_CHUNK && r->store_failures == failures; (*i)++) {
		struct job *j = &jobs[*i];
		if (!j->send)
			continue;
		c++;
		if (!sync_still_as_read(r, j->en)) {
			j->send = false;
			continue;
		}
		if (tc_store_outbox_begin_send(store, j->en->seq, &e) != TC_OK) {
			sync_store_failed(r, &e);
			break;
		}
		struct tc_api_request *q = &reqs[*k];
		tc_error_init(&q->err);
		q->id = j->en->trunk_id;
		q->trunk = j->en->payload;
		switch (j->en->op) {
		case TC_OP_CREATE:
			q->op = TC_API_CREATE;
			break;
		case TC_OP_UPDATE:
			q->op = TC_API_UPDATE;
			q->fields = j->merge.send;
			break;
		default:
			q->op = TC_API_DELETE;
			break;
		}
		owner[(*k)++] = j;
	}
	tc_error_clear(&e);
	if (r->store_failures == failures && tc_store_commit(store, &e) == TC_OK)
		return true;
	if (r->store_failures == failures)
		sync_store_failed(r, &e);
	tc_error_clear(&e);
	tc_store_rollback(store);
	*k = first;
	return false;
}

/*
 * Files the answers to owner[first..end) in one transaction, rolled back
 * whole when a write fails (the entries stay in flight, for the recovery of
 * the next sync), then tells the UI, which must see what was committed.
 */
static void file_chunk(struct sync_run *r, struct job **owner, size_t first, size_t end,
                       int64_t sent_ms)
{
	struct tc_store *store = r->ctx->store;
	unsigned failures = r->store_failures;
	size_t pushed = r->rep->pushed;
	struct tc_error e;
	tc_error_init(&e);
	bool open = tc_store_begin(store, &e) == TC_OK;
	if (!open)
		sync_store_failed(r, &e);
	tc_error_clear(&e);
	for (size_t i = first; open && i < end; i++)
		answer(r, owner[i]);
	if (open && (r->store_failures != failures || tc_store_commit(store, &e) != TC_OK)) {
		if (r->store_failures == failures)
			sync_store_failed(r, &e);
		tc_store_rollback(store);
		r->rep->pushed = pushed;
	}
	tc_error_clear(&e);
	for (size_t i = first; i < end; i++) {
		struct tc_api_request *q = &owner[i]->req;
		if (q->status == TC_OK && q->result)
			sync_emit(r, TC_EV_TRUNK_CHANGED, 0, 0, q->result->id);
		sync_emit(r, TC_EV_TRUNK_CHANGED, 0, 0, owner[i]->en->trunk_id);
		r->push_done++;
		sync_emit(r, TC_EV_PUSH_PROGRESS, r->push_done, r->push_total, NULL);
		/*
		 * The answer is the trunk as the server holds it after the change:
		 * the next update of this trunk in this run merges against it. Any
		 * other outcome leaves the server's version unknown.
		 */
		if (q->status == TC_OK && q->result && q->result->id) {
			sync_seen_put(r, q->result->id, q->result, sent_ms);
			q->result = NULL;
		} else {
			sync_seen_put(r, owner[i]->en->trunk_id, NULL, 0);
		}
		tc_trunk_destroy(q->result);
		tc_error_clear(&q->err);
	}
}

/* The answers of a batch as they come in, filed in groups. */
struct filing {
	struct sync_run *r;
	struct tc_api_request *reqs;
	struct job **owner;
	struct job **done; /* in the order the answers came */
	size_t ndone;
	size_t filed;
	int64_t sent_ms;
};

static void on_answer(void *ud, size_t i)
{
	struct filing *f = ud;
	f->owner[i]->req = f->reqs[i];
	f->done[f->ndone++] = f->owner[i];
	if (f->ndone - f->filed >= ANSWER_GROUP) {
		file_chunk(f->r, f->done, f->filed, f->ndone, f->sent_ms);
		f->filed = f->ndone;
	}
}

/*
 * Sends the mutations of this round together and files each answer while
 * the others are still under way.
 */
static void send_all(struct sync_run *r, struct job *jobs, size_t n)
{
	struct tc_api_request *reqs;
	struct job **owner;
	if (!alloc_batch(r, n, &reqs, &owner))
		return;
	struct filing f = {.r = r, .reqs = reqs, .owner = owner};
	if (!(f.done = calloc(n ? n : 1, sizeof(*f.done)))) {
		free(reqs);
		free(owner);
		r->stop = TC_NOMEM;
		return;
	}
	size_t k = 0;
	/* Committed before any request leaves: a crash from here on is recovered. */
	for (size_t i = 0; i < n && r->stop == TC_OK;)
		if (!mark_chunk(r, jobs, n, &i, reqs, owner, &k))
			break;
	struct tc_error e;
	tc_error_init(&e);
	f.sent_ms = sync_now_ms(r);
	if (k && tc_api_run_each(r->ctx->api, reqs, k, on_answer, &f, &e) != TC_OK)
		sync_record_failure(r, &e);
	tc_error_clear(&e);
	if (f.filed < f.ndone)
		file_chunk(r, f.done, f.filed, f.ndone, f.sent_ms);
	free(f.done);
	free(reqs);
	free(owner);
}

/* One round: the first due entry of every trunk, independent trunks together. */
bool sync_push_round(struct sync_run *r, int64_t due_at)
{
	struct tc_outbox_list due = {0};
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_outbox(r->ctx->store, TC_OUTBOX_DUE, due_at, &due, &e) != TC_OK) {
		sync_record_failure(r, &e);
		tc_error_clear(&e);
		return false;
	}
	tc_error_clear(&e);
	if (due.count == 0) {
		tc_outbox_list_finish(&due);
		return false;
	}
	struct job *jobs = calloc(due.count, sizeof(*jobs));
	if (!jobs) {
		tc_outbox_list_finish(&due);
		r->stop = TC_NOMEM;
		return false;
	}
	size_t active = 0;
	for (size_t i = 0; i < due.count && r->stop == TC_OK; i++) {
		struct job *j = &jobs[active];
		j->en = &due.items[i];
		if (j->en->op == TC_OP_CREATE && j->en->attempts > 0) {
			/* Sent before without a clear answer: look for it first. */
			if (!r->pulled)
				continue;
			bool settled = false;
			if (sync_settle_create(r, j->en, &settled, &e) != TC_OK)
				sync_record_failure(r, &e);
			tc_error_clear(&e);
			if (settled || r->stop != TC_OK)
				continue;
		}
		if (!sync_rereads(j->en))
			j->send = true;
		active++;
	}
	if (r->stop == TC_OK)
		reread(r, jobs, active);
	for (size_t i = 0; i < active && r->stop == TC_OK; i++)
		if (jobs[i].en->op == TC_OP_UPDATE && jobs[i].send && jobs[i].theirs &&
		    jobs[i].merge.nsend == 0) {
			jobs[i].send = false;
			settle_unneeded(r, &jobs[i]);
		}
	/* The server asked to wait (429): what was not sent stays queued, untouched. */
	if (r->stop == TC_OK && !r->rate_limited)
		send_all(r, jobs, active);
	for (size_t i = 0; i < active; i++)
		tc_trunk_destroy(jobs[i].theirs);
	free(jobs);
	tc_outbox_list_finish(&due);
	return r->stop == TC_OK;
}
