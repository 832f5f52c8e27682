/* export and import, with the CSV reader (the writer is output.c's streamed rows). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_private.h"

/*
 * Where an export goes. A regular file (or a new one) is written as a fresh
 * 0600 file next to it and renamed over it, so an existing file with looser
 * modes never holds the rows, a failure leaves the old file whole, and a
 * symbolic link planted at the path is replaced, never written through.
 */
struct export_out {
	FILE *fp;
	const char *path; /* NULL: stdout */
	char *tmp;        /* the file being written, renamed to path at the end */
};

static enum tc_status export_open(struct export_out *o, const char *path, bool reveal,
                                  struct tc_error *err)
{
	*o = (struct export_out){.fp = stdout};
	if (!path || strcmp(path, "-") == 0)
		return TC_OK;
	o->path = path;
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return tc_error_set(err, TC_SECURITY,
		                    "--output %s is a symbolic link; an export never writes "
		                    "through one: name the file itself",
		                    path);
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A pipe or a device takes the rows as it is; passwords only go to a file. */
		if (reveal || S_ISDIR(st.st_mode))
			return tc_error_set(
			    err, TC_USAGE, "--output %s is not a regular file; %s", path,
			    S_ISDIR(st.st_mode) ? "name a file"
			                        : "with --reveal the export must go to a file");
		int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		o->fp = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!o->fp) {
			if (fd >= 0)
				close(fd);
			return tc_error_set(err, TC_IO, "cannot write %s: %s", path,
			                    strerror(errno));
		}
		o->path = NULL;
		return TC_OK;
	}
	size_t n = strlen(path) + sizeof(".tmp-XXXXXX");
	o->tmp = malloc(n);
	if (!o->tmp)
		return tc_error_set(err, TC_NOMEM, NULL);
	snprintf(o->tmp, n, "%s.tmp-XXXXXX", path);
	/* mkstemp: O_CREAT|O_EXCL, mode 0600 */
	int fd = mkstemp(o->tmp);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	o->fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!o->fp) {
		tc_error_set(err, TC_IO, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		free(o->tmp);
		o->tmp = NULL;
		o->fp = NULL;
		return err->status;
	}
	return TC_OK;
}

/* Closes the export; on success puts the file in place, else removes it. */
static enum tc_status export_close(struct export_out *o, enum tc_status rc, struct tc_error *err)
{
	if (o->fp && o->fp != stdout && fclose(o->fp) != 0 && rc == TC_OK)
		rc = tc_error_set(err, TC_IO, "cannot write %s: %s",
		                  o->path ? o->path : "the export", strerror(errno));
	if (o->tmp && rc == TC_OK && rename(o->tmp, o->path) != 0)
		rc = tc_error_set(err, TC_IO, "cannot write %s: %s", o->path, strerror(errno));
	if (o->tmp && rc != TC_OK)
		unlink(o->tmp);
	free(o->tmp);
	*o = (struct export_out){0};
	return rc;
}

int cli_cmd_export(struct cli *c)
{
	const char *format = c->a->value[CLI_OPT_FORMAT];
	bool csv = format && strcmp(format, "csv") == 0;
	bool yaml = format && strcmp(format, "yaml") == 0;
	if (format && !csv && !yaml && strcmp(format, "json") != 0)
		return cli_fail(c, tc_error_set(&c->err, TC_USAGE,
		                                "--format json|csv|yaml, not \"%s\"", format));
	if (c->a->given[CLI_OPT_CSV_RAW] && !csv)
		return cli_fail(
		    c, tc_error_set(&c->err, TC_USAGE, "--csv-raw goes with --format csv"));
	struct tc_list_query q = {.sort = TC_FIELD_NONE};
	const char *path = c->a->value[CLI_OPT_OUTPUT];
	if (cli_refuse_store_file(c, path) != TC_OK)
		return cli_fail(c, TC_USAGE);
	struct export_out out;
	enum tc_status rc = export_open(&out, path, c->a->given[CLI_OPT_REVEAL], &c->err);
	size_t n = 0;
	if (rc == TC_OK && yaml)
		rc = cli_export_yaml(c->svc, out.fp, c->a->given[CLI_OPT_REVEAL], &n, &c->err);
	else if (rc == TC_OK)
		rc = cli_stream_rows(c, &q, csv, out.fp, &n);
	bool to_stdout = out.fp == stdout;
	rc = export_close(&out, rc, &c->err);
	if (rc == TC_OK && !to_stdout)
		fprintf(stderr, "trunkctl: exported %zu trunks to %s\n", n, path);
	return rc != TC_OK ? cli_fail(c, rc) : CLI_EXIT_OK;
}

