#include "sync_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_SUFFIX ".sync-lock"
/*
 * How old a version of a trunk that this run read from the server (its pull,
 * or the answer to its own PATCH or POST) may be and still stand in for the
 * GET before a PATCH or a DELETE. A change another operator makes on the
 * server after that read and before the request is merged over (or deleted)
 * instead of reported as a conflict, so the window must stay short next to
 * how long two people take to edit the same trunk, yet longer than a pull
 * and push of thousands of trunks at WAN latency, or a full sync would
 * re-read every trunk anyway.
 */
#define FRESH_READ_MS (30LL * 1000)

int64_t sync_now_ms(const struct sync_run *r)
{
	return tc_clock_now(&r->ctx->clock);
}

uint32_t sync_next_rand(struct sync_run *r)
{
	if (r->ctx->rand32)
		return r->ctx->rand32(r->ctx->rand_ctx);
	/* xorshift64*: jitter only needs to differ between clients, not be secret. */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (uint32_t)((r->rng * 2685821657736338717ULL) >> 32);
}

void sync_emit(struct sync_run *r, enum tc_sync_event_kind kind, size_t done, size_t total,
               const char *trunk_id)
{
	if (!r->ctx->on_event)
		return;
	struct tc_sync_event ev = {.kind = kind, .done = done, .total = total};
	if (trunk_id)
		snprintf(ev.trunk_id, sizeof(ev.trunk_id), "%s", trunk_id);
	if (kind == TC_EV_SYNC_STARTED || kind == TC_EV_SYNC_FINISHED)
		ev.report = *r->rep;
	r->ctx->on_event(r->ctx->event_ud, &ev);
}

/* Keeps the first sentence of each class for the report. */
void sync_note(struct sync_run *r, const struct tc_error *e)
{
	if (!r->message[0] && e->message[0])
		snprintf(r->message, sizeof(r->message), "%s", e->message);
}

bool sync_is_stop_status(enum tc_status s)
{
	return s == TC_AUTH || s == TC_FORBIDDEN || s == TC_CONFIG || s == TC_SECURITY ||
	       s == TC_CANCELLED || s == TC_NOMEM || s == TC_STORE || s == TC_BUSY ||
	       s == TC_CORRUPT;
}

void sync_record_failure(struct sync_run *r, const struct tc_error *e)
{
	if (e->status == TC_RATE_LIMITED) {
		r->rate_limited = true;
		int64_t until = sync_now_ms(r) + tc_api_retry_after_ms(e->retry_after);
		if (e->retry_after > 0 && until > r->retry_until_ms)
			r->retry_until_ms = until;
	}
	if (sync_is_stop_status(e->status)) {
		if (r->stop == TC_OK) {
			r->stop = e->status;
			snprintf(r->message, sizeof(r->message), "%s", e->message);
		}
	} else if (r->transient == TC_OK) {
		r->transient = e->status;
		sync_note(r, e);
	}
}

/*
 * A store write that failed: inside a batch's transaction it means the
 * batch is rolled back (a store call that fails half-way must not commit).
 */
void sync_store_failed(struct sync_run *r, const struct tc_error *e)
{
	r->store_failures++;
	sync_record_failure(r, e);
}

/*
 * Inside the caller's write transaction: whether entry en is still stored as
 * this round read it. A local edit (the TUI's form, another process) folds
 * into a queued entry, so an entry read at the start of a round may hold
 * more by the time the round acts on it; marking it sent, settled or in
 * conflict on the strength of the old read would drop that edit. Such an
 * entry is left queued for the next round, which reads it afresh.
 */
bool sync_still_as_read(struct sync_run *r, const struct tc_outbox_entry *en)
{
	struct tc_outbox_list now = {0};
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status s = tc_store_outbox_get(r->ctx->store, en->seq, &now, &e);
	bool same = s == TC_OK && tc_outbox_entry_same(en, &now.items[0]);
	if (s != TC_OK && s != TC_NOT_FOUND)
		sync_store_failed(r, &e);
	tc_outbox_list_finish(&now);
	tc_error_clear(&e);
	return same;
}

/* Opens a write transaction in which en is still as read; false (none open) otherwise. */
bool sync_begin_as_read(struct sync_run *r, const struct tc_outbox_entry *en)
{
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_begin(r->ctx->store, &e) != TC_OK) {
		sync_store_failed(r, &e);
		tc_error_clear(&e);
		return false;
	}
	if (sync_still_as_read(r, en))
		return true;
	tc_store_rollback(r->ctx->store);
	return false;
}

/* Commits what sync_begin_as_read opened when s is TC_OK, else rolls it back. */
enum tc_status sync_end_as_read(struct sync_run *r, enum tc_status s, struct tc_error *err)
{
	if (s == TC_OK)
		return tc_store_commit(r->ctx->store, err);
	tc_store_rollback(r->ctx->store);
	return s;
}

