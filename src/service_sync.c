/*
 * The network half of the service facade: one-shot syncs on the caller's
 * thread, the probe, and the background worker with its event pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service_net.h"
#include "sync.h"
#include "trunkctl/api.h"

#define EVENT_QUEUE_MAX 1024

struct tc_service_net {
	/* Copies of the options (the token is wiped on close). */
	char *api_url;
	char *token;
	enum tc_auth_scheme auth;
	char **resolve;
	size_t resolve_count;
	char *ca_file;
	long connect_timeout_ms;
	long timeout_ms;
	unsigned page_size;
	unsigned connections;
	bool allow_plain_http;
	long sync_interval_ms;
	bool offline;
	bool read_only;
	struct tc_clock clock;
	tc_trace_fn trace;
	void *trace_ctx;
	char *profile;
	char *data_dir;

	/* The caller's thread (CLI): created on first use. */
	struct tc_api *api;

	/* The worker. */
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

static bool dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return true;
	*dst = strdup(src);
	return *dst != NULL;
}

enum tc_status tc_service_net_open(const struct tc_service_options *o, const char *data_dir,
                                   struct tc_service_net **out, struct tc_error *err)
{
	*out = NULL;
	struct tc_service_net *n = calloc(1, sizeof(*n));
	if (!n)
		return tc_error_set(err, TC_NOMEM, NULL);
	n->pipe_rd = n->pipe_wr = -1;
	pthread_mutex_init(&n->mu, NULL);
	/* The period is measured on the monotonic clock: wall-clock jumps do not stall it. */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_condattr_destroy(&ca);
	bool ok = dup_opt(&n->api_url, o->api_url) && dup_opt(&n->token, o->token) &&
	          dup_opt(&n->ca_file, o->ca_file) &&
	          dup_opt(&n->profile, o->profile ? o->profile : "default") &&
	          dup_opt(&n->data_dir, data_dir);
	if (ok && o->resolve_count) {
		n->resolve = calloc(o->resolve_count, sizeof(*n->resolve));
		ok = n->resolve != NULL;
		for (size_t i = 0; ok && i < o->resolve_count; i++, n->resolve_count++)
			ok = dup_opt(&n->resolve[i], o->resolve[i]);
	}
	if (!ok) {
		tc_service_net_close(n);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	n->auth = o->auth;
	n->connect_timeout_ms = o->connect_timeout_ms;
	n->timeout_ms = o->timeout_ms ? o->timeout_ms : 30000;
	n->page_size = o->page_size;
	n->connections = o->connections;
	n->allow_plain_http = o->allow_plain_http;
	n->sync_interval_ms = o->sync_interval_ms ? o->sync_interval_ms : 60000;
	n->offline = o->offline;
	n->read_only = o->read_only;
	n->clock = o->clock;
	n->trace = o->trace;
	n->trace_ctx = o->trace_ctx;
	*out = n;
	return TC_OK;
}

static void stop_worker(struct tc_service_net *n)
{
	if (!n->started)
		return;
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	atomic_store(&n->cancel, true);
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->thread, NULL);
	n->started = false;
}

void tc_service_net_close(struct tc_service_net *n)
{
	if (!n)
		return;
	stop_worker(n);
	if (n->pipe_rd >= 0)
		close(n->pipe_rd);
	if (n->pipe_wr >= 0)
		close(n->pipe_wr);
	tc_api_free(n->api);
	free(n->api_url);
	tc_api_wipe_free(n->token);
	for (size_t i = 0; i < n->resolve_count; i++)
		free(n->resolve[i]);
	free(n->resolve);
	free(n->ca_file);
	free(n->profile);
	free(n->data_dir);
	free(n->queue);
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	free(n);
}

bool tc_service_net_syncing(const struct tc_service_net *n)
{
	return n && atomic_load(&n->syncing);
}

static bool net_offline(const struct tc_service_net *n)
{
	return n->offline || !n->api_url || !*n->api_url;
}

