#include "config_private.h"

#include "trunkctl/api.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A token is a line of text; anything longer is not a token. */
#define TOKEN_MAX 8192

/* ---- the token ---- */

enum tc_token_source tc_config_token_source(const struct tc_config *cfg)
{
	if (!cfg)
		return TC_TOKEN_NONE;
	const struct setting *file = &cfg->s[TC_CFG_TOKEN_FILE];
	const struct setting *cmd = &cfg->s[TC_CFG_TOKEN_COMMAND];
	int best = -1;
	enum tc_token_source src = TC_TOKEN_NONE;
	if (cfg->token_value) {
		best = (int)cfg->token_value_origin;
		src = TC_TOKEN_VALUE;
	}
	if (file->value && (int)file->origin > best) {
		best = (int)file->origin;
		src = TC_TOKEN_FILE;
	}
	if (cmd->value && (int)cmd->origin > best)
		src = TC_TOKEN_COMMAND;
	else if (cmd->value && (int)cmd->origin == best && src != TC_TOKEN_VALUE)
		src = TC_TOKEN_NONE; /* a file and a command of one rank: ambiguous */
	return src;
}

const char *tc_config_token_where(const struct tc_config *cfg)
{
	switch (tc_config_token_source(cfg)) {
	case TC_TOKEN_FILE:
		return cfg->s[TC_CFG_TOKEN_FILE].where;
	case TC_TOKEN_COMMAND:
		return cfg->s[TC_CFG_TOKEN_COMMAND].where;
	case TC_TOKEN_VALUE:
		return cfg->token_value_where;
	case TC_TOKEN_NONE:
		break;
	}
	return "none";
}

/* Trims surrounding white space in place; false when the rest is not one line of text. */
static bool trim_token(char *buf, size_t *len)
{
	size_t n = *len, start = 0;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	while (start < n && isspace((unsigned char)buf[start]))
		start++;
	memmove(buf, buf + start, n - start);
	n -= start;
	buf[n] = '\0';
	*len = n;
	for (size_t i = 0; i < n; i++)
		if (iscntrl((unsigned char)buf[i]))
			return false;
	return n > 0;
}

