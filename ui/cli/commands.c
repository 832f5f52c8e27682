/*
 * The command table, as git's git.c: each row names a command, its operands,
 * its help line and options, its handler and what it needs before it runs.
 * The parser, --help, the man-page check and cli_run all read it; a family
 * of commands in its own file adds its rows here and its handlers to
 * cli_private.h. The order is the order of `trunkctl --help`.
 */
#include <string.h>

#include "cli_private.h"

#define END CLI_OPT_COUNT
#define OPTS(...)                                                                                  \
	(const enum cli_opt_id[])                                                                  \
	{                                                                                          \
		__VA_ARGS__, END                                                                   \
	}

#define NO_OPTS ((const enum cli_opt_id[]){END})

#define SERVICE CLI_NEEDS_SERVICE

static const struct cli_command commands[] = {
    {"list", "", 0, 0, "list the trunks in the local store",
     OPTS(CLI_OPT_JSON, CLI_OPT_CSV, CLI_OPT_CSV_RAW, CLI_OPT_FILTER, CLI_OPT_SORT, CLI_OPT_REFRESH,
          CLI_OPT_REVEAL),
     cli_cmd_list, SERVICE | CLI_TOKEN_IF_REFRESH},
    {"show", "ID|NAME", 1, 1, "show one trunk", OPTS(CLI_OPT_JSON, CLI_OPT_RAW, CLI_OPT_REVEAL),
     cli_cmd_show, SERVICE},
    {"create", "", 0, 0, "create a trunk, then push it", OPTS(CLI_OPT_SET, CLI_OPT_JSON_INPUT),
     cli_cmd_create, SERVICE | CLI_NEEDS_TOKEN},
    /* with --where (ui/cli/bulk.c): every trunk a filter selects, all or nothing */
    {"update", "[ID|NAME]", 0, 1, "change a trunk, or those --where selects, then push",
     OPTS(CLI_OPT_SET, CLI_OPT_UNSET, CLI_OPT_JSON_INPUT, CLI_OPT_WHERE, CLI_OPT_ALL,
          CLI_OPT_DRY_RUN),
     cli_cmd_update, SERVICE | CLI_TOKEN_UNLESS_DRY_RUN},
    {"edit", "ID|NAME", 1, 1, "change a trunk as YAML in $VISUAL or $EDITOR, then push", NO_OPTS,
     cli_cmd_edit, SERVICE | CLI_NEEDS_TOKEN},
    {"delete", "[ID|NAME]", 0, 1, "delete a trunk, or those --where selects, then push",
     OPTS(CLI_OPT_YES, CLI_OPT_CONFIRM, CLI_OPT_WHERE, CLI_OPT_ALL, CLI_OPT_DRY_RUN),
     cli_cmd_delete, SERVICE | CLI_TOKEN_UNLESS_DRY_RUN},
    {"validate", "", 0, 0, "check attributes as the server would; save nothing",
     OPTS(CLI_OPT_SET, CLI_OPT_JSON_INPUT, CLI_OPT_MODE), cli_cmd_validate, SERVICE},
    {"sync", "", 0, 0, "pull from the Carrier API, then push the queued changes",
     OPTS(CLI_OPT_DRY_RUN, CLI_OPT_JSON, CLI_OPT_REVEAL), cli_cmd_sync,
     SERVICE | CLI_TOKEN_UNLESS_DRY_RUN | CLI_PULLS},
    {"status", "", 0, 0, "last sync and the queued, conflicting, rejected counts",
     OPTS(CLI_OPT_JSON), cli_cmd_status, SERVICE},
    {"pending", "", 0, 0, "the queued changes (the outbox)", OPTS(CLI_OPT_JSON, CLI_OPT_REVEAL),
     cli_cmd_pending, SERVICE},
    {"resolve", "ID|NAME", 1, 1, "settle a conflict, then push the result",
     OPTS(CLI_OPT_KEEP_MINE, CLI_OPT_TAKE_THEIRS, CLI_OPT_SET), cli_cmd_resolve,
     SERVICE | CLI_NEEDS_TOKEN},
    {"discard", "ID|NAME", 1, 1, "drop the queued local changes of a trunk", NO_OPTS,
     cli_cmd_discard, SERVICE},
    {"export", "", 0, 0, "write every trunk as JSON, CSV or YAML",
     OPTS(CLI_OPT_FORMAT, CLI_OPT_CSV_RAW, CLI_OPT_OUTPUT, CLI_OPT_REVEAL), cli_cmd_export,
     SERVICE},
    {"import", "FILE", 1, 1, "stage trunks from a JSON or CSV file in the outbox",
     OPTS(CLI_OPT_DRY_RUN), cli_cmd_import, SERVICE},
    {"log", "", 0, 0, "the journal of changes sent to the Carrier API",
     OPTS(CLI_OPT_JSON, CLI_OPT_JSONL), cli_cmd_log, SERVICE},
    {"doctor", "", 0, 0,
     "check the token, the server, the clock, the store, file modes and the terminal",
     OPTS(CLI_OPT_JSON), cli_cmd_doctor, SERVICE | CLI_TRY_TOKEN},
    {"plan", "", 0, 0, "what applying a fleet file would change",
     OPTS(CLI_OPT_FILE, CLI_OPT_PRUNE, CLI_OPT_JSON), cli_cmd_plan, SERVICE},
    {"apply", "", 0, 0, "stage a fleet file's plan in the outbox",
     OPTS(CLI_OPT_FILE, CLI_OPT_PRUNE, CLI_OPT_YES, CLI_OPT_PUSH, CLI_OPT_JSON), cli_cmd_apply,
     SERVICE | CLI_TOKEN_IF_PUSH},
    {"diff", "", 0, 0, "compare the trunks of two profiles by name",
     OPTS(CLI_OPT_AGAINST, CLI_OPT_JSON), cli_cmd_diff, SERVICE},
    {"route", "", 0, 0, "the trunk, dial string and caller ID the platform would use, offline",
     OPTS(CLI_OPT_TO, CLI_OPT_FROM, CLI_OPT_VIA, CLI_OPT_PINNED, CLI_OPT_FROM_IP, CLI_OPT_JSON,
          CLI_OPT_SERVER),
     cli_cmd_route, SERVICE},
    {"lint", "", 0, 0, "settings the platform would route wrongly, offline",
     OPTS(CLI_OPT_JSON, CLI_OPT_RULE, CLI_OPT_SERVER), cli_cmd_lint, SERVICE},
    /* no service: the settings are printed even when the store cannot be opened */
    {"config", "", 0, 0, "print the effective settings and where each came from",
     OPTS(CLI_OPT_JSON), cli_cmd_config, 0},
    /*
     * The shell completion scripts' helper (trunkctl.bash, _trunkctl,
     * trunkctl.fish in completions/): the candidates for the last of its
     * words, one a line. It opens the store itself, only to read names.
     */
    {"__complete", "WORDS...", 0, 0, "completion candidates for the shell", NO_OPTS,
     cli_cmd_complete, CLI_HIDDEN},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *cli_command_name(const struct cli_command *command)
{
	return command ? command->name : "";
}

const struct cli_command *cli_command_at(size_t i)
{
	return i < NCOMMANDS ? &commands[i] : NULL;
}

const struct cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}
