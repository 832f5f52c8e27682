#include "term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/*
 * Signal handlers can reach nothing else, so the terminal state lives here:
 * the one process-wide terminal, owned by the UI thread.
 */
static volatile sig_atomic_t term_active;
static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t interrupt_signal;
static volatile sig_atomic_t resumed_signal;
static struct termios saved_tio;
static bool saved_tio_valid;
static int sig_pipe[2] = {-1, -1};
static struct sigaction curses_winch;
static bool atexit_done;

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void wake(void)
{
	int saved = errno;
	if (sig_pipe[1] >= 0)
		(void)!write(sig_pipe[1], "x", 1);
	errno = saved;
}

/* Only async-signal-safe calls: leave the alternate screen, show the cursor, reset modes. */
static void raw_restore(void)
{
	static const char seq[] = "\033[0m\033[?25h\033[?1049l\r\n";
	if (saved_tio_valid)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	(void)!write(STDOUT_FILENO, seq, sizeof(seq) - 1);
}

static void on_fatal(int sig)
{
	if (term_active) {
		term_active = 0;
		raw_restore();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_quit(int sig)
{
	if (sig == SIGINT)
		interrupt_signal = 1;
	else
		quit_signal = sig;
	wake();
}

/*
 * curses' own SIGTSTP handler leaves the screen on Ctrl-Z and redraws it on
 * fg, behind the loop's back: the loop repaints too, so what it shows (and
 * the test hooks' marker) follows the resume.
 */
static void on_cont(int sig)
{
	(void)sig;
	resumed_signal = 1;
	wake();
}

static void on_winch(int sig)
{
	if (curses_winch.sa_handler != SIG_DFL && curses_winch.sa_handler != SIG_IGN &&
	    curses_winch.sa_handler)
		curses_winch.sa_handler(sig);
	wake();
}

static void install(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

bool tui_term_open(bool no_color, bool ascii, struct tui_caps *caps, char *why, size_t len)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(why, len,
		         "the interface needs a terminal; use a command (trunkctl --help)");
		return false;
	}
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		saved_tio_valid = true;
	if (sig_pipe[0] < 0) {
		if (pipe(sig_pipe) != 0) {
			snprintf(why, len, "cannot create a pipe: %s", strerror(errno));
			return false;
		}
		for (int i = 0; i < 2; i++) {
			fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	const char *codeset = nl_langinfo(CODESET);
	caps->utf8 = !ascii && codeset && strcmp(codeset, "UTF-8") == 0;
	/* 25 ms: long enough for an escape sequence over SSH, short enough that Esc feels instant.
	 */
	set_escdelay(25);
	if (!newterm(NULL, stdout, stdin)) {
		snprintf(why, len, "the terminal type \"%s\" is unknown to curses",
		         getenv("TERM") ? getenv("TERM") : "");
		return false;
	}
	term_active = 1;
	if (!atexit_done) {
		atexit(tui_term_close);
		atexit_done = true;
	}
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		install(fatal_signals[i], on_fatal, SA_RESETHAND);
	for (size_t i = 0; i < sizeof(quit_signals) / sizeof(quit_signals[0]); i++)
		install(quit_signals[i], on_quit, 0);
	/* Chain to curses' own SIGWINCH handler, which makes the next read return KEY_RESIZE. */
	sigaction(SIGWINCH, NULL, &curses_winch);
	install(SIGWINCH, on_winch, 0);
	install(SIGCONT, on_cont, 0);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	caps->color = !no_color && has_colors();
	if (caps->color) {
		start_color();
		use_default_colors();
	}
	return true;
}

void tui_term_close(void)
{
	if (!term_active)
		return;
	term_active = 0;
	endwin();
	fflush(stdout);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		signal(fatal_signals[i], SIG_DFL);
	for (size_t i = 0; i < sizeof(quit_signals) / sizeof(quit_signals[0]); i++)
		signal(quit_signals[i], SIG_DFL);
	sigaction(SIGWINCH, &curses_winch, NULL);
	signal(SIGCONT, SIG_DFL);
}

int tui_term_signal_fd(void)
{
	return sig_pipe[0];
}

void tui_term_take_signals(bool *quit, bool *interrupt, bool *resumed)
{
	char buf[64];
	while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
		;
	if (quit_signal)
		*quit = true;
	if (interrupt_signal) {
		interrupt_signal = 0;
		*interrupt = true;
	}
	if (resumed_signal) {
		resumed_signal = 0;
		*resumed = true;
	}
}
