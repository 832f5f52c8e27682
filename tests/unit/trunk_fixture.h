/* Trunks for the routing and lint tests, built from --set style assignments. */
#ifndef TRUNKCTL_TEST_TRUNK_FIXTURE_H
#define TRUNKCTL_TEST_TRUNK_FIXTURE_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stddef.h>

#include "trunkctl/route.h"
#include "trunkctl/trunk.h"

/*
 * A trunk with id and created_at (NULL: not yet on the server) and the
 * NULL-terminated "key=value" assignments. Fails the test on a bad one.
 */
static inline struct tc_trunk *fx_trunk(const char *id, const char *created_at, ...)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert(t);
	cr_assert_eq(tc_trunk_set_id(t, id), TC_OK);
	if (created_at)
		cr_assert_eq(tc_trunk_set_string(t, TC_F_CREATED_AT, created_at), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_NAME, id), TC_OK);
	va_list ap;
	va_start(ap, created_at);
	for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *)) {
		struct tc_error err;
		tc_error_init(&err);
		cr_assert_eq(tc_trunk_assign(t, a, &err), TC_OK, "%s: %s", a, err.message);
		tc_error_clear(&err);
	}
	va_end(ap);
	return t;
}

/* The routing records of t[0..n) into v, pointing into the trunks; t[i] at row i + 1. */
static inline void fx_views(struct tc_trunk *const *t, size_t n, struct tc_route_trunk *v)
{
	for (size_t i = 0; i < n; i++) {
		tc_route_trunk_view(t[i], &v[i]);
		v[i].row = (int64_t)i + 1;
	}
}

#endif
