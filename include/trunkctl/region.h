/*
 * Regions a trunk can be deployed in. The server accepts a region by its
 * alias only, case-sensitive (tests/fake-carrier/SERVER-BEHAVIOUR.md §3.7). A
 * carrier with other regions lists their aliases in the configuration.
 */
#ifndef TRUNKCTL_REGION_H
#define TRUNKCTL_REGION_H

#include <stddef.h>

struct tc_region {
	const char *alias;      /* what the API accepts, e.g. "hydrogen" */
	const char *identifier; /* e.g. "ap-southeast-1" */
	const char *human_name; /* e.g. "South East Asia (Singapore)" */
	int group_id;
	const char *nat_ip;
};

/* The server's stub regions (hydrogen, helium), used when the configuration names none. */
const struct tc_region *tc_default_regions(size_t *count);
/* By alias in regions[0..count); NULL when absent. */
const struct tc_region *tc_region_find(const struct tc_region *regions, size_t count,
                                       const char *alias);

#endif
