/*
 * The service facade: everything the CLI and the TUI do with trunks.
 *
 * ui/ includes this header and nothing below it (no SQL, no HTTP, no JSON:API
 * shapes). Trunks travel as struct tc_trunk; errors as struct tc_error.
 *
 * Threading: a struct tc_service belongs to the thread that opened it (the UI
 * thread); every tc_service_* function must be called from that thread. The
 * background sync worker (tc_service_worker_start) runs on its own thread with
 * its own store connection and talks to the owner only through the event pipe
 * (tc_service_event_fd / tc_service_next_event). So does the lint thread
 * (tc_service_lint_request), at a lower priority, through its own pipe
 * (tc_service_lint_fd / tc_service_lint_take).
 *
 * Local edits never wait on the network: save, delete, discard and resolve
 * write the store in one transaction and return once it is committed; the
 * change then sits in the outbox until a sync pushes it (a running worker is
 * woken to push at once; the CLI calls tc_service_sync itself).
 *
 * Errors (besides the per-function ones): TC_NOMEM; TC_STORE for an SQLite
 * failure; TC_CORRUPT (with the path in the message) when the data file is
 * damaged or is not a trunkctl store; TC_READ_ONLY for any change when the
 * service was opened read-only. SQLITE_BUSY never reaches the caller: the
 * store waits and retries, and reports TC_BUSY only after its busy timeout.
 */
#ifndef TRUNKCTL_SERVICE_H
#define TRUNKCTL_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/error.h"
#include "trunkctl/plan.h"
#include "trunkctl/region.h"
#include "trunkctl/records.h"
#include "trunkctl/sync_report.h"
#include "trunkctl/trunk.h"

struct tc_service;

enum tc_auth_scheme {
	TC_AUTH_BEARER, /* Authorization: Bearer <token> */
	TC_AUTH_BASIC,  /* Authorization: Basic base64(":" token), token as the password */
};

/*
 * Called with one line of the HTTP trace (-v). Secrets (the token, the
 * Authorization header, SIP passwords) are already redacted. May be called
 * from the sync worker thread: the callee must be thread-safe.
 */
typedef void (*tc_trace_fn)(void *ctx, const char *line);

/*
 * Open options. Every pointer is copied by tc_service_open (the token too, and
 * it is wiped on close); the caller may free its copies afterwards.
 * Zero/NULL means the default shown.
 */
struct tc_service_options {
	const char *data_dir; /* required; created with mode 0700 if missing */
	const char *profile;  /* journal rows and messages; default "default" */

	const char *api_url;        /* e.g. "https://api.somleng.org"; NULL: offline only */
	const char *token;          /* API token; never stored, logged or put in messages */
	enum tc_auth_scheme auth;   /* default TC_AUTH_BEARER */
	const char *const *resolve; /* curl-style "HOST:PORT:ADDR" overrides */
	size_t resolve_count;       /* number of entries in resolve */
	const char *ca_file;        /* CA bundle; NULL: the system's */
	long connect_timeout_ms;    /* default 10000 */
	long timeout_ms;            /* whole request; default 30000 */
	unsigned page_size;         /* pull page[size]; default 100 */
	unsigned connections;       /* push requests at once, 1-16; default 8 */
	bool allow_plain_http;      /* http:// to a non-loopback host; default refused */
	long sync_interval_ms; /* background worker period; default 60000, <0: only on request */

	bool offline;   /* never touch the network: sync returns TC_OFFLINE */
	bool read_only; /* every change returns TC_READ_ONLY; sync pulls but never pushes */
	/*
	 * Open the store read-only, as when this process cannot write the data
	 * dir (tests: root writes anywhere). Such a dir, file or mount is found
	 * without it; then reads work, and every change, sync and the worker
	 * return TC_READ_ONLY naming the data dir and why
	 * (tc_service_store_read_only).
	 */
	bool store_read_only;

	const struct tc_region *regions; /* the carrier's regions; NULL: tc_default_regions() */
	size_t region_count;

