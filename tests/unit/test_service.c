#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service_fixture.h"
#include "trunkctl/store.h"

TestSuite(service, .init = setup, .fini = teardown, .timeout = 120);

/* The sync engine's side, played by hand on a second connection. */
static struct tc_store *engine(void)
{
	struct tc_store_options o = {.dir = dir, .clock = {fake_now, &clk}};
	struct tc_store *s;
	cr_assert_eq(tc_store_open(&o, &s, &err), TC_OK, "%s", err.message);
	return s;
}

static void server_has(struct tc_trunk **trunks, size_t n)
{
	struct tc_store *s = engine();
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(s, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(s, gen, trunks, n, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_pull_finish(s, gen, NULL, &err), TC_OK);
	tc_store_close(s);
}

Test(service, create_validates_then_queues_under_a_local_id)
{
	char *id = create_sample("pbx-1", "10.0.0.1");
	cr_assert_eq(strncmp(id, TC_LOCAL_ID_PREFIX, strlen(TC_LOCAL_ID_PREFIX)), 0);
	cr_assert_eq(strlen(id), strlen(TC_LOCAL_ID_PREFIX) + 16);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "pbx-1", &rec, &err), TC_OK, "found by name");
	cr_assert_str_eq(rec->id, id);
	cr_assert_eq(rec->state, TC_SYNC_PENDING);
	cr_assert_eq(rec->pending, TC_OP_CREATE);
	cr_assert_null(rec->base);
	cr_assert_eq(rec->edited_ms, clk.now);
	tc_trunk_record_destroy(rec);
	free(id);

	/* the server's rules, with its titles and pointers; nothing saved */
	struct tc_trunk *bad = sample_trunk("", "10.0.0.256");
	tc_trunk_set_string(bad, TC_F_REGION, "mars");
	cr_assert_eq(tc_service_create(svc, bad, &id, &err), TC_INVALID);
	cr_assert_null(id);
	const struct tc_field_error *fe =
	    tc_field_errors_find(&err.fields, TC_F_NAME, TC_SEV_ERROR);
	cr_assert_not_null(fe);
	cr_assert_str_eq(fe->title, "must be filled");
	cr_assert_str_eq(fe->pointer, "/data/attributes/name");
	cr_assert_not_null(tc_field_errors_find(&err.fields, TC_F_REGION, TC_SEV_ERROR));
	cr_assert_not_null(
	    tc_field_errors_find(&err.fields, TC_F_INBOUND_SOURCE_IPS, TC_SEV_ERROR));
	cr_assert(strstr(err.message, "name must be filled"), "%s", err.message);
	tc_trunk_destroy(bad);
	struct tc_service_status st;
	tc_error_clear(&err);
	cr_assert_eq(tc_service_status(svc, &st, &err), TC_OK);
	cr_assert_eq(st.trunks, 1);
	cr_assert_eq(st.queued, 1);
	cr_assert(st.offline);
}

Test(service, get_finds_by_id_then_by_exact_name)
{
	char *a = create_sample("twin", "10.0.0.1");
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, a, &rec, &err), TC_OK);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_service_get(svc, "TWIN", &rec, &err), TC_NOT_FOUND);
	cr_assert_null(rec);
	char *b = create_sample("twin", "10.0.0.2");
	cr_assert_eq(tc_service_get(svc, "twin", &rec, &err), TC_USAGE);
	cr_assert(strstr(err.message, "id"), "%s", err.message);
	free(a);
	free(b);
}

