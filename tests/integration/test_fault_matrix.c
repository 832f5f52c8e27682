/*
 * The fault matrix (issue 7): every fault the fake Carrier API injects, on
 * every operation a sync performs (a pull, and the push of a create, an
 * update and a delete), driven through the service facade as the CLI and
 * the TUI drive it, on 127.0.0.1 with an injected clock.
 *
 * The table below is the expected outcome of each cell. It is also the
 * source of the "Faults" block of trunkctl(1): a test renders the table as
 * mdoc and fails when the man page says something else.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../unit/store_fixture.h"
#include "fake_proc.h"
#include "trunkctl/service.h"

#if !defined(TC_MAN_PAGE) || !defined(TC_MATRIX_OUT)
#error "TC_MAN_PAGE (man/trunkctl.1) and TC_MATRIX_OUT (a build file) are set by meson"
#endif

#define HOUR_MS (3600LL * 1000)
/* Short enough that a hang costs under a second, long enough for ASan on a busy machine. */
#define HANG_TIMEOUT_MS 700L
#define TIMEOUT_MS 20000L
#define RETRY_AFTER_S 30
#define SAMPLE "3"

enum op { OP_PULL, OP_CREATE, OP_UPDATE, OP_DELETE, OP_COUNT };

static const char *const op_name[OP_COUNT] = {"pull", "create", "update", "delete"};
static const char *const op_method[OP_COUNT] = {"GET", "POST", "PATCH", "DELETE"};

/* How a fault is brought about. */
enum inject {
	BY_FAULT, /* the fake's fault settings, on the operation's method only */
	BY_TOKEN, /* a token the fake refuses */
	BY_PORT,  /* a closed port on 127.0.0.1 */
};

/* What the store holds after the faulty sync. */
enum after {
	PULLED, /* pull: complete (nothing was wrong enough to notice) */
	KEPT,   /* pull: earlier pages upserted, nothing removed, no complete pull recorded */
	DONE,   /* push: the change landed and the entry is gone */
	RETRY,  /* push: queued with a backoff (the server's Retry-After when it sent one) */
	HELD,   /* push: queued and due at once (no backoff); the sync stopped with the reason */
};

struct expect {
	enum tc_status status;
	enum after after;
	const char *say; /* words the sentence the operator reads must contain ("" when OK) */
};

struct fault {
	const char *name;
	const char *what; /* for the man page: what happens, a sentence */
	enum inject by;
	const char *doc; /* fault settings, less the method they are restricted to */
	const char *token;
	long timeout_ms;
	bool applied; /* the server applies a mutation although the client never hears so */
	long retry_after_s;
	struct expect cell[OP_COUNT];
};

/* The three push cells, when they agree. */
#define PUSH3(...)                                                                                 \
	{__VA_ARGS__}, {__VA_ARGS__},                                                              \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

/* A fault whose status and message are the same on all four operations. */
#define CELLS(status, pull_after, push_after, say)                                                 \
	{                                                                                          \
		{status, pull_after, say}, PUSH3(status, push_after, say)                          \
	}

/* An answer spoilt after the request was applied; a delete's 204 has no body to spoil. */
#define SPOILT(status, say)                                                                        \
	{                                                                                          \
		{status, KEPT, say}, {status, RETRY, say}, {status, RETRY, say},                   \
		{                                                                                  \
			TC_OK, DONE, ""                                                            \
		}                                                                                  \
	}

