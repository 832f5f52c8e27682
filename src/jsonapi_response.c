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

/* n bytes as a new string; not strndup, which may read on to a NUL the text need not have. */
static char *text_copy(const char *s, size_t n)
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
	if (!uuid_like(json_string_value(id)))
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
	              ? text_copy(text, text_len)
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

/*
 * ---- the quick reading of a page ----
 *
 * jansson's parse and tree were most of the CPU of a pull (150,000
 * instructions a trunk). A page as the server renders it is read here
 * straight into trunks instead: strict JSON as jansson reads it (UTF-8
 * checked, escapes decoded, duplicate keys refused), every element a
 * sip_trunk with a UUID, attributes from the table only, values of their
 * type, each element's text its own dump. Anything else (an unknown
 * attribute, a real number, a key spelt with escapes, any error) is left to
 * the jansson path by QUICK_OTHER, which reads it and says what is wrong as
 * it always has: this path only ever gives what that one would.
 */
enum { QUICK_OTHER = JSONAPI_QUICK_OTHER };

#define QUICK_MAX_DEPTH 16
#define QUICK_MAX_KEYS 32

struct qr {
	const char *p, *end;
	/*
	 * Set once what was read is not as json_dumps writes it (white space,
	 * an escape it would not use, -0): then an element's text is not its
	 * document. dumped_as_is says the same of text read by jansson.
	 */
	bool not_dump;
};

static void q_ws(struct qr *r)
{
	const char *p = r->p;
	while (p < r->end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	r->not_dump |= p != r->p;
	r->p = p;
}

static bool q_char(struct qr *r, char c)
{
	q_ws(r);
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return true;
	}
	return false;
}

static int q_hex4(const char *p)
{
	int v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * The string at r->p as jansson lexes it: no control characters, UTF-8,
 * escapes jansson knows, surrogates in pairs, no \u0000. *s and *n give its
 * text between the quotes, *esc whether that holds escapes.
 */
static bool q_string(struct qr *r, const char **s, size_t *n, bool *esc)
{
	q_ws(r);
	if (r->p >= r->end || *r->p != '"')
		return false;
	const unsigned char *p = (const unsigned char *)r->p + 1,
	                    *end = (const unsigned char *)r->end;
	*s = (const char *)p;
	*esc = false;
	while (p < end && *p != '"') {
		if (*p < 0x20) {
			return false;
		} else if (*p >= 0x80) {
			size_t k = tc_utf8_seq(p, end);
			if (!k)
				return false;
			p += k;
		} else if (*p != '\\') {
			p++;
		} else {
			*esc = true;
			if (end - p < 2)
				return false;
			r->not_dump |= p[1] == '/' || p[1] == 'u';
			if (p[1] != 'u') {
				if (!strchr("\"\\/bfnrt", p[1]) || !p[1])
					return false;
				p += 2;
				continue;
			}
			int cp = end - p >= 6 ? q_hex4((const char *)p + 2) : -1;
			if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
				return false;
			p += 6;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u'
				             ? q_hex4((const char *)p + 2)
				             : -1;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return false;
				p += 6;
			}
		}
	}
	if (p >= end)
		return false;
	*n = (size_t)((const char *)p - *s);
	r->p = (const char *)p + 1;
	return true;
}

/* A member's key, spelt without escapes (so its text is the key), and its colon. */
static bool q_key(struct qr *r, const char **k, size_t *n)
{
	bool esc;
	return q_string(r, k, n, &esc) && !esc && q_char(r, ':');
}

/* A new copy of a string q_string accepted, its escapes decoded. */
static char *q_unescape(const char *s, size_t n, bool esc)
{
	if (!esc)
		return text_copy(s, n);
	char *out = malloc(n + 1), *w = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		if (s[i] != '\\') {
			*w++ = s[i++];
			continue;
		}
		char c = s[i + 1];
		if (c != 'u') {
			*w++ = c == 'b'   ? '\b'
			       : c == 'f' ? '\f'
			       : c == 'n' ? '\n'
			       : c == 'r' ? '\r'
			       : c == 't' ? '\t'
			                  : c;
			i += 2;
			continue;
		}
		long cp = q_hex4(s + i + 2);
		i += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (q_hex4(s + i + 2) - 0xDC00);
			i += 6;
		}
		if (cp < 0x80) {
			*w++ = (char)cp;
		} else if (cp < 0x800) {
			*w++ = (char)(0xC0 | (cp >> 6));
			*w++ = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			*w++ = (char)(0xE0 | (cp >> 12));
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*w++ = (char)(0x80 | (cp & 0x3F));
		} else {
			*w++ = (char)(0xF0 | (cp >> 18));
			*w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*w++ = (char)(0x80 | (cp & 0x3F));
		}
	}
	*w = '\0';
	return out;
}

