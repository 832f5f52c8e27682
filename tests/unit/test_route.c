/* The routing replay against the golden cases of doc/routing.md (each from
 * Somleng's, its switch's or LocalSip's code), then what the platform leaves
 * undefined, an empty fleet and hostile input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunk_fixture.h"
#include "trunkctl/phony.h"
#include "trunkctl/route.h"
#include "trunkctl/route_diff.h"

#define HOST "outbound_host=sip.example.com"
#define IP_MODE "authentication_mode=ip_address"

/* ---- helpers ---- */

static char *format(const char *number, bool national, bool plus)
{
	char *out = NULL;
	cr_assert_eq(tc_route_format_number(number, national, plus, &out, NULL), TC_OK, "%s",
	             number);
	return out;
}

static void expect_format(const char *number, bool national, bool plus, const char *want)
{
	char *got = format(number, national, plus);
	cr_expect_str_eq(got, want, "format_number(%s)", number);
	free(got);
}

/* The upstream switch's DialString#to_s: "sofia/PROFILE/ADDRESS". */
static void expect_upstream(const struct tc_routing_params *p, const char *dest, const char *want)
{
	char *address = NULL;
	cr_assert_eq(tc_route_address(p, dest, &address, NULL), TC_OK);
	cr_assert(address, "%s: no address", dest);
	char got[512];
	snprintf(got, sizeof(got), "sofia/%s/%s", p->sip_profile ? p->sip_profile : "nat_gateway",
	         address);
	cr_expect_str_eq(got, want);
	free(address);
}

static void expect_dial(const struct tc_trunk *t, const char *dest, const char *want)
{
	struct tc_route_trunk v;
	tc_route_trunk_view(t, &v);
	struct tc_routing_params p;
	tc_routing_params_of(&v, &p);
	char *got = NULL;
	cr_assert_eq(tc_route_dial_string(&p, dest, &got, NULL), TC_OK);
	if (want)
		cr_expect_str_eq(got, want);
	else
		cr_expect_null(got);
	free(got);
}

static struct tc_routing_params host_params(void)
{
	return (struct tc_routing_params){.mode = TC_MODE_IP_ADDRESS, .host = "sip.example.com"};
}

/* ---- dial string: the switch's specs ---- */

Test(dial_golden, plain_destination)
{
	struct tc_routing_params p = host_params();
	expect_upstream(&p, "855716100987", "sofia/nat_gateway/855716100987@sip.example.com");
}

Test(dial_golden, prefix_and_plus)
{
	struct tc_routing_params p = host_params();
	p.dial_string_prefix = "1234";
	p.plus_prefix = true;
	expect_upstream(&p, "855716100987", "sofia/nat_gateway/+1234855716100987@sip.example.com");
}

Test(dial_golden, national_cambodia)
{
	struct tc_routing_params p = host_params();
	p.national_dialing = true;
	expect_upstream(&p, "855716100987", "sofia/nat_gateway/0716100987@sip.example.com");
}

Test(dial_golden, national_united_states)
{
	struct tc_routing_params p = host_params();
	p.national_dialing = true;
	expect_upstream(&p, "16505130514", "sofia/nat_gateway/6505130514@sip.example.com");
}

Test(dial_golden, client_gateway_with_prefix_and_national)
{
	struct tc_routing_params p = {.mode = TC_MODE_CLIENT_CREDENTIALS,
	                              .dial_string_prefix = "1",
	                              .national_dialing = true};
	/* the location lookup is called with the formatted destination */
	expect_format("8562092960310", true, false, "02092960310");
	expect_upstream(&p, "8562092960310",
	                "sofia/nat_gateway/102092960310@" TC_ROUTE_REGISTERED_CONTACT);
}

Test(dial_golden, explicit_address_and_profile)
{
	char *got = NULL;
	cr_assert_eq(tc_route_sip_dial_string("1234@192.168.1.1", NULL, &got, NULL), TC_OK);
	cr_expect_str_eq(got, "{sofia_suppress_url_encoding=true,sip_invite_domain=192.168.1.1}"
	                      "sofia/nat_gateway/1234@192.168.1.1");
	free(got);
	cr_assert_eq(tc_route_sip_dial_string("1234@192.168.1.1", "test", &got, NULL), TC_OK);
	cr_expect(strstr(got, "}sofia/test/1234@192.168.1.1") != NULL, "%s", got);
	free(got);
}

Test(dial_golden, format_number_cases)
{
	expect_format("+855 (716)-100-987", true, false, "0716100987");
	expect_format("+16505130514", true, false, "6505130514");
	expect_format("+855 (716)-100-987", false, true, "+855716100987");
	expect_format("1393", false, true, "1393");
}

Test(dial_golden, outbound_call_caller_id)
{
	struct tc_routing_params p = {.mode = TC_MODE_IP_ADDRESS, .host = "27.109.112.141"};
	expect_upstream(&p, "85516701721", "sofia/nat_gateway/85516701721@27.109.112.141");
	expect_format("2442", false, false, "2442");
	p.national_dialing = true;
	expect_upstream(&p, "85516701721", "sofia/nat_gateway/016701721@27.109.112.141");
	expect_format("85523238265", true, false, "023238265");
}

