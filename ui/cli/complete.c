/*
 * `trunkctl __complete WORD... CURRENT`: the candidates the shell completion
 * scripts (completions/) offer for CURRENT, one a line, from the command
 * table, the option table, the field table, the configuration's profiles and
 * the local store's trunk names and ids. It never touches the network and
 * never creates a store; an empty answer lets the shell complete file names.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_private.h"
#include "trunkctl/termtext.h"
#include "trunkctl/config.h"
#include "trunkctl/trunk.h"

/* Trunk names offered at most: a prefix narrows a big store well before this. */
#define MAX_TRUNKS 200

struct state {
	const struct cli_command *command;
	size_t npos;       /* operands of the command before CURRENT */
	int value_for;     /* the option CURRENT is the value of, or -1 */
	const char *cur;   /* CURRENT, after the "--option=" of a glued value */
	const char *glued; /* that "--option=", printed before each candidate; "" when none */
	int glued_len;
	/* --profile, --data-dir and --config among the words: they pick the store */
	const char *store_setting[TC_CFG_COUNT];
};

/* Prints s when it starts with the current word and is one line of printable text. */
static void offer(const struct state *st, const char *s)
{
	if (!s || strncmp(s, st->cur, strlen(st->cur)) != 0)
		return;
	/*
	 * What the terminal's sanitiser would escape (controls, C1, bidi
	 * overrides, bytes that are not UTF-8) cannot be typed back nor shown
	 * safely in a completion list: such a name is not offered.
	 */
	size_t len = strlen(s);
	bool utf8 = tc_termtext_locale_utf8();
	for (size_t i = 0; i < len;) {
		struct tc_termtext_glyph g;
		tc_termtext_glyph(s + i, len - i, utf8, &g);
		if (g.escaped)
			return;
		i += g.bytes;
	}
	printf("%.*s%s\n", st->glued_len, st->glued, s);
}

static void read_words(const struct cli_args *a, struct state *st)
{
	st->value_for = -1;
	st->cur = a->nwords ? a->words[a->nwords - 1] : "";
	st->glued = "";
	bool only_operands = false;
	for (size_t i = 0; i + 1 < a->nwords; i++) {
		const char *w = a->words[i];
		if (st->value_for >= 0) {
			if (st->value_for < TC_CFG_COUNT)
				st->store_setting[st->value_for] = w;
			st->value_for = -1;
			continue;
		}
		if (!only_operands && strcmp(w, "--") == 0) {
			only_operands = true;
			continue;
		}
		if (!only_operands && w[0] == '-' && w[1]) {
			int id = cli_option_find(st->command, w);
			const char *eq = strchr(w, '=');
			if (id >= 0 && cli_option_arg((enum cli_opt_id)id) && !eq &&
			    (w[1] == '-' || !w[2]))
				st->value_for = id;
			else if (id >= 0 && id < TC_CFG_COUNT && eq)
				st->store_setting[id] = eq + 1;
			continue;
		}
		if (!st->command)
			st->command = cli_command_find(w);
		else
			st->npos++;
	}
}

static void offer_options(const struct state *st)
{
	for (int id = 0; id < CLI_OPT_COUNT; id++) {
		if (!cli_option_allowed(st->command, (enum cli_opt_id)id))
			continue;
		char word[64];
		snprintf(word, sizeof(word), "--%s", cli_option_long((enum cli_opt_id)id));
		offer(st, word);
	}
}

static void offer_commands(const struct state *st)
{
	const struct cli_command *cmd;
	for (size_t i = 0; (cmd = cli_command_at(i)); i++)
		if (!(cmd->flags & CLI_HIDDEN))
			offer(st, cli_command_name(cmd));
}

/*
 * KEY=VALUE for --set: the values the field's picker offers (modes,
 * booleans, regions, countries), as the form does; other values are free.
 */
static void offer_attribute_values(const struct state *st, const struct tc_config *cfg)
{
	const char *eq = strchr(st->cur, '=');
	char key[64];
	snprintf(key, sizeof(key), "%.*s", (int)(eq - st->cur), st->cur);
	const struct tc_field_info *fi = tc_field_by_key(key);
	if (!fi || (fi->flags & TC_FF_READONLY) || tc_field_picker(fi->id) == TC_PICK_NONE)
		return;
	struct tc_region own[64];
	size_t nregions = tc_config_region_count(cfg);
	const struct tc_region *regions = own;
	if (nregions == 0) {
		regions = tc_default_regions(&nregions);
	} else {
		if (nregions > sizeof(own) / sizeof(own[0]))
			nregions = sizeof(own) / sizeof(own[0]);
		memset(own, 0, sizeof(own));
		for (size_t i = 0; i < nregions; i++)
			own[i].alias = tc_config_region_at(cfg, i);
	}
	const char *options[300];
	size_t n = tc_field_options(fi->id, regions, nregions, eq + 1, options,
	                            sizeof(options) / sizeof(options[0]));
	for (size_t i = 0; i < n; i++) {
		char word[160];
		snprintf(word, sizeof(word), "%s=%s", key, options[i]);
		offer(st, word);
	}
}

/* The attributes --set and --unset take, from the field table. */
static void offer_attributes(const struct state *st, const struct tc_config *cfg, bool with_equals)
{
	if (strchr(st->cur, '=')) {
		if (with_equals)
			offer_attribute_values(st, cfg);
		return;
	}
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		if (fi->flags & TC_FF_READONLY)
			continue;
		char word[80];
		snprintf(word, sizeof(word), "%s%s", fi->key, with_equals ? "=" : "");
		offer(st, word);
	}
}

