/* The filter language's parser (include/trunkctl/filter.h). */
#include "trunkctl/filter.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Short names a filter may use for a field, besides its key in the field
 * table: the one list the parser, the man page and the tests go by.
 */
static const struct {
	const char *alias;
	enum tc_field_id field;
} aliases[] = {
    {"mode", TC_F_AUTHENTICATION_MODE},       {"ip", TC_F_INBOUND_SOURCE_IPS},
    {"prefix", TC_F_OUTBOUND_ROUTE_PREFIXES}, {"host", TC_F_OUTBOUND_HOST},
    {"proxy", TC_F_OUTBOUND_PROXY},           {"country", TC_F_INBOUND_COUNTRY},
    {"sender", TC_F_DEFAULT_SENDER},          {"user", TC_F_USERNAME},
};

const char *tc_filter_alias(size_t i, enum tc_field_id *field)
{
	if (i >= sizeof(aliases) / sizeof(aliases[0]))
		return NULL;
	*field = aliases[i].field;
	return aliases[i].alias;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The field a prefix [s, s + n) names, or TC_FILTER_ANY. */
static int field_named(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strlen(aliases[i].alias) == n && memcmp(aliases[i].alias, s, n) == 0)
			return (int)aliases[i].field;
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if (strlen(tc_field(f)->key) == n && memcmp(tc_field(f)->key, s, n) == 0)
			return f;
	return TC_FILTER_ANY;
}

/* The field prefix ("name:") of the word at s, or TC_FILTER_ANY; *skip is its length. */
static int field_prefix(const char *s, size_t *skip)
{
	size_t n = 0;
	while ((s[n] >= 'a' && s[n] <= 'z') || s[n] == '_')
		n++;
	*skip = 0;
	if (n == 0 || s[n] != ':')
		return TC_FILTER_ANY;
	int f = field_named(s, n);
	if (f != TC_FILTER_ANY)
		*skip = n + 1;
	return f;
}

static bool has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

/* The mode a filter value names: its full or short name. */
static int mode_named(const char *s, size_t n)
{
	for (int m = 0; m < TC_MODE_COUNT; m++) {
		const char *full = tc_mode_name(m), *brief = tc_mode_short_name(m);
		if ((strlen(full) == n && memcmp(full, s, n) == 0) ||
		    (strlen(brief) == n && memcmp(brief, s, n) == 0))
			return m;
	}
	return TC_MODE_UNKNOWN;
}

/*
 * Whether the word at s is a term of its own (negated, quoted, a regex or
 * field-qualified); other words run together into one substring.
 */
static bool special(const char *s)
{
	size_t skip;
	if (*s == '!' && s[1] && !is_blank(s[1]))
		return true;
	/* "-" negates only a term of its own: names and hosts are full of "-srv", "-2" */
	if (*s == '-')
		s++;
	return *s == '"' || (s[0] == '/' && s[1] == '~') || field_prefix(s, &skip) != TC_FILTER_ANY;
}

/*
 * Regular expressions an operator can type without stalling the program.
 * glibc's regcomp copies a repeated element once per repetition it must
 * count (E{n,m} is m copies, E+ two), so stacked or nested repetitions grow
 * the compiled pattern exponentially ("9+++..." with 20 '+' takes
 * gigabytes), and the closure it computes over copies that match the empty
 * string grows with the square of their count ("J*" and 12 '+' takes
 * seconds); its regexec tries every split for a back-reference, so
 * "(.*)(.*)\2\1" takes seconds on one trunk. Both are refused before
 * regcomp sees them: the pattern is scanned for its expanded size (glibc's
 * parse tree, about: an atom, bracket or group is one piece) and for \1 to
 * \9. At 500 pieces the worst pattern found compiles in a fifth of a second.
 */
#define REGEX_MAX_PIECES 500
#define REGEX_MAX_DEPTH 32

/* s, its value capped just above REGEX_MAX_PIECES so products cannot overflow. */
static size_t capped(size_t s)
{
	return s > REGEX_MAX_PIECES ? REGEX_MAX_PIECES + 1 : s;
}