Test(service, a_local_id_finds_its_trunk_after_the_create_is_pushed)
{
	char *local = create_sample("pbx-1", "10.0.0.1");
	char *doc = (char *)"untouched";
	cr_assert_eq(tc_service_document(svc, local, false, &doc, &err), TC_OK, "%s", err.message);
	cr_assert_null(doc, "never sent by the server");

	struct tc_store *s = engine();
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(s, TC_OUTBOX_ALL, clk.now, &l, &err), TC_OK);
	cr_assert_eq(tc_store_outbox_begin_send(s, l.items[0].seq, &err), TC_OK);
	struct tc_trunk *srv = server_trunk("srv-1", "pbx-1", "10.0.0.1");
	set_document(srv, "{\"id\":\"srv-1\",\"type\":\"sip_trunk\",\"attributes\":{"
	                  "\"name\":\"pbx-1\",\"password\":\"s3cret\",\"username\":\"u\","
	                  "\"region\":{\"alias\":\"hydrogen\",\"table\":\"x\"}}}");
	cr_assert_eq(tc_store_outbox_done(s, l.items[0].seq, srv, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(srv);
	tc_outbox_list_finish(&l);
	tc_store_close(s);

	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, local, &rec, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(rec->id, "srv-1");
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_service_delete(svc, local, &err), TC_OK, "%s", err.message);

	cr_assert_eq(tc_service_document(svc, local, false, &doc, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(doc,
	                 "{\n  \"id\": \"srv-1\",\n  \"type\": \"sip_trunk\",\n"
	                 "  \"attributes\": {\n    \"name\": \"pbx-1\",\n"
	                 "    \"password\": \"" TC_SECRET_MASK "\",\n    \"username\": \"u\",\n"
	                 "    \"region\": {\n      \"alias\": \"hydrogen\",\n"
	                 "      \"table\": \"x\"\n    }\n  }\n}");
	free(doc);
	cr_assert_eq(tc_service_document(svc, "srv-1", true, &doc, &err), TC_OK);
	cr_assert(strstr(doc, "\"s3cret\""), "%s", doc);
	free(doc);
	free(local);
}

Test(service, update_checks_only_what_changed_and_coalesces)
{
	struct tc_trunk *srv =
	    server_trunk("5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10", "main", "10.0.0.1");
	server_has(&srv, 1);
	tc_trunk_destroy(srv);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "main", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	struct tc_trunk *t = tc_trunk_dup(rec->current);
	const char *bad_ips[] = {"10.0.0.1", "300.1.1.1"};
	tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, bad_ips, 2);
	cr_assert_eq(tc_service_update(svc, rec->id, t, NULL, NULL, &err), TC_INVALID);
	cr_assert_eq(err.fields.count, 1);
	cr_assert_str_eq(err.fields.items[0].title, "contains invalid IP address: 300.1.1.1");
	tc_error_clear(&err);

	const char *ips[] = {"10.0.0.1", "10.0.0.9"};
	tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 2);
	cr_assert_eq(tc_service_update(svc, rec->id, t, NULL, NULL, &err), TC_OK, "%s",
	             err.message);
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 30);
	cr_assert_eq(tc_service_update(svc, rec->id, t, NULL, NULL, &err), TC_OK, "%s",
	             err.message);

	struct tc_pending_list p;
	cr_assert_eq(tc_service_pending(svc, false, &p, &err), TC_OK);
	cr_assert_eq(p.count, 1, "two edits, one PATCH");
	cr_assert_eq(p.items[0].op, TC_OP_UPDATE);
	cr_assert_str_eq(p.items[0].trunk_name, "main");
	cr_assert_str_eq(p.items[0].request.method, "PATCH");
	cr_assert_str_eq(p.items[0].request.path,
	                 "/carrier/v1/sip_trunks/5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10");
	cr_assert(strstr(p.items[0].request.body, "\"max_channels\":30"), "%s",
	          p.items[0].request.body);
	cr_assert(strstr(p.items[0].request.body, "10.0.0.9"));
	cr_assert_null(strstr(p.items[0].request.body, "\"name\""), "only changed attributes");
	tc_pending_list_finish(&p);
	tc_trunk_destroy(t);
	tc_trunk_record_destroy(rec);
}

Test(service, update_many_saves_every_trunk_or_none)
{
	struct tc_trunk *srv[] = {server_trunk("srv-a", "a", "10.0.0.1"),
	                          server_trunk("srv-b", "b", "10.0.0.2"),
	                          server_trunk("srv-c", "c", "10.0.0.3")};
	server_has(srv, 3);
	for (size_t i = 0; i < 3; i++)
		tc_trunk_destroy(srv[i]);
	const char *ids[] = {"srv-a", "srv-b", "srv-c"};

	/* One trunk refusing the change (b gone here) leaves all three as they were. */
	cr_assert_eq(tc_service_delete(svc, "srv-b", &err), TC_OK);
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 7), TC_OK);
	size_t failed = 99, saved = 99;
	cr_assert_eq(tc_service_update_many(svc, ids, 3, t, NULL, &failed, &saved, &err),
	             TC_NOT_FOUND);
	cr_expect_eq(failed, 1, "the index of the trunk that refused");
	tc_error_clear(&err);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "srv-a", &rec, &err), TC_OK);
	cr_expect(!tc_trunk_has(rec->current, TC_F_MAX_CHANNELS) ||
	              rec->current->values[TC_F_MAX_CHANNELS].i != 7,
	          "a's save was rolled back with b's refusal");
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_service_discard(svc, "srv-b", &err), TC_OK);

	/* An invalid value for any trunk: nothing saved, the field named. */
	const char *bad[] = {"300.1.1.1"};
	struct tc_trunk *ips = tc_trunk_new();
	tc_trunk_set_list(ips, TC_F_INBOUND_SOURCE_IPS, bad, 1);
	cr_assert_eq(tc_service_update_many(svc, ids, 3, ips, NULL, &failed, NULL, &err),
	             TC_INVALID);
	cr_expect_eq(failed, 0);
	cr_expect_eq(err.fields.count, 1);
	tc_error_clear(&err);
	tc_trunk_destroy(ips);

	/* All accept: three PATCHes queued in the one transaction. */
	cr_assert_eq(tc_service_update_many(svc, ids, 3, t, NULL, &failed, &saved, &err), TC_OK,
	             "%s", err.message);
	cr_expect_eq(saved, 3);
	struct tc_pending_list p;
	cr_assert_eq(tc_service_pending(svc, false, &p, &err), TC_OK);
	cr_expect_eq(p.count, 3);
	for (size_t i = 0; i < p.count; i++)
		cr_expect(strstr(p.items[i].request.body, "\"max_channels\":7"), "%s",
		          p.items[i].request.body);
	tc_pending_list_finish(&p);
	/* The same again changes nothing and says so. */
	cr_assert_eq(tc_service_update_many(svc, ids, 3, t, NULL, &failed, &saved, &err), TC_OK);
	cr_expect_eq(saved, 0);
	tc_trunk_destroy(t);
}

