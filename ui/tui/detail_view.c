/* One trunk, every attribute grouped as the field table groups them. */
#include <stdlib.h>
#include <string.h>

#include "app.h"

enum line_kind { LINE_GROUP, LINE_FIELD, LINE_INFO, LINE_BLANK, LINE_LINT };

/* Findings listed before "and N more": the routing screen (R) has them all. */
#define LINT_SHOWN 8

struct line {
	enum line_kind kind;
	/* LINE_FIELD: enum tc_field_id; LINE_GROUP: enum tc_field_group; LINE_LINT: severity */
	int field;
	char text[400];
};

struct detail_view {
	struct tui_screen base;
	char *id;
	struct tc_trunk_record *rec;
	bool reveal;
	int64_t revealed_ms;  /* tui_now when the password was revealed */
	struct tui_scroll sc; /* over selectable (field) lines */
	size_t nlines;
	struct line lines[TC_FIELD_COUNT * 3 + TC_G_COUNT * 2 + LINT_SHOWN * 2 + 20];
	int height;
	unsigned lint_gen; /* the app's lint the lines were built with */
	/*
	 * The raw view: the server's resource object as tc_service_document
	 * gives it, cut into lines in place; NULL doc when never sent. raw_sc.sel
	 * is the first line shown (a pager has no cursor).
	 */
	bool raw;
	char *doc;
	char **doc_lines;
	size_t doc_n;
	struct tui_scroll raw_sc;
};

static const enum tui_action footer[] = {
    TUI_ACT_BACK, TUI_ACT_DETAIL_EDIT, TUI_ACT_DETAIL_DELETE, TUI_ACT_REVEAL,
    TUI_ACT_COPY, TUI_ACT_RAW,         TUI_ACT_HELP,          TUI_ACT_NONE,
};

static void add(struct detail_view *v, enum line_kind kind, int field, const char *text)
{
	if (v->nlines >= sizeof(v->lines) / sizeof(v->lines[0]))
		return;
	struct line *l = &v->lines[v->nlines++];
	l->kind = kind;
	l->field = field;
	snprintf(l->text, sizeof(l->text), "%s", text ? text : "");
}

/* What the lint found on this trunk: each finding's rule and message, and its fix. */
static void add_lint(struct tui_app *app, struct detail_view *v)
{
	size_t n = 0;
	struct tc_lint_mark_finding *f = NULL;
	/* routing sees the trunk as it will be after the next sync: a queued delete is gone */
	if (v->rec->pending == TC_OP_DELETE || !v->rec->current)
		return;
	struct tc_route_trunk t;
	tc_route_trunk_view(v->rec->current, &t);
	t.row = v->rec->row;
	if (tc_lint_marks_findings(app->lint, &t, &f, &n, NULL) != TC_OK) {
		tui_status(app, true,
		           "Out of memory; the lint's findings of this trunk are not shown.");
		return;
	}
	if (!n)
		return;
	add(v, LINE_BLANK, -1, "");
	add(v, LINE_GROUP, -1, "Lint (R: every finding of the fleet)");
	char text[400];
	for (size_t i = 0; i < n && i < LINT_SHOWN; i++) {
		const struct tc_lint_rule *rule = tc_lint_rule(f[i].rule);
		snprintf(text, sizeof(text), "  %-7s %s: %s", tc_lint_severity_name(rule->severity),
		         rule->id, f[i].message);
		add(v, LINE_LINT, (int)rule->severity, text);
		snprintf(text, sizeof(text), "          fix: %s", rule->hint);
		add(v, LINE_INFO, -1, text);
	}
	if (n > LINT_SHOWN) {
		snprintf(text, sizeof(text), "  and %zu more", n - LINT_SHOWN);
		add(v, LINE_INFO, -1, text);
	}
	free(f);
}

