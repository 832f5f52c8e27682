/* The column chooser: which of the list's columns show, and in what order. */
#include <stdlib.h>

#include "app.h"

struct columns_view {
	struct tui_screen base;
	struct tui_column_set *set;
	void (*changed)(struct tui_app *app, void *ctx);
	void *ctx;
	struct tui_scroll sc;
	int height;
};

static const enum tui_action footer[] = {
    TUI_ACT_TOGGLE_COLUMN, TUI_ACT_COLUMN_LEFT, TUI_ACT_COLUMN_RIGHT,
    TUI_ACT_BACK,          TUI_ACT_HELP,        TUI_ACT_NONE,
};

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct columns_view *v = (struct columns_view *)s;
	tui_put(stdscr, top, 0, "Columns of the trunk list (left to right)", COLS,
	        tui_attr(TUI_ROLE_TITLE));
	v->height = height - 2;
	v->sc.count = v->set->count;
	tui_scroll_fix(&v->sc, v->height);
	for (int i = 0; i < v->height && v->sc.top + (size_t)i < v->set->count; i++) {
		size_t k = v->sc.top + (size_t)i;
		size_t c = v->set->order[k];
		char line[96];
		snprintf(line, sizeof(line), " [%c] %s%s", v->set->hidden[c] ? ' ' : 'x',
		         v->set->titles[c], c == v->set->fixed ? " (always shown)" : "");
		int role = k == v->sc.sel      ? TUI_ROLE_SELECTED
		           : v->set->hidden[c] ? TUI_ROLE_DIM
		                               : TUI_ROLE_NORMAL;
		tui_put(stdscr, top + 1 + i, 0, line, COLS, tui_attr(role));
	}
	tui_put(stdscr, top + height - 1, 0,
	        "The list keeps these, and its sort, for this profile next time.", COLS,
	        tui_attr(TUI_ROLE_DIM));
}

static void swap(struct tui_column_set *set, size_t a, size_t b)
{
	size_t t = set->order[a];
	set->order[a] = set->order[b];
	set->order[b] = t;
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct columns_view *v = (struct columns_view *)s;
	if (tui_scroll_key(&v->sc, act, v->height))
		return TUI_HANDLED;
	struct tui_column_set *set = v->set;
	size_t sel = v->sc.sel, c = set->order[sel];
	switch (act) {
	case TUI_ACT_TOGGLE_COLUMN:
		if (c == set->fixed) {
			tui_status(app, true, "The %s column is always shown.", set->titles[c]);
			return TUI_HANDLED;
		}
		set->hidden[c] = !set->hidden[c];
		break;
	case TUI_ACT_COLUMN_LEFT:
		if (sel == 0)
			return TUI_HANDLED;
		swap(set, sel, sel - 1);
		v->sc.sel--;
		break;
	case TUI_ACT_COLUMN_RIGHT:
		if (sel + 1 >= set->count)
			return TUI_HANDLED;
		swap(set, sel, sel + 1);
		v->sc.sel++;
		break;
	default:
		return TUI_IGNORED;
	}
	v->changed(app, v->ctx);
	return TUI_HANDLED;
}

static void destroy(struct tui_screen *s)
{
	free(s);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_COLUMNS,
    .draw = draw,
    .key = key,
    .destroy = destroy,
    .footer = footer,
    .title = "Columns",
};

struct tui_screen *ui_columns_new(struct tui_column_set *set,
                                  void (*changed)(struct tui_app *app, void *ctx), void *ctx)
{
	struct columns_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ops;
	v->set = set;
	v->changed = changed;
	v->ctx = ctx;
	return &v->base;
}
