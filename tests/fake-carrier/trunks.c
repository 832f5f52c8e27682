/* The fake's database: trunks, the serializer, and the state file. */
#include "fake.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "trunkctl/region.h"

uint64_t fake_rng_next(struct fake_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t fake_rng_below(struct fake_rng *rng, uint64_t bound)
{
	return bound ? fake_rng_next(rng) % bound : 0;
}

double fake_rng_unit(struct fake_rng *rng)
{
	return (double)(fake_rng_next(rng) >> 11) / (double)(1ULL << 53);
}

void fake_store_init(struct fake_store *st, uint64_t seed, bool register_transport,
                     const char *state_path)
{
	memset(st, 0, sizeof(*st));
	st->next_seq = 1;
	st->rng.state = seed;
	st->register_transport = register_transport;
	st->state_path = state_path;
}

static void trunk_free(struct fake_trunk *t)
{
	if (!t)
		return;
	json_decref(t->attrs);
	free(t->rendered);
	free(t);
}

void fake_store_clear(struct fake_store *st)
{
	for (size_t i = 0; i < st->count; i++)
		trunk_free(st->items[i]);
	free(st->items);
	st->items = NULL;
	st->count = st->cap = 0;
}

/* PostgreSQL's uuid input: hex digits with optional hyphens and braces, any case. */
static bool canonical_uuid(const char *in, char out[37])
{
	char hex[33];
	size_t n = 0, len = strlen(in);
	const char *p = in, *end = in + len;
	if (len >= 2 && in[0] == '{' && in[len - 1] == '}') {
		p++;
		end--;
	}
	if (p < end && (*p == '-' || end[-1] == '-'))
		return false;
	for (; p < end; p++) {
		if (*p == '-') {
			if (n % 4 != 0 || p[1] == '-')
				return false;
			continue;
		}
		if (!isxdigit((unsigned char)*p) || n >= 32)
			return false;
		hex[n++] = (char)tolower((unsigned char)*p);
	}
	if (n != 32)
		return false;
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return true;
}

struct fake_trunk *fake_store_find(const struct fake_store *st, const char *id,
                                   enum fake_carrier carrier)
{
	char canon[37];
	if (!id || !canonical_uuid(id, canon))
		return NULL;
	for (size_t i = 0; i < st->count; i++)
		if (st->items[i]->carrier == carrier && strcmp(st->items[i]->id, canon) == 0)
			return st->items[i];
	return NULL;
}

static long store_index(const struct fake_store *st, const struct fake_trunk *t)
{
	for (size_t i = 0; i < st->count; i++)
		if (st->items[i] == t)
			return (long)i;
	return -1;
}

void fake_uuid(struct fake_rng *rng, char out[37])
{
	unsigned char b[16];
	for (int i = 0; i < 16; i += 8) {
		uint64_t r = fake_rng_next(rng);
		memcpy(b + i, &r, 8);
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = digits[b[i] >> 4];
		out[o++] = digits[b[i] & 15];
	}
	out[o] = '\0';
}

static int store_append(struct fake_store *st, struct fake_trunk *t)
{
	if (st->count == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct fake_trunk **items = realloc(st->items, cap * sizeof(*items));
		if (!items)
			return -1;
		st->items = items;
		st->cap = cap;
	}
	st->items[st->count++] = t;
	return 0;
}

struct fake_trunk *fake_store_add(struct fake_store *st, enum fake_carrier carrier, json_t *attrs,
                                  long long now)
{
	struct fake_trunk *t = calloc(1, sizeof(*t));
	if (!t) {
		json_decref(attrs);
		return NULL;
	}
	/* 122 random bits: like gen_random_uuid(), no uniqueness check. */
	fake_uuid(&st->rng, t->id);
	t->carrier = carrier;
	t->seq = st->next_seq++;
	t->created_at = t->updated_at = now;
	t->attrs = attrs;
	if (store_append(st, t) != 0) {
		trunk_free(t);
		return NULL;
	}
	return t;
}

void fake_store_remove(struct fake_store *st, struct fake_trunk *t)
{
	long i = store_index(st, t);
	if (i < 0)
		return;
	memmove(&st->items[i], &st->items[i + 1], (st->count - (size_t)i - 1) * sizeof(*st->items));
	st->count--;
	trunk_free(t);
}

bool fake_store_username_taken(const struct fake_store *st, const char *username,
                               const struct fake_trunk *except)
{
	if (!username)
		return false;
	for (size_t i = 0; i < st->count; i++) {
		if (st->items[i] == except)
			continue;
		const char *u = json_string_value(json_object_get(st->items[i]->attrs, "username"));
		if (u && strcmp(u, username) == 0)
			return true;
	}
	return false;
}

static const char *const adjectives[] = {
    "autumn",    "hidden",   "bitter",    "misty", "silent",    "empty",  "dry",       "dark",
    "summer",    "icy",      "quiet",     "white", "cool",      "spring", "winter",    "patient",
    "crimson",   "wispy",    "weathered", "blue",  "billowing", "broken", "cold",      "damp",
    "falling",   "frosty",   "green",     "long",  "late",      "bold",   "little",    "morning",
    "muddy",     "old",      "red",       "rough", "still",     "small",  "sparkling", "shy",
    "wandering", "withered", "wild",      "black", "young",     "holy",   "solitary",  "fragrant",
};
static const char *const nouns[] = {
    "waterfall", "river", "breeze", "moon",     "rain",   "wind",    "sea",      "morning",
    "snow",      "lake",  "sunset", "pine",     "shadow", "leaf",    "dawn",     "glitter",
    "forest",    "hill",  "cloud",  "meadow",   "sun",    "glade",   "bird",     "brook",
    "butterfly", "bush",  "dew",    "dust",     "field",  "fire",    "flower",   "firefly",
    "feather",   "grass", "haze",   "mountain", "night",  "pond",    "darkness", "snowflake",
    "silence",   "sound", "sky",    "shape",    "surf",   "thunder", "violet",   "water",
};

#define ADJECTIVES (sizeof(adjectives) / sizeof(*adjectives))
#define NOUNS (sizeof(nouns) / sizeof(*nouns))

static void make_password(struct fake_rng *rng, char password[25])
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	for (int i = 0; i < 24; i++)
		password[i] = alnum[fake_rng_below(rng, sizeof(alnum) - 1)];
	password[24] = '\0';
}

