/*
 * End to end: the real trunkctl binary on a pseudo-terminal, read back
 * through libvterm, against the fake Carrier API on 127.0.0.1. Every wait is
 * on the program's repaint marker or on text appearing, never a sleep.
 * Golden screens (80x24) live in tests/tui/golden; TRUNKCTL_UPDATE_GOLDEN=1
 * rewrites them.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/rm_tree.h"
#include "lib/spawn.h"
#include "trunkctl/service.h"
#include "vtdrive.h"

#define TOKEN "e2e-token"
/*
 * Hang guards, not deadlines: every wait ends on the repaint marker or the
 * text it wants, so only a hang ever reaches them, and a loaded sanitizer
 * run must not.
 */
#define WAIT_MS 30000
#define SYNC_MS 60000

/* Keys as an xterm sends them. */
#define K_ENTER "\r"
#define K_ESC "\033"
#define K_TAB "\t"
/* keypad(TRUE) puts the terminal in application mode: arrows are ESC O x. */
#define K_DOWN "\033OB"
#define K_UP "\033OA"
#define K_RIGHT "\033OC"
#define K_LEFT "\033OD"
#define K_HOME "\033OH"
#define K_END "\033OF"
#define K_BS "\177"
#define K_F2 "\033OQ"
#define K_F5 "\033[15~"

struct fake {
	pid_t pid;
	int port;
};

/* Per test (criterion runs each test in its own process). */
static char root[256];
static char data_dir[PATH_MAX];
static struct fake server = {-1, 0};

/* ---- the fake Carrier API ---- */

static bool fake_start(struct fake *f, int port, const char *const extra[])
{
	char port_s[16];
	snprintf(port_s, sizeof(port_s), "%d", port);
	/* Seeded and with a frozen clock, a restart with the same options serves the same trunks.
	 */
	const char *argv[32] = {FAKE_API_BIN, "--port", port_s, "--token", TOKEN,
	                        "--any-host", "--seed", "1",    "--clock", "1764115200"};
	size_t n = 10;
	for (size_t i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	struct fake_spawn sp;
	f->pid = -1;
	if (!fake_spawn(argv, WAIT_MS, &sp))
		return false;
	f->pid = sp.pid;
	f->port = sp.port;
	return true;
}

static void fake_stop(struct fake *f)
{
	if (f->pid <= 0)
		return;
	fake_terminate(f->pid);
	f->pid = -1;
}

/* ---- fixtures ---- */

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/trunkctl-e2e-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	snprintf(data_dir, sizeof(data_dir), "%s/data", root);
}

static void teardown(void)
{
	fake_stop(&server);
	rm_tree(root);
}

TestSuite(e2e, .init = setup, .fini = teardown, .timeout = 180);

static char *api_url(char *buf, size_t len)
{
	snprintf(buf, len, "http://127.0.0.1:%d", server.port);
	return buf;
}

/* Fills the store through the core, as a previous session would have. */
static void prefill_store(void)
{
	char url[64];
	struct tc_service_options so = {
	    .data_dir = data_dir,
	    .api_url = api_url(url, sizeof(url)),
	    .token = TOKEN,
	};
	struct tc_service *svc = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_open(&so, &svc, &err), TC_OK, "%s", err.message);
	struct tc_sync_report rep;
	cr_assert_eq(tc_service_sync(svc, TC_SYNC_ALL, &rep, &err), TC_OK, "%s", err.message);
	tc_service_close(svc);
	tc_error_clear(&err);
}

enum run_flags {
	RUN_ONLINE = 1 << 0,
	RUN_NO_COLOR = 1 << 1,
	RUN_C_LOCALE = 1 << 2, /* LANG=C: no UTF-8 */
	RUN_JOB = 1 << 3,      /* under a job-control shell: Ctrl-Z stops it */
	RUN_SCREEN = 1 << 4,   /* TERM=screen: Home is ESC [ 1 ~, F1 ESC O P */
	RUN_VT100 = 1 << 5,    /* TERM=vt100: no Home or End, F5 is ESC O t */
};

static struct vtd *run_args(int rows, int cols, unsigned flags, const char *arg)
{
	static char env_buf[16][PATH_MAX + 32];
	char *env[24];
	size_t n = 0;
	snprintf(env_buf[n], sizeof(env_buf[n]), "HOME=%s", root);
	env[n] = env_buf[n], n++;
	snprintf(env_buf[n], sizeof(env_buf[n]), "XDG_CONFIG_HOME=%s/config", root);
	env[n] = env_buf[n], n++;
	snprintf(env_buf[n], sizeof(env_buf[n]), "XDG_DATA_HOME=%s/share", root);
	env[n] = env_buf[n], n++;
	snprintf(env_buf[n], sizeof(env_buf[n]), "TRUNKCTL_DATA_DIR=%s", data_dir);
	env[n] = env_buf[n], n++;
	if (flags & RUN_ONLINE) {
		char url[64];
		snprintf(env_buf[n], sizeof(env_buf[n]), "TRUNKCTL_API_URL=%s",
		         api_url(url, sizeof(url)));
		env[n] = env_buf[n], n++;
		snprintf(env_buf[n], sizeof(env_buf[n]), "TRUNKCTL_API_TOKEN=%s", TOKEN);
		env[n] = env_buf[n], n++;
	}
	if (flags & RUN_NO_COLOR) {
		snprintf(env_buf[n], sizeof(env_buf[n]), "NO_COLOR=1");
		env[n] = env_buf[n], n++;
	}
	/*
	 * Sanitizer settings reach the program, so its own leaks and UB fail the
	 * test; EDITOR, for the tests that script the editor.
	 */
	const char *const pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "EDITOR"};
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		if (getenv(pass[i])) {
			snprintf(env_buf[n], sizeof(env_buf[n]), "%s=%s", pass[i], getenv(pass[i]));
			env[n] = env_buf[n], n++;
		}
	env[n++] = (flags & RUN_SCREEN)  ? "TERM=screen"
	           : (flags & RUN_VT100) ? "TERM=vt100"
	                                 : "TERM=xterm-256color";
	env[n++] = (flags & RUN_C_LOCALE) ? "LANG=C" : "LANG=C.UTF-8";
	env[n++] = "TZ=UTC";
	env[n++] = "TRUNKCTL_TEST_HOOKS=1";
	env[n] = NULL;
	char *argv[] = {TRUNKCTL_BIN, (char *)arg, NULL};
	struct vtd *t = (flags & RUN_JOB) ? vtd_spawn_job(rows, cols, argv, env)
	                                  : vtd_spawn(rows, cols, argv, env);
	cr_assert_not_null(t);
	cr_assert(vtd_wait_idle(t, 1, WAIT_MS), "no first paint");
	return t;
}

static struct vtd *run(int rows, int cols, unsigned flags)
{
	return run_args(rows, cols, flags, NULL);
}

static void keys(struct vtd *t, const char *k)
{
	const char *one[] = {k};
	cr_assert(vtd_keys(t, WAIT_MS, one, 1), "key %s not processed", k);
}

/* Types printable ASCII, one repaint per character. */
static void type(struct vtd *t, const char *text)
{
	unsigned want = vtd_idle(t) + (unsigned)strlen(text);
	vtd_send(t, text);
	cr_assert(vtd_wait_idle(t, want, WAIT_MS), "typing \"%s\" not processed", text);
}

static void wait_text(struct vtd *t, const char *text, int ms)
{
	if (!vtd_wait_text(t, text, ms)) {
		char *s = vtd_screen(t);
		cr_assert_fail("\"%s\" never showed; the screen was:\n%s", text, s);
	}
}

static void quit(struct vtd *t)
{
	vtd_send(t, "Q");
	int status = vtd_close(t, WAIT_MS);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d", status);
	cr_expect(vtd_output_has(t, "\033[?1049l"), "the alternate screen was not left");
	vtd_free(t);
}

/* quit() for TERM=vt100, which has no alternate screen for quit() to check. */
static void quit_vt100(struct vtd *t)
{
	vtd_send(t, "Q");
	int status = vtd_close(t, WAIT_MS);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d", status);
	vtd_free(t);
}

/*
 * What varies from run to run leaves the goldens: the fake API's port and
 * the age of the last sync. The header's spacing follows their widths, so
 * its runs of spaces are squeezed too.
 */
static void normalise(char *s)
{
	char *p;
	for (p = s; (p = strstr(p, "synced ")) != NULL;) {
		p += 7;
		char *q = p;
		if (*q == '<')
			q++;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p && (*q == 's' || *q == 'm') && strncmp(q + 1, " ago", 4) == 0) {
			*p = 'N';
			memmove(p + 1, q, strlen(q) + 1);
		}
	}
	for (p = s; (p = strstr(p, "127.0.0.1:")) != NULL;) {
		p += 10;
		char *q = p;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > p) {
			memmove(p + 4, q, strlen(q) + 1);
			memcpy(p, "PORT", 4);
		}
	}
	/* Server ids depend on the fake's generator; the layout does not. */
	for (p = s; *p; p++) {
		static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
		size_t k = 0;
		while (shape[k] && (shape[k] == '-' ? p[k] == '-' : isxdigit((unsigned char)p[k])))
			k++;
		if (!shape[k]) {
			memcpy(p, shape, k);
			p += k - 1;
		}
	}
	size_t end = strcspn(s, "\n");
	for (size_t i = 0; i + 2 < end;) {
		if (s[i] == ' ' && s[i + 1] == ' ' && s[i + 2] == ' ') {
			memmove(s + i + 2, s + i + 3, strlen(s + i + 3) + 1);
			end--;
		} else {
			i++;
		}
	}
}

static void golden(struct vtd *t, const char *name)
{
	/* the lint's markers come after a paint, from a thread: the screen is taken with them */
	cr_assert(vtd_wait_lint(t, WAIT_MS), "the lint never finished");
	vtd_drain(t);
	char *screen = vtd_screen(t);
	cr_assert_not_null(screen);
	normalise(screen);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s.txt", GOLDEN_DIR, name);
	const char *update = getenv("TRUNKCTL_UPDATE_GOLDEN");
	if (update && strcmp(update, "1") == 0) {
		FILE *f = fopen(path, "w");
		cr_assert_not_null(f, "cannot write %s", path);
		fputs(screen, f);
		fclose(f);
		free(screen);
		return;
	}
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "golden %s is missing (run with TRUNKCTL_UPDATE_GOLDEN=1)", path);
	char want[16384];
	size_t n = fread(want, 1, sizeof(want) - 1, f);
	want[n] = '\0';
	fclose(f);
	cr_expect_str_eq(screen, want, "screen differs from %s.txt; it was:\n%s", name, screen);
	free(screen);
}

static int find_row(struct vtd *t, const char *needle)
{
	char row[1024];
	for (int r = 0; r < 60; r++) {
		vtd_row(t, r, row, sizeof(row));
		if (strstr(row, needle))
			return r;
	}
	return -1;
}

static int count_rows(struct vtd *t, const char *needle)
{
	char row[1024];
	int n = 0;
	for (int r = 0; r < 60; r++) {
		vtd_row(t, r, row, sizeof(row));
		n += strstr(row, needle) != NULL;
	}
	return n;
}

static void online_with_samples(int samples)
{
	char n[16];
	snprintf(n, sizeof(n), "%d", samples);
	const char *extra[] = {"--sample", n, NULL};
	cr_assert(fake_start(&server, 0, extra), "the fake API did not start");
}

/* The TUI on the fake with its samples, once the first sync is done. */
static struct vtd *run_online_with_samples(int samples)
{
	online_with_samples(samples);
	struct vtd *t = run(24, 80, RUN_ONLINE);
	wait_text(t, "Synced:", SYNC_MS);
	return t;
}

/* The store holds the fake's samples, then the TUI starts with no server configured. */
static struct vtd *run_offline_with_samples_as(int samples, unsigned flags)
{
	online_with_samples(samples);
	prefill_store();
	fake_stop(&server);
	return run(24, 80, flags);
}

static struct vtd *run_offline_with_samples(int samples)
{
	return run_offline_with_samples_as(samples, 0);
}

/* Finds the row showing name, which must be on screen, and copies its text. */
static int row_of(struct vtd *t, const char *name, char *row, size_t len)
{
	int r = find_row(t, name);
	cr_assert_geq(r, 0, "no row shows \"%s\"", name);
	vtd_row(t, r, row, len);
	return r;
}

