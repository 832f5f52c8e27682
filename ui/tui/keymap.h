/*
 * The TUI's actions and their key bindings.
 *
 * Every action is declared once in TUI_ACTION_LIST: its scope (the screen whose
 * keymap holds it; generic actions work on every screen that does not bind the
 * key itself), its name (the config's key.<name> and the `:` command), its
 * default keys and its help line. An action on an F-key also has a Ctrl key
 * (or, where no text is typed, a letter): F-keys are the keys terminals and
 * multiplexers most often mangle. The help screen, the command line and the
 * config check all read this table.
 */
#ifndef TUI_KEYMAP_H
#define TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "trunkctl/error.h"

enum tui_scope {
	TUI_SCOPE_GENERIC,
	TUI_SCOPE_LIST,
	TUI_SCOPE_DETAIL,
	TUI_SCOPE_FORM,
	TUI_SCOPE_PENDING,
	TUI_SCOPE_CONFLICT,
	TUI_SCOPE_ROUTING,
	TUI_SCOPE_COLUMNS,
	TUI_SCOPE_COUNT
};

/*
 * _(ID, scope, name, label, writes, default keys, help): name is what the
 * configuration (key.<name>) and the `:` command line take; label is the
 * operator's word for it in the footer; writes marks the actions a read-only
 * session does not offer.
 */
