/*
 * Conflicts: per field, the base the local edit started from, mine and the
 * server's (theirs); the operator keeps mine, takes theirs or types a new
 * value, then applies the choices for the trunk. A trunk deleted on one side
 * is one question instead (its choice rides on the name field's row, as
 * tc_service_resolve reads it): keep the trunk or let it go.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define MAX_TRUNKS 64
#define PAGE 50

struct ctrunk {
	struct tc_trunk_record *rec;
	enum tc_resolution choices[TC_FIELD_COUNT];
	struct tc_trunk *edited;
};

struct crow {
	size_t trunk;
	int field; /* -1: the trunk's heading */
};

struct conflict_view {
	struct tui_screen base;
	struct ctrunk trunks[MAX_TRUNKS];
	size_t ntrunks;
	struct crow rows[MAX_TRUNKS * (TC_FIELD_COUNT + 1)];
	size_t nrows;
	size_t sel; /* a field row */
	int scroll;
	bool editing;
	char edit[256];
};

static const enum tui_action footer[] = {
    TUI_ACT_BACK,    TUI_ACT_KEEP_MINE, TUI_ACT_TAKE_THEIRS, TUI_ACT_EDIT_VALUE,
    TUI_ACT_RESOLVE, TUI_ACT_HELP,      TUI_ACT_NONE,
};

static void drop_all(struct conflict_view *v)
{
	for (size_t i = 0; i < v->ntrunks; i++) {
		tc_trunk_record_destroy(v->trunks[i].rec);
		tc_trunk_destroy(v->trunks[i].edited);
	}
	memset(v->trunks, 0, sizeof(v->trunks));
	v->ntrunks = 0;
	v->nrows = 0;
}

static bool deleted_on_server(const struct ctrunk *t)
{
	return t->rec->conflict && !t->rec->conflict->theirs;
}

/* Delete vs modified: deleted here, changed on the server. */
static bool deleted_here(const struct ctrunk *t)
{
	return t->rec->conflict && t->rec->conflict->mine_deleted;
}

static size_t changed_count(const struct tc_conflict *c)
{
	size_t n = 0;
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		n += c->fields[f];
	return n;
}

/* Screen lines of row i: a heading 1; a field 4 (label, base, mine, theirs). */
static int row_lines(const struct conflict_view *v, size_t i)
{
	const struct crow *r = &v->rows[i];
	if (r->field < 0)
		return 1;
	const struct ctrunk *t = &v->trunks[r->trunk];
	if (!deleted_here(t))
		return 4;
	/* the question, what they changed (at least one line), the two answers */
	size_t n = changed_count(t->rec->conflict);
	return 2 + (n ? (int)n : 1);
}

