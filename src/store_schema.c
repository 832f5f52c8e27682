#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "store_sql.h"

#define SEARCH_BLOCKS_FILL                                                                         \
	"INSERT INTO search_blocks(block, text)"                                                   \
	" SELECT rowid >> " BLOCK_SHIFT                                                            \
	", group_concat(" SEARCH_ENTRY("trunks") ", '')"                                           \
	                                         " FROM trunks GROUP BY rowid >> " BLOCK_SHIFT ";"

const char tc_store_search_rebuild_sql[] = "DELETE FROM search_blocks;" SEARCH_BLOCKS_FILL;

/* Trunks whose entry is not in their block, then the entries in all blocks. */
const char tc_store_search_missing_sql[] =
    "SELECT count(*) FROM trunks AS t LEFT JOIN search_blocks AS b"
    " ON b.block = t.rowid >> " BLOCK_SHIFT
    " WHERE b.text IS NULL OR instr(b.text, " SEARCH_ENTRY("t") ") = 0";
const char tc_store_search_entries_sql[] =
    "SELECT coalesce(sum(length(text) - length(replace(text, char(30), ''))), 0)"
    " FROM search_blocks";

/*
 * A trunk is split in two so that list scans read little: trunks holds the
 * state (values of enum tc_sync_state, tc_outbox_op), the text the filter
 * searches and the sort columns (added by tc_store_sync_columns), all kept
 * from the current version by the store; trunk_docs holds the server's
 * version (base) and the local one as flat JSON, a rejection's field errors
 * and a conflict. The outbox's op and state are tc_outbox_op and
 * tc_outbox_state values.
 */
