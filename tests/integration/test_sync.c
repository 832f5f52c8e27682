/*
 * The sync engine against the fake Carrier API on 127.0.0.1, with real
 * stores in throwaway data dirs and a clock the tests move by hand.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../unit/store_fixture.h"
#include "fake_proc.h"
#include "sync.h"
#include "trunkctl/service.h"
#include "trunkctl/store.h"

#define HOUR_MS (3600LL * 1000)

struct side {
	char dir[64];
	struct tc_store *store;
	struct fake_clock clock;
	struct tc_api *api;
};

static struct fake fk;
static struct side A, B;

static void side_open(struct side *s)
{
	if (!s->dir[0]) {
		make_tmpdir(s->dir, sizeof(s->dir));
		s->clock.now = tc_clock_real_ms(NULL);
	}
	struct tc_store_options o = {.dir = s->dir, .clock = {fake_now, &s->clock}};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_open(&o, &s->store, &err), TC_OK, "%s", err.message);
	tc_error_clear(&err);
}

static void side_close(struct side *s)
{
	tc_store_close(s->store);
	s->store = NULL;
	tc_api_destroy(s->api);
	s->api = NULL;
}

static void teardown(void)
{
	side_close(&A);
	side_close(&B);
	if (A.dir[0])
		rm_tree(A.dir);
	if (B.dir[0])
		rm_tree(B.dir);
	fake_destroy(&fk);
}

TestSuite(sync, .fini = teardown, .timeout = 180);

/* (Re)connects a side to the fake as it runs now (its port changes on restart). */
static void connect_to(struct side *s, const char *token, const struct tc_api_config *cfg)
{
	tc_api_destroy(s->api);
	s->api = fake_client(&fk, token, cfg);
}

/* A side as a process starts it: its store open and a client for the fake. */
static void side_online(struct side *s)
{
	side_open(s);
	connect_to(s, FAKE_TOKEN, NULL);
}

static enum tc_status sync_side(struct side *s, unsigned flags, struct tc_sync_report *rep,
                                struct tc_error *err)
{
	struct tc_sync_ctx ctx = {
	    .store = s->store,
	    .api = s->api,
	    .profile = "itest",
	    .clock = {fake_now, &s->clock},
	    .wait_for_lock = true,
	};
	return tc_sync_run(&ctx, flags, rep, err);
}

static void sync_ok(struct side *s, unsigned flags, struct tc_sync_report *rep_out)
{
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status st = sync_side(s, flags, &rep, &err);
	cr_assert_eq(st, TC_OK, "sync: %s: %s", tc_status_name(st), err.message);
	cr_assert_eq(rep.status, TC_OK);
	tc_error_clear(&err);
	if (rep_out)
		*rep_out = rep;
}

static struct tc_store_counts counts(struct side *s)
{
	struct tc_store_counts c;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_counts(s->store, &c, &err), TC_OK, "%s", err.message);
	return c;
}

/* Every trunk on the server, by a fresh client. */
static struct fake_view server(void)
{
	return fake_view(&fk);
}

static const char *id_of(const struct fake_view *v, const char *name)
{
	for (size_t i = 0; i < v->count && i < FAKE_VIEW_MAX; i++)
		if (strcmp(v->names[i], name) == 0)
			return v->ids[i];
	cr_assert_fail("no trunk named %s on the server", name);
	return NULL;
}

static struct tc_trunk_record *get(struct side *s, const char *id)
{
	struct tc_trunk_record *rec = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_get(s->store, id, &rec, &err), TC_OK, "%s: %s", id, err.message);
	return rec;
}

static void edit(struct side *s, const char *id, enum tc_field_id f, const char *text)
{
	struct tc_trunk_record *rec = get(s, id);
	struct tc_trunk *t = tc_trunk_dup(rec->current);
	struct tc_value v = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_value_from_text(f, text, &v, &err), TC_OK);
	cr_assert_eq(tc_trunk_set_value(t, f, &v), TC_OK);
	cr_assert_eq(
	    tc_store_update_local(s->store, id, &(struct tc_store_edit){.changes = t}, NULL, &err),
	    TC_OK, "%s", err.message);
	tc_value_clear(&v);
	tc_trunk_destroy(t);
	tc_trunk_record_destroy(rec);
}

static void create_local(struct side *s, const char *local_id, const char *name)
{
	struct tc_trunk *t = sample_trunk(name, "198.51.100.9");
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_create_local(s->store, local_id, t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
}

static void delete_local(struct side *s, const char *id)
{
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_delete_local(s->store, id, &err), TC_OK, "%s", err.message);
}

/* Two data dirs (two operators) that have both pulled the fake's n sample trunks. */
static void two_operators(const char *n)
{
	const char *args[] = {"--sample", n, NULL};
	fake_start(&fk, args);
	side_open(&A);
	side_open(&B);
	connect_to(&A, FAKE_TOKEN, NULL);
	connect_to(&B, FAKE_TOKEN, NULL);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	sync_ok(&B, TC_SYNC_PULL, NULL);
}

/* ---------------------------------------------------------------- pull */

Test(sync, pulls_ten_thousand_trunks_over_one_connection, .timeout = 360)
{
	const char *args[] = {"--sample", "10000", NULL};
	fake_start(&fk, args);
	side_online(&A);
	long long conns_before = fake_stat(&fk, "connections.total");
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_PULL, &rep);
	/* The fake saw the pull's one connection and the next stats request's own. */
	cr_assert_eq(fake_stat(&fk, "connections.total") - conns_before, 2);
	cr_assert_eq(rep.pulled, 10000);
	cr_assert_eq(counts(&A).trunks, 10000);
	struct tc_api_stats st;
	tc_api_get_stats(A.api, &st);
	cr_assert_eq(st.connects, 1);
	cr_assert_eq(st.requests, 100);
	/* A second pull changes nothing and removes nothing. */
	sync_ok(&A, TC_SYNC_PULL, &rep);
	cr_assert_eq(rep.removed, 0);
	cr_assert_eq(counts(&A).trunks, 10000);
}

Test(sync, trunks_gone_from_the_server_are_removed_or_conflict_when_edited)
{
	two_operators("3");
	struct fake_view v = server();
	/* B deletes two; A had edited one of them. */
	edit(&A, v.ids[0], TC_F_NAME, "edited-here");
	delete_local(&B, v.ids[0]);
	delete_local(&B, v.ids[1]);
	sync_ok(&B, TC_SYNC_ALL, NULL);
	cr_assert_eq(server().count, 1);
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(sync_side(&A, TC_SYNC_PULL, &rep, &err), TC_CONFLICT, "%s", err.message);
	tc_error_clear(&err);
	cr_assert_eq(rep.removed, 1);
	struct tc_trunk_record *rec = get(&A, v.ids[0]);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert_not_null(rec->conflict);
	cr_assert_null(rec->conflict->theirs);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(counts(&A).trunks, 2);
}

/*
 * Pages are written a page behind the fetch: a write that fails stops the
 * listing, is the sync's error, and (the list being incomplete) removes
 * nothing.
 */
Test(sync, a_page_the_store_cannot_write_stops_the_pull_and_removes_nothing)
{
	const char *args[] = {"--sample", "350", NULL};
	fake_start(&fk, args);
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_api_delete(api, server().ids[0], &err), TC_OK, "%s", err.message);
	tc_api_destroy(api);
	/* the third page of the next pull meets a refusing disk */
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(tc_store_path(A.store), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
	                          "CREATE TRIGGER refuse BEFORE UPDATE OF seen_gen ON trunks "
	                          "WHEN (SELECT count(*) FROM trunks WHERE seen_gen = "
	                          "new.seen_gen) >= 200 BEGIN SELECT RAISE(ABORT, 'the disk "
	                          "refused'); END;",
	                          NULL, NULL, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	struct tc_sync_report rep;
	enum tc_status st = sync_side(&A, TC_SYNC_PULL, &rep, &err);
	cr_assert_eq(st, TC_STORE, "%s: %s", tc_status_name(st), err.message);
	cr_assert_eq(rep.status, TC_STORE);
	cr_assert_eq(rep.pulled, 200, "the two pages written are counted");
	cr_assert_eq(rep.removed, 0);
	cr_assert_eq(counts(&A).trunks, 350, "the trunk gone from the server is kept");
	tc_error_clear(&err);
}

/* ---------------------------------------------------------------- push */

/* Trunks made through the API, so the fake's state file keeps them across restarts. */
static void seed(int n)
{
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct tc_error err;
	tc_error_init(&err);
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "seeded-%d", i);
		struct tc_trunk *t = sample_trunk(name, "192.0.2.1");
		cr_assert_eq(tc_api_create(api, t, NULL, &err), TC_OK, "%s", err.message);
		tc_trunk_destroy(t);
	}
	tc_api_destroy(api);
}

struct push_thread {
	struct side *side;
	enum tc_status status;
	char message[600];
};

static void *push_in_thread(void *arg)
{
	struct push_thread *p = arg;
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	p->status = sync_side(p->side, TC_SYNC_PUSH, &rep, &err);
	snprintf(p->message, sizeof(p->message), "%s", err.message);
	tc_error_clear(&err);
	return NULL;
}

/*
 * Another process folds an edit into the queued update while the push
 * re-reads the trunk (the GET is held back by the fake's latency): the push
 * must not mark the entry sent with the payload it read before, or the
 * folded edit is lost with the entry. Found by tests/crash/many-processes.
 */