Test(dial_golden, client_gateway_plus)
{
	struct tc_routing_params p = {.mode = TC_MODE_CLIENT_CREDENTIALS, .plus_prefix = true};
	char *address = NULL;
	cr_assert_eq(tc_route_address(&p, "85516701721", &address, NULL), TC_OK);
	cr_expect_eq(strncmp(address, "+85516701721@", 13), 0, "%s", address);
	cr_expect_gt(strlen(address), 13);
	free(address);
}

Test(dial_golden, dial_verb_caller_id_on_national_trunk)
{
	struct tc_routing_params p = {.mode = TC_MODE_IP_ADDRESS,
	                              .host = "sip.example.com",
	                              .national_dialing = true,
	                              .sip_profile = "test"};
	expect_upstream(&p, "+855715100860", "sofia/test/0715100860@sip.example.com");
	expect_format("85523238265", true, false, "023238265");
	expect_format("85523238265", false, false, "85523238265");
}

/* ---- dial string: LocalSip's DialString#to_s ---- */

Test(dial_localsip, ip_address_trunk_keeps_the_port)
{
	struct tc_trunk *t =
	    fx_trunk("t1", NULL, IP_MODE, "outbound_host=pbx.example.com:5060", (char *)NULL);
	expect_dial(t, "855716100987",
	            "{sofia_suppress_url_encoding=true,sip_invite_domain=pbx.example.com}"
	            "sofia/nat_gateway/855716100987@pbx.example.com:5060");
	tc_trunk_destroy(t);
}

Test(dial_localsip, outbound_registration_through_its_gateway)
{
	const char *uuid = "0b5e8a8e-1f7c-4f3c-9c1e-6a2b8f0d4e21";
	struct tc_trunk *t =
	    fx_trunk(uuid, NULL, "authentication_mode=outbound_registration",
	             "outbound_host=pbx.example.com:5060", "outbound_national_dialing=true",
	             "outbound_plus_prefix=true", "outbound_dial_string_prefix=99", (char *)NULL);
	expect_dial(
	    t, "855716100987",
	    "{sip_invite_req_uri=sip:0716100987@pbx.example.com,sip_invite_domain="
	    "pbx.example.com}sofia/gateway/0b5e8a8e-1f7c-4f3c-9c1e-6a2b8f0d4e21/0716100987");
	tc_trunk_destroy(t);
}

Test(dial_localsip, plus_with_national_dials_plus_zero)
{
	struct tc_trunk *t = fx_trunk("t1", NULL, IP_MODE, HOST, "outbound_national_dialing=true",
	                              "outbound_plus_prefix=true", (char *)NULL);
	expect_dial(t, "855716100987",
	            "{sofia_suppress_url_encoding=true,sip_invite_domain=sip.example.com}"
	            "sofia/nat_gateway/+0716100987@sip.example.com");
	tc_trunk_destroy(t);
}

Test(dial_localsip, implausible_numbers_pass_through)
{
	/* Phony does not find 855971234567 plausible: it keeps its country code */
	struct tc_trunk *t =
	    fx_trunk("t1", NULL, IP_MODE, HOST, "outbound_national_dialing=true", (char *)NULL);
	expect_dial(t, "855971234567",
	            "{sofia_suppress_url_encoding=true,sip_invite_domain=sip.example.com}"
	            "sofia/nat_gateway/855971234567@sip.example.com");
	tc_trunk_destroy(t);
}

Test(dial_localsip, no_host_no_dial_string)
{
	struct tc_trunk *t = fx_trunk("t1", NULL, IP_MODE, (char *)NULL);
	expect_dial(t, "855716100987", NULL);
	tc_trunk_destroy(t);
}

Test(dial_hostile, too_many_digits)
{
	char *out = (char *)1;
	char big[100];
	memset(big, '5', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_expect_eq(tc_route_format_number(big, false, false, &out, NULL), TC_INVALID);
	cr_expect_null(out);
	expect_format("", false, true, "");
	expect_format("abc", true, true, "");
}

/* ---- selection ---- */

struct fleet {
	struct tc_trunk *t[8];
	size_t n;
	struct tc_route_trunk v[8]; /* what the index reads of t */
	struct tc_route_table *tb;
};

static void fleet_build(struct fleet *f)
{
	fx_views(f->t, f->n, f->v);
	cr_assert_eq(tc_route_table_build(f->v, f->n, &f->tb, NULL), TC_OK);
}

static void fleet_free(struct fleet *f)
{
	tc_route_table_destroy(f->tb);
	for (size_t i = 0; i < f->n; i++)
		tc_trunk_destroy(f->t[i]);
}

static struct tc_route_answer route(struct fleet *f, const char *to,
                                    const struct tc_route_trunk *pinned)
{
	struct tc_route_answer a;
	struct tc_route_query q = {.to = to, .pinned = pinned};
	cr_assert_eq(tc_route_select(f->tb, &q, &a, NULL), TC_OK, "%s", to);
	return a;
}

static void expect_route(struct fleet *f, const char *to, const struct tc_route_trunk *pinned,
                         enum tc_route_match match, const struct tc_route_trunk *trunk)
{
	struct tc_route_answer a = route(f, to, pinned);
	cr_expect_eq(a.match, match, "%s: %s", to, tc_route_match_name(a.match));
	cr_expect_eq(a.trunk, trunk, "%s: trunk", to);
	tc_route_answer_finish(&a);
}

Test(select_golden, pinned_trunk_wins)
{
	struct fleet f = {.t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE, HOST, (char *)NULL),
	                        fx_trunk("T2", "2026-01-02T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=855", (char *)NULL)},
	                  .n = 2};
	fleet_build(&f);
	expect_route(&f, "855715100970", &f.v[0], TC_ROUTE_PINNED, &f.v[0]);
	fleet_free(&f);
}

