/*
 * The TUI's application state and the screen interface. One loop in app.c
 * owns input, the sync worker's events, signals and repaint; screens are a
 * stack, each a struct whose first member is struct tui_screen.
 */
#ifndef TUI_APP_H
#define TUI_APP_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "keymap.h"
#include "marks.h"
#include "term.h"
#include "theme.h"
#include "text.h"
#include "trunkctl/lint.h"
#include "trunkctl/service.h"
#include "tui.h"

enum tui_result {
	TUI_IGNORED, /* not for this screen: the generic keymap gets it */
	TUI_HANDLED,
	TUI_CLOSE, /* pop this screen */
};

struct tui_app;
struct tui_screen;

struct tui_screen_ops {
	enum tui_scope scope;
	/* Drawn on top of the screen below it (dialogs). */
	bool overlay;
	/* Paints rows [top, top + height) of stdscr. */
	void (*draw)(struct tui_app *app, struct tui_screen *s, int top, int height);
	/* act is the keymap's reading of key for this screen's scope (TUI_ACT_NONE if unbound). */
	enum tui_result (*key)(struct tui_app *app, struct tui_screen *s, struct tui_key key,
	                       enum tui_action act);
	/*
	 * A `:` command with an argument (":filter region:helium"), for an action
	 * of this screen's scope. TUI_IGNORED when the action takes none. May be NULL.
	 */
	enum tui_result (*command)(struct tui_app *app, struct tui_screen *s, enum tui_action act,
	                           const char *arg);
	/*
	 * Time passed (tui_now moved on): true when the screen changed and needs
	 * a repaint. Called for every screen on the stack. May be NULL.
	 */
	bool (*tick)(struct tui_app *app, struct tui_screen *s);
	/*
	 * After keys that only moved the screen's selection among the rows it
	 * last drew, repaints those rows alone and returns true; false asks for
	 * the full paint. The rest of the screen is known unchanged when it is
	 * called. May be NULL.
	 */
	bool (*draw_moved)(struct tui_app *app, struct tui_screen *s);
	/* The store changed (sync finished, trunk changed); reload what is shown. May be NULL. */
	void (*reload)(struct tui_app *app, struct tui_screen *s);
	void (*destroy)(struct tui_screen *s);
	/* Actions shown in the footer, TUI_ACT_NONE-terminated. */
	const enum tui_action *footer;
	const char *title;
};

struct tui_screen {
	const struct tui_screen_ops *ops;
	/* Where the cursor goes after painting, or -1 to hide it. */
	int cursor_y, cursor_x;
};

#define TUI_STACK_MAX 8
#define TUI_MIN_ROWS 12
#define TUI_MIN_COLS 50

struct tui_app {
	struct tc_service *svc;
	struct tui_options opts;
	struct tui_caps caps;
	struct tui_keymap km;
	struct tc_clock clock;
	/* What the test hook's clock key added to clock (TRUNKCTL_TEST_HOOKS=1 only). */
	int64_t clock_skew_ms;
	bool quit;
	bool worker;
	bool test_hooks;
	unsigned inputs; /* keys and resizes consumed; the idle marker reports 1 + inputs */

	struct tc_service_status st;
	bool syncing;
	/*
	 * Trunks changed during the sync under way: the lint runs once it ends.
	 * Each page a pull commits changes the store, and a lint asked for at
	 * each idle tick was cancelled by the next before it could end.
	 */
	bool lint_after_sync;
	int64_t sync_started_ms; /* tui_now when the running sync began */
	bool interrupted;        /* the quit being handled came from Ctrl-C */
	char progress[96];
	char status[300];
	bool status_error;

	struct tui_screen *stack[TUI_STACK_MAX];
	int depth;
	/* Screens under a closing dialog that close with it (a confirmed delete or discard). */
	int pop_more;

	/* The `:` command line while it is open. */
	bool cmd_open;
	char cmd[128];

	/* The operator hid the key hints to get a row back (the `footer` action). */
	bool footer_hidden;

	/* The trunks marked on the list; delete acts on them while there are any. */
	struct tui_marks marks;

	/* tui_now at the last full paint (the header's age is redrawn at least once a second). */
	int64_t painted_ms;
	/*
	 * The newest lint of the fleet, from the service's lint thread; NULL
	 * until the first arrives. lint_gen counts the arrivals, so a screen
	 * that shows findings knows when to take the new ones in.
	 */
	struct tc_lint_marks *lint;
	unsigned lint_gen;
	bool lint_asked; /* the first lint has been asked for (it comes after the first paint) */
	/* The sync worker and the lint have been started (a moment after the first paint). */
	bool background;
	/*
	 * The screens that read the whole fleet (routing screens, a form's
	 * routing preview): while there are any, the lint is asked for with the
	 * trunks and the report (tui_lint_request), which the lint thread reads
	 * so that the UI does not; the newest answer is kept here (routing_gen
	 * counts them) and each screen holds a reference to the one it shows.
	 */
	int routing_views;
	struct tui_fleet *fleet; /* one reference is the app's; NULL when none */
	unsigned routing_gen;
};

/* A routing snapshot and its report, shared by the screens that read them. */
struct tui_fleet {
	struct tc_routing *routing;
	struct tc_lint_report report;
	unsigned refs;
};

/* Another reference to f (NULL: none); give it back with tui_fleet_drop. */
struct tui_fleet *tui_fleet_hold(struct tui_fleet *f);
void tui_fleet_drop(struct tui_fleet *f); /* accepts NULL; the last reference frees it */

/* ---- app services for screens ---- */