Test(sync, an_edit_folded_into_an_entry_while_the_push_reads_it_reaches_the_server)
{
	fake_start(&fk, NULL);
	seed(1);
	side_online(&A);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	const char *id = server().ids[0];
	edit(&A, id, TC_F_MAX_CHANNELS, "3");
	fake_faults(&fk, "{\"latency_ms\":1500,\"methods\":[\"GET\"]}");
	long long gets = fake_stat(&fk, "requests.GET");
	struct push_thread p = {.side = &A};
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, push_in_thread, &p), 0);
	/* The push's re-read has reached the server and waits for its answer. */
	while (fake_stat(&fk, "requests.GET") == gets)
		poll(NULL, 0, 20);
	struct side other = {.clock = A.clock};
	memcpy(other.dir, A.dir, sizeof(other.dir));
	side_open(&other);
	edit(&other, id, TC_F_MAX_CHANNELS, "4");
	side_close(&other);
	pthread_join(th, NULL);
	cr_assert_eq(p.status, TC_OK, "push: %s", p.message);
	fake_faults(&fk, "{}");
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	struct fake_view v = server();
	cr_assert_eq(v.max_channels[0], 4, "the folded edit was dropped");
	struct tc_trunk_record *rec = get(&A, id);
	cr_expect_eq(rec->current->values[TC_F_MAX_CHANNELS].i, 4);
	cr_expect_eq(counts(&A).queued, 0);
	tc_trunk_record_destroy(rec);
}

Test(sync, offline_edits_are_pushed_when_the_server_comes_back)
{
	fake_start(&fk, NULL);
	seed(4);
	side_online(&A);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct fake_view before = server();

	fake_stop(&fk);
	create_local(&A, "local-00000000000000a1", "made-offline");
	edit(&A, before.ids[0], TC_F_NAME, "renamed-offline");
	delete_local(&A, before.ids[1]);
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(sync_side(&A, TC_SYNC_ALL, &rep, &err), TC_UNREACHABLE, "%s",
	             tc_status_name(err.status));
	cr_assert(rep.message[0]);
	tc_error_clear(&err);
	cr_assert_eq(counts(&A).queued, 3, "nothing is lost while offline");

	/* Not due yet: a sync now sends nothing. */
	fake_restart(&fk, NULL);
	connect_to(&A, FAKE_TOKEN, NULL);
	long long posts = fake_stat(&fk, "requests.POST");
	enum tc_status s = sync_side(&A, TC_SYNC_PUSH, &rep, &err);
	cr_assert_eq(s, TC_OK, "%s: %s", tc_status_name(s), err.message);
	tc_error_clear(&err);
	cr_assert_eq(rep.pushed, 0);
	cr_assert_eq(fake_stat(&fk, "requests.POST"), posts);

	A.clock.now += HOUR_MS;
	sync_ok(&A, TC_SYNC_ALL, &rep);
	cr_assert_eq(rep.pushed, 3);
	cr_assert_eq(counts(&A).queued, 0);
	struct fake_view after = server();
	cr_assert_eq(after.count, 4);
	cr_assert_eq(fake_view_named(&after, "made-offline"), 1);
	cr_assert_eq(fake_view_named(&after, "renamed-offline"), 1);
	/* The local id became the server's. */
	struct tc_trunk_record *rec = NULL;
	cr_assert_eq(tc_store_get(A.store, "local-00000000000000a1", &rec, &err), TC_NOT_FOUND);
	tc_error_clear(&err);
	rec = get(&A, id_of(&after, "made-offline"));
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(counts(&A).trunks, 4);
}

Test(sync, independent_trunks_are_pushed_together_on_a_few_connections)
{
	fake_start(&fk, NULL);
	side_online(&A);
	for (int i = 0; i < 12; i++) {
		char id[40], name[32];
		snprintf(id, sizeof(id), "local-%016x", 0x100 + i);
		snprintf(name, sizeof(name), "together-%02d", i);
		create_local(&A, id, name);
	}
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_PUSH, &rep);
	cr_assert_eq(rep.pushed, 12);
	struct tc_api_stats st;
	tc_api_get_stats(A.api, &st);
	cr_assert_geq(st.connects, 2, "the creates went one by one");
	cr_assert_leq(st.connects, TC_API_DEFAULT_CONNECTIONS);
	cr_assert_eq(server().count, 12);
}

Test(sync, patches_carry_only_the_changed_attributes_and_different_fields_merge)
{
	two_operators("1");
	const char *id = server().ids[0];
	char tid[40];
	snprintf(tid, sizeof(tid), "%s", id);

	edit(&A, tid, TC_F_NAME, "renamed-by-a");
	edit(&B, tid, TC_F_MAX_CHANNELS, "42");
	sync_ok(&A, TC_SYNC_ALL, NULL);
	/* B's PATCH holds max_channels alone, or it would undo A's rename. */
	sync_ok(&B, TC_SYNC_ALL, NULL);
	struct fake_view v = server();
	cr_assert_str_eq(v.names[0], "renamed-by-a");
	cr_assert_eq(v.max_channels[0], 42);

	struct tc_journal_list j = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_journal(B.store, 1, &j, &err), TC_OK);
	cr_assert_eq(j.count, 1);
	cr_assert_str_eq(j.items[0].method, "PATCH");
	cr_assert_eq(j.items[0].http_status, 200);
	cr_assert_not_null(j.items[0].request_id);
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		cr_assert_eq(j.items[0].changes->values[f].state != TC_V_ABSENT,
		             f == TC_F_MAX_CHANNELS, "%s sent", tc_field(f)->key);
	tc_journal_list_finish(&j);

	/* Both stores end with the merged trunk. */
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct tc_trunk_record *ra = get(&A, tid), *rb = get(&B, tid);
	cr_assert_eq(tc_trunk_diff(ra->current, rb->current, NULL), 0);
	cr_assert_eq(ra->state, TC_SYNC_SYNCED);
	cr_assert_eq(rb->state, TC_SYNC_SYNCED);
	tc_trunk_record_destroy(ra);
	tc_trunk_record_destroy(rb);
}

/* Both sides rename one trunk; B must resolve. */
static void same_field_conflict(char *tid, size_t size)
{
	two_operators("1");
	snprintf(tid, size, "%s", server().ids[0]);
	edit(&A, tid, TC_F_NAME, "name-from-a");
	edit(&B, tid, TC_F_NAME, "name-from-b");
	edit(&B, tid, TC_F_MAX_CHANNELS, "9");
	sync_ok(&A, TC_SYNC_ALL, NULL);
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	long long patches = fake_stat(&fk, "requests.PATCH");
	cr_assert_eq(sync_side(&B, TC_SYNC_ALL, &rep, &err), TC_CONFLICT, "%s", err.message);
	tc_error_clear(&err);
	cr_assert_eq(rep.conflicts, 1);
	cr_assert_eq(fake_stat(&fk, "requests.PATCH"), patches, "a conflict sends nothing");
	struct tc_trunk_record *rec = get(&B, tid);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert(rec->conflict->fields[TC_F_NAME]);
	cr_assert_not(rec->conflict->fields[TC_F_MAX_CHANNELS]);
	cr_assert_str_eq(tc_trunk_string(rec->conflict->theirs, TC_F_NAME), "name-from-a");
	cr_assert_str_eq(tc_trunk_string(rec->conflict->mine, TC_F_NAME), "name-from-b");
	tc_trunk_record_destroy(rec);
}

static void resolve(struct side *s, const char *id, bool keep_mine)
{
	struct tc_trunk_record *rec = get(s, id);
	struct tc_trunk *result = tc_trunk_dup(rec->conflict->theirs);
	/* Non-conflicting local changes stay; the conflicting field is the choice. */
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		bool mine_changed =
		    !tc_value_equal(&rec->conflict->mine->values[f],
		                    &rec->conflict->base->values[f], tc_field(f)->type);
		if ((rec->conflict->fields[f] && keep_mine) ||
		    (!rec->conflict->fields[f] && mine_changed &&
		     !(tc_field(f)->flags & TC_FF_READONLY)))
			cr_assert_eq(tc_trunk_set_value(result, f, &rec->conflict->mine->values[f]),
			             TC_OK);
	}
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_resolve(s->store, id, result, NULL, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(result);
	tc_trunk_record_destroy(rec);
}

/* Resolves B's conflict one way, pushes, and checks that the other edit survived. */
static void resolve_and_push(bool keep_mine, const char *want_name)
{
	char tid[40];
	same_field_conflict(tid, sizeof(tid));
	resolve(&B, tid, keep_mine);
	sync_ok(&B, TC_SYNC_ALL, NULL);
	struct fake_view v = server();
	cr_assert_str_eq(v.names[0], want_name);
	cr_assert_eq(v.max_channels[0], 9);
	struct tc_trunk_record *rec = get(&B, tid);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	tc_trunk_record_destroy(rec);
}

Test(sync, the_same_field_conflicts_and_keep_mine_wins_it)
{
	resolve_and_push(true, "name-from-b");
}

Test(sync, the_same_field_conflicts_and_take_theirs_keeps_the_rest)
{
	resolve_and_push(false, "name-from-a");
}

/* ---------------------------------------------------------------- merging against this run's reads
 */

static long long gets(void)
{
	return fake_stat(&fk, "requests.GET");
}

static long long patches(void)
{
	return fake_stat(&fk, "requests.PATCH");
}

/* Index of id in a view of the server. */
static size_t at_of(const struct fake_view *v, const char *id)
{
	for (size_t i = 0; i < v->count && i < FAKE_VIEW_MAX; i++)
		if (strcmp(v->ids[i], id) == 0)
			return i;
	cr_assert_fail("no trunk %s on the server", id);
	return 0;
}

