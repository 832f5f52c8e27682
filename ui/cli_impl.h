/* Private to ui/cli*.c: the command table and the output helpers. */
#ifndef TRUNKCTL_UI_CLI_IMPL_H
#define TRUNKCTL_UI_CLI_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"
#include "trunkctl/service.h"

enum cli_cmd_id {
	CLI_CMD_LIST,
	CLI_CMD_SHOW,
	CLI_CMD_CREATE,
	CLI_CMD_UPDATE,
	CLI_CMD_DELETE,
	CLI_CMD_VALIDATE,
	CLI_CMD_SYNC,
	CLI_CMD_STATUS,
	CLI_CMD_PENDING,
	CLI_CMD_RESOLVE,
	CLI_CMD_DISCARD,
	CLI_CMD_EXPORT,
	CLI_CMD_IMPORT,
	CLI_CMD_LOG,
	CLI_CMD_DOCTOR,
	CLI_CMD_CONFIG,
	CLI_CMD_ROUTE,
	CLI_CMD_LINT,
};

struct cli_command {
	enum cli_cmd_id id;
	const char *name;
	const char *args; /* operands for the synopsis, "" when none */
	size_t min_args, max_args;
	const char *summary;
	const enum cli_opt_id *opts; /* ends with CLI_OPT_COUNT */
};

/* NULL past the end. */
const struct cli_command *cli_command_at(size_t i);
void cli_args_free(struct cli_args *args);

/* ---- output (cli_output.c) ---- */

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

/* The default list: a table sized to its content. */
void cli_print_table(FILE *out, const struct tc_trunk_page *page);
/* show: grouped "Label: value" lines. */
void cli_print_record(FILE *out, const struct tc_trunk_record *rec, bool reveal);

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

/* Time in ms since the epoch as "2026-11-26T12:00:00Z"; "never" for 0. */
void cli_format_time(char *buf, size_t size, int64_t ms);

#endif
