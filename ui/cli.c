/* The non-interactive commands: each talks to the service and nothing below it. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_impl.h"
#include "cli_route.h"
#include "trunkctl/jsonapi.h"
#include "trunkctl/termtext.h"

/* Input documents larger than this are refused rather than read into memory. */
#define INPUT_MAX (64u << 20)

struct cli {
	const struct cli_args *a;
	struct tc_config *cfg;
	struct tc_service *svc;
	struct tc_error err;
};

int cli_exit_for(enum tc_status status)
{
	switch (status) {
	case TC_OK:
		return CLI_EXIT_OK;
	case TC_USAGE:
		return CLI_EXIT_USAGE;
	case TC_INVALID:
	case TC_REJECTED:
	case TC_PARSE:
		return CLI_EXIT_INVALID;
	case TC_AUTH:
	case TC_FORBIDDEN:
		return CLI_EXIT_AUTH;
	case TC_NOT_FOUND:
		return CLI_EXIT_NOT_FOUND;
	case TC_OFFLINE:
	case TC_UNREACHABLE:
	case TC_TIMEOUT:
	case TC_SERVER:
	case TC_RATE_LIMITED:
		return CLI_EXIT_QUEUED;
	case TC_CONFLICT:
		return CLI_EXIT_CONFLICT;
	default:
		return CLI_EXIT_FAILURE;
	}
}

/* "/data/attributes/inbound_source_ips/1" reads better as "inbound_source_ips/1". */
static const char *short_pointer(const struct tc_field_error *e)
{
	static const char prefix[] = "/data/attributes/";
	if (e->pointer && strncmp(e->pointer, prefix, sizeof(prefix) - 1) == 0)
		return e->pointer + sizeof(prefix) - 1;
	if (e->pointer && *e->pointer)
		return e->pointer;
	const struct tc_field_info *fi = tc_field(e->field);
	return fi ? fi->key : "(document)";
}

/*
 * A title too long to read on a terminal (the server's 249-code country list)
 * gives way to its hint; other hints follow their title on a line of their own.
 */
#define READABLE_TITLE 100

static void print_field_errors(const struct tc_field_errors *fields)
{
	for (size_t i = 0; i < fields->count; i++) {
		const struct tc_field_error *e = &fields->items[i];
		bool long_title = e->hint && strlen(e->title) > READABLE_TITLE;
		cli_say(stderr, "  %s%s: %s", e->severity == TC_SEV_WARNING ? "warning: " : "",
		        short_pointer(e), long_title ? e->hint : e->title);
		if (e->hint && !long_title)
			cli_say(stderr, "      %s", e->hint);
	}
}

/*
 * Messages are sanitised here, where they are printed, rather than where the
 * core builds them: the core keeps the server's words exact for --json and
 * the store, and the TUI draws them through the same rule.
 */
void cli_print_error(const struct tc_error *err)
{
	cli_say(stderr, "trunkctl: %s",
	        err->message[0] ? err->message : tc_status_message(err->status));
	print_field_errors(&err->fields);
}

static int fail(struct cli *c, enum tc_status rc)
{
	if (c->err.status == TC_OK)
		tc_error_set(&c->err, rc, NULL);
	cli_print_error(&c->err);
	return cli_exit_for(rc);
}

static void trace_line(void *ctx, const char *line)
{
	(void)ctx;
	/* header lines are the server's text: the core only redacts them */
	cli_say(stderr, "* %s", line);
}

static enum tc_status open_service(struct cli *c, bool with_token)
{
	struct tc_service_options opts;
	enum tc_status rc = tc_config_service_options(c->cfg, with_token, &opts, &c->err);
	if (rc != TC_OK)
		return rc;
	if (tc_config_verbose(c->cfg))
		opts.trace = trace_line;
	return tc_service_open(&opts, &c->svc, &c->err);
}

/* ---- input ---- */

/*
 * A file named on the command line that is one of the store's own: reading
 * or writing it here, outside SQLite, would drop this process's locks on the
 * store when closed (trunkctl(1), CONCURRENCY AND DURABILITY).
 */
static enum tc_status refuse_store_file(struct cli *c, const char *path)
{
	if (!path || !tc_service_is_store_file(c->svc, path))
		return TC_OK;
	return tc_error_set(&c->err, TC_USAGE,
	                    "%s is one of the local store's own files, which only SQLite reads "
	                    "and writes: name another file",
	                    path);
}