/* Another operator sets field f of id on the server, by a client of its own. */
static void server_set(const char *id, enum tc_field_id f, const char *text)
{
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct tc_trunk *t = tc_trunk_new();
	struct tc_value v = {0};
	bool fields[TC_FIELD_COUNT] = {false};
	fields[f] = true;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_value_from_text(f, text, &v, &err), TC_OK);
	cr_assert_eq(tc_trunk_set_value(t, f, &v), TC_OK);
	cr_assert_eq(tc_api_update(api, id, t, fields, NULL, &err), TC_OK, "%s", err.message);
	tc_value_clear(&v);
	tc_trunk_destroy(t);
	tc_api_destroy(api);
}

/* The fake with n sample trunks, and A after a pull of them. */
static struct fake_view pulled_sample(const char *n)
{
	const char *args[] = {"--sample", n, NULL};
	fake_start(&fk, args);
	side_online(&A);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	return server();
}

Test(sync, a_sync_merges_against_its_own_pull_without_a_get_per_trunk)
{
	struct fake_view v = pulled_sample("20");
	for (size_t i = 0; i < v.count; i++) {
		char n[24];
		snprintf(n, sizeof(n), "%zu", 100 + i);
		edit(&A, v.ids[i], TC_F_MAX_CHANNELS, n);
	}
	long long g = gets(), p = patches();
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_ALL, &rep);
	cr_assert_eq(rep.pushed, 20);
	cr_assert_eq(gets() - g, 1, "only the pull's one page, no re-read");
	cr_assert_eq(patches() - p, 20);
	struct fake_view after = server();
	for (size_t i = 0; i < v.count; i++)
		cr_assert_eq(after.max_channels[at_of(&after, v.ids[i])], (long long)(100 + i));
}

/*
 * What another operator pushed before this sync's pull is in the version the
 * pull read: the same field is a conflict, another field merges, and neither
 * needs a re-read.
 */
Test(sync, changes_pushed_before_the_pull_conflict_or_merge_without_a_reread)
{
	two_operators("2");
	struct fake_view v = server();
	char t0[40], t1[40];
	snprintf(t0, sizeof(t0), "%s", v.ids[0]);
	snprintf(t1, sizeof(t1), "%s", v.ids[1]);
	edit(&A, t0, TC_F_NAME, "a-name-0");
	edit(&A, t1, TC_F_NAME, "a-name-1");
	sync_ok(&A, TC_SYNC_ALL, NULL);
	edit(&B, t0, TC_F_NAME, "b-name-0");
	edit(&B, t1, TC_F_MAX_CHANNELS, "7");

	long long g = gets(), p = patches();
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(sync_side(&B, TC_SYNC_ALL, &rep, &err), TC_CONFLICT, "%s", err.message);
	tc_error_clear(&err);
	cr_assert_eq(gets() - g, 1, "only the pull's one page, no re-read");
	cr_assert_eq(patches() - p, 1, "t1's max_channels alone");
	cr_assert_eq(rep.conflicts, 1);
	struct tc_trunk_record *rec = get(&B, t0);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert(rec->conflict->fields[TC_F_NAME]);
	cr_assert_str_eq(tc_trunk_string(rec->conflict->theirs, TC_F_NAME), "a-name-0");
	tc_trunk_record_destroy(rec);
	struct fake_view after = server();
	size_t i1 = at_of(&after, t1);
	cr_assert_str_eq(after.names[i1], "a-name-1");
	cr_assert_eq(after.max_channels[i1], 7);
	cr_assert_str_eq(after.names[at_of(&after, t0)], "a-name-0");
}

Test(sync, a_push_without_a_pull_rereads_each_trunk)
{
	struct fake_view v = pulled_sample("3");
	for (size_t i = 0; i < v.count; i++)
		edit(&A, v.ids[i], TC_F_MAX_CHANNELS, "33");
	long long g = gets(), p = patches();
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	cr_assert_eq(gets() - g, 3);
	cr_assert_eq(patches() - p, 3);
}

/* After the pull read it, the clock jumps past the freshness limit and another operator renames. */
struct late_change {
	struct side *side;
	const char *id;
	int64_t advance_ms;
	bool done;
};

static void change_after_the_pull(void *ud, const struct tc_sync_event *ev)
{
	struct late_change *l = ud;
	if (ev->kind != TC_EV_PULL_PROGRESS || l->done)
		return;
	l->done = true;
	l->side->clock.now += l->advance_ms;
	server_set(l->id, TC_F_NAME, "renamed-late");
}

Test(sync, a_version_older_than_the_limit_is_read_again_before_the_patch)
{
	char id[40];
	snprintf(id, sizeof(id), "%s", pulled_sample("1").ids[0]);
	edit(&A, id, TC_F_NAME, "renamed-here");
	edit(&A, id, TC_F_MAX_CHANNELS, "5");

	struct late_change late = {.side = &A, .id = id, .advance_ms = 30 * 1000};
	struct tc_sync_ctx ctx = {
	    .store = A.store,
	    .api = A.api,
	    .profile = "itest",
	    .clock = {fake_now, &A.clock},
	    .wait_for_lock = true,
	    .on_event = change_after_the_pull,
	    .event_ud = &late,
	};
	long long g = gets(), p = patches();
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_sync_run(&ctx, TC_SYNC_ALL, &rep, &err), TC_CONFLICT, "%s", err.message);
	tc_error_clear(&err);
	cr_assert(late.done);
	cr_assert_eq(gets() - g, 2, "the pull's page and the re-read");
	cr_assert_eq(patches() - p, 1, "the other operator's alone: a conflict sends nothing");
	struct tc_trunk_record *rec = get(&A, id);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert(rec->conflict->fields[TC_F_NAME]);
	cr_assert_not(rec->conflict->fields[TC_F_MAX_CHANNELS]);
	cr_assert_str_eq(tc_trunk_string(rec->conflict->theirs, TC_F_NAME), "renamed-late");
	tc_trunk_record_destroy(rec);
}

/*
 * A save made while the trunk's update was in flight queues a second
 * update; both land, in order, the second merged against the answer to the
 * first (no re-read).
 */
/* Marks the side's only outbox entry in flight, as a push under way would; returns its seq. */
static int64_t only_entry_in_flight(struct side *s)
{
	struct tc_outbox_list l = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_outbox(s->store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	cr_assert_eq(l.count, 1);
	int64_t seq = l.items[0].seq;
	tc_outbox_list_finish(&l);
	cr_assert_eq(tc_store_outbox_begin_send(s->store, seq, &err), TC_OK);
	return seq;
}

Test(sync, two_queued_updates_of_one_trunk_land_in_order)
{
	char id[40];
	snprintf(id, sizeof(id), "%s", pulled_sample("1").ids[0]);
	edit(&A, id, TC_F_MAX_CHANNELS, "11");
	int64_t first = only_entry_in_flight(&A);
	struct tc_outbox_list l = {0};
	struct tc_error err;
	tc_error_init(&err);
	edit(&A, id, TC_F_MAX_CHANNELS, "12");
	cr_assert_eq(tc_store_outbox_requeue(A.store, first, &err), TC_OK);
	cr_assert_eq(tc_store_outbox(A.store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	cr_assert_eq(l.count, 2);
	tc_outbox_list_finish(&l);

	long long g = gets(), p = patches();
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_ALL, &rep);
	cr_assert_eq(rep.pushed, 2);
	cr_assert_eq(patches() - p, 2);
	cr_assert_eq(gets() - g, 1, "the second merged against the first's answer");
	cr_assert_eq(server().max_channels[0], 12);
	struct tc_journal_list j = {0};
	cr_assert_eq(tc_store_journal(A.store, 2, &j, &err), TC_OK);
	cr_assert_eq(j.count, 2);
	/* newest first */
	cr_assert_eq(j.items[0].changes->values[TC_F_MAX_CHANNELS].i, 12);
	cr_assert_eq(j.items[1].changes->values[TC_F_MAX_CHANNELS].i, 11);
	tc_journal_list_finish(&j);
	cr_assert_eq(counts(&A).queued, 0);
}

/* ---------------------------------------------------------------- deletes against the server's
 * changes */

static long long deletes(void)
{
	return fake_stat(&fk, "requests.DELETE");
}

static size_t server_has(const char *id)
{
	struct fake_view v = server();
	size_t n = 0;
	for (size_t i = 0; i < v.count && i < FAKE_VIEW_MAX; i++)
		n += strcmp(v.ids[i], id) == 0;
	return n;
}

static bool in_store(struct side *s, const char *id)
{
	struct tc_trunk_record *rec = NULL;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status st = tc_store_get(s->store, id, &rec, &err);
	cr_assert(st == TC_OK || st == TC_NOT_FOUND, "%s", err.message);
	tc_trunk_record_destroy(rec);
	return st == TC_OK;
}

/*
 * A deletes the trunk offline; B renames it and raises its channels, and
 * pushes; A's sync (flags: with its own pull, or a push that re-reads)
 * must not delete it.
 */
static void delete_vs_modified(unsigned flags, char *tid, size_t size)
{
	two_operators("1");
	snprintf(tid, size, "%s", server().ids[0]);
	delete_local(&A, tid);
	edit(&B, tid, TC_F_NAME, "renamed-by-b");
	edit(&B, tid, TC_F_MAX_CHANNELS, "77");
	sync_ok(&B, TC_SYNC_ALL, NULL);

	long long d = deletes(), g = gets();
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(sync_side(&A, flags, &rep, &err), TC_CONFLICT, "%s", err.message);
	tc_error_clear(&err);
	cr_assert_eq(rep.conflicts, 1);
	cr_assert_eq(deletes(), d, "a delete in conflict sends nothing");
	/* with a pull, its page stands in for the re-read */
	cr_assert_eq(gets() - g, 1);
	struct fake_view v = server();
	cr_assert_eq(v.count, 1);
	cr_assert_str_eq(v.names[0], "renamed-by-b");

	struct tc_trunk_record *rec = get(&A, tid);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert_eq(rec->pending, TC_OP_DELETE);
	cr_assert(rec->conflict->mine_deleted);
	cr_assert_str_eq(tc_trunk_string(rec->conflict->theirs, TC_F_NAME), "renamed-by-b");
	cr_assert_neq(tc_trunk_string(rec->conflict->base, TC_F_NAME), NULL);
	cr_assert_str_neq(tc_trunk_string(rec->conflict->base, TC_F_NAME), "renamed-by-b");
	cr_assert(rec->conflict->fields[TC_F_NAME]);
	cr_assert(rec->conflict->fields[TC_F_MAX_CHANNELS]);
	cr_assert_not(rec->conflict->fields[TC_F_REGION]);
	cr_assert_not_null(rec->last_error);
	cr_assert(strstr(rec->last_error, "delete vs modified"), "%s", rec->last_error);
	tc_trunk_record_destroy(rec);
}

Test(sync, a_delete_of_a_trunk_changed_after_the_base_is_a_conflict_after_a_pull)
{
	char tid[40];
	delete_vs_modified(TC_SYNC_ALL, tid, sizeof(tid));
}

Test(sync, a_delete_of_a_trunk_changed_after_the_base_is_a_conflict_after_a_reread)
{
	char tid[40];
	delete_vs_modified(TC_SYNC_PUSH, tid, sizeof(tid));
}

Test(sync, keeping_the_delete_deletes_the_trunk_as_the_server_has_it_now)
{
	char tid[40];
	delete_vs_modified(TC_SYNC_PUSH, tid, sizeof(tid));
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_resolve(A.store, tid, NULL, NULL, &err), TC_OK, "%s", err.message);
	struct tc_trunk_record *rec = get(&A, tid);
	cr_assert_eq(rec->state, TC_SYNC_PENDING);
	cr_assert_eq(rec->pending, TC_OP_DELETE);
	tc_trunk_record_destroy(rec);
	long long d = deletes();
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	cr_assert_eq(deletes() - d, 1);
	cr_assert_eq(server_has(tid), 0);
	cr_assert_not(in_store(&A, tid));
	cr_assert_eq(counts(&A).queued, 0);
}

Test(sync, keeping_theirs_drops_the_delete_and_keeps_their_changes)
{
	char tid[40];
	delete_vs_modified(TC_SYNC_ALL, tid, sizeof(tid));
	struct tc_trunk_record *rec = get(&A, tid);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_resolve(A.store, tid, rec->conflict->theirs, NULL, &err), TC_OK, "%s",
	             err.message);
	tc_trunk_record_destroy(rec);
	long long d = deletes(), p = patches();
	sync_ok(&A, TC_SYNC_ALL, NULL);
	cr_assert_eq(deletes(), d);
	cr_assert_eq(patches(), p);
	struct fake_view v = server();
	cr_assert_eq(v.count, 1);
	cr_assert_str_eq(v.names[0], "renamed-by-b");
	cr_assert_eq(v.max_channels[0], 77);
	rec = get(&A, tid);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	cr_assert_eq(rec->pending, TC_OP_NONE);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "renamed-by-b");
	tc_trunk_record_destroy(rec);
}