/* Saves the form (F2), waits until the save is synced and copies the trunk's row. */
static void save_and_sync(struct vtd *t, const char *name, char *row, size_t len)
{
	char saved[128];
	snprintf(saved, sizeof(saved), "Saved %s", name);
	keys(t, K_F2);
	wait_text(t, saved, WAIT_MS);
	wait_text(t, "0 queued", SYNC_MS);
	row_of(t, name, row, len);
}

/* ---- scenarios ---- */

Test(e2e, first_paint_comes_from_the_store)
{
	struct vtd *t = run_offline_with_samples(6);
	/* The very first repaint already lists the stored trunks. */
	cr_expect(vtd_has_text(t, "Sample trunk 1"));
	cr_expect(vtd_has_text(t, "Sample trunk 6"));
	golden(t, "list");
	quit(t);
}

/*
 * A move repaints only the row the selection left and the one it reached:
 * the screen is the full paint's, one highlight, every row's text in place,
 * and a redraw of the whole screen (Ctrl-L) changes nothing.
 */
Test(e2e, moves_repaint_the_selection_rows_alone)
{
	struct vtd *t = run_offline_with_samples(6);
	int first = find_row(t, "Sample trunk 1 ");
	cr_assert_geq(first, 0);
	int sel_bg = vtd_bg(t, first, 0);
	cr_assert_neq(sel_bg, -1, "the first row starts selected");
	const char *moves[] = {"j", "j", "j", "k", K_DOWN, K_UP, K_UP};
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		keys(t, moves[i]);
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 6; i++)
			cr_expect_eq(vtd_bg(t, first + i, 0), i == 1 ? sel_bg : -1,
			             "row %d after the moves%s", i + 1, k ? " and a redraw" : "");
		golden(t, "list");
		keys(t, "\014");
	}
	quit(t);
}

Test(e2e, filter_narrows_as_you_type_with_smart_case)
{
	struct vtd *t = run_offline_with_samples(12);
	keys(t, "/");
	type(t, "trunk 1");
	cr_expect(vtd_has_text(t, "Sample trunk 10"));
	cr_expect(vtd_has_text(t, "Sample trunk 12"));
	cr_expect(!vtd_has_text(t, "Sample trunk 2 "), "trunk 2 should be filtered out");
	cr_expect(vtd_has_text(t, "4 matches"));
	golden(t, "list-filter");
	/* A capital letter makes the filter case-sensitive. */
	keys(t, K_ESC);
	keys(t, "/");
	type(t, "SAMPLE");
	cr_expect(vtd_has_text(t, "0 matches"));
	keys(t, K_ENTER);
	quit(t);
}

Test(e2e, names_sort_naturally)
{
	struct vtd *t = run_offline_with_samples(12);
	/* the names start after the lint's markers (every sample has one), once they are there */
	cr_assert(vtd_wait_lint(t, WAIT_MS));
	char row[128];
	vtd_row(t, 2, row, sizeof(row));
	cr_expect(strncmp(row + 2, "Sample trunk 1 ", 15) == 0, "first row: %s", row);
	vtd_row(t, 3, row, sizeof(row));
	cr_expect(strncmp(row + 2, "Sample trunk 2 ", 15) == 0, "trunk 2 before trunk 10: %s", row);
	vtd_row(t, 11, row, sizeof(row));
	cr_expect(strncmp(row + 2, "Sample trunk 10 ", 16) == 0, "tenth row: %s", row);
	quit(t);
}

Test(e2e, filter_language_in_the_prompt_and_its_errors_on_the_filter_line)
{
	/* of the 12 samples, 1, 7 and 10 are ip_address */
	struct vtd *t = run_offline_with_samples(12);
	keys(t, "/");
	type(t, "mode:ip !/~1$");
	cr_expect(vtd_has_text(t, "2 matches"), "7 and 10 are ip_address and do not end in 1");
	cr_expect(vtd_has_text(t, "Sample trunk 7"));
	cr_expect(vtd_has_text(t, "Sample trunk 10"));
	cr_expect(!vtd_has_text(t, "Sample trunk 1 "));
	keys(t, K_ESC);
	keys(t, "/");
	type(t, "name:~[");
	cr_expect(vtd_has_text(t, "position 1: bad regular expression"),
	          "a bad filter is said on the filter line");
	cr_expect(vtd_has_text(t, "Filter: name:~["));
	keys(t, K_ESC);
	cr_expect(vtd_has_text(t, "Sample trunk 12"), "Esc clears the bad filter");
	quit(t);
}

Test(e2e, sort_by_column_and_reverse)
{
	struct vtd *t = run_offline_with_samples(6);
	keys(t, "S"); /* reverse: by name, descending */
	int r6 = find_row(t, "Sample trunk 6"), r1 = find_row(t, "Sample trunk 1");
	cr_expect(r6 >= 0 && r1 >= 0 && r6 < r1, "descending order: 6 before 1");
	keys(t, "S");
	keys(t, "s"); /* by mode: client < ip < register as stored names sort */
	int ip = find_row(t, "Sample trunk 1 "), cc = find_row(t, "Sample trunk 2 ");
	cr_expect(cc >= 0 && ip >= 0 && cc < ip, "client_credentials sorts before ip_address");
	cr_expect(vtd_has_text(t, "Sorted by Mode."));
	quit(t);
}

Test(e2e, detail_masks_the_password_until_revealed)
{
	struct vtd *t = run_offline_with_samples(3);
	keys(t, K_DOWN); /* Sample trunk 2: client_credentials */
	keys(t, K_ENTER);
	wait_text(t, "Trunk Sample trunk 2", WAIT_MS);
	golden(t, "detail");
	keys(t, K_END);
	cr_expect(vtd_has_text(t, "Credentials"));
	cr_expect(vtd_has_text(t, "********"));
	keys(t, "v");
	cr_expect(!vtd_has_text(t, "********"), "v reveals the password");
	keys(t, "q");
	cr_expect(vtd_has_text(t, "Inbound IPs"), "q goes back to the list");
	quit(t);
}

Test(e2e, h_and_left_go_back_but_never_quit)
{
	struct vtd *t = run_offline_with_samples(3);
	keys(t, K_ENTER);
	wait_text(t, "Trunk Sample trunk 1", WAIT_MS);
	keys(t, "h");
	cr_expect(vtd_has_text(t, "Inbound IPs"), "h goes back to the list");
	keys(t, K_RIGHT);
	wait_text(t, "Trunk Sample trunk 1", WAIT_MS);
	keys(t, K_LEFT);
	cr_expect(vtd_has_text(t, "Inbound IPs"), "Left goes back to the list");
	/* On the list there is nothing to go back to: the session goes on. */
	keys(t, "h");
	keys(t, K_LEFT);
	cr_expect(vtd_has_text(t, "Sample trunk 3"));
	/* In a form, Left belongs to the field. */
	keys(t, "e");
	wait_text(t, "F2 save", WAIT_MS);
	keys(t, "h");
	keys(t, K_LEFT);
	cr_expect(vtd_has_text(t, "F2 save"), "the form stays open");
	keys(t, K_ESC);
	if (vtd_has_text(t, "Discard your changes?"))
		keys(t, "y");
	quit(t);
}

Test(e2e, the_footer_speaks_words_and_can_be_hidden)
{
	struct vtd *t = run_offline_with_samples(30);
	char *s = vtd_screen(t);
	cr_expect(strstr(s, "a new  e edit  d delete"), "footer: %s", s);
	free(s);
	cr_expect_eq(find_row(t, "? help"), 23, "the footer is the last row");
	int shown = count_rows(t, "Sample trunk");
	keys(t, "\006"); /* C-f */
	cr_expect(!vtd_has_text(t, "? help"), "the footer is hidden");
	cr_expect_eq(count_rows(t, "Sample trunk"), shown + 1, "the list takes the row back");
	keys(t, "\006");
	cr_expect(vtd_has_text(t, "? help"), "C-f shows it again");
	quit(t);
}

Test(e2e, a_read_only_session_is_not_offered_changes)
{
	online_with_samples(3);
	prefill_store();
	fake_stop(&server);
	struct vtd *t = run_args(24, 80, 0, "--read-only");
	cr_expect(vtd_has_text(t, "? help  Enter open  / filter"));
	cr_expect(!vtd_has_text(t, "a new"), "no create in the footer");
	cr_expect(!vtd_has_text(t, "e edit"), "no edit in the footer");
	cr_expect(!vtd_has_text(t, "d delete"), "no delete in the footer");
	keys(t, K_ENTER);
	wait_text(t, "Trunk Sample trunk 1", WAIT_MS);
	cr_expect(!vtd_has_text(t, "e edit"), "no edit on the detail either");
	cr_expect(vtd_has_text(t, "v password"));
	keys(t, "d");
	cr_expect(vtd_has_text(t, "Read-only (set by --read-only): trunks cannot be deleted."),
	          "the refusal says where read-only came from");
	quit(t);
}

Test(e2e, sync_says_why_nothing_was_sent)
{
	struct vtd *t = run_offline_with_samples(2);
	keys(t, K_F5);
	char *screen = vtd_screen(t);
	cr_expect(
	    strstr(screen, "No Carrier API URL is configured for profile default: set api_url"),
	    "with no API URL, F5 says how to set one: %s", screen);
	free(screen);
	quit(t);
	online_with_samples(2);
	t = run_args(24, 80, RUN_ONLINE, "--offline");
	keys(t, K_F5);
	cr_expect(vtd_has_text(t, "Working offline (set by --offline)"),
	          "under --offline with an API configured, F5 does not claim there is none");
	quit(t);
}

Test(e2e, colon_commands_take_arguments)
{
	struct vtd *t = run_offline_with_samples(12);
	keys(t, ":");
	type(t, "filter trunk 1");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "4 matches"), ":filter sets the filter");
	cr_expect(!vtd_has_text(t, "Sample trunk 2 "));
	keys(t, K_ESC); /* clears it */
	keys(t, ":");
	type(t, "sort max_channels desc");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "Sorted by Ch, descending."));
	keys(t, ":");
	type(t, "sort colour");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "\"colour\" is not a column"));
	keys(t, ":");
	type(t, "sort name sideways");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "The order is asc or desc, not \"sideways\"."));
	keys(t, ":");
	type(t, "profile");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "Profile default: no Carrier API configured"));
	keys(t, ":");
	type(t, "help me");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, ":help takes no argument."));
	keys(t, K_ENTER); /* the detail of the first trunk */
	keys(t, ":");
	type(t, "filter x");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "filter works on the Trunk list screen only."));
	quit(t);
}

Test(e2e, the_header_never_shows_a_cut_host_as_a_whole_one)
{
	online_with_samples(2);
	char url[64], host[64], row[512];
	api_url(url, sizeof(url));
	snprintf(host, sizeof(host), "%s", url + strlen("http://"));
	int widths[] = {80, 60, 50};
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		struct vtd *t = run(24, widths[i], RUN_ONLINE);
		wait_text(t, "Synced:", SYNC_MS);
		vtd_row(t, 0, row, sizeof(row));
		/* Whole, or visibly cut: never "127.0.0.1:4" passing for a host. */
		cr_expect(strstr(row, host) || strstr(row, "\xe2\x80\xa6"),
		          "%d columns: a cut host without an ellipsis: %s", widths[i], row);
		cr_expect(strstr(row, "0 queued"), "%d columns: %s", widths[i], row);
		quit(t);
	}
}

/* A create saved by an earlier offline session, never pushed, with "key=value" assignments. */
static void create_offline_with(const char *name, const char *const *sets)
{
	struct tc_service_options so = {.data_dir = data_dir};
	struct tc_service *svc = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_open(&so, &svc, &err), TC_OK, "%s", err.message);
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_not_null(t);
	tc_trunk_set_string(t, TC_F_NAME, name);
	tc_trunk_set_string(t, TC_F_REGION, "hydrogen");
	tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "ip_address");
	for (size_t i = 0; sets[i]; i++)
		cr_assert_eq(tc_trunk_assign(t, sets[i], &err), TC_OK, "%s: %s", sets[i],
		             err.message);
	char *id = NULL;
	cr_assert_eq(tc_service_create(svc, t, &id, &err), TC_OK, "%s", err.message);
	free(id);
	tc_trunk_destroy(t);
	tc_service_close(svc);
	tc_error_clear(&err);
}

