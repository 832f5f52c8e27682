#include "app.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void start_background(struct tui_app *app);

#include "marked_trunks.h"

void tui_status(struct tui_app *app, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->status, sizeof(app->status), fmt, ap);
	va_end(ap);
	app->status_error = error;
}

void tui_status_err(struct tui_app *app, const char *what, const struct tc_error *err)
{
	const char *msg = err->message[0] ? err->message : tc_status_message(err->status);
	tui_status(app, true, "%s: %s", what, msg);
}

void tui_push(struct tui_app *app, struct tui_screen *s)
{
	if (!s)
		return;
	if (app->depth == TUI_STACK_MAX) {
		s->ops->destroy(s);
		tui_status(app, true, "Too many screens are open; close one with q first.");
		return;
	}
	s->cursor_y = -1;
	app->stack[app->depth++] = s;
}

static void pop(struct tui_app *app)
{
	if (app->depth == 0)
		return;
	struct tui_screen *s = app->stack[--app->depth];
	s->ops->destroy(s);
}

bool tui_read_only(const struct tui_app *app)
{
	return app->opts.read_only || tc_service_read_only(app->svc);
}

int64_t tui_now(const struct tui_app *app)
{
	return tc_clock_now(&app->clock) + app->clock_skew_ms;
}

static void refresh_status(struct tui_app *app)
{
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_status(app->svc, &app->st, &err) != TC_OK)
		tui_status_err(app, "Cannot read the local store", &err);
	tc_error_clear(&err);
}

/*
 * Whether another process (a CLI update or apply in another terminal) or the
 * background sync has written the store since the screens last read it; the
 * answer also marks the store as read from here on. An error counts as no
 * change: the next reload says what is wrong.
 */
static bool changed_elsewhere(struct tui_app *app)
{
	bool changed = false;
	struct tc_error err;
	tc_error_init(&err);
	(void)tc_service_changed_elsewhere(app->svc, &changed, &err);
	tc_error_clear(&err);
	return changed;
}

static void reload_all(struct tui_app *app)
{
	/* noted before the reads: a write that comes during them is seen at the next tick */
	(void)changed_elsewhere(app);
	refresh_status(app);
	for (int i = 0; i < app->depth; i++)
		if (app->stack[i]->ops->reload)
			app->stack[i]->ops->reload(app, app->stack[i]);
}

void tui_lint_request(struct tui_app *app)
{
	struct tc_error err;
	tc_error_init(&err);
	app->lint_asked = true;
	/* an open routing screen wants the trunks and the report of every lint */
	enum tc_status rc = app->routing_views ? tc_service_routing_request(app->svc, &err)
	                                       : tc_service_lint_request(app->svc, &err);
	if (rc != TC_OK)
		tui_status_err(app, "The lint cannot run", &err);
	tc_error_clear(&err);
}

struct tui_fleet *tui_fleet_hold(struct tui_fleet *f)
{
	if (f)
		f->refs++;
	return f;
}

void tui_fleet_drop(struct tui_fleet *f)
{
	if (!f || --f->refs > 0)
		return;
	tc_routing_destroy(f->routing);
	tc_lint_report_finish(&f->report);
	free(f);
}

void tui_routing_release(struct tui_app *app)
{
	tui_fleet_drop(app->fleet);
	app->fleet = NULL;
}

/* The routing snapshot the answer just taken carried: kept while a screen reads it. */
static void take_routing(struct tui_app *app)
{
	struct tc_routing *r = NULL;
	struct tc_lint_report report = {0};
	if (!tc_service_routing_take(app->svc, &r, &report))
		return;
	tui_routing_release(app);
	struct tui_fleet *f = app->routing_views ? calloc(1, sizeof(*f)) : NULL;
	if (!f) {
		tc_routing_destroy(r);
		tc_lint_report_finish(&report);
		if (app->routing_views)
			tui_status(app, true,
			           "Out of memory: the trunks read for routing are dropped.");
		return;
	}
	*f = (struct tui_fleet){r, report, 1};
	app->fleet = f;
	app->routing_gen++;
}

/* A lint now, or once the sync under way has ended. */
static void lint_unless_syncing(struct tui_app *app)
{
	if (app->syncing)
		app->lint_after_sync = true;
	else
		tui_lint_request(app);
}

void tui_changed(struct tui_app *app)
{
	reload_all(app);
	tui_lint_request(app);
}

