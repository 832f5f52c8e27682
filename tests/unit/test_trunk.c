#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trunk_gen.h"
#include "trunk_json.h"
#include "trunkctl/trunk.h"

Test(field_table, rows_are_indexed_by_id_and_keys_are_unique)
{
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		cr_assert_not_null(fi);
		cr_assert_eq((int)fi->id, f, "row %d holds %s", f, fi->key);
		cr_assert_eq(tc_field_by_key(fi->key), fi);
		for (int g = f + 1; g < TC_FIELD_COUNT; g++)
			cr_assert_str_neq(fi->key, tc_field(g)->key);
	}
	cr_assert_null(tc_field_by_key("register_transport"));
	cr_assert_null(tc_field(TC_FIELD_COUNT));
	cr_assert_null(tc_field(TC_FIELD_NONE));
}

Test(field_table, schema_order_is_a_permutation_of_sent_fields)
{
	bool seen[TC_FIELD_COUNT] = {false};
	int sent = 0;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		if (fi->flags & TC_FF_READONLY) {
			cr_assert_eq(fi->schema_order, -1);
			continue;
		}
		sent++;
		cr_assert(fi->schema_order >= 0 && fi->schema_order < TC_FIELD_COUNT);
		cr_assert_not(seen[fi->schema_order], "schema order %d twice", fi->schema_order);
		seen[fi->schema_order] = true;
	}
	cr_assert_eq(sent, 16);
	/* SERVER-BEHAVIOUR.md §3.2: name, authentication_mode, region, max_channels, ... */
	cr_assert_eq(tc_field(TC_F_INBOUND_COUNTRY)->schema_order, 4);
	cr_assert_eq(tc_field(TC_F_OUTBOUND_ROUTE_PREFIXES)->schema_order, 15);
	/* §3.4: rule errors username, password, outbound_host, region, inbound_source_ips */
	cr_assert_eq(tc_field(TC_F_USERNAME)->rule_order, 0);
	cr_assert_eq(tc_field(TC_F_PASSWORD)->rule_order, 1);
	cr_assert_eq(tc_field(TC_F_OUTBOUND_HOST)->rule_order, 2);
	cr_assert_eq(tc_field(TC_F_REGION)->rule_order, 3);
	cr_assert_eq(tc_field(TC_F_INBOUND_SOURCE_IPS)->rule_order, 4);
}

Test(field_table, advisory_limits_and_secrets)
{
	cr_assert_eq(tc_field(TC_F_OUTBOUND_PROXY)->advisory_max, 100);
	cr_assert_eq(tc_field(TC_F_AUTH_USER)->advisory_max, 60);
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		cr_assert_eq((tc_field(f)->flags & TC_FF_SECRET) != 0, f == TC_F_PASSWORD);
}

Test(modes, names_round_trip_and_fields_follow_the_mode)
{
	for (int m = 0; m < TC_MODE_COUNT; m++)
		cr_assert_eq(tc_mode_parse(tc_mode_name(m)), m);
	cr_assert_eq(tc_mode_parse("IP_ADDRESS"), TC_MODE_UNKNOWN);
	cr_assert_eq(tc_mode_parse(NULL), TC_MODE_UNKNOWN);
	cr_assert_not(tc_field_shown_in_mode(TC_F_PASSWORD, TC_MODE_IP_ADDRESS));
	cr_assert(tc_field_shown_in_mode(TC_F_PASSWORD, TC_MODE_OUTBOUND_REGISTRATION));
	cr_assert(tc_field_shown_in_mode(TC_F_USERNAME, TC_MODE_CLIENT_CREDENTIALS));
	cr_assert_not(tc_field_shown_in_mode(TC_F_AUTH_USER, TC_MODE_CLIENT_CREDENTIALS));
	cr_assert(tc_field_shown_in_mode(TC_F_AUTH_USER, TC_MODE_OUTBOUND_REGISTRATION));
	cr_assert(tc_field_shown_in_mode(TC_F_NAME, TC_MODE_IP_ADDRESS));
}

