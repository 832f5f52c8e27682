/*
 * tc_store_update_many_local: a bulk edit's trunks in one transaction, all
 * or nothing, each saved as tc_store_update_local saves one.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_fixture.h"
#include "trunkctl/store.h"

static char dir[64];
static struct fake_clock clk = {1700000000000};
static struct tc_store *store;
static struct tc_error err;

static const char *const ids[] = {"srv-1", "srv-2", "srv-3"};
#define NIDS (sizeof(ids) / sizeof(ids[0]))

/* Three synced server trunks. */
static void setup(void)
{
	open_tmp_store(dir, sizeof(dir), &clk, &store, &err);
	struct tc_trunk *page[NIDS];
	for (size_t i = 0; i < NIDS; i++) {
		char name[16], ip[16];
		snprintf(name, sizeof(name), "trunk-%zu", i + 1);
		snprintf(ip, sizeof(ip), "10.0.0.%zu", i + 1);
		page[i] = server_trunk(ids[i], name, ip);
	}
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(store, gen, page, NIDS, &err), TC_OK, "%s", err.message);
	for (size_t i = 0; i < NIDS; i++)
		tc_trunk_destroy(page[i]);
}

static void teardown(void)
{
	tc_store_close(store);
	tc_error_clear(&err);
	rm_tree(dir);
}

TestSuite(store_bulk, .init = setup, .fini = teardown, .timeout = 60);

/* The outbox as "trunk op[!in flight](changed fields)" joined by "; ". */
static void describe_outbox(char *out, size_t size)
{
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < l.count && used < size; i++) {
		const struct tc_outbox_entry *e = &l.items[i];
		used += (size_t)snprintf(out + used, size - used, "%s%s %s%s(", i ? "; " : "",
		                         e->trunk_id, tc_outbox_op_name(e->op),
		                         e->state == TC_OUTBOX_IN_FLIGHT ? "!" : "");
		const char *sep = "";
		for (int f = 0; e->payload && f < TC_FIELD_COUNT && used < size; f++)
			if (e->payload->values[f].state != TC_V_ABSENT) {
				used += (size_t)snprintf(out + used, size - used, "%s%s", sep,
				                         tc_field(f)->key);
				sep = ",";
			}
		if (used < size)
			used += (size_t)snprintf(out + used, size - used, ")");
	}
	tc_outbox_list_finish(&l);
}

static void expect_outbox(const char *want)
{
	char got[256];
	describe_outbox(got, sizeof(got));
	cr_assert_str_eq(got, want);
}

static struct tc_trunk *current(const char *id)
{
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_store_get(store, id, &rec, &err), TC_OK, "%s", err.message);
	struct tc_trunk *t = tc_trunk_dup(rec->current);
	tc_trunk_record_destroy(rec);
	return t;
}

static int64_t channels(const char *id)
{
	struct tc_trunk *t = current(id);
	int64_t v =
	    t->values[TC_F_MAX_CHANNELS].state == TC_V_SET ? t->values[TC_F_MAX_CHANNELS].i : -1;
	tc_trunk_destroy(t);
	return v;
}

static struct tc_trunk *channels_change(int64_t n)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, n), TC_OK);
	return t;
}

static void edit_one(const char *id, struct tc_trunk *changes)
{
	cr_assert_eq(tc_store_update_local(store, id, &(struct tc_store_edit){.changes = changes},
	                                   NULL, &err),
	             TC_OK, "%s", err.message);
}

/* The same blind edit of every trunk in ids. */
static enum tc_status bulk(const char *const *which, size_t n, const struct tc_trunk *changes,
                           size_t *failed, size_t *changed)
{
	struct tc_store_edit edits[8];
	cr_assert_leq(n, 8);
	for (size_t i = 0; i < n; i++)
		edits[i] = (struct tc_store_edit){.changes = changes};
	return tc_store_update_many_local(store, which, edits, n, failed, NULL, changed, &err);
}

Test(store_bulk, no_trunks_save_nothing)
{
	size_t changed = 99;
	cr_assert_eq(tc_store_update_many_local(store, NULL, NULL, 0, NULL, NULL, &changed, &err),
	             TC_OK, "%s", err.message);
	cr_assert_eq(changed, 0);
	expect_outbox("");
}

