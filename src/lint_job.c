/*
 * The fleet lint's background thread: its wake-ups, its runs and the answer
 * it leaves for the owner. See lint_job.h.
 */
/* setpriority (XSI): the thread's own nice value, below the UI's. */
#define _XOPEN_SOURCE 700

#include "lint_job.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lint_private.h"
#include "service_private.h"
#include "trunkctl/store.h"
#include "wake.h"

/* How much lower than the UI the lint runs: it shares the CPU, it does not take it. */
#define LINT_NICE 10
/*
 * The run's page cache: its walk reads each page once, so only the index
 * pages above the rows are worth keeping; the default filled up with
 * documents that are never read again.
 */
#define LINT_CACHE_KIB 256

struct tc_lint_job {
	struct tc_lint_job_options opt; /* data_dir is borrowed */

	pthread_t thread;
	bool started; /* the owner's alone */
	int pipe_rd;
	int pipe_wr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* guarded by mu */
	bool stop;
	bool running;      /* a run is under way */
	uint64_t asked;    /* requests made (the owner writes it, under mu) */
	uint64_t answered; /* the request the waiting answer is for; 0: none waits */
	struct tc_lint_marks *marks;
	bool want_routing;          /* a routing request waits for its answer */
	struct tc_routing *routing; /* with marks, for a routing request */
	struct tc_lint_report report;
	enum tc_status status;
	char message[512];
	atomic_bool cancel;

	uint64_t taken; /* the owner's: the request whose answer it took last */
	/* the owner's: what the answer taken last carried for a routing request */
	struct tc_routing *taken_routing;
	struct tc_lint_report taken_report;
};

static void drop_routing(struct tc_routing **routing, struct tc_lint_report *report)
{
	tc_routing_destroy(*routing);
	*routing = NULL;
	tc_lint_report_finish(report);
	memset(report, 0, sizeof(*report));
}

enum tc_status tc_lint_job_create(const struct tc_lint_job_options *o, struct tc_lint_job **out,
                                  struct tc_error *err)
{
	*out = NULL;
	struct tc_lint_job *j = calloc(1, sizeof(*j));
	if (!j)
		return tc_error_set(err, TC_NOMEM, NULL);
	j->opt = *o;
	j->pipe_rd = j->pipe_wr = -1;
	pthread_mutex_init(&j->mu, NULL);
	tc_cond_init_monotonic(&j->cv);
	*out = j;
	return TC_OK;
}