static char *read_stream(FILE *fp, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
		if (n + 1 == cap) {
			if (cap >= INPUT_MAX) {
				free(buf);
				return NULL;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				free(buf);
			buf = grown;
			cap *= 2;
		}
	}
	if (!buf || ferror(fp)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static enum tc_status read_input(const char *path, char **text, size_t *len, struct tc_error *err)
{
	if (strcmp(path, "-") == 0) {
		*text = read_stream(stdin, len);
		return *text ? TC_OK : tc_error_set(err, TC_IO, "cannot read stdin");
	}
	FILE *fp = fopen(path, "re");
	if (!fp)
		return tc_error_set(err, TC_USAGE, "cannot read %s: %s", path, strerror(errno));
	*text = read_stream(fp, len);
	fclose(fp);
	return *text ? TC_OK
	             : tc_error_set(err, TC_IO, "cannot read %s (or larger than 64 MiB)", path);
}

static enum tc_status apply_unset(struct tc_trunk *t, const char *key, struct tc_error *err)
{
	const struct tc_field_info *fi = tc_field_by_key(key);
	if (!fi)
		return tc_error_set(err, TC_USAGE, "unknown attribute \"%s\"", key);
	if (fi->flags & TC_FF_READONLY)
		return tc_error_set(err, TC_USAGE, "%s is set by the server", key);
	/* The text form's empty value: null, "" or [] as the field takes it. */
	enum tc_status rc = tc_value_from_text(fi->id, "", &t->values[fi->id], err);
	if (rc == TC_INVALID)
		tc_error_set(err, TC_INVALID, "%s cannot be cleared, only set", key);
	return rc;
}

/*
 * The attributes of --set / --unset / --json applied onto draft. For an
 * update url_id is the trunk's id (a JSON:API document must name it).
 */
static enum tc_status apply_input(struct cli *c, struct tc_trunk *draft, const char *url_id)
{
	const struct cli_args *a = c->a;
	bool json = a->given[CLI_OPT_JSON_INPUT];
	if (json && (a->sets.count || a->unsets.count))
		return tc_error_set(&c->err, TC_USAGE, "give --json or --set/--unset, not both");
	if (!json && !a->sets.count && !a->unsets.count)
		return tc_error_set(&c->err, TC_USAGE,
		                    "nothing to do: give --set KEY=VALUE or --json FILE");
	enum tc_status rc = TC_OK;
	for (size_t i = 0; i < a->sets.count && rc == TC_OK; i++)
		rc = tc_trunk_assign(draft, a->sets.items[i], &c->err);
	for (size_t i = 0; i < a->unsets.count && rc == TC_OK; i++)
		rc = apply_unset(draft, a->unsets.items[i], &c->err);
	if (!json || rc != TC_OK)
		return rc;
	char *text = NULL;
	size_t len = 0;
	rc = refuse_store_file(c, a->value[CLI_OPT_JSON_INPUT]);
	if (rc == TC_OK)
		rc = read_input(a->value[CLI_OPT_JSON_INPUT], &text, &len, &c->err);
	if (rc != TC_OK)
		return rc;
	struct tc_trunk *doc = NULL;
	rc = tc_jsonapi_decode_request(text, len, url_id ? TC_JSONAPI_UPDATE : TC_JSONAPI_CREATE,
	                               url_id, &doc, &c->err);
	free(text);
	if (rc == TC_PARSE && c->err.message[0] == '\0')
		tc_error_set(&c->err, TC_PARSE, "%s is not a JSON document",
		             a->value[CLI_OPT_JSON_INPUT]);
	if (rc == TC_INVALID && c->err.message[0] == '\0')
		tc_error_set(&c->err, TC_INVALID, "the document has invalid attributes");
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++)
		if (doc->values[f].state != TC_V_ABSENT && !(tc_field(f)->flags & TC_FF_READONLY))
			rc = tc_trunk_set_value(draft, f, &doc->values[f]);
	tc_trunk_free(doc);
	if (rc == TC_NOMEM)
		tc_error_set(&c->err, rc, NULL);
	return rc;
}

/* ---- pushing a change ---- */

static bool has_api(struct cli *c)
{
	return tc_config_get(c->cfg, TC_CFG_API_URL) != NULL;
}

/*
 * After a local save: pushes unless offline, then reports what became of
 * trunk id (a create's local id finds the server id it moved to). gone is
 * true for a delete (TC_NOT_FOUND afterwards is success).
 */
static int push_change(struct cli *c, const char *id, bool gone, bool print_id)
{
	if (tc_service_offline(c->svc)) {
		fprintf(stderr, "trunkctl: saved and queued; --offline, so nothing was sent\n");
		if (print_id)
			printf("%s\n", id);
		return CLI_EXIT_OK;
	}
	if (!has_api(c)) {
		fprintf(stderr, "trunkctl: saved and queued; no api_url is configured, so nothing "
		                "was sent\n");
		if (print_id)
			printf("%s\n", id);
		return CLI_EXIT_QUEUED;
	}
	struct tc_sync_report rep;
	memset(&rep, 0, sizeof(rep));
	tc_error_clear(&c->err);
	enum tc_status rc = tc_service_sync(c->svc, TC_SYNC_PUSH, &rep, &c->err);
	struct tc_error gerr;
	tc_error_init(&gerr);
	struct tc_trunk_record *rec = NULL;
	enum tc_status grc = tc_service_get(c->svc, id, &rec, &gerr);
	int code;
	if (grc == TC_NOT_FOUND && gone) {
		code = CLI_EXIT_OK;
	} else if (grc != TC_OK) {
		cli_print_error(&gerr);
		code = cli_exit_for(grc);
	} else if (rec->state == TC_SYNC_SYNCED && !gone) {
		if (print_id)
			cli_say(stdout, "%s", rec->id);
		code = CLI_EXIT_OK;
	} else if (rec->state == TC_SYNC_REJECTED) {
		fprintf(stderr, "trunkctl: the Carrier API rejected the change (it stays queued "
		                "until fixed or discarded):\n");
		print_field_errors(&rec->errors);
		code = CLI_EXIT_INVALID;
	} else if (rec->state == TC_SYNC_CONFLICT && rec->conflict && !rec->conflict->theirs) {
		fprintf(stderr,
		        "trunkctl: not saved on the server: another client deleted this trunk "
		        "while it was edited here; 'trunkctl resolve %s --keep-mine' creates it "
		        "again, '--take-theirs' lets it go\n",
		        rec->id);
		code = CLI_EXIT_CONFLICT;
	} else if (rec->state == TC_SYNC_CONFLICT && rec->pending == TC_OP_DELETE) {
		fprintf(
		    stderr,
		    "trunkctl: not deleted: the server changed this trunk since the delete was "
		    "queued (delete vs modified); see 'trunkctl show %s', then 'trunkctl "
		    "resolve %s --keep-mine' deletes it as it is now, '--take-theirs' keeps it\n",
		    rec->id, rec->id);
		code = CLI_EXIT_CONFLICT;
	} else if (rec->state == TC_SYNC_CONFLICT) {
		cli_say(stderr,
		        "trunkctl: the server changed this trunk too; see 'trunkctl show "
		        "%s' and settle it with 'trunkctl resolve'",
		        rec->id);
		code = CLI_EXIT_CONFLICT;
	} else {
		if (rc == TC_OK)
			tc_error_set(&c->err, TC_UNREACHABLE, "the change was not sent");
		cli_say(stderr, "trunkctl: saved and queued, not sent: %s",
		        c->err.message[0] ? c->err.message : tc_status_message(rc));
		if (print_id)
			cli_say(stdout, "%s", rec->id);
		code = rc == TC_AUTH || rc == TC_FORBIDDEN ? CLI_EXIT_AUTH : CLI_EXIT_QUEUED;
	}
	tc_trunk_record_free(rec);
	tc_error_clear(&gerr);
	return code;
}

/* ---- commands ---- */

static int parse_sort(const char *spec, struct tc_list_query *q, struct tc_error *err)
{
	char field[64];
	const char *colon = strchr(spec, ':');
	snprintf(field, sizeof(field), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec),
	         spec);
	if (colon && strcmp(colon + 1, "desc") != 0 && strcmp(colon + 1, "asc") != 0)
		return tc_error_set(err, TC_USAGE, "--sort FIELD[:desc], not \"%s\"", spec);
	q->descending = colon && strcmp(colon + 1, "desc") == 0;
	const struct tc_field_info *fi = tc_field_by_key(field);
	if (fi)
		q->sort = fi->id;
	else if (strcmp(field, "id") == 0)
		q->sort = TC_SORT_ID;
	else if (strcmp(field, "sync_state") == 0)
		q->sort = TC_SORT_SYNC_STATE;
	else
		return tc_error_set(err, TC_USAGE, "cannot sort by \"%s\": not an attribute",
		                    field);
	return TC_OK;
}

