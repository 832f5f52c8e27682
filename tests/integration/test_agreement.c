/*
 * The validator and the server agree (issue 2): generated request bodies,
 * seeded and deterministic, go both through tc_jsonapi_check_request and to
 * the fake Carrier API on 127.0.0.1. For every body the client must predict
 * the server exactly: accepted (201/200) when it finds no error (warnings
 * allowed), and on 422 the same (pointer, title) list in the same order. A
 * body the server crashes on (500) must be refused by the client itself.
 *
 * TC_AGREE_SEED and TC_AGREE_CASES override the seed and the number of
 * generated cases for longer hunts; the suite runs the defaults.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_proc.h"
#include "lib/buf.h"
#include "trunkctl/countries.h"
#include "trunkctl/jsonapi.h"
#include "trunkctl/trunk.h"
#include "trunkctl/validate.h"

#define DEFAULT_SEED UINT64_C(0x7a11c0de)
#define DEFAULT_CASES 3000
#define REPORT_MAX 12 /* disagreements printed in full; all are counted */

/* ---- a seeded generator (splitmix64): same seed, same bodies ---- */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t pick(struct rng *r, size_t n)
{
	return (size_t)(next(r) % n);
}

/* True with probability pct/100. */
static bool chance(struct rng *r, unsigned pct)
{
	return pick(r, 100) < pct;
}

#define PICK(r, arr) ((arr)[pick((r), sizeof(arr) / sizeof(*(arr)))])

/* ---- value pools: JSON texts, so one table holds every JSON type ---- */

static const char *const wrong_types[] = {
    "null", "\"\"", "5", "1.5", "true", "false", "[]", "{}", "[\"a\"]", "{\"a\":1}", "-3",
};

static const char *const good_strings[] = {
    "\"Main trunk\"",          "\"x\"", "\"  padded  \"", "\"\\u0141\\u00f3d\\u017a\"",
    "\"with \\\"quotes\\\"\"", "\"0\"", "\"tab\\there\"",
};

static const char *const good_modes[] = {
    "\"ip_address\"",
    "\"client_credentials\"",
    "\"outbound_registration\"",
};
static const char *const bad_modes[] = {
    "\"IP_ADDRESS\"",
    "\"ip-address\"",
    "\"password\"",
    "\" ip_address\"",
    "\"Outbound_Registration\"",
};

static const char *const good_regions[] = {"\"hydrogen\"", "\"helium\""};
static const char *const bad_regions[] = {
    "\"Hydrogen\"", "\"HELIUM\"",    "\"ap-southeast-1\"", "\"us-east-1\"",
    "\"mars\"",     "\" hydrogen\"", "\"hydrogen \"",
};

static const char *const good_channels[] = {"1", "30", "2147483647", "100000"};
static const char *const bad_channels[] = {
    "0",           "-1",  "\"30\"", "1.5", "1.0", "true", "2147483648", "9223372036854775807",
    "-2147483649", "1e2",
};

static const char *const good_countries[] = {"\"US\"", "\"KH\"", "\"GB\"",
                                             "\"ZW\"", "\"AX\"", "\"AD\""};
static const char *const bad_countries[] = {
    "\"XK\"", "\"us\"", "\"Kh\"", "\"USA\"", "\"UK\"", "\"EU\"", "\"U\"", "\" US\"", "840",
};

