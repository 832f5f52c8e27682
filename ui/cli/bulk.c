/*
 * update and delete --where FILTER: the trunks a filter of the language in
 * trunkctl(1) FILTERS selects, changed or deleted all or nothing in one
 * transaction (tc_service_update_many, tc_service_delete_many), then
 * pushed as single changes are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_private.h"
#include "trunkctl/filter.h"

/* The trunks selected: their rows as listed, in the list's order. */
struct selection {
	struct tc_trunk_page page;
	const char **ids;
};

static void selection_free(struct selection *sel)
{
	tc_trunk_page_finish(&sel->page);
	free(sel->ids);
}

bool cli_bulk_wanted(const struct cli_args *a)
{
	return a->given[CLI_OPT_WHERE] || a->given[CLI_OPT_ALL];
}

static enum tc_status select_trunks(struct cli *c, struct selection *sel)
{
	const struct cli_args *a = c->a;
	memset(sel, 0, sizeof(*sel));
	if (a->npos)
		return tc_error_set(&c->err, TC_USAGE,
		                    "give ID|NAME or --where FILTER (or --all), not both");
	const char *where = a->value[CLI_OPT_WHERE];
	if (tc_filter_is_empty(where) && !a->given[CLI_OPT_ALL])
		return tc_error_set(
		    &c->err, TC_USAGE,
		    "an empty --where selects every trunk: give --all to mean that");
	struct tc_list_query q = {.filter = tc_filter_is_empty(where) ? NULL : where,
	                          .sort = TC_FIELD_NONE};
	enum tc_status rc = tc_service_list(c->svc, &q, &sel->page, &c->err);
	if (rc == TC_OK && sel->page.count &&
	    !(sel->ids = calloc(sel->page.count, sizeof(*sel->ids))))
		rc = tc_error_set(&c->err, TC_NOMEM, NULL);
	for (size_t i = 0; rc == TC_OK && i < sel->page.count; i++)
		sel->ids[i] = sel->page.items[i].trunk->id;
	return rc;
}

static const char *name_of(const struct tc_trunk *t)
{
	const char *name = tc_trunk_string(t, TC_F_NAME);
	return name ? name : "";
}

/* One line a trunk, then for an update each field it changes, old -> new (secrets masked). */
static size_t print_changes(const struct tc_trunk *t, const struct tc_trunk *changes)
{
	cli_say(stdout, "%s  %s", t->id, name_of(t));
	size_t n = 0;
	for (int f = 0; changes && f < TC_FIELD_COUNT; f++) {
		const struct tc_value *to = &changes->values[f];
		if (to->state == TC_V_ABSENT ||
		    tc_value_equal(&t->values[f], to, tc_field(f)->type))
			continue;
		char *old = tc_value_to_text(f, &t->values[f], false);
		char *new = tc_value_to_text(f, to, false);
		cli_say(stdout, "    %s: %s -> %s", tc_field(f)->key, old && *old ? old : "(none)",
		        new &&*new ? new : "(none)");
		free(old);
		free(new);
		n++;
	}
	return n;
}

/* After the save: pushes everything queued unless offline, and says how it went. */
static int push_queued(struct cli *c, size_t n, const char *done)
{
	if (tc_service_offline(c->svc)) {
		fprintf(stderr,
		        "trunkctl: %s %zu trunk%s and queued; --offline, so nothing was sent\n",
		        done, n, n == 1 ? "" : "s");
		return CLI_EXIT_OK;
	}
	if (!cli_has_api(c)) {
		char what[96];
		snprintf(what, sizeof(what), "%s %zu trunk%s and queued; nothing was sent", done, n,
		         n == 1 ? "" : "s");
		cli_say_no_api(c->cfg, what);
		return CLI_EXIT_QUEUED;
	}
	struct tc_sync_report rep;
	memset(&rep, 0, sizeof(rep));
	tc_error_clear(&c->err);
	enum tc_status rc = tc_service_sync(c->svc, TC_SYNC_PUSH, &rep, &c->err);
	fprintf(stderr,
	        "trunkctl: %s %zu trunk%s; pushed %zu; %zu queued, %zu in conflict, %zu "
	        "rejected\n",
	        done, n, n == 1 ? "" : "s", rep.pushed, rep.queued, rep.conflicts, rep.rejected);
	if (rep.conflicts)
		return CLI_EXIT_CONFLICT;
	if (rep.rejected)
		return CLI_EXIT_INVALID;
	if (rc != TC_OK)
		return cli_fail(c, rc);
	return rep.queued ? CLI_EXIT_QUEUED : CLI_EXIT_OK;
}

