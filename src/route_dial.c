/*
 * The dial string and caller ID as the switch builds them (doc/routing.md,
 * "Outbound dial string"): the upstream switch's RoutingParameters#address
 * and format_number, wrapped as LocalSip's DialString#to_s wraps them.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "route_private.h"
#include "trunkctl/phony.h"

/* The string field f of t when set and not empty, else NULL. */
static const char *text_of(const struct tc_trunk *t, enum tc_field_id f)
{
	const char *s = tc_trunk_string(t, f);
	return s && *s ? s : NULL;
}

/* The list field f of t into *items and *n; none unless set. */
static void list_of(const struct tc_trunk *t, enum tc_field_id f, const char *const **items,
                    size_t *n)
{
	bool set = t->values[f].state == TC_V_SET;
	*items = set ? (const char *const *)t->values[f].list.items : NULL;
	*n = set ? t->values[f].list.count : 0;
}

void tc_route_trunk_view(const struct tc_trunk *t, struct tc_route_trunk *out)
{
	*out = (struct tc_route_trunk){
	    .id = t->id,
	    .name = text_of(t, TC_F_NAME),
	    .created_at = text_of(t, TC_F_CREATED_AT),
	    .region = text_of(t, TC_F_REGION),
	    .outbound_host = text_of(t, TC_F_OUTBOUND_HOST),
	    .dial_string_prefix = text_of(t, TC_F_OUTBOUND_DIAL_STRING_PREFIX),
	    .inbound_country = text_of(t, TC_F_INBOUND_COUNTRY),
	    .mode = tc_trunk_mode(t),
	    .plus_prefix = tc_trunk_has(t, TC_F_OUTBOUND_PLUS_PREFIX) &&
	                   t->values[TC_F_OUTBOUND_PLUS_PREFIX].b,
	    .national_dialing = tc_trunk_has(t, TC_F_OUTBOUND_NATIONAL_DIALING) &&
	                        t->values[TC_F_OUTBOUND_NATIONAL_DIALING].b,
	};
	list_of(t, TC_F_OUTBOUND_ROUTE_PREFIXES, &out->route_prefixes, &out->nroute_prefixes);
	list_of(t, TC_F_INBOUND_SOURCE_IPS, &out->inbound_ips, &out->ninbound_ips);
}

bool route_all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

char *route_join(const char *first, ...)
{
	va_list ap;
	size_t len = 0;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		len += strlen(s);
	va_end(ap);
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	char *p = out;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		size_t n = strlen(s);
		memcpy(p, s, n);
		p += n;
	}
	va_end(ap);
	*p = '\0';
	return out;
}

bool tc_route_outbound_capable(const struct tc_route_trunk *t)
{
	return t->mode == TC_MODE_CLIENT_CREDENTIALS || t->outbound_host != NULL;
}

void tc_routing_params_of(const struct tc_route_trunk *t, struct tc_routing_params *out)
{
	*out = (struct tc_routing_params){
	    .mode = t->mode,
	    .dial_string_prefix = t->dial_string_prefix,
	    .plus_prefix = t->plus_prefix,
	    .national_dialing = t->national_dialing,
	    .host = t->outbound_host,
	    .gateway_name = t->id,
	};
}

/* The digits of s into out (TC_ROUTE_MAX_DIGITS + 1 bytes); false when there are more. */
static bool digits_of(const char *s, char *out)
{
	size_t n = 0;
	for (; s && *s; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (n == TC_ROUTE_MAX_DIGITS)
			return false;
		out[n++] = *s;
	}
	out[n] = '\0';
	return true;
}

/* format_number into out (room for a national format and a '+'). */
static enum tc_status format_into(const char *number, bool national, bool plus, char *out,
                                  size_t size, struct tc_error *err)
{
	char digits[TC_ROUTE_MAX_DIGITS + 1];
	if (!digits_of(number, digits))
		return tc_error_set(err, TC_INVALID, "a number has more than %d digits",
		                    TC_ROUTE_MAX_DIGITS);
	if (digits[0] && tc_phony_plausible(digits)) {
		if (national) {
			if (tc_phony_national(digits, out, size) != TC_PHONY_OK)
				return tc_error_set(err, TC_INVALID,
				                    "%s: the national format fails as in Phony",
				                    digits);
			return TC_OK;
		}
		if (plus) {
			out[0] = '+';
			memcpy(out + 1, digits, strlen(digits) + 1);
			return TC_OK;
		}
	}
	memcpy(out, digits, strlen(digits) + 1);
	return TC_OK;
}