/* A sentence for the status line (printf); error shows it in the error colour. */
void tui_status(struct tui_app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Drops the app's reference to the newest routing snapshot (app->fleet), if any. */
void tui_routing_release(struct tui_app *app);
/* The service's message for a failed call. */
void tui_status_err(struct tui_app *app, const char *what, const struct tc_error *err);
/* Pushes s (taking ownership); refused and destroyed when the stack is full. */
void tui_push(struct tui_app *app, struct tui_screen *s);
/*
 * Reloads every screen and the header counts, and asks for a new lint (after
 * a local change).
 */
void tui_changed(struct tui_app *app);
/* Asks the service's lint thread for a lint of the trunks as they are now. */
void tui_lint_request(struct tui_app *app);
int64_t tui_now(const struct tui_app *app);
/* Changes are refused: --read-only, or the service was opened read-only. */
bool tui_read_only(const struct tui_app *app);
/* Says on the status line that what ("trunks cannot be deleted.") is refused, and why. */
void tui_refuse_read_only(struct tui_app *app, const char *what);
/* Hands act (read from key) to the top screen, then to the generic actions. */
void tui_apply(struct tui_app *app, struct tui_key key, enum tui_action act);
/* Runs an action that every screen understands (navigation ones excluded). */
bool tui_generic_action(struct tui_app *app, enum tui_action act);
/*
 * Asks the worker for a sync when it runs (a plain TC_SYNC_PUSH after a
 * queued change is already on its way); says why not otherwise.
 */
void tui_request_sync(struct tui_app *app, unsigned flags);

/* ---- screens (one file each) ---- */

struct tui_screen *ui_list_new(struct tui_app *app);
struct tui_screen *ui_detail_new(struct tui_app *app, const char *id);
/* id NULL: create. */
struct tui_screen *ui_form_new(struct tui_app *app, const char *id);
/* Trunk id edited as YAML in $VISUAL/$EDITOR (ui/editor.h), then saved and queued. */
void ui_edit_in_editor(struct tui_app *app, const char *id);
/* Every marked trunk in one file in the editor, then saved all or none and queued. */
void ui_edit_marked_in_editor(struct tui_app *app);
/* One edit applied to every marked trunk (app->marks). */
struct tui_screen *ui_bulk_form_new(struct tui_app *app);
struct tui_screen *ui_pending_new(struct tui_app *app);
struct tui_screen *ui_conflict_new(struct tui_app *app);
/* A conflict choice as the conflict view words it: "keep mine", "take theirs", ... */
const char *ui_choice_name(enum tc_resolution r);
struct tui_screen *ui_journal_new(struct tui_app *app);
struct tui_screen *ui_help_new(struct tui_app *app);
/* The routing of the trunks; test (may be NULL) a number or an IP to try at once. */
struct tui_screen *ui_routing_new(struct tui_app *app, const char *test);

#define TUI_COLUMNS_MAX 16
/*
 * The list's columns as the chooser edits them, in place: order[k] is the
 * column shown k-th (an index into titles), hidden[c] leaves column c out.
 * Column `fixed` cannot be hidden (the name: a row without it is no row).
 */
struct tui_column_set {
	size_t count;
	const char *titles[TUI_COLUMNS_MAX];
	size_t order[TUI_COLUMNS_MAX];
	bool hidden[TUI_COLUMNS_MAX];
	size_t fixed;
};
/*
 * The column chooser over set, which must outlive it (the list under it owns
 * it); changed runs after each change with ctx.
 */
struct tui_screen *ui_columns_new(struct tui_column_set *set,
                                  void (*changed)(struct tui_app *app, void *ctx), void *ctx);

/* Dialogs. on_yes runs when the operator confirms; ctx is passed back. */
typedef void (*ui_confirm_fn)(struct tui_app *app, void *ctx);
/*
 * A yes/no question (No is the default; y confirms) or, when typed is not
 * NULL, a question answered by typing that text back and Enter.
 * ctx is freed with free_ctx (may be NULL) when the dialog closes.
 */
struct tui_screen *ui_confirm_new(const char *question, const char *detail, const char *typed,
                                  ui_confirm_fn on_yes, void *ctx, void (*free_ctx)(void *));
/*
 * Asks to delete trunk id (whose values are t) after saying what the delete does, with the
 * trunk's name typed back. on_server: the server has the trunk (else the
 * delete only drops a create that was never sent). close_below screens under
 * the dialog close after the delete.
 */
void ui_confirm_delete(struct tui_app *app, const char *id, const struct tc_trunk *t,
                       bool on_server, int close_below);

/*
 * Asks to delete every marked trunk: lists them, says what the deletes do,
 * and wants their number typed back. The marks are cleared once the deletes
 * are queued.
 */
void ui_confirm_delete_marked(struct tui_app *app);

/* The `:` command line. */
void ui_cmdline_draw(struct tui_app *app, int row);
void ui_cmdline_key(struct tui_app *app, struct tui_key key);

/* OSC 52 clipboard write; returns bytes copied or -1 when too large. */
long ui_osc52_copy(const char *text);

/* ---- shared list helper for scrolling screens ---- */
struct tui_scroll {
	size_t sel, top, count;
};
/* Moves sel for a navigation action; false when act is not one. */
bool tui_scroll_key(struct tui_scroll *sc, enum tui_action act, int height);
/* Keeps sel visible in a window of height rows. */
void tui_scroll_fix(struct tui_scroll *sc, int height);

/* Line drawing / simple editing helpers. */
/* Edits a UTF-8 buffer with one key (printable, Backspace, Del); true when it changed. */
bool tui_edit_key(char *buf, size_t cap, struct tui_key key);

#endif
