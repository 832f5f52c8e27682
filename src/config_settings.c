#include "config_private.h"

#include "trunkctl/api.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct config_key_info config_keys[TC_CFG_COUNT] = {
#define TC_CONFIG_ROW(name, key, env, flag, help) [TC_CFG_##name] = {key, env, flag, help},
    TC_CONFIG_KEYS(TC_CONFIG_ROW)
#undef TC_CONFIG_ROW
};

static void strv_free(struct strv *v)
{
	for (size_t i = 0; i < v->count; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->count = 0;
}

enum tc_status config_strv_push(struct strv *v, const char *s, size_t len)
{
	char **items = realloc(v->items, (v->count + 1) * sizeof(*items));
	if (!items)
		return TC_NOMEM;
	v->items = items;
	v->items[v->count] = strndup(s, len);
	if (!v->items[v->count])
		return TC_NOMEM;
	v->count++;
	return TC_OK;
}

struct tc_config *tc_config_new(void)
{
	return calloc(1, sizeof(struct tc_config));
}

void tc_config_destroy(struct tc_config *cfg)
{
	if (!cfg)
		return;
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		free(cfg->s[k].value);
		free(cfg->s[k].where);
	}
	strv_free(&cfg->resolve);
	strv_free(&cfg->regions);
	strv_free(&cfg->profiles);
	free(cfg->region_table);
	for (size_t i = 0; i < cfg->keymap_count; i++) {
		free(cfg->keymap[i].action);
		free(cfg->keymap[i].key);
		free(cfg->keymap[i].where);
	}
	free(cfg->keymap);
	tc_wipe_free(cfg->token_value);
	free(cfg->token_value_where);
	tc_wipe_free(cfg->token);
	free(cfg->file_path);
	free(cfg);
}

const char *tc_config_key_name(enum tc_config_key key)
{
	if ((unsigned)key >= TC_CFG_COUNT)
		return "";
	if (key == TC_CFG_PROFILE)
		return "profile";
	if (key == TC_CFG_CONFIG_FILE)
		return "config";
	return config_keys[key].file_key;
}

const char *tc_config_key_env(enum tc_config_key key)
{
	return (unsigned)key < TC_CFG_COUNT ? config_keys[key].env : NULL;
}

const char *tc_config_key_flag(enum tc_config_key key)
{
	const struct tc_config_flag *flag = tc_config_key_flag_info(key);
	return flag ? flag->name : NULL;
}

const struct tc_config_flag *tc_config_key_flag_info(enum tc_config_key key)
{
	return (unsigned)key < TC_CFG_COUNT ? config_keys[key].flag : NULL;
}

const char *tc_config_key_help(enum tc_config_key key)
{
	return (unsigned)key < TC_CFG_COUNT ? config_keys[key].help : "";
}

/* ---- value checks ---- */

bool config_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

bool config_parse_long(const char *s, long min, long max, long *out)
{
	if (!*s || !isdigit((unsigned char)*s))
		return false;
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool config_is_alias_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool config_valid_profile_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* curl's HOST:PORT:ADDR[,ADDR...]. */
static bool valid_resolve(const char *s)
{
	const char *c1 = strchr(s, ':');
	if (!c1 || c1 == s)
		return false;
	const char *c2 = strchr(c1 + 1, ':');
	if (!c2 || c2 == c1 + 1 || !c2[1])
		return false;
	long port = 0;
	char buf[8];
	size_t plen = (size_t)(c2 - c1 - 1);
	if (plen >= sizeof(buf))
		return false;
	memcpy(buf, c1 + 1, plen);
	buf[plen] = '\0';
	if (!config_parse_long(buf, 1, 65535, &port))
		return false;
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p))
			return false;
	return true;
}

static bool valid_url(const char *s)
{
	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
		return false;
	const char *host = strstr(s, "//") + 2;
	if (!*host || *host == '/')
		return false;
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return false;
	return true;
}

/* Splits a comma-separated alias list into out; false when malformed. */
static enum tc_status split_regions(const char *s, struct strv *out, bool *ok)
{
	*ok = false;
	const char *p = s;
	while (true) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (config_is_alias_char(*p))
			p++;
		const char *end = p;
		while (*p == ' ' || *p == '\t')
			p++;
		if (end == start || (*p && *p != ',')) {
			strv_free(out);
			return TC_OK;
		}
		for (size_t i = 0; i < out->count; i++) {
			if (strlen(out->items[i]) == (size_t)(end - start) &&
			    strncmp(out->items[i], start, (size_t)(end - start)) == 0) {
				strv_free(out);
				return TC_OK;
			}
		}
		if (config_strv_push(out, start, (size_t)(end - start)) != TC_OK) {
			strv_free(out);
			return TC_NOMEM;
		}
		if (!*p)
			break;
		p++;
	}
	*ok = true;
	return TC_OK;
}

