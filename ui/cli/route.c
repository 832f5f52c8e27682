/*
 * `trunkctl route` and `trunkctl lint`: the platform's routing replayed over
 * the trunks in the store (doc/routing.md). By default the trunks as they
 * will be after the next sync (queued local changes applied, queued deletes
 * gone); with --server, as the server last sent them.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_private.h"
#include "trunkctl/lint.h"
#include "trunkctl/route.h"
#include "trunkctl/route_diff.h"

/* The trunk --via or --pinned names, among those routing sees. */
static enum tc_status fleet_find(struct tc_service *svc, const struct tc_routing *f,
                                 const char *id_or_name, const struct tc_route_trunk **out,
                                 struct tc_error *err)
{
	*out = NULL;
	struct tc_trunk_record *rec = NULL;
	enum tc_status rc = tc_service_get(svc, id_or_name, &rec, err);
	if (rc != TC_OK)
		return rc;
	*out = tc_routing_find(f, rec->id);
	tc_trunk_record_destroy(rec);
	if (!*out)
		return tc_error_set(
		    err, TC_NOT_FOUND,
		    "%s is not among the trunks routing sees (deleted here, or not on "
		    "the server yet with --server)",
		    id_or_name);
	return TC_OK;
}

static const char *name_of(const struct tc_route_trunk *t)
{
	return t->name ? t->name : "";
}

static json_t *trunk_ref(const struct tc_route_trunk *t)
{
	if (!t)
		return json_null();
	return json_pack("{s:s?,s:s}", "id", t->id, "name", name_of(t));
}

static json_t *trunk_refs(const struct tc_route_trunk *const *trunks, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(list, trunk_ref(trunks[i]));
	return list;
}

static void say_trunk(const char *label, const struct tc_route_trunk *t)
{
	cli_say(stdout, "%-12s%s (%s)", label, name_of(t), t->id ? t->id : "no id");
}

/* A screenful at most: --json lists them all. */
#define TEXT_TRUNKS_MAX 20

static void say_trunks(const char *label, const struct tc_route_trunk *const *trunks, size_t n)
{
	for (size_t i = 0; i < n && i < TEXT_TRUNKS_MAX; i++)
		say_trunk(i == 0 ? label : "", trunks[i]);
	if (n > TEXT_TRUNKS_MAX)
		cli_say(stdout, "%-12sand %zu more (--json lists them all)", "",
		        n - TEXT_TRUNKS_MAX);
}

/* ---- route --to ---- */

struct outbound {
	struct tc_route_answer answer;
	char *dial_string, *caller_id;
};

static enum tc_status outbound_dial(const struct cli_args *a, struct outbound *o,
                                    struct tc_error *err)
{
	const char *to = a->value[CLI_OPT_TO];
	if (o->answer.sip_address)
		return tc_route_sip_dial_string(o->answer.sip_address, NULL, &o->dial_string, err);
	if (!o->answer.trunk)
		return TC_OK;
	struct tc_routing_params p;
	tc_routing_params_of(o->answer.trunk, &p);
	enum tc_status rc = tc_route_dial_string(&p, to, &o->dial_string, err);
	if (rc == TC_OK && a->given[CLI_OPT_FROM])
		rc = tc_route_format_number(a->value[CLI_OPT_FROM], p.national_dialing,
		                            p.plus_prefix, &o->caller_id, err);
	return rc;
}

static void print_outbound_json(const struct cli_args *a, const struct outbound *o)
{
	const struct tc_route_answer *r = &o->answer;
	json_t *obj = json_pack("{s:s,s:s,s:s?,s:o,s:o,s:s?,s:s?}", "to", a->value[CLI_OPT_TO],
	                        "match", tc_route_match_name(r->match), "prefix", r->prefix,
	                        "trunk", trunk_ref(r->trunk), "candidates",
	                        trunk_refs(r->match == TC_ROUTE_AMBIGUOUS ? r->candidates : NULL,
	                                   r->match == TC_ROUTE_AMBIGUOUS ? r->ncandidates : 0),
	                        "dial_string", o->dial_string, "reason",
	                        r->match == TC_ROUTE_NONE ? r->why_none : NULL);
	if (obj && a->given[CLI_OPT_FROM])
		json_object_set_new(obj, "caller_id",
		                    o->caller_id ? json_string(o->caller_id) : json_null());
	cli_print_json(stdout, obj);
	json_decref(obj);
}

