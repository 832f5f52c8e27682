#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_fixture.h"
#include "trunkctl/store.h"

static char dir[64];
static struct fake_clock clk = {1700000000000};
static struct tc_store *store;
static struct tc_error err;

static struct tc_store_options options(void)
{
	return (struct tc_store_options){
	    .dir = dir, .clock = {fake_now, &clk}, .busy_timeout_ms = 10000};
}

static void setup(void)
{
	make_tmpdir(dir, sizeof(dir));
	tc_error_init(&err);
	struct tc_store_options o = options();
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
}

static void teardown(void)
{
	tc_store_close(store);
	tc_error_clear(&err);
	rm_tree(dir);
}

TestSuite(store, .init = setup, .fini = teardown, .timeout = 120);

static char *store_file(void)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, TC_STORE_FILE_NAME);
	return path;
}

/* ---- opening, modes, foreign and damaged files ---- */

Test(store, creates_dir_0700_and_file_0600_and_reopens)
{
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	struct tc_store_options o = options();
	o.dir = sub;
	struct tc_store *s2;
	cr_assert_eq(tc_store_open(&o, &s2, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_schema_version(s2), TC_STORE_SCHEMA_VERSION);
	struct stat st;
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(stat(tc_store_path(s2), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	struct tc_trunk *t = sample_trunk("kept", "10.0.0.1");
	cr_assert_eq(tc_store_create_local(s2, "local-1", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	tc_store_close(s2);

	cr_assert_eq(tc_store_open(&o, &s2, &err), TC_OK, "%s", err.message);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(s2, "local-1", &rec, &err), TC_OK);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "kept");
	tc_trunk_record_destroy(rec);
	/* the WAL files follow the database's mode */
	char wal[256];
	snprintf(wal, sizeof(wal), "%s-wal", tc_store_path(s2));
	if (stat(wal, &st) == 0)
		cr_assert_eq(st.st_mode & 0777, 0600);
	tc_store_close(s2);
}

static void assert_refused_untouched(const char *content, size_t len, const char *why)
{
	tc_store_close(store);
	store = NULL;
	write_all(store_file(), content, len);
	struct tc_store_options o = options();
	struct tc_store *s2 = NULL;
	cr_assert_eq(tc_store_open(&o, &s2, &err), TC_CORRUPT, "%s: %s", why, err.message);
	cr_assert_null(s2);
	cr_assert(strstr(err.message, store_file()), "message names the file: %s", err.message);
	size_t n;
	char *after = read_all(store_file(), &n);
	cr_assert_eq(n, len, "%s: file size changed", why);
	cr_assert_eq(memcmp(after, content, len), 0, "%s: file changed", why);
	free(after);
}

Test(store, a_file_that_is_not_a_database_is_refused_and_left_alone)
{
	static const char text[] = "[default]\napi_url = https://api.somleng.org\n"
	                           "this is somebody's config file, not a database\n";
	assert_refused_untouched(text, sizeof(text) - 1, "text file");
}

static char *build_db(const char *sql, size_t *len)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/other.db", dir);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	char *data = read_all(path, len);
	unlink(path);
	return data;
}

Test(store, a_foreign_sqlite_file_is_refused_and_left_alone)
{
	size_t len;
	char *data =
	    build_db("CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES('mine');", &len);
	assert_refused_untouched(data, len, "foreign, no application_id");
	free(data);
	data = build_db("PRAGMA application_id = 1234; CREATE TABLE x(y);", &len);
	assert_refused_untouched(data, len, "foreign application_id");
	free(data);
}

Test(store, a_newer_schema_is_refused_and_left_alone)
{
	size_t len;
	char sql[128];
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
	         TC_STORE_APPLICATION_ID, TC_STORE_SCHEMA_VERSION + 1);
	char *data = build_db(sql, &len);
	assert_refused_untouched(data, len, "newer schema");
	free(data);
}

Test(store, a_damaged_store_is_refused_and_left_alone)
{
	/* enough rows for several b-tree pages, then garbage over the middle of the file */
	cr_assert_eq(tc_store_begin(store, &err), TC_OK);
	for (int i = 0; i < 400; i++) {
		char id[32], name[64];
		snprintf(id, sizeof(id), "local-%04d", i);
		snprintf(name, sizeof(name), "trunk number %d with a long name", i);
		struct tc_trunk *t = sample_trunk(name, "10.1.1.1");
		cr_assert_eq(tc_store_create_local(store, id, t, &err), TC_OK, "%s", err.message);
		tc_trunk_destroy(t);
	}
	cr_assert_eq(tc_store_commit(store, &err), TC_OK);
	tc_store_close(store); /* checkpoints the WAL into the file */
	store = NULL;
	size_t len;
	char *data = read_all(store_file(), &len);
	cr_assert_gt(len, 16384);
	for (size_t i = 4096 + 100; i < len - 4096; i += 7)
		data[i] = (char)(i * 31);
	assert_refused_untouched(data, len, "scribbled pages");
	free(data);
}

/* ---- local edits and their outbox entries ---- */

static size_t outbox_count(struct tc_store *s)
{
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(s, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	size_t n = l.count;
	tc_outbox_list_finish(&l);
	return n;
}

Test(store, an_edit_and_its_outbox_entry_commit_together)
{
	struct tc_store_options o = options();
	struct tc_store *other;
	cr_assert_eq(tc_store_open(&o, &other, &err), TC_OK);
	struct tc_trunk *t = sample_trunk("a", "10.0.0.1");

	/* inside an open transaction the other connection sees neither half */
	cr_assert_eq(tc_store_begin(store, &err), TC_OK);
	cr_assert_eq(tc_store_create_local(store, "local-a", t, &err), TC_OK);
	cr_assert_eq(outbox_count(store), 1);
	cr_assert_eq(outbox_count(other), 0);
	struct tc_store_counts c;
	cr_assert_eq(tc_store_counts(other, &c, &err), TC_OK);
	cr_assert_eq(c.trunks, 0);
	tc_store_rollback(store);
	cr_assert_eq(outbox_count(store), 0);
	cr_assert_eq(tc_store_counts(store, &c, &err), TC_OK);
	cr_assert_eq(c.trunks, 0);

	/* on its own, the edit is committed, both halves, when the call returns */
	cr_assert_eq(tc_store_create_local(store, "local-a", t, &err), TC_OK);
	cr_assert_eq(outbox_count(other), 1);
	cr_assert_eq(tc_store_counts(other, &c, &err), TC_OK);
	cr_assert_eq(c.trunks, 1);
	cr_assert_eq(c.queued, 1);
	tc_trunk_destroy(t);
	tc_store_close(other);
}

Test(store, local_ids_must_be_local_and_unique)
{
	struct tc_trunk *t = sample_trunk("a", "10.0.0.1");
	cr_assert_eq(tc_store_create_local(store, "5f0c7a3e", t, &err), TC_USAGE);
	cr_assert_eq(tc_store_create_local(store, "local-x", t, &err), TC_OK);
	cr_assert_eq(tc_store_create_local(store, "local-x", t, &err), TC_USAGE);
	cr_assert_eq(outbox_count(store), 1);
	tc_trunk_destroy(t);
}

/*
 * Coalescing, table-driven. Steps: S pull a synced server trunk named "base";
 * C create it locally as "n0"; N rename to the next nK; M set max_channels;
 * B rename back to the starting name; D delete; F mark the first entry in
 * flight; J reject the first entry. Expect: the outbox as
 * "op[!in flight|?rejected][(name of a create)|:changed fields]" joined by
 * ';', then '|' and the trunk's state ("gone" when it no longer exists).
 */
struct coalesce_case {
	char steps[16];
	char expect[96];
};

ParameterizedTestParameters(coalesce, table)
{
	static struct coalesce_case cases[] = {
	    {"C", "create(n0)|pending"},
	    {"CNN", "create(n2)|pending"},
	    {"CD", "|gone"},
	    {"CNMD", "|gone"},
	    {"CB", "create(n0)|pending"},
	    {"SN", "update:name|pending"},
	    {"SNM", "update:name,max_channels|pending"},
	    {"SNB", "|synced"},
	    {"SNMB", "update:max_channels|pending"},
	    {"SND", "delete|pending"},
	    {"SD", "delete|pending"},
	    {"CFN", "create!(n0);update:name|pending"},
	    {"CFD", "create!(n0);delete|pending"},
	    {"SNFM", "update!:name;update:max_channels|pending"},
	    {"SNJ", "update?:name|rejected"},
	    {"SNJM", "update:name,max_channels|pending"},
	    {"CJN", "create(n1)|pending"},
	    {"SNFD", "update!:name;delete|pending"},
	};
	return cr_make_param_array(struct coalesce_case, cases, sizeof(cases) / sizeof(cases[0]));
}

static void describe_outbox(struct tc_store *s, const char *id, char *out, size_t size)
{
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(s, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < l.count; i++) {
		const struct tc_outbox_entry *e = &l.items[i];
		used += (size_t)snprintf(out + used, size - used, "%s%s%s", i ? ";" : "",
		                         tc_outbox_op_name(e->op),
		                         e->state == TC_OUTBOX_IN_FLIGHT  ? "!"
		                         : e->state == TC_OUTBOX_REJECTED ? "?"
		                                                          : "");
		if (e->op == TC_OP_CREATE) {
			used += (size_t)snprintf(out + used, size - used, "(%s)",
			                         tc_trunk_string(e->payload, TC_F_NAME));
		} else if (e->op == TC_OP_UPDATE) {
			const char *sep = ":";
			for (int f = 0; f < TC_FIELD_COUNT; f++)
				if (e->payload->values[f].state != TC_V_ABSENT) {
					used += (size_t)snprintf(out + used, size - used, "%s%s",
					                         sep, tc_field(f)->key);
					sep = ",";
				}
		}
	}
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_store_get(s, id, &rec, &err);
	snprintf(out + used, size - used, "|%s",
	         rc == TC_NOT_FOUND ? "gone" : tc_sync_state_name(rec->state));
	tc_trunk_record_destroy(rec);
	tc_outbox_list_finish(&l);
}

static void edit(const char *id, void (*change)(struct tc_trunk *, int), int arg)
{
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, id, &rec, &err), TC_OK);
	struct tc_trunk *t = tc_trunk_dup(rec->current);
	change(t, arg);
	cr_assert_eq(
	    tc_store_update_local(store, id, &(struct tc_store_edit){.changes = t}, NULL, &err),
	    TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	tc_trunk_record_destroy(rec);
}

static void rename_to(struct tc_trunk *t, int n)
{
	char name[16];
	if (n < 0)
		snprintf(name, sizeof(name), "base");
	else
		snprintf(name, sizeof(name), "n%d", n);
	tc_trunk_set_string(t, TC_F_NAME, name);
}

static void set_channels(struct tc_trunk *t, int n)
{
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, n);
}

static int64_t first_seq(void)
{
	return first_outbox_seq(store);
}

static void pull_one(struct tc_trunk *t)
{
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, &t, 1, &err), TC_OK, "%s", err.message);
}