void tui_request_sync(struct tui_app *app, unsigned flags)
{
	start_background(app);
	if (app->worker) {
		/*
		 * A change queued through the service has already woken the worker
		 * to push it; asking again ran a second, empty sync whose report
		 * ("Synced: 0 ...") replaced the first one's conflict or rejection.
		 */
		if (flags != TC_SYNC_PUSH)
			tc_service_sync_request(app->svc, flags);
		return;
	}
	/* A save asks for a push too: its own message ("Saved ..., queued") stays. */
	if (flags == TC_SYNC_PUSH)
		return;
	if (app->opts.offline_where && tc_service_offline(app->svc))
		tui_status(app, true,
		           "Working offline (set by %s): nothing was sent. Start trunkctl without "
		           "it to sync.",
		           app->opts.offline_where);
	else if (!tc_service_api_host(app->svc))
		/* the CLI's sentence, which names this profile's file and section */
		tui_status(app, true, "%c%s.", toupper((unsigned char)app->opts.no_api_hint[0]),
		           app->opts.no_api_hint + 1);
}

void tui_refuse_read_only(struct tui_app *app, const char *what)
{
	const char *store_why = tc_service_store_read_only(app->svc);
	if (app->opts.read_only_where)
		tui_status(app, true, "Read-only (set by %s): %s", app->opts.read_only_where, what);
	else if (store_why)
		tui_status(app, true, "Read-only (%s): %s", store_why, what);
	else
		tui_status(app, true, "Read-only: %s", what);
}

bool tui_scroll_key(struct tui_scroll *sc, enum tui_action act, int height)
{
	size_t page = height > 1 ? (size_t)height - 1 : 1;
	switch (act) {
	case TUI_ACT_UP:
		if (sc->sel > 0)
			sc->sel--;
		break;
	case TUI_ACT_DOWN:
		if (sc->sel + 1 < sc->count)
			sc->sel++;
		break;
	case TUI_ACT_PAGE_UP:
		sc->sel = sc->sel > page ? sc->sel - page : 0;
		break;
	case TUI_ACT_PAGE_DOWN:
		sc->sel =
		    sc->count ? (sc->sel + page < sc->count ? sc->sel + page : sc->count - 1) : 0;
		break;
	case TUI_ACT_FIRST:
		sc->sel = 0;
		break;
	case TUI_ACT_LAST:
		sc->sel = sc->count ? sc->count - 1 : 0;
		break;
	default:
		return false;
	}
	return true;
}

void tui_scroll_fix(struct tui_scroll *sc, int height)
{
	size_t h = height > 0 ? (size_t)height : 1;
	if (sc->count == 0) {
		sc->sel = sc->top = 0;
		return;
	}
	if (sc->sel >= sc->count)
		sc->sel = sc->count - 1;
	if (sc->sel < sc->top)
		sc->top = sc->sel;
	if (sc->sel >= sc->top + h)
		sc->top = sc->sel - h + 1;
	if (sc->top + h > sc->count)
		sc->top = sc->count > h ? sc->count - h : 0;
}

bool tui_edit_key(char *buf, size_t cap, struct tui_key key)
{
	size_t len = strlen(buf);
	if ((key.fn && key.code == KEY_BACKSPACE) ||
	    (!key.fn && (key.code == 127 || key.code == 8))) {
		size_t n = tui_text_prev(buf, len);
		if (!n)
			return false;
		buf[len - n] = '\0';
		return true;
	}
	if (!key.fn && key.code == 21) { /* C-u: clear the line, as in a shell */
		if (!len)
			return false;
		buf[0] = '\0';
		return true;
	}
	if (key.fn || key.code < L' ' || key.code == 127)
		return false;
	char mb[MB_LEN_MAX];
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t n = wcrtomb(mb, (wchar_t)key.code, &st);
	if (n == (size_t)-1 || len + n + 1 > cap)
		return false;
	memcpy(buf + len, mb, n);
	buf[len + n] = '\0';
	return true;
}

/* ---- painting ---- */

