/*
 * Error documents: the server's 422 errors list read into field errors, any
 * other answer turned into a status and a sentence, and field errors said in
 * one line.
 */
#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonapi_private.h"
#include "trunkctl/jsonapi.h"

void jsonapi_summarise(char *buf, size_t cap, const struct tc_field_errors *errs)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < errs->count; i++) {
		const struct tc_field_error *e = &errs->items[i];
		const struct tc_field_info *fi = tc_field(e->field);
		char what[96], title[160], item[300];
		if (fi && e->index >= 0)
			snprintf(what, sizeof(what), "%s[%d]", fi->key, e->index);
		else if (fi)
			snprintf(what, sizeof(what), "%s", fi->key);
		else
			jsonapi_excerpt(what, sizeof(what),
			                *e->pointer ? e->pointer : "the document", 80);
		jsonapi_excerpt(title, sizeof(title), e->title, 120);
		int n = snprintf(item, sizeof(item), "%s%s %s", i ? "; " : "", what, title);
		if (n < 0)
			return;
		size_t left = errs->count - i;
		if (used + (size_t)n + 24 >= cap) {
			snprintf(buf + used, cap - used, "%s(%zu more)", i ? "; " : "", left);
			return;
		}
		memcpy(buf + used, item, (size_t)n + 1);
		used += (size_t)n;
	}
}

/* ---- error bodies ---- */

/* /data/attributes/<key>[/<n>] to a field and index; anything else is TC_FIELD_NONE. */
static void map_pointer(const char *pointer, int *field, int *index)
{
	static const char prefix[] = JSONAPI_ATTRS_POINTER "/";
	*field = TC_FIELD_NONE;
	*index = -1;
	if (strncmp(pointer, prefix, sizeof(prefix) - 1) != 0)
		return;
	const char *key = pointer + sizeof(prefix) - 1;
	const char *slash = strchr(key, '/');
	size_t klen = slash ? (size_t)(slash - key) : strlen(key);
	char name[64];
	if (klen == 0 || klen >= sizeof(name))
		return;
	memcpy(name, key, klen);
	name[klen] = '\0';
	const struct tc_field_info *fi = tc_field_by_key(name);
	if (!fi)
		return;
	long n = -1;
	if (slash) {
		const char *digits = slash + 1;
		char *end;
		if (!isdigit((unsigned char)*digits))
			return;
		n = strtol(digits, &end, 10);
		if (*end || n > INT_MAX)
			return;
	}
	*field = fi->id;
	*index = (int)n;
}

static bool rule_title(int field, const char *pointer, const char *title)
{
	static const char ip_prefix[] = "contains invalid IP address";
	if (strcmp(title, "is required for outbound_registration mode") == 0)
		return true;
	if (strcmp(title, "is invalid") == 0)
		return (tc_field((enum tc_field_id)field) &&
		        tc_field((enum tc_field_id)field)->kind == TC_K_REGION) ||
		       strcmp(pointer, "/data/id") == 0;
	return strncmp(title, ip_prefix, sizeof(ip_prefix) - 1) == 0;
}

static enum tc_status errors_from_json(json_t *root, struct tc_field_errors *out,
                                       struct tc_error *err)
{
	json_t *list = json_object_get(root, "errors");
	if (!json_is_array(list))
		return tc_error_set(err, TC_PROTOCOL,
		                    "the Carrier API sent an error document without an \"errors\" "
		                    "list");
	struct tc_field_errors local = {0};
	enum tc_status rc = TC_OK;
	for (size_t i = 0; rc == TC_OK && i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i);
		json_t *title = json_object_get(e, "title");
		json_t *pointer = json_object_get(json_object_get(e, "source"), "pointer");
		if (!json_is_string(title)) {
			rc = tc_error_set(
			    err, TC_PROTOCOL,
			    "the Carrier API sent an error (number %zu) without a title", i + 1);
			break;
		}
		const char *p = json_is_string(pointer) ? json_string_value(pointer) : "";
		int field, index;
		map_pointer(p, &field, &index);
		if (rule_title(field, p, json_string_value(title)))
			rc = tc_field_errors_add_rule(&local, field, index, TC_SEV_ERROR, p,
			                              json_string_value(title), NULL);
		else
			rc = tc_field_errors_add(&local, field, index, TC_SEV_ERROR, p,
			                         json_string_value(title), NULL);
		if (rc == TC_NOMEM)
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	if (rc == TC_OK && tc_field_errors_move(out, &local) != TC_OK)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	tc_field_errors_finish(&local);
	return rc;
}