static const struct fault faults[] = {
    {.name = "latency",
     .what = "The server answers 300 ms late.",
     .by = BY_FAULT,
     .doc = "\"latency_ms\":300",
     .timeout_ms = TIMEOUT_MS,
     .cell = CELLS(TC_OK, PULLED, DONE, "")},
    {.name = "late",
     .what =
         "The server answers 1.5 s late, after the client gave up (its timeout was 0.7 s here), "
         "and applies the request then.",
     .by = BY_FAULT,
     .doc = "\"latency_ms\":1500",
     .timeout_ms = HANG_TIMEOUT_MS,
     .applied = true,
     .cell = CELLS(TC_TIMEOUT, KEPT, RETRY, "did not answer in time")},
    {.name = "hang",
     .what = "The server reads the request and never answers.",
     .by = BY_FAULT,
     .doc = "\"hang\":{\"count\":1}",
     .timeout_ms = HANG_TIMEOUT_MS,
     .cell = CELLS(TC_TIMEOUT, KEPT, RETRY, "did not answer in time")},
    {.name = "close",
     .what = "The server applies the request, sends half the answer and closes the connection.",
     .by = BY_FAULT,
     .doc = "\"close\":{\"count\":1}",
     .timeout_ms = TIMEOUT_MS,
     .applied = true,
     .cell = SPOILT(TC_UNREACHABLE, "broke before its answer was complete")},
    {.name = "truncate",
     .what = "The server applies the request and sends half the answer as if it were whole.",
     .by = BY_FAULT,
     .doc = "\"truncate\":{\"count\":1}",
     .timeout_ms = TIMEOUT_MS,
     .applied = true,
     .cell = SPOILT(TC_PROTOCOL, "answer is not valid JSON")},
    {.name = "malformed",
     .what = "The server applies the request and answers JSON with a syntax error.",
     .by = BY_FAULT,
     .doc = "\"malformed\":{\"count\":1}",
     .timeout_ms = TIMEOUT_MS,
     .applied = true,
     .cell = SPOILT(TC_PROTOCOL, "answer is not valid JSON")},
    {.name = "oversize",
     .what = "The server applies the request and answers a body that never ends.",
     .by = BY_FAULT,
     .doc = "\"oversize\":{\"count\":1}",
     .timeout_ms = TIMEOUT_MS,
     .applied = true,
     .cell = SPOILT(TC_PROTOCOL, "answer is larger than")},
    {.name = "500",
     .what = "The application fails with its JSON error document.",
     .by = BY_FAULT,
     .doc = "\"error\":{\"count\":1,\"statuses\":[500]}",
     .timeout_ms = TIMEOUT_MS,
     .cell = CELLS(TC_SERVER, KEPT, RETRY, "failed (500 Internal Server Error)")},
    {.name = "502",
     .what = "A proxy answers Bad Gateway with an HTML page.",
     .by = BY_FAULT,
     .doc = "\"error\":{\"count\":1,\"statuses\":[502]}",
     .timeout_ms = TIMEOUT_MS,
     .cell = CELLS(TC_SERVER, KEPT, RETRY, "failed (502) with an HTML page")},
    {.name = "503",
     .what = "A proxy answers Service Unavailable with an HTML page.",
     .by = BY_FAULT,
     .doc = "\"error\":{\"count\":1,\"statuses\":[503]}",
     .timeout_ms = TIMEOUT_MS,
     .cell = CELLS(TC_SERVER, KEPT, RETRY, "failed (503) with an HTML page")},
    {.name = "429",
     .what = "The server answers Too Many Requests with Retry-After: 30; the sync sends "
             "nothing more, and no sync that starts by itself (the timer, a save) calls the "
             "server before the 30 s are over; one asked for (sync, F5) goes ahead.",
     .by = BY_FAULT,
     .doc = "\"rate_limit\":{\"count\":1,\"retry_after\":30}",
     .timeout_ms = TIMEOUT_MS,
     .retry_after_s = RETRY_AFTER_S,
     .cell = CELLS(TC_RATE_LIMITED, KEPT, RETRY, "asks to wait 30 s")},
    {.name = "401",
     .what = "The server refuses the token.",
     .by = BY_TOKEN,
     .token = "itest-unknown-token-0b1d",
     .timeout_ms = TIMEOUT_MS,
     .cell = CELLS(TC_AUTH, KEPT, HELD, "refused the token (401)")},
    {.name = "403",
     .what = "The token lacks the carrier_api scope.",
     .by = BY_TOKEN,
     .token = FAKE_UNSCOPED_TOKEN,
     .timeout_ms = TIMEOUT_MS,
     .cell = CELLS(TC_FORBIDDEN, KEPT, HELD, "lacks the carrier_api scope (403)")},
    {.name = "unreachable",
     .what = "Nothing listens on the port.",
     .by = BY_PORT,
     .timeout_ms = TIMEOUT_MS,
     .cell = CELLS(TC_UNREACHABLE, KEPT, RETRY, "cannot be reached")},
};

#define FAULT_COUNT (sizeof(faults) / sizeof(*faults))

/* ---------------------------------------------------------------- one cell's world */

struct world {
	struct fake fk;
	char dir[64];
	struct fake_clock clock;
	struct tc_service *svc;
	int closed_fd; /* bound, never listening: its port refuses connections */
	int closed_port;
	/* Arms the pull's fault once the first page's answer has begun. */
	bool arm;
	unsigned answers;
	char arm_doc[160];
};

static struct world W = {.closed_fd = -1};

static void on_trace(void *ctx, const char *line)
{
	struct world *w = ctx;
	if (!w->arm || strncmp(line, "< HTTP/", 7) != 0)
		return;
	/* The first page is answered already: the next request is page 2. */
	if (++w->answers == 1) {
		fake_faults(&w->fk, w->arm_doc);
		w->arm = false;
	}
}