static void draw_header(struct tui_app *app)
{
	int cols = COLS;
	const char *profile = app->opts.profile ? app->opts.profile : tc_service_profile(app->svc);
	const char *host = app->opts.api_host ? app->opts.api_host : tc_service_api_host(app->svc);
	bool online = host && !app->st.offline && app->st.last_status != TC_UNREACHABLE &&
	              app->st.last_status != TC_TIMEOUT;
	char left[160], right[160], age[16];
	snprintf(left, sizeof(left), " trunkctl  %s%s  %s", profile ? profile : "default",
	         tui_read_only(app) ? " (read-only)" : "", host ? host : "no API");
	if (app->st.last_pull_ms) {
		tui_age(tui_now(app) - app->st.last_pull_ms, age, sizeof(age));
		snprintf(right, sizeof(right), " synced %s ago  %zu queued  %zu conflict%s ", age,
		         app->st.queued, app->st.conflicts, app->st.conflicts == 1 ? "" : "s");
	} else {
		snprintf(right, sizeof(right), " never synced  %zu queued  %zu conflict%s ",
		         app->st.queued, app->st.conflicts, app->st.conflicts == 1 ? "" : "s");
	}
	const char *state = app->syncing ? " syncing " : online ? " online " : " offline ";
	int a = tui_attr(TUI_ROLE_HEADER);
	wattrset(stdscr, a);
	mvhline(0, 0, ' ', cols);
	/*
	 * The profile's banner first, whatever gives way: it is there so that
	 * production cannot be taken for staging.
	 */
	char banner[200];
	int bw = 0;
	if (app->opts.banner && *app->opts.banner) {
		snprintf(banner, sizeof(banner), " %s ", app->opts.banner);
		int max = tui_text_width(banner);
		if (max > cols / 2)
			max = cols / 2;
		bw = tui_put_cut(stdscr, 0, 0, banner, max, tui_attr(TUI_ROLE_BANNER),
		                 app->caps.utf8);
		cols -= bw;
	}
	/* The counts and the state matter more than the host name: the host gives way. */
	int sw = tui_text_width(state), rw = tui_text_width(right);
	if (sw + rw > cols)
		rw = 0;
	if (rw)
		tui_put(stdscr, 0, bw + cols - rw, right, rw, a);
	/*
	 * One cell apart from the state. The program's name gives way to the
	 * host; a host that still does not fit ends in an ellipsis.
	 */
	int room = cols - rw - sw;
	if (tui_text_width(left) > room - 1)
		snprintf(left, sizeof(left), " %s%s  %s", profile ? profile : "default",
		         tui_read_only(app) ? " (read-only)" : "", host ? host : "no API");
	int lw = tui_put_cut(stdscr, 0, bw, left, room > 1 ? room - 1 : 0, a, app->caps.utf8);
	if (lw > 0)
		lw++;
	if (sw <= cols - rw)
		tui_put(stdscr, 0, bw + (lw < room ? lw : room), state, sw,
		        tui_attr(online || app->syncing ? TUI_ROLE_ONLINE : TUI_ROLE_OFFLINE));
}

/*
 * The key hints in the screen's order of usefulness: a hint that does not fit
 * gives way to the shorter ones after it, so at 80 columns the first ones
 * always stay. A read-only session is not offered what it cannot do.
 */
static void draw_footer(struct tui_app *app, struct tui_screen *s)
{
	int row = LINES - 1, x = 0;
	move(row, 0);
	clrtoeol();
	bool read_only = tui_read_only(app);
	bool typing = s->ops->scope == TUI_SCOPE_FORM;
	for (const enum tui_action *a = s->ops->footer; a && *a != TUI_ACT_NONE; a++) {
		if (read_only && tui_action_writes(*a))
			continue;
		char key[32];
		tui_keymap_first(&app->km, *a, typing, key, sizeof(key));
		if (!key[0])
			continue;
		const char *label = tui_action_label(*a);
		int need = tui_text_width(key) + tui_text_width(label) + 2;
		/* The last cell of the last row is never written: curses would scroll. */
		if (x + need - 2 > COLS - 1)
			continue;
		x += tui_put(stdscr, row, x, key, tui_text_width(key),
		             tui_attr(TUI_ROLE_FOOTER_KEY));
		x += 1 + tui_put(stdscr, row, x + 1, label, tui_text_width(label),
		                 tui_attr(TUI_ROLE_FOOTER));
		x += 2;
	}
}

/* Rows the status line needs: a sentence longer than the screen wraps once rather than lose its
 * end. */
static int status_rows(const struct tui_app *app)
{
	if (app->cmd_open || !app->status[0])
		return 1;
	return tui_text_width(app->status) > COLS ? 2 : 1;
}

