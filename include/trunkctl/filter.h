/*
 * The filter language of the TUI's "/" and ":filter", "list --filter" and
 * the bulk commands' "--where" (documented in trunkctl(1), FILTERS): terms
 * separated by blanks, all of which must match.
 *
 *   words           plain words up to the next term of another kind: one
 *                   substring of the search text (id and searchable fields),
 *                   blanks inside kept, so a filter of plain words is the
 *                   substring it always was
 *   "text"          a substring term of its own
 *   field:word      substring of one field (a field table key or an alias)
 *   mode:ip         the authentication mode, by name or short form
 *   /~regex         POSIX extended regex over the search text, one line per
 *                   field, so ^ and $ anchor at a field's ends
 *   field:~regex    the same over one field
 *   !term           negation of any term
 *   -term           negation of a quoted, regex or field term ("-srv" is
 *                   the plain substring it always was)
 *
 * The parser only reads the text: a term points into it. The store turns
 * the terms into its query (src/store_filter.c).
 */
#ifndef TRUNKCTL_FILTER_H
#define TRUNKCTL_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"
#include "trunkctl/trunk.h"

/* A term's field when it names none: the whole search text. */
#define TC_FILTER_ANY (-1)

struct tc_filter_term {
	size_t pos;          /* offset of the term in the filter, for messages */
	bool negated;        /* "!" or "-" */
	bool regex;          /* "/~" or "field:~" */
	bool case_sensitive; /* smart case: the value holds an upper-case letter */
	int field;           /* enum tc_field_id, or TC_FILTER_ANY */
	int mode;            /* for the mode field: the enum tc_mode the value names */
	const char *value;   /* into the filter; not NUL-terminated */
	size_t len;
};

/*
 * The term at or after *pos in filter (NULL is empty), and *pos moved past
 * it: TC_OK with *found false at the end. TC_USAGE, naming the position and
 * the rule, for a term the language does not allow (an unknown mode, a
 * secret field, an unclosed quote, a lone "!"). Regexes are not compiled
 * here: tc_filter_check does.
 */
enum tc_status tc_filter_next(const char *filter, size_t *pos, struct tc_filter_term *term,
                              bool *found, struct tc_error *err);

/*
 * Every term of filter parsed and every regex compiled as the query will
 * compile it (smart_case: a term with a capital letter is case-sensitive;
 * else every term ignores case, and glibc refuses some ranges, "[Z-a]",
 * only then): TC_OK or TC_USAGE.
 */
enum tc_status tc_filter_check(const char *filter, bool smart_case, struct tc_error *err);

/*
 * Whether filter is plain words only (no quote, negation, regex or field
 * prefix): the whole text, blanks and all, is one substring of the search
 * text, which the store answers from its fastest path.
 */
bool tc_filter_is_plain(const char *filter);

/*
 * Whether filter has no term (NULL, empty or blanks only): it selects every
 * trunk, where taking its blanks as a substring would select the names with
 * a space.
 */
bool tc_filter_is_empty(const char *filter);

/*
 * The i-th short name a filter may use for a field besides its key ("mode"
 * for authentication_mode), with its field in *field; NULL past the last.
 */
const char *tc_filter_alias(size_t i, enum tc_field_id *field);

/* POSIX regcomp flags for a regex term's value (extended, one line per field). */
int tc_filter_regex_flags(const struct tc_filter_term *term);

#endif
