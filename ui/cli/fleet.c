/*
 * The fleet as a file: `export --format yaml`, `plan`, `apply` and `diff`
 * (trunkctl(1), THE FLEET FILE). The file is read by the core
 * (trunkctl/fleet_file.h) or, for CSV, by the CSV reader `import` uses; the
 * plan is the core's (trunkctl/plan.h); this file gathers the stored trunks,
 * prints the plan and asks before a prune.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_private.h"
#include "trunkctl/fleet_file.h"
#include "trunkctl/plan.h"

/* What a fleet command works with; err is the command's, printed on failure. */
struct cli_fleet {
	const struct cli_args *a;
	struct tc_config *cfg;
	struct tc_service *svc;
	struct tc_error *err;
};

static int fail(struct tc_error *err, enum tc_status rc)
{
	if (err->status == TC_OK)
		tc_error_set(err, rc, NULL);
	cli_print_error(err);
	return cli_exit_for(rc);
}

/* ---- export --format yaml ---- */

struct yaml_out {
	FILE *out;
	bool reveal;
	size_t count;
};

static enum tc_status yaml_row(void *ctx, const struct tc_trunk_row *row, struct tc_error *err)
{
	struct yaml_out *y = ctx;
	char *text;
	size_t len;
	enum tc_status rc = tc_fleet_yaml_item(row->trunk, y->reveal, &text, &len, err);
	if (rc != TC_OK)
		return rc;
	size_t put = fwrite(text, 1, len, y->out);
	free(text);
	if (put != len)
		return tc_error_set(err, TC_IO, "cannot write the export");
	y->count++;
	return TC_OK;
}

enum tc_status cli_export_yaml(struct tc_service *svc, FILE *out, bool reveal, size_t *count,
                               struct tc_error *err)
{
	struct yaml_out y = {.out = out, .reveal = reveal};
	struct tc_list_query q = {.sort = TC_FIELD_NONE};
	enum tc_status rc = fputs(TC_FLEET_YAML_HEADER, out) >= 0
	                        ? TC_OK
	                        : tc_error_set(err, TC_IO, "cannot write the export");
	if (rc == TC_OK)
		rc = tc_service_list_each(svc, &q, yaml_row, &y, err);
	/* an empty fleet is still a file that reads back: an empty list */
	if (rc == TC_OK && y.count == 0 && fputs("[]\n", out) < 0)
		rc = tc_error_set(err, TC_IO, "cannot write the export");
	*count = y.count;
	return rc;
}

/* ---- the file and the store ---- */

/* CSV as export writes it: a header line of keys, no YAML or JSON punctuation. */
static bool looks_like_csv(const char *text)
{
	text += strspn(text, " \t\r\n");
	size_t line = strcspn(text, "\r\n");
	if (*text == '[' || *text == '{' || *text == '-' || *text == '#')
		return false;
	return memchr(text, ',', line) && !memchr(text, ':', line);
}

static enum tc_status read_fleet(struct tc_service *svc, const char *path, struct tc_fleet *fleet,
                                 struct tc_error *err)
{
	memset(fleet, 0, sizeof(*fleet));
	if (strcmp(path, "-") != 0 && tc_service_is_store_file(svc, path))
		return tc_error_set(err, TC_USAGE,
		                    "%s is one of the local store's own files, which only SQLite "
		                    "reads and writes: name another file",
		                    path);
	char *text = NULL;
	size_t len = 0;
	enum tc_status rc = cli_read_input(path, &text, &len, err);
	if (rc != TC_OK)
		return rc;
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	if (!looks_like_csv(text)) {
		rc = tc_fleet_read_yaml(text, len, name, fleet, err);
	} else {
		rc = cli_csv_read(text, &fleet->trunks, &fleet->count, err);
		if (rc != TC_OK) {
			char why[sizeof(err->message)];
			snprintf(why, sizeof(why), "%s", err->message);
			tc_error_set(err, rc, "%s: %s", name, why);
		}
	}
	free(text);
	for (size_t i = 0; i < fleet->ignored.count; i++)
		cli_say(stderr, "trunkctl: %s: %s", fleet->ignored.items[i].pointer,
		        fleet->ignored.items[i].title);
	return rc;
}

struct stored {
	size_t count, cap;
	struct tc_trunk **trunks;
};