ParameterizedTest(struct coalesce_case *c, coalesce, table, .init = setup, .fini = teardown)
{
	const char *id = c->steps[0] == 'S' ? "srv-1" : "local-1";
	int renamed = 0;
	for (const char *p = c->steps; *p; p++) {
		switch (*p) {
		case 'S': {
			struct tc_trunk *t = server_trunk("srv-1", "base", "10.0.0.1");
			pull_one(t);
			tc_trunk_destroy(t);
			break;
		}
		case 'C': {
			struct tc_trunk *t = sample_trunk("n0", "10.0.0.1");
			cr_assert_eq(tc_store_create_local(store, id, t, &err), TC_OK);
			tc_trunk_destroy(t);
			break;
		}
		case 'N':
			edit(id, rename_to, ++renamed);
			break;
		case 'B':
			edit(id, rename_to, c->steps[0] == 'S' ? -1 : 0);
			break;
		case 'M':
			edit(id, set_channels, 5);
			break;
		case 'D':
			cr_assert_eq(tc_store_delete_local(store, id, &err), TC_OK, "%s",
			             err.message);
			break;
		case 'F':
			cr_assert_eq(tc_store_outbox_begin_send(store, first_seq(), &err), TC_OK);
			break;
		case 'J': {
			struct tc_field_errors fe = {0};
			tc_field_errors_add(&fe, TC_F_NAME, -1, TC_SEV_ERROR,
			                    "/data/attributes/name", "must be filled", NULL);
			int64_t seq = first_seq();
			cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
			cr_assert_eq(tc_store_outbox_reject(store, seq, &fe, "rejected", &err),
			             TC_OK);
			tc_field_errors_finish(&fe);
			break;
		}
		}
	}
	char got[256];
	describe_outbox(store, id, got, sizeof(got));
	cr_assert_str_eq(got, c->expect, "steps %s", c->steps);
}

Test(store, a_rejection_keeps_field_errors_until_the_next_edit)
{
	struct tc_trunk *t = server_trunk("srv-1", "base", "10.0.0.1");
	pull_one(t);
	tc_trunk_destroy(t);
	edit("srv-1", rename_to, 1);
	struct tc_field_errors fe = {0};
	tc_field_errors_add_rule(&fe, TC_F_INBOUND_SOURCE_IPS, -1, TC_SEV_ERROR,
	                         "/data/attributes/inbound_source_ips",
	                         "contains invalid IP address: 10.0.0.256", NULL);
	int64_t seq = first_seq();
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
	cr_assert_eq(tc_store_outbox_reject(store, seq, &fe, "the server rejected it", &err),
	             TC_OK);
	tc_field_errors_finish(&fe);

	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "srv-1", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_REJECTED);
	cr_assert_eq(rec->errors.count, 1);
	cr_assert_eq(rec->errors.items[0].field, TC_F_INBOUND_SOURCE_IPS);
	cr_assert(rec->errors.items[0].rule);
	cr_assert_str_eq(rec->errors.items[0].title, "contains invalid IP address: 10.0.0.256");
	cr_assert_str_eq(rec->last_error, "the server rejected it");
	tc_trunk_record_destroy(rec);

	struct tc_outbox_list due;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_DUE, clk.now, &due, &err), TC_OK);
	cr_assert_eq(due.count, 0, "a rejected entry is not sent again by itself");
	tc_outbox_list_finish(&due);

	edit("srv-1", rename_to, 2);
	cr_assert_eq(tc_store_get(store, "srv-1", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_PENDING);
	cr_assert_eq(rec->errors.count, 0);
	tc_trunk_record_destroy(rec);
}

/* ---- the sync engine's side ---- */

Test(store, the_server_document_is_kept_from_pulls_and_pushes)
{
	struct tc_trunk *t = server_trunk("srv-1", "one", "10.0.0.1");
	set_document(t, "{\"v\":1}");
	pull_one(t);
	char *doc = NULL;
	cr_assert_eq(tc_store_document(store, "srv-1", &doc, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(doc, "{\"v\":1}");
	free(doc);

	/* an update's answer replaces it, in the transaction that takes the answer */
	edit("srv-1", rename_to, 1);
	int64_t seq = first_seq();
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
	tc_trunk_set_string(t, TC_F_NAME, "n1");
	set_document(t, "{\"v\":2}");
	cr_assert_eq(tc_store_outbox_done(store, seq, t, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_document(store, "srv-1", &doc, &err), TC_OK);
	cr_assert_str_eq(doc, "{\"v\":2}");
	free(doc);
	set_document(t, "{\"v\":3}");
	pull_one(t);
	cr_assert_eq(tc_store_document(store, "srv-1", &doc, &err), TC_OK);
	cr_assert_str_eq(doc, "{\"v\":3}");
	free(doc);
	tc_trunk_destroy(t);

	struct tc_trunk *n = sample_trunk("new", "10.0.0.2");
	cr_assert_eq(tc_store_create_local(store, "local-n", n, &err), TC_OK);
	tc_trunk_destroy(n);
	doc = (char *)"untouched";
	cr_assert_eq(tc_store_document(store, "local-n", &doc, &err), TC_OK, "%s", err.message);
	cr_assert_null(doc, "a create not pushed has no server document");
	cr_assert_eq(tc_store_document(store, "srv-none", &doc, &err), TC_NOT_FOUND);
}

Test(store, a_pushed_create_moves_to_the_server_id_and_rebases_later_updates)
{
	struct tc_trunk *t = sample_trunk("n0", "10.0.0.1");
	cr_assert_eq(tc_store_create_local(store, "local-1", t, &err), TC_OK);
	tc_trunk_destroy(t);
	int64_t seq = first_seq();
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
	edit("local-1", rename_to, 1);
	edit("local-1", set_channels, 9);

	/* a pull during the request already brought the new trunk in */
	struct tc_trunk *srv = server_trunk("srv-new", "n0", "10.0.0.1");
	pull_one(srv);
	cr_assert_eq(tc_store_outbox_done(store, seq, srv, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(srv);

	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "local-1", &rec, &err), TC_NOT_FOUND);
	char *moved = NULL;
	cr_assert_eq(tc_store_server_id(store, "local-1", &moved, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(moved, "srv-new", "the move is recorded with it");
	free(moved);
	cr_assert_eq(tc_store_server_id(store, "local-2", &moved, &err), TC_NOT_FOUND);
	cr_assert_null(moved);
	cr_assert_eq(tc_store_get(store, "srv-new", &rec, &err), TC_OK);
	cr_assert_eq(rec->pending, TC_OP_UPDATE);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "n1");
	cr_assert_str_eq(rec->current->id, "srv-new");
	cr_assert_str_eq(tc_trunk_string(rec->base, TC_F_NAME), "n0");
	tc_trunk_record_destroy(rec);
	struct tc_store_counts c;
	cr_assert_eq(tc_store_counts(store, &c, &err), TC_OK);
	cr_assert_eq(c.trunks, 1, "no duplicate of the created trunk");

	struct tc_outbox_list due;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_DUE, clk.now, &due, &err), TC_OK);
	cr_assert_eq(due.count, 1);
	cr_assert_str_eq(due.items[0].trunk_id, "srv-new");
	cr_assert_eq(due.items[0].op, TC_OP_UPDATE);
	cr_assert_str_eq(tc_trunk_string(due.items[0].base, TC_F_NAME), "n0");
	cr_assert_eq(due.items[0].payload->values[TC_F_MAX_CHANNELS].i, 9);
	cr_assert_str_eq(tc_trunk_string(due.items[0].payload, TC_F_NAME), "n1");
	cr_assert_eq(due.items[0].payload->values[TC_F_REGION].state, TC_V_ABSENT);

	cr_assert_eq(tc_store_outbox_begin_send(store, due.items[0].seq, &err), TC_OK);
	struct tc_trunk *after = server_trunk("srv-new", "n1", "10.0.0.1");
	tc_trunk_set_int(after, TC_F_MAX_CHANNELS, 9);
	cr_assert_eq(tc_store_outbox_done(store, due.items[0].seq, after, &err), TC_OK);
	tc_trunk_destroy(after);
	tc_outbox_list_finish(&due);
	cr_assert_eq(tc_store_get(store, "srv-new", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	cr_assert_null(rec->local);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(outbox_count(store), 0);
}

Test(store, due_entries_respect_order_backoff_and_blocked_trunks)
{
	for (int i = 0; i < 3; i++) {
		char id[16], name[16];
		snprintf(id, sizeof(id), "local-%d", i);
		snprintf(name, sizeof(name), "t%d", i);
		struct tc_trunk *t = sample_trunk(name, "10.0.0.1");
		cr_assert_eq(tc_store_create_local(store, id, t, &err), TC_OK);
		tc_trunk_destroy(t);
	}
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_DUE, clk.now, &l, &err), TC_OK);
	cr_assert_eq(l.count, 3);
	int64_t s0 = l.items[0].seq, s1 = l.items[1].seq;
	cr_assert_lt(s0, s1);
	tc_outbox_list_finish(&l);

	cr_assert_eq(tc_store_outbox_begin_send(store, s0, &err), TC_OK);
	cr_assert_eq(tc_store_outbox_begin_send(store, s1, &err), TC_OK);
	cr_assert_eq(tc_store_outbox_retry_later(store, s1, clk.now + 30000, "HTTP 503", &err),
	             TC_OK);
	edit("local-0", rename_to, 7); /* queued behind the entry in flight */
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_DUE, clk.now, &l, &err), TC_OK);
	cr_assert_eq(l.count, 1, "in flight blocks its trunk, backoff delays the other");
	cr_assert_str_eq(l.items[0].trunk_id, "local-2");
	tc_outbox_list_finish(&l);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "local-1", &rec, &err), TC_OK);
	cr_assert_str_eq(rec->last_error, "HTTP 503");
	tc_trunk_record_destroy(rec);

	clk.now += 30000;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_DUE, clk.now, &l, &err), TC_OK);
	cr_assert_eq(l.count, 2);
	tc_outbox_list_finish(&l);

	/* after a crash: the entry left in flight is found and put back */
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_INFLIGHT, 0, &l, &err), TC_OK);
	cr_assert_eq(l.count, 1);
	cr_assert_eq(l.items[0].seq, s0);
	cr_assert_eq(l.items[0].attempts, 1);
	tc_outbox_list_finish(&l);
	cr_assert_eq(tc_store_outbox_requeue(store, s0, &err), TC_OK);
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_DUE, clk.now, &l, &err), TC_OK);
	cr_assert_eq(l.count, 3);
	tc_outbox_list_finish(&l);
}

/* The pull encodes bases off the store's thread: what is kept must not depend on where. */
Test(store, a_page_with_its_bases_encoded_before_is_stored_the_same)
{
	struct tc_trunk *a = server_trunk("srv-a", "a", "10.0.0.1");
	struct tc_trunk *b = server_trunk("srv-b", "b", "10.0.0.2");
	char *bases[] = {tc_store_encode_base(b)};
	cr_assert_not_null(bases[0]);
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, &a, 1, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_pull_page_encoded(store, gen, &b, bases, 1, &err), TC_OK, "%s",
	             err.message);
	struct tc_trunk_record *ra, *rb;
	cr_assert_eq(tc_store_get(store, "srv-a", &ra, &err), TC_OK);
	cr_assert_eq(tc_store_get(store, "srv-b", &rb, &err), TC_OK);
	char *ja = tc_store_encode_base(ra->base), *jb = tc_store_encode_base(rb->base);
	char *want_a = tc_store_encode_base(a);
	cr_assert_str_eq(ja, want_a);
	cr_assert_str_eq(jb, bases[0]);
	cr_assert_eq(rb->state, ra->state);
	cr_assert_eq(rb->pending, ra->pending);
	free(ja);
	free(jb);
	free(want_a);
	free(bases[0]);
	tc_trunk_record_destroy(ra);
	tc_trunk_record_destroy(rb);
	tc_trunk_destroy(a);
	tc_trunk_destroy(b);
}

