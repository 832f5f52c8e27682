/*
 * The sync engine against the fake Carrier API on 127.0.0.1, with real
 * stores in throwaway data dirs and a clock the tests move by hand.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/store_fixture.h"
#include "fake_proc.h"
#include "sync.h"
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
	tc_api_free(s->api);
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

TestSuite(sync, .fini = teardown, .timeout = 90);

/* (Re)connects a side to the fake as it runs now (its port changes on restart). */
static void connect_to(struct side *s, const char *token, const struct tc_api_config *cfg)
{
	tc_api_free(s->api);
	s->api = fake_client(&fk, token, cfg);
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
struct server_view {
	size_t count;
	char names[64][48];
	char ids[64][40];
	long long max_channels[64];
};

static enum tc_status view_page(void *ud, struct tc_trunk *const *t, size_t n, struct tc_error *err)
{
	struct server_view *v = ud;
	for (size_t i = 0; i < n; i++) {
		if (v->count < 64) {
			snprintf(v->names[v->count], sizeof(v->names[0]), "%s",
			         tc_trunk_string(t[i], TC_F_NAME));
			snprintf(v->ids[v->count], sizeof(v->ids[0]), "%s", t[i]->id);
			v->max_channels[v->count] =
			    t[i]->values[TC_F_MAX_CHANNELS].state == TC_V_SET
			        ? t[i]->values[TC_F_MAX_CHANNELS].i
			        : -1;
		}
		v->count++;
	}
	return TC_OK;
}

static struct server_view server(void)
{
	struct tc_api *api = fake_client(&fk, FAKE_TOKEN, NULL);
	struct server_view v = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_api_list(api, view_page, &v, &err), TC_OK, "%s", err.message);
	tc_api_free(api);
	return v;
}

static size_t named(const struct server_view *v, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < v->count && i < 64; i++)
		n += strcmp(v->names[i], name) == 0;
	return n;
}

static const char *id_of(const struct server_view *v, const char *name)
{
	for (size_t i = 0; i < v->count && i < 64; i++)
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
	cr_assert_eq(tc_store_update_local(s->store, id, t, NULL, &err), TC_OK, "%s", err.message);
	tc_value_clear(&v);
	tc_trunk_free(t);
	tc_trunk_record_free(rec);
}

static void create_local(struct side *s, const char *local_id, const char *name)
{
	struct tc_trunk *t = sample_trunk(name, "198.51.100.9");
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_create_local(s->store, local_id, t, &err), TC_OK, "%s", err.message);
	tc_trunk_free(t);
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

Test(sync, pulls_ten_thousand_trunks_over_one_connection, .timeout = 180)
{
	const char *args[] = {"--sample", "10000", NULL};
	fake_start(&fk, args);
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_PULL, &rep);
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
	struct server_view v = server();
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
	tc_trunk_record_free(rec);
	cr_assert_eq(counts(&A).trunks, 2);
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
		tc_trunk_free(t);
	}
	tc_api_free(api);
}

Test(sync, offline_edits_are_pushed_when_the_server_comes_back)
{
	fake_start(&fk, NULL);
	seed(4);
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct server_view before = server();

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
	struct server_view after = server();
	cr_assert_eq(after.count, 4);
	cr_assert_eq(named(&after, "made-offline"), 1);
	cr_assert_eq(named(&after, "renamed-offline"), 1);
	/* The local id became the server's. */
	struct tc_trunk_record *rec = NULL;
	cr_assert_eq(tc_store_get(A.store, "local-00000000000000a1", &rec, &err), TC_NOT_FOUND);
	tc_error_clear(&err);
	rec = get(&A, id_of(&after, "made-offline"));
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	tc_trunk_record_free(rec);
	cr_assert_eq(counts(&A).trunks, 4);
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
	struct server_view v = server();
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
	tc_journal_list_free(&j);

	/* Both stores end with the merged trunk. */
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct tc_trunk_record *ra = get(&A, tid), *rb = get(&B, tid);
	cr_assert_eq(tc_trunk_diff(ra->current, rb->current, NULL), 0);
	cr_assert_eq(ra->state, TC_SYNC_SYNCED);
	cr_assert_eq(rb->state, TC_SYNC_SYNCED);
	tc_trunk_record_free(ra);
	tc_trunk_record_free(rb);
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
	tc_trunk_record_free(rec);
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
	tc_trunk_free(result);
	tc_trunk_record_free(rec);
}

/* Resolves B's conflict one way, pushes, and checks that the other edit survived. */
static void resolve_and_push(bool keep_mine, const char *want_name)
{
	char tid[40];
	same_field_conflict(tid, sizeof(tid));
	resolve(&B, tid, keep_mine);
	sync_ok(&B, TC_SYNC_ALL, NULL);
	struct server_view v = server();
	cr_assert_str_eq(v.names[0], want_name);
	cr_assert_eq(v.max_channels[0], 9);
	struct tc_trunk_record *rec = get(&B, tid);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	tc_trunk_record_free(rec);
}

Test(sync, the_same_field_conflicts_and_keep_mine_wins_it)
{
	resolve_and_push(true, "name-from-b");
}

Test(sync, the_same_field_conflicts_and_take_theirs_keeps_the_rest)
{
	resolve_and_push(false, "name-from-a");
}

