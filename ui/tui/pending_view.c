/* The outbox: what is waiting to reach the Carrier API, and the exact request for each entry. */
#include <stdlib.h>
#include <string.h>

#include "app.h"

struct pending_view {
	struct tui_screen base;
	struct tc_pending_list list;
	struct tui_scroll sc;
	int height;
};

static const enum tui_action footer[] = {
    TUI_ACT_BACK, TUI_ACT_DISCARD, TUI_ACT_RETRY, TUI_ACT_SYNC, TUI_ACT_HELP, TUI_ACT_NONE,
};

static void load(struct tui_app *app, struct pending_view *v)
{
	tc_pending_list_finish(&v->list);
	memset(&v->list, 0, sizeof(v->list));
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_pending(app->svc, false, &v->list, &err) != TC_OK)
		tui_status_err(app, "Cannot read the pending changes", &err);
	tc_error_clear(&err);
	v->sc.count = v->list.count;
	if (v->sc.sel >= v->sc.count)
		v->sc.sel = v->sc.count ? v->sc.count - 1 : 0;
}

/* Draws text wrapped over lines [y, y + h), returns the lines used. */
static int wrap(int y, int h, const char *text, int role)
{
	int used = 0;
	const char *p = text;
	while (*p && used < h) {
		const char *nl = strchr(p, '\n');
		size_t line_len = nl ? (size_t)(nl - p) : strlen(p);
		char buf[1024];
		snprintf(buf, sizeof(buf), "%.*s", (int)(line_len < 1023 ? line_len : 1023), p);
		size_t off = 0;
		do {
			size_t n = tui_text_fit(buf + off, COLS - 2);
			if (n == 0 && buf[off])
				n = 1;
			char part[1024];
			snprintf(part, sizeof(part), "%.*s", (int)n, buf + off);
			tui_put(stdscr, y + used, 2, part, COLS - 2, tui_attr(role));
			used++;
			off += n;
		} while (buf[off] && used < h);
		p += line_len;
		if (*p == '\n')
			p++;
	}
	return used;
}