static void print_outbound_text(const struct cli_args *a, const struct outbound *o)
{
	const struct tc_route_answer *r = &o->answer;
	cli_say(stdout, "%-12s%s", "to:", a->value[CLI_OPT_TO]);
	if (r->match == TC_ROUTE_PREFIX || (r->match == TC_ROUTE_AMBIGUOUS && r->prefix))
		cli_say(stdout, "%-12s%s %s", "match:", tc_route_match_name(r->match), r->prefix);
	else
		cli_say(stdout, "%-12s%s", "match:", tc_route_match_name(r->match));
	if (r->trunk)
		say_trunk("trunk:", r->trunk);
	if (r->match == TC_ROUTE_AMBIGUOUS) {
		say_trunks("candidates:", r->candidates, r->ncandidates);
		cli_say(stdout, "%-12s%s", "",
		        r->prefix
		            ? "the platform's choice among trunks sharing a prefix is undefined"
		            : "the platform's choice among prefix-less trunks is undefined");
	}
	if (r->match == TC_ROUTE_NONE && r->why_none)
		cli_say(stdout, "%-12s%s", "reason:", r->why_none);
	if (o->dial_string)
		cli_say(stdout, "%-12s%s", "dial:", o->dial_string);
	else if (r->trunk)
		cli_say(stdout, "%-12s%s", "dial:", "none: the trunk cannot dial out");
	if (a->given[CLI_OPT_FROM])
		cli_say(stdout, "%-12s%s", "caller id:", o->caller_id ? o->caller_id : "-");
}

static enum tc_status route_outbound(const struct cli_args *a, struct tc_service *svc,
                                     const struct tc_routing *f, struct tc_error *err)
{
	struct tc_route_query q = {.to = a->value[CLI_OPT_TO]};
	enum tc_status rc = TC_OK;
	if (a->given[CLI_OPT_VIA])
		rc = fleet_find(svc, f, a->value[CLI_OPT_VIA], &q.via, err);
	if (rc == TC_OK && a->given[CLI_OPT_PINNED])
		rc = fleet_find(svc, f, a->value[CLI_OPT_PINNED], &q.pinned, err);
	struct outbound o = {.dial_string = NULL};
	if (rc == TC_OK)
		rc = tc_route_select(tc_routing_table(f), &q, &o.answer, err);
	if (rc == TC_OK)
		rc = outbound_dial(a, &o, err);
	if (rc == TC_OK && a->given[CLI_OPT_JSON])
		print_outbound_json(a, &o);
	else if (rc == TC_OK)
		print_outbound_text(a, &o);
	tc_route_answer_finish(&o.answer);
	free(o.dial_string);
	free(o.caller_id);
	return rc;
}

/* ---- route --from-ip ---- */

/* Normalises option opt's number with the inbound trunk: *out new, or NULL. */
static enum tc_status inbound_number(const struct cli_args *a, enum cli_opt_id opt,
                                     const struct tc_route_trunk *t, char **out,
                                     struct tc_error *err)
{
	*out = NULL;
	if (!a->given[opt] || !t)
		return TC_OK;
	return tc_route_normalize(t, a->value[opt], out, err);
}

