#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_fixture.h"
#include "jsonapi_private.h"
#include "lib/page_same.h"
#include "trunkctl/jsonapi.h"
#include "trunkctl/trunk.h"

#define OUTREG_ID "5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10"
#define IP_ID "0b7e54c2-3f1a-4d8e-b6c9-71a2e4f0d3b5"

static const char *const resource_fixtures[] = {
    "resource_outbound_registration.json",
    "resource_ip_address.json",
    "resource_register_transport.json",
};
#define N_RESOURCES (sizeof(resource_fixtures) / sizeof(*resource_fixtures))

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", TC_FIXTURES, name);
	return read_all(path, len);
}

static struct tc_trunk *decode_fixture(const char *name)
{
	size_t len;
	char *body = slurp(name, &len);
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *t = NULL;
	enum tc_status rc = tc_jsonapi_decode_resource(body, len, &t, &err);
	cr_assert_eq(rc, TC_OK, "%s: %s", name, err.message);
	cr_assert_not_null(t);
	free(body);
	tc_error_clear(&err);
	return t;
}

static const char *str(const struct tc_trunk *t, enum tc_field_id f)
{
	const char *s = tc_trunk_string(t, f);
	return s ? s : "(not set)";
}

static enum tc_value_state state(const struct tc_trunk *t, enum tc_field_id f)
{
	return t->values[f].state;
}

/* Lines "[!]pointer title" for each field error; ! marks a rule error. */
static void render_errors(const struct tc_field_errors *errs, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < errs->count && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s %s\n",
		                         errs->items[i].rule ? "!" : "", errs->items[i].pointer,
		                         errs->items[i].title);
}

/* ---- resource documents ---- */

Test(resource, outbound_registration_document_of_section_4)
{
	struct tc_trunk *t = decode_fixture("resource_outbound_registration.json");
	cr_assert_str_eq(t->id, OUTREG_ID);
	cr_assert_str_eq(str(t, TC_F_CREATED_AT), "2026-02-17T08:05:33Z");
	cr_assert_str_eq(str(t, TC_F_UPDATED_AT), "2026-02-17T08:05:33Z");
	cr_assert_str_eq(str(t, TC_F_NAME), "My PBX Registration");
	cr_assert_eq(tc_trunk_mode(t), TC_MODE_OUTBOUND_REGISTRATION);
	cr_assert_str_eq(str(t, TC_F_REGION), "hydrogen");
	cr_assert_eq(state(t, TC_F_MAX_CHANNELS), TC_V_NULL);
	cr_assert_str_eq(str(t, TC_F_DEFAULT_SENDER), "85512345678");
	cr_assert_str_eq(str(t, TC_F_OUTBOUND_HOST), "pbx.example.com:5060");
	cr_assert_eq(state(t, TC_F_OUTBOUND_PROXY), TC_V_NULL);
	cr_assert_str_eq(str(t, TC_F_AUTH_USER), "myuser");
	cr_assert_eq(state(t, TC_F_OUTBOUND_DIAL_STRING_PREFIX), TC_V_NULL);
	cr_assert_eq(state(t, TC_F_OUTBOUND_NATIONAL_DIALING), TC_V_SET);
	cr_assert_not(t->values[TC_F_OUTBOUND_NATIONAL_DIALING].b);
	cr_assert_not(t->values[TC_F_OUTBOUND_PLUS_PREFIX].b);
	cr_assert_eq(state(t, TC_F_OUTBOUND_ROUTE_PREFIXES), TC_V_SET);
	cr_assert_eq(t->values[TC_F_OUTBOUND_ROUTE_PREFIXES].list.count, 0);
	cr_assert_eq(state(t, TC_F_INBOUND_COUNTRY), TC_V_NULL);
	cr_assert_eq(t->values[TC_F_INBOUND_SOURCE_IPS].list.count, 1);
	cr_assert_str_eq(t->values[TC_F_INBOUND_SOURCE_IPS].list.items[0], "203.0.113.1");
	cr_assert_str_eq(str(t, TC_F_USERNAME), "myuser");
	cr_assert_str_eq(str(t, TC_F_PASSWORD), "mypassword");
	cr_assert_null(t->extra_json);
	tc_trunk_destroy(t);
}

Test(resource, the_data_member_is_kept_as_received)
{
	size_t len;
	char *body = slurp("resource_outbound_registration.json", &len);
	struct tc_trunk *t = decode_fixture("resource_outbound_registration.json");
	json_t *root = json_loadb(body, len, 0, NULL), *kept = json_loads(t->document, 0, NULL);
	cr_assert_not_null(kept);
	cr_assert(json_equal(kept, json_object_get(root, "data")), "%s", t->document);
	/* the server's member order, region and default_sender as the server renders them */
	const char *region = strstr(t->document, "\"region\":{");
	cr_assert(region && region > strstr(t->document, "\"name\":"), "%s", t->document);
	cr_assert(strstr(t->document, "\"password\":\"mypassword\""));

	struct tc_error err;
	tc_error_init(&err);
	char *shown = NULL;
	cr_assert_eq(tc_jsonapi_format_resource(t->document, false, &shown, &err), TC_OK);
	cr_assert(strstr(shown, "\n  \"attributes\": {\n"), "%s", shown);
	cr_assert(strstr(shown, "\"password\": \"" TC_SECRET_MASK "\""), "%s", shown);
	cr_assert_null(strstr(shown, "mypassword"));
	free(shown);
	cr_assert_eq(tc_jsonapi_format_resource(t->document, true, &shown, &err), TC_OK);
	cr_assert(strstr(shown, "\"password\": \"mypassword\""), "%s", shown);
	free(shown);
	cr_assert_eq(tc_jsonapi_format_resource("{\"id\":", false, &shown, &err), TC_PARSE);
	cr_assert_null(shown);
	tc_error_clear(&err);
	json_decref(kept);
	json_decref(root);
	free(body);
	tc_trunk_destroy(t);
}

Test(resource, ip_address_trunk_has_no_credential_keys)
{
	struct tc_trunk *t = decode_fixture("resource_ip_address.json");
	cr_assert_str_eq(t->id, IP_ID);
	cr_assert_eq(tc_trunk_mode(t), TC_MODE_IP_ADDRESS);
	cr_assert_eq(state(t, TC_F_USERNAME), TC_V_ABSENT);
	cr_assert_eq(state(t, TC_F_PASSWORD), TC_V_ABSENT);
	cr_assert_eq(t->values[TC_F_MAX_CHANNELS].i, 30);
	cr_assert_eq(state(t, TC_F_DEFAULT_SENDER), TC_V_NULL);
	cr_assert(t->values[TC_F_OUTBOUND_PLUS_PREFIX].b);
	cr_assert_eq(t->values[TC_F_INBOUND_SOURCE_IPS].list.count, 2);
	cr_assert_str_eq(t->values[TC_F_INBOUND_SOURCE_IPS].list.items[1], "198.51.100.7");
	tc_trunk_destroy(t);
}

Test(resource, unknown_attribute_is_kept)
{
	struct tc_trunk *t = decode_fixture("resource_register_transport.json");
	/* alphabetical region keys (Terraform data source) */
	cr_assert_str_eq(str(t, TC_F_REGION), "helium");
	cr_assert_str_eq(str(t, TC_F_OUTBOUND_PROXY), "");
	cr_assert_str_eq(str(t, TC_F_DEFAULT_SENDER), "14155551234");
	cr_assert_not_null(t->extra_json);
	json_t *extra = json_loads(t->extra_json, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(extra, "register_transport")), "tls");
	cr_assert_eq(json_object_size(extra), 1);
	json_decref(extra);
	tc_trunk_destroy(t);
}

struct bad_doc {
	char body[160];
	int status;
	char needle[64];
};

