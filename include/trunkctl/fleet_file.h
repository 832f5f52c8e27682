/*
 * The fleet file: the desired state of a carrier's trunks, as `export` writes
 * it and `plan` / `apply` read it (trunkctl(1), THE FLEET FILE).
 *
 * This module reads YAML and JSON (a JSON export is a YAML flow document, so
 * one libyaml reader takes both) and writes YAML. The CSV form is read by the
 * CLI's CSV reader, which `import` already uses. Attributes come from the
 * field table: a key is an attribute's JSON key, its value is read as the
 * field's kind reads text (tc_value_from_text), and a sequence is a list.
 */
#ifndef TRUNKCTL_FLEET_FILE_H
#define TRUNKCTL_FLEET_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"
#include "trunkctl/trunk.h"

/*
 * The trunks of a file in file order. lines[i] is the line trunks[i] starts
 * on (1-based; 0 when the reader does not know it, as for CSV). A key the
 * field table does not know (a newer server's attribute, say) is not an
 * error: it is named in ignored, one "LINE: KEY" entry per key, for the
 * caller to show.
 */
struct tc_fleet {
	size_t count;
	struct tc_trunk **trunks;
	size_t *lines;
	struct tc_field_errors ignored; /* warnings; pointer holds "FILE:LINE" */
};

/* Frees what fleet holds and zeroes it; accepts NULL. */
void tc_fleet_finish(struct tc_fleet *fleet);

/*
 * Reads YAML (or JSON) text: a sequence of mappings, one per trunk, or one
 * mapping. In each mapping "id" is the trunk's id, "sync_state" and the
 * server's read-only attributes are ignored, null (or ~, or nothing) is "no
 * value", and a password equal to the mask (TC_SECRET_MASK) is left unset,
 * so an export read back never overwrites a secret. Aliases, tags and
 * nesting beyond a list of scalars are refused. name is the file's name for
 * messages ("-" for stdin). Returns TC_OK; TC_PARSE with a message that names
 * the file, the line and, for a bad value, the field (nothing in *out); or
 * TC_NOMEM. *out is caller-owned: free it with tc_fleet_finish whatever the
 * result.
 */
enum tc_status tc_fleet_read_yaml(const char *text, size_t len, const char *name,
                                  struct tc_fleet *out, struct tc_error *err);

/* The first line of a YAML export: a comment that says what the file is. */
#define TC_FLEET_YAML_HEADER                                                                       \
	"# trunkctl fleet file: review with 'trunkctl plan -f FILE', apply with "                  \
	"'trunkctl apply -f FILE'\n"

/*
 * One trunk as an item of the YAML export's top-level sequence ("- id: …"
 * then every attribute of the field table, absent ones as null), secrets
 * masked unless reveal. Items written one after another (after
 * TC_FLEET_YAML_HEADER) make the file tc_fleet_read_yaml reads back to the
 * same values. *text is new (NUL-terminated, *len bytes). Errors: TC_NOMEM;
 * TC_INVALID for text that is not UTF-8.
 */
enum tc_status tc_fleet_yaml_item(const struct tc_trunk *t, bool reveal, char **text, size_t *len,
                                  struct tc_error *err);

#endif
