/*
 * The create/edit form. Its fields come from the core's field table (those
 * sent on create or update and shown in the chosen authentication mode);
 * every keystroke re-validates the draft with the service's rules and shows
 * each message under its field.
 *
 * An edit saves only the fields the operator changed, from the version the
 * form opened (tc_service_update). When that version changes underneath (a
 * sync, another process), untouched fields take the new values and a field
 * changed on both sides becomes a per-field conflict, settled with the
 * conflict view's keys and words (keep mine / take theirs / edit).
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"

#include "form_private.h"

static const enum tui_action footer[] = {
    TUI_ACT_SAVE, TUI_ACT_CANCEL, TUI_ACT_NEXT_FIELD, TUI_ACT_PICK, TUI_ACT_HELP, TUI_ACT_NONE,
};

bool form_is_list(int f)
{
	return tc_field((enum tc_field_id)f)->type == TC_T_LIST;
}

bool form_is_choice(int f)
{
	return tc_field_picker((enum tc_field_id)f) == TC_PICK_CYCLE;
}

/* The edit buffer's size for the field: its kind's length when it has one. */
static size_t edit_size(int f)
{
	size_t n = tc_field_max_chars((enum tc_field_id)f);
	return n ? n + 1 : TEXT_MAX;
}

/* A typed key as the field takes it: letters in capitals for codes. */
static struct tui_key field_key(int f, struct tui_key k)
{
	if (tc_field_uppercase((enum tc_field_id)f) && !k.fn && k.code >= L'a' && k.code <= L'z')
		k.code = k.code - L'a' + L'A';
	return k;
}

static enum tc_mode form_mode(const struct form_view *v)
{
	return tc_mode_parse(v->text[TC_F_AUTHENTICATION_MODE]);
}

static bool in_form(const struct form_view *v, int f)
{
	const struct tc_field_info *fi = tc_field((enum tc_field_id)f);
	if (fi->flags & TC_FF_READONLY)
		return false;
	if (!(fi->flags & (v->id ? TC_FF_SEND_UPDATE : TC_FF_SEND_CREATE)))
		return false;
	return tc_field_shown_in_mode((enum tc_field_id)f, form_mode(v));
}

static void build_rows(struct form_view *v)
{
	struct row cur = v->nrows ? v->rows[v->sel] : (struct row){TC_F_NAME, -1};
	v->nrows = 0;
	for (int g = 0; g < TC_G_COUNT; g++)
		for (int f = 0; f < TC_FIELD_COUNT; f++) {
			if (tc_field((enum tc_field_id)f)->group != (enum tc_field_group)g ||
			    !in_form(v, f))
				continue;
			if (!form_is_list(f)) {
				v->rows[v->nrows++] = (struct row){f, -1};
				continue;
			}
			for (size_t i = 0; i <= v->nitems[f]; i++)
				v->rows[v->nrows++] = (struct row){f, (int)i};
		}
	v->sel = 0;
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].field == cur.field &&
		    (v->rows[i].item == cur.item ||
		     (cur.item >= 0 && v->rows[i].item >= 0 && v->rows[i].item <= cur.item)))
			v->sel = i;
}

char *form_row_text(struct form_view *v, const struct row *r)
{
	if (r->item < 0)
		return v->text[r->field];
	if ((size_t)r->item < v->nitems[r->field])
		return v->items[r->field][r->item];
	return NULL;
}

/* ---- the draft ---- */

static bool list_changed(const struct form_view *v, int f)
{
	const struct tc_value *orig = v->rec ? &v->rec->current->values[f] : NULL;
	size_t n = 0;
	for (size_t i = 0; i < v->nitems[f]; i++)
		if (v->items[f][i][0])
			n++;
	size_t on = orig && orig->state == TC_V_SET ? orig->list.count : 0;
	if (n != on)
		return true;
	size_t k = 0;
	for (size_t i = 0; i < v->nitems[f]; i++) {
		if (!v->items[f][i][0])
			continue;
		if (strcmp(v->items[f][i], orig->list.items[k++]) != 0)
			return true;
	}
	return false;
}

