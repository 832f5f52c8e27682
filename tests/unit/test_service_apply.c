/* A fleet plan staged through the service (src/service_apply.c): all or nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_fixture.h"
#include "trunkctl/plan.h"
#include "trunkctl/service.h"

TestSuite(service_apply, .init = setup, .fini = teardown, .timeout = 120);

static void create(const char *name, const char *ip)
{
	struct tc_trunk *t = sample_trunk(name, ip);
	cr_assert_eq(tc_service_create(svc, t, NULL, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
}

static size_t pending(void)
{
	struct tc_pending_list list = {0};
	cr_assert_eq(tc_service_pending(svc, false, &list, &err), TC_OK);
	size_t n = list.count;
	tc_pending_list_finish(&list);
	return n;
}

/* The plan of file[0..n) against the store as it is now; page keeps the stored trunks. */
static void plan_of(struct tc_trunk **file, size_t n, bool prune, struct tc_trunk_page *page,
                    const struct tc_trunk **stored, struct tc_plan *plan)
{
	struct tc_list_query q = {.sort = TC_FIELD_NONE};
	cr_assert_eq(tc_service_list(svc, &q, page, &err), TC_OK);
	for (size_t i = 0; i < page->count; i++)
		stored[i] = page->items[i].trunk;
	struct tc_plan_input in = {.desired = (const struct tc_trunk *const *)file,
	                           .desired_count = n,
	                           .file_name = "f",
	                           .stored = stored,
	                           .stored_count = page->count,
	                           .prune = prune};
	cr_assert_eq(tc_plan_make(&in, plan, &err), TC_OK, "%s", err.message);
}

Test(service_apply, stages_creates_updates_and_deletes_together)
{
	create("a", "10.0.0.1");
	create("b", "10.0.0.2");
	size_t before = pending();
	struct tc_trunk *file[2];
	file[0] = sample_trunk("a", "10.0.0.9");   /* update */
	file[1] = sample_trunk("new", "10.0.0.3"); /* create; b is pruned */
	struct tc_trunk_page page = {0};
	const struct tc_trunk *stored[8];
	struct tc_plan plan;
	plan_of(file, 2, true, &page, stored, &plan);
	cr_assert_eq(plan.updates + plan.creates + plan.deletes, 3);
	cr_assert_eq(tc_service_apply_plan(svc, &plan, &err), TC_OK, "%s", err.message);
	/* unpushed creates coalesce: a's update folds into its create, b's delete drops it */
	cr_assert_eq(pending(), before);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "a", &rec, &err), TC_OK);
	cr_assert_str_eq(rec->current->values[TC_F_INBOUND_SOURCE_IPS].list.items[0], "10.0.0.9");
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_service_get(svc, "b", &rec, &err), TC_NOT_FOUND);
	cr_assert_eq(tc_service_get(svc, "new", &rec, &err), TC_OK);
	tc_trunk_record_destroy(rec);
	tc_plan_finish(&plan);
	tc_trunk_page_finish(&page);
	tc_trunk_destroy(file[0]);
	tc_trunk_destroy(file[1]);
}

Test(service_apply, one_invalid_trunk_stages_nothing)
{
	create("a", "10.0.0.1");
	size_t before = pending();
	struct tc_trunk *file[2];
	file[0] = sample_trunk("a", "10.0.0.9");
	file[1] = sample_trunk("bad", "10.0.0.3");
	tc_trunk_set_string(file[1], TC_F_REGION, "nowhere");
	struct tc_trunk_page page = {0};
	const struct tc_trunk *stored[8];
	struct tc_plan plan;
	plan_of(file, 2, false, &page, stored, &plan);
	cr_assert_eq(tc_service_apply_plan(svc, &plan, &err), TC_INVALID);
	cr_assert(strstr(err.message, "create of \"bad\""), "%s", err.message);
	cr_assert(err.fields.count > 0, "the field errors are kept");
	cr_assert_eq(pending(), before);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "a", &rec, &err), TC_OK);
	cr_assert_str_eq(rec->current->values[TC_F_INBOUND_SOURCE_IPS].list.items[0], "10.0.0.1");
	tc_trunk_record_destroy(rec);
	tc_plan_finish(&plan);
	tc_trunk_page_finish(&page);
	tc_trunk_destroy(file[0]);
	tc_trunk_destroy(file[1]);
}