static void create_offline(const char *name)
{
	create_offline_with(name, (const char *const[]){NULL});
}

Test(e2e, names_get_their_width_and_cut_values_say_so)
{
	online_with_samples(3);
	prefill_store();
	fake_stop(&server);
	create_offline("Sample trunk 1 backup");
	struct vtd *t = run(24, 80, 0);
	/* the names start after the lint's markers, once they are there */
	cr_assert(vtd_wait_lint(t, WAIT_MS));
	char a[256], b[256];
	row_of(t, "Sample trunk 1 ", a, sizeof(a));
	row_of(t, "Sample trunk 1 backup", b, sizeof(b));
	cr_expect(strncmp(a + 2, "Sample trunk 1 ", 15) == 0 &&
	              strncmp(b + 2, "Sample trunk 1 backup", 21) == 0,
	          "the whole names, told apart:\n%s\n%s", a, b);
	golden(t, "list-long-name");
	quit(t);

	/* At the documented minimum, columns are left out whole, never run together. */
	t = run(12, 50, 0);
	golden(t, "list-50x12");
	char row[256];
	for (int r = 2; r < 10; r++) {
		vtd_row(t, r, row, sizeof(row));
		const char *name = strstr(row, "Sample trunk ");
		if (!name)
			continue;
		size_t n = strlen("Sample trunk 1 backup");
		cr_expect(strlen(name) <= n || name[n] == ' ' ||
		              strncmp(name + n - 3, "\xe2\x80\xa6", 3) == 0,
		          "a name runs into the next column: %s", row);
	}
	quit(t);
}

/* Opens the trunk named name from the list, where the first row is "Never pushed". */
static void open_row(struct vtd *t, const char *name)
{
	int r = find_row(t, name), first = find_row(t, "Never pushed");
	cr_assert(r > 0 && first > 0 && r >= first, "%s not listed", name);
	keys(t, K_HOME);
	for (int i = first; i < r; i++)
		keys(t, K_DOWN);
	keys(t, K_ENTER);
}

Test(e2e, raw_shows_the_servers_document_or_says_there_is_none)
{
	online_with_samples(3);
	prefill_store();
	fake_stop(&server);
	create_offline("Never pushed");
	struct vtd *t = run(24, 80, 0);
	open_row(t, "Sample trunk 2");
	wait_text(t, "Trunk Sample trunk 2", WAIT_MS);
	keys(t, "r");
	wait_text(t, "JSON:API document", WAIT_MS);
	cr_expect(vtd_has_text(t, "\"type\": \"sip_trunk\""));
	cr_expect(vtd_has_text(t, "\"table\":"), "region as the server renders it");
	golden(t, "detail-raw");
	keys(t, K_END);
	cr_expect(vtd_has_text(t, "\"password\": \"********\""), "masked, as on the fields");
	cr_expect(!vtd_has_text(t, "\"type\": \"sip_trunk\""), "End scrolled the document");
	keys(t, "v");
	cr_expect(!vtd_has_text(t, "********"), "v reveals the password here too");
	keys(t, "r");
	cr_expect(vtd_has_text(t, "Identity"), "r goes back to the fields");
	keys(t, "q");

	open_row(t, "Never pushed");
	wait_text(t, "Trunk Never pushed", WAIT_MS);
	keys(t, "r");
	cr_expect(vtd_has_text(t, "No server document"), "a create not pushed has none");
	quit(t);
}

Test(e2e, create_an_ip_address_trunk_and_sync_it)
{
	struct vtd *t = run_online_with_samples(2);
	keys(t, "a");
	wait_text(t, "New trunk", WAIT_MS);
	type(t, "Office PBX");
	/* name -> mode -> region -> max channels */
	keys(t, K_TAB);
	keys(t, K_TAB);
	keys(t, K_TAB);
	type(t, "30");
	keys(t, K_TAB); /* inbound country */
	type(t, "kh");
	keys(t, K_TAB); /* inbound IPs: the add row */
	type(t, "203.0.113.7");
	golden(t, "form-create");
	char row[256];
	save_and_sync(t, "Office PBX", row, sizeof(row));
	cr_expect(strstr(row, "synced") && strstr(row, "203.0.113.7") && strstr(row, "30"),
	          "row: %s", row);
	quit(t);
}

Test(e2e, the_form_shows_live_what_the_platform_would_do_with_the_trunk)
{
	struct vtd *t = run_online_with_samples(2);
	keys(t, "a");
	wait_text(t, "New trunk", WAIT_MS);
	type(t, "Second PBX");
	keys(t, K_TAB);
	keys(t, K_TAB);
	keys(t, K_TAB);
	keys(t, K_TAB);
	keys(t, K_TAB); /* inbound IPs: the add row */
	/* An IP another trunk holds: this trunk would never receive its calls. */
	type(t, "198.51.0.1");
	wait_text(t, "198.51.0.1 is already on Sample trunk 1, created earlier", WAIT_MS);
	keys(t, K_BS);
	type(t, "9");
	wait_text(t, "A call to ", WAIT_MS);
	cr_expect(vtd_has_text(t, "cannot dial out (no outbound host)"),
	          "an ip_address trunk without a host says it cannot dial out");
	keys(t, K_ESC);
	wait_text(t, "Discard your changes?", WAIT_MS);
	keys(t, "y");
	quit(t);
}

/* Sample trunks 1 and 2 (the ones marked) show channels in the list; trunk 3 does not. */
static void expect_channels_on_first_two(struct vtd *t, int channels)
{
	char row[256], cell[16];
	snprintf(cell, sizeof(cell), " %d ", channels);
	for (int i = 1; i <= 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "Sample trunk %d", i);
		row_of(t, name, row, sizeof(row));
		cr_expect(!!strstr(row, cell) == (i < 3), "%s: %s",
		          i < 3 ? "marked, changed" : "unmarked, unchanged", row);
	}
}

Test(e2e, e_in_capitals_edits_the_trunk_in_the_editor_and_restores_the_screen)
{
	char dir[] = "/tmp/trunkctl-e2e-editor-XXXXXX", script[96];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/editor", dir);
	FILE *f = fopen(script, "w");
	cr_assert_not_null(f);
	fputs("#!/bin/sh\nsed -i 's/^  max_channels: .*/  max_channels: 17/' \"$1\"\n", f);
	fclose(f);
	chmod(script, 0700);
	setenv("EDITOR", script, 1);
	struct vtd *t = run_online_with_samples(2);
	unsetenv("EDITOR");
	keys(t, "E");
	wait_text(t, "Saved max_channels", WAIT_MS);
	wait_text(t, "0 queued", SYNC_MS);
	char row[256];
	row_of(t, "Sample trunk 1", row, sizeof(row));
	cr_expect(strstr(row, " 17 "), "the editor's value is in the list: %s", row);
	cr_expect(vtd_has_text(t, "Name"), "the screen came back whole");
	quit(t);
	unlink(script);
	rmdir(dir);
}

Test(e2e, e_in_capitals_with_marks_edits_every_marked_trunk_in_one_file)
{
	char dir[] = "/tmp/trunkctl-e2e-editor-XXXXXX", script[96], second[96];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/editor", dir);
	snprintf(second, sizeof(second), "%s/second.yaml", dir);
	/* A first round with a value the server refuses, a second that fixes it. */
	FILE *f = fopen(script, "w");
	cr_assert_not_null(f);
	fprintf(f,
	        "#!/bin/sh\n"
	        "if grep -q '^# error: ' \"$1\"; then\n"
	        "  cp \"$1\" %s\n"
	        "  sed -i 's/^  max_channels: .*/  max_channels: 23/' \"$1\"\n"
	        "else\n"
	        "  sed -i 's/^  max_channels: .*/  max_channels: -3/' \"$1\"\n"
	        "fi\n",
	        second);
	fclose(f);
	chmod(script, 0700);
	setenv("EDITOR", script, 1);
	struct vtd *t = run_online_with_samples(3);
	unsetenv("EDITOR");
	keys(t, " ");
	keys(t, " ");
	wait_text(t, "2 marked", WAIT_MS);
	keys(t, "E");
	wait_text(t, "Saved 2 of 2 trunks from the file", WAIT_MS);
	wait_text(t, "0 queued", SYNC_MS);
	keys(t, "u");
	expect_channels_on_first_two(t, 23);
	quit(t);
	char text[16384] = "";
	f = fopen(second, "r");
	cr_assert_not_null(f, "the editor was opened a second time, with the errors");
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	cr_expect(strstr(text, "# error: Sample trunk 1: max_channels: "),
	          "each error names its trunk and field:\n%s", text);
	cr_expect(strstr(text, "# error: Sample trunk 2: max_channels: "), "%s", text);
	cr_expect(strstr(text, "- id: "), "the trunks are a list, each with its id");
	unlink(second);
	unlink(script);
	rmdir(dir);
}

Test(e2e, outbound_registration_is_refused_until_fixed)
{
	struct vtd *t = run_online_with_samples(1);
	keys(t, "a");
	type(t, "Registrar");
	keys(t, K_TAB);
	keys(t, K_RIGHT); /* client_credentials */
	keys(t, K_RIGHT); /* outbound_registration */
	cr_expect(vtd_has_text(t, "outbound_registration"));
	keys(t, K_END);
	cr_expect(vtd_has_text(t, "Password"), "registration fields appear with the mode");
	keys(t, K_HOME);
	/* To the inbound IPs: mode, region, channels, country, IPs. */
	for (int i = 0; i < 5; i++)
		keys(t, K_TAB);
	type(t, "10.0.0.300");
	cr_expect(vtd_has_text(t, "contains invalid IP address: 10.0.0.300"));
	keys(t, K_F2);
	wait_text(t, "Not saved", WAIT_MS);
	cr_expect(vtd_has_text(t, "is required for outbound_registration mode"));
	golden(t, "form-errors");
	/* Saving moved the cursor to the first error; fix them in place. */
	cr_expect(vtd_has_text(t, "Not saved: 4 fields need fixing first."));
	keys(t, K_HOME);
	for (int i = 0; i < 5; i++) /* name, mode, region, channels, country -> IPs */
		keys(t, K_TAB);
	for (int i = 0; i < 3; i++)
		keys(t, K_BS);
	type(t, "30");
	cr_expect(!vtd_has_text(t, "contains invalid IP address"));
	keys(t, K_TAB); /* the add row */
	keys(t, K_TAB); /* default sender */
	keys(t, K_TAB); /* outbound host */
	type(t, "sip.example.net");
	for (int i = 0; i < 7;
	     i++) /* dial prefix, national, plus, routes(add), proxy, auth, user */
		keys(t, K_TAB);
	type(t, "reg-user");
	keys(t, K_TAB);
	type(t, "s3cret-pass");
	cr_expect(vtd_has_text(t, "***********"), "the password is masked as typed");
	char row[256];
	save_and_sync(t, "Registrar", row, sizeof(row));
	cr_expect(strstr(row, "register") && strstr(row, "synced"), "row: %s", row);
	quit(t);
}

Test(e2e, edit_a_trunk)
{
	struct vtd *t = run_online_with_samples(3);
	keys(t, "e");
	wait_text(t, "Edit trunk Sample trunk 1", WAIT_MS);
	keys(t, "\025"); /* C-u clears the field */
	type(t, "Renamed one");
	keys(t, K_TAB);
	keys(t, K_TAB);
	keys(t, K_TAB);
	keys(t, "\025");
	type(t, "45");
	golden(t, "form-edit");
	char row[256];
	save_and_sync(t, "Renamed one", row, sizeof(row));
	cr_expect(strstr(row, "45") && strstr(row, "synced"), "row: %s", row);
	quit(t);
}