/* An integer of at most 18 digits (no overflow to check), not part of a real. */
static bool q_int(struct qr *r, long long *out)
{
	q_ws(r);
	const char *p = r->p, *end = r->end;
	bool neg = p < end && *p == '-';
	p += neg;
	const char *digits = p;
	long long v = 0;
	while (p < end && *p >= '0' && *p <= '9' && p - digits < 18)
		v = v * 10 + (*p++ - '0');
	if (p == digits || (*digits == '0' && p - digits > 1) ||
	    (p < end && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9'))))
		return false;
	*out = neg ? -v : v;
	r->not_dump |= neg && v == 0;
	r->p = p;
	return true;
}

static bool q_word(struct qr *r, const char *w, size_t n)
{
	q_ws(r);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return false;
	r->p += n;
	return true;
}

static bool q_value(struct qr *r, int depth);

/*
 * The object at r->p, every member checked; keys without escapes, none
 * twice. When want is given, *found is where its value starts (NULL when
 * the object has no such key).
 */
static bool q_object(struct qr *r, int depth, const char *want, const char **found)
{
	const char *keys[QUICK_MAX_KEYS];
	size_t lens[QUICK_MAX_KEYS], count = 0;
	if (found)
		*found = NULL;
	if (depth > QUICK_MAX_DEPTH || !q_char(r, '{'))
		return false;
	if (q_char(r, '}'))
		return true;
	do {
		const char *k;
		size_t n;
		if (count == QUICK_MAX_KEYS || !q_key(r, &k, &n))
			return false;
		for (size_t i = 0; i < count; i++)
			if (lens[i] == n && memcmp(keys[i], k, n) == 0)
				return false;
		keys[count] = k;
		lens[count++] = n;
		q_ws(r);
		if (want && strlen(want) == n && memcmp(want, k, n) == 0)
			*found = r->p;
		if (!q_value(r, depth + 1))
			return false;
	} while (q_char(r, ','));
	return q_char(r, '}');
}

/* Any value but a real number, checked as jansson reads it. */
static bool q_value(struct qr *r, int depth)
{
	q_ws(r);
	if (r->p >= r->end || depth > QUICK_MAX_DEPTH)
		return false;
	const char *s;
	size_t n;
	bool esc;
	long long i;
	switch (*r->p) {
	case '{':
		return q_object(r, depth, NULL, NULL);
	case '[':
		r->p++;
		if (q_char(r, ']'))
			return true;
		do
			if (!q_value(r, depth + 1))
				return false;
		while (q_char(r, ','));
		return q_char(r, ']');
	case '"':
		return q_string(r, &s, &n, &esc);
	case 't':
		return q_word(r, "true", 4);
	case 'f':
		return q_word(r, "false", 5);
	case 'n':
		return q_word(r, "null", 4);
	default:
		return q_int(r, &i);
	}
}

/*
 * unwrap_rendering of the object at r->p: a region's {"table":{"alias"}}
 * or {"alias"}, a sender's {"value"}. The object is checked whole and r left
 * past it; *v is where the unwrapped value starts, NULL when not there.
 */
static bool q_unwrap(struct qr *r, enum tc_field_kind kind, const char **v)
{
	const char *outer = r->p, *inner;
	if (!q_object(r, 2, kind == TC_K_REGION ? "table" : "value", &inner))
		return false;
	if (kind == TC_K_SENDER) {
		*v = inner;
		return true;
	}
	/* the object checked whole above, a second look at it only finds the alias */
	bool table = inner && *inner == '{';
	struct qr again = {.p = table ? inner : outer, .end = r->end};
	return q_object(&again, table ? 3 : 2, "alias", v);
}

/* One attribute's value into v, as decode_value reads a rendering; QUICK_OTHER otherwise. */
static int q_attribute(struct qr *r, const struct tc_field_info *fi, struct tc_trunk *t)
{
	struct tc_value *v = &t->values[fi->id];
	/* a plain value is read where it is, r moving past it; a rendering is checked first */
	struct qr inner, *q = r;
	const char *at = NULL;
	q_ws(r);
	if (r->p < r->end && *r->p == '{' && (fi->kind == TC_K_REGION || fi->kind == TC_K_SENDER)) {
		if (!q_unwrap(r, fi->kind, &at))
			return QUICK_OTHER;
		inner = (struct qr){.p = at, .end = r->end};
		q = &inner;
	}
	if ((q == &inner && !at) || q_word(q, "null", 4))
		return tc_trunk_set_null(t, fi->id);
	const char *s;
	size_t n;
	bool esc, yes;
	long long i;
	switch (fi->type) {
	case TC_T_STRING: {
		if (!q_string(q, &s, &n, &esc))
			return QUICK_OTHER;
		/* decoded straight into the value: a setter would copy it once more */
		char *copy = q_unescape(s, n, esc);
		if (!copy)
			return TC_NOMEM;
		tc_value_clear(v);
		*v = (struct tc_value){.state = TC_V_SET, .s = copy};
		return TC_OK;
	}
	case TC_T_INT:
		return q_int(q, &i) ? (int)tc_trunk_set_int(t, fi->id, i) : QUICK_OTHER;
	case TC_T_BOOL:
		yes = q_word(q, "true", 4);
		return yes || q_word(q, "false", 5) ? (int)tc_trunk_set_bool(t, fi->id, yes)
		                                    : QUICK_OTHER;
	case TC_T_LIST:
		break;
	}
	if (!q_char(q, '['))
		return QUICK_OTHER;
	struct tc_value list = {.state = TC_V_SET};
	size_t cap = 0;
	int rc = TC_OK;
	if (!q_char(q, ']')) {
		do {
			if (q_word(q, "null", 4))
				continue; /* dropped, as decode_list drops them */
			if (!q_string(q, &s, &n, &esc)) {
				rc = QUICK_OTHER;
				break;
			}
			char **items =
			    tc_grow(list.list.items, &cap, list.list.count + 1, sizeof(char *), 4);
			char *item = items ? q_unescape(s, n, esc) : NULL;
			if (items)
				list.list.items = items;
			if (!item) {
				rc = TC_NOMEM;
				break;
			}
			items[list.list.count++] = item;
		} while (q_char(q, ','));
		if (rc == TC_OK && !q_char(q, ']'))
			rc = QUICK_OTHER;
	}
	if (rc != TC_OK) {
		tc_value_clear(&list);
		return rc;
	}
	tc_value_clear(v);
	*v = list;
	return TC_OK;
}

static int q_attributes(struct qr *r, struct tc_trunk *t)
{
	bool seen[TC_FIELD_COUNT] = {false};
	int expect = 0;
	if (!q_char(r, '{'))
		return QUICK_OTHER;
	if (q_char(r, '}'))
		return TC_OK;
	do {
		const char *k;
		size_t n;
		char key[64];
		if (!q_key(r, &k, &n) || n >= sizeof(key))
			return QUICK_OTHER;
		memcpy(key, k, n);
		key[n] = '\0';
		const struct tc_field_info *fi =
		    expect < TC_FIELD_COUNT && strcmp(tc_field(expect)->key, key) == 0
		        ? tc_field(expect)
		        : tc_field_by_key(key);
		if (!fi || seen[fi->id])
			return QUICK_OTHER; /* extra attributes and repeats: jansson's */
		seen[fi->id] = true;
		expect = fi->id + 1;
		int rc = q_attribute(r, fi, t);
		if (rc != TC_OK)
			return rc;
	} while (q_char(r, ','));
	return q_char(r, '}') ? TC_OK : QUICK_OTHER;
}

/* One element of data into *out, its text [from, r->p) kept as its document when it is its dump. */
static int q_resource(struct qr *r, struct tc_trunk **out)
{
	*out = NULL;
	q_ws(r);
	const char *from = r->p, *keys[QUICK_MAX_KEYS];
	r->not_dump = false;
	size_t lens[QUICK_MAX_KEYS], count = 0;
	bool typed = false;
	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return TC_NOMEM;
	int rc = q_char(r, '{') ? TC_OK : QUICK_OTHER;
	bool attributes = false;
	while (rc == TC_OK) {
		const char *k, *s;
		size_t n, sn;
		bool esc;
		if (count == QUICK_MAX_KEYS || !q_key(r, &k, &n)) {
			rc = QUICK_OTHER;
			break;
		}
		for (size_t i = 0; i < count; i++)
			if (lens[i] == n && memcmp(keys[i], k, n) == 0)
				rc = QUICK_OTHER;
		keys[count] = k;
		lens[count++] = n;
		if (rc != TC_OK)
			break;
		if (n == 4 && memcmp(k, "type", 4) == 0) {
			typed = q_string(r, &s, &sn, &esc) && !esc &&
			        sn == strlen(TC_JSONAPI_TYPE) &&
			        memcmp(s, TC_JSONAPI_TYPE, sn) == 0;
			rc = typed ? TC_OK : QUICK_OTHER;
		} else if (n == 2 && memcmp(k, "id", 2) == 0) {
			char id[37];
			if (!q_string(r, &s, &sn, &esc) || esc || sn != 36) {
				rc = QUICK_OTHER;
				break;
			}
			memcpy(id, s, 36);
			id[36] = '\0';
			if (!uuid_like(id))
				rc = QUICK_OTHER;
			else if (!(t->id = strdup(id)))
				rc = TC_NOMEM;
		} else if (n == 10 && memcmp(k, "attributes", 10) == 0) {
			attributes = true;
			rc = q_attributes(r, t);
		} else if (!q_value(r, 2)) {
			rc = QUICK_OTHER;
		}
		if (rc == TC_OK && !q_char(r, ','))
			break;
	}
	if (rc == TC_OK && (!q_char(r, '}') || !typed || !t->id || !attributes))
		rc = QUICK_OTHER;
	if (rc == TC_OK) {
		size_t len = (size_t)(r->p - from);
		if (r->not_dump)
			rc = QUICK_OTHER;
		else if (!(t->document = text_copy(from, len)))
			rc = TC_NOMEM;
	}
	if (rc != TC_OK) {
		tc_trunk_destroy(t);
		return rc;
	}
	*out = t;
	return TC_OK;
}

int jsonapi_page_quick(const char *body, size_t len, struct tc_jsonapi_page *page)
{
	if (!body)
		return QUICK_OTHER;
	struct qr r = {.p = body, .end = body + len};
	const char *links_at = NULL, *links_end = NULL;
	bool data = false;
	int rc = q_char(&r, '{') ? TC_OK : QUICK_OTHER;
	size_t cap = 0;
	while (rc == TC_OK) {
		const char *k;
		size_t n;
		if (!q_key(&r, &k, &n)) {
			rc = QUICK_OTHER;
		} else if (n == 4 && memcmp(k, "data", 4) == 0 && !data) {
			data = true;
			if (!q_char(&r, '[')) {
				rc = QUICK_OTHER;
			} else if (!q_char(&r, ']')) {
				do {
					struct tc_trunk **items =
					    tc_grow(page->items, &cap, page->count + 1,
					            sizeof(*items), 128);
					if (!items) {
						rc = TC_NOMEM;
						break;
					}
					page->items = items;
					rc = q_resource(&r, &page->items[page->count]);
					if (rc == TC_OK)
						page->count++;
				} while (rc == TC_OK && q_char(&r, ','));
				if (rc == TC_OK && !q_char(&r, ']'))
					rc = QUICK_OTHER;
			}
		} else if (n == 5 && memcmp(k, "links", 5) == 0 && !links_at) {
			q_ws(&r);
			links_at = r.p;
			if (!q_object(&r, 1, NULL, NULL))
				rc = QUICK_OTHER;
			links_end = r.p;
		} else {
			rc = QUICK_OTHER; /* other members and repeats: jansson's */
		}
		if (rc == TC_OK && !q_char(&r, ','))
			break;
	}
	if (rc == TC_OK && (!q_char(&r, '}') || !data || !links_at))
		rc = QUICK_OTHER;
	q_ws(&r);
	if (rc == TC_OK && r.p != r.end)
		rc = QUICK_OTHER;
	json_t *links = NULL;
	if (rc == TC_OK) {
		links = json_loadb(links_at, (size_t)(links_end - links_at), JSON_REJECT_DUPLICATES,
		                   NULL);
		if (!links || read_link(links, "prev", &page->prev, NULL) != TC_OK ||
		    read_link(links, "next", &page->next, NULL) != TC_OK)
			rc = QUICK_OTHER;
	}
	json_decref(links);
	if (rc != TC_OK)
		tc_jsonapi_page_finish(page);
	return rc;
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
		rc = read_link(links, "prev", &page->prev, err);
	if (rc == TC_OK)
		rc = read_link(links, "next", &page->next, err);
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