/* A JSON export read back: an array of flat objects (or one object). */
static enum tc_status json_import(const char *text, size_t len, struct tc_trunk ***out,
                                  size_t *count, struct tc_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	if (!root)
		return tc_error_set(err, TC_PARSE, "line %d: %s", jerr.line, jerr.text);
	if (json_is_object(root)) {
		json_t *arr = json_array();
		json_array_append_new(arr, root);
		root = arr;
	}
	if (!json_is_array(root)) {
		json_decref(root);
		return tc_error_set(err, TC_PARSE, "expected an array of trunk objects");
	}
	size_t n = json_array_size(root);
	struct tc_trunk **trunks = calloc(n ? n : 1, sizeof(*trunks));
	enum tc_status rc = trunks ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
	for (size_t i = 0; rc == TC_OK && i < n; i++) {
		json_t *o = json_array_get(root, i);
		if (!json_is_object(o)) {
			rc = tc_error_set(err, TC_PARSE, "element %zu is not an object", i);
			break;
		}
		/*
		 * What an export adds that is not an attribute to send; null (an
		 * export's "no value") leaves the attribute as it is, as an empty
		 * CSV cell does.
		 */
		json_object_del(o, "sync_state");
		for (int f = 0; f < TC_FIELD_COUNT; f++) {
			const struct tc_field_info *fi = tc_field(f);
			json_t *v = json_object_get(o, fi->key);
			if ((fi->flags & TC_FF_READONLY) || json_is_null(v) ||
			    ((fi->flags & TC_FF_SECRET) && json_is_string(v) &&
			     strcmp(json_string_value(v), TC_SECRET_MASK) == 0))
				json_object_del(o, fi->key);
		}
		char *one = json_dumps(o, JSON_PRESERVE_ORDER);
		rc = one ? tc_trunk_from_flat_json(one, strlen(one), &trunks[i], err)
		         : tc_error_set(err, TC_NOMEM, NULL);
		free(one);
		if (rc == TC_INVALID)
			tc_error_set(err, TC_INVALID, "element %zu has invalid attributes", i);
	}
	json_decref(root);
	if (rc != TC_OK) {
		for (size_t i = 0; trunks && i < n; i++)
			tc_trunk_destroy(trunks[i]);
		free(trunks);
		return rc;
	}
	*out = trunks;
	*count = n;
	return TC_OK;
}

int cli_cmd_import(struct cli *c)
{
	char *text = NULL;
	size_t len = 0;
	enum tc_status rc = cli_refuse_store_file(c, c->a->pos[0]);
	if (rc == TC_OK)
		rc = cli_read_input(c->a->pos[0], &text, &len, &c->err);
	if (rc != TC_OK)
		return cli_fail(c, rc);
	size_t skip = strspn(text, " \t\r\n");
	struct tc_trunk **trunks = NULL;
	size_t n = 0;
	if (text[skip] == '[' || text[skip] == '{')
		rc = json_import(text, len, &trunks, &n, &c->err);
	else
		rc = cli_csv_read(text, &trunks, &n, &c->err);
	free(text);
	if (rc != TC_OK)
		return cli_fail(c, rc);
	bool dry = c->a->given[CLI_OPT_DRY_RUN];
	struct tc_import_report rep = {0};
	rc = tc_service_import(c->svc, trunks, n, dry, &rep, &c->err);
	for (size_t i = 0; i < rep.count; i++) {
		const struct tc_import_result *r = &rep.items[i];
		const char *what = r->status != TC_OK          ? "invalid"
		                   : r->unchanged              ? "unchanged"
		                   : r->kind == TC_SAVE_CREATE ? "create"
		                                               : "update";
		const char *id = r->id                                  ? r->id
		                 : r->index < n && trunks[r->index]->id ? trunks[r->index]->id
		                                                        : "-";
		printf("%zu\t%s\t", r->index + 1, what);
		cli_say(stdout, "%s", id);
		if (r->status != TC_OK && r->errors.count)
			cli_print_field_errors(&r->errors);
		else if (r->status != TC_OK)
			fprintf(stderr, "  %s\n", tc_status_message(r->status));
	}
	for (size_t i = 0; i < n; i++)
		tc_trunk_destroy(trunks[i]);
	free(trunks);
	if (rc == TC_OK)
		fprintf(stderr, "trunkctl: %s%zu to create, %zu to update, %zu unchanged%s\n",
		        dry ? "dry run, nothing staged: " : "staged in the outbox: ", rep.created,
		        rep.updated, rep.unchanged,
		        dry ? "" : "; review with 'trunkctl pending', send with 'trunkctl sync'");
	tc_import_report_finish(&rep);
	return rc != TC_OK ? cli_fail(c, rc) : CLI_EXIT_OK;
}

