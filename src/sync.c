#include "sync.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CREATE_WINDOW_MS (10LL * 60 * 1000)
#define MAX_NAME_MATCHES 32
/* Journal rows searched for the names an unanswered create was sent under. */
#define JOURNAL_LOOKBACK 2000
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

/* ---------------------------------------------------------------- pure parts */

int64_t tc_sync_parse_time(const char *iso)
{
	if (!iso)
		return -1;
	struct tm tm = {0};
	int ms = 0;
	char z = 0;
	int n = 0;
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	const char *rest = iso + n;
	if (*rest == '.') {
		int digits = 0;
		for (rest++; isdigit((unsigned char)*rest); rest++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*rest - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	z = *rest;
	if (z != 'Z' || rest[1] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return (int64_t)t * 1000 + ms;
}

bool tc_sync_same_value(enum tc_field_id f, const struct tc_value *a, const struct tc_value *b)
{
	return tc_field_same_value(f, a, b);
}

/* Attributes this build does not know, as JSON objects: equal whatever their key order. */
static bool same_extra(const char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
	/* text that does not parse (or no memory) cannot be shown equal: changed */
	bool same = ja && jb && json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return same;
}

bool tc_sync_changed_since(const struct tc_trunk *base, const struct tc_trunk *theirs,
                           bool changed[TC_FIELD_COUNT])
{
	static const struct tc_value none = {.state = TC_V_ABSENT};
	bool any = false;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		changed[f] =
		    !tc_sync_same_value(f, base ? &base->values[f] : &none, &theirs->values[f]);
		any = any || changed[f];
	}
	return any || !same_extra(base ? base->extra_json : NULL, theirs->extra_json);
}

void tc_sync_merge(const struct tc_trunk *base, const struct tc_trunk *mine,
                   const struct tc_trunk *theirs, struct tc_merge *out)
{
	memset(out, 0, sizeof(*out));
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		if (!(tc_field(f)->flags & TC_FF_SEND_UPDATE) ||
		    mine->values[f].state == TC_V_ABSENT)
			continue;
		const struct tc_value *b = &base->values[f];
		const struct tc_value *m = &mine->values[f];
		const struct tc_value *t = &theirs->values[f];
		if (tc_sync_same_value(f, t, m))
			continue; /* already what we want, whoever did it */
		if (tc_sync_same_value(f, t, b)) {
			out->send[f] = true;
			out->nsend++;
		} else {
			out->conflict[f] = true;
			out->nconflict++;
		}
	}
}

/* ---------------------------------------------------------------- run state */

/* A trunk's server version as this run read it; server NULL: not read (yet). */
struct seen {
	char *id;
	struct tc_trunk *server;
	int64_t read_ms; /* the clock before the request that read it left */
};

struct run {
	struct tc_sync_ctx *ctx;
	struct tc_sync_report *rep;
	uint64_t rng;
	bool pulled;              /* a complete pull happened in this run */
	enum tc_status stop;      /* AUTH / FORBIDDEN / CONFIG / SECURITY / CANCELLED: stop */
	enum tc_status transient; /* the first retryable failure */
	bool any_rejected;
	bool any_conflict;
	bool rate_limited;      /* a 429 came back: nothing more is sent in this run */
	int64_t retry_until_ms; /* the latest Retry-After's end, kept across runs in the store */
	char message[512];
	char **matched; /* server ids already claimed by a recovered create */
	size_t nmatched;
	size_t push_total;
	size_t push_done;
	unsigned store_failures;
	struct seen *seen; /* sorted by id */
	size_t nseen;
	size_t seen_cap;
	int64_t pull_ms; /* when the pull's listing began */
};

static int64_t now_ms(const struct run *r)
{
	return tc_clock_now(&r->ctx->clock);
}

static uint32_t next_rand(struct run *r)
{
	if (r->ctx->rand32)
		return r->ctx->rand32(r->ctx->rand_ctx);
	/* xorshift64*: jitter only needs to differ between clients, not be secret. */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (uint32_t)((r->rng * 2685821657736338717ULL) >> 32);
}

static void emit(struct run *r, enum tc_sync_event_kind kind, size_t done, size_t total,
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
static void note(struct run *r, const struct tc_error *e)
{
	if (!r->message[0] && e->message[0])
		snprintf(r->message, sizeof(r->message), "%s", e->message);
}

static bool is_stop_status(enum tc_status s)
{
	return s == TC_AUTH || s == TC_FORBIDDEN || s == TC_CONFIG || s == TC_SECURITY ||
	       s == TC_CANCELLED || s == TC_NOMEM || s == TC_STORE || s == TC_BUSY ||
	       s == TC_CORRUPT;
}

static void record_failure(struct run *r, const struct tc_error *e)
{
	if (e->status == TC_RATE_LIMITED) {
		r->rate_limited = true;
		int64_t until = now_ms(r) + tc_api_retry_after_ms(e->retry_after);
		if (e->retry_after > 0 && until > r->retry_until_ms)
			r->retry_until_ms = until;
	}
	if (is_stop_status(e->status)) {
		if (r->stop == TC_OK) {
			r->stop = e->status;
			snprintf(r->message, sizeof(r->message), "%s", e->message);
		}
	} else if (r->transient == TC_OK) {
		r->transient = e->status;
		note(r, e);
	}
}

/*
 * A store write that failed: inside a batch's transaction it means the
 * batch is rolled back (a store call that fails half-way must not commit).
 */
static void store_failed(struct run *r, const struct tc_error *e)
{
	r->store_failures++;
	record_failure(r, e);
}

/*
 * Inside the caller's write transaction: whether entry en is still stored as
 * this round read it. A local edit (the TUI's form, another process) folds
 * into a queued entry, so an entry read at the start of a round may hold
 * more by the time the round acts on it; marking it sent, settled or in
 * conflict on the strength of the old read would drop that edit. Such an
 * entry is left queued for the next round, which reads it afresh.
 */
static bool still_as_read(struct run *r, const struct tc_outbox_entry *en)
{
	struct tc_outbox_list now = {0};
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status s = tc_store_outbox_get(r->ctx->store, en->seq, &now, &e);
	bool same = s == TC_OK && tc_outbox_entry_same(en, &now.items[0]);
	if (s != TC_OK && s != TC_NOT_FOUND)
		store_failed(r, &e);
	tc_outbox_list_free(&now);
	tc_error_clear(&e);
	return same;
}

/* Opens a write transaction in which en is still as read; false (none open) otherwise. */
static bool begin_as_read(struct run *r, const struct tc_outbox_entry *en)
{
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_begin(r->ctx->store, &e) != TC_OK) {
		store_failed(r, &e);
		tc_error_clear(&e);
		return false;
	}
	if (still_as_read(r, en))
		return true;
	tc_store_rollback(r->ctx->store);
	return false;
}

/* Commits what begin_as_read opened when s is TC_OK, else rolls it back. */
static enum tc_status end_as_read(struct run *r, enum tc_status s, struct tc_error *err)
{
	if (s == TC_OK)
		return tc_store_commit(r->ctx->store, err);
	tc_store_rollback(r->ctx->store);
	return s;
}

/* ---------------------------------------------------------------- what this run read */

static int seen_cmp(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->id, ((const struct seen *)b)->id);
}

