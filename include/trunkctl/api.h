/*
 * The Carrier API client: /carrier/v1/sip_trunks over libcurl.
 *
 * One struct tc_api belongs to one thread (the sync worker, or a CLI command
 * run without a worker); it is not thread-safe. It keeps a curl multi handle
 * whose connection pool makes every request after the first reuse the same
 * TCP (and TLS) connection, and runs several requests at once when asked.
 *
 * Security contract:
 *   - TLS peers are always verified (ca_file only changes the trust store).
 *   - Plain http is refused (TC_SECURITY) unless the host is a loopback
 *     address, is resolved to one through a resolve override, or
 *     allow_insecure_http is set by the operator.
 *   - The token is copied into the handle and only ever written into the
 *     Authorization header; it never appears in a struct tc_error, and the
 *     trace callback sees header lines with the credentials redacted.
 *   - links.next is never fetched as given: only its path and query are
 *     taken, checked to be the collection path, and sent to the configured
 *     base, so a hostile answer cannot send the token elsewhere.
 *
 * Every answer is checked (status, Content-Type, JSON, document shape)
 * before anything in it is used; bodies are read with a size cap.
 */
#ifndef TRUNKCTL_API_H
#define TRUNKCTL_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trunkctl/error.h"
#include "trunkctl/trunk.h"

#define TC_API_COLLECTION_PATH "/carrier/v1/sip_trunks"
#define TC_API_PAGE_SIZE 100
/*
 * Requests tc_api_run keeps under way at once, each on a connection of its
 * own. A push is bound by round trips, so eight at once sends a thousand
 * changes in an eighth of the time while staying a polite load on one
 * server; the operator may go up to the cap, or down to one.
 */
#define TC_API_DEFAULT_CONNECTIONS 8u
#define TC_API_MAX_CONNECTIONS 16u

enum tc_api_auth {
	TC_API_AUTH_BEARER, /* Authorization: Bearer TOKEN (the default) */
	TC_API_AUTH_BASIC, /* Authorization: Basic base64(":" TOKEN); the server ignores the user */
};

/* Called from the owning thread with one line of the exchange, credentials redacted. */
typedef void (*tc_api_trace_fn)(void *ud, const char *line);

struct tc_api_config {
	const char *base_url; /* "https://api.somleng.org"; may carry a path prefix */
	const char *token;    /* copied; may be NULL only for tests of the refusal */
	enum tc_api_auth auth;
	const char *const *resolve; /* curl --resolve style "HOST:PORT:ADDR" entries */
	size_t resolve_count;
	const char *ca_file;      /* NULL: the system trust store */
	bool allow_insecure_http; /* operator's explicit consent to http off loopback */
	long connect_timeout_ms;  /* 0: 10 s */
	long timeout_ms;          /* whole exchange; 0: 60 s */
	long low_speed_time_s;    /* abort when under low_speed_limit B/s this long; 0: 20 s */
	long low_speed_limit;     /* 0: 100 B/s */
	size_t max_body;          /* one answer; 0: 32 MiB */
	/* One tc_api_list: trunks and answer bytes past which it stops; 0: 1,000,000 and 2 GiB */
	size_t max_list_trunks;
	uint64_t max_list_bytes;
	unsigned max_connections; /* concurrent requests of tc_api_run, capped at 16; 0: 8 */
	unsigned page_size;       /* list page[size], clamped to 1..100; 0: 100 */
	const char *user_agent;   /* NULL: "trunkctl" */
	tc_api_trace_fn trace;    /* NULL: no trace */
	void *trace_ud;
	/* Set from another thread to abort the exchanges under way (TC_CANCELLED). */
	const atomic_bool *cancel;
};

struct tc_api;

/*
 * Checks the configuration (URL syntax, scheme, resolve entries, the http
 * rule) and prepares the handle. Returns NULL with err filled (TC_CONFIG,
 * TC_SECURITY, TC_NOMEM).
 */
struct tc_api *tc_api_new(const struct tc_api_config *cfg, struct tc_error *err);
void tc_api_destroy(struct tc_api *api); /* accepts NULL; wipes the token copy */

enum tc_api_op {
	TC_API_GET,    /* GET /:id */
	TC_API_CREATE, /* POST the collection */
	TC_API_UPDATE, /* PATCH /:id with the attributes flagged in fields */
	TC_API_DELETE, /* DELETE /:id */
};

/*
 * One exchange for tc_api_run. The caller fills the inputs (which must stay
 * valid until tc_api_run returns) and tc_error_init()s err; tc_api_run fills
 * the results. http_status and request_id are set whenever the server
 * answered, also on success (the journal records them).
 */
struct tc_api_request {
	enum tc_api_op op;
	const char *id;               /* GET, UPDATE, DELETE */
	const struct tc_trunk *trunk; /* CREATE, UPDATE: the values to send */
	const bool *fields;           /* UPDATE: TC_FIELD_COUNT flags; NULL = every sendable */
	enum tc_status status;        /* result */
	int http_status;              /* 0 when no answer came */
	char request_id[80];          /* X-Request-Id of the answer, "" if none */
	struct tc_trunk *result;      /* GET, CREATE, UPDATE on TC_OK; the caller frees it */
	struct tc_error err;          /* why, when status != TC_OK */
};

