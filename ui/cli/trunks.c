/* The trunk commands: list, show, create, update, delete and validate. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_private.h"
#include "editor.h"
#include "trunkctl/termtext.h"

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
	if (rc == TC_OFFLINE && !tc_service_offline(c->svc) && !cli_has_api(c)) {
		cli_say_no_api(c->cfg, "not refreshed, listing the local copy");
		tc_error_clear(&c->err);
		return CLI_EXIT_FAILURE;
	}
	cli_say(stderr, "trunkctl: refresh failed, listing the local copy: %s",
	        c->err.message[0] ? c->err.message : tc_status_message(rc));
	tc_error_clear(&c->err);
	return rc == TC_AUTH || rc == TC_FORBIDDEN ? CLI_EXIT_AUTH : CLI_EXIT_FAILURE;
}

/*
 * An empty or local-only list from a store that never pulled reads like "the
 * Carrier has no trunks"; stderr says otherwise and leaves stdout to scripts.
 */
static void say_if_never_synced(struct cli *c)
{
	struct tc_service_status st;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_status(c->svc, &st, &err) != TC_OK || st.last_pull_ms != 0)
		return;
	fflush(stdout);
	const char *profile = tc_service_profile(c->svc);
	if (cli_has_api(c)) {
		cli_say(stderr,
		        "trunkctl: the store of profile %s has never synced with the Carrier API; "
		        "`trunkctl sync` pulls its trunks",
		        profile);
		return;
	}
	char hint[1024];
	tc_config_no_api_hint(c->cfg, hint, sizeof(hint));
	cli_say(stderr, "trunkctl: this store has never synced: %s", hint);
}

int cli_cmd_list(struct cli *c)
{
	const struct cli_args *a = c->a;
	if (a->given[CLI_OPT_JSON] && a->given[CLI_OPT_CSV])
		return cli_fail(c,
		                tc_error_set(&c->err, TC_USAGE, "give --json or --csv, not both"));
	if (a->given[CLI_OPT_CSV_RAW] && !a->given[CLI_OPT_CSV])
		return cli_fail(c, tc_error_set(&c->err, TC_USAGE, "--csv-raw goes with --csv"));
	struct tc_list_query q = {.filter = a->value[CLI_OPT_FILTER], .sort = TC_FIELD_NONE};
	if (a->given[CLI_OPT_SORT] && parse_sort(a->value[CLI_OPT_SORT], &q, &c->err) != TC_OK)
		return cli_fail(c, TC_USAGE);
	int code = CLI_EXIT_OK;
	if (a->given[CLI_OPT_REFRESH])
		code = refresh(c);
	enum tc_status rc;
	if (a->given[CLI_OPT_JSON] || a->given[CLI_OPT_CSV]) {
		size_t n;
		rc = cli_stream_rows(c, &q, a->given[CLI_OPT_CSV], stdout, &n);
	} else {
		/* the table's columns fit the widest cell: it needs every row first */
		struct tc_trunk_page page = {0};
		rc = tc_service_list(c->svc, &q, &page, &c->err);
		if (rc == TC_OK)
			cli_print_table(stdout, &page);
		tc_trunk_page_finish(&page);
	}
	if (rc != TC_OK)
		return cli_fail(c, rc);
	/* A --refresh with no API URL has said how to set it already. */
	if (!a->given[CLI_OPT_REFRESH] || cli_has_api(c))
		say_if_never_synced(c);
	return code;
}

/* show --raw: the server's resource object, indented. */
static int show_raw(struct cli *c)
{
	if (c->a->given[CLI_OPT_JSON])
		return cli_fail(c,
		                tc_error_set(&c->err, TC_USAGE, "--raw and --json do not combine"));
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
	return rc != TC_OK ? cli_fail(c, rc) : CLI_EXIT_OK;
}

int cli_cmd_show(struct cli *c)
{
	if (c->a->given[CLI_OPT_RAW])
		return show_raw(c);
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, c->a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return cli_fail(c, rc);
	bool reveal = c->a->given[CLI_OPT_REVEAL];
	if (c->a->given[CLI_OPT_JSON]) {
		json_t *obj = cli_trunk_json(rec->current, rec->state, reveal);
		if (cli_print_json(stdout, obj) != 0)
			rc = tc_error_set(&c->err, TC_NOMEM, NULL);
		json_decref(obj);
	} else {
		cli_print_record(stdout, rec, reveal);
	}
	tc_trunk_record_destroy(rec);
	return rc != TC_OK ? cli_fail(c, rc) : CLI_EXIT_OK;
}