Test(service, update_each_saves_each_trunk_its_own_changes_or_none)
{
	struct tc_trunk *srv[] = {server_trunk("srv-a", "a", "10.0.0.1"),
	                          server_trunk("srv-b", "b", "10.0.0.2")};
	server_has(srv, 2);
	for (size_t i = 0; i < 2; i++)
		tc_trunk_destroy(srv[i]);
	const char *ids[] = {"srv-a", "srv-b"};
	struct tc_trunk *seven = tc_trunk_new(), *bad = tc_trunk_new();
	cr_assert_eq(tc_trunk_set_int(seven, TC_F_MAX_CHANNELS, 7), TC_OK);
	const char *ip[] = {"300.1.1.1"};
	tc_trunk_set_list(bad, TC_F_INBOUND_SOURCE_IPS, ip, 1);

	/* b's invalid change rolls back a's valid one. */
	const struct tc_trunk *refused[] = {seven, bad};
	size_t failed = 99, saved = 99;
	cr_assert_eq(tc_service_update_each(svc, ids, 2, refused, NULL, &failed, &saved, &err),
	             TC_INVALID);
	cr_expect_eq(failed, 1, "the index of the trunk that refused");
	tc_error_clear(&err);
	struct tc_pending_list p;
	cr_assert_eq(tc_service_pending(svc, false, &p, &err), TC_OK);
	cr_expect_eq(p.count, 0, "nothing queued");
	tc_pending_list_finish(&p);

	/* Different changes per trunk: each PATCH carries its own. */
	struct tc_trunk *host = tc_trunk_new();
	tc_trunk_set_string(host, TC_F_OUTBOUND_HOST, "b.example.com");
	const struct tc_trunk *each[] = {seven, host};
	cr_assert_eq(tc_service_update_each(svc, ids, 2, each, NULL, &failed, &saved, &err), TC_OK,
	             "%s", err.message);
	cr_expect_eq(saved, 2);
	cr_assert_eq(tc_service_pending(svc, false, &p, &err), TC_OK);
	cr_assert_eq(p.count, 2);
	for (size_t i = 0; i < p.count; i++) {
		const char *body = p.items[i].request.body;
		bool is_a = strcmp(p.items[i].trunk_id, "srv-a") == 0;
		cr_expect(!!strstr(body, "\"max_channels\":7") == is_a, "%s", body);
		cr_expect(!!strstr(body, "b.example.com") == !is_a, "%s", body);
	}
	tc_pending_list_finish(&p);
	/* A NULL entry is a caller's mistake, refused before anything is written. */
	const struct tc_trunk *hole[] = {seven, NULL};
	cr_assert_eq(tc_service_update_each(svc, ids, 2, hole, NULL, &failed, &saved, &err),
	             TC_USAGE);
	tc_error_clear(&err);
	tc_trunk_destroy(seven);
	tc_trunk_destroy(bad);
	tc_trunk_destroy(host);
}

Test(service, previews_mask_passwords_unless_revealed)
{
	struct tc_trunk *t = sample_trunk("reg", "10.0.0.1");
	tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "outbound_registration");
	tc_trunk_set_string(t, TC_F_USERNAME, "alice");
	tc_trunk_set_string(t, TC_F_PASSWORD, "pa55word");
	tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, "sip.example.com");
	char *id;
	cr_assert_eq(tc_service_create(svc, t, &id, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	struct tc_pending_list p;
	cr_assert_eq(tc_service_pending(svc, false, &p, &err), TC_OK);
	cr_assert_eq(p.count, 1);
	cr_assert_str_eq(p.items[0].request.method, "POST");
	cr_assert_str_eq(p.items[0].request.path, "/carrier/v1/sip_trunks");
	cr_assert(strstr(p.items[0].request.body, TC_SECRET_MASK), "%s", p.items[0].request.body);
	cr_assert_null(strstr(p.items[0].request.body, "pa55word"));
	cr_assert_str_eq(tc_trunk_string(p.items[0].payload, TC_F_PASSWORD), "pa55word");
	tc_pending_list_finish(&p);
	cr_assert_eq(tc_service_pending(svc, true, &p, &err), TC_OK);
	cr_assert(strstr(p.items[0].request.body, "pa55word"));
	tc_pending_list_finish(&p);
	free(id);
}

Test(service, delete_and_discard)
{
	struct tc_trunk *srv[] = {server_trunk("srv-1", "one", "10.0.0.1"),
	                          server_trunk("srv-2", "two", "10.0.0.2")};
	server_has(srv, 2);
	tc_trunk_destroy(srv[0]);
	tc_trunk_destroy(srv[1]);
	cr_assert_eq(tc_service_delete(svc, "srv-1", &err), TC_OK);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "srv-1", &rec, &err), TC_OK);
	cr_assert_eq(rec->pending, TC_OP_DELETE);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_service_delete(svc, "srv-1", &err), TC_NOT_FOUND, "already deleted");
	cr_assert_eq(tc_service_discard(svc, "srv-1", &err), TC_OK);
	cr_assert_eq(tc_service_get(svc, "srv-1", &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_SYNCED);
	cr_assert_eq(rec->pending, TC_OP_NONE);
	tc_trunk_record_destroy(rec);

	char *id = create_sample("fresh", "10.0.0.3");
	cr_assert_eq(tc_service_delete(svc, id, &err), TC_OK);
	cr_assert_eq(tc_service_get(svc, id, &rec, &err), TC_NOT_FOUND, "create + delete: nothing");
	free(id);
	struct tc_service_status st;
	cr_assert_eq(tc_service_status(svc, &st, &err), TC_OK);
	cr_assert_eq(st.queued, 0);
	cr_assert_eq(st.trunks, 2);
}

