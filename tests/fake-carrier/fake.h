/*
 * trunkctl-fake-api: a stand-in for the patched Somleng Carrier API
 * (SERVER-BEHAVIOUR.md, next to it), private to tests/fake-carrier.
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
	bool register_transport; /* the newer server's attribute (§2.5) */
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
/* Takes ownership of attrs. Assigns id, seq and timestamps. NULL on allocation failure. */
struct fake_trunk *fake_store_add(struct fake_store *st, enum fake_carrier carrier, json_t *attrs,
                                  long long now);
void fake_store_remove(struct fake_store *st, struct fake_trunk *t);
/* Another trunk (any carrier) already has this username. */
bool fake_store_username_taken(const struct fake_store *st, const char *username,
                               const struct fake_trunk *except);
/* A Haikunator-style "adjective-noun-NNNN" unique in the store, and 24 alphanumerics. */
void fake_store_generate_credentials(struct fake_store *st, char username[64], char password[25]);
/* n trunks for the main carrier, spread over the modes and regions. */
int fake_store_add_samples(struct fake_store *st, int n, long long now);

/* A stored-columns object with every key at its database default. */
json_t *fake_trunk_defaults(const struct fake_store *st);
/*
 * The resource object {"id","type","attributes"} in serializer order (SERVER-BEHAVIOUR.md §2.1).
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
enum fake_time_format {
	FAKE_ISO8601,   /* 2026-02-17T08:05:33Z, the serializer's timestamps */
	FAKE_HTTP_DATE, /* Tue, 17 Feb 2026 08:05:33 GMT */
};
void fake_format_time(long long epoch, enum fake_time_format format, char *out, size_t n);

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

/* ---- faults (faults.c) ---- */

enum fake_method {
	FAKE_GET,
	FAKE_HEAD,
	FAKE_POST,
	FAKE_PUT,
	FAKE_PATCH,
	FAKE_DELETE,
	FAKE_OTHER,
	FAKE_METHOD_COUNT,
};
const char *fake_method_name(enum fake_method m); /* "OTHER" for FAKE_OTHER */
enum fake_method fake_method_parse(const char *name);

/* In the order they are tried; one per request at most. */
enum fake_fault {
	FAULT_HANG,
	FAULT_RATE_LIMIT,
	FAULT_ERROR,
	FAULT_CLOSE,
	FAULT_TRUNCATE,
	FAULT_MALFORMED,
	FAULT_OVERSIZE,
	FAULT_ECHO_AUTH,
	FAULT_NEXT_LOOP,
	FAULT_REPEAT_IDS,
	FAULT_BIG_PAGE,
	FAULT_COUNT,
	FAULT_NONE = FAULT_COUNT,
};
const char *fake_fault_name(enum fake_fault k);

struct fake_faults {
	long latency_ms;
	long long count[FAULT_COUNT];
	double rate[FAULT_COUNT];
	int statuses[8];
	size_t nstatuses;
	int retry_after;
	int echo_status;  /* of echo_auth answers */
	unsigned methods; /* bit per enum fake_method; 0 = every method */
};

void fake_faults_clear(struct fake_faults *f);
/* Replaces *f from the POST /_fake/faults document; NULL, or a static reason. */
const char *fake_faults_from_json(const json_t *doc, struct fake_faults *f);
json_t *fake_faults_to_json(const struct fake_faults *f);
/* The fault for one request (FAULT_NONE for none), its error status and the delay in ms. */
enum fake_fault fake_faults_pick(struct fake_faults *f, struct fake_rng *rng, enum fake_method m,
                                 int *status, long *latency);

/* ---- Rack and ActiveSupport text handling (rack.c) ---- */

/* URI.decode_www_form_component ('+' is a space when plus); NULL for a bad '%' sequence. */
char *fake_form_decode(const char *s, size_t n, bool plus);
/* Rack's nested query parser, '&' only, into params; -1 for a 400 (bad escape, type clash). */
int fake_parse_query(const char *q, json_t *params);
/* ActiveSupport #to_query of a parsed query (keys sorted, CGI-escaped); ns NULL at the top. */
char *fake_to_query(const json_t *v, const char *ns);
/* Ruby's String#to_i, saturated. */
long long fake_ruby_to_i(const char *s);
/* Deeper than Ruby JSON's max_nesting (100). */
bool fake_json_too_deep(const char *s, size_t n);
/*
 * Ruby reads integers of any size; jansson refuses those beyond 64 bits.
 * Returns a copy with such literals clamped to +/-9223372036854775807 (the
 * same verdicts: a type error, "must be greater than 0", or the database's
 * overflow), or NULL when there is none (or no memory).
 */
char *fake_json_clamp_integers(const char *s, size_t n, size_t *out_n);
/* Ruby's lenient Base64.decode64. */
char *fake_base64_decode(const char *s);
bool fake_parse_http_date(const char *s, long long *out);
/* A weak ETag of the body. */
void fake_weak_etag(const char *body, size_t len, char out[40]);

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