static int refresh(struct cli *c)
{
	struct tc_sync_report rep;
	enum tc_status rc = tc_service_sync(c->svc, TC_SYNC_PULL, &rep, &c->err);
	if (rc == TC_OK)
		return CLI_EXIT_OK;
	cli_say(stderr, "trunkctl: refresh failed, listing the local copy: %s",
	        c->err.message[0] ? c->err.message : tc_status_message(rc));
	tc_error_clear(&c->err);
	return rc == TC_AUTH || rc == TC_FORBIDDEN ? CLI_EXIT_AUTH : CLI_EXIT_FAILURE;
}

/* Every row of q as --json or CSV, written as it is read. */
static enum tc_status stream_rows(struct cli *c, const struct tc_list_query *q, bool csv, FILE *out,
                                  size_t *count)
{
	struct cli_rows w;
	cli_rows_begin(&w, out, csv, c->a->given[CLI_OPT_REVEAL], !c->a->given[CLI_OPT_CSV_RAW]);
	enum tc_status rc = tc_service_list_each(c->svc, q, cli_rows_put, &w, &c->err);
	/* after a failed walk, what is left is written and freed; its error is the walk's */
	struct tc_error ignored;
	tc_error_init(&ignored);
	enum tc_status end = cli_rows_end(&w, rc == TC_OK ? &c->err : &ignored);
	tc_error_clear(&ignored);
	*count = w.count;
	return rc != TC_OK ? rc : end;
}

static int cmd_list(struct cli *c)
{
	const struct cli_args *a = c->a;
	if (a->given[CLI_OPT_JSON] && a->given[CLI_OPT_CSV])
		return fail(c, tc_error_set(&c->err, TC_USAGE, "give --json or --csv, not both"));
	if (a->given[CLI_OPT_CSV_RAW] && !a->given[CLI_OPT_CSV])
		return fail(c, tc_error_set(&c->err, TC_USAGE, "--csv-raw goes with --csv"));
	struct tc_list_query q = {.filter = a->value[CLI_OPT_FILTER], .sort = TC_FIELD_NONE};
	if (a->given[CLI_OPT_SORT] && parse_sort(a->value[CLI_OPT_SORT], &q, &c->err) != TC_OK)
		return fail(c, TC_USAGE);
	int code = CLI_EXIT_OK;
	if (a->given[CLI_OPT_REFRESH])
		code = refresh(c);
	enum tc_status rc;
	if (a->given[CLI_OPT_JSON] || a->given[CLI_OPT_CSV]) {
		size_t n;
		rc = stream_rows(c, &q, a->given[CLI_OPT_CSV], stdout, &n);
	} else {
		/* the table's columns fit the widest cell: it needs every row first */
		struct tc_trunk_page page = {0};
		rc = tc_service_list(c->svc, &q, &page, &c->err);
		if (rc == TC_OK)
			cli_print_table(stdout, &page);
		tc_trunk_page_free(&page);
	}
	return rc != TC_OK ? fail(c, rc) : code;
}

/* show --raw: the server's resource object, indented. */
static int show_raw(struct cli *c)
{
	if (c->a->given[CLI_OPT_JSON])
		return fail(c, tc_error_set(&c->err, TC_USAGE, "--raw and --json do not combine"));
	char *doc = NULL;
	enum tc_status rc =
	    tc_service_document(c->svc, c->a->pos[0], c->a->given[CLI_OPT_REVEAL], &doc, &c->err);
	if (rc == TC_OK && !doc)
		rc = tc_error_set(
		    &c->err, TC_NOT_FOUND,
		    "the Carrier API has not sent trunk %s yet (its create is not pushed)",
		    c->a->pos[0]);
	if (rc == TC_OK)
		printf("%s\n", doc);
	free(doc);
	return rc != TC_OK ? fail(c, rc) : CLI_EXIT_OK;
}

static int cmd_show(struct cli *c)
{
	if (c->a->given[CLI_OPT_RAW])
		return show_raw(c);
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, c->a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return fail(c, rc);
	bool reveal = c->a->given[CLI_OPT_REVEAL];
	if (c->a->given[CLI_OPT_JSON]) {
		json_t *obj = cli_trunk_json(rec->current, rec->state, reveal);
		if (cli_print_json(stdout, obj) != 0)
			rc = tc_error_set(&c->err, TC_NOMEM, NULL);
		json_decref(obj);
	} else {
		cli_print_record(stdout, rec, reveal);
	}
	tc_trunk_record_free(rec);
	return rc != TC_OK ? fail(c, rc) : CLI_EXIT_OK;
}

static int cmd_create(struct cli *c)
{
	struct tc_trunk *draft = tc_trunk_new();
	if (!draft)
		return fail(c, TC_NOMEM);
	enum tc_status rc = apply_input(c, draft, NULL);
	char *id = NULL;
	if (rc == TC_OK)
		rc = tc_service_create(c->svc, draft, &id, &c->err);
	tc_trunk_free(draft);
	if (rc != TC_OK)
		return fail(c, rc);
	int code = push_change(c, id, false, true);
	free(id);
	return code;
}

/* "updated Kampala: max_channels, name" on stdout: what the save changed. */
static void print_changed(const char *trunk, const struct tc_edit_result *res)
{
	char keys[400];
	tc_field_keys(res->changed, keys, sizeof(keys));
	if (res->nchanged)
		printf("updated %s: %s\n", trunk, keys);
	else
		printf("unchanged %s: every given value was already there\n", trunk);
}