/*
 * The form's record: for an edit, the version it is based on with the
 * operator's changes over it, or (changes_only) just those changes.
 */
static struct tc_trunk *build_draft(struct form_view *v, struct tc_field_errors *errs,
                                    bool changes_only)
{
	struct tc_trunk *t =
	    v->rec && !changes_only ? tc_trunk_dup(v->rec->current) : tc_trunk_new();
	if (!t)
		return NULL;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field((enum tc_field_id)f);
		if (fi->flags & TC_FF_READONLY)
			continue;
		if (!in_form(v, f)) {
			if (!v->id)
				tc_trunk_unset(t, (enum tc_field_id)f);
			continue;
		}
		if (form_is_list(f)) {
			if (v->id && !list_changed(v, f))
				continue;
			const char *vals[ITEMS_MAX];
			size_t n = 0;
			for (size_t i = 0; i < v->nitems[f]; i++)
				if (v->items[f][i][0])
					vals[n++] = v->items[f][i];
			if (!v->id && n == 0)
				tc_trunk_unset(t, (enum tc_field_id)f);
			else
				tc_trunk_set_list(t, (enum tc_field_id)f, vals, n);
			continue;
		}
		if (v->id && strcmp(v->text[f], v->orig[f]) == 0)
			continue;
		if (!v->id && !v->text[f][0]) {
			tc_trunk_unset(t, (enum tc_field_id)f);
			continue;
		}
		struct tc_value val;
		memset(&val, 0, sizeof(val));
		struct tc_error perr;
		tc_error_init(&perr);
		if (tc_value_from_text((enum tc_field_id)f, v->text[f], &val, &perr) == TC_OK)
			tc_trunk_set_value(t, (enum tc_field_id)f, &val);
		else
			tc_field_errors_move(errs, &perr.fields);
		tc_value_clear(&val);
		tc_error_clear(&perr);
	}
	return t;
}

static void validate(struct tui_app *app, struct form_view *v)
{
	tc_field_errors_finish(&v->errs);
	memset(&v->errs, 0, sizeof(v->errs));
	struct tc_trunk *draft = build_draft(v, &v->errs, false);
	if (!draft)
		return;
	struct tc_error err;
	tc_error_init(&err);
	tc_service_validate(app->svc, v->id ? TC_SAVE_UPDATE : TC_SAVE_CREATE, draft,
	                    v->rec ? v->rec->current : NULL, &err);
	tc_field_errors_move(&v->errs, &err.fields);
	tc_error_clear(&err);
	tui_route_preview_update(app, &v->preview, draft, v->rec ? v->rec->current : NULL, v->id);
	tc_trunk_destroy(draft);
}

/* ---- the version underneath ---- */

/* Field f of t into the form's text (and orig) or list items. */
static void load_field(struct form_view *v, int f, const struct tc_trunk *t)
{
	const struct tc_value *val = &t->values[f];
	if (form_is_list(f)) {
		v->nitems[f] = 0;
		for (size_t i = 0; val->state == TC_V_SET && i < val->list.count && i < ITEMS_MAX;
		     i++)
			snprintf(v->items[f][v->nitems[f]++], TEXT_MAX, "%s", val->list.items[i]);
		return;
	}
	char *text = tc_value_to_text((enum tc_field_id)f, val, true);
	snprintf(v->text[f], TEXT_MAX, "%s", text ? text : "");
	snprintf(v->orig[f], TEXT_MAX, "%s", text ? text : "");
	free(text);
}

/* The operator changed f from the form's version. */
static bool field_changed(const struct form_view *v, int f)
{
	return form_is_list(f) ? list_changed(v, f) : strcmp(v->text[f], v->orig[f]) != 0;
}