Test(store_bulk, one_trunk_is_saved_as_a_single_edit_is)
{
	struct tc_trunk *t = channels_change(7);
	struct tc_edit_result result;
	size_t changed = 0;
	cr_assert_eq(tc_store_update_many_local(store, ids, &(struct tc_store_edit){.changes = t},
	                                        1, NULL, &result, &changed, &err),
	             TC_OK, "%s", err.message);
	cr_assert_eq(changed, 1);
	cr_assert(result.changed[TC_F_MAX_CHANNELS]);
	cr_assert_eq(result.nchanged, 1);
	tc_edit_result_finish(&result);
	expect_outbox("srv-1 update(max_channels)");
	cr_assert_eq(channels("srv-1"), 7);
	cr_assert_eq(channels("srv-2"), -1);
	tc_trunk_destroy(t);
}

Test(store_bulk, every_trunk_gets_one_entry_and_unchanged_ones_none)
{
	struct tc_trunk *t = channels_change(7);
	edit_one("srv-2", t);
	size_t changed = 0, failed = 99;
	cr_assert_eq(bulk(ids, NIDS, t, &failed, &changed), TC_OK, "%s", err.message);
	cr_assert_eq(changed, 2, "srv-2 already had the value");
	cr_assert_eq(failed, 99, "failed is only set on a failure");
	expect_outbox("srv-2 update(max_channels); srv-1 update(max_channels); "
	              "srv-3 update(max_channels)");
	tc_trunk_destroy(t);
}

Test(store_bulk, a_conflict_in_the_middle_rolls_every_trunk_back)
{
	/* the versions the form showed */
	struct tc_trunk *from[NIDS];
	for (size_t i = 0; i < NIDS; i++)
		from[i] = current(ids[i]);
	/* another save changes the middle trunk's field meanwhile */
	struct tc_trunk *theirs = channels_change(3);
	edit_one("srv-2", theirs);
	struct tc_trunk *mine = channels_change(7);
	struct tc_store_edit edits[NIDS];
	for (size_t i = 0; i < NIDS; i++)
		edits[i] = (struct tc_store_edit){.changes = mine, .from = from[i]};
	struct tc_edit_result result;
	size_t failed = 99, changed = 99;
	cr_assert_eq(
	    tc_store_update_many_local(store, ids, edits, NIDS, &failed, &result, &changed, &err),
	    TC_CONFLICT);
	cr_assert_eq(failed, 1);
	cr_assert_not_null(strstr(err.message, "srv-2"), "%s", err.message);
	cr_assert(result.conflict[TC_F_MAX_CHANNELS]);
	cr_assert_not_null(result.theirs);
	tc_edit_result_finish(&result);
	/* the first trunk's save is undone with the rest */
	cr_assert_eq(channels("srv-1"), -1);
	cr_assert_eq(channels("srv-2"), 3);
	cr_assert_eq(channels("srv-3"), -1);
	expect_outbox("srv-2 update(max_channels)");
	for (size_t i = 0; i < NIDS; i++)
		tc_trunk_destroy(from[i]);
	tc_trunk_destroy(theirs);
	tc_trunk_destroy(mine);
}

Test(store_bulk, a_trunk_deleted_meanwhile_fails_the_whole_edit)
{
	cr_assert_eq(tc_store_delete_local(store, "srv-3", &err), TC_OK, "%s", err.message);
	struct tc_trunk *t = channels_change(7);
	size_t failed = 99;
	cr_assert_eq(bulk(ids, NIDS, t, &failed, NULL), TC_NOT_FOUND);
	cr_assert_eq(failed, 2);
	cr_assert_not_null(strstr(err.message, "srv-3"), "%s", err.message);
	expect_outbox("srv-3 delete()");
	cr_assert_eq(channels("srv-1"), -1);

	/* and one that is gone from the store altogether */
	const char *gone[] = {"srv-1", "srv-9"};
	cr_assert_eq(bulk(gone, 2, t, &failed, NULL), TC_NOT_FOUND);
	cr_assert_eq(failed, 1);
	cr_assert_eq(channels("srv-1"), -1);
	tc_trunk_destroy(t);
}