static enum tc_status route_inbound(const struct cli_args *a, const struct tc_routing *f,
                                    struct tc_error *err)
{
	const char *ip = a->value[CLI_OPT_FROM_IP];
	struct tc_inbound_answer r;
	enum tc_status rc = tc_route_inbound(tc_routing_table(f), ip, &r, err);
	if (rc == TC_INVALID)
		return tc_error_set(err, TC_USAGE, "--from-ip %s: not an IPv4 address", ip);
	if (rc != TC_OK)
		return rc;
	char *to = NULL, *from = NULL;
	rc = inbound_number(a, CLI_OPT_TO, r.trunk, &to, err);
	if (rc == TC_OK)
		rc = inbound_number(a, CLI_OPT_FROM, r.trunk, &from, err);
	if (rc == TC_OK && a->given[CLI_OPT_JSON]) {
		json_t *obj = json_pack(
		    "{s:s,s:o,s:b,s:o,s:o,s:s?,s:s?}", "from_ip", ip, "trunk", trunk_ref(r.trunk),
		    "ambiguous", r.ambiguous, "candidates",
		    trunk_refs(r.ambiguous ? r.candidates : NULL, r.ambiguous ? r.ncandidates : 0),
		    "shadowed", trunk_refs(r.shadowed, r.nshadowed), "to", to, "from", from);
		cli_print_json(stdout, obj);
		json_decref(obj);
	} else if (rc == TC_OK) {
		cli_say(stdout, "%-12s%s", "from ip:", ip);
		if (r.trunk)
			say_trunk("trunk:", r.trunk);
		else if (r.ambiguous)
			say_trunks("ambiguous:", r.candidates, r.ncandidates);
		else
			cli_say(stdout, "%-12s%s", "trunk:", "none: the call is rejected");
		say_trunks("shadowed:", r.shadowed, r.nshadowed);
		if (to)
			cli_say(stdout, "%-12s%s", "to:", to);
		if (from)
			cli_say(stdout, "%-12s%s", "from:", from);
	}
	free(to);
	free(from);
	tc_inbound_answer_finish(&r);
	return rc;
}

static int route_command(const struct cli_args *a, struct tc_service *svc, struct tc_error *err)
{
	bool inbound = a->given[CLI_OPT_FROM_IP];
	if (inbound == a->given[CLI_OPT_TO] && !inbound) {
		tc_error_set(err, TC_USAGE, "route needs --to NUMBER or --from-ip IP");
		cli_print_error(err);
		return CLI_EXIT_USAGE;
	}
	if (inbound && (a->given[CLI_OPT_VIA] || a->given[CLI_OPT_PINNED])) {
		tc_error_set(err, TC_USAGE,
		             "--via and --pinned choose outbound trunks: not with "
		             "--from-ip");
		cli_print_error(err);
		return CLI_EXIT_USAGE;
	}
	struct tc_routing *f = NULL;
	enum tc_status rc = tc_service_routing(svc, a->given[CLI_OPT_SERVER], &f, err);
	if (rc == TC_OK)
		rc = inbound ? route_inbound(a, f, err) : route_outbound(a, svc, f, err);
	tc_routing_destroy(f);
	if (rc != TC_OK) {
		cli_print_error(err);
		return cli_exit_for(rc);
	}
	return CLI_EXIT_OK;
}

/* ---- lint ---- */

static void print_findings_json(const struct tc_lint_report *report)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < report->count; i++) {
		const struct tc_lint_finding *f = &report->items[i];
		const struct tc_lint_rule *rule = tc_lint_rule(f->rule);
		json_array_append_new(list,
		                      json_pack("{s:s,s:s,s:o,s:s,s:s}", "rule", rule->id,
		                                "severity", tc_lint_severity_name(rule->severity),
		                                "trunks", trunk_refs(f->trunks, f->ntrunks),
		                                "message", f->message, "hint", rule->hint));
	}
	cli_print_json(stdout, list);
	json_decref(list);
}

static void print_findings_text(const struct tc_lint_report *report)
{
	for (size_t i = 0; i < report->count; i++) {
		const struct tc_lint_finding *f = &report->items[i];
		const struct tc_lint_rule *rule = tc_lint_rule(f->rule);
		cli_say(stdout, "%s %s: %s", tc_lint_severity_name(rule->severity), rule->id,
		        f->message);
		for (size_t k = 0; k < f->ntrunks && k < TEXT_TRUNKS_MAX; k++)
			cli_say(stdout, "  trunk: %s (%s)", name_of(f->trunks[k]),
			        f->trunks[k]->id ? f->trunks[k]->id : "no id");
		if (f->ntrunks > TEXT_TRUNKS_MAX)
			cli_say(stdout, "  and %zu more trunks (--json lists them all)",
			        f->ntrunks - TEXT_TRUNKS_MAX);
		cli_say(stdout, "  fix: %s", rule->hint);
	}
	fprintf(stderr, "trunkctl: %zu finding%s: %zu error, %zu warning, %zu info\n",
	        report->count, report->count == 1 ? "" : "s",
	        tc_lint_report_count(report, TC_LINT_ERROR),
	        tc_lint_report_count(report, TC_LINT_WARNING),
	        tc_lint_report_count(report, TC_LINT_INFO));
}