static size_t undecided(const struct form_view *v, int *first)
{
	size_t n = 0;
	for (int f = TC_FIELD_COUNT - 1; f >= 0; f--)
		if (v->conflict[f] && v->choice[f] == TC_RESOLVE_NONE) {
			n++;
			*first = f;
		}
	return n;
}

static void select_field(struct form_view *v, int f)
{
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].field == f) {
			v->sel = i;
			return;
		}
}

/* "m keep mine, t take theirs, e edit", with the keys in effect. */
static void choice_keys(struct tui_app *app, char *buf, size_t size)
{
	char m[32], t[32], e[32];
	tui_keymap_describe(&app->km, TUI_ACT_KEEP_MINE, m, sizeof(m));
	tui_keymap_describe(&app->km, TUI_ACT_TAKE_THEIRS, t, sizeof(t));
	tui_keymap_describe(&app->km, TUI_ACT_EDIT_VALUE, e, sizeof(e));
	snprintf(buf, size, "%s %s, %s %s, %s edit", m, ui_choice_name(TC_RESOLVE_MINE), t,
	         ui_choice_name(TC_RESOLVE_THEIRS), e);
}

/*
 * now (taken over) is the trunk as the store has it, newer than the form's
 * version: untouched fields take its values, a field the operator changed
 * that changed there too to something else becomes a conflict. Says so in
 * the status line.
 */
static void absorb(struct tui_app *app, struct form_view *v, struct tc_trunk_record *now)
{
	bool mine[TC_FIELD_COUNT], theirs[TC_FIELD_COUNT];
	const struct tc_trunk *was = v->rec->current;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field((enum tc_field_id)f);
		mine[f] = !(fi->flags & TC_FF_READONLY) && field_changed(v, f);
		theirs[f] = !(fi->flags & TC_FF_READONLY) &&
		            !tc_value_equal(&was->values[f], &now->current->values[f], fi->type);
	}
	tc_trunk_record_destroy(v->rec);
	v->rec = now;
	size_t taken = 0, clashes = 0;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		if (!theirs[f])
			continue;
		if (!mine[f]) {
			load_field(v, f, now->current);
			taken++;
			continue;
		}
		/* the operator's value stays; orig becomes theirs, the new version */
		char keep[TEXT_MAX];
		snprintf(keep, sizeof(keep), "%s", v->text[f]);
		if (!form_is_list(f)) {
			load_field(v, f, now->current);
			snprintf(v->text[f], TEXT_MAX, "%s", keep);
		}
		if (field_changed(v, f)) {
			v->conflict[f] = true;
			v->choice[f] = TC_RESOLVE_NONE;
			clashes++;
		}
	}
	build_rows(v);
	validate(app, v);
	form_update_msg(v);
	if (clashes) {
		int first = TC_F_NAME;
		undecided(v, &first);
		select_field(v, first);
		char keys[120];
		choice_keys(app, keys, sizeof(keys));
		tui_status(app, true, "Changed meanwhile in %zu field%s you edited: %s.", clashes,
		           clashes == 1 ? "" : "s", keys);
	} else if (taken) {
		tui_status(app, false,
		           "Changed meanwhile: %zu field%s took the new value; your edits stay.",
		           taken, taken == 1 ? "" : "s");
	}
}

/* Re-reads the trunk; a newer version is absorbed (true). */
static bool reread(struct tui_app *app, struct form_view *v)
{
	struct tc_trunk_record *now = NULL;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status st = tc_service_get(app->svc, v->id, &now, &err);
	if (st == TC_NOT_FOUND) {
		tui_status(app, true,
		           "This trunk is gone from the local store; it cannot be saved.");
	} else if (st != TC_OK) {
		tui_status_err(app, "Cannot read the trunk again", &err);
	} else if (now->state == TC_SYNC_CONFLICT) {
		tui_status(app, true,
		           "This trunk is now in conflict with the server: resolve it "
		           "first (c).");
	} else if (tc_trunk_diff(now->current, v->rec->current, NULL) != 0) {
		absorb(app, v, now);
		now = NULL;
	}
	bool absorbed = st == TC_OK && !now;
	tc_trunk_record_destroy(now);
	tc_error_clear(&err);
	return absorbed;
}