ParameterizedTestParameters(resource, malformed_documents_are_refused)
{
	static struct bad_doc cases[] = {
	    {"", TC_PARSE, "not valid JSON"},
	    {"{\"data\":", TC_PARSE, "not valid JSON"},
	    {"[]", TC_PROTOCOL, "not a JSON object"},
	    {"{}", TC_PROTOCOL, "no \"data\""},
	    {"{\"data\":[]}", TC_PROTOCOL, "data is not an object"},
	    {"{\"data\":null}", TC_PROTOCOL, "data is not an object"},
	    {"{\"data\":{\"id\":\"" OUTREG_ID "\",\"attributes\":{}}}", TC_PROTOCOL, "no \"type\""},
	    {"{\"data\":{\"type\":7,\"id\":\"" OUTREG_ID "\",\"attributes\":{}}}", TC_PROTOCOL,
	     "\"type\" that is not a string"},
	    {"{\"data\":{\"type\":\"account\",\"id\":\"" OUTREG_ID "\",\"attributes\":{}}}",
	     TC_PROTOCOL, "type \"account\""},
	    {"{\"data\":{\"type\":\"sip_trunk\",\"attributes\":{}}}", TC_PROTOCOL, "no \"id\""},
	    {"{\"data\":{\"type\":\"sip_trunk\",\"id\":42,\"attributes\":{}}}", TC_PROTOCOL,
	     "\"id\" that is not a string"},
	    {"{\"data\":{\"type\":\"sip_trunk\",\"id\":\"trunk-id\",\"attributes\":{}}}",
	     TC_PROTOCOL, "not a UUID"},
	    {"{\"data\":{\"type\":\"sip_trunk\",\"id\":\"" OUTREG_ID "\"}}", TC_PROTOCOL,
	     "no \"attributes\""},
	    {"{\"data\":{\"type\":\"sip_trunk\",\"id\":\"" OUTREG_ID "\",\"attributes\":[]}}",
	     TC_PROTOCOL, "not an object"},
	    {"{\"data\":{\"type\":\"sip_trunk\",\"id\":\"" OUTREG_ID
	     "\",\"attributes\":{\"max_channels\":\"30\"}}}",
	     TC_PROTOCOL, "/data/attributes/max_channels must be an integer"},
	    {"{\"data\":{\"type\":\"sip_trunk\",\"id\":\"" OUTREG_ID
	     "\",\"attributes\":{\"inbound_source_ips\":\"1.2.3.4\"}}}",
	     TC_PROTOCOL, "inbound_source_ips must be an array"},
	    {"{\"data\":{\"type\":\"sip_trunk\",\"type\":\"sip_trunk\"}}", TC_PARSE, "duplicate"},
	};
	return cr_make_param_array(struct bad_doc, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct bad_doc *c, resource, malformed_documents_are_refused)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *t = (struct tc_trunk *)1;
	enum tc_status rc = tc_jsonapi_decode_resource(c->body, strlen(c->body), &t, &err);
	cr_assert_eq((int)rc, c->status, "%s: got %s (%s)", c->body, tc_status_name(rc),
	             err.message);
	cr_assert_eq(err.status, rc);
	cr_assert_null(t);
	cr_assert_not_null(strstr(err.message, c->needle), "%s: message \"%s\"", c->body,
	                   err.message);
	tc_error_clear(&err);
}

/* ---- collections ---- */

Test(collection, page_with_links)
{
	size_t len;
	char *body = slurp("collection_page.json", &len);
	struct tc_jsonapi_page page = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_jsonapi_decode_collection(body, len, &page, &err), TC_OK, "%s",
	             err.message);
	cr_assert_eq(page.count, 2);
	cr_assert_eq(tc_trunk_mode(page.items[0]), TC_MODE_CLIENT_CREDENTIALS);
	cr_assert_str_eq(str(page.items[0], TC_F_USERNAME), "silent-dawn-4821");
	cr_assert_str_eq(page.items[1]->id, IP_ID);
	cr_assert_eq(state(page.items[1], TC_F_USERNAME), TC_V_ABSENT);
	cr_assert_str_eq(page.prev,
	                 "https://api.somleng.org/carrier/v1/sip_trunks?page%5Bbefore%5D="
	                 "c3d9a1e7-52b4-4f06-8e1d-9a0b7c6f5e42&page%5Bsize%5D=2");
	cr_assert_str_eq(page.next, "https://api.somleng.org/carrier/v1/sip_trunks?page%5Bafter%5D="
	                            "0b7e54c2-3f1a-4d8e-b6c9-71a2e4f0d3b5&page%5Bsize%5D=2");
	tc_jsonapi_page_finish(&page);
	cr_assert_eq(page.count, 0);
	cr_assert_null(page.items);
	tc_jsonapi_page_finish(&page);
	tc_jsonapi_page_finish(NULL);
	free(body);
}

Test(collection, empty_collection)
{
	size_t len;
	char *body = slurp("collection_empty.json", &len);
	struct tc_jsonapi_page page = {0};
	cr_assert_eq(tc_jsonapi_decode_collection(body, len, &page, NULL), TC_OK);
	cr_assert_eq(page.count, 0);
	cr_assert_null(page.prev);
	cr_assert_null(page.next);
	tc_jsonapi_page_finish(&page);
	free(body);
}

Test(collection, the_next_link_is_peeked_as_decoded)
{
	size_t len;
	char *body = slurp("collection_page.json", &len);
	struct tc_jsonapi_page page = {0};
	cr_assert_eq(tc_jsonapi_decode_collection(body, len, &page, NULL), TC_OK);
	char *next = NULL;
	cr_assert(tc_jsonapi_peek_next(body, len, &next));
	cr_assert_str_eq(next, page.next);
	free(next);
	tc_jsonapi_page_finish(&page);
	free(body);
}

/* Each document is what jansson dumps for the element, whether or not the answer's text is. */
static void documents_are_the_dumps(const char *body)
{
	struct tc_jsonapi_page page = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_jsonapi_decode_collection(body, strlen(body), &page, &err), TC_OK, "%s: %s",
	             body, err.message);
	json_t *root = json_loads(body, 0, NULL);
	json_t *data = json_object_get(root, "data");
	cr_assert_eq(page.count, json_array_size(data));
	for (size_t i = 0; i < page.count; i++) {
		char *want = json_dumps(json_array_get(data, i),
		                        JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
		cr_assert_str_eq(page.items[i]->document, want, "%s [%zu]", body, i);
		free(want);
	}
	json_decref(root);
	tc_jsonapi_page_finish(&page);
}

Test(collection, documents_are_kept_as_jansson_writes_them)
{
	size_t len;
	char *fixture = slurp("collection_page.json", &len);
	documents_are_the_dumps(fixture);
	free(fixture);
#define ITEM(attrs) "{\"type\":\"sip_trunk\",\"id\":\"" IP_ID "\",\"attributes\":{" attrs "}}"
#define LINKS "\"links\":{\"prev\":null,\"next\":null}"
	static const char *const bodies[] = {
	    "{\"data\":[" ITEM("\"name\":\"a\"") "," ITEM("\"name\":\"b\\\"\\\\\\n\\t\"") "]," LINKS
	                                                                                  "}",
	    "{\"data\":[ " ITEM("\"name\":\"a b\"") " , " ITEM("\"name\":\"c\"") " ]," LINKS "}",
	    "{\"data\":[" ITEM("\"name\" : \"spaced\"") "]," LINKS "}",
	    "{\"data\":[" ITEM("\"name\":\"x\\u0026y\\/z\"") "," ITEM("\"name\":\"é\"") "]," LINKS
	                                                                                "}",
	    "{\"data\":[" ITEM("\"max_channels\":10,\"x_real\":1.50") "]," LINKS "}",
	    "{\"data\":[" ITEM("\"x_exp\":1e2,\"x_neg\":-7") "," ITEM("\"x_zero\":-0") "]," LINKS
	                                                                               "}",
	    "{\"data\":[" ITEM("\"x_nested\":{\"a\":[1,[],{\"b\":null,\"c\":true}]}") "]," LINKS
	                                                                              "}",
	    "{" LINKS ",\"data\":[" ITEM("\"name\":\"]},{\"") "]}",
	    "{\"x\":{\"data\":[1]},\"data\":[" ITEM("\"name\":\"a\"") "]," LINKS "}",
	    "{\"\\u0064ata\":[" ITEM("\"name\":\"escaped key\"") "]," LINKS "}",
	};
#undef ITEM
#undef LINKS
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++)
		documents_are_the_dumps(bodies[i]);
}

