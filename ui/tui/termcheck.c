/*
 * What doctor can tell about the terminal without drawing on it: TERM in
 * terminfo, its colours and keys, the locale, the Esc delay the TUI will run
 * with, and OSC 52 where terminfo says. Read through ncurses' setupterm, the
 * same database the TUI starts from; the terminal itself is not queried (a
 * query's answer would arrive as input doctor never reads).
 */
#include "termcheck.h"
/* Before <term.h>, whose macros (lines, columns) would rename fields in our headers. */
#include "term.h"

#include <curses.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

/* A terminfo string capability that is there (tigetstr's error is (char *)-1). */
static bool has_string(const char *cap)
{
	char *s = tigetstr(cap);
	return s && s != (char *)-1 && *s;
}

static void read_terminfo(struct tui_term_report *r)
{
	int errret = 0;
	/* fd 2 may be a file: setupterm only reads the size from it */
	if (setupterm(r->term, STDERR_FILENO, &errret) != OK) {
		r->terminfo = errret == -1 ? TUI_TERMINFO_NO_DATABASE : TUI_TERMINFO_UNKNOWN;
		return;
	}
	r->terminfo = TUI_TERMINFO_FOUND;
	r->colors = tigetnum("colors");
	/* the keys the TUI's action table reads most: arrows, Home/End, F2 and F5 */
	static const char *const keys[] = {"kcuu1", "kcud1", "kcub1", "kcuf1",
	                                   "khome", "kend",  "kf2",   "kf5"};
	r->keys_missing[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!has_string(keys[i])) {
			size_t n = strlen(r->keys_missing);
			snprintf(r->keys_missing + n, sizeof(r->keys_missing) - n, "%s%s",
			         n ? " " : "", keys[i]);
		}
	r->osc52 = has_string("Ms") ? TUI_OSC52_YES : TUI_OSC52_UNKNOWN;
	del_curterm(cur_term);
}

void tui_term_probe(struct tui_term_report *r, int configured_esc_delay_ms)
{
	memset(r, 0, sizeof(*r));
	r->colors = -1;
	r->tty = isatty(STDOUT_FILENO);
	const char *term = getenv("TERM");
	if (term && *term)
		snprintf(r->term, sizeof(r->term), "%s", term);
	const char *codeset = nl_langinfo(CODESET);
	snprintf(r->codeset, sizeof(r->codeset), "%s", codeset ? codeset : "");
	r->utf8 = codeset && strcmp(codeset, "UTF-8") == 0;
	r->no_color = getenv("NO_COLOR") && *getenv("NO_COLOR");
	/* ncurses takes ESCDELAY from the environment over what the TUI sets */
	const char *env = getenv("ESCDELAY");
	char *end = NULL;
	long ms = env && *env ? strtol(env, &end, 10) : -1;
	r->esc_delay_from_env = env && *env && end && !*end && ms >= 0;
	r->esc_delay_ms = r->esc_delay_from_env ? (int)ms : configured_esc_delay_ms;
	r->in_tmux = getenv("TMUX") && *getenv("TMUX");
	if (!r->term[0] || strcmp(r->term, "dumb") == 0) {
		r->terminfo = TUI_TERMINFO_UNSET;
		return;
	}
	read_terminfo(r);
}
