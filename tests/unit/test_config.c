#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trunkctl/config.h"

/* A fake environment: NAME=VALUE entries, so no test touches the real one. */
struct env {
	const char *vars[8];
};

static const char *env_lookup(const char *name, void *ctx)
{
	const struct env *e = ctx;
	size_t n = strlen(name);
	for (int i = 0; i < 8 && e->vars[i]; i++)
		if (strncmp(e->vars[i], name, n) == 0 && e->vars[i][n] == '=')
			return e->vars[i] + n + 1;
	return NULL;
}

static char dir[64];
static char path[128];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tc-config-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config", dir);
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(config, .init = make_dir, .fini = remove_dir, .timeout = 60);

static void write_file(const char *p, const char *text, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

static enum tc_status resolve_err(struct tc_config *cfg, struct env *e, char *msg, size_t size)
{
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc = tc_config_resolve(cfg, env_lookup, e, &err);
	snprintf(msg, size, "%s", err.message);
	tc_error_clear(&err);
	return rc;
}

static struct tc_config *resolve_ok(struct tc_config *cfg, struct env *e)
{
	char msg[512];
	cr_assert_eq(resolve_err(cfg, e, msg, sizeof(msg)), TC_OK, "%s", msg);
	return cfg;
}

static const char layered[] = "# comment\n"
                              "[default]\n"
                              "api_url = https://api.example.com/\n"
                              "timeout = 10\n"
                              "page_size = 50\n"
                              "auth = basic\n"
                              "resolve = api.example.com:443:127.0.0.1\n"
                              "\n"
                              "[profile staging]\n"
                              "api_url = https://api.staging.example.com\n"
                              "read_only = yes\n"
                              "resolve = api.staging.example.com:443:127.0.0.2\n"
                              "resolve = api.staging.example.com:80:127.0.0.2\n"
                              "regions = hydrogen, helium, lithium\n"
                              "key.delete = X\n"
                              "[profile other]\n"
                              "timeout = 99\n";

Test(config, defaults_without_a_file)
{
	struct env e = {{"HOME=/home/op"}};
	struct tc_config *cfg = resolve_ok(tc_config_new(), &e);
	cr_assert_str_eq(tc_config_profile(cfg), "default");
	cr_assert_null(tc_config_get(cfg, TC_CFG_API_URL));
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_DATA_DIR),
	                 "/home/op/.local/share/trunkctl/default");
	cr_assert_eq(tc_config_origin(cfg, TC_CFG_DATA_DIR), TC_ORIGIN_DEFAULT);
	cr_assert_eq(tc_config_timeout(cfg), 30);
	cr_assert_eq(tc_config_page_size(cfg), 100);
	cr_assert_eq(tc_config_connections(cfg), 8);
	cr_assert_eq(tc_config_auth(cfg), TC_AUTH_BEARER);
	cr_assert_not(tc_config_read_only(cfg));
	cr_assert_eq(tc_config_token_source(cfg), TC_TOKEN_NONE);
	const char *token;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_config_token(cfg, &token, &err), TC_AUTH);
	cr_assert(strstr(err.message, "--token-file"));
	tc_config_destroy(cfg);
}

