/*
 * libFuzzer target for the flat JSON writer (tc_trunk_to_flat_json). It must
 * give, byte for byte, what the jansson tree and its dump give
 * (tc_trunk_to_flat_json_tree), or fail where that fails, under every flag.
 * Inputs are read twice: as flat JSON text, the way stored trunks come back,
 * and as raw bytes laid into the values, which reach what no decoder lets
 * through (control characters, broken UTF-8, any integer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trunk_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compare(const struct tc_trunk *t)
{
	for (unsigned flags = 0; flags < 16; flags++) {
		char *tree = tc_trunk_to_flat_json_tree(t, flags);
		char *direct = tc_trunk_to_flat_json(t, flags);
		if ((tree == NULL) != (direct == NULL) || (tree && strcmp(tree, direct) != 0))
			abort();
		free(tree);
		free(direct);
	}
}

struct cursor {
	const uint8_t *p, *end;
};

static uint8_t take_byte(struct cursor *c)
{
	return c->p < c->end ? *c->p++ : 0;
}

/* A length byte, then that many bytes (cut at the input's end and at a NUL). */
static char *take_string(struct cursor *c)
{
	size_t n = take_byte(c);
	if (n > (size_t)(c->end - c->p))
		n = (size_t)(c->end - c->p);
	char *s = strndup((const char *)c->p, n);
	c->p += n;
	return s;
}

static struct tc_trunk *from_bytes(const uint8_t *data, size_t size)
{
	struct cursor c = {data, data + size};
	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return NULL;
	if (take_byte(&c) & 1)
		t->id = take_string(&c);
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		struct tc_value *v = &t->values[f];
		uint8_t state = take_byte(&c);
		v->state = state % 3 == 0 ? TC_V_ABSENT : state % 3 == 1 ? TC_V_NULL : TC_V_SET;
		switch (tc_field(f)->type) {
		case TC_T_STRING:
			if (!(state & 0x80))
				v->s = take_string(&c);
			break;
		case TC_T_INT:
			for (int k = 0; k < 8; k++)
				v->i = (long long)(((unsigned long long)v->i << 8) | take_byte(&c));
			break;
		case TC_T_BOOL:
			v->b = state & 0x40;
			break;
		case TC_T_LIST:
			v->list.count = (state >> 4) & 3;
			v->list.items =
			    v->list.count ? calloc(v->list.count, sizeof(char *)) : NULL;
			if (!v->list.items)
				v->list.count = 0;
			for (size_t k = 0; k < v->list.count; k++)
				v->list.items[k] = take_string(&c);
			break;
		}
	}
	if (c.p < c.end)
		t->extra_json = strndup((const char *)c.p, (size_t)(c.end - c.p));
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_trunk *t = NULL;
	/* a trunk with type errors is still decoded in part, and written */
	tc_trunk_from_flat_json((const char *)data, size, &t, NULL);
	if (t)
		compare(t);
	tc_trunk_destroy(t);
	t = from_bytes(data, size);
	if (t)
		compare(t);
	tc_trunk_destroy(t);
	return 0;
}
