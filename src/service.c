/*
 * The store half of the service facade: everything that works offline.
 * The network half (sync, probe, the worker) is service_net.c; the state
 * both share is service_private.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "service_private.h"
#include "trunkctl/jsonapi.h"
#include "trunkctl/validate.h"

/* ---- open and close ---- */

/*
 * The lint waits this long after a request for the next one: the saves of a
 * bulk edit or the changes of one sync make one run, not one each.
 */
#define LINT_SETTLE_MS 100

static void regions_free(struct tc_region *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free((char *)r[i].alias);
		free((char *)r[i].identifier);
		free((char *)r[i].human_name);
		free((char *)r[i].nat_ip);
	}
	free(r);
}

static bool regions_copy(struct tc_service *svc, const struct tc_region *src, size_t n)
{
	if (!src || n == 0)
		src = tc_default_regions(&n);
	svc->regions = calloc(n, sizeof(*svc->regions));
	if (!svc->regions)
		return false;
	svc->region_count = n;
	for (size_t i = 0; i < n; i++) {
		struct tc_region *d = &svc->regions[i];
		d->group_id = src[i].group_id;
		char *alias = NULL, *identifier = NULL, *human_name = NULL, *nat_ip = NULL;
		bool ok = tc_strdup_opt(&alias, src[i].alias) &&
		          tc_strdup_opt(&identifier, src[i].identifier) &&
		          tc_strdup_opt(&human_name, src[i].human_name) &&
		          tc_strdup_opt(&nat_ip, src[i].nat_ip);
		d->alias = alias;
		d->identifier = identifier;
		d->human_name = human_name;
		d->nat_ip = nat_ip;
		if (!ok)
			return false;
	}
	return true;
}

/* "https://api.somleng.org/x" -> "api.somleng.org" (a port is kept). */
static char *host_of(const char *url)
{
	if (!url)
		return NULL;
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	return strndup(p, n);
}

enum tc_status tc_service_open(const struct tc_service_options *o, struct tc_service **out,
                               struct tc_error *err)
{
	*out = NULL;
	if (!o || !o->data_dir || !*o->data_dir)
		return tc_error_set(err, TC_USAGE, "no data directory given");
	struct tc_service *svc = calloc(1, sizeof(*svc));
	if (!svc)
		return tc_error_set(err, TC_NOMEM, NULL);
	svc->offline = o->offline;
	svc->read_only = o->read_only;
	svc->data_dir = strdup(o->data_dir);
	svc->profile = strdup(o->profile ? o->profile : "default");
	svc->api_host = host_of(o->api_url);
	svc->clock = o->clock;
	enum tc_status rc = TC_OK;
	if (!svc->data_dir || !svc->profile || (o->api_url && !svc->api_host) ||
	    !regions_copy(svc, o->regions, o->region_count))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK) {
		struct tc_store_options so = {
		    .dir = svc->data_dir, .clock = o->clock, .read_only = o->store_read_only};
		rc = tc_store_open(&so, &svc->store, err);
	}
	if (rc == TC_OK && tc_store_read_only_reason(svc->store))
		svc->read_only = true;
	if (rc == TC_OK)
		rc = service_net_open(svc, o, err);
	if (rc == TC_OK) {
		struct tc_lint_job_options lo = {
		    .data_dir = svc->data_dir,
		    .clock = o->clock,
		    .read_only = tc_store_read_only_reason(svc->store) != NULL,
		    .settle_ms = LINT_SETTLE_MS,
		};
		rc = tc_lint_job_create(&lo, &svc->lint, err);
	}
	if (rc != TC_OK) {
		tc_service_close(svc);
		return rc;
	}
	*out = svc;
	return TC_OK;
}

