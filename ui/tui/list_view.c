/* The trunk list: a window of the store's sorted, filtered rows, never the whole table. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "trunkctl/view_state.h"

enum col_kind { COL_FIELD, COL_STATE };

struct column {
	const char *title;
	enum col_kind kind;
	int sort;  /* enum tc_field_id or enum tc_sort_column */
	int width; /* 0: as wide as its values, from min up */
	int min;
	/*
	 * Which columns stay when the terminal is narrow, 0 first: a column
	 * that does not fit is left out whole rather than squeezed into its
	 * neighbour ("Sampdclient").
	 */
	int rank;
};

static const struct column columns[] = {
    {"Name", COL_FIELD, TC_F_NAME, 0, 8, 0},
    {"Mode", COL_FIELD, TC_F_AUTHENTICATION_MODE, 8, 8, 1},
    {"Region", COL_FIELD, TC_F_REGION, 8, 8, 5},
    {"Ch", COL_FIELD, TC_F_MAX_CHANNELS, 4, 4, 6},
    {"Inbound IPs", COL_FIELD, TC_F_INBOUND_SOURCE_IPS, 0, 11, 4},
    {"Outbound host", COL_FIELD, TC_F_OUTBOUND_HOST, 0, 10, 3},
    {"Sync", COL_STATE, TC_SORT_SYNC_STATE, 9, 9, 2},
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))
_Static_assert(NCOLS <= TUI_COLUMNS_MAX, "the chooser holds every column");

struct list_view {
	struct tui_screen base;
	struct tui_scroll sc;
	size_t sort_col;
	bool descending;
	char filter[128];
	char filter_error[512]; /* why the filter language refused the filter, or "" */
	bool filtering;
	struct tc_trunk_page page;
	/* Cells the widest value of each column of the page takes (for the layout). */
	int need[NCOLS];
	bool loaded;
	size_t page_top;
	int page_height;
	/* Which columns show, in what order: the chooser's (C), remembered per profile. */
	struct tui_column_set cols;
	/* What the last full draw showed, for draw_moved. */
	struct {
		bool valid;
		size_t sel, marks;
		unsigned lint_gen;
		int y, rows;
	} drawn;
};

/* Most useful first: at 80 columns the last ones give way. */
static const enum tui_action footer[] = {
    TUI_ACT_HELP,      TUI_ACT_OPEN, TUI_ACT_FILTER, TUI_ACT_CREATE, TUI_ACT_EDIT,
    TUI_ACT_DELETE,    TUI_ACT_SYNC, TUI_ACT_QUIT,   TUI_ACT_SORT,   TUI_ACT_PENDING,
    TUI_ACT_CONFLICTS, TUI_ACT_MARK, TUI_ACT_NONE,
};

/*
 * Cells before the name: the mark while marks exist, the lint's marker
 * while the lint found an error or a warning on any trunk (so the columns
 * do not move as the list scrolls), and a space after them.
 */
static int gutter_width(const struct tui_app *app, int *lint_x)
{
	bool marks = app->marks.count > 0;
	bool lint = tc_lint_marks_count(app->lint, TC_LINT_ERROR) +
	                tc_lint_marks_count(app->lint, TC_LINT_WARNING) >
	            0;
	*lint_x = lint ? marks : -1;
	return marks || lint ? marks + lint + 1 : 0;
}

/* The lint's marker of a trunk, "" when it has none the list shows. */
static const char *lint_marker(const struct tui_app *app, int64_t row, enum tui_role *role)
{
	enum tc_lint_severity sev;
	if (!tc_lint_marks_find(app->lint, row, &sev) || sev == TC_LINT_INFO)
		return "";
	*role = sev == TC_LINT_ERROR ? TUI_ROLE_ERROR : TUI_ROLE_WARNING;
	return tui_legend_mark(sev == TC_LINT_ERROR ? TUI_LEGEND_LINT_ERROR
	                                            : TUI_LEGEND_LINT_WARNING);
}

/* Smart case: a capital letter in the filter makes it case-sensitive. */
static bool has_upper(const char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return true;
	return false;
}