/* ---- pickers ---- */

static void picker_fill(struct tui_app *app, struct form_view *v)
{
	struct picker *p = &v->pick;
	const char *cur = v->text[p->field];
	size_t n;
	const struct tc_region *regions = tc_service_regions(app->svc, &n);
	p->count = tc_field_options(p->field, regions, n, cur, p->options,
	                            sizeof(p->options) / sizeof(p->options[0]));
	p->sel = 0;
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->options[i], cur) == 0)
			p->sel = i;
}

static bool has_picker(int f)
{
	return tc_field_picker((enum tc_field_id)f) != TC_PICK_NONE;
}

static void set_text(struct tui_app *app, struct form_view *v, int f, const char *text)
{
	snprintf(v->text[f], TEXT_MAX, "%s", text);
	v->touched[f] = true;
	v->dirty = true;
	if (f == TC_F_AUTHENTICATION_MODE)
		build_rows(v);
	validate(app, v);
}

static void cycle_choice(struct tui_app *app, struct form_view *v, int f, int dir)
{
	v->pick.field = f;
	picker_fill(app, v);
	if (!v->pick.count)
		return;
	size_t n = v->pick.count;
	size_t k = (v->pick.sel + n + (size_t)(dir > 0 ? 1 : n - 1)) % n;
	if (strcmp(v->pick.options[v->pick.sel], v->text[f]) != 0)
		k = 0;
	set_text(app, v, f, v->pick.options[k]);
}

static enum tui_result picker_key(struct tui_app *app, struct form_view *v, struct tui_key k,
                                  enum tui_action act)
{
	struct picker *p = &v->pick;
	if (!k.fn && k.code == 27) {
		p->open = false;
		return TUI_HANDLED;
	}
	if (!k.fn && k.code == L'\n') {
		if (p->count)
			set_text(app, v, p->field, p->options[p->sel]);
		p->open = false;
		return TUI_HANDLED;
	}
	if (k.fn && (k.code == KEY_UP || k.code == KEY_DOWN)) {
		if (k.code == KEY_UP && p->sel > 0)
			p->sel--;
		if (k.code == KEY_DOWN && p->sel + 1 < p->count)
			p->sel++;
		return TUI_HANDLED;
	}
	/* Type-ahead: letters narrow a list of codes. */
	if (tc_field_picker(p->field) == TC_PICK_CODE) {
		char *t = v->text[p->field];
		if (tui_edit_key(t, edit_size(p->field), field_key(p->field, k))) {
			v->touched[p->field] = true;
			v->dirty = true;
			picker_fill(app, v);
			validate(app, v);
		}
	}
	return TUI_HANDLED;
}

/* ---- saving ---- */

static void focus_first_error(struct form_view *v)
{
	for (size_t k = 0; k < v->errs.count; k++) {
		const struct tc_field_error *fe = &v->errs.items[k];
		if (fe->severity != TC_SEV_ERROR)
			continue;
		int r = form_error_row(v, fe);
		if (r >= 0) {
			v->sel = (size_t)r;
			return;
		}
	}
}

