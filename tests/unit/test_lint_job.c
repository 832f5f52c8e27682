/*
 * The lint in the background (src/lint_job.c): its answers come through
 * the pipe, a burst of requests makes one answer, an answer never describes
 * a store older than the newest request, and a run is cancelled rather than
 * waited for.
 */
#include <criterion/criterion.h>
#include <poll.h>

#include "lint_job.h"
#include "service_private.h"
#include "service_fixture.h"
#include "trunkctl/lint.h"
#include "trunkctl/service.h"

TestSuite(lint_job, .init = setup, .fini = teardown, .timeout = 120);

static struct tc_lint_job *job_new(long settle_ms)
{
	struct tc_lint_job_options o = {
	    .data_dir = dir, .clock = {fake_now, &clk}, .settle_ms = settle_ms};
	struct tc_lint_job *j = NULL;
	cr_assert_eq(tc_lint_job_create(&o, &j, &err), TC_OK);
	cr_expect_eq(tc_lint_job_fd(j), -1, "no thread before the first request");
	return j;
}

/* Waits (a hang guard, not a deadline) for the pipe; false when nothing came. */
static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* The next answer, waited for. */
static struct tc_lint_marks *answer(struct tc_lint_job *j)
{
	struct tc_lint_marks *m = NULL;
	while (readable(tc_lint_job_fd(j), 60000))
		if (tc_lint_job_take(j, &m, &err))
			return m;
	cr_assert_fail("no answer came");
	return NULL;
}

/* The store's row of trunk id: the marks go by it. */
static int64_t row_of(const char *id)
{
	struct tc_trunk_record *rec = NULL;
	cr_assert_eq(tc_service_get(svc, id, &rec, &err), TC_OK, "%s", err.message);
	int64_t row = rec->row;
	cr_assert_gt(row, 0);
	tc_trunk_record_destroy(rec);
	return row;
}

static enum tc_lint_severity worst(const struct tc_lint_marks *m, const char *id)
{
	enum tc_lint_severity sev = TC_LINT_INFO;
	cr_assert(tc_lint_marks_find(m, row_of(id), &sev), "%s has no finding", id);
	return sev;
}

Test(lint_job, an_answer_comes_through_the_pipe)
{
	char *a = create_sample("a", "198.51.0.7"), *b = create_sample("b", "198.51.0.7"),
	     *c = create_sample("c", "198.51.0.8");
	struct tc_lint_job *j = job_new(0);
	cr_assert_eq(tc_lint_job_request(j, &err), TC_OK, "%s", err.message);
	cr_expect(tc_lint_job_busy(j));
	cr_expect_geq(tc_lint_job_fd(j), 0);
	struct tc_lint_marks *m = answer(j);
	cr_assert_not_null(m, "%s", err.message);
	cr_expect_not(tc_lint_job_busy(j));
	cr_expect_eq(worst(m, a), TC_LINT_ERROR);
	cr_expect_eq(worst(m, b), TC_LINT_ERROR);
	cr_expect_not(tc_lint_marks_find(m, row_of(c), NULL));
	tc_lint_marks_destroy(m);
	/* nothing more comes: one request, one answer */
	cr_expect_not(tc_lint_job_take(j, &m, &err));
	tc_lint_job_destroy(j);
	free(a), free(b), free(c);
}

/*
 * Requests made together make one answer, and it is for the store as the
 * last one found it: a trunk saved between them is in it.
 */
Test(lint_job, a_burst_makes_one_answer_about_the_newest_store)
{
	char *a = create_sample("a", "198.51.0.7"), *b = create_sample("b", "198.51.0.9");
	struct tc_lint_job *j = job_new(50);
	cr_assert_eq(tc_lint_job_request(j, &err), TC_OK);
	char *c = create_sample("c", "198.51.0.9");
	cr_assert_eq(tc_lint_job_request(j, &err), TC_OK);
	cr_assert_eq(tc_lint_job_request(j, &err), TC_OK);
	struct tc_lint_marks *m = answer(j);
	cr_assert_not_null(m, "%s", err.message);
	cr_expect_eq(worst(m, c), TC_LINT_ERROR, "the trunk saved during the burst is linted");
	cr_expect_eq(worst(m, b), TC_LINT_ERROR);
	cr_expect_not(tc_lint_marks_find(m, row_of(a), NULL));
	tc_lint_marks_destroy(m);
	/* no second answer follows: the earlier requests were folded into this one */
	cr_expect_not(readable(tc_lint_job_fd(j), 300));
	cr_expect_not(tc_lint_job_take(j, &m, &err));
	cr_expect_not(tc_lint_job_busy(j));
	tc_lint_job_destroy(j);
	free(a), free(b), free(c);
}

