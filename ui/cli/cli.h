/*
 * The command line: option tables, parsing, help, and the commands.
 *
 * Every option is declared once (CLI_OPTION_LIST, or the settings table for
 * the flags that set a setting); `--help`, the parser and the man-page check
 * all read the same tables. Data goes to stdout, messages to stderr. Exit
 * statuses are the contract of trunkctl(1).
 */
#ifndef TRUNKCTL_UI_CLI_H
#define TRUNKCTL_UI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "trunkctl/config.h"
#include "trunkctl/error.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_INVALID = 3,
	CLI_EXIT_AUTH = 4,
	CLI_EXIT_NOT_FOUND = 5,
	CLI_EXIT_QUEUED = 6,
	CLI_EXIT_CONFLICT = 7,
	/*
	 * Something to act on: plan found changes, diff found the profiles
	 * differ, lint found a problem of severity error (0: none).
	 */
	CLI_EXIT_CHANGES = 8,
};

/*
 * The options that are not settings: _(ID, long name, short, argument name
 * or NULL, help). The global options that set a setting come from the
 * settings table, TC_CONFIG_KEYS in trunkctl/config.h.
 */
#define CLI_OPTION_LIST(_)                                                                         \
	_(SANDBOX, "sandbox", 0, NULL, "run against the bundled fake Carrier API and sample data") \
	_(ASCII, "ascii", 0, NULL, "ASCII line drawing in the TUI")                                \
	_(HELP, "help", 'h', NULL, "show help and exit")                                           \
	_(VERSION, "version", 'V', NULL, "show the version and exit")                              \
	_(JSON, "json", 0, NULL, "print JSON")                                                     \
	_(JSONL, "jsonl", 0, NULL, "print JSON Lines: one compact object per line")                \
	_(CSV, "csv", 0, NULL, "print CSV with a header row")                                      \
	_(CSV_RAW, "csv-raw", 0, NULL,                                                             \
	  "CSV for programs: no ' before a cell that starts with = + - @ (see trunkctl(1))")       \
	_(FILTER, "filter", 0, "FILTER",                                                           \
	  "only the trunks FILTER selects (see FILTERS in trunkctl(1))")                           \
	_(SORT, "sort", 0, "FIELD[:desc]", "sort by an attribute, id or sync_state")               \
	_(REFRESH, "refresh", 0, NULL, "pull from the Carrier API first")                          \
	_(REVEAL, "reveal", 0, NULL, "show passwords instead of ********")                         \
	_(RAW, "raw", 0, NULL, "the JSON:API resource the Carrier API last sent, as sent")         \
	_(SET, "set", 0, "KEY=VALUE", "set an attribute; repeatable")                              \
	_(UNSET, "unset", 0, "KEY", "clear an attribute; repeatable")                              \
	_(JSON_INPUT, "json", 0, "FILE|-", "read the attributes from a JSON file (- for stdin)")   \
	_(YES, "yes", 'y', NULL, "do not ask")                                                     \
	_(CONFIRM, "confirm", 0, "NAME|COUNT",                                                     \
	  "confirm by the trunk's name, or with --where by the number of trunks")                  \
	_(WHERE, "where", 0, "FILTER", "the trunks a filter selects (see FILTERS in trunkctl(1))") \
	_(ALL, "all", 0, NULL, "every trunk: an empty --where is refused without it")              \
	_(MODE, "mode", 0, "create|update", "validate as a create (default) or an update")         \
	_(DRY_RUN, "dry-run", 'n', NULL, "show what would happen, change nothing")                 \
	_(KEEP_MINE, "keep-mine", 0, NULL,                                                         \
	  "keep the local value of every conflicting field, or the local delete")                  \
	_(TAKE_THEIRS, "take-theirs", 0, NULL,                                                     \
	  "take the server's value of every conflicting field, or its version of a trunk "         \
	  "deleted here")                                                                          \
	_(FORMAT, "format", 0, "json|csv|yaml", "output format (default json)")                    \
	_(OUTPUT, "output", 'o', "FILE", "write to FILE instead of stdout (created 0600)")         \
	_(FILE, "file", 'f', "FILE|-", "the fleet file: YAML, JSON or CSV as export writes it")    \
	_(PRUNE, "prune", 0, NULL, "also delete the stored trunks the file does not name")         \
	_(PUSH, "push", 0, NULL, "push the staged changes at once")                                \
	_(AGAINST, "against", 0, "PROFILE", "the profile to compare with")                         \
	_(TO, "to", 0, "NUMBER",                                                                   \
	  "the destination number (route), or the called number (--from-ip)")                      \
	_(FROM, "from", 0, "NUMBER", "the caller's number")                                        \
	_(VIA, "via", 0, "ID|NAME", "dial through this trunk whatever the rules say")              \
	_(PINNED, "pinned", 0, "ID|NAME", "as for an account pinned to this trunk")                \
	_(FROM_IP, "from-ip", 0, "IP", "the inbound trunk for a call from IP")                     \
	_(RULE, "rule", 0, "ID", "only the findings of this lint rule")                            \
	_(SERVER, "server", 0, NULL, "only what the server last sent, without queued changes")     \
	_(TOKEN, "token", 0, "TOKEN", NULL)

/*
 * The option ids: first one per setting, equal to its enum tc_config_key
 * (a setting with a flag is a global option, CLI_OPT_CONFIG_FILE is
 * --config), then the options above.
 */
enum cli_opt_id {
#define CLI_OPT_SETTING(name, key, env, flag, help) CLI_OPT_##name = TC_CFG_##name,
	TC_CONFIG_KEYS(CLI_OPT_SETTING)
#undef CLI_OPT_SETTING
#define CLI_OPT_ENUM(id, name, sh, arg, help) CLI_OPT_##id,
	    CLI_OPTION_LIST(CLI_OPT_ENUM)
#undef CLI_OPT_ENUM
	        CLI_OPT_COUNT
};

struct cli_command;

struct cli_strv {
	size_t count;
	const char **items; /* point into argv */
};

/* The parsed command line. Strings point into argv. */
struct cli_args {
	const struct cli_command *command; /* NULL: the TUI */
	bool given[CLI_OPT_COUNT];
	const char *value[CLI_OPT_COUNT]; /* the last value of an option with an argument */
	struct cli_strv resolve, sets, unsets;
	const char *pos[2];
	size_t npos;
	/* a hidden command's words, every one after it, as given */
	char *const *words;
	size_t nwords;
};

/*
 * Parses argv. Global options may appear before or after the command.
 * Returns CLI_EXIT_OK, or CLI_EXIT_USAGE with a sentence on err_out.
 */
int cli_parse(int argc, char **argv, struct cli_args *args, FILE *err_out);
/* Frees what cli_parse allocated; args may then be parsed again. */
void cli_args_free(struct cli_args *args);

/* `trunkctl --help` (command NULL) or `trunkctl COMMAND --help`. */
void cli_help(FILE *out, const struct cli_command *command);
const char *cli_command_name(const struct cli_command *command);

/* Hands the global options to cfg (origin: flag). */
enum tc_status cli_apply_globals(const struct cli_args *args, struct tc_config *cfg,
                                 struct tc_error *err);

/* Runs args->command. cfg is resolved. Returns the exit status. */
int cli_run(const struct cli_args *args, struct tc_config *cfg);

/* The exit status for a core status (see trunkctl(1) EXIT STATUS). */
int cli_exit_for(enum tc_status status);

/* Prints "trunkctl: MESSAGE" and the field errors of err to stderr. */
void cli_print_error(const struct tc_error *err);

#endif
