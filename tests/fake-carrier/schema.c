/*
 * The server's request schemas (SIPTrunkRequestSchema, UpdateSIPTrunkRequestSchema),
 * written the way dry-validation runs them: a schema phase over the body
 * (key presence, filled?, type and value predicates, in definition order),
 * then rules that only run where the schema found nothing wrong.
 * Deliberately independent of the client's validator in src/: the client is
 * tested against this.
 */
#include "fake.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/countries.h"
#include "trunkctl/region.h"

enum macro {
	FILLED, /* filled(:pred?) */
	MAYBE,  /* maybe(:str?) */
	EACH,   /* each(:str?), no array? check: a non-array crashes the real service */
};

enum pred {
	STR,
	INT_GT0,
	BOOL,
};

enum choice {
	ANY,
	MODES,
	COUNTRIES,
	TRANSPORTS,
};

struct attr_def {
	const char *key;
	bool required_on_create;
	enum macro macro;
	enum pred pred;
	enum choice choice;
	bool transport; /* only with --register-transport */
};

/* Definition order of the schemas (SERVER-BEHAVIOUR.md §3.2): the order of schema errors. */
static const struct attr_def attr_defs[] = {
    {"name", true, FILLED, STR, ANY, false},
    {"authentication_mode", true, FILLED, STR, MODES, false},
    {"region", true, FILLED, STR, ANY, false},
    {"max_channels", false, FILLED, INT_GT0, ANY, false},
    {"inbound_country", false, FILLED, STR, COUNTRIES, false},
    {"inbound_source_ips", false, EACH, STR, ANY, false},
    {"default_sender", false, FILLED, STR, ANY, false},
    {"username", false, FILLED, STR, ANY, false},
    {"password", false, FILLED, STR, ANY, false},
    {"outbound_host", false, FILLED, STR, ANY, false},
    {"outbound_proxy", false, MAYBE, STR, ANY, false},
    {"auth_user", false, MAYBE, STR, ANY, false},
    {"register_transport", false, FILLED, STR, TRANSPORTS, true},
    {"outbound_dial_string_prefix", false, FILLED, STR, ANY, false},
    {"outbound_national_dialing", false, FILLED, BOOL, ANY, false},
    {"outbound_plus_prefix", false, FILLED, BOOL, ANY, false},
    {"outbound_route_prefixes", false, EACH, STR, ANY, false},
};
#define ATTR_COUNT (sizeof(attr_defs) / sizeof(*attr_defs))

static const char *const modes[] = {"ip_address", "client_credentials", "outbound_registration"};
static const char *const transports[] = {"udp", "tcp", "tls"};

/* Create-only rule: these must be sent in outbound_registration mode (rule order §3.4). */
static const char *const outreg_required[] = {"username", "password", "outbound_host"};

/* Unicode White_Space, which ActiveSupport's blank? regex ([[:space:]]) matches. */
static const unsigned long white_space[] = {
    0x85,   0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
    0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
};

/* The code point at *s (UTF-8, already validated by the parser); advances *s. */
static unsigned long next_code_point(const unsigned char **s)
{
	const unsigned char *p = *s;
	unsigned long cp = *p;
	int extra = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0;
	if (extra)
		cp &= 0x3Fu >> extra;
	for (p++; extra-- > 0 && (*p & 0xC0) == 0x80; p++)
		cp = (cp << 6) | (*p & 0x3Fu);
	*s = p;
	return cp;
}

bool fake_present(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (p && *p) {
		unsigned long cp = next_code_point(&p);
		bool space = cp < 0x80 && isspace((int)cp);
		for (size_t i = 0; !space && i < sizeof(white_space) / sizeof(*white_space); i++)
			space = white_space[i] == cp;
		if (!space)
			return true;
	}
	return false;
}

void fake_deep_munge(json_t *v)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach(v, k, m) fake_deep_munge(m);
	} else if (json_is_array(v)) {
		for (size_t i = json_array_size(v); i-- > 0;) {
			json_t *e = json_array_get(v, i);
			if (json_is_null(e))
				json_array_remove(v, i);
			else
				fake_deep_munge(e);
		}
	}
}

