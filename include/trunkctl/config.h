/*
 * Effective settings: the configuration file (libinih), the environment and
 * the command-line flags, layered by precedence, with the origin of each
 * value recorded so `trunkctl config` can say where it came from.
 *
 * Precedence, highest first: flag, environment, [profile NAME] section,
 * [default] section, built-in default. tc_config_set only replaces a value
 * of lower or equal rank, so the layers may be applied in any order; the
 * front end applies flags first because they name the profile and the file.
 *
 * The core never reads argv: the front end parses flags and hands each one
 * to tc_config_set. The environment is read through a caller-supplied
 * lookup so tests need not touch the process environment.
 *
 * A struct tc_config is not thread-safe; build it on one thread, then treat
 * it as read-only. The token is held only in memory, never printed.
 */
#ifndef TRUNKCTL_CONFIG_H
#define TRUNKCTL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"
#include "trunkctl/service.h"

/*
 * A setting's command-line flag. The front end builds its global options
 * from these (name, short name, argument, help line) and hands a given flag
 * to tc_config_set: a switch with its value, any other flag with its
 * argument.
 */
struct tc_config_flag {
	const char *name;  /* "--api-url" */
	char short_name;   /* 0: none */
	const char *arg;   /* the argument's name in help; NULL: a switch */
	const char *value; /* what a switch sets */
	const char *help;  /* the flag's line in --help */
};

#define TC_FLAG(name, short_name, arg, help)                                                       \
	(&(const struct tc_config_flag){name, short_name, arg, NULL, help})
#define TC_SWITCH(name, short_name, value, help)                                                   \
	(&(const struct tc_config_flag){name, short_name, NULL, value, help})
#define TC_NO_FLAG NULL

/*
 * The settings, the one list of them and of the flags that set them: enum
 * suffix, file key (NULL: not a file key), environment variable (NULL:
 * none), flag (TC_FLAG, TC_SWITCH or TC_NO_FLAG), one line of help for
 * `trunkctl config` and the man pages.
 */
