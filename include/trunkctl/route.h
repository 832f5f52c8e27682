/*
 * What the carrier's platform does with its trunks, replayed offline: the
 * dial string and caller ID the switch builds, the trunk an outbound call
 * takes, the trunk an inbound call from an IP lands on and the numbers it
 * sees. doc/routing.md says which platform code each rule follows and what
 * the platform leaves undefined; where it is undefined (ties, several
 * fallbacks) the answer is "ambiguous" with the candidates, never a pick.
 *
 * Pure functions over trunks (no store, no I/O): callers hand in the trunks
 * the store lists (queued local changes included, or the server versions),
 * each as a struct tc_route_trunk: the few fields routing and the lint read.
 */
#ifndef TRUNKCTL_ROUTE_H
#define TRUNKCTL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/error.h"
#include "trunkctl/trunk.h"

/* Longer destinations are refused (TC_INVALID) rather than truncated. */
#define TC_ROUTE_MAX_DIGITS 64
/* The dial string's stand-in for a client_credentials trunk's registered
 * location, which the Carrier API does not show. */
#define TC_ROUTE_REGISTERED_CONTACT "<registered contact>"
/* The switch's SIP profile when none is configured. */
#define TC_ROUTE_DEFAULT_PROFILE "nat_gateway"

/*
 * A trunk as routing and the lint see it: only the fields a rule or a query
 * reads, so that a fleet of 100,000 fits in a few megabytes (the store's
 * reader packs their text in one arena, src/service_routing.c). Texts are
 * NULL when unset or empty; lists hold their items as stored ("" and
 * invalid entries included).
 */
struct tc_route_trunk {
	const char *id;         /* the dial string's gateway, lint marks, --via */
	const char *name;       /* messages */
	const char *created_at; /* age order; NULL: not on the server yet */
	const char *region;     /* shared-ip-region */
	const char *outbound_host;
	const char *dial_string_prefix;
	const char *inbound_country;
	const char *const *route_prefixes;
	size_t nroute_prefixes;
	const char *const *inbound_ips;
	size_t ninbound_ips;
	enum tc_mode mode;
	bool plus_prefix;
	bool national_dialing;
	int64_t row; /* the store's rowid (the lint's marks); 0 when not from the store */
};

/* t's routing fields into *out (row 0), which points into t: valid while t is unchanged. */
void tc_route_trunk_view(const struct tc_trunk *t, struct tc_route_trunk *out);

/*
 * Which of a and b the platform counts as older (created first; those it
 * cannot tell apart in the order the store is walked, by id): < 0 when a,
 * > 0 when b. A trunk not on the server yet (no created_at) is the newest.
 */
int tc_route_age_order(const struct tc_route_trunk *a, const struct tc_route_trunk *b);

/* ---- the dial string (src/route_dial.c) ---- */

/* The settings the platform sends the switch for one call (its routing parameters). */
struct tc_routing_params {
	enum tc_mode mode;
	const char *dial_string_prefix; /* NULL or "": none */
	bool plus_prefix;
	bool national_dialing;
	const char *host;         /* outbound_host as stored, port included; NULL: none */
	const char *sip_profile;  /* NULL: TC_ROUTE_DEFAULT_PROFILE */
	const char *gateway_name; /* outbound_registration: the trunk's id */
};

/* The parameters of trunk t (its pointers point into t). */
void tc_routing_params_of(const struct tc_route_trunk *t, struct tc_routing_params *out);

/*
 * The switch's format_number: the digits of number; when Phony finds them
 * plausible, their national format (national_dialing) or a leading '+'
 * (plus_prefix). Also the caller ID (From) the switch sends. *out is new.
 * TC_INVALID: more than TC_ROUTE_MAX_DIGITS digits, or Phony's own rules fail
 * on the number (the platform would raise).
 */
enum tc_status tc_route_format_number(const char *number, bool national_dialing, bool plus_prefix,
                                      char **out, struct tc_error *err);

/*
 * The upstream switch's address for a destination: '+' (plus_prefix), the
 * dial-string prefix, the formatted digits, '@' and the host; for a
 * client_credentials trunk the host is TC_ROUTE_REGISTERED_CONTACT.
 * *out is new, NULL when the trunk has no host (ip_address without
 * outbound_host: it cannot dial out). Errors as tc_route_format_number.
 */
enum tc_status tc_route_address(const struct tc_routing_params *p, const char *destination,
                                char **out, struct tc_error *err);

/*
 * The full dial string as the LocalSip switch builds it (its DialString#to_s):
 * outbound_registration trunks dial through their gateway (prefix and '+'
 * ignored, the port dropped from the Request-URI); the others
 * "{sofia_suppress_url_encoding=true,sip_invite_domain=HOST}sofia/PROFILE/ADDRESS".
 * *out is new, NULL when the trunk cannot dial out.
 */
enum tc_status tc_route_dial_string(const struct tc_routing_params *p, const char *destination,
                                    char **out, struct tc_error *err);

/*
 * The dial string for an explicit SIP address (a destination "sip:…"): the
 * platform dials it as given, with no trunk and none of the formatting.
 * profile NULL: TC_ROUTE_DEFAULT_PROFILE. *out is new.
 */
enum tc_status tc_route_sip_dial_string(const char *address, const char *profile, char **out,
                                        struct tc_error *err);

/* ---- the fleet index (src/route_table.c, src/route_prefix_index.c, src/route_inbound.c) ---- */