enum tc_paint config_paint(const char *value)
{
	static const char *const names[TC_PAINT_COUNT] = {
#define TC_PAINT_NAME(id, name) [TC_PAINT_##id] = name,
	    TC_PAINT_NAMES(TC_PAINT_NAME)
#undef TC_PAINT_NAME
	};
	for (int p = TC_PAINT_THEME + 1; value && p < TC_PAINT_COUNT; p++)
		if (strcmp(value, names[p]) == 0)
			return (enum tc_paint)p;
	return TC_PAINT_THEME;
}

/*
 * The banner goes on the header of every screen: one line, so no controls,
 * and short enough to leave the header its counts. What else a terminal
 * cannot show as itself (C1, bidi controls) the TUI escapes when drawing.
 */
static bool valid_banner(const char *s)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		chars += (*p & 0xc0) != 0x80;
	}
	return chars >= 1 && chars <= 40;
}

/* NULL when value is a whole number from min to max, else rule. */
static const char *in_range(const char *value, long min, long max, const char *rule)
{
	long l;
	return config_parse_long(value, min, max, &l) ? NULL : rule;
}

/*
 * Returns NULL when value is acceptable for key, else the rule it breaks
 * (a phrase completing "KEY: ...").
 */
const char *config_check_value(enum tc_config_key key, const char *value)
{
	bool b;
	switch (key) {
	case TC_CFG_PROFILE:
		return config_valid_profile_name(value)
		           ? NULL
		           : "must be 1 to 64 letters, digits, '_', '.' or '-'";
	case TC_CFG_CONFIG_FILE:
	case TC_CFG_TOKEN_FILE:
	case TC_CFG_CA_FILE:
	case TC_CFG_DATA_DIR:
	case TC_CFG_STATE_DIR:
		return *value ? NULL : "must be a path";
	case TC_CFG_TOKEN_COMMAND:
		return *value ? NULL : "must be a shell command";
	case TC_CFG_API_URL:
		return valid_url(value) ? NULL : "must be an http:// or https:// URL";
	case TC_CFG_AUTH:
		return strcmp(value, "bearer") == 0 || strcmp(value, "basic") == 0
		           ? NULL
		           : "must be bearer or basic";
	case TC_CFG_RESOLVE:
		return valid_resolve(value) ? NULL : "must be HOST:PORT:ADDR, as curl's --resolve";
	case TC_CFG_TIMEOUT:
		return in_range(value, 1, 3600, "must be a whole number of seconds, 1 to 3600");
	case TC_CFG_PAGE_SIZE:
		return in_range(value, 1, 100, "must be a whole number from 1 to 100");
	case TC_CFG_CONNECTIONS:
		return in_range(value, 1, TC_API_MAX_CONNECTIONS,
		                "must be a whole number from 1 to 16");
	case TC_CFG_READ_ONLY:
	case TC_CFG_OFFLINE:
	case TC_CFG_ALLOW_HTTP:
	case TC_CFG_VERBOSE:
		return config_parse_bool(value, &b) ? NULL : "must be true or false";
	case TC_CFG_REGIONS: {
		struct strv tmp = {0};
		bool ok = false;
		split_regions(value, &tmp, &ok);
		strv_free(&tmp);
		return ok ? NULL
		          : "must be distinct region aliases (a-z, 0-9, '_', '-') separated by "
		            "commas";
	}
	case TC_CFG_COLOR:
		return strcmp(value, "auto") == 0 || strcmp(value, "always") == 0 ||
		               strcmp(value, "never") == 0 || config_paint(value) != TC_PAINT_THEME
		           ? NULL
		           : "must be auto, always, never, red, yellow, green, blue, magenta, cyan "
		             "or none";
	case TC_CFG_BANNER:
		return valid_banner(value) ? NULL : "must be 1 to 40 characters, no controls";
	case TC_CFG_THEME:
		return strcmp(value, "default") == 0 || strcmp(value, "light") == 0 ||
		               strcmp(value, "dark") == 0
		           ? NULL
		           : "must be default, light or dark";
	case TC_CFG_ESC_DELAY:
		return in_range(value, 0, 1000,
		                "must be a whole number of milliseconds, 0 to 1000");
	case TC_CFG_REVEAL_TIMEOUT:
		return in_range(value, 0, 86400,
		                "must be a whole number of seconds, 0 (never) to 86400");
	case TC_CFG_COUNT:
		break;
	}
	return "is not a setting";
}