/* The same trunk changed again after "keep the delete": a conflict again, not a delete. */
Test(sync, a_kept_delete_of_a_trunk_changed_again_conflicts_again)
{
	char tid[40];
	delete_vs_modified(TC_SYNC_PUSH, tid, sizeof(tid));
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_resolve(A.store, tid, NULL, NULL, &err), TC_OK, "%s", err.message);
	server_set(tid, TC_F_MAX_CHANNELS, "78");
	long long d = deletes();
	struct tc_sync_report rep;
	cr_assert_eq(sync_side(&A, TC_SYNC_PUSH, &rep, &err), TC_CONFLICT, "%s", err.message);
	tc_error_clear(&err);
	cr_assert_eq(deletes(), d);
	cr_assert_eq(server_has(tid), 1);
	struct tc_trunk_record *rec = get(&A, tid);
	cr_assert(rec->conflict->mine_deleted);
	cr_assert(rec->conflict->fields[TC_F_MAX_CHANNELS]);
	cr_assert_not(rec->conflict->fields[TC_F_NAME], "renamed before the base it was kept on");
	tc_trunk_record_destroy(rec);
}

/* Deleted on the server too while in conflict: the pull that finds it gone settles it. */
Test(sync, a_delete_in_conflict_is_settled_when_the_server_deletes_the_trunk_too)
{
	char tid[40];
	delete_vs_modified(TC_SYNC_ALL, tid, sizeof(tid));
	sync_ok(&B, TC_SYNC_PULL, NULL);
	delete_local(&B, tid);
	sync_ok(&B, TC_SYNC_PUSH, NULL);
	cr_assert_eq(server_has(tid), 0);
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_ALL, &rep);
	cr_assert_eq(rep.removed, 1);
	cr_assert_not(in_store(&A, tid));
	struct tc_store_counts c = counts(&A);
	cr_assert_eq(c.conflicts, 0);
	cr_assert_eq(c.queued, 0);
}

static void unchanged_deletes_are_sent(unsigned flags, long long want_gets)
{
	struct fake_view v = pulled_sample("3");
	for (size_t i = 0; i < v.count; i++)
		delete_local(&A, v.ids[i]);
	long long g = gets(), d = deletes();
	struct tc_sync_report rep;
	sync_ok(&A, flags, &rep);
	cr_assert_eq(rep.pushed, 3);
	cr_assert_eq(deletes() - d, 3);
	cr_assert_eq(gets() - g, want_gets);
	cr_assert_eq(server().count, 0);
	cr_assert_eq(counts(&A).trunks, 0);
}

Test(sync, a_delete_of_an_unchanged_trunk_is_sent_against_the_syncs_own_pull)
{
	unchanged_deletes_are_sent(TC_SYNC_ALL, 1); /* the pull's page, no re-read */
}

Test(sync, a_delete_of_an_unchanged_trunk_is_sent_after_a_reread)
{
	unchanged_deletes_are_sent(TC_SYNC_PUSH, 3);
}

/*
 * A and B delete the same trunk and B pushes first: A's sync (flags) learns
 * it is gone from its pull or its re-read, and sends no DELETE.
 */
static void deleted_on_both_sides(unsigned flags, size_t want_removed)
{
	two_operators("1");
	char tid[40];
	snprintf(tid, sizeof(tid), "%s", server().ids[0]);
	delete_local(&A, tid);
	delete_local(&B, tid);
	sync_ok(&B, TC_SYNC_ALL, NULL);
	long long d = deletes(), g = gets();
	struct tc_sync_report rep;
	sync_ok(&A, flags, &rep);
	cr_assert_eq(deletes(), d);
	cr_assert_eq(gets() - g, 1, "the pull's page or the re-read, alone");
	cr_assert_eq(rep.removed, want_removed);
	cr_assert_eq(rep.pushed, 1 - want_removed);
	cr_assert_not(in_store(&A, tid));
	cr_assert_eq(counts(&A).queued, 0);
}

Test(sync, a_delete_of_a_trunk_already_gone_is_done_without_a_delete)
{
	deleted_on_both_sides(TC_SYNC_PUSH, 0);
}

/* A pull that finds the trunk of a queued delete gone settles the delete. */
Test(sync, a_pull_that_finds_a_deleted_trunk_gone_settles_its_queued_delete)
{
	deleted_on_both_sides(TC_SYNC_ALL, 1);
}

/*
 * A delete queued while this store's own update of the trunk was in flight:
 * the update lands first, and the delete is checked against its answer, so
 * our own change is not taken for another operator's.
 */
Test(sync, a_delete_queued_behind_our_own_update_is_not_a_conflict)
{
	char id[40];
	snprintf(id, sizeof(id), "%s", pulled_sample("1").ids[0]);
	edit(&A, id, TC_F_NAME, "ours-before-the-delete");
	int64_t first = only_entry_in_flight(&A);
	delete_local(&A, id);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_outbox_requeue(A.store, first, &err), TC_OK);
	long long d = deletes(), p = patches();
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_PUSH, &rep);
	cr_assert_eq(rep.pushed, 2);
	cr_assert_eq(patches() - p, 1);
	cr_assert_eq(deletes() - d, 1);
	cr_assert_eq(server().count, 0);
}

/* ---------------------------------------------------------------- updates of trunks deleted on the
 * server */

/* A renames the trunk offline; B deletes it and pushes; A's push finds it gone. */
static void update_vs_deleted(char *tid, size_t size)
{
	two_operators("1");
	snprintf(tid, size, "%s", server().ids[0]);
	edit(&A, tid, TC_F_NAME, "renamed-by-a");
	delete_local(&B, tid);
	sync_ok(&B, TC_SYNC_ALL, NULL);
	long long p = patches();
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(sync_side(&A, TC_SYNC_PUSH, &rep, &err), TC_CONFLICT, "%s", err.message);
	tc_error_clear(&err);
	cr_assert_eq(rep.conflicts, 1);
	cr_assert_eq(patches(), p);
	struct tc_trunk_record *rec = get(&A, tid);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert_null(rec->conflict->theirs);
	cr_assert_not(rec->conflict->mine_deleted);
	cr_assert_str_eq(tc_trunk_string(rec->conflict->mine, TC_F_NAME), "renamed-by-a");
	tc_trunk_record_destroy(rec);
}

