/* The journal: the mutations sent to the Carrier API, newest first. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"

#define JOURNAL_ROWS 500

struct journal_view {
	struct tui_screen base;
	struct tc_journal_list list;
	struct tui_scroll sc;
	int height;
};

static const enum tui_action footer[] = {TUI_ACT_BACK, TUI_ACT_HELP, TUI_ACT_QUIT, TUI_ACT_NONE};

/*
 * Rows written before the journal kept names (store schema 5) have none: the
 * trunk's name now, when the store still has it, beats a bare id.
 */
static void name_old_rows(struct tui_app *app, struct tc_journal_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		struct tc_journal_entry *e = &list->items[i];
		if (e->trunk_name || !e->trunk_id)
			continue;
		struct tc_trunk_record *rec = NULL;
		struct tc_error err;
		tc_error_init(&err);
		if (tc_service_get(app->svc, e->trunk_id, &rec, &err) == TC_OK && rec->current) {
			const char *name = tc_trunk_string(rec->current, TC_F_NAME);
			e->trunk_name = name ? strdup(name) : NULL;
		}
		tc_trunk_record_destroy(rec);
		tc_error_clear(&err);
	}
}

static void load(struct tui_app *app, struct journal_view *v)
{
	tc_journal_list_finish(&v->list);
	memset(&v->list, 0, sizeof(v->list));
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_journal(app->svc, JOURNAL_ROWS, &v->list, &err) != TC_OK)
		tui_status_err(app, "Cannot read the journal", &err);
	tc_error_clear(&err);
	name_old_rows(app, &v->list);
	v->sc.count = v->list.count;
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct journal_view *v = (struct journal_view *)s;
	tui_put(stdscr, top, 0, "Journal (newest first)", COLS, tui_attr(TUI_ROLE_TITLE));
	tui_put(stdscr, top + 1, 0, "Time (UTC)           Method Status Trunk / result", COLS,
	        tui_attr(TUI_ROLE_COLUMN));
	v->height = height - 2;
	tui_scroll_fix(&v->sc, v->height);
	if (!v->list.count)
		tui_put(stdscr, top + 3, 2, "Nothing has been sent to the Carrier API yet.",
		        COLS - 2, tui_attr(TUI_ROLE_DIM));
	for (int i = 0; i < v->height && v->sc.top + (size_t)i < v->list.count; i++) {
		size_t k = v->sc.top + (size_t)i;
		const struct tc_journal_entry *e = &v->list.items[k];
		time_t t = (time_t)(e->time_ms / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		char when[32], status[16], line[600];
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		if (e->http_status)
			snprintf(status, sizeof(status), "%d", e->http_status);
		else
			snprintf(status, sizeof(status), "-");
		/* the name, which the operator knows the trunk by; the id only without one */
		const char *who = e->trunk_name ? e->trunk_name : e->trunk_id ? e->trunk_id : "";
		snprintf(line, sizeof(line), "%s  %-6s %-6s %s%s%s", when, e->method, status, who,
		         e->error ? ": " : "", e->error ? e->error : "");
		int role = k == v->sc.sel ? TUI_ROLE_SELECTED
		           : e->error     ? TUI_ROLE_ERROR
		                          : TUI_ROLE_NORMAL;
		tui_put(stdscr, top + 2 + i, 0, line, COLS, tui_attr(role));
	}
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct journal_view *v = (struct journal_view *)s;
	return tui_scroll_key(&v->sc, act, v->height) ? TUI_HANDLED : TUI_IGNORED;
}

static void reload(struct tui_app *app, struct tui_screen *s)
{
	load(app, (struct journal_view *)s);
}

static void destroy(struct tui_screen *s)
{
	struct journal_view *v = (struct journal_view *)s;
	tc_journal_list_finish(&v->list);
	free(v);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_GENERIC,
    .draw = draw,
    .key = key,
    .reload = reload,
    .destroy = destroy,
    .footer = footer,
    .title = "Journal",
};

struct tui_screen *ui_journal_new(struct tui_app *app)
{
	struct journal_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ops;
	load(app, v);
	return &v->base;
}
