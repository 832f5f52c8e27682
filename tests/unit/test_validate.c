#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/countries.h"
#include "trunkctl/validate.h"

#define A "/data/attributes/"

/* SERVER-BEHAVIOUR.md §3.8, verbatim: not built from the table it checks. */
static const char country_title[] =
    "must be one of: AD, AE, AF, AG, AI, AL, AM, AO, AQ, AR, AS, AT, AU, AW, AX, AZ, BA, BB, BD, "
    "BE, BF, BG, BH, BI, BJ, BL, BM, BN, BO, BQ, BR, BS, BT, BV, BW, BY, BZ, CA, CC, CD, CF, CG, "
    "CH, CI, CK, CL, CM, CN, CO, CR, CU, CV, CW, CX, CY, CZ, DE, DJ, DK, DM, DO, DZ, EC, EE, EG, "
    "EH, ER, ES, ET, FI, FJ, FK, FM, FO, FR, GA, GB, GD, GE, GF, GG, GH, GI, GL, GM, GN, GP, GQ, "
    "GR, GS, GT, GU, GW, GY, HK, HM, HN, HR, HT, HU, ID, IE, IL, IM, IN, IO, IQ, IR, IS, IT, JE, "
    "JM, JO, JP, KE, KG, KH, KI, KM, KN, KP, KR, KW, KY, KZ, LA, LB, LC, LI, LK, LR, LS, LT, LU, "
    "LV, LY, MA, MC, MD, ME, MF, MG, MH, MK, ML, MM, MN, MO, MP, MQ, MR, MS, MT, MU, MV, MW, MX, "
    "MY, MZ, NA, NC, NE, NF, NG, NI, NL, NO, NP, NR, NU, NZ, OM, PA, PE, PF, PG, PH, PK, PL, PM, "
    "PN, PR, PS, PT, PW, PY, QA, RE, RO, RS, RU, RW, SA, SB, SC, SD, SE, SG, SH, SI, SJ, SK, SL, "
    "SM, SN, SO, SR, SS, ST, SV, SX, SY, SZ, TC, TD, TF, TG, TH, TJ, TK, TL, TM, TN, TO, TR, TT, "
    "TV, TW, TZ, UA, UG, UM, US, UY, UZ, VA, VC, VE, VG, VI, VN, VU, WF, WS, YE, YT, ZA, ZM, ZW";

static const char mode_title[] =
    "must be one of: ip_address, client_credentials, outbound_registration";

/* ---- helpers ---- */

static struct tc_trunk *trunk(const char *name, const char *mode, const char *region)
{
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_not_null(t);
	if (name)
		cr_assert_eq(tc_trunk_set_string(t, TC_F_NAME, name), TC_OK);
	if (mode)
		cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, mode), TC_OK);
	if (region)
		cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, region), TC_OK);
	return t;
}

static enum tc_status check(enum tc_validate_kind kind, const struct tc_trunk *t,
                            struct tc_field_errors *errs)
{
	struct tc_validate_ctx ctx;
	tc_validate_ctx_init(&ctx, kind, NULL, 0);
	return tc_validate_record(&ctx, t, errs);
}

static void expect(const struct tc_field_errors *errs, size_t i, enum tc_severity sev,
                   const char *pointer, const char *title)
{
	cr_assert_lt(i, errs->count, "no entry %zu (want %s %s)", i, pointer, title);
	const struct tc_field_error *e = &errs->items[i];
	cr_assert_str_eq(e->pointer, pointer, "entry %zu", i);
	cr_assert_str_eq(e->title, title, "entry %zu at %s", i, pointer);
	cr_assert_eq(e->severity, sev, "entry %zu: %s %s", i, pointer, title);
}

static void expect_error(const struct tc_field_errors *errs, size_t i, const char *pointer,
                         const char *title)
{
	expect(errs, i, TC_SEV_ERROR, pointer, title);
}

static void expect_count(const struct tc_field_errors *errs, size_t n)
{
	cr_assert_eq(errs->count, n, "%zu entries, first %s %s", errs->count,
	             errs->count ? errs->items[0].pointer : "",
	             errs->count ? errs->items[0].title : "");
}

/* Validates t and expects no entry at all, not even a warning. */
static void expect_clean(enum tc_validate_kind kind, const struct tc_trunk *t,
                         struct tc_field_errors *errs)
{
	cr_assert_eq(check(kind, t, errs), TC_OK);
	expect_count(errs, 0);
}

/* Validates t and expects exactly one entry. */
static const struct tc_field_error *only(enum tc_validate_kind kind, const struct tc_trunk *t,
                                         struct tc_field_errors *errs, enum tc_severity sev,
                                         const char *pointer, const char *title)
{
	enum tc_status rc = check(kind, t, errs);
	expect_count(errs, 1);
	expect(errs, 0, sev, pointer, title);
	cr_assert_eq(rc, sev == TC_SEV_ERROR ? TC_INVALID : TC_OK);
	return &errs->items[0];
}

/* A valid outbound_registration trunk: the mode with the most optional fields to vary. */
static struct tc_trunk *registering_trunk(void)
{
	struct tc_trunk *t = trunk("A", "outbound_registration", "hydrogen");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_USERNAME, "u"), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_PASSWORD, "p"), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, "pbx.example.com"), TC_OK);
	return t;
}

static void set_list(struct tc_trunk *t, enum tc_field_id f, const char *const *items, size_t n)
{
	cr_assert_eq(tc_trunk_set_list(t, f, items, n), TC_OK);
}