static void draw(struct tui_app *app, struct tui_screen *s, int top, int height)
{
	struct pending_view *v = (struct pending_view *)s;
	char title[100];
	size_t nmarked = 0;
	for (size_t i = 0; i < v->list.count; i++)
		nmarked += tui_marks_has(&app->marks, v->list.items[i].trunk_id);
	if (nmarked)
		snprintf(
		    title, sizeof(title),
		    "Pending changes (%zu; %zu of marked trunks: discard and retry act on them)",
		    v->list.count, nmarked);
	else
		snprintf(title, sizeof(title), "Pending changes (%zu)", v->list.count);
	tui_put(stdscr, top, 0, title, COLS, tui_attr(TUI_ROLE_TITLE));
	int list_h = (height - 1) / 2;
	if (list_h < 3)
		list_h = 3;
	v->height = list_h - 1;
	tui_put(stdscr, top + 1, 0,
	        "  #  Op      Trunk                      State      Tries  Error", COLS,
	        tui_attr(TUI_ROLE_COLUMN));
	tui_scroll_fix(&v->sc, v->height);
	if (!v->list.count)
		tui_put(stdscr, top + 3, 2,
		        "Nothing is waiting: every change has reached the server.", COLS - 2,
		        tui_attr(TUI_ROLE_DIM));
	for (int i = 0; i < v->height && v->sc.top + (size_t)i < v->list.count; i++) {
		size_t k = v->sc.top + (size_t)i;
		const struct tc_pending_entry *e = &v->list.items[k];
		bool sel = k == v->sc.sel;
		int y = top + 2 + i;
		char line[600];
		snprintf(line, sizeof(line), "%s%2lld  %-7s %-26.26s %-10s %5u  %s",
		         tui_marks_has(&app->marks, e->trunk_id) ? "*" : " ", (long long)e->seq,
		         tc_outbox_op_name(e->op), e->trunk_name ? e->trunk_name : e->trunk_id,
		         tc_outbox_state_name(e->state), e->attempts,
		         e->last_error ? e->last_error : "");
		int role = sel ? TUI_ROLE_SELECTED
		           : e->state == TC_OUTBOX_QUEUED || e->state == TC_OUTBOX_IN_FLIGHT
		               ? TUI_ROLE_NORMAL
		               : TUI_ROLE_CONFLICT;
		tui_put(stdscr, y, 0, line, COLS, tui_attr(role));
	}
	int y = top + 1 + list_h;
	int rest = top + height - y;
	if (v->sc.sel >= v->list.count || rest < 2)
		return;
	const struct tc_pending_entry *e = &v->list.items[v->sc.sel];
	tui_hline(stdscr, y, 0, COLS, app->caps.utf8, tui_attr(TUI_ROLE_DIM));
	char req[600];
	snprintf(req, sizeof(req), "%s %s", e->request.method ? e->request.method : "",
	         e->request.path ? e->request.path : "");
	tui_put(stdscr, y + 1, 0, "Request:", 9, tui_attr(TUI_ROLE_LABEL));
	tui_put(stdscr, y + 1, 9, req, COLS - 9, tui_attr(TUI_ROLE_NORMAL));
	if (e->request.body)
		wrap(y + 2, rest - 2, e->request.body, TUI_ROLE_NORMAL);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The trunks of the queue that are marked on the list, each once; *n of
 * them. Sorted, then each kept once: a bulk edit queues one entry per trunk,
 * thousands of them.
 */
static char **marked_trunks(const struct tui_app *app, const struct pending_view *v, size_t *n)
{
	*n = 0;
	char **ids = calloc(v->list.count ? v->list.count : 1, sizeof(*ids));
	for (size_t i = 0; ids && i < v->list.count; i++)
		if (tui_marks_has(&app->marks, v->list.items[i].trunk_id))
			ids[(*n)++] = v->list.items[i].trunk_id;
	if (!ids)
		return NULL;
	if (*n)
		qsort(ids, *n, sizeof(*ids), by_string);
	size_t kept = 0;
	bool ok = true;
	for (size_t i = 0; i < *n; i++) {
		if (kept && strcmp(ids[kept - 1], ids[i]) == 0)
			continue;
		/* the copies outlive the list, which a sync may reload under the dialog */
		char *copy = ok ? strdup(ids[i]) : NULL;
		ok = copy != NULL;
		ids[kept++] = copy;
	}
	if (!ok) {
		for (size_t i = 0; i < kept; i++)
			free(ids[i]);
		free(ids);
		*n = 0;
		return NULL;
	}
	*n = kept;
	return ids;
}

struct marked_ids {
	size_t n;
	char **ids;
};

static void marked_ids_free(void *ctx)
{
	struct marked_ids *m = ctx;
	for (size_t i = 0; i < m->n; i++)
		free(m->ids[i]);
	free(m->ids);
	free(m);
}

/* Discard or retry on every marked trunk: each on its own, so one refusal does not undo the rest.
 */
static void act_on_marked(struct tui_app *app, const struct marked_ids *m, bool discard)
{
	size_t done = 0;
	struct tc_error err, first;
	tc_error_init(&err);
	tc_error_init(&first);
	for (size_t i = 0; i < m->n; i++) {
		enum tc_status rc = discard ? tc_service_discard(app->svc, m->ids[i], &err)
		                            : tc_service_retry(app->svc, m->ids[i], &err);
		if (rc == TC_OK)
			done++;
		else if (first.status == TC_OK)
			tc_error_set(&first, rc, "%s", err.message);
		tc_error_clear(&err);
	}
	if (done < m->n)
		tui_status(app, true, "%s %zu of %zu marked trunks; the first refusal: %s",
		           discard ? "Discarded" : "Will send again", done, m->n, first.message);
	else
		tui_status(app, false,
		           discard ? "Discarded the queued changes of %zu marked trunks."
		                   : "The changes of %zu marked trunks will be sent again now.",
		           done);
	if (!discard && done)
		tui_request_sync(app, TC_SYNC_PUSH | TC_SYNC_FORCE);
	tc_error_clear(&first);
	tui_changed(app);
}

static void do_discard_marked(struct tui_app *app, void *ctx)
{
	act_on_marked(app, ctx, true);
}

static void do_discard(struct tui_app *app, void *ctx)
{
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_discard(app->svc, ctx, &err) == TC_OK)
		tui_status(app, false, "Discarded: the trunk is back to the server's version.");
	else
		tui_status_err(app, "Not discarded", &err);
	tc_error_clear(&err);
	tui_changed(app);
}