Test(select_golden, one_trunk_nothing_pinned)
{
	struct fleet f = {
	    .t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE, HOST, (char *)NULL)}, .n = 1};
	fleet_build(&f);
	expect_route(&f, "855715100970", NULL, TC_ROUTE_FALLBACK, &f.v[0]);
	fleet_free(&f);
}

Test(select_golden, longest_prefix_wins)
{
	struct fleet f = {
	    {fx_trunk("catch-all", "2026-01-01T00:00:00Z", IP_MODE, HOST, (char *)NULL),
	     fx_trunk("wide", "2026-01-02T00:00:00Z", IP_MODE, HOST,
	              "outbound_route_prefixes=85571,85597", (char *)NULL),
	     fx_trunk("narrow", "2026-01-03T00:00:00Z", IP_MODE, HOST,
	              "outbound_route_prefixes=8557151", (char *)NULL)},
	    .n = 3};
	fleet_build(&f);
	struct tc_route_answer a = route(&f, "855715100970", NULL);
	cr_expect_eq(a.match, TC_ROUTE_PREFIX);
	cr_expect_eq(a.trunk, &f.v[2]);
	cr_expect_str_eq(a.prefix, "8557151");
	tc_route_answer_finish(&a);
	fleet_free(&f);
}

Test(select_golden, unmatched_prefix_is_none)
{
	struct fleet f = {.t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=85512", (char *)NULL)},
	                  .n = 1};
	fleet_build(&f);
	expect_route(&f, "855715100970", NULL, TC_ROUTE_NONE, NULL);
	/* the request spec: "+855 16 701 721" is refused the same way */
	expect_route(&f, "+855 16 701 721", NULL, TC_ROUTE_NONE, NULL);
	fleet_free(&f);
}

Test(select_golden, ip_address_trunk_without_host_is_none)
{
	struct fleet f = {.t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE, (char *)NULL)},
	                  .n = 1};
	fleet_build(&f);
	expect_route(&f, "855715100970", NULL, TC_ROUTE_NONE, NULL);
	fleet_free(&f);
}

Test(select_golden, allowed_calling_codes_split)
{
	/* DestinationRules compares Phony.split(destination)[0] with the account's list */
	char cc[4];
	cr_assert_eq(tc_phony_split("855715100970", cc, sizeof cc), TC_PHONY_OK);
	cr_expect_str_eq(cc, "855");
	cr_assert_eq(tc_phony_split("61434333222", cc, sizeof cc), TC_PHONY_OK);
	cr_expect_str_eq(cc, "61");
}

Test(select_golden, request_spec_two_trunks_and_a_sip_address)
{
	struct fleet f = {
	    .t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE, "outbound_host=27.109.112.141",
	                   "outbound_route_prefixes=85516", "outbound_national_dialing=true",
	                   (char *)NULL),
	          fx_trunk("T2", "2026-01-02T00:00:00Z", IP_MODE, "outbound_host=175.100.7.240",
	                   "outbound_route_prefixes=85571", (char *)NULL)},
	    .n = 2};
	fleet_build(&f);
	expect_route(&f, "+855 16 701 721", NULL, TC_ROUTE_PREFIX, &f.v[0]);
	expect_route(&f, "+855 715 100 722", NULL, TC_ROUTE_PREFIX, &f.v[1]);
	struct tc_route_answer a = route(&f, " sip:example.com:5080 ", NULL);
	cr_expect_eq(a.match, TC_ROUTE_NONE);
	cr_expect_null(a.trunk);
	cr_expect_str_eq(a.sip_address, "example.com:5080");
	tc_route_answer_finish(&a);
	fleet_free(&f);
}

Test(select_golden, pinned_without_host_fails_without_fallback)
{
	struct fleet f = {
	    .t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE, (char *)NULL),
	          fx_trunk("T2", "2026-01-02T00:00:00Z", IP_MODE, HOST, (char *)NULL)},
	    .n = 2};
	fleet_build(&f);
	struct tc_route_answer a = route(&f, "855715100970", &f.v[0]);
	cr_expect_eq(a.match, TC_ROUTE_NONE);
	cr_expect_not_null(a.why_none);
	tc_route_answer_finish(&a);
	fleet_free(&f);
}