Test(service_apply, a_change_made_since_the_plan_is_a_conflict)
{
	create("a", "10.0.0.1");
	create("b", "10.0.0.2");
	struct tc_trunk *file[2];
	file[0] = sample_trunk("a", "10.0.0.9");
	file[1] = sample_trunk("b", "10.0.0.8");
	struct tc_trunk_page page = {0};
	const struct tc_trunk *stored[8];
	struct tc_plan plan;
	plan_of(file, 2, false, &page, stored, &plan);
	/* another writer changes b's IPs after the plan read them */
	struct tc_trunk *other = tc_trunk_new();
	const char *ips[] = {"10.0.0.7"};
	tc_trunk_set_list(other, TC_F_INBOUND_SOURCE_IPS, ips, 1);
	struct tc_trunk_record *rec;
	cr_assert_eq(tc_service_get(svc, "b", &rec, &err), TC_OK);
	cr_assert_eq(tc_service_update(svc, rec->id, other, NULL, NULL, &err), TC_OK);
	tc_trunk_record_destroy(rec);
	cr_assert_eq(tc_service_apply_plan(svc, &plan, &err), TC_CONFLICT, "%s", err.message);
	cr_assert(strstr(err.message, "update of \"b\""), "%s", err.message);
	cr_assert_eq(tc_service_get(svc, "a", &rec, &err), TC_OK);
	cr_assert_str_eq(rec->current->values[TC_F_INBOUND_SOURCE_IPS].list.items[0], "10.0.0.1",
	                 "a's update was rolled back with b's");
	tc_trunk_record_destroy(rec);
	tc_trunk_destroy(other);
	tc_plan_finish(&plan);
	tc_trunk_page_finish(&page);
	tc_trunk_destroy(file[0]);
	tc_trunk_destroy(file[1]);
}

Test(service_apply, read_only_refuses_and_an_empty_plan_is_ok)
{
	struct tc_plan empty = {0};
	cr_assert_eq(tc_service_apply_plan(svc, &empty, &err), TC_OK);
	tc_service_close(svc);
	struct tc_service_options o = {.data_dir = dir,
	                               .profile = "test",
	                               .offline = true,
	                               .read_only = true,
	                               .clock = {fake_now, &clk}};
	cr_assert_eq(tc_service_open(&o, &svc, &err), TC_OK);
	cr_assert_eq(tc_service_apply_plan(svc, &empty, &err), TC_READ_ONLY);
}

Test(service_apply, a_trunk_of_the_same_name_created_since_the_plan_is_a_conflict)
{
	create("a", "10.0.0.1");
	struct tc_trunk *file[1] = {sample_trunk("new", "10.0.0.3")};
	struct tc_trunk_page page = {0};
	const struct tc_trunk *stored[8];
	struct tc_plan plan;
	plan_of(file, 1, false, &page, stored, &plan);
	cr_assert_eq(plan.creates, 1);
	/* another process creates "new" between the plan and the apply */
	create("new", "10.0.0.4");
	size_t before = pending();
	cr_assert_eq(tc_service_apply_plan(svc, &plan, &err), TC_CONFLICT, "%s", err.message);
	cr_assert(strstr(err.message, "appeared since the plan was made"), "%s", err.message);
	cr_assert_eq(pending(), before, "no second \"new\" was staged");
	tc_plan_finish(&plan);
	tc_trunk_page_finish(&page);
	tc_trunk_destroy(file[0]);
}