void tc_service_close(struct tc_service *svc)
{
	if (!svc)
		return;
	/* the worker and the lint use their own connections, but stop before anything else goes */
	service_net_close(svc);
	tc_lint_job_destroy(svc->lint);
	tc_store_close(svc->store);
	regions_free(svc->regions, svc->region_count);
	free(svc->data_dir);
	free(svc->profile);
	free(svc->api_host);
	free(svc);
}

bool tc_service_read_only(const struct tc_service *svc)
{
	return svc->read_only;
}

const char *tc_service_store_read_only(const struct tc_service *svc)
{
	return tc_store_read_only_reason(svc->store);
}

bool tc_service_offline(const struct tc_service *svc)
{
	return svc->offline;
}

const char *tc_service_profile(const struct tc_service *svc)
{
	return svc->profile;
}

const char *tc_service_api_host(const struct tc_service *svc)
{
	return svc->api_host;
}

const char *tc_service_data_dir(const struct tc_service *svc)
{
	return svc->data_dir;
}

const char *tc_service_store_path(const struct tc_service *svc)
{
	return tc_store_path(svc->store);
}

bool tc_service_is_store_file(const struct tc_service *svc, const char *path)
{
	struct stat given, own;
	if (stat(path, &given) != 0)
		return false;
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char name[PATH_MAX];
		snprintf(name, sizeof(name), "%s%s", tc_store_path(svc->store), suffixes[i]);
		if (stat(name, &own) == 0 && own.st_dev == given.st_dev &&
		    own.st_ino == given.st_ino)
			return true;
	}
	return false;
}

const struct tc_region *tc_service_regions(const struct tc_service *svc, size_t *count)
{
	*count = svc->region_count;
	return svc->regions;
}

enum tc_status service_refuse_read_only(const struct tc_service *svc, struct tc_error *err)
{
	if (!svc->read_only)
		return TC_OK;
	const char *why = tc_store_read_only_reason(svc->store);
	if (why)
		return tc_error_set(err, TC_READ_ONLY, "nothing was changed: %s", why);
	return tc_error_set(err, TC_READ_ONLY,
	                    "read-only mode: nothing was changed (profile %s is read-only)",
	                    svc->profile);
}

/* A change was queued: a running worker pushes it now rather than at its next period. */
enum tc_status service_queued(struct tc_service *svc, enum tc_status rc)
{
	if (rc == TC_OK && tc_worker_started(svc->worker))
		tc_worker_request(svc->worker, TC_SYNC_PUSH);
	return rc;
}

/* ---- the lint in the background ---- */

enum tc_status tc_service_lint_request(struct tc_service *svc, struct tc_error *err)
{
	return tc_lint_job_request(svc->lint, err);
}

bool tc_service_lint_busy(const struct tc_service *svc)
{
	return tc_lint_job_busy(svc->lint);
}

int tc_service_lint_fd(const struct tc_service *svc)
{
	return tc_lint_job_fd(svc->lint);
}

bool tc_service_lint_take(struct tc_service *svc, struct tc_lint_marks **out, struct tc_error *err)
{
	return tc_lint_job_take(svc->lint, out, err);
}

enum tc_status tc_service_routing_request(struct tc_service *svc, struct tc_error *err)
{
	return tc_lint_job_request_routing(svc->lint, err);
}

bool tc_service_routing_take(struct tc_service *svc, struct tc_routing **routing,
                             struct tc_lint_report *report)
{
	return tc_lint_job_take_routing(svc->lint, routing, report);
}

/* ---- reads ---- */

enum tc_status tc_service_list(struct tc_service *svc, const struct tc_list_query *query,
                               struct tc_trunk_page *page, struct tc_error *err)
{
	return tc_store_list(svc->store, query, page, err);
}

enum tc_status tc_service_list_each(struct tc_service *svc, const struct tc_list_query *query,
                                    tc_trunk_row_fn fn, void *ctx, struct tc_error *err)
{
	return tc_store_list_each(svc->store, query, fn, ctx, err);
}

