/*
 * Status codes and caller-owned error records for the trunkctl core.
 *
 * Every fallible core function returns an enum tc_status and, when the caller
 * passes a struct tc_error, fills it with a sentence a person can act on plus,
 * for validation failures, one entry per field in the server's order.
 * Nothing here is global: the core runs on the UI thread and the sync worker.
 */
#ifndef TRUNKCTL_ERROR_H
#define TRUNKCTL_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* One list of codes and their default messages (X-macro). */
#define TC_STATUS_LIST(_)                                                                          \
	_(OK, "success")                                                                           \
	_(NOMEM, "out of memory")                                                                  \
	_(USAGE, "usage error")                                                                    \
	_(INVALID, "invalid input")                                                                \
	_(PARSE, "malformed document")                                                             \
	_(IO, "input/output error")                                                                \
	_(CONFIG, "configuration error")                                                           \
	_(STORE, "local store error")                                                              \
	_(CORRUPT, "the local store is damaged or is not a trunkctl store")                        \
	_(BUSY, "the local store is busy")                                                         \
	_(NOT_FOUND, "not found")                                                                  \
	_(CONFLICT, "conflicting changes")                                                         \
	_(READ_ONLY, "read-only mode refuses changes")                                             \
	_(OFFLINE, "offline: nothing was sent")                                                    \
	_(UNREACHABLE, "the Carrier API cannot be reached")                                        \
	_(TIMEOUT, "the Carrier API did not answer in time")                                       \
	_(AUTH, "the Carrier API refused the token (401)")                                         \
	_(FORBIDDEN, "the token lacks the carrier_api scope (403)")                                \
	_(REJECTED, "the Carrier API rejected the request (422)")                                  \
	_(RATE_LIMITED, "the Carrier API is rate limiting (429)")                                  \
	_(SERVER, "the Carrier API failed (5xx)")                                                  \
	_(PROTOCOL, "unexpected answer from the Carrier API")                                      \
	_(SECURITY, "refused for safety")                                                          \
	_(CANCELLED, "cancelled")

enum tc_status {
#define TC_STATUS_ENUM(name, msg) TC_##name,
	TC_STATUS_LIST(TC_STATUS_ENUM)
#undef TC_STATUS_ENUM
	    TC_STATUS_COUNT
};

enum tc_severity {
	TC_SEV_ERROR,
	TC_SEV_WARNING, /* advisory: the server would accept it, but it is probably wrong */
};

/*
 * One problem with one field (or with the document itself when field is
 * TC_FIELD_NONE, e.g. /data/type or /data/id). pointer and title are exactly
 * what the server sends (or would send); hint is an optional static sentence
 * for screens where the title does not help a person (the 249-code list).
 */
struct tc_field_error {
	int field; /* enum tc_field_id, or TC_FIELD_NONE (-1) */
	int index; /* array element for list fields, -1 for the whole field */
	enum tc_severity severity;
	/*
	 * The server reports schema errors (types, filled, ranges) first, in
	 * schema order, then rule errors (conditional requirements, region,
	 * IP syntax, id match) in rule order (tests/fake-carrier/SERVER-BEHAVIOUR.md
	 * §3.4); this says which it is.
	 */
	bool rule;
	char *pointer;    /* owned, e.g. "/data/attributes/inbound_source_ips/2" */
	char *title;      /* owned, e.g. "must be a string" */
	const char *hint; /* static or NULL */
};

struct tc_field_errors {
	size_t count;
	size_t cap;
	struct tc_field_error *items;
};

/* Caller-owned. tc_error_init before first use, tc_error_clear to reuse or release. */
struct tc_error {
	enum tc_status status;
	int http_status;   /* 0 when no HTTP exchange was involved */
	long retry_after;  /* seconds the server asked us to wait, 0 if none */
	char message[512]; /* one sentence, never a secret */
	char request_id[80];
	struct tc_field_errors fields;
};

const char *tc_status_name(enum tc_status status);    /* "NOT_FOUND" */
const char *tc_status_message(enum tc_status status); /* "not found" */

void tc_error_init(struct tc_error *err);
/* Frees the field errors and resets to TC_OK. Accepts NULL. */
void tc_error_clear(struct tc_error *err);
/*
 * Sets status and a printf-style message (the default message when fmt is
 * NULL) and returns status, so callers can `return tc_error_set(...)`.
 * err may be NULL.
 */
enum tc_status tc_error_set(struct tc_error *err, enum tc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum tc_status tc_error_vset(struct tc_error *err, enum tc_status status, const char *fmt,
                             va_list ap) __attribute__((format(printf, 3, 0)));

/* Appends a copy of pointer and title. Returns TC_OK or TC_NOMEM. */
enum tc_status tc_field_errors_add(struct tc_field_errors *errs, int field, int index,
                                   enum tc_severity severity, const char *pointer,
                                   const char *title, const char *hint);
/* As tc_field_errors_add, for an error the server reports as a rule error. */
enum tc_status tc_field_errors_add_rule(struct tc_field_errors *errs, int field, int index,
                                        enum tc_severity severity, const char *pointer,
                                        const char *title, const char *hint);
size_t tc_field_errors_count(const struct tc_field_errors *errs, enum tc_severity severity);
/* First entry for field (any index) of the given severity, or NULL. */
const struct tc_field_error *tc_field_errors_find(const struct tc_field_errors *errs, int field,
                                                  enum tc_severity severity);
/* Moves all entries of src to the end of dst; src is left empty. */
enum tc_status tc_field_errors_move(struct tc_field_errors *dst, struct tc_field_errors *src);
void tc_field_errors_finish(struct tc_field_errors *errs); /* accepts NULL */

#endif