Test(service, read_only_refuses_every_change)
{
	char *id = create_sample("before", "10.0.0.1");
	tc_service_close(svc);
	struct tc_service_options o = options();
	o.read_only = true;
	cr_assert_eq(tc_service_open(&o, &svc, &err), TC_OK);
	cr_assert(tc_service_read_only(svc));
	struct tc_trunk *t = sample_trunk("x", "10.0.0.2");
	cr_assert_eq(tc_service_create(svc, t, NULL, &err), TC_READ_ONLY);
	cr_assert_eq(tc_service_update(svc, id, t, NULL, NULL, &err), TC_READ_ONLY);
	cr_assert_eq(tc_service_delete(svc, id, &err), TC_READ_ONLY);
	cr_assert_eq(tc_service_discard(svc, id, &err), TC_READ_ONLY);
	cr_assert_eq(tc_service_retry(svc, NULL, &err), TC_READ_ONLY);
	enum tc_resolution all[TC_FIELD_COUNT] = {0};
	cr_assert_eq(tc_service_resolve(svc, id, all, NULL, &err), TC_READ_ONLY);
	struct tc_import_report rep;
	cr_assert_eq(tc_service_import(svc, &t, 1, false, &rep, &err), TC_READ_ONLY);
	tc_import_report_finish(&rep);
	cr_assert_eq(tc_service_import(svc, &t, 1, true, &rep, &err), TC_OK, "a dry run may run");
	tc_import_report_finish(&rep);
	struct tc_list_query q = {.sort = TC_FIELD_NONE};
	size_t n;
	cr_assert_eq(tc_service_count(svc, &q, &n, &err), TC_OK);
	cr_assert_eq(n, 1);
	tc_trunk_destroy(t);
	free(id);
}

Test(service, a_store_that_cannot_be_written_is_read_and_writes_name_the_data_dir)
{
	char *id = create_sample("before", "10.0.0.1");
	tc_service_close(svc);
	struct tc_service_options o = options();
	/* online, so that sync is refused for the store and not for being offline */
	o.offline = false;
	o.api_url = "http://127.0.0.1:9";
	o.store_read_only = true;
	cr_assert_eq(tc_service_open(&o, &svc, &err), TC_OK, "%s", err.message);
	cr_assert(tc_service_read_only(svc));
	const char *why = tc_service_store_read_only(svc);
	cr_assert(why && strstr(why, dir), "%s", why ? why : "(writable)");

	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, id, &rec, &err), TC_OK, "%s", err.message);
	tc_trunk_record_destroy(rec);
	struct tc_trunk *t = sample_trunk("x", "10.0.0.2");
	cr_assert_eq(tc_service_create(svc, t, NULL, &err), TC_READ_ONLY);
	cr_assert(strstr(err.message, dir) && strstr(err.message, "nothing was changed"), "%s",
	          err.message);
	tc_trunk_destroy(t);
	struct tc_sync_report rep;
	cr_assert_eq(tc_service_sync(svc, TC_SYNC_ALL, &rep, &err), TC_READ_ONLY);
	cr_assert(strstr(err.message, dir), "%s", err.message);
	cr_assert_eq(tc_service_worker_start(svc, &err), TC_READ_ONLY);

	struct tc_store_check c;
	cr_assert_eq(tc_service_check_store(svc, &c, &err), TC_OK, "%s", err.message);
	cr_assert(c.integrity_ok, "%s", c.integrity);
	cr_assert(c.read_only);
	free(id);
}

static char *conflict_on_name(void)
{
	struct tc_trunk *srv = server_trunk("srv-1", "base", "10.0.0.1");
	server_has(&srv, 1);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "srv-1", &rec, &err), TC_OK);
	struct tc_trunk *t = tc_trunk_dup(rec->current);
	tc_trunk_set_string(t, TC_F_NAME, "mine");
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 7);
	cr_assert_eq(tc_service_update(svc, "srv-1", t, NULL, NULL, &err), TC_OK, "%s",
	             err.message);
	tc_trunk_destroy(t);
	tc_trunk_record_destroy(rec);

	/* the engine finds the server renamed it and changed the country */
	struct tc_store *s = engine();
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(s, TC_OUTBOX_DUE, clk.now, &l, &err), TC_OK);
	cr_assert_eq(l.count, 1);
	cr_assert_eq(tc_store_outbox_begin_send(s, l.items[0].seq, &err), TC_OK);
	tc_trunk_set_string(srv, TC_F_NAME, "theirs");
	tc_trunk_set_string(srv, TC_F_INBOUND_COUNTRY, "KH");
	bool fields[TC_FIELD_COUNT] = {false};
	fields[TC_F_NAME] = true;
	cr_assert_eq(tc_store_outbox_conflict(s, l.items[0].seq, srv, fields, &err), TC_OK);
	tc_outbox_list_finish(&l);
	tc_store_close(s);
	tc_trunk_destroy(srv);
	return strdup("srv-1");
}