/* One IPv4 octet as Resolv::IPv4::Regex256 spells it: 0-255, no leading zero. */
static const char *octet(const char *p)
{
	if (!isdigit((unsigned char)p[0]))
		return NULL;
	if (p[0] == '0')
		return p + 1;
	int v = 0, n = 0;
	while (isdigit((unsigned char)p[n]) && n < 3)
		v = v * 10 + (p[n++] - '0');
	if (v > 255)
		return NULL;
	return p + n;
}

bool fake_ipv4_valid(const char *s)
{
	const char *p = s;
	for (int i = 0; i < 4; i++) {
		if (!(p = octet(p)))
			return false;
		if (i < 3) {
			if (*p != '.')
				return false;
			p++;
		}
	}
	return *p == '\0';
}

struct check {
	json_t *errors;
	bool any;
};

static void add_error(struct check *c, const char *pointer, const char *title)
{
	json_array_append_new(
	    c->errors, json_pack("{s:s,s:{s:s}}", "title", title, "source", "pointer", pointer));
}

static bool filled(const json_t *v)
{
	if (json_is_null(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

static char *one_of_title(enum choice choice)
{
	size_t cap = 32 + TC_COUNTRY_COUNT * 4, len;
	char *t = malloc(cap);
	if (!t)
		return NULL;
	len = (size_t)snprintf(t, cap, "must be one of: ");
	for (size_t i = 0;; i++) {
		const char *item = choice == MODES        ? (i < 3 ? modes[i] : NULL)
		                   : choice == TRANSPORTS ? (i < 3 ? transports[i] : NULL)
		                                          : tc_country_code(i);
		if (!item)
			break;
		len += (size_t)snprintf(t + len, cap - len, "%s%s", i ? ", " : "", item);
	}
	return t;
}

static bool chosen(enum choice choice, const char *s)
{
	if (choice == COUNTRIES)
		return tc_country_is_valid(s);
	const char *const *list = choice == MODES ? modes : transports;
	for (int i = 0; i < 3; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Returns false when the value would make the real service raise (500). */
static bool check_attr(struct check *c, const struct attr_def *d, const json_t *v, bool *err)
{
	char ptr[96];
	snprintf(ptr, sizeof(ptr), "/data/attributes/%s", d->key);
	const char *title = NULL;
	char *owned = NULL;
	switch (d->macro) {
	case EACH: {
		if (!json_is_array(v))
			return false;
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e)) {
				char eptr[128];
				snprintf(eptr, sizeof(eptr), "%s/%zu", ptr, i);
				add_error(c, eptr, "must be a string");
				*err = true;
			}
		}
		return true;
	}
	case MAYBE:
		if (!json_is_null(v) && !json_is_string(v))
			title = "must be a string";
		break;
	case FILLED:
		if (!filled(v))
			title = "must be filled";
		else if (d->pred == STR && !json_is_string(v))
			title = "must be a string";
		else if (d->pred == BOOL && !json_is_boolean(v))
			title = "must be boolean";
		else if (d->pred == INT_GT0 && !json_is_integer(v))
			title = "must be an integer";
		else if (d->pred == INT_GT0 && json_integer_value(v) <= 0)
			title = "must be greater than 0";
		else if (d->choice != ANY && !chosen(d->choice, json_string_value(v)))
			title = owned = one_of_title(d->choice);
		break;
	}
	if (title) {
		add_error(c, ptr, title);
		*err = true;
	}
	free(owned);
	return true;
}

/* required(:key).filled(:str?); true when the value passed. */
static bool required_filled_str(struct check *c, const json_t *v, const char *pointer)
{
	const char *title = !v                   ? "is missing"
	                    : !filled(v)         ? "must be filled"
	                    : !json_is_string(v) ? "must be a string"
	                                         : NULL;
	if (title)
		add_error(c, pointer, title);
	return !title;
}

/* The params processor reads "" as an empty hash. */
static const json_t *as_hash(const json_t *v, json_t *empty)
{
	if (json_is_string(v) && json_string_length(v) == 0)
		return empty;
	return v;
}

enum fake_verdict fake_schema_check(const json_t *body, enum fake_op op, const char *resource_id,
                                    bool register_transport, json_t **errors)
{
	struct check c = {json_array(), false};
	json_t *empty = json_object();
	bool attr_err[ATTR_COUNT] = {false};
	enum fake_verdict verdict = FAKE_VALID;
	const json_t *data = json_is_object(body) ? json_object_get(body, "data") : NULL;
	const json_t *attrs = NULL;
	bool data_ok = false, attrs_ok = false;
	if (!c.errors || !empty)
		goto crash;

	/* Schema phase. */
	data = as_hash(data, empty);
	if (!data) {
		add_error(&c, "/data", "is missing");
	} else if (!json_is_object(data)) {
		add_error(&c, "/data", "must be a hash");
	} else {
		data_ok = true;
		const json_t *type = json_object_get(data, "type");
		if (required_filled_str(&c, type, "/data/type") &&
		    strcmp(json_string_value(type), "sip_trunk") != 0)
			add_error(&c, "/data/type", "must be equal to sip_trunk");
		if (op == FAKE_OP_UPDATE)
			required_filled_str(&c, json_object_get(data, "id"), "/data/id");
		attrs = as_hash(json_object_get(data, "attributes"), empty);
		if (!attrs) {
			add_error(&c, "/data/attributes", "is missing");
		} else if (!json_is_object(attrs)) {
			add_error(&c, "/data/attributes", "must be a hash");
		} else {
			attrs_ok = true;
			for (size_t i = 0; i < ATTR_COUNT; i++) {
				const struct attr_def *d = &attr_defs[i];
				if (d->transport && !register_transport)
					continue;
				const json_t *v = json_object_get(attrs, d->key);
				if (!v) {
					if (op == FAKE_OP_CREATE && d->required_on_create) {
						char ptr[96];
						snprintf(ptr, sizeof(ptr), "/data/attributes/%s",
						         d->key);
						add_error(&c, ptr, "is missing");
						attr_err[i] = true;
					}
					continue;
				}
				if (!check_attr(&c, d, v, &attr_err[i]))
					goto crash;
			}
		}
	}
	bool schema_failed = json_array_size(c.errors) > 0;

	/* Rule phase. The update's id rule lives in the base schema, so it runs first. */
	if (op == FAKE_OP_UPDATE && data_ok && !schema_failed) {
		const char *id = json_string_value(json_object_get(data, "id"));
		if (!fake_present(id))
			add_error(&c, "/data/id", "is missing");
		else if (!resource_id || strcmp(id, resource_id) != 0)
			add_error(&c, "/data/id", "is invalid");
	}
	if (attrs_ok) {
		const char *mode = json_string_value(json_object_get(attrs, "authentication_mode"));
		if (op == FAKE_OP_CREATE && mode && strcmp(mode, "outbound_registration") == 0) {
			for (size_t i = 0; i < 3; i++) {
				if (json_object_get(attrs, outreg_required[i]))
					continue;
				char ptr[96];
				snprintf(ptr, sizeof(ptr), "/data/attributes/%s",
				         outreg_required[i]);
				add_error(&c, ptr, "is required for outbound_registration mode");
			}
		}
		for (size_t i = 0; i < ATTR_COUNT; i++) {
			const json_t *v = json_object_get(attrs, attr_defs[i].key);
			if (!v || attr_err[i])
				continue;
			if (strcmp(attr_defs[i].key, "region") == 0) {
				size_t n;
				const struct tc_region *regions = tc_default_regions(&n);
				if (!tc_region_find(regions, n, json_string_value(v)))
					add_error(&c, "/data/attributes/region", "is invalid");
			} else if (strcmp(attr_defs[i].key, "inbound_source_ips") == 0) {
				size_t k;
				json_t *ip;
				json_array_foreach(v, k, ip)
				{
					if (fake_ipv4_valid(json_string_value(ip)))
						continue;
					char title[1024];
					snprintf(title, sizeof(title),
					         "contains invalid IP address: %s",
					         json_string_value(ip));
					add_error(&c, "/data/attributes/inbound_source_ips", title);
					break;
				}
			}
		}
	}
	if (json_array_size(c.errors) > 0) {
		verdict = FAKE_INVALID;
		*errors = json_pack("{s:O}", "errors", c.errors);
	}
	json_decref(c.errors);
	json_decref(empty);
	return verdict;
crash:
	json_decref(c.errors);
	json_decref(empty);
	return FAKE_CRASH;
}

static bool str_in(const json_t *arr, const char *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) if (strcmp(json_string_value(e), s) == 0) return true;
	return false;
}

static json_t *dedupe(const json_t *arr)
{
	json_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		if (!str_in(out, json_string_value(e)))
			json_array_append(out, e);
	}
	return out;
}

