/*
 * Private to the store's files (src/store_*.c): the store object, a trunk's
 * row as they pass it between them, and the helpers they share.
 */
#ifndef TRUNKCTL_SRC_STORE_PRIVATE_H
#define TRUNKCTL_SRC_STORE_PRIVATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/store.h"
#include "util.h"

/* How the store keeps a trunk: with its id, attributes it does not know, and its secrets. */
#define TRUNK_JSON (TC_JSON_WITH_ID | TC_JSON_WITH_EXTRA | TC_JSON_REVEAL)

/* The page cache every connection starts with; see tc_store_open's note on it. */
#define DEFAULT_CACHE_KIB 8192

/* The variants of the statement that saves a row (struct tc_store's sql_save). */
#define SAVE_SAME_STATE 1
#define SAVE_SAME_NAME_KEY 2
#define SAVE_VARIANTS 4

/*
 * The statements a local edit runs once per trunk, prepared once per
 * connection (store_cached): a bulk edit of thousands of trunks spent most
 * of its time in SQLite's parser.
 */
enum store_stmt {
	STMT_ROW_LOAD,
	STMT_ROW_SAVE, /* + a SAVE_SAME_* variant: see sql_save */
	STMT_ROW_SAVE_LAST = STMT_ROW_SAVE + SAVE_VARIANTS - 1,
	STMT_DOCS_SAVE,
	STMT_LOCAL_SAVE,
	STMT_LOCAL_DELETE,
	STMT_ENTRIES_OF,
	STMT_ENTRY_INSERT,
	STMT_ENTRY_SAVE,
	STMT_ENTRY_DELETE,
	/* a pull's, once per trunk of every page */
	STMT_PULL_ROW,
	STMT_PULL_DOCS_ADD,
	STMT_PULL_DOCS_UPDATE,
	/* the upkeep of search_blocks and the trunk count (store_upkeep.c) */
	STMT_TRUNK_FIND,
	STMT_TRUNK_DELETE,
	STMT_BLOCK_TEXT,
	STMT_BLOCK_UPDATE,
	STMT_BLOCK_INSERT,
	STMT_BLOCK_DELETE,
	STMT_COUNT_ADD,
	STMT_COUNT
};

struct tc_store {
	sqlite3 *db;
	char *path;
	char *marker; /* see marker_read in store_open.c */
	bool read_only;
	char read_only_why[512]; /* names the data dir and the reason; empty when writable */
	struct tc_clock clock;
	int busy_timeout_ms;
	bool snapshot; /* a tc_store_snapshot_begin's read transaction is open */
	/* statements naming the derived columns, from the field table (store_derived_ready) */
	/*
	 * A whole row, indexed by SAVE_SAME_* flags: an existing row's indexed
	 * columns named by a flag are known to hold their value already and are
	 * left out of the update.
	 */
	char *sql_save[SAVE_VARIANTS];
	char *sql_pull;                   /* a server version over a row */
	char *sql_derived;                /* the derived columns of one row */
	sqlite3_stmt *cached[STMT_COUNT]; /* see store_cached */
	/* trunks the pull under way added or changed (tc_store_pull_begin resets it) */
	size_t pull_changed;
	/*
	 * What the transaction under way owes search_blocks and the trunk
	 * count (store_upkeep_flush): the blocks of rows whose search text was
	 * written, in the order noted, and the rows added less those deleted.
	 */
	int64_t *upkeep_blocks;
	size_t upkeep_n, upkeep_cap;
	int64_t upkeep_count;
};

/* A trunk's row (trunks joined with trunk_docs) as read, changed and saved back. */
struct row {
	char *id;
	struct tc_trunk *base;
	struct tc_trunk *local;
	enum tc_sync_state state;
	enum tc_outbox_op pending_op;
	int64_t seen_gen;
	int64_t last_seen_ms;
	int64_t edited_ms;
	int64_t rowid;
	char *errors; /* JSON array of field errors */
	char *last_error;
	char *conflict; /* JSON: base, mine, theirs, fields, detected_ms */
	/*
	 * base as stored, read only for an edit (store_row_load_for_edit), which
	 * never changes base: saved back as it is rather than encoded again.
	 */
	char *base_json;
	/*
	 * The indexed columns of trunks as stored, also read only for an edit
	 * (stored is then true), so that saving it back leaves unchanged index
	 * entries alone.
	 */
	bool stored;
	enum tc_sync_state stored_state;
	char *stored_name_key;
};

/* statements, transactions, meta (store_db.c) */
enum tc_status store_db_fail(struct tc_store *s, int rc, struct tc_error *err, const char *what);
enum tc_status store_exec(struct tc_store *s, const char *sql, struct tc_error *err);
enum tc_status store_prepare(struct tc_store *s, const char *sql, sqlite3_stmt **st,
                             struct tc_error *err);