enum tc_status tc_jsonapi_decode_errors(const char *body, size_t len, struct tc_field_errors *out,
                                        struct tc_error *err)
{
	json_t *root;
	enum tc_status rc = jsonapi_load(body, len, JSON_REJECT_DUPLICATES,
	                                 "the Carrier API's error document", &root, err);
	if (rc != TC_OK)
		return rc;
	rc = errors_from_json(root, out, err);
	json_decref(root);
	return rc;
}

enum body_kind { BODY_EMPTY, BODY_HTML, BODY_ERRORS, BODY_STATUS, BODY_OTHER };

static enum body_kind classify(const char *body, size_t len, json_t **root)
{
	*root = NULL;
	size_t i = 0;
	while (body && i < len && isspace((unsigned char)body[i]))
		i++;
	if (!body || i == len)
		return BODY_EMPTY;
	if (body[i] == '<')
		return BODY_HTML;
	if (jsonapi_load(body, len, 0, "", root, NULL) != TC_OK)
		return BODY_OTHER;
	if (json_object_get(*root, "errors"))
		return BODY_ERRORS;
	if (json_is_string(json_object_get(*root, "error")))
		return BODY_STATUS;
	return BODY_OTHER;
}

enum tc_status tc_jsonapi_error_from_response(long http_status, const char *body, size_t len,
                                              struct tc_error *err)
{
	json_t *root;
	enum body_kind kind = classify(body, len, &root);
	char said[120] = "";
	if (kind == BODY_STATUS) {
		char text[90];
		jsonapi_excerpt(text, sizeof(text),
		                json_string_value(json_object_get(root, "error")), 80);
		snprintf(said, sizeof(said), " %s", text);
	}
	const char *sent = kind == BODY_HTML    ? " with an HTML page"
	                   : kind == BODY_EMPTY ? " with an empty body"
	                                        : "";
	long code = http_status;
	enum tc_status rc;
	if (code == 401) {
		rc = tc_error_set(err, TC_AUTH,
		                  "the Carrier API refused the token (401): check that it is the "
		                  "carrier's API token and has not been revoked or expired");
	} else if (code == 403) {
		rc = tc_error_set(err, TC_FORBIDDEN,
		                  "the Carrier API refused access (403): the token lacks the "
		                  "carrier_api scope");
	} else if (code == 404 && kind == BODY_STATUS) {
		rc = tc_error_set(err, TC_NOT_FOUND,
		                  "the trunk was not found (404): it was deleted or belongs to "
		                  "another carrier");
	} else if (code == 404) {
		rc =
		    tc_error_set(err, TC_NOT_FOUND,
		                 "the Carrier API answered 404%s: check the API base URL (host and "
		                 "/carrier/v1 path)",
		                 sent);
	} else if (code == 422 && kind == BODY_ERRORS) {
		struct tc_field_errors errs = {0};
		rc = errors_from_json(root, &errs, err);
		if (rc == TC_OK) {
			char summary[400];
			jsonapi_summarise(summary, sizeof(summary), &errs);
			if (tc_field_errors_move(&err->fields, &errs) != TC_OK)
				rc = tc_error_set(err, TC_NOMEM, NULL);
			else
				rc = tc_error_set(err, TC_REJECTED,
				                  "the Carrier API rejected the trunk (422): %s",
				                  summary);
		} else {
			rc =
			    tc_error_set(err, TC_REJECTED,
			                 "the Carrier API rejected the request (422) with an error "
			                 "document that cannot be read");
		}
		tc_field_errors_finish(&errs);
	} else if (code == 422) {
		rc = tc_error_set(err, TC_REJECTED,
		                  "the Carrier API rejected the request (422)%s without saying why",
		                  sent);
	} else if (code == 429) {
		rc = tc_error_set(err, TC_RATE_LIMITED,
		                  "the Carrier API is limiting the request rate (429): try again "
		                  "later");
	} else if (code >= 500 && code <= 599) {
		rc = tc_error_set(err, TC_SERVER,
		                  "the Carrier API failed (%ld%s)%s: the change was not applied; "
		                  "retry later",
		                  code, said, kind == BODY_STATUS ? "" : sent);
	} else if (code == 400) {
		rc = tc_error_set(err, TC_PROTOCOL,
		                  "the Carrier API could not read the request (400%s): it is not "
		                  "valid JSON or has a malformed query",
		                  said);
	} else if (code >= 300 && code <= 399) {
		rc =
		    tc_error_set(err, TC_PROTOCOL,
		                 "the Carrier API redirected the request (%ld): check the API base "
		                 "URL",
		                 code);
	} else {
		rc =
		    tc_error_set(err, TC_PROTOCOL,
		                 "unexpected answer from the Carrier API (HTTP %ld%s)", code, said);
	}
	json_decref(root);
	err->http_status = (int)(code > 0 && code < 1000 ? code : 0);
	return rc;
}
