/* The option table, the parser, the help text and the global options handed to the settings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_private.h"
#include "trunkctl/trunk.h"

struct cli_option {
	const char *name;
	char short_name;
	const char *arg;
	const char *help;
};

/* The options that are not settings; the settings' rows stay empty. */
static const struct cli_option own_options[CLI_OPT_COUNT] = {
#define CLI_OPT_ROW(id, name, sh, arg, help) [CLI_OPT_##id] = {name, sh, arg, help},
    CLI_OPTION_LIST(CLI_OPT_ROW)
#undef CLI_OPT_ROW
};

/* An option's row: a setting's from its flag in the settings table. */
static struct cli_option option(enum cli_opt_id id)
{
	if ((int)id >= TC_CFG_COUNT)
		return own_options[id];
	const struct tc_config_flag *flag = tc_config_key_flag_info((enum tc_config_key)id);
	if (!flag)
		return (struct cli_option){0};
	/* the settings table names the flag as messages show it, "--api-url" */
	return (struct cli_option){flag->name + 2, flag->short_name, flag->arg, flag->help};
}

/*
 * The order of the global options in --help; a setting's flag missing here
 * is a global option all the same, listed after these.
 */
static const enum cli_opt_id global_order[] = {
    CLI_OPT_PROFILE,   CLI_OPT_API_URL,    CLI_OPT_TOKEN_FILE,  CLI_OPT_AUTH,
    CLI_OPT_RESOLVE,   CLI_OPT_DATA_DIR,   CLI_OPT_CONFIG_FILE, CLI_OPT_OFFLINE,
    CLI_OPT_READ_ONLY, CLI_OPT_ALLOW_HTTP, CLI_OPT_SANDBOX,     CLI_OPT_COLOR,
    CLI_OPT_ASCII,     CLI_OPT_VERBOSE,    CLI_OPT_HELP,        CLI_OPT_VERSION,
};

#define NGLOBAL_ORDER (sizeof(global_order) / sizeof(global_order[0]))
#define END CLI_OPT_COUNT

static bool in_list(const enum cli_opt_id *list, size_t n, enum cli_opt_id id)
{
	for (size_t i = 0; i < n && list[i] != END; i++)
		if (list[i] == id)
			return true;
	return false;
}

static bool is_global(enum cli_opt_id id)
{
	return ((int)id < TC_CFG_COUNT && tc_config_key_flag_info((enum tc_config_key)id)) ||
	       in_list(global_order, NGLOBAL_ORDER, id);
}

/* The i-th global option in --help order; END past the last. */
static enum cli_opt_id global_at(size_t i)
{
	if (i < NGLOBAL_ORDER)
		return global_order[i];
	size_t at = NGLOBAL_ORDER;
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		enum cli_opt_id id = (enum cli_opt_id)k;
		if (is_global(id) && !in_list(global_order, NGLOBAL_ORDER, id) && at++ == i)
			return id;
	}
	return END;
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
		const char *o = option((enum cli_opt_id)i).name;
		if (!o || strlen(o) != len || strncmp(o, name, len) != 0)
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
	for (int i = 0; i < CLI_OPT_COUNT; i++) {
		char o = option((enum cli_opt_id)i).short_name;
		if (o && o == c)
			return i;
	}
	return -1;
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
				args->command = cli_command_find(a);
				if (!args->command)
					return usage_error(err_out, NULL, "unknown command '%s'",
					                   a);
				if (args->command->flags & CLI_HIDDEN) {
					args->words = argv + i + 1;
					args->nwords = (size_t)(argc - i - 1);
					return CLI_EXIT_OK;
				}
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
			if (a[2] && id >= 0 && option((enum cli_opt_id)id).arg)
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
		bool takes_value = option((enum cli_opt_id)id).arg != NULL;
		if (takes_value && !value) {
			if (i + 1 >= argc)
				return usage_error(err_out, args->command, "%s needs a value",
				                   shown);
			value = argv[++i];
		} else if (!takes_value && value) {
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
	struct cli_option o = option(id);
	char left[64];
	int n = 0;
	if (o.short_name)
		n = snprintf(left, sizeof(left), "-%c, ", o.short_name);
	snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", o.name, o.arg ? " " : "",
	         o.arg ? o.arg : "");
	fprintf(out, "  %-28s %s\n", left, o.help);
}

