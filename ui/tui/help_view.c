/* Help is generated from the live keymap, so remapped keys show as they are bound. */
#include <stdlib.h>
#include <string.h>

#include "app.h"

/* The heading of the list's marks, after the keys of every screen. */
#define LEGEND_GROUP (TUI_SCOPE_COUNT + 1)

struct help_line {
	int group; /* enum tui_scope, or LEGEND_GROUP; a heading when action is NONE */
	enum tui_action action;
	int legend; /* enum tui_legend for a line of the marks; -1 otherwise */
};

struct help_view {
	struct tui_screen base;
	struct tui_scroll sc;
	size_t count;
	struct help_line lines[TUI_ACT_COUNT + TUI_SCOPE_COUNT * 2 + TUI_LEGEND_COUNT + 2];
};

static const enum tui_action footer[] = {TUI_ACT_BACK, TUI_ACT_QUIT, TUI_ACT_NONE};

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct help_view *v = (struct help_view *)s;
	tui_put(stdscr, top, 0, "Keys (change them with key.<action> in the configuration)", COLS,
	        tui_attr(TUI_ROLE_TITLE));
	int rows = height - 1;
	v->sc.count = v->count;
	/* Help scrolls as a page: the "selection" is the top line. */
	size_t max_top = v->count > (size_t)rows ? v->count - (size_t)rows : 0;
	if (v->sc.sel > max_top)
		v->sc.sel = max_top;
	for (int i = 0; i < rows && v->sc.sel + (size_t)i < v->count; i++) {
		const struct help_line *l = &v->lines[v->sc.sel + (size_t)i];
		int y = top + 1 + i;
		if (l->legend >= 0) {
			tui_put(stdscr, y, 2, tui_legend_mark((enum tui_legend)l->legend), 14,
			        tui_attr(TUI_ROLE_FOOTER_KEY));
			tui_put(stdscr, y, 17, tui_legend_meaning((enum tui_legend)l->legend),
			        COLS - 17, tui_attr(TUI_ROLE_NORMAL));
			continue;
		}
		if (l->action == TUI_ACT_NONE) {
			if (l->group < TUI_SCOPE_COUNT)
				tui_put(stdscr, y, 0, tui_scope_label((enum tui_scope)l->group),
				        COLS, tui_attr(TUI_ROLE_GROUP));
			else if (l->group == LEGEND_GROUP)
				tui_put(stdscr, y, 0, "Marks before a trunk's name in the list",
				        COLS, tui_attr(TUI_ROLE_GROUP));
			continue;
		}
		char keys[64];
		tui_keymap_describe(&app->km, l->action, keys, sizeof(keys));
		tui_put(stdscr, y, 2, keys[0] ? keys : "(unbound)", 14,
		        tui_attr(TUI_ROLE_FOOTER_KEY));
		tui_put(stdscr, y, 17, tui_action_name(l->action), 14, tui_attr(TUI_ROLE_LABEL));
		tui_put(stdscr, y, 32, tui_action_help(l->action), COLS - 32,
		        tui_attr(TUI_ROLE_NORMAL));
	}
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct help_view *v = (struct help_view *)s;
	if (act == TUI_ACT_HELP)
		return TUI_CLOSE;
	if (act == TUI_ACT_UP || act == TUI_ACT_DOWN || act == TUI_ACT_PAGE_UP ||
	    act == TUI_ACT_PAGE_DOWN || act == TUI_ACT_FIRST || act == TUI_ACT_LAST) {
		tui_scroll_key(&v->sc, act, LINES - 4);
		return TUI_HANDLED;
	}
	return TUI_IGNORED;
}

static void destroy(struct tui_screen *s)
{
	free(s);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_GENERIC,
    .draw = draw,
    .key = key,
    .destroy = destroy,
    .footer = footer,
    .title = "Help",
};

struct tui_screen *ui_help_new(struct tui_app *app)
{
	struct help_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ops;
	for (int sc = 0; sc < TUI_SCOPE_COUNT; sc++) {
		if (v->count)
			v->lines[v->count++] =
			    (struct help_line){TUI_SCOPE_COUNT, TUI_ACT_NONE, -1};
		v->lines[v->count++] = (struct help_line){sc, TUI_ACT_NONE, -1};
		for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++)
			if (tui_action_scope((enum tui_action)a) == (enum tui_scope)sc)
				v->lines[v->count++] =
				    (struct help_line){sc, (enum tui_action)a, -1};
	}
	v->lines[v->count++] = (struct help_line){TUI_SCOPE_COUNT, TUI_ACT_NONE, -1};
	v->lines[v->count++] = (struct help_line){LEGEND_GROUP, TUI_ACT_NONE, -1};
	for (int l = 0; l < TUI_LEGEND_COUNT; l++)
		v->lines[v->count++] = (struct help_line){LEGEND_GROUP, TUI_ACT_NONE, l};
	return &v->base;
}
