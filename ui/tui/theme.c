#include "theme.h"

#include <curses.h>

struct role_style {
	short fg, bg; /* -1: the terminal's default */
	int attr;     /* added in colour mode */
	int mono;     /* the whole style in monochrome */
};

static const struct role_style color_theme[TUI_ROLE_COUNT] = {
    [TUI_ROLE_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [TUI_ROLE_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [TUI_ROLE_HEADER] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_REVERSE},
    [TUI_ROLE_COLUMN] = {-1, -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE},
    [TUI_ROLE_SELECTED] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [TUI_ROLE_FOOTER_KEY] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [TUI_ROLE_FOOTER] = {-1, -1, A_NORMAL, A_NORMAL},
    [TUI_ROLE_STATUS] = {-1, -1, A_NORMAL, A_NORMAL},
    [TUI_ROLE_STATUS_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [TUI_ROLE_GROUP] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [TUI_ROLE_LABEL] = {-1, -1, A_NORMAL, A_NORMAL},
    [TUI_ROLE_FIELD] = {-1, -1, A_UNDERLINE, A_UNDERLINE},
    [TUI_ROLE_FIELD_FOCUS] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [TUI_ROLE_ERROR] = {COLOR_RED, -1, A_NORMAL, A_BOLD},
    [TUI_ROLE_WARNING] = {COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    [TUI_ROLE_ONLINE] = {COLOR_GREEN, COLOR_BLUE, A_BOLD, A_REVERSE},
    [TUI_ROLE_OFFLINE] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [TUI_ROLE_QUEUED] = {COLOR_YELLOW, -1, A_NORMAL, A_BOLD},
    [TUI_ROLE_CONFLICT] = {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [TUI_ROLE_DIALOG] = {-1, -1, A_BOLD, A_BOLD},
    [TUI_ROLE_MINE] = {COLOR_GREEN, -1, A_NORMAL, A_BOLD},
    [TUI_ROLE_THEIRS] = {COLOR_MAGENTA, -1, A_NORMAL, A_UNDERLINE},
    [TUI_ROLE_DIM] = {-1, -1, A_DIM, A_DIM},
};

/* Filled once at start on the UI thread; read-only afterwards. */
static int role_attr[TUI_ROLE_COUNT];

void tui_theme_init(bool color)
{
	for (int r = 0; r < TUI_ROLE_COUNT; r++) {
		const struct role_style *s = &color_theme[r];
		if (!color) {
			role_attr[r] = s->mono;
			continue;
		}
		if (s->fg == -1 && s->bg == -1) {
			role_attr[r] = s->attr;
			continue;
		}
		init_pair((short)(r + 1), s->fg, s->bg);
		role_attr[r] = (int)COLOR_PAIR(r + 1) | s->attr;
	}
}

int tui_attr(enum tui_role role)
{
	return (role >= 0 && role < TUI_ROLE_COUNT) ? role_attr[role] : (int)A_NORMAL;
}