/*
 * The statement which, prepared from sql once and kept until the store
 * closes (store_cache_clear). Every use ends with store_release, before the
 * statement can be asked for again: a statement left stepping would hold
 * its read snapshot open.
 */
enum tc_status store_cached(struct tc_store *s, enum store_stmt which, const char *sql,
                            sqlite3_stmt **st, struct tc_error *err);
void store_release(sqlite3_stmt *st);
void store_cache_clear(struct tc_store *s);
int store_step(struct tc_store *s, sqlite3_stmt *st);
enum tc_status store_run(struct tc_store *s, sqlite3_stmt *st, struct tc_error *err);
void store_bind_text(sqlite3_stmt *st, int i, const char *text);
char *store_col_dup(sqlite3_stmt *st, int i);
enum tc_status store_pragma_int(struct tc_store *s, const char *sql, int64_t *out,
                                struct tc_error *err);
enum tc_status store_collect_ids(struct tc_store *s, sqlite3_stmt *st, const char *what,
                                 char ***ids_out, size_t *n_out, struct tc_error *err);
enum tc_status store_write_begin(struct tc_store *s, bool *own, struct tc_error *err);
enum tc_status store_write_end(struct tc_store *s, bool own, enum tc_status rc,
                               struct tc_error *err);
enum tc_status store_read_begin(struct tc_store *s, bool *own, struct tc_error *err);
void store_read_end(struct tc_store *s, bool own);
enum tc_status store_meta_get(struct tc_store *s, const char *key, int64_t *num, char *text,
                              size_t size, struct tc_error *err);
enum tc_status store_meta_get_int(struct tc_store *s, const char *key, int64_t *out,
                                  struct tc_error *err);
enum tc_status store_meta_set(struct tc_store *s, const char *key, const char *text,
                              const int64_t *num, struct tc_error *err);

/* filters and the natural sort (store_filter.c) */
/* A filter's terms become a WHERE clause of at most this many tests (a bounded buffer). */
#define STORE_FILTER_MAX_TERMS 16
#define STORE_FILTER_WHERE_SIZE (STORE_FILTER_MAX_TERMS * 200)
/* tc_filter_check, and the limits of the store's query (terms, booleans): TC_USAGE. */
enum tc_status store_filter_check(const char *filter, bool smart_case, struct tc_error *err);
/*
 * " WHERE t1 AND t2..." (or "") for a checked filter, parameters numbered
 * from first; smart_case: a term with a capital letter is case-sensitive
 * (else every term ignores ASCII case).
 */
void store_filter_where(const char *filter, bool smart_case, int first, char *buf, size_t size);
enum tc_status store_filter_bind(sqlite3_stmt *st, const char *filter, bool smart_case, int first,
                                 struct tc_error *err);
/* "%text%" with LIKE's wildcards and escape escaped by "\\"; NULL on NOMEM. */
char *store_like_pattern(const char *text, size_t n);
/* Adds tc_regexp() to a connection. */
int store_filter_register(sqlite3 *db);
/*
 * The key names and hosts sort by (BINARY): ASCII case folded, digit runs by
 * value ("trunk 2" before "trunk 10"). Newly allocated, NULL on NOMEM.
 */
char *store_natural_key(const char *s);

/* opening, checks, migration, data-dir marker (store_open.c) */
enum tc_status store_set_cache_kib(struct tc_store *s, int64_t kib, struct tc_error *err);
/* Builds sql_save, sql_pull and sql_derived if they are not yet (TC_NOMEM). */
enum tc_status store_derived_ready(struct tc_store *s, struct tc_error *err);

/*
 * search_blocks and the trunk count, kept by the store's writers
 * (store_upkeep.c). Triggers on trunks kept them until schema 7, but a
 * statement that fires a trigger opens a statement journal, and that was
 * a tenth of a pull. Every write to trunks goes through these instead: the
 * block of each row whose search text changes and the count's change are
 * noted as the transaction goes, and written once before it commits (or a
 * reader in it looks).
 */
/*
 * The row of trunk id as it is before a write: its rowid (0 when there is
 * none), whether it has a local version, its search text (*search: NULL,
 * or the caller frees it).
 */
enum tc_status store_trunk_find(struct tc_store *s, const char *id, int64_t *rowid, bool *edited,
                                char **search, struct tc_error *err);
/*
 * After a write to the row store_trunk_find found (rowid 0: the write
 * inserted it, just now) whose search text went from before to after.
 */
enum tc_status store_trunk_written(struct tc_store *s, int64_t rowid, const char *before,
                                   const char *after, struct tc_error *err);
