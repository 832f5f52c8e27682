/*
 * The terminal: curses init and the restore that runs on every exit path
 * (normal return, exit(), fatal signals, SIGTERM/SIGHUP/SIGINT), and the
 * self-pipe that turns signals into events for the main loop's poll().
 */
#ifndef TUI_TERM_H
#define TUI_TERM_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/config.h"

struct tui_caps {
	bool utf8;  /* the locale is UTF-8 and --ascii was not given */
	bool color; /* colours are available and wanted */
};

/*
 * Starts curses on the controlling terminal; a lone Esc waits esc_delay_ms
 * for the rest of a key sequence. color and no_color_env (NO_COLOR is set
 * and not empty) decide caps->color with tui_theme_wants_color. Returns false with a sentence
 * in why when stdin or stdout is not a terminal or curses cannot start.
 */
bool tui_term_open(enum tc_color_mode color, bool no_color_env, bool ascii, int esc_delay_ms,
                   struct tui_caps *caps, char *why, size_t len);
/* Makes TUI_TEST_CLOCK_SEQ a key; for the end-to-end tests only. */
void tui_term_define_test_keys(void);
/* Idempotent; registered with atexit by tui_term_open. */
void tui_term_close(void);
/*
 * Key codes past curses' own: the bracketed-paste markers, and what
 * tui_term_skip_sequence reports for input it consumed and ignores.
 */
#define TUI_KEY_PASTE_BEGIN (KEY_MAX + 1)
#define TUI_KEY_PASTE_END (KEY_MAX + 2)
#define TUI_KEY_IGNORED (KEY_MAX + 3)
/* Under TRUNKCTL_TEST_HOOKS=1 only: ESC [ 9 9 9 9 ~ moves the TUI's clock on. */
#define TUI_KEY_TEST_CLOCK (KEY_MAX + 4)
/* SIGINT, as the main loop hands it to the screens: Ctrl-C by reflex. */
#define TUI_KEY_INTERRUPT (KEY_MAX + 5)
#define TUI_TEST_CLOCK_SEQ "\033[9999~"

/*
 * Called after curses returned a lone Esc: when more input is already
 * there, the Esc began a sequence curses does not know (Alt+key, a mouse
 * report, a focus event, any other CSI, SS3 or string sequence), which is
 * read to its end (ECMA-48) and dropped. Returns false when the Esc stands
 * alone: the Esc key.
 */
bool tui_term_skip_sequence(void);
/* After TUI_KEY_PASTE_BEGIN: drops the pasted text up to the end marker. */
void tui_term_skip_paste(void);
/* Back from Ctrl-Z: the terminal modes curses does not restore (bracketed paste). */
void tui_term_resume(void);
/*
 * Hands the terminal to another program (an editor) and takes it back:
 * leave puts it in the mode the shell had, back restores curses' mode and
 * redraws everything on the next refresh.
 */
void tui_term_leave(void);
void tui_term_back(void);
/* Readable when a signal arrived; drain it with tui_term_take_signals. */
int tui_term_signal_fd(void);
/*
 * Drains the pipe. Sets *quit for SIGTERM/SIGHUP, *interrupt for SIGINT
 * (Ctrl-C), which the screens may refuse while work would be lost, and
 * *resumed for SIGCONT (back from Ctrl-Z: the screen needs a full repaint).
 */
void tui_term_take_signals(bool *quit, bool *interrupt, bool *resumed);

#endif
