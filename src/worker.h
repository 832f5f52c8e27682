/*
 * The background sync worker (private to the core): a thread with its own
 * store connection and API client that syncs at once when started, then
 * every period and whenever asked, and queues what happens as events for the
 * thread that owns it, waking it through a pipe.
 *
 * The worker knows nothing of the service that owns it: everything it needs
 * comes in tc_worker_options. The functions below are for the owner's
 * thread unless they say otherwise.
 */
#ifndef TRUNKCTL_SRC_WORKER_H
#define TRUNKCTL_SRC_WORKER_H

#include <stdbool.h>

#include "trunkctl/api.h"
#include "trunkctl/error.h"
#include "trunkctl/records.h"
#include "trunkctl/sync_report.h"

struct tc_worker;

/*
 * Borrowed, not copied: every string (the API settings' too) must outlive
 * the worker.
 */
struct tc_worker_options {
	const char *data_dir;     /* where the worker opens its own store connection */
	const char *profile;      /* for journal rows */
	struct tc_api_config api; /* its API client's; cancel is the worker's own */
	struct tc_clock clock;    /* zero: the real clock */
	bool read_only;           /* pull only */
	long sync_interval_ms;    /* period between syncs; <= 0: only on request */
};

/* Nothing starts yet. Errors: TC_NOMEM. */
enum tc_status tc_worker_create(const struct tc_worker_options *options, struct tc_worker **out,
                                struct tc_error *err);
/* Stops and joins the thread first. Accepts NULL. */
void tc_worker_destroy(struct tc_worker *w);

/*
 * Starts the thread, which syncs at once. Errors: TC_USAGE (already
 * started), TC_NOMEM, TC_IO (pipe or thread creation failed).
 */
enum tc_status tc_worker_start(struct tc_worker *w, struct tc_error *err);
/* Stops and joins the thread; a request in flight is cancelled. Idempotent. */
void tc_worker_stop(struct tc_worker *w);
bool tc_worker_started(const struct tc_worker *w);
/* The thread is inside a sync right now. Any thread. */
bool tc_worker_syncing(const struct tc_worker *w);

/*
 * Stops the sync that is running, if one is: its request in flight is
 * abandoned and the sync ends with TC_CANCELLED in its report (an entry whose
 * fate is unknown stays in flight, for the next sync to settle). A later
 * request syncs as usual. Returns whether a sync was running.
 */
bool tc_worker_cancel(struct tc_worker *w);

/*
 * Asks for a sync (tc_sync_flags; 0: TC_SYNC_ALL) as soon as possible,
 * coalesced with one already asked for. A push-only request finding nothing
 * due and nothing in flight starts no sync and queues no event.
 */
void tc_worker_request(struct tc_worker *w, unsigned flags);

/* Read end of the wake-up pipe for poll(); -1 when not started. */
int tc_worker_event_fd(const struct tc_worker *w);
/*
 * Takes the oldest waiting event into *ev; false when none is left (the pipe
 * is then drained). Never blocks.
 */
bool tc_worker_next_event(struct tc_worker *w, struct tc_sync_event *ev);

#endif
