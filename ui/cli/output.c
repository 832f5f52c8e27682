/* The CLI's output formats (flat JSON, CSV, tables) and the CSV reader. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_private.h"
#include "trunkctl/termtext.h"

/* ---- text for a terminal ---- */

void cli_put_text(FILE *out, const char *s, int max_cells, int pad_cells)
{
	char *clean = tc_termtext_cell(s, max_cells, pad_cells, tc_termtext_locale_utf8());
	/* out of memory: nothing rather than the raw text */
	if (clean)
		fputs(clean, out);
	free(clean);
}

void cli_say(FILE *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[1024], *line = small;
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small) && (line = malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(line, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	cli_put_text(out, line ? line : small, -1, 0);
	fputc('\n', out);
	if (line != small)
		free(line);
}

json_t *cli_trunk_json(const struct tc_trunk *trunk, enum tc_sync_state state, bool reveal)
{
	unsigned flags = TC_JSON_WITH_ID | TC_JSON_WITH_ABSENT | TC_JSON_WITH_EXTRA;
	if (reveal)
		flags |= TC_JSON_REVEAL;
	char *text = tc_trunk_to_flat_json(trunk, flags);
	if (!text)
		return NULL;
	json_t *flat = json_loads(text, 0, NULL);
	free(text);
	json_t *out = json_object();
	if (!flat || !out) {
		json_decref(flat);
		json_decref(out);
		return NULL;
	}
	/* id and sync_state first: what a person reads first and scripts key on. */
	json_object_set(out, "id", json_object_get(flat, "id"));
	json_object_set_new(out, "sync_state", json_string(tc_sync_state_name(state)));
	const char *key;
	json_t *v;
	json_object_foreach(flat, key, v)
	{
		if (strcmp(key, "id") != 0)
			json_object_set(out, key, v);
	}
	json_decref(flat);
	return out;
}

/* ---- streamed rows ---- */

/* Rows are assembled here and written in chunks of about this size. */
#define ROWS_CHUNK (64u << 10)

static bool buf_reserve(struct cli_rows *w, size_t more)
{
	if (w->len + more <= w->cap)
		return true;
	size_t cap = w->cap ? w->cap : ROWS_CHUNK * 2;
	while (cap < w->len + more)
		cap *= 2;
	char *m = realloc(w->buf, cap);
	if (!m)
		return false;
	w->buf = m;
	w->cap = cap;
	return true;
}

static bool buf_add(struct cli_rows *w, const char *s, size_t n)
{
	if (!buf_reserve(w, n))
		return false;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	return true;
}

static bool buf_str(struct cli_rows *w, const char *s)
{
	return buf_add(w, s, strlen(s));
}

static enum tc_status buf_flush(struct cli_rows *w, struct tc_error *err)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->out) != w->len)
		return tc_error_set(err, TC_IO, "cannot write the output");
	w->len = 0;
	return TC_OK;
}

/*
 * What jansson's JSON_INDENT(2) adds to its compact form, which is the same
 * text without whitespace: a line break and indentation after an opening
 * bracket and a comma, before a closing one ("[]" and "{}" stay whole), and a
 * space after a colon. depth is the nesting the text starts at.
 */
struct indenter {
	int depth;
	bool in_str, esc;
};

static bool indent_line(struct cli_rows *w, int depth)
{
	if (!buf_reserve(w, 1 + 2 * (size_t)depth))
		return false;
	w->buf[w->len++] = '\n';
	memset(w->buf + w->len, ' ', 2 * (size_t)depth);
	w->len += 2 * (size_t)depth;
	return true;
}

static bool indent_feed(struct cli_rows *w, struct indenter *in, const char *s, size_t n)
{
	size_t plain = 0; /* start of the run copied as it is */
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (in->in_str) {
			if (in->esc)
				in->esc = false;
			else if (ch == '\\')
				in->esc = true;
			else if (ch == '"')
				in->in_str = false;
			continue;
		}
		if (ch == '"') {
			in->in_str = true;
			continue;
		}
		if (ch != '{' && ch != '[' && ch != '}' && ch != ']' && ch != ',' && ch != ':')
			continue;
		if (!buf_add(w, s + plain, i - plain))
			return false;
		plain = i + 1;
		bool ok = true;
		if ((ch == '{' && i + 1 < n && s[i + 1] == '}') ||
		    (ch == '[' && i + 1 < n && s[i + 1] == ']')) {
			ok = buf_add(w, s + i, 2);
			plain = ++i + 1;
		} else if (ch == '{' || ch == '[') {
			ok = buf_add(w, &ch, 1) && indent_line(w, ++in->depth);
		} else if (ch == '}' || ch == ']') {
			ok = indent_line(w, --in->depth) && buf_add(w, &ch, 1);
		} else if (ch == ',') {
			ok = buf_add(w, ",", 1) && indent_line(w, in->depth);
		} else {
			ok = buf_add(w, ": ", 2);
		}
		if (!ok)
			return false;
	}
	return buf_add(w, s + plain, n - plain);
}

