/* Questions that guard destructive actions: No is the default, and y is never the key that asked.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"

struct confirm {
	struct tui_screen base;
	char question[200];
	char detail[600];
	char *typed;            /* the text to type back, or NULL for a y/N question */
	const char *typed_what; /* "name" or "id" */
	char answer[128];
	ui_confirm_fn on_yes;
	void *ctx;
	void (*free_ctx)(void *);
};

static const enum tui_action footer[] = {TUI_ACT_NONE};

#define DETAIL_LINES 4

/*
 * The detail broken at spaces into at most DETAIL_LINES lines of width cells,
 * the last one cut; returns the number of lines (at least 1).
 */
static int wrap_detail(const char *detail, int width, char lines[][600])
{
	int n = 0;
	const char *p = detail;
	while (n < DETAIL_LINES) {
		while (*p == ' ')
			p++;
		size_t fit = tui_text_fit(p, width);
		if (p[fit] && n < DETAIL_LINES - 1) {
			size_t sp = fit;
			while (sp > 0 && p[sp] != ' ')
				sp--;
			if (sp > 0)
				fit = sp;
		}
		snprintf(lines[n++], 600, "%.*s", (int)fit, p);
		p += fit;
		if (!*p)
			break;
	}
	return n ? n : 1;
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct confirm *c = (struct confirm *)s;
	int w = COLS - 4 < 72 ? COLS - 4 : 72;
	char lines[DETAIL_LINES][sizeof(c->detail)];
	int nd = wrap_detail(c->detail, w - 4, lines);
	int h = (c->typed ? 6 : 5) + nd;
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
	for (int i = 0; i < nd; i++)
		tui_put(stdscr, y0 + 2 + i, x0 + 2, lines[i], w - 4, tui_attr(TUI_ROLE_NORMAL));
	y0 += nd - 1;
	if (c->typed) {
		char prompt[200];
		snprintf(prompt, sizeof(prompt), "Type the %s to confirm: %s", c->typed_what,
		         c->answer);
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
				tui_status(app, true, "The %s does not match; nothing was changed.",
				           c->typed_what);
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
	c->typed_what = "name";
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

/* The field as the detail screen shows it, "" when unset; cut to len. */
static void value_text(const struct tc_trunk *t, enum tc_field_id f, char *buf, size_t len)
{
	char *text = tc_trunk_has(t, f) ? tc_value_to_text(f, &t->values[f], false) : NULL;
	snprintf(buf, len, "%s", text ? text : "");
	free(text);
}

/* What deleting t does, in the operator's terms, into buf. */
static void describe_delete(const struct tc_trunk *t, bool on_server, char *buf, size_t len)
{
	if (!on_server) {
		snprintf(buf, len,
		         "It was never sent to the Carrier API: its queued create is dropped and "
		         "nothing reaches the server.");
		return;
	}
	char ips[200], prefixes[200];
	value_text(t, TC_F_INBOUND_SOURCE_IPS, ips, sizeof(ips));
	value_text(t, TC_F_OUTBOUND_ROUTE_PREFIXES, prefixes, sizeof(prefixes));
	const char *host = tc_trunk_string(t, TC_F_OUTBOUND_HOST);
	size_t used = 0;
	switch (tc_trunk_mode(t)) {
	case TC_MODE_CLIENT_CREDENTIALS:
		used = (size_t)snprintf(buf, len, "Its SIP credentials stop working. ");
		break;
	case TC_MODE_OUTBOUND_REGISTRATION:
		used = (size_t)snprintf(buf, len, "The platform stops registering with %s. ",
		                        host && *host ? host : "its outbound host");
		break;
	default:
		if (ips[0])
			used =
			    (size_t)snprintf(buf, len, "Calls from %s no longer reach it. ", ips);
		else
			buf[0] = '\0';
		break;
	}
	if (used < len && prefixes[0])
		used +=
		    (size_t)snprintf(buf + used, len - used,
		                     "Calls to the prefixes %s no longer route to it. ", prefixes);
	else if (used < len && host && *host && tc_trunk_mode(t) == TC_MODE_IP_ADDRESS)
		used += (size_t)snprintf(buf + used, len - used,
		                         "Outbound calls no longer go to %s. ", host);
	if (used < len)
		snprintf(buf + used, len - used, "The delete is sent at the next sync.");
}

void ui_confirm_delete(struct tui_app *app, const char *id, const struct tc_trunk *t,
                       bool on_server, int close_below)
{
	const char *name = tc_trunk_string(t, TC_F_NAME);
	/* A name that cannot be typed back (none, or control characters) is asked by id. */
	bool by_id = !name || !*name;
	for (const char *p = name; p && *p && !by_id; p++)
		by_id = (unsigned char)*p < 0x20 || *p == 0x7f;
	char q[200], d[600];
	snprintf(q, sizeof(q), "Delete trunk \"%s\"?", by_id ? id : name);
	describe_delete(t, on_server, d, sizeof(d));
	struct delete_ctx *ctx = malloc(sizeof(*ctx) + strlen(id) + 1);
	if (!ctx) {
		tui_status(app, true, "Out of memory; nothing was deleted.");
		return;
	}
	ctx->close_below = close_below;
	strcpy(ctx->id, id);
	struct tui_screen *dialog = ui_confirm_new(q, d, by_id ? id : name, do_delete, ctx, free);
	if (dialog && by_id)
		((struct confirm *)dialog)->typed_what = "id";
	tui_push(app, dialog);
}

struct marked_delete {
	size_t count;
	char **ids;
};

static void marked_delete_free(void *ctx)
{
	struct marked_delete *md = ctx;
	for (size_t i = 0; i < md->count; i++)
		free(md->ids[i]);
	free(md->ids);
	free(md);
}

/*
 * One delete per trunk, each in its own transaction as a single delete is:
 * one that fails (the trunk went in a sync meanwhile) must not undo the others.
 */
static void do_delete_marked(struct tui_app *app, void *ctx)
{
	const struct marked_delete *md = ctx;
	size_t done = 0, failed = 0;
	struct tc_error err, first;
	tc_error_init(&err);
	tc_error_init(&first);
	for (size_t i = 0; i < md->count; i++) {
		if (tc_service_delete(app->svc, md->ids[i], &err) == TC_OK) {
			done++;
		} else {
			if (!failed++)
				tc_error_set(&first, err.status, "%s: %s", md->ids[i], err.message);
			tc_error_clear(&err);
		}
	}
	if (failed)
		tui_status(app, true,
		           "Deleted %zu of %zu marked trunks here; %zu failed (first: %s).", done,
		           md->count, failed, first.message);
	else
		tui_status(app, false,
		           "Deleted %zu trunk%s here; the deletes are queued for the Carrier API.",
		           done, done == 1 ? "" : "s");
	if (done)
		tui_request_sync(app, TC_SYNC_PUSH);
	tui_marks_clear(&app->marks);
	tc_error_clear(&err);
	tc_error_clear(&first);
	tui_changed(app);
}

void ui_confirm_delete_marked(struct tui_app *app)
{
	const struct tui_marks *m = &app->marks;
	struct marked_delete *md = calloc(1, sizeof(*md));
	if (md)
		md->ids = calloc(m->count, sizeof(*md->ids));
	for (size_t i = 0; md && md->ids && i < m->count; i++, md->count++)
		if (!(md->ids[i] = strdup(m->items[i].id)))
			break;
	if (!md || !md->ids || md->count < m->count) {
		if (md)
			marked_delete_free(md);
		tui_status(app, true, "Out of memory; nothing was deleted.");
		return;
	}
	char q[200], d[600], typed[32];
	snprintf(q, sizeof(q), "Delete %zu marked trunk%s?", m->count, m->count == 1 ? "" : "s");
	/* Names as far as they fit, then how many more; the ids never change under the dialog. */
	size_t used = 0, named = 0;
	for (; named < m->count && named < 5; named++) {
		const char *name =
		    m->items[named].name[0] ? m->items[named].name : m->items[named].id;
		int n = snprintf(d + used, sizeof(d) - used, "%s\"%s\"", named ? ", " : "", name);
		if (n < 0 || used + (size_t)n >= 300)
			break;
		used += (size_t)n;
	}
	if (named < m->count)
		used +=
		    (size_t)snprintf(d + used, sizeof(d) - used, " and %zu more", m->count - named);
	snprintf(d + used, sizeof(d) - used,
	         ". Calls from their inbound IPs and to their prefixes stop reaching them; "
	         "queued creates are dropped. The deletes are sent at the next sync.");
	snprintf(typed, sizeof(typed), "%zu", m->count);
	struct tui_screen *dialog =
	    ui_confirm_new(q, d, typed, do_delete_marked, md, marked_delete_free);
	if (dialog)
		((struct confirm *)dialog)->typed_what = "number of trunks";
	tui_push(app, dialog);
}
