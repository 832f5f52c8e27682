/*
 * Trunks to and from the Carrier API's JSON:API documents
 * (tests/fake-carrier/SERVER-BEHAVIOUR.md §1.3-§4).
 *
 * Three kinds of input are read here:
 *  - responses (resource, collection, error documents): checked strictly,
 *    since a shape the server never sends means we are not talking to the
 *    Carrier API we know; failures are TC_PROTOCOL, unreadable JSON TC_PARSE;
 *  - requests (what a person hands to `trunkctl create/update --json` or
 *    `validate`): read exactly as the server reads them, so the structural
 *    errors carry the server's pointers and titles;
 *  - bodies of failed exchanges, turned into a struct tc_error a person can
 *    act on.
 *
 * Every decoder refuses, as the server does with 400, JSON nested deeper than
 * TC_JSONAPI_MAX_DEPTH, invalid UTF-8 and lone surrogate escapes. jansson also
 * refuses "\u0000" inside strings, which the server would take and then fail
 * to store.
 *
 * Bodies are (pointer, length) pairs and need no terminating NUL. Results are
 * owned by the caller. All functions are reentrant and keep no state: the UI
 * thread and the sync worker may call them at the same time. Secrets: encoded
 * bodies carry passwords in clear (they are what is sent); error messages
 * never quote attribute values.
 */
#ifndef TRUNKCTL_JSONAPI_H
#define TRUNKCTL_JSONAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"
#include "trunkctl/region.h"
#include "trunkctl/trunk.h"

/* Rails' JSON parser (max_nesting) refuses one level more than this. */
#define TC_JSONAPI_MAX_DEPTH 100

/* The resource type of every trunk document. */
#define TC_JSONAPI_TYPE "sip_trunk"

/* ---- responses ---- */

/*
 * Decodes a resource document {"data":{"id","type","attributes"}} (§2.1) into a
 * new trunk: id, created_at/updated_at and every attribute, region reduced to
 * its alias and default_sender to its value; username/password stay
 * TC_V_ABSENT when the server left the keys out; unknown attributes are kept
 * in extra_json, and the data object itself, compact, in document. The id
 * must look like a UUID (8-4-4-4-12 hex digits).
 * Returns TC_OK (*out set), TC_PARSE (not JSON, too deep, bad UTF-8),
 * TC_PROTOCOL (wrong shape or attribute type; the message names the member)
 * or TC_NOMEM; *out is NULL unless TC_OK.
 */
enum tc_status tc_jsonapi_decode_resource(const char *body, size_t len, struct tc_trunk **out,
                                          struct tc_error *err);

/*
 * A resource object as tc_jsonapi_decode_resource keeps it (document),
 * indented two spaces with the server's member order, every secret
 * attribute (TC_FF_SECRET) that is a non-empty string shown as
 * TC_SECRET_MASK unless reveal. *out is new. TC_PARSE, TC_NOMEM.
 */
enum tc_status tc_jsonapi_format_resource(const char *document, bool reveal, char **out,
                                          struct tc_error *err);

/* One page of a collection. prev/next are NULL where the server sent null. */
struct tc_jsonapi_page {
	size_t count;
	struct tc_trunk **items; /* newest first, as the server orders them */
	char *prev;
	char *next;
};

/*
 * Decodes a collection document {"data":[…],"links":{"prev","next"}} (§2.2).
 * Each element is checked as in tc_jsonapi_decode_resource; both links keys
 * must be present, each a string or null. On success page is filled (it must
 * be zeroed or released before); on failure it is left empty. Same statuses
 * as tc_jsonapi_decode_resource.
 */
enum tc_status tc_jsonapi_decode_collection(const char *body, size_t len,
                                            struct tc_jsonapi_page *page, struct tc_error *err);

/*
 * A guess at links.next of a collection answer, read without decoding the
 * document, so that the next page can be asked for while this one is
 * decoded. true with *next a new string when the top-level "links" object
 * names a next page; false (and *next NULL) otherwise, including when the
 * answer is malformed. Only tc_jsonapi_decode_collection says what the
 * answer holds: a caller compares its page.next with the guess.
 */
