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

/* "/data/attributes/<key>[/<index>]" style pointers; newly allocated. */
char *tc_pointer(const char *prefix, const char *key, int index);

#endif
