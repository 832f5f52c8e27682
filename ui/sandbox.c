#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * A fresh random token per sandbox, handed to the fake through a 0600 file in
 * the throwaway directory: never argv, where every local user could read it
 * in /proc/PID/cmdline.
 */
#define SANDBOX_TOKEN_BYTES 24
#define FAKE_NAME "trunkctl-fake-api"
/* How long the fake may take to say it listens. */
#define START_TIMEOUT_MS 10000

static bool executable(const char *path)
{
	return access(path, X_OK) == 0;
}

static bool find_fake(struct sandbox *sb)
{
	const char *env = getenv("TRUNKCTL_FAKE_API");
	if (env && *env) {
		snprintf(sb->exe, sizeof(sb->exe), "%s", env);
		return executable(sb->exe);
	}
	/* A build tree: build/ui/trunkctl next to build/tests/fake-carrier/. */
	char self[3840];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			int n2 = snprintf(sb->exe, sizeof(sb->exe),
			                  "%.3800s/../tests/fake-carrier/%s", self, FAKE_NAME);
			if (n2 > 0 && (size_t)n2 < sizeof(sb->exe) && executable(sb->exe))
				return true;
		}
	}
	snprintf(sb->exe, sizeof(sb->exe), "%s/%s", TRUNKCTL_LIBEXECDIR, FAKE_NAME);
	return executable(sb->exe);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void sandbox_stop(struct sandbox *sb)
{
	if (!sb)
		return;
	if (sb->pid > 0) {
		kill(sb->pid, SIGTERM);
		int status;
		/* It stops at once on SIGTERM; a wedged one is killed after 2 s. */
		for (int i = 0; i < 200; i++) {
			pid_t r = waitpid(sb->pid, &status, WNOHANG);
			if (r == sb->pid || (r < 0 && errno != EINTR))
				break;
			if (i == 199) {
				kill(sb->pid, SIGKILL);
				waitpid(sb->pid, &status, 0);
				break;
			}
			nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
		}
		sb->pid = 0;
	}
	if (sb->dir[0]) {
		nftw(sb->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		sb->dir[0] = '\0';
	}
}

/* Reads "listening on PORT" from fd within the start timeout. */
static int read_port(int fd)
{
	char buf[128];
	size_t n = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (n < sizeof(buf) - 1) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (spent >= START_TIMEOUT_MS)
			return -1;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)(START_TIMEOUT_MS - spent));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t got = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (got <= 0)
			return -1;
		n += (size_t)got;
		buf[n] = '\0';
		int port;
		if (strchr(buf, '\n') && sscanf(buf, "listening on %d", &port) == 1)
			return port;
	}
	return -1;
}

static pid_t spawn_fake(struct sandbox *sb, int out_fd, int log_fd)
{
	char token_path[PATH_MAX];
	snprintf(token_path, sizeof(token_path), "%s/sandbox-token", sb->dir);
	char *const argv[] = {sb->exe,        "--port",   "0",  "--bind", "127.0.0.1",
	                      "--any-host",   "--sample", "25", "--seed", "1",
	                      "--token-file", token_path, NULL};
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* The fake must not outlive trunkctl, whatever ends trunkctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(127);
	/* An empty environment: the operator's TRUNKCTL_API_TOKEN stays with trunkctl. */
	char *const envp[] = {NULL};
	execve(sb->exe, argv, envp);
	_exit(127);
}

/* Writes a random hex token to DIR/sandbox-token (0600) and into token. */
static bool make_token(const char *dir, char token[2 * SANDBOX_TOKEN_BYTES + 1])
{
	unsigned char raw[SANDBOX_TOKEN_BYTES];
	int rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	bool ok = rnd >= 0 && read(rnd, raw, sizeof(raw)) == (ssize_t)sizeof(raw);
	if (rnd >= 0)
		close(rnd);
	if (!ok)
		return false;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/sandbox-token", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	size_t len = strlen(token);
	ok = write(fd, token, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
	return close(fd) == 0 && ok;
}

enum tc_status sandbox_start(struct sandbox *sb, struct tc_config *cfg, struct tc_error *err)
{
	memset(sb, 0, sizeof(*sb));
	if (!find_fake(sb))
		return tc_error_set(err, TC_IO,
		                    "--sandbox: cannot find %s (looked next to trunkctl and in %s)",
		                    FAKE_NAME, TRUNKCTL_LIBEXECDIR);
	const char *tmp = getenv("TMPDIR");
	snprintf(sb->dir, sizeof(sb->dir), "%s/trunkctl-sandbox-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sb->dir)) {
		int e = errno;
		sb->dir[0] = '\0';
		return tc_error_set(err, TC_IO, "--sandbox: cannot create a data directory: %s",
		                    strerror(e));
	}
	char token[2 * SANDBOX_TOKEN_BYTES + 1];
	if (!make_token(sb->dir, token)) {
		int e = errno;
		sandbox_stop(sb);
		return tc_error_set(err, TC_IO, "--sandbox: cannot write the sandbox token: %s",
		                    strerror(e));
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/fake-api.log", sb->dir);
	int log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int fds[2] = {-1, -1};
	if (log_fd < 0 || pipe(fds) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0) {
		int e = errno;
		if (log_fd >= 0)
			close(log_fd);
		sandbox_stop(sb);
		return tc_error_set(err, TC_IO, "--sandbox: %s", strerror(e));
	}
	sb->pid = spawn_fake(sb, fds[1], log_fd);
	close(fds[1]);
	close(log_fd);
	sb->port = sb->pid > 0 ? read_port(fds[0]) : -1;
	close(fds[0]);
	if (sb->port <= 0) {
		sandbox_stop(sb);
		return tc_error_set(err, TC_IO, "--sandbox: %s did not start (see its log)",
		                    sb->exe);
	}
	char url[64], data[PATH_MAX];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", sb->port);
	snprintf(data, sizeof(data), "%s/data", sb->dir);
	enum tc_status rc =
	    tc_config_set(cfg, TC_CFG_API_URL, url, TC_ORIGIN_FLAG, "--sandbox", err);
	if (rc == TC_OK)
		rc = tc_config_set(cfg, TC_CFG_DATA_DIR, data, TC_ORIGIN_FLAG, "--sandbox", err);
	if (rc == TC_OK)
		rc = tc_config_set_token(cfg, token, TC_ORIGIN_FLAG, "--sandbox", err);
	if (rc != TC_OK)
		sandbox_stop(sb);
	return rc;
}
