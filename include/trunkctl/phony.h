/* Phone number rules exactly as Somleng's switch applies them: Phony 3.0.2
 * (the Ruby gem), reproduced over a table generated from Phony's own country
 * definitions. Numbers are digit strings with their country code, no '+'. */
#ifndef TRUNKCTL_PHONY_H
#define TRUNKCTL_PHONY_H

#include <stdbool.h>
#include <stddef.h>

/* Longer inputs are refused rather than truncated. */
#define TC_PHONY_MAX_DIGITS 64
/* Room for any national format of an accepted input. */
#define TC_PHONY_NATIONAL_SIZE (2 * TC_PHONY_MAX_DIGITS + 8)

enum tc_phony_status {
	TC_PHONY_OK,
	TC_PHONY_NOT_DIGITS, /* empty, non-digit or longer than the maximum */
	TC_PHONY_NO_COUNTRY, /* no calling code matches: Phony raises */
	TC_PHONY_FAILED,     /* Phony's own rules raise on this number */
	TC_PHONY_TOO_SMALL,  /* the caller's buffer */
};

/* Phony.split(digits)[0]: the calling code, into cc (at least 4 bytes). */
enum tc_phony_status tc_phony_split(const char *digits, char *cc, size_t cc_size);

/* Phony.plausible?(digits). */
bool tc_phony_plausible(const char *digits);

/* Phony.format(digits, format: :national, spaces: "") with the non-digits
 * removed, as the switch builds a national dial string. */
enum tc_phony_status tc_phony_national(const char *digits, char *out, size_t out_size);

#endif
