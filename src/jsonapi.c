#include "trunkctl/jsonapi.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunk_json.h"
#include "trunkctl/validate.h"

#define ATTRS_POINTER "/data/attributes"

/* ---- reading JSON ---- */

/*
 * jansson allows 2048 levels; the server refuses more than 100. Brackets in
 * strings do not count, so the scan follows string and escape state.
 */
static bool too_deep(const char *body, size_t len)
{
	size_t depth = 0;
	bool in_string = false, escaped = false;
	for (size_t i = 0; i < len; i++) {
		char c = body[i];
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > TC_JSONAPI_MAX_DEPTH)
				return true;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return false;
}

/*
 * what names the document for the message ("the Carrier API's answer", "the
 * request"). jansson's text may end in "near '<token>'", a piece of the body
 * that can be a secret, so that part is cut.
 */
static enum tc_status load(const char *body, size_t len, size_t flags, const char *what,
                           json_t **out, struct tc_error *err)
{
	*out = NULL;
	if (!body)
		len = 0;
	if (too_deep(body, len))
		return tc_error_set(err, TC_PARSE, "%s is nested deeper than %d levels", what,
		                    TC_JSONAPI_MAX_DEPTH);
	json_error_t jerr;
	json_t *root = json_loadb(body ? body : "", len, JSON_DECODE_ANY | flags, &jerr);
	if (!root) {
		/* jansson leaves the text empty on some allocation failures (and reports
		 * others as syntax errors, which cannot be told apart); the code is set
		 * only with a text, so reading it first would read uninitialised memory */
		if (!jerr.text[0] || json_error_code(&jerr) == json_error_out_of_memory)
			return tc_error_set(err, TC_NOMEM, NULL);
		char *near = strstr(jerr.text, " near ");
		if (near)
			*near = '\0';
		return tc_error_set(err, TC_PARSE, "%s is not valid JSON (line %d, column %d): %s",
		                    what, jerr.line, jerr.column, jerr.text);
	}
	*out = root;
	return TC_OK;
}

/*
 * A short, printable copy of a string from a document for a message: control
 * characters become '?', long strings are cut on a character boundary.
 */
static void excerpt(char *dst, size_t cap, const char *src, size_t max_bytes)
{
	size_t n = 0, limit = cap - 4 < max_bytes ? cap - 4 : max_bytes;
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	while (*s && n < limit) {
		size_t clen = *s < 0x80 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3 : 4;
		if (n + clen > limit)
			break;
		for (size_t k = 1; k < clen; k++)
			if (!s[k]) /* a cut sequence: stop before it */
				goto out;
		if (clen == 1) {
			dst[n] = (*s < 0x20 || *s == 0x7F) ? '?' : (char)*s;
		} else {
			memcpy(dst + n, s, clen);
		}
		n += clen;
		s += clen;
	}
out:
	if (*s) {
		memcpy(dst + n, "\xE2\x80\xA6", 3); /* … */
		n += 3;
	}
	dst[n] = '\0';
}

static bool uuid_like(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* "name is missing; /data/type must be a string; …" into buf, as many as fit. */
static void summarise(char *buf, size_t cap, const struct tc_field_errors *errs)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < errs->count; i++) {
		const struct tc_field_error *e = &errs->items[i];
		const struct tc_field_info *fi = tc_field(e->field);
		char what[96], title[160], item[300];
		if (fi && e->index >= 0)
			snprintf(what, sizeof(what), "%s[%d]", fi->key, e->index);
		else if (fi)
			snprintf(what, sizeof(what), "%s", fi->key);
		else
			excerpt(what, sizeof(what), *e->pointer ? e->pointer : "the document", 80);
		excerpt(title, sizeof(title), e->title, 120);
		int n = snprintf(item, sizeof(item), "%s%s %s", i ? "; " : "", what, title);
		if (n < 0)
			return;
		size_t left = errs->count - i;
		if (used + (size_t)n + 24 >= cap) {
			snprintf(buf + used, cap - used, "%s(%zu more)", i ? "; " : "", left);
			return;
		}
		memcpy(buf + used, item, (size_t)n + 1);
		used += (size_t)n;
	}
}

/* ---- responses ---- */

static enum tc_status protocol(struct tc_error *err, const char *where, const char *problem)
{
	return tc_error_set(err, TC_PROTOCOL,
	                    "the Carrier API sent a trunk document that is not understood: %s %s",
	                    where, problem);
}

/*
 * Whether text, a value already decoded, is byte for byte what json_dumps
 * prints for it with JSON_COMPACT: nothing between tokens, no escape but the
 * seven jansson writes, no number it would print otherwise. Then the text
 * itself is the document and the dump is saved.
 */
