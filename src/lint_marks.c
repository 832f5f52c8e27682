/*
 * The lint's marks (trunkctl/lint.h): the worst severity of each trunk, by
 * the store's row, and the few facts the fleet's rules need to say a
 * trunk's findings again when the detail view asks.
 *
 * They are built from one pass over the trunks that keeps no trunk: the TUI
 * holds them for hours, and building them from a routing snapshot held
 * every trunk's routing record at once (24 MiB at 100,000 trunks). A
 * trunk's own rules run as it passes; the fleet's rules (shared IPs,
 * duplicate prefixes, several fallbacks) keep each IP and prefix packed
 * with its row, and find the duplicates once the pass is over. Only the
 * members of a shared IP are read again, for their age, names and regions.
 *
 * A finding's message is put together when asked, from the trunk as it is
 * then and those facts, by the functions that write the report's: byte for
 * byte the same while the trunk is unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "lint_private.h"
#include "route_private.h"
#include "util.h"

/* A row's cell: its worst severity in the low bits, then these flags. */
#define CELL_SEVERITY 3u
#define CELL_FOUND 4u
#define CELL_FALLBACK 8u /* an outbound trunk without route prefixes */

/* Digits a prefix's packed value holds: 10^19 < 2^64. */
#define PACKED_DIGITS 19
#define NO_TEXT UINT32_MAX

/* An IP shared by several trunks: what its findings say. */
struct ip_group {
	uint32_t ip;
	uint32_t n;              /* trunks */
	uint32_t oldest, second; /* labels, offsets into text */
	uint32_t region, other;  /* offsets into text; NO_TEXT: no shared-ip-region finding */
	bool tie;                /* the two oldest cannot be told apart */
};

struct tc_lint_marks {
	int64_t lo; /* the row of cells[0] */
	size_t span;
	uint8_t *cells;
	struct ip_group *ips; /* sorted by ip */
	size_t nips, ips_cap;
	uint32_t *prefixes; /* duplicated route prefixes, offsets into text, sorted as text */
	size_t nprefixes, prefixes_cap;
	size_t nfallbacks;
	uint32_t fallback_first, fallback_second; /* labels, when nfallbacks >= 2 */
	char *text;
	size_t len, text_cap;
	size_t by_severity[TC_LINT_INFO + 1];
};

void tc_lint_marks_destroy(struct tc_lint_marks *m)
{
	if (!m)
		return;
	free(m->cells);
	free(m->ips);
	free(m->prefixes);
	free(m->text);
	free(m);
}

/* s (n bytes) at the end of the text; its offset, or NO_TEXT when out of memory. */
static uint32_t keep_text(struct tc_lint_marks *m, const char *s, size_t n)
{
	if (m->len + n + 1 >= NO_TEXT)
		return NO_TEXT;
	char *text = tc_grow(m->text, &m->text_cap, m->len + n + 1, 1, 256);
	if (!text)
		return NO_TEXT;
	m->text = text;
	memcpy(text + m->len, s, n);
	text[m->len + n] = '\0';
	uint32_t at = (uint32_t)m->len;
	m->len += n + 1;
	return at;
}

static uint32_t keep_string(struct tc_lint_marks *m, const char *s)
{
	return keep_text(m, s, strlen(s));
}

/* qsort, which must not be handed the NULL of an empty array. */
static void sort_items(void *items, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(items, n, size, cmp);
}

/* ---- building ---- */

struct ip_entry {
	uint32_t ip;
	uint32_t at; /* row - lo */
};

/*
 * A digits-only route prefix of an outbound trunk: its first 19 digits as
 * a number, left-aligned, so that the numbers sort as the texts do, with
 * the length breaking ties. A longer prefix is kept as text (long_prefix).
 */
struct prefix_entry {
	uint64_t value;
	uint32_t at;
	uint32_t len;
};

struct long_prefix {
	char *text;
	uint32_t at;
};

/* A trunk, copied, while the oldest trunks of a group are looked for. */
struct held {
	bool set;
	char *created, *id, *label, *region;
};

struct lint_stream {
	struct tc_lint_marks *m;
	struct lint rules; /* worst-only: the trunk's own rules */
	struct ip_entry *ips;
	size_t nips, ips_cap;
	struct prefix_entry *prefixes;
	size_t nprefixes, prefixes_cap;
	struct long_prefix *longs;
	size_t nlongs, longs_cap;
	struct held fallback[2]; /* the two oldest fallbacks so far */
};

