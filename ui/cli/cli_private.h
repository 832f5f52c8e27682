/* Private to ui/cli/: the command table, the commands and their shared helpers. */
#ifndef TRUNKCTL_UI_CLI_PRIVATE_H
#define TRUNKCTL_UI_CLI_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"
#include "trunkctl/service.h"

/*
 * What a command needs before it runs, read by cli_run (run.c). The token is
 * loaded only for the commands that send something; the others work offline
 * with no token configured.
 */
enum cli_command_flags {
	/* opens the local store through the service (all but config) */
	CLI_NEEDS_SERVICE = 1 << 0,
	/* sends changes: loads the token */
	CLI_NEEDS_TOKEN = 1 << 1,
	/* loads the token when --refresh is given */
	CLI_TOKEN_IF_REFRESH = 1 << 2,
	/* loads the token unless --dry-run is given */
	CLI_TOKEN_UNLESS_DRY_RUN = 1 << 3,
	/* tries the token and runs without one when it cannot be loaded (doctor reports it) */
	CLI_TRY_TOKEN = 1 << 4,
	/* pulls by itself: a fresh sandbox store is not filled first */
	CLI_PULLS = 1 << 5,
	/* loads the token when --push is given */
	CLI_TOKEN_IF_PUSH = 1 << 6,
	/*
	 * for the shell, not the operator: left out of --help and the man page,
	 * and every word after it is an operand, options too (__complete)
	 */
	CLI_HIDDEN = 1 << 7,
};

/* A running command: its arguments, the settings, the service and the error it reports. */
struct cli {
	const struct cli_args *a;
	struct tc_config *cfg;
	struct tc_service *svc; /* NULL without CLI_NEEDS_SERVICE */
	struct tc_error err;
};

/*
 * A row of the command table (commands.c), the one source of the command's
 * name, synopsis, help, options, handler and needs. run returns the exit
 * status.
 */
struct cli_command {
	const char *name;
	const char *args; /* operands for the synopsis, "" when none */
	size_t min_args, max_args;
	const char *summary;
	const enum cli_opt_id *opts; /* ends with CLI_OPT_COUNT */
	int (*run)(struct cli *c);
	unsigned flags; /* enum cli_command_flags */
};

/* NULL past the end. */
const struct cli_command *cli_command_at(size_t i);
/* NULL when no command has that name. */
const struct cli_command *cli_command_find(const char *name);

/* ---- the commands, one file per family ---- */

/* trunks.c */
int cli_cmd_list(struct cli *c);
int cli_cmd_show(struct cli *c);
int cli_cmd_create(struct cli *c);
int cli_cmd_update(struct cli *c);
/* `edit ID|NAME`: the trunk as YAML in $VISUAL/$EDITOR, then saved as update saves. */
int cli_cmd_edit(struct cli *c);
int cli_cmd_delete(struct cli *c);
int cli_cmd_validate(struct cli *c);
/* bulk.c: update and delete with --where or --all */
bool cli_bulk_wanted(const struct cli_args *a);
int cli_bulk_update(struct cli *c);
int cli_bulk_delete(struct cli *c);
/* sync.c */
int cli_cmd_sync(struct cli *c);
int cli_cmd_status(struct cli *c);
int cli_cmd_pending(struct cli *c);
int cli_cmd_resolve(struct cli *c);
int cli_cmd_discard(struct cli *c);
int cli_cmd_log(struct cli *c);
/* import_export.c */
int cli_cmd_export(struct cli *c);
int cli_cmd_import(struct cli *c);
/* doctor.c */
int cli_cmd_doctor(struct cli *c);
/* config.c */
int cli_cmd_config(struct cli *c);

/* complete.c */
int cli_cmd_complete(struct cli *c);

/* ---- shared by the commands ---- */

/* args.c: the option table as the completion reads it. */
const char *cli_option_long(enum cli_opt_id id); /* NULL for none */
const char *cli_option_arg(enum cli_opt_id id);  /* the argument's name, NULL for a switch */
char cli_option_short(enum cli_opt_id id);       /* 0 for none */
bool cli_option_allowed(const struct cli_command *cmd, enum cli_opt_id id);
/* The option a word (--name, --name=value or -x) names for cmd, or -1. */
int cli_option_find(const struct cli_command *cmd, const char *word);

/* run.c: prints c->err (set from rc when empty) and returns rc's exit status. */
int cli_fail(struct cli *c, enum tc_status rc);

/* input.c */

/* A file of the store's own named on the command line: TC_USAGE in c->err. */
enum tc_status cli_refuse_store_file(struct cli *c, const char *path);
/* A file or stdin ("-") read whole; over 64 MiB is refused. */
enum tc_status cli_read_input(const char *path, char **text, size_t *len, struct tc_error *err);
/*
 * The attributes of --set / --unset / --json applied onto draft. For an
 * update url_id is the trunk's id (a JSON:API document must name it).
 */
enum tc_status cli_apply_input(struct cli *c, struct tc_trunk *draft, const char *url_id);

/* sync.c */

bool cli_has_api(struct cli *c);
/*
 * What every command that needs the Carrier API says without its URL: done
 * (what was done locally, e.g. "saved and queued; nothing was sent";
 * NULL: nothing), then
 * tc_config_no_api_hint's sentence, on stderr.
 */