/* Past a bracket expression that starts at p ("[...]"); end when it is not closed. */
static const char *skip_bracket(const char *p, const char *end)
{
	p++;
	if (p < end && *p == '^')
		p++;
	if (p < end && *p == ']')
		p++;
	while (p < end && *p != ']') {
		if (*p == '[' && p + 1 < end && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			char close = p[1];
			for (p += 2; p + 1 < end && !(p[0] == close && p[1] == ']'); p++)
				;
			p = p + 1 < end ? p + 2 : end;
			continue;
		}
		p++;
	}
	return p < end ? p + 1 : end;
}

/*
 * The copies a repetition at p makes of the element before it (1 for * and
 * ?), and *next past it; 0 when p is no repetition ("{" that opens no
 * interval is a literal).
 */
static size_t repetition(const char *p, const char *end, const char **next)
{
	*next = p + 1;
	if (*p == '*' || *p == '?')
		return 1;
	if (*p == '+')
		return 2;
	if (*p != '{')
		return 0;
	/* glibc reads an empty bound as 0: {,m} is {0,m} */
	size_t n = 0, m = 0;
	const char *q = p + 1;
	if (q >= end || ((*q < '0' || *q > '9') && *q != ','))
		return 0;
	for (; q < end && *q >= '0' && *q <= '9'; q++)
		n = capped(n * 10 + (size_t)(*q - '0'));
	bool open = false;
	if (q < end && *q == ',') {
		q++;
		open = q >= end || *q < '0' || *q > '9';
		for (; q < end && *q >= '0' && *q <= '9'; q++)
			m = capped(m * 10 + (size_t)(*q - '0'));
	} else {
		m = n;
	}
	if (q >= end || *q != '}')
		return 0;
	*next = q + 1;
	size_t copies = open ? n + 1 : m > n ? m : n;
	return copies ? copies : 1;
}

/* NULL when the regex term's pattern [p, end) is within bounds, else the rule it breaks. */
static const char *regex_refused(const char *p, const char *end)
{
	/* per open group: the pieces so far and the size of its last element */
	size_t sum[REGEX_MAX_DEPTH + 1] = {0}, last[REGEX_MAX_DEPTH + 1] = {0};
	int depth = 0;
	while (p < end) {
		const char *next = p + 1;
		size_t piece = 1, copies;
		if (*p == '\\' && p + 1 < end && p[1] >= '1' && p[1] <= '9')
			return "a regular expression cannot use back-references (\\1 to \\9), "
			       "which "
			       "can take seconds per trunk";
		if (*p == '\\') {
			next = p + 2 < end ? p + 2 : end;
		} else if (*p == '[') {
			next = skip_bracket(p, end);
		} else if (*p == '(') {
			if (++depth > REGEX_MAX_DEPTH)
				return "a regular expression nests groups more than 32 deep";
			sum[depth] = last[depth] = 0;
			p = next;
			continue;
		} else if (*p == ')' && depth > 0) {
			piece = capped(sum[depth] + 1);
			depth--;
		} else if (*p == '|') {
			last[depth] = 0;
			p = next;
			continue;
		} else if (last[depth] && (copies = repetition(p, end, &next)) != 0) {
			size_t grown = capped(last[depth] * copies);
			sum[depth] = capped(sum[depth] - last[depth] + grown);
			last[depth] = grown;
			if (sum[depth] > REGEX_MAX_PIECES)
				break;
			p = next;
			continue;
		}
		sum[depth] = capped(sum[depth] + piece);
		last[depth] = piece;
		if (sum[depth] > REGEX_MAX_PIECES)
			break;
		p = next;
	}
	for (int d = depth; d > 0 && sum[0] <= REGEX_MAX_PIECES; d--)
		sum[0] = capped(sum[0] + sum[d]);
	return sum[0] > REGEX_MAX_PIECES || p < end
	           ? "a regular expression repeats too much: with its repetitions written out "
	             "it would be more than 500 pieces (nested or stacked repetitions such as "
	             "(a+)+ or a{100}{100})"
	           : NULL;
}

static enum tc_status bad(struct tc_error *err, size_t pos, const char *rule, const char *key)
{
	return tc_error_set(err, TC_USAGE, "filter, at position %zu: %s%s", pos + 1, rule,
	                    key ? key : "");
}