/* Index of id in r->seen, or -1 with *at the index it would take. */
static ptrdiff_t seen_find(const struct run *r, const char *id, size_t *at)
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
static void seen_put(struct run *r, const char *id, struct tc_trunk *server, int64_t read_ms)
{
	size_t at = 0;
	ptrdiff_t i = seen_find(r, id, &at);
	if (i < 0 && server) {
		if (r->nseen == r->seen_cap) {
			size_t cap = r->seen_cap ? 2 * r->seen_cap : 64;
			struct seen *grown = realloc(r->seen, cap * sizeof(*grown));
			if (!grown) {
				tc_trunk_free(server);
				return;
			}
			r->seen = grown;
			r->seen_cap = cap;
		}
		char *copy = strdup(id);
		if (!copy) {
			tc_trunk_free(server);
			return;
		}
		memmove(&r->seen[at + 1], &r->seen[at], (r->nseen - at) * sizeof(*r->seen));
		r->seen[at] = (struct seen){.id = copy};
		r->nseen++;
		i = (ptrdiff_t)at;
	}
	if (i < 0)
		return;
	tc_trunk_free(r->seen[i].server);
	r->seen[i].server = server;
	r->seen[i].read_ms = read_ms;
}

/* Queued updates and deletes are checked against the server's version before they are sent. */
static bool rereads(const struct tc_outbox_entry *en)
{
	return en->op == TC_OP_UPDATE || en->op == TC_OP_DELETE;
}

/*
 * The trunks of queued updates and deletes, for the pull to keep their
 * versions: only those, so the memory follows the outbox, not the server's
 * trunk count.
 */