void cli_say_no_api(const struct tc_config *cfg, const char *done);
/*
 * After a local save: pushes unless offline, then reports what became of
 * trunk id (a create's local id finds the server id it moved to). gone is
 * true for a delete (TC_NOT_FOUND afterwards is success).
 */
int cli_push_change(struct cli *c, const char *id, bool gone, bool print_id);

/* ---- output (output.c) ---- */

/*
 * A trunk as the CLI's flat object: id, sync_state, then every attribute
 * (absent ones as null), region as its alias, passwords masked unless
 * reveal. New reference, NULL on allocation failure.
 */
json_t *cli_trunk_json(const struct tc_trunk *trunk, enum tc_sync_state state, bool reveal);
/* Prints a JSON value with two-space indentation and a newline. Returns 0 or -1. */
int cli_print_json(FILE *out, json_t *value);

/*
 * Rows written as they come, in --json (cli_print_json of an array of
 * cli_trunk_json objects, byte for byte) or CSV (a header row of id,
 * sync_state and every attribute key, then one row per trunk). Memory is that
 * of one chunk of output whatever the count. Usage: cli_rows_begin, then
 * cli_rows_put for each row (a tc_trunk_row_fn: pass it with the struct as
 * ctx to tc_service_list_each), then cli_rows_end, always, which writes what
 * is left and frees the buffer. Output already written stays written when a
 * row fails. Errors: TC_NOMEM; TC_IO when the stream refuses a write.
 */
struct cli_rows {
	FILE *out;
	bool csv, reveal, failed;
	/* a text cell that starts with = + - @ TAB or CR gets a leading ' */
	bool formula_guard;
	size_t count; /* rows written */
	char *buf;
	size_t len, cap;
};
void cli_rows_begin(struct cli_rows *w, FILE *out, bool csv, bool reveal, bool formula_guard);
enum tc_status cli_rows_put(void *ctx, const struct tc_trunk_row *row, struct tc_error *err);
enum tc_status cli_rows_end(struct cli_rows *w, struct tc_error *err);

/*
 * Text from the server or a file on its way to a terminal, as
 * trunkctl/termtext.h shows it: cut to max_cells (< 0: never) with an
 * ellipsis, padded to pad_cells.
 */
void cli_put_text(FILE *out, const char *s, int max_cells, int pad_cells);
/* A printf-formatted line, sanitised as a whole, then a newline. */
void cli_say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every row of q as --json or CSV, written as it is read. */
enum tc_status cli_stream_rows(struct cli *c, const struct tc_list_query *q, bool csv, FILE *out,
                               size_t *count);

/*
 * A cell a spreadsheet would run as a formula, or one that starts with the
 * guard's quote before one: the cells cli_rows guards and cli_csv_read
 * unguards.
 */
bool cli_formula_like(const char *s);

/* The default list: a table sized to its content. */
void cli_print_table(FILE *out, const struct tc_trunk_page *page);
/* show: grouped "Label: value" lines. */
void cli_print_record(FILE *out, const struct tc_trunk_record *rec, bool reveal);

/* The field errors of a status, one a line on stderr, sanitised. */
void cli_print_field_errors(const struct tc_field_errors *fields);

/* Time in ms since the epoch as "2026-11-26T12:00:00Z"; "never" for 0. */
void cli_format_time(char *buf, size_t size, int64_t ms);

/* ---- import_export.c ---- */

/*
 * Reads trunks from CSV text (a header row of attribute keys; id and
 * sync_state and read-only columns are ignored except id, which is kept).
 * A text cell loses the formula guard cli_rows put on it, if it has one.
 * A password cell holding the mask is left unset, so an export read back
 * does not overwrite secrets. Returns TC_OK, TC_PARSE (message names the
 * line) or TC_INVALID (field errors, pointers name the line).
 */
enum tc_status cli_csv_read(const char *text, struct tc_trunk ***out, size_t *count,
                            struct tc_error *err);

/* ---- the fleet as a file (fleet.c) ---- */

/* `plan -f FILE`: exit 0 when there is nothing to change, CLI_EXIT_CHANGES when there is. */
int cli_cmd_plan(struct cli *c);
/* `apply -f FILE`: the plan, then staged in the outbox (and pushed with --push). */
int cli_cmd_apply(struct cli *c);
/* `diff --against PROFILE`: the trunks of two profiles' stores compared by name. */
int cli_cmd_diff(struct cli *c);
/* `export --format yaml`: every trunk, by name, as the fleet file; *count trunks written. */
enum tc_status cli_export_yaml(struct tc_service *svc, FILE *out, bool reveal, size_t *count,
                               struct tc_error *err);

/* ---- routing replayed offline (route.c, doc/routing.md) ---- */

int cli_cmd_route(struct cli *c);
/* Exit CLI_EXIT_CHANGES when a finding of severity error exists. */
int cli_cmd_lint(struct cli *c);
/*
 * What the queued changes do to routing, as lines on out: the destinations
 * (prefixes, and those no prefix matches) that change trunks, and the lint
 * findings they add or clear. Nothing when they change nothing.
 */
void cli_route_effects(struct tc_service *svc, FILE *out);

#endif
