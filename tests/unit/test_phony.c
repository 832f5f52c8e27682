/* Phony 3.0.2's answers, reproduced: the spec's examples by name, and every
 * row of tests/fixtures/phony-3.0.2.tsv (written by tools/phony/fixture.rb
 * from the real Ruby Phony) must agree. */
#include "file_fixture.h"
#include "trunkctl/phony.h"

#include <criterion/criterion.h>
#include <string.h>

static void expect(const char *number, bool plausible, const char *national, const char *cc)
{
	cr_expect_eq(tc_phony_plausible(number), plausible, "%s: plausible", number);
	char out[TC_PHONY_NATIONAL_SIZE];
	cr_assert_eq(tc_phony_national(number, out, sizeof out), TC_PHONY_OK, "%s: national",
	             number);
	cr_expect_str_eq(out, national, "%s: national", number);
	char got_cc[4];
	cr_assert_eq(tc_phony_split(number, got_cc, sizeof got_cc), TC_PHONY_OK, "%s: split",
	             number);
	cr_expect_str_eq(got_cc, cc, "%s: cc", number);
}

Test(spec, australia_drops_the_trunk_prefix)
{
	expect("61307074137", true, "307074137", "61");
}

Test(spec, south_africa_drops_the_trunk_prefix)
{
	expect("27212532870", true, "212532870", "27");
}

Test(spec, nigeria_drops_the_trunk_prefix)
{
	expect("2342637265", true, "2637265", "234");
}

Test(spec, china_keeps_the_trunk_prefix_on_mobiles)
{
	expect("8615958278527", true, "015958278527", "86");
}

Test(spec, mexico_keeps_the_mobile_1)
{
	expect("5213940876300", true, "13940876300", "52");
}

Test(spec, cambodia_mobile_phony_rejects)
{
	cr_expect_not(tc_phony_plausible("855971234567"));
}

Test(spec, cambodia_mobile_phony_accepts)
{
	expect("855716100987", true, "0716100987", "855");
}

Test(spec, united_states)
{
	expect("16505130514", true, "6505130514", "1");
}

Test(spec, short_code_is_not_plausible)
{
	cr_expect_not(tc_phony_plausible("1393"));
}

Test(input, refuses_what_is_not_digits)
{
	char out[TC_PHONY_NATIONAL_SIZE];
	cr_expect_eq(tc_phony_national("+16505130514", out, sizeof out), TC_PHONY_NOT_DIGITS);
	cr_expect_eq(tc_phony_national("", out, sizeof out), TC_PHONY_NOT_DIGITS);
	cr_expect_not(tc_phony_plausible("1650 513 0514"));
	cr_expect_eq(tc_phony_national("16505130514", out, 4), TC_PHONY_TOO_SMALL);
}

/* One fixture row against the engine; a description of the first mismatch. */
static bool row_agrees(char *line, char *why, size_t why_size)
{
	char *number = strtok(line, "\t");
	char *plausible = strtok(NULL, "\t");
	char *national = strtok(NULL, "\t");
	char *cc = strtok(NULL, "\t\r");
	cr_assert(number && plausible && national && cc, "malformed fixture row");
	bool want = strcmp(plausible, "1") == 0;
	if (tc_phony_plausible(number) != want) {
		snprintf(why, why_size, "%s: plausible? Phony %d, C %d", number, want, !want);
		return false;
	}
	char out[TC_PHONY_NATIONAL_SIZE];
	enum tc_phony_status st = tc_phony_national(number, out, sizeof out);
	const char *got = st == TC_PHONY_OK ? out : "-";
	if (strcmp(got, national) != 0) {
		snprintf(why, why_size, "%s: national Phony %s, C %s", number, national, got);
		return false;
	}
	char got_cc[4];
	st = tc_phony_split(number, got_cc, sizeof got_cc);
	if (strcmp(st == TC_PHONY_OK ? got_cc : "-", cc) != 0) {
		snprintf(why, why_size, "%s: cc Phony %s, C %s", number, cc,
		         st == TC_PHONY_OK ? got_cc : "-");
		return false;
	}
	return true;
}

Test(fixture, every_row_agrees_with_phony)
{
	size_t len;
	char *text = read_all(TC_FIXTURES "/phony-3.0.2.tsv", &len);
	size_t rows = 0, bad = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char why[256];
		rows++;
		if (!row_agrees(line, why, sizeof why) && ++bad <= 20)
			cr_log_error("%s", why);
	}
	free(text);
	cr_expect_geq(rows, 10000, "the fixture holds %zu rows", rows);
	cr_expect_eq(bad, 0, "%zu of %zu rows disagree with Phony", bad, rows);
}