static int footer_rows(const struct tui_app *app)
{
	return app->footer_hidden ? 0 : 1;
}

static void draw_status(struct tui_app *app, int rows)
{
	int row = LINES - footer_rows(app) - rows;
	if (app->cmd_open) {
		ui_cmdline_draw(app, row);
		return;
	}
	if (app->syncing && app->progress[0] && !app->status[0]) {
		/* Whole seconds: the line changes once a second, not on every repaint. */
		char line[200], stop[32];
		tui_keymap_first(&app->km, TUI_ACT_STOP_SYNC, false, stop, sizeof(stop));
		int64_t secs = (tui_now(app) - app->sync_started_ms) / 1000;
		snprintf(line, sizeof(line), "%s (%llds%s%s%s)", app->progress,
		         (long long)(secs > 0 ? secs : 0), stop[0] ? "; " : "", stop,
		         stop[0] ? " stops it" : "");
		tui_put(stdscr, row, 0, line, COLS, tui_attr(TUI_ROLE_STATUS));
		return;
	}
	int attr = tui_attr(app->status_error ? TUI_ROLE_STATUS_ERROR : TUI_ROLE_STATUS);
	size_t first = rows > 1 ? tui_text_fit(app->status, COLS) : strlen(app->status);
	/* Break at the last space that fits, so no word is cut in two. */
	if (rows > 1) {
		size_t sp = first;
		while (sp > 0 && app->status[sp] != ' ')
			sp--;
		if (sp > 0)
			first = sp;
	}
	char line[sizeof(app->status)];
	snprintf(line, sizeof(line), "%.*s", (int)first, app->status);
	tui_put(stdscr, row, 0, line, COLS, attr);
	if (rows > 1) {
		const char *rest = app->status + first;
		while (*rest == ' ')
			rest++;
		tui_put(stdscr, row + 1, 0, rest, COLS, attr);
	}
}

static void draw_too_small(void)
{
	char size[64], need[64];
	snprintf(size, sizeof(size), "Terminal too small (%dx%d).", COLS, LINES);
	snprintf(need, sizeof(need), "trunkctl needs %dx%d.", TUI_MIN_COLS, TUI_MIN_ROWS);
	const char *lines[] = {size, need, "Enlarge it, or press Q to quit."};
	int y = LINES / 2 > 1 ? LINES / 2 - 1 : 0;
	for (int i = 0; i < 3 && y + i < LINES; i++)
		tui_put(stdscr, y + i, 0, lines[i], COLS, i == 0 ? A_BOLD : A_NORMAL);
}

/* Sends what was drawn to the terminal; in test mode, then the idle marker. */
static void present(struct tui_app *app)
{
	refresh();
	if (app->test_hooks) {
		/*
		 * " lint": a lint is yet to come (the first one is asked for just
		 * after this paint) or has not been painted yet; the tests wait for it.
		 */
		bool lint =
		    !app->lint_asked || app->lint_after_sync || tc_service_lint_busy(app->svc);
		printf("\033]2;idle:%u%s\007", app->inputs + 1, lint ? " lint" : "");
		fflush(stdout);
	}
}

static void paint(struct tui_app *app)
{
	erase();
	curs_set(0);
	if (LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS) {
		draw_too_small();
	} else if (app->depth > 0) {
		struct tui_screen *s = app->stack[app->depth - 1];
		int srows = status_rows(app);
		draw_header(app);
		int base = app->depth - 1;
		while (base > 0 && app->stack[base]->ops->overlay)
			base--;
		for (int i = base; i < app->depth; i++) {
			app->stack[i]->cursor_y = -1;
			app->stack[i]->ops->draw(app, app->stack[i], 1,
			                         LINES - 1 - footer_rows(app) - srows);
		}
		draw_status(app, srows);
		if (!app->footer_hidden)
			draw_footer(app, s);
		if (app->cmd_open) {
			curs_set(1);
		} else if (s->cursor_y >= 0) {
			move(s->cursor_y, s->cursor_x);
			curs_set(1);
		}
	}
	app->painted_ms = tui_now(app);
	present(app);
}

/*
 * What a turn of keys may leave as it found it for the repaint to be only
 * the top screen's moved selection (see draw_moved).
 */
struct paint_state {
	struct tui_screen *top;
	int depth, lines, cols;
	bool cmd_open, footer_hidden, status, syncing;
};

