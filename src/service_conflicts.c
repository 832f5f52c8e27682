/*
 * Settling a conflict (tc_service_resolve): the operator's per-field choices
 * merged into the trunk that is queued, in one transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "service_private.h"
#include "trunkctl/validate.h"

static enum tc_status pick(struct tc_trunk *into, enum tc_field_id f, const struct tc_trunk *from,
                           struct tc_error *err)
{
	const struct tc_value *v = from ? &from->values[f] : NULL;
	if (!v || v->state == TC_V_ABSENT) {
		tc_trunk_unset(into, f);
		return TC_OK;
	}
	return tc_trunk_set_value(into, f, v) == TC_OK ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

/*
 * The record the operator settled on: the server's version, with the fields
 * changed only here kept, and each conflicting field as chosen.
 */
static enum tc_status merge_choices(const struct tc_conflict *c,
                                    const enum tc_resolution choices[TC_FIELD_COUNT],
                                    const struct tc_trunk *edited, struct tc_trunk **out,
                                    struct tc_error *err)
{
	*out = NULL;
	struct tc_trunk *m = tc_trunk_dup(c->theirs);
	if (!m)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc = TC_OK;
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		if (fi->flags & TC_FF_READONLY)
			continue;
		if (!c->fields[f]) {
			bool mine_changed =
			    !c->base ||
			    !tc_value_equal(&c->mine->values[f], &c->base->values[f], fi->type);
			if (mine_changed)
				rc = pick(m, f, c->mine, err);
			continue;
		}
		switch (choices[f]) {
		case TC_RESOLVE_MINE:
			rc = pick(m, f, c->mine, err);
			break;
		case TC_RESOLVE_THEIRS:
			break;
		case TC_RESOLVE_EDITED:
			if (!edited)
				rc = tc_error_set(err, TC_USAGE, "no edited value given for %s",
				                  fi->key);
			else
				rc = pick(m, f, edited, err);
			break;
		default:
			rc = tc_error_set(err, TC_USAGE,
			                  "%s is in conflict: choose mine, theirs or a new value",
			                  fi->key);
		}
	}
	if (rc != TC_OK) {
		tc_trunk_destroy(m);
		return rc;
	}
	*out = m;
	return TC_OK;
}

/*
 * The create that brings back a trunk deleted on the server: src with the
 * fields given new values (choices EDITED) from edited. Its null attributes
 * are left out: the server rendered them null because they were never set,
 * and a create that sends null for a required-when-present attribute is
 * refused ("must be filled"), where leaving it out gives the same trunk.
 */
static struct tc_trunk *recreated(const struct tc_trunk *src,
                                  const enum tc_resolution choices[TC_FIELD_COUNT],
                                  const struct tc_trunk *edited)
{
	struct tc_trunk *t = tc_trunk_dup(src);
	for (int f = 0; t && f < TC_FIELD_COUNT; f++) {
		if (edited && choices[f] == TC_RESOLVE_EDITED &&
		    tc_trunk_set_value(t, f, &edited->values[f]) != TC_OK) {
			tc_trunk_destroy(t);
			return NULL;
		}
		if (t->values[f].state == TC_V_NULL)
			tc_trunk_unset(t, f);
	}
	return t;
}

enum tc_status tc_service_resolve(struct tc_service *svc, const char *id,
                                  const enum tc_resolution choices[TC_FIELD_COUNT],
                                  const struct tc_trunk *edited, struct tc_error *err)
{
	/*
	 * The conflict is read in the transaction that settles it: a second
	 * resolve (another process) then finds it settled, instead of both
	 * writing results computed from the same read.
	 */
	enum tc_status rc = service_begin_write(svc, err);
	if (rc != TC_OK)
		return rc;
	struct tc_trunk_record *rec;
	char *mapped;
	rc = tc_store_get(svc->store, service_current_id(svc, id, &mapped), &rec, err);
	free(mapped);
	if (rc != TC_OK) {
		tc_store_rollback(svc->store);
		return rc;
	}
	struct tc_trunk *result = NULL;
	const struct tc_conflict *c = rec->conflict;
	char local_id[64] = "";
	if (!c || rec->state != TC_SYNC_CONFLICT || !c->mine) {
		rc = tc_error_set(err, TC_USAGE, "trunk %s is not in conflict", id);
	} else if (!c->theirs) {
		/* deleted on the server: recreate (mine or an edited record) or let it go */
		enum tc_resolution r = choices[TC_F_NAME];
		const struct tc_trunk *src = r == TC_RESOLVE_EDITED ? edited : c->mine;
		if (r == TC_RESOLVE_NONE || (r == TC_RESOLVE_EDITED && !edited))
			rc = tc_error_set(
			    err, TC_USAGE,
			    "trunk %s was deleted on the server: recreate it (mine) or "
			    "drop it (theirs)",
			    id);
		else if (r != TC_RESOLVE_THEIRS) {
			if (!(result = recreated(src, choices, edited)))
				rc = tc_error_set(err, TC_NOMEM, NULL);
			if (rc == TC_OK)
				rc = tc_service_validate(svc, TC_SAVE_CREATE, result, NULL, err);
			if (rc == TC_OK)
				rc = service_new_local_id(local_id, err);
		}
	} else if (c->mine_deleted) {
		/* delete vs modified: the delete stands (result NULL) or theirs does */
		enum tc_resolution r = choices[TC_F_NAME];
		if (r == TC_RESOLVE_THEIRS && !(result = tc_trunk_dup(c->theirs)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
		else if (r != TC_RESOLVE_MINE && r != TC_RESOLVE_THEIRS)
			rc = tc_error_set(
			    err, TC_USAGE,
			    "trunk %s was deleted here and changed on the server: keep "
			    "the delete (mine) or keep the server's version (theirs)",
			    id);
	} else {
		rc = merge_choices(c, choices, edited, &result, err);
		if (rc == TC_OK)
			rc = tc_service_validate(svc, TC_SAVE_UPDATE, result, c->theirs, err);
	}
	if (rc == TC_OK)
		rc =
		    tc_store_resolve(svc->store, rec->id, result, *local_id ? local_id : NULL, err);
	if (rc == TC_OK)
		rc = tc_store_commit(svc->store, err);
	else
		tc_store_rollback(svc->store);
	tc_trunk_destroy(result);
	tc_trunk_record_destroy(rec);
	return service_queued(svc, rc);
}
