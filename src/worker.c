/*
 * The background sync worker: its thread, its wake-ups and its event queue.
 * See worker.h.
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sync.h"
#include "trunkctl/store.h"
#include "wake.h"

#define EVENT_QUEUE_MAX 1024

struct tc_worker {
	struct tc_worker_options opt; /* its strings are borrowed */

	pthread_t thread;
	bool started;
	int pipe_rd;
	int pipe_wr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;          /* guarded by mu; started is the owner thread's alone */
	unsigned requested; /* tc_sync_flags asked for, 0: none */
	atomic_bool cancel;
	atomic_bool syncing;
	struct tc_sync_event *queue; /* ring of waiting events */
	size_t q_head;
	size_t q_len;
};

enum tc_status tc_worker_create(const struct tc_worker_options *o, struct tc_worker **out,
                                struct tc_error *err)
{
	*out = NULL;
	struct tc_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return tc_error_set(err, TC_NOMEM, NULL);
	w->opt = *o;
	w->opt.api.cancel = &w->cancel;
	w->pipe_rd = w->pipe_wr = -1;
	pthread_mutex_init(&w->mu, NULL);
	/* The period is measured on the monotonic clock: wall-clock jumps do not stall it. */
	tc_cond_init_monotonic(&w->cv);
	*out = w;
	return TC_OK;
}

void tc_worker_stop(struct tc_worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	atomic_store(&w->cancel, true);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->started = false;
}