enum tc_status tc_service_count(struct tc_service *svc, const struct tc_list_query *query,
                                size_t *count, struct tc_error *err)
{
	return tc_store_count(svc->store, query, count, err);
}

enum tc_status tc_service_get(struct tc_service *svc, const char *id_or_name,
                              struct tc_trunk_record **out, struct tc_error *err)
{
	*out = NULL;
	if (!id_or_name || !*id_or_name)
		return tc_error_set(err, TC_USAGE, "no trunk id or name given");
	enum tc_status rc = tc_store_get(svc->store, id_or_name, out, err);
	if (rc != TC_NOT_FOUND)
		return rc;
	tc_error_clear(err);
	/* a local id printed by an offline create stays usable after the create is pushed */
	char *server_id = NULL;
	rc = tc_store_server_id(svc->store, id_or_name, &server_id, err);
	if (rc == TC_OK) {
		rc = tc_store_get(svc->store, server_id, out, err);
		if (rc == TC_NOT_FOUND)
			tc_error_set(err, TC_NOT_FOUND, "trunk %s (created as %s) is gone",
			             server_id, id_or_name);
		free(server_id);
		return rc;
	}
	if (rc != TC_NOT_FOUND)
		return rc;
	tc_error_clear(err);
	char *ids[2];
	size_t n = 0;
	rc = tc_store_find_by_name(svc->store, id_or_name, ids, 2, &n, err);
	if (rc != TC_OK)
		return rc;
	if (n == 1)
		rc = tc_store_get(svc->store, ids[0], out, err);
	else if (n == 0)
		rc = tc_error_set(err, TC_NOT_FOUND, "no trunk has the id or name \"%s\"",
		                  id_or_name);
	else
		rc = tc_error_set(err, TC_USAGE,
		                  "several trunks are named \"%s\"; give the id instead",
		                  id_or_name);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	return rc;
}

enum tc_status tc_service_document(struct tc_service *svc, const char *id_or_name, bool reveal,
                                   char **json, struct tc_error *err)
{
	*json = NULL;
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(svc, id_or_name, &rec, err);
	char *raw = NULL;
	if (rc == TC_OK)
		rc = tc_store_document(svc->store, rec->id, &raw, err);
	if (rc == TC_OK && raw)
		rc = tc_jsonapi_format_resource(raw, reveal, json, err);
	free(raw);
	tc_trunk_record_destroy(rec);
	return rc;
}

/* ---- validation ---- */

/* TC_INVALID with a message naming the first error, when errs holds any error. */
static enum tc_status verdict(struct tc_field_errors *errs, struct tc_error *err)
{
	tc_validate_sort(errs);
	size_t n = tc_field_errors_count(errs, TC_SEV_ERROR);
	if (err)
		tc_field_errors_move(&err->fields, errs);
	tc_field_errors_finish(errs);
	if (n == 0)
		return TC_OK;
	const struct tc_field_error *first = NULL;
	for (size_t i = 0; err && i < err->fields.count && !first; i++)
		if (err->fields.items[i].severity == TC_SEV_ERROR)
			first = &err->fields.items[i];
	const struct tc_field_info *fi = first ? tc_field(first->field) : NULL;
	/* The summary is one line: a title as long as the country list says only that it is wrong.
	 */
	const char *title = first ? first->title : "is invalid";
	if (strlen(title) > 100)
		title = "is not an accepted value";
	if (n == 1)
		return tc_error_set(err, TC_INVALID, "%s %s", fi ? fi->key : "the trunk", title);
	return tc_error_set(err, TC_INVALID, "%s %s (and %zu more problems)",
	                    fi ? fi->key : "the trunk", title, n - 1);
}