static struct paint_state paint_state(const struct tui_app *app)
{
	return (struct paint_state){
	    .top = app->depth ? app->stack[app->depth - 1] : NULL,
	    .depth = app->depth,
	    .lines = LINES,
	    .cols = COLS,
	    .cmd_open = app->cmd_open,
	    .footer_hidden = app->footer_hidden,
	    .status = app->status[0] != '\0',
	    .syncing = app->syncing,
	};
}

/*
 * A cursor move repaints its two rows, not the screen: erasing and drawing
 * every row, then comparing them all with what the terminal shows, was most
 * of the time from a navigation key to its first byte.
 */
static bool paint_moved(struct tui_app *app, const struct paint_state *before)
{
	struct paint_state now = paint_state(app);
	if (!now.top || !now.top->ops->draw_moved || now.top != before->top ||
	    now.depth != before->depth || now.lines != before->lines || now.cols != before->cols ||
	    now.cmd_open || before->cmd_open || now.footer_hidden != before->footer_hidden ||
	    now.status || before->status || now.syncing || before->syncing ||
	    LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS || now.top->cursor_y >= 0 ||
	    tui_now(app) - app->painted_ms >= 1000)
		return false;
	if (!now.top->ops->draw_moved(app, now.top))
		return false;
	present(app);
	return true;
}

/* ---- input ---- */

static void quit_anyway(struct tui_app *app, void *ctx)
{
	app->quit = true;
}

bool tui_generic_action(struct tui_app *app, enum tui_action act)
{
	switch (act) {
	case TUI_ACT_QUIT:
		/*
		 * Ctrl-C is the key pressed by reflex; Q is meant. Only the reflex
		 * is asked about during a sync, once: a second Ctrl-C insists.
		 */
		if (app->interrupted && app->syncing && app->depth > 0 &&
		    !app->stack[app->depth - 1]->ops->overlay) {
			tui_push(app,
			         ui_confirm_new(
			             "A sync is running. Quit anyway?",
			             "What was sent stays sent and queued changes stay queued; a "
			             "change on its way is checked at the next sync.",
			             NULL, quit_anyway, NULL, NULL));
			return true;
		}
		app->quit = true;
		return true;
	case TUI_ACT_STOP_SYNC:
		if (!app->worker || !tc_service_sync_cancel(app->svc))
			tui_status(app, false, "No sync is running.");
		return true;
	case TUI_ACT_HELP:
		tui_push(app, ui_help_new(app));
		return true;
	case TUI_ACT_COMMAND:
		app->cmd_open = true;
		app->cmd[0] = '\0';
		return true;
	case TUI_ACT_SYNC:
		tui_request_sync(app, TC_SYNC_ALL | TC_SYNC_FORCE);
		return true;
	case TUI_ACT_PENDING:
		tui_push(app, ui_pending_new(app));
		return true;
	case TUI_ACT_ROUTE:
		tui_push(app, ui_routing_new(app, NULL));
		return true;
	case TUI_ACT_CONFLICTS:
		tui_push(app, ui_conflict_new(app));
		return true;
	case TUI_ACT_JOURNAL:
		tui_push(app, ui_journal_new(app));
		return true;
	case TUI_ACT_REDRAW:
		clearok(curscr, TRUE);
		return true;
	case TUI_ACT_FOOTER:
		app->footer_hidden = !app->footer_hidden;
		return true;
	default:
		return false;
	}
}

void tui_apply(struct tui_app *app, struct tui_key key, enum tui_action act)
{
	struct tui_screen *s = app->stack[app->depth - 1];
	/* Ctrl-C comes as SIGINT, or as the byte 3 when the tty passes it on. */
	app->interrupted = (key.fn && key.code == TUI_KEY_INTERRUPT) || (!key.fn && key.code == 3);
	/*
	 * h / Left go back as l / Right open (k9s, ranger), but never quit from
	 * the list and never leave a form, where Left belongs to the field.
	 */
	if (act == TUI_ACT_GO_BACK) {
		if (app->depth == 1 || s->ops->scope == TUI_SCOPE_FORM)
			act = TUI_ACT_NONE;
		else
			act = TUI_ACT_BACK;
	}
	enum tui_result r = s->ops->key(app, s, key, act);
	if (r == TUI_CLOSE) {
		pop(app);
		for (; app->pop_more > 0 && app->depth > 1; app->pop_more--)
			pop(app);
		app->pop_more = 0;
	} else if (r == TUI_IGNORED) {
		bool esc = !key.fn && key.code == 27;
		if (act == TUI_ACT_BACK && app->depth > 1)
			pop(app);
		else if (act == TUI_ACT_BACK && esc)
			/* Esc backs out of things; one too many must not end the session. */
			tui_status(app, false, "Esc does not quit: press q to quit.");
		else if (act == TUI_ACT_BACK)
			app->quit = true;
		else
			tui_generic_action(app, act);
	}
	if (app->depth == 0)
		app->quit = true;
}

