/*
 * libFuzzer target for the fleet file reader (tc_fleet_read_yaml). Beyond
 * not crashing: a refused file leaves nothing behind and says why; an
 * accepted one writes back (tc_fleet_yaml_item, secrets revealed) to YAML
 * that reads again to the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/fleet_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct tc_trunk *t)
{
	char *text;
	size_t len;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_fleet_yaml_item(t, true, &text, &len, &err) != TC_OK) {
		tc_error_clear(&err);
		return; /* text that is not UTF-8 cannot be written */
	}
	struct tc_fleet back;
	if (tc_fleet_read_yaml(text, len, "again", &back, &err) != TC_OK || back.count != 1)
		abort();
	for (int f = 0; f < TC_FIELD_COUNT; f++)
		if (!(tc_field(f)->flags & TC_FF_READONLY) &&
		    !tc_field_same_value(f, &t->values[f], &back.trunks[0]->values[f]))
			abort();
	tc_fleet_finish(&back);
	free(text);
	tc_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_fleet f;
	struct tc_error err;
	tc_error_init(&err);
	enum tc_status rc = tc_fleet_read_yaml((const char *)data, size, "fuzz", &f, &err);
	if (rc != TC_OK && (f.count || f.trunks || !err.message[0]))
		abort();
	for (size_t i = 0; rc == TC_OK && i < f.count; i++)
		check_round_trip(f.trunks[i]);
	tc_fleet_finish(&f);
	tc_error_clear(&err);
	return 0;
}