static int cmd_update(struct cli *c)
{
	struct tc_trunk_record *rec = NULL;
	/* only to find the trunk: the save reads it again inside its transaction */
	enum tc_status rc = tc_service_get(c->svc, c->a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return fail(c, rc);
	/* only the given fields: another writer's change to the others is kept */
	struct tc_trunk *changes = tc_trunk_new();
	rc = changes ? apply_input(c, changes, rec->id) : TC_NOMEM;
	struct tc_edit_result res = {0};
	if (rc == TC_OK)
		rc = tc_service_update(c->svc, rec->id, changes, NULL, &res, &c->err);
	tc_trunk_free(changes);
	if (rc == TC_OK)
		print_changed(c->a->pos[0], &res);
	tc_edit_result_free(&res);
	int code = rc != TC_OK ? fail(c, rc) : push_change(c, rec->id, false, false);
	tc_trunk_record_free(rec);
	return code;
}

/* Reads one line from the terminal; false at end of input. */
static bool ask(const char *prompt, char *buf, size_t size)
{
	fputs(prompt, stderr);
	fflush(stderr);
	if (!fgets(buf, (int)size, stdin))
		return false;
	buf[strcspn(buf, "\r\n")] = '\0';
	return true;
}

static int cmd_delete(struct cli *c)
{
	const struct cli_args *a = c->a;
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return fail(c, rc);
	const char *name = tc_trunk_string(rec->current, TC_F_NAME);
	name = name ? name : "";
	if (a->given[CLI_OPT_CONFIRM] && strcmp(a->value[CLI_OPT_CONFIRM], name) != 0) {
		rc = tc_error_set(&c->err, TC_USAGE,
		                  "--confirm \"%s\" is not the name of trunk %s; nothing deleted",
		                  a->value[CLI_OPT_CONFIRM], rec->id);
	} else if (!a->given[CLI_OPT_CONFIRM] && !a->given[CLI_OPT_YES]) {
		char line[256], prompt[400];
		char *shown = tc_termtext_cell(name, 60, 0, tc_termtext_locale_utf8());
		snprintf(prompt, sizeof(prompt),
		         "Delete trunk \"%s\" (%s)? Type its name to confirm: ", shown ? shown : "",
		         rec->id);
		free(shown);
		if (!isatty(STDIN_FILENO))
			rc = tc_error_set(
			    &c->err, TC_USAGE,
			    "delete asks for confirmation and stdin is not a terminal: "
			    "give --yes or --confirm NAME");
		else if (!ask(prompt, line, sizeof(line)) || strcmp(line, name) != 0)
			rc = tc_error_set(&c->err, TC_CANCELLED, "not deleted");
	}
	if (rc == TC_OK)
		rc = tc_service_delete(c->svc, rec->id, &c->err);
	int code = rc != TC_OK ? fail(c, rc) : push_change(c, rec->id, true, false);
	tc_trunk_record_free(rec);
	return code;
}

static int cmd_validate(struct cli *c)
{
	const char *mode = c->a->value[CLI_OPT_MODE];
	enum tc_save_kind kind = TC_SAVE_CREATE;
	if (mode && strcmp(mode, "update") == 0)
		kind = TC_SAVE_UPDATE;
	else if (mode && strcmp(mode, "create") != 0)
		return fail(
		    c, tc_error_set(&c->err, TC_USAGE, "--mode create|update, not \"%s\"", mode));
	struct tc_trunk *draft = tc_trunk_new();
	struct tc_trunk *base = tc_trunk_new();
	enum tc_status rc = draft && base ? TC_OK : TC_NOMEM;
	/* Read as a create document: there is no URL id for an update document to match. */
	if (rc == TC_OK)
		rc = apply_input(c, draft, NULL);
	if (rc == TC_OK)
		rc = tc_service_validate(c->svc, kind, draft, kind == TC_SAVE_UPDATE ? base : NULL,
		                         &c->err);
	tc_trunk_free(draft);
	tc_trunk_free(base);
	if (rc != TC_OK)
		return fail(c, rc);
	print_field_errors(&c->err.fields);
	fprintf(stderr, "trunkctl: valid\n");
	return CLI_EXIT_OK;
}

static json_t *body_json(const char *body)
{
	if (!body)
		return json_null();
	json_t *v = json_loads(body, 0, NULL);
	return v ? v : json_string(body);
}

static int sync_dry_run(struct cli *c)
{
	struct tc_pending_list list = {0};
	enum tc_status rc = tc_service_pending(c->svc, c->a->given[CLI_OPT_REVEAL], &list, &c->err);
	if (rc != TC_OK) {
		tc_pending_list_free(&list);
		return fail(c, rc);
	}
	json_t *arr = c->a->given[CLI_OPT_JSON] ? json_array() : NULL;
	for (size_t i = 0; i < list.count; i++) {
		const struct tc_request_preview *r = &list.items[i].request;
		if (arr) {
			json_array_append_new(arr, json_pack("{s:I,s:s?,s:s?,s:s?,s:o}", "seq",
			                                     (json_int_t)list.items[i].seq,
			                                     "trunk_id", list.items[i].trunk_id,
			                                     "method", r->method, "path", r->path,
			                                     "body", body_json(r->body)));
			continue;
		}
		cli_say(stdout, "%s %s", r->method, r->path);
		if (r->body) {
			json_t *b = body_json(r->body);
			cli_print_json(stdout, b);
			json_decref(b);
		}
	}
	if (arr)
		cli_print_json(stdout, arr);
	else
		fprintf(stderr, "trunkctl: dry run: %zu request%s would be sent, nothing was\n",
		        list.count, list.count == 1 ? "" : "s");
	if (!arr && list.count)
		cli_route_effects(c->svc, stderr);
	json_decref(arr);
	tc_pending_list_free(&list);
	return CLI_EXIT_OK;
}

static int cmd_sync(struct cli *c)
{
	if (c->a->given[CLI_OPT_DRY_RUN])
		return sync_dry_run(c);
	struct tc_sync_report rep;
	memset(&rep, 0, sizeof(rep));
	enum tc_status rc = tc_service_sync(c->svc, TC_SYNC_ALL | TC_SYNC_FORCE, &rep, &c->err);
	if (c->a->given[CLI_OPT_JSON]) {
		json_t *o =
		    json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "status", tc_status_name(rc),
		              "message", rep.message, "pulled", (json_int_t)rep.pulled, "removed",
		              (json_int_t)rep.removed, "pushed", (json_int_t)rep.pushed, "queued",
		              (json_int_t)rep.queued, "conflicts", (json_int_t)rep.conflicts,
		              "rejected", (json_int_t)rep.rejected);
		cli_print_json(stdout, o);
		json_decref(o);
	} else {
		fprintf(stderr,
		        "trunkctl: pulled %zu, removed %zu, pushed %zu; %zu queued, %zu in "
		        "conflict, %zu rejected\n",
		        rep.pulled, rep.removed, rep.pushed, rep.queued, rep.conflicts,
		        rep.rejected);
	}
	if (rc != TC_OK && rc != TC_CONFLICT && rc != TC_REJECTED)
		cli_print_error(&c->err);
	if (rep.conflicts)
		return CLI_EXIT_CONFLICT;
	if (rc == TC_OK)
		return CLI_EXIT_OK;
	if (cli_exit_for(rc) == CLI_EXIT_QUEUED && !rep.queued)
		return CLI_EXIT_FAILURE;
	return cli_exit_for(rc);
}