/* ---- context ---- */

Test(context, defaults_to_the_stub_regions_when_the_configuration_names_none)
{
	struct tc_validate_ctx ctx;
	size_t n;
	const struct tc_region *defaults = tc_default_regions(&n);
	tc_validate_ctx_init(&ctx, TC_VALIDATE_UPDATE, NULL, 0);
	cr_assert_eq(ctx.regions, defaults);
	cr_assert_eq(ctx.region_count, n);
	cr_assert_eq(ctx.kind, TC_VALIDATE_UPDATE);
}

Test(context, configured_regions_replace_the_defaults)
{
	static const struct tc_region mine[] = {{"lithium", "eu-west-1", "Ireland", 3, "1.2.3.4"}};
	struct tc_validate_ctx ctx;
	struct tc_field_errors errs = {0};
	tc_validate_ctx_init(&ctx, TC_VALIDATE_CREATE, mine, 1);
	struct tc_trunk *t = trunk("A", "ip_address", "lithium");
	cr_assert_eq(tc_validate_record(&ctx, t, &errs), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, "hydrogen"), TC_OK);
	cr_assert_eq(tc_validate_record(&ctx, t, &errs), TC_INVALID);
	expect_error(&errs, 0, A "region", "is invalid");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(context, bad_arguments_are_usage_errors)
{
	struct tc_validate_ctx ctx;
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	tc_validate_ctx_init(&ctx, TC_VALIDATE_CREATE, NULL, 0);
	cr_assert_eq(tc_validate_record(NULL, t, &errs), TC_USAGE);
	cr_assert_eq(tc_validate_record(&ctx, NULL, &errs), TC_USAGE);
	cr_assert_eq(tc_validate_record(&ctx, t, NULL), TC_USAGE);
	cr_assert_eq(tc_validate_field(&ctx, TC_FIELD_NONE, t, &errs), TC_USAGE);
	cr_assert_eq(tc_validate_field(&ctx, TC_FIELD_COUNT, t, &errs), TC_USAGE);
	cr_assert_eq(errs.count, 0);
	tc_trunk_destroy(t);
}

/* ---- create: schema ---- */

Test(create, minimal_ip_address_trunk_is_valid)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("My Trunk", "ip_address", "hydrogen");
	expect_clean(TC_VALIDATE_CREATE, t, &errs);
	tc_trunk_destroy(t);
}

Test(create, the_example_request_of_section_5_is_valid)
{
	static const char body[] =
	    "{\"name\":\"My Trunk\",\"authentication_mode\":\"ip_address\",\"region\":\"hydrogen\","
	    "\"max_channels\":30,\"inbound_country\":\"US\",\"inbound_source_ips\":[\"203.0.113."
	    "1\"],"
	    "\"outbound_host\":\"pbx.example.com:5060\",\"outbound_dial_string_prefix\":\"9\","
	    "\"outbound_national_dialing\":false,\"outbound_plus_prefix\":true,"
	    "\"outbound_route_prefixes\":[\"1855\"]}";
	struct tc_trunk *t = NULL;
	struct tc_error err;
	tc_error_init(&err);
	cr_assert_eq(tc_trunk_from_flat_json(body, sizeof(body) - 1, &t, &err), TC_OK);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &err.fields), TC_OK);
	cr_assert_eq(err.fields.count, 0);
	tc_error_clear(&err);
	tc_trunk_destroy(t);
}

Test(create, required_fields_absent_are_missing_in_schema_order)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = tc_trunk_new();
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 3);
	expect_error(&errs, 0, A "name", "is missing");
	expect_error(&errs, 1, A "authentication_mode", "is missing");
	expect_error(&errs, 2, A "region", "is missing");
	for (size_t i = 0; i < errs.count; i++) {
		cr_assert_not(errs.items[i].rule);
		cr_assert_eq(errs.items[i].index, -1);
	}
	cr_assert_eq(errs.items[0].field, TC_F_NAME);
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, empty_and_null_strings_must_be_filled)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("", "ip_address", "hydrogen");
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "name", "must be filled");
	tc_field_errors_finish(&errs);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_NAME), TC_OK);
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "name", "must be filled");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

/* Every attribute that is not nullable says "must be filled" for null; none for the others. */
Test(create, null_for_each_attribute_follows_the_table)
{
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field(f);
		if (fi->flags & TC_FF_READONLY)
			continue;
		struct tc_field_errors errs = {0};
		struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
		cr_assert_eq(tc_trunk_set_null(t, f), TC_OK);
		check(TC_VALIDATE_CREATE, t, &errs);
		char ptr[96];
		snprintf(ptr, sizeof(ptr), A "%s", fi->key);
		if (fi->flags & TC_FF_NULLABLE) {
			cr_assert_eq(errs.count, 0, "%s", fi->key);
		} else {
			cr_assert_eq(errs.count, 1, "%s: %zu entries", fi->key, errs.count);
			expect_error(&errs, 0, ptr,
			             fi->type == TC_T_LIST ? "must be a list, not null"
			                                   : "must be filled");
		}
		tc_field_errors_finish(&errs);
		tc_trunk_destroy(t);
	}
}