static void dispatch(struct tui_app *app, struct tui_key key)
{
	if (app->cmd_open) {
		ui_cmdline_key(app, key);
		return;
	}
	if (LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS) {
		enum tui_action act = tui_keymap_lookup(&app->km, TUI_SCOPE_GENERIC, key);
		if (act == TUI_ACT_QUIT)
			app->quit = true;
		return;
	}
	if (app->depth == 0)
		return;
	struct tui_screen *s = app->stack[app->depth - 1];
	/* A key the operator presses clears the last message, as in vi. */
	app->status[0] = '\0';
	app->status_error = false;
	tui_apply(app, key, tui_keymap_lookup(&app->km, s->ops->scope, key));
}

/*
 * Input the TUI has no use for (pastes, mouse reports, focus events, Alt+key,
 * sequences of other terminals) comes back as TUI_KEY_IGNORED, consumed
 * whole: none of its bytes is read as a key.
 */
static bool read_key(struct tui_key *key)
{
	wint_t ch;
	int r = wget_wch(stdscr, &ch);
	if (r == ERR)
		return false;
	key->fn = (r == KEY_CODE_YES);
	key->code = ch;
	if (key->fn && ch == TUI_KEY_PASTE_BEGIN)
		tui_term_skip_paste();
	if ((key->fn &&
	     (ch == TUI_KEY_PASTE_BEGIN || ch == TUI_KEY_PASTE_END || ch == KEY_MOUSE)) ||
	    (!key->fn && ch == 27 && tui_term_skip_sequence())) {
		key->fn = true;
		key->code = TUI_KEY_IGNORED;
		return true;
	}
	/* Enter arrives as CR (nonl), LF or KEY_ENTER depending on the terminal. */
	if ((!key->fn && ch == L'\r') || (key->fn && ch == KEY_ENTER)) {
		key->fn = false;
		key->code = L'\n';
	}
	return true;
}

static void handle_events(struct tui_app *app)
{
	struct tc_sync_event ev;
	bool changed = false, trunks = false;
	while (tc_service_next_event(app->svc, &ev)) {
		switch (ev.kind) {
		case TC_EV_SYNC_STARTED:
			app->syncing = true;
			app->sync_started_ms = tui_now(app);
			snprintf(app->progress, sizeof(app->progress),
			         "Syncing with the Carrier API...");
			break;
		case TC_EV_PULL_PROGRESS:
			snprintf(app->progress, sizeof(app->progress),
			         "Syncing: %zu trunks received so far.", ev.done);
			break;
		case TC_EV_PUSH_PROGRESS:
			snprintf(app->progress, sizeof(app->progress),
			         "Syncing: sent %zu of %zu changes.", ev.done, ev.total);
			break;
		case TC_EV_TRUNK_CHANGED:
			changed = trunks = true;
			break;
		case TC_EV_SYNC_FINISHED:
			app->syncing = false;
			app->progress[0] = '\0';
			changed = true;
			/* a pull of trunks as they were changes nothing the lint sees */
			trunks |= ev.report.changed || ev.report.removed || ev.report.pushed ||
			          app->lint_after_sync;
			app->lint_after_sync = false;
			if (ev.report.removed)
				tui_marks_drop_gone(app);
			if (ev.report.status == TC_CONFLICT) {
				tui_status(
				    app, true,
				    "Synced, but %zu trunk%s changed on the server too: press "
				    "c to resolve.",
				    ev.report.conflicts, ev.report.conflicts == 1 ? "" : "s");
			} else if (ev.report.status == TC_REJECTED) {
				tui_status(
				    app, true,
				    "The Carrier API refused %zu change%s: press p to see why.",
				    ev.report.rejected, ev.report.rejected == 1 ? "" : "s");
			} else if (ev.report.status == TC_CANCELLED) {
				tui_status(
				    app, false,
				    "Sync stopped: %zu trunks received, %zu changes sent; the "
				    "rest waits for the next sync.",
				    ev.report.pulled, ev.report.pushed);
			} else if (ev.report.status == TC_OK) {
				tui_status(
				    app, false,
				    "Synced: %zu trunks received, %zu changes sent, %zu still "
				    "queued.",
				    ev.report.pulled, ev.report.pushed, ev.report.queued);
			} else {
				tui_status(app, true, "Sync failed: %s",
				           ev.report.message[0]
				               ? ev.report.message
				               : tc_status_message(ev.report.status));
			}
			break;
		}
	}
	if (changed)
		reload_all(app);
	if (trunks)
		lint_unless_syncing(app);
}