Test(e2e, every_delete_says_what_it_does_and_wants_the_name)
{
	struct vtd *t = run_online_with_samples(3);
	/* An ip_address trunk: what stops working, then the name typed back. */
	keys(t, "d");
	wait_text(t, "Delete trunk \"Sample trunk 1\"?", WAIT_MS);
	cr_expect(vtd_has_text(t, "no longer reach it"), "the inbound IPs are named");
	cr_expect(vtd_has_text(t, "Type the name to confirm"));
	keys(t, "y");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "The name does not match"), "y alone deletes nothing");
	keys(t, K_ESC);
	cr_expect(vtd_has_text(t, "Sample trunk 1"));
	/* A client_credentials trunk: the credentials stop working. */
	keys(t, K_DOWN);
	keys(t, "d");
	wait_text(t, "Type the name to confirm", WAIT_MS);
	cr_expect(vtd_has_text(t, "Its SIP credentials stop working"));
	golden(t, "confirm-delete");
	type(t, "Sample");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "The name does not match"));
	type(t, " trunk 2");
	keys(t, K_ENTER);
	wait_text(t, "Deleted here", WAIT_MS);
	wait_text(t, "0 queued", SYNC_MS);
	cr_expect(!vtd_has_text(t, "Sample trunk 2"), "the deleted trunk is gone after the sync");
	keys(t, "L");
	wait_text(t, "DELETE", WAIT_MS);
	quit(t);
}

Test(e2e, marked_trunks_are_counted_and_deleted_together)
{
	struct vtd *t = run_online_with_samples(4);
	/* Space marks and moves down, so two presses mark two rows. */
	keys(t, " ");
	keys(t, " ");
	wait_text(t, "2 marked", WAIT_MS);
	char row[256];
	row_of(t, "Sample trunk 1", row, sizeof(row));
	cr_expect(row[0] == '*', "a marked row shows its mark: %s", row);
	row_of(t, "Sample trunk 3", row, sizeof(row));
	cr_expect(row[0] == ' ', "an unmarked row shows none: %s", row);
	cr_expect(vtd_has_text(t, "2 marked"), "the count of marks is on the screen");
	/* With marks, e edits them all, never quietly one of them. */
	keys(t, "e");
	wait_text(t, "Edit 2 marked trunks", WAIT_MS);
	keys(t, K_ESC);
	/* u clears, * marks every trunk the filter shows, not only the screen's. */
	keys(t, "u");
	wait_text(t, "Cleared 2 marks", WAIT_MS);
	cr_expect(!vtd_has_text(t, "marked"));
	keys(t, "/");
	type(t, "trunk 4");
	keys(t, K_ENTER);
	keys(t, "*");
	wait_text(t, "1 match, 1 marked", WAIT_MS);
	keys(t, K_ESC);
	keys(t, "g");
	keys(t, " ");
	wait_text(t, "2 marked", WAIT_MS);
	/* Delete lists them and wants their number typed back. */
	keys(t, "d");
	wait_text(t, "Delete 2 marked trunks?", WAIT_MS);
	cr_expect(vtd_has_text(t, "\"Sample trunk 1\""), "the marked trunks are named");
	cr_expect(vtd_has_text(t, "Type the number of trunks to confirm"));
	type(t, "3");
	keys(t, K_ENTER);
	wait_text(t, "The number of trunks does not match", WAIT_MS);
	keys(t, K_BS);
	type(t, "2");
	keys(t, K_ENTER);
	wait_text(t, "Deleted 2 trunks here", WAIT_MS);
	wait_text(t, "0 queued", SYNC_MS);
	cr_expect(!vtd_has_text(t, "Sample trunk 1"), "marked trunk 1 is gone");
	cr_expect(!vtd_has_text(t, "Sample trunk 4"), "marked trunk 4 is gone");
	cr_expect(vtd_has_text(t, "Sample trunk 2"), "unmarked trunks stay");
	cr_expect(!vtd_has_text(t, "marked"), "the marks went with their trunks");
	quit(t);
}

Test(e2e, one_edit_for_every_marked_trunk)
{
	struct vtd *t = run_online_with_samples(3);
	keys(t, " ");
	keys(t, " ");
	wait_text(t, "2 marked", WAIT_MS);
	keys(t, "e");
	wait_text(t, "Edit 2 marked trunks", WAIT_MS);
	cr_expect(vtd_has_text(t, "(mixed)"), "values the trunks do not share say so");
	golden(t, "bulk-form");
	/* Max channels: a value that fails names the trunks it fails for. */
	keys(t, K_TAB);
	type(t, "-1");
	wait_text(t, "invalid for", WAIT_MS);
	cr_expect(vtd_has_text(t, "invalid for \"Sample trunk"), "the trunks are named");
	keys(t, K_F2);
	wait_text(t, "Not saved", WAIT_MS);
	keys(t, "\025");
	type(t, "42");
	keys(t, K_F2);
	wait_text(t, "Saved 2 of 2 marked trunks", WAIT_MS);
	wait_text(t, "0 queued", SYNC_MS);
	keys(t, "u");
	expect_channels_on_first_two(t, 42);
	keys(t, "L");
	wait_text(t, "PATCH", WAIT_MS);
	quit(t);
}

Test(e2e, a_running_sync_shows_its_progress_and_stops_on_a_key)
{
	/* The first two requests are never answered: each sync waits until stopped. */
	const char *extra[] = {"--sample", "2", "--fault", "hang=2", NULL};
	cr_assert(fake_start(&server, 0, extra), "the fake API did not start");
	struct vtd *t = run(24, 80, RUN_ONLINE);
	wait_text(t, "Syncing", WAIT_MS);
	cr_expect(vtd_has_text(t, "C-x stops it"), "the progress says how to stop it");
	keys(t, "\030");
	wait_text(t, "Sync stopped", SYNC_MS);
	keys(t, "\030");
	wait_text(t, "No sync is running", WAIT_MS);
	/* Ctrl-C during a sync asks first and no keeps the TUI; Q means it. */
	keys(t, K_F5);
	wait_text(t, "Syncing", WAIT_MS);
	keys(t, "\003");
	wait_text(t, "A sync is running. Quit anyway?", WAIT_MS);
	keys(t, "n");
	wait_text(t, "No trunks yet", WAIT_MS);
	cr_expect(!vtd_has_text(t, "Quit anyway"), "no keeps the TUI");
	vtd_send(t, "Q");
	int status = vtd_close(t, WAIT_MS);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d", status);
	vtd_free(t);
}

Test(e2e, the_routing_screen_shows_where_calls_go_and_tests_a_number)
{
	struct vtd *t = run_online_with_samples(3);
	keys(t, "R");
	wait_text(t, "Routing: what the platform does", WAIT_MS);
	/* the lint thread reads the trunks: the lines come a moment after the screen */
	wait_text(t, "ambiguous-fallback", WAIT_MS);
	golden(t, "routing");
	keys(t, "t");
	type(t, "85512345678");
	keys(t, K_ENTER);
	wait_text(t, "85512345678 goes to Sample trunk 3 (prefix 855)", WAIT_MS);
	cr_expect(vtd_has_text(t, "dial: "), "the dial string is shown");
	/* :route tests an IP from anywhere; the oldest trunk holding it takes the call. */
	keys(t, ":");
	type(t, "route 198.51.0.1");
	keys(t, K_ENTER);
	wait_text(t, "A call from 198.51.0.1 lands on Sample trunk 1", WAIT_MS);
	/* Enter on a line that names a trunk opens it. */
	keys(t, "G");
	keys(t, K_ENTER);
	wait_text(t, "Inbound source IPs", WAIT_MS);
	cr_expect(vtd_has_text(t, "Sample trunk 1"), "the trunk of the line opened");
	quit(t);
}

/*
 * :route from the list opens the routing screen with the number to test;
 * the test waits for the lint thread's read of the trunks, then answers.
 */
Test(e2e, route_from_the_list_answers_once_the_trunks_are_read)
{
	struct vtd *t = run_online_with_samples(3);
	keys(t, ":");
	type(t, "route 85512345678");
	keys(t, K_ENTER);
	wait_text(t, "85512345678 goes to Sample trunk 3 (prefix 855)", WAIT_MS);
	cr_expect(vtd_has_text(t, "Route prefixes"), "the table came with the answer");
	cr_expect(!vtd_has_text(t, "Reading the trunks"), "the waiting line went");
	quit(t);
}

Test(e2e, offline_edits_queue_and_sync_when_the_server_returns)
{
	const char *samples[] = {"--sample", "2", NULL};
	cr_assert(fake_start(&server, 0, samples));
	int port = server.port;
	struct vtd *t = run(24, 80, RUN_ONLINE);
	wait_text(t, "Synced:", SYNC_MS);
	fake_stop(&server);
	keys(t, "e");
	keys(t, "\025");
	type(t, "Queued name");
	keys(t, K_F2);
	wait_text(t, "Sync failed", SYNC_MS);
	wait_text(t, "1 queued", WAIT_MS);
	char row[256];
	row_of(t, "Queued name", row, sizeof(row));
	cr_expect(strstr(row, "pending"), "row: %s", row);
	cr_expect(vtd_has_text(t, " offline "));
	keys(t, "p");
	wait_text(t, "PATCH /carrier/v1/sip_trunks/", WAIT_MS);
	cr_expect(vtd_has_text(t, "Queued name"));
	keys(t, "q");
	cr_assert(fake_start(&server, port, samples), "the fake API did not come back on %d", port);
	keys(t, K_F5);
	wait_text(t, "0 queued", SYNC_MS);
	row_of(t, "Queued name", row, sizeof(row));
	cr_expect(strstr(row, "synced"), "row: %s", row);
	quit(t);
}

/*
 * Another trunkctl on dir (a data dir of its own: a second operator; the
 * TUI's: another process on the same machine) sets KEY=VALUE on the trunk
 * named name, or deletes it when assignment is NULL; online, it pushes the
 * change to the server.
 */
static void other_sets(const char *dir, bool online, const char *name, const char *assignment)
{
	char url[64];
	struct tc_service_options so = {.data_dir = dir, .offline = !online};
	if (online) {
		so.api_url = api_url(url, sizeof(url));
		so.token = TOKEN;
	}
	struct tc_service *svc = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_open(&so, &svc, &err), TC_OK, "%s", err.message);
	if (online)
		cr_assert_eq(tc_service_sync(svc, TC_SYNC_ALL, NULL, &err), TC_OK, "%s",
		             err.message);
	struct tc_trunk_record *rec = NULL;
	cr_assert_eq(tc_service_get(svc, name, &rec, &err), TC_OK, "%s", err.message);
	struct tc_trunk *t = tc_trunk_new();
	if (assignment) {
		cr_assert_eq(tc_trunk_assign(t, assignment, &err), TC_OK, "%s", err.message);
		cr_assert_eq(tc_service_update(svc, rec->id, t, NULL, NULL, &err), TC_OK, "%s",
		             err.message);
	} else {
		cr_assert_eq(tc_service_delete(svc, rec->id, &err), TC_OK, "%s", err.message);
	}
	if (online)
		cr_assert_eq(tc_service_sync(svc, TC_SYNC_PUSH, NULL, &err), TC_OK, "%s",
		             err.message);
	tc_trunk_destroy(t);
	tc_trunk_record_destroy(rec);
	tc_service_close(svc);
	tc_error_clear(&err);
}

/* A second operator changes the server behind the TUI's back. */
static void server_side_set(const char *name, const char *assignment)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/other", root);
	other_sets(dir, true, name, assignment);
}

static void server_side_delete(const char *name)
{
	server_side_set(name, NULL);
}

static void server_side_rename(const char *from, const char *to)
{
	char assignment[128];
	snprintf(assignment, sizeof(assignment), "name=%s", to);
	server_side_set(from, assignment);
}

/* Both sides rename Sample trunk 1; the TUI ends on the conflict screen. */
static struct vtd *open_conflict(void)
{
	struct vtd *t = run_online_with_samples(2);
	server_side_rename("Sample trunk 1", "Theirs name");
	keys(t, "e");
	keys(t, "\025");
	type(t, "Mine name");
	keys(t, K_F2);
	wait_text(t, "changed on the server too", SYNC_MS);
	keys(t, "c");
	wait_text(t, "Conflicts (1 trunk)", WAIT_MS);
	return t;
}

Test(e2e, a_conflict_is_resolved_on_the_conflict_screen)
{
	struct vtd *t = open_conflict();
	cr_expect(vtd_has_text(t, "Theirs name"));
	cr_expect(vtd_has_text(t, "Mine name"));
	golden(t, "conflicts");
	keys(t, "t");
	cr_expect(vtd_has_text(t, "Name: take theirs"));
	keys(t, K_F2);
	wait_text(t, "0 conflicts", SYNC_MS);
	keys(t, "q");
	cr_expect(vtd_has_text(t, "Theirs name"));
	cr_expect(!vtd_has_text(t, "Mine name"));
	quit(t);
}