/* ---- CSV reading ---- */

struct csv_row {
	size_t count;
	char **cells;
	int line;
};

static void row_free(struct csv_row *r)
{
	for (size_t i = 0; i < r->count; i++)
		free(r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

static int row_push(struct csv_row *r, const char *s, size_t n)
{
	char **cells = realloc(r->cells, (r->count + 1) * sizeof(*cells));
	if (!cells)
		return -1;
	r->cells = cells;
	r->cells[r->count] = strndup(s, n);
	if (!r->cells[r->count])
		return -1;
	r->count++;
	return 0;
}

/*
 * One RFC 4180 record from *p (quoted cells may span lines). Returns 1 for
 * a record, 0 at the end, -1 for a malformed record or no memory.
 */
static int csv_next(const char **p, int *line, struct csv_row *row)
{
	const char *s = *p;
	if (!*s)
		return 0;
	row->line = *line;
	char *buf = malloc(strlen(s) + 1);
	if (!buf)
		return -1;
	while (true) {
		size_t n = 0;
		if (*s == '"') {
			s++;
			while (*s && !(*s == '"' && s[1] != '"')) {
				if (*s == '"')
					s++;
				if (*s == '\n')
					(*line)++;
				buf[n++] = *s++;
			}
			if (*s != '"') {
				free(buf);
				return -1;
			}
			s++;
			if (*s && *s != ',' && *s != '\r' && *s != '\n') {
				free(buf);
				return -1;
			}
		} else {
			while (*s && *s != ',' && *s != '\r' && *s != '\n')
				buf[n++] = *s++;
		}
		buf[n] = '\0';
		if (row_push(row, buf, n) != 0) {
			free(buf);
			return -1;
		}
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '\r')
			s++;
		if (*s == '\n') {
			s++;
			(*line)++;
		}
		break;
	}
	free(buf);
	*p = s;
	return 1;
}

static enum tc_status cell_error(struct tc_error *err, int line, const char *key, const char *title)
{
	char where[96];
	snprintf(where, sizeof(where), "line %d: %s", line, key);
	const struct tc_field_info *fi = tc_field_by_key(key);
	if (tc_field_errors_add(&err->fields, fi ? (int)fi->id : TC_FIELD_NONE, -1, TC_SEV_ERROR,
	                        where, title, NULL) != TC_OK)
		return tc_error_set(err, TC_NOMEM, NULL);
	return TC_INVALID;
}

/* A cell as it was before csv_cell's formula guard (a CSV written without it reads the same). */
static const char *formula_unguarded(const char *cell)
{
	return cell[0] == '\'' && cli_formula_like(cell + 1) ? cell + 1 : cell;
}

static enum tc_status row_to_trunk(const struct csv_row *hdr, const int *cols,
                                   const struct csv_row *row, struct tc_trunk *t,
                                   struct tc_error *err)
{
	enum tc_status rc = TC_OK;
	for (size_t c = 0; c < hdr->count && c < row->count; c++) {
		const char *cell = row->cells[c];
		if (cols[c] == -2 || (cols[c] >= 0 && tc_field_is_text(cols[c])))
			cell = formula_unguarded(cell);
		if (cols[c] == -2 && *cell) {
			if (tc_trunk_set_id(t, cell) != TC_OK)
				return tc_error_set(err, TC_NOMEM, NULL);
			continue;
		}
		if (cols[c] < 0 || !*cell)
			continue;
		const struct tc_field_info *fi = tc_field(cols[c]);
		if ((fi->flags & TC_FF_SECRET) && strcmp(cell, TC_SECRET_MASK) == 0)
			continue;
		struct tc_error one;
		tc_error_init(&one);
		enum tc_status vr = tc_value_from_text(fi->id, cell, &t->values[fi->id], &one);
		if (vr == TC_NOMEM) {
			tc_error_clear(&one);
			return tc_error_set(err, TC_NOMEM, NULL);
		}
		if (vr != TC_OK) {
			const char *title =
			    one.fields.count ? one.fields.items[0].title : one.message;
			rc = cell_error(err, row->line, fi->key, title);
		}
		tc_error_clear(&one);
		if (rc == TC_NOMEM)
			return rc;
	}
	return rc;
}

enum tc_status cli_csv_read(const char *text, struct tc_trunk ***out, size_t *count,
                            struct tc_error *err)
{
	*out = NULL;
	*count = 0;
	const char *p = text;
	int line = 1;
	struct csv_row hdr = {0};
	if (csv_next(&p, &line, &hdr) != 1)
		return tc_error_set(err, TC_PARSE,
		                    "line 1: expected a header row of attribute names");
	int *cols = calloc(hdr.count, sizeof(int));
	if (!cols) {
		row_free(&hdr);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	enum tc_status rc = TC_OK;
	for (size_t c = 0; c < hdr.count && rc == TC_OK; c++) {
		const struct tc_field_info *fi = tc_field_by_key(hdr.cells[c]);
		if (strcmp(hdr.cells[c], "id") == 0)
			cols[c] = -2;
		else if (strcmp(hdr.cells[c], "sync_state") == 0 ||
		         (fi && (fi->flags & TC_FF_READONLY)))
			cols[c] = -1;
		else if (fi)
			cols[c] = (int)fi->id;
		else
			rc = tc_error_set(err, TC_PARSE, "line 1: unknown column \"%s\"",
			                  hdr.cells[c]);
	}
	struct tc_trunk **trunks = NULL;
	size_t n = 0;
	bool invalid = false;
	while (rc == TC_OK) {
		struct csv_row row = {0};
		int r = csv_next(&p, &line, &row);
		if (r == 0)
			break;
		if (r < 0) {
			rc = tc_error_set(err, TC_PARSE, "line %d: malformed CSV record", line);
			row_free(&row);
			break;
		}
		if (row.count == 1 && !*row.cells[0]) {
			row_free(&row);
			continue;
		}
		if (row.count != hdr.count) {
			rc = tc_error_set(err, TC_PARSE,
			                  "line %d: %zu cells where the header has %zu", row.line,
			                  row.count, hdr.count);
			row_free(&row);
			break;
		}
		struct tc_trunk **grown = realloc(trunks, (n + 1) * sizeof(*grown));
		struct tc_trunk *t = tc_trunk_new();
		if (!grown || !t) {
			if (grown)
				trunks = grown;
			tc_trunk_destroy(t);
			rc = tc_error_set(err, TC_NOMEM, NULL);
			row_free(&row);
			break;
		}
		trunks = grown;
		trunks[n++] = t;
		enum tc_status tr = row_to_trunk(&hdr, cols, &row, t, err);
		row_free(&row);
		if (tr == TC_INVALID)
			invalid = true;
		else if (tr != TC_OK)
			rc = tr;
	}
	free(cols);
	row_free(&hdr);
	if (rc == TC_OK && invalid)
		rc = tc_error_set(err, TC_INVALID, "some cells are not valid values");
	if (rc != TC_OK) {
		for (size_t i = 0; i < n; i++)
			tc_trunk_destroy(trunks[i]);
		free(trunks);
		return rc;
	}
	*out = trunks;
	*count = n;
	return TC_OK;
}
