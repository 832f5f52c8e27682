#include "config_private.h"

#include "trunkctl/api.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- environment ---- */

static const char *env_get(tc_getenv_fn fn, void *ctx, const char *name)
{
	if (!fn)
		return NULL;
	const char *v = fn(name, ctx);
	return v && *v ? v : NULL;
}

enum tc_status tc_config_apply_env(struct tc_config *cfg, tc_getenv_fn getenv_fn, void *ctx,
                                   struct tc_error *err)
{
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		const char *name = config_keys[k].env;
		const char *v = name ? env_get(getenv_fn, ctx, name) : NULL;
		if (!v)
			continue;
		/*
		 * NO_COLOR only says whether; its value means nothing, and it
		 * changes the default, never a color the file or a flag sets
		 * (no-color.org).
		 */
		bool no_color = k == TC_CFG_COLOR;
		enum tc_status rc =
		    tc_config_set(cfg, (enum tc_config_key)k, no_color ? "never" : v,
		                  no_color ? TC_ORIGIN_DEFAULT : TC_ORIGIN_ENV, name, err);
		if (rc != TC_OK)
			return rc;
	}
	const char *token = env_get(getenv_fn, ctx, "TRUNKCTL_API_TOKEN");
	if (token)
		return tc_config_set_token(cfg, token, TC_ORIGIN_ENV, "TRUNKCTL_API_TOKEN", err);
	return TC_OK;
}

/* ---- the file ---- */

struct file_ctx {
	struct tc_config *cfg;
	const char *path;
	const char *profile;
	char profile_section[80];
	FILE *fp;
	int line;      /* of the last line handed to inih */
	bool too_long; /* a line did not fit INI_MAX_LINE */
	bool seen_profile;
	int error_line;   /* of err, 0 when none */
	const char *home; /* for ~/ in paths */
	struct tc_error *err;
};

/* inih's reader: counts lines so settings and errors can name them. */
static char *read_line(char *buf, int size, void *stream)
{
	struct file_ctx *fc = stream;
	if (!fgets(buf, size, fc->fp))
		return NULL;
	fc->line++;
	size_t n = strlen(buf);
	if (n == (size_t)size - 1 && buf[n - 1] != '\n' && !feof(fc->fp)) {
		fc->too_long = true;
		int c;
		while ((c = fgetc(fc->fp)) != EOF && c != '\n')
			;
	}
	return buf;
}