	struct tc_clock clock; /* zero: the real clock */
	tc_trace_fn trace;     /* NULL: no trace */
	void *trace_ctx;
};

/*
 * Opens (creating and migrating when needed) the store in options->data_dir.
 * Errors: TC_USAGE (no data_dir), TC_IO (cannot create the directory or
 * file), TC_CORRUPT (damaged or foreign file; it is left untouched),
 * TC_STORE, TC_BUSY.
 * On success *out is a new service; tc_service_close releases it.
 */
enum tc_status tc_service_open(const struct tc_service_options *options, struct tc_service **out,
                               struct tc_error *err);
/* Stops the worker (joins it), closes the store, wipes the token. Accepts NULL. */
void tc_service_close(struct tc_service *svc);

bool tc_service_read_only(const struct tc_service *svc);
/* NULL when the store can be written; else why not (names the data dir), for a note. */
const char *tc_service_store_read_only(const struct tc_service *svc);
bool tc_service_offline(const struct tc_service *svc);
const char *tc_service_profile(const struct tc_service *svc);
/* The API host for the header line ("api.somleng.org"), or NULL when none is configured. */
const char *tc_service_api_host(const struct tc_service *svc);
/* The data directory and the store file's path (for doctor and messages). */
const char *tc_service_data_dir(const struct tc_service *svc);
const char *tc_service_store_path(const struct tc_service *svc);
/* path names the store's database, -wal or -shm (the same file, by device and inode). */
bool tc_service_is_store_file(const struct tc_service *svc, const char *path);
/* The regions in effect (the configured ones or the defaults). */
const struct tc_region *tc_service_regions(const struct tc_service *svc, size_t *count);

/* ---- list ---- */

/*
 * Fills page with the window [offset, offset+limit) of the filtered, sorted
 * trunks, and the total count. Trunks deleted locally stay listed (pending ==
 * TC_OP_DELETE) until the delete is pushed. Reads one consistent snapshot.
 * Errors: TC_USAGE (unknown sort column). page is caller-owned; free it with
 * tc_trunk_page_finish whatever the result.
 */
enum tc_status tc_service_list(struct tc_service *svc, const struct tc_list_query *query,
                               struct tc_trunk_page *page, struct tc_error *err);
/*
 * The rows of tc_service_list (same order and window) handed to fn one at a
 * time, from one consistent snapshot, without holding them: for output of
 * every trunk in memory independent of their number. fn must not call back
 * into the service. Errors: TC_USAGE (unknown sort column); fn's status when
 * it stops the walk.
 */
enum tc_status tc_service_list_each(struct tc_service *svc, const struct tc_list_query *query,
                                    tc_trunk_row_fn fn, void *ctx, struct tc_error *err);
/* Only the count of tc_service_list (same filter). */
enum tc_status tc_service_count(struct tc_service *svc, const struct tc_list_query *query,
                                size_t *count, struct tc_error *err);

/* ---- one trunk ---- */

/*
 * Finds a trunk by id (server or local), then by the local id its create
 * had before it was pushed, else by exact name. Errors:
 * TC_NOT_FOUND; TC_USAGE when several trunks carry that name (the message
 * says to use the id). *out is a new record.
 */
enum tc_status tc_service_get(struct tc_service *svc, const char *id_or_name,
                              struct tc_trunk_record **out, struct tc_error *err);

/*
 * The JSON:API resource object the server last sent for the trunk (found as
 * tc_service_get finds it), as received, indented for reading; passwords
 * masked unless reveal. *json is new, or NULL when the server never sent the
 * trunk (a create not pushed yet). Errors: those of tc_service_get.
 */
enum tc_status tc_service_document(struct tc_service *svc, const char *id_or_name, bool reveal,
                                   char **json, struct tc_error *err);

/* ---- validate and save ---- */