static void open_svc(const char *token, int port, long timeout_ms)
{
	char base[96], resolve[96];
	snprintf(base, sizeof(base), "http://" FAKE_HOST ":%d", port);
	snprintf(resolve, sizeof(resolve), FAKE_HOST ":%d:127.0.0.1", port);
	const char *res[] = {resolve};
	struct tc_service_options o = {
	    .data_dir = W.dir,
	    .profile = "matrix",
	    .api_url = base,
	    .token = token,
	    .resolve = res,
	    .resolve_count = 1,
	    .connect_timeout_ms = 2000,
	    .timeout_ms = timeout_ms,
	    .page_size = 1, /* three trunks, three pages: a fault can strike page 2 */
	    .sync_interval_ms = -1,
	    .clock = {fake_now, &W.clock},
	    .trace = on_trace,
	    .trace_ctx = &W,
	};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_open(&o, &W.svc, &err), TC_OK, "%s", err.message);
}

static void reopen_svc(const char *token, int port, long timeout_ms)
{
	tc_service_close(W.svc);
	W.svc = NULL;
	open_svc(token, port, timeout_ms);
}

static void teardown(void)
{
	tc_service_close(W.svc);
	W.svc = NULL;
	if (W.closed_fd >= 0)
		close(W.closed_fd);
	W.closed_fd = -1;
	if (W.dir[0])
		rm_tree(W.dir);
	W.dir[0] = '\0';
	fake_destroy(&W.fk);
}

/* A port on 127.0.0.1 that refuses connections for as long as the socket stays bound. */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	W.closed_fd = fd;
	return ntohs(a.sin_port);
}

/* ---------------------------------------------------------------- views */

/* The server as it is (no faults are set when this runs). */
static struct fake_view server(void)
{
	return fake_view(&W.fk);
}

static bool on_server(const struct fake_view *v, const char *id)
{
	for (size_t i = 0; i < v->count; i++)
		if (strcmp(v->ids[i], id) == 0)
			return true;
	return false;
}

static bool in_store(const char *id)
{
	struct tc_trunk_record *rec = NULL;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status s = tc_service_get(W.svc, id, &rec, &err);
	tc_trunk_record_destroy(rec);
	tc_error_clear(&err);
	cr_assert(s == TC_OK || s == TC_NOT_FOUND, "get %s: %s", id, tc_status_name(s));
	return s == TC_OK;
}

static long long store_channels(const char *id)
{
	struct tc_trunk_record *rec = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_get(W.svc, id, &rec, &err), TC_OK, "%s", err.message);
	const struct tc_value *v = &rec->current->values[TC_F_MAX_CHANNELS];
	long long n = v->state == TC_V_SET ? v->i : -1;
	tc_trunk_record_destroy(rec);
	return n;
}

static struct tc_service_status status(void)
{
	struct tc_service_status st;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_status(W.svc, &st, &err), TC_OK, "%s", err.message);
	return st;
}

static struct tc_pending_list pending(void)
{
	struct tc_pending_list l = {0};
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_pending(W.svc, false, &l, &err), TC_OK, "%s", err.message);
	return l;
}

static enum tc_status sync_svc(unsigned flags, struct tc_sync_report *rep)
{
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status s = tc_service_sync(W.svc, flags, rep, &err);
	cr_assert_eq(s, rep->status, "returned %s, reported %s", tc_status_name(s),
	             tc_status_name(rep->status));
	if (s != TC_OK)
		cr_assert_str_eq(err.message, rep->message);
	tc_error_clear(&err);
	return s;
}

static void sync_ok(unsigned flags)
{
	struct tc_sync_report rep;
	enum tc_status s = sync_svc(flags, &rep);
	cr_assert_eq(s, TC_OK, "sync: %s: %s", tc_status_name(s), rep.message);
}

/* ---------------------------------------------------------------- the cell */

#define NEW_NAME "matrix-created"
#define UPDATED_CHANNELS 17