Test(create, authentication_mode_must_be_one_of_the_three_case_sensitively)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "IP_ADDRESS", "hydrogen");
	const struct tc_field_error *e =
	    only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "authentication_mode", mode_title);
	cr_assert_not(e->rule);
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, region_must_be_an_alias_case_sensitively)
{
	static const char *const bad[] = {"Hydrogen", "ap-southeast-1", "South East Asia",
	                                  " helium"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct tc_field_errors errs = {0};
		struct tc_trunk *t = trunk("A", "ip_address", bad[i]);
		const struct tc_field_error *e =
		    only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "region", "is invalid");
		cr_assert(e->rule);
		cr_assert_not_null(e->hint);
		tc_field_errors_finish(&errs);
		tc_trunk_destroy(t);
	}
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "helium");
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_OK);
	tc_trunk_destroy(t);
}

Test(create, empty_region_is_a_schema_error_and_skips_the_rule)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "");
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "region", "must be filled");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, max_channels_above_zero_and_within_the_servers_integer)
{
	static const long long bad[] = {0, -1, LLONG_MIN};
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, bad[i]), TC_OK);
		only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "max_channels",
		     "must be greater than 0");
		tc_field_errors_finish(&errs);
	}
	static const long long good[] = {1, 30, 2147483647LL};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, good[i]), TC_OK);
		cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_OK, "%lld", good[i]);
	}
	static const long long huge[] = {2147483648LL, LLONG_MAX};
	for (size_t i = 0; i < sizeof(huge) / sizeof(*huge); i++) {
		cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, huge[i]), TC_OK);
		const struct tc_field_error *e =
		    only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "max_channels",
		         "is too large for the server (at most 2147483647)");
		cr_assert_not_null(e->hint);
		tc_field_errors_finish(&errs);
	}
	tc_trunk_destroy(t);
}

Test(create, null_max_channels_explains_that_the_api_cannot_clear_it)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	cr_assert_eq(tc_trunk_set_null(t, TC_F_MAX_CHANNELS), TC_OK);
	const struct tc_field_error *e =
	    only(TC_VALIDATE_UPDATE, t, &errs, TC_SEV_ERROR, A "max_channels", "must be filled");
	cr_assert_not_null(strstr(e->hint, "leave max_channels out"));
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, inbound_country_lists_every_code_and_hints)
{
	static const char *const bad[] = {"us", "XK", "USA", "U", "ZZ"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct tc_field_errors errs = {0};
		struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
		cr_assert_eq(tc_trunk_set_string(t, TC_F_INBOUND_COUNTRY, bad[i]), TC_OK);
		const struct tc_field_error *e = only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR,
		                                      A "inbound_country", country_title);
		cr_assert_str_eq(e->hint, "two-letter ISO 3166 code in capitals, e.g. US");
		cr_assert_not(e->rule);
		tc_field_errors_finish(&errs);
		tc_trunk_destroy(t);
	}
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	for (size_t i = 0; i < TC_COUNTRY_COUNT; i++) {
		cr_assert_eq(tc_trunk_set_string(t, TC_F_INBOUND_COUNTRY, tc_country_code(i)),
		             TC_OK);
		cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_OK, "%s", tc_country_code(i));
	}
	cr_assert_eq(tc_trunk_set_string(t, TC_F_INBOUND_COUNTRY, ""), TC_OK);
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "inbound_country", "must be filled");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, country_title_fits_its_buffer_and_truncates_safely)
{
	char buf[TC_VALIDATE_COUNTRY_TITLE_SIZE];
	cr_assert_eq(tc_validate_country_title(buf, sizeof(buf)), strlen(country_title));
	cr_assert_str_eq(buf, country_title);
	char small[20];
	cr_assert_eq(tc_validate_country_title(small, sizeof(small)), sizeof(small) - 1);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(strncmp(small, country_title, sizeof(small) - 1), 0);
	cr_assert_eq(tc_validate_country_title(small, 0), 0);
}

Test(create, first_bad_ip_only_with_the_pointer_on_the_array)
{
	static const char *const ips[] = {"203.0.113.1", "999.1.1.1", "10.0.0.1/24", "::1"};
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 4);
	const struct tc_field_error *e =
	    only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "inbound_source_ips",
	         "contains invalid IP address: 999.1.1.1");
	cr_assert(e->rule);
	cr_assert_eq(e->index, -1);
	cr_assert_eq(e->field, TC_F_INBOUND_SOURCE_IPS);
	cr_assert_not_null(e->hint);
	tc_field_errors_finish(&errs);
	set_list(t, TC_F_INBOUND_SOURCE_IPS, ips + 3, 1);
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "inbound_source_ips",
	     "contains invalid IP address: ::1");
	tc_field_errors_finish(&errs);
	set_list(t, TC_F_INBOUND_SOURCE_IPS, NULL, 0);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_OK);
	static const char *const empty[] = {""};
	set_list(t, TC_F_INBOUND_SOURCE_IPS, empty, 1);
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "inbound_source_ips",
	     "contains invalid IP address: ");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, duplicate_ips_warn_at_each_repeat)
{
	static const char *const ips[] = {"1.1.1.1", "2.2.2.2", "1.1.1.1", "2.2.2.2", "1.1.1.1"};
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 5);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_OK);
	cr_assert_eq(errs.count, 3);
	expect(&errs, 0, TC_SEV_WARNING, A "inbound_source_ips/2", "duplicate IP address: 1.1.1.1");
	expect(&errs, 1, TC_SEV_WARNING, A "inbound_source_ips/3", "duplicate IP address: 2.2.2.2");
	expect(&errs, 2, TC_SEV_WARNING, A "inbound_source_ips/4", "duplicate IP address: 1.1.1.1");
	cr_assert_eq(errs.items[0].index, 2);
	cr_assert_not_null(errs.items[0].hint);
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, duplicates_in_a_long_list_match_the_short_list_rule)
{
	enum { N = 1000 };
	char(*buf)[16] = malloc(N * sizeof(*buf));
	const char **ips = malloc(N * sizeof(*ips));
	cr_assert(buf && ips);
	for (int i = 0; i < N; i++) {
		snprintf(buf[i], sizeof(buf[i]), "10.0.%d.%d", (i % 300) / 250, (i % 300) % 250);
		ips[i] = buf[i];
	}
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, N);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_OK);
	cr_assert_eq(errs.count, N - 300);
	for (size_t i = 0; i < errs.count; i++)
		cr_assert_eq(errs.items[i].index, (int)(300 + i));
	expect(&errs, 0, TC_SEV_WARNING, A "inbound_source_ips/300",
	       "duplicate IP address: 10.0.0.0");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
	free(ips);
	free(buf);
}

