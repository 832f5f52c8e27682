#include "marked_trunks.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"

void tui_marked_finish(struct tui_marked *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->count; i++) {
		free(m->ids[i]);
		free(m->names[i]);
		tc_trunk_destroy(m->from[i]);
	}
	free(m->ids);
	free(m->names);
	free(m->from);
	memset(m, 0, sizeof(*m));
}

bool tui_marked_load(struct tui_app *app, struct tui_marked *out)
{
	memset(out, 0, sizeof(*out));
	const struct tui_marks *marks = &app->marks;
	size_t n = marks->count ? marks->count : 1;
	if (!(out->ids = calloc(n, sizeof(char *))) || !(out->names = calloc(n, sizeof(char *))) ||
	    !(out->from = calloc(n, sizeof(struct tc_trunk *)))) {
		tui_marked_finish(out);
		tui_status(app, true, "Out of memory; nothing to edit.");
		return false;
	}
	size_t gone = 0, in_conflict = 0;
	bool nomem = false;
	struct tc_error err;
	tc_error_init(&err);
	for (size_t i = 0; i < marks->count && !nomem; i++) {
		struct tc_trunk_record *rec = NULL;
		if (tc_service_get(app->svc, marks->items[i].id, &rec, &err) != TC_OK) {
			nomem = err.status == TC_NOMEM;
			gone += !nomem;
			tc_error_clear(&err);
			continue;
		}
		if (rec->state == TC_SYNC_CONFLICT) {
			in_conflict++;
		} else {
			const char *name = tc_trunk_string(rec->current, TC_F_NAME);
			size_t k = out->count;
			out->ids[k] = strdup(rec->id);
			out->names[k] = strdup(name && *name ? name : rec->id);
			out->from[k] = tc_trunk_dup(rec->current);
			out->count++;
			nomem = !out->ids[k] || !out->names[k] || !out->from[k];
		}
		tc_trunk_record_destroy(rec);
	}
	if (nomem || in_conflict || !out->count) {
		if (nomem)
			tui_status(app, true, "Out of memory; nothing to edit.");
		else if (in_conflict)
			tui_status(
			    app, true,
			    "%zu marked trunk%s in conflict: resolve %s first (c), then edit "
			    "the marks together.",
			    in_conflict, in_conflict == 1 ? " is" : "s are",
			    in_conflict == 1 ? "it" : "them");
		else
			tui_status(app, true, "The marked trunks are gone; nothing to edit.");
		tui_marked_finish(out);
		return false;
	}
	if (gone)
		tui_status(app, false, "%zu marked trunk%s gone and left out of the edit.", gone,
		           gone == 1 ? " is" : "s are");
	return true;
}

/* Up to this many marks, a get each is cheaper than walking every trunk. */
#define MARKS_LOOKED_UP 2000

struct still_there {
	const struct tui_marks *marks;
	bool *keep;
};

static enum tc_status keep_marked(void *ctx, const struct tc_trunk_row *row, struct tc_error *err)
{
	struct still_there *s = ctx;
	size_t at = tui_marks_index(s->marks, row->trunk->id);
	if (at < s->marks->count)
		s->keep[at] = true;
	return TC_OK;
}

size_t tui_marks_drop_gone(struct tui_app *app)
{
	struct tui_marks *marks = &app->marks;
	if (!marks->count)
		return 0;
	struct still_there s = {marks, calloc(marks->count, sizeof(bool))};
	if (!s.keep)
		return 0;
	struct tc_list_query q = {.sort = TC_FIELD_NONE};
	struct tc_error err;
	tc_error_init(&err);
	size_t dropped = 0;
	/*
	 * A few marks are looked up one by one; many, in one walk over the
	 * store, which costs as much as reading every trunk (the UI waits).
	 */
	if (marks->count <= MARKS_LOOKED_UP ||
	    tc_service_list_each(app->svc, &q, keep_marked, &s, &err) == TC_OK) {
		/*
		 * The marks the walk did not find (all, when there was none) are
		 * looked up: one made on an unpushed create has its local id,
		 * which only get finds.
		 */
		for (size_t i = 0; i < marks->count; i++) {
			struct tc_trunk_record *rec = NULL;
			if (s.keep[i])
				continue;
			enum tc_status rc =
			    tc_service_get(app->svc, marks->items[i].id, &rec, &err);
			s.keep[i] = rc != TC_NOT_FOUND;
			tc_trunk_record_destroy(rec);
			tc_error_clear(&err);
		}
		dropped = tui_marks_keep_only(marks, s.keep);
	}
	tc_error_clear(&err);
	free(s.keep);
	return dropped;
}