/* ---------------------------------------------------------------- what this run read */

static int seen_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sync_seen *)a)->id, ((const struct sync_seen *)b)->id);
}

/* Index of id in r->seen, or -1 with *at the index it would take. */
ptrdiff_t sync_seen_find(const struct sync_run *r, const char *id, size_t *at)
{
	size_t lo = 0, hi = r->nseen;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->seen[mid].id, id);
		if (c == 0)
			return (ptrdiff_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at)
		*at = lo;
	return -1;
}

/*
 * Records server (owned; NULL forgets what was read) as id's version read at
 * read_ms. A record that cannot be kept only costs a re-read: no error.
 */
void sync_seen_put(struct sync_run *r, const char *id, struct tc_trunk *server, int64_t read_ms)
{
	size_t at = 0;
	ptrdiff_t i = sync_seen_find(r, id, &at);
	if (i < 0 && server) {
		struct sync_seen *grown =
		    tc_grow(r->seen, &r->seen_cap, r->nseen + 1, sizeof(*grown), 64);
		if (!grown) {
			tc_trunk_destroy(server);
			return;
		}
		r->seen = grown;
		char *copy = strdup(id);
		if (!copy) {
			tc_trunk_destroy(server);
			return;
		}
		memmove(&r->seen[at + 1], &r->seen[at], (r->nseen - at) * sizeof(*r->seen));
		r->seen[at] = (struct sync_seen){.id = copy};
		r->nseen++;
		i = (ptrdiff_t)at;
	}
	if (i < 0)
		return;
	tc_trunk_destroy(r->seen[i].server);
	r->seen[i].server = server;
	r->seen[i].read_ms = read_ms;
}

/* Queued updates and deletes are checked against the server's version before they are sent. */
bool sync_rereads(const struct tc_outbox_entry *en)
{
	return en->op == TC_OP_UPDATE || en->op == TC_OP_DELETE;
}

/*
 * The trunks of queued updates and deletes, for the pull to keep their
 * versions: only those, so the memory follows the outbox, not the server's
 * trunk count.
 */
static void watch_rereads(struct sync_run *r, const struct tc_outbox_list *all)
{
	size_t n = 0;
	for (size_t i = 0; i < all->count; i++)
		n += sync_rereads(&all->items[i]);
	if (!n || !(r->seen = calloc(n, sizeof(*r->seen))))
		return;
	r->seen_cap = n;
	for (size_t i = 0; i < all->count; i++) {
		if (!sync_rereads(&all->items[i]))
			continue;
		if (!(r->seen[r->nseen].id = strdup(all->items[i].trunk_id)))
			break;
		r->nseen++;
	}
	qsort(r->seen, r->nseen, sizeof(*r->seen), seen_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < r->nseen; i++) {
		if (kept && strcmp(r->seen[kept - 1].id, r->seen[i].id) == 0)
			free(r->seen[i].id);
		else
			r->seen[kept++] = r->seen[i];
	}
	r->nseen = kept;
}

static void seen_free(struct sync_run *r)
{
	for (size_t i = 0; i < r->nseen; i++) {
		free(r->seen[i].id);
		tc_trunk_destroy(r->seen[i].server);
	}
	free(r->seen);
	r->seen = NULL;
	r->nseen = 0;
	r->seen_cap = 0;
}

/*
 * id's version as this run read it, when that read is younger than
 * FRESH_READ_MS (a clock that went back makes its age unknown: not fresh).
 */
const struct tc_trunk *sync_fresh(const struct sync_run *r, const char *id)
{
	ptrdiff_t i = sync_seen_find(r, id, NULL);
	if (i < 0 || !r->seen[i].server)
		return NULL;
	int64_t age = sync_now_ms(r) - r->seen[i].read_ms;
	return age >= 0 && age < FRESH_READ_MS ? r->seen[i].server : NULL;
}

/* ---------------------------------------------------------------- journal */

/* The journal's copy of what was sent: only the sent fields (the store masks secrets). */
static struct tc_trunk *sent_fields(const struct tc_trunk *t, const bool *fields)
{
	struct tc_trunk *c = tc_trunk_new();
	if (!c)
		return NULL;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		if (fields && !fields[f])
			continue;
		if (!(tc_field(f)->flags & (TC_FF_SEND_CREATE | TC_FF_SEND_UPDATE)))
			continue;
		if (t->values[f].state != TC_V_ABSENT &&
		    tc_trunk_set_value(c, f, &t->values[f]) != TC_OK) {
			tc_trunk_destroy(c);
			return NULL;
		}
	}
	return c;
}

