/* A trunk edited as YAML in $VISUAL/$EDITOR from the TUI (ui/editor.h), curses left around it. */
#include <stdlib.h>

#include "app.h"
#include "editor.h"

void ui_edit_in_editor(struct tui_app *app, const char *id)
{
	if (tui_read_only(app)) {
		tui_refuse_read_only(app, "trunks cannot be edited.");
		return;
	}
	struct tc_trunk_record *rec = NULL;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_get(app->svc, id, &rec, &err) != TC_OK) {
		tui_status_err(app, "Cannot edit the trunk", &err);
		tc_error_clear(&err);
		return;
	}
	if (rec->state == TC_SYNC_CONFLICT) {
		tui_status(app, true, "This trunk is in conflict: resolve it first (c).");
		tc_trunk_record_destroy(rec);
		return;
	}
	struct tc_trunk *changes = NULL;
	tui_term_leave();
	enum tc_status rc = ui_edit_in_editor_file(app->svc, rec->current, &changes, &err);
	tui_term_back();
	app->inputs++;
	struct tc_edit_result res = {0};
	if (rc == TC_OK && changes)
		rc = tc_service_update(app->svc, rec->id, changes, rec->current, &res, &err);
	if (rc != TC_OK) {
		tui_status_err(app, "The trunk was not changed", &err);
	} else if (!changes) {
		tui_status(app, false, "The file was not changed; neither was the trunk.");
	} else {
		char keys[300];
		tc_field_keys(res.changed, keys, sizeof(keys));
		if (res.nchanged)
			tui_status(app, false,
			           "Saved %s; the change is queued for the Carrier API.", keys);
		else
			tui_status(app, false,
			           "Saved; every value was already there, nothing is queued.");
		if (res.nchanged)
			tui_request_sync(app, TC_SYNC_PUSH);
		tui_changed(app);
	}
	tc_edit_result_finish(&res);
	tc_trunk_destroy(changes);
	tc_trunk_record_destroy(rec);
	tc_error_clear(&err);
}