/*
 * The functions below that take a trunk id (update, delete, discard,
 * resolve, retry) accept the local id of a create already pushed as the
 * server id it moved to, as tc_service_get does.
 */

enum tc_save_kind {
	TC_SAVE_CREATE,
	TC_SAVE_UPDATE,
};

/*
 * Checks a draft with the server's rules (titles and pointers as the server
 * would send them) plus the client's advisory warnings. For TC_SAVE_UPDATE,
 * base is the trunk's current version (the draft may be the full edited
 * record; only fields that differ from base are checked as sent, as the
 * server does for a PATCH). Returns TC_OK when the server would accept it
 * (warnings may still be in err->fields with TC_SEV_WARNING), or TC_INVALID
 * with the errors in err->fields in the server's order. Touches no state; fit
 * for every keystroke.
 */
enum tc_status tc_service_validate(struct tc_service *svc, enum tc_save_kind kind,
                                   const struct tc_trunk *draft, const struct tc_trunk *base,
                                   struct tc_error *err);

/*
 * Saves a new trunk offline: validates it (TC_INVALID with field errors, and
 * nothing saved, when the server would refuse it), assigns a local id
 * ("local-" + 16 hex digits), writes the local version and queues a create,
 * in one transaction. draft->id is ignored. *id_out (may be NULL) receives a
 * copy of the local id, for the caller to free.
 */
enum tc_status tc_service_create(struct tc_service *svc, const struct tc_trunk *draft,
                                 char **id_out, struct tc_error *err);

/*
 * Saves an edit of trunk id: changes holds the fields the operator changed
 * (TC_V_NULL sends null; every other field TC_V_ABSENT: left as it is) and
 * from the version the edit started from (the record the form or prompt
 * showed), or NULL for a blind change such as a CLI --set. In one
 * transaction that holds the write lock before it reads the trunk, the
 * changes go onto the trunk as it is now (another process's or the sync's
 * change to other fields is kept), the result is validated (TC_INVALID with
 * field errors as above, nothing saved; a trunk whose create is not pushed
 * yet is checked whole, as the create it still is), and the local version
 * is written and its update queued or coalesced. Saving a rejected trunk
 * re-queues it with its errors cleared. Saving with no change is TC_OK and
 * queues nothing.
 *
 * When from is given and a changed field was changed meanwhile by another
 * writer (its value now differs from from's and from the new one), nothing
 * is saved and the result is TC_CONFLICT with result->conflict naming the
 * fields and result->theirs the trunk as it is now: the caller shows them
 * as per-field conflicts and saves again from theirs once settled.
 * result (may be NULL; free with tc_edit_result_finish) also says which
 * fields the save changed. Errors: TC_NOT_FOUND (also for a trunk already
 * deleted locally); TC_CONFLICT while the trunk is in conflict with the
 * server (resolve first; result names no field).
 */
enum tc_status tc_service_update(struct tc_service *svc, const char *id,
                                 const struct tc_trunk *changes, const struct tc_trunk *from,
                                 struct tc_edit_result *result, struct tc_error *err);

/*
 * The same changes onto each of the n trunks of ids, all or nothing: one
 * transaction saves each as tc_service_update would (from[i] the version the
 * operator saw of trunk i, or from NULL for blind changes), and the first
 * trunk that refuses (invalid, changed meanwhile, in conflict, gone) rolls
 * every one back with its error; *failed (may be NULL) is then its index.
 * Trunks the changes leave as they were queue nothing. *saved (may be NULL)
 * counts the trunks whose save changed something.
 */
enum tc_status tc_service_update_many(struct tc_service *svc, const char *const *ids, size_t n,
                                      const struct tc_trunk *changes,
                                      const struct tc_trunk *const *from, size_t *failed,
                                      size_t *saved, struct tc_error *err);

/*
 * As tc_service_update_many, with changes[i] (not NULL) the changes of trunk
 * i alone: the trunks of one file edited in $EDITOR, all saved or none.
 */
