/* What a command reads: files, stdin and the attributes of --set, --unset and --json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_private.h"
#include "trunkctl/jsonapi.h"

/* Input documents larger than this are refused rather than read into memory. */
#define INPUT_MAX (64u << 20)

/*
 * A file named on the command line that is one of the store's own: reading
 * or writing it here, outside SQLite, would drop this process's locks on the
 * store when closed (trunkctl(1), CONCURRENCY AND DURABILITY).
 */
enum tc_status cli_refuse_store_file(struct cli *c, const char *path)
{
	if (!path || !tc_service_is_store_file(c->svc, path))
		return TC_OK;
	return tc_error_set(&c->err, TC_USAGE,
	                    "%s is one of the local store's own files, which only SQLite reads "
	                    "and writes: name another file",
	                    path);
}

static char *read_stream(FILE *fp, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
		if (n + 1 == cap) {
			if (cap >= INPUT_MAX) {
				free(buf);
				return NULL;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				free(buf);
			buf = grown;
			cap *= 2;
		}
	}
	if (!buf || ferror(fp)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

enum tc_status cli_read_input(const char *path, char **text, size_t *len, struct tc_error *err)
{
	if (strcmp(path, "-") == 0) {
		*text = read_stream(stdin, len);
		return *text ? TC_OK : tc_error_set(err, TC_IO, "cannot read stdin");
	}
	FILE *fp = fopen(path, "re");
	if (!fp)
		return tc_error_set(err, TC_USAGE, "cannot read %s: %s", path, strerror(errno));
	*text = read_stream(fp, len);
	fclose(fp);
	return *text ? TC_OK
	             : tc_error_set(err, TC_IO, "cannot read %s (or larger than 64 MiB)", path);
}

static enum tc_status apply_unset(struct tc_trunk *t, const char *key, struct tc_error *err)
{
	const struct tc_field_info *fi = tc_field_by_key(key);
	if (!fi)
		return tc_error_set(err, TC_USAGE, "unknown attribute \"%s\"", key);
	if (fi->flags & TC_FF_READONLY)
		return tc_error_set(err, TC_USAGE, "%s is set by the server", key);
	/* The text form's empty value: null, "" or [] as the field takes it. */
	enum tc_status rc = tc_value_from_text(fi->id, "", &t->values[fi->id], err);
	if (rc == TC_INVALID)
		tc_error_set(err, TC_INVALID, "%s cannot be cleared, only set", key);
	return rc;
}

/*
 * The attributes of --set / --unset / --json applied onto draft. For an
 * update url_id is the trunk's id (a JSON:API document must name it).
 */
enum tc_status cli_apply_input(struct cli *c, struct tc_trunk *draft, const char *url_id)
{
	const struct cli_args *a = c->a;
	bool json = a->given[CLI_OPT_JSON_INPUT];
	if (json && (a->sets.count || a->unsets.count))
		return tc_error_set(&c->err, TC_USAGE, "give --json or --set/--unset, not both");
	if (!json && !a->sets.count && !a->unsets.count)
		return tc_error_set(&c->err, TC_USAGE,
		                    "nothing to do: give --set KEY=VALUE or --json FILE");
	enum tc_status rc = TC_OK;
	for (size_t i = 0; i < a->sets.count && rc == TC_OK; i++)
		rc = tc_trunk_assign(draft, a->sets.items[i], &c->err);
	for (size_t i = 0; i < a->unsets.count && rc == TC_OK; i++)
		rc = apply_unset(draft, a->unsets.items[i], &c->err);
	if (!json || rc != TC_OK)
		return rc;
	char *text = NULL;
	size_t len = 0;
	rc = cli_refuse_store_file(c, a->value[CLI_OPT_JSON_INPUT]);
	if (rc == TC_OK)
		rc = cli_read_input(a->value[CLI_OPT_JSON_INPUT], &text, &len, &c->err);
	if (rc != TC_OK)
		return rc;
	struct tc_trunk *doc = NULL;
	rc = tc_jsonapi_decode_request(text, len, url_id ? TC_JSONAPI_UPDATE : TC_JSONAPI_CREATE,
	                               url_id, &doc, &c->err);
	free(text);
	if (rc == TC_PARSE && c->err.message[0] == '\0')
		tc_error_set(&c->err, TC_PARSE, "%s is not a JSON document",
		             a->value[CLI_OPT_JSON_INPUT]);
	if (rc == TC_INVALID && c->err.message[0] == '\0')
		tc_error_set(&c->err, TC_INVALID, "the document has invalid attributes");
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++)
		if (doc->values[f].state != TC_V_ABSENT && !(tc_field(f)->flags & TC_FF_READONLY))
			rc = tc_trunk_set_value(draft, f, &doc->values[f]);
	tc_trunk_destroy(doc);
	if (rc == TC_NOMEM)
		tc_error_set(&c->err, rc, NULL);
	return rc;
}