void tc_lint_job_destroy(struct tc_lint_job *j)
{
	if (!j)
		return;
	if (j->started) {
		pthread_mutex_lock(&j->mu);
		j->stop = true;
		atomic_store(&j->cancel, true);
		pthread_cond_signal(&j->cv);
		pthread_mutex_unlock(&j->mu);
		pthread_join(j->thread, NULL);
	}
	if (j->pipe_rd >= 0)
		close(j->pipe_rd);
	if (j->pipe_wr >= 0)
		close(j->pipe_wr);
	tc_lint_marks_destroy(j->marks);
	drop_routing(&j->routing, &j->report);
	drop_routing(&j->taken_routing, &j->taken_report);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/*
 * Under mu: waits for a request not run yet (after `done`), then for the
 * requests to settle. The request to run, or 0 to stop.
 */
static uint64_t next_request(struct tc_lint_job *j, uint64_t done)
{
	while (!j->stop && j->asked == done)
		pthread_cond_wait(&j->cv, &j->mu);
	/*
	 * A burst (a sync's changes, keys saving one after another) makes one
	 * run; an operator waiting on the routing screen does not wait for it.
	 */
	for (uint64_t seen = 0;
	     !j->stop && !j->want_routing && j->opt.settle_ms > 0 && seen != j->asked;) {
		seen = j->asked;
		struct timespec ts;
		tc_deadline_after(&ts, j->opt.settle_ms);
		int rc = 0;
		while (!j->stop && j->asked == seen && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&j->cv, &j->mu, &ts);
	}
	return j->stop ? 0 : j->asked;
}

/*
 * One lint of the store as routing sees it (queued changes applied), reduced
 * to marks; with keep, the routing snapshot and the report too.
 */
static enum tc_status run(struct tc_lint_job *j, bool keep, struct tc_lint_marks **out,
                          struct tc_routing **routing, struct tc_lint_report *kept,
                          struct tc_error *err)
{
	*out = NULL;
	/*
	 * A connection of its own for each run, closed after it: its page cache
	 * held every trunk's page, and runs are rare.
	 */
	struct tc_store *store = NULL;
	struct tc_store_options so = {.dir = j->opt.data_dir,
	                              .clock = j->opt.clock,
	                              .read_only = j->opt.read_only,
	                              .cache_kib = LINT_CACHE_KIB};
	enum tc_status rc = tc_store_open(&so, &store, err);
	if (rc == TC_OK && !keep) {
		/* the list's marks alone: one walk, no trunk kept (a snapshot was 24 MiB at 100k)
		 */
		rc = service_lint_marks(store, &j->cancel, out, err);
		tc_store_close(store);
#ifdef __GLIBC__
		/*
		 * This thread's malloc arena keeps what the run freed: the TUI,
		 * open for hours, would hold the peak for good. Not POSIX: where
		 * there is no malloc_trim the allocator keeps it.
		 */
		malloc_trim(0);
#endif
		return rc;
	}
	struct tc_routing *r = NULL;
	if (rc == TC_OK)
		rc = service_routing_read(store, false, &j->cancel, &r, err);
	tc_store_close(store);
	struct tc_lint_report report = {0};
	if (rc == TC_OK)
		rc = tc_lint_run_cancellable(tc_routing_table(r), NULL, &j->cancel, &report, err);
	if (rc == TC_OK)
		rc = tc_lint_marks_of_table(tc_routing_table(r), &j->cancel, out, err);
	if (rc == TC_OK) {
		*routing = r;
		*kept = report;
		r = NULL;
		memset(&report, 0, sizeof(report));
	}
	tc_lint_report_finish(&report);
	tc_routing_destroy(r);
	return rc;
}

static void *job_main(void *arg)
{
	struct tc_lint_job *j = arg;
	/* On Linux a thread's nice value is its own: the UI thread keeps its priority. */
	(void)setpriority(PRIO_PROCESS, 0, LINT_NICE);
	uint64_t done = 0;
	pthread_mutex_lock(&j->mu);
	for (uint64_t gen; (gen = next_request(j, done)) != 0;) {
		atomic_store(&j->cancel, false);
		j->running = true;
		bool keep = j->want_routing;
		pthread_mutex_unlock(&j->mu);

		struct tc_error err;
		tc_error_init(&err);
		struct tc_lint_marks *marks = NULL;
		struct tc_routing *routing = NULL;
		struct tc_lint_report report = {0};
		enum tc_status rc = run(j, keep, &marks, &routing, &report, &err);

		pthread_mutex_lock(&j->mu);
		j->running = false;
		done = gen;
		/* a newer request came: this answer describes a store that is gone */
		if (j->stop || j->asked != gen || rc == TC_CANCELLED) {
			tc_lint_marks_destroy(marks);
			drop_routing(&routing, &report);
		} else {
			tc_lint_marks_destroy(j->marks);
			j->marks = marks;
			drop_routing(&j->routing, &j->report);
			j->routing = routing;
			j->report = report;
			/* a routing request made during the run was made before gen: answered */
			j->want_routing = false;
			j->status = rc;
			snprintf(j->message, sizeof(j->message), "%s",
			         rc == TC_OK      ? ""
			         : err.message[0] ? err.message
			                          : tc_status_message(rc));
			j->answered = gen;
			tc_wake(j->pipe_wr);
		}
		tc_error_clear(&err);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

static enum tc_status start(struct tc_lint_job *j, struct tc_error *err)
{
	int fds[2];
	enum tc_status rc = tc_wake_pipe(fds, "the lint's pipe", err);
	if (rc != TC_OK)
		return rc;
	j->pipe_rd = fds[0];
	j->pipe_wr = fds[1];
	if (pthread_create(&j->thread, NULL, job_main, j) != 0)
		return tc_error_set(err, TC_IO, "cannot start the lint thread");
	j->started = true;
	return TC_OK;
}

static enum tc_status request(struct tc_lint_job *j, bool routing, struct tc_error *err);

enum tc_status tc_lint_job_request(struct tc_lint_job *j, struct tc_error *err)
{
	return request(j, false, err);
}

enum tc_status tc_lint_job_request_routing(struct tc_lint_job *j, struct tc_error *err)
{
	return request(j, true, err);
}

static enum tc_status request(struct tc_lint_job *j, bool routing, struct tc_error *err)
{
	if (!j->started && j->pipe_rd < 0) {
		enum tc_status rc = start(j, err);
		if (rc != TC_OK)
			return rc;
	}
	if (!j->started)
		return tc_error_set(err, TC_IO, "cannot start the lint thread");
	pthread_mutex_lock(&j->mu);
	j->asked++;
	j->want_routing = j->want_routing || routing;
	if (j->running)
		atomic_store(&j->cancel, true);
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return TC_OK;
}

bool tc_lint_job_busy(const struct tc_lint_job *j)
{
	/* asked and taken are written by the owner's thread alone */
	return j->taken != j->asked;
}

int tc_lint_job_fd(const struct tc_lint_job *j)
{
	return j->started ? j->pipe_rd : -1;
}

bool tc_lint_job_take(struct tc_lint_job *j, struct tc_lint_marks **out, struct tc_error *err)
{
	*out = NULL;
	if (!j->started)
		return false;
	pthread_mutex_lock(&j->mu);
	/* drained under the lock, so a byte written after this is for a new answer */
	tc_wake_drain(j->pipe_rd);
	bool have = j->answered != 0 && j->answered == j->asked;
	drop_routing(&j->taken_routing, &j->taken_report);
	if (have) {
		*out = j->marks;
		j->taken_routing = j->routing;
		j->taken_report = j->report;
		j->routing = NULL;
		memset(&j->report, 0, sizeof(j->report));
		if (j->status != TC_OK)
			tc_error_set(err, j->status, "%s", j->message);
		j->taken = j->answered;
	} else {
		tc_lint_marks_destroy(j->marks);
		drop_routing(&j->routing, &j->report);
	}
	j->marks = NULL;
	j->answered = 0;
	pthread_mutex_unlock(&j->mu);
	return have;
}

bool tc_lint_job_take_routing(struct tc_lint_job *j, struct tc_routing **routing,
                              struct tc_lint_report *report)
{
	*routing = j->taken_routing;
	*report = j->taken_report;
	j->taken_routing = NULL;
	memset(&j->taken_report, 0, sizeof(j->taken_report));
	return *routing != NULL;
}