enum tc_status tc_filter_next(const char *filter, size_t *pos, struct tc_filter_term *term,
                              bool *found, struct tc_error *err)
{
	*found = false;
	memset(term, 0, sizeof(*term));
	term->field = TC_FILTER_ANY;
	term->mode = TC_MODE_UNKNOWN;
	if (!filter)
		return TC_OK;
	const char *p = filter + *pos;
	while (is_blank(*p))
		p++;
	if (!*p) {
		*pos = (size_t)(p - filter);
		return TC_OK;
	}
	term->pos = (size_t)(p - filter);
	if (!special(p)) {
		/* plain words up to the next term: one substring, blanks inside kept, as before */
		term->value = p;
		const char *end = p;
		while (*p && (p == term->value || !special(p))) {
			while (*p && !is_blank(*p))
				p++;
			end = p;
			while (is_blank(*p))
				p++;
		}
		term->len = (size_t)(end - term->value);
		term->case_sensitive = has_upper(term->value, term->len);
		*pos = (size_t)(end - filter);
		*found = true;
		return TC_OK;
	}
	if (*p == '!' || *p == '-') {
		term->negated = true;
		p++;
	}
	size_t skip;
	term->field = field_prefix(p, &skip);
	p += skip;
	if (term->field != TC_FILTER_ANY && *p == '~') {
		term->regex = true;
		p++;
	} else if (term->field == TC_FILTER_ANY && p[0] == '/' && p[1] == '~') {
		term->regex = true;
		p += 2;
	}
	const char *start = p;
	if (*p == '"') {
		start = ++p;
		while (*p && *p != '"')
			p++;
		if (!*p)
			return bad(err, (size_t)(start - 1 - filter), "the quote is not closed",
			           NULL);
		term->len = (size_t)(p - start);
		p++;
	} else {
		while (*p && !is_blank(*p))
			p++;
		term->len = (size_t)(p - start);
	}
	term->value = start;
	*pos = (size_t)(p - filter);
	*found = true;
	const struct tc_field_info *fi = term->field >= 0 ? tc_field(term->field) : NULL;
	if (term->len == 0 && fi)
		return bad(err, term->pos, "no value after the field's name: ", fi->key);
	if (term->len == 0)
		return bad(err, term->pos,
		           term->regex ? "a regular expression is empty"
		                       : "a term has no text (quote a literal \"!\" or \"-\")",
		           NULL);
	if (fi && (fi->flags & TC_FF_SECRET))
		return bad(err, term->pos, "a secret field cannot be filtered: ", fi->key);
	const char *refused =
	    term->regex ? regex_refused(term->value, term->value + term->len) : NULL;
	if (refused)
		return bad(err, term->pos, refused, NULL);
	if (fi && fi->kind == TC_K_MODE && !term->regex) {
		term->mode = mode_named(term->value, term->len);
		if (term->mode == TC_MODE_UNKNOWN)
			return bad(err, term->pos,
			           "not a mode (ip_address or ip, client_credentials or client, "
			           "outbound_registration or register)",
			           NULL);
	}
	term->case_sensitive = has_upper(term->value, term->len);
	return TC_OK;
}

int tc_filter_regex_flags(const struct tc_filter_term *term)
{
	return REG_EXTENDED | REG_NOSUB | REG_NEWLINE | (term->case_sensitive ? 0 : REG_ICASE);
}

enum tc_status tc_filter_check(const char *filter, bool smart_case, struct tc_error *err)
{
	size_t pos = 0;
	for (;;) {
		struct tc_filter_term t;
		bool found;
		enum tc_status rc = tc_filter_next(filter, &pos, &t, &found, err);
		if (rc != TC_OK || !found)
			return rc;
		if (!t.regex)
			continue;
		t.case_sensitive = t.case_sensitive && smart_case;
		char *re = strndup(t.value, t.len);
		if (!re)
			return tc_error_set(err, TC_NOMEM, NULL);
		regex_t compiled;
		int r = regcomp(&compiled, re, tc_filter_regex_flags(&t));
		free(re);
		if (r != 0) {
			char why[128];
			regerror(r, &compiled, why, sizeof(why));
			return bad(err, t.pos, "bad regular expression: ", why);
		}
		regfree(&compiled);
	}
}

bool tc_filter_is_empty(const char *filter)
{
	while (filter && is_blank(*filter))
		filter++;
	return !filter || !*filter;
}

bool tc_filter_is_plain(const char *filter)
{
	if (!filter || !*filter)
		return false;
	for (const char *p = filter; *p;) {
		while (is_blank(*p))
			p++;
		if (*p && special(p))
			return false;
		while (*p && !is_blank(*p))
			p++;
	}
	return true;
}
