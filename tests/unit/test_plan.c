/* Matching a fleet file to the stored trunks and planning the changes (src/plan.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/plan.h"
#include "trunkctl/trunk.h"

static struct tc_trunk *trunk(const char *id, const char *name, const char *mode)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_not_null(t);
	tc_trunk_set_id(t, id);
	if (name)
		tc_trunk_set_string(t, TC_F_NAME, name);
	if (mode)
		tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, mode);
	return t;
}

struct fixture {
	struct tc_trunk *file[8], *stored[8];
	size_t nfile, nstored;
	struct tc_plan plan;
	struct tc_error err;
};

static enum tc_status make(struct fixture *fx, bool prune, bool match_name)
{
	struct tc_plan_input in = {
	    .desired = (const struct tc_trunk *const *)fx->file,
	    .desired_count = fx->nfile,
	    .file_name = "fleet.yaml",
	    .stored = (const struct tc_trunk *const *)fx->stored,
	    .stored_count = fx->nstored,
	    .prune = prune,
	    .match_name = match_name,
	};
	tc_error_init(&fx->err);
	return tc_plan_make(&in, &fx->plan, &fx->err);
}

static void finish(struct fixture *fx)
{
	tc_plan_finish(&fx->plan);
	for (size_t i = 0; i < fx->nfile; i++)
		tc_trunk_destroy(fx->file[i]);
	for (size_t i = 0; i < fx->nstored; i++)
		tc_trunk_destroy(fx->stored[i]);
	tc_error_clear(&fx->err);
}

Test(plan, matches_by_known_id_then_by_name)
{
	struct fixture fx = {0};
	fx.stored[fx.nstored++] = trunk("s1", "Alpha", "ip_address");
	fx.stored[fx.nstored++] = trunk("s2", "Beta", "ip_address");
	fx.stored[fx.nstored++] = trunk("s3", "Gamma", "ip_address");
	/* known id: a rename of s1 */
	fx.file[fx.nfile++] = trunk("s1", "Alpha2", NULL);
	/* unknown id (another carrier's): by name */
	fx.file[fx.nfile++] = trunk("staging-7", "Beta", NULL);
	/* no id, new name: a create */
	fx.file[fx.nfile++] = trunk(NULL, "Delta", "ip_address");
	cr_assert_eq(make(&fx, false, false), TC_OK, "%s", fx.err.message);
	cr_assert_eq(fx.plan.count, 3);
	cr_assert_eq(fx.plan.items[0].action, TC_PLAN_UPDATE);
	cr_assert_eq(fx.plan.items[0].stored, fx.stored[0]);
	cr_assert(fx.plan.items[0].fields[TC_F_NAME]);
	cr_assert_str_eq(tc_trunk_string(fx.plan.items[0].change, TC_F_NAME), "Alpha2");
	cr_assert_eq(fx.plan.items[1].action, TC_PLAN_UNCHANGED);
	cr_assert_eq(fx.plan.items[1].stored, fx.stored[1]);
	cr_assert_eq(fx.plan.items[2].action, TC_PLAN_CREATE);
	cr_assert_null(fx.plan.items[2].change->id, "a file's id is never copied into a create");
	cr_assert_eq(fx.plan.creates, 1);
	cr_assert_eq(fx.plan.updates, 1);
	cr_assert_eq(fx.plan.unchanged, 1);
	cr_assert_eq(fx.plan.deletes, 0, "no prune: Gamma stays");
	cr_assert_not(tc_plan_empty(&fx.plan));
	finish(&fx);
}