Test(sync, an_update_of_a_trunk_deleted_on_the_server_recreated_when_kept)
{
	char tid[40];
	update_vs_deleted(tid, sizeof(tid));
	struct tc_trunk_record *rec = get(&A, tid);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(
	    tc_store_resolve(A.store, tid, rec->conflict->mine, "local-00000000000000d1", &err),
	    TC_OK, "%s", err.message);
	tc_trunk_record_destroy(rec);
	cr_assert_not(in_store(&A, tid));
	sync_ok(&A, TC_SYNC_ALL, NULL);
	struct fake_view v = server();
	cr_assert_eq(v.count, 1);
	cr_assert_str_eq(v.names[0], "renamed-by-a");
	cr_assert_str_neq(v.ids[0], tid, "a new trunk");
	cr_assert_eq(counts(&A).queued, 0);
	cr_assert_eq(counts(&A).conflicts, 0);
}

Test(sync, an_update_of_a_trunk_deleted_on_the_server_is_dropped_when_theirs_is_taken)
{
	char tid[40];
	update_vs_deleted(tid, sizeof(tid));
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_resolve(A.store, tid, NULL, NULL, &err), TC_OK, "%s", err.message);
	cr_assert_not(in_store(&A, tid));
	sync_ok(&A, TC_SYNC_ALL, NULL);
	cr_assert_eq(server().count, 0);
	struct tc_store_counts c = counts(&A);
	cr_assert_eq(c.trunks, 0);
	cr_assert_eq(c.queued, 0);
}

/*
 * Answers are filed in groups of 32 as they come, each one transaction: a
 * group the store cannot write is rolled back whole (the write that fails is
 * half-way into a create's answer), its entries stay in flight, and the next
 * sync finds those creates on the server instead of sending them again.
 */
Test(sync, answers_the_store_cannot_write_stay_in_flight_and_are_found_next_time)
{
	fake_start(&fk, NULL);
	side_online(&A);
	for (int i = 0; i < 80; i++) {
		char id[40], name[32];
		snprintf(id, sizeof(id), "local-%016x", 0x1000 + i);
		snprintf(name, sizeof(name), "chunked-%03d", i);
		create_local(&A, id, name);
	}
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(tc_store_path(A.store), &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
	                          "CREATE TRIGGER refuse BEFORE INSERT ON id_map WHEN "
	                          "new.local_id = 'local-000000000000104f' BEGIN SELECT "
	                          "RAISE(ABORT, 'the disk refused'); END;",
	                          NULL, NULL, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status st = sync_side(&A, TC_SYNC_PUSH, &rep, &err);
	cr_assert_eq(st, TC_STORE, "%s: %s", tc_status_name(st), err.message);
	tc_error_clear(&err);
	/* The last group of answers holds the refused one (they come back about in order). */
	size_t in_flight = counts(&A).in_flight;
	cr_assert_eq(rep.pushed + in_flight, 80);
	cr_assert(in_flight > 1 && in_flight <= 32, "%zu in flight: one group, rolled back whole",
	          in_flight);
	long long posts = fake_stat(&fk, "requests.POST");
	cr_assert_eq(posts, 80);

	cr_assert_eq(sqlite3_exec(db, "DROP TRIGGER refuse", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	sync_ok(&A, TC_SYNC_PUSH, &rep);
	cr_assert_eq(rep.pushed, in_flight);
	cr_assert_eq(fake_stat(&fk, "requests.POST"), posts, "found on the server, not sent again");
	struct tc_store_counts c = counts(&A);
	cr_assert_eq(c.queued, 0);
	cr_assert_eq(c.trunks, 80);
}

Test(sync, a_rejected_create_keeps_the_servers_field_errors)
{
	fake_start(&fk, NULL);
	side_online(&A);
	struct tc_trunk *t = sample_trunk("bad-region", "198.51.100.1");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, "mars"), TC_OK);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_create_local(A.store, "local-00000000000000b2", t, &err), TC_OK);
	tc_trunk_destroy(t);
	struct tc_sync_report rep;
	cr_assert_eq(sync_side(&A, TC_SYNC_ALL, &rep, &err), TC_REJECTED, "%s", err.message);
	tc_error_clear(&err);
	cr_assert_eq(rep.rejected, 1);
	struct tc_trunk_record *rec = get(&A, "local-00000000000000b2");
	cr_assert_eq(rec->state, TC_SYNC_REJECTED);
	const struct tc_field_error *fe =
	    tc_field_errors_find(&rec->errors, TC_F_REGION, TC_SEV_ERROR);
	cr_assert_not_null(fe);
	cr_assert_str_eq(fe->title, "is invalid");
	tc_trunk_record_destroy(rec);
	cr_assert_eq(server().count, 0);
}

Test(sync, refused_tokens_stop_the_sync_with_the_reason_and_lose_nothing)
{
	fake_start(&fk, NULL);
	side_open(&A);
	create_local(&A, "local-00000000000000c3", "waits-for-a-token");
	const char *tokens[] = {"wrong-token", FAKE_UNSCOPED_TOKEN};
	const enum tc_status want[] = {TC_AUTH, TC_FORBIDDEN};
	for (int i = 0; i < 2; i++) {
		connect_to(&A, tokens[i], NULL);
		struct tc_sync_report rep;
		struct tc_error err;
		tc_error_init(&err);
		cr_assert_eq(sync_side(&A, TC_SYNC_ALL, &rep, &err), want[i]);
		cr_assert_eq(rep.status, want[i]);
		cr_assert_not_null(strstr(rep.message, want[i] == TC_AUTH ? "401" : "403"), "%s",
		                   rep.message);
		cr_assert_null(strstr(rep.message, tokens[i]));
		tc_error_clear(&err);
		cr_assert_eq(counts(&A).queued, 1);
	}
	connect_to(&A, FAKE_TOKEN, NULL);
	sync_ok(&A, TC_SYNC_ALL, NULL);
	struct fake_view v = server();
	cr_assert_eq(fake_view_named(&v, "waits-for-a-token"), 1);
}

/*
 * A create the server refused (401/403) was not made: it is sent again as it
 * is, without the full pull that looks for a create that may have landed.
 */