static int file_error(struct file_ctx *fc, enum tc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int file_error(struct file_ctx *fc, enum tc_status status, const char *fmt, ...)
{
	if (fc->error_line)
		return 0;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fc->error_line = fc->line;
	tc_error_set(fc->err, status, "%s:%d: %s", fc->path, fc->line, msg);
	return 0;
}

static enum tc_status add_keymap(struct tc_config *cfg, const char *action, const char *key,
                                 const char *where)
{
	struct keymap_entry *k = realloc(cfg->keymap, (cfg->keymap_count + 1) * sizeof(*k));
	if (!k)
		return TC_NOMEM;
	cfg->keymap = k;
	struct keymap_entry *e = &cfg->keymap[cfg->keymap_count];
	e->action = strdup(action);
	e->key = strdup(key);
	e->where = strdup(where);
	if (!e->action || !e->key || !e->where) {
		free(e->action);
		free(e->key);
		free(e->where);
		return TC_NOMEM;
	}
	e->pub.action = e->action;
	e->pub.key = e->key;
	e->pub.where = e->where;
	cfg->keymap_count++;
	return TC_OK;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct file_ctx *fc = user;
	if (fc->error_line)
		return 0;
	if (fc->too_long)
		return file_error(fc, TC_CONFIG, "line longer than %d characters",
		                  INI_MAX_LINE - 1);
	enum tc_config_origin origin;
	bool active;
	if (strcmp(section, "default") == 0) {
		origin = TC_ORIGIN_FILE_DEFAULT;
		active = true;
	} else if (strncmp(section, "profile ", 8) == 0 && config_valid_profile_name(section + 8)) {
		origin = TC_ORIGIN_FILE_PROFILE;
		active = strcmp(section, fc->profile_section) == 0;
		fc->seen_profile |= active;
		struct strv *known = &fc->cfg->profiles;
		bool listed = false;
		for (size_t i = 0; i < known->count && !listed; i++)
			listed = strcmp(known->items[i], section + 8) == 0;
		if (!listed && config_strv_push(known, section + 8, strlen(section + 8)) != TC_OK)
			return file_error(fc, TC_NOMEM, "out of memory");
	} else if (!*section) {
		return file_error(fc, TC_CONFIG,
		                  "\"%s\" is outside a [default] or [profile NAME] section", name);
	} else {
		return file_error(fc, TC_CONFIG,
		                  "unknown section [%s]; use [default] or [profile NAME]", section);
	}
	char where[PATH_MAX + 16];
	snprintf(where, sizeof(where), "%s:%d", fc->path, fc->line);
	if (strncmp(name, "key.", 4) == 0) {
		const char *action = name + 4;
		bool ok = *action && *value;
		for (const char *p = action; *p; p++)
			ok &= config_is_alias_char(*p);
		if (!ok)
			return file_error(
			    fc, TC_CONFIG,
			    "a key remap is key.ACTION = KEY (ACTION in a-z, 0-9, '_', '-')");
		if (active && add_keymap(fc->cfg, action, value, where) != TC_OK)
			return file_error(fc, TC_NOMEM, "out of memory");
		return 1;
	}
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		if (!config_keys[k].file_key || strcmp(config_keys[k].file_key, name) != 0)
			continue;
		const char *rule = config_check_value((enum tc_config_key)k, value);
		if (rule)
			return file_error(fc, TC_CONFIG, "%s %s (got \"%.100s\")", name, rule,
			                  value);
		if (!active)
			return 1;
		char expanded[PATH_MAX];
		bool is_path = k == TC_CFG_TOKEN_FILE || k == TC_CFG_CA_FILE ||
		               k == TC_CFG_DATA_DIR || k == TC_CFG_STATE_DIR;
		if (is_path && strncmp(value, "~/", 2) == 0 && fc->home) {
			snprintf(expanded, sizeof(expanded), "%s/%s", fc->home, value + 2);
			value = expanded;
		}
		struct tc_error tmp;
		tc_error_init(&tmp);
		enum tc_status rc =
		    tc_config_set(fc->cfg, (enum tc_config_key)k, value, origin, where, &tmp);
		if (rc != TC_OK) {
			file_error(fc, rc, "%s", tmp.message);
			tc_error_clear(&tmp);
			return 0;
		}
		return 1;
	}
	return file_error(fc, TC_CONFIG, "unknown key \"%s\" (see trunkctl.conf(5))", name);
}

/*
 * HOME, else the account's home from the password database (into buf), or
 * NULL: never a relative path, which would put the store or read a
 * configuration under whatever directory trunkctl runs in.
 */
static const char *home_dir(tc_getenv_fn fn, void *ctx, char *buf, size_t size)
{
	const char *home = env_get(fn, ctx, "HOME");
	if (home && home[0] == '/')
		return home;
	struct passwd pw, *found = NULL;
	if (getpwuid_r(getuid(), &pw, buf, size, &found) == 0 && found && found->pw_dir &&
	    found->pw_dir[0] == '/')
		return found->pw_dir;
	return NULL;
}

/* XDG_xxx_HOME, else the home directory's fallback. */
static enum tc_status default_dir(char *out, size_t size, tc_getenv_fn fn, void *ctx,
                                  const char *xdg, const char *fallback, const char *leaf,
                                  struct tc_error *err)
{
	const char *base = env_get(fn, ctx, xdg);
	/* The XDG spec says relative values are invalid and must be ignored. */
	if (base && base[0] == '/') {
		snprintf(out, size, "%s/trunkctl%s%s", base, leaf ? "/" : "", leaf ? leaf : "");
		return TC_OK;
	}
	char buf[4096];
	const char *home = home_dir(fn, ctx, buf, sizeof(buf));
	if (!home)
		return tc_error_set(err, TC_CONFIG,
		                    "HOME is unset or not an absolute path and the account has no "
		                    "home directory; set HOME, %s or --data-dir and --config",
		                    xdg);
	snprintf(out, size, "%s/%s/trunkctl%s%s", home, fallback, leaf ? "/" : "",
	         leaf ? leaf : "");
	return TC_OK;
}