Test(values, setters_check_types_and_dup_is_deep)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_eq(tc_trunk_set_string(t, TC_F_NAME, "Main"), TC_OK);
	cr_assert_eq(tc_trunk_set_int(t, TC_F_NAME, 3), TC_INVALID);
	cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 30), TC_OK);
	const char *ips[] = {"203.0.113.1", "203.0.113.2"};
	cr_assert_eq(tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 2), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "ip_address"), TC_OK);
	cr_assert_eq(tc_trunk_mode(t), TC_MODE_IP_ADDRESS);
	struct tc_trunk *c = tc_trunk_dup(t);
	cr_assert_eq(tc_trunk_diff(t, c, NULL), 0);
	tc_trunk_set_string(c, TC_F_NAME, "Other");
	bool differs[TC_FIELD_COUNT];
	cr_assert_eq(tc_trunk_diff(t, c, differs), 1);
	cr_assert(differs[TC_F_NAME]);
	cr_assert_str_eq(tc_trunk_string(t, TC_F_NAME), "Main");
	tc_trunk_unset(c, TC_F_NAME);
	cr_assert_not(tc_trunk_has(c, TC_F_NAME));
	tc_trunk_destroy(c);
	tc_trunk_destroy(t);
	tc_trunk_destroy(NULL);
}

Test(values, same_meaning_treats_empty_alike)
{
	struct tc_value absent = {0}, null = {.state = TC_V_NULL},
	                empty = {.state = TC_V_SET, .s = ""};
	cr_assert(tc_value_same_meaning(&absent, &null, TC_T_STRING));
	cr_assert(tc_value_same_meaning(&null, &empty, TC_T_STRING));
	cr_assert_not(tc_value_equal(&null, &empty, TC_T_STRING));
}

Test(text, parses_each_type_with_server_titles)
{
	struct tc_value v = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_value_from_text(TC_F_MAX_CHANNELS, " 30 ", &v, &err), TC_OK);
	cr_assert_eq(v.i, 30);
	cr_assert_eq(tc_value_from_text(TC_F_MAX_CHANNELS, "", &v, &err), TC_OK);
	cr_assert_eq(v.state, TC_V_NULL);
	cr_assert_eq(tc_value_from_text(TC_F_MAX_CHANNELS, "1.5", &v, &err), TC_INVALID);
	cr_assert_eq(err.fields.count, 1);
	cr_assert_str_eq(err.fields.items[0].title, "must be an integer");
	cr_assert_str_eq(err.fields.items[0].pointer, "/data/attributes/max_channels");
	tc_error_clear(&err);
	cr_assert_eq(tc_value_from_text(TC_F_MAX_CHANNELS, "99999999999999999999999", &v, &err),
	             TC_OK);
	cr_assert_gt(v.i, 2147483647LL, "overflow keeps a value the range rule rejects");

	cr_assert_eq(tc_value_from_text(TC_F_OUTBOUND_PLUS_PREFIX, "yes", &v, &err), TC_OK);
	cr_assert(v.b);
	cr_assert_eq(tc_value_from_text(TC_F_OUTBOUND_PLUS_PREFIX, "maybe", &v, &err), TC_INVALID);
	cr_assert_str_eq(err.fields.items[0].title, "must be boolean");
	tc_error_clear(&err);

	cr_assert_eq(tc_value_from_text(TC_F_INBOUND_SOURCE_IPS, " 1.2.3.4 , 5.6.7.8", &v, &err),
	             TC_OK);
	cr_assert_eq(v.list.count, 2);
	cr_assert_str_eq(v.list.items[1], "5.6.7.8");
	cr_assert_eq(tc_value_from_text(TC_F_INBOUND_SOURCE_IPS, "", &v, &err), TC_OK);
	cr_assert_eq(v.state, TC_V_SET);
	cr_assert_eq(v.list.count, 0);

	cr_assert_eq(tc_value_from_text(TC_F_OUTBOUND_PROXY, "  ", &v, &err), TC_OK);
	cr_assert_eq(v.state, TC_V_NULL, "empty nullable string is null");
	cr_assert_eq(tc_value_from_text(TC_F_NAME, "", &v, &err), TC_OK);
	cr_assert_eq(v.state, TC_V_SET, "empty name is sent so the server rule applies");
	tc_value_clear(&v);
	tc_error_clear(&err);
}