/* An answer waiting when a newer request comes is dropped, not taken for the new one's. */
Test(lint_job, an_answer_older_than_the_newest_request_is_dropped)
{
	char *a = create_sample("a", "198.51.0.7"), *b = create_sample("b", "198.51.0.8");
	struct tc_lint_job *j = job_new(0);
	cr_assert_eq(tc_lint_job_request(j, &err), TC_OK);
	cr_assert(readable(tc_lint_job_fd(j), 60000), "the first answer is ready");
	/* the fleet changes and a new request is made before the first answer is taken */
	cr_assert_eq(tc_service_delete(svc, b, &err), TC_OK, "%s", err.message);
	char *c = create_sample("c", "198.51.0.7");
	cr_assert_eq(tc_lint_job_request(j, &err), TC_OK);
	struct tc_lint_marks *m = answer(j);
	cr_assert_not_null(m, "%s", err.message);
	cr_expect_eq(worst(m, a), TC_LINT_ERROR, "the answer is about the store with c");
	cr_expect_eq(worst(m, c), TC_LINT_ERROR);
	tc_lint_marks_destroy(m);
	tc_lint_job_destroy(j);
	free(a), free(b), free(c);
}

/* t[0..n) pulled from the server in one page, then freed. */
static void pull_all(struct tc_store *s, struct tc_trunk **t, size_t n)
{
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(s, &gen, &err), TC_OK);
	cr_assert_eq(tc_store_pull_page(s, gen, t, n, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_pull_finish(s, gen, NULL, &err), TC_OK);
	for (size_t i = 0; i < n; i++)
		tc_trunk_destroy(t[i]);
}

/* The service's destroy does not wait for a run over many trunks to end. */
Test(lint_job, closing_cancels_a_run)
{
	struct tc_store_options so = {.dir = dir, .clock = {fake_now, &clk}};
	struct tc_store *s;
	cr_assert_eq(tc_store_open(&so, &s, &err), TC_OK);
	enum { N = 2000 };
	struct tc_trunk *t[N];
	for (int i = 0; i < N; i++) {
		char id[32], name[32];
		snprintf(id, sizeof(id), "id-%04d", i);
		snprintf(name, sizeof(name), "trunk %d", i);
		t[i] = server_trunk(id, name, "10.0.0.1");
	}
	pull_all(s, t, N);

	/* the read stops at once on a set flag */
	atomic_bool cancel = true;
	struct tc_routing *r = NULL;
	cr_expect_eq(service_routing_read(s, false, &cancel, &r, &err), TC_CANCELLED);
	cr_expect_null(r);
	tc_error_clear(&err);
	atomic_store(&cancel, false);
	cr_assert_eq(service_routing_read(s, false, &cancel, &r, &err), TC_OK, "%s", err.message);
	tc_routing_destroy(r);
	tc_store_close(s);

	/* the job asked and destroyed at once: the thread is joined, whatever it was doing */
	for (int round = 0; round < 5; round++) {
		struct tc_lint_job *j = job_new(0);
		cr_assert_eq(tc_lint_job_request(j, &err), TC_OK);
		tc_lint_job_destroy(j);
	}
	/* and through the service, whose close cancels its own */
	cr_assert_eq(tc_service_lint_request(svc, &err), TC_OK);
	cr_expect(tc_service_lint_busy(svc));
}

/*
 * A routing request's answer carries the trunks and the report as well, for
 * the routing screen; a plain lint's answer does not.
 */
Test(lint_job, a_routing_request_hands_over_the_trunks_and_the_report)
{
	char *a = create_sample("a", "198.51.0.7"), *b = create_sample("b", "198.51.0.7");
	struct tc_lint_job *j = job_new(60000);
	/* no settling: a settle of a minute would time the test out */
	cr_assert_eq(tc_lint_job_request_routing(j, &err), TC_OK, "%s", err.message);
	struct tc_lint_marks *m = answer(j);
	cr_assert_not_null(m, "%s", err.message);
	cr_expect_eq(worst(m, a), TC_LINT_ERROR);
	struct tc_routing *r = NULL;
	struct tc_lint_report report = {0};
	cr_assert(tc_lint_job_take_routing(j, &r, &report));
	cr_expect_eq(tc_route_table_count(tc_routing_table(r)), 2);
	cr_expect_not_null(tc_routing_find(r, b));
	cr_expect_geq(report.count, 1, "the report the marks came from");
	struct tc_routing *again = NULL;
	struct tc_lint_report none = {0};
	cr_expect_not(tc_lint_job_take_routing(j, &again, &none), "handed over once");
	cr_expect_null(again);
	tc_lint_marks_destroy(m);
	tc_routing_destroy(r);
	tc_lint_report_finish(&report);
	tc_lint_job_destroy(j);
	/* a plain lint's answer carries none */
	j = job_new(0);
	cr_assert_eq(tc_lint_job_request(j, &err), TC_OK);
	m = answer(j);
	cr_expect_not(tc_lint_job_take_routing(j, &again, &none));
	tc_lint_marks_destroy(m);
	tc_lint_job_destroy(j);
	free(a), free(b);
}

/*
 * The lint thread's marks come from one walk of the store that keeps no
 * trunk: they say of every trunk what the routing snapshot's report says,
 * queued deletes and local edits as routing sees them included.
 */
