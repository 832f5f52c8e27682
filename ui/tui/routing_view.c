/*
 * What the platform does with the carrier's trunks (doc/routing.md): the lint
 * findings, which trunk each route prefix and each inbound IP reaches, and a
 * prompt that tests a number or an IP. Enter on a line that names a trunk
 * opens it. The trunks are as they will be after the next sync. They are
 * read, and linted, by the lint thread (tui_lint_request): at 100,000
 * trunks that is a second the keyboard would otherwise wait.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "trunkctl/lint.h"
#include "trunkctl/route.h"

struct line {
	char *text;
	enum tui_role role;
	char *trunk_id; /* the trunk Enter opens, or NULL */
};

struct routing_view {
	struct tui_screen base;
	struct tui_app *app;
	/* the trunks as last read, and their lint: the lines and every test use this one read */
	struct tui_fleet *fleet;
	const struct tc_routing *routing; /* fleet's, or NULL */
	unsigned gen;                     /* the app's routing_gen these came with; 0: none yet */
	struct line *lines;
	size_t count, cap;
	struct tui_scroll sc;
	int height;
	bool prompting;
	char test[64];       /* the number or IP being typed, or last tested */
	char answer[2][640]; /* what the last test said, in two lines */
	enum tui_role answer_role;
};

static const enum tui_action footer[] = {TUI_ACT_ROUTE_TEST, TUI_ACT_OPEN_TRUNK, TUI_ACT_BACK,
                                         TUI_ACT_HELP, TUI_ACT_NONE};

static const char *name_of(const struct tc_route_trunk *t)
{
	return t->name ? t->name : (t->id ? t->id : "?");
}

static void add(struct routing_view *v, enum tui_role role, const struct tc_route_trunk *t,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void add(struct routing_view *v, enum tui_role role, const struct tc_route_trunk *t,
                const char *fmt, ...)
{
	if (v->count == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct line *l = realloc(v->lines, cap * sizeof(*l));
		if (!l)
			return;
		v->lines = l;
		v->cap = cap;
	}
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	struct line *l = &v->lines[v->count];
	l->text = strdup(buf);
	l->trunk_id = t && t->id ? strdup(t->id) : NULL;
	l->role = role;
	if (l->text)
		v->count++;
	else
		free(l->trunk_id);
}

static void drop_lines(struct routing_view *v)
{
	for (size_t i = 0; i < v->count; i++) {
		free(v->lines[i].text);
		free(v->lines[i].trunk_id);
	}
	v->count = 0;
}

struct pair {
	const char *key; /* a prefix or an IP */
	size_t age;      /* the trunk's place, oldest first */
	const struct tc_route_trunk *trunk;
};

static int by_key_then_age(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->age > y->age) - (x->age < y->age);
}

/* The route prefixes of t (ips false) or its inbound IPs; *n of them. */
static const char *const *list_of(const struct tc_route_trunk *t, bool ips, size_t *n)
{
	*n = ips ? t->ninbound_ips : t->nroute_prefixes;
	return ips ? t->inbound_ips : t->route_prefixes;
}

/* Every (value, trunk) of the prefixes or IPs, over trunks that pass keep; *n pairs, sorted. */
static struct pair *pairs_of(const struct tc_route_table *table, bool ips,
                             bool (*keep)(const struct tc_route_trunk *), size_t *n)
{
	size_t cap = 0, count;
	*n = 0;
	for (size_t i = 0; i < tc_route_table_count(table); i++) {
		const struct tc_route_trunk *t = tc_route_table_trunk(table, i);
		if (keep && !keep(t))
			continue;
		list_of(t, ips, &count);
		cap += count;
	}
	struct pair *p = calloc(cap ? cap : 1, sizeof(*p));
	for (size_t i = 0; p && i < tc_route_table_count(table); i++) {
		const struct tc_route_trunk *t = tc_route_table_trunk(table, i);
		if (keep && !keep(t))
			continue;
		const char *const *items = list_of(t, ips, &count);
		for (size_t k = 0; k < count; k++)
			p[(*n)++] = (struct pair){items[k], i, t};
	}
	if (p)
		qsort(p, *n, sizeof(*p), by_key_then_age);
	return p;
}