Test(config, profile_section_overrides_default_section)
{
	write_file(path, layered, 0644);
	struct env e = {{"XDG_DATA_HOME=/data"}};
	struct tc_config *cfg = tc_config_new();
	cr_assert_eq(tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL),
	             TC_OK);
	cr_assert_eq(
	    tc_config_set(cfg, TC_CFG_PROFILE, "staging", TC_ORIGIN_FLAG, "--profile", NULL),
	    TC_OK);
	resolve_ok(cfg, &e);
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_API_URL), "https://api.staging.example.com");
	char where[160];
	snprintf(where, sizeof(where), "%s:10", path);
	cr_assert_str_eq(tc_config_where(cfg, TC_CFG_API_URL), where);
	cr_assert_eq(tc_config_origin(cfg, TC_CFG_API_URL), TC_ORIGIN_FILE_PROFILE);
	cr_assert_eq(tc_config_timeout(cfg), 10);
	cr_assert_eq(tc_config_origin(cfg, TC_CFG_TIMEOUT), TC_ORIGIN_FILE_DEFAULT);
	cr_assert(tc_config_read_only(cfg));
	cr_assert_eq(tc_config_auth(cfg), TC_AUTH_BASIC);
	/* The profile's list replaces the default's; its own lines accumulate. */
	cr_assert_eq(tc_config_resolve_count(cfg), 2);
	cr_assert_str_eq(tc_config_resolve_at(cfg, 0), "api.staging.example.com:443:127.0.0.2");
	cr_assert_str_eq(tc_config_resolve_at(cfg, 1), "api.staging.example.com:80:127.0.0.2");
	cr_assert_eq(tc_config_region_count(cfg), 3);
	cr_assert_str_eq(tc_config_region_at(cfg, 2), "lithium");
	cr_assert_eq(tc_config_keymap_count(cfg), 1);
	cr_assert_str_eq(tc_config_keymap_at(cfg, 0)->action, "delete");
	cr_assert_str_eq(tc_config_keymap_at(cfg, 0)->key, "X");
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_DATA_DIR), "/data/trunkctl/staging");
	tc_config_destroy(cfg);
}

Test(config, flags_beat_environment_beat_file)
{
	write_file(path, layered, 0644);
	char cfgenv[160];
	snprintf(cfgenv, sizeof(cfgenv), "TRUNKCTL_CONFIG=%s", path);
	struct env e = {{cfgenv, "TRUNKCTL_API_URL=http://127.0.0.1:9", "TRUNKCTL_PROFILE=other",
	                 "TRUNKCTL_DATA_DIR=/env-data", "NO_COLOR=1"}};
	struct tc_config *cfg = tc_config_new();
	cr_assert_eq(
	    tc_config_set(cfg, TC_CFG_DATA_DIR, "/flag-data", TC_ORIGIN_FLAG, "--data-dir", NULL),
	    TC_OK);
	resolve_ok(cfg, &e);
	cr_assert_str_eq(tc_config_profile(cfg), "other");
	cr_assert_str_eq(tc_config_where(cfg, TC_CFG_PROFILE), "TRUNKCTL_PROFILE");
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_API_URL), "http://127.0.0.1:9");
	cr_assert_eq(tc_config_origin(cfg, TC_CFG_API_URL), TC_ORIGIN_ENV);
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_DATA_DIR), "/flag-data");
	cr_assert_str_eq(tc_config_where(cfg, TC_CFG_DATA_DIR), "--data-dir");
	cr_assert_eq(tc_config_timeout(cfg), 99);
	cr_assert_eq(tc_config_color(cfg), TC_COLOR_NEVER);
	cr_assert_str_eq(tc_config_where(cfg, TC_CFG_COLOR), "NO_COLOR");
	/* A lower-ranked value set later does not replace a higher one. */
	cr_assert_eq(tc_config_set(cfg, TC_CFG_API_URL, "https://late.example.com",
	                           TC_ORIGIN_FILE_PROFILE, "x:1", NULL),
	             TC_OK);
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_API_URL), "http://127.0.0.1:9");
	tc_config_destroy(cfg);
}

Test(config, flag_resolve_replaces_file_list_and_repeats)
{
	write_file(path, layered, 0644);
	struct tc_config *cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	tc_config_set(cfg, TC_CFG_RESOLVE, "a.example:443:127.0.0.1", TC_ORIGIN_FLAG, "--resolve",
	              NULL);
	tc_config_set(cfg, TC_CFG_RESOLVE, "b.example:443:127.0.0.1", TC_ORIGIN_FLAG, "--resolve",
	              NULL);
	struct env e = {{NULL}};
	resolve_ok(cfg, &e);
	cr_assert_eq(tc_config_resolve_count(cfg), 2);
	cr_assert_str_eq(tc_config_resolve_at(cfg, 1), "b.example:443:127.0.0.1");
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_RESOLVE),
	                 "a.example:443:127.0.0.1, b.example:443:127.0.0.1");
	tc_config_destroy(cfg);
}