#define TC_CONFIG_KEYS(_)                                                                          \
	_(PROFILE, NULL, "TRUNKCTL_PROFILE",                                                       \
	  TC_FLAG("--profile", 'p', "NAME", "use the [profile NAME] section (default: default)"),  \
	  "profile section in use")                                                                \
	_(CONFIG_FILE, NULL, "TRUNKCTL_CONFIG",                                                    \
	  TC_FLAG("--config", 0, "FILE", "configuration file"), "configuration file")              \
	_(API_URL, "api_url", "TRUNKCTL_API_URL",                                                  \
	  TC_FLAG("--api-url", 0, "URL", "Carrier API base URL"), "Carrier API base URL")          \
	_(TOKEN_FILE, "token_file", NULL,                                                          \
	  TC_FLAG("--token-file", 0, "PATH",                                                       \
	          "read the API token from PATH (mode 0600; - for stdin)"),                        \
	  "file holding the API token")                                                            \
	_(TOKEN_COMMAND, "token_command", NULL, TC_NO_FLAG, "command printing the API token")      \
	_(AUTH, "auth", NULL, TC_FLAG("--auth", 0, "SCHEME", "bearer (default) or basic"),         \
	  "bearer or basic")                                                                       \
	_(RESOLVE, "resolve", NULL,                                                                \
	  TC_FLAG("--resolve", 0, "HOST:PORT:ADDR", "connect to ADDR for HOST:PORT; repeatable"),  \
	  "HOST:PORT:ADDR overrides, as curl's")                                                   \
	_(CA_FILE, "ca_file", NULL, TC_NO_FLAG, "CA bundle for TLS")                               \
	_(TIMEOUT, "timeout", NULL, TC_NO_FLAG, "seconds per request")                             \
	_(PAGE_SIZE, "page_size", NULL, TC_NO_FLAG, "trunks per page when pulling (1-100)")        \
	_(CONNECTIONS, "connections", NULL, TC_NO_FLAG, "requests at once when pushing (1-16)")    \
	_(READ_ONLY, "read_only", NULL,                                                            \
	  TC_SWITCH("--read-only", 0, "true", "refuse every change"), "refuse every change")       \
	_(OFFLINE, "offline", NULL,                                                                \
	  TC_SWITCH("--offline", 0, "true", "never touch the network; changes stay queued"),       \
	  "never touch the network")                                                               \
	_(ALLOW_HTTP, "allow_http", NULL,                                                          \
	  TC_SWITCH("--allow-http", 0, "true",                                                     \
	            "allow http:// to a host off this machine (the token goes in clear)"),         \
	  "plain http:// to a host off this machine")                                              \
	_(REGIONS, "regions", NULL, TC_NO_FLAG, "the carrier's region aliases")                    \
	_(COLOR, "color", "NO_COLOR",                                                              \
	  TC_SWITCH("--no-color", 0, "never", "no colours in the TUI"),                            \
	  "auto, always, never, or the header's colour (red, yellow, green, blue, magenta, cyan, " \
	  "none)")                                                                                 \
	_(BANNER, "banner", NULL, TC_NO_FLAG, "text in the TUI's header, e.g. PRODUCTION")         \
	_(THEME, "theme", NULL, TC_NO_FLAG, "TUI colours: default, light or dark")                 \
	_(ESC_DELAY, "esc_delay", NULL, TC_NO_FLAG,                                                \
	  "milliseconds the TUI waits after Esc for the rest of a key (0-1000)")                   \
	_(REVEAL_TIMEOUT, "reveal_timeout", NULL, TC_NO_FLAG,                                      \
	  "seconds a revealed password stays shown (0: until hidden)")                             \
	_(DATA_DIR, "data_dir", "TRUNKCTL_DATA_DIR",                                               \
	  TC_FLAG("--data-dir", 0, "DIR", "directory of the local store"),                         \
	  "directory of the local store")                                                          \
	_(STATE_DIR, "state_dir", NULL, TC_NO_FLAG,                                                \
	  "directory where the TUI remembers each profile's list")                                 \
	_(VERBOSE, "verbose", NULL,                                                                \
	  TC_SWITCH("--verbose", 'v', "true", "trace HTTP on stderr, secrets redacted"),           \
	  "HTTP trace on stderr, secrets redacted")

enum tc_config_key {
#define TC_CONFIG_ENUM(name, key, env, flag, help) TC_CFG_##name,
	TC_CONFIG_KEYS(TC_CONFIG_ENUM)
#undef TC_CONFIG_ENUM
	    TC_CFG_COUNT
};

/* Ranks, lowest first. */
enum tc_config_origin {
	TC_ORIGIN_DEFAULT,
	TC_ORIGIN_FILE_DEFAULT, /* [default] section */
	TC_ORIGIN_FILE_PROFILE, /* [profile NAME] section */
	TC_ORIGIN_ENV,
	TC_ORIGIN_FLAG,
};

enum tc_color_mode { TC_COLOR_AUTO, TC_COLOR_ALWAYS, TC_COLOR_NEVER };

/*
 * The header's colour, a value of `color` that also means auto: a profile
 * painted red cannot be taken for another. The names, in the order of the
 * enum after TC_PAINT_THEME (the theme's own header).
 */
#define TC_PAINT_NAMES(_)                                                                          \
	_(RED, "red")                                                                              \
	_(YELLOW, "yellow")                                                                        \
	_(GREEN, "green") _(BLUE, "blue") _(MAGENTA, "magenta") _(CYAN, "cyan") _(NONE, "none")
enum tc_paint {
	TC_PAINT_THEME,
#define TC_PAINT_ENUM(id, name) TC_PAINT_##id,
	TC_PAINT_NAMES(TC_PAINT_ENUM)
#undef TC_PAINT_ENUM
	    TC_PAINT_COUNT
};

enum tc_theme { TC_THEME_DEFAULT, TC_THEME_LIGHT, TC_THEME_DARK };

struct tc_config;

/* The environment lookup: returns the value of name or NULL. */
typedef const char *(*tc_getenv_fn)(const char *name, void *ctx);

/* NULL on allocation failure. */
struct tc_config *tc_config_new(void);
void tc_config_destroy(struct tc_config *cfg); /* accepts NULL; wipes the token */