/* What the operator does before the fault: one queued change, or a changed server. */
static void stage(enum op op, const struct fake_view *before)
{
	struct tc_error err;
	tc_error_init(&err);
	if (op == OP_PULL) {
		/* A complete pull would remove ids[2], change ids[0] and add one. */
		struct tc_api *api = fake_client(&W.fk, FAKE_TOKEN, NULL);
		cr_assert_eq(tc_api_delete(api, before->ids[2], &err), TC_OK, "%s", err.message);
		struct tc_trunk *t = sample_trunk(NEW_NAME, "198.51.100.7");
		struct tc_trunk *made = NULL;
		cr_assert_eq(tc_api_create(api, t, &made, &err), TC_OK, "%s", err.message);
		tc_trunk_destroy(made);
		tc_trunk_destroy(t);
		bool fields[TC_FIELD_COUNT] = {[TC_F_MAX_CHANNELS] = true};
		t = tc_trunk_new();
		cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, UPDATED_CHANNELS), TC_OK);
		cr_assert_eq(tc_api_update(api, before->ids[0], t, fields, NULL, &err), TC_OK, "%s",
		             err.message);
		tc_trunk_destroy(t);
		tc_api_destroy(api);
	} else if (op == OP_CREATE) {
		struct tc_trunk *t = sample_trunk(NEW_NAME, "198.51.100.7");
		char *id = NULL;
		cr_assert_eq(tc_service_create(W.svc, t, &id, &err), TC_OK, "%s", err.message);
		free(id);
		tc_trunk_destroy(t);
	} else if (op == OP_UPDATE) {
		struct tc_trunk_record *rec = NULL;
		cr_assert_eq(tc_service_get(W.svc, before->ids[0], &rec, &err), TC_OK);
		struct tc_trunk *t = tc_trunk_dup(rec->current);
		cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, UPDATED_CHANNELS), TC_OK);
		cr_assert_eq(tc_service_update(W.svc, before->ids[0], t, NULL, NULL, &err), TC_OK,
		             "%s", err.message);
		tc_trunk_destroy(t);
		tc_trunk_record_destroy(rec);
	} else {
		cr_assert_eq(tc_service_delete(W.svc, before->ids[1], &err), TC_OK, "%s",
		             err.message);
	}
	tc_error_clear(&err);
}

/* Sets the fault up; returns the port the service must use during it. */
static int inject(const struct fault *f, enum op op)
{
	int port = W.fk.port;
	char doc[160] = "";
	if (f->doc)
		snprintf(doc, sizeof(doc), "{%s,\"methods\":[\"%s\"]}", f->doc, op_method[op]);
	if (f->by == BY_FAULT && op == OP_PULL) {
		snprintf(W.arm_doc, sizeof(W.arm_doc), "%s", doc);
		W.answers = 0;
		W.arm = true;
	} else if (f->by == BY_FAULT) {
		fake_faults(&W.fk, doc);
	} else if (f->by == BY_PORT) {
		port = closed_port();
	}
	reopen_svc(f->token ? f->token : FAKE_TOKEN, port, f->timeout_ms);
	return port;
}

static void check_pull_kept(const struct fault *f, const struct fake_view *before,
                            const struct tc_sync_report *rep, int64_t last_pull_before)
{
	cr_assert_eq(rep->removed, 0, "%s: a failed pull removed trunks", f->name);
	for (size_t i = 0; i < before->count; i++)
		cr_assert(in_store(before->ids[i]), "%s: %s lost by a failed pull", f->name,
		          before->ids[i]);
	struct tc_service_status st = status();
	cr_assert_eq(st.last_pull_ms, last_pull_before,
	             "%s: a failed pull was recorded as complete", f->name);
	cr_assert_geq(st.trunks, before->count);
	cr_assert_leq(rep->pulled, 1, "%s: pages after the fault were applied", f->name);
}

/* The queued change after the faulty sync: state, attempts, when it is due. */
static int64_t check_entry(const struct fault *f, enum op op, const struct expect *x)
{
	struct tc_pending_list l = pending();
	int64_t due = 0;
	if (x->after == DONE) {
		cr_assert_eq(l.count, 0, "%s/%s: entry still queued", f->name, op_name[op]);
	} else {
		cr_assert_eq(l.count, 1, "%s/%s: %zu entries", f->name, op_name[op], l.count);
		const struct tc_pending_entry *e = &l.items[0];
		cr_assert_eq(e->state, TC_OUTBOX_QUEUED, "%s/%s: %s", f->name, op_name[op],
		             tc_outbox_state_name(e->state));
		due = e->next_attempt_ms;
		int64_t now = W.clock.now;
		if (x->after == RETRY) {
			cr_assert_eq(e->attempts, 1, "%s/%s: the failure was not counted", f->name,
			             op_name[op]);
			/* Attempt 1: 0.5–1 s of jittered backoff, or what Retry-After asked. */
			int64_t lo = f->retry_after_s ? f->retry_after_s * 1000 : 500;
			int64_t hi = f->retry_after_s ? f->retry_after_s * 1000 : 1000;
			cr_assert(due >= now + lo && due <= now + hi,
			          "%s/%s: due in %lld ms, want %lld..%lld", f->name, op_name[op],
			          (long long)(due - now), (long long)lo, (long long)hi);
			cr_assert_not_null(e->last_error);
			cr_assert_not_null(strstr(e->last_error, x->say),
			                   "%s/%s: entry says \"%s\"", f->name, op_name[op],
			                   e->last_error);
		} else {
			cr_assert_leq(due, now, "%s/%s: held entry not due", f->name, op_name[op]);
		}
	}
	tc_pending_list_finish(&l);
	return due;
}

