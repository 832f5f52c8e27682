#include "trunk_json.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/validate.h"
#include "util.h"

char *tc_pointer(const char *prefix, const char *key, int index)
{
	char idx[24] = "";
	if (index >= 0)
		snprintf(idx, sizeof(idx), "/%d", index);
	size_t n = strlen(prefix) + 1 + strlen(key) + strlen(idx) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s%s", prefix, key, idx);
	return p;
}

json_t *tc_value_to_json(enum tc_field_id f, const struct tc_value *v, unsigned flags)
{
	const struct tc_field_info *fi = tc_field(f);
	if (!fi)
		return NULL;
	if (v->state == TC_V_NULL || v->state == TC_V_ABSENT)
		return json_null();
	switch (fi->type) {
	case TC_T_STRING:
		if ((fi->flags & TC_FF_SECRET) && !(flags & TC_JSON_REVEAL) && v->s && *v->s)
			return json_string(TC_SECRET_MASK);
		return json_string(v->s ? v->s : "");
	case TC_T_INT:
		return json_integer(v->i);
	case TC_T_BOOL:
		return json_boolean(v->b);
	case TC_T_LIST: {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < v->list.count; i++)
			if (json_array_append_new(arr, json_string(v->list.items[i])) != 0) {
				json_decref(arr);
				return NULL;
			}
		return arr;
	}
	}
	return NULL;
}

enum tc_status tc_trunk_extra_merge(json_t *obj, const char *extra_json)
{
	if (!extra_json)
		return TC_OK;
	json_t *extra = json_loads(extra_json, 0, NULL);
	enum tc_status rc = TC_OK;
	if (json_is_object(extra)) {
		const char *key;
		json_t *val;
		json_object_foreach(extra, key, val)
		{
			/* a table key belongs to the table, even when the caller left it out */
			if (tc_field_by_key(key) || json_object_get(obj, key))
				continue;
			if (json_object_set(obj, key, val) != 0) {
				rc = TC_NOMEM;
				break;
			}
		}
	}
	json_decref(extra);
	return rc;
}

json_t *tc_trunk_attrs_to_json(const struct tc_trunk *t, unsigned flags)
{
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	if ((flags & TC_JSON_WITH_ID) &&
	    json_object_set_new(obj, "id", t->id ? json_string(t->id) : json_null()) != 0)
		goto fail;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		const struct tc_value *v = &t->values[f];
		if (v->state == TC_V_ABSENT && !(flags & TC_JSON_WITH_ABSENT))
			continue;
		json_t *jv = tc_value_to_json(fi->id, v, flags);
		if (!jv || json_object_set_new(obj, fi->key, jv) != 0)
			goto fail;
	}
	if ((flags & TC_JSON_WITH_EXTRA) && tc_trunk_extra_merge(obj, t->extra_json) != TC_OK)
		goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static enum tc_status add_error(struct tc_field_errors *errs, int field, const char *prefix,
                                const char *key, int index, const char *title, const char *hint)
{
	char *ptr = tc_pointer(prefix, key, index);
	if (!ptr)
		return TC_NOMEM;
	enum tc_status rc = tc_field_errors_add(errs, field, index, TC_SEV_ERROR, ptr, title, hint);
	free(ptr);
	return rc == TC_OK ? TC_INVALID : rc;
}

/* The server renders region as {"table":{...,"alias":…}} and default_sender as {"value":…}. */
static json_t *unwrap_rendering(enum tc_field_id f, json_t *jv)
{
	if (!json_is_object(jv))
		return jv;
	enum tc_field_kind kind = tc_field(f)->kind;
	if (kind == TC_K_REGION) {
		json_t *table = json_object_get(jv, "table");
		return json_object_get(json_is_object(table) ? table : jv, "alias");
	}
	if (kind == TC_K_SENDER) {
		json_t *value = json_object_get(jv, "value");
		return value ? value : json_null();
	}
	return jv;
}

/* C strings cannot carry NUL: a value cut short would validate as something else. */
static bool has_nul(json_t *str)
{
	return json_string_length(str) != strlen(json_string_value(str));
}

static const char nul_title[] = "must not contain a NUL character";
static const char nul_hint[] = TC_CLIENT_CHECK "the value holds a \\u0000 character";

static enum tc_status decode_list(json_t *jv, struct tc_value *out, enum tc_field_id f,
                                  const char *prefix, struct tc_field_errors *errs)
{
	size_t n = json_array_size(jv), kept = 0;
	enum tc_status rc = TC_OK;
	char **items = n ? calloc(n, sizeof(char *)) : NULL;
	if (n && !items)
		return TC_NOMEM;
	/* Indexes count after the nulls are gone, as the server's pointers do. */
	int position = -1;
	for (size_t i = 0; i < n; i++) {
		json_t *el = json_array_get(jv, i);
		if (json_is_null(el))
			continue; /* the server's deep munge drops nulls before validation */
		position++;
		if (!json_is_string(el) || has_nul(el)) {
			bool str = json_is_string(el);
			enum tc_status r =
			    add_error(errs, f, prefix, tc_field(f)->key, position,
			              str ? nul_title : "must be a string", str ? nul_hint : NULL);
			if (r == TC_NOMEM)
				rc = TC_NOMEM;
			else if (rc == TC_OK)
				rc = TC_INVALID;
			continue;
		}
		items[kept] = strdup(json_string_value(el));
		if (!items[kept]) {
			rc = TC_NOMEM;
			break;
		}
		kept++;
	}
	if (rc != TC_OK) {
		for (size_t i = 0; i < kept; i++)
			free(items[i]);
		free(items);
		return rc;
	}
	tc_value_clear(out);
	out->state = TC_V_SET;
	out->list.items = items;
	out->list.count = kept;
	return TC_OK;
}

