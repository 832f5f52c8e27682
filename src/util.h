/*
 * Small helpers the core's modules share, so each is written once: growing
 * an array, copying an optional string, packing many small allocations in
 * an arena, making directories, reading the monotonic clock.
 */
#ifndef TRUNKCTL_SRC_UTIL_H
#define TRUNKCTL_SRC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/error.h"

/*
 * items (an array of *cap elements of size bytes) grown to hold at least
 * need, doubling from first: the new array (*cap updated), or NULL when the
 * size overflows or memory runs out, items and *cap then as they were.
 */
void *tc_grow(void *items, size_t *cap, size_t need, size_t size, size_t first);

/* *dst = a copy of src, or NULL when src is NULL; false only when out of memory. */
bool tc_strdup_opt(char **dst, const char *src);

/*
 * Many small allocations made in blocks and freed at once: a malloc each
 * would cost its own header and scatter them over the heap. Start from
 * {0}; allocations stay where they are until tc_arena_free.
 */
struct tc_arena {
	struct tc_arena_block *blocks; /* the newest first */
	size_t used, size;             /* of the newest block's bytes */
};

/* size bytes aligned to align (a power of two up to 16), or NULL when out of memory. */
void *tc_arena_alloc(struct tc_arena *a, size_t size, size_t align);
/* A copy of s in the arena; NULL when s is NULL or memory runs out (then *ok is false). */
const char *tc_arena_strdup(struct tc_arena *a, const char *s, bool *ok);
void tc_arena_free(struct tc_arena *a); /* back to {0}; accepts NULL */

/*
 * Overwrites n bytes in a way the compiler may not drop: a secret must not
 * linger in freed memory.
 */
void tc_wipe(void *p, size_t n);
/* Wipes the string, then frees it; accepts NULL. */
void tc_wipe_free(char *secret);

/*
 * Creates dir and its missing parents, each new one 0700 whatever the umask.
 * what names the directory in the TC_IO message ("the data directory").
 */
enum tc_status tc_make_dirs(const char *dir, const char *what, struct tc_error *err);

/*
 * Length of the UTF-8 sequence that starts at s (a byte of 0x80 or more)
 * and ends by end, as jansson accepts one (no overlong form, no surrogate,
 * nothing past U+10FFFF), or 0: what the JSON readers and writer that stand
 * in for jansson check, so that they refuse what it refuses.
 */
size_t tc_utf8_seq(const unsigned char *s, const unsigned char *end);

/* Milliseconds of CLOCK_MONOTONIC: for durations, never for dates. */
int64_t tc_monotonic_ms(void);

/*
 * Who is running this: the login name of the effective user ("uid N" when
 * the password database has none) and the host name ("" when unknown).
 */
void tc_user_and_host(char *user, size_t user_size, char *host, size_t host_size);

/*
 * A JSON integer of at most 18 digits at p (before end), as jansson reads
 * one that fits: the end of its digits with *out its value, or NULL when
 * the text there is no such integer (a real, a leading zero, more digits)
 * and is left to jansson's reading.
 */
const char *tc_json_small_int(const char *p, const char *end, long long *out);

/*
 * The n bytes of UTF-8 at s as json_dumps writes them inside a string:
 * '"', '\\' and control characters escaped in jansson's spelling, all else
 * as is. w needs room for 6 * n bytes. The end of what was written, or NULL
 * when s is not UTF-8.
 */
char *tc_json_escape(char *w, const char *s, size_t n);

#endif
