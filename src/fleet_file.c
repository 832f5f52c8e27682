/*
 * The fleet file in YAML (and JSON, which libyaml reads as YAML): a reader
 * over libyaml's event parser and a writer over its emitter. Events rather
 * than the document loader: the reader never builds a tree, an alias is
 * refused the moment it appears (no "billion laughs"), and every value
 * keeps the line it was on for the messages.
 */
#include "trunkctl/fleet_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util.h"

void tc_fleet_finish(struct tc_fleet *fleet)
{
	if (!fleet)
		return;
	for (size_t i = 0; i < fleet->count; i++)
		tc_trunk_destroy(fleet->trunks[i]);
	free(fleet->trunks);
	free(fleet->lines);
	tc_field_errors_finish(&fleet->ignored);
	memset(fleet, 0, sizeof(*fleet));
}

/* ---- reading ---- */

struct reader {
	yaml_parser_t parser;
	yaml_event_t ev; /* the event last taken; deleted before the next */
	bool have_ev;
	const char *name;
	struct tc_fleet *out;
	size_t cap;
	struct tc_error *err;
};

static size_t line_of(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

static enum tc_status fail_at(struct reader *r, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum tc_status fail_at(struct reader *r, size_t line, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return tc_error_set(r->err, TC_PARSE, "%s:%zu: %s", r->name, line, what);
}

/* Takes the next event into r->ev. Parse errors name the file and the line. */
static enum tc_status next(struct reader *r)
{
	if (r->have_ev)
		yaml_event_delete(&r->ev);
	r->have_ev = false;
	if (!yaml_parser_parse(&r->parser, &r->ev)) {
		if (r->parser.error == YAML_MEMORY_ERROR)
			return tc_error_set(r->err, TC_NOMEM, NULL);
		return tc_error_set(r->err, TC_PARSE, "%s:%zu: not YAML or JSON: %s%s%s", r->name,
		                    r->parser.problem_mark.line + 1,
		                    r->parser.problem ? r->parser.problem : "syntax error",
		                    r->parser.context ? " " : "",
		                    r->parser.context ? r->parser.context : "");
	}
	r->have_ev = true;
	if (r->ev.type == YAML_ALIAS_EVENT)
		return fail_at(r, line_of(&r->ev),
		               "aliases (*name) are not accepted in a fleet file");
	const yaml_char_t *tag =
	    r->ev.type == YAML_SCALAR_EVENT           ? r->ev.data.scalar.tag
	    : r->ev.type == YAML_SEQUENCE_START_EVENT ? r->ev.data.sequence_start.tag
	    : r->ev.type == YAML_MAPPING_START_EVENT  ? r->ev.data.mapping_start.tag
	                                              : NULL;
	if (tag)
		return fail_at(r, line_of(&r->ev), "tags (%s) are not accepted in a fleet file",
		               (const char *)tag);
	return TC_OK;
}

/* Consumes the rest of the node whose first event is r->ev. */
static enum tc_status skip_node(struct reader *r)
{
	size_t depth = 0;
	enum tc_status rc = TC_OK;
	do {
		if (r->ev.type == YAML_SEQUENCE_START_EVENT ||
		    r->ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (r->ev.type == YAML_SEQUENCE_END_EVENT ||
		         r->ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		if (depth > 0)
			rc = next(r);
	} while (rc == TC_OK && depth > 0);
	return rc;
}

static bool is_null_scalar(const yaml_event_t *ev)
{
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)ev->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

/* A value's text form refused by its kind: the field's rule, at the value's line. */
static enum tc_status bad_value(struct reader *r, size_t line, const char *key,
                                struct tc_error *verr)
{
	const char *title = verr->fields.count ? verr->fields.items[0].title : verr->message;
	enum tc_status rc = verr->status == TC_NOMEM
	                        ? tc_error_set(r->err, TC_NOMEM, NULL)
	                        : fail_at(r, line, "%s %s", key, title ? title : "is not valid");
	tc_error_clear(verr);
	return rc;
}

/* A sequence value (r->ev is its start) as the list field f. */
static enum tc_status read_list(struct reader *r, struct tc_trunk *t,
                                const struct tc_field_info *fi)
{
	size_t line = line_of(&r->ev), n = 0, cap = 0;
	char **items = NULL;
	enum tc_status rc = fi->type == TC_T_LIST
	                        ? TC_OK
	                        : fail_at(r, line, "%s takes one value, not a list", fi->key);
	while (rc == TC_OK && (rc = next(r)) == TC_OK && r->ev.type != YAML_SEQUENCE_END_EVENT) {
		if (r->ev.type != YAML_SCALAR_EVENT) {
			rc = fail_at(r, line_of(&r->ev),
			             "%s: each item of the list must be a value", fi->key);
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **grown = realloc(items, ncap * sizeof(*items));
			if (!grown) {
				rc = tc_error_set(r->err, TC_NOMEM, NULL);
				break;
			}
			items = grown;
			cap = ncap;
		}
		if (!(items[n] = strdup((const char *)r->ev.data.scalar.value)))
			rc = tc_error_set(r->err, TC_NOMEM, NULL);
		else
			n++;
	}
	if (rc == TC_OK && tc_trunk_set_list(t, fi->id, (const char *const *)items, n) != TC_OK)
		rc = tc_error_set(r->err, TC_NOMEM, NULL);
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
	return rc;
}

/* The value of attribute fi (r->ev is its first event) onto t. */
static enum tc_status read_value(struct reader *r, struct tc_trunk *t,
                                 const struct tc_field_info *fi)
{
	size_t line = line_of(&r->ev);
	if (r->ev.type == YAML_SEQUENCE_START_EVENT)
		return read_list(r, t, fi);
	if (r->ev.type != YAML_SCALAR_EVENT)
		return fail_at(r, line, "%s must be a value, not a mapping", fi->key);
	const char *v = (const char *)r->ev.data.scalar.value;
	if (is_null_scalar(&r->ev))
		return tc_trunk_set_null(t, fi->id) == TC_OK ? TC_OK
		                                             : tc_error_set(r->err, TC_NOMEM, NULL);
	/* an export's mask stands for "the secret as it is", never for a new value */
	if ((fi->flags & TC_FF_SECRET) && strcmp(v, TC_SECRET_MASK) == 0)
		return TC_OK;
	struct tc_error verr;
	tc_error_init(&verr);
	if (tc_value_from_text(fi->id, v, &t->values[fi->id], &verr) != TC_OK)
		return bad_value(r, line, fi->key, &verr);
	return TC_OK;
}

static enum tc_status read_id(struct reader *r, struct tc_trunk *t)
{
	if (r->ev.type != YAML_SCALAR_EVENT)
		return fail_at(r, line_of(&r->ev), "id must be a value");
	if (is_null_scalar(&r->ev))
		return TC_OK;
	return tc_trunk_set_id(t, (const char *)r->ev.data.scalar.value) == TC_OK
	           ? TC_OK
	           : tc_error_set(r->err, TC_NOMEM, NULL);
}

static enum tc_status note_ignored(struct reader *r, size_t line, const char *key)
{
	char where[300], title[300];
	snprintf(where, sizeof(where), "%s:%zu", r->name, line);
	snprintf(title, sizeof(title), "%s is not an attribute trunkctl knows: ignored", key);
	return tc_field_errors_add(&r->out->ignored, TC_FIELD_NONE, -1, TC_SEV_WARNING, where,
	                           title, NULL);
}

static enum tc_status append(struct reader *r, struct tc_trunk *t, size_t line)
{
	struct tc_fleet *f = r->out;
	if (f->count == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		struct tc_trunk **tr = realloc(f->trunks, ncap * sizeof(*tr));
		if (tr)
			f->trunks = tr;
		size_t *ln = tr ? realloc(f->lines, ncap * sizeof(*ln)) : NULL;
		if (ln)
			f->lines = ln;
		if (!tr || !ln)
			return tc_error_set(r->err, TC_NOMEM, NULL);
		r->cap = ncap;
	}
	f->trunks[f->count] = t;
	f->lines[f->count++] = line;
	return TC_OK;
}

/* One trunk: r->ev is its MAPPING_START. */
static enum tc_status read_trunk(struct reader *r)
{
	size_t line = line_of(&r->ev);
	struct tc_trunk *t = tc_trunk_new();
	if (!t)
		return tc_error_set(r->err, TC_NOMEM, NULL);
	bool seen[TC_FIELD_COUNT] = {false}, seen_id = false;
	enum tc_status rc;
	while ((rc = next(r)) == TC_OK && r->ev.type != YAML_MAPPING_END_EVENT) {
		if (r->ev.type != YAML_SCALAR_EVENT) {
			rc = fail_at(r, line_of(&r->ev), "a key must be an attribute name");
			break;
		}
		size_t kline = line_of(&r->ev);
		char key[128];
		snprintf(key, sizeof(key), "%s", (const char *)r->ev.data.scalar.value);
		const struct tc_field_info *fi = tc_field_by_key(key);
		bool is_id = strcmp(key, "id") == 0;
		if ((fi && seen[fi->id]) || (is_id && seen_id)) {
			rc = fail_at(r, kline, "%s is given twice for this trunk", key);
			break;
		}
		if ((rc = next(r)) != TC_OK)
			break;
		if (is_id) {
			seen_id = true;
			rc = read_id(r, t);
		} else if (fi && !(fi->flags & TC_FF_READONLY)) {
			seen[fi->id] = true;
			rc = read_value(r, t, fi);
		} else {
			if (fi)
				seen[fi->id] = true;
			else if (strcmp(key, "sync_state") != 0)
				rc = note_ignored(r, kline, key);
			if (rc == TC_OK)
				rc = skip_node(r);
		}
		if (rc != TC_OK)
			break;
	}
	if (rc == TC_OK)
		rc = append(r, t, line);
	if (rc != TC_OK)
		tc_trunk_destroy(t);
	return rc;
}

/* The document's root node: r->ev is its first event. */
static enum tc_status read_root(struct reader *r)
{
	if (r->ev.type == YAML_MAPPING_START_EVENT)
		return read_trunk(r);
	if (r->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(r, line_of(&r->ev),
		               "expected a list of trunks (or one trunk), each a mapping of "
		               "attributes");
	enum tc_status rc;
	while ((rc = next(r)) == TC_OK && r->ev.type != YAML_SEQUENCE_END_EVENT) {
		if (r->ev.type != YAML_MAPPING_START_EVENT)
			return fail_at(
			    r, line_of(&r->ev),
			    "each item of the list must be a trunk: a mapping of attributes");
		if ((rc = read_trunk(r)) != TC_OK)
			return rc;
	}
	return rc;
}

static enum tc_status read_stream(struct reader *r)
{
	enum tc_status rc = next(r); /* stream start */
	if (rc == TC_OK)
		rc = next(r);
	if (rc == TC_OK && r->ev.type == YAML_STREAM_END_EVENT)
		return tc_error_set(r->err, TC_PARSE, "%s holds no trunks (an empty fleet is [])",
		                    r->name);
	if (rc == TC_OK)
		rc = next(r); /* past the document start */
	if (rc == TC_OK)
		rc = read_root(r);
	if (rc == TC_OK)
		rc = next(r); /* document end */
	if (rc == TC_OK)
		rc = next(r);
	if (rc == TC_OK && r->ev.type != YAML_STREAM_END_EVENT)
		rc = fail_at(r, line_of(&r->ev),
		             "a fleet file holds one document (one list of trunks)");
	return rc;
}

enum tc_status tc_fleet_read_yaml(const char *text, size_t len, const char *name,
                                  struct tc_fleet *out, struct tc_error *err)
{
	memset(out, 0, sizeof(*out));
	struct reader r = {.name = name ? name : "-", .out = out, .err = err};
	if (!yaml_parser_initialize(&r.parser))
		return tc_error_set(err, TC_NOMEM, NULL);
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
	enum tc_status rc = read_stream(&r);
	if (r.have_ev)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	if (rc != TC_OK)
		tc_fleet_finish(out);
	return rc;
}

/* ---- writing ---- */

struct outbuf {
	char *p;
	size_t len, cap;
};

static int put_out(void *data, unsigned char *buffer, size_t size)
{
	struct outbuf *b = data;
	char *grown = tc_grow(b->p, &b->cap, b->len + size + 1, 1, 1024);
	if (!grown)
		return 0;
	b->p = grown;
	memcpy(b->p + b->len, buffer, size);
	b->len += size;
	b->p[b->len] = '\0';
	return 1;
}

static bool emit_scalar(yaml_emitter_t *em, const char *v, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	return yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)v, (int)strlen(v), 1, 1,
	                                    style) &&
	       yaml_emitter_emit(em, &ev);
}

static bool emit_event(yaml_emitter_t *em, int ok, yaml_event_t *ev)
{
	return ok && yaml_emitter_emit(em, ev);
}

static bool emit_value(yaml_emitter_t *em, enum tc_field_id f, const struct tc_value *v,
                       bool reveal)
{
	const struct tc_field_info *fi = tc_field(f);
	if (v->state != TC_V_SET)
		return emit_scalar(em, "null", YAML_PLAIN_SCALAR_STYLE);
	char num[32];
	yaml_event_t ev;
	switch (fi->type) {
	case TC_T_STRING: {
		const char *s = v->s ? v->s : "";
		if ((fi->flags & TC_FF_SECRET) && !reveal && *s)
			s = TC_SECRET_MASK;
		return emit_scalar(em, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	}
	case TC_T_INT:
		snprintf(num, sizeof(num), "%lld", v->i);
		return emit_scalar(em, num, YAML_PLAIN_SCALAR_STYLE);
	case TC_T_BOOL:
		return emit_scalar(em, v->b ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
	case TC_T_LIST:
		if (!emit_event(em,
		                yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		                                                     YAML_FLOW_SEQUENCE_STYLE),
		                &ev))
			return false;
		for (size_t i = 0; i < v->list.count; i++)
			if (!emit_scalar(em, v->list.items[i], YAML_DOUBLE_QUOTED_SCALAR_STYLE))
				return false;
		return emit_event(em, yaml_sequence_end_event_initialize(&ev), &ev);
	}
	return false;
}

static bool emit_item(yaml_emitter_t *em, const struct tc_trunk *t, bool reveal)
{
	yaml_event_t ev;
	bool ok =
	    emit_event(em, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING), &ev) &&
	    emit_event(em, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1), &ev) &&
	    emit_event(
	        em,
	        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE),
	        &ev) &&
	    emit_event(
	        em,
	        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE),
	        &ev) &&
	    emit_scalar(em, "id", YAML_PLAIN_SCALAR_STYLE) &&
	    (t->id ? emit_scalar(em, t->id, YAML_DOUBLE_QUOTED_SCALAR_STYLE)
	           : emit_scalar(em, "null", YAML_PLAIN_SCALAR_STYLE));
	for (int f = 0; ok && f < TC_FIELD_COUNT; f++)
		ok = emit_scalar(em, tc_field(f)->key, YAML_PLAIN_SCALAR_STYLE) &&
		     emit_value(em, f, &t->values[f], reveal);
	return ok && emit_event(em, yaml_mapping_end_event_initialize(&ev), &ev) &&
	       emit_event(em, yaml_sequence_end_event_initialize(&ev), &ev) &&
	       emit_event(em, yaml_document_end_event_initialize(&ev, 1), &ev) &&
	       emit_event(em, yaml_stream_end_event_initialize(&ev), &ev) && yaml_emitter_flush(em);
}

enum tc_status tc_fleet_yaml_item(const struct tc_trunk *t, bool reveal, char **text, size_t *len,
                                  struct tc_error *err)
{
	*text = NULL;
	*len = 0;
	yaml_emitter_t em;
	if (!yaml_emitter_initialize(&em))
		return tc_error_set(err, TC_NOMEM, NULL);
	struct outbuf b = {0};
	yaml_emitter_set_output(&em, put_out, &b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	bool ok = emit_item(&em, t, reveal);
	enum yaml_error_type_e why = em.error;
	yaml_emitter_delete(&em);
	if (!ok) {
		free(b.p);
		if (why == YAML_MEMORY_ERROR || why == YAML_WRITER_ERROR)
			return tc_error_set(err, TC_NOMEM, NULL);
		return tc_error_set(err, TC_INVALID, "trunk %s holds text that is not UTF-8",
		                    t->id ? t->id : "(new)");
	}
	*text = b.p;
	*len = b.len;
	return TC_OK;
}
