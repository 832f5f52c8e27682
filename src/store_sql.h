/*
 * Private to the store: its schema, the per-field columns derived from the
 * field table, and the text the list filter searches.
 */
#ifndef TRUNKCTL_SRC_STORE_SQL_H
#define TRUNKCTL_SRC_STORE_SQL_H

#include <sqlite3.h>
#include <stddef.h>

#include "trunkctl/store.h"
#include "trunkctl/trunk.h"

/* tc_store_migrations[v] takes a store from user_version v to v + 1. */
extern const char *const tc_store_migrations[TC_STORE_SCHEMA_VERSION];

/*
 * Adds the sort column (a virtual generated column over the current
 * version, indexed with the id) of every field in the table that the file
 * does not have yet, so a new attribute needs no migration. Runs inside the
 * caller's transaction. Returns an SQLite result code.
 */
int tc_store_sync_columns(sqlite3 *db);

/* "f_<key>": the sort column of field f. */
void tc_store_field_column(enum tc_field_id f, char *buf, size_t size);

/*
 * The text the list filter searches: the id and every TC_FF_SEARCHABLE
 * field, one per line. t may be NULL. Newly allocated, NULL on NOMEM.
 */
char *tc_store_search_text(const char *id, const struct tc_trunk *t);

/* Names the searchable fields, so a store notices when the table changed them. */
void tc_store_search_signature(char *buf, size_t size);

#endif
