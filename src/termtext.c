/*
 * wcwidth is X/Open: meson.build's feature macros (POSIX 2008 and the
 * default set) do not declare it, and 700 is the X/Open level of that POSIX.
 */
#define _XOPEN_SOURCE 700

#include "trunkctl/termtext.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* wcwidth takes a code point only where wchar_t holds UCS-4 (glibc, musl). */
#if !defined(__STDC_ISO_10646__)
#error "wchar_t must be ISO 10646 for wcwidth to measure code points"
#endif

bool tc_termtext_locale_utf8(void)
{
	const char *codeset = nl_langinfo(CODESET);
	return codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

size_t tc_termtext_plain_run(const char *s, size_t len)
{
	size_t n = 0;
	while (n < len && s[n] >= ' ' && s[n] < 0x7f)
		n++;
	return n;
}

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF. Returns the sequence's length, 0 when s does not start one.
 */
static size_t decode_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char b = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
	if (b < 0x80) {
		*cp = b;
		return 1;
	} else if (b >= 0xC2 && b <= 0xDF) {
		n = 2;
		*cp = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		n = 3;
		*cp = b & 0x0F;
		lo = b == 0xE0 ? 0xA0 : 0x80;
		hi = b == 0xED ? 0x9F : 0xBF;
	} else if (b >= 0xF0 && b <= 0xF4) {
		n = 4;
		*cp = b & 0x07;
		lo = b == 0xF0 ? 0x90 : 0x80;
		hi = b == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	*cp = (*cp << 6) | (s[1] & 0x3F);
	for (size_t i = 2; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	return n;
}

/* Controls that reorder the text around them: a name could hide its own end. */
static bool is_bidi_control(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* \x1B for a byte, \u202E or \U0001F600 for a character. */
static void escape(struct tc_termtext_glyph *g, bool byte, uint32_t value)
{
	int n = byte             ? snprintf(g->text, sizeof(g->text), "\\x%02X", (unsigned)value)
	        : value > 0xFFFF ? snprintf(g->text, sizeof(g->text), "\\U%08X", (unsigned)value)
	                         : snprintf(g->text, sizeof(g->text), "\\u%04X", (unsigned)value);
	g->len = n > 0 ? (size_t)n : 0;
	g->cells = (int)g->len;
	g->escaped = true;
}

void tc_termtext_glyph(const char *s, size_t len, bool utf8, struct tc_termtext_glyph *g)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp = 0;
	size_t n = decode_utf8(u, len, &cp);
	g->escaped = false;
	g->cp = cp;
	g->bytes = n ? n : 1;
	if (n == 0 || cp < 0x20 || cp == 0x7f) {
		escape(g, true, u[0]);
		return;
	}
	int cells = cp < 0x80 ? 1 : utf8 ? wcwidth((wchar_t)cp) : -1;
	if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp) || cells < 0) {
		escape(g, false, cp);
		return;
	}
	memcpy(g->text, s, n);
	g->text[n] = '\0';
	g->len = n;
	g->cells = cells;
}

int tc_termtext_width(const char *s, bool utf8)
{
	size_t len = s ? strlen(s) : 0;
	int cells = 0;
	for (size_t i = 0; i < len;) {
		size_t plain = tc_termtext_plain_run(s + i, len - i);
		if (plain) {
			cells += (int)plain;
			i += plain;
			continue;
		}
		struct tc_termtext_glyph g;
		tc_termtext_glyph(s + i, len - i, utf8, &g);
		cells += g.cells;
		i += g.bytes;
	}
	return cells;
}

/*
 * The longest prefix of s whose sanitised form fits in cells: returns its
 * bytes in s; *out_bytes and *out_cells are its sanitised size.
 */
static size_t fit(const char *s, size_t len, int cells, bool utf8, size_t *out_bytes,
                  int *out_cells)
{
	size_t i = 0, out = 0;
	int used = 0;
	while (i < len) {
		struct tc_termtext_glyph g;
		tc_termtext_glyph(s + i, len - i, utf8, &g);
		if (used + g.cells > cells)
			break;
		used += g.cells;
		out += g.len;
		i += g.bytes;
	}
	if (out_bytes)
		*out_bytes = out;
	if (out_cells)
		*out_cells = used;
	return i;
}

size_t tc_termtext_fit(const char *s, int cells, bool utf8)
{
	return s ? fit(s, strlen(s), cells, utf8, NULL, NULL) : 0;
}

char *tc_termtext_cell(const char *s, int max_cells, int pad_cells, bool utf8)
{
	s = s ? s : "";
	size_t len = strlen(s);
	const char *ellipsis = utf8 ? "\u2026" : "...";
	int ellipsis_cells = utf8 ? 1 : 3;
	int width = tc_termtext_width(s, utf8);
	bool cut = max_cells >= 0 && width > max_cells;
	if (cut && max_cells < ellipsis_cells)
		ellipsis = "", ellipsis_cells = 0;
	size_t out_bytes;
	int cells;
	size_t take =
	    fit(s, len, cut ? max_cells - ellipsis_cells : width, utf8, &out_bytes, &cells);
	if (cut)
		cells += ellipsis_cells;
	else
		take = len;
	size_t pad = pad_cells > cells ? (size_t)(pad_cells - cells) : 0;
	size_t ell_len = cut ? strlen(ellipsis) : 0;
	char *out = malloc(out_bytes + ell_len + pad + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < take;) {
		struct tc_termtext_glyph g;
		tc_termtext_glyph(s + i, take - i, utf8, &g);
		memcpy(out + o, g.text, g.len);
		o += g.len;
		i += g.bytes;
	}
	memcpy(out + o, ellipsis, ell_len);
	o += ell_len;
	memset(out + o, ' ', pad);
	o += pad;
	out[o] = '\0';
	return out;
}