/* The pull's writer batches pages in a transaction: a failing page must not take the others. */
Test(store, a_page_failing_inside_a_transaction_is_undone_alone)
{
	struct tc_trunk *a = server_trunk("srv-a", "a", "10.0.0.1");
	struct tc_trunk *b = server_trunk("srv-b", "b", "10.0.0.2");
	struct tc_trunk *no_id = sample_trunk("c", "10.0.0.3");
	struct tc_trunk *first[] = {a}, *second[] = {b, no_id};
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_begin(store, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, first, 1, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, second, 2, &err), TC_USAGE);
	tc_error_clear(&err);
	cr_assert_eq(tc_store_pull_page(store, gen, first, 1, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_commit(store, &err), TC_OK, "%s", err.message);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "srv-a", &rec, &err), TC_OK);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_store_get(store, "srv-b", &rec, &err), TC_NOT_FOUND,
	             "the failed page's first trunk was undone with it");
	tc_error_clear(&err);
	tc_trunk_destroy(a);
	tc_trunk_destroy(b);
	tc_trunk_destroy(no_id);
}

/*
 * A pull counts the trunks it added or changed, not those the server sent
 * as they were: the TUI lints again only after a pull that changed one.
 */
Test(store, a_pull_counts_the_trunks_it_changed)
{
	struct tc_trunk *a = server_trunk("srv-a", "a", "10.0.0.1");
	struct tc_trunk *b = server_trunk("srv-b", "b", "10.0.0.2");
	struct tc_trunk *all[] = {a, b};
	int64_t gen;
	struct tc_pull_result res;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, all, 2, &err), TC_OK);
	cr_assert_eq(tc_store_pull_finish(store, gen, &res, &err), TC_OK);
	cr_expect_eq(res.changed, 2, "both are new");

	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, all, 2, &err), TC_OK);
	cr_assert_eq(tc_store_pull_finish(store, gen, &res, &err), TC_OK);
	cr_expect_eq(res.changed, 0, "the same trunks again");

	cr_assert_eq(tc_trunk_set_string(b, TC_F_NAME, "b2"), TC_OK);
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, all, 2, &err), TC_OK);
	cr_assert_eq(tc_store_pull_finish(store, gen, &res, &err), TC_OK);
	cr_expect_eq(res.changed, 1, "b was renamed on the server");
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "srv-b", &rec, &err), TC_OK);
	cr_expect_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "b2");
	tc_trunk_record_destroy(rec);
	tc_trunk_destroy(a);
	tc_trunk_destroy(b);
}

Test(store, a_pull_removes_vanished_trunks_or_flags_local_edits)
{
	struct tc_trunk *a = server_trunk("srv-a", "a", "10.0.0.1");
	struct tc_trunk *b = server_trunk("srv-b", "b", "10.0.0.2");
	struct tc_trunk *c = server_trunk("srv-c", "c", "10.0.0.3");
	struct tc_trunk *all[] = {a, b, c};
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, all, 3, &err), TC_OK);
	struct tc_pull_result res;
	cr_assert_eq(tc_store_pull_finish(store, gen, &res, &err), TC_OK);
	cr_assert_eq(res.removed, 0);
	struct tc_trunk *n = sample_trunk("new", "10.0.0.4");
	cr_assert_eq(tc_store_create_local(store, "local-n", n, &err), TC_OK);
	tc_trunk_destroy(n);
	edit("srv-b", rename_to, 1);
	cr_assert_eq(tc_store_delete_local(store, "srv-c", &err), TC_OK);

	/* the server now has only a */
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, all, 1, &err), TC_OK);
	cr_assert_eq(tc_store_pull_finish(store, gen, &res, &err), TC_OK);
	cr_assert_eq(res.removed, 1, "c: its queued delete is moot");
	cr_assert_eq(res.conflicts, 1, "b: edited here, deleted there");
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "srv-c", &rec, &err), TC_NOT_FOUND);
	cr_assert_eq(tc_store_get(store, "local-n", &rec, &err), TC_OK, "local creates stay");
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_store_get(store, "srv-b", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert_not_null(rec->conflict);
	cr_assert_null(rec->conflict->theirs);
	cr_assert_str_eq(tc_trunk_string(rec->conflict->mine, TC_F_NAME), "n1");
	cr_assert_str_eq(tc_trunk_string(rec->conflict->base, TC_F_NAME), "b");
	tc_trunk_record_destroy(rec);
	cr_assert_eq(outbox_count(store), 2);

	/* a second pull does not count the same conflict again */
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, all, 1, &err), TC_OK);
	cr_assert_eq(tc_store_pull_finish(store, gen, &res, &err), TC_OK);
	cr_assert_eq(res.conflicts, 0);

	/* recreate it from the local version */
	struct tc_trunk *mine = sample_trunk("n1", "10.0.0.2");
	cr_assert_eq(tc_store_resolve(store, "srv-b", mine, "local-b2", &err), TC_OK, "%s",
	             err.message);
	tc_trunk_destroy(mine);
	cr_assert_eq(tc_store_get(store, "srv-b", &rec, &err), TC_NOT_FOUND);
	cr_assert_eq(tc_store_get(store, "local-b2", &rec, &err), TC_OK);
	cr_assert_eq(rec->pending, TC_OP_CREATE);
	tc_trunk_record_destroy(rec);
	struct tc_store_sync_meta meta;
	cr_assert_eq(tc_store_sync_meta(store, &meta, &err), TC_OK);
	cr_assert_eq(meta.last_pull_ms, clk.now);
	tc_trunk_destroy(a);
	tc_trunk_destroy(b);
	tc_trunk_destroy(c);
}

Test(store, a_field_conflict_is_kept_and_resolved)
{
	struct tc_trunk *t = server_trunk("srv-1", "base", "10.0.0.1");
	pull_one(t);
	edit("srv-1", rename_to, 1);
	edit("srv-1", set_channels, 4);
	int64_t seq = first_seq();
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
	struct tc_trunk *theirs = tc_trunk_dup(t);
	tc_trunk_set_string(theirs, TC_F_NAME, "theirs");
	bool fields[TC_FIELD_COUNT] = {false};
	fields[TC_F_NAME] = true;
	cr_assert_eq(tc_store_outbox_conflict(store, seq, theirs, fields, &err), TC_OK);

	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "srv-1", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert(rec->conflict->fields[TC_F_NAME]);
	cr_assert_not(rec->conflict->fields[TC_F_MAX_CHANNELS]);
	cr_assert_str_eq(tc_trunk_string(rec->conflict->theirs, TC_F_NAME), "theirs");
	cr_assert_str_eq(tc_trunk_string(rec->conflict->mine, TC_F_NAME), "n1");
	cr_assert_str_eq(tc_trunk_string(rec->conflict->base, TC_F_NAME), "base");
	struct tc_trunk *merged = tc_trunk_dup(rec->current);
	tc_trunk_record_destroy(rec);

	/* edits are refused until it is resolved */
	cr_assert_eq(tc_store_update_local(store, "srv-1",
	                                   &(struct tc_store_edit){.changes = merged}, NULL, &err),
	             TC_CONFLICT);
	cr_assert_eq(tc_store_delete_local(store, "srv-1", &err), TC_CONFLICT);

	/* take their name, keep my channels */
	tc_trunk_set_string(merged, TC_F_NAME, "theirs");
	cr_assert_eq(tc_store_resolve(store, "srv-1", merged, NULL, &err), TC_OK, "%s",
	             err.message);
	tc_trunk_destroy(merged);
	cr_assert_eq(tc_store_get(store, "srv-1", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_PENDING);
	cr_assert_null(rec->conflict);
	cr_assert_str_eq(tc_trunk_string(rec->base, TC_F_NAME), "theirs");
	tc_trunk_record_destroy(rec);
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	cr_assert_eq(l.count, 1);
	cr_assert_eq(l.items[0].op, TC_OP_UPDATE);
	cr_assert_eq(l.items[0].payload->values[TC_F_NAME].state, TC_V_ABSENT);
	cr_assert_eq(l.items[0].payload->values[TC_F_MAX_CHANNELS].i, 4);
	tc_outbox_list_finish(&l);
	cr_assert_eq(tc_store_resolve(store, "srv-1", t, NULL, &err), TC_USAGE);
	tc_trunk_destroy(t);
	tc_trunk_destroy(theirs);
}

Test(store, discard_returns_to_the_server_version)
{
	struct tc_trunk *t = server_trunk("srv-1", "base", "10.0.0.1");
	pull_one(t);
	tc_trunk_destroy(t);
	edit("srv-1", rename_to, 1);
	cr_assert_eq(tc_store_discard(store, "srv-1", &err), TC_OK);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "srv-1", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "base");
	tc_trunk_record_destroy(rec);

	/* an entry in flight stays; the rest goes */
	edit("srv-1", rename_to, 2);
	cr_assert_eq(tc_store_outbox_begin_send(store, first_seq(), &err), TC_OK);
	edit("srv-1", set_channels, 3);
	cr_assert_eq(tc_store_discard(store, "srv-1", &err), TC_BUSY);
	cr_assert_eq(outbox_count(store), 1);
	cr_assert_eq(tc_store_get(store, "srv-1", &rec, &err), TC_OK);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "n2");
	cr_assert_eq(rec->current->values[TC_F_MAX_CHANNELS].state, TC_V_ABSENT);
	tc_trunk_record_destroy(rec);

	struct tc_trunk *n = sample_trunk("new", "10.0.0.4");
	cr_assert_eq(tc_store_create_local(store, "local-n", n, &err), TC_OK);
	tc_trunk_destroy(n);
	cr_assert_eq(tc_store_discard(store, "local-n", &err), TC_OK);
	cr_assert_eq(tc_store_get(store, "local-n", &rec, &err), TC_NOT_FOUND);
}

