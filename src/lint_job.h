/*
 * The fleet lint in the background (private to the core): a low-priority
 * thread with its own store connection that, when asked, reads every trunk
 * as routing sees them, runs every lint rule and hands the result, reduced
 * to tc_lint_marks, to the thread that owns it, waking it through a pipe.
 *
 * Requests coalesce: those that come while one waits, and those that come
 * within settle_ms of each other, make one run. A request made while a run
 * is under way cancels it (its result would describe a store that has
 * changed since) and starts over; a result is only ever handed on when no
 * newer request was made meanwhile. The functions are for the owner's
 * thread.
 */
#ifndef TRUNKCTL_SRC_LINT_JOB_H
#define TRUNKCTL_SRC_LINT_JOB_H

#include <stdbool.h>

#include "trunkctl/error.h"
#include "trunkctl/lint.h"
#include "trunkctl/records.h"

struct tc_routing; /* trunkctl/service.h */

struct tc_lint_job;

/* Borrowed: data_dir must outlive the job. */
struct tc_lint_job_options {
	const char *data_dir; /* where the thread opens its own store connection */
	struct tc_clock clock;
	bool read_only; /* open the store read-only (the owner's cannot write it) */
	long settle_ms; /* quiet time after a request before a run starts; 0: none */
};

/* Nothing starts yet. Errors: TC_NOMEM. */
enum tc_status tc_lint_job_create(const struct tc_lint_job_options *options,
                                  struct tc_lint_job **out, struct tc_error *err);
/* Cancels a run under way and joins the thread (it stops between rows). Accepts NULL. */
void tc_lint_job_destroy(struct tc_lint_job *job);

/*
 * Asks for a lint, starting the thread on the first request. Never waits
 * for a run. Errors: TC_NOMEM, TC_IO (pipe or thread creation failed).
 */
enum tc_status tc_lint_job_request(struct tc_lint_job *job, struct tc_error *err);
/*
 * As tc_lint_job_request, and the answer also carries the routing snapshot
 * and the full report the lint ran on (tc_lint_job_take_routing), for a
 * screen that shows them: reading every trunk is too long for the UI
 * thread. Runs without waiting for requests to settle.
 */
enum tc_status tc_lint_job_request_routing(struct tc_lint_job *job, struct tc_error *err);
/* A request has not been answered yet (a run waits, runs, or its result waits to be taken). */
bool tc_lint_job_busy(const struct tc_lint_job *job);
/* Read end of the wake-up pipe for poll(); -1 before the first request. */
int tc_lint_job_fd(const struct tc_lint_job *job);
/*
 * Takes the answer to the newest request, when it is there: true with *out
 * its result (the caller's), or with *out NULL and err set when the run
 * failed; false when no answer waits (the pipe is then drained). Never blocks.
 */
bool tc_lint_job_take(struct tc_lint_job *job, struct tc_lint_marks **out, struct tc_error *err);
/*
 * The routing snapshot and report that came with the answer tc_lint_job_take
 * took last, when a routing request asked for them: true with both moved to
 * the caller (tc_routing_destroy, tc_lint_report_finish); false when that
 * answer carried none. Never blocks.
 */
bool tc_lint_job_take_routing(struct tc_lint_job *job, struct tc_routing **routing,
                              struct tc_lint_report *report);

#endif
