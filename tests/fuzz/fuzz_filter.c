/*
 * libFuzzer target for the filter language (src/filter.c) and the store's
 * query built from it (src/store_filter.c). The input, up to its first NUL,
 * is one filter, as `list --filter`, `--where` and the TUI's "/" take it.
 *
 * Beyond not crashing or hanging, it checks what the callers rely on: every
 * term the parser hands out lies inside the filter and moves the position
 * on (the callers loop until the end); a refusal says where and why; a
 * filter tc_filter_is_plain calls plain is the one substring term the
 * store's fast path answers; and a filter the store's check accepts gives a
 * WHERE clause that fits its buffer and a query that runs, its regular
 * expressions over real search text, with and without smart case, while one
 * the check refuses is refused by the query too.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_private.h"
#include "trunkctl/filter.h"
#include "trunkctl/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/tc-fuzz-filter-XXXXXX";
static struct tc_store *store;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	tc_store_close(store);
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Three trunks whose search text has what filters look for: names, hosts, IPs, regions. */
static void add(const char *id, const char *name, const char *mode, const char *region,
                const char *ip, const char *host)
{
	struct tc_trunk *t = tc_trunk_new();
	struct tc_error err;
	tc_error_init(&err);
	const char *ips[] = {ip};
	if (!t || tc_trunk_set_string(t, TC_F_NAME, name) != TC_OK ||
	    tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, mode) != TC_OK ||
	    tc_trunk_set_string(t, TC_F_REGION, region) != TC_OK ||
	    tc_trunk_set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 1) != TC_OK ||
	    (host && tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, host) != TC_OK) ||
	    tc_store_create_local(store, id, t, &err) != TC_OK)
		abort();
	tc_trunk_destroy(t);
	tc_error_clear(&err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	struct tc_error err;
	tc_error_init(&err);
	if (!mkdtemp(dir))
		abort();
	struct tc_store_options o = {.dir = dir};
	if (tc_store_open(&o, &store, &err) != TC_OK)
		abort();
	atexit(cleanup);
	add("local-1", "Sample trunk 1", "ip_address", "hydrogen", "198.51.100.10", NULL);
	add("local-2", "PBX-a backup", "client_credentials", "helium", "203.0.113.2",
	    "pbx.example.com");
	add("local-3", "trunk 10", "outbound_registration", "helium", "203.0.113.3",
	    "sip.example.net");
	tc_error_clear(&err);
	return 0;
}

/* The parser's walk over the whole filter: the terms, or the refusal. */
static enum tc_status walk(const char *f, size_t len, size_t *terms, struct tc_filter_term *first)
{
	size_t pos = 0;
	*terms = 0;
	for (;;) {
		struct tc_filter_term t;
		bool found;
		struct tc_error err;
		tc_error_init(&err);
		size_t before = pos;
		enum tc_status rc = tc_filter_next(f, &pos, &t, &found, &err);
		if (rc != TC_OK) {
			if (rc != TC_USAGE || strncmp(err.message, "filter, at position ", 20) != 0)
				abort();
			tc_error_clear(&err);
			return rc;
		}
		tc_error_clear(&err);
		if (pos > len)
			abort();
		if (!found)
			return TC_OK;
		if (pos <= before || t.pos < before || t.pos >= pos)
			abort();
		if (t.len == 0 || t.value < f + t.pos || t.value + t.len > f + pos)
			abort();
		if (t.field != TC_FILTER_ANY && (t.field < 0 || t.field >= TC_FIELD_COUNT))
			abort();
		if (t.mode != TC_MODE_UNKNOWN &&
		    (t.regex || tc_field(t.field)->kind != TC_K_MODE || t.mode >= TC_MODE_COUNT))
			abort();
		if (t.field != TC_FILTER_ANY && (tc_field(t.field)->flags & TC_FF_SECRET))
			abort();
		if ((*terms)++ == 0)
			*first = t;
	}
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	/* an exact-size copy: reading past the filter's NUL is ASan's to catch */
	char *f = malloc(len + 1);
	if (!f)
		return 0;
	memcpy(f, data, len);
	f[len] = '\0';

	size_t terms;
	struct tc_filter_term first;
	enum tc_status parsed = walk(f, len, &terms, &first);

	if (tc_filter_is_plain(f)) {
		/*
		 * One substring term, the filter less its outer blanks (the store
		 * searches for the filter as typed, blanks and all, as it always did;
		 * a filter of blanks only is that substring too, and no term here).
		 */
		size_t lead = strspn(f, " \t\r\n"), end = len;
		while (end > lead && strchr(" \t\r\n", f[end - 1]))
			end--;
		if (parsed != TC_OK || terms != (lead < len))
			abort();
		if (terms && (first.negated || first.regex || first.field != TC_FILTER_ANY ||
		              first.value != f + lead || first.len != end - lead))
			abort();
	}

	/* as the command line (every term ignores case) and the TUI (smart case) ask */
	for (int smart = 0; smart < 2; smart++) {
		struct tc_error err;
		tc_error_init(&err);
		enum tc_status checked = store_filter_check(f, smart, &err);
		if (checked == TC_OK && parsed != TC_OK)
			abort();
		if (checked != TC_OK && (checked != TC_USAGE || !err.message[0]))
			abort();
		tc_error_clear(&err);
		if (checked == TC_OK) {
			char where[STORE_FILTER_WHERE_SIZE];
			store_filter_where(f, smart, 1, where, sizeof(where));
			/* not cut short, and one parameter a term (values are bound, never inlined)
			 */
			if (strlen(where) + 1 >= sizeof(where) || count_char(where, '?') != terms)
				abort();
		}
		struct tc_list_query q = {.filter = f, .case_sensitive = smart};
		size_t n = 0;
		enum tc_status rc = tc_store_count(store, &q, &n, &err);
		/* a plain filter skips the check: the fast path takes any text */
		if (checked == TC_OK || tc_filter_is_plain(f) ? rc != TC_OK || n > 3
		                                              : rc != checked) {
			fprintf(stderr, "the query says %s: %s\n", tc_status_name(rc), err.message);
			abort();
		}
		tc_error_clear(&err);
	}
	free(f);
	return 0;
}