static int cmd_status(struct cli *c)
{
	struct tc_service_status st;
	enum tc_status rc = tc_service_status(c->svc, &st, &c->err);
	if (rc != TC_OK)
		return fail(c, rc);
	char pull[40], sync[40];
	cli_format_time(pull, sizeof(pull), st.last_pull_ms);
	cli_format_time(sync, sizeof(sync), st.last_sync_ms);
	const char *host = tc_service_api_host(c->svc);
	if (c->a->given[CLI_OPT_JSON]) {
		json_t *o =
		    json_pack("{s:s,s:s?,s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:b,s:b}", "profile",
		              tc_service_profile(c->svc), "api_host", host, "trunks",
		              (json_int_t)st.trunks, "queued", (json_int_t)st.queued, "in_flight",
		              (json_int_t)st.in_flight, "conflicts", (json_int_t)st.conflicts,
		              "rejected", (json_int_t)st.rejected, "last_pull", pull, "last_sync",
		              sync, "last_status", tc_status_name(st.last_status), "last_error",
		              st.last_error, "offline", st.offline, "read_only", st.read_only);
		cli_print_json(stdout, o);
		json_decref(o);
	} else {
		cli_say(stdout, "profile:    %s%s%s", tc_service_profile(c->svc),
		        st.offline ? " (offline)" : "", st.read_only ? " (read-only)" : "");
		cli_say(stdout, "api:        %s", host ? host : "none configured");
		printf("trunks:     %zu\n", st.trunks);
		printf("queued:     %zu (%zu in flight)\n", st.queued, st.in_flight);
		printf("conflicts:  %zu\n", st.conflicts);
		printf("rejected:   %zu\n", st.rejected);
		printf("last pull:  %s\n", pull);
		cli_say(stdout, "last sync:  %s%s%s", sync, st.last_error[0] ? ": " : "",
		        st.last_error);
	}
	return st.conflicts ? CLI_EXIT_CONFLICT : CLI_EXIT_OK;
}

static int cmd_pending(struct cli *c)
{
	bool reveal = c->a->given[CLI_OPT_REVEAL];
	struct tc_pending_list list = {0};
	enum tc_status rc = tc_service_pending(c->svc, reveal, &list, &c->err);
	if (rc != TC_OK) {
		tc_pending_list_free(&list);
		return fail(c, rc);
	}
	if (c->a->given[CLI_OPT_JSON]) {
		json_t *arr = json_array();
		for (size_t i = 0; i < list.count; i++) {
			const struct tc_pending_entry *e = &list.items[i];
			json_array_append_new(
			    arr, json_pack("{s:I,s:s?,s:s?,s:s,s:s,s:I,s:s?,s:s?,s:s?,s:o}", "seq",
			                   (json_int_t)e->seq, "trunk_id", e->trunk_id, "name",
			                   e->trunk_name, "op", tc_outbox_op_name(e->op), "state",
			                   tc_outbox_state_name(e->state), "attempts",
			                   (json_int_t)e->attempts, "last_error", e->last_error,
			                   "method", e->request.method, "path", e->request.path,
			                   "body", body_json(e->request.body)));
		}
		cli_print_json(stdout, arr);
		json_decref(arr);
	} else {
		printf("%-5s %-7s %-9s %-38s %-24s %s\n", "SEQ", "OP", "STATE", "TRUNK", "NAME",
		       "LAST ERROR");
		for (size_t i = 0; i < list.count; i++) {
			const struct tc_pending_entry *e = &list.items[i];
			printf("%-5lld %-7s %-9s ", (long long)e->seq, tc_outbox_op_name(e->op),
			       tc_outbox_state_name(e->state));
			cli_put_text(stdout, e->trunk_id, -1, 38);
			fputc(' ', stdout);
			cli_put_text(stdout, e->trunk_name ? e->trunk_name : "-", 24, 24);
			fputc(' ', stdout);
			cli_say(stdout, "%s", e->last_error ? e->last_error : "-");
		}
		if (list.count)
			cli_route_effects(c->svc, stderr);
	}
	tc_pending_list_free(&list);
	return CLI_EXIT_OK;
}

/*
 * A trunk deleted on the server and kept here was queued as a create under
 * a new local id, which resolve does not return: it is found by its name
 * (unique unless another trunk took it meanwhile) and pushed, and its new
 * id printed.
 */
static int push_recreated(struct cli *c, const char *name)
{
	struct tc_trunk_record *rec = NULL;
	struct tc_error e;
	tc_error_init(&e);
	int code;
	/* no base: never on the server, so not another trunk that took the name */
	if (name && tc_service_get(c->svc, name, &rec, &e) == TC_OK && !rec->base) {
		code = push_change(c, rec->id, false, true);
	} else {
		fprintf(stderr,
		        "trunkctl: created again as a new trunk and queued; 'trunkctl sync' "
		        "sends it\n");
		code = CLI_EXIT_OK;
	}
	tc_error_clear(&e);
	tc_trunk_record_free(rec);
	return code;
}

static int cmd_resolve(struct cli *c)
{
	const struct cli_args *a = c->a;
	bool mine = a->given[CLI_OPT_KEEP_MINE], theirs = a->given[CLI_OPT_TAKE_THEIRS];
	if (mine && theirs)
		return fail(c, tc_error_set(&c->err, TC_USAGE,
		                            "give --keep-mine or --take-theirs, not both"));
	if (!mine && !theirs && !a->sets.count)
		return fail(c, tc_error_set(&c->err, TC_USAGE,
		                            "give --keep-mine, --take-theirs or --set KEY=VALUE"));
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return fail(c, rc);
	if (!rec->conflict || (rec->conflict->mine_deleted && a->sets.count)) {
		rc = rec->conflict
		         ? tc_error_set(
		               &c->err, TC_USAGE,
		               "trunk %s was deleted here and changed on the server (delete "
		               "vs modified): --keep-mine deletes it as it is now, "
		               "--take-theirs keeps it; --set does not apply",
		               rec->id)
		         : tc_error_set(&c->err, TC_USAGE, "trunk %s is not in conflict", rec->id);
		tc_trunk_record_free(rec);
		return fail(c, rc);
	}
	struct tc_trunk *edited = tc_trunk_dup(rec->conflict->mine);
	struct tc_trunk *sets = tc_trunk_new();
	rc = edited && sets ? TC_OK : TC_NOMEM;
	for (size_t i = 0; rc == TC_OK && i < a->sets.count; i++)
		rc = tc_trunk_assign(sets, a->sets.items[i], &c->err);
	enum tc_resolution choices[TC_FIELD_COUNT];
	enum tc_resolution all = mine     ? TC_RESOLVE_MINE
	                         : theirs ? TC_RESOLVE_THEIRS
	                                  : TC_RESOLVE_NONE;
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++) {
		choices[f] = all;
		if (sets->values[f].state != TC_V_ABSENT) {
			choices[f] = TC_RESOLVE_EDITED;
			rc = tc_trunk_set_value(edited, f, &sets->values[f]);
		}
	}
	if (rc == TC_OK)
		rc = tc_service_resolve(c->svc, rec->id, choices, edited, &c->err);
	const char *name = edited ? tc_trunk_string(edited, TC_F_NAME) : NULL;
	char *recreated_name =
	    rc == TC_OK && !rec->conflict->theirs && !theirs && name ? strdup(name) : NULL;
	tc_trunk_free(edited);
	tc_trunk_free(sets);
	int code;
	if (rc != TC_OK) {
		code = fail(c, rc);
	} else {
		/* Taking theirs for a trunk deleted there drops it here too. */
		struct tc_trunk_record *now = NULL;
		struct tc_error e2;
		tc_error_init(&e2);
		bool gone = tc_service_get(c->svc, rec->id, &now, &e2) == TC_NOT_FOUND;
		bool queued = now && now->pending != TC_OP_NONE;
		bool deleting = now && now->pending == TC_OP_DELETE;
		tc_trunk_record_free(now);
		tc_error_clear(&e2);
		if (rec->conflict->mine_deleted && !queued && !gone)
			fprintf(stderr, "trunkctl: the delete is dropped; the trunk stays as the "
			                "server has it\n");
		if (gone && recreated_name)
			code = push_recreated(c, recreated_name);
		else
			code = gone || !queued ? CLI_EXIT_OK
			                       : push_change(c, rec->id, deleting, false);
	}
	free(recreated_name);
	tc_trunk_record_free(rec);
	return code;
}