Test(sync, a_create_refused_for_its_token_is_not_looked_for_before_it_is_resent)
{
	fake_start(&fk, NULL);
	side_open(&A);
	create_local(&A, "local-00000000000000c4", "refused-then-sent");
	connect_to(&A, "wrong-token", NULL);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(sync_side(&A, TC_SYNC_PUSH, NULL, &err), TC_AUTH, "%s", err.message);
	tc_error_clear(&err);
	cr_assert_eq(fake_stat(&fk, "requests.POST"), 1);
	struct tc_outbox_list l = {0};
	cr_assert_eq(tc_store_outbox(A.store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	cr_assert_eq(l.count, 1);
	cr_assert_eq(l.items[0].state, TC_OUTBOX_QUEUED);
	cr_assert_eq(l.items[0].attempts, 0, "a refused request counted as an attempt");
	tc_outbox_list_finish(&l);

	connect_to(&A, FAKE_TOKEN, NULL);
	long long g = gets();
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	cr_assert_eq(gets(), g, "a pull looked for a create the server had refused");
	cr_assert_eq(fake_stat(&fk, "requests.POST"), 2);
	struct fake_view v = server();
	cr_assert_eq(fake_view_named(&v, "refused-then-sent"), 1);
}

/* ---------------------------------------------------------------- faults */

/*
 * One fault on one method while a create, an update and a delete are
 * queued: the sync reports it, nothing is lost, and after the backoff the
 * next sync lands each change exactly once.
 */
static void push_through(const char *fault_doc, const struct tc_api_config *cfg)
{
	const char *args[] = {"--sample", "2", NULL};
	fake_start(&fk, args);
	side_online(&A);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct fake_view before = server();
	create_local(&A, "local-00000000000000d4", "through-faults");
	edit(&A, before.ids[0], TC_F_MAX_CHANNELS, "17");
	delete_local(&A, before.ids[1]);

	/*
	 * cfg (a short timeout for a hang) holds for the faulty push only: the
	 * requests that must succeed get the default limits, which a loaded
	 * sanitizer run does not reach.
	 */
	connect_to(&A, FAKE_TOKEN, cfg);
	fake_faults(&fk, fault_doc);
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status s = sync_side(&A, TC_SYNC_PUSH, &rep, &err);
	/* A 204 has no body to break: a mangled DELETE answer may pass unnoticed. */
	bool may_pass = strstr(fault_doc, "DELETE") != NULL;
	cr_assert(s != TC_OK || may_pass, "%s: the fault went unnoticed", fault_doc);
	cr_assert(s == TC_OK || tc_api_status_retryable(s) || s == TC_PROTOCOL || s == TC_PARSE,
	          "%s: %s", fault_doc, tc_status_name(s));
	tc_error_clear(&err);
	fake_control(&fk, "POST", "reset", NULL, NULL);
	bool intact = false;
	char msg[64];
	cr_assert_eq(tc_store_quick_check(A.store, &intact, msg, sizeof(msg), &err), TC_OK);
	cr_assert(intact, "%s", msg);

	connect_to(&A, FAKE_TOKEN, NULL);
	A.clock.now += HOUR_MS;
	sync_ok(&A, TC_SYNC_ALL, &rep);
	struct tc_store_counts c = counts(&A);
	cr_assert_eq(c.queued, 0, "%s", fault_doc);
	cr_assert_eq(c.conflicts, 0, "%s", fault_doc);
	cr_assert_eq(c.trunks, 2, "%s", fault_doc);
	struct fake_view after = server();
	cr_assert_eq(after.count, 2, "%s", fault_doc);
	cr_assert_eq(fake_view_named(&after, "through-faults"), 1, "%s: duplicate or lost create",
	             fault_doc);
	bool updated = false;
	for (size_t i = 0; i < after.count; i++)
		if (strcmp(after.ids[i], before.ids[0]) == 0)
			updated = after.max_channels[i] == 17;
	cr_assert(updated, "%s: update lost", fault_doc);
	fake_destroy(&fk);
	side_close(&A);
	rm_tree(A.dir);
	memset(&A, 0, sizeof(A));
}

Test(sync, server_errors_and_rate_limits_are_retried, .timeout = 240)
{
	push_through("{\"error\":{\"count\":1},\"methods\":[\"POST\"]}", NULL);
	push_through("{\"error\":{\"count\":1,\"statuses\":[503]},\"methods\":[\"PATCH\"]}", NULL);
	push_through("{\"error\":{\"count\":1,\"statuses\":[502]},\"methods\":[\"DELETE\"]}", NULL);
	push_through("{\"rate_limit\":{\"count\":3,\"retry_after\":2}}", NULL);
	push_through("{\"error\":{\"count\":1},\"methods\":[\"GET\"]}", NULL);
}

/*
 * A 429's Retry-After holds back the syncs that come by themselves (the
 * worker's timer, a save's push) until it has passed, across runs; a sync the
 * operator asks for goes ahead.
 */
Test(sync, a_retry_after_holds_back_later_automatic_syncs_but_not_a_forced_one)
{
	const char *args[] = {"--sample", "1", NULL};
	fake_start(&fk, args);
	side_online(&A);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct fake_view v = server();
	edit(&A, v.ids[0], TC_F_MAX_CHANNELS, "9");

	fake_faults(&fk, "{\"rate_limit\":{\"count\":1,\"retry_after\":120}}");
	struct tc_sync_report rep;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(sync_side(&A, TC_SYNC_PUSH, &rep, &err), TC_RATE_LIMITED, "%s", err.message);
	tc_error_clear(&err);

	long long before = fake_stat(&fk, "requests.total");
	A.clock.now += 60 * 1000;
	cr_assert_eq(sync_side(&A, TC_SYNC_ALL, &rep, &err), TC_RATE_LIMITED, "%s", err.message);
	cr_assert(strstr(err.message, "Retry-After") && strstr(err.message, "60 s"), "%s",
	          err.message);
	cr_assert_eq(fake_stat(&fk, "requests.total"), before,
	             "a request went out while asked to wait");
	cr_assert_eq(counts(&A).queued, 1);
	tc_error_clear(&err);

	A.clock.now += 61 * 1000;
	sync_ok(&A, TC_SYNC_ALL, NULL);
	cr_assert_eq(counts(&A).queued, 0);

	edit(&A, v.ids[0], TC_F_MAX_CHANNELS, "10");
	fake_faults(&fk, "{\"rate_limit\":{\"count\":1,\"retry_after\":120}}");
	cr_assert_eq(sync_side(&A, TC_SYNC_PUSH, &rep, &err), TC_RATE_LIMITED, "%s", err.message);
	tc_error_clear(&err);
	sync_ok(&A, TC_SYNC_PUSH | TC_SYNC_FORCE, NULL);
	cr_assert_eq(counts(&A).queued, 0, "a forced sync goes ahead");
	struct fake_view after = server();
	cr_assert_eq(after.max_channels[0], 10);
}

Test(sync, broken_answers_to_mutations_never_duplicate_a_create, .timeout = 240)
{
	/* The fake applies these changes, then mangles the answer. */
	static const char *const kinds[] = {"close", "truncate", "malformed", "oversize"};
	static const char *const methods[] = {"POST", "PATCH", "DELETE"};
	struct tc_api_config cfg = {.max_body = 256 * 1024};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++)
		for (size_t m = 0; m < sizeof(methods) / sizeof(*methods); m++) {
			char doc[128];
			snprintf(doc, sizeof(doc), "{\"%s\":{\"count\":1},\"methods\":[\"%s\"]}",
			         kinds[k], methods[m]);
			push_through(doc, &cfg);
		}
}

Test(sync, a_hung_request_times_out_and_is_retried, .timeout = 120)
{
	struct tc_api_config cfg = {.timeout_ms = 800};
	push_through("{\"hang\":{\"count\":1},\"methods\":[\"POST\"]}", &cfg);
}

/* A local create the server makes while its answer is lost. */
static void lost_create_answer(const char *local_id, const char *name)
{
	fake_start(&fk, NULL);
	side_online(&A);
	create_local(&A, local_id, name);
	fake_faults(&fk, "{\"close\":{\"count\":1},\"methods\":[\"POST\"]}");
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_neq(sync_side(&A, TC_SYNC_PUSH, NULL, &err), TC_OK);
	tc_error_clear(&err);
	cr_assert_eq(server().count, 1);
}

Test(sync, an_edit_after_a_lost_create_answer_neither_duplicates_nor_is_lost)
{
	lost_create_answer("local-00000000000000a7", "first-name");
	/* Edited while the create waits for its retry: the edit joins the queued create. */
	edit(&A, "local-00000000000000a7", TC_F_NAME, "second-name");
	edit(&A, "local-00000000000000a7", TC_F_MAX_CHANNELS, "3");
	A.clock.now += HOUR_MS;
	sync_ok(&A, TC_SYNC_ALL, NULL);
	struct fake_view v = server();
	cr_assert_eq(v.count, 1, "the create was sent twice");
	cr_assert_str_eq(v.names[0], "second-name");
	cr_assert_eq(v.max_channels[0], 3);
	cr_assert_eq(counts(&A).queued, 0);
	cr_assert_eq(counts(&A).trunks, 1);
}

/*
 * The server applies a PATCH and the answer is lost; the operator edits the
 * same field again before the retry. The server's value is our own unsent
 * answer, not another operator's change: the later edit goes out after it,
 * never as a conflict (the crash loop found this with a TUI quitting while
 * its sync was sending).
 */
enum after_lost { EDIT_AGAIN, EDIT_BACK, DELETE_IT };

static struct fake_view lost_update_answer_then(enum after_lost then)
{
	struct fake_view before = pulled_sample("1");
	char id[40], was[24];
	snprintf(id, sizeof(id), "%s", before.ids[0]);
	cr_assert_neq(before.max_channels[0], 11);
	/* empty text clears the field, as the sample's null was */
	if (before.max_channels[0] < 0)
		was[0] = '\0';
	else
		snprintf(was, sizeof(was), "%lld", before.max_channels[0]);
	edit(&A, id, TC_F_MAX_CHANNELS, "11");
	fake_faults(&fk, "{\"close\":{\"count\":1},\"methods\":[\"PATCH\"]}");
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_neq(sync_side(&A, TC_SYNC_PUSH, NULL, &err), TC_OK);
	tc_error_clear(&err);
	cr_assert_eq(server().max_channels[0], 11, "the fake applied the lost PATCH");
	if (then == DELETE_IT)
		delete_local(&A, id);
	else
		edit(&A, id, TC_F_MAX_CHANNELS, then == EDIT_BACK ? was : "12");
	A.clock.now += HOUR_MS;
	sync_ok(&A, TC_SYNC_ALL, NULL);
	struct tc_store_counts c = counts(&A);
	cr_assert_eq(c.conflicts, 0, "our own lost answer was taken for another operator's change");
	cr_assert_eq(c.queued, 0);
	return before;
}

Test(sync, an_edit_after_a_lost_update_answer_is_sent_not_a_conflict)
{
	lost_update_answer_then(EDIT_AGAIN);
	cr_assert_eq(server().max_channels[0], 12);
}

Test(sync, an_edit_back_after_a_lost_update_answer_is_sent_not_a_conflict)
{
	struct fake_view before = lost_update_answer_then(EDIT_BACK);
	cr_assert_eq(server().max_channels[0], before.max_channels[0]);
}

Test(sync, a_delete_after_a_lost_update_answer_deletes_the_trunk)
{
	lost_update_answer_then(DELETE_IT);
	cr_assert_eq(server().count, 0);
}

Test(sync, a_delete_after_a_lost_create_answer_deletes_the_created_trunk)
{
	lost_create_answer("local-00000000000000a8", "created-then-deleted");
	/* Deleted while the create waits: it may exist, so it is found and deleted. */
	delete_local(&A, "local-00000000000000a8");
	A.clock.now += HOUR_MS;
	sync_ok(&A, TC_SYNC_ALL, NULL);
	cr_assert_eq(server().count, 0, "the created trunk was left on the server");
	cr_assert_eq(counts(&A).trunks, 0, "it came back with the pull");
	cr_assert_eq(counts(&A).queued, 0);
}

/*
 * One connection, 12 updates of 300 ms each against a 2 s timeout: each
 * request has its own budget. libcurl counted the wait for a connection
 * against the timeout when every transfer was handed to it at once, so a
 * push longer than the timeout failed its last requests.
 */
Test(sync, a_push_longer_than_the_timeout_is_not_cut_short, .timeout = 120)
{
	struct fake_view v = pulled_sample("12");
	for (size_t i = 0; i < v.count; i++)
		edit(&A, v.ids[i], TC_F_MAX_CHANNELS, "21");
	struct tc_api_config cfg = {.max_connections = 1, .timeout_ms = 2000};
	connect_to(&A, FAKE_TOKEN, &cfg);
	fake_faults(&fk, "{\"latency_ms\":300}");
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_PUSH, &rep);
	cr_assert_eq(rep.pushed, 12);
	fake_faults(&fk, "{}");
	struct fake_view after = server();
	for (size_t i = 0; i < after.count; i++)
		cr_assert_eq(after.max_channels[i], 21);
}

