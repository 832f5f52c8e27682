/* The fleet file's YAML/JSON reader and YAML writer (src/fleet_file.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/fleet_file.h"
#include "trunkctl/trunk.h"

static enum tc_status read_text(const char *text, struct tc_fleet *f, struct tc_error *err)
{
	tc_error_init(err);
	return tc_fleet_read_yaml(text, strlen(text), "fleet.yaml", f, err);
}

Test(fleet_file, reads_yaml_by_the_field_table)
{
	const char *text = "# a comment\n"
	                   "- id: \"abc\"\n"
	                   "  sync_state: synced\n"
	                   "  created_at: \"2026-01-01T00:00:00Z\"\n"
	                   "  name: PBX\n"
	                   "  authentication_mode: ip_address\n"
	                   "  max_channels: 30\n"
	                   "  outbound_plus_prefix: true\n"
	                   "  inbound_source_ips: [\"203.0.113.1\", 203.0.113.2]\n"
	                   "  outbound_proxy: null\n"
	                   "  password: \"********\"\n"
	                   "- name: \"null\"\n"
	                   "  outbound_route_prefixes:\n"
	                   "    - \"855\"\n"
	                   "    - \"1\"\n";
	struct tc_fleet f;
	struct tc_error err;
	cr_assert_eq(read_text(text, &f, &err), TC_OK, "%s", err.message);
	cr_assert_eq(f.count, 2);
	struct tc_trunk *t = f.trunks[0];
	cr_assert_str_eq(t->id, "abc");
	cr_assert_eq(f.lines[0], 2);
	cr_assert_eq(f.lines[1], 12);
	cr_assert_str_eq(tc_trunk_string(t, TC_F_NAME), "PBX");
	cr_assert_eq(t->values[TC_F_CREATED_AT].state, TC_V_ABSENT, "read-only: ignored");
	cr_assert_eq(t->values[TC_F_MAX_CHANNELS].i, 30);
	cr_assert(t->values[TC_F_OUTBOUND_PLUS_PREFIX].b);
	cr_assert_eq(t->values[TC_F_INBOUND_SOURCE_IPS].list.count, 2);
	cr_assert_str_eq(t->values[TC_F_INBOUND_SOURCE_IPS].list.items[1], "203.0.113.2");
	cr_assert_eq(t->values[TC_F_OUTBOUND_PROXY].state, TC_V_NULL);
	cr_assert_eq(t->values[TC_F_PASSWORD].state, TC_V_ABSENT, "the mask never overwrites");
	cr_assert_null(f.trunks[1]->id);
	cr_assert_str_eq(tc_trunk_string(f.trunks[1], TC_F_NAME), "null", "quoted: a string");
	cr_assert_eq(f.trunks[1]->values[TC_F_OUTBOUND_ROUTE_PREFIXES].list.count, 2);
	cr_assert_eq(f.ignored.count, 0);
	tc_fleet_finish(&f);
	tc_error_clear(&err);
}

Test(fleet_file, reads_a_json_export_and_one_mapping)
{
	const char *text = "[\n  {\n    \"id\": null,\n    \"name\": \"A\",\n    \"max_channels\": "
	                   "null,\n    \"register_transport\": {\"x\": [1]}\n  }\n]\n";
	struct tc_fleet f;
	struct tc_error err;
	cr_assert_eq(read_text(text, &f, &err), TC_OK, "%s", err.message);
	cr_assert_eq(f.count, 1);
	cr_assert_eq(f.trunks[0]->values[TC_F_MAX_CHANNELS].state, TC_V_NULL);
	cr_assert_eq(f.ignored.count, 1, "an attribute this build does not know is named");
	cr_assert(strstr(f.ignored.items[0].title, "register_transport"));
	tc_fleet_finish(&f);
	cr_assert_eq(read_text("{\"name\": \"B\"}", &f, &err), TC_OK, "%s", err.message);
	cr_assert_eq(f.count, 1);
	tc_fleet_finish(&f);
	cr_assert_eq(read_text("[]", &f, &err), TC_OK, "%s", err.message);
	cr_assert_eq(f.count, 0);
	tc_fleet_finish(&f);
	tc_error_clear(&err);
}

Test(fleet_file, errors_name_the_file_the_line_and_the_field)
{
	struct {
		const char *text, *want;
	} cases[] = {
	    {"- name: A\n- name: B\n  max_channels: lots\n",
	     "fleet.yaml:3: max_channels must be an integer"},
	    {"- name: A\n  outbound_plus_prefix: maybe\n",
	     "fleet.yaml:2: outbound_plus_prefix must be boolean"},
	    {"- name: A\n  name: B\n", "fleet.yaml:2: name is given twice"},
	    {"- name: [a, b]\n", "fleet.yaml:1: name takes one value"},
	    {"- name: {a: b}\n", "fleet.yaml:1: name must be a value"},
	    {"- &x {name: A}\n- *x\n", "fleet.yaml:2: aliases"},
	    {"- !!str name: A\n", "tags"},
	    {"- name: A\n---\n- name: B\n", "one document"},
	    {"name: [\n", "fleet.yaml:"},
	    {"", "holds no trunks"},
	    {"just text\n", "expected a list of trunks"},
	    {"- just text\n", "each item of the list must be a trunk"},
	    {"- inbound_source_ips: [[1]]\n", "each item of the list must be a value"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct tc_fleet f;
		struct tc_error err;
		cr_assert_eq(read_text(cases[i].text, &f, &err), TC_PARSE, "case %zu", i);
		cr_assert(strstr(err.message, cases[i].want), "case %zu: %s", i, err.message);
		cr_assert_eq(f.count, 0);
		cr_assert_null(f.trunks);
		tc_fleet_finish(&f);
		tc_error_clear(&err);
	}
}

/* Hostile input: every prefix of a valid file and bytes of garbage never crash or leak. */
Test(fleet_file, truncated_and_garbage_input_never_crash)
{
	const char *good = "- id: \"x\"\n  name: \"PBX \\u00e9\"\n  max_channels: 3\n"
	                   "  inbound_source_ips: [\"1.2.3.4\", \"5.6.7.8\"]\n"
	                   "  outbound_route_prefixes:\n    - \"1\"\n";
	size_t n = strlen(good);
	for (size_t cut = 0; cut <= n; cut++) {
		struct tc_fleet f;
		struct tc_error err;
		tc_error_init(&err);
		enum tc_status rc = tc_fleet_read_yaml(good, cut, "cut", &f, &err);
		cr_assert(rc == TC_OK || rc == TC_PARSE, "cut %zu: %d", cut, rc);
		tc_fleet_finish(&f);
		tc_error_clear(&err);
	}
	unsigned seed = 14;
	char buf[256];
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf));
		static const char alphabet[] = "-:[]{},\"'\n #&*!|>?name~\\\x01\xff\t";
		for (size_t i = 0; i < len; i++)
			buf[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		struct tc_fleet f;
		struct tc_error err;
		tc_error_init(&err);
		enum tc_status rc = tc_fleet_read_yaml(buf, len, "garbage", &f, &err);
		cr_assert(rc == TC_OK || rc == TC_PARSE, "round %d: %d", round, rc);
		tc_fleet_finish(&f);
		tc_error_clear(&err);
	}
}