Test(plan, prune_deletes_what_the_file_does_not_name)
{
	struct fixture fx = {0};
	fx.stored[fx.nstored++] = trunk("s1", "Alpha", "ip_address");
	fx.stored[fx.nstored++] = trunk("s2", "Beta", "ip_address");
	fx.file[fx.nfile++] = trunk(NULL, "Alpha", "ip_address");
	cr_assert_eq(make(&fx, true, false), TC_OK, "%s", fx.err.message);
	cr_assert_eq(fx.plan.count, 2);
	cr_assert_eq(fx.plan.items[1].action, TC_PLAN_DELETE);
	cr_assert_eq(fx.plan.items[1].stored, fx.stored[1]);
	cr_assert_eq(fx.plan.deletes, 1);
	finish(&fx);
}

Test(plan, ambiguous_names_are_errors_that_name_them)
{
	struct fixture fx = {0};
	fx.stored[fx.nstored++] = trunk("s1", "Twin", NULL);
	fx.stored[fx.nstored++] = trunk("s2", "Twin", NULL);
	fx.file[fx.nfile++] = trunk(NULL, "Twin", NULL);
	cr_assert_eq(make(&fx, false, false), TC_USAGE);
	cr_assert(strstr(fx.err.message, "s1") && strstr(fx.err.message, "s2"), "%s",
	          fx.err.message);
	cr_assert_eq(fx.plan.count, 0);
	finish(&fx);

	struct fixture fy = {0};
	fy.file[fy.nfile++] = trunk(NULL, "Same", NULL);
	fy.file[fy.nfile++] = trunk(NULL, "Other", NULL);
	fy.file[fy.nfile++] = trunk(NULL, "Same", NULL);
	cr_assert_eq(make(&fy, false, false), TC_USAGE);
	cr_assert(strstr(fy.err.message, "\"Same\" is given twice"), "%s", fy.err.message);
	cr_assert(strstr(fy.err.message, "trunk 1") && strstr(fy.err.message, "trunk 3"), "%s",
	          fy.err.message);
	finish(&fy);

	/* one by id, one by name: the same stored trunk twice */
	struct fixture fz = {0};
	fz.stored[fz.nstored++] = trunk("s1", "Alpha", NULL);
	fz.file[fz.nfile++] = trunk("s1", "Renamed", NULL);
	fz.file[fz.nfile++] = trunk(NULL, "Alpha", NULL);
	cr_assert_eq(make(&fz, false, false), TC_USAGE);
	cr_assert(strstr(fz.err.message, "both stand for the stored trunk s1"), "%s",
	          fz.err.message);
	finish(&fz);

	struct fixture fw = {0};
	fw.file[fw.nfile++] = trunk("nowhere", NULL, NULL);
	cr_assert_eq(make(&fw, false, false), TC_USAGE);
	cr_assert(strstr(fw.err.message, "no name"), "%s", fw.err.message);
	finish(&fw);
}

Test(plan, compares_by_kind_and_only_what_the_file_gives)
{
	struct fixture fx = {0};
	struct tc_trunk *s = trunk("s1", "Alpha", "ip_address");
	const char *ips[] = {"203.0.113.1", "203.0.113.2"};
	const char *swapped[] = {"203.0.113.2", "203.0.113.1", "203.0.113.2"};
	tc_trunk_set_list(s, TC_F_INBOUND_SOURCE_IPS, ips, 2);
	tc_trunk_set_int(s, TC_F_MAX_CHANNELS, 10);
	tc_trunk_set_string(s, TC_F_OUTBOUND_PROXY, "proxy.example");
	fx.stored[fx.nstored++] = s;
	struct tc_trunk *f = trunk(NULL, "Alpha", NULL);
	tc_trunk_set_list(f, TC_F_INBOUND_SOURCE_IPS, swapped, 3);       /* the same set */
	tc_trunk_set_null(f, TC_F_OUTBOUND_PROXY);                       /* cleared */
	tc_trunk_set_string(f, TC_F_UPDATED_AT, "2020-01-01T00:00:00Z"); /* server's: ignored */
	fx.file[fx.nfile++] = f; /* max_channels left out: left as it is */
	cr_assert_eq(make(&fx, false, false), TC_OK, "%s", fx.err.message);
	const struct tc_plan_item *it = &fx.plan.items[0];
	cr_assert_eq(it->action, TC_PLAN_UPDATE);
	for (int fi = 0; fi < TC_FIELD_COUNT; fi++)
		cr_assert_eq(it->fields[fi], fi == TC_F_OUTBOUND_PROXY, "%s", tc_field(fi)->key);
	cr_assert_eq(it->change->values[TC_F_OUTBOUND_PROXY].state, TC_V_NULL);
	cr_assert_eq(it->change->values[TC_F_MAX_CHANNELS].state, TC_V_ABSENT);
	finish(&fx);
}

