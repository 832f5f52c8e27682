/*
 * Helpers shared by the store and service tests: a throwaway data dir under
 * /tmp, a clock the test moves by hand, and trunks to save.
 */
#ifndef TRUNKCTL_TESTS_STORE_FIXTURE_H
#define TRUNKCTL_TESTS_STORE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_fixture.h"
#include "lib/rm_tree.h"
#include "trunkctl/records.h"
#include "trunkctl/store.h"
#include "trunkctl/trunk.h"

struct fake_clock {
	int64_t now;
};

static inline int64_t fake_now(void *ctx)
{
	return ((struct fake_clock *)ctx)->now;
}

static inline void make_tmpdir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/tc-test-XXXXXX");
	cr_assert_not_null(mkdtemp(buf));
}

/* A new store in a new throwaway dir (dir, size bytes), on the clock clk. */
static inline void open_tmp_store(char *dir, size_t size, struct fake_clock *clk,
                                  struct tc_store **store, struct tc_error *err)
{
	make_tmpdir(dir, size);
	tc_error_init(err);
	struct tc_store_options o = {
	    .dir = dir, .clock = {fake_now, clk}, .busy_timeout_ms = 10000};
	cr_assert_eq(tc_store_open(&o, store, err), TC_OK, "%s", err->message);
}

/* An ip_address trunk, valid for the server. */
static inline struct tc_trunk *sample_trunk(const char *name, const char *ip)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_not_null(t);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_NAME, name), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "ip_address"), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, "hydrogen"), TC_OK);
	const char *ips[] = {ip};
	cr_assert_eq(tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 1), TC_OK);
	return t;
}

/* A trunk as the server renders it: with an id and timestamps. */
static inline struct tc_trunk *server_trunk(const char *id, const char *name, const char *ip)
{
	struct tc_trunk *t = sample_trunk(name, ip);
	cr_assert_eq(tc_trunk_set_id(t, id), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_CREATED_AT, "2026-01-01T00:00:00Z"), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_UPDATED_AT, "2026-01-01T00:00:00Z"), TC_OK);
	return t;
}

/* The seq of the first outbox entry; there must be one. */
static inline int64_t first_outbox_seq(struct tc_store *store)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_outbox_list l;
	cr_assert_eq(tc_store_outbox(store, TC_OUTBOX_ALL, 0, &l, &err), TC_OK);
	cr_assert_gt(l.count, 0);
	int64_t seq = l.items[0].seq;
	tc_outbox_list_finish(&l);
	tc_error_clear(&err);
	return seq;
}

/* The resource object the server sent with t (decoding sets it). */
static inline void set_document(struct tc_trunk *t, const char *json)
{
	free(t->document);
	t->document = strdup(json);
	cr_assert_not_null(t->document);
}

#endif