static void load(struct tui_app *app, struct list_view *v, int height)
{
	struct tc_list_query q = {
	    .filter = v->filter,
	    .case_sensitive = has_upper(v->filter),
	    .sort = columns[v->sort_col].sort,
	    .descending = v->descending,
	    .limit = height > 0 ? (size_t)height : 1,
	    /* the rows are only shown (a trunk is read whole to open it) */
	    .shown_fields = true,
	};
	struct tc_error err;
	tc_error_init(&err);
	/*
	 * One query gives the window and the total. The total moves the
	 * window only when rows vanished under the cursor; then ask again.
	 */
	for (int attempt = 0; attempt < 2; attempt++) {
		tui_scroll_fix(&v->sc, height);
		q.offset = v->sc.top;
		tc_trunk_page_finish(&v->page);
		memset(&v->page, 0, sizeof(v->page));
		v->filter_error[0] = '\0';
		if (tc_service_list(app->svc, &q, &v->page, &err) != TC_OK) {
			/* a filter half typed ("region:", "/~[") is said on the filter line, not as
			 * a failure */
			if (err.status == TC_USAGE && v->filter[0])
				snprintf(v->filter_error, sizeof(v->filter_error), "%s",
				         err.message);
			else
				tui_status_err(app, "Cannot read the trunk list", &err);
			v->sc.count = 0;
			break;
		}
		size_t top = v->sc.top;
		v->sc.count = v->page.total;
		tui_scroll_fix(&v->sc, height);
		if (v->sc.top == top)
			break;
	}
	tc_error_clear(&err);
	v->loaded = true;
	v->page_top = v->sc.top;
	v->page_height = height;
}

/*
 * The row under the cursor as the screen shows it. A sync's event marks the
 * list for reloading before the next repaint; a key read in the same turn
 * acts on the row the operator saw, not on nothing (the key was lost) nor on
 * whatever a reload would put under the cursor.
 */
static const struct tc_trunk_row *selected(struct list_view *v)
{
	if (v->sc.sel < v->page_top || v->sc.sel - v->page_top >= v->page.count)
		return NULL;
	return &v->page.items[v->sc.sel - v->page_top];
}

static const char *state_text(const struct tc_trunk_row *r)
{
	if (r->pending == TC_OP_DELETE && r->state == TC_SYNC_PENDING)
		return "deleting";
	/* delete vs modified, in the column's 9 cells; c shows it in full */
	if (r->pending == TC_OP_DELETE && r->state == TC_SYNC_CONFLICT)
		return "del/mod";
	if (r->pending == TC_OP_CREATE && r->state == TC_SYNC_PENDING)
		return "new";
	return tc_sync_state_name(r->state);
}

static enum tui_role state_role(enum tc_sync_state s)
{
	switch (s) {
	case TC_SYNC_PENDING:
		return TUI_ROLE_QUEUED;
	case TC_SYNC_CONFLICT:
	case TC_SYNC_REJECTED:
		return TUI_ROLE_CONFLICT;
	default:
		return TUI_ROLE_NORMAL;
	}
}

/*
 * Widths by rank: the name first, as wide as the page's longest (up to half
 * the screen), then each column whole while it fits, one cell apart; the
 * cells left widen the columns sized by their values (the last ranked
 * first) to what those values need.
 * A width of 0 leaves the column out.
 */
static void layout(const struct list_view *v, int cols, int widths[NCOLS])
{
	int order[NCOLS];
	for (size_t c = 0; c < NCOLS; c++)
		order[columns[c].rank] = (int)c;
	int left = cols;
	for (size_t k = 0; k < NCOLS; k++) {
		size_t c = (size_t)order[k];
		if (v->cols.hidden[c]) {
			widths[c] = 0;
			continue;
		}
		int w = columns[c].width ? columns[c].width : columns[c].min;
		if (k == 0) {
			int half = cols / 2 > w ? cols / 2 : w;
			w = v->need[c] > w ? (v->need[c] < half ? v->need[c] : half) : w;
		}
		int gap = k == 0 ? 0 : 1;
		widths[c] = w + gap <= left ? w : 0;
		if (widths[c])
			left -= w + gap;
	}
	for (size_t k = NCOLS; k-- > 0 && left > 0;) {
		size_t c = (size_t)order[k];
		if (columns[c].width || !widths[c] || v->need[c] <= widths[c])
			continue;
		int more = v->need[c] - widths[c] < left ? v->need[c] - widths[c] : left;
		widths[c] += more;
		left -= more;
	}
}

