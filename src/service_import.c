/*
 * Import (tc_service_import): trunks from a file checked one by one as the
 * server would, then staged all or nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_private.h"
#include "trunkctl/validate.h"

void tc_import_report_finish(struct tc_import_report *report)
{
	if (!report)
		return;
	for (size_t i = 0; i < report->count; i++) {
		free(report->items[i].id);
		tc_field_errors_finish(&report->items[i].errors);
	}
	free(report->items);
	memset(report, 0, sizeof(*report));
}

/*
 * The current record with the set (and null) fields of t over it: what the
 * report and a dry run check. The save itself applies t's fields again onto
 * the trunk as its transaction finds it (save_edit), and checks that.
 */
static struct tc_trunk *overlay(const struct tc_trunk *current, const struct tc_trunk *t)
{
	struct tc_trunk *m = tc_trunk_dup(current);
	for (int f = 0; m && f < TC_FIELD_COUNT; f++)
		if (!(tc_field(f)->flags & TC_FF_READONLY) && t->values[f].state != TC_V_ABSENT &&
		    tc_trunk_set_value(m, f, &t->values[f]) != TC_OK) {
			tc_trunk_destroy(m);
			return NULL;
		}
	return m;
}

/* Validates one imported trunk and works out what saving it means. */
static enum tc_status import_check(struct tc_service *svc, const struct tc_trunk *t,
                                   struct tc_import_result *r, struct tc_trunk **want,
                                   struct tc_error *err)
{
	*want = NULL;
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = TC_NOT_FOUND;
	if (t->id && *t->id) {
		rc = tc_store_get(svc->store, t->id, &rec, NULL);
		if (rc != TC_OK && rc != TC_NOT_FOUND)
			return tc_store_get(svc->store, t->id, &rec, err);
	}
	struct tc_error verr;
	tc_error_init(&verr);
	if (rc == TC_OK) {
		r->kind = TC_SAVE_UPDATE;
		*want = overlay(rec->current, t);
		if (!*want) {
			tc_trunk_record_destroy(rec);
			return tc_error_set(err, TC_NOMEM, NULL);
		}
		r->unchanged = tc_trunk_diff(*want, rec->current, NULL) == 0;
		if (rec->state == TC_SYNC_CONFLICT)
			r->status = TC_CONFLICT;
		else if (rec->pending == TC_OP_DELETE)
			r->status = TC_NOT_FOUND;
		else
			r->status =
			    tc_service_validate(svc, rec->base ? TC_SAVE_UPDATE : TC_SAVE_CREATE,
			                        *want, rec->current, &verr);
	} else {
		r->kind = TC_SAVE_CREATE;
		if (!(*want = tc_trunk_dup(t)))
			return tc_error_set(err, TC_NOMEM, NULL);
		r->status = tc_service_validate(svc, TC_SAVE_CREATE, *want, NULL, &verr);
	}
	tc_trunk_record_destroy(rec);
	if (r->status == TC_NOMEM || r->status == TC_USAGE) {
		rc = tc_error_set(err, r->status, "%s", verr.message);
		tc_error_clear(&verr);
		return rc;
	}
	tc_field_errors_move(&r->errors, &verr.fields);
	tc_error_clear(&verr);
	return TC_OK;
}

enum tc_status tc_service_import(struct tc_service *svc, struct tc_trunk *const *trunks,
                                 size_t count, bool dry_run, struct tc_import_report *report,
                                 struct tc_error *err)
{
	memset(report, 0, sizeof(*report));
	enum tc_status rc = dry_run ? TC_OK : service_refuse_read_only(svc, err);
	if (rc != TC_OK)
		return rc;
	if (count && !(report->items = calloc(count, sizeof(*report->items))))
		return tc_error_set(err, TC_NOMEM, NULL);
	struct tc_trunk **wants = calloc(count ? count : 1, sizeof(*wants));
	if (!wants)
		return tc_error_set(err, TC_NOMEM, NULL);
	/* validate everything before saving anything: an import is all or nothing */
	for (size_t i = 0; rc == TC_OK && i < count; i++) {
		struct tc_import_result *r = &report->items[report->count++];
		r->index = i;
		rc = import_check(svc, trunks[i], r, &wants[i], err);
		if (rc != TC_OK)
			break;
		if (r->status != TC_OK)
			report->failed++;
		else if (r->kind == TC_SAVE_CREATE)
			report->created++;
		else if (r->unchanged)
			report->unchanged++;
		else
			report->updated++;
	}
	if (rc == TC_OK && report->failed)
		rc = tc_error_set(err, TC_INVALID,
		                  "%zu of %zu trunks are not valid; nothing imported",
		                  report->failed, count);
	if (rc == TC_OK && !dry_run) {
		rc = tc_store_begin(svc->store, err);
		for (size_t i = 0; rc == TC_OK && i < count; i++) {
			struct tc_import_result *r = &report->items[i];
			char id[64];
			if (r->kind == TC_SAVE_CREATE) {
				rc = service_new_local_id(id, err);
				if (rc == TC_OK)
					rc = tc_store_create_local(svc->store, id, wants[i], err);
			} else {
				snprintf(id, sizeof(id), "%s", trunks[i]->id);
				/* the file's fields onto the trunk as it is in this transaction */
				rc = service_save_edit(svc, id, trunks[i], NULL, NULL, err);
			}
			if (rc == TC_OK && !(r->id = strdup(id)))
				rc = tc_error_set(err, TC_NOMEM, NULL);
		}
		if (rc == TC_OK)
			rc = service_queued(svc, tc_store_commit(svc->store, err));
		else
			tc_store_rollback(svc->store);
		if (rc != TC_OK)
			for (size_t i = 0; i < count; i++) {
				free(report->items[i].id);
				report->items[i].id = NULL;
			}
	}
	for (size_t i = 0; i < count; i++)
		tc_trunk_destroy(wants[i]);
	free(wants);
	return rc;
}
