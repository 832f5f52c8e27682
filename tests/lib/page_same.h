/*
 * Whether two decodes of one collection answer agree: the same status and,
 * when it succeeded, the same links and the same trunks (ids, values, extra
 * attributes, documents). Header only, for the unit test and the fuzz
 * target that hold the quick reading of a page to jansson's.
 */
#ifndef TRUNKCTL_TESTS_LIB_PAGE_SAME_H
#define TRUNKCTL_TESTS_LIB_PAGE_SAME_H

#include <stdbool.h>
#include <string.h>

#include "trunkctl/jsonapi.h"

static inline bool ps_text_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static inline bool ps_page_same(enum tc_status ra, const struct tc_jsonapi_page *a,
                                enum tc_status rb, const struct tc_jsonapi_page *b)
{
	if (ra != rb)
		return false;
	if (ra != TC_OK)
		return a->count == 0 && b->count == 0;
	if (a->count != b->count || !ps_text_same(a->prev, b->prev) ||
	    !ps_text_same(a->next, b->next))
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct tc_trunk *x = a->items[i], *y = b->items[i];
		if (!ps_text_same(x->id, y->id) || !ps_text_same(x->extra_json, y->extra_json) ||
		    !ps_text_same(x->document, y->document))
			return false;
		for (int f = 0; f < TC_FIELD_COUNT; f++)
			if (!tc_value_equal(&x->values[f], &y->values[f], tc_field(f)->type))
				return false;
	}
	return true;
}

#endif