static const char chaos_faults[] =
    "{\"error\":{\"rate\":0.15},\"close\":{\"rate\":0.1},\"truncate\":{\"rate\":0.05},"
    "\"malformed\":{\"rate\":0.05},\"oversize\":{\"rate\":0.05},\"rate_limit\":{\"rate\":0.1}}";

/* Faults injected since the last reset. */
static long long faults_injected(void)
{
	static const char *const kinds[] = {"error",     "close",    "truncate",
	                                    "malformed", "oversize", "rate_limit"};
	long long n = 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
		char path[32];
		snprintf(path, sizeof(path), "faults.%s", kinds[k]);
		n += fake_stat(&fk, path);
	}
	return n;
}

/* The server as it is, seen without faults; returns how many faults were injected before. */
static long long look_without_faults(struct fake_view *v)
{
	long long n = faults_injected();
	fake_control(&fk, "POST", "reset", NULL, NULL);
	*v = server();
	return n;
}

static void sync_until_settled(const char *seed)
{
	struct tc_error err;
	tc_error_init(&err);
	/* Each sync makes one attempt per due entry; the clock jumps past every backoff. */
	for (int round = 0; round < 60 && counts(&A).queued; round++) {
		sync_side(&A, TC_SYNC_ALL, NULL, &err);
		tc_error_clear(&err);
		A.clock.now += HOUR_MS;
	}
	struct tc_store_counts c = counts(&A);
	cr_assert_eq(c.queued, 0, "seed %s: changes never landed", seed);
	cr_assert_eq(c.conflicts, 0, "seed %s", seed);
	cr_assert_eq(c.rejected, 0, "seed %s", seed);
}

/*
 * Random faults on about half of all requests while trunks are created,
 * edited and deleted: sync until nothing is queued, then the server must
 * hold exactly what the operator saved, once each.
 */
static void chaos(const char *seed)
{
	const char *args[] = {"--seed", seed, NULL};
	fake_start(&fk, args);
	side_open(&A);
	struct tc_api_config cfg = {.max_body = 256 * 1024};
	connect_to(&A, FAKE_TOKEN, &cfg);
	enum { N = 8 };
	char ids[N][40];
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(ids[i], sizeof(ids[i]), "local-%016x", 0xc0 + i);
		snprintf(name, sizeof(name), "chaos-%d", i);
		create_local(&A, ids[i], name);
	}
	fake_faults(&fk, chaos_faults);
	sync_until_settled(seed);
	struct fake_view v;
	long long injected = look_without_faults(&v);
	cr_assert_eq(v.count, N, "seed %s: %zu trunks on the server", seed, v.count);
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "chaos-%d", i);
		snprintf(ids[i], sizeof(ids[i]), "%s", id_of(&v, name));
		if (i < 3)
			delete_local(&A, ids[i]);
		else
			edit(&A, ids[i], TC_F_MAX_CHANNELS, i % 2 ? "11" : "22");
	}
	fake_faults(&fk, chaos_faults);
	sync_until_settled(seed);
	injected += look_without_faults(&v);
	cr_assert_geq(injected, 3, "seed %s: only %lld faults", seed, injected);
	cr_assert_eq(v.count, N - 3, "seed %s", seed);
	for (int i = 3; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "chaos-%d", i);
		cr_assert_eq(fake_view_named(&v, name), 1, "seed %s: %s", seed, name);
		for (size_t k = 0; k < v.count; k++)
			if (strcmp(v.names[k], name) == 0)
				cr_assert_eq(v.max_channels[k], i % 2 ? 11 : 22, "seed %s: %s",
				             seed, name);
	}
	sync_ok(&A, TC_SYNC_ALL, NULL);
	cr_assert_eq(counts(&A).trunks, N - 3);
	fake_destroy(&fk);
	side_close(&A);
	rm_tree(A.dir);
	memset(&A, 0, sizeof(A));
}

Test(sync, random_faults_lose_nothing_and_duplicate_nothing, .timeout = 240)
{
	chaos("11");
	chaos("23");
	chaos("37");
}

/* ---------------------------------------------------------------- crashes */

/* The outbox entry of a trunk, for playing the part of a process that died. */
static struct tc_outbox_entry first_entry(struct side *s, struct tc_outbox_list *l)
{
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_outbox(s->store, TC_OUTBOX_ALL, 0, l, &err), TC_OK);
	cr_assert_geq(l->count, 1);
	return l->items[0];
}

/* A side online with one local create whose send has begun, as a sync leaves it before it
 * sends; l holds the outbox it came from. */
static struct tc_outbox_entry create_in_flight(const char *id, const char *name,
                                               struct tc_outbox_list *l)
{
	fake_start(&fk, NULL);
	side_online(&A);
	create_local(&A, id, name);
	struct tc_outbox_entry en = first_entry(&A, l);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_outbox_begin_send(A.store, en.seq, &err), TC_OK);
	return en;
}

Test(sync, a_create_in_flight_at_a_crash_is_found_not_resent)
{
	struct tc_outbox_list l = {0};
	struct tc_outbox_entry en =
	    create_in_flight("local-00000000000000e5", "crashed-after-post", &l);
	struct tc_error err;
	tc_error_init(&err);
	/* The request reaches the server, and the process dies before the answer. */
	cr_assert_eq(tc_api_create(A.api, en.payload, NULL, &err), TC_OK, "%s", err.message);
	tc_outbox_list_finish(&l);
	side_close(&A);

	side_online(&A);
	long long posts = fake_stat(&fk, "requests.POST");
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_PUSH, &rep);
	cr_assert_eq(fake_stat(&fk, "requests.POST"), posts, "the create was sent again");
	struct fake_view v = server();
	cr_assert_eq(v.count, 1);
	struct tc_trunk_record *rec = get(&A, v.ids[0]);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(counts(&A).trunks, 1);
	cr_assert_eq(counts(&A).queued, 0);
}

Test(sync, a_create_that_never_left_is_sent_once_after_a_crash)
{
	struct tc_outbox_list l = {0};
	create_in_flight("local-00000000000000f6", "crashed-before-post", &l);
	struct tc_error err;
	tc_error_init(&err);
	/* An edit while the create is in flight queues an update behind it. */
	edit(&A, "local-00000000000000f6", TC_F_MAX_CHANNELS, "5");
	tc_outbox_list_finish(&l);
	cr_assert_eq(tc_store_outbox(A.store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	cr_assert_eq(l.count, 2);
	tc_outbox_list_finish(&l);
	side_close(&A);

	side_online(&A);
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	struct fake_view v = server();
	cr_assert_eq(v.count, 1);
	cr_assert_eq(v.max_channels[0], 5);
	cr_assert_eq(counts(&A).queued, 0);
	/* Running again changes nothing. */
	long long total = fake_stat(&fk, "requests.total");
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	cr_assert_eq(fake_stat(&fk, "requests.total"), total);
}

Test(sync, a_create_found_after_a_crash_keeps_the_edits_queued_behind_it)
{
	const char *id = "local-00000000000000e7";
	fake_start(&fk, NULL);
	side_online(&A);
	create_local(&A, id, "adopted");
	edit(&A, id, TC_F_MAX_CHANNELS, "9");
	struct tc_outbox_list l = {0};
	struct tc_outbox_entry en = first_entry(&A, &l);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_outbox_begin_send(A.store, en.seq, &err), TC_OK);
	/* The server holds the create as an earlier attempt sent it, before max_channels. */
	struct tc_trunk *earlier = tc_trunk_dup(en.payload);
	tc_trunk_unset(earlier, TC_F_MAX_CHANNELS);
	cr_assert_eq(tc_api_create(A.api, earlier, NULL, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(earlier);
	tc_outbox_list_finish(&l);
	/* Edits while it is in flight queue behind it, one of the same field. */
	edit(&A, id, TC_F_MAX_CHANNELS, "5");
	edit(&A, id, TC_F_OUTBOUND_DIAL_STRING_PREFIX, "55");
	side_close(&A);

	side_online(&A);
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	struct fake_view v = server();
	cr_assert_eq(v.count, 1);
	cr_assert_eq(v.max_channels[0], 5, "the later edit of the same field wins");
	struct tc_trunk_record *rec = get(&A, v.ids[0]);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_OUTBOUND_DIAL_STRING_PREFIX), "55",
	                 "the later edit of another field is kept");
	tc_trunk_record_destroy(rec);
	cr_assert_eq(counts(&A).queued, 0);
}

/* ---------------------------------------------------------------- processes */

Test(sync, two_processes_on_one_data_dir_never_see_busy, .timeout = 240)
{
	struct fake_view v = pulled_sample("20");
	side_close(&A);

	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* The second process: its own connection, edits and syncs of its own. */
		side_online(&A);
		int bad = 0;
		for (int i = 0; i < 10; i++) {
			char name[32];
			snprintf(name, sizeof(name), "child-%d", i);
			edit(&A, v.ids[i], TC_F_NAME, name);
			struct tc_error err;
			tc_error_init(&err);
			enum tc_status s = sync_side(&A, TC_SYNC_ALL, NULL, &err);
			bad += s != TC_OK;
			tc_error_clear(&err);
		}
		side_close(&A);
		_exit(bad);
	}
	side_online(&A);
	for (int i = 10; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof(name), "parent-%d", i);
		edit(&A, v.ids[i], TC_F_NAME, name);
		struct tc_error err;
		tc_error_init(&err);
		enum tc_status s = sync_side(&A, TC_SYNC_ALL, NULL, &err);
		cr_assert_eq(s, TC_OK, "parent sync %d: %s: %s", i, tc_status_name(s), err.message);
		tc_error_clear(&err);
	}
	int st;
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child syncs failed: %d", st);
	sync_ok(&A, TC_SYNC_ALL, NULL);
	struct fake_view after = server();
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", i < 10 ? "child" : "parent", i);
		cr_assert_eq(fake_view_named(&after, name), 1, "%s lost", name);
	}
	cr_assert_eq(counts(&A).queued, 0);
}