const char *const tc_store_migrations[TC_STORE_SCHEMA_VERSION] = {
    "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value);"
    "CREATE TABLE trunks ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " pending_op INTEGER NOT NULL DEFAULT 0,"
    " seen_gen INTEGER NOT NULL DEFAULT 0,"
    " last_seen_ms INTEGER NOT NULL DEFAULT 0,"
    " edited_ms INTEGER NOT NULL DEFAULT 0,"
    " on_server INTEGER NOT NULL DEFAULT 0,"
    " edited INTEGER NOT NULL DEFAULT 0,"
    " search TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX trunks_state ON trunks (state, id);"
    "CREATE INDEX trunks_seen ON trunks (seen_gen);"
    "CREATE TABLE trunk_docs ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " base TEXT, local TEXT,"
    " errors TEXT, last_error TEXT, conflict TEXT);"
    "CREATE TABLE outbox ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " trunk_id TEXT NOT NULL,"
    " op INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
    " payload TEXT, base TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL,"
    " last_error TEXT);"
    "CREATE INDEX outbox_trunk ON outbox (trunk_id, seq);"
    "CREATE INDEX outbox_state ON outbox (state, seq);"
    "CREATE TABLE journal ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " time_ms INTEGER NOT NULL, profile TEXT, method TEXT, trunk_id TEXT,"
    " changes TEXT, http_status INTEGER NOT NULL DEFAULT 0, request_id TEXT, error TEXT);",
    /*
     * Version 2: a pull page wrote about 300 pages of WAL for 100 trunks,
     * twice what the trunks alone need. The (state, id) index took a random
     * page per new trunk; on (state) alone a new row's entry goes at the end
     * of the state-0 run, like its row (a partial index "WHERE state != 0"
     * is not used for "state = 2"). seen_gen is read once per pull
     * (a scan of the narrow table) but its index moved every row's entry on
     * every pull.
     */
    "DROP INDEX trunks_state;"
    "DROP INDEX trunks_seen;"
    "CREATE INDEX trunks_by_state ON trunks (state);"
    /*
     * The row count every screen shows, kept by triggers: count(*) read
     * a whole index (a few ms at 100,000 trunks) on the first paint. An
     * upsert that updates fires no insert trigger.
     */
    "INSERT INTO meta(key, value) VALUES('trunk_count', (SELECT count(*) FROM trunks))"
    " ON CONFLICT(key) DO UPDATE SET value = excluded.value;"
    "CREATE TRIGGER trunks_counted AFTER INSERT ON trunks BEGIN"
    " UPDATE meta SET value = value + 1 WHERE key = 'trunk_count'; END;"
    "CREATE TRIGGER trunks_uncounted AFTER DELETE ON trunks BEGIN"
    " UPDATE meta SET value = value - 1 WHERE key = 'trunk_count'; END;",
    /*
     * Version 3: a script keeps the local id an offline create printed, so
     * the id a create moved to is remembered (written with the move); and
     * the resource object the server last sent is kept as received (the
     * base is our flat reading of it) for the operator to see.
     */
    /* One migration of two statements: the parentheses say the concatenation is meant. */
    ("CREATE TABLE id_map (local_id TEXT PRIMARY KEY NOT NULL, server_id TEXT NOT NULL);"
     "ALTER TABLE trunk_docs ADD COLUMN document TEXT;"),
    /*
     * Version 4: a filter no row matches read all 100,000 rows of trunks,
     * 20-25 ms of SQLite's per-row work whatever the text test. The search
     * text is also kept lowercased in blocks of 32 rows (by rowid, so a pull
     * appends to the last block), which the store searches in C: 3,125 rows
     * to step. Triggers keep them, so every write path does; an update
     * that leaves the text alone does not touch its block. Blocks are keyed
     * by rowid, which SQLite keeps unless a VACUUM renumbers a table without
     * an INTEGER PRIMARY KEY: trunkctl never runs one, and doctor rebuilds
     * blocks found out of step (tc_store_search_check).
     */
    // clang-format off
    "CREATE TABLE search_blocks (block INTEGER PRIMARY KEY, text TEXT NOT NULL);"
    SEARCH_BLOCKS_FILL
    "CREATE TRIGGER trunks_search_added AFTER INSERT ON trunks BEGIN"
    " INSERT INTO search_blocks(block, text)"
    "  VALUES(new.rowid >> " BLOCK_SHIFT ", " SEARCH_ENTRY("new") ")"
    "  ON CONFLICT(block) DO UPDATE SET text = text || excluded.text;"
    " END;"
    "CREATE TRIGGER trunks_search_changed AFTER UPDATE OF search ON trunks"
    " WHEN old.search IS NOT new.search BEGIN"
    " UPDATE search_blocks SET text = replace(text, " SEARCH_ENTRY("old") ", " SEARCH_ENTRY("new") ")"
    "  WHERE block = old.rowid >> " BLOCK_SHIFT ";"
    " END;"
    "CREATE TRIGGER trunks_search_removed AFTER DELETE ON trunks BEGIN"
    " UPDATE search_blocks SET text = replace(text, " SEARCH_ENTRY("old") ", '')"
    "  WHERE block = old.rowid >> " BLOCK_SHIFT ";"
    " DELETE FROM search_blocks WHERE block = old.rowid >> " BLOCK_SHIFT " AND text = '';"
    " END;",
    // clang-format on
    /*
     * Version 5: `log --jsonl` says what each change replaced and who sent
     * it; a trunk's name is kept with the row because a deleted trunk's name
     * is nowhere else. Rows from before have these NULL.
     */
    ("ALTER TABLE journal ADD COLUMN before TEXT;"
     "ALTER TABLE journal ADD COLUMN trunk_name TEXT;"
     "ALTER TABLE journal ADD COLUMN user TEXT;"
     "ALTER TABLE journal ADD COLUMN host TEXT;"),
    /*
     * Version 6: a local version lived in its trunk's trunk_docs row, beside
     * the base and the server's document; adding it to many rows spread
     * over the table split most of their pages, most of what a bulk edit
     * wrote. Local versions now have their own table, appended to, and an
     * edit leaves trunk_docs alone. The old column stays, always NULL
     * (DROP COLUMN needs SQLite 3.35; meson.build asks for 3.31).
     */
    ("CREATE TABLE trunk_local (id TEXT PRIMARY KEY NOT NULL, local TEXT NOT NULL);"
     "INSERT INTO trunk_local(id, local) SELECT id, local FROM trunk_docs"
     " WHERE local IS NOT NULL ORDER BY rowid;"
     "UPDATE trunk_docs SET local = NULL WHERE local IS NOT NULL;"
     /*
      * And an outbox entry no longer copies the base its change was made
      * against while that is still its trunk's base in trunk_docs: it is
      * base_shared, its own base NULL, and reads its trunk's. The triggers
      * copy the base into its entries before it changes or goes, so an
      * entry reads what it read when it was queued; store_outbox.c
      * decides, on each write, whether an entry's base can be shared.
      */
     "ALTER TABLE outbox ADD COLUMN base_shared INTEGER NOT NULL DEFAULT 0;"
     "CREATE TRIGGER trunk_docs_base_changing BEFORE UPDATE OF base ON trunk_docs"
     " WHEN old.base IS NOT new.base BEGIN"
     " UPDATE outbox SET base = old.base, base_shared = 0"
     "  WHERE trunk_id = old.id AND base_shared;"
     " END;"
     "CREATE TRIGGER trunk_docs_base_going BEFORE DELETE ON trunk_docs BEGIN"
     " UPDATE outbox SET base = old.base, base_shared = 0"
     "  WHERE trunk_id = old.id AND base_shared;"
     " END;"),
    /*
     * Version 7: the triggers on trunks made every row a pull wrote open a
     * statement journal (a trigger makes a statement one of many writes,
     * and trunks' NOT NULL columns one that may abort), a tenth of a 10k
     * pull. The store's writers keep the blocks and the count instead
     * (store_upkeep_flush). Both were kept by the triggers until now; the
     * count is taken again all the same, for it costs one index's pages.
     */
    ("DROP TRIGGER IF EXISTS trunks_counted;"
     "DROP TRIGGER IF EXISTS trunks_uncounted;"
     "DROP TRIGGER IF EXISTS trunks_search_added;"
     "DROP TRIGGER IF EXISTS trunks_search_changed;"
     "DROP TRIGGER IF EXISTS trunks_search_removed;"
     "INSERT INTO meta(key, value) VALUES('trunk_count', (SELECT count(*) FROM trunks))"
     " ON CONFLICT(key) DO UPDATE SET value = excluded.value;"),
};

