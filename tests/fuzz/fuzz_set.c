/*
 * libFuzzer target for the `--set KEY=VALUE` parser (tc_trunk_assign). Each
 * input line is one --set argument (argv cannot hold NUL, so a line ends at
 * the first one), applied in turn to one trunk.
 *
 * Beyond not crashing, it checks what `create`/`edit` rely on: a refused
 * assignment leaves the trunk as it was, with a message (TC_USAGE) or the
 * server's title (TC_INVALID); an accepted value prints back (reveal) to
 * text that assigns the same value again; and the finished trunk survives
 * the store's flat JSON form unchanged whenever that form can be written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/trunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_trunk(const struct tc_trunk *a, const struct tc_trunk *b)
{
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if (!tc_value_equal(&a->values[f], &b->values[f], tc_field(f)->type))
			return false;
	return true;
}

/* The value of key, printed and assigned again, is the same value. */
static void check_round_trip(const struct tc_trunk *t, const char *key)
{
	const struct tc_field_info *fi = tc_field_by_key(key);
	if (!fi)
		abort();
	char *text = tc_value_to_text(fi->id, &t->values[fi->id], true);
	if (!text)
		return;
	/* "[]" is the empty list, so a list whose one item is "[]" cannot print back. */
	bool ambiguous = fi->type == TC_T_LIST && strcmp(text, "[]") == 0;
	size_t n = strlen(key) + strlen(text) + 2;
	char *again = malloc(n);
	struct tc_trunk *u = tc_trunk_new();
	if (again && u && !ambiguous) {
		snprintf(again, n, "%s=%s", key, text);
		struct tc_error err;
		tc_error_init(&err);
		enum tc_status rc = tc_trunk_assign(u, again, &err);
		if (rc != TC_OK && rc != TC_NOMEM)
			abort();
		if (rc == TC_OK &&
		    !tc_value_equal(&t->values[fi->id], &u->values[fi->id], fi->type))
			abort();
		tc_error_clear(&err);
	}
	tc_trunk_destroy(u);
	free(again);
	free(text);
}

static void assign_line(struct tc_trunk *t, const char *line)
{
	struct tc_trunk *before = tc_trunk_dup(t);
	if (!before)
		return;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc = tc_trunk_assign(t, line, &err);
	switch (rc) {
	case TC_OK: {
		const char *eq = strchr(line, '=');
		char *key = eq ? strndup(line, (size_t)(eq - line)) : NULL;
		if (!eq)
			abort();
		if (key)
			check_round_trip(t, key);
		free(key);
		break;
	}
	case TC_USAGE:
		if (!err.message[0] || err.fields.count || !same_trunk(before, t))
			abort();
		break;
	case TC_INVALID:
		if (!err.fields.count || !err.fields.items[0].title || !same_trunk(before, t))
			abort();
		break;
	case TC_NOMEM:
		break;
	default:
		abort();
	}
	tc_error_clear(&err);
	tc_trunk_destroy(before);
}

/* What the store writes, read back, is the same trunk. */
static void check_flat_json(const struct tc_trunk *t)
{
	char *text = tc_trunk_to_flat_json(t, TC_JSON_REVEAL);
	if (!text)
		return; /* not UTF-8: jansson refuses to write it */
	struct tc_trunk *back = NULL;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc = tc_trunk_from_flat_json(text, strlen(text), &back, &err);
	if (rc != TC_OK && rc != TC_NOMEM)
		abort();
	if (rc == TC_OK && !same_trunk(t, back))
		abort();
	tc_error_clear(&err);
	tc_trunk_destroy(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct tc_trunk *t = tc_trunk_new();
	if (!text || !t)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *line = text, *next; line; line = next) {
		next = memchr(line, '\n', size - (size_t)(line - text));
		if (next)
			*next++ = '\0';
		assign_line(t, line);
	}
	check_flat_json(t);
out:
	tc_trunk_destroy(t);
	free(text);
	return 0;
}