/* Length of the JSON string or null at s (the id's value in a compact object). */
static size_t scalar_len(const char *s)
{
	if (*s != '"')
		return strncmp(s, "null", 4) == 0 ? 4 : 0;
	size_t i = 1;
	while (s[i] && s[i] != '"')
		i += s[i] == '\\' && s[i + 1] ? 2 : 1;
	return s[i] ? i + 1 : 0;
}

/* s as jansson dumps a string (no JSON_ENSURE_ASCII, no JSON_ESCAPE_SLASH). */
static bool json_string_text(struct cli_rows *w, const char *s)
{
	if (!buf_add(w, "\"", 1))
		return false;
	const char *plain = s;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		if (!buf_add(w, plain, (size_t)(s - plain)))
			return false;
		plain = s + 1;
		char esc[8];
		const char *short_esc = ch == '"'    ? "\\\""
		                        : ch == '\\' ? "\\\\"
		                        : ch == '\b' ? "\\b"
		                        : ch == '\f' ? "\\f"
		                        : ch == '\n' ? "\\n"
		                        : ch == '\r' ? "\\r"
		                        : ch == '\t' ? "\\t"
		                                     : NULL;
		if (!short_esc)
			snprintf(esc, sizeof(esc), "\\u%04X", ch);
		if (!buf_str(w, short_esc ? short_esc : esc))
			return false;
	}
	return buf_add(w, plain, (size_t)(s - plain)) && buf_add(w, "\"", 1);
}

/* One value at depth 2 of the --json array: tc_value_to_json's value, indented. */
static bool json_value_text(struct cli_rows *w, const struct tc_field_info *fi,
                            const struct tc_value *v)
{
	char num[32];
	if (v->state == TC_V_NULL || v->state == TC_V_ABSENT)
		return buf_str(w, "null");
	switch (fi->type) {
	case TC_T_STRING:
		if ((fi->flags & TC_FF_SECRET) && !w->reveal && v->s && *v->s)
			return json_string_text(w, TC_SECRET_MASK);
		return json_string_text(w, v->s ? v->s : "");
	case TC_T_INT:
		snprintf(num, sizeof(num), "%lld", v->i);
		return buf_str(w, num);
	case TC_T_BOOL:
		return buf_str(w, v->b ? "true" : "false");
	case TC_T_LIST:
		if (v->list.count == 0)
			return buf_str(w, "[]");
		for (size_t i = 0; i < v->list.count; i++)
			if (!buf_str(w, i ? ",\n      " : "[\n      ") ||
			    !json_string_text(w, v->list.items[i]))
				return false;
		return buf_str(w, "\n    ]");
	}
	return false;
}

/* One element of the --json array, as cli_print_json prints cli_trunk_json's object in it. */
static bool json_row(struct cli_rows *w, const struct tc_trunk *t, enum tc_sync_state state)
{
	if (!t->extra_json) {
		/*
		 * Written straight from the values: a jansson object per trunk, dumped
		 * and indented, was most of the time of a 100,000-trunk list.
		 */
		bool ok = buf_str(w, "{\n    \"id\": ") &&
		          (t->id ? json_string_text(w, t->id) : buf_str(w, "null")) &&
		          buf_str(w, ",\n    \"sync_state\": ") &&
		          json_string_text(w, tc_sync_state_name(state));
		for (int f = 0; ok && f < TC_FIELD_COUNT; f++) {
			const struct tc_field_info *fi = tc_field(f);
			ok = buf_str(w, ",\n    \"") && buf_str(w, fi->key) && buf_str(w, "\": ") &&
			     json_value_text(w, fi, &t->values[f]);
		}
		return ok && buf_str(w, "\n  }");
	}
	struct indenter in = {.depth = 1};
	/* an unknown attribute named sync_state takes that member's place: the tree knows how */
	if (strstr(t->extra_json, "\"sync_state\"")) {
		json_t *obj = cli_trunk_json(t, state, w->reveal);
		char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(obj);
		bool ok = text && indent_feed(w, &in, text, strlen(text));
		free(text);
		return ok;
	}
	unsigned flags = TC_JSON_WITH_ID | TC_JSON_WITH_ABSENT | TC_JSON_WITH_EXTRA;
	if (w->reveal)
		flags |= TC_JSON_REVEAL;
	char *text = tc_trunk_to_flat_json(t, flags);
	static const char id_key[] = "{\"id\":";
	size_t head = text && strncmp(text, id_key, sizeof(id_key) - 1) == 0
	                  ? sizeof(id_key) - 1 + scalar_len(text + sizeof(id_key) - 1)
	                  : 0;
	if (head == sizeof(id_key) - 1) /* not the object tc_trunk_to_flat_json promises */
		head = 0;
	char member[64];
	int n =
	    snprintf(member, sizeof(member), ",\"sync_state\":\"%s\"", tc_sync_state_name(state));
	bool ok = head && indent_feed(w, &in, text, head) &&
	          indent_feed(w, &in, member, (size_t)n) &&
	          indent_feed(w, &in, text + head, strlen(text + head));
	free(text);
	return ok;
}