static const char http_profiles[] = "[default]\n"
                                    "api_url = http://carrier.example.test\n"
                                    "[profile lab]\n"
                                    "allow_http = true\n"
                                    "[profile strict]\n"
                                    "allow_http = no\n";

static struct tc_config *http_config(const char *profile, const char *flag)
{
	write_file(path, http_profiles, 0644);
	struct tc_config *cfg = tc_config_new();
	cr_assert_eq(tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL),
	             TC_OK);
	if (profile)
		cr_assert_eq(
		    tc_config_set(cfg, TC_CFG_PROFILE, profile, TC_ORIGIN_FLAG, "--profile", NULL),
		    TC_OK);
	if (flag)
		cr_assert_eq(tc_config_set(cfg, TC_CFG_ALLOW_HTTP, flag, TC_ORIGIN_FLAG,
		                           "--allow-http", NULL),
		             TC_OK);
	struct env e = {{"HOME=/home/op"}};
	return resolve_ok(cfg, &e);
}

static bool service_allows_http(struct tc_config *cfg)
{
	struct tc_service_options so;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_config_service_options(cfg, false, &so, &err), TC_OK, "%s", err.message);
	tc_error_clear(&err);
	return so.allow_plain_http;
}

Test(config, connections_come_from_the_profile_over_the_default_section)
{
	write_file(path,
	           "[default]\nconnections = 12\n[profile slow]\nconnections = 1\n"
	           "[profile other]\ntimeout = 5\n",
	           0644);
	const char *profiles[] = {"slow", "other"};
	const long want[] = {1, 12};
	const enum tc_config_origin origin[] = {TC_ORIGIN_FILE_PROFILE, TC_ORIGIN_FILE_DEFAULT};
	for (int i = 0; i < 2; i++) {
		struct tc_config *cfg = tc_config_new();
		tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
		tc_config_set(cfg, TC_CFG_PROFILE, profiles[i], TC_ORIGIN_FLAG, "--profile", NULL);
		struct env e = {{"HOME=/home/op"}};
		resolve_ok(cfg, &e);
		cr_assert_eq(tc_config_connections(cfg), want[i], "%s", profiles[i]);
		cr_assert_eq(tc_config_origin(cfg, TC_CFG_CONNECTIONS), origin[i]);
		struct tc_service_options so;
		struct tc_error err;
		tc_error_init(&err);
		cr_assert_eq(tc_config_service_options(cfg, false, &so, &err), TC_OK);
		cr_assert_eq(so.connections, (unsigned)want[i]);
		tc_config_destroy(cfg);
	}
}

Test(config, allow_http_defaults_to_false)
{
	struct tc_config *cfg = http_config(NULL, NULL);
	cr_assert_not(tc_config_allow_http(cfg));
	cr_assert_null(tc_config_get(cfg, TC_CFG_ALLOW_HTTP));
	cr_assert_eq(tc_config_origin(cfg, TC_CFG_ALLOW_HTTP), TC_ORIGIN_DEFAULT);
	cr_assert_not(service_allows_http(cfg));
	cr_assert_str_eq(tc_config_key_name(TC_CFG_ALLOW_HTTP), "allow_http");
	cr_assert_str_eq(tc_config_key_flag(TC_CFG_ALLOW_HTTP), "--allow-http");
	cr_assert_null(tc_config_key_env(TC_CFG_ALLOW_HTTP));
	tc_config_destroy(cfg);
}

Test(config, allow_http_per_profile_from_the_file)
{
	struct tc_config *cfg = http_config("lab", NULL);
	cr_assert(tc_config_allow_http(cfg));
	cr_assert_eq(tc_config_origin(cfg, TC_CFG_ALLOW_HTTP), TC_ORIGIN_FILE_PROFILE);
	char where[160];
	snprintf(where, sizeof(where), "%s:4", path);
	cr_assert_str_eq(tc_config_where(cfg, TC_CFG_ALLOW_HTTP), where);
	cr_assert(service_allows_http(cfg));
	tc_config_destroy(cfg);

	cfg = http_config("strict", NULL);
	cr_assert_not(tc_config_allow_http(cfg));
	cr_assert_not(service_allows_http(cfg));
	tc_config_destroy(cfg);
}