Test(store, the_journal_keeps_before_values_masked_and_who_sent_it)
{
	struct tc_trunk *after = tc_trunk_new(), *before = tc_trunk_new();
	tc_trunk_set_string(after, TC_F_PASSWORD, "new-secret");
	tc_trunk_set_int(after, TC_F_MAX_CHANNELS, 7);
	tc_trunk_set_string(before, TC_F_PASSWORD, "old-secret");
	tc_trunk_set_int(before, TC_F_MAX_CHANNELS, 10);
	struct tc_journal_entry e = {.profile = "lab",
	                             .method = "PATCH",
	                             .trunk_id = "srv-1",
	                             .changes = after,
	                             .before = before,
	                             .trunk_name = "PBX",
	                             .user = "alice",
	                             .host = "ops-1",
	                             .http_status = 200};
	cr_assert_eq(tc_store_journal_add(store, &e, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(after);
	tc_trunk_destroy(before);
	struct tc_journal_list j;
	cr_assert_eq(tc_store_journal(store, 0, &j, &err), TC_OK, "%s", err.message);
	cr_assert_eq(j.count, 1);
	cr_assert_not_null(j.items[0].before);
	cr_assert_eq(j.items[0].before->values[TC_F_MAX_CHANNELS].i, 10);
	cr_assert_str_eq(tc_trunk_string(j.items[0].before, TC_F_PASSWORD), TC_SECRET_MASK);
	cr_assert_str_eq(j.items[0].trunk_name, "PBX");
	cr_assert_str_eq(j.items[0].user, "alice");
	cr_assert_str_eq(j.items[0].host, "ops-1");
	tc_journal_list_finish(&j);
}

Test(store, the_journal_masks_secrets)
{
	struct tc_trunk *t = tc_trunk_new();
	tc_trunk_set_string(t, TC_F_USERNAME, "alice");
	tc_trunk_set_string(t, TC_F_PASSWORD, "s3cret-value");
	struct tc_journal_entry e = {.profile = "default",
	                             .method = "PATCH",
	                             .trunk_id = "srv-1",
	                             .changes = t,
	                             .http_status = 200,
	                             .request_id = "req-1"};
	cr_assert_eq(tc_store_journal_add(store, &e, &err), TC_OK);
	e.method = "DELETE";
	e.changes = NULL;
	e.http_status = 0;
	e.error = "connection refused";
	clk.now += 1000;
	cr_assert_eq(tc_store_journal_add(store, &e, &err), TC_OK);
	tc_trunk_destroy(t);

	struct tc_journal_list j;
	cr_assert_eq(tc_store_journal(store, 0, &j, &err), TC_OK);
	cr_assert_eq(j.count, 2);
	cr_assert_str_eq(j.items[0].method, "DELETE", "newest first");
	cr_assert_str_eq(j.items[0].error, "connection refused");
	cr_assert_str_eq(j.items[1].request_id, "req-1");
	cr_assert_str_eq(tc_trunk_string(j.items[1].changes, TC_F_USERNAME), "alice");
	cr_assert_str_eq(tc_trunk_string(j.items[1].changes, TC_F_PASSWORD), TC_SECRET_MASK);
	tc_journal_list_finish(&j);

	size_t len;
	tc_store_close(store);
	store = NULL;
	char *raw = read_all(store_file(), &len);
	for (size_t i = 0; i + 12 <= len; i++)
		cr_assert_neq(memcmp(raw + i, "s3cret-value", 12), 0,
		              "the password is not on disk");
	free(raw);
}

/* ---- queries ---- */

#define MANY 3000

static void fill_many(void)
{
	struct tc_trunk **page = calloc(MANY, sizeof(*page));
	for (int i = 0; i < MANY; i++) {
		char id[40], name[40], ip[20];
		/* ids and names in different orders, so sorting by one is not the other */
		snprintf(id, sizeof(id), "%08x-srv", (unsigned)(i * 2654435761u));
		snprintf(name, sizeof(name), "%s-%04d", i % 3 ? "Trunk" : "pbx", (i * 7) % MANY);
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
		page[i] = server_trunk(id, name, ip);
		tc_trunk_set_int(page[i], TC_F_MAX_CHANNELS, i % 10);
	}
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, page, MANY, &err), TC_OK);
	for (int i = 0; i < MANY; i++)
		tc_trunk_destroy(page[i]);
	free(page);
}

static int cmp_ci(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/*
 * Filtered windows are found three ways (a walk of the sort index, a scan that
 * counts, a scan and a count); whichever is taken, each window is the slice of
 * the whole sorted list that matches. The filters only match names: "pbx" is
 * every third trunk, spread over the name order; "trunk-29" is rare and last;
 * "" is every trunk. Windows past the middle are found from the other end.
 */
Test(store, filtered_windows_are_slices_of_the_sorted_matches)
{
	fill_many();
	static const char *const filters[] = {"pbx", "PBX-00", "trunk-29", "-2999", "nothing", ""};
	static const int sorts[] = {TC_FIELD_NONE, TC_SORT_ID, TC_F_MAX_CHANNELS};
	for (size_t si = 0; si < sizeof(sorts) / sizeof(sorts[0]); si++) {
		for (int desc = 0; desc < 2; desc++) {
			struct tc_list_query all = {.sort = sorts[si], .descending = desc};
			struct tc_trunk_page whole;
			cr_assert_eq(tc_store_list(store, &all, &whole, &err), TC_OK);
			cr_assert_eq(whole.count, MANY);
			for (size_t fi = 0; fi < sizeof(filters) / sizeof(filters[0]); fi++) {
				const char *ids[MANY];
				size_t m = 0;
				for (size_t i = 0; i < whole.count; i++)
					if (contains_ci(
					        tc_trunk_string(whole.items[i].trunk, TC_F_NAME),
					        filters[fi]))
						ids[m++] = whole.items[i].trunk->id;
				static const size_t offsets[] = {0,   7,    180,  600,
				                                 995, 1600, 2990, 5000};
				for (size_t oi = 0; oi < sizeof(offsets) / sizeof(offsets[0]);
				     oi++) {
					struct tc_list_query q = {.filter = filters[fi],
					                          .sort = sorts[si],
					                          .descending = desc,
					                          .offset = offsets[oi],
					                          .limit = 20};
					struct tc_trunk_page page;
					cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK,
					             "%s", err.message);
					cr_assert_eq(page.total, m, "%s: total", filters[fi]);
					size_t off = q.offset < m ? q.offset : m;
					cr_assert_eq(page.offset, off, "%s at %zu", filters[fi],
					             q.offset);
					size_t want = m - off < 20 ? m - off : 20;
					cr_assert_eq(page.count, want, "%s at %zu sort %d/%d",
					             filters[fi], q.offset, sorts[si], desc);
					for (size_t i = 0; i < page.count; i++)
						cr_assert_str_eq(page.items[i].trunk->id,
						                 ids[off + i], "%s at %zu, row %zu",
						                 filters[fi], q.offset, i);
					tc_trunk_page_finish(&page);
				}
			}
			tc_trunk_page_finish(&whole);
		}
	}
}

Test(store, filter_sort_and_windows_agree_with_a_plain_scan)
{
	fill_many();
	/* "PBX" case-insensitively: every third trunk */
	struct tc_list_query q = {.filter = "PBX", .sort = TC_F_NAME};
	size_t n;
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, MANY / 3);
	q.case_sensitive = true;
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, 0);
	q.filter = "pbx";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, MANY / 3);

	/* IPs and ids are searched too; LIKE wildcards are literal */
	q = (struct tc_list_query){.filter = "10.0.1.1", .sort = TC_F_NAME};
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, 111); /* 10.0.1.1, 10.0.1.10-19, 10.0.1.100-199 */
	q.filter = "-srv";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, MANY);
	q.filter = "%";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, 0);
	q.filter = "hydrogen";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, MANY);

	/* windows of 97 rows, concatenated, are the whole sorted list */
	char **names = calloc(MANY, sizeof(*names));
	size_t got = 0;
	q = (struct tc_list_query){.sort = TC_FIELD_NONE, .limit = 97};
	for (q.offset = 0; q.offset < MANY; q.offset += q.limit) {
		struct tc_trunk_page page;
		cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK, "%s", err.message);
		cr_assert_eq(page.total, MANY);
		cr_assert_eq(page.count, q.offset + 97 <= MANY ? 97 : MANY - q.offset);
		for (size_t i = 0; i < page.count; i++) {
			names[got++] = strdup(tc_trunk_string(page.items[i].trunk, TC_F_NAME));
			cr_assert_eq(page.items[i].state, TC_SYNC_SYNCED);
		}
		tc_trunk_page_finish(&page);
	}
	cr_assert_eq(got, MANY);
	char **sorted = malloc(MANY * sizeof(*sorted));
	memcpy(sorted, names, MANY * sizeof(*sorted));
	qsort(sorted, MANY, sizeof(*sorted), cmp_ci);
	for (size_t i = 0; i < MANY; i++)
		cr_assert_str_eq(names[i], sorted[i], "row %zu", i);
	for (size_t i = 0; i < MANY; i++)
		free(names[i]);
	free(names);
	free(sorted);

	/* descending by an integer column, ties broken by id in the same direction */
	q = (struct tc_list_query){.sort = TC_F_MAX_CHANNELS, .descending = true, .limit = 400};
	struct tc_trunk_page page;
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK);
	cr_assert_eq(page.count, 400);
	for (size_t i = 1; i < page.count; i++) {
		long long a = page.items[i - 1].trunk->values[TC_F_MAX_CHANNELS].i;
		long long b = page.items[i].trunk->values[TC_F_MAX_CHANNELS].i;
		cr_assert_geq(a, b);
		if (a == b)
			cr_assert_gt(strcmp(page.items[i - 1].trunk->id, page.items[i].trunk->id),
			             0);
	}
	cr_assert_eq(page.items[0].trunk->values[TC_F_MAX_CHANNELS].i, 9);
	tc_trunk_page_finish(&page);

	/* a window past the end is empty, with the total */
	q = (struct tc_list_query){.sort = TC_SORT_ID, .offset = MANY + 5, .limit = 10};
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK);
	cr_assert_eq(page.count, 0);
	cr_assert_eq(page.total, MANY);
	cr_assert_eq(page.offset, MANY);
	tc_trunk_page_finish(&page);
	q.sort = 99;
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_USAGE);
	tc_trunk_page_finish(&page);
}

/*
 * Names for the filter tests: LIKE's wildcards and escape, non-ASCII letters
 * (which LIKE does not fold), the block separators, and no 6-9 anywhere, so
 * those digits are only in the rowids that frame each entry.
 */
static const char *const odd_names[] = {
    "Alpha%One",
    "beta_two",
    "back\\slash",
    "\xc3\x89"
    "cole-Stra\xc3\x9f"
    "e",
    "\xc3\xa9"
    "cole",
    "PLAIN-pbx",
    "rs\x1e"
    "in",
    "us\x1f"
    "in",
    "a%_\\z",
    "pbx-one",
    "pbx-two",
    "Pbx-Three",
};

/* The trunks each way of listing must agree with, oldest SQL first. */
static void fill_odd(size_t copies)
{
	size_t n = sizeof(odd_names) / sizeof(odd_names[0]);
	for (size_t c = 0; c < copies; c++)
		for (size_t i = 0; i < n; i++) {
			char id[32], ip[32];
			snprintf(id, sizeof(id), "srv-%c%c", 'a' + (int)(c % 26), 'a' + (int)i);
			snprintf(ip, sizeof(ip), "10.0.%zu.%zu", c % 6, i % 6);
			struct tc_trunk *t = server_trunk(id, odd_names[i], ip);
			pull_one(t);
			tc_trunk_destroy(t);
		}
}

/*
 * The ids the filter matches by name, straight from the file with the
 * statements the store used before search_blocks: LIKE with the wildcards
 * escaped, or instr when case-sensitive.
 */
