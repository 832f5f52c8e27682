/*
 * A lint report reduced to what a list of trunks needs (trunkctl/lint.h):
 * for each trunk a finding names, its worst severity and its findings.
 *
 * Kept compact, for the TUI holds them for hours: a trunk's finding says
 * "<text><the trunk's label><text>", and those texts repeat from trunk to
 * trunk (the rule's wording, a shared host or country), so each text is kept
 * once and each label once per trunk; a message is put together again when
 * the detail view asks for it, byte for byte the one the rule wrote.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint_private.h"
#include "route_private.h"
#include "util.h"

/* A message: pre, then with label the label of the trunk it names, then post. */
struct finding {
	uint32_t pre, post; /* offsets into text */
	uint8_t rule;
	bool label;
};

struct mark {
	uint32_t id;    /* offset into names */
	uint32_t label; /* offset into names: what the rules call the trunk */
	uint32_t first; /* its findings: refs[first .. the next mark's first) */
	uint8_t worst;
};

/*
 * One trunk a finding names, while the marks are built: the trunk (an
 * index, see trunk_of), then once detached the offset of its id in names,
 * LABEL_APART set when its label follows the id there (else the id is
 * the label). key: the severity, then the finding, so that a trunk's
 * findings sort as the detail view lists them.
 */
struct pair {
	uint32_t trunk;
	uint32_t key;
};

#define SEVERITY_SHIFT 30
#define FINDING_MASK ((UINT32_C(1) << SEVERITY_SHIFT) - 1)
#define LABEL_APART (UINT32_C(1) << 31)

struct tc_lint_marks {
	struct mark *marks; /* sorted by id, one per trunk, then one whose first ends refs */
	size_t count;
	uint32_t *refs; /* indexes into findings, each trunk's the most severe first */
	struct finding *findings;
	size_t nfindings, findings_cap;
	char *names; /* each trunk's id and label */
	char *text;  /* every piece of a message once, NUL-terminated */
	size_t len, text_cap;
	uint32_t *slots; /* the texts by hash (offset + 1; 0: free), while built */
	size_t nslots, nused;
	struct pair *pairs; /* while built */
	size_t npairs, pairs_cap;
	/* what pair.trunk indexes: the table's records, else ptrs (a report's trunks) */
	const struct tc_route_trunk *records;
	const struct tc_route_trunk **ptrs;
	size_t nptrs, ptrs_cap;
	size_t by_severity[TC_LINT_INFO + 1];
};

void tc_lint_marks_destroy(struct tc_lint_marks *m)
{
	if (!m)
		return;
	free(m->marks);
	free(m->refs);
	free(m->findings);
	free(m->names);
	free(m->text);
	free(m->slots);
	free(m->pairs);
	free(m->ptrs);
	free(m);
}

