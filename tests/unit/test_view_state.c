#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/rm_tree.h"
#include "trunkctl/view_state.h"

static char dir[64];
static char path[160];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tc-view-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	/* The state directory does not exist yet: saving creates it. */
	cr_assert(tc_view_state_path(dir, "prod", path, sizeof(path)));
	snprintf(path, sizeof(path), "%s/state/trunkctl/prod.state", dir);
}

static void remove_dir(void)
{
	rm_tree(dir);
}

TestSuite(view_state, .init = make_dir, .fini = remove_dir, .timeout = 60);

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(view_state, path_is_profile_dot_state)
{
	char buf[64];
	cr_assert(tc_view_state_path("/s/trunkctl", "prod", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "/s/trunkctl/prod.state");
	cr_assert_not(tc_view_state_path("/s/trunkctl", "prod", buf, 10));
}

Test(view_state, missing_file_is_empty_and_no_error)
{
	struct tc_view_state st;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_view_state_load(path, &st, &err), TC_OK);
	cr_assert_eq(st.column_count, 0);
	cr_assert_str_eq(st.sort, "");
}

Test(view_state, save_then_load_round_trips_atomically_0600)
{
	struct tc_view_state st = {.sort = "max_channels", .descending = true, .column_count = 3};
	snprintf(st.columns[0].name, TC_VIEW_NAME_MAX, "name");
	snprintf(st.columns[1].name, TC_VIEW_NAME_MAX, "region");
	st.columns[1].hidden = true;
	snprintf(st.columns[2].name, TC_VIEW_NAME_MAX, "sync");
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_view_state_save(path, &st, &err), TC_OK, "%s", err.message);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	char d[160];
	snprintf(d, sizeof(d), "%s/state/trunkctl", dir);
	cr_assert_eq(stat(d, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0700);

	struct tc_view_state back;
	cr_assert_eq(tc_view_state_load(path, &back, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(back.sort, "max_channels");
	cr_assert(back.descending);
	cr_assert_eq(back.column_count, 3);
	cr_assert_str_eq(back.columns[1].name, "region");
	cr_assert(back.columns[1].hidden);
	cr_assert_not(back.columns[2].hidden);

	/* Saved again over it: no temporary file is left beside it. */
	st.descending = false;
	cr_assert_eq(tc_view_state_save(path, &st, &err), TC_OK);
	cr_assert_eq(tc_view_state_load(path, &back, &err), TC_OK);
	cr_assert_not(back.descending);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) = 1", d);
	cr_assert_eq(system(cmd), 0, "a temporary file was left behind");
}

Test(view_state, a_corrupt_file_names_file_and_line_and_leaves_state_empty)
{
	struct tc_view_state st = {.sort = "x"};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_view_state_save(path, &st, &err), TC_OK);
	static const struct {
		const char *text;
		const char *needle;
	} bad[] = {
	    {"sort = name\norder = sideways\n", ":2: order is asc or desc"},
	    {"garbage\n", ":1: not a KEY = VALUE line"},
	    {"colour = red\n", ":1: unknown key"},
	    {"columns = name --region\n", ":1: a column is a name"},
	    {"sort = \n", ":1: sort is a column's name"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(bad[i].text);
		cr_assert_eq(tc_view_state_load(path, &st, &err), TC_CORRUPT, "%s", bad[i].text);
		cr_assert(strstr(err.message, path), "%s", err.message);
		cr_assert(strstr(err.message, bad[i].needle), "%s", err.message);
		cr_assert_eq(st.column_count, 0);
		cr_assert_str_eq(st.sort, "");
	}
	/* Binary junk and a huge file are refused whole, never read past their end. */
	FILE *f = fopen(path, "w");
	fwrite("sort = a\0b\n", 1, 11, f);
	fclose(f);
	cr_assert_eq(tc_view_state_load(path, &st, &err), TC_CORRUPT);
	f = fopen(path, "w");
	for (int i = 0; i < 2000; i++)
		fputs("# padding\n", f);
	fclose(f);
	cr_assert_eq(tc_view_state_load(path, &st, &err), TC_CORRUPT);
	cr_assert(strstr(err.message, "larger"), "%s", err.message);
}

Test(view_state, names_the_format_cannot_hold_are_refused)
{
	struct tc_view_state st = {.column_count = 1};
	snprintf(st.columns[0].name, TC_VIEW_NAME_MAX, "two words");
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_view_state_save(path, &st, &err), TC_USAGE);
	cr_assert(strstr(err.message, "two words"), "%s", err.message);
	cr_assert(access(path, F_OK) != 0, "nothing was written");
}
