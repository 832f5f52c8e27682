/*
 * Planning a fleet file against the stored trunks (include/trunkctl/plan.h).
 * Matching goes through sorted indexes (ids, names) and bsearch, so a plan of
 * n trunks against m costs O((n + m) log m), not n * m comparisons.
 */
#include "trunkctl/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tc_plan_action_name(enum tc_plan_action action)
{
	switch (action) {
	case TC_PLAN_UNCHANGED:
		return "unchanged";
	case TC_PLAN_CREATE:
		return "create";
	case TC_PLAN_UPDATE:
		return "update";
	case TC_PLAN_DELETE:
		return "delete";
	}
	return "?";
}

void tc_plan_finish(struct tc_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->count; i++)
		tc_trunk_destroy(plan->items[i].change);
	free(plan->items);
	memset(plan, 0, sizeof(*plan));
}

bool tc_plan_empty(const struct tc_plan *plan)
{
	return plan->creates + plan->updates + plan->deletes == 0;
}

/*
 * Whether the server, not a file, decides attribute fi of a trunk in mode:
 * what it renders itself (read-only), and the credentials of a mode that
 * has none, or whose credentials it generates (client_credentials).
 */
static bool server_decides(const struct tc_field_info *fi, enum tc_mode mode)
{
	if (fi->flags & TC_FF_READONLY)
		return true;
	if (!(fi->flags & TC_FF_MODE_SCOPED))
		return false;
	return !tc_field_shown_in_mode(fi->id, mode) || mode == TC_MODE_CLIENT_CREDENTIALS;
}

/* ---- indexes ---- */

struct key_ref {
	const char *key;
	size_t index;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The trunks' ids (by_id) or names, sorted; trunks without one are left out. */
static struct key_ref *index_of(const struct tc_trunk *const *t, size_t n, bool by_id, size_t *len)
{
	struct key_ref *idx = malloc((n ? n : 1) * sizeof(*idx));
	*len = 0;
	for (size_t i = 0; idx && i < n; i++) {
		const char *k = by_id ? t[i]->id : tc_trunk_string(t[i], TC_F_NAME);
		if (k)
			idx[(*len)++] = (struct key_ref){k, i};
	}
	if (idx)
		qsort(idx, *len, sizeof(*idx), key_cmp);
	return idx;
}

/* The first entry of idx with key k, and how many carry it. */
static const struct key_ref *lookup(const struct key_ref *idx, size_t len, const char *k,
                                    size_t *found)
{
	size_t lo = 0, hi = len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(idx[mid].key, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	while (lo + *found < len && strcmp(idx[lo + *found].key, k) == 0)
		(*found)++;
	return *found ? &idx[lo] : NULL;
}

/* ---- planning ---- */

struct planner {
	const struct tc_plan_input *in;
	struct tc_plan *out;
	struct key_ref *ids, *names;
	size_t nids, nnames;
	size_t *matched_by; /* per stored trunk: file index + 1, 0 when unmatched */
	struct tc_error *err;
};

/* "trunk 3 (line 12)" or "trunk 3", for messages: the file's 1-based position. */
static void where(const struct planner *p, size_t i, char *buf, size_t size)
{
	if (p->in->lines && p->in->lines[i])
		snprintf(buf, size, "%s:%zu", p->in->file_name ? p->in->file_name : "-",
		         p->in->lines[i]);
	else
		snprintf(buf, size, "%s: trunk %zu", p->in->file_name ? p->in->file_name : "-",
		         i + 1);
}

static enum tc_status check_file_names(struct planner *p)
{
	size_t n;
	struct key_ref *idx = index_of(p->in->desired, p->in->desired_count, false, &n);
	if (!idx)
		return tc_error_set(p->err, TC_NOMEM, NULL);
	enum tc_status rc = TC_OK;
	for (size_t i = 1; i < n && rc == TC_OK; i++)
		if (strcmp(idx[i - 1].key, idx[i].key) == 0) {
			char a[300], b[300];
			where(p, idx[i - 1].index, a, sizeof(a));
			where(p, idx[i].index, b, sizeof(b));
			rc = tc_error_set(p->err, TC_USAGE,
			                  "the name \"%s\" is given twice in the file (%s and %s)",
			                  idx[i].key, a, b);
		}
	free(idx);
	return rc;
}

/* The stored trunk file trunk i stands for: *s, or SIZE_MAX when none (a create). */
static enum tc_status match(struct planner *p, size_t i, size_t *s)
{
	const struct tc_trunk *t = p->in->desired[i];
	size_t n;
	const struct key_ref *hit;
	char at[300];
	*s = SIZE_MAX;
	if (t->id && *t->id && !p->in->match_name &&
	    (hit = lookup(p->ids, p->nids, t->id, &n)) != NULL) {
		*s = hit->index;
	} else {
		const char *name = tc_trunk_string(t, TC_F_NAME);
		if (!name || !*name) {
			where(p, i, at, sizeof(at));
			return tc_error_set(p->err, TC_USAGE,
			                    "%s: the trunk has no name and no id known here", at);
		}
		hit = lookup(p->names, p->nnames, name, &n);
		if (n > 1) {
			const struct tc_trunk *a = p->in->stored[hit[0].index];
			const struct tc_trunk *b = p->in->stored[hit[1].index];
			where(p, i, at, sizeof(at));
			return tc_error_set(
			    p->err, TC_USAGE,
			    "%s: %zu stored trunks are named \"%s\" (%s, %s%s); give "
			    "the trunk's id in the file",
			    at, n, name, a->id ? a->id : "?", b->id ? b->id : "?",
			    n > 2 ? ", …" : "");
		}
		if (n == 1)
			*s = hit->index;
	}
	if (*s != SIZE_MAX && p->matched_by[*s]) {
		char other[300];
		where(p, i, at, sizeof(at));
		where(p, p->matched_by[*s] - 1, other, sizeof(other));
		const char *id = p->in->stored[*s]->id;
		return tc_error_set(p->err, TC_USAGE,
		                    "%s and %s both stand for the stored trunk %s: give each "
		                    "trunk once",
		                    other, at, id ? id : "?");
	}
	if (*s != SIZE_MAX)
		p->matched_by[*s] = i + 1;
	return TC_OK;
}

/*
 * "No value" as the field stores it (null, "" or [], as the text form's
 * empty value), so an update to it passes the same checks as a cleared form
 * field.
 */
static enum tc_status no_value(enum tc_field_id f, struct tc_value *v)
{
	struct tc_error e;
	tc_error_init(&e);
	enum tc_status rc = tc_value_from_text(f, "", v, &e);
	tc_error_clear(&e);
	return rc == TC_INVALID ? TC_OK : rc; /* a boolean keeps its null: the checks name it */
}

/* What file trunk t changes in stored trunk s: item->change and item->fields. */
static enum tc_status plan_update(struct tc_plan_item *item, const struct tc_trunk *t,
                                  const struct tc_trunk *s)
{
	const struct tc_trunk *mode_from = tc_trunk_has(t, TC_F_AUTHENTICATION_MODE) ? t : s;
	enum tc_mode mode = tc_trunk_mode(mode_from);
	size_t n = 0;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		const struct tc_value *v = &t->values[f];
		item->fields[f] = v->state != TC_V_ABSENT && !server_decides(fi, mode) &&
		                  !tc_field_same_value(f, v, &s->values[f]);
		n += item->fields[f];
	}
	item->action = n ? TC_PLAN_UPDATE : TC_PLAN_UNCHANGED;
	if (!n)
		return TC_OK;
	if (!(item->change = tc_trunk_new()))
		return TC_NOMEM;
	enum tc_status rc = TC_OK;
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++) {
		if (!item->fields[f])
			continue;
		if (t->values[f].state == TC_V_NULL)
			rc = no_value(f, &item->change->values[f]);
		else
			rc = tc_trunk_set_value(item->change, f, &t->values[f]);
	}
	return rc;
}

