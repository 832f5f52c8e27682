/*
 * The marked trunks as stored now, for the screens that change them all at
 * once (the bulk form, the editor): each with the version the edit starts
 * from, so that a field another save changed meanwhile is a conflict rather
 * than overwritten.
 */
#ifndef TUI_MARKED_TRUNKS_H
#define TUI_MARKED_TRUNKS_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/trunk.h"

struct tui_app;

struct tui_marked {
	size_t count;
	char **ids;
	char **names;           /* the name, or the id of a trunk without one */
	struct tc_trunk **from; /* each trunk as loaded */
};

/*
 * Loads app's marks into out. Trunks gone since they were marked are left
 * out, and the status line says so. False, with nothing loaded and the status
 * line saying why, when there is nothing to edit: every mark gone, a marked
 * trunk in conflict (resolve it first), or no memory.
 */
bool tui_marked_load(struct tui_app *app, struct tui_marked *out);
/* Frees what m holds and zeroes it; accepts NULL. */
void tui_marked_finish(struct tui_marked *m);

/*
 * Unmarks the trunks that are gone from the store (a sync found them deleted
 * on the server), so that an edit or delete of the marks does not stop on
 * them; how many went.
 */
size_t tui_marks_drop_gone(struct tui_app *app);

#endif