static void add_findings(struct routing_view *v, const struct tc_lint_report *report)
{
	add(v, TUI_ROLE_GROUP, NULL, "Findings: %zu error%s, %zu warning%s, %zu note%s",
	    tc_lint_report_count(report, TC_LINT_ERROR),
	    tc_lint_report_count(report, TC_LINT_ERROR) == 1 ? "" : "s",
	    tc_lint_report_count(report, TC_LINT_WARNING),
	    tc_lint_report_count(report, TC_LINT_WARNING) == 1 ? "" : "s",
	    tc_lint_report_count(report, TC_LINT_INFO),
	    tc_lint_report_count(report, TC_LINT_INFO) == 1 ? "" : "s");
	if (!report->count)
		add(v, TUI_ROLE_DIM, NULL, "  none: the platform routes these trunks as they read");
	for (size_t i = 0; i < report->count; i++) {
		const struct tc_lint_finding *f = &report->items[i];
		const struct tc_lint_rule *rule = tc_lint_rule(f->rule);
		enum tui_role role = rule->severity == TC_LINT_ERROR     ? TUI_ROLE_ERROR
		                     : rule->severity == TC_LINT_WARNING ? TUI_ROLE_WARNING
		                                                         : TUI_ROLE_NORMAL;
		add(v, role, f->ntrunks ? f->trunks[0] : NULL, "  %-7s %s: %s",
		    tc_lint_severity_name(rule->severity), rule->id, f->message);
	}
}

static bool can_dial_out(const struct tc_route_trunk *t)
{
	return tc_route_outbound_capable(t);
}

static void add_prefixes(struct routing_view *v, const struct tc_route_table *table)
{
	size_t n;
	struct pair *p = pairs_of(table, false, can_dial_out, &n);
	add(v, TUI_ROLE_GROUP, NULL, "Route prefixes: the longest that starts a number wins");
	for (size_t i = 0; p && i < n; i++) {
		bool tie = (i > 0 && strcmp(p[i - 1].key, p[i].key) == 0) ||
		           (i + 1 < n && strcmp(p[i + 1].key, p[i].key) == 0);
		add(v, tie ? TUI_ROLE_ERROR : TUI_ROLE_NORMAL, p[i].trunk, "  %-15s %s%s", p[i].key,
		    name_of(p[i].trunk), tie ? "  (shared: the choice is undefined)" : "");
	}
	free(p);
	size_t fallbacks = 0;
	for (size_t i = 0; i < tc_route_table_count(table); i++) {
		const struct tc_route_trunk *t = tc_route_table_trunk(table, i);
		if (can_dial_out(t) && t->nroute_prefixes == 0)
			fallbacks++;
	}
	for (size_t i = 0; i < tc_route_table_count(table); i++) {
		const struct tc_route_trunk *t = tc_route_table_trunk(table, i);
		if (can_dial_out(t) && t->nroute_prefixes == 0)
			add(v, fallbacks > 1 ? TUI_ROLE_ERROR : TUI_ROLE_NORMAL, t, "  %-15s %s%s",
			    "(anything else)", name_of(t),
			    fallbacks > 1 ? "  (one of several: undefined)" : "");
	}
	if (!fallbacks)
		add(v, TUI_ROLE_DIM, NULL, "  %-15s %s", "(anything else)",
		    "no trunk: a number no prefix matches fails");
}

static void add_inbound(struct routing_view *v, const struct tc_route_table *table)
{
	size_t n;
	struct pair *p = pairs_of(table, true, NULL, &n);
	add(v, TUI_ROLE_GROUP, NULL,
	    "Inbound IPs: the oldest trunk holding the IP takes its calls");
	if (!n)
		add(v, TUI_ROLE_DIM, NULL, "  no trunk takes calls by IP");
	for (size_t i = 0; p && i < n; i++) {
		bool first = i == 0 || strcmp(p[i - 1].key, p[i].key) != 0;
		if (first)
			add(v, TUI_ROLE_NORMAL, p[i].trunk, "  %-15s %s", p[i].key,
			    name_of(p[i].trunk));
		else
			add(v, TUI_ROLE_WARNING, p[i].trunk,
			    "  %-15s %s  (shadowed: never receives it)", "", name_of(p[i].trunk));
	}
	free(p);
}

static void run_test(struct tui_app *app, struct routing_view *v);

/* The lines of the trunks and report the lint thread read last (app->fleet). */
static void adopt(struct tui_app *app, struct routing_view *v)
{
	drop_lines(v);
	tui_fleet_drop(v->fleet);
	v->fleet = tui_fleet_hold(app->fleet);
	v->routing = v->fleet ? v->fleet->routing : NULL;
	v->gen = app->routing_gen;
	if (!v->routing) {
		add(v, TUI_ROLE_ERROR, NULL, "%s",
		    "The trunks could not be read for routing (the status line says why).");
		v->sc.count = v->count;
		return;
	}
	const struct tc_route_table *table = tc_routing_table(v->routing);
	add_findings(v, &v->fleet->report);
	add(v, TUI_ROLE_NORMAL, NULL, "%s", "");
	add_prefixes(v, table);
	add(v, TUI_ROLE_NORMAL, NULL, "%s", "");
	add_inbound(v, table);
	v->sc.count = v->count;
	if (v->test[0] && !v->prompting)
		run_test(app, v);
}

