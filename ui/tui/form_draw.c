/*
 * Painting the create/edit form (form_view.c): where each validation error
 * goes, the rows with their messages and conflicts, the picker, and the
 * routing preview's line.
 */
#include <stdlib.h>
#include <string.h>

#include "form_private.h"

/* ---- errors onto rows ---- */

/* The row an error belongs to, or -1 when no row of the form shows its field. */
int form_error_row(const struct form_view *v, const struct tc_field_error *fe)
{
	int first = -1;
	for (size_t i = 0; i < v->nrows; i++) {
		const struct row *r = &v->rows[i];
		if (r->field != fe->field)
			continue;
		if (first < 0)
			first = (int)i;
		if (fe->index >= 0 && r->item == fe->index)
			return (int)i;
		/* "contains invalid IP address: X" names the item, not its index. */
		if (fe->index < 0 && r->item >= 0 && (size_t)r->item < v->nitems[r->field]) {
			const char *colon = strrchr(fe->title, ':');
			if (colon && colon[1] == ' ' &&
			    strcmp(colon + 2, v->items[r->field][r->item]) == 0)
				return (int)i;
		}
	}
	return first;
}

static bool error_visible(const struct form_view *v, const struct tc_field_error *fe)
{
	return v->show_all || (fe->field >= 0 && v->touched[fe->field]);
}

/* The visible messages of row i into out: the server's first, then ours. */
int form_row_messages(const struct form_view *v, size_t i, const struct tc_field_error **out,
                      int max)
{
	int n = 0;
	for (size_t k = 0; k < v->server_errs.count && n < max; k++) {
		const struct tc_field_error *fe = &v->server_errs.items[k];
		if (!v->touched[fe->field >= 0 ? fe->field : 0] && form_error_row(v, fe) == (int)i)
			out[n++] = fe;
	}
	for (size_t k = 0; k < v->errs.count && n < max; k++) {
		const struct tc_field_error *fe = &v->errs.items[k];
		if (error_visible(v, fe) && form_error_row(v, fe) == (int)i)
			out[n++] = fe;
	}
	return n;
}

void form_update_msg(struct form_view *v)
{
	v->form_msg[0] = '\0';
	for (size_t k = 0; k < v->errs.count; k++) {
		const struct tc_field_error *fe = &v->errs.items[k];
		if (fe->severity == TC_SEV_ERROR && v->show_all && form_error_row(v, fe) < 0) {
			snprintf(v->form_msg, sizeof(v->form_msg), "%s %s", fe->pointer, fe->title);
			return;
		}
	}
}

/* ---- painting ---- */

static void draw_picker(struct tui_app *app, struct form_view *v, int y, int x, int top, int height)
{
	struct picker *p = &v->pick;
	int h = (int)(p->count < 8 ? p->count : 8);
	if (h == 0)
		h = 1;
	int w = 26;
	if (y + 1 + h > top + height)
		y = top + height - 1 - h;
	if (x + w > COLS)
		x = COLS - w;
	size_t first = p->sel >= (size_t)h ? p->sel - (size_t)h + 1 : 0;
	for (int i = 0; i < h; i++) {
		size_t k = first + (size_t)i;
		const char *opt = k < p->count ? p->options[k] : (p->count ? "" : "(no match)");
		char line[64];
		snprintf(line, sizeof(line), " %s", opt);
		tui_put(stdscr, y + 1 + i, x, line, w,
		        tui_attr(k == p->sel && p->count ? TUI_ROLE_SELECTED : TUI_ROLE_DIALOG));
	}
}

/* Lines under row i for a field in conflict: the choice, mine, theirs. */
static int conflict_lines(const struct form_view *v, size_t i)
{
	return v->conflict[v->rows[i].field] && v->rows[i].item <= 0 ? 3 : 0;
}

/* The form's value of f as one line (lists joined), masked when secret. */
static void form_value_text(const struct form_view *v, int f, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	if (!form_is_list(f)) {
		snprintf(buf, size, "%s", v->text[f]);
	} else {
		for (size_t i = 0; i < v->nitems[f] && used < size; i++)
			if (v->items[f][i][0])
				used += (size_t)snprintf(buf + used, size - used, "%s%s",
				                         used ? "," : "", v->items[f][i]);
	}
	if ((tc_field((enum tc_field_id)f)->flags & TC_FF_SECRET) && buf[0])
		snprintf(buf, size, "%s", TC_SECRET_MASK);
}