Test(select, client_credentials_can_dial_out)
{
	struct fleet f = {{fx_trunk("C", "2026-01-01T00:00:00Z",
	                            "authentication_mode=client_credentials", (char *)NULL)},
	                  .n = 1};
	fleet_build(&f);
	expect_route(&f, "855715100970", NULL, TC_ROUTE_FALLBACK, &f.v[0]);
	fleet_free(&f);
}

Test(select, via_names_the_trunk)
{
	struct fleet f = {.t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE, HOST, (char *)NULL),
	                        fx_trunk("T2", "2026-01-02T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=1", (char *)NULL)},
	                  .n = 2};
	fleet_build(&f);
	struct tc_route_answer a;
	struct tc_route_query q = {.to = "855715100970", .via = &f.v[1]};
	cr_assert_eq(tc_route_select(f.tb, &q, &a, NULL), TC_OK);
	cr_expect_eq(a.match, TC_ROUTE_VIA);
	cr_expect_eq(a.trunk, &f.v[1]);
	tc_route_answer_finish(&a);
	fleet_free(&f);
}

Test(select_undefined, same_prefix_on_two_trunks_is_ambiguous)
{
	struct fleet f = {.t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=855,85571", (char *)NULL),
	                        fx_trunk("B", "2026-01-02T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=85571", (char *)NULL),
	                        fx_trunk("C", "2026-01-03T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=8557", (char *)NULL)},
	                  .n = 3};
	fleet_build(&f);
	struct tc_route_answer a = route(&f, "855715100970", NULL);
	cr_expect_eq(a.match, TC_ROUTE_AMBIGUOUS);
	cr_expect_null(a.trunk);
	cr_expect_str_eq(a.prefix, "85571");
	cr_assert_eq(a.ncandidates, 2);
	cr_expect_eq(a.candidates[0], &f.v[0]);
	cr_expect_eq(a.candidates[1], &f.v[1]);
	tc_route_answer_finish(&a);
	/* other destinations fall to the unique shorter prefixes */
	expect_route(&f, "855720000000", NULL, TC_ROUTE_PREFIX, &f.v[2]);
	expect_route(&f, "855800000000", NULL, TC_ROUTE_PREFIX, &f.v[0]);
	fleet_free(&f);
}

Test(select_undefined, a_trunk_listing_a_prefix_twice_is_not_a_tie)
{
	struct fleet f = {.t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=855,855", (char *)NULL)},
	                  .n = 1};
	fleet_build(&f);
	expect_route(&f, "855715100970", NULL, TC_ROUTE_PREFIX, &f.v[0]);
	fleet_free(&f);
}

Test(select_undefined, several_fallbacks_are_ambiguous)
{
	struct fleet f = {.t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST, (char *)NULL),
	                        fx_trunk("B", "2026-01-02T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=[]", (char *)NULL),
	                        fx_trunk("C", "2026-01-03T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=61", (char *)NULL)},
	                  .n = 3};
	fleet_build(&f);
	struct tc_route_answer a = route(&f, "855715100970", NULL);
	cr_expect_eq(a.match, TC_ROUTE_AMBIGUOUS);
	cr_expect_null(a.prefix);
	cr_expect_eq(a.ncandidates, 2);
	tc_route_answer_finish(&a);
	expect_route(&f, "61434333222", NULL, TC_ROUTE_PREFIX, &f.v[2]);
	fleet_free(&f);
}

Test(select_undefined, non_digit_prefixes_never_match)
{
	struct fleet f = {.t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	                                 "outbound_route_prefixes=+855", (char *)NULL),
	                        fx_trunk("B", "2026-01-02T00:00:00Z", IP_MODE, HOST, (char *)NULL)},
	                  .n = 2};
	fleet_build(&f);
	expect_route(&f, "+855715100970", NULL, TC_ROUTE_FALLBACK, &f.v[1]);
	fleet_free(&f);
}

Test(select_edge, empty_fleet)
{
	struct fleet f = {.t = {NULL}, .n = 0};
	fleet_build(&f);
	expect_route(&f, "855715100970", NULL, TC_ROUTE_NONE, NULL);
	struct tc_inbound_answer in;
	cr_assert_eq(tc_route_inbound(f.tb, "1.1.1.1", &in, NULL), TC_OK);
	cr_expect_null(in.trunk);
	tc_inbound_answer_finish(&in);
	fleet_free(&f);
	tc_route_table_destroy(NULL);
	tc_route_answer_finish(NULL);
	tc_inbound_answer_finish(NULL);
}

Test(select_edge, hostile_destinations)
{
	struct fleet f = {.t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST, (char *)NULL)},
	                  .n = 1};
	fleet_build(&f);
	const char *bad[] = {"", "abc", "+ - ()", NULL};
	for (size_t i = 0; i < 3; i++) {
		struct tc_route_answer a;
		struct tc_route_query q = {.to = bad[i]};
		struct tc_error err;
		tc_error_init(&err);
		cr_expect_eq(tc_route_select(f.tb, &q, &a, &err), TC_INVALID, "%s", bad[i]);
		tc_error_clear(&err);
	}
	struct tc_route_query q = {.to = NULL};
	struct tc_route_answer a;
	cr_expect_eq(tc_route_select(f.tb, &q, &a, NULL), TC_INVALID);
	char big[80];
	memset(big, '8', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	q.to = big;
	cr_expect_eq(tc_route_select(f.tb, &q, &a, NULL), TC_INVALID);
	fleet_free(&f);
}

