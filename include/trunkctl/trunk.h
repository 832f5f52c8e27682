/*
 * The SIP trunk model and its one field table.
 *
 * The table (tc_field_info) is the single description of every attribute the
 * Carrier API renders (tests/fake-carrier/SERVER-BEHAVIOUR.md §2.1). The codec, the
 * validators, the store, the forms, CSV columns and help text all loop over it.
 * Its rows live in include/trunkctl/fields.def, which gives both the enum and
 * the rows, so the two cannot drift apart. The enum order is the server's
 * serializer order.
 *
 * Each field has a kind (enum tc_field_kind): what sort of value it holds,
 * which decides its value type, its checks, when two values mean the same,
 * its picker, its alignment and the kind's part of its help text. Code that
 * treats a value by what it is asks the kind (tc_field_same_value,
 * tc_field_picker, tc_field_is_numeric…), never the field id; only rules that
 * belong to one attribute (those that depend on the authentication mode, say)
 * name a field.
 *
 * To add an attribute (the server's newer register_transport, say): add a row
 * to fields.def at its place in the serializer order, with its schema and rule
 * positions. If its values are of a kind already listed, that is all; the
 * codec, store columns, CSV, forms, help and man page follow (regenerate the
 * man page with `ninja -C build man-update`). A new sort of value needs a line
 * in TC_FIELD_KINDS and its cases in src/field_kind.c and src/validate.c.
 */
#ifndef TRUNKCTL_TRUNK_H
#define TRUNKCTL_TRUNK_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"

enum tc_field_id {
	TC_FIELD_NONE = -1,
#define TC_FIELD(id, ...) TC_F_##id,
#include "trunkctl/fields.def"
#undef TC_FIELD
	TC_FIELD_COUNT
};

enum tc_value_type {
	TC_T_STRING,
	TC_T_INT,
	TC_T_BOOL,
	TC_T_LIST, /* array of strings */
};

enum tc_mode {
	TC_MODE_UNKNOWN = -1,
	TC_MODE_IP_ADDRESS,
	TC_MODE_CLIENT_CREDENTIALS,
	TC_MODE_OUTBOUND_REGISTRATION,
	TC_MODE_COUNT
};

#define TC_MODE_BIT(m) (1u << (m))
#define TC_MODES_ALL                                                                               \
	(TC_MODE_BIT(TC_MODE_IP_ADDRESS) | TC_MODE_BIT(TC_MODE_CLIENT_CREDENTIALS) |               \
	 TC_MODE_BIT(TC_MODE_OUTBOUND_REGISTRATION))
#define TC_MODES_CREDENTIALS                                                                       \
	(TC_MODE_BIT(TC_MODE_CLIENT_CREDENTIALS) | TC_MODE_BIT(TC_MODE_OUTBOUND_REGISTRATION))
#define TC_MODES_OUTREG TC_MODE_BIT(TC_MODE_OUTBOUND_REGISTRATION)

/*
 * The kinds of value, each with the value type it is stored as:
 * X(KIND, TYPE) gives TC_K_<KIND> stored as TC_T_<TYPE>.
 */
#define TC_FIELD_KINDS(X)                                                                          \
	X(TEXT, STRING)      /* kept verbatim */                                                   \
	X(TIMESTAMP, STRING) /* ISO 8601 in UTC, rendered by the server */                         \
	X(MODE, STRING)      /* an enum tc_mode name */                                            \
	X(REGION, STRING)    /* a region alias from the server's list */                           \
	X(COUNTRY, STRING)   /* ISO 3166-1 alpha-2 code */                                         \
	X(HOST, STRING)      /* host or host:port */                                               \
	X(SENDER, STRING)    /* a phone number, of which the server keeps the digits */            \
	X(USERNAME, STRING)  /* SIP user name */                                                   \
	X(PASSWORD, STRING)  /* SIP secret */                                                      \
	X(POSITIVE_INT, INT) /* a whole number above 0 */                                          \
	X(BOOLEAN, BOOL)     /* true/false */                                                      \
	X(IPV4_SET, LIST)    /* IPv4 addresses, order and repeats without meaning */               \
	X(PREFIX_LIST, LIST) /* number prefixes */

enum tc_field_kind {
#define TC_KIND(kind, type) TC_K_##kind,
	TC_FIELD_KINDS(TC_KIND)
#undef TC_KIND
	    TC_K_COUNT
};

enum tc_field_group {
	TC_G_META,
	TC_G_IDENTITY,
	TC_G_INBOUND,
	TC_G_OUTBOUND,
	TC_G_REGISTRATION,
	TC_G_CREDENTIALS,
	TC_G_COUNT
};

