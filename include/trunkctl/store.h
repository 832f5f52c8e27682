/*
 * The local store: one SQLite file per profile holding every trunk (the last
 * server version and the local edit), the outbox of changes to send, the
 * journal of changes sent, and sync metadata.
 *
 * Callers: service.c (the UI thread) and the sync_*.c files (the worker). ui/ never
 * includes this header.
 *
 * Threading: a struct tc_store is one SQLite connection and belongs to one
 * thread at a time; each thread (and each process) opens its own. Any number
 * of connections may share a file: writes take the lock up front (BEGIN
 * IMMEDIATE) and wait up to the busy timeout, retrying, so SQLITE_BUSY never
 * escapes; TC_BUSY is returned only when the timeout is exhausted.
 *
 * Durability: every mutating function is one transaction (WAL,
 * synchronous=FULL) that has committed when it returns TC_OK, unless the
 * caller opened a transaction with tc_store_begin, in which case it joins it
 * and the caller's tc_store_commit makes it durable (on any error the caller
 * must tc_store_rollback).
 *
 * Secrets: trunks are stored as flat JSON with TC_JSON_REVEAL (the server
 * returns SIP passwords, and a PATCH needs them back); the API token is never
 * given to the store. Journal rows are masked by the store itself.
 *
 * Errors common to all: TC_NOMEM, TC_STORE (SQLite failure, message says
 * which), TC_BUSY (lock not obtained within the busy timeout).
 */
#ifndef TRUNKCTL_STORE_H
#define TRUNKCTL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/error.h"
#include "trunkctl/records.h"
#include "trunkctl/trunk.h"

struct tc_store;

/* The application_id stamped in the file header ("TKCT"). */
#define TC_STORE_APPLICATION_ID 0x544b4354
/* The schema version this build writes (PRAGMA user_version). */
#define TC_STORE_SCHEMA_VERSION 7
#define TC_STORE_FILE_NAME "trunkctl.db"
/* Prefix of the ids of trunks created here and not yet known to the server. */
#define TC_LOCAL_ID_PREFIX "local-"

struct tc_store_options {
	const char *dir;       /* data directory; created (and parents) with mode 0700 */
	const char *file_name; /* NULL: TC_STORE_FILE_NAME */
	struct tc_clock clock; /* zero: the real clock */
	int busy_timeout_ms;   /* 0: 5000 */
	/*
	 * Open read-only as if the data dir could not be written (tests run as
	 * root, whom file modes do not stop). A dir or file this process cannot
	 * write, or a read-only mount, is found without it.
	 */
	bool read_only;
	/*
	 * SQLite's page cache in KiB; 0: the default, sized for the UI's pages.
	 * A connection that only walks every row once (the lint's) gains
	 * nothing from a large one and would hold it full.
	 */
	int cache_kib;
};

/*
 * Opens or creates the store file (mode 0600; the database, -wal and -shm
 * are only ever opened by SQLite), checks that it is ours
 * (application_id, then PRAGMA quick_check of its schema, metadata and
 * outbox) and migrates it to TC_STORE_SCHEMA_VERSION; an up-to-date file is
 * only read, so opening costs the same whatever the number of trunks. A file
 * that is not an SQLite database, carries another application_id, fails
 * those checks or has a newer schema than this build is TC_CORRUPT with its
 * path in the message and is never written. Damage elsewhere in the cache is
 * TC_CORRUPT from the call that reads it; tc_store_integrity_check checks all.
 * A missing or empty file where the data dir shows a store was (the marker
 * file TC_STORE_FILE_NAME".id" holding the store's id, or a WAL with data),
 * and a store whose id is not the marker's, are TC_CORRUPT and nothing is
 * created. A data dir or file this process cannot write is opened read-only
 * (tc_store_read_only_reason): reads work, writes are TC_READ_ONLY.
 * Other errors: TC_USAGE (no dir), TC_IO (directory or file creation, or no
 * store to read in a read-only dir), TC_READ_ONLY (read-only and the schema
 * needs upgrading).
 */
enum tc_status tc_store_open(const struct tc_store_options *options, struct tc_store **out,
                             struct tc_error *err);
void tc_store_close(struct tc_store *store); /* rolls back an open transaction; accepts NULL */

const char *tc_store_path(const struct tc_store *store);
/* NULL when the store can be written; else why not, naming the data dir. */
const char *tc_store_read_only_reason(const struct tc_store *store);
int64_t tc_store_now(const struct tc_store *store); /* the injected clock */
int tc_store_schema_version(struct tc_store *store);
/*
 * SQLite's PRAGMA data_version on this connection: it moves when another
 * connection (another process, another thread's) commits to the store, never
 * for this connection's own writes. A cheap question: no table is read.
 */
