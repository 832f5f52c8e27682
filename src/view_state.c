#include "trunkctl/view_state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* The largest file tc_view_state_save writes, with room to spare. */
#define STATE_FILE_MAX 8192

bool tc_view_state_path(const char *state_dir, const char *profile, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.state", state_dir, profile);
	return n > 0 && (size_t)n < len;
}

/* A name is a run of printable, non-blank ASCII that does not start with '-'. */
static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= TC_VIEW_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isgraph((unsigned char)s[i]))
			return false;
	return true;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* The value of `columns`; NULL when fine, else what is wrong. */
static const char *parse_columns(char *v, struct tc_view_state *st)
{
	st->column_count = 0;
	for (char *save = NULL, *tok = strtok_r(v, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		bool hidden = tok[0] == '-';
		const char *name = tok + hidden;
		if (!valid_name(name, strlen(name)))
			return "a column is a name, or -name when hidden";
		if (st->column_count == TC_VIEW_COLUMNS_MAX)
			return "too many columns";
		struct tc_view_column *c = &st->columns[st->column_count++];
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->hidden = hidden;
	}
	return NULL;
}

static const char *parse_line(char *line, struct tc_view_state *st)
{
	char *s = trim(line);
	if (!*s || *s == '#')
		return NULL;
	char *eq = strchr(s, '=');
	if (!eq)
		return "not a KEY = VALUE line";
	*eq = '\0';
	char *key = trim(s), *value = trim(eq + 1);
	if (strcmp(key, "sort") == 0) {
		if (!valid_name(value, strlen(value)))
			return "sort is a column's name";
		snprintf(st->sort, sizeof(st->sort), "%s", value);
		return NULL;
	}
	if (strcmp(key, "order") == 0) {
		if (strcmp(value, "asc") != 0 && strcmp(value, "desc") != 0)
			return "order is asc or desc";
		st->descending = strcmp(value, "desc") == 0;
		return NULL;
	}
	if (strcmp(key, "columns") == 0)
		return parse_columns(value, st);
	return "unknown key";
}

enum tc_status tc_view_state_load(const char *path, struct tc_view_state *st, struct tc_error *err)
{
	memset(st, 0, sizeof(*st));
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return TC_OK;
		return tc_error_set(err, TC_IO, "cannot read %s: %s", path, strerror(errno));
	}
	char *buf = malloc(STATE_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return tc_error_set(err, TC_NOMEM, NULL);
	}
	size_t len = 0;
	ssize_t n;
	while (len < STATE_FILE_MAX && (n = read(fd, buf + len, STATE_FILE_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			free(buf);
			return tc_error_set(err, TC_IO, "cannot read %s: %s", path, strerror(e));
		}
		len += (size_t)n;
	}
	char extra;
	bool too_big = len == STATE_FILE_MAX && read(fd, &extra, 1) > 0;
	close(fd);
	buf[len] = '\0';
	const char *why = too_big                  ? "larger than a state file can be"
	                  : memchr(buf, '\0', len) ? "not a text file"
	                                           : NULL;
	int line_no = 0;
	for (char *save = NULL, *line = why ? NULL : strtok_r(buf, "\n", &save); line && !why;
	     line = strtok_r(NULL, "\n", &save)) {
		line_no++;
		why = parse_line(line, st);
	}
	free(buf);
	if (!why)
		return TC_OK;
	memset(st, 0, sizeof(*st));
	if (line_no)
		return tc_error_set(err, TC_CORRUPT, "%s:%d: %s", path, line_no, why);
	return tc_error_set(err, TC_CORRUPT, "%s: %s", path, why);
}

static enum tc_status check_state(const struct tc_view_state *st, struct tc_error *err)
{
	if (st->sort[0] && !valid_name(st->sort, strlen(st->sort)))
		return tc_error_set(err, TC_USAGE, "the sort column \"%s\" cannot be saved",
		                    st->sort);
	if (st->column_count > TC_VIEW_COLUMNS_MAX)
		return tc_error_set(err, TC_USAGE, "more than %d columns", TC_VIEW_COLUMNS_MAX);
	for (size_t i = 0; i < st->column_count; i++) {
		const char *name = st->columns[i].name;
		if (!valid_name(name, strnlen(name, TC_VIEW_NAME_MAX)))
			return tc_error_set(err, TC_USAGE, "the column \"%.*s\" cannot be saved",
			                    TC_VIEW_NAME_MAX - 1, name);
	}
	return TC_OK;
}

enum tc_status tc_view_state_save(const char *path, const struct tc_view_state *st,
                                  struct tc_error *err)
{
	enum tc_status rc = check_state(st, err);
	if (rc != TC_OK)
		return rc;
	char text[STATE_FILE_MAX];
	size_t len = (size_t)snprintf(text, sizeof(text), "# trunkctl: the list as last left\n");
	if (st->sort[0])
		len += (size_t)snprintf(text + len, sizeof(text) - len, "sort = %s\norder = %s\n",
		                        st->sort, st->descending ? "desc" : "asc");
	if (st->column_count) {
		len += (size_t)snprintf(text + len, sizeof(text) - len, "columns =");
		for (size_t i = 0; i < st->column_count; i++)
			len +=
			    (size_t)snprintf(text + len, sizeof(text) - len, " %s%s",
			                     st->columns[i].hidden ? "-" : "", st->columns[i].name);
		len += (size_t)snprintf(text + len, sizeof(text) - len, "\n");
	}
	char *dir = strdup(path);
	if (!dir)
		return tc_error_set(err, TC_NOMEM, NULL);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		rc = tc_make_dirs(dir, "the state directory", err);
	}
	free(dir);
	if (rc != TC_OK)
		return rc;
	size_t tlen = strlen(path) + 8;
	char *tmp = malloc(tlen);
	if (!tmp)
		return tc_error_set(err, TC_NOMEM, NULL);
	snprintf(tmp, tlen, "%s.XXXXXX", path);
	/* mkstemp's 0600; renamed into place so no reader sees half a file */
	int fd = mkstemp(tmp);
	if (fd < 0) {
		rc = tc_error_set(err, TC_IO, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	int e = errno;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) != 0) {
		e = errno;
		ok = false;
	}
	if (!ok) {
		unlink(tmp);
		rc = tc_error_set(err, TC_IO, "cannot write %s: %s", path, strerror(e));
	}
	free(tmp);
	return rc;
}
