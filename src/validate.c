#include "trunkctl/validate.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunk_json.h"
#include "trunkctl/countries.h"

#define ATTRS "/data/attributes"

/* The server stores max_channels in a PostgreSQL integer and fails (500) above it. */
#define SERVER_INT_MAX 2147483647LL

/* Lists up to this size are checked and sorted in place, without allocating. */
#define SMALL_LIST 32

static const char hint_country[] = "two-letter ISO 3166 code in capitals, e.g. US";
static const char hint_region[] =
    "use the region's alias exactly (case matters), not its identifier or name";
static const char hint_ip[] =
    "IPv4 dotted quad such as 203.0.113.1: no leading zeros, no CIDR, no IPv6";
static const char hint_positive[] = "a whole number above 0; leave max_channels out for no limit";
static const char hint_channels_null[] =
    "the server refuses null: leave max_channels out for no limit (once set, the API cannot "
    "clear it)";
static const char hint_outreg[] =
    "outbound_registration needs a username, a password and an outbound host";
static const char hint_int_range[] =
    TC_CLIENT_CHECK "the server fails (500) on numbers that do not fit its 32-bit column";
static const char hint_list_null[] =
    TC_CLIENT_CHECK "the server fails (500) on null; send an empty list instead";
static const char hint_duplicate[] =
    TC_CLIENT_CHECK "the server keeps one copy of each address and drops the rest";
static const char hint_host[] =
    TC_CLIENT_CHECK "e.g. sip.example.com, 203.0.113.5:5060 or "
                    "[2001:db8::1]:5060; the server stores any text unchanged";
static const char hint_advisory[] =
    TC_CLIENT_CHECK "the API documentation sets this limit; the server does not enforce it";
static const char hint_password[] =
    TC_CLIENT_CHECK "client_credentials keeps the username you give and stores no password; "
                    "set both, or leave both empty to have them generated";
static const char hint_sender[] =
    TC_CLIENT_CHECK "the server keeps only the digits of a sender "
                    "(sip: addresses excepted), so it would store none";

void tc_validate_ctx_init(struct tc_validate_ctx *ctx, enum tc_validate_kind kind,
                          const struct tc_region *regions, size_t region_count)
{
	ctx->kind = kind;
	if (!regions || !region_count)
		regions = tc_default_regions(&region_count);
	ctx->regions = regions;
	ctx->region_count = region_count;
}

/* ---- syntax ---- */

/*
 * One octet of Resolv::IPv4::Regex256:
 * 0|1(?:[0-9][0-9]?)?|2(?:[0-4][0-9]?|5[0-5]?|[6-9])?|[3-9][0-9]?
 * which is 0..255 in decimal without a leading zero. Returns the digits used.
 */
