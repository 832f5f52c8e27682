/*
 * The sync engine (private to the core): pull the server's list into the
 * store, push the outbox, merge per field, reconcile what a crash left in
 * flight. service_net.c drives it on the CLI's thread, worker.c on its own.
 *
 * Crash safety rests on the store: every state change below is one store
 * call, hence one transaction, and an entry is marked in flight (committed)
 * before its request leaves. A create whose outcome is unknown (in flight at
 * a crash, or failed after it may have reached the server) is looked for on
 * the server (same name, created since the edit) before it is sent again.
 *
 * Only one sync runs per data directory at a time, across processes: an
 * advisory lock (flock, released by the kernel if the process dies) on a file
 * next to the store guards it, so entries in flight at the start of a sync
 * are known to be orphans.
 */
#ifndef TRUNKCTL_SRC_SYNC_H
#define TRUNKCTL_SRC_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "trunkctl/api.h"
#include "trunkctl/store.h"
#include "trunkctl/sync_report.h"

typedef void (*tc_sync_event_fn)(void *ud, const struct tc_sync_event *ev);
typedef uint32_t (*tc_rand_fn)(void *ctx);

struct tc_sync_ctx {
	struct tc_store *store; /* this thread's connection */
	struct tc_api *api;     /* NULL: offline (TC_OFFLINE) */
	const char *profile;    /* for journal rows */
	struct tc_clock clock;  /* zero: the real clock */
	tc_rand_fn rand32;      /* jitter source; NULL: seeded from the clock */
	void *rand_ctx;
	bool read_only;            /* pull only */
	bool wait_for_lock;        /* block while another process syncs (CLI) instead of TC_BUSY */
	const char *lock_path;     /* NULL: the store's path + ".sync-lock" */
	int64_t create_window_ms;  /* how far before an edit a matching create may be; 0: 10 min */
	tc_sync_event_fn on_event; /* NULL: none; called on the syncing thread */
	void *event_ud;
};

/*
 * One sync: recover orphans, pull (when asked, or when a create must be looked
 * up), push the due entries. report (may be NULL) is filled in every case.
 * Returns as tc_service_sync documents; TC_BUSY when another process holds
 * the sync lock and wait_for_lock is false.
 */
enum tc_status tc_sync_run(struct tc_sync_ctx *ctx, unsigned flags, struct tc_sync_report *report,
                           struct tc_error *err);

/*
 * Three-way merge of one queued update. base: the server version the edit
 * started from; mine: the queued change (fields not set are TC_V_ABSENT);
 * theirs: the server version now. send[f]: f changed here and not there (or
 * there to something else only where it equals base), so the PATCH carries
 * it; conflict[f]: changed on both sides to different values. A field both
 * sides changed to the same value is neither. Comparisons follow the
 * server's renderings (inbound_source_ips as a set, default_sender by its
 * digits). Pure.
 */
struct tc_merge {
	bool send[TC_FIELD_COUNT];
	bool conflict[TC_FIELD_COUNT];
	size_t nsend;
	size_t nconflict;
};
void tc_sync_merge(const struct tc_trunk *base, const struct tc_trunk *mine,
                   const struct tc_trunk *theirs, struct tc_merge *out);

/*
 * Whether the server changed a trunk between base (its version a change was
 * queued against; NULL: unknown, so every attribute theirs has counts) and
 * theirs (its version now), in any attribute it sends: the table's, compared
 * as tc_field_same_value does (changed[f] says which), and those this build
 * does not know (extra_json, as JSON values). Pure.
 */
bool tc_sync_changed_since(const struct tc_trunk *base, const struct tc_trunk *theirs,
                           bool changed[TC_FIELD_COUNT]);

/* "2026-02-17T08:05:33Z" to ms since the epoch; -1 when not that form. Pure. */
int64_t tc_sync_parse_time(const char *iso);

#endif