static void held_clear(struct held *h)
{
	free(h->created);
	free(h->id);
	free(h->label);
	free(h->region);
	memset(h, 0, sizeof(*h));
}

static bool held_set(struct held *h, const struct tc_route_trunk *t)
{
	held_clear(h);
	h->set = true;
	return tc_strdup_opt(&h->created, t->created_at) && tc_strdup_opt(&h->id, t->id) &&
	       tc_strdup_opt(&h->label, lint_label(t)) && tc_strdup_opt(&h->region, t->region);
}

/*
 * t comes before h in age order: created first, then (the platform cannot
 * tell them apart) the order of the walk, which is by id.
 */
static bool older_than(const struct tc_route_trunk *t, const struct held *h)
{
	if (!h->set)
		return true;
	int c = route_created_order(t->created_at, h->created);
	if (c)
		return c < 0;
	return t->id && h->id && strcmp(t->id, h->id) < 0;
}

/* t among the two oldest of top[0..2), which stay in age order. */
static bool hold_if_older(struct held top[2], const struct tc_route_trunk *t)
{
	if (older_than(t, &top[0])) {
		held_clear(&top[1]);
		top[1] = top[0];
		memset(&top[0], 0, sizeof(top[0]));
		return held_set(&top[0], t);
	}
	return older_than(t, &top[1]) ? held_set(&top[1], t) : true;
}

void lint_stream_destroy(struct lint_stream *s)
{
	if (!s)
		return;
	tc_lint_marks_destroy(s->m);
	free(s->ips);
	free(s->prefixes);
	for (size_t i = 0; i < s->nlongs; i++)
		free(s->longs[i].text);
	free(s->longs);
	held_clear(&s->fallback[0]);
	held_clear(&s->fallback[1]);
	free(s);
}