/*
 * Usernames of the whole store, for drawing many unique ones in linear time
 * (fake_store_username_taken is a scan). Open addressing; the strings
 * belong to the trunks' attrs.
 */
struct name_set {
	const char **slots;
	size_t mask;
};

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool name_set_has(const struct name_set *set, const char *name)
{
	for (size_t i = name_hash(name) & set->mask; set->slots[i]; i = (i + 1) & set->mask)
		if (strcmp(set->slots[i], name) == 0)
			return true;
	return false;
}

static void name_set_add(struct name_set *set, const char *name)
{
	size_t i = name_hash(name) & set->mask;
	while (set->slots[i])
		i = (i + 1) & set->mask;
	set->slots[i] = name;
}

/* Room for every username the store has plus extra more. */
static int name_set_init(struct name_set *set, const struct fake_store *st, size_t extra)
{
	size_t cap = 16;
	while (cap < 2 * (st->count + extra))
		cap *= 2;
	set->slots = calloc(cap, sizeof(*set->slots));
	set->mask = cap - 1;
	if (!set->slots)
		return -1;
	for (size_t i = 0; i < st->count; i++) {
		const char *u = json_string_value(json_object_get(st->items[i]->attrs, "username"));
		if (u && !name_set_has(set, u))
			name_set_add(set, u);
	}
	return 0;
}

/* Draws until the username is free; set NULL checks the store itself. */
static void draw_credentials(struct fake_store *st, const struct name_set *set, char username[64],
                             char password[25])
{
	do {
		snprintf(username, 64, "%s-%s-%04u",
		         adjectives[fake_rng_below(&st->rng, ADJECTIVES)],
		         nouns[fake_rng_below(&st->rng, NOUNS)],
		         (unsigned)(1000 + fake_rng_below(&st->rng, 9000)));
	} while (set ? name_set_has(set, username) : fake_store_username_taken(st, username, NULL));
	make_password(&st->rng, password);
}