enum tc_status tc_config_load_file(struct tc_config *cfg, tc_getenv_fn getenv_fn, void *ctx,
                                   struct tc_error *err)
{
	char path[PATH_MAX];
	const char *named = cfg->s[TC_CFG_CONFIG_FILE].value;
	if (named) {
		snprintf(path, sizeof(path), "%s", named);
	} else {
		enum tc_status rc = default_dir(path, sizeof(path), getenv_fn, ctx,
		                                "XDG_CONFIG_HOME", ".config", "config", err);
		if (rc != TC_OK)
			return rc;
	}
	free(cfg->file_path);
	cfg->file_path = strdup(path);
	if (!cfg->file_path)
		return tc_error_set(err, TC_NOMEM, NULL);
	char home_buf[4096];
	struct file_ctx fc = {.cfg = cfg,
	                      .path = path,
	                      .profile = tc_config_profile(cfg),
	                      .err = err,
	                      .home = home_dir(getenv_fn, ctx, home_buf, sizeof(home_buf))};
	snprintf(fc.profile_section, sizeof(fc.profile_section), "profile %s", fc.profile);
	bool want_profile = strcmp(fc.profile, "default") != 0;

	/*
	 * O_NONBLOCK: a FIFO must not hold the open until a writer comes. A
	 * symbolic link is followed (a dotfiles checkout links its config), and
	 * what it leads to must be a regular file: a FIFO, a directory or
	 * /dev/zero would hang or feed the parser without end.
	 */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !named && !want_profile)
			return TC_OK;
		if (errno == ENOENT && !named)
			return tc_error_set(err, TC_CONFIG,
			                    "profile \"%s\": there is no configuration file %s",
			                    fc.profile, path);
		return tc_error_set(err, TC_CONFIG, "cannot read %s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tc_error_set(err, TC_CONFIG,
		                    "the configuration file %s is not a regular file (a directory, "
		                    "FIFO or device); name a file",
		                    path);
	}
	fc.fp = fdopen(fd, "r");
	if (!fc.fp) {
		close(fd);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	if (!named) {
		enum tc_status rc =
		    tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_DEFAULT, "default", err);
		if (rc != TC_OK) {
			fclose(fc.fp);
			return rc;
		}
	}
	int bad = ini_parse_stream(read_line, &fc, on_setting, &fc);
	fclose(fc.fp);
	if (fc.error_line)
		return err ? err->status : TC_CONFIG;
	if (bad > 0)
		return tc_error_set(err, TC_CONFIG, "%s:%d: not a [section] or KEY = VALUE line%s",
		                    path, bad,
		                    fc.too_long ? " (or longer than the parser's line limit)" : "");
	if (bad < 0)
		return tc_error_set(err, TC_NOMEM, NULL);
	if (want_profile && !fc.seen_profile)
		return tc_error_set(err, TC_CONFIG,
		                    "profile \"%s\": %s has no [profile %s] section", fc.profile,
		                    path, fc.profile);
	return TC_OK;
}

