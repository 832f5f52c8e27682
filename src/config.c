#include "trunkctl/config.h"

#include "trunkctl/api.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A token is a line of text; anything longer is not a token. */
#define TOKEN_MAX 8192

struct key_info {
	const char *file_key;
	const char *env;
	const char *flag;
	const char *help;
};

static const struct key_info keys[TC_CFG_COUNT] = {
#define TC_CONFIG_ROW(name, key, env, flag, help) [TC_CFG_##name] = {key, env, flag, help},
    TC_CONFIG_KEYS(TC_CONFIG_ROW)
#undef TC_CONFIG_ROW
};

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
	struct tc_region *region_table; /* regions as the service wants them */
	size_t keymap_count;
	struct keymap_entry *keymap;
	/* TRUNKCTL_API_TOKEN or a literal (sandbox) token. */
	char *token_value;
	char *token_value_where;
	enum tc_config_origin token_value_origin;
	char *token; /* loaded token */
};

static void strv_free(struct strv *v)
{
	for (size_t i = 0; i < v->count; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->count = 0;
}

static enum tc_status strv_push(struct strv *v, const char *s, size_t len)
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

/* Overwrites before freeing: the token must not linger in freed heap. */
static void free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

struct tc_config *tc_config_new(void)
{
	return calloc(1, sizeof(struct tc_config));
}

void tc_config_free(struct tc_config *cfg)
{
	if (!cfg)
		return;
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		free(cfg->s[k].value);
		free(cfg->s[k].where);
	}
	strv_free(&cfg->resolve);
	strv_free(&cfg->regions);
	free(cfg->region_table);
	for (size_t i = 0; i < cfg->keymap_count; i++) {
		free(cfg->keymap[i].action);
		free(cfg->keymap[i].key);
		free(cfg->keymap[i].where);
	}
	free(cfg->keymap);
	free_secret(cfg->token_value);
	free(cfg->token_value_where);
	free_secret(cfg->token);
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
	return keys[key].file_key;
}

const char *tc_config_key_env(enum tc_config_key key)
{
	return (unsigned)key < TC_CFG_COUNT ? keys[key].env : NULL;
}

const char *tc_config_key_flag(enum tc_config_key key)
{
	return (unsigned)key < TC_CFG_COUNT ? keys[key].flag : NULL;
}

const char *tc_config_key_help(enum tc_config_key key)
{
	return (unsigned)key < TC_CFG_COUNT ? keys[key].help : "";
}

/* ---- value checks ---- */

static bool parse_bool(const char *s, bool *out)
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

static bool parse_long(const char *s, long min, long max, long *out)
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

