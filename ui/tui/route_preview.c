#include "route_preview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "trunkctl/lint.h"
#include "trunkctl/route.h"

/* The rules one trunk breaks by itself; the others need the whole fleet, read below. */
static const enum tc_lint_rule_id own_rules[] = {
    TC_LINT_ROUTE_PREFIX_NOT_DIGITS, TC_LINT_EMPTY_ROUTE_PREFIX,
    TC_LINT_DIAL_PREFIX_NOT_DIGITS,  TC_LINT_NATIONAL_MULTI_COUNTRY,
    TC_LINT_PLUS_WITH_NATIONAL,      TC_LINT_REGISTRATION_IGNORES_PREFIX,
    TC_LINT_PREFIXES_NOT_OUTBOUND,   TC_LINT_INBOUND_COUNTRY_PREPENDS,
};

static const char *name_of(const struct tc_route_trunk *t)
{
	return t->name ? t->name : (t->id ? t->id : "another trunk");
}

/* A destination the trunk would take: its first prefix, else its inbound country's code. */
static void sample_destination(const struct tc_trunk *t, char *buf, size_t len)
{
	const struct tc_value *pre = &t->values[TC_F_OUTBOUND_ROUTE_PREFIXES];
	const char *start = "1202";
	const char *cc = NULL, *national = NULL;
	const char *country = tc_trunk_string(t, TC_F_INBOUND_COUNTRY);
	if (pre->state == TC_V_SET && pre->list.count && pre->list.items[0][0])
		start = pre->list.items[0];
	else if (country && tc_route_country(country, &cc, &national) && cc)
		start = cc;
	/* eleven digits at least: long enough for most numbering plans to find it plausible */
	size_t have = strlen(start), more = have < 7 ? 11 - have : 4;
	snprintf(buf, len, "%s%.*s", start, (int)more, "5550123456789");
}

static void say_dial(struct tui_route_preview *p, const struct tc_trunk *draft)
{
	char to[40];
	sample_destination(draft, to, sizeof(to));
	struct tc_route_trunk view;
	tc_route_trunk_view(draft, &view);
	struct tc_routing_params params;
	tc_routing_params_of(&view, &params);
	char *dial = NULL;
	struct tc_error err;
	tc_error_init(&err);
	/* The address, not the whole dial string: what differs between trunks fits 80 columns. */
	if (tc_route_address(&params, to, &dial, &err) != TC_OK)
		snprintf(p->line, sizeof(p->line), "A call to %s: %s", to, err.message);
	else if (!dial)
		snprintf(p->line, sizeof(p->line),
		         "A call to %s: this trunk cannot dial out (no outbound host).", to);
	else
		snprintf(p->line, sizeof(p->line), "A call to %s dials %s%s", to,
		         params.mode == TC_MODE_OUTBOUND_REGISTRATION ? "via its registration, "
		                                                      : "",
		         dial);
	p->role = TUI_ROLE_DIM;
	free(dial);
	tc_error_clear(&err);
}

/* The first problem of the trunk alone, into line 1; false when none. */
static bool say_own_finding(struct tui_route_preview *p, const struct tc_trunk *draft)
{
	struct tc_route_table *table = NULL;
	struct tc_error err;
	tc_error_init(&err);
	bool found = false;
	struct tc_route_trunk view;
	tc_route_trunk_view(draft, &view);
	if (tc_route_table_build(&view, 1, &table, &err) == TC_OK) {
		for (size_t i = 0; !found && i < sizeof(own_rules) / sizeof(*own_rules); i++) {
			struct tc_lint_report r = {0};
			if (tc_lint_run(table, &own_rules[i], &r, &err) == TC_OK && r.count) {
				const struct tc_lint_rule *rule = tc_lint_rule(r.items[0].rule);
				snprintf(p->line, sizeof(p->line), "%s: %s", rule->id,
				         r.items[0].message);
				p->role = rule->severity == TC_LINT_ERROR ? TUI_ROLE_ERROR
				                                          : TUI_ROLE_WARNING;
				found = true;
			}
			tc_lint_report_finish(&r);
		}
	}
	tc_route_table_destroy(table);
	tc_error_clear(&err);
	return found;
}

static bool is_self(const struct tc_route_trunk *t, const char *self_id)
{
	return self_id && t->id && strcmp(t->id, self_id) == 0;
}