static size_t octet(const char *s)
{
	size_t n = 0;
	unsigned v = 0;
	while (n < 3 && s[n] >= '0' && s[n] <= '9') {
		v = v * 10 + (unsigned)(s[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0') || v > 255)
		return 0;
	/* A fourth digit means the octet is longer than the regex allows. */
	if (s[n] >= '0' && s[n] <= '9')
		return 0;
	return n;
}

bool tc_validate_ipv4(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 4; i++) {
		size_t n = octet(s);
		if (!n)
			return false;
		s += n;
		if (i < 3 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Underscores are accepted because internal DNS names often carry them and
 * SIP servers resolve them fine; a warning there would only be noise.
 */
static bool dns_name(const char *s, size_t len)
{
	if (len && s[len - 1] == '.')
		len--;
	if (!len || len > 253)
		return false;
	bool all_numeric = true;
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-' && c != '_')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (c < '0' || c > '9')
			all_numeric = false;
		label++;
	}
	if (all_numeric) {
		char quad[16];
		if (len >= sizeof(quad))
			return false;
		memcpy(quad, s, len);
		quad[len] = '\0';
		return tc_validate_ipv4(quad);
	}
	return true;
}

static bool port(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 5)
		return false;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

bool tc_validate_host_port(const char *s)
{
	if (!s || !*s)
		return false;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		char addr[INET6_ADDRSTRLEN + 1];
		size_t len = close ? (size_t)(close - s - 1) : 0;
		if (!close || !len || len >= sizeof(addr))
			return false;
		memcpy(addr, s + 1, len);
		addr[len] = '\0';
		unsigned char bin[16];
		if (inet_pton(AF_INET6, addr, bin) != 1)
			return false;
		if (close[1] == '\0')
			return true;
		return close[1] == ':' && port(close + 2);
	}
	const char *colon = strchr(s, ':');
	if (!colon)
		return dns_name(s, strlen(s));
	return dns_name(s, (size_t)(colon - s)) && port(colon + 1);
}

/* Appends what fits of s[0..n) and keeps buf terminated; false when s was cut. */
static bool append(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	size_t room = size - 1 - *len;
	size_t take = n < room ? n : room;
	memcpy(buf + *len, s, take);
	*len += take;
	buf[*len] = '\0';
	return take == n;
}

/* "must be one of: a, b, c", one item at a time. */
static bool append_choice(char *buf, size_t size, size_t *len, size_t i, const char *item)
{
	static const char prefix[] = "must be one of: ";
	return (i ? append(buf, size, len, ", ", 2)
	          : append(buf, size, len, prefix, sizeof(prefix) - 1)) &&
	       append(buf, size, len, item, strlen(item));
}

size_t tc_validate_country_title(char *buf, size_t size)
{
	size_t len = 0;
	if (!size)
		return 0;
	buf[0] = '\0';
	const char *code;
	for (size_t i = 0; (code = tc_country_code(i)) != NULL; i++)
		if (!append_choice(buf, size, &len, i, code))
			break;
	return len;
}

static void mode_title(char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int m = 0; m < TC_MODE_COUNT; m++)
		if (!append_choice(buf, size, &len, (size_t)m, tc_mode_name((enum tc_mode)m)))
			break;
}

/* ---- checks ---- */

struct check {
	const struct tc_validate_ctx *ctx;
	const struct tc_trunk *record;
	const struct tc_field_info *fi;
	const struct tc_value *v;
	struct tc_field_errors *out;
	enum tc_status rc;
	bool schema_error;
};

static void add(struct check *c, int index, enum tc_severity sev, bool rule, const char *title,
                const char *hint)
{
	if (c->rc == TC_NOMEM)
		return;
	char *ptr = tc_pointer(ATTRS, c->fi->key, index);
	enum tc_status rc = TC_NOMEM;
	if (ptr)
		rc = (rule ? tc_field_errors_add_rule
		           : tc_field_errors_add)(c->out, c->fi->id, index, sev, ptr, title, hint);
	free(ptr);
	if (rc != TC_OK)
		c->rc = TC_NOMEM;
	else if (sev == TC_SEV_ERROR && c->rc == TC_OK)
		c->rc = TC_INVALID;
}

static void schema_error(struct check *c, const char *title, const char *hint)
{
	add(c, -1, TC_SEV_ERROR, false, title, hint);
	c->schema_error = true;
}

static const char *str(const struct tc_value *v)
{
	return v->s ? v->s : "";
}

/* Presence, null and filled: the part of the schema every attribute shares. */
static void check_presence(struct check *c)
{
	const struct tc_field_info *fi = c->fi;
	if (c->v->state == TC_V_ABSENT) {
		if ((fi->flags & TC_FF_REQUIRED) && c->ctx->kind == TC_VALIDATE_CREATE)
			schema_error(c, "is missing", NULL);
		return;
	}
	if (c->v->state == TC_V_NULL) {
		if (fi->type == TC_T_LIST)
			schema_error(c, "must be a list, not null", hint_list_null);
		else if (!(fi->flags & TC_FF_NULLABLE))
			schema_error(c, "must be filled",
			             fi->kind == TC_K_POSITIVE_INT ? hint_channels_null : NULL);
		return;
	}
	if (fi->type == TC_T_STRING && !(fi->flags & TC_FF_NULLABLE) && !*str(c->v))
		schema_error(c, "must be filled", NULL);
}

static bool has_digit(const char *s)
{
	for (; *s; s++)
		if (*s >= '0' && *s <= '9')
			return true;
	return false;
}

/* Ruby's String#length: characters, not bytes. */
static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int compare_slot(const void *a, const void *b)
{
	char *const *x = *(char *const *const *)a, *const *y = *(char *const *const *)b;
	int d = strcmp(*x, *y);
	/* Slots point into one array, so equal addresses keep their list order. */
	return d ? d : (x < y ? -1 : x > y);
}

/* A title that quotes a list item verbatim, however long, as the server's does. */
static void add_quoting(struct check *c, int index, enum tc_severity sev, const char *prefix,
                        const char *item, const char *hint)
{
	size_t n = strlen(prefix) + strlen(item) + 1;
	char *title = malloc(n);
	if (!title) {
		c->rc = TC_NOMEM;
		return;
	}
	snprintf(title, n, "%s%s", prefix, item);
	add(c, index, sev, true, title, hint);
	free(title);
}

static void add_duplicate(struct check *c, size_t index, const char *ip)
{
	add_quoting(c, (int)index, TC_SEV_WARNING, "duplicate IP address: ", ip, hint_duplicate);
}

/* Warns on every repeat of an earlier address, at the repeat's index. */
static void check_duplicates(struct check *c)
{
	const struct tc_list *l = &c->v->list;
	if (l->count <= SMALL_LIST) {
		for (size_t i = 1; i < l->count; i++)
			for (size_t j = 0; j < i; j++)
				if (strcmp(l->items[i], l->items[j]) == 0) {
					add_duplicate(c, i, l->items[i]);
					break;
				}
		return;
	}
	char ***slots = malloc(l->count * sizeof(*slots));
	bool *dup = calloc(l->count, sizeof(*dup));
	if (!slots || !dup) {
		free(slots);
		free(dup);
		c->rc = TC_NOMEM;
		return;
	}
	for (size_t i = 0; i < l->count; i++)
		slots[i] = &l->items[i];
	qsort(slots, l->count, sizeof(*slots), compare_slot);
	for (size_t i = 1; i < l->count; i++)
		if (strcmp(*slots[i], *slots[i - 1]) == 0)
			dup[slots[i] - l->items] = true;
	free(slots);
	for (size_t i = 0; i < l->count; i++)
		if (dup[i])
			add_duplicate(c, i, l->items[i]);
	free(dup);
}

static void check_value(struct check *c)
{
	const struct tc_value *v = c->v;
	char title[TC_VALIDATE_COUNTRY_TITLE_SIZE];
	switch (c->fi->kind) {
	case TC_K_MODE:
		if (tc_mode_parse(str(v)) == TC_MODE_UNKNOWN) {
			mode_title(title, sizeof(title));
			schema_error(c, title, NULL);
		}
		break;
	case TC_K_POSITIVE_INT:
		if (v->i <= 0)
			schema_error(c, "must be greater than 0", hint_positive);
		else if (v->i > SERVER_INT_MAX)
			schema_error(c, "is too large for the server (at most 2147483647)",
			             hint_int_range);
		break;
	case TC_K_COUNTRY:
		if (!tc_country_is_valid(str(v))) {
			tc_validate_country_title(title, sizeof(title));
			schema_error(c, title, hint_country);
		}
		break;
	default:
		break;
	}
}

static void check_rules(struct check *c)
{
	const struct tc_field_info *fi = c->fi;
	const struct tc_value *v = c->v;

	if ((fi->flags & TC_FF_REQUIRED_OUTREG) && c->ctx->kind == TC_VALIDATE_CREATE &&
	    v->state == TC_V_ABSENT && tc_trunk_mode(c->record) == TC_MODE_OUTBOUND_REGISTRATION)
		add(c, -1, TC_SEV_ERROR, true, "is required for outbound_registration mode",
		    hint_outreg);
	if (v->state != TC_V_SET)
		return;
	if (fi->kind == TC_K_REGION &&
	    !tc_region_find(c->ctx->regions, c->ctx->region_count, str(v)))
		add(c, -1, TC_SEV_ERROR, true, "is invalid", hint_region);
	if (fi->kind != TC_K_IPV4_SET)
		return;
	for (size_t i = 0; i < v->list.count; i++) {
		if (tc_validate_ipv4(v->list.items[i]))
			continue;
		add_quoting(c, -1, TC_SEV_ERROR, "contains invalid IP address: ", v->list.items[i],
		            hint_ip);
		break;
	}
}

/* Where the server would store something other than what the operator meant. */
static void check_advice(struct check *c)
{
	const struct tc_field_info *fi = c->fi;
	const struct tc_value *v = c->v;
	char title[64];

	if (fi->id == TC_F_PASSWORD && v->state == TC_V_ABSENT &&
	    c->ctx->kind == TC_VALIDATE_CREATE &&
	    tc_trunk_mode(c->record) == TC_MODE_CLIENT_CREDENTIALS) {
		const char *user = tc_trunk_string(c->record, TC_F_USERNAME);
		if (user && *user)
			add(c, -1, TC_SEV_WARNING, false, "is empty although a username is set",
			    hint_password);
	}
	if (v->state != TC_V_SET)
		return;
	if (fi->kind == TC_K_IPV4_SET)
		check_duplicates(c);
	if (fi->type != TC_T_STRING || !*str(v))
		return;
	if (fi->kind == TC_K_HOST && !tc_validate_host_port(str(v)))
		add(c, -1, TC_SEV_WARNING, false, "is not a host or host:port", hint_host);
	if (fi->advisory_max && utf8_length(str(v)) > fi->advisory_max) {
		snprintf(title, sizeof(title), "is longer than %zu characters", fi->advisory_max);
		add(c, -1, TC_SEV_WARNING, false, title, hint_advisory);
	}
	if (fi->kind == TC_K_SENDER && strncmp(str(v), "sip:", 4) != 0 && !has_digit(str(v)))
		add(c, -1, TC_SEV_WARNING, false, "has no digits", hint_sender);
}

static enum tc_status validate_into(const struct tc_validate_ctx *ctx, enum tc_field_id field,
                                    const struct tc_trunk *record, struct tc_field_errors *out)
{
	struct check c = {
	    .ctx = ctx,
	    .record = record,
	    .fi = tc_field(field),
	    .v = &record->values[field],
	    .out = out,
	    .rc = TC_OK,
	};
	if (c.fi->flags & TC_FF_READONLY)
		return TC_OK;
	check_presence(&c);
	if (!c.schema_error && c.v->state == TC_V_SET)
		check_value(&c);
	if (!c.schema_error) {
		check_rules(&c);
		check_advice(&c);
	}
	return c.rc;
}

static bool bad_args(const struct tc_validate_ctx *ctx, const struct tc_trunk *record,
                     struct tc_field_errors *errs)
{
	return !ctx || !record || !errs || (!ctx->regions && ctx->region_count);
}

/* Validates into a private list, orders it, then appends it to errs. */
static enum tc_status finish(struct tc_field_errors *local, enum tc_status rc,
                             struct tc_field_errors *errs)
{
	if (rc != TC_NOMEM && tc_validate_sort(local) != TC_OK)
		rc = TC_NOMEM;
	if (tc_field_errors_move(errs, local) != TC_OK)
		rc = TC_NOMEM;
	tc_field_errors_finish(local);
	return rc;
}

enum tc_status tc_validate_field(const struct tc_validate_ctx *ctx, enum tc_field_id field,
                                 const struct tc_trunk *record, struct tc_field_errors *errs)
{
	if (bad_args(ctx, record, errs) || !tc_field(field))
		return TC_USAGE;
	struct tc_field_errors local = {0};
	return finish(&local, validate_into(ctx, field, record, &local), errs);
}

enum tc_status tc_validate_record(const struct tc_validate_ctx *ctx, const struct tc_trunk *record,
                                  struct tc_field_errors *errs)
{
	if (bad_args(ctx, record, errs))
		return TC_USAGE;
	struct tc_field_errors local = {0};
	enum tc_status worst = TC_OK;
	for (int f = 0; f < TC_FIELD_COUNT && worst != TC_NOMEM; f++) {
		enum tc_status rc = validate_into(ctx, (enum tc_field_id)f, record, &local);
		if (rc != TC_OK)
			worst = rc;
	}
	return finish(&local, worst, errs);
}

bool tc_validate_depends_on(enum tc_field_id field, enum tc_field_id other)
{
	const struct tc_field_info *fi = tc_field(field);
	if (!fi || !tc_field(other) || field == other)
		return false;
	if (other == TC_F_AUTHENTICATION_MODE)
		return (fi->flags & TC_FF_REQUIRED_OUTREG) || field == TC_F_PASSWORD;
	return field == TC_F_PASSWORD && other == TC_F_USERNAME;
}

/* ---- order ---- */

struct sort_key {
	int severity, rule, position, index;
	size_t seq;
	struct tc_field_error item;
};

/*
 * Document members in the order of the request schemas
 * (tests/fake-carrier/SERVER-BEHAVIOUR.md §3.4).
 */
static int document_position(const char *pointer)
{
	static const char *const members[] = {"/data", "/data/type", "/data/id", ATTRS};
	for (int i = 0; i < (int)(sizeof(members) / sizeof(*members)); i++)
		if (strcmp(pointer, members[i]) == 0)
			return i;
	return -1;
}

static struct sort_key key_of(const struct tc_field_error *e, size_t seq)
{
	/* Attributes sit after the four document members; unknown pointers go last. */
	enum { ATTR_BASE = 10, UNKNOWN = ATTR_BASE + TC_FIELD_COUNT };
	struct sort_key k = {
	    .severity = e->severity == TC_SEV_ERROR ? 0 : 1,
	    .rule = e->rule ? 1 : 0,
	    .position = UNKNOWN,
	    .index = e->index,
	    .seq = seq,
	    .item = *e,
	};
	const struct tc_field_info *fi = tc_field((enum tc_field_id)e->field);
	if (fi) {
		int order = e->rule ? fi->rule_order : fi->schema_order;
		if (order >= 0)
			k.position = ATTR_BASE + order;
	} else {
		int doc = document_position(e->pointer ? e->pointer : "");
		if (doc >= 0)
			k.position = doc;
	}
	return k;
}

/* seq makes the order total, so qsort's instability cannot show. */
static int compare_keys(const void *pa, const void *pb)
{
	const struct sort_key *a = pa, *b = pb;
	if (a->severity != b->severity)
		return a->severity - b->severity;
	if (a->rule != b->rule)
		return a->rule - b->rule;
	if (a->position != b->position)
		return a->position < b->position ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

enum tc_status tc_validate_sort(struct tc_field_errors *errs)
{
	if (!errs || errs->count < 2)
		return TC_OK;
	size_t n = errs->count;
	struct sort_key small[SMALL_LIST];
	struct sort_key *keys = n <= SMALL_LIST ? small : malloc(n * sizeof(*keys));
	if (!keys)
		return TC_NOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = key_of(&errs->items[i], i);
	qsort(keys, n, sizeof(*keys), compare_keys);
	for (size_t i = 0; i < n; i++)
		errs->items[i] = keys[i].item;
	if (keys != small)
		free(keys);
	return TC_OK;
}

bool tc_validate_is_client_check(const struct tc_field_error *e)
{
	return e && e->hint && strncmp(e->hint, TC_CLIENT_CHECK, strlen(TC_CLIENT_CHECK)) == 0;
}
