#include "search_find.h"

#include <string.h>

/*
 * The first needle (n > 0 bytes) in [h, end), or NULL. memchr finds its
 * first byte while that is rare; once it has stopped on a few false
 * candidates, each 64 places are tested for the needle's first two bytes in
 * a loop the compiler vectorizes: ids are hex, so memchr for a first byte
 * like '7' stopped every few dozen bytes (2 of the 10 ms of '7a' at 100,000
 * trunks).
 */
const char *tc_search_find(const char *h, const char *end, const char *needle, size_t n)
{
	if ((size_t)(end - h) < n)
		return NULL;
	if (n == 1)
		return memchr(h, needle[0], (size_t)(end - h));
	const unsigned char *u = (const unsigned char *)h;
	const unsigned char *last = (const unsigned char *)end - n;
	const unsigned char a = (unsigned char)needle[0], b = (unsigned char)needle[1];
	for (int misses = 0; misses < 8 && u <= last; misses++) {
		const unsigned char *p = memchr(u, a, (size_t)(last - u) + 1);
		if (!p)
			return NULL;
		if (p[1] == b && memcmp(p + 2, needle + 2, n - 2) == 0)
			return (const char *)p;
		u = p + 1;
	}
	while (u <= last) {
		size_t span = (size_t)(last - u) + 1;
		unsigned char any = 1;
		if (span >= 64) {
			span = 64;
			any = 0;
			for (size_t i = 0; i < 64; i++)
				any |= (unsigned char)((u[i] == a) & (u[i + 1] == b));
		}
		for (size_t i = 0; any && i < span; i++)
			if (u[i] == a && u[i + 1] == b && memcmp(u + i + 2, needle + 2, n - 2) == 0)
				return (const char *)u + i;
		u += span;
	}
	return NULL;
}