Test(create, default_sender_filled_and_warned_without_digits)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_DEFAULT_SENDER, ""), TC_OK);
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "default_sender", "must be filled");
	tc_field_errors_finish(&errs);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_DEFAULT_SENDER, "ACME"), TC_OK);
	const struct tc_field_error *e =
	    only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_WARNING, A "default_sender", "has no digits");
	cr_assert_not_null(e->hint);
	tc_field_errors_finish(&errs);
	static const char *const fine[] = {"+1 (415) 555-1234", "85512345678",
	                                   "sip:pbx@example.com"};
	for (size_t i = 0; i < sizeof(fine) / sizeof(*fine); i++) {
		cr_assert_eq(tc_trunk_set_string(t, TC_F_DEFAULT_SENDER, fine[i]), TC_OK);
		cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_OK);
		cr_assert_eq(errs.count, 0, "%s", fine[i]);
	}
	tc_trunk_destroy(t);
}

Test(create, dial_string_prefix_only_needs_to_be_filled)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_DIAL_STRING_PREFIX, "abc"), TC_OK);
	expect_clean(TC_VALIDATE_CREATE, t, &errs);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_DIAL_STRING_PREFIX, ""), TC_OK);
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "outbound_dial_string_prefix",
	     "must be filled");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, advisory_lengths_count_characters_and_only_warn)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = registering_trunk();
	/* 60 two-byte characters: 120 bytes, still within 60 characters. */
	char user[256] = "";
	for (int i = 0; i < 60; i++)
		strcat(user, "\xc3\xa9");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTH_USER, user), TC_OK);
	expect_clean(TC_VALIDATE_CREATE, t, &errs);
	strcat(user, "x");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTH_USER, user), TC_OK);
	const struct tc_field_error *e = only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_WARNING,
	                                      A "auth_user", "is longer than 60 characters");
	cr_assert_not_null(e->hint);
	tc_field_errors_finish(&errs);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_AUTH_USER), TC_OK);

	char proxy[128];
	memset(proxy, 'a', 101);
	memcpy(proxy + 97, ".com", 5);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_PROXY, proxy), TC_OK);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_OK);
	/* One 97-character label: also not a DNS name (labels stop at 63). */
	cr_assert_eq(errs.count, 2);
	expect(&errs, 0, TC_SEV_WARNING, A "outbound_proxy", "is not a host or host:port");
	expect(&errs, 1, TC_SEV_WARNING, A "outbound_proxy", "is longer than 100 characters");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, nullable_strings_accept_null_and_empty)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = registering_trunk();
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_PROXY, ""), TC_OK);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_AUTH_USER), TC_OK);
	expect_clean(TC_VALIDATE_CREATE, t, &errs);
	tc_trunk_destroy(t);
}

Test(create, outbound_host_syntax_is_a_warning)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, "pbx.example.com:99999"), TC_OK);
	const struct tc_field_error *e = only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_WARNING,
	                                      A "outbound_host", "is not a host or host:port");
	cr_assert_not_null(e->hint);
	tc_field_errors_finish(&errs);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, ""), TC_OK);
	only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_ERROR, A "outbound_host", "must be filled");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(create, client_credentials_username_without_password_warns)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "client_credentials", "hydrogen");
	expect_clean(TC_VALIDATE_CREATE, t, &errs);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_USERNAME, "alice"), TC_OK);
	const struct tc_field_error *e = only(TC_VALIDATE_CREATE, t, &errs, TC_SEV_WARNING,
	                                      A "password", "is empty although a username is set");
	cr_assert_not_null(e->hint);
	tc_field_errors_finish(&errs);
	expect_clean(TC_VALIDATE_UPDATE, t, &errs);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_PASSWORD, "secret"), TC_OK);
	expect_clean(TC_VALIDATE_CREATE, t, &errs);
	tc_trunk_destroy(t);
}

Test(create, booleans_and_lists_must_not_be_null)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	cr_assert_eq(tc_trunk_set_null(t, TC_F_OUTBOUND_PLUS_PREFIX), TC_OK);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_OUTBOUND_ROUTE_PREFIXES), TC_OK);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_INBOUND_SOURCE_IPS), TC_OK);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 3);
	expect_error(&errs, 0, A "inbound_source_ips", "must be a list, not null");
	expect_error(&errs, 1, A "outbound_plus_prefix", "must be filled");
	expect_error(&errs, 2, A "outbound_route_prefixes", "must be a list, not null");
	cr_assert_not_null(errs.items[0].hint);
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

