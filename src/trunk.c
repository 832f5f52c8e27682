#include "trunkctl/trunk.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Each kind's value type, as constants the rows below can use. */
enum {
#define TC_KIND(kind, type) KIND_TYPE_##kind = TC_T_##type,
	TC_FIELD_KINDS(TC_KIND)
#undef TC_KIND
};

/* The rows of include/trunkctl/fields.def, indexed by their enum tc_field_id. */
static const struct tc_field_info fields[TC_FIELD_COUNT] = {
#define TC_FIELD(id_, kind_, ...)                                                                  \
	[TC_F_##id_] = {.id = TC_F_##id_,                                                          \
	                .kind = TC_K_##kind_,                                                      \
	                .type = (enum tc_value_type)KIND_TYPE_##kind_,                             \
	                __VA_ARGS__},
#include "trunkctl/fields.def"
#undef TC_FIELD
};

static const char *const group_labels[TC_G_COUNT] = {
    [TC_G_META] = "Record",
    [TC_G_IDENTITY] = "Identity",
    [TC_G_INBOUND] = "Inbound",
    [TC_G_OUTBOUND] = "Outbound",
    [TC_G_REGISTRATION] = "Registration",
    [TC_G_CREDENTIALS] = "Credentials",
};

static const char *const mode_names[TC_MODE_COUNT] = {
    [TC_MODE_IP_ADDRESS] = "ip_address",
    [TC_MODE_CLIENT_CREDENTIALS] = "client_credentials",
    [TC_MODE_OUTBOUND_REGISTRATION] = "outbound_registration",
};

/* Short enough for the list's mode column at 80 columns; filters take them too. */
static const char *const mode_short_names[TC_MODE_COUNT] = {
    [TC_MODE_IP_ADDRESS] = "ip",
    [TC_MODE_CLIENT_CREDENTIALS] = "client",
    [TC_MODE_OUTBOUND_REGISTRATION] = "register",
};

const struct tc_field_info *tc_field(enum tc_field_id id)
{
	if ((int)id < 0 || id >= TC_FIELD_COUNT)
		return NULL;
	return &fields[id];
}