/* The columns the output mappings copy when the key is sent (auth_user and register_transport
 * aside). */
static const char *const copied[] = {
    "name",
    "authentication_mode",
    "region",
    "max_channels",
    "inbound_country",
    "default_sender",
    "username",
    "password",
    "outbound_host",
    "outbound_proxy",
    "outbound_dial_string_prefix",
    "outbound_national_dialing",
    "outbound_plus_prefix",
    "outbound_route_prefixes",
};

enum fake_verdict fake_apply(struct fake_store *st, const json_t *body, enum fake_op op,
                             json_t *stored, const struct fake_trunk *self, json_t **ips_order)
{
	const json_t *attrs = json_object_get(json_object_get(body, "data"), "attributes");
	json_t *none = json_object();
	if (!json_is_object(attrs))
		attrs = none;
	*ips_order = NULL;

	const json_t *max = json_object_get(attrs, "max_channels");
	if (max && json_integer_value(max) >= 2147483648LL) {
		json_decref(none);
		return FAKE_CRASH; /* PG integer overflow */
	}

	for (size_t i = 0; i < sizeof(copied) / sizeof(*copied); i++) {
		const json_t *v = json_object_get(attrs, copied[i]);
		if (!v)
			continue;
		if (strcmp(copied[i], "default_sender") == 0) {
			char *cast = fake_phone_cast(json_string_value(v));
			json_object_set_new(stored, "default_sender",
			                    cast ? json_string(cast) : json_null());
			free(cast);
		} else {
			json_object_set(stored, copied[i], (json_t *)v);
		}
	}

	const json_t *ips = json_object_get(attrs, "inbound_source_ips");
	if (ips) {
		json_t *req = dedupe(ips);
		json_t *rows = json_array();
		const json_t *old = json_object_get(stored, "inbound_source_ips");
		size_t i;
		json_t *e;
		/* Kept rows stay where they were; new rows are inserted after them. */
		json_array_foreach(old, i, e) if (str_in(req, json_string_value(e)))
		    json_array_append(rows, e);
		json_array_foreach(req, i, e) if (!str_in(rows, json_string_value(e)))
		    json_array_append(rows, e);
		json_object_set_new(stored, "inbound_source_ips", rows);
		*ips_order = req;
	}

	const char *mode = json_string_value(json_object_get(stored, "authentication_mode"));
	const json_t *auth_user = json_object_get(attrs, "auth_user");
	if (op == FAKE_OP_CREATE) {
		if (mode && strcmp(mode, "outbound_registration") == 0) {
			const char *au = json_string_value(auth_user);
			json_object_set(stored, "auth_user",
			                fake_present(au) ? (json_t *)auth_user
			                                 : json_object_get(stored, "username"));
		}
	} else if (auth_user) {
		const char *au = json_string_value(auth_user);
		const json_t *sent_user = json_object_get(attrs, "username");
		if (fake_present(au))
			json_object_set(stored, "auth_user", (json_t *)auth_user);
		else if (fake_present(json_string_value(sent_user)))
			json_object_set(stored, "auth_user", (json_t *)sent_user);
		else
			json_object_set(stored, "auth_user", json_object_get(stored, "username"));
	}

	const json_t *transport = json_object_get(attrs, "register_transport");
	if (st->register_transport && transport &&
	    (op == FAKE_OP_UPDATE || (mode && strcmp(mode, "outbound_registration") == 0)))
		json_object_set(stored, "register_transport", (json_t *)transport);

	/* before_save: credentials by mode. */
	if (mode && strcmp(mode, "ip_address") == 0) {
		json_object_set_new(stored, "username", json_null());
		json_object_set_new(stored, "password", json_null());
	} else if (mode && strcmp(mode, "client_credentials") == 0 &&
	           !fake_present(json_string_value(json_object_get(stored, "username")))) {
		char user[64], pass[25];
		fake_store_generate_credentials(st, user, pass);
		json_object_set_new(stored, "username", json_string(user));
		json_object_set_new(stored, "password", json_string(pass));
	}
	json_decref(none);

	if (fake_store_username_taken(st, json_string_value(json_object_get(stored, "username")),
	                              self)) {
		json_decref(*ips_order);
		*ips_order = NULL;
		return FAKE_CRASH; /* index_sip_trunks_on_username is unique */
	}
	return FAKE_VALID;
}
