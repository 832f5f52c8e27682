/* doctor: the token, the server, the clock, the store, file modes and the terminal. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_private.h"
#include "tui/termcheck.h"

struct checks {
	json_t *arr;
	int worst;
};

static void check(struct checks *ck, int code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void check(struct checks *ck, int code, const char *name, const char *fmt, ...)
{
	char detail[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* -1: a warning, reported but not failing. */
	const char *verdict = code > 0 ? "FAIL" : code < 0 ? "warn" : "ok";
	if (code > 0 && ck->worst == CLI_EXIT_OK)
		ck->worst = code;
	if (ck->arr)
		json_array_append_new(ck->arr, json_pack("{s:s,s:s,s:s}", "check", name, "result",
		                                         verdict, "detail", detail));
	else
		cli_say(stdout, "%-5s %-12s %s", verdict, name, detail);
}

static void doctor_files(struct cli *c, struct checks *ck)
{
	const char *path = tc_config_get(c->cfg, TC_CFG_CONFIG_FILE);
	struct stat st;
	if (path && stat(path, &st) == 0)
		check(ck, (st.st_mode & S_IWOTH) ? -1 : 0, "config", "%s (mode %04o)%s", path,
		      (unsigned)(st.st_mode & 07777),
		      (st.st_mode & S_IWOTH) ? ": others can write it" : "");
	else
		check(ck, 0, "config", "no configuration file; defaults, environment and flags");
	const char *token = NULL;
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status rc = tc_config_token(c->cfg, &token, &e);
	if (rc == TC_OK)
		check(ck, 0, "token", "from %s", tc_config_token_where(c->cfg));
	else
		check(ck, rc == TC_AUTH ? CLI_EXIT_AUTH : CLI_EXIT_FAILURE, "token", "%s",
		      e.message);
	tc_error_clear(&e);
}

static void doctor_server(struct cli *c, struct checks *ck)
{
	if (!cli_has_api(c)) {
		char hint[1024];
		tc_config_no_api_hint(c->cfg, hint, sizeof(hint));
		check(ck, -1, "server", "%s", hint);
		return;
	}
	if (tc_service_offline(c->svc)) {
		check(ck, -1, "server", "offline: not checked");
		return;
	}
	struct tc_probe_result pr;
	memset(&pr, 0, sizeof(pr));
	struct tc_error e;
	tc_error_init(&e);
	/* The verdicts come from pr; the status only repeats them. */
	tc_service_probe(c->svc, &pr, &e);
	const char *url = tc_config_get(c->cfg, TC_CFG_API_URL);
	int status = pr.http_status;
	/* Any other answer (a redirect, a 5xx, a 418) leaves the token unchecked. */
	bool about_token = pr.token_ok || status == 401;
	if (!pr.reachable || !about_token)
		check(ck, CLI_EXIT_FAILURE, "server", "%s: %s", url,
		      e.message[0] ? e.message : pr.message);
	else
		check(ck, 0, "server", "%s answered HTTP %d", url, status);
	if (pr.reachable && !about_token)
		check(ck, CLI_EXIT_FAILURE, "auth", "not checked: the server answered HTTP %d (%s)",
		      status,
		      status >= 300 && status < 400   ? "a redirect, not followed"
		      : status >= 500                 ? "a server error"
		      : status >= 200 && status < 300 ? "not the trunk list"
		                                      : "not an answer the Carrier API gives");
	else if (pr.reachable)
		check(ck, pr.token_ok ? 0 : CLI_EXIT_AUTH, "auth", "%s",
		      pr.token_ok ? "token accepted" : "token refused (401)");
	if (pr.token_ok)
		check(ck, pr.scope_ok ? 0 : CLI_EXIT_AUTH, "scope", "%s",
		      pr.scope_ok ? "carrier_api scope"
		                  : "token lacks the carrier_api scope (403)");
	if (pr.have_skew) {
		long long s = (long long)(pr.skew_ms / 1000);
		check(ck, (s > 60 || s < -60) ? -1 : 0, "clock", "%+llds against the server's Date",
		      s);
	}
	tc_error_clear(&e);
}

static void doctor_store(struct cli *c, struct checks *ck)
{
	struct tc_store_check sc;
	memset(&sc, 0, sizeof(sc));
	struct tc_error e;
	tc_error_init(&e);
	if (tc_service_check_store(c->svc, &sc, &e) != TC_OK) {
		check(ck, CLI_EXIT_FAILURE, "store", "%s", e.message);
		tc_error_clear(&e);
		return;
	}
	check(ck, sc.integrity_ok ? 0 : CLI_EXIT_FAILURE, "store", "%s: %s (schema %d, %lld bytes)",
	      tc_service_store_path(c->svc), sc.integrity_ok ? "intact" : sc.integrity,
	      sc.schema_version, (long long)sc.size_bytes);
	check(ck, sc.modes_ok ? 0 : -1, "modes", "data dir %04o, store %04o%s", sc.dir_mode,
	      sc.file_mode, sc.modes_ok ? "" : ": want 0700 and 0600");
	if (sc.integrity_ok && sc.search_rebuilt)
		check(ck, -1, "search",
		      "the filter's copy of the search text was out of step for %zu trunks: %s",
		      sc.search_rebuilt,
		      sc.read_only ? "not rebuilt, the store is read-only" : "rebuilt from them");
	else if (sc.integrity_ok)
		check(ck, 0, "search", "the filter's copy of the search text matches the trunks");
}