static void offer_sort_keys(const struct state *st)
{
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if (!(tc_field(f)->flags & TC_FF_SECRET))
			offer(st, tc_field(f)->key);
	offer(st, "id");
	offer(st, "sync_state");
}

static void offer_profiles(const struct state *st, const struct tc_config *cfg)
{
	offer(st, "default");
	for (size_t i = 0; i < tc_config_profile_name_count(cfg); i++)
		if (strcmp(tc_config_profile_name_at(cfg, i), "default") != 0)
			offer(st, tc_config_profile_name_at(cfg, i));
}

/* The names, then the ids, of the stored trunks; a missing store is left missing. */
static void offer_trunks(const struct state *st, struct tc_config *cfg)
{
	struct tc_service_options opts;
	struct tc_error err;
	tc_error_init(&err);
	struct stat sb;
	char path[4096];
	const char *dir = tc_config_get(cfg, TC_CFG_DATA_DIR);
	snprintf(path, sizeof(path), "%s/trunkctl.db", dir ? dir : "");
	struct tc_service *svc = NULL;
	if (!dir || stat(path, &sb) != 0 ||
	    tc_config_service_options(cfg, false, &opts, &err) != TC_OK) {
		tc_error_clear(&err);
		return;
	}
	opts.offline = true;
	opts.store_read_only = true;
	struct tc_trunk_page page = {0};
	/* the list filter matches inside names and ids; offer() keeps the prefixes */
	struct tc_list_query q = {.filter = st->cur, .sort = TC_FIELD_NONE, .limit = MAX_TRUNKS};
	if (tc_service_open(&opts, &svc, &err) == TC_OK &&
	    tc_service_list(svc, &q, &page, &err) == TC_OK) {
		for (size_t i = 0; i < page.count; i++)
			offer(st, tc_trunk_string(page.items[i].trunk, TC_F_NAME));
		/* ids only once typed: a screen of UUIDs helps nobody pick */
		for (size_t i = 0; *st->cur && i < page.count; i++)
			offer(st, page.items[i].trunk->id);
	}
	tc_trunk_page_finish(&page);
	tc_service_close(svc);
	tc_error_clear(&err);
}

/* A value for an option: the choices it has, else nothing (file names). */
static void offer_value(const struct state *st, struct tc_config *cfg)
{
	static const char *const formats[] = {"json", "csv", "yaml", NULL};
	static const char *const modes[] = {"create", "update", NULL};
	static const char *const auths[] = {"bearer", "basic", NULL};
	const char *const *choices = NULL;
	switch (st->value_for) {
	case CLI_OPT_SET:
		offer_attributes(st, cfg, true);
		return;
	case CLI_OPT_UNSET:
		offer_attributes(st, cfg, false);
		return;
	case CLI_OPT_SORT:
		offer_sort_keys(st);
		return;
	case CLI_OPT_PROFILE:
	case CLI_OPT_AGAINST:
		offer_profiles(st, cfg);
		return;
	case CLI_OPT_CONFIRM:
		offer_trunks(st, cfg);
		return;
	case CLI_OPT_FORMAT:
		choices = formats;
		break;
	case CLI_OPT_MODE:
		choices = modes;
		break;
	case CLI_OPT_AUTH:
		choices = auths;
		break;
	default:
		return;
	}
	for (; *choices; choices++)
		offer(st, *choices);
}

static const char *process_env(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/*
 * The settings the completed command line would run with, when its words
 * name another profile, data directory or configuration file; NULL when
 * they name none (c->cfg serves) or do not resolve (nothing is offered).
 */
static struct tc_config *words_config(const struct state *st, bool *failed)
{
	static const enum tc_config_key keys[] = {TC_CFG_PROFILE, TC_CFG_DATA_DIR,
	                                          TC_CFG_CONFIG_FILE};
	*failed = false;
	bool any = false;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		any |= st->store_setting[keys[i]] != NULL;
	if (!any)
		return NULL;
	struct tc_config *cfg = tc_config_new();
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc = cfg ? TC_OK : TC_NOMEM;
	for (size_t i = 0; rc == TC_OK && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (st->store_setting[keys[i]])
			rc = tc_config_set(cfg, keys[i], st->store_setting[keys[i]], TC_ORIGIN_FLAG,
			                   tc_config_key_flag(keys[i]), &err);
	if (rc == TC_OK)
		rc = tc_config_resolve(cfg, process_env, NULL, &err);
	tc_error_clear(&err);
	if (rc != TC_OK) {
		tc_config_destroy(cfg);
		*failed = true;
		return NULL;
	}
	return cfg;
}

int cli_cmd_complete(struct cli *c)
{
	struct state st = {0};
	read_words(c->a, &st);
	const char *eq = strchr(st.cur, '=');
	if (st.value_for < 0 && st.cur[0] == '-' && st.cur[1] == '-' && eq) {
		/* --sort=na: the value after the "=" */
		int id = cli_option_find(st.command, st.cur);
		if (id >= 0 && cli_option_arg((enum cli_opt_id)id)) {
			st.value_for = id;
			st.glued = st.cur;
			st.glued_len = (int)(eq + 1 - st.cur);
			st.cur = eq + 1;
		}
	}
	bool failed;
	struct tc_config *own = words_config(&st, &failed);
	struct tc_config *cfg = own ? own : c->cfg;
	if (failed)
		; /* a profile or file that does not resolve has nothing to offer */
	else if (st.value_for >= 0)
		offer_value(&st, cfg);
	else if (st.cur[0] == '-')
		offer_options(&st);
	else if (!st.command)
		offer_commands(&st);
	else if (st.npos < st.command->max_args && strstr(st.command->args, "NAME"))
		offer_trunks(&st, cfg);
	tc_config_destroy(own);
	return CLI_EXIT_OK;
}
