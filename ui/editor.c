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

static const char intro[] =
    "# Edit the trunk below and save to apply: only the fields you change are sent.\n"
    "# Leave the file as it is, or empty it, to change nothing. A masked password\n"
    "# stays as it is; type a new one over the mask to change it.\n";

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

/* The trunk as YAML, each attribute after a comment with its rule (the field table's help). */
static enum tc_status document(const struct tc_trunk *t, char **out, struct tc_error *err)
{
	char *item = NULL;
	size_t item_len = 0;
	enum tc_status rc = tc_fleet_yaml_item(t, false, &item, &item_len, err);
	if (rc != TC_OK)
		return rc;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool ok = append(&buf, &len, &cap, intro, strlen(intro));
	for (const char *p = item; ok && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		/* "- key:" or "  key:": the key names the field whose rule goes above it */
		const char *k = p + 2;
		size_t klen = strcspn(k, ":");
		char key[64];
		snprintf(key, sizeof(key), "%.*s", (int)(klen < sizeof(key) ? klen : 0), k);
		const struct tc_field_info *fi =
		    n > 2 && k[klen] == ':' ? tc_field_by_key(key) : NULL;
		if (fi && !(fi->flags & TC_FF_READONLY)) {
			char help[400], line[480];
			tc_field_help(fi->id, help, sizeof(help));
			int m = snprintf(line, sizeof(line), "  # %s\n", help);
			ok = append(&buf, &len, &cap, line,
			            (size_t)m < sizeof(line) ? (size_t)m : sizeof(line) - 1);
		}
		ok = ok && append(&buf, &len, &cap, p, n);
		p += n;
	}
	free(item);
	if (!ok) {
		free(buf);
		return tc_error_set(err, TC_NOMEM, NULL);
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

/* The fields the file changes from current, as a trunk of changes; NULL when none. */
static enum tc_status changes_of(const char *text, const char *path, const struct tc_trunk *current,
                                 struct tc_trunk **out, struct tc_error *err)
{
	*out = NULL;
	struct tc_fleet fleet = {0};
	enum tc_status rc = tc_fleet_read_yaml(text, strlen(text), path, &fleet, err);
	if (rc == TC_OK && fleet.count != 1)
		rc = tc_error_set(err, TC_PARSE, "%s: one trunk, not %zu", path, fleet.count);
	if (rc == TC_OK && fleet.trunks[0]->id && current->id &&
	    strcmp(fleet.trunks[0]->id, current->id) != 0)
		rc = tc_error_set(err, TC_PARSE, "%s: the id is %s; it cannot change", path,
		                  current->id);
	struct tc_trunk *changes = rc == TC_OK ? tc_trunk_new() : NULL;
	if (rc == TC_OK && !changes)
		rc = tc_error_set(err, TC_NOMEM, NULL);
	size_t n = 0;
	for (int f = 0; rc == TC_OK && f < TC_FIELD_COUNT; f++) {
		const struct tc_field_info *fi = tc_field((enum tc_field_id)f);
		const struct tc_value *mine = &fleet.trunks[0]->values[f];
		if ((fi->flags & TC_FF_READONLY) || !(fi->flags & TC_FF_SEND_UPDATE) ||
		    mine->state == TC_V_ABSENT ||
		    tc_field_same_value((enum tc_field_id)f, mine, &current->values[f]))
			continue;
		rc = tc_trunk_set_value(changes, (enum tc_field_id)f, mine);
		n++;
	}
	tc_fleet_finish(&fleet);
	if (rc != TC_OK || !n) {
		tc_trunk_destroy(changes);
		return rc;
	}
	*out = changes;
	return TC_OK;
}

enum tc_status ui_edit_in_editor_file(struct tc_service *svc, const struct tc_trunk *current,
                                      struct tc_trunk **changes, struct tc_error *err)
{
	*changes = NULL;
	const char *tmp = getenv("TMPDIR");
	char dir[480], path[512];
	snprintf(dir, sizeof(dir), "%s/trunkctl-edit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	/* A private directory, and a .yaml name so that the editor knows the syntax. */
	if (!mkdtemp(dir))
		return tc_error_set(err, TC_IO, "cannot create a directory to edit in: %s",
		                    strerror(errno));
	snprintf(path, sizeof(path), "%s/trunk.yaml", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rmdir(dir);
		return tc_error_set(err, TC_IO, "cannot create a file to edit in: %s",
		                    strerror(errno));
	}
	close(fd);
	char *doc = NULL, *text = NULL;
	enum tc_status rc = document(current, &doc, err);
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
		struct tc_error perr;
		tc_error_init(&perr);
		enum tc_status prc = changes_of(text, path, current, changes, &perr);
		if (prc == TC_OK && *changes) {
			struct tc_trunk *merged = tc_trunk_dup(current);
			for (int f = 0; merged && f < TC_FIELD_COUNT; f++)
				if ((*changes)->values[f].state != TC_V_ABSENT)
					tc_trunk_set_value(merged, (enum tc_field_id)f,
					                   &(*changes)->values[f]);
			prc = merged
			          ? tc_service_validate(svc, TC_SAVE_UPDATE, merged, current, &perr)
			          : TC_NOMEM;
			tc_trunk_destroy(merged);
		}
		if (prc == TC_OK || prc == TC_NOMEM) {
			rc = prc == TC_OK ? TC_OK : tc_error_set(err, TC_NOMEM, NULL);
			tc_error_clear(&perr);
			break;
		}
		/* As kubectl edit: the operator's own text again, the errors on top. */
		tc_trunk_destroy(*changes);
		*changes = NULL;
		if (!perr.fields.count)
			tc_field_errors_add(&perr.fields, -1, -1, TC_SEV_ERROR, NULL, perr.message,
			                    NULL);
		char *again = NULL;
		size_t len = 0, cap = 0;
		bool ok = true;
		for (size_t i = 0; ok && i < perr.fields.count; i++) {
			const struct tc_field_error *fe = &perr.fields.items[i];
			if (fe->severity != TC_SEV_ERROR)
				continue;
			char line[700];
			int m = snprintf(line, sizeof(line), "# error: %s%s%s\n",
			                 fe->field >= 0 ? tc_field((enum tc_field_id)fe->field)->key
			                                : "",
			                 fe->field >= 0 ? ": " : "", fe->title);
			ok = append(&again, &len, &cap, line,
			            (size_t)m < sizeof(line) ? (size_t)m : sizeof(line) - 1);
		}
		/* drop the error comments of the round before */
		const char *body = text;
		while (strncmp(body, "# error: ", 9) == 0 && strchr(body, '\n'))
			body = strchr(body, '\n') + 1;
		ok = ok && append(&again, &len, &cap, body, strlen(body));
		tc_error_clear(&perr);
		free(doc);
		doc = again;
		if (!ok)
			rc = tc_error_set(err, TC_NOMEM, NULL);
	}
	unlink(path);
	rmdir(dir);
	free(doc);
	free(text);
	return rc;
}