static struct tc_trunk *queued_payload(void)
{
	struct tc_pending_list p;
	cr_assert_eq(tc_service_pending(svc, false, &p, &err), TC_OK);
	cr_assert_eq(p.count, 1);
	struct tc_trunk *t = p.items[0].payload;
	p.items[0].payload = NULL;
	tc_pending_list_finish(&p);
	return t;
}

Test(service, resolve_per_field_keeps_the_other_sides_changes)
{
	char *id = conflict_on_name();
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, id, &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_CONFLICT);
	cr_assert(rec->conflict->fields[TC_F_NAME]);
	tc_trunk_record_destroy(rec);
	struct tc_trunk *t = sample_trunk("x", "10.0.0.1");

	/* an edit or delete waits for the resolution */
	cr_assert_eq(tc_service_update(svc, id, t, NULL, NULL, &err), TC_CONFLICT);
	enum tc_resolution choices[TC_FIELD_COUNT] = {0};
	cr_assert_eq(tc_service_resolve(svc, id, choices, NULL, &err), TC_USAGE, "no choice");
	choices[TC_F_NAME] = TC_RESOLVE_EDITED;
	cr_assert_eq(tc_service_resolve(svc, id, choices, NULL, &err), TC_USAGE, "no value");
	tc_trunk_set_string(t, TC_F_NAME, "");
	cr_assert_eq(tc_service_resolve(svc, id, choices, t, &err), TC_INVALID, "validated");
	tc_error_clear(&err);
	tc_trunk_set_string(t, TC_F_NAME, "agreed");
	cr_assert_eq(tc_service_resolve(svc, id, choices, t, &err), TC_OK, "%s", err.message);

	cr_assert_eq(tc_service_get(svc, id, &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_PENDING);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "agreed");
	cr_assert_eq(rec->current->values[TC_F_MAX_CHANNELS].i, 7, "my other change kept");
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_INBOUND_COUNTRY), "KH",
	                 "their other change kept");
	tc_trunk_record_destroy(rec);
	struct tc_trunk *p = queued_payload();
	cr_assert_str_eq(tc_trunk_string(p, TC_F_NAME), "agreed");
	cr_assert_eq(p->values[TC_F_MAX_CHANNELS].i, 7);
	cr_assert_eq(p->values[TC_F_INBOUND_COUNTRY].state, TC_V_ABSENT);
	tc_trunk_destroy(p);
	tc_trunk_destroy(t);
	free(id);
}

Test(service, resolve_take_theirs_and_keep_mine)
{
	char *id = conflict_on_name();
	enum tc_resolution choices[TC_FIELD_COUNT] = {0};
	choices[TC_F_NAME] = TC_RESOLVE_THEIRS;
	cr_assert_eq(tc_service_resolve(svc, id, choices, NULL, &err), TC_OK, "%s", err.message);
	struct tc_trunk *p = queued_payload();
	cr_assert_eq(p->values[TC_F_NAME].state, TC_V_ABSENT);
	cr_assert_eq(p->values[TC_F_MAX_CHANNELS].i, 7);
	tc_trunk_destroy(p);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, id, &rec, &err), TC_OK);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "theirs");
	tc_trunk_record_destroy(rec);
	free(id);
	tc_service_close(svc);
	svc = NULL;
	rm_tree(dir);
	setup();

	id = conflict_on_name();
	choices[TC_F_NAME] = TC_RESOLVE_MINE;
	cr_assert_eq(tc_service_resolve(svc, id, choices, NULL, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_service_get(svc, id, &rec, &err), TC_OK);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "mine");
	cr_assert_str_eq(tc_trunk_string(rec->base, TC_F_NAME), "theirs");
	tc_trunk_record_destroy(rec);
	free(id);
}