void tc_store_field_column(enum tc_field_id f, char *buf, size_t size)
{
	snprintf(buf, size, "f_%s", tc_field(f)->key);
}

bool tc_store_has_column(enum tc_field_id f)
{
	const struct tc_field_info *fi = tc_field(f);
	return fi && !(fi->flags & TC_FF_SECRET);
}

/*
 * The names of trunks' columns, each followed by '\n', read once: asking
 * pragma_table_info about each column in turn ran the pragma over the whole
 * table every time, most of what opening an up-to-date store cost. NULL
 * with *rc set on failure; freed by the caller.
 */
static char *column_names(sqlite3 *db, int *rc)
{
	sqlite3_stmt *st;
	*rc = sqlite3_prepare_v2(db,
	                         "SELECT group_concat(name || char(10), '') FROM "
	                         "pragma_table_info('trunks')",
	                         -1, &st, NULL);
	if (*rc != SQLITE_OK)
		return NULL;
	char *names = NULL;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		*rc = tc_strdup_opt(&names, t ? t : "") ? SQLITE_OK : SQLITE_NOMEM;
	} else {
		*rc = r == SQLITE_DONE ? SQLITE_ERROR : r;
	}
	sqlite3_finalize(st);
	return names;
}

static bool has_column(const char *names, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = names; (p = strstr(p, name)); p += n)
		if ((p == names || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

bool tc_store_natural_sorted(enum tc_field_id f)
{
	return f == TC_F_NAME || (tc_field(f) && tc_field(f)->kind == TC_K_HOST);
}

void tc_store_natural_column(enum tc_field_id f, char *buf, size_t size)
{
	snprintf(buf, size, "n_%s", tc_field(f)->key);
}

/*
 * Adds column col (of type) when missing; with add false only says so. The
 * name's sort key gets an index: it orders the default list and finds a
 * trunk by name.
 */
static int sync_column(sqlite3 *db, const char *names, const char *col, const char *type,
                       bool indexed, bool add, bool *missing)
{
	if (has_column(names, col))
		return SQLITE_OK;
	*missing = true;
	if (!add)
		return SQLITE_OK;
	char sql[512];
	if (indexed)
		snprintf(sql, sizeof(sql),
		         "ALTER TABLE trunks ADD COLUMN %s %s;"
		         "CREATE INDEX trunks_%s ON trunks (%s, id);",
		         col, type, col, col);
	else
		snprintf(sql, sizeof(sql), "ALTER TABLE trunks ADD COLUMN %s %s;", col, type);
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int tc_store_sync_columns(sqlite3 *db, bool add, bool *missing)
{
	*missing = false;
	static const char *const types[] = {
	    [TC_T_STRING] = "TEXT COLLATE NOCASE",
	    [TC_T_INT] = "INTEGER",
	    [TC_T_BOOL] = "INTEGER",
	    [TC_T_LIST] = "TEXT COLLATE NOCASE",
	};
	int rc;
	char *names = column_names(db, &rc);
	if (!names)
		return rc;
	for (int f = 0; rc == SQLITE_OK && f < TC_FIELD_COUNT; f++) {
		if (!tc_store_has_column(f))
			continue;
		char col[64];
		tc_store_field_column(f, col, sizeof(col));
		/*
		 * Only the default sort (by the name's key, which also finds a trunk
		 * by name) is indexed: each index costs every write a page per row,
		 * and 18 of them made a 100-trunk pull page write 8 MB of WAL. Other
		 * columns sort by a scan of the narrow trunks table
		 * (tests/bench/README.md).
		 */
		rc = sync_column(db, names, col, types[tc_field(f)->type], false, add, missing);
		if (rc == SQLITE_OK && tc_store_natural_sorted(f)) {
			tc_store_natural_column(f, col, sizeof(col));
			rc = sync_column(db, names, col, "TEXT", f == TC_F_NAME, add, missing);
		}
		if (*missing && !add)
			break;
	}
	free(names);
	if (rc != SQLITE_OK || !add)
		return rc;
	/* before natural sorting the name itself was indexed; its key's index replaces it */
	return sqlite3_exec(db, "DROP INDEX IF EXISTS trunks_f_name", NULL, NULL, NULL);
}

/* Appends one derived column's fragment for kind. */
static int derived_item(char *buf, size_t size, enum tc_derived_sql kind, const char *c)
{
	switch (kind) {
	case TC_DERIVED_NAMES:
		return snprintf(buf, size, "%s", c);
	case TC_DERIVED_PLACEHOLDERS:
		return snprintf(buf, size, "?");
	case TC_DERIVED_EXCLUDED:
		return snprintf(buf, size, "%s = excluded.%s", c, c);
	case TC_DERIVED_IF_UNEDITED:
		return snprintf(buf, size, "%s = CASE WHEN edited = 0 THEN excluded.%s ELSE %s END",
		                c, c, c);
	case TC_DERIVED_ASSIGN:
		return snprintf(buf, size, "%s = ?", c);
	}
	return 0;
}

char *tc_store_derived_sql(enum tc_derived_sql kind)
{
	size_t size = 256 * (TC_FIELD_COUNT + 1);
	char *buf = malloc(size);
	if (!buf)
		return NULL;
	size_t used = (size_t)derived_item(buf, size, kind, "search");
	for (int f = 0; f < TC_FIELD_COUNT && used < size; f++) {
		if (!tc_store_has_column(f))
			continue;
		char col[64];
		tc_store_field_column(f, col, sizeof(col));
		used += (size_t)snprintf(buf + used, size - used, ", ");
		if (used < size)
			used += (size_t)derived_item(buf + used, size - used, kind, col);
		if (!tc_store_natural_sorted(f) || used >= size)
			continue;
		tc_store_natural_column(f, col, sizeof(col));
		used += (size_t)snprintf(buf + used, size - used, ", ");
		if (used < size)
			used += (size_t)derived_item(buf + used, size - used, kind, col);
	}
	return buf;
}

/* Appends text and a newline to a growing buffer. */
static bool append(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);
	if (*len + n + 2 > *cap) {
		size_t ncap = (*len + n + 2) * 2;
		char *m = realloc(*buf, ncap);
		if (!m)
			return false;
		*buf = m;
		*cap = ncap;
	}
	memcpy(*buf + *len, text, n);
	*len += n;
	(*buf)[(*len)++] = '\n';
	(*buf)[*len] = '\0';
	return true;
}

/*
 * The text the list filter searches: the id and every TC_FF_SEARCHABLE field,
 * one per line. t may be NULL. Newly allocated, NULL on NOMEM.
 */
static char *search_text(const char *id, const struct tc_trunk *t)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!append(&buf, &len, &cap, id ? id : ""))
		return NULL;
	for (int f = 0; t && f < TC_FIELD_COUNT; f++) {
		if (!(tc_field(f)->flags & TC_FF_SEARCHABLE) || t->values[f].state != TC_V_SET)
			continue;
		char *text = tc_value_to_text(f, &t->values[f], false);
		bool ok = text && append(&buf, &len, &cap, text);
		free(text);
		if (!ok) {
			free(buf);
			return NULL;
		}
	}
	return buf;
}