Test(text, set_assignments_name_an_attribute_and_parse_its_text)
{
	struct tc_trunk *t = tc_trunk_new();
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_trunk_assign(t, "name=a=b", &err), TC_OK);
	cr_assert_str_eq(tc_trunk_string(t, TC_F_NAME), "a=b");
	cr_assert_eq(tc_trunk_assign(t, "inbound_source_ips=1.2.3.4, 5.6.7.8", &err), TC_OK);
	cr_assert_eq(t->values[TC_F_INBOUND_SOURCE_IPS].list.count, 2);
	cr_assert_eq(tc_trunk_assign(t, "inbound_source_ips=[]", &err), TC_OK);
	cr_assert_eq(t->values[TC_F_INBOUND_SOURCE_IPS].state, TC_V_SET);
	cr_assert_eq(t->values[TC_F_INBOUND_SOURCE_IPS].list.count, 0);
	cr_assert_eq(tc_trunk_assign(t, "outbound_proxy=", &err), TC_OK);
	cr_assert_eq(t->values[TC_F_OUTBOUND_PROXY].state, TC_V_NULL);

	const char *const usage[] = {"name",  "=x", "colour=red", "created_at=now", "namename=x",
	                             "nam=x", ""};
	for (size_t i = 0; i < sizeof(usage) / sizeof(*usage); i++) {
		tc_error_clear(&err);
		cr_assert_eq(tc_trunk_assign(t, usage[i], &err), TC_USAGE, "%s", usage[i]);
		cr_assert_neq(err.message[0], '\0');
	}
	tc_error_clear(&err);
	cr_assert_eq(tc_trunk_assign(t, "max_channels=ten", &err), TC_INVALID);
	cr_assert_str_eq(err.fields.items[0].title, "must be an integer");
	cr_assert_eq(t->values[TC_F_MAX_CHANNELS].state, TC_V_ABSENT, "unchanged on error");
	cr_assert_str_eq(tc_trunk_string(t, TC_F_NAME), "a=b");
	tc_error_clear(&err);
	tc_trunk_destroy(t);
}

Test(text, secrets_are_masked_unless_revealed)
{
	struct tc_value v = {.state = TC_V_SET, .s = "s3cret"};
	char *masked = tc_value_to_text(TC_F_PASSWORD, &v, false);
	char *clear = tc_value_to_text(TC_F_PASSWORD, &v, true);
	cr_assert_str_eq(masked, TC_SECRET_MASK);
	cr_assert_str_eq(clear, "s3cret");
	free(masked);
	free(clear);
	const char *items[] = {"1855", "1866"};
	struct tc_value l = {.state = TC_V_SET, .list = {2, (char **)items}};
	char *joined = tc_value_to_text(TC_F_OUTBOUND_ROUTE_PREFIXES, &l, false);
	cr_assert_str_eq(joined, "1855,1866");
	free(joined);
}

