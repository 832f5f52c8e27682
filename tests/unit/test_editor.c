/*
 * The trunks-as-YAML loop of ui/editor.h with scripted editors: several
 * trunks in one file, each matched by its id, and the mistakes an operator
 * can make in such a file reopened with the error on top.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "editor.h"
#include "service_fixture.h"

TestSuite(editor, .init = setup, .fini = teardown, .timeout = 60);

static char script[96], shown[96];

/*
 * EDITOR is a script that runs first_round on the file ($1) the first time;
 * when the file comes back with errors, it keeps a copy (shown) and exits 1,
 * so the loop ends as cancelled.
 */
static void editor_does(const char *first_round)
{
	snprintf(script, sizeof(script), "%s/editor.sh", dir);
	snprintf(shown, sizeof(shown), "%s/shown.yaml", dir);
	FILE *f = fopen(script, "w");
	cr_assert_not_null(f);
	fprintf(f,
	        "#!/bin/sh\n"
	        "if grep -q '^# error: ' \"$1\"; then cp \"$1\" %s; exit 1; fi\n"
	        "%s\n",
	        shown, first_round);
	fclose(f);
	chmod(script, 0700);
	setenv("EDITOR", script, 1);
	unsetenv("VISUAL");
}

/* What the reopened file said; "" when it was not reopened. */
static const char *reopened(void)
{
	static char text[65536];
	text[0] = '\0';
	FILE *f = fopen(shown, "r");
	if (f) {
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
	}
	return text;
}

struct edited {
	struct tc_trunk_record *rec[3];
	const struct tc_trunk *current[3];
	struct tc_trunk *changes[3];
	size_t nchanged;
};

static enum tc_status edit_three(struct edited *e)
{
	const char *names[] = {"pbx-a", "pbx-b", "pbx-c"};
	for (int i = 0; i < 3; i++) {
		char ip[16];
		snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
		char *id = create_sample(names[i], ip);
		cr_assert_eq(tc_service_get(svc, id, &e->rec[i], &err), TC_OK);
		e->current[i] = e->rec[i]->current;
		free(id);
	}
	return ui_edit_in_editor_file(svc, e->current, 3, e->changes, &e->nchanged, &err);
}

static void edited_finish(struct edited *e)
{
	for (int i = 0; i < 3; i++) {
		tc_trunk_destroy(e->changes[i]);
		tc_trunk_record_destroy(e->rec[i]);
	}
	tc_error_clear(&err);
}

Test(editor, each_trunk_gets_the_changes_made_on_it_alone)
{
	/* pbx-b's max_channels, and pbx-c taken out of the list entirely */
	editor_does("awk '/^- id:/{n++} n==2 && /^  max_channels:/{$0=\"  max_channels: 9\"} "
	            "n<3' \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"");
	struct edited e = {0};
	cr_assert_eq(edit_three(&e), TC_OK, "%s", err.message);
	cr_expect_eq(e.nchanged, 1);
	cr_expect_null(e.changes[0], "pbx-a unchanged");
	cr_assert_not_null(e.changes[1]);
	cr_expect_eq(e.changes[1]->values[TC_F_MAX_CHANNELS].i, 9);
	cr_expect_eq(e.changes[1]->values[TC_F_NAME].state, TC_V_ABSENT, "only what changed");
	cr_expect_null(e.changes[2], "a trunk taken out of the list stays as it is");
	cr_expect_str_empty(reopened());
	edited_finish(&e);
}

Test(editor, an_item_without_an_id_is_refused_by_its_line)
{
	/* a key the field table does not know stands in for the id, so the item stays whole */
	editor_does("sed -i '0,/^- id: .*/s//- note: \"new one\"/' \"$1\"");
	struct edited e = {0};
	cr_assert_eq(edit_three(&e), TC_CANCELLED);
	cr_expect(strstr(reopened(), "a trunk without an id"), "%s", reopened());
	cr_expect(strstr(reopened(), "trunks.yaml:"), "the file and line are named");
	cr_expect_eq(e.nchanged, 0);
	edited_finish(&e);
}

Test(editor, an_id_that_is_not_being_edited_is_refused)
{
	editor_does("sed -i '0,/^- id: .*/s//- id: \"srv-elsewhere\"/' \"$1\"");
	struct edited e = {0};
	cr_assert_eq(edit_three(&e), TC_CANCELLED);
	cr_expect(strstr(reopened(), "id srv-elsewhere is not one of the trunks being edited"),
	          "%s", reopened());
	edited_finish(&e);
}

Test(editor, a_trunk_in_the_file_twice_is_refused)
{
	/* the first item again at the end */
	editor_does("awk '/^- id:/{n++} n==1' \"$1\" >> \"$1\"");
	struct edited e = {0};
	cr_assert_eq(edit_three(&e), TC_CANCELLED);
	cr_expect(strstr(reopened(), "is in the file twice"), "%s", reopened());
	edited_finish(&e);
}

Test(editor, invalid_values_name_their_trunk_and_keep_the_text)
{
	editor_does("sed -i 's/^  max_channels: .*/  max_channels: -3/' \"$1\"");
	struct edited e = {0};
	cr_assert_eq(edit_three(&e), TC_CANCELLED);
	const char *text = reopened();
	cr_expect(strstr(text, "# error: pbx-a: max_channels: "), "%s", text);
	cr_expect(strstr(text, "# error: pbx-c: max_channels: "), "%s", text);
	cr_expect(strstr(text, "max_channels: -3"), "the operator's text is kept");
	cr_expect(strstr(text, "#   max_channels: "), "the rules are listed once on top");
	edited_finish(&e);
}
