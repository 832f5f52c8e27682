/* The keymap table, the cell-width helpers and the marks, without a terminal. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "marks.h"
#include "text.h"
#include "tui.h"

static void utf8_locale(void)
{
	cr_assert_not_null(setlocale(LC_ALL, "C.UTF-8"), "C.UTF-8 locale missing");
}

TestSuite(keymap, .init = utf8_locale);

Test(keymap, every_default_binding_parses_and_none_collide)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++) {
		cr_expect_gt(km.count[a], 0, "%s has no default key", tui_action_name(a));
		cr_expect_str_not_empty(tui_action_help(a));
		cr_expect_eq((int)tui_action_by_name(tui_action_name(a)), a);
	}
	struct tc_error err;
	tc_error_init(&err);
	cr_expect_eq(tui_keymap_check(&km, &err), TC_OK, "%s", err.message);
}

static bool is_fkey(struct tui_key k)
{
	return k.fn && k.code >= (wint_t)KEY_F(1) && k.code <= (wint_t)KEY_F(24);
}

/* A Ctrl key that is not Tab, Enter or Esc, which screens read themselves. */
static bool is_ctrl(struct tui_key k)
{
	return !k.fn && k.code < L' ' && k.code != L'\t' && k.code != L'\n' && k.code != 27;
}

/*
 * On the form (and the conflict screen's value editor) letters are text, so
 * an action that works there needs a Ctrl key; elsewhere a letter will do.
 */
Test(keymap, every_f_key_action_has_a_ctrl_or_letter_alternative)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	size_t fkey_actions = 0;
	for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++) {
		bool fkey = false, ctrl = false, letter = false;
		for (size_t i = 0; i < km.count[a]; i++) {
			struct tui_key k = km.keys[a][i];
			fkey |= is_fkey(k);
			ctrl |= is_ctrl(k);
			letter |= !k.fn && k.code > L' ' && k.code < 127;
		}
		if (!fkey)
			continue;
		fkey_actions++;
		enum tui_scope sc = tui_action_scope(a);
		bool typed_in =
		    sc == TUI_SCOPE_GENERIC || sc == TUI_SCOPE_FORM || sc == TUI_SCOPE_CONFLICT;
		if (typed_in)
			cr_expect(ctrl, "%s is on an F-key and needs a Ctrl key too",
			          tui_action_name(a));
		else
			cr_expect(ctrl || letter, "%s is on an F-key and needs a letter too",
			          tui_action_name(a));
	}
	cr_expect_geq(fkey_actions, 8, "the defaults bind F-keys");
}

Test(keymap, lookup_prefers_the_screen_then_generic)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	struct tui_key d = {false, L'd'}, j = {false, L'j'}, esc = {false, 27};
	cr_expect_eq(tui_keymap_lookup(&km, TUI_SCOPE_LIST, d), TUI_ACT_DELETE);
	cr_expect_eq(tui_keymap_lookup(&km, TUI_SCOPE_PENDING, d), TUI_ACT_DISCARD);
	cr_expect_eq(tui_keymap_lookup(&km, TUI_SCOPE_LIST, j), TUI_ACT_DOWN);
	cr_expect_eq(tui_keymap_lookup(&km, TUI_SCOPE_FORM, esc), TUI_ACT_CANCEL);
	cr_expect_eq(tui_keymap_lookup(&km, TUI_SCOPE_LIST, esc), TUI_ACT_BACK);
	cr_expect_eq(tui_keymap_lookup(&km, TUI_SCOPE_GENERIC, d), TUI_ACT_NONE);
}