void fake_store_generate_credentials(struct fake_store *st, char username[64], char password[25])
{
	draw_credentials(st, NULL, username, password);
}

json_t *fake_trunk_defaults(const struct fake_store *st)
{
	json_t *a = json_pack("{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:b,s:b,s:[],s:n,s:[],s:n,s:n}",
	                      "name", "authentication_mode", "region", "max_channels",
	                      "default_sender", "outbound_host", "outbound_proxy", "auth_user",
	                      "outbound_dial_string_prefix", "outbound_national_dialing", 0,
	                      "outbound_plus_prefix", 0, "outbound_route_prefixes",
	                      "inbound_country", "inbound_source_ips", "username", "password");
	if (a && st->register_transport)
		json_object_set_new(a, "register_transport", json_string("udp"));
	return a;
}

void fake_format_time(long long epoch, enum fake_time_format format, char *out, size_t n)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	if (format == FAKE_HTTP_DATE)
		strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	else
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *fake_phone_cast(const char *input)
{
	if (!input || !fake_present(input))
		return NULL;
	while (isspace((unsigned char)*input))
		input++;
	size_t len = strlen(input);
	while (len && isspace((unsigned char)input[len - 1]))
		len--;
	if (len >= 4 && strncmp(input, "sip:", 4) == 0)
		return strndup(input, len);
	char *digits = malloc(len + 1);
	if (!digits)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (input[i] >= '0' && input[i] <= '9')
			digits[n++] = input[i];
	digits[n] = '\0';
	if (n == 0) {
		free(digits);
		return NULL;
	}
	return digits;
}

/*
 * ITU-T E.164 country calling codes in use. Phony's plausibility check knows
 * each country's number lengths; this approximation accepts a known code
 * followed by a total of 8 to 15 digits (11 for +1, with a valid area code).
 */
static const char *const calling_codes[] = {
    "1",   "7",   "20",  "27",  "30",  "31",  "32",  "33",  "34",  "36",  "39",  "40",  "41",
    "43",  "44",  "45",  "46",  "47",  "48",  "49",  "51",  "52",  "53",  "54",  "55",  "56",
    "57",  "58",  "60",  "61",  "62",  "63",  "64",  "65",  "66",  "81",  "82",  "84",  "86",
    "90",  "91",  "92",  "93",  "94",  "95",  "98",  "211", "212", "213", "216", "218", "220",
    "221", "222", "223", "224", "225", "226", "227", "228", "229", "230", "231", "232", "233",
    "234", "235", "236", "237", "238", "239", "240", "241", "242", "243", "244", "245", "246",
    "247", "248", "249", "250", "251", "252", "253", "254", "255", "256", "257", "258", "260",
    "261", "262", "263", "264", "265", "266", "267", "268", "269", "290", "291", "297", "298",
    "299", "350", "351", "352", "353", "354", "355", "356", "357", "358", "359", "370", "371",
    "372", "373", "374", "375", "376", "377", "378", "380", "381", "382", "383", "385", "386",
    "387", "389", "420", "421", "423", "500", "501", "502", "503", "504", "505", "506", "507",
    "508", "509", "590", "591", "592", "593", "594", "595", "596", "597", "598", "599", "670",
    "672", "673", "674", "675", "676", "677", "678", "679", "680", "681", "682", "683", "685",
    "686", "687", "688", "689", "690", "691", "692", "850", "852", "853", "855", "856", "880",
    "886", "960", "961", "962", "963", "964", "965", "966", "967", "968", "970", "971", "972",
    "973", "974", "975", "976", "977", "992", "993", "994", "995", "996", "998",
};

static const char *calling_code_of(const char *digits)
{
	size_t n = strlen(digits);
	if (n < 8 || n > 15)
		return NULL;
	for (size_t i = 0; i < sizeof(calling_codes) / sizeof(*calling_codes); i++) {
		const char *cc = calling_codes[i];
		if (strncmp(digits, cc, strlen(cc)) != 0)
			continue;
		if (strcmp(cc, "1") == 0 && (n != 11 || digits[1] < '2'))
			return NULL;
		return cc;
	}
	return NULL;
}

