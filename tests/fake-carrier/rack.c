/*
 * What Rack, ActiveSupport and Ruby do to request and response text: query
 * parsing and rebuilding, String#to_i, Base64.decode64, HTTP dates, ETags,
 * and the JSON parser's nesting limit.
 */
/*
 * If-Modified-Since is an HTTP date: strptime (XSI) reads it, timegm
 * (outside POSIX) turns it into seconds as UTC.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include "fake.h"
#include "lib/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JSON_MAX_NESTING 100

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* URI.decode_www_form_component: '+' is a space, a bad '%' sequence is an error. */
char *fake_form_decode(const char *s, size_t n, bool plus)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
			continue;
		}
		out[o++] = plus && s[i] == '+' ? ' ' : s[i];
	}
	out[o] = '\0';
	return out;
}

/* CGI.escape, which ActiveSupport's fake_to_query uses. */
static void cgi_escape(const char *s, char **buf, size_t *len, size_t *cap)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[4];
		size_t n;
		if (isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~') {
			tmp[0] = (char)c;
			n = 1;
		} else if (c == ' ') {
			tmp[0] = '+';
			n = 1;
		} else {
			snprintf(tmp, sizeof(tmp), "%%%02X", c);
			n = 3;
		}
		if (!tl_append(buf, len, cap, tmp, n))
			return;
	}
}

static char *escaped(const char *s)
{
	size_t len = 0, cap = strlen(s) * 3 + 1;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	buf[0] = '\0';
	cgi_escape(s, &buf, &len, &cap);
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_parts(char **parts, size_t n, bool sort)
{
	if (sort)
		qsort(parts, n, sizeof(*parts), cmp_str);
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += strlen(parts[i]) + 1;
	char *out = malloc(total);
	if (!out)
		return NULL;
	out[0] = '\0';
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);
		if (i)
			out[o++] = '&';
		memcpy(out + o, parts[i], l);
		o += l;
		out[o] = '\0';
	}
	return out;
}

/* ActiveSupport Object#fake_to_query / Hash#fake_to_query / Array#fake_to_query. */
char *fake_to_query(const json_t *v, const char *ns)
{
	if (json_is_object(v)) {
		size_t n = 0, cap = json_object_size(v);
		char **parts = calloc(cap + 1, sizeof(*parts));
		const char *k;
		json_t *m;
		if (!parts)
			return NULL;
		json_object_foreach((json_t *)v, k, m)
		{
			if ((json_is_object(m) && json_object_size(m) == 0) ||
			    (json_is_array(m) && json_array_size(m) == 0))
				continue;
			char *sub;
			if (ns) {
				size_t l = strlen(ns) + strlen(k) + 3;
				char *name = malloc(l);
				if (!name)
					continue;
				snprintf(name, l, "%s[%s]", ns, k);
				sub = fake_to_query(m, name);
				free(name);
			} else {
				sub = fake_to_query(m, k);
			}
			if (sub)
				parts[n++] = sub;
		}
		char *out = join_parts(parts, n, !(ns && strstr(ns, "[]")));
		for (size_t i = 0; i < n; i++)
			free(parts[i]);
		free(parts);
		return out;
	}
	if (json_is_array(v)) {
		size_t l = strlen(ns) + 3;
		char *name = malloc(l);
		if (!name)
			return NULL;
		snprintf(name, l, "%s[]", ns);
		size_t n = json_array_size(v);
		char **parts = calloc(n + 1, sizeof(*parts));
		size_t i, k = 0;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			char *sub = parts ? fake_to_query(e, name) : NULL;
			if (sub)
				parts[k++] = sub;
		}
		char *out = parts ? join_parts(parts, k, false) : NULL;
		for (i = 0; parts && i < k; i++)
			free(parts[i]);
		free(parts);
		free(name);
		return out;
	}
	char *ek = escaped(ns);
	char *ev = escaped(json_is_string(v) ? json_string_value(v) : "");
	char *out = NULL;
	if (ek && ev) {
		size_t l = strlen(ek) + strlen(ev) + 2;
		out = malloc(l);
		if (out)
			snprintf(out, l, "%s=%s", ek, ev);
	}
	free(ek);
	free(ev);
	return out;
}

/*
 * Rack's nested query parser, '&' only (Rails 8.1). Returns 0, or -1 for an
 * undecodable '%' sequence or a key that is used both as a scalar and as a
 * hash (both 400 in Rails).
 */