static int cmd_discard(struct cli *c)
{
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, c->a->pos[0], &rec, &c->err);
	if (rc == TC_OK)
		rc = tc_service_discard(c->svc, rec->id, &c->err);
	if (rc == TC_OK)
		cli_say(stderr, "trunkctl: discarded the queued changes of %s", rec->id);
	tc_trunk_record_free(rec);
	return rc != TC_OK ? fail(c, rc) : CLI_EXIT_OK;
}

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

static int cmd_export(struct cli *c)
{
	const char *format = c->a->value[CLI_OPT_FORMAT];
	bool csv = format && strcmp(format, "csv") == 0;
	if (format && !csv && strcmp(format, "json") != 0)
		return fail(
		    c, tc_error_set(&c->err, TC_USAGE, "--format json|csv, not \"%s\"", format));
	if (c->a->given[CLI_OPT_CSV_RAW] && !csv)
		return fail(c, tc_error_set(&c->err, TC_USAGE, "--csv-raw goes with --format csv"));
	struct tc_list_query q = {.sort = TC_FIELD_NONE};
	const char *path = c->a->value[CLI_OPT_OUTPUT];
	if (refuse_store_file(c, path) != TC_OK)
		return fail(c, TC_USAGE);
	struct export_out out;
	enum tc_status rc = export_open(&out, path, c->a->given[CLI_OPT_REVEAL], &c->err);
	size_t n = 0;
	if (rc == TC_OK)
		rc = stream_rows(c, &q, csv, out.fp, &n);
	bool to_stdout = out.fp == stdout;
	rc = export_close(&out, rc, &c->err);
	if (rc == TC_OK && !to_stdout)
		fprintf(stderr, "trunkctl: exported %zu trunks to %s\n", n, path);
	return rc != TC_OK ? fail(c, rc) : CLI_EXIT_OK;
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
			tc_trunk_free(trunks[i]);
		free(trunks);
		return rc;
	}
	*out = trunks;
	*count = n;
	return TC_OK;
}

static int cmd_import(struct cli *c)
{
	char *text = NULL;
	size_t len = 0;
	enum tc_status rc = refuse_store_file(c, c->a->pos[0]);
	if (rc == TC_OK)
		rc = read_input(c->a->pos[0], &text, &len, &c->err);
	if (rc != TC_OK)
		return fail(c, rc);
	size_t skip = strspn(text, " \t\r\n");
	struct tc_trunk **trunks = NULL;
	size_t n = 0;
	if (text[skip] == '[' || text[skip] == '{')
		rc = json_import(text, len, &trunks, &n, &c->err);
	else
		rc = cli_csv_read(text, &trunks, &n, &c->err);
	free(text);
	if (rc != TC_OK)
		return fail(c, rc);
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
			print_field_errors(&r->errors);
		else if (r->status != TC_OK)
			fprintf(stderr, "  %s\n", tc_status_message(r->status));
	}
	for (size_t i = 0; i < n; i++)
		tc_trunk_free(trunks[i]);
	free(trunks);
	if (rc == TC_OK)
		fprintf(stderr, "trunkctl: %s%zu to create, %zu to update, %zu unchanged%s\n",
		        dry ? "dry run, nothing staged: " : "staged in the outbox: ", rep.created,
		        rep.updated, rep.unchanged,
		        dry ? "" : "; review with 'trunkctl pending', send with 'trunkctl sync'");
	tc_import_report_free(&rep);
	return rc != TC_OK ? fail(c, rc) : CLI_EXIT_OK;
}

static int cmd_log(struct cli *c)
{
	struct tc_journal_list list = {0};
	enum tc_status rc = tc_service_journal(c->svc, 0, &list, &c->err);
	if (rc != TC_OK) {
		tc_journal_list_free(&list);
		return fail(c, rc);
	}
	json_t *arr = c->a->given[CLI_OPT_JSON] ? json_array() : NULL;
	if (!arr)
		printf("%-20s %-8s %-6s %-38s %s\n", "TIME", "METHOD", "HTTP", "TRUNK", "RESULT");
	for (size_t i = 0; i < list.count; i++) {
		const struct tc_journal_entry *e = &list.items[i];
		char when[40];
		cli_format_time(when, sizeof(when), e->time_ms);
		if (arr) {
			char *changes = e->changes ? tc_trunk_to_flat_json(e->changes, 0) : NULL;
			json_array_append_new(
			    arr, json_pack("{s:I,s:s,s:s?,s:s?,s:s?,s:o,s:i,s:s?,s:s?}", "seq",
			                   (json_int_t)e->seq, "time", when, "profile", e->profile,
			                   "method", e->method, "trunk_id", e->trunk_id, "changes",
			                   body_json(changes), "http_status", e->http_status,
			                   "request_id", e->request_id, "error", e->error));
			free(changes);
			continue;
		}
		printf("%-20s %-8s %-6d ", when, e->method, e->http_status);
		cli_put_text(stdout, e->trunk_id ? e->trunk_id : "-", -1, 38);
		fputc(' ', stdout);
		cli_say(stdout, "%s", e->error ? e->error : "ok");
	}
	if (arr)
		cli_print_json(stdout, arr);
	json_decref(arr);
	tc_journal_list_free(&list);
	return CLI_EXIT_OK;
}

/* ---- doctor ---- */

struct checks {
	json_t *arr;
	int worst;
};

