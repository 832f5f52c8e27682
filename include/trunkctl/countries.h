/* The ISO 3166-1 alpha-2 codes the Carrier API accepts for inbound_country. */
#ifndef TRUNKCTL_COUNTRIES_H
#define TRUNKCTL_COUNTRIES_H

#include <stdbool.h>
#include <stddef.h>

#define TC_COUNTRY_COUNT 249

/* Alphabetical; NULL past the end. */
const char *tc_country_code(size_t index);
/* Exact, case-sensitive match, as the server's included_in? rule. */
bool tc_country_is_valid(const char *code);

#endif
