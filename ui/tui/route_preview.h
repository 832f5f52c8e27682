/*
 * What the platform would do with the trunk a form is editing, shown live
 * on one line under the form: the routing problem the edit creates, alone or
 * next to the carrier's other trunks, or else the address a sample call
 * dials (doc/routing.md). One line: the form's rows need the others at 80x24.
 */
#ifndef TUI_ROUTE_PREVIEW_H
#define TUI_ROUTE_PREVIEW_H

#include <stdbool.h>

#include "theme.h"
#include "trunkctl/service.h"

/* Fleets larger than this are checked in the routing screen only: reading them costs seconds. */
#define TUI_PREVIEW_FLEET_MAX 20000

struct tui_route_preview {
	struct tc_routing *fleet; /* the other trunks, read once; NULL when not read */
	bool fleet_tried;
	bool fleet_too_large;
	/* What to show: the first routing problem the edit makes, else where a sample call dials.
	 */
	char line[640];
	enum tui_role role;
};

/*
 * Recomputes the line for draft (the form's record with its changes) against
 * saved, the version the form opened (NULL, and self_id NULL, for a create).
 * The other trunks are read only once the edit brings inbound IPs or route
 * prefixes of its own: opening a form does not pay for reading the fleet.
 */
void tui_route_preview_update(struct tc_service *svc, struct tui_route_preview *p,
                              const struct tc_trunk *draft, const struct tc_trunk *saved,
                              const char *self_id);
void tui_route_preview_finish(struct tui_route_preview *p); /* accepts NULL */

#endif
