#include "text.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "trunkctl/termtext.h"

int tui_text_width(const char *utf8)
{
	return tc_termtext_width(utf8, tc_termtext_locale_utf8());
}

size_t tui_text_fit(const char *utf8, int cells)
{
	return tc_termtext_fit(utf8, cells, tc_termtext_locale_utf8());
}

int tui_put(WINDOW *w, int y, int x, const char *utf8, int width, int attr)
{
	if (width <= 0)
		return 0;
	wattrset(w, attr);
	wmove(w, y, x);
	int used = 0;
	size_t len = utf8 ? strlen(utf8) : 0;
	int locale_utf8 = -1; /* asked once, when the first non-ASCII byte needs it */
	for (size_t i = 0; i < len && used < width;) {
		/*
		 * Printable ASCII, one cell a byte, goes out a run at a time, and
		 * the padding in one call: a character and a call at a time made
		 * a cursor move in a full list cost 0.45 ms of drawing.
		 */
		size_t run = tc_termtext_plain_run(utf8 + i, len - i);
		if (run > (size_t)(width - used))
			run = (size_t)(width - used);
		if (run) {
			waddnstr(w, utf8 + i, (int)run);
			i += run;
			used += (int)run;
			continue;
		}
		if (locale_utf8 < 0)
			locale_utf8 = tc_termtext_locale_utf8();
		struct tc_termtext_glyph g;
		tc_termtext_glyph(utf8 + i, len - i, locale_utf8, &g);
		i += g.bytes;
		/* an escape cut in half would read as other text: the edge pads instead */
		if (used + g.cells > width)
			break;
		if (g.cells == 0 && used == 0)
			continue;
		if (g.escaped) {
			waddnstr(w, g.text, (int)g.len);
		} else {
			wchar_t wc[2] = {(wchar_t)g.cp, 0};
			waddnwstr(w, wc, 1);
		}
		used += g.cells;
	}
	if (used < width)
		whline(w, ' ' | (chtype)attr, width - used);
	wattrset(w, A_NORMAL);
	return used;
}

int tui_put_cut(WINDOW *w, int y, int x, const char *utf8, int width, int attr, bool ellipsis_utf8)
{
	if (width <= 0)
		return 0;
	if (tui_text_width(utf8) <= width)
		return tui_put(w, y, x, utf8, width, attr);
	tui_put(w, y, x, utf8, width - 1, attr);
	wattrset(w, attr);
	if (ellipsis_utf8) {
		wchar_t dots[2] = {0x2026, 0};
		mvwaddnwstr(w, y, x + width - 1, dots, 1);
	} else {
		mvwaddch(w, y, x + width - 1, '~');
	}
	return width;
}

void tui_put_right(WINDOW *w, int y, int x, const char *utf8, int width, int attr)
{
	int tw = tui_text_width(utf8);
	if (tw >= width) {
		tui_put(w, y, x, utf8, width, attr);
		return;
	}
	wattrset(w, attr);
	mvwhline(w, y, x, ' ', width - tw);
	tui_put(w, y, x + width - tw, utf8, tw, attr);
}

void tui_hline(WINDOW *w, int y, int x, int n, bool utf8, int attr)
{
	wattrset(w, attr);
	wmove(w, y, x);
	for (int i = 0; i < n; i++) {
		if (utf8)
			waddnwstr(w, L"\u2500", 1);
		else
			waddch(w, '-');
	}
	wattrset(w, A_NORMAL);
}

size_t tui_text_prev(const char *utf8, size_t pos)
{
	if (pos == 0)
		return 0;
	size_t i = pos - 1;
	while (i > 0 && ((unsigned char)utf8[i] & 0xC0) == 0x80)
		i--;
	return pos - i;
}

size_t tui_text_next(const char *utf8, size_t pos)
{
	size_t len = strlen(utf8);
	if (pos >= len)
		return 0;
	struct tc_termtext_glyph g;
	tc_termtext_glyph(utf8 + pos, len - pos, tc_termtext_locale_utf8(), &g);
	return g.bytes;
}

void tui_age(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;
	/*
	 * Not in seconds: a header that changed every second cost an idle
	 * session on a slow link about 40 bytes a second for no news.
	 */
	if (s < 60)
		snprintf(buf, len, "<1m");
	else if (s < 3600)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
}