static enum tc_status replace(char **slot, const char *s)
{
	char *copy = s ? strdup(s) : NULL;
	if (s && !copy)
		return TC_NOMEM;
	free(*slot);
	*slot = copy;
	return TC_OK;
}

static enum tc_status rebuild_joined(struct tc_config *cfg, enum tc_config_key key,
                                     const struct strv *v)
{
	size_t len = 1;
	for (size_t i = 0; i < v->count; i++)
		len += strlen(v->items[i]) + 2;
	char *joined = malloc(len);
	if (!joined)
		return TC_NOMEM;
	joined[0] = '\0';
	for (size_t i = 0; i < v->count; i++) {
		if (i)
			strcat(joined, ", ");
		strcat(joined, v->items[i]);
	}
	free(cfg->s[key].value);
	cfg->s[key].value = joined;
	return TC_OK;
}

enum tc_status tc_config_set(struct tc_config *cfg, enum tc_config_key key, const char *value,
                             enum tc_config_origin origin, const char *where, struct tc_error *err)
{
	if (!cfg || (unsigned)key >= TC_CFG_COUNT || !value)
		return tc_error_set(err, TC_CONFIG, "%s: no such setting", where ? where : "?");
	const char *name = tc_config_key_name(key);
	const char *rule = config_check_value(key, value);
	if (rule)
		return tc_error_set(err, TC_CONFIG, "%s: %s %s (got \"%.100s\")", where, name, rule,
		                    value);
	struct setting *s = &cfg->s[key];
	if (s->value && origin < s->origin)
		return TC_OK;
	bool same_rank = s->value && origin == s->origin;
	enum tc_status rc = TC_OK;
	if (key == TC_CFG_RESOLVE) {
		if (!same_rank)
			strv_free(&cfg->resolve);
		rc = config_strv_push(&cfg->resolve, value, strlen(value));
		if (rc == TC_OK)
			rc = rebuild_joined(cfg, key, &cfg->resolve);
	} else if (key == TC_CFG_REGIONS) {
		struct strv tmp = {0};
		bool ok;
		rc = split_regions(value, &tmp, &ok);
		if (rc == TC_OK) {
			strv_free(&cfg->regions);
			cfg->regions = tmp;
			rc = replace(&s->value, value);
		}
	} else if (key == TC_CFG_API_URL) {
		/* One spelling of the base: paths are appended with a leading '/'. */
		size_t n = strlen(value);
		while (n > 0 && value[n - 1] == '/')
			n--;
		char *v = strndup(value, n);
		if (!v)
			return tc_error_set(err, TC_NOMEM, NULL);
		free(s->value);
		s->value = v;
	} else {
		rc = replace(&s->value, value);
	}
	if (rc == TC_OK)
		rc = replace(&s->where, where ? where : "");
	if (rc != TC_OK)
		return tc_error_set(err, rc, NULL);
	s->origin = origin;
	return TC_OK;
}

static enum tc_status set_token_value(struct tc_config *cfg, const char *token,
                                      enum tc_config_origin origin, const char *where)
{
	if (cfg->token_value && origin < cfg->token_value_origin)
		return TC_OK;
	char *t = strdup(token);
	char *w = strdup(where);
	if (!t || !w) {
		tc_wipe_free(t);
		free(w);
		return TC_NOMEM;
	}
	tc_wipe_free(cfg->token_value);
	free(cfg->token_value_where);
	cfg->token_value = t;
	cfg->token_value_where = w;
	cfg->token_value_origin = origin;
	return TC_OK;
}

enum tc_status tc_config_set_token(struct tc_config *cfg, const char *token,
                                   enum tc_config_origin origin, const char *where,
                                   struct tc_error *err)
{
	if (!token || !*token)
		return tc_error_set(err, TC_CONFIG, "%s: the API token is empty", where);
	if (set_token_value(cfg, token, origin, where) != TC_OK)
		return tc_error_set(err, TC_NOMEM, NULL);
	return TC_OK;
}
