/* Queries for the screens: counted, sorted and filtered windows of trunks, one trunk, search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_find.h"
#include "trunkctl/filter.h"
#include "store_private.h"
#include "store_sql.h"

/* ---- queries for the screens ---- */

/*
 * A trunk's current version as flat JSON, in a query joining trunks AS t and
 * trunk_docs AS d: only an edited row (the flag the pull's derived columns go
 * by too) has a local version to look up in trunk_local.
 */
#define TRUNK_CURRENT                                                                              \
	"coalesce(CASE WHEN t.edited THEN (SELECT l.local FROM trunk_local AS l "                  \
	"WHERE l.id = t.id) END, d.base)"

/*
 * Case-insensitive filters read search_blocks rather than scan trunks or use
 * FTS5: a scan of trunks costs SQLite's per-row work whatever the test, and
 * FTS5 answered a common filter slower than a scan. The measurements are in
 * tests/bench/README.md.
 */

/*
 * A filter of more than one bare word is the filter language's
 * (include/trunkctl/filter.h): its tests are numbered from this parameter,
 * after those of the window queries.
 */
#define FILTER_FIRST_BIND 5

static bool filtered(const struct tc_list_query *q)
{
	return !tc_filter_is_empty(q->filter);
}

/* What a filter of the language must be for the queries below, or TC_OK for none. */
static enum tc_status check_filter(const struct tc_list_query *q, struct tc_error *err)
{
	return filtered(q) && !tc_filter_is_plain(q->filter)
	           ? store_filter_check(q->filter, q->case_sensitive, err)
	           : TC_OK;
}

/* The columns of trunks a filter's WHERE clause reads above a subquery. */
static const char *filter_columns(const struct tc_list_query *q)
{
	return !filtered(q) || tc_filter_is_plain(q->filter) ? "search" : "*";
}

/* Appends the WHERE clause of a list query; binds are done by bind_filter. */
static void filter_sql(const struct tc_list_query *q, char *buf, size_t size)
{
	if (!filtered(q))
		snprintf(buf, size, "%s", "");
	else if (!tc_filter_is_plain(q->filter))
		store_filter_where(q->filter, q->case_sensitive, FILTER_FIRST_BIND, buf, size);
	else if (q->case_sensitive)
		snprintf(buf, size, "%s", " WHERE instr(search, ?1) > 0");
	else
		snprintf(buf, size, "%s", " WHERE search LIKE ?1 ESCAPE '\\'");
}

static enum tc_status bind_filter(sqlite3_stmt *st, const struct tc_list_query *q,
                                  struct tc_error *err)
{
	if (!filtered(q))
		return TC_OK;
	if (!tc_filter_is_plain(q->filter))
		return store_filter_bind(st, q->filter, q->case_sensitive, FILTER_FIRST_BIND, err);
	if (q->case_sensitive) {
		store_bind_text(st, 1, q->filter);
		return TC_OK;
	}
	char *pat = store_like_pattern(q->filter, strlen(q->filter));
	if (!pat)
		return tc_error_set(err, TC_NOMEM, NULL);
	sqlite3_bind_text(st, 1, pat, -1, free);
	return TC_OK;
}

/*
 * A case-insensitive filter is answered from search_blocks: lower(search)
 * holds the lowered filter exactly when search LIKE '%filter%' (both fold
 * ASCII only). A filter with RS or US could match across an entry's frame.
 */
static bool in_blocks(const struct tc_list_query *q)
{
	return filtered(q) && tc_filter_is_plain(q->filter) && !q->case_sensitive &&
	       !strchr(q->filter, SEARCH_RS) && !strchr(q->filter, SEARCH_US);
}

struct rowids {
	int64_t *v;
	size_t n, cap;
};

/* The rowid an entry's header [from, to) spells. */
static int64_t entry_rowid(const char *from, const char *to)
{
	bool minus = from < to && *from == '-';
	int64_t v = 0;
	for (from += minus; from < to && *from >= '0' && *from <= '9'; from++)
		v = v * 10 + (*from - '0');
	return minus ? -v : v;
}

/*
 * Adds to *count (and to ids, when not NULL) each entry of the block
 * [t, end) whose text holds needle. A hit in an entry's rowid moves on to
 * its text; a needle has no RS or US, so a hit never spans two entries.
 * Returns false on NOMEM.
 */