/* ---- create: rules and order (SERVER-BEHAVIOUR.md §3.4) ---- */

Test(order, outbound_registration_requires_credentials_and_host_in_rule_order)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "outbound_registration", "hydrogen");
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 3);
	expect_error(&errs, 0, A "username", "is required for outbound_registration mode");
	expect_error(&errs, 1, A "password", "is required for outbound_registration mode");
	expect_error(&errs, 2, A "outbound_host", "is required for outbound_registration mode");
	for (size_t i = 0; i < 3; i++)
		cr_assert(errs.items[i].rule);
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(order, name_missing_plus_requirements_plus_region_as_the_spec_says)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk(NULL, "outbound_registration", "Hydrogen");
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 5);
	expect_error(&errs, 0, A "name", "is missing");
	expect_error(&errs, 1, A "username", "is required for outbound_registration mode");
	expect_error(&errs, 2, A "password", "is required for outbound_registration mode");
	expect_error(&errs, 3, A "outbound_host", "is required for outbound_registration mode");
	expect_error(&errs, 4, A "region", "is invalid");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(order, schema_errors_in_schema_order_then_rules_then_warnings)
{
	static const char *const ips[] = {"1.1.1.1", "01.1.1.1", "1.1.1.1"};
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("", "outbound_registration", "nowhere");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, "bad host"), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_PASSWORD, ""), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_INBOUND_COUNTRY, "kh"), TC_OK);
	cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, 0), TC_OK);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_OUTBOUND_NATIONAL_DIALING), TC_OK);
	set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 3);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_INVALID);
	size_t i = 0;
	/* schema: name 0, max_channels 3, inbound_country 4, password 8, national_dialing 13 */
	expect_error(&errs, i++, A "name", "must be filled");
	expect_error(&errs, i++, A "max_channels", "must be greater than 0");
	expect_error(&errs, i++, A "inbound_country", country_title);
	expect_error(&errs, i++, A "password", "must be filled");
	expect_error(&errs, i++, A "outbound_national_dialing", "must be filled");
	/* rules: username, (password skipped: schema error), region, inbound_source_ips */
	expect_error(&errs, i++, A "username", "is required for outbound_registration mode");
	expect_error(&errs, i++, A "region", "is invalid");
	expect_error(&errs, i++, A "inbound_source_ips", "contains invalid IP address: 01.1.1.1");
	expect(&errs, i++, TC_SEV_WARNING, A "outbound_host", "is not a host or host:port");
	expect(&errs, i++, TC_SEV_WARNING, A "inbound_source_ips/2",
	       "duplicate IP address: 1.1.1.1");
	cr_assert_eq(errs.count, i);
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

Test(order, requirement_rules_only_for_absent_keys_and_exact_mode)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("A", "outbound_registration", "hydrogen");
	cr_assert_eq(tc_trunk_set_null(t, TC_F_USERNAME), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_PASSWORD, ""), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, "pbx.example.com"), TC_OK);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 2);
	expect_error(&errs, 0, A "username", "must be filled");
	expect_error(&errs, 1, A "password", "must be filled");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);

	t = trunk("A", "Outbound_Registration", "hydrogen");
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 1);
	expect_error(&errs, 0, A "authentication_mode", mode_title);
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

/* ---- update (SERVER-BEHAVIOUR.md §3.5) ---- */

Test(update, nothing_is_required)
{
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = tc_trunk_new();
	expect_clean(TC_VALIDATE_UPDATE, t, &errs);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "outbound_registration"),
	             TC_OK);
	expect_clean(TC_VALIDATE_UPDATE, t, &errs);
	tc_trunk_destroy(t);
}