Test(config, allow_http_flag_beats_the_file)
{
	struct tc_config *cfg = http_config("strict", "true");
	cr_assert(tc_config_allow_http(cfg));
	cr_assert_eq(tc_config_origin(cfg, TC_CFG_ALLOW_HTTP), TC_ORIGIN_FLAG);
	cr_assert_str_eq(tc_config_where(cfg, TC_CFG_ALLOW_HTTP), "--allow-http");
	cr_assert(service_allows_http(cfg));
	tc_config_destroy(cfg);
}

struct bad_case {
	char text[96];
	int line;
	char needle[96];
};

static void expect_file_error(const struct bad_case *c)
{
	write_file(path, c->text, 0644);
	struct tc_config *cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	struct env e = {{NULL}};
	char msg[512];
	cr_assert_eq(resolve_err(cfg, &e, msg, sizeof(msg)), TC_CONFIG, "%s", c->text);
	char where[160];
	snprintf(where, sizeof(where), "%s:%d: ", path, c->line);
	cr_assert(strstr(msg, where) == msg, "message \"%s\" should start with %s", msg, where);
	cr_assert(strstr(msg, c->needle), "message \"%s\" should mention %s", msg, c->needle);
	tc_config_destroy(cfg);
}

ParameterizedTestParameters(config, bad_files_name_file_and_line)
{
	static struct bad_case cases[] = {
	    {"[default]\napi_url = https://x.example\ncolour = never\n", 3,
	     "unknown key \"colour\""},
	    {"[default]\ntimeout = 0\n", 2, "timeout must be a whole number"},
	    {"[default]\ntimeout = ten\n", 2, "timeout must be"},
	    {"[default]\npage_size = 101\n", 2, "page_size must be"},
	    {"[default]\nauth = digest\n", 2, "auth must be bearer or basic"},
	    {"[default]\nread_only = maybe\n", 2, "read_only must be true or false"},
	    {"[profile x]\nallow_http = perhaps\n", 2, "allow_http must be true or false"},
	    {"[default]\napi_url = ftp://x\n", 2, "api_url must be an http"},
	    {"[default]\nresolve = host:port:addr\n", 2, "resolve must be HOST:PORT:ADDR"},
	    {"[default]\nregions = hydrogen,,helium\n", 2, "regions must be"},
	    {"[default]\ncolor = purple\n", 2,
	     "color must be auto, always, never, red, yellow, green, blue, magenta, cyan or none"},
	    {"[default]\nesc_delay = 1001\n", 2,
	     "esc_delay must be a whole number of milliseconds"},
	    {"[default]\nesc_delay = -5\n", 2, "esc_delay must be"},
	    {"[default]\ntheme = sepia\n", 2, "theme must be default, light or dark"},
	    {"[default]\nreveal_timeout = soon\n", 2, "reveal_timeout must be a whole number"},
	    {"[profile p]\nbanner = PROD\x1b]0;x\x07\n", 2, "banner must be 1 to 40 characters"},
	    {"[default]\nbanner = 0123456789012345678901234567890123456789X\n", 2,
	     "banner must be"},
	    {"api_url = https://x.example\n", 1, "outside a [default]"},
	    {"[default]\n[profiles x]\ntimeout = 5\n", 3, "unknown section [profiles x]"},
	    {"[default]\nthis line has no equals sign\n", 2, "not a [section] or KEY = VALUE"},
	    {"[default]\nkey. = x\n", 2, "key remap"},
	    {"[profile other]\ntimeout = -1\n", 2, "timeout must be"},
	};
	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_case *c, config, bad_files_name_file_and_line)
{
	expect_file_error(c);
}