/* PhoneNumberType::PhoneNumber as Struct#as_json renders it (SERVER-BEHAVIOUR.md §2.1). */
static json_t *phone_render(const char *value)
{
	if (!value)
		return json_null();
	if (strncmp(value, "sip:", 4) == 0)
		return json_pack("{s:s,s:n,s:n,s:n,s:b,s:s}", "value", value, "country_code",
		                 "area_code", "e164", "sip", 1, "sip_address", value + 4);
	const char *cc = calling_code_of(value);
	if (!cc)
		return json_pack("{s:s,s:n,s:n,s:b,s:n,s:n}", "value", value, "country_code",
		                 "area_code", "e164", 0, "sip", "sip_address");
	json_t *area = strcmp(cc, "1") == 0 ? json_stringn(value + 1, 3) : json_null();
	return json_pack("{s:s,s:s,s:o,s:b,s:n,s:n}", "value", value, "country_code", cc,
	                 "area_code", area, "e164", 1, "sip", "sip_address");
}

static json_t *render_region(const char *alias)
{
	size_t n;
	const struct tc_region *regions = tc_default_regions(&n);
	const struct tc_region *r = tc_region_find(regions, n, alias);
	if (!r)
		return json_null();
	return json_pack("{s:{s:s,s:s,s:i,s:s,s:s}}", "table", "identifier", r->identifier, "alias",
	                 r->alias, "group_id", r->group_id, "human_name", r->human_name, "nat_ip",
	                 r->nat_ip);
}

json_t *fake_trunk_render(const struct fake_store *st, const struct fake_trunk *t,
                          const json_t *ips)
{
	/* The serializer's declared attributes, in declaration order. */
	static const char *const copied[] = {
	    "name",
	    "authentication_mode",
	    "region",
	    "max_channels",
	    "default_sender",
	    "outbound_host",
	    "outbound_proxy",
	    "auth_user",
	    "register_transport",
	    "outbound_dial_string_prefix",
	    "outbound_national_dialing",
	    "outbound_plus_prefix",
	    "outbound_route_prefixes",
	    "inbound_country",
	    "inbound_source_ips",
	};
	char created[21], updated[21];
	fake_format_time(t->created_at, FAKE_ISO8601, created, sizeof(created));
	fake_format_time(t->updated_at, FAKE_ISO8601, updated, sizeof(updated));
	json_t *attrs = json_pack("{s:s,s:s}", "created_at", created, "updated_at", updated);
	if (!attrs)
		return NULL;
	for (size_t i = 0; i < sizeof(copied) / sizeof(*copied); i++) {
		const char *k = copied[i];
		const json_t *v = json_object_get(t->attrs, k);
		json_t *out;
		if (strcmp(k, "register_transport") == 0 && !st->register_transport)
			continue;
		if (strcmp(k, "region") == 0)
			out = render_region(json_string_value(v));
		else if (strcmp(k, "default_sender") == 0)
			out = phone_render(json_string_value(v));
		else if (strcmp(k, "inbound_source_ips") == 0 && ips)
			out = json_deep_copy(ips);
		else if (!v && strcmp(k, "register_transport") == 0)
			out = json_string("udp"); /* the column default, for older state files */
		else
			out = v ? json_deep_copy(v) : json_null();
		json_object_set_new(attrs, k, out);
	}
	const char *mode = json_string_value(json_object_get(t->attrs, "authentication_mode"));
	if (mode && (strcmp(mode, "client_credentials") == 0 ||
	             strcmp(mode, "outbound_registration") == 0)) {
		json_object_set_new(attrs, "username",
		                    json_deep_copy(json_object_get(t->attrs, "username")));
		json_object_set_new(attrs, "password",
		                    json_deep_copy(json_object_get(t->attrs, "password")));
	}
	return json_pack("{s:s,s:s,s:o}", "id", t->id, "type", "sip_trunk", "attributes", attrs);
}

