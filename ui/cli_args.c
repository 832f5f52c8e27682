/* The option and command tables, the parser and the help text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_impl.h"
#include "trunkctl/trunk.h"

struct cli_option {
	const char *name;
	char short_name;
	const char *arg;
	const char *help;
};

static const struct cli_option options[CLI_OPT_COUNT] = {
#define CLI_OPT_ROW(id, name, sh, arg, help) [CLI_OPT_##id] = {name, sh, arg, help},
    CLI_OPTION_LIST(CLI_OPT_ROW)
#undef CLI_OPT_ROW
};

static const enum cli_opt_id global_opts[] = {
    CLI_OPT_PROFILE,   CLI_OPT_API_URL,    CLI_OPT_TOKEN_FILE, CLI_OPT_AUTH,
    CLI_OPT_RESOLVE,   CLI_OPT_DATA_DIR,   CLI_OPT_CONFIG,     CLI_OPT_OFFLINE,
    CLI_OPT_READ_ONLY, CLI_OPT_ALLOW_HTTP, CLI_OPT_SANDBOX,    CLI_OPT_NO_COLOR,
    CLI_OPT_ASCII,     CLI_OPT_VERBOSE,    CLI_OPT_HELP,       CLI_OPT_VERSION,
};

#define END CLI_OPT_COUNT
#define OPTS(...)                                                                                  \
	(const enum cli_opt_id[])                                                                  \
	{                                                                                          \
		__VA_ARGS__, END                                                                   \
	}

#define NO_OPTS ((const enum cli_opt_id[]){END})

static const struct cli_command commands[] = {
    {CLI_CMD_LIST, "list", "", 0, 0, "list the trunks in the local store",
     OPTS(CLI_OPT_JSON, CLI_OPT_CSV, CLI_OPT_CSV_RAW, CLI_OPT_FILTER, CLI_OPT_SORT, CLI_OPT_REFRESH,
          CLI_OPT_REVEAL)},
    {CLI_CMD_SHOW, "show", "ID|NAME", 1, 1, "show one trunk",
     OPTS(CLI_OPT_JSON, CLI_OPT_RAW, CLI_OPT_REVEAL)},
    {CLI_CMD_CREATE, "create", "", 0, 0, "create a trunk, then push it",
     OPTS(CLI_OPT_SET, CLI_OPT_JSON_INPUT)},
    {CLI_CMD_UPDATE, "update", "ID|NAME", 1, 1, "change a trunk, then push the change",
     OPTS(CLI_OPT_SET, CLI_OPT_UNSET, CLI_OPT_JSON_INPUT)},
    {CLI_CMD_DELETE, "delete", "ID|NAME", 1, 1, "delete a trunk, then push the delete",
     OPTS(CLI_OPT_YES, CLI_OPT_CONFIRM)},
    {CLI_CMD_VALIDATE, "validate", "", 0, 0, "check attributes as the server would; save nothing",
     OPTS(CLI_OPT_SET, CLI_OPT_JSON_INPUT, CLI_OPT_MODE)},
    {CLI_CMD_SYNC, "sync", "", 0, 0, "pull from the Carrier API, then push the queued changes",
     OPTS(CLI_OPT_DRY_RUN, CLI_OPT_JSON, CLI_OPT_REVEAL)},
    {CLI_CMD_STATUS, "status", "", 0, 0, "last sync and the queued, conflicting, rejected counts",
     OPTS(CLI_OPT_JSON)},
    {CLI_CMD_PENDING, "pending", "", 0, 0, "the queued changes (the outbox)",
     OPTS(CLI_OPT_JSON, CLI_OPT_REVEAL)},
    {CLI_CMD_RESOLVE, "resolve", "ID|NAME", 1, 1, "settle a conflict, then push the result",
     OPTS(CLI_OPT_KEEP_MINE, CLI_OPT_TAKE_THEIRS, CLI_OPT_SET)},
    {CLI_CMD_DISCARD, "discard", "ID|NAME", 1, 1, "drop the queued local changes of a trunk",
     NO_OPTS},
    {CLI_CMD_EXPORT, "export", "", 0, 0, "write every trunk as JSON or CSV",
     OPTS(CLI_OPT_FORMAT, CLI_OPT_CSV_RAW, CLI_OPT_OUTPUT, CLI_OPT_REVEAL)},
    {CLI_CMD_IMPORT, "import", "FILE", 1, 1, "stage trunks from a JSON or CSV file in the outbox",
     OPTS(CLI_OPT_DRY_RUN)},
    {CLI_CMD_LOG, "log", "", 0, 0, "the journal of changes sent to the Carrier API",
     OPTS(CLI_OPT_JSON)},
    {CLI_CMD_DOCTOR, "doctor", "", 0, 0,
     "check the token, the server, the clock, the store, file modes and the terminal",
     OPTS(CLI_OPT_JSON)},
    {CLI_CMD_CONFIG, "config", "", 0, 0, "print the effective settings and where each came from",
     OPTS(CLI_OPT_JSON)},
    {CLI_CMD_ROUTE, "route", "", 0, 0,
     "the trunk, dial string and caller ID the platform would use, offline",
     OPTS(CLI_OPT_TO, CLI_OPT_FROM, CLI_OPT_VIA, CLI_OPT_PINNED, CLI_OPT_FROM_IP, CLI_OPT_JSON,
          CLI_OPT_SERVER)},
    {CLI_CMD_LINT, "lint", "", 0, 0, "settings the platform would route wrongly, offline",
     OPTS(CLI_OPT_JSON, CLI_OPT_RULE, CLI_OPT_SERVER)},
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

static bool in_list(const enum cli_opt_id *list, size_t n, enum cli_opt_id id)
{
	for (size_t i = 0; i < n && list[i] != END; i++)
		if (list[i] == id)
			return true;
	return false;
}

static bool is_global(enum cli_opt_id id)
{
	return in_list(global_opts, sizeof(global_opts) / sizeof(global_opts[0]), id);
}

static bool allowed(const struct cli_command *cmd, enum cli_opt_id id)
{
	return is_global(id) || (cmd && in_list(cmd->opts, CLI_OPT_COUNT, id));
}

/*
 * The option a word names for this command: long names are shared (--json
 * is a switch for list, a FILE for create), so the command's own table wins.
 */
