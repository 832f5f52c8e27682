/*
 * A page of trunks read without jansson (jsonapi_private.h): the pull's
 * fast path, held to jsonapi_decode_collection_tree by the unit tests and
 * the fuzzer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jsonapi_private.h"
#include "trunk_json.h"
#include "trunkctl/jsonapi.h"
#include "util.h"

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
	 * document, and q_redump writes the dump. dumped_as_is says the same
	 * of text read by jansson.
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
		return jsonapi_text_copy(s, n);
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

/*
 * The element text p (n bytes), which the reader accepted but which is not
 * as json_dumps writes it, written as json_dumps(JSON_COMPACT) would: no
 * white space between tokens, strings escaped in jansson's spelling, -0 as
 * 0. Rails escapes '&', '<' and '>' as \u0026 and the like in every name
 * that has one, so without this such a page went to jansson whole.
 */
static char *q_redump(const char *p, size_t n)
{
	char *out = malloc(n + 1), *w = out;
	bool ok = out != NULL;
	for (size_t i = 0; ok && i < n;) {
		char c = p[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
		} else if (c == '"') {
			size_t from = ++i;
			bool esc = false;
			for (; p[i] != '"'; i++)
				if (p[i] == '\\') {
					esc = true;
					i++;
				}
			*w++ = '"';
			if (esc) {
				/* decoded and escaped again, a string never grows */
				char *text = q_unescape(p + from, i - from, true);
				char *to = text ? tc_json_escape(w, text, strlen(text)) : NULL;
				free(text);
				if (!to) {
					ok = false;
					break;
				}
				w = to;
			} else {
				memcpy(w, p + from, i - from);
				w += i - from;
			}
			*w++ = '"';
			i++;
		} else if (c == '-' && i + 1 < n && p[i + 1] == '0') {
			/* the reader took no other number starting -0 */
			*w++ = '0';
			i += 2;
		} else {
			*w++ = c;
			i++;
		}
	}
	if (!ok) {
		free(out);
		return NULL;
	}
	*w = '\0';
	return out;
}

/* An integer of at most 18 digits (tc_json_small_int), not part of a real. */
static bool q_int(struct qr *r, long long *out)
{
	q_ws(r);
	const char *p = tc_json_small_int(r->p, r->end, out);
	if (!p)
		return false;
	/* jansson dumps -0 as 0: the text is then not the element's dump */
	r->not_dump |= *r->p == '-' && *out == 0;
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
			if (!jsonapi_uuid_like(id))
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
		t->document = r->not_dump ? q_redump(from, len) : jsonapi_text_copy(from, len);
		if (!t->document)
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
		if (!links || jsonapi_read_link(links, "prev", &page->prev, NULL) != TC_OK ||
		    jsonapi_read_link(links, "next", &page->next, NULL) != TC_OK)
			rc = QUICK_OTHER;
	}
	json_decref(links);
	if (rc != TC_OK)
		tc_jsonapi_page_finish(page);
	return rc;
}