/* Metadata of the table above. */
const char *tc_config_key_name(enum tc_config_key key); /* file key, or "profile"/"config" */
const char *tc_config_key_env(enum tc_config_key key);  /* NULL when none */
const char *tc_config_key_flag(enum tc_config_key key); /* NULL when none */
const struct tc_config_flag *tc_config_key_flag_info(enum tc_config_key key); /* NULL: none */
const char *tc_config_key_help(enum tc_config_key key);

/*
 * Records value for key from origin; where names the source for messages
 * and `trunkctl config` ("--api-url", "TRUNKCTL_API_URL", "FILE:LINE").
 * The value is checked (TC_CONFIG, with where in the message, when bad).
 * A value of lower rank than the current one is checked, then ignored.
 * RESOLVE accumulates: values of the same rank append, a higher rank
 * replaces the list. Returns TC_OK, TC_CONFIG or TC_NOMEM.
 */
enum tc_status tc_config_set(struct tc_config *cfg, enum tc_config_key key, const char *value,
                             enum tc_config_origin origin, const char *where, struct tc_error *err);

/*
 * Reads the settings the environment names (TRUNKCTL_PROFILE,
 * TRUNKCTL_CONFIG, TRUNKCTL_API_URL, TRUNKCTL_DATA_DIR, NO_COLOR) and the
 * token in TRUNKCTL_API_TOKEN. getenv may be NULL for an empty environment.
 */
enum tc_status tc_config_apply_env(struct tc_config *cfg, tc_getenv_fn getenv_fn, void *ctx,
                                   struct tc_error *err);

/*
 * Reads the configuration file: the one set (by flag or environment), else
 * $XDG_CONFIG_HOME/trunkctl/config (~/.config when unset). A missing default
 * file is no error; a missing named file is. The [default] section and, when
 * the profile is not "default", its [profile NAME] section apply; a profile
 * with no section is an error. Unknown keys, bad values and malformed lines
 * are TC_CONFIG errors naming the file and line. Key remaps (key.ACTION = KEY)
 * are stored for the TUI, which checks the actions.
 */
enum tc_status tc_config_load_file(struct tc_config *cfg, tc_getenv_fn getenv_fn, void *ctx,
                                   struct tc_error *err);

/*
 * Fills what is still unset: data_dir becomes $XDG_DATA_HOME/trunkctl/PROFILE
 * (~/.local/share when unset), state_dir $XDG_STATE_HOME/trunkctl
 * (~/.local/state; left unset when there is no home: nothing is remembered).
 * Call after the other layers.
 */
enum tc_status tc_config_apply_defaults(struct tc_config *cfg, tc_getenv_fn getenv_fn, void *ctx,
                                        struct tc_error *err);

/* apply_env, load_file and apply_defaults in turn. */
enum tc_status tc_config_resolve(struct tc_config *cfg, tc_getenv_fn getenv_fn, void *ctx,
                                 struct tc_error *err);

/* ---- reading ---- */

/* The text of a setting, NULL when unset. RESOLVE: the entries joined by ", ". */
const char *tc_config_get(const struct tc_config *cfg, enum tc_config_key key);
enum tc_config_origin tc_config_origin(const struct tc_config *cfg, enum tc_config_key key);
/* Where the value came from ("default", "--api-url", "FILE:LINE", "TRUNKCTL_API_URL"). */
const char *tc_config_where(const struct tc_config *cfg, enum tc_config_key key);

/* The [profile NAME] sections of the configuration file, in file order ("default" aside). */
size_t tc_config_profile_name_count(const struct tc_config *cfg);
const char *tc_config_profile_name_at(const struct tc_config *cfg, size_t i);

/*
 * The configuration file in effect: the one named, else the default path
 * load_file looked for, even when no file is there (so a message can say
 * where to create it). NULL before load_file.
 */
const char *tc_config_file_path(const struct tc_config *cfg);
/*
 * What to tell an operator who has no API URL: the profile, the file and its
 * section, TRUNKCTL_API_URL, --api-url and --sandbox. One line, no newline.
 */
