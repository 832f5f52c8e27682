/* The filter language: its parser, and the store answering it (src/filter.c, src/store_filter.c).
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_fixture.h"
#include "store_private.h"
#include "trunkctl/filter.h"
#include "trunkctl/store.h"

static char dir[64];
static struct fake_clock clk = {1700000000000};
static struct tc_store *store;
static struct tc_error err;

/* Six trunks: "trunk 1".."trunk 3" in hydrogen, "PBX-a" and two in helium, modes mixed. */
static void add(int i, const char *name, const char *region, const char *mode, const char *ip)
{
	struct tc_trunk *t = sample_trunk(name, ip);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, region), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, mode), TC_OK);
	char id[32];
	snprintf(id, sizeof(id), "local-%d", i);
	cr_assert_eq(tc_store_create_local(store, id, t, &err), TC_OK, "%s", err.message);
	tc_trunk_destroy(t);
}

static void setup(void)
{
	make_tmpdir(dir, sizeof(dir));
	tc_error_init(&err);
	struct tc_store_options o = {
	    .dir = dir, .clock = {fake_now, &clk}, .busy_timeout_ms = 10000};
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
	add(1, "trunk 10", "hydrogen", "ip_address", "198.51.100.10");
	add(2, "trunk 2", "hydrogen", "client_credentials", "203.0.113.2");
	add(3, "trunk 1", "hydrogen", "ip_address", "198.51.100.1");
	add(4, "PBX-a", "helium", "ip_address", "203.0.113.4");
	add(5, "pbx-b", "helium", "client_credentials", "203.0.113.5");
	add(6, "Office helium", "hydrogen", "ip_address", "203.0.113.6");
}

static void teardown(void)
{
	tc_store_close(store);
	tc_error_clear(&err);
	rm_tree(dir);
}

TestSuite(filter, .init = setup, .fini = teardown, .timeout = 60);

/* The names a filter lists, sorted by name, joined by ",". */
static const char *names(const char *filter, bool smart_case)
{
	static char buf[256];
	struct tc_list_query q = {
	    .filter = filter, .case_sensitive = smart_case, .sort = TC_F_NAME};
	struct tc_trunk_page page;
	cr_assert_eq(tc_store_list(store, &q, &page, &err), TC_OK, "%s: %s", filter, err.message);
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < page.count; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "," : "",
		                         tc_trunk_string(page.items[i].trunk, TC_F_NAME));
	size_t n;
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_OK);
	cr_assert_eq(n, page.total, "%s: count %zu, list total %zu", filter, n, page.total);
	cr_assert_eq(page.count, page.total, "%s", filter);
	tc_trunk_page_finish(&page);
	return buf;
}

Test(filter, plain_words_are_one_substring_as_before)
{
	cr_assert_str_eq(names("trunk 1", false), "trunk 1,trunk 10");
	cr_assert_str_eq(names("HELIUM", false), "Office helium,PBX-a,pbx-b");
	cr_assert(tc_filter_is_plain("trunk 1"));
	cr_assert(tc_filter_is_plain("-srv"), "a bare -word stays a substring");
	cr_assert(!tc_filter_is_plain("region:helium"));
	cr_assert(!tc_filter_is_plain("!x"));
}

Test(filter, a_filter_of_blanks_selects_every_trunk)
{
	/* taken as a substring, "  " listed only the names with a space */
	cr_assert_str_eq(names(" \t ", false),
	                 "Office helium,PBX-a,pbx-b,trunk 1,trunk 2,trunk 10");
	cr_assert(tc_filter_is_empty(NULL));
	cr_assert(tc_filter_is_empty(" \t\n"));
	cr_assert(!tc_filter_is_empty(" x "));
}

Test(filter, field_terms_and_negation)
{
	cr_assert_str_eq(names("region:helium", false), "PBX-a,pbx-b");
	cr_assert_str_eq(names("!helium", false), "trunk 1,trunk 2,trunk 10");
	cr_assert_str_eq(names("-region:helium", false), "Office helium,trunk 1,trunk 2,trunk 10");
	cr_assert_str_eq(names("mode:ip region:helium", false), "PBX-a");
	cr_assert_str_eq(names("mode:client_credentials", false), "pbx-b,trunk 2");
	cr_assert_str_eq(names("ip:198.51. name:10", false), "trunk 10");
	cr_assert_str_eq(names("trunk mode:client", false), "trunk 2");
	cr_assert_str_eq(names("\"trunk\" \"2\"", false), "trunk 2");
}

Test(filter, regex_terms)
{
	cr_assert_str_eq(names("/~^PBX-", false), "PBX-a,pbx-b");
	cr_assert_str_eq(names("/~^PBX-", true), "PBX-a", "smart case: a capital letter");
	cr_assert_str_eq(names("name:~\"^trunk [0-9]$\"", false), "trunk 1,trunk 2");
	cr_assert_str_eq(names("!/~^trunk", false), "Office helium,PBX-a,pbx-b");
}