Test(service, a_trunk_deleted_on_the_server_is_recreated_or_dropped)
{
	struct tc_trunk *srv[] = {server_trunk("srv-1", "gone", "10.0.0.1"),
	                          server_trunk("srv-2", "also-gone", "10.0.0.2")};
	server_has(srv, 2);
	for (int i = 0; i < 2; i++) {
		struct tc_trunk *t = tc_trunk_dup(srv[i]);
		tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 3);
		cr_assert_eq(tc_service_update(svc, srv[i]->id, t, NULL, NULL, &err), TC_OK, "%s",
		             err.message);
		tc_trunk_destroy(t);
		tc_trunk_destroy(srv[i]);
	}
	server_has(NULL, 0);
	struct tc_service_status st;
	cr_assert_eq(tc_service_status(svc, &st, &err), TC_OK);
	cr_assert_eq(st.conflicts, 2);

	enum tc_resolution choices[TC_FIELD_COUNT] = {0};
	choices[TC_F_NAME] = TC_RESOLVE_MINE;
	cr_assert_eq(tc_service_resolve(svc, "srv-1", choices, NULL, &err), TC_OK, "%s",
	             err.message);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "gone", &rec, &err), TC_OK);
	cr_assert_eq(strncmp(rec->id, TC_LOCAL_ID_PREFIX, strlen(TC_LOCAL_ID_PREFIX)), 0);
	cr_assert_eq(rec->pending, TC_OP_CREATE);
	cr_assert_eq(rec->current->values[TC_F_MAX_CHANNELS].i, 3);
	tc_trunk_record_destroy(rec);

	choices[TC_F_NAME] = TC_RESOLVE_THEIRS;
	cr_assert_eq(tc_service_resolve(svc, "srv-2", choices, NULL, &err), TC_OK);
	cr_assert_eq(tc_service_get(svc, "srv-2", &rec, &err), TC_NOT_FOUND);
	cr_assert_eq(tc_service_status(svc, &st, &err), TC_OK);
	cr_assert_eq(st.conflicts, 0);
	cr_assert_eq(st.trunks, 1);
}

Test(service, import_is_all_or_nothing)
{
	struct tc_trunk *srv = server_trunk("srv-1", "old", "10.0.0.1");
	server_has(&srv, 1);
	tc_trunk_destroy(srv);
	struct tc_trunk *upd = tc_trunk_new();
	tc_trunk_set_id(upd, "srv-1");
	tc_trunk_set_int(upd, TC_F_MAX_CHANNELS, 12);
	struct tc_trunk *good = sample_trunk("new", "10.0.0.2");
	struct tc_trunk *bad = sample_trunk("bad", "10.0.0.999");
	struct tc_trunk *batch[] = {upd, good, bad};
	struct tc_import_report rep;
	cr_assert_eq(tc_service_import(svc, batch, 3, false, &rep, &err), TC_INVALID);
	cr_assert_eq(rep.count, 3);
	cr_assert_eq(rep.failed, 1);
	cr_assert_eq(rep.items[2].status, TC_INVALID);
	cr_assert_eq(rep.items[2].errors.count, 1);
	cr_assert_eq(rep.items[0].kind, TC_SAVE_UPDATE);
	cr_assert_eq(rep.items[1].kind, TC_SAVE_CREATE);
	tc_import_report_finish(&rep);
	tc_error_clear(&err);
	struct tc_service_status st;
	cr_assert_eq(tc_service_status(svc, &st, &err), TC_OK);
	cr_assert_eq(st.queued, 0, "nothing staged");

	cr_assert_eq(tc_service_import(svc, batch, 2, false, &rep, &err), TC_OK, "%s", err.message);
	cr_assert_eq(rep.created, 1);
	cr_assert_eq(rep.updated, 1);
	cr_assert_str_eq(rep.items[0].id, "srv-1");
	cr_assert_not_null(rep.items[1].id);
	tc_import_report_finish(&rep);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "srv-1", &rec, &err), TC_OK);
	cr_assert_eq(rec->current->values[TC_F_MAX_CHANNELS].i, 12);
	cr_assert_str_eq(tc_trunk_string(rec->current, TC_F_NAME), "old", "other fields kept");
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_service_status(svc, &st, &err), TC_OK);
	cr_assert_eq(st.queued, 2);
	tc_trunk_destroy(upd);
	tc_trunk_destroy(good);
	tc_trunk_destroy(bad);
}

Test(service, doctor_store_check_and_offline_sync)
{
	struct tc_store_check c;
	cr_assert_eq(tc_service_check_store(svc, &c, &err), TC_OK);
	cr_assert(c.integrity_ok, "%s", c.integrity);
	cr_assert(c.modes_ok);
	cr_assert_eq(c.dir_mode, 0700);
	cr_assert_eq(c.file_mode, 0600);
	cr_assert_eq(c.schema_version, TC_STORE_SCHEMA_VERSION);
	cr_assert_eq(c.search_rebuilt, 0);
	cr_assert_str_eq(tc_service_profile(svc), "test");
	cr_assert_null(tc_service_api_host(svc));
	size_t n;
	const struct tc_region *r = tc_service_regions(svc, &n);
	cr_assert_geq(n, 2);
	cr_assert_str_eq(r[0].alias, "hydrogen");

	struct tc_sync_report rep;
	cr_assert_eq(tc_service_sync(svc, TC_SYNC_ALL, &rep, &err), TC_OFFLINE);
	cr_assert_eq(tc_service_worker_start(svc, &err), TC_OFFLINE);
	cr_assert_eq(tc_service_event_fd(svc), -1);
}

Test(service, api_host_comes_from_the_url)
{
	tc_service_close(svc);
	struct tc_service_options o = options();
	o.api_url = "https://user@api.somleng.org:8443/carrier";
	cr_assert_eq(tc_service_open(&o, &svc, &err), TC_OK);
	cr_assert_str_eq(tc_service_api_host(svc), "api.somleng.org:8443");
}