/*
 * Before it is due the entry is not sent again; Retry-After outlasts the
 * backoff, and holds back the whole sync (which says so) until it ends.
 */
static void check_not_early(const struct fault *f, enum op op, int64_t due)
{
	long long sent = fake_stat(&W.fk, "requests.total");
	W.clock.now = due - 1;
	struct tc_sync_report rep;
	enum tc_status s = sync_svc(TC_SYNC_PUSH, &rep);
	cr_assert_eq(s, f->retry_after_s ? TC_RATE_LIMITED : TC_OK, "%s/%s: %s", f->name,
	             op_name[op], rep.message);
	cr_assert_eq(rep.pushed, 0);
	cr_assert_eq(rep.queued, 1);
	/* Not the change, and not the pull that looks for a create before it is resent. */
	cr_assert_eq(fake_stat(&W.fk, "requests.total"), sent,
	             "%s/%s: requests went out before the entry was due", f->name, op_name[op]);
}

/* After the fault: store and server agree, every change landed exactly once. */
static void check_settled(const struct fault *f, enum op op, const struct fake_view *before)
{
	struct fake_view v = server();
	struct tc_service_status st = status();
	cr_assert_eq(st.queued, 0, "%s/%s", f->name, op_name[op]);
	cr_assert_eq(st.conflicts, 0, "%s/%s", f->name, op_name[op]);
	cr_assert_eq(st.rejected, 0, "%s/%s", f->name, op_name[op]);
	cr_assert_eq(st.trunks, v.count, "%s/%s: store %zu trunks, server %zu", f->name,
	             op_name[op], st.trunks, v.count);
	for (size_t i = 0; i < v.count; i++) {
		cr_assert_eq(fake_view_named(&v, v.names[i]), 1, "%s/%s: %s twice on the server",
		             f->name, op_name[op], v.names[i]);
		cr_assert(in_store(v.ids[i]), "%s/%s: %s missing from the store", f->name,
		          op_name[op], v.ids[i]);
	}
	switch (op) {
	case OP_PULL:
		cr_assert_not(in_store(before->ids[2]), "%s: a trunk gone from the server stayed",
		              f->name);
		cr_assert_eq(fake_view_named(&v, NEW_NAME), 1);
		cr_assert_eq(store_channels(before->ids[0]), UPDATED_CHANNELS,
		             "%s: a change on the server never reached the store", f->name);
		break;
	case OP_CREATE:
		cr_assert_eq(v.count, before->count + 1, "%s: create lost or duplicated", f->name);
		cr_assert_eq(fake_view_named(&v, NEW_NAME), 1, "%s: create lost or duplicated",
		             f->name);
		break;
	case OP_UPDATE:
		cr_assert_eq(v.count, before->count);
		for (size_t i = 0; i < v.count; i++)
			if (strcmp(v.ids[i], before->ids[0]) == 0)
				cr_assert_eq(v.max_channels[i], UPDATED_CHANNELS, "%s: update lost",
				             f->name);
		break;
	default:
		cr_assert_eq(v.count, before->count - 1, "%s: delete lost", f->name);
		cr_assert_not(on_server(&v, before->ids[1]));
		cr_assert_not(in_store(before->ids[1]));
		break;
	}
}

/* Whether the server holds the staged change. */
static bool change_on_server(enum op op, const struct fake_view *before)
{
	struct fake_view v = server();
	if (op == OP_CREATE)
		return fake_view_named(&v, NEW_NAME) > 0;
	if (op == OP_DELETE)
		return !on_server(&v, before->ids[1]);
	for (size_t i = 0; i < v.count; i++)
		if (strcmp(v.ids[i], before->ids[0]) == 0)
			return v.max_channels[i] == UPDATED_CHANNELS;
	return false;
}

/*
 * A fault that applies the request: the server holds the change although the
 * client never heard so. A late answer applies it only after its latency, so
 * this waits for the server (each check is a round trip) before the retry.
 */