Test(filter, smart_case_is_per_term)
{
	cr_assert_str_eq(names("PBX mode:ip", true), "PBX-a");
	cr_assert_str_eq(names("PBX mode:ip", false), "PBX-a");
}

static void refused(const char *filter, const char *says)
{
	size_t n;
	struct tc_list_query q = {.filter = filter};
	cr_assert_eq(tc_store_count(store, &q, &n, &err), TC_USAGE, "%s", filter);
	cr_assert(strstr(err.message, says), "%s: %s", filter, err.message);
	tc_error_clear(&err);
}

Test(filter, bad_filters_are_usage_errors_naming_the_position)
{
	refused("x /~[", "position 3: bad regular expression");
	refused("mode:sip", "not a mode");
	refused("password:x", "secret field");
	refused("region:", "no value after the field's name: region");
	refused("name:\"open", "quote is not closed");
	refused("outbound_plus_prefix:maybe", "takes true or false");
	refused("/~ a", "regular expression is empty");
	cr_assert_eq(tc_filter_check("a b c !d", true, &err), TC_OK);
}

Test(filter, booleans_and_aliases)
{
	cr_assert_str_eq(names("outbound_plus_prefix:no trunk 1", false), "trunk 1,trunk 10");
	cr_assert_str_eq(names("country:zz", false), "");
}

/*
 * What tests/fuzz/fuzz_filter.c found: regexes glibc would compile into
 * gigabytes (each stacked '+' doubles it) or for seconds (copies of an
 * element that matches nothing, "J+*" then '+'s), and one that the check compiled
 * case-sensitively (a capital letter) while the command line's query, which
 * ignores case, could not compile it and failed as a store error.
 */
Test(filter, regexes_that_would_stall_are_refused)
{
	refused("/~li/~i/-mu~9++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
	        "+++++++++++\n~m\n/",
	        "position 1: a regular expression repeats too much");
	refused("name:~a{1000}{1000}", "more than 500 pieces");
	refused("name:~a{,1000}{,1000}", "more than 500 pieces");
	refused("/~((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+", "repeats too much");
	refused("x /~(.*)\\1", "position 3: a regular expression cannot use back-references");
	refused("/~((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))",
	        "nests groups more than 32 deep");
	/* within the bounds: a bracket's "\\1" is two characters, not a back-reference */
	cr_assert_str_eq(names("name:~[\\1]", false), "trunk 1,trunk 10");
	cr_assert_str_eq(names("ip:~^([0-9]{1,3}\\.){3}[0-9]{1,3}$", false),
	                 "Office helium,PBX-a,pbx-b,trunk 1,trunk 2,trunk 10");
	cr_assert_str_eq(names("name:~^t(r(u(n(k)+)+)+)+.1$", false), "trunk 1");
	refused("/~J+*++++++++++++);", "repeats too much");
	refused("/~a{501}", "repeats too much");
	cr_assert_eq(tc_filter_check("/~a{500}", false, &err), TC_OK, "%s", err.message);
}