Test(keymap, remap_replaces_unbinds_and_reports_conflicts)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tui_keymap_bind(&km, "delete", "x F8", &err), TC_OK);
	struct tui_key x = {false, L'x'}, d = {false, L'd'};
	cr_expect_eq(tui_keymap_lookup(&km, TUI_SCOPE_LIST, x), TUI_ACT_DELETE);
	cr_expect_eq(tui_keymap_lookup(&km, TUI_SCOPE_LIST, d), TUI_ACT_NONE);
	char desc[64];
	tui_keymap_describe(&km, TUI_ACT_DELETE, desc, sizeof(desc));
	cr_expect_str_eq(desc, "x F8");

	cr_assert_eq(tui_keymap_bind(&km, "sync", "none", &err), TC_OK);
	cr_expect_eq(km.count[TUI_ACT_SYNC], 0);

	cr_assert_eq(tui_keymap_bind(&km, "sort", "x", &err), TC_OK);
	cr_expect_eq(tui_keymap_check(&km, &err), TC_USAGE);
	cr_expect_str_eq(err.message, "x is bound to both sort and delete");
}

Test(keymap, bad_names_are_refused_with_a_sentence)
{
	struct tc_error err;
	tc_error_init(&err);
	cr_expect_eq(tui_binding_check("explode", "x", &err), TC_USAGE);
	cr_expect(strstr(err.message, "\"explode\" is not an action") != NULL, "%s", err.message);
	cr_expect_eq(tui_binding_check("delete", "Ctrl+D", &err), TC_USAGE);
	cr_expect(strstr(err.message, "\"Ctrl+D\" is not a key name") != NULL, "%s", err.message);
	cr_expect_eq(tui_binding_check("delete", "", &err), TC_USAGE);
	cr_expect_eq(tui_binding_check("delete", "C-x F12 PgDn é", &err), TC_OK, "%s", err.message);
}

Test(keymap, key_names_round_trip)
{
	const char *names[] = {"C-d", "F5", "PgDn", "Enter", "Esc", "S-Tab", "j", "?", "é"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tui_keymap km;
		tui_keymap_init(&km);
		struct tc_error err;
		tc_error_init(&err);
		cr_assert_eq(tui_keymap_bind(&km, "help", names[i], &err), TC_OK, "%s", names[i]);
		char back[32];
		tui_keymap_first(&km, TUI_ACT_HELP, false, back, sizeof(back));
		cr_expect_str_eq(back, names[i]);
	}
}

Test(keymap, a_typing_screen_offers_a_key_that_does_not_type)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	char key[32];
	tui_keymap_first(&km, TUI_ACT_HELP, false, key, sizeof(key));
	cr_expect_str_eq(key, "?");
	tui_keymap_first(&km, TUI_ACT_HELP, true, key, sizeof(key));
	cr_expect_str_eq(key, "F1");
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tui_keymap_bind(&km, "help", "? h", &err), TC_OK);
	tui_keymap_first(&km, TUI_ACT_HELP, true, key, sizeof(key));
	cr_expect_str_eq(key, "", "only typed keys are bound: the footer offers none");
}

Test(keymap, footer_labels_are_words_not_action_names)
{
	for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++) {
		const char *label = tui_action_label((enum tui_action)a);
		cr_expect_str_not_empty(label, "%s has no label",
		                        tui_action_name((enum tui_action)a));
		cr_expect_null(strchr(label, '-'), "%s: \"%s\" reads like an identifier",
		               tui_action_name((enum tui_action)a), label);
	}
	cr_expect(tui_action_writes(TUI_ACT_CREATE));
	cr_expect(tui_action_writes(TUI_ACT_DETAIL_DELETE));
	cr_expect(tui_action_writes(TUI_ACT_RESOLVE));
	cr_expect_not(tui_action_writes(TUI_ACT_OPEN));
	cr_expect_not(tui_action_writes(TUI_ACT_SYNC));
}

TestSuite(text, .init = utf8_locale);