static const char *const good_ips[] = {
    "\"203.0.113.1\"",     "\"10.0.0.1\"", "\"0.0.0.0\"",
    "\"255.255.255.255\"", "\"1.2.3.4\"",  "\"192.168.100.200\"",
};
static const char *const bad_ips[] = {
    "\"010.0.0.1\"",   "\"1.2.3.04\"",  "\"1.2.3.4/32\"", "\"10.0.0.0/8\"",     "\"::1\"",
    "\"2001:db8::1\"", "\" 1.2.3.4\"",  "\"1.2.3.4 \"",   "\"1.2.3.4\\n\"",     "\"256.1.1.1\"",
    "\"1.2.3\"",       "\"1.2.3.4.5\"", "\"\"",           "\"a.b.c.d\"",        "\"1.2.3.4:5060\"",
    "\"00.1.2.3\"",    "\"1..2.3\"",    "\"1.2.3.-4\"",   "\"::ffff:1.2.3.4\"",
};
static const char *const non_strings[] = {"1", "true", "{}", "[]", "1.5", "[\"1.2.3.4\"]"};
static const char *const crash_lists[] = {"null", "\"1.2.3.4\"", "5", "{}", "true"};

static const char *const good_prefixes[] = {"\"1855\"", "\"\"", "\"abc\"", "\"+44\"", "\"0\""};

static const char *const good_senders[] = {
    "\"85512345678\"", "\"+1 (415) 555-1234\"", "\"sip:alice@example.com\"", "\"abc\"", "\"0\"",
};

static const char *const good_hosts[] = {
    "\"pbx.example.com:5060\"", "\"10.0.0.1\"",   "\"sip.example.com\"", "\"bad host!\"",
    "\"[2001:db8::1]:5061\"",   "\"host:99999\"",
};

static const char *const nullable_values[] = {
    "null", "\"\"", "\"proxy.example.com:5060\"", "\"user-7\"", "\"   \"",
};

static const char *const bool_values[] = {"true", "false"};
static const char *const bad_bools[] = {"\"true\"", "0", "1", "\"false\"", "\"yes\""};

/* ---- building a body ---- */

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	cr_assert_not_null(v, "bad pool value %s: %s", text, e.text);
	return v;
}

/* A list of 0..4 elements mixing good, bad and (sometimes) non-string or null ones. */
static json_t *gen_list(struct rng *r, enum tc_field_id f, unsigned bad_pct)
{
	if (chance(r, 3))
		return parse(PICK(r, crash_lists));
	json_t *a = json_array();
	size_t n = pick(r, 5);
	for (size_t i = 0; i < n; i++) {
		const char *item;
		unsigned roll = (unsigned)pick(r, 100);
		if (roll < 4)
			item = "null";
		else if (roll < 4 + bad_pct / 3)
			item = PICK(r, non_strings);
		else if (f == TC_F_INBOUND_SOURCE_IPS)
			item = roll < 4 + bad_pct ? PICK(r, bad_ips) : PICK(r, good_ips);
		else
			item = PICK(r, good_prefixes);
		json_array_append_new(a, parse(item));
	}
	/* A repeat of an earlier address: the client warns, the server accepts. */
	if (n > 1 && chance(r, 10))
		json_array_append(a, json_array_get(a, 0));
	return a;
}

/* Unique credentials per case: the server crashes (500) on a username another trunk has. */
static json_t *credential(struct rng *r, const char *what, unsigned long serial)
{
	char s[64];
	snprintf(s, sizeof(s), "%s-%lu-%04" PRIx64, what, serial, next(r) & 0xffff);
	return json_string(s);
}

static json_t *gen_value(struct rng *r, const struct tc_field_info *fi, unsigned long serial)
{
	bool bad = chance(r, 22);
	if (fi->type == TC_T_LIST)
		return gen_list(r, fi->id, bad ? 60 : 8);
	if (bad && chance(r, 45))
		return parse(PICK(r, wrong_types));
	switch (fi->id) {
	case TC_F_AUTHENTICATION_MODE:
		return parse(bad ? PICK(r, bad_modes) : PICK(r, good_modes));
	case TC_F_REGION:
		return parse(bad ? PICK(r, bad_regions) : PICK(r, good_regions));
	case TC_F_MAX_CHANNELS:
		return parse(bad ? PICK(r, bad_channels) : PICK(r, good_channels));
	case TC_F_INBOUND_COUNTRY:
		return parse(bad ? PICK(r, bad_countries) : PICK(r, good_countries));
	case TC_F_DEFAULT_SENDER:
		return parse(PICK(r, good_senders));
	case TC_F_OUTBOUND_HOST:
		return parse(PICK(r, good_hosts));
	case TC_F_USERNAME:
	case TC_F_PASSWORD:
		return credential(r, fi->key, serial);
	default:
		break;
	}
	if (fi->flags & TC_FF_NULLABLE)
		return parse(PICK(r, nullable_values));
	if (fi->type == TC_T_BOOL)
		return parse(bad ? PICK(r, bad_bools) : PICK(r, bool_values));
	return parse(PICK(r, good_strings));
}