/*
 * A cell a spreadsheet would run as a formula (OWASP's CSV injection rule);
 * a cell that starts with the guard's quote before one is guarded too, so
 * that cli_csv_read can take the guard off exactly.
 */
bool cli_formula_like(const char *s)
{
	while (*s == '\'')
		s++;
	return *s && strchr("=+-@\t\r", *s);
}

static bool csv_cell(struct cli_rows *w, const char *s, bool text)
{
	bool guard = text && w->formula_guard && cli_formula_like(s);
	bool quote =
	    strpbrk(s, ",\"\r\n") != NULL || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '));
	if (!quote)
		return (!guard || buf_add(w, "'", 1)) && buf_str(w, s);
	/* the guard goes inside the quotes: it is part of the cell */
	if (!buf_add(w, "\"'", guard ? 2 : 1))
		return false;
	for (const char *p = s; *p; p++)
		if ((*p == '"' && !buf_add(w, "\"", 1)) || !buf_add(w, p, 1))
			return false;
	return buf_add(w, "\"", 1);
}

static bool csv_row(struct cli_rows *w, const struct tc_trunk *t, enum tc_sync_state state)
{
	bool ok = csv_cell(w, t->id ? t->id : "", true) && buf_add(w, ",", 1) &&
	          buf_str(w, tc_sync_state_name(state));
	for (int f = 0; ok && f < TC_FIELD_COUNT; f++) {
		/* numbers and booleans are written from parsed values: -5 stays a number */
		char *text = tc_value_to_text(f, &t->values[f], w->reveal);
		ok = text && buf_add(w, ",", 1) && csv_cell(w, text, tc_field_is_text(f));
		free(text);
	}
	return ok && buf_add(w, "\r\n", 2);
}

void cli_rows_begin(struct cli_rows *w, FILE *out, bool csv, bool reveal, bool formula_guard)
{
	*w = (struct cli_rows){
	    .out = out, .csv = csv, .reveal = reveal, .formula_guard = formula_guard};
	if (!csv)
		return;
	bool ok = buf_str(w, "id,sync_state");
	for (int f = 0; ok && f < TC_FIELD_COUNT; f++)
		ok = buf_add(w, ",", 1) && buf_str(w, tc_field(f)->key);
	if (!ok || !buf_add(w, "\r\n", 2))
		w->failed = true;
}

