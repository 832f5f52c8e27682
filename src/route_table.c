/*
 * The fleet index and outbound selection (doc/routing.md, "Outbound trunk
 * selection"): Somleng's DestinationRules sorts every (trunk, prefix) pair
 * by prefix length on each call; here the prefixes are sorted once and
 * hashed by their digits (src/route_prefix_index.c), so a query looks up
 * the leading runs of the destination, longest first, at a cost that does
 * not grow with the fleet.
 */
#include <stdlib.h>
#include <string.h>

#include "route_private.h"

size_t tc_route_table_count(const struct tc_route_table *table)
{
	return table ? table->count : 0;
}

const struct tc_route_trunk *tc_route_table_trunk(const struct tc_route_table *table, size_t i)
{
	return table && i < table->count ? table->trunks[i] : NULL;
}

void tc_route_table_destroy(struct tc_route_table *table)
{
	if (!table)
		return;
	free(table->trunks);
	free(table->outbound);
	free(table->prefixes);
	free(table->slots);
	free(table->tags);
	free(table->odd);
	free(table->fallbacks);
	free(table->ips);
	free(table);
}

/*
 * The server's timestamps share one format, so text order is time order;
 * a trunk the server has not created yet (NULL) will be the newest when it is.
 */
static int created_cmp(const char *a, const char *b)
{
	if (a && b)
		return strcmp(a, b);
	return a ? -1 : b ? 1 : 0;
}

int route_age_cmp(const struct tc_route_trunk *a, const struct tc_route_trunk *b)
{
	return created_cmp(a->created_at, b->created_at);
}

/*
 * The first 8 bytes of s (zero-padded) as a big-endian number: numbers
 * compare as strcmp compares the strings, so sorts rarely read the strings,
 * which lie all over the heap.
 */
static uint64_t head_key(const char *s)
{
	uint64_t k = 0;
	bool ended = false;
	for (int i = 0; i < 8; i++) {
		ended = ended || !s[i];
		k = k << 8 | (ended ? 0u : (unsigned char)s[i]);
	}
	return k;
}

/* strcmp(a, b), given their head_key. */
static int keyed_cmp(uint64_t ka, const char *a, uint64_t kb, const char *b)
{
	if (ka != kb)
		return ka < kb ? -1 : 1;
	/* equal heads: equal strings unless both go on past 8 bytes */
	return (ka & 0xff) ? strcmp(a + 8, b + 8) : 0;
}

/*
 * The digits of a timestamp, left-aligned in 18 places: in one format (the
 * server's), their order is the text's. Equal keys fall back to strcmp.
 */
static uint64_t time_key(const char *s)
{
	uint64_t k = 0;
	int n = 0;
	for (; *s && n < 18; s++)
		if (*s >= '0' && *s <= '9') {
			k = k * 10 + (uint64_t)(*s - '0');
			n++;
		}
	for (; n < 18; n++)
		k *= 10;
	return k;
}

int route_created_order(const char *a, const char *b)
{
	if (a && b) {
		uint64_t ka = time_key(a), kb = time_key(b);
		if (ka != kb)
			return ka < kb ? -1 : 1;
	}
	return created_cmp(a, b);
}

int tc_route_age_order(const struct tc_route_trunk *a, const struct tc_route_trunk *b)
{
	int c = route_created_order(a->created_at, b->created_at);
	if (c || !a->id || !b->id)
		return c;
	return strcmp(a->id, b->id);
}

/* qsort has no context argument: each element carries its trunk's created_at. */
struct aged {
	const char *created; /* NULL: not on the server yet */
	uint64_t head;       /* time_key(created) */
	size_t index;
};

