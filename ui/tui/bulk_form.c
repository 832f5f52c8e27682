/*
 * One edit for every marked trunk: each field shows the value the trunks
 * share or "(mixed)", only the fields the operator types into are applied,
 * and each keystroke checks the change against every marked trunk, naming
 * those it would make invalid. The save is all or nothing (one transaction).
 * Names, passwords and the authentication mode stay per-trunk edits: the
 * same name or secret on many trunks is never what was meant, and a mode
 * changes which fields a trunk has.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "marked_trunks.h"
#include "trunkctl/countries.h"

#define TEXT_MAX 256
#define LABEL_WIDTH 26

struct field_check {
	size_t bad;      /* marked trunks the value would make invalid; 0 when it parses */
	bool unparsed;   /* the text is no value of the field at all */
	char title[160]; /* the first error, in the server's words */
	char names[120]; /* the first two trunks it names */
};

struct bulk_form {
	struct tui_screen base;
	struct tui_marked m; /* each trunk as the form opened it */
	enum tc_field_id fields[TC_FIELD_COUNT];
	size_t nfields;
	size_t sel;
	int scroll;
	char text[TC_FIELD_COUNT][TEXT_MAX];
	char orig[TC_FIELD_COUNT][TEXT_MAX];
	bool mixed[TC_FIELD_COUNT];
	bool touched[TC_FIELD_COUNT];
	struct field_check check[TC_FIELD_COUNT];
	size_t invalid; /* changed fields with a check that failed */
};

static const enum tui_action footer[] = {
    TUI_ACT_SAVE, TUI_ACT_CANCEL, TUI_ACT_NEXT_FIELD, TUI_ACT_PICK, TUI_ACT_HELP, TUI_ACT_NONE,
};

static bool in_bulk_form(enum tc_field_id f)
{
	const struct tc_field_info *fi = tc_field(f);
	return !(fi->flags & (TC_FF_READONLY | TC_FF_SECRET)) && (fi->flags & TC_FF_SEND_UPDATE) &&
	       f != TC_F_NAME && f != TC_F_AUTHENTICATION_MODE;
}

/* A field takes part in the save once typed into, even typed back to a shared value. */
static bool changed(const struct bulk_form *v, enum tc_field_id f)
{
	return v->touched[f] && (v->mixed[f] || strcmp(v->text[f], v->orig[f]) != 0);
}

static bool failing(const struct bulk_form *v, enum tc_field_id f)
{
	return v->check[f].bad || v->check[f].unparsed;
}

/* The changed fields as a trunk of changes; parse errors go to err's fields. */
static struct tc_trunk *build_changes(const struct bulk_form *v, struct tc_error *err)
{
	struct tc_trunk *t = tc_trunk_new();
	for (size_t i = 0; t && i < v->nfields; i++) {
		enum tc_field_id f = v->fields[i];
		if (!changed(v, f))
			continue;
		struct tc_value val;
		memset(&val, 0, sizeof(val));
		struct tc_error perr;
		tc_error_init(&perr);
		if (tc_value_from_text(f, v->text[f], &val, &perr) == TC_OK)
			tc_trunk_set_value(t, f, &val);
		else
			tc_field_errors_move(&err->fields, &perr.fields);
		tc_value_clear(&val);
		tc_error_clear(&perr);
	}
	return t;
}

static void note_bad(struct bulk_form *v, enum tc_field_id f, size_t trunk, const char *title)
{
	struct field_check *c = &v->check[f];
	if (c->bad++ == 0) {
		snprintf(c->title, sizeof(c->title), "%s", title);
		snprintf(c->names, sizeof(c->names), "\"%s\"", v->m.names[trunk]);
	} else if (c->bad == 2) {
		size_t len = strlen(c->names);
		snprintf(c->names + len, sizeof(c->names) - len, ", \"%s\"", v->m.names[trunk]);
	}
}