Test(text, widths_count_cells_not_bytes)
{
	cr_expect_eq(tui_text_width("trunk"), 5);
	cr_expect_eq(tui_text_width("café"), 4);
	cr_expect_eq(tui_text_width("東京"), 4);
	cr_expect_eq(tui_text_width("e\xcc\x81"), 1, "a combining accent takes no cell");
	/* the core's rule (trunkctl/termtext.h), the CLI's too */
	cr_expect_eq(tui_text_width("a\x01"), 5, "a control character shows as \\x01");
	cr_expect_eq(tui_text_width("\xff"), 4, "an invalid byte shows as \\xFF");
}

Test(text, fit_never_splits_a_character)
{
	cr_expect_eq(tui_text_fit("東京都", 3), strlen("東"));
	cr_expect_eq(tui_text_fit("東京都", 4), strlen("東京"));
	cr_expect_eq(tui_text_fit("abc", 10), 3);
	cr_expect_eq(tui_text_prev("aé", strlen("aé")), 2);
	cr_expect_eq(tui_text_next("éa", 0), 2);
}

Test(text, ages_change_at_most_once_a_minute)
{
	char a[16], b[16];
	tui_age(0, a, sizeof(a));
	tui_age(59999, b, sizeof(b));
	cr_expect_str_eq(a, "<1m");
	cr_expect_str_eq(b, a, "the first minute is one text: the header does not tick");
	tui_age(-5000, a, sizeof(a));
	cr_expect_str_eq(a, "<1m", "a clock that went back is not a negative age");
	tui_age(60000, a, sizeof(a));
	cr_expect_str_eq(a, "1m");
	tui_age(3 * 3600000LL + 59 * 60000LL, a, sizeof(a));
	cr_expect_str_eq(a, "3h");
	tui_age(2 * 86400000LL, a, sizeof(a));
	cr_expect_str_eq(a, "2d");
}

static struct tui_mark mark(const char *id)
{
	return (struct tui_mark){strdup(id), strdup(id)};
}

Test(marks, toggle_and_merge_keep_one_sorted_set)
{
	struct tui_marks m = {0};
	cr_assert(tui_marks_toggle(&m, "b", "B"));
	cr_assert(tui_marks_toggle(&m, "d", "D"));
	cr_expect(tui_marks_has(&m, "b"));
	cr_expect(!tui_marks_has(&m, "c"));
	/* Already marked, twice in the batch, new: one mark each. */
	struct tui_mark add[] = {mark("e"), mark("b"), mark("a"), mark("c"), mark("a")};
	cr_assert(tui_marks_add_many(&m, add, 5));
	cr_assert_eq(m.count, 5);
	const char *want[] = {"a", "b", "c", "d", "e"};
	for (size_t i = 0; i < 5; i++)
		cr_expect_str_eq(m.items[i].id, want[i]);
	cr_expect_str_eq(m.items[1].name, "B", "a kept mark keeps its name");
	cr_assert(tui_marks_toggle(&m, "c", "C"));
	cr_expect(!tui_marks_has(&m, "c"), "toggling a mark removes it");
	cr_expect_eq(m.count, 4);
	cr_expect(tui_marks_add_many(&m, NULL, 0), "a filter that matches nothing marks nothing");
	cr_expect_eq(m.count, 4);
	tui_marks_clear(&m);
	cr_expect_eq(m.count, 0);
	tui_marks_clear(NULL);
}

Test(marks, marking_everything_twice_changes_nothing)
{
	struct tui_marks m = {0};
	enum { N = 2000 };
	for (int round = 0; round < 2; round++) {
		struct tui_mark *add = calloc(N, sizeof(*add));
		cr_assert_not_null(add);
		for (int i = 0; i < N; i++) {
			char id[16];
			snprintf(id, sizeof(id), "%05d", (i * 7919) % N);
			add[i] = mark(id);
		}
		cr_assert(tui_marks_add_many(&m, add, N));
		free(add);
		cr_expect_eq(m.count, N);
	}
	for (size_t i = 1; i < m.count; i++)
		cr_expect(strcmp(m.items[i - 1].id, m.items[i].id) < 0);
	tui_marks_clear(&m);
}
