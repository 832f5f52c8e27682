/* Private to src/route_*.c and src/lint.c: the fleet index and the trunk readers they share. */
#ifndef TRUNKCTL_ROUTE_PRIVATE_H
#define TRUNKCTL_ROUTE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/route.h"

/* One route prefix of an outbound-capable trunk, digits only. */
struct route_prefix {
	const char *text;
	uint64_t head; /* its first 8 bytes, big-endian: most comparisons stop here */
	size_t len;
	size_t trunk; /* index into the table's trunks */
};

/* A distinct digits-only route prefix in the table's hash index (src/route_prefix_index.c). */
struct route_slot {
	uint64_t key; /* its length and digits, see src/route_prefix_index.c */
	const char *text;
	const struct tc_route_trunk *holder; /* the one trunk holding it; NULL: several */
};

/* One valid inbound IP of a trunk. */
struct route_ip {
	uint32_t ip;
	size_t trunk; /* index into the table's trunks */
};

struct tc_route_table {
	const struct tc_route_trunk **trunks; /* owned array of the caller's trunks, oldest first */
	size_t count;
	const struct tc_route_trunk *records; /* the caller's array, which trunks point into */
	bool *outbound;                       /* per trunk: tc_route_outbound_capable */
	struct route_prefix *prefixes;        /* sorted by text, then trunk */
	size_t nprefixes;
	struct route_slot *slots; /* one per distinct prefix of at most TC_ROUTE_MAX_DIGITS */
	uint8_t *tags;            /* per slot: 0 when empty, else bits of the hash */
	size_t nslots;
	bool has_len[TC_ROUTE_MAX_DIGITS + 1]; /* some slot holds a prefix of this length */
	struct route_prefix *odd; /* the other prefixes of outbound-capable trunks, oldest first */
	size_t nodd;
	size_t *fallbacks; /* outbound-capable trunks without route prefixes, oldest first */
	size_t nfallbacks;
	struct route_ip *ips; /* sorted by ip, then trunk (oldest first); one per trunk and ip */
	size_t nips;
};

/* The end of the run of prefixes equal to tb's prefix first (src/route_table.c). */
size_t route_prefix_run_end(const struct tc_route_table *tb, size_t first);
/* Hashes tb's sorted prefixes (src/route_prefix_index.c); TC_NOMEM when it cannot. */
enum tc_status route_prefix_index_build(struct tc_route_table *tb);
/* The number of digits of a slot's prefix. */
size_t route_slot_length(const struct route_slot *slot);
/* The slot of the longest prefix of digits (n of them), or NULL. */
const struct route_slot *route_prefix_longest(const struct tc_route_table *tb, const char *digits,
                                              size_t n);

/*
 * Age order: created_at ascending, then the trunks the server has not
 * created yet. 0 when the platform's order between a and b cannot be told
 * from here.
 */
int route_age_cmp(const struct tc_route_trunk *a, const struct tc_route_trunk *b);
/*
 * The order of the index's age sort between two created_at (NULL: not on
 * the server yet, the newest): their digits first, then the texts; 0 when
 * it falls to the walk's order.
 */
int route_created_order(const char *a, const char *b);
/*
 * t's inbound IP k, parsed into *ip, when it is one the platform keeps: a
 * valid IPv4 address not already listed earlier (it drops a trunk's repeats).
 */
bool route_inbound_ip(const struct tc_route_trunk *t, size_t k, uint32_t *ip);
/* Every character of s (length len) is a decimal digit; true for "". */
bool route_all_digits(const char *s, size_t len);
/* A new string joining the NULL-terminated arguments; NULL when out of memory. */
char *route_join(const char *first, ...);

#endif
