#include "text.h"

#include <string.h>
#include <wchar.h>

/* Decodes one character; bad bytes become '?' and advance one byte. */
static size_t decode(const char *s, size_t avail, wchar_t *wc)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t n = mbrtowc(wc, s, avail, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*wc = L'?';
		return 1;
	}
	if (*wc < L' ' || *wc == 0x7f)
		*wc = L'?';
	return n;
}

static int cell_width(wchar_t wc)
{
	int w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

int tui_text_width(const char *utf8)
{
	int cells = 0;
	size_t len = utf8 ? strlen(utf8) : 0;
	for (size_t i = 0; i < len;) {
		wchar_t wc;
		i += decode(utf8 + i, len - i, &wc);
		cells += cell_width(wc);
	}
	return cells;
}

size_t tui_text_fit(const char *utf8, int cells)
{
	int used = 0;
	size_t len = utf8 ? strlen(utf8) : 0, i = 0;
	while (i < len) {
		wchar_t wc;
		size_t n = decode(utf8 + i, len - i, &wc);
		int w = cell_width(wc);
		if (used + w > cells)
			break;
		used += w;
		i += n;
	}
	return i;
}

int tui_put(WINDOW *w, int y, int x, const char *utf8, int width, int attr)
{
	if (width <= 0)
		return 0;
	wattrset(w, attr);
	wmove(w, y, x);
	int used = 0;
	size_t len = utf8 ? strlen(utf8) : 0;
	for (size_t i = 0; i < len && used < width;) {
		/*
		 * Printable ASCII, one cell a byte, goes out a run at a time, and
		 * the padding in one call: a character and a call at a time made
		 * a cursor move in a full list cost 0.45 ms of drawing.
		 */
		size_t run = 0;
		while (i + run < len && (int)run < width - used && utf8[i + run] >= ' ' &&
		       utf8[i + run] < 0x7f)
			run++;
		if (run) {
			waddnstr(w, utf8 + i, (int)run);
			i += run;
			used += (int)run;
			continue;
		}
		wchar_t wc[2] = {0, 0};
		i += decode(utf8 + i, len - i, &wc[0]);
		int cw = cell_width(wc[0]);
		if (used + cw > width)
			break;
		if (cw == 0 && used == 0)
			continue;
		waddnwstr(w, wc, 1);
		used += cw;
	}
	if (used < width)
		whline(w, ' ' | (chtype)attr, width - used);
	wattrset(w, A_NORMAL);
	return used;
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
	wchar_t wc;
	return decode(utf8 + pos, len - pos, &wc);
}