enum tc_status tc_service_validate(struct tc_service *svc, enum tc_save_kind kind,
                                   const struct tc_trunk *draft, const struct tc_trunk *base,
                                   struct tc_error *err)
{
	if (!draft)
		return tc_error_set(err, TC_USAGE, "nothing to validate");
	struct tc_validate_ctx ctx;
	tc_validate_ctx_init(&ctx, kind == TC_SAVE_CREATE ? TC_VALIDATE_CREATE : TC_VALIDATE_UPDATE,
	                     svc->regions, svc->region_count);
	struct tc_field_errors errs = {0};
	enum tc_status rc = TC_OK;
	if (kind == TC_SAVE_CREATE || !base) {
		rc = tc_validate_record(&ctx, draft, &errs);
	} else {
		/* a PATCH carries only what changed, and the server checks only that */
		for (int f = 0; f < TC_FIELD_COUNT; f++) {
			const struct tc_field_info *fi = tc_field(f);
			if (draft->values[f].state == TC_V_ABSENT ||
			    tc_value_equal(&draft->values[f], &base->values[f], fi->type))
				continue;
			enum tc_status r = tc_validate_field(&ctx, f, draft, &errs);
			if (r == TC_NOMEM || r == TC_USAGE)
				rc = r;
		}
	}
	if (rc == TC_NOMEM || rc == TC_USAGE) {
		tc_field_errors_finish(&errs);
		return tc_error_set(err, rc, NULL);
	}
	return verdict(&errs, err);
}

/* ---- local changes ---- */

enum tc_status service_new_local_id(char buf[64], struct tc_error *err)
{
	unsigned char rnd[8];
	size_t got = 0;
	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n < 0 && errno != EINTR)
			return tc_error_set(err, TC_IO, "no random bytes for a local id: %s",
			                    strerror(errno));
		if (n > 0)
			got += (size_t)n;
	}
	int len = snprintf(buf, 64, "%s", TC_LOCAL_ID_PREFIX);
	for (size_t i = 0; i < sizeof(rnd); i++)
		len += snprintf(buf + len, (size_t)(64 - len), "%02x", rnd[i]);
	return TC_OK;
}

enum tc_status tc_service_create(struct tc_service *svc, const struct tc_trunk *draft,
                                 char **id_out, struct tc_error *err)
{
	if (id_out)
		*id_out = NULL;
	enum tc_status rc = service_refuse_read_only(svc, err);
	if (rc == TC_OK)
		rc = tc_service_validate(svc, TC_SAVE_CREATE, draft, NULL, err);
	if (rc != TC_OK)
		return rc;
	char id[64];
	/* a clash of 64 random bits is not expected; the store refuses one anyway */
	rc = service_new_local_id(id, err);
	if (rc == TC_OK)
		rc = tc_store_create_local(svc->store, id, draft, err);
	if (rc == TC_OK && id_out && !(*id_out = strdup(id)))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	return service_queued(svc, rc);
}

/*
 * The id a change addresses: a local id whose create was pushed stands for
 * the server id it moved to (*mapped, freed by the caller), any other is
 * itself.
 */
/* Commits the write transaction a service call opened when rc is TC_OK, else rolls it back. */
enum tc_status service_end_write(struct tc_service *svc, enum tc_status rc, struct tc_error *err)
{
	if (rc == TC_OK)
		return tc_store_commit(svc->store, err);
	tc_store_rollback(svc->store);
	return rc;
}

/*
 * The id a trunk has now. Called inside the write transaction that acts on
 * it: another process may push the trunk's create and move it to the
 * server's id at any time, and a mapping read before the transaction would
 * name a trunk that is gone by the time it is written.
 */
const char *service_current_id(struct tc_service *svc, const char *id, char **mapped)
{
	*mapped = NULL;
	if (!id || strncmp(id, TC_LOCAL_ID_PREFIX, strlen(TC_LOCAL_ID_PREFIX)) != 0)
		return id;
	struct tc_error e;
	tc_error_init(&e);
	/* on any failure the local id itself is used and its own error reported */
	if (tc_store_server_id(svc->store, id, mapped, &e) != TC_OK)
		*mapped = NULL;
	tc_error_clear(&e);
	return *mapped ? *mapped : id;
}