Test(plan, never_copies_what_the_server_generates)
{
	struct fixture fx = {0};
	struct tc_trunk *s = trunk("s1", "Creds", "client_credentials");
	tc_trunk_set_string(s, TC_F_USERNAME, "prod-user");
	tc_trunk_set_string(s, TC_F_PASSWORD, "prod-secret");
	fx.stored[fx.nstored++] = s;
	/* staging's generated credentials, promoted by name: not a change */
	struct tc_trunk *f = trunk("staging-1", "Creds", "client_credentials");
	tc_trunk_set_string(f, TC_F_USERNAME, "staging-user");
	tc_trunk_set_string(f, TC_F_PASSWORD, "staging-secret");
	fx.file[fx.nfile++] = f;
	struct tc_trunk *n = trunk("staging-2", "NewCreds", "client_credentials");
	tc_trunk_set_string(n, TC_F_USERNAME, "staging-user2");
	tc_trunk_set_string(n, TC_F_PASSWORD, "staging-secret2");
	tc_trunk_set_string(n, TC_F_CREATED_AT, "2020-01-01T00:00:00Z");
	fx.file[fx.nfile++] = n;
	struct tc_trunk *o = trunk(NULL, "OutReg", "outbound_registration");
	tc_trunk_set_string(o, TC_F_USERNAME, "u");
	tc_trunk_set_string(o, TC_F_PASSWORD, "p");
	fx.file[fx.nfile++] = o;
	cr_assert_eq(make(&fx, false, false), TC_OK, "%s", fx.err.message);
	cr_assert_eq(fx.plan.items[0].action, TC_PLAN_UNCHANGED);
	const struct tc_trunk *c = fx.plan.items[1].change;
	cr_assert_eq(fx.plan.items[1].action, TC_PLAN_CREATE);
	cr_assert_null(c->id);
	cr_assert_eq(c->values[TC_F_USERNAME].state, TC_V_ABSENT);
	cr_assert_eq(c->values[TC_F_PASSWORD].state, TC_V_ABSENT);
	cr_assert_eq(c->values[TC_F_CREATED_AT].state, TC_V_ABSENT);
	/* outbound_registration credentials are the operator's: copied */
	const struct tc_trunk *oc = fx.plan.items[2].change;
	cr_assert_str_eq(tc_trunk_string(oc, TC_F_USERNAME), "u");
	cr_assert_str_eq(tc_trunk_string(oc, TC_F_PASSWORD), "p");
	finish(&fx);
}

Test(plan, name_only_matching_ignores_ids)
{
	struct fixture fx = {0};
	fx.stored[fx.nstored++] = trunk("same-id", "Alpha", NULL);
	fx.file[fx.nfile++] = trunk("same-id", "Beta", NULL);
	cr_assert_eq(make(&fx, true, true), TC_OK, "%s", fx.err.message);
	cr_assert_eq(fx.plan.creates, 1);
	cr_assert_eq(fx.plan.deletes, 1);
	finish(&fx);
}

Test(plan, empty_file_against_empty_store)
{
	struct fixture fx = {0};
	cr_assert_eq(make(&fx, true, false), TC_OK);
	cr_assert(tc_plan_empty(&fx.plan));
	cr_assert_eq(fx.plan.count, 0);
	finish(&fx);
	tc_plan_finish(NULL);
}