enum tc_status tc_config_apply_defaults(struct tc_config *cfg, tc_getenv_fn getenv_fn, void *ctx,
                                        struct tc_error *err)
{
	char dir[PATH_MAX];
	if (!cfg->s[TC_CFG_STATE_DIR].value) {
		/* Only the TUI's comfort depends on it: no home is no error here. */
		struct tc_error ignored;
		tc_error_init(&ignored);
		enum tc_status rc = default_dir(dir, sizeof(dir), getenv_fn, ctx, "XDG_STATE_HOME",
		                                ".local/state", NULL, &ignored);
		tc_error_clear(&ignored);
		if (rc == TC_OK)
			rc = tc_config_set(cfg, TC_CFG_STATE_DIR, dir, TC_ORIGIN_DEFAULT, "default",
			                   err);
		if (rc != TC_OK && rc != TC_CONFIG)
			return rc;
	}
	if (!cfg->s[TC_CFG_DATA_DIR].value) {
		enum tc_status rc = default_dir(dir, sizeof(dir), getenv_fn, ctx, "XDG_DATA_HOME",
		                                ".local/share", tc_config_profile(cfg), err);
		if (rc != TC_OK)
			return rc;
		return tc_config_set(cfg, TC_CFG_DATA_DIR, dir, TC_ORIGIN_DEFAULT, "default", err);
	}
	return TC_OK;
}

enum tc_status tc_config_resolve(struct tc_config *cfg, tc_getenv_fn getenv_fn, void *ctx,
                                 struct tc_error *err)
{
	enum tc_status rc = tc_config_apply_env(cfg, getenv_fn, ctx, err);
	if (rc == TC_OK)
		rc = tc_config_load_file(cfg, getenv_fn, ctx, err);
	if (rc == TC_OK)
		rc = tc_config_apply_defaults(cfg, getenv_fn, ctx, err);
	if (rc == TC_OK && tc_config_token_source(cfg) == TC_TOKEN_NONE &&
	    cfg->s[TC_CFG_TOKEN_FILE].value && cfg->s[TC_CFG_TOKEN_COMMAND].value)
		return tc_error_set(
		    err, TC_CONFIG, "%s and %s: set token_file or token_command, not both",
		    cfg->s[TC_CFG_TOKEN_FILE].where, cfg->s[TC_CFG_TOKEN_COMMAND].where);
	return rc;
}

/* ---- reading ---- */

const char *tc_config_get(const struct tc_config *cfg, enum tc_config_key key)
{
	return cfg && (unsigned)key < TC_CFG_COUNT ? cfg->s[key].value : NULL;
}

enum tc_config_origin tc_config_origin(const struct tc_config *cfg, enum tc_config_key key)
{
	return cfg && (unsigned)key < TC_CFG_COUNT && cfg->s[key].value ? cfg->s[key].origin
	                                                                : TC_ORIGIN_DEFAULT;
}

const char *tc_config_where(const struct tc_config *cfg, enum tc_config_key key)
{
	if (!cfg || (unsigned)key >= TC_CFG_COUNT || !cfg->s[key].where)
		return "default";
	return cfg->s[key].where;
}

const char *tc_config_profile(const struct tc_config *cfg)
{
	const char *p = tc_config_get(cfg, TC_CFG_PROFILE);
	return p ? p : "default";
}

static bool get_bool(const struct tc_config *cfg, enum tc_config_key key)
{
	bool b = false;
	const char *v = tc_config_get(cfg, key);
	return v && config_parse_bool(v, &b) && b;
}

bool tc_config_read_only(const struct tc_config *cfg)
{
	return get_bool(cfg, TC_CFG_READ_ONLY);
}

bool tc_config_offline(const struct tc_config *cfg)
{
	return get_bool(cfg, TC_CFG_OFFLINE);
}

bool tc_config_verbose(const struct tc_config *cfg)
{
	return get_bool(cfg, TC_CFG_VERBOSE);
}

bool tc_config_allow_http(const struct tc_config *cfg)
{
	return get_bool(cfg, TC_CFG_ALLOW_HTTP);
}

enum tc_auth_scheme tc_config_auth(const struct tc_config *cfg)
{
	const char *v = tc_config_get(cfg, TC_CFG_AUTH);
	return v && strcmp(v, "basic") == 0 ? TC_AUTH_BASIC : TC_AUTH_BEARER;
}

enum tc_color_mode tc_config_color(const struct tc_config *cfg)
{
	const char *v = tc_config_get(cfg, TC_CFG_COLOR);
	if (v && strcmp(v, "always") == 0)
		return TC_COLOR_ALWAYS;
	if (v && strcmp(v, "never") == 0)
		return TC_COLOR_NEVER;
	return TC_COLOR_AUTO;
}