/* The message of the trunk a bulk save stopped at, before the rollback's cause. */
static int refused(struct cli *c, enum tc_status rc, const struct selection *sel, size_t failed)
{
	if (failed < sel->page.count)
		cli_say(stderr, "trunkctl: nothing was saved: trunk %s (%s) refused",
		        sel->ids[failed], name_of(sel->page.items[failed].trunk));
	return cli_fail(c, rc);
}

int cli_bulk_update(struct cli *c)
{
	struct selection sel;
	struct tc_trunk *changes = NULL;
	enum tc_status rc = select_trunks(c, &sel);
	if (rc == TC_OK && !(changes = tc_trunk_new()))
		rc = tc_error_set(&c->err, TC_NOMEM, NULL);
	if (rc == TC_OK)
		rc = cli_apply_input(c, changes, NULL);
	if (rc != TC_OK) {
		tc_trunk_destroy(changes);
		selection_free(&sel);
		return cli_fail(c, rc);
	}
	bool dry = c->a->given[CLI_OPT_DRY_RUN];
	size_t changing = 0;
	for (size_t i = 0; i < sel.page.count; i++)
		if (print_changes(sel.page.items[i].trunk, changes) || dry)
			changing++;
	int code = CLI_EXIT_OK;
	if (dry) {
		fprintf(stderr, "trunkctl: dry run: %zu trunk%s selected, nothing was changed\n",
		        sel.page.count, sel.page.count == 1 ? "" : "s");
	} else if (sel.page.count) {
		size_t failed = SIZE_MAX, saved = 0;
		rc = tc_service_update_many(c->svc, sel.ids, sel.page.count, changes, NULL, &failed,
		                            &saved, &c->err);
		code =
		    rc != TC_OK ? refused(c, rc, &sel, failed) : push_queued(c, saved, "updated");
	} else {
		fprintf(stderr, "trunkctl: no trunk matches; nothing was changed\n");
	}
	tc_trunk_destroy(changes);
	selection_free(&sel);
	return code;
}

/* --confirm COUNT, or the count typed at the terminal: the number of trunks to delete. */
static enum tc_status confirm_count(struct cli *c, size_t n)
{
	const struct cli_args *a = c->a;
	char want[32], line[64];
	snprintf(want, sizeof(want), "%zu", n);
	if (a->given[CLI_OPT_CONFIRM]) {
		if (strcmp(a->value[CLI_OPT_CONFIRM], want) == 0)
			return TC_OK;
		return tc_error_set(
		    &c->err, TC_USAGE,
		    "--confirm %s is not the number of trunks selected (%zu); nothing "
		    "deleted",
		    a->value[CLI_OPT_CONFIRM], n);
	}
	if (!isatty(STDIN_FILENO))
		return tc_error_set(
		    &c->err, TC_USAGE,
		    "delete --where asks for the count and stdin is not a terminal: "
		    "give --confirm %zu",
		    n);
	fprintf(stderr, "Delete these %zu trunks? Type their number to confirm: ", n);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return tc_error_set(&c->err, TC_CANCELLED, "not deleted");
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, want) == 0 ? TC_OK : tc_error_set(&c->err, TC_CANCELLED, "not deleted");
}

int cli_bulk_delete(struct cli *c)
{
	struct selection sel;
	enum tc_status rc = select_trunks(c, &sel);
	if (rc != TC_OK) {
		selection_free(&sel);
		return cli_fail(c, rc);
	}
	for (size_t i = 0; i < sel.page.count; i++)
		print_changes(sel.page.items[i].trunk, NULL);
	int code = CLI_EXIT_OK;
	if (c->a->given[CLI_OPT_DRY_RUN]) {
		fprintf(stderr, "trunkctl: dry run: %zu trunk%s would be deleted, none was\n",
		        sel.page.count, sel.page.count == 1 ? "" : "s");
	} else if (!sel.page.count) {
		fprintf(stderr, "trunkctl: no trunk matches; nothing was deleted\n");
	} else if ((rc = confirm_count(c, sel.page.count)) != TC_OK) {
		code = cli_fail(c, rc);
	} else {
		size_t failed = SIZE_MAX;
		rc = tc_service_delete_many(c->svc, sel.ids, sel.page.count, &failed, &c->err);
		code = rc != TC_OK ? refused(c, rc, &sel, failed)
		                   : push_queued(c, sel.page.count, "deleted");
	}
	selection_free(&sel);
	return code;
}