Test(update, attribute_rules_match_create)
{
	static const char *const ips[] = {"1.2.3"};
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk("", NULL, "helium ");
	set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 1);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_USERNAME), TC_OK);
	cr_assert_eq(check(TC_VALIDATE_UPDATE, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 4);
	expect_error(&errs, 0, A "name", "must be filled");
	expect_error(&errs, 1, A "username", "must be filled");
	expect_error(&errs, 2, A "region", "is invalid");
	expect_error(&errs, 3, A "inbound_source_ips", "contains invalid IP address: 1.2.3");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

/* ---- per field ---- */

Test(field, only_the_asked_field_is_reported)
{
	struct tc_validate_ctx ctx;
	tc_validate_ctx_init(&ctx, TC_VALIDATE_CREATE, NULL, 0);
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk(NULL, "outbound_registration", "bad");
	cr_assert_eq(tc_validate_field(&ctx, TC_F_MAX_CHANNELS, t, &errs), TC_OK);
	cr_assert_eq(errs.count, 0);
	cr_assert_eq(tc_validate_field(&ctx, TC_F_PASSWORD, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 1);
	expect_error(&errs, 0, A "password", "is required for outbound_registration mode");
	cr_assert_eq(tc_validate_field(&ctx, TC_F_NAME, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 2, "appends after what errs holds");
	expect_error(&errs, 1, A "name", "is missing");
	cr_assert_eq(tc_validate_field(&ctx, TC_F_CREATED_AT, t, &errs), TC_OK);
	cr_assert_eq(errs.count, 2);
	tc_field_errors_finish(&errs);

	cr_assert_eq(tc_trunk_set_string(t, TC_F_AUTHENTICATION_MODE, "ip_address"), TC_OK);
	cr_assert_eq(tc_validate_field(&ctx, TC_F_PASSWORD, t, &errs), TC_OK);
	cr_assert_eq(errs.count, 0);
	tc_trunk_destroy(t);
}

Test(field, typing_an_address_list_reports_error_then_warnings)
{
	static const char *const ips[] = {"1.1.1.1", "1.1.1.1", "1.1.1."};
	struct tc_validate_ctx ctx;
	tc_validate_ctx_init(&ctx, TC_VALIDATE_UPDATE, NULL, 0);
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = tc_trunk_new();
	set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 3);
	cr_assert_eq(tc_validate_field(&ctx, TC_F_INBOUND_SOURCE_IPS, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 2);
	expect_error(&errs, 0, A "inbound_source_ips", "contains invalid IP address: 1.1.1.");
	expect(&errs, 1, TC_SEV_WARNING, A "inbound_source_ips/1", "duplicate IP address: 1.1.1.1");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
}

/* The record's entries are exactly the union of the per-field entries. */
Test(field, record_is_the_union_of_fields)
{
	static const char *const ips[] = {"300.1.1.1", "1.1.1.1", "1.1.1.1"};
	struct tc_validate_ctx ctx;
	tc_validate_ctx_init(&ctx, TC_VALIDATE_CREATE, NULL, 0);
	struct tc_trunk *t = trunk(NULL, "outbound_registration", "x");
	set_list(t, TC_F_INBOUND_SOURCE_IPS, ips, 3);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_DEFAULT_SENDER, "none"), TC_OK);
	cr_assert_eq(tc_trunk_set_int(t, TC_F_MAX_CHANNELS, -3), TC_OK);
	cr_assert_eq(tc_trunk_set_null(t, TC_F_OUTBOUND_ROUTE_PREFIXES), TC_OK);
	struct tc_field_errors all = {0};
	cr_assert_eq(tc_validate_record(&ctx, t, &all), TC_INVALID);
	size_t sum = 0;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		struct tc_field_errors one = {0};
		tc_validate_field(&ctx, f, t, &one);
		for (size_t i = 0; i < one.count; i++) {
			bool found = false;
			for (size_t j = 0; j < all.count && !found; j++)
				found = strcmp(all.items[j].pointer, one.items[i].pointer) == 0 &&
				        strcmp(all.items[j].title, one.items[i].title) == 0;
			cr_assert(found, "%s %s", one.items[i].pointer, one.items[i].title);
		}
		sum += one.count;
		tc_field_errors_finish(&one);
	}
	cr_assert_eq(sum, all.count);
	cr_assert_eq(all.count, 10);
	tc_field_errors_finish(&all);
	tc_trunk_destroy(t);
}

Test(field, dependencies_follow_the_rules)
{
	cr_assert(tc_validate_depends_on(TC_F_USERNAME, TC_F_AUTHENTICATION_MODE));
	cr_assert(tc_validate_depends_on(TC_F_PASSWORD, TC_F_AUTHENTICATION_MODE));
	cr_assert(tc_validate_depends_on(TC_F_OUTBOUND_HOST, TC_F_AUTHENTICATION_MODE));
	cr_assert(tc_validate_depends_on(TC_F_PASSWORD, TC_F_USERNAME));
	cr_assert_not(tc_validate_depends_on(TC_F_NAME, TC_F_AUTHENTICATION_MODE));
	cr_assert_not(tc_validate_depends_on(TC_F_USERNAME, TC_F_PASSWORD));
	cr_assert_not(tc_validate_depends_on(TC_F_REGION, TC_F_REGION));
	cr_assert_not(tc_validate_depends_on(TC_FIELD_NONE, TC_F_NAME));
}

/* ---- sizes and text ---- */

Test(sizes, huge_strings_are_kept_whole)
{
	enum { BIG = 1 << 20 };
	char *s = malloc(BIG + 1);
	cr_assert_not_null(s);
	memset(s, '9', BIG);
	s[BIG] = '\0';
	struct tc_field_errors errs = {0};
	struct tc_trunk *t = trunk(s, "ip_address", "hydrogen");
	cr_assert_eq(tc_trunk_set_string(t, TC_F_DEFAULT_SENDER, s), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_DIAL_STRING_PREFIX, s), TC_OK);
	expect_clean(TC_VALIDATE_CREATE, t, &errs);

	const char *list[] = {s};
	set_list(t, TC_F_INBOUND_SOURCE_IPS, list, 1);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_OUTBOUND_HOST, s), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_REGION, s), TC_OK);
	cr_assert_eq(tc_trunk_set_string(t, TC_F_INBOUND_COUNTRY, s), TC_OK);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &errs), TC_INVALID);
	cr_assert_eq(errs.count, 4);
	expect_error(&errs, 0, A "inbound_country", country_title);
	expect_error(&errs, 1, A "region", "is invalid");
	cr_assert_eq(strlen(errs.items[2].title), strlen("contains invalid IP address: ") + BIG);
	expect(&errs, 3, TC_SEV_WARNING, A "outbound_host", "is not a host or host:port");
	tc_field_errors_finish(&errs);
	tc_trunk_destroy(t);
	free(s);
}

Test(sizes, utf8_names_are_fine)
{
	static const char *const names[] = {
	    "Phnom Penh \xe1\x9e\x97\xe1\x9f\x92\xe1\x9e\x93\xe1\x9f\x86", "\xe2\x98\x8e PBX",
	    "\xf0\x9f\x93\x9e", "Zo\xc3\xab's trunk"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		struct tc_field_errors errs = {0};
		struct tc_trunk *t = trunk(names[i], "ip_address", "hydrogen");
		expect_clean(TC_VALIDATE_CREATE, t, &errs);
		tc_trunk_destroy(t);
	}
}