bool tc_jsonapi_peek_next(const char *body, size_t len, char **next);

/*
 * Where the top-level "data" and "links" of a collection answer lie in its
 * text and whether it is nested too deep, from one scan: what the peek
 * finds, the decode of the same text need not walk the page again for.
 * Offsets are into the text; an end of 0 means the member was not seen
 * with an object or array value.
 */
struct tc_jsonapi_outline {
	bool too_deep;
	size_t data_at, data_end;
	size_t links_at, links_end;
};

/* tc_jsonapi_peek_next, leaving in *outline what its scan found (always filled). */
bool tc_jsonapi_peek_next_outlined(const char *body, size_t len, char **next,
                                   struct tc_jsonapi_outline *outline);

/*
 * tc_jsonapi_decode_collection of a text whose outline a peek already found
 * (NULL: the decode scans for it).
 */
enum tc_status tc_jsonapi_decode_collection_outlined(const char *body, size_t len,
                                                     const struct tc_jsonapi_outline *outline,
                                                     struct tc_jsonapi_page *page,
                                                     struct tc_error *err);

/* Frees the contents and zeroes the page. Accepts NULL. */
void tc_jsonapi_page_finish(struct tc_jsonapi_page *page);

/* ---- request bodies we send ---- */

/*
 * POST body: {"data":{"type":"sip_trunk","attributes":{…}}} with, in table
 * order, every field marked TC_FF_SEND_CREATE that is set, or null when the
 * field is TC_FF_NULLABLE (a null the server would refuse with "must be
 * filled" is left out, as are absent fields), followed by the unknown
 * attributes of extra_json. The password is in clear. *out is a new
 * NUL-terminated string. Returns TC_OK or TC_NOMEM.
 */
enum tc_status tc_jsonapi_encode_create(const struct tc_trunk *t, char **out, struct tc_error *err);

/*
 * PATCH body: {"data":{"type":"sip_trunk","id":edited->id,"attributes":{…}}}
 * holding only the fields marked TC_FF_SEND_UPDATE whose value differs
 * between base and edited (tc_value_equal), encoded as for create, plus the
 * unknown attributes of edited->extra_json that are new or changed. A field
 * changed to absent, or to null where the server refuses null, cannot be
 * expressed and is left out. "attributes" may be {} (the server answers 200).
 * Returns TC_OK, TC_INVALID (edited has no id) or TC_NOMEM.
 */
enum tc_status tc_jsonapi_encode_update(const struct tc_trunk *base, const struct tc_trunk *edited,
                                        char **out, struct tc_error *err);

/*
 * As tc_jsonapi_encode_update, for the fields marked in changed (indexed by
 * enum tc_field_id), e.g. a queued edit; extra_json is not sent.
 */
enum tc_status tc_jsonapi_encode_update_fields(const struct tc_trunk *edited,
                                               const bool changed[TC_FIELD_COUNT], char **out,
                                               struct tc_error *err);

/* ---- requests read as the server reads them ---- */

enum tc_jsonapi_request {
	TC_JSONAPI_CREATE, /* POST: data.id is ignored */
	TC_JSONAPI_UPDATE, /* PATCH/PUT: data.id is required and must equal the URL id */
};

