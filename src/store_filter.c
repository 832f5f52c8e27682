/*
 * The store's side of the filter language (include/trunkctl/filter.h): a
 * filter's terms as a WHERE clause over trunks, and the SQL functions it and
 * calls (a POSIX regex test), and the key the list sorts names and hosts by.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_private.h"
#include "store_sql.h"
#include "trunkctl/filter.h"

/* The text a term reads: the search text, or its field's column (NULL as ""). */
static void term_column(const struct tc_filter_term *t, char *buf, size_t size)
{
	if (t->field == TC_FILTER_ANY) {
		snprintf(buf, size, "search");
		return;
	}
	char col[64];
	tc_store_field_column(t->field, col, sizeof(col));
	if (tc_field(t->field)->type == TC_T_BOOL)
		snprintf(buf, size, "coalesce(%s, 0)", col);
	else
		snprintf(buf, size, "coalesce(%s, '')", col);
}

/* The boolean a term's value spells: 1, 0, or -1 for neither. */
static int bool_value(const struct tc_filter_term *t)
{
	static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
	                                                                            "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strlen(yes[i]) == t->len && strncasecmp(yes[i], t->value, t->len) == 0)
			return 1;
		if (strlen(no[i]) == t->len && strncasecmp(no[i], t->value, t->len) == 0)
			return 0;
	}
	return -1;
}

static bool is_bool(const struct tc_filter_term *t)
{
	return t->field != TC_FILTER_ANY && !t->regex && tc_field(t->field)->type == TC_T_BOOL;
}

char *store_like_pattern(const char *text, size_t n)
{
	char *pat = malloc(2 * n + 3), *p = pat;
	if (!pat)
		return NULL;
	*p++ = '%';
	for (size_t c = 0; c < n; c++) {
		if (text[c] == '%' || text[c] == '_' || text[c] == '\\')
			*p++ = '\\';
		*p++ = text[c];
	}
	*p++ = '%';
	*p = '\0';
	return pat;
}

enum tc_status store_filter_check(const char *filter, bool smart_case, struct tc_error *err)
{
	enum tc_status rc = tc_filter_check(filter, smart_case, err);
	size_t pos = 0, n = 0;
	struct tc_filter_term t;
	bool found = true;
	while (rc == TC_OK && (rc = tc_filter_next(filter, &pos, &t, &found, err)) == TC_OK &&
	       found) {
		if (++n > STORE_FILTER_MAX_TERMS)
			return tc_error_set(err, TC_USAGE,
			                    "filter, at position %zu: more than %d terms",
			                    t.pos + 1, STORE_FILTER_MAX_TERMS);
		if (is_bool(&t) && bool_value(&t) < 0)
			return tc_error_set(err, TC_USAGE,
			                    "filter, at position %zu: %s takes true or false",
			                    t.pos + 1, tc_field(t.field)->key);
	}
	return rc;
}

/* A term's case as the query wants it: smart case only where the caller asks for it. */
static enum tc_status next_term(const char *filter, bool smart_case, size_t *pos,
                                struct tc_filter_term *t, bool *found, struct tc_error *err)
{
	enum tc_status rc = tc_filter_next(filter, pos, t, found, err);
	t->case_sensitive = t->case_sensitive && smart_case;
	return rc;
}

void store_filter_where(const char *filter, bool smart_case, int first, char *buf, size_t size)
{
	size_t pos = 0, used = 0;
	struct tc_filter_term t;
	bool found;
	struct tc_error ignored;
	tc_error_init(&ignored);
	buf[0] = '\0';
	for (int i = first;
	     used < size && next_term(filter, smart_case, &pos, &t, &found, &ignored) == TC_OK &&
	     found;
	     i++) {
		char col[96], test[160];
		term_column(&t, col, sizeof(col));
		if (t.regex)
			snprintf(test, sizeof(test), "tc_regexp(?%d, %s, %d)", i, col,
			         tc_filter_regex_flags(&t));
		else if (t.mode != TC_MODE_UNKNOWN || is_bool(&t))
			snprintf(test, sizeof(test), "%s = ?%d", col, i);
		else if (t.case_sensitive)
			snprintf(test, sizeof(test), "instr(%s, ?%d) > 0", col, i);
		else
			snprintf(test, sizeof(test), "%s LIKE ?%d ESCAPE '\\'", col, i);
		used += (size_t)snprintf(buf + used, size - used, "%s%s%s%s",
		                         used ? " AND " : " WHERE ", t.negated ? "NOT (" : "", test,
		                         t.negated ? ")" : "");
	}
	tc_error_clear(&ignored);
}