Test(sizes, text_form_values_validate_like_typed_ones)
{
	struct tc_error err;
	tc_error_init(&err);
	struct tc_trunk *t = trunk("A", "ip_address", "hydrogen");
	cr_assert_eq(tc_value_from_text(TC_F_INBOUND_SOURCE_IPS, " 1.1.1.1 , 1.1.1.01",
	                                &t->values[TC_F_INBOUND_SOURCE_IPS], &err),
	             TC_OK);
	cr_assert_eq(tc_value_from_text(TC_F_MAX_CHANNELS, "", &t->values[TC_F_MAX_CHANNELS], &err),
	             TC_OK);
	cr_assert_eq(check(TC_VALIDATE_CREATE, t, &err.fields), TC_INVALID);
	cr_assert_eq(err.fields.count, 2);
	expect_error(&err.fields, 0, A "max_channels", "must be filled");
	expect_error(&err.fields, 1, A "inbound_source_ips",
	             "contains invalid IP address: 1.1.1.01");
	tc_error_clear(&err);
	tc_trunk_destroy(t);
}

/* ---- sort ---- */

static void add(struct tc_field_errors *e, int field, int index, enum tc_severity sev, bool rule,
                const char *pointer, const char *title)
{
	cr_assert_eq((rule ? tc_field_errors_add_rule : tc_field_errors_add)(e, field, index, sev,
	                                                                     pointer, title, NULL),
	             TC_OK);
}

Test(sort, document_errors_then_attributes_then_rules_then_warnings)
{
	struct tc_field_errors e = {0};
	add(&e, TC_F_REGION, -1, TC_SEV_ERROR, true, A "region", "is invalid");
	add(&e, TC_F_NAME, -1, TC_SEV_WARNING, false, A "name", "w");
	add(&e, TC_FIELD_NONE, -1, TC_SEV_ERROR, true, "/data/id", "is invalid");
	add(&e, TC_F_OUTBOUND_ROUTE_PREFIXES, 3, TC_SEV_ERROR, false, A "outbound_route_prefixes/3",
	    "must be a string");
	add(&e, TC_F_OUTBOUND_ROUTE_PREFIXES, 1, TC_SEV_ERROR, false, A "outbound_route_prefixes/1",
	    "must be a string");
	add(&e, TC_F_NAME, -1, TC_SEV_ERROR, false, A "name", "is missing");
	add(&e, TC_FIELD_NONE, -1, TC_SEV_ERROR, false, A "register_transport",
	    "must be one of: udp, tcp, tls");
	add(&e, TC_F_USERNAME, -1, TC_SEV_ERROR, true, A "username", "is required");
	add(&e, TC_FIELD_NONE, -1, TC_SEV_ERROR, false, "/data/type", "must be equal to sip_trunk");
	add(&e, TC_FIELD_NONE, -1, TC_SEV_ERROR, false, "/data", "is missing");
	add(&e, TC_FIELD_NONE, -1, TC_SEV_ERROR, false, "/data/attributes", "must be a hash");
	add(&e, TC_FIELD_NONE, -1, TC_SEV_ERROR, false, "/data/id", "must be a string");
	cr_assert_eq(tc_validate_sort(&e), TC_OK);
	static const char *const want[][2] = {
	    {"/data", "is missing"},
	    {"/data/type", "must be equal to sip_trunk"},
	    {"/data/id", "must be a string"},
	    {"/data/attributes", "must be a hash"},
	    {A "name", "is missing"},
	    {A "outbound_route_prefixes/1", "must be a string"},
	    {A "outbound_route_prefixes/3", "must be a string"},
	    {A "register_transport", "must be one of: udp, tcp, tls"},
	    {"/data/id", "is invalid"},
	    {A "username", "is required"},
	    {A "region", "is invalid"},
	    {A "name", "w"},
	};
	cr_assert_eq(e.count, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < e.count; i++) {
		cr_assert_str_eq(e.items[i].pointer, want[i][0], "entry %zu", i);
		cr_assert_str_eq(e.items[i].title, want[i][1], "entry %zu", i);
	}
	tc_field_errors_finish(&e);
}

Test(sort, long_lists_sort_stably)
{
	struct tc_field_errors e = {0};
	char title[16];
	for (int i = 0; i < 200; i++) {
		snprintf(title, sizeof(title), "t%03d", i);
		int f = i % 3 == 0 ? TC_F_NAME : TC_F_REGION;
		add(&e, f, -1, i % 2 ? TC_SEV_WARNING : TC_SEV_ERROR, false,
		    f == TC_F_NAME ? A "name" : A "region", title);
	}
	cr_assert_eq(tc_validate_sort(&e), TC_OK);
	for (size_t i = 1; i < e.count; i++) {
		const struct tc_field_error *a = &e.items[i - 1], *b = &e.items[i];
		cr_assert_leq(a->severity, b->severity);
		if (a->severity == b->severity && a->field == b->field)
			cr_assert_lt(strcmp(a->title, b->title), 0, "stable at %zu", i);
		if (a->severity == b->severity)
			cr_assert(!(a->field == TC_F_REGION && b->field == TC_F_NAME));
	}
	cr_assert_eq(tc_validate_sort(NULL), TC_OK);
	tc_field_errors_finish(&e);
}

/* ---- IPv4 (Resolv::IPv4::Regex) ---- */

