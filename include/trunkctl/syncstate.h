/*
 * Vocabulary shared by the store, the sync engine and the service facade:
 * the injected clock, a trunk's sync state and the outbox's operations and
 * states. Kept apart from store.h so that ui/ (which includes service.h)
 * never sees the store's API.
 */
#ifndef TRUNKCTL_SYNCSTATE_H
#define TRUNKCTL_SYNCSTATE_H

#include <stdint.h>

/*
 * The outside world's time, in milliseconds since the Unix epoch. Injected so
 * that tests drive backoff and "last sync" ages without sleeping. ctx is
 * passed back unchanged. Must be callable from any thread.
 */
typedef int64_t (*tc_clock_fn)(void *ctx);

struct tc_clock {
	tc_clock_fn now_ms; /* NULL: the real clock (CLOCK_REALTIME) */
	void *ctx;
};

/* The real clock; usable as a tc_clock_fn. */
int64_t tc_clock_real_ms(void *ctx);
/* clock->now_ms(ctx), or the real clock when clock or now_ms is NULL. */
int64_t tc_clock_now(const struct tc_clock *clock);

/* Where a trunk stands relative to the server. Values are stored on disk: append only. */
enum tc_sync_state {
	TC_SYNC_SYNCED = 0,   /* local == server version as last seen */
	TC_SYNC_PENDING = 1,  /* edited locally, queued in the outbox */
	TC_SYNC_CONFLICT = 2, /* server and local both changed a field, or server deleted it */
	TC_SYNC_REJECTED = 3, /* the server answered 422; field errors kept for the operator */
	TC_SYNC_STATE_COUNT
};

/* Values are stored on disk: append only. */
enum tc_outbox_op {
	TC_OP_NONE = 0, /* only in summaries: nothing queued */
	TC_OP_CREATE = 1,
	TC_OP_UPDATE = 2,
	TC_OP_DELETE = 3,
	TC_OP_COUNT
};

/* Values are stored on disk: append only. */
enum tc_outbox_state {
	TC_OUTBOX_QUEUED = 0,
	TC_OUTBOX_IN_FLIGHT = 1, /* sent or being sent; reconciled after a crash */
	TC_OUTBOX_REJECTED = 2,
	TC_OUTBOX_CONFLICT = 3,
	TC_OUTBOX_STATE_COUNT
};

/* "synced", "pending", "conflict", "rejected" (the CLI's sync_state strings). */
const char *tc_sync_state_name(enum tc_sync_state state);
/* "none", "create", "update", "delete". */
const char *tc_outbox_op_name(enum tc_outbox_op op);
/* "queued", "in_flight", "rejected", "conflict". */
const char *tc_outbox_state_name(enum tc_outbox_state state);

#endif