enum tc_status tc_service_update_each(struct tc_service *svc, const char *const *ids, size_t n,
                                      const struct tc_trunk *const *changes,
                                      const struct tc_trunk *const *from, size_t *failed,
                                      size_t *saved, struct tc_error *err);

/*
 * Deletes trunk id locally and queues the delete (an unpushed create simply
 * disappears, with nothing queued). Errors: TC_NOT_FOUND; TC_CONFLICT while
 * in conflict (resolve first).
 */
enum tc_status tc_service_delete(struct tc_service *svc, const char *id, struct tc_error *err);

/*
 * Deletes each of the n trunks of ids as tc_service_delete does, all or
 * nothing in one transaction: the first that refuses (gone, in conflict)
 * rolls every one back with its error; *failed (may be NULL) is then its
 * index.
 */
enum tc_status tc_service_delete_many(struct tc_service *svc, const char *const *ids, size_t n,
                                      size_t *failed, struct tc_error *err);

/*
 * Drops the queued changes of trunk id that have not been sent (queued,
 * rejected or in conflict): the local version goes back to the server's; an
 * unpushed create disappears. An entry in flight stays (it may already have
 * reached the server) and TC_BUSY says so. TC_OK when nothing was queued.
 * Errors: TC_NOT_FOUND.
 */
enum tc_status tc_service_discard(struct tc_service *svc, const char *id, struct tc_error *err);

/* ---- conflicts ---- */

enum tc_resolution {
	TC_RESOLVE_NONE,   /* field not in conflict (or not chosen: an error if it is) */
	TC_RESOLVE_MINE,   /* keep the local value */
	TC_RESOLVE_THEIRS, /* take the server's value */
	TC_RESOLVE_EDITED, /* a new value, from the edited trunk given to resolve */
};

/*
 * Resolves the conflict of trunk id, one choice per conflicting field
 * (choices[f] for f where conflict->fields[f]; other entries are ignored).
 * edited supplies the values of TC_RESOLVE_EDITED fields (may be NULL when
 * none is EDITED). The server's version becomes the base; the merged record
 * (non-conflicting local changes kept) becomes the local version and is
 * re-queued as an update of only the fields that still differ from the
 * server, or the trunk becomes synced when none does. Validated like an
 * update (TC_INVALID with field errors, nothing changed).
 *
 * For a trunk deleted on the server (conflict->theirs == NULL) only the
 * choice in choices[TC_F_NAME] counts: MINE recreates it (queued as a create
 * of the local version under a new local id), THEIRS drops it locally.
 * Likewise for a delete queued here of a trunk the server changed
 * (conflict->mine_deleted, "delete vs modified"): MINE keeps the delete,
 * queued again against the server's version as it is now; THEIRS drops the
 * delete and the trunk is synced to the server's version.
 *
 * Errors: TC_NOT_FOUND; TC_USAGE when the trunk is not in conflict or a
 * conflicting field has no choice.
 */
enum tc_status tc_service_resolve(struct tc_service *svc, const char *id,
                                  const enum tc_resolution choices[TC_FIELD_COUNT],
                                  const struct tc_trunk *edited, struct tc_error *err);

/* ---- outbox, journal, status ---- */

/* The HTTP request an outbox entry will send, for display (dry runs, the pending screen). */
struct tc_request_preview {
	char *method; /* "POST", "PATCH", "DELETE" */
	char *path;   /* "/carrier/v1/sip_trunks/<id>" (a local id while its create is unpushed) */
	char *body; /* JSON:API document text, passwords masked unless revealed; NULL for DELETE */
};

struct tc_pending_entry {
	int64_t seq;      /* outbox order */
	char *trunk_id;   /* server id, or local-… */
	char *trunk_name; /* the name in the local version (or the base), for display */
	enum tc_outbox_op op;
	enum tc_outbox_state state;
	unsigned attempts;
	int64_t next_attempt_ms; /* 0: as soon as possible */
	int64_t created_ms;
	char *last_error; /* sentence, or NULL */
	struct tc_trunk
	    *payload; /* create: the whole trunk; update: only the changed fields; delete: NULL */
	struct tc_trunk *base; /* the server version the change started from; NULL for create */
	struct tc_request_preview request;
};