enum tc_status store_trunk_delete(struct tc_store *s, const char *id, struct tc_error *err);
/* Writes what the transaction owes; at every commit and before a read of either. */
enum tc_status store_upkeep_flush(struct tc_store *s, struct tc_error *err);
/* Forgets it: the writes it was for were rolled back (or a new transaction starts). */
void store_upkeep_drop(struct tc_store *s);

/* trunk encoding, rows (store_rows.c) */
enum tc_status store_encode(const struct tc_trunk *t, char **out, struct tc_error *err);
enum tc_status store_decode(struct tc_store *s, const char *json, const char *id,
                            struct tc_trunk **out, struct tc_error *err);
enum tc_status store_decode_col(struct tc_store *s, sqlite3_stmt *st, int col, const char *id,
                                struct tc_trunk **out, struct tc_error *err);
void store_row_clear(struct row *r);
enum tc_status store_row_load(struct tc_store *s, const char *id, struct row *r,
                              struct tc_error *err);
enum tc_status store_row_load_for_edit(struct tc_store *s, const char *id, struct row *r,
                                       struct tc_error *err);
enum tc_status store_row_save(struct tc_store *s, const struct row *r, struct tc_error *err);
enum tc_status store_delete_where_id(struct tc_store *s, const char *sql, const char *id,
                                     struct tc_error *err);
enum tc_status store_row_delete(struct tc_store *s, const char *id, struct tc_error *err);

/* outbox entries and the sync engine's outbox (store_outbox.c) */
enum tc_status store_entries_of(struct tc_store *s, const char *trunk_id,
                                struct tc_outbox_list *out, struct tc_error *err);
enum tc_status store_entry_insert(struct tc_store *s, const char *trunk_id, enum tc_outbox_op op,
                                  const struct tc_trunk *payload, const struct tc_trunk *base,
                                  struct tc_error *err);
/* The same with base already encoded (NULL: none). */
enum tc_status store_entry_insert_json(struct tc_store *s, const char *trunk_id,
                                       enum tc_outbox_op op, const struct tc_trunk *payload,
                                       const char *base_json, struct tc_error *err);
enum tc_status store_entry_save(struct tc_store *s, const struct tc_outbox_entry *e,
                                struct tc_error *err);
enum tc_status store_entry_delete(struct tc_store *s, int64_t seq, struct tc_error *err);
bool store_has_in_flight(const struct tc_outbox_list *l);
enum tc_status store_drop_unsent(struct tc_store *s, const struct tc_outbox_list *l,
                                 struct tc_error *err);
bool store_entry_may_have_landed(const struct tc_outbox_entry *e);
enum tc_status store_drop_unlanded(struct tc_store *s, const struct tc_outbox_list *l, bool *kept,
                                   struct tc_error *err);
struct tc_trunk *store_changed_fields(const struct tc_trunk *want, const struct tc_trunk *have,
                                      unsigned send_flag, size_t *count);
bool store_same_record(const struct tc_trunk *a, const struct tc_trunk *b);
/*
 * The trunk's state and pending op from its outbox entries (read, or l as
 * the caller keeps it in step with the outbox), and the row saved; a row
 * the server never had and nothing queued is deleted.
 */
enum tc_status store_row_settle(struct tc_store *s, struct row *r, struct tc_error *err);
enum tc_status store_row_settle_entries(struct tc_store *s, struct row *r,
                                        const struct tc_outbox_list *l, struct tc_error *err);
/* Keep a list read by store_entries_of in step: its last entry deleted, a queued one added. */
void store_entries_drop_last(struct tc_outbox_list *l);
bool store_entries_add_queued(struct tc_outbox_list *l, enum tc_outbox_op op);
enum tc_status store_mark_conflict(struct tc_store *s, struct row *r, const struct tc_trunk *base,
                                   bool mine_deleted, const struct tc_trunk *theirs,
                                   const bool *fields, struct tc_error *err);

/* local edits (store_edits.c) */
bool store_is_local_id(const char *id);
enum tc_status store_create_in_tx(struct tc_store *s, const char *local_id,
                                  const struct tc_trunk *trunk, struct tc_error *err);

/* conflict/error documents, resolve, retry (store_conflicts.c) */
char *store_conflict_doc(const struct tc_trunk *base, const struct tc_trunk *mine,
                         bool mine_deleted, const struct tc_trunk *theirs,
                         const bool fields[TC_FIELD_COUNT], int64_t when);
enum tc_status store_conflict_parse(struct tc_store *s, const char *text, const char *id,
                                    struct tc_conflict **out, struct tc_error *err);
char *store_errors_doc(const struct tc_field_errors *errs);
enum tc_status store_errors_parse(const char *text, struct tc_field_errors *out,
                                  struct tc_error *err);

#endif