void sync_journal(struct sync_run *r, const struct tc_outbox_entry *en, const char *method,
                  const char *trunk_id, const struct tc_trunk *body, const bool *fields,
                  int http_status, const char *request_id, const char *error)
{
	struct tc_trunk *changes = body ? sent_fields(body, fields) : NULL;
	const struct tc_trunk *base = en->base;
	struct tc_trunk *before = NULL;
	if (base && strcmp(method, "POST") != 0) {
		/* what the sent fields replaced; a delete replaced the whole trunk */
		bool sent[TC_FIELD_COUNT];
		for (int f = 0; f < TC_FIELD_COUNT; f++)
			sent[f] = changes && changes->values[f].state != TC_V_ABSENT;
		before = sent_fields(base, changes ? sent : NULL);
	}
	const char *name = changes ? tc_trunk_string(changes, TC_F_NAME) : NULL;
	if (!name && base)
		name = tc_trunk_string(base, TC_F_NAME);
	char user[128], host[256];
	tc_user_and_host(user, sizeof(user), host, sizeof(host));
	struct tc_journal_entry e = {
	    .time_ms = sync_now_ms(r),
	    .profile = (char *)(r->ctx->profile ? r->ctx->profile : "default"),
	    .method = (char *)method,
	    .trunk_id = (char *)trunk_id,
	    .changes = changes,
	    .http_status = http_status,
	    .request_id = request_id && *request_id ? (char *)request_id : NULL,
	    .error = (char *)error,
	    .before = before,
	    .trunk_name = (char *)name,
	    .user = user,
	    .host = *host ? host : NULL,
	};
	struct tc_error jerr;
	tc_error_init(&jerr);
	/*
	 * A journal row that cannot be written must not undo a push that
	 * happened: not a failure that rolls back the batch (it is one INSERT,
	 * which fails whole).
	 */
	if (tc_store_journal_add(r->ctx->store, &e, &jerr) != TC_OK)
		sync_record_failure(r, &jerr);
	tc_error_clear(&jerr);
	tc_trunk_destroy(changes);
	tc_trunk_destroy(before);
}

/* ---------------------------------------------------------------- lock */

static int take_lock(struct tc_sync_ctx *ctx, struct tc_error *err)
{
	char path[4096];
	if (ctx->lock_path)
		snprintf(path, sizeof(path), "%s", ctx->lock_path);
	else
		snprintf(path, sizeof(path), "%s%s", tc_store_path(ctx->store), LOCK_SUFFIX);
	/*
	 * Never through a symbolic link: one planted in the data dir would have
	 * us create or lock a file of the link's choosing.
	 */
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ELOOP) {
		tc_error_set(err, TC_SECURITY,
		             "the sync lock %s is a symbolic link; refusing to follow it (remove "
		             "it: trunkctl makes its own)",
		             path);
		return -1;
	}
	if (fd < 0) {
		tc_error_set(err, TC_IO, "cannot open the sync lock %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		tc_error_set(err, TC_SECURITY,
		             "the sync lock %s is not a regular file; refusing to use it (remove "
		             "it: trunkctl makes its own)",
		             path);
		return -1;
	}
	int rc;
	do
		rc = flock(fd, LOCK_EX | (ctx->wait_for_lock ? 0 : LOCK_NB));
	while (rc != 0 && errno == EINTR);
	if (rc != 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			tc_error_set(err, TC_BUSY,
			             "another trunkctl process is syncing this data directory");
		else
			tc_error_set(err, TC_IO, "cannot lock %s: %s", path, strerror(e));
		return -1;
	}
	return fd;
}

/* ---------------------------------------------------------------- the run */

/*
 * A create whose earlier attempt may have landed is looked for in a full
 * pull, but only once it is due: a push while it waits out its backoff
 * (the TUI pushes after every save) must not cost a pull of every trunk.
 */
static bool needs_lookup(const struct tc_outbox_list *l, int64_t due_at)
{
	for (size_t i = 0; i < l->count; i++) {
		const struct tc_outbox_entry *e = &l->items[i];
		if (e->op != TC_OP_CREATE)
			continue;
		if (e->state == TC_OUTBOX_IN_FLIGHT ||
		    (e->state == TC_OUTBOX_QUEUED && e->attempts > 0 &&
		     e->next_attempt_ms <= due_at))
			return true;
	}
	return false;
}

static void finish_report(struct sync_run *r, enum tc_status status)
{
	struct tc_store_counts c = {0};
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_counts(r->ctx->store, &c, &e) == TC_OK) {
		r->rep->queued = c.queued;
		r->rep->conflicts = c.conflicts;
		r->rep->rejected = c.rejected;
	}
	tc_error_clear(&e);
	r->rep->status = status;
	snprintf(r->rep->message, sizeof(r->rep->message), "%s",
	         status == TC_OK ? ""
	         : r->message[0] ? r->message
	                         : tc_status_message(status));
	r->rep->finished_ms = sync_now_ms(r);
}