void tc_config_no_api_hint(const struct tc_config *cfg, char *buf, size_t size);

const char *tc_config_profile(const struct tc_config *cfg); /* "default" unless set */
bool tc_config_read_only(const struct tc_config *cfg);
bool tc_config_offline(const struct tc_config *cfg);
bool tc_config_verbose(const struct tc_config *cfg);
/* The operator's consent to send the token in clear over http:// off loopback. */
bool tc_config_allow_http(const struct tc_config *cfg);
enum tc_auth_scheme tc_config_auth(const struct tc_config *cfg);
enum tc_color_mode tc_config_color(const struct tc_config *cfg);
long tc_config_timeout(const struct tc_config *cfg);     /* seconds, default 30 */
long tc_config_page_size(const struct tc_config *cfg);   /* default 100 */
long tc_config_connections(const struct tc_config *cfg); /* default 8 */
enum tc_paint tc_config_paint(const struct tc_config *cfg);
enum tc_theme tc_config_theme(const struct tc_config *cfg);
long tc_config_esc_delay(const struct tc_config *cfg);      /* ms, default 25 */
long tc_config_reveal_timeout(const struct tc_config *cfg); /* s, default 30; 0: never */

/* The resolve entries, in order. */
size_t tc_config_resolve_count(const struct tc_config *cfg);
const char *tc_config_resolve_at(const struct tc_config *cfg, size_t i);
/* The region aliases of `regions`; none when unset (the default regions apply). */
size_t tc_config_region_count(const struct tc_config *cfg);
const char *tc_config_region_at(const struct tc_config *cfg, size_t i);

/* Key remaps in file order: key.ACTION = KEY. where is "FILE:LINE". */
struct tc_config_keymap {
	const char *action;
	const char *key;
	const char *where;
};
size_t tc_config_keymap_count(const struct tc_config *cfg);
const struct tc_config_keymap *tc_config_keymap_at(const struct tc_config *cfg, size_t i);

/* ---- the token ---- */

/*
 * Where the token comes from: the highest-ranked of --token-file /
 * token_file, token_command and TRUNKCTL_API_TOKEN. token_file and
 * token_command at the same rank is a TC_CONFIG error.
 */
enum tc_token_source {
	TC_TOKEN_NONE,
	TC_TOKEN_FILE,
	TC_TOKEN_COMMAND,
	TC_TOKEN_VALUE, /* TRUNKCTL_API_TOKEN, or the sandbox's own */
};
enum tc_token_source tc_config_token_source(const struct tc_config *cfg);
/*
 * Where the token comes from, for `trunkctl config` and messages:
 * "--token-file", "FILE:LINE" or "TRUNKCTL_API_TOKEN"; never the token.
 */
const char *tc_config_token_where(const struct tc_config *cfg);

/*
 * Loads the token from its source, once; later calls return the same text.
 * A token file readable or writable by group or others is refused
 * (TC_SECURITY) with the `chmod 600 PATH` that fixes it. The path "-" is
 * the first line of standard input, the rest left unread; a terminal there
 * is TC_CONFIG. token_command runs
 * through /bin/sh -c with stdin closed; its stdout, trimmed, is the token;
 * a non-zero exit, a signal or empty output is TC_CONFIG. No source is
 * TC_AUTH ("no API token"). *token stays owned by cfg.
 */
enum tc_status tc_config_token(struct tc_config *cfg, const char **token, struct tc_error *err);

/*
 * Fills opts for tc_service_open from the effective settings. The pointers
 * point into cfg, which must outlive the tc_service_open call. The token is
 * loaded (tc_config_token) only when with_token is set and an api_url is
 * configured and the profile is not offline; its errors are returned.
 */
enum tc_status tc_config_service_options(struct tc_config *cfg, bool with_token,
                                         struct tc_service_options *opts, struct tc_error *err);

/* Accepts a literal token (the sandbox); origin and where as tc_config_set. */
enum tc_status tc_config_set_token(struct tc_config *cfg, const char *token,
                                   enum tc_config_origin origin, const char *where,
                                   struct tc_error *err);

#endif
