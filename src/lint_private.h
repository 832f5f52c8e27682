/*
 * Private to src/lint*.c: the rules' findings handed on one at a time, so
 * that the lint thread's marks never wait for a whole report (its messages
 * were as large as the fleet's routing records).
 */
#ifndef TRUNKCTL_LINT_PRIVATE_H
#define TRUNKCTL_LINT_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "trunkctl/lint.h"

/*
 * Takes one finding: its trunks and message are the sink's from then on,
 * whatever it returns. A status other than TC_OK stops the run.
 */
typedef enum tc_status (*lint_sink_fn)(void *ctx, struct tc_lint_finding *finding);

/*
 * One run of the rules: what they read and where they write. Zeroed, then
 * tb (the fleet's rules) or neither (a trunk's rules, lint_trunk_run); a
 * NULL sink keeps only the worst severity found (found, worst).
 */
struct lint {
	const struct tc_route_table *tb;
	lint_sink_fn sink;
	void *ctx;
	bool found;
	enum tc_lint_severity worst;
	/*
	 * Calling codes have at most three digits, so a prefix's code follows
	 * from its first three: looked up once per three digits, not per prefix.
	 * known[k]: 0 not yet, 1 cc[k] holds it, -1 the digits span several.
	 */
	signed char known[1000];
	char cc[1000][4];
	/* country_effect per inbound_country "AA".."ZZ", plus one: 0 not yet */
	signed char effect[26 * 26];
};

/* What the messages call trunk t: its name, else its id. */
const char *lint_label(const struct tc_route_trunk *t);
/* A printf-formatted message in a new allocation; NULL when out of memory. */
char *lint_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lint_ip_text(uint32_t ip, char *buf, size_t size); /* dotted, 16 bytes */

/* The messages of the rules over several trunks, each in a new allocation (NULL: no memory). */
char *lint_shared_ip_message(uint32_t ip, size_t n, const char *oldest, const char *second,
                             bool tie);
char *lint_ip_region_message(uint32_t ip, const char *region, const char *other);
char *lint_duplicate_prefix_message(const char *prefix);
char *lint_ambiguous_fallback_message(size_t n, const char *first, const char *second);
/* t's region when it is another than region (a trunk without one has none), else NULL. */
const char *lint_other_region(const char *region, const struct tc_route_trunk *t);
/* t takes the destinations no route prefix matches. */
bool lint_is_fallback(const struct tc_route_trunk *t, bool outbound);

/* The rule looks at one trunk at a time (else at the whole fleet). */
bool lint_rule_is_per_trunk(enum tc_lint_rule_id rule);
/* Every per-trunk rule over t, in rule order, into l's sink (or its worst). */
enum tc_status lint_trunk_run(struct lint *l, const struct tc_route_trunk *t);

/* tc_lint_run_cancellable with each finding handed to sink, in the report's order. */
enum tc_status lint_run_sink(const struct tc_route_table *table, const enum tc_lint_rule_id *only,
                             const atomic_bool *cancel, lint_sink_fn sink, void *ctx,
                             struct tc_error *err);

/*
 * The marks built in one pass over the trunks (src/lint_marks.c): create
 * with the lowest and highest row of the trunks to come, add each trunk
 * (t->row set; in the walk's order, by id, which breaks ties of age), then
 * finish, which reads the trunks that share an IP again through read.
 */
struct lint_stream;
/* Takes one trunk, valid during the call only. */
typedef enum tc_status (*lint_row_fn)(void *ctx, const struct tc_route_trunk *t);
/* Calls fn with the trunk at row, as routing sees it (TC_NOT_FOUND: none). */
typedef enum tc_status (*lint_read_row_fn)(void *src, int64_t row, lint_row_fn fn, void *ctx,
                                           struct tc_error *err);

enum tc_status lint_stream_create(int64_t lo, int64_t hi, struct lint_stream **out,
                                  struct tc_error *err);
enum tc_status lint_stream_add(struct lint_stream *s, const struct tc_route_trunk *t,
                               struct tc_error *err);
/* *out is the caller's; the stream still needs lint_stream_destroy. TC_CANCELLED. */
enum tc_status lint_stream_finish(struct lint_stream *s, lint_read_row_fn read, void *src,
                                  const atomic_bool *cancel, struct tc_lint_marks **out,
                                  struct tc_error *err);
void lint_stream_destroy(struct lint_stream *s); /* accepts NULL */

#endif
