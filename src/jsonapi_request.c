/*
 * Requests: the bodies we send (create, and an update of the changed
 * attributes), and a request body read and checked as the server reads it,
 * with the server's pointers, titles and order. The § numbers below are
 * those of tests/fake-carrier/SERVER-BEHAVIOUR.md.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonapi_private.h"
#include "trunk_json.h"
#include "trunkctl/jsonapi.h"
#include "trunkctl/validate.h"

/* ---- bodies we send ---- */

/* Adds f's value to attrs when it can be sent: set, or null where null is accepted. */
static enum tc_status put_field(json_t *attrs, const struct tc_trunk *t, enum tc_field_id f)
{
	const struct tc_field_info *fi = tc_field(f);
	const struct tc_value *v = &t->values[f];
	if (v->state == TC_V_ABSENT || (v->state == TC_V_NULL && !(fi->flags & TC_FF_NULLABLE)))
		return TC_OK;
	json_t *jv = tc_value_to_json(f, v, TC_JSON_REVEAL);
	if (!jv || json_object_set_new(attrs, fi->key, jv) != 0)
		return TC_NOMEM;
	return TC_OK;
}

/* Wraps attrs (reference stolen) into {"data":{"type","id"?,"attributes"}} text. */
static enum tc_status wrap(json_t *attrs, const char *id, char **out, struct tc_error *err)
{
	*out = NULL;
	json_t *data = json_object(), *doc = json_object();
	if (attrs && data && doc &&
	    !json_object_set_new(data, "type", json_string(TC_JSONAPI_TYPE)) &&
	    (!id || !json_object_set_new(data, "id", json_string(id))) &&
	    !json_object_set_new(data, "attributes", json_incref(attrs)) &&
	    !json_object_set_new(doc, "data", json_incref(data)))
		*out = json_dumps(doc, JSON_COMPACT);
	json_decref(attrs);
	json_decref(data);
	json_decref(doc);
	return *out ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

enum tc_status tc_jsonapi_encode_create(const struct tc_trunk *t, char **out, struct tc_error *err)
{
	*out = NULL;
	json_t *attrs = json_object();
	if (!attrs)
		return tc_error_set(err, TC_NOMEM, NULL);
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if ((tc_field(f)->flags & TC_FF_SEND_CREATE) && put_field(attrs, t, f) != TC_OK)
			goto nomem;
	if (tc_trunk_extra_merge(attrs, t->extra_json) != TC_OK)
		goto nomem;
	return wrap(attrs, NULL, out, err);
nomem:
	json_decref(attrs);
	return tc_error_set(err, TC_NOMEM, NULL);
}

static json_t *update_attrs(const struct tc_trunk *edited, const bool changed[TC_FIELD_COUNT])
{
	json_t *attrs = json_object();
	for (int f = 0; attrs && f < TC_FIELD_COUNT; f++) {
		if (!changed[f] || !(tc_field(f)->flags & TC_FF_SEND_UPDATE))
			continue;
		if (put_field(attrs, edited, f) != TC_OK) {
			json_decref(attrs);
			return NULL;
		}
	}
	return attrs;
}

enum tc_status tc_jsonapi_encode_update_fields(const struct tc_trunk *edited,
                                               const bool changed[TC_FIELD_COUNT], char **out,
                                               struct tc_error *err)
{
	*out = NULL;
	if (!edited->id || !*edited->id)
		return tc_error_set(err, TC_INVALID, "the trunk has no server id to update");
	json_t *attrs = update_attrs(edited, changed);
	if (!attrs)
		return tc_error_set(err, TC_NOMEM, NULL);
	return wrap(attrs, edited->id, out, err);
}

/* The unknown attributes of edited that base lacks or holds with another value. */
static enum tc_status put_changed_extra(json_t *attrs, const char *base_extra,
                                        const char *edited_extra)
{
	if (!edited_extra)
		return TC_OK;
	json_t *base = base_extra ? json_loads(base_extra, 0, NULL) : NULL;
	json_t *ed = json_loads(edited_extra, 0, NULL);
	enum tc_status rc = TC_OK;
	const char *key;
	json_t *val;
	json_object_foreach(ed, key, val)
	{
		if (tc_field_by_key(key) || json_object_get(attrs, key) ||
		    json_equal(json_object_get(base, key), val))
			continue;
		if (json_object_set(attrs, key, val) != 0) {
			rc = TC_NOMEM;
			break;
		}
	}
	json_decref(base);
	json_decref(ed);
	return rc;
}

enum tc_status tc_jsonapi_encode_update(const struct tc_trunk *base, const struct tc_trunk *edited,
                                        char **out, struct tc_error *err)
{
	*out = NULL;
	if (!edited->id || !*edited->id)
		return tc_error_set(err, TC_INVALID, "the trunk has no server id to update");
	bool changed[TC_FIELD_COUNT];
	tc_trunk_diff(base, edited, changed);
	json_t *attrs = update_attrs(edited, changed);
	if (!attrs || put_changed_extra(attrs, base->extra_json, edited->extra_json) != TC_OK) {
		json_decref(attrs);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	return wrap(attrs, edited->id, out, err);
}

/* ---- requests, read as the server reads them ---- */

static enum tc_status add_doc_error(struct tc_field_errors *errs, const char *pointer,
                                    const char *title)
{
	return tc_field_errors_add(errs, TC_FIELD_NONE, -1, TC_SEV_ERROR, pointer, title, NULL);
}

/* dry-logic's filled?: not null and not an empty string, array or object. */
static bool filled(json_t *v)
{
	if (json_is_null(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

/* Bytes of the Unicode White_Space character at s (what Ruby's [[:space:]] matches), or 0. */
static size_t space_len(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return 2; /* U+0085, U+00A0 */
	if ((s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) ||
	    (s[0] == 0xE2 && s[1] == 0x80 &&
	     ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF)) ||
	    (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) ||
	    (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80))
		return 3; /* U+1680, U+2000..200A, U+2028, U+2029, U+202F, U+205F, U+3000 */
	return 0;
}

/* ActiveSupport's String#blank?: /\A[[:space:]]*\z/, Unicode spaces included. */
static bool blank(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t n; (n = space_len(p)) != 0;)
		p += n;
	return *p == '\0';
}

static enum tc_status decode_flat(json_t *root, enum tc_jsonapi_request kind, const char *url_id,
                                  struct tc_trunk **out, struct tc_field_errors *errs)
{
	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return TC_NOMEM;
	json_object_del(root, "id"); /* the id of a `get --json` record, not an attribute */
	enum tc_status rc = tc_trunk_request_attrs_from_json(root, t, errs);
	if (rc != TC_NOMEM && kind == TC_JSONAPI_UPDATE && tc_trunk_set_id(t, url_id) != TC_OK)
		rc = TC_NOMEM;
	if (rc == TC_NOMEM) {
		tc_trunk_destroy(t);
		return TC_NOMEM;
	}
	*out = t;
	return TC_OK;
}

/* The data object's members, in the server's order: type, id (update), attributes. */
static enum tc_status decode_document(json_t *data, enum tc_jsonapi_request kind,
                                      const char *url_id, struct tc_trunk **out,
                                      struct tc_field_errors *errs)
{
	enum tc_status rc = TC_OK;
	json_t *type = json_object_get(data, "type");
	if (!type)
		rc = add_doc_error(errs, "/data/type", "is missing");
	else if (!filled(type))
		rc = add_doc_error(errs, "/data/type", "must be filled");
	else if (!json_is_string(type))
		rc = add_doc_error(errs, "/data/type", "must be a string");
	else if (strcmp(json_string_value(type), TC_JSONAPI_TYPE) != 0)
		rc = add_doc_error(errs, "/data/type", "must be equal to sip_trunk");
	if (rc == TC_NOMEM)
		return rc;

	json_t *id = kind == TC_JSONAPI_UPDATE ? json_object_get(data, "id") : NULL;
	if (kind == TC_JSONAPI_UPDATE) {
		if (!id)
			rc = add_doc_error(errs, "/data/id", "is missing");
		else if (!filled(id))
			rc = add_doc_error(errs, "/data/id", "must be filled");
		else if (!json_is_string(id))
			rc = add_doc_error(errs, "/data/id", "must be a string");
		if (rc == TC_NOMEM)
			return rc;
	}

	json_t *attrs = json_object_get(data, "attributes");
	if (json_is_string(attrs) && json_string_length(attrs) == 0)
		attrs = NULL; /* "" reads as {} (§1.3) */
	else if (!attrs)
		return add_doc_error(errs, "/data/attributes", "is missing");
	else if (!json_is_object(attrs))
		return add_doc_error(errs, "/data/attributes", "must be a hash");

	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return TC_NOMEM;
	if (attrs)
		rc = tc_trunk_request_attrs_from_json(attrs, t, errs);
	if (rc != TC_NOMEM && kind == TC_JSONAPI_UPDATE) {
		rc = tc_trunk_set_id(t, url_id);
		/*
		 * A rule, skipped when anything under /data has a schema error (§3.4):
		 * blanks pass filled? and only the rule's blank? check catches them (§3.3).
		 */
		const char *sent = rc == TC_OK && errs->count == 0 ? json_string_value(id) : NULL;
		if (sent && (blank(sent) || strcmp(sent, url_id) != 0))
			rc = tc_field_errors_add_rule(
			    errs, TC_FIELD_NONE, -1, TC_SEV_ERROR, "/data/id",
			    blank(sent) ? "is missing" : "is invalid", NULL);
	}
	if (rc == TC_NOMEM) {
		tc_trunk_destroy(t);
		return TC_NOMEM;
	}
	*out = t;
	return TC_OK;
}

static bool is_document(json_t *root)
{
	return !json_is_object(root) || json_object_get(root, "data") ||
	       json_object_get(root, "type") || json_object_get(root, "attributes");
}

/*
 * Reads the request into *out and errs (decode errors, in the document's
 * order). Returns TC_OK whatever errs holds, or TC_USAGE, TC_PARSE, TC_NOMEM
 * with *out NULL.
 */
static enum tc_status read_request(const char *body, size_t len, enum tc_jsonapi_request kind,
                                   const char *url_id, struct tc_trunk **out,
                                   struct tc_field_errors *errs, struct tc_error *err)
{
	*out = NULL;
	if (kind == TC_JSONAPI_UPDATE && !url_id)
		return tc_error_set(err, TC_USAGE, "an update needs the id of the trunk");
	/* Rails parses no body at all when Content-Length is 0: params are empty, not malformed */
	if (len == 0)
		return add_doc_error(errs, "/data", "is missing") == TC_NOMEM
		           ? tc_error_set(err, TC_NOMEM, NULL)
		           : TC_OK;
	json_t *root;
	/* duplicate keys: Ruby's parser keeps the last one, and so does jansson without the flag */
	enum tc_status rc = jsonapi_load(body, len, 0, "the request", &root, err);
	if (rc != TC_OK)
		return rc;
	json_t *data = json_is_object(root) ? json_object_get(root, "data") : NULL;
	if (!is_document(root)) {
		rc = decode_flat(root, kind, url_id, out, errs);
	} else if (json_is_string(data) && json_string_length(data) == 0) {
		json_t *empty = json_object(); /* "" reads as {} (§1.3) */
		rc = empty ? decode_document(empty, kind, url_id, out, errs) : TC_NOMEM;
		json_decref(empty);
	} else if (!data) {
		rc = add_doc_error(errs, "/data", "is missing");
	} else if (!json_is_object(data)) {
		rc = add_doc_error(errs, "/data", "must be a hash");
	} else {
		rc = decode_document(data, kind, url_id, out, errs);
	}
	json_decref(root);
	if (rc == TC_NOMEM) {
		tc_trunk_destroy(*out);
		*out = NULL;
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	return TC_OK;
}

/* Sorts errs into the server's order and hands it to err (errs is emptied). */
static enum tc_status finish_request(struct tc_field_errors *errs, struct tc_trunk **out,
                                     struct tc_error *err)
{
	size_t errors = tc_field_errors_count(errs, TC_SEV_ERROR);
	enum tc_status rc = tc_validate_sort(errs);
	char summary[400];
	jsonapi_summarise(summary, sizeof(summary), errs);
	if (rc == TC_OK && err)
		rc = tc_field_errors_move(&err->fields, errs);
	tc_field_errors_finish(errs);
	if (rc != TC_OK) {
		tc_trunk_destroy(*out);
		*out = NULL;
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	if (!errors)
		return TC_OK;
	return tc_error_set(err, TC_INVALID, "the server would refuse this request (422): %s",
	                    summary);
}

enum tc_status tc_jsonapi_decode_request(const char *body, size_t len, enum tc_jsonapi_request kind,
                                         const char *url_id, struct tc_trunk **out,
                                         struct tc_error *err)
{
	struct tc_field_errors errs = {0};
	enum tc_status rc = read_request(body, len, kind, url_id, out, &errs, err);
	if (rc != TC_OK)
		return rc;
	return finish_request(&errs, out, err);
}

static bool has_field(const struct tc_field_errors *errs, int field)
{
	for (size_t i = 0; i < errs->count; i++)
		if (errs->items[i].field == field)
			return true;
	return false;
}

static bool is_id_rule(const struct tc_field_error *e)
{
	return e->rule && e->field == TC_FIELD_NONE && strcmp(e->pointer, "/data/id") == 0;
}

/*
 * Keeps the entries of errs for which keep(entry, other) holds; frees the rest.
 * Order is kept.
 */
static void filter(struct tc_field_errors *errs,
                   bool (*keep)(const struct tc_field_error *, const struct tc_field_errors *),
                   const struct tc_field_errors *other)
{
	size_t kept = 0;
	for (size_t i = 0; i < errs->count; i++) {
		if (keep(&errs->items[i], other)) {
			errs->items[kept++] = errs->items[i];
		} else {
			free(errs->items[i].pointer);
			free(errs->items[i].title);
		}
	}
	errs->count = kept;
}

/* The server skips every check of an attribute whose type it refused. */
static bool not_decode_failed(const struct tc_field_error *e, const struct tc_field_errors *decode)
{
	return e->field == TC_FIELD_NONE || !has_field(decode, e->field);
}

/* The id match is skipped when /data has any schema error (§3.4). */
static bool id_rule_survives(const struct tc_field_error *e, const struct tc_field_errors *found)
{
	if (!is_id_rule(e))
		return true;
	for (size_t i = 0; i < found->count; i++)
		if (!found->items[i].rule && found->items[i].severity == TC_SEV_ERROR &&
		    !tc_validate_is_client_check(&found->items[i]))
			return false;
	return true;
}

enum tc_status tc_jsonapi_check_request(const char *body, size_t len, enum tc_jsonapi_request kind,
                                        const char *url_id, const struct tc_region *regions,
                                        size_t region_count, struct tc_trunk **out,
                                        struct tc_error *err)
{
	struct tc_field_errors errs = {0}, found = {0};
	enum tc_status rc = read_request(body, len, kind, url_id, out, &errs, err);
	if (rc != TC_OK)
		return rc;
	if (*out) {
		struct tc_validate_ctx ctx;
		tc_validate_ctx_init(
		    &ctx, kind == TC_JSONAPI_UPDATE ? TC_VALIDATE_UPDATE : TC_VALIDATE_CREATE,
		    regions, region_count);
		rc = tc_validate_record(&ctx, *out, &found);
		if (rc == TC_NOMEM || rc == TC_USAGE) {
			tc_field_errors_finish(&found);
			tc_field_errors_finish(&errs);
			tc_trunk_destroy(*out);
			*out = NULL;
			return tc_error_set(err, rc, NULL);
		}
		filter(&found, not_decode_failed, &errs);
		filter(&errs, id_rule_survives, &found);
		if (tc_field_errors_move(&errs, &found) != TC_OK) {
			tc_field_errors_finish(&found);
			tc_field_errors_finish(&errs);
			tc_trunk_destroy(*out);
			*out = NULL;
			return tc_error_set(err, TC_NOMEM, NULL);
		}
	}
	tc_field_errors_finish(&found);
	return finish_request(&errs, out, err);
}