static void stored_free(struct stored *s)
{
	for (size_t i = 0; i < s->count; i++)
		tc_trunk_destroy(s->trunks[i]);
	free(s->trunks);
	memset(s, 0, sizeof(*s));
}

static enum tc_status collect_row(void *ctx, const struct tc_trunk_row *row, struct tc_error *err)
{
	struct stored *s = ctx;
	/* a trunk whose delete is queued is already going: the file cannot name it */
	if (row->pending == TC_OP_DELETE)
		return TC_OK;
	if (s->count == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		struct tc_trunk **grown = realloc(s->trunks, ncap * sizeof(*grown));
		if (!grown)
			return tc_error_set(err, TC_NOMEM, NULL);
		s->trunks = grown;
		s->cap = ncap;
	}
	if (!(s->trunks[s->count] = tc_trunk_dup(row->trunk)))
		return tc_error_set(err, TC_NOMEM, NULL);
	s->count++;
	return TC_OK;
}

static enum tc_status collect(struct tc_service *svc, struct stored *s, struct tc_error *err)
{
	memset(s, 0, sizeof(*s));
	struct tc_list_query q = {.sort = TC_FIELD_NONE};
	enum tc_status rc = tc_service_list_each(svc, &q, collect_row, s, err);
	if (rc != TC_OK)
		stored_free(s);
	return rc;
}

/* ---- printing a plan ---- */

static const char *name_or_dash(const struct tc_trunk *t)
{
	const char *n = t ? tc_trunk_string(t, TC_F_NAME) : NULL;
	return n ? n : "-";
}

/* The name a plan line shows: the file's, else (a trunk given by id alone) the stored one's. */
static const struct tc_trunk *shown_trunk(const struct tc_plan *plan, size_t i,
                                          const struct tc_fleet *fleet)
{
	const struct tc_plan_item *it = &plan->items[i];
	if (it->action == TC_PLAN_DELETE)
		return it->stored;
	const struct tc_trunk *t = fleet->trunks[it->file_index];
	return tc_trunk_has(t, TC_F_NAME) || !it->stored ? t : it->stored;
}

/* Each value as its text form, secrets masked; "null" for no value. */
static char *value_text(enum tc_field_id f, const struct tc_value *v)
{
	if (v->state != TC_V_SET)
		return strdup("null");
	char *t = tc_value_to_text(f, v, false);
	if (t && !*t) {
		free(t);
		return strdup("\"\"");
	}
	return t;
}

static const char mark[] = {[TC_PLAN_UNCHANGED] = '=',
                            [TC_PLAN_CREATE] = '+',
                            [TC_PLAN_UPDATE] = '~',
                            [TC_PLAN_DELETE] = '-'};

static void print_text(const struct tc_plan *plan, const struct tc_fleet *fleet,
                       const char *verbs[4])
{
	for (size_t i = 0; i < plan->count; i++) {
		const struct tc_plan_item *it = &plan->items[i];
		const struct tc_trunk *t = shown_trunk(plan, i, fleet);
		cli_say(stdout, "%c %-9s %s%s%s%s", mark[it->action], verbs[it->action],
		        name_or_dash(t), it->stored ? " (" : "", it->stored ? it->stored->id : "",
		        it->stored ? ")" : "");
		for (int f = 0; it->action == TC_PLAN_UPDATE && f < TC_FIELD_COUNT; f++) {
			if (!it->fields[f])
				continue;
			char *old = value_text(f, &it->stored->values[f]);
			char *new = value_text(f, &it->change->values[f]);
			cli_say(stdout, "    %s: %s -> %s", tc_field(f)->key, old ? old : "?",
			        new ? new : "?");
			free(old);
			free(new);
		}
	}
}

static json_t *item_json(const struct tc_plan *plan, size_t i, const struct tc_fleet *fleet)
{
	const struct tc_plan_item *it = &plan->items[i];
	const struct tc_trunk *t = shown_trunk(plan, i, fleet);
	json_t *o =
	    json_pack("{s:s,s:s?,s:s?}", "action", tc_plan_action_name(it->action), "name",
	              tc_trunk_string(t, TC_F_NAME), "id", it->stored ? it->stored->id : NULL);
	if (o && it->action != TC_PLAN_DELETE && fleet->lines && fleet->lines[it->file_index])
		json_object_set_new(o, "line",
		                    json_integer((json_int_t)fleet->lines[it->file_index]));
	json_t *changes = it->action == TC_PLAN_UPDATE ? json_object() : NULL;
	for (int f = 0; changes && f < TC_FIELD_COUNT; f++) {
		if (!it->fields[f])
			continue;
		char *old = value_text(f, &it->stored->values[f]);
		char *new = value_text(f, &it->change->values[f]);
		json_object_set_new(changes, tc_field(f)->key,
		                    json_pack("{s:s?,s:s?}", "old", old, "new", new));
		free(old);
		free(new);
	}
	if (o && changes)
		json_object_set_new(o, "changes", changes);
	else
		json_decref(changes);
	return o;
}

