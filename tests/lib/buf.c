#include "buf.h"

#include <stdlib.h>
#include <string.h>

bool tl_append(char **p, size_t *len, size_t *cap, const void *data, size_t n)
{
	/*
	 * Doubling: a realloc per chunk copied a large body over and over, which
	 * made a 10,000-trunk dump or the fake's 8 MiB oversize body quadratic
	 * and, under ASan, slower than the transfer's timeout.
	 */
	if (*len + n + 1 > *cap) {
		size_t want = *cap ? *cap : 4096;
		while (want < *len + n + 1)
			want *= 2;
		char *grown = realloc(*p, want);
		if (!grown)
			return false;
		*p = grown;
		*cap = want;
	}
	memcpy(*p + *len, data, n);
	*len += n;
	(*p)[*len] = '\0';
	return true;
}

size_t tl_buf_collect(char *data, size_t size, size_t nmemb, void *ud)
{
	struct tl_buf *b = ud;
	size_t n = size * nmemb;
	return tl_append(&b->p, &b->len, &b->cap, data, n) ? n : 0;
}