static void build(struct tui_app *app, struct detail_view *v)
{
	v->nlines = 0;
	v->lint_gen = app->lint_gen;
	const struct tc_trunk_record *r = v->rec;
	if (!r)
		return;
	const struct tc_trunk *t = r->current;
	enum tc_mode mode = tc_trunk_mode(t);
	char info[200];
	snprintf(info, sizeof(info), "Id: %s   Sync: %s%s%s", r->id, tc_sync_state_name(r->state),
	         r->pending != TC_OP_NONE ? ", queued " : "",
	         r->pending != TC_OP_NONE ? tc_outbox_op_name(r->pending) : "");
	add(v, LINE_INFO, -1, info);
	if (r->last_error)
		add(v, LINE_INFO, -2, r->last_error);
	add_lint(app, v);
	/* What the trunk is comes first; the record's timestamps last. */
	for (int k = 1; k <= TC_G_COUNT; k++) {
		int g = k % TC_G_COUNT;
		bool any = false;
		for (int f = 0; f < TC_FIELD_COUNT; f++) {
			const struct tc_field_info *fi = tc_field((enum tc_field_id)f);
			if (fi->group != (enum tc_field_group)g)
				continue;
			if (!(fi->flags & TC_FF_READONLY) && mode != TC_MODE_UNKNOWN &&
			    !tc_field_shown_in_mode((enum tc_field_id)f, mode))
				continue;
			if (!any) {
				add(v, LINE_BLANK, -1, "");
				add(v, LINE_GROUP, g, tc_field_group_label((enum tc_field_group)g));
				any = true;
			}
			add(v, LINE_FIELD, f, NULL);
			const struct tc_field_error *fe =
			    tc_field_errors_find(&r->errors, f, TC_SEV_ERROR);
			if (fe) {
				char msg[200];
				snprintf(msg, sizeof(msg), "server: %s %s", fi->key, fe->title);
				add(v, LINE_INFO, -2, msg);
			}
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < v->nlines; i++)
		n += v->lines[i].kind == LINE_FIELD;
	v->sc.count = n;
	if (v->sc.sel >= n)
		v->sc.sel = n ? n - 1 : 0;
}

static void drop_document(struct detail_view *v)
{
	free(v->doc);
	free(v->doc_lines);
	v->doc = NULL;
	v->doc_lines = NULL;
	v->doc_n = 0;
}

static void load_document(struct tui_app *app, struct detail_view *v)
{
	drop_document(v);
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_document(app->svc, v->id, v->reveal, &v->doc, &err) != TC_OK)
		tui_status_err(app, "Cannot show the server's document", &err);
	tc_error_clear(&err);
	size_t n = 1;
	for (const char *p = v->doc; p && *p; p++)
		n += *p == '\n';
	if (v->doc && !(v->doc_lines = calloc(n, sizeof(*v->doc_lines)))) {
		drop_document(v);
		tui_status(app, true, "Out of memory.");
		return;
	}
	for (char *p = v->doc; p; v->doc_n++) {
		v->doc_lines[v->doc_n] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
}

static void load(struct tui_app *app, struct detail_view *v)
{
	struct tc_error err;
	tc_error_init(&err);
	tc_trunk_record_destroy(v->rec);
	v->rec = NULL;
	if (tc_service_get(app->svc, v->id, &v->rec, &err) != TC_OK)
		tui_status_err(app, "Cannot show the trunk", &err);
	tc_error_clear(&err);
	build(app, v);
	/* the trunk moves to its server id when its create is pushed */
	if (v->rec && strcmp(v->rec->id, v->id) != 0) {
		char *id = strdup(v->rec->id);
		if (id) {
			free(v->id);
			v->id = id;
		}
	}
	if (v->raw)
		load_document(app, v);
}

static const struct line *selected_line(struct detail_view *v)
{
	size_t k = 0;
	for (size_t i = 0; i < v->nlines; i++)
		if (v->lines[i].kind == LINE_FIELD && k++ == v->sc.sel)
			return &v->lines[i];
	return NULL;
}

static void draw_document(struct detail_view *v, int top, int height)
{
	if (!v->doc) {
		tui_put(
		    stdscr, top + 1, 0,
		    "No server document: the Carrier API has not sent this trunk yet (its create "
		    "is not pushed).",
		    COLS, tui_attr(TUI_ROLE_DIM));
		return;
	}
	tui_put(stdscr, top + 1, 0, "JSON:API document, as the Carrier API last sent it:", COLS,
	        tui_attr(TUI_ROLE_DIM));
	int rows = height - 2;
	v->raw_sc.count = v->doc_n > (size_t)rows && rows > 0 ? v->doc_n - (size_t)rows + 1 : 1;
	if (v->raw_sc.sel >= v->raw_sc.count)
		v->raw_sc.sel = v->raw_sc.count - 1;
	for (int i = 0; i < rows && v->raw_sc.sel + (size_t)i < v->doc_n; i++)
		tui_put(stdscr, top + 2 + i, 0, v->doc_lines[v->raw_sc.sel + (size_t)i], COLS,
		        tui_attr(TUI_ROLE_NORMAL));
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct detail_view *v = (struct detail_view *)s;
	v->height = height - 1;
	const char *name = v->rec ? tc_trunk_string(v->rec->current, TC_F_NAME) : NULL;
	char title[200];
	snprintf(title, sizeof(title), "Trunk %s", name ? name : v->id);
	tui_put(stdscr, top, 0, title, COLS, tui_attr(TUI_ROLE_TITLE));
	if (!v->rec)
		return;
	if (v->raw) {
		draw_document(v, top, height);
		return;
	}
	if (v->lint_gen != app->lint_gen)
		build(app, v);
	/* Scroll so that the selected field line is visible. */
	size_t sel_line = 0, k = 0;
	for (size_t i = 0; i < v->nlines; i++)
		if (v->lines[i].kind == LINE_FIELD && k++ == v->sc.sel)
			sel_line = i;
	struct tui_scroll lines = {.sel = sel_line, .top = v->sc.top, .count = v->nlines};
	tui_scroll_fix(&lines, v->height);
	v->sc.top = lines.top;
	int labelw = 22;
	for (int i = 0; i < v->height && lines.top + (size_t)i < v->nlines; i++) {
		const struct line *l = &v->lines[lines.top + (size_t)i];
		int y = top + 1 + i;
		switch (l->kind) {
		case LINE_BLANK:
			break;
		case LINE_GROUP:
			tui_put(stdscr, y, 0, l->text, COLS, tui_attr(TUI_ROLE_GROUP));
			break;
		case LINE_INFO:
			tui_put(stdscr, y, 0, l->text, COLS,
			        tui_attr(l->field == -2 ? TUI_ROLE_ERROR : TUI_ROLE_DIM));
			break;
		case LINE_LINT:
			tui_put(stdscr, y, 0, l->text, COLS,
			        tui_attr(l->field == TC_LINT_ERROR     ? TUI_ROLE_ERROR
			                 : l->field == TC_LINT_WARNING ? TUI_ROLE_WARNING
			                                               : TUI_ROLE_NORMAL));
			break;
		case LINE_FIELD: {
			const struct tc_field_info *fi = tc_field((enum tc_field_id)l->field);
			bool sel = lines.top + (size_t)i == sel_line;
			bool secret = fi->flags & TC_FF_SECRET;
			char *text = tc_value_to_text((enum tc_field_id)l->field,
			                              &v->rec->current->values[l->field],
			                              v->reveal || !secret);
			tui_put(stdscr, y, 2, fi->label, labelw - 2, tui_attr(TUI_ROLE_LABEL));
			tui_put(stdscr, y, labelw, text ? text : "", COLS - labelw,
			        tui_attr(sel ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL));
			free(text);
			break;
		}
		}
	}
}

/* What is copied, for the confirmation of a secret: the label and the text. */
struct copy_ctx {
	const char *label;
	char text[];
};

/* A password copy is wiped before its memory goes back to the allocator. */
static void free_copy(void *ctx)
{
	struct copy_ctx *c = ctx;
	if (!c)
		return;
	for (volatile char *p = c->text; *p; p++)
		*p = '\0';
	free(c);
}

static void copy_text(struct tui_app *app, const char *label, const char *text)
{
	long n = ui_osc52_copy(text);
	if (n < 0)
		tui_status(app, true, "The value is too long to copy through the terminal.");
	else
		tui_status(app, false, "Copied %s (%ld bytes) to the clipboard with OSC 52.", label,
		           n);
}

static void copy_confirmed(struct tui_app *app, void *ctx)
{
	const struct copy_ctx *c = ctx;
	copy_text(app, c->label, c->text);
}

/*
 * A secret goes to the clipboard only after a question: OSC 52 hands it to
 * the terminal, which puts it where every program of the desktop can read it.
 */
static void copy_selected(struct tui_app *app, struct detail_view *v)
{
	const struct line *l = selected_line(v);
	if (!l || !v->rec)
		return;
	const struct tc_field_info *fi = tc_field((enum tc_field_id)l->field);
	if ((fi->flags & TC_FF_SECRET) && !v->reveal) {
		tui_status(app, true, "Reveal the password with v before copying it.");
		return;
	}
	char *text =
	    tc_value_to_text((enum tc_field_id)l->field, &v->rec->current->values[l->field], true);
	if (!text)
		return;
	if (!(fi->flags & TC_FF_SECRET)) {
		copy_text(app, fi->label, text);
		free(text);
		return;
	}
	size_t len = strlen(text);
	struct copy_ctx *c = malloc(sizeof(*c) + len + 1);
	if (c) {
		c->label = fi->label;
		memcpy(c->text, text, len + 1);
	}
	for (volatile char *p = text; *p; p++)
		*p = '\0';
	free(text);
	if (!c) {
		tui_status(app, true, "Out of memory; nothing was copied.");
		return;
	}
	char q[160];
	snprintf(q, sizeof(q), "Copy the %s to the clipboard?", fi->label);
	tui_push(app, ui_confirm_new(q,
	                             "The terminal puts it on the system clipboard (OSC 52), "
	                             "where any program can read it.",
	                             NULL, copy_confirmed, c, free_copy));
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct detail_view *v = (struct detail_view *)s;
	if (tui_scroll_key(v->raw ? &v->raw_sc : &v->sc, act, v->height))
		return TUI_HANDLED;
	switch (act) {
	case TUI_ACT_REVEAL:
		v->reveal = !v->reveal;
		v->revealed_ms = tui_now(app);
		if (v->raw)
			load_document(app, v);
		return TUI_HANDLED;
	case TUI_ACT_RAW:
		v->raw = !v->raw;
		v->raw_sc.sel = 0;
		if (v->raw)
			load_document(app, v);
		else
			drop_document(v);
		return TUI_HANDLED;
	case TUI_ACT_COPY:
		if (v->raw)
			tui_status(app, true,
			           "Copy works on the fields: press r to go back to them.");
		else
			copy_selected(app, v);
		return TUI_HANDLED;
	case TUI_ACT_DETAIL_EDIT:
		if (v->rec)
			tui_push(app, ui_form_new(app, v->rec->id));
		return TUI_HANDLED;
	case TUI_ACT_DETAIL_EDIT_IN_EDITOR:
		if (v->rec)
			ui_edit_in_editor(app, v->rec->id);
		return TUI_HANDLED;
	case TUI_ACT_DETAIL_DELETE:
		if (v->rec) {
			if (tui_read_only(app)) {
				tui_refuse_read_only(app, "trunks cannot be deleted.");
				return TUI_HANDLED;
			}
			ui_confirm_delete(app, v->rec->id, v->rec->current, v->rec->base != NULL,
			                  1);
		}
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

/* A password left on the screen is read over a shoulder: it hides itself again. */
static bool tick(struct tui_app *app, struct tui_screen *s)
{
	struct detail_view *v = (struct detail_view *)s;
	long timeout = app->opts.reveal_timeout_s;
	if (!v->reveal || timeout <= 0 || tui_now(app) - v->revealed_ms < timeout * 1000)
		return false;
	v->reveal = false;
	if (v->raw)
		load_document(app, v);
	tui_status(app, false, "The password is hidden again after %lds; v shows it.", timeout);
	return true;
}

static void reload(struct tui_app *app, struct tui_screen *s)
{
	load(app, (struct detail_view *)s);
}

static void destroy(struct tui_screen *s)
{
	struct detail_view *v = (struct detail_view *)s;
	drop_document(v);
	tc_trunk_record_destroy(v->rec);
	free(v->id);
	free(v);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_DETAIL,
    .draw = draw,
    .key = key,
    .tick = tick,
    .reload = reload,
    .destroy = destroy,
    .footer = footer,
    .title = "Trunk",
};

struct tui_screen *ui_detail_new(struct tui_app *app, const char *id)
{
	struct detail_view *v = calloc(1, sizeof(*v));
	if (!v || !(v->id = strdup(id))) {
		free(v);
		return NULL;
	}
	v->base.ops = &ops;
	load(app, v);
	return &v->base;
}