#define FORMAT_SIZE (TC_PHONY_NATIONAL_SIZE + 2)

enum tc_status tc_route_format_number(const char *number, bool national_dialing, bool plus_prefix,
                                      char **out, struct tc_error *err)
{
	*out = NULL;
	char buf[FORMAT_SIZE];
	enum tc_status rc =
	    format_into(number, national_dialing, plus_prefix, buf, sizeof(buf), err);
	if (rc != TC_OK)
		return rc;
	*out = strdup(buf);
	return *out ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

/* format_number(destination).gsub(/\D/, ""), as both dial strings start. */
static enum tc_status formatted_digits(const struct tc_routing_params *p, const char *destination,
                                       char *out, struct tc_error *err)
{
	char buf[FORMAT_SIZE];
	enum tc_status rc =
	    format_into(destination, p->national_dialing, p->plus_prefix, buf, sizeof(buf), err);
	if (rc == TC_OK)
		digits_of(buf, out);
	return rc;
}

enum tc_status tc_route_address(const struct tc_routing_params *p, const char *destination,
                                char **out, struct tc_error *err)
{
	*out = NULL;
	char digits[TC_ROUTE_MAX_DIGITS + 1];
	enum tc_status rc = formatted_digits(p, destination, digits, err);
	if (rc != TC_OK)
		return rc;
	const char *host =
	    p->mode == TC_MODE_CLIENT_CREDENTIALS ? TC_ROUTE_REGISTERED_CONTACT : p->host;
	if (!host || !*host)
		return TC_OK;
	const char *prefix = p->dial_string_prefix ? p->dial_string_prefix : "";
	*out = route_join(p->plus_prefix ? "+" : "", prefix, digits, "@", host, (char *)NULL);
	return *out ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

/* Ruby's s.split(sep).first over a host: the text before the first sep. */
static char *before(const char *s, char sep)
{
	const char *end = strchr(s, sep);
	size_t n = end ? (size_t)(end - s) : strlen(s);
	char *out = malloc(n + 1);
	if (out) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
	return out;
}

/* address.split("@").last: Ruby drops trailing empty fields first. */
static const char *after_last_at(const char *address)
{
	size_t len = strlen(address);
	while (len > 0 && address[len - 1] == '@')
		len--;
	const char *last = address;
	for (size_t i = 0; i < len; i++)
		if (address[i] == '@')
			last = address + i + 1;
	return last;
}

static enum tc_status registration_dial_string(const struct tc_routing_params *p,
                                               const char *destination, char **out,
                                               struct tc_error *err)
{
	char digits[TC_ROUTE_MAX_DIGITS + 1];
	enum tc_status rc = formatted_digits(p, destination, digits, err);
	if (rc != TC_OK || !p->host)
		return rc;
	char *host = before(p->host, ':');
	if (!host)
		return tc_error_set(err, TC_NOMEM, NULL);
	*out = route_join("{sip_invite_req_uri=sip:", digits, "@", host,
	                  ",sip_invite_domain=", host, "}sofia/gateway/",
	                  p->gateway_name ? p->gateway_name : "", "/", digits, (char *)NULL);
	free(host);
	return *out ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

enum tc_status tc_route_sip_dial_string(const char *address, const char *profile, char **out,
                                        struct tc_error *err)
{
	*out = NULL;
	char *host = before(after_last_at(address), ':');
	if (host)
		*out = route_join("{sofia_suppress_url_encoding=true,sip_invite_domain=", host,
		                  "}sofia/", profile ? profile : TC_ROUTE_DEFAULT_PROFILE, "/",
		                  address, (char *)NULL);
	free(host);
	return *out ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
}

enum tc_status tc_route_dial_string(const struct tc_routing_params *p, const char *destination,
                                    char **out, struct tc_error *err)
{
	*out = NULL;
	if (p->mode == TC_MODE_OUTBOUND_REGISTRATION)
		return registration_dial_string(p, destination, out, err);
	char *address;
	enum tc_status rc = tc_route_address(p, destination, &address, err);
	if (rc != TC_OK || !address)
		return rc;
	rc = tc_route_sip_dial_string(address, p->sip_profile, out, err);
	free(address);
	return rc;
}
