/*
 * What each kind of field value means: equality as the server stores it,
 * pickers, alignment, CSV quoting and the kind's part of the help text. The
 * kinds are listed in include/trunkctl/trunk.h (TC_FIELD_KINDS); the checks a
 * value must pass are in src/validate.c.
 */
#include "trunkctl/trunk.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "trunkctl/countries.h"
#include "trunkctl/region.h"

static enum tc_field_kind kind_of(enum tc_field_id f)
{
	const struct tc_field_info *fi = tc_field(f);
	return fi ? fi->kind : TC_K_TEXT;
}

/* The server keeps only the digits of a sender number (unless it is a sip: URI). */
static bool same_sender(const char *a, const char *b)
{
	if (strncmp(a, "sip:", 4) == 0 || strncmp(b, "sip:", 4) == 0)
		return strcmp(a, b) == 0;
	for (;;) {
		while (*a && !isdigit((unsigned char)*a))
			a++;
		while (*b && !isdigit((unsigned char)*b))
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (*a++ != *b++)
			return false;
	}
}

static bool list_contains(const struct tc_list *l, const char *s)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

bool tc_field_same_value(enum tc_field_id f, const struct tc_value *a, const struct tc_value *b)
{
	const struct tc_field_info *fi = tc_field(f);
	if (tc_value_same_meaning(a, b, fi->type))
		return true;
	bool a_set = a->state == TC_V_SET, b_set = b->state == TC_V_SET;
	if (!a_set || !b_set)
		return false;
	if (fi->kind == TC_K_SENDER)
		return same_sender(a->s, b->s);
	/* The server de-duplicates source IPs and reorders them on later reads. */
	if (fi->kind == TC_K_IPV4_SET) {
		for (size_t i = 0; i < a->list.count; i++)
			if (!list_contains(&b->list, a->list.items[i]))
				return false;
		for (size_t i = 0; i < b->list.count; i++)
			if (!list_contains(&a->list, b->list.items[i]))
				return false;
		return true;
	}
	return false;
}

bool tc_field_is_numeric(enum tc_field_id f)
{
	const struct tc_field_info *fi = tc_field(f);
	return fi && fi->type == TC_T_INT;
}

bool tc_field_is_text(enum tc_field_id f)
{
	const struct tc_field_info *fi = tc_field(f);
	return fi && (fi->type == TC_T_STRING || fi->type == TC_T_LIST);
}

enum tc_field_picker tc_field_picker(enum tc_field_id f)
{
	switch (kind_of(f)) {
	case TC_K_MODE:
	case TC_K_BOOLEAN:
		return TC_PICK_CYCLE;
	case TC_K_REGION:
		return TC_PICK_LIST;
	case TC_K_COUNTRY:
		return TC_PICK_CODE;
	default:
		return TC_PICK_NONE;
	}
}

size_t tc_field_options(enum tc_field_id f, const struct tc_region *regions, size_t region_count,
                        const char *typed, const char **out, size_t cap)
{
	size_t n = 0;
	switch (kind_of(f)) {
	case TC_K_MODE:
		for (int m = 0; m < TC_MODE_COUNT && n < cap; m++)
			out[n++] = tc_mode_name((enum tc_mode)m);
		break;
	case TC_K_BOOLEAN:
		for (int b = 0; b < 2 && n < cap; b++)
			out[n++] = b ? "false" : "true";
		break;
	case TC_K_REGION:
		for (size_t i = 0; i < region_count && n < cap; i++)
			out[n++] = regions[i].alias;
		break;
	case TC_K_COUNTRY: {
		size_t len = typed ? strlen(typed) : 0;
		const char *c;
		for (size_t i = 0; (c = tc_country_code(i)) != NULL && n < cap; i++)
			if (strncmp(c, typed ? typed : "", len) == 0)
				out[n++] = c;
		break;
	}
	default:
		break;
	}
	return n;
}

size_t tc_field_max_chars(enum tc_field_id f)
{
	return kind_of(f) == TC_K_COUNTRY ? 2 : 0;
}

bool tc_field_uppercase(enum tc_field_id f)
{
	return kind_of(f) == TC_K_COUNTRY;
}

/* "a, b or c" of the mode names, what the help says a mode may be. */
static size_t mode_choices(char *buf, size_t size)
{
	size_t used = 0;
	for (int m = 0; m < TC_MODE_COUNT && used < size; m++) {
		const char *sep = m == 0 ? "" : m + 1 < TC_MODE_COUNT ? ", " : " or ";
		used += (size_t)snprintf(buf + used, size - used, "%s%s", sep,
		                         tc_mode_name((enum tc_mode)m));
	}
	return used < size ? used : size - 1;
}

void tc_field_help(enum tc_field_id f, char *buf, size_t size)
{
	const struct tc_field_info *fi = tc_field(f);
	if (!size)
		return;
	buf[0] = '\0';
	if (!fi)
		return;
	char accepts[128] = "";
	const char *sep = ", ";
	switch (fi->kind) {
	case TC_K_MODE:
		mode_choices(accepts, sizeof(accepts));
		break;
	case TC_K_POSITIVE_INT:
		/* The server refuses null for it, so a value once set stays (validate.c). */
		snprintf(accepts, sizeof(accepts),
		         "a whole number above 0 (once set, the API cannot clear it)");
		break;
	case TC_K_BOOLEAN:
		snprintf(accepts, sizeof(accepts), "(true/false)");
		sep = " ";
		break;
	case TC_K_HOST:
		snprintf(accepts, sizeof(accepts), "host or host:port");
		break;
	case TC_K_IPV4_SET:
	case TC_K_PREFIX_LIST:
		snprintf(accepts, sizeof(accepts), "comma-separated");
		break;
	default:
		break;
	}
	snprintf(buf, size, "%s%s%s%s", fi->help, *fi->help && *accepts ? sep : "", accepts,
	         (fi->flags & TC_FF_REQUIRED) ? " (required)" : "");
}