static void watch_rereads(struct run *r, const struct tc_outbox_list *all)
{
	size_t n = 0;
	for (size_t i = 0; i < all->count; i++)
		n += rereads(&all->items[i]);
	if (!n || !(r->seen = calloc(n, sizeof(*r->seen))))
		return;
	r->seen_cap = n;
	for (size_t i = 0; i < all->count; i++) {
		if (!rereads(&all->items[i]))
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

static void seen_free(struct run *r)
{
	for (size_t i = 0; i < r->nseen; i++) {
		free(r->seen[i].id);
		tc_trunk_free(r->seen[i].server);
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
static const struct tc_trunk *fresh(const struct run *r, const char *id)
{
	ptrdiff_t i = seen_find(r, id, NULL);
	if (i < 0 || !r->seen[i].server)
		return NULL;
	int64_t age = now_ms(r) - r->seen[i].read_ms;
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
			tc_trunk_free(c);
			return NULL;
		}
	}
	return c;
}

static void journal(struct run *r, const char *method, const char *trunk_id,
                    const struct tc_trunk *body, const bool *fields, int http_status,
                    const char *request_id, const char *error)
{
	struct tc_trunk *changes = body ? sent_fields(body, fields) : NULL;
	struct tc_journal_entry e = {
	    .time_ms = now_ms(r),
	    .profile = (char *)(r->ctx->profile ? r->ctx->profile : "default"),
	    .method = (char *)method,
	    .trunk_id = (char *)trunk_id,
	    .changes = changes,
	    .http_status = http_status,
	    .request_id = request_id && *request_id ? (char *)request_id : NULL,
	    .error = (char *)error,
	};
	struct tc_error jerr;
	tc_error_init(&jerr);
	/*
	 * A journal row that cannot be written must not undo a push that
	 * happened: not a failure that rolls back the batch (it is one INSERT,
	 * which fails whole).
	 */
	if (tc_store_journal_add(r->ctx->store, &e, &jerr) != TC_OK)
		record_failure(r, &jerr);
	tc_error_clear(&jerr);
	tc_trunk_free(changes);
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

/* ---------------------------------------------------------------- pull */

/*
 * A pull writes page n to the store on a thread of its own while page n + 1
 * is fetched and decoded: a transaction, synchronous=FULL, costs about as
 * much as the page's request, and done one after the other the two made a
 * pull at 50 ms of latency 16 % slower than pages x latency. The writer
 * takes a page from a one-page slot, so at most three pages are held (one
 * decoded, one waiting, one being written) whatever the trunk count.
 *
 * A transaction spans the pages already waiting when one is written, up to
 * PULL_BATCH_PAGES: when pages come faster than the disk syncs, a commit per
 * page rewrote the same index pages 100 times per 10,000 trunks. A crash
 * loses at most that batch, and only a complete listing (tc_store_pull_finish)
 * removes anything or records a pull, so the store is left as after an
 * interrupted pull either way. When the writer keeps up (a slow server) it
 * commits every page as before. Only this writer touches the store between
 * tc_store_pull_begin and the end of the listing.
 */
#define PULL_BATCH_PAGES 10

struct pull_writer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tc_store *store;
	int64_t generation;
	struct tc_trunk **page; /* owned, handed over and not yet taken; NULL: none */
	char **bases;           /* owned, the page's trunks encoded for the store */
	size_t count;
	bool busy;        /* the writer holds a page or an open transaction */
	size_t committed; /* trunks made durable so far */
	bool stop;
	enum tc_status status; /* the first failure sticks, with its error */
	struct tc_error err;
};

static void free_page(struct tc_trunk **page, char **bases, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		tc_trunk_free(page[i]);
		free(bases[i]);
	}
	free(page);
	free(bases);
}

/* Writes one page inside the writer's transaction, opening it when none is. */
static enum tc_status write_page(struct pull_writer *w, bool *in_txn, struct tc_trunk **page,
                                 char **bases, size_t count, struct tc_error *err)
{
	if (!*in_txn) {
		enum tc_status s = tc_store_begin(w->store, err);
		if (s != TC_OK)
			return s;
		*in_txn = true;
	}
	return tc_store_pull_page_encoded(w->store, w->generation, page, bases, count, err);
}

static void *writer_main(void *arg)
{
	struct pull_writer *w = arg;
	bool in_txn = false;
	size_t batch_pages = 0, batch_trunks = 0;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->page && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->page)
			break;
		struct tc_trunk **page = w->page;
		char **bases = w->bases;
		size_t count = w->count;
		bool failed = w->status != TC_OK;
		w->page = NULL;
		w->busy = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		struct tc_error e;
		tc_error_init(&e);
		enum tc_status s = failed ? TC_OK : write_page(w, &in_txn, page, bases, count, &e);
		free_page(page, bases, count);
		if (!failed && s == TC_OK) {
			batch_pages++;
			batch_trunks += count;
		}
		pthread_mutex_lock(&w->mu);
		if (s != TC_OK || !w->page || batch_pages >= PULL_BATCH_PAGES) {
			pthread_mutex_unlock(&w->mu);
			/* a page that failed was undone alone: the ones before it are kept */
			struct tc_error ce;
			tc_error_init(&ce);
			enum tc_status cs = in_txn ? tc_store_commit(w->store, &ce) : TC_OK;
			in_txn = false;
			pthread_mutex_lock(&w->mu);
			if (cs == TC_OK)
				w->committed += batch_trunks;
			batch_pages = batch_trunks = 0;
			if (s == TC_OK && cs != TC_OK) {
				s = cs;
				tc_error_clear(&e);
				e = ce;
			} else {
				tc_error_clear(&ce);
			}
		}
		if (s != TC_OK && w->status == TC_OK) {
			w->status = s;
			w->err = e;
		} else {
			tc_error_clear(&e);
		}
		w->busy = in_txn;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/*
 * Waits until the writer has taken the page handed over or, with drain,
 * until it has also committed everything. Returns the writes' status (the
 * error moved to err) and the trunks committed so far in *committed.
 */
static enum tc_status writer_wait(struct pull_writer *w, bool drain, size_t *committed,
                                  struct tc_error *err)
{
	pthread_mutex_lock(&w->mu);
	while (w->page || (drain && w->busy))
		pthread_cond_wait(&w->cv, &w->mu);
	enum tc_status s = w->status;
	if (s != TC_OK && err) {
		tc_error_clear(err);
		*err = w->err;
		tc_error_init(&w->err);
	}
	*committed = w->committed;
	pthread_mutex_unlock(&w->mu);
	return s;
}

struct pull_ctx {
	struct run *run;
	struct pull_writer w;
	size_t reported; /* trunks of this pull counted in the report */
};

/* Counts the trunks the writer has made durable since the last report. */
static void pull_progress(struct pull_ctx *pc, size_t committed)
{
	if (committed == pc->reported)
		return;
	pc->run->rep->pulled += committed - pc->reported;
	pc->reported = committed;
	emit(pc->run, TC_EV_PULL_PROGRESS, pc->run->rep->pulled, 0, NULL);
}

/*
 * The page's trunks move to the writer (the listing frees only the emptied
 * slots), with their bases encoded here: the writer's disk work is the
 * longer half of a pull, and this thread waits on the network anyway.
 */
static enum tc_status on_page(void *ud, struct tc_trunk **trunks, size_t count,
                              struct tc_error *err)
{
	struct pull_ctx *pc = ud;
	struct tc_trunk **taken = calloc(count ? count : 1, sizeof(*taken));
	char **bases = calloc(count ? count : 1, sizeof(*bases));
	bool ok = taken && bases;
	for (size_t i = 0; ok && i < count; i++)
		ok = (bases[i] = tc_store_encode_base(trunks[i])) != NULL;
	if (!ok) {
		for (size_t i = 0; bases && i < count; i++)
			free(bases[i]);
		free(bases);
		free(taken);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	size_t committed;
	enum tc_status s = writer_wait(&pc->w, false, &committed, err);
	if (s != TC_OK) {
		free_page(taken, bases, count);
		return s;
	}
	pull_progress(pc, committed);
	struct run *r = pc->run;
	for (size_t i = 0; r->nseen && i < count; i++) {
		ptrdiff_t at = trunks[i]->id ? seen_find(r, trunks[i]->id, NULL) : -1;
		if (at >= 0)
			seen_put(r, trunks[i]->id, tc_trunk_dup(trunks[i]), r->pull_ms);
	}
	for (size_t i = 0; i < count; i++) {
		taken[i] = trunks[i];
		trunks[i] = NULL;
	}
	pthread_mutex_lock(&pc->w.mu);
	pc->w.page = taken;
	pc->w.bases = bases;
	pc->w.count = count;
	pthread_cond_broadcast(&pc->w.cv);
	pthread_mutex_unlock(&pc->w.mu);
	return TC_OK;
}

/* Lists the server's trunks into the store, the writer a page behind the fetch. */
static enum tc_status list_into_store(struct run *r, struct pull_ctx *pc, struct tc_error *err)
{
	struct pull_writer *w = &pc->w;
	w->store = r->ctx->store;
	w->status = TC_OK;
	tc_error_init(&w->err);
	pthread_t thread;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return tc_error_set(err, TC_NOMEM, NULL);
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	enum tc_status s = TC_OK;
	if (pthread_create(&thread, NULL, writer_main, w) != 0) {
		s = tc_error_set(err, TC_IO, "cannot start the pull's store writer");
	} else {
		s = tc_api_list(r->ctx->api, on_page, pc, err);
		/* the listing's own failure comes first; a write failure otherwise */
		size_t committed;
		enum tc_status ws = writer_wait(w, true, &committed, s == TC_OK ? err : NULL);
		pull_progress(pc, committed);
		if (s == TC_OK)
			s = ws;
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(thread, NULL);
	}
	tc_error_clear(&w->err);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	return s;
}

static void pull(struct run *r)
{
	struct tc_error e;
	tc_error_init(&e);
	struct pull_ctx pc = {.run = r};
	r->pull_ms = now_ms(r);
	enum tc_status s = tc_store_pull_begin(r->ctx->store, &pc.w.generation, &e);
	if (s == TC_OK)
		s = list_into_store(r, &pc, &e);
	struct tc_pull_result res = {0};
	/* Only a complete list says what the server no longer has. */
	if (s == TC_OK)
		s = tc_store_pull_finish(r->ctx->store, pc.w.generation, &res, &e);
	if (s == TC_OK) {
		r->pulled = true;
		r->rep->removed = res.removed;
		if (res.conflicts)
			r->any_conflict = true;
	} else {
		/* A pull cut short may have kept some versions: none stands in for a re-read. */
		for (size_t i = 0; i < r->nseen; i++) {
			tc_trunk_free(r->seen[i].server);
			r->seen[i].server = NULL;
		}
		record_failure(r, &e);
	}
	tc_error_clear(&e);
}

/* ---------------------------------------------------------------- recovery */

static bool claimed(const struct run *r, const char *id)
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
static enum tc_status find_named(struct run *r, const char *name, int64_t since,
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
			tc_trunk_record_free(*found);
			*found = rec;
			*best_time = created;
			rec = NULL;
		}
		tc_trunk_record_free(rec);
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
static enum tc_status find_created(struct run *r, const struct tc_outbox_entry *en,
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
	tc_journal_list_free(&j);
	if (s != TC_OK) {
		tc_trunk_record_free(*found);
		*found = NULL;
	}
	return s;
}

static enum tc_status claim(struct run *r, const char *id)
{
	char **m = realloc(r->matched, (r->nmatched + 1) * sizeof(*m));
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
static enum tc_status adopt(struct run *r, const struct tc_outbox_entry *as_read,
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
		    tc_sync_same_value(f, mine, &rec->base->values[f]))
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
		tc_edit_result_free(&res);
		tc_error_clear(err);
		s = tc_store_update_local(r->ctx->store, rec->id, &edit, &res, err);
	}
	tc_edit_result_free(&res);
	if (s == TC_OK)
		s = tc_store_commit(r->ctx->store, err);
	else
		tc_store_rollback(r->ctx->store);
	tc_trunk_free(changes);
	tc_outbox_list_free(&now);
	return s;
}

/*
 * A create whose outcome is unknown: settled if the server has it, else
 * queued to be sent (again). *settled says which.
 */
static enum tc_status settle_create(struct run *r, const struct tc_outbox_entry *en, bool *settled,
                                    struct tc_error *err)
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
			journal(r, "POST", rec->id, en->payload, NULL, 0, NULL,
			        "the answer was lost; the trunk was found on the server");
			emit(r, TC_EV_TRUNK_CHANGED, 0, 0, en->trunk_id);
			emit(r, TC_EV_TRUNK_CHANGED, 0, 0, rec->id);
		}
	}
	tc_trunk_record_free(rec);
	return s == TC_NOMEM ? tc_error_set(err, s, NULL) : s;
}

