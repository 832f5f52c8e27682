/*
 * What the store writes for a local edit since schema 6: the local version in
 * trunk_local, trunk_docs left alone, and an outbox entry sharing its trunk's
 * base rather than copying it, until that base changes or goes; and the
 * indexed columns of trunks written only when they change.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_fixture.h"
#include "trunkctl/store.h"

static char dir[64];
static struct fake_clock clk = {1700000000000};
static struct tc_store *store;
static struct tc_error err;

static void pull_id(const char *id, const char *name, long long channels)
{
	struct tc_trunk *t = server_trunk(id, name, "10.0.0.1");
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, channels);
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, &t, 1, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
}

static void pull(const char *name, long long channels)
{
	pull_id("srv-1", name, channels);
}

static void setup(void)
{
	open_tmp_store(dir, sizeof(dir), &clk, &store, &err);
	pull("one", 5);
}

static void teardown(void)
{
	tc_store_close(store);
	tc_error_clear(&err);
	rm_tree(dir);
}

TestSuite(store_shared, .init = setup, .fini = teardown, .timeout = 60);

static void save_edit(struct tc_trunk *t)
{
	cr_assert_eq(tc_store_update_local(store, "srv-1", &(struct tc_store_edit){.changes = t},
	                                   NULL, &err),
	             TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
}

static void set_channels(long long n)
{
	struct tc_trunk *t = tc_trunk_new();
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, n);
	save_edit(t);
}

static void rename_to(const char *name)
{
	struct tc_trunk *t = tc_trunk_new();
	tc_trunk_set_string(t, TC_F_NAME, name);
	save_edit(t);
}

/* The ids in the default order (by name), joined by spaces. */
static void by_name(char *out, size_t size)
{
	struct tc_list_query q = {.sort = TC_F_NAME};
	struct tc_trunk_page page;
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK, "%s", err.message);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < page.count && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
		                         page.items[i].trunk->id);
	tc_trunk_page_finish(&page);
}

/* One integer from the file, read by a second connection as a tool would. */
static long long raw_int(const char *sql)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, TC_STORE_FILE_NAME);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s",
	             sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The queued entries' bases as "name/max_channels", joined by spaces. */
static void entry_bases(char *out, size_t size)
{
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK, "%s", err.message);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < l.count && used < size; i++) {
		const struct tc_trunk *b = l.items[i].base;
		const char *name = b ? tc_trunk_string(b, TC_F_NAME) : NULL;
		used +=
		    (size_t)snprintf(out + used, size - used, "%s%s/%lld", i ? " " : "",
		                     name ? name : "-", b ? b->values[TC_F_MAX_CHANNELS].i : -1LL);
	}
	tc_outbox_list_finish(&l);
}

