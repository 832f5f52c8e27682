/*
 * The configuration's parts share its representation: the settings and value
 * checks (config_settings.c), loading from the file and the environment
 * (config_load.c) and the token (config_token.c).
 */
#ifndef TRUNKCTL_CONFIG_PRIVATE_H
#define TRUNKCTL_CONFIG_PRIVATE_H

#include "trunkctl/config.h"

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct config_key_info {
	const char *file_key;
	const char *env;
	const struct tc_config_flag *flag;
	const char *help;
};

extern const struct config_key_info config_keys[TC_CFG_COUNT];

struct strv {
	size_t count;
	char **items;
};

struct setting {
	char *value;
	char *where;
	enum tc_config_origin origin;
};

struct keymap_entry {
	struct tc_config_keymap pub;
	char *action;
	char *key;
	char *where;
};

struct tc_config {
	struct setting s[TC_CFG_COUNT];
	struct strv resolve;
	struct strv regions;
	struct strv profiles; /* the [profile NAME] sections of the file, for completion */
	struct tc_region *region_table; /* regions as the service wants them */
	size_t keymap_count;
	struct keymap_entry *keymap;
	/* TRUNKCTL_API_TOKEN or a literal (sandbox) token. */
	char *token_value;
	char *token_value_where;
	enum tc_config_origin token_value_origin;
	char *token; /* loaded token */
	/* The file load_file looked for, kept even when the default one is missing. */
	char *file_path;
};

enum tc_status config_strv_push(struct strv *v, const char *s, size_t len);
bool config_parse_bool(const char *s, bool *out);
bool config_parse_long(const char *s, long min, long max, long *out);
bool config_is_alias_char(char c);
bool config_valid_profile_name(const char *s);
const char *config_check_value(enum tc_config_key key, const char *value);
/* The header colour a `color` value names; TC_PAINT_THEME for auto, always, never. */
enum tc_paint config_paint(const char *value);

#endif
