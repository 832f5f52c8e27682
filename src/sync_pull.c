#include "sync_private.h"

#include <pthread.h>
#include <stdlib.h>

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
		tc_trunk_destroy(page[i]);
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
	struct sync_run *run;
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
	sync_emit(pc->run, TC_EV_PULL_PROGRESS, pc->run->rep->pulled, 0, NULL);
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
	struct sync_run *r = pc->run;
	for (size_t i = 0; r->nseen && i < count; i++) {
		ptrdiff_t at = trunks[i]->id ? sync_seen_find(r, trunks[i]->id, NULL) : -1;
		if (at >= 0)
			sync_seen_put(r, trunks[i]->id, tc_trunk_dup(trunks[i]), r->pull_ms);
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
static enum tc_status list_into_store(struct sync_run *r, struct pull_ctx *pc, struct tc_error *err)
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

void sync_pull(struct sync_run *r)
{
	struct tc_error e;
	tc_error_init(&e);
	struct pull_ctx pc = {.run = r};
	r->pull_ms = sync_now_ms(r);
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
		r->rep->changed = res.changed;
		if (res.conflicts)
			r->any_conflict = true;
	} else {
		/* A pull cut short may have kept some versions: none stands in for a re-read. */
		for (size_t i = 0; i < r->nseen; i++) {
			tc_trunk_destroy(r->seen[i].server);
			r->seen[i].server = NULL;
		}
		sync_record_failure(r, &e);
	}
	tc_error_clear(&e);
}
