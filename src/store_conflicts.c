/* Conflicts and rejected edits: their stored documents, resolving a conflict, retrying. */
#include <jansson.h>
#include <stdlib.h>

#include "store_private.h"
#include "trunk_json.h"

/* ---- conflict and error documents ---- */

static json_t *trunk_json_or_null(const struct tc_trunk *t)
{
	return t ? tc_trunk_attrs_to_json(t, TRUNK_JSON) : json_null();
}

char *store_conflict_doc(const struct tc_trunk *base, const struct tc_trunk *mine,
                         bool mine_deleted, const struct tc_trunk *theirs,
                         const bool fields[TC_FIELD_COUNT], int64_t when)
{
	json_t *list = json_array();
	for (int f = 0; list && f < TC_FIELD_COUNT; f++)
		if (fields && fields[f])
			json_array_append_new(list, json_string(tc_field(f)->key));
	json_t *doc =
	    json_pack("{s:o, s:o, s:b, s:o, s:o, s:I}", "base", trunk_json_or_null(base), "mine",
	              trunk_json_or_null(mine), "mine_deleted", mine_deleted, "theirs",
	              trunk_json_or_null(theirs), "fields", list, "detected_ms", (json_int_t)when);
	if (!doc)
		return NULL;
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

static enum tc_status trunk_from_member(struct tc_store *s, json_t *doc, const char *key,
                                        const char *id, struct tc_trunk **out, struct tc_error *err)
{
	*out = NULL;
	json_t *obj = json_object_get(doc, key);
	if (!obj || json_is_null(obj))
		return TC_OK;
	char *text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc = store_decode(s, text, id, out, err);
	free(text);
	return rc;
}

enum tc_status store_conflict_parse(struct tc_store *s, const char *text, const char *id,
                                    struct tc_conflict **out, struct tc_error *err)
{
	*out = NULL;
	json_t *doc = json_loads(text, 0, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return tc_error_set(err, TC_CORRUPT, "%s holds an unreadable conflict of %s",
		                    s->path, id);
	}
	struct tc_conflict *c = calloc(1, sizeof(*c));
	enum tc_status rc = c ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK)
		rc = trunk_from_member(s, doc, "base", id, &c->base, err);
	if (rc == TC_OK)
		rc = trunk_from_member(s, doc, "mine", id, &c->mine, err);
	if (rc == TC_OK)
		rc = trunk_from_member(s, doc, "theirs", id, &c->theirs, err);
	if (rc == TC_OK) {
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(doc, "fields"), i, v)
		{
			const struct tc_field_info *fi = tc_field_by_key(json_string_value(v));
			if (fi)
				c->fields[fi->id] = true;
		}
		c->detected_ms = json_integer_value(json_object_get(doc, "detected_ms"));
		/* absent from conflicts stored before deletes could conflict: false */
		c->mine_deleted = json_is_true(json_object_get(doc, "mine_deleted"));
	}
	json_decref(doc);
	if (rc != TC_OK && c) {
		tc_trunk_destroy(c->base);
		tc_trunk_destroy(c->mine);
		tc_trunk_destroy(c->theirs);
		free(c);
		c = NULL;
	}
	*out = c;
	return rc;
}

char *store_errors_doc(const struct tc_field_errors *errs)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && errs && i < errs->count; i++) {
		const struct tc_field_error *e = &errs->items[i];
		const struct tc_field_info *fi = tc_field(e->field);
		json_array_append_new(arr,
		                      json_pack("{s:o, s:i, s:i, s:b, s:s?, s:s?}", "field",
		                                fi ? json_string(fi->key) : json_null(), "index",
		                                e->index, "severity", (int)e->severity, "rule",
		                                e->rule, "pointer", e->pointer, "title", e->title));
	}
	if (!arr)
		return NULL;
	char *text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

enum tc_status store_errors_parse(const char *text, struct tc_field_errors *out,
                                  struct tc_error *err)
{
	json_t *arr = json_loads(text, 0, NULL);
	size_t i;
	json_t *e;
	enum tc_status rc = TC_OK;
	json_array_foreach(arr, i, e)
	{
		const struct tc_field_info *fi =
		    tc_field_by_key(json_string_value(json_object_get(e, "field")));
		int field = fi ? (int)fi->id : TC_FIELD_NONE;
		int index = (int)json_integer_value(json_object_get(e, "index"));
		enum tc_severity sev =
		    (enum tc_severity)json_integer_value(json_object_get(e, "severity"));
		const char *pointer = json_string_value(json_object_get(e, "pointer"));
		const char *title = json_string_value(json_object_get(e, "title"));
		rc = json_is_true(json_object_get(e, "rule"))
		         ? tc_field_errors_add_rule(out, field, index, sev, pointer, title, NULL)
		         : tc_field_errors_add(out, field, index, sev, pointer, title, NULL);
		if (rc != TC_OK) {
			rc = tc_error_set(err, rc, NULL);
			break;
		}
	}
	json_decref(arr);
	return rc;
}

/* ---- conflicts and retries ---- */

