/* Whether the interface draws in colour, without a terminal. */
#include <criterion/criterion.h>

#include "theme.h"

Test(theme, never_wins_over_everything)
{
	for (int env = 0; env < 2; env++)
		for (int term = 0; term < 2; term++)
			cr_expect(!tui_theme_wants_color(TC_COLOR_NEVER, env, term));
}

Test(theme, always_outranks_no_color_but_not_the_terminal)
{
	cr_expect(tui_theme_wants_color(TC_COLOR_ALWAYS, true, true));
	cr_expect(tui_theme_wants_color(TC_COLOR_ALWAYS, false, true));
	cr_expect(!tui_theme_wants_color(TC_COLOR_ALWAYS, true, false));
	cr_expect(!tui_theme_wants_color(TC_COLOR_ALWAYS, false, false));
}

Test(theme, auto_follows_no_color_and_the_terminal)
{
	cr_expect(tui_theme_wants_color(TC_COLOR_AUTO, false, true));
	cr_expect(!tui_theme_wants_color(TC_COLOR_AUTO, true, true));
	cr_expect(!tui_theme_wants_color(TC_COLOR_AUTO, false, false));
	cr_expect(!tui_theme_wants_color(TC_COLOR_AUTO, true, false));
}