enum tc_status tc_store_data_version(struct tc_store *store, int64_t *out, struct tc_error *err);
/* PRAGMA quick_check: *ok, and its first line in msg (size bytes). */
enum tc_status tc_store_quick_check(struct tc_store *store, bool *ok, char *msg, size_t size,
                                    struct tc_error *err);
/*
 * The whole file: PRAGMA integrity_check (every page, and every index
 * against its table) and PRAGMA foreign_key_check. *ok when neither found a
 * problem; else msg (size bytes, control characters replaced) names the
 * check and its first finding, and how many more there were. Damage that
 * stops the check itself is TC_CORRUPT.
 */
enum tc_status tc_store_integrity_check(struct tc_store *store, bool *ok, char *msg, size_t size,
                                        struct tc_error *err);

/* Explicit transactions (BEGIN IMMEDIATE, waiting for the lock); not nestable. */
enum tc_status tc_store_begin(struct tc_store *store, struct tc_error *err);
enum tc_status tc_store_commit(struct tc_store *store, struct tc_error *err);
void tc_store_rollback(struct tc_store *store); /* no-op outside a transaction */

/* ---- reads for the screens ---- */

/* See struct tc_list_query. TC_USAGE for an unknown sort column. */
enum tc_status tc_store_list(struct tc_store *store, const struct tc_list_query *query,
                             struct tc_trunk_page *page, struct tc_error *err);
enum tc_status tc_store_count(struct tc_store *store, const struct tc_list_query *query,
                              size_t *count, struct tc_error *err);
/*
 * The rows of tc_store_list, in the same order and window, handed to fn one
 * at a time from a single scan in one read snapshot: memory stays that of one
 * row whatever the count (an export of every trunk). TC_USAGE for an unknown
 * sort column; else fn's status when it stops the walk.
 */
enum tc_status tc_store_list_each(struct tc_store *store, const struct tc_list_query *query,
                                  tc_trunk_row_fn fn, void *ctx, struct tc_error *err);
/*
 * Checks that the copy of the search text the filter reads (search_blocks)
 * holds exactly one entry for every trunk; *out_of_step counts the trunks
 * missing from it plus the entries of no trunk. With repair and a non-zero
 * count, rebuilds it from the trunks in one transaction (it is derived:
 * nothing is lost). A whole scan: for doctor, not for every open.
 */
enum tc_status tc_store_search_check(struct tc_store *store, bool repair, size_t *out_of_step,
                                     struct tc_error *err);
/* By id. TC_NOT_FOUND when absent. *out is new. */
enum tc_status tc_store_get(struct tc_store *store, const char *id, struct tc_trunk_record **out,
                            struct tc_error *err);
/* By the store's rowid (tc_trunk_row.row). TC_NOT_FOUND when absent. *out is new. */
enum tc_status tc_store_get_row(struct tc_store *store, int64_t row, struct tc_trunk_record **out,
                                struct tc_error *err);
/* The lowest and highest rowid of the trunks; both 0 when there are none. */
enum tc_status tc_store_row_span(struct tc_store *store, int64_t *lo, int64_t *hi,
                                 struct tc_error *err);
/*
 * A read snapshot over several reads (a walk, then lookups of what it
 * found): they see one version of the store until tc_store_snapshot_end.
 * Not inside a transaction of this connection (TC_USAGE).
 */
enum tc_status tc_store_snapshot_begin(struct tc_store *store, struct tc_error *err);
void tc_store_snapshot_end(struct tc_store *store); /* a no-op outside a snapshot */
/*
 * Ids of the trunks whose current name is exactly name, at most max of them
 * (ids[0..*count), each to be freed by the caller).
 */
enum tc_status tc_store_find_by_name(struct tc_store *store, const char *name, char **ids,
                                     size_t max, size_t *count, struct tc_error *err);

/*
 * The server id the create of local_id received (recorded when the create
 * was pushed; kept after the trunk is gone). *server_id is new. Errors:
 * TC_NOT_FOUND (local_id never pushed, or not a local id).
 */
enum tc_status tc_store_server_id(struct tc_store *store, const char *local_id, char **server_id,
                                  struct tc_error *err);

/*
 * The resource object ("data") the server last sent for id, compact JSON
 * as received with its secrets unmasked; *json is new, or NULL when the
 * server never sent one (a create not pushed yet). Errors: TC_NOT_FOUND.
 */
