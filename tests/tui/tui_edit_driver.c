/*
 * The real trunkctl TUI on a pseudo-terminal, driven through edits read from
 * stdin, for the shell tests that run it next to other trunkctl processes on
 * one data dir (tests/crash/run, tests/crash/many-processes). Each line "NAME
 * VALUE" opens the trunk NAME through the list's filter, sets its max_channels
 * to VALUE in the form and saves with F2. A save is acknowledged when the
 * screen of that key says "Saved NAME here", as the operator is told; the
 * driver then prints "saved NAME VALUE". At the end of stdin it presses Q.
 * Edits arrive as the caller sends them, so a test paces them by its own
 * progress; the TUI stays open (its sync worker running) in between.
 *
 * usage: tui-edit-driver [--kill-after SECONDS] -- TRUNKCTL [ARG]...
 *
 * The program gets the driver's environment (the API token comes from there,
 * never from argv) with TERM, LANG and TRUNKCTL_TEST_HOOKS=1 set. Every wait is
 * on its repaint marker (tests/tui/vtdrive.h), bounded only as a hang guard.
 * --kill-after SIGKILLs the program that many seconds after its start,
 * wherever it is, but not once the driver has pressed Q.
 *
 * A save the TUI refuses ("Not saved: ...") is not acknowledged: the driver
 * discards the form, as the operator would, and goes on with the next edit.
 *
 * stdout: "pid N" first, then per edit "saved NAME VALUE" or "refused NAME
 * VALUE REASON", then "quit" (a clean exit) or "killed".
 * Exit status: 0 every edit saved and a clean exit; 3 the same but with saves
 * refused; 137 the program was killed by --kill-after; 1 anything else, with
 * the reason and the screen on stderr.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vtdrive.h"

/* Only a guard against a hung program: the waits end on repaint markers. */
#define HANG_GUARD_MS 60000
#define ROWS 40
#define COLS 160
#define KILLED_EXIT 137
#define REFUSED_EXIT 3

#define K_TAB "\t"
#define K_ESC "\033"
#define K_CLEAR "\025" /* C-u */
#define K_F2 "\033OQ"

extern char **environ;

/* What the SIGALRM of --kill-after kills, and whether it did. */
static volatile sig_atomic_t victim, killed;

static void kill_victim(int sig)
{
	(void)sig;
	if (victim > 0 && kill((pid_t)victim, SIGKILL) == 0)
		killed = 1;
}

static bool key(struct vtd *t, const char *k)
{
	const char *one[] = {k};
	return vtd_keys(t, HANG_GUARD_MS, one, 1);
}

/* Printable ASCII, one repaint marker per character. */
static bool type(struct vtd *t, const char *text)
{
	unsigned want = vtd_idle(t) + (unsigned)strlen(text);
	vtd_send(t, text);
	return vtd_wait_idle(t, want, HANG_GUARD_MS);
}

/* Whether the last key's screen has a row that is exactly prefix followed by rest. */
static bool marked_row(struct vtd *t, const char *prefix, const char *rest)
{
	char row[512];
	snprintf(row, sizeof(row), "\n%s%s\n", prefix, rest);
	return vtd_marked_has_text(t, row);
}

/*
 * One edit: NULL once the save was acknowledged, or refused with the reason the
 * TUI gave in refused (the form then closed); else why the edit could not be
 * made.
 */
static const char *edit(struct vtd *t, const char *name, const char *value, char *refused,
                        size_t len)
{
	refused[0] = '\0';
	/* C-u clears the filter the previous edit left. */
	if (!key(t, "/") || !key(t, K_CLEAR) || !type(t, name) || !key(t, "\r"))
		return "typing the filter was not processed";
	/* right-aligned on the filter's row: " 1 match" ends it */
	if (!vtd_marked_has_text(t, " 1 match\n"))
		return "the filter does not match exactly one trunk";
	/*
	 * A sync event's repaint can be the marker this key waited for, before
	 * e itself is handled: look again, and press e again (a bounded number
	 * of times) only while the screen is still the list's. (The TUI once
	 * dropped an e handled in the same turn as a sync event; the list now
	 * acts on the row it shows, see selected() in ui/tui/list_view.c.)
	 */
	for (int tries = 0; !marked_row(t, "Edit trunk ", name); tries++) {
		if (tries == 5 || (tries && !vtd_marked_has_text(t, " 1 match\n")))
			return "the form of the trunk did not open";
		if (!key(t, "e"))
			return "e was not processed";
	}
	/* name -> mode -> region -> max channels */
	if (!key(t, K_TAB) || !key(t, K_TAB) || !key(t, K_TAB) || !key(t, K_CLEAR) ||
	    !type(t, value))
		return "typing into the form was not processed";
	if (!key(t, K_F2))
		return "F2 was not processed";
	char saved[300];
	snprintf(saved, sizeof(saved), "Saved %s here", name);
	if (vtd_marked_has_text(t, saved) && !vtd_marked_has_text(t, "\nEdit trunk "))
		return NULL;
	/* The TUI said why on the status line: the operator would read it and move on. */
	const char *screen = vtd_marked_screen(t);
	const char *line = screen ? strstr(screen, "\nNot saved") : NULL;
	if (!line || !vtd_marked_has_text(t, "\nEdit trunk "))
		return "the save was neither acknowledged nor refused";
	snprintf(refused, len, "%.*s", (int)strcspn(line + 1, "\n"), line + 1);
	if (!key(t, K_ESC) || !vtd_marked_has_text(t, "Discard your changes?") || !key(t, "y") ||
	    vtd_marked_has_text(t, "\nEdit trunk "))
		return "the refused form did not close";
	return NULL;
}

