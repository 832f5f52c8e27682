/*
 * libFuzzer target for the validators. The first byte chooses create or
 * update (bit 0), configured regions instead of the defaults (bit 1) and the
 * input form (bit 2): a flat JSON object as the store and CLI hold it, or
 * `key=value` lines as the form and --set type them (a bare `key` is null).
 *
 * Beyond not crashing, it checks what callers rely on: the record's entries
 * are the per-field entries put together, in the server's order, the status
 * matches the errors, and IPv4 agrees with Ruby's regex spelt in POSIX ERE.
 */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trunkctl/validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Compiled once: the harness, not the core, so a process-wide value is fine. */
static regex_t ruby_ipv4;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const char octet[] = "(0|1([0-9][0-9]?)?|2([0-4][0-9]?|5[0-5]?|[6-9])?|[3-9][0-9]?)";
	char pattern[512];
	strcpy(pattern, "^");
	for (int i = 0; i < 4; i++) {
		strcat(pattern, octet);
		strcat(pattern, i < 3 ? "\\." : "$");
	}
	if (regcomp(&ruby_ipv4, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	return 0;
}

static void check_ipv4(const char *s)
{
	bool want = regexec(&ruby_ipv4, s, 0, NULL, 0) == 0;
	if (tc_validate_ipv4(s) != want)
		abort();
	(void)tc_validate_host_port(s);
}

static struct tc_trunk *from_lines(char *text)
{
	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return NULL;
	struct tc_error err;
	tc_error_init(&err);
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (eq)
			*eq = '\0';
		const struct tc_field_info *fi = tc_field_by_key(line);
		if (!fi)
			continue;
		if (eq)
			tc_value_from_text(fi->id, eq + 1, &t->values[fi->id], &err);
		else
			tc_trunk_set_null(t, fi->id);
	}
	tc_error_clear(&err);
	return t;
}

static int rank(const struct tc_field_error *e)
{
	return (e->severity == TC_SEV_ERROR ? 0 : 2) + (e->rule ? 1 : 0);
}

static void check_record(const struct tc_validate_ctx *ctx, const struct tc_trunk *t)
{
	struct tc_field_errors all = {0};
	enum tc_status rc = tc_validate_record(ctx, t, &all);
	if (rc == TC_NOMEM)
		goto out;
	if ((rc == TC_INVALID) != (tc_field_errors_count(&all, TC_SEV_ERROR) > 0))
		abort();
	for (size_t i = 1; i < all.count; i++)
		if (rank(&all.items[i - 1]) > rank(&all.items[i]))
			abort();
	size_t sum = 0;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		struct tc_field_errors one = {0};
		tc_validate_field(ctx, (enum tc_field_id)f, t, &one);
		const char *key = tc_field(f)->key;
		for (size_t i = 0; i < one.count; i++) {
			const char *p = one.items[i].pointer;
			if (one.items[i].field != f || strncmp(p, "/data/attributes/", 17) != 0 ||
			    strncmp(p + 17, key, strlen(key)) != 0)
				abort();
		}
		sum += one.count;
		tc_field_errors_finish(&one);
	}
	if (sum != all.count)
		abort();
out:
	tc_field_errors_finish(&all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tc_region configured[] = {
	    {"lithium", "eu-west-1", "Ireland", 3, "192.0.2.1"},
	    {"Hydrogen", "ap-southeast-1", "Singapore", 1, "192.0.2.2"},
	};
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	check_ipv4(text);

	struct tc_trunk *t = NULL;
	if (flags & 4) {
		t = from_lines(text);
	} else {
		struct tc_error err;
		tc_error_init(&err);
		tc_trunk_from_flat_json((const char *)data + 1, size - 1, &t, &err);
		tc_error_clear(&err);
	}
	free(text);
	if (!t)
		return 0;

	struct tc_validate_ctx ctx;
	tc_validate_ctx_init(&ctx, (flags & 1) ? TC_VALIDATE_UPDATE : TC_VALIDATE_CREATE,
	                     (flags & 2) ? configured : NULL, (flags & 2) ? 2 : 0);
	const struct tc_value *ips = &t->values[TC_F_INBOUND_SOURCE_IPS];
	for (size_t i = 0; ips->state == TC_V_SET && i < ips->list.count; i++)
		check_ipv4(ips->list.items[i]);
	check_record(&ctx, t);
	tc_trunk_destroy(t);
	return 0;
}