enum tc_status cli_rows_put(void *ctx, const struct tc_trunk_row *row, struct tc_error *err)
{
	struct cli_rows *w = ctx;
	bool ok = !w->failed;
	if (ok && w->csv)
		ok = csv_row(w, row->trunk, row->state);
	else if (ok)
		ok =
		    buf_str(w, w->count ? ",\n  " : "[\n  ") && json_row(w, row->trunk, row->state);
	if (!ok) {
		w->failed = true;
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	w->count++;
	return w->len >= ROWS_CHUNK ? buf_flush(w, err) : TC_OK;
}

enum tc_status cli_rows_end(struct cli_rows *w, struct tc_error *err)
{
	enum tc_status rc = TC_OK;
	if (w->failed)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	else if (!w->csv && !buf_str(w, w->count ? "\n]\n" : "[]\n"))
		rc = tc_error_set(err, TC_NOMEM, NULL);
	if (rc == TC_OK)
		rc = buf_flush(w, err);
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	return rc;
}

int cli_print_json(FILE *out, json_t *value)
{
	if (!value)
		return -1;
	if (json_dumpf(value, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		return -1;
	fputc('\n', out);
	return 0;
}

/* Every row of q as --json or CSV, written as it is read. */
enum tc_status cli_stream_rows(struct cli *c, const struct tc_list_query *q, bool csv, FILE *out,
                               size_t *count)
{
	struct cli_rows w;
	cli_rows_begin(&w, out, csv, c->a->given[CLI_OPT_REVEAL], !c->a->given[CLI_OPT_CSV_RAW]);
	enum tc_status rc = tc_service_list_each(c->svc, q, cli_rows_put, &w, &c->err);
	/* after a failed walk, what is left is written and freed; its error is the walk's */
	struct tc_error ignored;
	tc_error_init(&ignored);
	enum tc_status end = cli_rows_end(&w, rc == TC_OK ? &c->err : &ignored);
	tc_error_clear(&ignored);
	*count = w.count;
	return rc != TC_OK ? rc : end;
}

/* ---- tables ---- */

static const char *row_state(const struct tc_trunk_row *row, char *buf, size_t size)
{
	if (row->state == TC_SYNC_PENDING && row->pending != TC_OP_NONE)
		snprintf(buf, size, "pending %s", tc_outbox_op_name(row->pending));
	else if (row->state == TC_SYNC_CONFLICT && row->pending == TC_OP_DELETE)
		snprintf(buf, size, "conflict (delete vs modified)");
	else
		snprintf(buf, size, "%s", tc_sync_state_name(row->state));
	return buf;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* A table column grows to its widest value up to this many cells; longer ones are cut. */
#define TABLE_CELL_MAX 40

static int table_width(const char *s, int at_least)
{
	int n = tc_termtext_width(s, tc_termtext_locale_utf8());
	n = n > TABLE_CELL_MAX ? TABLE_CELL_MAX : n;
	return n > at_least ? n : at_least;
}

void cli_print_table(FILE *out, const struct tc_trunk_page *page)
{
	/* What tells trunks apart at a glance; show and --json give the rest. */
	static const enum tc_field_id cols[] = {TC_F_NAME, TC_F_AUTHENTICATION_MODE, TC_F_REGION};
	enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
	int wid = 2, wcol[NCOLS];
	for (size_t c = 0; c < NCOLS; c++)
		wcol[c] = (int)strlen(tc_field(cols[c])->label);
	char state[32];
	for (size_t i = 0; i < page->count; i++) {
		const struct tc_trunk_row *r = &page->items[i];
		wid = table_width(or_dash(r->trunk->id), wid);
		for (size_t c = 0; c < NCOLS; c++)
			wcol[c] = table_width(or_dash(tc_trunk_string(r->trunk, cols[c])), wcol[c]);
	}
	fprintf(out, "%-*s  %-*s  %-*s  %-*s  %s\n", wid, "ID", wcol[0], tc_field(cols[0])->label,
	        wcol[1], tc_field(cols[1])->label, wcol[2], tc_field(cols[2])->label, "State");
	for (size_t i = 0; i < page->count; i++) {
		const struct tc_trunk_row *r = &page->items[i];
		cli_put_text(out, or_dash(r->trunk->id), wid, wid);
		for (size_t c = 0; c < NCOLS; c++) {
			fputs("  ", out);
			cli_put_text(out, or_dash(tc_trunk_string(r->trunk, cols[c])), wcol[c],
			             wcol[c]);
		}
		fprintf(out, "  %s\n", row_state(r, state, sizeof(state)));
	}
}

static void print_value_line(FILE *out, const char *label, enum tc_field_id f,
                             const struct tc_trunk *t, bool reveal)
{
	char *text = t ? tc_value_to_text(f, &t->values[f], reveal) : NULL;
	fprintf(out, "  %-22s ", label);
	cli_say(out, "%s", text && *text ? text : "-");
	free(text);
}

/* Delete vs modified: what the server changed since the delete was queued, old -> new. */
static void print_delete_conflict(FILE *out, const struct tc_conflict *c, bool reveal)
{
	fputs("Conflict (delete vs modified): deleted here, changed on the server since:\n", out);
	bool any = false;
	for (int f = 0; f < TC_FIELD_COUNT; f++) {
		if (!c->fields[f])
			continue;
		char *old = c->base ? tc_value_to_text(f, &c->base->values[f], reveal) : NULL;
		char *now = tc_value_to_text(f, &c->theirs->values[f], reveal);
		fprintf(out, "  %-22s %s -> %s\n", tc_field(f)->key, or_dash(old), or_dash(now));
		free(old);
		free(now);
		any = true;
	}
	if (!any)
		fputs("  attributes this version of trunkctl does not show\n", out);
}

void cli_print_record(FILE *out, const struct tc_trunk_record *rec, bool reveal)
{
	const struct tc_trunk *t = rec->current;
	char when[40];
	fprintf(out, "%-24s ", "ID");
	cli_say(out, "%s", rec->id);
	fprintf(out, "%-24s %s", "Sync state", tc_sync_state_name(rec->state));
	if (rec->pending != TC_OP_NONE)
		fprintf(out, " (%s queued)", tc_outbox_op_name(rec->pending));
	fputc('\n', out);
	cli_format_time(when, sizeof(when), rec->last_seen_ms);
	fprintf(out, "%-24s %s\n", "Last seen on the server", when);
	enum tc_mode mode = tc_trunk_mode(t);
	for (int g = 0; g < TC_G_COUNT; g++) {
		bool header = false;
		for (int f = 0; f < TC_FIELD_COUNT; f++) {
			const struct tc_field_info *fi = tc_field(f);
			if ((int)fi->group != g)
				continue;
			if (!tc_field_shown_in_mode(f, mode) && !tc_trunk_has(t, f))
				continue;
			if (!header)
				fprintf(out, "%s\n", tc_field_group_label(g));
			header = true;
			print_value_line(out, fi->label, f, t, reveal);
		}
	}
	if (rec->last_error)
		cli_say(out, "Last error: %s", rec->last_error);
	for (size_t i = 0; i < rec->errors.count; i++) {
		const struct tc_field_error *e = &rec->errors.items[i];
		const struct tc_field_info *fi = tc_field(e->field);
		cli_say(out, "Rejected: %s %s", fi ? fi->key : or_dash(e->pointer), e->title);
	}
	if (rec->conflict && rec->conflict->mine_deleted) {
		print_delete_conflict(out, rec->conflict, reveal);
	} else if (rec->conflict) {
		fputs("Conflict (yours / the server's):\n", out);
		if (!rec->conflict->theirs)
			fputs("  deleted on the server while edited here\n", out);
		for (int f = 0; f < TC_FIELD_COUNT && rec->conflict->theirs; f++) {
			if (!rec->conflict->fields[f])
				continue;
			char *mine = tc_value_to_text(f, &rec->conflict->mine->values[f], reveal);
			char *theirs =
			    tc_value_to_text(f, &rec->conflict->theirs->values[f], reveal);
			fprintf(out, "  %-22s ", tc_field(f)->key);
			cli_say(out, "%s / %s", or_dash(mine), or_dash(theirs));
			free(mine);
			free(theirs);
		}
	}
}

void cli_format_time(char *buf, size_t size, int64_t ms)
{
	if (ms <= 0) {
		snprintf(buf, size, "never");
		return;
	}
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&secs, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", (long long)ms);
}

/* ---- errors ---- */

/* "/data/attributes/inbound_source_ips/1" reads better as "inbound_source_ips/1". */
static const char *short_pointer(const struct tc_field_error *e)
{
	static const char prefix[] = "/data/attributes/";
	if (e->pointer && strncmp(e->pointer, prefix, sizeof(prefix) - 1) == 0)
		return e->pointer + sizeof(prefix) - 1;
	if (e->pointer && *e->pointer)
		return e->pointer;
	const struct tc_field_info *fi = tc_field(e->field);
	return fi ? fi->key : "(document)";
}

/*
 * A title too long to read on a terminal (the server's 249-code country list)
 * gives way to its hint; other hints follow their title on a line of their own.
 */
#define READABLE_TITLE 100

void cli_print_field_errors(const struct tc_field_errors *fields)
{
	for (size_t i = 0; i < fields->count; i++) {
		const struct tc_field_error *e = &fields->items[i];
		bool long_title = e->hint && strlen(e->title) > READABLE_TITLE;
		cli_say(stderr, "  %s%s: %s", e->severity == TC_SEV_WARNING ? "warning: " : "",
		        short_pointer(e), long_title ? e->hint : e->title);
		if (e->hint && !long_title)
			cli_say(stderr, "      %s", e->hint);
	}
}

/*
 * Messages are sanitised here, where they are printed, rather than where the
 * core builds them: the core keeps the server's words exact for --json and
 * the store, and the TUI draws them through the same rule.
 */
void cli_print_error(const struct tc_error *err)
{
	cli_say(stderr, "trunkctl: %s",
	        err->message[0] ? err->message : tc_status_message(err->status));
	cli_print_field_errors(&err->fields);
}