Test(flat_json, round_trips_and_keeps_unknown_attributes)
{
	const char *in =
	    "{\"id\":\"5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10\",\"name\":\"PBX\","
	    "\"authentication_mode\":\"outbound_registration\",\"region\":\"hydrogen\","
	    "\"max_channels\":null,\"outbound_plus_prefix\":true,"
	    "\"inbound_source_ips\":[\"203.0.113.1\"],\"password\":\"pw\","
	    "\"register_transport\":\"tls\"}";
	struct tc_trunk *t = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_trunk_from_flat_json(in, strlen(in), &t, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(t->id, "5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10");
	cr_assert_eq(t->values[TC_F_MAX_CHANNELS].state, TC_V_NULL);
	cr_assert_str_eq(t->extra_json, "{\"register_transport\":\"tls\"}");
	char *out = tc_trunk_to_flat_json(t, TC_JSON_WITH_ID | TC_JSON_WITH_EXTRA | TC_JSON_REVEAL);
	cr_assert_str_eq(out, "{\"id\":\"5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10\",\"name\":\"PBX\","
	                      "\"authentication_mode\":\"outbound_registration\",\"region\":"
	                      "\"hydrogen\",\"max_channels\":null,\"outbound_plus_prefix\":true,"
	                      "\"inbound_source_ips\":[\"203.0.113.1\"],\"password\":\"pw\","
	                      "\"register_transport\":\"tls\"}");
	free(out);
	out = tc_trunk_to_flat_json(t, 0);
	cr_assert(strstr(out, "\"password\":\"" TC_SECRET_MASK "\""));
	free(out);
	tc_trunk_destroy(t);
}

Test(flat_json, direct_writer_matches_the_jansson_dump_byte_for_byte)
{
	struct tg_rng rng = {.s = 0x9e3779b97f4a7c15ull};
	size_t written = 0, failed = 0;
	for (int n = 0; n < 20000; n++) {
		unsigned flags;
		struct tc_trunk *t = tg_trunk(&rng, &flags);
		cr_assert_not_null(t);
		char *tree = tc_trunk_to_flat_json_tree(t, flags);
		char *direct = tc_trunk_to_flat_json(t, flags);
		if (!tree)
			cr_assert_null(direct, "trunk %d (flags %u): the tree failed, not %s", n,
			               flags, direct);
		else
			cr_assert(direct && strcmp(tree, direct) == 0,
			          "trunk %d (flags %u):\n tree   %s\n direct %s", n, flags, tree,
			          direct ? direct : "(null)");
		written += tree != NULL;
		failed += tree == NULL;
		free(tree);
		free(direct);
		tc_trunk_destroy(t);
	}
	/* both outcomes must be exercised, or the comparison proves little */
	cr_assert_gt(written, 15000);
	cr_assert_gt(failed, 100);
}

Test(flat_json, accepts_server_renderings_of_region_and_sender)
{
	const char *in =
	    "{\"region\":{\"table\":{\"identifier\":\"ap-southeast-1\",\"alias\":"
	    "\"hydrogen\",\"group_id\":1}},\"default_sender\":{\"value\":\"85512345678\","
	    "\"country_code\":\"855\"}}";
	struct tc_trunk *t = NULL;
	cr_assert_eq(tc_trunk_from_flat_json(in, strlen(in), &t, NULL), TC_OK);
	cr_assert_str_eq(tc_trunk_string(t, TC_F_REGION), "hydrogen");
	cr_assert_str_eq(tc_trunk_string(t, TC_F_DEFAULT_SENDER), "85512345678");
	tc_trunk_destroy(t);
}

Test(flat_json, type_errors_name_field_and_index)
{
	const char *in =
	    "{\"name\":5,\"max_channels\":\"30\",\"outbound_national_dialing\":\"true\","
	    "\"inbound_source_ips\":[null,\"1.1.1.1\",null,7],\"outbound_route_prefixes\":\"x\"}";
	struct tc_trunk *t = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_trunk_from_flat_json(in, strlen(in), &t, &err), TC_INVALID);
	cr_assert_eq(err.fields.count, 5);
	cr_assert_str_eq(err.fields.items[0].title, "must be a string");
	cr_assert_str_eq(err.fields.items[1].title, "must be an integer");
	cr_assert_str_eq(err.fields.items[2].title, "must be boolean");
	/* nulls are dropped before the server validates, so 7 is element 1 */
	cr_assert_str_eq(err.fields.items[3].pointer, "/data/attributes/inbound_source_ips/1");
	cr_assert_eq(err.fields.items[3].index, 1);
	cr_assert_str_eq(err.fields.items[4].title, "must be an array");
	tc_error_clear(&err);
	tc_trunk_destroy(t);
}

/* What jansson and the field table make of doc: the reading the quick path must agree with. */
static enum tc_status reference_read(const char *doc, struct tc_trunk **out)
{
	*out = NULL;
	json_t *obj = json_loadb(doc, strlen(doc), JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return TC_PARSE;
	}
	struct tc_field_errors errs = {0};
	*out = tc_trunk_new();
	enum tc_status rc = tc_trunk_attrs_from_json(obj, *out, "/data/attributes", true, &errs);
	tc_field_errors_finish(&errs);
	json_decref(obj);
	return rc;
}