/* Validates, inside the save's transaction, the record an edit makes. */
static enum tc_status check_edit(void *ctx, const struct tc_trunk *merged,
                                 const struct tc_trunk *current, bool pushed, struct tc_error *err)
{
	/* an unpushed create is still checked as the create it will be */
	return tc_service_validate(ctx, pushed ? TC_SAVE_UPDATE : TC_SAVE_CREATE, merged, current,
	                           err);
}

void service_edit_of(struct tc_service *svc, const struct tc_trunk *changes,
                     const struct tc_trunk *from, struct tc_store_edit *edit)
{
	*edit = (struct tc_store_edit){
	    .changes = changes, .from = from, .check = check_edit, .check_ctx = svc};
}

/* One edit of trunk id (already mapped) in the store; joins an open transaction. */
enum tc_status service_save_edit(struct tc_service *svc, const char *id,
                                 const struct tc_trunk *changes, const struct tc_trunk *from,
                                 struct tc_edit_result *result, struct tc_error *err)
{
	struct tc_store_edit edit;
	service_edit_of(svc, changes, from, &edit);
	return tc_store_update_local(svc->store, id, &edit, result, err);
}

/* The write transaction of an edit, once the session may write and there is something to save. */
enum tc_status service_begin_write(struct tc_service *svc, struct tc_error *err)
{
	enum tc_status rc = service_refuse_read_only(svc, err);
	return rc == TC_OK ? tc_store_begin(svc->store, err) : rc;
}

enum tc_status service_begin_edits(struct tc_service *svc, const struct tc_trunk *changes,
                                   struct tc_error *err)
{
	enum tc_status rc = service_refuse_read_only(svc, err);
	if (rc != TC_OK)
		return rc;
	if (!changes)
		return tc_error_set(err, TC_USAGE, "no changes to save");
	return tc_store_begin(svc->store, err);
}

enum tc_status tc_service_update(struct tc_service *svc, const char *id_given,
                                 const struct tc_trunk *changes, const struct tc_trunk *from,
                                 struct tc_edit_result *result, struct tc_error *err)
{
	if (result)
		memset(result, 0, sizeof(*result));
	enum tc_status rc = service_begin_edits(svc, changes, err);
	if (rc != TC_OK)
		return rc;
	char *mapped;
	const char *id = service_current_id(svc, id_given, &mapped);
	rc = service_end_write(svc, service_save_edit(svc, id, changes, from, result, err), err);
	free(mapped);
	return service_queued(svc, rc);
}

enum tc_status tc_service_delete(struct tc_service *svc, const char *id, struct tc_error *err)
{
	enum tc_status rc = service_begin_write(svc, err);
	if (rc != TC_OK)
		return rc;
	char *mapped;
	rc = service_end_write(
	    svc, tc_store_delete_local(svc->store, service_current_id(svc, id, &mapped), err), err);
	free(mapped);
	return service_queued(svc, rc);
}

enum tc_status tc_service_discard(struct tc_service *svc, const char *id, struct tc_error *err)
{
	enum tc_status rc = service_begin_write(svc, err);
	if (rc != TC_OK)
		return rc;
	char *mapped;
	rc = service_end_write(
	    svc, tc_store_discard(svc->store, service_current_id(svc, id, &mapped), err), err);
	free(mapped);
	return rc;
}

/* ---- outbox, journal, status ---- */

/* The trunk with its password shown as the mask, for a preview that must not reveal it. */
static struct tc_trunk *masked(const struct tc_trunk *t)
{
	struct tc_trunk *m = tc_trunk_dup(t);
	for (int f = 0; m && f < TC_FIELD_COUNT; f++)
		if ((tc_field(f)->flags & TC_FF_SECRET) && m->values[f].state == TC_V_SET &&
		    tc_trunk_set_string(m, f, TC_SECRET_MASK) != TC_OK) {
			tc_trunk_destroy(m);
			return NULL;
		}
	return m;
}

