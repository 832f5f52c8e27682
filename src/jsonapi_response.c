/*
 * The Carrier API's answers read into trunks: one resource, a page of the
 * collection and its links, a stored document shown again. Also the reading
 * of JSON text that every part of the codec shares (depth limit, messages
 * that cannot leak a secret).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonapi_private.h"
#include "trunk_json.h"
#include "trunkctl/jsonapi.h"
#include "util.h"

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

/* jsonapi_load once the depth is known (deep: body nests too deep). */
static enum tc_status load_scanned(const char *body, size_t len, size_t flags, const char *what,
                                   bool deep, json_t **out, struct tc_error *err)
{
	*out = NULL;
	if (!body)
		len = 0;
	if (deep)
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

enum tc_status jsonapi_load(const char *body, size_t len, size_t flags, const char *what,
                            json_t **out, struct tc_error *err)
{
	return load_scanned(body, len, flags, what, body && too_deep(body, len), out, err);
}

void jsonapi_excerpt(char *dst, size_t cap, const char *src, size_t max_bytes)
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

bool jsonapi_uuid_like(const char *s)
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

char *jsonapi_text_copy(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	if (out) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
	return out;
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
		jsonapi_excerpt(shown, sizeof(shown), json_string_value(type), 40);
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
	if (!jsonapi_uuid_like(json_string_value(id)))
		return protocol(err, where, "has an \"id\" that is not a UUID");
	json_t *attrs = json_object_get(data, "attributes");
	if (!attrs)
		return protocol(err, where, "has no \"attributes\"");
	if (!json_is_object(attrs))
		return protocol(err, where, "has \"attributes\" that are not an object");

	struct tc_trunk *t = tc_trunk_new();
	if (!t || tc_trunk_set_id(t, json_string_value(id)) != TC_OK) {
		tc_trunk_destroy(t);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	struct tc_field_errors fe = {0};
	enum tc_status rc = tc_trunk_attrs_from_json(attrs, t, prefix, false, &fe);
	if (rc == TC_NOMEM) {
		rc = tc_error_set(err, TC_NOMEM, NULL);
	} else if (rc != TC_OK) {
		char ptr[128], title[96];
		jsonapi_excerpt(ptr, sizeof(ptr), fe.count ? fe.items[0].pointer : prefix, 100);
		jsonapi_excerpt(title, sizeof(title), fe.count ? fe.items[0].title : "is malformed",
		                80);
		rc = tc_error_set(err, TC_PROTOCOL,
		                  "the Carrier API sent a trunk document that is not understood: "
		                  "%s %s",
		                  ptr, title);
	}
	tc_field_errors_finish(&fe);
	if (rc == TC_OK &&
	    !(t->document =
	          text && dumped_as_is(text, text_len)
	              ? jsonapi_text_copy(text, text_len)
	              : json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	if (rc != TC_OK) {
		tc_trunk_destroy(t);
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
	    jsonapi_load(body, len, JSON_REJECT_DUPLICATES, "the Carrier API's answer", &root, err);
	if (rc != TC_OK)
		return rc;
	if (!json_is_object(root))
		rc = protocol(err, "the answer", "is not a JSON object");
	else if (!json_object_get(root, "data"))
		rc = protocol(err, "the answer", "has no \"data\" member");
	else
		rc = decode_resource_object(json_object_get(root, "data"), NULL, 0, "data",
		                            JSONAPI_ATTRS_POINTER, out, err);
	json_decref(root);
	return rc;
}

void tc_jsonapi_page_finish(struct tc_jsonapi_page *page)
{
	if (!page)
		return;
	for (size_t i = 0; i < page->count; i++)
		tc_trunk_destroy(page->items[i]);
	free(page->items);
	free(page->prev);
	free(page->next);
	memset(page, 0, sizeof(*page));
}

enum tc_status jsonapi_read_link(json_t *links, const char *key, char **out, struct tc_error *err)
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
	size_t from = i + 1;
	while (from < len) {
		const char *q = memchr(body + from, '"', len - from);
		if (!q)
			return len;
		size_t at = (size_t)(q - body), backslashes = 0;
		while (at - backslashes > from && body[at - backslashes - 1] == '\\')
			backslashes++;
		/* an odd run of backslashes escapes the quote */
		if (backslashes % 2 == 0)
			return at + 1;
		from = at + 1;
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
 * The outline of a page in one pass: the depth check of too_deep and, for
 * "data" and "links", what member_text finds, with the same rules (the
 * first top-level key spelt so, its value an object or array, the brackets
 * of strings not counted).
 */
static void outline_scan(const char *body, size_t len, struct tc_jsonapi_outline *ol)
{
	static const char *const keys[2] = {"\"data\"", "\"links\""};
	static const size_t key_lens[2] = {6, 7};
	size_t *at[2] = {&ol->data_at, &ol->links_at}, *end[2] = {&ol->data_end, &ol->links_end};
	memset(ol, 0, sizeof(*ol));
	size_t start = skip_space(body, len, 0);
	bool object = start < len && body[start] == '{';
	/* per key: still looked for, or open at depth 2 until its bracket closes */
	bool looking[2] = {object, object}, open[2] = {false, false};
	size_t depth = 0;
	for (size_t i = start; i < len;) {
		char c = body[i];
		if (c == '"') {
			size_t k = i;
			i = skip_string(body, len, i);
			for (int m = 0; depth == 1 && m < 2; m++) {
				if (!looking[m] || i - k != key_lens[m] ||
				    memcmp(body + k, keys[m], key_lens[m]) != 0)
					continue;
				size_t colon = skip_space(body, len, i);
				if (colon >= len || body[colon] != ':')
					continue;
				looking[m] = false;
				size_t v = skip_space(body, len, colon + 1);
				if (v < len && (body[v] == '{' || body[v] == '[')) {
					*at[m] = v;
					open[m] = true;
				}
			}
			continue;
		}
		if (c == '{' || c == '[') {
			if (++depth > TC_JSONAPI_MAX_DEPTH)
				ol->too_deep = true;
		} else if ((c == '}' || c == ']') && depth > 0 && --depth == 1) {
			for (int m = 0; m < 2; m++)
				if (open[m] && i > *at[m]) {
					open[m] = false;
					*end[m] = i + 1;
				}
		}
		i++;
	}
}

bool tc_jsonapi_peek_next_outlined(const char *body, size_t len, char **next,
                                   struct tc_jsonapi_outline *outline)
{
	*next = NULL;
	if (!body)
		len = 0;
	outline_scan(body ? body : "", len, outline);
	if (!outline->links_end || body[outline->links_at] != '{')
		return false;
	json_t *links = json_loadb(body + outline->links_at, outline->links_end - outline->links_at,
	                           JSON_REJECT_DUPLICATES, NULL);
	json_t *v = json_object_get(links, "next");
	bool found = json_is_string(v) && (*next = strdup(json_string_value(v))) != NULL;
	json_decref(links);
	return found;
}

bool tc_jsonapi_peek_next(const char *body, size_t len, char **next)
{
	struct tc_jsonapi_outline outline;
	return tc_jsonapi_peek_next_outlined(body, len, next, &outline);
}

enum tc_status tc_jsonapi_decode_collection_outlined(const char *body, size_t len,
                                                     const struct tc_jsonapi_outline *outline,
                                                     struct tc_jsonapi_page *page,
                                                     struct tc_error *err)
{
	memset(page, 0, sizeof(*page));
	/* a page nested deeper than QUICK_MAX_DEPTH (below the server's limit) is the tree's */
	int quick = jsonapi_page_quick(body, len, page);
	if (quick == TC_NOMEM)
		return tc_error_set(err, TC_NOMEM, NULL);
	if (quick == TC_OK)
		return TC_OK;
	return jsonapi_decode_collection_tree(body, len, outline, page, err);
}

enum tc_status jsonapi_decode_collection_tree(const char *body, size_t len,
                                              const struct tc_jsonapi_outline *outline,
                                              struct tc_jsonapi_page *page, struct tc_error *err)
{
	memset(page, 0, sizeof(*page));
	struct tc_jsonapi_outline scanned;
	if (!body)
		len = 0;
	if (!outline) {
		outline_scan(body ? body : "", len, &scanned);
		outline = &scanned;
	}
	json_t *root;
	enum tc_status rc = load_scanned(body, len, JSON_REJECT_DUPLICATES,
	                                 "the Carrier API's answer", outline->too_deep, &root, err);
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
		rc = jsonapi_read_link(links, "prev", &page->prev, err);
	if (rc == TC_OK)
		rc = jsonapi_read_link(links, "next", &page->next, err);
	size_t n = json_array_size(data);
	if (rc == TC_OK && n && !(page->items = calloc(n, sizeof(*page->items))))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	/* the elements' text, in order, for their documents (the decode checks them) */
	size_t at = outline->data_at + 1, end = outline->data_end;
	bool texts = rc == TC_OK && end && body[outline->data_at] == '[';
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
		tc_jsonapi_page_finish(page);
	return rc;
}

enum tc_status tc_jsonapi_decode_collection(const char *body, size_t len,
                                            struct tc_jsonapi_page *page, struct tc_error *err)
{
	return tc_jsonapi_decode_collection_outlined(body, len, NULL, page, err);
}

enum tc_status tc_jsonapi_format_resource(const char *document, bool reveal, char **out,
                                          struct tc_error *err)
{
	*out = NULL;
	json_t *root = NULL;
	enum tc_status rc =
	    jsonapi_load(document, strlen(document), 0, "the stored document", &root, err);
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