Test(flat_json, quick_reading_of_stored_documents_agrees_with_jansson)
{
	static const char *const docs[] = {
	    "{\"id\":\"a-1\",\"name\":\"PBX\",\"max_channels\":-42,\"outbound_plus_prefix\":true,"
	    "\"outbound_national_dialing\":false,\"inbound_source_ips\":[\"10.0.0.1\",\"10.0.0.2\"]"
	    ","
	    "\"outbound_route_prefixes\":[],\"username\":null,\"password\":\"p w\"}",
	    "{}",
	    "{\"max_channels\":0}",
	    "{\"max_channels\":-0}",
	    "{\"max_channels\":123456789012345678}",
	    "{\"max_channels\":9223372036854775807}",
	    "{\"max_channels\":99999999999999999999}",
	    "{\"max_channels\":01}",
	    "{\"max_channels\":1.5}",
	    "{\"max_channels\":1e3}",
	    "{\"max_channels\":-}",
	    "{\"max_channels\":\"5\"}",
	    "{\"outbound_plus_prefix\":tru}",
	    "{\"name\":\"x\",\"name\":\"y\"}",
	    "{\"id\":\"a\",\"id\":\"b\"}",
	    "{\"id\":7,\"name\":\"x\"}",
	    "{\"name\":\"x\"}x",
	    "{\"name\":\"x\",}",
	    "{\"name\":\"x\"",
	    "{ \"name\" : \"x\" }",
	    "{\"name\":\"caf\u00e9 \\\" \\\\ \\u00e9\\n\"}",
	    "{\"name\":\"a\\u0000b\"}",
	    "{\"inbound_source_ips\":[\"a\",null,\"b\"]}",
	    "{\"inbound_source_ips\":[\"a\",]}",
	    "{\"inbound_source_ips\":[\"a\" ,\"b\"]}",
	    "{\"inbound_source_ips\":[\"a\",7]}",
	    "{\"inbound_source_ips\":\"a\"}",
	    "{\"region\":{\"table\":{\"alias\":\"hydrogen\"}}}",
	    "{\"name\":\"x\",\"register_transport\":\"tls\"}",
	    "[]",
	    "",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct tc_trunk *quick = NULL, *ref = NULL;
		struct tc_error err;
		tc_error_init(&err);
		enum tc_status got =
		    tc_trunk_from_flat_json(docs[i], strlen(docs[i]), &quick, &err);
		enum tc_status want = reference_read(docs[i], &ref);
		cr_assert_eq(got, want, "%s: %d, jansson %d", docs[i], got, want);
		if (want == TC_OK) {
			cr_assert_eq(tc_trunk_diff(quick, ref, NULL), 0, "%s", docs[i]);
			cr_assert_str_eq(quick->id ? quick->id : "(none)",
			                 ref->id ? ref->id : "(none)", "%s", docs[i]);
			cr_assert_str_eq(quick->extra_json ? quick->extra_json : "(none)",
			                 ref->extra_json ? ref->extra_json : "(none)", "%s",
			                 docs[i]);
		}
		tc_trunk_destroy(quick);
		tc_trunk_destroy(ref);
		tc_error_clear(&err);
	}
}

Test(flat_json, malformed_text_is_a_parse_error)
{
	struct tc_trunk *t = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_trunk_from_flat_json("{\"name\":", 8, &t, &err), TC_PARSE);
	cr_assert_null(t);
	cr_assert_eq(tc_trunk_from_flat_json("[1]", 3, &t, &err), TC_PARSE);
	tc_error_clear(&err);
}

#include "trunkctl/countries.h"
#include "trunkctl/region.h"

Test(countries, the_servers_249_codes_sorted_without_xk)
{
	size_t n = 0;
	while (tc_country_code(n))
		n++;
	cr_assert_eq(n, TC_COUNTRY_COUNT);
	for (size_t i = 1; i < n; i++)
		cr_assert_lt(strcmp(tc_country_code(i - 1), tc_country_code(i)), 0);
	cr_assert(tc_country_is_valid("US"));
	cr_assert(tc_country_is_valid("KH"));
	cr_assert_not(tc_country_is_valid("XK"));
	cr_assert_not(tc_country_is_valid("us"));
	cr_assert_not(tc_country_is_valid("USA"));
	cr_assert_not(tc_country_is_valid(NULL));
}

