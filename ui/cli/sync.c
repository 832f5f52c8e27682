/* Sync and the outbox: pushing a change, sync, status, pending, resolve, discard and log. */
#include <stdlib.h>
#include <string.h>

#include "cli_private.h"

/* ---- pushing a change ---- */

bool cli_has_api(struct cli *c)
{
	return tc_config_get(c->cfg, TC_CFG_API_URL) != NULL;
}

void cli_say_no_api(const struct tc_config *cfg, const char *done)
{
	char hint[1024];
	tc_config_no_api_hint(cfg, hint, sizeof(hint));
	if (done)
		cli_say(stderr, "trunkctl: %s: %s", done, hint);
	else
		cli_say(stderr, "trunkctl: %s", hint);
}

/*
 * After a local save: pushes unless offline, then reports what became of
 * trunk id (a create's local id finds the server id it moved to). gone is
 * true for a delete (TC_NOT_FOUND afterwards is success).
 */
int cli_push_change(struct cli *c, const char *id, bool gone, bool print_id)
{
	if (tc_service_offline(c->svc)) {
		fprintf(stderr, "trunkctl: saved and queued; --offline, so nothing was sent\n");
		if (print_id)
			printf("%s\n", id);
		return CLI_EXIT_OK;
	}
	if (!cli_has_api(c)) {
		cli_say_no_api(c->cfg, "saved and queued; nothing was sent");
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
		cli_print_field_errors(&rec->errors);
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
	tc_trunk_record_destroy(rec);
	tc_error_clear(&gerr);
	return code;
}

/* ---- commands ---- */

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
		tc_pending_list_finish(&list);
		return cli_fail(c, rc);
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
	tc_pending_list_finish(&list);
	return CLI_EXIT_OK;
}

int cli_cmd_sync(struct cli *c)
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
	}
	bool failed = rc != TC_OK && rc != TC_CONFLICT && rc != TC_REJECTED;
	if (failed && rc == TC_OFFLINE && !tc_service_offline(c->svc) && !cli_has_api(c)) {
		cli_say_no_api(c->cfg, NULL);
	} else if (failed) {
		cli_print_error(&c->err);
	}
	/* After a failure the counts are news only when something moved before it. */
	if (!c->a->given[CLI_OPT_JSON] && (!failed || rep.pulled || rep.removed || rep.pushed))
		fprintf(stderr,
		        "trunkctl: %spulled %zu, removed %zu, pushed %zu; %zu queued, %zu in "
		        "conflict, %zu rejected\n",
		        failed ? "before that: " : "", rep.pulled, rep.removed, rep.pushed,
		        rep.queued, rep.conflicts, rep.rejected);
	if (rep.conflicts)
		return CLI_EXIT_CONFLICT;
	if (rc == TC_OK)
		return CLI_EXIT_OK;
	if (cli_exit_for(rc) == CLI_EXIT_QUEUED && !rep.queued)
		return CLI_EXIT_FAILURE;
	return cli_exit_for(rc);
}