static struct tc_api *make_api(struct tc_service_net *n, const atomic_bool *cancel,
                               struct tc_error *err)
{
	struct tc_api_config cfg = {
	    .base_url = n->api_url,
	    .token = n->token,
	    .auth = n->auth == TC_AUTH_BASIC ? TC_API_AUTH_BASIC : TC_API_AUTH_BEARER,
	    .resolve = (const char *const *)n->resolve,
	    .resolve_count = n->resolve_count,
	    .ca_file = n->ca_file,
	    .allow_insecure_http = n->allow_plain_http,
	    .connect_timeout_ms = n->connect_timeout_ms,
	    .timeout_ms = n->timeout_ms,
	    .page_size = n->page_size,
	    .max_connections = n->connections,
	    .trace = n->trace,
	    .trace_ud = n->trace_ctx,
	    .cancel = cancel,
	};
	return tc_api_new(&cfg, err);
}

static void fill_ctx(struct tc_service_net *n, struct tc_sync_ctx *ctx, struct tc_store *store,
                     struct tc_api *api)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->store = store;
	ctx->api = api;
	ctx->profile = n->profile;
	ctx->clock = n->clock;
	ctx->read_only = n->read_only;
}

static enum tc_status offline_report(struct tc_service_net *n, struct tc_sync_report *report,
                                     struct tc_error *err)
{
	if (report) {
		memset(report, 0, sizeof(*report));
		report->status = TC_OFFLINE;
		report->started_ms = report->finished_ms = tc_clock_now(&n->clock);
		snprintf(report->message, sizeof(report->message), "%s",
		         n->offline ? "offline: nothing was sent"
		                    : "no API URL is configured: nothing was sent");
	}
	return tc_error_set(err, TC_OFFLINE, "%s",
	                    n->offline ? "offline: nothing was sent"
	                               : "no API URL is configured: nothing was sent");
}

/* A pull would write what it fetched: nothing is fetched for a store that cannot keep it. */
static enum tc_status store_read_only(struct tc_service *svc, struct tc_sync_report *report,
                                      struct tc_error *err)
{
	const char *why = tc_service_store_read_only(svc);
	if (report) {
		memset(report, 0, sizeof(*report));
		report->status = TC_READ_ONLY;
		report->started_ms = report->finished_ms = tc_store_now(tc_service_store_of(svc));
		snprintf(report->message, sizeof(report->message), "nothing was synced: %s", why);
	}
	return tc_error_set(err, TC_READ_ONLY, "nothing was synced: %s", why);
}

enum tc_status tc_service_sync(struct tc_service *svc, unsigned flags,
                               struct tc_sync_report *report, struct tc_error *err)
{
	struct tc_service_net *n = tc_service_net_of(svc);
	if (net_offline(n))
		return offline_report(n, report, err);
	if (tc_service_store_read_only(svc))
		return store_read_only(svc, report, err);
	if (n->started)
		return tc_error_set(
		    err, TC_BUSY, "the background sync is running; ask it instead of syncing here");
	if (!n->api && !(n->api = make_api(n, NULL, err)))
		return err ? err->status : TC_CONFIG;
	struct tc_sync_ctx ctx;
	fill_ctx(n, &ctx, tc_service_store_of(svc), n->api);
	/* A command line waits for another process's sync rather than failing. */
	ctx.wait_for_lock = true;
	return tc_sync_run(&ctx, flags, report, err);
}

enum tc_status tc_service_probe(struct tc_service *svc, struct tc_probe_result *out,
                                struct tc_error *err)
{
	struct tc_service_net *n = tc_service_net_of(svc);
	memset(out, 0, sizeof(*out));
	if (net_offline(n)) {
		enum tc_status s = offline_report(n, NULL, err);
		snprintf(out->message, sizeof(out->message), "%s", tc_status_message(s));
		return s;
	}
	struct tc_error local;
	tc_error_init(&local);
	struct tc_error *e = err ? err : &local;
	if (!n->api && !(n->api = make_api(n, NULL, e))) {
		snprintf(out->message, sizeof(out->message), "%s", e->message);
		enum tc_status s = e->status;
		tc_error_clear(&local);
		return s;
	}
	struct tc_api_probe p;
	enum tc_status s = tc_api_probe(n->api, &p, e);
	out->http_status = p.http_status;
	out->reachable = p.http_status != 0;
	out->token_ok = out->reachable && p.http_status != 401;
	out->scope_ok = out->token_ok && p.http_status != 403;
	out->have_skew = p.have_date;
	if (p.have_date)
		out->skew_ms = p.server_date_ms - tc_clock_now(&n->clock);
	snprintf(out->message, sizeof(out->message), "%s",
	         s == TC_OK ? "the Carrier API answered and accepted the token" : e->message);
	tc_error_clear(&local);
	return s;
}