/* ---- selection: the index against the rule, on generated fleets ---- */

#define GEN_TRUNKS 40
#define GEN_PREFIXES 4
#define GEN_TEXT 80
/* created_at takes (i * 7 + n) % 60 seconds: distinct for fewer than 60 trunks */
_Static_assert(GEN_TRUNKS < 60, "the generated trunks need distinct ages");

struct gen_fleet {
	char prefix_text[GEN_TRUNKS][GEN_PREFIXES][GEN_TEXT];
	const char *prefixes[GEN_TRUNKS][GEN_PREFIXES];
	char created[GEN_TRUNKS][32];
	char id[GEN_TRUNKS][24];
	struct tc_route_trunk v[GEN_TRUNKS];
	size_t n;
};

/*
 * Lengths around what the index treats apart: the empty prefix, the 17
 * digits its keys hold as a number, the 64 a destination may have, and
 * past that (never matched).
 */
static size_t gen_length(unsigned *seed)
{
	static const size_t edges[] = {0, 1, 2, 3, 16, 17, 18, 19, 20, 40, 63, 64, 65, 70};
	if (rand_r(seed) % 2)
		return edges[(size_t)rand_r(seed) % (sizeof(edges) / sizeof(*edges))];
	return (size_t)rand_r(seed) % 8;
}

/* Few distinct digits, so that prefixes nest in each other and repeat across trunks. */
static void gen_digits(char *out, size_t len, unsigned *seed)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (char)('1' + rand_r(seed) % 2);
	out[len] = '\0';
}

static void gen_fleet(struct gen_fleet *g, unsigned *seed)
{
	memset(g, 0, sizeof(*g));
	g->n = 1 + (size_t)rand_r(seed) % GEN_TRUNKS;
	for (size_t i = 0; i < g->n; i++) {
		struct tc_route_trunk *t = &g->v[i];
		snprintf(g->id[i], sizeof(g->id[i]), "t%zu", i);
		/* distinct times in a shuffled order: the index must hand out age order */
		snprintf(g->created[i], sizeof(g->created[i]), "2026-01-01T00:00:%02uZ",
		         (unsigned)((i * 7 + g->n) % 60));
		*t = (struct tc_route_trunk){.id = g->id[i],
		                             .created_at = g->created[i],
		                             .mode = TC_MODE_IP_ADDRESS,
		                             .outbound_host =
		                                 rand_r(seed) % 5 ? "sip.example.com" : NULL,
		                             .route_prefixes = g->prefixes[i]};
		t->nroute_prefixes = (size_t)rand_r(seed) % (GEN_PREFIXES + 1);
		for (size_t k = 0; k < t->nroute_prefixes; k++) {
			char *p = g->prefix_text[i][k];
			if (k > 0 && rand_r(seed) % 6 == 0) /* a trunk listing one twice */
				strcpy(p, g->prefix_text[i][k - 1]);
			else if (rand_r(seed) % 12 == 0) /* never matched: not digits only */
				strcpy(p, rand_r(seed) % 2 ? "+1" : "12a");
			else
				gen_digits(p, gen_length(seed), seed);
			g->prefixes[i][k] = p;
		}
	}
}

static bool gen_all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The rule as doc/routing.md states it, by a scan of every (trunk, prefix) pair. */
static void gen_expected(const struct gen_fleet *g, const char *to, size_t *best_len,
                         const struct tc_route_trunk **want, size_t *nwant)
{
	bool any = false;
	*nwant = 0;
	*best_len = 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct tc_route_trunk *t = &g->v[i];
		if (!tc_route_outbound_capable(t))
			continue;
		for (size_t k = 0; k < t->nroute_prefixes; k++) {
			const char *p = t->route_prefixes[k];
			size_t len = strlen(p);
			if (!gen_all_digits(p) || strncmp(p, to, len) != 0 ||
			    (any && len < *best_len))
				continue;
			if (!any || len > *best_len)
				*nwant = 0;
			any = true;
			*best_len = len;
			bool listed = false;
			for (size_t w = 0; w < *nwant; w++)
				listed = listed || want[w] == t;
			if (!listed)
				want[(*nwant)++] = t;
		}
	}
	if (!any)
		for (size_t i = 0; i < g->n; i++)
			if (tc_route_outbound_capable(&g->v[i]) && g->v[i].nroute_prefixes == 0)
				want[(*nwant)++] = &g->v[i];
	/* candidates come oldest first */
	for (size_t a = 1; a < *nwant; a++)
		for (size_t b = a;
		     b > 0 && strcmp(want[b - 1]->created_at, want[b]->created_at) > 0; b--) {
			const struct tc_route_trunk *swap = want[b];
			want[b] = want[b - 1];
			want[b - 1] = swap;
		}
	if (!any)
		*best_len = (size_t)-1;
}