/* The lint thread's answer: the list and the detail view show it at the next paint. */
static void take_lint(struct tui_app *app)
{
	struct tc_lint_marks *marks = NULL;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_lint_take(app->svc, &marks, &err)) {
		take_routing(app);
		if (marks) {
			tc_lint_marks_destroy(app->lint);
			app->lint = marks;
			app->lint_gen++;
		} else {
			tui_status_err(app, "The lint failed", &err);
			/* a routing screen waiting for the trunks shows that none came */
			if (app->routing_views)
				app->routing_gen++;
		}
	}
	tc_error_clear(&err);
}

/*
 * Started once the first screen is out: the worker's first pull (libcurl's
 * set-up, the first page's writes) took the CPU from the first paint.
 */
static void start_worker(struct tui_app *app)
{
	if (tc_service_offline(app->svc) || !tc_service_api_host(app->svc))
		return;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_worker_start(app->svc, &err) == TC_OK) {
		app->worker = true;
	} else if (err.status != TC_OFFLINE) {
		tui_status_err(app, "Background sync could not start", &err);
		paint(app);
	}
	tc_error_clear(&err);
}

/*
 * How long after the first paint the sync worker and the lint start. The
 * worker's first act loads libcurl and its TLS libraries; started at once it
 * took the CPU from the terminal (or sshd) still taking the first screen in.
 * A sync asked for sooner starts them at once.
 */
#define BACKGROUND_GRACE_MS 50

/* Milliseconds of CLOCK_MONOTONIC: the grace is a duration, never a date. */
static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void start_background(struct tui_app *app)
{
	if (app->background)
		return;
	app->background = true;
	start_worker(app);
	/* after the first paint, never before: the lint reads every trunk */
	tui_lint_request(app);
}

/* Lets every screen act on the time (a password that hides itself again). */
static bool tick(struct tui_app *app)
{
	bool changed = false;
	for (int i = 0; i < app->depth; i++)
		if (app->stack[i]->ops->tick)
			changed |= app->stack[i]->ops->tick(app, app->stack[i]);
	return changed;
}

/*
 * The test hook's clock key: ten seconds pass at once, so a test of what
 * time does waits on the repaint marker, not on the clock.
 */
#define TEST_CLOCK_STEP_MS 10000

/*
 * How long the UI waits for input before its idle tick: the status line's
 * counts, and a look at whether the store changed elsewhere.
 */
#define IDLE_TICK_MS 1000

