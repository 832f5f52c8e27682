/*
 * Private to the core: the trunk model to and from jansson values. Public
 * callers use the text functions of trunkctl/trunk.h.
 */
#ifndef TRUNKCTL_SRC_TRUNK_JSON_H
#define TRUNKCTL_SRC_TRUNK_JSON_H

#include <jansson.h>

#include "trunkctl/trunk.h"

/* A flat attributes object (see tc_trunk_to_flat_json). New reference or NULL. */
json_t *tc_trunk_attrs_to_json(const struct tc_trunk *t, unsigned flags);

/*
 * Decodes the members of an attributes object into t (fields present in obj
 * overwrite those in t). Accepts the server's renderings too: region as
 * {"table":{"alias":…}} and default_sender as {"value":…}. Null elements of
 * arrays are dropped, as the server's parameter parser does. Type errors go
 * to errs with pointers under pointer_prefix (e.g. "/data/attributes").
 * A member "id" (a string) sets t->id when allow_id. Unknown members are
 * kept in t->extra_json. Returns TC_OK, TC_INVALID (see errs) or TC_NOMEM.
 */
enum tc_status tc_trunk_attrs_from_json(json_t *obj, struct tc_trunk *t, const char *pointer_prefix,
                                        bool allow_id, struct tc_field_errors *errs);

/*
 * As tc_trunk_attrs_from_json, but reads the attributes of a request as the
 * server does: region and default_sender must be strings (the renderings of
 * a response are type errors), read-only attributes (created_at, updated_at)
 * are dropped, "id" is an unknown attribute. Pointers are /data/attributes/….
 */
enum tc_status tc_trunk_request_attrs_from_json(json_t *obj, struct tc_trunk *t,
                                                struct tc_field_errors *errs);

/*
 * tc_trunk_to_flat_json by way of a jansson tree and its compact dump: the
 * reference the direct writer is held to (the tests compare the two).
 */
char *tc_trunk_to_flat_json_tree(const struct tc_trunk *t, unsigned flags);

/* One value as JSON (null for absent or null); flags as for tc_trunk_to_flat_json. */
json_t *tc_value_to_json(enum tc_field_id f, const struct tc_value *v, unsigned flags);

/*
 * Adds to obj the members of extra_json (a JSON object text, may be NULL) that
 * are neither table keys nor already in obj. Returns TC_OK or TC_NOMEM.
 */
enum tc_status tc_trunk_extra_merge(json_t *obj, const char *extra_json);

/* "/data/attributes/<key>[/<index>]" style pointers; newly allocated. */
char *tc_pointer(const char *prefix, const char *key, int index);

#endif