/* The first queued entry is sent and lands: the server now holds name, channels. */
static void land_first(const char *name, long long channels)
{
	int64_t seq = first_outbox_seq(store);
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
	struct tc_trunk *srv = server_trunk("srv-1", name, "10.0.0.1");
	tc_trunk_set_int(srv, TC_F_MAX_CHANNELS, channels);
	cr_assert_eq(tc_store_outbox_done(store, seq, srv, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(srv);
}

Test(store_shared, an_edit_keeps_its_local_version_apart_and_drops_it_when_synced)
{
	set_channels(50);
	cr_assert_eq(raw_int("SELECT count(*) FROM trunk_local WHERE id = 'srv-1' AND "
	                     "json_extract(local, '$.max_channels') = 50"),
	             1);
	cr_assert_eq(raw_int("SELECT count(*) FROM trunk_docs WHERE local IS NOT NULL"), 0);
	cr_assert_eq(raw_int("SELECT json_extract(base, '$.max_channels') FROM trunk_docs"), 5,
	             "the base is the server's");
	land_first("one", 50);
	cr_assert_eq(raw_int("SELECT count(*) FROM trunk_local"), 0, "synced: no local version");
}

Test(store_shared, an_entry_shares_its_trunks_base_until_a_pull_changes_it)
{
	set_channels(50);
	cr_assert_eq(raw_int("SELECT count(*) FROM outbox WHERE base IS NULL AND base_shared"), 1,
	             "the entry's base is its trunk's, not a copy");
	char bases[256];
	entry_bases(bases, sizeof(bases));
	cr_assert_str_eq(bases, "one/5");

	pull("renamed", 7);
	entry_bases(bases, sizeof(bases));
	cr_assert_str_eq(bases, "one/5", "the entry still reads the base it was queued against");
	cr_assert_eq(raw_int("SELECT count(*) FROM outbox WHERE base IS NOT NULL AND "
	                     "NOT base_shared"),
	             1, "copied before the trunk's changed");

	/* a change folded into it keeps that base, so the merge sees both sides' changes */
	set_channels(60);
	entry_bases(bases, sizeof(bases));
	cr_assert_str_eq(bases, "one/5");
}

Test(store_shared, an_entry_queued_behind_one_in_flight_reads_the_base_it_was_made_against)
{
	set_channels(50);
	int64_t seq = first_outbox_seq(store);
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK);
	set_channels(60);
	char bases[256];
	entry_bases(bases, sizeof(bases));
	cr_assert_str_eq(bases, "one/5 one/5");
	cr_assert_eq(raw_int("SELECT count(*) FROM outbox WHERE base_shared"), 2);

	/* the first lands: the second is rebased on the server's answer, as before schema 6 */
	struct tc_trunk *srv = server_trunk("srv-1", "one", "10.0.0.1");
	tc_trunk_set_int(srv, TC_F_MAX_CHANNELS, 50);
	cr_assert_eq(tc_store_outbox_done(store, seq, srv, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(srv);
	entry_bases(bases, sizeof(bases));
	cr_assert_str_eq(bases, "one/50");
}

Test(store_shared, a_delete_shares_the_base_and_keeps_it_when_the_trunk_changes)
{
	cr_assert_eq(tc_store_delete_local(store, "srv-1", &err), TC_OK, "%s", err.message);
	char bases[256];
	entry_bases(bases, sizeof(bases));
	cr_assert_str_eq(bases, "one/5");
	cr_assert_eq(raw_int("SELECT count(*) FROM outbox WHERE base_shared"), 1);
	pull("renamed", 7);
	entry_bases(bases, sizeof(bases));
	cr_assert_str_eq(bases, "one/5");
}

Test(store_shared, the_name_key_and_state_follow_every_edit_that_changes_them)
{
	pull_id("srv-2", "middle", 9);
	char order[64];
	rename_to("aaa");
	by_name(order, sizeof(order));
	cr_assert_str_eq(order, "srv-1 srv-2");
	cr_assert_eq(raw_int("SELECT state FROM trunks WHERE id = 'srv-1'"), TC_SYNC_PENDING);
	/* pending already: the state is kept, the name's key rewritten */
	rename_to("zzz");
	by_name(order, sizeof(order));
	cr_assert_str_eq(order, "srv-2 srv-1");
	/* neither changes: the other columns are still saved */
	set_channels(70);
	cr_assert_eq(raw_int("SELECT f_max_channels FROM trunks WHERE id = 'srv-1'"), 70);
	cr_assert_eq(raw_int("SELECT count(*) FROM trunks INDEXED BY trunks_n_name "
	                     "WHERE n_name > 'y' AND id = 'srv-1'"),
	             1, "the index holds the key of the name");
	cr_assert_eq(raw_int("SELECT count(*) FROM trunks INDEXED BY trunks_by_state "
	                     "WHERE state = 1"),
	             1);
	/* the edit lands: synced again */
	land_first("zzz", 70);
	cr_assert_eq(raw_int("SELECT count(*) FROM trunks INDEXED BY trunks_by_state "
	                     "WHERE state = 0"),
	             2);
	cr_assert_eq(raw_int("SELECT count(*) FROM pragma_integrity_check WHERE "
	                     "integrity_check <> 'ok'"),
	             0);
}