static enum tc_status preview(const struct tc_outbox_entry *e, bool reveal,
                              struct tc_request_preview *out, struct tc_error *err)
{
	static const char *const methods[TC_OP_COUNT] = {
	    [TC_OP_CREATE] = "POST", [TC_OP_UPDATE] = "PATCH", [TC_OP_DELETE] = "DELETE"};
	memset(out, 0, sizeof(*out));
	if ((int)e->op <= TC_OP_NONE || e->op >= TC_OP_COUNT)
		return tc_error_set(err, TC_CORRUPT, "outbox entry %lld has no operation",
		                    (long long)e->seq);
	size_t len = strlen(TC_API_COLLECTION_PATH) + strlen(e->trunk_id) + 2;
	out->method = strdup(methods[e->op]);
	out->path = malloc(len);
	if (!out->method || !out->path)
		return tc_error_set(err, TC_NOMEM, NULL);
	if (e->op == TC_OP_CREATE)
		snprintf(out->path, len, "%s", TC_API_COLLECTION_PATH);
	else
		snprintf(out->path, len, "%s/%s", TC_API_COLLECTION_PATH, e->trunk_id);
	if (e->op == TC_OP_DELETE || !e->payload)
		return TC_OK;
	struct tc_trunk *body = reveal ? tc_trunk_dup(e->payload) : masked(e->payload);
	if (!body || tc_trunk_set_id(body, e->trunk_id) != TC_OK) {
		tc_trunk_destroy(body);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	enum tc_status rc;
	if (e->op == TC_OP_CREATE) {
		rc = tc_jsonapi_encode_create(body, &out->body, err);
	} else {
		bool changed[TC_FIELD_COUNT];
		for (int f = 0; f < TC_FIELD_COUNT; f++)
			changed[f] = body->values[f].state != TC_V_ABSENT;
		rc = tc_jsonapi_encode_update_fields(body, changed, &out->body, err);
	}
	tc_trunk_destroy(body);
	return rc;
}

static void pending_entry_clear(struct tc_pending_entry *p)
{
	free(p->trunk_id);
	free(p->trunk_name);
	free(p->last_error);
	tc_trunk_destroy(p->payload);
	tc_trunk_destroy(p->base);
	free(p->request.method);
	free(p->request.path);
	free(p->request.body);
}

void tc_pending_list_finish(struct tc_pending_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		pending_entry_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

enum tc_status tc_service_pending(struct tc_service *svc, bool reveal, struct tc_pending_list *list,
                                  struct tc_error *err)
{
	memset(list, 0, sizeof(*list));
	struct tc_outbox_list l;
	enum tc_status rc = tc_store_outbox(svc->store, TC_OUTBOX_ALL, 0, &l, err);
	if (rc != TC_OK)
		return rc;
	if (l.count && !(list->items = calloc(l.count, sizeof(*list->items))))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	for (size_t i = 0; rc == TC_OK && i < l.count; i++) {
		struct tc_outbox_entry *e = &l.items[i];
		struct tc_pending_entry *p = &list->items[list->count++];
		p->seq = e->seq;
		p->op = e->op;
		p->state = e->state;
		p->attempts = e->attempts;
		p->next_attempt_ms = e->next_attempt_ms;
		p->created_ms = e->created_ms;
		/* ownership moves from the outbox list */
		p->trunk_id = e->trunk_id;
		p->last_error = e->last_error;
		p->payload = e->payload;
		p->base = e->base;
		e->trunk_id = e->last_error = NULL;
		e->payload = e->base = NULL;
		struct tc_trunk_record *rec = NULL;
		if (tc_store_get(svc->store, p->trunk_id, &rec, NULL) == TC_OK && rec->current) {
			const char *name = tc_trunk_string(rec->current, TC_F_NAME);
			if (name && !(p->trunk_name = strdup(name)))
				rc = tc_error_set(err, TC_NOMEM, NULL);
		}
		tc_trunk_record_destroy(rec);
		struct tc_outbox_entry view = {
		    .seq = p->seq, .trunk_id = p->trunk_id, .op = p->op, .payload = p->payload};
		if (rc == TC_OK)
			rc = preview(&view, reveal, &p->request, err);
	}
	tc_outbox_list_finish(&l);
	if (rc != TC_OK)
		tc_pending_list_finish(list);
	return rc;
}

enum tc_status tc_service_retry(struct tc_service *svc, const char *id, struct tc_error *err)
{
	enum tc_status rc = service_refuse_read_only(svc, err);
	if (rc == TC_OK)
		rc = tc_store_begin(svc->store, err);
	if (rc != TC_OK)
		return rc;
	char *mapped = NULL;
	rc = service_end_write(
	    svc, tc_store_retry(svc->store, service_current_id(svc, id, &mapped), err), err);
	free(mapped);
	return service_queued(svc, rc);
}

enum tc_status tc_service_journal(struct tc_service *svc, size_t limit,
                                  struct tc_journal_list *list, struct tc_error *err)
{
	return tc_store_journal(svc->store, limit, list, err);
}

enum tc_status tc_service_status(struct tc_service *svc, struct tc_service_status *out,
                                 struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	struct tc_store_counts c;
	struct tc_store_sync_meta m;
	enum tc_status rc = tc_store_counts(svc->store, &c, err);
	if (rc == TC_OK)
		rc = tc_store_sync_meta(svc->store, &m, err);
	if (rc != TC_OK)
		return rc;
	out->trunks = c.trunks;
	out->queued = c.queued;
	out->in_flight = c.in_flight;
	out->conflicts = c.conflicts;
	out->rejected = c.rejected;
	out->last_pull_ms = m.last_pull_ms;
	out->last_sync_ms = m.last_sync_ms;
	out->last_status = m.last_status;
	snprintf(out->last_error, sizeof(out->last_error), "%s", m.last_error);
	out->syncing = tc_worker_syncing(svc->worker);
	out->offline = svc->offline;
	out->read_only = svc->read_only;
	return TC_OK;
}

enum tc_status tc_service_changed_elsewhere(struct tc_service *svc, bool *changed,
                                            struct tc_error *err)
{
	*changed = false;
	int64_t v;
	enum tc_status rc = tc_store_data_version(svc->store, &v, err);
	if (rc != TC_OK)
		return rc;
	*changed = svc->data_version_known && v != svc->data_version;
	svc->data_version = v;
	svc->data_version_known = true;
	return TC_OK;
}

/* ---- doctor ---- */

enum tc_status tc_service_check_store(struct tc_service *svc, struct tc_store_check *out,
                                      struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	enum tc_status rc = tc_store_integrity_check(svc->store, &out->integrity_ok, out->integrity,
	                                             sizeof(out->integrity), err);
	if (rc != TC_OK)
		return rc;
	out->schema_version = tc_store_schema_version(svc->store);
	out->read_only = tc_store_read_only_reason(svc->store) != NULL;
	if (out->integrity_ok && (rc = tc_store_search_check(svc->store, !out->read_only,
	                                                     &out->search_rebuilt, err)) != TC_OK)
		return rc;
	struct stat d, f;
	if (stat(svc->data_dir, &d) != 0 || stat(tc_store_path(svc->store), &f) != 0)
		return tc_error_set(err, TC_IO, "cannot read the modes of %s: %s",
		                    tc_store_path(svc->store), strerror(errno));
	out->dir_mode = d.st_mode & 07777;
	out->file_mode = f.st_mode & 07777;
	out->modes_ok = (out->dir_mode & 077) == 0 && (out->file_mode & 077) == 0;
	out->size_bytes = (int64_t)f.st_size;
	return TC_OK;
}