char *fake_json_dump(const json_t *doc)
{
	char *raw = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!raw)
		return NULL;
	size_t extra = 0;
	for (const char *p = raw; *p; p++)
		if (*p == '<' || *p == '>' || *p == '&' ||
		    ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
		     ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9)))
			extra += 5;
	if (!extra)
		return raw;
	char *out = malloc(strlen(raw) + extra + 1);
	size_t o = 0;
	for (const char *p = raw; out && *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '<' || c == '>' || c == '&') {
			o += (size_t)sprintf(out + o, "\\u%04x", c);
		} else if (c == 0xe2 && (unsigned char)p[1] == 0x80 &&
		           ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9)) {
			o += (size_t)sprintf(out + o, "\\u%04x",
			                     (unsigned char)p[2] == 0xa8 ? 0x2028 : 0x2029);
			p += 2;
		} else {
			out[o++] = (char)c;
		}
	}
	if (out)
		out[o] = '\0';
	free(raw);
	return out;
}

const char *fake_trunk_json(const struct fake_store *st, struct fake_trunk *t, size_t *len)
{
	if (!t->rendered) {
		json_t *doc = fake_trunk_render(st, t, NULL);
		t->rendered = doc ? fake_json_dump(doc) : NULL;
		t->rendered_len = t->rendered ? strlen(t->rendered) : 0;
		json_decref(doc);
	}
	*len = t->rendered_len;
	return t->rendered;
}

void fake_trunk_changed(struct fake_trunk *t)
{
	free(t->rendered);
	t->rendered = NULL;
	t->rendered_len = 0;
}

/*
 * n trunks spread over the modes and regions. The draws from the generator
 * are part of the contract: with a given --seed the samples (ids included)
 * stay the same from one version to the next, since other tests' golden
 * screens show them.
 */
int fake_store_add_samples(struct fake_store *st, int n, long long now)
{
	static const char *const modes[] = {"ip_address", "client_credentials",
	                                    "outbound_registration"};
	static const char *const regions[] = {"hydrogen", "helium"};
	static const char *const countries[] = {"KH", "US", "GB", "TH"};
	struct name_set taken;
	if (name_set_init(&taken, st, (size_t)n) != 0)
		return -1;
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		json_t *a = fake_trunk_defaults(st);
		if (!a) {
			rc = -1;
			break;
		}
		const char *mode = modes[i % 3];
		char buf[96], user[64], pass[25];
		snprintf(buf, sizeof(buf), "Sample trunk %d", i + 1);
		json_object_set_new(a, "name", json_string(buf));
		json_object_set_new(a, "authentication_mode", json_string(mode));
		json_object_set_new(a, "region", json_string(regions[(i / 3) % 2]));
		if (i % 2 == 0)
			json_object_set_new(a, "max_channels", json_integer(10 + i % 50));
		snprintf(buf, sizeof(buf), "8551234%04d", i % 10000);
		json_object_set_new(a, "default_sender", json_string(buf));
		json_object_set_new(a, "inbound_country", json_string(countries[i % 4]));
		if (i % 3 == 0) {
			snprintf(buf, sizeof(buf), "198.51.%d.%d", (i / 250) % 256, i % 250 + 1);
			json_object_set_new(a, "inbound_source_ips", json_pack("[s]", buf));
			json_object_set_new(a, "outbound_host",
			                    json_string("pbx.example.com:5060"));
		} else if (i % 3 == 1) {
			draw_credentials(st, &taken, user, pass);
			json_object_set_new(a, "username", json_string(user));
			json_object_set_new(a, "password", json_string(pass));
		} else {
			/* The drawn username is not used; the draw keeps the stream stable. */
			draw_credentials(st, &taken, user, pass);
			snprintf(buf, sizeof(buf), "sample-%d", i + 1);
			json_object_set_new(a, "username", json_string(buf));
			json_object_set_new(a, "auth_user", json_string(buf));
			json_object_set_new(a, "password", json_string(pass));
			snprintf(buf, sizeof(buf), "sip%d.example.net:5060", i + 1);
			json_object_set_new(a, "outbound_host", json_string(buf));
			json_object_set_new(a, "outbound_route_prefixes", json_pack("[s]", "855"));
		}
		struct fake_trunk *t = fake_store_add(st, FAKE_CARRIER_MAIN, a, now - (n - i));
		const char *u = t ? json_string_value(json_object_get(t->attrs, "username")) : NULL;
		if (!t)
			rc = -1;
		else if (u && !name_set_has(&taken, u))
			name_set_add(&taken, u);
	}
	free(taken.slots);
	return rc;
}