/* ---------------------------------------------------------------- the service */

TestSuite(service, .fini = teardown, .timeout = 120);

static struct tc_service *open_service(struct side *s, const char *token)
{
	if (!s->dir[0]) {
		make_tmpdir(s->dir, sizeof(s->dir));
		s->clock.now = tc_clock_real_ms(NULL);
	}
	const char *resolve[] = {fk.resolve};
	struct tc_service_options o = {
	    .data_dir = s->dir,
	    .profile = "itest",
	    .api_url = fk.base,
	    .token = token,
	    .resolve = resolve,
	    .resolve_count = 1,
	    .sync_interval_ms = -1,
	    .clock = {fake_now, &s->clock},
	};
	struct tc_service *svc = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_open(&o, &svc, &err), TC_OK, "%s", err.message);
	return svc;
}

struct seen {
	size_t started, pull_progress, push_progress, changed, finished;
	struct tc_sync_report report;
};

/*
 * Waits on the event pipe (as the TUI's poll loop does) until a sync finishes;
 * the events after that one stay queued, so each call sees one sync's report.
 */
static void wait_finished(struct tc_service *svc, struct seen *seen)
{
	int fd = tc_service_event_fd(svc);
	cr_assert_geq(fd, 0);
	size_t before = seen->finished;
	while (seen->finished == before) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		cr_assert_gt(poll(&p, 1, 60000), 0, "no event from the worker");
		struct tc_sync_event ev;
		while (seen->finished == before && tc_service_next_event(svc, &ev)) {
			switch (ev.kind) {
			case TC_EV_SYNC_STARTED:
				seen->started++;
				break;
			case TC_EV_PULL_PROGRESS:
				seen->pull_progress++;
				break;
			case TC_EV_PUSH_PROGRESS:
				seen->push_progress++;
				break;
			case TC_EV_TRUNK_CHANGED:
				seen->changed++;
				break;
			case TC_EV_SYNC_FINISHED:
				seen->finished++;
				seen->report = ev.report;
				break;
			}
		}
	}
}

Test(service, the_worker_pulls_at_once_and_pushes_a_save_at_once)
{
	const char *args[] = {"--sample", "150", NULL};
	fake_start(&fk, args);
	struct tc_service *svc = open_service(&A, FAKE_TOKEN);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_event_fd(svc), -1);
	cr_assert_eq(tc_service_worker_start(svc, &err), TC_OK, "%s", err.message);
	struct seen seen = {0};
	wait_finished(svc, &seen);
	cr_assert_eq(seen.report.status, TC_OK, "%s", seen.report.message);
	cr_assert_eq(seen.report.pulled, 150);
	cr_assert_eq(seen.report.changed, 150, "every trunk is new here");
	cr_assert_geq(seen.started, 1);
	cr_assert_geq(seen.pull_progress, 1);

	/* The CLI path refuses to race the worker. */
	cr_assert_eq(tc_service_sync(svc, TC_SYNC_ALL, NULL, &err), TC_BUSY);
	tc_error_clear(&err);

	struct tc_trunk *draft = sample_trunk("from-the-tui", "192.0.2.44");
	char *id = NULL;
	/* The save wakes the worker; the UI asking again for it must not cost a second sync. */
	cr_assert_eq(tc_service_create(svc, draft, &id, &err), TC_OK, "%s", err.message);
	tc_service_sync_request(svc, TC_SYNC_PUSH);
	wait_finished(svc, &seen);
	cr_assert_eq(seen.report.status, TC_OK, "%s", seen.report.message);
	cr_assert_eq(seen.report.pushed, 1);
	cr_assert_eq(seen.report.queued, 0);
	cr_assert_geq(seen.changed, 1);
	struct fake_view v = server();
	cr_assert_eq(v.count, 151);
	cr_assert_eq(fake_view_named(&v, "from-the-tui"), 1);

	/*
	 * Nothing is due now: another push request is no sync at all, so the next
	 * report the worker sends is the full sync asked for after it.
	 */
	size_t started = seen.started;
	tc_service_sync_request(svc, TC_SYNC_PUSH | TC_SYNC_FORCE);
	tc_service_sync_request(svc, TC_SYNC_ALL);
	wait_finished(svc, &seen);
	cr_assert_eq(seen.report.status, TC_OK, "%s", seen.report.message);
	cr_assert_eq(seen.report.pulled, 151,
	             "the first report after the push request is the pull's");
	cr_assert_eq(seen.report.pushed, 0);
	cr_assert_eq(seen.started, started + 1);

	struct tc_service_status st;
	cr_assert_eq(tc_service_status(svc, &st, &err), TC_OK);
	cr_assert_eq(st.queued, 0);
	cr_assert_not(st.syncing);
	tc_service_worker_stop(svc);
	tc_service_worker_stop(svc);
	cr_assert_eq(tc_service_event_fd(svc), -1);
	struct tc_sync_report rep;
	cr_assert_eq(tc_service_sync(svc, TC_SYNC_ALL, &rep, &err), TC_OK, "%s", err.message);
	cr_assert_eq(rep.pulled, 151);
	cr_assert_eq(rep.changed, 0, "a pull of the trunks as they were changes none");
	free(id);
	tc_trunk_destroy(draft);
	tc_service_close(svc);
}

Test(service, probe_and_one_shot_sync_say_what_is_wrong)
{
	fake_start(&fk, NULL);
	struct tc_service *svc = open_service(&A, FAKE_TOKEN);
	struct tc_probe_result pr;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_probe(svc, &pr, &err), TC_OK, "%s", err.message);
	cr_assert(pr.reachable && pr.token_ok && pr.scope_ok);
	cr_assert_eq(pr.http_status, 200);
	cr_assert(pr.have_skew);
	cr_assert_lt(pr.skew_ms < 0 ? -pr.skew_ms : pr.skew_ms, 120000);
	tc_service_close(svc);

	svc = open_service(&A, FAKE_UNSCOPED_TOKEN);
	cr_assert_eq(tc_service_probe(svc, &pr, &err), TC_FORBIDDEN);
	tc_error_clear(&err);
	cr_assert(pr.reachable && pr.token_ok);
	cr_assert_not(pr.scope_ok);
	struct tc_sync_report rep;
	cr_assert_eq(tc_service_sync(svc, TC_SYNC_ALL, &rep, &err), TC_FORBIDDEN);
	cr_assert_not_null(strstr(rep.message, "carrier_api"));
	tc_error_clear(&err);
	tc_service_close(svc);
}

Test(service, probe_accepts_the_token_only_on_a_2xx)
{
	fake_start(&fk, NULL);
	struct tc_service *svc = open_service(&A, FAKE_TOKEN);
	static const int statuses[] = {302, 418, 503};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(*statuses); i++) {
		char doc[96];
		snprintf(doc, sizeof(doc), "{\"error\":{\"count\":1,\"statuses\":[%d]}}",
		         statuses[i]);
		fake_faults(&fk, doc);
		long long gets = fake_stat(&fk, "requests.GET");
		struct tc_probe_result pr;
		struct tc_error err;
		tc_error_init(&err);
		cr_assert_neq(tc_service_probe(svc, &pr, &err), TC_OK);
		cr_assert_eq(pr.http_status, statuses[i]);
		cr_assert(pr.reachable);
		cr_assert_not(pr.token_ok, "HTTP %d taken for an accepted token", statuses[i]);
		cr_assert_not(pr.scope_ok);
		cr_assert_eq(fake_stat(&fk, "requests.GET") - gets, 1, "a redirect was followed");
		tc_error_clear(&err);
	}
	tc_service_close(svc);
}

/*
 * The stop itself is timed against the client's own timeout (30 s), which
 * waiting would take: a test timeout of 20 s also counted the set-up, slow
 * under a loaded sanitizer run.
 */
Test(service, stopping_the_worker_abandons_a_hung_request, .timeout = 120)
{
	fake_start(&fk, NULL);
	/* Every request hangs; the client's own timeouts (30 s) would outlast the test. */
	fake_faults(&fk, "{\"hang\":{\"rate\":1}}");
	struct tc_service *svc = open_service(&A, FAKE_TOKEN);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_worker_start(svc, &err), TC_OK, "%s", err.message);
	int fd = tc_service_event_fd(svc);
	struct tc_sync_event ev = {0};
	while (ev.kind != TC_EV_SYNC_STARTED) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		cr_assert_gt(poll(&p, 1, -1), 0);
		while (tc_service_next_event(svc, &ev) && ev.kind != TC_EV_SYNC_STARTED)
			;
	}
	/* Until the worker's list request is parked in the fake (each check is a round trip). */
	while (fake_stat(&fk, "hung") < 1)
		;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tc_service_worker_stop(svc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 15, "the stop waited for the hung request");
	cr_assert_eq(tc_service_event_fd(svc), -1);
	tc_service_close(svc);
	fake_control(&fk, "POST", "reset", NULL, NULL);
}