static size_t oracle(const char *filter, bool case_sensitive, char ids[][32], size_t max)
{
	sqlite3 *db;
	cr_assert_eq(sqlite3_open_v2(store_file(), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	const char *sql = case_sensitive ? "SELECT id FROM trunks WHERE instr(search, ?1) > 0 "
	                                   "ORDER BY f_name, id"
	                                 : "SELECT id FROM trunks WHERE search LIKE ?1 ESCAPE '\\' "
	                                   "ORDER BY f_name, id";
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s",
	             sqlite3_errmsg(db));
	char pat[128];
	size_t k = 0;
	if (!case_sensitive)
		pat[k++] = '%';
	for (const char *c = filter; *c && k < sizeof(pat) - 3; c++) {
		if (!case_sensitive && (*c == '%' || *c == '_' || *c == '\\'))
			pat[k++] = '\\';
		pat[k++] = *c;
	}
	if (!case_sensitive)
		pat[k++] = '%';
	pat[k] = '\0';
	sqlite3_bind_text(st, 1, pat, -1, SQLITE_STATIC);
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cr_assert_lt(n, max);
		snprintf(ids[n++], 32, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static const char *const odd_filters[] = {
    "%",
    "_",
    "\\",
    "a%o",
    "%_\\",
    "ALPHA",
    "alpha",
    "\xc3\xa9"
    "cole",
    "\xc3\x89"
    "COLE",
    "STRA\xc3\x9f"
    "E",
    "stra\xc3\x9f"
    "e",
    "pbx",
    "PBX",
    "Pbx-t",
    "7",
    "8",
    "9",
    "10.0.",
    "0.5",
    "srv-",
    "hydrogen",
    "\x1e",
    "\x1f"
    "in",
    "s\x1e"
    "i",
    "nothing",
    "-",
};

/*
 * Every filter, both ways, lists exactly the trunks the old statements
 * found, in order, in windows of every offset (small windows walk the sort
 * index, the whole list sorts the matches), with the same count.
 */
static void filters_agree_with_like(void)
{
	static char want[400][32];
	for (size_t fi = 0; fi < sizeof(odd_filters) / sizeof(odd_filters[0]); fi++) {
		for (int cs = 0; cs < 2; cs++) {
			const char *f = odd_filters[fi];
			size_t m = oracle(f, cs, want, 400);
			struct tc_list_query q = {
			    .filter = f, .case_sensitive = cs, .sort = TC_F_NAME};
			size_t n;
			cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK, "%s", err.message);
			cr_assert_eq(n, m, "count of '%s' (case-sensitive %d)", f, cs);
			static const size_t limits[] = {0, 1, 3};
			for (size_t li = 0; li < 3; li++) {
				q.limit = limits[li];
				for (q.offset = 0; q.offset <= m + 1;
				     q.offset += q.limit ? q.limit : 1) {
					struct tc_trunk_page page;
					cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK,
					             "%s", err.message);
					cr_assert_eq(page.total, m, "'%s' (%d) total", f, cs);
					size_t off = q.offset < m ? q.offset : m;
					size_t rest = m - off;
					cr_assert_eq(
					    page.count, q.limit && q.limit < rest ? q.limit : rest,
					    "'%s' (%d) at %zu limit %zu", f, cs, q.offset, q.limit);
					for (size_t i = 0; i < page.count; i++)
						cr_assert_str_eq(page.items[i].trunk->id,
						                 want[off + i],
						                 "'%s' (%d) at %zu, row %zu", f, cs,
						                 q.offset, i);
					tc_trunk_page_finish(&page);
				}
			}
		}
	}
}

Test(store, case_insensitive_filters_match_what_like_matched)
{
	fill_odd(3);
	filters_agree_with_like();
}

/*
 * The blocks are derived: a copy out of step (as a VACUUM that renumbered
 * rowids would leave) is found, counted and rebuilt, and filters agree again.
 */
Test(store, search_blocks_out_of_step_are_found_and_rebuilt)
{
	fill_odd(3);
	size_t wrong = 99;
	cr_assert_eq(tc_store_search_check(store, false, &wrong, &err), TC_OK, "%s", err.message);
	cr_assert_eq(wrong, 0);

	sqlite3 *db;
	cr_assert_eq(sqlite3_open(store_file(), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
	                          "UPDATE trunks SET rowid = rowid + 1000 WHERE rowid = "
	                          "(SELECT min(rowid) FROM trunks);",
	                          NULL, NULL, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);

	cr_assert_eq(tc_store_search_check(store, false, &wrong, &err), TC_OK, "%s", err.message);
	cr_assert_eq(wrong, 2, "one trunk missing from its block, one entry of no trunk");
	cr_assert_eq(tc_store_search_check(store, true, &wrong, &err), TC_OK, "%s", err.message);
	cr_assert_eq(wrong, 2);
	cr_assert_eq(tc_store_search_check(store, false, &wrong, &err), TC_OK, "%s", err.message);
	cr_assert_eq(wrong, 0, "rebuilt");
	filters_agree_with_like();
}

Test(store, the_search_blocks_follow_every_write)
{
	fill_odd(2);
	/* a local create, an edit that changes the text, one that does not, a discard */
	struct tc_trunk *t = sample_trunk("Fresh-PBX", "10.0.5.5");
	cr_assert_eq(tc_store_create_local(store, "local-x", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	t = sample_trunk("gone-soon", "10.0.5.4");
	cr_assert_eq(tc_store_create_local(store, "local-y", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	edit("srv-aa", rename_to, 5);
	edit("srv-ab", set_channels, 12);
	cr_assert_eq(tc_store_discard(store, "local-y", &err), TC_OK, "%s", err.message);
	/* a pull that renames one trunk and drops the rest of the older generation */
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	struct tc_trunk *page[2] = {server_trunk("srv-bc", "Renamed_On_Server", "10.0.1.1"),
	                            server_trunk("srv-bd", "a%_\\z", "10.0.1.2")};
	cr_assert_eq(tc_store_pull_page(store, gen, page, 2, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(page[0]);
	tc_trunk_destroy(page[1]);
	struct tc_pull_result res;
	cr_assert_eq(tc_store_pull_finish(store, gen, &res, &err), TC_OK, "%s", err.message);
	filters_agree_with_like();
	struct tc_list_query q = {.filter = "renamed_on", .sort = TC_F_NAME};
	size_t n;
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, 1);
	q.filter = "n5";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, 1, "the local name is searched");
	q.filter = "gone-soon";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, 0, "a discarded create is gone from the search");
}

Test(store, the_list_shows_local_versions_and_states)
{
	fill_many();
	struct tc_list_query q = {.filter = "pbx-0000", .sort = TC_F_NAME};
	struct tc_trunk_page page;
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK);
	cr_assert_eq(page.count, 1);
	char id[40];
	snprintf(id, sizeof(id), "%s", page.items[0].trunk->id);
	tc_trunk_page_finish(&page);
	edit(id, rename_to, 42);
	q.filter = "n42";
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK);
	cr_assert_eq(page.count, 1);
	cr_assert_eq(page.items[0].state, TC_SYNC_PENDING);
	cr_assert_eq(page.items[0].pending, TC_OP_UPDATE);
	tc_trunk_page_finish(&page);
	q.filter = "pbx-0000";
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK);
	cr_assert_eq(page.count, 0, "the filter sees the local name");
	tc_trunk_page_finish(&page);
	q = (struct tc_list_query){.sort = TC_SORT_SYNC_STATE, .descending = true, .limit = 1};
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK);
	cr_assert_str_eq(page.items[0].trunk->id, id);
	tc_trunk_page_finish(&page);

	char *ids[4];
	size_t n;
	cr_assert_eq(tc_store_find_by_name(store, "n42", ids, 4, &n, &err), TC_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(ids[0], id);
	free(ids[0]);
	cr_assert_eq(tc_store_find_by_name(store, "N42", ids, 4, &n, &err), TC_OK);
	cr_assert_eq(n, 0, "names match exactly");
}

/* ---- two connections writing at once ---- */

struct writer {
	int which;
	enum tc_status rc;
	char message[512];
};

static void *write_many(void *arg)
{
	struct writer *w = arg;
	struct tc_store_options o = options();
	struct tc_store *s;
	struct tc_error e;
	tc_error_init(&e);
	w->rc = tc_store_open(&o, &s, &e);
	for (int i = 0; w->rc == TC_OK && i < 150; i++) {
		char id[32];
		snprintf(id, sizeof(id), "local-w%d-%d", w->which, i);
		struct tc_trunk *t = tc_trunk_new();
		tc_trunk_set_string(t, TC_F_NAME, id);
		w->rc = tc_store_create_local(s, id, t, &e);
		if (w->rc == TC_OK) {
			tc_trunk_set_int(t, TC_F_MAX_CHANNELS, i);
			w->rc = tc_store_update_local(s, id, &(struct tc_store_edit){.changes = t},
			                              NULL, &e);
		}
		tc_trunk_destroy(t);
	}
	snprintf(w->message, sizeof(w->message), "%s", e.message);
	tc_error_clear(&e);
	tc_store_close(s);
	return NULL;
}

Test(store, two_connections_write_at_once_without_busy_errors)
{
	struct writer w[2] = {{.which = 0}, {.which = 1}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, write_many, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(w[i].rc, TC_OK, "writer %d: %s", i, w[i].message);
	struct tc_store_counts c;
	cr_assert_eq(tc_store_counts(store, &c, &err), TC_OK);
	cr_assert_eq(c.trunks, 300);
	cr_assert_eq(c.queued, 300, "each create absorbed its update");
}

Test(store, two_processes_share_a_fresh_data_dir)
{
	/* both open (and migrate) the same new file at once, then write */
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/shared", dir);
	fflush(NULL);
	pid_t child = fork();
	cr_assert_neq(child, -1);
	struct tc_store_options o = options();
	o.dir = sub;
	struct tc_store *s;
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status rc = tc_store_open(&o, &s, &e);
	for (int i = 0; rc == TC_OK && i < 100; i++) {
		char id[32];
		snprintf(id, sizeof(id), "local-%s-%d", child ? "parent" : "child", i);
		struct tc_trunk *t = tc_trunk_new();
		tc_trunk_set_string(t, TC_F_NAME, id);
		rc = tc_store_create_local(s, id, t, &e);
		tc_trunk_destroy(t);
	}
	if (child == 0) {
		tc_store_close(s);
		_exit(rc == TC_OK ? 0 : 10 + (int)rc);
	}
	cr_assert_eq(rc, TC_OK, "parent: %s", e.message);
	int status = 0;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d",
	          WEXITSTATUS(status));
	struct tc_store_counts c;
	cr_assert_eq(tc_store_counts(s, &c, &e), TC_OK);
	cr_assert_eq(c.trunks, 200);
	cr_assert_eq(c.queued, 200);
	tc_store_close(s);
}

Test(store, an_empty_file_is_migrated)
{
	tc_store_close(store);
	store = NULL;
	write_all(store_file(), "", 0);
	/* as a crash right after the file's creation leaves it: no marker yet */
	char marker[160];
	snprintf(marker, sizeof(marker), "%s.id", store_file());
	cr_assert_eq(unlink(marker), 0);
	struct tc_store_options o = options();
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_schema_version(store), TC_STORE_SCHEMA_VERSION);
	bool ok;
	char line[64];
	cr_assert_eq(tc_store_quick_check(store, &ok, line, sizeof(line), &err), TC_OK);
	cr_assert(ok, "%s", line);
}

/* Closes the store and changes its file behind its back, as an older build or a tool would. */
static void rewrite_closed_store(const char *sql)
{
	tc_store_close(store);
	store = NULL;
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(store_file(), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Rewrites the closed store with sql (an older version's file) and reopens it. */
static void reopen_migrated(const char *sql)
{
	rewrite_closed_store(sql);
	struct tc_store_options o = options();
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_schema_version(store), TC_STORE_SCHEMA_VERSION);
}

Test(store, a_missing_sort_column_is_added_and_filled_on_open)
{
	/* as if the file predates an attribute of the field table */
	struct tc_trunk *t = server_trunk("srv-1", "x", "10.0.0.1");
	tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, "sip.example.com");
	pull_one(t);
	tc_trunk_destroy(t);
	rewrite_closed_store("ALTER TABLE trunks DROP COLUMN f_outbound_host;"
	                     "UPDATE trunks SET search = '';");

	struct tc_store_options o = options();
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
	struct tc_list_query q = {.sort = TC_F_OUTBOUND_HOST, .filter = "sip.example"};
	struct tc_trunk_page page;
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK, "%s", err.message);
	cr_assert_eq(page.count, 1, "the search text was rebuilt");
	tc_trunk_page_finish(&page);
	q.sort = TC_F_PASSWORD;
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_USAGE, "secrets are not sort keys");
	tc_trunk_page_finish(&page);
}

