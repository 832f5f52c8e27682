#include "editor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trunkctl/fleet_file.h"

#define FILE_MAX (1024 * 1024)

static const char intro_one[] =
    "# Edit the trunk below and save to apply: only the fields you change are sent.\n"
    "# Leave the file as it is, or empty it, to change nothing. A masked password\n"
    "# stays as it is; type a new one over the mask to change it.\n";

static const char intro_many[] =
    "# Edit the %zu trunks below and save to apply: only the fields you change are\n"
    "# sent, each to its own trunk (its id line says which: leave the ids as they\n"
    "# are). A trunk taken out of the list stays as it is; all are saved or none.\n"
    "# Leave the file as it is, or empty it, to change nothing. A masked password\n"
    "# stays as it is; type a new one over the mask to change it.\n"
    "#\n"
    "# The rule of each field:\n";

/* Appends n bytes to the growing text *buf; false when out of memory. */
static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap * 2 : 4096;
		while (c < *len + n + 1)
			c *= 2;
		char *b = realloc(*buf, c);
		if (!b)
			return false;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

/* The rule of field fi (the field table's help) as a comment line that starts with lead. */
static bool append_rule(char **buf, size_t *len, size_t *cap, const char *lead,
                        const struct tc_field_info *fi, bool named)
{
	char help[400], line[560];
	tc_field_help(fi->id, help, sizeof(help));
	int m = snprintf(line, sizeof(line), "%s%s%s%s\n", lead, named ? fi->key : "",
	                 named ? ": " : "", help);
	return append(buf, len, cap, line, (size_t)m < sizeof(line) ? (size_t)m : sizeof(line) - 1);
}

static bool editable(const struct tc_field_info *fi)
{
	return fi && !(fi->flags & TC_FF_READONLY);
}

/*
 * The trunks as YAML. One trunk has each attribute after a comment with its
 * rule; many have the rules once at the top, so that the trunks themselves
 * read as a list.
 */
static enum tc_status document(const struct tc_trunk *const *current, size_t n, char **out,
                               struct tc_error *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool ok;
	if (n == 1) {
		ok = append(&buf, &len, &cap, intro_one, strlen(intro_one));
	} else {
		char head[sizeof(intro_many) + 24];
		int m = snprintf(head, sizeof(head), intro_many, n);
		ok = append(&buf, &len, &cap, head, (size_t)m);
		for (int f = 0; ok && f < TC_FIELD_COUNT; f++)
			if (editable(tc_field((enum tc_field_id)f)))
				ok = append_rule(&buf, &len, &cap, "#   ",
				                 tc_field((enum tc_field_id)f), true);
	}
	enum tc_status rc = ok ? TC_OK : TC_NOMEM;
	for (size_t i = 0; rc == TC_OK && i < n; i++) {
		char *item = NULL;
		size_t item_len = 0;
		rc = tc_fleet_yaml_item(current[i], false, &item, &item_len, err);
		for (const char *p = item; rc == TC_OK && *p;) {
			const char *nl = strchr(p, '\n');
			size_t len_line = nl ? (size_t)(nl - p) + 1 : strlen(p);
			/* "- key:" or "  key:": the key names the field whose rule goes above it */
			const char *k = p + 2;
			size_t klen = strcspn(k, ":");
			char key[64];
			snprintf(key, sizeof(key), "%.*s", (int)(klen < sizeof(key) ? klen : 0), k);
			const struct tc_field_info *fi =
			    n == 1 && len_line > 2 && k[klen] == ':' ? tc_field_by_key(key) : NULL;
			if ((editable(fi) && !append_rule(&buf, &len, &cap, "  # ", fi, false)) ||
			    !append(&buf, &len, &cap, p, len_line))
				rc = TC_NOMEM;
			p += len_line;
		}
		free(item);
	}
	if (rc != TC_OK) {
		free(buf);
		return rc == TC_NOMEM ? tc_error_set(err, TC_NOMEM, NULL) : rc;
	}
	if (len > FILE_MAX) {
		free(buf);
		return tc_error_set(err, TC_USAGE,
		                    "%zu trunks make a file of more than 1 MiB: mark fewer, or "
		                    "change them with update --where or export and apply",
		                    n);
	}
	*out = buf;
	return TC_OK;
}