static void print_screens(struct vtd *t)
{
	const char *marked = vtd_marked_screen(t);
	fprintf(stderr, "the screen of the last key:\n%s", marked ? marked : "(none)\n");
	char *s = vtd_screen(t);
	fprintf(stderr, "the screen at the end:\n%s", s ? s : "(none)\n");
	free(s);
}

static int usage(void)
{
	fputs("usage: tui-edit-driver [--kill-after SECONDS] -- TRUNKCTL [ARG]... <EDITS\n",
	      stderr);
	return 2;
}

/* The environment with the terminal's settings and the test hooks on top. */
static char **program_env(void)
{
	static const char *const ours[] = {"TERM=xterm-256color", "LANG=C.UTF-8",
	                                   "TRUNKCTL_TEST_HOOKS=1"};
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 4, sizeof(*env));
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < 3; j++)
			replaced |= strncmp(environ[i], ours[j], strcspn(ours[j], "=") + 1) == 0;
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < 3; j++)
		env[k++] = (char *)ours[j];
	env[k] = NULL;
	return env;
}

/*
 * Runs the edits of stdin as they come, reading the program's output while
 * none is pending. NULL at the end of stdin, else why it stopped; failed says
 * which edit. Counts the saves the TUI refused.
 */
static const char *run_edits(struct vtd *t, char *failed, size_t len, unsigned *refusals)
{
	char buf[4096];
	size_t have = 0;
	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			char line[sizeof(buf)];
			size_t n = (size_t)(nl - buf);
			memcpy(line, buf, n);
			line[n] = '\0';
			have -= n + 1;
			memmove(buf, nl + 1, have);
			char name[256], value[32];
			int fields = sscanf(line, "%255s %31s", name, value);
			if (fields == EOF) /* a blank line */
				continue;
			if (fields != 2) {
				snprintf(failed, len, " (the line \"%.200s\")", line);
				return "an edit is not NAME VALUE";
			}
			char refused[512];
			const char *why = edit(t, name, value, refused, sizeof(refused));
			if (why) {
				snprintf(failed, len, " (editing %.200s to %.31s)", name, value);
				return why;
			}
			if (refused[0]) {
				printf("refused %s %s %s\n", name, value, refused);
				(*refusals)++;
			} else {
				printf("saved %s %s\n", name, value);
			}
		}
		if (have == sizeof(buf))
			return "an edit line is too long";
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
		                      {.fd = vtd_fd(t), .events = POLLIN}};
		int n = poll(p, 2, HANG_GUARD_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return "no edit and no output for the hang guard's time";
		if (p[1].revents) {
			vtd_drain(t);
			if (vtd_gone(t))
				return "the program is gone";
		}
		if (p[0].revents) {
			ssize_t r = read(STDIN_FILENO, buf + have, sizeof(buf) - have);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return NULL;
			have += (size_t)r;
		}
	}
}

int main(int argc, char **argv)
{
	double kill_after = 0;
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--kill-after") == 0 && i + 1 < argc)
			kill_after = strtod(argv[++i], NULL);
		else
			return usage();
	}
	if (i + 1 >= argc)
		return usage();
	char **env = program_env();
	if (!env)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct sigaction sa = {.sa_handler = kill_victim, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct vtd *t = vtd_spawn(ROWS, COLS, argv + i + 1, env);
	if (!t) {
		fprintf(stderr, "tui-edit-driver: cannot start %s\n", argv[i + 1]);
		return 1;
	}
	pid_t pid = vtd_pid(t);
	printf("pid %ld\n", (long)pid);
	victim = pid;
	if (kill_after > 0) {
		struct itimerval when = {0};
		when.it_value.tv_sec = (time_t)kill_after;
		when.it_value.tv_usec =
		    (suseconds_t)((kill_after - (double)(time_t)kill_after) * 1e6);
		if (!when.it_value.tv_sec && !when.it_value.tv_usec)
			when.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &when, NULL);
	}

	char failed[300] = "";
	unsigned refusals = 0;
	const char *why = vtd_wait_idle(t, 1, HANG_GUARD_MS)
	                      ? run_edits(t, failed, sizeof(failed), &refusals)
	                      : "no first paint";
	if (!why)
		vtd_send(t, "Q");
	/* No kill lands from here: the pid is reaped below and could be reused. */
	sigset_t alarm;
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alarm, NULL);
	victim = 0;
	int status = vtd_close(t, why ? 0 : HANG_GUARD_MS);
	int code = 0;
	if (killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		printf("killed\n");
		code = KILLED_EXIT;
	} else if (why || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "tui-edit-driver: %s%s; exit status %d\n",
		        why ? why : "the program did not exit cleanly", failed, status);
		print_screens(t);
		code = 1;
	} else {
		printf("quit\n");
		code = refusals ? REFUSED_EXIT : 0;
	}
	vtd_free(t);
	free(env);
	return code;
}