static void wait_applied(enum op op, const struct fake_view *before)
{
	/* No count of tries: how many round trips fit in the latency depends on the machine. */
	while (!change_on_server(op, before))
		;
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	cr_assert_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/*
 * An endless answer costs at most the client's body cap (32 MiB) once: no
 * copy of it, no growth past it. ASan's quarantine keeps freed buffers, so
 * the figure only means something without it.
 */
static void check_memory(const struct fault *f, enum op op, long peak_before)
{
	long grown = peak_rss_kib() - peak_before;
	cr_log_info("%s/%s: peak RSS grew by %ld KiB", f->name, op_name[op], grown);
	/* Under a sanitizer or valgrind the RSS is mostly theirs: no bound to hold it to. */
#ifndef UNDER_ASAN
	if (!getenv("TC_UNDER_VALGRIND"))
		cr_assert_leq(grown, 48L * 1024, "%s/%s: the answer took %ld KiB", f->name,
		              op_name[op], grown);
#endif
}

/* A fake with the sample trunks, and a service that has pulled them. */
static void start_synced(void)
{
	const char *args[] = {"--sample", SAMPLE, NULL};
	fake_start(&W.fk, args);
	make_tmpdir(W.dir, sizeof(W.dir));
	W.clock.now = tc_clock_real_ms(NULL);
	open_svc(FAKE_TOKEN, W.fk.port, TIMEOUT_MS);
	sync_ok(TC_SYNC_PULL);
}

static void run_cell(size_t fi, enum op op)
{
	const struct fault *f = &faults[fi];
	const struct expect *x = &f->cell[op];
	start_synced();
	int64_t last_pull = status().last_pull_ms;
	cr_assert_gt(last_pull, 0);
	struct fake_view before = server();
	cr_assert_eq(before.count, 3);
	stage(op, &before);
	/* Later than the first pull, so a pull recorded as complete shows. */
	W.clock.now += 60 * 1000;

	inject(f, op);
	long peak_before = peak_rss_kib();
	struct tc_sync_report rep;
	int64_t last_fault_ms = W.clock.now;
	enum tc_status s = sync_svc(op == OP_PULL ? TC_SYNC_PULL : TC_SYNC_PUSH, &rep);
	check_memory(f, op, peak_before);
	cr_assert_eq(s, x->status, "%s/%s: %s, want %s: %s", f->name, op_name[op],
	             tc_status_name(s), tc_status_name(x->status), rep.message);
	cr_log_info("%s", rep.message);
	cr_assert_not_null(strstr(rep.message, x->say), "%s/%s: the operator reads \"%s\"", f->name,
	                   op_name[op], rep.message);
	struct tc_service_status st = status();
	cr_assert_eq(st.last_status, x->status);
	cr_assert_not_null(strstr(st.last_error, x->say));
	if (op == OP_PULL && x->after == KEPT)
		check_pull_kept(f, &before, &rep, last_pull);
	if (op == OP_PULL && x->after == PULLED) {
		cr_assert_eq(rep.removed, 1, "%s: the complete pull kept a deleted trunk", f->name);
		cr_assert_eq(status().last_pull_ms, W.clock.now);
	}
	int64_t due = op == OP_PULL ? 0 : check_entry(f, op, x);
	if (x->after == RETRY)
		check_not_early(f, op, due);
	if (f->applied && x->after == RETRY)
		wait_applied(op, &before);

	/* The fault clears; the next sync, once the entry is due, settles everything. */
	fake_control(&W.fk, "POST", "reset", NULL, NULL);
	if (W.closed_fd >= 0) {
		close(W.closed_fd);
		W.closed_fd = -1;
	}
	reopen_svc(FAKE_TOKEN, W.fk.port, TIMEOUT_MS);
	if (due)
		W.clock.now = due;
	if (f->retry_after_s && W.clock.now < last_fault_ms + f->retry_after_s * 1000)
		W.clock.now = last_fault_ms + f->retry_after_s * 1000;
	sync_ok(TC_SYNC_ALL);
	check_settled(f, op, &before);
}

struct cell_param {
	size_t fault;
	enum op op;
};

ParameterizedTestParameters(matrix, cell)
{
	static struct cell_param cells[FAULT_COUNT * OP_COUNT];
	size_t n = 0;
	for (size_t fi = 0; fi < FAULT_COUNT; fi++)
		for (int op = 0; op < OP_COUNT; op++)
			cells[n++] = (struct cell_param){fi, (enum op)op};
	return cr_make_param_array(struct cell_param, cells, n);
}

ParameterizedTest(struct cell_param *p, matrix, cell, .fini = teardown, .timeout = 120)
{
	cr_log_info("%s x %s", faults[p->fault].name, op_name[p->op]);
	run_cell(p->fault, p->op);
}

/* A 429 on the pull is the server asking the whole client to wait: the push holds back too. */
Test(matrix, a_rate_limited_pull_holds_the_push_back, .fini = teardown, .timeout = 120)
{
	start_synced();
	struct fake_view before = server();
	stage(OP_CREATE, &before);
	stage(OP_DELETE, &before);
	fake_faults(&W.fk, "{\"rate_limit\":{\"count\":1,\"retry_after\":30},"
	                   "\"methods\":[\"GET\"]}");
	struct tc_sync_report rep;
	cr_assert_eq(sync_svc(TC_SYNC_ALL, &rep), TC_RATE_LIMITED, "%s", rep.message);
	cr_assert_not_null(strstr(rep.message, "asks to wait 30 s"), "%s", rep.message);
	cr_assert_eq(fake_stat(&W.fk, "requests.POST"), 0, "a create went out after the 429");
	cr_assert_eq(fake_stat(&W.fk, "requests.DELETE"), 0, "a delete went out after the 429");
	struct tc_pending_list l = pending();
	cr_assert_eq(l.count, 2);
	for (size_t i = 0; i < l.count; i++) {
		cr_assert_eq(l.items[i].state, TC_OUTBOX_QUEUED);
		cr_assert_eq(l.items[i].attempts, 0, "a change held back counted as an attempt");
	}
	tc_pending_list_finish(&l);
	/* The next sync that comes by itself waits out the Retry-After, sending nothing. */
	long long sent = fake_stat(&W.fk, "requests.total");
	W.clock.now += 29 * 1000;
	cr_assert_eq(sync_svc(TC_SYNC_ALL, &rep), TC_RATE_LIMITED, "%s", rep.message);
	cr_assert_eq(fake_stat(&W.fk, "requests.total"), sent,
	             "a request went out while asked to wait");
	W.clock.now += 1000;
	sync_ok(TC_SYNC_ALL);
	struct fake_view v = server();
	cr_assert_eq(fake_view_named(&v, NEW_NAME), 1);
	cr_assert_not(on_server(&v, before.ids[1]));
}

/* ---------------------------------------------------------------- the man page's table */

struct text {
	char buf[16384];
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(t->buf) - t->len, "the rendered table is too long");
	t->len += (size_t)n;
}