Test(config, tui_preferences_default_and_per_profile)
{
	struct env e = {{"HOME=/home/op"}};
	struct tc_config *cfg = resolve_ok(tc_config_new(), &e);
	cr_assert_eq(tc_config_esc_delay(cfg), 25);
	cr_assert_eq(tc_config_reveal_timeout(cfg), 30);
	cr_assert_eq(tc_config_theme(cfg), TC_THEME_DEFAULT);
	cr_assert_eq(tc_config_paint(cfg), TC_PAINT_THEME);
	cr_assert_null(tc_config_get(cfg, TC_CFG_BANNER));
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_STATE_DIR), "/home/op/.local/state/trunkctl");
	tc_config_destroy(cfg);
	struct env xdg = {{"HOME=/home/op", "XDG_STATE_HOME=/st"}};
	cfg = resolve_ok(tc_config_new(), &xdg);
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_STATE_DIR), "/st/trunkctl");
	tc_config_destroy(cfg);

	write_file(path,
	           "[default]\nesc_delay = 100\ntheme = light\n"
	           "[profile prod]\nbanner = PRODUCTION ⚠\ncolor = red\nreveal_timeout = 0\n"
	           "theme = dark\n",
	           0644);
	cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	tc_config_set(cfg, TC_CFG_PROFILE, "prod", TC_ORIGIN_FLAG, "--profile", NULL);
	resolve_ok(cfg, &e);
	cr_assert_eq(tc_config_esc_delay(cfg), 100);
	cr_assert_eq(tc_config_reveal_timeout(cfg), 0);
	cr_assert_eq(tc_config_theme(cfg), TC_THEME_DARK);
	cr_assert_eq(tc_config_paint(cfg), TC_PAINT_RED);
	/* A colour name is also auto: the terminal decides whether there are colours. */
	cr_assert_eq(tc_config_color(cfg), TC_COLOR_AUTO);
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_BANNER), "PRODUCTION ⚠");
	tc_config_destroy(cfg);

	/*
	 * NO_COLOR only changes the default (no-color.org): the profile's colour
	 * stays, an auto the TUI then draws without colour; the banner stays.
	 */
	struct env nc = {{"HOME=/home/op", "NO_COLOR=1"}};
	cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	tc_config_set(cfg, TC_CFG_PROFILE, "prod", TC_ORIGIN_FLAG, "--profile", NULL);
	resolve_ok(cfg, &nc);
	cr_assert_eq(tc_config_color(cfg), TC_COLOR_AUTO);
	cr_assert_eq(tc_config_paint(cfg), TC_PAINT_RED);
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_BANNER), "PRODUCTION ⚠");
	tc_config_destroy(cfg);
}

Test(config, no_color_changes_only_the_default)
{
	write_file(path, "[default]\ncolor = always\n", 0644);
	struct env nc = {{"HOME=/home/op", "NO_COLOR=1"}};
	/* Alone, NO_COLOR makes the default never. */
	struct tc_config *cfg = tc_config_new();
	resolve_ok(cfg, &nc);
	cr_assert_eq(tc_config_color(cfg), TC_COLOR_NEVER);
	cr_assert_str_eq(tc_config_where(cfg, TC_CFG_COLOR), "NO_COLOR");
	tc_config_destroy(cfg);
	/* color = always in the file outranks it. */
	cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	resolve_ok(cfg, &nc);
	cr_assert_eq(tc_config_color(cfg), TC_COLOR_ALWAYS);
	tc_config_destroy(cfg);
	/* --no-color outranks the file. */
	cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	tc_config_set(cfg, TC_CFG_COLOR, "never", TC_ORIGIN_FLAG, "--no-color", NULL);
	resolve_ok(cfg, &nc);
	cr_assert_eq(tc_config_color(cfg), TC_COLOR_NEVER);
	cr_assert_str_eq(tc_config_where(cfg, TC_CFG_COLOR), "--no-color");
	tc_config_destroy(cfg);
}

Test(config, missing_profile_section_is_an_error)
{
	write_file(path, layered, 0644);
	struct tc_config *cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	tc_config_set(cfg, TC_CFG_PROFILE, "prod", TC_ORIGIN_FLAG, "--profile", NULL);
	struct env e = {{NULL}};
	char msg[512];
	cr_assert_eq(resolve_err(cfg, &e, msg, sizeof(msg)), TC_CONFIG);
	cr_assert(strstr(msg, "[profile prod]"), "%s", msg);
	tc_config_destroy(cfg);
}

