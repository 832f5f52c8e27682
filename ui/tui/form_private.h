/* The create/edit form's state, shared by its logic (form_view.c) and its painting (form_draw.c).
 */
#ifndef TUI_FORM_PRIVATE_H
#define TUI_FORM_PRIVATE_H

#include "app.h"
#include "route_preview.h"
#include "trunkctl/countries.h"

#define TEXT_MAX 256
#define ITEMS_MAX 32

struct row {
	int field;
	int item; /* -1: a scalar field; list fields: 0..n-1 items, n the "add" row */
};

struct picker {
	bool open;
	int field;
	size_t sel;
	size_t count;
	const char *options[TC_COUNTRY_COUNT + 4];
};

struct form_view {
	struct tui_screen base;
	char *id; /* NULL when creating */
	struct tc_trunk_record *rec;
	char text[TC_FIELD_COUNT][TEXT_MAX];
	char orig[TC_FIELD_COUNT][TEXT_MAX];
	char items[TC_FIELD_COUNT][ITEMS_MAX][TEXT_MAX];
	size_t nitems[TC_FIELD_COUNT];
	bool touched[TC_FIELD_COUNT];
	bool dirty;
	bool show_all; /* after a refused save: every error shows, touched or not */

	struct row rows[TC_FIELD_COUNT * (ITEMS_MAX + 1)];
	size_t nrows;
	size_t sel;
	int scroll; /* first display line */

	struct tc_field_errors errs;        /* the latest validation */
	struct tc_field_errors server_errs; /* the server's 422, until the field is edited */
	char form_msg[300];                 /* errors that belong to no field shown */
	struct picker pick;

	/* changed here and, since the form's version, by another writer */
	bool conflict[TC_FIELD_COUNT];
	enum tc_resolution choice[TC_FIELD_COUNT]; /* TC_RESOLVE_NONE: not chosen yet */
	bool saved; /* the save's own reload must not be taken for a change underneath */
	struct tui_route_preview preview;
};

bool form_is_choice(int f);
bool form_is_list(int f);
/* The row a field error belongs to, or -1 when no row shows it. */
int form_error_row(const struct form_view *v, const struct tc_field_error *fe);
/* The text of a row: the field's, or a list item's; NULL for a list's "add" row. */
char *form_row_text(struct form_view *v, const struct row *r);
/* The messages shown under row i (at most max into out); their count. */
int form_row_messages(const struct form_view *v, size_t i, const struct tc_field_error **out,
                      int max);
/* The line above the rows for errors that belong to no field shown. */
void form_update_msg(struct form_view *v);
void form_draw(struct tui_app *app, struct tui_screen *s, int top, int height);

#endif
