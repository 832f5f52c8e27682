/*
 * Prints the generated blocks of trunkctl(1): `keys` (the KEYS section, from
 * the TUI's action table), `legend` (the marks of the trunk list, from its
 * legend table) and `attributes` (the --set attributes, from the field table), so the man page is
 * generated from, and tested against, the tables the program uses. Regenerate with `ninja -C build
 * man-update`.
 */
#include <stdio.h>
#include <string.h>

#include "keymap.h"
#include "trunkctl/trunk.h"

/* The column widths come from the widest keys and action name, so no row overflows. */
static void widest(const struct tui_keymap *km, char *keys_out, size_t keys_len,
                   const char **name_out)
{
	keys_out[0] = '\0';
	*name_out = "";
	for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++) {
		char k[128];
		tui_keymap_describe(km, (enum tui_action)a, k, sizeof(k));
		if (strlen(k) > strlen(keys_out))
			snprintf(keys_out, keys_len, "%s", k);
		const char *name = tui_action_name((enum tui_action)a);
		if (strlen(name) > strlen(*name_out))
			*name_out = name;
	}
}

static void keys(void)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	char wide_keys[128];
	const char *wide_name;
	widest(&km, wide_keys, sizeof(wide_keys), &wide_name);
	puts(".\\\" keys:begin (generated from ui/tui/keymap.h by tests/cli/man_gen.c)");
	for (int s = 0; s < TUI_SCOPE_COUNT; s++) {
		printf(".Ss %s\n.Bl -column \"%s\" \"%s\" -compact\n",
		       tui_scope_label((enum tui_scope)s), wide_keys, wide_name);
		for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++) {
			if ((int)tui_action_scope((enum tui_action)a) != s)
				continue;
			char k[128];
			tui_keymap_describe(&km, (enum tui_action)a, k, sizeof(k));
			printf(".It Li \"\\&%s\" Ta Cm %s Ta \\&%s\n", k,
			       tui_action_name((enum tui_action)a),
			       tui_action_help((enum tui_action)a));
		}
		puts(".El");
	}
	puts(".\\\" keys:end");
}

static void legend(void)
{
	puts(".\\\" legend:begin (generated from ui/tui/keymap.h by tests/cli/man_gen.c)");
	puts(".Bl -tag -width Ds -compact");
	for (int l = 0; l < TUI_LEGEND_COUNT; l++)
		printf(".It Li \"\\&%s\"\n\\&%s\n", tui_legend_mark((enum tui_legend)l),
		       tui_legend_meaning((enum tui_legend)l));
	puts(".El");
	puts(".\\\" legend:end");
}

static void attributes(void)
{
	puts(".\\\" attributes:begin (generated from include/trunkctl/fields.def by "
	     "tests/cli/man_gen.c)");
	puts(".Bl -tag -width Ds -compact");
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field((enum tc_field_id)f);
		if (fi->flags & TC_FF_READONLY)
			continue;
		char help[256];
		tc_field_help(fi->id, help, sizeof(help));
		printf(".It Cm %s\n\\&%s\n", fi->key, help);
	}
	puts(".El");
	puts(".\\\" attributes:end");
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "keys") == 0)
		keys();
	else if (argc == 2 && strcmp(argv[1], "attributes") == 0)
		attributes();
	else if (argc == 2 && strcmp(argv[1], "legend") == 0)
		legend();
	else
		return fputs("usage: man_gen keys|attributes|legend\n", stderr), 2;
	return 0;
}