static void loop(struct tui_app *app)
{
	(void)changed_elsewhere(app);
	paint(app);
	int64_t background_at = monotonic_ms() + BACKGROUND_GRACE_MS;
	while (!app->quit) {
		struct pollfd fds[4] = {
		    {.fd = 0, .events = POLLIN},
		    {.fd = tui_term_signal_fd(), .events = POLLIN},
		    {.fd = app->worker ? tc_service_event_fd(app->svc) : -1, .events = POLLIN},
		    {.fd = tc_service_lint_fd(app->svc), .events = POLLIN},
		};
		int timeout = IDLE_TICK_MS;
		bool grace = !app->background;
		if (grace) {
			int64_t left = background_at - monotonic_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		int n = poll(fds, 4, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (grace && monotonic_ms() >= background_at)
			start_background(app);
		bool repaint = false;
		/* whether only keys came this turn, and what they may leave unchanged */
		bool keys_only = true;
		struct paint_state before = paint_state(app);
		if (fds[1].revents & POLLIN) {
			keys_only = false;
			bool interrupt = false, resumed = false;
			tui_term_take_signals(&app->quit, &interrupt, &resumed);
			if (app->quit)
				break;
			if (resumed) {
				tui_term_resume();
				app->inputs++;
				clearok(curscr, TRUE);
				repaint = true;
			}
			/* Ctrl-C is the quit action: a form with unsaved changes may refuse it. */
			if (interrupt && app->depth > 0 && !app->cmd_open) {
				app->inputs++;
				tui_apply(app, (struct tui_key){true, TUI_KEY_INTERRUPT},
				          TUI_ACT_QUIT);
				repaint = true;
			}
		}
		if (fds[2].revents & POLLIN) {
			handle_events(app);
			keys_only = false;
			repaint = true;
		}
		if (fds[3].revents & POLLIN) {
			take_lint(app);
			keys_only = false;
			repaint = true;
		}
		/* Also after EINTR: SIGWINCH leaves KEY_RESIZE for the next read. */
		nodelay(stdscr, TRUE);
		struct tui_key key;
		/* Keys typed ahead are all handled before one repaint: slow queries and links catch
		 * up. */
		while (!app->quit && read_key(&key)) {
			app->inputs++;
			bool special =
			    key.fn && (key.code == KEY_RESIZE || key.code == TUI_KEY_IGNORED ||
			               key.code == TUI_KEY_TEST_CLOCK);
			if (special)
				keys_only = false;
			if (key.fn && key.code == TUI_KEY_TEST_CLOCK && app->test_hooks)
				app->clock_skew_ms += TEST_CLOCK_STEP_MS;
			else if (!special)
				dispatch(app, key);
			repaint = true;
		}
		/*
		 * Another terminal's update or apply: the list shows it and the lint
		 * runs again without a key. Test mode repaints only then, so that its
		 * markers follow keys and changes, not the clock.
		 */
		if (n == 0 && !grace && changed_elsewhere(app)) {
			/* the list shows a sync's pages as they come; the lint waits for its end */
			reload_all(app);
			lint_unless_syncing(app);
			keys_only = false;
			repaint = true;
		} else if (n == 0 && !grace && !app->test_hooks) {
			refresh_status(app);
			keys_only = false;
			repaint = true;
		}
		if (!app->quit && (n != 0 || !app->test_hooks) && tick(app)) {
			keys_only = false;
			repaint = true;
		}
		if (repaint && !app->quit && !(keys_only && paint_moved(app, &before)))
			paint(app);
	}
}

int tui_run(struct tc_service *svc, const struct tui_options *opts)
{
	struct tui_app *app = calloc(1, sizeof(*app));
	if (!app) {
		fputs("trunkctl: out of memory\n", stderr);
		return 1;
	}
	app->svc = svc;
	app->opts = *opts;
	app->clock = opts->clock;
	const char *hooks = getenv("TRUNKCTL_TEST_HOOKS");
	app->test_hooks = hooks && strcmp(hooks, "1") == 0;
	tui_keymap_init(&app->km);
	struct tc_error err;
	tc_error_init(&err);
	for (size_t i = 0; i < opts->binding_count; i++) {
		if (tui_keymap_bind(&app->km, opts->bindings[i].action, opts->bindings[i].keys,
		                    &err) != TC_OK) {
			fprintf(stderr, "trunkctl: key.%s: %s\n", opts->bindings[i].action,
			        err.message);
			free(app);
			return 1;
		}
	}
	if (tui_keymap_check(&app->km, &err) != TC_OK) {
		fprintf(stderr, "trunkctl: %s\n", err.message);
		free(app);
		return 1;
	}
	const char *no_color = getenv("NO_COLOR");
	char why[200];
	if (!tui_term_open(opts->color, no_color && no_color[0], opts->ascii, opts->esc_delay_ms,
	                   &app->caps, why, sizeof(why))) {
		fprintf(stderr, "trunkctl: %s\n", why);
		free(app);
		return 1;
	}
	if (app->test_hooks)
		tui_term_define_test_keys();
	tui_theme_init(app->caps.color, opts->theme, opts->paint);
	refresh_status(app);
	tui_push(app, ui_list_new(app));
	loop(app);
	while (app->depth)
		pop(app);
	if (app->worker)
		tc_service_worker_stop(svc);
	tui_term_close();
	tui_marks_clear(&app->marks);
	tc_lint_marks_destroy(app->lint);
	tui_routing_release(app);
	free(app);
	return 0;
}
