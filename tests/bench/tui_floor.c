/*
 * The floor of the local figures: the least a curses list over SQLite can do.
 * It opens the store that pull_floor wrote, reads one screen of trunks through
 * the name index, paints it with a highlighted row and a status line, and then
 * moves the highlight (j/k, arrows) or filters by name ('/' then text, Enter or
 * Escape to leave). After each completed repaint it sets the terminal title to
 * "idle:N", the same marker trunkctl emits in test mode, so ptyprobe times
 * both programs the same way. q quits.
 *
 * usage: tui_floor DB
 */
#include <curses.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct view {
	sqlite3 *db;
	sqlite3_stmt *page;
	char filter[128];
	int filtering;
	int cursor, nrows;
	unsigned idle;
};

static void idle_mark(struct view *v)
{
	char mark[32];
	int n = snprintf(mark, sizeof mark, "\033]2;idle:%u\007", ++v->idle);
	if (write(STDOUT_FILENO, mark, (size_t)n) < 0)
		exit(1);
}

static void draw_row(int y, int highlighted)
{
	mvchgat(y, 0, -1, highlighted ? A_REVERSE : A_NORMAL, 0, NULL);
}

static void load(struct view *v)
{
	char like[sizeof v->filter + 2];
	snprintf(like, sizeof like, "%%%s%%", v->filter);
	sqlite3_bind_text(v->page, 1, like, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(v->page, 2, LINES - 1);
	erase();
	int y = 0;
	while (sqlite3_step(v->page) == SQLITE_ROW) {
		mvprintw(y, 0, "%-40.40s %-20.20s %s",
		         (const char *)sqlite3_column_text(v->page, 1),
		         (const char *)sqlite3_column_text(v->page, 2),
		         (const char *)sqlite3_column_text(v->page, 0));
		y++;
	}
	sqlite3_reset(v->page);
	v->nrows = y;
	if (v->cursor >= y)
		v->cursor = y ? y - 1 : 0;
	if (y)
		draw_row(v->cursor, 1);
	if (v->filtering)
		mvprintw(LINES - 1, 0, "/%s", v->filter);
	else
		mvprintw(LINES - 1, 0, "%d shown  j/k move  / filter  q quit", y);
	refresh();
}

static void move_cursor(struct view *v, int delta)
{
	int to = v->cursor + delta;
	if (to < 0 || to >= v->nrows)
		return;
	draw_row(v->cursor, 0);
	v->cursor = to;
	draw_row(v->cursor, 1);
	refresh();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: tui_floor DB\n", stderr);
		return 2;
	}
	struct view v = {0};
	if (sqlite3_open_v2(argv[1], &v.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(v.db,
	                       "SELECT id, name, updated_at FROM trunk WHERE name LIKE ?1"
	                       " ORDER BY name COLLATE NOCASE LIMIT ?2",
	                       -1, &v.page, NULL) != SQLITE_OK) {
		fprintf(stderr, "tui_floor: %s: %s\n", argv[1], sqlite3_errmsg(v.db));
		return 1;
	}
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	load(&v);
	idle_mark(&v);
	for (;;) {
		int ch = getch();
		if (v.filtering) {
			size_t len = strlen(v.filter);
			if (ch == '\n' || ch == 27) {
				v.filtering = 0;
			} else if ((ch == KEY_BACKSPACE || ch == 127) && len) {
				v.filter[len - 1] = '\0';
			} else if (ch >= 32 && ch < 127 && len + 1 < sizeof v.filter) {
				v.filter[len] = (char)ch;
				v.filter[len + 1] = '\0';
			}
			v.cursor = 0;
			load(&v);
		} else if (ch == 'q') {
			break;
		} else if (ch == 'j' || ch == KEY_DOWN) {
			move_cursor(&v, 1);
		} else if (ch == 'k' || ch == KEY_UP) {
			move_cursor(&v, -1);
		} else if (ch == '/') {
			v.filtering = 1;
			load(&v);
		} else {
			continue;
		}
		idle_mark(&v);
	}
	endwin();
	sqlite3_finalize(v.page);
	sqlite3_close(v.db);
	return 0;
}
