/* config: the effective settings and where each came from; the token only masked. */
#include <stdio.h>

#include "cli_private.h"

int cli_cmd_config(struct cli *c)
{
	json_t *obj = c->a->given[CLI_OPT_JSON] ? json_object() : NULL;
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		const char *v = tc_config_get(c->cfg, k);
		const char *where = v ? tc_config_where(c->cfg, k) : "unset";
		if (k == TC_CFG_PROFILE && !v) {
			v = "default";
			where = "default";
		}
		if (obj)
			json_object_set_new(obj, tc_config_key_name(k),
			                    json_pack("{s:s?,s:s}", "value", v, "from", where));
		else
			cli_say(stdout, "%-14s %-44s (%s)", tc_config_key_name(k), v ? v : "-",
			        where);
	}
	/* Never the token itself: only whether there is one and where from. */
	enum tc_token_source src = tc_config_token_source(c->cfg);
	const char *masked = src == TC_TOKEN_NONE ? NULL : TC_SECRET_MASK;
	const char *where = src == TC_TOKEN_NONE ? "none" : tc_config_token_where(c->cfg);
	if (obj)
		json_object_set_new(obj, "token",
		                    json_pack("{s:s?,s:s}", "value", masked, "from", where));
	else
		printf("%-14s %-44s (%s)\n", "token", masked ? masked : "-", where);
	for (size_t i = 0; i < tc_config_keymap_count(c->cfg); i++) {
		const struct tc_config_keymap *km = tc_config_keymap_at(c->cfg, i);
		char name[80];
		snprintf(name, sizeof(name), "key.%s", km->action);
		if (obj)
			json_object_set_new(
			    obj, name, json_pack("{s:s,s:s}", "value", km->key, "from", km->where));
		else
			cli_say(stdout, "%-14s %-44s (%s)", name, km->key, km->where);
	}
	if (obj)
		cli_print_json(stdout, obj);
	json_decref(obj);
	return CLI_EXIT_OK;
}