/* Waits (poll, no sleep) for the next worker event of kind; false after a minute (a hang). */
static bool wait_event(enum tc_sync_event_kind kind, struct tc_sync_event *ev)
{
	for (;;) {
		while (tc_service_next_event(svc, ev))
			if (ev->kind == kind)
				return true;
		struct pollfd p = {.fd = tc_service_event_fd(svc), .events = POLLIN};
		if (poll(&p, 1, 60000) <= 0)
			return false;
	}
}

Test(service, a_save_wakes_the_worker_to_push)
{
	/* a port on 127.0.0.1 that nothing listens on */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));

	tc_service_close(svc);
	struct tc_service_options o = options();
	o.offline = false;
	o.api_url = url;
	o.token = "test-token";
	o.sync_interval_ms = -1;
	o.connect_timeout_ms = 2000;
	cr_assert_eq(tc_service_open(&o, &svc, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_service_worker_start(svc, &err), TC_OK, "%s", err.message);
	struct tc_sync_event ev;
	cr_assert(wait_event(TC_EV_SYNC_FINISHED, &ev), "the first sync finishes");
	cr_assert_eq(ev.report.status, TC_UNREACHABLE, "%s", ev.report.message);

	char *id = create_sample("queued", "10.0.0.1");
	cr_assert(wait_event(TC_EV_SYNC_STARTED, &ev), "the save started a sync");
	cr_assert(wait_event(TC_EV_SYNC_FINISHED, &ev));
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, id, &rec, &err), TC_OK);
	cr_assert_eq(rec->state, TC_SYNC_PENDING, "still queued: the server is unreachable");
	cr_assert_not_null(rec->last_error);
	tc_trunk_record_destroy(rec);
	tc_service_worker_stop(svc);
	free(id);
}

/* ---- concurrent edits of one trunk (issue 11: read-modify-write races) ---- */

/* A second process's service on the same data dir. */
static struct tc_service *other_service(void)
{
	struct tc_service_options o = options();
	struct tc_service *b;
	cr_assert_eq(tc_service_open(&o, &b, &err), TC_OK, "%s", err.message);
	return b;
}

static struct tc_trunk *channels(long long n)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, n), TC_OK);
	return t;
}

static struct tc_trunk *named(const char *name)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_eq(tc_trunk_set_string(t, TC_F_NAME, name), TC_OK);
	return t;
}

/*
 * The interleaving of the race: this service reads srv-1 (the version an
 * edit starts from, returned), then another service on the same data dir
 * saves max_channels.
 */
static struct tc_trunk_record *read_then_other_saves_channels(long long n)
{
	struct tc_trunk *srv = server_trunk("srv-1", "base", "10.0.0.1");
	server_has(&srv, 1);
	tc_trunk_destroy(srv);
	struct tc_trunk_record *seen;
	cr_assert_eq(tc_service_get(svc, "srv-1", &seen, &err), TC_OK);
	struct tc_service *b = other_service();
	struct tc_trunk *theirs = channels(n);
	cr_assert_eq(tc_service_update(b, "srv-1", theirs, NULL, NULL, &err), TC_OK, "%s",
	             err.message);
	tc_trunk_destroy(theirs);
	tc_service_close(b);
	return seen;
}

Test(service, an_edit_keeps_a_field_another_save_changed_since_it_read)
{
	struct tc_trunk_record *seen = read_then_other_saves_channels(9);
	struct tc_trunk *mine = named("renamed");
	struct tc_edit_result res;
	cr_assert_eq(tc_service_update(svc, "srv-1", mine, seen->current, &res, &err), TC_OK, "%s",
	             err.message);
	cr_assert_eq(res.nchanged, 1);
	cr_assert(res.changed[TC_F_NAME]);
	tc_edit_result_finish(&res);

	struct tc_trunk_record *now;
	cr_assert_eq(tc_service_get(svc, "srv-1", &now, &err), TC_OK);
	cr_assert_str_eq(tc_trunk_string(now->current, TC_F_NAME), "renamed");
	cr_assert_eq(now->current->values[TC_F_MAX_CHANNELS].i, 9, "the other save is kept");
	struct tc_trunk *p = queued_payload();
	cr_assert_str_eq(tc_trunk_string(p, TC_F_NAME), "renamed");
	cr_assert_eq(p->values[TC_F_MAX_CHANNELS].state, TC_V_SET, "both changes are queued");
	cr_assert_eq(p->values[TC_F_MAX_CHANNELS].i, 9);
	tc_trunk_destroy(p);
	tc_trunk_record_destroy(now);
	tc_trunk_destroy(mine);
	tc_trunk_record_destroy(seen);
}