enum tc_status tc_store_document(struct tc_store *store, const char *id, char **json,
                                 struct tc_error *err);

struct tc_store_counts {
	size_t trunks;
	size_t queued; /* outbox entries queued or in flight */
	size_t in_flight;
	size_t conflicts; /* trunks */
	size_t rejected;  /* trunks */
};
enum tc_status tc_store_counts(struct tc_store *store, struct tc_store_counts *out,
                               struct tc_error *err);

struct tc_store_sync_meta {
	int64_t last_pull_ms;
	int64_t last_sync_ms;
	enum tc_status last_status;
	char last_error[512];
	int64_t retry_until_ms; /* a 429's Retry-After: no automatic sync before; 0: none */
};
enum tc_status tc_store_sync_meta(struct tc_store *store, struct tc_store_sync_meta *out,
                                  struct tc_error *err);
/*
 * Records the end of a sync attempt (message may be NULL) and until when the
 * server asked not to be called again (retry_until_ms, 0 for no such request).
 */
enum tc_status tc_store_set_sync_result(struct tc_store *store, int64_t finished_ms,
                                        enum tc_status status, const char *message,
                                        int64_t retry_until_ms, struct tc_error *err);

/* ---- local edits (each writes the trunk and its outbox entry together) ---- */

/*
 * A new trunk under local_id (TC_LOCAL_ID_PREFIX…), queued as a create.
 * TC_USAGE when local_id does not start with the prefix or is taken.
 */
enum tc_status tc_store_create_local(struct tc_store *store, const char *local_id,
                                     const struct tc_trunk *trunk, struct tc_error *err);

/*
 * Checks the record an edit would save (see struct tc_store_edit): merged is
 * the current version with the edit applied, current the version it was
 * applied onto and pushed whether the server has the trunk (false: its
 * create is still queued). Returns TC_OK to save, or an error (TC_INVALID
 * with field errors) that saves nothing.
 */
typedef enum tc_status (*tc_store_check_fn)(void *ctx, const struct tc_trunk *merged,
                                            const struct tc_trunk *current, bool pushed,
                                            struct tc_error *err);

/*
 * An edit of one trunk: the fields the operator changed, nothing else.
 * changes: the new values (TC_V_NULL clears; TC_V_ABSENT leaves the field
 * alone; read-only fields, id and extra_json are ignored). from: the version
 * the edit started from (what the operator saw), or NULL for a blind edit
 * (a CLI --set) that simply applies changes. check (may be NULL) validates
 * the merged record inside the transaction.
 */
struct tc_store_edit {
	const struct tc_trunk *changes;
	const struct tc_trunk *from;
	tc_store_check_fn check;
	void *check_ctx;
};

/*
 * Applies edit to id's local version and queues the change, in one write
 * transaction that holds the lock before it reads the trunk: concurrent
 * writers (threads, processes) never lose each other's fields. When from is
 * given and a changed field's current value differs both from from's and
 * from the new value, another writer changed it meanwhile: nothing is
 * written, TC_CONFLICT, and result->conflict / result->theirs say which
 * fields and what they hold now. Fields that equal from's are not changes.
 * Otherwise the changes go onto the current version, check runs on the
 * result, and the change is queued, coalescing with the trunk's last entry
 * that is not in flight: into a create (one create with the new record),
 * into an update (one update of the fields that differ from that entry's
 * base; dropped if none do), else a new update. A rejected entry that is
 * edited goes back to queued and the trunk's field errors are cleared.
 * result (may be NULL; free it with tc_edit_result_finish) says which fields
 * changed; when none did, nothing is written. Errors: TC_NOT_FOUND
 * (unknown, or already deleted locally), TC_CONFLICT (the trunk is in
 * conflict with the server: result has no conflicting field; or the
 * concurrent change above), check's error.
 */
enum tc_status tc_store_update_local(struct tc_store *store, const char *id,
                                     const struct tc_store_edit *edit,
                                     struct tc_edit_result *result, struct tc_error *err);

/*
 * n edits in one write transaction (the caller's, which then rolls back
 * on an error, or one of its own), all or nothing: edits[i] of ids[i], in that order, each as
 * tc_store_update_local makes it (a trunk named twice takes both, the
 * second onto the first). The first that refuses rolls every one back with
 * its error; *failed (may be NULL) is then its index and result (may be
 * NULL; free it with tc_edit_result_finish) says what that trunk's edit
 * found, as tc_store_update_local's does. *changed (may be NULL) counts the
 * edits that changed something.
 */
