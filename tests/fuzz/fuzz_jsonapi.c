/*
 * libFuzzer target over every JSON:API decoder. Besides "never crash, never
 * leak", it checks the codec's promise: a trunk read from a response encodes
 * to a create body that the server-side reader accepts and that re-encodes
 * to the same bytes, and a trunk compared with itself gives an empty PATCH.
 * Seeds: the JSON documents in tests/fixtures.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonapi_private.h"
#include "lib/page_same.h"
#include "trunkctl/jsonapi.h"

#define URL_ID "5f0c7a3e-8d2b-4c1e-9a77-2f1d3b6e9c10"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct tc_trunk *t)
{
	char *body = NULL, *again = NULL, *patch = NULL;
	struct tc_trunk *back = NULL;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_jsonapi_encode_create(t, &body, &err) != TC_OK)
		abort();
	if (tc_jsonapi_decode_request(body, strlen(body), TC_JSONAPI_CREATE, NULL, &back, &err) !=
	    TC_OK)
		abort();
	if (tc_jsonapi_encode_create(back, &again, NULL) != TC_OK || strcmp(body, again) != 0)
		abort();
	if (t->id) {
		if (tc_jsonapi_encode_update(t, t, &patch, NULL) != TC_OK ||
		    !strstr(patch, "\"attributes\":{}"))
			abort();
	}
	free(patch);
	free(again);
	free(body);
	tc_trunk_destroy(back);
	tc_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct tc_error err;
	tc_error_init(&err);

	struct tc_trunk *t = NULL;
	if (tc_jsonapi_decode_resource(body, size, &t, &err) == TC_OK)
		round_trip(t);
	tc_trunk_destroy(t);
	tc_error_clear(&err);

	struct tc_jsonapi_page page = {0}, tree = {0};
	enum tc_status crc = tc_jsonapi_decode_collection(body, size, &page, &err);
	/* the quick reading of a page gives what jansson's does, or leaves it to it */
	if (!ps_page_same(crc, &page, jsonapi_decode_collection_tree(body, size, NULL, &tree, NULL),
	                  &tree))
		abort();
	if (crc == TC_OK)
		for (size_t i = 0; i < page.count; i++)
			round_trip(page.items[i]);
	tc_jsonapi_page_finish(&page);
	tc_jsonapi_page_finish(&tree);
	tc_error_clear(&err);

	/* The pull's early look at links.next reads the same untrusted bytes. */
	char *next = NULL;
	if (tc_jsonapi_peek_next(body, size, &next) != (next != NULL))
		abort();
	free(next);

	struct tc_field_errors errs = {0};
	tc_jsonapi_decode_errors(body, size, &errs, &err);
	tc_field_errors_finish(&errs);
	tc_error_clear(&err);

	t = NULL;
	enum tc_status rc =
	    tc_jsonapi_decode_request(body, size, TC_JSONAPI_CREATE, NULL, &t, &err);
	if ((rc == TC_OK || rc == TC_PARSE) != (err.fields.count == 0) || (rc == TC_PARSE && t))
		abort();
	tc_trunk_destroy(t);
	tc_error_clear(&err);

	t = NULL;
	tc_jsonapi_decode_request(body, size, TC_JSONAPI_UPDATE, URL_ID, &t, &err);
	if (t && (!t->id || strcmp(t->id, URL_ID) != 0))
		abort();
	tc_trunk_destroy(t);
	tc_error_clear(&err);

	t = NULL;
	rc = tc_jsonapi_check_request(body, size, TC_JSONAPI_UPDATE, URL_ID, NULL, 0, &t, &err);
	if ((rc == TC_OK) != (tc_field_errors_count(&err.fields, TC_SEV_ERROR) == 0 &&
	                      (rc == TC_OK || rc == TC_INVALID)))
		abort();
	tc_trunk_destroy(t);
	tc_error_clear(&err);

	static const long statuses[] = {400, 401, 404, 422, 429, 500, 503};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(*statuses); i++) {
		if (tc_jsonapi_error_from_response(statuses[i], body, size, &err) == TC_OK ||
		    strlen(err.message) >= sizeof(err.message))
			abort();
		tc_error_clear(&err);
	}
	return 0;
}
