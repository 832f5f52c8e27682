#include "trunkctl/region.h"

#include <string.h>

/* SomlengRegion::Region::MOCK_REGIONS, in the stub data's key order. */
static const struct tc_region default_regions[] = {
    {"hydrogen", "ap-southeast-1", "South East Asia (Singapore)", 1, "13.250.230.15"},
    {"helium", "us-east-1", "North America (N. Virginia, USA)", 2, "52.4.242.134"},
};

const struct tc_region *tc_default_regions(size_t *count)
{
	*count = sizeof(default_regions) / sizeof(*default_regions);
	return default_regions;
}

const struct tc_region *tc_region_find(const struct tc_region *regions, size_t count,
                                       const char *alias)
{
	for (size_t i = 0; alias && i < count; i++)
		if (strcmp(regions[i].alias, alias) == 0)
			return &regions[i];
	return NULL;
}