Test(service, an_edit_of_a_field_another_save_changed_since_it_read_is_a_conflict)
{
	struct tc_trunk_record *seen = read_then_other_saves_channels(9);
	struct tc_trunk *mine = channels(5);
	cr_assert_eq(tc_trunk_set_string(mine, TC_F_NAME, "renamed"), TC_OK);
	struct tc_edit_result res;
	cr_assert_eq(tc_service_update(svc, "srv-1", mine, seen->current, &res, &err), TC_CONFLICT);
	cr_assert_eq(res.nconflict, 1);
	cr_assert(res.conflict[TC_F_MAX_CHANNELS]);
	cr_assert_not(res.conflict[TC_F_NAME]);
	cr_assert_not_null(res.theirs);
	cr_assert_eq(res.theirs->values[TC_F_MAX_CHANNELS].i, 9, "theirs is the value now");
	cr_assert_neq(strstr(err.message, "max_channels"), NULL, "%s", err.message);
	tc_edit_result_finish(&res);

	struct tc_trunk_record *now;
	cr_assert_eq(tc_service_get(svc, "srv-1", &now, &err), TC_OK);
	cr_assert_str_eq(tc_trunk_string(now->current, TC_F_NAME), "base", "nothing written");
	cr_assert_eq(now->current->values[TC_F_MAX_CHANNELS].i, 9);
	struct tc_trunk *p = queued_payload();
	cr_assert_eq(p->values[TC_F_NAME].state, TC_V_ABSENT, "the refused edit is not queued");
	tc_trunk_destroy(p);

	/* saved again from the version it now knows (keep mine), it goes through */
	cr_assert_eq(tc_service_update(svc, "srv-1", mine, now->current, NULL, &err), TC_OK, "%s",
	             err.message);
	tc_trunk_record_destroy(now);
	tc_trunk_destroy(mine);
	tc_trunk_record_destroy(seen);
}

struct editor {
	enum tc_field_id field;
	enum tc_status rc;
	char message[512];
};

/* Reads the trunk, then saves its own field from that read, many times over. */
static void *edit_many(void *arg)
{
	struct editor *w = arg;
	struct tc_service_options o = options();
	struct tc_service *s;
	struct tc_error e;
	tc_error_init(&e);
	w->rc = tc_service_open(&o, &s, &e);
	for (int i = 1; w->rc == TC_OK && i <= 100; i++) {
		struct tc_trunk_record *seen = NULL;
		w->rc = tc_service_get(s, "srv-1", &seen, &e);
		struct tc_trunk *t = tc_trunk_new();
		char text[16];
		snprintf(text, sizeof(text), "%d", i);
		struct tc_value v = {0};
		if (w->rc == TC_OK)
			w->rc = tc_value_from_text(w->field, text, &v, &e);
		if (w->rc == TC_OK && tc_trunk_set_value(t, w->field, &v) != TC_OK)
			w->rc = TC_NOMEM;
		if (w->rc == TC_OK)
			w->rc = tc_service_update(s, "srv-1", t, seen->current, NULL, &e);
		tc_value_clear(&v);
		tc_trunk_destroy(t);
		tc_trunk_record_destroy(seen);
	}
	snprintf(w->message, sizeof(w->message), "%s", e.message);
	tc_error_clear(&e);
	tc_service_close(s);
	return NULL;
}

Test(service, two_connections_saving_different_fields_at_once_lose_nothing)
{
	struct tc_trunk *srv = server_trunk("srv-1", "base", "10.0.0.1");
	server_has(&srv, 1);
	tc_trunk_destroy(srv);
	struct editor w[2] = {{.field = TC_F_MAX_CHANNELS},
	                      {.field = TC_F_OUTBOUND_DIAL_STRING_PREFIX}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, edit_many, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(w[i].rc, TC_OK, "editor %d: %s", i, w[i].message);
	struct tc_trunk_record *now;
	cr_assert_eq(tc_service_get(svc, "srv-1", &now, &err), TC_OK);
	cr_assert_eq(now->current->values[TC_F_MAX_CHANNELS].i, 100);
	cr_assert_str_eq(tc_trunk_string(now->current, TC_F_OUTBOUND_DIAL_STRING_PREFIX), "100");
	tc_trunk_record_destroy(now);
	struct tc_trunk *p = queued_payload();
	cr_assert_eq(p->values[TC_F_MAX_CHANNELS].i, 100);
	cr_assert_str_eq(tc_trunk_string(p, TC_F_OUTBOUND_DIAL_STRING_PREFIX), "100");
	tc_trunk_destroy(p);
}

/* A TUI notices what another process wrote, and not what it wrote itself. */
Test(service, changed_elsewhere_sees_other_connections_writes_only)
{
	bool changed = true;
	cr_assert_eq(tc_service_changed_elsewhere(svc, &changed, &err), TC_OK, "%s", err.message);
	cr_expect_not(changed, "the first call only notes where the store stands");
	free(create_sample("Own", "198.51.100.1"));
	cr_assert_eq(tc_service_changed_elsewhere(svc, &changed, &err), TC_OK);
	cr_expect_not(changed, "this service's own write");

	struct tc_service_options o = options();
	struct tc_service *other = NULL;
	cr_assert_eq(tc_service_open(&o, &other, &err), TC_OK, "%s", err.message);
	struct tc_trunk *t = sample_trunk("Elsewhere", "198.51.100.2");
	char *id = NULL;
	cr_assert_eq(tc_service_create(other, t, &id, &err), TC_OK, "%s", err.message);
	free(id);
	tc_trunk_destroy(t);
	tc_service_close(other);
	cr_assert_eq(tc_service_changed_elsewhere(svc, &changed, &err), TC_OK);
	cr_expect(changed, "another connection's create");
	cr_assert_eq(tc_service_changed_elsewhere(svc, &changed, &err), TC_OK);
	cr_expect_not(changed, "seen once, not again");
}