Test(config, named_file_must_exist_default_need_not)
{
	struct tc_config *cfg = tc_config_new();
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/nope", dir);
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, missing, TC_ORIGIN_FLAG, "--config", NULL);
	struct env e = {{NULL}};
	char msg[512];
	cr_assert_eq(resolve_err(cfg, &e, msg, sizeof(msg)), TC_CONFIG);
	cr_assert(strstr(msg, missing), "%s", msg);
	tc_config_destroy(cfg);

	char home[160];
	snprintf(home, sizeof(home), "XDG_CONFIG_HOME=%s", dir);
	struct env e2 = {{home}};
	cfg = resolve_ok(tc_config_new(), &e2);
	cr_assert_null(tc_config_get(cfg, TC_CFG_CONFIG_FILE));
	tc_config_destroy(cfg);
}

Test(config, bad_flag_values_name_the_flag)
{
	struct tc_config *cfg = tc_config_new();
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_config_set(cfg, TC_CFG_AUTH, "oauth", TC_ORIGIN_FLAG, "--auth", &err),
	             TC_CONFIG);
	cr_assert_str_eq(err.message, "--auth: auth must be bearer or basic (got \"oauth\")");
	cr_assert_eq(tc_config_set(cfg, TC_CFG_PROFILE, "a b", TC_ORIGIN_FLAG, "--profile", &err),
	             TC_CONFIG);
	tc_error_clear(&err);
	tc_config_destroy(cfg);
}

/* ---- tokens ---- */

static struct tc_config *with_token_file(const char *file_text, mode_t mode)
{
	char tpath[160];
	snprintf(tpath, sizeof(tpath), "%s/token", dir);
	write_file(tpath, file_text, mode);
	struct tc_config *cfg = tc_config_new();
	cr_assert_eq(
	    tc_config_set(cfg, TC_CFG_TOKEN_FILE, tpath, TC_ORIGIN_FLAG, "--token-file", NULL),
	    TC_OK);
	return cfg;
}

/* The token cfg resolved to: where it came from and its value. */
static void expect_token(struct tc_config *cfg, enum tc_token_source source, const char *where,
                         const char *value)
{
	cr_assert_eq(tc_config_token_source(cfg), source);
	cr_assert_str_eq(tc_config_token_where(cfg), where);
	const char *token = NULL;
	cr_assert_eq(tc_config_token(cfg, &token, NULL), TC_OK);
	cr_assert_str_eq(token, value);
}

Test(config, token_file_is_read_and_trimmed)
{
	struct tc_config *cfg = with_token_file("  s3cret-token\n", 0600);
	struct env e = {{"TRUNKCTL_API_TOKEN=from-env"}};
	resolve_ok(cfg, &e);
	expect_token(cfg, TC_TOKEN_FILE, "--token-file", "s3cret-token");
	tc_config_destroy(cfg);
}

Test(config, open_token_file_is_refused_with_the_fix)
{
	mode_t modes[] = {0644, 0640, 0604, 0620};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct tc_config *cfg = with_token_file("tok\n", modes[i]);
		const char *token = NULL;
		struct tc_error err;
		tc_error_init(&err);
		cr_assert_eq(tc_config_token(cfg, &token, &err), TC_SECURITY);
		cr_assert_null(token);
		char fix[200];
		snprintf(fix, sizeof(fix), "chmod 600 %s/token", dir);
		cr_assert(strstr(err.message, fix), "%s", err.message);
		cr_assert_null(strstr(err.message, "tok\n"));
		tc_error_clear(&err);
		tc_config_destroy(cfg);
	}
}

Test(config, token_file_with_two_lines_is_refused)
{
	struct tc_config *cfg = with_token_file("one\ntwo\n", 0600);
	const char *token = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_config_token(cfg, &token, &err), TC_CONFIG);
	cr_assert(strstr(err.message, "one line"));
	cr_assert_null(strstr(err.message, "two"));
	tc_config_destroy(cfg);
}