/*
 * The TUI deletes Sample trunk 1 after another operator renamed it: the
 * delete is not sent, the conflict screen asks one question, and keeping
 * the delete deletes the trunk as the server has it now.
 */
Test(e2e, a_delete_of_a_trunk_changed_on_the_server_is_one_question)
{
	struct vtd *t = run_online_with_samples(2);
	server_side_rename("Sample trunk 1", "Theirs name");
	keys(t, "d");
	wait_text(t, "Delete trunk \"Sample trunk 1\"?", WAIT_MS);
	type(t, "Sample trunk 1");
	keys(t, K_ENTER);
	wait_text(t, "changed on the server too", SYNC_MS);
	char row[256];
	row_of(t, "Sample trunk 1", row, sizeof(row));
	cr_expect(strstr(row, "del/mod"), "row: %s", row);
	keys(t, "c");
	wait_text(t, "Conflicts (1 trunk)", WAIT_MS);
	golden(t, "conflicts-delete");
	keys(t, "e");
	cr_expect(vtd_has_text(t, "Keep the delete (m) or keep theirs (t)."));
	keys(t, "m");
	cr_expect(vtd_has_text(t, "since: keep the delete"));
	keys(t, K_F2);
	wait_text(t, "0 conflicts", SYNC_MS);
	keys(t, "q");
	wait_text(t, "0 queued", SYNC_MS);
	cr_expect(!vtd_has_text(t, "Theirs name"));
	cr_expect(!vtd_has_text(t, "Sample trunk 1"));
	quit(t);
}

/* The TUI's own store, read by another process. */
static struct tc_service *open_tuis_store(void)
{
	struct tc_service_options so = {.data_dir = data_dir, .offline = true};
	struct tc_service *svc = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_open(&so, &svc, &err), TC_OK, "%s", err.message);
	tc_error_clear(&err);
	return svc;
}

static long long channels_of(struct tc_service *svc, const char *name)
{
	struct tc_trunk_record *rec = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_get(svc, name, &rec, &err), TC_OK, "%s", err.message);
	long long n = rec->current->values[TC_F_MAX_CHANNELS].i;
	tc_trunk_record_destroy(rec);
	tc_error_clear(&err);
	return n;
}

/* Online with two samples, the form of the first open, its name replaced by name. */
static struct vtd *renaming_the_first(const char *name)
{
	struct vtd *t = run_online_with_samples(2);
	keys(t, "e");
	wait_text(t, "Edit trunk Sample trunk 1", WAIT_MS);
	keys(t, "\025");
	type(t, name);
	return t;
}

Test(e2e, the_journal_names_the_trunks_it_changed)
{
	struct vtd *t = renaming_the_first("Journal name");
	char row[256];
	save_and_sync(t, "Journal name", row, sizeof(row));
	keys(t, ":");
	type(t, "journal");
	keys(t, K_ENTER);
	wait_text(t, "Journal (newest first)", WAIT_MS);
	char *screen = vtd_screen(t);
	cr_expect(strstr(screen, "PATCH  200    Journal name"),
	          "the row names the trunk, not only its id: %s", screen);
	free(screen);
	quit(t);
}

Test(e2e, a_form_takes_in_what_a_sync_pulled_and_sends_only_its_own_change)
{
	struct vtd *t = renaming_the_first("Mine name");
	server_side_set("Sample trunk 1", "max_channels=77");
	keys(t, K_F5);
	wait_text(t, "Changed meanwhile: 1 field took the new value", SYNC_MS);
	cr_expect(vtd_has_text(t, "Mine name"), "the operator's edit stays");
	char row[256];
	save_and_sync(t, "Mine name", row, sizeof(row));
	cr_expect(strstr(row, " 77 ") && strstr(row, "synced"), "row: %s", row);
	quit(t);

	struct tc_service *svc = open_tuis_store();
	struct tc_journal_list j = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_journal(svc, 1, &j, &err), TC_OK, "%s", err.message);
	cr_assert_eq(j.count, 1);
	cr_assert_str_eq(j.items[0].method, "PATCH");
	cr_expect_str_eq(tc_trunk_string(j.items[0].changes, TC_F_NAME), "Mine name");
	cr_expect_eq(j.items[0].changes->values[TC_F_MAX_CHANNELS].state, TC_V_ABSENT,
	             "the PATCH carries only the name");
	tc_journal_list_finish(&j);
	tc_service_close(svc);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/other", root);
	struct tc_service_options so = {
	    .data_dir = dir, .api_url = api_url(row, sizeof(row)), .token = TOKEN};
	cr_assert_eq(tc_service_open(&so, &svc, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_service_sync(svc, TC_SYNC_ALL, NULL, &err), TC_OK, "%s", err.message);
	cr_expect_eq(channels_of(svc, "Mine name"), 77, "the other operator's change is kept");
	tc_service_close(svc);
	tc_error_clear(&err);
}

/* Opens the form of Sample trunk 1 and types a new max_channels, unsaved. */
static void form_sets_channels_of_the_first_trunk(struct vtd *t, const char *value)
{
	keys(t, "e");
	wait_text(t, "Edit trunk Sample trunk 1", WAIT_MS);
	keys(t, K_TAB);
	keys(t, K_TAB);
	keys(t, K_TAB);
	keys(t, "\025");
	type(t, value);
}

Test(e2e, a_field_changed_under_a_form_and_in_it_is_a_conflict_in_the_form)
{
	struct vtd *t = run_offline_with_samples(2);
	form_sets_channels_of_the_first_trunk(t, "55");
	/* another process on the same store: seen at the save, by the store's check */
	other_sets(data_dir, false, "Sample trunk 1", "max_channels=77");
	keys(t, K_F2);
	wait_text(t, "Changed meanwhile in 1 field you edited", WAIT_MS);
	cr_expect(vtd_has_text(t, "changed there too: undecided"));
	cr_expect(vtd_has_text(t, "mine    55"));
	cr_expect(vtd_has_text(t, "theirs  77"));
	golden(t, "form-conflict");
	keys(t, K_F2);
	wait_text(t, "Choose mine, theirs or a new value for every field first.", WAIT_MS);
	keys(t, "m");
	cr_expect(vtd_has_text(t, "changed there too: keep mine"));
	keys(t, K_F2);
	wait_text(t, "Saved Sample trunk 1 here (max_channels)", WAIT_MS);
	quit(t);
	struct tc_service *svc = open_tuis_store();
	cr_expect_eq(channels_of(svc, "Sample trunk 1"), 55, "kept mine");
	tc_service_close(svc);
}

Test(e2e, a_sync_pulling_a_field_the_form_changed_raises_the_conflict_at_once)
{
	struct vtd *t = run_online_with_samples(2);
	form_sets_channels_of_the_first_trunk(t, "55");
	server_side_set("Sample trunk 1", "max_channels=77");
	keys(t, K_F5);
	wait_text(t, "Changed meanwhile in 1 field you edited", SYNC_MS);
	cr_expect(vtd_has_text(t, "theirs  77"));
	type(t, "9");
	cr_expect(vtd_has_text(t, "Max channels changed here and there: choose first"),
	          "typing waits for the choice");
	keys(t, "t");
	cr_expect(vtd_has_text(t, "changed there too: take theirs"));
	keys(t, K_F2);
	wait_text(t, "Saved Sample trunk 1 here: nothing changed", WAIT_MS);
	char row[256];
	row_of(t, "Sample trunk 1", row, sizeof(row));
	cr_expect(strstr(row, " 77 ") && strstr(row, "synced"), "row: %s", row);
	quit(t);
}

Test(e2e, pending_changes_show_the_request_and_can_be_discarded)
{
	struct vtd *t = run_offline_with_samples(2);
	keys(t, "e");
	keys(t, "\025");
	type(t, "Local only");
	keys(t, K_F2);
	wait_text(t, "1 queued", WAIT_MS);
	keys(t, "p");
	wait_text(t, "PATCH /carrier/v1/sip_trunks/", WAIT_MS);
	cr_expect(vtd_has_text(t, "\"name\":\"Local only\""));
	golden(t, "pending");
	keys(t, "d");
	wait_text(t, "Discard the queued changes of \"Local only\"?", WAIT_MS);
	keys(t, "y");
	wait_text(t, "Discarded", WAIT_MS);
	cr_expect(vtd_has_text(t, "Pending changes (0)"));
	keys(t, "q");
	cr_expect(vtd_has_text(t, "Sample trunk 1"), "the trunk is back to the server's version");
	cr_expect(vtd_has_text(t, "0 queued"));
	quit(t);
}

Test(e2e, discard_and_retry_act_on_the_marked_trunks)
{
	struct vtd *t = run_offline_with_samples(3);
	/* Two queued edits, on trunks 1 and 2, through the bulk form. */
	keys(t, " ");
	keys(t, " ");
	keys(t, "e");
	wait_text(t, "Edit 2 marked trunks", WAIT_MS);
	keys(t, K_TAB);
	type(t, "5");
	keys(t, K_F2);
	wait_text(t, "2 queued", WAIT_MS);
	keys(t, "p");
	wait_text(t, "2 of marked trunks", WAIT_MS);
	/* Retry with marks: each marked trunk's change is due again; offline, the TUI says why
	 * nothing is sent. */
	keys(t, "t");
	wait_text(t, "No Carrier API URL is configured", WAIT_MS);
	cr_expect(vtd_has_text(t, "Pending changes (2;"), "both changes are still queued");
	keys(t, "d");
	wait_text(t, "Discard the queued changes of 2 marked trunks?", WAIT_MS);
	keys(t, "y");
	wait_text(t, "Discarded the queued changes of 2 marked trunks", WAIT_MS);
	cr_expect(vtd_has_text(t, "Pending changes (0)"));
	quit(t);
}

Test(e2e, a_server_error_is_a_message_and_keys_still_answer)
{
	const char *extra[] = {"--sample", "2", "--fault", "error=1000", NULL};
	cr_assert(fake_start(&server, 0, extra));
	struct vtd *t = run(24, 80, RUN_ONLINE);
	wait_text(t, "Sync failed", SYNC_MS);
	golden(t, "list-server-error");
	keys(t, "?");
	cr_expect(vtd_has_text(t, "Everywhere"));
	keys(t, "q");
	keys(t, "a");
	cr_expect(vtd_has_text(t, "New trunk"));
	keys(t, K_ESC);
	quit(t);
}

Test(e2e, resize_in_the_middle_of_a_form_redraws_it)
{
	struct vtd *t = run(40, 120, 0);
	keys(t, "a");
	type(t, "Resized trunk");
	keys(t, K_TAB);
	keys(t, K_TAB);
	unsigned before = vtd_idle(t);
	vtd_resize(t, 24, 80);
	cr_assert(vtd_wait_idle(t, before + 1, WAIT_MS), "no repaint after the resize");
	cr_expect(vtd_has_text(t, "Resized trunk"), "the typed name survives the resize");
	golden(t, "form-resized");
	vtd_resize(t, 10, 40);
	cr_assert(vtd_wait_idle(t, before + 2, WAIT_MS));
	cr_expect(vtd_has_text(t, "Terminal too small"));
	golden(t, "too-small-40x10");
	vtd_resize(t, 24, 80);
	cr_assert(vtd_wait_idle(t, before + 3, WAIT_MS));
	cr_expect(vtd_has_text(t, "Resized trunk"));
	keys(t, K_ESC);
	wait_text(t, "Discard your changes?", WAIT_MS);
	golden(t, "confirm-discard");
	keys(t, "y");
	cr_expect(vtd_has_text(t, "No trunks yet"));
	quit(t);
}

Test(e2e, no_color_gives_a_monochrome_screen)
{
	struct vtd *t = run(24, 80, RUN_NO_COLOR);
	cr_expect(!vtd_any_color(t), "NO_COLOR screen uses colour");
	cr_expect_eq(vtd_bg(t, 0, 0), 256, "the header is reverse video");
	quit(t);
	t = run(24, 80, 0);
	cr_expect(vtd_any_color(t), "the default screen has colours");
	quit(t);
}

Test(e2e, help_is_generated_from_the_keymap)
{
	struct vtd *t = run(24, 80, 0);
	keys(t, "?");
	cr_expect(vtd_has_text(t, "Everywhere"));
	cr_expect(vtd_has_text(t, "Move down one line"));
	golden(t, "help");
	keys(t, "q");
	keys(t, ":");
	type(t, "journal");
	keys(t, K_ENTER);
	wait_text(t, "Journal", WAIT_MS);
	golden(t, "journal-empty");
	quit(t);
}