/* A destination under one of the fleet's prefixes, or any digits. */
static void gen_destination(const struct gen_fleet *g, char *to, unsigned *seed)
{
	const struct tc_route_trunk *t = &g->v[(size_t)rand_r(seed) % g->n];
	size_t len = 0;
	if (t->nroute_prefixes && rand_r(seed) % 4) {
		const char *p = t->route_prefixes[(size_t)rand_r(seed) % t->nroute_prefixes];
		len = strlen(p) <= TC_ROUTE_MAX_DIGITS && gen_all_digits(p) ? strlen(p) : 0;
		memcpy(to, p, len);
	}
	size_t more = (size_t)rand_r(seed) % 24;
	if (len + more > TC_ROUTE_MAX_DIGITS)
		more = TC_ROUTE_MAX_DIGITS - len;
	if (len + more == 0)
		more = 1;
	gen_digits(to + len, more, seed);
}

Test(select_index, agrees_with_the_rule_on_generated_fleets)
{
	unsigned seed = 20261206;
	struct gen_fleet *g = malloc(sizeof(*g));
	cr_assert(g);
	size_t prefix_matches = 0, ties = 0, long_matches = 0;
	for (int round = 0; round < 300; round++) {
		gen_fleet(g, &seed);
		struct tc_route_table *tb;
		cr_assert_eq(tc_route_table_build(g->v, g->n, &tb, NULL), TC_OK);
		for (int q = 0; q < 40; q++) {
			char to[TC_ROUTE_MAX_DIGITS + 1];
			gen_destination(g, to, &seed);
			const struct tc_route_trunk *want[GEN_TRUNKS];
			size_t nwant, best_len;
			gen_expected(g, to, &best_len, want, &nwant);
			struct tc_route_answer a;
			struct tc_route_query query = {.to = to};
			cr_assert_eq(tc_route_select(tb, &query, &a, NULL), TC_OK, "%s", to);
			cr_assert_eq(a.ncandidates, nwant, "round %d, %s: %zu candidates, want %zu",
			             round, to, a.ncandidates, nwant);
			for (size_t w = 0; w < nwant; w++)
				cr_assert_eq(a.candidates[w], want[w],
				             "round %d, %s: candidate %zu", round, to, w);
			if (best_len == (size_t)-1) {
				cr_assert_null(a.prefix, "round %d, %s", round, to);
			} else {
				cr_assert(a.prefix && strlen(a.prefix) == best_len &&
				              strncmp(a.prefix, to, best_len) == 0,
				          "round %d, %s: prefix %s, want %zu digits", round, to,
				          a.prefix ? a.prefix : "(none)", best_len);
				prefix_matches++;
				ties += nwant > 1;
				long_matches += best_len > 17;
			}
			enum tc_route_match match = nwant > 1                ? TC_ROUTE_AMBIGUOUS
			                            : nwant == 0             ? TC_ROUTE_NONE
			                            : best_len == (size_t)-1 ? TC_ROUTE_FALLBACK
			                                                     : TC_ROUTE_PREFIX;
			cr_assert_eq(a.match, match, "round %d, %s: %s", round, to,
			             tc_route_match_name(a.match));
			cr_assert_eq(a.trunk, nwant == 1 ? want[0] : NULL, "round %d, %s", round,
			             to);
			tc_route_answer_finish(&a);
		}
		tc_route_table_destroy(tb);
	}
	free(g);
	/* the generator reaches what it is there for */
	cr_expect_gt(prefix_matches, 2000);
	cr_expect_gt(ties, 100);
	cr_expect_gt(long_matches, 100);
}

/* ---- inbound ---- */

static struct tc_inbound_answer inbound(struct fleet *f, const char *ip)
{
	struct tc_inbound_answer a;
	cr_assert_eq(tc_route_inbound(f->tb, ip, &a, NULL), TC_OK, "%s", ip);
	return a;
}

static void expect_inbound(struct fleet *f, const char *ip, const struct tc_route_trunk *trunk)
{
	struct tc_inbound_answer a = inbound(f, ip);
	cr_expect_eq(a.trunk, trunk, "%s", ip);
	tc_inbound_answer_finish(&a);
}

static void expect_normal(const struct tc_trunk *t, const char *number, const char *want)
{
	struct tc_route_trunk v;
	tc_route_trunk_view(t, &v);
	char *got = NULL;
	cr_assert_eq(tc_route_normalize(&v, number, &got, NULL), TC_OK);
	cr_expect_str_eq(got, want, "%s", number);
	free(got);
}

Test(inbound_golden, exact_ip_match)
{
	struct fleet f = {
	    .t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE,
	                   "inbound_source_ips=89.0.142.86,89.0.142.87", (char *)NULL)},
	    .n = 1};
	fleet_build(&f);
	expect_inbound(&f, "89.0.142.86", &f.v[0]);
	expect_inbound(&f, "89.0.142.87", &f.v[0]);
	expect_inbound(&f, "89.0.142.88", NULL);
	expect_inbound(&f, "175.100.7.240", NULL);
	fleet_free(&f);
}

