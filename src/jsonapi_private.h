/*
 * Private to the JSON:API codec, shared by its parts: jsonapi_response.c
 * (answers, and the reading of JSON text), jsonapi_request.c (bodies we
 * send, requests read as the server reads them) and jsonapi_errors.c (error
 * documents).
 */
#ifndef TRUNKCTL_SRC_JSONAPI_PRIVATE_H
#define TRUNKCTL_SRC_JSONAPI_PRIVATE_H

#include <jansson.h>
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

/* "name is missing; /data/type must be a string; …" into buf, as many as fit. */
void jsonapi_summarise(char *buf, size_t cap, const struct tc_field_errors *errs);

#endif