Test(e2e, copy_sends_osc52_and_secrets_need_revealing_first)
{
	struct vtd *t = run_offline_with_samples(2);
	keys(t, K_ENTER);
	keys(t, "y"); /* the name */
	cr_expect(vtd_output_has(t, "\033]52;c;U2FtcGxlIHRydW5rIDE=\a"), "OSC 52 of the name");
	cr_expect(vtd_has_text(t, "Copied Name (14 bytes) to the clipboard with OSC 52."));
	quit(t);
}

Test(e2e, copying_a_password_asks_first)
{
	struct vtd *t = run_offline_with_samples(2);
	keys(t, K_DOWN); /* Sample trunk 2: client_credentials */
	keys(t, K_ENTER);
	wait_text(t, "Trunk Sample trunk 2", WAIT_MS);
	keys(t, K_END); /* the record's timestamps come last, under the password */
	keys(t, K_UP);
	keys(t, K_UP);
	keys(t, "y");
	cr_expect(vtd_has_text(t, "Reveal the password with v before copying it."));
	keys(t, "v");
	keys(t, "y");
	cr_expect(vtd_has_text(t, "Copy the Password to the clipboard?"), "a question first");
	cr_expect(!vtd_output_has(t, "\033]52;"), "nothing reached the terminal yet");
	keys(t, "n");
	cr_expect(!vtd_output_has(t, "\033]52;"), "n copies nothing");
	keys(t, "y");
	keys(t, "y");
	cr_expect(vtd_output_has(t, "\033]52;c;"), "y copies it");
	cr_expect(vtd_has_text(t, "Copied Password"));
	quit(t);
}

Test(e2e, ascii_lines_when_the_locale_is_not_utf8)
{
	struct vtd *t = run(24, 80, RUN_C_LOCALE);
	keys(t, "a");
	type(t, "x");
	keys(t, K_ESC);
	wait_text(t, "Discard your changes?", WAIT_MS);
	cr_expect(vtd_has_text(t, "|------"), "ASCII box");
	cr_expect(vtd_has_text(t, "v ip_address"), "ASCII picker mark");
	keys(t, "n");
	keys(t, K_ESC);
	keys(t, "y");
	quit(t);
}

Test(e2e, the_terminal_is_restored_on_sigterm_and_on_a_crash)
{
	struct vtd *t = run(24, 80, 0);
	vtd_signal(t, SIGTERM);
	int status = vtd_close(t, WAIT_MS);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM quits cleanly: %d",
	          status);
	cr_expect(vtd_output_has(t, "\033[?1049l"), "alternate screen left after SIGTERM");
	cr_expect(vtd_output_has(t, "\033[?2004l"), "bracketed paste off after SIGTERM");
	vtd_free(t);

	t = run(24, 80, 0);
	vtd_signal(t, SIGABRT);
	status = vtd_close(t, WAIT_MS);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status %d", status);
	cr_expect(vtd_output_has(t, "\033[?1049l"), "alternate screen left after a crash");
	cr_expect(vtd_output_has(t, "\033[?25h"), "cursor shown again after a crash");
	cr_expect(vtd_output_has(t, "\033[?2004l"), "bracketed paste off after a crash");
	vtd_free(t);
}

Test(e2e, pickers_for_region_mode_and_country)
{
	struct vtd *t = run(24, 80, 0);
	keys(t, "a");
	keys(t, K_TAB); /* mode */
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, " client_credentials"));
	keys(t, K_DOWN);
	keys(t, K_DOWN);
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "▾ outbound_registration"));
	keys(t, K_TAB); /* region */
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, " helium"));
	golden(t, "form-picker");
	keys(t, K_DOWN);
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "▾ helium"));
	keys(t, K_TAB); /* max channels */
	keys(t, K_TAB); /* country: type-ahead */
	keys(t, K_ENTER);
	type(t, "k");
	cr_expect(vtd_has_text(t, " KE"));
	cr_expect(vtd_has_text(t, " KH"));
	cr_expect(!vtd_has_text(t, " AD"), "only codes starting with K are offered");
	type(t, "h");
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "Inbound country     KH"));
	keys(t, K_ESC);
	keys(t, "y");
	quit(t);
}

/* A 422 from the server comes back onto the field it names. */
Test(e2e, a_server_rejection_shows_under_its_field)
{
	online_with_samples(1);
	char url[64];
	/* This client believes in a region the server does not have. */
	const struct tc_region regions[] = {
	    {"hydrogen", "ap-southeast-1", "South East Asia (Singapore)", 1, NULL},
	    {"lithium", "eu-west-9", "Nowhere", 9, NULL},
	};
	struct tc_service_options so = {
	    .data_dir = data_dir,
	    .api_url = api_url(url, sizeof(url)),
	    .token = TOKEN,
	    .regions = regions,
	    .region_count = 2,
	};
	struct tc_service *svc = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_open(&so, &svc, &err), TC_OK, "%s", err.message);
	struct tc_trunk *tr = tc_trunk_new();
	tc_trunk_set_string(tr, TC_F_NAME, "Lithium trunk");
	tc_trunk_set_string(tr, TC_F_AUTHENTICATION_MODE, "ip_address");
	tc_trunk_set_string(tr, TC_F_REGION, "lithium");
	cr_assert_eq(tc_service_create(svc, tr, NULL, &err), TC_OK, "%s", err.message);
	tc_service_sync(svc, TC_SYNC_ALL, NULL, &err);
	tc_error_clear(&err);
	tc_trunk_destroy(tr);
	tc_service_close(svc);
	fake_stop(&server);

	struct vtd *t = run(24, 80, 0);
	char row[256];
	int r = row_of(t, "Lithium trunk", row, sizeof(row));
	cr_expect(strstr(row, "rejected"), "row: %s", row);
	while (r-- > 2)
		keys(t, K_DOWN);
	keys(t, "e");
	wait_text(t, "Edit trunk Lithium trunk", WAIT_MS);
	cr_expect(vtd_has_text(t, "→ is invalid"), "the server's title under Region");
	golden(t, "form-rejected");
	keys(t, K_ESC);
	quit(t);
}

Test(e2e, wide_names_are_measured_in_cells)
{
	struct vtd *t = run(24, 80, 0);
	keys(t, "a");
	unsigned want = vtd_idle(t) + 6; /* six characters, nine bytes more than cells */
	vtd_send(t, "東京 PBX");
	cr_assert(vtd_wait_idle(t, want, WAIT_MS));
	keys(t, K_F2);
	wait_text(t, "Saved 東京 PBX", WAIT_MS);
	char row[256];
	int r = row_of(t, "東京 PBX", row, sizeof(row));
	/*
	 * "東京 PBX" takes 8 cells (11 bytes): the Name column is as wide as its
	 * longest name in cells, then one cell of gap.
	 */
	cr_expect_eq(vtd_bg(t, r, 0), 6, "the new row is selected (cyan)");
	cr_expect(strstr(row, "東京 PBX ip") != NULL, "row: %s", row);
	quit(t);
}

Test(e2e, ctrl_c_keeps_unsaved_work_and_quits_elsewhere)
{
	struct vtd *t = run(24, 80, 0);
	keys(t, "a");
	type(t, "Half done");
	keys(t, "\003"); /* the tty turns it into SIGINT */
	cr_expect(vtd_has_text(t, "The form has unsaved changes"));
	cr_expect(vtd_has_text(t, "Half done"));
	keys(t, K_ESC);
	keys(t, "y");
	vtd_send(t, "\003");
	int status = vtd_close(t, WAIT_MS);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_expect(vtd_output_has(t, "\033[?1049l"));
	vtd_free(t);
}

Test(e2e, ctrl_z_hands_the_terminal_back_and_fg_restores_the_form)
{
	struct vtd *t = run(24, 80, RUN_JOB);
	keys(t, "a");
	type(t, "Half done");
	vtd_send(t, "\032"); /* the tty turns it into SIGTSTP */
	cr_assert(vtd_wait_output(t, "[job stopped]", WAIT_MS), "Ctrl-Z did not stop it");
	cr_expect(vtd_output_has(t, "\033[?1049l"),
	          "the alternate screen was left before the stop");
	cr_expect(vtd_output_has(t, "\033[?25h"), "the cursor was shown before the stop");
	cr_expect(vtd_output_has(t, "\033[?2004l"), "the shell does not get bracketed pastes");
	vtd_fg(t);
	wait_text(t, "Half done", WAIT_MS);
	cr_expect_not(vtd_has_text(t, "[job stopped]"),
	              "the form was not repainted over the shell");
	type(t, "!");
	cr_expect(vtd_has_text(t, "Half done!"), "keys are read again after fg");
	keys(t, "\023"); /* answers, so Ctrl-S is still a key, not XOFF, after fg */
	keys(t, K_ESC);
	keys(t, "y");
	quit(t);
}

Test(e2e, a_conflict_resolved_with_a_new_value)
{
	struct vtd *t = open_conflict();
	keys(t, "e");
	keys(t, "\025");
	type(t, "Agreed name");
	cr_expect(vtd_has_text(t, "new     Agreed name"));
	keys(t, K_ENTER);
	cr_expect(vtd_has_text(t, "Name: edited"));
	keys(t, K_F2);
	wait_text(t, "0 conflicts", SYNC_MS);
	keys(t, "q");
	wait_text(t, "0 queued", SYNC_MS);
	char row[256];
	row_of(t, "Agreed name", row, sizeof(row)); /* the edited value replaced both */
	cr_expect(strstr(row, "synced"), "row: %s", row);
	quit(t);
}

Test(e2e, sandbox_opens_on_the_bundled_fake_api)
{
	struct vtd *t = run_args(24, 80, 0, "--sandbox");
	wait_text(t, "Synced:", SYNC_MS);
	cr_expect(vtd_has_text(t, "Sample trunk 1"));
	cr_expect(vtd_has_text(t, " online "));
	quit(t);
}

/* ---- input the TUI does not know, and keys whatever TERM says ---- */

/* The screen as a golden would see it: what varies from run to run squeezed out. */
static char *screen_now(struct vtd *t)
{
	char *s = vtd_screen(t);
	cr_assert_not_null(s);
	normalise(s);
	return s;
}

/*
 * Each sequence is one input that leaves the screen as it was: none of its
 * bytes is read as a key (an Esc would close the screen or quit, d would
 * delete, q would quit).
 */
static void expect_ignored(struct vtd *t, const char *where)
{
	static const struct {
		const char *what, *bytes;
	} seqs[] = {
	    {"Alt+d", "\033d"},
	    {"Alt+q", "\033q"},
	    {"Alt+Esc", "\033\033"},
	    {"a bracketed paste", "\033[200~dq\rQ\033[201~"},
	    {"focus in", "\033[I"},
	    {"focus out", "\033[O"},
	    {"an X10 mouse report", "\033[M !!"},
	    {"an SGR mouse press", "\033[<0;10;5M"},
	    {"an SGR mouse release", "\033[<0;10;5m"},
	    {"an unknown CSI", "\033[57;3u"},
	    {"an unknown CSI with intermediates", "\033[2 q"},
	    {"an unknown SS3", "\033Oz"},
	    {"an OSC reply", "\033]11;rgb:0000/0000/0000\033\\"},
	};
	/* the lint's markers come when they come: not in the middle of a comparison */
	cr_assert(vtd_wait_lint(t, WAIT_MS));
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		char *before = screen_now(t);
		const char *one[] = {seqs[i].bytes};
		cr_assert(vtd_keys(t, WAIT_MS, one, 1), "%s on the %s was not read", seqs[i].what,
		          where);
		char *after = screen_now(t);
		cr_expect_str_eq(after, before, "%s changed the %s:\n%s", seqs[i].what, where,
		                 after);
		free(before);
		free(after);
	}
}

Test(e2e, unknown_escape_sequences_change_nothing_on_list_form_and_detail)
{
	struct vtd *t = run_offline_with_samples(3);
	expect_ignored(t, "list");
	keys(t, "j");
	int r = find_row(t, "Sample trunk 2");
	cr_assert_geq(r, 0);
	cr_expect_neq(vtd_bg(t, r, 0), -1, "the list still answers keys");

	keys(t, K_ENTER);
	wait_text(t, "Trunk Sample trunk 2", WAIT_MS);
	expect_ignored(t, "detail");
	keys(t, "q");
	cr_expect(vtd_has_text(t, "Sample trunk 3"), "the detail still answers keys");

	keys(t, "a");
	wait_text(t, "New trunk", WAIT_MS);
	type(t, "Typed");
	expect_ignored(t, "form");
	type(t, " on");
	cr_expect(vtd_has_text(t, "Typed on"), "the form still answers keys");
	keys(t, K_ESC);
	keys(t, "y");
	quit(t);
}

