/*
 * Text measured in terminal cells. Names and hosts are UTF-8 and may hold
 * wide (CJK) or combining characters: every width, truncation and padding
 * here counts cells (wcwidth), never bytes. Controls, invalid bytes and
 * bidi controls show as the escapes of trunkctl/termtext.h, the CLI's rule.
 */
#ifndef TUI_TEXT_H
#define TUI_TEXT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Cells the text takes. */
int tui_text_width(const char *utf8);
/*
 * Draws text at (y, x) in at most width cells with attr, padding with spaces
 * to width. A wide character or an escape that would straddle the edge is
 * replaced by spaces. Returns the cells drawn before padding.
 */
int tui_put(WINDOW *w, int y, int x, const char *utf8, int width, int attr);
/*
 * Same, but text that does not fit ends with an ellipsis ("…", or "~" when
 * utf8 is false), so a cut host or name never reads as a whole one.
 */
int tui_put_cut(WINDOW *w, int y, int x, const char *utf8, int width, int attr, bool ellipsis_utf8);
/* Same, right-aligned. */
void tui_put_right(WINDOW *w, int y, int x, const char *utf8, int width, int attr);
/* A horizontal rule of n cells: U+2500 in UTF-8, '-' otherwise. */
void tui_hline(WINDOW *w, int y, int x, int n, bool utf8, int attr);
/* Byte length of the longest prefix of utf8 that fits in cells. */
size_t tui_text_fit(const char *utf8, int cells);
/* Number of bytes of the character before byte offset pos (for Backspace). */
size_t tui_text_prev(const char *utf8, size_t pos);
/* Number of bytes of the character at byte offset pos. */
size_t tui_text_next(const char *utf8, size_t pos);

/* "<1m", "5m", "3h", "2d": a minute at least, so an idle header does not repaint each second. */
void tui_age(int64_t ms, char *buf, size_t len);

#endif