enum tc_status tc_store_update_many_local(struct tc_store *store, const char *const *ids,
                                          const struct tc_store_edit *edits, size_t n,
                                          size_t *failed, struct tc_edit_result *result,
                                          size_t *changed, struct tc_error *err);

/*
 * Deletes id locally: a create not yet sent and its updates vanish with the
 * trunk; queued updates become one delete; otherwise a delete is queued (the
 * trunk stays listed as pending delete until it is pushed). Errors:
 * TC_NOT_FOUND (unknown, or already deleted), TC_CONFLICT.
 */
enum tc_status tc_store_delete_local(struct tc_store *store, const char *id, struct tc_error *err);

/*
 * Drops id's outbox entries that are not in flight; the trunk returns to its
 * server version (or vanishes when it was never on the server). When an
 * entry is in flight it stays and the result is TC_BUSY (the rest is dropped).
 * Errors: TC_NOT_FOUND.
 */
enum tc_status tc_store_discard(struct tc_store *store, const char *id, struct tc_error *err);

/*
 * Ends id's conflict with result, the record the operator settled on:
 * - the server still has it (conflict theirs set): theirs becomes the base,
 *   result the local version, and one update of the fields where result
 *   differs from theirs is queued (none: the trunk is synced);
 * - deleted on the server: result NULL drops the trunk; otherwise the trunk is
 *   recreated as new_local_id and queued as a create of result;
 * - deleted here and changed there (conflict mine_deleted): result NULL
 *   keeps the delete, queued again with theirs as its base (the next push
 *   deletes the trunk as it is now, unless it changes again); a result is
 *   settled as in the first case (theirs: the delete is dropped).
 * Errors: TC_NOT_FOUND; TC_USAGE (not in conflict, or new_local_id missing).
 */
enum tc_status tc_store_resolve(struct tc_store *store, const char *id,
                                const struct tc_trunk *result, const char *new_local_id,
                                struct tc_error *err);

/* Makes id's entries (all when id is NULL) due now; rejected ones are queued again. */
enum tc_status tc_store_retry(struct tc_store *store, const char *id, struct tc_error *err);

/* ---- the outbox, for the sync engine ---- */

struct tc_outbox_entry {
	int64_t seq; /* send order */
	char *trunk_id;
	enum tc_outbox_op op;
	enum tc_outbox_state state;
	struct tc_trunk
	    *payload;          /* create: the record; update: changed fields only; delete: NULL */
	struct tc_trunk *base; /* the server version the change started from, or NULL */
	unsigned attempts;
	int64_t next_attempt_ms;
	int64_t created_ms;
	char *last_error;
};

struct tc_outbox_list {
	size_t count;
	struct tc_outbox_entry *items;
};
void tc_outbox_list_finish(struct tc_outbox_list *list); /* accepts NULL */

enum tc_outbox_filter {
	TC_OUTBOX_ALL,      /* every entry, in seq order */
	TC_OUTBOX_DUE,      /* per trunk the first entry, when queued and due at now_ms */
	TC_OUTBOX_INFLIGHT, /* entries left in flight (crash recovery) */
};

/*
 * Entries in seq order. For TC_OUTBOX_DUE, a trunk whose first entry is in
 * flight, rejected or in conflict contributes nothing (it blocks only itself).
 */
enum tc_status tc_store_outbox(struct tc_store *store, enum tc_outbox_filter filter, int64_t now_ms,
                               struct tc_outbox_list *out, struct tc_error *err);

/*
 * Entry seq as it is stored now, in out (one item); TC_NOT_FOUND when it is
 * gone (discarded, or folded away by a local edit).
 *
 * A local edit, in this process or another, folds into a queued entry
 * (tc_store_update_local), so what the sync read at the start of a round
 * may be stale by the time it acts: it reads the entry again inside the
 * write transaction that acts on it and compares (tc_outbox_entry_same).
 */
enum tc_status tc_store_outbox_get(struct tc_store *store, int64_t seq, struct tc_outbox_list *out,
                                   struct tc_error *err);

/* Same trunk, operation, state, payload and base. */
bool tc_outbox_entry_same(const struct tc_outbox_entry *a, const struct tc_outbox_entry *b);

/* Marks seq in flight and counts the attempt; commit this before sending. TC_NOT_FOUND. */
enum tc_status tc_store_outbox_begin_send(struct tc_store *store, int64_t seq,
                                          struct tc_error *err);