#define TUI_ACTION_LIST(_)                                                                         \
	_(UP, GENERIC, "up", "up", false, "k Up", "Move up one line")                              \
	_(DOWN, GENERIC, "down", "down", false, "j Down", "Move down one line")                    \
	_(PAGE_UP, GENERIC, "page-up", "page up", false, "PgUp C-u", "Move up one page")           \
	_(PAGE_DOWN, GENERIC, "page-down", "page down", false, "PgDn C-d", "Move down one page")   \
	_(FIRST, GENERIC, "first", "first", false, "g Home", "Go to the first line")               \
	_(LAST, GENERIC, "last", "last", false, "G End", "Go to the last line")                    \
	_(BACK, GENERIC, "back", "back", false, "q Esc", "Close this screen")                      \
	_(GO_BACK, GENERIC, "go-back", "back", false, "h Left",                                    \
	  "Go back a screen (never quits, not in a form)")                                         \
	_(QUIT, GENERIC, "quit", "quit", false, "Q C-c", "Quit trunkctl")                          \
	_(HELP, GENERIC, "help", "help", false, "? F1 C-g", "Show the keys of every screen")       \
	_(COMMAND, GENERIC, "command", "command", false, ":", "Type a command (:help lists them)") \
	_(SYNC, GENERIC, "sync", "sync", false, "F5 C-r", "Sync with the Carrier API now")         \
	_(STOP_SYNC, GENERIC, "stop-sync", "stop sync", false, "C-x",                              \
	  "Stop the running sync (what was sent stays sent)")                                      \
	_(PENDING, GENERIC, "pending", "pending", false, "p",                                      \
	  "Show the changes waiting to be sent")                                                   \
	_(CONFLICTS, GENERIC, "conflicts", "conflicts", false, "c", "Show the trunks in conflict") \
	_(JOURNAL, GENERIC, "journal", "journal", false, "L",                                      \
	  "Show the journal of recent changes")                                                    \
	_(ROUTE, GENERIC, "route", "routing", false, "R",                                          \
	  "Where calls go: the routing and the lint")                                              \
	_(FOOTER, GENERIC, "footer", "hide keys", false, "C-f",                                    \
	  "Hide or show this line of key hints")                                                   \
	_(REDRAW, GENERIC, "redraw", "redraw", false, "C-l", "Redraw the screen")                  \
	_(OPEN, LIST, "open", "open", false, "Enter l Right", "Show the selected trunk")           \
	_(FILTER, LIST, "filter", "filter", false, "/",                                            \
	  "Filter the list as you type (smart case)")                                              \
	_(NEXT_MATCH, LIST, "next-match", "next match", false, "n",                                \
	  "Go to the next matching trunk")                                                         \
	_(PREV_MATCH, LIST, "prev-match", "previous match", false, "N",                            \
	  "Go to the previous matching trunk")                                                     \
	_(SORT, LIST, "sort", "sort", false, "s", "Sort by the next column")                       \
	_(SORT_REVERSE, LIST, "sort-reverse", "reverse sort", false, "S",                          \
	  "Reverse the sort order")                                                                \
	_(MARK, LIST, "mark", "mark", false, "Space",                                              \
	  "Mark or unmark the selected trunk and move down")                                       \
	_(MARK_ALL, LIST, "mark-all", "mark all", false, "*", "Mark every trunk the filter shows") \
	_(UNMARK_ALL, LIST, "unmark-all", "unmark all", false, "u", "Clear every mark")            \
	_(COLUMNS, LIST, "columns", "columns", false, "C",                                         \
	  "Choose the columns and their order (remembered per profile)")                           \
	_(CREATE, LIST, "create", "new", true, "a F7", "Create a trunk")                           \
	_(EDIT, LIST, "edit", "edit", true, "e F4", "Edit the selected trunk")                     \
	_(EDIT_IN_EDITOR, LIST, "edit-in-editor", "edit in $EDITOR", true, "E",                    \
	  "Edit the selected trunk, or every marked one, as YAML in $VISUAL or $EDITOR")           \
	_(DELETE, LIST, "delete", "delete", true, "d F8",                                          \
	  "Delete the selected trunk (its name typed back), or the marked ones (their number)")    \
	_(DETAIL_EDIT, DETAIL, "detail-edit", "edit", true, "e F4", "Edit this trunk")             \
	_(DETAIL_DELETE, DETAIL, "detail-delete", "delete", true, "d F8",                          \
	  "Delete this trunk (its name typed back)")                                               \
	_(DETAIL_EDIT_IN_EDITOR, DETAIL, "detail-edit-in-editor", "edit in $EDITOR", true, "E",    \
	  "Edit this trunk as YAML in $VISUAL or $EDITOR")                                         \
	_(REVEAL, DETAIL, "reveal", "password", false, "v", "Show or hide the password")           \
	_(COPY, DETAIL, "copy", "copy", false, "y",                                                \
	  "Copy the selected value to the clipboard (OSC 52; a password asks first)")              \
	_(RAW, DETAIL, "raw", "raw JSON", false, "r",                                              \
	  "Show the JSON:API document the server sent, or the fields")                             \
	_(SAVE, FORM, "save", "save", true, "F2 C-s", "Save the form")                             \
	_(NEXT_FIELD, FORM, "next-field", "next field", false, "Tab Down", "Go to the next field") \
	_(PREV_FIELD, FORM, "prev-field", "previous field", false, "S-Tab Up",                     \
	  "Go to the previous field")                                                              \
	_(CANCEL, FORM, "cancel", "cancel", false, "Esc",                                          \
	  "Leave the form (asks when there are changes)")                                          \
	_(PICK, FORM, "pick", "choices", false, "Enter",                                           \
	  "Open the choices of a mode, region or country field")                                   \
	_(DISCARD, PENDING, "discard", "discard", true, "d",                                       \
	  "Discard the selected queued change (asks first)")                                       \
	_(RETRY, PENDING, "retry", "send again", true, "t", "Send the selected change again")      \
	_(KEEP_MINE, CONFLICT, "keep-mine", "keep mine", true, "m",                                \
	  "Keep my value for the field, or my delete")                                             \
	_(TAKE_THEIRS, CONFLICT, "take-theirs", "take server's", true, "t",                        \
	  "Take the server's value, or its trunk")                                                 \
	_(EDIT_VALUE, CONFLICT, "edit-value", "new value", true, "e",                              \
	  "Type a new value for the field")                                                        \
	_(RESOLVE, CONFLICT, "resolve", "apply", true, "F2 C-s",                                   \
	  "Apply the choices and queue the result")                                                \
	_(ROUTE_TEST, ROUTING, "test", "test", false, "t /",                                       \
	  "Type a number or an IP and see where its call goes")                                    \
	_(OPEN_TRUNK, ROUTING, "open-trunk", "open trunk", false, "Enter",                         \
	  "Open the trunk the selected line names")                                                \
	_(TOGGLE_COLUMN, COLUMNS, "toggle-column", "show/hide", false, "Space x",                  \
	  "Show or hide the selected column")                                                      \
	_(COLUMN_LEFT, COLUMNS, "column-left", "move up", false, "K",                              \
	  "Move the selected column left (up this list)")                                          \
	_(COLUMN_RIGHT, COLUMNS, "column-right", "move down", false, "J",                          \
	  "Move the selected column right (down this list)")

