/*
 * Text from the server or a file, made safe for a terminal and measured in
 * its cells. The one rule for every front end (the CLI's tables and
 * messages, the TUI's cells):
 *
 * - A byte that is a C0 control (ESC, CR, LF, TAB...), DEL, or not part of
 *   valid UTF-8 (including a raw 8-bit C1 byte) shows as \xHH (\x1B).
 * - A character that is a C1 control (U+0080-U+009F), a bidirectional
 *   control (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) or that
 *   the terminal cannot show (wcwidth < 0) shows as \uXXXX (\U00XXXXXX above
 *   U+FFFF).
 * - In a locale that is not UTF-8 the terminal cannot show any non-ASCII
 *   character: each shows as \uXXXX.
 * - Everything else is itself; widths are wcwidth's (CJK and most emoji take
 *   two cells, combining marks none).
 *
 * Escapes are plain ASCII, one cell a byte, so a sanitised text can carry no
 * terminal command, line break or reordering. The caller says whether the
 * terminal is UTF-8 (tc_termtext_locale_utf8 after setlocale(LC_CTYPE, "")).
 */
#ifndef TRUNKCTL_TERMTEXT_H
#define TRUNKCTL_TERMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One character of the input as the terminal gets it. */
struct tc_termtext_glyph {
	size_t bytes;  /* input bytes it stands for (at least 1) */
	int cells;     /* cells it takes */
	bool escaped;  /* text is an escape, not the character itself */
	uint32_t cp;   /* the character when not escaped */
	size_t len;    /* bytes of text */
	char text[12]; /* what to write, NUL-terminated */
};

/* Whether LC_CTYPE's codeset is UTF-8. */
bool tc_termtext_locale_utf8(void);

/* Bytes at s (at most len) that are printable ASCII: each is itself, one cell. */
size_t tc_termtext_plain_run(const char *s, size_t len);

/* The glyph for the character at s (len > 0 bytes left). */
void tc_termtext_glyph(const char *s, size_t len, bool utf8, struct tc_termtext_glyph *g);

/* Cells the sanitised text takes. NULL is empty. */
int tc_termtext_width(const char *s, bool utf8);

/* Bytes of s in the longest prefix whose sanitised form fits in cells. */
size_t tc_termtext_fit(const char *s, int cells, bool utf8);

/*
 * s sanitised, cut to at most max_cells when it is wider (the cut marked by
 * an ellipsis: "\u2026" in UTF-8, "..." otherwise; max_cells < 0: never
 * cut), then padded with spaces to pad_cells. NULL is empty. Newly allocated;
 * NULL when out of memory.
 */
char *tc_termtext_cell(const char *s, int max_cells, int pad_cells, bool utf8);

#endif
