/*
 * explicit_bzero, outside POSIX (glibc, the BSDs): a wipe of the secret that
 * the compiler may not drop as a store to memory about to be freed.
 */
#define _DEFAULT_SOURCE
#include "util.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void *tc_grow(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
	if (need <= *cap)
		return items;
	size_t n = *cap ? *cap : (first ? first : 1);
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *grown = realloc(items, n * size);
	if (grown)
		*cap = n;
	return grown;
}

bool tc_strdup_opt(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

/* A block's bytes follow its header; 16-byte aligned like malloc's. */
struct tc_arena_block {
	struct tc_arena_block *next;
	_Alignas(16) unsigned char data[];
};

/* Big enough that a fleet's texts take few blocks, small next to what they hold. */
#define ARENA_BLOCK (256u * 1024u)

void *tc_arena_alloc(struct tc_arena *a, size_t size, size_t align)
{
	size_t at = (a->used + align - 1) & ~(align - 1);
	if (!a->blocks || at > a->size || size > a->size - at) {
		size_t n = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		struct tc_arena_block *b = malloc(sizeof(*b) + n);
		if (!b)
			return NULL;
		b->next = a->blocks;
		a->blocks = b;
		a->size = n;
		at = 0;
	}
	a->used = at + size;
	return a->blocks->data + at;
}

const char *tc_arena_strdup(struct tc_arena *a, const char *s, bool *ok)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *copy = tc_arena_alloc(a, n, 1);
	if (!copy) {
		*ok = false;
		return NULL;
	}
	return memcpy(copy, s, n);
}

void tc_arena_free(struct tc_arena *a)
{
	if (!a)
		return;
	while (a->blocks) {
		struct tc_arena_block *next = a->blocks->next;
		free(a->blocks);
		a->blocks = next;
	}
	a->used = a->size = 0;
}

void tc_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

void tc_wipe_free(char *secret)
{
	if (!secret)
		return;
	tc_wipe(secret, strlen(secret));
	free(secret);
}

int64_t tc_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum tc_status tc_make_dirs(const char *dir, const char *what, struct tc_error *err)
{
	char *path = strdup(dir);
	if (!path)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc = TC_OK;
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(path, 0700) == 0) {
			/* the umask may have taken bits away; this dir is ours to set */
			chmod(path, 0700);
		} else if (errno != EEXIST) {
			rc = tc_error_set(err, TC_IO, "cannot create %s %s: %s", what, path,
			                  strerror(errno));
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(path);
	return rc;
}

void tc_user_and_host(char *user, size_t user_size, char *host, size_t host_size)
{
	struct passwd pw, *found = NULL;
	char buf[1024];
	uid_t uid = geteuid();
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found && found->pw_name)
		snprintf(user, user_size, "%s", found->pw_name);
	else
		snprintf(user, user_size, "uid %lu", (unsigned long)uid);
	if (host_size == 0)
		return;
	if (gethostname(host, host_size) != 0)
		host[0] = '\0';
	host[host_size - 1] = '\0'; /* POSIX leaves a cut name unterminated */
}

size_t tc_utf8_seq(const unsigned char *s, const unsigned char *end)
{
	unsigned char u = s[0];
	size_t n = u >= 0xC2 && u <= 0xDF   ? 2
	           : u >= 0xE0 && u <= 0xEF ? 3
	           : u >= 0xF0 && u <= 0xF4 ? 4
	                                    : 0;
	if (!n || (size_t)(end - s) < n)
		return 0;
	unsigned long cp = u & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
	for (size_t i = 1; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000))
		return 0;
	return n;
}

const char *tc_json_small_int(const char *p, const char *end, long long *out)
{
	bool neg = p < end && *p == '-';
	const char *digits = p + neg, *q = digits;
	long long v = 0;
	/* 18 digits cannot overflow a long long: no check needed */
	while (q < end && *q >= '0' && *q <= '9' && q - digits < 18)
		v = v * 10 + (*q++ - '0');
	if (q == digits || (*digits == '0' && q - digits > 1) ||
	    (q < end && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9'))))
		return NULL;
	*out = neg ? -v : v;
	return q;
}

char *tc_json_escape(char *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	while (s < end) {
		unsigned char c = *s;
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			*w++ = (char)*s++;
		} else if (c >= 0x80) {
			size_t k = tc_utf8_seq(s, end);
			if (!k)
				return NULL;
			memcpy(w, s, k);
			w += k;
			s += k;
		} else {
			*w++ = '\\';
			s++;
			switch (c) {
			case '"':
			case '\\':
				*w++ = (char)c;
				break;
			case '\b':
				*w++ = 'b';
				break;
			case '\f':
				*w++ = 'f';
				break;
			case '\n':
				*w++ = 'n';
				break;
			case '\r':
				*w++ = 'r';
				break;
			case '\t':
				*w++ = 't';
				break;
			default:
				memcpy(w, "u00", 3);
				w[3] = hex[c >> 4];
				w[4] = hex[c & 0xF];
				w += 5;
			}
		}
	}
	return w;
}