/*
 * Entries left in flight belong to a sync that died (this process holds the
 * sync lock). Updates and deletes are safe to send again; creates are first
 * looked for on the server, which needs a complete pull.
 */
static void recover(struct run *r, const struct tc_outbox_list *inflight)
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
			s = settle_create(r, en, &settled, &e);
		}
		if (s == TC_OK && !settled)
			s = tc_store_outbox_requeue(r->ctx->store, en->seq, &e);
		if (s != TC_OK)
			record_failure(r, &e);
		tc_error_clear(&e);
	}
}

/* ---------------------------------------------------------------- push */

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
static void retry_later(struct run *r, const struct tc_outbox_entry *en, const struct tc_error *why,
                        bool count)
{
	struct tc_store *store = r->ctx->store;
	struct tc_error e;
	tc_error_init(&e);
	int64_t delay = tc_api_backoff_ms(en->attempts + 1, why->retry_after, next_rand(r));
	if (count && !begin_as_read(r, en))
		return; /* changed since its re-read: the next round tries it afresh */
	enum tc_status s = TC_OK;
	if (count)
		s = tc_store_outbox_begin_send(store, en->seq, &e);
	if (s == TC_OK)
		s = tc_store_outbox_retry_later(store, en->seq, now_ms(r) + delay, why->message,
		                                &e);
	if (s == TC_OK && count)
		s = tc_store_commit(store, &e);
	if (s != TC_OK) {
		if (count)
			tc_store_rollback(store);
		store_failed(r, &e);
	}
	tc_error_clear(&e);
}