static void cell_text(const struct tc_trunk_row *r, size_t c, char *buf, size_t len)
{
	const struct tc_trunk *t = r->trunk;
	if (columns[c].kind == COL_STATE) {
		snprintf(buf, len, "%s", state_text(r));
		return;
	}
	enum tc_field_id f = (enum tc_field_id)columns[c].sort;
	if (tc_field(f)->kind == TC_K_MODE) {
		const char *m = tc_mode_short_name(tc_mode_parse(tc_trunk_string(t, f)));
		snprintf(buf, len, "%s", m ? m : "?");
		return;
	}
	char *text = tc_value_to_text(f, &t->values[f], false);
	snprintf(buf, len, "%s", text ? text : "");
	free(text);
}

/* What the layout needs to know of a freshly loaded page: its widest values. */
static void measure(struct list_view *v)
{
	for (size_t c = 0; c < NCOLS; c++) {
		v->need[c] = tui_text_width(columns[c].title) + 1; /* and the sort arrow */
		if (columns[c].width)
			continue;
		for (size_t i = 0; i < v->page.count; i++) {
			char text[256];
			cell_text(&v->page.items[i], c, text, sizeof(text));
			int w = tui_text_width(text);
			if (w > v->need[c])
				v->need[c] = w;
		}
	}
}

/* Row i of the page at line y, on the blank line erase() left. */
static void draw_row(struct tui_app *app, const struct list_view *v, size_t i, int y,
                     const int widths[NCOLS], int gutter, int lint_x)
{
	const struct tc_trunk_row *r = &v->page.items[i];
	bool sel = v->page_top + i == v->sc.sel;
	int attr = tui_attr(sel ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL);
	if (sel) {
		wattrset(stdscr, attr);
		mvhline(y, 0, ' ', COLS);
	}
	if (app->marks.count && tui_marks_has(&app->marks, r->trunk->id))
		tui_put(stdscr, y, 0, tui_legend_mark(TUI_LEGEND_MARKED), 1, attr | A_BOLD);
	enum tui_role role = TUI_ROLE_NORMAL;
	const char *lint = lint_x >= 0 ? lint_marker(app, r->row, &role) : "";
	if (*lint)
		tui_put(stdscr, y, lint_x, lint, 1, (sel ? attr : tui_attr(role)) | A_BOLD);
	int x = gutter;
	for (size_t k = 0; k < NCOLS; k++) {
		size_t c = v->cols.order[k];
		if (!widths[c])
			continue;
		char text[256];
		cell_text(r, c, text, sizeof(text));
		int a = attr;
		if (!sel && columns[c].kind == COL_STATE)
			a = tui_attr(state_role(r->state));
		if (columns[c].kind == COL_FIELD && tc_field_is_numeric(columns[c].sort))
			tui_put_right(stdscr, y, x, text, widths[c], a);
		else
			tui_put_cut(stdscr, y, x, text, widths[c], a, app->caps.utf8);
		x += widths[c] + 1;
	}
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct list_view *v = (struct list_view *)s;
	int rows = height - 1; /* one line of column titles */
	if (v->filtering || v->filter[0] || app->marks.count)
		rows--;
	if (!v->loaded || v->page_top != v->sc.top || v->page_height != rows ||
	    v->sc.sel < v->sc.top || v->sc.sel >= v->sc.top + (size_t)(rows > 0 ? rows : 1)) {
		load(app, v, rows);
		measure(v);
	}
	int lint_x;
	int gutter = gutter_width(app, &lint_x);
	int widths[NCOLS];
	layout(v, COLS - gutter, widths);
	int x = gutter;
	for (size_t k = 0; k < NCOLS; k++) {
		size_t c = v->cols.order[k];
		if (!widths[c])
			continue;
		char title[40];
		const char *arrow = app->caps.utf8 ? (v->descending ? "\u25bc" : "\u25b2")
		                                   : (v->descending ? "v" : "^");
		snprintf(title, sizeof(title), "%s%s", columns[c].title,
		         c == v->sort_col ? arrow : "");
		tui_put_cut(stdscr, top, x, title, widths[c], tui_attr(TUI_ROLE_COLUMN),
		            app->caps.utf8);
		x += widths[c] + 1;
	}
	for (int i = 0; i < rows && (size_t)i < v->page.count; i++)
		draw_row(app, v, (size_t)i, top + 1 + i, widths, gutter, lint_x);
	v->drawn.valid = true;
	v->drawn.sel = v->sc.sel;
	v->drawn.y = top + 1;
	v->drawn.rows = rows;
	v->drawn.marks = app->marks.count;
	v->drawn.lint_gen = app->lint_gen;
	if (v->page.count == 0) {
		const char *msg = v->filter[0]
		                      ? "No trunk matches the filter."
		                      : "No trunks yet: press a to create one, or F5 to sync.";
		tui_put(stdscr, top + 2, 2, msg, COLS - 2, tui_attr(TUI_ROLE_DIM));
	}
	if (v->filtering || v->filter[0] || app->marks.count) {
		char line[200] = "";
		if (v->filtering || v->filter[0])
			snprintf(line, sizeof(line), "Filter: %s", v->filter);
		int y = top + height - 1;
		int w = tui_put(stdscr, y, 0, line, COLS, tui_attr(TUI_ROLE_NORMAL));
		char count[64] = "";
		size_t used = 0;
		if (v->filter_error[0] && w + 2 < COLS)
			tui_put(stdscr, y, w + 2, v->filter_error, COLS - w - 2,
			        tui_attr(TUI_ROLE_ERROR));
		else if (v->filtering || v->filter[0])
			used = (size_t)snprintf(count, sizeof(count), "%zu match%s", v->sc.count,
			                        v->sc.count == 1 ? "" : "es");
		if (app->marks.count)
			snprintf(count + used, sizeof(count) - used, "%s%zu marked",
			         used ? ", " : "", app->marks.count);
		int cw = tui_text_width(count);
		if (w + cw + 2 < COLS)
			tui_put(stdscr, y, COLS - cw, count, cw, tui_attr(TUI_ROLE_DIM));
		if (v->filtering) {
			s->cursor_y = y;
			s->cursor_x = w < COLS ? w : COLS - 1;
		}
	}
}

