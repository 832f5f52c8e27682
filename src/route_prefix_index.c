/*
 * The route prefixes by their digits, for outbound selection's longest
 * match (doc/routing.md, "Outbound trunk selection"). A binary search per
 * leading run of the destination cost up to 65 searches of the whole sorted
 * array, so a query grew with the fleet; here each distinct prefix has a
 * slot in an open-addressing table, a query works out the keys of every
 * leading run in one pass over its digits, and it probes only the lengths
 * some prefix has. The table is kept half empty: fuller, linear probing
 * walks longer runs and small fleets got slower.
 */
#include <stdlib.h>
#include <string.h>

#include "route_private.h"

/*
 * A key is a run of digits' length in its top 7 bits and, below, up to 17
 * digits their number (10^17 < 2^57), past that a hash of the rest: equal
 * keys mean equal lengths, and, up to 17 digits, equal digits.
 */
#define PACKED_DIGITS 17
#define KEY_LEN_SHIFT 57

/* The run of digits one digit longer than run, which had len_before digits. */
static uint64_t extend_run(uint64_t run, size_t len_before, char digit)
{
	uint64_t d = (uint64_t)(digit - '0');
	if (len_before < PACKED_DIGITS)
		return run * 10 + d;
	/* beyond the number: FNV-1a over the rest, so that a query can carry it along */
	return (run ^ (d + 1)) * 0x100000001b3ull;
}

static uint64_t run_key(uint64_t run, size_t len)
{
	return (run & ((UINT64_C(1) << KEY_LEN_SHIFT) - 1)) | (uint64_t)len << KEY_LEN_SHIFT;
}

static uint64_t slot_hash(uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	h ^= h >> 31;
	h *= 0xd6e8feb86659fd93ull;
	return h ^ h >> 32;
}

/* Tag 0 marks an empty slot; a tag that differs ends most probes before the slot is read. */
static uint8_t slot_tag(uint64_t h)
{
	return (uint8_t)(0x80u | (h & 0x7fu));
}

/* The first slot to probe: the hash scaled to the table, which need not be a power of two. */
static size_t slot_start(uint64_t h, size_t nslots)
{
	return (size_t)(((h >> 32) * (uint64_t)nslots) >> 32);
}

size_t route_slot_length(const struct route_slot *slot)
{
	return (size_t)(slot->key >> KEY_LEN_SHIFT);
}

static void insert_run(struct tc_route_table *tb, size_t first, size_t end)
{
	const struct route_prefix *p = &tb->prefixes[first];
	uint64_t run = 0;
	for (size_t i = 0; i < p->len; i++)
		run = extend_run(run, i, p->text[i]);
	uint64_t key = run_key(run, p->len);
	uint64_t h = slot_hash(key);
	size_t at = slot_start(h, tb->nslots);
	while (tb->tags[at])
		at = at + 1 == tb->nslots ? 0 : at + 1;
	tb->tags[at] = slot_tag(h);
	/* sorted by trunk within a prefix: one holder iff the first and last agree */
	bool one = p->trunk == tb->prefixes[end - 1].trunk;
	tb->slots[at] = (struct route_slot){key, p->text, one ? tb->trunks[p->trunk] : NULL};
	tb->has_len[p->len] = true;
}

enum tc_status route_prefix_index_build(struct tc_route_table *tb)
{
	size_t distinct = 0;
	for (size_t first = 0; first < tb->nprefixes; first = route_prefix_run_end(tb, first))
		distinct += tb->prefixes[first].len <= TC_ROUTE_MAX_DIGITS;
	/* slot_start scales 32 bits of the hash */
	if (distinct > UINT32_MAX / 4)
		return TC_NOMEM;
	tb->nslots = 2 * distinct + 1;
	tb->slots = malloc(tb->nslots * sizeof(*tb->slots));
	tb->tags = calloc(tb->nslots, sizeof(*tb->tags));
	if (!tb->slots || !tb->tags)
		return TC_NOMEM;
	for (size_t first = 0, end; first < tb->nprefixes; first = end) {
		end = route_prefix_run_end(tb, first);
		/* a longer prefix than any destination can never match */
		if (tb->prefixes[first].len <= TC_ROUTE_MAX_DIGITS)
			insert_run(tb, first, end);
	}
	return TC_OK;
}

const struct route_slot *route_prefix_longest(const struct tc_route_table *tb, const char *digits,
                                              size_t n)
{
	if (!tb->nslots || n > TC_ROUTE_MAX_DIGITS)
		return NULL;
	uint64_t keys[TC_ROUTE_MAX_DIGITS + 1], run = 0;
	keys[0] = run_key(0, 0);
	for (size_t i = 0; i < n; i++) {
		run = extend_run(run, i, digits[i]);
		keys[i + 1] = run_key(run, i + 1);
	}
	for (size_t len = n + 1; len-- > 0;) {
		if (!tb->has_len[len])
			continue;
		uint64_t h = slot_hash(keys[len]);
		uint8_t tag = slot_tag(h);
		for (size_t at = slot_start(h, tb->nslots); tb->tags[at];
		     at = at + 1 == tb->nslots ? 0 : at + 1) {
			const struct route_slot *s = &tb->slots[at];
			if (tb->tags[at] == tag && s->key == keys[len] &&
			    (len <= PACKED_DIGITS || memcmp(s->text, digits, len) == 0))
				return s;
		}
	}
	return NULL;
}
