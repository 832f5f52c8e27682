/*
 * A fleet plan (include/trunkctl/plan.h) staged in the outbox: every create,
 * update and delete of the plan in one write transaction, through the same
 * store calls, validation and coalescing as the single edits of service.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_private.h"

static const char *name_of(const struct tc_plan_item *item)
{
	const struct tc_trunk *t = item->stored ? item->stored : item->change;
	const char *name = t ? tc_trunk_string(t, TC_F_NAME) : NULL;
	return name ? name : "(no name)";
}

/* Says which trunk a failure belongs to, keeping the reason (and its field errors). */
static enum tc_status blame(const struct tc_plan_item *item, enum tc_status rc,
                            struct tc_error *err)
{
	if (rc == TC_NOMEM)
		return rc;
	char why[sizeof(err->message)];
	snprintf(why, sizeof(why), "%s", err->message[0] ? err->message : tc_status_message(rc));
	struct tc_field_errors fields = err->fields;
	memset(&err->fields, 0, sizeof(err->fields));
	tc_error_set(err, rc, "%s of \"%s\": %s; nothing was staged",
	             tc_plan_action_name(item->action), name_of(item), why);
	err->fields = fields;
	return rc;
}

/* Every create is checked before the transaction opens: a bad file stages nothing. */
static enum tc_status check_creates(struct tc_service *svc, const struct tc_plan *plan,
                                    struct tc_error *err)
{
	for (size_t i = 0; i < plan->count; i++) {
		const struct tc_plan_item *item = &plan->items[i];
		if (item->action != TC_PLAN_CREATE)
			continue;
		enum tc_status rc =
		    tc_service_validate(svc, TC_SAVE_CREATE, item->change, NULL, err);
		if (rc != TC_OK)
			return blame(item, rc, err);
		tc_field_errors_finish(&err->fields); /* warnings only */
	}
	return TC_OK;
}

/*
 * The plan matched by name outside this transaction: a trunk of that name
 * created since (another process, a sync) would be duplicated. Read here,
 * inside the write transaction, it is a conflict to plan again.
 */
static enum tc_status created_meanwhile(struct tc_service *svc, const struct tc_plan_item *item,
                                        struct tc_error *err)
{
	const char *name = tc_trunk_string(item->change, TC_F_NAME);
	if (!name || !*name)
		return TC_OK;
	char *ids[1];
	size_t n = 0;
	enum tc_status rc = tc_store_find_by_name(svc->store, name, ids, 1, &n, err);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	if (rc == TC_OK && n)
		rc = tc_error_set(
		    err, TC_CONFLICT,
		    "a trunk named \"%s\" appeared since the plan was made; plan again", name);
	return rc;
}

static enum tc_status stage(struct tc_service *svc, const struct tc_plan_item *item,
                            struct tc_error *err)
{
	char local_id[64], *mapped = NULL;
	enum tc_status rc = TC_OK;
	switch (item->action) {
	case TC_PLAN_CREATE:
		rc = created_meanwhile(svc, item, err);
		if (rc == TC_OK)
			rc = service_new_local_id(local_id, err);
		if (rc == TC_OK)
			rc = tc_store_create_local(svc->store, local_id, item->change, err);
		break;
	case TC_PLAN_UPDATE:
		/* from = what the plan saw: a change made since is a conflict, not overwritten */
		rc = service_save_edit(svc, service_current_id(svc, item->stored->id, &mapped),
		                       item->change, item->stored, NULL, err);
		break;
	case TC_PLAN_DELETE:
		rc = tc_store_delete_local(svc->store,
		                           service_current_id(svc, item->stored->id, &mapped), err);
		break;
	case TC_PLAN_UNCHANGED:
		break;
	}
	free(mapped);
	return rc == TC_OK ? TC_OK : blame(item, rc, err);
}

enum tc_status tc_service_apply_plan(struct tc_service *svc, const struct tc_plan *plan,
                                     struct tc_error *err)
{
	enum tc_status rc = service_refuse_read_only(svc, err);
	if (rc == TC_OK)
		rc = check_creates(svc, plan, err);
	if (rc != TC_OK || tc_plan_empty(plan))
		return rc;
	if ((rc = tc_store_begin(svc->store, err)) != TC_OK)
		return rc;
	for (size_t i = 0; rc == TC_OK && i < plan->count; i++)
		rc = stage(svc, &plan->items[i], err);
	return service_queued(svc, service_end_write(svc, rc, err));
}