static const char *const after_word[] = {
    [PULLED] = "complete", [KEPT] = "kept", [DONE] = "done", [RETRY] = "retried", [HELD] = "held"};

static const char *const after_meaning[] = {
    [PULLED] = "the pull completed",
    [KEPT] = "the pages before the fault are applied, no trunk is removed and no complete pull "
             "is recorded",
    [DONE] = "the change landed",
    [RETRY] = "the change stays queued and is sent again after a backoff of 0.5 to 1 s that "
              "doubles with each failure up to 5 minutes, or after the Retry-After the server "
              "asked for",
    [HELD] = "the sync stops with the reason; the change stays queued and is sent by the "
             "first sync after the cause is fixed",
};

static bool same_cell(const struct expect *a, const struct expect *b)
{
	return a->status == b->status && a->after == b->after;
}

static void render_fault(struct text *t, const struct fault *f)
{
	const struct expect *c = f->cell;
	put(t, ".It Sy %s\n%s\n", f->name, f->what);
	for (int op = 0; op < OP_COUNT; op++) {
		int last = op;
		while (last + 1 < OP_COUNT && same_cell(&c[op], &c[last + 1]))
			last++;
		put(t, "%s%s", op == 0 ? "" : "; ", op == 0 ? "Pull" : op_name[op]);
		for (int o = op + 1; o <= last; o++)
			put(t, "%s%s", o == last ? " and " : ", ", op_name[o]);
		put(t, ": %s", after_word[c[op].after]);
		op = last;
	}
	put(t, ".\n");
	for (int op = 0; op < OP_COUNT; op++)
		if (c[op].say[0]) {
			put(t, "Message:\n.Dq %s .\n", c[op].say);
			break;
		}
	if (f->applied)
		put(t, "The server applied the change: a create is looked for on the server before "
		       "it is sent again.\n");
	if (f->applied && c[OP_DELETE].after == DONE)
		put(t, "A delete's answer (204) has no body to spoil.\n");
}

static void render(struct text *t)
{
	put(t, ".\\\" faults:begin (generated from tests/integration/test_fault_matrix.c)\n");
	put(t, ".Bl -column \"unreachable\" \"RATE_LIMITED\" \"RATE_LIMITED\" \"RATE_LIMITED\" "
	       "\"RATE_LIMITED\"\n");
	put(t, ".It Sy fault Ta Sy pull Ta Sy create Ta Sy update Ta Sy delete\n");
	for (size_t fi = 0; fi < FAULT_COUNT; fi++) {
		put(t, ".It %s", faults[fi].name);
		for (int op = 0; op < OP_COUNT; op++)
			put(t, " Ta %s", tc_status_name(faults[fi].cell[op].status));
		put(t, "\n");
	}
	put(t, ".El\n.Pp\nAfterwards:\n.Bl -tag -width complete\n");
	for (size_t a = 0; a < sizeof(after_word) / sizeof(*after_word); a++)
		put(t, ".It %s\n%c%s.\n", after_word[a],
		    toupper((unsigned char)after_meaning[a][0]), after_meaning[a] + 1);
	put(t, ".El\n.Pp\nEach fault:\n.Bl -tag -width Ds\n");
	for (size_t fi = 0; fi < FAULT_COUNT; fi++)
		render_fault(t, &faults[fi]);
	put(t, ".El\n.\\\" faults:end\n");
}

