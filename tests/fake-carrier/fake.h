/*
 * trunkctl-fake-api: a stand-in for the patched Somleng Carrier API
 * (shared/spec/somleng-behaviour.md), private to tests/fake-carrier.
 *
 * The store and the validator are single-threaded code: the HTTP layer
 * (server.c) serialises every call into them with one mutex.
 */
#ifndef TRUNKCTL_FAKE_H
#define TRUNKCTL_FAKE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fake_carrier {
	FAKE_CARRIER_MAIN,
	FAKE_CARRIER_FOREIGN,
};

/* splitmix64: ids, generated credentials and fault draws come from here. */
struct fake_rng {
	uint64_t state;
};
uint64_t fake_rng_next(struct fake_rng *rng);
/* Uniform in [0, bound). */
uint64_t fake_rng_below(struct fake_rng *rng, uint64_t bound);
double fake_rng_unit(struct fake_rng *rng);
/* A random (version 4) UUID, lower case. */
void fake_uuid(struct fake_rng *rng, char out[37]);

/* ---- store (trunks.c) ---- */

struct fake_trunk {
	char id[37];
	enum fake_carrier carrier;
	unsigned long long seq; /* creation order, the list's sort key */
	long long created_at;   /* epoch seconds */
	long long updated_at;
	/*
	 * Stored columns, every key always present (null when unset), in
	 * storage form: region is the alias, default_sender the cast value,
	 * inbound_source_ips in database row order.
	 */
	json_t *attrs;
	/* The rendered resource object (compact JSON), kept until the trunk changes. */
	char *rendered;
	size_t rendered_len;
};

struct fake_store {
	struct fake_trunk **items; /* ascending seq */
	size_t count, cap;
	unsigned long long next_seq;
	struct fake_rng rng;
	bool register_transport; /* the KejueAI/somleng ae7a2d8 attribute (§5.4) */
	const char *state_path;  /* NULL: memory only */
};

void fake_store_init(struct fake_store *st, uint64_t seed, bool register_transport,
                     const char *state_path);
void fake_store_clear(struct fake_store *st);
/* 0, or -1 with a message on stderr. A missing file is an empty store. */
int fake_store_load(struct fake_store *st);
/* Atomic (temp file, fsync, rename). 0 or -1. A no-op without a state path. */
int fake_store_save(const struct fake_store *st);

/* Lookup as PostgreSQL would compare uuid values: case-insensitive, canonical form. */
struct fake_trunk *fake_store_find(const struct fake_store *st, const char *id,
                                   enum fake_carrier carrier);
/* Index in st->items, or -1. */
long fake_store_index(const struct fake_store *st, const struct fake_trunk *t);
/* Takes ownership of attrs. Assigns id, seq and timestamps. NULL on allocation failure. */
struct fake_trunk *fake_store_add(struct fake_store *st, enum fake_carrier carrier, json_t *attrs,
                                  long long now);
void fake_store_remove(struct fake_store *st, struct fake_trunk *t);
/* Another trunk (any carrier) already has this username. */
bool fake_store_username_taken(const struct fake_store *st, const char *username,
                               const struct fake_trunk *except);
/* Haikunator-style "adjective-noun-NNNN", unique in the store, and a 24-char alphanumeric password.
 */
void fake_store_generate_credentials(struct fake_store *st, char username[64], char password[25]);
/* n trunks for the main carrier, spread over the modes and regions. */
int fake_store_add_samples(struct fake_store *st, int n, long long now);

/* A stored-columns object with every key at its database default. */
json_t *fake_trunk_defaults(const struct fake_store *st);
/*
 * The resource object {"id","type","attributes"} in serializer order (§4).
 * ips overrides the stored inbound_source_ips (the update response shows
 * request order); NULL renders the stored order.
 */
json_t *fake_trunk_render(const struct fake_store *st, const struct fake_trunk *t,
                          const json_t *ips);
/*
 * Compact JSON as ActiveSupport encodes it: <, >, & and U+2028/U+2029 as
 * backslash-u escapes (escape_html_entities_in_json). Newly allocated, or NULL.
 */
char *fake_json_dump(const json_t *doc);
/* fake_trunk_render of the stored trunk as compact JSON, cached; NULL when out of memory. */
const char *fake_trunk_json(const struct fake_store *st, struct fake_trunk *t, size_t *len);
/* Drops the cached rendering; call after changing attrs or timestamps. */
void fake_trunk_changed(struct fake_trunk *t);
/* PhoneNumberType#cast: the stored value for a default_sender input, or NULL. Newly allocated. */
char *fake_phone_cast(const char *input);
/* The rendered default_sender object for a stored value. */
json_t *fake_phone_render(const char *value);
void fake_format_time(long long epoch, char out[21]);

/* ---- request schemas (schema.c) ---- */

enum fake_op {
	FAKE_OP_CREATE,
	FAKE_OP_UPDATE,
};

enum fake_verdict {
	FAKE_VALID,
	FAKE_INVALID, /* 422 with the errors document */
	FAKE_CRASH,   /* 500: where the real service raises */
};

/*
 * Runs the schema phase then the rule phase over a parsed request body
 * (already deep-munged). For updates, resource_id is the trunk's id.
 * On FAKE_INVALID *errors is a new {"errors":[...]} document.
 */
enum fake_verdict fake_schema_check(const json_t *body, enum fake_op op, const char *resource_id,
                                    bool register_transport, json_t **errors);
/* Rails deep_munge: drops null elements from every array, recursively. */
void fake_deep_munge(json_t *v);
/* Resolv::IPv4::Regex. */
bool fake_ipv4_valid(const char *s);
/* Ruby's String#present?: not empty and not only whitespace. */
bool fake_present(const char *s);

/*
 * Applies a validated body to the stored columns. For a create, stored is
 * fake_trunk_defaults(); for an update the trunk's current columns, which
 * are replaced. *ips_order receives the request-order IP list when the body
 * sent inbound_source_ips (for the update response), else NULL.
 * Returns FAKE_VALID, or FAKE_CRASH for max_channels >= 2^31 or a taken username.
 */
enum fake_verdict fake_apply(struct fake_store *st, const json_t *body, enum fake_op op,
                             json_t *stored, const struct fake_trunk *self, json_t **ips_order);

/* ---- HTTP server (server.c) ---- */

struct fake_options {
	const char *bind;
	int port;
	const char **tokens;
	size_t token_count;
	const char *foreign_token;
	const char *unscoped_token;
	const char *revoked_token;
	const char *expired_token;
	bool any_host;
	bool register_transport;
	int samples;
	bool seeded;
	uint64_t seed;
	const char *state_path;
	bool clock_frozen;
	long long clock_start;
	json_t *faults; /* from the command line, same shape as POST /_fake/faults */
};

struct fake_server;
struct fake_server *fake_server_start(const struct fake_options *opt, int *port_out);
void fake_server_stop(struct fake_server *srv);

#endif