Test(e2e, esc_on_the_list_does_not_quit_and_q_does)
{
	struct vtd *t = run_offline_with_samples(2);
	keys(t, K_ESC);
	cr_expect(vtd_has_text(t, "press q to quit"));
	cr_expect(vtd_has_text(t, "Sample trunk 1"), "still on the list");
	vtd_send(t, "q");
	int status = vtd_close(t, WAIT_MS);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "q quits: status %d", status);
	cr_expect(vtd_output_has(t, "\033[?2004l"), "bracketed paste is turned off at exit");
	vtd_free(t);
}

/* With IXON left on, the tty would swallow Ctrl-S and stop the output. */
Test(e2e, ctrl_s_saves_the_form)
{
	struct vtd *t = run_offline_with_samples(2);
	keys(t, "e");
	wait_text(t, "Edit trunk Sample trunk 1", WAIT_MS);
	keys(t, "\025");
	type(t, "Kept by Ctrl-S");
	keys(t, "\023");
	wait_text(t, "Saved Kept by Ctrl-S", WAIT_MS);
	cr_expect(find_row(t, "Kept by Ctrl-S") >= 0, "the list shows the saved name");
	quit(t);
}

static bool row_selected(struct vtd *t, const char *name)
{
	int r = find_row(t, name);
	cr_assert_geq(r, 0, "no row shows \"%s\"", name);
	return vtd_bg(t, r, 0) != -1;
}

/* Home and End as xterm, rxvt and the VT220 family send them; TERM says screen. */
Test(e2e, home_end_and_f_keys_of_other_terminals_under_term_screen)
{
	struct vtd *t = run_offline_with_samples_as(3, RUN_SCREEN);
	/* screen's terminfo gives curses ESC [ M as the mouse: it is skipped whole all the same. */
	expect_ignored(t, "list under TERM=screen");
	const char *ends[] = {"\033OF", "\033[F", "\033[8~", "\033[4~"};
	const char *homes[] = {"\033OH", "\033[H", "\033[7~", "\033[1~"};
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		keys(t, ends[i]);
		cr_expect(row_selected(t, "Sample trunk 3"), "End as %s", ends[i] + 1);
		keys(t, homes[i]);
		cr_expect(row_selected(t, "Sample trunk 1"), "Home as %s", homes[i] + 1);
	}
	const char *f1s[] = {"\033OP", "\033[11~", "\033[[A"};
	for (size_t i = 0; i < sizeof(f1s) / sizeof(f1s[0]); i++) {
		keys(t, f1s[i]);
		cr_expect(vtd_has_text(t, "Keys (change them"), "F1 as %s", f1s[i] + 1);
		keys(t, "q");
	}
	quit(t);
}

/* vt100's terminfo has no Home or End, and other F1 and F7 sequences. */
Test(e2e, home_end_and_f_keys_under_term_vt100)
{
	struct vtd *t = run_offline_with_samples_as(3, RUN_VT100);
	keys(t, "\033[4~");
	cr_expect(row_selected(t, "Sample trunk 3"), "End as [4~");
	keys(t, "\033[1~");
	cr_expect(row_selected(t, "Sample trunk 1"), "Home as [1~");
	keys(t, "\033[11~");
	cr_expect(vtd_has_text(t, "Keys (change them"), "F1 as [11~ shows the help");
	keys(t, "q");
	keys(t, "\033[18~");
	cr_expect(vtd_has_text(t, "New trunk"), "F7 as [18~ creates");
	keys(t, K_ESC);
	quit_vt100(t);
}

/* ---- preferences from the configuration file ---- */

/* Writes text to root/rel, creating the directories on the way (0700). */
static void write_root_file(const char *rel, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* $XDG_CONFIG_HOME/trunkctl/config for the next run. */
static void write_config(const char *text)
{
	write_root_file("config/trunkctl/config", text);
}

Test(e2e, banner_and_header_colour_mark_the_profile)
{
	online_with_samples(3);
	prefill_store();
	fake_stop(&server);
	write_config("[default]\nbanner = PRODUCTION\ncolor = red\n");
	struct vtd *t = run(24, 80, 0);
	char row[256];
	vtd_row(t, 0, row, sizeof(row));
	cr_expect(strncmp(row, " PRODUCTION  default", 20) == 0, "header: %s", row);
	cr_expect_eq(vtd_bg(t, 0, 1), 256, "the banner is the header inverted");
	cr_expect_eq(vtd_bg(t, 0, 20), 1, "the header is red");
	golden(t, "banner");
	quit(t);
	/* Without colours the banner still shows, standing out of the reversed header. */
	t = run(24, 80, RUN_NO_COLOR);
	cr_expect(!vtd_any_color(t), "NO_COLOR screen uses colour");
	cr_expect(vtd_has_text(t, " PRODUCTION  default"));
	cr_expect_eq(vtd_bg(t, 0, 1), -1, "the banner is not reversed");
	cr_expect_eq(vtd_bg(t, 0, 20), 256, "the header is reverse video");
	golden(t, "banner-no-color");
	quit(t);
	/* At the documented minimum the banner stays; the host gives way. */
	t = run(12, 50, 0);
	vtd_row(t, 0, row, sizeof(row));
	cr_expect(strncmp(row, " PRODUCTION ", 12) == 0, "header at 50 columns: %s", row);
	golden(t, "banner-50x12");
	quit(t);
}

Test(e2e, light_and_dark_themes_keep_the_terminal_background)
{
	const char *themes[] = {"[default]\ntheme = light\n", "[default]\ntheme = dark\n"};
	for (size_t i = 0; i < 2; i++) {
		write_config(themes[i]);
		struct vtd *t = run(24, 80, 0);
		cr_expect(vtd_any_color(t), "%s has colours", themes[i]);
		cr_expect_eq(vtd_bg(t, 0, 20), -1, "%s: the header keeps the background",
		             themes[i]);
		quit(t);
	}
	write_config("[default]\ntheme = dark\ncolor = cyan\nbanner = STAGING\n");
	struct vtd *t = run(24, 80, 0);
	cr_expect_eq(vtd_bg(t, 0, 20), 6, "the profile's colour paints the dark theme's header");
	cr_expect(vtd_has_text(t, " STAGING  default"));
	quit(t);
}

Test(e2e, color_always_outranks_no_color_but_not_no_color_flag)
{
	write_config("[default]\ncolor = always\n");
	struct vtd *t = run(24, 80, RUN_NO_COLOR);
	cr_expect(vtd_any_color(t), "color = always draws in colour under NO_COLOR");
	quit(t);
	/* never and --no-color win over everything. */
	t = run_args(24, 80, RUN_NO_COLOR, "--no-color");
	cr_expect(!vtd_any_color(t), "--no-color screen uses colour");
	quit(t);
	/* always cannot give colours to a terminal without them. */
	t = run(24, 80, RUN_VT100);
	cr_expect(!vtd_any_color(t), "vt100 screen uses colour");
	quit_vt100(t);
	/* auto follows NO_COLOR again. */
	write_config("[default]\ncolor = auto\n");
	t = run(24, 80, RUN_NO_COLOR);
	cr_expect(!vtd_any_color(t), "color = auto under NO_COLOR uses colour");
	quit(t);
}

/* The test hook's clock key: ten seconds pass (TRUNKCTL_TEST_HOOKS=1 only). */
#define K_TEST_CLOCK "\033[9999~"

static void reveal_on_detail(struct vtd *t)
{
	keys(t, K_DOWN); /* Sample trunk 2: client_credentials */
	keys(t, K_ENTER);
	wait_text(t, "Trunk Sample trunk 2", WAIT_MS);
	keys(t, K_END);
	keys(t, "v");
	cr_assert(!vtd_has_text(t, "********"), "v reveals the password");
}

Test(e2e, a_revealed_password_hides_itself_again)
{
	/* Default 30 s: still shown after 20 s, hidden at 30 s, and says so. */
	struct vtd *t = run_offline_with_samples(3);
	reveal_on_detail(t);
	keys(t, K_TEST_CLOCK);
	keys(t, K_TEST_CLOCK);
	cr_expect(!vtd_has_text(t, "********"), "shown for 20 s");
	keys(t, K_TEST_CLOCK);
	cr_expect(vtd_has_text(t, "********"), "hidden again after 30 s");
	cr_expect(vtd_has_text(t, "hidden again after 30s"));
	/* Revealed again, the count starts anew; in the raw view too. */
	keys(t, "v");
	keys(t, "r");
	keys(t, K_END);
	cr_expect(vtd_has_text(t, "\"password\": \""), "the raw view shows the password");
	keys(t, K_TEST_CLOCK);
	cr_expect(!vtd_has_text(t, "\"password\": \"********\""), "raw view: shown for 10 s");
	keys(t, K_TEST_CLOCK);
	keys(t, K_TEST_CLOCK);
	cr_expect(vtd_has_text(t, "\"password\": \"********\""), "raw view: hidden again");
	quit(t);
}

Test(e2e, reveal_timeout_is_configurable_and_zero_never_hides)
{
	write_config("[default]\nreveal_timeout = 10\n");
	struct vtd *t = run_offline_with_samples(3);
	reveal_on_detail(t);
	keys(t, K_TEST_CLOCK);
	cr_expect(vtd_has_text(t, "********"), "hidden after 10 s");
	quit(t);
	write_config("[default]\nreveal_timeout = 0\n");
	t = run(24, 80, 0);
	reveal_on_detail(t);
	for (int i = 0; i < 10; i++)
		keys(t, K_TEST_CLOCK);
	cr_expect(!vtd_has_text(t, "********"), "0: shown until hidden");
	quit(t);
}

/* ---- the column chooser, remembered per profile ---- */

static void state_file(char *path, size_t len)
{
	/* HOME is the test's root and XDG_STATE_HOME unset: the XDG default. */
	snprintf(path, len, "%s/.local/state/trunkctl/default.state", root);
}

Test(e2e, a_hidden_column_stays_hidden_after_a_restart)
{
	struct vtd *t = run_offline_with_samples(3);
	cr_expect(vtd_has_text(t, "Region"));
	keys(t, "C");
	wait_text(t, "Columns of the trunk list", WAIT_MS);
	golden(t, "columns");
	keys(t, K_DOWN); /* Mode */
	keys(t, K_DOWN); /* Region */
	keys(t, " ");
	cr_expect(vtd_has_text(t, "[ ] Region"), "Space hides Region");
	keys(t, K_UP);
	keys(t, K_UP);
	keys(t, " ");
	cr_expect(vtd_has_text(t, "The Name column is always shown."));
	keys(t, K_END); /* Sync */
	keys(t, "K");   /* one left of Outbound host */
	keys(t, "q");
	cr_expect(!vtd_has_text(t, "Region"), "the list no longer shows Region");
	char row[256];
	vtd_row(t, 1, row, sizeof(row));
	cr_expect(strstr(row, "Sync") && strstr(row, "Outbound host") &&
	              strstr(row, "Sync") < strstr(row, "Outbound host"),
	          "Sync moved before Outbound host: %s", row);
	keys(t, "S"); /* descending, remembered too */
	quit(t);

	char path[PATH_MAX];
	state_file(path, sizeof(path));
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0, "no state file at %s", path);
	cr_expect_eq(sb.st_mode & 0777, 0600);

	t = run(24, 80, 0);
	cr_expect(!vtd_has_text(t, "Region"), "Region is still hidden after a restart");
	vtd_row(t, 1, row, sizeof(row));
	cr_expect(strstr(row, "Name\u25bc"), "the sort is remembered: %s", row);
	cr_expect(strstr(row, "Sync") < strstr(row, "Outbound host"), "and the order: %s", row);
	quit(t);
}