/* The block between the markers in the man page, markers included. */
static void documented(struct text *t)
{
	FILE *fp = fopen(TC_MAN_PAGE, "r");
	cr_assert_not_null(fp, "cannot open %s", TC_MAN_PAGE);
	char line[1024];
	bool in = false;
	while (fgets(line, sizeof(line), fp)) {
		if (!in && strncmp(line, ".\\\" faults:begin", 16) == 0)
			in = true;
		if (in)
			put(t, "%s", line);
		if (in && strncmp(line, ".\\\" faults:end", 14) == 0)
			break;
	}
	fclose(fp);
}

Test(matrix, the_man_page_documents_this_table)
{
	static struct text want, have;
	render(&want);
	documented(&have);
	if (strcmp(want.buf, have.buf) == 0)
		return;
	/* The block to paste, so that updating the page is a copy, not a transcription. */
	const char *out = TC_MATRIX_OUT;
	FILE *fp = fopen(out, "w");
	if (fp) {
		fputs(want.buf, fp);
		fclose(fp);
	}
	cr_assert_fail("the Faults block of %s differs from the fault matrix; the rendered block "
	               "is in %s: replace the block between "
	               "the faults:begin and faults:end lines with it",
	               TC_MAN_PAGE, out);
}

/* ---------------------------------------------------------------- the TUI's side of a hang */

/* Waits on the event pipe, as the TUI's poll loop does, for the end of a sync. */
static struct tc_sync_report wait_finished(void)
{
	int fd = tc_service_event_fd(W.svc);
	cr_assert_geq(fd, 0);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		cr_assert_gt(poll(&p, 1, 60000), 0, "the worker never finished");
		struct tc_sync_event ev;
		while (tc_service_next_event(W.svc, &ev))
			if (ev.kind == TC_EV_SYNC_FINISHED)
				return ev.report;
	}
}

Test(matrix, a_hung_server_never_blocks_the_screens, .fini = teardown, .timeout = 120)
{
	start_synced();
	/*
	 * The client's timeout must outlast the screens' reads and save below on
	 * a loaded sanitizer run, or the sync is over before they are checked.
	 */
	reopen_svc(FAKE_TOKEN, W.fk.port, 10000);
	fake_faults(&W.fk, "{\"hang\":{\"rate\":1}}");
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_service_worker_start(W.svc, &err), TC_OK, "%s", err.message);
	/* Until the worker's first request is parked in the fake (each check is a round trip). */
	while (fake_stat(&W.fk, "hung") < 1)
		;

	/* While the worker waits on the server, the screens read and save as usual. */
	struct tc_list_query q = {.limit = 50};
	struct tc_trunk_page page = {0};
	cr_assert_eq(tc_service_list(W.svc, &q, &page, &err), TC_OK, "%s", err.message);
	cr_assert_eq(page.total, 3);
	tc_trunk_page_finish(&page);
	struct tc_trunk *t = sample_trunk(NEW_NAME, "198.51.100.7");
	char *id = NULL;
	cr_assert_eq(tc_service_create(W.svc, t, &id, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	free(id);
	struct tc_service_status st = status();
	cr_assert(st.syncing, "the screens waited for the sync to end");
	cr_assert_eq(st.queued, 1);

	/* The client's timeout ends the sync, and the screens hear why. */
	struct tc_sync_report rep = wait_finished();
	cr_assert_eq(rep.status, TC_TIMEOUT, "%s: %s", tc_status_name(rep.status), rep.message);
	cr_assert_not_null(strstr(rep.message, "did not answer in time"), "%s", rep.message);
	st = status();
	cr_assert_not(st.syncing, "the sync finished but the status still says syncing");
	cr_assert_eq(st.last_status, TC_TIMEOUT);
	cr_assert_eq(st.queued, 1, "the create saved during the hang was lost");
	tc_service_worker_stop(W.svc);
	fake_control(&W.fk, "POST", "reset", NULL, NULL);
	W.clock.now += HOUR_MS;
	sync_ok(TC_SYNC_ALL);
	struct fake_view v = server();
	cr_assert_eq(fake_view_named(&v, NEW_NAME), 1);
}