Test(inbound_golden, oldest_trunk_wins)
{
	/* listed newest first, as the Carrier API lists them */
	struct fleet f = {.t = {fx_trunk("T2", "2026-01-02T00:00:00Z", IP_MODE,
	                                 "inbound_source_ips=89.0.142.86", (char *)NULL),
	                        fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE,
	                                 "inbound_source_ips=89.0.142.86", (char *)NULL)},
	                  .n = 2};
	fleet_build(&f);
	struct tc_inbound_answer a = inbound(&f, "89.0.142.86");
	cr_expect_eq(a.trunk, &f.v[1]);
	cr_expect_not(a.ambiguous);
	cr_assert_eq(a.nshadowed, 1);
	cr_expect_eq(a.shadowed[0], &f.v[0]);
	tc_inbound_answer_finish(&a);
	fleet_free(&f);
}

Test(inbound_golden, cambodia_normalises_caller_not_short_code)
{
	struct tc_trunk *t = fx_trunk("KH", NULL, "inbound_country=KH", (char *)NULL);
	expect_normal(t, "068308531", "85568308531");
	expect_normal(t, "1294", "1294");
	expect_normal(t, "068308532", "85568308532");
	tc_trunk_destroy(t);
}

Test(inbound_golden, laos)
{
	struct tc_trunk *t = fx_trunk("LA", NULL, "inbound_country=LA", (char *)NULL);
	expect_normal(t, "02092960310", "8562092960310");
	expect_normal(t, "02092960314", "8562092960314");
	tc_trunk_destroy(t);
}

Test(inbound_golden, mexico_two_digit_prefix)
{
	struct tc_trunk *t = fx_trunk("MX", NULL, "inbound_country=MX", (char *)NULL);
	expect_normal(t, "018188888888", "528188888888");
	tc_trunk_destroy(t);
}

Test(inbound_golden, no_inbound_country_leaves_numbers)
{
	struct tc_trunk *t = fx_trunk("none", NULL, (char *)NULL);
	expect_normal(t, "8188888888", "8188888888");
	expect_normal(t, "16189124649", "16189124649");
	expect_normal(t, "16189124650", "16189124650");
	tc_trunk_destroy(t);
}

Test(inbound_golden, invalid_and_duplicate_ips_are_dropped)
{
	struct fleet f = {
	    .t = {fx_trunk("T1", "2026-01-01T00:00:00Z", IP_MODE,
	                   "inbound_source_ips=96.9.66.256,1.1.1.1,1.1.1.1,2.2.2.2,3.3.3.3",
	                   (char *)NULL)},
	    .n = 1};
	fleet_build(&f);
	struct tc_inbound_answer a = inbound(&f, "1.1.1.1");
	cr_expect_eq(a.trunk, &f.v[0]);
	cr_expect_eq(a.nshadowed, 0);
	tc_inbound_answer_finish(&a);
	expect_inbound(&f, "2.2.2.2", &f.v[0]);
	expect_inbound(&f, "3.3.3.3", &f.v[0]);
	cr_expect_eq(tc_route_inbound(f.tb, "96.9.66.256", &a, NULL), TC_INVALID);
	fleet_free(&f);
}

Test(inbound, country_table_quirks)
{
	const char *cc, *np;
	cr_assert(tc_route_country("BR", &cc, &np));
	cr_expect_str_eq(cc, "55");
	cr_expect_str_eq(np, "014");
	cr_assert(tc_route_country("ES", &cc, &np));
	cr_expect_str_eq(np, "None");
	cr_expect_not(tc_route_country("XK", &cc, &np));
	cr_expect_not(tc_route_country(NULL, &cc, &np));
	struct tc_trunk *es = fx_trunk("ES", NULL, "inbound_country=ES", (char *)NULL);
	expect_normal(es, "0912345678", "0912345678");
	struct tc_trunk *us = fx_trunk("US", NULL, "inbound_country=US", (char *)NULL);
	expect_normal(us, "16505130514", "16505130514");
	/* Georgia's "8*" and the empty prefixes match everywhere */
	struct tc_trunk *ge = fx_trunk("GE", NULL, "inbound_country=GE", (char *)NULL);
	expect_normal(ge, "8832123456", "99532123456");
	expect_normal(ge, "32123456", "99532123456");
	struct tc_trunk *gg = fx_trunk("GG", NULL, "inbound_country=GG", (char *)NULL);
	expect_normal(gg, "441481123456", "44441481123456");
	tc_trunk_destroy(es);
	tc_trunk_destroy(us);
	tc_trunk_destroy(ge);
	tc_trunk_destroy(gg);
}