const struct tc_field_info *tc_field_by_key(const char *key)
{
	for (int i = 0; key && i < TC_FIELD_COUNT; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

const char *tc_field_group_label(enum tc_field_group group)
{
	if ((int)group < 0 || group >= TC_G_COUNT)
		return "";
	return group_labels[group];
}

void tc_field_keys(const bool which[TC_FIELD_COUNT], char *buf, size_t size)
{
	size_t used = 0;
	if (size)
		buf[0] = '\0';
	for (int f = 0; f < TC_FIELD_COUNT && used < size; f++)
		if (which[f])
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
			                         tc_field(f)->key);
}

const char *tc_mode_name(enum tc_mode mode)
{
	if ((int)mode < 0 || mode >= TC_MODE_COUNT)
		return NULL;
	return mode_names[mode];
}

const char *tc_mode_short_name(enum tc_mode mode)
{
	if ((int)mode < 0 || mode >= TC_MODE_COUNT)
		return NULL;
	return mode_short_names[mode];
}

enum tc_mode tc_mode_parse(const char *name)
{
	for (int m = 0; name && m < TC_MODE_COUNT; m++)
		if (strcmp(mode_names[m], name) == 0)
			return (enum tc_mode)m;
	return TC_MODE_UNKNOWN;
}

bool tc_field_shown_in_mode(enum tc_field_id id, enum tc_mode mode)
{
	const struct tc_field_info *fi = tc_field(id);
	if (!fi)
		return false;
	if (mode == TC_MODE_UNKNOWN)
		return !(fi->flags & TC_FF_MODE_SCOPED) && fi->modes == TC_MODES_ALL;
	return (fi->modes & TC_MODE_BIT(mode)) != 0;
}

/* ---- values ---- */

static void list_free(struct tc_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

static enum tc_status list_copy(struct tc_list *dst, const char *const *items, size_t count)
{
	dst->items = NULL;
	dst->count = 0;
	if (!count)
		return TC_OK;
	dst->items = calloc(count, sizeof(char *));
	if (!dst->items)
		return TC_NOMEM;
	for (size_t i = 0; i < count; i++) {
		dst->items[i] = strdup(items[i] ? items[i] : "");
		if (!dst->items[i]) {
			dst->count = i;
			list_free(dst);
			return TC_NOMEM;
		}
	}
	dst->count = count;
	return TC_OK;
}

void tc_value_clear(struct tc_value *v)
{
	if (!v)
		return;
	free(v->s);
	list_free(&v->list);
	memset(v, 0, sizeof(*v));
}

enum tc_status tc_value_copy(struct tc_value *dst, const struct tc_value *src,
                             enum tc_value_type type)
{
	struct tc_value tmp = {.state = src->state};
	if (src->state == TC_V_SET) {
		switch (type) {
		case TC_T_STRING:
			tmp.s = strdup(src->s ? src->s : "");
			if (!tmp.s)
				return TC_NOMEM;
			break;
		case TC_T_INT:
			tmp.i = src->i;
			break;
		case TC_T_BOOL:
			tmp.b = src->b;
			break;
		case TC_T_LIST:
			if (list_copy(&tmp.list, (const char *const *)src->list.items,
			              src->list.count) != TC_OK)
				return TC_NOMEM;
			break;
		}
	}
	tc_value_clear(dst);
	*dst = tmp;
	return TC_OK;
}

bool tc_value_equal(const struct tc_value *a, const struct tc_value *b, enum tc_value_type type)
{
	if (a->state != b->state)
		return false;
	if (a->state != TC_V_SET)
		return true;
	switch (type) {
	case TC_T_STRING:
		return strcmp(a->s ? a->s : "", b->s ? b->s : "") == 0;
	case TC_T_INT:
		return a->i == b->i;
	case TC_T_BOOL:
		return a->b == b->b;
	case TC_T_LIST:
		if (a->list.count != b->list.count)
			return false;
		for (size_t i = 0; i < a->list.count; i++)
			if (strcmp(a->list.items[i], b->list.items[i]) != 0)
				return false;
		return true;
	}
	return false;
}

static bool value_is_empty(const struct tc_value *v, enum tc_value_type type)
{
	if (v->state != TC_V_SET)
		return true;
	if (type == TC_T_STRING)
		return !v->s || !*v->s;
	if (type == TC_T_LIST)
		return v->list.count == 0;
	return false;
}

bool tc_value_same_meaning(const struct tc_value *a, const struct tc_value *b,
                           enum tc_value_type type)
{
	bool ea = value_is_empty(a, type), eb = value_is_empty(b, type);
	if (ea || eb)
		return ea && eb;
	return tc_value_equal(a, b, type);
}

struct tc_trunk *tc_trunk_new(void)
{
	return calloc(1, sizeof(struct tc_trunk));
}

void tc_trunk_destroy(struct tc_trunk *trunk)
{
	if (!trunk)
		return;
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		tc_value_clear(&trunk->values[f]);
	free(trunk->id);
	free(trunk->extra_json);
	free(trunk->document);
	free(trunk);
}

struct tc_trunk *tc_trunk_dup(const struct tc_trunk *trunk)
{
	if (!trunk)
		return NULL;
	struct tc_trunk *copy = tc_trunk_new();
	if (!copy)
		return NULL;
	if ((trunk->id && !(copy->id = strdup(trunk->id))) ||
	    (trunk->extra_json && !(copy->extra_json = strdup(trunk->extra_json))) ||
	    (trunk->document && !(copy->document = strdup(trunk->document))))
		goto fail;
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if (tc_value_copy(&copy->values[f], &trunk->values[f], fields[f].type) != TC_OK)
			goto fail;
	return copy;
fail:
	tc_trunk_destroy(copy);
	return NULL;
}

enum tc_status tc_trunk_set_id(struct tc_trunk *t, const char *id)
{
	char *copy = NULL;
	if (id && !(copy = strdup(id)))
		return TC_NOMEM;
	free(t->id);
	t->id = copy;
	return TC_OK;
}

static struct tc_value *slot(struct tc_trunk *t, enum tc_field_id f, enum tc_value_type type)
{
	if ((int)f < 0 || f >= TC_FIELD_COUNT || fields[f].type != type)
		return NULL;
	return &t->values[f];
}

enum tc_status tc_trunk_set_string(struct tc_trunk *t, enum tc_field_id f, const char *s)
{
	struct tc_value *v = slot(t, f, TC_T_STRING);
	if (!v)
		return TC_INVALID;
	if (!s)
		return tc_trunk_set_null(t, f);
	char *copy = strdup(s);
	if (!copy)
		return TC_NOMEM;
	tc_value_clear(v);
	v->state = TC_V_SET;
	v->s = copy;
	return TC_OK;
}

enum tc_status tc_trunk_set_int(struct tc_trunk *t, enum tc_field_id f, long long i)
{
	struct tc_value *v = slot(t, f, TC_T_INT);
	if (!v)
		return TC_INVALID;
	tc_value_clear(v);
	v->state = TC_V_SET;
	v->i = i;
	return TC_OK;
}

enum tc_status tc_trunk_set_bool(struct tc_trunk *t, enum tc_field_id f, bool b)
{
	struct tc_value *v = slot(t, f, TC_T_BOOL);
	if (!v)
		return TC_INVALID;
	tc_value_clear(v);
	v->state = TC_V_SET;
	v->b = b;
	return TC_OK;
}

enum tc_status tc_trunk_set_list(struct tc_trunk *t, enum tc_field_id f, const char *const *items,
                                 size_t count)
{
	struct tc_value *v = slot(t, f, TC_T_LIST);
	if (!v)
		return TC_INVALID;
	struct tc_list l;
	if (list_copy(&l, items, count) != TC_OK)
		return TC_NOMEM;
	tc_value_clear(v);
	v->state = TC_V_SET;
	v->list = l;
	return TC_OK;
}

enum tc_status tc_trunk_set_null(struct tc_trunk *t, enum tc_field_id f)
{
	if ((int)f < 0 || f >= TC_FIELD_COUNT)
		return TC_INVALID;
	tc_value_clear(&t->values[f]);
	t->values[f].state = TC_V_NULL;
	return TC_OK;
}

enum tc_status tc_trunk_set_value(struct tc_trunk *t, enum tc_field_id f, const struct tc_value *v)
{
	if ((int)f < 0 || f >= TC_FIELD_COUNT)
		return TC_INVALID;
	return tc_value_copy(&t->values[f], v, fields[f].type);
}

void tc_trunk_unset(struct tc_trunk *t, enum tc_field_id f)
{
	if ((int)f >= 0 && f < TC_FIELD_COUNT)
		tc_value_clear(&t->values[f]);
}

const char *tc_trunk_string(const struct tc_trunk *t, enum tc_field_id f)
{
	if (!t || (int)f < 0 || f >= TC_FIELD_COUNT || fields[f].type != TC_T_STRING ||
	    t->values[f].state != TC_V_SET)
		return NULL;
	return t->values[f].s;
}

bool tc_trunk_has(const struct tc_trunk *t, enum tc_field_id f)
{
	return t && (int)f >= 0 && f < TC_FIELD_COUNT && t->values[f].state == TC_V_SET;
}

enum tc_mode tc_trunk_mode(const struct tc_trunk *t)
{
	return tc_mode_parse(tc_trunk_string(t, TC_F_AUTHENTICATION_MODE));
}

size_t tc_trunk_diff(const struct tc_trunk *a, const struct tc_trunk *b,
                     bool differs[TC_FIELD_COUNT])
{
	size_t n = 0;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		bool d = !tc_value_equal(&a->values[f], &b->values[f], fields[f].type);
		if (differs)
			differs[f] = d;
		n += d;
	}
	return n;
}

/* ---- text form ---- */

static char *pointer_for(enum tc_field_id f)
{
	static const char prefix[] = "/data/attributes/";
	size_t n = sizeof(prefix) + strlen(fields[f].key);
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s", prefix, fields[f].key);
	return p;
}

static enum tc_status text_error(struct tc_error *err, enum tc_field_id f, const char *title)
{
	if (err) {
		char *ptr = pointer_for(f);
		if (!ptr || tc_field_errors_add(&err->fields, f, -1, TC_SEV_ERROR, ptr, title,
		                                NULL) != TC_OK) {
			free(ptr);
			return tc_error_set(err, TC_NOMEM, NULL);
		}
		free(ptr);
		tc_error_set(err, TC_INVALID, "%s %s", fields[f].key, title);
	}
	return TC_INVALID;
}

static char *trimmed_copy(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	char *out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	return out;
}

static enum tc_status parse_list(const char *text, struct tc_list *out)
{
	memset(out, 0, sizeof(*out));
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return TC_OK;
	size_t cap = 1;
	for (const char *q = text; *q; q++)
		cap += *q == ',';
	out->items = calloc(cap, sizeof(char *));
	if (!out->items)
		return TC_NOMEM;
	const char *start = text;
	for (;;) {
		const char *comma = strchr(start, ',');
		size_t len = comma ? (size_t)(comma - start) : strlen(start);
		char *item = trimmed_copy(start, len);
		if (!item) {
			list_free(out);
			return TC_NOMEM;
		}
		out->items[out->count++] = item;
		if (!comma)
			break;
		start = comma + 1;
	}
	return TC_OK;
}

static bool parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

enum tc_status tc_value_from_text(enum tc_field_id f, const char *text, struct tc_value *out,
                                  struct tc_error *err)
{
	const struct tc_field_info *fi = tc_field(f);
	if (!fi || !out)
		return TC_INVALID;
	if (!text)
		text = "";
	struct tc_value v = {0};
	char *trimmed = trimmed_copy(text, strlen(text));
	if (!trimmed)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc = TC_OK;
	switch (fi->type) {
	case TC_T_STRING:
		if (!*trimmed && (fi->flags & TC_FF_NULLABLE)) {
			v.state = TC_V_NULL;
		} else {
			/* Strings are kept as typed: the server stores them verbatim. */
			v.state = TC_V_SET;
			v.s = strdup(text);
			if (!v.s)
				rc = tc_error_set(err, TC_NOMEM, NULL);
		}
		break;
	case TC_T_INT:
		if (!*trimmed) {
			v.state = TC_V_NULL;
		} else {
			char *end = NULL;
			errno = 0;
			long long i = strtoll(trimmed, &end, 10);
			if (end == trimmed || *end) {
				rc = text_error(err, f, "must be an integer");
			} else {
				/* Out of range still carries its sign, so the range rules fire. */
				v.state = TC_V_SET;
				v.i = errno == ERANGE ? (i < 0 ? LLONG_MIN : LLONG_MAX) : i;
			}
		}
		break;
	case TC_T_BOOL:
		if (!parse_bool(trimmed, &v.b))
			rc = text_error(err, f, !*trimmed ? "must be filled" : "must be boolean");
		else
			v.state = TC_V_SET;
		break;
	case TC_T_LIST:
		v.state = TC_V_SET;
		if (parse_list(trimmed, &v.list) != TC_OK)
			rc = tc_error_set(err, TC_NOMEM, NULL);
		break;
	}
	free(trimmed);
	if (rc != TC_OK) {
		tc_value_clear(&v);
		return rc;
	}
	tc_value_clear(out);
	*out = v;
	return TC_OK;
}

enum tc_status tc_trunk_assign(struct tc_trunk *t, const char *assignment, struct tc_error *err)
{
	if (!t || !assignment)
		return tc_error_set(err, TC_USAGE, "--set takes KEY=VALUE");
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment)
		return tc_error_set(err, TC_USAGE, "--set takes KEY=VALUE, not \"%s\"", assignment);
	char *key = strndup(assignment, (size_t)(eq - assignment));
	if (!key)
		return tc_error_set(err, TC_NOMEM, NULL);
	const struct tc_field_info *fi = tc_field_by_key(key);
	enum tc_status rc = TC_OK;
	if (!fi)
		rc = tc_error_set(err, TC_USAGE,
		                  "unknown attribute \"%s\" (see 'trunkctl create --help')", key);
	else if (fi->flags & TC_FF_READONLY)
		rc = tc_error_set(err, TC_USAGE, "%s is set by the server", key);
	free(key);
	if (rc != TC_OK)
		return rc;
	const char *value = eq + 1;
	if (fi->type == TC_T_LIST && strcmp(value, "[]") == 0)
		value = "";
	return tc_value_from_text(fi->id, value, &t->values[fi->id], err);
}

char *tc_value_to_text(enum tc_field_id f, const struct tc_value *v, bool reveal)
{
	const struct tc_field_info *fi = tc_field(f);
	if (!fi || !v || v->state != TC_V_SET)
		return strdup("");
	char buf[32];
	switch (fi->type) {
	case TC_T_STRING:
		if ((fi->flags & TC_FF_SECRET) && !reveal && v->s && *v->s)
			return strdup(TC_SECRET_MASK);
		return strdup(v->s ? v->s : "");
	case TC_T_INT:
		snprintf(buf, sizeof(buf), "%lld", v->i);
		return strdup(buf);
	case TC_T_BOOL:
		return strdup(v->b ? "true" : "false");
	case TC_T_LIST: {
		size_t len = 1;
		for (size_t i = 0; i < v->list.count; i++)
			len += strlen(v->list.items[i]) + 1;
		char *out = malloc(len);
		if (!out)
			return NULL;
		out[0] = '\0';
		char *p = out;
		for (size_t i = 0; i < v->list.count; i++) {
			size_t n = strlen(v->list.items[i]);
			if (i)
				*p++ = ',';
			memcpy(p, v->list.items[i], n);
			p += n;
			*p = '\0';
		}
		return out;
	}
	}
	return strdup("");
}
