/* Entry point: with no command the TUI, with a command the CLI. */
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sandbox.h"
#include "trunkctl/config.h"
#include "trunkctl/service.h"
#include "trunkctl/view_state.h"
#include "tui/tui.h"

/* The signal that interrupted a sandboxed command, re-raised after cleanup. */
static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
	/* A read of stdin that starts after the signal must not wait for input either. */
	close(STDIN_FILENO);
}

/*
 * While a command runs on the sandbox, SIGINT, SIGTERM and SIGHUP interrupt
 * it (no SA_RESTART: a blocked read returns) so the fake is stopped and the
 * throwaway directory removed before the signal takes effect.
 */
static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * A core dump holds the API token and any revealed SIP password, in a file
 * that outlives the process and is often collected by a crash reporter. Not
 * dumpable also keeps other processes of the same user from attaching with
 * ptrace and reading them. The soft limit only: a child (token_command,
 * $EDITOR) may raise its own.
 */
static void no_core_dumps(void)
{
	const char *allow = getenv("TRUNKCTL_ALLOW_CORE_DUMPS");
	if (allow && strcmp(allow, "1") == 0)
		return;
	struct rlimit rl;
	if (getrlimit(RLIMIT_CORE, &rl) == 0) {
		rl.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &rl);
	}
	prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L);
}

/*
 * The locale's categories trunkctl uses: character classes and widths (the
 * terminal, the filter's regular expressions), collation (their bracket
 * ranges) and the system's messages (strerror). Nothing formats a number or
 * a date by the locale, and loading every category, each from its own file
 * where there is no locale archive, delayed the first screen.
 */
static void use_locale(void)
{
	setlocale(LC_CTYPE, "");
	setlocale(LC_COLLATE, "");
	setlocale(LC_MESSAGES, "");
}

static const char *process_env(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* The key remaps of the configuration, checked against the TUI's action table. */
static enum tc_status check_bindings(const struct tc_config *cfg, struct tc_error *err)
{
	for (size_t i = 0; i < tc_config_keymap_count(cfg); i++) {
		const struct tc_config_keymap *km = tc_config_keymap_at(cfg, i);
		struct tc_error one;
		tc_error_init(&one);
		enum tc_status rc = tui_binding_check(km->action, km->key, &one);
		if (rc != TC_OK) {
			tc_error_set(err, TC_CONFIG, "%s: key.%s: %s", km->where, km->action,
			             one.message);
			tc_error_clear(&one);
			return TC_CONFIG;
		}
		tc_error_clear(&one);
	}
	return TC_OK;
}

static int run_tui(const struct cli_args *a, struct tc_config *cfg)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_service_options so;
	struct tc_service *svc = NULL;
	struct tui_binding *bindings = calloc(tc_config_keymap_count(cfg) + 1, sizeof(*bindings));
	enum tc_status rc = bindings ? tc_config_service_options(cfg, true, &so, &err) : TC_NOMEM;
	if (rc == TC_OK)
		rc = tc_service_open(&so, &svc, &err);
	if (rc != TC_OK) {
		if (err.status == TC_OK)
			tc_error_set(&err, rc, NULL);
		cli_print_error(&err);
		tc_error_clear(&err);
		free(bindings);
		return cli_exit_for(rc);
	}
	for (size_t i = 0; i < tc_config_keymap_count(cfg); i++) {
		bindings[i].action = tc_config_keymap_at(cfg, i)->action;
		bindings[i].keys = tc_config_keymap_at(cfg, i)->key;
	}
	char state_path[PATH_MAX] = "";
	const char *state_dir = tc_config_get(cfg, TC_CFG_STATE_DIR);
	if (state_dir &&
	    !tc_view_state_path(state_dir, tc_config_profile(cfg), state_path, sizeof(state_path)))
		state_path[0] = '\0';
	char no_api_hint[512];
	tc_config_no_api_hint(cfg, no_api_hint, sizeof(no_api_hint));
	struct tui_options to = {
	    .color = tc_config_color(cfg),
	    .ascii = a->given[CLI_OPT_ASCII],
	    .read_only = tc_config_read_only(cfg),
	    .offline_where = tc_config_offline(cfg) ? tc_config_where(cfg, TC_CFG_OFFLINE) : NULL,
	    .read_only_where =
	        tc_config_read_only(cfg) ? tc_config_where(cfg, TC_CFG_READ_ONLY) : NULL,
	    .no_api_hint = no_api_hint,
	    .profile = tc_config_profile(cfg),
	    .banner = tc_config_get(cfg, TC_CFG_BANNER),
	    .paint = tc_config_paint(cfg),
	    .theme = tc_config_theme(cfg),
	    .esc_delay_ms = (int)tc_config_esc_delay(cfg),
	    .reveal_timeout_s = tc_config_reveal_timeout(cfg),
	    .state_path = state_path[0] ? state_path : NULL,
	    .bindings = bindings,
	    .binding_count = tc_config_keymap_count(cfg),
	};
	int code = tui_run(svc, &to);
	tc_service_close(svc);
	free(bindings);
	tc_error_clear(&err);
	return code;
}

int main(int argc, char **argv)
{
	no_core_dumps();
	use_locale();
	struct cli_args a;
	int code = cli_parse(argc, argv, &a, stderr);
	if (code != CLI_EXIT_OK) {
		cli_args_free(&a);
		return code;
	}
	if (a.given[CLI_OPT_HELP] || a.given[CLI_OPT_VERSION]) {
		if (a.given[CLI_OPT_HELP])
			cli_help(stdout, a.command);
		else
			printf("trunkctl %s\n", TRUNKCTL_VERSION);
		cli_args_free(&a);
		return CLI_EXIT_OK;
	}
	struct tc_error err;
	tc_error_init(&err);
	struct sandbox sb = {0};
	struct tc_config *cfg = tc_config_new();
	enum tc_status rc = cfg ? cli_apply_globals(&a, cfg, &err) : TC_NOMEM;
	/* A bad flag value is a usage error; a bad file or environment is not. */
	code = rc == TC_OK ? CLI_EXIT_OK : rc == TC_CONFIG ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
	if (rc == TC_OK) {
		rc = tc_config_resolve(cfg, process_env, NULL, &err);
		if (rc == TC_OK)
			rc = check_bindings(cfg, &err);
		if (rc == TC_OK && a.given[CLI_OPT_SANDBOX])
			rc = sandbox_start(&sb, cfg, &err);
		code = cli_exit_for(rc);
	}
	if (rc != TC_OK) {
		if (err.status == TC_OK)
			tc_error_set(&err, rc, NULL);
		cli_print_error(&err);
	} else if (a.command) {
		if (a.given[CLI_OPT_SANDBOX])
			catch_signals();
		code = cli_run(&a, cfg);
	} else {
		code = run_tui(&a, cfg);
	}
	sandbox_stop(&sb);
	tc_config_destroy(cfg);
	tc_error_clear(&err);
	cli_args_free(&a);
	if (caught_signal) {
		signal(caught_signal, SIG_DFL);
		raise(caught_signal);
	}
	return code;
}
