/*
 * Private to the store: the substring search the list filter runs over
 * search_blocks, apart so that a fuzz target can hold it to memmem.
 */
#ifndef TRUNKCTL_SRC_SEARCH_FIND_H
#define TRUNKCTL_SRC_SEARCH_FIND_H

#include <stddef.h>

/* The first needle (n > 0 bytes) in [h, end), or NULL; as memmem. */
const char *tc_search_find(const char *h, const char *end, const char *needle, size_t n);

#endif
