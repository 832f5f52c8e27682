/*
 * A trunk as the store keeps it: one flat, compact JSON object of its
 * attributes (tc_trunk_to_flat_json), written straight from the values and
 * read back by a quick path for exactly that form, jansson for any other.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunk_json.h"
#include "trunkctl/validate.h"
#include "util.h"

char *tc_trunk_to_flat_json_tree(const struct tc_trunk *t, unsigned flags)
{
	json_t *obj = tc_trunk_attrs_to_json(t, flags);
	if (!obj)
		return NULL;
	char *text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return text;
}

/*
 * The same text written straight from the values: a tree and its dump per
 * trunk were most of the cost of storing a pull. It must stay byte for byte
 * what tc_trunk_to_flat_json_tree gives (tests/unit/test_trunk.c and the
 * flatjson fuzz target compare the two), jansson's rules included: a string
 * that is not valid UTF-8 fails the whole text, and only the quote, the
 * backslash and control characters are escaped.
 */
struct flat_out {
	char *p;
	size_t len, cap;
	bool failed;
};

/* Room for more bytes and the final NUL; on failure every later write is dropped. */
static bool flat_room(struct flat_out *o, size_t more)
{
	if (o->failed)
		return false;
	if (o->cap - o->len > more)
		return true;
	size_t cap = o->cap ? o->cap : 512;
	while (cap - o->len <= more) {
		if (cap > SIZE_MAX / 2) {
			o->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(o->p, cap);
	if (!p) {
		o->failed = true;
		return false;
	}
	o->p = p;
	o->cap = cap;
	return true;
}

static void flat_put(struct flat_out *o, const char *s, size_t n)
{
	if (flat_room(o, n)) {
		memcpy(o->p + o->len, s, n);
		o->len += n;
	}
}

static void flat_string_out(struct flat_out *o, const char *str)
{
	if (!str) {
		o->failed = true;
		return;
	}
	size_t n = strlen(str);
	/* the worst case, every byte a \u00XX, spares a check per byte */
	if (n > (SIZE_MAX - 3) / 6 || !flat_room(o, n * 6 + 2))
		return;
	char *w = o->p + o->len;
	*w++ = '"';
	w = tc_json_escape(w, str, n);
	if (!w) {
		o->failed = true;
		return;
	}
	*w++ = '"';
	o->len = (size_t)(w - o->p);
}

static void flat_int_out(struct flat_out *o, long long i)
{
	char digits[24];
	char *d = digits + sizeof(digits);
	/* unsigned, so that LLONG_MIN negates */
	unsigned long long u = i < 0 ? 0ull - (unsigned long long)i : (unsigned long long)i;
	do
		*--d = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (i < 0)
		*--d = '-';
	flat_put(o, d, (size_t)(digits + sizeof(digits) - d));
}

static void flat_key_out(struct flat_out *o, const char *key)
{
	flat_put(o, o->len > 1 ? ",\"" : "\"", o->len > 1 ? 2 : 1);
	flat_put(o, key, strlen(key));
	flat_put(o, "\":", 2);
}

static void flat_value_out(struct flat_out *o, const struct tc_field_info *fi,
                           const struct tc_value *v, unsigned flags)
{
	if (v->state != TC_V_SET) {
		flat_put(o, "null", 4);
		return;
	}
	switch (fi->type) {
	case TC_T_STRING:
		if ((fi->flags & TC_FF_SECRET) && !(flags & TC_JSON_REVEAL) && v->s && *v->s)
			flat_put(o, "\"" TC_SECRET_MASK "\"", sizeof(TC_SECRET_MASK) + 1);
		else
			flat_string_out(o, v->s ? v->s : "");
		return;
	case TC_T_INT:
		flat_int_out(o, v->i);
		return;
	case TC_T_BOOL:
		flat_put(o, v->b ? "true" : "false", v->b ? 4 : 5);
		return;
	case TC_T_LIST:
		flat_put(o, "[", 1);
		for (size_t i = 0; i < v->list.count; i++) {
			if (i)
				flat_put(o, ",", 1);
			flat_string_out(o, v->list.items[i]);
		}
		flat_put(o, "]", 1);
		return;
	}
	o->failed = true;
}

static int flat_dump_cb(const char *buffer, size_t size, void *data)
{
	struct flat_out *o = data;
	flat_put(o, buffer, size);
	return o->failed ? -1 : 0;
}

/* The members of extra_json the tree path would merge, in its order, by jansson's own dump. */
static void flat_extra_out(struct flat_out *o, const char *extra_json, unsigned flags)
{
	json_t *extra = json_loads(extra_json, 0, NULL);
	const char *key;
	json_t *val;
	if (json_is_object(extra)) {
		json_object_foreach(extra, key, val)
		{
			if (tc_field_by_key(key) ||
			    ((flags & TC_JSON_WITH_ID) && strcmp(key, "id") == 0))
				continue;
			flat_put(o, o->len > 1 ? "," : "", o->len > 1);
			flat_string_out(o, key);
			flat_put(o, ":", 1);
			if (!o->failed && json_dump_callback(val, flat_dump_cb, o,
			                                     JSON_COMPACT | JSON_ENCODE_ANY) != 0)
				o->failed = true;
		}
	}
	json_decref(extra);
}

char *tc_trunk_to_flat_json(const struct tc_trunk *t, unsigned flags)
{
	struct flat_out o = {0};
	flat_put(&o, "{", 1);
	if (flags & TC_JSON_WITH_ID) {
		flat_key_out(&o, "id");
		if (t->id)
			flat_string_out(&o, t->id);
		else
			flat_put(&o, "null", 4);
	}
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_value *v = &t->values[f];
		if (v->state == TC_V_ABSENT && !(flags & TC_JSON_WITH_ABSENT))
			continue;
		const struct tc_field_info *fi = tc_field(f);
		flat_key_out(&o, fi->key);
		flat_value_out(&o, fi, v, flags);
	}
	if ((flags & TC_JSON_WITH_EXTRA) && t->extra_json)
		flat_extra_out(&o, t->extra_json, flags);
	flat_put(&o, "}", 1);
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	o.p[o.len] = '\0';
	return o.p;
}

/*
 * The quick reading of a flat object as tc_trunk_to_flat_json writes it (what
 * the store holds): compact, keys from the table or "id", each once, string
 * values printable ASCII without escapes, integers of at most 18 digits.
 * Anything else is left to jansson, by FLAT_OTHER, and reads as it always has;
 * this path only spares a tree per trunk (a third of a 100,000-trunk list).
 */
enum { FLAT_OTHER = -1 }; /* no enum tc_status is negative */

/* The plain string at *p, up to its closing quote: its length, or -1. */
static long flat_string(const char *p, const char *end)
{
	if (p >= end || *p != '"')
		return -1;
	for (const char *q = p + 1; q < end; q++) {
		if (*q == '"')
			return (long)(q - p - 1);
		if (*q == '\\' || (unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
			return -1;
	}
	return -1;
}

static int flat_value(const char **pp, const char *end, const struct tc_field_info *fi,
                      struct tc_value *v)
{
	const char *p = *pp;
	size_t rest = (size_t)(end - p);
	if (rest >= 4 && memcmp(p, "null", 4) == 0) {
		tc_value_clear(v);
		v->state = TC_V_NULL;
		*pp = p + 4;
		return TC_OK;
	}
	switch (fi->type) {
	case TC_T_STRING: {
		long n = flat_string(p, end);
		if (n < 0)
			return FLAT_OTHER;
		char *s = strndup(p + 1, (size_t)n);
		if (!s)
			return TC_NOMEM;
		tc_value_clear(v);
		v->state = TC_V_SET;
		v->s = s;
		*pp = p + n + 2;
		return TC_OK;
	}
	case TC_T_INT: {
		long long i;
		const char *q = tc_json_small_int(p, end, &i);
		if (!q)
			return FLAT_OTHER;
		tc_value_clear(v);
		v->state = TC_V_SET;
		v->i = i;
		*pp = q;
		return TC_OK;
	}
	case TC_T_BOOL: {
		bool yes = rest >= 4 && memcmp(p, "true", 4) == 0;
		if (!yes && !(rest >= 5 && memcmp(p, "false", 5) == 0))
			return FLAT_OTHER;
		tc_value_clear(v);
		v->state = TC_V_SET;
		v->b = yes;
		*pp = p + (yes ? 4 : 5);
		return TC_OK;
	}
	case TC_T_LIST:
		break;
	}
	if (*p != '[')
		return FLAT_OTHER;
	size_t n = 0;
	for (const char *q = p + 1; q < end && *q != ']'; n++) {
		long k = flat_string(q, end);
		if (k < 0)
			return FLAT_OTHER;
		q += k + 2;
		if (q < end && *q == ',' && q + 1 < end && q[1] != ']')
			q++;
		else if (q >= end || *q != ']')
			return FLAT_OTHER;
	}
	char **items = n ? calloc(n, sizeof(*items)) : NULL;
	if (n && !items)
		return TC_NOMEM;
	const char *q = p + 1;
	for (size_t i = 0; i < n; i++) {
		long k = flat_string(q, end);
		if (!(items[i] = strndup(q + 1, (size_t)k))) {
			while (i--)
				free(items[i]);
			free(items);
			return TC_NOMEM;
		}
		q += k + 2 + (i + 1 < n);
	}
	tc_value_clear(v);
	v->state = TC_V_SET;
	v->list.items = items;
	v->list.count = n;
	*pp = q + 1;
	return TC_OK;
}

/* TC_OK with *out, FLAT_OTHER for jansson to read, or TC_NOMEM. */
static int flat_quick(const char *text, size_t len, struct tc_trunk **out)
{
	const char *p = text, *end = text + len;
	if (len < 2 || *p != '{' || end[-1] != '}')
		return FLAT_OTHER;
	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return TC_NOMEM;
	bool seen[TC_FIELD_COUNT] = {false}, id_seen = false;
	int rc = TC_OK;
	p++;
	while (rc == TC_OK && p < end - 1) {
		long k = flat_string(p, end);
		char key[64];
		if (k < 0 || k >= (long)sizeof(key) || p + k + 2 >= end || p[k + 2] != ':') {
			rc = FLAT_OTHER;
			break;
		}
		memcpy(key, p + 1, (size_t)k);
		key[k] = '\0';
		p += k + 3;
		const struct tc_field_info *fi = tc_field_by_key(key);
		if (fi && !seen[fi->id]) {
			seen[fi->id] = true;
			rc = flat_value(&p, end, fi, &t->values[fi->id]);
		} else if (!fi && !id_seen && strcmp(key, "id") == 0) {
			long n = flat_string(p, end);
			id_seen = true;
			rc = n < 0 ? FLAT_OTHER : TC_OK;
			if (rc == TC_OK && !(t->id = strndup(p + 1, (size_t)n)))
				rc = TC_NOMEM;
			p += n + 2;
		} else {
			rc = FLAT_OTHER;
		}
		if (rc == TC_OK && p < end - 1 && (*p != ',' || ++p >= end - 1))
			rc = FLAT_OTHER;
	}
	if (rc == TC_OK && p != end - 1)
		rc = FLAT_OTHER;
	if (rc != TC_OK) {
		tc_trunk_destroy(t);
		return rc;
	}
	*out = t;
	return TC_OK;
}

enum tc_status tc_trunk_from_flat_json(const char *text, size_t len, struct tc_trunk **out,
                                       struct tc_error *err)
{
	*out = NULL;
	int quick = flat_quick(text, len, out);
	if (quick == TC_NOMEM)
		return tc_error_set(err, TC_NOMEM, NULL);
	if (quick == TC_OK)
		return TC_OK;
	json_error_t jerr;
	json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj)
		return tc_error_set(err, TC_PARSE, "not valid JSON (line %d, column %d): %s",
		                    jerr.line, jerr.column, jerr.text);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return tc_error_set(err, TC_PARSE, "expected a JSON object of trunk attributes");
	}
	struct tc_trunk *t = tc_trunk_new();
	if (!t) {
		json_decref(obj);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	struct tc_field_errors local = {0};
	enum tc_status rc =
	    tc_trunk_attrs_from_json(obj, t, "/data/attributes", true, err ? &err->fields : &local);
	tc_field_errors_finish(&local);
	json_decref(obj);
	if (rc == TC_NOMEM) {
		tc_trunk_destroy(t);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	*out = t;
	if (rc != TC_OK)
		return tc_error_set(err, TC_INVALID, "some attributes have the wrong type");
	return TC_OK;
}
