/* The terminal as doctor reports it (termcheck.c). */
#ifndef TUI_TERMCHECK_H
#define TUI_TERMCHECK_H

#include <stdbool.h>

enum tui_terminfo {
	TUI_TERMINFO_UNSET,       /* TERM unset, empty or dumb */
	TUI_TERMINFO_FOUND,       /* TERM has an entry */
	TUI_TERMINFO_UNKNOWN,     /* no entry for TERM */
	TUI_TERMINFO_NO_DATABASE, /* no terminfo database at all */
};

enum tui_osc52 {
	TUI_OSC52_UNKNOWN, /* terminfo does not say; the terminal may still take it */
	TUI_OSC52_YES,     /* terminfo's Ms capability says it does */
};

struct tui_term_report {
	bool tty; /* stdout is a terminal */
	char term[64];
	enum tui_terminfo terminfo;
	int colors; /* terminfo's colors, -1 when unknown or none */
	bool no_color;
	char codeset[32];
	bool utf8;
	int esc_delay_ms; /* what the TUI will run with */
	bool esc_delay_from_env;
	char keys_missing[64]; /* terminfo names of the TUI's keys TERM lacks, "" when none */
	enum tui_osc52 osc52;
	bool in_tmux;
};

/* configured_esc_delay_ms: the esc_delay setting, which ESCDELAY in the environment overrides. */
void tui_term_probe(struct tui_term_report *r, int configured_esc_delay_ms);

#endif