int cli_cmd_create(struct cli *c)
{
	struct tc_trunk *draft = tc_trunk_new();
	if (!draft)
		return cli_fail(c, TC_NOMEM);
	enum tc_status rc = cli_apply_input(c, draft, NULL);
	char *id = NULL;
	if (rc == TC_OK)
		rc = tc_service_create(c->svc, draft, &id, &c->err);
	tc_trunk_destroy(draft);
	if (rc != TC_OK)
		return cli_fail(c, rc);
	int code = cli_push_change(c, id, false, true);
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

/* The one trunk a single update or delete names; --dry-run goes with --where. */
static enum tc_status one_trunk(struct cli *c)
{
	if (!c->a->npos)
		return tc_error_set(&c->err, TC_USAGE, "give ID|NAME, or --where FILTER");
	if (c->a->given[CLI_OPT_DRY_RUN])
		return tc_error_set(&c->err, TC_USAGE, "--dry-run goes with --where or --all");
	return TC_OK;
}

int cli_cmd_update(struct cli *c)
{
	if (cli_bulk_wanted(c->a))
		return cli_bulk_update(c);
	if (one_trunk(c) != TC_OK)
		return cli_fail(c, TC_USAGE);
	struct tc_trunk_record *rec = NULL;
	/* only to find the trunk: the save reads it again inside its transaction */
	enum tc_status rc = tc_service_get(c->svc, c->a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return cli_fail(c, rc);
	/* only the given fields: another writer's change to the others is kept */
	struct tc_trunk *changes = tc_trunk_new();
	rc = changes ? cli_apply_input(c, changes, rec->id) : TC_NOMEM;
	struct tc_edit_result res = {0};
	if (rc == TC_OK)
		rc = tc_service_update(c->svc, rec->id, changes, NULL, &res, &c->err);
	tc_trunk_destroy(changes);
	if (rc == TC_OK)
		print_changed(c->a->pos[0], &res);
	tc_edit_result_finish(&res);
	int code = rc != TC_OK ? cli_fail(c, rc) : cli_push_change(c, rec->id, false, false);
	tc_trunk_record_destroy(rec);
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

int cli_cmd_delete(struct cli *c)
{
	const struct cli_args *a = c->a;
	if (cli_bulk_wanted(a))
		return cli_bulk_delete(c);
	if (one_trunk(c) != TC_OK)
		return cli_fail(c, TC_USAGE);
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return cli_fail(c, rc);
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
	int code = rc != TC_OK ? cli_fail(c, rc) : cli_push_change(c, rec->id, true, false);
	tc_trunk_record_destroy(rec);
	return code;
}

int cli_cmd_validate(struct cli *c)
{
	const char *mode = c->a->value[CLI_OPT_MODE];
	enum tc_save_kind kind = TC_SAVE_CREATE;
	if (mode && strcmp(mode, "update") == 0)
		kind = TC_SAVE_UPDATE;
	else if (mode && strcmp(mode, "create") != 0)
		return cli_fail(
		    c, tc_error_set(&c->err, TC_USAGE, "--mode create|update, not \"%s\"", mode));
	struct tc_trunk *draft = tc_trunk_new();
	struct tc_trunk *base = tc_trunk_new();
	enum tc_status rc = draft && base ? TC_OK : TC_NOMEM;
	/* Read as a create document: there is no URL id for an update document to match. */
	if (rc == TC_OK)
		rc = cli_apply_input(c, draft, NULL);
	if (rc == TC_OK)
		rc = tc_service_validate(c->svc, kind, draft, kind == TC_SAVE_UPDATE ? base : NULL,
		                         &c->err);
	tc_trunk_destroy(draft);
	tc_trunk_destroy(base);
	if (rc != TC_OK)
		return cli_fail(c, rc);
	cli_print_field_errors(&c->err.fields);
	fprintf(stderr, "trunkctl: valid\n");
	return CLI_EXIT_OK;
}

int cli_cmd_edit(struct cli *c)
{
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, c->a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return cli_fail(c, rc);
	struct tc_trunk *changes = NULL;
	size_t nchanged;
	const struct tc_trunk *current = rec->current;
	rc = ui_edit_in_editor_file(c->svc, &current, 1, &changes, &nchanged, &c->err);
	struct tc_edit_result res = {0};
	/* against the version the file showed: a field changed meanwhile is a conflict */
	if (rc == TC_OK && changes)
		rc = tc_service_update(c->svc, rec->id, changes, rec->current, &res, &c->err);
	int code;
	if (rc != TC_OK) {
		code = cli_fail(c, rc);
	} else if (!changes) {
		fprintf(stderr, "trunkctl: edit cancelled: the file was not changed\n");
		code = CLI_EXIT_OK;
	} else {
		print_changed(c->a->pos[0], &res);
		code = cli_push_change(c, rec->id, false, false);
	}
	tc_edit_result_finish(&res);
	tc_trunk_destroy(changes);
	tc_trunk_record_destroy(rec);
	return code;
}