Test(lint_job, the_walk_marks_what_the_snapshots_report_finds)
{
	struct tc_store_options so = {.dir = dir, .clock = {fake_now, &clk}};
	struct tc_store *s;
	cr_assert_eq(tc_store_open(&so, &s, &err), TC_OK);
	enum { N = 60 };
	static const char *const ips[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4",
	                                  "10.0.0.5", "10.0.0.6", "10.0.0.7"};
	static const char *const regions[] = {"helium", "hydrogen", "lithium"};
	static const char *const created[] = {"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z",
	                                      "2026-01-03T00:00:00Z"};
	struct tc_trunk *t[N];
	for (int i = 0; i < N; i++) {
		char id[32], name[32];
		/* ids out of the order the rows are written in */
		snprintf(id, sizeof(id), "id-%04d", (i * 37) % N);
		snprintf(name, sizeof(name), "trunk %d", i);
		t[i] = server_trunk(id, name, ips[i % 7]);
		cr_assert_eq(tc_trunk_set_string(t[i], TC_F_CREATED_AT, created[i % 3]), TC_OK);
		cr_assert_eq(tc_trunk_set_string(t[i], TC_F_REGION, regions[i % 5 % 3]), TC_OK);
		if (i % 4 == 0) {
			cr_assert_eq(tc_trunk_assign(t[i], "outbound_host=sip.example.com", &err),
			             TC_OK);
			cr_assert_eq(tc_trunk_assign(t[i],
			                             i % 8 ? "outbound_route_prefixes=855"
			                                   : "outbound_route_prefixes=",
			                             &err),
			             TC_OK);
		}
	}
	pull_all(s, t, N);
	/* a queued delete, a local create sharing an IP, a local edit */
	cr_assert_eq(tc_service_delete(svc, "id-0007", &err), TC_OK, "%s", err.message);
	char *local = create_sample("local", "10.0.0.3");
	struct tc_trunk *change = tc_trunk_new();
	cr_assert_eq(tc_trunk_assign(change, "inbound_source_ips=10.0.0.1, 10.0.0.9", &err), TC_OK);
	cr_assert_eq(tc_service_update(svc, "id-0011", change, NULL, NULL, &err), TC_OK, "%s",
	             err.message);
	tc_trunk_destroy(change);

	struct tc_lint_marks *walked = NULL;
	cr_assert_eq(service_lint_marks(s, NULL, &walked, &err), TC_OK, "%s", err.message);
	struct tc_routing *r = NULL;
	cr_assert_eq(service_routing_read(s, false, NULL, &r, &err), TC_OK, "%s", err.message);
	const struct tc_route_table *tb = tc_routing_table(r);
	struct tc_lint_report report;
	cr_assert_eq(tc_lint_run(tb, NULL, &report, &err), TC_OK);
	cr_assert_gt(report.count, 3);
	cr_expect_eq(tc_route_table_count(tb), N, "one deleted, one created");
	size_t marked = 0;
	for (size_t i = 0; i < tc_route_table_count(tb); i++) {
		const struct tc_route_trunk *v = tc_route_table_trunk(tb, i);
		cr_assert_gt(v->row, 0, "%s", v->id);
		struct tc_lint_mark_finding *f = NULL;
		size_t n = 0, k = 0;
		cr_assert_eq(tc_lint_marks_findings(walked, v, &f, &n, &err), TC_OK);
		for (int sev = TC_LINT_ERROR; sev <= TC_LINT_INFO; sev++)
			for (size_t x = 0; x < report.count; x++) {
				bool names = false;
				for (size_t y = 0; y < report.items[x].ntrunks; y++)
					names |= report.items[x].trunks[y] == v;
				if (!names ||
				    (int)tc_lint_rule(report.items[x].rule)->severity != sev)
					continue;
				cr_assert_lt(k, n, "%s: \"%s\" missing", v->id,
				             report.items[x].message);
				cr_expect_str_eq(f[k].message, report.items[x].message, "%s",
				                 v->id);
				k++;
			}
		cr_expect_eq(k, n, "%s", v->id);
		marked += n > 0;
		free(f);
	}
	cr_expect_gt(marked, N / 2);
	cr_expect_eq(tc_lint_marks_count(walked, TC_LINT_ERROR) +
	                 tc_lint_marks_count(walked, TC_LINT_WARNING) +
	                 tc_lint_marks_count(walked, TC_LINT_INFO),
	             marked);
	/* the deleted trunk's row is not marked, though it shared an IP */
	struct tc_trunk_record *gone = NULL;
	cr_assert_eq(tc_store_get(s, "id-0007", &gone, &err), TC_OK);
	cr_expect_not(tc_lint_marks_find(walked, gone->row, NULL));
	tc_trunk_record_destroy(gone);
	tc_lint_report_finish(&report);
	tc_routing_destroy(r);
	tc_lint_marks_destroy(walked);
	tc_store_close(s);
	free(local);
}
