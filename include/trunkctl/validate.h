/*
 * Live validation of SIP trunks, as the Carrier API would judge them.
 *
 * Two entry points share one set of rules (tests/fake-carrier/SERVER-BEHAVIOUR.md
 * §3): tc_validate_field for the form, on every
 * keystroke, and tc_validate_record for a whole record before it is queued.
 * Errors carry the server's exact titles and pointers. Where the server would
 * crash (500) or silently store something other than what was typed, the
 * client adds its own errors or warnings; their titles are worded so they are
 * never mistaken for the server's, and they always carry a hint that begins
 * with TC_CLIENT_CHECK (the codec's own checks too), so a caller comparing
 * with a server's answer can tell them apart.
 *
 * Everything here is reentrant: no allocation but the error lists, no global
 * state. A context may be shared by threads once initialised.
 */
#ifndef TRUNKCTL_VALIDATE_H
#define TRUNKCTL_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"
#include "trunkctl/region.h"
#include "trunkctl/trunk.h"

/* How every client-only hint begins (struct tc_field_error.hint). */
#define TC_CLIENT_CHECK "client check: "

/*
 * True for the client's own checks (the hint begins with TC_CLIENT_CHECK):
 * never part of the server's 422 answer; as errors they refuse what the
 * server would crash on (500). e may be NULL (false).
 */
bool tc_validate_is_client_check(const struct tc_field_error *e);

enum tc_validate_kind {
	TC_VALIDATE_CREATE, /* POST: required fields and the outbound_registration rules apply */
	TC_VALIDATE_UPDATE, /* PATCH: every attribute optional, no requirement rules (§3.5) */
};

/*
 * What the validators need to know besides the record. regions is borrowed
 * and must outlive the context; tc_validate_ctx_init substitutes
 * tc_default_regions() when the configuration names none (regions NULL or
 * region_count 0).
 */
struct tc_validate_ctx {
	enum tc_validate_kind kind;
	const struct tc_region *regions;
	size_t region_count;
};

void tc_validate_ctx_init(struct tc_validate_ctx *ctx, enum tc_validate_kind kind,
                          const struct tc_region *regions, size_t region_count);

/*
 * Validates one attribute of a partial record, in the context of the rest of
 * it (authentication_mode decides the outbound_registration requirements,
 * username the client_credentials password warning). A value in state
 * TC_V_ABSENT is "not sent": on create a required field is then "is missing".
 *
 * Appends to errs only entries for this field, in the server's order (schema
 * error, else rule error; warnings after errors). The entries are exactly
 * those tc_validate_record reports for the field. Read-only fields
 * (created_at, updated_at) never have any.
 *
 * Cost: linear in the value's length; the duplicate-IP check is quadratic up
 * to 32 addresses and O(n log n) with a scratch array above. Nothing else is
 * allocated unless an entry is added.
 *
 * Returns TC_OK when no error (warnings allowed) was added, TC_INVALID when
 * at least one was, TC_USAGE for a NULL argument or an unknown field,
 * TC_NOMEM when an entry could not be stored (errs keeps what was added).
 */
enum tc_status tc_validate_field(const struct tc_validate_ctx *ctx, enum tc_field_id field,
                                 const struct tc_trunk *record, struct tc_field_errors *errs);

/*
 * Validates the record as it would be sent: every field, in the server's
 * order (§3.4): schema errors in schema order, then rule errors (username,
 * password, outbound_host, region, inbound_source_ips); rules are skipped for
 * a field with a schema error; warnings come last. Appends to errs; entries
 * already in errs are left where they are. Returns as tc_validate_field.
 */
enum tc_status tc_validate_record(const struct tc_validate_ctx *ctx, const struct tc_trunk *record,
                                  struct tc_field_errors *errs);

/*
 * Puts any list of field errors into the server's order, stably: errors
 * before warnings; within each, schema errors before rule errors. Schema
 * errors go /data, /data/type, /data/id, /data/attributes, then attributes by
 * schema_order (other document pointers after those), element errors by
 * index. Rule errors go document-level first (the /data/id match), then by
 * rule_order. The codec and the CLI use it on decoded 422 documents and on
 * merged lists. Returns TC_OK, or TC_NOMEM with errs left unchanged.
 */
enum tc_status tc_validate_sort(struct tc_field_errors *errs);

/*
 * True when validating field reads other: the outbound_registration
 * requirements read authentication_mode, the password warning reads the
 * username. A form re-validates dependent fields when other changes.
 */
bool tc_validate_depends_on(enum tc_field_id field, enum tc_field_id other);

/*
 * IPv4 exactly as Ruby's Resolv::IPv4::Regex: a dotted quad of decimal
 * octets 0..255 without leading zeros, nothing before or after (no CIDR,
 * port, spaces or newline). NULL is not an address.
 */
bool tc_validate_ipv4(const char *s);

/*
 * `host` or `host:port`, where host is a DNS name (letters, digits, '-' and
 * '_', labels of 1..63, 253 at most, one trailing dot allowed), an IPv4
 * address, or an IPv6 address in brackets; port is decimal 1..65535. A name
 * whose labels are all digits must be a valid IPv4 address.
 */
bool tc_validate_host_port(const char *s);

/* The server's inbound_country title, built from the country table (§3.8). */
#define TC_VALIDATE_COUNTRY_TITLE_SIZE 1024
/* Writes it NUL-terminated to buf; returns its length (truncated to size - 1). */
size_t tc_validate_country_title(char *buf, size_t size);

#endif
