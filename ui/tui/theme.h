/*
 * Colour roles named by meaning. A colour terminal gets the colour theme on
 * the terminal's own background (use_default_colors); color = never,
 * --no-color, NO_COLOR under color = auto, or a terminal without colours
 * get the monochrome one, which marks every role
 * with bold, reverse or underline so nothing depends on colour alone. The
 * light and dark themes, and a profile's header colour (color = red), vary
 * the colour one.
 */
#ifndef TUI_THEME_H
#define TUI_THEME_H

#include <stdbool.h>

#include "trunkctl/config.h"

/* _(ID) */
#define TUI_ROLE_LIST(_)                                                                           \
	_(NORMAL)                                                                                  \
	_(TITLE)                                                                                   \
	_(HEADER)                                                                                  \
	_(COLUMN)                                                                                  \
	_(SELECTED)                                                                                \
	_(FOOTER_KEY)                                                                              \
	_(FOOTER)                                                                                  \
	_(STATUS)                                                                                  \
	_(STATUS_ERROR)                                                                            \
	_(GROUP)                                                                                   \
	_(LABEL)                                                                                   \
	_(FIELD)                                                                                   \
	_(FIELD_FOCUS)                                                                             \
	_(ERROR)                                                                                   \
	_(WARNING)                                                                                 \
	_(ONLINE)                                                                                  \
	_(OFFLINE)                                                                                 \
	_(QUEUED)                                                                                  \
	_(CONFLICT)                                                                                \
	_(DIALOG)                                                                                  \
	_(MINE)                                                                                    \
	_(THEIRS)                                                                                  \
	_(DIM)                                                                                     \
	_(BANNER)

enum tui_role {
#define TUI_ROLE_ENUM(id) TUI_ROLE_##id,
	TUI_ROLE_LIST(TUI_ROLE_ENUM)
#undef TUI_ROLE_ENUM
	    TUI_ROLE_COUNT
};

/*
 * Whether the interface draws in colour: never (color = never, --no-color)
 * wins over everything; always draws in colour even under NO_COLOR, which
 * per no-color.org only changes the default; auto follows NO_COLOR. None
 * of them gives colours to a terminal that cannot show them.
 */
bool tui_theme_wants_color(enum tc_color_mode mode, bool no_color_env, bool terminal_has_colors);

/*
 * Call after the terminal is open. paint, when not TC_PAINT_THEME, is the
 * header's background (the profile's colour).
 */
void tui_theme_init(bool color, enum tc_theme theme, enum tc_paint paint);
/* The curses attributes (colour pair included) of a role. */
int tui_attr(enum tui_role role);

#endif
