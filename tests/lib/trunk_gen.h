/*
 * Deterministic varied trunks for the tests that hold two encoders to the
 * same bytes: every field kind, absent, null and set values, empty strings
 * and lists, escapes, control characters, UTF-8 valid and not, integers at
 * their limits, ids and extra attributes of every shape. Header only, so
 * that a test needs nothing but the core; a seed gives the same trunks on
 * every machine.
 */
#ifndef TRUNKCTL_TESTS_LIB_TRUNK_GEN_H
#define TRUNKCTL_TESTS_LIB_TRUNK_GEN_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/trunk.h"

struct tg_rng {
	uint64_t s;
};

static inline uint64_t tg_next(struct tg_rng *r)
{
	/* xorshift64*: small, and the same sequence everywhere */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

static inline unsigned tg_below(struct tg_rng *r, unsigned n)
{
	return (unsigned)(tg_next(r) >> 33) % n;
}

/* Pieces strings are made of, the awkward ones as often as the plain. */
static const char *const tg_pieces[] = {"a",
                                        "PBX",
                                        "hydrogen",
                                        "203.0.113.7",
                                        "sip.example.com:5060",
                                        "+855 12 345 678",
                                        " ",
                                        "/",
                                        "\"",
                                        "\\",
                                        "\\u0041",
                                        "\b",
                                        "\f",
                                        "\n",
                                        "\r",
                                        "\t",
                                        "\x01",
                                        "\x1f",
                                        "\x7f",
                                        "\xc3\xa9",
                                        "\xe2\x80\xa6",
                                        "\xf0\x9f\x93\x9e",
                                        "\xef\xbf\xbf",
                                        "\xf4\x8f\xbf\xbf",
                                        "\xc2\x80",
                                        "<>&'",
                                        "0",
                                        "-1",
                                        "null",
                                        "{}",
                                        "[]",
                                        ",",
                                        ":"};

/* Byte runs jansson refuses as UTF-8: each fails the whole text. */
static const char *const tg_bad[] = {"\x80",
                                     "\xbf",
                                     "\xc0\xaf",
                                     "\xc1\xbf",
                                     "\xc3",
                                     "\xe2\x80",
                                     "\xed\xa0\x80",
                                     "\xed\xbf\xbf",
                                     "\xe0\x80\xaf",
                                     "\xf0\x80\x80\xaf",
                                     "\xf4\x90\x80\x80",
                                     "\xf5\x80\x80\x80",
                                     "\xff",
                                     "\xc3\x28"};

/* A new string into buf (cap bytes); now and then (1 in bad_in) not valid UTF-8. */
static inline const char *tg_string(struct tg_rng *r, char *buf, size_t cap, unsigned bad_in)
{
	size_t len = 0;
	unsigned pieces = tg_below(r, 4) == 0 ? 0 : 1 + tg_below(r, 6);
	buf[0] = '\0';
	for (unsigned i = 0; i < pieces; i++) {
		const char *p = tg_pieces[tg_below(r, sizeof(tg_pieces) / sizeof(*tg_pieces))];
		if (bad_in && tg_below(r, bad_in) == 0)
			p = tg_bad[tg_below(r, sizeof(tg_bad) / sizeof(*tg_bad))];
		size_t n = strlen(p);
		if (len + n + 1 > cap)
			break;
		memcpy(buf + len, p, n + 1);
		len += n;
	}
	return buf;
}

static inline long long tg_int(struct tg_rng *r)
{
	switch (tg_below(r, 6)) {
	case 0:
		return tg_below(r, 200);
	case 1:
		return -(long long)tg_below(r, 200);
	case 2:
		return LLONG_MAX;
	case 3:
		return LLONG_MIN;
	case 4:
		return (long long)tg_next(r);
	default:
		return (long long)(tg_next(r) >> tg_below(r, 64));
	}
}

/* extra_json texts: none, objects of every shape, and texts that are not objects. */
static const char *const tg_extras[] = {
    NULL,
    "{\"register_transport\":\"tls\"}",
    "{}",
    "{\"a\":1,\"b\":-2.5,\"c\":1e300,\"d\":[1,\"x\",null,true,false,{}],\"e\":{\"f\":{\"g\":[]}}}",
    "{\"name\":\"shadowed\",\"id\":\"extra-id\",\"zz\":0.1}",
    "{\"dup\":1,\"other\":2,\"dup\":3}",
    "{\"esc\\u00e9\\n\":\"\\u0001\\\"\\\\/\\ud83d\\udcde\",\"\\u007f\":\"\\u2028\"}",
    "{\"big\":12345678901234567890,\"neg\":-0,\"frac\":0.30000000000000004}",
    "[1,2]",
    "\"text\"",
    "{not json",
    "{\"password\":\"x\",\"region\":{\"alias\":\"y\"}}",
};

/*
 * Trunk number i of the seed's sequence, and the flags to write it with.
 * Values are set through the struct, not the setters, so that list items
 * may be NULL (an encoder must then fail) as no setter allows.
 */
static inline struct tc_trunk *tg_trunk(struct tg_rng *r, unsigned *flags)
{
	char buf[256];
	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return NULL;
	*flags = tg_below(r, 16);
	unsigned bad_in = tg_below(r, 8) == 0 ? 12 : 0;
	switch (tg_below(r, 4)) {
	case 0:
		break;
	case 1:
		t->id = strdup(tg_string(r, buf, sizeof(buf), bad_in));
		break;
	default:
		snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-a%03x-%012llx", tg_below(r, 1u << 31),
		         tg_below(r, 0xffff), tg_below(r, 0xfff), tg_below(r, 0xfff),
		         (unsigned long long)(tg_next(r) & 0xffffffffffffull));
		t->id = strdup(buf);
	}
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		struct tc_value *v = &t->values[f];
		unsigned pick = tg_below(r, 8);
		if (pick == 0)
			continue; /* absent */
		v->state = pick == 1 ? TC_V_NULL : TC_V_SET;
		switch (tc_field(f)->type) {
		case TC_T_STRING:
			/* a null or absent value may still hold a string: it must not show */
			v->s = strdup(tg_string(r, buf, sizeof(buf), bad_in));
			break;
		case TC_T_INT:
			v->i = tg_int(r);
			break;
		case TC_T_BOOL:
			v->b = tg_below(r, 2);
			break;
		case TC_T_LIST: {
			size_t n = tg_below(r, 5);
			v->list.items = n ? calloc(n, sizeof(char *)) : NULL;
			for (size_t k = 0; v->list.items && k < n; k++)
				v->list.items[k] = strdup(tg_string(r, buf, sizeof(buf), bad_in));
			v->list.count = v->list.items ? n : 0;
			if (n && tg_below(r, 200) == 0) {
				free(v->list.items[n - 1]);
				v->list.items[n - 1] = NULL;
			}
			break;
		}
		}
	}
	const char *extra = tg_extras[tg_below(r, sizeof(tg_extras) / sizeof(*tg_extras))];
	if (extra && tg_below(r, 2) == 0)
		t->extra_json = strdup(extra);
	return t;
}

#endif
