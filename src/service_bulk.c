/*
 * Changes to many trunks at once, each all or nothing in one transaction:
 * the TUI's marks, and the CLI's update and delete --where.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_private.h"

/* The changes of trunk i: the same for every trunk (same), or each its own (each). */
static const struct tc_trunk *changes_of(const struct tc_trunk *same,
                                         const struct tc_trunk *const *each, size_t i)
{
	return each ? each[i] : same;
}

static enum tc_status update_all(struct tc_service *svc, const char *const *ids, size_t n,
                                 const struct tc_trunk *same, const struct tc_trunk *const *each,
                                 const struct tc_trunk *const *from, size_t *failed, size_t *saved,
                                 struct tc_error *err)
{
	if (saved)
		*saved = 0;
	for (size_t i = 0; each && i < n; i++)
		if (!each[i])
			return tc_error_set(err, TC_USAGE, "no changes to save");
	enum tc_status rc = service_begin_edits(svc, each ? (n ? each[0] : NULL) : same, err);
	if (rc != TC_OK)
		return rc;
	const char **cur = calloc(n ? n : 1, sizeof(*cur));
	char **mapped = calloc(n ? n : 1, sizeof(*mapped));
	struct tc_store_edit *edits = calloc(n ? n : 1, sizeof(*edits));
	if (!cur || !mapped || !edits)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	for (size_t i = 0; rc == TC_OK && i < n; i++) {
		cur[i] = service_current_id(svc, ids[i], &mapped[i]);
		service_edit_of(svc, changes_of(same, each, i), from ? from[i] : NULL, &edits[i]);
	}
	size_t changed = 0;
	if (rc == TC_OK)
		rc = tc_store_update_many_local(svc->store, cur, edits, n, failed, NULL, &changed,
		                                err);
	for (size_t i = 0; mapped && i < n; i++)
		free(mapped[i]);
	free(mapped);
	free(cur);
	free(edits);
	rc = service_end_write(svc, rc, err);
	if (rc == TC_OK && saved)
		*saved = changed;
	return service_queued(svc, rc);
}

enum tc_status tc_service_update_many(struct tc_service *svc, const char *const *ids, size_t n,
                                      const struct tc_trunk *changes,
                                      const struct tc_trunk *const *from, size_t *failed,
                                      size_t *saved, struct tc_error *err)
{
	return update_all(svc, ids, n, changes, NULL, from, failed, saved, err);
}

enum tc_status tc_service_update_each(struct tc_service *svc, const char *const *ids, size_t n,
                                      const struct tc_trunk *const *changes,
                                      const struct tc_trunk *const *from, size_t *failed,
                                      size_t *saved, struct tc_error *err)
{
	return update_all(svc, ids, n, NULL, changes, from, failed, saved, err);
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