static bool empty_container_or_string(json_t *jv)
{
	return (json_is_array(jv) && json_array_size(jv) == 0) ||
	       (json_is_object(jv) && json_object_size(jv) == 0) ||
	       (json_is_string(jv) && json_string_length(jv) == 0);
}

static enum tc_status decode_value(enum tc_field_id f, json_t *jv, struct tc_trunk *t,
                                   const char *prefix, bool as_request,
                                   struct tc_field_errors *errs)
{
	const struct tc_field_info *fi = tc_field(f);
	if (!as_request)
		jv = unwrap_rendering(f, jv);
	if (!jv || json_is_null(jv))
		return tc_trunk_set_null(t, f);
	/*
	 * filled? runs before the type check and fails on "", [] and {} alike
	 * (an empty string attribute is left to the validator, which says the same).
	 */
	if (as_request && fi->type != TC_T_LIST && !(fi->flags & TC_FF_NULLABLE) &&
	    empty_container_or_string(jv) && (fi->type != TC_T_STRING || !json_is_string(jv)))
		return add_error(errs, f, prefix, fi->key, -1, "must be filled", NULL);
	switch (fi->type) {
	case TC_T_STRING:
		if (!json_is_string(jv))
			return add_error(errs, f, prefix, fi->key, -1, "must be a string", NULL);
		if (has_nul(jv))
			return add_error(errs, f, prefix, fi->key, -1, nul_title, nul_hint);
		return tc_trunk_set_string(t, f, json_string_value(jv));
	case TC_T_INT:
		if (!json_is_integer(jv))
			return add_error(errs, f, prefix, fi->key, -1, "must be an integer", NULL);
		return tc_trunk_set_int(t, f, json_integer_value(jv));
	case TC_T_BOOL:
		if (!json_is_boolean(jv))
			return add_error(errs, f, prefix, fi->key, -1, "must be boolean", NULL);
		return tc_trunk_set_bool(t, f, json_is_true(jv));
	case TC_T_LIST:
		if (!json_is_array(jv))
			return add_error(errs, f, prefix, fi->key, -1, "must be an array",
			                 TC_CLIENT_CHECK "the server fails (500) on anything but a "
			                                 "list of strings");
		return decode_list(jv, &t->values[f], f, prefix, errs);
	}
	return TC_INVALID;
}

static enum tc_status attrs_from_json(json_t *obj, struct tc_trunk *t, const char *pointer_prefix,
                                      bool allow_id, bool as_request, struct tc_field_errors *errs)
{
	if (!json_is_object(obj))
		return TC_INVALID;
	enum tc_status worst = TC_OK;
	json_t *extra = NULL;
	const char *key;
	json_t *jv;
	/* the server renders the table's order: the row after the last key is tried first */
	int expect = 0;
	json_object_foreach(obj, key, jv)
	{
		const struct tc_field_info *fi =
		    expect < TC_FIELD_COUNT && strcmp(tc_field(expect)->key, key) == 0
		        ? tc_field(expect)
		        : tc_field_by_key(key);
		if (fi)
			expect = fi->id + 1;
		enum tc_status rc = TC_OK;
		if (fi && as_request && (fi->flags & TC_FF_READONLY)) {
			continue; /* not in the request schema: the server drops it */
		} else if (fi) {
			rc = decode_value(fi->id, jv, t, pointer_prefix, as_request, errs);
		} else if (allow_id && strcmp(key, "id") == 0) {
			if (json_is_string(jv))
				rc = tc_trunk_set_id(t, json_string_value(jv));
		} else {
			if (!extra && !(extra = json_object()))
				return TC_NOMEM;
			/* a key of a parsed object is valid UTF-8 already */
			if (json_object_set_nocheck(extra, key, jv) != 0)
				rc = TC_NOMEM;
		}
		if (rc == TC_NOMEM) {
			json_decref(extra);
			return TC_NOMEM;
		}
		if (rc != TC_OK)
			worst = TC_INVALID;
	}
	if (extra) {
		char *text = json_dumps(extra, JSON_COMPACT);
		json_decref(extra);
		if (!text)
			return TC_NOMEM;
		free(t->extra_json);
		t->extra_json = text;
	}
	return worst;
}

enum tc_status tc_trunk_attrs_from_json(json_t *obj, struct tc_trunk *t, const char *pointer_prefix,
                                        bool allow_id, struct tc_field_errors *errs)
{
	return attrs_from_json(obj, t, pointer_prefix, allow_id, false, errs);
}

enum tc_status tc_trunk_request_attrs_from_json(json_t *obj, struct tc_trunk *t,
                                                struct tc_field_errors *errs)
{
	return attrs_from_json(obj, t, "/data/attributes", false, true, errs);
}