Test(sync, a_rejected_create_keeps_the_servers_field_errors)
{
	fake_start(&fk, NULL);
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	struct tc_trunk *t = sample_trunk("bad-region", "198.51.100.1");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, "mars"), TC_OK);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_create_local(A.store, "local-00000000000000b2", t, &err), TC_OK);
	tc_trunk_free(t);
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
	tc_trunk_record_free(rec);
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
	struct server_view v = server();
	cr_assert_eq(named(&v, "waits-for-a-token"), 1);
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
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, cfg);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct server_view before = server();
	create_local(&A, "local-00000000000000d4", "through-faults");
	edit(&A, before.ids[0], TC_F_MAX_CHANNELS, "17");
	delete_local(&A, before.ids[1]);

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

	A.clock.now += HOUR_MS;
	sync_ok(&A, TC_SYNC_ALL, &rep);
	struct tc_store_counts c = counts(&A);
	cr_assert_eq(c.queued, 0, "%s", fault_doc);
	cr_assert_eq(c.conflicts, 0, "%s", fault_doc);
	cr_assert_eq(c.trunks, 2, "%s", fault_doc);
	struct server_view after = server();
	cr_assert_eq(after.count, 2, "%s", fault_doc);
	cr_assert_eq(named(&after, "through-faults"), 1, "%s: duplicate or lost create", fault_doc);
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

Test(sync, server_errors_and_rate_limits_are_retried, .timeout = 120)
{
	push_through("{\"error\":{\"count\":1},\"methods\":[\"POST\"]}", NULL);
	push_through("{\"error\":{\"count\":1,\"statuses\":[503]},\"methods\":[\"PATCH\"]}", NULL);
	push_through("{\"error\":{\"count\":1,\"statuses\":[502]},\"methods\":[\"DELETE\"]}", NULL);
	push_through("{\"rate_limit\":{\"count\":3,\"retry_after\":2}}", NULL);
	push_through("{\"error\":{\"count\":1},\"methods\":[\"GET\"]}", NULL);
}

Test(sync, broken_answers_to_mutations_never_duplicate_a_create, .timeout = 120)
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

Test(sync, a_hung_request_times_out_and_is_retried, .timeout = 60)
{
	struct tc_api_config cfg = {.timeout_ms = 800};
	push_through("{\"hang\":{\"count\":1},\"methods\":[\"POST\"]}", &cfg);
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

Test(sync, a_create_in_flight_at_a_crash_is_found_not_resent)
{
	fake_start(&fk, NULL);
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	create_local(&A, "local-00000000000000e5", "crashed-after-post");
	struct tc_outbox_list l = {0};
	struct tc_outbox_entry en = first_entry(&A, &l);
	struct tc_error err;
	tc_error_init(&err);
	/* What a sync does before it sends ... */
	cr_assert_eq(tc_store_outbox_begin_send(A.store, en.seq, &err), TC_OK);
	/* ... the request reaches the server, and the process dies before the answer. */
	cr_assert_eq(tc_api_create(A.api, en.payload, NULL, &err), TC_OK, "%s", err.message);
	tc_outbox_list_free(&l);
	side_close(&A);

	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	long long posts = fake_stat(&fk, "requests.POST");
	struct tc_sync_report rep;
	sync_ok(&A, TC_SYNC_PUSH, &rep);
	cr_assert_eq(fake_stat(&fk, "requests.POST"), posts, "the create was sent again");
	struct server_view v = server();
	cr_assert_eq(v.count, 1);
	struct tc_trunk_record *rec = get(&A, v.ids[0]);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	tc_trunk_record_free(rec);
	cr_assert_eq(counts(&A).trunks, 1);
	cr_assert_eq(counts(&A).queued, 0);
}

Test(sync, a_create_that_never_left_is_sent_once_after_a_crash)
{
	fake_start(&fk, NULL);
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	create_local(&A, "local-00000000000000f6", "crashed-before-post");
	edit(&A, "local-00000000000000f6", TC_F_MAX_CHANNELS, "5");
	struct tc_outbox_list l = {0};
	struct tc_outbox_entry en = first_entry(&A, &l);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_store_outbox_begin_send(A.store, en.seq, &err), TC_OK);
	tc_outbox_list_free(&l);
	side_close(&A);

	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	struct server_view v = server();
	cr_assert_eq(v.count, 1);
	cr_assert_eq(v.max_channels[0], 5);
	cr_assert_eq(counts(&A).queued, 0);
	/* Running again changes nothing. */
	long long total = fake_stat(&fk, "requests.total");
	sync_ok(&A, TC_SYNC_PUSH, NULL);
	cr_assert_eq(fake_stat(&fk, "requests.total"), total);
}

/* ---------------------------------------------------------------- processes */

Test(sync, two_processes_on_one_data_dir_never_see_busy, .timeout = 120)
{
	const char *args[] = {"--sample", "20", NULL};
	fake_start(&fk, args);
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
	sync_ok(&A, TC_SYNC_PULL, NULL);
	struct server_view v = server();
	side_close(&A);

	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* The second process: its own connection, edits and syncs of its own. */
		side_open(&A);
		connect_to(&A, FAKE_TOKEN, NULL);
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
	side_open(&A);
	connect_to(&A, FAKE_TOKEN, NULL);
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
	struct server_view after = server();
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", i < 10 ? "child" : "parent", i);
		cr_assert_eq(named(&after, name), 1, "%s lost", name);
	}
	cr_assert_eq(counts(&A).queued, 0);
}