Test(store_bulk, an_unanswered_update_is_not_folded_into)
{
	/* srv-1: an update sent and retried (it may have landed); srv-2: one never sent */
	struct tc_trunk *rename = tc_trunk_new();
	tc_trunk_set_string(rename, TC_F_NAME, "renamed");
	edit_one("srv-1", rename);
	edit_one("srv-2", rename);
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	int64_t seq = l.items[0].seq;
	tc_outbox_list_finish(&l);
	cr_assert_eq(tc_store_outbox_begin_send(store, seq, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_outbox_retry_later(store, seq, 0, "timed out", &err), TC_OK);

	struct tc_trunk *t = channels_change(7);
	size_t changed = 0;
	cr_assert_eq(bulk(ids, NIDS, t, NULL, &changed), TC_OK, "%s", err.message);
	cr_assert_eq(changed, NIDS);
	expect_outbox("srv-1 update(name); srv-2 update(name,max_channels); "
	              "srv-1 update(max_channels); srv-3 update(max_channels)");
	tc_trunk_destroy(rename);
	tc_trunk_destroy(t);
}

Test(store_bulk, a_trunk_named_twice_takes_both_edits_in_one_entry)
{
	struct tc_trunk *a = channels_change(7), *b = tc_trunk_new();
	tc_trunk_set_string(b, TC_F_NAME, "renamed");
	const char *twice[] = {"srv-1", "srv-1"};
	struct tc_store_edit edits[] = {{.changes = a}, {.changes = b}};
	size_t changed = 0;
	cr_assert_eq(tc_store_update_many_local(store, twice, edits, 2, NULL, NULL, &changed, &err),
	             TC_OK, "%s", err.message);
	cr_assert_eq(changed, 2);
	expect_outbox("srv-1 update(name,max_channels)");
	tc_trunk_destroy(a);
	tc_trunk_destroy(b);
}

/* Refuses the trunk named by ctx. */
static enum tc_status refuse_one(void *ctx, const struct tc_trunk *merged,
                                 const struct tc_trunk *cur, bool pushed, struct tc_error *e)
{
	if (strcmp(merged->id, ctx) == 0)
		return tc_error_set(e, TC_INVALID, "max_channels: refused for %s", merged->id);
	return TC_OK;
}

Test(store_bulk, a_trunk_the_check_refuses_saves_nothing)
{
	struct tc_trunk *t = channels_change(7);
	struct tc_store_edit edits[NIDS];
	for (size_t i = 0; i < NIDS; i++)
		edits[i] = (struct tc_store_edit){
		    .changes = t, .check = refuse_one, .check_ctx = (void *)"srv-3"};
	size_t failed = 99;
	cr_assert_eq(tc_store_update_many_local(store, ids, edits, NIDS, &failed, NULL, NULL, &err),
	             TC_INVALID);
	cr_assert_eq(failed, 2);
	expect_outbox("");
	cr_assert_eq(channels("srv-1"), -1);
	tc_trunk_destroy(t);
}

Test(store_bulk, inside_the_callers_transaction_the_caller_rolls_back)
{
	struct tc_trunk *t = channels_change(7);
	cr_assert_eq(tc_store_begin(store, &err), TC_OK);
	cr_assert_eq(bulk(ids, NIDS, t, NULL, NULL), TC_OK, "%s", err.message);
	tc_store_rollback(store);
	expect_outbox("");
	cr_assert_eq(channels("srv-2"), -1);
	tc_trunk_destroy(t);
}

/* Enough edits that the page cache grows for the transaction (and is set back). */
Test(store_bulk, a_large_batch_saves_once_per_trunk)
{
	enum { N = 3000 };
	const char **many = malloc(N * sizeof(*many));
	struct tc_store_edit *edits = malloc(N * sizeof(*edits));
	cr_assert(many && edits);
	struct tc_trunk *t = channels_change(7);
	for (size_t i = 0; i < N; i++) {
		many[i] = ids[i % NIDS];
		edits[i] = (struct tc_store_edit){.changes = t};
	}
	size_t changed = 0;
	cr_assert_eq(tc_store_update_many_local(store, many, edits, N, NULL, NULL, &changed, &err),
	             TC_OK, "%s", err.message);
	cr_assert_eq(changed, NIDS, "the repeats changed nothing more");
	expect_outbox("srv-1 update(max_channels); srv-2 update(max_channels); "
	              "srv-3 update(max_channels)");
	/* the connection goes on working after its cache is set back */
	struct tc_trunk *u = channels_change(8);
	edit_one("srv-1", u);
	cr_assert_eq(channels("srv-1"), 8);
	tc_trunk_destroy(u);
	tc_trunk_destroy(t);
	free(edits);
	free(many);
}
