/* The `:` command line: every action is also a command, by its name. */
#include <string.h>

#include "app.h"

void ui_cmdline_draw(struct tui_app *app, int row)
{
	char line[160];
	snprintf(line, sizeof(line), ":%s", app->cmd);
	int w = tui_put(stdscr, row, 0, line, COLS, tui_attr(TUI_ROLE_NORMAL));
	move(row, w < COLS ? w : COLS - 1);
}

/* ":profile": what this session works on, in one line. */
static void show_profile(struct tui_app *app)
{
	const char *host = tc_service_api_host(app->svc);
	const char *store_why = tc_service_store_read_only(app->svc);
	tui_status(app, false, "Profile %s: %s%s%s; data in %s.",
	           app->opts.profile ? app->opts.profile : tc_service_profile(app->svc),
	           host ? host : "no Carrier API configured",
	           tc_service_offline(app->svc) ? ", offline" : "",
	           tui_read_only(app) ? (store_why ? ", read-only store" : ", read-only") : "",
	           tc_service_data_dir(app->svc));
}

static void run(struct tui_app *app, char *cmd)
{
	while (*cmd == ' ')
		cmd++;
	/* The name, then what follows the first space as the argument. */
	char *arg = strchr(cmd, ' ');
	if (arg) {
		*arg++ = '\0';
		while (*arg == ' ')
			arg++;
		size_t n = strlen(arg);
		while (n > 0 && arg[n - 1] == ' ')
			arg[--n] = '\0';
		if (!*arg)
			arg = NULL;
	}
	if (!*cmd)
		return;
	if (strcmp(cmd, "q") == 0 || strcmp(cmd, "q!") == 0 || strcmp(cmd, "quit") == 0) {
		app->quit = true;
		return;
	}
	if (strcmp(cmd, "profile") == 0) {
		show_profile(app);
		return;
	}
	enum tui_action act = tui_action_by_name(cmd);
	if (act == TUI_ACT_NONE) {
		tui_status(app, true, "\"%s\" is not a command; :help lists them.", cmd);
		return;
	}
	struct tui_screen *s = app->stack[app->depth - 1];
	enum tui_scope scope = tui_action_scope(act);
	if (scope != TUI_SCOPE_GENERIC && scope != s->ops->scope) {
		tui_status(app, true, "%s works on the %s screen only.", cmd,
		           tui_scope_label(scope));
		return;
	}
	/* :route NUMBER from any screen opens the routing with the number tried. */
	if (act == TUI_ACT_ROUTE && arg && s->ops->scope != TUI_SCOPE_ROUTING) {
		tui_push(app, ui_routing_new(app, arg));
		return;
	}
	if (arg) {
		if (!s->ops->command || s->ops->command(app, s, act, arg) == TUI_IGNORED)
			tui_status(app, true, ":%s takes no argument.", cmd);
		return;
	}
	/* A command is its action without a key: screens act on act alone. */
	tui_apply(app, (struct tui_key){true, 0}, act);
}

void ui_cmdline_key(struct tui_app *app, struct tui_key key)
{
	if (!key.fn && key.code == 27) {
		app->cmd_open = false;
		return;
	}
	if (!key.fn && key.code == L'\n') {
		char cmd[sizeof(app->cmd)];
		memcpy(cmd, app->cmd, sizeof(cmd));
		app->cmd_open = false;
		run(app, cmd);
		return;
	}
	if (!tui_edit_key(app->cmd, sizeof(app->cmd), key) && !app->cmd[0] && !key.fn &&
	    (key.code == 127 || key.code == 8))
		app->cmd_open = false;
}
