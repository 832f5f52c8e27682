/*
 * What a set of changes does to routing: the same trunks before (as the
 * server last sent them) and after (with the queued changes), compared as
 * the platform would route them (doc/routing.md, "What queued changes do").
 */
#ifndef TRUNKCTL_ROUTE_DIFF_H
#define TRUNKCTL_ROUTE_DIFF_H

#include <stddef.h>

#include "trunkctl/error.h"
#include "trunkctl/lint.h"
#include "trunkctl/route.h"

/* Destinations that change hands: the trunks holding a prefix, or the fallbacks. */
struct tc_route_move {
	const char *prefix; /* the route prefix; NULL: destinations no prefix matches */
	size_t nbefore, nafter;
	const struct tc_route_trunk **before; /* owned array: the trunks before (none: unrouted) */
	const struct tc_route_trunk **after;  /* owned array: the trunks after */
};

struct tc_route_changes {
	size_t nmoves;
	struct tc_route_move *moves;   /* by prefix; the fallback last */
	struct tc_lint_report added;   /* findings after that were not there before */
	struct tc_lint_report cleared; /* findings before that are gone after */
};

/*
 * Compares two indexes of the same carrier. Trunks are matched by id;
 * findings by rule and message. out is caller-owned, filled from empty.
 * TC_NOMEM.
 */
enum tc_status tc_route_compare(const struct tc_route_table *before,
                                const struct tc_route_table *after, struct tc_route_changes *out,
                                struct tc_error *err);
void tc_route_changes_finish(struct tc_route_changes *changes); /* accepts NULL */

#endif
