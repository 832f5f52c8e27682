#include "trunkctl/records.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t tc_clock_real_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tc_clock_now(const struct tc_clock *clock)
{
	if (clock && clock->now_ms)
		return clock->now_ms(clock->ctx);
	return tc_clock_real_ms(NULL);
}

const char *tc_sync_state_name(enum tc_sync_state state)
{
	static const char *const names[TC_SYNC_STATE_COUNT] = {
	    [TC_SYNC_SYNCED] = "synced",
	    [TC_SYNC_PENDING] = "pending",
	    [TC_SYNC_CONFLICT] = "conflict",
	    [TC_SYNC_REJECTED] = "rejected",
	};
	if ((int)state < 0 || state >= TC_SYNC_STATE_COUNT)
		return "unknown";
	return names[state];
}

const char *tc_outbox_op_name(enum tc_outbox_op op)
{
	static const char *const names[TC_OP_COUNT] = {
	    [TC_OP_NONE] = "none",
	    [TC_OP_CREATE] = "create",
	    [TC_OP_UPDATE] = "update",
	    [TC_OP_DELETE] = "delete",
	};
	if ((int)op < 0 || op >= TC_OP_COUNT)
		return "unknown";
	return names[op];
}

const char *tc_outbox_state_name(enum tc_outbox_state state)
{
	static const char *const names[TC_OUTBOX_STATE_COUNT] = {
	    [TC_OUTBOX_QUEUED] = "queued",
	    [TC_OUTBOX_IN_FLIGHT] = "in_flight",
	    [TC_OUTBOX_REJECTED] = "rejected",
	    [TC_OUTBOX_CONFLICT] = "conflict",
	};
	if ((int)state < 0 || state >= TC_OUTBOX_STATE_COUNT)
		return "unknown";
	return names[state];
}

void tc_trunk_page_finish(struct tc_trunk_page *page)
{
	if (!page)
		return;
	for (size_t i = 0; i < page->count; i++)
		tc_trunk_destroy(page->items[i].trunk);
	free(page->items);
	page->items = NULL;
	page->count = 0;
}

static void conflict_free(struct tc_conflict *c)
{
	if (!c)
		return;
	tc_trunk_destroy(c->base);
	tc_trunk_destroy(c->mine);
	tc_trunk_destroy(c->theirs);
	free(c);
}

void tc_trunk_record_destroy(struct tc_trunk_record *rec)
{
	if (!rec)
		return;
	free(rec->id);
	tc_trunk_destroy(rec->base);
	tc_trunk_destroy(rec->local);
	tc_field_errors_finish(&rec->errors);
	free(rec->last_error);
	conflict_free(rec->conflict);
	free(rec);
}

void tc_edit_result_finish(struct tc_edit_result *result)
{
	if (!result)
		return;
	tc_trunk_destroy(result->theirs);
	memset(result, 0, sizeof(*result));
}

void tc_journal_list_finish(struct tc_journal_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		struct tc_journal_entry *e = &list->items[i];
		free(e->profile);
		free(e->method);
		free(e->trunk_id);
		tc_trunk_destroy(e->changes);
		tc_trunk_destroy(e->before);
		free(e->trunk_name);
		free(e->user);
		free(e->host);
		free(e->request_id);
		free(e->error);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