/* ---------------------------------------------------------------- worker */

/* Progress events of one kind overwrite each other: the UI wants the latest. */
static void push_event(struct tc_service_net *n, const struct tc_sync_event *ev)
{
	pthread_mutex_lock(&n->mu);
	bool progress = ev->kind == TC_EV_PULL_PROGRESS || ev->kind == TC_EV_PUSH_PROGRESS;
	if (progress && n->q_len) {
		struct tc_sync_event *last =
		    &n->queue[(n->q_head + n->q_len - 1) % EVENT_QUEUE_MAX];
		if (last->kind == ev->kind) {
			*last = *ev;
			pthread_mutex_unlock(&n->mu);
			return;
		}
	}
	if (n->q_len == EVENT_QUEUE_MAX) {
		/* A UI that stopped reading loses the oldest news, never the worker. */
		n->q_head = (n->q_head + 1) % EVENT_QUEUE_MAX;
		n->q_len--;
	}
	n->queue[(n->q_head + n->q_len) % EVENT_QUEUE_MAX] = *ev;
	n->q_len++;
	pthread_mutex_unlock(&n->mu);
	ssize_t w;
	do
		w = write(n->pipe_wr, "e", 1);
	while (w < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full, so the reader is already woken. */
}

static void on_worker_event(void *ud, const struct tc_sync_event *ev)
{
	struct tc_service_net *n = ud;
	/* Whoever reads the report and then asks for the status must not see it still syncing. */
	if (ev->kind == TC_EV_SYNC_FINISHED)
		atomic_store(&n->syncing, false);
	push_event(n, ev);
}

static void finished_event(struct tc_service_net *n, enum tc_status status, const char *message)
{
	struct tc_sync_event ev = {.kind = TC_EV_SYNC_FINISHED};
	ev.report.status = status;
	ev.report.started_ms = ev.report.finished_ms = tc_clock_now(&n->clock);
	snprintf(ev.report.message, sizeof(ev.report.message), "%s", message);
	push_event(n, &ev);
}

static void deadline_after(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * Whether a push-only request has anything to send: an entry due (any queued
 * one when forced) or one left in flight. Saves wake the worker and the UI may
 * ask again for the same change; a sync for nothing would contact no server yet
 * report (and record) a success over the real outcome of the one before. When
 * the store cannot tell, the sync runs and reports the store's error itself.
 */
static bool push_due(struct tc_service_net *n, struct tc_store *store, unsigned flags)
{
	int64_t due_at = (flags & TC_SYNC_FORCE) ? INT64_MAX : tc_clock_now(&n->clock);
	const enum tc_outbox_filter filters[] = {TC_OUTBOX_DUE, TC_OUTBOX_INFLIGHT};
	bool any = false;
	for (size_t i = 0; i < sizeof(filters) / sizeof(*filters) && !any; i++) {
		struct tc_outbox_list l = {0};
		struct tc_error err;
		tc_error_init(&err);
		any = tc_store_outbox(store, filters[i], due_at, &l, &err) != TC_OK || l.count > 0;
		tc_outbox_list_free(&l);
		tc_error_clear(&err);
	}
	return any;
}

static void *worker_main(void *arg)
{
	struct tc_service_net *n = arg;
	struct tc_error err;
	tc_error_init(&err);
	struct tc_store *store = NULL;
	struct tc_store_options so = {.dir = n->data_dir, .clock = n->clock};
	struct tc_api *api = NULL;
	if (tc_store_open(&so, &store, &err) != TC_OK || !(api = make_api(n, &n->cancel, &err))) {
		finished_event(n, err.status, err.message);
		tc_store_close(store);
		tc_error_clear(&err);
		return NULL;
	}
	tc_error_clear(&err);
	for (;;) {
		pthread_mutex_lock(&n->mu);
		if (!n->requested && !n->stop) {
			if (n->sync_interval_ms > 0) {
				struct timespec ts;
				deadline_after(&ts, n->sync_interval_ms);
				int rc = 0;
				while (!n->requested && !n->stop && rc != ETIMEDOUT)
					rc = pthread_cond_timedwait(&n->cv, &n->mu, &ts);
				if (!n->requested && !n->stop)
					n->requested = TC_SYNC_ALL;
			} else {
				while (!n->requested && !n->stop)
					pthread_cond_wait(&n->cv, &n->mu);
			}
		}
		bool stop = n->stop;
		unsigned flags = n->requested;
		n->requested = 0;
		pthread_mutex_unlock(&n->mu);
		if (stop)
			break;
		if (!(flags & TC_SYNC_PULL) && !push_due(n, store, flags))
			continue;
		struct tc_sync_ctx ctx;
		fill_ctx(n, &ctx, store, api);
		ctx.on_event = on_worker_event;
		ctx.event_ud = n;
		atomic_store(&n->syncing, true);
		struct tc_sync_report rep;
		enum tc_status s = tc_sync_run(&ctx, flags, &rep, &err);
		atomic_store(&n->syncing, false);
		/* Another process syncing: its results reach this one through the store. */
		if (s == TC_BUSY)
			finished_event(n, s, err.message);
		tc_error_clear(&err);
	}
	tc_api_free(api);
	tc_store_close(store);
	return NULL;
}

enum tc_status tc_service_worker_start(struct tc_service *svc, struct tc_error *err)
{
	struct tc_service_net *n = tc_service_net_of(svc);
	if (net_offline(n))
		return offline_report(n, NULL, err);
	if (tc_service_store_read_only(svc))
		return store_read_only(svc, NULL, err);
	if (n->started)
		return tc_error_set(err, TC_USAGE, "the background sync is already running");
	if (!n->queue && !(n->queue = calloc(EVENT_QUEUE_MAX, sizeof(*n->queue))))
		return tc_error_set(err, TC_NOMEM, NULL);
	if (n->pipe_rd < 0) {
		int fds[2];
		if (pipe(fds) != 0)
			return tc_error_set(err, TC_IO, "cannot create the event pipe: %s",
			                    strerror(errno));
		for (int i = 0; i < 2; i++) {
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
			fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		}
		n->pipe_rd = fds[0];
		n->pipe_wr = fds[1];
	}
	n->stop = false;
	n->requested = TC_SYNC_ALL; /* sync at once */
	atomic_store(&n->cancel, false);
	if (pthread_create(&n->thread, NULL, worker_main, n) != 0)
		return tc_error_set(err, TC_IO, "cannot start the sync worker");
	n->started = true;
	return TC_OK;
}

void tc_service_sync_request(struct tc_service *svc, unsigned flags)
{
	struct tc_service_net *n = tc_service_net_of(svc);
	pthread_mutex_lock(&n->mu);
	n->requested |= flags ? flags : TC_SYNC_ALL;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

void tc_service_worker_stop(struct tc_service *svc)
{
	stop_worker(tc_service_net_of(svc));
}

int tc_service_event_fd(const struct tc_service *svc)
{
	struct tc_service_net *n = tc_service_net_of((struct tc_service *)svc);
	return n->started ? n->pipe_rd : -1;
}

bool tc_service_next_event(struct tc_service *svc, struct tc_sync_event *ev)
{
	struct tc_service_net *n = tc_service_net_of(svc);
	if (n->pipe_rd < 0)
		return false;
	pthread_mutex_lock(&n->mu);
	bool have = n->q_len > 0;
	if (have) {
		*ev = n->queue[n->q_head];
		n->q_head = (n->q_head + 1) % EVENT_QUEUE_MAX;
		n->q_len--;
	} else {
		/* Drained under the lock, so a byte written after this is for a new event. */
		char buf[256];
		while (read(n->pipe_rd, buf, sizeof(buf)) > 0)
			;
	}
	pthread_mutex_unlock(&n->mu);
	return have;
}