int fake_store_load(struct fake_store *st)
{
	if (!st->state_path)
		return 0;
	json_error_t jerr;
	json_t *doc = json_load_file(st->state_path, 0, &jerr);
	if (!doc) {
		if (access(st->state_path, F_OK) != 0)
			return 0;
		fprintf(stderr, "trunkctl-fake-api: %s:%d: %s\n", st->state_path, jerr.line,
		        jerr.text);
		return -1;
	}
	json_t *trunks = json_object_get(doc, "trunks");
	const char *rng = json_string_value(json_object_get(doc, "rng"));
	json_int_t next = json_integer_value(json_object_get(doc, "next_seq"));
	if (!json_is_array(trunks) || !rng || next < 1) {
		fprintf(stderr, "trunkctl-fake-api: %s: not a state file\n", st->state_path);
		json_decref(doc);
		return -1;
	}
	st->rng.state = strtoull(rng, NULL, 16);
	st->next_seq = (unsigned long long)next;
	size_t i;
	json_t *row;
	json_array_foreach(trunks, i, row)
	{
		const char *id = json_string_value(json_object_get(row, "id"));
		json_t *attrs = json_object_get(row, "attrs");
		struct fake_trunk *t = calloc(1, sizeof(*t));
		if (!t || !id || strlen(id) != 36 || !json_is_object(attrs) ||
		    store_append(st, t) != 0) {
			free(t);
			fprintf(stderr, "trunkctl-fake-api: %s: bad trunk %zu\n", st->state_path,
			        i);
			json_decref(doc);
			return -1;
		}
		memcpy(t->id, id, 37);
		t->carrier = json_is_true(json_object_get(row, "foreign")) ? FAKE_CARRIER_FOREIGN
		                                                           : FAKE_CARRIER_MAIN;
		t->seq = (unsigned long long)json_integer_value(json_object_get(row, "seq"));
		t->created_at = json_integer_value(json_object_get(row, "created_at"));
		t->updated_at = json_integer_value(json_object_get(row, "updated_at"));
		t->attrs = json_incref(attrs);
	}
	json_decref(doc);
	return 0;
}

int fake_store_save(const struct fake_store *st)
{
	if (!st->state_path)
		return 0;
	char rng[17];
	snprintf(rng, sizeof(rng), "%016llx", (unsigned long long)st->rng.state);
	json_t *trunks = json_array();
	for (size_t i = 0; trunks && i < st->count; i++) {
		const struct fake_trunk *t = st->items[i];
		json_array_append_new(
		    trunks, json_pack("{s:s,s:b,s:I,s:I,s:I,s:O}", "id", t->id, "foreign",
		                      t->carrier == FAKE_CARRIER_FOREIGN, "seq", (json_int_t)t->seq,
		                      "created_at", (json_int_t)t->created_at, "updated_at",
		                      (json_int_t)t->updated_at, "attrs", t->attrs));
	}
	json_t *doc = json_pack("{s:i,s:I,s:s,s:o}", "version", 1, "next_seq",
	                        (json_int_t)st->next_seq, "rng", rng, "trunks", trunks);
	if (!doc)
		return -1;
	size_t plen = strlen(st->state_path);
	char *tmp = malloc(plen + 5);
	int rc = -1;
	if (tmp) {
		snprintf(tmp, plen + 5, "%s.new", st->state_path);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (json_dumpfd(doc, fd, JSON_COMPACT) == 0 && fsync(fd) == 0 &&
			    close(fd) == 0) {
				fd = -1;
				rc = rename(tmp, st->state_path);
			}
			if (fd >= 0)
				close(fd);
		}
		if (rc != 0) {
			fprintf(stderr, "trunkctl-fake-api: cannot save %s: %s\n", st->state_path,
			        strerror(errno));
			unlink(tmp);
		}
		free(tmp);
	}
	json_decref(doc);
	return rc;
}
