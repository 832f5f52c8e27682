#include "vtdrive.h"

#include "lib/clock.h"

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vterm.h>

struct vtd {
	int fd;
	pid_t pid;
	VTerm *vt;
	VTermScreen *sc;
	int rows, cols;
	unsigned idle;
	/* The last marker said a lint is yet to be painted ("idle:N lint"). */
	bool lint;
	bool exited;
	int status;
	/* The last bytes of output, to check what was sent at exit. */
	char tail[4096];
	size_t tail_len;
	/* The output so far ends with a repaint marker: the screen is a whole repaint. */
	bool quiet;
	/* The pty hung up: the program is gone, no repaint can come. */
	bool gone;
	/*
	 * The screen as the repaint that first carried the current marker left
	 * it: the repaint of the last key, before a background event repainted.
	 */
	char *marked;
};

static int prop_cb(VTermProp p, VTermValue *v, void *u)
{
	struct vtd *t = u;
	if (p != VTERM_PROP_TITLE || !v->string || strncmp(v->string, "idle:", 5) != 0)
		return 1;
	unsigned idle = (unsigned)strtoul(v->string + 5, NULL, 10);
	/* libvterm calls back mid-input: the cells hold this repaint and nothing after it. */
	if (idle != t->idle) {
		free(t->marked);
		t->marked = vtd_screen(t);
	}
	t->idle = idle;
	t->lint = strstr(v->string + 5, " lint") != NULL;
	return 1;
}

static const VTermScreenCallbacks callbacks = {.settermprop = prop_cb};

static void out_cb(const char *s, size_t n, void *u)
{
	struct vtd *t = u;
	(void)!write(t->fd, s, n);
}

/*
 * The pty's session leader acting as a job-control shell: the program runs
 * in a foreground process group of its own, as under a login shell, so the
 * Ctrl-Z the terminal turns into SIGTSTP stops it (a stop signal sent to an
 * orphaned process group, as a session leader's own group is here, would be
 * discarded). When it stops, the shell takes the terminal back, prints
 * VTD_STOPPED_BANNER and waits for one byte (vtd_fg) before it continues the
 * job in the foreground; it exits as the program did.
 */