static void print_json(const struct tc_plan *plan, const struct tc_fleet *fleet)
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < plan->count; i++)
		json_array_append_new(items, item_json(plan, i, fleet));
	json_t *o =
	    json_pack("{s:{s:I,s:I,s:I,s:I},s:o}", "summary", "create", (json_int_t)plan->creates,
	              "update", (json_int_t)plan->updates, "delete", (json_int_t)plan->deletes,
	              "unchanged", (json_int_t)plan->unchanged, "trunks", items);
	cli_print_json(stdout, o);
	json_decref(o);
}

static const char *plan_verbs[4] = {[TC_PLAN_UNCHANGED] = "unchanged",
                                    [TC_PLAN_CREATE] = "create",
                                    [TC_PLAN_UPDATE] = "update",
                                    [TC_PLAN_DELETE] = "delete"};

static void print_plan(const struct tc_plan *plan, const struct tc_fleet *fleet, bool json)
{
	if (json) {
		print_json(plan, fleet);
		return;
	}
	print_text(plan, fleet, plan_verbs);
	printf("Plan: %zu to create, %zu to update, %zu to delete, %zu unchanged.\n", plan->creates,
	       plan->updates, plan->deletes, plan->unchanged);
}

/* ---- plan and apply ---- */

struct fleet_run {
	struct tc_fleet fleet;
	struct stored stored;
	struct tc_plan plan;
};

static void fleet_run_free(struct fleet_run *r)
{
	tc_plan_finish(&r->plan);
	stored_free(&r->stored);
	tc_fleet_finish(&r->fleet);
}

/*
 * A file written before an offline create was pushed names the trunk by its
 * local id; the store knows it by the server id since. Such ids are taken
 * as the id they moved to, as every other command takes them.
 */
static enum tc_status map_local_ids(struct tc_service *svc, struct tc_fleet *fleet,
                                    struct tc_error *err)
{
	static const char prefix[] = "local-";
	enum tc_status rc = TC_OK;
	for (size_t i = 0; rc == TC_OK && i < fleet->count; i++) {
		struct tc_trunk *t = fleet->trunks[i];
		if (!t->id || strncmp(t->id, prefix, sizeof(prefix) - 1) != 0)
			continue;
		struct tc_trunk_record *rec = NULL;
		struct tc_error e;
		tc_error_init(&e);
		if (tc_service_get(svc, t->id, &rec, &e) == TC_OK && strcmp(rec->id, t->id) != 0 &&
		    tc_trunk_set_id(t, rec->id) != TC_OK)
			rc = tc_error_set(err, TC_NOMEM, NULL);
		tc_trunk_record_destroy(rec);
		tc_error_clear(&e);
	}
	return rc;
}

static enum tc_status make_plan(const struct cli_fleet *c, struct fleet_run *r)
{
	memset(r, 0, sizeof(*r));
	const char *path = c->a->value[CLI_OPT_FILE];
	enum tc_status rc = read_fleet(c->svc, path, &r->fleet, c->err);
	if (rc == TC_OK)
		rc = map_local_ids(c->svc, &r->fleet, c->err);
	if (rc == TC_OK)
		rc = collect(c->svc, &r->stored, c->err);
	if (rc != TC_OK)
		return rc;
	struct tc_plan_input in = {
	    .desired = (const struct tc_trunk *const *)r->fleet.trunks,
	    .lines = r->fleet.lines,
	    .desired_count = r->fleet.count,
	    .file_name = strcmp(path, "-") == 0 ? "stdin" : path,
	    .stored = (const struct tc_trunk *const *)r->stored.trunks,
	    .stored_count = r->stored.count,
	    .prune = c->a->given[CLI_OPT_PRUNE],
	};
	return tc_plan_make(&in, &r->plan, c->err);
}

