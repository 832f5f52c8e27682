/*
 * Prints the KEYS section of trunkctl(1) from the TUI's action table, so the
 * man page is generated from, and tested against, the keys the TUI binds.
 * Regenerate with `ninja -C build man-keys` after changing the table.
 */
#include <stdio.h>
#include <string.h>

#include "keymap.h"

int main(void)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	puts(".\\\" keys:begin (generated from ui/tui/keymap.h by tests/cli/man_keys.c)");
	for (int s = 0; s < TUI_SCOPE_COUNT; s++) {
		printf(".Ss %s\n.Bl -column \"PgDn C-d\" \"detail-delete\" -compact\n",
		       tui_scope_label((enum tui_scope)s));
		for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++) {
			if ((int)tui_action_scope((enum tui_action)a) != s)
				continue;
			char keys[128];
			tui_keymap_describe(&km, (enum tui_action)a, keys, sizeof(keys));
			printf(".It Li \"\\&%s\" Ta Cm %s Ta \\&%s\n", keys,
			       tui_action_name((enum tui_action)a),
			       tui_action_help((enum tui_action)a));
		}
		puts(".El");
	}
	puts(".\\\" keys:end");
	return 0;
}
