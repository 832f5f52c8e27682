/*
 * What queued changes do to routing (doc/routing.md, "What queued changes
 * do"): both indexes keep their prefixes sorted, so the prefixes that change
 * hands come from one merge of the two lists; findings are matched by
 * sorting both reports on (rule, message).
 */
#include <stdlib.h>
#include <string.h>

#include "route_private.h"
#include "trunkctl/route_diff.h"

void tc_route_changes_finish(struct tc_route_changes *changes)
{
	if (!changes)
		return;
	for (size_t i = 0; i < changes->nmoves; i++) {
		free(changes->moves[i].before);
		free(changes->moves[i].after);
	}
	free(changes->moves);
	tc_lint_report_finish(&changes->added);
	tc_lint_report_finish(&changes->cleared);
	memset(changes, 0, sizeof(*changes));
}

static int id_cmp(const struct tc_route_trunk *a, const struct tc_route_trunk *b)
{
	return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

static int trunk_ptr_cmp(const void *pa, const void *pb)
{
	return id_cmp(*(const struct tc_route_trunk *const *)pa,
	              *(const struct tc_route_trunk *const *)pb);
}

/* The distinct trunks of idx[0..n) (table indexes) sorted by id, into *out (owned). */
static size_t trunk_set(const struct tc_route_table *tb, const size_t *idx, size_t stride, size_t n,
                        const struct tc_route_trunk ***out)
{
	*out = malloc((n ? n : 1) * sizeof(**out));
	if (!*out)
		return (size_t)-1;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		(*out)[m++] = tb->trunks[*(const size_t *)((const char *)idx + i * stride)];
	qsort(*out, m, sizeof(**out), trunk_ptr_cmp);
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (k == 0 || id_cmp((*out)[k - 1], (*out)[i]) != 0)
			(*out)[k++] = (*out)[i];
	return k;
}

static bool same_set(const struct tc_route_trunk **a, size_t na, const struct tc_route_trunk **b,
                     size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (id_cmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* Records a move when the sets differ; takes the arrays either way. */
static enum tc_status add_move(struct tc_route_changes *out, size_t *cap, const char *prefix,
                               const struct tc_route_trunk **before, size_t nbefore,
                               const struct tc_route_trunk **after, size_t nafter)
{
	if (same_set(before, nbefore, after, nafter)) {
		free(before);
		free(after);
		return TC_OK;
	}
	if (out->nmoves == *cap) {
		size_t ncap = *cap ? 2 * *cap : 8;
		struct tc_route_move *m = realloc(out->moves, ncap * sizeof(*m));
		if (!m) {
			free(before);
			free(after);
			return TC_NOMEM;
		}
		out->moves = m;
		*cap = ncap;
	}
	out->moves[out->nmoves++] = (struct tc_route_move){prefix, nbefore, nafter, before, after};
	return TC_OK;
}

static const size_t no_index[1] = {0};

/* One prefix's holders on one side: [first, end) of tb->prefixes, or none. */
static enum tc_status side(const struct tc_route_table *tb, size_t first, size_t end,
                           const struct tc_route_trunk ***set, size_t *n)
{
	const size_t *idx = end > first ? &tb->prefixes[first].trunk : no_index;
	*n = trunk_set(tb, idx, sizeof(struct route_prefix), end - first, set);
	return *n == (size_t)-1 ? TC_NOMEM : TC_OK;
}

static enum tc_status compare_prefixes(const struct tc_route_table *b,
                                       const struct tc_route_table *a, struct tc_route_changes *out,
                                       size_t *cap)
{
	size_t i = 0, j = 0;
	while (i < b->nprefixes || j < a->nprefixes) {
		int c = i >= b->nprefixes   ? 1
		        : j >= a->nprefixes ? -1
		                            : strcmp(b->prefixes[i].text, a->prefixes[j].text);
		size_t iend = i, jend = j;
		if (c <= 0)
			iend = route_prefix_run_end(b, i);
		if (c >= 0)
			jend = route_prefix_run_end(a, j);
		const struct tc_route_trunk **before, **after;
		size_t nb, na;
		if (side(b, i, iend, &before, &nb) != TC_OK)
			return TC_NOMEM;
		if (side(a, j, jend, &after, &na) != TC_OK) {
			free(before);
			return TC_NOMEM;
		}
		const char *prefix = c <= 0 ? b->prefixes[i].text : a->prefixes[j].text;
		enum tc_status rc = add_move(out, cap, prefix, before, nb, after, na);
		if (rc != TC_OK)
			return rc;
		i = iend;
		j = jend;
	}
	return TC_OK;
}

static enum tc_status compare_fallbacks(const struct tc_route_table *b,
                                        const struct tc_route_table *a,
                                        struct tc_route_changes *out, size_t *cap)
{
	const struct tc_route_trunk **before, **after;
	size_t nb = trunk_set(b, b->fallbacks, sizeof(size_t), b->nfallbacks, &before);
	if (nb == (size_t)-1)
		return TC_NOMEM;
	size_t na = trunk_set(a, a->fallbacks, sizeof(size_t), a->nfallbacks, &after);
	if (na == (size_t)-1) {
		free(before);
		return TC_NOMEM;
	}
	return add_move(out, cap, NULL, before, nb, after, na);
}

static int finding_cmp(const void *pa, const void *pb)
{
	const struct tc_lint_finding *a = pa, *b = pb;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return strcmp(a->message, b->message);
}

/* Moves the findings of from that are not in other (both sorted) to out. */
static enum tc_status unmatched(struct tc_lint_report *from, const struct tc_lint_report *other,
                                struct tc_lint_report *out)
{
	size_t j = 0;
	for (size_t i = 0; i < from->count; i++) {
		struct tc_lint_finding *f = &from->items[i];
		while (j < other->count && finding_cmp(&other->items[j], f) < 0)
			j++;
		if (j < other->count && finding_cmp(&other->items[j], f) == 0)
			continue;
		if (out->count == out->cap) {
			size_t ncap = out->cap ? 2 * out->cap : 8;
			struct tc_lint_finding *items = realloc(out->items, ncap * sizeof(*items));
			if (!items)
				return TC_NOMEM;
			out->items = items;
			out->cap = ncap;
		}
		out->items[out->count++] = *f;
		*f = (struct tc_lint_finding){.rule = f->rule};
	}
	return TC_OK;
}

static enum tc_status compare_findings(const struct tc_route_table *b,
                                       const struct tc_route_table *a, struct tc_route_changes *out,
                                       struct tc_error *err)
{
	struct tc_lint_report rb, ra;
	enum tc_status rc = tc_lint_run(b, NULL, &rb, err);
	if (rc != TC_OK)
		return rc;
	rc = tc_lint_run(a, NULL, &ra, err);
	if (rc != TC_OK) {
		tc_lint_report_finish(&rb);
		return rc;
	}
	/* an empty report has no array: qsort must not see its NULL */
	if (rb.count)
		qsort(rb.items, rb.count, sizeof(*rb.items), finding_cmp);
	if (ra.count)
		qsort(ra.items, ra.count, sizeof(*ra.items), finding_cmp);
	rc = unmatched(&ra, &rb, &out->added);
	if (rc == TC_OK)
		rc = unmatched(&rb, &ra, &out->cleared);
	tc_lint_report_finish(&rb);
	tc_lint_report_finish(&ra);
	return rc == TC_OK ? TC_OK : tc_error_set(err, rc, NULL);
}

enum tc_status tc_route_compare(const struct tc_route_table *before,
                                const struct tc_route_table *after, struct tc_route_changes *out,
                                struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0;
	enum tc_status rc = compare_prefixes(before, after, out, &cap);
	if (rc == TC_OK)
		rc = compare_fallbacks(before, after, out, &cap);
	if (rc != TC_OK) {
		tc_route_changes_finish(out);
		return tc_error_set(err, rc, NULL);
	}
	rc = compare_findings(before, after, out, err);
	if (rc != TC_OK)
		tc_route_changes_finish(out);
	return rc;
}