static bool block_search(const char *t, const char *end, const char *needle, size_t n,
                         struct rowids *ids, size_t *count)
{
	/* text: where entry's text starts, once found (NULL: not yet) */
	const char *entry = t, *p = t, *hit, *text = NULL;
	while ((hit = tc_search_find(p, end, needle, n))) {
		const char *next;
		while ((next = memchr(entry + 1, SEARCH_RS, (size_t)(hit - entry)))) {
			entry = next;
			text = NULL;
		}
		if (!text && !(text = memchr(entry, SEARCH_US, (size_t)(end - entry))))
			return true;
		if (hit < text) {
			p = text + 1;
			continue;
		}
		/* The test stays inline: this loop runs once per hit of a keystroke's filter. */
		if (ids && ids->n == ids->cap) {
			int64_t *m = tc_grow(ids->v, &ids->cap, ids->n + 1, sizeof(*m), 256);
			if (!m)
				return false;
			ids->v = m;
		}
		if (ids)
			ids->v[ids->n++] = entry_rowid(entry + 1, text);
		(*count)++;
		if (!(next = memchr(hit, SEARCH_RS, (size_t)(end - hit))))
			break;
		/*
		 * The next entry's search starts past its rowid: a filter of digits
		 * that most entries hold stopped in the rowid first, then again in
		 * the text.
		 */
		entry = next;
		if (!(text = memchr(next, SEARCH_US, (size_t)(end - next))))
			break;
		p = text + 1;
	}
	return true;
}

/*
 * KiB of page cache while the blocks are read. A filter reads every block in
 * order; at 100,000 trunks they are larger than the default cache, which then
 * only held pages the scan pushed out before the next key read them again,
 * and the TUI's memory grew by all of it. Through a small cache each key
 * copies the blocks from the kernel's page cache instead. Shrinking the cache
 * drops the pages it held: the window query after the scan reads again the
 * few it needs.
 */
#define SCAN_CACHE_KIB 64

/*
 * The trunks whose search text holds q's filter, case-insensitively: their
 * number, and their rowids when ids is not NULL (freed by the caller).
 */