/* Like the conflict view: the choice, then mine and theirs in their colours. */
static void draw_conflict(struct tui_app *app, struct form_view *v, int f, int y, int x, int top,
                          int height)
{
	char line[TEXT_MAX * 2 + 64], mine[TEXT_MAX * 2];
	snprintf(line, sizeof(line), "%s changed there too: %s", app->caps.utf8 ? "\u2192" : "->",
	         ui_choice_name(v->choice[f]));
	if (y >= top && y < top + height)
		tui_put(
		    stdscr, y, x, line, COLS - x,
		    tui_attr(v->choice[f] == TC_RESOLVE_NONE ? TUI_ROLE_ERROR : TUI_ROLE_LABEL));
	form_value_text(v, f, mine, sizeof(mine));
	snprintf(line, sizeof(line), "  %-7s %s", "mine", mine);
	if (y + 1 >= top && y + 1 < top + height)
		tui_put(stdscr, y + 1, x, line, COLS - x, tui_attr(TUI_ROLE_MINE));
	char *theirs = tc_value_to_text((enum tc_field_id)f, &v->rec->current->values[f], false);
	snprintf(line, sizeof(line), "  %-7s %s", "theirs", theirs ? theirs : "");
	free(theirs);
	if (y + 2 >= top && y + 2 < top + height)
		tui_put(stdscr, y + 2, x, line, COLS - x, tui_attr(TUI_ROLE_THEIRS));
}