static bool is_alias_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool valid_profile_name(const char *s)
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
	if (!parse_long(buf, 1, 65535, &port))
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
		while (is_alias_char(*p))
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
		if (strv_push(out, start, (size_t)(end - start)) != TC_OK) {
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

/*
 * Returns NULL when value is acceptable for key, else the rule it breaks
 * (a phrase completing "KEY: ...").
 */
static const char *check_value(enum tc_config_key key, const char *value)
{
	bool b;
	long l;
	switch (key) {
	case TC_CFG_PROFILE:
		return valid_profile_name(value)
		           ? NULL
		           : "must be 1 to 64 letters, digits, '_', '.' or '-'";
	case TC_CFG_CONFIG_FILE:
	case TC_CFG_TOKEN_FILE:
	case TC_CFG_CA_FILE:
	case TC_CFG_DATA_DIR:
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
		return parse_long(value, 1, 3600, &l)
		           ? NULL
		           : "must be a whole number of seconds, 1 to 3600";
	case TC_CFG_PAGE_SIZE:
		return parse_long(value, 1, 100, &l) ? NULL
		                                     : "must be a whole number from 1 to 100";
	case TC_CFG_CONNECTIONS:
		return parse_long(value, 1, TC_API_MAX_CONNECTIONS, &l)
		           ? NULL
		           : "must be a whole number from 1 to 16";
	case TC_CFG_READ_ONLY:
	case TC_CFG_OFFLINE:
	case TC_CFG_ALLOW_HTTP:
	case TC_CFG_VERBOSE:
		return parse_bool(value, &b) ? NULL : "must be true or false";
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
		               strcmp(value, "never") == 0
		           ? NULL
		           : "must be auto, always or never";
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
	const char *rule = check_value(key, value);
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
		rc = strv_push(&cfg->resolve, value, strlen(value));
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
		free_secret(t);
		free(w);
		return TC_NOMEM;
	}
	free_secret(cfg->token_value);
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
		const char *name = keys[k].env;
		const char *v = name ? env_get(getenv_fn, ctx, name) : NULL;
		if (!v)
			continue;
		/* NO_COLOR only says whether; its value means nothing (no-color.org). */
		if (k == TC_CFG_COLOR)
			v = "never";
		enum tc_status rc =
		    tc_config_set(cfg, (enum tc_config_key)k, v, TC_ORIGIN_ENV, name, err);
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
	} else if (strncmp(section, "profile ", 8) == 0 && valid_profile_name(section + 8)) {
		origin = TC_ORIGIN_FILE_PROFILE;
		active = strcmp(section, fc->profile_section) == 0;
		fc->seen_profile |= active;
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
			ok &= is_alias_char(*p);
		if (!ok)
			return file_error(
			    fc, TC_CONFIG,
			    "a key remap is key.ACTION = KEY (ACTION in a-z, 0-9, '_', '-')");
		if (active && add_keymap(fc->cfg, action, value, where) != TC_OK)
			return file_error(fc, TC_NOMEM, "out of memory");
		return 1;
	}
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		if (!keys[k].file_key || strcmp(keys[k].file_key, name) != 0)
			continue;
		const char *rule = check_value((enum tc_config_key)k, value);
		if (rule)
			return file_error(fc, TC_CONFIG, "%s %s (got \"%.100s\")", name, rule,
			                  value);
		if (!active)
			return 1;
		char expanded[PATH_MAX];
		bool is_path =
		    k == TC_CFG_TOKEN_FILE || k == TC_CFG_CA_FILE || k == TC_CFG_DATA_DIR;
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
	if (!cfg->s[TC_CFG_DATA_DIR].value) {
		char dir[PATH_MAX];
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
	return v && parse_bool(v, &b) && b;
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

static long get_long(const struct tc_config *cfg, enum tc_config_key key, long min, long max,
                     long fallback)
{
	long l;
	const char *v = tc_config_get(cfg, key);
	return v && parse_long(v, min, max, &l) ? l : fallback;
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

/* ---- the token ---- */

enum tc_token_source tc_config_token_source(const struct tc_config *cfg)
{
	if (!cfg)
		return TC_TOKEN_NONE;
	const struct setting *file = &cfg->s[TC_CFG_TOKEN_FILE];
	const struct setting *cmd = &cfg->s[TC_CFG_TOKEN_COMMAND];
	int best = -1;
	enum tc_token_source src = TC_TOKEN_NONE;
	if (cfg->token_value) {
		best = (int)cfg->token_value_origin;
		src = TC_TOKEN_VALUE;
	}
	if (file->value && (int)file->origin > best) {
		best = (int)file->origin;
		src = TC_TOKEN_FILE;
	}
	if (cmd->value && (int)cmd->origin > best)
		src = TC_TOKEN_COMMAND;
	else if (cmd->value && (int)cmd->origin == best && src != TC_TOKEN_VALUE)
		src = TC_TOKEN_NONE; /* a file and a command of one rank: ambiguous */
	return src;
}

const char *tc_config_token_where(const struct tc_config *cfg)
{
	switch (tc_config_token_source(cfg)) {
	case TC_TOKEN_FILE:
		return cfg->s[TC_CFG_TOKEN_FILE].where;
	case TC_TOKEN_COMMAND:
		return cfg->s[TC_CFG_TOKEN_COMMAND].where;
	case TC_TOKEN_VALUE:
		return cfg->token_value_where;
	case TC_TOKEN_NONE:
		break;
	}
	return "none";
}

/* Trims surrounding white space in place; false when the rest is not one line of text. */
static bool trim_token(char *buf, size_t *len)
{
	size_t n = *len, start = 0;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	while (start < n && isspace((unsigned char)buf[start]))
		start++;
	memmove(buf, buf + start, n - start);
	n -= start;
	buf[n] = '\0';
	*len = n;
	for (size_t i = 0; i < n; i++)
		if (iscntrl((unsigned char)buf[i]))
			return false;
	return n > 0;
}

/* Reads at most TOKEN_MAX bytes; -1 on error, else the length (TOKEN_MAX + 1 when longer). */
static ssize_t read_all(int fd, char *buf)
{
	size_t n = 0;
	while (n <= TOKEN_MAX) {
		ssize_t r = read(fd, buf + n, TOKEN_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

static enum tc_status token_from_file(struct tc_config *cfg, char *buf, struct tc_error *err)
{
	const char *path = cfg->s[TC_CFG_TOKEN_FILE].value;
	const char *where = cfg->s[TC_CFG_TOKEN_FILE].where;
	/* O_NONBLOCK: a FIFO is refused below, not waited on. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return tc_error_set(err, TC_CONFIG, "token file %s (%s): %s", path, where,
		                    strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tc_error_set(err, TC_CONFIG, "token file %s (%s) is not a regular file",
		                    path, where);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return tc_error_set(err, TC_SECURITY,
		                    "token file %s is open to other users (mode %04o); refusing to "
		                    "use it. Fix: chmod 600 %s",
		                    path, (unsigned)(st.st_mode & 07777), path);
	}
	ssize_t n = read_all(fd, buf);
	int saved = errno;
	close(fd);
	if (n < 0)
		return tc_error_set(err, TC_CONFIG, "token file %s: %s", path, strerror(saved));
	size_t len = (size_t)n;
	if (len > TOKEN_MAX || !trim_token(buf, &len))
		return tc_error_set(err, TC_CONFIG,
		                    "token file %s (%s) must hold the token on one line", path,
		                    where);
	return TC_OK;
}

static enum tc_status token_from_command(struct tc_config *cfg, char *buf, struct tc_error *err)
{
	const char *cmd = cfg->s[TC_CFG_TOKEN_COMMAND].value;
	const char *where = cfg->s[TC_CFG_TOKEN_COMMAND].where;
	int fds[2];
	if (pipe(fds) != 0)
		return tc_error_set(err, TC_IO, "token_command (%s): %s", where, strerror(errno));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return tc_error_set(err, TC_CONFIG, "token_command (%s): cannot run /bin/sh: %s",
		                    where, strerror(rc));
	}
	ssize_t n = read_all(fds[0], buf);
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return tc_error_set(err, TC_CONFIG, "token_command (%s) was killed by signal %d",
		                    where, WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return tc_error_set(err, TC_CONFIG, "token_command (%s) failed with exit status %d",
		                    where, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	size_t len = n < 0 ? 0 : (size_t)n;
	if (n < 0 || len > TOKEN_MAX || !trim_token(buf, &len))
		return tc_error_set(err, TC_CONFIG,
		                    "token_command (%s) must print the token on one line", where);
	return TC_OK;
}

enum tc_status tc_config_token(struct tc_config *cfg, const char **token, struct tc_error *err)
{
	*token = NULL;
	if (cfg->token) {
		*token = cfg->token;
		return TC_OK;
	}
	char *buf = calloc(1, TOKEN_MAX + 2);
	if (!buf)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc;
	switch (tc_config_token_source(cfg)) {
	case TC_TOKEN_FILE:
		rc = token_from_file(cfg, buf, err);
		break;
	case TC_TOKEN_COMMAND:
		rc = token_from_command(cfg, buf, err);
		break;
	case TC_TOKEN_VALUE:
		snprintf(buf, TOKEN_MAX + 1, "%s", cfg->token_value);
		rc = TC_OK;
		break;
	case TC_TOKEN_NONE:
	default:
		rc =
		    tc_error_set(err, TC_AUTH,
		                 "no API token: use --token-file PATH, token_file or token_command "
		                 "in the configuration, or TRUNKCTL_API_TOKEN");
		break;
	}
	if (rc != TC_OK) {
		explicit_bzero(buf, TOKEN_MAX + 2);
		free(buf);
		return rc;
	}
	cfg->token = strdup(buf);
	explicit_bzero(buf, TOKEN_MAX + 2);
	free(buf);
	if (!cfg->token)
		return tc_error_set(err, TC_NOMEM, NULL);
	*token = cfg->token;
	return TC_OK;
}

enum tc_status tc_config_service_options(struct tc_config *cfg, bool with_token,
                                         struct tc_service_options *opts, struct tc_error *err)
{
	memset(opts, 0, sizeof(*opts));
	opts->data_dir = tc_config_get(cfg, TC_CFG_DATA_DIR);
	opts->profile = tc_config_profile(cfg);
	opts->api_url = tc_config_get(cfg, TC_CFG_API_URL);
	opts->auth = tc_config_auth(cfg);
	opts->resolve = (const char *const *)cfg->resolve.items;
	opts->resolve_count = cfg->resolve.count;
	opts->ca_file = tc_config_get(cfg, TC_CFG_CA_FILE);
	opts->timeout_ms = tc_config_timeout(cfg) * 1000;
	opts->page_size = (unsigned)tc_config_page_size(cfg);
	opts->connections = (unsigned)tc_config_connections(cfg);
	opts->offline = tc_config_offline(cfg);
	opts->read_only = tc_config_read_only(cfg);
	opts->allow_plain_http = tc_config_allow_http(cfg);
	if (cfg->regions.count) {
		free(cfg->region_table);
		cfg->region_table = calloc(cfg->regions.count, sizeof(*cfg->region_table));
		if (!cfg->region_table)
			return tc_error_set(err, TC_NOMEM, NULL);
		/*
		 * The file names aliases only; the alias is all the API takes
		 * (tests/fake-carrier/SERVER-BEHAVIOUR.md §3.7).
		 */
		for (size_t i = 0; i < cfg->regions.count; i++) {
			cfg->region_table[i].alias = cfg->regions.items[i];
			cfg->region_table[i].identifier = cfg->regions.items[i];
			cfg->region_table[i].human_name = cfg->regions.items[i];
		}
		opts->regions = cfg->region_table;
		opts->region_count = cfg->regions.count;
	}
	if (with_token && opts->api_url && !opts->offline) {
		const char *token = NULL;
		enum tc_status rc = tc_config_token(cfg, &token, err);
		if (rc != TC_OK)
			return rc;
		opts->token = token;
	}
	return TC_OK;
}