static void reload(struct tui_app *app, struct tui_screen *s)
{
	((struct list_view *)s)->loaded = false;
	((struct list_view *)s)->drawn.valid = false;
}

/* The row the selection left and the one it reached; see tui_screen_ops.draw_moved. */
static bool draw_moved(struct tui_app *app, struct tui_screen *s)
{
	struct list_view *v = (struct list_view *)s;
	size_t shown =
	    v->page.count < (size_t)v->drawn.rows ? v->page.count : (size_t)v->drawn.rows;
	if (!v->drawn.valid || v->drawn.rows <= 0 || !v->loaded || v->filtering ||
	    v->page_top != v->sc.top || app->marks.count != v->drawn.marks ||
	    app->lint_gen != v->drawn.lint_gen || v->sc.sel < v->page_top ||
	    v->sc.sel - v->page_top >= shown || v->drawn.sel < v->page_top ||
	    v->drawn.sel - v->page_top >= shown)
		return false;
	if (v->sc.sel == v->drawn.sel)
		return true;
	int lint_x;
	int gutter = gutter_width(app, &lint_x);
	int widths[NCOLS];
	layout(v, COLS - gutter, widths);
	size_t rows[2] = {v->drawn.sel - v->page_top, v->sc.sel - v->page_top};
	for (int k = 0; k < 2; k++) {
		int y = v->drawn.y + (int)rows[k];
		move(y, 0);
		clrtoeol();
		draw_row(app, v, rows[k], y, widths, gutter, lint_x);
	}
	v->drawn.sel = v->sc.sel;
	return true;
}

static void delete_selected(struct tui_app *app, const struct tc_trunk_row *r)
{
	if (tui_read_only(app)) {
		tui_refuse_read_only(app, "trunks cannot be deleted.");
		return;
	}
	if (app->marks.count)
		ui_confirm_delete_marked(app);
	else if (r)
		ui_confirm_delete(app, r->trunk->id, r->trunk, r->pending != TC_OP_CREATE, 0);
}

struct collected {
	struct tui_mark *items;
	size_t count, cap;
};