static size_t hash(const char *s, size_t len)
{
	size_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The slot of s[0..len): where it is, or the free one it goes to. */
static uint32_t *slot_of(const struct tc_lint_marks *m, const char *s, size_t len)
{
	size_t mask = m->nslots - 1;
	for (size_t i = hash(s, len) & mask;; i = (i + 1) & mask) {
		uint32_t v = m->slots[i];
		if (!v || (strncmp(m->text + v - 1, s, len) == 0 && m->text[v - 1 + len] == '\0'))
			return &m->slots[i];
	}
}

/* The slots sized for need texts, refilled from text (they may have been freed). */
static bool rehash(struct tc_lint_marks *m, size_t need)
{
	size_t n = 256;
	while (n < 2 * need)
		n *= 2;
	free(m->slots);
	m->slots = calloc(n, sizeof(*m->slots));
	m->nslots = m->slots ? n : 0;
	for (size_t at = 0; m->slots && at < m->len; at += strlen(m->text + at) + 1)
		*slot_of(m, m->text + at, strlen(m->text + at)) = (uint32_t)at + 1;
	return m->slots != NULL;
}

/* s[0..len) in text, shared with an equal piece met before: *at its offset. */
static enum tc_status intern(struct tc_lint_marks *m, const char *s, size_t len, uint32_t *at)
{
	if (2 * (m->nused + 1) > m->nslots && !rehash(m, m->nused + 1))
		return TC_NOMEM;
	uint32_t *slot = slot_of(m, s, len);
	if (*slot) {
		*at = *slot - 1;
		return TC_OK;
	}
	if (m->len + len + 1 >= UINT32_MAX)
		return TC_NOMEM;
	char *text = tc_grow(m->text, &m->text_cap, m->len + len + 1, 1, 4096);
	if (!text)
		return TC_NOMEM;
	m->text = text;
	memcpy(text + m->len, s, len);
	text[m->len + len] = '\0';
	*at = (uint32_t)m->len;
	*slot = *at + 1;
	m->len += len + 1;
	m->nused++;
	return TC_OK;
}

/*
 * The server's ids are lowercase UUIDs: kept as PACKED_ID and their 16
 * bytes, less than half their text. Other ids are kept as text.
 */
#define PACKED_ID '\001'
#define UUID_LEN 36

static bool is_dash(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* id packed into out (1 + 16 bytes); false when it is not a lowercase UUID. */
static bool pack_id(const char *id, char *out)
{
	unsigned char bytes[16] = {0};
	size_t n = 0;
	for (size_t i = 0; i < UUID_LEN; i++) {
		if (is_dash(i)) {
			if (id[i] != '-')
				return false;
			continue;
		}
		int v = hex_value(id[i]);
		if (v < 0)
			return false;
		bytes[n / 2] = (unsigned char)(bytes[n / 2] << 4 | v);
		n++;
	}
	if (id[UUID_LEN] != '\0')
		return false;
	if (out) {
		out[0] = PACKED_ID;
		memcpy(out + 1, bytes, sizeof(bytes));
	}
	return true;
}

/* The bytes an id takes in names. */
static size_t id_size(const char *id)
{
	return pack_id(id, NULL) ? 17 : strlen(id) + 1;
}

/* The text at names + at: as it is, or unpacked into buf (UUID_LEN + 1 bytes). */
static const char *name_at(const struct tc_lint_marks *m, uint32_t at, char *buf)
{
	const char *s = m->names + at;
	if (*s != PACKED_ID)
		return s;
	static const char hex[] = "0123456789abcdef";
	const unsigned char *bytes = (const unsigned char *)s + 1;
	for (size_t i = 0, n = 0; i < UUID_LEN; i++) {
		if (is_dash(i)) {
			buf[i] = '-';
			continue;
		}
		buf[i] = hex[n % 2 ? bytes[n / 2] & 15 : bytes[n / 2] >> 4];
		n++;
	}
	buf[UUID_LEN] = '\0';
	return buf;
}

/* The message split around the label of the one trunk it names, where it has it. */
static enum tc_status add(struct tc_lint_marks *m, const struct tc_lint_finding *f)
{
	if (m->nfindings > FINDING_MASK)
		return TC_NOMEM;
	struct finding *fs =
	    tc_grow(m->findings, &m->findings_cap, m->nfindings + 1, sizeof(*fs), 1024);
	if (!fs)
		return TC_NOMEM;
	m->findings = fs;
	const char *msg = f->message ? f->message : "";
	struct finding *k = &fs[m->nfindings];
	*k = (struct finding){.rule = (uint8_t)f->rule};
	const char *label = f->ntrunks == 1 ? lint_label(f->trunks[0]) : NULL;
	const char *at = label ? strstr(msg, label) : NULL;
	size_t pre = at ? (size_t)(at - msg) : strlen(msg);
	enum tc_status rc = intern(m, msg, pre, &k->pre);
	if (rc == TC_OK && at) {
		k->label = true;
		const char *post = at + strlen(label);
		rc = intern(m, post, strlen(post), &k->post);
	}
	if (rc != TC_OK)
		return rc;
	uint32_t key =
	    (uint32_t)tc_lint_rule(f->rule)->severity << SEVERITY_SHIFT | (uint32_t)m->nfindings++;
	for (size_t t = 0; t < f->ntrunks; t++) {
		if (!f->trunks[t]->id)
			continue;
		struct pair *p = tc_grow(m->pairs, &m->pairs_cap, m->npairs + 1, sizeof(*p), 1024);
		if (!p)
			return TC_NOMEM;
		m->pairs = p;
		uint32_t trunk;
		if (m->records) {
			trunk = (uint32_t)(f->trunks[t] - m->records);
		} else {
			const struct tc_route_trunk **ptrs =
			    tc_grow(m->ptrs, &m->ptrs_cap, m->nptrs + 1, sizeof(*ptrs), 64);
			if (!ptrs)
				return TC_NOMEM;
			m->ptrs = ptrs;
			if (m->nptrs >= UINT32_MAX)
				return TC_NOMEM;
			ptrs[m->nptrs] = f->trunks[t];
			trunk = (uint32_t)m->nptrs++;
		}
		p[m->npairs++] = (struct pair){trunk, key};
	}
	return TC_OK;
}

static const struct tc_route_trunk *trunk_of(const struct tc_lint_marks *m, struct pair p)
{
	return m->records ? &m->records[p.trunk] : m->ptrs[p.trunk];
}

/* By id; a trunk's findings the most severe first, then in the report's order. */
static int pair_cmp(const struct tc_lint_marks *m, struct pair x, struct pair y)
{
	int c = strcmp(trunk_of(m, x)->id, trunk_of(m, y)->id);
	if (c)
		return c;
	return x.key < y.key ? -1 : x.key > y.key;
}

static void sift_down(const struct tc_lint_marks *m, size_t root, size_t n)
{
	struct pair *a = m->pairs;
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && pair_cmp(m, a[child], a[child + 1]) < 0)
			child++;
		if (pair_cmp(m, a[root], a[child]) >= 0)
			return;
		struct pair t = a[root];
		a[root] = a[child];
		a[child] = t;
	}
}

