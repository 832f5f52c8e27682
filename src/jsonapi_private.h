/*
 * Private to the JSON:API codec, shared by its parts: jsonapi_response.c
 * (answers, and the reading of JSON text), jsonapi_request.c (bodies we
 * send, requests read as the server reads them) and jsonapi_errors.c (error
 * documents).
 */
#ifndef TRUNKCTL_SRC_JSONAPI_PRIVATE_H
#define TRUNKCTL_SRC_JSONAPI_PRIVATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"
#include "trunkctl/jsonapi.h"

#define JSONAPI_ATTRS_POINTER "/data/attributes"

/*
 * Parses body (len bytes, jansson's flags added) into *out, a new reference;
 * a document nested deeper than the server accepts is TC_PARSE too. what
 * names the document for the message ("the Carrier API's answer", "the
 * request"). jansson's text may end in "near '<token>'", a piece of the body
 * that can be a secret, so that part is cut.
 */
enum tc_status jsonapi_load(const char *body, size_t len, size_t flags, const char *what,
                            json_t **out, struct tc_error *err);

/*
 * A short, printable copy of a string from a document for a message: control
 * characters become '?', long strings are cut on a character boundary.
 */
void jsonapi_excerpt(char *dst, size_t cap, const char *src, size_t max_bytes);

/* A server id of the UUID shape (8-4-4-4-12 hex digits). */
bool jsonapi_uuid_like(const char *s);
/* n bytes as a new string; not strndup, which may read on to a NUL the text need not have. */
char *jsonapi_text_copy(const char *s, size_t n);
/* links.<key> of a collection: a copied string, or NULL for null; TC_PROTOCOL otherwise. */
enum tc_status jsonapi_read_link(json_t *links, const char *key, char **out, struct tc_error *err);

/*
 * The quick reading of a well-formed page (jsonapi_page_quick.c): TC_OK
 * with *page filled, TC_NOMEM, or JSONAPI_QUICK_OTHER with *page left empty
 * when the text is for jansson's reading to decode or refuse.
 */
#define JSONAPI_QUICK_OTHER (-1) /* no enum tc_status is negative */
int jsonapi_page_quick(const char *body, size_t len, struct tc_jsonapi_page *page);

/*
 * tc_jsonapi_decode_collection_outlined by way of jansson's tree, without
 * the quick reading of a well-formed page: the reference that reading is
 * held to (the tests compare the two).
 */
enum tc_status jsonapi_decode_collection_tree(const char *body, size_t len,
                                              const struct tc_jsonapi_outline *outline,
                                              struct tc_jsonapi_page *page, struct tc_error *err);

/* "name is missing; /data/type must be a string; …" into buf, as many as fit. */
void jsonapi_summarise(char *buf, size_t cap, const struct tc_field_errors *errs);

#endif