Test(config, environment_token_beats_file_settings)
{
	char text[256];
	snprintf(text, sizeof(text), "[default]\ntoken_command = echo from-command\n");
	write_file(path, text, 0644);
	char cfgenv[160];
	snprintf(cfgenv, sizeof(cfgenv), "TRUNKCTL_CONFIG=%s", path);
	struct env e = {{cfgenv, "TRUNKCTL_API_TOKEN=from-env"}};
	struct tc_config *cfg = resolve_ok(tc_config_new(), &e);
	expect_token(cfg, TC_TOKEN_VALUE, "TRUNKCTL_API_TOKEN", "from-env");
	tc_config_destroy(cfg);
}

static enum tc_status command_token(const char *command, const char **token, char *msg, size_t size,
                                    struct tc_config **out)
{
	char text[512];
	snprintf(text, sizeof(text), "[default]\ntoken_command = %s\n", command);
	write_file(path, text, 0644);
	char cfgenv[160];
	snprintf(cfgenv, sizeof(cfgenv), "TRUNKCTL_CONFIG=%s", path);
	struct env e = {{cfgenv}};
	*out = resolve_ok(tc_config_new(), &e);
	cr_assert_eq(tc_config_token_source(*out), TC_TOKEN_COMMAND);
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc = tc_config_token(*out, token, &err);
	snprintf(msg, size, "%s", err.message);
	tc_error_clear(&err);
	return rc;
}

Test(config, token_command_output_is_the_token)
{
	struct tc_config *cfg;
	const char *token = NULL;
	char msg[512];
	cr_assert_eq(command_token("printf '  cmd-token\\n\\n'", &token, msg, sizeof(msg), &cfg),
	             TC_OK, "%s", msg);
	cr_assert_str_eq(token, "cmd-token");
	tc_config_destroy(cfg);
}

Test(config, failing_or_silent_token_command_is_an_error)
{
	struct tc_config *cfg;
	const char *token = NULL;
	char msg[512];
	cr_assert_eq(command_token("echo leaked; exit 3", &token, msg, sizeof(msg), &cfg),
	             TC_CONFIG);
	cr_assert(strstr(msg, "exit status 3"), "%s", msg);
	cr_assert_null(strstr(msg, "leaked"));
	tc_config_destroy(cfg);
	cr_assert_eq(command_token("true", &token, msg, sizeof(msg), &cfg), TC_CONFIG);
	cr_assert(strstr(msg, "one line"), "%s", msg);
	tc_config_destroy(cfg);
	cr_assert_eq(command_token("kill -TERM $$", &token, msg, sizeof(msg), &cfg), TC_CONFIG);
	cr_assert(strstr(msg, "signal"), "%s", msg);
	tc_config_destroy(cfg);
}

Test(config, token_file_and_command_in_one_section_are_ambiguous)
{
	write_file(path, "[default]\ntoken_file = /x\ntoken_command = echo y\n", 0644);
	char cfgenv[160];
	snprintf(cfgenv, sizeof(cfgenv), "TRUNKCTL_CONFIG=%s", path);
	struct env e = {{cfgenv}};
	struct tc_config *cfg = tc_config_new();
	char msg[512];
	cr_assert_eq(resolve_err(cfg, &e, msg, sizeof(msg)), TC_CONFIG);
	cr_assert(strstr(msg, "not both"), "%s", msg);
	tc_config_destroy(cfg);
}

Test(config, profile_command_beats_default_file)
{
	write_file(
	    path,
	    "[default]\ntoken_file = /nonexistent\n[profile ci]\ntoken_command = echo ci-tok\n",
	    0644);
	char cfgenv[160];
	snprintf(cfgenv, sizeof(cfgenv), "TRUNKCTL_CONFIG=%s", path);
	struct env e = {{cfgenv, "TRUNKCTL_PROFILE=ci"}};
	struct tc_config *cfg = resolve_ok(tc_config_new(), &e);
	const char *token = NULL;
	cr_assert_eq(tc_config_token(cfg, &token, NULL), TC_OK);
	cr_assert_str_eq(token, "ci-tok");
	tc_config_destroy(cfg);
}