/* What the scan may not take for links.next: it then leaves the link to the decode. */
Test(collection, a_next_link_is_peeked_only_from_the_top_level_links)
{
	static const struct {
		const char *body;
		const char *want; /* NULL: no guess */
	} cases[] = {
	    {" {\"data\":[],\"links\" : {\"prev\":null,\"next\":\"n?a=\\u0026\"}}", "n?a=&"},
	    {"{\"links\":{\"next\":\"x\"},\"data\":[{\"links\":{\"next\":\"y\"}}]}", "x"},
	    {"{\"data\":[{\"links\":{\"next\":\"y\"}}],\"links\":{\"next\":null}}", NULL},
	    {"{\"data\":[{\"name\":\"\\\"links\\\":{\\\"next\\\":\\\"y\\\"}\"}]}", NULL},
	    {"{\"data\":{\"links\":{\"next\":\"y\"}}}", NULL},
	    {"{\"\\u006cinks\":{\"next\":\"y\"}}", NULL},
	    {"{\"links\":\"next\"}", NULL},
	    {"{\"links\":{\"next\":1}}", NULL},
	    {"{\"links\":{\"next\":\"x\",\"next\":\"y\"}}", NULL},
	    {"{\"links\":{\"next\":\"x\"", NULL},
	    {"[{\"links\":{\"next\":\"x\"}}]", NULL},
	    {"", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *next = (char *)"unset";
		bool found = tc_jsonapi_peek_next(cases[i].body, strlen(cases[i].body), &next);
		cr_assert_eq(found, cases[i].want != NULL, "%s", cases[i].body);
		if (cases[i].want)
			cr_assert_str_eq(next, cases[i].want, "%s", cases[i].body);
		else
			cr_assert_null(next, "%s", cases[i].body);
		free(next);
	}
	char *next = NULL;
	cr_assert_not(tc_jsonapi_peek_next(NULL, 0, &next));
	cr_assert_null(next);
}

ParameterizedTestParameters(collection, malformed_collections_are_refused)
{
	static struct bad_doc cases[] = {
	    {"{\"data\":[]}", TC_PROTOCOL, "without \"links\""},
	    {"{\"data\":[],\"links\":null}", TC_PROTOCOL, "links are not an object"},
	    {"{\"data\":[],\"links\":{\"prev\":null}}", TC_PROTOCOL, "no \"next\""},
	    {"{\"data\":[],\"links\":{\"next\":null}}", TC_PROTOCOL, "no \"prev\""},
	    {"{\"data\":[],\"links\":{\"prev\":1,\"next\":null}}", TC_PROTOCOL,
	     "links.prev is neither"},
	    {"{\"data\":{},\"links\":{\"prev\":null,\"next\":null}}", TC_PROTOCOL, "not an array"},
	    {"{\"links\":{\"prev\":null,\"next\":null}}", TC_PROTOCOL, "no \"data\""},
	    {"{\"data\":[{\"type\":\"sip_trunk\",\"id\":\"" IP_ID
	     "\",\"attributes\":{}},7],\"links\":{\"prev\":null,\"next\":null}}",
	     TC_PROTOCOL, "data[1] is not an object"},
	    {"{\"data\":[{\"type\":\"sip_trunk\",\"id\":\"" IP_ID
	     "\",\"attributes\":{\"name\":1}}],\"links\":{\"prev\":null,\"next\":null}}",
	     TC_PROTOCOL, "/data/0/attributes/name must be a string"},
	};
	return cr_make_param_array(struct bad_doc, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct bad_doc *c, collection, malformed_collections_are_refused)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_jsonapi_page page = {0};
	enum tc_status rc = tc_jsonapi_decode_collection(c->body, strlen(c->body), &page, &err);
	cr_assert_eq((int)rc, c->status, "%s: got %s (%s)", c->body, tc_status_name(rc),
	             err.message);
	cr_assert_eq(page.count, 0);
	cr_assert_null(page.items);
	cr_assert_null(page.prev);
	cr_assert_not_null(strstr(err.message, c->needle), "message \"%s\"", err.message);
	tc_error_clear(&err);
}

/* ---- create bodies and round trips ---- */

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);
	cr_assert_not_null(v, "%s: %s", text, jerr.text);
	return v;
}

Test(create, body_holds_the_sendable_fields_in_table_order)
{
	struct tc_trunk *t = decode_fixture("resource_outbound_registration.json");
	char *body = NULL;
	cr_assert_eq(tc_jsonapi_encode_create(t, &body, NULL), TC_OK);
	cr_assert_str_eq(
	    body,
	    "{\"data\":{\"type\":\"sip_trunk\",\"attributes\":{\"name\":\"My PBX Registration\","
	    "\"authentication_mode\":\"outbound_registration\",\"region\":\"hydrogen\","
	    "\"default_sender\":\"85512345678\",\"outbound_host\":\"pbx.example.com:5060\","
	    "\"outbound_proxy\":null,\"auth_user\":\"myuser\",\"outbound_national_dialing\":false,"
	    "\"outbound_plus_prefix\":false,\"outbound_route_prefixes\":[],"
	    "\"inbound_source_ips\":[\"203.0.113.1\"],\"username\":\"myuser\","
	    "\"password\":\"mypassword\"}}}");
	free(body);
	tc_trunk_destroy(t);
}

Test(create, unknown_attributes_are_sent_back)
{
	struct tc_trunk *t = decode_fixture("resource_register_transport.json");
	char *body = NULL;
	cr_assert_eq(tc_jsonapi_encode_create(t, &body, NULL), TC_OK);
	json_t *doc = parse(body);
	json_t *attrs = json_object_get(json_object_get(doc, "data"), "attributes");
	cr_assert_str_eq(json_string_value(json_object_get(attrs, "register_transport")), "tls");
	cr_assert_null(json_object_get(json_object_get(doc, "data"), "id"));
	cr_assert_null(json_object_get(attrs, "created_at"));
	json_decref(doc);
	free(body);
	tc_trunk_destroy(t);
}

/* What a create body carries of t: set values, and nulls the server accepts. */
static bool sent_on_create(const struct tc_trunk *t, enum tc_field_id f)
{
	const struct tc_field_info *fi = tc_field(f);
	if (!(fi->flags & TC_FF_SEND_CREATE))
		return false;
	return t->values[f].state == TC_V_SET ||
	       (t->values[f].state == TC_V_NULL && (fi->flags & TC_FF_NULLABLE));
}

static void assert_same_request(const struct tc_trunk *want, const struct tc_trunk *got,
                                const char *what)
{
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		if (sent_on_create(want, f))
			cr_assert(tc_value_equal(&want->values[f], &got->values[f], fi->type),
			          "%s: %s differs", what, fi->key);
		else
			cr_assert_eq(got->values[f].state, TC_V_ABSENT, "%s: %s should be absent",
			             what, fi->key);
	}
	json_t *a = want->extra_json ? parse(want->extra_json) : NULL;
	json_t *b = got->extra_json ? parse(got->extra_json) : NULL;
	cr_assert((!a && !b) || json_equal(a, b), "%s: unknown attributes differ", what);
	json_decref(a);
	json_decref(b);
}

Test(create, fixtures_round_trip_through_a_request)
{
	for (size_t i = 0; i < N_RESOURCES; i++) {
		struct tc_trunk *t = decode_fixture(resource_fixtures[i]);
		char *body = NULL;
		cr_assert_eq(tc_jsonapi_encode_create(t, &body, NULL), TC_OK);
		struct tc_error err;
		tc_error_init(&err);
		struct tc_trunk *back = NULL;
		cr_assert_eq(tc_jsonapi_decode_request(body, strlen(body), TC_JSONAPI_CREATE, NULL,
		                                       &back, &err),
		             TC_OK, "%s: %s", resource_fixtures[i], err.message);
		cr_assert_null(back->id);
		assert_same_request(t, back, resource_fixtures[i]);

		/* and the encoder is stable: the request re-encodes to the same body */
		char *again = NULL;
		cr_assert_eq(tc_jsonapi_encode_create(back, &again, NULL), TC_OK);
		cr_assert_str_eq(again, body);
		free(again);
		free(body);
		tc_trunk_destroy(back);
		tc_trunk_destroy(t);
		tc_error_clear(&err);
	}
}

Test(create, collection_items_round_trip_through_a_request)
{
	size_t len;
	char *text = slurp("collection_page.json", &len);
	struct tc_jsonapi_page page = {0};
	cr_assert_eq(tc_jsonapi_decode_collection(text, len, &page, NULL), TC_OK);
	for (size_t i = 0; i < page.count; i++) {
		char *body = NULL;
		struct tc_trunk *back = NULL;
		cr_assert_eq(tc_jsonapi_encode_create(page.items[i], &body, NULL), TC_OK);
		cr_assert_eq(tc_jsonapi_decode_request(body, strlen(body), TC_JSONAPI_CREATE, NULL,
		                                       &back, NULL),
		             TC_OK);
		assert_same_request(page.items[i], back, "collection item");
		tc_trunk_destroy(back);
		free(body);
	}
	tc_jsonapi_page_finish(&page);
	free(text);
}

/* ---- update bodies ---- */

Test(update, only_changed_attributes_are_sent)
{
	struct tc_trunk *base = decode_fixture("resource_ip_address.json");
	struct tc_trunk *edited = tc_trunk_dup(base);
	tc_trunk_set_string(edited, TC_F_NAME, "Renamed");
	tc_trunk_set_int(edited, TC_F_MAX_CHANNELS, 10);
	char *body = NULL;
	cr_assert_eq(tc_jsonapi_encode_update(base, edited, &body, NULL), TC_OK);
	cr_assert_str_eq(body, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"" IP_ID
	                       "\",\"attributes\":{\"name\":\"Renamed\",\"max_channels\":10}}}");

	/* the server reads it back as the same change */
	struct tc_trunk *back = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(
	    tc_jsonapi_decode_request(body, strlen(body), TC_JSONAPI_UPDATE, IP_ID, &back, &err),
	    TC_OK, "%s", err.message);
	cr_assert_str_eq(back->id, IP_ID);
	cr_assert_str_eq(str(back, TC_F_NAME), "Renamed");
	cr_assert_eq(back->values[TC_F_MAX_CHANNELS].i, 10);
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if (f != TC_F_NAME && f != TC_F_MAX_CHANNELS)
			cr_assert_eq(state(back, f), TC_V_ABSENT, "%s", tc_field(f)->key);
	tc_trunk_destroy(back);
	tc_error_clear(&err);
	free(body);
	tc_trunk_destroy(edited);
	tc_trunk_destroy(base);
}

Test(update, no_change_sends_empty_attributes)
{
	struct tc_trunk *base = decode_fixture("resource_outbound_registration.json");
	char *body = NULL;
	cr_assert_eq(tc_jsonapi_encode_update(base, base, &body, NULL), TC_OK);
	cr_assert_str_eq(body, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"" OUTREG_ID
	                       "\",\"attributes\":{}}}");
	free(body);
	tc_trunk_destroy(base);
}