/*
 * The pairs in pair_cmp's order, in place: qsort has no context for the
 * trunk indexes, and glibc's takes a copy of the array, as large as it.
 */
static void sort_pairs(struct tc_lint_marks *m)
{
	for (size_t i = m->npairs / 2; i-- > 0;)
		sift_down(m, i, m->npairs);
	for (size_t end = m->npairs; end-- > 1;) {
		struct pair t = m->pairs[0];
		m->pairs[0] = m->pairs[end];
		m->pairs[end] = t;
		sift_down(m, 0, end);
	}
}

/* The label the mark's findings from pairs [i, end) put in their messages, or NULL. */
static const char *label_of(const struct tc_lint_marks *m, size_t i, size_t end)
{
	for (; i < end; i++)
		if (m->findings[m->pairs[i].key & FINDING_MASK].label)
			return lint_label(trunk_of(m, m->pairs[i]));
	return NULL;
}

/*
 * A finding whose trunk shares its id with another but not its label (two
 * records of one trunk): its message whole, so the mark's one label does
 * not stand in for it.
 */
static enum tc_status unsplit(struct tc_lint_marks *m, struct finding *f, const char *label)
{
	const char *pre = m->text + f->pre, *post = m->text + f->post;
	size_t npre = strlen(pre), nlabel = strlen(label), npost = strlen(post);
	char *whole = malloc(npre + nlabel + npost + 1);
	if (!whole)
		return TC_NOMEM;
	memcpy(whole, pre, npre);
	memcpy(whole + npre, label, nlabel);
	memcpy(whole + npre + nlabel, post, npost + 1);
	enum tc_status rc = intern(m, whole, npre + nlabel + npost, &f->pre);
	free(whole);
	f->label = false;
	return rc;
}

/* The end of the pairs of the trunk whose first pair is i. */
static size_t same_id_end(const struct tc_lint_marks *m, size_t i)
{
	size_t end = i + 1;
	while (end < m->npairs &&
	       strcmp(trunk_of(m, m->pairs[end])->id, trunk_of(m, m->pairs[i])->id) == 0)
		end++;
	return end;
}