static enum tui_result key(struct tui_app *app, struct tui_screen *s, struct tui_key k,
                           enum tui_action act)
{
	struct pending_view *v = (struct pending_view *)s;
	if (tui_scroll_key(&v->sc, act, v->height))
		return TUI_HANDLED;
	const struct tc_pending_entry *e =
	    v->sc.sel < v->list.count ? &v->list.items[v->sc.sel] : NULL;
	struct tc_error err;
	tc_error_init(&err);
	/* With marks on the list, discard and retry act on the marked trunks' changes. */
	struct marked_ids *m = NULL;
	if ((act == TUI_ACT_DISCARD || act == TUI_ACT_RETRY) && app->marks.count) {
		if (tui_read_only(app)) {
			tui_refuse_read_only(app,
			                     "queued changes cannot be discarded or sent again.");
			return TUI_HANDLED;
		}
		m = calloc(1, sizeof(*m));
		if (m)
			m->ids = marked_trunks(app, v, &m->n);
		if (!m || !m->ids) {
			if (m)
				marked_ids_free(m);
			tui_status(app, true, "Out of memory; nothing was changed.");
			return TUI_HANDLED;
		}
		if (!m->n) {
			marked_ids_free(m);
			tui_status(app, false, "None of the marked trunks has a queued change.");
			return TUI_HANDLED;
		}
		if (act == TUI_ACT_RETRY) {
			act_on_marked(app, m, false);
			marked_ids_free(m);
			return TUI_HANDLED;
		}
		char q[200];
		snprintf(q, sizeof(q), "Discard the queued changes of %zu marked trunk%s?", m->n,
		         m->n == 1 ? "" : "s");
		tui_push(app, ui_confirm_new(q,
		                             "They go back to the server's version; this cannot be "
		                             "undone.",
		                             NULL, do_discard_marked, m, marked_ids_free));
		return TUI_HANDLED;
	}
	switch (act) {
	case TUI_ACT_DISCARD:
		if (e && tui_read_only(app)) {
			tui_refuse_read_only(app, "queued changes cannot be discarded.");
		} else if (e) {
			char q[200];
			snprintf(q, sizeof(q), "Discard the queued changes of \"%s\"?",
			         e->trunk_name ? e->trunk_name : e->trunk_id);
			char *id = strdup(e->trunk_id);
			if (id)
				tui_push(app, ui_confirm_new(q,
				                             "The trunk goes back to the server's "
				                             "version; this cannot be undone.",
				                             NULL, do_discard, id, free));
		}
		return TUI_HANDLED;
	case TUI_ACT_RETRY:
		if (e) {
			if (tc_service_retry(app->svc, e->trunk_id, &err) == TC_OK) {
				tui_status(app, false, "The change will be sent again now.");
				tui_request_sync(app, TC_SYNC_PUSH | TC_SYNC_FORCE);
			} else {
				tui_status_err(app, "Cannot retry", &err);
			}
			tc_error_clear(&err);
			tui_changed(app);
		}
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

static void reload(struct tui_app *app, struct tui_screen *s)
{
	load(app, (struct pending_view *)s);
}

static void destroy(struct tui_screen *s)
{
	struct pending_view *v = (struct pending_view *)s;
	tc_pending_list_finish(&v->list);
	free(v);
}

static const struct tui_screen_ops ops = {
    .scope = TUI_SCOPE_PENDING,
    .draw = draw,
    .key = key,
    .reload = reload,
    .destroy = destroy,
    .footer = footer,
    .title = "Pending",
};

struct tui_screen *ui_pending_new(struct tui_app *app)
{
	struct pending_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &ops;
	load(app, v);
	return &v->base;
}
