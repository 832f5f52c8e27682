/*
 * What a sync is asked to do and what it tells: the flags of a request, the
 * report of one run and the events the background worker queues for the UI.
 * Kept apart from service.h so that the sync engine and the worker, which
 * produce them, do not see the facade that hands them on.
 */
#ifndef TRUNKCTL_SYNC_REPORT_H
#define TRUNKCTL_SYNC_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "trunkctl/error.h"

enum tc_sync_flags {
	TC_SYNC_PULL = 1u << 0, /* fetch the full list and apply it */
	TC_SYNC_PUSH = 1u << 1, /* send the due outbox entries */
	TC_SYNC_ALL = TC_SYNC_PULL | TC_SYNC_PUSH,
	TC_SYNC_FORCE = 1u << 2, /* ignore backoff: every queued entry is due now */
};

struct tc_sync_report {
	size_t pulled;         /* trunks received */
	size_t removed;        /* trunks dropped because the server no longer has them */
	size_t changed;        /* trunks received new or changed since the last pull */
	size_t pushed;         /* outbox entries the server accepted */
	size_t queued;         /* entries still queued afterwards (retryable failures, not due) */
	size_t conflicts;      /* trunks in conflict afterwards */
	size_t rejected;       /* trunks rejected afterwards */
	enum tc_status status; /* TC_OK, or the failure that ended or degraded the sync */
	char message[512];     /* sentence for the status line; "" when all went well */
	int64_t started_ms;
	int64_t finished_ms;
};

enum tc_sync_event_kind {
	TC_EV_SYNC_STARTED,  /* report.started_ms set */
	TC_EV_PULL_PROGRESS, /* done = trunks received so far; total unknown (0) */
	TC_EV_PUSH_PROGRESS, /* done of total entries */
	TC_EV_TRUNK_CHANGED, /* the store changed trunk_id: refresh views showing it */
	TC_EV_SYNC_FINISHED, /* report complete; refresh counts and lists */
};

struct tc_sync_event {
	enum tc_sync_event_kind kind;
	size_t done;
	size_t total;
	char trunk_id[64];            /* TC_EV_TRUNK_CHANGED */
	struct tc_sync_report report; /* TC_EV_SYNC_STARTED / TC_EV_SYNC_FINISHED */
};

#endif