static int lint_command(const struct cli_args *a, struct tc_service *svc, struct tc_error *err)
{
	const struct tc_lint_rule *only = NULL;
	if (a->given[CLI_OPT_RULE] && !(only = tc_lint_rule_find(a->value[CLI_OPT_RULE]))) {
		tc_error_set(err, TC_USAGE, "unknown lint rule '%s' (trunkctl(1) lists them)",
		             a->value[CLI_OPT_RULE]);
		cli_print_error(err);
		return CLI_EXIT_USAGE;
	}
	struct tc_routing *f = NULL;
	struct tc_lint_report report = {0};
	enum tc_status rc = tc_service_routing(svc, a->given[CLI_OPT_SERVER], &f, err);
	if (rc == TC_OK)
		rc = tc_lint_run(tc_routing_table(f), only ? &only->rule : NULL, &report, err);
	if (rc == TC_OK && a->given[CLI_OPT_JSON])
		print_findings_json(&report);
	else if (rc == TC_OK)
		print_findings_text(&report);
	size_t errors = rc == TC_OK ? tc_lint_report_count(&report, TC_LINT_ERROR) : 0;
	tc_lint_report_finish(&report);
	tc_routing_destroy(f);
	if (rc != TC_OK) {
		cli_print_error(err);
		return cli_exit_for(rc);
	}
	return errors ? CLI_EXIT_CHANGES : CLI_EXIT_OK;
}

/* ---- what the queued changes do (sync --dry-run, pending) ---- */

/* "A, B (undefined which)", "no trunk": a new string, NULL when out of memory. */
static char *set_text(const struct tc_route_trunk *const *trunks, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (n == 0)
		fputs("no trunk", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", name_of(trunks[i]));
	if (n > 1)
		fputs(" (undefined which)", f);
	fclose(f);
	return buf;
}

static void say_move(FILE *out, const struct tc_route_move *m)
{
	char *before = set_text(m->before, m->nbefore), *after = set_text(m->after, m->nafter);
	if (m->prefix)
		cli_say(out, "trunkctl: routing: destinations under %s: %s -> %s", m->prefix,
		        before ? before : "?", after ? after : "?");
	else
		cli_say(out, "trunkctl: routing: destinations no prefix matches: %s -> %s",
		        before ? before : "?", after ? after : "?");
	free(before);
	free(after);
}

static void say_findings(FILE *out, const char *what, const struct tc_lint_report *r)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct tc_lint_rule *rule = tc_lint_rule(r->items[i].rule);
		cli_say(out, "trunkctl: routing: %s %s %s: %s", what,
		        tc_lint_severity_name(rule->severity), rule->id, r->items[i].message);
	}
}

void cli_route_effects(struct tc_service *svc, FILE *out)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_routing *before = NULL, *after = NULL;
	struct tc_route_changes ch = {0};
	enum tc_status rc = tc_service_routing(svc, true, &before, &err);
	if (rc == TC_OK)
		rc = tc_service_routing(svc, false, &after, &err);
	else
		memset(&after, 0, sizeof(after));
	if (rc == TC_OK)
		rc = tc_route_compare(tc_routing_table(before), tc_routing_table(after), &ch, &err);
	if (rc == TC_OK) {
		for (size_t i = 0; i < ch.nmoves; i++)
			say_move(out, &ch.moves[i]);
		say_findings(out, "new", &ch.added);
		say_findings(out, "cleared", &ch.cleared);
	} else {
		cli_say(out, "trunkctl: routing: not compared: %s",
		        err.message[0] ? err.message : tc_status_message(rc));
	}
	tc_route_changes_finish(&ch);
	tc_routing_destroy(after);
	tc_routing_destroy(before);
	tc_error_clear(&err);
}

int cli_cmd_route(struct cli *c)
{
	return route_command(c->a, c->svc, &c->err);
}

int cli_cmd_lint(struct cli *c)
{
	return lint_command(c->a, c->svc, &c->err);
}
