/*
 * Opening a store: the data dir, the checks that refuse a file that is not
 * ours or was lost, the schema migration, and the marker beside the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_private.h"
#include "store_sql.h"

#define DEFAULT_BUSY_TIMEOUT_MS 5000

/* ---- opening ---- */

/* Runs one quick_check statement: *ok when its first line is "ok", else that line in msg. */
static enum tc_status check_sql(struct tc_store *s, const char *sql, bool *ok, char *msg,
                                size_t size, struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql, &st, err);
	if (rc != TC_OK)
		return rc;
	int r = store_step(s, st);
	const char *line = r == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	*ok = line && strcmp(line, "ok") == 0;
	if (msg && size)
		snprintf(msg, size, "%s", line ? line : sqlite3_errstr(r));
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return store_db_fail(s, r, err, "quick_check");
	return TC_OK;
}

enum tc_status tc_store_quick_check(struct tc_store *s, bool *ok, char *msg, size_t size,
                                    struct tc_error *err)
{
	return check_sql(s, "PRAGMA quick_check(1)", ok, msg, size, err);
}

/* Text from the file goes to a terminal: control bytes become '?'. */
static void printable(char *text)
{
	for (unsigned char *p = (unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/*
 * Runs a whole-file check whose rows are problems ("ok" alone is none);
 * adds their number to *problems and describes the first in msg.
 */
static enum tc_status check_rows(struct tc_store *s, const char *sql, size_t *problems, char *msg,
                                 size_t size, struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql, &st, err);
	if (rc != TC_OK)
		return rc;
	size_t found = 0;
	int r;
	while ((r = store_step(s, st)) == SQLITE_ROW) {
		const char *first = (const char *)sqlite3_column_text(st, 0);
		if (sqlite3_column_count(st) == 1 && first && strcmp(first, "ok") == 0)
			continue;
		if (found++ == 0 && *problems == 0 && sqlite3_column_count(st) == 1)
			snprintf(msg, size, "integrity_check: %s", first ? first : "?");
		else if (found == 1 && *problems == 0)
			snprintf(msg, size,
			         "foreign_key_check: %s row %lld refers to a missing %s row",
			         first ? first : "?", (long long)sqlite3_column_int64(st, 1),
			         (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return store_db_fail(s, r, err, sql);
	*problems += found;
	return TC_OK;
}

enum tc_status tc_store_integrity_check(struct tc_store *s, bool *ok, char *msg, size_t size,
                                        struct tc_error *err)
{
	size_t problems = 0;
	char first[400] = "";
	enum tc_status rc =
	    check_rows(s, "PRAGMA integrity_check", &problems, first, sizeof(first), err);
	if (rc == TC_OK)
		rc =
		    check_rows(s, "PRAGMA foreign_key_check", &problems, first, sizeof(first), err);
	*ok = rc == TC_OK && problems == 0;
	if (msg && size) {
		if (problems > 1)
			snprintf(msg, size, "%s (and %zu more problems)", first, problems - 1);
		else
			snprintf(msg, size, "%s", *ok ? "ok" : first);
		printable(msg);
	}
	return rc;
}

/*
 * Decides whether the file is ours (or empty and about to be) before anything
 * writes it; *version_out: its schema version as read here, which only a
 * migration (under the write lock) can have raised since.
 */
static enum tc_status check_identity(struct tc_store *s, int64_t *version_out, struct tc_error *err)
{
	/* one statement for the three: each statement is a read transaction of its own */
	sqlite3_stmt *st;
	enum tc_status rc =
	    store_prepare(s,
	                  "SELECT (SELECT application_id FROM pragma_application_id), "
	                  "(SELECT user_version FROM pragma_user_version), "
	                  "(SELECT count(*) FROM sqlite_master)",
	                  &st, err);
	if (rc != TC_OK)
		return rc;
	int r = store_step(s, st);
	int64_t app = sqlite3_column_int64(st, 0), version = sqlite3_column_int64(st, 1),
	        objects = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return store_db_fail(s, r, err, "read the store's identity");
	*version_out = version;
	if (app == 0 && version == 0 && objects == 0)
		return TC_OK;
	if (app != TC_STORE_APPLICATION_ID)
		return tc_error_set(err, TC_CORRUPT,
		                    "%s is an SQLite database of another program (application_id "
		                    "%lld), not a trunkctl store; it was left as it is",
		                    s->path, (long long)app);
	if (version > TC_STORE_SCHEMA_VERSION)
		return tc_error_set(
		    err, TC_CORRUPT,
		    "%s was written by a newer trunkctl (schema %lld, this one knows "
		    "%d); it was left as it is",
		    s->path, (long long)version, TC_STORE_SCHEMA_VERSION);
	/*
	 * Only what a pull cannot bring back is checked here: the schema, the
	 * metadata and the outbox of unsent edits. Checking the whole file
	 * read every page of the cache, 300 ms at 100,000 trunks, before the
	 * first screen; damage in the cache is still TC_CORRUPT from the read
	 * or write that meets it (SQLite checks each page it loads), and
	 * tc_store_integrity_check (the doctor) checks everything.
	 */
	static const char *const checks[] = {
	    "PRAGMA quick_check(sqlite_schema)", "PRAGMA quick_check(meta)",
	    "PRAGMA quick_check(outbox)", "PRAGMA quick_check(sqlite_sequence)"};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (objects == 0 && i > 0)
			break; /* an empty schema has none of these tables yet */
		bool ok = false;
		char line[200];
		rc = check_sql(s, checks[i], &ok, line, sizeof(line), err);
		if (rc != TC_OK)
			return rc;
		if (!ok)
			return tc_error_set(
			    err, TC_CORRUPT,
			    "%s is damaged (integrity check: %s); it was left as it "
			    "is",
			    s->path, line);
	}
	return TC_OK;
}

/* *same when the derived columns were built from this build's field table. */
static enum tc_status derived_current(struct tc_store *s, const char *sig, bool *same,
                                      struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(
	    s, "SELECT 1 FROM meta WHERE key = 'derived_sig' AND value = ?", &st, err);
	if (rc != TC_OK)
		return rc;
	store_bind_text(st, 1, sig);
	int r = store_step(s, st);
	sqlite3_finalize(st);
	*same = r == SQLITE_ROW;
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_db_fail(s, r, err, "read meta");
	return TC_OK;
}

/* Rebuilds every row's derived columns when the field table changed them (or force). */
static enum tc_status refresh_derived(struct tc_store *s, bool force, struct tc_error *err)
{
	char sig[1024];
	tc_store_derived_signature(sig, sizeof(sig));
	bool same = false;
	enum tc_status rc = derived_current(s, sig, &same, err);
	if (rc != TC_OK || (same && !force))
		return rc;
	sqlite3_stmt *st, *up = NULL;
	int r;
	rc = store_derived_ready(s, err);
	if (rc == TC_OK)
		rc = store_prepare(s,
		                   "SELECT d.id, coalesce(l.local, d.base) FROM trunk_docs AS d "
		                   "LEFT JOIN trunk_local AS l ON l.id = d.id",
		                   &st, err);
	if (rc == TC_OK)
		rc = store_prepare(s, s->sql_derived, &up, err);
	while (rc == TC_OK && (r = store_step(s, st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		struct tc_trunk *t = NULL;
		rc = store_decode(s, (const char *)sqlite3_column_text(st, 1), id, &t, err);
		if (rc == TC_OK) {
			sqlite3_reset(up);
			int next = tc_store_bind_derived(up, 1, id, t, NULL);
			if (next < 0)
				rc = tc_error_set(err, TC_NOMEM, NULL);
			else
				store_bind_text(up, next, id);
		}
		tc_trunk_destroy(t);
		if (rc == TC_OK)
			rc = store_run(s, up, err);
	}
	if (rc == TC_OK && r != SQLITE_DONE)
		rc = store_db_fail(s, r, err, "rebuild derived columns");
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	/* every row's search text was written: the blocks are all made again */
	if (rc == TC_OK)
		rc = store_exec(s, tc_store_search_rebuild_sql, err);
	if (rc == TC_OK)
		rc = store_meta_set(s, "derived_sig", sig, NULL, err);
	return rc;
}

/* Builds the statements that name the derived columns. */
static bool build_sql(struct tc_store *s)
{
	for (int v = 0; v < SAVE_VARIANTS; v++) {
		free(s->sql_save[v]);
		s->sql_save[v] = NULL;
	}
	free(s->sql_pull);
	free(s->sql_derived);
	s->sql_pull = s->sql_derived = NULL;
	char *names = tc_store_derived_sql(TC_DERIVED_NAMES);
	char *ph = tc_store_derived_sql(TC_DERIVED_PLACEHOLDERS);
	char *excl = tc_store_derived_sql(TC_DERIVED_EXCLUDED);
	char *unedited = tc_store_derived_sql(TC_DERIVED_IF_UNEDITED);
	char *assign = tc_store_derived_sql(TC_DERIVED_ASSIGN);
	bool ok = names && ph && excl && unedited && assign;
	if (ok) {
		size_t size = 1024 + strlen(names) + strlen(ph) + strlen(excl) + strlen(unedited) +
		              strlen(assign);
		s->sql_pull = malloc(size);
		s->sql_derived = malloc(size);
		ok = s->sql_pull && s->sql_derived;
		for (int v = 0; v < SAVE_VARIANTS; v++)
			ok = (s->sql_save[v] = malloc(size)) && ok;
		if (ok) {
			/*
			 * SQLite rewrites the entry of every index on a column an
			 * UPDATE sets, changed or not: the variants leave out the
			 * indexed columns the caller knows to be unchanged.
			 */
			char key[64], keep[160];
			tc_store_natural_column(TC_F_NAME, key, sizeof(key));
			snprintf(keep, sizeof(keep), ", %s = excluded.%s", key, key);
			char *cut = strstr(excl, keep);
			size_t head = cut ? (size_t)(cut - excl) : strlen(excl);
			const char *tail = cut ? cut + strlen(keep) : "";
			for (int v = 0; v < SAVE_VARIANTS; v++) {
				bool same_key = v & SAVE_SAME_NAME_KEY;
				snprintf(
				    s->sql_save[v], size,
				    "INSERT INTO trunks(id, state, pending_op, seen_gen, "
				    "last_seen_ms, edited_ms, on_server, edited, %s) "
				    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, %s) ON CONFLICT(id) DO UPDATE "
				    "SET %spending_op = excluded.pending_op, "
				    "seen_gen = excluded.seen_gen, last_seen_ms = "
				    "excluded.last_seen_ms, edited_ms = excluded.edited_ms, "
				    "on_server = excluded.on_server, edited = excluded.edited, "
				    "%.*s%s",
				    names, ph,
				    v & SAVE_SAME_STATE ? "" : "state = excluded.state, ",
				    (int)(same_key ? head : strlen(excl)), excl,
				    same_key ? tail : "");
			}
			snprintf(
			    s->sql_pull, size,
			    "INSERT INTO trunks(id, seen_gen, last_seen_ms, on_server, %s) "
			    "VALUES(?, ?, ?, 1, %s) ON CONFLICT(id) DO UPDATE SET "
			    "seen_gen = excluded.seen_gen, last_seen_ms = excluded.last_seen_ms, "
			    "on_server = 1, %s",
			    names, ph, unedited);
			snprintf(s->sql_derived, size, "UPDATE trunks SET %s WHERE id = ?", assign);
		}
	}
	free(names);
	free(ph);
	free(excl);
	free(unedited);
	free(assign);
	return ok;
}

/* Built at the first write that needs them, not at every open: most opens only read. */
enum tc_status store_derived_ready(struct tc_store *s, struct tc_error *err)
{
	if ((s->sql_save[SAVE_VARIANTS - 1] && s->sql_pull && s->sql_derived) || build_sql(s))
		return TC_OK;
	return tc_error_set(err, TC_NOMEM, NULL);
}

/* version: the schema version check_identity read (it is read again under the write lock). */
static enum tc_status migrate(struct tc_store *s, int64_t version, struct tc_error *err)
{
	/*
	 * An up-to-date file is only read: taking the write lock at every open
	 * made the first screen wait for a sync in another process to commit.
	 */
	enum tc_status rc = TC_OK;
	if (version == TC_STORE_SCHEMA_VERSION) {
		char sig[1024];
		tc_store_derived_signature(sig, sizeof(sig));
		bool same = false, missing = false;
		rc = derived_current(s, sig, &same, err);
		if (rc == TC_OK && same) {
			int r = tc_store_sync_columns(s->db, false, &missing);
			if (r != SQLITE_OK)
				return store_db_fail(s, r, err, "read the field columns");
		}
		if (rc != TC_OK || (same && !missing))
			return rc;
	}
	if (rc == TC_OK && s->read_only)
		return tc_error_set(
		    err, TC_READ_ONLY,
		    "the local store %s needs upgrading for this trunkctl (schema %lld "
		    "to %d), which cannot be done: %s",
		    s->path, (long long)version, TC_STORE_SCHEMA_VERSION, s->read_only_why);
	if (rc == TC_OK)
		rc = tc_store_begin(s, err);
	if (rc != TC_OK)
		return rc;
	/* another process may have migrated while this one waited for the lock */
	rc = store_pragma_int(s, "PRAGMA user_version", &version, err);
	for (int64_t v = version; rc == TC_OK && v < TC_STORE_SCHEMA_VERSION; v++)
		rc = store_exec(s, tc_store_migrations[v], err);
	if (rc == TC_OK && version < TC_STORE_SCHEMA_VERSION) {
		char sql[96];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
		         TC_STORE_APPLICATION_ID, TC_STORE_SCHEMA_VERSION);
		rc = store_exec(s, sql, err);
	}
	bool added = false;
	if (rc == TC_OK) {
		int r = tc_store_sync_columns(s->db, true, &added);
		if (r != SQLITE_OK)
			rc = store_db_fail(s, r, err, "add field columns");
	}
	if (rc == TC_OK)
		rc = refresh_derived(s, added, err);
	if (rc == TC_OK)
		return tc_store_commit(s, err);
	tc_store_rollback(s);
	return rc;
}

enum tc_status store_set_cache_kib(struct tc_store *s, int64_t kib, struct tc_error *err)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%lld", (long long)kib);
	return store_exec(s, sql, err);
}

/* ---- what the data dir says about the store ---- */

/*
 * The marker is an ordinary file beside the store (not one of SQLite's),
 * written once the schema exists and holding the id the store keeps in its
 * meta table. SQLite takes a missing or zero-length database for a new one
 * (and deletes a WAL beside a zero-length one), so without this evidence a
 * store lost to a truncation or a careless copy would come back empty, every
 * queued edit with it, and nobody told.
 */
#define MARKER_SUFFIX ".id"
#define STORE_ID_BYTES 16
#define STORE_ID_LEN (2 * STORE_ID_BYTES)

/* Reads the marker's id into id (STORE_ID_LEN + 1 bytes; "" when unreadable). */
static bool marker_read(const char *path, char *id)
{
	id[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return errno != ENOENT;
	char buf[STORE_ID_LEN + 2];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (n >= STORE_ID_LEN && strspn(buf, "0123456789abcdef") >= STORE_ID_LEN) {
		memcpy(id, buf, STORE_ID_LEN);
		id[STORE_ID_LEN] = '\0';
	}
	return true;
}

/* Best effort: a store that works matters more than its safety net. */
static void marker_write(const char *path, const char *id)
{
	size_t len = strlen(path) + 8;
	char *tmp = malloc(len);
	if (!tmp)
		return;
	snprintf(tmp, len, "%s.XXXXXX", path);
	/* mkstemp's 0600; renamed into place so no reader sees half an id */
	int fd = mkstemp(tmp);
	if (fd >= 0) {
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		char line[STORE_ID_LEN + 2];
		int n = snprintf(line, sizeof(line), "%s\n", id);
		bool ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, path) != 0)
			unlink(tmp);
	}
	free(tmp);
}

/*
 * Refuses to let SQLite create a store over evidence that one was here: a
 * marker, or a WAL with data beside an empty database (SQLite would delete it).
 */
static enum tc_status check_not_lost(struct tc_store *s, bool existed, off_t size,
                                     struct tc_error *err)
{
	if (existed && size > 0)
		return TC_OK;
	const char *what = existed ? "empty" : "missing";
	char id[STORE_ID_LEN + 1];
	if (marker_read(s->marker, id))
		return tc_error_set(
		    err, TC_CORRUPT,
		    "the local store %s is %s, but %s shows that this data dir held a trunkctl "
		    "store%s%s%s: it was lost or truncated, and nothing was created in its place. "
		    "Restore %s from a backup; or, to start afresh with an empty store (edits "
		    "not yet sent are lost), remove %s",
		    s->path, what, s->marker, id[0] ? " (id " : "", id, id[0] ? ")" : "", s->path,
		    s->marker);
	char wal[PATH_MAX];
	struct stat st;
	snprintf(wal, sizeof(wal), "%s-wal", s->path);
	if (stat(wal, &st) == 0 && st.st_size > 0)
		return tc_error_set(
		    err, TC_CORRUPT,
		    "the local store %s is %s, but its write-ahead log %s holds %lld bytes that "
		    "SQLite would discard; nothing was changed. Restore %s from a backup; or, to "
		    "start afresh with an empty store, remove %s",
		    s->path, what, wal, (long long)st.st_size, s->path, wal);
	return TC_OK;
}

static void find_read_only(struct tc_store *s, const char *dir, bool requested, bool existed)
{
	const char *why = NULL;
	if (requested)
		why = "was opened read-only on request";
	else if (access(dir, W_OK) != 0)
		why = errno == EROFS ? "is on a read-only file system"
		                     : "is not writable by this user";
	else if (existed && access(s->path, W_OK) != 0)
		why = errno == EROFS ? "is on a read-only file system"
		                     : "holds a store file this user cannot write";
	if (!why)
		return;
	s->read_only = true;
	snprintf(s->read_only_why, sizeof(s->read_only_why), "the data dir %s %s", dir, why);
}

/* "file:" URI of path: every byte outside the unreserved set percent-encoded. */
static char *file_uri(const char *path, const char *query)
{
	size_t len = 5 + 3 * strlen(path) + strlen(query) + 1;
	char *uri = malloc(len);
	if (!uri)
		return NULL;
	char *o = uri + sprintf(uri, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
			*o++ = (char)*p;
		else
			o += sprintf(o, "%%%02X", *p);
	}
	strcpy(o, query);
	return uri;
}

/*
 * A WAL store opened read-only needs its -shm, which a reader cannot create
 * in a directory it cannot write (after the last writer closed, SQLite has
 * deleted it): then the file is read as immutable, which takes no locks and
 * ignores any WAL, so only what the last writer checkpointed is seen.
 */
static enum tc_status open_read_only(struct tc_store *s, struct tc_error *err)
{
	int r = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (r == SQLITE_OK)
		r = sqlite3_exec(s->db, "PRAGMA application_id", NULL, NULL, NULL);
	if ((r & 0xff) == SQLITE_READONLY || (r & 0xff) == SQLITE_CANTOPEN) {
		store_cache_clear(s);
		sqlite3_close_v2(s->db);
		s->db = NULL;
		char *uri = file_uri(s->path, "?immutable=1");
		if (!uri)
			return tc_error_set(err, TC_NOMEM, NULL);
		r = sqlite3_open_v2(uri, &s->db,
		                    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
		                    NULL);
		free(uri);
	}
	return r == SQLITE_OK || (r & 0xff) == SQLITE_NOTADB ? TC_OK
	                                                     : store_db_fail(s, r, err, "open");
}

static enum tc_status open_read_write(struct tc_store *s, bool existed, struct tc_error *err)
{
	int r =
	    sqlite3_open_v2(s->path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (r != SQLITE_OK)
		return store_db_fail(s, r, err, "open");
	/*
	 * SQLite creates the file 0644 (in the 0700 data dir) and gives the -wal
	 * and -shm the database's mode when it creates them, which comes later.
	 * chmod(2) opens no descriptor of the file: closing one would drop this
	 * process's locks on it (man/trunkctl.1, CONCURRENCY AND DURABILITY).
	 */
	if (!existed && chmod(s->path, 0600) != 0)
		return tc_error_set(err, TC_IO, "cannot set the mode of the local store %s: %s",
		                    s->path, strerror(errno));
	return TC_OK;
}

static enum tc_status new_store_id(char *id, struct tc_error *err)
{
	unsigned char rnd[STORE_ID_BYTES];
	size_t got = 0;
	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n < 0 && errno != EINTR)
			return tc_error_set(err, TC_IO, "no random bytes for the store's id: %s",
			                    strerror(errno));
		got += n > 0 ? (size_t)n : 0;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		sprintf(id + 2 * i, "%02x", rnd[i]);
	return TC_OK;
}

/*
 * Checks the store's id against the marker, and writes a missing marker.
 * Before the migration (assign false) only a store that has a schema is
 * read, so a replaced file is refused before anything writes to it; after
 * it (assign true), a store without an id is given one. version: the schema
 * version check_identity read. *have_id: the store had an id to check.
 */
static enum tc_status check_marker(struct tc_store *s, bool assign, int64_t version, bool *have_id,
                                   struct tc_error *err)
{
	char id[STORE_ID_LEN + 1] = "";
	enum tc_status rc = TC_OK;
	if (assign || version > 0)
		rc = store_meta_get(s, "store_id", NULL, id, sizeof(id), err);
	if (rc == TC_OK && assign && !id[0] && !s->read_only) {
		/* two processes opening a new store at once must agree on one id */
		rc = tc_store_begin(s, err);
		if (rc == TC_OK)
			rc = store_meta_get(s, "store_id", NULL, id, sizeof(id), err);
		if (rc == TC_OK && !id[0] && (rc = new_store_id(id, err)) == TC_OK)
			rc = store_meta_set(s, "store_id", id, NULL, err);
		rc = store_write_end(s, true, rc, err);
	}
	*have_id = rc == TC_OK && id[0];
	if (!*have_id)
		return rc;
	char marked[STORE_ID_LEN + 1];
	bool found = marker_read(s->marker, marked);
	if (found && marked[0] && strcmp(marked, id) != 0)
		return tc_error_set(
		    err, TC_CORRUPT,
		    "the local store %s is the store %s, but %s says this data dir held the store "
		    "%s: the file was replaced (by another data dir's copy, or by an empty store "
		    "after the first was lost). Nothing was changed. Restore the right file from a "
		    "backup; or, if this is the store you want here, remove %s",
		    s->path, id, s->marker, marked, s->marker);
	if (!s->read_only && (!found || !marked[0]))
		marker_write(s->marker, id);
	return TC_OK;
}

enum tc_status tc_store_open(const struct tc_store_options *o, struct tc_store **out,
                             struct tc_error *err)
{
	*out = NULL;
	if (!o || !o->dir || !*o->dir)
		return tc_error_set(err, TC_USAGE, "no data directory given for the local store");
	enum tc_status rc = tc_make_dirs(o->dir, "the data directory", err);
	if (rc != TC_OK)
		return rc;
	struct tc_store *s = calloc(1, sizeof(*s));
	if (!s)
		return tc_error_set(err, TC_NOMEM, NULL);
	s->clock = o->clock;
	s->busy_timeout_ms = o->busy_timeout_ms > 0 ? o->busy_timeout_ms : DEFAULT_BUSY_TIMEOUT_MS;
	const char *name = o->file_name ? o->file_name : TC_STORE_FILE_NAME;
	size_t len = strlen(o->dir) + strlen(name) + sizeof(MARKER_SUFFIX) + 1;
	s->path = malloc(len);
	s->marker = malloc(len);
	if (!s->path || !s->marker) {
		tc_store_close(s);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	snprintf(s->path, len, "%s/%s", o->dir, name);
	snprintf(s->marker, len, "%s/%s" MARKER_SUFFIX, o->dir, name);

	/*
	 * Only SQLite opens the database, its -wal and -shm: closing any other
	 * descriptor of the file would drop every POSIX lock this process holds
	 * on it (the sync worker's connection, a second tc_store), and another
	 * process's last close would then delete the WAL under them. stat(2),
	 * access(2) and chmod(2) take no descriptor.
	 */
	struct stat st;
	bool existed = stat(s->path, &st) == 0;
	rc = check_not_lost(s, existed, existed ? st.st_size : 0, err);
	if (rc == TC_OK)
		find_read_only(s, o->dir, o->read_only, existed);
	if (rc == TC_OK && s->read_only && !existed)
		rc = tc_error_set(err, TC_IO, "there is no local store %s to read: %s", s->path,
		                  s->read_only_why);
	if (rc == TC_OK)
		rc = s->read_only ? open_read_only(s, err) : open_read_write(s, existed, err);
	if (rc == TC_OK) {
		sqlite3_busy_timeout(s->db, s->busy_timeout_ms);
		sqlite3_extended_result_codes(s->db, 1);
		int r = store_filter_register(s->db);
		rc = r == SQLITE_OK ? TC_OK : store_db_fail(s, r, err, "open");
	}
	/*
	 * Before anything reads the schema: changing temp_store throws the
	 * parsed schema away, and the next statement parsed it all again.
	 */
	if (rc == TC_OK)
		rc = store_exec(s, "PRAGMA temp_store = MEMORY", err);
	int64_t version = 0;
	if (rc == TC_OK)
		rc = check_identity(s, &version, err);
	/*
	 * 8 MiB of page cache (SQLite's default is 2) holds the indexes a pull
	 * page writes at 100,000 trunks, which halved its reads; sorts for a
	 * window by an unindexed column stay in memory rather than in a temporary
	 * file (0.9 -> 0.5 s deep in 100,000 trunks). A filter's read of
	 * search_blocks does not go through it (SCAN_CACHE_KIB in store_query.c):
	 * a cache that held them between keys made the TUI hold them all.
	 */
	if (rc == TC_OK && !s->read_only)
		rc = store_exec(s, "PRAGMA journal_mode = WAL", err);
	if (rc == TC_OK)
		rc = store_exec(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", err);
	if (rc == TC_OK)
		rc = store_set_cache_kib(s, o->cache_kib > 0 ? o->cache_kib : DEFAULT_CACHE_KIB,
		                         err);
	bool have_id = false;
	if (rc == TC_OK)
		rc = check_marker(s, false, version, &have_id, err);
	if (rc == TC_OK)
		rc = migrate(s, version, err);
	if (rc == TC_OK && !have_id)
		rc = check_marker(s, true, version, &have_id, err);
	if (rc != TC_OK) {
		tc_store_close(s);
		return rc;
	}
	*out = s;
	return TC_OK;
}

void tc_store_close(struct tc_store *s)
{
	if (!s)
		return;
	if (s->db) {
		tc_store_rollback(s);
		store_cache_clear(s);
		sqlite3_close_v2(s->db);
	}
	free(s->path);
	free(s->marker);
	for (int v = 0; v < SAVE_VARIANTS; v++)
		free(s->sql_save[v]);
	free(s->sql_pull);
	free(s->sql_derived);
	free(s->upkeep_blocks);
	free(s);
}

const char *tc_store_path(const struct tc_store *s)
{
	return s->path;
}

const char *tc_store_read_only_reason(const struct tc_store *s)
{
	return s->read_only ? s->read_only_why : NULL;
}

int64_t tc_store_now(const struct tc_store *s)
{
	return tc_clock_now(&s->clock);
}

int tc_store_schema_version(struct tc_store *s)
{
	int64_t v = 0;
	store_pragma_int(s, "PRAGMA user_version", &v, NULL);
	return (int)v;
}