/* A failure before anything was sent for this entry (its re-read). */
static void not_sent(struct run *r, struct job *j, const struct tc_error *why)
{
	if (is_stop_status(why->status)) {
		record_failure(r, why);
		return; /* the entry is untouched and stays queued */
	}
	record_failure(r, why);
	retry_later(r, j->en, why, true);
}

static void conflict(struct run *r, struct job *j, const struct tc_trunk *theirs,
                     const bool *fields)
{
	bool none[TC_FIELD_COUNT] = {false};
	if (!begin_as_read(r, j->en))
		return;
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status s =
	    tc_store_outbox_conflict(r->ctx->store, j->en->seq, theirs, fields ? fields : none, &e);
	if (end_as_read(r, s, &e) != TC_OK)
		store_failed(r, &e);
	else
		r->any_conflict = true;
	tc_error_clear(&e);
	emit(r, TC_EV_TRUNK_CHANGED, 0, 0, j->en->trunk_id);
}

/* Fields the queued change sets: what a vanished trunk's conflict is about. */
static void changed_fields(const struct tc_trunk *payload, bool out[TC_FIELD_COUNT])
{
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		out[f] = payload && payload->values[f].state != TC_V_ABSENT;
}

/* The requests of one batch and the job each belongs to; false (sync stopped) on NOMEM. */
static bool alloc_batch(struct run *r, size_t n, struct tc_api_request **reqs, struct job ***owner)
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
static void merge_job(struct run *r, struct job *j)
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
static void settle_unneeded(struct run *r, struct job *j)
{
	if (!begin_as_read(r, j->en))
		return;
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status s = tc_store_outbox_done(r->ctx->store, j->en->seq, j->theirs, &e);
	if (end_as_read(r, s, &e) != TC_OK)
		record_failure(r, &e);
	else
		r->rep->pushed++;
	tc_error_clear(&e);
	emit(r, TC_EV_TRUNK_CHANGED, 0, 0, j->en->trunk_id);
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
static void check_delete(struct run *r, struct job *j)
{
	bool changed[TC_FIELD_COUNT];
	if (tc_sync_changed_since(j->en->base, j->theirs, changed))
		conflict(r, j, j->theirs, changed);
	else
		j->send = true;
}

static void check_job(struct run *r, struct job *j)
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
static void reread(struct run *r, struct job *jobs, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rereads(jobs[i].en))
			continue;
		const struct tc_trunk *known = fresh(r, jobs[i].en->trunk_id);
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
		if (!rereads(jobs[i].en) || jobs[i].theirs)
			continue;
		reqs[k].op = TC_API_GET;
		reqs[k].id = jobs[i].en->trunk_id;
		tc_error_init(&reqs[k].err);
		owner[k++] = &jobs[i];
	}
	struct tc_error e;
	tc_error_init(&e);
	if (tc_api_run(r->ctx->api, reqs, count, &e) != TC_OK)
		record_failure(r, &e);
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

