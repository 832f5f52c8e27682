#include "trunkctl/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const status_names[] = {
#define TC_STATUS_NAME(name, msg) #name,
    TC_STATUS_LIST(TC_STATUS_NAME)
#undef TC_STATUS_NAME
};

static const char *const status_messages[] = {
#define TC_STATUS_MSG(name, msg) msg,
    TC_STATUS_LIST(TC_STATUS_MSG)
#undef TC_STATUS_MSG
};

const char *tc_status_name(enum tc_status status)
{
	if ((unsigned)status >= TC_STATUS_COUNT)
		return "UNKNOWN";
	return status_names[status];
}

const char *tc_status_message(enum tc_status status)
{
	if ((unsigned)status >= TC_STATUS_COUNT)
		return "unknown error";
	return status_messages[status];
}

void tc_error_init(struct tc_error *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	err->status = TC_OK;
}

void tc_error_clear(struct tc_error *err)
{
	if (!err)
		return;
	tc_field_errors_finish(&err->fields);
	tc_error_init(err);
}

enum tc_status tc_error_vset(struct tc_error *err, enum tc_status status, const char *fmt,
                             va_list ap)
{
	if (!err)
		return status;
	err->status = status;
	if (fmt)
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
	else
		snprintf(err->message, sizeof(err->message), "%s", tc_status_message(status));
	return status;
}

enum tc_status tc_error_set(struct tc_error *err, enum tc_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum tc_status rc = tc_error_vset(err, status, fmt, ap);
	va_end(ap);
	return rc;
}

enum tc_status tc_field_errors_add(struct tc_field_errors *errs, int field, int index,
                                   enum tc_severity severity, const char *pointer,
                                   const char *title, const char *hint)
{
	struct tc_field_error *items =
	    tc_grow(errs->items, &errs->cap, errs->count + 1, sizeof(*items), 8);
	if (!items)
		return TC_NOMEM;
	errs->items = items;
	struct tc_field_error *e = &errs->items[errs->count];
	e->pointer = strdup(pointer ? pointer : "");
	e->title = strdup(title ? title : "");
	if (!e->pointer || !e->title) {
		free(e->pointer);
		free(e->title);
		return TC_NOMEM;
	}
	e->field = field;
	e->index = index;
	e->severity = severity;
	e->hint = hint;
	e->rule = false;
	errs->count++;
	return TC_OK;
}

enum tc_status tc_field_errors_add_rule(struct tc_field_errors *errs, int field, int index,
                                        enum tc_severity severity, const char *pointer,
                                        const char *title, const char *hint)
{
	enum tc_status rc = tc_field_errors_add(errs, field, index, severity, pointer, title, hint);
	if (rc == TC_OK)
		errs->items[errs->count - 1].rule = true;
	return rc;
}

size_t tc_field_errors_count(const struct tc_field_errors *errs, enum tc_severity severity)
{
	size_t n = 0;
	for (size_t i = 0; errs && i < errs->count; i++)
		if (errs->items[i].severity == severity)
			n++;
	return n;
}

const struct tc_field_error *tc_field_errors_find(const struct tc_field_errors *errs, int field,
                                                  enum tc_severity severity)
{
	for (size_t i = 0; errs && i < errs->count; i++)
		if (errs->items[i].field == field && errs->items[i].severity == severity)
			return &errs->items[i];
	return NULL;
}

enum tc_status tc_field_errors_move(struct tc_field_errors *dst, struct tc_field_errors *src)
{
	if (!src->count)
		return TC_OK;
	struct tc_field_error *items =
	    tc_grow(dst->items, &dst->cap, dst->count + src->count, sizeof(*items), 8);
	if (!items)
		return TC_NOMEM;
	dst->items = items;
	memcpy(dst->items + dst->count, src->items, src->count * sizeof(*src->items));
	dst->count += src->count;
	free(src->items);
	memset(src, 0, sizeof(*src));
	return TC_OK;
}

void tc_field_errors_finish(struct tc_field_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->count; i++) {
		free(errs->items[i].pointer);
		free(errs->items[i].title);
	}
	free(errs->items);
	memset(errs, 0, sizeof(*errs));
}
