/* The one rule for text bound for a terminal (include/trunkctl/termtext.h). */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/termtext.h"

/* wcwidth measures in the process's LC_CTYPE: the CLI and TUI set it from the environment. */
static void utf8_locale(void)
{
	cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"), "the C.UTF-8 locale is missing");
	cr_assert(tc_termtext_locale_utf8());
}

static void expect_cell(const char *in, int max, int pad, bool utf8, const char *want)
{
	char *got = tc_termtext_cell(in, max, pad, utf8);
	cr_assert_not_null(got);
	cr_expect_str_eq(got, want, "cell(\"%s\", %d, %d): \"%s\", wanted \"%s\"", in, max, pad,
	                 got, want);
	free(got);
}

static void expect_clean(const char *in, const char *want)
{
	expect_cell(in, -1, 0, true, want);
}

TestSuite(termtext, .init = utf8_locale);

Test(termtext, printable_text_is_itself)
{
	expect_clean("trunk-01 (Phnom Penh)", "trunk-01 (Phnom Penh)");
	expect_clean("", "");
	expect_cell(NULL, -1, 0, true, "");
	expect_clean("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87",
	             "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87");
}

Test(termtext, every_c0_control_and_del_is_a_visible_byte)
{
	for (int c = 1; c < 0x20; c++) {
		char in[4] = {'a', (char)c, 'b', 0}, want[16];
		snprintf(want, sizeof(want), "a\\x%02Xb", c);
		expect_clean(in, want);
	}
	expect_clean("a\x7f"
	             "b",
	             "a\\x7Fb");
}

Test(termtext, terminal_commands_lose_their_escape)
{
	expect_clean("\x1b]0;owned\x07", "\\x1B]0;owned\\x07");
	expect_clean("\x1b[2J", "\\x1B[2J");
	expect_clean("row\r\nforged\tcell", "row\\x0D\\x0Aforged\\x09cell");
}

Test(termtext, c1_controls_encoded_or_raw_are_visible)
{
	/* U+009B (CSI) as UTF-8, and as the raw 8-bit byte an xterm would also obey */
	expect_clean("a\xc2\x9b"
	             "2J",
	             "a\\u009B2J");
	expect_clean("a\xc2\x85", "a\\u0085");
	expect_clean("a\x9b"
	             "2J",
	             "a\\x9B2J");
}

Test(termtext, bidi_controls_are_neutralised)
{
	static const char *const bidi[][2] = {
	    {"\xe2\x80\xaa", "\\u202A"}, {"\xe2\x80\xab", "\\u202B"}, {"\xe2\x80\xac", "\\u202C"},
	    {"\xe2\x80\xad", "\\u202D"}, {"\xe2\x80\xae", "\\u202E"}, {"\xe2\x81\xa6", "\\u2066"},
	    {"\xe2\x81\xa7", "\\u2067"}, {"\xe2\x81\xa8", "\\u2068"}, {"\xe2\x81\xa9", "\\u2069"},
	    {"\xe2\x80\x8e", "\\u200E"}, {"\xe2\x80\x8f", "\\u200F"}, {"\xd8\x9c", "\\u061C"},
	};
	for (size_t i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++) {
		char in[16], want[32];
		snprintf(in, sizeof(in), "x%sy", bidi[i][0]);
		snprintf(want, sizeof(want), "x%sy", bidi[i][1]);
		expect_clean(in, want);
	}
}

Test(termtext, invalid_utf8_is_visible_byte_by_byte)
{
	expect_clean("a\xff"
	             "b",
	             "a\\xFFb");
	expect_clean("\xc3", "\\xC3");                            /* cut short */
	expect_clean("\xc0\xaf", "\\xC0\\xAF");                   /* overlong '/' */
	expect_clean("\xed\xa0\x80", "\\xED\\xA0\\x80");          /* a surrogate */
	expect_clean("\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"); /* past U+10FFFF */
	expect_clean("\xe4\xb8"
	             "a",
	             "\\xE4\\xB8a");
}

Test(termtext, widths_count_cells)
{
	cr_expect_eq(tc_termtext_width("abc", true), 3);
	cr_expect_eq(tc_termtext_width("\xe4\xb8\xad\xe6\x96\x87", true), 4); /* CJK */
	cr_expect_eq(tc_termtext_width("\xf0\x9f\x98\x80", true), 2);         /* emoji */
	cr_expect_eq(tc_termtext_width("e\xcc\x81", true), 1);                /* combining */
	cr_expect_eq(tc_termtext_width("\x1b", true), 4);                     /* \x1B */
	cr_expect_eq(tc_termtext_width("\xe2\x80\xae", true), 6);             /* \u202E */
	cr_expect_eq(tc_termtext_width(NULL, true), 0);
}

Test(termtext, cut_with_an_ellipsis_at_n_cells)
{
	expect_cell("abcdefgh", 8, 0, true, "abcdefgh");
	expect_cell("abcdefghi", 8, 0, true, "abcdefg\xe2\x80\xa6");
	expect_cell("abcdefghi", 8, 0, false, "abcde...");
	/* a wide character that would straddle the edge is left out and the cell padded */
	expect_cell("abcdef\xe4\xb8\xad\xe6\x96\x87", 8, 8, true, "abcdef\xe2\x80\xa6 ");
	expect_cell("\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad", 5, 5, true,
	            "\xe4\xb8\xad\xe6\x96\x87\xe2\x80\xa6");
	/* an escape is never cut in half */
	expect_cell("ab\x1b[2J", 5, 5, true, "ab\xe2\x80\xa6  ");
	expect_cell("abc", 0, 0, true, "");
}

Test(termtext, pad_to_n_cells_not_bytes)
{
	expect_cell("\xe4\xb8\xad", -1, 4, true, "\xe4\xb8\xad  ");
	expect_cell("ab", -1, 4, true, "ab  ");
	expect_cell("abcdef", -1, 4, true, "abcdef");
}

Test(termtext, without_utf8_non_ascii_is_escaped)
{
	expect_cell("caf\xc3\xa9", -1, 0, false, "caf\\u00E9");
	expect_cell("\xf0\x9f\x98\x80", -1, 0, false, "\\U0001F600");
	cr_expect_eq(tc_termtext_width("\xe4\xb8\xad", false), 6);
}

Test(termtext, fit_and_glyphs_agree_with_the_cell)
{
	const char *s = "a\xe4\xb8\xad\x1b"
	                "b";
	cr_expect_eq(tc_termtext_fit(s, 0, true), 0);
	cr_expect_eq(tc_termtext_fit(s, 2, true), 1);
	cr_expect_eq(tc_termtext_fit(s, 3, true), 4);
	cr_expect_eq(tc_termtext_fit(s, 6, true), 4);
	cr_expect_eq(tc_termtext_fit(s, 7, true), 5);
	struct tc_termtext_glyph g;
	tc_termtext_glyph(s + 1, strlen(s + 1), true, &g);
	cr_expect(!g.escaped);
	cr_expect_eq(g.cp, 0x4E2D);
	cr_expect_eq(g.bytes, 3);
	cr_expect_eq(g.cells, 2);
	tc_termtext_glyph(s + 4, strlen(s + 4), true, &g);
	cr_expect(g.escaped);
	cr_expect_str_eq(g.text, "\\x1B");
	cr_expect_eq(tc_termtext_plain_run("ab\x1b", 3), 2);
}