static void answer(struct run *r, struct job *j)
{
	struct tc_api_request *q = &j->req;
	struct tc_outbox_entry *en = j->en;
	const char *method = en->op == TC_OP_CREATE   ? "POST"
	                     : en->op == TC_OP_UPDATE ? "PATCH"
	                                              : "DELETE";
	/* A DELETE answered 404 found the trunk already gone: that is its success. */
	bool gone = q->status == TC_NOT_FOUND && en->op == TC_OP_DELETE;
	const char *jid = q->status == TC_OK && q->result ? q->result->id : en->trunk_id;
	journal(r, method, jid, en->op == TC_OP_DELETE ? NULL : en->payload,
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
		note(r, &q->err);
	} else if (q->status == TC_AUTH || q->status == TC_FORBIDDEN || q->status == TC_CONFIG ||
	           q->status == TC_SECURITY) {
		/* Refused before it was applied: back to queued, untouched by backoff. */
		record_failure(r, &q->err);
		s = tc_store_outbox_refused(r->ctx->store, en->seq, &e);
	} else if (is_stop_status(q->status)) {
		/* Outcome unknown (cancelled mid-request): left in flight for recovery. */
		record_failure(r, &q->err);
	} else {
		/*
		 * Network, 5xx, 429, garbled answers: tried again later. A create
		 * that may have landed is looked up before it is resent (its
		 * attempt count is no longer zero).
		 */
		record_failure(r, &q->err);
		retry_later(r, en, &q->err, false);
	}
	if (s != TC_OK)
		store_failed(r, &e);
	tc_error_clear(&e);
}

