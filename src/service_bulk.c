/*
 * Changes to many trunks at once, each all or nothing in one transaction:
 * the TUI's marks, and the CLI's update and delete --where.
 */
#include <stdlib.h>
#include <string.h>

#include "service_private.h"

enum tc_status tc_service_update_many(struct tc_service *svc, const char *const *ids, size_t n,
                                      const struct tc_trunk *changes,
                                      const struct tc_trunk *const *from, size_t *failed,
                                      size_t *saved, struct tc_error *err)
{
	if (saved)
		*saved = 0;
	enum tc_status rc = service_begin_edits(svc, changes, err);
	if (rc != TC_OK)
		return rc;
	size_t changed = 0;
	for (size_t i = 0; i < n && rc == TC_OK; i++) {
		struct tc_edit_result result;
		memset(&result, 0, sizeof(result));
		char *mapped;
		const char *id = service_current_id(svc, ids[i], &mapped);
		rc = service_save_edit(svc, id, changes, from ? from[i] : NULL, &result, err);
		if (rc == TC_OK && result.nchanged)
			changed++;
		if (rc != TC_OK && failed)
			*failed = i;
		tc_edit_result_finish(&result);
		free(mapped);
	}
	rc = service_end_write(svc, rc, err);
	if (rc == TC_OK && saved)
		*saved = changed;
	return service_queued(svc, rc);
}

enum tc_status tc_service_delete_many(struct tc_service *svc, const char *const *ids, size_t n,
                                      size_t *failed, struct tc_error *err)
{
	enum tc_status rc = service_begin_write(svc, err);
	if (rc != TC_OK)
		return rc;
	for (size_t i = 0; i < n && rc == TC_OK; i++) {
		char *mapped;
		rc = tc_store_delete_local(svc->store, service_current_id(svc, ids[i], &mapped),
		                           err);
		if (rc != TC_OK && failed)
			*failed = i;
		free(mapped);
	}
	return service_queued(svc, service_end_write(svc, rc, err));
}