static bool dumped_as_is(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '"') {
			for (i++; i < n && p[i] != '"'; i++)
				if (p[i] == '\\' &&
				    (++i >= n || !p[i] || !strchr("\"\\bfnrt", p[i])))
					return false;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t k = i;
			for (; i < n && p[i] && strchr("-+.eE0123456789", p[i]); i++)
				if (p[i] == '.' || p[i] == 'e' || p[i] == 'E')
					return false;
			if (i - k == 2 && p[k] == '-' && p[k + 1] == '0')
				return false;
			i--;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			return false;
		}
	}
	return true;
}

/* where is "data" or "data[3]"; prefix the attribute pointer for type errors. */
/* text (NULL when unknown) is the object's text in the answer, to keep as its document. */
static enum tc_status decode_resource_object(json_t *data, const char *text, size_t text_len,
                                             const char *where, const char *prefix,
                                             struct tc_trunk **out, struct tc_error *err)
{
	*out = NULL;
	if (!json_is_object(data))
		return protocol(err, where, "is not an object");
	json_t *type = json_object_get(data, "type");
	if (!type)
		return protocol(err, where, "has no \"type\"");
	if (!json_is_string(type))
		return protocol(err, where, "has a \"type\" that is not a string");
	if (strcmp(json_string_value(type), TC_JSONAPI_TYPE) != 0) {
		char shown[64];
		excerpt(shown, sizeof(shown), json_string_value(type), 40);
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API sent a document of type \"%s\" where a "
		                    "sip_trunk was expected (%s.type)",
		                    shown, where);
	}
	json_t *id = json_object_get(data, "id");
	if (!id)
		return protocol(err, where, "has no \"id\"");
	if (!json_is_string(id))
		return protocol(err, where, "has an \"id\" that is not a string");
	if (!uuid_like(json_string_value(id)))
		return protocol(err, where, "has an \"id\" that is not a UUID");
	json_t *attrs = json_object_get(data, "attributes");
	if (!attrs)
		return protocol(err, where, "has no \"attributes\"");
	if (!json_is_object(attrs))
		return protocol(err, where, "has \"attributes\" that are not an object");

	struct tc_trunk *t = tc_trunk_new();
	if (!t || tc_trunk_set_id(t, json_string_value(id)) != TC_OK) {
		tc_trunk_free(t);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	struct tc_field_errors fe = {0};
	enum tc_status rc = tc_trunk_attrs_from_json(attrs, t, prefix, false, &fe);
	if (rc == TC_NOMEM) {
		rc = tc_error_set(err, TC_NOMEM, NULL);
	} else if (rc != TC_OK) {
		char ptr[128], title[96];
		excerpt(ptr, sizeof(ptr), fe.count ? fe.items[0].pointer : prefix, 100);
		excerpt(title, sizeof(title), fe.count ? fe.items[0].title : "is malformed", 80);
		rc = tc_error_set(err, TC_PROTOCOL,
		                  "the Carrier API sent a trunk document that is not understood: "
		                  "%s %s",
		                  ptr, title);
	}
	tc_field_errors_free(&fe);
	if (rc == TC_OK &&
	    !(t->document =
	          text && dumped_as_is(text, text_len)
	              ? strndup(text, text_len)
	              : json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	if (rc != TC_OK) {
		tc_trunk_free(t);
		return rc;
	}
	*out = t;
	return TC_OK;
}

enum tc_status tc_jsonapi_decode_resource(const char *body, size_t len, struct tc_trunk **out,
                                          struct tc_error *err)
{
	*out = NULL;
	json_t *root;
	enum tc_status rc =
	    load(body, len, JSON_REJECT_DUPLICATES, "the Carrier API's answer", &root, err);
	if (rc != TC_OK)
		return rc;
	if (!json_is_object(root))
		rc = protocol(err, "the answer", "is not a JSON object");
	else if (!json_object_get(root, "data"))
		rc = protocol(err, "the answer", "has no \"data\" member");
	else
		rc = decode_resource_object(json_object_get(root, "data"), NULL, 0, "data",
		                            ATTRS_POINTER, out, err);
	json_decref(root);
	return rc;
}

void tc_jsonapi_page_free(struct tc_jsonapi_page *page)
{
	if (!page)
		return;
	for (size_t i = 0; i < page->count; i++)
		tc_trunk_free(page->items[i]);
	free(page->items);
	free(page->prev);
	free(page->next);
	memset(page, 0, sizeof(*page));
}

static enum tc_status read_link(json_t *links, const char *key, char **out, struct tc_error *err)
{
	*out = NULL;
	json_t *v = json_object_get(links, key);
	if (!v)
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API sent a collection whose links have no \"%s\"",
		                    key);
	if (json_is_null(v))
		return TC_OK;
	if (!json_is_string(v))
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API sent a collection whose links.%s is neither a "
		                    "string nor null",
		                    key);
	if (!(*out = strdup(json_string_value(v))))
		return tc_error_set(err, TC_NOMEM, NULL);
	return TC_OK;
}

