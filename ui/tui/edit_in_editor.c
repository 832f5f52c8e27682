/*
 * Trunks edited as YAML in $VISUAL/$EDITOR from the TUI (ui/editor.h), curses
 * left around it: the selected trunk, or every marked one in one file.
 */
#include <stdlib.h>

#include "app.h"
#include "editor.h"
#include "marked_trunks.h"

/*
 * Runs the editor on the n trunks (from: as loaded) and saves what the file
 * changes, all or nothing.
 */
static void edit_and_save(struct tui_app *app, const char *const *ids, const char *const *names,
                          const struct tc_trunk *const *from, size_t n)
{
	struct tc_trunk **changes = calloc(n, sizeof(*changes));
	const char **changed_ids = calloc(n, sizeof(*changed_ids));
	const struct tc_trunk **changed_from = calloc(n, sizeof(*changed_from));
	const struct tc_trunk **changed = calloc(n, sizeof(*changed));
	const char **changed_names = calloc(n, sizeof(*changed_names));
	struct tc_error err;
	tc_error_init(&err);
	size_t nchanged = 0, failed = 0, saved = 0;
	enum tc_status rc = TC_NOMEM;
	if (changes && changed_ids && changed_from && changed && changed_names) {
		tui_term_leave();
		rc = ui_edit_in_editor_file(app->svc, from, n, changes, &nchanged, &err);
		tui_term_back();
		app->inputs++;
	} else {
		tc_error_set(&err, TC_NOMEM, NULL);
	}
	size_t k = 0;
	for (size_t i = 0; rc == TC_OK && i < n; i++)
		if (changes[i]) {
			changed_ids[k] = ids[i];
			changed_names[k] = names[i];
			changed_from[k] = from[i];
			changed[k++] = changes[i];
		}
	/* against the versions the file showed: a field changed meanwhile is a conflict */
	struct tc_edit_result res = {0};
	if (rc == TC_OK && k == 1) {
		rc = tc_service_update(app->svc, changed_ids[0], changed[0], changed_from[0], &res,
		                       &err);
		saved = res.nchanged > 0;
	} else if (rc == TC_OK && k) {
		rc = tc_service_update_each(app->svc, changed_ids, k, changed, changed_from,
		                            &failed, &saved, &err);
	}
	if (rc == TC_CONFLICT && failed < k) {
		tui_status(app, true,
		           "Nothing was saved: \"%s\" changed meanwhile in a field the file sets; "
		           "edit again to see its value.",
		           changed_names[failed]);
	} else if (rc != TC_OK) {
		char what[200];
		snprintf(what, sizeof(what), "Nothing was saved%s%s%s",
		         k > 1 && failed < k ? " (\"" : "",
		         k > 1 && failed < k ? changed_names[failed] : "",
		         k > 1 && failed < k ? "\" refused)" : "");
		tui_status_err(app, what, &err);
	} else if (!k) {
		tui_status(app, false, "The file was not changed; neither %s.",
		           n == 1 ? "was the trunk" : "were the trunks");
	} else if (!saved) {
		tui_status(app, false, "Saved; every value was already there, nothing is queued.");
	} else if (n == 1) {
		char keys[300];
		tc_field_keys(res.changed, keys, sizeof(keys));
		tui_status(app, false, "Saved %s; the change is queued for the Carrier API.", keys);
	} else {
		tui_status(app, false,
		           "Saved %zu of %zu trunk%s from the file; %zu update%s queued.", saved, n,
		           n == 1 ? "" : "s", saved, saved == 1 ? "" : "s");
	}
	if (rc == TC_OK && saved)
		tui_request_sync(app, TC_SYNC_PUSH);
	if (rc == TC_OK && k)
		tui_changed(app);
	tc_edit_result_finish(&res);
	for (size_t i = 0; changes && i < n; i++)
		tc_trunk_destroy(changes[i]);
	free(changes);
	free(changed_ids);
	free(changed_from);
	free(changed);
	free(changed_names);
	tc_error_clear(&err);
}

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
	} else {
		const char *name = tc_trunk_string(rec->current, TC_F_NAME);
		const char *ids[] = {rec->id}, *names[] = {name && *name ? name : rec->id};
		edit_and_save(app, ids, names, &rec->current, 1);
	}
	tc_trunk_record_destroy(rec);
}

void ui_edit_marked_in_editor(struct tui_app *app)
{
	if (tui_read_only(app)) {
		tui_refuse_read_only(app, "trunks cannot be edited.");
		return;
	}
	struct tui_marked m;
	if (!tui_marked_load(app, &m))
		return;
	edit_and_save(app, (const char *const *)m.ids, (const char *const *)m.names,
	              (const struct tc_trunk *const *)m.from, m.count);
	tui_marked_finish(&m);
}
