/*
 * The three-way merge and the value comparisons it rests on. Kept apart from
 * the store and HTTP so the unit tests exercise it with plain trunks.
 */
#include "sync.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/*
 * timegm in POSIX terms: seconds since the epoch of a UTC calendar time,
 * fields out of range carried over as timegm carries them. POSIX has no
 * timegm, and mktime under TZ=UTC would change process-wide state from the
 * sync worker's thread. The day count is the days-from-civil arithmetic of
 * the proleptic Gregorian calendar, in 400-year eras.
 */
static int64_t utc_seconds(const struct tm *tm)
{
	int64_t y = (int64_t)tm->tm_year + 1900 + tm->tm_mon / 12 - (tm->tm_mon % 12 < 0);
	int64_t m = (tm->tm_mon % 12 + 12) % 12 + 1;
	y -= m <= 2; /* the year starts in March: the leap day ends it */
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
	/* 146097 days in an era; 719468 from 0000-03-01 to 1970-01-01 */
	int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	return (days + tm->tm_mday - 1) * 86400 + (int64_t)tm->tm_hour * 3600 +
	       (int64_t)tm->tm_min * 60 + tm->tm_sec;
}

int64_t tc_sync_parse_time(const char *iso)
{
	if (!iso)
		return -1;
	struct tm tm = {0};
	int ms = 0;
	char z = 0;
	int n = 0;
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	const char *rest = iso + n;
	if (*rest == '.') {
		int digits = 0;
		for (rest++; isdigit((unsigned char)*rest); rest++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*rest - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	z = *rest;
	if (z != 'Z' || rest[1] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	int64_t t = utc_seconds(&tm);
	if (t == -1) /* timegm's error value, kept so that the results stay the same */
		return -1;
	return t * 1000 + ms;
}

/* Attributes this build does not know, as JSON objects: equal whatever their key order. */
static bool same_extra(const char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
	/* text that does not parse (or no memory) cannot be shown equal: changed */
	bool same = ja && jb && json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return same;
}

bool tc_sync_changed_since(const struct tc_trunk *base, const struct tc_trunk *theirs,
                           bool changed[TC_FIELD_COUNT])
{
	static const struct tc_value none = {.state = TC_V_ABSENT};
	bool any = false;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		changed[f] =
		    !tc_field_same_value(f, base ? &base->values[f] : &none, &theirs->values[f]);
		any = any || changed[f];
	}
	return any || !same_extra(base ? base->extra_json : NULL, theirs->extra_json);
}

void tc_sync_merge(const struct tc_trunk *base, const struct tc_trunk *mine,
                   const struct tc_trunk *theirs, struct tc_merge *out)
{
	memset(out, 0, sizeof(*out));
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		if (!(tc_field(f)->flags & TC_FF_SEND_UPDATE) ||
		    mine->values[f].state == TC_V_ABSENT)
			continue;
		const struct tc_value *b = &base->values[f];
		const struct tc_value *m = &mine->values[f];
		const struct tc_value *t = &theirs->values[f];
		if (tc_field_same_value(f, t, m))
			continue; /* already what we want, whoever did it */
		if (tc_field_same_value(f, t, b)) {
			out->send[f] = true;
			out->nsend++;
		} else {
			out->conflict[f] = true;
			out->nconflict++;
		}
	}
}