static void load(struct tui_app *app, struct conflict_view *v)
{
	/* Choices made before a background sync reloads the screen survive it. */
	struct kept {
		char id[64];
		enum tc_resolution choices[TC_FIELD_COUNT];
	} *kept = calloc(v->ntrunks ? v->ntrunks : 1, sizeof(*kept));
	size_t nkept = 0;
	for (size_t i = 0; kept && i < v->ntrunks; i++) {
		snprintf(kept[nkept].id, sizeof(kept[nkept].id), "%s", v->trunks[i].rec->id);
		memcpy(kept[nkept++].choices, v->trunks[i].choices, sizeof(kept->choices));
	}
	drop_all(v);
	struct tc_error err;
	tc_error_init(&err);
	/* Conflicts sort together by sync state; read windows until past them. */
	struct tc_list_query q = {.sort = TC_SORT_SYNC_STATE, .descending = true, .limit = PAGE};
	bool done = false;
	while (!done && v->ntrunks < MAX_TRUNKS) {
		struct tc_trunk_page page = {0};
		if (tc_service_list(app->svc, &q, &page, &err) != TC_OK) {
			tui_status_err(app, "Cannot read the conflicts", &err);
			tc_trunk_page_finish(&page);
			break;
		}
		for (size_t i = 0; i < page.count && v->ntrunks < MAX_TRUNKS; i++) {
			const struct tc_trunk_row *r = &page.items[i];
			if (r->state < TC_SYNC_CONFLICT) {
				done = true;
				break;
			}
			if (r->state != TC_SYNC_CONFLICT)
				continue;
			struct ctrunk *t = &v->trunks[v->ntrunks];
			if (tc_service_get(app->svc, r->trunk->id, &t->rec, &err) != TC_OK ||
			    !t->rec->conflict) {
				tc_trunk_record_destroy(t->rec);
				t->rec = NULL;
				tc_error_clear(&err);
				continue;
			}
			t->edited = tc_trunk_dup(t->rec->conflict->mine);
			for (size_t j = 0; j < nkept; j++)
				if (strcmp(kept[j].id, t->rec->id) == 0)
					for (int f = 0; f < TC_FIELD_COUNT; f++)
						if (kept[j].choices[f] != TC_RESOLVE_EDITED)
							t->choices[f] = kept[j].choices[f];
			v->ntrunks++;
		}
		if (page.count < PAGE)
			done = true;
		q.offset += PAGE;
		tc_trunk_page_finish(&page);
	}
	tc_error_clear(&err);
	free(kept);
	for (size_t i = 0; i < v->ntrunks; i++) {
		v->rows[v->nrows++] = (struct crow){i, -1};
		const struct tc_conflict *c = v->trunks[i].rec->conflict;
		if (deleted_on_server(&v->trunks[i]) || deleted_here(&v->trunks[i])) {
			v->rows[v->nrows++] = (struct crow){i, TC_F_NAME};
			continue;
		}
		for (int f = 0; f < TC_FIELD_COUNT; f++)
			if (c->fields[f])
				v->rows[v->nrows++] = (struct crow){i, f};
	}
	if (v->sel >= v->nrows || (v->nrows && v->rows[v->sel].field < 0))
		v->sel = v->nrows > 1 ? 1 : 0;
}

static char *value_text(const struct tc_trunk *t, int f)
{
	if (!t)
		return strdup("(deleted)");
	return tc_value_to_text((enum tc_field_id)f, &t->values[f], false);
}

const char *ui_choice_name(enum tc_resolution r)
{
	switch (r) {
	case TC_RESOLVE_MINE:
		return "keep mine";
	case TC_RESOLVE_THEIRS:
		return "take theirs";
	case TC_RESOLVE_EDITED:
		return "edited";
	default:
		return "undecided";
	}
}

/* A trunk deleted on one side is one question, worded for the delete. */
static const char *choice_name(const struct ctrunk *t, enum tc_resolution r)
{
	if (deleted_here(t) && r == TC_RESOLVE_MINE)
		return "keep the delete";
	if (deleted_here(t) && r == TC_RESOLVE_THEIRS)
		return "keep theirs";
	return ui_choice_name(r);
}

/*
 * Delete vs modified as one question at screen line y (rows body..body+h
 * visible): what the server changed since the delete was queued, old ->
 * new, and the two answers.
 */
