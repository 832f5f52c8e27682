/* A store filled with generated server trunks, for the benchmarks that start from one. */
#ifndef TRUNKCTL_BENCH_STORE_H
#define TRUNKCTL_BENCH_STORE_H

#include <stddef.h>

#include "trunkctl/store.h"

/*
 * Pulls n generated ip_address trunks into s in pages of 100, as a sync
 * does, and prints how long it took. Exits on failure.
 */
void bench_fill_store(struct tc_store *s, size_t n);

#endif