Test(update, nulls_only_where_the_server_takes_them)
{
	struct tc_trunk *base = decode_fixture("resource_register_transport.json");
	struct tc_trunk *edited = tc_trunk_dup(base);
	tc_trunk_set_null(edited, TC_F_OUTBOUND_PROXY); /* nullable: sent as null */
	tc_trunk_set_null(edited, TC_F_MAX_CHANNELS);   /* "must be filled": left out */
	tc_trunk_unset(edited, TC_F_INBOUND_COUNTRY);   /* absent: nothing to say */
	tc_trunk_set_string(edited, TC_F_CREATED_AT, "2030-01-01T00:00:00Z"); /* read-only */
	char *body = NULL;
	cr_assert_eq(tc_jsonapi_encode_update(base, edited, &body, NULL), TC_OK);
	json_t *doc = parse(body);
	json_t *attrs = json_object_get(json_object_get(doc, "data"), "attributes");
	cr_assert_eq(json_object_size(attrs), 1, "%s", body);
	cr_assert(json_is_null(json_object_get(attrs, "outbound_proxy")));
	json_decref(doc);
	free(body);
	tc_trunk_destroy(edited);
	tc_trunk_destroy(base);
}

Test(update, changed_unknown_attributes_are_sent)
{
	struct tc_trunk *base = decode_fixture("resource_register_transport.json");
	struct tc_trunk *edited = tc_trunk_dup(base);
	free(edited->extra_json);
	edited->extra_json = strdup("{\"register_transport\":\"udp\",\"new_thing\":[1]}");
	char *body = NULL;
	cr_assert_eq(tc_jsonapi_encode_update(base, edited, &body, NULL), TC_OK);
	cr_assert_str_eq(body, "{\"data\":{\"type\":\"sip_trunk\",\"id\":"
	                       "\"c3d9a1e7-52b4-4f06-8e1d-9a0b7c6f5e42\",\"attributes\":{"
	                       "\"register_transport\":\"udp\",\"new_thing\":[1]}}}");
	free(body);

	/* unchanged unknown attributes stay out */
	cr_assert_eq(tc_jsonapi_encode_update(base, base, &body, NULL), TC_OK);
	cr_assert_null(strstr(body, "register_transport"));
	free(body);
	tc_trunk_destroy(edited);
	tc_trunk_destroy(base);
}

Test(update, mask_picks_the_fields)
{
	struct tc_trunk *t = decode_fixture("resource_outbound_registration.json");
	bool changed[TC_FIELD_COUNT] = {false};
	changed[TC_F_PASSWORD] = true;
	changed[TC_F_INBOUND_SOURCE_IPS] = true;
	changed[TC_F_UPDATED_AT] = true; /* read-only: never sent */
	char *body = NULL;
	cr_assert_eq(tc_jsonapi_encode_update_fields(t, changed, &body, NULL), TC_OK);
	cr_assert_str_eq(body, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"" OUTREG_ID
	                       "\",\"attributes\":{\"inbound_source_ips\":[\"203.0.113.1\"],"
	                       "\"password\":\"mypassword\"}}}");
	free(body);
	tc_trunk_destroy(t);
}

Test(update, a_trunk_without_id_cannot_be_patched)
{
	struct tc_trunk *t = tc_trunk_new();
	bool changed[TC_FIELD_COUNT] = {false};
	char *body = (char *)"untouched";
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_jsonapi_encode_update(t, t, &body, &err), TC_INVALID);
	cr_assert_null(body);
	cr_assert_eq(tc_jsonapi_encode_update_fields(t, changed, &body, NULL), TC_INVALID);
	cr_assert_not_null(strstr(err.message, "no server id"));
	tc_error_clear(&err);
	tc_trunk_destroy(t);
}

/* ---- requests as the server reads them ---- */

struct request_case {
	char body[200];
	int kind;
	int status;
	char errors[320]; /* render_errors lines */
};

#define UID "5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10"
#define DOC(members) "{\"data\":{" members "}}"
#define T "\"type\":\"sip_trunk\""
#define A "\"attributes\":{}"

