/*
 * A headless terminal for the end-to-end tests: the real binary runs on a
 * pseudo-terminal (forkpty) and its output feeds libvterm, whose cells the
 * tests read back. Synchronisation is by the program's repaint marker (the
 * terminal title "idle:N" under TRUNKCTL_TEST_HOOKS=1), never by sleeping.
 */
#ifndef VTDRIVE_H
#define VTDRIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vtd;

/* Starts argv[0] with exactly envp on a rows x cols pty. NULL on failure. */
struct vtd *vtd_spawn(int rows, int cols, char *const argv[], char *const envp[]);
/*
 * Like vtd_spawn, under a job-control shell of the pty (see job_shell): a
 * Ctrl-Z stops the program, the shell prints VTD_STOPPED_BANNER, and vtd_fg
 * resumes it in the foreground. vtd_signal reaches the shell, not the program.
 */
#define VTD_STOPPED_BANNER "\n[job stopped]\n"
struct vtd *vtd_spawn_job(int rows, int cols, char *const argv[], char *const envp[]);
void vtd_fg(struct vtd *t);
/* Writes bytes to the program as typed keys ("j", "\r", "\033[B"). */
void vtd_send(struct vtd *t, const char *keys);
/* Waits until the repaint marker reports at least n. */
bool vtd_wait_idle(struct vtd *t, unsigned n, int timeout_ms);
/* The last repaint marker seen (0 before the first). */
unsigned vtd_idle(const struct vtd *t);
/*
 * Waits until the last repaint marker says no lint is yet to be painted
 * ("idle:N lint" says one is: the first after the first paint, or one asked
 * for after a change), so what the lint marks is on the screen.
 */
bool vtd_wait_lint(struct vtd *t, int timeout_ms);
/* Whether the last repaint marker said a lint is yet to be painted. */
bool vtd_lint_pending(const struct vtd *t);
/* Sends keys (each byte run one key, as listed) and waits for their repaint. */
bool vtd_keys(struct vtd *t, int timeout_ms, const char *const keys[], size_t n);
/* Waits until needle shows anywhere on the screen. */
bool vtd_wait_text(struct vtd *t, const char *needle, int timeout_ms);
/* Whether needle shows on the screen now. */
bool vtd_has_text(struct vtd *t, const char *needle);
/*
 * Whether needle showed when the last repaint marker first arrived: what the
 * last key's repaint said, even if a background event has repainted since.
 */
bool vtd_marked_has_text(struct vtd *t, const char *needle);
/* That screen as vtd_screen gives it; NULL before the first marker. */
const char *vtd_marked_screen(const struct vtd *t);
/* Row text, UTF-8, right-trimmed. */
void vtd_row(struct vtd *t, int row, char *buf, size_t len);
/* Background palette index of a cell: -1 default, 256 reverse video. */
int vtd_bg(struct vtd *t, int row, int col);
/* Whether any cell on the screen has a non-default colour. */
bool vtd_any_color(struct vtd *t);
/* The whole screen as text, one right-trimmed row per line; caller frees. */
char *vtd_screen(struct vtd *t);
/* Resizes the pty (the program gets SIGWINCH). */
void vtd_resize(struct vtd *t, int rows, int cols);
/* The pty, to poll next to other descriptors; read it through vtd_drain only. */
int vtd_fd(const struct vtd *t);
/* Whether the pty hung up: the program is gone. */
bool vtd_gone(const struct vtd *t);
/* The program's process id. */
pid_t vtd_pid(const struct vtd *t);
/* Sends a signal to the program. */
void vtd_signal(struct vtd *t, int sig);
/* Reads whatever is pending without waiting. */
void vtd_drain(struct vtd *t);
/*
 * Waits for the program to exit (SIGKILL after timeout) and reads its last
 * output; returns its wait status. The screen stays readable until vtd_free.
 */
int vtd_close(struct vtd *t, int timeout_ms);
void vtd_free(struct vtd *t); /* accepts NULL */
/* Whether the output so far contains the bytes (e.g. the alternate-screen exit). */
bool vtd_output_has(struct vtd *t, const char *bytes);
/* Waits until the output so far contains the bytes (within its last 4 KiB). */
bool vtd_wait_output(struct vtd *t, const char *bytes, int timeout_ms);

#endif
