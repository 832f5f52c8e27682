/*
 * An offline service on a fresh data dir with an injected clock: the state
 * and the init/fini of the suites that drive the service facade.
 */
#ifndef TRUNKCTL_TESTS_SERVICE_FIXTURE_H
#define TRUNKCTL_TESTS_SERVICE_FIXTURE_H

#include <criterion/criterion.h>

#include "store_fixture.h"
#include "trunkctl/service.h"

static char dir[64];
static struct fake_clock clk = {1700000000000};
static struct tc_service *svc;
static struct tc_error err;

static struct tc_service_options options(void)
{
	return (struct tc_service_options){
	    .data_dir = dir, .profile = "test", .offline = true, .clock = {fake_now, &clk}};
}

static void setup(void)
{
	make_tmpdir(dir, sizeof(dir));
	tc_error_init(&err);
	struct tc_service_options o = options();
	cr_assert_eq(tc_service_open(&o, &svc, &err), TC_OK, "%s", err.message);
}

static void teardown(void)
{
	tc_service_close(svc);
	tc_error_clear(&err);
	rm_tree(dir);
}

/* A sample trunk created through the service; its id, to free. */
static inline char *create_sample(const char *name, const char *ip)
{
	struct tc_trunk *t = sample_trunk(name, ip);
	char *id = NULL;
	cr_assert_eq(tc_service_create(svc, t, &id, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
	return id;
}

#endif