static enum tui_result save(struct tui_app *app, struct form_view *v)
{
	if (tui_read_only(app)) {
		tui_refuse_read_only(app, "nothing can be saved.");
		return TUI_HANDLED;
	}
	validate(app, v);
	v->show_all = true;
	size_t n = tc_field_errors_count(&v->errs, TC_SEV_ERROR);
	if (n) {
		form_update_msg(v);
		focus_first_error(v);
		tui_status(app, true, "Not saved: %zu field%s need%s fixing first.", n,
		           n == 1 ? "" : "s", n == 1 ? "s" : "");
		return TUI_HANDLED;
	}
	int first = TC_F_NAME;
	if (undecided(v, &first)) {
		select_field(v, first);
		tui_status(app, true, "Choose mine, theirs or a new value for every field first.");
		return TUI_HANDLED;
	}
	struct tc_field_errors perrs = {0};
	struct tc_trunk *draft = build_draft(v, &perrs, v->id != NULL);
	tc_field_errors_finish(&perrs);
	if (!draft) {
		tui_status(app, true, "Out of memory; nothing was saved.");
		return TUI_HANDLED;
	}
	struct tc_error err;
	tc_error_init(&err);
	char *new_id = NULL;
	struct tc_edit_result res = {0};
	/* only the changed fields, against the version the operator saw */
	enum tc_status st =
	    v->id ? tc_service_update(app->svc, v->id, draft, v->rec->current, &res, &err)
	          : tc_service_create(app->svc, draft, &new_id, &err);
	tc_trunk_destroy(draft);
	free(new_id);
	bool clash = st == TC_CONFLICT && res.nconflict;
	char keys[200] = "";
	tc_field_keys(res.changed, keys, sizeof(keys));
	tc_edit_result_finish(&res);
	if (clash) {
		/* the store's final guard: show what changed underneath, save nothing */
		if (!reread(app, v))
			tui_status_err(app, "Not saved", &err);
		tc_error_clear(&err);
		return TUI_HANDLED;
	}
	if (st == TC_INVALID) {
		tc_field_errors_finish(&v->errs);
		memset(&v->errs, 0, sizeof(v->errs));
		tc_field_errors_move(&v->errs, &err.fields);
		form_update_msg(v);
		focus_first_error(v);
		tui_status(app, true, "Not saved: the Carrier API would refuse these values.");
		tc_error_clear(&err);
		return TUI_HANDLED;
	}
	if (st != TC_OK) {
		tui_status_err(app, "Not saved", &err);
		tc_error_clear(&err);
		return TUI_HANDLED;
	}
	tc_error_clear(&err);
	const char *name = v->text[TC_F_NAME][0] ? v->text[TC_F_NAME] : "the trunk";
	if (!v->id)
		tui_status(app, false, "Saved %s here; the change is queued for the Carrier API.",
		           name);
	else if (keys[0])
		tui_status(app, false, "Saved %s here (%s); queued for the Carrier API.", name,
		           keys);
	else
		tui_status(app, false, "Saved %s here: nothing changed, nothing queued.", name);
	tui_request_sync(app, TC_SYNC_PUSH);
	v->saved = true;
	tui_changed(app);
	return TUI_CLOSE;
}

static void leave(struct tui_app *app, void *ctx)
{
	app->pop_more = 1;
}

/* ---- keys ---- */

static void move_sel(struct form_view *v, int dir)
{
	if (dir > 0 && v->sel + 1 < v->nrows)
		v->sel++;
	else if (dir < 0 && v->sel > 0)
		v->sel--;
}

static bool edit_row(struct tui_app *app, struct form_view *v, struct tui_key k)
{
	struct row *r = &v->rows[v->sel];
	int f = r->field;
	if (r->item < 0) {
		if (!tui_edit_key(v->text[f], edit_size(f), field_key(f, k)))
			return false;
	} else if ((size_t)r->item < v->nitems[f]) {
		char *t = v->items[f][r->item];
		bool bs =
		    (k.fn && k.code == KEY_BACKSPACE) || (!k.fn && (k.code == 127 || k.code == 8));
		if (bs && !t[0]) {
			/* Backspace on an empty item removes it. */
			memmove(&v->items[f][r->item], &v->items[f][r->item + 1],
			        (v->nitems[f] - (size_t)r->item - 1) * TEXT_MAX);
			v->nitems[f]--;
			build_rows(v);
			if (r->item > 0)
				v->sel--;
		} else if (!tui_edit_key(t, TEXT_MAX, k)) {
			return false;
		}
	} else {
		if (v->nitems[f] >= ITEMS_MAX) {
			tui_status(app, true, "A list holds at most %d items here.", ITEMS_MAX);
			return true;
		}
		char *t = v->items[f][v->nitems[f]];
		t[0] = '\0';
		if (!tui_edit_key(t, TEXT_MAX, k))
			return false;
		v->nitems[f]++;
		build_rows(v);
	}
	v->touched[f] = true;
	v->dirty = true;
	validate(app, v);
	form_update_msg(v);
	return true;
}

