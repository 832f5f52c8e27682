/* Fault settings: parsed from the control API or the command line, drawn per request. */
#include "fake.h"

#include <stdio.h>
#include <string.h>

static const char *const fault_names[FAULT_COUNT] = {
    [FAULT_HANG] = "hang",
    [FAULT_RATE_LIMIT] = "rate_limit",
    [FAULT_ERROR] = "error",
    [FAULT_CLOSE] = "close",
    [FAULT_TRUNCATE] = "truncate",
    [FAULT_MALFORMED] = "malformed",
    [FAULT_OVERSIZE] = "oversize",
    [FAULT_NEXT_LOOP] = "next_loop",
    [FAULT_REPEAT_IDS] = "repeat_ids",
    [FAULT_BIG_PAGE] = "big_page",
    [FAULT_ECHO_AUTH] = "echo_auth",
};

static const char *const method_names[FAKE_METHOD_COUNT] = {"GET",   "HEAD",   "POST", "PUT",
                                                            "PATCH", "DELETE", "OTHER"};

const char *fake_method_name(enum fake_method m)
{
	return method_names[m];
}

const char *fake_fault_name(enum fake_fault k)
{
	return fault_names[k];
}

enum fake_method fake_method_parse(const char *m)
{
	for (int i = 0; i < FAKE_OTHER; i++)
		if (strcmp(m, method_names[i]) == 0)
			return (enum fake_method)i;
	return FAKE_OTHER;
}

enum fake_fault fake_faults_pick(struct fake_faults *f, struct fake_rng *rng, enum fake_method m,
                                 int *status, long *latency)
{
	enum fake_fault kind = FAULT_NONE;
	*latency = 0;
	if (f->methods && !(f->methods & (1u << m)))
		return FAULT_NONE;
	*latency = f->latency_ms;
	for (int k = 0; k < FAULT_COUNT && kind == FAULT_NONE; k++) {
		if (f->count[k] > 0) {
			f->count[k]--;
			kind = (enum fake_fault)k;
		} else if (f->rate[k] > 0 && fake_rng_unit(rng) < f->rate[k]) {
			kind = (enum fake_fault)k;
		}
	}
	if (kind == FAULT_ERROR)
		*status = f->statuses[fake_rng_below(rng, f->nstatuses)];
	if (kind == FAULT_ECHO_AUTH)
		*status = f->echo_status;
	return kind;
}

json_t *fake_faults_to_json(const struct fake_faults *f)
{
	json_t *doc = json_pack("{s:I}", "latency_ms", (json_int_t)f->latency_ms);
	for (int k = 0; k < FAULT_COUNT; k++) {
		json_t *o =
		    json_pack("{s:I,s:f}", "count", (json_int_t)f->count[k], "rate", f->rate[k]);
		if (k == FAULT_ERROR) {
			json_t *st = json_array();
			for (size_t i = 0; i < f->nstatuses; i++)
				json_array_append_new(st, json_integer(f->statuses[i]));
			json_object_set_new(o, "statuses", st);
		}
		if (k == FAULT_RATE_LIMIT)
			json_object_set_new(o, "retry_after", json_integer(f->retry_after));
		if (k == FAULT_ECHO_AUTH)
			json_object_set_new(o, "status", json_integer(f->echo_status));
		json_object_set_new(doc, fault_names[k], o);
	}
	json_t *methods = json_array();
	for (int m = 0; m < FAKE_METHOD_COUNT; m++)
		if (f->methods & (1u << m))
			json_array_append_new(methods, json_string(method_names[m]));
	json_object_set_new(doc, "methods", methods);
	return doc;
}

void fake_faults_clear(struct fake_faults *f)
{
	memset(f, 0, sizeof(*f));
	f->statuses[0] = 500;
	f->statuses[1] = 502;
	f->statuses[2] = 503;
	f->nstatuses = 3;
	f->retry_after = 1;
	f->echo_status = 422;
}

/* Parses the POST /_fake/faults document into f. NULL on success, else a static message. */
const char *fake_faults_from_json(const json_t *doc, struct fake_faults *f)
{
	if (!json_is_object(doc))
		return "the body must be a JSON object";
	fake_faults_clear(f);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)doc, key, v)
	{
		if (strcmp(key, "latency_ms") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return "latency_ms must be a non-negative integer";
			f->latency_ms = (long)json_integer_value(v);
			continue;
		}
		if (strcmp(key, "methods") == 0) {
			size_t i;
			json_t *e;
			if (!json_is_array(v))
				return "methods must be an array of method names";
			json_array_foreach(v, i, e)
			{
				const char *name = json_string_value(e);
				enum fake_method m = name ? fake_method_parse(name) : FAKE_OTHER;
				if (!name || (m == FAKE_OTHER && strcmp(name, "OTHER") != 0))
					return "methods must be an array of method names";
				f->methods |= 1u << m;
			}
			continue;
		}
		int k = 0;
		while (k < FAULT_COUNT && strcmp(fault_names[k], key) != 0)
			k++;
		if (k == FAULT_COUNT)
			return "unknown fault";
		if (!json_is_object(v))
			return "each fault is an object: {\"count\": N} or {\"rate\": 0..1}";
		const char *sub;
		json_t *sv;
		json_object_foreach(v, sub, sv)
		{
			if (strcmp(sub, "count") == 0) {
				if (!json_is_integer(sv) || json_integer_value(sv) < 0)
					return "count must be a non-negative integer";
				f->count[k] = json_integer_value(sv);
			} else if (strcmp(sub, "rate") == 0) {
				double rate = json_number_value(sv);
				if (!json_is_number(sv) || rate < 0 || rate > 1)
					return "rate must be a number from 0 to 1";
				f->rate[k] = rate;
			} else if (k == FAULT_ERROR && strcmp(sub, "statuses") == 0) {
				size_t i;
				json_t *e;
				if (!json_is_array(sv) || json_array_size(sv) == 0 ||
				    json_array_size(sv) > 8)
					return "statuses must be 1 to 8 status codes";
				f->nstatuses = 0;
				json_array_foreach(sv, i, e)
				{
					json_int_t s = json_integer_value(e);
					/* the app's own 4xx have meanings a fault must not fake */
					bool proxy = (s >= 300 && s < 400) || s == 418 ||
					             (s >= 500 && s < 600);
					if (!json_is_integer(e) || !proxy)
						return "statuses must be 3xx, 418 or 5xx codes";
					f->statuses[f->nstatuses++] = (int)s;
				}
			} else if (k == FAULT_ECHO_AUTH && strcmp(sub, "status") == 0) {
				json_int_t st = json_integer_value(sv);
				if (!json_is_integer(sv) || (st != 400 && st != 422 && st != 500))
					return "echo_auth's status is 400, 422 or 500";
				f->echo_status = (int)st;
			} else if (k == FAULT_RATE_LIMIT && strcmp(sub, "retry_after") == 0) {
				if (!json_is_integer(sv) || json_integer_value(sv) < 0)
					return "retry_after must be a non-negative integer";
				f->retry_after = (int)json_integer_value(sv);
			} else {
				return "unknown fault setting";
			}
		}
	}
	return NULL;
}
