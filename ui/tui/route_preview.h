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

struct tui_app;

/*
 * Fleets larger than this are checked in the routing screen only: a
 * snapshot of every trunk's routing fields is held while the form is open.
 */
#define TUI_PREVIEW_FLEET_MAX 20000

struct tui_route_preview {
	struct tui_app *app;     /* set by the first update */
	struct tui_fleet *fleet; /* the other trunks, read by the lint thread; NULL till then */
	unsigned gen;            /* the app's routing_gen of fleet */
	bool fleet_asked;        /* counted in the app's routing_views, the lint asked */
	bool answered;           /* an answer came since (without trunks when fleet is NULL) */
	bool fleet_too_large;
	/* What to show: the first routing problem the edit makes, else where a sample call dials.
	 */
	char line[640];
	enum tui_role role;
};

/*
 * Recomputes the line for draft (the form's record with its changes) against
 * saved, the version the form opened (NULL, and self_id NULL, for a create).
 * The other trunks are asked for only once the edit brings inbound IPs or
 * route prefixes of its own (opening a form does not pay for reading the
 * fleet), and read by the lint thread, never here: until they come the line
 * says they are being read, and tui_route_preview_stale says when to update.
 */
void tui_route_preview_update(struct tui_app *app, struct tui_route_preview *p,
                              const struct tc_trunk *draft, const struct tc_trunk *saved,
                              const char *self_id);
/* Newer trunks came from the lint thread since the line was made: update it. */
bool tui_route_preview_stale(const struct tui_route_preview *p);
void tui_route_preview_finish(struct tui_route_preview *p); /* accepts NULL */

#endif