Test(regions, defaults_match_by_alias_only)
{
	size_t n;
	const struct tc_region *r = tc_default_regions(&n);
	cr_assert_eq(n, 2);
	cr_assert_not_null(tc_region_find(r, n, "hydrogen"));
	cr_assert_str_eq(tc_region_find(r, n, "helium")->identifier, "us-east-1");
	cr_assert_null(tc_region_find(r, n, "Hydrogen"));
	cr_assert_null(tc_region_find(r, n, "ap-southeast-1"));
}

Test(flat_json, strings_with_nul_are_refused_not_cut_short)
{
	const char in[] = "{\"name\":\"a\\u0000b\"}";
	struct tc_trunk *t = NULL;
	cr_assert_eq(tc_trunk_from_flat_json(in, sizeof(in) - 1, &t, NULL), TC_PARSE);

	/* A document parsed with JSON_ALLOW_NUL must not validate a value cut short. */
	json_t *obj = json_object();
	json_t *ips = json_array();
	json_array_append_new(ips, json_stringn("1.1.1.1\0x", 9));
	json_object_set_new(obj, "name", json_stringn("a\0b", 3));
	json_object_set_new(obj, "inbound_source_ips", ips);
	struct tc_field_errors errs = {0};
	t = tc_trunk_new();
	cr_assert_eq(tc_trunk_attrs_from_json(obj, t, "/data/attributes", false, &errs),
	             TC_INVALID);
	cr_assert_eq(errs.count, 2);
	cr_assert_str_eq(errs.items[0].title, "must not contain a NUL character");
	cr_assert_str_eq(errs.items[1].pointer, "/data/attributes/inbound_source_ips/0");
	cr_assert_not(tc_trunk_has(t, TC_F_NAME));
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
	json_decref(obj);
}