int cli_cmd_status(struct cli *c)
{
	struct tc_service_status st;
	enum tc_status rc = tc_service_status(c->svc, &st, &c->err);
	if (rc != TC_OK)
		return cli_fail(c, rc);
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

int cli_cmd_pending(struct cli *c)
{
	bool reveal = c->a->given[CLI_OPT_REVEAL];
	struct tc_pending_list list = {0};
	enum tc_status rc = tc_service_pending(c->svc, reveal, &list, &c->err);
	if (rc != TC_OK) {
		tc_pending_list_finish(&list);
		return cli_fail(c, rc);
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
	tc_pending_list_finish(&list);
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
		code = cli_push_change(c, rec->id, false, true);
	} else {
		fprintf(stderr,
		        "trunkctl: created again as a new trunk and queued; 'trunkctl sync' "
		        "sends it\n");
		code = CLI_EXIT_OK;
	}
	tc_error_clear(&e);
	tc_trunk_record_destroy(rec);
	return code;
}

int cli_cmd_resolve(struct cli *c)
{
	const struct cli_args *a = c->a;
	bool mine = a->given[CLI_OPT_KEEP_MINE], theirs = a->given[CLI_OPT_TAKE_THEIRS];
	if (mine && theirs)
		return cli_fail(c, tc_error_set(&c->err, TC_USAGE,
		                                "give --keep-mine or --take-theirs, not both"));
	if (!mine && !theirs && !a->sets.count)
		return cli_fail(c,
		                tc_error_set(&c->err, TC_USAGE,
		                             "give --keep-mine, --take-theirs or --set KEY=VALUE"));
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, a->pos[0], &rec, &c->err);
	if (rc != TC_OK)
		return cli_fail(c, rc);
	if (!rec->conflict || (rec->conflict->mine_deleted && a->sets.count)) {
		rc = rec->conflict
		         ? tc_error_set(
		               &c->err, TC_USAGE,
		               "trunk %s was deleted here and changed on the server (delete "
		               "vs modified): --keep-mine deletes it as it is now, "
		               "--take-theirs keeps it; --set does not apply",
		               rec->id)
		         : tc_error_set(&c->err, TC_USAGE, "trunk %s is not in conflict", rec->id);
		tc_trunk_record_destroy(rec);
		return cli_fail(c, rc);
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
	tc_trunk_destroy(edited);
	tc_trunk_destroy(sets);
	int code;
	if (rc != TC_OK) {
		code = cli_fail(c, rc);
	} else {
		/* Taking theirs for a trunk deleted there drops it here too. */
		struct tc_trunk_record *now = NULL;
		struct tc_error e2;
		tc_error_init(&e2);
		bool gone = tc_service_get(c->svc, rec->id, &now, &e2) == TC_NOT_FOUND;
		bool queued = now && now->pending != TC_OP_NONE;
		bool deleting = now && now->pending == TC_OP_DELETE;
		tc_trunk_record_destroy(now);
		tc_error_clear(&e2);
		if (rec->conflict->mine_deleted && !queued && !gone)
			fprintf(stderr, "trunkctl: the delete is dropped; the trunk stays as the "
			                "server has it\n");
		if (gone && recreated_name)
			code = push_recreated(c, recreated_name);
		else
			code = gone || !queued ? CLI_EXIT_OK
			                       : cli_push_change(c, rec->id, deleting, false);
	}
	free(recreated_name);
	tc_trunk_record_destroy(rec);
	return code;
}

int cli_cmd_discard(struct cli *c)
{
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(c->svc, c->a->pos[0], &rec, &c->err);
	if (rc == TC_OK)
		rc = tc_service_discard(c->svc, rec->id, &c->err);
	if (rc == TC_OK)
		cli_say(stderr, "trunkctl: discarded the queued changes of %s", rec->id);
	tc_trunk_record_destroy(rec);
	return rc != TC_OK ? cli_fail(c, rc) : CLI_EXIT_OK;
}

/* A trunk's flat JSON as an object; an empty one for none. */
static json_t *fields_json(const struct tc_trunk *t)
{
	char *text = t ? tc_trunk_to_flat_json(t, 0) : NULL;
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	return json_is_object(o) ? o : (json_decref(o), json_object());
}

/*
 * One journal row for `log --jsonl`: each field the request changed with the
 * value it replaced and the value sent (null for none: a create has no
 * before, a delete no after; rows older than the store's schema 5 have no
 * before either), and who sent it. Secrets are masked in the journal itself.
 */
static json_t *journal_line(const struct tc_journal_entry *e, const char *when)
{
	json_t *after = fields_json(e->changes), *before = fields_json(e->before);
	json_t *changes = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(after, key, v)
	{
		json_t *was = json_object_get(before, key);
		json_object_set_new(
		    changes, key,
		    json_pack("{s:O,s:O}", "before", was ? was : json_null(), "after", v));
	}
	json_object_foreach(before, key, v)
	{
		if (!json_object_get(after, key) && !json_is_null(v))
			json_object_set_new(changes, key,
			                    json_pack("{s:O,s:n}", "before", v, "after"));
	}
	json_decref(after);
	json_decref(before);
	return json_pack("{s:I,s:s,s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:i,s:s?,s:s?}", "seq",
	                 (json_int_t)e->seq, "time", when, "time_ms", (json_int_t)e->time_ms,
	                 "profile", e->profile, "user", e->user, "host", e->host, "method",
	                 e->method, "trunk_id", e->trunk_id, "trunk_name", e->trunk_name, "changes",
	                 changes, "http_status", e->http_status, "request_id", e->request_id,
	                 "error", e->error);
}

int cli_cmd_log(struct cli *c)
{
	if (c->a->given[CLI_OPT_JSON] && c->a->given[CLI_OPT_JSONL])
		return cli_fail(
		    c, tc_error_set(&c->err, TC_USAGE, "give --json or --jsonl, not both"));
	struct tc_journal_list list = {0};
	enum tc_status rc = tc_service_journal(c->svc, 0, &list, &c->err);
	if (rc != TC_OK) {
		tc_journal_list_finish(&list);
		return cli_fail(c, rc);
	}
	bool lines = c->a->given[CLI_OPT_JSONL];
	json_t *arr = c->a->given[CLI_OPT_JSON] ? json_array() : NULL;
	if (!arr && !lines)
		printf("%-20s %-8s %-6s %-38s %s\n", "TIME", "METHOD", "HTTP", "TRUNK", "RESULT");
	for (size_t i = 0; i < list.count; i++) {
		const struct tc_journal_entry *e = &list.items[i];
		char when[40];
		cli_format_time(when, sizeof(when), e->time_ms);
		if (lines) {
			json_t *o = journal_line(e, when);
			/* compact: a newline inside a value is escaped, so one row is one line */
			if (o && json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0)
				fputc('\n', stdout);
			json_decref(o);
			continue;
		}
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
	tc_journal_list_finish(&list);
	return CLI_EXIT_OK;
}