static int fleet_plan(const struct cli_fleet *c)
{
	struct fleet_run r;
	enum tc_status rc = make_plan(c, &r);
	int code = CLI_EXIT_OK;
	if (rc == TC_OK) {
		print_plan(&r.plan, &r.fleet, c->a->given[CLI_OPT_JSON]);
		code = tc_plan_empty(&r.plan) ? CLI_EXIT_OK : CLI_EXIT_CHANGES;
	}
	fleet_run_free(&r);
	return rc == TC_OK ? code : fail(c->err, rc);
}

/* A prune deletes what the file leaves out: asked for on a terminal unless --yes. */
static enum tc_status confirm_prune(const struct cli_fleet *c, size_t deletes)
{
	if (!deletes || c->a->given[CLI_OPT_YES])
		return TC_OK;
	if (strcmp(c->a->value[CLI_OPT_FILE], "-") == 0 || !isatty(STDIN_FILENO))
		return tc_error_set(c->err, TC_USAGE,
		                    "the plan deletes %zu trunks and there is no terminal to ask "
		                    "on: give --yes to apply it; nothing was staged",
		                    deletes);
	fprintf(stderr,
	        "Delete %zu trunks the file does not name? Type the count to confirm: ", deletes);
	fflush(stderr);
	char line[64], want[32];
	snprintf(want, sizeof(want), "%zu", deletes);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, want) != 0)
		return tc_error_set(c->err, TC_CANCELLED, "nothing was staged");
	return TC_OK;
}

static int push_applied(const struct cli_fleet *c)
{
	if (tc_service_offline(c->svc)) {
		fprintf(stderr, "trunkctl: staged; offline, so nothing was sent\n");
		return CLI_EXIT_OK;
	}
	if (!tc_config_get(c->cfg, TC_CFG_API_URL)) {
		cli_say_no_api(c->cfg, "staged; nothing was sent");
		return CLI_EXIT_QUEUED;
	}
	struct tc_sync_report rep;
	memset(&rep, 0, sizeof(rep));
	enum tc_status rc = tc_service_sync(c->svc, TC_SYNC_PUSH, &rep, c->err);
	fprintf(stderr, "trunkctl: pushed %zu; %zu queued, %zu in conflict, %zu rejected\n",
	        rep.pushed, rep.queued, rep.conflicts, rep.rejected);
	if (rep.conflicts)
		return CLI_EXIT_CONFLICT;
	if (rc == TC_OK)
		return CLI_EXIT_OK;
	cli_print_error(c->err);
	return rc == TC_REJECTED ? CLI_EXIT_INVALID : cli_exit_for(rc);
}

static int fleet_apply(const struct cli_fleet *c)
{
	struct fleet_run r;
	enum tc_status rc = make_plan(c, &r);
	int code = CLI_EXIT_OK;
	if (rc == TC_OK) {
		print_plan(&r.plan, &r.fleet, c->a->given[CLI_OPT_JSON]);
		if (tc_plan_empty(&r.plan)) {
			fprintf(stderr, "trunkctl: no changes; nothing staged\n");
		} else {
			rc = confirm_prune(c, r.plan.deletes);
			if (rc == TC_OK)
				rc = tc_service_apply_plan(c->svc, &r.plan, c->err);
			if (rc == TC_OK && c->a->given[CLI_OPT_PUSH])
				code = push_applied(c);
			else if (rc == TC_OK)
				fprintf(stderr,
				        "trunkctl: staged in the outbox; review with 'trunkctl "
				        "pending', send with 'trunkctl sync'\n");
		}
	}
	fleet_run_free(&r);
	return rc == TC_OK ? code : fail(c->err, rc);
}

/* ---- diff across profiles ---- */