/* Every marked trunk with the changes over it, checked as the server checks a PATCH. */
static void validate(struct tui_app *app, struct bulk_form *v)
{
	memset(v->check, 0, sizeof(v->check));
	v->invalid = 0;
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *changes = build_changes(v, &err);
	for (size_t k = 0; k < err.fields.count; k++) {
		const struct tc_field_error *fe = &err.fields.items[k];
		if (fe->field >= 0 && !v->check[fe->field].unparsed) {
			v->check[fe->field].unparsed = true;
			snprintf(v->check[fe->field].title, sizeof(v->check[fe->field].title), "%s",
			         fe->title);
		}
	}
	bool parsed = err.fields.count == 0;
	tc_error_clear(&err);
	for (size_t i = 0; parsed && changes && i < v->m.count; i++) {
		struct tc_trunk *draft = tc_trunk_dup(v->m.from[i]);
		for (size_t j = 0; draft && j < v->nfields; j++)
			if (changed(v, v->fields[j]))
				tc_trunk_set_value(draft, v->fields[j],
				                   &changes->values[v->fields[j]]);
		if (draft && tc_service_validate(app->svc, TC_SAVE_UPDATE, draft, v->m.from[i],
		                                 &err) != TC_OK)
			for (size_t k = 0; k < err.fields.count; k++) {
				const struct tc_field_error *fe = &err.fields.items[k];
				if (fe->severity == TC_SEV_ERROR && fe->field >= 0 &&
				    changed(v, (enum tc_field_id)fe->field))
					note_bad(v, (enum tc_field_id)fe->field, i, fe->title);
			}
		tc_error_clear(&err);
		tc_trunk_destroy(draft);
	}
	tc_trunk_destroy(changes);
	for (size_t j = 0; j < v->nfields; j++)
		if (failing(v, v->fields[j]))
			v->invalid++;
}

/* What the second line of a failing field says. */
static void check_text(const struct field_check *c, char *buf, size_t len)
{
	if (c->unparsed)
		snprintf(buf, len, "%s", c->title);
	else if (c->bad > 2)
		snprintf(buf, len, "%s: invalid for %zu trunks (%s and %zu more)", c->title, c->bad,
		         c->names, c->bad - 2);
	else
		snprintf(buf, len, "%s: invalid for %s", c->title, c->names);
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct bulk_form *v = (struct bulk_form *)s;
	char title[120];
	snprintf(title, sizeof(title),
	         "Edit %zu marked trunks: only the fields you type into change", v->m.count);
	tui_put_cut(stdscr, top, 1, title, COLS - 2, tui_attr(TUI_ROLE_GROUP), app->caps.utf8);
	int body = height - 2;
	/* Each field takes one line, and a second while its value fails a check. */
	int line_of_sel = 0;
	for (size_t i = 0; i < v->sel; i++)
		line_of_sel += 1 + failing(v, v->fields[i]);
	if (line_of_sel < v->scroll)
		v->scroll = line_of_sel;
	int sel_lines = 1 + failing(v, v->fields[v->sel]);
	if (line_of_sel + sel_lines > v->scroll + body)
		v->scroll = line_of_sel + sel_lines - body;
	int line = 0;
	s->cursor_y = -1;
	for (size_t i = 0; i < v->nfields; i++) {
		enum tc_field_id f = v->fields[i];
		bool sel = i == v->sel;
		int y = top + 2 + line - v->scroll;
		if (y >= top + 2 && y < top + 2 + body) {
			tui_put(stdscr, y, 0, changed(v, f) ? "*" : " ", 1,
			        tui_attr(TUI_ROLE_NORMAL));
			tui_put_cut(stdscr, y, 2, tc_field(f)->label, LABEL_WIDTH - 1,
			            tui_attr(TUI_ROLE_LABEL), app->caps.utf8);
			bool show_mixed = v->mixed[f] && !v->touched[f];
			int a = tui_attr(sel          ? TUI_ROLE_FIELD_FOCUS
			                 : show_mixed ? TUI_ROLE_DIM
			                              : TUI_ROLE_FIELD);
			int w = COLS - LABEL_WIDTH - 3;
			wattrset(stdscr, a);
			mvhline(y, LABEL_WIDTH + 2, ' ', w);
			int used =
			    tui_put_cut(stdscr, y, LABEL_WIDTH + 2,
			                show_mixed ? "(mixed)" : v->text[f], w, a, app->caps.utf8);
			if (sel) {
				s->cursor_y = y;
				s->cursor_x =
				    LABEL_WIDTH + 2 + (show_mixed ? 0 : (used < w ? used : w - 1));
			}
		}
		line++;
		if (failing(v, f)) {
			y = top + 2 + line - v->scroll;
			if (y >= top + 2 && y < top + 2 + body) {
				char msg[320];
				check_text(&v->check[f], msg, sizeof(msg));
				tui_put_cut(stdscr, y, LABEL_WIDTH + 2, msg, COLS - LABEL_WIDTH - 3,
				            tui_attr(TUI_ROLE_ERROR), app->caps.utf8);
			}
			line++;
		}
	}
}

