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
    /*
     * The header's colours inverted, bold (set in tui_theme_init); in
     * monochrome the header is reversed, so the banner is not.
     */
    [TUI_ROLE_BANNER] = {-1, -1, 0, A_BOLD},
};

/*
 * The light and dark themes keep the terminal's own background everywhere,
 * bars included, and pick foregrounds that read on it: no yellow on a light
 * background, no blue on a dark one. A role they leave out keeps the
 * default theme's style.
 */
static const struct role_style light_theme[TUI_ROLE_COUNT] = {
    [TUI_ROLE_TITLE] = {COLOR_BLUE, -1, A_BOLD | A_UNDERLINE, 0},
    [TUI_ROLE_HEADER] = {COLOR_BLUE, -1, A_UNDERLINE, 0},
    [TUI_ROLE_ONLINE] = {COLOR_GREEN, -1, A_BOLD | A_UNDERLINE, 0},
    [TUI_ROLE_OFFLINE] = {COLOR_RED, -1, A_BOLD | A_UNDERLINE, 0},
    [TUI_ROLE_GROUP] = {COLOR_BLUE, -1, A_BOLD, 0},
    [TUI_ROLE_WARNING] = {COLOR_MAGENTA, -1, A_NORMAL, 0},
    [TUI_ROLE_QUEUED] = {COLOR_MAGENTA, -1, A_NORMAL, 0},
};

static const struct role_style dark_theme[TUI_ROLE_COUNT] = {
    [TUI_ROLE_TITLE] = {COLOR_CYAN, -1, A_BOLD | A_UNDERLINE, 0},
    [TUI_ROLE_HEADER] = {COLOR_CYAN, -1, A_UNDERLINE, 0},
    [TUI_ROLE_ONLINE] = {COLOR_GREEN, -1, A_BOLD | A_UNDERLINE, 0},
    [TUI_ROLE_OFFLINE] = {COLOR_YELLOW, -1, A_BOLD | A_UNDERLINE, 0},
};

/* The roles on the header row, which a profile's colour repaints. */
static bool on_header(int role)
{
	return role == TUI_ROLE_HEADER || role == TUI_ROLE_ONLINE || role == TUI_ROLE_OFFLINE ||
	       role == TUI_ROLE_BANNER;
}

/* Text that reads on each of the header colours. */
static short header_background(enum tc_paint paint, short *fg)
{
	static const short bg[TC_PAINT_COUNT] = {
	    [TC_PAINT_RED] = COLOR_RED,
	    [TC_PAINT_YELLOW] = COLOR_YELLOW,
	    [TC_PAINT_GREEN] = COLOR_GREEN,
	    [TC_PAINT_BLUE] = COLOR_BLUE,
	    [TC_PAINT_MAGENTA] = COLOR_MAGENTA,
	    [TC_PAINT_CYAN] = COLOR_CYAN,
	    [TC_PAINT_NONE] = -1,
	};
	bool light = paint == TC_PAINT_YELLOW || paint == TC_PAINT_GREEN || paint == TC_PAINT_CYAN;
	*fg = paint == TC_PAINT_NONE ? -1 : light ? COLOR_BLACK : COLOR_WHITE;
	return bg[paint];
}

bool tui_theme_wants_color(enum tc_color_mode mode, bool no_color_env, bool terminal_has_colors)
{
	switch (mode) {
	case TC_COLOR_NEVER:
		return false;
	case TC_COLOR_ALWAYS:
		return terminal_has_colors;
	case TC_COLOR_AUTO:
		break;
	}
	return !no_color_env && terminal_has_colors;
}

/* Filled once at start on the UI thread; read-only afterwards. */
static int role_attr[TUI_ROLE_COUNT];

void tui_theme_init(bool color, enum tc_theme theme, enum tc_paint paint)
{
	const struct role_style *over = theme == TC_THEME_LIGHT  ? light_theme
	                                : theme == TC_THEME_DARK ? dark_theme
	                                                         : NULL;
	for (int r = 0; r < TUI_ROLE_COUNT; r++) {
		if (!color) {
			role_attr[r] = color_theme[r].mono;
			continue;
		}
		int base = r == TUI_ROLE_BANNER ? TUI_ROLE_HEADER : r;
		struct role_style s = color_theme[base];
		/* An entry a theme sets has a background (-1 at least); a zeroed one is unset. */
		if (over && over[base].bg)
			s = over[base];
		if (paint != TC_PAINT_THEME && on_header(r)) {
			short fg;
			s.bg = header_background(paint, &fg);
			/* The state keeps its colour unless it would vanish into the header. */
			if (r == TUI_ROLE_HEADER || r == TUI_ROLE_BANNER || s.fg == s.bg)
				s.fg = fg;
		}
		if (r == TUI_ROLE_BANNER)
			s.attr = A_BOLD | A_REVERSE;
		if (s.fg == -1 && s.bg == -1) {
			role_attr[r] = s.attr;
			continue;
		}
		init_pair((short)(r + 1), s.fg, s.bg);
		role_attr[r] = (int)COLOR_PAIR(r + 1) | s.attr;
	}
}

int tui_attr(enum tui_role role)
{
	return (role >= 0 && role < TUI_ROLE_COUNT) ? role_attr[role] : (int)A_NORMAL;
}
