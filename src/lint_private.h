/*
 * Private to src/lint*.c: the rules' findings handed on one at a time, so
 * that the lint thread's marks never wait for a whole report (its messages
 * were as large as the fleet's routing records).
 */
#ifndef TRUNKCTL_LINT_PRIVATE_H
#define TRUNKCTL_LINT_PRIVATE_H

#include <stdatomic.h>

#include "trunkctl/lint.h"

/*
 * Takes one finding: its trunks and message are the sink's from then on,
 * whatever it returns. A status other than TC_OK stops the run.
 */
typedef enum tc_status (*lint_sink_fn)(void *ctx, struct tc_lint_finding *finding);

/* What the messages call trunk t: its name, else its id. */
const char *lint_label(const struct tc_route_trunk *t);

/* tc_lint_run_cancellable with each finding handed to sink, in the report's order. */
enum tc_status lint_run_sink(const struct tc_route_table *table, const enum tc_lint_rule_id *only,
                             const atomic_bool *cancel, lint_sink_fn sink, void *ctx,
                             struct tc_error *err);

/*
 * Every rule over table, straight into marks: the same marks as
 * tc_lint_marks_build over tc_lint_run's report, without the report.
 * release(ctx), when given, is called once the table and its trunks are
 * read for the last time, before the marks are put together: the caller
 * frees them there, and never holds them and the whole marks at once.
 * TC_NOMEM, TC_CANCELLED.
 */
enum tc_status lint_marks_run(const struct tc_route_table *table, const atomic_bool *cancel,
                              void (*release)(void *ctx), void *ctx, struct tc_lint_marks **out,
                              struct tc_error *err);

#endif