/*
 * The trunks of one carrier with their route prefixes and inbound IPs
 * indexed, built once so that a query costs a few hash probes (outbound)
 * or one binary search (inbound). It keeps pointers to the caller's
 * records, not copies: trunks[0..count) must outlive it. It orders them
 * oldest first (created_at; not yet on the server: last), and every list
 * it or the lint hands out follows that order.
 */
struct tc_route_table;

/* TC_NOMEM; trunks may be NULL when count is 0. */
enum tc_status tc_route_table_build(const struct tc_route_trunk *trunks, size_t count,
                                    struct tc_route_table **out, struct tc_error *err);
void tc_route_table_destroy(struct tc_route_table *table); /* accepts NULL */
size_t tc_route_table_count(const struct tc_route_table *table);
/* The i-th trunk, oldest first; NULL past the end. */
const struct tc_route_trunk *tc_route_table_trunk(const struct tc_route_table *table, size_t i);

/* The platform's "configured for outbound dialing": client_credentials, or an outbound_host. */
bool tc_route_outbound_capable(const struct tc_route_trunk *t);

enum tc_route_match {
	TC_ROUTE_NONE,      /* no trunk: the call fails */
	TC_ROUTE_PINNED,    /* the account's pinned trunk */
	TC_ROUTE_PREFIX,    /* the longest route prefix */
	TC_ROUTE_FALLBACK,  /* the one outbound trunk without prefixes */
	TC_ROUTE_VIA,       /* the trunk the caller named */
	TC_ROUTE_AMBIGUOUS, /* the platform picks one of candidates, which is undefined */
};

/* "none", "pinned", "prefix", "fallback", "via", "ambiguous". */
const char *tc_route_match_name(enum tc_route_match match);

struct tc_route_query {
	const char *to; /* the destination; its digits are what is matched */
	/* The account's pinned trunk (accounts are not in the Carrier API: the
	 * operator names it), or NULL. */
	const struct tc_route_trunk *pinned;
	/* A trunk to dial through whatever the rules say, or NULL. */
	const struct tc_route_trunk *via;
};

struct tc_route_answer {
	enum tc_route_match match;
	const struct tc_route_trunk *trunk; /* NULL for none and ambiguous */
	const char *prefix;   /* the matching prefix (TC_ROUTE_PREFIX, or ambiguous ties) */
	const char *why_none; /* static sentence for TC_ROUTE_NONE */
	size_t ncandidates;
	const struct tc_route_trunk **candidates; /* owned array, oldest first */
	/* The destination was a SIP URI: the address dialled as given (owned),
	 * with no trunk (match none). */
	char *sip_address;
};

/*
 * Selects the outbound trunk (Somleng's DestinationRules): the pinned trunk
 * when it can dial out (none when it cannot: no fallback), else the longest
 * route prefix over the destination's digits across every outbound-capable
 * trunk, else the prefix-less outbound trunk. Route prefixes that are not
 * digits never match here (lint reports them). A destination "sip:ADDRESS"
 * (spaces around it ignored) takes no trunk: sip_address. TC_INVALID: no digits, or
 * more than TC_ROUTE_MAX_DIGITS. Free out with tc_route_answer_finish.
 */
enum tc_status tc_route_select(const struct tc_route_table *table, const struct tc_route_query *q,
                               struct tc_route_answer *out, struct tc_error *err);
void tc_route_answer_finish(struct tc_route_answer *answer); /* accepts NULL */

struct tc_inbound_answer {
	/* The trunk the platform resolves the IP to: the oldest holding it. NULL
	 * when none does, or when the oldest are tied (ambiguous, candidates). */
	const struct tc_route_trunk *trunk;
	bool ambiguous;
	size_t ncandidates;
	const struct tc_route_trunk **candidates; /* owned: the tied oldest trunks */
	size_t nshadowed;
	const struct tc_route_trunk *
	    *shadowed; /* owned: the newer trunks on the IP, oldest first */
};

/*
 * The inbound trunk for a source IP (Somleng's SIPTrunkResolver within one
 * carrier): exact IPv4 equality, the oldest trunk (by created_at; a trunk
 * not yet created on the server is newer than all) wins. TC_INVALID when ip
 * is not a dotted IPv4 address. Free out with tc_inbound_answer_finish.
 */
enum tc_status tc_route_inbound(const struct tc_route_table *table, const char *ip,
                                struct tc_inbound_answer *out, struct tc_error *err);
void tc_inbound_answer_finish(struct tc_inbound_answer *answer); /* accepts NULL */

/* Parses a dotted IPv4 address as the platform accepts it. */
bool tc_route_parse_ipv4(const char *text, unsigned long *out);

/*
 * A number as an inbound call on trunk t presents it: one anchored
 * substitution of the inbound_country's national prefix by its calling code
 * (the countries gem's data, unescaped, as Somleng splices it into a regular
 * expression); unchanged without an inbound_country. *out is new; TC_NOMEM.
 */
enum tc_status tc_route_normalize(const struct tc_route_trunk *t, const char *number, char **out,
                                  struct tc_error *err);

/*
 * The calling code and national prefix of an ISO 3166-1 alpha-2 country as
 * the countries gem 8.1.0 has them; false when unknown.
 */
bool tc_route_country(const char *alpha2, const char **calling_code, const char **national_prefix);

#endif
