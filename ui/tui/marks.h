/*
 * The trunks the operator marked on the list, for acting on many at once.
 * Kept by id (a mark follows the trunk through sorting, filtering and
 * renames), with the name seen when it was marked, for dialogs that list them.
 */
#ifndef TUI_MARKS_H
#define TUI_MARKS_H

#include <stdbool.h>
#include <stddef.h>

struct tui_mark {
	char *id;
	char *name;
};

struct tui_marks {
	struct tui_mark *items; /* sorted by id */
	size_t count, cap;
};

bool tui_marks_has(const struct tui_marks *m, const char *id);
/* Marks id, or unmarks it when marked; false when out of memory (nothing changed). */
bool tui_marks_toggle(struct tui_marks *m, const char *id, const char *name);
/*
 * Adds marks in any order, kept ones untouched, in one sort and merge (so
 * that marking every trunk of a large filter is not a quadratic walk).
 * Takes ownership of add's strings, even on failure (false: out of memory,
 * nothing changed).
 */
bool tui_marks_add_many(struct tui_marks *m, struct tui_mark *add, size_t n);
void tui_marks_clear(struct tui_marks *m);
/* Drops the marks i with keep[i] false (keep in the marks' order); how many went. */
size_t tui_marks_keep_only(struct tui_marks *m, const bool *keep);
/* Where id's mark is in m->items, or m->count when id is not marked. */
size_t tui_marks_index(const struct tui_marks *m, const char *id);

#endif