static int aged_cmp(const void *pa, const void *pb)
{
	const struct aged *a = pa, *b = pb;
	int c = a->created && b->created && a->head != b->head
	            ? (a->head < b->head ? -1 : 1)
	            : created_cmp(a->created, b->created);
	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int prefix_cmp(const void *pa, const void *pb)
{
	const struct route_prefix *a = pa, *b = pb;
	int c = keyed_cmp(a->head, a->text, b->head, b->text);
	if (c)
		return c;
	return a->trunk < b->trunk ? -1 : a->trunk > b->trunk;
}

size_t route_prefix_run_end(const struct tc_route_table *tb, size_t first)
{
	const struct route_prefix *p = &tb->prefixes[first];
	size_t end = first + 1;
	while (end < tb->nprefixes && tb->prefixes[end].len == p->len &&
	       keyed_cmp(tb->prefixes[end].head, tb->prefixes[end].text, p->head, p->text) == 0)
		end++;
	return end;
}

static int ip_cmp(const void *pa, const void *pb)
{
	const struct route_ip *a = pa, *b = pb;
	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	return a->trunk < b->trunk ? -1 : a->trunk > b->trunk;
}

/*
 * The caller's trunks into tb->trunks, oldest first: every list the index
 * and the lint hand out is then in age order, whatever order the store read.
 */
static enum tc_status order_by_age(struct tc_route_table *tb, const struct tc_route_trunk *trunks)
{
	struct aged *aged = malloc((tb->count ? tb->count : 1) * sizeof(*aged));
	if (!aged)
		return TC_NOMEM;
	for (size_t i = 0; i < tb->count; i++) {
		const char *created = trunks[i].created_at;
		aged[i] = (struct aged){created, created ? time_key(created) : 0, i};
	}
	qsort(aged, tb->count, sizeof(*aged), aged_cmp);
	for (size_t r = 0; r < tb->count; r++)
		tb->trunks[r] = &trunks[aged[r].index];
	free(aged);
	return TC_OK;
}

bool route_inbound_ip(const struct tc_route_trunk *t, size_t k, uint32_t *ip)
{
	unsigned long v;
	if (!tc_route_parse_ipv4(t->inbound_ips[k], &v))
		return false;
	for (size_t j = 0; j < k; j++) {
		unsigned long other;
		if (tc_route_parse_ipv4(t->inbound_ips[j], &other) && other == v)
			return false;
	}
	*ip = (uint32_t)v;
	return true;
}

/* Counts first, so that each array is allocated once. */
static void count_entries(const struct tc_route_table *tb, size_t *nprefixes, size_t *nips)
{
	*nprefixes = *nips = 0;
	for (size_t i = 0; i < tb->count; i++) {
		*nprefixes += tb->trunks[i]->nroute_prefixes;
		*nips += tb->trunks[i]->ninbound_ips;
	}
}

static void index_trunk(struct tc_route_table *tb, size_t i)
{
	const struct tc_route_trunk *t = tb->trunks[i];
	tb->outbound[i] = tc_route_outbound_capable(t);
	if (tb->outbound[i] && t->nroute_prefixes == 0)
		tb->fallbacks[tb->nfallbacks++] = i;
	for (size_t k = 0; tb->outbound[i] && k < t->nroute_prefixes; k++) {
		const char *p = t->route_prefixes[k];
		size_t len = strlen(p);
		if (route_all_digits(p, len))
			tb->prefixes[tb->nprefixes++] =
			    (struct route_prefix){p, head_key(p), len, i};
		else
			tb->odd[tb->nodd++] = (struct route_prefix){p, 0, len, i};
	}
	for (size_t k = 0; k < t->ninbound_ips; k++) {
		uint32_t ip;
		if (route_inbound_ip(t, k, &ip))
			tb->ips[tb->nips++] = (struct route_ip){ip, i};
	}
}

enum tc_status tc_route_table_build(const struct tc_route_trunk *trunks, size_t count,
                                    struct tc_route_table **out, struct tc_error *err)
{
	*out = NULL;
	struct tc_route_table *tb = calloc(1, sizeof(*tb));
	if (!tb)
		return tc_error_set(err, TC_NOMEM, NULL);
	tb->count = count;
	tb->records = trunks;
	size_t n = count ? count : 1, nprefixes = 0, nips = 0;
	tb->trunks = malloc(n * sizeof(*tb->trunks));
	tb->outbound = calloc(n, sizeof(*tb->outbound));
	tb->fallbacks = malloc(n * sizeof(*tb->fallbacks));
	bool ok = tb->trunks && order_by_age(tb, trunks) == TC_OK;
	if (ok)
		count_entries(tb, &nprefixes, &nips);
	tb->prefixes = malloc((nprefixes ? nprefixes : 1) * sizeof(*tb->prefixes));
	tb->odd = malloc((nprefixes ? nprefixes : 1) * sizeof(*tb->odd));
	tb->ips = malloc((nips ? nips : 1) * sizeof(*tb->ips));
	if (!ok || !tb->outbound || !tb->fallbacks || !tb->prefixes || !tb->odd || !tb->ips) {
		tc_route_table_destroy(tb);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	for (size_t i = 0; i < count; i++)
		index_trunk(tb, i);
	qsort(tb->prefixes, tb->nprefixes, sizeof(*tb->prefixes), prefix_cmp);
	qsort(tb->ips, tb->nips, sizeof(*tb->ips), ip_cmp);
	if (route_prefix_index_build(tb) != TC_OK) {
		tc_route_table_destroy(tb);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	*out = tb;
	return TC_OK;
}

const char *tc_route_match_name(enum tc_route_match match)
{
	switch (match) {
	case TC_ROUTE_PINNED:
		return "pinned";
	case TC_ROUTE_PREFIX:
		return "prefix";
	case TC_ROUTE_FALLBACK:
		return "fallback";
	case TC_ROUTE_VIA:
		return "via";
	case TC_ROUTE_AMBIGUOUS:
		return "ambiguous";
	case TC_ROUTE_NONE:
		break;
	}
	return "none";
}

void tc_route_answer_finish(struct tc_route_answer *answer)
{
	if (!answer)
		return;
	free(answer->candidates);
	free(answer->sip_address);
	memset(answer, 0, sizeof(*answer));
}

/* The first entry whose text is key[0..len), or nprefixes. */
static size_t prefix_lower_bound(const struct tc_route_table *tb, const char *key, size_t len)
{
	size_t lo = 0, hi = tb->nprefixes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct route_prefix *e = &tb->prefixes[mid];
		int c = strncmp(e->text, key, len);
		if (c == 0 && e->len > len)
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Fills the answer's candidates from trunk indexes (duplicates dropped). */
static enum tc_status set_candidates(const struct tc_route_table *tb, struct tc_route_answer *a,
                                     const size_t *idx, size_t n)
{
	a->candidates = malloc((n ? n : 1) * sizeof(*a->candidates));
	if (!a->candidates)
		return TC_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (a->ncandidates == 0 || a->candidates[a->ncandidates - 1] != tb->trunks[idx[i]])
			a->candidates[a->ncandidates++] = tb->trunks[idx[i]];
	return TC_OK;
}

/* The trunks holding the longest prefix of digits; false when none matches. */
static enum tc_status match_prefix(const struct tc_route_table *tb, const char *digits, size_t n,
                                   struct tc_route_answer *a, bool *found)
{
	const struct route_slot *slot = route_prefix_longest(tb, digits, n);
	*found = slot != NULL;
	if (!slot)
		return TC_OK;
	a->prefix = slot->text;
	if (slot->holder) {
		a->candidates = malloc(sizeof(*a->candidates));
		if (!a->candidates)
			return TC_NOMEM;
		a->candidates[0] = a->trunk = slot->holder;
		a->ncandidates = 1;
		a->match = TC_ROUTE_PREFIX;
		return TC_OK;
	}
	size_t first = prefix_lower_bound(tb, digits, route_slot_length(slot));
	size_t end = route_prefix_run_end(tb, first);
	size_t *idx = malloc((end - first) * sizeof(*idx));
	if (!idx)
		return TC_NOMEM;
	for (size_t i = first; i < end; i++)
		idx[i - first] = tb->prefixes[i].trunk;
	enum tc_status rc = set_candidates(tb, a, idx, end - first);
	free(idx);
	a->match = TC_ROUTE_AMBIGUOUS;
	return rc;
}

static enum tc_status select_trunk(const struct tc_route_table *tb, const struct tc_route_query *q,
                                   const char *digits, size_t n, struct tc_route_answer *a)
{
	if (q->via) {
		a->match = TC_ROUTE_VIA;
		a->trunk = q->via;
		return TC_OK;
	}
	if (q->pinned) {
		if (tc_route_outbound_capable(q->pinned)) {
			a->match = TC_ROUTE_PINNED;
			a->trunk = q->pinned;
		} else {
			a->why_none = "the pinned trunk cannot dial out (no outbound_host), and a "
			              "pinned account has no fallback";
		}
		return TC_OK;
	}
	bool found;
	enum tc_status rc = match_prefix(tb, digits, n, a, &found);
	if (rc != TC_OK || found)
		return rc;
	if (tb->nfallbacks == 0) {
		a->why_none = "no route prefix matches and no outbound trunk is without prefixes";
		return TC_OK;
	}
	rc = set_candidates(tb, a, tb->fallbacks, tb->nfallbacks);
	if (rc != TC_OK)
		return rc;
	a->match = tb->nfallbacks == 1 ? TC_ROUTE_FALLBACK : TC_ROUTE_AMBIGUOUS;
	if (tb->nfallbacks == 1)
		a->trunk = a->candidates[0];
	return TC_OK;
}

/* " sip:example.com:5080 " is dialled as "example.com:5080", bypassing the rules. */
static bool sip_destination(const char *to, struct tc_route_answer *a, enum tc_status *rc)
{
	while (*to == ' ' || *to == '\t' || *to == '\n' || *to == '\r')
		to++;
	if (strncmp(to, "sip:", 4) != 0)
		return false;
	to += 4;
	size_t len = strlen(to);
	while (len > 0 && (to[len - 1] == ' ' || to[len - 1] == '\t' || to[len - 1] == '\n' ||
	                   to[len - 1] == '\r'))
		len--;
	a->sip_address = malloc(len + 1);
	if (!a->sip_address) {
		*rc = TC_NOMEM;
		return true;
	}
	memcpy(a->sip_address, to, len);
	a->sip_address[len] = '\0';
	a->why_none = "a SIP address is dialled as given, through no trunk";
	*rc = TC_OK;
	return true;
}

enum tc_status tc_route_select(const struct tc_route_table *table, const struct tc_route_query *q,
                               struct tc_route_answer *out, struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	enum tc_status sip_rc;
	if (q->to && !q->via && sip_destination(q->to, out, &sip_rc))
		return sip_rc == TC_OK ? TC_OK : tc_error_set(err, sip_rc, NULL);
	char digits[TC_ROUTE_MAX_DIGITS + 1];
	size_t n = 0;
	for (const char *s = q->to ? q->to : ""; *s; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (n == TC_ROUTE_MAX_DIGITS)
			return tc_error_set(err, TC_INVALID,
			                    "the destination has more than %d digits",
			                    TC_ROUTE_MAX_DIGITS);
		digits[n++] = *s;
	}
	digits[n] = '\0';
	if (n == 0)
		return tc_error_set(err, TC_INVALID, "the destination has no digits");
	enum tc_status rc = select_trunk(table, q, digits, n, out);
	if (rc != TC_OK) {
		tc_route_answer_finish(out);
		return tc_error_set(err, rc, NULL);
	}
	return TC_OK;
}
