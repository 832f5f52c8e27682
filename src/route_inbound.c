/*
 * Inbound matching (doc/routing.md, "Inbound matching"): Somleng's
 * SIPTrunkResolver within one carrier, and the normalisation of the numbers
 * with the winning trunk's inbound_country.
 */
#include <stdlib.h>
#include <string.h>

#include "country_dialing.h"
#include "route_private.h"

/* Four decimal parts 0-255, no sign, no space, no zero-filled part (Ruby's IPAddr refuses those).
 */
bool tc_route_parse_ipv4(const char *text, unsigned long *out)
{
	unsigned long value = 0;
	const char *s = text;
	for (int part = 0; part < 4; part++) {
		if (part > 0 && *s++ != '.')
			return false;
		if (*s < '0' || *s > '9')
			return false;
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return false;
		unsigned n = 0;
		int len = 0;
		for (; *s >= '0' && *s <= '9' && len < 4; s++, len++)
			n = n * 10 + (unsigned)(*s - '0');
		if (len > 3 || n > 255)
			return false;
		value = value << 8 | n;
	}
	if (*s)
		return false;
	*out = value;
	return true;
}

void tc_inbound_answer_finish(struct tc_inbound_answer *answer)
{
	if (!answer)
		return;
	free(answer->candidates);
	free(answer->shadowed);
	memset(answer, 0, sizeof(*answer));
}

enum tc_status tc_route_inbound(const struct tc_route_table *table, const char *ip,
                                struct tc_inbound_answer *out, struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	unsigned long parsed;
	if (!ip || !tc_route_parse_ipv4(ip, &parsed))
		return tc_error_set(err, TC_INVALID, "not an IPv4 address");
	uint32_t key = (uint32_t)parsed;
	size_t lo = 0, hi = table->nips;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (table->ips[mid].ip < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < table->nips && table->ips[end].ip == key)
		end++;
	if (end == lo)
		return TC_OK;
	/* the oldest, and those the platform cannot be told apart from it */
	size_t tied = 1;
	const struct tc_route_trunk *oldest = table->trunks[table->ips[lo].trunk];
	while (lo + tied < end &&
	       route_age_cmp(oldest, table->trunks[table->ips[lo + tied].trunk]) == 0)
		tied++;
	out->candidates = malloc(tied * sizeof(*out->candidates));
	out->shadowed = malloc((end - lo) * sizeof(*out->shadowed));
	if (!out->candidates || !out->shadowed) {
		tc_inbound_answer_finish(out);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	for (size_t i = lo; i < end; i++) {
		const struct tc_route_trunk *t = table->trunks[table->ips[i].trunk];
		if (i < lo + tied)
			out->candidates[out->ncandidates++] = t;
		else
			out->shadowed[out->nshadowed++] = t;
	}
	out->ambiguous = tied > 1;
	out->trunk = out->ambiguous ? NULL : out->candidates[0];
	return TC_OK;
}

static int country_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tc_country_dialing *)elem)->alpha2);
}

bool tc_route_country(const char *alpha2, const char **calling_code, const char **national_prefix)
{
	const struct tc_country_dialing *c =
	    alpha2 ? bsearch(alpha2, tc_country_dialing_table, tc_country_dialing_count, sizeof(*c),
	                     country_cmp)
	           : NULL;
	if (!c)
		return false;
	*calling_code = c->calling_code;
	*national_prefix = c->national_prefix;
	return true;
}

/*
 * How much of s the pattern /\A(?:pattern)/ matches, or -1. The gem's
 * prefixes are literal text except Georgia's "8*", so literal characters
 * and a character followed by '*' (greedy) are all there is to it.
 */
static long anchored_match(const char *pattern, const char *s)
{
	size_t n = 0;
	for (const char *p = pattern; *p; p++) {
		if (p[1] == '*') {
			while (s[n] == *p)
				n++;
			p++;
			continue;
		}
		if (s[n] != *p)
			return -1;
		n++;
	}
	return (long)n;
}

enum tc_status tc_route_normalize(const struct tc_route_trunk *t, const char *number, char **out,
                                  struct tc_error *err)
{
	const char *cc, *np;
	long n = -1;
	if (tc_route_country(t->inbound_country, &cc, &np) && cc)
		n = anchored_match(np ? np : "", number);
	*out = n < 0 ? strdup(number) : route_join(cc, number + n, (char *)NULL);
	return *out ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}
