/*
 * The list filter's substring search (src/search_find.c: memchr, then a
 * vectorizable two-byte test) against the plainest search there is. The
 * first input byte picks the needle's length, the next bytes are the needle
 * and the rest the haystack; every answer must be the plain one's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search_find.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *plain_find(const char *h, size_t len, const char *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(h + i, needle, n) == 0)
			return h + i;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t n = (size_t)data[0] % 16 + 1;
	if (size - 1 < n)
		return 0;
	const char *needle = (const char *)data + 1;
	const char *hay = needle + n;
	size_t len = size - 1 - n;
	/* an exact-size copy: reading one byte past the end is ASan's to catch */
	char *h = malloc(len ? len : 1);
	if (!h)
		return 0;
	memcpy(h, hay, len);
	const char *want = plain_find(h, len, needle, n);
	const char *got = tc_search_find(h, h + len, needle, n);
	if (got != want)
		abort();
	free(h);
	return 0;
}