static enum tc_status collect_mark(void *ctx, const struct tc_trunk_row *row, struct tc_error *err)
{
	struct collected *c = ctx;
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct tui_mark *items = realloc(c->items, cap * sizeof(*items));
		if (!items)
			return tc_error_set(err, TC_NOMEM, "out of memory");
		c->items = items;
		c->cap = cap;
	}
	const char *name = tc_trunk_string(row->trunk, TC_F_NAME);
	struct tui_mark k = {strdup(row->trunk->id), strdup(name ? name : "")};
	if (!k.id || !k.name) {
		free(k.id);
		free(k.name);
		return tc_error_set(err, TC_NOMEM, "out of memory");
	}
	c->items[c->count++] = k;
	return TC_OK;
}

/* Marks every trunk the list's filter matches, not only the rows on the screen. */
static void mark_all(struct tui_app *app, struct list_view *v)
{
	struct tc_list_query q = {
	    .filter = v->filter,
	    .case_sensitive = has_upper(v->filter),
	    .sort = columns[v->sort_col].sort,
	    .descending = v->descending,
	};
	struct collected c = {0};
	struct tc_error err;
	tc_error_init(&err);
	size_t before = app->marks.count;
	if (tc_service_list_each(app->svc, &q, collect_mark, &c, &err) != TC_OK) {
		tui_status_err(app, "Nothing was marked", &err);
		for (size_t i = 0; i < c.count; i++) {
			free(c.items[i].id);
			free(c.items[i].name);
		}
	} else if (!tui_marks_add_many(&app->marks, c.items, c.count)) {
		tui_status(app, true, "Out of memory; nothing was marked.");
	} else {
		tui_status(app, false, "Marked %zu trunk%s; %zu marked in all.",
		           app->marks.count - before, app->marks.count - before == 1 ? "" : "s",
		           app->marks.count);
	}
	free(c.items);
	tc_error_clear(&err);
}

/* A column's name in the state file and in `:sort`: its field's key, or "sync". */
static const char *column_key(size_t c)
{
	return columns[c].kind == COL_FIELD ? tc_field((enum tc_field_id)columns[c].sort)->key
	                                    : "sync";
}

/* The next shown column after the sort column, left to right. */
static size_t next_sort_column(const struct list_view *v)
{
	size_t k = 0;
	while (k < NCOLS && v->cols.order[k] != v->sort_col)
		k++;
	for (size_t step = 1; step <= NCOLS; step++) {
		size_t c = v->cols.order[(k + step) % NCOLS];
		if (!v->cols.hidden[c])
			return c;
	}
	return v->sort_col;
}

/*
 * Writes the sort and the columns to the profile's state file. A failure
 * costs only the memory of them: it is said once on the status line.
 */
static void remember(struct tui_app *app, const struct list_view *v)
{
	if (!app->opts.state_path)
		return;
	struct tc_view_state st = {.descending = v->descending, .column_count = NCOLS};
	snprintf(st.sort, sizeof(st.sort), "%s", column_key(v->sort_col));
	for (size_t k = 0; k < NCOLS; k++) {
		size_t c = v->cols.order[k];
		snprintf(st.columns[k].name, sizeof(st.columns[k].name), "%s", column_key(c));
		st.columns[k].hidden = v->cols.hidden[c];
	}
	struct tc_error err;
	tc_error_init(&err);
	if (tc_view_state_save(app->opts.state_path, &st, &err) != TC_OK)
		tui_status(app, true, "The list's columns and sort will not be remembered: %s",
		           err.message);
	tc_error_clear(&err);
}

static void columns_changed(struct tui_app *app, void *ctx)
{
	struct list_view *v = ctx;
	/* A hidden column is no sort key the operator can see. */
	if (v->cols.hidden[v->sort_col]) {
		v->sort_col = v->cols.fixed;
		v->descending = false;
	}
	v->loaded = false;
	remember(app, v);
}

static bool column_by_key(const char *key, size_t *col)
{
	for (size_t c = 0; c < NCOLS; c++)
		if (strcmp(column_key(c), key) == 0) {
			*col = c;
			return true;
		}
	return false;
}

/*
 * The list as this profile last left it. Columns the file names that the
 * list no longer has are dropped, and new ones show at the end; a file that
 * cannot be read is ignored, with a message.
 */