enum tui_action {
	TUI_ACT_NONE = 0,
#define TUI_ACTION_ENUM(id, scope, name, label, writes, keys, help) TUI_ACT_##id,
	TUI_ACTION_LIST(TUI_ACTION_ENUM)
#undef TUI_ACTION_ENUM
	    TUI_ACT_COUNT
};

/*
 * _(ID, mark, meaning): the one-cell marks the trunk list shows before a
 * trunk's name. The help screen and trunkctl(1) list them from here. A lint
 * note (info) has no mark: the detail view and the routing screen show it.
 */
#define TUI_LEGEND_LIST(_)                                                                         \
	_(MARKED, "*", "Marked (Space): e and d act on every marked trunk")                        \
	_(LINT_ERROR, "!",                                                                         \
	  "The lint found an error: calls fail or go somewhere undefined (Enter shows why)")       \
	_(LINT_WARNING, "?", "The lint found a warning: calls go where the settings do not suggest")

enum tui_legend {
#define TUI_LEGEND_ENUM(id, mark, meaning) TUI_LEGEND_##id,
	TUI_LEGEND_LIST(TUI_LEGEND_ENUM)
#undef TUI_LEGEND_ENUM
	    TUI_LEGEND_COUNT
};

/* The mark ("*") and its meaning; "" when out of range. */
const char *tui_legend_mark(enum tui_legend l);
const char *tui_legend_meaning(enum tui_legend l);

/* A key as wget_wch returns it: a character, or a KEY_* code when fn. */
struct tui_key {
	bool fn;
	wint_t code;
};

#define TUI_KEYS_MAX 6

struct tui_keymap {
	struct tui_key keys[TUI_ACT_COUNT][TUI_KEYS_MAX];
	size_t count[TUI_ACT_COUNT];
};

const char *tui_action_name(enum tui_action a);
const char *tui_action_help(enum tui_action a);
/* The operator's word for the action, as the footer shows it. */
const char *tui_action_label(enum tui_action a);
/* Whether the action changes something (a read-only session does not offer it). */
bool tui_action_writes(enum tui_action a);
enum tui_scope tui_action_scope(enum tui_action a);
const char *tui_scope_label(enum tui_scope s);
/* TUI_ACT_NONE when unknown. */
enum tui_action tui_action_by_name(const char *name);

/* The default bindings. */
void tui_keymap_init(struct tui_keymap *km);
/*
 * Replaces the keys of one action with a space-separated key list
 * ("j Down", "C-d", "F5"; "none" unbinds). Returns TC_USAGE with a sentence
 * naming the bad part; km is unchanged on error.
 */
enum tc_status tui_keymap_bind(struct tui_keymap *km, const char *action, const char *keys,
                               struct tc_error *err);
/*
 * The action bound to key on a screen of the given scope: that scope's own
 * bindings first, then the generic ones.
 */
enum tui_action tui_keymap_lookup(const struct tui_keymap *km, enum tui_scope scope,
                                  struct tui_key key);
/* The first key bound twice on one screen, as a sentence in err. */
enum tc_status tui_keymap_check(const struct tui_keymap *km, struct tc_error *err);
/* "C-d", "F5", "j". */
void tui_key_name(struct tui_key key, char *buf, size_t len);
/* The bound keys as text ("j Down"), "" when unbound. */
void tui_keymap_describe(const struct tui_keymap *km, enum tui_action a, char *buf, size_t len);
/*
 * The first bound key as text, for footers; "" when none. typing: the screen
 * takes printable characters as text, so only a key that is not one counts
 * (a form's footer must not offer "?" for help when ? types a question mark).
 */
void tui_keymap_first(const struct tui_keymap *km, enum tui_action a, bool typing, char *buf,
                      size_t len);

#endif