/*
 * A key on a field in conflict, not settled yet: the conflict view's keys
 * settle it; typing is refused until then. False for other keys (moving on).
 */
static bool settle_key(struct tui_app *app, struct form_view *v, int f, struct tui_key k,
                       bool printable)
{
	switch (tui_keymap_lookup(&app->km, TUI_SCOPE_CONFLICT, k)) {
	case TUI_ACT_KEEP_MINE:
		v->choice[f] = TC_RESOLVE_MINE;
		break;
	case TUI_ACT_TAKE_THEIRS:
		v->choice[f] = TC_RESOLVE_THEIRS;
		load_field(v, f, v->rec->current);
		build_rows(v);
		break;
	case TUI_ACT_EDIT_VALUE:
		v->choice[f] = TC_RESOLVE_EDITED;
		break;
	default:
		if (!printable && !(!k.fn && (k.code == 127 || k.code == 8 || k.code == 21)) &&
		    !(k.fn && k.code == KEY_BACKSPACE) &&
		    !(k.fn && form_is_choice(f) && (k.code == KEY_LEFT || k.code == KEY_RIGHT)))
			return false;
		char keys[120];
		choice_keys(app, keys, sizeof(keys));
		tui_status(app, true, "%s changed here and there: choose first (%s).",
		           tc_field((enum tc_field_id)f)->label, keys);
		return true;
	}
	v->dirty = true;
	validate(app, v);
	form_update_msg(v);
	return true;
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct form_view *v = (struct form_view *)s;
	if (v->pick.open)
		return picker_key(app, v, k, act);
	int f = v->nrows ? v->rows[v->sel].field : TC_F_NAME;
	bool printable = !k.fn && k.code >= L' ' && k.code != 127;
	if (v->conflict[f] && v->choice[f] == TC_RESOLVE_NONE &&
	    settle_key(app, v, f, k, printable))
		return TUI_HANDLED;
	if (form_is_choice(f) &&
	    (printable || (k.fn && (k.code == KEY_LEFT || k.code == KEY_RIGHT)))) {
		if (k.code == L' ' || k.code == KEY_RIGHT)
			cycle_choice(app, v, f, 1);
		else if (k.code == KEY_LEFT)
			cycle_choice(app, v, f, -1);
		return TUI_HANDLED;
	}
	if (!form_is_choice(f) &&
	    (printable || (!k.fn && (k.code == 127 || k.code == 8 || k.code == 21)) ||
	     (k.fn && k.code == KEY_BACKSPACE))) {
		edit_row(app, v, k);
		return TUI_HANDLED;
	}
	switch (act) {
	case TUI_ACT_NEXT_FIELD:
		move_sel(v, 1);
		return TUI_HANDLED;
	case TUI_ACT_PREV_FIELD:
		move_sel(v, -1);
		return TUI_HANDLED;
	case TUI_ACT_FIRST:
		v->sel = 0;
		return TUI_HANDLED;
	case TUI_ACT_LAST:
		v->sel = v->nrows ? v->nrows - 1 : 0;
		return TUI_HANDLED;
	case TUI_ACT_PAGE_DOWN:
	case TUI_ACT_PAGE_UP:
		for (int i = 0; i < 8; i++)
			move_sel(v, act == TUI_ACT_PAGE_DOWN ? 1 : -1);
		return TUI_HANDLED;
	case TUI_ACT_PICK:
		if (has_picker(f)) {
			v->pick.open = true;
			v->pick.field = f;
			picker_fill(app, v);
		} else {
			move_sel(v, 1);
		}
		return TUI_HANDLED;
	case TUI_ACT_SAVE:
		return save(app, v);
	case TUI_ACT_CANCEL:
	case TUI_ACT_BACK:
		if (!v->dirty)
			return TUI_CLOSE;
		tui_push(app, ui_confirm_new("Discard your changes?",
		                             "Nothing of this form has been saved.", NULL, leave,
		                             NULL, NULL));
		return TUI_HANDLED;
	case TUI_ACT_QUIT:
		if (!v->dirty)
			return TUI_IGNORED;
		tui_status(app, true,
		           "The form has unsaved changes: save with F2 or leave with Esc.");
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

static void destroy(struct tui_screen *s)
{
	struct form_view *v = (struct form_view *)s;
	tc_field_errors_finish(&v->errs);
	tc_field_errors_finish(&v->server_errs);
	tui_route_preview_finish(&v->preview);
	tc_trunk_record_destroy(v->rec);
	free(v->id);
	free(v);
}

/* The store changed (a sync, a save here): the trunk may have changed underneath. */
static void reload(struct tui_app *app, struct tui_screen *s)
{
	struct form_view *v = (struct form_view *)s;
	if (v->id && !v->saved)
		reread(app, v);
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct form_view *v = (struct form_view *)s;
	/* the other trunks came from the lint thread: the preview is worked out again with them */
	if (tui_route_preview_stale(&v->preview))
		validate(app, v);
	form_draw(app, s, top, height);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_FORM,
    .draw = draw,
    .key = key,
    .reload = reload,
    .destroy = destroy,
    .footer = footer,
    .title = "Form",
};

static void load_values(struct tui_app *app, struct form_view *v)
{
	const struct tc_trunk *t = v->rec ? v->rec->current : NULL;
	for (int f = 0; t && f < TC_FIELD_COUNT; f++)
		load_field(v, f, t);
	if (!t) {
		snprintf(v->text[TC_F_AUTHENTICATION_MODE], TEXT_MAX, "%s",
		         tc_mode_name(TC_MODE_IP_ADDRESS));
		size_t n;
		const struct tc_region *regions = tc_service_regions(app->svc, &n);
		if (n)
			snprintf(v->text[TC_F_REGION], TEXT_MAX, "%s", regions[0].alias);
	}
	memcpy(v->orig, v->text, sizeof(v->orig));
}

struct tui_screen *ui_form_new(struct tui_app *app, const char *id)
{
	if (tui_read_only(app)) {
		tui_refuse_read_only(app, "trunks cannot be created or edited.");
		return NULL;
	}
	struct form_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ops;
	if (id) {
		struct tc_error err;
		tc_error_init(&err);
		if (!(v->id = strdup(id)) || tc_service_get(app->svc, id, &v->rec, &err) != TC_OK) {
			tui_status_err(app, "Cannot edit the trunk", &err);
			tc_error_clear(&err);
			destroy(&v->base);
			return NULL;
		}
		tc_error_clear(&err);
		if (v->rec->state == TC_SYNC_CONFLICT) {
			tui_status(app, true, "This trunk is in conflict: resolve it first (c).");
			destroy(&v->base);
			return NULL;
		}
		for (size_t k = 0; k < v->rec->errors.count; k++) {
			const struct tc_field_error *fe = &v->rec->errors.items[k];
			tc_field_errors_add(&v->server_errs, fe->field, fe->index, fe->severity,
			                    fe->pointer, fe->title, fe->hint);
		}
	}
	load_values(app, v);
	build_rows(v);
	validate(app, v);
	return &v->base;
}