static void restore(struct tui_app *app, struct list_view *v)
{
	struct tc_view_state st;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_view_state_load(app->opts.state_path, &st, &err) != TC_OK) {
		tui_status(app, true, "Ignored the remembered list view: %s", err.message);
		tc_error_clear(&err);
		return;
	}
	tc_error_clear(&err);
	size_t col;
	if (st.sort[0] && column_by_key(st.sort, &col)) {
		v->sort_col = col;
		v->descending = st.descending;
	}
	bool placed[NCOLS] = {false};
	size_t n = 0;
	for (size_t i = 0; i < st.column_count; i++) {
		if (!column_by_key(st.columns[i].name, &col) || placed[col])
			continue;
		placed[col] = true;
		v->cols.order[n++] = col;
		v->cols.hidden[col] = st.columns[i].hidden && col != v->cols.fixed;
	}
	for (size_t c = 0; c < NCOLS; c++)
		if (!placed[c])
			v->cols.order[n++] = c;
	if (v->cols.hidden[v->sort_col])
		v->sort_col = v->cols.fixed;
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct list_view *v = (struct list_view *)s;
	if (!v->filtering && tui_scroll_key(&v->sc, act, v->page_height))
		return TUI_HANDLED;
	/* Anything but a move may change more than the selection's rows. */
	v->drawn.valid = false;
	if (v->filtering) {
		if (!k.fn && k.code == L'\n') {
			v->filtering = false;
			return TUI_HANDLED;
		}
		if (!k.fn && k.code == 27) {
			v->filtering = false;
			v->filter[0] = '\0';
			v->loaded = false;
			return TUI_HANDLED;
		}
		if (tui_edit_key(v->filter, sizeof(v->filter), k)) {
			v->sc.sel = 0;
			v->loaded = false;
			return TUI_HANDLED;
		}
		if (act == TUI_ACT_UP || act == TUI_ACT_DOWN || act == TUI_ACT_PAGE_UP ||
		    act == TUI_ACT_PAGE_DOWN) {
			tui_scroll_key(&v->sc, act, v->page_height);
			return TUI_HANDLED;
		}
		return TUI_HANDLED;
	}
	const struct tc_trunk_row *r = selected(v);
	switch (act) {
	case TUI_ACT_FILTER:
		v->filtering = true;
		return TUI_HANDLED;
	case TUI_ACT_BACK:
		if (v->filter[0]) {
			v->filter[0] = '\0';
			v->loaded = false;
			return TUI_HANDLED;
		}
		return TUI_IGNORED;
	case TUI_ACT_NEXT_MATCH:
	case TUI_ACT_PREV_MATCH:
		if (!v->filter[0]) {
			tui_status(app, false,
			           "No filter is set: press / and type what to look for.");
			return TUI_HANDLED;
		}
		if (v->sc.count) {
			if (act == TUI_ACT_NEXT_MATCH)
				v->sc.sel = (v->sc.sel + 1) % v->sc.count;
			else
				v->sc.sel = (v->sc.sel + v->sc.count - 1) % v->sc.count;
		}
		return TUI_HANDLED;
	case TUI_ACT_SORT:
		v->sort_col = next_sort_column(v);
		v->loaded = false;
		tui_status(app, false, "Sorted by %s.", columns[v->sort_col].title);
		remember(app, v);
		return TUI_HANDLED;
	case TUI_ACT_SORT_REVERSE:
		v->descending = !v->descending;
		v->loaded = false;
		remember(app, v);
		return TUI_HANDLED;
	case TUI_ACT_COLUMNS:
		tui_push(app, ui_columns_new(&v->cols, columns_changed, v));
		return TUI_HANDLED;
	case TUI_ACT_OPEN:
		if (r)
			tui_push(app, ui_detail_new(app, r->trunk->id));
		return TUI_HANDLED;
	case TUI_ACT_CREATE:
		tui_push(app, ui_form_new(app, NULL));
		return TUI_HANDLED;
	case TUI_ACT_EDIT:
		if (app->marks.count)
			tui_push(app, ui_bulk_form_new(app));
		else if (r)
			tui_push(app, ui_form_new(app, r->trunk->id));
		return TUI_HANDLED;
	case TUI_ACT_DELETE:
		delete_selected(app, r);
		return TUI_HANDLED;
	case TUI_ACT_EDIT_IN_EDITOR:
		if (app->marks.count)
			ui_edit_marked_in_editor(app);
		else if (r)
			ui_edit_in_editor(app, r->trunk->id);
		return TUI_HANDLED;
	case TUI_ACT_MARK:
		if (!r)
			return TUI_HANDLED;
		if (!tui_marks_toggle(&app->marks, r->trunk->id,
		                      tc_trunk_string(r->trunk, TC_F_NAME)))
			tui_status(app, true, "Out of memory; the mark did not change.");
		tui_scroll_key(&v->sc, TUI_ACT_DOWN, v->page_height);
		return TUI_HANDLED;
	case TUI_ACT_MARK_ALL:
		mark_all(app, v);
		return TUI_HANDLED;
	case TUI_ACT_UNMARK_ALL:
		if (app->marks.count)
			tui_status(app, false, "Cleared %zu mark%s.", app->marks.count,
			           app->marks.count == 1 ? "" : "s");
		tui_marks_clear(&app->marks);
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

static void destroy(struct tui_screen *s)
{
	struct list_view *v = (struct list_view *)s;
	tc_trunk_page_finish(&v->page);
	free(v);
}

/* The column a `:sort` names: its field's key ("max_channels"), its title ("Ch"), or "sync". */
static bool column_named(const char *name, size_t len, size_t *col)
{
	for (size_t i = 0; i < NCOLS; i++) {
		const char *key = column_key(i);
		if ((strlen(key) == len && strncasecmp(key, name, len) == 0) ||
		    (strlen(columns[i].title) == len &&
		     strncasecmp(columns[i].title, name, len) == 0)) {
			*col = i;
			return true;
		}
	}
	return false;
}

static enum tui_result sort_command(struct tui_app *app, struct list_view *v, const char *arg)
{
	size_t len = strcspn(arg, " ");
	const char *order = arg + len;
	while (*order == ' ')
		order++;
	size_t col;
	if (!column_named(arg, len, &col)) {
		tui_status(app, true,
		           "\"%.*s\" is not a column: sort by name, authentication_mode, region, "
		           "max_channels, inbound_source_ips, outbound_host or sync.",
		           (int)len, arg);
		return TUI_HANDLED;
	}
	bool descending;
	if (!*order || strcasecmp(order, "asc") == 0) {
		descending = false;
	} else if (strcasecmp(order, "desc") == 0) {
		descending = true;
	} else {
		tui_status(app, true, "The order is asc or desc, not \"%s\".", order);
		return TUI_HANDLED;
	}
	v->sort_col = col;
	v->descending = descending;
	v->loaded = false;
	remember(app, v);
	tui_status(app, false, "Sorted by %s%s.", columns[col].title,
	           descending ? ", descending" : "");
	return TUI_HANDLED;
}

static enum tui_result command(struct tui_app *app, struct tui_screen *s, enum tui_action act,
                               const char *arg)
{
	struct list_view *v = (struct list_view *)s;
	v->drawn.valid = false;
	switch (act) {
	case TUI_ACT_FILTER:
		if (strlen(arg) >= sizeof(v->filter)) {
			tui_status(app, true, "A filter holds at most %zu bytes.",
			           sizeof(v->filter) - 1);
			return TUI_HANDLED;
		}
		snprintf(v->filter, sizeof(v->filter), "%s", arg);
		v->filtering = false;
		v->loaded = false;
		return TUI_HANDLED;
	case TUI_ACT_SORT:
		return sort_command(app, v, arg);
	default:
		return TUI_IGNORED;
	}
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_LIST,
    .draw = draw,
    .draw_moved = draw_moved,
    .key = key,
    .command = command,
    .reload = reload,
    .destroy = destroy,
    .footer = footer,
    .title = "Trunks",
};

struct tui_screen *ui_list_new(struct tui_app *app)
{
	struct list_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ops;
	v->cols.count = NCOLS;
	for (size_t c = 0; c < NCOLS; c++) {
		v->cols.titles[c] = columns[c].title;
		v->cols.order[c] = c;
	}
	v->cols.fixed = 0; /* Name */
	if (app->opts.state_path)
		restore(app, v);
	return &v->base;
}