static void drop_slots(struct tc_lint_marks *m)
{
	free(m->slots);
	m->slots = NULL;
	m->nslots = 0;
}

/* The bytes the text at names + at takes there. */
static size_t stored_size(const struct tc_lint_marks *m, uint32_t at)
{
	return m->names[at] == PACKED_ID ? 17 : strlen(m->names + at) + 1;
}

/*
 * The pairs in order, each trunk's id and label copied into names: from
 * then on the trunks are not read.
 */
static enum tc_status detach(struct tc_lint_marks *m)
{
	sort_pairs(m);
	/* unsplit alone interns from here: rare, it refills them */
	drop_slots(m);
	size_t bytes = 0;
	for (size_t i = 0, end; i < m->npairs; i = end) {
		end = same_id_end(m, i);
		const char *id = trunk_of(m, m->pairs[i])->id, *label = label_of(m, i, end);
		bytes += id_size(id);
		if (label && strcmp(label, id) != 0)
			bytes += strlen(label) + 1;
		m->count++;
	}
	if (bytes >= LABEL_APART || m->npairs >= UINT32_MAX)
		return TC_NOMEM;
	m->names = malloc(bytes ? bytes : 1);
	if (!m->names)
		return TC_NOMEM;
	size_t at = 0;
	for (size_t i = 0, end; i < m->npairs; i = end) {
		end = same_id_end(m, i);
		const char *id = trunk_of(m, m->pairs[i])->id, *label = label_of(m, i, end);
		uint32_t k = (uint32_t)at;
		if (!pack_id(id, m->names + at))
			memcpy(m->names + at, id, strlen(id) + 1);
		at += id_size(id);
		if (label && strcmp(label, id) != 0) {
			k |= LABEL_APART;
			memcpy(m->names + at, label, strlen(label) + 1);
			at += strlen(label) + 1;
		}
		for (size_t p = i; p < end; p++) {
			struct finding *f = &m->findings[m->pairs[p].key & FINDING_MASK];
			const char *own = lint_label(trunk_of(m, m->pairs[p]));
			if (f->label && strcmp(own, label) != 0) {
				enum tc_status rc = unsplit(m, f, own);
				if (rc != TC_OK)
					return rc;
			}
		}
		for (size_t p = i; p < end; p++)
			m->pairs[p].trunk = k;
	}
	/* the arrays grew by doubling: what they did not fill goes back */
	struct finding *fs = realloc(m->findings, (m->nfindings ? m->nfindings : 1) * sizeof(*fs));
	m->findings = fs ? fs : m->findings;
	char *text = realloc(m->text, m->len ? m->len : 1);
	m->text = text ? text : m->text;
	drop_slots(m);
	free(m->ptrs);
	m->ptrs = NULL;
	m->records = NULL;
	return TC_OK;
}

/* The detached pairs into marks, one per trunk, and refs. */
static enum tc_status finish(struct tc_lint_marks *m)
{
	m->marks = malloc((m->count + 1) * sizeof(*m->marks));
	m->refs = malloc((m->npairs ? m->npairs : 1) * sizeof(*m->refs));
	if (!m->marks || !m->refs)
		return TC_NOMEM;
	size_t count = 0;
	for (size_t p = 0; p < m->npairs; p++) {
		struct pair x = m->pairs[p];
		if (p == 0 || x.trunk != m->pairs[p - 1].trunk) {
			uint32_t id = x.trunk & ~LABEL_APART;
			uint32_t label =
			    x.trunk & LABEL_APART ? id + (uint32_t)stored_size(m, id) : id;
			/* sorted by severity, the worst (TC_LINT_ERROR) first */
			uint8_t worst = (uint8_t)(x.key >> SEVERITY_SHIFT);
			m->marks[count++] = (struct mark){id, label, (uint32_t)p, worst};
			m->by_severity[worst]++;
		}
		m->refs[p] = x.key & FINDING_MASK;
	}
	m->marks[count] = (struct mark){.first = (uint32_t)m->npairs};
	free(m->pairs);
	m->pairs = NULL;
	return TC_OK;
}