/* Reads at most TOKEN_MAX bytes; -1 on error, else the length (TOKEN_MAX + 1 when longer). */
static ssize_t read_all(int fd, char *buf)
{
	size_t n = 0;
	while (n <= TOKEN_MAX) {
		ssize_t r = read(fd, buf + n, TOKEN_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/*
 * `--token-file -`: the first line of standard input. It is read a byte at
 * a time so that the rest of stdin stays unread for a command that takes
 * its input from "-" after the token (import -, apply -f -). A terminal is
 * refused: typing would echo the token on the screen and in scrollback.
 */
static enum tc_status token_from_stdin(const char *where, char *buf, struct tc_error *err)
{
	if (isatty(STDIN_FILENO))
		return tc_error_set(
		    err, TC_CONFIG,
		    "token file - (%s) reads the token from standard input, which is "
		    "a terminal; pipe it in instead, e.g. "
		    "`pass show carrier | trunkctl --token-file - sync`",
		    where);
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t r = read(STDIN_FILENO, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return tc_error_set(err, TC_CONFIG, "token file - (%s): standard input: %s",
			                    where, strerror(errno));
		if (r == 0 || ch == '\n')
			break;
		if (n > TOKEN_MAX)
			break;
		buf[n++] = ch;
	}
	if (n > TOKEN_MAX || !trim_token(buf, &n))
		return tc_error_set(err, TC_CONFIG,
		                    "token file - (%s): the first line of standard input must be "
		                    "the token",
		                    where);
	return TC_OK;
}

static enum tc_status token_from_file(struct tc_config *cfg, char *buf, struct tc_error *err)
{
	const char *path = cfg->s[TC_CFG_TOKEN_FILE].value;
	const char *where = cfg->s[TC_CFG_TOKEN_FILE].where;
	if (strcmp(path, "-") == 0)
		return token_from_stdin(where, buf, err);
	/* O_NONBLOCK: a FIFO is refused below, not waited on. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return tc_error_set(err, TC_CONFIG, "token file %s (%s): %s", path, where,
		                    strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tc_error_set(err, TC_CONFIG, "token file %s (%s) is not a regular file",
		                    path, where);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return tc_error_set(err, TC_SECURITY,
		                    "token file %s is open to other users (mode %04o); refusing to "
		                    "use it. Fix: chmod 600 %s",
		                    path, (unsigned)(st.st_mode & 07777), path);
	}
	ssize_t n = read_all(fd, buf);
	int saved = errno;
	close(fd);
	if (n < 0)
		return tc_error_set(err, TC_CONFIG, "token file %s: %s", path, strerror(saved));
	size_t len = (size_t)n;
	if (len > TOKEN_MAX || !trim_token(buf, &len))
		return tc_error_set(err, TC_CONFIG,
		                    "token file %s (%s) must hold the token on one line", path,
		                    where);
	return TC_OK;
}

static enum tc_status token_from_command(struct tc_config *cfg, char *buf, struct tc_error *err)
{
	const char *cmd = cfg->s[TC_CFG_TOKEN_COMMAND].value;
	const char *where = cfg->s[TC_CFG_TOKEN_COMMAND].where;
	int fds[2];
	if (pipe(fds) != 0)
		return tc_error_set(err, TC_IO, "token_command (%s): %s", where, strerror(errno));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return tc_error_set(err, TC_CONFIG, "token_command (%s): cannot run /bin/sh: %s",
		                    where, strerror(rc));
	}
	ssize_t n = read_all(fds[0], buf);
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return tc_error_set(err, TC_CONFIG, "token_command (%s) was killed by signal %d",
		                    where, WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return tc_error_set(err, TC_CONFIG, "token_command (%s) failed with exit status %d",
		                    where, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	size_t len = n < 0 ? 0 : (size_t)n;
	if (n < 0 || len > TOKEN_MAX || !trim_token(buf, &len))
		return tc_error_set(err, TC_CONFIG,
		                    "token_command (%s) must print the token on one line", where);
	return TC_OK;
}

enum tc_status tc_config_token(struct tc_config *cfg, const char **token, struct tc_error *err)
{
	*token = NULL;
	if (cfg->token) {
		*token = cfg->token;
		return TC_OK;
	}
	char *buf = calloc(1, TOKEN_MAX + 2);
	if (!buf)
		return tc_error_set(err, TC_NOMEM, NULL);
	enum tc_status rc;
	switch (tc_config_token_source(cfg)) {
	case TC_TOKEN_FILE:
		rc = token_from_file(cfg, buf, err);
		break;
	case TC_TOKEN_COMMAND:
		rc = token_from_command(cfg, buf, err);
		break;
	case TC_TOKEN_VALUE:
		snprintf(buf, TOKEN_MAX + 1, "%s", cfg->token_value);
		rc = TC_OK;
		break;
	case TC_TOKEN_NONE:
	default:
		rc =
		    tc_error_set(err, TC_AUTH,
		                 "no API token: use --token-file PATH, token_file or token_command "
		                 "in the configuration, or TRUNKCTL_API_TOKEN");
		break;
	}
	if (rc != TC_OK) {
		tc_wipe(buf, TOKEN_MAX + 2);
		free(buf);
		return rc;
	}
	cfg->token = strdup(buf);
	tc_wipe(buf, TOKEN_MAX + 2);
	free(buf);
	if (!cfg->token)
		return tc_error_set(err, TC_NOMEM, NULL);
	*token = cfg->token;
	return TC_OK;
}

enum tc_status tc_config_service_options(struct tc_config *cfg, bool with_token,
                                         struct tc_service_options *opts, struct tc_error *err)
{
	memset(opts, 0, sizeof(*opts));
	opts->data_dir = tc_config_get(cfg, TC_CFG_DATA_DIR);
	opts->profile = tc_config_profile(cfg);
	opts->api_url = tc_config_get(cfg, TC_CFG_API_URL);
	opts->auth = tc_config_auth(cfg);
	opts->resolve = (const char *const *)cfg->resolve.items;
	opts->resolve_count = cfg->resolve.count;
	opts->ca_file = tc_config_get(cfg, TC_CFG_CA_FILE);
	opts->timeout_ms = tc_config_timeout(cfg) * 1000;
	opts->page_size = (unsigned)tc_config_page_size(cfg);
	opts->connections = (unsigned)tc_config_connections(cfg);
	opts->offline = tc_config_offline(cfg);
	opts->read_only = tc_config_read_only(cfg);
	opts->allow_plain_http = tc_config_allow_http(cfg);
	if (cfg->regions.count) {
		free(cfg->region_table);
		cfg->region_table = calloc(cfg->regions.count, sizeof(*cfg->region_table));
		if (!cfg->region_table)
			return tc_error_set(err, TC_NOMEM, NULL);
		/*
		 * The file names aliases only; the alias is all the API takes
		 * (tests/fake-carrier/SERVER-BEHAVIOUR.md §3.7).
		 */
		for (size_t i = 0; i < cfg->regions.count; i++) {
			cfg->region_table[i].alias = cfg->regions.items[i];
			cfg->region_table[i].identifier = cfg->regions.items[i];
			cfg->region_table[i].human_name = cfg->regions.items[i];
		}
		opts->regions = cfg->region_table;
		opts->region_count = cfg->regions.count;
	}
	if (with_token && opts->api_url && !opts->offline) {
		const char *token = NULL;
		enum tc_status rc = tc_config_token(cfg, &token, err);
		if (rc != TC_OK)
			return rc;
		opts->token = token;
	}
	return TC_OK;
}