void tc_worker_destroy(struct tc_worker *w)
{
	if (!w)
		return;
	tc_worker_stop(w);
	if (w->pipe_rd >= 0)
		close(w->pipe_rd);
	if (w->pipe_wr >= 0)
		close(w->pipe_wr);
	free(w->queue);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

bool tc_worker_started(const struct tc_worker *w)
{
	return w->started;
}

bool tc_worker_syncing(const struct tc_worker *w)
{
	return atomic_load(&w->syncing);
}

/* Progress events of one kind overwrite each other: the UI wants the latest. */
static void push_event(struct tc_worker *w, const struct tc_sync_event *ev)
{
	pthread_mutex_lock(&w->mu);
	bool progress = ev->kind == TC_EV_PULL_PROGRESS || ev->kind == TC_EV_PUSH_PROGRESS;
	if (progress && w->q_len) {
		struct tc_sync_event *last =
		    &w->queue[(w->q_head + w->q_len - 1) % EVENT_QUEUE_MAX];
		if (last->kind == ev->kind) {
			*last = *ev;
			pthread_mutex_unlock(&w->mu);
			return;
		}
	}
	if (w->q_len == EVENT_QUEUE_MAX) {
		/* A UI that stopped reading loses the oldest news, never the worker. */
		w->q_head = (w->q_head + 1) % EVENT_QUEUE_MAX;
		w->q_len--;
	}
	w->queue[(w->q_head + w->q_len) % EVENT_QUEUE_MAX] = *ev;
	w->q_len++;
	pthread_mutex_unlock(&w->mu);
	tc_wake(w->pipe_wr);
}

static void on_sync_event(void *ud, const struct tc_sync_event *ev)
{
	struct tc_worker *w = ud;
	/* Whoever reads the report and then asks for the status must not see it still syncing. */
	if (ev->kind == TC_EV_SYNC_FINISHED)
		atomic_store(&w->syncing, false);
	push_event(w, ev);
}

static void finished_event(struct tc_worker *w, enum tc_status status, const char *message)
{
	struct tc_sync_event ev = {.kind = TC_EV_SYNC_FINISHED};
	ev.report.status = status;
	ev.report.started_ms = ev.report.finished_ms = tc_clock_now(&w->opt.clock);
	snprintf(ev.report.message, sizeof(ev.report.message), "%s", message);
	push_event(w, &ev);
}

/*
 * Whether a push-only request has anything to send: an entry due (any queued
 * one when forced) or one left in flight. Saves wake the worker and the UI may
 * ask again for the same change; a sync for nothing would contact no server yet
 * report (and record) a success over the real outcome of the one before. When
 * the store cannot tell, the sync runs and reports the store's error itself.
 */
static bool push_due(struct tc_worker *w, struct tc_store *store, unsigned flags)
{
	int64_t due_at = (flags & TC_SYNC_FORCE) ? INT64_MAX : tc_clock_now(&w->opt.clock);
	const enum tc_outbox_filter filters[] = {TC_OUTBOX_DUE, TC_OUTBOX_INFLIGHT};
	bool any = false;
	for (size_t i = 0; i < sizeof(filters) / sizeof(*filters) && !any; i++) {
		struct tc_outbox_list l = {0};
		struct tc_error err;
		tc_error_init(&err);
		any = tc_store_outbox(store, filters[i], due_at, &l, &err) != TC_OK || l.count > 0;
		tc_outbox_list_finish(&l);
		tc_error_clear(&err);
	}
	return any;
}

/* Waits for a request, the period or the stop; the flags to sync with, 0 to stop. */
static unsigned next_request(struct tc_worker *w)
{
	pthread_mutex_lock(&w->mu);
	if (!w->requested && !w->stop) {
		if (w->opt.sync_interval_ms > 0) {
			struct timespec ts;
			tc_deadline_after(&ts, w->opt.sync_interval_ms);
			int rc = 0;
			while (!w->requested && !w->stop && rc != ETIMEDOUT)
				rc = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
			if (!w->requested && !w->stop)
				w->requested = TC_SYNC_ALL;
		} else {
			while (!w->requested && !w->stop)
				pthread_cond_wait(&w->cv, &w->mu);
		}
	}
	unsigned flags = w->stop ? 0 : w->requested;
	w->requested = 0;
	pthread_mutex_unlock(&w->mu);
	return flags;
}

static void *worker_main(void *arg)
{
	struct tc_worker *w = arg;
	struct tc_error err;
	tc_error_init(&err);
	struct tc_store *store = NULL;
	struct tc_store_options so = {.dir = w->opt.data_dir, .clock = w->opt.clock};
	struct tc_api *api = NULL;
	if (tc_store_open(&so, &store, &err) != TC_OK || !(api = tc_api_new(&w->opt.api, &err))) {
		finished_event(w, err.status, err.message);
		tc_store_close(store);
		tc_error_clear(&err);
		return NULL;
	}
	tc_error_clear(&err);
	for (unsigned flags; (flags = next_request(w)) != 0;) {
		if (!(flags & TC_SYNC_PULL) && !push_due(w, store, flags))
			continue;
		struct tc_sync_ctx ctx = {
		    .store = store,
		    .api = api,
		    .profile = w->opt.profile,
		    .clock = w->opt.clock,
		    .read_only = w->opt.read_only,
		    .on_event = on_sync_event,
		    .event_ud = w,
		};
		/*
		 * Under the lock: a stop's cancel must outlive this reset, or the
		 * sync would run on with a silent server while the owner joins.
		 */
		pthread_mutex_lock(&w->mu);
		if (!w->stop)
			atomic_store(&w->cancel, false);
		atomic_store(&w->syncing, true);
		pthread_mutex_unlock(&w->mu);
		struct tc_sync_report rep;
		enum tc_status s = tc_sync_run(&ctx, flags, &rep, &err);
		atomic_store(&w->syncing, false);
		/* Another process syncing: its results reach this one through the store. */
		if (s == TC_BUSY)
			finished_event(w, s, err.message);
		tc_error_clear(&err);
	}
	tc_api_destroy(api);
	tc_store_close(store);
	return NULL;
}

enum tc_status tc_worker_start(struct tc_worker *w, struct tc_error *err)
{
	if (w->started)
		return tc_error_set(err, TC_USAGE, "the background sync is already running");
	if (!w->queue && !(w->queue = calloc(EVENT_QUEUE_MAX, sizeof(*w->queue))))
		return tc_error_set(err, TC_NOMEM, NULL);
	if (w->pipe_rd < 0) {
		int fds[2];
		enum tc_status rc = tc_wake_pipe(fds, "the event pipe", err);
		if (rc != TC_OK)
			return rc;
		w->pipe_rd = fds[0];
		w->pipe_wr = fds[1];
	}
	w->stop = false;
	w->requested = TC_SYNC_ALL; /* sync at once */
	atomic_store(&w->cancel, false);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return tc_error_set(err, TC_IO, "cannot start the sync worker");
	w->started = true;
	return TC_OK;
}

bool tc_worker_cancel(struct tc_worker *w)
{
	if (!w->started)
		return false;
	pthread_mutex_lock(&w->mu);
	bool running = atomic_load(&w->syncing);
	if (running)
		atomic_store(&w->cancel, true);
	pthread_mutex_unlock(&w->mu);
	return running;
}

void tc_worker_request(struct tc_worker *w, unsigned flags)
{
	pthread_mutex_lock(&w->mu);
	w->requested |= flags ? flags : TC_SYNC_ALL;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int tc_worker_event_fd(const struct tc_worker *w)
{
	return w->started ? w->pipe_rd : -1;
}

bool tc_worker_next_event(struct tc_worker *w, struct tc_sync_event *ev)
{
	if (w->pipe_rd < 0)
		return false;
	pthread_mutex_lock(&w->mu);
	bool have = w->q_len > 0;
	if (have) {
		*ev = w->queue[w->q_head];
		w->q_head = (w->q_head + 1) % EVENT_QUEUE_MAX;
		w->q_len--;
	} else {
		/* Drained under the lock, so a byte written after this is for a new event. */
		tc_wake_drain(w->pipe_rd);
	}
	pthread_mutex_unlock(&w->mu);
	return have;
}