static enum tc_status resolve_in_tx(struct tc_store *s, const char *id,
                                    const struct tc_trunk *result, const char *new_local_id,
                                    struct tc_error *err)
{
	struct row r;
	enum tc_status rc = store_row_load(s, id, &r, err);
	if (rc != TC_OK)
		return rc;
	struct tc_conflict *c = NULL;
	if (r.state != TC_SYNC_CONFLICT || !r.conflict)
		rc = tc_error_set(err, TC_USAGE, "trunk %s is not in conflict", id);
	if (rc == TC_OK)
		rc = store_conflict_parse(s, r.conflict, id, &c, err);
	struct tc_outbox_list l = {0};
	if (rc == TC_OK)
		rc = store_entries_of(s, id, &l, err);
	if (rc == TC_OK)
		rc = store_drop_unsent(s, &l, err);
	if (rc == TC_OK && !c->theirs) {
		if (result && !store_is_local_id(new_local_id))
			rc = tc_error_set(err, TC_USAGE, "recreating trunk %s needs a new local id",
			                  id);
		if (rc == TC_OK)
			rc = store_row_delete(s, id, err);
		if (rc == TC_OK && result)
			rc = store_create_in_tx(s, new_local_id, result, err);
	} else if (rc == TC_OK) {
		/* delete vs modified, no result: the delete stands, against what was seen now */
		bool keep_delete = c->mine_deleted && !result;
		struct tc_trunk *want = result ? tc_trunk_dup(result) : NULL;
		if (!result && !keep_delete)
			rc = tc_error_set(err, TC_USAGE,
			                  "resolving trunk %s needs the settled record", id);
		else if (result && (!want || tc_trunk_set_id(want, id) != TC_OK))
			rc = tc_error_set(err, TC_NOMEM, NULL);
		size_t n = 0;
		struct tc_trunk *p = NULL;
		if (rc == TC_OK && keep_delete)
			rc = store_entry_insert(s, id, TC_OP_DELETE, NULL, c->theirs, err);
		else if (rc == TC_OK &&
		         !(p = store_changed_fields(want, c->theirs, TC_FF_SEND_UPDATE, &n)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
		if (rc == TC_OK && n > 0)
			rc = store_entry_insert(s, id, TC_OP_UPDATE, p, c->theirs, err);
		tc_trunk_destroy(p);
		if (rc == TC_OK) {
			tc_trunk_destroy(r.base);
			r.base = c->theirs;
			c->theirs = NULL;
			tc_trunk_destroy(r.local);
			r.local = want;
			want = NULL;
			free(r.conflict);
			r.conflict = NULL;
			r.edited_ms = tc_store_now(s);
			r.state = TC_SYNC_PENDING;
			rc = store_row_settle(s, &r, err);
		}
		tc_trunk_destroy(want);
	}
	tc_outbox_list_finish(&l);
	if (c) {
		tc_trunk_destroy(c->base);
		tc_trunk_destroy(c->mine);
		tc_trunk_destroy(c->theirs);
		free(c);
	}
	store_row_clear(&r);
	return rc;
}

enum tc_status tc_store_resolve(struct tc_store *s, const char *id, const struct tc_trunk *result,
                                const char *new_local_id, struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	rc = resolve_in_tx(s, id, result, new_local_id, err);
	return store_write_end(s, own, rc, err);
}

/* Re-settles every trunk named by the first column of sql (bound to id when id is set). */
static enum tc_status settle_ids(struct tc_store *s, const char *sql, const char *id,
                                 struct tc_error *err)
{
	sqlite3_stmt *st;
	enum tc_status rc = store_prepare(s, sql, &st, err);
	if (rc != TC_OK)
		return rc;
	if (id)
		store_bind_text(st, 1, id);
	char **ids;
	size_t n;
	rc = store_collect_ids(s, st, "list trunks", &ids, &n, err);
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		struct row row;
		if (rc == TC_OK && (rc = store_row_load(s, ids[i], &row, err)) == TC_OK) {
			rc = store_row_settle(s, &row, err);
			store_row_clear(&row);
		}
		free(ids[i]);
	}
	free(ids);
	return rc;
}

enum tc_status tc_store_retry(struct tc_store *s, const char *id, struct tc_error *err)
{
	bool own;
	enum tc_status rc = store_write_begin(s, &own, err);
	if (rc != TC_OK)
		return rc;
	sqlite3_stmt *st;
	rc = store_prepare(
	    s,
	    id ? "UPDATE outbox SET state = 0, next_attempt_ms = 0 "
	         "WHERE state IN (0, 2) AND trunk_id = ?"
	       : "UPDATE outbox SET state = 0, next_attempt_ms = 0 WHERE state IN (0, 2)",
	    &st, err);
	if (rc == TC_OK) {
		if (id)
			store_bind_text(st, 1, id);
		rc = store_run(s, st, err);
		sqlite3_finalize(st);
	}
	if (rc == TC_OK)
		rc = settle_ids(s,
		                id ? "SELECT id FROM trunks WHERE state = 3 AND id = ?"
		                   : "SELECT id FROM trunks WHERE state = 3",
		                id, err);
	return store_write_end(s, own, rc, err);
}