Test(store, a_lock_held_too_long_is_tc_busy_not_an_sqlite_code)
{
	struct tc_store_options o = options();
	o.busy_timeout_ms = 50;
	struct tc_store *impatient;
	cr_assert_eq(tc_store_open(&o, &impatient, &err), TC_OK);
	cr_assert_eq(tc_store_begin(store, &err), TC_OK);
	struct tc_trunk *t = sample_trunk("x", "10.0.0.1");
	cr_assert_eq(tc_store_create_local(impatient, "local-x", t, &err), TC_BUSY);
	cr_assert(strstr(err.message, "busy"), "%s", err.message);
	tc_store_rollback(store);
	cr_assert_eq(tc_store_create_local(impatient, "local-x", t, &err), TC_OK);
	tc_trunk_destroy(t);
	tc_store_close(impatient);
}

static size_t trunk_count(void)
{
	struct tc_store_counts c;
	cr_assert_eq(tc_store_counts(store, &c, &err), TC_OK, "%s", err.message);
	size_t n = 0;
	struct tc_list_query q = {.sort = TC_FIELD_NONE};
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK, "%s", err.message);
	cr_assert_eq(c.trunks, n, "counts and count agree");
	return n;
}

/* A search_blocks entry of a trunks row as the version 4 to 6 triggers wrote it. */
#define V6_ENTRY(row)                                                                              \
	"char(30) || " row ".rowid || char(31) || lower(replace(" row                              \
	".search, char(30), char(31)))"

/*
 * The file as version 6 left it, from a version 7 one: the trunk count and
 * search_blocks kept by triggers on trunks.
 */
#define VERSION_6_FROM_7                                                                           \
	"CREATE TRIGGER trunks_counted AFTER INSERT ON trunks BEGIN"                               \
	" UPDATE meta SET value = value + 1 WHERE key = 'trunk_count'; END;"                       \
	"CREATE TRIGGER trunks_uncounted AFTER DELETE ON trunks BEGIN"                             \
	" UPDATE meta SET value = value - 1 WHERE key = 'trunk_count'; END;"                       \
	"CREATE TRIGGER trunks_search_added AFTER INSERT ON trunks BEGIN"                          \
	" INSERT INTO search_blocks(block, text) VALUES(new.rowid >> 5, " V6_ENTRY(                \
	    "new") ")"                                                                             \
	           " ON CONFLICT(block) DO UPDATE SET text = text || excluded.text; END;"          \
	           "CREATE TRIGGER trunks_search_changed AFTER UPDATE OF search ON trunks"         \
	           " WHEN old.search IS NOT new.search BEGIN UPDATE search_blocks SET text = "     \
	           "replace(text, " V6_ENTRY("old") ", " V6_ENTRY(                                 \
	               "new") ") WHERE block = old.rowid >> 5; END;"                               \
	                      "CREATE TRIGGER trunks_search_removed AFTER DELETE ON trunks BEGIN"  \
	                      " UPDATE search_blocks SET text = replace(text, " V6_ENTRY(          \
	                          "old") ", '')"                                                   \
	                                 " WHERE block = old.rowid >> 5;"                          \
	                                 " DELETE FROM search_blocks WHERE block = old.rowid >> "  \
	                                 "5 AND text = ''; END;"                                   \
	                                 "PRAGMA user_version = 6;"

/*
 * The file as version 5 left it, from a version 7 one: local versions in
 * trunk_docs, every outbox entry with its own copy of its base.
 */
#define VERSION_5_FROM_6                                                                           \
	VERSION_6_FROM_7                                                                           \
	"UPDATE outbox SET base = (SELECT d.base FROM trunk_docs AS d"                             \
	" WHERE d.id = outbox.trunk_id) WHERE base_shared;"                                        \
	"DROP TRIGGER trunk_docs_base_changing; DROP TRIGGER trunk_docs_base_going;"               \
	"ALTER TABLE outbox DROP COLUMN base_shared;"                                              \
	"UPDATE trunk_docs SET local = (SELECT l.local FROM trunk_local AS l"                      \
	" WHERE l.id = trunk_docs.id); DROP TABLE trunk_local; PRAGMA user_version = 5;"

/* The file as version 4 left it, from a version 7 one. */
#define VERSION_4_FROM_5                                                                           \
	VERSION_5_FROM_6                                                                           \
	"ALTER TABLE journal DROP COLUMN before; ALTER TABLE journal DROP COLUMN trunk_name;"      \
	"ALTER TABLE journal DROP COLUMN user; ALTER TABLE journal DROP COLUMN host;"              \
	"PRAGMA user_version = 4;"

/* The file as version 3 left it, from a version 7 one. */
#define VERSION_3_FROM_4                                                                           \
	VERSION_4_FROM_5                                                                           \
	"DROP TRIGGER trunks_search_added; DROP TRIGGER trunks_search_changed;"                    \
	"DROP TRIGGER trunks_search_removed; DROP TABLE search_blocks; PRAGMA user_version = 3;"

/* The file as version 2 left it, from a version 7 one. */
#define VERSION_2_FROM_3                                                                           \
	VERSION_3_FROM_4                                                                           \
	"DROP TABLE id_map; ALTER TABLE trunk_docs DROP COLUMN document; PRAGMA user_version = 2;"

static char *outbox_text(void)
{
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK, "%s", err.message);
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	for (size_t i = 0; i < l.count; i++) {
		const struct tc_outbox_entry *e = &l.items[i];
		char *p = e->payload ? tc_store_encode_base(e->payload) : NULL;
		char *b = e->base ? tc_store_encode_base(e->base) : NULL;
		fprintf(f, "%lld %s %d %d %s %s\n", (long long)e->seq, e->trunk_id, (int)e->op,
		        (int)e->state, p ? p : "-", b ? b : "-");
		free(p);
		free(b);
	}
	fclose(f);
	tc_outbox_list_finish(&l);
	return text;
}

static long long stored_channels(const char *id)
{
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, id, &rec, &err), TC_OK, "%s", err.message);
	long long n = rec->current->values[TC_F_MAX_CHANNELS].i;
	tc_trunk_record_destroy(rec);
	return n;
}