/*
 * Marks jobs[*i...] in flight, up to COMMIT_CHUNK of them, in one
 * transaction, and fills their requests from reqs[*k]. A chunk that cannot
 * be committed whole marks nothing and sends nothing: false.
 */
static bool mark_chunk(struct run *r, struct job *jobs, size_t n, size_t *i,
                       struct tc_api_request *reqs, struct job **owner, size_t *k)
{
	struct tc_store *store = r->ctx->store;
	unsigned failures = r->store_failures;
	size_t first = *k;
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_begin(store, &e) != TC_OK) {
		store_failed(r, &e);
		tc_error_clear(&e);
		return false;
	}
	for (size_t c = 0; *i < n && c < COMMIT_CHUNK && r->store_failures == failures; (*i)++) {
		struct job *j = &jobs[*i];
		if (!j->send)
			continue;
		c++;
		if (!still_as_read(r, j->en)) {
			j->send = false;
			continue;
		}
		if (tc_store_outbox_begin_send(store, j->en->seq, &e) != TC_OK) {
			store_failed(r, &e);
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
		store_failed(r, &e);
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
static void file_chunk(struct run *r, struct job **owner, size_t first, size_t end, int64_t sent_ms)
{
	struct tc_store *store = r->ctx->store;
	unsigned failures = r->store_failures;
	size_t pushed = r->rep->pushed;
	struct tc_error e;
	tc_error_init(&e);
	bool open = tc_store_begin(store, &e) == TC_OK;
	if (!open)
		store_failed(r, &e);
	tc_error_clear(&e);
	for (size_t i = first; open && i < end; i++)
		answer(r, owner[i]);
	if (open && (r->store_failures != failures || tc_store_commit(store, &e) != TC_OK)) {
		if (r->store_failures == failures)
			store_failed(r, &e);
		tc_store_rollback(store);
		r->rep->pushed = pushed;
	}
	tc_error_clear(&e);
	for (size_t i = first; i < end; i++) {
		struct tc_api_request *q = &owner[i]->req;
		if (q->status == TC_OK && q->result)
			emit(r, TC_EV_TRUNK_CHANGED, 0, 0, q->result->id);
		emit(r, TC_EV_TRUNK_CHANGED, 0, 0, owner[i]->en->trunk_id);
		r->push_done++;
		emit(r, TC_EV_PUSH_PROGRESS, r->push_done, r->push_total, NULL);
		/*
		 * The answer is the trunk as the server holds it after the change:
		 * the next update of this trunk in this run merges against it. Any
		 * other outcome leaves the server's version unknown.
		 */
		if (q->status == TC_OK && q->result && q->result->id) {
			seen_put(r, q->result->id, q->result, sent_ms);
			q->result = NULL;
		} else {
			seen_put(r, owner[i]->en->trunk_id, NULL, 0);
		}
		tc_trunk_free(q->result);
		tc_error_clear(&q->err);
	}
}

/* The answers of a batch as they come in, filed in groups. */
struct filing {
	struct run *r;
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
static void send_all(struct run *r, struct job *jobs, size_t n)
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
	f.sent_ms = now_ms(r);
	if (k && tc_api_run_each(r->ctx->api, reqs, k, on_answer, &f, &e) != TC_OK)
		record_failure(r, &e);
	tc_error_clear(&e);
	if (f.filed < f.ndone)
		file_chunk(r, f.done, f.filed, f.ndone, f.sent_ms);
	free(f.done);
	free(reqs);
	free(owner);
}

/* One round: the first due entry of every trunk, independent trunks together. */
static bool push_round(struct run *r, int64_t due_at)
{
	struct tc_outbox_list due = {0};
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_outbox(r->ctx->store, TC_OUTBOX_DUE, due_at, &due, &e) != TC_OK) {
		record_failure(r, &e);
		tc_error_clear(&e);
		return false;
	}
	tc_error_clear(&e);
	if (due.count == 0) {
		tc_outbox_list_free(&due);
		return false;
	}
	struct job *jobs = calloc(due.count, sizeof(*jobs));
	if (!jobs) {
		tc_outbox_list_free(&due);
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
			if (settle_create(r, j->en, &settled, &e) != TC_OK)
				record_failure(r, &e);
			tc_error_clear(&e);
			if (settled || r->stop != TC_OK)
				continue;
		}
		if (!rereads(j->en))
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
		tc_trunk_free(jobs[i].theirs);
	free(jobs);
	tc_outbox_list_free(&due);
	return r->stop == TC_OK;
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

static void finish_report(struct run *r, enum tc_status status)
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
	r->rep->finished_ms = now_ms(r);
}

enum tc_status tc_sync_run(struct tc_sync_ctx *ctx, unsigned flags, struct tc_sync_report *report,
                           struct tc_error *err)
{
	struct tc_sync_report local_rep;
	struct tc_sync_report *rep = report ? report : &local_rep;
	memset(rep, 0, sizeof(*rep));
	struct run r = {.ctx = ctx, .rep = rep};
	rep->started_ms = now_ms(&r);
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
	emit(&r, TC_EV_SYNC_STARTED, 0, 0, NULL);

	struct tc_outbox_list all = {0};
	struct tc_error e;
	tc_error_init(&e);
	if (tc_store_outbox(ctx->store, TC_OUTBOX_ALL, 0, &all, &e) != TC_OK)
		record_failure(&r, &e);
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
	if (!(flags & TC_SYNC_FORCE) && r.retry_until_ms > now_ms(&r)) {
		r.rate_limited = true;
		if (r.transient == TC_OK) {
			r.transient = TC_RATE_LIMITED;
			snprintf(r.message, sizeof(r.message),
			         "the Carrier API asked to wait: no automatic sync for %lld s more "
			         "(its Retry-After); a sync asked for now goes ahead",
			         (long long)((r.retry_until_ms - now_ms(&r) + 999) / 1000));
		}
	}

	int64_t due_at = (flags & TC_SYNC_FORCE) ? INT64_MAX : now_ms(&r);
	if (r.stop == TC_OK && !r.rate_limited &&
	    ((flags & TC_SYNC_PULL) || (push && needs_lookup(&all, due_at)))) {
		if (push)
			watch_rereads(&r, &all);
		pull(&r);
	}
	if (r.stop == TC_OK && push) {
		struct tc_outbox_list inflight = {0};
		if (tc_store_outbox(ctx->store, TC_OUTBOX_INFLIGHT, 0, &inflight, &e) != TC_OK)
			record_failure(&r, &e);
		tc_error_clear(&e);
		recover(&r, &inflight);
		tc_outbox_list_free(&inflight);
		/*
		 * Rounds until nothing is due: each settles or defers the head entry
		 * of every trunk, so the count of rounds is bounded by the entries.
		 */
		for (size_t round = 0; round <= all.count + 1 && r.stop == TC_OK && !r.rate_limited;
		     round++) {
			if (!push_round(&r, due_at))
				break;
			due_at = now_ms(&r);
		}
	}
	tc_outbox_list_free(&all);

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
	emit(&r, TC_EV_SYNC_FINISHED, 0, 0, NULL);
	for (size_t i = 0; i < r.nmatched; i++)
		free(r.matched[i]);
	free(r.matched);
	seen_free(&r);
	close(lock); /* releases the flock */
	if (status != TC_OK)
		tc_error_set(err, status, "%s", rep->message);
	return status;
}