struct tc_pending_list {
	size_t count;
	struct tc_pending_entry *items;
};

/*
 * The outbox in send order. reveal shows passwords in payload previews
 * (payload/base trunks always hold the real values). list is caller-owned;
 * free it with tc_pending_list_finish whatever the result.
 */
enum tc_status tc_service_pending(struct tc_service *svc, bool reveal, struct tc_pending_list *list,
                                  struct tc_error *err);
void tc_pending_list_finish(struct tc_pending_list *list); /* accepts NULL */

/*
 * Makes the outbox entries of trunk id (or all entries when id is NULL) due
 * now: rejected entries go back to queued (the trunk's field errors are
 * cleared: the next answer brings new ones), backoff is cleared. The worker,
 * when started, is woken.
 */
enum tc_status tc_service_retry(struct tc_service *svc, const char *id, struct tc_error *err);

/* The newest limit journal rows (0: all), newest first. Caller frees with tc_journal_list_finish.
 */
enum tc_status tc_service_journal(struct tc_service *svc, size_t limit,
                                  struct tc_journal_list *list, struct tc_error *err);

struct tc_service_status {
	size_t trunks;              /* listed trunks */
	size_t queued;              /* outbox entries queued or in flight */
	size_t in_flight;           /* of which in flight */
	size_t conflicts;           /* trunks in conflict */
	size_t rejected;            /* trunks rejected */
	int64_t last_pull_ms;       /* last complete pull; 0: never */
	int64_t last_sync_ms;       /* last sync attempt that finished; 0: never */
	enum tc_status last_status; /* of that attempt */
	char last_error[512];       /* its sentence, "" on success */
	bool syncing;               /* the worker is in a sync right now */
	bool offline;
	bool read_only;
};

enum tc_status tc_service_status(struct tc_service *svc, struct tc_service_status *out,
                                 struct tc_error *err);

/*
 * Whether the store has changed from outside this service's connection
 * since the last call: a CLI `update` or `apply` in another terminal, or the
 * service's own background sync. The first call only notes where the store
 * stands (false). Cheap enough for every idle moment of a UI.
 */
enum tc_status tc_service_changed_elsewhere(struct tc_service *svc, bool *changed,
                                            struct tc_error *err);

/* ---- import, doctor ---- */

struct tc_import_result {
	size_t index;           /* position in the input */
	enum tc_save_kind kind; /* create (no id, or an id the store does not know) or update */
	char *id;              /* the id saved under (new local id for a create), NULL if invalid */
	enum tc_status status; /* TC_OK, TC_INVALID, TC_CONFLICT, TC_NOT_FOUND */
	struct tc_field_errors errors; /* for TC_INVALID */
	bool unchanged;                /* an update that changed nothing */
};

struct tc_import_report {
	size_t count;
	struct tc_import_result *items;
	size_t created, updated, unchanged, failed;
};

/*
 * Stages trunks[0..count) in the outbox: a trunk whose id the store knows is
 * an update (its set fields replace the current ones, applied and validated
 * again inside the save's transaction, as tc_service_update does with no
 * from), any other a create.
 * All or nothing: every trunk is validated first; when any fails, nothing is
 * saved and TC_INVALID is returned with the per-trunk results in report.
 * dry_run validates and reports without saving. report is caller-owned; free
 * it with tc_import_report_finish whatever the result.
 */
enum tc_status tc_service_import(struct tc_service *svc, struct tc_trunk *const *trunks,
                                 size_t count, bool dry_run, struct tc_import_report *report,
                                 struct tc_error *err);
void tc_import_report_finish(struct tc_import_report *report); /* accepts NULL */