static const char *env_of(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* The other profile's store, opened offline: diff reads, never syncs. */
static enum tc_status open_against(const struct cli_fleet *c, struct tc_config **cfg,
                                   struct tc_service **svc)
{
	*svc = NULL;
	*cfg = tc_config_new();
	if (!*cfg)
		return tc_error_set(c->err, TC_NOMEM, NULL);
	const char *config = c->a->value[CLI_OPT_CONFIG_FILE];
	enum tc_status rc = tc_config_set(*cfg, TC_CFG_PROFILE, c->a->value[CLI_OPT_AGAINST],
	                                  TC_ORIGIN_FLAG, "--against", c->err);
	if (rc == TC_OK && config)
		rc = tc_config_set(*cfg, TC_CFG_CONFIG_FILE, config, TC_ORIGIN_FLAG, "--config",
		                   c->err);
	if (rc == TC_OK)
		rc = tc_config_resolve(*cfg, env_of, NULL, c->err);
	struct tc_service_options opts;
	if (rc == TC_OK)
		rc = tc_config_service_options(*cfg, false, &opts, c->err);
	if (rc != TC_OK)
		return rc;
	if (strcmp(opts.data_dir, tc_service_data_dir(c->svc)) == 0)
		return tc_error_set(c->err, TC_USAGE,
		                    "profiles %s and %s share the data dir %s: nothing to compare "
		                    "(a --data-dir or TRUNKCTL_DATA_DIR applies to both)",
		                    tc_service_profile(c->svc), c->a->value[CLI_OPT_AGAINST],
		                    opts.data_dir);
	opts.offline = true;
	opts.read_only = true;
	return tc_service_open(&opts, svc, c->err);
}

static int fleet_diff(const struct cli_fleet *c)
{
	struct tc_config *cfg_b = NULL;
	struct tc_service *svc_b = NULL;
	struct stored a = {0}, b = {0};
	struct tc_plan plan = {0};
	const char *pa = tc_service_profile(c->svc), *pb = c->a->value[CLI_OPT_AGAINST];
	enum tc_status rc = open_against(c, &cfg_b, &svc_b);
	if (rc == TC_OK)
		rc = collect(c->svc, &a, c->err);
	if (rc == TC_OK)
		rc = collect(svc_b, &b, c->err);
	struct tc_plan_input in = {
	    .desired = (const struct tc_trunk *const *)a.trunks,
	    .desired_count = a.count,
	    .file_name = pa,
	    .stored = (const struct tc_trunk *const *)b.trunks,
	    .stored_count = b.count,
	    .prune = true,
	    .match_name = true,
	};
	if (rc == TC_OK)
		rc = tc_plan_make(&in, &plan, c->err);
	int code = CLI_EXIT_OK;
	if (rc == TC_OK) {
		struct tc_fleet view = {.count = a.count, .trunks = a.trunks};
		if (c->a->given[CLI_OPT_JSON]) {
			print_json(&plan, &view);
		} else {
			/* "only in A" is what B lacks (a create), "only in B" a delete */
			char only_a[96], only_b[96];
			snprintf(only_a, sizeof(only_a), "only in %s", pa);
			snprintf(only_b, sizeof(only_b), "only in %s", pb);
			const char *verbs[4] = {[TC_PLAN_UNCHANGED] = "same",
			                        [TC_PLAN_CREATE] = only_a,
			                        [TC_PLAN_UPDATE] = "differs",
			                        [TC_PLAN_DELETE] = only_b};
			cli_say(stdout, "# values: %s -> %s", pb, pa);
			print_text(&plan, &view, verbs);
			cli_say(stdout,
			        "Diff %s against %s: %zu only in %s, %zu only in %s, %zu differ, "
			        "%zu the same.",
			        pa, pb, plan.creates, pa, plan.deletes, pb, plan.updates,
			        plan.unchanged);
		}
		code = tc_plan_empty(&plan) ? CLI_EXIT_OK : CLI_EXIT_CHANGES;
	}
	tc_plan_finish(&plan);
	stored_free(&a);
	stored_free(&b);
	tc_service_close(svc_b);
	tc_config_destroy(cfg_b);
	return rc == TC_OK ? code : fail(c->err, rc);
}

static int run_fleet(struct cli *c, int (*cmd)(const struct cli_fleet *), bool needs_file)
{
	struct cli_fleet f = {.a = c->a, .cfg = c->cfg, .svc = c->svc, .err = &c->err};
	if (needs_file && !c->a->given[CLI_OPT_FILE])
		return fail(&c->err, tc_error_set(&c->err, TC_USAGE,
		                                  "give the fleet file: -f FILE (- for stdin)"));
	return cmd(&f);
}

int cli_cmd_plan(struct cli *c)
{
	return run_fleet(c, fleet_plan, true);
}

int cli_cmd_apply(struct cli *c)
{
	return run_fleet(c, fleet_apply, true);
}

int cli_cmd_diff(struct cli *c)
{
	if (!c->a->given[CLI_OPT_AGAINST])
		return fail(&c->err,
		            tc_error_set(&c->err, TC_USAGE, "diff needs --against PROFILE"));
	return run_fleet(c, fleet_diff, false);
}