struct ip_case {
	char in[40];
	bool ok;
};

ParameterizedTestParameters(ipv4, table)
{
	static struct ip_case cases[] = {
	    {"0.0.0.0", true},
	    {"255.255.255.255", true},
	    {"1.2.3.4", true},
	    {"10.0.0.1", true},
	    {"192.168.100.249", true},
	    {"203.0.113.1", true},
	    {"199.99.9.0", true},
	    {"256.1.1.1", false},
	    {"1.1.1.256", false},
	    {"999.1.1.1", false},
	    {"01.1.1.1", false},
	    {"1.1.1.01", false},
	    {"1.1.1.00", false},
	    {"00.0.0.0", false},
	    {"1.1.1", false},
	    {"1.1.1.1.1", false},
	    {"1.1.1.1/32", false},
	    {"10.0.0.0/8", false},
	    {"::1", false},
	    {"::ffff:1.2.3.4", false},
	    {" 1.1.1.1", false},
	    {"1.1.1.1 ", false},
	    {"1.1.1.1\n", false},
	    {"1..1.1", false},
	    {"1.1.1.", false},
	    {".1.1.1", false},
	    {"", false},
	    {"a.b.c.d", false},
	    {"1.1.1.1:5060", false},
	    {"0x1.1.1.1", false},
	    {"1.1.1.2555", false},
	    {"+1.1.1.1", false},
	    {"1,1,1,1", false},
	    {"260.0.0.0", false},
	    {"300.0.0.0", false},
	    {"1000.0.0.0", false},
	    {"\xd9\xa1.1.1.1", false},
	};
	return cr_make_param_array(struct ip_case, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct ip_case *c, ipv4, table)
{
	cr_assert_eq(tc_validate_ipv4(c->in), c->ok, "%s", c->in);
}

/* Every combination of interesting octets agrees with the Ruby regex, spelt in POSIX ERE. */
Test(ipv4, agrees_with_the_ruby_regex)
{
	static const char octet[] = "(0|1([0-9][0-9]?)?|2([0-4][0-9]?|5[0-5]?|[6-9])?|[3-9][0-9]?)";
	char pattern[512];
	snprintf(pattern, sizeof(pattern), "^%s\\.%s\\.%s\\.%s$", octet, octet, octet, octet);
	regex_t re;
	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	static const char *const parts[] = {"0",   "00",  "01",  "1",    "9",   "10",  "99",
	                                    "100", "199", "200", "249",  "250", "255", "256",
	                                    "260", "300", "999", "1000", "",    "a",   "1 "};
	enum { P = sizeof(parts) / sizeof(*parts) };
	char s[64];
	for (int a = 0; a < P; a++)
		for (int b = 0; b < P; b++)
			for (int d = 0; d < P; d++) {
				snprintf(s, sizeof(s), "%s.%s.7.%s", parts[a], parts[b], parts[d]);
				bool want = regexec(&re, s, 0, NULL, 0) == 0;
				cr_assert_eq(tc_validate_ipv4(s), want, "%s", s);
			}
	cr_assert_not(tc_validate_ipv4(NULL));
	regfree(&re);
}

/* ---- host:port ---- */

ParameterizedTestParameters(hostport, table)
{
	static struct ip_case cases[] = {
	    {"pbx.example.com", true},
	    {"pbx.example.com:5060", true},
	    {"pbx", true},
	    {"PBX-1.Example.com.", true},
	    {"_sip.example.com", true},
	    {"203.0.113.5", true},
	    {"203.0.113.5:1", true},
	    {"203.0.113.5:65535", true},
	    {"[2001:db8::1]", true},
	    {"[2001:db8::1]:5061", true},
	    {"[::ffff:1.2.3.4]:5060", true},
	    {"example.com:0", false},
	    {"example.com:65536", false},
	    {"example.com:", false},
	    {"example.com:50a", false},
	    {"example.com:-1", false},
	    {"example.com:123456", false},
	    {":5060", false},
	    {"", false},
	    {"sip:pbx.example.com", false},
	    {"pbx example.com", false},
	    {"-pbx.example.com", false},
	    {"pbx-.example.com", false},
	    {"pbx..example.com", false},
	    {".example.com", false},
	    {"999.1.1.1", false},
	    {"01.1.1.1:5060", false},
	    {"1.2.3", false},
	    {"2001:db8::1", false},
	    {"[2001:db8::1", false},
	    {"[]", false},
	    {"[2001:db8::1]5060", false},
	    {"[example.com]", false},
	    {"pbx.example.com/path", false},
	};
	return cr_make_param_array(struct ip_case, cases, sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct ip_case *c, hostport, table)
{
	cr_assert_eq(tc_validate_host_port(c->in), c->ok, "%s", c->in);
}

Test(hostport, name_and_label_limits)
{
	char s[300];
	memset(s, 'a', 63);
	strcpy(s + 63, ".com");
	cr_assert(tc_validate_host_port(s));
	memset(s, 'a', 64);
	strcpy(s + 64, ".com");
	cr_assert_not(tc_validate_host_port(s));
	/* 4 labels of 63 + 3 dots = 255 > 253 */
	for (int i = 0; i < 4; i++) {
		memset(s + i * 64, 'b', 63);
		s[i * 64 + 63] = '.';
	}
	s[4 * 64 - 1] = '\0';
	cr_assert_eq(strlen(s), 255);
	cr_assert_not(tc_validate_host_port(s));
	cr_assert_not(tc_validate_host_port(NULL));
}