void form_draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct form_view *v = (struct form_view *)s;
	char title[200];
	if (v->id) {
		const char *name = tc_trunk_string(v->rec->current, TC_F_NAME);
		snprintf(title, sizeof(title), "Edit trunk %s", name ? name : v->id);
	} else {
		snprintf(title, sizeof(title), "New trunk");
	}
	tui_put(stdscr, top, 0, title, COLS, tui_attr(TUI_ROLE_TITLE));
	int body_top = top + 1, body_h = height - 1;
	/*
	 * The routing preview takes the last line while the form is tall enough
	 * to spare it and has no errors: those come first, and need the rows.
	 */
	if (v->preview.line[0] && body_h > 8 && !v->errs.count && !v->server_errs.count) {
		body_h--;
		tui_put_cut(stdscr, body_top + body_h, 0, v->preview.line, COLS,
		            tui_attr(v->preview.role), app->caps.utf8);
	}
	if (v->form_msg[0]) {
		tui_put(stdscr, body_top, 0, v->form_msg, COLS, tui_attr(TUI_ROLE_ERROR));
		body_top++;
		body_h--;
	}
	/* Lay out display lines: a heading per group, a line per row, a line per message. */
	int labelw = COLS >= 70 ? 22 : 18;
	int valw = COLS - labelw - 1;
	if (valw > 56)
		valw = 56;
	int line = 0, sel_first = 0, sel_last = 0;
	int last_group = -1;
	const struct tc_field_error *msgs[6];
	for (size_t i = 0; i < v->nrows; i++) {
		int g = tc_field((enum tc_field_id)v->rows[i].field)->group;
		if (g != last_group) {
			line += last_group >= 0 ? 2 : 1;
			last_group = g;
		}
		if (i == v->sel)
			sel_first = line;
		line += 1 + form_row_messages(v, i, msgs, 6) + conflict_lines(v, i);
		if (i == v->sel)
			sel_last = line - 1;
	}
	if (sel_first - 1 < v->scroll)
		v->scroll = sel_first > 0 ? sel_first - 1 : 0;
	if (sel_last >= v->scroll + body_h)
		v->scroll = sel_last - body_h + 1;
	if (v->scroll < 0)
		v->scroll = 0;

	line = 0;
	last_group = -1;
	int picker_y = -1, picker_x = 0;
	for (size_t i = 0; i < v->nrows; i++) {
		const struct row *r = &v->rows[i];
		const struct tc_field_info *fi = tc_field((enum tc_field_id)r->field);
		if ((int)fi->group != last_group) {
			if (last_group >= 0)
				line++;
			int y = body_top + line - v->scroll;
			if (y >= body_top && y < body_top + body_h)
				tui_put(stdscr, y, 0, tc_field_group_label(fi->group), COLS,
				        tui_attr(TUI_ROLE_GROUP));
			line++;
			last_group = (int)fi->group;
		}
		int y = body_top + line - v->scroll;
		bool focus = i == v->sel;
		if (y >= body_top && y < body_top + body_h) {
			bool first_row = r->item <= 0;
			if (first_row) {
				char label[64];
				snprintf(label, sizeof(label), "%s%s", fi->label,
				         (fi->flags & TC_FF_REQUIRED) ? " *" : "");
				tui_put(stdscr, y, 2, label, labelw - 2, tui_attr(TUI_ROLE_LABEL));
			}
			const char *text = form_row_text(v, r);
			char shown[TEXT_MAX + 8];
			if (!text) {
				snprintf(shown, sizeof(shown), "%s",
				         focus ? ""
				               : (r->item == 0 ? "(none; type to add)" : "+ add"));
			} else if (fi->flags & TC_FF_SECRET) {
				size_t n = strlen(text);
				memset(shown, '*', n < sizeof(shown) - 1 ? n : sizeof(shown) - 1);
				shown[n < sizeof(shown) - 1 ? n : sizeof(shown) - 1] = '\0';
			} else {
				snprintf(shown, sizeof(shown), "%s", text);
			}
			if (form_is_choice(r->field) || tc_field_picker(r->field) == TC_PICK_LIST) {
				const char *mark = app->caps.utf8 ? "\u25be " : "v ";
				size_t ml = strlen(mark), sl = strlen(shown);
				if (sl + ml >= sizeof(shown))
					sl = sizeof(shown) - ml - 1;
				memmove(shown + ml, shown, sl);
				memcpy(shown, mark, ml);
				shown[sl + ml] = '\0';
			}
			int role = focus  ? TUI_ROLE_FIELD_FOCUS
			           : text ? TUI_ROLE_FIELD
			                  : TUI_ROLE_DIM;
			/* Keep the end of a long value in view while typing it. */
			const char *vis = shown;
			while (focus && tui_text_width(vis) > valw - 1 && *vis)
				vis += tui_text_next(vis, 0);
			int w = tui_put(stdscr, y, labelw, vis, valw, tui_attr(role));
			if (focus && !form_is_choice(r->field)) {
				s->cursor_y = y;
				s->cursor_x = labelw + (w < valw ? w : valw - 1);
			}
			if (focus) {
				picker_y = y;
				picker_x = labelw;
			}
		}
		line++;
		int n = form_row_messages(v, i, msgs, 6);
		for (int k = 0; k < n; k++, line++) {
			int my = body_top + line - v->scroll;
			if (my < body_top || my >= body_top + body_h)
				continue;
			const struct tc_field_error *fe = msgs[k];
			/*
			 * The server's own words, unless they do not fit (the
			 * 249-country list): then the core's hint says it shorter.
			 */
			const char *say = fe->title;
			if (fe->hint && tui_text_width(fe->title) > COLS - labelw - 3)
				say = fe->hint;
			char m[600];
			snprintf(m, sizeof(m), "%s %s%s", app->caps.utf8 ? "\u2192" : "->", say,
			         fe->severity == TC_SEV_WARNING ? " (warning)" : "");
			tui_put(stdscr, my, labelw, m, COLS - labelw,
			        tui_attr(fe->severity == TC_SEV_ERROR ? TUI_ROLE_ERROR
			                                              : TUI_ROLE_WARNING));
		}
		if (conflict_lines(v, i)) {
			draw_conflict(app, v, r->field, body_top + line - v->scroll, labelw,
			              body_top, body_h);
			line += conflict_lines(v, i);
		}
	}
	if (v->pick.open && picker_y >= 0) {
		draw_picker(app, v, picker_y, picker_x, body_top, body_h);
		s->cursor_y = -1;
	}
}