static enum tc_status done(struct tc_lint_marks *m, enum tc_status rc, struct tc_lint_marks **out,
                           struct tc_error *err)
{
	if (rc == TC_OK)
		rc = finish(m);
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
	*out = NULL;
	struct tc_lint_marks *m = calloc(1, sizeof(*m));
	if (!m)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc = TC_OK;
	for (size_t i = 0; rc == TC_OK && i < report->count; i++)
		rc = add(m, &report->items[i]);
	if (rc == TC_OK)
		rc = detach(m);
	return done(m, rc, out, err);
}

/* The marks' sink: each finding kept as marks, then dropped. */
static enum tc_status to_marks(void *ctx, struct tc_lint_finding *f)
{
	enum tc_status rc = add(ctx, f);
	free(f->trunks);
	free(f->message);
	return rc;
}

enum tc_status lint_marks_run(const struct tc_route_table *table, const atomic_bool *cancel,
                              void (*release)(void *ctx), void *ctx, struct tc_lint_marks **out,
                              struct tc_error *err)
{
	*out = NULL;
	struct tc_lint_marks *m = calloc(1, sizeof(*m));
	if (!m)
		return tc_error_set(err, TC_NOMEM, NULL);
	/* every trunk a finding names is one of the table's records: an index says which */
	if (table->count < UINT32_MAX)
		m->records = table->records;
	enum tc_status rc = lint_run_sink(table, NULL, cancel, to_marks, m, err);
	if (rc != TC_OK) {
		tc_lint_marks_destroy(m);
		return rc;
	}
	rc = detach(m);
	if (rc == TC_OK && release)
		release(ctx);
	return done(m, rc, out, err);
}

static const struct mark *lookup(const struct tc_lint_marks *m, const char *id)
{
	if (!m || !id)
		return NULL;
	size_t lo = 0, hi = m->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		char buf[UUID_LEN + 1];
		/* sorted as text: a packed id is compared as its text */
		int c = strcmp(name_at(m, m->marks[mid].id, buf), id);
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
		*worst = (enum tc_lint_severity)k->worst;
	return k != NULL;
}

/* The message of the mark's finding f into buf (NULL: its length only); its length. */
static size_t message(const struct tc_lint_marks *m, const struct mark *k, const struct finding *f,
                      char *buf)
{
	char id[UUID_LEN + 1];
	const char *parts[3] = {m->text + f->pre, f->label ? name_at(m, k->label, id) : "",
	                        f->label ? m->text + f->post : ""};
	size_t len = 0;
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(parts[i]);
		if (buf)
			memcpy(buf + len, parts[i], n);
		len += n;
	}
	if (buf)
		buf[len] = '\0';
	return len;
}

enum tc_status tc_lint_marks_findings(const struct tc_lint_marks *m, const char *id,
                                      struct tc_lint_mark_finding **out, size_t *n,
                                      struct tc_error *err)
{
	*out = NULL;
	*n = 0;
	const struct mark *k = lookup(m, id);
	if (!k)
		return TC_OK;
	size_t count = k[1].first - k->first, bytes = 0;
	for (size_t i = 0; i < count; i++)
		bytes += message(m, k, &m->findings[m->refs[k->first + i]], NULL) + 1;
	struct tc_lint_mark_finding *f = malloc(count * sizeof(*f) + bytes);
	if (!f)
		return tc_error_set(err, TC_NOMEM, NULL);
	char *at = (char *)(f + count);
	for (size_t i = 0; i < count; i++) {
		const struct finding *x = &m->findings[m->refs[k->first + i]];
		f[i] = (struct tc_lint_mark_finding){(enum tc_lint_rule_id)x->rule, at};
		at += message(m, k, x, at) + 1;
	}
	*out = f;
	*n = count;
	return TC_OK;
}

size_t tc_lint_marks_count(const struct tc_lint_marks *m, enum tc_lint_severity worst)
{
	return m && worst <= TC_LINT_INFO ? m->by_severity[worst] : 0;
}
