/*
 * Planning: what it takes to make the stored trunks what a fleet file says
 * (trunkctl(1), THE FLEET FILE). Pure: no store, no I/O; the caller hands
 * in the file's trunks and the stored ones, and `apply` stages the result
 * through the service (tc_service_apply_plan).
 *
 * Matching: a trunk of the file whose id is one of the stored trunks' is
 * that trunk; any other is matched by exact name. A name carried by several
 * stored trunks, or by two trunks of the file, or a stored trunk that two
 * trunks of the file match, is an error that names them.
 *
 * Comparing: only the attributes the file gives (a key left out leaves the
 * attribute as it is; null is "no value"), by their kind
 * (tc_field_same_value: an IPv4 set in any order is the same set). The
 * server decides, and a file never sets: the read-only attributes (ids,
 * timestamps), and the credentials of a client_credentials trunk (generated
 * by the server) or of a mode that has none.
 */
#ifndef TRUNKCTL_PLAN_H
#define TRUNKCTL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"
#include "trunkctl/trunk.h"

enum tc_plan_action {
	TC_PLAN_UNCHANGED,
	TC_PLAN_CREATE,
	TC_PLAN_UPDATE,
	TC_PLAN_DELETE, /* only with prune: a stored trunk the file does not name */
};

/* "unchanged", "create", "update", "delete". */
const char *tc_plan_action_name(enum tc_plan_action action);

struct tc_plan_item {
	enum tc_plan_action action;
	size_t file_index;             /* the trunk's place in the file; unused for a delete */
	const struct tc_trunk *stored; /* the stored trunk (borrowed); NULL for a create */
	/*
	 * create: the trunk to create (no id, nothing the server decides);
	 * update: only the changed attributes, as tc_service_update takes them;
	 * NULL otherwise.
	 */
	struct tc_trunk *change;
	bool fields[TC_FIELD_COUNT]; /* update: the attributes that change */
};

struct tc_plan {
	size_t count;
	struct tc_plan_item *items; /* the file's trunks in file order, then the deletes */
	size_t creates, updates, deletes, unchanged;
};

struct tc_plan_input {
	const struct tc_trunk *const *desired; /* the file's trunks */
	const size_t *lines;                   /* their lines for messages; may be NULL */
	size_t desired_count;
	const char *file_name; /* for messages */
	/*
	 * The stored trunks as the operator sees them (local versions), each
	 * with its id; leave out those whose delete is already queued. They
	 * must outlive the plan: items point at them.
	 */
	const struct tc_trunk *const *stored;
	size_t stored_count;
	bool prune;      /* plan a delete for each stored trunk the file does not match */
	bool match_name; /* ignore the file's ids: match by name only (two carriers) */
};

/*
 * Makes the plan. Errors: TC_USAGE for the matching errors above (the
 * message names the trunks and lines), or a trunk of the file with no name
 * and no known id; TC_NOMEM. *out is caller-owned: free it with
 * tc_plan_finish whatever the result.
 */
enum tc_status tc_plan_make(const struct tc_plan_input *in, struct tc_plan *out,
                            struct tc_error *err);
void tc_plan_finish(struct tc_plan *plan); /* accepts NULL */

/* Nothing to create, update or delete. */
bool tc_plan_empty(const struct tc_plan *plan);

#endif
