#include "marks.h"

#include <stdlib.h>
#include <string.h>

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct tui_mark *)a)->id, ((const struct tui_mark *)b)->id);
}

/* Where id is, or where it would go. */
static size_t position(const struct tui_marks *m, const char *id, bool *found)
{
	size_t lo = 0, hi = m->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->items[mid].id, id);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

bool tui_marks_has(const struct tui_marks *m, const char *id)
{
	return tui_marks_index(m, id) < m->count;
}

size_t tui_marks_index(const struct tui_marks *m, const char *id)
{
	bool found;
	size_t at = position(m, id, &found);
	return found ? at : m->count;
}

static void mark_free(struct tui_mark *k)
{
	free(k->id);
	free(k->name);
}

static bool reserve(struct tui_marks *m, size_t need)
{
	if (need <= m->cap)
		return true;
	size_t cap = m->cap ? m->cap : 16;
	while (cap < need)
		cap *= 2;
	struct tui_mark *items = realloc(m->items, cap * sizeof(*items));
	if (!items)
		return false;
	m->items = items;
	m->cap = cap;
	return true;
}

bool tui_marks_toggle(struct tui_marks *m, const char *id, const char *name)
{
	bool found;
	size_t at = position(m, id, &found);
	if (found) {
		mark_free(&m->items[at]);
		memmove(&m->items[at], &m->items[at + 1], (m->count - at - 1) * sizeof(*m->items));
		m->count--;
		return true;
	}
	struct tui_mark k = {strdup(id), strdup(name ? name : "")};
	if (!k.id || !k.name || !reserve(m, m->count + 1)) {
		mark_free(&k);
		return false;
	}
	memmove(&m->items[at + 1], &m->items[at], (m->count - at) * sizeof(*m->items));
	m->items[at] = k;
	m->count++;
	return true;
}

bool tui_marks_add_many(struct tui_marks *m, struct tui_mark *add, size_t n)
{
	if (!reserve(m, m->count + n)) {
		for (size_t i = 0; i < n; i++)
			mark_free(&add[i]);
		return false;
	}
	if (n) /* nothing matched: add may be NULL, which qsort must not see */
		qsort(add, n, sizeof(*add), by_id);
	/* Merge from the back, so the kept marks move once and in place. */
	size_t i = m->count, j = n, out = m->count + n;
	while (j > 0) {
		int c = i > 0 ? strcmp(m->items[i - 1].id, add[j - 1].id) : -1;
		if (c > 0) {
			m->items[--out] = m->items[--i];
		} else if (c == 0 || (j > 1 && strcmp(add[j - 2].id, add[j - 1].id) == 0)) {
			mark_free(&add[--j]); /* marked already, or twice in add */
		} else {
			m->items[--out] = add[--j];
		}
	}
	/* Duplicates dropped leave a gap below the merged marks: close it. */
	if (out > i)
		memmove(&m->items[i], &m->items[out], (m->count + n - out) * sizeof(*m->items));
	m->count = i + (m->count + n - out);
	return true;
}

void tui_marks_clear(struct tui_marks *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->count; i++)
		mark_free(&m->items[i]);
	free(m->items);
	memset(m, 0, sizeof(*m));
}

size_t tui_marks_keep_only(struct tui_marks *m, const bool *keep)
{
	size_t out = 0;
	for (size_t i = 0; i < m->count; i++) {
		if (keep[i])
			m->items[out++] = m->items[i];
		else
			mark_free(&m->items[i]);
	}
	size_t dropped = m->count - out;
	m->count = out;
	return dropped;
}
