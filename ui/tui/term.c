#include "term.h"
#include "theme.h"

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
static struct sigaction curses_tstp;
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
	static const char seq[] = "\033[?2004l\033[0m\033[?25h\033[?1049l\r\n";
	if (saved_tio_valid)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	(void)!write(STDOUT_FILENO, seq, sizeof(seq) - 1);
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

/*
 * Pasted text stays wrapped in markers while the TUI runs; the shell behind
 * a Ctrl-Z must get it plain. curses' handler then leaves the screen and
 * stops the process; tui_term_resume turns the mode back on.
 */
static void on_tstp(int sig)
{
	static const char paste_off[] = "\033[?2004l";
	(void)!write(STDOUT_FILENO, paste_off, sizeof(paste_off) - 1);
	if (curses_tstp.sa_handler != SIG_DFL && curses_tstp.sa_handler)
		curses_tstp.sa_handler(sig);
	else
		raise(SIGSTOP); /* SIGTSTP itself is blocked while its handler runs */
}

static void on_winch(int sig)
{
	if (curses_winch.sa_handler != SIG_DFL && curses_winch.sa_handler != SIG_IGN &&
	    curses_winch.sa_handler)
		curses_winch.sa_handler(sig);
	wake();
}

/*
 * Ctrl-S and Ctrl-Q are keys here (Ctrl-S saves), not XOFF/XON: with IXON
 * set the tty swallows Ctrl-S and freezes the output until Ctrl-Q. curses
 * keeps the mode as its program mode, which it restores after Ctrl-Z.
 */
static void flow_control_off(void)
{
	struct termios tio;
	if (tcgetattr(STDIN_FILENO, &tio) != 0)
		return;
	tio.c_iflag &= ~(tcflag_t)IXON;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
		def_prog_mode();
}

/*
 * Terminals and multiplexers disagree on Home, End and the F-keys, and TERM
 * often names another one (screen or tmux inside an xterm, an xterm inside
 * tmux): the usual encodings are keys whatever terminfo says, as htop does.
 * A sequence terminfo already binds keeps its meaning.
 */