/* Why the interface will or will not draw in colour, as tui_theme_wants_color decides. */
static void colour_reason(const struct tc_config *cfg, const struct tui_term_report *r, char *buf,
                          size_t len)
{
	enum tc_color_mode mode = tc_config_color(cfg);
	const char *where = tc_config_where(cfg, TC_CFG_COLOR);
	bool found = r->terminfo == TUI_TERMINFO_FOUND;
	buf[0] = '\0';
	if (mode == TC_COLOR_NEVER && tc_config_origin(cfg, TC_CFG_COLOR) != TC_ORIGIN_DEFAULT)
		snprintf(buf, len, "; color = never (%s): the interface draws without colour",
		         where);
	else if (r->no_color && mode == TC_COLOR_ALWAYS)
		snprintf(buf, len, "; NO_COLOR is set, but color = always (%s) keeps the colours",
		         where);
	else if (r->no_color)
		snprintf(buf, len, "; NO_COLOR is set%s",
		         found ? ": the interface draws without colour" : "");
	else if (found && r->colors < 8)
		snprintf(buf, len, ": the interface draws with bold and reverse only");
}

static void doctor_terminal(struct cli *c, struct checks *ck)
{
	struct tui_term_report r;
	tui_term_probe(&r, (int)tc_config_esc_delay(c->cfg));
	const char *term = r.term[0] ? r.term : "(unset)";
	check(ck, r.tty && r.terminfo == TUI_TERMINFO_UNSET ? -1 : 0, "terminal", "%s, TERM=%s",
	      r.tty ? "a terminal" : "not a terminal", term);
	switch (r.terminfo) {
	case TUI_TERMINFO_UNSET:
		check(ck, -1, "terminfo",
		      "TERM is unset or dumb: the interface cannot start; set TERM to an entry "
		      "`infocmp` knows, e.g. xterm-256color");
		break;
	case TUI_TERMINFO_UNKNOWN:
		check(
		    ck, -1, "terminfo",
		    "TERM=%s has no terminfo entry: the interface cannot start; install its entry "
		    "or set TERM to one `infocmp` knows, e.g. xterm-256color",
		    term);
		break;
	case TUI_TERMINFO_NO_DATABASE:
		check(ck, -1, "terminfo", "no terminfo database was found (TERM=%s)", term);
		break;
	case TUI_TERMINFO_FOUND:
		check(ck, 0, "terminfo", "TERM=%s is in terminfo", term);
		break;
	}
	char why[200];
	colour_reason(c->cfg, &r, why, sizeof(why));
	if (r.terminfo == TUI_TERMINFO_FOUND)
		check(ck, 0, "colors", "%d colours%s", r.colors > 0 ? r.colors : 0, why);
	else
		check(ck, 0, "colors", "unknown: no terminfo entry to say%s", why);
	check(ck, r.utf8 ? 0 : -1, "utf8", "%s locale (codeset %s)%s",
	      r.utf8 ? "a UTF-8" : "not a UTF-8", r.codeset[0] ? r.codeset : "unknown",
	      r.utf8 ? "" : ": the interface draws its lines in ASCII; set LANG to a UTF-8 locale");
	check(ck, r.esc_delay_ms > 100 ? -1 : 0, "escdelay", "%d ms (%s)%s", r.esc_delay_ms,
	      r.esc_delay_from_env ? "ESCDELAY in the environment" : "the esc_delay setting",
	      r.esc_delay_ms > 100 ? ": Esc will feel slow" : "");
	if (r.terminfo == TUI_TERMINFO_FOUND && r.keys_missing[0])
		check(ck, -1, "keys",
		      "TERM=%s does not define %s (terminfo names): those keys will "
		      "not work; is TERM the terminal's?",
		      term, r.keys_missing);
	else if (r.terminfo == TUI_TERMINFO_FOUND)
		check(
		    ck, 0, "keys",
		    "TERM=%s defines the arrows, Home, End, F2 and F5; whether the terminal sends "
		    "what it says is not tested without a key press",
		    term);
	else
		check(ck, 0, "keys", "unknown: no terminfo entry to say");
	if (r.osc52 == TUI_OSC52_YES)
		check(ck, 0, "osc52", "supported: terminfo's Ms says the terminal takes OSC 52%s",
		      r.in_tmux ? " (inside tmux, its set-clipboard option decides)" : "");
	else
		check(
		    ck, 0, "osc52",
		    "unknown: terminfo does not say (no Ms); a copy may not reach the clipboard%s",
		    r.in_tmux ? " (inside tmux, its set-clipboard option decides)" : "");
}

int cli_cmd_doctor(struct cli *c)
{
	struct checks ck = {.arr = c->a->given[CLI_OPT_JSON] ? json_array() : NULL};
	doctor_files(c, &ck);
	doctor_store(c, &ck);
	doctor_server(c, &ck);
	doctor_terminal(c, &ck);
	if (ck.arr)
		cli_print_json(stdout, ck.arr);
	json_decref(ck.arr);
	return ck.worst;
}