/* A number through the outbound rules, or an IP through the inbound ones, into answer. */
static void run_test(struct tui_app *app, struct routing_view *v)
{
	v->answer[0][0] = v->answer[1][0] = '\0';
	v->answer_role = TUI_ROLE_NORMAL;
	if (!v->test[0])
		return;
	if (!v->routing) {
		snprintf(v->answer[0], sizeof(v->answer[0]), "%s",
		         v->gen
		             ? "The trunks could not be read (see above); nothing to test against."
		             : "Reading the trunks: the test runs as soon as they are in.");
		v->answer_role = v->gen ? TUI_ROLE_ERROR : TUI_ROLE_DIM;
		return;
	}
	struct tc_error err;
	tc_error_init(&err);
	const struct tc_route_table *table = tc_routing_table(v->routing);
	unsigned long ip;
	if (tc_route_parse_ipv4(v->test, &ip)) {
		struct tc_inbound_answer a;
		if (tc_route_inbound(table, v->test, &a, &err) == TC_OK) {
			if (a.trunk)
				snprintf(v->answer[0], sizeof(v->answer[0]),
				         "A call from %s lands on %s.", v->test, name_of(a.trunk));
			else if (a.ambiguous)
				snprintf(v->answer[0], sizeof(v->answer[0]),
				         "A call from %s: ambiguous between %zu trunks created "
				         "together.",
				         v->test, a.ncandidates);
			else
				snprintf(v->answer[0], sizeof(v->answer[0]),
				         "A call from %s is rejected: no trunk holds the IP.",
				         v->test);
			if (a.nshadowed)
				snprintf(v->answer[1], sizeof(v->answer[1]),
				         "%zu newer trunk%s also hold%s it and never receive%s it "
				         "(first: "
				         "%s).",
				         a.nshadowed, a.nshadowed == 1 ? "" : "s",
				         a.nshadowed == 1 ? "s" : "", a.nshadowed == 1 ? "s" : "",
				         name_of(a.shadowed[0]));
			v->answer_role = a.trunk ? TUI_ROLE_NORMAL : TUI_ROLE_WARNING;
		}
		tc_inbound_answer_finish(&a);
	} else {
		struct tc_route_query q = {.to = v->test};
		struct tc_route_answer a;
		if (tc_route_select(table, &q, &a, &err) == TC_OK) {
			char *dial = NULL;
			if (a.sip_address) {
				tc_route_sip_dial_string(a.sip_address, NULL, &dial, &err);
				snprintf(v->answer[0], sizeof(v->answer[0]),
				         "%s is a SIP address: dialled as given, no trunk.",
				         v->test);
			} else if (a.trunk) {
				struct tc_routing_params p;
				tc_routing_params_of(a.trunk, &p);
				tc_route_dial_string(&p, v->test, &dial, &err);
				snprintf(v->answer[0], sizeof(v->answer[0]),
				         "%s goes to %s (%s%s%s).", v->test, name_of(a.trunk),
				         tc_route_match_name(a.match), a.prefix ? " " : "",
				         a.prefix ? a.prefix : "");
			} else if (a.match == TC_ROUTE_AMBIGUOUS) {
				snprintf(v->answer[0], sizeof(v->answer[0]),
				         "%s: ambiguous between %zu trunks (%s first); the "
				         "platform's pick "
				         "is undefined.",
				         v->test, a.ncandidates,
				         a.ncandidates ? name_of(a.candidates[0]) : "?");
				v->answer_role = TUI_ROLE_ERROR;
			} else {
				snprintf(v->answer[0], sizeof(v->answer[0]), "%s fails: %s",
				         v->test, a.why_none ? a.why_none : "no trunk");
				v->answer_role = TUI_ROLE_ERROR;
			}
			if (dial)
				snprintf(v->answer[1], sizeof(v->answer[1]), "dial: %s", dial);
			free(dial);
		}
		tc_route_answer_finish(&a);
	}
	if (err.status != TC_OK && !v->answer[0][0]) {
		snprintf(v->answer[0], sizeof(v->answer[0]), "%s: %s", v->test, err.message);
		v->answer_role = TUI_ROLE_ERROR;
	}
	tc_error_clear(&err);
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct routing_view *v = (struct routing_view *)s;
	if (app->routing_gen != v->gen)
		adopt(app, v);
	tui_put(stdscr, top, 0, "Routing: what the platform does with these trunks", COLS,
	        tui_attr(TUI_ROLE_TITLE));
	char prompt[120];
	snprintf(prompt, sizeof(prompt), "Test a number or an IP: %s", v->test);
	int pw = tui_put(stdscr, top + 1, 0, prompt, COLS,
	                 tui_attr(v->prompting ? TUI_ROLE_FIELD_FOCUS : TUI_ROLE_LABEL));
	s->cursor_y = -1;
	if (v->prompting) {
		s->cursor_y = top + 1;
		s->cursor_x = pw < COLS ? pw : COLS - 1;
	}
	tui_put_cut(stdscr, top + 2, 2, v->answer[0], COLS - 2, tui_attr(v->answer_role),
	            app->caps.utf8);
	tui_put_cut(stdscr, top + 3, 2, v->answer[1], COLS - 2, tui_attr(TUI_ROLE_DIM),
	            app->caps.utf8);
	v->height = height - 4;
	tui_scroll_fix(&v->sc, v->height);
	for (int i = 0; i < v->height && v->sc.top + (size_t)i < v->count; i++) {
		size_t k = v->sc.top + (size_t)i;
		enum tui_role role =
		    k == v->sc.sel && !v->prompting ? TUI_ROLE_SELECTED : v->lines[k].role;
		if (k == v->sc.sel && !v->prompting) {
			wattrset(stdscr, tui_attr(role));
			mvhline(top + 4 + i, 0, ' ', COLS);
		}
		tui_put_cut(stdscr, top + 4 + i, 0, v->lines[k].text, COLS, tui_attr(role),
		            app->caps.utf8);
	}
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct routing_view *v = (struct routing_view *)s;
	if (v->prompting) {
		if (!k.fn && k.code == 27) {
			v->prompting = false;
			return TUI_HANDLED;
		}
		if (!k.fn && k.code == L'\n') {
			v->prompting = false;
			run_test(app, v);
			return TUI_HANDLED;
		}
		tui_edit_key(v->test, sizeof(v->test), k);
		return TUI_HANDLED;
	}
	if (tui_scroll_key(&v->sc, act, v->height))
		return TUI_HANDLED;
	switch (act) {
	case TUI_ACT_ROUTE_TEST:
		v->prompting = true;
		return TUI_HANDLED;
	case TUI_ACT_OPEN_TRUNK:
		if (v->sc.sel < v->count && v->lines[v->sc.sel].trunk_id)
			tui_push(app, ui_detail_new(app, v->lines[v->sc.sel].trunk_id));
		else
			tui_status(app, false, "This line names no trunk.");
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

static enum tui_result command(struct tui_app *app, struct tui_screen *s, enum tui_action act,
                               const char *arg)
{
	struct routing_view *v = (struct routing_view *)s;
	if (act != TUI_ACT_ROUTE_TEST && act != TUI_ACT_ROUTE)
		return TUI_IGNORED;
	snprintf(v->test, sizeof(v->test), "%s", arg);
	run_test(app, v);
	return TUI_HANDLED;
}

static void destroy(struct tui_screen *s)
{
	struct routing_view *v = (struct routing_view *)s;
	drop_lines(v);
	tui_fleet_drop(v->fleet);
	free(v->lines);
	/* the last routing screen gone: a snapshot that arrives later is not kept */
	if (--v->app->routing_views == 0)
		tui_routing_release(v->app);
	free(v);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_ROUTING,
    .draw = draw,
    .key = key,
    .command = command,
    /*
     * No reload: a change reloads the screens and asks for a lint
     * (tui_changed), which an open routing screen turns into a routing
     * request whose answer brings the new lines; the old ones stay till then.
     */
    .destroy = destroy,
    .footer = footer,
    .title = "Routing",
};

struct tui_screen *ui_routing_new(struct tui_app *app, const char *test)
{
	struct routing_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ops;
	v->app = app;
	app->routing_views++;
	/* a snapshot from before this screen opened may be stale: ask for the store as it is */
	v->gen = app->routing_gen;
	add(v, TUI_ROLE_DIM, NULL, "%s", "Reading the trunks and their lint in the background.");
	v->sc.count = v->count;
	tui_lint_request(app);
	if (test) {
		snprintf(v->test, sizeof(v->test), "%s", test);
		run_test(app, v);
	}
	return &v->base;
}