Test(inbound_undefined, same_age_is_ambiguous)
{
	struct fleet f = {.t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE,
	                                 "inbound_source_ips=10.0.0.1", (char *)NULL),
	                        fx_trunk("B", "2026-01-01T00:00:00Z", IP_MODE,
	                                 "inbound_source_ips=10.0.0.1", (char *)NULL),
	                        fx_trunk("C", "2026-01-03T00:00:00Z", IP_MODE,
	                                 "inbound_source_ips=10.0.0.1", (char *)NULL)},
	                  .n = 3};
	fleet_build(&f);
	struct tc_inbound_answer a = inbound(&f, "10.0.0.1");
	cr_expect(a.ambiguous);
	cr_expect_null(a.trunk);
	cr_expect_eq(a.ncandidates, 2);
	cr_assert_eq(a.nshadowed, 1);
	cr_expect_eq(a.shadowed[0], &f.v[2]);
	tc_inbound_answer_finish(&a);
	fleet_free(&f);
}

Test(inbound, a_local_create_is_newer_than_server_trunks)
{
	struct fleet f = {
	    .t = {fx_trunk("local-1", NULL, IP_MODE, "inbound_source_ips=10.0.0.1", (char *)NULL),
	          fx_trunk("B", "2026-01-05T00:00:00Z", IP_MODE, "inbound_source_ips=10.0.0.1",
	                   (char *)NULL)},
	    .n = 2};
	fleet_build(&f);
	expect_inbound(&f, "10.0.0.1", &f.v[1]);
	fleet_free(&f);
}

Test(inbound, hostile_ips)
{
	struct fleet f = {.t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE,
	                                 "inbound_source_ips=10.0.0.1", (char *)NULL)},
	                  .n = 1};
	fleet_build(&f);
	const char *bad[] = {"",          "1.2.3",  "01.2.3.4", "1.2.3.4 ",    "256.1.1.1",
	                     "1.2.3.4.5", "1..2.3", "-1.2.3.4", "10.0.0.1/32", "::1",
	                     "1.2.3.1000"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tc_inbound_answer a;
		cr_expect_eq(tc_route_inbound(f.tb, bad[i], &a, NULL), TC_INVALID, "'%s'", bad[i]);
	}
	struct tc_inbound_answer a;
	cr_expect_eq(tc_route_inbound(f.tb, NULL, &a, NULL), TC_INVALID);
	expect_inbound(&f, "10.0.0.1", &f.v[0]);
	fleet_free(&f);
}

/* ---- what changes do ---- */

Test(compare, a_prefix_changes_hands_and_findings_come_and_go)
{
	struct fleet before = {
	    .t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	                   "outbound_route_prefixes=855", (char *)NULL),
	          fx_trunk("B", "2026-01-02T00:00:00Z", IP_MODE, HOST, (char *)NULL)},
	    .n = 2};
	struct fleet after = {.t = {fx_trunk("A", "2026-01-01T00:00:00Z", IP_MODE, HOST,
	                                     "outbound_route_prefixes=855", (char *)NULL),
	                            fx_trunk("B", "2026-01-02T00:00:00Z", IP_MODE, HOST,
	                                     "outbound_route_prefixes=855,61", (char *)NULL)},
	                      .n = 2};
	fleet_build(&before);
	fleet_build(&after);
	struct tc_route_changes ch;
	cr_assert_eq(tc_route_compare(before.tb, after.tb, &ch, NULL), TC_OK);
	/* 61 goes to B, 855 becomes shared, unmatched destinations lose their trunk */
	cr_assert_eq(ch.nmoves, 3);
	cr_expect_str_eq(ch.moves[0].prefix, "61");
	cr_expect_eq(ch.moves[0].nbefore, 0);
	cr_expect_eq(ch.moves[0].nafter, 1);
	cr_expect_str_eq(ch.moves[1].prefix, "855");
	cr_expect_eq(ch.moves[1].nafter, 2);
	cr_expect_null(ch.moves[2].prefix);
	cr_expect_eq(ch.moves[2].nbefore, 1);
	cr_expect_eq(ch.moves[2].nafter, 0);
	bool dup = false, nofallback = false;
	for (size_t i = 0; i < ch.added.count; i++) {
		dup = dup || ch.added.items[i].rule == TC_LINT_DUPLICATE_ROUTE_PREFIX;
		nofallback = nofallback || ch.added.items[i].rule == TC_LINT_NO_FALLBACK;
	}
	cr_expect(dup && nofallback);
	cr_expect_eq(ch.cleared.count, 0);
	tc_route_changes_finish(&ch);
	/* and back: the same moves reversed, the findings cleared */
	cr_assert_eq(tc_route_compare(after.tb, before.tb, &ch, NULL), TC_OK);
	cr_expect_eq(ch.nmoves, 3);
	cr_expect_eq(ch.added.count, 0);
	cr_expect_eq(ch.cleared.count, 2);
	tc_route_changes_finish(&ch);
	cr_assert_eq(tc_route_compare(before.tb, before.tb, &ch, NULL), TC_OK);
	cr_expect_eq(ch.nmoves + ch.added.count + ch.cleared.count, 0);
	tc_route_changes_finish(&ch);
	tc_route_changes_finish(NULL);
	fleet_free(&before);
	fleet_free(&after);
}