/*
 * The server took entry seq (or, for a delete, answered 404: already gone).
 * server is the server's version afterwards (NULL for a delete): it becomes
 * the base. For a create, server->id is the new id: the trunk and its later
 * entries move from the local id to it (a copy already pulled under that id
 * is replaced). Later updates of the trunk are rebased on server (their
 * payload becomes the fields the local version still changes; none: dropped),
 * and so is a later delete (its base becomes server).
 * When no entry is left the trunk is synced and its local version dropped.
 */
enum tc_status tc_store_outbox_done(struct tc_store *store, int64_t seq,
                                    const struct tc_trunk *server, struct tc_error *err);

/* A retryable failure: seq goes back to queued, due at next_attempt_ms, with message. */
enum tc_status tc_store_outbox_retry_later(struct tc_store *store, int64_t seq,
                                           int64_t next_attempt_ms, const char *message,
                                           struct tc_error *err);

/* A 422: seq rejected, the trunk rejected with errors (copied) and message. */
enum tc_status tc_store_outbox_reject(struct tc_store *store, int64_t seq,
                                      const struct tc_field_errors *errors, const char *message,
                                      struct tc_error *err);

/*
 * A conflict found while pushing seq: theirs is the server version now (NULL:
 * deleted on the server), fields the fields changed on both sides (for a
 * delete: the fields the server changed). The entry and the trunk go to
 * conflict; base is the entry's, mine the local version. A delete's conflict
 * is mine_deleted and its entry's last error says "delete vs modified".
 */
enum tc_status tc_store_outbox_conflict(struct tc_store *store, int64_t seq,
                                        const struct tc_trunk *theirs,
                                        const bool fields[TC_FIELD_COUNT], struct tc_error *err);

/* Puts an entry found in flight after a restart back to queued (after reconciling it). */
enum tc_status tc_store_outbox_requeue(struct tc_store *store, int64_t seq, struct tc_error *err);
/*
 * Puts an entry in flight back to queued when the server refused its request
 * before acting on it (401, 403, or it was never reached: TLS, URL): the
 * attempt does not count, so a create is not looked for on the server
 * before it is sent again.
 */
enum tc_status tc_store_outbox_refused(struct tc_store *store, int64_t seq, struct tc_error *err);

/* ---- pulls ---- */

/* Starts a pull; *generation tags the trunks it sees. */
enum tc_status tc_store_pull_begin(struct tc_store *store, int64_t *generation,
                                   struct tc_error *err);
/*
 * Applies one page: each trunk (with its server id) becomes the base of its
 * row (created when new), its document (trunk->document) is kept and it is
 * marked seen. One transaction per call, or, inside the caller's
 * transaction, a savepoint: a page that fails is undone alone, so the pages
 * before it can still be committed.
 */
enum tc_status tc_store_pull_page(struct tc_store *store, int64_t generation,
                                  struct tc_trunk *const *trunks, size_t count,
                                  struct tc_error *err);

/*
 * The text tc_store_pull_page keeps as a pulled trunk's base: a new string,
 * NULL when out of memory. It touches no store, so that another thread can
 * prepare a page while the store's thread writes the one before.
 */
char *tc_store_encode_base(const struct tc_trunk *t);

/* tc_store_pull_page with bases[i] = tc_store_encode_base(trunks[i]), each non-NULL. */
enum tc_status tc_store_pull_page_encoded(struct tc_store *store, int64_t generation,
                                          struct tc_trunk *const *trunks, char *const *bases,
                                          size_t count, struct tc_error *err);

struct tc_pull_result {
	size_t removed;   /* trunks dropped: gone from the server, no local change */
	size_t conflicts; /* trunks gone from the server with local edits */
	size_t changed;   /* trunks the pull's pages added or changed (not as last sent) */
};
/*
 * Ends a complete pull: server trunks not seen in it are removed, or become
 * conflicts (deleted on the server) when they have queued edits; a queued
 * delete of such a trunk is simply dropped; entries in flight are left to the
 * push. Records the pull time.
 */
enum tc_status tc_store_pull_finish(struct tc_store *store, int64_t generation,
                                    struct tc_pull_result *result, struct tc_error *err);

/* ---- journal ---- */

/* Appends a row; secrets in entry->changes are masked by the store. seq is ignored. */
enum tc_status tc_store_journal_add(struct tc_store *store, const struct tc_journal_entry *entry,
                                    struct tc_error *err);
/* Newest first; limit 0: all. */
enum tc_status tc_store_journal(struct tc_store *store, size_t limit, struct tc_journal_list *out,
                                struct tc_error *err);

#endif