static struct tc_trunk *sample(void)
{
	struct tc_trunk *t = tc_trunk_new();
	const char *ips[] = {"203.0.113.1", "203.0.113.2"};
	cr_assert_eq(tc_trunk_set_id(t, "id-1"), TC_OK);
	tc_trunk_set_string(t, TC_F_NAME, "PBX: \"main\" #1\n\ttab ünï");
	tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "outbound_registration");
	tc_trunk_set_string(t, TC_F_REGION, "hydrogen");
	tc_trunk_set_string(t, TC_F_CREATED_AT, "2026-01-01T00:00:00Z");
	tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 12);
	tc_trunk_set_bool(t, TC_F_OUTBOUND_NATIONAL_DIALING, true);
	tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 2);
	tc_trunk_set_string(t, TC_F_DEFAULT_SENDER, "null");
	tc_trunk_set_string(t, TC_F_USERNAME, "true");
	tc_trunk_set_string(t, TC_F_PASSWORD, "s3cret");
	tc_trunk_set_null(t, TC_F_OUTBOUND_PROXY);
	return t;
}

Test(fleet_file, yaml_export_reads_back_to_the_same_values)
{
	struct tc_trunk *t = sample();
	char *text;
	size_t len;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_fleet_yaml_item(t, true, &text, &len, &err), TC_OK, "%s", err.message);
	size_t dlen = strlen(TC_FLEET_YAML_HEADER) + 2 * len + 1;
	char *doc = malloc(dlen);
	cr_assert_not_null(doc);
	snprintf(doc, dlen, "%s%s%s", TC_FLEET_YAML_HEADER, text, text);
	struct tc_fleet f;
	cr_assert_eq(tc_fleet_read_yaml(doc, strlen(doc), "x", &f, &err), TC_OK, "%s\n%s",
	             err.message, doc);
	cr_assert_eq(f.count, 2);
	struct tc_trunk *back = f.trunks[1];
	cr_assert_str_eq(back->id, "id-1");
	for (int fi = 0; fi < TC_FIELD_COUNT; fi++) {
		if (tc_field(fi)->flags & TC_FF_READONLY)
			continue;
		cr_assert(tc_field_same_value(fi, &t->values[fi], &back->values[fi]), "%s differs",
		          tc_field(fi)->key);
	}
	cr_assert_str_eq(tc_trunk_string(back, TC_F_NAME), tc_trunk_string(t, TC_F_NAME));
	cr_assert_str_eq(tc_trunk_string(back, TC_F_DEFAULT_SENDER), "null");
	free(text);
	free(doc);
	tc_fleet_finish(&f);

	/* masked: the secret reads back unset, every other value the same */
	cr_assert_eq(tc_fleet_yaml_item(t, false, &text, &len, &err), TC_OK);
	cr_assert(strstr(text, TC_SECRET_MASK));
	cr_assert_null(strstr(text, "s3cret"));
	cr_assert_eq(tc_fleet_read_yaml(text, len, "x", &f, &err), TC_OK, "%s", err.message);
	cr_assert_eq(f.trunks[0]->values[TC_F_PASSWORD].state, TC_V_ABSENT);
	free(text);
	tc_fleet_finish(&f);
	tc_trunk_destroy(t);
	tc_error_clear(&err);
}