enum tc_paint tc_config_paint(const struct tc_config *cfg)
{
	return config_paint(tc_config_get(cfg, TC_CFG_COLOR));
}

enum tc_theme tc_config_theme(const struct tc_config *cfg)
{
	const char *v = tc_config_get(cfg, TC_CFG_THEME);
	if (v && strcmp(v, "light") == 0)
		return TC_THEME_LIGHT;
	if (v && strcmp(v, "dark") == 0)
		return TC_THEME_DARK;
	return TC_THEME_DEFAULT;
}

static long get_long(const struct tc_config *cfg, enum tc_config_key key, long min, long max,
                     long fallback)
{
	long l;
	const char *v = tc_config_get(cfg, key);
	return v && config_parse_long(v, min, max, &l) ? l : fallback;
}

long tc_config_timeout(const struct tc_config *cfg)
{
	return get_long(cfg, TC_CFG_TIMEOUT, 1, 3600, 30);
}

long tc_config_page_size(const struct tc_config *cfg)
{
	return get_long(cfg, TC_CFG_PAGE_SIZE, 1, 100, 100);
}

long tc_config_connections(const struct tc_config *cfg)
{
	return get_long(cfg, TC_CFG_CONNECTIONS, 1, TC_API_MAX_CONNECTIONS,
	                TC_API_DEFAULT_CONNECTIONS);
}

size_t tc_config_resolve_count(const struct tc_config *cfg)
{
	return cfg ? cfg->resolve.count : 0;
}

const char *tc_config_resolve_at(const struct tc_config *cfg, size_t i)
{
	return cfg && i < cfg->resolve.count ? cfg->resolve.items[i] : NULL;
}

size_t tc_config_region_count(const struct tc_config *cfg)
{
	return cfg ? cfg->regions.count : 0;
}

const char *tc_config_region_at(const struct tc_config *cfg, size_t i)
{
	return cfg && i < cfg->regions.count ? cfg->regions.items[i] : NULL;
}

size_t tc_config_keymap_count(const struct tc_config *cfg)
{
	return cfg ? cfg->keymap_count : 0;
}

const struct tc_config_keymap *tc_config_keymap_at(const struct tc_config *cfg, size_t i)
{
	if (!cfg || i >= cfg->keymap_count)
		return NULL;
	return &cfg->keymap[i].pub;
}

long tc_config_esc_delay(const struct tc_config *cfg)
{
	return get_long(cfg, TC_CFG_ESC_DELAY, 0, 1000, 25);
}

long tc_config_reveal_timeout(const struct tc_config *cfg)
{
	return get_long(cfg, TC_CFG_REVEAL_TIMEOUT, 0, 86400, 30);
}

const char *tc_config_file_path(const struct tc_config *cfg)
{
	if (!cfg)
		return NULL;
	return cfg->file_path ? cfg->file_path : cfg->s[TC_CFG_CONFIG_FILE].value;
}

void tc_config_no_api_hint(const struct tc_config *cfg, char *buf, size_t size)
{
	const char *profile = tc_config_profile(cfg);
	const char *file = tc_config_file_path(cfg);
	char section[96];
	if (strcmp(profile, "default") == 0)
		snprintf(section, sizeof(section), "[default]");
	else
		snprintf(section, sizeof(section), "[profile %s]", profile);
	snprintf(buf, size,
	         "no Carrier API URL is configured for profile %s: set api_url in the %s "
	         "section of %s, or TRUNKCTL_API_URL in the environment, or pass --api-url URL "
	         "(trunkctl.conf(5)); trunkctl --sandbox tries trunkctl against a local fake API",
	         profile, section, file ? file : "the configuration file");
}

size_t tc_config_profile_name_count(const struct tc_config *cfg)
{
	return cfg ? cfg->profiles.count : 0;
}

const char *tc_config_profile_name_at(const struct tc_config *cfg, size_t i)
{
	return cfg && i < cfg->profiles.count ? cfg->profiles.items[i] : NULL;
}