static int find_long(const struct cli_command *cmd, const char *name, size_t len)
{
	int found = -1;
	for (int i = 0; i < CLI_OPT_COUNT; i++) {
		if (strlen(options[i].name) != len || strncmp(options[i].name, name, len) != 0)
			continue;
		if (allowed(cmd, (enum cli_opt_id)i))
			return i;
		if (found < 0)
			found = i;
	}
	return found;
}

static int find_short(char c)
{
	for (int i = 0; i < CLI_OPT_COUNT; i++)
		if (options[i].short_name && options[i].short_name == c)
			return i;
	return -1;
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int strv_push(struct cli_strv *v, const char *s)
{
	const char **items = realloc(v->items, (v->count + 1) * sizeof(*items));
	if (!items)
		return -1;
	v->items = items;
	v->items[v->count++] = s;
	return 0;
}

static int usage_error(FILE *err_out, const struct cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int usage_error(FILE *err_out, const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("trunkctl: ", err_out);
	vfprintf(err_out, fmt, ap);
	va_end(ap);
	fprintf(err_out, "\nTry 'trunkctl %s%s--help'.\n", cmd ? cmd->name : "", cmd ? " " : "");
	return CLI_EXIT_USAGE;
}

static int take_option(struct cli_args *args, enum cli_opt_id id, const char *value, FILE *err_out)
{
	if (id == CLI_OPT_TOKEN) {
		fputs(
		    "trunkctl: --token is refused: a token on the command line is visible to every "
		    "user in ps and lands in shell history.\n"
		    "Use --token-file PATH (mode 0600), token_command in the configuration, or "
		    "TRUNKCTL_API_TOKEN in the environment.\n",
		    err_out);
		return CLI_EXIT_USAGE;
	}
	args->given[id] = true;
	args->value[id] = value;
	struct cli_strv *list = id == CLI_OPT_RESOLVE ? &args->resolve
	                        : id == CLI_OPT_SET   ? &args->sets
	                        : id == CLI_OPT_UNSET ? &args->unsets
	                                              : NULL;
	if (list && strv_push(list, value) != 0) {
		fputs("trunkctl: out of memory\n", err_out);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

int cli_parse(int argc, char **argv, struct cli_args *args, FILE *err_out)
{
	memset(args, 0, sizeof(*args));
	bool only_operands = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_operands || a[0] != '-' || strcmp(a, "-") == 0) {
			if (!args->command && !only_operands) {
				args->command = find_command(a);
				if (!args->command)
					return usage_error(err_out, NULL, "unknown command '%s'",
					                   a);
				continue;
			}
			if (!args->command)
				return usage_error(err_out, NULL, "unknown command '%s'", a);
			if (args->npos >= args->command->max_args)
				return usage_error(err_out, args->command,
				                   "unexpected argument '%s'", a);
			args->pos[args->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_operands = true;
			continue;
		}
		int id;
		const char *value = NULL;
		char shown[64];
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			id = find_long(args->command, name, len);
			snprintf(shown, sizeof(shown), "--%.*s", (int)(len > 40 ? 40 : len), name);
			if (eq)
				value = eq + 1;
		} else {
			id = find_short(a[1]);
			snprintf(shown, sizeof(shown), "-%c", a[1]);
			/* -pNAME as getopt reads it; -vh is not taken apart. */
			if (a[2] && id >= 0 && options[id].arg)
				value = a + 2;
			else if (a[2])
				return usage_error(err_out, args->command,
				                   "'%s': give short options one at a time", a);
		}
		if (id == CLI_OPT_TOKEN)
			return take_option(args, CLI_OPT_TOKEN, NULL, err_out);
		if (id < 0 || !allowed(args->command, (enum cli_opt_id)id))
			return usage_error(err_out, args->command, "unknown option %s%s", shown,
			                   args->command ? " for this command" : "");
		if (options[id].arg && !value) {
			if (i + 1 >= argc)
				return usage_error(err_out, args->command, "%s needs a value",
				                   shown);
			value = argv[++i];
		} else if (!options[id].arg && value) {
			return usage_error(err_out, args->command, "%s takes no value", shown);
		}
		int rc = take_option(args, (enum cli_opt_id)id, value, err_out);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	if (args->command && !args->given[CLI_OPT_HELP] && args->npos < args->command->min_args)
		return usage_error(err_out, args->command, "missing %s", args->command->args);
	return CLI_EXIT_OK;
}

void cli_args_free(struct cli_args *args)
{
	free(args->resolve.items);
	free(args->sets.items);
	free(args->unsets.items);
	memset(args, 0, sizeof(*args));
}

static void print_option(FILE *out, enum cli_opt_id id)
{
	const struct cli_option *o = &options[id];
	char left[64];
	int n = 0;
	if (o->short_name)
		n = snprintf(left, sizeof(left), "-%c, ", o->short_name);
	snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", o->name, o->arg ? " " : "",
	         o->arg ? o->arg : "");
	fprintf(out, "  %-28s %s\n", left, o->help);
}

void cli_help(FILE *out, const struct cli_command *command)
{
	if (command) {
		fprintf(out, "usage: trunkctl [global options] %s%s%s", command->name,
		        *command->args ? " " : "", command->args);
		for (const enum cli_opt_id *o = command->opts; *o != END; o++)
			fprintf(out, " [--%s%s%s]", options[*o].name, options[*o].arg ? " " : "",
			        options[*o].arg ? options[*o].arg : "");
		fprintf(out, "\n\n%s.\n\nOptions:\n", command->summary);
		for (const enum cli_opt_id *o = command->opts; *o != END; o++)
			print_option(out, *o);
		if (in_list(command->opts, CLI_OPT_COUNT, CLI_OPT_SET)) {
			fputs("\nAttributes for --set (lists comma-separated, [] for none):\n",
			      out);
			for (int f = 0; f < TC_FIELD_COUNT; f++)
				if (!(tc_field(f)->flags & TC_FF_READONLY))
					fprintf(out, "  %-28s %s\n", tc_field(f)->key,
					        tc_field(f)->help);
		}
		fputs("\nGlobal options are listed by 'trunkctl --help'; see trunkctl(1).\n", out);
		return;
	}
	fputs("usage: trunkctl [global options] [command [args]]\n"
	      "With no command, the full-screen interface; with one, the command line.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char left[40];
		snprintf(left, sizeof(left), "%s%s%s", commands[i].name,
		         *commands[i].args ? " " : "", commands[i].args);
		fprintf(out, "  %-28s %s\n", left, commands[i].summary);
	}
	fputs("\nGlobal options:\n", out);
	for (size_t i = 0; i < sizeof(global_opts) / sizeof(global_opts[0]); i++)
		print_option(out, global_opts[i]);
	fputs("\nThe API token is read from --token-file, token_command in the configuration,\n"
	      "or TRUNKCTL_API_TOKEN; --token is refused, as a token in argv leaks.\n"
	      "'trunkctl COMMAND --help' lists a command's options; see trunkctl(1).\n",
	      out);
}