enum tc_status tc_sync_run(struct tc_sync_ctx *ctx, unsigned flags, struct tc_sync_report *report,
                           struct tc_error *err)
{
	struct tc_sync_report local_rep;
	struct tc_sync_report *rep = report ? report : &local_rep;
	memset(rep, 0, sizeof(*rep));
	struct sync_run r = {.ctx = ctx, .rep = rep};
	rep->started_ms = sync_now_ms(&r);
	r.rng = (uint64_t)rep->started_ms * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid();
	if (!r.rng)
		r.rng = 1;
	if (!ctx->api) {
		rep->status = tc_error_set(err, TC_OFFLINE, "offline: no API is configured");
		snprintf(rep->message, sizeof(rep->message), "%s", tc_status_message(TC_OFFLINE));
		return TC_OFFLINE;
	}
	int lock = take_lock(ctx, err);
	if (lock < 0) {
		rep->status = err ? err->status : TC_BUSY;
		snprintf(rep->message, sizeof(rep->message), "%s",
		         err ? err->message : tc_status_message(TC_BUSY));
		return rep->status;
	}
	sync_emit(&r, TC_EV_SYNC_STARTED, 0, 0, NULL);

	struct tc_outbox_list all = {0};
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_outbox(ctx->store, TC_OUTBOX_ALL, 0, &all, &e) != TC_OK)
		sync_record_failure(&r, &e);
	tc_error_clear(&e);
	bool push = (flags & TC_SYNC_PUSH) && !ctx->read_only;
	for (size_t i = 0; i < all.count; i++)
		if (all.items[i].state == TC_OUTBOX_QUEUED ||
		    all.items[i].state == TC_OUTBOX_IN_FLIGHT)
			r.push_total++;

	/*
	 * A Retry-After outlives the run that got it: the worker's next timed
	 * sync or a save's push would otherwise call again at once. One the
	 * operator asks for (TC_SYNC_FORCE) goes ahead.
	 */
	struct tc_store_sync_meta meta;
	if (tc_store_sync_meta(ctx->store, &meta, &e) == TC_OK)
		r.retry_until_ms = meta.retry_until_ms;
	tc_error_clear(&e);
	if (!(flags & TC_SYNC_FORCE) && r.retry_until_ms > sync_now_ms(&r)) {
		r.rate_limited = true;
		if (r.transient == TC_OK) {
			r.transient = TC_RATE_LIMITED;
			snprintf(r.message, sizeof(r.message),
			         "the Carrier API asked to wait: no automatic sync for %lld s more "
			         "(its Retry-After); a sync asked for now goes ahead",
			         (long long)((r.retry_until_ms - sync_now_ms(&r) + 999) / 1000));
		}
	}

	int64_t due_at = (flags & TC_SYNC_FORCE) ? INT64_MAX : sync_now_ms(&r);
	if (r.stop == TC_OK && !r.rate_limited &&
	    ((flags & TC_SYNC_PULL) || (push && needs_lookup(&all, due_at)))) {
		if (push)
			watch_rereads(&r, &all);
		sync_pull(&r);
	}
	if (r.stop == TC_OK && push) {
		struct tc_outbox_list inflight = {0};
		if (tc_store_outbox(ctx->store, TC_OUTBOX_INFLIGHT, 0, &inflight, &e) != TC_OK)
			sync_record_failure(&r, &e);
		tc_error_clear(&e);
		sync_recover(&r, &inflight);
		tc_outbox_list_finish(&inflight);
		/*
		 * Rounds until nothing is due: each settles or defers the head entry
		 * of every trunk, so the count of rounds is bounded by the entries.
		 */
		for (size_t round = 0; round <= all.count + 1 && r.stop == TC_OK && !r.rate_limited;
		     round++) {
			if (!sync_push_round(&r, due_at))
				break;
			due_at = sync_now_ms(&r);
		}
	}
	tc_outbox_list_finish(&all);

	enum tc_status status = r.stop != TC_OK        ? r.stop
	                        : r.transient != TC_OK ? r.transient
	                        : r.any_rejected       ? TC_REJECTED
	                        : r.any_conflict       ? TC_CONFLICT
	                                               : TC_OK;
	finish_report(&r, status);
	if (tc_store_set_sync_result(ctx->store, rep->finished_ms, status,
	                             status == TC_OK ? NULL : rep->message, r.retry_until_ms,
	                             &e) != TC_OK &&
	    status == TC_OK) {
		status = e.status;
		finish_report(&r, status);
	}
	tc_error_clear(&e);
	sync_emit(&r, TC_EV_SYNC_FINISHED, 0, 0, NULL);
	for (size_t i = 0; i < r.nmatched; i++)
		free(r.matched[i]);
	free(r.matched);
	seen_free(&r);
	close(lock); /* releases the flock */
	if (status != TC_OK)
		tc_error_set(err, status, "%s", rep->message);
	return status;
}