/* Index just past the string that opens at body[i] (a '"'), or len when it never closes. */
static size_t skip_string(const char *body, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (body[i] == '\\')
			i++;
		else if (body[i] == '"')
			return i + 1;
	}
	return len;
}

static size_t skip_space(const char *body, size_t len, size_t i)
{
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r'))
		i++;
	return i;
}

/* Index just past the object or array that opens at body[i], or 0 when it never closes. */
static size_t skip_container(const char *body, size_t len, size_t i)
{
	size_t depth = 0;
	while (i < len) {
		char c = body[i];
		if (c == '"') {
			i = skip_string(body, len, i);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return 0;
}

/*
 * The text of the top-level member key (quoted, as in "\"links\"") when its
 * value is an object or an array: a scan of brackets and strings, no parse.
 * Keys spelt with escapes are not seen.
 */
static bool member_text(const char *body, size_t len, const char *key, size_t *start, size_t *end)
{
	size_t klen = strlen(key);
	size_t i = skip_space(body, len, 0);
	if (i >= len || body[i] != '{')
		return false;
	size_t depth = 0;
	while (i < len) {
		char c = body[i];
		if (c == '"') {
			size_t k = i;
			i = skip_string(body, len, i);
			size_t colon = skip_space(body, len, i);
			if (depth != 1 || colon >= len || body[colon] != ':' || i - k != klen ||
			    memcmp(body + k, key, klen) != 0)
				continue;
			size_t open = skip_space(body, len, colon + 1);
			if (open >= len || (body[open] != '{' && body[open] != '['))
				return false;
			*start = open;
			*end = skip_container(body, len, open);
			return *end != 0;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && depth > 0)
			depth--;
		i++;
	}
	return false;
}

static bool links_text(const char *body, size_t len, size_t *start, size_t *end)
{
	return member_text(body, len, "\"links\"", start, end) && body[*start] == '{';
}

bool tc_jsonapi_peek_next(const char *body, size_t len, char **next)
{
	*next = NULL;
	size_t start, end;
	if (!body || !links_text(body, len, &start, &end))
		return false;
	json_t *links = json_loadb(body + start, end - start, JSON_REJECT_DUPLICATES, NULL);
	json_t *v = json_object_get(links, "next");
	bool found = json_is_string(v) && (*next = strdup(json_string_value(v))) != NULL;
	json_decref(links);
	return found;
}

enum tc_status tc_jsonapi_decode_collection(const char *body, size_t len,
                                            struct tc_jsonapi_page *page, struct tc_error *err)
{
	memset(page, 0, sizeof(*page));
	json_t *root;
	enum tc_status rc =
	    load(body, len, JSON_REJECT_DUPLICATES, "the Carrier API's answer", &root, err);
	if (rc != TC_OK)
		return rc;
	json_t *data = json_object_get(root, "data");
	json_t *links = json_object_get(root, "links");
	if (!json_is_object(root)) {
		rc = protocol(err, "the answer", "is not a JSON object");
	} else if (!data) {
		rc = protocol(err, "the answer", "has no \"data\" member");
	} else if (!json_is_array(data)) {
		rc = protocol(err, "the collection's data", "is not an array");
	} else if (!links) {
		rc = tc_error_set(
		    err, TC_PROTOCOL,
		    "the Carrier API sent a collection without \"links\", so it cannot "
		    "be paged");
	} else if (!json_is_object(links)) {
		rc = protocol(err, "the collection's links", "are not an object");
	}
	if (rc == TC_OK)
		rc = read_link(links, "prev", &page->prev, err);
	if (rc == TC_OK)
		rc = read_link(links, "next", &page->next, err);
	size_t n = json_array_size(data);
	if (rc == TC_OK && n && !(page->items = calloc(n, sizeof(*page->items))))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	/* the elements' text, in order, for their documents (the decode checks them) */
	size_t at = 0, end = 0;
	bool texts =
	    rc == TC_OK && member_text(body, len, "\"data\"", &at, &end) && body[at] == '[';
	at++;
	for (size_t i = 0; rc == TC_OK && i < n; i++) {
		char where[48], prefix[64];
		snprintf(where, sizeof(where), "data[%zu]", i);
		snprintf(prefix, sizeof(prefix), "/data/%zu/attributes", i);
		size_t from = texts ? skip_space(body, end, at) : 0;
		size_t to =
		    texts && from < end && body[from] == '{' ? skip_container(body, end, from) : 0;
		texts = to != 0;
		if (texts) {
			at = skip_space(body, end, to);
			at += at < end && body[at] == ',';
		}
		rc = decode_resource_object(json_array_get(data, i), texts ? body + from : NULL,
		                            texts ? to - from : 0, where, prefix, &page->items[i],
		                            err);
		if (rc == TC_OK)
			page->count++;
	}
	json_decref(root);
	if (rc != TC_OK)
		tc_jsonapi_page_free(page);
	return rc;
}

/* ---- bodies we send ---- */

/* Adds f's value to attrs when it can be sent: set, or null where null is accepted. */
static enum tc_status put_field(json_t *attrs, const struct tc_trunk *t, enum tc_field_id f)
{
	const struct tc_field_info *fi = tc_field(f);
	const struct tc_value *v = &t->values[f];
	if (v->state == TC_V_ABSENT || (v->state == TC_V_NULL && !(fi->flags & TC_FF_NULLABLE)))
		return TC_OK;
	json_t *jv = tc_value_to_json(f, v, TC_JSON_REVEAL);
	if (!jv || json_object_set_new(attrs, fi->key, jv) != 0)
		return TC_NOMEM;
	return TC_OK;
}

/* Wraps attrs (reference stolen) into {"data":{"type","id"?,"attributes"}} text. */
static enum tc_status wrap(json_t *attrs, const char *id, char **out, struct tc_error *err)
{
	*out = NULL;
	json_t *data = json_object(), *doc = json_object();
	if (attrs && data && doc &&
	    !json_object_set_new(data, "type", json_string(TC_JSONAPI_TYPE)) &&
	    (!id || !json_object_set_new(data, "id", json_string(id))) &&
	    !json_object_set_new(data, "attributes", json_incref(attrs)) &&
	    !json_object_set_new(doc, "data", json_incref(data)))
		*out = json_dumps(doc, JSON_COMPACT);
	json_decref(attrs);
	json_decref(data);
	json_decref(doc);
	return *out ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

enum tc_status tc_jsonapi_encode_create(const struct tc_trunk *t, char **out, struct tc_error *err)
{
	*out = NULL;
	json_t *attrs = json_object();
	if (!attrs)
		return tc_error_set(err, TC_NOMEM, NULL);
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if ((tc_field(f)->flags & TC_FF_SEND_CREATE) && put_field(attrs, t, f) != TC_OK)
			goto nomem;
	if (tc_trunk_extra_merge(attrs, t->extra_json) != TC_OK)
		goto nomem;
	return wrap(attrs, NULL, out, err);
nomem:
	json_decref(attrs);
	return tc_error_set(err, TC_NOMEM, NULL);
}

static json_t *update_attrs(const struct tc_trunk *edited, const bool changed[TC_FIELD_COUNT])
{
	json_t *attrs = json_object();
	for (int f = 0; attrs && f < TC_FIELD_COUNT; f++) {
		if (!changed[f] || !(tc_field(f)->flags & TC_FF_SEND_UPDATE))
			continue;
		if (put_field(attrs, edited, f) != TC_OK) {
			json_decref(attrs);
			return NULL;
		}
	}
	return attrs;
}

enum tc_status tc_jsonapi_encode_update_fields(const struct tc_trunk *edited,
                                               const bool changed[TC_FIELD_COUNT], char **out,
                                               struct tc_error *err)
{
	*out = NULL;
	if (!edited->id || !*edited->id)
		return tc_error_set(err, TC_INVALID, "the trunk has no server id to update");
	json_t *attrs = update_attrs(edited, changed);
	if (!attrs)
		return tc_error_set(err, TC_NOMEM, NULL);
	return wrap(attrs, edited->id, out, err);
}

/* The unknown attributes of edited that base lacks or holds with another value. */
static enum tc_status put_changed_extra(json_t *attrs, const char *base_extra,
                                        const char *edited_extra)
{
	if (!edited_extra)
		return TC_OK;
	json_t *base = base_extra ? json_loads(base_extra, 0, NULL) : NULL;
	json_t *ed = json_loads(edited_extra, 0, NULL);
	enum tc_status rc = TC_OK;
	const char *key;
	json_t *val;
	json_object_foreach(ed, key, val)
	{
		if (tc_field_by_key(key) || json_object_get(attrs, key) ||
		    json_equal(json_object_get(base, key), val))
			continue;
		if (json_object_set(attrs, key, val) != 0) {
			rc = TC_NOMEM;
			break;
		}
	}
	json_decref(base);
	json_decref(ed);
	return rc;
}

enum tc_status tc_jsonapi_encode_update(const struct tc_trunk *base, const struct tc_trunk *edited,
                                        char **out, struct tc_error *err)
{
	*out = NULL;
	if (!edited->id || !*edited->id)
		return tc_error_set(err, TC_INVALID, "the trunk has no server id to update");
	bool changed[TC_FIELD_COUNT];
	tc_trunk_diff(base, edited, changed);
	json_t *attrs = update_attrs(edited, changed);
	if (!attrs || put_changed_extra(attrs, base->extra_json, edited->extra_json) != TC_OK) {
		json_decref(attrs);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	return wrap(attrs, edited->id, out, err);
}

/* ---- requests, read as the server reads them ---- */

static enum tc_status add_doc_error(struct tc_field_errors *errs, const char *pointer,
                                    const char *title)
{
	return tc_field_errors_add(errs, TC_FIELD_NONE, -1, TC_SEV_ERROR, pointer, title, NULL);
}

/* dry-logic's filled?: not null and not an empty string, array or object. */
static bool filled(json_t *v)
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

/* Bytes of the Unicode White_Space character at s (what Ruby's [[:space:]] matches), or 0. */
static size_t space_len(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return 2; /* U+0085, U+00A0 */
	if ((s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) ||
	    (s[0] == 0xE2 && s[1] == 0x80 &&
	     ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF)) ||
	    (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) ||
	    (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80))
		return 3; /* U+1680, U+2000..200A, U+2028, U+2029, U+202F, U+205F, U+3000 */
	return 0;
}

/* ActiveSupport's String#blank?: /\A[[:space:]]*\z/, Unicode spaces included. */
static bool blank(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t n; (n = space_len(p)) != 0;)
		p += n;
	return *p == '\0';
}

static enum tc_status decode_flat(json_t *root, enum tc_jsonapi_request kind, const char *url_id,
                                  struct tc_trunk **out, struct tc_field_errors *errs)
{
	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return TC_NOMEM;
	json_object_del(root, "id"); /* the id of a `get --json` record, not an attribute */
	enum tc_status rc = tc_trunk_request_attrs_from_json(root, t, errs);
	if (rc != TC_NOMEM && kind == TC_JSONAPI_UPDATE && tc_trunk_set_id(t, url_id) != TC_OK)
		rc = TC_NOMEM;
	if (rc == TC_NOMEM) {
		tc_trunk_free(t);
		return TC_NOMEM;
	}
	*out = t;
	return TC_OK;
}

/* The data object's members, in the server's order: type, id (update), attributes. */
static enum tc_status decode_document(json_t *data, enum tc_jsonapi_request kind,
                                      const char *url_id, struct tc_trunk **out,
                                      struct tc_field_errors *errs)
{
	enum tc_status rc = TC_OK;
	json_t *type = json_object_get(data, "type");
	if (!type)
		rc = add_doc_error(errs, "/data/type", "is missing");
	else if (!filled(type))
		rc = add_doc_error(errs, "/data/type", "must be filled");
	else if (!json_is_string(type))
		rc = add_doc_error(errs, "/data/type", "must be a string");
	else if (strcmp(json_string_value(type), TC_JSONAPI_TYPE) != 0)
		rc = add_doc_error(errs, "/data/type", "must be equal to sip_trunk");
	if (rc == TC_NOMEM)
		return rc;

	json_t *id = kind == TC_JSONAPI_UPDATE ? json_object_get(data, "id") : NULL;
	if (kind == TC_JSONAPI_UPDATE) {
		if (!id)
			rc = add_doc_error(errs, "/data/id", "is missing");
		else if (!filled(id))
			rc = add_doc_error(errs, "/data/id", "must be filled");
		else if (!json_is_string(id))
			rc = add_doc_error(errs, "/data/id", "must be a string");
		if (rc == TC_NOMEM)
			return rc;
	}

	json_t *attrs = json_object_get(data, "attributes");
	if (json_is_string(attrs) && json_string_length(attrs) == 0)
		attrs = NULL; /* "" reads as {} (§14) */
	else if (!attrs)
		return add_doc_error(errs, "/data/attributes", "is missing");
	else if (!json_is_object(attrs))
		return add_doc_error(errs, "/data/attributes", "must be a hash");

	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return TC_NOMEM;
	if (attrs)
		rc = tc_trunk_request_attrs_from_json(attrs, t, errs);
	if (rc != TC_NOMEM && kind == TC_JSONAPI_UPDATE) {
		rc = tc_trunk_set_id(t, url_id);
		/*
		 * A rule, skipped when anything under /data has a schema error (§6):
		 * blanks pass filled? and only the rule's blank? check catches them (§14).
		 */
		const char *sent = rc == TC_OK && errs->count == 0 ? json_string_value(id) : NULL;
		if (sent && (blank(sent) || strcmp(sent, url_id) != 0))
			rc = tc_field_errors_add_rule(
			    errs, TC_FIELD_NONE, -1, TC_SEV_ERROR, "/data/id",
			    blank(sent) ? "is missing" : "is invalid", NULL);
	}
	if (rc == TC_NOMEM) {
		tc_trunk_free(t);
		return TC_NOMEM;
	}
	*out = t;
	return TC_OK;
}

static bool is_document(json_t *root)
{
	return !json_is_object(root) || json_object_get(root, "data") ||
	       json_object_get(root, "type") || json_object_get(root, "attributes");
}

/*
 * Reads the request into *out and errs (decode errors, in the document's
 * order). Returns TC_OK whatever errs holds, or TC_USAGE, TC_PARSE, TC_NOMEM
 * with *out NULL.
 */
static enum tc_status read_request(const char *body, size_t len, enum tc_jsonapi_request kind,
                                   const char *url_id, struct tc_trunk **out,
                                   struct tc_field_errors *errs, struct tc_error *err)
{
	*out = NULL;
	if (kind == TC_JSONAPI_UPDATE && !url_id)
		return tc_error_set(err, TC_USAGE, "an update needs the id of the trunk");
	/* Rails parses no body at all when Content-Length is 0: params are empty, not malformed */
	if (len == 0)
		return add_doc_error(errs, "/data", "is missing") == TC_NOMEM
		           ? tc_error_set(err, TC_NOMEM, NULL)
		           : TC_OK;
	json_t *root;
	/* duplicate keys: Ruby's parser keeps the last one, and so does jansson without the flag */
	enum tc_status rc = load(body, len, 0, "the request", &root, err);
	if (rc != TC_OK)
		return rc;
	json_t *data = json_is_object(root) ? json_object_get(root, "data") : NULL;
	if (!is_document(root)) {
		rc = decode_flat(root, kind, url_id, out, errs);
	} else if (json_is_string(data) && json_string_length(data) == 0) {
		json_t *empty = json_object(); /* "" reads as {} (§14) */
		rc = empty ? decode_document(empty, kind, url_id, out, errs) : TC_NOMEM;
		json_decref(empty);
	} else if (!data) {
		rc = add_doc_error(errs, "/data", "is missing");
	} else if (!json_is_object(data)) {
		rc = add_doc_error(errs, "/data", "must be a hash");
	} else {
		rc = decode_document(data, kind, url_id, out, errs);
	}
	json_decref(root);
	if (rc == TC_NOMEM) {
		tc_trunk_free(*out);
		*out = NULL;
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	return TC_OK;
}

/* Sorts errs into the server's order and hands it to err (errs is emptied). */
static enum tc_status finish_request(struct tc_field_errors *errs, struct tc_trunk **out,
                                     struct tc_error *err)
{
	size_t errors = tc_field_errors_count(errs, TC_SEV_ERROR);
	enum tc_status rc = tc_validate_sort(errs);
	char summary[400];
	summarise(summary, sizeof(summary), errs);
	if (rc == TC_OK && err)
		rc = tc_field_errors_move(&err->fields, errs);
	tc_field_errors_free(errs);
	if (rc != TC_OK) {
		tc_trunk_free(*out);
		*out = NULL;
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	if (!errors)
		return TC_OK;
	return tc_error_set(err, TC_INVALID, "the server would refuse this request (422): %s",
	                    summary);
}

enum tc_status tc_jsonapi_decode_request(const char *body, size_t len, enum tc_jsonapi_request kind,
                                         const char *url_id, struct tc_trunk **out,
                                         struct tc_error *err)
{
	struct tc_field_errors errs = {0};
	enum tc_status rc = read_request(body, len, kind, url_id, out, &errs, err);
	if (rc != TC_OK)
		return rc;
	return finish_request(&errs, out, err);
}

static bool has_field(const struct tc_field_errors *errs, int field)
{
	for (size_t i = 0; i < errs->count; i++)
		if (errs->items[i].field == field)
			return true;
	return false;
}

static bool is_id_rule(const struct tc_field_error *e)
{
	return e->rule && e->field == TC_FIELD_NONE && strcmp(e->pointer, "/data/id") == 0;
}

/*
 * Keeps the entries of errs for which keep(entry, other) holds; frees the rest.
 * Order is kept.
 */
static void filter(struct tc_field_errors *errs,
                   bool (*keep)(const struct tc_field_error *, const struct tc_field_errors *),
                   const struct tc_field_errors *other)
{
	size_t kept = 0;
	for (size_t i = 0; i < errs->count; i++) {
		if (keep(&errs->items[i], other)) {
			errs->items[kept++] = errs->items[i];
		} else {
			free(errs->items[i].pointer);
			free(errs->items[i].title);
		}
	}
	errs->count = kept;
}

/* The server skips every check of an attribute whose type it refused. */
static bool not_decode_failed(const struct tc_field_error *e, const struct tc_field_errors *decode)
{
	return e->field == TC_FIELD_NONE || !has_field(decode, e->field);
}

/* The id match is skipped when /data has any schema error (§6). */
static bool id_rule_survives(const struct tc_field_error *e, const struct tc_field_errors *found)
{
	if (!is_id_rule(e))
		return true;
	for (size_t i = 0; i < found->count; i++)
		if (!found->items[i].rule && found->items[i].severity == TC_SEV_ERROR &&
		    !tc_validate_is_client_check(&found->items[i]))
			return false;
	return true;
}

enum tc_status tc_jsonapi_check_request(const char *body, size_t len, enum tc_jsonapi_request kind,
                                        const char *url_id, const struct tc_region *regions,
                                        size_t region_count, struct tc_trunk **out,
                                        struct tc_error *err)
{
	struct tc_field_errors errs = {0}, found = {0};
	enum tc_status rc = read_request(body, len, kind, url_id, out, &errs, err);
	if (rc != TC_OK)
		return rc;
	if (*out) {
		struct tc_validate_ctx ctx;
		tc_validate_ctx_init(
		    &ctx, kind == TC_JSONAPI_UPDATE ? TC_VALIDATE_UPDATE : TC_VALIDATE_CREATE,
		    regions, region_count);
		rc = tc_validate_record(&ctx, *out, &found);
		if (rc == TC_NOMEM || rc == TC_USAGE) {
			tc_field_errors_free(&found);
			tc_field_errors_free(&errs);
			tc_trunk_free(*out);
			*out = NULL;
			return tc_error_set(err, rc, NULL);
		}
		filter(&found, not_decode_failed, &errs);
		filter(&errs, id_rule_survives, &found);
		if (tc_field_errors_move(&errs, &found) != TC_OK) {
			tc_field_errors_free(&found);
			tc_field_errors_free(&errs);
			tc_trunk_free(*out);
			*out = NULL;
			return tc_error_set(err, TC_NOMEM, NULL);
		}
	}
	tc_field_errors_free(&found);
	return finish_request(&errs, out, err);
}

/* ---- error bodies ---- */

/* /data/attributes/<key>[/<n>] to a field and index; anything else is TC_FIELD_NONE. */
static void map_pointer(const char *pointer, int *field, int *index)
{
	static const char prefix[] = ATTRS_POINTER "/";
	*field = TC_FIELD_NONE;
	*index = -1;
	if (strncmp(pointer, prefix, sizeof(prefix) - 1) != 0)
		return;
	const char *key = pointer + sizeof(prefix) - 1;
	const char *slash = strchr(key, '/');
	size_t klen = slash ? (size_t)(slash - key) : strlen(key);
	char name[64];
	if (klen == 0 || klen >= sizeof(name))
		return;
	memcpy(name, key, klen);
	name[klen] = '\0';
	const struct tc_field_info *fi = tc_field_by_key(name);
	if (!fi)
		return;
	long n = -1;
	if (slash) {
		const char *digits = slash + 1;
		char *end;
		if (!isdigit((unsigned char)*digits))
			return;
		n = strtol(digits, &end, 10);
		if (*end || n > INT_MAX)
			return;
	}
	*field = fi->id;
	*index = (int)n;
}

static bool rule_title(int field, const char *pointer, const char *title)
{
	static const char ip_prefix[] = "contains invalid IP address";
	if (strcmp(title, "is required for outbound_registration mode") == 0)
		return true;
	if (strcmp(title, "is invalid") == 0)
		return (tc_field((enum tc_field_id)field) &&
		        tc_field((enum tc_field_id)field)->kind == TC_K_REGION) ||
		       strcmp(pointer, "/data/id") == 0;
	return strncmp(title, ip_prefix, sizeof(ip_prefix) - 1) == 0;
}

static enum tc_status errors_from_json(json_t *root, struct tc_field_errors *out,
                                       struct tc_error *err)
{
	json_t *list = json_object_get(root, "errors");
	if (!json_is_array(list))
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API sent an error document without an \"errors\" "
		                    "list");
	struct tc_field_errors local = {0};
	enum tc_status rc = TC_OK;
	for (size_t i = 0; rc == TC_OK && i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i);
		json_t *title = json_object_get(e, "title");
		json_t *pointer = json_object_get(json_object_get(e, "source"), "pointer");
		if (!json_is_string(title)) {
			rc = tc_error_set(
			    err, TC_PROTOCOL,
			    "the Carrier API sent an error (number %zu) without a title", i + 1);
			break;
		}
		const char *p = json_is_string(pointer) ? json_string_value(pointer) : "";
		int field, index;
		map_pointer(p, &field, &index);
		if (rule_title(field, p, json_string_value(title)))
			rc = tc_field_errors_add_rule(&local, field, index, TC_SEV_ERROR, p,
			                              json_string_value(title), NULL);
		else
			rc = tc_field_errors_add(&local, field, index, TC_SEV_ERROR, p,
			                         json_string_value(title), NULL);
		if (rc == TC_NOMEM)
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	if (rc == TC_OK && tc_field_errors_move(out, &local) != TC_OK)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	tc_field_errors_free(&local);
	return rc;
}

enum tc_status tc_jsonapi_decode_errors(const char *body, size_t len, struct tc_field_errors *out,
                                        struct tc_error *err)
{
	json_t *root;
	enum tc_status rc =
	    load(body, len, JSON_REJECT_DUPLICATES, "the Carrier API's error document", &root, err);
	if (rc != TC_OK)
		return rc;
	rc = errors_from_json(root, out, err);
	json_decref(root);
	return rc;
}

enum body_kind { BODY_EMPTY, BODY_HTML, BODY_ERRORS, BODY_STATUS, BODY_OTHER };

static enum body_kind classify(const char *body, size_t len, json_t **root)
{
	*root = NULL;
	size_t i = 0;
	while (body && i < len && isspace((unsigned char)body[i]))
		i++;
	if (!body || i == len)
		return BODY_EMPTY;
	if (body[i] == '<')
		return BODY_HTML;
	if (load(body, len, 0, "", root, NULL) != TC_OK)
		return BODY_OTHER;
	if (json_object_get(*root, "errors"))
		return BODY_ERRORS;
	if (json_is_string(json_object_get(*root, "error")))
		return BODY_STATUS;
	return BODY_OTHER;
}

enum tc_status tc_jsonapi_error_from_response(long http_status, const char *body, size_t len,
                                              struct tc_error *err)
{
	json_t *root;
	enum body_kind kind = classify(body, len, &root);
	char said[120] = "";
	if (kind == BODY_STATUS) {
		char text[90];
		excerpt(text, sizeof(text), json_string_value(json_object_get(root, "error")), 80);
		snprintf(said, sizeof(said), " %s", text);
	}
	const char *sent = kind == BODY_HTML    ? " with an HTML page"
	                   : kind == BODY_EMPTY ? " with an empty body"
	                                        : "";
	long code = http_status;
	enum tc_status rc;
	if (code == 401) {
		rc = tc_error_set(err, TC_AUTH,
		                  "the Carrier API refused the token (401): check that it is the "
		                  "carrier's API token and has not been revoked or expired");
	} else if (code == 403) {
		rc = tc_error_set(err, TC_FORBIDDEN,
		                  "the Carrier API refused access (403): the token lacks the "
		                  "carrier_api scope");
	} else if (code == 404 && kind == BODY_STATUS) {
		rc = tc_error_set(err, TC_NOT_FOUND,
		                  "the trunk was not found (404): it was deleted or belongs to "
		                  "another carrier");
	} else if (code == 404) {
		rc =
		    tc_error_set(err, TC_NOT_FOUND,
		                 "the Carrier API answered 404%s: check the API base URL (host and "
		                 "/carrier/v1 path)",
		                 sent);
	} else if (code == 422 && kind == BODY_ERRORS) {
		struct tc_field_errors errs = {0};
		rc = errors_from_json(root, &errs, err);
		if (rc == TC_OK) {
			char summary[400];
			summarise(summary, sizeof(summary), &errs);
			if (tc_field_errors_move(&err->fields, &errs) != TC_OK)
				rc = tc_error_set(err, TC_NOMEM, NULL);
			else
				rc = tc_error_set(err, TC_REJECTED,
				                  "the Carrier API rejected the trunk (422): %s",
				                  summary);
		} else {
			rc =
			    tc_error_set(err, TC_REJECTED,
			                 "the Carrier API rejected the request (422) with an error "
			                 "document that cannot be read");
		}
		tc_field_errors_free(&errs);
	} else if (code == 422) {
		rc = tc_error_set(err, TC_REJECTED,
		                  "the Carrier API rejected the request (422)%s without saying why",
		                  sent);
	} else if (code == 429) {
		rc = tc_error_set(err, TC_RATE_LIMITED,
		                  "the Carrier API is limiting the request rate (429): try again "
		                  "later");
	} else if (code >= 500 && code <= 599) {
		rc = tc_error_set(err, TC_SERVER,
		                  "the Carrier API failed (%ld%s)%s: the change was not applied; "
		                  "retry later",
		                  code, said, kind == BODY_STATUS ? "" : sent);
	} else if (code == 400) {
		rc = tc_error_set(err, TC_PROTOCOL,
		                  "the Carrier API could not read the request (400%s): it is not "
		                  "valid JSON or has a malformed query",
		                  said);
	} else if (code >= 300 && code <= 399) {
		rc =
		    tc_error_set(err, TC_PROTOCOL,
		                 "the Carrier API redirected the request (%ld): check the API base "
		                 "URL",
		                 code);
	} else {
		rc =
		    tc_error_set(err, TC_PROTOCOL,
		                 "unexpected answer from the Carrier API (HTTP %ld%s)", code, said);
	}
	json_decref(root);
	err->http_status = (int)(code > 0 && code < 1000 ? code : 0);
	return rc;
}

enum tc_status tc_jsonapi_format_resource(const char *document, bool reveal, char **out,
                                          struct tc_error *err)
{
	*out = NULL;
	json_t *root = NULL;
	enum tc_status rc = load(document, strlen(document), 0, "the stored document", &root, err);
	if (rc != TC_OK)
		return rc;
	json_t *attrs = json_object_get(root, "attributes");
	for (int f = 0; !reveal && json_is_object(attrs) && f < TC_FIELD_COUNT; f++) {
		json_t *v = json_object_get(attrs, tc_field(f)->key);
		if ((tc_field(f)->flags & TC_FF_SECRET) && json_is_string(v) &&
		    json_string_length(v) > 0 && json_string_set(v, TC_SECRET_MASK) != 0)
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	if (rc == TC_OK && !(*out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	json_decref(root);
	return rc;
}
