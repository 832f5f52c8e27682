/* Questions that guard destructive actions: No is the default, and y is never the key that asked.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"

struct confirm {
	struct tui_screen base;
	char question[200];
	char detail[300];
	char *typed; /* the text to type back, or NULL for a y/N question */
	char answer[128];
	ui_confirm_fn on_yes;
	void *ctx;
	void (*free_ctx)(void *);
};

static const enum tui_action footer[] = {TUI_ACT_NONE};

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct confirm *c = (struct confirm *)s;
	int w = COLS - 4 < 72 ? COLS - 4 : 72;
	int h = c->typed ? 7 : 6;
	int y0 = top + (height - h) / 2, x0 = (COLS - w) / 2;
	int a = tui_attr(TUI_ROLE_DIALOG);
	for (int y = 0; y < h; y++) {
		wattrset(stdscr, A_NORMAL);
		mvhline(y0 + y, x0, ' ', w);
	}
	if (app->caps.utf8) {
		wattrset(stdscr, a);
		mvadd_wch(y0, x0, WACS_ULCORNER);
		mvadd_wch(y0, x0 + w - 1, WACS_URCORNER);
		mvadd_wch(y0 + h - 1, x0, WACS_LLCORNER);
		mvadd_wch(y0 + h - 1, x0 + w - 1, WACS_LRCORNER);
		mvhline_set(y0, x0 + 1, WACS_HLINE, w - 2);
		mvhline_set(y0 + h - 1, x0 + 1, WACS_HLINE, w - 2);
		mvvline_set(y0 + 1, x0, WACS_VLINE, h - 2);
		mvvline_set(y0 + 1, x0 + w - 1, WACS_VLINE, h - 2);
	} else {
		wattrset(stdscr, a);
		mvhline(y0, x0, '-', w);
		mvhline(y0 + h - 1, x0, '-', w);
		mvvline(y0, x0, '|', h);
		mvvline(y0, x0 + w - 1, '|', h);
	}
	wattrset(stdscr, A_NORMAL);
	tui_put(stdscr, y0 + 1, x0 + 2, c->question, w - 4, a);
	tui_put(stdscr, y0 + 2, x0 + 2, c->detail, w - 4, tui_attr(TUI_ROLE_NORMAL));
	if (c->typed) {
		char prompt[200];
		snprintf(prompt, sizeof(prompt), "Type the name to confirm: %s", c->answer);
		int pw = tui_put(stdscr, y0 + 4, x0 + 2, prompt, w - 4, tui_attr(TUI_ROLE_NORMAL));
		s->cursor_y = y0 + 4;
		s->cursor_x = x0 + 2 + (pw < w - 5 ? pw : w - 5);
		tui_put(stdscr, y0 + 5, x0 + 2, "Enter confirms, Esc cancels.", w - 4,
		        tui_attr(TUI_ROLE_DIM));
	} else {
		tui_put(stdscr, y0 + 4, x0 + 2, "y: yes   n, Esc: no (default)", w - 4,
		        tui_attr(TUI_ROLE_DIM));
	}
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct confirm *c = (struct confirm *)s;
	if (!k.fn && k.code == 27)
		return TUI_CLOSE;
	if (c->typed) {
		if (!k.fn && k.code == L'\n') {
			if (strcmp(c->answer, c->typed) != 0) {
				tui_status(app, true,
				           "The name does not match; nothing was changed.");
				return TUI_HANDLED;
			}
			c->on_yes(app, c->ctx);
			return TUI_CLOSE;
		}
		tui_edit_key(c->answer, sizeof(c->answer), k);
		return TUI_HANDLED;
	}
	if (!k.fn && (k.code == L'y' || k.code == L'Y')) {
		c->on_yes(app, c->ctx);
		return TUI_CLOSE;
	}
	if (act == TUI_ACT_QUIT)
		return TUI_IGNORED;
	/* Anything else is a no: a stray key must never confirm. */
	return TUI_CLOSE;
}

static void destroy(struct tui_screen *s)
{
	struct confirm *c = (struct confirm *)s;
	if (c->free_ctx)
		c->free_ctx(c->ctx);
	free(c->typed);
	free(c);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_GENERIC,
    .overlay = true,
    .draw = draw,
    .key = key,
    .destroy = destroy,
    .footer = footer,
    .title = "Confirm",
};

struct tui_screen *ui_confirm_new(const char *question, const char *detail, const char *typed,
                                  ui_confirm_fn on_yes, void *ctx, void (*free_ctx)(void *))
{
	struct confirm *c = calloc(1, sizeof(*c));
	if (!c || (typed && !(c->typed = strdup(typed)))) {
		free(c);
		if (free_ctx)
			free_ctx(ctx);
		return NULL;
	}
	c->base.ops = &ops;
	snprintf(c->question, sizeof(c->question), "%s", question);
	snprintf(c->detail, sizeof(c->detail), "%s", detail ? detail : "");
	c->on_yes = on_yes;
	c->ctx = ctx;
	c->free_ctx = free_ctx;
	return &c->base;
}

struct delete_ctx {
	int close_below;
	char id[];
};

static void do_delete(struct tui_app *app, void *ctx)
{
	const struct delete_ctx *dc = ctx;
	const char *id = dc->id;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_delete(app->svc, id, &err) == TC_OK) {
		tui_status(app, false, "Deleted here; the delete is queued for the Carrier API.");
		tui_request_sync(app, TC_SYNC_PUSH);
		app->pop_more = dc->close_below;
	} else {
		tui_status_err(app, "The trunk was not deleted", &err);
	}
	tc_error_clear(&err);
	tui_changed(app);
}

void ui_confirm_delete(struct tui_app *app, const char *id, const char *name, bool has_credentials,
                       int close_below)
{
	char q[200], d[300];
	snprintf(q, sizeof(q), "Delete trunk \"%s\"?", name);
	if (has_credentials)
		snprintf(d, sizeof(d), "Its SIP credentials stop working once the delete is sent.");
	else
		snprintf(d, sizeof(d), "The delete is queued and sent at the next sync.");
	struct delete_ctx *ctx = malloc(sizeof(*ctx) + strlen(id) + 1);
	if (!ctx) {
		tui_status(app, true, "Out of memory; nothing was deleted.");
		return;
	}
	ctx->close_below = close_below;
	strcpy(ctx->id, id);
	tui_push(app, ui_confirm_new(q, d, has_credentials ? name : NULL, do_delete, ctx, free));
}