static void draw_delete_question(const struct ctrunk *t, int y, int body, int h, bool sel)
{
	const struct tc_conflict *c = t->rec->conflict;
	char l[400];
	snprintf(l, sizeof(l), "Deleted here, changed on the server since: %s",
	         choice_name(t, t->choices[TC_F_NAME]));
	if (y >= body && y < body + h)
		tui_put(stdscr, y, 2, l, COLS - 2,
		        tui_attr(sel ? TUI_ROLE_SELECTED : TUI_ROLE_LABEL));
	int yy = y + 1;
	if (!changed_count(c)) {
		if (yy >= body && yy < body + h)
			tui_put(stdscr, yy, 4, "attributes this version does not show", COLS - 4,
			        tui_attr(TUI_ROLE_THEIRS));
		yy++;
	}
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		if (!c->fields[f])
			continue;
		if (yy >= body && yy < body + h) {
			char *old = value_text(c->base, f);
			char *now = value_text(c->theirs, f);
			snprintf(l, sizeof(l), "%-22s %s -> %s",
			         tc_field((enum tc_field_id)f)->label,
			         c->base && old && *old ? old : "-", now && *now ? now : "-");
			free(old);
			free(now);
			tui_put(stdscr, yy, 4, l, COLS - 4, tui_attr(TUI_ROLE_THEIRS));
		}
		yy++;
	}
	if (yy >= body && yy < body + h)
		tui_put(stdscr, yy, 4,
		        "m: keep the delete (of the trunk as it is now)   t: keep theirs", COLS - 4,
		        tui_attr(TUI_ROLE_DIM));
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct conflict_view *v = (struct conflict_view *)s;
	char title[100];
	snprintf(title, sizeof(title), "Conflicts (%zu trunk%s)", v->ntrunks,
	         v->ntrunks == 1 ? "" : "s");
	tui_put(stdscr, top, 0, title, COLS, tui_attr(TUI_ROLE_TITLE));
	int body = top + 1, h = height - 1;
	if (!v->nrows) {
		tui_put(stdscr, body + 1, 2,
		        "No conflicts: every local edit merged with the server.", COLS - 2,
		        tui_attr(TUI_ROLE_DIM));
		return;
	}
	int line = 0, sel_first = 0, sel_last = 0;
	for (size_t i = 0; i < v->nrows; i++) {
		int n = row_lines(v, i);
		if (i == v->sel) {
			sel_first = line;
			sel_last = line + n - 1;
		}
		line += n;
	}
	if (sel_first - 1 < v->scroll)
		v->scroll = sel_first > 0 ? sel_first - 1 : 0;
	if (sel_last >= v->scroll + h)
		v->scroll = sel_last - h + 1;
	line = 0;
	for (size_t i = 0; i < v->nrows; i++) {
		const struct crow *r = &v->rows[i];
		const struct ctrunk *t = &v->trunks[r->trunk];
		const struct tc_conflict *c = t->rec->conflict;
		int y = body + line - v->scroll;
		if (r->field < 0) {
			const char *name = tc_trunk_string(c->mine, TC_F_NAME);
			char head[200];
			snprintf(head, sizeof(head), "%s (%s)", name ? name : t->rec->id,
			         t->rec->id);
			if (y >= body && y < body + h)
				tui_put(stdscr, y, 0, head, COLS, tui_attr(TUI_ROLE_GROUP));
			line++;
			continue;
		}
		bool sel = i == v->sel;
		if (deleted_here(t)) {
			draw_delete_question(t, y, body, h, sel);
			line += row_lines(v, i);
			continue;
		}
		const char *label = deleted_on_server(t)
		                        ? "Deleted on the server"
		                        : tc_field((enum tc_field_id)r->field)->label;
		char head[200];
		snprintf(head, sizeof(head), "%s: %s", label, choice_name(t, t->choices[r->field]));
		if (y >= body && y < body + h)
			tui_put(stdscr, y, 2, head, COLS - 2,
			        tui_attr(sel ? TUI_ROLE_SELECTED : TUI_ROLE_LABEL));
		const char *names[3] = {"base", "mine", "theirs"};
		const struct tc_trunk *vers[3] = {c->base, c->mine, c->theirs};
		const enum tui_role roles[3] = {TUI_ROLE_DIM, TUI_ROLE_MINE, TUI_ROLE_THEIRS};
		for (int k = 0; k < 3; k++) {
			int yy = y + 1 + k;
			if (yy < body || yy >= body + h)
				continue;
			char *text;
			if (k == 1 && t->choices[r->field] == TC_RESOLVE_EDITED)
				text = value_text(t->edited, r->field);
			else if (deleted_on_server(t))
				text = strdup(k == 2 ? "(deleted)" : "(exists)");
			else
				text = value_text(vers[k], r->field);
			char l[400];
			snprintf(l, sizeof(l), "%-7s %s", names[k], text ? text : "");
			free(text);
			tui_put(stdscr, yy, 4, l, COLS - 4, tui_attr(roles[k]));
		}
		if (sel && v->editing && y + 2 >= body && y + 2 < body + h) {
			char l[300];
			snprintf(l, sizeof(l), "new     %s", v->edit);
			int w =
			    tui_put(stdscr, y + 2, 4, l, COLS - 4, tui_attr(TUI_ROLE_FIELD_FOCUS));
			s->cursor_y = y + 2;
			s->cursor_x = 4 + (w < COLS - 5 ? w : COLS - 5);
		}
		line += 4;
	}
}