/*
 * Runs the requests, up to max_connections at a time, and returns when all
 * have finished. Per-request outcomes are in reqs[i].status / err; the
 * return value is TC_OK unless the batch itself failed (TC_NOMEM,
 * TC_CANCELLED). DELETE answered 404 is TC_NOT_FOUND (the caller decides
 * that it means gone).
 */
enum tc_status tc_api_run(struct tc_api *api, struct tc_api_request *reqs, size_t n,
                          struct tc_error *err);

/*
 * tc_api_run, telling done(ud, i) of each request as it finishes, in the
 * order they finish: reqs[i] is then complete and tc_api_run_each no longer
 * touches it, so the caller may file the answer while the others are still
 * under way. Requests that never ran (refused before sending, or cut short by
 * a cancel) are told last. done runs on the calling thread and delays the
 * requests waiting for a connection while it runs.
 */
typedef void (*tc_api_done_fn)(void *ud, size_t i);
enum tc_status tc_api_run_each(struct tc_api *api, struct tc_api_request *reqs, size_t n,
                               tc_api_done_fn done, void *ud, struct tc_error *err);

/* Single-request conveniences over tc_api_run. *out is the caller's on TC_OK. */
enum tc_status tc_api_get(struct tc_api *api, const char *id, struct tc_trunk **out,
                          struct tc_error *err);
enum tc_status tc_api_create(struct tc_api *api, const struct tc_trunk *t, struct tc_trunk **out,
                             struct tc_error *err);
enum tc_status tc_api_update(struct tc_api *api, const char *id, const struct tc_trunk *t,
                             const bool *fields, struct tc_trunk **out, struct tc_error *err);
enum tc_status tc_api_delete(struct tc_api *api, const char *id, struct tc_error *err);

/*
 * Receives one page of the list, in the server's order. The callback may
 * take a trunk by setting its slot to NULL (it then owns it); the client
 * frees those left when the call returns. A non-TC_OK return stops the
 * listing and is returned by tc_api_list (fill err to explain).
 */
typedef enum tc_status (*tc_api_page_fn)(void *ud, struct tc_trunk **trunks, size_t count,
                                         struct tc_error *err);

/*
 * GETs the collection with page[size] (100 by default) and follows links.next until it
 * is null. A page that fails its checks stops the listing with the pages
 * before it already delivered: callers must not treat a failed listing as
 * the complete server state.
 */
enum tc_status tc_api_list(struct tc_api *api, tc_api_page_fn on_page, void *ud,
                           struct tc_error *err);

/*
 * GETs the first page of the list with page[size]=1, to learn whether the
 * server is reachable and takes the token, and its clock (Date header).
 * Returns the exchange's status (TC_OK, TC_AUTH, TC_FORBIDDEN, ...); out is
 * filled in every case.
 */
struct tc_api_probe {
	int http_status;        /* 0 when no answer came */
	bool have_date;         /* the answer carried a Date header */
	int64_t server_date_ms; /* that Date, ms since the epoch */
};
enum tc_status tc_api_probe(struct tc_api *api, struct tc_api_probe *out, struct tc_error *err);

struct tc_api_stats {
	unsigned long requests;   /* exchanges that got an HTTP answer */
	unsigned long connects;   /* new TCP connections opened (CURLINFO_NUM_CONNECTS) */
	unsigned long long bytes; /* response body bytes */
};
void tc_api_get_stats(const struct tc_api *api, struct tc_api_stats *out);

/* True for the failures worth retrying later: unreachable, timeout, 429, 5xx. */
bool tc_api_status_retryable(enum tc_status status);

/*
 * Retry delay in milliseconds for the attempt-th consecutive failure
 * (attempt >= 1): exponential from 1 s to a 5 min cap with equal jitter
 * (half fixed, half random from rnd), or the server's Retry-After when it
 * asked for one, capped at 1 h and never below the computed minimum.
 * Pure: the caller injects the random source.
 */
int64_t tc_api_backoff_ms(unsigned attempt, long retry_after_s, uint32_t rnd);
/* The server's Retry-After in milliseconds, capped at 1 h; 0 when it gave none. */
int64_t tc_api_retry_after_ms(long retry_after_s);

/* ---- pure helpers, exposed for tests and the configuration checker ---- */

/*
 * base + TC_API_COLLECTION_PATH [+ "/" + escaped id] [+ "?" + query].
 * A trailing "/" on base is dropped. Returns NULL on NOMEM.
 */
char *tc_api_build_url(const char *base, const char *id, const char *query);

/*
 * Parses "HOST:PORT:ADDR" (ADDR may be "[v6]"). host and addr are written
 * NUL-terminated (addr without brackets). Returns TC_OK or TC_CONFIG.
 */
enum tc_status tc_api_parse_resolve(const char *spec, char *host, size_t host_size, int *port,
                                    char *addr, size_t addr_size);

/* 127.0.0.0/8, ::1, "localhost" (and its subdomains). */
bool tc_api_is_loopback(const char *host_or_addr);

/*
 * Copies one header line (no trailing CR/LF needed) into out, replacing the
 * value of Authorization / Proxy-Authorization / Cookie headers with
 * "[redacted]" and any occurrence of token with "[redacted]". out is always
 * NUL-terminated.
 */
void tc_api_redact_line(const char *line, size_t len, const char *token, char *out,
                        size_t out_size);

/*
 * Accepts application/vnd.api+json and application/json, with parameters,
 * case-insensitively.
 */
bool tc_api_content_type_is_json(const char *content_type);

#endif