static enum tc_status block_matches(struct tc_store *s, const struct tc_list_query *q,
                                    struct rowids *ids, size_t *count, struct tc_error *err)
{
	*count = 0;
	size_t n = strlen(q->filter);
	char *needle = malloc(n + 1);
	if (!needle)
		return tc_error_set(err, TC_NOMEM, NULL);
	for (size_t i = 0; i <= n; i++) {
		char c = q->filter[i];
		needle[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	enum tc_status rc = store_upkeep_flush(s, err);
	if (rc != TC_OK) {
		free(needle);
		return rc;
	}
	/* The cache's size is only a speed: a failure to set it is not the filter's. */
	store_set_cache_kib(s, SCAN_CACHE_KIB, NULL);
	sqlite3_stmt *st = NULL;
	rc = store_prepare(s, "SELECT text FROM search_blocks", &st, err);
	int r = SQLITE_DONE;
	while (rc == TC_OK && (r = store_step(s, st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t && !block_search(t, t + sqlite3_column_bytes(st, 0), needle, n, ids, count))
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	if (rc == TC_OK && r != SQLITE_DONE)
		rc = store_db_fail(s, r, err, "search trunks");
	sqlite3_finalize(st);
	store_set_cache_kib(s, DEFAULT_CACHE_KIB, NULL);
	free(needle);
	return rc;
}

enum tc_status tc_store_search_check(struct tc_store *s, bool repair, size_t *out_of_step,
                                     struct tc_error *err)
{
	*out_of_step = 0;
	bool own;
	enum tc_status rc = store_upkeep_flush(s, err);
	if (rc == TC_OK)
		rc = store_read_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	int64_t trunks = 0, missing = 0, entries = 0;
	rc = store_pragma_int(s, "SELECT count(*) FROM trunks", &trunks, err);
	if (rc == TC_OK)
		rc = store_pragma_int(s, tc_store_search_missing_sql, &missing, err);
	if (rc == TC_OK)
		rc = store_pragma_int(s, tc_store_search_entries_sql, &entries, err);
	store_read_end(s, own);
	if (rc != TC_OK)
		return rc;
	int64_t extra = entries - (trunks - missing);
	*out_of_step = (size_t)(missing + (extra > 0 ? extra : 0));
	if (!repair || *out_of_step == 0)
		return TC_OK;
	rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	rc = store_exec(s, tc_store_search_rebuild_sql, err);
	return store_write_end(s, own, rc, err);
}

enum tc_status tc_store_count(struct tc_store *s, const struct tc_list_query *q, size_t *count,
                              struct tc_error *err)
{
	*count = 0;
	enum tc_status rc = check_filter(q, err);
	if (rc == TC_OK)
		rc = store_upkeep_flush(s, err);
	if (rc != TC_OK)
		return rc;
	if (in_blocks(q))
		return block_matches(s, q, NULL, count, err);
	char where[STORE_FILTER_WHERE_SIZE], sql[STORE_FILTER_WHERE_SIZE + 96];
	filter_sql(q, where, sizeof(where));
	if (*where)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM trunks%s", where);
	else
		snprintf(sql, sizeof(sql), "SELECT value FROM meta WHERE key = 'trunk_count'");
	sqlite3_stmt *st;
	rc = store_prepare(s, sql, &st, err);
	if (rc == TC_OK)
		rc = bind_filter(st, q, err);
	if (rc == TC_OK) {
		int r = store_step(s, st);
		if (r == SQLITE_ROW)
			*count = (size_t)sqlite3_column_int64(st, 0);
		else
			rc = store_db_fail(s, r, err, "count trunks");
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The sort key of a list query (a column, with its collation), or
 * TC_USAGE. Names and hosts sort naturally ("trunk 2" before "trunk 10"),
 * as the name index does (store_schema.c).
 */
static enum tc_status sort_column(const struct tc_list_query *q, char *col, size_t size,
                                  bool *indexed, struct tc_error *err)
{
	*indexed = q->sort == TC_SORT_ID || q->sort == TC_FIELD_NONE || q->sort == TC_F_NAME;
	int f = q->sort == TC_FIELD_NONE ? TC_F_NAME : q->sort;
	if (q->sort == TC_SORT_ID)
		snprintf(col, size, "id");
	else if (q->sort == TC_SORT_SYNC_STATE)
		snprintf(col, size, "state");
	else if (!tc_store_has_column(f))
		return tc_error_set(err, TC_USAGE, "cannot sort by column %d", q->sort);
	else if (tc_store_natural_sorted(f))
		tc_store_natural_column(f, col, size);
	else
		tc_store_field_column(f, col, size);
	return TC_OK;
}

/*
 * Rows of the sort index a filtered window may walk before it gives up for a
 * scan: a few ms at most. A filter that most rows match fills its window in
 * a few dozen rows this way, where a scan sorts every match (40-60 ms at
 * 100,000 trunks).
 */
#define WALK_BUDGET 2048

/*
 * How a filtered window is found (an unfiltered one always walks the index
 * when there is one):
 * - WINDOW_WALK walks the sort index, at most WALK_BUDGET rows, testing each;
 *   it is the answer only if it filled the window.
 * - WINDOW_SCAN_COUNTED scans once, sorts the matches' keys and counts them:
 *   SQLite keeps every match for the count, cheap when they are few.
 * - WINDOW_SCAN scans and keeps only the best LIMIT + OFFSET keys; the
 *   caller has set page->total.
 */
enum window_way { WINDOW_WALK, WINDOW_SCAN_COUNTED, WINDOW_SCAN };

/*
 * Receives each row of a window in order. The sink owns row->trunk once it
 * returns TC_OK (the walk frees it otherwise); another status stops the walk.
 */
typedef enum tc_status (*row_sink)(void *ctx, struct tc_trunk_row *row, struct tc_error *err);

/* The columns of trunks that hold fields, as ", t.f_a, t.f_b...": SHOWN_FIELDS_SIZE bytes. */
#define SHOWN_FIELDS_SIZE (TC_FIELD_COUNT * 48)
static void shown_fields_sql(char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int f = 0; f < TC_FIELD_COUNT && used < size; f++) {
		if (!tc_store_has_column(f))
			continue;
		char col[64];
		tc_store_field_column(f, col, sizeof(col));
		used += (size_t)snprintf(buf + used, size - used, ", t.%s", col);
	}
}

/*
 * Trunk id holding the fields shown_fields_sql names, from st's columns at
 * first on. They hold the version the operator sees, as its document does:
 * the derived values the list sorts and filters by (store_schema.c).
 */
static enum tc_status trunk_from_columns(sqlite3_stmt *st, int first, const char *id,
                                         struct tc_trunk **out, struct tc_error *err)
{
	struct tc_trunk *t = tc_trunk_new();
	enum tc_status rc = t ? tc_trunk_set_id(t, id) : TC_NOMEM;
	for (int f = 0, i = first; rc == TC_OK && f < TC_FIELD_COUNT; f++) {
		if (!tc_store_has_column(f))
			continue;
		int c = i++;
		if (sqlite3_column_type(st, c) == SQLITE_NULL)
			continue;
		const char *text = (const char *)sqlite3_column_text(st, c);
		switch (tc_field(f)->type) {
		case TC_T_INT:
			rc = tc_trunk_set_int(t, f, sqlite3_column_int64(st, c));
			break;
		case TC_T_BOOL:
			rc = tc_trunk_set_bool(t, f, sqlite3_column_int(st, c) != 0);
			break;
		case TC_T_STRING:
			rc = tc_trunk_set_string(t, f, text ? text : "");
			break;
		case TC_T_LIST: {
			struct tc_value v = {0};
			rc = tc_value_from_text(f, text ? text : "", &v, NULL);
			if (rc == TC_OK)
				rc = tc_trunk_set_value(t, f, &v);
			tc_value_clear(&v);
			break;
		}
		}
	}
	if (rc != TC_OK) {
		tc_trunk_destroy(t);
		return rc == TC_NOMEM ? tc_error_set(err, TC_NOMEM, NULL)
		                      : tc_error_set(err, TC_CORRUPT,
		                                     "the local store holds an unreadable trunk %s",
		                                     id ? id : "");
	}
	*out = t;
	return TC_OK;
}

/*
 * Steps st (columns: id, document, state, pending_op, last_seen_ms, count,
 * then with shown the columns of shown_fields_sql) to its end, decoding each
 * row for sink, then finalizes it. *total takes the count column when total
 * is not NULL.
 */
static enum tc_status rows_to_sink(struct tc_store *s, sqlite3_stmt *st, bool shown, size_t *total,
                                   row_sink sink, void *ctx, struct tc_error *err)
{
	enum tc_status rc = TC_OK;
	int r;
	while (rc == TC_OK && (r = store_step(s, st)) == SQLITE_ROW) {
		struct tc_trunk_row row = {
		    .state = (enum tc_sync_state)sqlite3_column_int(st, 2),
		    .pending = (enum tc_outbox_op)sqlite3_column_int(st, 3),
		    .last_seen_ms = sqlite3_column_int64(st, 4),
		    .row = sqlite3_column_int64(st, 5),
		};
		if (total)
			*total = (size_t)sqlite3_column_int64(st, 6);
		const char *id = (const char *)sqlite3_column_text(st, 0);
		rc = shown ? trunk_from_columns(st, 7, id, &row.trunk, err)
		           : store_decode_col(s, st, 1, id, &row.trunk, err);
		if (rc == TC_OK && (rc = sink(ctx, &row, err)) != TC_OK)
			tc_trunk_destroy(row.trunk);
	}
	if (rc == TC_OK && r != SQLITE_DONE)
		rc = store_db_fail(s, r, err, "list trunks");
	sqlite3_finalize(st);
	return rc;
}

/*
 * ids, when not NULL, is a JSON array of the rowids the filter matched
 * (from search_blocks): the window is sorted from those rows alone.
 */
static enum tc_status window_rows(struct tc_store *s, const struct tc_list_query *q,
                                  enum window_way way, const struct tc_trunk_page *page,
                                  const char *ids, size_t *total, row_sink sink, void *ctx,
                                  struct tc_error *err)
{
	char col[96];
	bool indexed;
	enum tc_status rc = sort_column(q, col, sizeof(col), &indexed, err);
	if (rc != TC_OK)
		return rc;
	const char *dir = q->descending ? "DESC" : "ASC";
	char where[STORE_FILTER_WHERE_SIZE], from[STORE_FILTER_WHERE_SIZE + 384],
	    sql[STORE_FILTER_WHERE_SIZE + SHOWN_FIELDS_SIZE + 1024], shown[SHOWN_FIELDS_SIZE] = "";
	/* the list's own columns: a document join and decode per row cost more than the rest */
	bool by_columns = q->shown_fields;
	if (by_columns)
		shown_fields_sql(shown, sizeof(shown));
	filter_sql(q, where, sizeof(where));
	bool any = filtered(q);
	if (any && way == WINDOW_WALK)
		snprintf(from, sizeof(from),
		         "(SELECT rowid AS r, %s AS k, id AS i, %s FROM trunks "
		         "ORDER BY %s %s, id %s LIMIT %d)%s",
		         col, filter_columns(q), col, dir, dir, WALK_BUDGET, where);
	else
		snprintf(from, sizeof(from),
		         "(SELECT rowid AS r, %s AS k, id AS i, %s FROM trunks%s)%s", col,
		         filter_columns(q),
		         ids ? " WHERE rowid IN (SELECT value FROM json_each(?4))" : "", where);
	/*
	 * A window in the second half (page->total is known for WINDOW_SCAN) is
	 * found from the other end: the sort keeps OFFSET + LIMIT keys, and the
	 * last window by an unindexed column at 100,000 trunks took 0.5-0.9 s.
	 * (k, i) is unique, so the reversed order is exactly the reverse.
	 */
	int64_t limit = q->limit ? (int64_t)q->limit : -1, offset = (int64_t)page->offset;
	const char *inner = dir;
	if (way == WINDOW_SCAN && q->limit && page->offset > page->total / 2) {
		int64_t rest = (int64_t)page->total - offset;
		limit = rest < limit ? rest : limit;
		offset = rest - limit;
		inner = q->descending ? "ASC" : "DESC";
	}
	/* "+k" keeps SQLite from walking the sort index to test every row for a scan */
	snprintf(sql, sizeof(sql),
	         "SELECT t.id, %s, t.state, t.pending_op, t.last_seen_ms, t.rowid, "
	         "w.n%s FROM (SELECT r, k, i, %s AS n FROM %s "
	         "ORDER BY %sk %s, i %s LIMIT ?2 OFFSET ?3) AS w "
	         "JOIN trunks AS t ON t.rowid = w.r%s "
	         "ORDER BY w.k %s, w.i %s",
	         by_columns ? "NULL" : TRUNK_CURRENT, shown,
	         way == WINDOW_SCAN_COUNTED ? "count(*) OVER ()" : "-1", from,
	         any && way != WINDOW_WALK ? "+" : "", inner, inner,
	         by_columns ? "" : " JOIN trunk_docs AS d ON d.id = t.id", dir, dir);
	sqlite3_stmt *st;
	rc = store_prepare(s, sql, &st, err);
	if (rc != TC_OK)
		return rc;
	rc = bind_filter(st, q, err);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if (ids)
		sqlite3_bind_text(st, 4, ids, -1, SQLITE_STATIC);
	if (rc != TC_OK) {
		sqlite3_finalize(st);
		return rc;
	}
	return rows_to_sink(s, st, by_columns, way == WINDOW_SCAN_COUNTED ? total : NULL, sink, ctx,
	                    err);
}

struct page_fill {
	struct tc_trunk_page *page;
	size_t cap, limit;
};

static enum tc_status page_append(void *ctx, struct tc_trunk_row *row, struct tc_error *err)
{
	struct page_fill *f = ctx;
	struct tc_trunk_page *page = f->page;
	struct tc_trunk_row *m = tc_grow(page->items, &f->cap, page->count + 1, sizeof(*m),
	                                 f->limit && f->limit < 4096 ? f->limit : 64);
	if (!m)
		return tc_error_set(err, TC_NOMEM, NULL);
	page->items = m;
	page->items[page->count++] = *row;
	return TC_OK;
}

/*
 * The window at page->offset, chosen on the narrow trunks table; only its
 * rows fetch their documents. *total is the match count for
 * WINDOW_SCAN_COUNTED when anything matched, else left alone.
 */
static enum tc_status list_window(struct tc_store *s, const struct tc_list_query *q,
                                  enum window_way way, struct tc_trunk_page *page, size_t *total,
                                  struct tc_error *err)
{
	struct page_fill f = {.page = page, .limit = q->limit};
	return window_rows(s, q, way, page, NULL, total, page_append, &f, err);
}

/* "[r1,r2,...]", newly allocated, or NULL on NOMEM. */
static char *rowids_json(const struct rowids *ids)
{
	size_t size = ids->n * 21 + 3, used = 1;
	char *buf = malloc(size);
	if (!buf)
		return NULL;
	buf[0] = '[';
	for (size_t i = 0; i < ids->n; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "," : "",
		                         (long long)ids->v[i]);
	snprintf(buf + used, size - used, "]");
	return buf;
}

/*
 * A walk of the sort index costs about a tenth of what sorting a match costs
 * (a lookup of its row in trunks), so a window is looked for by walking at
 * most this many index rows per match, and only when the matches, spread
 * evenly, would fill it in a quarter of that. Matches can bunch in the sort
 * order ("pbx-lima" starts 60% down the names).
 */
#define WALK_ROWS_PER_MATCH 8

/*
 * The rowids (into out) of the window at offset among the matches, walking
 * the sort index col in order: an index-only read, where testing the filter
 * read a row of trunks per entry. *found unless the walk gave up first.
 */
static enum tc_status walk_index(struct tc_store *s, const struct tc_list_query *q, const char *col,
                                 const struct rowids *ids, size_t offset, struct rowids *out,
                                 bool *found, struct tc_error *err)
{
	*found = false;
	int64_t top = 0;
	for (size_t i = 0; i < ids->n; i++) {
		if (ids->v[i] < 0)
			return TC_OK;
		top = ids->v[i] > top ? ids->v[i] : top;
	}
	unsigned char *seen_bits = calloc((size_t)(top >> 3) + 1, 1);
	out->v = malloc(q->limit * sizeof(*out->v));
	if (!seen_bits || !out->v) {
		free(seen_bits);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	for (size_t i = 0; i < ids->n; i++)
		seen_bits[ids->v[i] >> 3] |= (unsigned char)(1u << (ids->v[i] & 7));
	const char *dir = q->descending ? "DESC" : "ASC";
	size_t budget = ids->n * WALK_ROWS_PER_MATCH;
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT rowid FROM trunks ORDER BY %s %s, id %s LIMIT %zu", col,
	         dir, dir, budget);
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql, &st, err);
	size_t seen = 0, walked = 0;
	int r = SQLITE_DONE;
	while (rc == TC_OK && out->n < q->limit && (r = store_step(s, st)) == SQLITE_ROW) {
		int64_t rowid = sqlite3_column_int64(st, 0);
		walked++;
		if (rowid >= 0 && rowid <= top && (seen_bits[rowid >> 3] >> (rowid & 7) & 1) &&
		    seen++ >= offset)
			out->v[out->n++] = rowid;
	}
	if (rc == TC_OK && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = store_db_fail(s, r, err, "list trunks");
	*found = out->n == q->limit || walked < budget;
	sqlite3_finalize(st);
	free(seen_bits);
	return rc;
}

/*
 * A case-insensitive filtered list: the blocks give the matches and their
 * count. When the matches are dense enough in the sort order (a common
 * filter) the window is found by a walk of the sort index, else by sorting
 * the matched rows alone (a rare filter; nothing to do when none matched).
 */
static enum tc_status list_from_blocks(struct tc_store *s, const struct tc_list_query *q,
                                       const char *col, bool indexed, struct tc_trunk_page *page,
                                       struct tc_error *err)
{
	struct rowids ids = {0}, window = {0};
	size_t total = 0;
	enum tc_status rc = block_matches(s, q, &ids, &total, err);
	page->total = total;
	page->offset = q->offset < total ? q->offset : total;
	int64_t trunks = 0;
	if (rc == TC_OK && total > 0 && indexed && q->limit)
		rc = store_meta_get_int(s, "trunk_count", &trunks, err);
	/* the window of rows the sort is asked for: all the matches, or the walk's */
	struct tc_trunk_page at = *page;
	const struct rowids *wanted = &ids;
	if (rc == TC_OK && trunks > 0 &&
	    (page->offset + q->limit) * (size_t)trunks <=
	        total * total * (WALK_ROWS_PER_MATCH / 4)) {
		bool found;
		rc = walk_index(s, q, col, &ids, page->offset, &window, &found, err);
		if (found) {
			at.offset = 0;
			at.total = window.n;
			wanted = &window;
		}
	}
	if (rc == TC_OK && wanted->n > 0) {
		char *json = rowids_json(wanted);
		struct page_fill f = {.page = page, .limit = q->limit};
		rc = json ? window_rows(s, q, WINDOW_SCAN, &at, json, NULL, page_append, &f, err)
		          : tc_error_set(err, TC_NOMEM, NULL);
		free(json);
	}
	free(ids.v);
	free(window.v);
	return rc;
}

/*
 * A filtered list: a filter most rows match is answered by the sort index
 * and a count; a rarer one by a single scan that also counts.
 */
static enum tc_status list_filtered(struct tc_store *s, const struct tc_list_query *q,
                                    struct tc_trunk_page *page, struct tc_error *err)
{
	char col[96];
	bool indexed;
	enum tc_status rc = sort_column(q, col, sizeof(col), &indexed, err);
	if (rc != TC_OK)
		return rc;
	if (in_blocks(q))
		return list_from_blocks(s, q, col, indexed, page, err);
	page->offset = q->offset;
	if (indexed && q->limit && q->offset + q->limit <= WALK_BUDGET / 8) {
		rc = list_window(s, q, WINDOW_WALK, page, NULL, err);
		if (rc != TC_OK || page->count == q->limit)
			return rc == TC_OK ? tc_store_count(s, q, &page->total, err) : rc;
		tc_trunk_page_finish(page);
	}
	if (indexed) {
		size_t total = 0;
		rc = list_window(s, q, WINDOW_SCAN_COUNTED, page, &total, err);
		if (rc != TC_OK || page->count > 0 || q->offset == 0) {
			page->total = total;
			return rc;
		}
		/* a window past the end of the matches: count them and show the last */
	}
	rc = tc_store_count(s, q, &page->total, err);
	page->offset = q->offset < page->total ? q->offset : page->total;
	if (rc == TC_OK && page->total > 0)
		rc = list_window(s, q, WINDOW_SCAN, page, NULL, err);
	return rc;
}

enum tc_status tc_store_list(struct tc_store *s, const struct tc_list_query *q,
                             struct tc_trunk_page *page, struct tc_error *err)
{
	memset(page, 0, sizeof(*page));
	bool own;
	enum tc_status rc = check_filter(q, err);
	if (rc == TC_OK)
		rc = store_read_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	if (filtered(q)) {
		rc = list_filtered(s, q, page, err);
	} else {
		rc = tc_store_count(s, q, &page->total, err);
		page->offset = q->offset < page->total ? q->offset : page->total;
		if (rc == TC_OK && page->total > 0)
			rc = list_window(s, q, WINDOW_SCAN, page, NULL, err);
	}
	store_read_end(s, own);
	if (rc != TC_OK)
		tc_trunk_page_finish(page);
	return rc;
}

struct row_visit {
	tc_trunk_row_fn fn;
	void *ctx;
};

static enum tc_status row_visit(void *ctx, struct tc_trunk_row *row, struct tc_error *err)
{
	struct row_visit *v = ctx;
	enum tc_status rc = v->fn(v->ctx, row, err);
	if (rc == TC_OK)
		tc_trunk_destroy(row->trunk);
	return rc;
}

enum tc_status tc_store_list_each(struct tc_store *s, const struct tc_list_query *q,
                                  tc_trunk_row_fn fn, void *ctx, struct tc_error *err)
{
	bool own;
	enum tc_status rc = check_filter(q, err);
	if (rc == TC_OK)
		rc = store_read_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	char col[96];
	bool indexed;
	struct row_visit v = {.fn = fn, .ctx = ctx};
	rc = sort_column(q, col, sizeof(col), &indexed, err);
	if (rc == TC_OK && indexed) {
		/*
		 * The sort index walked with each document fetched as its row comes:
		 * the windowed query below would sort the documents themselves (70 MB
		 * of sorter at 100,000 trunks) to restore the order of its keys.
		 */
		const char *dir = q->descending ? "DESC" : "ASC";
		char where[STORE_FILTER_WHERE_SIZE], sql[STORE_FILTER_WHERE_SIZE + 640];
		filter_sql(q, where, sizeof(where));
		snprintf(sql, sizeof(sql),
		         "SELECT t.id, " TRUNK_CURRENT ", t.state, t.pending_op, "
		         "t.last_seen_ms, t.rowid, -1 FROM trunks AS t JOIN trunk_docs AS d ON "
		         "d.id = t.id%s "
		         "ORDER BY t.%s %s, t.id %s LIMIT ?2 OFFSET ?3",
		         where, col, dir, dir);
		sqlite3_stmt *st;
		rc = store_prepare(s, sql, &st, err);
		if (rc == TC_OK) {
			rc = bind_filter(st, q, err);
			sqlite3_bind_int64(st, 2, q->limit ? (int64_t)q->limit : -1);
			sqlite3_bind_int64(st, 3, (int64_t)q->offset);
			if (rc == TC_OK)
				rc = rows_to_sink(s, st, false, NULL, row_visit, &v, err);
			else
				sqlite3_finalize(st);
		}
	} else if (rc == TC_OK) {
		/* total unknown (SIZE_MAX): a window is never looked for from the far end */
		struct tc_trunk_page at = {.offset = q->offset, .total = SIZE_MAX};
		struct tc_list_query whole = *q;
		whole.shown_fields = false;
		rc = window_rows(s, &whole, WINDOW_SCAN, &at, NULL, NULL, row_visit, &v, err);
	}
	store_read_end(s, own);
	return rc;
}

enum tc_status tc_store_get(struct tc_store *s, const char *id, struct tc_trunk_record **out,
                            struct tc_error *err)
{
	*out = NULL;
	struct row r;
	enum tc_status rc = store_row_load(s, id, &r, err);
	if (rc != TC_OK)
		return rc;
	struct tc_trunk_record *rec = calloc(1, sizeof(*rec));
	if (!rec) {
		store_row_clear(&r);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	rec->id = r.id;
	rec->base = r.base;
	rec->local = r.local;
	rec->current = r.local ? r.local : r.base;
	rec->state = r.state;
	rec->pending = r.pending_op;
	rec->last_seen_ms = r.last_seen_ms;
	rec->edited_ms = r.edited_ms;
	rec->row = r.rowid;
	rec->last_error = r.last_error;
	r.id = r.last_error = NULL;
	r.base = r.local = NULL;
	if (r.errors)
		rc = store_errors_parse(r.errors, &rec->errors, err);
	if (rc == TC_OK && r.conflict && r.state == TC_SYNC_CONFLICT)
		rc = store_conflict_parse(s, r.conflict, rec->id, &rec->conflict, err);
	store_row_clear(&r);
	if (rc != TC_OK) {
		tc_trunk_record_destroy(rec);
		return rc;
	}
	*out = rec;
	return TC_OK;
}

enum tc_status tc_store_get_row(struct tc_store *s, int64_t row, struct tc_trunk_record **out,
                                struct tc_error *err)
{
	*out = NULL;
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, "SELECT id FROM trunks WHERE rowid = ?", &st, err);
	if (rc != TC_OK)
		return rc;
	sqlite3_bind_int64(st, 1, row);
	char *id = NULL;
	int r = store_step(s, st);
	if (r == SQLITE_ROW) {
		if (!(id = store_col_dup(st, 0)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
	} else {
		rc = r == SQLITE_DONE
		         ? tc_error_set(err, TC_NOT_FOUND, "no trunk at row %lld", (long long)row)
		         : store_db_fail(s, r, err, "find a trunk by row");
	}
	sqlite3_finalize(st);
	if (rc == TC_OK)
		rc = tc_store_get(s, id, out, err);
	free(id);
	return rc;
}

enum tc_status tc_store_row_span(struct tc_store *s, int64_t *lo, int64_t *hi, struct tc_error *err)
{
	*lo = *hi = 0;
	/* each is one step down the table's b-tree: no scan */
	enum tc_status rc =
	    store_pragma_int(s, "SELECT coalesce(min(rowid), 0) FROM trunks", lo, err);
	return rc == TC_OK
	           ? store_pragma_int(s, "SELECT coalesce(max(rowid), 0) FROM trunks", hi, err)
	           : rc;
}

enum tc_status tc_store_snapshot_begin(struct tc_store *s, struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_read_begin(s, &own, err);
	if (rc == TC_OK && !own)
		return tc_error_set(err, TC_USAGE, "a snapshot inside a transaction");
	s->snapshot = rc == TC_OK;
	return rc;
}

void tc_store_snapshot_end(struct tc_store *s)
{
	store_read_end(s, s->snapshot);
	s->snapshot = false;
}

enum tc_status tc_store_find_by_name(struct tc_store *s, const char *name, char **ids, size_t max,
                                     size_t *count, struct tc_error *err)
{
	*count = 0;
	char col[64], key_col[64], sql[256];
	tc_store_field_column(TC_F_NAME, col, sizeof(col));
	tc_store_natural_column(TC_F_NAME, key_col, sizeof(key_col));
	/* the first test uses the index of the name's sort key, the second keeps exact matches */
	snprintf(sql, sizeof(sql),
	         "SELECT id FROM trunks WHERE %s = ?3 AND %s = ?1 COLLATE BINARY ORDER BY id "
	         "LIMIT ?2",
	         key_col, col);
	char *key = store_natural_key(name);
	if (!key)
		return tc_error_set(err, TC_NOMEM, NULL);
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql, &st, err);
	if (rc != TC_OK) {
		free(key);
		return rc;
	}
	store_bind_text(st, 1, name);
	sqlite3_bind_text(st, 3, key, -1, free);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	int r;
	while (rc == TC_OK && (r = store_step(s, st)) == SQLITE_ROW) {
		if (!(ids[*count] = store_col_dup(st, 0)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
		else
			(*count)++;
	}
	if (rc == TC_OK && r != SQLITE_DONE)
		rc = store_db_fail(s, r, err, "find by name");
	sqlite3_finalize(st);
	return rc;
}

/* One text column of the row of key in a single-key query; *found says whether a row exists. */
static enum tc_status text_by_key(struct tc_store *s, const char *sql, const char *key, char **out,
                                  bool *found, struct tc_error *err)
{
	*out = NULL;
	*found = false;
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql, &st, err);
	if (rc != TC_OK)
		return rc;
	store_bind_text(st, 1, key);
	int r = store_step(s, st);
	if (r == SQLITE_ROW) {
		*found = true;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL && !(*out = store_col_dup(st, 0)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
	} else if (r != SQLITE_DONE) {
		rc = store_db_fail(s, r, err, "read");
	}
	sqlite3_finalize(st);
	return rc;
}

enum tc_status tc_store_server_id(struct tc_store *s, const char *local_id, char **server_id,
                                  struct tc_error *err)
{
	bool found;
	enum tc_status rc = text_by_key(s, "SELECT server_id FROM id_map WHERE local_id = ?",
	                                local_id, server_id, &found, err);
	if (rc == TC_OK && !found)
		rc = tc_error_set(err, TC_NOT_FOUND, "no create of %s was pushed", local_id);
	return rc;
}

enum tc_status tc_store_document(struct tc_store *s, const char *id, char **json,
                                 struct tc_error *err)
{
	bool found;
	enum tc_status rc =
	    text_by_key(s, "SELECT document FROM trunk_docs WHERE id = ?", id, json, &found, err);
	if (rc == TC_OK && !found)
		rc = tc_error_set(err, TC_NOT_FOUND, "no trunk %s in the local store", id);
	return rc;
}