static void set_text(struct tui_app *app, struct bulk_form *v, enum tc_field_id f, const char *text)
{
	snprintf(v->text[f], TEXT_MAX, "%s", text);
	v->touched[f] = true;
	validate(app, v);
}

/* Enter on a field with a closed set of values steps to the next one. */
static void next_option(struct tui_app *app, struct bulk_form *v, enum tc_field_id f)
{
	const char *options[TC_COUNTRY_COUNT + 4];
	size_t n;
	const struct tc_region *regions = tc_service_regions(app->svc, &n);
	bool typed_code = tc_field_picker(f) == TC_PICK_CODE;
	size_t count = tc_field_options(f, regions, n, typed_code ? "" : v->text[f], options,
	                                sizeof(options) / sizeof(options[0]));
	if (!count)
		return;
	size_t k = 0;
	for (size_t i = 0; i < count; i++)
		if (!(v->mixed[f] && !v->touched[f]) && strcmp(options[i], v->text[f]) == 0)
			k = (i + 1) % count;
	set_text(app, v, f, options[k]);
}

static enum tui_result type_key(struct tui_app *app, struct bulk_form *v, enum tc_field_id f,
                                struct tui_key k)
{
	/* The first key typed into a mixed field starts from nothing, not from one trunk's value.
	 */
	char buf[TEXT_MAX];
	snprintf(buf, sizeof(buf), "%s", v->mixed[f] && !v->touched[f] ? "" : v->text[f]);
	if (tc_field_uppercase(f) && !k.fn && k.code >= L'a' && k.code <= L'z')
		k.code = k.code - L'a' + L'A';
	if (!k.fn && k.code == 21) /* C-u: empty the field, as in the trunk form */
		buf[0] = '\0';
	else
		tui_edit_key(buf, sizeof(buf), k);
	set_text(app, v, f, buf);
	return TUI_HANDLED;
}

static enum tui_result save(struct tui_app *app, struct bulk_form *v)
{
	size_t nchanged = 0;
	for (size_t i = 0; i < v->nfields; i++)
		nchanged += changed(v, v->fields[i]);
	if (!nchanged) {
		tui_status(app, true,
		           "No field was changed: type a value to apply it to every "
		           "marked trunk, or leave with Esc.");
		return TUI_HANDLED;
	}
	if (v->invalid) {
		tui_status(
		    app, true,
		    "Not saved: %zu field%s would make marked trunks invalid (shown in red).",
		    v->invalid, v->invalid == 1 ? "" : "s");
		return TUI_HANDLED;
	}
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *changes = build_changes(v, &err);
	size_t failed = 0, saved = 0;
	enum tc_status rc =
	    changes && !err.fields.count
	        ? tc_service_update_many(app->svc, (const char *const *)v->m.ids, v->m.count,
	                                 changes, (const struct tc_trunk *const *)v->m.from,
	                                 &failed, &saved, &err)
	        : TC_INVALID;
	tc_trunk_destroy(changes);
	if (rc != TC_OK) {
		char what[200];
		snprintf(what, sizeof(what), "Nothing was saved (\"%s\" refused)",
		         failed < v->m.count ? v->m.names[failed] : "?");
		if (rc == TC_CONFLICT)
			tui_status(
			    app, true,
			    "Nothing was saved: \"%s\" changed meanwhile in a field this edit "
			    "sets; leave and mark again to see its value.",
			    v->m.names[failed]);
		else
			tui_status_err(app, what, &err);
		tc_error_clear(&err);
		return TUI_HANDLED;
	}
	tc_error_clear(&err);
	if (saved)
		tui_status(app, false, "Saved %zu of %zu marked trunks; %zu update%s queued.",
		           saved, v->m.count, saved, saved == 1 ? "" : "s");
	else
		tui_status(app, false,
		           "Saved; the marked trunks already had these values, so "
		           "nothing was queued.");
	if (saved)
		tui_request_sync(app, TC_SYNC_PUSH);
	tui_changed(app);
	return TUI_CLOSE;
}

