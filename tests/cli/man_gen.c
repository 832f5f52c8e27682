/*
 * Prints the generated blocks of trunkctl(1): `keys` (the KEYS section, from
 * the TUI's action table), `legend` (the marks of the trunk list, from its
 * legend table), `attributes` (the --set attributes, from the field table)
 * and `aliases` (the filter's short field names, from src/filter.c), so the
 * man page is generated from, and tested against, the tables the program
 * uses; `blocks` lists the blocks for the scripts that write and check them.
 * Regenerate with `ninja -C build man-update`.
 */
#include <stdio.h>
#include <string.h>

#include "keymap.h"
#include "trunkctl/filter.h"
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

/* "mode (authentication_mode), ip (inbound_source_ips), ...": the end of a sentence. */
static void aliases(void)
{
	puts(".\\\" aliases:begin (generated from src/filter.c by tests/cli/man_gen.c)");
	enum tc_field_id f, next;
	const char *alias;
	for (size_t i = 0; (alias = tc_filter_alias(i, &f)) != NULL; i++)
		printf(".Cm %s\n.Pq %s %s\n", alias, tc_field(f)->key,
		       tc_filter_alias(i + 1, &next) ? "," : ".");
	puts(".\\\" aliases:end");
}

static const struct {
	const char *name;
	void (*print)(void);
} blocks[] = {{"keys", keys}, {"legend", legend}, {"attributes", attributes}, {"aliases", aliases}};

int main(int argc, char **argv)
{
	size_t n = sizeof(blocks) / sizeof(blocks[0]);
	if (argc == 2 && strcmp(argv[1], "blocks") == 0) {
		for (size_t i = 0; i < n; i++)
			puts(blocks[i].name);
		return 0;
	}
	for (size_t i = 0; argc == 2 && i < n; i++)
		if (strcmp(argv[1], blocks[i].name) == 0) {
			blocks[i].print();
			return 0;
		}
	fputs("usage: man_gen blocks|keys|legend|attributes|aliases\n", stderr);
	return 2;
}
