/* `trunkctl route` and `trunkctl lint` (ui/cli_route.c): the routing replay of doc/routing.md. */
#ifndef TRUNKCTL_UI_CLI_ROUTE_H
#define TRUNKCTL_UI_CLI_ROUTE_H

#include <stdio.h>

#include "cli.h"
#include "trunkctl/service.h"

/* lint's exit status when a finding of severity error exists (trunkctl(1), EXIT STATUS). */
#define CLI_EXIT_LINT_ERRORS 8

/* Each returns the exit status; err is the caller's, for the message of a failure. */
int cli_cmd_route(const struct cli_args *a, struct tc_service *svc, struct tc_error *err);
int cli_cmd_lint(const struct cli_args *a, struct tc_service *svc, struct tc_error *err);

/*
 * What the queued changes do to routing, as lines on out: the destinations
 * (prefixes, and those no prefix matches) that change trunks, and the lint
 * findings they add or clear. Nothing when they change nothing.
 */
void cli_route_effects(struct tc_service *svc, FILE *out);

#endif