static void define_keys(void)
{
	static const struct {
		const char *seq;
		int code;
	} extra[] = {
	    {"\033[1~", KEY_HOME},
	    {"\033[7~", KEY_HOME},
	    {"\033[H", KEY_HOME},
	    {"\033OH", KEY_HOME},
	    {"\033[4~", KEY_END},
	    {"\033[8~", KEY_END},
	    {"\033[F", KEY_END},
	    {"\033OF", KEY_END},
	    {"\033OP", KEY_F(1)},
	    {"\033OQ", KEY_F(2)},
	    {"\033OR", KEY_F(3)},
	    {"\033OS", KEY_F(4)},
	    {"\033[11~", KEY_F(1)},
	    {"\033[12~", KEY_F(2)},
	    {"\033[13~", KEY_F(3)},
	    {"\033[14~", KEY_F(4)},
	    {"\033[[A", KEY_F(1)},
	    {"\033[[B", KEY_F(2)},
	    {"\033[[C", KEY_F(3)},
	    {"\033[[D", KEY_F(4)},
	    {"\033[[E", KEY_F(5)},
	    {"\033[15~", KEY_F(5)},
	    {"\033[17~", KEY_F(6)},
	    {"\033[18~", KEY_F(7)},
	    {"\033[19~", KEY_F(8)},
	    {"\033[20~", KEY_F(9)},
	    {"\033[21~", KEY_F(10)},
	    {"\033[23~", KEY_F(11)},
	    {"\033[24~", KEY_F(12)},
	    {"\033[200~", TUI_KEY_PASTE_BEGIN},
	    {"\033[201~", TUI_KEY_PASTE_END},
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (key_defined(extra[i].seq) == 0)
			define_key(extra[i].seq, extra[i].code);
	/*
	 * The TUI asks for no mouse reports; one that arrives anyway is skipped
	 * whole by tui_term_skip_sequence, which curses' own decoder, meant for
	 * mousemask(), does not promise.
	 */
	define_key(NULL, KEY_MOUSE);
}

void tui_term_define_test_keys(void)
{
	define_key(TUI_TEST_CLOCK_SEQ, TUI_KEY_TEST_CLOCK);
}

/* The next byte of a sequence, waiting up to ms for it; ERR when none came. */
static int next_byte(int ms)
{
	wtimeout(stdscr, ms);
	int c = wgetch(stdscr);
	wtimeout(stdscr, 0);
	return c;
}

/*
 * The rest of a sequence arrives with its first byte from any terminal; the
 * wait only covers a link that splits it. A sequence cut short is dropped
 * with what was read of it.
 */
#define SEQUENCE_WAIT_MS 100

/*
 * ECMA-48 control sequence (and SS3, which some terminals give parameters
 * too): parameter bytes, intermediate bytes, one final byte.
 */
static void skip_control(bool csi)
{
	char params[8];
	size_t np = 0;
	int c;
	while ((c = next_byte(SEQUENCE_WAIT_MS)) >= 0x30 && c <= 0x3f)
		if (np < sizeof(params) - 1)
			params[np++] = (char)c;
	params[np] = '\0';
	while (c >= 0x20 && c <= 0x2f)
		c = next_byte(SEQUENCE_WAIT_MS);
	/* An X10 mouse report: CSI M and three raw bytes (button, column, row). */
	if (csi && c == 'M' && np == 0)
		for (int i = 0; i < 3; i++)
			next_byte(SEQUENCE_WAIT_MS);
}

/* OSC, DCS, APC, PM, SOS: a string up to ST (Esc \) or BEL. */
static void skip_string(void)
{
	int c, prev = 0;
	while ((c = next_byte(SEQUENCE_WAIT_MS)) != ERR && c != 7 && !(prev == 27 && c == '\\'))
		prev = c;
}

bool tui_term_skip_sequence(void)
{
	wint_t ch;
	wtimeout(stdscr, 0);
	int r = wget_wch(stdscr, &ch);
	if (r == ERR)
		return false;
	if (r == KEY_CODE_YES) {
		/* Esc then a key curses decoded (Alt+arrow in some terminals): both dropped. */
		if (ch == TUI_KEY_PASTE_BEGIN)
			tui_term_skip_paste();
		return true;
	}
	if (ch == L'[' || ch == L'O')
		skip_control(ch == L'[');
	else if (ch == L']' || ch == L'P' || ch == L'_' || ch == L'^' || ch == L'X')
		skip_string();
	/* Anything else is Alt+key: the Esc and the one character, both dropped. */
	return true;
}

/*
 * A paste never runs as keys: each character would be a command. The wait
 * between its bytes is longer than a sequence's, for a large paste over a
 * slow link; a paste whose end marker never comes ends after that pause.
 */
#define PASTE_WAIT_MS 1000

void tui_term_skip_paste(void)
{
	int c;
	while ((c = next_byte(PASTE_WAIT_MS)) != ERR && c != TUI_KEY_PASTE_END)
		;
}

void tui_term_resume(void)
{
	fputs("\033[?2004h", stdout);
	fflush(stdout);
}

void tui_term_leave(void)
{
	static const char paste_off[] = "\033[?2004l";
	def_prog_mode();
	endwin();
	(void)!write(STDOUT_FILENO, paste_off, sizeof(paste_off) - 1);
}

void tui_term_back(void)
{
	reset_prog_mode();
	tui_term_resume();
	clearok(curscr, TRUE);
	refresh();
}

bool tui_term_open(enum tc_color_mode color, bool no_color_env, bool ascii, int esc_delay_ms,
                   struct tui_caps *caps, char *why, size_t len)
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
	/*
	 * The default 25 ms is long enough for an escape sequence over most SSH
	 * links and short enough that Esc feels instant; a slow link needs more.
	 */
	set_escdelay(esc_delay_ms);
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
	/* A shell that ignores Ctrl-Z for this process keeps it ignored. */
	sigaction(SIGTSTP, NULL, &curses_tstp);
	if (curses_tstp.sa_handler != SIG_IGN)
		install(SIGTSTP, on_tstp, SA_RESTART);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	flow_control_off();
	define_keys();
	tui_term_resume();
	curs_set(0);
	caps->color = tui_theme_wants_color(color, no_color_env, has_colors());
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
	fputs("\033[?2004l", stdout);
	fflush(stdout);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		signal(fatal_signals[i], SIG_DFL);
	for (size_t i = 0; i < sizeof(quit_signals) / sizeof(quit_signals[0]); i++)
		signal(quit_signals[i], SIG_DFL);
	sigaction(SIGWINCH, &curses_winch, NULL);
	sigaction(SIGTSTP, &curses_tstp, NULL);
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
