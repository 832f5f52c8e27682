/*
 * The TUI's marks after a sync (ui/tui/marked_trunks.c): marks whose trunks
 * are gone go, the rest stay, both below and above the count at which the
 * marks are looked up one by one rather than found in one walk of the store.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "marked_trunks.h"
#include "marks.h"
#include "service_fixture.h"

TestSuite(marked, .init = setup, .fini = teardown, .timeout = 120);

static void server_id(char *buf, size_t size, size_t i)
{
	snprintf(buf, size, "00000000-0000-4000-8000-%012zu", i);
}

/* n trunks pulled from the server, as the sync engine's connection writes them. */
static void server_has(size_t n)
{
	struct tc_store_options o = {.dir = dir, .clock = {fake_now, &clk}};
	struct tc_store *s;
	cr_assert_eq(tc_store_open(&o, &s, &err), TC_OK, "%s", err.message);
	struct tc_trunk **trunks = calloc(n, sizeof(*trunks));
	cr_assert_not_null(trunks);
	for (size_t i = 0; i < n; i++) {
		char id[40], name[32];
		server_id(id, sizeof(id), i);
		snprintf(name, sizeof(name), "pbx-%05zu", i);
		trunks[i] = server_trunk(id, name, "10.0.0.1");
	}
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(s, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(s, gen, trunks, n, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_pull_finish(s, gen, NULL, &err), TC_OK);
	for (size_t i = 0; i < n; i++)
		tc_trunk_destroy(trunks[i]);
	free(trunks);
	tc_store_close(s);
}

/*
 * Marks every pulled trunk, a local create and `gone` ids the store never
 * had, then checks that exactly the gone ones are dropped.
 */
static void drops_only_the_gone(size_t pulled, size_t gone)
{
	server_has(pulled);
	char *local = create_sample("made-here", "10.0.0.2");
	struct tui_app app = {.svc = svc};
	for (size_t i = 0; i < pulled + gone; i++) {
		char id[40];
		server_id(id, sizeof(id), i);
		cr_assert(tui_marks_toggle(&app.marks, id, id));
	}
	cr_assert(tui_marks_toggle(&app.marks, local, "made-here"));
	cr_assert_eq(tui_marks_drop_gone(&app), gone);
	cr_assert_eq(app.marks.count, pulled + 1);
	cr_expect(tui_marks_has(&app.marks, local), "an unpushed create is found by its local id");
	char id[40];
	server_id(id, sizeof(id), pulled - 1);
	cr_expect(tui_marks_has(&app.marks, id));
	server_id(id, sizeof(id), pulled);
	cr_expect(!tui_marks_has(&app.marks, id), "a trunk the store never had is unmarked");
	tui_marks_clear(&app.marks);
	free(local);
}

Test(marked, a_few_marks_are_looked_up)
{
	drops_only_the_gone(50, 3);
}

Test(marked, many_marks_are_found_in_one_walk)
{
	/* more than MARKS_LOOKED_UP (2,000) marks: the walk over the store */
	drops_only_the_gone(2500, 7);
}
