#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "sync.h"

/*
 * Table-driven three-way merge, mbsync style: (base, mine, theirs) of one
 * field -> sent, conflict or neither. Values are texts (tc_value_from_text);
 * "-" in mine means the field is not part of the queued change. Texts are
 * arrays, not pointers: criterion's workers do not share our address space.
 */
struct merge_case {
	int field;
	char base[40];
	char mine[40];
	char theirs[40];
	bool send;
	bool conflict;
};

static void set_text(struct tc_trunk *t, int f, const char *text)
{
	if (strcmp(text, "-") == 0)
		return;
	struct tc_value v = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_value_from_text(f, text, &v, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_trunk_set_value(t, f, &v), TC_OK);
	tc_value_clear(&v);
	tc_error_clear(&err);
}

ParameterizedTestParameters(merge, one_field)
{
	static struct merge_case cases[] = {
	    /* changed here only: sent */
	    {TC_F_NAME, "a", "b", "a", true, false},
	    /* changed there only: nothing queued for it, nothing to do */
	    {TC_F_NAME, "a", "-", "c", false, false},
	    /* both, to different values: conflict */
	    {TC_F_NAME, "a", "b", "c", false, true},
	    /* both, to the same value: neither */
	    {TC_F_NAME, "a", "b", "b", false, false},
	    {TC_F_MAX_CHANNELS, "10", "20", "10", true, false},
	    {TC_F_MAX_CHANNELS, "10", "20", "30", false, true},
	    {TC_F_MAX_CHANNELS, "", "5", "", true, false},
	    /* the server reorders source IPs on later reads: not a change */
	    {TC_F_INBOUND_SOURCE_IPS, "1.1.1.1,2.2.2.2", "1.1.1.1,2.2.2.2,3.3.3.3",
	     "2.2.2.2,1.1.1.1", true, false},
	    {TC_F_INBOUND_SOURCE_IPS, "1.1.1.1", "1.1.1.1,3.3.3.3", "1.1.1.1,4.4.4.4", false, true},
	    {TC_F_INBOUND_SOURCE_IPS, "1.1.1.1", "3.3.3.3,1.1.1.1", "1.1.1.1,3.3.3.3", false,
	     false},
	    /* the server keeps only the digits of a sender */
	    {TC_F_DEFAULT_SENDER, "85512345678", "+1 (415) 555-1234", "14155551234", false, false},
	    {TC_F_DEFAULT_SENDER, "85512345678", "+14155551234", "85512345678", true, false},
	    {TC_F_OUTBOUND_PLUS_PREFIX, "false", "true", "false", true, false},
	    {TC_F_OUTBOUND_PLUS_PREFIX, "false", "true", "true", false, false},
	    /* null and empty mean the same to the server */
	    {TC_F_OUTBOUND_PROXY, "", "proxy.example.com", "", true, false},
	};
	return cr_make_param_array(struct merge_case, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct merge_case *c, merge, one_field)
{
	struct tc_trunk *base = tc_trunk_new(), *mine = tc_trunk_new(), *theirs = tc_trunk_new();
	set_text(base, c->field, c->base);
	set_text(mine, c->field, c->mine);
	set_text(theirs, c->field, c->theirs);
	struct tc_merge m;
	tc_sync_merge(base, mine, theirs, &m);
	const char *key = tc_field(c->field)->key;
	cr_assert_eq(m.send[c->field], c->send, "%s: %s / %s / %s", key, c->base, c->mine,
	             c->theirs);
	cr_assert_eq(m.conflict[c->field], c->conflict, "%s: %s / %s / %s", key, c->base, c->mine,
	             c->theirs);
	cr_assert_eq(m.nsend, c->send ? 1u : 0u);
	cr_assert_eq(m.nconflict, c->conflict ? 1u : 0u);
	tc_trunk_destroy(base);
	tc_trunk_destroy(mine);
	tc_trunk_destroy(theirs);
}

Test(merge, different_fields_merge_same_field_conflicts)
{
	struct tc_trunk *base = tc_trunk_new(), *mine = tc_trunk_new(), *theirs = tc_trunk_new();
	set_text(base, TC_F_NAME, "pbx");
	set_text(base, TC_F_MAX_CHANNELS, "10");
	set_text(base, TC_F_OUTBOUND_HOST, "a.example.com");
	set_text(theirs, TC_F_NAME, "pbx-renamed");
	set_text(theirs, TC_F_MAX_CHANNELS, "10");
	set_text(theirs, TC_F_OUTBOUND_HOST, "b.example.com");
	set_text(mine, TC_F_MAX_CHANNELS, "50");
	set_text(mine, TC_F_OUTBOUND_HOST, "c.example.com");
	struct tc_merge m;
	tc_sync_merge(base, mine, theirs, &m);
	cr_assert(m.send[TC_F_MAX_CHANNELS]);
	cr_assert_not(m.send[TC_F_NAME]);
	cr_assert(m.conflict[TC_F_OUTBOUND_HOST]);
	cr_assert_eq(m.nsend, 1);
	cr_assert_eq(m.nconflict, 1);
	/* Read-only fields are never merged or sent, whatever the payload holds. */
	set_text(mine, TC_F_UPDATED_AT, "2030-01-01T00:00:00Z");
	tc_sync_merge(base, mine, theirs, &m);
	cr_assert_not(m.send[TC_F_UPDATED_AT]);
	cr_assert_not(m.conflict[TC_F_UPDATED_AT]);
	tc_trunk_destroy(base);
	tc_trunk_destroy(mine);
	tc_trunk_destroy(theirs);
}

/* What makes a queued delete a "delete vs modified" conflict. */
Test(changed_since, every_attribute_the_server_sends_counts_as_the_merge_compares_it)
{
	struct tc_trunk *base = tc_trunk_new(), *theirs = tc_trunk_new();
	bool changed[TC_FIELD_COUNT];
	set_text(base, TC_F_NAME, "pbx");
	set_text(base, TC_F_INBOUND_SOURCE_IPS, "1.1.1.1,2.2.2.2");
	set_text(base, TC_F_MAX_CHANNELS, "");
	base->extra_json = strdup("{\"a\":1,\"b\":[2]}");
	set_text(theirs, TC_F_NAME, "pbx");
	/* reordered source IPs, null for absent and extras in another order: unchanged */
	set_text(theirs, TC_F_INBOUND_SOURCE_IPS, "2.2.2.2,1.1.1.1");
	theirs->extra_json = strdup("{\"b\":[2],\"a\":1}");
	cr_assert_not(tc_sync_changed_since(base, theirs, changed));
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		cr_assert_not(changed[f], "%s", tc_field(f)->key);

	/* read-only attributes count too: the server changed the trunk */
	set_text(theirs, TC_F_UPDATED_AT, "2030-01-01T00:00:00Z");
	cr_assert(tc_sync_changed_since(base, theirs, changed));
	cr_assert(changed[TC_F_UPDATED_AT]);
	tc_trunk_unset(theirs, TC_F_UPDATED_AT);

	/* an attribute this build does not know changed: no field to name, still changed */
	free(theirs->extra_json);
	theirs->extra_json = strdup("{\"b\":[3],\"a\":1}");
	cr_assert(tc_sync_changed_since(base, theirs, changed));
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		cr_assert_not(changed[f], "%s", tc_field(f)->key);

	/* no base: whatever the server has counts as changed */
	cr_assert(tc_sync_changed_since(NULL, theirs, changed));
	cr_assert(changed[TC_F_NAME]);
	cr_assert_not(changed[TC_F_MAX_CHANNELS]);
	tc_trunk_destroy(base);
	tc_trunk_destroy(theirs);
}

Test(time, server_timestamps)
{
	cr_assert_eq(tc_sync_parse_time("1970-01-01T00:00:00Z"), 0);
	cr_assert_eq(tc_sync_parse_time("2026-02-17T08:05:33Z"), 1771315533000LL);
	cr_assert_eq(tc_sync_parse_time("2026-02-17T08:05:33.25Z"), 1771315533250LL);
	cr_assert_eq(tc_sync_parse_time("2026-02-17T08:05:33"), -1);
	cr_assert_eq(tc_sync_parse_time("2026-02-17T08:05:33+01:00"), -1);
	cr_assert_eq(tc_sync_parse_time("yesterday"), -1);
	cr_assert_eq(tc_sync_parse_time(NULL), -1);
}