void cli_help(FILE *out, const struct cli_command *command)
{
	if (command) {
		fprintf(out, "usage: trunkctl [global options] %s%s%s", command->name,
		        *command->args ? " " : "", command->args);
		for (const enum cli_opt_id *o = command->opts; *o != END; o++) {
			struct cli_option opt = option(*o);
			fprintf(out, " [--%s%s%s]", opt.name, opt.arg ? " " : "",
			        opt.arg ? opt.arg : "");
		}
		fprintf(out, "\n\n%s.\n\nOptions:\n", command->summary);
		for (const enum cli_opt_id *o = command->opts; *o != END; o++)
			print_option(out, *o);
		if (in_list(command->opts, CLI_OPT_COUNT, CLI_OPT_SET)) {
			fputs("\nAttributes for --set (lists comma-separated, [] for none):\n",
			      out);
			for (int f = 0; f < TC_FIELD_COUNT; f++) {
				char help[256];
				tc_field_help(f, help, sizeof(help));
				if (!(tc_field(f)->flags & TC_FF_READONLY))
					fprintf(out, "  %-28s %s\n", tc_field(f)->key, help);
			}
		}
		fputs("\nGlobal options are listed by 'trunkctl --help'; see trunkctl(1).\n", out);
		return;
	}
	fputs("usage: trunkctl [global options] [command [args]]\n"
	      "With no command, the full-screen interface; with one, the command line.\n\n"
	      "Commands:\n",
	      out);
	const struct cli_command *cmd;
	for (size_t i = 0; (cmd = cli_command_at(i)); i++) {
		if (cmd->flags & CLI_HIDDEN)
			continue;
		char left[40];
		snprintf(left, sizeof(left), "%s%s%s", cmd->name, *cmd->args ? " " : "", cmd->args);
		fprintf(out, "  %-28s %s\n", left, cmd->summary);
	}
	fputs("\nGlobal options:\n", out);
	enum cli_opt_id id;
	for (size_t i = 0; (id = global_at(i)) != END; i++)
		print_option(out, id);
	fputs("\nThe API token is read from --token-file, token_command in the configuration,\n"
	      "or TRUNKCTL_API_TOKEN; --token is refused, as a token in argv leaks.\n"
	      "'trunkctl COMMAND --help' lists a command's options; see trunkctl(1).\n",
	      out);
}

/*
 * In --help order, --resolve last: its entries append, and a bad one is
 * reported after the other flags' errors.
 */
enum tc_status cli_apply_globals(const struct cli_args *a, struct tc_config *cfg,
                                 struct tc_error *err)
{
	enum cli_opt_id id;
	for (size_t i = 0; (id = global_at(i)) != END; i++) {
		if ((int)id >= TC_CFG_COUNT || id == CLI_OPT_RESOLVE || !a->given[id])
			continue;
		enum tc_config_key key = (enum tc_config_key)id;
		const struct tc_config_flag *flag = tc_config_key_flag_info(key);
		enum tc_status rc =
		    tc_config_set(cfg, key, flag->value ? flag->value : a->value[id],
		                  TC_ORIGIN_FLAG, flag->name, err);
		if (rc != TC_OK)
			return rc;
	}
	for (size_t i = 0; i < a->resolve.count; i++) {
		enum tc_status rc =
		    tc_config_set(cfg, TC_CFG_RESOLVE, a->resolve.items[i], TC_ORIGIN_FLAG,
		                  tc_config_key_flag(TC_CFG_RESOLVE), err);
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

const char *cli_option_long(enum cli_opt_id id)
{
	return option(id).name;
}

const char *cli_option_arg(enum cli_opt_id id)
{
	return option(id).arg;
}

char cli_option_short(enum cli_opt_id id)
{
	return option(id).short_name;
}

bool cli_option_allowed(const struct cli_command *cmd, enum cli_opt_id id)
{
	/* --token is refused, never offered */
	return id != CLI_OPT_TOKEN && option(id).name && allowed(cmd, id);
}

int cli_option_find(const struct cli_command *cmd, const char *word)
{
	if (word[0] != '-' || !word[1])
		return -1;
	if (word[1] != '-')
		return word[2] ? -1 : find_short(word[1]);
	const char *eq = strchr(word + 2, '=');
	return find_long(cmd, word + 2, eq ? (size_t)(eq - word - 2) : strlen(word + 2));
}