enum tc_status store_filter_bind(sqlite3_stmt *st, const char *filter, bool smart_case, int first,
                                 struct tc_error *err)
{
	size_t pos = 0;
	struct tc_filter_term t;
	bool found;
	enum tc_status rc;
	for (int i = first;
	     (rc = next_term(filter, smart_case, &pos, &t, &found, err)) == TC_OK && found; i++) {
		if (t.mode != TC_MODE_UNKNOWN) {
			sqlite3_bind_text(st, i, tc_mode_name(t.mode), -1, SQLITE_STATIC);
		} else if (is_bool(&t)) {
			sqlite3_bind_int(st, i, bool_value(&t));
		} else if (t.regex || t.case_sensitive) {
			sqlite3_bind_text(st, i, t.value, (int)t.len, SQLITE_TRANSIENT);
		} else {
			char *pat = store_like_pattern(t.value, t.len);
			if (!pat)
				return tc_error_set(err, TC_NOMEM, NULL);
			sqlite3_bind_text(st, i, pat, -1, free);
		}
	}
	return rc;
}

static void regex_free(void *p)
{
	regfree(p);
	free(p);
}

/*
 * tc_regexp(pattern, text, flags): whether text matches; the compiled
 * pattern is kept with the statement, so a scan compiles it once.
 */
static void sql_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	regex_t *re = sqlite3_get_auxdata(ctx, 0);
	if (!re) {
		const char *pattern = (const char *)sqlite3_value_text(argv[0]);
		re = malloc(sizeof(*re));
		if (!re || !pattern || regcomp(re, pattern, sqlite3_value_int(argv[2])) != 0) {
			free(re);
			sqlite3_result_error(ctx, "bad regular expression in a filter", -1);
			return;
		}
		sqlite3_set_auxdata(ctx, 0, re, regex_free);
		if (!(re = sqlite3_get_auxdata(ctx, 0))) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
	}
	const char *text = (const char *)sqlite3_value_text(argv[1]);
	sqlite3_result_int(ctx, text && regexec(re, text, 0, NULL, 0) == 0);
}

/*
 * Digit runs of a sort key: leading zeros dropped, then the run's length
 * before it, so that a shorter number sorts first ("2" is "12", "10" is
 * "210"). Lengths 1-8 are one digit; longer runs (phone numbers) are "9"
 * and two digits of length. The length stays a digit, so a number sorts
 * against other characters where a digit would.
 */
char *store_natural_key(const char *s)
{
	size_t n = strlen(s);
	char *key = malloc(2 * n + 4), *k = key;
	if (!key)
		return NULL;
	for (const char *p = s; *p;) {
		if (*p < '0' || *p > '9') {
			*k++ = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
			p++;
			continue;
		}
		while (*p == '0' && p[1] >= '0' && p[1] <= '9')
			p++;
		size_t len = 0;
		while (p[len] >= '0' && p[len] <= '9')
			len++;
		if (len <= 8) {
			*k++ = (char)('0' + len);
		} else {
			size_t shown = len < 99 ? len : 99;
			*k++ = '9';
			*k++ = (char)('0' + shown / 10);
			*k++ = (char)('0' + shown % 10);
		}
		memcpy(k, p, len);
		k += len;
		p += len;
	}
	*k = '\0';
	return key;
}

int store_filter_register(sqlite3 *db)
{
	int r = sqlite3_create_function(db, "tc_regexp", 3,
	                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
	                                NULL, sql_regexp, NULL, NULL);
	return r;
}