/*
 * The attributes of one request: every sendable field of the table, each
 * present with some probability (required ones nearly always on create).
 */
static json_t *gen_attributes(struct rng *r, enum tc_jsonapi_request kind, unsigned long serial)
{
	json_t *attrs = json_object();
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field((enum tc_field_id)f);
		unsigned send = kind == TC_JSONAPI_CREATE ? TC_FF_SEND_CREATE : TC_FF_SEND_UPDATE;
		if (!(fi->flags & send))
			continue;
		unsigned pct = 30;
		if (kind == TC_JSONAPI_CREATE && (fi->flags & TC_FF_REQUIRED))
			pct = 94;
		else if (fi->flags & TC_FF_REQUIRED_OUTREG)
			pct = 55;
		if (chance(r, pct))
			json_object_set_new(attrs, fi->key, gen_value(r, fi, serial));
	}
	/* Keys the server drops: unknown ones and the read-only timestamps. */
	if (chance(r, 8))
		json_object_set_new(attrs, "colour", json_string("blue"));
	/* The newer server's attribute (SERVER-BEHAVIOUR.md §2.5), unknown here: dropped. */
	if (chance(r, 4))
		json_object_set_new(attrs, "register_transport", json_string("carrier-pigeon"));
	if (chance(r, 4))
		json_object_set_new(attrs, "created_at", json_string("2026-01-01T00:00:00Z"));
	return attrs;
}

static const char *const bad_containers[] = {"null", "[]", "5", "\"x\"", "true", "[{}]", "\"\""};
static const char *const bad_type_values[] = {
    "null", "\"\"", "5", "\"sip_trunks\"", "\"SIP_TRUNK\"", "[]", "{}", "\" sip_trunk\"", "true"};

/*
 * A whole body. Mostly well formed; sometimes data, type, attributes or (on
 * update) id is missing or of the wrong kind. A top-level object always keeps
 * one of data/type/attributes: one without them is trunkctl's flat record
 * format (`get --json`), which the client wraps before sending.
 */