int tc_store_bind_derived(sqlite3_stmt *st, int first, const char *id, const struct tc_trunk *t,
                          char **search_out)
{
	char *search = search_text(id, t);
	if (!search)
		return -1;
	int i = first;
	if (search_out)
		sqlite3_bind_text(st, i++, *search_out = search, -1, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, i++, search, -1, free);
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		if (!tc_store_has_column(f))
			continue;
		const struct tc_value *v = t ? &t->values[f] : NULL;
		int col = i++;
		if (tc_store_natural_sorted(f)) {
			char *key =
			    v && v->state == TC_V_SET ? store_natural_key(v->s ? v->s : "") : NULL;
			if (v && v->state == TC_V_SET && !key)
				return -1;
			if (key)
				sqlite3_bind_text(st, i++, key, -1, free);
			else
				sqlite3_bind_null(st, i++);
		}
		if (!v || v->state != TC_V_SET) {
			sqlite3_bind_null(st, col);
			continue;
		}
		switch (tc_field(f)->type) {
		case TC_T_INT:
			sqlite3_bind_int64(st, col, v->i);
			break;
		case TC_T_BOOL:
			sqlite3_bind_int(st, col, v->b);
			break;
		case TC_T_STRING:
			sqlite3_bind_text(st, col, v->s ? v->s : "", -1, SQLITE_TRANSIENT);
			break;
		case TC_T_LIST: {
			char *text = tc_value_to_text(f, v, false);
			if (!text)
				return -1;
			sqlite3_bind_text(st, col, text, -1, free);
			break;
		}
		}
	}
	return i;
}

void tc_store_derived_signature(char *buf, size_t size)
{
	size_t used = (size_t)snprintf(buf, size, "columns:");
	for (int f = 0; f < TC_FIELD_COUNT && used < size; f++)
		if (tc_store_has_column(f))
			used += (size_t)snprintf(buf + used, size - used, "%s,", tc_field(f)->key);
	if (used < size)
		used += (size_t)snprintf(buf + used, size - used, ";natural:");
	for (int f = 0; f < TC_FIELD_COUNT && used < size; f++)
		if (tc_store_has_column(f) && tc_store_natural_sorted(f))
			used += (size_t)snprintf(buf + used, size - used, "%s,", tc_field(f)->key);
	if (used < size)
		used += (size_t)snprintf(buf + used, size - used, ";search:");
	for (int f = 0; f < TC_FIELD_COUNT && used < size; f++)
		if (tc_field(f)->flags & TC_FF_SEARCHABLE)
			used += (size_t)snprintf(buf + used, size - used, "%s,", tc_field(f)->key);
}