_Noreturn static void job_shell(char *const argv[], char *const envp[])
{
	signal(SIGTTOU, SIG_IGN); /* tcsetpgrp from the background */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	pid_t job = fork();
	if (job < 0)
		_exit(127);
	if (job == 0) {
		setpgid(0, 0);
		tcsetpgrp(STDIN_FILENO, getpid());
		/* ignored dispositions survive exec: the program gets the defaults back */
		signal(SIGTTOU, SIG_DFL);
		signal(SIGTSTP, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	setpgid(job, job); /* both sides: whichever runs first */
	tcsetpgrp(STDIN_FILENO, job);
	for (;;) {
		int status;
		if (waitpid(job, &status, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			_exit(127);
		}
		if (WIFEXITED(status))
			_exit(WEXITSTATUS(status));
		if (WIFSIGNALED(status)) {
			signal(WTERMSIG(status), SIG_DFL);
			raise(WTERMSIG(status));
			_exit(128 + WTERMSIG(status));
		}
		if (!WIFSTOPPED(status))
			continue;
		tcsetpgrp(STDIN_FILENO, getpgrp());
		(void)!write(STDOUT_FILENO, VTD_STOPPED_BANNER, strlen(VTD_STOPPED_BANNER));
		char c;
		while (read(STDIN_FILENO, &c, 1) < 0 && errno == EINTR)
			;
		tcsetpgrp(STDIN_FILENO, job);
		kill(-job, SIGCONT);
	}
}

static struct vtd *spawn(int rows, int cols, char *const argv[], char *const envp[], bool job)
{
	struct vtd *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	t->rows = rows;
	t->cols = cols;
	t->pid = forkpty(&t->fd, NULL, NULL, &ws);
	if (t->pid < 0) {
		free(t);
		return NULL;
	}
	if (t->pid == 0) {
		if (job)
			job_shell(argv, envp);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	t->vt = vterm_new(rows, cols);
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, out_cb, t);
	t->sc = vterm_obtain_screen(t->vt);
	vterm_screen_set_callbacks(t->sc, &callbacks, t);
	vterm_screen_reset(t->sc, 1);
	return t;
}

struct vtd *vtd_spawn(int rows, int cols, char *const argv[], char *const envp[])
{
	return spawn(rows, cols, argv, envp, false);
}

struct vtd *vtd_spawn_job(int rows, int cols, char *const argv[], char *const envp[])
{
	return spawn(rows, cols, argv, envp, true);
}

void vtd_fg(struct vtd *t)
{
	vtd_send(t, "\n");
}

static bool pump(struct vtd *t, int ms)
{
	if (t->gone)
		return false;
	struct pollfd p = {.fd = t->fd, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0)
		return false;
	char buf[16384];
	ssize_t n = read(t->fd, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return false;
	if (n <= 0) {
		/* EIO once the last holder of the pty's other side is gone */
		t->gone = true;
		return false;
	}
	vterm_input_write(t->vt, buf, (size_t)n);
	size_t keep = (size_t)n < sizeof(t->tail) ? (size_t)n : sizeof(t->tail);
	if (t->tail_len + keep > sizeof(t->tail)) {
		size_t drop = t->tail_len + keep - sizeof(t->tail);
		memmove(t->tail, t->tail + drop, t->tail_len - drop);
		t->tail_len -= drop;
	}
	memcpy(t->tail + t->tail_len, buf + n - keep, keep);
	t->tail_len += keep;
	t->quiet = false;
	if (t->tail_len && t->tail[t->tail_len - 1] == '\a') {
		for (size_t i = t->tail_len - 1; i-- > 0;)
			if (t->tail[i] == '\033' && i + 1 < t->tail_len && t->tail[i + 1] == ']') {
				t->quiet = strncmp(t->tail + i, "\033]2;idle:", 9) == 0;
				break;
			}
	}
	return true;
}

void vtd_drain(struct vtd *t)
{
	while (pump(t, 0))
		;
}

void vtd_send(struct vtd *t, const char *keys)
{
	size_t n = strlen(keys);
	while (n) {
		ssize_t w = write(t->fd, keys, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		keys += w;
		n -= (size_t)w;
	}
}

/* Reads output until done(t, n) holds; false on the timeout or a hang-up. */
static bool wait_until(struct vtd *t, bool (*done)(const struct vtd *t, unsigned n), unsigned n,
                       int timeout_ms)
{
	double end = tl_now_ms() + timeout_ms;
	while (!done(t, n)) {
		double left = end - tl_now_ms();
		if (left <= 0 || t->gone)
			return false;
		if (!pump(t, (int)left) && tl_now_ms() >= end)
			return false;
	}
	vtd_drain(t);
	return true;
}

static bool idle_reached(const struct vtd *t, unsigned n)
{
	return t->idle >= n;
}

bool vtd_wait_idle(struct vtd *t, unsigned n, int timeout_ms)
{
	return wait_until(t, idle_reached, n, timeout_ms);
}

unsigned vtd_idle(const struct vtd *t)
{
	return t->idle;
}

static bool lint_painted(const struct vtd *t, unsigned n)
{
	return t->idle && !t->lint;
}

bool vtd_wait_lint(struct vtd *t, int timeout_ms)
{
	vtd_drain(t);
	return wait_until(t, lint_painted, 0, timeout_ms);
}

bool vtd_lint_pending(const struct vtd *t)
{
	return t->lint;
}

bool vtd_keys(struct vtd *t, int timeout_ms, const char *const keys[], size_t n)
{
	unsigned want = t->idle;
	for (size_t i = 0; i < n; i++) {
		vtd_send(t, keys[i]);
		want++;
		/* One key at a time: a lone ESC must not merge with the next key. */
		if (!vtd_wait_idle(t, want, timeout_ms))
			return false;
	}
	return true;
}

void vtd_row(struct vtd *t, int row, char *buf, size_t len)
{
	size_t o = 0;
	size_t last = 0;
	for (int col = 0; col < t->cols && o + 8 < len;) {
		VTermScreenCell c;
		vterm_screen_get_cell(t->sc, (VTermPos){.row = row, .col = col}, &c);
		if (c.chars[0] == 0) {
			buf[o++] = ' ';
		} else {
			for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && c.chars[i]; i++) {
				char mb[8];
				int n = 0;
				uint32_t ch = c.chars[i];
				if (ch < 0x80) {
					mb[n++] = (char)ch;
				} else if (ch < 0x800) {
					mb[n++] = (char)(0xC0 | (ch >> 6));
					mb[n++] = (char)(0x80 | (ch & 0x3F));
				} else if (ch < 0x10000) {
					mb[n++] = (char)(0xE0 | (ch >> 12));
					mb[n++] = (char)(0x80 | ((ch >> 6) & 0x3F));
					mb[n++] = (char)(0x80 | (ch & 0x3F));
				} else {
					mb[n++] = (char)(0xF0 | (ch >> 18));
					mb[n++] = (char)(0x80 | ((ch >> 12) & 0x3F));
					mb[n++] = (char)(0x80 | ((ch >> 6) & 0x3F));
					mb[n++] = (char)(0x80 | (ch & 0x3F));
				}
				if (o + (size_t)n + 1 >= len)
					break;
				memcpy(buf + o, mb, (size_t)n);
				o += (size_t)n;
			}
			if (c.chars[0] != ' ')
				last = o;
		}
		col += c.width > 0 ? c.width : 1;
	}
	buf[last] = '\0';
}

int vtd_bg(struct vtd *t, int row, int col)
{
	VTermScreenCell c;
	vterm_screen_get_cell(t->sc, (VTermPos){.row = row, .col = col}, &c);
	if (c.attrs.reverse)
		return 256;
	if (VTERM_COLOR_IS_DEFAULT_BG(&c.bg) || !VTERM_COLOR_IS_INDEXED(&c.bg))
		return -1;
	return c.bg.indexed.idx;
}

bool vtd_any_color(struct vtd *t)
{
	for (int r = 0; r < t->rows; r++)
		for (int col = 0; col < t->cols; col++) {
			VTermScreenCell c;
			vterm_screen_get_cell(t->sc, (VTermPos){.row = r, .col = col}, &c);
			if (!VTERM_COLOR_IS_DEFAULT_BG(&c.bg) || !VTERM_COLOR_IS_DEFAULT_FG(&c.fg))
				return true;
		}
	return false;
}

char *vtd_screen(struct vtd *t)
{
	size_t cap = (size_t)t->rows * ((size_t)t->cols * 4 + 2) + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t o = 0;
	for (int r = 0; r < t->rows; r++) {
		vtd_row(t, r, out + o, cap - o - 1);
		o += strlen(out + o);
		out[o++] = '\n';
	}
	out[o] = '\0';
	return out;
}

bool vtd_marked_has_text(struct vtd *t, const char *needle)
{
	return t->marked && strstr(t->marked, needle);
}

const char *vtd_marked_screen(const struct vtd *t)
{
	return t->marked;
}

bool vtd_has_text(struct vtd *t, const char *needle)
{
	char *s = vtd_screen(t);
	bool hit = s && strstr(s, needle);
	free(s);
	return hit;
}

bool vtd_wait_text(struct vtd *t, const char *needle, int timeout_ms)
{
	double end = tl_now_ms() + timeout_ms;
	vtd_drain(t);
	/* Text seen halfway through a repaint may sit next to rows not yet redrawn. */
	while (!t->quiet || !vtd_has_text(t, needle)) {
		double left = end - tl_now_ms();
		if (left <= 0 || t->gone)
			return false;
		pump(t, (int)left);
	}
	return true;
}

void vtd_resize(struct vtd *t, int rows, int cols)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	t->rows = rows;
	t->cols = cols;
	vterm_set_size(t->vt, rows, cols);
	ioctl(t->fd, TIOCSWINSZ, &ws);
}

int vtd_fd(const struct vtd *t)
{
	return t->fd;
}

bool vtd_gone(const struct vtd *t)
{
	return t->gone;
}

pid_t vtd_pid(const struct vtd *t)
{
	return t->pid;
}

void vtd_signal(struct vtd *t, int sig)
{
	kill(t->pid, sig);
}

bool vtd_output_has(struct vtd *t, const char *bytes)
{
	size_t n = strlen(bytes);
	for (size_t i = 0; i + n <= t->tail_len; i++)
		if (memcmp(t->tail + i, bytes, n) == 0)
			return true;
	return false;
}

int vtd_close(struct vtd *t, int timeout_ms)
{
	double end = tl_now_ms() + timeout_ms;
	int status = -1;
	for (;;) {
		pid_t r = waitpid(t->pid, &status, WNOHANG);
		if (r == t->pid)
			break;
		double left = end - tl_now_ms();
		if (left <= 0) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, &status, 0);
			break;
		}
		/* The program's last output (the terminal restore) is read as it exits. */
		if (t->gone)
			poll(NULL, 0, left < 10 ? (int)left : 10); /* hung up, not yet reaped */
		else
			pump(t, (int)(left < 50 ? left : 50));
	}
	vtd_drain(t);
	return status;
}

void vtd_free(struct vtd *t)
{
	if (!t)
		return;
	close(t->fd);
	vterm_free(t->vt);
	free(t->marked);
	free(t);
}

bool vtd_wait_output(struct vtd *t, const char *bytes, int timeout_ms)
{
	double end = tl_now_ms() + timeout_ms;
	vtd_drain(t);
	while (!vtd_output_has(t, bytes)) {
		double left = end - tl_now_ms();
		if (left <= 0 || t->gone)
			return false;
		pump(t, (int)left);
	}
	return true;
}