static json_t *gen_body(struct rng *r, enum tc_jsonapi_request kind, const char *id,
                        unsigned long serial)
{
	json_t *attrs = gen_attributes(r, kind, serial);
	json_t *data = json_object();
	if (!chance(r, 5))
		json_object_set_new(data, "type",
		                    chance(r, 92) ? json_string("sip_trunk")
		                                  : parse(PICK(r, bad_type_values)));
	if (kind == TC_JSONAPI_UPDATE) {
		char upper[64];
		snprintf(upper, sizeof(upper), "%s", id);
		for (char *p = upper; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		const char *const ids[] = {"null",
		                           "\"\"",
		                           "\"   \"",
		                           "\"\\u00a0\"",
		                           "\" \\u3000\\u2028\"",
		                           "\"\\u200b\"",
		                           "5",
		                           "[]",
		                           "{}",
		                           "\"00000000-0000-4000-8000-000000000000\"",
		                           "\"trunk-id\"",
		                           "true"};
		unsigned roll = (unsigned)pick(r, 100);
		if (roll < 80)
			json_object_set_new(data, "id", json_string(id));
		else if (roll < 84)
			json_object_set_new(data, "id", json_string(upper));
		else if (roll < 97)
			json_object_set_new(data, "id", parse(PICK(r, ids)));
	} else if (chance(r, 5)) {
		json_object_set_new(data, "id", json_string("ignored-on-create"));
	}
	unsigned roll = (unsigned)pick(r, 100);
	if (roll < 93)
		json_object_set_new(data, "attributes", attrs);
	else if (roll < 95)
		json_decref(attrs);
	else {
		json_object_set_new(data, "attributes", parse(PICK(r, bad_containers)));
		json_decref(attrs);
	}
	if (chance(r, 4))
		json_object_set_new(data, "relationships", json_object());

	json_t *body = json_object();
	roll = (unsigned)pick(r, 100);
	if (roll < 95) {
		json_object_set_new(body, "data", data);
		if (chance(r, 3))
			json_object_set_new(body, "meta", json_object());
		return body;
	}
	json_decref(data);
	if (roll < 97) {
		/* No data, but the body is still a document. */
		json_object_set_new(body, chance(r, 50) ? "type" : "attributes",
		                    json_string("sip_trunk"));
		return body;
	}
	if (roll < 99) {
		json_object_set_new(body, "data", parse(PICK(r, bad_containers)));
		return body;
	}
	json_decref(body);
	return parse(chance(r, 50) ? "[]" : "\"data\"");
}

/* ---- the server ---- */

struct server {
	struct fake fk;
	CURL *curl;
	struct curl_slist
	    *headers[2]; /* by content type: application/vnd.api+json, application/json */
	struct curl_slist *resolve;
	char trunk_id[64]; /* the trunk every update goes to */
};

static struct server srv;

/* One request over the shared keep-alive handle; returns the status, body in *out. */
static long request(const char *method, const char *path, const char *body, bool plain_json,
                    struct tl_buf *out)
{
	char url[256];
	snprintf(url, sizeof(url), "%s/carrier/v1/sip_trunks%s", srv.fk.base, path);
	*out = (struct tl_buf){0};
	curl_easy_setopt(srv.curl, CURLOPT_URL, url);
	curl_easy_setopt(srv.curl, CURLOPT_HTTPHEADER, srv.headers[plain_json]);
	curl_easy_setopt(srv.curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(srv.curl, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(srv.curl, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
	curl_easy_setopt(srv.curl, CURLOPT_WRITEDATA, out);
	CURLcode rc = curl_easy_perform(srv.curl);
	cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, url, curl_easy_strerror(rc));
	long status = 0;
	curl_easy_getinfo(srv.curl, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

static void created_id(const struct tl_buf *b, char *id, size_t cap)
{
	json_t *doc = json_loads(b->p ? b->p : "", 0, NULL);
	const char *s = json_string_value(json_object_get(json_object_get(doc, "data"), "id"));
	cr_assert_not_null(s, "201 without an id: %s", b->p ? b->p : "");
	snprintf(id, cap, "%s", s);
	json_decref(doc);
}

static void start_server(void)
{
	fake_start(&srv.fk, NULL);
	srv.curl = curl_easy_init();
	cr_assert_not_null(srv.curl);
	srv.resolve = curl_slist_append(NULL, srv.fk.resolve);
	/*
	 * Both media types are parsed as JSON (SERVER-BEHAVIOUR.md §1.3); Expect: off, or
	 * curl waits on large bodies.
	 */
	const char *const types[] = {"application/vnd.api+json", "application/json"};
	for (int i = 0; i < 2; i++) {
		char ct[64];
		snprintf(ct, sizeof(ct), "Content-Type: %s", types[i]);
		srv.headers[i] = curl_slist_append(NULL, "Authorization: Bearer " FAKE_TOKEN);
		srv.headers[i] = curl_slist_append(srv.headers[i], ct);
		srv.headers[i] = curl_slist_append(srv.headers[i], "Expect:");
	}
	curl_easy_setopt(srv.curl, CURLOPT_RESOLVE, srv.resolve);
	curl_easy_setopt(srv.curl, CURLOPT_WRITEFUNCTION, tl_buf_collect);
	/* A hang guard that no machine's speed reaches: a minute without a byte. */
	curl_easy_setopt(srv.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(srv.curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(srv.curl, CURLOPT_TCP_KEEPALIVE, 1L);

	struct tl_buf b;
	long st = request("POST", "",
	                  "{\"data\":{\"type\":\"sip_trunk\",\"attributes\":{\"name\":\"target\","
	                  "\"authentication_mode\":\"ip_address\",\"region\":\"hydrogen\"}}}",
	                  false, &b);
	cr_assert_eq(st, 201, "creating the update target: %ld %s", st, b.p ? b.p : "");
	created_id(&b, srv.trunk_id, sizeof(srv.trunk_id));
	free(b.p);
}

static void stop_server(void)
{
	curl_easy_cleanup(srv.curl);
	curl_slist_free_all(srv.headers[0]);
	curl_slist_free_all(srv.headers[1]);
	curl_slist_free_all(srv.resolve);
	fake_destroy(&srv.fk);
	memset(&srv, 0, sizeof(srv));
}

TestSuite(agreement, .init = start_server, .fini = stop_server, .timeout = 240);

/* ---- one comparison ---- */

struct tally {
	unsigned long cases, accepted, rejected, crashes, malformed, disagreements;
};

static void describe(char *dst, size_t cap, const struct tc_field_errors *errs, bool errors_only)
{
	size_t len = 0;
	dst[0] = '\0';
	for (size_t i = 0; i < errs->count && len < cap; i++) {
		if (errors_only && errs->items[i].severity != TC_SEV_ERROR)
			continue;
		len += (size_t)snprintf(dst + len, cap - len, "\n      %s: %.120s",
		                        errs->items[i].pointer, errs->items[i].title);
	}
}

/*
 * The server's 422 list against the client's errors, in order. A client
 * check may add to it: the server would have crashed on that value had the
 * rest been valid.
 */
static bool same_errors(const struct tc_field_errors *server, const struct tc_field_errors *client)
{
	size_t j = 0;
	for (size_t i = 0; i < client->count; i++) {
		const struct tc_field_error *c = &client->items[i];
		if (c->severity != TC_SEV_ERROR || tc_validate_is_client_check(c))
			continue;
		if (j >= server->count || strcmp(server->items[j].pointer, c->pointer) != 0 ||
		    strcmp(server->items[j].title, c->title) != 0)
			return false;
		j++;
	}
	return j == server->count;
}

/*
 * The server's answer to body and the client's prediction. variant bit 0
 * sends an update as PUT (the same action, SERVER-BEHAVIOUR.md §1.1), bit 1
 * as application/json.
 */
static void compare(enum tc_jsonapi_request kind, const char *body, unsigned variant,
                    struct tally *t)
{
	bool update = kind == TC_JSONAPI_UPDATE;
	struct tc_error cerr;
	tc_error_init(&cerr);
	struct tc_trunk *read = NULL;
	enum tc_status crc = tc_jsonapi_check_request(
	    body, strlen(body), kind, update ? srv.trunk_id : NULL, NULL, 0, &read, &cerr);
	tc_trunk_destroy(read);
	cr_assert(crc == TC_OK || crc == TC_INVALID || crc == TC_PARSE, "client: %s %s",
	          tc_status_name(crc), cerr.message);

	char path[80] = "";
	if (update)
		snprintf(path, sizeof(path), "/%s", srv.trunk_id);
	struct tl_buf b;
	const char *method = !update ? "POST" : (variant & 1) ? "PUT" : "PATCH";
	long st = request(method, path, body, variant & 2, &b);

	struct tc_field_errors server = {0};
	bool agree = false;
	const char *why = "";
	t->cases++;
	if (st == 200 || st == 201) {
		t->accepted++;
		agree = crc == TC_OK && st == (update ? 200 : 201);
		why = "the server accepted it";
		if (st == 201) {
			char id[64];
			struct tl_buf d;
			created_id(&b, id, sizeof(id));
			snprintf(path, sizeof(path), "/%s", id);
			cr_assert_eq(request("DELETE", path, NULL, false, &d), 204);
			free(d.p);
		}
	} else if (st == 422) {
		t->rejected++;
		struct tc_error derr;
		tc_error_init(&derr);
		cr_assert_eq(tc_jsonapi_decode_errors(b.p, b.len, &server, &derr), TC_OK,
		             "422 body: %s", b.p);
		tc_error_clear(&derr);
		agree = crc == TC_INVALID && same_errors(&server, &cerr.fields);
		why = "the server refused it";
	} else if (st == 500) {
		t->crashes++;
		agree = crc == TC_INVALID;
		why = "the server crashed (500): the client must refuse it";
	} else if (st == 400) {
		t->malformed++;
		agree = crc == TC_PARSE;
		why = "the server found it malformed (400)";
	} else {
		cr_assert_fail("unexpected status %ld for %s", st, body);
	}

	if (!agree && t->disagreements++ < REPORT_MAX) {
		char theirs[2048], ours[2048];
		describe(theirs, sizeof(theirs), &server, false);
		describe(ours, sizeof(ours), &cerr.fields, false);
		cr_log_error("disagreement on %s %s\n  %s (%ld):%s\n  client (%s):%s", method, body,
		             why, st, theirs, tc_status_name(crc), ours);
	}
	tc_field_errors_finish(&server);
	tc_error_clear(&cerr);
	free(b.p);
}

static unsigned long env_number(const char *name, unsigned long fallback)
{
	const char *s = getenv(name);
	return s && *s ? strtoul(s, NULL, 0) : fallback;
}

/* Bodies Rails cannot parse (400), and the empty body it does not try to (422). */
static char *gen_unparsed(struct rng *r, const char *valid)
{
	size_t len = strlen(valid);
	char *out = malloc(len + 400);
	cr_assert_not_null(out);
	switch (pick(r, 7)) {
	case 0: /* cut short */
		snprintf(out, len + 400, "%.*s", (int)(len / 2), valid);
		break;
	case 1: /* trailing garbage */
		snprintf(out, len + 400, "%s}", valid);
		break;
	case 2: /* a lone surrogate */
		snprintf(out, len + 400,
		         "{\"data\":{\"type\":\"sip_trunk\",\"attributes\":"
		         "{\"name\":\"\\ud800x\"}}}");
		break;
	case 3: { /* nested one level deeper than Ruby's max_nesting */
		size_t n = 0;
		n += (size_t)snprintf(out, len + 400, "{\"data\":{\"attributes\":{\"name\":");
		for (int i = 0; i < TC_JSONAPI_MAX_DEPTH - 2; i++)
			out[n++] = '[';
		for (int i = 0; i < TC_JSONAPI_MAX_DEPTH - 2; i++)
			out[n++] = ']';
		snprintf(out + n, len + 400 - n, "}}}");
		break;
	}
	case 4:
		snprintf(out, len + 400, " ");
		break;
	case 5:
		out[0] = '\0';
		break;
	default: /* invalid UTF-8 */
		snprintf(out, len + 400, "{\"data\":{\"type\":\"sip_\xff\"}}");
		break;
	}
	return out;
}

Test(agreement, generated_bodies_get_the_servers_answer)
{
	struct rng r = {env_number("TC_AGREE_SEED", DEFAULT_SEED)};
	unsigned long n = env_number("TC_AGREE_CASES", DEFAULT_CASES);
	struct tally t = {0};
	for (unsigned long i = 0; i < n; i++) {
		enum tc_jsonapi_request kind =
		    chance(&r, 50) ? TC_JSONAPI_CREATE : TC_JSONAPI_UPDATE;
		json_t *body = gen_body(&r, kind, srv.trunk_id, i);
		char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(body);
		cr_assert_not_null(text);
		if (chance(&r, 2)) {
			char *unparsed = gen_unparsed(&r, text);
			free(text);
			text = unparsed;
		}
		compare(kind, text, (unsigned)pick(&r, 4), &t);
		free(text);
	}
	cr_log_info("%lu cases: %lu accepted, %lu refused (422), %lu crashes (500), %lu malformed",
	            t.cases, t.accepted, t.rejected, t.crashes, t.malformed);
	/* A generator that stopped producing one of the outcomes would test nothing. */
	cr_expect_gt(t.accepted, n / 10);
	cr_expect_gt(t.rejected, n / 4);
	cr_expect_gt(t.crashes, 0);
	cr_expect_gt(t.malformed, 0);
	cr_assert_eq(t.disagreements, 0, "%lu of %lu bodies disagree (first %d logged above)",
	             t.disagreements, t.cases, REPORT_MAX);
}

/* Bodies on which the two sides once disagreed; @ID@ stands for the target trunk's id. */
struct known_case {
	bool update;
	const char *body;
};

static const struct known_case known_cases[] = {
    /* filled? fails on [], {} and "" before any type check (the client said "must be a …") */
    {false, "{\"data\":{\"type\":\"sip_trunk\",\"attributes\":{\"name\":[],\"authentication_mode\":"
            "\"ip_address\",\"region\":{},\"max_channels\":{},\"outbound_proxy\":[],"
            "\"outbound_plus_prefix\":[]}}}"},
    {false, "{\"data\":{\"type\":\"sip_trunk\",\"attributes\":{\"name\":\"n\",\"authentication_"
            "mode\":\"ip_address\",\"region\":\"hydrogen\",\"max_channels\":\"\","
            "\"outbound_national_dialing\":\"\",\"default_sender\":[]}}}"},
    /* data.id "" fails the schema; blanks pass it and meet the rule, which gives way */
    {true, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"\",\"attributes\":{}}}"},
    {true, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"   \",\"attributes\":{}}}"},
    {true, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"   \",\"attributes\":{\"name\":1}}}"},
    /* blank? is Unicode-aware: a no-break space is blank, a zero-width space is not */
    {true, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"\\u00a0\\u3000\",\"attributes\":{}}}"},
    {true, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"\\u200b\",\"attributes\":{}}}"},
    /* Rails parses no empty body: no parameters, so 422, not 400 */
    {true, ""},
    /* a client check (max_channels past 32 bits) does not hide the id rule */
    {true, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"other\",\"attributes\":{\"max_"
           "channels\":2147483648}}}"},
    /* ... and alone it refuses what the server crashes on */
    {true, "{\"data\":{\"type\":\"sip_trunk\",\"id\":\"@ID@\",\"attributes\":{\"max_"
           "channels\":2147483648}}}"},
    {false, "{\"data\":{\"type\":\"sip_trunk\",\"attributes\":{\"name\":\"n\",\"authentication_"
            "mode\":\"ip_address\",\"region\":\"hydrogen\",\"inbound_source_ips\":null}}}"},
};

Test(agreement, bodies_that_once_disagreed)
{
	struct tally t = {0};
	for (size_t i = 0; i < sizeof(known_cases) / sizeof(*known_cases); i++) {
		const struct known_case *k = &known_cases[i];
		char body[512];
		const char *at = strstr(k->body, "@ID@");
		if (at)
			snprintf(body, sizeof(body), "%.*s%s%s", (int)(at - k->body), k->body,
			         srv.trunk_id, at + 4);
		else
			snprintf(body, sizeof(body), "%s", k->body);
		compare(k->update ? TC_JSONAPI_UPDATE : TC_JSONAPI_CREATE, body, 0, &t);
	}
	cr_expect_eq(t.crashes, 2);
	cr_assert_eq(t.disagreements, 0, "%lu known bodies disagree again (logged above)",
	             t.disagreements);
}