static void leave(struct tui_app *app, void *ctx)
{
	app->pop_more = 1;
}

static bool dirty(const struct bulk_form *v)
{
	for (size_t i = 0; i < v->nfields; i++)
		if (changed(v, v->fields[i]))
			return true;
	return false;
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct bulk_form *v = (struct bulk_form *)s;
	enum tc_field_id f = v->fields[v->sel];
	bool printable = !k.fn && k.code >= L' ' && k.code != 127;
	bool cycles = tc_field_picker(f) == TC_PICK_CYCLE;
	if (cycles && (printable || (k.fn && k.code == KEY_RIGHT))) {
		next_option(app, v, f);
		return TUI_HANDLED;
	}
	if (!cycles && (printable || (!k.fn && (k.code == 127 || k.code == 8 || k.code == 21)) ||
	                (k.fn && (k.code == KEY_BACKSPACE || k.code == KEY_DC))))
		return type_key(app, v, f, k);
	switch (act) {
	case TUI_ACT_NEXT_FIELD:
		if (v->sel + 1 < v->nfields)
			v->sel++;
		return TUI_HANDLED;
	case TUI_ACT_PREV_FIELD:
		if (v->sel > 0)
			v->sel--;
		return TUI_HANDLED;
	case TUI_ACT_FIRST:
		v->sel = 0;
		return TUI_HANDLED;
	case TUI_ACT_LAST:
		v->sel = v->nfields - 1;
		return TUI_HANDLED;
	case TUI_ACT_PICK:
		if (tc_field_picker(f) != TC_PICK_NONE)
			next_option(app, v, f);
		else if (v->sel + 1 < v->nfields)
			v->sel++;
		return TUI_HANDLED;
	case TUI_ACT_SAVE:
		return save(app, v);
	case TUI_ACT_CANCEL:
	case TUI_ACT_BACK:
		if (!dirty(v))
			return TUI_CLOSE;
		tui_push(app, ui_confirm_new("Discard your changes?",
		                             "Nothing of this edit has been saved.", NULL, leave,
		                             NULL, NULL));
		return TUI_HANDLED;
	case TUI_ACT_QUIT:
		if (!dirty(v))
			return TUI_IGNORED;
		tui_status(app, true,
		           "The edit has unsaved changes: save with F2 or leave with Esc.");
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

static void destroy(struct tui_screen *s)
{
	struct bulk_form *v = (struct bulk_form *)s;
	tui_marked_finish(&v->m);
	free(v);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_FORM,
    .draw = draw,
    .key = key,
    .destroy = destroy,
    .footer = footer,
    .title = "Edit marked",
};

/* Each field's shared value, or mixed when two marked trunks differ in it. */
static void load_values(struct bulk_form *v)
{
	for (size_t i = 0; i < v->nfields; i++) {
		enum tc_field_id f = v->fields[i];
		char *text = tc_value_to_text(f, &v->m.from[0]->values[f], false);
		snprintf(v->text[f], TEXT_MAX, "%s", text ? text : "");
		free(text);
		for (size_t t = 1; t < v->m.count && !v->mixed[f]; t++)
			v->mixed[f] = !tc_field_same_value(f, &v->m.from[0]->values[f],
			                                   &v->m.from[t]->values[f]);
		if (v->mixed[f])
			v->text[f][0] = '\0';
	}
	memcpy(v->orig, v->text, sizeof(v->orig));
}

struct tui_screen *ui_bulk_form_new(struct tui_app *app)
{
	if (tui_read_only(app)) {
		tui_refuse_read_only(app, "trunks cannot be edited.");
		return NULL;
	}
	struct bulk_form *v = calloc(1, sizeof(*v));
	if (!v) {
		tui_status(app, true, "Out of memory; nothing to edit.");
		return NULL;
	}
	v->base.ops = &ops;
	if (!tui_marked_load(app, &v->m)) {
		free(v);
		return NULL;
	}
	for (int g = 0; g < TC_G_COUNT; g++)
		for (int f = 0; f < TC_FIELD_COUNT; f++)
			if (tc_field((enum tc_field_id)f)->group == (enum tc_field_group)g &&
			    in_bulk_form((enum tc_field_id)f))
				v->fields[v->nfields++] = (enum tc_field_id)f;
	load_values(v);
	return &v->base;
}