enum tc_status lint_stream_create(int64_t lo, int64_t hi, struct lint_stream **out,
                                  struct tc_error *err)
{
	*out = NULL;
	struct lint_stream *s = calloc(1, sizeof(*s));
	if (s)
		s->m = calloc(1, sizeof(*s->m));
	if (!s || !s->m) {
		lint_stream_destroy(s);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	s->m->lo = lo;
	s->m->span = hi >= lo ? (size_t)(hi - lo) + 1 : 0;
	if (hi >= lo && (uint64_t)(hi - lo) >= UINT32_MAX) {
		lint_stream_destroy(s);
		return tc_error_set(
		    err, TC_STORE,
		    "the store's trunk rows are numbered more than 2^32 apart, too far "
		    "for the lint's marks (a VACUUM of the store numbers them again)");
	}
	s->m->cells = calloc(s->m->span ? s->m->span : 1, 1);
	if (!s->m->cells) {
		lint_stream_destroy(s);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	*out = s;
	return TC_OK;
}

/* cell's worst severity raised to sev. */
static void mark(uint8_t *cell, enum tc_lint_severity sev)
{
	if (!(*cell & CELL_FOUND) || (unsigned)sev < (*cell & CELL_SEVERITY))
		*cell = (uint8_t)((*cell & ~CELL_SEVERITY) | CELL_FOUND | (unsigned)sev);
}

static enum tc_status add_ips(struct lint_stream *s, const struct tc_route_trunk *t, uint32_t at)
{
	for (size_t k = 0; k < t->ninbound_ips; k++) {
		uint32_t ip;
		if (!route_inbound_ip(t, k, &ip))
			continue;
		struct ip_entry *e = tc_grow(s->ips, &s->ips_cap, s->nips + 1, sizeof(*e), 1024);
		if (!e)
			return TC_NOMEM;
		s->ips = e;
		s->ips[s->nips++] = (struct ip_entry){ip, at};
	}
	return TC_OK;
}

static uint64_t packed_digits(const char *p, size_t len)
{
	uint64_t v = 0;
	for (size_t i = 0; i < PACKED_DIGITS; i++)
		v = v * 10 + (uint64_t)(i < len ? p[i] - '0' : 0);
	return v;
}

static enum tc_status add_prefixes(struct lint_stream *s, const struct tc_route_trunk *t,
                                   uint32_t at)
{
	for (size_t k = 0; k < t->nroute_prefixes; k++) {
		const char *p = t->route_prefixes[k];
		size_t len = strlen(p);
		if (!route_all_digits(p, len))
			continue;
		if (len > PACKED_DIGITS) {
			struct long_prefix *e =
			    tc_grow(s->longs, &s->longs_cap, s->nlongs + 1, sizeof(*e), 16);
			if (!e)
				return TC_NOMEM;
			s->longs = e;
			if (!(e[s->nlongs].text = strdup(p)))
				return TC_NOMEM;
			e[s->nlongs++].at = at;
			continue;
		}
		struct prefix_entry *e =
		    tc_grow(s->prefixes, &s->prefixes_cap, s->nprefixes + 1, sizeof(*e), 1024);
		if (!e)
			return TC_NOMEM;
		s->prefixes = e;
		s->prefixes[s->nprefixes++] =
		    (struct prefix_entry){packed_digits(p, len), at, (uint32_t)len};
	}
	return TC_OK;
}

enum tc_status lint_stream_add(struct lint_stream *s, const struct tc_route_trunk *t,
                               struct tc_error *err)
{
	struct tc_lint_marks *m = s->m;
	if (t->row < m->lo || (uint64_t)(t->row - m->lo) >= m->span)
		return tc_error_set(err, TC_CORRUPT,
		                    "trunk %s is at row %lld, outside the store's rows",
		                    t->id ? t->id : "(no id)", (long long)t->row);
	uint32_t at = (uint32_t)(t->row - m->lo);
	s->rules.found = false;
	enum tc_status rc = lint_trunk_run(&s->rules, t);
	if (rc == TC_OK && s->rules.found)
		mark(&m->cells[at], s->rules.worst);
	bool outbound = tc_route_outbound_capable(t);
	if (rc == TC_OK)
		rc = add_ips(s, t, at);
	if (rc == TC_OK && outbound)
		rc = add_prefixes(s, t, at);
	if (rc == TC_OK && lint_is_fallback(t, outbound)) {
		m->cells[at] |= CELL_FALLBACK;
		m->nfallbacks++;
		if (!hold_if_older(s->fallback, t))
			rc = TC_NOMEM;
	}
	return rc == TC_OK ? TC_OK : tc_error_set(err, rc, NULL);
}

static int ip_entry_cmp(const void *pa, const void *pb)
{
	const struct ip_entry *a = pa, *b = pb;
	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

static int prefix_entry_cmp(const void *pa, const void *pb)
{
	const struct prefix_entry *a = pa, *b = pb;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

static int long_prefix_cmp(const void *pa, const void *pb)
{
	const struct long_prefix *a = pa, *b = pb;
	int c = strcmp(a->text, b->text);
	return c ? c : a->at < b->at ? -1 : a->at > b->at;
}

static enum tc_status keep_prefix(struct tc_lint_marks *m, const char *text, size_t len)
{
	uint32_t *p = tc_grow(m->prefixes, &m->prefixes_cap, m->nprefixes + 1, sizeof(*p), 16);
	if (!p)
		return TC_NOMEM;
	m->prefixes = p;
	uint32_t at = keep_text(m, text, len);
	if (at == NO_TEXT)
		return TC_NOMEM;
	m->prefixes[m->nprefixes++] = at;
	return TC_OK;
}

/*
 * The duplicated prefixes in text order, for the detail view's search: the
 * first `packed` (kept as numbers) and the long ones after them are each in
 * that order already, and are merged.
 */
static enum tc_status merge_prefixes(struct tc_lint_marks *m, size_t packed)
{
	size_t n = m->nprefixes;
	if (packed == 0 || packed == n)
		return TC_OK;
	uint32_t *merged = malloc(n * sizeof(*merged));
	if (!merged)
		return TC_NOMEM;
	size_t a = 0, b = packed;
	for (size_t k = 0; k < n; k++)
		merged[k] = b == n || (a < packed && strcmp(m->text + m->prefixes[a],
		                                            m->text + m->prefixes[b]) < 0)
		                ? m->prefixes[a++]
		                : m->prefixes[b++];
	free(m->prefixes);
	m->prefixes = merged;
	m->prefixes_cap = n;
	return TC_OK;
}

/* The duplicate-route-prefix findings: every prefix on several trunks marks them. */
static enum tc_status duplicate_prefixes(struct lint_stream *s)
{
	struct tc_lint_marks *m = s->m;
	sort_items(s->prefixes, s->nprefixes, sizeof(*s->prefixes), prefix_entry_cmp);
	for (size_t i = 0; i < s->nprefixes;) {
		size_t end = i + 1;
		while (end < s->nprefixes && s->prefixes[end].value == s->prefixes[i].value &&
		       s->prefixes[end].len == s->prefixes[i].len)
			end++;
		if (s->prefixes[i].at != s->prefixes[end - 1].at) {
			char text[PACKED_DIGITS + 1];
			uint64_t v = s->prefixes[i].value;
			for (int d = PACKED_DIGITS - 1; d >= 0; d--, v /= 10)
				text[d] = (char)('0' + v % 10);
			if (keep_prefix(m, text, s->prefixes[i].len) != TC_OK)
				return TC_NOMEM;
			for (size_t k = i; k < end; k++)
				mark(&m->cells[s->prefixes[k].at], TC_LINT_ERROR);
		}
		i = end;
	}
	size_t packed = m->nprefixes;
	sort_items(s->longs, s->nlongs, sizeof(*s->longs), long_prefix_cmp);
	for (size_t i = 0; i < s->nlongs;) {
		size_t end = i + 1;
		while (end < s->nlongs && strcmp(s->longs[end].text, s->longs[i].text) == 0)
			end++;
		if (s->longs[i].at != s->longs[end - 1].at) {
			if (keep_prefix(m, s->longs[i].text, strlen(s->longs[i].text)) != TC_OK)
				return TC_NOMEM;
			for (size_t k = i; k < end; k++)
				mark(&m->cells[s->longs[k].at], TC_LINT_ERROR);
		}
		i = end;
	}
	return merge_prefixes(m, packed);
}

/* What a shared IP's members are read for: the oldest two, then a region other than the oldest's.
 */
struct ip_pass {
	struct held top[2];
	const char *region; /* the oldest's, in the second pass */
	struct held other;  /* the oldest member with another region */
	bool second_pass;
	bool nomem;
};

static enum tc_status ip_member(void *ctx, const struct tc_route_trunk *t)
{
	struct ip_pass *p = ctx;
	if (!p->second_pass) {
		p->nomem = p->nomem || !hold_if_older(p->top, t);
		return p->nomem ? TC_NOMEM : TC_OK;
	}
	/* the oldest member has the oldest's region: it is never the other */
	if (lint_other_region(p->region, t) && older_than(t, &p->other))
		p->nomem = p->nomem || !held_set(&p->other, t);
	return p->nomem ? TC_NOMEM : TC_OK;
}

static enum tc_status read_members(struct lint_stream *s, size_t first, size_t end,
                                   lint_read_row_fn read, void *src, struct ip_pass *p,
                                   const atomic_bool *cancel, struct tc_error *err)
{
	for (size_t k = first; k < end; k++) {
		if (cancel && atomic_load(cancel))
			return tc_error_set(err, TC_CANCELLED, "the lint was stopped");
		enum tc_status rc = read(src, s->m->lo + s->ips[k].at, ip_member, p, err);
		if (rc != TC_OK)
			return rc;
	}
	return TC_OK;
}

static enum tc_status ip_group(struct lint_stream *s, size_t first, size_t end,
                               lint_read_row_fn read, void *src, const atomic_bool *cancel,
                               struct tc_error *err)
{
	struct tc_lint_marks *m = s->m;
	struct ip_pass p = {0};
	enum tc_status rc = read_members(s, first, end, read, src, &p, cancel, err);
	if (rc == TC_OK && p.top[0].region) {
		p.second_pass = true;
		p.region = p.top[0].region;
		rc = read_members(s, first, end, read, src, &p, cancel, err);
	}
	struct ip_group *g = NULL;
	if (rc == TC_OK && !p.top[1].set)
		rc = tc_error_set(err, TC_CORRUPT,
		                  "a trunk sharing an inbound IP is gone from the store");
	if (rc == TC_OK) {
		g = tc_grow(m->ips, &m->ips_cap, m->nips + 1, sizeof(*g), 16);
		rc = g ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
	}
	if (rc == TC_OK) {
		m->ips = g;
		g = &m->ips[m->nips++];
		*g = (struct ip_group){
		    .ip = s->ips[first].ip,
		    .n = (uint32_t)(end - first),
		    .oldest = keep_string(m, p.top[0].label),
		    .second = keep_string(m, p.top[1].label),
		    .region = p.other.set ? keep_string(m, p.top[0].region) : NO_TEXT,
		    .other = p.other.set ? keep_string(m, p.other.region) : NO_TEXT,
		    .tie = (p.top[0].created && p.top[1].created
		                ? strcmp(p.top[0].created, p.top[1].created) == 0
		                : !p.top[0].created && !p.top[1].created),
		};
		if (g->oldest == NO_TEXT || g->second == NO_TEXT ||
		    (p.other.set && (g->region == NO_TEXT || g->other == NO_TEXT)))
			rc = tc_error_set(err, TC_NOMEM, NULL);
		for (size_t k = first; k < end; k++)
			mark(&m->cells[s->ips[k].at], TC_LINT_ERROR);
	}
	held_clear(&p.top[0]);
	held_clear(&p.top[1]);
	held_clear(&p.other);
	return rc;
}

static enum tc_status shared_ips(struct lint_stream *s, lint_read_row_fn read, void *src,
                                 const atomic_bool *cancel, struct tc_error *err)
{
	sort_items(s->ips, s->nips, sizeof(*s->ips), ip_entry_cmp);
	for (size_t i = 0; i < s->nips;) {
		size_t end = i + 1;
		while (end < s->nips && s->ips[end].ip == s->ips[i].ip)
			end++;
		if (end - i > 1) {
			enum tc_status rc = ip_group(s, i, end, read, src, cancel, err);
			if (rc != TC_OK)
				return rc;
		}
		i = end;
	}
	return TC_OK;
}

enum tc_status lint_stream_finish(struct lint_stream *s, lint_read_row_fn read, void *src,
                                  const atomic_bool *cancel, struct tc_lint_marks **out,
                                  struct tc_error *err)
{
	*out = NULL;
	struct tc_lint_marks *m = s->m;
	enum tc_status rc = duplicate_prefixes(s);
	if (rc != TC_OK)
		return tc_error_set(err, rc, NULL);
	free(s->prefixes);
	s->prefixes = NULL;
	rc = shared_ips(s, read, src, cancel, err);
	if (rc != TC_OK)
		return rc;
	if (m->nfallbacks >= 2) {
		m->fallback_first = keep_string(m, s->fallback[0].label);
		m->fallback_second = keep_string(m, s->fallback[1].label);
		if (m->fallback_first == NO_TEXT || m->fallback_second == NO_TEXT)
			return tc_error_set(err, TC_NOMEM, NULL);
	}
	for (size_t i = 0; i < m->span; i++) {
		if (m->nfallbacks >= 2 && (m->cells[i] & CELL_FALLBACK))
			mark(&m->cells[i], TC_LINT_ERROR);
		if (m->cells[i] & CELL_FOUND)
			m->by_severity[m->cells[i] & CELL_SEVERITY]++;
	}
	*out = m;
	s->m = NULL;
	return TC_OK;
}

/* ---- marks of a routing table ---- */

static int by_row(const void *pa, const void *pb)
{
	const struct tc_route_trunk *a = *(const struct tc_route_trunk *const *)pa;
	const struct tc_route_trunk *b = *(const struct tc_route_trunk *const *)pb;
	return a->row < b->row ? -1 : a->row > b->row;
}

struct table_rows {
	const struct tc_route_trunk **sorted; /* the table's records by row */
	size_t count;
};

static enum tc_status table_read(void *src, int64_t row, lint_row_fn fn, void *ctx,
                                 struct tc_error *err)
{
	const struct table_rows *t = src;
	struct tc_route_trunk key = {.row = row};
	const struct tc_route_trunk *k = &key;
	const struct tc_route_trunk **hit = bsearch(&k, t->sorted, t->count, sizeof(*hit), by_row);
	if (!hit)
		return tc_error_set(err, TC_NOT_FOUND, "no trunk at row %lld", (long long)row);
	enum tc_status rc = fn(ctx, *hit);
	return rc == TC_OK ? TC_OK : tc_error_set(err, rc, NULL);
}

enum tc_status tc_lint_marks_of_table(const struct tc_route_table *table, const atomic_bool *cancel,
                                      struct tc_lint_marks **out, struct tc_error *err)
{
	*out = NULL;
	size_t n = table->count;
	struct table_rows rows = {malloc((n ? n : 1) * sizeof(*rows.sorted)), n};
	if (!rows.sorted)
		return tc_error_set(err, TC_NOMEM, NULL);
	for (size_t i = 0; i < n; i++)
		rows.sorted[i] = &table->records[i];
	sort_items(rows.sorted, n, sizeof(*rows.sorted), by_row);
	for (size_t i = 1; i < n; i++)
		if (rows.sorted[i]->row == rows.sorted[i - 1]->row) {
			long long row = rows.sorted[i]->row;
			free(rows.sorted);
			return tc_error_set(err, TC_USAGE, "two trunks at row %lld", row);
		}
	struct lint_stream *s = NULL;
	enum tc_status rc = lint_stream_create(n ? rows.sorted[0]->row : 1,
	                                       n ? rows.sorted[n - 1]->row : 0, &s, err);
	/* the records' own order: the walk's, whose order breaks ties of age */
	for (size_t i = 0; rc == TC_OK && i < n; i++)
		rc = cancel && atomic_load(cancel)
		         ? tc_error_set(err, TC_CANCELLED, "the lint was stopped")
		         : lint_stream_add(s, &table->records[i], err);
	if (rc == TC_OK)
		rc = lint_stream_finish(s, table_read, &rows, cancel, out, err);
	lint_stream_destroy(s);
	free(rows.sorted);
	return rc;
}

/* ---- reading ---- */

bool tc_lint_marks_find(const struct tc_lint_marks *m, int64_t row, enum tc_lint_severity *worst)
{
	if (!m || row < m->lo || (uint64_t)(row - m->lo) >= m->span ||
	    !(m->cells[row - m->lo] & CELL_FOUND))
		return false;
	if (worst)
		*worst = (enum tc_lint_severity)(m->cells[row - m->lo] & CELL_SEVERITY);
	return true;
}

size_t tc_lint_marks_count(const struct tc_lint_marks *m, enum tc_lint_severity worst)
{
	return m && worst <= TC_LINT_INFO ? m->by_severity[worst] : 0;
}

/* A trunk's findings while they are put together. */
struct found {
	struct tc_lint_finding *items;
	size_t count, cap;
};

static enum tc_status collect(void *ctx, struct tc_lint_finding *f)
{
	struct found *c = ctx;
	free(f->trunks);
	struct tc_lint_finding *items = tc_grow(c->items, &c->cap, c->count + 1, sizeof(*items), 8);
	if (!items) {
		free(f->message);
		return TC_NOMEM;
	}
	c->items = items;
	c->items[c->count++] = (struct tc_lint_finding){.rule = f->rule, .message = f->message};
	return TC_OK;
}

static enum tc_status collect_message(struct found *c, enum tc_lint_rule_id rule, char *message)
{
	struct tc_lint_finding f = {.rule = rule, .message = message};
	return message ? collect(c, &f) : TC_NOMEM;
}

static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return a < b ? -1 : a > b;
}

static const struct ip_group *find_ip(const struct tc_lint_marks *m, uint32_t ip)
{
	size_t lo = 0, hi = m->nips;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->ips[mid].ip == ip)
			return &m->ips[mid];
		if (m->ips[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static enum tc_status ip_findings(const struct tc_lint_marks *m, const struct tc_route_trunk *t,
                                  struct found *c)
{
	uint32_t *ips = malloc((t->ninbound_ips ? t->ninbound_ips : 1) * sizeof(*ips));
	if (!ips)
		return TC_NOMEM;
	size_t n = 0;
	for (size_t k = 0; k < t->ninbound_ips; k++)
		n += route_inbound_ip(t, k, &ips[n]);
	/* the report's order: by IP */
	sort_items(ips, n, sizeof(*ips), u32_cmp);
	enum tc_status rc = TC_OK;
	for (size_t k = 0; rc == TC_OK && k < n; k++) {
		const struct ip_group *g = find_ip(m, ips[k]);
		if (!g)
			continue;
		rc = collect_message(c, TC_LINT_SHARED_INBOUND_IP,
		                     lint_shared_ip_message(g->ip, g->n, m->text + g->oldest,
		                                            m->text + g->second, g->tie));
		if (rc == TC_OK && g->region != NO_TEXT)
			rc = collect_message(
			    c, TC_LINT_SHARED_IP_REGION,
			    lint_ip_region_message(g->ip, m->text + g->region, m->text + g->other));
	}
	free(ips);
	return rc;
}

static bool duplicated(const struct tc_lint_marks *m, const char *prefix)
{
	size_t lo = 0, hi = m->nprefixes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->text + m->prefixes[mid], prefix);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int text_cmp(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static enum tc_status prefix_findings(const struct tc_lint_marks *m, const struct tc_route_trunk *t,
                                      struct found *c)
{
	const char **texts = malloc((t->nroute_prefixes ? t->nroute_prefixes : 1) * sizeof(*texts));
	if (!texts)
		return TC_NOMEM;
	size_t n = 0;
	for (size_t k = 0; k < t->nroute_prefixes; k++)
		if (route_all_digits(t->route_prefixes[k], strlen(t->route_prefixes[k])))
			texts[n++] = t->route_prefixes[k];
	/* the report's order: by prefix */
	sort_items(texts, n, sizeof(*texts), text_cmp);
	enum tc_status rc = TC_OK;
	for (size_t k = 0; rc == TC_OK && k < n; k++)
		if (!(k > 0 && strcmp(texts[k], texts[k - 1]) == 0) && duplicated(m, texts[k]))
			rc = collect_message(c, TC_LINT_DUPLICATE_ROUTE_PREFIX,
			                     lint_duplicate_prefix_message(texts[k]));
	free(texts);
	return rc;
}

static int finding_order(const void *pa, const void *pb)
{
	const struct tc_lint_finding *a = pa, *b = pb;
	enum tc_lint_severity sa = tc_lint_rule(a->rule)->severity;
	enum tc_lint_severity sb = tc_lint_rule(b->rule)->severity;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	/* one rule's findings stay in the order they were found: the report's */
	return a->ntrunks < b->ntrunks ? -1 : a->ntrunks > b->ntrunks;
}

/* The findings, most severe first, into one allocation the caller frees. */
static enum tc_status pack(struct found *c, struct tc_lint_mark_finding **out, size_t *n)
{
	for (size_t i = 0; i < c->count; i++)
		c->items[i].ntrunks = i; /* the order found, which qsort would not keep */
	sort_items(c->items, c->count, sizeof(*c->items), finding_order);
	size_t bytes = 0;
	for (size_t i = 0; i < c->count; i++)
		bytes += strlen(c->items[i].message) + 1;
	struct tc_lint_mark_finding *f = malloc(c->count * sizeof(*f) + bytes);
	if (!f)
		return TC_NOMEM;
	char *at = (char *)(f + c->count);
	for (size_t i = 0; i < c->count; i++) {
		size_t len = strlen(c->items[i].message) + 1;
		memcpy(at, c->items[i].message, len);
		f[i] = (struct tc_lint_mark_finding){c->items[i].rule, at};
		at += len;
	}
	*out = f;
	*n = c->count;
	return TC_OK;
}

enum tc_status tc_lint_marks_findings(const struct tc_lint_marks *m, const struct tc_route_trunk *t,
                                      struct tc_lint_mark_finding **out, size_t *n,
                                      struct tc_error *err)
{
	*out = NULL;
	*n = 0;
	if (!m || !t || !tc_lint_marks_find(m, t->row, NULL))
		return TC_OK;
	struct found c = {0};
	struct lint *rules = calloc(1, sizeof(*rules));
	enum tc_status rc = rules ? TC_OK : TC_NOMEM;
	if (rc == TC_OK) {
		rules->sink = collect;
		rules->ctx = &c;
		rc = lint_trunk_run(rules, t);
	}
	free(rules);
	bool outbound = tc_route_outbound_capable(t);
	if (rc == TC_OK)
		rc = ip_findings(m, t, &c);
	if (rc == TC_OK && outbound)
		rc = prefix_findings(m, t, &c);
	if (rc == TC_OK && lint_is_fallback(t, outbound) && m->nfallbacks >= 2)
		rc = collect_message(&c, TC_LINT_AMBIGUOUS_FALLBACK,
		                     lint_ambiguous_fallback_message(m->nfallbacks,
		                                                     m->text + m->fallback_first,
		                                                     m->text + m->fallback_second));
	if (rc == TC_OK)
		rc = pack(&c, out, n);
	for (size_t i = 0; i < c.count; i++)
		free(c.items[i].message);
	free(c.items);
	return rc == TC_OK ? TC_OK : tc_error_set(err, rc, NULL);
}