enum tc_field_flags {
	TC_FF_READONLY = 1u << 0,        /* rendered by the server, never sent */
	TC_FF_SEND_CREATE = 1u << 1,     /* may appear in a POST body */
	TC_FF_SEND_UPDATE = 1u << 2,     /* may appear in a PATCH body */
	TC_FF_REQUIRED = 1u << 3,        /* required on create */
	TC_FF_REQUIRED_OUTREG = 1u << 4, /* required on create in outbound_registration mode */
	TC_FF_NULLABLE = 1u << 5,        /* JSON null accepted on input (else "must be filled") */
	TC_FF_SECRET = 1u << 6,          /* masked unless revealed; never logged */
	TC_FF_MODE_SCOPED = 1u << 7,     /* key rendered only in TC_MODES_CREDENTIALS */
	TC_FF_SEARCHABLE = 1u << 8,      /* part of the list filter */
	TC_FF_SEND = TC_FF_SEND_CREATE | TC_FF_SEND_UPDATE,
};

struct tc_field_info {
	enum tc_field_id id;
	const char *key;   /* JSON attribute name, also the CSV column and --set key */
	const char *label; /* for forms and detail screens */
	enum tc_field_group group;
	enum tc_field_kind kind;
	enum tc_value_type type; /* the kind's, see TC_FIELD_KINDS */
	unsigned flags;          /* enum tc_field_flags */
	unsigned modes;          /* TC_MODE_BIT mask: modes whose form shows the field */
	int schema_order;    /* position in the server's request schema (§3.2), -1 if never sent */
	int rule_order;      /* position among the server's rule errors (§3.4), -1 if none */
	size_t advisory_max; /* documented limit the server does not enforce; 0 = none */
	const char *help;    /* the field's part of its help line; see tc_field_help */
};

/* Indexed by enum tc_field_id. */
const struct tc_field_info *tc_field(enum tc_field_id id);
/* By JSON key; NULL when the key is unknown. */
const struct tc_field_info *tc_field_by_key(const char *key);
const char *tc_field_group_label(enum tc_field_group group);
/* The keys of the fields set in which, ", "-separated, into buf (truncated to size). */
void tc_field_keys(const bool which[TC_FIELD_COUNT], char *buf, size_t size);

const char *tc_mode_name(enum tc_mode mode);  /* NULL for TC_MODE_UNKNOWN */
enum tc_mode tc_mode_parse(const char *name); /* TC_MODE_UNKNOWN when not one of the three */
/* "ip", "client", "register": the list's column and filters; NULL for TC_MODE_UNKNOWN. */
const char *tc_mode_short_name(enum tc_mode mode);
bool tc_field_shown_in_mode(enum tc_field_id id, enum tc_mode mode);

/* ---- values ---- */

enum tc_value_state {
	TC_V_ABSENT, /* the key is not there (not rendered, or not edited) */
	TC_V_NULL,   /* JSON null */
	TC_V_SET,
};

struct tc_list {
	size_t count;
	char **items;
};

struct tc_value {
	enum tc_value_state state;
	char *s;             /* TC_T_STRING */
	long long i;         /* TC_T_INT */
	bool b;              /* TC_T_BOOL */
	struct tc_list list; /* TC_T_LIST */
};

/*
 * A trunk as a set of attribute values. id is the server id (a UUID), a local
 * id ("local-…") for an offline create, or NULL for a record being composed.
 * extra_json keeps the attributes this build does not know (a newer server's
 * register_transport, say) as a JSON object text, so they are written back
 * unchanged instead of being dropped. document is the JSON:API resource
 * object the values were decoded from, compact text as the server sent it
 * (NULL when the trunk did not come from the server): the store keeps it for
 * the operator to see the server's own rendering.
 */
struct tc_trunk {
	char *id;
	struct tc_value values[TC_FIELD_COUNT];
	char *extra_json;
	char *document;
};

struct tc_trunk *tc_trunk_new(void);
void tc_trunk_destroy(struct tc_trunk *trunk); /* accepts NULL */
struct tc_trunk *tc_trunk_dup(const struct tc_trunk *trunk);

/* Setters copy their arguments. They return TC_OK, TC_NOMEM, or TC_INVALID for a type mismatch. */
enum tc_status tc_trunk_set_id(struct tc_trunk *t, const char *id);
enum tc_status tc_trunk_set_string(struct tc_trunk *t, enum tc_field_id f, const char *s);
enum tc_status tc_trunk_set_int(struct tc_trunk *t, enum tc_field_id f, long long i);
enum tc_status tc_trunk_set_bool(struct tc_trunk *t, enum tc_field_id f, bool b);
enum tc_status tc_trunk_set_list(struct tc_trunk *t, enum tc_field_id f, const char *const *items,
                                 size_t count);
enum tc_status tc_trunk_set_null(struct tc_trunk *t, enum tc_field_id f);
enum tc_status tc_trunk_set_value(struct tc_trunk *t, enum tc_field_id f, const struct tc_value *v);
void tc_trunk_unset(struct tc_trunk *t, enum tc_field_id f); /* back to TC_V_ABSENT */

/* Getters: NULL / false / 0 unless the value is TC_V_SET. */
const char *tc_trunk_string(const struct tc_trunk *t, enum tc_field_id f);
bool tc_trunk_has(const struct tc_trunk *t, enum tc_field_id f); /* state == TC_V_SET */
enum tc_mode tc_trunk_mode(const struct tc_trunk *t);