Test(e2e, a_corrupt_state_file_is_ignored_with_a_message)
{
	write_root_file(".local/state/trunkctl/default.state",
	                "columns = name -region\n\001\002garbage\n");
	struct vtd *t = run_offline_with_samples(3);
	cr_expect(vtd_has_text(t, "Ignored the remembered list view"));
	cr_expect(vtd_has_text(t, "Region"), "the defaults apply");
	quit(t);
}

/* The gutter of the row showing name: its first two cells. */
static void gutter_of(struct vtd *t, const char *name, char out[3])
{
	char row[256];
	row_of(t, name, row, sizeof(row));
	snprintf(out, 3, "%-2.2s", row);
}

/*
 * The lint runs after the first paint, off the UI thread, and marks the
 * trunks it finds something on: ! an error, ? a warning. The detail view
 * lists a trunk's findings; fixing the trunk takes its marker away.
 */
Test(e2e, the_lint_marks_trunks_after_the_first_paint_and_a_fix_clears_them)
{
	create_offline_with("Lint A",
	                    (const char *const[]){"inbound_source_ips=198.51.100.7", NULL});
	create_offline_with("Lint B",
	                    (const char *const[]){"inbound_source_ips=198.51.100.7", NULL});
	create_offline_with("Lint C",
	                    (const char *const[]){"inbound_source_ips=198.51.100.9", NULL});
	create_offline_with("Lint D",
	                    (const char *const[]){"outbound_host=sip.example.com",
	                                          "outbound_plus_prefix=true",
	                                          "outbound_national_dialing=true", NULL});
	struct vtd *t = run(24, 80, 0);
	/* the first paint is the store's list, without waiting for the lint */
	const char *first = vtd_marked_screen(t);
	cr_assert_not_null(first);
	cr_expect(strstr(first, "\nLint A ") && !strstr(first, "! Lint A"),
	          "the first paint came with the lint's marks:\n%s", first);
	cr_assert(vtd_wait_lint(t, WAIT_MS), "the lint never came");
	char g[3];
	gutter_of(t, "Lint A", g);
	cr_expect_str_eq(g, "! ", "an error on A");
	gutter_of(t, "Lint B", g);
	cr_expect_str_eq(g, "! ", "an error on B");
	gutter_of(t, "Lint C", g);
	cr_expect_str_eq(g, "  ", "nothing on C");
	gutter_of(t, "Lint D", g);
	cr_expect_str_eq(g, "? ", "a warning on D");
	/* the list still moves while the lint is in its thread, and after */
	keys(t, K_DOWN);
	keys(t, K_UP);

	/* the detail view says what and how to fix it */
	keys(t, K_HOME);
	keys(t, K_ENTER);
	wait_text(t, "Trunk Lint A", WAIT_MS);
	wait_text(t, "error   shared-inbound-ip:", WAIT_MS);
	cr_expect(vtd_has_text(t, "198.51.100.7"));
	cr_expect(vtd_has_text(t, "fix: keep the IP on one trunk"));
	keys(t, "q");

	/* B gets its own IP: the lint runs again after the save and clears both */
	keys(t, K_DOWN);
	keys(t, "e");
	wait_text(t, "Edit trunk Lint B", WAIT_MS);
	for (int i = 0; i < 5; i++)
		keys(t, K_TAB);
	keys(t, "\025");
	type(t, "198.51.100.8");
	keys(t, K_F2);
	wait_text(t, "Saved Lint B", WAIT_MS);
	cr_assert(vtd_wait_lint(t, WAIT_MS), "the lint after the save never came");
	gutter_of(t, "Lint A", g);
	cr_expect_str_eq(g, "  ", "A is clean once B has its own IP");
	gutter_of(t, "Lint B", g);
	cr_expect_str_eq(g, "  ");
	gutter_of(t, "Lint D", g);
	cr_expect_str_eq(g, "? ", "D keeps its warning");
	keys(t, K_HOME);
	keys(t, K_ENTER);
	wait_text(t, "Trunk Lint A", WAIT_MS);
	cr_expect(!vtd_has_text(t, "shared-inbound-ip"), "a finding that is gone stays listed");
	keys(t, "q");
	quit(t);
}

/* The help lists the list's marks from the legend table, after the keys. */
Test(e2e, help_lists_the_marks_of_the_list)
{
	struct vtd *t = run(24, 80, 0);
	keys(t, "?");
	keys(t, "G");
	wait_text(t, "Marks before a trunk's name in the list", WAIT_MS);
	cr_expect(vtd_has_text(t, "The lint found an error"));
	cr_expect(vtd_has_text(t, "The lint found a warning"));
	quit(t);
}

Test(e2e, a_mark_on_a_trunk_deleted_on_the_server_goes_with_the_sync)
{
	struct vtd *t = run_online_with_samples(3);
	keys(t, " ");
	keys(t, " ");
	wait_text(t, "2 marked", WAIT_MS);
	server_side_delete("Sample trunk 2");
	keys(t, K_F5);
	wait_text(t, "1 marked", SYNC_MS);
	cr_expect(!vtd_has_text(t, "Sample trunk 2"), "the trunk went with the sync");
	/* the remaining mark still acts: e opens the form for it alone */
	keys(t, "e");
	wait_text(t, "Edit 1 marked trunk", WAIT_MS);
	cr_expect(!vtd_has_text(t, "gone and left out"), "no stale mark was left to skip");
	keys(t, K_ESC);
	quit(t);
}

/* Runs the trunkctl CLI on the test's data dir, as another terminal would; its exit status. */
static int cli(const char *const *args)
{
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char home[PATH_MAX + 8], dir[PATH_MAX + 32];
		snprintf(home, sizeof(home), "HOME=%s", root);
		snprintf(dir, sizeof(dir), "TRUNKCTL_DATA_DIR=%s", data_dir);
		char *env[] = {home, dir, "TZ=UTC", "LANG=C.UTF-8", NULL};
		char *argv[16] = {TRUNKCTL_BIN, "--offline"};
		size_t n = 2;
		for (size_t i = 0; args[i] && n < 15; i++)
			argv[n++] = (char *)args[i];
		argv[n] = NULL;
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execve(TRUNKCTL_BIN, argv, env);
		_exit(127);
	}
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * A change made by another process (a CLI update in another terminal) shows
 * in the list, and the lint runs again, at the TUI's next idle tick: no key
 * is pressed.
 */
Test(e2e, a_change_from_another_process_shows_and_is_linted_without_a_key)
{
	create_offline_with("Other A",
	                    (const char *const[]){"inbound_source_ips=198.51.100.7", NULL});
	create_offline_with("Other B",
	                    (const char *const[]){"inbound_source_ips=198.51.100.7", NULL});
	struct vtd *t = run(24, 80, 0);
	cr_assert(vtd_wait_lint(t, WAIT_MS), "the lint never came");
	char g[3];
	gutter_of(t, "Other A", g);
	cr_expect_str_eq(g, "! ", "an error on A");
	unsigned inputs = vtd_idle(t);
	cr_assert_eq(cli((const char *const[]){"update", "Other B", "--set", "name=Other C",
	                                       "--set", "inbound_source_ips=198.51.100.8", NULL}),
	             0);
	wait_text(t, "Other C", WAIT_MS);
	cr_assert(vtd_wait_lint(t, WAIT_MS), "the lint after the change never came");
	/* no trunk has a finding left: the list drops its marks' column */
	char row[256];
	row_of(t, "Other A", row, sizeof(row));
	cr_expect(strncmp(row, "Other A ", 8) == 0,
	          "A is clean once the other trunk has its own IP: %s", row);
	cr_expect(!vtd_has_text(t, "Other B"), "the old name stays listed");
	cr_expect_eq(vtd_idle(t), inputs, "a key was counted");
	quit(t);
}

/*
 * Each page a sync's pull commits changes the store, and a lint asked for
 * at each idle tick was cancelled by the next before it could end: during
 * a sync the list shows the changes as they come and the lint runs once,
 * when the sync ends (here, stopped), with what changed meanwhile.
 */
Test(e2e, a_change_during_a_sync_is_linted_once_the_sync_ends)
{
	create_offline_with("Other A",
	                    (const char *const[]){"inbound_source_ips=198.51.100.7", NULL});
	create_offline_with("Other B",
	                    (const char *const[]){"inbound_source_ips=198.51.100.9", NULL});
	/* every request of the sync waits until it is stopped */
	const char *extra[] = {"--fault", "hang=100", NULL};
	cr_assert(fake_start(&server, 0, extra), "the fake API did not start");
	struct vtd *t = run(24, 80, RUN_ONLINE);
	wait_text(t, "Syncing", WAIT_MS);
	cr_assert(vtd_wait_lint(t, WAIT_MS), "the first lint never came");
	char g[3];
	gutter_of(t, "Other A", g);
	cr_expect_str_neq(g, "! ", "no shared IP yet");
	cr_assert_eq(cli((const char *const[]){"update", "Other B", "--set", "name=Other C",
	                                       "--set", "inbound_source_ips=198.51.100.7", NULL}),
	             0);
	wait_text(t, "Other C", WAIT_MS);
	/* a key's repaint carries a marker of its own: what it says of the lint is current */
	keys(t, "j");
	cr_expect(vtd_has_text(t, "Syncing"), "the sync is still under way");
	cr_expect(vtd_lint_pending(t), "the lint waits for the sync to end");
	/* a lint asked for now would have ended well within this: none comes until the sync ends */
	cr_expect_not(vtd_wait_lint(t, 3000), "a lint ran during the sync");
	gutter_of(t, "Other A", g);
	cr_expect_str_neq(g, "! ", "no lint ran during the sync");
	keys(t, "\030");
	wait_text(t, "Sync stopped", SYNC_MS);
	cr_assert(vtd_wait_lint(t, WAIT_MS), "the lint after the sync never came");
	gutter_of(t, "Other A", g);
	cr_expect_str_eq(g, "! ", "the IP now shared is an error once the sync ended");
	gutter_of(t, "Other C", g);
	cr_expect_str_eq(g, "! ");
	quit(t);
}

/*
 * From a trunk's detail view: edits it, puts ip in place of its first
 * inbound IP, waits for the form's routing line to say expected, and
 * discards the edit.
 */
static void try_inbound_ip(struct vtd *t, const char *trunk, const char *ip, const char *expected)
{
	char title[96];
	snprintf(title, sizeof(title), "Edit trunk %s", trunk);
	keys(t, "e");
	wait_text(t, title, WAIT_MS);
	for (int i = 0; i < 5; i++)
		keys(t, K_TAB);
	keys(t, "\025");
	type(t, ip);
	wait_text(t, expected, WAIT_MS);
	keys(t, K_ESC);
	wait_text(t, "Discard your changes?", WAIT_MS);
	keys(t, "y");
	wait_text(t, "Inbound source IPs", WAIT_MS);
}

/*
 * A form opened from the routing screen checks its IPs against the trunks
 * that screen shows (one read by the lint thread, shared); leaving the form
 * keeps the routing screen's trunks.
 */
Test(e2e, a_form_over_the_routing_screen_checks_against_its_trunks)
{
	struct vtd *t = run_online_with_samples(4);
	keys(t, ":");
	type(t, "route 198.51.0.1");
	keys(t, K_ENTER);
	wait_text(t, "A call from 198.51.0.1 lands on Sample trunk 1", WAIT_MS);
	/* the last line: trunk 4's IP */
	keys(t, "G");
	keys(t, K_ENTER);
	wait_text(t, "Inbound source IPs", WAIT_MS);
	try_inbound_ip(t, "Sample trunk 4", "198.51.0.1",
	               "198.51.0.1 is already on Sample trunk 1, created earlier");
	keys(t, K_ESC);
	wait_text(t, "Routing: what the platform does", WAIT_MS);
	cr_expect(vtd_has_text(t, "lands on Sample trunk 1"), "the routing screen kept its trunks");
	quit(t);
}

/*
 * Which trunk loses an IP two trunks share is a matter of their ages: trunk
 * 1 taking trunk 4's IP is the older, so trunk 4 stops receiving its calls.
 */
Test(e2e, an_older_trunk_taking_an_ip_is_said_to_take_its_calls)
{
	struct vtd *t = run_online_with_samples(4);
	/* the list is by name: Sample trunk 1 first */
	keys(t, K_ENTER);
	wait_text(t, "Inbound source IPs", WAIT_MS);
	try_inbound_ip(t, "Sample trunk 1", "198.51.0.4",
	               "198.51.0.4 is also on Sample trunk 4, created later: it stops");
	quit(t);
}