Test(filter, the_check_compiles_as_the_query_does)
{
	/* glibc refuses the range "Z-a" only when it ignores case */
	refused("/~[Z-a]", "position 1: bad regular expression");
	cr_assert_eq(tc_filter_check("/~[Z-a]", true, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(names("name:~[Z-a]", true), "PBX-a");
	cr_assert_eq(tc_filter_check("/~[Z-a]", false, &err), TC_USAGE);
	tc_error_clear(&err);
}

Test(filter, every_alias_names_its_field)
{
	enum tc_field_id f;
	size_t n = 0;
	for (const char *alias; (alias = tc_filter_alias(n, &f)) != NULL; n++) {
		char text[64];
		/* mode takes a mode's name; every other field a substring */
		snprintf(text, sizeof(text), "%s:%s", alias,
		         f == TC_F_AUTHENTICATION_MODE ? "ip" : "x");
		struct tc_filter_term term;
		size_t pos = 0;
		bool found;
		cr_assert_eq(tc_filter_next(text, &pos, &term, &found, &err), TC_OK, "%s: %s", text,
		             err.message);
		cr_assert(found);
		cr_assert_eq(term.field, (int)f, "%s", text);
		cr_assert_neq(strcmp(alias, tc_field(f)->key), 0, "%s is already a key", alias);
	}
	/* trunkctl(1)'s list (FILTERS) is generated from them: tests/cli/man_gen.c */
	cr_assert_gt(n, 0);
}

Test(filter, natural_keys_order_numbers_by_value)
{
	const char *in_order[] = {
	    "",  "a",       "a 5",      "A1",        "a2",         "a10",          "a10b",
	    "b", "trunk 2", "trunk 10", "x99999999", "x123456789", "x855123456789"};
	size_t n = sizeof(in_order) / sizeof(in_order[0]);
	for (size_t i = 0; i + 1 < n; i++) {
		char *x = store_natural_key(in_order[i]), *y = store_natural_key(in_order[i + 1]);
		cr_assert(x && y);
		cr_assert_lt(strcmp(x, y), 0, "%s (%s) < %s (%s)", in_order[i], x, in_order[i + 1],
		             y);
		free(x);
		free(y);
	}
	char *a = store_natural_key("Trunk 007"), *b = store_natural_key("trunk 7");
	cr_assert_str_eq(a, b, "case and leading zeros aside, the same key");
	free(a);
	free(b);
}

Test(filter, names_sort_naturally_and_an_old_name_index_is_rebuilt)
{
	cr_assert_str_eq(names("trunk", false), "trunk 1,trunk 2,trunk 10");
	char path[160];
	snprintf(path, sizeof(path), "%s", tc_store_path(store));
	tc_store_close(store);
	store = NULL;
	/* as a store written before natural sorting: no sort keys, the name indexed */
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
	                          "DROP INDEX trunks_n_name;"
	                          "ALTER TABLE trunks DROP COLUMN n_name;"
	                          "ALTER TABLE trunks DROP COLUMN n_outbound_host;"
	                          "ALTER TABLE trunks DROP COLUMN n_outbound_proxy;"
	                          "CREATE INDEX trunks_f_name ON trunks (f_name, id);"
	                          "UPDATE meta SET value = 'old' WHERE key = 'derived_sig';",
	                          NULL, NULL, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	struct tc_store_options o = {
	    .dir = dir, .clock = {fake_now, &clk}, .busy_timeout_ms = 10000};
	cr_assert_eq(tc_store_open(&o, &store, &err), TC_OK, "%s", err.message);
	cr_assert_str_eq(names("trunk", false), "trunk 1,trunk 2,trunk 10");
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(db,
	                                "SELECT group_concat(name) FROM sqlite_master WHERE name "
	                                "LIKE 'trunks_%_name'",
	                                -1, &st, NULL),
	             SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "trunks_n_name",
	                 "the key's index replaces the name's");
	sqlite3_finalize(st);
	/* the file needs nothing of trunkctl's to be checked by another tool */
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* the lookup by name goes through the rebuilt index and still ignores nothing but case */
	char *ids[4];
	size_t n;
	cr_assert_eq(tc_store_find_by_name(store, "trunk 2", ids, 4, &n, &err), TC_OK);
	cr_assert_eq(n, 1);
	free(ids[0]);
	cr_assert_eq(tc_store_find_by_name(store, "trunk 02", ids, 4, &n, &err), TC_OK);
	cr_assert_eq(n, 0, "the same key, another name");
	cr_assert_eq(tc_store_find_by_name(store, "PBX-a", ids, 4, &n, &err), TC_OK);
	cr_assert_eq(n, 1);
	free(ids[0]);
}

/*
 * A typed filter reads every trunk's search text, but leaves it out of the
 * page cache: the TUI filters as the operator types, and a cache that kept
 * the text made its memory grow with the store.
 */
Test(filter, a_filter_does_not_keep_the_search_text_in_memory)
{
	enum { N = 8000 };
	struct tc_trunk **page = calloc(N, sizeof(*page));
	for (int i = 0; i < N; i++) {
		char id[40], name[40], host[96];
		snprintf(id, sizeof(id), "srv-%05d", i);
		snprintf(name, sizeof(name), "bulk trunk %05d", i);
		snprintf(host, sizeof(host), "sip-%05d.a-long-carrier-domain.example.net:5060", i);
		page[i] = server_trunk(id, name, "198.51.100.7");
		cr_assert_eq(tc_trunk_set_string(page[i], TC_F_OUTBOUND_HOST, host), TC_OK);
	}
	int64_t gen;
	cr_assert_eq(tc_store_pull_begin(store, &gen, &err), TC_OK, "%s", err.message);
	cr_assert_eq(tc_store_pull_page(store, gen, page, N, &err), TC_OK, "%s", err.message);
	for (int i = 0; i < N; i++)
		tc_trunk_destroy(page[i]);
	free(page);
	int64_t text = 0;
	cr_assert_eq(
	    store_pragma_int(store, "SELECT sum(length(text)) FROM search_blocks", &text, &err),
	    TC_OK);
	/* as the TUI asks: a window and its total */
	const char *filters[] = {"carrier-domain", "no such text"};
	for (int i = 0; i < 2; i++) {
		struct tc_list_query q = {.filter = filters[i], .sort = TC_F_NAME, .limit = 50};
		struct tc_trunk_page p;
		cr_assert_eq(tc_store_list(store, &q, &p, &err), TC_OK, "%s", err.message);
		cr_assert_eq(p.total, i == 0 ? (size_t)N : 0, "%s", filters[i]);
		tc_trunk_page_finish(&p);
	}
	int used = 0, high = 0;
	cr_assert_eq(sqlite3_db_status(store->db, SQLITE_DBSTATUS_CACHE_USED, &used, &high, 0),
	             SQLITE_OK);
	cr_assert_lt(used, text / 2, "%d bytes of cache for %lld of text", used, (long long)text);
	int64_t kib = 0;
	cr_assert_eq(store_pragma_int(store, "PRAGMA cache_size", &kib, &err), TC_OK);
	cr_assert_eq(kib, -DEFAULT_CACHE_KIB, "the cache is back to its size for other queries");
}