/*
 * Stages a fleet plan (tc_plan_make over this service's trunks) in the
 * outbox, all or nothing, in one transaction: each create is validated and
 * queued as tc_service_create does, each update applied as
 * tc_service_update does with from = the stored trunk the plan compared
 * (a field changed since by another writer is TC_CONFLICT), each delete as
 * tc_service_delete. Any failure rolls everything back; the message names
 * the trunk and what was planned for it (field errors in err->fields).
 * An empty plan stages nothing and is TC_OK.
 */
enum tc_status tc_service_apply_plan(struct tc_service *svc, const struct tc_plan *plan,
                                     struct tc_error *err);

struct tc_store_check {
	bool integrity_ok;   /* PRAGMA integrity_check and foreign_key_check found nothing */
	char integrity[256]; /* else the check and its first finding */
	unsigned dir_mode;   /* permission bits of the data dir */
	unsigned file_mode;  /* of the store file */
	bool modes_ok;       /* dir 0700 and file 0600 (no group/other bits) */
	int schema_version;  /* PRAGMA user_version */
	int64_t size_bytes;
	size_t search_rebuilt; /* trunks the filter's search copy had out of step: rebuilt */
	bool read_only;        /* the store cannot be written: search_rebuilt were not rebuilt */
};

/*
 * The store half of `doctor`: PRAGMA integrity_check and foreign_key_check
 * over the whole file. The filter's copy of the search text, derived from
 * the trunks, is rebuilt when found out of step (search_rebuilt), unless the
 * store is read-only.
 */
enum tc_status tc_service_check_store(struct tc_service *svc, struct tc_store_check *out,
                                      struct tc_error *err);

/* ==== network (src/service_net.c over the sync engine, and src/worker.c) ==== */

/*
 * Runs one sync on the calling thread (the CLI): pull (full list, page by
 * page; trunks the server no longer has are removed, or become conflicts when
 * edited here), then push the due outbox entries in order. Returns TC_OK when
 * everything due was pushed; TC_OFFLINE when opened offline or without an
 * api_url; TC_UNREACHABLE / TC_TIMEOUT / TC_SERVER / TC_RATE_LIMITED when the
 * server could not take the changes (they stay queued); TC_AUTH /
 * TC_FORBIDDEN (sync stopped); TC_REJECTED or TC_CONFLICT when some entries
 * ended rejected or in conflict (the others were pushed). report (may be NULL)
 * is filled in every case. Must not run while the worker is started (TC_BUSY).
 */
enum tc_status tc_service_sync(struct tc_service *svc, unsigned flags,
                               struct tc_sync_report *report, struct tc_error *err);

/*
 * Probes the server for `doctor`: reachable, token accepted and scoped (a
 * list request with page[size]=1), and the clock skew against its Date
 * header. Returns the status of the request (TC_OK, TC_AUTH, ...).
 */
struct tc_probe_result {
	bool reachable;
	int http_status;
	bool token_ok;   /* a 2xx trunk list, or 403 (a known token without the scope) */
	bool scope_ok;   /* a 2xx trunk list */
	bool have_skew;  /* the answer carried a Date header */
	int64_t skew_ms; /* server Date minus the local clock */
	char message[512];
};
enum tc_status tc_service_probe(struct tc_service *svc, struct tc_probe_result *out,
                                struct tc_error *err);

/*
 * The background worker (the TUI). Start it once; it syncs at once, then every
 * sync_interval_ms and whenever tc_service_sync_request is called, never
 * while offline. It reports through a pipe: tc_service_event_fd is readable
 * when events are waiting; drain them with tc_service_next_event. The UI
 * thread keeps using the service meanwhile (each thread has its own store
 * connection). Errors: TC_OFFLINE (opened offline or without an api_url),
 * TC_USAGE (already started), TC_IO (pipe or thread creation failed).
 */