/*
 * Reads a request body the way the server does (§1.3, §3) and
 * returns the trunk it describes in *out (attributes only; on update, id is
 * url_id).
 *
 * An empty body (len 0) is what Rails sees as no parameters: /data "is
 * missing". The body is a JSON:API document when its top level is an object with a
 * "data", "type" or "attributes" member (or is not an object at all, which
 * the server reads as a body without "data"); any other object is a flat
 * attributes object (the `trunkctl get --json` format, its "id" member is
 * ignored). For documents, err->fields receives the server's structural
 * errors: /data "is missing" / "must be a hash"; /data/type "is missing" /
 * "must be filled" / "must be a string" / "must be equal to sip_trunk";
 * /data/attributes "is missing" / "must be a hash"; on update /data/id "is
 * missing" / "must be filled" (null, "", [] or {}) / "must be a string".
 * "data": "" and "attributes": "" read as {}, unknown keys are dropped
 * (unknown attributes are kept in extra_json), null array elements are
 * dropped. For both forms, attribute type errors follow with the server's
 * titles ("must be filled" for an empty string, array or object where null is
 * not accepted either; region and default_sender must be strings here, the
 * renderings of a response are not accepted), all in the server's order
 * (tc_validate_sort). Value rules (required, ranges, lists, region) are the
 * validator's: see tc_jsonapi_check_request.
 *
 * On update, when none of those errors exists, a rule error is appended when
 * data.id is blank (/data/id "is missing": blanks pass the schema's filled?)
 * or differs from url_id (exact comparison, so upper case differs: "is
 * invalid"). The server skips that rule when any schema error
 * exists under /data, including the validator's ("must be filled", ranges);
 * tc_jsonapi_check_request drops it then.
 *
 * Returns TC_OK; TC_INVALID with err->fields set and *out still holding what
 * could be read (NULL only when the document has no readable attributes);
 * TC_PARSE for what the server answers 400 (not JSON, deeper than
 * TC_JSONAPI_MAX_DEPTH, invalid UTF-8, lone surrogates; *out NULL); TC_NOMEM.
 * url_id is required for TC_JSONAPI_UPDATE (TC_USAGE without it).
 */
enum tc_status tc_jsonapi_decode_request(const char *body, size_t len, enum tc_jsonapi_request kind,
                                         const char *url_id, struct tc_trunk **out,
                                         struct tc_error *err);

/*
 * tc_jsonapi_decode_request followed by the validator (trunkctl/validate.h)
 * on what was read, combined as the server combines them: the whole answer
 * the server would give, for `trunkctl validate` and before sending a
 * --json file. Checks of an attribute whose type was refused are dropped
 * (the server skips them), the /data/id rule is dropped when any schema
 * error remains, no attribute is checked when the document has no readable
 * attributes, and the list is in the server's order (tc_validate_sort).
 * regions as for tc_validate_ctx_init (NULL/0: the default regions).
 * Returns as tc_jsonapi_decode_request; on TC_OK err->fields may still hold
 * the validator's warnings.
 */
enum tc_status tc_jsonapi_check_request(const char *body, size_t len, enum tc_jsonapi_request kind,
                                        const char *url_id, const struct tc_region *regions,
                                        size_t region_count, struct tc_trunk **out,
                                        struct tc_error *err);

/* ---- error bodies ---- */

/*
 * Decodes a 422 document {"errors":[{"title","source":{"pointer"}}]} (§4.1) and
 * appends one entry per error to out, in the server's order:
 * /data/attributes/<key> maps to the field, /data/attributes/<key>/<n> to the
 * field and index n, /data, /data/type, /data/id and unknown pointers (an
 * attribute this build does not know) to TC_FIELD_NONE with the pointer kept.
 * An entry is marked rule when its title is one of the server's rule titles
 * ("is required for outbound_registration mode", "is invalid" on region or
 * /data/id, "contains invalid IP address: …"). Returns TC_OK, TC_PARSE,
 * TC_PROTOCOL (not that shape; out unchanged) or TC_NOMEM.
 */
enum tc_status tc_jsonapi_decode_errors(const char *body, size_t len, struct tc_field_errors *out,
                                        struct tc_error *err);

/*
 * Turns a failed exchange (an HTTP status >= 300 and its body, which may be
 * empty, a {"status":N,"error":"…"} object, an errors document or an HTML
 * page) into err: status (401 TC_AUTH, 403 TC_FORBIDDEN, 404 TC_NOT_FOUND,
 * 422 TC_REJECTED with err->fields filled, 429 TC_RATE_LIMITED, 5xx
 * TC_SERVER, anything else TC_PROTOCOL), http_status, and one sentence saying
 * what happened and what to do. err->retry_after and err->request_id come
 * from headers and are left alone. Returns err->status. err must not be NULL.
 */
enum tc_status tc_jsonapi_error_from_response(long http_status, const char *body, size_t len,
                                              struct tc_error *err);

#endif
