/* Clipboard over SSH: the terminal, not this host, owns the clipboard (OSC 52). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

/* Terminals and tmux cap the sequence; 74994 bytes of text is xterm's documented limit. */
#define OSC52_MAX 74994

static void b64(const unsigned char *in, size_t n, char *out)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
}

long ui_osc52_copy(const char *text)
{
	size_t n = strlen(text);
	if (n > OSC52_MAX)
		return -1;
	char *enc = malloc((n + 2) / 3 * 4 + 1);
	if (!enc)
		return -1;
	b64((const unsigned char *)text, n, enc);
	/* Inside tmux the sequence must be wrapped to pass through to the outer terminal. */
	bool tmux = getenv("TMUX") != NULL;
	fflush(stdout);
	if (tmux)
		printf("\033Ptmux;\033\033]52;c;%s\a\033\\", enc);
	else
		printf("\033]52;c;%s\a", enc);
	fflush(stdout);
	free(enc);
	return (long)n;
}