Test(field_table, keys_name_the_chosen_fields_in_table_order)
{
	bool which[TC_FIELD_COUNT] = {false};
	char buf[64];
	tc_field_keys(which, buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
	which[TC_F_MAX_CHANNELS] = which[TC_F_NAME] = true;
	tc_field_keys(which, buf, sizeof(buf));
	cr_assert_str_eq(buf, "name, max_channels");
	tc_field_keys(which, buf, 8);
	cr_assert_str_eq(buf, "name, m", "truncated, still terminated");
}

Test(field_kind, kinds_give_the_value_types)
{
	cr_assert_eq(tc_field(TC_F_MAX_CHANNELS)->kind, TC_K_POSITIVE_INT);
	cr_assert_eq(tc_field(TC_F_MAX_CHANNELS)->type, TC_T_INT);
	cr_assert_eq(tc_field(TC_F_OUTBOUND_PLUS_PREFIX)->type, TC_T_BOOL);
	cr_assert_eq(tc_field(TC_F_INBOUND_SOURCE_IPS)->type, TC_T_LIST);
	cr_assert_eq(tc_field(TC_F_OUTBOUND_PROXY)->kind, TC_K_HOST);
	cr_assert_eq(tc_field(TC_F_NAME)->type, TC_T_STRING);
	cr_assert(tc_field_is_numeric(TC_F_MAX_CHANNELS));
	cr_assert_not(tc_field_is_numeric(TC_F_NAME));
	cr_assert(tc_field_is_text(TC_F_OUTBOUND_ROUTE_PREFIXES));
	cr_assert_not(tc_field_is_text(TC_F_OUTBOUND_NATIONAL_DIALING));
}

Test(field_kind, senders_compare_by_digits_and_ip_sets_by_members)
{
	struct tc_trunk *a = tc_trunk_new(), *b = tc_trunk_new();
	cr_assert(a && b);
	tc_trunk_set_string(a, TC_F_DEFAULT_SENDER, "+855 12 345");
	tc_trunk_set_string(b, TC_F_DEFAULT_SENDER, "85512345");
	cr_assert(tc_field_same_value(TC_F_DEFAULT_SENDER, &a->values[TC_F_DEFAULT_SENDER],
	                              &b->values[TC_F_DEFAULT_SENDER]));
	/* The same texts in a plain text field are different values. */
	tc_trunk_set_string(a, TC_F_NAME, "+855 12 345");
	tc_trunk_set_string(b, TC_F_NAME, "85512345");
	cr_assert_not(tc_field_same_value(TC_F_NAME, &a->values[TC_F_NAME], &b->values[TC_F_NAME]));
	const char *ips1[] = {"192.0.2.1", "192.0.2.2", "192.0.2.1"},
	           *ips2[] = {"192.0.2.2", "192.0.2.1"};
	tc_trunk_set_list(a, TC_F_INBOUND_SOURCE_IPS, ips1, 3);
	tc_trunk_set_list(b, TC_F_INBOUND_SOURCE_IPS, ips2, 2);
	cr_assert(tc_field_same_value(TC_F_INBOUND_SOURCE_IPS, &a->values[TC_F_INBOUND_SOURCE_IPS],
	                              &b->values[TC_F_INBOUND_SOURCE_IPS]));
	tc_trunk_set_list(a, TC_F_OUTBOUND_ROUTE_PREFIXES, ips1, 3);
	tc_trunk_set_list(b, TC_F_OUTBOUND_ROUTE_PREFIXES, ips2, 2);
	cr_assert_not(tc_field_same_value(TC_F_OUTBOUND_ROUTE_PREFIXES,
	                                  &a->values[TC_F_OUTBOUND_ROUTE_PREFIXES],
	                                  &b->values[TC_F_OUTBOUND_ROUTE_PREFIXES]));
	tc_trunk_destroy(a);
	tc_trunk_destroy(b);
}

Test(field_kind, pickers_and_their_options)
{
	const char *opts[300];
	cr_assert_eq(tc_field_picker(TC_F_AUTHENTICATION_MODE), TC_PICK_CYCLE);
	cr_assert_eq(tc_field_picker(TC_F_OUTBOUND_NATIONAL_DIALING), TC_PICK_CYCLE);
	cr_assert_eq(tc_field_picker(TC_F_REGION), TC_PICK_LIST);
	cr_assert_eq(tc_field_picker(TC_F_INBOUND_COUNTRY), TC_PICK_CODE);
	cr_assert_eq(tc_field_picker(TC_F_NAME), TC_PICK_NONE);
	cr_assert_eq(tc_field_options(TC_F_AUTHENTICATION_MODE, NULL, 0, "", opts, 300), 3);
	cr_assert_str_eq(opts[2], "outbound_registration");
	cr_assert_eq(tc_field_options(TC_F_OUTBOUND_PLUS_PREFIX, NULL, 0, "", opts, 300), 2);
	cr_assert_str_eq(opts[0], "true");
	size_t n = tc_field_options(TC_F_INBOUND_COUNTRY, NULL, 0, "K", opts, 300);
	cr_assert_gt(n, 1);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(opts[i][0], 'K');
	cr_assert_eq(tc_field_options(TC_F_INBOUND_COUNTRY, NULL, 0, "KH", opts, 1), 1);
	cr_assert_eq(tc_field_max_chars(TC_F_INBOUND_COUNTRY), 2);
	cr_assert(tc_field_uppercase(TC_F_INBOUND_COUNTRY));
	cr_assert_eq(tc_field_max_chars(TC_F_NAME), 0);
}

Test(field_kind, help_joins_the_row_the_kind_and_required)
{
	char help[256];
	tc_field_help(TC_F_AUTHENTICATION_MODE, help, sizeof(help));
	cr_assert_str_eq(help,
	                 "ip_address, client_credentials or outbound_registration (required)");
	tc_field_help(TC_F_MAX_CHANNELS, help, sizeof(help));
	cr_assert_str_eq(help, "concurrent call limit, a whole number above 0 (once set, the API "
	                       "cannot clear it)");
	tc_field_help(TC_F_OUTBOUND_PLUS_PREFIX, help, sizeof(help));
	cr_assert_str_eq(help, "put + before dialled numbers (true/false)");
	tc_field_help(TC_F_OUTBOUND_HOST, help, sizeof(help));
	cr_assert_str_eq(help, "SIP server for outbound calls, host or host:port");
	tc_field_help(TC_F_NAME, help, 10);
	cr_assert_str_eq(help, "name of t");
}