void tc_value_clear(struct tc_value *v);
enum tc_status tc_value_copy(struct tc_value *dst, const struct tc_value *src,
                             enum tc_value_type type);
/* Equal state and, when set, equal content. ABSENT equals ABSENT only. */
bool tc_value_equal(const struct tc_value *a, const struct tc_value *b, enum tc_value_type type);
/* Like tc_value_equal, but ABSENT, NULL, "" and [] are all "no value". */
bool tc_value_same_meaning(const struct tc_value *a, const struct tc_value *b,
                           enum tc_value_type type);

/*
 * Text form, used by --set, CSV, forms and the detail screen. Lists are
 * comma-separated (spaces around items trimmed, "" is the empty list);
 * booleans true/false; integers in decimal. An empty text is null for
 * TC_FF_NULLABLE strings and for integers, otherwise the empty string.
 * Parse failures carry the server's titles ("must be an integer",
 * "must be boolean") in err->fields.
 */
enum tc_status tc_value_from_text(enum tc_field_id f, const char *text, struct tc_value *out,
                                  struct tc_error *err);
/* Newly allocated; "" for absent or null. Secrets are masked unless reveal. */
char *tc_value_to_text(enum tc_field_id f, const struct tc_value *v, bool reveal);

/*
 * One `--set KEY=VALUE` assignment onto t: KEY is an attribute's JSON key,
 * VALUE its text form as tc_value_from_text reads it, where "[]" also stands
 * for the empty list. Returns TC_OK; TC_USAGE (message only) when there is
 * no "=", the key is empty or unknown, or the attribute is read-only;
 * TC_INVALID with the server's title in err->fields for a value of the
 * wrong type; TC_NOMEM. t is unchanged unless TC_OK.
 */
enum tc_status tc_trunk_assign(struct tc_trunk *t, const char *assignment, struct tc_error *err);

/* The mask shown for a secret that has a value. */
#define TC_SECRET_MASK "********"

/*
 * Flat JSON: one object of attributes keyed by tc_field_info.key plus "id",
 * with region as its alias and default_sender as its value string (the store's
 * and the CLI's format). Unknown keys go to extra_json.
 */
enum tc_json_flags {
	TC_JSON_REVEAL = 1u << 0,      /* secrets in clear (else TC_SECRET_MASK) */
	TC_JSON_WITH_ID = 1u << 1,     /* include "id" */
	TC_JSON_WITH_ABSENT = 1u << 2, /* absent fields as null, so every key is present */
	TC_JSON_WITH_EXTRA = 1u << 3,  /* merge extra_json back in */
};
char *tc_trunk_to_flat_json(const struct tc_trunk *t, unsigned flags);
/*
 * Decodes a flat object. Type errors are reported per field with the server's
 * titles and pointers (/data/attributes/<key>); the other fields are still
 * decoded. Returns TC_OK, TC_INVALID (field errors in err), TC_PARSE or TC_NOMEM.
 */
enum tc_status tc_trunk_from_flat_json(const char *text, size_t len, struct tc_trunk **out,
                                       struct tc_error *err);

/* Fields whose values differ (tc_value_equal); returns how many. differs may be NULL. */
size_t tc_trunk_diff(const struct tc_trunk *a, const struct tc_trunk *b,
                     bool differs[TC_FIELD_COUNT]);

/* ---- kinds (src/field_kind.c) ---- */

struct tc_region;

/*
 * Whether a and b store the same thing on the server: tc_value_same_meaning,
 * and for a sender the same digits, for an IPv4 set the same addresses in any
 * order and number of repeats (the server keeps one of each, reordered).
 */
bool tc_field_same_value(enum tc_field_id f, const struct tc_value *a, const struct tc_value *b);

/* A number: right-aligned in columns. */
bool tc_field_is_numeric(enum tc_field_id f);
/* Text or a list of texts (not a number or boolean): a CSV cell that is quoted and guarded. */
bool tc_field_is_text(enum tc_field_id f);

enum tc_field_picker {
	TC_PICK_NONE,
	TC_PICK_CYCLE, /* a small closed set (modes, booleans) the form also steps through */
	TC_PICK_LIST,  /* one of a list the server provides (regions) */
	TC_PICK_CODE,  /* a typed code the picker narrows as it is typed (countries) */
};
enum tc_field_picker tc_field_picker(enum tc_field_id f);
/*
 * The picker's options into out (at most cap), pointers to static text or into
 * regions; a TC_PICK_CODE list holds the codes that start with typed. Returns
 * how many were stored.
 */
size_t tc_field_options(enum tc_field_id f, const struct tc_region *regions, size_t region_count,
                        const char *typed, const char **out, size_t cap);
/* The most characters a value of the kind has, 0 when it has no fixed length. */
size_t tc_field_max_chars(enum tc_field_id f);
/* Whether typed letters are taken in capitals (country codes). */
bool tc_field_uppercase(enum tc_field_id f);

/*
 * The one line of help for --help and the man page, into buf (truncated to
 * size): the row's help, what the kind accepts, and "(required)".
 */
void tc_field_help(enum tc_field_id f, char *buf, size_t size);

#endif