ParameterizedTestParameters(request, structural_errors_are_the_servers)
{
	static struct request_case cases[] = {
	    /* flat objects */
	    {"{}", TC_JSONAPI_CREATE, TC_OK, ""},
	    {"{\"id\":\"x\",\"name\":5}", TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes/name must be a string\n"},
	    /* /data */
	    {"{\"data\":null}", TC_JSONAPI_CREATE, TC_INVALID, "/data must be a hash\n"},
	    {"{\"data\":[]}", TC_JSONAPI_CREATE, TC_INVALID, "/data must be a hash\n"},
	    {"{\"data\":\"x\"}", TC_JSONAPI_CREATE, TC_INVALID, "/data must be a hash\n"},
	    {"[1]", TC_JSONAPI_CREATE, TC_INVALID, "/data is missing\n"},
	    /* Rails does not parse an empty body (no params), but does parse a blank one */
	    {"", TC_JSONAPI_UPDATE, TC_INVALID, "/data is missing\n"},
	    {" ", TC_JSONAPI_CREATE, TC_PARSE, ""},
	    {"\"text\"", TC_JSONAPI_CREATE, TC_INVALID, "/data is missing\n"},
	    {"{" T "," A "}", TC_JSONAPI_CREATE, TC_INVALID, "/data is missing\n"},
	    {"{\"data\":\"\"}", TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/type is missing\n/data/attributes is missing\n"},
	    {"{\"data\":\"\"}", TC_JSONAPI_UPDATE, TC_INVALID,
	     "/data/type is missing\n/data/id is missing\n/data/attributes is missing\n"},
	    /* /data/type */
	    {DOC(A), TC_JSONAPI_CREATE, TC_INVALID, "/data/type is missing\n"},
	    {DOC("\"type\":null," A), TC_JSONAPI_CREATE, TC_INVALID, "/data/type must be filled\n"},
	    {DOC("\"type\":\"\"," A), TC_JSONAPI_CREATE, TC_INVALID, "/data/type must be filled\n"},
	    {DOC("\"type\":[]," A), TC_JSONAPI_CREATE, TC_INVALID, "/data/type must be filled\n"},
	    {DOC("\"type\":5," A), TC_JSONAPI_CREATE, TC_INVALID, "/data/type must be a string\n"},
	    {DOC("\"type\":[\"sip_trunk\"]," A), TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/type must be a string\n"},
	    {DOC("\"type\":\"sip_trunks\"," A), TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/type must be equal to sip_trunk\n"},
	    /* /data/attributes */
	    {DOC(T), TC_JSONAPI_CREATE, TC_INVALID, "/data/attributes is missing\n"},
	    {DOC(T ",\"attributes\":null"), TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes must be a hash\n"},
	    {DOC(T ",\"attributes\":[]"), TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes must be a hash\n"},
	    {DOC(T ",\"attributes\":\"\""), TC_JSONAPI_CREATE, TC_OK, ""},
	    /* unknown keys dropped, data.id ignored on create, last duplicate wins */
	    {"{\"meta\":1,\"data\":{\"id\":7," T ",\"relationships\":{}," A "}}", TC_JSONAPI_CREATE,
	     TC_OK, ""},
	    {DOC("\"type\":\"x\"," T "," A), TC_JSONAPI_CREATE, TC_OK, ""},
	    /* /data/id on update */
	    {DOC(T "," A), TC_JSONAPI_UPDATE, TC_INVALID, "/data/id is missing\n"},
	    {DOC(T ",\"id\":\"   \"," A), TC_JSONAPI_UPDATE, TC_INVALID, "!/data/id is missing\n"},
	    {DOC(T ",\"id\":\"\"," A), TC_JSONAPI_UPDATE, TC_INVALID, "/data/id must be filled\n"},
	    /* blank? is ActiveSupport's: Unicode spaces are blank, a zero-width space is not */
	    {DOC(T ",\"id\":\"\\u00a0\\u2003\\u3000\\t\"," A), TC_JSONAPI_UPDATE, TC_INVALID,
	     "!/data/id is missing\n"},
	    {DOC(T ",\"id\":\"\\u200b\"," A), TC_JSONAPI_UPDATE, TC_INVALID,
	     "!/data/id is invalid\n"},
	    /* blanks pass the schema: only the id rule sees them, and it gives way */
	    {DOC(T ",\"id\":\" \",\"attributes\":{\"name\":1}"), TC_JSONAPI_UPDATE, TC_INVALID,
	     "/data/attributes/name must be a string\n"},
	    {DOC(T ",\"id\":null," A), TC_JSONAPI_UPDATE, TC_INVALID, "/data/id must be filled\n"},
	    {DOC(T ",\"id\":42," A), TC_JSONAPI_UPDATE, TC_INVALID, "/data/id must be a string\n"},
	    {DOC(T ",\"id\":\"" UID "\"," A), TC_JSONAPI_UPDATE, TC_OK, ""},
	    {DOC(T ",\"id\":\"5F0C7A3E-8D2B-4C1E-9A77-2F1D3B6E9C10\"," A), TC_JSONAPI_UPDATE,
	     TC_INVALID, "!/data/id is invalid\n"},
	    {DOC(T ",\"id\":\"other\"," A), TC_JSONAPI_UPDATE, TC_INVALID,
	     "!/data/id is invalid\n"},
	    /* the id rule is skipped when /data has schema errors */
	    {DOC("\"type\":\"x\",\"id\":\"other\"," A), TC_JSONAPI_UPDATE, TC_INVALID,
	     "/data/type must be equal to sip_trunk\n"},
	    {DOC(T ",\"id\":\"other\",\"attributes\":{\"name\":1}"), TC_JSONAPI_UPDATE, TC_INVALID,
	     "/data/attributes/name must be a string\n"},
	    /* attribute type errors in schema order, nulls dropped before indexing */
	    {DOC(T ",\"attributes\":{\"outbound_plus_prefix\":\"true\",\"inbound_source_ips\":[\"1."
	           "1.1.1\",null,5,7],\"max_channels\":\"30\",\"name\":5}"),
	     TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes/name must be a string\n/data/attributes/max_channels must be an "
	     "integer\n/data/attributes/inbound_source_ips/1 must be a string\n/data/attributes/"
	     "inbound_source_ips/2 must be a string\n/data/attributes/outbound_plus_prefix must be "
	     "boolean\n"},
	    {DOC(T ",\"attributes\":{\"max_channels\":\"\",\"outbound_national_dialing\":\"\"}"),
	     TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes/max_channels must be filled\n/data/attributes/outbound_national_"
	     "dialing must be filled\n"},
	    /* filled? before the type: [] and {} are empty, except where null is allowed */
	    {DOC(T ",\"attributes\":{\"name\":[],\"max_channels\":{},\"outbound_proxy\":[],"
	           "\"outbound_plus_prefix\":[]}"),
	     TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes/name must be filled\n/data/attributes/max_channels must be filled\n"
	     "/data/attributes/outbound_proxy must be a "
	     "string\n/data/attributes/outbound_plus_prefix "
	     "must be filled\n"},
	    /* a response's renderings are not a request's */
	    {DOC(T ",\"attributes\":{\"region\":{\"table\":{\"alias\":\"hydrogen\"}},"
	           "\"default_sender\":{\"value\":\"1\"}}"),
	     TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes/region must be a string\n/data/attributes/default_sender must be a "
	     "string\n"},
	};
	return cr_make_param_array(struct request_case, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct request_case *c, request, structural_errors_are_the_servers)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *t = NULL;
	enum tc_status rc =
	    tc_jsonapi_decode_request(c->body, strlen(c->body), c->kind, UID, &t, &err);
	char got[640];
	render_errors(&err.fields, got, sizeof(got));
	cr_assert_eq((int)rc, c->status, "%s: %s (%s)", c->body, tc_status_name(rc), err.message);
	cr_assert_str_eq(got, c->errors, "%s", c->body);
	if (rc == TC_OK) {
		cr_assert_not_null(t);
		if (c->kind == TC_JSONAPI_UPDATE)
			cr_assert_str_eq(t->id, UID);
		else
			cr_assert_null(t->id);
	}
	tc_trunk_destroy(t);
	tc_error_clear(&err);
}

Test(request, message_summarises_the_errors)
{
	const char *body = DOC("\"type\":1,\"attributes\":{\"inbound_source_ips\":[2]}");
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *t = NULL;
	cr_assert_eq(
	    tc_jsonapi_decode_request(body, strlen(body), TC_JSONAPI_CREATE, NULL, &t, &err),
	    TC_INVALID);
	cr_assert_str_eq(err.message, "the server would refuse this request (422): /data/type must "
	                              "be a string; inbound_source_ips[0] must be a string");
	cr_assert_not_null(t, "the attributes that could be read are returned");
	cr_assert_eq(err.fields.items[1].field, TC_F_INBOUND_SOURCE_IPS);
	cr_assert_eq(err.fields.items[1].index, 0);
	tc_trunk_destroy(t);
	tc_error_clear(&err);
}

Test(request, without_attributes_there_is_no_trunk)
{
	const char *body = DOC(T);
	struct tc_trunk *t = (struct tc_trunk *)1;
	cr_assert_eq(
	    tc_jsonapi_decode_request(body, strlen(body), TC_JSONAPI_CREATE, NULL, &t, NULL),
	    TC_INVALID);
	cr_assert_null(t);
}

Test(request, unknown_attributes_kept_read_only_dropped)
{
	const char *body = DOC(T ",\"attributes\":{\"name\":\"n\",\"register_transport\":\"tcp\","
	                         "\"created_at\":\"2026-01-01T00:00:00Z\",\"id\":\"x\"}");
	struct tc_trunk *t = NULL;
	cr_assert_eq(
	    tc_jsonapi_decode_request(body, strlen(body), TC_JSONAPI_CREATE, NULL, &t, NULL),
	    TC_OK);
	cr_assert_eq(state(t, TC_F_CREATED_AT), TC_V_ABSENT);
	cr_assert_str_eq(t->extra_json, "{\"register_transport\":\"tcp\",\"id\":\"x\"}");
	tc_trunk_destroy(t);
}

Test(request, flat_get_output_is_accepted)
{
	struct tc_trunk *t = decode_fixture("resource_ip_address.json");
	char *flat = tc_trunk_to_flat_json(t, TC_JSON_WITH_ID | TC_JSON_REVEAL);
	struct tc_trunk *back = NULL;
	cr_assert_eq(
	    tc_jsonapi_decode_request(flat, strlen(flat), TC_JSONAPI_UPDATE, IP_ID, &back, NULL),
	    TC_OK);
	cr_assert_str_eq(back->id, IP_ID);
	cr_assert_null(back->extra_json, "the record's id is not an unknown attribute");
	cr_assert_eq(state(back, TC_F_UPDATED_AT), TC_V_ABSENT);
	cr_assert_str_eq(str(back, TC_F_NAME), "My Trunk");
	cr_assert_eq(back->values[TC_F_MAX_CHANNELS].i, 30);
	tc_trunk_destroy(back);
	free(flat);
	tc_trunk_destroy(t);
}

Test(request, update_needs_the_url_id)
{
	struct tc_trunk *t = NULL;
	cr_assert_eq(tc_jsonapi_decode_request("{}", 2, TC_JSONAPI_UPDATE, NULL, &t, NULL),
	             TC_USAGE);
	cr_assert_null(t);
}

/* ---- error documents ---- */

Test(errors, document_maps_pointers_to_fields)
{
	size_t len;
	char *body = slurp("errors_422.json", &len);
	struct tc_field_errors errs = {0};
	cr_assert_eq(tc_jsonapi_decode_errors(body, len, &errs, NULL), TC_OK);
	struct {
		int field, index;
		bool rule;
	} want[] = {
	    {TC_FIELD_NONE, -1, false},
	    {TC_F_NAME, -1, false},
	    {TC_F_AUTHENTICATION_MODE, -1, false},
	    {TC_F_MAX_CHANNELS, -1, false},
	    {TC_FIELD_NONE, -1, false}, /* register_transport: unknown here, pointer kept */
	    {TC_F_OUTBOUND_ROUTE_PREFIXES, 1, false},
	    {TC_F_USERNAME, -1, true},
	    {TC_F_PASSWORD, -1, true},
	    {TC_F_REGION, -1, true},
	    {TC_F_INBOUND_SOURCE_IPS, -1, true},
	};
	cr_assert_eq(errs.count, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < errs.count; i++) {
		cr_assert_eq(errs.items[i].field, want[i].field, "error %zu", i);
		cr_assert_eq(errs.items[i].index, want[i].index, "error %zu", i);
		cr_assert_eq(errs.items[i].rule, want[i].rule, "error %zu", i);
		cr_assert_eq(errs.items[i].severity, TC_SEV_ERROR);
	}
	cr_assert_str_eq(errs.items[4].pointer, "/data/attributes/register_transport");
	cr_assert_str_eq(errs.items[4].title, "must be one of: udp, tcp, tls");
	cr_assert_str_eq(errs.items[9].title, "contains invalid IP address: 10.0.0.256");
	tc_field_errors_finish(&errs);
	free(body);
}

Test(errors, odd_pointers_and_rule_titles)
{
	const char *body =
	    "{\"errors\":[{\"title\":\"is missing\",\"source\":{\"pointer\":\"/data\"}},"
	    "{\"title\":\"is invalid\",\"source\":{\"pointer\":\"/data/id\"}},"
	    "{\"title\":\"is invalid\",\"source\":{\"pointer\":\"/data/attributes/name\"}},"
	    "{\"title\":\"x\",\"source\":{\"pointer\":\"/data/attributes/name/abc\"}},"
	    "{\"title\":\"x\",\"source\":{\"pointer\":\"/data/attributes/name/1/2\"}},"
	    "{\"title\":\"x\",\"source\":{\"pointer\":\"/data/attributes/\"}},"
	    "{\"title\":\"x\",\"source\":{\"pointer\":\"/data/attributes/inbound_source_ips/"
	    "99999999999999999999\"}},"
	    "{\"title\":\"no source\"}]}";
	struct tc_field_errors errs = {0};
	cr_assert_eq(tc_jsonapi_decode_errors(body, strlen(body), &errs, NULL), TC_OK);
	cr_assert_eq(errs.count, 8);
	cr_assert_eq(errs.items[0].field, TC_FIELD_NONE);
	cr_assert(errs.items[1].rule, "/data/id is invalid is the id rule");
	cr_assert_eq(errs.items[2].field, TC_F_NAME);
	cr_assert_not(errs.items[2].rule, "is invalid on name is not a rule title");
	for (size_t i = 3; i < 8; i++) {
		cr_assert_eq(errs.items[i].field, TC_FIELD_NONE, "error %zu", i);
		cr_assert_eq(errs.items[i].index, -1);
	}
	cr_assert_str_eq(errs.items[7].pointer, "");
	tc_field_errors_finish(&errs);
}

Test(errors, malformed_error_documents)
{
	static const char *const bodies[] = {"{}", "{\"errors\":{}}", "{\"errors\":[1]}",
	                                     "{\"errors\":[{\"title\":5}]}", "[]"};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		struct tc_field_errors errs = {0};
		struct tc_error err;
		tc_error_init(&err);
		cr_assert_eq(tc_jsonapi_decode_errors(bodies[i], strlen(bodies[i]), &errs, &err),
		             TC_PROTOCOL, "%s", bodies[i]);
		cr_assert_eq(errs.count, 0);
		tc_error_clear(&err);
	}
	struct tc_field_errors errs = {0};
	cr_assert_eq(tc_jsonapi_decode_errors("<html>", 6, &errs, NULL), TC_PARSE);
}

struct response_case {
	int http;
	char fixture[40];
	char body[120];
	int status;
	char needle[80];
};

ParameterizedTestParameters(errors, responses_become_sentences)
{
	static struct response_case cases[] = {
	    {400, "error_400.json", "", TC_PROTOCOL,
	     "could not read the request (400 Bad Request)"},
	    {404, "error_404.json", "", TC_NOT_FOUND, "deleted or belongs to another carrier"},
	    {500, "error_500.json", "", TC_SERVER, "failed (500 Internal Server Error)"},
	    {401, "", "", TC_AUTH, "refused the token (401)"},
	    {403, "", "", TC_FORBIDDEN, "carrier_api scope"},
	    {404, "", "<!DOCTYPE html>\n<html><body>The page you were looking for doesn't exist.",
	     TC_NOT_FOUND, "404 with an HTML page: check the API base URL"},
	    {404, "", "", TC_NOT_FOUND, "404 with an empty body"},
	    {422, "", "", TC_REJECTED, "(422) with an empty body without saying why"},
	    {422, "", "{\"errors\":7}", TC_REJECTED, "cannot be read"},
	    {429, "", "", TC_RATE_LIMITED, "(429)"},
	    {502, "", "<html>Bad Gateway</html>", TC_SERVER, "failed (502) with an HTML page"},
	    {503, "", "{\"status\":503,\"error\":\"\\u0007Service\\nUnavailable\"}", TC_SERVER,
	     "(503 ?Service?Unavailable)"},
	    {406, "", "", TC_PROTOCOL, "(HTTP 406)"},
	    {301, "", "", TC_PROTOCOL, "redirected"},
	};
	return cr_make_param_array(struct response_case, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct response_case *c, errors, responses_become_sentences)
{
	size_t len = strlen(c->body);
	char *body = *c->fixture ? slurp(c->fixture, &len) : NULL;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc =
	    tc_jsonapi_error_from_response(c->http, body ? body : c->body, len, &err);
	cr_assert_eq((int)rc, c->status, "%d: %s", c->http, tc_status_name(rc));
	cr_assert_eq(err.status, rc);
	cr_assert_eq(err.http_status, c->http);
	cr_assert_not_null(strstr(err.message, c->needle), "message \"%s\"", err.message);
	cr_assert_eq(err.fields.count, 0);
	tc_error_clear(&err);
	free(body);
}

Test(errors, rejection_fills_the_fields)
{
	size_t len;
	char *body = slurp("errors_422.json", &len);
	struct tc_error err;
	tc_error_init(&err);
	strcpy(err.request_id, "req-1");
	err.retry_after = 3;
	cr_assert_eq(tc_jsonapi_error_from_response(422, body, len, &err), TC_REJECTED);
	cr_assert_eq(err.fields.count, 10);
	cr_assert_eq(err.http_status, 422);
	cr_assert_str_eq(err.request_id, "req-1", "header values are the caller's");
	cr_assert_eq(err.retry_after, 3);
	cr_assert(strncmp(err.message,
	                  "the Carrier API rejected the trunk (422): /data/type must be equal to "
	                  "sip_trunk; name is missing; authentication_mode must be one of:",
	                  120) == 0,
	          "%s", err.message);
	cr_assert_not_null(strstr(err.message, "more)"), "the rest is counted: %s", err.message);
	cr_assert_lt(strlen(err.message), sizeof(err.message) - 1);
	tc_error_clear(&err);
	free(body);
}

/* ---- bounds and garbage ---- */

static char *nested(size_t depth, const char *prefix, const char *suffix)
{
	size_t n = strlen(prefix) + 2 * depth + strlen(suffix) + 1;
	char *s = malloc(n);
	cr_assert_not_null(s);
	char *p = s + sprintf(s, "%s", prefix);
	memset(p, '[', depth);
	memset(p + depth, ']', depth);
	strcpy(p + 2 * depth, suffix);
	return s;
}

Test(bounds, nesting_deeper_than_100_is_a_parse_error)
{
	/* the document's own levels: {, data {, attributes { -> 3 */
	const char *pre = "{\"data\":{\"type\":\"sip_trunk\",\"attributes\":{\"x\":";
	char *ok = nested(97, pre, "}}}");
	char *deep = nested(98, pre, "}}}");
	struct tc_trunk *t = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_jsonapi_decode_request(ok, strlen(ok), TC_JSONAPI_CREATE, NULL, &t, &err),
	             TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	cr_assert_eq(
	    tc_jsonapi_decode_request(deep, strlen(deep), TC_JSONAPI_CREATE, NULL, &t, &err),
	    TC_PARSE);
	cr_assert_null(t);
	cr_assert_str_eq(err.message, "the request is nested deeper than 100 levels");
	struct tc_jsonapi_page page = {0};
	struct tc_field_errors errs = {0};
	cr_assert_eq(tc_jsonapi_decode_resource(deep, strlen(deep), &t, NULL), TC_PARSE);
	cr_assert_eq(tc_jsonapi_decode_collection(deep, strlen(deep), &page, NULL), TC_PARSE);
	cr_assert_eq(tc_jsonapi_decode_errors(deep, strlen(deep), &errs, NULL), TC_PARSE);
	tc_error_clear(&err);
	free(ok);
	free(deep);

	/* brackets inside strings are text */
	char *text = nested(150, "{\"name\":\"", "\"}");
	cr_assert_eq(
	    tc_jsonapi_decode_request(text, strlen(text), TC_JSONAPI_CREATE, NULL, &t, NULL),
	    TC_OK);
	cr_assert_eq(strlen(str(t, TC_F_NAME)), 300);
	tc_trunk_destroy(t);
	free(text);

	/* a million levels do not exhaust the stack */
	char *huge = nested(1000000, "", "");
	cr_assert_eq(
	    tc_jsonapi_decode_request(huge, strlen(huge), TC_JSONAPI_CREATE, NULL, &t, NULL),
	    TC_PARSE);
	free(huge);
}

struct bad_bytes {
	char body[64];
	int status;
};

ParameterizedTestParameters(bounds, bad_text_is_a_parse_error)
{
	static struct bad_bytes cases[] = {
	    {"{\"name\":\"\xff\"}", TC_PARSE},
	    {"{\"name\":\"\xc0\xaf\"}", TC_PARSE},                /* overlong */
	    {"{\"name\":\"\xed\xa0\x80\"}", TC_PARSE},            /* encoded surrogate */
	    {"{\"name\":\"caf\xc3\"}", TC_PARSE},                 /* cut sequence */
	    {"{\"name\":\"\\ud800\"}", TC_PARSE},                 /* lone high surrogate */
	    {"{\"name\":\"\\udc00x\"}", TC_PARSE},                /* lone low surrogate */
	    {"{\"name\":\"\\ud800\\u0041\"}", TC_PARSE},          /* high + non-low */
	    {"{\"name\":\"a\\u0000b\"}", TC_PARSE},               /* NUL */
	    {"{\"name\":\"\\ud83d\\ude00 caf\xc3\xa9\"}", TC_OK}, /* a pair and é are fine */
	};
	return cr_make_param_array(struct bad_bytes, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct bad_bytes *c, bounds, bad_text_is_a_parse_error)
{
	struct tc_trunk *t = NULL;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc =
	    tc_jsonapi_decode_request(c->body, strlen(c->body), TC_JSONAPI_CREATE, NULL, &t, &err);
	cr_assert_eq((int)rc, c->status, "%s (%s)", tc_status_name(rc), err.message);
	if (rc == TC_PARSE)
		cr_assert_not_null(strstr(err.message, "the request is not valid JSON"), "%s",
		                   err.message);
	tc_trunk_destroy(t);
	tc_error_clear(&err);
}

Test(bounds, parse_errors_do_not_quote_the_body)
{
	const char *body = "{\"password\": hunter2}";
	struct tc_trunk *t = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(
	    tc_jsonapi_decode_request(body, strlen(body), TC_JSONAPI_CREATE, NULL, &t, &err),
	    TC_PARSE);
	cr_assert_null(strstr(err.message, "hunter"), "%s", err.message);
	tc_error_clear(&err);
}

Test(bounds, huge_strings_are_carried_and_cut_in_messages)
{
	size_t n = 8u << 20;
	const char *pre = "{\"data\":{\"type\":\"",
	           *mid = "\",\"id\":\"" OUTREG_ID "\",\"attributes\":{\"name\":\"";
	size_t cap = strlen(pre) + n + strlen(mid) + n + 16;
	char *body = malloc(cap);
	cr_assert_not_null(body);
	char *p = body + sprintf(body, "%s", pre);
	memset(p, 'T', n);
	p += n;
	p += sprintf(p, "%s", mid);
	memset(p, 'n', n);
	p += n;
	strcpy(p, "\"}}}");
	size_t len = strlen(body);

	struct tc_trunk *t = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_jsonapi_decode_resource(body, len, &t, &err), TC_PROTOCOL);
	cr_assert_not_null(strstr(err.message, "\xE2\x80\xA6\""), "cut with an ellipsis: %s",
	                   err.message);
	cr_assert_lt(strlen(err.message), 200);

	tc_error_clear(&err);
	free(body);

	/* a huge value inside a proper document */
	char *name = malloc(n + 1);
	memset(name, 'n', n);
	name[n] = '\0';
	struct tc_trunk *big = tc_trunk_new();
	tc_trunk_set_string(big, TC_F_NAME, name);
	char *create = NULL;
	cr_assert_eq(tc_jsonapi_encode_create(big, &create, NULL), TC_OK);
	struct tc_trunk *back = NULL;
	cr_assert_eq(
	    tc_jsonapi_decode_request(create, strlen(create), TC_JSONAPI_CREATE, NULL, &back, NULL),
	    TC_OK);
	cr_assert_eq(strlen(str(back, TC_F_NAME)), n);
	tc_trunk_destroy(back);
	tc_trunk_destroy(big);
	free(create);
	free(name);
}

Test(bounds, every_prefix_of_every_fixture_is_refused_cleanly)
{
	static const char *const all[] = {
	    "resource_outbound_registration.json",
	    "resource_ip_address.json",
	    "resource_register_transport.json",
	    "collection_page.json",
	    "collection_empty.json",
	    "errors_422.json",
	    "error_400.json",
	    "error_404.json",
	    "error_500.json",
	};
	for (size_t f = 0; f < sizeof(all) / sizeof(*all); f++) {
		size_t len;
		char *body = slurp(all[f], &len);
		while (len && (body[len - 1] == '\n'))
			len--;
		for (size_t cut = 0; cut < len; cut++) {
			/* a copy of exactly cut bytes, so ASan sees any read past the end */
			char *part = malloc(cut ? cut : 1);
			memcpy(part, body, cut);
			struct tc_trunk *t = NULL;
			struct tc_jsonapi_page page = {0};
			struct tc_field_errors errs = {0};
			struct tc_error err;
			tc_error_init(&err);
			cr_assert_neq(tc_jsonapi_decode_resource(part, cut, &t, NULL), TC_OK);
			cr_assert_neq(tc_jsonapi_decode_collection(part, cut, &page, NULL), TC_OK);
			cr_assert_neq(tc_jsonapi_decode_errors(part, cut, &errs, NULL), TC_OK);
			/* no body at all is no parameters: 422, not 400 */
			cr_assert_eq(
			    tc_jsonapi_decode_request(part, cut, TC_JSONAPI_UPDATE, UID, &t, NULL),
			    cut ? TC_PARSE : TC_INVALID);
			cr_assert_null(t);
			cr_assert_neq(tc_jsonapi_error_from_response(422, part, cut, &err), TC_OK);
			tc_error_clear(&err);
			free(part);
		}
		free(body);
	}
}

/* ---- running out of memory inside jansson ---- */

static long allocations_left;

static void *failing_malloc(size_t n)
{
	if (allocations_left-- <= 0)
		return NULL;
	return malloc(n);
}

/*
 * Every jansson allocation of each step fails in turn: the codec must give
 * an error, never crash or leak (ASan's leak check runs at the worker's exit
 * in the asan setup). jansson reports some allocation failures while parsing
 * as syntax errors, so decoders may say TC_PARSE then.
 */
Test(memory, jansson_allocation_failures_are_reported)
{
	size_t len, elen;
	char *body = slurp("resource_register_transport.json", &len);
	char *errors = slurp("errors_422.json", &elen);
	struct tc_trunk *base = decode_fixture("resource_register_transport.json");
	struct tc_trunk *edited = tc_trunk_dup(base);
	tc_trunk_set_string(edited, TC_F_NAME, "Renamed");
	free(edited->extra_json);
	edited->extra_json = strdup("{\"register_transport\":\"udp\"}");
	bool completed = false;
	for (long budget = 0; !completed; budget++) {
		cr_assert_lt(budget, 100000, "never completed");
		allocations_left = budget;
		json_set_alloc_funcs(failing_malloc, free);
		struct tc_error err;
		tc_error_init(&err);
		struct tc_trunk *t = NULL, *req = NULL;
		char *create = NULL, *patch = NULL;
		enum tc_status r1 = tc_jsonapi_decode_resource(body, len, &t, &err);
		enum tc_status r2 = tc_jsonapi_encode_create(base, &create, &err);
		enum tc_status r3 =
		    create ? tc_jsonapi_decode_request(create, strlen(create), TC_JSONAPI_CREATE,
		                                       NULL, &req, &err)
		           : TC_NOMEM;
		enum tc_status r4 = tc_jsonapi_encode_update(base, edited, &patch, &err);
		tc_error_clear(&err);
		enum tc_status r5 = tc_jsonapi_error_from_response(422, errors, elen, &err);
		json_set_alloc_funcs(malloc, free);

		cr_assert(r1 == TC_OK || r1 == TC_NOMEM || r1 == TC_PARSE, "%s",
		          tc_status_name(r1));
		cr_assert(r2 == TC_OK || r2 == TC_NOMEM, "%s", tc_status_name(r2));
		cr_assert(r3 == TC_OK || r3 == TC_NOMEM || r3 == TC_PARSE, "%s",
		          tc_status_name(r3));
		cr_assert(r4 == TC_OK || r4 == TC_NOMEM, "%s", tc_status_name(r4));
		cr_assert(r5 == TC_REJECTED || r5 == TC_NOMEM, "%s", tc_status_name(r5));
		cr_assert_eq(r1 == TC_OK, t != NULL);
		cr_assert_eq(r2 == TC_OK, create != NULL);
		cr_assert_eq(r4 == TC_OK, patch != NULL);
		completed = r1 == TC_OK && r2 == TC_OK && r3 == TC_OK && r4 == TC_OK &&
		            r5 == TC_REJECTED && err.fields.count == 10;
		tc_error_clear(&err);
		tc_trunk_destroy(t);
		tc_trunk_destroy(req);
		free(create);
		free(patch);
	}
	tc_trunk_destroy(edited);
	tc_trunk_destroy(base);
	free(errors);
	free(body);
}

/* ---- decoder and validator together ---- */

ParameterizedTestParameters(check, the_whole_answer_of_the_server)
{
	static struct request_case cases[] = {
	    {DOC(T "," A), TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes/name is missing\n/data/attributes/authentication_mode is missing\n"
	     "/data/attributes/region is missing\n"},
	    /* a refused type hides that field's other checks, not the others' rules */
	    {DOC(T ",\"attributes\":{\"name\":5,\"authentication_mode\":\"outbound_registration\","
	           "\"region\":\"hydrogen\"}"),
	     TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes/name must be a string\n!/data/attributes/username is required for "
	     "outbound_registration mode\n!/data/attributes/password is required for "
	     "outbound_registration mode\n!/data/attributes/outbound_host is required for "
	     "outbound_registration mode\n"},
	    /* the id rule gives way to the validator's schema errors */
	    {DOC(T ",\"id\":\"other\",\"attributes\":{\"max_channels\":0}"), TC_JSONAPI_UPDATE,
	     TC_INVALID, "/data/attributes/max_channels must be greater than 0\n"},
	    {DOC(T ",\"id\":\"other\",\"attributes\":{\"name\":\"x\"}"), TC_JSONAPI_UPDATE,
	     TC_INVALID, "!/data/id is invalid\n"},
	    /* ... but not to a client check, which the server's schema does not have */
	    {DOC(T ",\"id\":\"other\",\"attributes\":{\"max_channels\":2147483648}"),
	     TC_JSONAPI_UPDATE, TC_INVALID,
	     "/data/attributes/max_channels is too large for the server (at most 2147483647)\n"
	     "!/data/id is invalid\n"},
	    {DOC(T ",\"attributes\":{\"name\":\"n\",\"authentication_mode\":\"ip_address\","
	           "\"region\":\"ap-southeast-1\",\"inbound_source_ips\":[\"1.1.1.1\",5,\"x\"]}"),
	     TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/attributes/inbound_source_ips/1 must be a string\n!/data/attributes/region is "
	     "invalid\n"},
	    /* rules still run when /data/type is wrong (SERVER-BEHAVIOUR.md §3.4) */
	    {DOC("\"type\":\"trunk\",\"attributes\":{\"authentication_mode\":\"outbound_"
	         "registration\",\"region\":\"hydrogen\"}"),
	     TC_JSONAPI_CREATE, TC_INVALID,
	     "/data/type must be equal to sip_trunk\n/data/attributes/name is missing\n!/data/"
	     "attributes/username is required for outbound_registration mode\n!/data/attributes/"
	     "password is required for outbound_registration mode\n!/data/attributes/outbound_host "
	     "is required for outbound_registration mode\n"},
	    /* without attributes nothing else is checked */
	    {DOC(T), TC_JSONAPI_CREATE, TC_INVALID, "/data/attributes is missing\n"},
	    {DOC(T ",\"attributes\":{\"name\":\"My Trunk\",\"authentication_mode\":\"ip_address\","
	           "\"region\":\"hydrogen\",\"max_channels\":30}"),
	     TC_JSONAPI_CREATE, TC_OK, ""},
	};
	return cr_make_param_array(struct request_case, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct request_case *c, check, the_whole_answer_of_the_server)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *t = NULL;
	enum tc_status rc =
	    tc_jsonapi_check_request(c->body, strlen(c->body), c->kind, UID, NULL, 0, &t, &err);
	char got[640];
	render_errors(&err.fields, got, sizeof(got));
	cr_assert_eq((int)rc, c->status, "%s: %s (%s)", c->body, tc_status_name(rc), err.message);
	cr_assert_str_eq(got, c->errors, "%s", c->body);
	tc_trunk_destroy(t);
	tc_error_clear(&err);
}

Test(check, the_section_5_example_passes_and_round_trips)
{
	struct tc_trunk *t = decode_fixture("resource_ip_address.json");
	char *body = NULL;
	cr_assert_eq(tc_jsonapi_encode_create(t, &body, NULL), TC_OK);
	struct tc_trunk *back = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_jsonapi_check_request(body, strlen(body), TC_JSONAPI_CREATE, NULL, NULL, 0,
	                                      &back, &err),
	             TC_OK, "%s", err.message);
	assert_same_request(t, back, "check");
	tc_error_clear(&err);
	tc_trunk_destroy(back);
	free(body);
	tc_trunk_destroy(t);
}

/* Both readings of one text, which must agree; their statuses are returned through *rc. */
static void both_readings_agree(const char *body, size_t len, enum tc_status *rc)
{
	struct tc_jsonapi_page quick = {0}, tree = {0};
	struct tc_error eq, et;
	tc_error_init(&eq);
	tc_error_init(&et);
	enum tc_status rq = tc_jsonapi_decode_collection(body, len, &quick, &eq);
	enum tc_status rt = jsonapi_decode_collection_tree(body, len, NULL, &tree, &et);
	cr_assert(ps_page_same(rq, &quick, rt, &tree), "the readings differ (%d, %d) on %.*s", rq,
	          rt, (int)len, body);
	cr_assert_str_eq(eq.message, et.message);
	*rc = rq;
	tc_jsonapi_page_finish(&quick);
	tc_jsonapi_page_finish(&tree);
	tc_error_clear(&eq);
	tc_error_clear(&et);
}

/*
 * A page as the server renders it, with every rendering the quick reading
 * takes (region tables, sender objects, escapes, lists with nulls), then
 * that page with each byte deleted or replaced: the quick reading gives
 * what jansson's gives, or leaves the text to it.
 */
Test(collection, the_quick_reading_of_a_page_agrees_with_the_tree)
{
	static const char page[] =
	    "{\"data\":[{\"id\":\"a2b3b023-1726-47b9-ba2c-83a5ce917be2\",\"type\":\"sip_trunk\","
	    "\"attributes\":{\"created_at\":\"2026-12-06T02:28:50Z\",\"name\":\"T\xc3\xa9 \xf0\x9f"
	    "\x93\x9e \\\"q\\\" /\\n\\t\\\\\",\"authentication_mode\":\"outbound_registration\","
	    "\"region\":{\"table\":{\"identifier\":\"us-east-1\",\"alias\":\"helium\","
	    "\"group_id\":2,\"nat_ip\":\"52.4.242.134\"}},\"max_channels\":-12,"
	    "\"default_sender\":{\"value\":\"85512340299\",\"area_code\":null,\"e164\":true},"
	    "\"outbound_host\":\"h\xc3\xa9:5060\",\"outbound_plus_prefix\":false,"
	    "\"outbound_route_prefixes\":[\"855\",null,\"\"],\"inbound_source_ips\":[],"
	    "\"username\":null}},{\"type\":\"sip_trunk\",\"id\":\"93a299a3-d003-4b86-ace5-"
	    "21ad7857b4c2\",\"links\":{\"self\":\"x\"},\"attributes\":{\"region\":{\"alias\":"
	    "\"hydrogen\"},\"default_sender\":\"1\",\"max_channels\":0}}],"
	    "\"links\":{\"prev\":null,\"next\":\"http://h/n?a=1\\u0026b=2\"}}";
	size_t len = sizeof(page) - 1;
	enum tc_status rc;
	both_readings_agree(page, len, &rc);
	cr_assert_eq(rc, TC_OK);
	/* and it is the quick reading that takes it, not jansson's after it gave up */
	struct tc_jsonapi_page quick = {0};
	cr_assert_eq(jsonapi_page_quick(page, len, &quick), TC_OK);
	cr_assert_eq(quick.count, 2);
	tc_jsonapi_page_finish(&quick);
	/* escapes jansson would not write: the documents are its dumps, not the text */
	static const char escaped[] =
	    "{\"data\":[{\"id\":\"a2b3b023-1726-47b9-ba2c-83a5ce917be2\",\"type\":\"sip_trunk\","
	    "\"attributes\":{\"name\":\"T\\u00e9 \\ud83d\\udcde \\/\",\"outbound_route_"
	    "prefixes\":[\"\\u0038\"]}}],\"links\":{\"prev\":null,\"next\":null}}";
	both_readings_agree(escaped, sizeof(escaped) - 1, &rc);
	cr_assert_eq(rc, TC_OK);
	/*
	 * Rails's rendering of "AT&T <main>" (\u0026, \u003c, \u003e), a control
	 * character, white space between tokens and -0: the quick reading takes
	 * the page, and its documents are still jansson's dumps.
	 */
	static const char rails[] =
	    "{ \"data\": [ {\"id\": \"a2b3b023-1726-47b9-ba2c-83a5ce917be2\", \"type\": "
	    "\"sip_trunk\",\n  \"attributes\": {\"name\": \"AT\\u0026T \\u003cmain\\u003e "
	    "\\u001f\\u0007\\\"\\\\\\/\", \"max_channels\": -0, \"outbound_route_prefixes\": "
	    "[ \"855\" , \"\\u0031\" ]}}],\"links\":{\"prev\":null,\"next\":null}}";
	both_readings_agree(rails, sizeof(rails) - 1, &rc);
	cr_assert_eq(rc, TC_OK);
	const char *taken[] = {escaped, rails};
	for (size_t i = 0; i < 2; i++) {
		struct tc_jsonapi_page page_read = {0};
		cr_assert_eq(jsonapi_page_quick(taken[i], strlen(taken[i]), &page_read), TC_OK,
		             "%s", taken[i]);
		cr_assert_eq(page_read.count, 1);
		tc_jsonapi_page_finish(&page_read);
	}
	static const char fixtures[][32] = {"collection_page.json", "collection_empty.json"};
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(*fixtures); i++) {
		size_t n;
		char *text = slurp(fixtures[i], &n);
		both_readings_agree(text, n, &rc); /* a text that need not end in a NUL */
		cr_assert_eq(rc, TC_OK, "%s", fixtures[i]);
		free(text);
	}
	static const char swaps[] = "\"\\{}[],: 0-9ae.\x01\xc3\xff";
	char *copy = malloc(len + 1);
	cr_assert_not_null(copy);
	size_t accepted = 0;
	for (size_t at = 0; at < len; at++) {
		for (size_t k = 0; k <= sizeof(swaps) - 1; k++) {
			memcpy(copy, page, len);
			size_t n = len;
			if (k == sizeof(swaps) - 1) { /* deleted */
				memmove(copy + at, copy + at + 1, len - at - 1);
				n--;
			} else {
				copy[at] = swaps[k];
			}
			both_readings_agree(copy, n, &rc);
			accepted += rc == TC_OK;
		}
	}
	free(copy);
	cr_assert_gt(accepted, 100);
}