static enum tc_status write_file(const char *path, const char *text, struct tc_error *err)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return tc_error_set(err, TC_IO, "cannot write %s: %s", path, strerror(errno));
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return tc_error_set(err, TC_IO, "cannot write %s: %s", path,
			                    strerror(errno));
		}
		off += (size_t)w;
	}
	if (close(fd) != 0)
		return tc_error_set(err, TC_IO, "cannot write %s: %s", path, strerror(errno));
	return TC_OK;
}

static enum tc_status read_file(const char *path, char **out, struct tc_error *err)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return tc_error_set(err, TC_IO, "cannot read %s back: %s", path, strerror(errno));
	char *buf = malloc(FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, FILE_MAX + 1, fp) : 0;
	fclose(fp);
	if (!buf)
		return tc_error_set(err, TC_NOMEM, NULL);
	if (n > FILE_MAX) {
		free(buf);
		return tc_error_set(err, TC_USAGE, "%s: more than 1 MiB; nothing was changed",
		                    path);
	}
	buf[n] = '\0';
	*out = buf;
	return TC_OK;
}

/* Runs $VISUAL or $EDITOR (vi when neither is set) on path, through sh so "code -w" works. */
static enum tc_status run_editor(const char *path, struct tc_error *err)
{
	const char *editor = getenv("VISUAL");
	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	pid_t pid = fork();
	if (pid < 0)
		return tc_error_set(err, TC_IO, "cannot start the editor: %s", strerror(errno));
	if (pid == 0) {
		char cmd[1024];
		snprintf(cmd, sizeof(cmd), "%s \"$1\"", editor);
		execl("/bin/sh", "sh", "-c", cmd, "trunkctl-edit", path, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return tc_error_set(err, TC_IO, "lost the editor: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return tc_error_set(
		    err, TC_CANCELLED, "the editor (%s) exited with status %d; nothing was changed",
		    editor, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return TC_OK;
}

/* Only comments and blank lines: the operator emptied the file. */
static bool blank(const char *text)
{
	for (const char *p = text; *p;) {
		p += strspn(p, " \t\r");
		if (*p == '#')
			p += strcspn(p, "\n");
		else if (*p && *p != '\n')
			return false;
		if (*p == '\n')
			p++;
	}
	return true;
}

/* The fields of mine that differ from current, as a trunk of changes; NULL when none. */
static enum tc_status fields_changed(const struct tc_trunk *mine, const struct tc_trunk *current,
                                     struct tc_trunk **out, struct tc_error *err)
{
	*out = NULL;
	struct tc_trunk *changes = tc_trunk_new();
	if (!changes)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc = TC_OK;
	size_t n = 0;
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field((enum tc_field_id)f);
		const struct tc_value *v = &mine->values[f];
		if ((fi->flags & TC_FF_READONLY) || !(fi->flags & TC_FF_SEND_UPDATE) ||
		    v->state == TC_V_ABSENT ||
		    tc_field_same_value((enum tc_field_id)f, v, &current->values[f]))
			continue;
		rc = tc_trunk_set_value(changes, (enum tc_field_id)f, v);
		n++;
	}
	if (rc != TC_OK || !n) {
		tc_trunk_destroy(changes);
		return rc == TC_OK ? TC_OK : tc_error_set(err, rc, NULL);
	}
	*out = changes;
	return TC_OK;
}

/* Which of the n trunks being edited the file's item i is, or a TC_PARSE error naming its line. */
static enum tc_status trunk_of_item(const struct tc_fleet *fleet, size_t i, const char *path,
                                    const struct tc_trunk *const *current, size_t n, size_t *which,
                                    struct tc_error *err)
{
	const char *id = fleet->trunks[i]->id;
	size_t line = fleet->lines ? fleet->lines[i] : 0;
	if (n == 1) {
		*which = 0;
		if (id && current[0]->id && strcmp(id, current[0]->id) != 0)
			return tc_error_set(err, TC_PARSE, "%s: the id is %s; it cannot change",
			                    path, current[0]->id);
		return TC_OK;
	}
	if (!id)
		return tc_error_set(err, TC_PARSE,
		                    "%s:%zu: a trunk without an id: leave each trunk's id line as "
		                    "it is (trunkctl apply creates new trunks)",
		                    path, line);
	for (*which = 0; *which < n; (*which)++)
		if (current[*which]->id && strcmp(id, current[*which]->id) == 0)
			break;
	if (*which == n)
		return tc_error_set(err, TC_PARSE,
		                    "%s:%zu: id %s is not one of the trunks being edited", path,
		                    line, id);
	return TC_OK;
}

/*
 * The fields the file changes, per trunk: changes[j] for current[j] (NULL
 * when it changes none of its fields); *nchanged counts them.
 */
static enum tc_status changes_of(const char *text, const char *path,
                                 const struct tc_trunk *const *current, size_t n,
                                 struct tc_trunk **changes, size_t *nchanged, struct tc_error *err)
{
	*nchanged = 0;
	struct tc_fleet fleet = {0};
	enum tc_status rc = tc_fleet_read_yaml(text, strlen(text), path, &fleet, err);
	if (rc == TC_OK && n == 1 && fleet.count != 1)
		rc = tc_error_set(err, TC_PARSE, "%s: one trunk, not %zu", path, fleet.count);
	/* an item found but unchanged still counts, so that a repeat of it is refused */
	bool *seen = rc == TC_OK ? calloc(n, sizeof(*seen)) : NULL;
	if (rc == TC_OK && !seen)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	for (size_t i = 0; rc == TC_OK && i < fleet.count; i++) {
		size_t j = 0;
		rc = trunk_of_item(&fleet, i, path, current, n, &j, err);
		if (rc == TC_OK && seen[j] && n > 1)
			rc = tc_error_set(err, TC_PARSE, "%s:%zu: trunk %s is in the file twice",
			                  path, fleet.lines ? fleet.lines[i] : 0, current[j]->id);
		if (rc != TC_OK)
			break;
		seen[j] = true;
		rc = fields_changed(fleet.trunks[i], current[j], &changes[j], err);
		*nchanged += rc == TC_OK && changes[j];
	}
	free(seen);
	tc_fleet_finish(&fleet);
	if (rc != TC_OK) {
		for (size_t j = 0; j < n; j++) {
			tc_trunk_destroy(changes[j]);
			changes[j] = NULL;
		}
		*nchanged = 0;
	}
	return rc;
}

/* The name an error line gives trunk t: its name, else its id. */
static const char *label(const struct tc_trunk *t)
{
	const char *name = tc_trunk_string(t, TC_F_NAME);
	return name && *name ? name : t->id ? t->id : "?";
}

/*
 * Checks each changed trunk as the server checks an update; the errors as
 * comment lines ("# error: [NAME: ]KEY: rule") go on *lines. TC_OK when every
 * trunk checks out, TC_INVALID when some do not, TC_NOMEM.
 */
static enum tc_status check_changes(struct tc_service *svc, const struct tc_trunk *const *current,
                                    size_t n, struct tc_trunk *const *changes, char **lines,
                                    size_t *len, size_t *cap)
{
	enum tc_status verdict = TC_OK;
	for (size_t j = 0; j < n; j++) {
		if (!changes[j])
			continue;
		struct tc_trunk *merged = tc_trunk_dup(current[j]);
		for (int f = 0; merged && f < TC_FIELD_COUNT; f++)
			if (changes[j]->values[f].state != TC_V_ABSENT &&
			    tc_trunk_set_value(merged, (enum tc_field_id)f,
			                       &changes[j]->values[f]) != TC_OK) {
				tc_trunk_destroy(merged);
				merged = NULL;
			}
		if (!merged)
			return TC_NOMEM;
		struct tc_error perr;
		tc_error_init(&perr);
		enum tc_status rc =
		    tc_service_validate(svc, TC_SAVE_UPDATE, merged, current[j], &perr);
		tc_trunk_destroy(merged);
		if (rc == TC_NOMEM) {
			tc_error_clear(&perr);
			return TC_NOMEM;
		}
		if (rc != TC_OK) {
			verdict = TC_INVALID;
			if (!perr.fields.count)
				tc_field_errors_add(&perr.fields, -1, -1, TC_SEV_ERROR, NULL,
				                    perr.message, NULL);
		}
		for (size_t i = 0; rc != TC_OK && i < perr.fields.count; i++) {
			const struct tc_field_error *fe = &perr.fields.items[i];
			if (fe->severity != TC_SEV_ERROR)
				continue;
			char line[800];
			int m = snprintf(line, sizeof(line), "# error: %s%s%s%s%s\n",
			                 n > 1 ? label(current[j]) : "", n > 1 ? ": " : "",
			                 fe->field >= 0 ? tc_field((enum tc_field_id)fe->field)->key
			                                : "",
			                 fe->field >= 0 ? ": " : "", fe->title);
			if (!append(lines, len, cap, line,
			            (size_t)m < sizeof(line) ? (size_t)m : sizeof(line) - 1)) {
				tc_error_clear(&perr);
				return TC_NOMEM;
			}
		}
		tc_error_clear(&perr);
	}
	return verdict;
}

enum tc_status ui_edit_in_editor_file(struct tc_service *svc, const struct tc_trunk *const *current,
                                      size_t n, struct tc_trunk **changes, size_t *nchanged,
                                      struct tc_error *err)
{
	*nchanged = 0;
	for (size_t j = 0; j < n; j++)
		changes[j] = NULL;
	if (!n)
		return tc_error_set(err, TC_USAGE, "no trunk to edit");
	const char *tmp = getenv("TMPDIR");
	char dir[480], path[512];
	snprintf(dir, sizeof(dir), "%s/trunkctl-edit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	/* A private directory, and a .yaml name so that the editor knows the syntax. */
	if (!mkdtemp(dir))
		return tc_error_set(err, TC_IO, "cannot create a directory to edit in: %s",
		                    strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.yaml", dir, n == 1 ? "trunk" : "trunks");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rmdir(dir);
		return tc_error_set(err, TC_IO, "cannot create a file to edit in: %s",
		                    strerror(errno));
	}
	close(fd);
	char *doc = NULL, *text = NULL;
	enum tc_status rc = document(current, n, &doc, err);
	while (rc == TC_OK) {
		rc = write_file(path, doc, err);
		if (rc == TC_OK)
			rc = run_editor(path, err);
		free(text);
		text = NULL;
		if (rc == TC_OK)
			rc = read_file(path, &text, err);
		if (rc != TC_OK || strcmp(text, doc) == 0 || blank(text))
			break;
		char *again = NULL;
		size_t len = 0, cap = 0;
		struct tc_error perr;
		tc_error_init(&perr);
		enum tc_status prc = changes_of(text, path, current, n, changes, nchanged, &perr);
		bool ok = true;
		if (prc == TC_OK && *nchanged)
			prc = check_changes(svc, current, n, changes, &again, &len, &cap);
		else if (prc == TC_PARSE || prc == TC_INVALID) {
			char line[700];
			int m = snprintf(line, sizeof(line), "# error: %s\n", perr.message);
			ok = append(&again, &len, &cap, line,
			            (size_t)m < sizeof(line) ? (size_t)m : sizeof(line) - 1);
		}
		tc_error_clear(&perr);
		if (prc == TC_OK || (prc != TC_PARSE && prc != TC_INVALID)) {
			free(again);
			rc = prc == TC_OK ? TC_OK : tc_error_set(err, prc, NULL);
			break;
		}
		/* As kubectl edit: the operator's own text again, the errors on top. */
		for (size_t j = 0; j < n; j++) {
			tc_trunk_destroy(changes[j]);
			changes[j] = NULL;
		}
		*nchanged = 0;
		/* drop the error comments of the round before */
		const char *body = text;
		while (strncmp(body, "# error: ", 9) == 0 && strchr(body, '\n'))
			body = strchr(body, '\n') + 1;
		ok = ok && append(&again, &len, &cap, body, strlen(body));
		free(doc);
		doc = again;
		if (!ok)
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	if (rc != TC_OK) {
		for (size_t j = 0; j < n; j++) {
			tc_trunk_destroy(changes[j]);
			changes[j] = NULL;
		}
		*nchanged = 0;
	}
	unlink(path);
	rmdir(dir);
	free(doc);
	free(text);
	return rc;
}
