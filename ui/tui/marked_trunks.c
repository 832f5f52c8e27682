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