static void resolve(struct tui_app *app, struct conflict_view *v)
{
	const struct ctrunk *t = &v->trunks[v->rows[v->sel].trunk];
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].trunk == v->rows[v->sel].trunk && v->rows[i].field >= 0 &&
		    t->choices[v->rows[i].field] == TC_RESOLVE_NONE) {
			v->sel = i;
			tui_status(app, true,
			           "Choose mine, theirs or a new value for every field first.");
			return;
		}
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_resolve(app->svc, t->rec->id, t->choices, t->edited, &err) == TC_OK) {
		tui_status(app, false, "Resolved; what still differs from the server is queued.");
		tui_request_sync(app, TC_SYNC_PUSH);
	} else {
		tui_status_err(app, "Not resolved", &err);
	}
	tc_error_clear(&err);
	tui_changed(app);
}

static void move_sel(struct conflict_view *v, int dir)
{
	size_t i = v->sel;
	while (dir > 0 ? i + 1 < v->nrows : i > 0) {
		i = dir > 0 ? i + 1 : i - 1;
		if (v->rows[i].field >= 0) {
			v->sel = i;
			return;
		}
	}
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct conflict_view *v = (struct conflict_view *)s;
	if (v->editing) {
		if (!k.fn && k.code == 27) {
			v->editing = false;
		} else if (!k.fn && k.code == L'\n') {
			struct ctrunk *t = &v->trunks[v->rows[v->sel].trunk];
			int f = v->rows[v->sel].field;
			struct tc_value val;
			memset(&val, 0, sizeof(val));
			struct tc_error err;
			tc_error_init(&err);
			if (tc_value_from_text((enum tc_field_id)f, v->edit, &val, &err) == TC_OK &&
			    tc_trunk_set_value(t->edited, (enum tc_field_id)f, &val) == TC_OK) {
				t->choices[f] = TC_RESOLVE_EDITED;
				v->editing = false;
			} else {
				const char *why = err.fields.count ? err.fields.items[0].title
				                                   : "the value cannot be used";
				tui_status(app, true, "%s %s.",
				           tc_field((enum tc_field_id)f)->label, why);
			}
			tc_value_clear(&val);
			tc_error_clear(&err);
		} else {
			tui_edit_key(v->edit, sizeof(v->edit), k);
		}
		return TUI_HANDLED;
	}
	if (!v->nrows)
		return TUI_IGNORED;
	struct ctrunk *t = &v->trunks[v->rows[v->sel].trunk];
	int f = v->rows[v->sel].field;
	switch (act) {
	case TUI_ACT_UP:
		move_sel(v, -1);
		return TUI_HANDLED;
	case TUI_ACT_DOWN:
		move_sel(v, 1);
		return TUI_HANDLED;
	case TUI_ACT_KEEP_MINE:
		t->choices[f] = TC_RESOLVE_MINE;
		move_sel(v, 1);
		return TUI_HANDLED;
	case TUI_ACT_TAKE_THEIRS:
		t->choices[f] = TC_RESOLVE_THEIRS;
		move_sel(v, 1);
		return TUI_HANDLED;
	case TUI_ACT_EDIT_VALUE: {
		if (deleted_on_server(t)) {
			tui_status(app, true,
			           "A deleted trunk can only be kept (m) or dropped (t).");
			return TUI_HANDLED;
		}
		if (deleted_here(t)) {
			tui_status(app, true, "Keep the delete (m) or keep theirs (t).");
			return TUI_HANDLED;
		}
		char *text = value_text(t->edited, f);
		snprintf(v->edit, sizeof(v->edit), "%s", text ? text : "");
		free(text);
		v->editing = true;
		return TUI_HANDLED;
	}
	case TUI_ACT_RESOLVE:
		if (tui_read_only(app))
			tui_refuse_read_only(app, "conflicts cannot be resolved here.");
		else
			resolve(app, v);
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

static void reload(struct tui_app *app, struct tui_screen *s)
{
	struct conflict_view *v = (struct conflict_view *)s;
	if (!v->editing)
		load(app, v);
}

static void destroy(struct tui_screen *s)
{
	struct conflict_view *v = (struct conflict_view *)s;
	drop_all(v);
	free(v);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_CONFLICT,
    .draw = draw,
    .key = key,
    .reload = reload,
    .destroy = destroy,
    .footer = footer,
    .title = "Conflicts",
};

struct tui_screen *ui_conflict_new(struct tui_app *app)
{
	struct conflict_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ops;
	load(app, v);
	return &v->base;
}
