/*
 * A lint report reduced to what a list of trunks needs (trunkctl/lint.h):
 * for each trunk a finding names, its worst severity and its findings, kept
 * as copies so the report and the trunks it read can go.
 */
#include <stdlib.h>
#include <string.h>

#include "trunkctl/lint.h"
#include "util.h"

struct mark {
	const char *id; /* points into ids */
	enum tc_lint_severity worst;
	size_t first, n; /* the mark's findings: refs[first .. first + n) */
};

struct tc_lint_marks {
	struct mark *marks; /* sorted by id, one per trunk */
	size_t count;
	struct tc_lint_mark_finding *findings; /* one per finding of the report */
	size_t nfindings;
	const struct tc_lint_mark_finding **refs;
	char *ids; /* every id, NUL-separated */
	size_t by_severity[TC_LINT_INFO + 1];
};

void tc_lint_marks_destroy(struct tc_lint_marks *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfindings; i++)
		free((char *)m->findings[i].message);
	free(m->findings);
	free(m->marks);
	free(m->refs);
	free(m->ids);
	free(m);
}

/* A trunk named by one finding: its id, that finding and its severity. */
struct pair {
	const char *id;
	size_t finding;
	enum tc_lint_severity severity;
};

/* By id; a trunk's findings the most severe first, then in the report's order. */
static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	if (x->severity != y->severity)
		return x->severity < y->severity ? -1 : 1;
	return x->finding < y->finding ? -1 : x->finding > y->finding;
}

/* Every (trunk, finding) of the report in pair_cmp's order; *n of them. */
static struct pair *pairs_of(const struct tc_lint_report *r, size_t *n, size_t *id_bytes)
{
	size_t total = 0;
	for (size_t f = 0; f < r->count; f++)
		total += r->items[f].ntrunks;
	struct pair *p = malloc((total ? total : 1) * sizeof(*p));
	if (!p)
		return NULL;
	*n = *id_bytes = 0;
	for (size_t f = 0; f < r->count; f++)
		for (size_t t = 0; t < r->items[f].ntrunks; t++) {
			const char *id = r->items[f].trunks[t]->id;
			if (!id)
				continue;
			p[(*n)++] = (struct pair){id, f, tc_lint_rule(r->items[f].rule)->severity};
			*id_bytes += strlen(id) + 1;
		}
	qsort(p, *n, sizeof(*p), pair_cmp);
	return p;
}

/* take: the messages move from the report's findings, else they are copied. */
static enum tc_status fill(struct tc_lint_marks *m, struct tc_lint_report *r, bool take,
                           const struct pair *p, size_t n, size_t id_bytes)
{
	m->findings = calloc(r->count ? r->count : 1, sizeof(*m->findings));
	m->marks = malloc((n ? n : 1) * sizeof(*m->marks));
	m->refs = malloc((n ? n : 1) * sizeof(*m->refs));
	m->ids = malloc(id_bytes ? id_bytes : 1);
	if (!m->findings || !m->marks || !m->refs || !m->ids)
		return TC_NOMEM;
	for (; m->nfindings < r->count; m->nfindings++) {
		struct tc_lint_finding *f = &r->items[m->nfindings];
		m->findings[m->nfindings].rule = f->rule;
		if (take) {
			m->findings[m->nfindings].message = f->message;
			f->message = NULL;
		} else if (!tc_strdup_opt((char **)&m->findings[m->nfindings].message,
		                          f->message)) {
			return TC_NOMEM;
		}
	}
	char *at = m->ids;
	for (size_t i = 0; i < n; i++) {
		const struct tc_lint_mark_finding *f = &m->findings[p[i].finding];
		enum tc_lint_severity sev = tc_lint_rule(f->rule)->severity;
		struct mark *last = m->count ? &m->marks[m->count - 1] : NULL;
		if (!last || strcmp(last->id, p[i].id) != 0) {
			size_t len = strlen(p[i].id) + 1;
			memcpy(at, p[i].id, len);
			m->marks[m->count++] = (struct mark){at, sev, i, 0};
			at += len;
			last = &m->marks[m->count - 1];
		}
		/* the severities run from the worst (TC_LINT_ERROR) up */
		if (sev < last->worst)
			last->worst = sev;
		m->refs[i] = f;
		last->n++;
	}
	for (size_t i = 0; i < m->count; i++)
		m->by_severity[m->marks[i].worst]++;
	return TC_OK;
}

static enum tc_status build(struct tc_lint_report *report, bool take, struct tc_lint_marks **out,
                            struct tc_error *err)
{
	*out = NULL;
	struct tc_lint_marks *m = calloc(1, sizeof(*m));
	size_t n = 0, id_bytes = 0;
	struct pair *p = m ? pairs_of(report, &n, &id_bytes) : NULL;
	enum tc_status rc = p ? fill(m, report, take, p, n, id_bytes) : TC_NOMEM;
	free(p);
	if (rc != TC_OK) {
		tc_lint_marks_destroy(m);
		return tc_error_set(err, rc, NULL);
	}
	*out = m;
	return TC_OK;
}

enum tc_status tc_lint_marks_build(const struct tc_lint_report *report, struct tc_lint_marks **out,
                                   struct tc_error *err)
{
	/* copying: the report is only read */
	return build((struct tc_lint_report *)report, false, out, err);
}

enum tc_status tc_lint_marks_take(struct tc_lint_report *report, struct tc_lint_marks **out,
                                  struct tc_error *err)
{
	return build(report, true, out, err);
}

static const struct mark *lookup(const struct tc_lint_marks *m, const char *id)
{
	if (!m || !id)
		return NULL;
	size_t lo = 0, hi = m->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->marks[mid].id, id);
		if (c == 0)
			return &m->marks[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool tc_lint_marks_find(const struct tc_lint_marks *m, const char *id, enum tc_lint_severity *worst)
{
	const struct mark *k = lookup(m, id);
	if (k && worst)
		*worst = k->worst;
	return k != NULL;
}

const struct tc_lint_mark_finding *const *tc_lint_marks_findings(const struct tc_lint_marks *m,
                                                                 const char *id, size_t *n)
{
	const struct mark *k = lookup(m, id);
	*n = k ? k->n : 0;
	return k ? &m->refs[k->first] : NULL;
}

size_t tc_lint_marks_count(const struct tc_lint_marks *m, enum tc_lint_severity worst)
{
	return m && worst <= TC_LINT_INFO ? m->by_severity[worst] : 0;
}