Test(config, metadata_covers_every_key)
{
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		cr_assert_not_null(tc_config_key_name(k));
		cr_assert_not_null(tc_config_key_help(k));
	}
	cr_assert_str_eq(tc_config_key_env(TC_CFG_API_URL), "TRUNKCTL_API_URL");
	cr_assert_str_eq(tc_config_key_flag(TC_CFG_TOKEN_FILE), "--token-file");
	cr_assert_null(tc_config_key_flag(TC_CFG_TOKEN_COMMAND));
	tc_config_destroy(NULL);
}

Test(config, tilde_in_paths_is_home)
{
	write_file(path, "[default]\ntoken_file = ~/tok\nca_file = ~/ca.pem\ntoken_command = ~/x\n",
	           0644);
	char cfgenv[160];
	snprintf(cfgenv, sizeof(cfgenv), "TRUNKCTL_CONFIG=%s", path);
	struct env e = {{cfgenv, "HOME=/home/op"}};
	struct tc_config *cfg = tc_config_new();
	char msg[512];
	/* token_file and token_command together are refused, but the paths are read first. */
	cr_assert_eq(resolve_err(cfg, &e, msg, sizeof(msg)), TC_CONFIG);
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_TOKEN_FILE), "/home/op/tok");
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_CA_FILE), "/home/op/ca.pem");
	cr_assert_str_eq(tc_config_get(cfg, TC_CFG_TOKEN_COMMAND), "~/x");
	tc_config_destroy(cfg);
}

/* Each would hang the open or feed the parser forever; refused at once instead. */
Test(config, a_config_that_is_not_a_regular_file_is_refused_at_once)
{
	char fifo[160];
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	const char *paths[] = {fifo, dir, "/dev/zero"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		struct tc_config *cfg = tc_config_new();
		tc_config_set(cfg, TC_CFG_CONFIG_FILE, paths[i], TC_ORIGIN_FLAG, "--config", NULL);
		struct env e = {{"HOME=/home/op"}};
		char msg[512];
		cr_assert_eq(resolve_err(cfg, &e, msg, sizeof(msg)), TC_CONFIG, "%s", paths[i]);
		cr_assert(strstr(msg, paths[i]) && strstr(msg, "not a regular file"), "%s", msg);
		tc_config_destroy(cfg);
	}
}

Test(config, a_token_file_that_is_a_fifo_is_refused_at_once)
{
	char fifo[160];
	snprintf(fifo, sizeof(fifo), "%s/token-fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	struct tc_config *cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_TOKEN_FILE, fifo, TC_ORIGIN_FLAG, "--token-file", NULL);
	struct env e = {{"HOME=/home/op"}};
	resolve_ok(cfg, &e);
	const char *token = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_config_token(cfg, &token, &err), TC_CONFIG);
	cr_assert(strstr(err.message, "not a regular file"), "%s", err.message);
	tc_error_clear(&err);
	tc_config_destroy(cfg);
}

Test(config, without_home_the_data_dir_is_still_absolute)
{
	struct env e = {{NULL}};
	struct tc_config *cfg = resolve_ok(tc_config_new(), &e);
	const char *data = tc_config_get(cfg, TC_CFG_DATA_DIR);
	cr_assert(data && data[0] == '/', "%s", data ? data : "(none)");
	cr_assert(strstr(data, "/.local/share/trunkctl/default"), "%s", data);
	tc_config_destroy(cfg);
}

Test(config, without_home_a_tilde_path_is_still_absolute)
{
	write_file(path, "[default]\ntoken_file = ~/token\n", 0600);
	struct tc_config *cfg = tc_config_new();
	tc_config_set(cfg, TC_CFG_CONFIG_FILE, path, TC_ORIGIN_FLAG, "--config", NULL);
	struct env e = {{NULL}};
	resolve_ok(cfg, &e);
	const char *token_file = tc_config_get(cfg, TC_CFG_TOKEN_FILE);
	cr_assert(token_file && token_file[0] == '/', "%s", token_file ? token_file : "(none)");
	tc_config_destroy(cfg);
}