int fake_parse_query(const char *q, json_t *params)
{
	while (q && *q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', n);
		size_t kn = eq ? (size_t)(eq - q) : n;
		char *key = fake_form_decode(q, kn, true);
		char *val = eq ? fake_form_decode(eq + 1, n - kn - 1, true) : NULL;
		int rc = 0;
		if (!key || (eq && !val)) {
			rc = -1;
		} else if (*key) {
			/* name[seg][seg]... */
			char *br = strchr(key, '[');
			json_t *node = params;
			char *name = key;
			if (br == key)
				br = NULL;
			if (br)
				*br = '\0';
			char *rest = br ? br + 1 : NULL;
			json_t *leaf = val ? json_string(val) : json_null();
			while (rc == 0 && rest) {
				char *close = strchr(rest, ']');
				if (!close)
					break;
				*close = '\0';
				json_t *child = json_object_get(node, name);
				if (*rest == '\0') {
					/* name[] : an array of scalars */
					if (!child) {
						child = json_array();
						json_object_set_new(node, name, child);
					}
					if (!json_is_array(child))
						rc = -1;
					else
						json_array_append(child, leaf);
					json_decref(leaf);
					leaf = NULL;
					break;
				}
				if (!child) {
					child = json_object();
					json_object_set_new(node, name, child);
				}
				if (!json_is_object(child)) {
					rc = -1;
					break;
				}
				node = child;
				name = rest;
				rest = close[1] == '[' ? close + 2 : NULL;
			}
			if (rc == 0 && leaf) {
				json_t *cur = json_object_get(node, name);
				if (cur && (json_is_object(cur) || json_is_array(cur)))
					rc = -1;
				else
					json_object_set(node, name, leaf);
			}
			json_decref(leaf);
		}
		free(key);
		free(val);
		if (rc != 0)
			return -1;
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* Ruby's String#to_i, saturated. */
long long fake_ruby_to_i(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	int sign = 1;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	long long v = 0;
	for (; *s; s++) {
		if (*s == '_' && isdigit((unsigned char)s[1]) && s[-1] != '_')
			continue;
		if (!isdigit((unsigned char)*s))
			break;
		if (v < 1000000000LL)
			v = v * 10 + (*s - '0');
	}
	return sign * v;
}

/*
 * For scanners of raw JSON text: true when s[*i] is part of a string, its
 * quotes included, so that brackets and digits in strings are not read as
 * structure; steps *i over an escaped character.
 */
static bool in_json_string(const char *s, size_t *i, bool *in_str)
{
	char c = s[*i];
	if (*in_str) {
		if (c == '\\')
			(*i)++;
		else if (c == '"')
			*in_str = false;
		return true;
	}
	if (c == '"')
		*in_str = true;
	return *in_str;
}

/* Ruby JSON's max_nesting (100) counts arrays and objects. */
bool fake_json_too_deep(const char *s, size_t n)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		if (in_json_string(s, &i, &in_str))
			continue;
		char c = s[i];
		if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_NESTING)
				return true;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return false;
}

bool fake_parse_http_date(const char *s, long long *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return false;
	*out = (long long)timegm(&tm);
	return true;
}

void fake_weak_etag(const char *body, size_t len, char out[40])
{
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
	for (size_t i = 0; i < len; i++) {
		h1 = (h1 ^ (unsigned char)body[i]) * 0x100000001b3ULL;
		h2 = (h2 ^ (unsigned char)body[len - 1 - i]) * 0x100000001b3ULL;
	}
	snprintf(out, 40, "W/\"%016llx%016llx\"", (unsigned long long)h1, (unsigned long long)h2);
}

/* ---- the API ---- */

static int base64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Ruby's Base64.decode64: lenient, skips what is not in the alphabet. */
char *fake_base64_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (; *s && *s != '='; s++) {
		int v = base64_value((unsigned char)*s);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* Digits of an integer literal at s (after an optional '-'); 0 if it is a real. */
static size_t integer_digits(const char *s, size_t n)
{
	size_t d = 0;
	while (d < n && s[d] >= '0' && s[d] <= '9')
		d++;
	if (d < n && (s[d] == '.' || s[d] == 'e' || s[d] == 'E'))
		return 0;
	return d;
}

char *fake_json_clamp_integers(const char *s, size_t n, size_t *out_n)
{
	static const char max[] = "9223372036854775807";
	char *out = NULL;
	size_t o = 0, copied = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		if (in_json_string(s, &i, &in_str))
			continue;
		char c = s[i];
		if (c != '-' && (c < '0' || c > '9'))
			continue;
		size_t sign = c == '-' ? 1 : 0;
		size_t d = integer_digits(s + i + sign, n - i - sign);
		bool big = d > 19 || (d == 19 && memcmp(s + i + sign, max, 19) > 0);
		if (big) {
			if (!out && !(out = malloc(n + 2)))
				return NULL;
			memcpy(out + o, s + copied, i - copied);
			o += i - copied;
			if (sign)
				out[o++] = '-';
			memcpy(out + o, max, 19);
			o += 19;
			copied = i + sign + d;
		}
		/* Skip the rest of this number (a real's fraction or exponent too). */
		i += sign + d;
		while (i + 1 < n && strchr("0123456789.eE+-", s[i + 1]))
			i++;
	}
	if (!out)
		return NULL;
	memcpy(out + o, s + copied, n - copied);
	*out_n = o + n - copied;
	return out;
}
