/*
 * Private to the store: its schema, the per-field columns derived from the
 * field table, and the text the list filter searches.
 */
#ifndef TRUNKCTL_SRC_STORE_SQL_H
#define TRUNKCTL_SRC_STORE_SQL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/store.h"
#include "trunkctl/trunk.h"

/* tc_store_migrations[v] takes a store from user_version v to v + 1. */
extern const char *const tc_store_migrations[TC_STORE_SCHEMA_VERSION];

/*
 * search_blocks(block, text) holds the search text of every trunk, ASCII
 * lowercased, in blocks of rows by rowid: each entry is RS (0x1e), the
 * rowid in decimal, US (0x1f), then the text with any RS made a US, so RS
 * only ever starts an entry. The folding is SQLite's lower(), that of its
 * LIKE. 32 rows a block (BLOCK_SHIFT): an entry is about 110 bytes, so a
 * block fits a 4 KiB page. Kept by the store's writers (store_upkeep.c), by
 * triggers before schema 7.
 */
#define SEARCH_ENTRY(row)                                                                          \
	"char(30) || " row ".rowid || char(31) || lower(replace(" row                              \
	".search, char(30), char(31)))"
#define BLOCK_SHIFT "5" /* store_upkeep.c's touch() shifts by the same */
#define SEARCH_RS '\x1e'
#define SEARCH_US '\x1f'
/* Empties and refills search_blocks from trunks (derived data: nothing is lost). */
extern const char tc_store_search_rebuild_sql[];
/* One count each: trunks whose entry is missing from their block; entries in all blocks. */
extern const char tc_store_search_missing_sql[];
extern const char tc_store_search_entries_sql[];

/* Fields with a sort column: every field but the secrets. */
bool tc_store_has_column(enum tc_field_id f);

/* "f_<key>": the sort column of field f. */
void tc_store_field_column(enum tc_field_id f, char *buf, size_t size);

/*
 * *missing when the file lacks the sort column of a field in the table; with
 * add, adds every such column (inside the caller's transaction), so a new
 * attribute needs no migration, and *missing tells the caller to rebuild the
 * derived columns. Returns an SQLite result code.
 */
int tc_store_sync_columns(sqlite3 *db, bool add, bool *missing);

/*
 * The derived columns of a trunk row are "search" and the sort columns, in
 * table order. They are plain columns written from C: SQLite's generated
 * columns over the JSON made a 100-trunk page 40 ms slower to write.
 * These build the SQL fragments that name them (newly allocated, NULL on
 * NOMEM):
 */
enum tc_derived_sql {
	TC_DERIVED_NAMES,        /* "search, f_a, f_b" */
	TC_DERIVED_PLACEHOLDERS, /* "?, ?, ?" */
	TC_DERIVED_EXCLUDED,     /* "search = excluded.search, f_a = excluded.f_a" */
	TC_DERIVED_IF_UNEDITED,  /* the same, only where the row has no local version */
	TC_DERIVED_ASSIGN,       /* "search = ?, f_a = ?" */
};
char *tc_store_derived_sql(enum tc_derived_sql kind);

/*
 * Binds the derived values of the trunk t (id, current version; t may be
 * NULL) from parameter first on. Returns the next parameter index, or -1 on
 * NOMEM. search non-NULL: the search text bound is handed to the caller
 * (bound without a copy, so freed only once the statement is done).
 */
int tc_store_bind_derived(sqlite3_stmt *st, int first, const char *id, const struct tc_trunk *t,
                          char **search);

/*
 * Names the columns and the searchable fields, so a store notices when the
 * field table changed them and rebuilds the derived columns.
 */
void tc_store_derived_signature(char *buf, size_t size);

/*
 * Fields the list sorts naturally (the name and hosts): each has a derived
 * column n_<key> holding store_natural_key of its value; the name's is
 * indexed.
 */
bool tc_store_natural_sorted(enum tc_field_id f);
void tc_store_natural_column(enum tc_field_id f, char *buf, size_t size);

#endif
