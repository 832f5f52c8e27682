/*
 * The ncurses front end. ui/main.c calls tui_run when no command is given;
 * the CLI's config parser calls tui_binding_check for every key.<action> entry.
 */
#ifndef TUI_TUI_H
#define TUI_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/config.h"
#include "trunkctl/error.h"
#include "trunkctl/records.h"

struct tc_service;

/* One key.<action> = <keys> entry of the configuration. */
struct tui_binding {
	const char *action; /* e.g. "delete" */
	const char *keys;   /* e.g. "d F8", or "none" */
};

struct tui_options {
	enum tc_color_mode color; /* the color setting; auto also reads NO_COLOR */
	bool ascii;               /* --ascii: ASCII line drawing even in a UTF-8 locale */
	bool read_only;           /* refuse changes (the service refuses them too when opened so) */
	/* Where offline / read_only were set ("--offline", "FILE:LINE"); NULL when not set. */
	const char *offline_where;
	const char *read_only_where;
	/* What to say when a sync is asked for with no API URL (tc_config_no_api_hint); required.
	 */
	const char *no_api_hint;
	const char *profile;   /* header label; NULL: the service's profile */
	const char *api_host;  /* header label; NULL: the service's API host */
	struct tc_clock clock; /* the clock the service was opened with (ages in the header) */
	const char *banner;    /* the profile's banner in the header; NULL: none */
	enum tc_paint paint;   /* the header's colour */
	enum tc_theme theme;
	int esc_delay_ms;      /* how long a lone Esc waits for the rest of a key */
	long reveal_timeout_s; /* a shown password hides again after this; 0: never */
	/* The profile's state file (trunkctl/view_state.h); NULL: nothing is remembered. */
	const char *state_path;
	const struct tui_binding *bindings;
	size_t binding_count;
};

/*
 * Runs the interface until the operator quits. svc is borrowed; the TUI
 * starts a background sync just after its first screen when the service is
 * online. Needs a terminal on stdin and stdout, and the locale's LC_CTYPE
 * set (setlocale) by the caller. TRUNKCTL_TEST_HOOKS=1 in the environment
 * makes every finished repaint announce itself as the terminal title
 * "idle:N" (the end-to-end tests wait on it), and makes ESC [ 9 9 9 9 ~ a
 * key that moves the TUI's clock ten seconds on (what time does is tested
 * without waiting for it). Returns the process exit status
 * (0, or 1 with a sentence on stderr when the terminal cannot be used).
 */
int tui_run(struct tc_service *svc, const struct tui_options *opts);

/*
 * Whether `key.<action> = <keys>` is valid: a known action and known key
 * names. TC_OK, or TC_USAGE with a sentence in err.
 */
enum tc_status tui_binding_check(const char *action, const char *keys, struct tc_error *err);

#endif