enum tc_status tc_service_worker_start(struct tc_service *svc, struct tc_error *err);
/*
 * Asks for a sync as soon as possible (coalesced with one already asked for).
 * A push-only request (no TC_SYNC_PULL) finding nothing due and nothing in
 * flight starts no sync and sends no event: asking twice for one change (the
 * save's own wake-up, then the UI) yields one sync and one report.
 */
void tc_service_sync_request(struct tc_service *svc, unsigned flags);
/*
 * Stops the worker's sync that is running, if any: the request in flight is
 * abandoned and the sync finishes with TC_CANCELLED (a change whose fate is
 * unknown stays in flight and is settled by the next sync). The worker goes
 * on with later requests. Returns whether a sync was running.
 */
bool tc_service_sync_cancel(struct tc_service *svc);
/* Stops and joins the worker; a request in flight is abandoned (cancelled). Idempotent. */
void tc_service_worker_stop(struct tc_service *svc);
/* Read end of the wake-up pipe for poll(); -1 when the worker is not started. */
int tc_service_event_fd(const struct tc_service *svc);

/*
 * Takes the oldest waiting event into *ev; false when none is left (the pipe
 * is then drained). Never blocks.
 */
bool tc_service_next_event(struct tc_service *svc, struct tc_sync_event *ev);

/* ---- routing (doc/routing.md) ---- */

/* The trunks routing sees, indexed (trunkctl/route.h); read once, then pure. */
struct tc_routing;
struct tc_route_table;
struct tc_route_trunk;

/*
 * Reads every trunk and builds the route index: the trunks as they will be
 * after the next sync (queued changes applied, queued deletes gone), or with
 * server_only as the server last sent them. Errors: the store's, TC_NOMEM.
 */
enum tc_status tc_service_routing(struct tc_service *svc, bool server_only, struct tc_routing **out,
                                  struct tc_error *err);
const struct tc_route_table *tc_routing_table(const struct tc_routing *r);
/* The trunk with that id among those routing sees, or NULL. */
const struct tc_route_trunk *tc_routing_find(const struct tc_routing *r, const char *id);
void tc_routing_destroy(struct tc_routing *r); /* accepts NULL */

/* ---- the lint in the background (src/lint_job.c) ---- */

struct tc_lint_marks;  /* trunkctl/lint.h */
struct tc_lint_report; /* trunkctl/lint.h */

/*
 * Asks for the fleet lint of the trunks as routing sees them (queued changes
 * applied), on a low-priority thread of the service with its own store
 * connection, started on the first request: the caller never waits for the
 * read of every trunk. Requests coalesce (those made within a moment of each
 * other make one run); one made while a run is under way cancels that run,
 * whose answer would be out of date, and starts over. Closing the service
 * cancels a run and does not wait for it to end. Errors: TC_NOMEM, TC_IO.
 */
enum tc_status tc_service_lint_request(struct tc_service *svc, struct tc_error *err);
/* A lint request is not answered yet. */
bool tc_service_lint_busy(const struct tc_service *svc);
/* Readable when an answer waits; -1 before the first request. */
int tc_service_lint_fd(const struct tc_service *svc);
/*
 * Takes the answer to the newest request when it is there: true with *out
 * (the caller's; tc_lint_marks_destroy), or *out NULL and err set when the
 * lint failed; false when none waits (the descriptor is then drained).
 * Never blocks.
 */
bool tc_service_lint_take(struct tc_service *svc, struct tc_lint_marks **out, struct tc_error *err);
/*
 * A lint request whose answer also carries the trunks as routing sees them
 * and the full report, for a screen that shows them without reading every
 * trunk on its own thread; it does not wait for requests to settle. After a
 * tc_service_lint_take that returned true, tc_service_routing_take moves
 * them to the caller (tc_routing_destroy, tc_lint_report_finish) and returns
 * true; false when that answer carried none.
 */
enum tc_status tc_service_routing_request(struct tc_service *svc, struct tc_error *err);
bool tc_service_routing_take(struct tc_service *svc, struct tc_routing **routing,
                             struct tc_lint_report *report);

#endif