static void check(struct checks *ck, int code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void check(struct checks *ck, int code, const char *name, const char *fmt, ...)
{
	char detail[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* -1: a warning, reported but not failing. */
	const char *verdict = code > 0 ? "FAIL" : code < 0 ? "warn" : "ok";
	if (code > 0 && ck->worst == CLI_EXIT_OK)
		ck->worst = code;
	if (ck->arr)
		json_array_append_new(ck->arr, json_pack("{s:s,s:s,s:s}", "check", name, "result",
		                                         verdict, "detail", detail));
	else
		cli_say(stdout, "%-5s %-12s %s", verdict, name, detail);
}

static void doctor_files(struct cli *c, struct checks *ck)
{
	const char *path = tc_config_get(c->cfg, TC_CFG_CONFIG_FILE);
	struct stat st;
	if (path && stat(path, &st) == 0)
		check(ck, (st.st_mode & S_IWOTH) ? -1 : 0, "config", "%s (mode %04o)%s", path,
		      (unsigned)(st.st_mode & 07777),
		      (st.st_mode & S_IWOTH) ? ": others can write it" : "");
	else
		check(ck, 0, "config", "no configuration file; defaults, environment and flags");
	const char *token = NULL;
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status rc = tc_config_token(c->cfg, &token, &e);
	if (rc == TC_OK)
		check(ck, 0, "token", "from %s", tc_config_token_where(c->cfg));
	else
		check(ck, rc == TC_AUTH ? CLI_EXIT_AUTH : CLI_EXIT_FAILURE, "token", "%s",
		      e.message);
	tc_error_clear(&e);
}

static void doctor_server(struct cli *c, struct checks *ck)
{
	if (!has_api(c) || tc_service_offline(c->svc)) {
		check(ck, -1, "server", "%s", has_api(c) ? "offline: not checked" : "no api_url");
		return;
	}
	struct tc_probe_result pr;
	memset(&pr, 0, sizeof(pr));
	struct tc_error e;
	tc_error_init(&e);
	/* The verdicts come from pr; the status only repeats them. */
	tc_service_probe(c->svc, &pr, &e);
	const char *url = tc_config_get(c->cfg, TC_CFG_API_URL);
	int status = pr.http_status;
	/* Any other answer (a redirect, a 5xx, a 418) leaves the token unchecked. */
	bool about_token = pr.token_ok || status == 401;
	if (!pr.reachable || !about_token)
		check(ck, CLI_EXIT_FAILURE, "server", "%s: %s", url,
		      e.message[0] ? e.message : pr.message);
	else
		check(ck, 0, "server", "%s answered HTTP %d", url, status);
	if (pr.reachable && !about_token)
		check(ck, CLI_EXIT_FAILURE, "auth", "not checked: the server answered HTTP %d (%s)",
		      status,
		      status >= 300 && status < 400   ? "a redirect, not followed"
		      : status >= 500                 ? "a server error"
		      : status >= 200 && status < 300 ? "not the trunk list"
		                                      : "not an answer the Carrier API gives");
	else if (pr.reachable)
		check(ck, pr.token_ok ? 0 : CLI_EXIT_AUTH, "auth", "%s",
		      pr.token_ok ? "token accepted" : "token refused (401)");
	if (pr.token_ok)
		check(ck, pr.scope_ok ? 0 : CLI_EXIT_AUTH, "scope", "%s",
		      pr.scope_ok ? "carrier_api scope"
		                  : "token lacks the carrier_api scope (403)");
	if (pr.have_skew) {
		long long s = (long long)(pr.skew_ms / 1000);
		check(ck, (s > 60 || s < -60) ? -1 : 0, "clock", "%+llds against the server's Date",
		      s);
	}
	tc_error_clear(&e);
}

static void doctor_store(struct cli *c, struct checks *ck)
{
	struct tc_store_check sc;
	memset(&sc, 0, sizeof(sc));
	struct tc_error e;
	tc_error_init(&e);
	if (tc_service_check_store(c->svc, &sc, &e) != TC_OK) {
		check(ck, CLI_EXIT_FAILURE, "store", "%s", e.message);
		tc_error_clear(&e);
		return;
	}
	check(ck, sc.integrity_ok ? 0 : CLI_EXIT_FAILURE, "store", "%s: %s (schema %d, %lld bytes)",
	      tc_service_store_path(c->svc), sc.integrity_ok ? "intact" : sc.integrity,
	      sc.schema_version, (long long)sc.size_bytes);
	check(ck, sc.modes_ok ? 0 : -1, "modes", "data dir %04o, store %04o%s", sc.dir_mode,
	      sc.file_mode, sc.modes_ok ? "" : ": want 0700 and 0600");
	if (sc.integrity_ok && sc.search_rebuilt)
		check(ck, -1, "search",
		      "the filter's copy of the search text was out of step for %zu trunks: %s",
		      sc.search_rebuilt,
		      sc.read_only ? "not rebuilt, the store is read-only" : "rebuilt from them");
	else if (sc.integrity_ok)
		check(ck, 0, "search", "the filter's copy of the search text matches the trunks");
}

static void doctor_terminal(struct checks *ck)
{
	const char *term = getenv("TERM");
	const char *codeset = nl_langinfo(CODESET);
	check(ck, isatty(STDOUT_FILENO) && (!term || !*term || strcmp(term, "dumb") == 0) ? -1 : 0,
	      "terminal", "%s, TERM=%s, %s locale%s",
	      isatty(STDOUT_FILENO) ? "a terminal" : "not a terminal",
	      term && *term ? term : "(unset)",
	      codeset && strcmp(codeset, "UTF-8") == 0 ? "UTF-8" : "non-UTF-8 (ASCII drawing)",
	      getenv("NO_COLOR") ? ", NO_COLOR set" : "");
}

static int cmd_doctor(struct cli *c)
{
	struct checks ck = {.arr = c->a->given[CLI_OPT_JSON] ? json_array() : NULL};
	doctor_files(c, &ck);
	doctor_store(c, &ck);
	doctor_server(c, &ck);
	doctor_terminal(&ck);
	if (ck.arr)
		cli_print_json(stdout, ck.arr);
	json_decref(ck.arr);
	return ck.worst;
}

static int cmd_config(struct cli *c)
{
	json_t *obj = c->a->given[CLI_OPT_JSON] ? json_object() : NULL;
	for (int k = 0; k < TC_CFG_COUNT; k++) {
		const char *v = tc_config_get(c->cfg, k);
		const char *where = v ? tc_config_where(c->cfg, k) : "unset";
		if (k == TC_CFG_PROFILE && !v) {
			v = "default";
			where = "default";
		}
		if (obj)
			json_object_set_new(obj, tc_config_key_name(k),
			                    json_pack("{s:s?,s:s}", "value", v, "from", where));
		else
			cli_say(stdout, "%-14s %-44s (%s)", tc_config_key_name(k), v ? v : "-",
			        where);
	}
	/* Never the token itself: only whether there is one and where from. */
	enum tc_token_source src = tc_config_token_source(c->cfg);
	const char *masked = src == TC_TOKEN_NONE ? NULL : TC_SECRET_MASK;
	const char *where = src == TC_TOKEN_NONE ? "none" : tc_config_token_where(c->cfg);
	if (obj)
		json_object_set_new(obj, "token",
		                    json_pack("{s:s?,s:s}", "value", masked, "from", where));
	else
		printf("%-14s %-44s (%s)\n", "token", masked ? masked : "-", where);
	for (size_t i = 0; i < tc_config_keymap_count(c->cfg); i++) {
		const struct tc_config_keymap *km = tc_config_keymap_at(c->cfg, i);
		char name[80];
		snprintf(name, sizeof(name), "key.%s", km->action);
		if (obj)
			json_object_set_new(
			    obj, name, json_pack("{s:s,s:s}", "value", km->key, "from", km->where));
		else
			cli_say(stdout, "%-14s %-44s (%s)", name, km->key, km->where);
	}
	if (obj)
		cli_print_json(stdout, obj);
	json_decref(obj);
	return CLI_EXIT_OK;
}

/* ---- dispatch ---- */

enum tc_status cli_apply_globals(const struct cli_args *a, struct tc_config *cfg,
                                 struct tc_error *err)
{
	static const struct {
		enum cli_opt_id opt;
		enum tc_config_key key;
		const char *fixed; /* value for a switch */
	} map[] = {
	    {CLI_OPT_PROFILE, TC_CFG_PROFILE, NULL},
	    {CLI_OPT_API_URL, TC_CFG_API_URL, NULL},
	    {CLI_OPT_TOKEN_FILE, TC_CFG_TOKEN_FILE, NULL},
	    {CLI_OPT_AUTH, TC_CFG_AUTH, NULL},
	    {CLI_OPT_DATA_DIR, TC_CFG_DATA_DIR, NULL},
	    {CLI_OPT_CONFIG, TC_CFG_CONFIG_FILE, NULL},
	    {CLI_OPT_OFFLINE, TC_CFG_OFFLINE, "true"},
	    {CLI_OPT_READ_ONLY, TC_CFG_READ_ONLY, "true"},
	    {CLI_OPT_ALLOW_HTTP, TC_CFG_ALLOW_HTTP, "true"},
	    {CLI_OPT_NO_COLOR, TC_CFG_COLOR, "never"},
	    {CLI_OPT_VERBOSE, TC_CFG_VERBOSE, "true"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!a->given[map[i].opt])
			continue;
		char flag[40];
		snprintf(flag, sizeof(flag), "%s", tc_config_key_flag(map[i].key));
		enum tc_status rc = tc_config_set(
		    cfg, map[i].key, map[i].fixed ? map[i].fixed : a->value[map[i].opt],
		    TC_ORIGIN_FLAG, flag, err);
		if (rc != TC_OK)
			return rc;
	}
	for (size_t i = 0; i < a->resolve.count; i++) {
		enum tc_status rc = tc_config_set(cfg, TC_CFG_RESOLVE, a->resolve.items[i],
		                                  TC_ORIGIN_FLAG, "--resolve", err);
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static bool needs_token(const struct cli_args *a)
{
	if (a->given[CLI_OPT_SANDBOX])
		return true;
	switch (a->command->id) {
	case CLI_CMD_LIST:
		return a->given[CLI_OPT_REFRESH];
	case CLI_CMD_SYNC:
		return !a->given[CLI_OPT_DRY_RUN];
	case CLI_CMD_CREATE:
	case CLI_CMD_UPDATE:
	case CLI_CMD_DELETE:
	case CLI_CMD_RESOLVE:
		return true;
	default:
		return false;
	}
}

int cli_run(const struct cli_args *a, struct tc_config *cfg)
{
	struct cli c = {.a = a, .cfg = cfg};
	tc_error_init(&c.err);
	int code;
	if (a->command->id == CLI_CMD_CONFIG) {
		code = cmd_config(&c);
		tc_error_clear(&c.err);
		return code;
	}
	enum tc_status rc = open_service(&c, needs_token(a) || a->command->id == CLI_CMD_DOCTOR);
	if (rc != TC_OK && a->command->id == CLI_CMD_DOCTOR && !c.svc) {
		/* doctor reports a token it cannot load; the other checks still run. */
		tc_error_clear(&c.err);
		rc = open_service(&c, false);
	}
	if (rc == TC_OK && tc_service_store_read_only(c.svc))
		fprintf(stderr,
		        "trunkctl: note: the local store is read-only (%s): it can be read, and "
		        "nothing can be saved\n",
		        tc_service_store_read_only(c.svc));
	if (rc == TC_OK && a->given[CLI_OPT_SANDBOX] && a->command->id != CLI_CMD_SYNC) {
		/* A fresh sandbox store is empty: fill it as the TUI's first sync would. */
		struct tc_sync_report rep;
		rc = tc_service_sync(c.svc, TC_SYNC_PULL, &rep, &c.err);
	}
	if (rc != TC_OK) {
		code = fail(&c, rc);
		tc_service_close(c.svc);
		tc_error_clear(&c.err);
		return code;
	}
	switch (a->command->id) {
	case CLI_CMD_LIST:
		code = cmd_list(&c);
		break;
	case CLI_CMD_SHOW:
		code = cmd_show(&c);
		break;
	case CLI_CMD_CREATE:
		code = cmd_create(&c);
		break;
	case CLI_CMD_UPDATE:
		code = cmd_update(&c);
		break;
	case CLI_CMD_DELETE:
		code = cmd_delete(&c);
		break;
	case CLI_CMD_VALIDATE:
		code = cmd_validate(&c);
		break;
	case CLI_CMD_SYNC:
		code = cmd_sync(&c);
		break;
	case CLI_CMD_STATUS:
		code = cmd_status(&c);
		break;
	case CLI_CMD_PENDING:
		code = cmd_pending(&c);
		break;
	case CLI_CMD_RESOLVE:
		code = cmd_resolve(&c);
		break;
	case CLI_CMD_DISCARD:
		code = cmd_discard(&c);
		break;
	case CLI_CMD_EXPORT:
		code = cmd_export(&c);
		break;
	case CLI_CMD_IMPORT:
		code = cmd_import(&c);
		break;
	case CLI_CMD_LOG:
		code = cmd_log(&c);
		break;
	case CLI_CMD_DOCTOR:
		code = cmd_doctor(&c);
		break;
	case CLI_CMD_ROUTE:
		code = cli_cmd_route(a, c.svc, &c.err);
		break;
	case CLI_CMD_LINT:
		code = cli_cmd_lint(a, c.svc, &c.err);
		break;
	default:
		code = CLI_EXIT_USAGE;
		break;
	}
	tc_service_close(c.svc);
	tc_error_clear(&c.err);
	return code;
}