/* The create file trunk t makes: its values, without what the server decides or "no value". */
static enum tc_status plan_create(struct tc_plan_item *item, const struct tc_trunk *t)
{
	item->action = TC_PLAN_CREATE;
	if (!(item->change = tc_trunk_new()))
		return TC_NOMEM;
	enum tc_mode mode = tc_trunk_mode(t);
	enum tc_status rc = TC_OK;
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++)
		if (t->values[f].state == TC_V_SET && !server_decides(tc_field(f), mode))
			rc = tc_trunk_set_value(item->change, f, &t->values[f]);
	return rc;
}

static enum tc_status plan_all(struct planner *p)
{
	const struct tc_plan_input *in = p->in;
	struct tc_plan *out = p->out;
	enum tc_status rc = check_file_names(p);
	for (size_t i = 0; rc == TC_OK && i < in->desired_count; i++) {
		size_t s;
		if ((rc = match(p, i, &s)) != TC_OK)
			break;
		struct tc_plan_item *item = &out->items[out->count++];
		item->file_index = i;
		if (s == SIZE_MAX) {
			rc = plan_create(item, in->desired[i]);
		} else {
			item->stored = in->stored[s];
			rc = plan_update(item, in->desired[i], item->stored);
		}
		if (rc == TC_NOMEM)
			tc_error_set(p->err, TC_NOMEM, NULL);
		out->creates += item->action == TC_PLAN_CREATE;
		out->updates += item->action == TC_PLAN_UPDATE;
		out->unchanged += item->action == TC_PLAN_UNCHANGED;
	}
	for (size_t s = 0; rc == TC_OK && in->prune && s < in->stored_count; s++)
		if (!p->matched_by[s]) {
			out->items[out->count++] = (struct tc_plan_item){.action = TC_PLAN_DELETE,
			                                                 .file_index = SIZE_MAX,
			                                                 .stored = in->stored[s]};
			out->deletes++;
		}
	return rc;
}

enum tc_status tc_plan_make(const struct tc_plan_input *in, struct tc_plan *out,
                            struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	struct planner p = {.in = in, .out = out, .err = err};
	size_t total = in->desired_count + in->stored_count;
	out->items = calloc(total ? total : 1, sizeof(*out->items));
	p.matched_by = calloc(in->stored_count ? in->stored_count : 1, sizeof(*p.matched_by));
	p.ids = index_of(in->stored, in->stored_count, true, &p.nids);
	p.names = index_of(in->stored, in->stored_count, false, &p.nnames);
	enum tc_status rc = out->items && p.matched_by && p.ids && p.names
	                        ? plan_all(&p)
	                        : tc_error_set(err, TC_NOMEM, NULL);
	free(p.matched_by);
	free(p.ids);
	free(p.names);
	if (rc != TC_OK)
		tc_plan_finish(out);
	return rc;
}