Test(store, a_version_5_store_is_migrated_keeping_local_versions_and_queue)
{
	struct tc_trunk *t = server_trunk("srv-1", "one", "10.0.0.1");
	set_channels(t, 5);
	pull_one(t);
	tc_trunk_destroy(t);
	t = server_trunk("srv-2", "two", "10.0.0.2");
	set_channels(t, 6);
	pull_one(t);
	tc_trunk_destroy(t);
	edit("srv-1", set_channels, 50);
	t = sample_trunk("three", "10.0.0.3");
	set_channels(t, 30);
	cr_assert_eq(tc_store_create_local(store, "local-3", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	char *queued = outbox_text();
	reopen_migrated(VERSION_5_FROM_6);
	char *migrated = outbox_text();
	cr_assert_str_eq(migrated, queued, "every queued entry is kept as it was");
	free(migrated);
	free(queued);
	cr_assert_eq(stored_channels("srv-1"), 50, "the local version of an edit is kept");
	cr_assert_eq(stored_channels("srv-2"), 6);
	cr_assert_eq(stored_channels("local-3"), 30, "so is an offline create's");
	struct tc_list_query q = {.sort = TC_F_MAX_CHANNELS};
	struct tc_trunk_page page;
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK, "%s", err.message);
	cr_assert_eq(page.count, 3);
	static const long long listed[] = {6, 30, 50};
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(page.items[i].trunk->values[TC_F_MAX_CHANNELS].i, listed[i],
		             "the list shows the local versions in their sort order");
	tc_trunk_page_finish(&page);

	/* the edit queued under version 5 lands, and its local version goes with it */
	int64_t seq = first_seq();
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
	t = server_trunk("srv-1", "one", "10.0.0.1");
	set_channels(t, 50);
	cr_assert_eq(tc_store_outbox_done(store, seq, t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "srv-1", &rec, &err), TC_OK, "%s", err.message);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	cr_assert_null(rec->local);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(stored_channels("local-3"), 30);
	bool ok;
	char line[64];
	cr_assert_eq(tc_store_quick_check(store, &ok, line, sizeof(line), &err), TC_OK);
	cr_assert(ok, "%s", line);
}

/* Triggers on trunks, which schema 7 has none of (store_upkeep_flush keeps what they kept). */
static int64_t trunk_triggers(void)
{
	sqlite3 *db;
	cr_assert_eq(sqlite3_open_v2(store_file(), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db,
	                                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
	                                "AND tbl_name = 'trunks'",
	                                -1, &st, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void search_in_step(const char *what)
{
	size_t wrong = 99;
	cr_assert_eq(tc_store_search_check(store, false, &wrong, &err), TC_OK, "%s", err.message);
	cr_assert_eq(wrong, 0, "%s: the search blocks are in step", what);
	filters_agree_with_like();
}

Test(store, a_version_6_store_is_migrated_keeping_its_search_and_count)
{
	cr_assert_eq(trunk_triggers(), 0, "a new store keeps its blocks and count without");
	fill_odd(3);
	struct tc_trunk *t = sample_trunk("Queued-PBX", "10.0.4.4");
	cr_assert_eq(tc_store_create_local(store, "local-q", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	edit("srv-aa", rename_to, 7);
	size_t trunks = trunk_count();
	/* a count a version 6 trigger got wrong is taken again */
	reopen_migrated(VERSION_6_FROM_7 "UPDATE meta SET value = 999 WHERE key = 'trunk_count';");
	cr_assert_eq(trunk_triggers(), 0, "the migration drops the triggers");
	cr_assert_eq(trunk_count(), trunks, "every trunk is kept and counted");
	search_in_step("migrated");
	struct tc_list_query q = {.filter = "n7", .sort = TC_F_NAME};
	size_t n;
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK, "%s", err.message);
	cr_assert_eq(n, 1, "the local name is still searched");

	/* and every writer keeps them from here: pulls, edits, creates, discards, deletes */
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	struct tc_trunk *page[3] = {server_trunk("srv-ab", "Renamed_On_Server", "10.0.1.1"),
	                            server_trunk("srv-zz", "brand-new", "10.0.1.2"),
	                            server_trunk("srv-aa", "server-side", "10.0.1.3")};
	cr_assert_eq(tc_store_pull_page(store, gen, page, 3, &err), TC_OK, "%s", err.message);
	for (size_t i = 0; i < 3; i++)
		tc_trunk_destroy(page[i]);
	struct tc_pull_result res;
	cr_assert_eq(tc_store_pull_finish(store, gen, &res, &err), TC_OK, "%s", err.message);
	cr_assert_gt(res.removed, 0, "the pull drops the trunks it did not bring");
	search_in_step("pulled");
	q.filter = "renamed_on";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK, "%s", err.message);
	cr_assert_eq(n, 1);
	q.filter = "server-side";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK, "%s", err.message);
	cr_assert_eq(n, 0, "a trunk edited here keeps its local name's text");
	size_t after_pull = trunk_count();
	t = sample_trunk("gone-soon", "10.0.5.4");
	cr_assert_eq(tc_store_create_local(store, "local-y", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	edit("srv-zz", rename_to, 8);
	cr_assert_eq(trunk_count(), after_pull + 1);
	search_in_step("edited");
	cr_assert_eq(tc_store_discard(store, "local-y", &err), TC_OK, "%s", err.message);
	cr_assert_eq(trunk_count(), after_pull, "a discarded create is uncounted");
	search_in_step("discarded");

	/* what a transaction rolled back owed nothing */
	cr_assert_eq(tc_store_begin(store, &err), TC_OK, "%s", err.message);
	t = sample_trunk("never-kept", "10.0.5.9");
	cr_assert_eq(tc_store_create_local(store, "local-z", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	q.filter = "never-kept";
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK, "%s", err.message);
	cr_assert_eq(n, 1, "a filter inside the transaction sees its write");
	tc_store_rollback(store);
	cr_assert_eq(trunk_count(), after_pull);
	search_in_step("rolled back");
	bool ok;
	char line[64];
	cr_assert_eq(tc_store_quick_check(store, &ok, line, sizeof(line), &err), TC_OK);
	cr_assert(ok, "%s", line);
}

Test(store, a_version_4_store_is_migrated_keeping_its_journal)
{
	struct tc_trunk *t = tc_trunk_new();
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 7);
	struct tc_journal_entry e = {
	    .profile = "default", .method = "PATCH", .trunk_id = "srv-1", .changes = t};
	cr_assert_eq(tc_store_journal_add(store, &e, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	fill_odd(2);
	size_t trunks = trunk_count();
	reopen_migrated(VERSION_4_FROM_5);
	cr_assert_eq(trunk_count(), trunks, "the trunks are kept");
	struct tc_journal_list j;
	cr_assert_eq(tc_store_journal(store, 0, &j, &err), TC_OK, "%s", err.message);
	cr_assert_eq(j.count, 1, "the row written under version 4 is kept");
	cr_assert_eq(j.items[0].changes->values[TC_F_MAX_CHANNELS].i, 7);
	cr_assert_null(j.items[0].before, "version 4 kept no before values");
	cr_assert_null(j.items[0].user);
	tc_journal_list_finish(&j);
	/* and a new row has the new columns */
	t = tc_trunk_new();
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 8);
	e.changes = t;
	e.user = "bob";
	cr_assert_eq(tc_store_journal_add(store, &e, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	cr_assert_eq(tc_store_journal(store, 1, &j, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(j.items[0].user, "bob");
	tc_journal_list_finish(&j);
}

Test(store, a_version_3_store_is_migrated_and_its_trunks_found_by_filter)
{
	fill_odd(2);
	struct tc_trunk *t = sample_trunk("Queued-PBX", "10.0.4.4");
	cr_assert_eq(tc_store_create_local(store, "local-q", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	reopen_migrated(VERSION_3_FROM_4);
	filters_agree_with_like();
	/* the triggers came with the migration */
	t = server_trunk("srv-new", "after-the-MIGRATION", "10.0.4.5");
	pull_one(t);
	tc_trunk_destroy(t);
	static const char *const found[][2] = {{"the-migration", "srv-new"},
	                                       {"queued-pbx", "local-q"}};
	for (size_t i = 0; i < 2; i++) {
		struct tc_list_query q = {.filter = found[i][0], .sort = TC_F_NAME, .limit = 5};
		struct tc_trunk_page page;
		cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK, "%s", err.message);
		cr_assert_eq(page.total, 1, "%s", found[i][0]);
		cr_assert_str_eq(page.items[0].trunk->id, found[i][1]);
		tc_trunk_page_finish(&page);
	}
	bool ok;
	char line[64];
	cr_assert_eq(tc_store_quick_check(store, &ok, line, sizeof(line), &err), TC_OK);
	cr_assert(ok, "%s", line);
}

Test(store, a_version_2_store_is_migrated_keeping_its_trunks_and_queue)
{
	struct tc_trunk *t = server_trunk("srv-1", "one", "10.0.0.1");
	pull_one(t);
	tc_trunk_destroy(t);
	t = sample_trunk("two", "10.0.0.2");
	cr_assert_eq(tc_store_create_local(store, "local-2", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	reopen_migrated(VERSION_2_FROM_3);
	cr_assert_eq(trunk_count(), 2);
	char *doc = NULL;
	cr_assert_eq(tc_store_document(store, "srv-1", &doc, &err), TC_OK, "%s", err.message);
	cr_assert_null(doc, "a trunk pulled before version 3 has no document until the next pull");

	/* the create queued under version 2 is pushed under version 3 */
	int64_t seq = first_seq();
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
	struct tc_trunk *srv = server_trunk("srv-2", "two", "10.0.0.2");
	set_document(srv, "{\"id\":\"srv-2\"}");
	cr_assert_eq(tc_store_outbox_done(store, seq, srv, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(srv);
	char *id = NULL;
	cr_assert_eq(tc_store_server_id(store, "local-2", &id, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(id, "srv-2");
	free(id);
	cr_assert_eq(tc_store_document(store, "srv-2", &doc, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(doc, "{\"id\":\"srv-2\"}");
	free(doc);
	bool ok;
	char line[64];
	cr_assert_eq(tc_store_quick_check(store, &ok, line, sizeof(line), &err), TC_OK);
	cr_assert(ok, "%s", line);
}

Test(store, a_version_1_store_is_migrated_and_its_trunks_counted)
{
	struct tc_trunk *t = server_trunk("srv-1", "one", "10.0.0.1");
	pull_one(t);
	tc_trunk_destroy(t);
	t = server_trunk("srv-2", "two", "10.0.0.2");
	pull_one(t);
	tc_trunk_destroy(t);
	/* the file as version 1 left it: full state and seen indexes, no maintained count */
	reopen_migrated(VERSION_2_FROM_3
	                "DROP TRIGGER trunks_counted; DROP TRIGGER trunks_uncounted;"
	                "DROP INDEX trunks_by_state; DELETE FROM meta WHERE key = "
	                "'trunk_count';"
	                "CREATE INDEX trunks_state ON trunks (state, id);"
	                "CREATE INDEX trunks_seen ON trunks (seen_gen);"
	                "PRAGMA user_version = 1;");
	cr_assert_eq(trunk_count(), 2);
	t = server_trunk("srv-2", "two again", "10.0.0.2");
	pull_one(t);
	tc_trunk_destroy(t);
	cr_assert_eq(trunk_count(), 2, "an upsert of a known trunk adds nothing");
	t = sample_trunk("three", "10.0.0.3");
	cr_assert_eq(tc_store_create_local(store, "local-3", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	cr_assert_eq(trunk_count(), 3);
	cr_assert_eq(tc_store_discard(store, "local-3", &err), TC_OK, "%s", err.message);
	cr_assert_eq(trunk_count(), 2, "a discarded create is uncounted");
	bool ok;
	char line[64];
	cr_assert_eq(tc_store_quick_check(store, &ok, line, sizeof(line), &err), TC_OK);
	cr_assert(ok, "%s", line);
}

/* ---- one data dir, many connections and processes (issue 11) ---- */

static const char *in_dir(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void add_trunks(struct tc_store *s, int count)
{
	for (int i = 0; i < count; i++) {
		char id[32];
		snprintf(id, sizeof(id), "local-%04d", i);
		struct tc_trunk *t = sample_trunk(id, "10.1.1.1");
		cr_assert_eq(tc_store_create_local(s, id, t, &err), TC_OK, "%s", err.message);
		tc_trunk_destroy(t);
	}
}

static void close_store(void)
{
	tc_store_close(store);
	store = NULL;
}

static off_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* ---- locks: a second open in the process must not drop the first's ---- */

/* SQLite's unix VFS: readers hold a read lock on these bytes of the database. */
#define SHARED_FIRST (0x40000000 + 2)
#define SHARED_SIZE 510

/* The pid another process sees holding a lock on the shared range, 0 for none. */
static pid_t shared_lock_holder(const char *path)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		pid_t holder = -1;
		int fd = open(path, O_RDONLY);
		struct flock fl = {.l_type = F_WRLCK,
		                   .l_whence = SEEK_SET,
		                   .l_start = SHARED_FIRST,
		                   .l_len = SHARED_SIZE};
		if (fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0)
			holder = fl.l_type == F_UNLCK ? 0 : fl.l_pid;
		_exit(write(fds[1], &holder, sizeof(holder)) == sizeof(holder) ? 0 : 1);
	}
	close(fds[1]);
	pid_t holder = -2;
	cr_assert_eq(read(fds[0], &holder, sizeof(holder)), (ssize_t)sizeof(holder));
	close(fds[0]);
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	return holder;
}

/*
 * Another process reads the store and closes: its close checkpoints and
 * deletes the WAL when it can lock the database exclusively. A fresh
 * program (the sqlite3 shell, a CI dependency), because SQLite state
 * inherited through fork() would believe this process's locks are held.
 */
static void other_process_reads_and_closes(const char *path)
{
	pid_t child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		execlp("sqlite3", "sqlite3", path, "SELECT count(*) FROM trunks;", (char *)NULL);
		_exit(127);
	}
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the sqlite3 shell could not read the store (exit %d)", WEXITSTATUS(status));
}

Test(store, a_second_open_in_the_process_keeps_the_first_connections_locks)
{
	add_trunks(store, 3);
	const char *db = tc_store_path(store);
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", db);
	cr_assert_eq(shared_lock_holder(db), getpid(), "control: an open connection holds a lock");

	/* what the TUI does: its sync worker opens its own connection */
	struct tc_store_options o = options();
	struct tc_store *worker;
	cr_assert_eq(tc_store_open(&o, &worker, &err), TC_OK, "%s", err.message);
	cr_assert_eq(shared_lock_holder(db), getpid(),
	             "the second open dropped this process's locks on the database");

	/* with the locks gone, another process's last close deletes the WAL in use */
	cr_assert_geq(size_of(wal), 0, "control: the WAL exists while connections are open");
	other_process_reads_and_closes(db);
	cr_assert_geq(size_of(wal), 0, "another process deleted the WAL under open connections");
	struct tc_trunk *t = sample_trunk("after", "10.2.2.2");
	cr_assert_eq(tc_store_create_local(worker, "local-after", t, &err), TC_OK, "%s",
	             err.message);
	tc_trunk_destroy(t);
	struct tc_store_counts c;
	cr_assert_eq(tc_store_counts(store, &c, &err), TC_OK, "%s", err.message);
	cr_assert_eq(c.trunks, 4);
	tc_store_close(worker);
	bool ok = false;
	char msg[256];
	cr_assert_eq(tc_store_integrity_check(store, &ok, msg, sizeof(msg), &err), TC_OK);
	cr_assert(ok, "%s", msg);
}

Test(store, a_new_store_its_wal_and_shm_are_0600_whatever_the_umask)
{
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/fresh", dir);
	struct tc_store_options o = options();
	o.dir = sub;
	mode_t old = umask(0);
	struct tc_store *s;
	enum tc_status rc = tc_store_open(&o, &s, &err);
	umask(old);
	cr_assert_eq(rc, TC_OK, "%s", err.message);
	add_trunks(s, 1);
	static const char *const files[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[200];
		snprintf(path, sizeof(path), "%s%s", tc_store_path(s), files[i]);
		struct stat st;
		cr_assert_eq(stat(path, &st), 0, "%s exists while the store is open", path);
		cr_assert_eq(st.st_mode & 0777, 0600, "%s is %o", path, st.st_mode & 0777);
	}
	tc_store_close(s);
}

/* ---- a store that was lost is not re-created empty ---- */

static void assert_refused_nothing_created(off_t db_size, const char *needle)
{
	struct tc_store_options o = options();
	struct tc_store *s = NULL;
	cr_assert_eq(tc_store_open(&o, &s, &err), TC_CORRUPT, "%s", err.message);
	cr_assert_null(s);
	cr_assert(strstr(err.message, needle), "message names %s: %s", needle, err.message);
	cr_assert(strstr(err.message, "Restore"), "message says what to do: %s", err.message);
	cr_assert_eq(size_of(in_dir(TC_STORE_FILE_NAME)), db_size, "the store file was touched");
}

Test(store, the_marker_holds_the_stores_id_and_is_0600)
{
	const char *marker = in_dir(TC_STORE_FILE_NAME ".id");
	struct stat st;
	cr_assert_eq(stat(marker, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	size_t n;
	char *id = read_all(marker, &n);
	cr_assert_eq(n, 33, "%s", id);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(tc_store_path(store), &db), SQLITE_OK);
	sqlite3_stmt *st2;
	cr_assert_eq(
	    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'store_id'", -1, &st2, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_step(st2), SQLITE_ROW);
	cr_assert_eq(strncmp((const char *)sqlite3_column_text(st2, 0), id, 32), 0);
	sqlite3_finalize(st2);
	sqlite3_close(db);
	free(id);
}

Test(store, a_truncated_store_is_refused_and_left_empty)
{
	add_trunks(store, 2);
	close_store();
	cr_assert_eq(truncate(in_dir(TC_STORE_FILE_NAME), 0), 0);
	assert_refused_nothing_created(0, TC_STORE_FILE_NAME ".id");
	cr_assert_eq(size_of(in_dir(TC_STORE_FILE_NAME "-wal")), -1);
}

Test(store, a_missing_store_is_refused_and_not_created)
{
	close_store();
	cr_assert_eq(unlink(in_dir(TC_STORE_FILE_NAME)), 0);
	assert_refused_nothing_created(-1, TC_STORE_FILE_NAME ".id");
}

Test(store, removing_the_marker_starts_afresh)
{
	add_trunks(store, 2);
	close_store();
	cr_assert_eq(truncate(in_dir(TC_STORE_FILE_NAME), 0), 0);
	cr_assert_eq(unlink(in_dir(TC_STORE_FILE_NAME ".id")), 0);
	struct tc_store_options o = options();
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
	struct tc_store_counts c;
	cr_assert_eq(tc_store_counts(store, &c, &err), TC_OK);
	cr_assert_eq(c.trunks, 0);
	cr_assert_geq(size_of(in_dir(TC_STORE_FILE_NAME ".id")), 33, "a new marker is written");
}

Test(store, an_empty_store_beside_a_wal_with_data_is_refused_and_the_wal_kept)
{
	/* a copy of the WAL while a connection holds frames in it */
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(tc_store_path(store), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA wal_autocheckpoint = 0", NULL, NULL, NULL),
	             SQLITE_OK);
	cr_assert_eq(
	    sqlite3_exec(db, "INSERT INTO meta(key, value) VALUES('x', 1)", NULL, NULL, NULL),
	    SQLITE_OK);
	size_t len;
	char *wal = read_all(in_dir(TC_STORE_FILE_NAME "-wal"), &len);
	cr_assert_gt(len, 0);
	sqlite3_close(db);
	close_store();
	cr_assert_eq(truncate(in_dir(TC_STORE_FILE_NAME), 0), 0);
	write_all(in_dir(TC_STORE_FILE_NAME "-wal"), wal, len);
	free(wal);
	/* no marker: the WAL alone is the evidence */
	cr_assert_eq(unlink(in_dir(TC_STORE_FILE_NAME ".id")), 0);
	assert_refused_nothing_created(0, TC_STORE_FILE_NAME "-wal");
	cr_assert_eq(size_of(in_dir(TC_STORE_FILE_NAME "-wal")), (off_t)len, "the WAL was touched");
}

Test(store, a_store_from_another_data_dir_is_refused)
{
	char other[64];
	make_tmpdir(other, sizeof(other));
	struct tc_store_options o = options();
	o.dir = other;
	struct tc_store *s;
	cr_assert_eq(tc_store_open(&o, &s, &err), TC_OK, "%s", err.message);
	tc_store_close(s);
	close_store();
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", other, TC_STORE_FILE_NAME);
	size_t len;
	char *data = read_all(path, &len);
	rm_tree(other);
	write_all(in_dir(TC_STORE_FILE_NAME), data, len);
	free(data);
	assert_refused_nothing_created((off_t)len, "replaced");
}

/* ---- doctor's check: the whole file, indexes against their tables ---- */

Test(store, the_integrity_check_finds_an_index_out_of_step_with_its_table)
{
	add_trunks(store, 20);
	close_store();
	/* SQLite's own means: the index's declared columns no longer match its entries */
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(in_dir(TC_STORE_FILE_NAME), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
	                          "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = "
	                          "'CREATE INDEX outbox_trunk ON outbox (seq, trunk_id)' "
	                          "WHERE name = 'outbox_trunk'",
	                          NULL, NULL, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	struct tc_store_options o = options();
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
	bool ok = true;
	char msg[256];
	cr_assert_eq(tc_store_quick_check(store, &ok, msg, sizeof(msg), &err), TC_OK);
	cr_assert(ok, "control: the quick check does not compare indexes with tables (%s)", msg);
	cr_assert_eq(tc_store_integrity_check(store, &ok, msg, sizeof(msg), &err), TC_OK, "%s",
	             err.message);
	cr_assert_not(ok);
	cr_assert(strstr(msg, "integrity_check: ") && strstr(msg, "outbox_trunk"), "%s", msg);
	cr_assert(strstr(msg, "more problems"), "%s", msg);
}

/* ---- a store that cannot be written is read ---- */

Test(store, a_read_only_store_reads_and_refuses_writes_naming_the_dir)
{
	add_trunks(store, 2);
	close_store();
	struct tc_store_options o = options();
	o.read_only = true;
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
	const char *why = tc_store_read_only_reason(store);
	cr_assert_not_null(why);
	cr_assert(strstr(why, dir), "%s", why);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, "local-0001", &rec, &err), TC_OK, "%s", err.message);
	tc_trunk_record_destroy(rec);
	struct tc_trunk *t = sample_trunk("new", "10.3.3.3");
	cr_assert_eq(tc_store_create_local(store, "local-new", t, &err), TC_READ_ONLY, "%s",
	             err.message);
	tc_trunk_destroy(t);
	cr_assert(strstr(err.message, dir) && strstr(err.message, "nothing was saved"), "%s",
	          err.message);
	bool ok = false;
	char msg[256];
	cr_assert_eq(tc_store_integrity_check(store, &ok, msg, sizeof(msg), &err), TC_OK);
	cr_assert(ok, "%s", msg);
}

Test(store, a_read_only_dir_without_a_store_says_so)
{
	close_store();
	char empty[128];
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	cr_assert_eq(mkdir(empty, 0700), 0);
	struct tc_store_options o = options();
	o.dir = empty;
	o.read_only = true;
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_IO, "%s", err.message);
	cr_assert(strstr(err.message, "no local store"), "%s", err.message);
	cr_assert_eq(size_of(in_dir("empty/" TC_STORE_FILE_NAME)), -1);
}

/*
 * A list of shown fields (the TUI's) reads the store's columns instead of
 * the documents: every field but the secret says what the whole trunk says,
 * the local version where there is one, a null read as absent.
 */
Test(store, shown_fields_say_what_the_documents_say)
{
	struct tc_trunk *t = sample_trunk("carrier 1", "198.51.100.7");
	const char *ips[] = {"198.51.100.8", "198.51.100.9"}, *prefixes[] = {"855", "8551"};
	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "outbound_registration"),
	             TC_OK);
	cr_assert_eq(tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 2), TC_OK);
	cr_assert_eq(tc_trunk_set_list(t, TC_F_OUTBOUND_ROUTE_PREFIXES, prefixes, 2), TC_OK);
	cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 30), TC_OK);
	cr_assert_eq(tc_trunk_set_bool(t, TC_F_OUTBOUND_PLUS_PREFIX, true), TC_OK);
	cr_assert_eq(tc_trunk_set_bool(t, TC_F_OUTBOUND_NATIONAL_DIALING, false), TC_OK);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_OUTBOUND_PROXY), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, "sip.example.com:5060"), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_USERNAME, "user-1"), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_PASSWORD, "s3cret"), TC_OK);
	cr_assert_eq(tc_store_create_local(store, "local-1", t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	t = sample_trunk("carrier 2", "192.0.2.1");
	cr_assert_eq(tc_store_create_local(store, "local-2", t, &err), TC_OK);
	tc_trunk_destroy(t);
	edit("local-2", set_channels, 12);

	struct tc_list_query q = {.sort = TC_FIELD_NONE, .limit = 10};
	struct tc_trunk_page whole, shown;
	cr_assert_eq(tc_store_list(store, &q, &whole, &err), TC_OK, "%s", err.message);
	q.shown_fields = true;
	cr_assert_eq(tc_store_list(store, &q, &shown, &err), TC_OK, "%s", err.message);
	cr_assert_eq(shown.count, 2);
	cr_assert_eq(shown.count, whole.count);
	cr_assert_eq(shown.total, whole.total);
	for (size_t i = 0; i < shown.count; i++) {
		const struct tc_trunk_row *a = &whole.items[i], *b = &shown.items[i];
		cr_assert_str_eq(b->trunk->id, a->trunk->id);
		cr_assert_eq(b->state, a->state);
		cr_assert_eq(b->pending, a->pending);
		for (int f = 0; f < TC_FIELD_COUNT; f++) {
			const struct tc_value *w = &a->trunk->values[f], *s = &b->trunk->values[f];
			if (tc_field(f)->flags & TC_FF_SECRET) {
				cr_assert_neq(s->state, TC_V_SET, "%s", tc_field(f)->key);
				continue;
			}
			cr_assert_eq(s->state == TC_V_SET, w->state == TC_V_SET, "%s of %s",
			             tc_field(f)->key, b->trunk->id);
			if (w->state == TC_V_SET)
				cr_assert(tc_value_equal(w, s, tc_field(f)->type), "%s of %s",
				          tc_field(f)->key, b->trunk->id);
		}
	}
	cr_assert_eq(shown.items[1].trunk->values[TC_F_MAX_CHANNELS].i, 12);
	cr_assert_eq(shown.items[0].trunk->values[TC_F_INBOUND_SOURCE_IPS].list.count, 2);
	tc_trunk_page_finish(&whole);
	tc_trunk_page_finish(&shown);
}