/* An inbound IP or a route prefix the draft shares with another trunk, into line 1. */
static bool say_fleet_finding(struct tui_route_preview *p, const struct tc_trunk *draft,
                              const struct tc_trunk *saved, const char *self_id)
{
	const struct tc_route_table *table = tc_routing_table(p->fleet->routing);
	struct tc_error err;
	tc_error_init(&err);
	bool found = false;
	const struct tc_value *ips = &draft->values[TC_F_INBOUND_SOURCE_IPS];
	for (size_t i = 0; !found && ips->state == TC_V_SET && i < ips->list.count; i++) {
		struct tc_inbound_answer a;
		if (tc_route_inbound(table, ips->list.items[i], &a, &err) != TC_OK) {
			tc_error_clear(&err);
			continue;
		}
		/* The fleet holds this trunk's saved version: another holder is the one that
		 * matters. */
		const struct tc_route_trunk *other =
		    a.trunk && !is_self(a.trunk, self_id) ? a.trunk : NULL;
		for (size_t k = 0; !other && k < a.nshadowed; k++)
			if (!is_self(a.shadowed[k], self_id))
				other = a.shadowed[k];
		/*
		 * The fleet holds the saved version, without the IP the edit adds:
		 * which of the two receives its calls is a matter of their ages.
		 */
		struct tc_route_trunk self = {0};
		if (saved)
			tc_route_trunk_view(saved, &self);
		bool older = other && (!saved || tc_route_age_order(other, &self) < 0);
		if (other) {
			snprintf(p->line, sizeof(p->line),
			         older ? "%s is already on %s, created earlier: inbound calls from "
			                 "it keep "
			                 "going there."
			               : "%s is also on %s, created later: it stops receiving "
			                 "calls from it.",
			         ips->list.items[i], name_of(other));
			p->role = TUI_ROLE_ERROR;
			found = true;
		}
		tc_inbound_answer_finish(&a);
	}
	const struct tc_value *pre = &draft->values[TC_F_OUTBOUND_ROUTE_PREFIXES];
	for (size_t i = 0; !found && pre->state == TC_V_SET && i < pre->list.count; i++) {
		struct tc_route_query q = {.to = pre->list.items[i]};
		struct tc_route_answer a;
		if (tc_route_select(table, &q, &a, &err) != TC_OK) {
			tc_error_clear(&err);
			continue;
		}
		const struct tc_route_trunk *other = NULL;
		if (a.prefix && strcmp(a.prefix, pre->list.items[i]) == 0) {
			if (a.trunk && !is_self(a.trunk, self_id))
				other = a.trunk;
			for (size_t k = 0; !other && k < a.ncandidates; k++)
				if (!is_self(a.candidates[k], self_id))
					other = a.candidates[k];
		}
		struct tc_route_trunk view;
		tc_route_trunk_view(draft, &view);
		if (other && tc_route_outbound_capable(&view)) {
			snprintf(p->line, sizeof(p->line),
			         "Route prefix %s is also on %s: which trunk takes its calls is "
			         "undefined.",
			         pre->list.items[i], name_of(other));
			p->role = TUI_ROLE_ERROR;
			found = true;
		}
		tc_route_answer_finish(&a);
	}
	tc_error_clear(&err);
	return found;
}

/*
 * The other trunks: asked for once (the lint thread reads them, the app
 * keeps its newest answer), then the newest answer the app has.
 */
static void want_fleet(struct tui_app *app, struct tui_route_preview *p)
{
	if (!p->fleet_asked && !p->fleet_too_large) {
		struct tc_list_query all = {0};
		size_t n = 0;
		struct tc_error err;
		tc_error_init(&err);
		/* the count is kept in the store: no trunk is read for it */
		if (tc_service_count(app->svc, &all, &n, &err) == TC_OK &&
		    n > TUI_PREVIEW_FLEET_MAX)
			p->fleet_too_large = true;
		tc_error_clear(&err);
		if (p->fleet_too_large)
			return;
		p->fleet_asked = true;
		p->gen = app->routing_gen;
		app->routing_views++;
		/* a routing screen open underneath keeps the newest trunks: they serve at once */
		p->fleet = tui_fleet_hold(app->fleet);
		if (!p->fleet)
			tui_lint_request(app);
		return;
	}
	if (p->fleet_asked && p->gen != app->routing_gen) {
		tui_fleet_drop(p->fleet);
		p->fleet = tui_fleet_hold(app->fleet);
		p->gen = app->routing_gen;
		p->answered = true;
	}
}

bool tui_route_preview_stale(const struct tui_route_preview *p)
{
	return p->fleet_asked && p->app && p->gen != p->app->routing_gen;
}

/* Whether field f of draft holds values the other trunks must be asked about. */
static bool new_values(const struct tc_trunk *draft, const struct tc_trunk *saved,
                       enum tc_field_id f)
{
	const struct tc_value *v = &draft->values[f];
	if (v->state != TC_V_SET || v->list.count == 0)
		return false;
	return !saved || !tc_field_same_value(f, v, &saved->values[f]);
}

void tui_route_preview_update(struct tui_app *app, struct tui_route_preview *p,
                              const struct tc_trunk *draft, const struct tc_trunk *saved,
                              const char *self_id)
{
	p->app = app;
	p->line[0] = '\0';
	p->role = TUI_ROLE_DIM;
	if (!draft || say_own_finding(p, draft))
		return;
	bool touches_fleet = new_values(draft, saved, TC_F_INBOUND_SOURCE_IPS) ||
	                     new_values(draft, saved, TC_F_OUTBOUND_ROUTE_PREFIXES);
	if (touches_fleet)
		want_fleet(app, p);
	if (touches_fleet && p->fleet && p->fleet->routing &&
	    say_fleet_finding(p, draft, saved, self_id))
		return;
	say_dial(p, draft);
	if (touches_fleet && p->fleet_asked && !p->fleet) {
		size_t n = strlen(p->line);
		snprintf(p->line + n, sizeof(p->line) - n, "%s",
		         p->answered ? " (the other trunks could not be read: R)"
		                     : " (reading the other trunks)");
	}
	/* Too many trunks to read at every form: the routing screen checks them (R). */
	if (touches_fleet && p->fleet_too_large) {
		size_t n = strlen(p->line);
		snprintf(p->line + n, sizeof(p->line) - n, " (fleet checks: R)");
	}
}

void tui_route_preview_finish(struct tui_route_preview *p)
{
	if (!p)
		return;
	tui_fleet_drop(p->fleet);
	/* the last reader gone: a snapshot that arrives later is not kept */
	if (p->fleet_asked && --p->app->routing_views == 0)
		tui_routing_release(p->app);
	memset(p, 0, sizeof(*p));
}
