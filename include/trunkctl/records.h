/*
 * The records the store reads and the service hands on to ui/ (list rows,
 * one trunk with its conflict, edit results, journal rows) and what they are
 * made of: a trunk's sync state, the outbox's operations and states, the list
 * query, and the injected clock. Kept apart from store.h so that ui/ (which
 * includes service.h) never sees the store's API.
 */
#ifndef TRUNKCTL_RECORDS_H
#define TRUNKCTL_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/error.h"
#include "trunkctl/trunk.h"

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

/* ==== records the store produces and the service hands to ui/ ==== */

/*
 * Pseudo-columns for sorting besides the attributes (enum tc_field_id values
 * are the attribute columns; any attribute but a secret can be sorted on).
 * Strings and lists sort ASCII case-insensitively, lists by their text.
 */
enum tc_sort_column {
	TC_SORT_ID = -2,         /* the id (server id, or local-…) */
	TC_SORT_SYNC_STATE = -3, /* enum tc_sync_state order */
};

struct tc_list_query {
	/* substring over name, hosts, IPs, username, id and region; NULL or "": all */
	const char *filter;
	bool case_sensitive; /* false: ASCII case-insensitive (smart-case is the UI's choice) */
	int sort;            /* enum tc_field_id or enum tc_sort_column (a zeroed query sorts by
	                        TC_F_CREATED_AT, field 0; TC_FIELD_NONE sorts by name) */
	bool descending;     /* ties are broken by id, in the same direction */
	size_t offset;       /* window start, in the sorted filtered order */
	size_t limit;        /* window size; 0: every row (CLI export) */
	/*
	 * tc_store_list only: each row's trunk holds what a list shows, every
	 * field but the secrets (a null value comes back absent), read from the
	 * store's columns without decoding the trunk's document.
	 */
	bool shown_fields;
};

/* One list row: the version the operator sees (local if edited, else the server's). */
struct tc_trunk_row {
	struct tc_trunk *trunk;    /* owned; secrets included (mask them when showing) */
	enum tc_sync_state state;  /* synced / pending / conflict / rejected */
	enum tc_outbox_op pending; /* what is queued: TC_OP_NONE, CREATE, UPDATE or DELETE */
	int64_t last_seen_ms;      /* last time a pull saw it on the server; 0: never */
	int64_t row; /* the store's rowid: the lint's marks are found by it (tc_lint_marks_find) */
};

struct tc_trunk_page {
	size_t count; /* rows in items */
	struct tc_trunk_row *items;
	size_t total;  /* rows matching the filter (whole result, not the window) */
	size_t offset; /* the query's offset, clamped to total */
};

void tc_trunk_page_finish(struct tc_trunk_page *page); /* frees the rows; accepts NULL */

/*
 * Called once per row by the list walks (tc_store_list_each,
 * tc_service_list_each). The row and its trunk are the walk's: valid during
 * the call only, reused or freed afterwards. Returns TC_OK to go on; any other
 * status stops the walk, which returns it (set err for it).
 */
typedef enum tc_status (*tc_trunk_row_fn)(void *ctx, const struct tc_trunk_row *row,
                                          struct tc_error *err);

/*
 * A conflict: the server changed what was edited here (per field), the
 * server deleted a trunk that has local edits (theirs == NULL), or the server
 * changed a trunk whose delete is queued here (mine_deleted, "delete vs
 * modified": fields are then the attributes the server changed since base,
 * and base is NULL when the delete had none, every attribute counting as
 * changed).
 */
struct tc_conflict {
	struct tc_trunk *base;       /* the server version the local edit started from */
	struct tc_trunk *mine;       /* the local version (deleted here when mine_deleted) */
	struct tc_trunk *theirs;     /* the server version now; NULL: deleted on the server */
	bool fields[TC_FIELD_COUNT]; /* fields changed on both sides to different values */
	bool mine_deleted;           /* the local change is a delete */
	int64_t detected_ms;
};

struct tc_trunk_record {
	char *id;                       /* server id, or local-… for an unpushed create */
	struct tc_trunk *base;          /* last server version; NULL for an unpushed create */
	struct tc_trunk *local;         /* the local version; NULL when not edited */
	const struct tc_trunk *current; /* local if set, else base; points into this record */
	enum tc_sync_state state;
	enum tc_outbox_op pending;     /* coalesced queued operation, TC_OP_NONE if none */
	int64_t last_seen_ms;          /* last pull that saw it; 0: never */
	int64_t edited_ms;             /* last local edit; 0: none */
	int64_t row;                   /* the store's rowid (tc_trunk_row.row) */
	struct tc_field_errors errors; /* the server's 422 field errors when state is REJECTED */
	char *last_error;              /* last push failure sentence, or NULL */
	struct tc_conflict *conflict;  /* when state is CONFLICT, else NULL */
};

void tc_trunk_record_destroy(struct tc_trunk_record *rec); /* accepts NULL */

/*
 * What an edit of one trunk did (tc_store_update_local, tc_service_update).
 * On success, changed says which fields took a new value (none: nothing was
 * written). On TC_CONFLICT from a concurrent writer, conflict says which of
 * the edited fields another save changed since the version the edit started
 * from, and theirs is the trunk as it is now (nothing was written).
 */
struct tc_edit_result {
	bool changed[TC_FIELD_COUNT];
	size_t nchanged;
	bool conflict[TC_FIELD_COUNT];
	size_t nconflict;
	struct tc_trunk *theirs; /* owned; NULL unless nconflict */
};

void tc_edit_result_finish(struct tc_edit_result *result); /* frees theirs, zeroes; accepts NULL */

/* One mutation sent to the server. */
struct tc_journal_entry {
	int64_t seq;
	int64_t time_ms;
	char *profile;
	char *method;   /* POST / PATCH / DELETE */
	char *trunk_id; /* the id the request named (the new server id for a create) */
	/* the fields sent, secrets replaced by TC_SECRET_MASK; NULL for DELETE */
	struct tc_trunk *changes;
	/*
	 * The same fields as the server had them before (the version the change
	 * started from), masked alike; for a DELETE every attribute of the trunk
	 * deleted; NULL for a create, and in rows written before schema 5.
	 */
	struct tc_trunk *before;
	char *trunk_name; /* the trunk's name when the request was sent, or NULL */
	char *user;       /* who sent it: the login name on this machine, or NULL */
	char *host;       /* and the machine's host name, or NULL */
	int http_status;  /* 0 when no answer came (network failure) */
	char *request_id; /* X-Request-Id, or NULL */
	char *error;      /* failure sentence, or NULL on success */
};

struct tc_journal_list {
	size_t count;
	struct tc_journal_entry *items;
};

void tc_journal_list_finish(struct tc_journal_list *list); /* accepts NULL */

#endif
