/*
 * What the parts of one sync run share: the run's state, the guards that
 * keep an edit made during the run from being overwritten, and the phases
 * that sync_run.c calls in turn (pull, create recovery, push). Only the
 * sync module includes this; the service sees sync.h.
 */
#ifndef TRUNKCTL_SRC_SYNC_PRIVATE_H
#define TRUNKCTL_SRC_SYNC_PRIVATE_H

#include <stddef.h>

#include "sync.h"
#include "util.h"

/* A trunk's server version as this run read it; server NULL: not read (yet). */
struct sync_seen {
	char *id;
	struct tc_trunk *server;
	int64_t read_ms; /* the clock before the request that read it left */
};

struct sync_run {
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
	size_t matched_cap;
	size_t push_total;
	size_t push_done;
	unsigned store_failures;
	struct sync_seen *seen; /* sorted by id */
	size_t nseen;
	size_t seen_cap;
	int64_t pull_ms; /* when the pull's listing began */
};

/* Run state (sync_run.c). */
int64_t sync_now_ms(const struct sync_run *r);
uint32_t sync_next_rand(struct sync_run *r);
void sync_emit(struct sync_run *r, enum tc_sync_event_kind kind, size_t done, size_t total,
               const char *trunk_id);
void sync_note(struct sync_run *r, const struct tc_error *e);
bool sync_is_stop_status(enum tc_status s);
void sync_record_failure(struct sync_run *r, const struct tc_error *e);
void sync_store_failed(struct sync_run *r, const struct tc_error *e);
bool sync_still_as_read(struct sync_run *r, const struct tc_outbox_entry *en);
bool sync_begin_as_read(struct sync_run *r, const struct tc_outbox_entry *en);
enum tc_status sync_end_as_read(struct sync_run *r, enum tc_status s, struct tc_error *err);

/* What this run read from the server (sync_run.c). */
ptrdiff_t sync_seen_find(const struct sync_run *r, const char *id, size_t *at);
void sync_seen_put(struct sync_run *r, const char *id, struct tc_trunk *server, int64_t read_ms);
bool sync_rereads(const struct tc_outbox_entry *en);
const struct tc_trunk *sync_fresh(const struct sync_run *r, const char *id);

/*
 * The journal of requests sent (sync_run.c): en's base gives the values the
 * request replaced, and the row records who sent it from which host.
 */
void sync_journal(struct sync_run *r, const struct tc_outbox_entry *en, const char *method,
                  const char *trunk_id, const struct tc_trunk *body, const bool *fields,
                  int http_status, const char *request_id, const char *error);

/* The phases of a run. */
void sync_pull(struct sync_run *r);
enum tc_status sync_settle_create(struct sync_run *r, const struct tc_outbox_entry *en,
                                  bool *settled, struct tc_error *err);
void sync_recover(struct sync_run *r, const struct tc_outbox_list *inflight);
bool sync_push_round(struct sync_run *r, int64_t due_at);

#endif
